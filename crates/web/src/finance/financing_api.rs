//! Financing demands and products in `/api/v1`: the same operations and checks as the pages —
//! an enterprise publishes and closes its demands and reads the products that answer them with
//! why; an institution publishes and withdraws products and reads the demands they answer; either
//! side takes the steps of a follow-up; the finance office reads the year's figures.
use super::figures::YearQuery;
use super::financing::{
    FollowStepInput, Matched, demand_of, demand_seen, demands_for, enterprise_of, followup_seen,
    institution_of, product_of, reason_views, step_as,
};
use super::financing_desk::year_of;
use crate::api::{ApiError, validation_error};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, LendUnderFund, ManageLoanFund, SeekFinancing, ViewWorkspace};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use innocity_core::finance::financing::{
    DemandInput, ProductInput, validate_demand, validate_product,
};
use innocity_store::finance::financing::demands::{self, DemandRow};
use innocity_store::finance::financing::followups::{self, FollowUpRow};
use innocity_store::finance::financing::products::{self, ProductRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A financing demand to publish.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct ApiFinancingDemandInput {
    /// loan, equity or ip_pledge.
    pub kind: String,
    /// 万元 as text.
    pub amount_wan: String,
    /// Months as text; empty for equity.
    pub term_months: String,
    pub purpose: String,
    pub collateral: String,
    /// `YYYY-MM-DD`, from today to two years ahead.
    pub valid_until: String,
}

/// A financing product to publish.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct ApiFinancingProductInput {
    /// loan, ip_pledge, guarantee or equity.
    pub kind: String,
    pub name: String,
    pub description: String,
    /// Annual rate (a guarantee's fee rate) in percent as text; empty for equity.
    pub rate_min_pct: String,
    pub rate_max_pct: String,
    pub amount_min_wan: String,
    pub amount_max_wan: String,
    /// Months as text; empty for equity.
    pub term_min_months: String,
    pub term_max_months: String,
    /// high_tech, tech_sme, white_list, clean_credit.
    pub requires: Vec<String>,
    pub valid_until: String,
}

/// A demand or product read at a version, to close or withdraw it.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct ApiVersionInput {
    pub version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApiFinancingDemand {
    pub id: i64,
    pub organisation: String,
    /// loan, equity or ip_pledge.
    pub kind: String,
    pub amount_fen: i64,
    pub term_months: Option<u32>,
    pub purpose: String,
    pub collateral: String,
    pub valid_until: String,
    /// open or closed (past its last day reads closed).
    pub status: String,
    pub version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApiFinancingProduct {
    pub id: i64,
    pub institution: String,
    /// loan, ip_pledge, guarantee or equity.
    pub kind: String,
    pub name: String,
    pub description: String,
    pub rate_min_bp: Option<u32>,
    pub rate_max_bp: Option<u32>,
    pub amount_min_fen: i64,
    pub amount_max_fen: i64,
    pub term_min_months: Option<u32>,
    pub term_max_months: Option<u32>,
    pub requires: Vec<String>,
    pub valid_until: String,
    pub status: String,
    pub version: i64,
}

/// One condition of a match.
#[derive(Serialize, ToSchema)]
pub struct ApiFinancingReason {
    pub met: bool,
    /// In the caller's language.
    pub text: String,
}

/// A demand and a product matched, with every condition's answer.
#[derive(Serialize, ToSchema)]
pub struct ApiFinancingMatch {
    pub demand: ApiFinancingDemand,
    pub product: ApiFinancingProduct,
    pub fits: bool,
    pub reasons: Vec<ApiFinancingReason>,
    pub followup_id: Option<i64>,
    /// The follow-up's stage, if one has begun.
    pub stage: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiFinancingStep {
    pub stage: String,
    /// enterprise or institution.
    pub side: String,
    pub note: String,
    pub approved_fen: Option<i64>,
    pub taken_by: String,
    /// Milliseconds since the epoch.
    pub taken_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApiFinancingFollowUp {
    pub id: i64,
    pub demand_id: i64,
    pub enterprise: String,
    pub product_id: i64,
    pub product: String,
    pub institution: String,
    /// applied, contacted, due_diligence, approved, declined or withdrawn.
    pub stage: String,
    pub approved_fen: Option<i64>,
    /// Oldest first (on one follow-up's operation only).
    pub steps: Vec<ApiFinancingStep>,
}

/// A demand with the products that answer it (to its enterprise and the office) and the
/// follow-ups the caller sees.
#[derive(Serialize, ToSchema)]
pub struct ApiFinancingDemandDetail {
    pub demand: ApiFinancingDemand,
    pub matches: Vec<ApiFinancingMatch>,
    pub followups: Vec<ApiFinancingFollowUp>,
}

/// A product with the open demands it answers (or is one condition short of).
#[derive(Serialize, ToSchema)]
pub struct ApiFinancingProductDetail {
    pub product: ApiFinancingProduct,
    pub matches: Vec<ApiFinancingMatch>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiFinancingKind {
    /// loan, equity or ip_pledge.
    pub need: String,
    pub demands: i64,
    pub asked_fen: i64,
    pub followed: i64,
    pub approved: i64,
    pub approved_fen: i64,
    pub declined: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApiFinancingFigures {
    pub year: i32,
    pub kinds: Vec<ApiFinancingKind>,
}

fn demand(ctx: &Ctx, d: &DemandRow) -> ApiFinancingDemand {
    ApiFinancingDemand {
        id: d.id,
        organisation: d.organisation.clone(),
        kind: d.kind.code().into(),
        amount_fen: d.amount.fen(),
        term_months: d.term_months,
        purpose: d.purpose.clone(),
        collateral: d.collateral.clone(),
        valid_until: d.valid_until.to_string(),
        status: if d.open_on(ctx.today()) { "open" } else { "closed" }.into(),
        version: d.version,
    }
}

fn product(ctx: &Ctx, p: &ProductRow) -> ApiFinancingProduct {
    ApiFinancingProduct {
        id: p.id,
        institution: p.institution.clone(),
        kind: p.kind.code().into(),
        name: p.name.clone(),
        description: p.description.clone(),
        rate_min_bp: p.rate_bp.map(|r| r.0),
        rate_max_bp: p.rate_bp.map(|r| r.1),
        amount_min_fen: p.amount_min.fen(),
        amount_max_fen: p.amount_max.fen(),
        term_min_months: p.term_months.map(|t| t.0),
        term_max_months: p.term_months.map(|t| t.1),
        requires: p.requires.iter().map(|r| r.code().to_string()).collect(),
        valid_until: p.valid_until.to_string(),
        status: if p.open_on(ctx.today()) { "open" } else { "closed" }.into(),
        version: p.version,
    }
}

fn matched(ctx: &Ctx, m: &Matched) -> ApiFinancingMatch {
    ApiFinancingMatch {
        demand: demand(ctx, &m.demand),
        product: product(ctx, &m.product),
        fits: m.fit.fits(),
        reasons: reason_views(ctx.lang, &m.fit)
            .into_iter()
            .map(|r| ApiFinancingReason { met: r.met, text: r.text })
            .collect(),
        followup_id: m.followup.as_ref().map(|f| f.id),
        stage: m.followup.as_ref().map(|f| f.stage.code().into()),
    }
}

async fn followup(
    state: &AppState,
    f: &FollowUpRow,
    with_steps: bool,
) -> AppResult<ApiFinancingFollowUp> {
    let steps = if with_steps { followups::steps(&state.db, f.id).await? } else { Vec::new() };
    Ok(ApiFinancingFollowUp {
        id: f.id,
        demand_id: f.demand_id,
        enterprise: f.enterprise.clone(),
        product_id: f.product_id,
        product: f.product.clone(),
        institution: f.institution.clone(),
        stage: f.stage.code().into(),
        approved_fen: f.approved.map(|m| m.fen()),
        steps: steps
            .into_iter()
            .map(|s| ApiFinancingStep {
                stage: s.stage.code().into(),
                side: s.side,
                note: s.note,
                approved_fen: s.approved.map(|m| m.fen()),
                taken_by: s.taken_by,
                taken_at: s.taken_at,
            })
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/financing-demands", responses((status = 200, body = [ApiFinancingDemand]), (status = 403, body = ApiError)))]
/// The caller's enterprise's financing demands, the newest first.
pub async fn api_my_demands(
    State(state): State<AppState>,
    a: Auth<SeekFinancing>,
) -> AppResult<Json<Vec<ApiFinancingDemand>>> {
    let org = enterprise_of(&a.ctx, &a.principal)?;
    let rows = demands::of_organisation(&state.db, org).await?;
    Ok(Json(rows.iter().map(|d| demand(&a.ctx, d)).collect()))
}

#[utoipa::path(post, path = "/api/v1/financing-demands", request_body = ApiFinancingDemandInput, responses((status = 201, body = ApiFinancingDemand), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Publishes a financing demand of the caller's enterprise.
pub async fn api_publish_demand(
    State(state): State<AppState>,
    a: Auth<SeekFinancing>,
    Json(i): Json<ApiFinancingDemandInput>,
) -> AppResult<(StatusCode, Json<ApiFinancingDemand>)> {
    let ctx = &a.ctx;
    let org = enterprise_of(ctx, &a.principal)?;
    let input = DemandInput {
        kind: i.kind,
        amount_wan: i.amount_wan,
        term_months: i.term_months,
        purpose: i.purpose,
        collateral: i.collateral,
        valid_until: i.valid_until,
    };
    let draft = validate_demand(&input, ctx.today()).map_err(|e| validation_error(ctx, &e))?;
    let id = demands::publish(&state.db, org, &draft, ctx.actor()).await?;
    let d = demand_of(&state, ctx, &id.to_string()).await?;
    Ok((StatusCode::CREATED, Json(demand(ctx, &d))))
}

#[utoipa::path(get, path = "/api/v1/financing-demands/{id}", params(("id" = i64, Path)), responses((status = 403, body = ApiError), (status = 200, body = ApiFinancingDemandDetail), (status = 404, body = ApiError)))]
/// A demand: to its enterprise and the finance office with the products that answer it and why;
/// to an institution with its own follow-ups only.
pub async fn api_demand(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiFinancingDemandDetail>> {
    let ctx = &a.ctx;
    let seen = demand_seen(&state, ctx, &a.principal, &id).await?;
    let mut fs = Vec::new();
    for f in &seen.followups {
        fs.push(followup(&state, f, false).await?);
    }
    Ok(Json(ApiFinancingDemandDetail {
        demand: demand(ctx, &seen.demand),
        matches: seen.matches.iter().map(|m| matched(ctx, m)).collect(),
        followups: fs,
    }))
}

#[utoipa::path(post, path = "/api/v1/financing-demands/{id}/close", params(("id" = i64, Path)), request_body = ApiVersionInput, responses((status = 200, body = ApiFinancingDemand), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Closes one of the caller's demands read at its version.
pub async fn api_close_demand(
    State(state): State<AppState>,
    a: Auth<SeekFinancing>,
    Path(id): Path<String>,
    Json(i): Json<ApiVersionInput>,
) -> AppResult<Json<ApiFinancingDemand>> {
    let ctx = &a.ctx;
    let org = enterprise_of(ctx, &a.principal)?;
    let d = demand_of(&state, ctx, &id).await?;
    if d.organisation_id != org {
        return Err(ctx.err(AppError::not_found()));
    }
    demands::close(&state.db, d.id, i.version, ctx.actor()).await?;
    let d = demand_of(&state, ctx, &id).await?;
    Ok(Json(demand(ctx, &d)))
}

#[utoipa::path(get, path = "/api/v1/financing-products", responses((status = 403, body = ApiError), (status = 200, body = [ApiFinancingProduct]), (status = 401, body = ApiError)))]
/// Every product offered today, the newest first.
pub async fn api_products(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
) -> AppResult<Json<Vec<ApiFinancingProduct>>> {
    let rows = products::open(&state.db, a.ctx.today()).await?;
    Ok(Json(rows.iter().map(|p| product(&a.ctx, p)).collect()))
}

#[utoipa::path(post, path = "/api/v1/financing-products", request_body = ApiFinancingProductInput, responses((status = 201, body = ApiFinancingProduct), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Publishes a product of the caller's financial institution.
pub async fn api_publish_product(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Json(i): Json<ApiFinancingProductInput>,
) -> AppResult<(StatusCode, Json<ApiFinancingProduct>)> {
    let ctx = &a.ctx;
    let org = institution_of(&state, ctx, &a.principal).await?;
    let input = ProductInput {
        kind: i.kind,
        name: i.name,
        description: i.description,
        rate_min_pct: i.rate_min_pct,
        rate_max_pct: i.rate_max_pct,
        amount_min_wan: i.amount_min_wan,
        amount_max_wan: i.amount_max_wan,
        term_min_months: i.term_min_months,
        term_max_months: i.term_max_months,
        requires: i.requires,
        valid_until: i.valid_until,
    };
    let draft = validate_product(&input, ctx.today()).map_err(|e| validation_error(ctx, &e))?;
    let id = products::publish(&state.db, org, &draft, ctx.actor()).await?;
    let p = product_of(&state, ctx, &id.to_string()).await?;
    Ok((StatusCode::CREATED, Json(product(ctx, &p))))
}

/// One of the caller institution's products.
async fn own_product(state: &AppState, ctx: &Ctx, org: i64, id: &str) -> AppResult<ProductRow> {
    let p = product_of(state, ctx, id).await?;
    if p.institution_id != org {
        return Err(ctx.err(AppError::not_found()));
    }
    Ok(p)
}

#[utoipa::path(get, path = "/api/v1/financing-products/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiFinancingProductDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// One of the caller's products with the open demands it answers, and why.
pub async fn api_product(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiFinancingProductDetail>> {
    let ctx = &a.ctx;
    let org = institution_of(&state, ctx, &a.principal).await?;
    let p = own_product(&state, ctx, org, &id).await?;
    let matches = demands_for(&state, ctx, &p).await?;
    Ok(Json(ApiFinancingProductDetail {
        product: product(ctx, &p),
        matches: matches.iter().map(|m| matched(ctx, m)).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/financing-products/{id}/withdraw", params(("id" = i64, Path)), request_body = ApiVersionInput, responses((status = 200, body = ApiFinancingProduct), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Withdraws one of the caller's products; follow-ups begun on it go on.
pub async fn api_withdraw_product(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
    Json(i): Json<ApiVersionInput>,
) -> AppResult<Json<ApiFinancingProduct>> {
    let ctx = &a.ctx;
    let org = institution_of(&state, ctx, &a.principal).await?;
    let p = own_product(&state, ctx, org, &id).await?;
    products::withdraw(&state.db, p.id, i.version, ctx.actor()).await?;
    Ok(Json(product(ctx, &product_of(&state, ctx, &id).await?)))
}

#[utoipa::path(get, path = "/api/v1/financing-followups", responses((status = 403, body = ApiError), (status = 200, body = [ApiFinancingFollowUp])))]
/// Follow-ups, the latest moved first: a financial institution's own; to the finance office,
/// everyone's (the latest hundred).
pub async fn api_my_followups(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
) -> AppResult<Json<Vec<ApiFinancingFollowUp>>> {
    let rows = if a.principal.role.allows(innocity_core::access::Capability::ManageLoanFund) {
        followups::recent(&state.db, super::financing_desk::OFFICE_FOLLOWUPS).await?
    } else {
        let org = institution_of(&state, &a.ctx, &a.principal).await?;
        followups::of_institution(&state.db, org).await?
    };
    let mut out = Vec::new();
    for f in &rows {
        out.push(followup(&state, f, false).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/financing-followups/{id}", params(("id" = i64, Path)), responses((status = 403, body = ApiError), (status = 200, body = ApiFinancingFollowUp), (status = 404, body = ApiError)))]
/// A follow-up with its timeline: to the demand's enterprise, the product's institution and the
/// finance office.
pub async fn api_followup(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiFinancingFollowUp>> {
    let ctx = &a.ctx;
    let (f, _) = followup_seen(&state, ctx, &a.principal, &id).await?;
    Ok(Json(followup(&state, &f, true).await?))
}

#[utoipa::path(post, path = "/api/v1/financing-steps", request_body = FollowStepInput, responses((status = 201, body = ApiFinancingFollowUp), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// A step on the follow-up of a demand under a product, as the caller's side: the demand's
/// enterprise applies or withdraws; the product's institution contacts, examines, approves (with
/// the amount) or declines (with the reason). The first step opens the follow-up.
pub async fn api_step(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Json(i): Json<FollowStepInput>,
) -> AppResult<(StatusCode, Json<ApiFinancingFollowUp>)> {
    let ctx = &a.ctx;
    let id = step_as(&state, ctx, &a.principal, &i).await?;
    let f = followups::get(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((StatusCode::CREATED, Json(followup(&state, &f, true).await?)))
}

#[utoipa::path(get, path = "/api/v1/financing-figures", params(YearQuery), responses((status = 200, body = ApiFinancingFigures), (status = 403, body = ApiError)))]
/// Demands published in a year by kind of need: how many were followed up, approved (and for
/// how much) and declined.
pub async fn api_financing_figures(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<ApiFinancingFigures>> {
    let year = year_of(&a.ctx, &q);
    let kinds = followups::figures(&state.db, year)
        .await?
        .into_iter()
        .map(|k| ApiFinancingKind {
            need: k.need.code().into(),
            demands: k.demands,
            asked_fen: k.asked.fen(),
            followed: k.followed,
            approved: k.approved,
            approved_fen: k.approved_amount.fen(),
            declined: k.declined,
        })
        .collect();
    Ok(Json(ApiFinancingFigures { year, kinds }))
}
