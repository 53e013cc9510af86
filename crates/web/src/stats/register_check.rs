//! A return's 技术合同成交额 checked against the platform's own register of technology
//! contracts: the quick report (KB-Q) asks for the year-to-date turnover, which the register
//! already knows for the organisation as seller; a difference is shown as a warning to look at
//! (contracts registered elsewhere, or typed wrong), never corrected silently.
use super::ReturnCtx;
use crate::app::AppState;
use crate::error::AppResult;
use chrono::NaiveDate;
use innocity_store::stats as store;

/// The form and the cell that report technology contract turnover (千元, year to date).
const FORM: &str = "KB-Q";
const CELL: &str = "Q_TECH_CONTRACTS";

/// The register's figure beside the return's.
pub struct RegisterCheck {
    /// Contracts registered for the organisation this year up to the period's end.
    pub contracts: usize,
    /// Their 合同成交额 in 千元, as the cell is kept.
    pub registered: String,
    /// What the return says (empty when blank).
    pub reported: String,
    /// They differ by more than half a 千元.
    pub differs: bool,
}

/// The check for a quick report, or None for other forms.
pub async fn tech_contracts(
    state: &AppState,
    rc: &ReturnCtx,
    cells: &[store::Cell],
) -> AppResult<Option<RegisterCheck>> {
    if rc.form.code != FORM {
        return Ok(None);
    }
    let year = rc.period.year();
    let (_, last_month) = rc.period.months();
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let next = if last_month >= 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, u32::from(last_month) + 1, 1)
    };
    let to = next.and_then(|d| d.pred_opt()).unwrap_or(from);
    let rows =
        innocity_store::market::contracts::registered_by(&state.db, rc.org.id, from, to).await?;
    let fen: i64 = rows.iter().map(|r| r.amount.fen()).sum();
    let thousand = fen as f64 / 100_000.0;
    let reported = cells
        .iter()
        .find(|c| c.element == CELL && c.disagg.is_empty() && c.row == 0)
        .and_then(|c| c.value.num());
    Ok(Some(RegisterCheck {
        contracts: rows.len(),
        registered: format!("{thousand:.1}"),
        reported: reported.map(|v| format!("{v:.1}")).unwrap_or_default(),
        differs: reported.is_none_or(|v| (v - thousand).abs() > 0.5)
            && (fen > 0 || reported.is_some_and(|v| v != 0.0)),
    }))
}
