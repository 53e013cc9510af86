//! Innovation subjects: what the platform holds of an enterprise for its self-evaluation (107-2
//! returns, certificates, credit records), the self-evaluations it saved, and the pre-check of
//! every enterprise from its returns that the cultivation pools start from.
use crate::db::{Db, Result};
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::subjects::Amount;
use innocity_core::subjects::draft::{Holdings, ReturnYear};
use std::collections::HashMap;

/// The qualification code of a 高新技术企业 certificate (as calls' eligibility names it).
pub const HIGH_TECH: &str = "high_tech";

/// The three accounting years a self-evaluation in `year` looks at (oldest first): the last
/// three completed years.
pub fn accounting_years(today: NaiveDate) -> [i32; 3] {
    use chrono::Datelike;
    let y = today.year() - 1;
    [y - 2, y - 1, y]
}

/// One cell of a 107-2 return the rules read.
struct Cell {
    organisation_id: i64,
    period: String,
    element: String,
    num: Option<f64>,
}

impl FromRow for Cell {
    const TABLE: &'static str = "stat_values v JOIN stat_returns r ON r.id = v.return_id";
    columns!("r.organisation_id", "r.period", "v.element", "v.num");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Cell {
            organisation_id: f.int()?,
            period: f.text()?,
            element: f.text()?,
            num: f.opt_real()?,
        })
    }
}

/// The 107-2 figures of the given years, per organisation (all organisations when `None`).
/// A year without a return stays empty (never zero): the rules wait for it.
pub async fn return_years(
    db: &Db,
    organisation: Option<i64>,
    years: [i32; 3],
) -> Result<HashMap<i64, [ReturnYear; 3]>> {
    let mut sql = String::from(
        "WHERE r.form = '107-2' AND r.period IN (?, ?, ?) AND v.row_no = 0 AND v.num IS NOT NULL \
         AND ((v.disagg = '' AND v.element IN ('EMPLOYEES', 'RD_STAFF', 'REVENUE', 'ASSETS', 'RD_EXP', 'PATENT_VALID_INV')) \
         OR (v.element = 'RD_EXP_OUTSRC' AND v.disagg = 'ABROAD'))",
    );
    let mut values: Vec<sea_orm::Value> = years.iter().map(|y| y.to_string().into()).collect();
    if let Some(id) = organisation {
        sql.push_str(" AND r.organisation_id = ?");
        values.push(id.into());
    }
    let mut out: HashMap<i64, [ReturnYear; 3]> = HashMap::new();
    let periods = years.map(|y| y.to_string());
    db.for_each(&select::<Cell>(&sql), values, |row| {
        let c: Cell = Fields::read(row, 0)?;
        let Some(at) = periods.iter().position(|p| *p == c.period) else { return Ok(()) };
        let entry = out.entry(c.organisation_id).or_insert_with(|| {
            periods.clone().map(|period| ReturnYear { period, ..ReturnYear::default() })
        });
        put(&mut entry[at], &c.element, c.num.unwrap_or(0.0));
        Ok(())
    })
    .await?;
    Ok(out)
}

/// One cell into its year's figures (counts as whole numbers, money from 千元 to 万元).
fn put(y: &mut ReturnYear, element: &str, num: f64) {
    let count = || {
        (num.is_finite() && num >= 0.0 && num <= f64::from(u32::MAX)).then(|| num.round() as u32)
    };
    let money = || Amount::wan_of_thousand_yuan(num);
    match element {
        "EMPLOYEES" => y.employees = count(),
        "RD_STAFF" => y.rd_staff = count(),
        "PATENT_VALID_INV" => y.valid_inventions = count(),
        "REVENUE" => y.revenue = money(),
        "ASSETS" => y.assets = money(),
        "RD_EXP" => y.rd = money(),
        "RD_EXP_OUTSRC" => y.rd_abroad = money(),
        _ => {}
    }
}

/// The empty years of an organisation without returns.
pub fn no_returns(years: [i32; 3]) -> [ReturnYear; 3] {
    years.map(|y| ReturnYear { period: y.to_string(), ..ReturnYear::default() })
}

/// What the platform holds of an organisation besides its returns, on `today`.
pub async fn holdings(
    db: &Db,
    organisation_id: i64,
    credit_code: &str,
    today: NaiveDate,
) -> Result<Holdings> {
    let day = today.format("%Y-%m-%d").to_string();
    let certificate = db
        .read(
            "SELECT code FROM organisation_qualifications WHERE organisation_id = ? AND code = ? AND valid_until >= ?",
            vec![organisation_id.into(), HIGH_TECH.into(), day.into()],
            |r| r.text(0),
        )
        .await?
        .into_iter()
        .next();
    let barred = !crate::credit::check(db, credit_code, today).await?.allowed;
    Ok(Holdings { hnte_certificate: certificate, barred, today })
}

pub mod carriers;
pub mod certificates;
pub use certificates::CertificateRefusal;

/// Appends the audit entry of a change to a subject (a pool entry, a carrier, a person, a
/// team) inside its write.
pub(crate) async fn log(
    tx: &crate::db::Tx,
    actor: crate::orgs::Actor<'_>,
    action: &'static str,
    entity: &'static str,
    id: i64,
    after: serde_json::Value,
) -> Result<()> {
    let change = crate::audit::Change {
        actor: actor.username,
        action,
        entity,
        entity_id: id.to_string(),
        before: serde_json::json!({}),
        after,
        request_id: actor.request_id,
    };
    crate::audit::append(tx, change).await.map(|_| ())
}
mod evaluations;
pub use evaluations::*;
pub mod pools;
mod precheck;
pub use precheck::*;
mod records;
pub mod registers;
pub mod talent;
pub use records::*;
