//! The year's plan: its tasks with where each stands (filtered by standing), the bureau's form
//! for a task, and the breakdown of a task to a zone or county.
use super::{TaskLine, followed, task_line};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageTasks, ViewTasks, parse_form};
use crate::error::AppResult;
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Capability;
use innocity_core::supervision::{self as rules, Standing, TaskDraft, TaskProblem};
use innocity_store::StoreError;
use innocity_store::supervision::{self as store, NewTask, SupervisionRefusal};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// A task as a form or the API gives it.
#[derive(Deserialize, ToSchema, Default, Clone, Debug)]
pub struct TaskInput {
    pub title: String,
    /// The lead unit's id.
    pub lead_unit_id: i64,
    /// Partner units' ids.
    #[serde(default)]
    pub partners: Vec<i64>,
    /// YYYY-MM-DD.
    pub start: String,
    /// YYYY-MM-DD, not before the start.
    pub deadline: String,
    /// The measurable outcome: how much …
    pub target: String,
    /// … of what (家, 项, 万元).
    pub measure: String,
}

fn problem_text(lang: Lang, p: &TaskProblem) -> String {
    match p {
        TaskProblem::Title => t(lang, "task.err.title").into(),
        TaskProblem::Date { text } => tf(lang, "task.err.date", std::slice::from_ref(text)),
        TaskProblem::DeadlineBeforeStart { start, deadline } => {
            tf(lang, "task.err.deadline_before_start", &[deadline.to_string(), start.to_string()])
        }
        TaskProblem::Target { text } => tf(lang, "task.err.target", std::slice::from_ref(text)),
        TaskProblem::Measure => t(lang, "task.err.measure").into(),
    }
}

/// Checks and keeps a task (a part when `parent` is given); every problem on its field.
pub async fn create_as(
    state: &AppState,
    ctx: &Ctx,
    i: &TaskInput,
    parent: Option<i64>,
) -> AppResult<i64> {
    let draft = TaskDraft {
        title: i.title.clone(),
        start: i.start.clone(),
        deadline: i.deadline.clone(),
        target: i.target.clone(),
        measure: i.measure.clone(),
    };
    let invalid = |fields: Vec<(String, String)>| crate::subjects::api::invalid(ctx, fields);
    let terms = rules::check(&draft).map_err(|problems| {
        invalid(problems.iter().map(|(f, p)| (f.to_string(), problem_text(ctx.lang, p))).collect())
    })?;
    let new = NewTask {
        terms: &terms,
        lead_unit_id: i.lead_unit_id,
        partners: &i.partners,
        parent_id: parent,
    };
    store::create(&state.db, &new, ctx.actor()).await.map_err(|e| match e {
        StoreError::Supervision(SupervisionRefusal::BeyondParent { start, deadline }) => {
            let m =
                tf(ctx.lang, "task.err.beyond_parent", &[start.to_string(), deadline.to_string()]);
            invalid(vec![("deadline".into(), m)])
        }
        StoreError::Supervision(SupervisionRefusal::Unit) => {
            invalid(vec![("lead_unit_id".into(), t(ctx.lang, "err.choose").into())])
        }
        StoreError::Supervision(SupervisionRefusal::Partner) => {
            invalid(vec![("partners".into(), t(ctx.lang, "task.err.partners").into())])
        }
        other => ctx.err(other.into()),
    })
}

#[derive(Deserialize, IntoParams, Default)]
pub struct PlanQuery {
    /// The plan's year; this year by default.
    pub year: Option<i32>,
    /// Only tasks standing so: not_started, on_track, at_risk, overdue, done.
    pub standing: Option<String>,
}

#[derive(Template)]
#[template(path = "tasks_list.html")]
struct ListPage {
    s: Shell,
    year: i32,
    years: Vec<Choice>,
    standings: Vec<Choice>,
    lines: Vec<TaskLine>,
    manage: bool,
    units: Vec<Choice>,
    /// The units that may be ticked as partners, those in the form ticked.
    partner_choices: Vec<Choice>,
    form: TaskInput,
    errors: Vec<(String, String)>,
}

impl ListPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
    fn messages(&self) -> Vec<crate::page::FieldMessage> {
        crate::page::FieldMessage::list(&self.errors)
    }
}

/// The units a task may be led by: the city, zones and counties (not parks).
pub(crate) async fn lead_units(
    state: &AppState,
    lang: Lang,
    chosen: i64,
) -> AppResult<Vec<Choice>> {
    Ok(state
        .units()
        .await?
        .iter()
        .filter(|u| matches!(u.level.as_str(), "city" | "zone" | "county"))
        .map(|u| Choice::new(u.id, lang.pick(&u.name_zh, &u.name_en), u.id == chosen))
        .collect())
}

async fn list_page(
    state: &AppState,
    a: &Auth<ViewTasks>,
    q: &PlanQuery,
    form: TaskInput,
    errors: Vec<(String, String)>,
) -> AppResult<ListPage> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let this = ctx.clock.year();
    let year = q.year.filter(|y| (2000..=this + 1).contains(y)).unwrap_or(this);
    let wanted = q.standing.as_deref().unwrap_or("");
    let units = state.units().await?;
    let lines = followed(state, &a.principal, year, ctx.today())
        .await?
        .iter()
        .filter(|f| wanted.is_empty() || f.standing.code() == wanted)
        .map(|f| task_line(lang, &units, f))
        .collect();
    Ok(ListPage {
        s: ctx.shell(),
        year,
        years: (this - 2..=this + 1).rev().map(|y| Choice::new(y, y, y == year)).collect(),
        standings: Standing::ALL
            .iter()
            .map(|s| Choice::new(s.code(), super::standing_name(lang, *s), s.code() == wanted))
            .collect(),
        lines,
        manage: a.principal.role.allows(Capability::ManageTasks),
        units: lead_units(state, lang, form.lead_unit_id).await?,
        partner_choices: lead_units(state, lang, 0)
            .await?
            .into_iter()
            .map(|c| {
                let ticked = form.partners.iter().any(|p| p.to_string() == c.value);
                Choice { selected: ticked, ..c }
            })
            .collect(),
        form,
        errors,
    })
}

/// The year's tasks, and for the bureau the form that adds one.
pub async fn list(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Query(q): Query<PlanQuery>,
) -> AppResult<Response> {
    let year = a.ctx.clock.year();
    let form = TaskInput {
        start: format!("{year}-01-01"),
        deadline: format!("{year}-12-31"),
        ..TaskInput::default()
    };
    Ok(render(&list_page(&state, &a, &q, form, vec![]).await?))
}

/// The form's fields as the API's input (`partners` may repeat: one per unit ticked).
fn input_of(form: &[(String, String)]) -> TaskInput {
    let field = |k: &str| {
        form.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    TaskInput {
        title: field("title"),
        lead_unit_id: field("lead_unit_id").trim().parse().unwrap_or(0),
        // A value that is no id becomes 0, which no unit has: refused on the field.
        partners: form
            .iter()
            .filter(|(name, _)| name == "partners")
            .map(|(_, v)| v.trim().parse().unwrap_or(0))
            .collect(),
        start: field("start"),
        deadline: field("deadline"),
        target: field("target"),
        measure: field("measure"),
    }
}

/// Adds a task from the form; refused fields come back beside what was typed.
pub async fn create(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    if !a.principal.role.allows(Capability::ManageTasks) {
        return Err(ctx.err(crate::error::AppError::forbidden()));
    }
    let form = input_of(&parse_form::<Vec<(String, String)>>(ctx, &body)?);
    match create_as(&state, ctx, &form, None).await {
        Ok(id) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(e) if !e.fields.is_empty() => {
            let page = list_page(&state, &a, &PlanQuery::default(), form, e.fields).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

/// Breaks a task down: a part for a zone or county, within the task's dates.
pub async fn break_down(
    State(state): State<AppState>,
    a: Auth<ManageTasks>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let whole = super::progress::task_of(&state, ctx, &id).await?;
    let mut form = input_of(&parse_form::<Vec<(String, String)>>(ctx, &body)?);
    if form.title.trim().is_empty() {
        form.title = whole.title.clone();
    }
    if form.measure.trim().is_empty() {
        form.measure = whole.measure.clone();
    }
    create_as(&state, ctx, &form, Some(whole.id)).await?;
    Ok(Redirect::to(&format!("/tasks/{}#parts", whole.id)).into_response())
}
