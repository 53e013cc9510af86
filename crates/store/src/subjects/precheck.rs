//! The 高企 pre-check of every enterprise from what the platform holds (the cultivation pools'
//! starting list): their last three 107-2 returns, certificates and credit records, read in
//! three queries whatever the number of enterprises.
use super::{HIGH_TECH, accounting_years, no_returns, return_years};
use crate::db::{Db, Result};
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::subjects::draft::{Holdings, hnte_draft};
use innocity_core::subjects::hnte::HnteResult;
use std::collections::{HashMap, HashSet};

/// One enterprise and its pre-check.
#[derive(Debug, Clone)]
pub struct Precheck {
    pub organisation_id: i64,
    pub name: String,
    pub credit_code: String,
    pub unit_path: String,
    /// Already holds a valid 高企 certificate.
    pub certified: bool,
    pub result: HnteResult,
}

struct Enterprise {
    id: i64,
    name: String,
    credit_code: String,
    unit_path: String,
}

impl FromRow for Enterprise {
    const TABLE: &'static str = "organisations";
    columns!(id, name, credit_code, unit_path);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Enterprise {
            id: f.int()?,
            name: f.text()?,
            credit_code: f.text()?,
            unit_path: f.text()?,
        })
    }
}

/// Every enterprise under `unit_path` (all when empty) pre-checked on `today`, by name.
pub async fn precheck_all(db: &Db, today: NaiveDate, unit_path: &str) -> Result<Vec<Precheck>> {
    let enterprises: Vec<Enterprise> = db
        .rows(
            &select::<Enterprise>(
                "WHERE kind = 'enterprise' AND unit_path LIKE ? ORDER BY name, id",
            ),
            vec![format!("{unit_path}%").into()],
        )
        .await?;
    let years = accounting_years(today);
    let mut returns = return_years(db, None, years).await?;
    let day = today.format("%Y-%m-%d").to_string();
    let certified: HashSet<i64> = db
        .read(
            "SELECT organisation_id FROM organisation_qualifications WHERE code = ? AND valid_until >= ?",
            vec![HIGH_TECH.into(), day.into()],
            |r| r.int(0),
        )
        .await?
        .into_iter()
        .collect();
    let barred = barred_keys(db, today).await?;
    Ok(enterprises
        .into_iter()
        .map(|e| {
            let years = returns.remove(&e.id).unwrap_or_else(|| no_returns(years));
            let holdings = Holdings {
                hnte_certificate: certified.contains(&e.id).then(|| HIGH_TECH.to_string()),
                barred: barred.contains(e.credit_code.as_str()),
                today,
            };
            let result = hnte_draft(&years, &holdings).precheck();
            Precheck {
                organisation_id: e.id,
                name: e.name,
                credit_code: e.credit_code,
                unit_path: e.unit_path,
                certified: holdings.hnte_certificate.is_some(),
                result,
            }
        })
        .collect())
}

/// The credit codes a credit record bars on `today`.
async fn barred_keys(db: &Db, today: NaiveDate) -> Result<HashSet<String>> {
    let mut by_key: HashMap<String, Vec<innocity_core::credit::Record>> = HashMap::new();
    for entry in crate::credit::list(db).await? {
        by_key.entry(entry.subject.key).or_default().push(entry.record);
    }
    Ok(by_key
        .into_iter()
        .filter(|(_, records)| !innocity_core::credit::eligibility(records, today).allowed)
        .map(|(key, _)| key)
        .collect())
}
