//! Financing demands and products through the real router: an enterprise publishes a demand
//! and sees the products that answer it with each condition; a bank publishes a product, sees
//! the demand, and takes it forward step by step on a timeline both see; another bank sees
//! nothing of it; bad input named by field, refusals in Chinese.
use crate::common::*;
use crate::fund::bank;
use axum::http::StatusCode;
use serde_json::json;

fn demand_body(amount: &str, until: &str) -> serde_json::Value {
    json!({ "kind": "loan", "amount_wan": amount, "term_months": "12", "purpose": "购置中试生产线设备，扩大锂电池正极材料产能",
            "collateral": "信用", "valid_until": until })
}

fn product_body(kind: &str, min: &str, max: &str, until: &str) -> serde_json::Value {
    json!({ "kind": kind, "name": "科技贷", "description": "面向科技型中小企业的信用贷款", "rate_min_pct": "3.45", "rate_max_pct": "4.35",
            "amount_min_wan": min, "amount_max_wan": max, "term_min_months": "6", "term_max_months": "36",
            "requires": ["tech_sme", "clean_credit"], "valid_until": until })
}

#[tokio::test]
async fn an_enterprise_and_a_bank_meet_on_a_demand_and_take_it_forward() {
    let t = app().await;
    bank(&t, "91620100MA7BANK01X", "兰州银行股份有限公司", "bank").await;
    bank(&t, "91620100MA7BANK02X", "甘肃银行股份有限公司", "bank2").await;
    let (ent, lab) = (t.login("orgadmin").await, t.login("lab").await);
    let (bank, bank2) = (t.login("bank").await, t.login("bank2").await);
    let until = (t.db.clock.today() + chrono::Duration::days(60)).to_string();

    // Bad input named by field; a university cannot ask; a bank's product only from a bank.
    let r = t.post_json(&ent, "/api/v1/financing-demands", &demand_body("三百万", &until)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("amount_wan"), "{}", r.body);
    let r = t.post_json(&lab, "/api/v1/financing-demands", &demand_body("300", &until)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_json(&ent, "/api/v1/financing-products", &product_body("loan", "50", "500", &until))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_json(&bank, "/api/v1/financing-products", &product_body("loan", "501", "500", &until))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("amount_max_wan") && r.body.contains("上限不能低于下限"), "{}", r.body);

    let r = t.post_json(&ent, "/api/v1/financing-demands", &demand_body("300", &until)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let demand = r.json()["id"].as_i64().unwrap();
    let r = t
        .post_json(&bank, "/api/v1/financing-products", &product_body("loan", "50", "500", &until))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let loan = r.json()["id"].as_i64().unwrap();
    let equity = json!({ "kind": "equity", "name": "兰白创投基金", "description": "早期股权投资", "amount_min_wan": "100",
                         "amount_max_wan": "2000", "valid_until": until });
    let r = t.post_json(&bank2, "/api/v1/financing-products", &equity).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // The enterprise sees the loan product with every condition, not the equity one.
    let d = t.get(&ent, &format!("/api/v1/financing-demands/{demand}")).await.json();
    let matches = d["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{d}");
    assert_eq!(matches[0]["product"]["id"].as_i64(), Some(loan));
    let reasons = matches[0]["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 4, "amount, term, two conditions");
    assert!(reasons[0]["text"].as_str().unwrap().contains("需求金额 300.00 万元"), "{reasons:?}");
    let all_met = reasons.iter().all(|r| r["met"] == true);
    assert_eq!(matches[0]["fits"], all_met);
    // The bank sees the demand against its product.
    let p = t.get(&bank, &format!("/api/v1/financing-products/{loan}")).await.json();
    let seen =
        p["matches"].as_array().unwrap().iter().any(|m| m["demand"]["id"].as_i64() == Some(demand));
    assert_eq!(seen, reasons.iter().filter(|r| r["met"] == false).count() <= 1);
    assert_eq!(
        t.get(&bank2, &format!("/api/v1/financing-products/{loan}")).await.status,
        StatusCode::NOT_FOUND
    );

    let followup = steps_move_forward(&t, demand, loan).await;
    let bureau = t.login("bureau").await;
    let figures = t.get(&bureau, "/api/v1/financing-figures").await.json();
    let loans =
        figures["kinds"].as_array().unwrap().iter().find(|k| k["need"] == "loan").unwrap().clone();
    assert_eq!(
        (loans["demands"].as_i64(), loans["approved"].as_i64(), loans["approved_fen"].as_i64()),
        (Some(1), Some(1), Some(200_000_000))
    );
    let all = t.get(&bureau, "/api/v1/financing-followups").await.json();
    assert!(all.as_array().unwrap().iter().any(|f| f["id"].as_i64() == Some(followup)));
    pages_show_both_sides(&t, demand, loan, followup).await;
    a_closed_demand_is_hidden_from_institutions_without_a_follow_up(&t, demand).await;
}

/// Another bank reads an open demand (without the first bank's follow-up); once the enterprise
/// closes it, only the bank that followed it up still reads it.
async fn a_closed_demand_is_hidden_from_institutions_without_a_follow_up(t: &TestApp, demand: i64) {
    let (ent, bank, bank2) =
        (t.login("orgadmin").await, t.login("bank").await, t.login("bank2").await);
    let uri = format!("/api/v1/financing-demands/{demand}");
    let seen = t.get(&bank2, &uri).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.json()["followups"].as_array().unwrap().len(), 0, "not the other bank's");
    let version = t.get(&ent, &uri).await.json()["demand"]["version"].as_i64().unwrap();
    let r = t.post_json(&ent, &format!("{uri}/close"), &json!({ "version": version })).await;
    assert_eq!(r.json()["status"], "closed", "{}", r.body);
    assert_eq!(t.get(&bank2, &uri).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&bank, &uri).await.status, StatusCode::OK);
}

/// The pages: the demand with its matches and follow-up, the bank's desk and menu, the timeline,
/// and a bad amount named on the enterprise's form.
async fn pages_show_both_sides(t: &TestApp, demand: i64, loan: i64, followup: i64) {
    let (ent, bank) = (t.login("orgadmin").await, t.login("bank").await);
    let page = t.get(&ent, &format!("/finance/financing/demands/{demand}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("科技贷") && page.body.contains("产品要求：科技型中小企业"),
        "{}",
        page.body
    );
    assert!(page.body.contains("已审批"));
    let desk = t.get(&bank, "/finance/products").await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(
        desk.body.contains("href=\"/finance/products\"")
            && desk.body.contains("href=\"/finance/loans\"")
    );
    assert!(!desk.body.contains("href=\"/finance/financing\""), "a bank has no enterprise menu");
    assert_eq!(t.get(&bank, &format!("/finance/products/{loan}")).await.status, StatusCode::OK);
    let timeline = t.get(&bank, &format!("/finance/financing/followups/{followup}")).await;
    assert!(
        timeline.body.contains("尽职调查") && timeline.body.contains("授信审批通过"),
        "{}",
        timeline.body
    );
    let until = (t.db.clock.today() + chrono::Duration::days(60)).to_string();
    let fields = [
        ("kind", "loan"),
        ("amount_wan", "-5"),
        ("term_months", "12"),
        ("purpose", "研发"),
        ("valid_until", until.as_str()),
    ];
    let r = t.post_form(&ent, "/finance/financing", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"err-amount_wan\"") && r.body.contains("value=\"研发\"")
            || r.body.contains(">研发<"),
        "{}",
        r.body
    );
}

/// The enterprise applies; the bank takes it forward; the other bank sees none of it; a step out
/// of turn, a decline without reason, an approval over the demand are refused.
async fn steps_move_forward(t: &TestApp, demand: i64, loan: i64) -> i64 {
    let ent = t.login("orgadmin").await;
    let (bank, bank2) = (t.login("bank").await, t.login("bank2").await);
    // The enterprise applies; the bank takes it forward; the other bank sees none of it.
    let step = |stage: &str, note: &str, wan: &str| json!({ "demand_id": demand, "product_id": loan, "stage": stage, "note": note, "approved_wan": wan });
    let r =
        t.post_json(&ent, "/api/v1/financing-steps", &step("applied", "希望尽快对接", "")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let followup = r.json()["id"].as_i64().unwrap();
    let r = t.post_json(&bank2, "/api/v1/financing-steps", &step("contacted", "", "")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get(&bank2, &format!("/api/v1/financing-followups/{followup}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = t.post_json(&bank, "/api/v1/financing-steps", &step("withdrawn", "", "")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("这一步应由对方办理"), "{}", r.body);
    for s in ["contacted", "due_diligence"] {
        let r = t.post_json(&bank, "/api/v1/financing-steps", &step(s, "客户经理已上门", "")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = t.post_json(&bank, "/api/v1/financing-steps", &step("contacted", "", "")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("只能向前推进"), "{}", r.body);
    let r = t.post_json(&bank, "/api/v1/financing-steps", &step("declined", " ", "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("\"note\"") && r.body.contains("须写明原因"), "{}", r.body);
    let r = t.post_json(&bank, "/api/v1/financing-steps", &step("approved", "", "300.01")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("approved_wan"), "{}", r.body);
    let r = t
        .post_json(&bank, "/api/v1/financing-steps", &step("approved", "授信审批通过", "200"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let f = t.get(&ent, &format!("/api/v1/financing-followups/{followup}")).await.json();
    assert_eq!(
        (f["stage"].as_str(), f["approved_fen"].as_i64()),
        (Some("approved"), Some(200_000_000))
    );
    let stages: Vec<&str> =
        f["steps"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, vec!["applied", "contacted", "due_diligence", "approved"]);
    let r = t.post_json(&ent, "/api/v1/financing-steps", &step("withdrawn", "", "")).await;
    assert!(r.body.contains("该对接已结束"), "{}", r.body);

    followup
}
