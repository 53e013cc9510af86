//! A bank's pages of the risk-compensation fund: its agreements and its own loans (recorded
//! here, inside the agreement and to white-listed borrowers), a loan's schedule with its
//! repayments, the claim on a default and what it recovered afterwards. Another bank's loans are
//! not found.
use super::fund::{
    ClaimView, InstalmentView, LoanInput, LoanView, LossClaimInput, PledgeInput, RecoveryInput,
    RepaymentInput, bank_of, claim_as, claim_view, instalment_view, loan_for, loan_view, pledge_as,
    record_as, recover_as, release_as, repay_as,
};
use crate::app::AppState;
use crate::auth::{Auth, LendUnderFund, parse_form};
use crate::error::{AppError, AppResult};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::finance::fund::Repayment;
use innocity_store::finance::fund::loans::{self, LoanFilter};
use innocity_store::finance::fund::{agreements, claims};
use serde::Deserialize;

/// An agreement as the bank reads it.
pub struct AgreementView {
    pub fund_id: i64,
    pub fund: String,
    pub share_pct: u8,
    pub loan_cap: String,
    pub quota: String,
    pub outstanding: String,
    pub compensated: String,
    pub compensation_cap: String,
    pub max_term_months: u16,
    pub max_rate: String,
    pub valid: String,
}

#[derive(Template)]
#[template(path = "finance_loans.html")]
struct LoansPage {
    s: Shell,
    agreements: Vec<AgreementView>,
    loans: Vec<LoanView>,
    loans_total: i64,
    link_loans: bool,
    page: u64,
    pages: u64,
    repayments: Vec<Choice>,
    today: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    pub page: u64,
}

const PER_PAGE: u64 = 100;

pub async fn list(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let bank = bank_of(&state, ctx, &a.principal).await?;
    let db = &state.db;
    let funds = innocity_store::finance::fund::ledger::list(db).await?;
    let agreements = agreements::of_bank_all(db, bank)
        .await?
        .into_iter()
        .map(|g| AgreementView {
            fund_id: g.fund_id,
            fund: funds
                .iter()
                .find(|f| f.id == g.fund_id)
                .map(|f| f.name.clone())
                .unwrap_or_default(),
            share_pct: g.terms.loss_share_pct,
            loan_cap: g.terms.loan_cap.wan_text(),
            quota: g.terms.bank_quota.wan_text(),
            outstanding: g.outstanding.wan_text(),
            compensated: g.compensated.wan_text(),
            compensation_cap: g.terms.compensation_cap.wan_text(),
            max_term_months: g.terms.max_term_months,
            max_rate: crate::error::refusals::rate_text(g.terms.max_rate_bp),
            valid: format!("{} — {}", g.terms.valid_from, g.terms.valid_to),
        })
        .collect();
    let page = q.page.clamp(1, 1_000_000);
    let filter = LoanFilter { bank_id: Some(bank), ..LoanFilter::default() };
    let (rows, total) = loans::list(db, &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let lang = ctx.lang;
    let repayments = Repayment::ALL
        .iter()
        .map(|r| {
            let label = crate::i18n::t(lang, &format!("fund.repayment.{}", r.code()));
            Choice::new(r.code(), label, false)
        })
        .collect();
    Ok(render(&LoansPage {
        s: ctx.shell(),
        agreements,
        loans: rows.iter().map(|l| loan_view(lang, l)).collect(),
        loans_total: total,
        link_loans: true,
        page,
        pages: (total.max(0) as u64).div_ceil(PER_PAGE).max(1),
        repayments,
        today: db.clock.today().to_string(),
    }))
}

pub async fn record(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: LoanInput = parse_form(&a.ctx, &body)?;
    let loan = record_as(&state, &a.ctx, &a.principal, &i).await?;
    Ok(Redirect::to(&format!("/finance/loans/{}", loan.id)).into_response())
}

#[derive(Template)]
#[template(path = "finance_loan.html")]
struct LoanPage {
    s: Shell,
    loan: LoanView,
    schedule: Vec<InstalmentView>,
    claims: Vec<ClaimView>,
    pledges: Vec<PledgeView>,
    today: String,
    /// A fresh request key for the recovery form (a double click records one recovery).
    recovery_key: String,
}

/// A patent pledged for the loan.
pub struct PledgeView {
    pub id: i64,
    pub patent_no: String,
    pub registration_no: String,
    pub registered_on: String,
    pub active: bool,
    pub released_on: String,
}

pub async fn view(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let loan = loan_for(&state, ctx, &a.principal, &id).await?;
    let db = &state.db;
    let schedule = loans::instalments(db, loan.id).await?.iter().map(instalment_view).collect();
    let claims = claims::list(db, Some(loan.fund_id), Some(loan.bank_id))
        .await?
        .iter()
        .filter(|c| c.loan_id == loan.id)
        .map(|c| claim_view(ctx.lang, c))
        .collect();
    Ok(render(&LoanPage {
        s: ctx.shell(),
        loan: loan_view(ctx.lang, &loan),
        schedule,
        claims,
        pledges: innocity_store::finance::fund::pledges::of_loan(db, loan.id)
            .await?
            .into_iter()
            .map(|p| PledgeView {
                id: p.id,
                active: p.status == "active",
                patent_no: p.patent_no,
                registration_no: p.registration_no,
                registered_on: p.registered_on.to_string(),
                released_on: p.released_on.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect(),
        today: db.clock.today().to_string(),
        recovery_key: crate::sharing::new_key(),
    }))
}

pub async fn pledge(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: PledgeInput = parse_form(&a.ctx, &body)?;
    let p = pledge_as(&state, &a.ctx, &a.principal, &id, &i).await?;
    Ok(back_to(p.loan_id, "pledges"))
}

pub async fn release(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = release_as(&state, &a.ctx, &a.principal, &id).await?;
    Ok(back_to(p.loan_id, "pledges"))
}

fn back_to(id: i64, anchor: &str) -> Response {
    Redirect::to(&format!("/finance/loans/{id}#{anchor}")).into_response()
}

pub async fn repay(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: RepaymentInput = parse_form(&a.ctx, &body)?;
    let loan = repay_as(&state, &a.ctx, &a.principal, &id, &i).await?;
    Ok(back_to(loan.id, "schedule"))
}

pub async fn claim(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: LossClaimInput = parse_form(&a.ctx, &body)?;
    let c = claim_as(&state, &a.ctx, &a.principal, &id, &i).await?;
    Ok(back_to(c.loan_id, "claims"))
}

pub async fn recover(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: RecoveryInput = parse_form(&a.ctx, &body)?;
    recover_as(&state, &a.ctx, &a.principal, &id, &i).await?;
    let c = claims::get(&state.db, crate::orgs::parse_id(&a.ctx, &id)?)
        .await?
        .ok_or_else(|| a.ctx.err(AppError::not_found()))?;
    Ok(back_to(c.loan_id, "claims"))
}
