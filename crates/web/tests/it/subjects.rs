//! An enterprise's self-evaluation on the page and through the API; the bureau's pre-check.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;
use serde_json::json as j;

/// The evaluations saved for the organisation.
async fn saved(t: &TestApp, org: i64) -> usize {
    innocity_store::subjects::evaluations_of(&t.db, org, 100).await.unwrap().len()
}

/// Sends the self-evaluation form of 科技型中小企业.
async fn send(t: &TestApp, s: &Session, form: &[(String, String)]) -> Resp {
    let fields: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    t.post_form(s, "/subjects/self-evaluation/sme", &fields).await
}

/// The value the page shows in the input named `name`.
fn input_value(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\" id=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("{name}"));
    let rest = &page[at..];
    let start = rest.find("value=\"").unwrap() + 7;
    rest[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn an_enterprise_self_evaluates_from_its_returns_and_bad_figures_are_named() {
    let t = Fixture::demo().stats().build().await;
    let s = t.login("orgadmin").await;
    let org = t.user_org("orgadmin").await;
    let page = t.get(&s, "/subjects/self-evaluation").await;
    assert_eq!(page.status, StatusCode::OK);
    // The 2025 107-2 return's revenue, in 万元 with its source.
    let revenue =
        innocity_store::stats::find_return(&t.db, "107-2", "2025", org).await.unwrap().unwrap();
    let cells = innocity_store::stats::cells(&t.db, revenue.id).await.unwrap();
    let thousands = cells.iter().find(|c| c.element == "REVENUE" && c.disagg.is_empty()).unwrap();
    let wan = innocity_core::subjects::Amount::wan_of_thousand_yuan(
        thousands.value.to_input().parse().unwrap(),
    )
    .unwrap();
    assert_eq!(input_value(&page.body, "sales"), wan.to_decimal());
    assert!(page.body.contains("2025 年 107-2 报表"), "the source is shown");
    assert!(page.body.contains("待企业填写"));

    // Sent as shown: the figures only the enterprise knows are missing, named, nothing saved.
    let mut form: Vec<(String, String)> =
        ["employees", "tech_staff", "sales", "total_assets", "rd_expense", "ip_class1"]
            .iter()
            .map(|n| (n.to_string(), input_value(&page.body, n)))
            .collect();
    let r = send(&t, &s, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"err-cost_expense\">请填写此项"), "{}", r.body);
    assert!(r.body.contains("id=\"err-resident_mainland\""));
    assert_eq!(saved(&t, org).await, 0);
    // A figure that is not a number, and a negative one: named beside their fields, kept.
    form.extend(
        [
            ("resident_mainland", "yes"),
            ("cost_expense", "一千"),
            ("ip_class2", "-2"),
            ("prohibited_industry", "no"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string())),
    );
    let r = send(&t, &s, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"err-cost_expense\">请填写数字"), "{}", r.body);
    assert!(r.body.contains("id=\"err-ip_class2\">不能为负数"));
    assert_eq!(saved(&t, org).await, 0);
    corrected_figures_are_evaluated_and_saved(&t, &s, org, form).await;
}

/// The figures corrected: evaluated rule by rule, saved, audited; staff beyond the employees
/// refused.
async fn corrected_figures_are_evaluated_and_saved(
    t: &TestApp,
    s: &Session,
    org: i64,
    mut form: Vec<(String, String)>,
) {
    for (k, v) in form.iter_mut() {
        match k.as_str() {
            "cost_expense" => *v = "1,000".into(),
            "ip_class2" => *v = "2".into(),
            "employees" => *v = "80".into(),
            "tech_staff" => *v = "7".into(),
            "sales" => *v = "1200".into(),
            "rd_expense" => *v = "36".into(),
            "ip_class1" => *v = "0".into(),
            "total_assets" => *v = "900".into(),
            _ => {}
        }
    }
    let r = send(t, s, &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The contract's second example: 32 points, tech staff 0, R&D 3% of sales.
    assert!(r.body.contains("id=\"sme-result-verdict\">暂不符合"), "{}", r.body);
    assert!(r.body.contains("得分：32"));
    assert!(r.body.contains("需再增加 2 名科技人员"), "what it would take");
    assert!(r.body.contains("需再投入 12 万元"));
    assert_eq!(saved(t, org).await, 1);
    let e = &innocity_store::subjects::evaluations_of(&t.db, org, 1).await.unwrap()[0];
    assert_eq!(
        (e.verdict.as_str(), e.score_min.as_str(), e.evaluated_by.as_str()),
        ("not_eligible", "32", "orgadmin")
    );
    let inputs: serde_json::Value = serde_json::from_str(&e.inputs).unwrap();
    assert_eq!((inputs["sales"].as_f64(), inputs["employees"].as_u64()), (Some(1200.0), Some(80)));
    // Staff beyond the employees is refused on the tech staff field.
    for (k, v) in form.iter_mut() {
        if k == "tech_staff" {
            *v = "81".into();
        }
    }
    let r = send(t, s, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"err-tech_staff\">科技人员 81 人多于职工总数 80 人"));
    assert_eq!(saved(t, org).await, 1);
}

#[tokio::test]
async fn the_api_evaluates_the_contracts_figures_and_names_a_bad_field() {
    let t = Fixture::demo().stats().build().await;
    let token = bearer(&t, "orgadmin").await;
    let org = t.user_org("orgadmin").await;
    let r = json(&t, "GET", "/api/v1/subjects/self-evaluation", Some(&token), j!(null)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    let sales = d["hnte"].as_array().unwrap().iter().find(|f| f["field"] == "sales_2").unwrap();
    assert_eq!(
        (sales["source"].as_str(), sales["source_detail"].as_str()),
        (Some("return"), Some("107-2 2025"))
    );
    let hnte = j!({"registered_on": "2023-05-01", "apply_on": "2026-06-30", "core_ip": true,
        "key_field": true, "employees": 200, "tech_staff": 25,
        "sales": [3000, 4000, 4500], "net_assets": [2000, 2500, 3100],
        "rd": [200, 230, 260], "rd_domestic": [190, 220, 250],
        "hitech_revenue": 3000, "total_revenue": 4600, "serious_violation": false,
        "ip_points": 24, "conversion_points": 22, "organisation_points": 16});
    let r =
        json(&t, "POST", "/api/v1/subjects/self-evaluation/hnte", Some(&token), hnte.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let out = r.json();
    assert_eq!(out["result"]["verdict"], "pass");
    assert_eq!(out["result"]["score"], j!([72, 74]));
    assert_eq!(saved(&t, org).await, 1);
    let mut bad = hnte.clone();
    bad["rd"] = j!([200, -1, 260]);
    let r = json(&t, "POST", "/api/v1/subjects/self-evaluation/hnte", Some(&token), bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("rd[1]") && r.body.contains("金额为负"), "{}", r.body);
    assert_eq!(saved(&t, org).await, 1, "nothing saved");
    let r = json(&t, "POST", "/api/v1/subjects/self-evaluation/other", Some(&token), hnte).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The bureau's pre-check of every enterprise; an enterprise may not see it.
    let bureau = bearer(&t, "bureau").await;
    let r = json(&t, "GET", "/api/v1/subjects/precheck", Some(&bureau), j!(null)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let all = r.json();
    assert!(all["total"].as_u64().unwrap() > 10);
    assert_eq!(
        all["total"],
        all["pass"].as_u64().unwrap()
            + all["fail"].as_u64().unwrap()
            + all["undecided"].as_u64().unwrap()
    );
    let zone = bearer(&t, "zone").await;
    let mine = json(&t, "GET", "/api/v1/subjects/precheck", Some(&zone), j!(null)).await.json();
    assert!(mine["total"].as_u64() < all["total"].as_u64(), "a zone sees its own enterprises");
    let r = json(&t, "GET", "/api/v1/subjects/precheck?unit=BYGX", Some(&zone), j!(null)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "another zone");
    let r = json(&t, "GET", "/api/v1/subjects/precheck", Some(&token), j!(null)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
