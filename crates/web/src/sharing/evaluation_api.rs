//! The open-sharing evaluation in `/api/v1`: a year's results (published, or as the records
//! stand), publishing them, and the bureau's reward or warning — the page's functions and checks.
use super::ApiDone;
use super::evaluation::{OutcomeInput, outcome_as, publish_as, year_results};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, ManageVouchers};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, State};
use innocity_core::sharing::evaluation::{CRITERIA, median};
use serde::Serialize;
use utoipa::ToSchema;

/// A criterion with its published weight.
#[derive(Serialize, ToSchema)]
pub struct ApiCriterion {
    pub code: String,
    pub name: String,
    pub weight: u32,
}

/// An owner's result: its figures from the records, a score per criterion (0–100, in the order of
/// the criteria), the weighted total, the grade and the bureau's response.
#[derive(Serialize, ToSchema)]
pub struct ApiOwnerResult {
    /// The published result's id (for its outcome); 0 while not published.
    pub id: i64,
    pub place: i64,
    pub owner_id: i64,
    pub owner: String,
    pub instruments: i64,
    pub open_minutes: i64,
    pub used_minutes: i64,
    pub external_minutes: i64,
    pub income_fen: i64,
    pub rating_sum: i64,
    pub ratings: i64,
    /// Median hours from a request to its answer, none when nothing waited.
    pub median_response_hours: Option<f64>,
    pub scores: Vec<f64>,
    pub total: f64,
    /// excellent, good, pass or fail.
    pub grade: String,
    /// reward, warning or none.
    pub outcome: Option<String>,
    pub reward_fen: Option<i64>,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiSharingEvaluation {
    pub year: i32,
    pub published: bool,
    /// The last day the figures count.
    pub as_of: String,
    pub criteria: Vec<ApiCriterion>,
    pub results: Vec<ApiOwnerResult>,
}

#[utoipa::path(get, path = "/api/v1/sharing-evaluations/{year}", params(("year" = i32, Path)), responses((status = 200, body = ApiSharingEvaluation), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// A year's open-sharing evaluation: published results, or the ranking as the records stand.
pub async fn api_sharing_evaluation(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(year): Path<String>,
) -> AppResult<Json<ApiSharingEvaluation>> {
    let ctx = &a.ctx;
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let r = year_results(&state, ctx, year).await?;
    let results = r
        .results
        .into_iter()
        .map(|x| ApiOwnerResult {
            id: x.id,
            place: x.place,
            owner_id: x.owner_id,
            owner: x.owner,
            instruments: x.figures.instruments,
            open_minutes: x.figures.open_minutes,
            used_minutes: x.figures.used_minutes,
            external_minutes: x.figures.external_minutes,
            income_fen: x.figures.income_fen,
            rating_sum: x.figures.rating_sum,
            ratings: x.figures.ratings,
            median_response_hours: median(&x.figures.response_hours),
            scores: x.parts.to_vec(),
            total: x.total,
            grade: x.grade.code().into(),
            outcome: x.outcome.map(|o| o.code().into()),
            reward_fen: x.reward.map(|m| m.fen()),
            note: x.note,
        })
        .collect();
    Ok(Json(ApiSharingEvaluation {
        year,
        published: r.published,
        as_of: r.as_of.format("%Y-%m-%d").to_string(),
        criteria: CRITERIA
            .iter()
            .map(|c| ApiCriterion {
                code: c.code.into(),
                name: ctx.lang.pick(c.name_zh, c.name_en).into(),
                weight: c.weight,
            })
            .collect(),
        results,
    }))
}

#[utoipa::path(post, path = "/api/v1/sharing-evaluations/{year}/publish", params(("year" = i32, Path)), responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Publishes a year's results as they stand; from then on they are frozen (published once).
pub async fn api_publish_evaluation(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(year): Path<String>,
) -> AppResult<Json<ApiDone>> {
    publish_as(&state, &a.ctx, &year).await?;
    Ok(Json(ApiDone { ok: true }))
}

#[utoipa::path(post, path = "/api/v1/sharing-evaluation-results/{id}/outcome", params(("id" = i64, Path)), request_body = OutcomeInput, responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Records the bureau's reward (not for a failed owner) or warning (not for an excellent one,
/// with its reason) on a published result, or clears it.
pub async fn api_evaluation_outcome(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    Json(i): Json<OutcomeInput>,
) -> AppResult<Json<ApiDone>> {
    outcome_as(&state, &a.ctx, &id, &i).await?;
    Ok(Json(ApiDone { ok: true }))
}
