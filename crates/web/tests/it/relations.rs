//! An organisation's related persons for the vouchers' relatedness check: its administrator
//! records its legal representative (a wrong ID number named, the number never echoed, the same
//! person twice refused), the list shows the number masked, another enterprise cannot see or
//! change them, the API lists, records and removes. (That a provider sharing a recorded person
//! is refused a redemption, the person named, is the store's `vouchers` test.)
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;

const ID: &str = "11010519491231002X";

#[tokio::test]
async fn an_enterprise_records_its_people_and_a_related_provider_is_refused() {
    let t = Fixture::demo().build().await;
    let own = t.user_org("orgadmin").await;
    let ent = t.login("orgadmin").await;
    let page = format!("/orgs/{own}/relations");
    let bad = [("name", "张伟"), ("id_number", "110105194912310021"), ("standing", "legal_rep")];
    let r = t.post_form(&ent, &page, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("身份证号码不正确"), "{}", r.body);
    assert!(!r.body.contains("110105194912310021"), "the number is not echoed");
    let good = [("name", "张伟"), ("id_number", ID), ("standing", "legal_rep")];
    assert_eq!(t.post_form(&ent, &page, &good).await.status, StatusCode::SEE_OTHER);
    let again = t.post_form(&ent, &page, &good).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("该人员已以此身份登记"));
    let list = t.get(&ent, &page).await;
    assert!(list.body.contains("1101**********002X") && !list.body.contains(ID), "masked");
    assert!(list.body.contains("法定代表人"));
    let other = t.login("orgadmin2").await;
    assert_eq!(t.get(&other, &page).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.post_form(&other, &page, &good).await.status, StatusCode::FORBIDDEN);

    // the API: the bureau records the same person as the provider's shareholder
    let provider = t.user_org("provider").await;
    let token = bearer(&t, "bureau").await;
    let api = format!("/api/v1/organisations/{provider}/relations");
    let body = serde_json::json!({ "name": "张伟", "id_number": ID, "standing": "shareholder" });
    let r = json(&t, "POST", &api, Some(&token), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["masked_id"], "1101**********002X");
    let bad = serde_json::json!({ "name": "李娜", "id_number": ID, "standing": "chairman" });
    assert_eq!(
        json(&t, "POST", &api, Some(&token), bad).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let listed = json(&t, "GET", &api, Some(&token), serde_json::Value::Null).await;
    assert_eq!(listed.json().as_array().unwrap().len(), 1);
    let person = listed.json()[0]["id"].as_i64().unwrap();

    // removed: no longer listed
    let r =
        json(&t, "DELETE", &format!("{api}/{person}"), Some(&token), serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let gone =
        json(&t, "DELETE", &format!("{api}/{person}"), Some(&token), serde_json::Value::Null).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let listed = json(&t, "GET", &api, Some(&token), serde_json::Value::Null).await;
    assert_eq!(listed.json().as_array().unwrap().len(), 0);
}
