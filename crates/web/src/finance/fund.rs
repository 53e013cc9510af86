//! The risk-compensation fund on the web: what the pages and `/api/v1` share — the inputs, their
//! parsing (a field named when it is wrong), the operations with their checks, and the views.
//! The bureau keeps the fund; a bank acts only as itself (its organisation a financial
//! institution) and only on its own loans and claims.
use super::refused_on;
use crate::app::AppState;
use crate::auth::{Ctx, field_error};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::market::offering::own_organisation;
use crate::orgs::parse_id;
use chrono::NaiveDate;
use innocity_core::access::Principal;
use innocity_core::finance::fund::{Balances, LoanTerms, Repayment, Terms};
use innocity_core::projects::money::{Money, Unit};
use innocity_store::finance::fund::claims::{self, ClaimRow, NewClaim};
use innocity_store::finance::fund::ledger::{self, FundKind, NewFund, PostingRow};
use innocity_store::finance::fund::loans::{self, InstalmentRow, LoanRow, NewLoan};
use innocity_store::finance::fund::{agreements, pledges, report};
use serde::Deserialize;
use utoipa::ToSchema;

/// The organisation a bank's user acts for: refused unless it is a financial institution.
pub async fn bank_of(state: &AppState, ctx: &Ctx, p: &Principal) -> AppResult<i64> {
    let org = own_organisation(ctx, p)?;
    let kind = innocity_store::orgs::get(&state.db, org).await?.map(|o| o.kind);
    if kind.as_deref() != Some("financial") {
        return Err(ctx.err(AppError::forbidden()));
    }
    Ok(org)
}

pub(super) fn money(ctx: &Ctx, field: &str, text: &str, unit: Unit) -> AppResult<Money> {
    match Money::parse(text, unit) {
        Ok(m) if m.fen() > 0 && m <= Money::MAX => Ok(m),
        _ => Err(field_error(ctx, field, "fund.err.money_field", vec![])),
    }
}

/// A date as `YYYY-MM-DD`, a year from 1900 to 2200 (no signed or five-digit years).
fn date(ctx: &Ctx, field: &str, text: &str) -> AppResult<NaiveDate> {
    let t = text.trim();
    let shaped = t.len() == 10 && t.as_bytes()[..4].iter().all(u8::is_ascii_digit);
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .filter(|d| shaped && (1900..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| field_error(ctx, field, "policy.err.date", vec![]))
}

/// A percentage to two places as basis points: "4.35" → 435.
pub(super) fn percent_bp(ctx: &Ctx, field: &str, text: &str) -> AppResult<u32> {
    let bp = Money::parse(text.trim().trim_end_matches('%'), Unit::Yuan).ok();
    bp.and_then(|m| u32::try_from(m.fen()).ok())
        .filter(|bp| (1..=10_000).contains(bp))
        .ok_or_else(|| field_error(ctx, field, "fund.err.percent_field", vec![]))
}

pub(super) fn whole<T: TryFrom<i64>>(ctx: &Ctx, field: &str, n: i64) -> AppResult<T> {
    T::try_from(n).map_err(|_| field_error(ctx, field, "fund.err.number_field", vec![]))
}

/// A new fund.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct FundInput {
    pub code: String,
    pub name: String,
    /// credit (科技贷) or ip (知识产权质押).
    pub kind: String,
}

pub(super) async fn create_as(state: &AppState, ctx: &Ctx, i: &FundInput) -> AppResult<i64> {
    let Some(kind) = FundKind::parse(&i.kind) else {
        return Err(crate::sharing::choose_one(ctx, "kind"));
    };
    let f = NewFund { code: i.code.clone(), name: i.name.clone(), kind, unit_path: "/".into() };
    ledger::create(&state.db, &f, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

/// Capital put into the fund; the same request key again is the same deposit.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct DepositInput {
    /// 元, to the fen.
    pub amount_yuan: String,
    pub note: String,
    pub request_key: String,
}

pub(super) async fn fund_of(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<ledger::FundRow> {
    let id = parse_id(ctx, id)?;
    ledger::get(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

pub(super) async fn deposit_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    i: &DepositInput,
) -> AppResult<PostingRow> {
    let fund = fund_of(state, ctx, id).await?;
    let amount = money(ctx, "amount_yuan", &i.amount_yuan, Unit::Yuan)?;
    let key = i.request_key.trim();
    ledger::deposit(&state.db, fund.id, amount, &i.note, key, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, e))
}

/// An agreement with a financial institution.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct AgreementInput {
    pub bank_id: i64,
    /// The share of a loss the fund covers, in percent.
    pub loss_share_pct: i64,
    pub loan_cap_wan: String,
    pub bank_quota_wan: String,
    pub compensation_cap_wan: String,
    pub max_term_months: i64,
    /// The highest annual rate in percent, e.g. 6.00.
    pub max_rate_pct: String,
    pub valid_from: String,
    pub valid_to: String,
}

pub(super) async fn sign_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    i: &AgreementInput,
) -> AppResult<i64> {
    let fund = fund_of(state, ctx, id).await?;
    let terms = Terms {
        loss_share_pct: whole(ctx, "loss_share_pct", i.loss_share_pct)?,
        loan_cap: money(ctx, "loan_cap_wan", &i.loan_cap_wan, Unit::Wan)?,
        bank_quota: money(ctx, "bank_quota_wan", &i.bank_quota_wan, Unit::Wan)?,
        compensation_cap: money(ctx, "compensation_cap_wan", &i.compensation_cap_wan, Unit::Wan)?,
        max_term_months: whole(ctx, "max_term_months", i.max_term_months)?,
        max_rate_bp: percent_bp(ctx, "max_rate_pct", &i.max_rate_pct)?,
        valid_from: date(ctx, "valid_from", &i.valid_from)?,
        valid_to: date(ctx, "valid_to", &i.valid_to)?,
    };
    agreements::sign(&state.db, fund.id, i.bank_id, &terms, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, e))
}

/// A loan as the bank reports it.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct LoanInput {
    pub fund_id: i64,
    /// The borrower's unified social credit code.
    pub borrower_credit_code: String,
    pub contract_no: String,
    /// 元, to the fen.
    pub principal_yuan: String,
    /// The annual rate in percent, e.g. 4.35.
    pub rate_pct: String,
    pub term_months: i64,
    /// YYYY-MM-DD.
    pub start_date: String,
    /// bullet (按月付息、到期还本) or equal_principal (等额本金).
    pub repayment: String,
    /// 信用, 保证, 抵押, 知识产权质押 …
    pub guarantee: String,
    pub request_key: String,
}

pub(super) async fn record_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    i: &LoanInput,
) -> AppResult<LoanRow> {
    let bank = bank_of(state, ctx, p).await?;
    let Some(repayment) = Repayment::parse(&i.repayment) else {
        return Err(crate::sharing::choose_one(ctx, "repayment"));
    };
    let terms = LoanTerms {
        principal: money(ctx, "principal_yuan", &i.principal_yuan, Unit::Yuan)?,
        rate_bp: percent_bp(ctx, "rate_pct", &i.rate_pct)?,
        term_months: whole(ctx, "term_months", i.term_months)?,
        start: date(ctx, "start_date", &i.start_date)?,
        repayment,
    };
    let n = NewLoan {
        fund_id: i.fund_id,
        borrower_code: i.borrower_credit_code.clone(),
        contract_no: i.contract_no.clone(),
        terms,
        guarantee: i.guarantee.clone(),
        request_key: i.request_key.trim().to_string(),
    };
    loans::record(&state.db, bank, &n, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

/// A loan of the principal's bank (others' are not found).
pub(super) async fn loan_for(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
) -> AppResult<LoanRow> {
    let bank = bank_of(state, ctx, p).await?;
    let id = parse_id(ctx, id)?;
    let loan = loans::get(&state.db, id).await?.filter(|l| l.bank_id == bank);
    loan.ok_or_else(|| ctx.err(AppError::not_found()))
}

/// An instalment repaid.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct RepaymentInput {
    pub seq: i64,
    /// YYYY-MM-DD.
    pub repaid_on: String,
}

pub(super) async fn repay_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    i: &RepaymentInput,
) -> AppResult<LoanRow> {
    let bank = bank_of(state, ctx, p).await?;
    let id = parse_id(ctx, id)?;
    let on = date(ctx, "repaid_on", &i.repaid_on)?;
    loans::repay(&state.db, bank, id, i.seq, on, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

/// A claim for compensation on a default.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct LossClaimInput {
    /// The principal lost, 元.
    pub loss_yuan: String,
    /// YYYY-MM-DD: the day the loan fell overdue.
    pub defaulted_on: String,
    /// The recovery steps taken.
    pub steps: String,
    pub request_key: String,
}

pub(super) async fn claim_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    i: &LossClaimInput,
) -> AppResult<ClaimRow> {
    let bank = bank_of(state, ctx, p).await?;
    let n = NewClaim {
        loan_id: parse_id(ctx, id)?,
        loss: money(ctx, "loss_yuan", &i.loss_yuan, Unit::Yuan)?,
        defaulted_on: date(ctx, "defaulted_on", &i.defaulted_on)?,
        steps: i.steps.clone(),
        request_key: i.request_key.trim().to_string(),
    };
    claims::claim(&state.db, bank, &n, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

/// The bureau's decision on a claim: approve, pay, or reject with the reason.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct ClaimDecisionInput {
    pub reason: String,
}

pub(super) async fn decide_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    step: &str,
    i: &ClaimDecisionInput,
) -> AppResult<ClaimRow> {
    let id = parse_id(ctx, id)?;
    let (db, actor) = (&state.db, ctx.actor());
    let done = match step {
        "approve" => claims::approve(db, id, actor).await,
        "pay" => claims::pay(db, id, actor).await,
        "reject" => claims::reject(db, id, &i.reason, actor).await,
        _ => return Err(ctx.err(AppError::not_found())),
    };
    done.map_err(|e| refused_on(ctx, e))
}

/// A patent pledged for a loan.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct PledgeInput {
    /// As people write it: `ZL 2020 1 0123456.2`; the check digit is verified.
    pub patent_no: String,
    /// 质押登记号.
    pub registration_no: String,
    /// YYYY-MM-DD.
    pub registered_on: String,
}

pub(super) async fn pledge_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    i: &PledgeInput,
) -> AppResult<pledges::PledgeRow> {
    let bank = bank_of(state, ctx, p).await?;
    let patent_no = innocity_core::market::achievements::parse_patent(&i.patent_no)
        .map_err(|e| field_error(ctx, "patent_no", e.key, e.args))?;
    let n = pledges::NewPledge {
        loan_id: parse_id(ctx, id)?,
        patent_no,
        registration_no: i.registration_no.clone(),
        registered_on: date(ctx, "registered_on", &i.registered_on)?,
    };
    pledges::pledge(&state.db, bank, &n, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

pub(super) async fn release_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
) -> AppResult<pledges::PledgeRow> {
    let bank = bank_of(state, ctx, p).await?;
    let id = parse_id(ctx, id)?;
    pledges::release(&state.db, bank, id, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

/// Money a bank recovered on a paid claim.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct RecoveryInput {
    pub recovered_yuan: String,
    pub note: String,
    pub request_key: String,
}

pub(super) async fn recover_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    i: &RecoveryInput,
) -> AppResult<claims::RecoveryRow> {
    let bank = bank_of(state, ctx, p).await?;
    let id = parse_id(ctx, id)?;
    let amount = money(ctx, "recovered_yuan", &i.recovered_yuan, Unit::Yuan)?;
    claims::recover(&state.db, bank, id, amount, &i.note, i.request_key.trim(), ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, e))
}

// ---------- views ----------

/// The five balances, as 万元 text.
pub struct BalancesView {
    pub capital: String,
    pub committed: String,
    pub paid: String,
    pub recovered: String,
    pub available: String,
    pub balanced: bool,
}

pub fn balances_view(b: &Balances) -> BalancesView {
    BalancesView {
        capital: b.capital.wan_text(),
        committed: b.committed.wan_text(),
        paid: b.paid.wan_text(),
        recovered: b.recovered.wan_text(),
        available: b.available.wan_text(),
        balanced: b.balanced(),
    }
}

pub fn kind_label(lang: Lang, k: FundKind) -> &'static str {
    t(lang, &format!("fund.kind.{}", k.code()))
}

/// A loan as the lists show it.
pub struct LoanView {
    pub id: i64,
    pub bank: String,
    pub borrower: String,
    pub borrower_code: String,
    pub contract_no: String,
    pub principal: String,
    pub rate: String,
    pub term_months: u16,
    pub start: String,
    pub repayment: &'static str,
    pub guarantee: String,
    pub outstanding: String,
    pub status_code: &'static str,
    pub status: &'static str,
}

pub fn loan_view(lang: Lang, l: &LoanRow) -> LoanView {
    LoanView {
        id: l.id,
        bank: l.bank.clone(),
        borrower: l.borrower.clone(),
        borrower_code: l.borrower_code.clone(),
        contract_no: l.contract_no.clone(),
        principal: l.terms.principal.wan_text(),
        rate: crate::error::refusals::rate_text(l.terms.rate_bp),
        term_months: l.terms.term_months,
        start: l.terms.start.to_string(),
        repayment: t(lang, &format!("fund.repayment.{}", l.terms.repayment.code())),
        guarantee: l.guarantee.clone(),
        outstanding: l.outstanding.yuan_text(),
        status_code: l.status.code(),
        status: t(lang, &format!("fund.loan_status.{}", l.status.code())),
    }
}

/// A line of a loan's schedule.
pub struct InstalmentView {
    pub seq: i64,
    pub due_on: String,
    pub principal: String,
    pub interest: String,
    pub repaid_on: String,
}

pub fn instalment_view(i: &InstalmentRow) -> InstalmentView {
    InstalmentView {
        seq: i.seq,
        due_on: i.due_on.to_string(),
        principal: i.principal.yuan_text(),
        interest: i.interest.yuan_text(),
        repaid_on: i.repaid_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// A claim as the lists show it.
pub struct ClaimView {
    pub id: i64,
    pub bank: String,
    pub borrower: String,
    pub contract_no: String,
    pub loss: String,
    pub share_pct: i64,
    pub compensation: String,
    pub defaulted_on: String,
    pub steps: String,
    pub status_code: &'static str,
    pub status: &'static str,
    pub approved_by: String,
    pub paid_by: String,
    pub reason: String,
    pub recovered: String,
    pub returned: String,
}

pub fn claim_view(lang: Lang, c: &ClaimRow) -> ClaimView {
    ClaimView {
        id: c.id,
        bank: c.bank.clone(),
        borrower: c.borrower.clone(),
        contract_no: c.contract_no.clone(),
        loss: c.loss.yuan_text(),
        share_pct: c.share_pct,
        compensation: c.compensation.yuan_text(),
        defaulted_on: c.defaulted_on.to_string(),
        steps: c.steps.clone(),
        status_code: c.status.code(),
        status: t(lang, &format!("fund.claim_status.{}", c.status.code())),
        approved_by: c.approved_by.clone(),
        paid_by: c.paid_by.clone(),
        reason: c.reason.clone(),
        recovered: c.recovered.yuan_text(),
        returned: c.returned.yuan_text(),
    }
}

/// A posting with the balances after it.
pub struct PostingView {
    pub id: i64,
    pub op: &'static str,
    pub amount: String,
    pub note: String,
    pub after: BalancesView,
    pub posted_by: String,
    pub posted_at: String,
}

pub fn posting_view(lang: Lang, p: &PostingRow) -> PostingView {
    PostingView {
        id: p.id,
        op: t(lang, &format!("fund.op.{}", p.op)),
        amount: p.amount.wan_text(),
        note: p.note.clone(),
        after: balances_view(&p.after),
        posted_by: p.posted_by.clone(),
        posted_at: crate::auth::format_time(lang, p.posted_at),
    }
}

/// A bank's line of the report.
pub struct BankLineView {
    pub bank: String,
    pub share_pct: u8,
    pub loans: i64,
    pub lent: String,
    pub outstanding: String,
    pub quota: String,
    pub compensated: String,
    pub compensation_cap: String,
    pub claims: i64,
    pub leverage: String,
}

pub fn bank_line_view(l: &report::BankLine) -> BankLineView {
    BankLineView {
        bank: l.bank.clone(),
        share_pct: l.loss_share_pct,
        loans: l.loans,
        lent: l.lent.wan_text(),
        outstanding: l.outstanding.wan_text(),
        quota: l.quota.wan_text(),
        compensated: l.compensated.wan_text(),
        compensation_cap: l.compensation_cap.wan_text(),
        claims: l.claims,
        leverage: leverage_text(l.leverage),
    }
}

pub fn leverage_text(x: Option<f64>) -> String {
    x.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into())
}
