//! Innovation vouchers on pages and in the API: the bureau opens a programme (bad input named),
//! an enterprise applies within the caps, the bureau grants, a provider redeems within the
//! co-payment (a form sent twice pays once), the bureau verifies and settles, and the ledger
//! balances throughout; every role without the right is refused.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;

async fn count(t: &TestApp, table: &str) -> i64 {
    t.db.read(&format!("SELECT COUNT(*) FROM {table}"), vec![], |r| r.int(0)).await.unwrap()[0]
}

pub fn programme(
    code: &'static str,
    budget: &'static str,
    t: &TestApp,
) -> Vec<(&'static str, String)> {
    let today = t.db.clock.today();
    vec![
        ("code", code.into()),
        ("name", "兰州市2026年度科技创新券".into()),
        ("year", "2026".into()),
        ("budget_wan", budget.into()),
        ("per_application_wan", "2".into()),
        ("per_enterprise_wan", "10".into()),
        ("copay_percent", "30".into()),
        ("services", "testing,instrument".into()),
        ("eligibility", "enterprise".into()),
        ("valid_from", (today - chrono::Duration::days(10)).to_string()),
        ("valid_to", (today + chrono::Duration::days(300)).to_string()),
    ]
}

pub fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn a_voucher_goes_from_programme_to_settlement_and_the_ledger_balances() {
    let t = Fixture::demo().build().await;
    let bureau = t.login("bureau").await;
    let bad = programme("兰州", "0", &t);
    let r = t.post_form(&bureau, "/vouchers", &pairs(&bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("只能由字母、数字和连字符组成") && r.body.contains("金额须大于零"));
    assert_eq!(count(&t, "voucher_programmes").await, 0);
    let r = t.post_form(&bureau, "/vouchers", &pairs(&programme("LZ2026", "500", &t))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location().to_string();
    let id = page.rsplit('/').next().unwrap().to_string();

    let ent = t.login("orgadmin").await;
    let mine = t.get(&ent, "/vouchers/mine").await;
    assert!(mine.body.contains("兰州市2026年度科技创新券"));
    let apply = format!("/vouchers/{id}/apply");
    let r = t.post_form(&ent, &apply, &[("amount_wan", "3"), ("purpose", "电池材料检测")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("超出单次申请上限 2.00 万元"), "{}", r.body);
    let r = t.post_form(&ent, &apply, &[("amount_wan", "2"), ("purpose", "电池材料检测")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let app: i64 =
        t.db.read("SELECT id FROM voucher_applications", vec![], |r| r.int(0)).await.unwrap()[0];
    let r = t
        .post_form(
            &bureau,
            &format!("/vouchers/applications/{app}/decide"),
            &[("decision", "grant"), ("amount_wan", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (number, code) =
        t.db.read("SELECT number, code FROM vouchers", vec![], |r| Ok((r.text(0)?, r.text(1)?)))
            .await
            .unwrap()[0]
            .clone();
    assert_eq!(number, "LZ2026-000001");
    assert!(t.get(&ent, "/vouchers/mine").await.body.contains(&code), "the holder sees the code");

    a_provider_redeems_and_the_bureau_settles(&t, &id, &number, &code).await;
}

/// The lab redeems within the co-payment (a form sent twice pays once); the bureau verifies and
/// settles; the ledger balances.
async fn a_provider_redeems_and_the_bureau_settles(
    t: &TestApp,
    id: &str,
    number: &str,
    code: &str,
) {
    let bureau = t.login("bureau").await;
    let page = format!("/vouchers/{id}");
    let lab = t.login("lab").await;
    let redeem = |code: &str, amount: &str| {
        vec![
            ("number", number.to_string()),
            ("code", code.to_string()),
            ("service", "testing".into()),
            ("order_total_yuan", "1000".into()),
            ("amount_yuan", amount.to_string()),
            ("evidence", "合同 JS-2026-031；发票 01234567；报告 BG2026-118".into()),
            ("request_key", "form-7f3a".into()),
        ]
    };
    let r = t.post_form(&lab, "/vouchers/redeem", &pairs(&redeem("000000", "700"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("券号或校验码不正确"));
    let r = t.post_form(&lab, "/vouchers/redeem", &pairs(&redeem(code, "800"))).await;
    assert!(r.body.contains("创新券最多支付 700.00 元（企业自付比例 30%）"), "{}", r.body);
    for _ in 0..2 {
        let r = t.post_form(&lab, "/vouchers/redeem", &pairs(&redeem(code, "700"))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    assert_eq!(count(t, "voucher_redemptions").await, 1, "a form sent twice pays once");
    let redemption: i64 =
        t.db.read("SELECT id FROM voucher_redemptions", vec![], |r| r.int(0)).await.unwrap()[0];
    let r = t
        .post_form(
            &bureau,
            &format!("/vouchers/redemptions/{redemption}/verify"),
            &[("decision", "verify")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let month = t.db.clock.today().format("%Y%m").to_string();
    let r =
        t.post_form(&bureau, &format!("/vouchers/{id}/settle"), &[("month", month.as_str())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r =
        t.post_form(&bureau, &format!("/vouchers/{id}/settle"), &[("month", month.as_str())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("已有结算批次"));
    let view = t.get(&bureau, &page).await;
    assert!(view.body.contains("账实相符"), "the ledger balances");
    let token = bearer(t, "bureau").await;
    let api = json(
        t,
        "GET",
        &format!("/api/v1/voucher-programmes/{id}"),
        Some(&token),
        serde_json::Value::Null,
    )
    .await;
    let p = &api.json()["programme"];
    assert_eq!(
        (p["balanced"].as_bool(), p["redeemed_fen"].as_i64(), p["balance_fen"].as_i64()),
        (Some(true), Some(70_000), Some(1_930_000))
    );
}

#[tokio::test]
async fn the_api_redeems_once_per_key_and_every_role_without_the_right_is_refused() {
    let t = Fixture::demo().build().await;
    let bureau = bearer(&t, "bureau").await;
    let today = t.db.clock.today();
    let body = serde_json::json!({
        "code": "BY2026", "name": "白银市创新券", "year": 2026, "budget_wan": "100",
        "per_application_wan": "2", "per_enterprise_wan": "5", "copay_percent": 20,
        "services": ["testing"], "eligibility": "enterprise",
        "valid_from": (today - chrono::Duration::days(1)).to_string(), "valid_to": (today + chrono::Duration::days(90)).to_string(),
    });
    let r = json(&t, "POST", "/api/v1/voucher-programmes", Some(&bureau), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let ent = bearer(&t, "orgadmin").await;
    let r = json(
        &t,
        "POST",
        &format!("/api/v1/voucher-programmes/{id}/applications"),
        Some(&ent),
        serde_json::json!({ "amount_wan": "1.5", "purpose": "检测" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let app = r.json()["id"].as_i64().unwrap();
    let r = json(
        &t,
        "POST",
        &format!("/api/v1/voucher-applications/{app}/decide"),
        Some(&bureau),
        serde_json::json!({ "decision": "grant", "amount_wan": "1.5" }),
    )
    .await;
    assert!(r.json()["voucher_id"].as_i64().is_some());
    let mine =
        json(&t, "GET", "/api/v1/my/vouchers", Some(&ent), serde_json::Value::Null).await.json();
    let (number, code) = (
        mine["vouchers"][0]["number"].as_str().unwrap().to_string(),
        mine["vouchers"][0]["code"].as_str().unwrap().to_string(),
    );
    let provider = bearer(&t, "provider").await;
    let claim = serde_json::json!({ "number": number, "code": code, "service": "testing", "order_total_yuan": "500", "amount_yuan": "400", "evidence": "发票 88", "request_key": "erp-0001" });
    // a service organisation redeems only once the bureau has registered it
    let r = json(&t, "POST", "/api/v1/voucher-redemptions", Some(&provider), claim.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("登记在册"), "{}", r.body);
    crate::providers::register(&t, "provider").await;
    let first =
        json(&t, "POST", "/api/v1/voucher-redemptions", Some(&provider), claim.clone()).await;
    let again = json(&t, "POST", "/api/v1/voucher-redemptions", Some(&provider), claim).await;
    assert_eq!(first.json()["id"], again.json()["id"], "{}", first.body);
    assert_eq!(count(&t, "voucher_redemptions").await, 1);

    every_role_without_the_right_is_refused(&t, id, app, (&number, &code)).await;
    assert_eq!(count(&t, "voucher_programmes").await, 1);
    assert_eq!(count(&t, "voucher_redemptions").await, 1);
}

/// Opening, deciding, applying and redeeming, each by every role without the right: 403.
async fn every_role_without_the_right_is_refused(
    t: &TestApp,
    id: i64,
    app: i64,
    (number, code): (&str, &str),
) {
    for role in ROLES {
        let s = t.login(role).await;
        if !["admin", "bureau"].contains(&role) {
            let r = t.post_form(&s, "/vouchers", &pairs(&programme("X1", "1", t))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} opens a programme");
            let r = t
                .post_form(
                    &s,
                    &format!("/vouchers/applications/{app}/decide"),
                    &[("decision", "refuse"), ("reason", "x")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} decides");
        }
        if !["orgadmin", "orgadmin2"].contains(&role) {
            let r = t
                .post_form(
                    &s,
                    &format!("/vouchers/{id}/apply"),
                    &[("amount_wan", "1"), ("purpose", "x")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} applies");
        }
        if !["orgadmin", "orgadmin2", "provider"].contains(&role) {
            let r = t
                .post_form(
                    &s,
                    "/vouchers/redeem",
                    &[
                        ("number", number),
                        ("code", code),
                        ("service", "testing"),
                        ("order_total_yuan", "1"),
                        ("amount_yuan", "1"),
                        ("evidence", "x"),
                        ("request_key", role),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} redeems");
        }
    }
}
