//! The fund's report: per bank, what was lent under its agreement and what is outstanding, the
//! compensation approved or paid, and leverage (放大倍数: loans per yuan of the fund's capital).
use super::agreements;
use super::ledger;
use crate::db::{Db, Result, StoreError};
use innocity_core::finance::fund::{Balances, leverage};
use innocity_core::projects::money::Money;

/// One bank's line.
#[derive(Debug, Clone, PartialEq)]
pub struct BankLine {
    pub bank_id: i64,
    pub bank: String,
    pub loss_share_pct: u8,
    pub loans: i64,
    pub lent: Money,
    pub outstanding: Money,
    pub quota: Money,
    pub compensated: Money,
    pub compensation_cap: Money,
    pub claims: i64,
    /// Loans under the agreement per yuan of the fund's capital.
    pub leverage: Option<f64>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub fund_id: i64,
    pub balances: Balances,
    pub banks: Vec<BankLine>,
    pub lent: Money,
    pub leverage: Option<f64>,
    /// The ledger replayed from nothing arrives where the fund stands.
    pub replay: ledger::Replay,
}

pub async fn report(db: &Db, fund_id: i64) -> Result<Report> {
    let fund = ledger::get(db, fund_id).await?.ok_or(StoreError::NotFound)?;
    let counts = db
        .query_all(
            "SELECT l.bank_id, COUNT(*), (SELECT COUNT(*) FROM fund_claims c WHERE c.fund_id = ? AND c.bank_id = l.bank_id AND c.status <> 'rejected') FROM fund_loans l WHERE l.fund_id = ? GROUP BY l.bank_id",
            vec![fund_id.into(), fund_id.into()],
        )
        .await?;
    let mut by_bank = std::collections::HashMap::new();
    for r in counts {
        let (bank, loans, claims): (i64, i64, i64) =
            (r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?);
        by_bank.insert(bank, (loans, claims));
    }
    let capital = fund.balances.capital;
    let mut lent = Money::ZERO;
    let banks = agreements::list(db, fund_id)
        .await?
        .into_iter()
        .map(|a| {
            let (loans, claims) = by_bank.get(&a.bank_id).copied().unwrap_or_default();
            lent = lent.checked_add(a.lent).unwrap_or(Money::MAX);
            BankLine {
                bank_id: a.bank_id,
                bank: a.bank,
                loss_share_pct: a.terms.loss_share_pct,
                loans,
                lent: a.lent,
                outstanding: a.outstanding,
                quota: a.terms.bank_quota,
                compensated: a.compensated,
                compensation_cap: a.terms.compensation_cap,
                claims,
                leverage: leverage(a.lent, capital),
            }
        })
        .collect();
    Ok(Report {
        fund_id,
        balances: fund.balances,
        banks,
        lent,
        leverage: leverage(lent, capital),
        replay: ledger::replay(db, fund_id).await?,
    })
}
