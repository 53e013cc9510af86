//! Financing demands and products (融资需求与金融产品): enterprises' needs, the products banks,
//! guarantors and investors offer, matching both ways with the reasons, and the institutions'
//! follow-up on a demand, step by step, that both sides see.
use crate::db::{Db, Result};
use chrono::NaiveDate;
use innocity_core::finance::financing::{Stage, Standing, StepError};
use std::collections::{HashMap, HashSet};

pub mod demands;
pub mod followups;
pub mod products;

pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";

/// Why a demand, a product or a step is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum FinancingRefusal {
    /// A demand from an organisation that is no enterprise.
    NotEnterprise,
    /// A product from an organisation that is no financial institution.
    NotInstitution,
    /// The demand is closed or past its last day.
    DemandClosed,
    /// The product is withdrawn or past its last day.
    ProductClosed,
    /// The product does not answer this kind of need (the product's kind).
    KindMismatch { product: String },
    /// The step may not follow where the follow-up stands.
    Step(StepError),
    /// An approval of more than the demand asks.
    OverAsked,
    /// An approval of more than the product lends (its largest amount).
    OverProduct { max: innocity_core::projects::money::Money },
    /// What the follow-up stands at has changed since it was read (its stage now).
    Moved { stage: Option<Stage> },
}

impl From<FinancingRefusal> for crate::StoreError {
    fn from(r: FinancingRefusal) -> Self {
        crate::StoreError::Finance(super::FinanceRefusal::Financing(r))
    }
}

/// What the platform knows of each enterprise on `day` that a product may ask for: valid 高企
/// and 科小 certificates, a place on a risk-compensation fund's white list, no barring credit
/// record. Read once for all (a page lists many).
pub async fn standings(db: &Db, day: NaiveDate) -> Result<HashMap<i64, Standing>> {
    let day_text = day.to_string();
    let rows = db
        .query_all(
            "SELECT o.id, o.credit_code, q.code FROM organisations o LEFT JOIN organisation_qualifications q ON q.organisation_id = o.id \
             AND q.code IN ('high_tech', 'tech_sme') AND q.issued_on <> '' AND q.issued_on <= ? AND q.valid_until >= ? \
             WHERE o.kind = 'enterprise'",
            vec![day_text.clone().into(), day_text.into()],
        )
        .await?;
    let listed: HashSet<i64> = db
        .query_all("SELECT DISTINCT organisation_id FROM fund_white_list", vec![])
        .await?
        .into_iter()
        .map(|r| r.try_get_by_index::<i64>(0))
        .collect::<std::result::Result<_, _>>()?;
    let barred = crate::credit::barred_keys(db, day).await?;
    let mut out: HashMap<i64, Standing> = HashMap::new();
    for r in rows {
        let id: i64 = r.try_get_by_index(0)?;
        let credit_code: String = r.try_get_by_index(1)?;
        let code: Option<String> = r.try_get_by_index(2)?;
        let s = out.entry(id).or_insert_with(|| Standing {
            white_list: listed.contains(&id),
            clean_credit: !barred.contains(&credit_code),
            ..Standing::default()
        });
        match code.as_deref() {
            Some("high_tech") => s.high_tech = true,
            Some("tech_sme") => s.tech_sme = true,
            _ => {}
        }
    }
    Ok(out)
}
