//! An organisation's own carriers and people: the code its return needs, the grades, and the
//! yearly reports it files for its own people only.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;

#[tokio::test]
async fn an_organisation_sees_its_carriers_and_files_its_peoples_reports() {
    let t = Fixture::demo().build().await;
    let code: String = t
        .db
        .read(
            "SELECT o.credit_code FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.username = 'orgadmin'",
            vec![],
            |r| r.text(0),
        )
        .await
        .unwrap()[0]
        .clone();
    let zone = bearer(&t, "zone").await;
    let carrier = serde_json::json!({
        "name": "兰州高新区新材料科技企业孵化器", "kind": "incubator", "level": "city",
        "host_credit_code": code, "recognised_on": "2020-05-01",
    });
    let r = json(&t, "POST", "/api/v1/subjects/carriers", Some(&zone), carrier).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let zt = r.json()["code"].as_str().unwrap().to_string();
    let person = serde_json::json!({
        "name": "王建国", "organisation_credit_code": code, "programme": "talent_pool",
        "support_from": "2024-01-01", "support_to": "2026-12-31", "cycle_years": 3,
    });
    let r = json(&t, "POST", "/api/v1/subjects/talent", Some(&zone), person).await;
    let id = r.json()["id"].as_i64().unwrap().to_string();

    let s = t.login("orgadmin").await;
    let page = t.get(&s, "/subjects/ours").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&zt) && page.body.contains("在 ZT-1 年度报表中填报"));
    assert!(page.body.contains("王建国"));
    let report = [
        ("subject", "talent"),
        ("id", id.as_str()),
        ("year", "2024"),
        ("summary", "完成年度任务。"),
    ];
    let r = t.post_form(&s, "/subjects/ours/reports", &report).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = t.post_form(&s, "/subjects/ours/reports", &report).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("2024 年度报告已报送"));
    let mine = json(
        &t,
        "GET",
        "/api/v1/subjects/ours",
        Some(&bearer(&t, "orgadmin").await),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(mine.json()["people"][0]["reports_due"], serde_json::json!([2025]));
    assert_eq!(mine.json()["carriers"][0]["form"], "ZT-1");

    // Another organisation cannot file for this person; staff do not use this page.
    let other = t.login("orgadmin2").await;
    let report =
        [("subject", "talent"), ("id", id.as_str()), ("year", "2025"), ("summary", "越权报送")];
    assert_eq!(
        t.post_form(&other, "/subjects/ours/reports", &report).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!t.get(&other, "/subjects/ours").await.body.contains("王建国"));
    let staff = t.login("zone").await;
    assert_eq!(t.get(&staff, "/subjects/ours").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.post_form(&staff, "/subjects/ours/reports", &report).await.status,
        StatusCode::FORBIDDEN
    );
}
