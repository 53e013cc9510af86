//! The market's operations for machines: what the owner's pages, the registration office's
//! queue and a visitor's question do, under the same capabilities and scopes
//! ([`super::offering`] holds the checks both use).
use super::offering::{own_achievement, own_organisation};
use crate::api::{ApiError, json_body, validation_error};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageMarket, OfferAchievements, ViewWorkspace};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use innocity_core::market::achievements::{AchievementInput, Action, Status, validate};
use innocity_store::market::{self as store, Achievement};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An achievement, as its owner and the office see it.
#[derive(Serialize, ToSchema)]
pub struct ApiAchievement {
    pub id: i64,
    pub external_id: Option<String>,
    pub organisation_id: i64,
    pub organisation: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub discipline: String,
    /// Technology readiness level 1–9 (0: not stated).
    pub maturity: i64,
    /// transfer, licence, equity, joint.
    pub modes: Vec<String>,
    /// In fen; null when negotiable (面议).
    pub price_fen: Option<i64>,
    /// Patent, software copyright and plant variety numbers.
    pub ip: Vec<String>,
    pub team: String,
    pub contact: String,
    /// draft, submitted, returned, listed, dealt, withdrawn.
    pub status: String,
    pub status_reason: String,
    pub registration_no: Option<String>,
    pub views: i64,
    pub version: i64,
    /// A listed achievement's public notice (公示) runs to this day, `YYYY-MM-DD`, while it
    /// runs (on the public operation only).
    pub notice_until: Option<String>,
}

fn api_achievement(a: Achievement) -> ApiAchievement {
    ApiAchievement {
        id: a.id,
        external_id: a.external_id,
        organisation_id: a.organisation_id,
        organisation: a.organisation,
        title: a.title,
        description: a.description,
        keywords: a.keywords,
        discipline: a.discipline,
        maturity: a.maturity,
        modes: a.modes,
        price_fen: a.price_fen,
        ip: a.ip.iter().map(|i| i.number().to_string()).collect(),
        team: a.team,
        contact: a.contact,
        status: a.status,
        status_reason: a.status_reason,
        registration_no: a.registration_no,
        views: a.views,
        version: a.version,
        notice_until: None,
    }
}

/// An achievement's description as its owner writes it.
#[derive(Deserialize, ToSchema)]
pub struct ApiAchievementInput {
    pub title: String,
    pub description: String,
    /// Separated by `;` or `；`.
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub discipline: String,
    /// 1–9.
    pub maturity: u8,
    pub modes: Vec<String>,
    /// 万元 as text (`120.5`); empty or absent when negotiable.
    #[serde(default)]
    pub price_wan: String,
    /// One right per entry: `ZL202010123456.2`, `2021SR0123456`, `CNA20201234.5`.
    #[serde(default)]
    pub ip: Vec<String>,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub contact: String,
    /// On a change: the version read.
    #[serde(default)]
    pub version: i64,
}

fn input_of(i: &ApiAchievementInput) -> AchievementInput {
    AchievementInput {
        title: i.title.clone(),
        description: i.description.clone(),
        keywords: i.keywords.clone(),
        discipline: i.discipline.clone(),
        maturity: i.maturity.to_string(),
        modes: i.modes.clone(),
        price_wan: i.price_wan.clone(),
        ip: i.ip.join("\n"),
        team: i.team.clone(),
        contact: i.contact.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/market/my/achievements",
    responses((status = 200, body = Vec<ApiAchievement>), (status = 403, body = ApiError)))]
/// The caller's organisation's achievements, newest first.
pub async fn my_achievements(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
) -> AppResult<Json<Vec<ApiAchievement>>> {
    let org = own_organisation(&a.ctx, &a.principal)?;
    Ok(Json(
        store::of_organisation(&state.db, org).await?.into_iter().map(api_achievement).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/market/my/achievements", request_body = ApiAchievementInput,
    responses((status = 201, body = ApiAchievement), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// A new draft of the caller's organisation's achievement.
pub async fn create_achievement(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let input: ApiAchievementInput = json_body(ctx, &headers, &body)?;
    let draft = validate(&input_of(&input)).map_err(|e| validation_error(ctx, &e))?;
    let id = store::create(&state.db, org, &draft, ctx.actor()).await?;
    let created =
        store::achievement(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((StatusCode::CREATED, Json(api_achievement(created))).into_response())
}

#[utoipa::path(get, path = "/api/v1/market/my/achievements/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ApiAchievement), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn my_achievement(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiAchievement>> {
    Ok(Json(api_achievement(own_achievement(&state, &a.ctx, &a.principal, &id).await?)))
}

#[utoipa::path(put, path = "/api/v1/market/my/achievements/{id}", params(("id" = i64, Path)), request_body = ApiAchievementInput,
    responses((status = 200, body = ApiAchievement), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Changes a draft or one sent back (409 when changed since `version`, or no longer editable).
pub async fn update_achievement(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiAchievement>> {
    let ctx = &a.ctx;
    let r = own_achievement(&state, ctx, &a.principal, &id).await?;
    let input: ApiAchievementInput = json_body(ctx, &headers, &body)?;
    let draft = validate(&input_of(&input)).map_err(|e| validation_error(ctx, &e))?;
    store::update(&state.db, r.id, input.version, &draft, ctx.actor()).await?;
    let changed =
        store::achievement(&state.db, r.id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok(Json(api_achievement(changed)))
}

/// An action on an achievement.
#[derive(Deserialize, ToSchema)]
pub struct ApiAchievementAction {
    /// Owner: submit, dealt, withdraw. Registration office: list, return, withdraw.
    pub action: String,
    pub version: i64,
    /// Required to return or withdraw.
    #[serde(default)]
    pub reason: String,
}

/// The state after an action.
#[derive(Serialize, ToSchema)]
pub struct ApiAchievementState {
    pub id: i64,
    pub status: String,
}

fn action_of(ctx: &Ctx, code: &str, allowed: &[(&str, Action)]) -> AppResult<Action> {
    allowed
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, a)| *a)
        .ok_or_else(|| ctx.err(AppError::bad_request(format!("action={code}"))))
}

async fn acted(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    act: &ApiAchievementAction,
    action: Action,
) -> AppResult<Json<ApiAchievementState>> {
    let to: Status =
        store::act(&state.db, id, act.version, action, &act.reason, ctx.actor()).await?;
    state.market_changed().await;
    if action == Action::List {
        super::notices::after_listing(state, ctx, id).await;
    }
    Ok(Json(ApiAchievementState { id, status: to.code().into() }))
}

#[utoipa::path(post, path = "/api/v1/market/my/achievements/{id}/actions", params(("id" = i64, Path)), request_body = ApiAchievementAction,
    responses((status = 200, body = ApiAchievementState), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// The owner submits, marks dealt or withdraws.
pub async fn act_as_owner(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiAchievementState>> {
    let ctx = &a.ctx;
    let r = own_achievement(&state, ctx, &a.principal, &id).await?;
    let act: ApiAchievementAction = json_body(ctx, &headers, &body)?;
    let action = action_of(
        ctx,
        &act.action,
        &[("submit", Action::Submit), ("dealt", Action::MarkDealt), ("withdraw", Action::Withdraw)],
    )?;
    acted(&state, ctx, r.id, &act, action).await
}

#[utoipa::path(get, path = "/api/v1/market/registry",
    responses((status = 200, body = Vec<ApiAchievement>), (status = 403, body = ApiError)))]
/// The registration office's queue: submitted achievements, oldest first.
pub async fn registry_queue(
    State(state): State<AppState>,
    _a: Auth<ManageMarket>,
) -> AppResult<Json<Vec<ApiAchievement>>> {
    Ok(Json(
        store::in_status(&state.db, Status::Submitted, None)
            .await?
            .into_iter()
            .map(api_achievement)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/market/registry/{id}/actions", params(("id" = i64, Path)), request_body = ApiAchievementAction,
    responses((status = 200, body = ApiAchievementState), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// The office registers and lists, sends back or withdraws.
pub async fn act_as_office(
    State(state): State<AppState>,
    a: Auth<ManageMarket>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiAchievementState>> {
    let ctx = &a.ctx;
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::achievement(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let act: ApiAchievementAction = json_body(ctx, &headers, &body)?;
    let action = action_of(
        ctx,
        &act.action,
        &[("list", Action::List), ("return", Action::Return), ("withdraw", Action::Withdraw)],
    )?;
    acted(&state, ctx, id, &act, action).await
}

#[utoipa::path(get, path = "/api/v1/market/achievements/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ApiAchievement), (status = 404, body = ApiError)))]
/// A listed achievement (public; one not listed is not found).
pub async fn listed_achievement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Json<ApiAchievement>> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let r = store::achievement(&state.db, id)
        .await?
        .filter(|r| r.status == store::LISTED)
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let notice_until = ctx
        .clock
        .date_of_ms(r.listed_at)
        .map(innocity_core::market::achievements::notice_until)
        .filter(|end| *end >= ctx.today())
        .map(|d| d.to_string());
    Ok(Json(ApiAchievement {
        contact: String::new(),
        views: 0,
        notice_until,
        ..api_achievement(r)
    }))
}

/// A question about a listed achievement.
#[derive(Deserialize, ToSchema)]
pub struct ApiInquiry {
    pub name: String,
    #[serde(default)]
    pub organisation: String,
    pub contact: String,
    pub message: String,
}

/// A recorded question.
#[derive(Serialize, ToSchema)]
pub struct ApiInquiryCreated {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/market/achievements/{id}/inquiries", params(("id" = i64, Path)), request_body = ApiInquiry,
    responses((status = 201, body = ApiInquiryCreated), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// A signed-in caller (a token) asks about a listed achievement (409 when it is not listed or
/// the question is incomplete). Visitors without an account ask on the achievement's page.
pub async fn ask(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::achievement(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let q: ApiInquiry = json_body(ctx, &headers, &body)?;
    let new = store::NewInquiry {
        user_id: Some(a.principal.user_id),
        name: &q.name,
        organisation: &q.organisation,
        contact: &q.contact,
        message: &q.message,
    };
    let created = store::inquire(&state.db, id, &new, ctx.actor()).await?;
    Ok((StatusCode::CREATED, Json(ApiInquiryCreated { id: created })).into_response())
}
