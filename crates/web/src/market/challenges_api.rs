//! Open challenges (揭榜挂帅) for machines: the same operations as the pages, under the same
//! checks ([`Role::of`](super::challenges::Role::of)).
use super::challenges::{
    AwardForm, Role, StepRequest, award_of, load, parse_id, review_plan, take_step, winner,
};
use crate::api::{ApiError, json_body, validation_error};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageMarket, OfferAchievements, ViewWorkspace};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use innocity_core::market::challenges::{
    ProposalInput, RaiseInput, ReviewInput, Status, validate_proposal, validate_raise,
};
use innocity_store::market::challenges::{self as store, Challenge};
use innocity_store::market::demands as demand_store;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A challenge for machines.
#[derive(Serialize, ToSchema)]
pub struct ApiChallenge {
    pub id: i64,
    /// `JB2026-001`.
    pub code: String,
    pub demand_id: i64,
    pub title: String,
    pub description: String,
    pub requirements: String,
    /// The enterprise that set the problem (张榜方).
    pub organisation: String,
    pub reward_fen: i64,
    /// The last day proposals are taken, `YYYY-MM-DD`.
    pub apply_by: String,
    pub terms: String,
    /// open, reviewing, awarded, finished, closed.
    pub status: String,
    pub proposals: usize,
    /// The published winner (awarded or finished).
    pub winner: Option<ApiProposal>,
    /// Why the pick was not the review's first, if it was not.
    pub winner_reason: String,
    /// Why it ended without a winner.
    pub closed_reason: String,
    /// `YYYY-MM-DD`, empty before the award.
    pub awarded_on: String,
    pub milestones: Vec<ApiMilestone>,
    /// Every proposal for the registration office; the caller's own for a solver; none for the
    /// public.
    pub visible_proposals: Vec<ApiProposal>,
    pub version: i64,
}

/// A proposal.
#[derive(Serialize, ToSchema, Clone)]
pub struct ApiProposal {
    pub id: i64,
    pub code: String,
    pub organisation: String,
    pub title: String,
    pub leader: String,
    pub members: Vec<String>,
    /// The review's rank, once scored.
    pub rank: Option<usize>,
    pub mean_score: Option<f64>,
}

/// A milestone of the winner's work.
#[derive(Serialize, ToSchema)]
pub struct ApiMilestone {
    pub seq: i64,
    /// `YYYY-MM-DD`.
    pub due: String,
    pub title: String,
    pub pay_fen: i64,
    /// pending, reported, accepted.
    pub status: String,
    pub report: String,
    pub reason: String,
}

async fn api_challenge(state: &AppState, ctx: &Ctx, c: Challenge) -> AppResult<ApiChallenge> {
    let role = Role::of(ctx.principal.as_ref());
    let apps = store::applications(&state.db, c.id).await?;
    let ranked = store::ranking(&state.db, &c).await?;
    let proposal = |a: &store::Application| {
        let r = ranked.iter().find(|r| r.code == a.code);
        ApiProposal {
            id: a.id,
            code: a.code.clone(),
            organisation: a.organisation.clone(),
            title: a.title.clone(),
            leader: a.leader.clone(),
            members: a.members.clone(),
            rank: r.map(|r| r.rank),
            mean_score: r.map(|r| r.mean),
        }
    };
    let visible = apps
        .iter()
        .filter(|a| match role {
            Role::Office => true,
            Role::Solver(o) => a.organisation_id == o,
            Role::Public => false,
        })
        .map(proposal)
        .collect();
    let milestones = store::milestones(&state.db, c.id)
        .await?
        .into_iter()
        .map(|m| ApiMilestone {
            seq: m.seq,
            due: m.due.to_string(),
            title: m.title,
            pay_fen: m.pay.fen(),
            status: m.status.code().to_string(),
            report: m.report,
            reason: m.reason,
        })
        .collect();
    Ok(ApiChallenge {
        winner: winner(&c, &apps).map(proposal),
        proposals: apps.len(),
        visible_proposals: visible,
        milestones,
        id: c.id,
        code: c.code,
        demand_id: c.demand_id,
        title: c.title,
        description: c.description,
        requirements: c.requirements,
        organisation: c.organisation,
        reward_fen: c.reward.fen(),
        apply_by: c.apply_by.to_string(),
        terms: c.terms,
        status: c.status.code().to_string(),
        winner_reason: c.winner_reason,
        closed_reason: c.closed_reason,
        awarded_on: c.awarded_on,
        version: c.version,
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ApiListQuery {
    /// open, reviewing, awarded, finished or closed; all when missing.
    #[serde(default)]
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/market/challenges", params(ApiListQuery), responses((status = 200, body = Vec<ApiChallenge>), (status = 400, body = ApiError)))]
/// The challenges, newest first (public).
pub async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ApiListQuery>,
) -> AppResult<Json<Vec<ApiChallenge>>> {
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            ctx.err(AppError::new(StatusCode::BAD_REQUEST, "bad_request", "err.choose"))
        })?),
    };
    let mut out = Vec::new();
    for c in store::list(&state.db, status).await? {
        out.push(api_challenge(&state, &ctx, c).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/market/challenges/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiChallenge), (status = 404, body = ApiError)))]
/// A challenge: what is published, and the proposals the caller may see.
pub async fn api_get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Json<ApiChallenge>> {
    let c = load(&state, &ctx, &id).await?;
    Ok(Json(api_challenge(&state, &ctx, c).await?))
}

async fn answer(state: &AppState, ctx: &Ctx, id: i64, status: StatusCode) -> AppResult<Response> {
    let c = store::challenge(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((status, Json(api_challenge(state, ctx, c).await?)).into_response())
}

/// A challenge to raise from a demand.
#[derive(Deserialize, ToSchema)]
pub struct ApiRaiseInput {
    /// 万元 as text, above zero.
    pub reward_wan: String,
    /// `YYYY-MM-DD`, today or later.
    pub apply_by: String,
    #[serde(default)]
    pub terms: String,
}

#[utoipa::path(post, path = "/api/v1/market/demands/{id}/challenge", params(("id" = i64, Path)), request_body = ApiRaiseInput,
    responses((status = 201, body = ApiChallenge), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Raises an open demand to an open challenge with a reward (the registration office).
pub async fn api_raise(
    State(state): State<AppState>,
    a: Auth<ManageMarket>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let demand = parse_id(ctx, &id)?;
    demand_store::demand(&state.db, demand).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let i: ApiRaiseInput = json_body(ctx, &headers, &body)?;
    let input = RaiseInput { reward_wan: i.reward_wan, apply_by: i.apply_by, terms: i.terms };
    let r = validate_raise(&input, ctx.today()).map_err(|e| validation_error(ctx, &e))?;
    let id = store::raise(&state.db, demand, &r, ctx.actor()).await?;
    answer(&state, ctx, id, StatusCode::CREATED).await
}

/// A proposal to submit.
#[derive(Deserialize, ToSchema)]
pub struct ApiProposalInput {
    pub title: String,
    pub leader: String,
    #[serde(default)]
    pub members: Vec<String>,
    pub proposal: String,
}

#[utoipa::path(post, path = "/api/v1/market/challenges/{id}/proposals", params(("id" = i64, Path)), request_body = ApiProposalInput,
    responses((status = 201, body = ApiChallenge), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The caller's organisation applies with a proposal while the challenge takes them.
pub async fn api_apply(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = super::offering::own_organisation(ctx, &a.principal)?;
    let c = load(&state, ctx, &id).await?;
    let i: ApiProposalInput = json_body(ctx, &headers, &body)?;
    let input = ProposalInput {
        title: i.title,
        leader: i.leader,
        members: i.members.join("、"),
        proposal: i.proposal,
    };
    let p = validate_proposal(&input).map_err(|e| validation_error(ctx, &e))?;
    store::apply(&state.db, c.id, org, &p, ctx.actor()).await?;
    answer(&state, ctx, c.id, StatusCode::CREATED).await
}

/// What the registration office does to a challenge.
#[derive(Deserialize, ToSchema)]
pub struct ApiChallengeAction {
    pub version: i64,
    /// review, award or close.
    pub action: String,
    /// review: the round's name.
    #[serde(default)]
    pub name: String,
    /// review: assign or draw.
    #[serde(default)]
    pub mode: String,
    /// review: experts per proposal, 1–15.
    #[serde(default)]
    pub experts: Option<i64>,
    /// review: the experts' deadline, `YYYY-MM-DD`.
    #[serde(default)]
    pub deadline: String,
    /// award: the winning proposal.
    #[serde(default)]
    pub application_id: Option<i64>,
    /// award (when not the review's first) and close: why.
    #[serde(default)]
    pub reason: String,
    /// award: one a line, `YYYY-MM-DD 标题 金额（万元）`, adding up to the reward.
    #[serde(default)]
    pub milestones: String,
}

#[utoipa::path(post, path = "/api/v1/market/challenges/{id}/actions", params(("id" = i64, Path)), request_body = ApiChallengeAction,
    responses((status = 200, body = ApiChallenge), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Sends the proposals to review, picks the winner or closes the challenge (the office).
pub async fn api_act(
    State(state): State<AppState>,
    a: Auth<ManageMarket>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = load(&state, ctx, &id).await?;
    let i: ApiChallengeAction = json_body(ctx, &headers, &body)?;
    match i.action.trim() {
        "review" => {
            let input = ReviewInput {
                name: i.name,
                mode: i.mode,
                experts: i.experts.map(|n| n.to_string()).unwrap_or_default(),
                deadline: i.deadline,
            };
            let plan = review_plan(&input, ctx.today()).map_err(|e| validation_error(ctx, &e))?;
            store::start_review(&state.db, c.id, i.version, &plan, ctx.actor()).await?;
        }
        "award" => {
            let f = AwardForm {
                application_id: i.application_id.map(|n| n.to_string()).unwrap_or_default(),
                reason: i.reason,
                milestones: i.milestones,
            };
            let w = award_of(&c, &f, ctx.today()).map_err(|e| validation_error(ctx, &e))?;
            store::award(&state.db, c.id, i.version, &w, ctx.actor()).await?;
        }
        "close" => {
            if i.reason.trim().is_empty() {
                let e = [innocity_core::orgs::FieldError {
                    field: "reason",
                    key: "err.required",
                    args: vec![],
                }];
                return Err(validation_error(ctx, &e));
            }
            store::close(&state.db, c.id, i.version, &i.reason, ctx.actor()).await?;
        }
        _ => return Err(crate::auth::field_error(ctx, "action", "err.choose", vec![])),
    }
    answer(&state, ctx, c.id, StatusCode::OK).await
}

/// A step on a milestone.
#[derive(Deserialize, ToSchema)]
pub struct ApiMilestoneStep {
    pub version: i64,
    /// report (the winner), accept or return (the office).
    pub step: String,
    /// report: what was done; return: why; accept: a remark.
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/market/challenges/{id}/milestones/{seq}", params(("id" = i64, Path), ("seq" = i64, Path)), request_body = ApiMilestoneStep,
    responses((status = 200, body = ApiChallenge), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The winner reports the current milestone done; the office accepts it or sends it back.
pub async fn api_milestone(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path((id, seq)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = load(&state, ctx, &id).await?;
    let seq = parse_id(ctx, &seq)?;
    let i: ApiMilestoneStep = json_body(ctx, &headers, &body)?;
    let r = StepRequest { seq, step: &i.step, version: i.version, note: &i.note };
    take_step(&state, ctx, &a.principal, &c, r).await?;
    answer(&state, ctx, c.id, StatusCode::OK).await
}
