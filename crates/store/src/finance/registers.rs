//! The policy library as registers the indicators compute from (`Target::register`), so the S&T
//! finance figures are never typed in twice: `policy_payments`, the money paid under the
//! policies in the year (by entitlement and by application), and `policy_entitled`, the
//! enterprises paid in the year (once however many policies paid them) — each by the enterprise's unit.
//! The risk-compensation fund's registers likewise: `fund_loans` (principal lent in the year, by
//! the loan's date), `fund_borrowers` (enterprises lent to in the year, once each),
//! `fund_subsidies` (subsidies paid in the year) and `fund_compensation` (compensation paid in
//! the year less the fund's share recovered in it) — by the borrower's unit.
use crate::db::{Db, Result};
use crate::sharing::registers::Measure;
use chrono::NaiveDate;
use innocity_core::periods::Period;

/// Whether a register of the policy library is money (put into the indicator's unit).
pub fn in_money(register: &str) -> bool {
    matches!(register, "policy_payments" | "fund_loans" | "fund_subsidies" | "fund_compensation")
}

/// The records of `register` from the first of the period's year to its end (a year, or a
/// quarter's year to date) with their unit paths; `None` when the register is not the policy
/// library's or the fund's.
pub async fn values(
    db: &Db,
    register: &str,
    period: impl Into<Period>,
) -> Result<Option<Vec<(String, Measure)>>> {
    let (from, to) = period.into().year_to_date_days();
    if register.starts_with("fund_") {
        return fund_values(db, register, from, to).await;
    }
    if !matches!(register, "policy_payments" | "policy_entitled") {
        return Ok(None);
    }
    let next = to + chrono::Days::new(1);
    let ms = |d: NaiveDate| db.clock.ms_of_local(d.and_time(chrono::NaiveTime::MIN));
    let span = vec![ms(from).into(), ms(next).into()];
    let rows = if in_money(register) {
        db.read(
            "SELECT o.unit_path, p.amount_fen FROM policy_payments p JOIN organisations o ON o.id = p.organisation_id WHERE p.paid_at >= ? AND p.paid_at < ?",
            span,
            |r| Ok((r.text(0)?, Measure::Fen(r.int(1)?))),
        )
        .await?
    } else {
        // an enterprise paid under several policies counts once
        db.read(
            "SELECT DISTINCT o.id, o.unit_path FROM policy_payments p JOIN organisations o ON o.id = p.organisation_id WHERE p.paid_at >= ? AND p.paid_at < ?",
            span,
            |r| Ok((r.text(1)?, Measure::Plain(1.0))),
        )
        .await?
    };
    Ok(Some(rows))
}

/// The fund's registers (see the module's head).
async fn fund_values(
    db: &Db,
    register: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Option<Vec<(String, Measure)>>> {
    let next = to + chrono::Days::new(1);
    let ms = |d: NaiveDate| db.clock.ms_of_local(d.and_time(chrono::NaiveTime::MIN));
    let days = vec![from.to_string().into(), to.to_string().into()];
    let span = vec![ms(from).into(), ms(next).into()];
    let fen = |r: &dyn crate::db::ReadRow| -> Result<(String, Measure)> {
        Ok((r.text(0)?, Measure::Fen(r.int(1)?)))
    };
    const BORROWER: &str = "JOIN organisations o ON o.id = l.borrower_id";
    let rows = match register {
        "fund_loans" => {
            let sql = format!(
                "SELECT o.unit_path, l.principal_fen FROM fund_loans l {BORROWER} WHERE l.start_date >= ? AND l.start_date <= ?"
            );
            db.read(&sql, days, fen).await?
        }
        "fund_borrowers" => {
            let sql = format!(
                "SELECT DISTINCT o.id, o.unit_path FROM fund_loans l {BORROWER} WHERE l.start_date >= ? AND l.start_date <= ?"
            );
            db.read(&sql, days, |r| Ok((r.text(1)?, Measure::Plain(1.0)))).await?
        }
        "fund_subsidies" => {
            let sql = "SELECT o.unit_path, s.amount_fen FROM fund_subsidies s JOIN organisations o ON o.id = s.borrower_id WHERE s.status = 'paid' AND s.paid_at >= ? AND s.paid_at < ?";
            db.read(sql, span, fen).await?
        }
        "fund_compensation" => {
            let paid = format!(
                "SELECT o.unit_path, c.compensation_fen FROM fund_claims c JOIN fund_loans l ON l.id = c.loan_id {BORROWER} WHERE c.status = 'paid' AND c.paid_at >= ? AND c.paid_at < ?"
            );
            let back = format!(
                "SELECT o.unit_path, -r.returned_fen FROM fund_recoveries r JOIN fund_claims c ON c.id = r.claim_id JOIN fund_loans l ON l.id = c.loan_id {BORROWER} WHERE r.recorded_at >= ? AND r.recorded_at < ?"
            );
            let mut rows = db.read(&paid, span.clone(), fen).await?;
            rows.extend(db.read(&back, span, fen).await?);
            rows
        }
        _ => return Ok(None),
    };
    Ok(Some(rows))
}
