//! A technology broker's records (技术经纪): starting to broker a listed achievement for a buyer,
//! the dated steps to a signed contract (named by its registration number) or an end, as pages
//! and as JSON. The broker's organisation and the registration office may look; only the
//! broker's organisation records.
use super::offering::own_organisation;
use crate::api::{ApiError, json_body, validation_error};
use crate::app::AppState;
use crate::auth::{Auth, BrokerDeals, Ctx, ViewWorkspace};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::orgs::field_messages;
use crate::page::{FieldErrors, Shell, render, render_status};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal, Scope};
use innocity_core::market::brokerage::{STEP_KINDS, StepInput, validate_step};
use innocity_store::market::brokerage::{self as store, Broker, Brokerage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Whether `p` may see a brokerage (its broker's organisation, or the office) and record on it
/// (its broker's organisation only).
fn may(p: &Principal, b: &Brokerage, record: bool) -> bool {
    let own = matches!(p.scope, Scope::Organisation(o) if o == b.broker_organisation_id)
        && p.role.allows(Capability::BrokerDeals);
    own || (!record && p.role.allows(Capability::ManageMarket))
}

async fn visible(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    record: bool,
) -> AppResult<Brokerage> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::brokerage(&state.db, id)
        .await?
        .filter(|b| may(p, b, record))
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

#[derive(Template)]
#[template(path = "market_brokerages.html")]
struct ListPage {
    s: Shell,
    list: Vec<Brokerage>,
}

/// The broker's brokerages.
pub async fn list(State(state): State<AppState>, a: Auth<BrokerDeals>) -> AppResult<Response> {
    let org = own_organisation(&a.ctx, &a.principal)?;
    Ok(render(&ListPage { s: a.ctx.shell(), list: store::of_broker(&state.db, org).await? }))
}

#[derive(Deserialize)]
struct OpenForm {
    #[serde(default)]
    buyer_name: String,
}

/// Starts brokering a listed achievement (from its public page).
pub async fn open(
    State(state): State<AppState>,
    a: Auth<BrokerDeals>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let achievement: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let f: OpenForm = crate::auth::parse_form(ctx, &body)?;
    let broker = Broker { organisation_id: org, user_id: a.principal.user_id };
    let id = store::open(&state.db, broker, achievement, &f.buyer_name, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/market/brokerages/{id}")).into_response())
}

/// A step as the page shows it.
struct StepLine {
    on: String,
    kind: String,
    note: String,
    by: String,
}

#[derive(Template)]
#[template(path = "market_brokerage.html")]
struct BrokeragePage {
    s: Shell,
    b: Brokerage,
    stage: String,
    steps: Vec<StepLine>,
    kinds: Vec<(String, String)>,
    input: StepInput,
    errors: FieldErrors,
    can_record: bool,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    b: Brokerage,
    input: StepInput,
    errors: FieldErrors,
) -> AppResult<BrokeragePage> {
    let lang = ctx.lang;
    let steps = store::steps(&state.db, b.id)
        .await?
        .into_iter()
        .map(|s| StepLine {
            on: s.on.format("%Y年%m月%d日").to_string(),
            kind: t(lang, &format!("broker.kind.{}", s.kind)).to_string(),
            note: s.note,
            by: s.created_by,
        })
        .collect();
    let kinds = STEP_KINDS
        .iter()
        .map(|k| (k.to_string(), t(lang, &format!("broker.kind.{k}")).to_string()))
        .collect();
    Ok(BrokeragePage {
        s: ctx.shell(),
        stage: t(lang, &format!("broker.stage.{}", b.stage)).to_string(),
        can_record: may(p, &b, true) && b.stage == "open",
        b,
        steps,
        kinds,
        input,
        errors,
    })
}

pub async fn view(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let b = visible(&state, &a.ctx, &a.principal, &id, false).await?;
    let input = StepInput { on: a.ctx.today().to_string(), ..StepInput::default() };
    Ok(render(&page(&state, &a.ctx, &a.principal, b, input, FieldErrors::default()).await?))
}

#[derive(Deserialize)]
struct StepForm {
    version: i64,
    #[serde(flatten)]
    step: StepInput,
}

/// Records a step.
pub async fn add_step(
    State(state): State<AppState>,
    a: Auth<BrokerDeals>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let b = visible(&state, ctx, &a.principal, &id, true).await?;
    let f: StepForm = crate::auth::parse_form(ctx, &body)?;
    let step = match validate_step(&f.step, ctx.today()) {
        Ok(s) => s,
        Err(e) => {
            let p = page(
                &state,
                ctx,
                &a.principal,
                b,
                f.step,
                FieldErrors(field_messages(ctx.lang, &e)),
            )
            .await?;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p));
        }
    };
    store::add_step(&state.db, b.id, f.version, &step, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/market/brokerages/{}", b.id)).into_response())
}

/// A brokerage for machines.
#[derive(Serialize, ToSchema)]
pub struct ApiBrokerage {
    pub id: i64,
    pub broker: String,
    pub achievement_id: i64,
    pub achievement: String,
    pub owner: String,
    pub buyer_name: String,
    /// open, signed, failed.
    pub stage: String,
    /// The signed contract's registration number.
    pub registration_no: Option<String>,
    pub version: i64,
    pub steps: Vec<ApiBrokerageStep>,
}

/// A recorded step.
#[derive(Serialize, ToSchema)]
pub struct ApiBrokerageStep {
    /// `YYYY-MM-DD`.
    pub on: String,
    /// contact, meeting, negotiation, signed, failed.
    pub kind: String,
    pub note: String,
}

async fn api_brokerage(state: &AppState, b: Brokerage) -> AppResult<ApiBrokerage> {
    let steps = store::steps(&state.db, b.id)
        .await?
        .into_iter()
        .map(|s| ApiBrokerageStep { on: s.on.to_string(), kind: s.kind, note: s.note })
        .collect();
    Ok(ApiBrokerage {
        id: b.id,
        broker: b.broker,
        achievement_id: b.achievement_id,
        achievement: b.achievement,
        owner: b.owner,
        buyer_name: b.buyer_name,
        stage: b.stage,
        registration_no: b.registration_no,
        version: b.version,
        steps,
    })
}

#[utoipa::path(get, path = "/api/v1/market/brokerages", responses((status = 200, body = Vec<ApiBrokerage>), (status = 403, body = ApiError)))]
/// The caller's organisation's brokerages, newest first.
pub async fn api_list(
    State(state): State<AppState>,
    a: Auth<BrokerDeals>,
) -> AppResult<Json<Vec<ApiBrokerage>>> {
    let org = own_organisation(&a.ctx, &a.principal)?;
    let mut out = Vec::new();
    for b in store::of_broker(&state.db, org).await? {
        out.push(api_brokerage(&state, b).await?);
    }
    Ok(Json(out))
}

/// A brokerage to start.
#[derive(Deserialize, ToSchema)]
pub struct ApiBrokerageInput {
    pub achievement_id: i64,
    pub buyer_name: String,
}

#[utoipa::path(post, path = "/api/v1/market/brokerages", request_body = ApiBrokerageInput,
    responses((status = 201, body = ApiBrokerage), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Starts brokering a listed achievement for a buyer.
pub async fn api_open(
    State(state): State<AppState>,
    a: Auth<BrokerDeals>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let i: ApiBrokerageInput = json_body(ctx, &headers, &body)?;
    let id = store::open(
        &state.db,
        Broker { organisation_id: org, user_id: a.principal.user_id },
        i.achievement_id,
        &i.buyer_name,
        ctx.actor(),
    )
    .await?;
    let b = store::brokerage(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((StatusCode::CREATED, Json(api_brokerage(&state, b).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/market/brokerages/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiBrokerage), (status = 404, body = ApiError)))]
pub async fn api_get(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiBrokerage>> {
    let b = visible(&state, &a.ctx, &a.principal, &id, false).await?;
    Ok(Json(api_brokerage(&state, b).await?))
}

/// A step to record.
#[derive(Deserialize, ToSchema)]
pub struct ApiStepInput {
    pub version: i64,
    /// `YYYY-MM-DD`, not in the future.
    pub on: String,
    /// contact, meeting, negotiation, signed, failed.
    pub kind: String,
    pub note: String,
    /// A signing: the contract's registration number (a registered contract).
    #[serde(default)]
    pub registration_no: String,
}

#[utoipa::path(post, path = "/api/v1/market/brokerages/{id}/steps", params(("id" = i64, Path)), request_body = ApiStepInput,
    responses((status = 200, body = ApiBrokerage), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Records a step on an open brokerage.
pub async fn api_step(
    State(state): State<AppState>,
    a: Auth<BrokerDeals>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiBrokerage>> {
    let ctx = &a.ctx;
    let b = visible(&state, ctx, &a.principal, &id, true).await?;
    let i: ApiStepInput = json_body(ctx, &headers, &body)?;
    let input =
        StepInput { on: i.on, kind: i.kind, note: i.note, registration_no: i.registration_no };
    let step = validate_step(&input, ctx.today()).map_err(|e| validation_error(ctx, &e))?;
    store::add_step(&state.db, b.id, i.version, &step, ctx.actor()).await?;
    let b =
        store::brokerage(&state.db, b.id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok(Json(api_brokerage(&state, b).await?))
}
