//! 通用通兑 for machines: partner regions, the roster files, statements and replies, and
//! redemptions of partner vouchers — the same checks, scope and refusals as the pages. Files go
//! in and out as the JSON the other side's platform reads.
use super::exchange::{
    ClaimInput, Imported, PartnerInput, add_as, claim_as, import_file, partner_of, statement_of,
    verify_as,
};
use super::voucher_use::{RedeemInput, organisation, redeem_partner_as};
use super::vouchers::VerifyInput;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, ManageVouchers, RedeemVouchers};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use innocity_store::sharing::exchange_statements::{self as st, LineRow, StatementRow};
use innocity_store::sharing::{self as store, PartnerRedemptionRow, PartnerRow};
use serde::Serialize;
use utoipa::ToSchema;

/// A partner programme (its key is never returned).
#[derive(Serialize, ToSchema)]
pub struct ApiVoucherPartner {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region: String,
    pub programme_id: i64,
    pub programme_code: String,
    /// From the partner's roster (100 until one is imported).
    pub copay_percent: u32,
    pub services: Vec<String>,
    pub roster_on: Option<String>,
    pub vouchers: i64,
}

fn api_partner(p: PartnerRow) -> ApiVoucherPartner {
    ApiVoucherPartner {
        id: p.id,
        code: p.code,
        name: p.name,
        region: p.region,
        programme_id: p.programme_id,
        programme_code: p.programme_code,
        copay_percent: p.copay_percent,
        services: p.services,
        roster_on: p.roster_on.map(|d| d.to_string()),
        vouchers: p.vouchers,
    }
}

/// A statement between the programmes (money in fen).
#[derive(Serialize, ToSchema)]
pub struct ApiStatement {
    pub id: i64,
    pub partner_id: i64,
    /// claim (ours: the partner's vouchers used here) or owed (the partner's: ours used there).
    pub direction: String,
    pub month: String,
    pub lines: i64,
    pub total_fen: i64,
    pub accepted_fen: i64,
    pub replied: bool,
    pub signature: String,
}

fn api_statement(s: StatementRow) -> ApiStatement {
    ApiStatement {
        id: s.id,
        partner_id: s.partner_id,
        direction: s.direction.code().into(),
        month: s.month,
        lines: s.lines,
        total_fen: s.total.fen(),
        accepted_fen: s.accepted.fen(),
        replied: s.replied_at.is_some(),
        signature: s.signature,
    }
}

/// A redemption of a partner's voucher here (money in fen).
#[derive(Serialize, ToSchema)]
pub struct ApiPartnerRedemption {
    pub id: i64,
    pub voucher: String,
    pub partner_id: i64,
    pub holder: String,
    pub provider: String,
    pub service: String,
    pub order_total_fen: i64,
    pub amount_fen: i64,
    pub used_on: String,
    /// pending, verified, rejected, stated, accepted, refused.
    pub status: String,
    pub reason: String,
}

fn api_redemption(r: PartnerRedemptionRow) -> ApiPartnerRedemption {
    ApiPartnerRedemption {
        id: r.id,
        voucher: r.voucher,
        partner_id: r.partner_id,
        holder: r.holder,
        provider: r.provider,
        service: r.service,
        order_total_fen: r.order_total.fen(),
        amount_fen: r.amount.fen(),
        used_on: r.used_on.to_string(),
        status: r.status,
        reason: r.reason,
    }
}

/// A partner with its statements and the redemptions of its vouchers here.
#[derive(Serialize, ToSchema)]
pub struct ApiVoucherPartnerDetail {
    pub partner: ApiVoucherPartner,
    pub statements: Vec<ApiStatement>,
    pub redemptions: Vec<ApiPartnerRedemption>,
}

/// A statement's line and its outcome (claimed, accepted, refused with a reason code).
#[derive(Serialize, ToSchema)]
pub struct ApiStatementLine {
    pub line: i64,
    pub number: String,
    pub request_key: String,
    pub provider: String,
    pub provider_code: String,
    pub service: String,
    pub used_on: String,
    pub order_total_fen: i64,
    pub amount_fen: i64,
    pub outcome: String,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiStatementDetail {
    pub statement: ApiStatement,
    pub lines: Vec<ApiStatementLine>,
}

fn api_line(l: LineRow) -> ApiStatementLine {
    ApiStatementLine {
        line: l.line_no,
        number: l.voucher_number,
        request_key: l.request_key,
        provider: l.provider,
        provider_code: l.provider_code,
        service: l.service,
        used_on: l.used_on.to_string(),
        order_total_fen: l.order_total.fen(),
        amount_fen: l.amount.fen(),
        outcome: l.outcome,
        reason: l.reason,
    }
}

/// How many vouchers an imported roster holds.
#[derive(Serialize, ToSchema)]
pub struct ApiRosterImported {
    pub vouchers: usize,
}

#[utoipa::path(get, path = "/api/v1/voucher-partners", responses((status = 200, body = [ApiVoucherPartner]), (status = 403, body = ApiError)))]
/// The partner regions' programmes.
pub async fn api_partners(
    State(state): State<AppState>,
    _a: Auth<ManageVouchers>,
) -> AppResult<Json<Vec<ApiVoucherPartner>>> {
    Ok(Json(store::partners(&state.db).await?.into_iter().map(api_partner).collect()))
}

#[utoipa::path(post, path = "/api/v1/voucher-partners", request_body = PartnerInput, responses((status = 201, body = ApiVoucherPartner), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// Registers a partner programme with the agreed exchange key.
pub async fn api_add_partner(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Json(i): Json<PartnerInput>,
) -> AppResult<(StatusCode, Json<ApiVoucherPartner>)> {
    let id = add_as(&state, &a.ctx, &i).await?;
    let p = store::partner(&state.db, id).await?.ok_or_else(|| a.ctx.err(AppError::not_found()))?;
    Ok((StatusCode::CREATED, Json(api_partner(p))))
}

#[utoipa::path(get, path = "/api/v1/voucher-partners/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiVoucherPartnerDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// A partner with its statements and the redemptions of its vouchers here.
pub async fn api_partner_detail(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiVoucherPartnerDetail>> {
    let p = partner_of(&state, &a.ctx, &id).await?;
    let statements = st::statements(&state.db, p.id).await?.into_iter().map(api_statement);
    let redemptions = store::partner_redemptions(&state.db, p.id, 0).await?;
    Ok(Json(ApiVoucherPartnerDetail {
        statements: statements.collect(),
        redemptions: redemptions.into_iter().map(api_redemption).collect(),
        partner: api_partner(p),
    }))
}

#[utoipa::path(get, path = "/api/v1/voucher-partners/{id}/roster", params(("id" = i64, Path)), responses((status = 200, description = "Our roster for the partner: the exchange file, signed", content_type = "application/json", body = Object), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Our roster for the partner (the signed file to send it).
pub async fn api_roster(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let p = partner_of(&state, &a.ctx, &id).await?;
    let roster = store::roster(&state.db, p.id).await?;
    Ok(Json(serde_json::to_value(roster).unwrap_or_default()))
}

#[utoipa::path(put, path = "/api/v1/voucher-partners/{id}/roster", params(("id" = i64, Path)), request_body(content = Object, description = "The partner's roster file as it sent it", content_type = "application/json"), responses((status = 200, body = ApiRosterImported), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Imports the partner's roster (refused whole unless signed under the agreed key).
pub async fn api_import_roster(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiRosterImported>> {
    let p = partner_of(&state, &a.ctx, &id).await?;
    match import_file(&state, &a.ctx, &p, true, &body).await? {
        Imported::Roster(vouchers) => Ok(Json(ApiRosterImported { vouchers })),
        Imported::Statement(_) => Err(a.ctx.err(AppError::internal(""))),
    }
}

#[utoipa::path(post, path = "/api/v1/voucher-partners/{id}/claims", params(("id" = i64, Path)), request_body = ClaimInput, responses((status = 201, body = ApiStatement), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Makes the month's claim on the partner.
pub async fn api_claim(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    Json(i): Json<ClaimInput>,
) -> AppResult<(StatusCode, Json<ApiStatement>)> {
    let p = partner_of(&state, &a.ctx, &id).await?;
    let s = claim_as(&state, &a.ctx, &p, &i.month).await?;
    Ok((StatusCode::CREATED, Json(api_statement(s))))
}

#[utoipa::path(post, path = "/api/v1/voucher-partners/{id}/inbox", params(("id" = i64, Path)), request_body(content = Object, description = "The partner's statement or reply file as it sent it", content_type = "application/json"), responses((status = 200, body = ApiStatement), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Imports the partner's statement (each line checked, accepted ones taken off our vouchers)
/// or its reply to our claim.
pub async fn api_inbox(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiStatement>> {
    let p = partner_of(&state, &a.ctx, &id).await?;
    match import_file(&state, &a.ctx, &p, false, &body).await? {
        Imported::Statement(s) => Ok(Json(api_statement(s))),
        Imported::Roster(_) => Err(a.ctx.err(AppError::internal(""))),
    }
}

#[utoipa::path(get, path = "/api/v1/exchange-statements/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiStatementDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// A statement with its lines.
pub async fn api_statement_detail(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiStatementDetail>> {
    let s = statement_of(&state, &a.ctx, &id).await?;
    let lines = st::lines(&state.db, s.id).await?.into_iter().map(api_line).collect();
    Ok(Json(ApiStatementDetail { statement: api_statement(s), lines }))
}

#[utoipa::path(get, path = "/api/v1/exchange-statements/{id}/file", params(("id" = i64, Path)), responses((status = 200, description = "Our claim as signed, or our signed reply to the partner's statement", content_type = "application/json", body = Object), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// The file to send the partner: our claim, or our reply to its statement.
pub async fn api_statement_file(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    use innocity_store::sharing::exchange_statements::Direction;
    let s = statement_of(&state, &a.ctx, &id).await?;
    let value = match s.direction {
        Direction::Claim => serde_json::to_value(st::claim_file(&state.db, s.id).await?),
        Direction::Owed => serde_json::to_value(st::reply_file(&state.db, s.id).await?),
    };
    Ok(Json(value.unwrap_or_default()))
}

#[utoipa::path(get, path = "/api/v1/partner-redemptions", responses((status = 200, body = [ApiPartnerRedemption]), (status = 403, body = ApiError)))]
/// The caller's redemptions of partner regions' vouchers, as a provider.
pub async fn api_my_partner_redemptions(
    State(state): State<AppState>,
    a: Auth<RedeemVouchers>,
) -> AppResult<Json<Vec<ApiPartnerRedemption>>> {
    let provider = organisation(&a.ctx, &a.principal)?;
    let rows = store::partner_redemptions(&state.db, 0, provider).await?;
    Ok(Json(rows.into_iter().map(api_redemption).collect()))
}

#[utoipa::path(post, path = "/api/v1/partner-redemptions", request_body = RedeemInput, responses((status = 200, body = ApiPartnerRedemption), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// A provider redeems a partner region's voucher, under the same rules as ours (the partner's
/// co-payment and services). A retry with the same `request_key` pays nothing again.
pub async fn api_redeem_partner(
    State(state): State<AppState>,
    a: Auth<RedeemVouchers>,
    Json(i): Json<RedeemInput>,
) -> AppResult<Json<ApiPartnerRedemption>> {
    Ok(Json(api_redemption(redeem_partner_as(&state, &a.ctx, &a.principal, &i).await?)))
}

#[utoipa::path(post, path = "/api/v1/partner-redemptions/{id}/verify", params(("id" = i64, Path)), request_body = VerifyInput, responses((status = 200, body = ApiPartnerRedemption), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// The bureau verifies or rejects a redemption of a partner's voucher.
pub async fn api_verify_partner(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    Json(v): Json<VerifyInput>,
) -> AppResult<Json<ApiPartnerRedemption>> {
    Ok(Json(api_redemption(verify_as(&state, &a.ctx, &id, &v).await?)))
}
