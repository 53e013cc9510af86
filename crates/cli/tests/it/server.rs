//! Server processes: slow clients are cut off and connections capped; two processes on one
//! database behave as one.
use crate::common::*;
use std::process::Stdio;

#[test]
fn slow_clients_are_cut_off_and_connections_are_capped() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};
    let (db, _guard) = fresh_db();
    seed_accounts(&db);
    let port = free_port();
    let child = command(&db)
        .env("INNOCITY_HEADER_TIMEOUT_SECS", "1")
        .env("INNOCITY_MAX_CONNECTIONS", "4")
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Proc(child);
    let base = format!("http://127.0.0.1:{port}");
    wait_http(&format!("{base}/healthz"));
    let addr = format!("127.0.0.1:{port}");
    // Headers trickled in and never finished: the server hangs up after the header deadline.
    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /ping HTTP/1.1\r\nHost: x\r\n").unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    assert!(started.elapsed() < Duration::from_secs(4), "still open after {:?}", started.elapsed());
    // Four silent connections take every place: a fifth client waits until the deadline frees one.
    let idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(&addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let mut fifth = TcpStream::connect(&addr).unwrap();
    fifth.write_all(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    fifth.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(600) && waited < Duration::from_secs(4),
        "waited {waited:?}"
    );
    drop(idle);
}

#[test]
fn two_server_processes_on_one_database_behave_as_one() {
    let (db, _guard) = fresh_db();
    seed_accounts(&db);
    let (_a, base_a) = serve(&db);
    let (_b, base_b) = serve(&db);
    let mut c = Client::new();
    let (_, page) = c.get(&format!("{base_a}/login"));
    let csrf = csrf_of(&page);
    assert_eq!(
        c.post(
            &format!("{base_a}/login"),
            &[("_csrf", &csrf), ("username", "bureau"), ("password", PASSWORD)]
        ),
        303
    );
    // Carry on through the other process.
    let (status, ws) = c.get(&format!("{base_b}/workspace"));
    assert_eq!(status, 200);
    assert!(ws.contains("王科长"));
    let csrf = csrf_of(&ws);
    assert_eq!(c.post(&format!("{base_b}/tokens"), &[("_csrf", &csrf), ("name", "第二进程")]), 200);
    assert_eq!(c.post(&format!("{base_a}/logout"), &[("_csrf", &csrf)]), 303);
    assert_eq!(c.get(&format!("{base_b}/workspace")).0, 303, "signed out everywhere");
}
