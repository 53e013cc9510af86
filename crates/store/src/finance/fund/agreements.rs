//! The banks' cooperation agreements with a fund (the share of a loss it covers, the caps, the
//! longest term and highest rate) and the fund's white list of eligible borrowers, built from
//! the qualifications and credit records the platform holds.
use super::FundRefusal;
use super::ledger::get_in;
use crate::db::{Db, Result, Tx};
use crate::finance::log;
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::finance::fund::Terms;
use innocity_core::projects::money::Money;
use std::collections::BTreeMap;

/// An agreement with the bank's running totals under it.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementRow {
    pub id: i64,
    pub fund_id: i64,
    pub bank_id: i64,
    pub bank: String,
    pub terms: Terms,
    /// Principal outstanding on the bank's active loans.
    pub outstanding: Money,
    /// Principal of every loan recorded under the agreement.
    pub lent: Money,
    /// Compensation approved or paid to the bank.
    pub compensated: Money,
    pub signed_at: i64,
}

impl FromRow for AgreementRow {
    const TABLE: &'static str = "loan_agreements";
    const FROM: &'static str = "loan_agreements a JOIN organisations o ON o.id = a.bank_id";
    columns!(
        "a.id",
        "a.fund_id",
        "a.bank_id",
        "o.name",
        "a.loss_share_pct",
        "a.loan_cap_fen",
        "a.bank_quota_fen",
        "a.compensation_cap_fen",
        "a.max_term_months",
        "a.max_rate_bp",
        "a.valid_from",
        "a.valid_to",
        "a.outstanding_fen",
        "a.lent_fen",
        "a.compensated_fen",
        "a.signed_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let head = (f.int()?, f.int()?, f.int()?, f.text()?);
        let terms = Terms {
            loss_share_pct: f.int_as()?,
            loan_cap: Money(f.int()?),
            bank_quota: Money(f.int()?),
            compensation_cap: Money(f.int()?),
            max_term_months: f.int_as()?,
            max_rate_bp: f.int_as()?,
            valid_from: f.date()?,
            valid_to: f.date()?,
        };
        Ok(AgreementRow {
            id: head.0,
            fund_id: head.1,
            bank_id: head.2,
            bank: head.3,
            terms,
            outstanding: Money(f.int()?),
            lent: Money(f.int()?),
            compensated: Money(f.int()?),
            signed_at: f.int()?,
        })
    }
}

/// The bureau signs an agreement with a financial institution.
pub async fn sign(
    db: &Db,
    fund_id: i64,
    bank_id: i64,
    terms: &Terms,
    actor: Actor<'_>,
) -> Result<i64> {
    terms.check().map_err(FundRefusal::Terms)?;
    let tx = db.begin_write().await?;
    get_in(&tx, fund_id).await?;
    let kind = tx
        .query_one("SELECT kind FROM organisations WHERE id = ?", vec![bank_id.into()])
        .await?
        .map(|r| r.try_get_by_index::<String>(0))
        .transpose()?;
    if kind.as_deref() != Some("financial") {
        return Err(FundRefusal::NotFinancial.into());
    }
    if of_bank(&tx, fund_id, bank_id).await?.is_some() {
        return Err(FundRefusal::AgreementExists.into());
    }
    let id = tx
        .insert(
            "INSERT INTO loan_agreements (fund_id, bank_id, loss_share_pct, loan_cap_fen, bank_quota_fen, compensation_cap_fen, max_term_months, max_rate_bp, valid_from, valid_to, signed_by, signed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                fund_id.into(),
                bank_id.into(),
                i64::from(terms.loss_share_pct).into(),
                terms.loan_cap.fen().into(),
                terms.bank_quota.fen().into(),
                terms.compensation_cap.fen().into(),
                i64::from(terms.max_term_months).into(),
                i64::from(terms.max_rate_bp).into(),
                terms.valid_from.to_string().into(),
                terms.valid_to.to_string().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let after = serde_json::json!({ "bank_id": bank_id, "terms": terms });
    log(&tx, actor, "fund.agreement_sign", "loan_fund", fund_id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// A fund's agreements, by bank.
pub async fn list(db: &Db, fund_id: i64) -> Result<Vec<AgreementRow>> {
    db.rows(&select::<AgreementRow>("WHERE a.fund_id = ? ORDER BY a.id"), vec![fund_id.into()])
        .await
}

/// Every agreement a bank has, with any fund.
pub async fn of_bank_all(db: &Db, bank_id: i64) -> Result<Vec<AgreementRow>> {
    db.rows(&select::<AgreementRow>("WHERE a.bank_id = ? ORDER BY a.id"), vec![bank_id.into()])
        .await
}

pub(crate) async fn of_bank(tx: &Tx, fund_id: i64, bank_id: i64) -> Result<Option<AgreementRow>> {
    let sql = select::<AgreementRow>("WHERE a.fund_id = ? AND a.bank_id = ?");
    tx.row(&sql, vec![fund_id.into(), bank_id.into()]).await
}

/// An enterprise on the white list and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub organisation_id: i64,
    pub name: String,
    pub credit_code: String,
    /// The certificates that qualify it: `high_tech`, `tech_sme` (comma-separated).
    pub basis: String,
}

impl FromRow for Listed {
    const TABLE: &'static str = "fund_white_list";
    const FROM: &'static str = "fund_white_list w JOIN organisations o ON o.id = w.organisation_id";
    columns!("w.organisation_id", "o.name", "o.credit_code", "w.basis");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Listed {
            organisation_id: f.int()?,
            name: f.text()?,
            credit_code: f.text()?,
            basis: f.text()?,
        })
    }
}

pub async fn white_list(db: &Db, fund_id: i64) -> Result<Vec<Listed>> {
    let sql = select::<Listed>("WHERE w.fund_id = ? ORDER BY w.organisation_id");
    db.rows(&sql, vec![fund_id.into()]).await
}

/// What building the white list changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rebuilt {
    pub listed: usize,
    pub added: usize,
    pub removed: usize,
}

/// Builds the white list as of today: every enterprise holding a valid 高企 or 科小 certificate
/// and not barred by a research-credit record. Enterprises no longer eligible leave it; their
/// loans already made stay.
pub async fn rebuild_white_list(db: &Db, fund_id: i64, actor: Actor<'_>) -> Result<Rebuilt> {
    let tx = db.begin_write().await?;
    get_in(&tx, fund_id).await?;
    let today = tx.clock.today();
    let eligible = eligible_on(&tx, today).await?;
    let before: Vec<Listed> =
        tx.rows(&select::<Listed>("WHERE w.fund_id = ?"), vec![fund_id.into()]).await?;
    let mut removed = 0;
    for l in &before {
        if !eligible.contains_key(&l.organisation_id) {
            tx.exec(
                "DELETE FROM fund_white_list WHERE fund_id = ? AND organisation_id = ?",
                vec![fund_id.into(), l.organisation_id.into()],
            )
            .await?;
            removed += 1;
        }
    }
    let now = tx.clock.now_ms();
    let mut added = 0;
    for (org, basis) in &eligible {
        match before.iter().find(|l| l.organisation_id == *org) {
            Some(l) if l.basis == *basis => continue,
            Some(_) => {
                tx.exec(
                    "UPDATE fund_white_list SET basis = ? WHERE fund_id = ? AND organisation_id = ?",
                    vec![basis.clone().into(), fund_id.into(), (*org).into()],
                )
                .await?;
            }
            None => {
                tx.exec(
                    "INSERT INTO fund_white_list (fund_id, organisation_id, basis, added_by, added_at) VALUES (?, ?, ?, ?, ?)",
                    vec![fund_id.into(), (*org).into(), basis.clone().into(), actor.username.into(), now.into()],
                )
                .await?;
                added += 1;
            }
        }
    }
    let r = Rebuilt { listed: eligible.len(), added, removed };
    let after = serde_json::json!({ "listed": r.listed, "added": added, "removed": removed });
    log(&tx, actor, "fund.white_list", "loan_fund", fund_id, after).await?;
    tx.commit().await?;
    Ok(r)
}

/// Enterprises with a valid 高企 or 科小 certificate on `day` and no credit record barring them
/// then, with the certificates that qualify them.
async fn eligible_on(tx: &Tx, day: NaiveDate) -> Result<BTreeMap<i64, String>> {
    let day_text = day.to_string();
    let rows = tx
        .query_all(
            "SELECT q.organisation_id, q.code, o.credit_code FROM organisation_qualifications q JOIN organisations o ON o.id = q.organisation_id \
             WHERE o.kind = 'enterprise' AND q.code IN ('high_tech', 'tech_sme') AND q.issued_on <> '' AND q.issued_on <= ? AND q.valid_until >= ? \
             ORDER BY q.organisation_id, q.code",
            vec![day_text.clone().into(), day_text.into()],
        )
        .await?;
    let mut out: BTreeMap<i64, (String, String)> = BTreeMap::new();
    for r in rows {
        let (org, code, credit_code): (i64, String, String) =
            (r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?);
        let e = out.entry(org).or_insert_with(|| (String::new(), credit_code));
        if !e.0.split(',').any(|c| c == code) {
            e.0 = if e.0.is_empty() { code } else { format!("{},{code}", e.0) };
        }
    }
    let barred = barred_codes(tx, day).await?;
    Ok(out
        .into_iter()
        .filter(|(_, (_, credit_code))| !barred.contains(credit_code))
        .map(|(org, (basis, _))| (org, basis))
        .collect())
}

/// Credit codes of organisations a research-credit record bars on `day`.
async fn barred_codes(tx: &Tx, day: NaiveDate) -> Result<std::collections::HashSet<String>> {
    let mut by_code: std::collections::HashMap<String, Vec<innocity_core::credit::Record>> =
        std::collections::HashMap::new();
    let sql = select::<crate::credit::Entry>("WHERE subject_kind = 'organisation'");
    for e in tx.rows::<crate::credit::Entry>(&sql, vec![]).await? {
        by_code.entry(e.subject.key).or_default().push(e.record);
    }
    Ok(by_code
        .into_iter()
        .filter(|(_, records)| !innocity_core::credit::eligibility(records, day).allowed)
        .map(|(code, _)| code)
        .collect())
}

/// Whether `organisation_id` is on the fund's white list.
pub(crate) async fn is_listed(tx: &Tx, fund_id: i64, organisation_id: i64) -> Result<bool> {
    let row = tx
        .query_one(
            "SELECT 1 FROM fund_white_list WHERE fund_id = ? AND organisation_id = ?",
            vec![fund_id.into(), organisation_id.into()],
        )
        .await?;
    Ok(row.is_some())
}
