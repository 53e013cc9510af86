//! The self-evaluation and the pre-check for machines: the same figures, rules and checks as
//! the pages, with the qualification contract's JSON as the body of an evaluation.
use super::contract::{self, Rules};
use super::self_evaluation::drafts;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, ManageSubjects, SelfEvaluate};
use crate::error::{AppError, AppResult};
use crate::market::offering::own_organisation;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use innocity_core::access::Scope;
use innocity_core::subjects::draft::{Figure, Source};
use innocity_core::subjects::hnte::HnteRule;
use innocity_store::subjects::{self as store, Kind, NewEvaluation};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One figure the platform holds (or not yet) for a self-evaluation.
#[derive(Serialize, ToSchema)]
pub struct ApiSelfFigure {
    /// The contract's field name; a year of a three-year figure as `sales_0` (oldest) to `sales_2`.
    pub field: String,
    /// The value as text (amounts in 万元, dates `YYYY-MM-DD`, yes/no as `true`/`false`); null
    /// when the platform does not hold it.
    pub value: Option<String>,
    /// return, certificate, credit, today or entered.
    pub source: String,
    /// For a return: `107-2 2025`.
    pub source_detail: String,
}

/// The figures of both evaluations for the caller's organisation.
#[derive(Serialize, ToSchema)]
pub struct ApiDrafts {
    /// The three accounting years, oldest first.
    pub accounting_years: Vec<i32>,
    pub sme: Vec<ApiSelfFigure>,
    pub hnte: Vec<ApiSelfFigure>,
}

fn api_figure<T>(field: String, f: &Figure<T>, show: impl Fn(&T) -> String) -> ApiSelfFigure {
    let (source, source_detail) = match &f.source {
        Source::Return { form, period, .. } => ("return", format!("{form} {period}")),
        Source::Certificate { code } => ("certificate", code.clone()),
        Source::Credit => ("credit", String::new()),
        Source::Today => ("today", String::new()),
        Source::Entered => ("entered", String::new()),
    };
    ApiSelfFigure { field, value: f.value.as_ref().map(show), source: source.into(), source_detail }
}

fn api_figures(slots: Vec<(String, super::fields::Slot<'_>)>) -> Vec<ApiSelfFigure> {
    use super::fields::Slot;
    slots
        .into_iter()
        .map(|(name, slot)| match slot {
            Slot::Amount(f) | Slot::Points(f, _) => api_figure(name, f, |a| a.to_decimal()),
            Slot::Count(f) => api_figure(name, f, |c| c.to_string()),
            Slot::Flag(f) => api_figure(name, f, |b| b.to_string()),
            Slot::Date(f) => api_figure(name, f, |d| d.to_string()),
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/subjects/self-evaluation", responses((status = 200, body = ApiDrafts), (status = 403, body = ApiError)))]
/// The figures the platform holds of the caller's organisation for its self-evaluation (its
/// 107-2 returns of the last three accounting years, its 高企 certificate, its credit records),
/// each with its source; null where the enterprise must add it.
pub async fn api_drafts(
    State(state): State<AppState>,
    a: Auth<SelfEvaluate>,
) -> AppResult<Json<ApiDrafts>> {
    let org = own_organisation(&a.ctx, &a.principal)?;
    let mut d = drafts(&state, &a.ctx, org).await?;
    Ok(Json(ApiDrafts {
        accounting_years: d.years.to_vec(),
        sme: api_figures(super::fields::sme_slots(&mut d.sme)),
        hnte: api_figures(super::fields::hnte_slots(&mut d.hnte)),
    }))
}

/// A saved self-evaluation's result.
#[derive(Serialize, ToSchema)]
pub struct ApiEvaluated {
    pub evaluation_id: i64,
    /// sme or hnte.
    pub kind: String,
    /// The qualification contract's result for the enterprise (`id` is its credit code): for
    /// sme `eligible`, `direct`, `score`, `staff_points`, `rd_points`, `ip_points`, `failed`;
    /// for hnte `verdict`, `checks` (rule, pass, detail), `rd_ratio`, `rd_threshold`, growth
    /// rates, `growth_points`, `score`.
    #[schema(value_type = Object)]
    pub result: serde_json::Value,
}

#[utoipa::path(post, path = "/api/v1/subjects/self-evaluation/{kind}", params(("kind" = String, Path, description = "sme or hnte")), request_body(content = Object, description = "One enterprise in the qualification contract's input form (shared/contracts/qualification.md), without `id`."), responses((status = 200, body = ApiEvaluated), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Evaluates the caller's organisation on the figures sent (the contract's input form; a field
/// that is malformed is named, 422) and saves the evaluation.
pub async fn api_evaluate(
    State(state): State<AppState>,
    a: Auth<SelfEvaluate>,
    Path(kind): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiEvaluated>> {
    let ctx = &a.ctx;
    let kind = Kind::parse(&kind).ok_or_else(|| ctx.err(AppError::not_found()))?;
    let org = own_organisation(ctx, &a.principal)?;
    let mut enterprise: serde_json::Map<String, serde_json::Value> =
        crate::api::json_body(ctx, &headers, &body)?;
    let organisation = innocity_store::orgs::get(&state.db, org)
        .await?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    enterprise.insert("id".into(), organisation.credit_code.clone().into());
    let file = serde_json::json!({ "enterprises": [enterprise] }).to_string();
    let rules = if kind == Kind::Sme { Rules::Sme } else { Rules::Hnte };
    let (inputs, out) = contract::evaluate_one(rules, &file)
        .map_err(|m| invalid(ctx, vec![(m.field().to_string(), m.reason().to_string())]))?;
    let result: serde_json::Value =
        serde_json::from_str(&out.json).map_err(|e| ctx.err(AppError::malformed(e.to_string())))?;
    let year = store::accounting_years(ctx.today())[2];
    let e = NewEvaluation {
        organisation_id: org,
        kind,
        accounting_year: year,
        inputs: &inputs,
        verdict: out.verdict,
        outcome: &out.outcome,
        score: out.score,
    };
    let evaluation_id = store::save(&state.db, &e, ctx.actor()).await?;
    Ok(Json(ApiEvaluated { evaluation_id, kind: kind.code().into(), result }))
}

#[derive(Deserialize, IntoParams)]
pub struct PrecheckQuery {
    /// An org unit's code (default: the caller's whole scope).
    pub unit: Option<String>,
    /// pass, fail or undecided.
    pub verdict: Option<String>,
}

/// One enterprise's 高企 pre-check from what the platform holds.
#[derive(Serialize, ToSchema)]
pub struct ApiPrecheck {
    pub organisation_id: i64,
    pub name: String,
    pub credit_code: String,
    /// Holds a valid 高企 certificate.
    pub certified: bool,
    /// pass, fail or undecided.
    pub verdict: String,
    /// Rules failed on the platform's figures.
    pub failed: Vec<String>,
    /// Rules that wait for figures the platform does not hold.
    pub undecided: Vec<String>,
    /// The enterprise's own self-evaluation the checks come from; null: from its returns.
    pub self_evaluation: Option<i64>,
}

/// The pre-check of every enterprise in reach.
#[derive(Serialize, ToSchema)]
pub struct ApiPrecheckPage {
    pub total: usize,
    pub pass: usize,
    pub fail: usize,
    pub undecided: usize,
    pub items: Vec<ApiPrecheck>,
}

/// The units in the caller's scope as a filter's choices, the one asked for chosen.
pub async fn unit_choices(
    state: &AppState,
    lang: crate::i18n::Lang,
    scope: &Scope,
    chosen: Option<&str>,
) -> AppResult<Vec<crate::page::Choice>> {
    Ok(state
        .units_in_scope(scope)
        .await?
        .into_iter()
        .map(|u| {
            let selected = chosen == Some(u.code.as_str());
            crate::page::Choice::new(&u.code, lang.pick(&u.name_zh, &u.name_en), selected)
        })
        .collect())
}

/// 422 with a message beside each field named.
pub fn invalid(ctx: &crate::auth::Ctx, fields: Vec<(String, String)>) -> AppError {
    let mut e = AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "form.errors");
    e.fields = fields;
    ctx.err(e)
}

/// The subtrees a caller may look at: the area of the unit asked for when in scope (a county's
/// with its parks), else the scope's own.
pub async fn reach(
    state: &AppState,
    ctx: &crate::auth::Ctx,
    scope: &Scope,
    unit: Option<&str>,
) -> AppResult<Vec<String>> {
    match unit.filter(|u| !u.is_empty()) {
        Some(code) => {
            let units = state.units_in_scope(scope).await?;
            let unit = units.iter().find(|u| u.code == code);
            let unit = unit.ok_or_else(|| ctx.err(AppError::forbidden()))?;
            Ok(innocity_store::orgs::area_roots(&state.units().await?, unit))
        }
        None => Ok(scope.roots()),
    }
}

#[utoipa::path(get, path = "/api/v1/subjects/precheck", params(PrecheckQuery), responses((status = 200, body = ApiPrecheckPage), (status = 403, body = ApiError)))]
/// The 高企 pre-check of every enterprise in the caller's scope from its returns, certificate
/// and credit records: the cultivation pools' starting list.
pub async fn api_precheck(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Query(q): Query<PrecheckQuery>,
) -> AppResult<Json<ApiPrecheckPage>> {
    let ctx = &a.ctx;
    let path = reach(&state, ctx, &a.principal.scope, q.unit.as_deref()).await?;
    let all = store::precheck_all(&state.db, ctx.today(), &path).await?;
    let count = |v: &str| all.iter().filter(|p| p.verdict.code() == v).count();
    let (pass, fail, undecided) = (count("pass"), count("fail"), count("undecided"));
    let rules = |p: &store::Precheck, pass: Option<bool>| -> Vec<String> {
        p.checks.iter().filter(|c| c.pass == pass).map(|c| c.rule.code().to_string()).collect()
    };
    let items = all
        .iter()
        .filter(|p| q.verdict.as_deref().is_none_or(|v| p.verdict.code() == v))
        .map(|p| ApiPrecheck {
            organisation_id: p.organisation_id,
            name: p.name.clone(),
            credit_code: p.credit_code.clone(),
            certified: p.certified,
            verdict: p.verdict.code().into(),
            failed: rules(p, Some(false)),
            undecided: rules(p, None),
            self_evaluation: p.self_evaluation,
        })
        .collect();
    Ok(Json(ApiPrecheckPage { total: all.len(), pass, fail, undecided, items }))
}

/// Names of the rules in the contract's order (for the pool's columns).
pub fn rule_codes() -> Vec<&'static str> {
    HnteRule::ALL.iter().map(|r| r.code()).collect()
}
