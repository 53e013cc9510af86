//! The policy library and 免申即享 through the real router: a rule refused at its position on
//! the form, a run checked by a second officer and published, an enterprise seeing what it is
//! entitled to and why and confirming its account, the API doing the same with the same checks.
use crate::common::*;
use axum::http::StatusCode;

/// Every enterprise without a barring credit record: 1.5 万元 each.
fn policy_fields<'a>(code: &'a str, eligible: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("code", code),
        ("title", "科技型企业普惠奖励"),
        ("issuer", "兰州市科学技术局"),
        ("doc_number", "兰科发〔2025〕30号"),
        ("issued_on", "2025-02-10"),
        ("effective_from", "2025-01-01"),
        ("effective_to", "2026-12-31"),
        ("body", "对无科研失信记录的科技型企业给予普惠性奖励。"),
        ("eligible", eligible),
        ("amount", "1.5"),
        ("firm_cap", "2"),
        ("programme_cap", ""),
    ]
}

async fn policy_id(t: &TestApp, code: &str) -> i64 {
    t.db.read("SELECT id FROM policies WHERE code = ?", vec![code.into()], |r| r.int(0))
        .await
        .unwrap()[0]
}

#[tokio::test]
async fn the_bureau_writes_a_policy_runs_it_and_a_second_officer_checks_and_publishes() {
    let t = Fixture::demo().build().await;
    let bureau = t.login("bureau").await;
    // a rule naming an unknown fact: 422 on the form, the position named, nothing stored
    let bad = t
        .post_form(&bureau, "/finance/policies", &policy_fields("PUHUI", "#{BAD_CREDITS} == 0"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"err-eligible\""), "{}", bad.body);
    assert!(bad.body.contains("第 1 个字符处的数据项 BAD_CREDITS 不存在"), "{}", bad.body);
    assert!(bad.body.contains("兰科发〔2025〕30号"), "the form keeps what was typed");
    let n: i64 = t.db.read("SELECT COUNT(*) FROM policies", vec![], |r| r.int(0)).await.unwrap()[0];
    assert_eq!(n, 0);
    let bad_date = policy_fields("PUHUI", "#{BAD_CREDIT} == 0")
        .into_iter()
        .map(|(k, v)| if k == "issued_on" { (k, "2025-02-30") } else { (k, v) })
        .collect::<Vec<_>>();
    let r = t.post_form(&bureau, "/finance/policies", &bad_date).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"err-issued_on\""));

    let made = t
        .post_form(&bureau, "/finance/policies", &policy_fields("PUHUI", "#{BAD_CREDIT} == 0"))
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let id = policy_id(&t, "PUHUI").await;
    let page = t.get(&bureau, &format!("/finance/policies/{id}")).await;
    assert!(page.body.contains("科技型企业普惠奖励") && page.body.contains("id=\"run-form\""));
    // the library is read by every signed-in user; only the bureau sees the forms
    let member = t.login("member").await;
    let read = t.get(&member, &format!("/finance/policies/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(!read.body.contains("id=\"run-form\""));

    let run =
        t.post_form(&bureau, &format!("/finance/policies/{id}/run"), &[("year", "2025")]).await;
    assert_eq!(run.status, StatusCode::SEE_OTHER);
    let run_path = run.location().to_string();
    let page = t.get(&bureau, &run_path).await;
    assert!(page.body.contains("id=\"maker-note\""), "the maker is told another officer checks");
    assert!(page.body.contains("按公式计算 1.50 万元"), "each line says why");
    // the maker may not check; another officer does
    let own = t
        .post_form(&bureau, &format!("{run_path}/check"), &[("decision", "approve"), ("note", "")])
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    assert!(own.body.contains("测算人不能复核自己的名单"));
    let admin = t.login("admin").await;
    let ok = t
        .post_form(
            &admin,
            &format!("{run_path}/check"),
            &[("decision", "approve"), ("note", "已核对")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let published = t.post_form(&admin, &format!("{run_path}/publish"), &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let page = t.get(&admin, &run_path).await;
    assert!(page.body.contains("公示中") && page.body.contains("id=\"pay-form\""));
    // paying during the objection period is refused with its end date
    let early = t.post_form(&admin, &format!("{run_path}/pay"), &[]).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body.contains("公示期至"));
    // the same data and rule version give the same list
    let verified = t.get(&admin, &format!("{run_path}?verify=1")).await;
    assert!(verified.body.contains("复算结果与名单一致"), "{}", verified.body);
    // the list as a workbook
    let (status, headers, bytes) = t.get_bytes(&admin, &format!("{run_path}/list.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheet"));
    assert_eq!(&bytes[..2], b"PK");

    an_enterprise_sees_why_and_confirms_its_account(&t, id).await;
    the_figures_show_the_list_by_policy_and_zone(&t).await;
}

async fn the_figures_show_the_list_by_policy_and_zone(t: &TestApp) {
    let bureau = t.login("bureau").await;
    let page = t.get(&bureau, "/finance/figures?year=2025").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("科技型企业普惠奖励") && page.body.contains("兰州高新区"),
        "{}",
        page.body
    );
    let api = t.get(&bureau, "/api/v1/policy-figures?year=2025").await.json();
    let listed: i64 =
        api["zones"].as_array().unwrap().iter().map(|z| z["listed_fen"].as_i64().unwrap()).sum();
    assert_eq!(listed, api["policies"][0]["listed_fen"].as_i64().unwrap());
    assert_eq!(listed % 1_500_000, 0, "1.5 万元 each");
    let (status, _, bytes) = t.get_bytes(&bureau, "/finance/figures.xlsx?year=2025").await;
    assert_eq!((status, &bytes[..2]), (StatusCode::OK, &b"PK"[..]));
}

async fn an_enterprise_sees_why_and_confirms_its_account(t: &TestApp, policy: i64) {
    let run: i64 = t
        .db
        .read("SELECT id FROM policy_runs WHERE policy_id = ?", vec![policy.into()], |r| r.int(0))
        .await
        .unwrap()[0];
    let org = t.user_org("orgadmin").await;
    let firm = t.login("orgadmin").await;
    let mine = t.get(&firm, "/finance/mine").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.body.contains("id=\"match-PUHUI\"") && mine.body.contains("预计可享"),
        "{}",
        mine.body
    );
    assert!(mine.body.contains(&format!("id=\"account-{run}\"")));
    // a member sees it but does not act for the enterprise
    let member = t.login("member").await;
    let seen = t.get(&member, "/finance/mine").await;
    assert!(
        seen.body.contains("id=\"match-PUHUI\"")
            && !seen.body.contains(&format!("id=\"account-{run}\""))
    );
    let refused = t
        .post_form(
            &member,
            &format!("/finance/runs/{run}/account"),
            &[("holder", "x"), ("bank", "y"), ("number", "62170000123456")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // a wrong number is refused by name, a right one kept with only its last four digits shown
    let wrong = t
        .post_form(
            &firm,
            &format!("/finance/runs/{run}/account"),
            &[("holder", "某公司"), ("bank", "兰州银行"), ("number", "6217-0000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("8–32 位数字"));
    let right = t
        .post_form(
            &firm,
            &format!("/finance/runs/{run}/account"),
            &[("holder", "某公司"), ("bank", "兰州银行"), ("number", "6217000012349876")],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    let api = t.get(&firm, "/api/v1/my-entitlements").await;
    let line = api.json()["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["run_id"] == run)
        .cloned()
        .unwrap();
    assert_eq!(line["account"], "兰州银行 ****9876");
    assert_eq!(line["amount_fen"], 1_500_000);
    // the bureau's run in the API: the same line, and the enterprise may not read the run
    let bureau = t.login("bureau").await;
    let r = t.get(&bureau, &format!("/api/v1/policy-runs/{run}")).await;
    let lines = r.json()["lines"].as_array().unwrap().clone();
    assert!(
        lines.iter().any(|l| l["organisation_id"] == org && l["account"] == "兰州银行 ****9876")
    );
    assert_eq!(
        t.get(&firm, &format!("/api/v1/policy-runs/{run}")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_api_does_what_the_pages_do_with_the_same_checks() {
    let t = Fixture::demo().build().await;
    let bureau = t.login("bureau").await;
    let firm = t.login("orgadmin").await;
    let body = serde_json::json!({
        "code": "HNTE-FIRST", "title": "高新技术企业首次认定奖励", "issuer": "兰州市科学技术局",
        "doc_number": "兰科发〔2025〕8号", "issued_on": "2025-01-15", "effective_from": "2025-01-01",
        "effective_to": "2027-12-31", "eligible": "#{HNTE_NEW} == 1 && #{HNTE}.periodOffset(-1) == 0",
        "amount": "20", "firm_cap_fen": null, "programme_cap_fen": 200000000
    });
    assert_eq!(t.post_json(&firm, "/api/v1/policies", &body).await.status, StatusCode::FORBIDDEN);
    let mut bad = body.clone();
    bad["amount"] = "#{HNTE}.periodOffset(-3) * 20".into();
    let r = t.post_json(&bureau, "/api/v1/policies", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let why = r.json()["error"]["fields"]["amount"].as_str().unwrap_or_default().to_string();
    assert!(why.contains("第 1 个字符") && why.contains("-3"), "{}", r.body);
    let made = t.post_json(&bureau, "/api/v1/policies", &body).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = made.json()["id"].as_i64().unwrap();
    let again = t.post_json(&bureau, "/api/v1/policies", &body).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // everybody signed in reads the library
    let list = t.get(&firm, "/api/v1/policies").await;
    assert_eq!(list.json().as_array().unwrap().len(), 1);
    // a run for this year is refused: the year is not over
    let year = chrono::Datelike::year(&t.db.clock.today());
    let r = t
        .post_json(
            &bureau,
            &format!("/api/v1/policies/{id}/runs"),
            &serde_json::json!({ "year": year }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = t
        .post_json(
            &bureau,
            &format!("/api/v1/policies/{id}/runs"),
            &serde_json::json!({ "year": 2025 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let run = r.json()["id"].as_i64().unwrap();
    let check = serde_json::json!({ "decision": "return", "note": "" });
    let admin = t.login("admin").await;
    let r = t.post_json(&admin, &format!("/api/v1/policy-runs/{run}/check"), &check).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a return needs its reason");
    let r = t
        .post_json(
            &admin,
            &format!("/api/v1/policy-runs/{run}/check"),
            &serde_json::json!({ "decision": "approve", "note": "" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = t
        .post_json(&admin, &format!("/api/v1/policy-runs/{run}/publish"), &serde_json::json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["objections_until"].as_str().unwrap().starts_with(&year.to_string()[..3]));
    payments_by_application_are_recorded_once(&t, id).await;
}

/// A payment made the old way: refused for an unknown credit code, recorded once for a real one.
async fn payments_by_application_are_recorded_once(t: &TestApp, id: i64) {
    let bureau = t.login("bureau").await;
    // an old-way payment: refused for an unknown credit code, recorded for a real one, once
    let code: String =
        t.db.read(
            "SELECT credit_code FROM organisations WHERE kind = 'enterprise' ORDER BY id LIMIT 1",
            vec![],
            |r| r.text(0),
        )
        .await
        .unwrap()[0]
            .clone();
    let pay = |c: &str| serde_json::json!({ "credit_code": c, "year": 2025, "amount_fen": 2_000_000, "reference": "兰科财〔2025〕5号" });
    let r = t
        .post_json(
            &bureau,
            &format!("/api/v1/policies/{id}/application-payments"),
            &pay("91620100XXXXXXXXXX"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post_json(&bureau, &format!("/api/v1/policies/{id}/application-payments"), &pay(&code))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = t
        .post_json(&bureau, &format!("/api/v1/policies/{id}/application-payments"), &pay(&code))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("不能重复兑现"), "{}", r.body);
}
