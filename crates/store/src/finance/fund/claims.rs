//! Compensation on a default: the bank claims after its recovery steps (the loan overdue at least
//! [`OVERDUE_DAYS`]); one bureau officer approves (the fund's share is committed, never beyond
//! what it has available or the bank's cap), another pays; what the bank recovers afterwards
//! returns the fund's share to it. Every step is idempotent: sent again, it answers with where
//! the claim stands.
use super::FundRefusal;
use super::agreements::of_bank;
use super::ledger::{Entry, post};
use super::loans::{LoanStatus, of_bank_in};
use crate::db::{Db, Result, StoreError, Tx};
use crate::finance::{FinanceRefusal, log};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::finance::fund::{OVERDUE_DAYS, Posting};
use innocity_core::projects::money::Money;

/// A claim's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimStatus {
    Claimed,
    /// Approved: the compensation is committed in the fund's ledger.
    Approved,
    Paid,
    Rejected,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 4] = [Self::Claimed, Self::Approved, Self::Paid, Self::Rejected];
    pub fn code(self) -> &'static str {
        match self {
            Self::Claimed => "claimed",
            Self::Approved => "approved",
            Self::Paid => "paid",
            Self::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A claim with its loan's bank and borrower.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRow {
    pub id: i64,
    pub fund_id: i64,
    pub loan_id: i64,
    pub bank_id: i64,
    pub bank: String,
    pub borrower: String,
    pub contract_no: String,
    pub loss: Money,
    pub share_pct: i64,
    pub compensation: Money,
    pub defaulted_on: NaiveDate,
    pub steps: String,
    pub status: ClaimStatus,
    pub claimed_by: String,
    pub approved_by: String,
    pub paid_by: String,
    pub reason: String,
    pub recovered: Money,
    pub returned: Money,
    pub request_key: String,
    pub claimed_at: i64,
}

impl FromRow for ClaimRow {
    const TABLE: &'static str = "fund_claims";
    const FROM: &'static str = "fund_claims c JOIN fund_loans l ON l.id = c.loan_id JOIN organisations b ON b.id = c.bank_id JOIN organisations o ON o.id = l.borrower_id";
    columns!(
        "c.id",
        "c.fund_id",
        "c.loan_id",
        "c.bank_id",
        "b.name",
        "o.name",
        "l.contract_no",
        "c.loss_fen",
        "c.share_pct",
        "c.compensation_fen",
        "c.defaulted_on",
        "c.steps",
        "c.status",
        "c.claimed_by",
        "c.approved_by",
        "c.paid_by",
        "c.reason",
        "c.recovered_fen",
        "c.returned_fen",
        "c.request_key",
        "c.claimed_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let ids = (f.int()?, f.int()?, f.int()?, f.int()?);
        let names = (f.text()?, f.text()?, f.text()?);
        let money = (Money(f.int()?), f.int()?, Money(f.int()?));
        Ok(ClaimRow {
            id: ids.0,
            fund_id: ids.1,
            loan_id: ids.2,
            bank_id: ids.3,
            bank: names.0,
            borrower: names.1,
            contract_no: names.2,
            loss: money.0,
            share_pct: money.1,
            compensation: money.2,
            defaulted_on: f.date()?,
            steps: f.text()?,
            status: f.code(ClaimStatus::parse)?,
            claimed_by: f.text()?,
            approved_by: f.text()?,
            paid_by: f.text()?,
            reason: f.text()?,
            recovered: Money(f.int()?),
            returned: Money(f.int()?),
            request_key: f.text()?,
            claimed_at: f.int()?,
        })
    }
}

/// A bank's claim on a defaulted loan.
#[derive(Debug, Clone)]
pub struct NewClaim {
    pub loan_id: i64,
    /// The principal lost (unpaid after the bank's recovery steps).
    pub loss: Money,
    pub defaulted_on: NaiveDate,
    /// What the bank did to recover: notices, suit, enforcement, collateral sold.
    pub steps: String,
    pub request_key: String,
}

async fn get_in(tx: &Tx, id: i64) -> Result<ClaimRow> {
    tx.row(&select::<ClaimRow>("WHERE c.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<ClaimRow>> {
    db.row(&select::<ClaimRow>("WHERE c.id = ?"), vec![id.into()]).await
}

/// Claims of a fund (or of one bank in it), the newest first.
pub async fn list(db: &Db, fund_id: Option<i64>, bank_id: Option<i64>) -> Result<Vec<ClaimRow>> {
    let mut cond = vec!["1 = 1"];
    let mut values: Vec<sea_orm::Value> = Vec::new();
    for (column, value) in [("c.fund_id = ?", fund_id), ("c.bank_id = ?", bank_id)] {
        if let Some(v) = value {
            cond.push(column);
            values.push(v.into());
        }
    }
    let sql = select::<ClaimRow>(&format!("WHERE {} ORDER BY c.id DESC", cond.join(" AND ")));
    db.rows(&sql, values).await
}

/// The bank claims the fund's share of the loss on its loan.
pub async fn claim(db: &Db, bank_id: i64, n: &NewClaim, actor: Actor<'_>) -> Result<ClaimRow> {
    let steps = n.steps.trim();
    if steps.is_empty() || steps.chars().count() > 2_000 {
        return Err(FundRefusal::Steps.into());
    }
    let key = super::scoped_key(bank_id, &n.request_key)?;
    let tx = db.begin_write().await?;
    if !key.is_empty() {
        let sql = select::<ClaimRow>("WHERE c.request_key = ?");
        if let Some(done) = tx.row(&sql, vec![key.clone().into()]).await? {
            return Ok(done);
        }
    }
    let loan = of_bank_in(&tx, bank_id, n.loan_id).await?;
    if loan.status != LoanStatus::Active {
        return Err(FundRefusal::LoanStatus { status: loan.status.code().into() }.into());
    }
    // the earliest day a claim may be made (none for a date at the end of the calendar)
    let from = n.defaulted_on.checked_add_signed(chrono::Duration::days(OVERDUE_DAYS));
    let ripe = from.is_some_and(|f| tx.clock.today() >= f);
    if n.defaulted_on < loan.terms.start || !ripe {
        return Err(FundRefusal::NotOverdue { from: from.unwrap_or(n.defaulted_on) }.into());
    }
    if !overdue_on(&tx, loan.id, n.defaulted_on).await? {
        return Err(FundRefusal::NoDefault.into());
    }
    if n.loss.fen() <= 0 || n.loss > loan.outstanding {
        return Err(FundRefusal::Loss { outstanding: loan.outstanding }.into());
    }
    let agreement = of_bank(&tx, loan.fund_id, bank_id).await?.ok_or(FundRefusal::NoAgreement)?;
    let compensation = agreement.terms.share_of(n.loss);
    if compensation.fen() <= 0 {
        return Err(FundRefusal::Loss { outstanding: loan.outstanding }.into());
    }
    within_cap(agreement.compensated, compensation, agreement.terms.compensation_cap)?;
    let id = tx
        .insert(
            "INSERT INTO fund_claims (fund_id, loan_id, bank_id, loss_fen, share_pct, compensation_fen, defaulted_on, steps, status, claimed_by, claimed_at, request_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'claimed', ?, ?, ?)",
            vec![
                loan.fund_id.into(),
                loan.id.into(),
                bank_id.into(),
                n.loss.fen().into(),
                i64::from(agreement.terms.loss_share_pct).into(),
                compensation.fen().into(),
                n.defaulted_on.to_string().into(),
                steps.into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
                key.into(),
            ],
        )
        .await?;
    set_loan(&tx, loan.id, LoanStatus::Defaulted).await?;
    let after = serde_json::json!({ "loan_id": loan.id, "loss_fen": n.loss.fen(), "compensation_fen": compensation.fen() });
    log(&tx, actor, "fund.claim", "fund_claim", id, after).await?;
    let row = get_in(&tx, id).await?;
    tx.commit().await?;
    Ok(row)
}

/// Whether an instalment of the loan fell due on or before `day` and was not repaid by then.
async fn overdue_on(tx: &Tx, loan_id: i64, day: NaiveDate) -> Result<bool> {
    let row = tx
        .query_one(
            "SELECT 1 FROM fund_loan_instalments WHERE loan_id = ? AND due_on <= ? AND (repaid_on = '' OR repaid_on > ?)",
            vec![loan_id.into(), day.to_string().into(), day.to_string().into()],
        )
        .await?;
    Ok(row.is_some())
}

fn within_cap(used: Money, more: Money, cap: Money) -> Result<()> {
    if used.checked_add(more).is_none_or(|m| m > cap) {
        return Err(FundRefusal::CompensationCap { cap, used }.into());
    }
    Ok(())
}

async fn set_loan(tx: &Tx, loan_id: i64, status: LoanStatus) -> Result<()> {
    tx.exec(
        "UPDATE fund_loans SET status = ? WHERE id = ?",
        vec![status.code().into(), loan_id.into()],
    )
    .await?;
    Ok(())
}

async fn set_claim(tx: &Tx, id: i64, set: &str, mut values: Vec<sea_orm::Value>) -> Result<()> {
    values.push(id.into());
    tx.exec(&format!("UPDATE fund_claims SET {set} WHERE id = ?"), values).await?;
    Ok(())
}

fn status_refusal(c: &ClaimRow) -> StoreError {
    FundRefusal::ClaimStatus { status: c.status.code().into() }.into()
}

/// A bureau officer approves a claim: the fund's share is committed in its ledger (refused
/// beyond what is available, or beyond the bank's cap).
pub async fn approve(db: &Db, claim_id: i64, actor: Actor<'_>) -> Result<ClaimRow> {
    let tx = db.begin_write().await?;
    let c = get_in(&tx, claim_id).await?;
    match c.status {
        ClaimStatus::Claimed => {}
        ClaimStatus::Approved if c.approved_by == actor.username => return Ok(c),
        _ => return Err(status_refusal(&c)),
    }
    let agreement = of_bank(&tx, c.fund_id, c.bank_id).await?.ok_or(FundRefusal::NoAgreement)?;
    within_cap(agreement.compensated, c.compensation, agreement.terms.compensation_cap)?;
    let note = format!("{} {}", c.bank, c.contract_no);
    let entry = Entry { claim_id: Some(c.id), subsidy_id: None, note: &note, request_key: "" };
    post(&tx, c.fund_id, Posting::Commit(c.compensation), entry, actor).await?;
    tx.exec(
        "UPDATE loan_agreements SET compensated_fen = compensated_fen + ? WHERE id = ?",
        vec![c.compensation.fen().into(), agreement.id.into()],
    )
    .await?;
    let values = vec![actor.username.into(), tx.clock.now_ms().into()];
    set_claim(&tx, c.id, "status = 'approved', approved_by = ?, approved_at = ?", values).await?;
    let after =
        serde_json::json!({ "status": "approved", "compensation_fen": c.compensation.fen() });
    log(&tx, actor, "fund.claim_approve", "fund_claim", c.id, after).await?;
    let row = get_in(&tx, c.id).await?;
    tx.commit().await?;
    Ok(row)
}

/// A bureau officer rejects a claim with the reason; the loan is active again.
pub async fn reject(db: &Db, claim_id: i64, reason: &str, actor: Actor<'_>) -> Result<ClaimRow> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2_000 {
        return Err(FinanceRefusal::Reason.into());
    }
    let tx = db.begin_write().await?;
    let c = get_in(&tx, claim_id).await?;
    if c.status != ClaimStatus::Claimed {
        return Err(status_refusal(&c));
    }
    set_claim(&tx, c.id, "status = 'rejected', reason = ?", vec![reason.into()]).await?;
    set_loan(&tx, c.loan_id, LoanStatus::Active).await?;
    let after = serde_json::json!({ "status": "rejected", "reason": reason });
    log(&tx, actor, "fund.claim_reject", "fund_claim", c.id, after).await?;
    let row = get_in(&tx, c.id).await?;
    tx.commit().await?;
    Ok(row)
}

/// A second officer (not the one who approved) pays an approved claim out of what was
/// committed; the loan leaves the bank's quota.
pub async fn pay(db: &Db, claim_id: i64, actor: Actor<'_>) -> Result<ClaimRow> {
    let tx = db.begin_write().await?;
    let c = get_in(&tx, claim_id).await?;
    match c.status {
        ClaimStatus::Approved => {}
        ClaimStatus::Paid if c.paid_by == actor.username => return Ok(c),
        _ => return Err(status_refusal(&c)),
    }
    if c.approved_by == actor.username {
        return Err(FinanceRefusal::SameChecker.into());
    }
    let note = format!("{} {}", c.bank, c.contract_no);
    let entry = Entry { claim_id: Some(c.id), subsidy_id: None, note: &note, request_key: "" };
    post(&tx, c.fund_id, Posting::Pay(c.compensation), entry, actor).await?;
    let loan = super::loans::get_in(&tx, c.loan_id).await?;
    tx.exec(
        "UPDATE loan_agreements SET outstanding_fen = outstanding_fen - ? WHERE id = ?",
        vec![loan.outstanding.fen().into(), loan.agreement_id.into()],
    )
    .await?;
    set_loan(&tx, c.loan_id, LoanStatus::Compensated).await?;
    let values = vec![actor.username.into(), tx.clock.now_ms().into()];
    set_claim(&tx, c.id, "status = 'paid', paid_by = ?, paid_at = ?", values).await?;
    let after = serde_json::json!({ "status": "paid", "compensation_fen": c.compensation.fen() });
    log(&tx, actor, "fund.claim_pay", "fund_claim", c.id, after).await?;
    let row = get_in(&tx, c.id).await?;
    tx.commit().await?;
    Ok(row)
}

/// What a recovery returned to the fund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryRow {
    pub id: i64,
    pub claim_id: i64,
    pub recovered: Money,
    pub returned: Money,
    pub note: String,
    pub request_key: String,
    pub recorded_at: i64,
}

impl FromRow for RecoveryRow {
    const TABLE: &'static str = "fund_recoveries";
    columns!(id, claim_id, recovered_fen, returned_fen, note, request_key, recorded_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(RecoveryRow {
            id: f.int()?,
            claim_id: f.int()?,
            recovered: Money(f.int()?),
            returned: Money(f.int()?),
            note: f.text()?,
            request_key: f.text()?,
            recorded_at: f.int()?,
        })
    }
}

pub async fn recoveries(db: &Db, claim_id: i64) -> Result<Vec<RecoveryRow>> {
    let sql = select::<RecoveryRow>("WHERE claim_id = ? ORDER BY id");
    db.rows(&sql, vec![claim_id.into()]).await
}

/// The bank reports money recovered on a paid claim; the fund's share of it (its loss share,
/// never more than it paid) flows back into the fund.
pub async fn recover(
    db: &Db,
    bank_id: i64,
    claim_id: i64,
    recovered: Money,
    note: &str,
    request_key: &str,
    actor: Actor<'_>,
) -> Result<RecoveryRow> {
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(FinanceRefusal::Required { field: "note" }.into());
    }
    if recovered.fen() <= 0 || recovered > Money::MAX {
        return Err(FinanceRefusal::Amount { amount: recovered }.into());
    }
    let key = super::scoped_key(claim_id, request_key)?;
    let tx = db.begin_write().await?;
    let c = get_in(&tx, claim_id).await?;
    if c.bank_id != bank_id {
        return Err(StoreError::NotFound);
    }
    if !key.is_empty() {
        let sql = select::<RecoveryRow>("WHERE request_key = ?");
        if let Some(done) = tx.row(&sql, vec![key.clone().into()]).await? {
            return Ok(done);
        }
    }
    let left = Money(c.compensation.fen() - c.returned.fen());
    if c.status != ClaimStatus::Paid || left.fen() <= 0 {
        return Err(FundRefusal::Recovery { left }.into());
    }
    let share = i128::from(recovered.fen()) * i128::from(c.share_pct) / 100;
    let returned = Money(i64::try_from(share).unwrap_or(i64::MAX).min(left.fen()));
    if returned.fen() > 0 {
        let entry = Entry { claim_id: Some(c.id), subsidy_id: None, note, request_key: "" };
        post(&tx, c.fund_id, Posting::Recover(returned), entry, actor).await?;
    }
    tx.exec(
        "UPDATE fund_claims SET recovered_fen = recovered_fen + ?, returned_fen = returned_fen + ? WHERE id = ?",
        vec![recovered.fen().into(), returned.fen().into(), c.id.into()],
    )
    .await?;
    let now = tx.clock.now_ms();
    let id = tx
        .insert(
            "INSERT INTO fund_recoveries (claim_id, recovered_fen, returned_fen, note, request_key, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![c.id.into(), recovered.fen().into(), returned.fen().into(), note.into(), key.clone().into(), actor.username.into(), now.into()],
        )
        .await?;
    let after =
        serde_json::json!({ "recovered_fen": recovered.fen(), "returned_fen": returned.fen() });
    log(&tx, actor, "fund.recovery", "fund_claim", c.id, after).await?;
    tx.commit().await?;
    Ok(RecoveryRow {
        id,
        claim_id: c.id,
        recovered,
        returned,
        note: note.to_string(),
        request_key: key,
        recorded_at: now,
    })
}
