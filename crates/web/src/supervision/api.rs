//! Annual tasks in `/api/v1`: the plan, a task with its parts and months, the bureau's tasks,
//! breakdown and reminders, the lead unit's monthly reports and files, the half-yearly check —
//! the pages' functions with their checks.
use super::check::{UnitCompletion, check_of};
use super::plan::{PlanQuery, TaskInput, create_as};
use super::progress::{ProgressInput, remind_as, report_as, task_of, upload_as};
use super::{Followed, followed};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, ManageTasks, ViewTasks};
use crate::error::AppResult;
use crate::sharing::{ApiCreated, ApiDone};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use innocity_core::supervision::Half;
use innocity_store::supervision as store;
use serde::Serialize;
use utoipa::ToSchema;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/tasks", get(api_tasks).post(api_create_task))
        .route("/api/v1/tasks/{id}", get(api_task))
        .route("/api/v1/tasks/{id}/parts", post(api_break_down))
        .route("/api/v1/tasks/{id}/progress", post(api_report))
        .route("/api/v1/tasks/{id}/progress/{progress}/evidence", post(api_evidence))
        .route("/api/v1/tasks/{id}/remind", post(api_remind))
        .route("/api/v1/task-checks/{half}", get(api_check))
}

/// A task of the plan with where it stands.
#[derive(Serialize, ToSchema)]
pub struct ApiTask {
    pub id: i64,
    pub year: i32,
    pub parent_id: Option<i64>,
    pub title: String,
    pub lead_unit_id: i64,
    pub partners: Vec<i64>,
    pub start: String,
    pub deadline: String,
    pub target: f64,
    pub measure: String,
    /// The latest month's share of the work, 0–100.
    pub percent: Option<i64>,
    pub achieved: Option<f64>,
    /// not_started, on_track, at_risk, overdue or done.
    pub standing: String,
    pub reminders: i64,
}

fn api_task_of(f: &Followed) -> ApiTask {
    let t = &f.task;
    let latest = f.latest();
    ApiTask {
        id: t.id,
        year: t.year,
        parent_id: t.parent_id,
        title: t.title.clone(),
        lead_unit_id: t.lead_unit_id,
        partners: t.partners.clone(),
        start: t.start.to_string(),
        deadline: t.deadline.to_string(),
        target: t.target,
        measure: t.measure.clone(),
        percent: latest.map(|r| i64::from(r.percent)),
        achieved: latest.map(|r| r.achieved),
        standing: f.standing.code().into(),
        reminders: f.reminders,
    }
}

#[utoipa::path(get, path = "/api/v1/tasks", params(PlanQuery), responses((status = 200, body = Vec<ApiTask>), (status = 403, body = ApiError)))]
/// The year's tasks in the caller's area (the bureau's: all), with their standing today.
pub async fn api_tasks(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Query(q): Query<PlanQuery>,
) -> AppResult<Json<Vec<ApiTask>>> {
    let ctx = &a.ctx;
    let year = q.year.unwrap_or_else(|| ctx.clock.year());
    let wanted = q.standing.unwrap_or_default();
    let all = followed(&state, &a.principal, year, ctx.today()).await?;
    Ok(Json(
        all.iter()
            .filter(|f| wanted.is_empty() || f.standing.code() == wanted)
            .map(api_task_of)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/tasks", request_body = TaskInput, responses((status = 201, body = ApiCreated), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// Adds a task to the plan (a deadline before its start, a target that is no number above 0, a
/// missing title or measure: refused on the field, nothing stored).
pub async fn api_create_task(
    State(state): State<AppState>,
    a: Auth<ManageTasks>,
    Json(i): Json<TaskInput>,
) -> AppResult<Response> {
    let id = create_as(&state, &a.ctx, &i, None).await?;
    Ok((StatusCode::CREATED, Json(ApiCreated { id })).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ApiMonth {
    pub id: i64,
    /// YYYY-MM.
    pub month: String,
    pub percent: i64,
    pub achieved: f64,
    pub note: String,
    /// Evidence files' addresses.
    pub files: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiTaskDetail {
    pub task: ApiTask,
    pub parts: Vec<ApiTask>,
    pub months: Vec<ApiMonth>,
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiTaskDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// A task with its parts and its months.
pub async fn api_task(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiTaskDetail>> {
    let ctx = &a.ctx;
    let task = task_of(&state, ctx, &id).await?;
    let all = followed(&state, &a.principal, task.year, ctx.today()).await?;
    let this = all
        .iter()
        .find(|f| f.task.id == task.id)
        .ok_or_else(|| ctx.err(crate::error::AppError::not_found()))?;
    let files = store::evidence_of(&state.db, task.id).await?;
    let months = this
        .reports
        .iter()
        .map(|r| ApiMonth {
            id: r.id,
            month: r.month.format("%Y-%m").to_string(),
            percent: r.percent,
            achieved: r.achieved,
            note: r.note.clone(),
            files: files
                .iter()
                .filter(|f| f.progress_id == r.id)
                .map(|f| format!("/tasks/{}/evidence/{}", task.id, f.id))
                .collect(),
        })
        .collect();
    Ok(Json(ApiTaskDetail {
        task: api_task_of(this),
        parts: all.iter().filter(|f| f.task.parent_id == Some(task.id)).map(api_task_of).collect(),
        months,
    }))
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/parts", params(("id" = i64, Path)), request_body = TaskInput, responses((status = 201, body = ApiCreated), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Breaks a task down: a part for a zone or county within the task's dates.
pub async fn api_break_down(
    State(state): State<AppState>,
    a: Auth<ManageTasks>,
    Path(id): Path<String>,
    Json(i): Json<TaskInput>,
) -> AppResult<Response> {
    let whole = task_of(&state, &a.ctx, &id).await?;
    let id = create_as(&state, &a.ctx, &i, Some(whole.id)).await?;
    Ok((StatusCode::CREATED, Json(ApiCreated { id })).into_response())
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/progress", params(("id" = i64, Path)), request_body = ProgressInput, responses((status = 200, body = ApiCreated), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Reports (or replaces) a month's progress of a task the caller's unit leads.
pub async fn api_report(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Path(id): Path<String>,
    Json(i): Json<ProgressInput>,
) -> AppResult<Json<ApiCreated>> {
    let task = task_of(&state, &a.ctx, &id).await?;
    let id = report_as(&state, &a.ctx, &a.principal, &task, &i).await?;
    Ok(Json(ApiCreated { id }))
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/progress/{progress}/evidence", params(("id" = i64, Path), ("progress" = i64, Path)),
    request_body(content = crate::market::contract_records::ApiUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ApiCreated), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Adds an evidence file to a month's report.
pub async fn api_evidence(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Path((id, progress)): Path<(String, String)>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let task = task_of(&state, ctx, &id).await?;
    let file = crate::http::read_upload(ctx, req).await?;
    let id = upload_as(&state, ctx, &a.principal, &task, &progress, file).await?;
    Ok((StatusCode::CREATED, Json(ApiCreated { id })).into_response())
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/remind", params(("id" = i64, Path)), responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Reminds the lead unit of a task at risk or overdue (refused for any other).
pub async fn api_remind(
    State(state): State<AppState>,
    a: Auth<ManageTasks>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiDone>> {
    let task = task_of(&state, &a.ctx, &id).await?;
    remind_as(&state, &a.ctx, &a.principal, &task).await?;
    Ok(Json(ApiDone { ok: true }))
}

#[derive(Serialize, ToSchema)]
pub struct ApiCheck {
    /// 2026H1.
    pub half: String,
    pub units: Vec<UnitCompletion>,
    /// Tasks at risk or overdue at the half's end.
    pub attention: Vec<i64>,
}

#[utoipa::path(get, path = "/api/v1/task-checks/{half}", params(("half" = String, Path, description = "2026H1 or 2026H2, begun by today")), responses((status = 200, body = ApiCheck), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// The half-yearly check: each lead unit's completion as the records stood at the half's end.
pub async fn api_check(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Path(half): Path<String>,
) -> AppResult<Json<ApiCheck>> {
    let ctx = &a.ctx;
    let Some(half) = Half::parse(&half).filter(|h| h.start() <= ctx.today()) else {
        let m = crate::i18n::tf(ctx.lang, "task.err.half", &[half]);
        return Err(crate::subjects::api::invalid(ctx, vec![("half".into(), m)]));
    };
    let c = check_of(&state, ctx, &a.principal, half).await?;
    Ok(Json(ApiCheck {
        half: half.code(),
        attention: c.attention.iter().map(|l| l.id).collect(),
        units: c.units,
    }))
}
