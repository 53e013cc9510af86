//! What is recorded on a registration besides its steps: the experts' review of a large
//! contract, changes and objections of a registered one.
use super::{bearer, json, upload_signed};
use crate::common::*;
use axum::http::StatusCode;
use innocity_demo as demo;
use innocity_store::experts;
use innocity_store::orgs::Actor;

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "test", request_id: "test" };

/// A contract of orgadmin's (the seller) with the demo's buyer, `wan` 万元, signed today.
fn contract(t: &TestApp, org: &innocity_store::orgs::Organisation, wan: &str) -> serde_json::Value {
    let buyer = innocity_core::orgs::CreditCode::complete("91620400MA7000000").unwrap();
    serde_json::json!({
        "title": "高镍正极材料制备技术转让合同", "contract_type": "transfer.secret",
        "seller_name": org.name, "seller_code": org.credit_code,
        "buyer_name": "白银某新材料有限公司", "buyer_code": buyer.as_str(), "buyer_region": "province",
        "subject": "转让高镍正极材料共沉淀制备技术秘密。", "signed_on": t.db.clock.today().to_string(),
        "amount_wan": wan, "payments": [{ "due_on": "2027-06-30", "amount_wan": wan }]
    })
}

async fn submitted(t: &TestApp, seller: &str, wan: &str) -> i64 {
    let org =
        innocity_store::orgs::get(&t.db, t.user_org("orgadmin").await).await.unwrap().unwrap();
    let r = json(t, "POST", "/api/v1/market/contracts", Some(seller), contract(t, &org, wan)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    upload_signed(t, seller, id).await;
    id
}

async fn post(t: &TestApp, s: &Session, uri: &str, fields: &[(&str, String)]) -> Resp {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    t.post_form(s, uri, &refs).await
}

async fn records(t: &TestApp, token: &str, id: i64) -> serde_json::Value {
    t.send(
        axum::http::Request::get(format!("/api/v1/market/contracts/{id}/records"))
            .header("authorization", token)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .json()
}

/// 800 万元: the office may not register it before the experts' round is closed; only the
/// office sends it, once; a small contract does not go; once heard it is registered.
#[tokio::test]
async fn a_large_contract_is_heard_by_experts_before_it_is_registered() {
    let t = Fixture::demo().experts().build().await;
    let (seller, office) = (bearer(&t, "orgadmin").await, bearer(&t, "bureau").await);
    let id = submitted(&t, &seller, "800").await;
    let act = format!("/api/v1/market/contracts/{id}/actions");
    let register = serde_json::json!({ "action": "register", "version": 1 });
    let r = json(&t, "POST", &act, Some(&office), register.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.json()["error"]["message"].as_str().unwrap().contains("须先经专家评议"),
        "{}",
        r.body
    );
    assert_eq!(records(&t, &seller, id).await["needs_experts"], true);
    let send = format!("/api/v1/market/contracts/{id}/experts");
    let deadline = (t.db.clock.today() + chrono::Days::new(10)).to_string();
    let plan = |n: i64| serde_json::json!({ "version": 1, "name": "技术合同认定专家评议", "mode": "assign", "experts": n, "deadline": deadline });
    assert_eq!(json(&t, "POST", &send, Some(&seller), plan(3)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        json(&t, "POST", &send, Some(&office), plan(0)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = json(&t, "POST", &send, Some(&office), plan(3)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let round = r.json()["round_id"].as_i64().unwrap();
    let again = serde_json::json!({ "version": 2, "name": "再评", "mode": "assign", "experts": 3, "deadline": deadline });
    assert_eq!(json(&t, "POST", &send, Some(&office), again).await.status, StatusCode::CONFLICT);
    let register = serde_json::json!({ "action": "register", "version": 2 });
    assert_eq!(
        json(&t, "POST", &act, Some(&office), register.clone()).await.status,
        StatusCode::CONFLICT,
        "the round is open"
    );
    // The experts: the seller's own experts are in conflict; the others score; the round closes.
    let today = t.db.clock.today();
    experts::run_assignment(&t.db, round, today, ACTOR).await.unwrap();
    let assigned = experts::assignments(&t.db, round).await.unwrap();
    assert_eq!(assigned.len(), 3);
    for a in assigned {
        let e = experts::get(&t.db, a.expert_id).await.unwrap().unwrap();
        let user = demo::experts::demo_user_for(&t.db, &e).await.unwrap();
        let input = demo::experts::scores_for(7.5, a.version);
        experts::save_review(&t.db, a.id, user, &input, today, ACTOR).await.unwrap();
    }
    experts::close_round(&t.db, round, ACTOR).await.unwrap();
    let r = json(&t, "POST", &act, Some(&office), register).await;
    assert_eq!(r.json()["status"], "registered", "{}", r.body);
    let heard = records(&t, &office, id).await;
    assert_eq!(
        (heard["review_closed"].as_bool(), heard["reviews"].as_i64()),
        (Some(true), Some(3)),
        "{heard}"
    );
    assert!(heard["mean_score"].as_f64().unwrap() > 0.0);
    // A small contract does not go to the experts.
    let small = submitted(&t, &seller, "60").await;
    let r = json(
        &t,
        "POST",
        &format!("/api/v1/market/contracts/{small}/experts"),
        Some(&office),
        plan(3),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

/// A registered contract: its seller asks to change it (the form filled with its terms; a
/// missing reason and other parties refused), the office accepts and the figures take the new
/// amount; then an objection is recorded and upheld, and the registration leaves the totals.
#[tokio::test]
async fn a_registered_contract_is_changed_and_an_objection_cancels_it() {
    let t = Fixture::demo().build().await;
    let (seller, office) = (bearer(&t, "orgadmin").await, bearer(&t, "bureau").await);
    let id = submitted(&t, &seller, "60").await;
    let register = serde_json::json!({ "action": "register", "version": 1 });
    let act = format!("/api/v1/market/contracts/{id}/actions");
    let r = json(&t, "POST", &act, Some(&office), register).await;
    assert_eq!(r.json()["status"], "registered", "{}", r.body);
    changed_by_its_seller(&t, id).await;
    other_parties_are_another_contract(&t, &seller, id).await;
    an_objection_upheld_cancels_it(&t, id).await;
}

/// The first of January of this year (the figures' range).
fn new_year(t: &TestApp) -> chrono::NaiveDate {
    let year = chrono::Datelike::year(&t.db.clock.today());
    chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap()
}

/// The seller asks through the form (the reason required, the form kept), one waits at a time;
/// the office accepts and the figures take the new amount.
async fn changed_by_its_seller(t: &TestApp, id: i64) {
    let (seller, office) = (bearer(t, "orgadmin").await, bearer(t, "bureau").await);
    let (s_seller, s_office) = (t.login("orgadmin").await, t.login("bureau").await);
    let form = format!("/market/contracts/{id}/change");
    assert_eq!(t.get(&s_office, &form).await.status, StatusCode::FORBIDDEN);
    let page = t.get(&s_seller, &form).await.body;
    assert!(page.contains("value=\"60\"") && page.contains("id=\"change-reason\""), "{page}");
    let org =
        innocity_store::orgs::get(&t.db, t.user_org("orgadmin").await).await.unwrap().unwrap();
    let mut fields = vec![
        ("title", "高镍正极材料制备技术转让合同".to_string()),
        ("contract_type", "transfer.secret".into()),
        ("seller_name", org.name.clone()),
        ("seller_code", org.credit_code.clone()),
        ("buyer_name", "白银某新材料有限公司".into()),
        (
            "buyer_code",
            innocity_core::orgs::CreditCode::complete("91620400MA7000000").unwrap().as_str().into(),
        ),
        ("buyer_region", "province".into()),
        ("subject", "转让技术秘密并提供技术指导。".into()),
        ("signed_on", t.db.clock.today().to_string()),
        ("amount_wan", "90".into()),
        ("pay_on_0", "2027-06-30".into()),
        ("pay_wan_0", "90".into()),
    ];
    let r = post(t, &s_seller, &form, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"err-reason\"") && r.body.contains("value=\"90\""), "kept");
    fields.push(("reason", "双方补充约定技术指导服务，合同金额增至 90 万元。".into()));
    let r = post(t, &s_seller, &form, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = post(t, &s_seller, &form, &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "one waits at a time");
    let rec = records(t, &office, id).await;
    let change = &rec["changes"][0];
    assert_eq!(
        (change["kind"].as_str(), change["status"].as_str(), change["amount_fen"].as_i64()),
        (Some("change"), Some("pending"), Some(90_000_000))
    );
    let record = change["id"].as_i64().unwrap();
    let decide = format!("/api/v1/market/contracts/{id}/changes/{record}/decision");
    let yes = serde_json::json!({ "accept": true, "decision": "变更内容属实，同意变更。" });
    assert_eq!(
        json(t, "POST", &decide, Some(&seller), yes.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let blank = serde_json::json!({ "accept": true, "decision": " " });
    assert_eq!(json(t, "POST", &decide, Some(&office), blank).await.status, StatusCode::CONFLICT);
    assert_eq!(json(t, "POST", &decide, Some(&office), yes).await.status, StatusCode::OK);
    told_of_the_change(t, &seller, &s_seller, id).await;
    let c = t
        .send(
            axum::http::Request::get(format!("/api/v1/market/contracts/{id}"))
                .header("authorization", &office)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .json();
    assert_eq!(
        (c["amount_fen"].as_i64(), c["status"].as_str()),
        (Some(90_000_000), Some("registered")),
        "{c}"
    );
    let from = new_year(t);
    let counted =
        innocity_store::market::contracts::registered_between(&t.db, from, t.db.clock.today())
            .await
            .unwrap();
    assert_eq!(
        counted.iter().map(|c| c.amount.fen()).sum::<i64>(),
        90_000_000,
        "the figures take the change"
    );
}

/// A change to other parties is refused: that is another contract.
async fn other_parties_are_another_contract(t: &TestApp, seller: &str, id: i64) {
    let org =
        innocity_store::orgs::get(&t.db, t.user_org("orgadmin").await).await.unwrap().unwrap();
    // Other parties are another contract.
    let mut other = contract(t, &org, "90");
    other["buyer_code"] = serde_json::json!(
        innocity_core::orgs::CreditCode::complete("91620100MA7000000").unwrap().as_str()
    );
    let change = serde_json::json!({ "reason": "换买方", "contract": other });
    let r =
        json(t, "POST", &format!("/api/v1/market/contracts/{id}/changes"), Some(seller), change)
            .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("当事人"), "{}", r.body);
}

/// The office records an objection and upholds it: the registration leaves the totals.
async fn an_objection_upheld_cancels_it(t: &TestApp, id: i64) {
    let (seller, office) = (bearer(t, "orgadmin").await, bearer(t, "bureau").await);
    let s_office = t.login("bureau").await;
    let from = new_year(t);
    // An objection, upheld: the registration is cancelled and leaves the totals.
    let objections = format!("/api/v1/market/contracts/{id}/objections");
    let objection = serde_json::json!({ "party": "甘肃某材料研究所", "grounds": "所转让技术秘密系本所职务成果，转让方无权处分。" });
    assert_eq!(
        json(t, "POST", &objections, Some(&seller), objection.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let r = json(t, "POST", &objections, Some(&office), objection).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let record = r.json()["id"].as_i64().unwrap();
    let page = t.get(&s_office, &format!("/market/contracts/{id}")).await.body;
    assert!(
        page.contains("职务成果") && page.contains(&format!("id=\"decide-{record}\"")),
        "{page}"
    );
    let uphold = [("accept", "1"), ("decision", "经核实，异议成立。")];
    let r =
        t.post_form(&s_office, &format!("/market/contracts/{id}/changes/{record}"), &uphold).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = t
        .send(
            axum::http::Request::get(format!("/api/v1/market/contracts/{id}"))
                .header("authorization", &office)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .json();
    assert_eq!(c["status"], "cancelled");
    assert!(c["status_reason"].as_str().unwrap().starts_with("异议成立"));
    let counted =
        innocity_store::market::contracts::registered_between(&t.db, from, t.db.clock.today())
            .await
            .unwrap();
    assert!(counted.is_empty());
    let kinds: Vec<String> = records(t, &seller, id).await["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}:{}", c["kind"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, vec!["change:accepted", "objection:accepted"]);
}

/// The registrant is told in the platform, with the office's words.
async fn told_of_the_change(t: &TestApp, seller: &str, s_seller: &Session, id: i64) {
    let told = t
        .send(
            axum::http::Request::get("/api/v1/market/notices")
                .header("authorization", seller)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .json();
    let notice = told["items"].as_array().unwrap().iter().find(|n| n["kind"] == "contract");
    let notice = notice.unwrap_or_else(|| panic!("{told}"));
    assert_eq!(
        (notice["subject_id"].as_i64(), notice["about_title"].as_str()),
        (Some(id), Some("change.accepted"))
    );
    assert_eq!(notice["shared"][0], "变更内容属实，同意变更。");
    let page = t.get(s_seller, "/market/notices").await.body;
    assert!(
        page.contains("已变更：变更内容属实") && page.contains(&format!("/market/contracts/{id}")),
        "{page}"
    );
}
