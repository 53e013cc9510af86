//! Platforms and carriers on pages and in the API: a zone registers one (bad input named, a host
//! outside the zone refused, nothing stored), its host then files ZT-1; the bureau evaluates and
//! grades; the public sees the directory.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;
use innocity_store::subjects::carriers as store;

async fn credit_code_of_user(t: &TestApp, username: &str) -> String {
    t.db.read(
        "SELECT o.credit_code FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.username = ?",
        vec![username.into()],
        |r| r.text(0),
    )
    .await
    .unwrap()[0]
    .clone()
}

async fn carriers(t: &TestApp) -> i64 {
    t.db.read("SELECT COUNT(*) FROM carriers", vec![], |r| r.int(0)).await.unwrap()[0]
}

#[tokio::test]
async fn a_zone_registers_a_carrier_and_its_host_then_files_the_incubation_return() {
    let t = Fixture::demo().build().await;
    let s = t.login("zone").await;
    let host = credit_code_of_user(&t, "orgadmin").await;
    let outside = credit_code_of_user(&t, "orgadmin2").await;
    let today = t.db.clock.today().to_string();

    let bad = t
        .post_form(
            &s,
            "/subjects/carriers",
            &[
                ("name", ""),
                ("kind", "castle"),
                ("level", "city"),
                ("host_credit_code", &host),
                ("recognised_on", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for words in ["请填写名称", "请选择平台载体类型", "认定日期不能晚于今天"]
    {
        assert!(bad.body.contains(words), "{words}");
    }
    let form = |code: &str| {
        vec![
            ("name", "兰州高新区新材料科技企业孵化器".to_string()),
            ("kind", "incubator".to_string()),
            ("level", "provincial".to_string()),
            ("host_credit_code", code.to_string()),
            ("field", "新材料".to_string()),
            ("recognised_on", today.clone()),
        ]
    };
    let fields = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<(&str, String)>>()
    };
    let outside_form = fields(&form(&outside));
    let pairs: Vec<(&str, &str)> = outside_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t.post_form(&s, "/subjects/carriers", &pairs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不在您的管辖范围内"), "a host in another zone");
    assert_eq!(carriers(&t).await, 0, "nothing stored");

    let good = fields(&form(&host));
    let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t.post_form(&s, "/subjects/carriers", &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.location().to_string();
    let page = t.get(&s, &to).await;
    assert!(page.body.contains("兰州高新区新材料科技企业孵化器") && page.body.contains("ZT-1"));
    let again = t.post_form(&s, "/subjects/carriers", &pairs).await;
    assert!(again.body.contains("同类型中已有名为"), "the name is taken");

    // Only the host files ZT-1, and zone2 cannot see the zone's carrier.
    let owner = t.login("orgadmin").await;
    assert!(t.get(&owner, "/stats").await.body.contains("孵化载体年度报表"));
    let other = t.login("orgadmin2").await;
    assert!(!t.get(&other, "/stats").await.body.contains("孵化载体年度报表"));
    let z2 = t.login("zone2").await;
    assert_eq!(t.get(&z2, &to).await.status, StatusCode::NOT_FOUND);
    let list = t.get(&s, "/subjects/carriers?kind=incubator").await;
    assert!(list.body.contains("id=\"carrier-counts\""), "counts by kind and level");
}

#[tokio::test]
async fn the_api_registers_lists_and_refuses_with_the_field_named() {
    let t = Fixture::demo().build().await;
    let auth = bearer(&t, "bureau").await;
    let a = credit_code_of_user(&t, "orgadmin").await;
    let b = credit_code_of_user(&t, "orgadmin2").await;
    let body = |partners: Vec<&str>| {
        serde_json::json!({
            "name": "兰白稀土功能材料产业技术创新战略联盟", "kind": "alliance", "level": "city",
            "host_credit_code": a, "partners": partners, "field": "稀土功能材料",
            "recognised_on": "2021-06-30",
        })
    };
    let r = json(&t, "POST", "/api/v1/subjects/carriers", Some(&auth), body(vec![&b])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["partners"].is_string(), "{}", r.body);
    let r = json(
        &t,
        "POST",
        "/api/v1/subjects/carriers",
        Some(&auth),
        body(vec![&b, "91620100MA71234560"]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(carriers(&t).await, 0);
    let third = t
        .db
        .read("SELECT credit_code FROM organisations WHERE credit_code NOT IN (?, ?) ORDER BY id LIMIT 1", vec![a.clone().into(), b.clone().into()], |r| r.text(0))
        .await
        .unwrap()[0]
        .clone();
    let r =
        json(&t, "POST", "/api/v1/subjects/carriers", Some(&auth), body(vec![&b, &third])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["partners"], 2);
    let list = json(
        &t,
        "GET",
        "/api/v1/subjects/carriers?kind=alliance",
        Some(&auth),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(list.json()["counts"][0]["count"], 1);
    let one = json(
        &t,
        "GET",
        &format!("/api/v1/subjects/carriers/{id}"),
        Some(&auth),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(one.json()["partners"].as_array().unwrap().len(), 2);
    let zone2 = bearer(&t, "zone2").await;
    let hidden = json(
        &t,
        "GET",
        &format!("/api/v1/subjects/carriers/{id}"),
        Some(&zone2),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "outside zone2's area");
    let zone = bearer(&t, "zone").await;
    let start = serde_json::json!({ "kind": "alliance", "year": 2025 });
    let r =
        json(&t, "POST", "/api/v1/subjects/carrier-evaluations", Some(&zone), start.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the bureau evaluates");
    let late = serde_json::json!({ "kind": "alliance", "year": 2025, "deadline": "2020-01-01" });
    let r = json(&t, "POST", "/api/v1/subjects/carrier-evaluations", Some(&auth), late).await;
    assert!(r.json()["error"]["fields"]["deadline"].is_string());
    let r = json(&t, "POST", "/api/v1/subjects/carrier-evaluations", Some(&auth), start).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let grade = serde_json::json!({ "year": 2025, "grade": "pass" });
    let r = json(&t, "POST", &format!("/api/v1/subjects/carriers/{id}/grade"), Some(&auth), grade)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["year"].is_string(), "the experts first");
}

#[tokio::test]
async fn the_bureau_grades_after_the_experts_and_the_public_sees_the_directory() {
    let t = Fixture::demo().stats().experts().build().await;
    innocity_demo::carriers::seed_carriers(&t.db).await.unwrap();
    let s = t.login("bureau").await;
    let e = store::evaluations(&t.db).await.unwrap();
    let open = e.iter().find(|e| e.round_status == "open").unwrap();
    let page = t.get(&s, "/subjects/carriers/evaluations").await;
    assert!(page.body.contains("评审中") && page.body.contains("评审已结束"));
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "bureau", request_id: "t" };
    innocity_store::experts::close_round(&t.db, open.round_id, actor).await.unwrap();
    let scores = store::scores(&t.db, open.round_id).await.unwrap();
    let all = store::carriers(&t.db, &store::CarrierQuery::default()).await.unwrap();
    let c = all.iter().find(|c| scores.contains_key(&c.code()) && c.status == "active").unwrap();
    let suggested = innocity_core::subjects::carriers::Grade::suggested(scores[&c.code()]);
    let other = if suggested.code() == "fail" { "good" } else { "fail" };
    let grading = format!("/subjects/carriers/evaluations?kind={}&year={}", open.kind, open.year);
    assert!(t.get(&s, &grading).await.body.contains(&format!("grading-{}", c.code())));
    let to = format!("/subjects/carriers/{}/grade", c.id);
    let year = open.year.to_string();
    let r = t.post_form(&s, &to, &[("year", &year), ("grade", other), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("须说明理由"), "{}", r.body);
    let note = "现场核查：孵化场地部分转租，在孵企业数据不实。";
    let r = t.post_form(&s, &to, &[("year", &year), ("grade", other), ("note", note)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = t.get(&s, &format!("/subjects/carriers/{}", c.id)).await;
    assert!(after.body.contains(note));
    let zone = t.login("zone").await;
    assert_eq!(
        t.post_form(&zone, &to, &[("year", &year), ("grade", "pass")]).await.status,
        StatusCode::FORBIDDEN
    );

    // The public: no sign-in, no removed carriers.
    let anon = t
        .send(axum::http::Request::get("/public/carriers").body(axum::body::Body::empty()).unwrap())
        .await;
    assert_eq!(anon.status, StatusCode::OK);
    let removed = all.iter().find(|c| c.status == "removed").unwrap();
    let kept = all.iter().find(|c| c.status == "active").unwrap();
    assert!(anon.body.contains(&kept.name) && !anon.body.contains(&removed.name));
    let api =
        json(&t, "GET", "/api/v1/public/carriers?kind=incubator", None, serde_json::Value::Null)
            .await;
    assert_eq!(api.status, StatusCode::OK);
    let listed = api.json().as_array().unwrap().len();
    assert!(listed > 10 && api.json().as_array().unwrap().iter().all(|c| c["kind"] == "incubator"));
}

/// A JSON write as a signed-in page would send it (cookie and CSRF header).
async fn post_json(t: &TestApp, s: &Session, uri: &str, body: &serde_json::Value) -> StatusCode {
    use axum::http::{Request, header};
    let req = Request::post(uri)
        .header(header::COOKIE, s.cookie_header())
        .header("x-csrf-token", s.csrf.clone())
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    t.send(req).await.status
}

#[tokio::test]
async fn every_carrier_write_refuses_the_roles_without_the_right() {
    let t = Fixture::demo().build().await;
    let page = [("name", "越权登记"), ("kind", "incubator"), ("level", "city")];
    let api = serde_json::json!({ "name": "越权登记", "kind": "incubator", "level": "city", "host_credit_code": "x", "recognised_on": "2020-01-01" });
    let start = serde_json::json!({ "kind": "incubator", "year": 2025 });
    let grade = serde_json::json!({ "year": 2025, "grade": "pass" });
    for role in ROLES {
        let s = t.login(role).await;
        let manages = ["admin", "bureau", "zone", "zone2"].contains(&role);
        let evaluates = ["admin", "bureau"].contains(&role);
        if !manages {
            let r = t.post_form(&s, "/subjects/carriers", &page).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} registers");
            let r = post_json(&t, &s, "/api/v1/subjects/carriers", &api).await;
            assert_eq!(r, StatusCode::FORBIDDEN, "{role} registers by API");
        }
        if !evaluates {
            let start_form = [("kind", "incubator"), ("year", "2025")];
            let r = t.post_form(&s, "/subjects/carriers/evaluations", &start_form).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} starts");
            let grade_form = [("year", "2025"), ("grade", "pass")];
            let r = t.post_form(&s, "/subjects/carriers/1/grade", &grade_form).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} grades");
            let r = post_json(&t, &s, "/api/v1/subjects/carrier-evaluations", &start).await;
            assert_eq!(r, StatusCode::FORBIDDEN, "{role} starts by API");
            let r = post_json(&t, &s, "/api/v1/subjects/carriers/1/grade", &grade).await;
            assert_eq!(r, StatusCode::FORBIDDEN, "{role} grades by API");
        }
    }
    assert_eq!(carriers(&t).await, 0);
}
