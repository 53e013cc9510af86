//! The quarterly data release through the real router: the bureau releases an ended quarter of
//! the quarterly framework; everyone reads it, as released, on the public page, as a workbook and
//! in the API, with the same quarter a year before and each area's values; a later change of the
//! data changes nothing published until it is released again as the next revision (the audit
//! keeping the first); a half, a running quarter, a quarter outside the framework's years and a
//! quarter without values are refused on `period`, and only the bureau may release. A quarter
//! whose quick reports are not all in (报送未齐) is released only when the bureau ticks that it
//! accepts so, and the release says how many were in; a quarter fully reported needs no tick.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;
use innocity_demo as demo;
use innocity_store::indicators::IndicatorValue;

const Q: &str = "LANBAI-Q2026";

fn line<'a>(release: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    release["lines"].as_array().unwrap().iter().find(|l| l["code"] == code).unwrap()
}

#[tokio::test]
async fn the_bureau_releases_an_ended_quarter_and_everyone_reads_it_as_released() {
    let t = Fixture::demo().indicators().build().await;
    // A day in 2026's last quarter: 2026Q3 has ended and 2026Q4 runs (the quarterly framework
    // follows 2025–2026), whatever day the test runs.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
    t.db.clock.advance(day.and_hms_opt(10, 0, 0).unwrap() - t.db.clock.now_local());
    demo::seed_stats(&t.db, None).await.unwrap();
    demo::approve_demo_periods(&t.db).await.unwrap();
    let b = t.login("bureau").await;
    assert_eq!(t.post_form(&b, &format!("/indicators/{Q}/refresh"), &[]).await.status, 303);
    let anon = Session::default();
    assert!(t.get(&anon, "/public/releases").await.body.contains("尚未发布数据"));
    refused_quarters_store_nothing(&t).await;
    only_the_bureau_releases(&t).await;

    // As monitored: the whole's value at 2026Q3 and at 2025Q3.
    let api = bearer(&t, "bureau").await;
    let root = innocity_store::orgs::units(&t.db).await.unwrap();
    let root = root.iter().find(|u| u.parent_id.is_none()).unwrap().clone();
    let monitored = |period: &'static str| {
        let (t, api) = (&t, api.clone());
        let url = format!("/api/v1/indicators/{Q}/periods/{period}?unit={}", root.id);
        async move { json(t, "GET", &url, Some(&api), serde_json::Value::Null).await.json() }
    };
    let (now, before) = (monitored("2026Q3").await, monitored("2025Q3").await);
    let rd_now = line(&now, "Q_RD_SPENDING")["value"].as_f64().unwrap();
    let rd_before = line(&before, "Q_RD_SPENDING")["value"].as_f64().unwrap();

    let coverage = not_all_in_is_said_and_refused_unless_accepted(&t, &b, &now).await;

    // The page's button, its box ticked, releases it and shows the public page.
    let r = t
        .post_form(&b, &format!("/indicators/{Q}/releases/2026Q3"), &[("accept_incomplete", "1")])
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/public/releases/LANBAI-Q2026/2026Q3")
    );
    let public = format!("/api/v1/public/releases/{Q}/2026Q3");
    let released = json(&t, "GET", &public, None, serde_json::Value::Null).await.json();
    assert_eq!(
        (released["revision"].as_i64(), released["unit_id"].as_i64()),
        (Some(1), Some(root.id))
    );
    let rd = line(&released, "Q_RD_SPENDING");
    assert_eq!((rd["value"].as_f64(), rd["year_before"].as_f64()), (Some(rd_now), Some(rd_before)));
    let growth = ((rd_now / rd_before - 1.0) * 100.0 * 100.0).round() / 100.0;
    assert_eq!(rd["growth_pct"].as_f64(), Some(growth), "同比: {rd}");
    let share = line(&released, "Q_RD_INTENSITY");
    assert!(
        share["growth_pct"].is_null() && share["change_points"].is_number(),
        "a share by points: {share}"
    );
    let areas = released["areas"].as_array().unwrap();
    let names: Vec<&str> = areas.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(&names[..3], ["兰州市", "兰州新区", "兰州高新区"], "each city, then its zones");
    assert!(
        names.contains(&"城关区") && !names.contains(&"雁滩园区"),
        "counties, not parks: {names:?}"
    );
    let gx = areas.iter().find(|a| a["name"] == "兰州高新区").unwrap();
    let gx_rd =
        gx["values"].as_array().unwrap().iter().find(|v| v["code"] == "Q_RD_SPENDING").unwrap();
    let gx_id = t.unit_id("LZGX").await;
    let held = innocity_store::indicators::for_period(
        &t.db,
        &[gx_id],
        &["Q_RD_SPENDING".into()],
        "2026Q3",
    )
    .await
    .unwrap();
    assert_eq!(gx_rd["value"].as_f64(), Some(held[0].value));
    assert_eq!(released["coverage"], coverage, "the release says how many were in");

    the_public_page(&t, rd_now).await;

    a_revision_is_released_again(&t, &api, root.id, rd_now).await;
    a_quarter_all_in_needs_no_tick(&t, &api).await;
}

/// 2026Q3's quick reports are still coming in (their window closes on 15 December): the
/// monitoring page and the API say how many are in, the page offers the box, and a release
/// without it is refused on `accept_incomplete` naming the form and its counts, nothing stored.
/// Returns the coverage as the API gives it.
async fn not_all_in_is_said_and_refused_unless_accepted(
    t: &TestApp,
    b: &Session,
    monitored: &serde_json::Value,
) -> serde_json::Value {
    let form = innocity_store::stats::catalogue(&t.db).await.unwrap();
    let form = form.form("KB-Q").unwrap().clone();
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    let root = units.iter().find(|u| u.parent_id.is_none()).unwrap();
    let roots = innocity_store::orgs::area_roots(&units, root);
    let who = innocity_store::stats::expected(&t.db, &form, "2026Q3", &roots).await.unwrap();
    use innocity_core::stats::status::Status;
    let counted = [Status::Submitted, Status::Approved, Status::Locked];
    let reported = who.iter().filter(|e| counted.contains(&e.status)).count();
    assert!(reported > 0 && reported < who.len(), "the demo's 2026Q3 is partly in: {reported}");
    let coverage = &monitored["coverage"];
    assert_eq!(coverage.as_array().map(Vec::len), Some(1), "{coverage}");
    assert_eq!(coverage[0]["form"], "KB-Q");
    assert_eq!(coverage[0]["expected"].as_u64(), Some(who.len() as u64));
    assert_eq!(coverage[0]["reported"].as_u64(), Some(reported as u64));
    let rate = (reported as f64 * 1000.0 / who.len() as f64).floor() / 10.0;
    assert_eq!(coverage[0]["rate_pct"].as_f64(), Some(rate));

    let page = t.get(b, &format!("/indicators/{Q}/periods?period=2026Q3")).await.body;
    let number = |n: usize| innocity_web::stats::number(n as f64);
    let words = format!("应报 {} 家，已报 {} 家", number(who.len()), number(reported));
    assert!(page.contains(r#"id="period-coverage""#) && page.contains(&words), "{page}");
    assert!(page.contains(r#"id="accept-incomplete""#), "the box is offered");

    let r = t.post_form(b, &format!("/indicators/{Q}/releases/2026Q3"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("尚未报齐") && r.body.contains(&words), "{}", r.body);
    let api = bearer(t, "bureau").await;
    for (query, words) in [
        ("", "尚未报齐"),
        ("?accept_incomplete=false", "尚未报齐"),
        ("?accept_incomplete=也许", "“也许”不是"),
    ] {
        let url = format!("/api/v1/indicators/{Q}/releases/2026Q3{query}");
        let r = json(t, "POST", &url, Some(&api), serde_json::Value::Null).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {}", r.body);
        let m = r.json()["error"]["fields"]["accept_incomplete"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(m.contains(words), "{query}: {m}");
    }
    assert!(innocity_store::indicators::releases::summaries(&t.db).await.unwrap().is_empty());
    coverage.clone()
}

/// 2025Q4's quick reports were all approved: it releases without the tick, at 100 %.
async fn a_quarter_all_in_needs_no_tick(t: &TestApp, api: &str) {
    let url = format!("/api/v1/indicators/{Q}/releases/2025Q4");
    let r = json(t, "POST", &url, Some(api), serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c = &r.json()["coverage"][0];
    assert!(c["expected"].as_u64().unwrap() > 0 && c["expected"] == c["reported"], "{c}");
    assert_eq!(c["rate_pct"].as_f64(), Some(100.0));
    let page = t.get(&Session::default(), "/public/releases/LANBAI-Q2026/2025Q4").await.body;
    assert!(page.contains(r#"<p id="release-coverage" class="muted">报送情况："#), "{page}");
}

/// The public page and list, for everyone, and the workbook.
async fn the_public_page(t: &TestApp, rd_now: f64) {
    let anon = Session::default();
    let page = t.get(&anon, "/public/releases/LANBAI-Q2026/2026Q3").await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "甘肃省2026年第三季度科技创新主要指标",
        "（第 1 版）",
        "同比",
        "上年同期",
        "分地区数据",
        "兰州高新区",
        "城关区",
        "报送情况：",
        "发布时报送尚未报齐",
    ] {
        assert!(page.body.contains(want), "{want}: {}", page.body);
    }
    let list = t.get(&anon, "/public/releases").await.body;
    assert!(list.contains("href=\"/public/releases/LANBAI-Q2026/2026Q3\""));
    the_workbook(t, rd_now).await;
}

async fn the_workbook(t: &TestApp, rd: f64) {
    use calamine::{DataType, Reader};
    let (status, _, bytes) = t
        .get_bytes(&Session::default(), "/public/releases/LANBAI-Q2026/2026Q3/workbook.xlsx")
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), ["主要指标", "分地区", "报送情况"].map(String::from).to_vec());
    let coverage = wb.worksheet_range("报送情况").unwrap();
    let cell = |c| coverage.get_value((1, c)).and_then(|d| d.get_float());
    assert!(cell(1) > cell(2) && cell(2) > Some(0.0), "must report > reported > 0, as numbers");
    let r = wb.worksheet_range("主要指标").unwrap();
    assert_eq!(r.get_value((0, 5)).map(|d| d.to_string()), Some("上年同期".into()));
    let row = (1..r.height() as u32)
        .find(|i| {
            r.get_value((*i, 0)).map(|d| d.to_string())
                == Some("企业研究开发费用（本年累计）".into())
        })
        .unwrap();
    assert_eq!(r.get_value((row, 3)).and_then(|d| d.get_float()), Some(rd), "a number, not text");
    let areas = wb.worksheet_range("分地区").unwrap();
    assert_eq!(areas.get_value((1, 0)).map(|d| d.to_string()), Some("兰州市".into()));
}

/// A half, a running quarter, a quarter outside the framework's years, one without values, and
/// no quarter at all: each refused on `period` with the rule, nothing released.
async fn refused_quarters_store_nothing(t: &TestApp) {
    let api = bearer(t, "bureau").await;
    let running = t.db.clock.today();
    let running = format!(
        "{}Q{}",
        chrono::Datelike::year(&running),
        (chrono::Datelike::month(&running) - 1) / 3 + 1
    );
    for (framework, period, words) in [
        (Q, "2026S1", "不是季度"),
        (Q, "本季度", "不是季度"),
        (Q, running.as_str(), "尚未结束"),
        (Q, "2024Q3", "不在该指标体系的年份（2025—2026年）内"),
        ("LANBAI-2020", "2020Q2", "尚无任何指标数据"),
    ] {
        let url = format!("/api/v1/indicators/{framework}/releases/{period}");
        let r = json(t, "POST", &url, Some(&api), serde_json::Value::Null).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{period}: {}", r.body);
        let m = r.json()["error"]["fields"]["period"].as_str().unwrap_or_default().to_string();
        assert!(m.contains(words), "{period}: {m}");
    }
    let r = json(
        t,
        "POST",
        "/api/v1/indicators/NO-SUCH/releases/2025Q4",
        Some(&api),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(innocity_store::indicators::releases::summaries(&t.db).await.unwrap().is_empty());
    let r = json(
        t,
        "GET",
        "/api/v1/public/releases/LANBAI-Q2026/2025Q4",
        None,
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not released");
}

async fn only_the_bureau_releases(t: &TestApp) {
    for role in ["zone", "county", "orgadmin", "expert"] {
        let s = t.login(role).await;
        let r = t.post_form(&s, &format!("/indicators/{Q}/releases/2026Q3"), &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let token = bearer(t, role).await;
        let url = format!("/api/v1/indicators/{Q}/releases/2026Q3");
        let r = json(t, "POST", &url, Some(&token), serde_json::Value::Null).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} API");
        let page = t.get(&s, &format!("/indicators/{Q}/periods?period=2026Q3")).await.body;
        assert!(!page.contains("id=\"release-form\""), "{role} sees no button");
    }
    assert!(innocity_store::indicators::releases::summaries(&t.db).await.unwrap().is_empty());
}

/// The data change; what was published does not, until it is released again as revision 2, the
/// audit keeping revision 1.
async fn a_revision_is_released_again(t: &TestApp, api: &str, root: i64, rd_now: f64) {
    let public = format!("/api/v1/public/releases/{Q}/2026Q3");
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    let revised = IndicatorValue {
        indicator: "Q_RD_SPENDING".into(),
        org_unit_id: root,
        period: "2026Q3".into(),
        value: rd_now + 1.0,
        source: "import".into(),
    };
    innocity_store::indicators::import(&t.db, &[revised], actor).await.unwrap();
    let still = json(t, "GET", &public, None, serde_json::Value::Null).await.json();
    assert_eq!(line(&still, "Q_RD_SPENDING")["value"].as_f64(), Some(rd_now), "as released");
    let r = json(
        t,
        "POST",
        &format!("/api/v1/indicators/{Q}/releases/2026Q3?accept_incomplete=true"),
        Some(api),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["revision"], 2);
    assert_eq!(line(&r.json(), "Q_RD_SPENDING")["value"].as_f64(), Some(rd_now + 1.0));
    let filter =
        innocity_store::audit::Filter { action: "indicators.release".into(), ..Default::default() };
    let audit = innocity_store::audit::list(&t.db, &filter, 10).await.unwrap();
    assert_eq!(audit.len(), 2, "each release audited");
    assert!(
        audit
            .iter()
            .any(|e| e.before.contains("\"revision\":1") && e.after.contains("\"revision\":2"))
    );
    let periods = t
        .get(&t.login("bureau").await, &format!("/indicators/{Q}/periods?period=2026Q3"))
        .await
        .body;
    assert!(
        periods.contains("id=\"release-note\"") && periods.contains("（第 2 版）"),
        "{periods}"
    );
    assert!(periods.contains("修订后重新发布"));
}
