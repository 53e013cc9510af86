//! Interest subsidies (贴息) and guarantee-fee subsidies on loans under the fund: the borrower
//! claims for a year with its evidence; the amount is the fund's rule applied to what was paid —
//! the interest from the instalments the bank recorded repaid in the year (never typed in again),
//! the guarantee fee as evidenced — once per loan, kind and year; one officer approves (the
//! amount committed in the fund's ledger), another pays.
use super::FundRefusal;
use super::ledger::{Entry, get_in as fund_in, post};
use super::loans::get_in as loan_in;
use crate::db::{Db, Result, StoreError, Tx};
use crate::finance::{FinanceRefusal, log};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::Datelike;
use innocity_core::finance::fund::{Posting, SubsidyKind};
use innocity_core::projects::money::Money;

/// A subsidy claim's state (as a compensation claim's).
pub use super::claims::ClaimStatus as SubsidyStatus;

/// A subsidy claim with its loan.
#[derive(Debug, Clone, PartialEq)]
pub struct SubsidyRow {
    pub id: i64,
    pub fund_id: i64,
    pub loan_id: i64,
    pub contract_no: String,
    pub bank: String,
    pub borrower_id: i64,
    pub borrower: String,
    pub kind: SubsidyKind,
    pub year: i32,
    /// Interest or fee paid.
    pub base: Money,
    pub share_pct: i64,
    pub amount: Money,
    pub evidence: String,
    pub status: SubsidyStatus,
    pub approved_by: String,
    pub paid_by: String,
    pub reason: String,
    pub request_key: String,
}

impl FromRow for SubsidyRow {
    const TABLE: &'static str = "fund_subsidies";
    const FROM: &'static str = "fund_subsidies s JOIN fund_loans l ON l.id = s.loan_id JOIN organisations b ON b.id = l.bank_id JOIN organisations o ON o.id = s.borrower_id";
    columns!(
        "s.id",
        "s.fund_id",
        "s.loan_id",
        "l.contract_no",
        "b.name",
        "s.borrower_id",
        "o.name",
        "s.kind",
        "s.year",
        "s.base_fen",
        "s.share_pct",
        "s.amount_fen",
        "s.evidence",
        "s.status",
        "s.approved_by",
        "s.paid_by",
        "s.reason",
        "s.request_key"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let head = (f.int()?, f.int()?, f.int()?, f.text()?, f.text()?, f.int()?, f.text()?);
        Ok(SubsidyRow {
            id: head.0,
            fund_id: head.1,
            loan_id: head.2,
            contract_no: head.3,
            bank: head.4,
            borrower_id: head.5,
            borrower: head.6,
            kind: f.code(SubsidyKind::parse)?,
            year: f.int32()?,
            base: Money(f.int()?),
            share_pct: f.int()?,
            amount: Money(f.int()?),
            evidence: f.text()?,
            status: f.code(SubsidyStatus::parse)?,
            approved_by: f.text()?,
            paid_by: f.text()?,
            reason: f.text()?,
            request_key: f.text()?,
        })
    }
}

/// A borrower's claim.
#[derive(Debug, Clone)]
pub struct NewSubsidy {
    pub loan_id: i64,
    pub kind: SubsidyKind,
    pub year: i32,
    /// The guarantee fee paid (for an interest subsidy the platform reads the interest itself).
    pub fee: Money,
    pub evidence: String,
    pub request_key: String,
}

async fn get_in(tx: &Tx, id: i64) -> Result<SubsidyRow> {
    tx.row(&select::<SubsidyRow>("WHERE s.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)
}

/// Subsidy claims of a fund or of a borrower, the newest first.
pub async fn list(
    db: &Db,
    fund_id: Option<i64>,
    borrower_id: Option<i64>,
) -> Result<Vec<SubsidyRow>> {
    let mut cond = vec!["1 = 1"];
    let mut values: Vec<sea_orm::Value> = Vec::new();
    for (column, value) in [("s.fund_id = ?", fund_id), ("s.borrower_id = ?", borrower_id)] {
        if let Some(v) = value {
            cond.push(column);
            values.push(v.into());
        }
    }
    let sql = select::<SubsidyRow>(&format!("WHERE {} ORDER BY s.id DESC", cond.join(" AND ")));
    db.rows(&sql, values).await
}

/// Interest of the loan's instalments the bank recorded repaid in `year`.
async fn interest_paid(tx: &Tx, loan_id: i64, year: i32) -> Result<Money> {
    let row = tx
        .query_one(
            "SELECT CAST(COALESCE(SUM(interest_fen), 0) AS BIGINT) FROM fund_loan_instalments WHERE loan_id = ? AND repaid_on >= ? AND repaid_on <= ?",
            vec![loan_id.into(), format!("{year}-01-01").into(), format!("{year}-12-31").into()],
        )
        .await?;
    Ok(Money(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0)))
}

/// The borrower `borrower_id` claims a subsidy on its loan for a year.
pub async fn claim(
    db: &Db,
    borrower_id: i64,
    n: &NewSubsidy,
    actor: Actor<'_>,
) -> Result<SubsidyRow> {
    let evidence = n.evidence.trim();
    if evidence.is_empty() || evidence.chars().count() > 2_000 {
        return Err(FundRefusal::Evidence.into());
    }
    let key = super::scoped_key(borrower_id, &n.request_key)?;
    let tx = db.begin_write().await?;
    if !key.is_empty() {
        let sql = select::<SubsidyRow>("WHERE s.request_key = ?");
        if let Some(done) = tx.row(&sql, vec![key.clone().into()]).await? {
            return Ok(done);
        }
    }
    let loan = loan_in(&tx, n.loan_id).await?;
    if loan.borrower_id != borrower_id {
        return Err(StoreError::NotFound);
    }
    let rule = fund_in(&tx, loan.fund_id).await?.subsidy_rule;
    let share = match n.kind {
        SubsidyKind::Interest => rule.interest_pct,
        SubsidyKind::GuaranteeFee => rule.guarantee_pct,
    };
    if share == 0 {
        return Err(FundRefusal::NoSubsidy.into());
    }
    let last_due = loan.terms.schedule().last().map(|i| i.due_on).unwrap_or(loan.terms.start);
    if n.year < loan.terms.start.year() || n.year > tx.clock.today().year().min(last_due.year()) {
        return Err(FundRefusal::SubsidyYear { year: n.year }.into());
    }
    let taken = tx
        .query_one(
            "SELECT id FROM fund_subsidies WHERE loan_id = ? AND kind = ? AND year = ? AND status <> 'rejected'",
            vec![loan.id.into(), n.kind.code().into(), i64::from(n.year).into()],
        )
        .await?;
    if let Some(r) = taken {
        return Err(FundRefusal::SubsidyTwice { subsidy_id: r.try_get_by_index(0)? }.into());
    }
    let base = match n.kind {
        SubsidyKind::Interest => interest_paid(&tx, loan.id, n.year).await?,
        SubsidyKind::GuaranteeFee => n.fee,
    };
    let amount = rule.amount(n.kind, base);
    if base.fen() <= 0 || base > Money::MAX || amount.fen() <= 0 {
        return Err(FundRefusal::NothingPaid { year: n.year }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO fund_subsidies (fund_id, loan_id, borrower_id, kind, year, base_fen, share_pct, amount_fen, evidence, status, claimed_by, claimed_at, request_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'claimed', ?, ?, ?)",
            vec![
                loan.fund_id.into(),
                loan.id.into(),
                borrower_id.into(),
                n.kind.code().into(),
                i64::from(n.year).into(),
                base.fen().into(),
                i64::from(share).into(),
                amount.fen().into(),
                evidence.into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
                key.into(),
            ],
        )
        .await?;
    let after = serde_json::json!({ "loan_id": loan.id, "kind": n.kind.code(), "year": n.year, "base_fen": base.fen(), "amount_fen": amount.fen() });
    log(&tx, actor, "fund.subsidy_claim", "fund_subsidy", id, after).await?;
    let row = get_in(&tx, id).await?;
    tx.commit().await?;
    Ok(row)
}

fn status_refusal(s: &SubsidyRow) -> StoreError {
    FundRefusal::ClaimStatus { status: s.status.code().into() }.into()
}

/// The bureau's step on a subsidy claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Committed in the fund's ledger (refused beyond what is available).
    Approve,
    /// Paid out of what was committed, by an officer other than the approver.
    Pay,
    Reject,
}

/// Approves, pays or rejects (with the reason) a subsidy claim; sent again by the same officer,
/// an approval or payment answers with where the claim stands.
pub async fn decide(
    db: &Db,
    id: i64,
    step: Step,
    reason: &str,
    actor: Actor<'_>,
) -> Result<SubsidyRow> {
    let reason = reason.trim();
    if step == Step::Reject && (reason.is_empty() || reason.chars().count() > 2_000) {
        return Err(FinanceRefusal::Reason.into());
    }
    let tx = db.begin_write().await?;
    let s = get_in(&tx, id).await?;
    let note = format!("{} {} {}", s.borrower, s.contract_no, s.year);
    let entry = Entry { claim_id: None, subsidy_id: Some(s.id), note: &note, request_key: "" };
    let now = tx.clock.now_ms();
    let (set, values): (&str, Vec<sea_orm::Value>) = match (step, s.status) {
        (Step::Approve, SubsidyStatus::Approved) if s.approved_by == actor.username => {
            return Ok(s);
        }
        (Step::Pay, SubsidyStatus::Paid) if s.paid_by == actor.username => return Ok(s),
        (Step::Approve, SubsidyStatus::Claimed) => {
            post(&tx, s.fund_id, Posting::Commit(s.amount), entry, actor).await?;
            (
                "status = 'approved', approved_by = ?, approved_at = ?",
                vec![actor.username.into(), now.into()],
            )
        }
        (Step::Pay, SubsidyStatus::Approved) => {
            if s.approved_by == actor.username {
                return Err(FinanceRefusal::SameChecker.into());
            }
            post(&tx, s.fund_id, Posting::Pay(s.amount), entry, actor).await?;
            ("status = 'paid', paid_by = ?, paid_at = ?", vec![actor.username.into(), now.into()])
        }
        (Step::Reject, SubsidyStatus::Claimed) => {
            ("status = 'rejected', reason = ?", vec![reason.into()])
        }
        _ => return Err(status_refusal(&s)),
    };
    let mut values = values;
    values.push(s.id.into());
    tx.exec(&format!("UPDATE fund_subsidies SET {set} WHERE id = ?"), values).await?;
    let action = match step {
        Step::Approve => "fund.subsidy_approve",
        Step::Pay => "fund.subsidy_pay",
        Step::Reject => "fund.subsidy_reject",
    };
    log(
        &tx,
        actor,
        action,
        "fund_subsidy",
        s.id,
        serde_json::json!({ "amount_fen": s.amount.fen(), "reason": reason }),
    )
    .await?;
    let row = get_in(&tx, s.id).await?;
    tx.commit().await?;
    Ok(row)
}
