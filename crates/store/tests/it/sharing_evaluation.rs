//! The open-sharing evaluation from the records: an owner's open hours (less a blackout), its
//! use by others, income, ratings and answer times; publishing freezes the year once; the
//! bureau's reward or warning keeps to the grades.
use crate::common::*;
use crate::sharing::{request, scope_instrument, span, tomorrow, user};
use chrono::{Datelike, Duration};
use innocity_core::projects::money::Money;
use innocity_core::sharing::booking::Span;
use innocity_core::sharing::evaluation::{Grade, Outcome};
use innocity_core::sharing::services::Rating;
use innocity_store::StoreError;
use innocity_store::orgs::Actor;
use innocity_store::sharing::{self, Rated, SharingRefusal, Usage, evaluation};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };

/// A week in June: the lab's instrument (a two-hour blackout) booked by an enterprise, answered
/// in two hours, used and rated 4; another owner's instrument idle.
struct Scene {
    t: innocity_store::testing::TestDb,
    lab: i64,
    idle: i64,
    ins: i64,
    ent: sharing::Booker,
    year: i32,
}

async fn scene() -> Scene {
    let t = demo_db(60).await;
    let db = &t.db;
    // the evaluation counts the year up to today: start the clock on a Monday in mid-year
    let monday = chrono::NaiveDate::from_ymd_opt(db.clock.today().year(), 6, 1).unwrap();
    let monday = monday - Duration::days(monday.weekday().num_days_from_monday().into());
    db.clock.advance(monday.and_hms_opt(7, 0, 0).unwrap() - db.clock.now_local());
    let lab = user(db, "lab").await;
    let ins = sharing::add_instruments(
        db,
        lab.organisation_id,
        &[scope_instrument("SEM-E", "是")],
        ACTOR,
    )
    .await
    .unwrap()[0];
    // open 08:00–20:00 every day; a blackout of two hours on Wednesday
    let wednesday = monday + Duration::days(2);
    let blackout = Span {
        start: wednesday.and_hms_opt(10, 0, 0).unwrap(),
        end: wednesday.and_hms_opt(12, 0, 0).unwrap(),
    };
    sharing::add_blackout(db, ins, blackout, "年度保养", ACTOR).await.unwrap();
    // a second owner whose instrument nobody used
    let idle = user(db, "provider").await.organisation_id;
    sharing::add_instruments(db, idle, &[scope_instrument("IDLE-1", "")], ACTOR).await.unwrap();
    let ent = user(db, "orgadmin").await;
    // asked at 07:00, approved at 09:00: two hours to answer
    let used = span(tomorrow(db, 9, 0), 120);
    let b = sharing::book(db, &request(ins, used), ent, ACTOR).await.unwrap();
    db.clock.advance(Duration::hours(2));
    sharing::decide(db, b, true, "", ACTOR).await.unwrap();
    db.clock.advance(Duration::days(2));
    let usage = Usage { actual: used, operator: "马老师".into(), result: "图像".into() };
    assert_eq!(sharing::close(db, b, &usage, ACTOR).await.unwrap(), Money::from_yuan(900));
    sharing::rate(db, Rated::Booking(b), &Rating { score: 4, comment: String::new() }, ACTOR)
        .await
        .unwrap();
    // a week later: seven open days of twelve hours, less the blackout
    db.clock.advance(Duration::days(5));
    let year = db.clock.today().year();
    Scene { lab: lab.organisation_id, idle, ins, ent, year, t }
}

#[tokio::test]
async fn an_owners_year_is_measured_from_its_records() {
    let Scene { t, lab, year, ins, ent, .. } = scene().await;
    let db = &t.db;
    let figures = evaluation::owner_figures(db, year).await.unwrap();
    let mine = figures.iter().find(|o| o.owner_id == lab).unwrap();
    let f = &mine.figures;
    assert_eq!(f.instruments, 1);
    assert_eq!(f.open_minutes, 7 * 12 * 60 - 120);
    assert_eq!((f.used_minutes, f.external_minutes), (120, 120));
    assert_eq!(f.income_fen, 90_000);
    assert_eq!((f.rating_sum, f.ratings), (4, 1));
    // (the clock moves on by the milliseconds the test takes)
    assert_eq!(f.response_hours.iter().map(|h| (h * 100.0).round()).collect::<Vec<_>>(), [200.0]);

    assert_eq!(figures.len(), 2);
    // a request nobody answers waits to the end of the count: three days on, more than two days
    let later = span(tomorrow(db, 15, 0) + Duration::days(4), 60);
    sharing::book(db, &request(ins, later), ent, ACTOR).await.unwrap();
    db.clock.advance(Duration::days(3));
    let again = evaluation::owner_figures(db, year).await.unwrap();
    let waits = &again.iter().find(|o| o.owner_id == lab).unwrap().figures.response_hours;
    assert_eq!(waits.len(), 2);
    assert!(waits[1] > 48.0 && waits[1] < 72.0, "{waits:?}");
}

#[tokio::test]
async fn a_published_year_is_frozen_and_the_bureau_keeps_to_the_grades() {
    let Scene { t, lab, idle, ins, ent, year } = scene().await;
    let db = &t.db;
    let figures = evaluation::owner_figures(db, year).await.unwrap();
    let f = figures.into_iter().find(|o| o.owner_id == lab).unwrap().figures;
    // published once; later records leave the published year as it was
    refused!(
        evaluation::publish(db, year + 1, ACTOR).await,
        StoreError::Sharing(SharingRefusal::EvaluationYear { .. })
    );
    let n = evaluation::publish(db, year, ACTOR).await.unwrap();
    assert_eq!(n, 2);
    refused!(
        evaluation::publish(db, year, ACTOR).await,
        StoreError::Sharing(SharingRefusal::Published { .. })
    );
    let more = span(tomorrow(db, 14, 0), 60);
    sharing::book(db, &request(ins, more), ent, ACTOR).await.unwrap();
    let published = evaluation::published(db, year).await.unwrap();
    let row = published.iter().find(|r| r.owner_id == lab).unwrap();
    assert_eq!(row.figures, f);
    assert_eq!(row.as_of, db.clock.today() - Duration::days(1));
    assert_eq!(
        published.iter().map(|r| r.place).collect::<Vec<_>>(),
        (1..=n as i64).collect::<Vec<_>>()
    );

    // the lab is best in everything but its ratings (4 of 5: 75): 95, excellent; the idle owner
    // has neutral ratings and nothing to answer: 20, fail
    assert_eq!(n, 2);
    let totals: Vec<(i64, f64, Grade)> =
        published.iter().map(|r| (r.owner_id, r.total, r.grade)).collect();
    assert_eq!(totals, [(lab, 95.0, Grade::Excellent), (idle, 20.0, Grade::Fail)]);
    // the bureau's response keeps to the grade; a warning needs its reason
    let (best, worst) = (published[0].id, published[1].id);
    refused!(
        evaluation::decide_outcome(db, worst, Some(Outcome::Reward), None, "", ACTOR).await,
        StoreError::Sharing(SharingRefusal::OutcomeGrade)
    );
    refused!(
        evaluation::decide_outcome(db, best, Some(Outcome::Warning), None, "未开放", ACTOR).await,
        StoreError::Sharing(SharingRefusal::OutcomeGrade)
    );
    refused!(
        evaluation::decide_outcome(db, worst, Some(Outcome::Warning), None, " ", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Reason)
    );
    let reward = Some(Money::from_wan(5));
    evaluation::decide_outcome(db, best, Some(Outcome::Reward), reward, "开放共享成效突出", ACTOR)
        .await
        .unwrap();
    evaluation::decide_outcome(
        db,
        worst,
        Some(Outcome::Warning),
        None,
        "仪器全年未对外开放",
        ACTOR,
    )
    .await
    .unwrap();
    let after = evaluation::results_of(db, lab).await.unwrap();
    assert_eq!((after[0].outcome, after[0].reward), (Some(Outcome::Reward), reward));
    let after = evaluation::results_of(db, idle).await.unwrap();
    assert_eq!(
        (after[0].outcome, after[0].note.as_str()),
        (Some(Outcome::Warning), "仪器全年未对外开放")
    );
}

#[tokio::test]
async fn the_same_records_feed_the_indicators() {
    let Scene { t, year, .. } = scene().await;
    let db = &t.db;
    // the same records feed the indicators: a framework computed from the platform's registers
    let toml = format!(
        r#"code = "SHARING"
name_zh = "仪器开放共享监测"
name_en = "Instrument sharing"
source = "平台记录"
[thresholds]
on_track = 0.95
at_risk = 0.80
[[target]]
code = "SHARED_INSTRUMENTS"
register = "shared_instruments"
name_zh = "入网共享仪器"
name_en = "Instruments shared"
unit = "台"
kind = "total"
baseline_year = 2024
baseline = 0
target_year = {year}
target = 10
[[target]]
code = "SHARED_HOURS"
register = "shared_hours"
name_zh = "共享使用机时"
name_en = "Hours used"
unit = "小时"
kind = "total"
baseline_year = 2024
baseline = 0
target_year = {year}
target = 1000
"#
    );
    let f =
        innocity_core::indicators::targets::Framework::from_toml("sharing.toml", &toml).unwrap();
    innocity_store::indicators::from_register(db, &f, &[year], ACTOR).await.unwrap();
    let root = |code: &'static str| async move {
        db.read(
            "SELECT v.value FROM indicator_values v JOIN org_units u ON u.id = v.org_unit_id WHERE v.indicator = ? AND v.period = ? AND u.parent_id IS NULL",
            vec![code.into(), year.to_string().into()],
            |r| Ok(r.opt_real(0)?.unwrap_or(-1.0)),
        )
        .await
        .unwrap()
    };
    assert_eq!(root("SHARED_INSTRUMENTS").await, [2.0]);
    assert_eq!(root("SHARED_HOURS").await, [2.0]);
}
