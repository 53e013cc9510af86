//! Technology contract registration for machines: the same operations as the pages, under the
//! same check ([`super::contracts::may`]).
use super::contracts::{action_of, may, visible};
use crate::api::{ApiError, json_body, validation_error};
use crate::app::AppState;
use crate::auth::{Auth, ManageMarket, RegisterContracts, ViewWorkspace};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use innocity_core::access::Scope;
use innocity_core::market::contracts::{ContractInput, validate};
use innocity_store::market::contracts::{self as store, Contract, Registrant, Step};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A registration.
#[derive(Serialize, ToSchema)]
pub struct ApiContract {
    pub id: i64,
    pub title: String,
    /// The type settled on (`licence.patent`, …).
    pub contract_type: String,
    /// The type declared, when the office corrected it.
    pub declared_type: String,
    pub import: bool,
    pub seller_name: String,
    pub seller_code: String,
    pub buyer_name: String,
    pub buyer_code: String,
    /// local, province, domestic, abroad.
    pub buyer_region: String,
    pub ip: String,
    pub subject: String,
    /// `YYYY-MM-DD`.
    pub signed_on: String,
    /// 合同成交额, fen.
    pub amount_fen: i64,
    /// 技术交易额, fen.
    pub transaction_fen: i64,
    /// submitted, materials, registered, refused, cancelled.
    pub status: String,
    pub status_reason: String,
    /// The office's time limit, `YYYY-MM-DD`.
    pub decide_by: String,
    pub registration_no: Option<String>,
    pub registered_on: Option<String>,
    pub version: i64,
}

fn api_contract(c: Contract) -> ApiContract {
    ApiContract {
        id: c.id,
        title: c.title,
        contract_type: c.contract_type,
        declared_type: c.declared_type,
        import: c.import,
        seller_name: c.seller_name,
        seller_code: c.seller_code,
        buyer_name: c.buyer_name,
        buyer_code: c.buyer_code,
        buyer_region: c.buyer_region,
        ip: c.ip,
        subject: c.subject,
        signed_on: c.signed_on.to_string(),
        amount_fen: c.amount.fen(),
        transaction_fen: c.transaction.fen(),
        status: c.status,
        status_reason: c.status_reason,
        decide_by: c.decide_by.to_string(),
        registration_no: c.registration_no,
        registered_on: c.registered_on.map(|d| d.to_string()),
        version: c.version,
    }
}

/// A non-technical cost.
#[derive(Deserialize, ToSchema)]
pub struct ApiCost {
    /// equipment, materials, construction, other.
    pub kind: String,
    /// 万元 as text.
    pub amount_wan: String,
}

/// A payment of the schedule.
#[derive(Deserialize, ToSchema)]
pub struct ApiPayment {
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// 万元 as text.
    pub amount_wan: String,
}

/// A contract to register.
#[derive(Deserialize, ToSchema)]
pub struct ApiContractInput {
    pub title: String,
    pub contract_type: String,
    #[serde(default)]
    pub import: bool,
    pub seller_name: String,
    pub seller_code: String,
    pub buyer_name: String,
    pub buyer_code: String,
    pub buyer_region: String,
    #[serde(default)]
    pub ip: String,
    pub subject: String,
    pub signed_on: String,
    /// 万元 as text.
    pub amount_wan: String,
    #[serde(default)]
    pub costs: Vec<ApiCost>,
    pub payments: Vec<ApiPayment>,
    #[serde(default)]
    pub electronic: bool,
}

pub fn input_of(i: ApiContractInput) -> ContractInput {
    ContractInput {
        title: i.title,
        contract_type: i.contract_type,
        import: i.import,
        seller_name: i.seller_name,
        seller_code: i.seller_code,
        buyer_name: i.buyer_name,
        buyer_code: i.buyer_code,
        buyer_region: i.buyer_region,
        ip: i.ip,
        subject: i.subject,
        signed_on: i.signed_on,
        amount_wan: i.amount_wan,
        costs: i.costs.into_iter().map(|c| (c.kind, c.amount_wan)).collect(),
        payments: i.payments.into_iter().map(|p| (p.due_on, p.amount_wan)).collect(),
        electronic: i.electronic,
    }
}

#[utoipa::path(get, path = "/api/v1/market/contracts", responses((status = 200, body = Vec<ApiContract>), (status = 403, body = ApiError)))]
/// The caller's organisation's registrations, newest first.
pub async fn my_contracts(
    State(state): State<AppState>,
    a: Auth<RegisterContracts>,
) -> AppResult<Json<Vec<ApiContract>>> {
    let Scope::Organisation(org) = a.principal.scope else {
        return Err(a.ctx.err(AppError::forbidden()));
    };
    Ok(Json(store::of_organisation(&state.db, org).await?.into_iter().map(api_contract).collect()))
}

#[utoipa::path(post, path = "/api/v1/market/contracts", request_body = ApiContractInput,
    responses((status = 201, body = ApiContract), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Submits a contract for registration: the caller's organisation must be its seller (for an
/// import, its buyer); the same contract is not taken twice (409).
pub async fn submit_contract(
    State(state): State<AppState>,
    a: Auth<RegisterContracts>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let Scope::Organisation(org) = a.principal.scope else {
        return Err(ctx.err(AppError::forbidden()));
    };
    let org = innocity_store::orgs::get(&state.db, org)
        .await?
        .ok_or_else(|| ctx.err(AppError::forbidden()))?;
    let input: ApiContractInput = json_body(ctx, &headers, &body)?;
    let draft = validate(&input_of(input)).map_err(|e| validation_error(ctx, &e))?;
    let who = Registrant {
        organisation_id: org.id,
        credit_code: &org.credit_code,
        unit_path: &org.unit_path,
    };
    let id = store::submit(&state.db, who, &draft, ctx.actor()).await?;
    let c = store::contract(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((StatusCode::CREATED, Json(api_contract(c))).into_response())
}

#[utoipa::path(get, path = "/api/v1/market/contracts/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiContract), (status = 404, body = ApiError)))]
/// A registration its registrant or the office may see.
pub async fn get_contract(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiContract>> {
    Ok(Json(api_contract(visible(&state, &a.ctx, &a.principal, &id).await?)))
}

/// A step on a registration.
#[derive(Deserialize, ToSchema)]
pub struct ApiContractStep {
    /// Registrant: resubmit. Office: register, refuse, materials, cancel.
    pub action: String,
    pub version: i64,
    /// Required to refuse, ask for materials or cancel.
    #[serde(default)]
    pub reason: String,
    /// Registering: the type the office settles on, when the declared one is wrong.
    #[serde(default)]
    pub contract_type: Option<String>,
    /// The parties dispute the contract: 30 working days.
    #[serde(default)]
    pub disputed: bool,
}

#[utoipa::path(post, path = "/api/v1/market/contracts/{id}/actions", params(("id" = i64, Path)), request_body = ApiContractStep,
    responses((status = 200, body = ApiContract), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Registers, refuses, asks for materials, cancels (the office) or resubmits (the registrant).
pub async fn contract_step(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiContract>> {
    let ctx = &a.ctx;
    let c = visible(&state, ctx, &a.principal, &id).await?;
    let s: ApiContractStep = json_body(ctx, &headers, &body)?;
    let action = action_of(&s.action)
        .ok_or_else(|| ctx.err(AppError::bad_request(format!("action={}", s.action))))?;
    if !may(&a.principal, &c, Some(action)) {
        return Err(ctx.err(AppError::forbidden()));
    }
    let step = Step {
        action,
        reason: &s.reason,
        corrected_type: s.contract_type.as_deref(),
        disputed: s.disputed,
    };
    store::act(&state.db, c.id, s.version, step, ctx.actor()).await?;
    let c =
        store::contract(&state.db, c.id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok(Json(api_contract(c)))
}

#[utoipa::path(get, path = "/api/v1/market/contracts/waiting", responses((status = 200, body = Vec<ApiContract>), (status = 403, body = ApiError)))]
/// The office's queue: waiting registrations, the nearest time limit first.
pub async fn waiting_contracts(
    State(state): State<AppState>,
    _a: Auth<ManageMarket>,
) -> AppResult<Json<Vec<ApiContract>>> {
    Ok(Json(store::waiting(&state.db).await?.into_iter().map(api_contract).collect()))
}
