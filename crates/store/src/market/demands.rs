//! Technical demands (技术需求) enterprises publish: open until their deadline or until closed.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::market::demands::DemandDraft;
use innocity_core::projects::money::Money;

pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";

#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub unit_path: String,
    pub title: String,
    pub description: String,
    pub requirements: String,
    pub discipline: String,
    pub budget: Option<Money>,
    pub deadline: NaiveDate,
    pub status: String,
    pub version: i64,
}

impl FromRow for Demand {
    const TABLE: &'static str = "market_demands";
    const FROM: &'static str = "market_demands d JOIN organisations o ON o.id = d.organisation_id";
    columns!(
        "d.id",
        "d.organisation_id",
        "o.name",
        "o.unit_path",
        "d.title",
        "d.description",
        "d.requirements",
        "d.discipline",
        "d.budget_fen",
        "d.deadline",
        "d.status",
        "d.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Demand {
            id: f.int()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            unit_path: f.text()?,
            title: f.text()?,
            description: f.text()?,
            requirements: f.text()?,
            discipline: f.text()?,
            budget: f.opt_int()?.map(Money),
            deadline: f.date()?,
            status: f.text()?,
            version: f.int()?,
        })
    }
}

impl Demand {
    /// Whether it is still open on `day`.
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.status == OPEN && self.deadline >= day
    }
}

/// Publishes an organisation's demand.
pub async fn publish(
    db: &Db,
    organisation_id: i64,
    d: &DemandDraft,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let now = tx.clock.now_ms();
    let id = tx
        .insert(
            "INSERT INTO market_demands (organisation_id, title, description, requirements, discipline, budget_fen, deadline, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![organisation_id.into(), d.title.clone().into(), d.description.clone().into(), d.requirements.clone().into(), d.discipline.clone().into(), d.budget.map(|m| m.fen()).into(), d.deadline.to_string().into(), OPEN.into(), now.into(), now.into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "market.demand.publish",
            entity: "market_demand",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::to_value(d).unwrap_or_default(),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Closes a demand (solved, or no longer wanted) read at `version`.
pub async fn close(db: &Db, id: i64, version: i64, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE market_demands SET status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ? AND status = ?",
            vec![CLOSED.into(), tx.clock.now_ms().into(), id.into(), version.into(), OPEN.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "market.demand.close",
            entity: "market_demand",
            entity_id: id.to_string(),
            before: serde_json::json!({ "status": OPEN }),
            after: serde_json::json!({ "status": CLOSED }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await
}

pub async fn demand(db: &Db, id: i64) -> Result<Option<Demand>> {
    db.row(&select::<Demand>("WHERE d.id = ?"), vec![id.into()]).await
}

/// Demands open on `day`, the nearest deadline first.
pub async fn open(db: &Db, day: NaiveDate) -> Result<Vec<Demand>> {
    db.rows(
        &select::<Demand>(
            "WHERE d.status = ? AND d.deadline >= ? ORDER BY d.deadline, d.id LIMIT 2000",
        ),
        vec![OPEN.into(), day.to_string().into()],
    )
    .await
}

/// An organisation's demands, newest first.
pub async fn of_organisation(db: &Db, organisation_id: i64) -> Result<Vec<Demand>> {
    db.rows(
        &select::<Demand>("WHERE d.organisation_id = ? ORDER BY d.id DESC"),
        vec![organisation_id.into()],
    )
    .await
}
