//! A technology broker carries an achievement to a registered contract.
use super::{ANYONE, bearer, json};
use crate::common::*;
use axum::http::StatusCode;

/// The broker starts on a listed achievement, records a contact and a meeting; a signing needs a
/// registered contract's number (none, then an unknown one, are refused); once the seller's
/// contract is registered the signing names it and the brokerage closes.
#[tokio::test]
async fn a_broker_carries_a_match_to_a_registered_contract() {
    let t = Fixture::demo().market().build().await;
    let broker = t.login("provider").await;
    let listed = t.get(&ANYONE, "/api/v1/market/achievements?limit=1").await.json();
    let achievement = listed["items"][0]["id"].as_i64().unwrap();
    let page = t.get(&broker, &format!("/market/achievements/{achievement}")).await;
    assert!(page.body.contains("id=\"broker-form\""), "a broker may start from the page");
    assert!(
        !t.get(&t.login("orgadmin").await, &format!("/market/achievements/{achievement}"))
            .await
            .body
            .contains("id=\"broker-form\"")
    );
    let r = t
        .post_form(
            &broker,
            &format!("/market/achievements/{achievement}/brokerage"),
            &[("buyer_name", "白银某电机有限公司")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let url = r.location().to_string();
    let today = t.db.clock.today().to_string();
    let step = |kind, version, note, number| step_form(&today, kind, version, note, number);
    let steps = format!("{url}/steps");
    assert_eq!(
        t.post_form(&broker, &steps, &step("contact", "1", "电话联系成果持有人。", ""))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(&broker, &steps, &step("meeting", "2", "三方在兰州高新区洽谈。", ""))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let r = t.post_form(&broker, &steps, &step("signed", "3", "签约。", "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("签约须填写技术合同登记编号"), "{}", r.body);
    let r = t.post_form(&broker, &steps, &step("signed", "3", "签约。", "TC2099000001")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("没有登记编号为“TC2099000001”"), "{}", r.body);
    // The seller registers the contract; the office registers it (through the API).
    let number = registered_contract(&t).await;
    let signed = step_form(&today, "signed", "3", "双方签订许可合同。", &number);
    let r = t.post_form(&broker, &steps, &signed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let body = t.get(&broker, &url).await.body;
    assert!(
        body.contains("已签约") && body.contains(&number) && body.contains("三方在兰州高新区洽谈"),
        "{body}"
    );
    assert_eq!(
        t.post_form(&broker, &steps, &step("contact", "4", "回访。", "")).await.status,
        StatusCode::CONFLICT
    );
    // The office may look; another role may not.
    assert_eq!(t.get(&t.login("bureau").await, &url).await.status, StatusCode::OK);
    assert_eq!(t.get(&t.login("orgadmin").await, &url).await.status, StatusCode::NOT_FOUND);
    let token = bearer(&t, "provider").await;
    let mine = t
        .send(
            axum::http::Request::get("/api/v1/market/brokerages")
                .header("authorization", &token)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .json();
    assert_eq!(
        (mine[0]["stage"].as_str(), mine[0]["steps"].as_array().unwrap().len()),
        (Some("signed"), 3)
    );
    assert_eq!(mine[0]["registration_no"], number.as_str());
}

/// A step's form fields.
fn step_form<'a>(
    on: &'a str,
    kind: &'a str,
    version: &'a str,
    note: &'a str,
    number: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("version", version),
        ("on", on),
        ("kind", kind),
        ("note", note),
        ("registration_no", number),
    ]
}

/// A contract submitted by the seller's token and registered by the office's; its number.
async fn registered_contract(t: &TestApp) -> String {
    let (seller, office) = (bearer(t, "orgadmin").await, bearer(t, "bureau").await);
    let org =
        innocity_store::orgs::get(&t.db, t.user_org("orgadmin").await).await.unwrap().unwrap();
    let buyer = innocity_core::orgs::CreditCode::complete("91620400MA7000000").unwrap();
    let body = serde_json::json!({
        "title": "技术许可合同", "contract_type": "licence.secret",
        "seller_name": org.name, "seller_code": org.credit_code,
        "buyer_name": "白银某电机有限公司", "buyer_code": buyer.as_str(), "buyer_region": "province",
        "subject": "许可使用技术秘密。", "signed_on": t.db.clock.today().to_string(), "amount_wan": "60",
        "payments": [{ "due_on": "2027-06-30", "amount_wan": "60" }]
    });
    let r = json(t, "POST", "/api/v1/market/contracts", Some(&seller), body).await;
    let id = r.json()["id"].as_i64().unwrap();
    super::upload_signed(t, &seller, id).await;
    let r = json(
        t,
        "POST",
        &format!("/api/v1/market/contracts/{id}/actions"),
        Some(&office),
        serde_json::json!({ "action": "register", "version": 1 }),
    )
    .await;
    r.json()["registration_no"].as_str().unwrap().to_string()
}
