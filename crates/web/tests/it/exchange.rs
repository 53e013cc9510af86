//! 通用通兑 on pages and in the API, between two running platforms (city A and city B, each
//! its own database): the bureaus register each other with the agreed key (bad input named, the
//! key never echoed), A's roster goes to B (a changed file refused whole), B's lab redeems A's
//! voucher on its usual form, B's bureau verifies and claims the month, A imports the claim (the
//! money off the voucher, the ledger still 账实相符), and A's reply closes B's claim.
use crate::common::*;
use crate::market::{bearer, json};
use crate::vouchers::{pairs, programme};
use axum::http::StatusCode;

/// Opens a programme on the bureau's page; its id.
async fn open(t: &TestApp, code: &'static str) -> String {
    let bureau = t.login("bureau").await;
    let r = t.post_form(&bureau, "/vouchers", &pairs(&programme(code, "500", t))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().rsplit('/').next().unwrap().to_string()
}

const KEY: &str = "lanzhou-dingxi-exchange-2026";

#[tokio::test]
async fn a_voucher_of_city_a_is_spent_in_city_b_and_the_programmes_settle_by_files() {
    let (a, b) = (Fixture::demo().build().await, Fixture::demo().build().await);
    let programme_a = open(&a, "LZ2026").await;
    let programme_b = open(&b, "DX2026").await;
    // A's enterprise gets a 2 万元 voucher
    let ent = a.login("orgadmin").await;
    let apply = format!("/vouchers/{programme_a}/apply");
    let r = a.post_form(&ent, &apply, &[("amount_wan", "2"), ("purpose", "电池材料检测")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let bureau_a = a.login("bureau").await;
    let app: i64 =
        a.db.read("SELECT id FROM voucher_applications", vec![], |r| r.int(0)).await.unwrap()[0];
    let decide = format!("/vouchers/applications/{app}/decide");
    a.post_form(&bureau_a, &decide, &[("decision", "grant"), ("amount_wan", "2")]).await;
    let (number, code) =
        a.db.read("SELECT number, code FROM vouchers", vec![], |r| Ok((r.text(0)?, r.text(1)?)))
            .await
            .unwrap()[0]
            .clone();

    // A registers B on the page: bad input named, the key never sent back
    let bad = [("code", "定西"), ("name", ""), ("region", "定西市"), ("key", "short-key")];
    let r = a.post_form(&bureau_a, "/vouchers/partners", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("交换密钥至少 16 个字符") && r.body.contains("此项必填"), "{}", r.body);
    assert!(!r.body.contains("short-key"), "the key is not echoed");
    let form = [
        ("code", "DX2026"),
        ("name", "定西市科技创新券"),
        ("region", "定西市"),
        ("key", KEY),
        ("programme_id", programme_a.as_str()),
    ];
    let r = a.post_form(&bureau_a, "/vouchers/partners", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let partner_a = r.location().to_string();
    assert!(!a.get(&bureau_a, &partner_a).await.body.contains(KEY));
    let enterprise = a.post_form(&ent, "/vouchers/partners", &form).await;
    assert_eq!(enterprise.status, StatusCode::FORBIDDEN);
    // B registers A through the API
    let token_b = bearer(&b, "bureau").await;
    let body = serde_json::json!({ "code": "LZ2026", "name": "兰州市科技创新券", "region": "兰州市", "key": KEY, "programme_id": programme_b.parse::<i64>().unwrap() });
    let r = json(&b, "POST", "/api/v1/voucher-partners", Some(&token_b), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(!r.body.contains(KEY));
    let partner_b = r.json()["id"].as_i64().unwrap();

    let cities = Cities { a, b, programme_a, partner_a, partner_b, number, code };
    the_roster_goes_to_b_and_b_s_lab_redeems(&cities).await;
    b_claims_the_month_and_a_replies(&cities).await;
}

/// Two platforms registered with each other, and A's voucher.
struct Cities {
    a: TestApp,
    b: TestApp,
    programme_a: String,
    /// A's page of partner B.
    partner_a: String,
    /// B's id of partner A.
    partner_b: i64,
    number: String,
    code: String,
}

async fn the_roster_goes_to_b_and_b_s_lab_redeems(c: &Cities) {
    let (a, b, number, code) = (&c.a, &c.b, &c.number, &c.code);
    let (partner_a, partner_b) = (&c.partner_a, c.partner_b);
    let bureau_a = a.login("bureau").await;
    let token_b = bearer(b, "bureau").await;
    // the roster: changed by a fen, refused whole; as sent, imported
    let (status, headers, roster) =
        a.get_bytes(&bureau_a, &format!("{partner_a}/roster.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    let bureau_b = b.login("bureau").await;
    let inbox_b = format!("/vouchers/partners/{partner_b}");
    let changed = String::from_utf8(roster.clone()).unwrap().replace("2000000", "2000001");
    let r =
        b.upload(&bureau_b, &format!("{inbox_b}/roster"), "roster.json", changed.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("文件签名不符"), "{}", r.body);
    let r = b.upload(&bureau_b, &format!("{inbox_b}/roster"), "roster.json", &roster).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(b.get(&bureau_b, &inbox_b).await.body.contains(number.as_str()));

    // B's lab redeems A's voucher on its usual form, under A's 30% co-payment
    let lab = b.login("lab").await;
    let redeem = |amount: &str| {
        vec![
            ("number", number.clone()),
            ("code", code.clone()),
            ("service", "testing".to_string()),
            ("order_total_yuan", "1000".into()),
            ("amount_yuan", amount.to_string()),
            ("evidence", "合同 DX-2026-07；发票 06231145；报告 JC2026-0412".into()),
            ("request_key", "dx-form-1".into()),
        ]
    };
    let r = b.post_form(&lab, "/vouchers/redeem", &pairs(&redeem("800"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("创新券最多支付 700.00 元（企业自付比例 30%）"), "{}", r.body);
    let r = b.post_form(&lab, "/vouchers/redeem", &pairs(&redeem("700"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/vouchers/redeem#partner-redemptions");
    let mine = json(
        b,
        "GET",
        "/api/v1/partner-redemptions",
        Some(&bearer(b, "lab").await),
        serde_json::Value::Null,
    )
    .await;
    let redemption = mine.json()[0]["id"].as_i64().unwrap();
    let verify = format!("/api/v1/partner-redemptions/{redemption}/verify");
    let r =
        json(b, "POST", &verify, Some(&token_b), serde_json::json!({ "decision": "verify" })).await;
    assert_eq!(r.json()["status"], "verified", "{}", r.body);
}

async fn b_claims_the_month_and_a_replies(c: &Cities) {
    let (a, b, programme_a, partner_a) = (&c.a, &c.b, &c.programme_a, &c.partner_a);
    let (bureau_a, bureau_b) = (a.login("bureau").await, b.login("bureau").await);
    let token_b = bearer(b, "bureau").await;
    let inbox_b = format!("/vouchers/partners/{}", c.partner_b);
    // B claims the month on its page; A imports the claim through the API
    let month = b.db.clock.today().format("%Y-%m").to_string();
    let r = b.post_form(&bureau_b, &format!("{inbox_b}/claims"), &[("month", "2026-13")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不是有效的月份"));
    let r =
        b.post_form(&bureau_b, &format!("{inbox_b}/claims"), &[("month", month.as_str())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let claim_page = r.location().to_string();
    let (_, _, claim) = b.get_bytes(&bureau_b, &format!("{claim_page}/file.json")).await;
    let (status, headers, xlsx) = b.get_bytes(&bureau_b, &format!("{claim_page}/lines.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().contains("spreadsheet"));
    assert!(xlsx.starts_with(b"PK"));
    let token_a = bearer(a, "bureau").await;
    let partner_a_id = partner_a.rsplit('/').next().unwrap();
    let inbox_a = format!("/api/v1/voucher-partners/{partner_a_id}/inbox");
    let claim_json: serde_json::Value = serde_json::from_slice(&claim).unwrap();
    let r = json(a, "POST", &inbox_a, Some(&token_a), claim_json.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["accepted_fen"], 70_000);
    let owed = r.json()["id"].as_i64().unwrap();
    let again = json(a, "POST", &inbox_a, Some(&token_a), claim_json).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let view = a.get(&bureau_a, &format!("/vouchers/{programme_a}")).await;
    assert!(view.body.contains("异地通兑") && view.body.contains("账实相符"), "{}", view.body);
    let p = json(
        a,
        "GET",
        &format!("/api/v1/voucher-programmes/{programme_a}"),
        Some(&token_a),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(p.json()["programme"]["exchanged_fen"], 70_000, "{}", p.body);

    // A's reply closes B's claim
    let (_, _, reply) =
        a.get_bytes(&bureau_a, &format!("/vouchers/exchange/{owed}/file.json")).await;
    let r = b.upload(&bureau_b, &format!("{inbox_b}/inbox"), "reply.json", &reply).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let closed = b.get(&bureau_b, &claim_page).await;
    assert!(closed.body.contains("已回执") || closed.body.contains("700.00"), "{}", closed.body);
    let statement = claim_page.rsplit('/').next().unwrap();
    let detail = json(
        b,
        "GET",
        &format!("/api/v1/exchange-statements/{statement}"),
        Some(&token_b),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(detail.json()["statement"]["replied"], true);
    assert_eq!(detail.json()["lines"][0]["outcome"], "accepted");
    let r = b.upload(&bureau_b, &format!("{inbox_b}/inbox"), "reply.json", &reply).await;
    assert!(r.body.contains("已导入过回执"), "{}", r.body);
}
