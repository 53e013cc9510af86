//! Review rounds for machines: a round with its panels and how its assignment stands, running
//! the optimal assignment, and an expert giving up a review — the same capability checks and
//! refusals as the pages.
use super::my_reviews::withdraw;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, ManageExperts, ReviewAsExpert};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, State};
use innocity_store::experts as store;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A review of a panel: the expert's code and where the review stands.
#[derive(Serialize, ToSchema)]
pub struct ApiPanelReview {
    pub expert: String,
    /// assigned, submitted, declined, conflict or moved.
    pub status: String,
    /// Why it ended (a decline's reason; for `moved`, the proposal it made room for).
    pub reason: String,
}

/// One proposal's panel.
#[derive(Serialize, ToSchema)]
pub struct ApiPanel {
    pub item: String,
    pub reviews: Vec<ApiPanelReview>,
}

/// A review round and how its assignment stands.
#[derive(Serialize, ToSchema)]
pub struct ApiReviewRound {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// assign (optimal) or draw (random).
    pub mode: String,
    /// open or closed.
    pub status: String,
    pub demand: i64,
    pub max_load: i64,
    /// The assignment's distance from its proven bound: 0 when proven optimal; null before an
    /// assignment (and for draws).
    pub assign_gap: Option<f64>,
    /// Branch-and-bound nodes the assignment took (0: the flow alone was exact).
    pub assign_nodes: Option<i64>,
    pub panels: Vec<ApiPanel>,
}

/// What running the assignment did.
#[derive(Serialize, ToSchema)]
pub struct ApiAssigned {
    pub pairs: usize,
    /// Total affinity of the assigned pairs.
    pub objective: f64,
    /// 0 when proven optimal.
    pub gap: f64,
    pub nodes: usize,
    /// Experts in the pool.
    pub pool: usize,
}

/// An expert gives up a review.
#[derive(Deserialize, ToSchema)]
pub struct ApiWithdrawInput {
    /// decline, or conflict (a conflict with this proposal declared).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub reason: String,
}

/// The review given up, and who took the place (null when nobody could yet).
#[derive(Serialize, ToSchema)]
pub struct ApiWithdrawn {
    pub id: i64,
    pub replacement: Option<String>,
}

fn id_of(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::not_found())
}

#[utoipa::path(get, path = "/api/v1/reviews/{id}", params(("id" = i64, Path, description = "the round")), responses((status = 200, body = ApiReviewRound), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// A review round with its panels and whether its assignment is proven optimal.
pub async fn api_round(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiReviewRound>> {
    let db = &state.db;
    let id = id_of(&id).map_err(|e| a.ctx.err(e))?;
    let r = store::round(db, id).await?.ok_or_else(|| a.ctx.err(AppError::not_found()))?;
    let items = store::items(db, id).await?;
    let assignments = store::assignments(db, id).await?;
    let query = store::ExpertQuery { library: Some(r.library), ..Default::default() };
    let codes: std::collections::HashMap<i64, String> =
        store::list(db, &query).await?.into_iter().map(|e| (e.id, e.code)).collect();
    let panels = items
        .iter()
        .map(|it| ApiPanel {
            item: it.code.clone(),
            reviews: assignments
                .iter()
                .filter(|x| x.item_id == it.id)
                .map(|x| ApiPanelReview {
                    expert: codes.get(&x.expert_id).cloned().unwrap_or_default(),
                    status: x.status.clone(),
                    reason: x.reason.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(Json(ApiReviewRound {
        id: r.id,
        code: r.code,
        name: r.name,
        mode: r.mode.code().to_string(),
        status: r.status,
        demand: r.demand,
        max_load: r.max_load,
        assign_gap: r.assign_gap,
        assign_nodes: r.assign_nodes,
        panels,
    }))
}

#[utoipa::path(post, path = "/api/v1/reviews/{id}/assign", params(("id" = i64, Path, description = "the round")), responses((status = 200, body = ApiAssigned), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Runs the optimal assignment of an open round (refused once it has panels, or when its rules
/// cannot be met — the refusal names the item and the rule).
pub async fn api_assign(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiAssigned>> {
    let ctx = &a.ctx;
    let id = id_of(&id).map_err(|e| ctx.err(e))?;
    store::round(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let s = store::run_assignment(&state.db, id, ctx.today(), ctx.actor()).await?;
    Ok(Json(ApiAssigned {
        pairs: s.pairs,
        objective: s.objective,
        gap: s.gap,
        nodes: s.nodes,
        pool: s.pool,
    }))
}

#[utoipa::path(post, path = "/api/v1/my/reviews/{id}/withdraw", params(("id" = i64, Path, description = "the review")), request_body = ApiWithdrawInput, responses((status = 200, body = ApiWithdrawn), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// The caller, an expert, declines one of their reviews or declares a conflict with its
/// proposal; the place is re-assigned as on the page.
pub async fn api_withdraw(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiWithdrawn>> {
    let ctx = &a.ctx;
    let id = id_of(&id).map_err(|e| ctx.err(e))?;
    let f: ApiWithdrawInput = crate::api::json_body(ctx, &headers, &body)?;
    let replacement = withdraw(&state, ctx, a.principal.user_id, id, &f.kind, &f.reason).await?;
    Ok(Json(ApiWithdrawn { id, replacement }))
}
