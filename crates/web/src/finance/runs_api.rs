//! A policy's runs in `/api/v1`: a run with its list, the check, publication, payment and the
//! answer to an objection (the bureau); an enterprise's objection and account — the pages'
//! functions and checks.
use super::runs::{
    AccountInput, AnswerInput, CheckInput, ObjectionInput, account_as, answer_as, check_as,
    line_view, object_as, pay_as, publish_as, run_of,
};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, ClaimEntitlements, ManagePolicies};
use crate::error::AppResult;
use axum::Json;
use axum::extract::{Path, State};
use innocity_store::finance::payments;
use serde::Serialize;
use utoipa::ToSchema;

/// A line of a run's list.
#[derive(Serialize, ToSchema)]
pub struct ApiEntitlement {
    pub organisation_id: i64,
    pub organisation: String,
    pub credit_code: String,
    pub amount_fen: i64,
    /// listed, objected, withdrawn, paid or applied.
    pub status: String,
    /// The bank and the account's last four digits, once confirmed.
    pub account: String,
    pub objection: String,
    pub answer: String,
    /// The payment by application that took the line's place.
    pub applied_reference: String,
    pub why: Vec<String>,
}

/// A run with its list.
#[derive(Serialize, ToSchema)]
pub struct ApiPolicyRun {
    pub id: i64,
    pub policy_id: i64,
    pub policy: String,
    pub version: i64,
    pub year: i32,
    /// computed, returned, checked, published or paid.
    pub status: String,
    pub assessed: i64,
    pub entitled: i64,
    pub total_fen: i64,
    pub scaled: bool,
    /// SHA-256 of the list: the same data and rule version give the same digest.
    pub digest: String,
    pub run_by: String,
    pub checked_by: String,
    pub check_note: String,
    pub objections_until: String,
    pub lines: Vec<ApiEntitlement>,
}

#[utoipa::path(get, path = "/api/v1/policy-runs/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiPolicyRun), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// A run of a policy with its list: each entitled enterprise, its amount and why.
pub async fn api_policy_run(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiPolicyRun>> {
    let ctx = &a.ctx;
    let r = run_of(&state, ctx, &id).await?;
    let lines = payments::lines(&state.db, r.id)
        .await?
        .iter()
        .map(|l| {
            let v = line_view(ctx.lang, r.year, l);
            ApiEntitlement {
                organisation_id: l.organisation_id,
                organisation: l.organisation.clone(),
                credit_code: l.credit_code.clone(),
                amount_fen: l.amount.fen(),
                status: l.status.code().into(),
                account: v.account,
                objection: l.objection.clone(),
                answer: l.answer.clone(),
                applied_reference: l.applied_reference.clone(),
                why: v.why,
            }
        })
        .collect();
    Ok(Json(ApiPolicyRun {
        id: r.id,
        policy_id: r.policy_id,
        policy: r.policy_title,
        version: r.version,
        year: r.year,
        status: r.status.code().into(),
        assessed: r.assessed,
        entitled: r.entitled,
        total_fen: r.total.fen(),
        scaled: r.scaled,
        digest: r.digest,
        run_by: r.run_by,
        checked_by: r.checked_by,
        check_note: r.check_note,
        objections_until: r.objections_until.map(|d| d.to_string()).unwrap_or_default(),
        lines,
    }))
}

/// Done.
#[derive(Serialize, ToSchema)]
pub struct ApiPolicyDone {
    pub ok: bool,
}

#[utoipa::path(post, path = "/api/v1/policy-runs/{id}/check", params(("id" = i64, Path)), request_body = CheckInput, responses((status = 200, body = ApiPolicyDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The checker approves the list or returns it with the reason; the one who ran it may not.
pub async fn api_check_run(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
    Json(i): Json<CheckInput>,
) -> AppResult<Json<ApiPolicyDone>> {
    check_as(&state, &a.ctx, &id, &i).await?;
    Ok(Json(ApiPolicyDone { ok: true }))
}

/// The last day of the objection period.
#[derive(Serialize, ToSchema)]
pub struct ApiPublished {
    pub objections_until: String,
}

#[utoipa::path(post, path = "/api/v1/policy-runs/{id}/publish", params(("id" = i64, Path)), responses((status = 200, body = ApiPublished), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Publishes a checked list for objections (公示, seven days).
pub async fn api_publish_run(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiPublished>> {
    let until = publish_as(&state, &a.ctx, &id).await?;
    Ok(Json(ApiPublished { objections_until: until.to_string() }))
}

/// What a payment round did.
#[derive(Serialize, ToSchema)]
pub struct ApiPaid {
    pub paid: usize,
    pub amount_fen: i64,
    /// Lines waiting for an account or an answer to their objection.
    pub waiting: usize,
    /// Lines found paid by application, not paid again.
    pub applied: usize,
}

#[utoipa::path(post, path = "/api/v1/policy-runs/{id}/pay", params(("id" = i64, Path)), responses((status = 200, body = ApiPaid), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Pays every line with a confirmed account once the objection period is over.
pub async fn api_pay_run(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiPaid>> {
    let p = pay_as(&state, &a.ctx, &id).await?;
    Ok(Json(ApiPaid {
        paid: p.lines,
        amount_fen: p.amount.fen(),
        waiting: p.waiting,
        applied: p.applied,
    }))
}

#[utoipa::path(post, path = "/api/v1/policy-runs/{id}/lines/{org}/answer", params(("id" = i64, Path), ("org" = i64, Path)), request_body = AnswerInput, responses((status = 200, body = ApiPolicyDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The bureau's answer to an enterprise's objection: the line kept or withdrawn, with the reason.
pub async fn api_answer_objection(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path((id, org)): Path<(String, String)>,
    Json(i): Json<AnswerInput>,
) -> AppResult<Json<ApiPolicyDone>> {
    answer_as(&state, &a.ctx, &id, &org, &i).await?;
    Ok(Json(ApiPolicyDone { ok: true }))
}

#[utoipa::path(post, path = "/api/v1/policy-runs/{id}/objection", params(("id" = i64, Path)), request_body = ObjectionInput, responses((status = 200, body = ApiPolicyDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The caller's enterprise objects to its line while the list is published.
pub async fn api_object(
    State(state): State<AppState>,
    a: Auth<ClaimEntitlements>,
    Path(id): Path<String>,
    Json(i): Json<ObjectionInput>,
) -> AppResult<Json<ApiPolicyDone>> {
    object_as(&state, &a.ctx, &a.principal, &id, &i).await?;
    Ok(Json(ApiPolicyDone { ok: true }))
}

#[utoipa::path(post, path = "/api/v1/policy-runs/{id}/account", params(("id" = i64, Path)), request_body = AccountInput, responses((status = 200, body = ApiPolicyDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The caller's enterprise confirms the account its money goes to.
pub async fn api_confirm_account(
    State(state): State<AppState>,
    a: Auth<ClaimEntitlements>,
    Path(id): Path<String>,
    Json(i): Json<AccountInput>,
) -> AppResult<Json<ApiPolicyDone>> {
    account_as(&state, &a.ctx, &a.principal, &id, &i).await?;
    Ok(Json(ApiPolicyDone { ok: true }))
}
