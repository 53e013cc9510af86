//! The 高企 pre-check of every enterprise from what the platform holds (the cultivation pools'
//! starting list): the enterprise's own latest self-evaluation of the accounting year when it
//! has one (every figure in), else its last three 107-2 returns, certificate and credit records
//! (what they cannot say left undecided); read in five queries whatever the number of
//! enterprises.
use super::{HIGH_TECH, accounting_years, no_returns, return_years};
use crate::db::{Db, Result};
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::subjects::draft::{Holdings, hnte_draft};
use innocity_core::subjects::hnte::{Check, HnteRule, Verdict};
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
    pub verdict: Verdict,
    pub checks: Vec<Check>,
    /// The self-evaluation the checks come from (else from the returns).
    pub self_evaluation: Option<i64>,
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

/// Every enterprise in an area (its subtrees' roots) pre-checked on `today`, by name.
pub async fn precheck_all(db: &Db, today: NaiveDate, roots: &[String]) -> Result<Vec<Precheck>> {
    let (area, values) = crate::orgs::under_roots("unit_path", roots);
    let enterprises: Vec<Enterprise> = db
        .rows(
            &select::<Enterprise>(&format!(
                "WHERE kind = 'enterprise' AND {area} ORDER BY name, id"
            )),
            values,
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
    let barred = crate::credit::barred_keys(db, today).await?;
    let mut own: HashMap<i64, super::Evaluation> = super::latest_hnte(db, years[2])
        .await?
        .into_iter()
        .map(|e| (e.organisation_id, e))
        .collect();
    Ok(enterprises
        .into_iter()
        .map(|e| {
            let years = returns.remove(&e.id).unwrap_or_else(|| no_returns(years));
            let holdings = Holdings {
                hnte_certificate: certified.contains(&e.id).then(|| HIGH_TECH.to_string()),
                barred: barred.contains(e.credit_code.as_str()),
                today,
            };
            let saved = own.remove(&e.id).and_then(|s| saved_checks(&s).map(|c| (s.id, c)));
            let (self_evaluation, (verdict, checks)) = match saved {
                Some((id, checks)) => (Some(id), checks),
                None => {
                    let r = hnte_draft(&years, &holdings).precheck();
                    (None, (r.verdict, r.checks))
                }
            };
            Precheck {
                organisation_id: e.id,
                name: e.name,
                credit_code: e.credit_code,
                unit_path: e.unit_path,
                certified: holdings.hnte_certificate.is_some(),
                verdict,
                checks,
                self_evaluation,
            }
        })
        .collect())
}

/// A saved self-evaluation's verdict and checks (`None` if a code is unknown: then the returns
/// are used instead).
fn saved_checks(e: &super::Evaluation) -> Option<(Verdict, Vec<Check>)> {
    let verdict = Verdict::parse(&e.verdict)?;
    let checks = e
        .outcome
        .checks
        .iter()
        .map(|c| HnteRule::parse(&c.rule).map(|rule| Check { rule, pass: c.pass }))
        .collect::<Option<Vec<_>>>()?;
    (checks.len() == HnteRule::ALL.len()).then_some((verdict, checks))
}
