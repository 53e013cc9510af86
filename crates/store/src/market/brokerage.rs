//! Technology brokerage records: a broker's matches between a listed achievement and a buyer,
//! their dated steps, and the registered contract a signing names.
use super::MarketRefusal;
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::market::brokerage::{Stage, Step};

/// A brokerage with what it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Brokerage {
    pub id: i64,
    pub broker_organisation_id: i64,
    pub broker: String,
    pub achievement_id: i64,
    pub achievement: String,
    pub owner: String,
    pub buyer_name: String,
    pub stage: String,
    pub contract_id: Option<i64>,
    pub registration_no: Option<String>,
    pub version: i64,
}

impl FromRow for Brokerage {
    const TABLE: &'static str = "market_brokerages";
    const FROM: &'static str = "market_brokerages b JOIN organisations bo ON bo.id = b.broker_organisation_id JOIN market_achievements m ON m.id = b.achievement_id JOIN organisations o ON o.id = m.organisation_id LEFT JOIN tech_contracts c ON c.id = b.contract_id";
    columns!(
        "b.id",
        "b.broker_organisation_id",
        "bo.name",
        "b.achievement_id",
        "m.title",
        "o.name",
        "b.buyer_name",
        "b.stage",
        "b.contract_id",
        "c.registration_no",
        "b.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Brokerage {
            id: f.int()?,
            broker_organisation_id: f.int()?,
            broker: f.text()?,
            achievement_id: f.int()?,
            achievement: f.text()?,
            owner: f.text()?,
            buyer_name: f.text()?,
            stage: f.text()?,
            contract_id: f.opt_int()?,
            registration_no: f.opt_text()?,
            version: f.int()?,
        })
    }
}

/// A recorded step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub on: NaiveDate,
    pub kind: String,
    pub note: String,
    pub created_by: String,
}

impl FromRow for StepRow {
    const TABLE: &'static str = "market_brokerage_steps";
    columns!(on_date, kind, note, created_by);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(StepRow { on: f.date()?, kind: f.text()?, note: f.text()?, created_by: f.text()? })
    }
}

/// The achievement's state (a brokerage starts only on a listed one).
struct Listed(String);

impl FromRow for Listed {
    const TABLE: &'static str = "market_achievements";
    columns!(status);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Listed(f.text()?))
    }
}

/// Who brokers: the broker's organisation and account.
#[derive(Debug, Clone, Copy)]
pub struct Broker {
    pub organisation_id: i64,
    pub user_id: i64,
}

/// Starts brokering a listed achievement for a buyer.
pub async fn open(
    db: &Db,
    broker: Broker,
    achievement_id: i64,
    buyer_name: &str,
    actor: Actor<'_>,
) -> Result<i64> {
    let buyer = buyer_name.trim();
    if buyer.is_empty() {
        return Err(StoreError::Market(MarketRefusal::Buyer));
    }
    let tx = db.begin_write().await?;
    let Listed(status) = tx
        .row(&select::<Listed>("WHERE id = ?"), vec![achievement_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if status != super::LISTED {
        return Err(StoreError::Market(MarketRefusal::NotListed));
    }
    let now = tx.clock.now_ms();
    let id = tx
        .insert(
            "INSERT INTO market_brokerages (broker_organisation_id, broker_user_id, achievement_id, buyer_name, stage, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![broker.organisation_id.into(), broker.user_id.into(), achievement_id.into(), buyer.into(), Stage::Open.code().into(), now.into(), now.into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "market.brokerage.open",
            entity: "market_brokerage",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "achievement": achievement_id, "buyer": buyer }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The registered contract a signing names, by its number.
struct Numbered {
    id: i64,
    status: String,
}

impl FromRow for Numbered {
    const TABLE: &'static str = "tech_contracts";
    columns!(id, status);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Numbered { id: f.int()?, status: f.text()? })
    }
}

/// Records a step on an open brokerage read at `version`; a signing must name a registered
/// contract's number.
pub async fn add_step(
    db: &Db,
    id: i64,
    version: i64,
    step: &Step,
    actor: Actor<'_>,
) -> Result<Stage> {
    let tx = db.begin_write().await?;
    let b: Brokerage = tx
        .row(&select::<Brokerage>("WHERE b.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if b.version != version {
        return Err(StoreError::Stale);
    }
    if b.stage != Stage::Open.code() {
        return Err(StoreError::Market(MarketRefusal::BrokerageClosed));
    }
    let contract = match &step.registration_no {
        None => None,
        Some(no) => {
            let c: Option<Numbered> = tx
                .row(&select::<Numbered>("WHERE registration_no = ?"), vec![no.clone().into()])
                .await?;
            match c {
                Some(c) if c.status == "registered" => Some(c.id),
                _ => {
                    return Err(StoreError::Market(MarketRefusal::UnknownContract {
                        number: no.clone(),
                    }));
                }
            }
        }
    };
    let now = tx.clock.now_ms();
    tx.insert(
        "INSERT INTO market_brokerage_steps (brokerage_id, on_date, kind, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        vec![id.into(), step.on.to_string().into(), step.kind.into(), step.note.clone().into(), actor.username.into(), now.into()],
    )
    .await?;
    let stage = step.stage();
    tx.exec(
        "UPDATE market_brokerages SET stage = ?, contract_id = COALESCE(?, contract_id), updated_at = ?, version = version + 1 WHERE id = ?",
        vec![stage.code().into(), contract.into(), now.into(), id.into()],
    )
    .await?;
    audit::append(&tx, Change { actor: actor.username, action: "market.brokerage.step", entity: "market_brokerage", entity_id: id.to_string(), before: serde_json::json!({ "stage": b.stage }), after: serde_json::json!({ "stage": stage.code(), "kind": step.kind, "on": step.on.to_string(), "contract": contract }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(stage)
}

pub async fn brokerage(db: &Db, id: i64) -> Result<Option<Brokerage>> {
    db.row(&select::<Brokerage>("WHERE b.id = ?"), vec![id.into()]).await
}

/// A brokerage's steps, in date order.
pub async fn steps(db: &Db, id: i64) -> Result<Vec<StepRow>> {
    db.rows(&select::<StepRow>("WHERE brokerage_id = ? ORDER BY on_date, id"), vec![id.into()])
        .await
}

/// A broker organisation's brokerages, newest first.
pub async fn of_broker(db: &Db, organisation_id: i64) -> Result<Vec<Brokerage>> {
    db.rows(
        &select::<Brokerage>("WHERE b.broker_organisation_id = ? ORDER BY b.id DESC"),
        vec![organisation_id.into()],
    )
    .await
}
