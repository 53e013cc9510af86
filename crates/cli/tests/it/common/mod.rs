//! Helpers shared by the end-to-end tests: the real binary on a fresh database, seeded with the
//! whole demo or only its accounts, real server processes and a cookie-keeping HTTP client.
#![allow(dead_code)]
mod webdriver;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
pub use webdriver::*;

pub const BIN: &str = env!("CARGO_BIN_EXE_innocity");

pub const PASSWORD: &str = "lanbai2026";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn wait_http(url: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if ureq::get(url).call().is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{url} did not come up");
}

/// A fresh database URL (kept alive by the returned guard).
pub fn fresh_db() -> (String, Option<innocity_store::testing::TempDir>) {
    tokio::runtime::Runtime::new().unwrap().block_on(innocity_store::testing::fresh_url()).unwrap()
}

/// The data folder of a test database (stored files, audit key and checkpoints), outside the
/// source tree and apart from every other test's.
pub fn data_dir(db: &str) -> PathBuf {
    let tag: String = db.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    std::env::temp_dir().join(format!("innocity-data-{}", &tag[tag.len().saturating_sub(40)..]))
}

/// The binary on `db`, its data in [`data_dir`].
pub fn command(db: &str) -> Command {
    let data = data_dir(db);
    let mut c = Command::new(BIN);
    c.arg("--database").arg(db).env("INNOCITY_LOG", "warn");
    c.env("INNOCITY_FILES_DIR", data.join("files"));
    c.env("INNOCITY_AUDIT_KEY_FILE", data.join("audit.key"));
    c.env("INNOCITY_AUDIT_CHECKPOINTS", data.join("audit-checkpoints.log"));
    c
}

pub fn innocity(args: &[&str], db: &str) -> std::process::Output {
    command(db).args(args).output().unwrap()
}

/// The whole demo: hierarchy, 300 organisations (and the fund's three banks), accounts,
/// statistics, indicators, experts, projects and the fund.
pub fn seed(db: &str) {
    demo(db, &[]);
}

/// Only the demo's hierarchy, 300 organisations and one account per role (`demo --no-stats`):
/// for tests that sign in or read the audit log but use no statistics, experts or projects.
pub fn seed_accounts(db: &str) {
    demo(db, &["--no-stats"]);
}

fn demo(db: &str, extra: &[&str]) {
    // the demo writes the files its records point to (orders' reports) where the server reads
    let out = command(db)
        .args(["demo", "--no-serve", "--organisations", "300"])
        .args(extra)
        .env(
            "INNOCITY_CSL",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/csl/csl_papers.tsv"),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("zone") && text.contains(PASSWORD), "accounts printed: {text}");
}

pub fn serve(db: &str) -> (Proc, String) {
    let port = free_port();
    let child = command(db)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let p = Proc(child);
    wait_http(&format!("{base}/healthz"));
    (p, base)
}

/// A cookie-keeping HTTP client for the server (no redirects followed).
pub struct Client {
    agent: ureq::Agent,
    cookies: Vec<(String, String)>,
}

impl Client {
    pub fn new() -> Client {
        Client { agent: ureq::AgentBuilder::new().redirects(0).build(), cookies: Vec::new() }
    }
    pub fn cookie(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
    pub fn absorb(&mut self, r: &ureq::Response) {
        for c in r.all("set-cookie") {
            if let Some((k, v)) = c.split(';').next().and_then(|kv| kv.split_once('=')) {
                self.cookies.retain(|(ck, _)| ck != k);
                self.cookies.push((k.into(), v.into()));
            }
        }
    }
    pub fn get(&mut self, url: &str) -> (u16, String) {
        let r = match self.agent.get(url).set("Cookie", &self.cookie()).call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        self.absorb(&r);
        (r.status(), r.into_string().unwrap_or_default())
    }
    pub fn post(&mut self, url: &str, form: &[(&str, &str)]) -> u16 {
        let r = match self.agent.post(url).set("Cookie", &self.cookie()).send_form(form) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        self.absorb(&r);
        r.status()
    }
}

pub fn csrf_of(html: &str) -> String {
    html.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}
