//! Annual tasks and their supervision (任务分解与督办): tasks of the year's work plan with a lead
//! unit and partners, broken down to zones and counties (a part within its whole's dates),
//! monthly progress with evidence files, and the reminders sent for tasks at risk or overdue.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::{Datelike, NaiveDate};
use innocity_core::supervision::{Progress, TaskProblem, Terms};

/// Why a step on a task is refused, with what the message needs.
#[derive(Debug, Clone, PartialEq)]
pub enum SupervisionRefusal {
    /// The task's terms break a rule, by field.
    Terms(Vec<(&'static str, TaskProblem)>),
    /// A part must lie within its whole's dates.
    BeyondParent { start: NaiveDate, deadline: NaiveDate },
    /// Progress is reported for a month from the task's start up to this month.
    Month { month: String },
    /// Progress is a share from 0 to 100.
    Percent { text: String },
    /// What is achieved is a number, 0 or more.
    Achieved { text: String },
    /// The lead unit given does not exist.
    Unit,
    /// A partner unit given does not exist, or is the lead itself.
    Partner,
}

fn refused(r: SupervisionRefusal) -> StoreError {
    StoreError::Supervision(r)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: i64,
    pub year: i32,
    pub parent_id: Option<i64>,
    pub title: String,
    pub lead_unit_id: i64,
    /// Partner units' ids.
    pub partners: Vec<i64>,
    pub start: NaiveDate,
    pub deadline: NaiveDate,
    pub target: f64,
    pub measure: String,
    pub version: i64,
}

impl FromRow for Task {
    const TABLE: &'static str = "supervision_tasks";
    columns!(
        id,
        year,
        parent_id,
        title,
        lead_unit_id,
        partners,
        start_date,
        deadline,
        target,
        measure,
        version
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Task {
            id: f.int()?,
            year: f.int32()?,
            parent_id: f.opt_int()?,
            title: f.text()?,
            lead_unit_id: f.int()?,
            partners: f.text()?.split(',').filter_map(|p| p.trim().parse().ok()).collect(),
            start: f.date()?,
            deadline: f.date()?,
            target: f.real()?,
            measure: f.text()?,
            version: f.int()?,
        })
    }
}

impl Task {
    pub fn terms(&self) -> Terms {
        Terms {
            title: self.title.clone(),
            start: self.start,
            deadline: self.deadline,
            target: self.target,
            measure: self.measure.clone(),
        }
    }
}

/// A new task: checked terms, its lead and partners, and the whole it is a part of.
#[derive(Debug, Clone)]
pub struct NewTask<'a> {
    pub terms: &'a Terms,
    pub lead_unit_id: i64,
    pub partners: &'a [i64],
    pub parent_id: Option<i64>,
}

pub async fn task(db: &Db, id: i64) -> Result<Option<Task>> {
    db.row(&select::<Task>("WHERE id = ?"), vec![id.into()]).await
}

/// The tasks of a year (with their parts), the plan's order: wholes first, by deadline.
pub async fn tasks(db: &Db, year: i32) -> Result<Vec<Task>> {
    db.rows(
        &select::<Task>(
            "WHERE year = ? ORDER BY COALESCE(parent_id, id), parent_id IS NOT NULL, deadline, id",
        ),
        vec![i64::from(year).into()],
    )
    .await
}

/// Adds a task of the plan (its year is its deadline's), or a part of one for a zone or county.
pub async fn create(db: &Db, new: &NewTask<'_>, actor: Actor<'_>) -> Result<i64> {
    let t = new.terms;
    let units = crate::orgs::units(db).await?;
    let known = |id: i64| units.iter().any(|u| u.id == id);
    if !known(new.lead_unit_id) {
        return Err(refused(SupervisionRefusal::Unit));
    }
    if new.partners.iter().any(|p| !known(*p) || *p == new.lead_unit_id) {
        return Err(refused(SupervisionRefusal::Partner));
    }
    // A task belongs to its deadline's year; a part to its whole's, to be followed with it.
    let mut year = t.deadline.year();
    if let Some(parent) = new.parent_id {
        let whole = task(db, parent).await?.ok_or(StoreError::NotFound)?;
        if t.start < whole.start || t.deadline > whole.deadline {
            let (start, deadline) = (whole.start, whole.deadline);
            return Err(refused(SupervisionRefusal::BeyondParent { start, deadline }));
        }
        year = whole.year;
    }
    let partners: Vec<String> = new.partners.iter().map(|p| p.to_string()).collect();
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO supervision_tasks (year, parent_id, title, lead_unit_id, partners, start_date, deadline, target, measure, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                i64::from(year).into(),
                new.parent_id.into(),
                t.title.clone().into(),
                new.lead_unit_id.into(),
                partners.join(",").into(),
                t.start.to_string().into(),
                t.deadline.to_string().into(),
                t.target.into(),
                t.measure.clone().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let after = serde_json::json!({ "title": t.title, "lead": new.lead_unit_id, "parent": new.parent_id, "deadline": t.deadline.to_string(), "target": t.target, "measure": t.measure });
    audited(&tx, actor, "supervision.create", id, serde_json::Value::Null, after).await?;
    tx.commit().await?;
    Ok(id)
}

async fn audited(
    tx: &Tx,
    actor: Actor<'_>,
    action: &str,
    task: i64,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<()> {
    audit::append(
        tx,
        Change {
            actor: actor.username,
            action,
            entity: "supervision_task",
            entity_id: task.to_string(),
            before,
            after,
            request_id: actor.request_id,
        },
    )
    .await?;
    Ok(())
}

/// A month's progress as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressRow {
    pub id: i64,
    pub task_id: i64,
    /// The first day of the month.
    pub month: NaiveDate,
    pub percent: i64,
    pub achieved: f64,
    pub note: String,
    pub reported_by: String,
    pub reported_at: i64,
}

impl FromRow for ProgressRow {
    const TABLE: &'static str = "supervision_progress";
    columns!(id, task_id, month, percent, achieved, note, reported_by, reported_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ProgressRow {
            id: f.int()?,
            task_id: f.int()?,
            month: f.date()?,
            percent: f.int()?,
            achieved: f.real()?,
            note: f.text()?,
            reported_by: f.text()?,
            reported_at: f.int()?,
        })
    }
}

impl ProgressRow {
    pub fn progress(&self) -> Progress {
        Progress {
            month: self.month,
            percent: self.percent.clamp(0, 100) as u8,
            achieved: self.achieved,
        }
    }
}

/// The progress of the tasks given (all a year's when `tasks` holds them), by task and month.
pub async fn progress(db: &Db, year: i32) -> Result<Vec<ProgressRow>> {
    db.rows(
        &select::<ProgressRow>(
            "WHERE task_id IN (SELECT id FROM supervision_tasks WHERE year = ?) ORDER BY task_id, month",
        ),
        vec![i64::from(year).into()],
    )
    .await
}

/// A month's report as a form gives it.
#[derive(Debug, Clone, Default)]
pub struct ProgressDraft {
    /// `YYYY-MM`.
    pub month: String,
    pub percent: String,
    pub achieved: String,
    pub note: String,
}

/// Reports (or replaces) a month's progress of a task: a month from the task's start up to the
/// current one, a share 0–100, what is achieved (0 or more).
pub async fn report(db: &Db, t: &Task, d: &ProgressDraft, actor: Actor<'_>) -> Result<i64> {
    let month = NaiveDate::parse_from_str(&format!("{}-01", d.month.trim()), "%Y-%m-%d").ok();
    let today = db.clock.today();
    let first = |x: NaiveDate| x.with_day(1).unwrap_or(x);
    let Some(month) = month.filter(|m| *m >= first(t.start) && *m <= first(today)) else {
        return Err(refused(SupervisionRefusal::Month { month: d.month.clone() }));
    };
    let Some(percent) = d.percent.trim().parse::<i64>().ok().filter(|p| (0..=100).contains(p))
    else {
        return Err(refused(SupervisionRefusal::Percent { text: d.percent.clone() }));
    };
    let achieved = match d.achieved.trim() {
        "" => Some(0.0),
        x => x.parse::<f64>().ok().filter(|a| a.is_finite() && *a >= 0.0),
    };
    let Some(achieved) = achieved else {
        return Err(refused(SupervisionRefusal::Achieved { text: d.achieved.clone() }));
    };
    let tx = db.begin_write().await?;
    // A month reported again replaces the earlier report: the audit keeps what it said.
    let before: Option<ProgressRow> = tx
        .row(
            &select::<ProgressRow>("WHERE task_id = ? AND month = ?"),
            vec![t.id.into(), month.to_string().into()],
        )
        .await?;
    let now = tx.clock.now_ms();
    tx.exec(
        "INSERT INTO supervision_progress (task_id, month, percent, achieved, note, reported_by, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, month) DO UPDATE SET percent = excluded.percent, achieved = excluded.achieved, note = excluded.note, reported_by = excluded.reported_by, reported_at = excluded.reported_at",
        vec![t.id.into(), month.to_string().into(), percent.into(), achieved.into(), d.note.trim().into(), actor.username.into(), now.into()],
    )
    .await?;
    let id = tx
        .query_one(
            "SELECT id FROM supervision_progress WHERE task_id = ? AND month = ?",
            vec![t.id.into(), month.to_string().into()],
        )
        .await?
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .ok_or(StoreError::NotFound)?;
    let after =
        serde_json::json!({ "month": month.to_string(), "percent": percent, "achieved": achieved });
    let before = before.map_or(serde_json::Value::Null, |b| {
        serde_json::json!({ "month": month.to_string(), "percent": b.percent, "achieved": b.achieved, "note": b.note })
    });
    audited(&tx, actor, "supervision.progress", t.id, before, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// An evidence file of a month's report.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressFile {
    pub id: i64,
    pub progress_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

impl FromRow for ProgressFile {
    const TABLE: &'static str = "supervision_evidence";
    columns!(id, progress_id, name, content_type, size, sha256);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ProgressFile {
            id: f.int()?,
            progress_id: f.int()?,
            name: f.text()?,
            content_type: f.text()?,
            size: f.int()?,
            sha256: f.text()?,
        })
    }
}

/// Adds an evidence file to a month's report (checked like every upload; the same file once).
pub async fn add_evidence(
    db: &Db,
    files: &std::path::Path,
    progress_id: i64,
    name: &str,
    bytes: &[u8],
    actor: Actor<'_>,
) -> Result<i64> {
    let p: ProgressRow = db
        .row(&select::<ProgressRow>("WHERE id = ?"), vec![progress_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let (content_type, sha, safe_name) =
        crate::projects::checked_upload(files, name, bytes).await?;
    let tx = db.begin_write().await?;
    let same: Option<ProgressFile> = tx
        .row(
            &select::<ProgressFile>("WHERE progress_id = ? AND sha256 = ?"),
            vec![p.id.into(), sha.clone().into()],
        )
        .await?;
    if let Some(f) = same {
        return Ok(f.id);
    }
    let id = tx
        .insert(
            "INSERT INTO supervision_evidence (progress_id, name, content_type, size, sha256, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![p.id.into(), safe_name.clone().into(), content_type.into(), (bytes.len() as i64).into(), sha.clone().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    let after = serde_json::json!({ "file": id, "name": safe_name, "sha256": sha, "month": p.month.to_string() });
    audited(&tx, actor, "supervision.evidence", p.task_id, serde_json::Value::Null, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records a reminder sent to a task's lead unit (the task at risk or overdue).
pub async fn remind(db: &Db, t: &Task, standing: &str, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    tx.exec(
        "INSERT INTO supervision_reminders (task_id, standing, sent_by, sent_at) VALUES (?, ?, ?, ?)",
        vec![t.id.into(), standing.into(), actor.username.into(), tx.clock.now_ms().into()],
    )
    .await?;
    audited(
        &tx,
        actor,
        "supervision.remind",
        t.id,
        serde_json::Value::Null,
        serde_json::json!({ "standing": standing }),
    )
    .await?;
    tx.commit().await
}

/// How many reminders a task has had.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReminderCount {
    pub task_id: i64,
    pub sent: i64,
}

/// How many reminders each task of a year has had.
pub async fn reminders(db: &Db, year: i32) -> Result<Vec<ReminderCount>> {
    db.read(
        "SELECT r.task_id, COUNT(*) FROM supervision_reminders r JOIN supervision_tasks t ON t.id = r.task_id WHERE t.year = ? GROUP BY r.task_id",
        vec![i64::from(year).into()],
        |r| Ok(ReminderCount { task_id: r.int(0)?, sent: r.int(1)? }),
    )
    .await
}

/// A task's monthly reports, by month.
pub async fn progress_of(db: &Db, task_id: i64) -> Result<Vec<ProgressRow>> {
    db.rows(&select::<ProgressRow>("WHERE task_id = ? ORDER BY month"), vec![task_id.into()]).await
}

/// The evidence files of a task's reports, in the order they came.
pub async fn evidence_of(db: &Db, task_id: i64) -> Result<Vec<ProgressFile>> {
    db.rows(
        &select::<ProgressFile>(
            "WHERE progress_id IN (SELECT id FROM supervision_progress WHERE task_id = ?) ORDER BY id",
        ),
        vec![task_id.into()],
    )
    .await
}

/// An evidence file's bytes, checked against its digest.
pub async fn evidence_bytes(files: &std::path::Path, f: &ProgressFile) -> Result<Vec<u8>> {
    crate::projects::read_stored(files, &f.sha256, &format!("task evidence {}", f.id)).await
}
