//! Web tests through the real router on a real database (SQLite, or PostgreSQL when
//! INNOCITY_TEST_DATABASE_URL is set): every route against the roles that must be refused,
//! bad input, CSRF, languages, the API and its OpenAPI snapshot.
mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use innocity_demo as demo;
use innocity_store::Db;
use innocity_web::{AppState, WebConfig, router};

#[tokio::test]
async fn every_page_route_refuses_the_roles_that_must_be_refused() {
    let t = app().await;
    // (path, roles allowed); every other role gets 403, anonymous goes to sign-in.
    let own = t.user_org("orgadmin").await;
    let own_path = format!("/orgs/{own}");
    let own_edit = format!("/orgs/{own}/edit");
    let matrix: Vec<(&str, Vec<&str>)> = vec![
        ("/workspace", ROLES.iter().copied().filter(|r| *r != "public").collect()),
        ("/password", ROLES.iter().copied().filter(|r| *r != "public").collect()),
        ("/tokens", ROLES.iter().copied().filter(|r| *r != "public").collect()),
        (
            "/orgs",
            vec!["admin", "bureau", "zone", "zone2", "orgadmin", "member", "orgadmin2", "provider"],
        ),
        ("/orgs/new", vec!["admin", "bureau", "zone", "zone2"]),
        ("/units", vec!["admin", "bureau", "zone", "zone2"]),
        ("/audit", vec!["admin", "bureau"]),
        ("/users", vec!["admin"]),
        ("/units/new", vec!["admin", "bureau"]),
        // orgadmin's own organisation lies in 兰州高新区: zone2 (白银) and other enterprises are refused.
        (&own_path, vec!["admin", "bureau", "zone", "orgadmin", "member"]),
        (&own_edit, vec!["admin", "bureau", "zone", "orgadmin"]),
    ];
    let mut sessions = Vec::new();
    for r in ROLES {
        sessions.push((r, t.login(r).await));
    }
    for (path, allowed) in &matrix {
        let anon = t.get(&Session::default(), path).await;
        assert_eq!(anon.status, StatusCode::SEE_OTHER, "anonymous {path}");
        assert!(anon.location().starts_with("/login"), "anonymous {path} → {}", anon.location());
        for (role, s) in &sessions {
            let r = t.get(s, path).await;
            let expected =
                if allowed.contains(role) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(r.status, expected, "{role} GET {path}");
            if expected == StatusCode::FORBIDDEN {
                assert!(
                    r.body.contains("您没有权限访问此内容"),
                    "{role} {path}: message in Chinese"
                );
            }
        }
    }
    // Public pages are open to all.
    for path in [
        "/",
        "/login",
        "/healthz",
        "/readyz",
        "/api/docs",
        "/api/v1/openapi.json",
        "/static/app.css",
    ] {
        assert_eq!(t.get(&Session::default(), path).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn menu_shows_only_what_the_role_may_use() {
    let t = app().await;
    let bureau = t.get(&t.login("bureau").await, "/workspace").await.body;
    assert!(bureau.contains("href=\"/audit\"") && bureau.contains("href=\"/orgs\""));
    let member = t.get(&t.login("member").await, "/workspace").await.body;
    assert!(
        member.contains("href=\"/orgs\"")
            && !member.contains("href=\"/audit\"")
            && !member.contains("href=\"/units\"")
    );
    let expert = t.get(&t.login("expert").await, "/workspace").await.body;
    assert!(!expert.contains("href=\"/orgs\""));
}

#[tokio::test]
async fn zone_admin_cannot_read_or_change_another_zones_organisation() {
    let t = app().await;
    let other = t.org_id_in("BYGX").await; // 白银高新区, not 兰州高新区
    let zone = t.login("zone").await;
    assert_eq!(t.get(&zone, &format!("/orgs/{other}")).await.status, StatusCode::FORBIDDEN);
    let before = innocity_store::orgs::get(&t.db, other).await.unwrap().unwrap();
    let r = t
        .post_form(
            &zone,
            &format!("/orgs/{other}"),
            &[
                ("credit_code", &before.credit_code),
                ("name", "改名"),
                ("kind", "enterprise"),
                ("org_unit_id", &before.org_unit_id.to_string()),
                ("version", &before.version.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        innocity_store::orgs::get(&t.db, other).await.unwrap().unwrap(),
        before,
        "nothing changed"
    );
    // Nor through the API.
    let r = t
        .send(
            Request::get(format!("/api/v1/organisations/{other}"))
                .header(header::COOKIE, zone.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "forbidden");
    // The list never shows another zone's organisations.
    let list = t
        .send(
            Request::get("/api/v1/organisations?per_page=200")
                .header(header::COOKIE, zone.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .json();
    let gx = t.unit_id("LZGX").await;
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    let gx_path = units.iter().find(|u| u.id == gx).unwrap().path.clone();
    for item in list["items"].as_array().unwrap() {
        let o =
            innocity_store::orgs::get(&t.db, item["id"].as_i64().unwrap()).await.unwrap().unwrap();
        assert!(o.unit_path.starts_with(&gx_path));
    }
    // And a zone admin cannot register an organisation in another zone.
    let by_park = t.unit_id("BYGX-YD").await.to_string();
    let code = demo::demo_credit_code(innocity_core::orgs::OrgKind::Enterprise, "620100", 99_001)
        .to_string();
    let r = t
        .post_form(
            &zone,
            "/orgs",
            &[
                ("credit_code", &code),
                ("name", "越界企业"),
                ("kind", "enterprise"),
                ("org_unit_id", &by_park),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("您只能在本辖区内登记单位"));
}

#[tokio::test]
async fn an_enterprise_cannot_see_another_enterprise() {
    let t = app().await;
    let mine = t.user_org("orgadmin").await;
    let theirs = t.user_org("orgadmin2").await;
    let s = t.login("orgadmin").await;
    assert_eq!(t.get(&s, &format!("/orgs/{mine}")).await.status, StatusCode::OK);
    assert_eq!(t.get(&s, &format!("/orgs/{theirs}")).await.status, StatusCode::FORBIDDEN);
    let list = t.get(&s, "/orgs").await;
    assert!(list.body.contains("共 1 家"), "only its own organisation is listed");
}

#[tokio::test]
async fn create_rejects_bad_codes_with_field_messages_and_keeps_input() {
    let t = app().await;
    let s = t.login("bureau").await;
    let park = t.unit_id("LZGX-YT").await.to_string();
    let count = || async {
        innocity_store::orgs::list(&t.db, &innocity_core::access::Scope::All, &Default::default())
            .await
            .unwrap()
            .total
    };
    let n0 = count().await;
    let form = t.get(&s, "/orgs/new").await.body;
    let token = form
        .split("name=\"_form\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // Wrong check character: the message names the expected one.
    let r = t
        .post_form(
            &s,
            "/orgs",
            &[
                ("_form", &token),
                ("credit_code", "91350100M000100Y44"),
                ("name", "兰州测试科技有限公司"),
                ("kind", "enterprise"),
                ("org_unit_id", &park),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("校验码错误：第 18 位为“4”，按 GB 32100-2015 应为“3”"), "{}", r.body);
    assert!(r.body.contains("value=\"兰州测试科技有限公司\""), "what the user typed is kept");
    assert_eq!(count().await, n0);
    // A valid one is created, once: the same form submitted again is refused.
    let r = t
        .post_form(
            &s,
            "/orgs",
            &[
                ("_form", &token),
                ("credit_code", "91350100M000100Y43"),
                ("name", "兰州测试科技有限公司"),
                ("kind", "enterprise"),
                ("org_unit_id", &park),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(count().await, n0 + 1);
    let again = t
        .post_form(
            &s,
            "/orgs",
            &[
                ("_form", &token),
                ("credit_code", "91110000802100433B"),
                ("name", "重复提交"),
                ("kind", "enterprise"),
                ("org_unit_id", &park),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("此表单已经提交过"));
    assert_eq!(count().await, n0 + 1);
    // A duplicate credit code is a field error.
    let dup = t
        .post_form(
            &s,
            "/orgs",
            &[
                ("credit_code", "91350100m000100y43"),
                ("name", "另一家"),
                ("kind", "enterprise"),
                ("org_unit_id", &park),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("该统一社会信用代码已登记"));
    // Unknown unit, unknown kind, empty name: each field named.
    let bad = t
        .post_form(
            &s,
            "/orgs",
            &[("credit_code", "1234"), ("name", ""), ("kind", "bank"), ("org_unit_id", "999999")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["err-credit_code", "err-name", "err-kind", "err-org_unit_id"] {
        assert!(bad.body.contains(id), "{id}");
    }
    assert!(bad.body.contains("所选区域不存在"));
    assert_eq!(count().await, n0 + 1);
}

#[tokio::test]
async fn csrf_is_required_on_every_state_change() {
    let t = app().await;
    let s = t.login("bureau").await;
    let park = t.unit_id("LZGX-YT").await.to_string();
    let fields = [
        ("credit_code", "91350100M000100Y43"),
        ("name", "伪造请求"),
        ("kind", "enterprise"),
        ("org_unit_id", park.as_str()),
    ];
    let mut forged = s.clone();
    forged.csrf = "0".repeat(64);
    let r = t.post_form(&forged, "/orgs", &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("CSRF"));
    // No token at all, as a JSON call with the session cookie.
    let r = t
        .send(
            Request::post("/api/v1/organisations")
                .header(header::COOKIE, s.cookie_header())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "csrf");
    // A right token from another site's page is refused by its Origin.
    let body = serde_urlencoded::to_string([("_csrf", s.csrf.as_str()), ("name", "x")]).unwrap();
    let r = t
        .send(
            Request::post("/orgs")
                .header(header::COOKIE, s.cookie_header())
                .header(header::HOST, "localhost")
                .header(header::ORIGIN, "https://evil.example")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Logout needs the token too.
    let r = t.post_form(&forged, "/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        innocity_store::orgs::list(&t.db, &innocity_core::access::Scope::All, &Default::default())
            .await
            .unwrap()
            .total,
        80
    );
}

#[tokio::test]
async fn api_create_update_with_token_and_bad_input() {
    let t = app().await;
    let s = t.login("bureau").await;
    let r = t.post_form(&s, "/tokens", &[("name", "企业直报系统")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let token =
        r.body.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let bearer = format!("Bearer {token}");
    let park = t.unit_id("LZGX-YT").await;
    let post = |body: String, ct: &'static str| {
        Request::post("/api/v1/organisations")
            .header(header::AUTHORIZATION, bearer.clone())
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let good = serde_json::json!({ "credit_code": "91350100M000100Y43", "name": "兰州接口科技有限公司", "kind": "enterprise", "org_unit_id": park }).to_string();
    let r = t.send(post(good.clone(), "application/json")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created = r.json();
    assert_eq!(created["name"], "兰州接口科技有限公司");
    // Duplicate, malformed, wrong type, invalid fields: specific codes, nothing stored.
    let r = t.send(post(good, "application/json")).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str().unwrap().to_string()),
        (StatusCode::CONFLICT, "duplicate_credit_code".into())
    );
    let r = t.send(post("{\"name\": ".into(), "application/json")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("line 1"), "{}", r.body);
    let r = t.send(post("name=x".into(), "text/plain")).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let bad = serde_json::json!({ "credit_code": "91350100M000100Y4I", "name": "", "kind": "enterprise", "org_unit_id": park }).to_string();
    let r = t.send(post(bad, "application/json")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &r.json()["error"]["fields"];
    assert!(fields["credit_code"].as_str().unwrap().contains("第 18 位字符“I”"), "{fields}");
    assert!(fields["name"].is_string());
    // Oversized request: 413 with a message, not a crash.
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 << 20));
    let r = t.send(post(huge, "application/json")).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"]["code"], "too_large");
    // Update with the version; a stale version is a 409.
    let id = created["id"].as_i64().unwrap();
    let upd = serde_json::json!({ "credit_code": "91350100M000100Y43", "name": "兰州接口科技股份有限公司", "kind": "enterprise", "org_unit_id": park, "version": 1 }).to_string();
    let put = |body: String| {
        Request::put(format!("/api/v1/organisations/{id}"))
            .header(header::AUTHORIZATION, bearer.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let r = t.send(put(upd.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["version"], 2);
    let r = t.send(put(upd)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["code"], "stale");
    // The audit log has before and after, with the request id.
    let audit = t
        .send(
            Request::get(format!("/api/v1/audit?entity=organisation&entity_id={id}"))
                .header(header::AUTHORIZATION, bearer.clone())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .json();
    let e = &audit[0];
    assert_eq!(e["action"], "organisation.update");
    assert!(e["before"].as_str().unwrap().contains("兰州接口科技有限公司"));
    assert!(e["after"].as_str().unwrap().contains("兰州接口科技股份有限公司"));
    assert!(!e["request_id"].as_str().unwrap().is_empty());
    assert!(innocity_store::audit::verify(&t.db).await.unwrap().is_ok());
    // Unknown token, unknown route, bad query parameter.
    let r = t
        .send(
            Request::get("/api/v1/me")
                .header(header::AUTHORIZATION, "Bearer nope")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = t
        .send(
            Request::get("/api/v1/nothing")
                .header(header::AUTHORIZATION, bearer.clone())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, serde_json::json!("not_found"))
    );
    let r = t
        .send(
            Request::get("/api/v1/organisations?page=abc")
                .header(header::AUTHORIZATION, bearer)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("page=abc"));
}

#[tokio::test]
async fn languages_follow_query_then_cookie_then_accept_language() {
    let t = app().await;
    let anon = Session::default();
    assert!(t.get(&anon, "/").await.body.contains("创新型城市科技管理与服务平台"));
    let r = t
        .send(
            Request::get("/")
                .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(r.body.contains("Innovative City S") && r.body.contains("Sign in"), "Accept-Language");
    let r = t.get(&anon, "/?lang=en").await;
    assert!(r.body.contains("Sign in"));
    let mut s = Session::default();
    s.absorb(&r);
    // The cookie now wins over Accept-Language.
    let r = t
        .send(
            Request::get("/login")
                .header(header::COOKIE, s.cookie_header())
                .header(header::ACCEPT_LANGUAGE, "zh-CN")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(r.body.contains("Username"));
    // Errors are in the chosen language too.
    let r = t
        .send(
            Request::get("/nowhere")
                .header(header::COOKIE, s.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("does not exist"));
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_with_a_clear_message() {
    let t = app().await;
    let mut s = Session::default();
    s.absorb(&t.get(&s, "/login").await);
    let mut last = None;
    for _ in 0..5 {
        last = Some(
            t.post_form(&s, "/login", &[("username", "zone"), ("password", "wrong-password-1")])
                .await,
        );
    }
    let r = last.unwrap();
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("登录失败次数过多"), "{}", r.body);
    assert!(r.body.contains("value=\"zone\""), "the username stays filled in");
    let r =
        t.post_form(&s, "/login", &[("username", "zone"), ("password", demo::DEMO_PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = t.post_form(&s, "/login", &[("username", "nobody"), ("password", "x")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("用户名或密码错误"));
}

#[tokio::test]
async fn password_change_and_logout() {
    let t = app().await;
    let s = t.login("expert").await;
    let r = t
        .post_form(
            &s,
            "/password",
            &[("current", "wrong"), ("new", "newpass2026x"), ("confirm", "newpass2026x")],
        )
        .await;
    assert!(r.body.contains("当前密码不正确"));
    let r = t
        .post_form(
            &s,
            "/password",
            &[("current", demo::DEMO_PASSWORD), ("new", "short"), ("confirm", "short")],
        )
        .await;
    assert!(r.body.contains("至少 10 个字符"));
    let r = t
        .post_form(
            &s,
            "/password",
            &[
                ("current", demo::DEMO_PASSWORD),
                ("new", "newpass2026x"),
                ("confirm", "newpass2026x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("密码已修改"));
    let r = t.post_form(&s, "/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.get(&s, "/workspace").await.status, StatusCode::SEE_OTHER, "session is gone");
    assert!(matches!(
        store_sign_in(&t.db, "expert", "newpass2026x").await,
        innocity_store::users::LoginOutcome::Ok { .. }
    ));
}

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
    let t = app().await;
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

#[tokio::test]
async fn openapi_document_matches_its_snapshot() {
    let doc = innocity_web::api::openapi_json();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &doc).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .expect("the committed snapshot (create it with UPDATE_SNAPSHOTS=1)");
    assert_eq!(doc, expected, "OpenAPI changed: review and run with UPDATE_SNAPSHOTS=1");
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(v["openapi"], "3.1.0");
    assert!(v["paths"]["/api/v1/organisations"]["post"].is_object());
}

#[tokio::test]
async fn every_api_route_and_every_write_refuses_the_roles_that_must_be_refused() {
    let t = app().await;
    let own = t.user_org("orgadmin").await;
    let non_public: Vec<&str> = ROLES.iter().copied().filter(|r| *r != "public").collect();
    let get_matrix: Vec<(String, Vec<&str>)> = vec![
        ("/api/v1/me".into(), non_public.clone()),
        ("/api/v1/org-units".into(), vec!["admin", "bureau", "zone", "zone2"]),
        (
            "/api/v1/organisations".into(),
            vec!["admin", "bureau", "zone", "zone2", "orgadmin", "member", "orgadmin2", "provider"],
        ),
        (
            format!("/api/v1/organisations/{own}"),
            vec!["admin", "bureau", "zone", "orgadmin", "member"],
        ),
        ("/api/v1/audit".into(), vec!["admin", "bureau"]),
    ];
    let mut sessions = Vec::new();
    for r in ROLES {
        sessions.push((r, t.login(r).await));
    }
    for (path, allowed) in &get_matrix {
        let anon = t.send(Request::get(path.as_str()).body(Body::empty()).unwrap()).await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "anonymous {path}");
        assert_eq!(anon.json()["error"]["code"], "unauthorized");
        for (role, s) in &sessions {
            let r = t
                .send(
                    Request::get(path.as_str())
                        .header(header::COOKIE, s.cookie_header())
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            let expected =
                if allowed.contains(role) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(r.status, expected, "{role} GET {path}: {}", r.body);
        }
    }
    // Writes: the roles without the capability, or outside the scope, are refused and nothing changes.
    let before = innocity_store::orgs::get(&t.db, own).await.unwrap().unwrap();
    let park = before.org_unit_id.to_string();
    let fields = [
        ("credit_code", "91350100M000100Y43"),
        ("name", "越权写入"),
        ("kind", "enterprise"),
        ("org_unit_id", park.as_str()),
        ("version", "1"),
    ];
    let body = serde_json::json!({ "credit_code": "91350100M000100Y43", "name": "越权写入", "kind": "enterprise", "org_unit_id": before.org_unit_id, "version": 1 }).to_string();
    for (role, s) in &sessions {
        let may_create = ["admin", "bureau", "zone", "zone2"].contains(role);
        let may_edit_own = ["admin", "bureau", "zone", "orgadmin"].contains(role);
        if !may_create {
            assert_eq!(
                t.post_form(s, "/orgs", &fields).await.status,
                StatusCode::FORBIDDEN,
                "{role} POST /orgs"
            );
            let r = t
                .send(
                    Request::post("/api/v1/organisations")
                        .header(header::COOKIE, s.cookie_header())
                        .header("x-csrf-token", s.csrf.clone())
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(body.clone()))
                        .unwrap(),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} POST /api/v1/organisations");
        }
        if !may_edit_own {
            assert_eq!(
                t.post_form(s, &format!("/orgs/{own}"), &fields).await.status,
                StatusCode::FORBIDDEN,
                "{role} POST /orgs/{own}"
            );
            let r = t
                .send(
                    Request::put(format!("/api/v1/organisations/{own}"))
                        .header(header::COOKIE, s.cookie_header())
                        .header("x-csrf-token", s.csrf.clone())
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(body.clone()))
                        .unwrap(),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} PUT /api/v1/organisations/{own}");
        }
        if *role == "public" {
            assert_eq!(
                t.post_form(s, "/tokens", &[("name", "x")]).await.status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                t.post_form(s, "/password", &[("current", "x"), ("new", "y"), ("confirm", "y")])
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
        }
    }
    assert_eq!(innocity_store::orgs::get(&t.db, own).await.unwrap().unwrap(), before);
    assert_eq!(
        innocity_store::orgs::list(&t.db, &innocity_core::access::Scope::All, &Default::default())
            .await
            .unwrap()
            .total,
        80
    );
    // An organisation admin may edit its own organisation but not move it to another park.
    let s = &sessions.iter().find(|(r, _)| *r == "orgadmin").unwrap().1;
    let other_park = t.unit_id("BYGX-YD").await.to_string();
    let v = before.version.to_string();
    let r = t
        .post_form(
            s,
            &format!("/orgs/{own}"),
            &[
                ("credit_code", &before.credit_code),
                ("name", &before.name),
                ("kind", "enterprise"),
                ("org_unit_id", &other_park),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post_form(
            s,
            &format!("/orgs/{own}"),
            &[
                ("credit_code", &before.credit_code),
                ("name", &before.name),
                ("kind", "enterprise"),
                ("org_unit_id", &park),
                ("version", &v),
                ("phone", "0931-8888888"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(innocity_store::orgs::get(&t.db, own).await.unwrap().unwrap().phone, "0931-8888888");
}

#[tokio::test]
async fn the_administrator_adds_accounts_with_field_errors() {
    let t = app().await;
    let s = t.login("admin").await;
    let r = t
        .post_form(
            &s,
            "/users",
            &[
                ("username", "bad name"),
                ("display_name", ""),
                ("role", "zone_admin"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["err-username", "err-display_name", "err-password", "err-org_unit_id"] {
        assert!(r.body.contains(id), "{id}");
    }
    let r = t
        .post_form(
            &s,
            "/users",
            &[
                ("username", "x1"),
                ("display_name", "某企业"),
                ("role", "org_admin"),
                ("password", "abcdefgh12"),
                ("organisation", "91350100M000100Y43"),
            ],
        )
        .await;
    assert!(r.body.contains("未找到该信用代码对应的在库单位"));
    let unit = t.unit_id("LZGX-YT").await.to_string();
    let r = t
        .post_form(
            &s,
            "/users",
            &[
                ("username", "yantan"),
                ("display_name", "雁滩园区 管理员"),
                ("role", "zone_admin"),
                ("password", demo::DEMO_PASSWORD),
                ("org_unit_id", &unit),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .post_form(
            &s,
            "/users",
            &[
                ("username", "yantan"),
                ("display_name", "重名"),
                ("role", "expert"),
                ("password", "yantan2026a"),
            ],
        )
        .await;
    assert!(r.body.contains("该用户名已被使用"));
    // The new zone admin sees only the park's organisations.
    let y = t.login("yantan").await;
    let list = t.get(&y, "/orgs").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("雁滩园区") && !list.body.contains("白银高新区本部园区"));
    // Deactivating ends the account's sessions; one's own account cannot be deactivated.
    let id =
        t.db.query_one("SELECT id FROM users WHERE username = 'yantan'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "id")
            .unwrap();
    let r = t.post_form(&s, &format!("/users/{id}/active"), &[("active", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.get(&y, "/orgs").await.status, StatusCode::SEE_OTHER, "signed out");
    let admin_id =
        t.db.query_one("SELECT id FROM users WHERE username = 'admin'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "id")
            .unwrap();
    let r = t.post_form(&s, &format!("/users/{admin_id}/active"), &[("active", "0")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("不能停用自己的账号"));
    // Other roles cannot.
    let bureau = t.login("bureau").await;
    assert_eq!(
        t.post_form(&bureau, &format!("/users/{id}/active"), &[("active", "1")]).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn bureau_staff_add_a_park_and_zone_admins_cannot() {
    let t = app().await;
    let xq = t.unit_id("LZXQ").await.to_string();
    let park = t.unit_id("LZXQ-SH").await.to_string();
    let zone = t.login("zone").await;
    assert_eq!(
        t.post_form(
            &zone,
            "/units",
            &[
                ("parent_id", &xq),
                ("code", "LZXQ-SW"),
                ("name_zh", "生物医药产业园区"),
                ("name_en", "Biomedicine Park")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let s = t.login("bureau").await;
    // Under a park, a bad code, no names: each field named.
    let r = t
        .post_form(
            &s,
            "/units",
            &[("parent_id", &park), ("code", "含 空格"), ("name_zh", ""), ("name_en", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["err-parent_id", "err-code", "err-name_zh", "err-name_en"] {
        assert!(r.body.contains(id), "{id}");
    }
    let r = t
        .post_form(
            &s,
            "/units",
            &[
                ("parent_id", &xq),
                ("code", "lzxq-sw"),
                ("name_zh", "生物医药产业园区"),
                ("name_en", "Biomedicine Park"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    let new = units.iter().find(|u| u.code == "LZXQ-SW").unwrap();
    assert_eq!(new.level, "park");
    // The same server shows it at once; a duplicate code is a field error.
    assert!(t.get(&s, "/units").await.body.contains("生物医药产业园区"));
    let r = t
        .post_form(
            &s,
            "/units",
            &[("parent_id", &xq), ("code", "LZXQ-SW"), ("name_zh", "重复"), ("name_en", "Dup")],
        )
        .await;
    assert!(r.body.contains("该代码已被使用"));
    assert!(
        innocity_store::audit::list(
            &t.db,
            &innocity_store::audit::Filter {
                action: "org_unit.create".into(),
                ..Default::default()
            },
            100
        )
        .await
        .unwrap()
        .iter()
        .any(|e| e.after.contains("LZXQ-SW"))
    );
}

#[tokio::test]
async fn sign_in_never_sends_the_browser_off_site() {
    let t = app().await;
    for (next, want) in [
        ("/%09/evil.example/phish", "/workspace"),
        ("/\t/evil.example/phish", "/workspace"),
        ("/\\evil.example", "/workspace"),
        ("/projects/12?tab=a", "/projects/12?tab=a"),
    ] {
        let mut s = Session::default();
        s.absorb(&t.get(&s, "/login").await);
        let next = next.replace("%09", "\t");
        let r = t
            .post_form(
                &s,
                "/login",
                &[("username", "bureau"), ("password", demo::DEMO_PASSWORD), ("next", &next)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), want, "next = {next:?}");
    }
}

/// A sign-in from the TCP peer `addr` (as `axum::serve` with connect info hands it over).
async fn sign_in_from(app: &axum::Router, addr: &str, username: &str, password: &str) -> Resp {
    let mut s = Session::default();
    s.absorb(&send_to(app, Request::get("/login").body(Body::empty()).unwrap()).await);
    let body = serde_urlencoded::to_string([
        ("_csrf", s.csrf.as_str()),
        ("username", username),
        ("password", password),
    ])
    .unwrap();
    let mut req = Request::post("/login")
        .header(header::COOKIE, s.cookie_header())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr.parse::<std::net::SocketAddr>().unwrap()));
    send_to(app, req).await
}

async fn failed_sign_ins(t: &TestApp, username: &str) -> i64 {
    let r = t.db.query_one("SELECT COUNT(*) AS n FROM audit_log WHERE actor = ? AND action IN ('auth.login_failed', 'auth.locked')", vec![username.into()]).await.unwrap().unwrap();
    r.try_get::<i64>("", "n").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_get_five_tries_and_no_more() {
    let t = app().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..23 {
        let app = t.app.clone();
        tasks.spawn(async move {
            (
                false,
                sign_in_from(&app, "10.1.0.1:40000", "zone", &format!("wrong-password-{i}"))
                    .await
                    .status,
            )
        });
    }
    let (app, db) = (t.app.clone(), t.db.clone());
    tasks.spawn(async move {
        // The right password among the guesses once five are taken, while they are still in flight.
        for _ in 0..400 {
            let row = db
                .query_one("SELECT failures FROM login_throttle WHERE bucket = 'user:zone'", vec![])
                .await
                .unwrap();
            if row.is_some_and(|r| r.try_get::<i64>("", "failures").unwrap() >= 5) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (true, sign_in_from(&app, "10.1.0.1:40001", "zone", demo::DEMO_PASSWORD).await.status)
    });
    let answers = tasks.join_all().await;
    let evaluated = failed_sign_ins(&t, "zone").await;
    assert!(evaluated <= 5, "{evaluated} guesses were checked");
    let right = answers.iter().find(|(right, _)| *right).unwrap().1;
    assert_eq!(
        right,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password is not taken once the tries are spent"
    );
    assert_eq!(answers.iter().filter(|(_, s)| *s == StatusCode::SEE_OTHER).count(), 0);
    // Its owner, from elsewhere, is held back too, but only for a short while.
    let r = sign_in_from(&t.app, "10.2.0.1:40000", "zone", demo::DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = r.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=15).contains(&wait), "wait {wait} s");
}

#[tokio::test]
async fn unknown_and_held_back_names_get_the_same_answer() {
    let t = app().await;
    // The page as the user sees it, less the name they typed and their own CSRF token.
    let same = |r: &Resp, name: &str| {
        let mut s = Session::default();
        s.absorb(r);
        (
            r.status,
            r.body.replace(&format!("value=\"{name}\""), "value=\"?\"").replace(&s.csrf, "?"),
        )
    };
    for i in 0..7 {
        let known = sign_in_from(&t.app, "10.3.0.1:1", "zone", "wrong-password-1").await;
        let unknown = sign_in_from(&t.app, "10.3.0.2:1", "nobody-at-all", "wrong-password-1").await;
        let (ks, kb) = same(&known, "zone");
        let (us, ub) = same(&unknown, "nobody-at-all");
        assert_eq!(ks, us, "attempt {i}");
        assert_eq!(kb.split("<main").nth(1), ub.split("<main").nth(1), "attempt {i}");
        let want = if i < 4 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(ks, want, "attempt {i}");
    }
}

#[tokio::test]
async fn one_address_is_held_back_whatever_names_it_tries() {
    let t = app().await;
    for i in 0..10 {
        let name = if i % 2 == 0 {
            format!("guess-{i}")
        } else {
            ["zone", "bureau", "member", "expert", "admin"][i / 2].to_string()
        };
        // The tenth failure from the address starts its waits.
        let want = if i < 9 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(
            sign_in_from(&t.app, "10.4.0.1:5000", &name, "wrong-password-1").await.status,
            want,
            "{name}"
        );
    }
    let r = sign_in_from(&t.app, "10.4.0.1:5001", "orgadmin", demo::DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the address has spent its tries");
    let r = sign_in_from(&t.app, "10.4.0.2:5000", "orgadmin", demo::DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "another address is not held back");
}

async fn store_sign_in(
    db: &Db,
    username: &str,
    password: &str,
) -> innocity_store::users::LoginOutcome {
    let attempt =
        innocity_store::users::SignIn { username, password, client: None, request_id: "t" };
    innocity_store::users::login(db, &innocity_store::users::OnBlockingPool, &attempt)
        .await
        .unwrap()
}

#[tokio::test]
async fn api_tokens_expire_are_listed_revoked_and_may_be_read_only() {
    let t = app().await;
    let s = t.login("bureau").await;
    let new_token = |r: &Resp| {
        r.body.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_string()
    };
    let r = t
        .post_form(&s, "/tokens", &[("name", "只读报表"), ("days", "7"), ("read_only", "1")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let read_only = new_token(&r);
    assert_eq!(
        t.post_form(&s, "/tokens", &[("name", "太久"), ("days", "400")]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let writer = new_token(&t.post_form(&s, "/tokens", &[("name", "企业直报系统")]).await);
    let lifetimes =
        t.db.query_all(
            "SELECT name, (expires_at - created_at) / 86400000 AS days FROM api_tokens ORDER BY id",
            vec![],
        )
        .await
        .unwrap();
    let lifetimes: Vec<(String, i64)> = lifetimes
        .iter()
        .map(|r| (r.try_get("", "name").unwrap(), r.try_get("", "days").unwrap()))
        .collect();
    assert!(
        lifetimes.ends_with(&[("只读报表".into(), 7), ("企业直报系统".into(), 90)]),
        "{lifetimes:?}"
    );
    // The list: name, scope, created, expiry, last use; never the token itself.
    let page = t.get(&s, "/tokens").await;
    let list = page.body.split("id=\"token-list\"").nth(1).expect("a list of tokens");
    assert!(
        list.contains("只读报表") && list.contains("企业直报系统") && list.contains("从未使用"),
        "{list}"
    );
    assert!(!page.body.contains(&read_only[3..]));
    // A read-only token reads, and is told clearly that it may not write.
    let call = |method: &str, token: &str| {
        Request::builder()
            .method(method)
            .uri("/api/v1/me")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap()
    };
    assert_eq!(t.send(call("GET", &read_only)).await.status, StatusCode::OK);
    let r = t.send(call("POST", &read_only).map(|_| Body::from("{}"))).await;
    let r2 = t
        .send(
            Request::post("/api/v1/organisations")
                .header(header::AUTHORIZATION, format!("Bearer {read_only}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    for r in [r, r2] {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], "read_only_token", "{}", r.body);
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("只读"), "{}", r.body);
    }
    // Use is noted.
    assert!(
        !t.get(&s, "/tokens")
            .await
            .body
            .split("id=\"token-list\"")
            .nth(1)
            .unwrap()
            .split("只读报表")
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap()
            .contains("从未使用")
    );
    // Revoking takes the CSRF token like any other form, is audited, and the token stops working.
    let id =
        page.body.split("action=\"/tokens/").nth(2).unwrap().split('/').next().unwrap().to_string();
    let revoke = format!("/tokens/{id}/revoke");
    let no_csrf = Session { csrf: String::new(), ..s.clone() };
    assert_eq!(t.post_form(&no_csrf, &revoke, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.send(call("GET", &read_only)).await.status, StatusCode::OK);
    let r = t.post_form(&s, &revoke, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.send(call("GET", &read_only)).await.status, StatusCode::UNAUTHORIZED);
    assert!(t.get(&s, r.location()).await.body.contains("令牌已吊销"));
    assert_eq!(
        t.post_form(&t.login("zone").await, &revoke, &[]).await.status,
        StatusCode::NOT_FOUND,
        "only one's own tokens"
    );
    let audited = t.db.query_one("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'api_token.revoke' AND entity_id = ?", vec![id.clone().into()]).await.unwrap().unwrap();
    assert_eq!(audited.try_get::<i64>("", "n").unwrap(), 1);
    // A password change ends every token of the user.
    assert_eq!(t.send(call("GET", &writer)).await.status, StatusCode::OK);
    let r = t
        .post_form(
            &s,
            "/password",
            &[
                ("current", demo::DEMO_PASSWORD),
                ("new", "newpass2026x"),
                ("confirm", "newpass2026x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(t.send(call("GET", &writer)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_behind_our_proxy() {
    let t = app().await;
    let proxied = router(AppState::new(
        t.db.clone(),
        WebConfig { behind_proxy: true, ..WebConfig::default() },
    ));
    let attempt = |app: &axum::Router, forwarded: String, name: &'static str| {
        let app = app.clone();
        async move {
            let mut s = Session::default();
            s.absorb(&send_to(&app, Request::get("/login").body(Body::empty()).unwrap()).await);
            let body = serde_urlencoded::to_string([
                ("_csrf", s.csrf.as_str()),
                ("username", name),
                ("password", "wrong-password-1"),
            ])
            .unwrap();
            let mut req = Request::post("/login")
                .header(header::COOKIE, s.cookie_header())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("x-forwarded-for", forwarded)
                .body(Body::from(body))
                .unwrap();
            req.extensions_mut().insert(axum::extract::ConnectInfo(
                "10.6.0.1:1".parse::<std::net::SocketAddr>().unwrap(),
            ));
            send_to(&app, req).await.status
        }
    };
    let names = ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10"];
    // Without the flag, a made-up header changes nothing: the peer is held back after ten.
    for (i, name) in names.iter().enumerate() {
        let status = attempt(&t.app, format!("203.0.113.{i}"), name).await;
        assert_eq!(status == StatusCode::TOO_MANY_REQUESTS, i >= 9, "attempt {i}: {status}");
    }
    // Behind our proxy, the last address it appended is the client.
    for (i, name) in names.iter().enumerate() {
        let status = attempt(&proxied, format!("198.51.100.7, 203.0.113.{i}"), name).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
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
    let t = app().await;
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

#[tokio::test]
async fn an_api_token_cannot_make_tokens_or_change_the_password() {
    let t = app().await;
    let s = t.login("bureau").await;
    let r = t.post_form(&s, "/tokens", &[("name", "七天"), ("days", "7")]).await;
    let token =
        r.body.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let bearer = format!("Bearer {token}");
    let form = |uri: &str, body: &str| {
        Request::post(uri)
            .header(header::AUTHORIZATION, bearer.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let r = t.send(form("/tokens", "name=longer&days=365")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        t.send(form(
            "/password",
            "current=lanbai2026&new=another-password-2026&confirm=another-password-2026"
        ))
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let made: i64 =
        t.db.query_one("SELECT COUNT(*) FROM api_tokens WHERE name = 'longer'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    assert_eq!(made, 0);
}
