//! Projects from call to acceptance in the store: one application's whole life, told in steps,
//! and the demo's projects reconciled with their programme's ledger.
mod application;
mod execution;
mod notice;

use crate::common::*;
use chrono::NaiveDate;
use innocity_core::credit::{Nature, Record, Sanction, Severity};
use innocity_core::projects::execution::{Opinion, Outcome, ReportKind, Status};
use innocity_core::projects::funding::Condition;
use innocity_core::projects::funding::{BudgetRules, Line};
use innocity_core::projects::money::Money;
use innocity_core::projects::{Action, Deadlines, Eligibility, Level, Stage};
use innocity_demo as demo;
use innocity_store::projects::execution as x;
use innocity_store::{StoreError, credit, orgs::Actor, projects as p, testing};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "t", request_id: "r" };

#[tokio::test]
async fn the_demo_projects_reconcile() {
    let t = demo_db(120).await;
    let s = demo::projects::seed_projects(&t.db, demo::experts::CSL).await.unwrap();
    assert_eq!(s.established, 120);
    let today = t.db.clock.today();
    let calls = p::calls(&t.db).await.unwrap();
    let closed = calls.iter().min_by_key(|c| c.year).unwrap();
    // One objection upheld (that application rejected), one dismissed.
    let objections = x::objections(&t.db, closed.id).await.unwrap();
    assert_eq!(
        objections.iter().map(|o| o.status.as_str()).collect::<Vec<_>>(),
        ["dismissed", "upheld"]
    );
    assert_eq!(
        p::application(&t.db, objections[1].application_id).await.unwrap().unwrap().stage,
        Stage::Rejected
    );
    // The programme's ledger: what is committed is what was granted less what went back.
    let projects = x::portfolio(&t.db, p::Reach::All, today).await.unwrap();
    assert_eq!(projects.len(), 120);
    let granted: i64 = projects.iter().map(|p| p.granted.0).sum();
    let mut cancelled = 0;
    for pr in &projects {
        cancelled += p::instalments(&t.db, pr.id)
            .await
            .unwrap()
            .iter()
            .filter(|i| i.cancelled)
            .map(|i| i.instalment.amount.0)
            .sum::<i64>();
        let paid: i64 = p::instalments(&t.db, pr.id)
            .await
            .unwrap()
            .iter()
            .filter(|i| i.instalment.released_by.is_some())
            .map(|i| i.instalment.amount.0)
            .sum();
        assert_eq!(pr.paid.0, paid);
        assert!(pr.paid <= pr.granted);
    }
    assert!(cancelled > 0, "a terminated and a failed project returned money");
    assert_eq!(
        p::ledger(&t.db, closed.programme_id, closed.year).await.unwrap().unwrap().committed.0,
        granted - cancelled
    );
    // Every status, overdue reports and rectifications, changes, a failed acceptance with its records.
    for st in
        [Status::Ongoing, Status::Suspended, Status::Terminated, Status::Accepted, Status::Failed]
    {
        assert!(projects.iter().any(|p| p.status == st), "{st:?}");
    }
    assert!(projects.iter().filter(|p| p.overdue_reports > 0).count() >= 10);
    assert!(projects.iter().any(|p| p.overdue_rectifications > 0));
    assert!(projects.iter().any(|p| p.pending_changes > 0));
    let failed = projects.iter().find(|p| p.status == Status::Failed).unwrap();
    assert_eq!(x::outcome(&t.db, failed.id).await.unwrap().unwrap().credit_records.len(), 2);
    assert!(!x::output_counts(&t.db, p::Reach::All).await.unwrap().is_empty());
}
