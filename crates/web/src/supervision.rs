//! Annual tasks and their supervision (任务分解与督办): the bureau sets the year's tasks and breaks
//! them down to zones and counties (`plan`); each lead unit reports its progress month by month
//! with evidence (`progress`); tasks at risk or overdue are flagged and reminded; the half-yearly
//! check (检查通报) with each unit's completion rate, as a page and a PDF (`check`); all of it in
//! `/api/v1` too (`api`).
pub mod api;
pub mod check;
pub mod plan;
pub mod progress;

use crate::app::AppState;
use crate::i18n::{Lang, t};
use innocity_core::access::{Principal, Scope};
use innocity_core::supervision::{self as rules, Progress, Standing};
use innocity_store::orgs::OrgUnit;
use innocity_store::supervision::{self as store, ProgressRow, Task};

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/tasks", get(plan::list).post(plan::create))
        .route("/tasks/check", get(check::page))
        .route("/tasks/check.pdf", get(check::pdf))
        .route("/tasks/{id}", get(progress::page))
        .route("/tasks/{id}/parts", post(plan::break_down))
        .route("/tasks/{id}/progress", post(progress::report))
        .route("/tasks/{id}/progress/{month}/evidence", post(progress::upload))
        .route("/tasks/{id}/evidence/{file}", get(progress::evidence_file))
        .route("/tasks/{id}/remind", post(progress::remind))
        .merge(api::routes())
}

/// Whether the principal's area holds the unit (the bureau's holds all).
pub(crate) fn reaches(p: &Principal, units: &[OrgUnit], unit_id: i64) -> bool {
    match &p.scope {
        Scope::All => true,
        Scope::Subtrees(roots) => units
            .iter()
            .find(|u| u.id == unit_id)
            .is_some_and(|u| innocity_core::orgs::in_area(roots, &u.path)),
        _ => false,
    }
}

/// Whether the principal sees the task: its area holds the lead unit or a partner.
pub(crate) fn sees(p: &Principal, units: &[OrgUnit], t: &Task) -> bool {
    reaches(p, units, t.lead_unit_id) || t.partners.iter().any(|u| reaches(p, units, *u))
}

pub(crate) fn standing_name(lang: Lang, s: Standing) -> String {
    t(lang, &format!("task.standing.{}", s.code())).into()
}

/// A task with its reports and where it stands today.
pub struct Followed {
    pub task: Task,
    /// Its own monthly reports (none for a whole broken down: its parts report).
    pub reports: Vec<ProgressRow>,
    /// The progress its standing is read from: its reports, or its parts' rolled up.
    pub points: Vec<Progress>,
    /// A whole broken down into parts: its progress comes from them.
    pub rolled_up: bool,
    pub standing: Standing,
    pub reminders: i64,
}

impl Followed {
    pub fn latest(&self) -> Option<&Progress> {
        rules::latest(&self.points)
    }
}

/// A year's tasks in the principal's area, with their progress and standing on `today`.
pub(crate) async fn followed(
    state: &AppState,
    p: &Principal,
    year: i32,
    today: chrono::NaiveDate,
) -> innocity_store::db::Result<Vec<Followed>> {
    let units = state.units().await?;
    let progress = store::progress(&state.db, year).await?;
    let reminders = store::reminders(&state.db, year).await?;
    let tasks = store::tasks(&state.db, year).await?;
    // As the records stand on `today` (a past half's check leaves later months out).
    let own = |id: i64| -> Vec<ProgressRow> {
        progress.iter().filter(|r| r.task_id == id && r.month <= today).cloned().collect()
    };
    let points = |rows: &[ProgressRow]| rows.iter().map(ProgressRow::progress).collect::<Vec<_>>();
    Ok(tasks
        .iter()
        .filter(|t| sees(p, &units, t))
        .map(|task| {
            let parts: Vec<_> = tasks
                .iter()
                .filter(|x| x.parent_id == Some(task.id))
                .map(|x| (x.terms(), points(&own(x.id))))
                .collect();
            let reports = if parts.is_empty() { own(task.id) } else { Vec::new() };
            let points = if parts.is_empty() { points(&reports) } else { rules::rolled_up(&parts) };
            let standing = rules::standing(&task.terms(), &points, today);
            let reminders = reminders.iter().find(|r| r.task_id == task.id).map_or(0, |r| r.sent);
            Followed {
                task: task.clone(),
                reports,
                points,
                rolled_up: !parts.is_empty(),
                standing,
                reminders,
            }
        })
        .collect())
}

/// A task's line in the lists.
#[derive(Clone)]
pub struct TaskLine {
    pub id: i64,
    pub part: bool,
    pub title: String,
    pub lead: String,
    pub start: String,
    pub deadline: String,
    pub target: String,
    pub progress: String,
    pub achieved: String,
    pub standing_code: &'static str,
    pub standing: String,
    pub reminders: i64,
}

pub(crate) fn task_line(lang: Lang, units: &[OrgUnit], f: &Followed) -> TaskLine {
    let t = &f.task;
    let latest = f.latest();
    TaskLine {
        id: t.id,
        part: t.parent_id.is_some(),
        title: t.title.clone(),
        lead: crate::evaluation::unit_name(lang, units, t.lead_unit_id),
        start: t.start.to_string(),
        deadline: t.deadline.to_string(),
        target: format!("{} {}", number(t.target), t.measure),
        progress: latest.map_or_else(|| "—".into(), |r| format!("{}%", r.percent)),
        achieved: latest
            .map_or_else(|| "—".into(), |r| format!("{} {}", number(r.achieved), t.measure)),
        standing_code: f.standing.code(),
        standing: standing_name(lang, f.standing),
        reminders: f.reminders,
    }
}

/// A number as people write it: thousands separated, no trailing zeros (1,200, 3.5).
pub(crate) use crate::stats::number;
