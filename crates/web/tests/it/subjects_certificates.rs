//! Qualification certificates: recorded by the bureau and zones (form, Excel, API), refused
//! with every problem named, and read by the enterprise's self-evaluation.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;
use innocity_core::orgs::CreditCode;

async fn credit_code_of(t: &TestApp, org: i64) -> String {
    innocity_store::orgs::get(&t.db, org).await.unwrap().unwrap().credit_code
}

async fn certificates_of(
    t: &TestApp,
    org: i64,
) -> Vec<innocity_store::subjects::certificates::CertificateRow> {
    innocity_store::subjects::certificates::of_organisation(&t.db, org).await.unwrap()
}

fn xlsx(rows: &[[&str; 5]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("证书").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

const HEAD: [&str; 5] = ["统一社会信用代码", "资质类别", "证书编号", "发证日期", "有效期至"];

#[tokio::test]
async fn the_bureau_records_certificates_and_every_problem_is_named() {
    let t = Fixture::demo().build().await;
    let s = t.login("bureau").await;
    let org = t.user_org("orgadmin").await;
    let code = credit_code_of(&t, org).await;
    let form = |credit: &str, number: &str, issued: &str, until: &str| {
        vec![
            ("credit_code", credit.to_string()),
            ("kind", "high_tech".into()),
            ("number", number.into()),
            ("issued_on", issued.into()),
            ("valid_until", until.into()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let t = &t;
        let s = s.clone();
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (*a, b.as_str())).collect();
            t.post_form(&s, "/subjects/certificates", &f).await
        }
    };
    // Expiry before issue; an unregistered (well-formed) code: named, nothing stored.
    let r = post(form(&code, "GR202562000123", "2025-11-20", "2025-11-19")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"err-valid_until\">有效期至 2025-11-19 早于发证日期 2025-11-20"),
        "{}",
        r.body
    );
    let stranger = CreditCode::complete("91620100MA7XXXXX1").unwrap();
    let r = post(form(stranger.as_str(), "GR1", "2025-11-20", "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未在平台登记"), "{}", r.body);
    assert!(certificates_of(&t, org).await.is_empty());
    // Right: three years from the issue date, shown on the list.
    let r = post(form(&code, "GR202562000123", "2025-11-20", "")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let saved = certificates_of(&t, org).await;
    assert_eq!((saved.len(), saved[0].valid_until.to_string().as_str()), (1, "2028-11-19"));
    let page = t.get(&s, "/subjects/certificates").await.body;
    assert!(page.contains("GR202562000123") && page.contains("2028-11-19"));
    // A zone records only in its own area.
    let zone2 = t.login("zone2").await;
    let f = form(&code, "GR9", "2025-11-20", "");
    let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let r = t.post_form(&zone2, "/subjects/certificates", &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不在您的管辖范围内"));
    assert_eq!(certificates_of(&t, org).await[0].number, "GR202562000123");
    // The enterprise's self-evaluation reads the certificate: fixed, with its source.
    let own = t.login("orgadmin").await;
    let page = t.get(&own, "/subjects/self-evaluation").await.body;
    assert!(page.contains("平台登记的资质证书"), "the certificate's source is shown");
    assert!(page.contains("id=\"own-certificates\"") && page.contains("GR202562000123"));
    let org_page = t.get(&s, &format!("/orgs/{org}")).await.body;
    assert!(
        org_page.contains("id=\"certificates\"") && org_page.contains("2028-11-19"),
        "shown on the organisation"
    );
}

#[tokio::test]
async fn an_excel_file_is_imported_whole_or_refused_naming_rows_and_columns() {
    let t = Fixture::demo().build().await;
    let s = t.login("bureau").await;
    let (a, b) = (t.user_org("orgadmin").await, t.user_org("orgadmin2").await);
    let (code_a, code_b) = (credit_code_of(&t, a).await, credit_code_of(&t, b).await);
    let bad = xlsx(&[
        HEAD,
        [&code_a, "科技型中小企业", "2025620100A0001", "2025-03-01", "2025-12-31"],
        [&code_b, "独角兽", "X1", "2025-13-01", ""],
    ]);
    let r = t.upload(&s, "/subjects/certificates/import", "证书.xlsx", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("第 3 行") && r.body.contains("资质类别") && r.body.contains("发证日期"),
        "{}",
        r.body
    );
    assert!(certificates_of(&t, a).await.is_empty(), "nothing from a refused file");
    let good = xlsx(&[
        HEAD,
        [&code_a, "科技型中小企业", "2025620100A0001", "2025-03-01", "2025-12-31"],
        [&code_b, "high_tech", "GR2", "2024-12-01", ""],
    ]);
    let r = t.upload(&s, "/subjects/certificates/import", "证书.xlsx", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(certificates_of(&t, a).await[0].kind, "tech_sme");
    assert_eq!(certificates_of(&t, b).await[0].valid_until.to_string(), "2027-11-30");
    let export = t.get(&s, "/subjects/certificates?format=xlsx").await;
    assert_eq!(export.status, StatusCode::OK);
}

#[tokio::test]
async fn the_api_records_and_lists_certificates_in_scope() {
    let t = Fixture::demo().build().await;
    let bureau = bearer(&t, "bureau").await;
    let org = t.user_org("orgadmin").await;
    let code = credit_code_of(&t, org).await;
    let today = t.db.clock.today();
    let issued = (today - chrono::Duration::days(3 * 365 - 30)).to_string();
    let body = serde_json::json!({ "credit_code": code, "kind": "high_tech", "number": "GR3", "issued_on": issued });
    let r = json(&t, "POST", "/api/v1/subjects/certificates", Some(&bureau), body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let listed = json(
        &t,
        "GET",
        "/api/v1/subjects/certificates?expiring=1",
        Some(&bureau),
        serde_json::Value::Null,
    )
    .await
    .json();
    assert_eq!(listed[0]["number"], "GR3", "it expires within 90 days: {listed}");
    let own = t.login("orgadmin").await;
    let page = t.get(&own, "/subjects/self-evaluation").await.body;
    assert!(page.contains("id=\"expiry-reminder\""), "the holder is reminded");
    let mut bad = body.clone();
    bad["kind"] = "unicorn".into();
    bad["issued_on"] = "yesterday".into();
    let r = json(&t, "POST", "/api/v1/subjects/certificates", Some(&bureau), bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("\"kind\"") && r.body.contains("\"issued_on\""), "{}", r.body);
    let enterprise = bearer(&t, "orgadmin").await;
    let r = json(&t, "POST", "/api/v1/subjects/certificates", Some(&enterprise), body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_bureau_adds_a_kind_and_a_zone_may_not() {
    let t = Fixture::demo().build().await;
    let s = t.login("bureau").await;
    let kind = [
        ("code", "unicorn"),
        ("name_zh", "独角兽企业"),
        ("name_en", "Unicorn"),
        ("validity_years", "2"),
    ];
    let r = t
        .post_form(
            &s,
            "/subjects/certificates/kinds",
            &[("code", "高企"), ("name_zh", ""), ("name_en", "x"), ("validity_years", "20")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"err-kind_code\"")
            && r.body.contains("id=\"err-kind_validity_years\""),
        "{}",
        r.body
    );
    let r = t.post_form(&s, "/subjects/certificates/kinds", &kind).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t.post_form(&s, "/subjects/certificates/kinds", &kind).await;
    assert!(r.body.contains("代码“unicorn”已被使用"), "a code once");
    let zone = t.login("zone").await;
    let r = t
        .post_form(
            &zone,
            "/subjects/certificates/kinds",
            &[("code", "gazelle2"), ("name_zh", "瞪羚"), ("name_en", "G"), ("validity_years", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "kinds are the city's");
    let token = bearer(&t, "bureau").await;
    let kinds = json(&t, "GET", "/api/v1/subjects/kinds", Some(&token), serde_json::Value::Null)
        .await
        .json();
    assert!(
        kinds
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["code"] == "unicorn" && k["validity_years"] == 2)
    );
    let org = t.user_org("orgadmin").await;
    let body = serde_json::json!({ "credit_code": credit_code_of(&t, org).await, "kind": "unicorn", "number": "DJS-1", "issued_on": "2026-01-10" });
    let r = json(&t, "POST", "/api/v1/subjects/certificates", Some(&token), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(certificates_of(&t, org).await[0].valid_until.to_string(), "2028-01-09");
}
