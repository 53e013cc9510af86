//! The policy library in `/api/v1`: the list and a policy (anyone), a new policy,
//! a changed rule, a run for a year and a payment made by application (the bureau) — the pages'
//! functions and checks.
use super::library::{PolicyForm, application_as, create_as, run_as, save_rule_as};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManagePolicies};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use innocity_core::finance::policy::PolicyRule;
use innocity_core::projects::money::Money;
use innocity_store::finance::policies::{self as store, PolicyRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A policy with its current rule.
#[derive(Serialize, ToSchema)]
pub struct ApiPolicy {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub issuer: String,
    pub doc_number: String,
    pub issued_on: String,
    pub effective_from: String,
    pub effective_to: String,
    pub body: String,
    /// The rule's version (each change of the rule makes a new one).
    pub version: i64,
    /// When an enterprise is entitled, in the formula language over the facts.
    pub eligible: String,
    /// How much it gets, in 万元.
    pub amount: String,
    pub firm_cap_fen: Option<i64>,
    pub programme_cap_fen: Option<i64>,
}

fn api_policy(p: PolicyRow) -> ApiPolicy {
    ApiPolicy {
        id: p.id,
        code: p.code,
        title: p.title,
        issuer: p.issuer,
        doc_number: p.doc_number,
        issued_on: p.issued_on.to_string(),
        effective_from: p.effective_from.to_string(),
        effective_to: p.effective_to.to_string(),
        body: p.body,
        version: p.version,
        eligible: p.rule.eligible,
        amount: p.rule.amount,
        firm_cap_fen: p.rule.firm_cap.map(Money::fen),
        programme_cap_fen: p.rule.programme_cap.map(Money::fen),
    }
}

/// A rule: its two formulas and its caps in fen (none for no cap).
#[derive(Deserialize, ToSchema)]
pub struct ApiRuleInput {
    pub eligible: String,
    pub amount: String,
    #[serde(default)]
    pub firm_cap_fen: Option<i64>,
    #[serde(default)]
    pub programme_cap_fen: Option<i64>,
}

impl ApiRuleInput {
    fn rule(&self) -> PolicyRule {
        PolicyRule {
            eligible: self.eligible.clone(),
            amount: self.amount.clone(),
            firm_cap: self.firm_cap_fen.map(Money),
            programme_cap: self.programme_cap_fen.map(Money),
        }
    }
}

/// A new policy: as people read it, and its rule.
#[derive(Deserialize, ToSchema)]
pub struct ApiPolicyInput {
    pub code: String,
    pub title: String,
    pub issuer: String,
    pub doc_number: String,
    /// YYYY-MM-DD.
    pub issued_on: String,
    pub effective_from: String,
    pub effective_to: String,
    #[serde(default)]
    pub body: String,
    pub eligible: String,
    pub amount: String,
    #[serde(default)]
    pub firm_cap_fen: Option<i64>,
    #[serde(default)]
    pub programme_cap_fen: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/policies", responses((status = 200, body = [ApiPolicy])))]
/// The policy library, the newest first (public: policies and their rules are for everyone).
pub async fn api_policies(State(state): State<AppState>) -> AppResult<Json<Vec<ApiPolicy>>> {
    Ok(Json(store::list(&state.db).await?.into_iter().map(api_policy).collect()))
}

#[utoipa::path(get, path = "/api/v1/policies/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiPolicy), (status = 404, body = ApiError)))]
/// A policy with its current rule.
pub async fn api_policy_detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Json<ApiPolicy>> {
    let ctx = &ctx;
    let id = crate::orgs::parse_id(ctx, &id)?;
    let p = store::get(&state.db, id).await.map_err(|e| ctx.err(e.into()))?;
    Ok(Json(api_policy(p)))
}

/// The created record's id.
#[derive(Serialize, ToSchema)]
pub struct ApiMade {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/policies", request_body = ApiPolicyInput, responses((status = 201, body = ApiMade), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Adds a policy; a rule that does not compile is refused naming its formula and position.
pub async fn api_create_policy(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Json(i): Json<ApiPolicyInput>,
) -> AppResult<(StatusCode, Json<ApiMade>)> {
    let ctx = &a.ctx;
    let form = PolicyForm {
        code: i.code,
        title: i.title,
        issuer: i.issuer,
        doc_number: i.doc_number,
        issued_on: i.issued_on,
        effective_from: i.effective_from,
        effective_to: i.effective_to,
        body: i.body,
        ..Default::default()
    };
    let rule = ApiRuleInput {
        eligible: i.eligible,
        amount: i.amount,
        firm_cap_fen: i.firm_cap_fen,
        programme_cap_fen: i.programme_cap_fen,
    };
    let id = create_as(&state, ctx, &form.input(ctx, rule.rule())?).await?;
    Ok((StatusCode::CREATED, Json(ApiMade { id })))
}

/// The version now current.
#[derive(Serialize, ToSchema)]
pub struct ApiVersion {
    pub version: i64,
}

#[utoipa::path(put, path = "/api/v1/policies/{id}/rule", params(("id" = i64, Path)), request_body = ApiRuleInput, responses((status = 200, body = ApiVersion), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Saves a changed rule as the policy's next version (an unchanged one keeps its version).
pub async fn api_save_rule(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
    Json(i): Json<ApiRuleInput>,
) -> AppResult<Json<ApiVersion>> {
    let version = save_rule_as(&state, &a.ctx, &id, &i.rule()).await?;
    Ok(Json(ApiVersion { version }))
}

/// The year to run a policy for.
#[derive(Deserialize, ToSchema)]
pub struct ApiRunInput {
    pub year: i32,
}

#[utoipa::path(post, path = "/api/v1/policies/{id}/runs", params(("id" = i64, Path)), request_body = ApiRunInput, responses((status = 201, body = ApiMade), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Runs the policy's current rule for a completed year: every enterprise assessed, the entitled
/// listed with amount and trace, waiting for a second person's check.
pub async fn api_run_policy(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
    Json(i): Json<ApiRunInput>,
) -> AppResult<(StatusCode, Json<ApiMade>)> {
    let run = run_as(&state, &a.ctx, &id, &i.year.to_string()).await?;
    Ok((StatusCode::CREATED, Json(ApiMade { id: run })))
}

/// A payment made the old way (the enterprise applied).
#[derive(Deserialize, ToSchema)]
pub struct ApiApplicationInput {
    pub credit_code: String,
    pub year: i32,
    pub amount_fen: i64,
    /// The payment's reference (文号 or voucher number).
    pub reference: String,
}

#[utoipa::path(post, path = "/api/v1/policies/{id}/application-payments", params(("id" = i64, Path)), request_body = ApiApplicationInput, responses((status = 201, body = super::ApiPolicyDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Records that an enterprise was paid under the policy for the year by application, so no run
/// pays it again; refused when it was paid already.
pub async fn api_record_application(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
    Json(i): Json<ApiApplicationInput>,
) -> AppResult<(StatusCode, Json<super::ApiPolicyDone>)> {
    let ctx = &a.ctx;
    let policy = crate::orgs::parse_id(ctx, &id)?;
    store::get(&state.db, policy).await.map_err(|e| ctx.err(AppError::from(e)))?;
    let amount = Money(i.amount_fen);
    application_as(&state, ctx, &id, &i.credit_code, i.year, amount, &i.reference).await?;
    Ok((StatusCode::CREATED, Json(super::ApiPolicyDone { ok: true })))
}
