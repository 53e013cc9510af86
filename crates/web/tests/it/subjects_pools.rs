//! Cultivation pools: a zone picks candidates from the pre-check, gives each an officer within
//! the yearly load, records visits and the outcome; the same through the API.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;

#[tokio::test]
async fn a_zone_works_its_pool_and_an_officer_is_kept_within_five() {
    let t = Fixture::demo().stats().build().await;
    let s = t.login("zone").await;
    let year = chrono::Datelike::year(&t.db.clock.today()).to_string();
    let page = t.get(&s, "/subjects/pools").await;
    assert_eq!(page.status, StatusCode::OK);
    let ids: Vec<String> = page
        .body
        .split("name=\"organisation_ids\" value=\"")
        .skip(1)
        .take(6)
        .map(|p| p.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 6, "candidates from the pre-check");
    let mut form: Vec<(&str, &str)> = vec![("year", year.as_str())];
    form.extend(ids.iter().map(|i| ("organisation_ids", i.as_str())));
    let r = t.post_form(&s, "/subjects/pools", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let entries = innocity_store::subjects::pools::pool(
        &t.db,
        "high_tech",
        year.parse().unwrap(),
        &innocity_store::orgs::everywhere(),
    )
    .await
    .unwrap();
    assert_eq!(entries.len(), 6);
    let zone =
        t.db.read("SELECT id FROM users WHERE username = 'zone'", vec![], |r| r.int(0))
            .await
            .unwrap()[0]
            .to_string();
    for e in &entries[..5] {
        let r = t
            .post_form(
                &s,
                &format!("/subjects/pools/{}", e.id),
                &[("action", "assign"), ("officer_id", &zone)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let sixth = format!("/subjects/pools/{}", entries[5].id);
    let r = t.post_form(&s, &sixth, &[("action", "assign"), ("officer_id", &zone)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("今年已服务 5 家企业，每人不超过 5 家"), "{}", r.body);
    let today = t.db.clock.today().to_string();
    let first = format!("/subjects/pools/{}", entries[0].id);
    let r =
        t.post_form(&s, &first, &[("action", "visit"), ("visited_on", &today), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a visit without words");
    let r = t
        .post_form(
            &s,
            &first,
            &[
                ("action", "visit"),
                ("visited_on", &today),
                ("note", "核实研发费用归集，建议完善研发辅助账。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post_form(
            &s,
            &first,
            &[("action", "decide"), ("status", "recognised"), ("note", "第一批")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    the_entry_and_the_api_show_it(&t, &s, &first, &year, entries[1].id).await;
}

/// The entry's page shows the visit and outcome; another zone does not see it; the API counts.
async fn the_entry_and_the_api_show_it(
    t: &TestApp,
    s: &Session,
    first: &str,
    year: &str,
    second: i64,
) {
    let view = t.get(s, first).await.body;
    assert!(view.contains("核实研发费用归集") && view.contains("已认定"), "{view}");
    // Another zone does not even see it; the API counts the year.
    let other = t.login("zone2").await;
    assert_eq!(t.get(&other, first).await.status, StatusCode::NOT_FOUND);
    let token = bearer(t, "zone").await;
    let pool = json(
        t,
        "GET",
        &format!("/api/v1/subjects/pools?year={year}"),
        Some(&token),
        serde_json::Value::Null,
    )
    .await
    .json();
    assert_eq!(
        (pool["candidates"].as_i64(), pool["recognised"].as_i64()),
        (Some(5), Some(1)),
        "{pool}"
    );
    let r = json(
        t,
        "POST",
        &format!("/api/v1/subjects/pools/{second}/actions"),
        Some(&token),
        serde_json::json!({"action": "visit", "visited_on": "2999-01-01", "note": "将来"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let enterprise = bearer(t, "orgadmin").await;
    let r = json(
        t,
        "POST",
        "/api/v1/subjects/pools",
        Some(&enterprise),
        serde_json::json!({"year": 2026, "organisation_ids": [1]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
