//! The innovation survey (CX-1) report through the real router: approved returns only, shares
//! worked out by hand from what the test files, the page, the PDF and the API; a year that is
//! no year refused on its field; an enterprise and the public refused.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;
use innocity_store::stats::{self as store, BatchItem, CellChange, Mode, SaveHow};

/// An enterprise the test files a survey for.
struct Enterprise {
    id: i64,
    unit_path: String,
}

fn change(element: &str, v: f64) -> CellChange {
    CellChange {
        element: element.into(),
        disagg: String::new(),
        row: 0,
        value: Some(innocity_core::stats::values::Stored::Num(v)),
    }
}

/// Files the enterprises' surveys of a year, each with its values, as an import would.
async fn save_surveys(t: &TestApp, year: &str, firms: &[Enterprise], values: &[&[(&str, f64)]]) {
    let items: Vec<BatchItem> = firms
        .iter()
        .zip(values)
        .map(|(f, vs)| BatchItem {
            organisation_id: f.id,
            unit_path: f.unit_path.clone(),
            changes: vs.iter().map(|(e, v)| change(e, *v)).collect(),
        })
        .collect();
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "t", request_id: "t" };
    let how = SaveHow { mode: Mode::Replace, source: "import" };
    store::save_batch(&t.db, "CX-1", year, &items, how, actor, &|_| {}).await.unwrap();
}

/// Four enterprises' 2025 surveys: three approved, the fourth only submitted (left out).
async fn file_surveys(t: &TestApp) -> Vec<Enterprise> {
    let sql = "SELECT id, unit_path FROM organisations WHERE kind = 'enterprise' ORDER BY id";
    let all: Vec<Enterprise> =
        t.db.read(sql, vec![], |r| Ok(Enterprise { id: r.int(0)?, unit_path: r.text(1)? }))
            .await
            .unwrap();
    // Two in 兰州高新区 (the zone account's) and two elsewhere, alternating.
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    let zone = &units.iter().find(|u| u.code == "LZGX").unwrap().path;
    let (inside, outside): (Vec<Enterprise>, Vec<Enterprise>) =
        all.into_iter().partition(|e| e.unit_path.starts_with(zone.as_str()));
    let mut inside = inside.into_iter();
    let mut outside = outside.into_iter();
    let firms: Vec<Enterprise> =
        (0..4).filter_map(|i| if i % 2 == 0 { inside.next() } else { outside.next() }).collect();
    let values: [&[(&str, f64)]; 4] = [
        // Product innovation, cooperates, short of funds.
        &[
            ("CX_REVENUE", 1000.0),
            ("CX_INNOV_PRODUCT", 1.0),
            ("CX_INNOV_PROCESS", 0.0),
            ("CX_EXP", 100.0),
            ("CX_EXP_INTERNAL", 80.0),
            ("CX_NEWPROD_SALES", 200.0),
            ("CX_COOP_UNIV", 1.0),
            ("CX_OBS_FUNDS", 1.0),
            ("CX_OBS_TALENT", 0.0),
            ("CX_POL_RD_DEDUCTION", 1.0),
        ],
        // All zeros but its revenue.
        &[
            ("CX_REVENUE", 1000.0),
            ("CX_INNOV_PRODUCT", 0.0),
            ("CX_INNOV_PROCESS", 0.0),
            ("CX_EXP", 0.0),
            ("CX_COOP_UNIV", 0.0),
            ("CX_OBS_FUNDS", 0.0),
            ("CX_OBS_TALENT", 0.0),
            ("CX_POL_RD_DEDUCTION", 0.0),
        ],
        // Process innovation, no cooperation, short of funds and of people.
        &[
            ("CX_REVENUE", 2000.0),
            ("CX_INNOV_PRODUCT", 0.0),
            ("CX_INNOV_PROCESS", 1.0),
            ("CX_EXP", 300.0),
            ("CX_EXP_MACHINE", 200.0),
            ("CX_COOP_UNIV", 0.0),
            ("CX_OBS_FUNDS", 1.0),
            ("CX_OBS_TALENT", 1.0),
            ("CX_POL_RD_DEDUCTION", 1.0),
        ],
        // Submitted, not approved: not in the official figures.
        &[("CX_REVENUE", 99_999.0), ("CX_INNOV_PRODUCT", 1.0), ("CX_EXP", 5_000.0)],
    ];
    save_surveys(t, "2025", &firms, &values).await;
    let tx = t.db.begin_write().await.unwrap();
    for (i, f) in firms.iter().enumerate() {
        let status = if i < 3 { "approved" } else { "submitted" };
        tx.exec(
            "UPDATE stat_returns SET status = ? WHERE form = 'CX-1' AND organisation_id = ?",
            vec![status.into(), f.id.into()],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    firms
}

fn close(v: &serde_json::Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
}

#[tokio::test]
async fn the_survey_report_counts_approved_returns_in_page_pdf_and_api() {
    let t = app().await;
    file_surveys(&t).await;
    let api = bearer(&t, "bureau").await;
    let r = json(&t, "GET", "/api/v1/stats/survey/2025", Some(&api), serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    // Three approved returns; two of them innovated; 400 of 4,000 spent; 200 of 4,000 in new
    // products; one of three cooperates; funds named by two, talent by one.
    assert_eq!(j["responses"], 3, "{j}");
    assert_eq!(
        (j["innovating"]["yes"].as_u64(), j["innovating"]["answered"].as_u64()),
        (Some(2), Some(3))
    );
    assert!(close(&j["innovating"]["share"], 2.0 / 3.0), "{j}");
    assert!(close(&j["expenditure"], 400.0) && close(&j["revenue"], 4000.0), "{j}");
    assert!(close(&j["intensity"], 0.1) && close(&j["new_product_share"], 0.05), "{j}");
    assert!(close(&j["cooperating"]["share"], 1.0 / 3.0), "{j}");
    assert_eq!(j["obstacles"][0]["element"], "CX_OBS_FUNDS");
    assert!(close(&j["obstacles"][0]["share"], 2.0 / 3.0), "{j}");
    assert_eq!(j["obstacles"][1]["element"], "CX_OBS_TALENT");
    // Nobody answered the risk question: no share, not 0.
    let risk = j["obstacles"].as_array().unwrap().iter().find(|o| o["element"] == "CX_OBS_RISK");
    assert!(risk.unwrap()["share"].is_null(), "{j}");
    let machine = j["parts"].as_array().unwrap().iter().find(|p| p["element"] == "CX_EXP_MACHINE");
    assert!(close(&machine.unwrap()["value"], 200.0), "{j}");
    let in_parts: u64 =
        j["groups"].as_array().unwrap().iter().filter_map(|g| g["responses"].as_u64()).sum();
    assert!(in_parts >= 3, "every response lies in a part: {j}");

    let b = t.login("bureau").await;
    let page = t.get(&b, "/stats/CX-1/2025/survey").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for want in
        ["企业创新调查报告", "id=\"survey-innovating\">66.7%", "10.0%", "缺乏资金", "survey-pdf"]
    {
        assert!(page.body.contains(want), "{want}");
    }
    let (status, headers, bytes) = t.get_bytes(&b, "/stats/CX-1/2025/survey.pdf").await;
    assert_eq!(
        (status, headers.get("content-type").unwrap().to_str().unwrap()),
        (StatusCode::OK, "application/pdf")
    );
    let text = pdf_text(&bytes);
    for want in ["企业创新调查报告", "创新阻碍因素", "66.7%", "缺乏资金"] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // The overview links the survey from CX-1's periods.
    assert!(t.get(&b, "/stats").await.body.contains("/stats/CX-1/2025/survey"));
}

#[tokio::test]
async fn a_year_that_is_no_year_is_refused_and_so_are_enterprises() {
    let t = app().await;
    let api = bearer(&t, "bureau").await;
    for bad in ["20x5", "2025Q1"] {
        let uri = format!("/api/v1/stats/survey/{bad}");
        let r = json(&t, "GET", &uri, Some(&api), serde_json::Value::Null).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", r.body);
        assert!(r.json()["error"]["fields"]["year"].as_str().unwrap().contains(bad), "{}", r.body);
    }
    let b = t.login("bureau").await;
    assert_eq!(t.get(&b, "/stats/CX-1/20x5/survey").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.get(&b, "/stats/107-2/2025/survey").await.status, StatusCode::NOT_FOUND);
    // No returns yet: the page opens with no shares.
    let empty = t.get(&b, "/stats/CX-1/2024/survey").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("id=\"survey-innovating\">—"));
    let firm = bearer(&t, "orgadmin").await;
    let r =
        json(&t, "GET", "/api/v1/stats/survey/2025", Some(&firm), serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = json(&t, "GET", "/api/v1/stats/survey/2025", None, serde_json::Value::Null).await;
    assert!(matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN), "{}", r.status);
}

#[tokio::test]
async fn a_zone_sees_its_own_surveys_and_not_another_zones() {
    let t = app().await;
    let firms = file_surveys(&t).await;
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    let zone = units.iter().find(|u| u.code == "LZGX").unwrap();
    let other = units.iter().find(|u| u.code == "BYGX").unwrap();
    // The approved three that lie in the zone.
    let mine = firms[..3].iter().filter(|f| f.unit_path.starts_with(&zone.path)).count();
    assert_eq!(mine, 2, "the first and third lie in 兰州高新区");
    let api = bearer(&t, "zone").await;
    let r = json(&t, "GET", "/api/v1/stats/survey/2025", Some(&api), serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.json()["unit_id"].as_i64(), r.json()["responses"].as_u64()),
        (Some(zone.id), Some(mine as u64))
    );
    let uri = format!("/api/v1/stats/survey/2025?unit={}", other.id);
    let r = json(&t, "GET", &uri, Some(&api), serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn the_demo_survey_report_opens_with_its_approved_returns() {
    let t = Fixture::demo().stats().build().await;
    let b = t.login("bureau").await;
    let page = t.get(&b, "/stats/CX-1/2025/survey").await;
    assert_eq!(page.status, StatusCode::OK);
    let n: usize = page
        .body
        .split("id=\"survey-responses\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(n > 30, "the demo's enterprises answered: {n}");
    assert!(page.body.contains("id=\"survey-parts\""), "the parts of the area are shown");
}

/// Two of the enterprises' 2024 surveys, approved: one innovated (product), one did not.
async fn file_last_year(t: &TestApp, firms: &[Enterprise]) {
    let values: [&[(&str, f64)]; 2] = [
        &[("CX_REVENUE", 900.0), ("CX_INNOV_PRODUCT", 1.0), ("CX_COOP_UNIV", 1.0)],
        &[("CX_REVENUE", 1800.0), ("CX_INNOV_PRODUCT", 0.0), ("CX_COOP_UNIV", 0.0)],
    ];
    save_surveys(t, "2024", firms, &values).await;
    let sql = "UPDATE stat_returns SET status = 'approved' WHERE form = 'CX-1' AND period = '2024'";
    let tx = t.db.begin_write().await.unwrap();
    tx.exec(sql, vec![]).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_survey_compares_with_the_year_before_and_downloads_as_a_workbook() {
    use calamine::{DataType, Reader};
    let t = app().await;
    let firms = file_surveys(&t).await;
    let b = t.login("bureau").await;
    // Without a 2024 survey there is nothing to compare with, and the page says so.
    let page = t.get(&b, "/stats/CX-1/2025/survey").await.body;
    assert!(page.contains("id=\"survey-no-compare\"") && !page.contains("id=\"survey-compare\""));
    let api = bearer(&t, "bureau").await;
    let r = json(&t, "GET", "/api/v1/stats/survey/2025", Some(&api), serde_json::Value::Null).await;
    assert_eq!(r.json()["year_on_year"], serde_json::json!([]));

    file_last_year(&t, &firms[..2]).await;
    // 2025: 3 answered, 2 innovating (66.7 %); 2024: 2 answered, 1 innovating (50 %).
    let r = json(&t, "GET", "/api/v1/stats/survey/2025", Some(&api), serde_json::Value::Null).await;
    let yoy = r.json()["year_on_year"].clone();
    let figure =
        |f: &str| yoy.as_array().unwrap().iter().find(|c| c["figure"] == f).unwrap().clone();
    let responses = figure("responses");
    assert_eq!(
        (responses["value"].as_f64(), responses["year_before"].as_f64()),
        (Some(3.0), Some(2.0))
    );
    assert_eq!(responses["change"].as_f64(), Some(1.0));
    let innovating = figure("innovating");
    assert!(close(&innovating["year_before"], 0.5), "{yoy}");
    assert!(close(&innovating["change"], (2.0 / 3.0 - 0.5) * 100.0), "in points: {yoy}");
    let page = t.get(&b, "/stats/CX-1/2025/survey").await.body;
    assert!(page.contains("id=\"survey-compare\""), "{page}");
    assert!(page.contains("+16.7个百分点") && page.contains("survey-xlsx"), "{page}");
    let (_, _, pdf) = t.get_bytes(&b, "/stats/CX-1/2025/survey.pdf").await;
    assert!(pdf_text(&pdf).contains("与上年比较"));

    let (status, headers, bytes) = t.get_bytes(&b, "/stats/CX-1/2025/survey.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let disposition = headers.get("content-disposition").unwrap().to_str().unwrap().to_string();
    assert!(
        disposition.contains("CX-1_") && disposition.contains("_2025_survey.xlsx"),
        "{disposition}"
    );
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["主要指标", "创新活动类型", "创新费用", "阻碍因素", "政策享受", "分区域"]
            .map(String::from)
            .to_vec()
    );
    let key = wb.worksheet_range("主要指标").unwrap();
    let cell = |r: u32, c: u32| key.get_value((r, c)).and_then(|d| d.get_float());
    assert_eq!((cell(1, 1), cell(1, 2)), (Some(3.0), Some(2.0)), "counts as numbers");
    assert!((cell(2, 1).unwrap() - 200.0 / 3.0).abs() < 1e-9, "a share in %");
    assert_eq!(cell(2, 2), Some(50.0));
    let money = wb.worksheet_range("创新费用").unwrap();
    assert_eq!(money.get_value((1, 1)).and_then(|d| d.get_float()), Some(400.0));
    // The workbook is the reviewers' as the page is: an enterprise is refused it.
    let firm = t.login("orgadmin").await;
    let (status, _, _) = t.get_bytes(&firm, "/stats/CX-1/2025/survey.xlsx").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
