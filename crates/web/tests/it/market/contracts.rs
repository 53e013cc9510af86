//! Technology contract registration through the pages and the API, and the figures the
//! register gives.
use super::{ANYONE, bearer, json};
use crate::common::*;
use axum::http::StatusCode;

/// The seller's form: every amount that does not hold is named, the form kept.
async fn registered_by_its_seller(t: &TestApp, seller: &Session, buyer_code: &str) -> String {
    let form = t.get(seller, "/market/contracts/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let mut fields = vec![
        ("title", "锂电池正极材料技术许可合同"),
        ("contract_type", "licence.patent"),
        ("seller_name", "兰州某材料公司"),
        ("buyer_name", "白银某电池公司"),
        ("buyer_code", buyer_code),
        ("buyer_region", "local"),
        ("ip", "ZL202010123456.3"),
        ("subject", "许可使用正极材料掺杂专利。"),
        ("signed_on", "2026-11-20"),
        ("amount_wan", "120"),
        ("cost_kind_0", "equipment"),
        ("cost_wan_0", "130"),
        ("pay_on_0", "2026-12-31"),
        ("pay_wan_0", "100"),
    ];
    let org = t.user_org("orgadmin").await;
    let seller_code = innocity_store::orgs::get(&t.db, org).await.unwrap().unwrap().credit_code;
    assert!(form.body.contains(&seller_code), "the seller's own code is filled in");
    fields.push(("seller_code", &seller_code));
    let r = t.post_form(seller, "/market/contracts", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for words in [
        "校验位错误",
        "非技术性费用合计 130.00 万元，超过合同金额 120.00 万元",
        "付款计划合计 100.00 万元，与合同金额 120.00 万元不符",
    ] {
        assert!(r.body.contains(words), "{words}: {}", r.body);
    }
    assert!(r.body.contains("锂电池正极材料技术许可合同"), "the form is kept");
    let good: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| match *k {
            "ip" => ("ip", "ZL202010123456.2"),
            "cost_wan_0" => ("cost_wan_0", "20"),
            "pay_wan_0" => ("pay_wan_0", "120"),
            _ => (*k, *v),
        })
        .collect();
    let r = t.post_form(seller, "/market/contracts", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let twice = t.post_form(seller, "/market/contracts", &good).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.body.contains("不能重复登记"), "{}", twice.body);
    r.location().split('?').next().unwrap().to_string()
}

/// A seller registers; the office asks for materials, the seller resubmits, the office
/// registers with the type corrected; the certificate states both amounts; the figures count
/// it and drop it when it is cancelled.
#[tokio::test]
async fn a_contract_goes_from_its_seller_through_the_office_into_the_figures() {
    let t = Fixture::demo().build().await;
    let seller = t.login("orgadmin").await;
    let office = t.login("bureau").await;
    let buyer = innocity_core::orgs::CreditCode::complete("91620400MA7000000").unwrap();
    let page = registered_by_its_seller(&t, &seller, buyer.as_str()).await;
    let other = t.login("orgadmin2").await;
    assert_eq!(t.get(&other, &page).await.status, StatusCode::NOT_FOUND);
    assert!(
        t.get(&office, "/market/contracts/office")
            .await
            .body
            .contains("锂电池正极材料技术许可合同")
    );
    let step = |action: &'static str, version: &'static str| {
        vec![("action", action), ("version", version), ("reason", "请补充专利许可备案证明。")]
    };
    assert_eq!(
        t.post_form(&seller, &page, &step("register", "1")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(&office, &page, &step("materials", "1")).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(&seller, &page, &step("resubmit", "2")).await.status,
        StatusCode::SEE_OTHER
    );
    let register = [("action", "register"), ("version", "3"), ("contract_type", "licence.secret")];
    let r = t.post_form(&office, &page, &register).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "not before its signed text: {}", r.body);
    assert!(r.body.contains("请登记人先上传已签订的合同文本"), "{}", r.body);
    the_signed_text_comes_first(&t, &page).await;
    let r = t.post_form(&office, &page, &register).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let body = t.get(&seller, &page).await.body;
    assert!(
        body.contains("技术许可（技术秘密使用许可）") && body.contains("登记机构已更正"),
        "{body}"
    );
    let year = t.db.clock.today().format("%Y").to_string();
    assert!(body.contains(&format!("TC{year}000001")), "{body}");
    let certificate = format!("{page}/certificate");
    let (status, headers, pdf) = t.get_bytes(&seller, &certificate).await;
    assert_eq!(
        (status, headers.get("content-type").unwrap().to_str().unwrap()),
        (StatusCode::OK, "application/pdf")
    );
    let text = pdf_text(&pdf);
    for needle in ["技术合同认定登记证明", &format!("TC{year}000001"), "120.00 万元", "100.00 万元"]
    {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    // The figures: this year's register holds it (and the demo holds none this year).
    let f = t.get(&ANYONE, &format!("/api/v1/market/figures?year={year}")).await.json();
    assert_eq!(
        (f["kinds"][0]["key"].as_str(), f["kinds"][0]["amount_fen"].as_i64()),
        (Some("licence"), Some(120_000_000))
    );
    let cancel = [("action", "cancel"), ("version", "4"), ("reason", "双方解除合同。")];
    assert_eq!(t.post_form(&office, &page, &cancel).await.status, StatusCode::SEE_OTHER);
    let f = t.get(&ANYONE, &format!("/api/v1/market/figures?year={year}")).await.json();
    assert!(f["kinds"].as_array().unwrap().is_empty(), "{f}");
    assert_eq!(
        t.get(&ANYONE, "/api/v1/market/figures?year=1999").await.status,
        StatusCode::BAD_REQUEST
    );
}

/// The API: the seller's token submits (field errors in JSON), the office's token registers;
/// someone who is not the seller is refused.
#[tokio::test]
async fn the_api_registers_a_contract_and_refuses_one_not_the_callers() {
    let t = Fixture::demo().build().await;
    let (seller, office) = (bearer(&t, "orgadmin").await, bearer(&t, "bureau").await);
    let me = t.get(&ANYONE, "/").await; // warms nothing; keeps the session-less client honest
    assert_eq!(me.status, StatusCode::OK);
    let org =
        innocity_store::orgs::get(&t.db, t.user_org("orgadmin").await).await.unwrap().unwrap();
    let buyer = innocity_core::orgs::CreditCode::complete("91620400MA7000000").unwrap();
    let mut body = serde_json::json!({
        "title": "盐碱地改良技术服务合同", "contract_type": "service.general",
        "seller_name": org.name, "seller_code": org.credit_code,
        "buyer_name": "白银某农业公司", "buyer_code": buyer.as_str(), "buyer_region": "province",
        "subject": "盐碱地改良技术服务。", "signed_on": "2026-10-01", "amount_wan": "80",
        "payments": [{ "due_on": "2026-12-01", "amount_wan": "70" }]
    });
    let r = json(&t, "POST", "/api/v1/market/contracts", Some(&seller), body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.json()["error"]["fields"]["payments"].as_str().unwrap().contains("70.00"),
        "{}",
        r.body
    );
    body["payments"] = serde_json::json!([{ "due_on": "2026-12-01", "amount_wan": "80" }]);
    let mut not_ours = body.clone();
    not_ours["seller_code"] = serde_json::json!(buyer.as_str());
    not_ours["buyer_code"] = serde_json::json!(org.credit_code);
    let r = json(&t, "POST", "/api/v1/market/contracts", Some(&seller), not_ours).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("卖方"));
    let r = json(&t, "POST", "/api/v1/market/contracts", Some(&seller), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let waiting = t
        .send(
            axum::http::Request::get("/api/v1/market/contracts/waiting")
                .header("authorization", &office)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(waiting.json().as_array().unwrap().iter().any(|c| c["id"] == id));
    let step = serde_json::json!({ "action": "register", "version": 1 });
    let r = json(
        &t,
        "POST",
        &format!("/api/v1/market/contracts/{id}/actions"),
        Some(&seller),
        step.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    super::upload_signed(&t, &seller, id).await;
    let r =
        json(&t, "POST", &format!("/api/v1/market/contracts/{id}/actions"), Some(&office), step)
            .await;
    assert_eq!(r.json()["status"], "registered", "{}", r.body);
    assert_eq!(r.json()["transaction_fen"], 80_000_000);
}

/// The quick report's 技术合同成交额 is checked against the register: a contract registered
/// for the enterprise shows beside the cell, and a different figure is flagged.
#[tokio::test]
async fn the_quick_report_is_checked_against_the_register() {
    use innocity_core::market::contracts::{ContractInput, Status, validate};
    use innocity_store::market::contracts::{Historic, import_history};
    let t = Fixture::demo().stats().build().await;
    let s = t.login("orgadmin").await;
    let org_id = t.user_org("orgadmin").await;
    let org = innocity_store::orgs::get(&t.db, org_id).await.unwrap().unwrap();
    let buyer = innocity_core::orgs::CreditCode::complete("91620400MA7000000").unwrap();
    let input = ContractInput {
        title: "检测技术服务合同".into(),
        contract_type: "service.general".into(),
        seller_name: org.name.clone(),
        seller_code: org.credit_code.clone(),
        buyer_name: "白银某公司".into(),
        buyer_code: buyer.as_str().into(),
        buyer_region: "local".into(),
        subject: "检测服务。".into(),
        signed_on: "2025-10-20".into(),
        amount_wan: "12.3".into(),
        payments: vec![("2025-12-31".into(), "12.3".into())],
        ..ContractInput::default()
    };
    let day = chrono::NaiveDate::from_ymd_opt(2025, 11, 15).unwrap();
    let h = Historic {
        organisation_id: org.id,
        unit_path: org.unit_path.clone(),
        draft: validate(&input).unwrap(),
        declared_type: "service.general",
        status: Status::Registered,
        reason: String::new(),
        submitted_on: day,
        registered_on: Some(day),
        registration_no: Some("TC2025999001".into()),
    };
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    import_history(&t.db, &[h], actor).await.unwrap();
    let page = t.get(&s, &format!("/stats/KB-Q/2025Q4/orgs/{org_id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let check = page
        .body
        .split("id=\"register-check\"")
        .nth(1)
        .expect("the register check")
        .split("</div>")
        .next()
        .unwrap()
        .to_string();
    assert!(check.contains("已登记 1 份合同，合同成交额 123.0 千元"), "{check}");
    assert!(
        check.contains("请核实") || check.contains("尚未填报"),
        "the return does not say 123: {check}"
    );
    // The year before does not count it (year to date, by registration day).
    let earlier = t.get(&s, &format!("/stats/KB-Q/2024Q4/orgs/{org_id}")).await.body;
    assert!(earlier.contains("已登记 0 份合同"), "{earlier}");
}

/// Only the seller uploads, only what a contract can be; the office reads it, others do not.
async fn the_signed_text_comes_first(t: &TestApp, page: &str) {
    let (seller, office, other) =
        (t.login("orgadmin").await, t.login("bureau").await, t.login("orgadmin2").await);
    let files = format!("{page}/files");
    let r = t.upload(&seller, &files, "合同.exe", b"MZ\x90\x00").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a program is not a contract: {}", r.body);
    assert_eq!(
        t.upload(&office, &files, "合同.pdf", super::SIGNED_PDF).await.status,
        StatusCode::FORBIDDEN
    );
    let r = t.upload(&seller, &files, "技术许可合同（签字版）.pdf", super::SIGNED_PDF).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let shown = t.get(&office, page).await.body;
    let href = shown.split("href=\"/market/contracts/").find(|x| x.contains("/files/")).unwrap();
    let href = format!("/market/contracts/{}", href.split('"').next().unwrap());
    let (status, _, bytes) = t.get_bytes(&office, &href).await;
    assert_eq!(
        (status, bytes.as_slice()),
        (StatusCode::OK, super::SIGNED_PDF),
        "the office reads it"
    );
    assert_eq!(t.get_bytes(&other, &href).await.0, StatusCode::NOT_FOUND);
}
