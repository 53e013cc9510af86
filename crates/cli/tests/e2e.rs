//! End-to-end tests of the real binary: real server processes, headless Chromium through
//! chromedriver (WebDriver), screenshots, the CLI's backup/restore and audit verification.
//! They run on SQLite, or on PostgreSQL when INNOCITY_TEST_DATABASE_URL is set.
use base64::Engine;
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_innocity");
const PASSWORD: &str = "lanbai2026";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_http(url: &str) {
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
fn fresh_db() -> (String, Option<innocity_store::testing::TempDir>) {
    tokio::runtime::Runtime::new().unwrap().block_on(innocity_store::testing::fresh_url()).unwrap()
}

/// The data folder of a test database (stored files, audit key and checkpoints), outside the
/// source tree and apart from every other test's.
fn data_dir(db: &str) -> PathBuf {
    let tag: String = db.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    std::env::temp_dir().join(format!("innocity-data-{}", &tag[tag.len().saturating_sub(40)..]))
}

/// The binary on `db`, its data in [`data_dir`].
fn command(db: &str) -> Command {
    let data = data_dir(db);
    let mut c = Command::new(BIN);
    c.arg("--database").arg(db).env("INNOCITY_LOG", "warn");
    c.env("INNOCITY_FILES_DIR", data.join("files"));
    c.env("INNOCITY_AUDIT_KEY_FILE", data.join("audit.key"));
    c.env("INNOCITY_AUDIT_CHECKPOINTS", data.join("audit-checkpoints.log"));
    c
}

fn innocity(args: &[&str], db: &str) -> std::process::Output {
    command(db).args(args).output().unwrap()
}

fn seed(db: &str) {
    let out = Command::new(BIN)
        .args(["demo", "--no-serve", "--organisations", "300", "--database", db])
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

fn serve(db: &str) -> (Proc, String) {
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

// ---------- a minimal WebDriver client ----------

struct Browser {
    driver: String,
    session: String,
    _proc: Proc,
    shots: PathBuf,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    fn start() -> Browser {
        let port = free_port();
        let chromedriver =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver ({chromedriver}) must be installed (the test command installs it): {e}"));
        let driver = format!("http://127.0.0.1:{port}");
        let proc = Proc(child);
        wait_http(&format!("{driver}/status"));
        let profile = std::env::temp_dir().join(format!("innocity-chrome-{port}"));
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                     "--lang=zh-CN", format!("--user-data-dir={}", profile.display())]
        }}}});
        let v: Value =
            ureq::post(&format!("{driver}/session")).send_json(caps).unwrap().into_json().unwrap();
        let session = v["value"]["sessionId"].as_str().unwrap().to_string();
        let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Browser { driver, session, _proc: proc, shots }
    }
    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.driver, self.session)
    }
    fn post(&self, path: &str, body: Value) -> Value {
        match ureq::post(&self.url(path)).send_json(body) {
            Ok(r) => r.into_json().unwrap(),
            Err(ureq::Error::Status(code, r)) => {
                panic!("webdriver {path}: {code} {}", r.into_string().unwrap_or_default())
            }
            Err(e) => panic!("webdriver {path}: {e}"),
        }
    }
    fn get(&self, path: &str) -> Value {
        ureq::get(&self.url(path)).call().unwrap().into_json().unwrap()
    }
    fn go(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }
    fn find(&self, css: &str) -> String {
        let v = self.post("/element", json!({"using": "css selector", "value": css}));
        v["value"][ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v} on {}", self.current_url()))
            .to_string()
    }
    fn exists(&self, css: &str) -> bool {
        let v: Value = match ureq::post(&self.url("/elements"))
            .send_json(json!({"using": "css selector", "value": css}))
        {
            Ok(r) => r.into_json().unwrap(),
            Err(_) => return false,
        };
        v["value"].as_array().is_some_and(|a| !a.is_empty())
    }
    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.post(&format!("/element/{e}/clear"), json!({}));
        self.post(&format!("/element/{e}/value"), json!({ "text": text }));
    }
    fn click(&self, css: &str) {
        let e = self.find(css);
        self.post(&format!("/element/{e}/click"), json!({}));
    }
    /// The element's text, or empty when there is none (it may go while a page loads).
    fn text(&self, css: &str) -> String {
        let found: Value = match ureq::post(&self.url("/element"))
            .send_json(json!({"using": "css selector", "value": css}))
        {
            Ok(r) => r.into_json().unwrap_or_default(),
            Err(_) => return String::new(),
        };
        let Some(e) = found["value"][ELEMENT].as_str() else { return String::new() };
        match ureq::get(&self.url(&format!("/element/{e}/text"))).call() {
            Ok(r) => r
                .into_json::<Value>()
                .map(|v| v["value"].as_str().unwrap_or("").to_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        }
    }
    fn source(&self) -> String {
        self.get("/source")["value"].as_str().unwrap_or("").to_string()
    }
    fn current_url(&self) -> String {
        self.get("/url")["value"].as_str().unwrap_or("").to_string()
    }
    /// Clicks may return before the next page has loaded: wait for it.
    fn wait_for(&self, cond: impl Fn() -> bool) {
        let start = Instant::now();
        while !cond() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "timed out waiting on {}",
                self.current_url()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    fn clear_cookies(&self) {
        ureq::delete(&self.url("/cookie")).call().unwrap();
    }
    fn size(&self, w: u32, h: u32) {
        self.post("/window/rect", json!({"width": w, "height": h}));
    }
    fn screenshot(&self, name: &str) -> PathBuf {
        let v = self.get("/screenshot");
        let png =
            base64::engine::general_purpose::STANDARD.decode(v["value"].as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 5_000, "a real screenshot");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.driver, self.session)).call();
    }
}

fn sign_in(b: &Browser, base: &str, user: &str) {
    b.clear_cookies();
    b.go(&format!("{base}/login?lang=zh"));
    b.type_into("#username", user);
    b.type_into("#password", PASSWORD);
    b.click("#login-submit");
    b.wait_for(|| !b.current_url().contains("/login"));
}

#[test]
fn browser_each_role_signs_in_sees_its_menu_and_is_refused_others() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();

    // Chinese is the default; the browser's own language is English, so say it once.
    b.go(&format!("{base}/?lang=zh"));
    assert!(b.text("h1").contains("创新型城市科技管理与服务平台"));
    assert_eq!(b.text("#org-count"), "300");
    b.screenshot("home-zh");

    // Each role: the menu entries that must show, those that must not, a page it is refused.
    struct RoleCase {
        user: &'static str,
        shown: &'static [&'static str],
        hidden: &'static [&'static str],
        refused: Option<&'static str>,
    }
    let cases: &[RoleCase] = &[
        RoleCase {
            user: "admin",
            shown: &["工作台", "创新主体", "行政区划与园区", "审计日志"],
            hidden: &[],
            refused: None,
        },
        RoleCase {
            user: "bureau", shown: &["创新主体", "审计日志"], hidden: &[], refused: None
        },
        RoleCase {
            user: "zone",
            shown: &["创新主体", "行政区划与园区"],
            hidden: &["审计日志"],
            refused: Some("/audit"),
        },
        RoleCase {
            user: "orgadmin",
            shown: &["创新主体"],
            hidden: &["审计日志", "行政区划与园区"],
            refused: Some("/units"),
        },
        RoleCase {
            user: "member",
            shown: &["创新主体"],
            hidden: &["审计日志"],
            refused: Some("/orgs/new"),
        },
        RoleCase {
            user: "expert",
            shown: &["工作台", "修改密码"],
            hidden: &["创新主体"],
            refused: Some("/orgs"),
        },
        RoleCase {
            user: "provider",
            shown: &["创新主体"],
            hidden: &["审计日志"],
            refused: Some("/audit"),
        },
    ];
    for RoleCase { user, shown, hidden, refused } in cases {
        sign_in(&b, &base, user);
        assert!(
            b.current_url().ends_with("/workspace"),
            "{user} lands on the workspace: {} {}",
            b.current_url(),
            b.source().split("<main").nth(1).unwrap_or("")
        );
        let menu = b.text("#menu");
        for m in *shown {
            assert!(menu.contains(m), "{user} menu shows {m}: {menu}");
        }
        for m in *hidden {
            assert!(!menu.contains(m), "{user} menu hides {m}: {menu}");
        }
        b.screenshot(&format!("workspace-{user}"));
        if let Some(path) = refused {
            b.go(&format!("{base}{path}"));
            assert!(
                b.text("#error-message").contains("您没有权限访问此内容"),
                "{user} refused {path}"
            );
            b.screenshot(&format!("refused-{user}"));
        }
    }
    // The public account has no workspace.
    sign_in(&b, &base, "public");
    assert!(b.text("#error-message").contains("您没有权限"));

    // Organisation list as a zone admin, then a bad credit code on the create form.
    sign_in(&b, &base, "zone");
    b.go(&format!("{base}/orgs"));
    assert!(b.text("#org-total").contains("共"));
    b.screenshot("orgs-zone");
    b.go(&format!("{base}/orgs/new"));
    b.type_into("#credit_code", "91350100M000100Y44");
    b.type_into("#name", "兰州示例光电科技有限公司");
    b.click("#org-save");
    b.wait_for(|| b.exists("#err-credit_code"));
    assert!(b.text("#err-credit_code").contains("应为“3”"));
    assert!(b.source().contains("兰州示例光电科技有限公司"), "input kept");
    b.screenshot("org-form-error");

    // Language switch, kept by cookie across pages.
    b.go(&format!("{base}/workspace"));
    b.click("#lang-switch");
    b.wait_for(|| b.current_url().contains("lang=en"));
    assert!(b.text("#menu").contains("Organisations"));
    b.go(&format!("{base}/orgs"));
    assert!(b.text("h1").contains("Organisations"));
    b.screenshot("orgs-en");

    // Swagger UI, vendored, runs under the CSP.
    b.go(&format!("{base}/api/docs"));
    b.wait_for(|| b.exists(".swagger-ui .info"));
    b.screenshot("api-docs");
    // The audit log as bureau staff.
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/audit?lang=zh"));
    assert!(b.text("#audit-table").contains("auth.login"));
    b.screenshot("audit");
    b.go(&format!("{base}/units"));
    assert!(b.text("#units-table").contains("白银高新区"));
    b.screenshot("units");
    sign_in(&b, &base, "admin");
    b.go(&format!("{base}/users"));
    assert!(b.text("#users-table").contains("orgadmin2"));
    b.screenshot("users");

    // A phone.
    sign_in(&b, &base, "zone");
    b.size(390, 844);
    b.go(&format!("{base}/orgs?lang=zh"));
    assert!(b.exists("#org-table"));
    b.screenshot("orgs-phone");
    b.go(&format!("{base}/"));
    b.screenshot("home-phone");
}

/// A cookie-keeping HTTP client for the server (no redirects followed).
struct Client {
    agent: ureq::Agent,
    cookies: Vec<(String, String)>,
}

impl Client {
    fn new() -> Client {
        Client { agent: ureq::AgentBuilder::new().redirects(0).build(), cookies: Vec::new() }
    }
    fn cookie(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
    fn absorb(&mut self, r: &ureq::Response) {
        for c in r.all("set-cookie") {
            if let Some((k, v)) = c.split(';').next().and_then(|kv| kv.split_once('=')) {
                self.cookies.retain(|(ck, _)| ck != k);
                self.cookies.push((k.into(), v.into()));
            }
        }
    }
    fn get(&mut self, url: &str) -> (u16, String) {
        let r = match self.agent.get(url).set("Cookie", &self.cookie()).call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        self.absorb(&r);
        (r.status(), r.into_string().unwrap_or_default())
    }
    fn post(&mut self, url: &str, form: &[(&str, &str)]) -> u16 {
        let r = match self.agent.post(url).set("Cookie", &self.cookie()).send_form(form) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        self.absorb(&r);
        r.status()
    }
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

#[test]
fn slow_clients_are_cut_off_and_connections_are_capped() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};
    let (db, _guard) = fresh_db();
    seed(&db);
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
    seed(&db);
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

#[test]
fn backup_while_serving_then_restore_and_verify() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    // Writes go on while the backup runs.
    let writer = {
        let base = base.clone();
        std::thread::spawn(move || {
            for _ in 0..5 {
                let mut c = Client::new();
                let (_, page) = c.get(&format!("{base}/login"));
                c.post(
                    &format!("{base}/login"),
                    &[("_csrf", &csrf_of(&page)), ("username", "admin"), ("password", PASSWORD)],
                );
            }
        })
    };
    // A guideline file uploaded to a call: the backup must carry it.
    let pdf = "%PDF-1.4\n% 申报指南\n".as_bytes().to_vec();
    let sha = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let d = innocity_store::Db::connect(&db).await.unwrap();
        let call: i64 = d
            .query_one("SELECT MIN(id) AS id FROM calls", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get("", "id")
            .unwrap();
        let actor = innocity_store::orgs::Actor { user_id: 1, username: "t", request_id: "r" };
        innocity_store::projects::add_call_file(
            &d,
            &data_dir(&db).join("files"),
            call,
            "指南.pdf",
            &pdf,
            actor,
        )
        .await
        .unwrap();
        innocity_store::projects::call_files(&d, call).await.unwrap()[0].sha256.clone()
    });
    let dir = std::env::temp_dir().join(format!("innocity-backup-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("snapshot.jsonl");
    let out = innocity(&["backup", "--output", file.to_str().unwrap()], &db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    writer.join().unwrap();
    // Only its owner may read it (it holds password and token hashes); nothing else is left.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
    let (target, _g2) = fresh_db();
    let out = innocity(&["restore", "--input", file.to_str().unwrap()], &target);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("organisations: 300"));
    // The file is in the restored platform's own folder.
    let restored = data_dir(&target).join("files").join(&sha[..2]).join(&sha);
    assert_eq!(std::fs::read(&restored).unwrap(), pdf);
    let out = innocity(&["audit", "verify"], &target);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The restored platform serves the same data.
    let (_restored, base2) = serve(&target);
    let (_, home) = Client::new().get(&format!("{base2}/"));
    assert!(home.contains("org-count\">300<"));
    // Restoring over existing data is refused.
    let out = innocity(&["restore", "--input", file.to_str().unwrap()], &target);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(data_dir(&db)).ok();
    std::fs::remove_dir_all(data_dir(&target)).ok();
}

#[test]
fn audit_verify_names_an_edited_entry_and_user_add_works() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let out = innocity(&["audit", "verify"], &db);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit log intact"));
    let out = Command::new(BIN)
        .args([
            "user",
            "add",
            "--username",
            "qx_admin",
            "--name",
            "七里河园区 管理员",
            "--role",
            "zone_admin",
            "--unit",
            "LZGX-QLH",
            "--database",
            &db,
        ])
        .env("INNOCITY_NEW_PASSWORD", "qilihe2026ok")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(BIN)
        .args([
            "user",
            "add",
            "--username",
            "x",
            "--name",
            "x",
            "--role",
            "zone_admin",
            "--database",
            &db,
        ])
        .env("INNOCITY_NEW_PASSWORD", "qilihe2026ok")
        .output()
        .unwrap();
    assert!(!out.status.success(), "a zone admin needs a unit");
    // Edit one entry behind the platform's back.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let d = innocity_store::Db::connect(&db).await.unwrap();
        let tx = d.begin_write().await.unwrap();
        tx.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 12", vec![]).await.unwrap();
        tx.commit().await.unwrap();
    });
    let out = innocity(&["audit", "verify"], &db);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("entry 12"), "{err}");
    std::fs::remove_dir_all(data_dir(&db)).ok();
}

#[test]
fn audit_checkpoints_reveal_a_recomputed_chain() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let out = innocity(&["audit", "checkpoint"], &db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    use std::os::unix::fs::PermissionsExt;
    let key = data_dir(&db).join("audit.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600,
        "the key is private"
    );
    let out = innocity(&["audit", "verify"], &db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 checkpoint"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Entry 12 edited and the whole chain recomputed with plain SHA-256 behind the platform's back.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let d = innocity_store::Db::connect(&db).await.unwrap();
        innocity_store::testing::forge_audit_entry(&d, 12, "mallory").await.unwrap();
    });
    let out = innocity(&["audit", "verify"], &db);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("checkpoint 1") && err.contains("rewritten"), "{err}");
    std::fs::remove_dir_all(data_dir(&db)).ok();
}

#[test]
fn configuration_comes_from_defaults_then_innocity_toml_then_environment() {
    let dir = std::env::temp_dir().join(format!("innocity-config-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    // Defaults: ./data/innocity.db relative to the working directory.
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(&dir)
        .env_remove("INNOCITY_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("data/innocity.db").exists());
    // innocity.toml overrides the default.
    std::fs::write(dir.join("innocity.toml"), "database_url = \"sqlite://./from-toml.db\"\n")
        .unwrap();
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(&dir)
        .env_remove("INNOCITY_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.join("from-toml.db").exists());
    // The environment overrides the file.
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(&dir)
        .env("INNOCITY_DATABASE_URL", "sqlite://./from-env.db")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.join("from-env.db").exists());
    // A bad URL is a clear error, not a panic.
    let out = Command::new(BIN)
        .args(["migrate", "--database", "mysql://x"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn browser_an_enterprise_reports_and_the_zone_reviews() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1000);
    // Bureau staff keep the 2025 survey open for another month, whatever today's date.
    sign_in(&b, &base, "bureau");
    let later = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d").to_string();
    b.go(&format!("{base}/stats/forms/107-2"));
    b.type_into("#deadline-period", "2025");
    let date = b.find("#deadline-date");
    // A date input takes the date through script, as a user's date picker would set it.
    b.post(
        "/execute/sync",
        json!({"script": "arguments[0].value = arguments[1];", "args": [{ELEMENT: date}, later]}),
    );
    b.click("#deadline-set");
    b.wait_for(|| b.exists("#notice"));
    b.screenshot("stats-form-definition");

    // The enterprise opens its 2025 return from the statistics page.
    sign_in(&b, &base, "orgadmin");
    b.go(&format!("{base}/stats"));
    b.screenshot("stats-overview-enterprise");
    b.click("#periods-107-2 a.open-return");
    b.wait_for(|| b.exists("#grid"));
    let return_url = b.current_url();
    assert!(b.text("#validation").contains("全部审核规则通过"));
    // A part that no longer adds up: saved as typed, the error shows at once.
    let cell = "#c-RD_EXP_PERS-T-0";
    let before: f64 = b.get(&format!("/element/{}/property/value", b.find(cell)))["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    b.type_into(cell, &format!("{}", before + 100.0));
    b.click("#return-title");
    b.wait_for(|| b.text("#m-c-RD_EXP_PERS-T-0").contains("已保存"));
    b.wait_for(|| b.exists("#violations tr[data-rule='R107-2-01']"));
    b.screenshot("stats-entry-error");
    // Not a number: refused beside the cell.
    b.type_into(cell, "一百");
    b.click("#return-title");
    b.wait_for(|| b.text("#m-c-RD_EXP_PERS-T-0").contains("不是数字"));
    b.screenshot("stats-entry-not-a-number");
    // Put it right; the panel clears.
    b.type_into(cell, &format!("{before}"));
    b.click("#return-title");
    b.wait_for(|| b.exists("#validation-ok"));
    // A CSV with a bad value: every problem named by line and column, nothing imported.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("values.csv");
    let code = b
        .source()
        .split("class=\"mono muted\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    std::fs::write(
        &csv,
        format!("element,disaggregation,period,org,value\nRD_STAFF,,2025,{code},很多\n"),
    )
    .unwrap();
    let input = b.find("#upload-file");
    b.post(&format!("/element/{input}/value"), json!({ "text": csv.display().to_string() }));
    b.click("#upload-button");
    b.wait_for(|| b.exists("#upload-result .alert-error"));
    assert!(
        b.text("#upload-result").contains("第 2 行，value 列：“很多”不是数字"),
        "{}",
        b.text("#upload-result")
    );
    b.screenshot("stats-upload-error");
    // Submit.
    b.click("#submit-return");
    b.wait_for(|| b.exists("#notice"));
    assert!(b.text("#return-status").contains("待审核"));
    b.screenshot("stats-submitted");

    // The zone admin sees progress, opens the return and approves it; totals and the chart.
    sign_in(&b, &base, "zone");
    b.go(&format!("{base}/stats/107-2/2025"));
    assert!(b.exists("#area-orgs"));
    b.screenshot("stats-area-zone");
    b.go(&return_url);
    b.click("#approve-button");
    b.wait_for(|| b.exists("#notice"));
    assert!(b.text("#return-status").contains("已审核"));
    b.go(&format!("{base}/stats/107-2/2024/analysis"));
    assert!(b.exists("#chart rect") && b.exists("#totals"));
    b.screenshot("stats-analysis-zone");
    // The same return in English.
    b.go(&format!("{return_url}?lang=en"));
    assert!(
        b.text("#validation").contains("Validation")
            && b.text("#return-status").contains("Approved")
    );
    b.screenshot("stats-return-en");
}

#[test]
fn index_build_writes_every_dataset_and_nothing_on_bad_input() {
    let asem = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../core/tests/coinr-asem");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = |data: &std::path::Path, out: &std::path::Path| {
        Command::new(BIN)
            .args(["index", "build", "--data"])
            .arg(data)
            .arg("--meta")
            .arg(asem.join("iMeta.csv"))
            .arg("--pipeline")
            .arg(asem.join("pipeline.toml"))
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    let o = run(&asem.join("iData.csv"), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Aggregated.csv",
            "Denominated.csv",
            "Imputed.csv",
            "Normalised.csv",
            "Screened.csv",
            "Treated.csv",
            "results.csv",
            "treatment.csv"
        ]
    );
    // The ranking is COINr's.
    let ranks = |text: &str| {
        text.lines()
            .skip(1)
            .map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                (c[0].to_string(), c[c.len() - 1].to_string())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ranks(&std::fs::read_to_string(out.join("results.csv")).unwrap()),
        ranks(&std::fs::read_to_string(asem.join("expected/results.csv")).unwrap())
    );
    // A non-numeric cell: a clear message, a failing status, no output folder.
    let text = std::fs::read_to_string(asem.join("iData.csv")).unwrap();
    let bad = dir.path().join("bad.csv");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let cells: Vec<&str> = lines[0].split(',').collect();
    let lpi = cells.iter().position(|h| *h == "LPI").unwrap();
    let mut row: Vec<String> = lines[4].split(',').map(String::from).collect();
    row[lpi] = "n/a".into();
    lines[4] = row.join(",");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let out2 = dir.path().join("out2");
    let o = run(&bad, &out2);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv, row 5, column LPI: 'n/a' is not a number"), "{err}");
    assert!(!out2.exists() && !dir.path().join("out2.partial").exists(), "no partial output");
}

#[test]
fn browser_monitoring_dashboards_show_paths_warnings_and_rankings() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/indicators"));
    b.click("#frameworks a");
    b.wait_for(|| b.exists("#cards"));
    assert!(b.text("#dash-title").contains("兰白试验区主要发展指标"));
    // Ten indicators, each with its chart; the demo's pilot zone is behind on some.
    let cards = b.source().matches("class=\"card ind-card").count();
    assert_eq!(cards, 10);
    assert!(b.exists("#cards svg.line-chart polyline.actual") && b.exists("#cards circle.target"));
    b.screenshot("indicators-dashboard");
    assert!(b.exists("#warnings li"), "warnings are listed");
    b.go(&format!("{base}/indicators/LANBAI-2020/compare"));
    b.wait_for(|| b.exists("#ranking"));
    assert_eq!(b.source().matches("<tr><td class=\"num\">").count(), 4, "four zones ranked");
    assert!(
        b.exists("#sobol") && b.source().matches("<rect x=").count() >= 4,
        "the map-like grid has a tile per zone"
    );
    b.screenshot("indicators-compare");
    b.post(
        "/execute/sync",
        json!({"script": "document.getElementById('map-grid').scrollIntoView();", "args": []}),
    );
    b.screenshot("indicators-map");
    b.go(&format!("{base}/indicators/LANBAI-2020/index"));
    b.wait_for(|| b.exists("#index-chart"));
    assert!(b.exists("#index-tree") && b.exists("#rank-intervals line"));
    b.screenshot("indicators-index");
    // A zone admin sees its own zone only.
    sign_in(&b, &base, "zone");
    b.go(&format!("{base}/indicators/LANBAI-2020"));
    assert!(b.text("#dash-title").contains("兰州高新区"));
    b.screenshot("indicators-zone");
}

#[test]
fn assign_follows_its_contract_exit_codes_and_all() {
    let dir = tempfile::tempdir().unwrap();
    let run = |json: &str| {
        let input = dir.path().join("instance.json");
        let output = dir.path().join("assignment.json");
        let _ = std::fs::remove_file(&output);
        std::fs::write(&input, json).unwrap();
        let o = Command::new(BIN)
            .args(["assign", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .output()
            .unwrap();
        let written = std::fs::read_to_string(&output)
            .ok()
            .map(|t| serde_json::from_str::<Value>(&t).unwrap());
        (o.status.code(), String::from_utf8_lossy(&o.stderr).to_string(), written)
    };
    // The contract's example shape: P1 needs 2 of E1..E3, E3 is in conflict, E2 is forced on P2.
    let ok = r#"{"items":[{"id":"P1","demand":2},{"id":"P2","demand":1}],
        "experts":[{"id":"E1","max_load":1},{"id":"E2","max_load":2},{"id":"E3","max_load":2,"min_load":0}],
        "scores":[{"item":"P1","expert":"E1","score":0.9},{"item":"P1","expert":"E2","score":0.5},{"item":"P1","expert":"E3","score":2.0},{"item":"P2","expert":"E1","score":0.7}],
        "conflicts":[{"item":"P1","expert":"E3","reason":"same organisation"}],
        "forced":[{"item":"P2","expert":"E2"}]}"#;
    let (code, _, out) = run(ok);
    assert_eq!(code, Some(0));
    let out = out.unwrap();
    assert_eq!(out["status"], "optimal");
    assert!((out["objective"].as_f64().unwrap() - 1.4).abs() < 1e-9, "{out}");
    let pairs: Vec<(String, String)> = out["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["item"].as_str().unwrap().into(), p["expert"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("P1".to_string(), "E1".to_string()),
            ("P1".into(), "E2".into()),
            ("P2".into(), "E2".into())
        ]
    );
    // Infeasible: exit 2 and the reason names the item.
    let (code, _, out) = run(
        r#"{"items":[{"id":"P9","demand":3}],"experts":[{"id":"E1","max_load":5},{"id":"E2","max_load":5},{"id":"E3","max_load":5}],"scores":[{"item":"P9","expert":"E1","score":1}]}"#,
    );
    assert_eq!(code, Some(2));
    let out = out.unwrap();
    assert_eq!(out["status"], "infeasible");
    assert!(out["reason"].as_str().unwrap().contains("item P9 has 1 eligible experts"), "{out}");
    // Malformed: exit 1, the entry named, nothing written.
    let (code, err, out) = run(
        r#"{"items":[{"id":"P1","demand":1}],"experts":[{"id":"E1","max_load":1},{"id":"E1","max_load":1}],"scores":[]}"#,
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("experts[1] \"E1\": duplicate expert id"), "{err}");
    assert!(out.is_none());
    let (code, err, _) = run(r#"{"items":[{"id":"P1","demand":"x"}]}"#);
    assert_eq!(code, Some(1));
    assert!(err.contains("line 1"), "{err}");
}

#[test]
fn affinity_ranks_experts_by_their_writing_and_feeds_assign() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("experts.csv"), "id,fields,text\nE1,0805,稀土永磁材料制备；钕铁硼磁体晶界扩散\nE2,1002,中药复方治疗慢性胃炎临床疗效\nE3,0811,风电机组变桨控制\n").unwrap();
    std::fs::write(dir.path().join("items.csv"), "id,fields,text\nP1,0805,钕铁硼稀土永磁材料晶界扩散技术\nP2,1002,慢性胃炎中药复方疗效评价\n").unwrap();
    let inst = dir.path().join("instance.json");
    let o = Command::new(BIN)
        .args(["affinity", "--top", "2", "--demand", "1", "--max-load", "1", "--experts"])
        .arg(dir.path().join("experts.csv"))
        .arg("--items")
        .arg(dir.path().join("items.csv"))
        .arg("--output")
        .arg(&inst)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("assignment.json");
    let o = Command::new(BIN)
        .args(["assign", "--input"])
        .arg(&inst)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let a: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let pairs: Vec<(String, String)> = a["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["item"].as_str().unwrap().into(), p["expert"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        pairs,
        vec![("P1".to_string(), "E1".to_string()), ("P2".into(), "E2".into())],
        "each proposal goes to the expert who writes about it"
    );
}

#[test]
fn browser_an_expert_scores_blind_and_staff_rank_the_round() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1000);
    // The expert sees only their own items and scores one.
    sign_in(&b, &base, "expert");
    b.go(&format!("{base}/my/reviews"));
    assert!(b.exists("#my-reviews tr.todo"));
    b.screenshot("reviews-my-list");
    b.click("#my-reviews tr.todo a");
    b.wait_for(|| b.exists("#score-form"));
    assert!(!b.exists("#panel-scores"), "blind while the round is open");
    for (id, v) in [
        ("#score-innovation", "8.5"),
        ("#score-feasibility", "7"),
        ("#score-team", "9"),
        ("#score-impact", "6.5"),
    ] {
        b.type_into(id, v);
    }
    let rec = b.find("#recommendation");
    b.post(
        "/execute/sync",
        json!({"script": "arguments[0].value = 'fund';", "args": [{ELEMENT: rec}]}),
    );
    b.type_into(
        "#comment",
        "研究目标明确，技术路线可行，团队基础较好，建议支持并加强成果转化考核。",
    );
    b.screenshot("reviews-scoring");
    b.click("#submit-review");
    b.wait_for(|| b.exists("#notice"));
    assert!(b.text("#review-status").contains("已提交"));
    assert_eq!(
        b.text("#total"),
        format!("{:.2}", 30.0 * 0.85 + 25.0 * 0.7 + 20.0 * 0.9 + 25.0 * 0.65)
    );
    b.screenshot("reviews-submitted");
    // Staff: the libraries, the open panel review with its committed seed, the finished round's
    // ranking, the credit records.
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/experts"));
    assert!(b.exists("#experts tr[data-status='suspended']"));
    b.screenshot("experts-list");
    b.click("#experts tbody tr:first-child a");
    b.wait_for(|| b.exists("#expert-title"));
    b.screenshot("expert-view");
    b.go(&format!("{base}/reviews"));
    b.screenshot("reviews-rounds");
    b.click("#rounds tbody tr:first-child a");
    b.wait_for(|| b.exists("#round-title"));
    assert_eq!(b.text("#seed-hash").len(), 64);
    assert!(b.exists("#draw-log"));
    b.screenshot("reviews-panel-round");
    b.go(&format!("{base}/reviews"));
    b.click("#rounds tbody tr:nth-child(2) a");
    b.wait_for(|| b.exists("#results"));
    assert!(b.text("#outliers").contains("E0"), "a harsh reviewer is flagged");
    b.screenshot("reviews-results");
    b.go(&format!("{base}/credit"));
    b.screenshot("credit");
}

#[test]
fn browser_a_researcher_applies_and_it_climbs_the_levels() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1000);
    sign_in(&b, &base, "member");
    b.go(&format!("{base}/calls"));
    b.screenshot("projects-calls");
    b.click("#calls a.btn-primary");
    b.wait_for(|| b.exists("#app-form"));
    b.type_into("#app-title", "兰白地区稀土永磁材料低成本制备技术研究");
    b.type_into("input[name=leader_key]", "11010519491231002X");
    b.type_into("#app-summary", "研究稀土永磁材料的低成本制备工艺与性能调控，形成示范生产线。");
    // A bad amount is named beside its category, and nothing is stored.
    b.type_into("#req-equipment", "十万");
    b.click("#app-create");
    b.wait_for(|| b.exists("#form-errors") && b.text("#form-errors").contains("十万"));
    b.screenshot("projects-form-error");
    // The form came back with what was typed: correct the amount only.
    assert!(b.exists("#form-errors"));
    assert_eq!(
        b.get(&format!("/element/{}/property/value", b.find("#app-title")))["value"],
        "兰白地区稀土永磁材料低成本制备技术研究"
    );
    b.type_into("#req-equipment", "12");
    b.type_into("#req-indirect", "2");
    // The call's own questions: a draft may leave a required one empty.
    b.type_into(
        "textarea[name='q.研究基础与现有条件']",
        "已建成省级稀土功能材料工程技术研究中心，具备中试条件。",
    );
    b.click("select[name='q.预期成果形式'] option[value='专利']");
    b.screenshot("projects-own-questions");
    b.click("#app-create");
    b.wait_for(|| b.exists("#notice"));
    assert_eq!(b.text("#app-requested"), "14.00");
    // Submitting without it is refused, naming it.
    let draft = b.current_url().split('?').next().unwrap().to_string();
    b.click("#act-submit");
    b.wait_for(|| b.source().contains("为必填项"));
    assert!(b.source().contains("技术就绪度（TRL）"));
    b.screenshot("projects-required-answer");
    // The refusal leads back to the draft; typing there saves it by itself (and keeps the page's
    // version current for the next click).
    b.click("#error-back");
    b.wait_for(|| b.exists("#autosave-status"));
    assert_eq!(b.current_url().split('?').next().unwrap(), draft);
    b.type_into("input[name='q.技术就绪度（TRL）']", "12");
    b.wait_for(|| b.text("#autosave-status").contains("1–9"));
    b.screenshot("projects-autosave-error");
    b.type_into("input[name='q.技术就绪度（TRL）']", "6");
    b.wait_for(|| b.text("#autosave-status").contains("已自动保存"));
    b.screenshot("projects-autosaved");
    b.click("#act-submit");
    b.wait_for(|| b.exists("#app-stage") && b.text("#app-stage").contains("待单位审核"));
    b.screenshot("projects-submitted");
    let url = b.current_url();
    let url = url.split('?').next().unwrap().to_string();
    // The organisation endorses, the zone recommends.
    sign_in(&b, &base, "orgadmin");
    b.go(&url);
    b.click("#act-endorse");
    b.wait_for(|| b.exists("#app-stage") && b.text("#app-stage").contains("待区县推荐"));
    sign_in(&b, &base, "zone");
    b.go(&url);
    b.click("#act-recommend");
    b.wait_for(|| b.exists("#app-stage") && b.text("#app-stage").contains("待形式审查"));
    b.screenshot("projects-recommended");
    // The bureau's board and list.
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/projects/board"));
    assert!(b.exists("#ledgers"));
    b.screenshot("projects-board");
    b.go(&format!("{base}/applications?stage=recommended"));
    assert!(b.source().contains("兰白地区稀土永磁材料低成本制备技术研究"));
    b.screenshot("projects-list");
    // The bureau publishes a call: a mistake in the form's sections is named by line; then it is
    // published with its guidelines, plan and questions.
    b.go(&format!("{base}/calls"));
    b.click("#new-call");
    b.wait_for(|| b.exists("#call-form"));
    b.screenshot("call-new");
    b.click("#call-programme option:nth-child(2)");
    b.type_into("#call-code", "JS2027");
    b.type_into("#call-title-input", "2027年度兰白自创区关键技术攻关专项申报指南");
    b.type_into("#call-topics", "稀土功能材料\n有色金属新材料");
    b.type_into(
        "#call-form-spec",
        "# 一、技术路线\n技术路线与创新点 | 长文本 | 必填\n知识产权情况 | 表格",
    );
    b.click("#call-save");
    b.wait_for(|| b.exists("#form-errors"));
    assert!(b.text("#form-errors").contains("第 3 行"), "{}", b.text("#form-errors"));
    b.screenshot("call-form-error");
    b.type_into("#call-form-spec", "# 一、技术路线\n技术路线与创新点 | 长文本 | 必填\n知识产权情况 | 选项 已授权/已受理/无 | 必填");
    b.click("#call-save");
    b.wait_for(|| b.exists("#review-plan"));
    assert!(b.text("#call-own-form").contains("知识产权情况"));
    b.screenshot("call-published");
    b.go(&format!("{base}/programmes"));
    b.screenshot("programmes");
}

#[test]
fn browser_a_leader_reports_and_the_bureau_follows_up() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1000);
    // The leader's workspace lists the overdue mid-term report; the project page takes it.
    sign_in(&b, &base, "member");
    b.go(&format!("{base}/workspace"));
    b.wait_for(|| b.exists("#ws-tasks"));
    assert!(b.text("#ws-tasks").contains("逾期"), "{}", b.text("#ws-tasks"));
    b.screenshot("projects-workspace-tasks");
    b.click("#ws-tasks a");
    b.wait_for(|| b.exists("#reports"));
    assert!(b.text("#project-status").contains("执行中"));
    b.screenshot("project-life");
    b.type_into(
        "#report-mid_term-1 textarea[name=body]",
        "中期报告：完成关键工艺试验和中试样机研制，阶段考核指标完成 60%，经费执行率 55%。",
    );
    b.click("#report-mid_term-1 button");
    b.wait_for(|| b.exists("#notice"));
    assert!(b.text("#reports").contains("已提交"), "{}", b.text("#reports"));
    let page = b.current_url().split('?').next().unwrap().to_string();
    b.go(&format!("{page}#life"));
    b.screenshot("project-report-submitted");
    b.go(&format!("{page}#changes"));
    b.screenshot("project-changes");
    // The public notice of the decided call, with the objection that withdrew an approval.
    b.go(&format!("{base}/notices"));
    b.click("#notices a");
    b.wait_for(|| b.exists("#notice-list"));
    assert!(b.text("#notice-list").contains("异议成立"));
    b.screenshot("notices-public");
    // The bureau: the portfolio's overdue items, the board's follow-up, the failed acceptance.
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/projects?overdue=1"));
    b.wait_for(|| b.exists("#projects"));
    assert_ne!(b.text("#overdue-count"), "0");
    b.screenshot("projects-portfolio");
    b.go(&format!("{base}/projects/board"));
    assert!(b.exists("#follow-up"));
    b.screenshot("projects-board-follow-up");
    b.go(&format!("{base}/projects?status=failed"));
    b.click("#projects tbody a");
    b.wait_for(|| b.exists("#outcome"));
    assert!(b.text("#outcome").contains("不通过"));
    let page = b.current_url().split('?').next().unwrap().to_string();
    b.go(&format!("{page}#opinions"));
    b.screenshot("project-failed");
}
