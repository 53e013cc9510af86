//! Interest and guarantee-fee subsidies on the web and in `/api/v1`: the finance office sets the
//! fund's rule and decides claims (two officers); an enterprise sees its loans under the fund and
//! claims for a year with its evidence — the interest is read from the bank's record of the
//! repayments, never typed in.
use super::fund::{LoanView, fund_of, loan_view, money, whole};
use super::refused_on;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, ClaimLoanSubsidies, Ctx, ManageLoanFund, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::market::offering::own_organisation;
use crate::orgs::parse_id;
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Principal;
use innocity_core::finance::fund::{SubsidyKind, SubsidyRule};
use innocity_core::projects::money::{Money, Unit};
use innocity_store::finance::fund::ledger;
use innocity_store::finance::fund::loans::{self, LoanFilter};
use innocity_store::finance::fund::subsidies::{self, NewSubsidy, Step, SubsidyRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The fund's subsidy rule as typed: shares in percent (0 = none), caps per loan and year in 元.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct SubsidyRuleInput {
    pub interest_pct: i64,
    pub interest_cap_yuan: String,
    pub guarantee_pct: i64,
    pub guarantee_cap_yuan: String,
}

fn cap(ctx: &Ctx, pct: i64, field: &str, text: &str) -> AppResult<Money> {
    if pct == 0 && text.trim().is_empty() {
        Ok(Money::ZERO)
    } else {
        money(ctx, field, text, Unit::Yuan)
    }
}

pub(super) async fn set_rule_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    i: &SubsidyRuleInput,
) -> AppResult<()> {
    let f = fund_of(state, ctx, id).await?;
    let rule = SubsidyRule {
        interest_pct: whole(ctx, "interest_pct", i.interest_pct)?,
        interest_cap: cap(ctx, i.interest_pct, "interest_cap_yuan", &i.interest_cap_yuan)?,
        guarantee_pct: whole(ctx, "guarantee_pct", i.guarantee_pct)?,
        guarantee_cap: cap(ctx, i.guarantee_pct, "guarantee_cap_yuan", &i.guarantee_cap_yuan)?,
    };
    ledger::set_subsidy_rule(&state.db, f.id, &rule, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, e))
}

/// An enterprise's claim for a year.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct SubsidyInput {
    pub loan_id: i64,
    /// interest (贴息) or guarantee_fee (担保费补贴).
    pub kind: String,
    pub year: i32,
    /// The guarantee fee paid, 元 (not for interest: the platform reads it from the repayments).
    pub fee_yuan: String,
    pub evidence: String,
    pub request_key: String,
}

pub(super) async fn claim_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    i: &SubsidyInput,
) -> AppResult<SubsidyRow> {
    let org = own_organisation(ctx, p)?;
    let Some(kind) = SubsidyKind::parse(&i.kind) else {
        return Err(crate::sharing::choose_one(ctx, "kind"));
    };
    let fee = match kind {
        SubsidyKind::Interest => Money::ZERO,
        SubsidyKind::GuaranteeFee => money(ctx, "fee_yuan", &i.fee_yuan, Unit::Yuan)?,
    };
    let n = NewSubsidy {
        loan_id: i.loan_id,
        kind,
        year: i.year,
        fee,
        evidence: i.evidence.clone(),
        request_key: i.request_key.trim().to_string(),
    };
    subsidies::claim(&state.db, org, &n, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

/// The bureau's step on a subsidy claim (the reason to reject).
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct SubsidyDecisionInput {
    pub reason: String,
}

pub(super) async fn decide_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    step: &str,
    i: &SubsidyDecisionInput,
) -> AppResult<SubsidyRow> {
    let id = parse_id(ctx, id)?;
    let step = match step {
        "approve" => Step::Approve,
        "pay" => Step::Pay,
        "reject" => Step::Reject,
        _ => return Err(ctx.err(AppError::not_found())),
    };
    subsidies::decide(&state.db, id, step, &i.reason, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, e))
}

/// A subsidy claim as the pages show it.
pub struct SubsidyView {
    pub id: i64,
    pub contract_no: String,
    pub bank: String,
    pub borrower: String,
    pub kind: &'static str,
    pub year: i32,
    pub base: String,
    pub share_pct: i64,
    pub amount: String,
    pub evidence: String,
    pub status_code: &'static str,
    pub status: &'static str,
    pub approved_by: String,
    pub paid_by: String,
    pub reason: String,
}

pub fn subsidy_view(lang: Lang, s: &SubsidyRow) -> SubsidyView {
    SubsidyView {
        id: s.id,
        contract_no: s.contract_no.clone(),
        bank: s.bank.clone(),
        borrower: s.borrower.clone(),
        kind: t(lang, &format!("fund.subsidy.{}", s.kind.code())),
        year: s.year,
        base: s.base.yuan_text(),
        share_pct: s.share_pct,
        amount: s.amount.yuan_text(),
        evidence: s.evidence.clone(),
        status_code: s.status.code(),
        status: t(lang, &format!("fund.claim_status.{}", s.status.code())),
        approved_by: s.approved_by.clone(),
        paid_by: s.paid_by.clone(),
        reason: s.reason.clone(),
    }
}

// ---------- pages ----------

pub async fn set_rule(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: SubsidyRuleInput = parse_form(&a.ctx, &body)?;
    set_rule_as(&state, &a.ctx, &id, &i).await?;
    Ok(Redirect::to(&format!("/finance/funds/{id}#subsidies")).into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path((id, step)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: SubsidyDecisionInput = parse_form(&a.ctx, &body)?;
    let s = decide_as(&state, &a.ctx, &id, &step, &i).await?;
    Ok(Redirect::to(&format!("/finance/funds/{}#subsidy-{}", s.fund_id, s.id)).into_response())
}

#[derive(Template)]
#[template(path = "finance_my_loans.html")]
struct MinePage {
    s: Shell,
    loans: Vec<LoanView>,
    link_loans: bool,
    subsidies: Vec<SubsidyView>,
    kinds: Vec<Choice>,
    year: i32,
}

pub async fn mine(
    State(state): State<AppState>,
    a: Auth<ClaimLoanSubsidies>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let filter = LoanFilter { borrower_id: Some(org), ..LoanFilter::default() };
    let (rows, _) = loans::list(&state.db, &filter, 200, 0).await?;
    let lang = ctx.lang;
    let subsidies = subsidies::list(&state.db, None, Some(org))
        .await?
        .iter()
        .map(|s| subsidy_view(lang, s))
        .collect();
    let kinds = SubsidyKind::ALL
        .iter()
        .map(|k| Choice::new(k.code(), t(lang, &format!("fund.subsidy.{}", k.code())), false))
        .collect();
    Ok(render(&MinePage {
        s: ctx.shell(),
        loans: rows.iter().map(|l| loan_view(lang, l)).collect(),
        link_loans: false,
        subsidies,
        kinds,
        year: chrono::Datelike::year(&state.db.clock.today()),
    }))
}

pub async fn claim(
    State(state): State<AppState>,
    a: Auth<ClaimLoanSubsidies>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: SubsidyInput = parse_form(&a.ctx, &body)?;
    let s = claim_as(&state, &a.ctx, &a.principal, &i).await?;
    Ok(Redirect::to(&format!("/finance/my-loans#subsidy-{}", s.id)).into_response())
}

// ---------- API ----------

/// A subsidy claim.
#[derive(Serialize, ToSchema)]
pub struct ApiSubsidy {
    pub id: i64,
    pub fund_id: i64,
    pub loan_id: i64,
    pub contract_no: String,
    pub bank: String,
    pub borrower_id: i64,
    pub borrower: String,
    /// interest or guarantee_fee.
    pub kind: String,
    pub year: i32,
    /// Interest or fee paid, fen.
    pub base_fen: i64,
    pub share_pct: i64,
    pub amount_fen: i64,
    pub evidence: String,
    /// claimed, approved, paid or rejected.
    pub status: String,
    pub approved_by: String,
    pub paid_by: String,
    pub reason: String,
}

fn api(s: &SubsidyRow) -> ApiSubsidy {
    ApiSubsidy {
        id: s.id,
        fund_id: s.fund_id,
        loan_id: s.loan_id,
        contract_no: s.contract_no.clone(),
        bank: s.bank.clone(),
        borrower_id: s.borrower_id,
        borrower: s.borrower.clone(),
        kind: s.kind.code().into(),
        year: s.year,
        base_fen: s.base.fen(),
        share_pct: s.share_pct,
        amount_fen: s.amount.fen(),
        evidence: s.evidence.clone(),
        status: s.status.code().into(),
        approved_by: s.approved_by.clone(),
        paid_by: s.paid_by.clone(),
        reason: s.reason.clone(),
    }
}

/// Done.
#[derive(Serialize, ToSchema)]
pub struct ApiRuleSet {
    pub ok: bool,
}

#[utoipa::path(put, path = "/api/v1/loan-funds/{id}/subsidy-rule", params(("id" = i64, Path)), request_body = SubsidyRuleInput, responses((status = 200, body = ApiRuleSet), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Sets the fund's interest and guarantee-fee subsidy shares and caps.
pub async fn api_set_subsidy_rule(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
    Json(i): Json<SubsidyRuleInput>,
) -> AppResult<Json<ApiRuleSet>> {
    set_rule_as(&state, &a.ctx, &id, &i).await?;
    Ok(Json(ApiRuleSet { ok: true }))
}

#[utoipa::path(get, path = "/api/v1/loan-funds/{id}/subsidies", params(("id" = i64, Path)), responses((status = 200, body = Vec<ApiSubsidy>), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// The fund's subsidy claims, the newest first.
pub async fn api_fund_subsidies(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<ApiSubsidy>>> {
    let f = fund_of(&state, &a.ctx, &id).await?;
    Ok(Json(subsidies::list(&state.db, Some(f.id), None).await?.iter().map(api).collect()))
}

macro_rules! step {
    ($name:ident, $step:literal, $path:literal, $doc:literal) => {
        #[utoipa::path(post, path = $path, params(("id" = i64, Path)), request_body = SubsidyDecisionInput, responses((status = 200, body = ApiSubsidy), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
        #[doc = $doc]
        pub async fn $name(State(state): State<AppState>, a: Auth<ManageLoanFund>, Path(id): Path<String>, Json(i): Json<SubsidyDecisionInput>) -> AppResult<Json<ApiSubsidy>> {
            Ok(Json(api(&decide_as(&state, &a.ctx, &id, $step, &i).await?)))
        }
    };
}

step!(
    api_approve_subsidy,
    "approve",
    "/api/v1/loan-subsidies/{id}/approve",
    "Approves a subsidy claim: its amount is committed in the fund's ledger."
);
step!(
    api_pay_subsidy,
    "pay",
    "/api/v1/loan-subsidies/{id}/pay",
    "Pays an approved subsidy claim; not by the officer who approved it."
);
step!(
    api_reject_subsidy,
    "reject",
    "/api/v1/loan-subsidies/{id}/reject",
    "Rejects a subsidy claim with the reason."
);

/// An enterprise's loans under the fund and its subsidy claims.
#[derive(Serialize, ToSchema)]
pub struct ApiMyLoans {
    pub loans: Vec<super::fund_api::ApiLoan>,
    pub subsidies: Vec<ApiSubsidy>,
}

#[utoipa::path(get, path = "/api/v1/my-loans", responses((status = 200, body = ApiMyLoans), (status = 403, body = ApiError)))]
/// The signed-in enterprise's loans under the fund and its subsidy claims.
pub async fn api_my_loans_as_borrower(
    State(state): State<AppState>,
    a: Auth<ClaimLoanSubsidies>,
) -> AppResult<Json<ApiMyLoans>> {
    let org = own_organisation(&a.ctx, &a.principal)?;
    let filter = LoanFilter { borrower_id: Some(org), ..LoanFilter::default() };
    let (rows, _) = loans::list(&state.db, &filter, 200, 0).await?;
    Ok(Json(ApiMyLoans {
        loans: rows.iter().map(super::fund_api::loan).collect(),
        subsidies: subsidies::list(&state.db, None, Some(org)).await?.iter().map(api).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/loan-subsidies", request_body = SubsidyInput, responses((status = 201, body = ApiSubsidy), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The enterprise claims an interest or guarantee-fee subsidy on its loan for a year.
pub async fn api_claim_subsidy(
    State(state): State<AppState>,
    a: Auth<ClaimLoanSubsidies>,
    Json(i): Json<SubsidyInput>,
) -> AppResult<(StatusCode, Json<ApiSubsidy>)> {
    let s = claim_as(&state, &a.ctx, &a.principal, &i).await?;
    Ok((StatusCode::CREATED, Json(api(&s))))
}
