//! IP pledges (知识产权质押) securing a loan under the fund: a patent from the borrower's own
//! records (its achievements on the platform; the number's check digit verified where it is
//! read), the pledge's registration number and date, one live pledge per patent, released when
//! the loan is repaid (or compensated: the bank then disposes of it).
use super::FundRefusal;
use super::loans::{LoanStatus, of_bank_in};
use crate::db::{Db, Result, StoreError, Tx};
use crate::finance::log;
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::market::achievements::IpRight;

/// A pledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeRow {
    pub id: i64,
    pub loan_id: i64,
    pub organisation_id: i64,
    /// `ZL202010123456.2`.
    pub patent_no: String,
    /// 质押登记号.
    pub registration_no: String,
    pub registered_on: NaiveDate,
    /// active or released.
    pub status: String,
    pub released_on: Option<NaiveDate>,
}

impl FromRow for PledgeRow {
    const TABLE: &'static str = "fund_pledges";
    columns!(
        id,
        loan_id,
        organisation_id,
        patent_no,
        registration_no,
        registered_on,
        status,
        released_on
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(PledgeRow {
            id: f.int()?,
            loan_id: f.int()?,
            organisation_id: f.int()?,
            patent_no: f.text()?,
            registration_no: f.text()?,
            registered_on: f.date()?,
            status: f.text()?,
            released_on: f.opt_date()?,
        })
    }
}

/// A pledge as the bank records it (the patent number already checked and in standard form).
#[derive(Debug, Clone)]
pub struct NewPledge {
    pub loan_id: i64,
    pub patent_no: String,
    pub registration_no: String,
    pub registered_on: NaiveDate,
}

/// Whether `patent_no` is among the patents of `organisation_id`'s achievements.
async fn owns(tx: &Tx, organisation_id: i64, patent_no: &str) -> Result<bool> {
    let rows = tx
        .query_all(
            "SELECT ip FROM market_achievements WHERE organisation_id = ? AND ip LIKE ?",
            vec![organisation_id.into(), format!("%{patent_no}%").into()],
        )
        .await?;
    for r in rows {
        let ip: String = r.try_get_by_index(0)?;
        let rights: Vec<IpRight> = serde_json::from_str(&ip).unwrap_or_default();
        if rights.iter().any(|x| matches!(x, IpRight::Patent(n) if n == patent_no)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The bank records a patent pledged for its loan.
pub async fn pledge(db: &Db, bank_id: i64, n: &NewPledge, actor: Actor<'_>) -> Result<PledgeRow> {
    let registration_no = n.registration_no.trim();
    if registration_no.is_empty() || registration_no.chars().count() > 60 {
        return Err(FundRefusal::PledgeRegistration.into());
    }
    let tx = db.begin_write().await?;
    let loan = of_bank_in(&tx, bank_id, n.loan_id).await?;
    if n.registered_on > tx.clock.today() {
        return Err(FundRefusal::PledgeRegistration.into());
    }
    if !matches!(loan.status, LoanStatus::Active) {
        return Err(FundRefusal::LoanStatus { status: loan.status.code().into() }.into());
    }
    if !owns(&tx, loan.borrower_id, &n.patent_no).await? {
        return Err(FundRefusal::NotOwned { patent_no: n.patent_no.clone() }.into());
    }
    let live = tx
        .query_one(
            "SELECT loan_id FROM fund_pledges WHERE patent_no = ? AND status = 'active'",
            vec![n.patent_no.clone().into()],
        )
        .await?;
    if let Some(r) = live {
        return Err(FundRefusal::Pledged { loan_id: r.try_get_by_index(0)? }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO fund_pledges (loan_id, organisation_id, patent_no, registration_no, registered_on, status, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
            vec![
                loan.id.into(),
                loan.borrower_id.into(),
                n.patent_no.clone().into(),
                registration_no.into(),
                n.registered_on.to_string().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let after = serde_json::json!({ "loan_id": loan.id, "patent_no": n.patent_no, "registration_no": registration_no });
    log(&tx, actor, "fund.pledge", "fund_pledge", id, after).await?;
    let row = tx
        .row(&select::<PledgeRow>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

/// The bank releases a pledge once its loan is repaid.
pub async fn release(db: &Db, bank_id: i64, pledge_id: i64, actor: Actor<'_>) -> Result<PledgeRow> {
    let tx = db.begin_write().await?;
    let sql = select::<PledgeRow>("WHERE id = ?");
    let p: PledgeRow = tx.row(&sql, vec![pledge_id.into()]).await?.ok_or(StoreError::NotFound)?;
    let loan = of_bank_in(&tx, bank_id, p.loan_id).await?;
    let settled = matches!(loan.status, LoanStatus::Repaid | LoanStatus::Compensated);
    if !settled || p.status != "active" {
        return Err(FundRefusal::NotReleasable.into());
    }
    let today = tx.clock.today().to_string();
    tx.exec(
        "UPDATE fund_pledges SET status = 'released', released_on = ? WHERE id = ?",
        vec![today.clone().into(), p.id.into()],
    )
    .await?;
    log(
        &tx,
        actor,
        "fund.pledge_release",
        "fund_pledge",
        p.id,
        serde_json::json!({ "released_on": today }),
    )
    .await?;
    let row = tx.row(&sql, vec![pledge_id.into()]).await?.ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

/// A loan's pledges.
pub async fn of_loan(db: &Db, loan_id: i64) -> Result<Vec<PledgeRow>> {
    db.rows(&select::<PledgeRow>("WHERE loan_id = ? ORDER BY id"), vec![loan_id.into()]).await
}
