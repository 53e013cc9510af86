//! A task's page: its terms, its parts, its progress month by month with evidence; the lead
//! unit's report of a month (and its files); the bureau's reminder of a task at risk or overdue.
use super::{TaskLine, followed, number, reaches, standing_name, task_line};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageTasks, ViewTasks, format_time, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::tf;
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use innocity_core::access::{Capability, Principal};
use innocity_store::StoreError;
use innocity_store::supervision::{self as store, ProgressDraft, SupervisionRefusal, Task};
use serde::Deserialize;
use utoipa::ToSchema;

/// The task in a path, if the principal's area holds its lead unit or a partner (else not
/// found).
pub(crate) async fn task_of(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<Task> {
    let none = || ctx.err(AppError::not_found());
    let id: i64 = id.parse().map_err(|_| none())?;
    let task = store::task(&state.db, id).await?.ok_or_else(none)?;
    let p = ctx.principal.as_ref().ok_or_else(none)?;
    let units = state.units().await?;
    if !super::sees(p, &units, &task) {
        return Err(none());
    }
    Ok(task)
}

/// Who reports a task's progress: the lead unit's admins (and the bureau for it).
fn may_report(p: &Principal) -> bool {
    p.role.allows(Capability::ReportTasks) || p.role.allows(Capability::ManageTasks)
}

/// Refuses the report of someone who may not report, or whose unit only partners the task.
async fn require_lead(state: &AppState, ctx: &Ctx, p: &Principal, t: &Task) -> AppResult<()> {
    if !may_report(p) {
        return Err(ctx.err(AppError::forbidden()));
    }
    if !reaches(p, &state.units().await?, t.lead_unit_id) {
        let mut e = AppError::forbidden();
        e.fields = vec![("task".into(), crate::i18n::t(ctx.lang, "task.err.partner_only").into())];
        return Err(ctx.err(e));
    }
    Ok(())
}

/// A month's report as a form or the API gives it.
#[derive(Deserialize, ToSchema, Default, Clone)]
pub struct ProgressInput {
    /// YYYY-MM: from the task's start up to this month.
    pub month: String,
    /// How far the work is, 0–100.
    pub percent: String,
    /// How much of the outcome is achieved so far (in the task's measure).
    #[serde(default)]
    pub achieved: String,
    #[serde(default)]
    pub note: String,
}

pub async fn report_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    t: &Task,
    i: &ProgressInput,
) -> AppResult<i64> {
    require_lead(state, ctx, p, t).await?;
    let tasks = store::tasks(&state.db, t.year).await?;
    if tasks.iter().any(|x| x.parent_id == Some(t.id)) {
        let m = crate::i18n::t(ctx.lang, "task.err.rolled_up").to_string();
        return Err(crate::subjects::api::invalid(ctx, vec![("task".into(), m)]));
    }
    let d = ProgressDraft {
        month: i.month.clone(),
        percent: i.percent.clone(),
        achieved: i.achieved.clone(),
        note: i.note.clone(),
    };
    let field = |f: &str, key: &str, text: &str| {
        let m = tf(ctx.lang, key, &[text.to_string()]);
        crate::subjects::api::invalid(ctx, vec![(f.to_string(), m)])
    };
    store::report(&state.db, t, &d, ctx.actor()).await.map_err(|e| match e {
        StoreError::Supervision(SupervisionRefusal::Month { month }) => {
            field("month", "task.err.month", &month)
        }
        StoreError::Supervision(SupervisionRefusal::Percent { text }) => {
            field("percent", "task.err.percent", &text)
        }
        StoreError::Supervision(SupervisionRefusal::Achieved { text }) => {
            field("achieved", "task.err.achieved", &text)
        }
        other => ctx.err(other.into()),
    })
}

pub struct MonthLine {
    pub id: i64,
    pub month: String,
    pub percent: i64,
    pub achieved: String,
    pub note: String,
    pub by: String,
    pub files: Vec<FileLine>,
}

pub struct FileLine {
    pub href: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "tasks_view.html")]
struct TaskPage {
    s: Shell,
    line: TaskLine,
    partners: String,
    parts: Vec<TaskLine>,
    months: Vec<MonthLine>,
    month_choices: Vec<Choice>,
    report: bool,
    manage: bool,
    attention: bool,
    units: Vec<Choice>,
}

pub async fn page(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let task = task_of(&state, ctx, &id).await?;
    let units = state.units().await?;
    let all = followed(&state, &a.principal, task.year, ctx.today()).await?;
    let Some(this) = all.iter().find(|f| f.task.id == task.id) else {
        return Err(ctx.err(AppError::not_found()));
    };
    let files = store::evidence_of(&state.db, task.id).await?;
    let months = this
        .reports
        .iter()
        .rev()
        .map(|r| MonthLine {
            id: r.id,
            month: r.month.format("%Y-%m").to_string(),
            percent: r.percent,
            achieved: format!("{} {}", number(r.achieved), task.measure),
            note: r.note.clone(),
            by: format!("{} · {}", r.reported_by, format_time(lang, r.reported_at)),
            files: files
                .iter()
                .filter(|f| f.progress_id == r.id)
                .map(|f| FileLine {
                    href: format!("/tasks/{}/evidence/{}", task.id, f.id),
                    name: f.name.clone(),
                })
                .collect(),
        })
        .collect();
    let today = ctx.today();
    let mut month_choices = Vec::new();
    // Months from the first of the start's month, so that today's month is always offered.
    let first = |d: chrono::NaiveDate| d.with_day(1).unwrap_or(d);
    let mut m = first(task.start.max(today - chrono::Days::new(365)));
    while m <= today && month_choices.len() < 24 {
        let code = m.format("%Y-%m").to_string();
        let chosen = m.format("%Y-%m").to_string() == today.format("%Y-%m").to_string();
        month_choices.push(Choice::new(&code, &code, chosen));
        m = m.checked_add_months(chrono::Months::new(1)).unwrap_or(today + chrono::Days::new(1));
    }
    let partners = task
        .partners
        .iter()
        .map(|p| crate::evaluation::unit_name(lang, &units, *p))
        .collect::<Vec<_>>()
        .join("、");
    Ok(render(&TaskPage {
        s: ctx.shell(),
        line: task_line(lang, &units, this),
        partners,
        parts: all
            .iter()
            .filter(|f| f.task.parent_id == Some(task.id))
            .map(|f| task_line(lang, &units, f))
            .collect(),
        months,
        month_choices,
        report: may_report(&a.principal)
            && !this.rolled_up
            && reaches(&a.principal, &units, task.lead_unit_id),
        manage: a.principal.role.allows(Capability::ManageTasks),
        attention: this.standing.needs_attention(),
        units: super::plan::lead_units(&state, lang, 0).await?,
    }))
}

pub async fn report(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let task = task_of(&state, ctx, &id).await?;
    let form: std::collections::HashMap<String, String> = parse_form(ctx, &body)?;
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let i = ProgressInput {
        month: field("month"),
        percent: field("percent"),
        achieved: field("achieved"),
        note: field("note"),
    };
    report_as(&state, ctx, &a.principal, &task, &i).await?;
    Ok(Redirect::to(&format!("/tasks/{}#progress", task.id)).into_response())
}

/// Adds an evidence file to a month's report (by the report's id).
pub async fn upload_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    t: &Task,
    progress: &str,
    (name, bytes): (String, Vec<u8>),
) -> AppResult<i64> {
    require_lead(state, ctx, p, t).await?;
    let progress: i64 = progress.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let months = store::progress_of(&state.db, t.id).await?;
    if !months.iter().any(|m| m.id == progress) {
        return Err(ctx.err(AppError::not_found()));
    }
    let dir = &state.config.files_dir;
    store::add_evidence(&state.db, dir, progress, &name, &bytes, ctx.actor()).await.map_err(|e| {
        match e {
            StoreError::Applications(r) => {
                let (key, args) = crate::error::refusals::application(&r);
                let m = tf(ctx.lang, key, &args);
                crate::subjects::api::invalid(ctx, vec![("file".into(), m)])
            }
            other => ctx.err(other.into()),
        }
    })
}

pub async fn upload(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Path((id, progress)): Path<(String, String)>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let task = task_of(&state, ctx, &id).await?;
    let file = crate::http::read_upload(ctx, req).await?;
    let file = upload_as(&state, ctx, &a.principal, &task, &progress, file).await?;
    Ok(crate::http::go_to(ctx, &format!("/tasks/{}?file={file}#progress", task.id)))
}

/// An evidence file, to those whose area holds the task.
pub async fn evidence_file(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let task = task_of(&state, ctx, &id).await?;
    let file: i64 = file.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let files = store::evidence_of(&state.db, task.id).await?;
    let f = files.iter().find(|f| f.id == file).ok_or_else(|| ctx.err(AppError::not_found()))?;
    let bytes = store::evidence_bytes(&state.config.files_dir, f).await?;
    let mime = crate::market::contract_records::mime_of(&f.content_type);
    Ok(crate::http::download(bytes, &f.name, mime))
}

/// Reminds the lead unit of a task at risk or overdue (recorded, counted on the lists).
pub async fn remind_as(state: &AppState, ctx: &Ctx, p: &Principal, t: &Task) -> AppResult<()> {
    let all = followed(state, p, t.year, ctx.today()).await?;
    let standing = all.iter().find(|f| f.task.id == t.id).map(|f| f.standing);
    match standing {
        Some(s) if s.needs_attention() => {
            store::remind(&state.db, t, s.code(), ctx.actor()).await?;
            Ok(())
        }
        _ => {
            let s = standing.map(|s| standing_name(ctx.lang, s)).unwrap_or_default();
            let m = tf(ctx.lang, "task.err.no_reminder", &[s]);
            Err(crate::subjects::api::invalid(ctx, vec![("task".into(), m)]))
        }
    }
}

pub async fn remind(
    State(state): State<AppState>,
    a: Auth<ManageTasks>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let _: std::collections::HashMap<String, String> = parse_form(ctx, &body)?;
    let task = task_of(&state, ctx, &id).await?;
    remind_as(&state, ctx, &a.principal, &task).await?;
    Ok(Redirect::to(&format!("/tasks/{}", task.id)).into_response())
}
