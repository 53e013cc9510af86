//! A funded project's page and the bureau's acts on it.
use super::execution::acting::staff_act;
use super::execution::life::{Life, life};
use super::{Notice, date_zh, load, notice_text};
use crate::app::AppState;
use crate::auth::{Auth, ManageProjects, ViewApplications, field_error, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_core::projects::money::Money;
use innocity_core::projects::{Level, Stage};
use innocity_store::projects::{self as store, Application};

#[derive(Template)]
#[template(path = "project_view.html")]
struct ProjectPage {
    s: Shell,
    a: Application,
    notice: String,
    staff: bool,
    book: Option<store::TaskBook>,
    conditions: Vec<ConditionRow>,
    instalments: Vec<InstalmentLine>,
    paid: String,
    life: Option<Life>,
    leader: bool,
    milestones: Vec<MilestoneRow>,
}

/// A funding condition met: which, with what opinion, by whom, when.
struct ConditionRow {
    condition: &'static str,
    opinion: String,
    by: String,
    at: String,
}

/// A milestone of the task book as the project page lists it.
struct MilestoneRow {
    index: usize,
    due: String,
    text: String,
    /// reached, overdue, upcoming, closed
    state: &'static str,
    state_text: String,
    note: String,
    /// The leader may mark it reached.
    may_reach: bool,
}

/// An instalment on a project's page: its condition and amount, its state as shown, and whether
/// it may be prepared or released next.
struct InstalmentLine {
    id: i64,
    seq: i64,
    condition: &'static str,
    amount: String,
    state: String,
    may_prepare: bool,
    may_release: bool,
}

pub async fn project_page(
    State(state): State<AppState>,
    auth: Auth<ViewApplications>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &auth.ctx;
    let lang = ctx.lang;
    let (a, level) = load(&state, &auth.principal, id).await?;
    if a.stage != Stage::Established {
        return Err(ctx.err(AppError::not_found()));
    }
    let book = store::task_book(&state.db, id).await?;
    let shell = ctx.shell();
    let done = store::conditions(&state.db, id).await?;
    let conditions = done
        .iter()
        .map(|m| ConditionRow {
            condition: t(lang, &format!("projects.condition.{}", m.condition.code())),
            opinion: m.opinion.clone(),
            by: m.approved_by.clone(),
            at: shell.time(&m.approved_at),
        })
        .collect();
    let rows = store::instalments(&state.db, id).await?;
    let paid: Money = rows
        .iter()
        .filter(|r| r.instalment.released_by.is_some())
        .map(|r| r.instalment.amount)
        .sum();
    let instalments = instalment_lines(lang, &rows, &shell);
    let notice = notice_text(lang, &q.notice);
    let life = match &book {
        Some(b) => Some(life(&state, ctx, &a, b, &shell, level == Level::Bureau).await?),
        None => None,
    };
    let leader = level == Level::Applicant;
    let milestones = milestone_rows(lang, book.as_ref(), ctx.today(), leader);
    Ok(render(&ProjectPage {
        s: shell.clone(),
        notice,
        staff: level == Level::Bureau,
        leader,
        book,
        conditions,
        instalments,
        paid: paid.wan_text(),
        life,
        milestones,
        a,
    }))
}

fn instalment_lines(
    lang: Lang,
    rows: &[store::InstalmentRow],
    shell: &Shell,
) -> Vec<InstalmentLine> {
    rows.iter()
        .map(|r| {
            let i = &r.instalment;
            let state = match (&i.prepared_by, &i.released_by) {
                (_, Some(by)) => {
                    tf(lang, "projects.released_by", &[by.clone(), shell.time(&r.released_at)])
                }
                (Some(by), None) => tf(lang, "projects.prepared_by", std::slice::from_ref(by)),
                _ => t(lang, "projects.planned").to_string(),
            };
            InstalmentLine {
                id: r.id,
                seq: r.seq,
                condition: t(lang, &format!("projects.condition.{}", i.condition.code())),
                amount: i.amount.wan_text(),
                state,
                may_prepare: i.prepared_by.is_none() && i.released_by.is_none(),
                may_release: i.prepared_by.is_some() && i.released_by.is_none(),
            }
        })
        .collect()
}

fn milestone_rows(
    lang: Lang,
    book: Option<&store::TaskBook>,
    day: NaiveDate,
    leader: bool,
) -> Vec<MilestoneRow> {
    book.iter()
        .flat_map(|b| b.milestones.iter().enumerate().map(move |(k, m)| (k, m, b.status.running())))
        .map(|(k, m, running)| {
            let (state, state_text) = match m.reached_on {
                Some(d) => ("reached", tf(lang, "projects.milestone.reached", &[date_zh(d)])),
                None if running && innocity_core::projects::milestones::overdue(m, day) => {
                    ("overdue", t(lang, "projects.milestone.overdue").to_string())
                }
                None if running => ("upcoming", t(lang, "projects.milestone.upcoming").to_string()),
                None => ("closed", t(lang, "projects.milestone.not_reached").to_string()),
            };
            MilestoneRow {
                index: k,
                due: date_zh(m.due_on),
                text: m.text.clone(),
                state,
                state_text,
                note: m.note.clone(),
                may_reach: leader && running && m.reached_on.is_none(),
            }
        })
        .collect()
}

#[derive(serde::Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    goals: String,
    #[serde(default)]
    deliverables: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    post_subsidy: String,
    #[serde(default)]
    milestones: String,
    #[serde(default)]
    instalment: i64,
}

/// The bureau signs the task book, approves conditions, prepares and releases instalments.
pub async fn project_act(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ProjectForm = parse_form(ctx, &body)?;
    let db = &state.db;
    let app = store::application(db, id).await?.ok_or_else(AppError::not_found)?;
    let notice = match f.action.as_str() {
        "sign" => {
            let date = |field: &str, v: &str| {
                NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                    .map_err(|_| field_error(ctx, field, "experts.err.date", vec![]))
            };
            let (from, to) = (date("starts_on", &f.starts_on)?, date("ends_on", &f.ends_on)?);
            let deliverables: Vec<String> = f
                .deliverables
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
            if f.goals.trim().is_empty() {
                return Err(field_error(ctx, "goals", "err.required", vec![]));
            }
            if deliverables.is_empty() {
                return Err(field_error(ctx, "deliverables", "err.required", vec![]));
            }
            let milestones = innocity_core::projects::milestones::parse(&f.milestones, from, to)
                .map_err(|e| {
                    field_error(
                        ctx,
                        "milestones",
                        "projects.err.milestone_line",
                        vec![
                            e.line.to_string(),
                            t(ctx.lang, &format!("projects.err.milestone.{}", e.code)).to_string(),
                        ],
                    )
                })?;
            let book = store::NewTaskBook {
                goals: &f.goals,
                deliverables: &deliverables,
                milestones: &milestones,
                starts_on: from,
                ends_on: to,
                post_subsidy: f.post_subsidy == "1",
            };
            store::sign_task_book(db, app.id, book, ctx.actor()).await?;
            "projects.signed"
        }
        "prepare" | "release" => {
            if !store::instalments(db, app.id).await?.iter().any(|r| r.id == f.instalment) {
                return Err(ctx.err(AppError::not_found()));
            }
            store::pay(db, f.instalment, f.action == "release", ctx.actor()).await?;
            if f.action == "release" { "projects.released" } else { "projects.prepared" }
        }
        _ => return staff_act(&state, ctx, app.id, &body).await,
    };
    Ok(Redirect::to(&format!("/projects/{id}?notice={notice}")).into_response())
}

// ---------------------------------------------------------------- attachments
