//! The open-sharing evaluation on pages and in the API: the bureau sees the ranking with its
//! criteria, downloads the workbook and the report, publishes the year (once), rewards and
//! warns; owners see their own result; nobody else reaches any of it.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;
use chrono::Datelike;
use innocity_store::orgs::Actor;
use innocity_store::sharing;

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };

/// Two owners with an instrument each: the lab's used by an enterprise and rated, the
/// provider's idle.
async fn two_owners(t: &TestApp) -> (i64, i64) {
    let lab = t.user_org("lab").await;
    let idle = t.user_org("provider").await;
    let form = innocity_core::sharing::instruments::InstrumentForm {
        code: "EV-1".into(),
        name: "X射线衍射仪".into(),
        category: "analysis".into(),
        value_wan: "120".into(),
        opens: "08:00".into(),
        closes: "20:00".into(),
        days: "1234567".into(),
        price_own: "100".into(),
        price_academic: "200".into(),
        price_enterprise: "300".into(),
        price_voucher: "250".into(),
        min_minutes: "30".into(),
        max_minutes: "240".into(),
        notice_hours: "0".into(),
        buffer_minutes: "0".into(),
        ..Default::default()
    };
    let item = form.parse().unwrap();
    let used =
        sharing::add_instruments(&t.db, lab, std::slice::from_ref(&item), ACTOR).await.unwrap()[0];
    sharing::add_instruments(&t.db, idle, &[item], ACTOR).await.unwrap();
    let ent = t
        .db
        .read("SELECT id, organisation_id FROM users WHERE username = 'orgadmin'", vec![], |r| {
            Ok(sharing::Booker { user_id: r.int(0)?, organisation_id: r.int(1)? })
        })
        .await
        .unwrap()[0];
    let start = (t.db.clock.today() + chrono::Duration::days(1)).and_hms_opt(9, 0, 0).unwrap();
    let span =
        innocity_core::sharing::booking::Span { start, end: start + chrono::Duration::hours(2) };
    let req = sharing::BookingRequest {
        instrument_id: used,
        span,
        purpose: "物相分析".into(),
        samples: String::new(),
        voucher: None,
    };
    let b = sharing::book(&t.db, &req, ent, ACTOR).await.unwrap();
    t.db.clock.advance(chrono::Duration::days(3));
    let usage =
        sharing::Usage {
            actual: span, operator: "李老师".into(), result: "衍射图谱".into()
        };
    sharing::close(&t.db, b, &usage, ACTOR).await.unwrap();
    (lab, idle)
}

#[tokio::test]
async fn the_bureau_ranks_publishes_and_rewards_on_the_pages() {
    let t = Fixture::demo().build().await;
    let (lab, idle) = two_owners(&t).await;
    let year = t.db.clock.today().year();
    let bureau = t.login("bureau").await;
    let page = t.get(&bureau, "/sharing/evaluation").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("运行使用") && page.body.contains("30%"),
        "the criteria are published"
    );
    assert!(page.body.contains("未发布") && page.body.contains("id=\"publish-form\""));
    let first = page.body.split("id=\"result-1\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(first.contains("优秀"), "{first}");

    let (status, _, bytes) =
        t.get_bytes(&bureau, &format!("/sharing/evaluation/{year}/report.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.get_value((1, 0)), Some(&calamine::Data::Float(1.0)));
    assert_eq!(sheet.get_value((0, 1)), Some(&calamine::Data::String("仪器管理单位".into())));
    assert_eq!(sheet.rows().count(), 3);
    let (status, headers, pdf) =
        t.get_bytes(&bureau, &format!("/sharing/evaluation/{year}/report.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF") && pdf.len() > 2000, "{headers:?}");

    let at = format!("/sharing/evaluation/{year}/publish");
    assert_eq!(t.post_form(&bureau, &at, &[]).await.status, StatusCode::SEE_OTHER);
    let again = t.post_form(&bureau, &at, &[]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("已发布"), "{}", again.body);
    let rows = sharing::evaluation::published(&t.db, year).await.unwrap();
    let (best, worst) = (&rows[0], &rows[1]);
    assert_eq!((best.owner_id, worst.owner_id), (lab, idle));
    // a reward for the failed owner is refused by name; a warning with its reason is recorded
    let outcome = |id: i64| format!("/sharing/evaluation/results/{id}/outcome");
    let r = t
        .post_form(
            &bureau,
            &outcome(worst.id),
            &[("outcome", "reward"), ("reward_wan", "3"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不能给予奖励"), "{}", r.body);
    let r = t
        .post_form(
            &bureau,
            &outcome(worst.id),
            &[("outcome", "warning"), ("reward_wan", ""), ("note", "仪器全年未对外开放，限期整改")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .post_form(
            &bureau,
            &outcome(best.id),
            &[("outcome", "reward"), ("reward_wan", "5"), ("note", "后补助")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(&bureau, &format!("/sharing/evaluation?year={year}")).await.body;
    assert!(page.contains("奖励 5.00 万元") && page.contains("限期整改"), "{page}");

    // the owner sees its own result on its workspace, nobody else's
    let owner = t.get(&t.login("lab").await, "/sharing/mine").await.body;
    let own = owner.split("id=\"evaluation\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(own.contains("第 1 名 / 共 2 家") && own.contains("奖励"), "{own}");
    assert!(!own.contains("限期整改"));
}

#[tokio::test]
async fn the_api_gives_the_same_and_refuses_the_others() {
    let t = Fixture::demo().build().await;
    let (lab, _) = two_owners(&t).await;
    let year = t.db.clock.today().year();
    let bureau = bearer(&t, "bureau").await;
    let at = format!("/api/v1/sharing-evaluations/{year}");
    let r = json(&t, "GET", &at, Some(&bureau), serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (v["published"].as_bool(), v["criteria"].as_array().map(Vec::len)),
        (Some(false), Some(5))
    );
    assert_eq!(v["results"][0]["owner_id"], lab);
    assert_eq!(v["results"][0]["used_minutes"], 120);
    assert_eq!(v["results"][0]["grade"], "excellent");
    for who in ["orgadmin", "lab", "provider", "expert", "zone"] {
        let b = bearer(&t, who).await;
        assert_eq!(
            json(&t, "GET", &at, Some(&b), serde_json::Value::Null).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let r = json(&t, "POST", &format!("{at}/publish"), Some(&b), serde_json::Value::Null).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    let r = json(
        &t,
        "POST",
        &format!("/api/v1/sharing-evaluations/{}/publish", year + 1),
        Some(&bureau),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r =
        json(&t, "POST", &format!("{at}/publish"), Some(&bureau), serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&t, "GET", &at, Some(&bureau), serde_json::Value::Null).await.json();
    let id = v["results"][1]["id"].as_i64().unwrap();
    let r = json(
        &t,
        "POST",
        &format!("/api/v1/sharing-evaluation-results/{id}/outcome"),
        Some(&bureau),
        serde_json::json!({ "outcome": "warning" }),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a warning needs its reason: {}",
        r.body
    );
    let r = json(
        &t,
        "POST",
        &format!("/api/v1/sharing-evaluation-results/{id}/outcome"),
        Some(&bureau),
        serde_json::json!({ "outcome": "fine", "note": "x" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = json(
        &t,
        "POST",
        &format!("/api/v1/sharing-evaluation-results/{id}/outcome"),
        Some(&bureau),
        serde_json::json!({ "outcome": "warning", "note": "未对外开放" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&t, "GET", &at, Some(&bureau), serde_json::Value::Null).await.json();
    assert_eq!(
        (v["published"].as_bool(), v["results"][1]["outcome"].as_str()),
        (Some(true), Some("warning"))
    );
}
