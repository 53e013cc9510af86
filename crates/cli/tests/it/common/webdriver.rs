//! A minimal WebDriver client: headless Chromium through chromedriver, with screenshots.
use super::*;
use base64::Engine;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Browser {
    driver: String,
    session: String,
    _proc: Proc,
    shots: PathBuf,
}

pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    pub fn start() -> Browser {
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
    pub fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.driver, self.session)
    }
    pub fn post(&self, path: &str, body: Value) -> Value {
        match ureq::post(&self.url(path)).send_json(body) {
            Ok(r) => r.into_json().unwrap(),
            Err(ureq::Error::Status(code, r)) => {
                panic!("webdriver {path}: {code} {}", r.into_string().unwrap_or_default())
            }
            Err(e) => panic!("webdriver {path}: {e}"),
        }
    }
    pub fn get(&self, path: &str) -> Value {
        ureq::get(&self.url(path)).call().unwrap().into_json().unwrap()
    }
    /// Every label of the menu, those inside closed areas too (their text is not rendered).
    pub fn menu_text(&self) -> String {
        let script = "return document.querySelector('#menu').textContent;";
        let v = self.post("/execute/sync", json!({ "script": script, "args": [] }));
        v["value"].as_str().unwrap_or_default().to_string()
    }
    pub fn go(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }
    pub fn find(&self, css: &str) -> String {
        let v = self.post("/element", json!({"using": "css selector", "value": css}));
        v["value"][ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v} on {}", self.current_url()))
            .to_string()
    }
    pub fn exists(&self, css: &str) -> bool {
        let v: Value = match ureq::post(&self.url("/elements"))
            .send_json(json!({"using": "css selector", "value": css}))
        {
            Ok(r) => r.into_json().unwrap(),
            Err(_) => return false,
        };
        v["value"].as_array().is_some_and(|a| !a.is_empty())
    }
    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.post(&format!("/element/{e}/clear"), json!({}));
        self.post(&format!("/element/{e}/value"), json!({ "text": text }));
    }
    /// Chooses a file for a file input (its path typed in, as WebDriver does it).
    pub fn attach(&self, css: &str, path: &std::path::Path) {
        let e = self.find(css);
        self.post(&format!("/element/{e}/value"), json!({ "text": path.display().to_string() }));
    }
    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.post(&format!("/element/{e}/click"), json!({}));
    }
    /// The element's text, or empty when there is none (it may go while a page loads).
    pub fn text(&self, css: &str) -> String {
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
    pub fn source(&self) -> String {
        self.get("/source")["value"].as_str().unwrap_or("").to_string()
    }
    pub fn current_url(&self) -> String {
        self.get("/url")["value"].as_str().unwrap_or("").to_string()
    }
    /// Clicks may return before the next page has loaded: wait for it.
    pub fn wait_for(&self, cond: impl Fn() -> bool) {
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
    /// The current value of an input.
    pub fn value(&self, css: &str) -> String {
        let e = self.find(css);
        self.get(&format!("/element/{e}/property/value"))["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    /// Chooses an option of a select, or a date of a date input, by its value (as a person
    /// picking it: typed dates depend on the browser's locale).
    pub fn choose(&self, css: &str, value: &str) {
        let script = "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', {bubbles: true}));";
        self.post("/execute/sync", json!({"script": script, "args": [css, value]}));
    }
    /// Scrolls the element into view (for a screenshot of what lies below the fold).
    pub fn scroll_to(&self, css: &str) {
        let script = "document.querySelector(arguments[0]).scrollIntoView();";
        self.post("/execute/sync", json!({"script": script, "args": [css]}));
    }
    pub fn clear_cookies(&self) {
        ureq::delete(&self.url("/cookie")).call().unwrap();
    }
    pub fn size(&self, w: u32, h: u32) {
        self.post("/window/rect", json!({"width": w, "height": h}));
    }
    pub fn screenshot(&self, name: &str) -> PathBuf {
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

pub fn sign_in(b: &Browser, base: &str, user: &str) {
    b.clear_cookies();
    b.go(&format!("{base}/login?lang=zh"));
    b.type_into("#username", user);
    b.type_into("#password", PASSWORD);
    b.click("#login-submit");
    b.wait_for(|| !b.current_url().contains("/login"));
}
