//! Vouchers for machines: programmes and their ledgers for the bureau, applications and
//! vouchers for enterprises, redemptions for providers — the same checks, scope and refusals as
//! the pages.
use super::voucher_use::{ApplyInput, RedeemInput, apply_as, organisation, redeem_as};
use super::vouchers::{
    GrantInput, ReasonInput, SettleInput, VerifyInput, claw_back_as, decide_as, expire_as,
    settle_as, verify_as,
};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{ApplyVouchers, Auth, Ctx, ManageVouchers, RedeemVouchers};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use innocity_core::sharing::vouchers::ProgrammeForm;
use innocity_store::sharing::{self as store, ProgrammeRow, RedemptionQuery, RedemptionRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A voucher programme with its ledger (money in fen).
#[derive(Serialize, ToSchema)]
pub struct ApiProgramme {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub year: i32,
    pub budget_fen: i64,
    pub per_application_fen: i64,
    pub per_enterprise_fen: i64,
    pub copay_percent: u32,
    pub services: Vec<String>,
    /// tech_sme or enterprise.
    pub eligibility: String,
    pub valid_from: String,
    pub valid_to: String,
    pub issued_fen: i64,
    pub unissued_fen: i64,
    pub balance_fen: i64,
    pub pending_fen: i64,
    pub redeemed_fen: i64,
    /// Spent with providers of partner regions (通用通兑), accepted from their statements.
    pub exchanged_fen: i64,
    pub expired_fen: i64,
    pub recovered_fen: i64,
    /// Whether budget = live issued + unissued and issued = redeemed + exchanged + pending +
    /// expired + recovered + balance.
    pub balanced: bool,
}

async fn api_programme_of(state: &AppState, p: &ProgrammeRow) -> AppResult<ApiProgramme> {
    let l = store::ledger(&state.db, p.id).await?;
    let g = &p.programme;
    Ok(ApiProgramme {
        id: p.id,
        code: g.code.clone(),
        name: g.name.clone(),
        year: g.year,
        budget_fen: g.budget.fen(),
        per_application_fen: g.per_application.fen(),
        per_enterprise_fen: g.per_enterprise.fen(),
        copay_percent: g.copay_percent,
        services: g.services.clone(),
        eligibility: g.eligibility.code().into(),
        valid_from: g.valid_from.to_string(),
        valid_to: g.valid_to.to_string(),
        issued_fen: l.issued.fen(),
        unissued_fen: l.unissued().fen(),
        balance_fen: l.balance.fen(),
        pending_fen: l.pending.fen(),
        redeemed_fen: l.redeemed.fen(),
        exchanged_fen: l.exchanged.fen(),
        expired_fen: l.expired.fen(),
        recovered_fen: l.recovered.fen(),
        balanced: l.holds() && l.unissued() == p.unissued(),
    })
}

#[utoipa::path(get, path = "/api/v1/voucher-programmes", responses((status = 200, body = [ApiProgramme]), (status = 403, body = ApiError)))]
/// Every programme with its ledger.
pub async fn api_voucher_programmes(
    State(state): State<AppState>,
    _a: Auth<ManageVouchers>,
) -> AppResult<Json<Vec<ApiProgramme>>> {
    let mut out = Vec::new();
    for p in store::programmes(&state.db).await? {
        out.push(api_programme_of(&state, &p).await?);
    }
    Ok(Json(out))
}

/// A programme to open. Amounts in 万元 as decimal text.
#[derive(Deserialize, ToSchema)]
pub struct ApiProgrammeInput {
    pub code: String,
    pub name: String,
    pub year: i32,
    pub budget_wan: String,
    pub per_application_wan: String,
    pub per_enterprise_wan: String,
    pub copay_percent: u32,
    /// testing, instrument, rd, transfer, ip, certification.
    pub services: Vec<String>,
    /// tech_sme or enterprise.
    pub eligibility: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    pub valid_to: String,
}

#[utoipa::path(post, path = "/api/v1/voucher-programmes", request_body = ApiProgrammeInput, responses((status = 201, body = ApiProgramme), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// Opens a programme.
pub async fn api_open_programme(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Json(i): Json<ApiProgrammeInput>,
) -> AppResult<(StatusCode, Json<ApiProgramme>)> {
    let ctx = &a.ctx;
    let form = ProgrammeForm {
        code: i.code,
        name: i.name,
        year: i.year.to_string(),
        budget_wan: i.budget_wan,
        per_application_wan: i.per_application_wan,
        per_enterprise_wan: i.per_enterprise_wan,
        copay_percent: i.copay_percent.to_string(),
        services: i.services.join(","),
        eligibility: i.eligibility,
        valid_from: i.valid_from,
        valid_to: i.valid_to,
    };
    let p = form.parse().map_err(|problems| {
        crate::subjects::api::invalid(ctx, crate::orgs::field_messages(ctx.lang, &problems))
    })?;
    let id = store::create_programme(&state.db, &p, "", ctx.actor())
        .await
        .map_err(|e| super::refused_on(ctx, "code", e))?;
    let row =
        store::programme(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((StatusCode::CREATED, Json(api_programme_of(&state, &row).await?)))
}

/// An application for vouchers.
#[derive(Serialize, ToSchema)]
pub struct ApiVoucherApplication {
    pub id: i64,
    pub programme_id: i64,
    pub organisation: String,
    pub requested_fen: i64,
    pub purpose: String,
    /// submitted, granted or refused.
    pub status: String,
    pub granted_fen: i64,
    pub reason: String,
}

/// A redemption.
#[derive(Serialize, ToSchema)]
pub struct ApiRedemption {
    pub id: i64,
    pub voucher: String,
    pub enterprise: String,
    pub provider: String,
    pub service: String,
    pub order_total_fen: i64,
    pub amount_fen: i64,
    pub evidence: String,
    /// pending, verified, rejected, settled or clawed_back.
    pub status: String,
    pub reason: String,
}

fn api_redemption(r: RedemptionRow) -> ApiRedemption {
    ApiRedemption {
        id: r.id,
        voucher: r.voucher,
        enterprise: r.enterprise,
        provider: r.provider,
        service: r.service,
        order_total_fen: r.order_total.fen(),
        amount_fen: r.amount.fen(),
        evidence: r.evidence,
        status: r.status,
        reason: r.reason,
    }
}

fn api_application(a: store::ApplicationRow) -> ApiVoucherApplication {
    ApiVoucherApplication {
        id: a.id,
        programme_id: a.programme_id,
        organisation: a.organisation,
        requested_fen: a.requested.fen(),
        purpose: a.purpose,
        status: a.status,
        granted_fen: a.granted.fen(),
        reason: a.reason,
    }
}

/// A programme with its applications and redemptions.
#[derive(Serialize, ToSchema)]
pub struct ApiProgrammeDetail {
    pub programme: ApiProgramme,
    pub applications: Vec<ApiVoucherApplication>,
    pub redemptions: Vec<ApiRedemption>,
}

async fn programme_row(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<ProgrammeRow> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::programme(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

#[utoipa::path(get, path = "/api/v1/voucher-programmes/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiProgrammeDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// A programme, its ledger, applications and redemptions.
pub async fn api_voucher_programme(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiProgrammeDetail>> {
    let p = programme_row(&state, &a.ctx, &id).await?;
    let q = RedemptionQuery { programme_id: Some(p.id), ..Default::default() };
    Ok(Json(ApiProgrammeDetail {
        programme: api_programme_of(&state, &p).await?,
        applications: store::applications(&state.db, Some(p.id), None)
            .await?
            .into_iter()
            .map(api_application)
            .collect(),
        redemptions: store::redemptions(&state.db, &q)
            .await?
            .into_iter()
            .map(api_redemption)
            .collect(),
    }))
}

/// What a decision made: the voucher issued with a grant.
#[derive(Serialize, ToSchema)]
pub struct ApiDecided {
    pub voucher_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/voucher-applications/{id}/decide", params(("id" = i64, Path)), request_body = GrantInput, responses((status = 200, body = ApiDecided), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Grants (issuing the voucher) or refuses an application.
pub async fn api_grant(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    Json(g): Json<GrantInput>,
) -> AppResult<Json<ApiDecided>> {
    Ok(Json(ApiDecided { voucher_id: decide_as(&state, &a.ctx, &id, &g).await? }))
}

#[utoipa::path(post, path = "/api/v1/voucher-redemptions/{id}/verify", params(("id" = i64, Path)), request_body = VerifyInput, responses((status = 200, body = ApiRedemption), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Verifies a pending redemption, or rejects it with a reason (the amount back on the voucher).
pub async fn api_verify_redemption(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    Json(v): Json<VerifyInput>,
) -> AppResult<Json<ApiRedemption>> {
    verify_as(&state, &a.ctx, &id, &v).await?;
    reread(&state, &a.ctx, &id).await
}

async fn reread(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<Json<ApiRedemption>> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let r =
        store::redemption(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok(Json(api_redemption(r)))
}

#[utoipa::path(post, path = "/api/v1/voucher-redemptions/{id}/claw-back", params(("id" = i64, Path)), request_body = ReasonInput, responses((status = 200, body = ApiRedemption), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Claws back a fraudulent redemption; the provider gets a credit record.
pub async fn api_claw_back(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    Json(r): Json<ReasonInput>,
) -> AppResult<Json<ApiRedemption>> {
    claw_back_as(&state, &a.ctx, &id, &r.reason).await?;
    reread(&state, &a.ctx, &id).await
}

/// A month's settlement.
#[derive(Serialize, ToSchema)]
pub struct ApiSettlement {
    pub id: i64,
    pub month: String,
    pub total_fen: i64,
    pub redemptions: i64,
}

#[utoipa::path(post, path = "/api/v1/voucher-programmes/{id}/settle", params(("id" = i64, Path)), request_body = SettleInput, responses((status = 201, body = ApiSettlement), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Settles a month's verified redemptions in one batch.
pub async fn api_settle(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    Json(s): Json<SettleInput>,
) -> AppResult<(StatusCode, Json<ApiSettlement>)> {
    let b = settle_as(&state, &a.ctx, &id, &s).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiSettlement {
            id: b.id,
            month: b.month,
            total_fen: b.total.fen(),
            redemptions: b.redemptions,
        }),
    ))
}

/// How many vouchers expired.
#[derive(Serialize, ToSchema)]
pub struct ApiExpired {
    pub expired: usize,
}

#[utoipa::path(post, path = "/api/v1/voucher-programmes/{id}/expire", params(("id" = i64, Path)), responses((status = 200, body = ApiExpired), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Expires the vouchers past the programme's validity; their balance returns to the budget.
pub async fn api_expire(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiExpired>> {
    Ok(Json(ApiExpired { expired: expire_as(&state, &a.ctx, &id).await? }))
}

/// A voucher of the caller's enterprise.
#[derive(Serialize, ToSchema)]
pub struct ApiVoucher {
    pub number: String,
    /// Given to the provider with the number.
    pub code: String,
    pub value_fen: i64,
    pub balance_fen: i64,
    /// active, spent or expired.
    pub status: String,
    pub expires_on: String,
}

/// The caller's enterprise's applications and vouchers.
#[derive(Serialize, ToSchema)]
pub struct ApiMyVouchers {
    pub applications: Vec<ApiVoucherApplication>,
    pub vouchers: Vec<ApiVoucher>,
}

#[utoipa::path(get, path = "/api/v1/my/vouchers", responses((status = 200, body = ApiMyVouchers), (status = 403, body = ApiError)))]
/// The caller's enterprise's applications and vouchers.
pub async fn api_my_vouchers(
    State(state): State<AppState>,
    a: Auth<ApplyVouchers>,
) -> AppResult<Json<ApiMyVouchers>> {
    let org = organisation(&a.ctx, &a.principal)?;
    Ok(Json(ApiMyVouchers {
        applications: store::applications(&state.db, None, Some(org))
            .await?
            .into_iter()
            .map(api_application)
            .collect(),
        vouchers: store::vouchers_of(&state.db, org)
            .await?
            .into_iter()
            .map(|v| ApiVoucher {
                number: v.number,
                code: v.code,
                value_fen: v.value.fen(),
                balance_fen: v.balance.fen(),
                status: v.status,
                expires_on: v.expires_on.to_string(),
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/voucher-programmes/{id}/applications", params(("id" = i64, Path)), request_body = ApplyInput, responses((status = 201, body = ApiDecided), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// The caller's enterprise applies to a programme.
pub async fn api_apply_vouchers(
    State(state): State<AppState>,
    a: Auth<ApplyVouchers>,
    Path(id): Path<String>,
    Json(i): Json<ApplyInput>,
) -> AppResult<(StatusCode, Json<ApiVoucherApplication>)> {
    let ctx = &a.ctx;
    let app = apply_as(&state, ctx, &a.principal, &id, &i).await?;
    let row =
        store::application(&state.db, app).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((StatusCode::CREATED, Json(api_application(row))))
}

#[utoipa::path(post, path = "/api/v1/voucher-redemptions", request_body = RedeemInput, responses((status = 200, body = ApiRedemption), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// A provider redeems a voucher. Send the same `request_key` again after a lost answer: the
/// first redemption comes back and nothing is paid twice.
pub async fn api_redeem(
    State(state): State<AppState>,
    a: Auth<RedeemVouchers>,
    Json(i): Json<RedeemInput>,
) -> AppResult<Json<ApiRedemption>> {
    Ok(Json(api_redemption(redeem_as(&state, &a.ctx, &a.principal, &i).await?)))
}

#[utoipa::path(get, path = "/api/v1/voucher-redemptions", responses((status = 200, body = [ApiRedemption]), (status = 403, body = ApiError)))]
/// The caller's redemptions as a provider.
pub async fn api_my_redemptions(
    State(state): State<AppState>,
    a: Auth<RedeemVouchers>,
) -> AppResult<Json<Vec<ApiRedemption>>> {
    let provider = organisation(&a.ctx, &a.principal)?;
    let q = RedemptionQuery { provider_id: Some(provider), ..Default::default() };
    Ok(Json(store::redemptions(&state.db, &q).await?.into_iter().map(api_redemption).collect()))
}
