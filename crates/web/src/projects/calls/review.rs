//! The bureau's review of a call's applications: duplicates, the review, its end.
use crate::app::AppState;
use crate::auth::{Auth, ManageProjects, field_error, parse_form};
use crate::error::{AppError, AppResult};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_store::projects as store;

/// 查重: staff flag possible duplicates across a call's submitted applications.
pub async fn call_duplicates(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    store::call(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    let n = store::flag_duplicates(&state.db, id, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/applications?call={id}&flagged={n}")).into_response())
}

#[derive(serde::Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    demand: String,
    #[serde(default)]
    deadline: String,
}

/// Opens an expert review round over the call's applications in review.
pub async fn call_review(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ReviewForm = parse_form(ctx, &body)?;
    if f.name.trim().is_empty() || f.name.chars().count() > 100 {
        return Err(field_error(ctx, "name", "err.required", vec![]));
    }
    let mode = innocity_store::experts::Mode::parse(&f.mode)
        .ok_or_else(|| field_error(ctx, "mode", "err.choose", vec![]))?;
    let demand: i64 = f
        .demand
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=15).contains(d))
        .ok_or_else(|| field_error(ctx, "demand", "calls.err.demand", vec![]))?;
    let deadline = NaiveDate::parse_from_str(f.deadline.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d >= ctx.today())
        .ok_or_else(|| field_error(ctx, "deadline", "experts.err.date", vec![]))?;
    let round =
        store::start_review(&state.db, id, &f.name, mode, demand, deadline, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/reviews/{round}")).into_response())
}

/// Moves the reviewed applications on once every round of the call is closed.
pub async fn call_finish_review(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let n = store::finish_review(&state.db, id, ctx.today(), ctx.actor()).await?;
    Ok(Redirect::to(&format!("/applications?call={id}&stage=reviewed&moved={n}")).into_response())
}
