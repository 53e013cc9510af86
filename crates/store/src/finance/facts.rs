//! The facts a policy's rule reads, for every enterprise at once (a run assesses them all): one
//! query per source the rule names, for the policy's year and the two before it. Nothing is typed
//! in again: 107-2 figures come from approved returns, flags from the certificates, contract
//! figures from the registered contracts, the credit flag from the credit records.
use crate::db::{Db, Result};
use chrono::NaiveDate;
use innocity_core::credit::Record;
use innocity_core::finance::policy::{FACTS, FactSource, Facts};
use std::collections::HashMap;

/// Years a rule may read: its own and the two before.
const YEARS: usize = 3;

/// One enterprise's facts: by fact (in `FACTS`' order) and by year (0 the policy's year, 1 the
/// year before, 2 the one before that). `None` where the platform holds nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgFacts {
    values: [[Option<f64>; YEARS]; FACTS.len()],
}

impl OrgFacts {
    /// The facts of a source the platform keeps a register of start at zero (no certificate is
    /// a 0, no contract a 0); 107-2 figures start missing (no approved return is not a zero).
    fn empty(sources: &[FactSource]) -> OrgFacts {
        let mut values = [[None; YEARS]; FACTS.len()];
        for (i, f) in FACTS.iter().enumerate() {
            if f.source != FactSource::Returns && sources.contains(&f.source) {
                values[i] = [Some(0.0); YEARS];
            }
        }
        OrgFacts { values }
    }

    /// The value of a fact in a year, to write.
    fn slot(&mut self, code: &str, back: usize) -> Option<&mut Option<f64>> {
        let i = FACTS.iter().position(|f| f.code == code)?;
        self.values.get_mut(i)?.get_mut(back)
    }

    fn set(&mut self, code: &str, back: usize, value: f64) {
        if let Some(v) = self.slot(code, back) {
            *v = Some(value);
        }
    }

    fn add(&mut self, code: &str, back: usize, value: f64) {
        if let Some(v) = self.slot(code, back) {
            *v = Some(v.unwrap_or(0.0) + value);
        }
    }
}

impl Facts for OrgFacts {
    fn fact(&self, code: &str, offset: i32) -> Option<f64> {
        let i = FACTS.iter().position(|f| f.code == code)?;
        let back = usize::try_from(-i64::from(offset)).ok()?;
        self.values.get(i)?.get(back).copied().flatten()
    }
}

/// An enterprise a run assesses.
#[derive(Debug, Clone, PartialEq)]
pub struct Enterprise {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub unit_path: String,
}

/// Every enterprise (or the one asked for), by id.
pub async fn enterprises(db: &Db, only: Option<i64>) -> Result<Vec<Enterprise>> {
    let mut sql = String::from(
        "SELECT id, name, credit_code, unit_path FROM organisations WHERE kind = 'enterprise'",
    );
    let mut values = Vec::new();
    if let Some(id) = only {
        sql.push_str(" AND id = ?");
        values.push(id.into());
    }
    sql.push_str(" ORDER BY id");
    db.read(&sql, values, |r| {
        Ok(Enterprise {
            id: r.int(0)?,
            name: r.text(1)?,
            credit_code: r.text(2)?,
            unit_path: r.text(3)?,
        })
    })
    .await
}

fn year_end(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// How many years before `year` a date or period string lies (`None` outside the three).
fn back_of(year: i32, text: &str) -> Option<usize> {
    let y: i32 = text.get(..4)?.parse().ok()?;
    usize::try_from(year - y).ok().filter(|b| *b < YEARS)
}

/// The facts of `year` and the two before for the enterprises, reading only `sources`.
pub async fn load(
    db: &Db,
    year: i32,
    sources: &[FactSource],
    enterprises: &[Enterprise],
) -> Result<HashMap<i64, OrgFacts>> {
    let mut out: HashMap<i64, OrgFacts> =
        enterprises.iter().map(|e| (e.id, OrgFacts::empty(sources))).collect();
    let only = (enterprises.len() == 1).then(|| enterprises[0].id);
    if sources.contains(&FactSource::Returns) {
        returns(db, year, only, &mut out).await?;
    }
    if sources.contains(&FactSource::Qualifications) {
        qualifications(db, year, only, &mut out).await?;
    }
    if sources.contains(&FactSource::Contracts) {
        contracts(db, year, only, &mut out).await?;
    }
    if sources.contains(&FactSource::Credit) {
        credit(db, year, enterprises, &mut out).await?;
    }
    Ok(out)
}

fn one(only: Option<i64>, column: &str, sql: &mut String, values: &mut Vec<sea_orm::Value>) {
    if let Some(id) = only {
        sql.push_str(&format!(" AND {column} = ?"));
        values.push(id.into());
    }
}

/// 107-2 figures of approved (or locked) returns; money from 千元 to 万元.
async fn returns(
    db: &Db,
    year: i32,
    only: Option<i64>,
    out: &mut HashMap<i64, OrgFacts>,
) -> Result<()> {
    let mut sql = String::from(
        "SELECT r.organisation_id, r.period, v.element, v.num FROM stat_values v JOIN stat_returns r ON r.id = v.return_id \
         WHERE r.form = '107-2' AND r.period IN (?, ?, ?) AND r.status IN ('approved', 'locked') \
         AND v.row_no = 0 AND v.disagg = '' AND v.num IS NOT NULL \
         AND v.element IN ('RD_EXP', 'REVENUE', 'EMPLOYEES', 'RD_STAFF')",
    );
    let mut values: Vec<sea_orm::Value> = (0..3).map(|b| (year - b).to_string().into()).collect();
    one(only, "r.organisation_id", &mut sql, &mut values);
    db.for_each(&sql, values, |r| {
        let org = r.int(0)?;
        let (Some(facts), Some(back)) = (out.get_mut(&org), back_of(year, &r.text_ref(1)?)) else {
            return Ok(());
        };
        let element = r.text_ref(2)?;
        let num = r.opt_real(3)?.unwrap_or(0.0);
        let value = match element.as_ref() {
            "RD_EXP" | "REVENUE" => num / 10.0,
            _ => num,
        };
        facts.set(&element, back, value);
        Ok(())
    })
    .await
}

/// 高企 and 科小 certificates: held at each year's end, and 高企 recognised in the year.
async fn qualifications(
    db: &Db,
    year: i32,
    only: Option<i64>,
    out: &mut HashMap<i64, OrgFacts>,
) -> Result<()> {
    let mut sql = String::from(
        "SELECT organisation_id, code, issued_on, valid_until FROM organisation_qualifications \
         WHERE code IN ('high_tech', 'tech_sme') AND issued_on <> ''",
    );
    let mut values = Vec::new();
    one(only, "organisation_id", &mut sql, &mut values);
    db.for_each(&sql, values, |r| {
        let Some(facts) = out.get_mut(&r.int(0)?) else { return Ok(()) };
        let code = r.text_ref(1)?;
        let (issued, until) = (r.text(2)?, r.text(3)?);
        let held = if code == crate::subjects::HIGH_TECH { "HNTE" } else { "TECH_SME" };
        for back in 0..YEARS {
            let end = year_end(year - back as i32).format("%Y-%m-%d").to_string();
            if issued <= end && until >= end {
                facts.set(held, back, 1.0);
            }
        }
        if held == "HNTE"
            && let Some(back) = back_of(year, &issued)
        {
            facts.set("HNTE_NEW", back, 1.0);
        }
        Ok(())
    })
    .await
}

/// Registered technology contracts of the registering party (the seller), by year registered.
async fn contracts(
    db: &Db,
    year: i32,
    only: Option<i64>,
    out: &mut HashMap<i64, OrgFacts>,
) -> Result<()> {
    let mut sql = String::from(
        "SELECT organisation_id, registered_on, amount_fen FROM tech_contracts \
         WHERE status = 'registered' AND registered_on >= ? AND registered_on <= ?",
    );
    let mut values: Vec<sea_orm::Value> =
        vec![format!("{}-01-01", year - 2).into(), format!("{year}-12-31").into()];
    one(only, "organisation_id", &mut sql, &mut values);
    db.for_each(&sql, values, |r| {
        let Some(facts) = out.get_mut(&r.int(0)?) else { return Ok(()) };
        let Some(back) = back_of(year, &r.text_ref(1)?) else { return Ok(()) };
        facts.add("CONTRACT_VALUE", back, r.int(2)? as f64 / 1_000_000.0);
        facts.add("CONTRACTS", back, 1.0);
        Ok(())
    })
    .await
}

/// Barred by a research-credit record at each year's end (by the organisation's credit code).
async fn credit(
    db: &Db,
    year: i32,
    enterprises: &[Enterprise],
    out: &mut HashMap<i64, OrgFacts>,
) -> Result<()> {
    let mut by_code: HashMap<String, Vec<Record>> = HashMap::new();
    for e in crate::credit::list(db).await? {
        if e.subject.kind == "organisation" {
            by_code.entry(e.subject.key).or_default().push(e.record);
        }
    }
    for e in enterprises {
        let (Some(records), Some(facts)) = (by_code.get(&e.credit_code), out.get_mut(&e.id)) else {
            continue;
        };
        for back in 0..YEARS {
            let day = year_end(year - back as i32);
            let barred = !innocity_core::credit::eligibility(records, day).allowed;
            facts.set("BAD_CREDIT", back, if barred { 1.0 } else { 0.0 });
        }
    }
    Ok(())
}
