//! The risk-compensation fund through the real router: a bank records a loan and claims on its
//! default, one officer approves and another pays, the bank's recovery flows back; a bank sees
//! only its own loans, an enterprise none; bad input named by field, refusals in Chinese.
use crate::common::*;
use axum::http::StatusCode;
use chrono::Duration;
use innocity_core::access::Role;
use innocity_core::finance::fund::Terms;
use innocity_core::projects::money::Money;
use innocity_store::finance::fund::agreements;
use innocity_store::finance::fund::ledger::{self, FundKind, NewFund};
use innocity_store::orgs::Actor;
use innocity_store::users::{self, NewUser};
use serde_json::json;

const SYSTEM: Actor<'static> = Actor { user_id: 0, username: "system", request_id: "r" };

/// A financial institution with an org-admin account `username`.
pub async fn bank(t: &TestApp, code: &str, name: &str, username: &'static str) -> i64 {
    let tx = t.db.begin_write().await.unwrap();
    let id = tx
        .insert(
            "INSERT INTO organisations (credit_code, name, kind, org_unit_id, unit_path, created_at, updated_at) SELECT ?, ?, 'financial', id, path, 0, 0 FROM org_units ORDER BY id LIMIT 1",
            vec![code.into(), name.into()],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let user = NewUser {
        username,
        display_name: "银行 客户经理",
        password: innocity_demo::DEMO_PASSWORD,
        role: Role::OrgAdmin,
        org_unit_id: None,
        organisation_id: Some(id),
    };
    users::add(&t.db, &user, "system", "test").await.unwrap();
    id
}

/// A fund of 100 万元 with two banks (50 %), and a white-listed borrower's credit code.
async fn fund(t: &TestApp) -> (i64, String) {
    let db = &t.db;
    let f = NewFund {
        code: "KJD".into(),
        name: "科技贷资金池".into(),
        kind: FundKind::Credit,
        unit_path: "/".into(),
    };
    let id = ledger::create(db, &f, SYSTEM).await.unwrap();
    ledger::deposit(db, id, Money::from_wan(100), "市财政注资", "", SYSTEM).await.unwrap();
    let today = db.clock.today();
    let terms = Terms {
        loss_share_pct: 50,
        loan_cap: Money::from_wan(500),
        bank_quota: Money::from_wan(2_000),
        compensation_cap: Money::from_wan(300),
        max_term_months: 36,
        max_rate_bp: 600,
        valid_from: today - Duration::days(365),
        valid_to: today + Duration::days(365),
    };
    for (code, name, user) in [
        ("91620100MA7BANK01X", "兰州银行股份有限公司", "bank"),
        ("91620100MA7BANK02X", "甘肃银行股份有限公司", "bank2"),
    ] {
        let b = bank(t, code, name, user).await;
        agreements::sign(db, id, b, &terms, SYSTEM).await.unwrap();
    }
    let org = t.user_org("orgadmin").await;
    let credit_code = db
        .read("SELECT credit_code FROM organisations WHERE id = ?", vec![org.into()], |r| r.text(0))
        .await
        .unwrap()[0]
        .clone();
    let tx = db.begin_write().await.unwrap();
    tx.exec("INSERT INTO organisation_qualifications (organisation_id, code, valid_until, issued_on) VALUES (?, 'high_tech', '2099-12-31', '2020-01-01') ON CONFLICT DO NOTHING", vec![org.into()]).await.unwrap();
    tx.commit().await.unwrap();
    agreements::rebuild_white_list(db, id, SYSTEM).await.unwrap();
    (id, credit_code)
}

#[tokio::test]
async fn a_bank_claims_on_a_default_two_officers_pay_and_the_recovery_flows_back() {
    let t = app().await;
    let (fund_id, borrower) = fund(&t).await;
    let (bank, bank2) = (t.login("bank").await, t.login("bank2").await);
    let start = (t.db.clock.today() - Duration::days(200)).to_string();
    let loan = |principal: &str, no: &str| {
        json!({ "fund_id": fund_id, "borrower_credit_code": borrower, "contract_no": no, "principal_yuan": principal,
                "rate_pct": "4.35", "term_months": 12, "start_date": start, "repayment": "bullet", "guarantee": "信用", "request_key": no })
    };
    // bad input: named by field, nothing stored; beyond the cap: refused in Chinese
    let r = t.post_json(&bank, "/api/v1/fund-loans", &loan("一百万", "兰银科贷001")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("principal_yuan"), "{}", r.body);
    let r = t.post_json(&bank, "/api/v1/fund-loans", &loan("5000000.01", "兰银科贷001")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("单笔上限（500.00 万元）"), "{}", r.body);
    let r = t.post_json(&bank, "/api/v1/fund-loans", &loan("2000000.00", "兰银科贷001")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let loan_id = r.json()["id"].as_i64().unwrap();
    // the same request again is the same loan
    let again = t.post_json(&bank, "/api/v1/fund-loans", &loan("2000000.00", "兰银科贷001")).await;
    assert_eq!(again.json()["id"].as_i64(), Some(loan_id));
    // another bank does not see it; an enterprise has no bank pages
    assert_eq!(
        t.get(&bank2, &format!("/api/v1/fund-loans/{loan_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.get(&bank2, "/api/v1/fund-loans").await.json()["total"], 0);
    let ent = t.login("orgadmin").await;
    assert_eq!(t.get(&ent, "/api/v1/fund-loans").await.status, StatusCode::FORBIDDEN);
    let detail = t.get(&bank, &format!("/api/v1/fund-loans/{loan_id}")).await.json();
    assert_eq!(detail["schedule"].as_array().unwrap().len(), 12);
    pledges_are_checked(&t, &bank, loan_id, &start).await;
    let defaulted = (t.db.clock.today() - Duration::days(95)).to_string();
    let claim = json!({ "loss_yuan": "1500000", "defaulted_on": defaulted, "steps": "多次催收；向法院起诉；执行终结", "request_key": "c1" });
    let r = t.post_json(&bank2, &format!("/api/v1/fund-loans/{loan_id}/claims"), &claim).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t.post_json(&bank, &format!("/api/v1/fund-loans/{loan_id}/claims"), &claim).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c = r.json();
    assert_eq!(c["compensation_fen"], 75_000_000);
    let claim_id = c["id"].as_i64().unwrap();

    // 75 万 of 100 万: approved by one officer, not paid by the same one, paid by another
    let bureau = t.login("bureau").await;
    let admin = t.login("admin").await;
    let approve = format!("/api/v1/fund-claims/{claim_id}/approve");
    assert_eq!(t.post_json(&bank, &approve, &json!({})).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.post_json(&bureau, &approve, &json!({})).await.json()["status"], "approved");
    let pay = format!("/api/v1/fund-claims/{claim_id}/pay");
    let same = t.post_json(&bureau, &pay, &json!({})).await;
    assert_eq!(same.status, StatusCode::CONFLICT);
    assert_eq!(t.post_json(&admin, &pay, &json!({})).await.json()["status"], "paid");
    let rec = json!({ "recovered_yuan": "400000", "note": "执行回款", "request_key": "r1" });
    let r = t.post_json(&bank, &format!("/api/v1/fund-claims/{claim_id}/recoveries"), &rec).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["returned_fen"], 20_000_000);

    let report = t.get(&bureau, &format!("/api/v1/loan-funds/{fund_id}")).await.json();
    let b = &report["fund"]["balances"];
    assert_eq!(
        (b["paid_fen"].as_i64(), b["recovered_fen"].as_i64(), b["available_fen"].as_i64()),
        (Some(75_000_000), Some(20_000_000), Some(45_000_000))
    );
    assert_eq!(b["balanced"], true);
    assert_eq!(report["replay_agrees"], true);
    assert_eq!(report["leverage"], 2.0);

    figures_read_back(&t, &bureau, &bank, &start[..4]).await;
    pages_show_the_fund_to_its_office_and_the_loan_to_its_bank(&t, fund_id, loan_id).await;
}

/// A patent number whose check digit is wrong is named by field; one the borrower does not own
/// is refused.
async fn pledges_are_checked(t: &TestApp, bank: &Session, loan_id: i64, start: &str) {
    let pledge = |no: &str| json!({ "patent_no": no, "registration_no": "Y2025620000123", "registered_on": start });
    let r = t
        .post_json(
            bank,
            &format!("/api/v1/fund-loans/{loan_id}/pledges"),
            &pledge("ZL202010123456.5"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("patent_no"), "{}", r.body);
    let r = t
        .post_json(
            bank,
            &format!("/api/v1/fund-loans/{loan_id}/pledges"),
            &pledge("ZL 2020 1 0123456.2"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("不在借款企业的成果记录中"), "{}", r.body);
    // a date past the calendar's end and a page past any list: answered, not a crash
    let far = json!({ "loss_yuan": "1", "defaulted_on": "+262142-12-31", "steps": "催收", "request_key": "" });
    let r = t.post_json(bank, &format!("/api/v1/fund-loans/{loan_id}/claims"), &far).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("defaulted_on"));
    assert_eq!(
        t.get(bank, "/finance/loans?page=18446744073709551615").await.status,
        StatusCode::OK
    );
}

/// The year's figures: by bank and zone, in the API, as a workbook and as a PDF report.
async fn figures_read_back(t: &TestApp, bureau: &Session, bank: &Session, year: &str) {
    let fig = t.get(bureau, &format!("/api/v1/fund-figures?year={year}")).await.json();
    assert_eq!(
        (fig["total"]["loans"].as_i64(), fig["total"]["lent_fen"].as_i64()),
        (Some(1), Some(200_000_000))
    );
    assert_eq!(fig["banks"][0]["name"], "兰州银行股份有限公司");
    let (status, _, bytes) =
        t.get_bytes(bureau, &format!("/finance/fund-figures.xlsx?year={year}")).await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(
        sheet.get_value((1, 0)),
        Some(&calamine::Data::String("兰州银行股份有限公司".into()))
    );
    assert_eq!(sheet.get_value((1, 2)), Some(&calamine::Data::Float(200.0)));
    let (status, headers, pdf) =
        t.get_bytes(bureau, &format!("/finance/fund-figures.pdf?year={year}")).await;
    assert_eq!(
        (status, headers.get("content-type").unwrap().to_str().unwrap()),
        (StatusCode::OK, "application/pdf")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fund.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test.sh");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("科技金融风险补偿资金池统计")
            && text.contains("兰州银行股份有限公司")
            && text.contains("200.00"),
        "{text}"
    );
    assert_eq!(t.get(bank, "/api/v1/fund-figures").await.status, StatusCode::FORBIDDEN);
}

/// The pages: the finance office's fund, the bank's loans and loan (not another bank's), a
/// deposit by form and one refused by field.
async fn pages_show_the_fund_to_its_office_and_the_loan_to_its_bank(
    t: &TestApp,
    fund_id: i64,
    loan_id: i64,
) {
    let (bureau, bank, bank2) =
        (t.login("bureau").await, t.login("bank").await, t.login("bank2").await);
    let page = t.get(&bureau, &format!("/finance/funds/{fund_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"balanced\"") && page.body.contains("账目平衡"),
        "{}",
        page.body
    );
    assert!(page.body.contains("兰州银行股份有限公司"));
    let mine = t.get(&bank, "/finance/loans").await;
    assert!(mine.body.contains("兰银科贷001"), "{}", mine.body);
    assert!(!t.get(&bank2, "/finance/loans").await.body.contains("兰银科贷001"));
    assert_eq!(
        t.get(&bank2, &format!("/finance/loans/{loan_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let form = t
        .post_form(
            &bureau,
            &format!("/finance/funds/{fund_id}/deposits"),
            &[("amount_yuan", "1,000,000.00"), ("note", "高新区注资")],
        )
        .await;
    assert_eq!(form.status, StatusCode::SEE_OTHER, "{}", form.body);
    let bad = t
        .post_form(
            &bureau,
            &format!("/finance/funds/{fund_id}/deposits"),
            &[("amount_yuan", "-5"), ("note", "x")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_borrower_claims_an_interest_subsidy_read_from_the_banks_repayments() {
    let t = app().await;
    let (fund_id, borrower) = fund(&t).await;
    let (bank, bureau, admin, ent) = (
        t.login("bank").await,
        t.login("bureau").await,
        t.login("admin").await,
        t.login("orgadmin").await,
    );
    let start = t.db.clock.today() - Duration::days(40);
    let body = json!({ "fund_id": fund_id, "borrower_credit_code": borrower, "contract_no": "兰银科贷009", "principal_yuan": "1200000",
        "rate_pct": "4.35", "term_months": 12, "start_date": start.to_string(), "repayment": "equal_principal", "guarantee": "保证", "request_key": "" });
    let loan_id =
        t.post_json(&bank, "/api/v1/fund-loans", &body).await.json()["id"].as_i64().unwrap();
    let r = t
        .post_json(
            &bank,
            &format!("/api/v1/fund-loans/{loan_id}/repayments"),
            &json!({ "seq": 1, "repaid_on": start.to_string() }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let year = chrono::Datelike::year(&start);
    let claim = json!({ "loan_id": loan_id, "kind": "interest", "year": year, "evidence": "借款合同；付息回单", "request_key": "s1" });
    // no rule yet: refused; the rule set by the bureau, not by the enterprise
    assert_eq!(
        t.post_json(&ent, "/api/v1/loan-subsidies", &claim).await.status,
        StatusCode::CONFLICT
    );
    let rule = json!({ "interest_pct": 50, "interest_cap_yuan": "20000", "guarantee_pct": 0, "guarantee_cap_yuan": "" });
    let put = |s: &Session| {
        let req = axum::http::Request::put(format!("/api/v1/loan-funds/{fund_id}/subsidy-rule"))
            .header(axum::http::header::COOKIE, s.cookie_header())
            .header("x-csrf-token", &s.csrf)
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(rule.to_string()))
            .unwrap();
        t.send(req)
    };
    assert_eq!(put(&ent).await.status, StatusCode::FORBIDDEN);
    assert_eq!(put(&bureau).await.status, StatusCode::OK);
    let r = t.post_json(&ent, "/api/v1/loan-subsidies", &claim).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = r.json();
    // 1,200,000 × 4.35 % / 12 = 4,350.00 元 of interest; half of it
    assert_eq!((s["base_fen"].as_i64(), s["amount_fen"].as_i64()), (Some(435_000), Some(217_500)));
    let id = s["id"].as_i64().unwrap();
    let twice = json!({ "loan_id": loan_id, "kind": "interest", "year": year, "evidence": "再次", "request_key": "s2" });
    let r = t.post_json(&ent, "/api/v1/loan-subsidies", &twice).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("不能重复申请"), "{}", r.body);
    assert_eq!(
        t.post_json(&bureau, &format!("/api/v1/loan-subsidies/{id}/approve"), &json!({}))
            .await
            .json()["status"],
        "approved"
    );
    assert_eq!(
        t.post_json(&bureau, &format!("/api/v1/loan-subsidies/{id}/pay"), &json!({})).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        t.post_json(&admin, &format!("/api/v1/loan-subsidies/{id}/pay"), &json!({})).await.json()["status"],
        "paid"
    );
    let mine = t.get(&ent, "/api/v1/my-loans").await.json();
    assert_eq!(mine["loans"].as_array().unwrap().len(), 1);
    assert_eq!(mine["subsidies"][0]["status"], "paid");
    let page = t.get(&ent, "/finance/my-loans").await;
    assert!(page.body.contains("兰银科贷009") && page.body.contains("贷款贴息"), "{}", page.body);
    let fund_page = t.get(&bureau, &format!("/finance/funds/{fund_id}")).await;
    assert!(fund_page.body.contains("id=\"subsidy-") && fund_page.body.contains("账目平衡"));
}
