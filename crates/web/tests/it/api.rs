//! The API: writes with a token and bad input, every route against the roles that must be
//! refused, tokens and their limits, and the OpenAPI document against its snapshot.
use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use innocity_demo as demo;

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
    let created = an_organisation_is_created_and_bad_input_refused(&t, &bearer, park).await;
    updated_with_its_version_and_audited(&t, &bearer, park, &created).await;
    unknown_tokens_routes_and_parameters_are_named(&t, &bearer).await;
}

/// Created with the token; a duplicate, malformed, wrong type, invalid or oversized body is refused.
async fn an_organisation_is_created_and_bad_input_refused(
    t: &TestApp,
    bearer: &str,
    park: i64,
) -> serde_json::Value {
    let post = |body: String, ct: &'static str| {
        Request::post("/api/v1/organisations")
            .header(header::AUTHORIZATION, bearer)
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
    created
}

/// Updated with its version (a stale one is a 409); the audit log has before and after.
async fn updated_with_its_version_and_audited(
    t: &TestApp,
    bearer: &str,
    park: i64,
    created: &serde_json::Value,
) {
    // Update with the version; a stale version is a 409.
    let id = created["id"].as_i64().unwrap();
    let upd = serde_json::json!({ "credit_code": "91350100M000100Y43", "name": "兰州接口科技股份有限公司", "kind": "enterprise", "org_unit_id": park, "version": 1 }).to_string();
    let put = |body: String| {
        Request::put(format!("/api/v1/organisations/{id}"))
            .header(header::AUTHORIZATION, bearer)
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
                .header(header::AUTHORIZATION, bearer)
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
}

/// Unknown token, unknown route, bad query parameter.
async fn unknown_tokens_routes_and_parameters_are_named(t: &TestApp, bearer: &str) {
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
                .header(header::AUTHORIZATION, bearer)
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

/// Every API operation that takes a file (multipart) is an upload route: it accepts bodies up
/// to the upload limit, not the 1 MB of other requests (a signed contract or a scanned report
/// is often larger).
#[test]
fn every_multipart_operation_takes_files_up_to_the_upload_limit() {
    let v: serde_json::Value = serde_json::from_str(&innocity_web::api::openapi_json()).unwrap();
    let mut multipart = Vec::new();
    for (path, ops) in v["paths"].as_object().unwrap() {
        for op in ops.as_object().unwrap().values() {
            if op["requestBody"]["content"]["multipart/form-data"].is_object() {
                multipart.push(path.clone());
            }
        }
    }
    assert!(multipart.len() >= 5, "{multipart:?}");
    for path in multipart {
        assert!(
            innocity_web::app::UPLOAD_ROUTES.contains(&path.as_str()),
            "{path} takes files but is not among app::UPLOAD_ROUTES"
        );
    }
}

/// Every GET route of the API and the roles that may read it (the others get 403).
fn get_matrix(own: i64) -> Vec<(String, Vec<&'static str>)> {
    let non_public: Vec<&'static str> = ROLES.iter().copied().filter(|r| *r != "public").collect();
    vec![
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
        (
            format!("/api/v1/organisations/{own}/relations"),
            vec!["admin", "bureau", "zone", "orgadmin"],
        ),
        ("/api/v1/audit".into(), vec!["admin", "bureau"]),
        ("/api/v1/market/my/achievements".into(), vec!["orgadmin", "member", "orgadmin2"]),
        ("/api/v1/market/registry".into(), vec!["admin", "bureau"]),
        ("/api/v1/market/contracts".into(), vec!["orgadmin", "member", "orgadmin2"]),
        ("/api/v1/market/contracts/waiting".into(), vec!["admin", "bureau"]),
        ("/api/v1/market/brokerages".into(), vec!["provider"]),
        ("/api/v1/market/notices".into(), vec!["orgadmin", "member", "orgadmin2"]),
        ("/api/v1/subjects/self-evaluation".into(), vec!["orgadmin", "orgadmin2"]),
        ("/api/v1/subjects/ours".into(), vec!["orgadmin", "orgadmin2"]),
        ("/api/v1/subjects/precheck".into(), vec!["admin", "bureau", "zone", "zone2"]),
        ("/api/v1/subjects/certificates".into(), vec!["admin", "bureau", "zone", "zone2"]),
        ("/api/v1/subjects/pools".into(), vec!["admin", "bureau", "zone", "zone2"]),
        ("/api/v1/subjects/kinds".into(), vec!["admin", "bureau", "zone", "zone2"]),
        ("/api/v1/subjects/carriers".into(), vec!["admin", "bureau", "zone", "zone2"]),
        ("/api/v1/subjects/carrier-evaluations".into(), vec!["admin", "bureau"]),
        ("/api/v1/subjects/talent".into(), vec!["admin", "bureau", "zone", "zone2"]),
        ("/api/v1/subjects/teams".into(), vec!["admin", "bureau", "zone", "zone2"]),
        ("/api/v1/instruments".into(), vec!["orgadmin", "orgadmin2", "provider"]),
        ("/api/v1/bookings".into(), vec!["orgadmin", "member", "orgadmin2"]),
        ("/api/v1/voucher-programmes".into(), vec!["admin", "bureau"]),
        ("/api/v1/my/vouchers".into(), vec!["orgadmin", "orgadmin2"]),
        ("/api/v1/voucher-redemptions".into(), vec!["orgadmin", "orgadmin2", "provider"]),
        ("/api/v1/voucher-partners".into(), vec!["admin", "bureau"]),
        ("/api/v1/my-entitlements".into(), vec!["orgadmin", "member", "orgadmin2"]),
        ("/api/v1/policy-figures".into(), vec!["admin", "bureau"]),
        ("/api/v1/loan-funds".into(), vec!["admin", "bureau"]),
        ("/api/v1/fund-figures".into(), vec!["admin", "bureau"]),
        ("/api/v1/fund-loans".into(), vec![]),
        ("/api/v1/fund-claims".into(), vec![]),
        ("/api/v1/financing-followups".into(), vec!["admin", "bureau"]),
        ("/api/v1/financing-demands".into(), vec!["orgadmin", "member", "orgadmin2"]),
        (
            "/api/v1/financing-products".into(),
            ROLES.iter().copied().filter(|r| *r != "public").collect(),
        ),
        ("/api/v1/financing-figures".into(), vec!["admin", "bureau"]),
        ("/api/v1/my-loans".into(), vec!["orgadmin", "orgadmin2", "lab"]),
        ("/api/v1/partner-redemptions".into(), vec!["orgadmin", "orgadmin2", "provider"]),
        ("/api/v1/providers".into(), vec!["admin", "bureau"]),
        ("/api/v1/sharing-evaluations/2026".into(), vec!["admin", "bureau"]),
        (
            "/api/v1/service-orders".into(),
            ROLES.iter().copied().filter(|r| *r != "public").collect(),
        ),
    ]
}

#[tokio::test]
async fn every_api_route_and_every_write_refuses_the_roles_that_must_be_refused() {
    let t = app().await;
    let own = t.user_org("orgadmin").await;
    let get_matrix = get_matrix(own);
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
    let (before, park) =
        writes_are_refused_to_those_without_the_capability_or_scope(&t, own, &sessions).await;
    an_organisation_admin_edits_its_own_but_does_not_move_it(&t, own, &park, &sessions, &before)
        .await;
}

/// Writes: the roles without the capability, or outside the scope, are refused and nothing changes.
async fn writes_are_refused_to_those_without_the_capability_or_scope(
    t: &TestApp,
    own: i64,
    sessions: &[(&str, Session)],
) -> (innocity_store::orgs::Organisation, String) {
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
    for (role, s) in sessions {
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
    (before, park)
}

/// An organisation admin may edit its own organisation but not move it to another park.
async fn an_organisation_admin_edits_its_own_but_does_not_move_it(
    t: &TestApp,
    own: i64,
    park: &str,
    sessions: &[(&str, Session)],
    before: &innocity_store::orgs::Organisation,
) {
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
                ("org_unit_id", park),
                ("version", &v),
                ("phone", "0931-8888888"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(innocity_store::orgs::get(&t.db, own).await.unwrap().unwrap().phone, "0931-8888888");
}

/// A request to `/api/v1/me` with `token`.
fn call(method: &str, token: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri("/api/v1/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
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
    a_read_only_token_reads_and_may_not_write(&t, &read_only).await;
    use_is_noted_and_revoking_needs_the_csrf_token(&t, &s, &page, &read_only).await;
    a_password_change_ends_every_token(&t, &s, &writer).await;
}

/// A read-only token reads, and is told clearly that it may not write.
async fn a_read_only_token_reads_and_may_not_write(t: &TestApp, read_only: &str) {
    // A read-only token reads, and is told clearly that it may not write.
    assert_eq!(t.send(call("GET", read_only)).await.status, StatusCode::OK);
    let r = t.send(call("POST", read_only).map(|_| Body::from("{}"))).await;
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
}

/// Use is noted; revoking takes the CSRF token like any other form, is audited, and the token stops working.
async fn use_is_noted_and_revoking_needs_the_csrf_token(
    t: &TestApp,
    s: &Session,
    page: &Resp,
    read_only: &str,
) {
    // Use is noted.
    assert!(
        !t.get(s, "/tokens")
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
    assert_eq!(t.send(call("GET", read_only)).await.status, StatusCode::OK);
    let r = t.post_form(s, &revoke, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.send(call("GET", read_only)).await.status, StatusCode::UNAUTHORIZED);
    assert!(t.get(s, r.location()).await.body.contains("令牌已吊销"));
    assert_eq!(
        t.post_form(&t.login("zone").await, &revoke, &[]).await.status,
        StatusCode::NOT_FOUND,
        "only one's own tokens"
    );
    let audited = t.db.query_one("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'api_token.revoke' AND entity_id = ?", vec![id.clone().into()]).await.unwrap().unwrap();
    assert_eq!(audited.try_get::<i64>("", "n").unwrap(), 1);
}

/// A password change ends every token of the user.
async fn a_password_change_ends_every_token(t: &TestApp, s: &Session, writer: &str) {
    // A password change ends every token of the user.
    assert_eq!(t.send(call("GET", writer)).await.status, StatusCode::OK);
    let r = t
        .post_form(
            s,
            "/password",
            &[
                ("current", demo::DEMO_PASSWORD),
                ("new", "newpass2026x"),
                ("confirm", "newpass2026x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(t.send(call("GET", writer)).await.status, StatusCode::UNAUTHORIZED);
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
