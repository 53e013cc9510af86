//! Monitoring by quarter and half year through the real router: the bureau's refresh computes
//! the quarterly framework from the quick reports (KB-Q) and the registers; the page shows each
//! indicator's year-to-date value, the quarter alone, the plan by then, the status and the
//! source; a half reads its last quarter; the half-yearly report opens as a PDF; the API gives
//! the same; a period not begun or no period is refused; a zone sees its own, an enterprise none.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;
use innocity_core::stats::status::Status;
use innocity_demo as demo;

const Q: &str = "/indicators/LANBAI-Q2026";

#[tokio::test]
async fn quarters_and_halves_are_followed_against_the_years_plan_with_their_sources() {
    // The demo's yearly values and its register of contracts (2014–2025), then its returns.
    let t = Fixture::demo().indicators().build().await;
    demo::seed_stats(&t.db, None).await.unwrap();
    demo::approve_demo_periods(&t.db).await.unwrap();
    let b = t.login("bureau").await;
    assert_eq!(t.post_form(&b, &format!("{Q}/refresh"), &[]).await.status, StatusCode::SEE_OTHER);
    // The root's R&D spending at 2025Q4 is the quick reports' year-to-date sum, in 亿元.
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    let root = units.iter().find(|u| u.parent_id.is_none()).unwrap();
    let statuses = [Status::Submitted, Status::Approved, Status::Locked];
    let sum = |period: &'static str| {
        let db = t.db.clone();
        let root = root.id;
        async move {
            let totals =
                innocity_store::stats::totals(&db, "KB-Q", period, &statuses).await.unwrap();
            totals.rollup.get(root, &totals.find("Q_RD_EXP", "").unwrap()).unwrap().sum / 100_000.0
        }
    };
    let (q3, q4) = (sum("2025Q3").await, sum("2025Q4").await);
    let api = bearer(&t, "bureau").await;
    let get =
        |period: &str| format!("/api/v1/indicators/LANBAI-Q2026/periods/{period}?unit={}", root.id);
    let r = json(&t, "GET", &get("2025Q4"), Some(&api), serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let lines = r.json()["lines"].as_array().unwrap().clone();
    let line = |code: &str| lines.iter().find(|l| l["code"] == code).unwrap().clone();
    let rd = line("Q_RD_SPENDING");
    assert!((rd["value"].as_f64().unwrap() - q4).abs() < 1e-6, "{rd}");
    assert!((rd["in_period"].as_f64().unwrap() - (q4 - q3)).abs() < 1e-6, "Q4 alone: {rd}");
    assert_eq!((rd["accrual"].as_str(), rd["source"].as_str()), (Some("flow"), Some("stats")));
    // The 2025 plan by Q4 is the whole of 2025's (the baseline year): 134 亿元.
    assert!((rd["planned"].as_f64().unwrap() - 134.0).abs() < 1e-9, "{rd}");
    let intensity = line("Q_RD_INTENSITY");
    assert_eq!(
        (intensity["accrual"].as_str(), intensity["in_period"].is_null()),
        (Some("stock"), true)
    );
    let contracts = line("Q_TECH_CONTRACTS");
    assert_eq!(contracts["source"], "register", "{contracts}");
    assert!(contracts["value"].as_f64().unwrap() > 0.0);
    // A half reads its last quarter.
    let h2 = json(&t, "GET", &get("2025S2"), Some(&api), serde_json::Value::Null).await.json();
    let h2_rd = h2["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == "Q_RD_SPENDING")
        .unwrap()
        .clone();
    assert_eq!(h2_rd["value"], rd["value"]);
    for bad in ["2025Q5", "2099Q1", "2025", "本季度"] {
        let r = json(&t, "GET", &get(bad), Some(&api), serde_json::Value::Null).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", r.body);
        assert!(r.json()["error"]["fields"]["period"].is_string(), "{}", r.body);
    }
    the_page_and_the_report(&t, &b).await;
    who_sees_what(&t).await;
}

async fn the_page_and_the_report(t: &TestApp, b: &Session) {
    let page = t.get(b, &format!("{Q}/periods?period=2025S2")).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "2025年下半年",
        "id=\"line-Q_RD_SPENDING\"",
        "统计报表汇总",
        "平台记录自动计算",
        "本年累计",
    ] {
        assert!(page.body.contains(want), "{want}: {}", page.body);
    }
    let r = t.get(b, &format!("{Q}/periods?period=2025H9")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, headers, bytes) =
        t.get_bytes(b, &format!("{Q}/periods/report.pdf?period=2025S2")).await;
    assert_eq!(
        (status, headers.get("content-type").unwrap().to_str().unwrap()),
        (StatusCode::OK, "application/pdf")
    );
    let text = pdf_text(&bytes);
    for want in ["2025年下半年科技创新监测评估报告", "总体情况", "企业研究开发费用", "统计报表汇总"]
    {
        assert!(text.contains(want), "{want}: {text}");
    }
    let dash = t.get(b, Q).await;
    assert!(dash.body.contains("id=\"periods-link\""), "the dashboard links to it");
}

async fn who_sees_what(t: &TestApp) {
    let zone = t.login("zone").await;
    let gx = t.unit_id("LZGX").await;
    let by = t.unit_id("BYGX").await;
    assert_eq!(t.get(&zone, &format!("{Q}/periods?unit={gx}")).await.status, StatusCode::OK);
    assert_eq!(t.get(&zone, &format!("{Q}/periods?unit={by}")).await.status, StatusCode::FORBIDDEN);
    let enterprise = t.login("orgadmin").await;
    assert_eq!(t.get(&enterprise, &format!("{Q}/periods")).await.status, StatusCode::FORBIDDEN);
    let token = bearer(t, "orgadmin").await;
    let r = json(
        t,
        "GET",
        "/api/v1/indicators/LANBAI-Q2026/periods/2025Q4",
        Some(&token),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
