//! The sharing platform as registers the indicators compute from (`Target::register`): for a
//! register and a year, one value per record with the unit path it counts under, so each unit's
//! value is the sum of the records below it. `shared_instruments`: instruments in the catalogue
//! (not retired) at the year's end, by the owner's unit; `shared_hours`: hours used through the
//! platform in the year, by the owner's unit; `voucher_redemptions`: innovation vouchers
//! redeemed (verified or settled) in the year, by the enterprise's unit, in money.
use crate::db::{Db, Result};
use chrono::NaiveDate;
use innocity_core::periods::Period;

/// What a register's records measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// A count or a quantity (instruments, hours).
    Plain(f64),
    /// Money in fen, put into the indicator's unit by the caller.
    Fen(i64),
}

/// Whether a register's values are money (put into the indicator's unit: 万元, 亿元).
pub fn in_money(register: &str) -> bool {
    register == "voucher_redemptions"
}

/// The records of `register` from the first of the period's year to its end (a year, or a
/// quarter's year to date) with their unit paths; `None` when the register is not the sharing
/// platform's.
pub async fn values(
    db: &Db,
    register: &str,
    period: impl Into<Period>,
) -> Result<Option<Vec<(String, Measure)>>> {
    let (from, to) = period.into().year_to_date_days();
    let next = to + chrono::Days::new(1);
    let ms = |d: NaiveDate| db.clock.ms_of_local(d.and_time(chrono::NaiveTime::MIN));
    // a running year counts to this moment
    let (from_ms, to_ms) = (ms(from), ms(next).min(db.clock.now_ms() + 1));
    let rows = match register {
        "shared_instruments" => {
            db.read(
                "SELECT o.unit_path FROM instruments i JOIN organisations o ON o.id = i.owner_id WHERE i.status <> 'retired' AND i.created_at < ?",
                vec![to_ms.into()],
                |r| Ok((r.text(0)?, Measure::Plain(1.0))),
            )
            .await?
        }
        "shared_hours" => {
            db.read(
                "SELECT o.unit_path, b.actual_end - b.actual_start FROM bookings b JOIN instruments i ON i.id = b.instrument_id JOIN organisations o ON o.id = i.owner_id WHERE b.status = 'used' AND b.actual_start >= ? AND b.actual_start < ?",
                vec![from_ms.into(), to_ms.into()],
                |r| Ok((r.text(0)?, Measure::Plain(r.int(1)?.max(0) as f64 / 3_600_000.0))),
            )
            .await?
        }
        "voucher_redemptions" => {
            db.read(
                "SELECT o.unit_path, r.amount_fen FROM voucher_redemptions r JOIN vouchers v ON v.id = r.voucher_id JOIN organisations o ON o.id = v.organisation_id WHERE r.status IN ('verified', 'settled') AND r.created_at >= ? AND r.created_at < ?",
                vec![from_ms.into(), to_ms.into()],
                |r| Ok((r.text(0)?, Measure::Fen(r.int(1)?))),
            )
            .await?
        }
        _ => return Ok(None),
    };
    Ok(Some(rows))
}
