//! Annual tasks: a part of a task lies within its whole's dates; monthly progress for a month
//! from the start up to this one, a share 0–100, kept once per month (a second report replaces
//! it); evidence kept once; each refusal names its rule and stores nothing.
use crate::common::*;
use innocity_core::supervision::{self as rules, Standing, TaskDraft};
use innocity_store::StoreError;
use innocity_store::orgs::{self, Actor};
use innocity_store::supervision::{self as sv, NewTask, ProgressDraft, SupervisionRefusal as R};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "bureau", request_id: "r" };

fn refusal<T: std::fmt::Debug>(r: innocity_store::db::Result<T>) -> R {
    match r {
        Err(StoreError::Supervision(e)) => e,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_task_is_broken_down_within_its_dates_and_followed_month_by_month() {
    let t = demo_db(20).await;
    let units = orgs::units(&t.db).await.unwrap();
    let unit = |code: &str| units.iter().find(|u| u.code == code).unwrap().id;
    let year = t.db.clock.today().format("%Y").to_string();
    let draft = TaskDraft {
        title: "新增国家高新技术企业".into(),
        start: format!("{year}-01-01"),
        deadline: format!("{year}-12-31"),
        target: "60".into(),
        measure: "家".into(),
    };
    let terms = rules::check(&draft).unwrap();
    let whole =
        NewTask { terms: &terms, lead_unit_id: unit("620100"), partners: &[], parent_id: None };
    let whole = sv::create(&t.db, &whole, ACTOR).await.unwrap();
    // A part for 榆中县 that runs past the whole's deadline: refused, nothing stored.
    let late = rules::check(&TaskDraft {
        deadline: format!("{}-01-31", year.parse::<i32>().unwrap() + 1),
        target: "8".into(),
        ..draft.clone()
    })
    .unwrap();
    let part = NewTask {
        terms: &late,
        lead_unit_id: unit("620123"),
        partners: &[],
        parent_id: Some(whole),
    };
    assert!(matches!(refusal(sv::create(&t.db, &part, ACTOR).await), R::BeyondParent { .. }));
    let this_year: i32 = year.parse().unwrap();
    assert_eq!(sv::tasks(&t.db, this_year).await.unwrap().len(), 1, "nothing stored");
    let within = rules::check(&TaskDraft { target: "8".into(), ..draft.clone() }).unwrap();
    let part = NewTask { terms: &within, parent_id: Some(whole), ..part };
    let part = sv::create(&t.db, &part, ACTOR).await.unwrap();
    let task = sv::task(&t.db, part).await.unwrap().unwrap();
    assert_eq!((task.parent_id, task.year), (Some(whole), this_year));

    // Progress: this month is fine, next month is not yet, 120 % is no share.
    let today = t.db.clock.today();
    let this_month = today.format("%Y-%m").to_string();
    let next_month = (today + chrono::Days::new(32)).format("%Y-%m").to_string();
    let draft = |month: &str, percent: &str| ProgressDraft {
        month: month.into(),
        percent: percent.into(),
        achieved: "3".into(),
        note: "已认定 3 家，另有 5 家申报材料已报送省科技厅。".into(),
    };
    assert!(matches!(
        refusal(sv::report(&t.db, &task, &draft(&next_month, "40"), ACTOR).await),
        R::Month { .. }
    ));
    assert!(matches!(
        refusal(sv::report(&t.db, &task, &draft(&this_month, "120"), ACTOR).await),
        R::Percent { .. }
    ));
    let first = sv::report(&t.db, &task, &draft(&this_month, "30"), ACTOR).await.unwrap();
    let again = sv::report(&t.db, &task, &draft(&this_month, "40"), ACTOR).await.unwrap();
    assert_eq!(first, again, "one report a month, replaced");
    let rows = sv::progress(&t.db, this_year).await.unwrap();
    assert_eq!((rows.len(), rows[0].percent), (1, 40));
    let files = tempfile::tempdir().unwrap();
    let pdf = b"%PDF-1.4\n% evidence\n";
    let e = sv::add_evidence(&t.db, files.path(), first, "认定名单.pdf", pdf, ACTOR).await.unwrap();
    assert_eq!(
        sv::add_evidence(&t.db, files.path(), first, "副本.pdf", pdf, ACTOR).await.unwrap(),
        e
    );
    // Its standing, from the reports and the day.
    let reports: Vec<_> = rows.iter().map(|r| r.progress()).collect();
    let s = rules::standing(&task.terms(), &reports, today);
    assert!(Standing::ALL.contains(&s));
    sv::remind(&t.db, &task, s.code(), ACTOR).await.unwrap();
    assert_eq!(
        sv::reminders(&t.db, this_year).await.unwrap(),
        vec![sv::ReminderCount { task_id: part, sent: 1 }]
    );
}
