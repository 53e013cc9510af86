//! The policy library as registers the indicators compute from (`Target::register`), so the S&T
//! finance figures are never typed in twice: `policy_payments`, the money paid under the
//! policies in the year (by entitlement and by application), and `policy_entitled`, the
//! enterprises paid in the year (once however many policies paid them) — each by the enterprise's unit.
use crate::db::{Db, Result};
use crate::sharing::registers::Measure;
use chrono::NaiveDate;

/// Whether a register of the policy library is money (put into the indicator's unit).
pub fn in_money(register: &str) -> bool {
    register == "policy_payments"
}

/// The records of `register` in `year` with their unit paths; `None` when the register is not
/// the policy library's.
pub async fn values(db: &Db, register: &str, year: i32) -> Result<Option<Vec<(String, Measure)>>> {
    if !matches!(register, "policy_payments" | "policy_entitled") {
        return Ok(None);
    }
    let (Some(from), Some(next)) =
        (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year + 1, 1, 1))
    else {
        return Ok(None);
    };
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
