//! Checks made inside the write: what changed meanwhile is seen and refused.
use crate::common::*;
use innocity_core::projects::Stage;
use innocity_core::projects::execution::Status;
use innocity_store::{Db, StoreError, audit, experts, orgs::Actor, projects as p, testing};
use std::time::Duration;

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "t", request_id: "r" };

/// Runs `write` while another transaction holds the write lock and, in it, makes `change`
/// (what a concurrent request would do after the caller's reads and before its write).
async fn meanwhile<T>(
    db: &Db,
    change: &str,
    values: Vec<sea_orm::Value>,
    write: impl std::future::Future<Output = T>,
) -> T {
    let held = db.begin_write().await.unwrap();
    let (out, ()) = tokio::join!(write, async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        held.exec(change, values).await.unwrap();
        held.commit().await.unwrap();
    });
    out
}

async fn count(db: &Db, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
    db.query_one(sql, values).await.unwrap().unwrap().try_get_by_index(0).unwrap()
}

#[tokio::test]
async fn a_project_suspended_meanwhile_is_not_paid() {
    let t = projects_db(60).await;
    // An ongoing project's instalment that may be prepared now (its condition approved).
    let mut found = None;
    for a in p::applications(&t.db, p::Reach::All, None, Some(Stage::Established)).await.unwrap() {
        if p::task_book(&t.db, a.id).await.unwrap().is_none_or(|b| b.status != Status::Ongoing) {
            continue;
        }
        let met = p::conditions(&t.db, a.id).await.unwrap();
        if let Some(i) = p::instalments(&t.db, a.id).await.unwrap().into_iter().find(|i| {
            !i.cancelled
                && i.instalment.prepared_by.is_none()
                && i.instalment.released_by.is_none()
                && met.iter().any(|c| c.condition == i.instalment.condition)
        }) {
            found = Some((a.id, i.id));
            break;
        }
    }
    let (app, inst) = found.expect("an instalment ready to prepare");
    let before = audit::verify(&t.db).await.unwrap().unwrap();
    let r = meanwhile(&t.db, "UPDATE task_books SET status = 'suspended', status_reason = 'x', version = version + 1 WHERE application_id = ?", vec![app.into()], p::pay(&t.db, inst, false, ACTOR)).await;
    assert_eq!(
        refused!(r, StoreError::Projects(innocity_store::projects::ProjectRefusal::NotPaying { status }) => status.code()),
        "suspended"
    );
    let it = p::instalments(&t.db, app).await.unwrap().into_iter().find(|i| i.id == inst).unwrap();
    assert_eq!(it.instalment.prepared_by, None, "nothing prepared");
    assert_eq!(audit::verify(&t.db).await.unwrap().unwrap(), before, "no audit entry");
    // Resumed, it may be prepared again.
    t.db.query_one(
        "UPDATE task_books SET status = 'ongoing' WHERE application_id = ?",
        vec![app.into()],
    )
    .await
    .unwrap();
    p::pay(&t.db, inst, false, ACTOR).await.unwrap();
}

#[tokio::test]
async fn a_draft_submitted_meanwhile_takes_no_file() {
    let t = projects_db(60).await;
    let dir = testing::TempDir(
        std::env::temp_dir().join(format!("innocity_files_{}", std::process::id())),
    );
    let a = p::applications(&t.db, p::Reach::All, None, Some(Stage::Draft))
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("a draft");
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let r = meanwhile(
        &t.db,
        "UPDATE applications SET stage = 'submitted', version = version + 1 WHERE id = ?",
        vec![a.id.into()],
        p::add_attachment(
            &t.db,
            &dir.0,
            a.id,
            a.leader_user_id,
            p::NewAttachment { name: "plan.pdf", kind: "attachment", bytes: pdf },
            ACTOR,
        ),
    )
    .await;
    refused!(
        r,
        StoreError::Applications(innocity_store::projects::ApplicationRefusal::NotEditable)
    );
    assert!(p::attachments(&t.db, a.id).await.unwrap().is_empty());
    // Back to a draft, the same file goes in.
    t.db.query_one("UPDATE applications SET stage = 'draft' WHERE id = ?", vec![a.id.into()])
        .await
        .unwrap();
    p::add_attachment(
        &t.db,
        &dir.0,
        a.id,
        a.leader_user_id,
        p::NewAttachment { name: "plan.pdf", kind: "attachment", bytes: pdf },
        ACTOR,
    )
    .await
    .unwrap();
    assert_eq!(p::attachments(&t.db, a.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_round_closed_meanwhile_takes_no_scores() {
    let t = experts_db(60).await;
    // The demo expert's assignment in the open panel round.
    let user: i64 = count(&t.db, "SELECT id FROM users WHERE username = 'expert'", vec![]).await;
    let me = experts::by_user(&t.db, user).await.unwrap().unwrap();
    let round = experts::rounds(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.is_open())
        .expect("an open round");
    let a = experts::assignments(&t.db, round.id)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.expert_id == me.id && a.status == "assigned")
        .expect("an assignment");
    let form = round.form.clone();
    let scores = form.criteria.iter().map(|c| (c.code.clone(), c.max)).collect();
    let input = experts::ReviewInput {
        scores,
        recommendation: String::new(),
        comment: String::new(),
        submit: false,
        version: a.version,
    };
    let today = round.deadline_date().unwrap();
    let r = meanwhile(
        &t.db,
        "UPDATE review_rounds SET status = 'closed', closed_at = 1 WHERE id = ?",
        vec![round.id.into()],
        experts::save_review(&t.db, a.id, user, &input, today, ACTOR),
    )
    .await;
    refused!(r, StoreError::Reviews(innocity_store::experts::ReviewRefusal::Closed));
    let after = experts::assignment(&t.db, a.id).await.unwrap().unwrap();
    assert_eq!((after.version, after.saved_at), (a.version, a.saved_at), "nothing saved");
    // Open again, the same draft is saved.
    t.db.query_one("UPDATE review_rounds SET status = 'open' WHERE id = ?", vec![round.id.into()])
        .await
        .unwrap();
    experts::save_review(&t.db, a.id, user, &input, today, ACTOR).await.unwrap();
}

#[tokio::test]
async fn a_call_review_is_one_transaction_with_its_audit_entry() {
    let t = projects_db(60).await;
    let apps = p::applications(&t.db, p::Reach::All, None, Some(Stage::InReview)).await.unwrap();
    let call_id = apps.first().expect("applications in review").call_id;
    let mine = apps.iter().filter(|a| a.call_id == call_id).count();
    let deadline = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    let links = |db: &Db| {
        let db = db.clone();
        async move { count(&db, "SELECT COUNT(*) FROM call_rounds", vec![]).await }
    };
    let rounds_before = count(&t.db, "SELECT COUNT(*) FROM review_rounds", vec![]).await;
    let items_before = count(&t.db, "SELECT COUNT(*) FROM review_items", vec![]).await;
    // A failure at the last step (linking the round to the call; a trigger refuses it here)
    // leaves nothing behind: no round, no items, no audit entry.
    use sea_orm::ConnectionTrait;
    let (add, drop) = if t.db.is_postgres() {
        (
            "CREATE FUNCTION refuse_link() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no link'; END $$ LANGUAGE plpgsql; CREATE TRIGGER refuse_link BEFORE INSERT ON call_rounds FOR EACH ROW EXECUTE FUNCTION refuse_link()",
            "DROP TRIGGER refuse_link ON call_rounds",
        )
    } else {
        (
            "CREATE TRIGGER refuse_link BEFORE INSERT ON call_rounds BEGIN SELECT RAISE(ABORT, 'no link'); END",
            "DROP TRIGGER refuse_link",
        )
    };
    t.db.conn.execute_unprepared(add).await.unwrap();
    let entries = audit::verify(&t.db).await.unwrap().unwrap();
    let r = p::start_review(&t.db, call_id, "通讯评审", experts::Mode::Assign, 3, deadline, ACTOR)
        .await;
    assert!(matches!(r, Err(StoreError::Db(_))), "{r:?}");
    assert_eq!(
        count(&t.db, "SELECT COUNT(*) FROM review_rounds", vec![]).await,
        rounds_before,
        "no round"
    );
    assert_eq!(
        count(&t.db, "SELECT COUNT(*) FROM review_items", vec![]).await,
        items_before,
        "no items"
    );
    assert_eq!(links(&t.db).await, 0, "no link");
    assert_eq!(audit::verify(&t.db).await.unwrap().unwrap(), entries, "no audit entry");
    // Linked, the round, its items and the link come with one audit entry each.
    t.db.conn.execute_unprepared(drop).await.unwrap();
    let round_id =
        p::start_review(&t.db, call_id, "通讯评审", experts::Mode::Assign, 3, deadline, ACTOR)
            .await
            .unwrap();
    assert_eq!(
        p::call_rounds(&t.db, call_id).await.unwrap().iter().map(|r| r.id).collect::<Vec<_>>(),
        [round_id]
    );
    assert_eq!(experts::items(&t.db, round_id).await.unwrap().len(), mine);
    let entries_after = audit::verify(&t.db).await.unwrap().unwrap();
    assert_eq!(entries_after, entries + 2, "the round's entry and the link's");
    let link = audit::list(
        &t.db,
        &audit::Filter {
            action: "call.review".into(),
            entity: "call".into(),
            entity_id: call_id.to_string(),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(link.len(), 1);
    let after: serde_json::Value = serde_json::from_str(&link[0].after).unwrap();
    assert_eq!(after["round_id"], serde_json::json!(round_id));
}

#[tokio::test]
async fn a_project_terminated_meanwhile_takes_no_report_opinion_or_rectification() {
    use innocity_core::projects::execution::{Opinion, Outcome};
    use innocity_store::projects::execution as x;
    let t = projects_db(60).await;
    let today = t.db.clock.today();
    let (app, due) = an_ongoing_project_with_a_report_due(&t, today).await;
    let terminate = "UPDATE task_books SET status = 'terminated', version = version + 1 WHERE application_id = ?";
    let resume = |db: &Db| {
        let db = db.clone();
        async move {
            db.query_one(
                "UPDATE task_books SET status = 'ongoing' WHERE application_id = ?",
                vec![app.into()],
            )
            .await
            .unwrap()
        }
    };
    let text = "阶段报告：完成原定研究任务，样品性能指标达到任务书要求。";
    let r = meanwhile(
        &t.db,
        terminate,
        vec![app.into()],
        x::submit_report(&t.db, app, due.kind, due.seq, text, &[], ACTOR),
    )
    .await;
    assert_eq!(
        refused!(r, StoreError::Projects(innocity_store::projects::ProjectRefusal::Status { status, action }) => (status.code(), action)),
        ("terminated", "report")
    );
    assert!(
        x::reports(&t.db, app, today)
            .await
            .unwrap()
            .iter()
            .any(|r| r.due == due && r.status == "due"),
        "not submitted"
    );
    resume(&t.db).await;
    let opinion = Opinion {
        expert: "张立新".into(),
        score: 80,
        conclusion: Outcome::Passed,
        text: "阶段任务完成情况良好，同意。".into(),
    };
    let before = x::opinions(&t.db, app).await.unwrap().len();
    let r = meanwhile(
        &t.db,
        terminate,
        vec![app.into()],
        x::add_opinion(
            &t.db,
            app,
            innocity_core::projects::funding::Condition::MidTerm,
            &opinion,
            ACTOR,
        ),
    )
    .await;
    assert_eq!(
        refused!(r, StoreError::Projects(innocity_store::projects::ProjectRefusal::Status { status, action }) => (status.code(), action)),
        ("terminated", "opinion")
    );
    assert_eq!(x::opinions(&t.db, app).await.unwrap().len(), before);
    resume(&t.db).await;
    x::submit_report(&t.db, app, due.kind, due.seq, text, &[], ACTOR).await.unwrap();
    a_rectification_reported_meanwhile_is_not_reported_twice(&t).await;
}

/// An ongoing project with a report still due that is not the final one.
async fn an_ongoing_project_with_a_report_due(
    t: &testing::TestDb,
    today: chrono::NaiveDate,
) -> (i64, innocity_core::projects::execution::Due) {
    use innocity_store::projects::execution as x;
    let mut found = None;
    for a in p::applications(&t.db, p::Reach::All, None, Some(Stage::Established)).await.unwrap() {
        if p::task_book(&t.db, a.id).await.unwrap().is_some_and(|b| b.status == Status::Ongoing)
            && let Some(r) = x::reports(&t.db, a.id, today).await.unwrap().into_iter().find(|r| {
                r.status == "due"
                    && r.due.kind != innocity_core::projects::execution::ReportKind::Final
            })
        {
            found = Some((a.id, r.due));
            break;
        }
    }
    let (app, due) = found.expect("a report due");
    (app, due)
}

/// A rectification reported meanwhile (by another tab) is not reported twice.
async fn a_rectification_reported_meanwhile_is_not_reported_twice(t: &testing::TestDb) {
    use innocity_store::projects::execution as x;
    let (owner, f) = {
        let row = t.db.query_one("SELECT application_id, id FROM project_findings WHERE rectify_by <> '' AND rectified_at = 0 ORDER BY id LIMIT 1", vec![]).await.unwrap().expect("a finding to put right");
        (row.try_get_by_index::<i64>(0).unwrap(), row.try_get_by_index::<i64>(1).unwrap())
    };
    let entries = audit::verify(&t.db).await.unwrap().unwrap();
    let r = meanwhile(
        &t.db,
        "UPDATE project_findings SET rectification = 'first', rectified_at = 1 WHERE id = ?",
        vec![f.into()],
        x::rectify(&t.db, owner, f, "已按要求完成整改，补充了经费使用台账。", ACTOR),
    )
    .await;
    refused!(r, StoreError::Projects(innocity_store::projects::ProjectRefusal::Rectified));
    assert_eq!(
        audit::verify(&t.db).await.unwrap().unwrap(),
        entries,
        "no audit entry for a change not made"
    );
}

#[tokio::test]
async fn a_seed_committed_or_a_round_closed_meanwhile_is_not_overwritten() {
    let t = experts_db(60).await;
    let deadline = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    let items = experts::items(&t.db, experts::rounds(&t.db).await.unwrap()[0].id).await.unwrap();
    let new = experts::NewRound {
        code: "DRAW-T".into(),
        name: "抽取".into(),
        call_name: "x".into(),
        library: innocity_core::experts::Library::Review,
        mode: experts::Mode::Draw,
        demand: 3,
        max_load: 5,
        rules: Default::default(),
        form: innocity_core::experts::scoring::Form::standard(),
        deadline,
        year: 2030,
    };
    let id = experts::create_round(&t.db, &new, &items, ACTOR).await.unwrap();
    let r = meanwhile(
        &t.db,
        "UPDATE review_rounds SET seed = 'other', seed_hash = 'published' WHERE id = ?",
        vec![id.into()],
        experts::commit_seed(&t.db, id, ACTOR),
    )
    .await;
    refused!(r, StoreError::Reviews(innocity_store::experts::ReviewRefusal::Seed));
    assert_eq!(
        experts::round(&t.db, id).await.unwrap().unwrap().seed_hash,
        "published",
        "the published hash stays"
    );
    // A withdrawal from a round closed meanwhile is refused too.
    let user: i64 = count(&t.db, "SELECT id FROM users WHERE username = 'expert'", vec![]).await;
    let me = experts::by_user(&t.db, user).await.unwrap().unwrap();
    let round = experts::rounds(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.is_open() && r.id != id)
        .expect("an open round");
    let a = experts::assignments(&t.db, round.id)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.expert_id == me.id && a.status == "assigned")
        .expect("an assignment");
    let r = meanwhile(
        &t.db,
        "UPDATE review_rounds SET status = 'closed', closed_at = 1 WHERE id = ?",
        vec![round.id.into()],
        experts::withdraw(
            &t.db,
            a.id,
            user,
            false,
            "评审期间出差在外",
            round.deadline_date().unwrap(),
            ACTOR,
        ),
    )
    .await;
    refused!(r, StoreError::Reviews(innocity_store::experts::ReviewRefusal::Closed));
    assert_eq!(experts::assignment(&t.db, a.id).await.unwrap().unwrap().status, "assigned");
}
