//! Enterprises' financing demands: published, read, closed.
use super::{CLOSED, FinancingRefusal, OPEN};
use crate::db::{Db, Result, StoreError};
use crate::finance::log;
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::finance::financing::{DemandDraft, Need, NeedKind};
use innocity_core::projects::money::Money;

#[derive(Debug, Clone, PartialEq)]
pub struct DemandRow {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub unit_path: String,
    pub kind: NeedKind,
    pub amount: Money,
    pub term_months: Option<u32>,
    pub purpose: String,
    pub collateral: String,
    pub valid_until: NaiveDate,
    pub status: String,
    pub created_at: i64,
    pub version: i64,
}

impl FromRow for DemandRow {
    const TABLE: &'static str = "financing_demands";
    const FROM: &'static str =
        "financing_demands d JOIN organisations o ON o.id = d.organisation_id";
    columns!(
        "d.id",
        "d.organisation_id",
        "o.name",
        "o.unit_path",
        "d.kind",
        "d.amount_fen",
        "d.term_months",
        "d.purpose",
        "d.collateral",
        "d.valid_until",
        "d.status",
        "d.created_at",
        "d.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(DemandRow {
            id: f.int()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            unit_path: f.text()?,
            kind: NeedKind::parse(&f.text()?)
                .ok_or_else(|| StoreError::Invalid("financing demand kind".into()))?,
            amount: Money(f.int()?),
            term_months: f.opt_int()?.and_then(|n| u32::try_from(n).ok()),
            purpose: f.text()?,
            collateral: f.text()?,
            valid_until: f.date()?,
            status: f.text()?,
            created_at: f.int()?,
            version: f.int()?,
        })
    }
}

impl DemandRow {
    /// Whether it is open on `day`.
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.status == OPEN && self.valid_until >= day
    }
    pub fn need(&self) -> Need {
        Need { kind: self.kind, amount: self.amount, term_months: self.term_months }
    }
}

/// Publishes an enterprise's demand.
pub async fn publish(
    db: &Db,
    organisation_id: i64,
    d: &DemandDraft,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let kind = tx
        .query_one("SELECT kind FROM organisations WHERE id = ?", vec![organisation_id.into()])
        .await?
        .map(|r| r.try_get_by_index::<String>(0))
        .transpose()?;
    if kind.as_deref() != Some("enterprise") {
        return Err(FinancingRefusal::NotEnterprise.into());
    }
    let id = tx
        .insert(
            "INSERT INTO financing_demands (organisation_id, kind, amount_fen, term_months, purpose, collateral, valid_until, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                organisation_id.into(),
                d.kind.code().into(),
                d.amount.fen().into(),
                d.term_months.map(i64::from).into(),
                d.purpose.clone().into(),
                d.collateral.clone().into(),
                d.valid_until.to_string().into(),
                OPEN.into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let after = serde_json::to_value(d).unwrap_or_default();
    log(&tx, actor, "financing.demand.publish", "financing_demand", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// Closes a demand (met, or no longer wanted) read at `version`.
pub async fn close(db: &Db, id: i64, version: i64, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE financing_demands SET status = ?, version = version + 1 WHERE id = ? AND version = ? AND status = ?",
            vec![CLOSED.into(), id.into(), version.into(), OPEN.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    // The follow-ups still under way end with it: withdrawn by the enterprise, on their timeline.
    let now = tx.clock.now_ms();
    let live = tx
        .query_all(
            "SELECT id FROM financing_followups WHERE demand_id = ? AND stage NOT IN ('approved', 'declined', 'withdrawn')",
            vec![id.into()],
        )
        .await?;
    let mut withdrawn = Vec::new();
    for r in live {
        let f: i64 = r.try_get_by_index(0)?;
        tx.exec(
            "UPDATE financing_followups SET stage = 'withdrawn', updated_at = ? WHERE id = ?",
            vec![now.into(), f.into()],
        )
        .await?;
        tx.insert(
            "INSERT INTO financing_steps (followup_id, stage, side, note, approved_fen, taken_by, taken_at) VALUES (?, 'withdrawn', 'enterprise', ?, NULL, ?, ?)",
            vec![f.into(), WITHDRAWN_ON_CLOSE.into(), actor.username.into(), now.into()],
        )
        .await?;
        withdrawn.push(f);
    }
    let after = serde_json::json!({ "status": CLOSED, "withdrawn_followups": withdrawn });
    log(&tx, actor, "financing.demand.close", "financing_demand", id, after).await?;
    tx.commit().await
}

/// The note on a follow-up withdrawn because its demand was closed.
pub const WITHDRAWN_ON_CLOSE: &str = "企业已关闭该融资需求，对接随之撤回";

pub async fn get(db: &Db, id: i64) -> Result<Option<DemandRow>> {
    db.row(&select::<DemandRow>("WHERE d.id = ?"), vec![id.into()]).await
}

/// An enterprise's demands, newest first.
pub async fn of_organisation(db: &Db, organisation_id: i64) -> Result<Vec<DemandRow>> {
    db.rows(
        &select::<DemandRow>("WHERE d.organisation_id = ? ORDER BY d.id DESC"),
        vec![organisation_id.into()],
    )
    .await
}

/// Demands open on `day`, the newest first (at most 2,000).
pub async fn open(db: &Db, day: NaiveDate) -> Result<Vec<DemandRow>> {
    db.rows(
        &select::<DemandRow>(
            "WHERE d.status = ? AND d.valid_until >= ? ORDER BY d.id DESC LIMIT 2000",
        ),
        vec![OPEN.into(), day.to_string().into()],
    )
    .await
}
