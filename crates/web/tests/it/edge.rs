//! The edge: two servers on one database, ops endpoints and security headers, bodies too large
//! or too slow, control characters, request ids, extractor errors and the metrics token.
use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use innocity_demo as demo;
use innocity_store::Db;
use innocity_web::{AppState, WebConfig, router};

#[tokio::test]
async fn two_servers_on_one_database_behave_as_one() {
    let t = app().await;
    // A second application with its own connection pool, as a second process would have.
    let second_db = Db::connect(&t._t.url).await.unwrap();
    let second = router(AppState::new(second_db, WebConfig::default()));
    let s = login_via(&t.app, "bureau").await;
    let r = send_to(
        &second,
        Request::get("/workspace")
            .header(header::COOKIE, s.cookie_header())
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("王科长"));
    // A write through the second one with the first one's CSRF token.
    let body =
        serde_urlencoded::to_string([("_csrf", s.csrf.as_str()), ("name", "跨进程令牌")]).unwrap();
    let r = send_to(
        &second,
        Request::post("/tokens")
            .header(header::COOKIE, s.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    // Lock-out counters are shared too.
    for app in [&t.app, &second, &t.app, &second, &t.app] {
        let mut a = Session::default();
        a.absorb(&send_to(app, Request::get("/login").body(Body::empty()).unwrap()).await);
        let body = serde_urlencoded::to_string([
            ("_csrf", a.csrf.as_str()),
            ("username", "member"),
            ("password", "wrong-pass-123"),
        ])
        .unwrap();
        send_to(
            app,
            Request::post("/login")
                .header(header::COOKIE, a.cookie_header())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    }
    assert!(matches!(
        store_sign_in(&t.db, "member", demo::DEMO_PASSWORD).await,
        innocity_store::users::LoginOutcome::Throttled { .. }
    ));
}

#[tokio::test]
async fn ops_endpoints_and_security_headers() {
    let t = Fixture::empty().build().await;
    let anon = Session::default();
    let r = t.get(&anon, "/").await;
    let csp = r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(r.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    assert!(r.headers.get("x-request-id").is_some());
    assert!(!r.body.contains("<script>"), "no inline script");
    // /metrics: refused to a client we cannot place on this machine, answered to one that is.
    assert_eq!(t.get(&anon, "/metrics").await.status, StatusCode::FORBIDDEN);
    let local = axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000)));
    let m = t.send(Request::get("/metrics").extension(local).body(Body::empty()).unwrap()).await;
    assert!(
        m.body.contains("innocity_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"}"),
        "{}",
        m.body
    );
    assert_eq!(t.get(&anon, "/readyz").await.body, "ready");
}

/// A body that never finishes: one chunk, then silence (a client uploading very slowly).
struct Trickle(bool);

impl hyper::body::Body for Trickle {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        if self.0 {
            return std::task::Poll::Pending;
        }
        self.0 = true;
        std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(axum::body::Bytes::from_static(
            b"--x\r\n",
        )))))
    }
}

fn trickling_upload(uri: &str, declared: usize, cookie: Option<(&str, &str)>) -> Request<Body> {
    let mut req = Request::post(uri)
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
        .header(header::CONTENT_LENGTH, declared.to_string());
    if let Some((cookies, csrf)) = cookie {
        req = req.header(header::COOKIE, cookies).header("x-csrf-token", csrf);
    }
    req.body(Body::new(Trickle(false))).unwrap()
}

#[tokio::test]
async fn large_bodies_only_on_upload_routes_only_signed_in_and_only_in_time() {
    let t = app().await;
    let quick = std::time::Duration::from_secs(5);
    let org = t.user_org("orgadmin").await;
    let upload = format!("/stats/107-2/2025/orgs/{org}/upload");
    // Anonymous: refused before a byte of the body is read (the body never ends).
    let r = tokio::time::timeout(quick, t.send(trickling_upload(&upload, 9_900_000, None)))
        .await
        .expect("answered at once");
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A path that merely ends in /upload takes no more than any other body.
    let r = tokio::time::timeout(
        quick,
        t.send(trickling_upload("/no/such/thing/upload", 9_900_000, None)),
    )
    .await
    .expect("answered at once");
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Signed in, but sending too slowly: cut off by the request's time limit, body and all.
    let config = WebConfig {
        files_dir: t.files.path().to_path_buf(),
        request_timeout: std::time::Duration::from_secs(1),
        ..WebConfig::default()
    };
    let app = router(AppState::new(t.db.clone(), config));
    let s = login_via(&app, "orgadmin").await;
    let started = std::time::Instant::now();
    let r = tokio::time::timeout(
        quick,
        send_to(&app, trickling_upload(&upload, 100_000, Some((&s.cookie_header(), &s.csrf)))),
    )
    .await
    .expect("cut off in time");
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
}

#[tokio::test]
async fn nul_and_control_characters_are_refused_at_the_edge_by_field() {
    let t = app().await;
    let s = t.login("bureau").await;
    // A sign-in name, a token name, a search, an API filter: 422 naming the field, never a 500.
    let anon = t.get(&Session::default(), "/login").await;
    let mut visitor = Session::default();
    visitor.absorb(&anon);
    let r = t.post_form(&visitor, "/login", &[("username", "admin\0"), ("password", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("“username”含有控制字符"), "{}", r.body);
    assert_eq!(
        t.post_form(&s, "/tokens", &[("name", "a\u{0}b")]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(t.get(&s, "/orgs?q=%00").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t.post_form(&s, "/tokens", &[("name", "只读")]).await;
    let token =
        r.body.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let r = t
        .send(
            Request::get("/api/v1/audit?actor=%00")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.json()["error"]["fields"]["actor"].as_str().map(|m| m.contains("控制字符")),
        Some(true),
        "{}",
        r.body
    );
    // An organisation's address with a NUL: nothing stored.
    let org = t.user_org("orgadmin").await;
    let before: String =
        t.db.query_one("SELECT address FROM organisations WHERE id = ?", vec![org.into()])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    let r = t.post_form(&s, &format!("/orgs/{org}"), &[("address", "兰州市\0城关区")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let after: String =
        t.db.query_one("SELECT address FROM organisations WHERE id = ?", vec![org.into()])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    assert_eq!(before, after);
    // Tabs and line breaks stay allowed where text is long.
    assert_eq!(t.get(&s, "/orgs?q=%E5%85%B0%09").await.status, StatusCode::OK);
}

#[tokio::test]
async fn request_ids_are_ours_and_extractor_errors_speak_our_language() {
    let t = app().await;
    let s = t.login("bureau").await;
    // A client's request id is neither echoed nor written into the audit log.
    let r = t
        .send(
            Request::post("/tokens")
                .header(header::COOKIE, s.cookie_header())
                .header("x-request-id", "forged-id")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("_csrf={}&name=ci", s.csrf)))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_ne!(r.headers.get("x-request-id").unwrap(), "forged-id");
    let forged: i64 =
        t.db.query_one("SELECT COUNT(*) FROM audit_log WHERE request_id = 'forged-id'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    assert_eq!(forged, 0);
    // A path id that is not a number: our page in Chinese, our JSON on the API.
    let r = t.get(&s, "/experts/abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("text/html")
            && r.body.contains("请求参数不正确"),
        "{}",
        r.body
    );
    let r = t
        .send(
            Request::get("/api/v1/organisations?unit=1")
                .header(header::COOKIE, s.cookie_header())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = t
        .send(
            Request::put("/api/v1/organisations/1")
                .header(header::COOKIE, s.cookie_header())
                .header("x-csrf-token", &s.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert!(r.status.is_client_error());
    assert!(
        r.headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{}",
        r.body
    );
    assert!(r.json()["error"]["message"].is_string(), "{}", r.body);
}

#[tokio::test]
async fn metrics_answer_their_token_only_when_one_is_set() {
    let t = Fixture::empty().build().await;
    let config = WebConfig {
        files_dir: t.files.path().to_path_buf(),
        metrics_token: Some("m".repeat(32)),
        ..WebConfig::default()
    };
    let app = router(AppState::new(t.db.clone(), config));
    let local = axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000)));
    let r =
        send_to(&app, Request::get("/metrics").extension(local).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a token is set: being local is not enough");
    let r = send_to(
        &app,
        Request::get("/metrics")
            .header(header::AUTHORIZATION, format!("Bearer {}", "m".repeat(32)))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}
