//! After the decision: the public notice and its objections, then the project's life — status,
//! reports and reminders, expert opinions at the mid-term inspection and the acceptance, change
//! requests, supervision visits and fund audits, outputs, and the acceptance outcome with its
//! performance grade and, on failure, credit records. Every change with its audit entry in one
//! transaction; the rules are `core::projects::execution`'s.
use super::{
    Application, Decision, TaskBook, application, apply, call, condition_in, date, refused,
    task_book,
};
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx, now_ms};
use crate::orgs::Actor;
use chrono::NaiveDate;
use innocity_core::credit::{Nature, Record, Sanction, Severity};
use innocity_core::projects::execution::{
    self as rules, ChangeKind, Due, Opinion, Outcome, ReportKind, Status, StatusAction,
};
use innocity_core::projects::funding::{Condition, Line};
use innocity_core::projects::money::Money;
use innocity_core::projects::{Action, Stage};
use serde::Serialize;

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn log(
    tx: &Tx,
    actor: Actor<'_>,
    action: &str,
    entity: &str,
    id: i64,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<()> {
    audit::append(
        tx,
        Change {
            actor: actor.username,
            action,
            entity,
            entity_id: id.to_string(),
            before,
            after,
            request_id: actor.request_id,
        },
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- public notice (立项公示)

#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub call_id: i64,
    pub meeting_on: NaiveDate,
    pub minutes: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub published_by: String,
}

pub async fn notice(db: &Db, call_id: i64) -> Result<Option<Notice>> {
    Ok(notices(db).await?.into_iter().find(|n| n.call_id == call_id))
}

/// Every published notice, newest first.
pub async fn notices(db: &Db) -> Result<Vec<Notice>> {
    db.read("SELECT call_id, meeting_on, minutes, starts_on, ends_on, published_by FROM call_notices ORDER BY starts_on DESC, call_id DESC", vec![], |r| {
        Ok(Notice { call_id: r.int(0)?, meeting_on: date(&r.text(1)?), minutes: r.text(2)?, starts_on: date(&r.text(3)?), ends_on: date(&r.text(4)?), published_by: r.text(5)? })
    })
    .await
}

/// Records the decision meeting with its minutes and publishes the call's approved applications
/// for the notice period (once per call).
pub async fn publish_notice(
    db: &Db,
    call_id: i64,
    meeting_on: NaiveDate,
    minutes: &str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    call(db, call_id).await?.ok_or(StoreError::NotFound)?;
    if minutes.trim().chars().count() < 10 {
        return Err(refused("announce.err.minutes", vec![]));
    }
    rules::check_notice(meeting_on, starts_on, ends_on).map_err(|field| {
        refused("announce.err.period", vec![field.into(), rules::MIN_NOTICE_DAYS.to_string()])
    })?;
    let approved = db
        .read(
            "SELECT COUNT(*) FROM applications WHERE call_id = ? AND stage = 'approved'",
            vec![call_id.into()],
            |r| r.int(0),
        )
        .await?
        .first()
        .copied()
        .unwrap_or(0);
    if approved == 0 {
        return Err(refused("announce.err.nothing", vec![]));
    }
    if notice(db, call_id).await?.is_some() {
        return Err(refused("announce.err.published", vec![]));
    }
    let tx = db.begin_write().await?;
    tx.exec(
        "INSERT INTO call_notices (call_id, meeting_on, minutes, starts_on, ends_on, published_by, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![call_id.into(), day(meeting_on).into(), minutes.trim().into(), day(starts_on).into(), day(ends_on).into(), actor.username.into(), now_ms().into()],
    )
    .await?;
    log(&tx, actor, "notice.publish", "call", call_id, serde_json::json!({}), serde_json::json!({ "meeting_on": day(meeting_on), "starts_on": day(starts_on), "ends_on": day(ends_on), "approved": approved })).await?;
    tx.commit().await
}

#[derive(Debug, Clone, Serialize)]
pub struct Objection {
    pub id: i64,
    pub call_id: i64,
    pub application_id: i64,
    pub name: String,
    pub contact: String,
    pub body: String,
    /// open, upheld, dismissed
    pub status: String,
    pub resolution: String,
    pub resolved_by: String,
    pub created_at: i64,
}

pub async fn objections(db: &Db, call_id: i64) -> Result<Vec<Objection>> {
    db.read("SELECT id, call_id, application_id, name, contact, body, status, resolution, resolved_by, created_at FROM notice_objections WHERE call_id = ? ORDER BY id", vec![call_id.into()], |r| {
        Ok(Objection { id: r.int(0)?, call_id: r.int(1)?, application_id: r.int(2)?, name: r.text(3)?, contact: r.text(4)?, body: r.text(5)?, status: r.text(6)?, resolution: r.text(7)?, resolved_by: r.text(8)?, created_at: r.int(9)? })
    })
    .await
}

/// Objections one client address may raise before it has been quiet for an hour: each one holds
/// a project back until the bureau answers it, so nobody may flood a notice.
pub const OBJECTIONS_PER_ADDRESS: i64 = 5;
const OBJECTION_QUIET_MS: i64 = 3_600_000;

/// Who objects: the words they sign with, and where the request came from.
pub struct Objector<'a> {
    pub name: &'a str,
    pub contact: &'a str,
    /// The client's address (as the sign-in throttle sees it), when known.
    pub address: Option<&'a str>,
}

/// Anyone may object to an application on the notice while it runs (name and contact required,
/// so the bureau can verify and answer); refused with the field otherwise, refused when the same
/// contact already has an open objection to it, and at most [`OBJECTIONS_PER_ADDRESS`] from one
/// address in a row.
pub async fn object(
    db: &Db,
    call_id: i64,
    application_code: &str,
    who: &Objector<'_>,
    body: &str,
    today: NaiveDate,
) -> Result<i64> {
    let (name, contact) = (who.name, who.contact);
    let n = notice(db, call_id).await?.ok_or(StoreError::NotFound)?;
    if today < n.starts_on || today > n.ends_on {
        return Err(refused(
            "announce.err.closed",
            vec![n.ends_on.format("%Y年%m月%d日").to_string()],
        ));
    }
    let app = db
        .read(
            "SELECT id FROM applications WHERE call_id = ? AND code = ? AND stage = 'approved'",
            vec![call_id.into(), application_code.trim().into()],
            |r| r.int(0),
        )
        .await?
        .into_iter()
        .next();
    let Some(app) = app else {
        return Err(refused("announce.err.application", vec![application_code.trim().into()]));
    };
    for (field, v, min, max) in
        [("name", name, 2, 50), ("contact", contact, 5, 100), ("body", body, 10, 2000)]
    {
        let len = v.trim().chars().count();
        if len < min || len > max {
            return Err(refused(
                "announce.err.field",
                vec![field.into(), min.to_string(), max.to_string()],
            ));
        }
    }
    let tx = db.begin_write().await?;
    let open = tx.query_one("SELECT COUNT(*) FROM notice_objections WHERE application_id = ? AND contact = ? AND status = 'open'", vec![app.into(), contact.trim().into()]).await?;
    if open.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0) > 0 {
        return Err(refused("announce.err.duplicate", vec![]));
    }
    if let Some(address) = who.address {
        let now = now_ms();
        let bucket = format!("objection:{address}");
        let row = tx
            .query_one(
                "SELECT failures, last_at FROM login_throttle WHERE bucket = ?",
                vec![bucket.clone().into()],
            )
            .await?;
        let count = match row {
            Some(r) if r.try_get_by_index::<i64>(1)? > now - OBJECTION_QUIET_MS => {
                r.try_get_by_index::<i64>(0)?
            }
            _ => 0,
        };
        if count >= OBJECTIONS_PER_ADDRESS {
            return Err(refused("announce.err.too_many", vec![OBJECTIONS_PER_ADDRESS.to_string()]));
        }
        tx.exec(
            "INSERT INTO login_throttle (bucket, failures, blocked_until, last_at) VALUES (?, ?, 0, ?) ON CONFLICT (bucket) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at",
            vec![bucket.into(), (count + 1).into(), now.into()],
        )
        .await?;
    }
    let id = tx
        .insert(
            "INSERT INTO notice_objections (call_id, application_id, name, contact, body, status, resolution, resolved_by, resolved_at, created_at) VALUES (?, ?, ?, ?, ?, 'open', '', '', 0, ?)",
            vec![call_id.into(), app.into(), name.trim().into(), contact.trim().into(), body.trim().into(), now_ms().into()],
        )
        .await?;
    let public = Actor { user_id: 0, username: "public", request_id: "" };
    log(
        &tx,
        public,
        "objection.create",
        "application",
        app,
        serde_json::json!({}),
        serde_json::json!({ "objection": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The bureau answers an objection: upheld rejects the application (its money goes back to the
/// programme) in the same transaction; dismissed leaves it approved. Either needs the answer.
pub async fn resolve_objection(
    db: &Db,
    objection_id: i64,
    uphold: bool,
    resolution: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let o = db
        .read(
            "SELECT call_id, application_id, status FROM notice_objections WHERE id = ?",
            vec![objection_id.into()],
            |r| Ok((r.int(0)?, r.int(1)?, r.text(2)?)),
        )
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)?;
    if o.2 != "open" {
        return Err(refused("announce.err.resolved", vec![]));
    }
    if resolution.trim().chars().count() < 4 {
        return Err(refused("apps.err.reason", vec![]));
    }
    let a = application(db, o.1).await?.ok_or(StoreError::NotFound)?;
    let c = call(db, o.0).await?.ok_or(StoreError::NotFound)?;
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE notice_objections SET status = ?, resolution = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND status = 'open'", vec![(if uphold { "upheld" } else { "dismissed" }).into(), resolution.trim().into(), actor.username.into(), now_ms().into(), objection_id.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    if uphold && a.stage == Stage::Approved {
        let reason = format!("公示期异议成立：{}", resolution.trim());
        apply(&tx, &a, &c, Action::Reject, Stage::Rejected, &reason, Decision::default(), actor)
            .await?;
    }
    log(
        &tx,
        actor,
        if uphold { "objection.uphold" } else { "objection.dismiss" },
        "application",
        a.id,
        serde_json::json!({ "objection": objection_id, "status": "open" }),
        serde_json::json!({ "resolution": resolution.trim() }),
    )
    .await?;
    tx.commit().await
}

/// Why an approved application may not be established yet (the notice, open objections).
pub(super) async fn establish_check(db: &Db, a: &Application, today: NaiveDate) -> Result<()> {
    let n = notice(db, a.call_id).await?;
    let open = db
        .read(
            "SELECT COUNT(*) FROM notice_objections WHERE application_id = ? AND status = 'open'",
            vec![a.id.into()],
            |r| r.int(0),
        )
        .await?
        .first()
        .copied()
        .unwrap_or(0);
    rules::may_establish(today, n.as_ref().map(|n| n.ends_on), open as usize).map_err(|why| {
        refused(
            "announce.err.establish",
            vec![
                why.into(),
                n.map(|n| n.ends_on.format("%Y年%m月%d日").to_string()).unwrap_or_default(),
            ],
        )
    })
}

/// Establishes every approved application of a call whose notice is over without an open
/// objection; returns how many became projects and how many are still held.
pub async fn establish_call(
    db: &Db,
    call_id: i64,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<(usize, usize)> {
    let approved =
        super::applications(db, super::Reach::All, Some(call_id), Some(Stage::Approved)).await?;
    let (mut done, mut held) = (0, 0);
    for a in approved {
        match super::act(
            db,
            a.id,
            super::Move {
                action: Action::Establish,
                level: innocity_core::projects::Level::Bureau,
                reason: "",
            },
            a.version,
            Decision::default(),
            today,
            actor,
        )
        .await
        {
            Ok(_) => done += 1,
            Err(StoreError::Refused { key: "announce.err.establish", args })
                if args.first().map(String::as_str) == Some("objections_open") =>
            {
                held += 1
            }
            Err(e) => return Err(e),
        }
    }
    Ok((done, held))
}

// ---------------------------------------------------------------- status

async fn book_or_refuse(db: &Db, application_id: i64) -> Result<TaskBook> {
    task_book(db, application_id).await?.ok_or_else(|| refused("projects.err.no_task_book", vec![]))
}

/// The project's status as `tx` sees it: a check made before the write is made again inside it,
/// so a project suspended or terminated meanwhile is never written to as if it ran.
async fn status_in(tx: &Tx, application_id: i64) -> Result<Status> {
    let row = tx
        .query_one(
            "SELECT status FROM task_books WHERE application_id = ?",
            vec![application_id.into()],
        )
        .await?
        .ok_or_else(|| refused("projects.err.no_task_book", vec![]))?;
    let status: String = row.try_get_by_index(0)?;
    Status::parse(&status)
        .ok_or_else(|| StoreError::Invalid(format!("unknown project status {status}")))
}

/// Unpaid instalments are cancelled and their money goes back to the programme's year.
async fn cancel_unpaid(tx: &Tx, a: &Application) -> Result<Money> {
    let c = tx
        .query_one("SELECT programme_id, year FROM calls WHERE id = ?", vec![a.call_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let (programme, year): (i64, i64) = (c.try_get_by_index(0)?, c.try_get_by_index(1)?);
    let row = tx.query_one("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM instalments WHERE application_id = ? AND released_by = '' AND cancelled = 0", vec![a.id.into()]).await?;
    let unpaid: i64 = row.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0);
    tx.exec("UPDATE instalments SET cancelled = 1 WHERE application_id = ? AND released_by = '' AND cancelled = 0", vec![a.id.into()]).await?;
    tx.exec("UPDATE programme_budgets SET committed_fen = committed_fen - ? WHERE programme_id = ? AND year = ?", vec![unpaid.into(), programme.into(), year.into()]).await?;
    Ok(Money(unpaid))
}

/// Suspends, resumes or terminates a project (the bureau); termination cancels what is unpaid.
pub async fn set_status(
    db: &Db,
    application_id: i64,
    action: StatusAction,
    reason: &str,
    version: i64,
    actor: Actor<'_>,
) -> Result<Status> {
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    let book = book_or_refuse(db, application_id).await?;
    if book.version != version {
        return Err(StoreError::Stale);
    }
    let to = rules::next_status(book.status, action, reason).map_err(|why| {
        if why == "reason" {
            refused("apps.err.reason", vec![])
        } else {
            refused("projects.err.status", vec![book.status.code().into(), action.code().into()])
        }
    })?;
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE task_books SET status = ?, status_reason = ?, version = version + 1 WHERE application_id = ? AND version = ?", vec![to.code().into(), reason.trim().into(), application_id.into(), version.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let returned =
        if to == Status::Terminated { cancel_unpaid(&tx, &a).await? } else { Money::ZERO };
    log(&tx, actor, &format!("project.{}", action.code()), "application", application_id, serde_json::json!({ "status": book.status.code() }), serde_json::json!({ "status": to.code(), "reason": reason.trim(), "returned_fen": returned.0 })).await?;
    tx.commit().await?;
    Ok(to)
}

// ---------------------------------------------------------------- reports and reminders

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub due: Due,
    /// due (never submitted), submitted
    pub status: String,
    pub body: String,
    /// The leader's account of each deliverable (final report): (deliverable, met|partly|not_met).
    pub deliverables: Vec<(String, String)>,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub reminded_at: i64,
    pub overdue: bool,
    pub on_time: bool,
}

/// The project's reporting schedule (from its task book's dates, so an extension moves it) with
/// what has come in.
pub async fn reports(db: &Db, application_id: i64, today: NaiveDate) -> Result<Vec<Report>> {
    let Some(book) = task_book(db, application_id).await? else { return Ok(vec![]) };
    let stored = db
        .read("SELECT kind, seq, body, deliverables, status, submitted_by, submitted_at, reminded_at FROM project_reports WHERE application_id = ?", vec![application_id.into()], |r| {
            Ok((r.text(0)?, r.int(1)?, r.text(2)?, r.text(3)?, r.text(4)?, r.text(5)?, r.int(6)?, r.int(7)?))
        })
        .await?;
    Ok(rules::report_schedule(book.starts(), book.ends())
        .into_iter()
        .map(|due| {
            let row = stored.iter().find(|s| s.0 == due.kind.code() && s.1 == i64::from(due.seq));
            let submitted = row.is_some_and(|s| s.4 == "submitted");
            let submitted_day = row
                .filter(|_| submitted)
                .and_then(|s| chrono::DateTime::from_timestamp_millis(s.6))
                .map(|t| t.date_naive());
            Report {
                due,
                status: if submitted { "submitted".into() } else { "due".into() },
                body: row.map(|s| s.2.clone()).unwrap_or_default(),
                deliverables: row.and_then(|s| serde_json::from_str(&s.3).ok()).unwrap_or_default(),
                submitted_by: row.map(|s| s.5.clone()).unwrap_or_default(),
                submitted_at: row.map(|s| s.6).unwrap_or(0),
                reminded_at: row.map(|s| s.7).unwrap_or(0),
                overdue: book.status.running() && rules::overdue(due.due_on, submitted, today),
                on_time: submitted_day.is_some_and(|d| d <= due.due_on),
            }
        })
        .collect())
}

/// The leader submits a report (once); the final report accounts for every deliverable.
pub async fn submit_report(
    db: &Db,
    application_id: i64,
    kind: ReportKind,
    seq: u32,
    body: &str,
    deliverables: &[(String, String)],
    actor: Actor<'_>,
) -> Result<()> {
    let book = book_or_refuse(db, application_id).await?;
    if !book.status.running() {
        return Err(refused(
            "projects.err.status",
            vec![book.status.code().into(), "report".into()],
        ));
    }
    let due = rules::report_schedule(book.starts(), book.ends())
        .into_iter()
        .find(|d| d.kind == kind && d.seq == seq)
        .ok_or(StoreError::NotFound)?;
    if body.trim().chars().count() < 20 {
        return Err(refused("projects.err.report_body", vec!["20".into()]));
    }
    if kind == ReportKind::Final {
        for d in &book.deliverables {
            match deliverables.iter().find(|x| &x.0 == d).map(|x| x.1.as_str()) {
                Some("met" | "partly" | "not_met") => {}
                _ => return Err(refused("projects.err.deliverable", vec![d.clone()])),
            }
        }
    }
    let tx = db.begin_write().await?;
    let status = status_in(&tx, application_id).await?;
    if !status.running() {
        return Err(refused("projects.err.status", vec![status.code().into(), "report".into()]));
    }
    let now = now_ms();
    let n = tx
        .exec(
            "UPDATE project_reports SET body = ?, deliverables = ?, status = 'submitted', submitted_by = ?, submitted_at = ? WHERE application_id = ? AND kind = ? AND seq = ? AND status = 'due'",
            vec![body.trim().into(), serde_json::to_string(deliverables).unwrap_or_default().into(), actor.username.into(), now.into(), application_id.into(), kind.code().into(), i64::from(seq).into()],
        )
        .await?;
    if n == 0 {
        let exists = tx.query_one("SELECT status FROM project_reports WHERE application_id = ? AND kind = ? AND seq = ?", vec![application_id.into(), kind.code().into(), i64::from(seq).into()]).await?;
        if exists.is_some() {
            return Err(refused("projects.err.report_in", vec![]));
        }
        tx.exec(
            "INSERT INTO project_reports (application_id, kind, seq, due_on, body, deliverables, status, submitted_by, submitted_at, reminded_at) VALUES (?, ?, ?, ?, ?, ?, 'submitted', ?, ?, 0)",
            vec![application_id.into(), kind.code().into(), i64::from(seq).into(), day(due.due_on).into(), body.trim().into(), serde_json::to_string(deliverables).unwrap_or_default().into(), actor.username.into(), now.into()],
        )
        .await?;
    }
    log(
        &tx,
        actor,
        "project.report",
        "application",
        application_id,
        serde_json::json!({}),
        serde_json::json!({ "kind": kind.code(), "seq": seq }),
    )
    .await?;
    tx.commit().await
}

/// The leader adds a file to a report not yet submitted (while the project runs): checked and
/// kept like an application's attachments, under `report:<kind>:<seq>`.
#[allow(clippy::too_many_arguments)]
pub async fn add_report_file(
    db: &Db,
    files: &std::path::Path,
    application_id: i64,
    leader_user_id: i64,
    kind: ReportKind,
    seq: u32,
    name: &str,
    bytes: &[u8],
    actor: Actor<'_>,
) -> Result<i64> {
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    if a.leader_user_id != leader_user_id || a.stage != Stage::Established {
        return Err(StoreError::NotFound);
    }
    let book = book_or_refuse(db, application_id).await?;
    if !book.status.running() {
        return Err(refused(
            "projects.err.status",
            vec![book.status.code().into(), "report".into()],
        ));
    }
    rules::report_schedule(book.starts(), book.ends())
        .into_iter()
        .find(|d| d.kind == kind && d.seq == seq)
        .ok_or(StoreError::NotFound)?;
    // Checked inside the write: a file never lands on a report that has just been submitted.
    let submitted: (&str, Vec<sea_orm::Value>, StoreError) = (
        "SELECT 1 FROM project_reports WHERE application_id = ? AND kind = ? AND seq = ? AND status = 'submitted'",
        vec![application_id.into(), kind.code().into(), i64::from(seq).into()],
        refused("projects.err.report_in", vec![]),
    );
    super::store_attachment(
        db,
        files,
        application_id,
        name,
        &report_file_kind(kind, seq),
        bytes,
        "project.report_file",
        Some(submitted),
        actor,
    )
    .await
}

/// The leader marks a milestone reached (today, with a note); once only, while the project runs.
pub async fn reach_milestone(
    db: &Db,
    application_id: i64,
    index: usize,
    note: &str,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    let book = book_or_refuse(db, application_id).await?;
    if !book.status.running() {
        return Err(refused(
            "projects.err.status",
            vec![book.status.code().into(), "milestone".into()],
        ));
    }
    let mut milestones = book.milestones.clone();
    let m = milestones.get_mut(index).ok_or(StoreError::NotFound)?;
    if m.reached_on.is_some() {
        return Err(refused("projects.err.milestone_reached", vec![m.text.clone()]));
    }
    if note.trim().chars().count() < 4 || note.chars().count() > 1000 {
        return Err(refused("projects.err.field", vec!["milestone_note".into()]));
    }
    m.reached_on = Some(today);
    m.note = note.trim().to_string();
    let text = m.text.clone();
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE task_books SET milestones = ?, version = version + 1 WHERE application_id = ? AND version = ?", vec![serde_json::to_string(&milestones).unwrap_or_default().into(), application_id.into(), book.version.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    log(
        &tx,
        actor,
        "project.milestone",
        "application",
        application_id,
        serde_json::json!({ "milestone": text }),
        serde_json::json!({ "reached_on": day(today), "note": note.trim() }),
    )
    .await?;
    tx.commit().await
}

/// The attachment kind of a report's files.
pub fn report_file_kind(kind: ReportKind, seq: u32) -> String {
    format!("report:{}:{seq}", kind.code())
}

/// Reminds the leaders of every overdue report (催交); returns how many were reminded. A report
/// reminded within the last day is not reminded again.
pub async fn remind_overdue(db: &Db, today: NaiveDate, actor: Actor<'_>) -> Result<usize> {
    let mut n = 0;
    let now = now_ms();
    for p in portfolio(db, super::Reach::All, today).await? {
        for r in reports(db, p.id, today)
            .await?
            .into_iter()
            .filter(|r| r.overdue && now - r.reminded_at > 86_400_000)
        {
            let tx = db.begin_write().await?;
            let (kind, seq) = (r.due.kind.code(), i64::from(r.due.seq));
            let changed = tx.exec("UPDATE project_reports SET reminded_at = ? WHERE application_id = ? AND kind = ? AND seq = ? AND status = 'due'", vec![now.into(), p.id.into(), kind.into(), seq.into()]).await?;
            if changed == 0 {
                tx.exec("INSERT INTO project_reports (application_id, kind, seq, due_on, body, deliverables, status, submitted_by, submitted_at, reminded_at) VALUES (?, ?, ?, ?, '', '[]', 'due', '', 0, ?)", vec![p.id.into(), kind.into(), seq.into(), day(r.due.due_on).into(), now.into()]).await?;
            }
            log(
                &tx,
                actor,
                "project.remind",
                "application",
                p.id,
                serde_json::json!({}),
                serde_json::json!({ "kind": kind, "seq": seq, "due_on": day(r.due.due_on) }),
            )
            .await?;
            tx.commit().await?;
            n += 1;
        }
    }
    Ok(n)
}

// ---------------------------------------------------------------- expert opinions, mid-term, acceptance

#[derive(Debug, Clone, Serialize)]
pub struct OpinionRow {
    pub id: i64,
    /// mid_term, acceptance
    pub stage: String,
    pub opinion: Opinion,
    pub added_by: String,
}

pub async fn opinions(db: &Db, application_id: i64) -> Result<Vec<OpinionRow>> {
    Ok(db
        .read("SELECT id, stage, expert, score, conclusion, body, added_by FROM project_opinions WHERE application_id = ? ORDER BY id", vec![application_id.into()], |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.int(3)?, r.text(4)?, r.text(5)?, r.text(6)?)))
        .await?
        .into_iter()
        .filter_map(|(id, stage, expert, score, c, text, by)| Some(OpinionRow { id, stage, opinion: Opinion { expert, score: u8::try_from(score).ok()?, conclusion: Outcome::parse(&c)?, text }, added_by: by }))
        .collect())
}

/// The bureau enters an expert's written opinion (the inspection or acceptance group's forms).
pub async fn add_opinion(
    db: &Db,
    application_id: i64,
    stage: Condition,
    o: &Opinion,
    actor: Actor<'_>,
) -> Result<i64> {
    let book = book_or_refuse(db, application_id).await?;
    if !matches!(stage, Condition::MidTerm | Condition::Acceptance) {
        return Err(refused("projects.err.stage", vec![]));
    }
    if !book.status.running() {
        return Err(refused(
            "projects.err.status",
            vec![book.status.code().into(), "opinion".into()],
        ));
    }
    if o.expert.trim().is_empty() {
        return Err(refused("projects.err.field", vec!["expert".into()]));
    }
    if o.score > 100 {
        return Err(refused("projects.err.score", vec![]));
    }
    if o.text.trim().chars().count() < 10 {
        return Err(refused("projects.err.field", vec!["opinion".into()]));
    }
    let tx = db.begin_write().await?;
    let status = status_in(&tx, application_id).await?;
    if !status.running() {
        return Err(refused("projects.err.status", vec![status.code().into(), "opinion".into()]));
    }
    let id = tx
        .insert(
            "INSERT INTO project_opinions (application_id, stage, expert, score, conclusion, body, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![application_id.into(), stage.code().into(), o.expert.trim().into(), i64::from(o.score).into(), o.conclusion.code().into(), o.text.trim().into(), actor.username.into(), now_ms().into()],
        )
        .await?;
    log(&tx, actor, "project.opinion", "application", application_id, serde_json::json!({}), serde_json::json!({ "stage": stage.code(), "expert": o.expert.trim(), "score": o.score, "conclusion": o.conclusion.code() })).await?;
    tx.commit().await?;
    Ok(id)
}

fn report_in(reports: &[Report], kind: ReportKind) -> Option<&Report> {
    reports.iter().find(|r| r.due.kind == kind && r.status == "submitted")
}

/// Concludes the mid-term inspection: the mid-term report is in and at least three experts gave
/// opinions. Passed (or passed with conditions) approves the mid-term condition, which releases
/// the second instalment; failed suspends the project.
pub async fn conclude_mid_term(
    db: &Db,
    application_id: i64,
    outcome: Outcome,
    opinion: &str,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    let book = book_or_refuse(db, application_id).await?;
    if book.status != Status::Ongoing {
        return Err(refused(
            "projects.err.status",
            vec![book.status.code().into(), "mid_term".into()],
        ));
    }
    if super::conditions(db, application_id).await?.iter().any(|c| c.0 == Condition::MidTerm) {
        return Err(refused("projects.err.concluded", vec![]));
    }
    if report_in(&reports(db, application_id, today).await?, ReportKind::MidTerm).is_none() {
        return Err(refused("projects.err.no_report", vec!["mid_term".into()]));
    }
    let n = opinions(db, application_id).await?.iter().filter(|o| o.stage == "mid_term").count();
    if n < rules::MIN_OPINIONS {
        return Err(refused(
            "projects.err.opinions",
            vec![rules::MIN_OPINIONS.to_string(), n.to_string()],
        ));
    }
    if opinion.trim().chars().count() < 4 {
        return Err(refused("apps.err.reason", vec![]));
    }
    let tx = db.begin_write().await?;
    let status = status_in(&tx, a.id).await?;
    if status != Status::Ongoing {
        return Err(refused("projects.err.status", vec![status.code().into(), "mid_term".into()]));
    }
    if tx
        .query_one(
            "SELECT 1 FROM project_conditions WHERE application_id = ? AND condition = ?",
            vec![a.id.into(), Condition::MidTerm.code().into()],
        )
        .await?
        .is_some()
    {
        return Err(refused("projects.err.concluded", vec![]));
    }
    if outcome == Outcome::Failed {
        tx.exec("UPDATE task_books SET status = 'suspended', status_reason = ?, version = version + 1 WHERE application_id = ?", vec![format!("中期检查不合格：{}", opinion.trim()).into(), a.id.into()]).await?;
    } else {
        condition_in(&tx, a.id, Condition::MidTerm, opinion, actor).await?;
    }
    log(
        &tx,
        actor,
        "project.mid_term",
        "application",
        a.id,
        serde_json::json!({}),
        serde_json::json!({ "outcome": outcome.code(), "opinion": opinion.trim() }),
    )
    .await?;
    tx.commit().await
}

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRow {
    pub outcome: Outcome,
    pub score: f64,
    /// excellent, good, pass, fail
    pub grade: String,
    pub opinion: String,
    pub credit_records: Vec<i64>,
    pub decided_by: String,
    pub decided_at: i64,
}

pub async fn outcome(db: &Db, application_id: i64) -> Result<Option<OutcomeRow>> {
    Ok(db
        .read("SELECT outcome, score, grade, opinion, credit_records, decided_by, decided_at FROM project_outcomes WHERE application_id = ?", vec![application_id.into()], |r| {
            Ok((r.text(0)?, r.opt_real(1)?.unwrap_or(0.0), r.text(2)?, r.text(3)?, r.text(4)?, r.text(5)?, r.int(6)?))
        })
        .await?
        .into_iter()
        .next()
        .and_then(|(o, score, grade, opinion, credit, by, at)| Some(OutcomeRow { outcome: Outcome::parse(&o)?, score, grade, opinion, credit_records: serde_json::from_str(&credit).unwrap_or_default(), decided_by: by, decided_at: at })))
}

/// Deliverables the final report says are met (partly met counts half, rounded down).
fn met(report: &Report) -> usize {
    let full = report.deliverables.iter().filter(|d| d.1 == "met").count();
    let part = report.deliverables.iter().filter(|d| d.1 == "partly").count();
    full + part / 2
}

/// The acceptance decision (验收结论): the final report is in and at least three experts gave
/// opinions. Passed or passed with conditions approves the acceptance (or, for a post-subsidy
/// project, results-verified) condition; failed cancels what is unpaid, returns it to the programme
/// and writes credit records for the leader and the organisation — serious with a three-year ban
/// when fraud was found. The performance grade is computed and kept. One transaction.
pub async fn decide_acceptance(
    db: &Db,
    application_id: i64,
    decided: Outcome,
    opinion: &str,
    fraud: bool,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<OutcomeRow> {
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    let book = book_or_refuse(db, application_id).await?;
    if book.status != Status::Ongoing {
        return Err(refused(
            "projects.err.status",
            vec![book.status.code().into(), "acceptance".into()],
        ));
    }
    let reps = reports(db, application_id, today).await?;
    let Some(final_report) = report_in(&reps, ReportKind::Final) else {
        return Err(refused("projects.err.no_report", vec!["final".into()]));
    };
    let ops: Vec<Opinion> = opinions(db, application_id)
        .await?
        .into_iter()
        .filter(|o| o.stage == "acceptance")
        .map(|o| o.opinion)
        .collect();
    if ops.len() < rules::MIN_OPINIONS {
        return Err(refused(
            "projects.err.opinions",
            vec![rules::MIN_OPINIONS.to_string(), ops.len().to_string()],
        ));
    }
    if opinion.trim().chars().count() < 4 {
        return Err(refused("apps.err.reason", vec![]));
    }
    if fraud && decided != Outcome::Failed {
        return Err(refused("projects.err.fraud_pass", vec![]));
    }
    let met = met(final_report);
    let due =
        reps.iter().filter(|r| r.due.due_on <= today && r.due.kind != ReportKind::Final).count();
    let on_time = reps.iter().filter(|r| r.on_time && r.due.kind != ReportKind::Final).count();
    let (score, grade) =
        rules::performance(&ops, met, book.deliverables.len(), on_time.min(due), due);
    let org = crate::orgs::get(db, a.organisation_id).await?.ok_or(StoreError::NotFound)?;
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE task_books SET status = ?, status_reason = ?, version = version + 1 WHERE application_id = ? AND version = ?", vec![decided.status().code().into(), opinion.trim().into(), a.id.into(), book.version.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let mut records = Vec::new();
    if decided == Outcome::Failed {
        cancel_unpaid(&tx, &a).await?;
        let record = Record {
            id: 0,
            nature: Nature::Bad,
            kind: if fraud {
                "项目验收中发现弄虚作假".into()
            } else {
                "项目验收不通过".into()
            },
            severity: if fraud { Severity::Serious } else { Severity::Minor },
            source: format!("{} 验收结论", a.code),
            date: today,
            sanction: if fraud { Sanction::Years(3) } else { Sanction::None },
            points: 0,
        };
        for subject in [
            crate::credit::Subject {
                kind: "person".into(),
                key: a.leader_key.clone(),
                name: a.leader_name.clone(),
            },
            crate::credit::Subject {
                kind: "organisation".into(),
                key: org.credit_code.clone(),
                name: org.name.clone(),
            },
        ] {
            records.push(crate::credit::add_in(&tx, &subject, &record, today, actor).await?.0);
        }
    } else {
        let condition =
            if book.post_subsidy { Condition::ResultsVerified } else { Condition::Acceptance };
        condition_in(&tx, a.id, condition, opinion, actor).await?;
    }
    let now = now_ms();
    tx.exec(
        "INSERT INTO project_outcomes (application_id, outcome, score, grade, opinion, credit_records, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vec![a.id.into(), decided.code().into(), score.into(), grade.into(), opinion.trim().into(), serde_json::to_string(&records).unwrap_or_default().into(), actor.username.into(), now.into()],
    )
    .await?;
    log(&tx, actor, "project.accept", "application", a.id, serde_json::json!({ "status": book.status.code() }), serde_json::json!({ "outcome": decided.code(), "score": score, "grade": grade, "fraud": fraud, "credit_records": records })).await?;
    tx.commit().await?;
    Ok(OutcomeRow {
        outcome: decided,
        score,
        grade: grade.into(),
        opinion: opinion.trim().into(),
        credit_records: records,
        decided_by: actor.username.into(),
        decided_at: now,
    })
}

// ---------------------------------------------------------------- change requests (变更)

#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    pub id: i64,
    pub kind: ChangeKind,
    pub detail: serde_json::Value,
    pub reason: String,
    /// pending, approved, refused
    pub status: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: String,
    pub decision: String,
}

pub async fn changes(db: &Db, application_id: i64) -> Result<Vec<ChangeRow>> {
    Ok(db
        .read("SELECT id, kind, detail, reason, status, requested_by, requested_at, decided_by, decision FROM project_changes WHERE application_id = ? ORDER BY id", vec![application_id.into()], |r| {
            Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.text(3)?, r.text(4)?, r.text(5)?, r.int(6)?, r.text(7)?, r.text(8)?))
        })
        .await?
        .into_iter()
        .filter_map(|(id, kind, detail, reason, status, by, at, dby, decision)| Some(ChangeRow { id, kind: ChangeKind::parse(&kind)?, detail: serde_json::from_str(&detail).unwrap_or_default(), reason, status, requested_by: by, requested_at: at, decided_by: dby, decision }))
        .collect())
}

/// What a change asks for.
#[derive(Debug, Clone)]
pub enum ChangeDetail {
    Leader { name: String, id_number: String },
    Budget(Vec<Line>),
    Extension(NaiveDate),
}

/// Checks a change against the project and the rules (a new leader must have a valid ID number and
/// no credit ban; a reallocation and an extension within their limits).
async fn check_change(
    db: &Db,
    book: &TaskBook,
    detail: &ChangeDetail,
    today: NaiveDate,
) -> Result<()> {
    let change =
        |e: rules::ChangeError| refused("projects.err.change", vec![e.field, e.rule.into()]);
    match detail {
        ChangeDetail::Leader { name, id_number } => {
            if name.trim().chars().count() < 2 {
                return Err(refused("projects.err.field", vec!["leader_name".into()]));
            }
            if !super::id_number_ok(id_number) {
                return Err(refused("apps.err.id_number", vec![]));
            }
            if let Some(r) = crate::credit::check(db, id_number.trim(), today).await?.deciding {
                return Err(refused(
                    "projects.err.leader_barred",
                    vec![format!("{}（{}）", r.kind, r.source)],
                ));
            }
        }
        ChangeDetail::Budget(lines) => {
            rules::check_reallocation(&book.budget, lines).map_err(change)?
        }
        ChangeDetail::Extension(end) => {
            rules::check_extension(book.ends(), *end, book.extended).map_err(change)?
        }
    }
    Ok(())
}

fn detail_json(d: &ChangeDetail) -> (ChangeKind, serde_json::Value) {
    match d {
        ChangeDetail::Leader { name, id_number } => (
            ChangeKind::Leader,
            serde_json::json!({ "name": name.trim(), "id_number": id_number.trim() }),
        ),
        ChangeDetail::Budget(lines) => (ChangeKind::Budget, serde_json::json!({ "lines": lines })),
        ChangeDetail::Extension(end) => {
            (ChangeKind::Extension, serde_json::json!({ "ends_on": day(*end) }))
        }
    }
}

/// The leader asks for a change (one pending change of each kind at a time).
pub async fn request_change(
    db: &Db,
    application_id: i64,
    detail: &ChangeDetail,
    reason: &str,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<i64> {
    let book = book_or_refuse(db, application_id).await?;
    if !book.status.running() {
        return Err(refused(
            "projects.err.status",
            vec![book.status.code().into(), "change".into()],
        ));
    }
    if reason.trim().chars().count() < 10 {
        return Err(refused("projects.err.field", vec!["reason".into()]));
    }
    check_change(db, &book, detail, today).await?;
    let (kind, json) = detail_json(detail);
    if changes(db, application_id).await?.iter().any(|c| c.kind == kind && c.status == "pending") {
        return Err(refused("projects.err.change_pending", vec![]));
    }
    let tx = db.begin_write().await?;
    let status = status_in(&tx, application_id).await?;
    if !status.running() {
        return Err(refused("projects.err.status", vec![status.code().into(), "change".into()]));
    }
    if tx.query_one("SELECT 1 FROM project_changes WHERE application_id = ? AND kind = ? AND status = 'pending'", vec![application_id.into(), kind.code().into()]).await?.is_some() {
        return Err(refused("projects.err.change_pending", vec![]));
    }
    let id = tx
        .insert(
            "INSERT INTO project_changes (application_id, kind, detail, reason, status, requested_by, requested_at, decided_by, decided_at, decision) VALUES (?, ?, ?, ?, 'pending', ?, ?, '', 0, '')",
            vec![application_id.into(), kind.code().into(), json.to_string().into(), reason.trim().into(), actor.username.into(), now_ms().into()],
        )
        .await?;
    log(
        &tx,
        actor,
        "project.change_request",
        "application",
        application_id,
        serde_json::json!({}),
        serde_json::json!({ "change": id, "kind": kind.code(), "detail": json }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The bureau approves (the change is applied, checked again against today's project) or refuses
/// a change, with its answer.
pub async fn decide_change(
    db: &Db,
    change_id: i64,
    approve: bool,
    decision: &str,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    let application_id = db
        .read(
            "SELECT application_id FROM project_changes WHERE id = ?",
            vec![change_id.into()],
            |r| r.int(0),
        )
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)?;
    let c = changes(db, application_id)
        .await?
        .into_iter()
        .find(|c| c.id == change_id)
        .ok_or(StoreError::NotFound)?;
    if c.status != "pending" {
        return Err(refused("projects.err.change_decided", vec![]));
    }
    if decision.trim().chars().count() < 4 {
        return Err(refused("apps.err.reason", vec![]));
    }
    let book = book_or_refuse(db, application_id).await?;
    let detail = match c.kind {
        ChangeKind::Leader => ChangeDetail::Leader {
            name: c.detail["name"].as_str().unwrap_or_default().into(),
            id_number: c.detail["id_number"].as_str().unwrap_or_default().into(),
        },
        ChangeKind::Budget => ChangeDetail::Budget(
            serde_json::from_value(c.detail["lines"].clone()).unwrap_or_default(),
        ),
        ChangeKind::Extension => {
            ChangeDetail::Extension(date(c.detail["ends_on"].as_str().unwrap_or_default()))
        }
    };
    if approve {
        check_change(db, &book, &detail, today).await?;
    }
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE project_changes SET status = ?, decided_by = ?, decided_at = ?, decision = ? WHERE id = ? AND status = 'pending'", vec![(if approve { "approved" } else { "refused" }).into(), actor.username.into(), now_ms().into(), decision.trim().into(), change_id.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    if approve {
        match &detail {
            ChangeDetail::Leader { name, id_number } => {
                tx.exec("UPDATE applications SET leader_name = ?, leader_key = ?, updated_at = ?, version = version + 1 WHERE id = ?", vec![name.trim().into(), id_number.trim().into(), now_ms().into(), application_id.into()]).await?;
            }
            ChangeDetail::Budget(lines) => {
                tx.exec("UPDATE task_books SET budget = ?, version = version + 1 WHERE application_id = ?", vec![serde_json::to_string(lines).unwrap_or_default().into(), application_id.into()]).await?;
            }
            ChangeDetail::Extension(end) => {
                tx.exec("UPDATE task_books SET ends_on = ?, extended = 1, version = version + 1 WHERE application_id = ?", vec![day(*end).into(), application_id.into()]).await?;
            }
        }
    }
    log(&tx, actor, if approve { "project.change_approve" } else { "project.change_refuse" }, "application", application_id, serde_json::json!({ "change": change_id, "status": "pending" }), serde_json::json!({ "kind": c.kind.code(), "detail": c.detail, "decision": decision.trim() })).await?;
    tx.commit().await
}

// ---------------------------------------------------------------- supervision visits and fund audits

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: i64,
    /// supervision (项目监理), audit (稽查)
    pub kind: String,
    pub visited_on: String,
    pub findings: String,
    /// Empty when nothing needs rectifying.
    pub rectify_by: String,
    pub rectification: String,
    pub rectified_at: i64,
    pub added_by: String,
}

impl Finding {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        !self.rectify_by.is_empty() && self.rectified_at == 0 && today > date(&self.rectify_by)
    }
}

pub async fn findings(db: &Db, application_id: i64) -> Result<Vec<Finding>> {
    db.read("SELECT id, kind, visited_on, findings, rectify_by, rectification, rectified_at, added_by FROM project_findings WHERE application_id = ? ORDER BY visited_on, id", vec![application_id.into()], |r| {
        Ok(Finding { id: r.int(0)?, kind: r.text(1)?, visited_on: r.text(2)?, findings: r.text(3)?, rectify_by: r.text(4)?, rectification: r.text(5)?, rectified_at: r.int(6)?, added_by: r.text(7)? })
    })
    .await
}

/// Records a supervision visit or a fund audit with its findings and, when something must be put
/// right, the rectification deadline.
pub async fn add_finding(
    db: &Db,
    application_id: i64,
    kind: &str,
    visited_on: NaiveDate,
    findings: &str,
    rectify_by: Option<NaiveDate>,
    actor: Actor<'_>,
) -> Result<i64> {
    book_or_refuse(db, application_id).await?;
    if !matches!(kind, "supervision" | "audit") {
        return Err(refused("projects.err.field", vec!["kind".into()]));
    }
    if findings.trim().chars().count() < 10 {
        return Err(refused("projects.err.field", vec!["findings".into()]));
    }
    if rectify_by.is_some_and(|d| d <= visited_on) {
        return Err(refused("projects.err.field", vec!["rectify_by".into()]));
    }
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO project_findings (application_id, kind, visited_on, findings, rectify_by, rectification, rectified_at, added_by, added_at) VALUES (?, ?, ?, ?, ?, '', 0, ?, ?)",
            vec![application_id.into(), kind.into(), day(visited_on).into(), findings.trim().into(), rectify_by.map(day).unwrap_or_default().into(), actor.username.into(), now_ms().into()],
        )
        .await?;
    log(
        &tx,
        actor,
        &format!("project.{kind}"),
        "application",
        application_id,
        serde_json::json!({}),
        serde_json::json!({ "finding": id, "rectify_by": rectify_by.map(day) }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The leader reports what was put right (once).
pub async fn rectify(
    db: &Db,
    application_id: i64,
    finding_id: i64,
    text: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let f = findings(db, application_id)
        .await?
        .into_iter()
        .find(|f| f.id == finding_id)
        .ok_or(StoreError::NotFound)?;
    if f.rectify_by.is_empty() || f.rectified_at != 0 {
        return Err(refused("projects.err.rectified", vec![]));
    }
    if text.trim().chars().count() < 10 {
        return Err(refused("projects.err.field", vec!["rectification".into()]));
    }
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE project_findings SET rectification = ?, rectified_at = ? WHERE id = ? AND rectified_at = 0", vec![text.trim().into(), now_ms().into(), finding_id.into()]).await?;
    if n == 0 {
        return Err(refused("projects.err.rectified", vec![]));
    }
    log(
        &tx,
        actor,
        "project.rectify",
        "application",
        application_id,
        serde_json::json!({ "finding": finding_id }),
        serde_json::json!({ "rectification": text.trim() }),
    )
    .await?;
    tx.commit().await
}

// ---------------------------------------------------------------- outputs (成果)

#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub id: i64,
    pub application_id: i64,
    pub kind: String,
    pub title: String,
    pub reference: String,
    pub on_date: String,
}

pub async fn outputs(db: &Db, application_id: i64) -> Result<Vec<Output>> {
    db.read("SELECT id, application_id, kind, title, reference, on_date FROM project_outputs WHERE application_id = ? ORDER BY on_date, id", vec![application_id.into()], |r| {
        Ok(Output { id: r.int(0)?, application_id: r.int(1)?, kind: r.text(2)?, title: r.text(3)?, reference: r.text(4)?, on_date: r.text(5)? })
    })
    .await
}

/// Records an output of the project (patent, paper, standard, software, achievement, contract);
/// the same reference is one output.
pub async fn add_output(
    db: &Db,
    application_id: i64,
    kind: &str,
    title: &str,
    reference: &str,
    on_date: NaiveDate,
    actor: Actor<'_>,
) -> Result<i64> {
    book_or_refuse(db, application_id).await?;
    if !rules::OUTPUT_KINDS.contains(&kind) {
        return Err(refused("projects.err.field", vec!["kind".into()]));
    }
    if title.trim().chars().count() < 4 {
        return Err(refused("projects.err.field", vec!["title".into()]));
    }
    if reference.trim().is_empty() {
        return Err(refused("projects.err.field", vec!["reference".into()]));
    }
    if outputs(db, application_id)
        .await?
        .iter()
        .any(|o| o.kind == kind && o.reference == reference.trim())
    {
        return Err(refused("projects.err.output_twice", vec![reference.trim().into()]));
    }
    let tx = db.begin_write().await?;
    if tx
        .query_one(
            "SELECT 1 FROM project_outputs WHERE application_id = ? AND kind = ? AND reference = ?",
            vec![application_id.into(), kind.into(), reference.trim().into()],
        )
        .await?
        .is_some()
    {
        return Err(refused("projects.err.output_twice", vec![reference.trim().into()]));
    }
    let id = tx
        .insert(
            "INSERT INTO project_outputs (application_id, kind, title, reference, on_date, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![application_id.into(), kind.into(), title.trim().into(), reference.trim().into(), day(on_date).into(), actor.username.into(), now_ms().into()],
        )
        .await?;
    log(
        &tx,
        actor,
        "project.output",
        "application",
        application_id,
        serde_json::json!({}),
        serde_json::json!({ "output": id, "kind": kind, "reference": reference.trim() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Outputs counted by kind and year over the projects `reach` sees (the statistics' view).
pub async fn output_counts(db: &Db, reach: super::Reach<'_>) -> Result<Vec<(String, String, i64)>> {
    let (filter, params) = reach_filter(&reach);
    db.read(
        &format!("SELECT o.kind, SUBSTR(o.on_date, 1, 4), COUNT(*) FROM project_outputs o JOIN applications a ON a.id = o.application_id WHERE {filter} GROUP BY o.kind, SUBSTR(o.on_date, 1, 4) ORDER BY 2, 1"),
        params,
        |r| Ok((r.text(0)?, r.text(1)?, r.int(2)?)),
    )
    .await
}

/// An organisation's project outputs recorded in a year, by kind (for its statistical return).
pub async fn organisation_outputs(
    db: &Db,
    organisation_id: i64,
    year: i32,
) -> Result<Vec<(String, i64)>> {
    db.read(
        "SELECT o.kind, COUNT(*) FROM project_outputs o JOIN applications a ON a.id = o.application_id WHERE a.organisation_id = ? AND o.on_date >= ? AND o.on_date <= ? GROUP BY o.kind ORDER BY o.kind",
        vec![organisation_id.into(), format!("{year}-01-01").into(), format!("{year}-12-31").into()],
        |r| Ok((r.text(0)?, r.int(1)?)),
    )
    .await
}

fn reach_filter(reach: &super::Reach<'_>) -> (String, Vec<sea_orm::Value>) {
    match reach {
        super::Reach::Leader(u) => ("a.leader_user_id = ?".into(), vec![(*u).into()]),
        super::Reach::Organisation(o) => ("a.organisation_id = ?".into(), vec![(*o).into()]),
        super::Reach::Subtree(p) => {
            let (lo, hi) = crate::orgs::subtree_bounds(p);
            ("a.unit_path >= ? AND a.unit_path < ?".into(), vec![lo.into(), hi.into()])
        }
        super::Reach::All => ("1 = 1".into(), vec![]),
    }
}

// ---------------------------------------------------------------- portfolio and what is overdue

/// One project in a portfolio.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub call_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub leader_name: String,
    pub granted: Money,
    pub paid: Money,
    pub status: Status,
    pub starts_on: String,
    pub ends_on: String,
    /// Reports overdue and rectifications overdue.
    pub overdue_reports: usize,
    pub overdue_rectifications: usize,
    /// The next report due, if any.
    pub next_due: Option<Due>,
    pub pending_changes: usize,
    pub pending_payments: usize,
}

/// The projects `reach` sees with money paid, the next report due and everything overdue. Read
/// from the task books outwards (CROSS JOIN keeps SQLite from walking every application first:
/// the board calls this over 100,000 applications).
pub async fn portfolio(
    db: &Db,
    reach: super::Reach<'_>,
    today: NaiveDate,
) -> Result<Vec<ProjectRow>> {
    let (filter, params) = reach_filter(&reach);
    let rows = db
        .read(
            &format!(
                "SELECT a.id, a.code, a.title, a.call_id, a.organisation_id, o.name, a.leader_name, a.granted_fen, t.status, t.starts_on, t.ends_on, \
                 (SELECT CAST(COALESCE(SUM(i.amount_fen), 0) AS BIGINT) FROM instalments i WHERE i.application_id = a.id AND i.released_by <> ''), \
                 (SELECT COUNT(*) FROM project_changes c WHERE c.application_id = a.id AND c.status = 'pending'), \
                 (SELECT COUNT(*) FROM instalments i WHERE i.application_id = a.id AND i.prepared_by <> '' AND i.released_by = '' AND i.cancelled = 0) \
                 FROM task_books t CROSS JOIN applications a JOIN organisations o ON o.id = a.organisation_id WHERE a.id = t.application_id AND {filter} ORDER BY a.code"
            ),
            params,
            |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.int(3)?, r.int(4)?, r.text(5)?, r.text(6)?, r.int(7)?, r.text(8)?, r.text(9)?, r.text(10)?, r.int(11)?, r.int(12)?, r.int(13)?)),
        )
        .await?;
    // What is in (reports) and what must be put right (findings), read once for all projects.
    let submitted = db
        .read(
            "SELECT application_id, kind, seq FROM project_reports WHERE status = 'submitted'",
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?, r.int(2)?)),
        )
        .await?;
    let open_findings = db.read("SELECT application_id, rectify_by FROM project_findings WHERE rectify_by <> '' AND rectified_at = 0", vec![], |r| Ok((r.int(0)?, r.text(1)?))).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (
        id,
        code,
        title,
        call_id,
        organisation_id,
        organisation,
        leader_name,
        granted,
        status,
        starts_on,
        ends_on,
        paid,
        pending_changes,
        pending_payments,
    ) in rows
    {
        let status = Status::parse(&status).unwrap_or(Status::Ongoing);
        let schedule = rules::report_schedule(date(&starts_on), date(&ends_on));
        let is_in = |d: &Due| {
            submitted.iter().any(|s| s.0 == id && s.1 == d.kind.code() && s.2 == i64::from(d.seq))
        };
        let (overdue_reports, next_due) = if status.running() {
            (
                schedule.iter().filter(|d| rules::overdue(d.due_on, is_in(d), today)).count(),
                schedule.iter().find(|d| !is_in(d) && d.due_on >= today).copied(),
            )
        } else {
            (0, None)
        };
        let overdue_rectifications =
            open_findings.iter().filter(|f| f.0 == id && today > date(&f.1)).count();
        out.push(ProjectRow {
            id,
            code,
            title,
            call_id,
            organisation_id,
            organisation,
            leader_name,
            granted: Money(granted),
            paid: Money(paid),
            status,
            starts_on,
            ends_on,
            overdue_reports,
            overdue_rectifications,
            next_due,
            pending_changes: pending_changes as usize,
            pending_payments: pending_payments as usize,
        });
    }
    Ok(out)
}
