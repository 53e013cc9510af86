//! The risk-compensation fund in `/api/v1`: the finance office's funds, ledger, agreements, white
//! list and decisions on claims; a bank's own loans, repayments, claims and recoveries — the
//! pages' operations and checks. Amounts are in fen.
use super::fund::{
    AgreementInput, ClaimDecisionInput, DepositInput, FundInput, LoanInput, LossClaimInput,
    PledgeInput, RecoveryInput, RepaymentInput, bank_of, claim_as, create_as, decide_as,
    deposit_as, fund_of, loan_for, pledge_as, record_as, recover_as, release_as, repay_as, sign_as,
};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, LendUnderFund, ManageLoanFund};
use crate::error::AppResult;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use innocity_core::finance::fund::Balances;
use innocity_store::finance::fund::claims::{self, ClaimRow, RecoveryRow};
use innocity_store::finance::fund::ledger::{self, FundRow, PostingRow};
use innocity_store::finance::fund::loans::{self, LoanFilter, LoanRow};
use innocity_store::finance::fund::{agreements, report};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The five balances, in fen: capital = committed + paid − recovered + available.
#[derive(Serialize, ToSchema)]
pub struct ApiBalances {
    pub capital_fen: i64,
    pub committed_fen: i64,
    pub paid_fen: i64,
    pub recovered_fen: i64,
    pub available_fen: i64,
    pub balanced: bool,
}

fn balances(b: &Balances) -> ApiBalances {
    ApiBalances {
        capital_fen: b.capital.fen(),
        committed_fen: b.committed.fen(),
        paid_fen: b.paid.fen(),
        recovered_fen: b.recovered.fen(),
        available_fen: b.available.fen(),
        balanced: b.balanced(),
    }
}

/// A fund.
#[derive(Serialize, ToSchema)]
pub struct ApiFund {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// credit or ip.
    pub kind: String,
    pub balances: ApiBalances,
}

fn fund(f: &FundRow) -> ApiFund {
    ApiFund {
        id: f.id,
        code: f.code.clone(),
        name: f.name.clone(),
        kind: f.kind.code().into(),
        balances: balances(&f.balances),
    }
}

#[utoipa::path(get, path = "/api/v1/loan-funds", responses((status = 200, body = Vec<ApiFund>), (status = 403, body = ApiError)))]
/// The risk-compensation funds with their balances.
pub async fn api_funds(
    State(state): State<AppState>,
    _a: Auth<ManageLoanFund>,
) -> AppResult<Json<Vec<ApiFund>>> {
    Ok(Json(ledger::list(&state.db).await?.iter().map(fund).collect()))
}

#[utoipa::path(post, path = "/api/v1/loan-funds", request_body = FundInput, responses((status = 201, body = ApiFund), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// A new fund (its capital is put in by deposits).
pub async fn api_create_fund(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Json(i): Json<FundInput>,
) -> AppResult<(StatusCode, Json<ApiFund>)> {
    let id = create_as(&state, &a.ctx, &i).await?;
    let f = fund_of(&state, &a.ctx, &id.to_string()).await?;
    Ok((StatusCode::CREATED, Json(fund(&f))))
}

/// A bank's line of the fund's report.
#[derive(Serialize, ToSchema)]
pub struct ApiBankLine {
    pub bank_id: i64,
    pub bank: String,
    pub loss_share_pct: u8,
    pub loans: i64,
    pub lent_fen: i64,
    pub outstanding_fen: i64,
    pub quota_fen: i64,
    pub compensated_fen: i64,
    pub compensation_cap_fen: i64,
    pub claims: i64,
    /// Loans under the agreement per yuan of the fund's capital.
    pub leverage: Option<f64>,
}

/// A fund's report: balances, per bank its use and leverage, the ledger's replay.
#[derive(Serialize, ToSchema)]
pub struct ApiFundReport {
    pub fund: ApiFund,
    pub banks: Vec<ApiBankLine>,
    pub lent_fen: i64,
    pub leverage: Option<f64>,
    pub postings: usize,
    /// Postings whose recorded balances the replay did not arrive at (0 when sound).
    pub mismatched: usize,
    /// The replay ends where the fund stands.
    pub replay_agrees: bool,
}

#[utoipa::path(get, path = "/api/v1/loan-funds/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiFundReport), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// A fund's report with the leverage per bank and the ledger replayed.
pub async fn api_fund(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiFundReport>> {
    let f = fund_of(&state, &a.ctx, &id).await?;
    let r = report::report(&state.db, f.id).await?;
    let banks = r
        .banks
        .iter()
        .map(|b| ApiBankLine {
            bank_id: b.bank_id,
            bank: b.bank.clone(),
            loss_share_pct: b.loss_share_pct,
            loans: b.loans,
            lent_fen: b.lent.fen(),
            outstanding_fen: b.outstanding.fen(),
            quota_fen: b.quota.fen(),
            compensated_fen: b.compensated.fen(),
            compensation_cap_fen: b.compensation_cap.fen(),
            claims: b.claims,
            leverage: b.leverage,
        })
        .collect();
    Ok(Json(ApiFundReport {
        fund: fund(&f),
        banks,
        lent_fen: r.lent.fen(),
        leverage: r.leverage,
        postings: r.replay.postings,
        mismatched: r.replay.mismatched,
        replay_agrees: r.replay.agrees,
    }))
}

/// A posting with the balances after it.
#[derive(Serialize, ToSchema)]
pub struct ApiPosting {
    pub id: i64,
    /// deposit, commit, pay or recover.
    pub op: String,
    pub amount_fen: i64,
    pub claim_id: Option<i64>,
    pub note: String,
    pub after: ApiBalances,
    pub posted_by: String,
    pub posted_at: i64,
}

fn posting(p: &PostingRow) -> ApiPosting {
    ApiPosting {
        id: p.id,
        op: p.op.clone(),
        amount_fen: p.amount.fen(),
        claim_id: p.claim_id,
        note: p.note.clone(),
        after: balances(&p.after),
        posted_by: p.posted_by.clone(),
        posted_at: p.posted_at,
    }
}

#[utoipa::path(post, path = "/api/v1/loan-funds/{id}/deposits", params(("id" = i64, Path)), request_body = DepositInput, responses((status = 201, body = ApiPosting), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Capital put into the fund; the same request key again answers with the same posting.
pub async fn api_deposit(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
    Json(i): Json<DepositInput>,
) -> AppResult<(StatusCode, Json<ApiPosting>)> {
    let p = deposit_as(&state, &a.ctx, &id, &i).await?;
    Ok((StatusCode::CREATED, Json(posting(&p))))
}

#[utoipa::path(get, path = "/api/v1/loan-funds/{id}/postings", params(("id" = i64, Path)), responses((status = 200, body = Vec<ApiPosting>), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// The fund's latest 500 postings, the newest first.
pub async fn api_postings(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<ApiPosting>>> {
    let f = fund_of(&state, &a.ctx, &id).await?;
    Ok(Json(ledger::postings(&state.db, f.id, 500).await?.iter().map(posting).collect()))
}

/// Something made: its id.
#[derive(Serialize, ToSchema)]
pub struct ApiAgreementMade {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/loan-funds/{id}/agreements", params(("id" = i64, Path)), request_body = AgreementInput, responses((status = 201, body = ApiAgreementMade), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// A cooperation agreement with a financial institution.
pub async fn api_sign(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
    Json(i): Json<AgreementInput>,
) -> AppResult<(StatusCode, Json<ApiAgreementMade>)> {
    let id = sign_as(&state, &a.ctx, &id, &i).await?;
    Ok((StatusCode::CREATED, Json(ApiAgreementMade { id })))
}

/// What rebuilding the white list changed.
#[derive(Serialize, ToSchema)]
pub struct ApiWhiteList {
    pub listed: usize,
    pub added: usize,
    pub removed: usize,
}

#[utoipa::path(post, path = "/api/v1/loan-funds/{id}/white-list", params(("id" = i64, Path)), responses((status = 200, body = ApiWhiteList), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Rebuilds the white list from valid 高企/科小 certificates and research credit as of today.
pub async fn api_white_list(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiWhiteList>> {
    let f = fund_of(&state, &a.ctx, &id).await?;
    let r = agreements::rebuild_white_list(&state.db, f.id, a.ctx.actor()).await?;
    Ok(Json(ApiWhiteList { listed: r.listed, added: r.added, removed: r.removed }))
}

/// A loan under a fund.
#[derive(Serialize, ToSchema)]
pub struct ApiLoan {
    pub id: i64,
    pub fund_id: i64,
    pub bank_id: i64,
    pub bank: String,
    pub borrower_id: i64,
    pub borrower: String,
    pub borrower_credit_code: String,
    pub contract_no: String,
    pub principal_fen: i64,
    pub rate_bp: u32,
    pub term_months: u16,
    pub start_date: String,
    /// bullet or equal_principal.
    pub repayment: String,
    pub guarantee: String,
    pub outstanding_fen: i64,
    /// active, repaid, defaulted or compensated.
    pub status: String,
}

pub(super) fn loan(l: &LoanRow) -> ApiLoan {
    ApiLoan {
        id: l.id,
        fund_id: l.fund_id,
        bank_id: l.bank_id,
        bank: l.bank.clone(),
        borrower_id: l.borrower_id,
        borrower: l.borrower.clone(),
        borrower_credit_code: l.borrower_code.clone(),
        contract_no: l.contract_no.clone(),
        principal_fen: l.terms.principal.fen(),
        rate_bp: l.terms.rate_bp,
        term_months: l.terms.term_months,
        start_date: l.terms.start.to_string(),
        repayment: l.terms.repayment.code().into(),
        guarantee: l.guarantee.clone(),
        outstanding_fen: l.outstanding.fen(),
        status: l.status.code().into(),
    }
}

/// A page of loans.
#[derive(Serialize, ToSchema)]
pub struct ApiLoans {
    pub items: Vec<ApiLoan>,
    pub total: i64,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(default)]
pub struct LoansQuery {
    /// From 1.
    pub page: u64,
}

const PER_PAGE: u64 = 100;

async fn loans_page(state: &AppState, filter: LoanFilter, q: &LoansQuery) -> AppResult<ApiLoans> {
    let page = q.page.clamp(1, 1_000_000);
    let (rows, total) = loans::list(&state.db, &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(ApiLoans { items: rows.iter().map(loan).collect(), total, page, per_page: PER_PAGE })
}

#[utoipa::path(get, path = "/api/v1/loan-funds/{id}/loans", params(("id" = i64, Path), LoansQuery), responses((status = 200, body = ApiLoans), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Every bank's loans under the fund, the newest first.
pub async fn api_fund_loans(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
    Query(q): Query<LoansQuery>,
) -> AppResult<Json<ApiLoans>> {
    let f = fund_of(&state, &a.ctx, &id).await?;
    let filter = LoanFilter { fund_id: Some(f.id), ..LoanFilter::default() };
    Ok(Json(loans_page(&state, filter, &q).await?))
}

/// A claim for compensation.
#[derive(Serialize, ToSchema)]
pub struct ApiClaim {
    pub id: i64,
    pub fund_id: i64,
    pub loan_id: i64,
    pub bank_id: i64,
    pub bank: String,
    pub borrower: String,
    pub contract_no: String,
    pub loss_fen: i64,
    pub share_pct: i64,
    pub compensation_fen: i64,
    pub defaulted_on: String,
    pub steps: String,
    /// claimed, approved, paid or rejected.
    pub status: String,
    pub approved_by: String,
    pub paid_by: String,
    pub reason: String,
    pub recovered_fen: i64,
    pub returned_fen: i64,
}

fn claim(c: &ClaimRow) -> ApiClaim {
    ApiClaim {
        id: c.id,
        fund_id: c.fund_id,
        loan_id: c.loan_id,
        bank_id: c.bank_id,
        bank: c.bank.clone(),
        borrower: c.borrower.clone(),
        contract_no: c.contract_no.clone(),
        loss_fen: c.loss.fen(),
        share_pct: c.share_pct,
        compensation_fen: c.compensation.fen(),
        defaulted_on: c.defaulted_on.to_string(),
        steps: c.steps.clone(),
        status: c.status.code().into(),
        approved_by: c.approved_by.clone(),
        paid_by: c.paid_by.clone(),
        reason: c.reason.clone(),
        recovered_fen: c.recovered.fen(),
        returned_fen: c.returned.fen(),
    }
}

#[utoipa::path(get, path = "/api/v1/loan-funds/{id}/claims", params(("id" = i64, Path)), responses((status = 200, body = Vec<ApiClaim>), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Every bank's claims on the fund, the newest first.
pub async fn api_fund_claims(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<ApiClaim>>> {
    let f = fund_of(&state, &a.ctx, &id).await?;
    Ok(Json(claims::list(&state.db, Some(f.id), None).await?.iter().map(claim).collect()))
}

macro_rules! decision {
    ($name:ident, $step:literal, $path:literal, $doc:literal) => {
        #[utoipa::path(post, path = $path, params(("id" = i64, Path)), request_body = ClaimDecisionInput, responses((status = 200, body = ApiClaim), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
        #[doc = $doc]
        pub async fn $name(
            State(state): State<AppState>,
            a: Auth<ManageLoanFund>,
            Path(id): Path<String>,
            Json(i): Json<ClaimDecisionInput>,
        ) -> AppResult<Json<ApiClaim>> {
            Ok(Json(claim(&decide_as(&state, &a.ctx, &id, $step, &i).await?)))
        }
    };
}

decision!(
    api_approve_claim,
    "approve",
    "/api/v1/fund-claims/{id}/approve",
    "Approves a claim: the fund's share is committed (refused beyond what is available or the bank's cap). Sent again by the same officer, the same approval."
);
decision!(
    api_pay_claim,
    "pay",
    "/api/v1/fund-claims/{id}/pay",
    "Pays an approved claim; not by the officer who approved it (maker–checker)."
);
decision!(
    api_reject_claim,
    "reject",
    "/api/v1/fund-claims/{id}/reject",
    "Rejects a claim with the reason; the loan is active again."
);

#[utoipa::path(get, path = "/api/v1/fund-loans", params(LoansQuery), responses((status = 200, body = ApiLoans), (status = 403, body = ApiError)))]
/// The signed-in bank's own loans, the newest first.
pub async fn api_my_loans(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Query(q): Query<LoansQuery>,
) -> AppResult<Json<ApiLoans>> {
    let bank = bank_of(&state, &a.ctx, &a.principal).await?;
    let filter = LoanFilter { bank_id: Some(bank), ..LoanFilter::default() };
    Ok(Json(loans_page(&state, filter, &q).await?))
}

#[utoipa::path(post, path = "/api/v1/fund-loans", request_body = LoanInput, responses((status = 201, body = ApiLoan), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The bank records a loan under its agreement; the same request key again answers with it.
pub async fn api_record_loan(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Json(i): Json<LoanInput>,
) -> AppResult<(StatusCode, Json<ApiLoan>)> {
    let l = record_as(&state, &a.ctx, &a.principal, &i).await?;
    Ok((StatusCode::CREATED, Json(loan(&l))))
}

/// A line of a loan's schedule.
#[derive(Serialize, ToSchema)]
pub struct ApiInstalment {
    pub seq: i64,
    pub due_on: String,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub repaid_on: Option<String>,
}

/// A patent pledged for a loan.
#[derive(Serialize, ToSchema)]
pub struct ApiPledge {
    pub id: i64,
    pub loan_id: i64,
    pub patent_no: String,
    pub registration_no: String,
    pub registered_on: String,
    /// active or released.
    pub status: String,
    pub released_on: Option<String>,
}

fn pledge(p: &innocity_store::finance::fund::pledges::PledgeRow) -> ApiPledge {
    ApiPledge {
        id: p.id,
        loan_id: p.loan_id,
        patent_no: p.patent_no.clone(),
        registration_no: p.registration_no.clone(),
        registered_on: p.registered_on.to_string(),
        status: p.status.clone(),
        released_on: p.released_on.map(|d| d.to_string()),
    }
}

/// A loan with its schedule, claims and pledges.
#[derive(Serialize, ToSchema)]
pub struct ApiLoanDetail {
    pub loan: ApiLoan,
    pub schedule: Vec<ApiInstalment>,
    pub claims: Vec<ApiClaim>,
    pub pledges: Vec<ApiPledge>,
}

#[utoipa::path(get, path = "/api/v1/fund-loans/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiLoanDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// One of the bank's loans with its schedule and claims (another bank's is not found).
pub async fn api_loan(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiLoanDetail>> {
    let l = loan_for(&state, &a.ctx, &a.principal, &id).await?;
    let schedule = loans::instalments(&state.db, l.id)
        .await?
        .iter()
        .map(|i| ApiInstalment {
            seq: i.seq,
            due_on: i.due_on.to_string(),
            principal_fen: i.principal.fen(),
            interest_fen: i.interest.fen(),
            repaid_on: i.repaid_on.map(|d| d.to_string()),
        })
        .collect();
    let claims = claims::list(&state.db, Some(l.fund_id), Some(l.bank_id))
        .await?
        .iter()
        .filter(|c| c.loan_id == l.id)
        .map(claim)
        .collect();
    let pledges = innocity_store::finance::fund::pledges::of_loan(&state.db, l.id).await?;
    let pledges = pledges.iter().map(pledge).collect();
    Ok(Json(ApiLoanDetail { loan: loan(&l), schedule, claims, pledges }))
}

#[utoipa::path(post, path = "/api/v1/fund-loans/{id}/repayments", params(("id" = i64, Path)), request_body = RepaymentInput, responses((status = 200, body = ApiLoan), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// An instalment repaid; the last one closes the loan.
pub async fn api_repay(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
    Json(i): Json<RepaymentInput>,
) -> AppResult<Json<ApiLoan>> {
    Ok(Json(loan(&repay_as(&state, &a.ctx, &a.principal, &id, &i).await?)))
}

#[utoipa::path(post, path = "/api/v1/fund-loans/{id}/claims", params(("id" = i64, Path)), request_body = LossClaimInput, responses((status = 201, body = ApiClaim), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The bank claims compensation on a default (90 days overdue, after its recovery steps).
pub async fn api_claim(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
    Json(i): Json<LossClaimInput>,
) -> AppResult<(StatusCode, Json<ApiClaim>)> {
    let c = claim_as(&state, &a.ctx, &a.principal, &id, &i).await?;
    Ok((StatusCode::CREATED, Json(claim(&c))))
}

#[utoipa::path(get, path = "/api/v1/fund-claims", responses((status = 200, body = Vec<ApiClaim>), (status = 403, body = ApiError)))]
/// The signed-in bank's own claims, the newest first.
pub async fn api_my_claims(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
) -> AppResult<Json<Vec<ApiClaim>>> {
    let bank = bank_of(&state, &a.ctx, &a.principal).await?;
    Ok(Json(claims::list(&state.db, None, Some(bank)).await?.iter().map(claim).collect()))
}

/// What a recovery returned to the fund.
#[derive(Serialize, ToSchema)]
pub struct ApiRecovery {
    pub id: i64,
    pub claim_id: i64,
    pub recovered_fen: i64,
    pub returned_fen: i64,
    pub note: String,
}

fn recovery(r: &RecoveryRow) -> ApiRecovery {
    ApiRecovery {
        id: r.id,
        claim_id: r.claim_id,
        recovered_fen: r.recovered.fen(),
        returned_fen: r.returned.fen(),
        note: r.note.clone(),
    }
}

#[utoipa::path(post, path = "/api/v1/fund-claims/{id}/recoveries", params(("id" = i64, Path)), request_body = RecoveryInput, responses((status = 201, body = ApiRecovery), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Money the bank recovered on a paid claim: the fund's share flows back to it.
pub async fn api_recover(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
    Json(i): Json<RecoveryInput>,
) -> AppResult<(StatusCode, Json<ApiRecovery>)> {
    let r = recover_as(&state, &a.ctx, &a.principal, &id, &i).await?;
    Ok((StatusCode::CREATED, Json(recovery(&r))))
}

#[utoipa::path(post, path = "/api/v1/fund-loans/{id}/pledges", params(("id" = i64, Path)), request_body = PledgeInput, responses((status = 201, body = ApiPledge), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// A patent of the borrower's pledged for the bank's loan, with its registration.
pub async fn api_pledge(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
    Json(i): Json<PledgeInput>,
) -> AppResult<(StatusCode, Json<ApiPledge>)> {
    let p = pledge_as(&state, &a.ctx, &a.principal, &id, &i).await?;
    Ok((StatusCode::CREATED, Json(pledge(&p))))
}

#[utoipa::path(post, path = "/api/v1/fund-pledges/{id}/release", params(("id" = i64, Path)), responses((status = 200, body = ApiPledge), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Releases a pledge once its loan is repaid.
pub async fn api_release_pledge(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiPledge>> {
    Ok(Json(pledge(&release_as(&state, &a.ctx, &a.principal, &id).await?)))
}
