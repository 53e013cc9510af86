//! Who reaches what through the real router: every page against the roles that must be refused,
//! the menu, other zones' and other enterprises' organisations, CSRF and the language.
use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use innocity_demo as demo;

#[tokio::test]
async fn every_page_route_refuses_the_roles_that_must_be_refused() {
    let t = app().await;
    // (path, roles allowed); every other role gets 403, anonymous goes to sign-in.
    let own = t.user_org("orgadmin").await;
    let own_path = format!("/orgs/{own}");
    let own_edit = format!("/orgs/{own}/edit");
    let own_relations = format!("/orgs/{own}/relations");
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
        (&own_relations, vec!["admin", "bureau", "zone", "orgadmin"]),
        ("/market/mine", vec!["orgadmin", "member", "orgadmin2"]),
        ("/market/mine/new", vec!["orgadmin", "member", "orgadmin2"]),
        ("/market/registry", vec!["admin", "bureau"]),
        ("/market/contracts", vec!["orgadmin", "member", "orgadmin2"]),
        ("/market/contracts/new", vec!["orgadmin", "member", "orgadmin2"]),
        ("/market/contracts/office", vec!["admin", "bureau"]),
        ("/market/demands/mine", vec!["orgadmin", "member", "orgadmin2"]),
        ("/market/demands/new", vec!["orgadmin", "member", "orgadmin2"]),
        ("/market/brokerages", vec!["provider"]),
        ("/market/notices", vec!["orgadmin", "member", "orgadmin2"]),
        ("/subjects/self-evaluation", vec!["orgadmin", "orgadmin2"]),
        ("/subjects/ours", vec!["orgadmin", "orgadmin2"]),
        ("/subjects/precheck", vec!["admin", "bureau", "zone", "zone2"]),
        ("/subjects/certificates", vec!["admin", "bureau", "zone", "zone2"]),
        ("/subjects/pools", vec!["admin", "bureau", "zone", "zone2"]),
        ("/subjects/carriers", vec!["admin", "bureau", "zone", "zone2"]),
        ("/subjects/carriers/evaluations", vec!["admin", "bureau"]),
        ("/subjects/talent", vec!["admin", "bureau", "zone", "zone2"]),
        ("/subjects/teams", vec!["admin", "bureau", "zone", "zone2"]),
        ("/sharing/bookings", vec!["orgadmin", "member", "orgadmin2"]),
        ("/sharing/mine", vec!["orgadmin", "orgadmin2", "provider"]),
        ("/sharing/mine/template.xlsx", vec!["orgadmin", "orgadmin2", "provider"]),
        ("/vouchers", vec!["admin", "bureau"]),
        ("/vouchers/mine", vec!["orgadmin", "orgadmin2"]),
        ("/vouchers/redeem", vec!["orgadmin", "orgadmin2", "provider"]),
        ("/vouchers/partners", vec!["admin", "bureau"]),
        ("/finance/policies/new", vec!["admin", "bureau"]),
        ("/finance/runs", vec!["admin", "bureau"]),
        ("/finance/funds", vec!["admin", "bureau"]),
        ("/finance/fund-figures", vec!["admin", "bureau"]),
        // a bank's pages: only users of a financial institution (none among these roles)
        ("/finance/loans", vec![]),
        ("/finance/products", vec![]),
        ("/finance/financing", vec!["orgadmin", "member", "orgadmin2"]),
        ("/finance/financing/office", vec!["admin", "bureau"]),
        ("/finance/my-loans", vec!["orgadmin", "orgadmin2", "lab"]),
        ("/finance/figures", vec!["admin", "bureau"]),
        ("/finance/mine", vec!["orgadmin", "member", "orgadmin2"]),
        ("/providers/mine", vec!["orgadmin", "orgadmin2", "provider"]),
        ("/providers/registry", vec!["admin", "bureau"]),
        ("/services/orders", vec!["orgadmin", "member", "orgadmin2"]),
        ("/sharing/evaluation", vec!["admin", "bureau"]),
        ("/sharing/evaluation/2026/report.xlsx", vec!["admin", "bureau"]),
    ];
    pages_refuse_the_roles_not_listed(&t, &matrix).await;
    pages_refuse_the_roles_not_listed(&t, &evaluation_and_survey_pages()).await;
    public_pages_are_open_to_all(&t).await;
}

/// The evaluation, supervision and survey pages, and the guide's edit form: (path, roles
/// allowed).
fn evaluation_and_survey_pages() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("/evaluation", vec!["admin", "bureau"]),
        ("/evaluation/ours", vec!["zone", "zone2"]),
        ("/evaluation/invited", vec!["bureau", "expert"]),
        ("/tasks", vec!["admin", "bureau", "zone", "zone2"]),
        ("/tasks/check", vec!["admin", "bureau", "zone", "zone2"]),
        ("/tasks/check.pdf", vec!["admin", "bureau", "zone", "zone2"]),
        ("/stats/CX-1/2025/survey", vec!["admin", "bureau", "zone", "zone2"]),
        ("/stats/CX-1/2025/survey.pdf", vec!["admin", "bureau", "zone", "zone2"]),
        ("/stats/CX-1/2025/survey.xlsx", vec!["admin", "bureau", "zone", "zone2"]),
        ("/public/guides/voucher/edit", vec!["admin", "bureau"]),
    ]
}

/// Each page of the matrix: anonymous to sign-in, the roles listed 200, every other role 403 with
/// the message in Chinese.
async fn pages_refuse_the_roles_not_listed(t: &TestApp, matrix: &[(&str, Vec<&str>)]) {
    let mut sessions = Vec::new();
    for r in ROLES {
        sessions.push((r, t.login(r).await));
    }
    for (path, allowed) in matrix {
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
}

/// The pages and API reads everyone may use without signing in.
async fn public_pages_are_open_to_all(t: &TestApp) {
    for path in [
        "/",
        "/login",
        "/healthz",
        "/readyz",
        "/api/docs",
        "/api/v1/openapi.json",
        "/static/app.css",
        "/market",
        "/market/figures",
        "/market/demands",
        "/api/v1/market/demands",
        "/market/challenges",
        "/api/v1/market/challenges",
        "/api/v1/market/achievements",
        "/api/v1/market/figures",
        "/public/carriers",
        "/api/v1/public/carriers",
        "/providers",
        "/api/v1/public/providers",
        "/public/evaluations",
        "/api/v1/public/evaluations",
        "/public/releases",
        "/api/v1/public/releases",
        "/public/calls",
        "/api/v1/public/calls",
        "/public/guides",
        "/public/guides/voucher",
        "/finance/policies",
        "/api/v1/policies",
        "/search",
        "/search?q=%E7%A7%91%E6%8A%80",
        "/api/v1/search?q=%E7%A7%91%E6%8A%80",
        "/notices",
        "/sharing",
        "/api/v1/public/guides",
        "/api/v1/public/guides/voucher",
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
    // An enterprise's people see its financing, not a financial institution's desk; a lab's
    // people (a university) see neither.
    assert!(
        member.contains("href=\"/finance/financing\"")
            && !member.contains("href=\"/finance/products\"")
    );
    let lab = t.get(&t.login("lab").await, "/workspace").await.body;
    assert!(
        !lab.contains("href=\"/finance/financing\"") && !lab.contains("href=\"/finance/my-loans\"")
    );
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
