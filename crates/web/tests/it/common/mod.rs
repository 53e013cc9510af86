//! Helpers shared by the web tests: a real router on a fresh database seeded with only what the
//! test needs ([`Fixture`]), signed-in sessions.
#![allow(dead_code)]
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use innocity_demo as demo;
use innocity_store::{Db, testing};
use innocity_web::{AppState, WebConfig, router};
use tower::ServiceExt;

pub struct TestApp {
    pub app: Router,
    pub db: Db,
    pub _t: testing::TestDb,
    /// Uploaded files of this test, in a folder of its own.
    pub files: tempfile::TempDir,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A signed-in browser: its cookies and the CSRF token its pages carry.
#[derive(Clone, Default)]
pub struct Session {
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
}

impl Session {
    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
    pub fn absorb(&mut self, r: &Resp) {
        for v in r.headers.get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap_or("");
            if let Some((kv, _)) = s.split_once(';')
                && let Some((k, v)) = kv.split_once('=')
            {
                self.cookies.retain(|(ck, _)| ck != k);
                if !v.is_empty() {
                    self.cookies.push((k.to_string(), v.to_string()));
                }
            }
        }
        if let Some(i) = r.body.find("name=\"_csrf\" value=\"") {
            let rest = &r.body[i + 20..];
            self.csrf = rest[..rest.find('"').unwrap()].to_string();
        }
    }
}

/// What a test's database starts with. [`Fixture::demo`] is the demo's hierarchy, 80
/// organisations and one account per role — what every signed-in test needs; the demo's
/// statistics, indicators, projects and expert libraries come only when a test asks for them.
/// [`Fixture::empty`] is a migrated database with nothing in it, for tests nobody signs in to.
#[derive(Default)]
pub struct Fixture {
    demo: bool,
    stats: bool,
    indicators: bool,
    projects: bool,
    experts: bool,
    market: bool,
}

impl Fixture {
    pub fn empty() -> Fixture {
        Fixture::default()
    }
    pub fn demo() -> Fixture {
        Fixture { demo: true, ..Fixture::default() }
    }
    /// The demo's statistical returns (`demo::seed_stats`).
    pub fn stats(self) -> Fixture {
        Fixture { stats: true, ..self }
    }
    /// The demo's monitoring indicators (`demo::seed_indicators`).
    pub fn indicators(self) -> Fixture {
        Fixture { indicators: true, ..self }
    }
    /// The demo's programmes, calls, applications and projects (`demo::projects`).
    pub fn projects(self) -> Fixture {
        Fixture { projects: true, ..self }
    }
    /// The demo's expert libraries and review rounds (`demo::experts`), after the projects.
    pub fn experts(self) -> Fixture {
        Fixture { experts: true, ..self }
    }

    /// The demo's market: the 2,000 CSL papers listed as achievements (`demo::market`).
    pub fn market(self) -> Fixture {
        Fixture { market: true, ..self }
    }

    pub async fn build(self) -> TestApp {
        let t = testing::fresh().await.unwrap();
        if self.demo {
            demo::seed(&t.db, 80, None).await.unwrap();
        }
        if self.stats {
            demo::seed_stats(&t.db, None).await.unwrap();
        }
        if self.indicators {
            demo::seed_indicators(&t.db).await.unwrap();
        }
        if self.projects {
            demo::projects::seed_projects(&t.db, demo::experts::CSL).await.unwrap();
        }
        if self.experts {
            demo::experts::seed_experts(&t.db, demo::experts::CSL).await.unwrap();
        }
        if self.market {
            demo::market::seed_market(&t.db, demo::experts::CSL).await.unwrap();
        }
        let db = t.db.clone();
        let files = tempfile::tempdir().unwrap();
        let config = WebConfig { files_dir: files.path().to_path_buf(), ..WebConfig::default() };
        TestApp { app: router(AppState::new(db.clone(), config)), db, _t: t, files }
    }
}

/// The demo's hierarchy, organisations and accounts: [`Fixture::demo`].
pub async fn app() -> TestApp {
    Fixture::demo().build().await
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> Resp {
        send_to(&self.app, req).await
    }

    pub async fn get(&self, s: &Session, uri: &str) -> Resp {
        self.send(
            Request::get(uri)
                .header(header::COOKIE, s.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn post_form(&self, s: &Session, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", s.csrf.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.send(
            Request::post(uri)
                .header(header::COOKIE, s.cookie_header())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// A JSON write as a signed-in page's script sends it (cookie and CSRF header).
    pub async fn post_json(&self, s: &Session, uri: &str, body: &serde_json::Value) -> Resp {
        self.send(
            Request::post(uri)
                .header(header::COOKIE, s.cookie_header())
                .header("x-csrf-token", &s.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// A file upload as a plain form sends it: multipart, the CSRF token in the header.
    pub async fn upload(&self, s: &Session, uri: &str, name: &str, bytes: &[u8]) -> Resp {
        self.upload_by(s, uri, name, bytes, false).await
    }

    /// A file upload as htmx sends it (`HX-Request`): it answers where to go next in
    /// `HX-Redirect`.
    pub async fn upload_htmx(&self, s: &Session, uri: &str, name: &str, bytes: &[u8]) -> Resp {
        self.upload_by(s, uri, name, bytes, true).await
    }

    async fn upload_by(
        &self,
        s: &Session,
        uri: &str,
        name: &str,
        bytes: &[u8],
        htmx: bool,
    ) -> Resp {
        let boundary = "----innocityboundary";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut req = Request::post(uri)
            .header(header::COOKIE, s.cookie_header())
            .header("x-csrf-token", &s.csrf)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
        if htmx {
            req = req.header("hx-request", "true");
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    pub async fn get_bytes(
        &self,
        s: &Session,
        uri: &str,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        use tower::ServiceExt;
        let resp = self
            .app
            .clone()
            .oneshot(
                Request::get(uri)
                    .header(header::COOKIE, s.cookie_header())
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        (
            status,
            headers,
            axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec(),
        )
    }

    pub async fn login(&self, username: &str) -> Session {
        login_via(&self.app, username).await
    }

    pub async fn org_id_in(&self, zone_code: &str) -> i64 {
        let units = innocity_store::orgs::units(&self.db).await.unwrap();
        let z = units.iter().find(|u| u.code == zone_code).unwrap();
        let page = innocity_store::orgs::list(
            &self.db,
            &innocity_core::access::Scope::Subtrees(vec![z.path.clone()]),
            &innocity_store::orgs::OrgQuery {
                per_page: 1,
                kind: Some("enterprise".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        page.items[0].id
    }

    pub async fn unit_id(&self, code: &str) -> i64 {
        innocity_store::orgs::units(&self.db)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.code == code)
            .unwrap()
            .id
    }

    pub async fn user_org(&self, username: &str) -> i64 {
        let r = self
            .db
            .query_one(
                "SELECT organisation_id FROM users WHERE username = ?",
                vec![username.into()],
            )
            .await
            .unwrap()
            .unwrap();
        r.try_get::<Option<i64>>("", "organisation_id").unwrap().unwrap()
    }
}

pub async fn send_to(app: &Router, req: Request<Body>) -> Resp {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

pub async fn login_via(app: &Router, username: &str) -> Session {
    let mut s = Session::default();
    let page = send_to(app, Request::get("/login").body(Body::empty()).unwrap()).await;
    s.absorb(&page);
    let body = serde_urlencoded::to_string([
        ("_csrf", s.csrf.as_str()),
        ("username", username),
        ("password", demo::DEMO_PASSWORD),
    ])
    .unwrap();
    let r = send_to(
        app,
        Request::post("/login")
            .header(header::COOKIE, s.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "login of {username}: {}", r.body);
    s.absorb(&r);
    let ws = send_to(
        app,
        Request::get("/workspace")
            .header(header::COOKIE, s.cookie_header())
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    s.absorb(&ws);
    s
}

/// Signs in through the store, past the router (to check a password without a session).
pub async fn store_sign_in(
    db: &innocity_store::Db,
    username: &str,
    password: &str,
) -> innocity_store::users::LoginOutcome {
    let attempt =
        innocity_store::users::SignIn { username, password, client: None, request_id: "t" };
    innocity_store::users::login(db, &innocity_store::users::OnBlockingPool, &attempt)
        .await
        .unwrap()
}

pub const ROLES: [&str; 10] = [
    "admin",
    "bureau",
    "zone",
    "zone2",
    "orgadmin",
    "member",
    "orgadmin2",
    "expert",
    "provider",
    "public",
];

/// The text of a PDF, by poppler's pdftotext (installed by scripts/test.sh).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test.sh");
    String::from_utf8_lossy(&out.stdout).to_string()
}
