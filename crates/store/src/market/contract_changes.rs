//! Changes (变更登记) and objections (异议) of registered technology contracts, each a record of
//! its own: the registrant asks to change a registered contract's terms (the parties stay; other
//! parties make another contract) and the office accepts — the registration takes the new terms,
//! the old ones kept on the record — or rejects it; the office records an objection against a
//! registration and upholds it — the registration is cancelled and leaves the totals — or
//! dismisses it. One waits at a time.
use super::MarketRefusal;
use super::contracts::Contract;
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::market::contracts::{ContractDraft, Cost, Payment, Status};
use serde::{Deserialize, Serialize};

pub const CHANGE: &str = "change";
pub const OBJECTION: &str = "objection";
pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
pub const REJECTED: &str = "rejected";

/// The terms a change replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub title: String,
    pub subject: String,
    pub ip: String,
    pub buyer_region: String,
    pub signed_on: NaiveDate,
    pub amount_fen: i64,
    pub transaction_fen: i64,
    pub costs: Vec<Cost>,
    pub payments: Vec<Payment>,
    pub electronic: bool,
}

impl Terms {
    pub fn of_draft(d: &ContractDraft) -> Terms {
        Terms {
            title: d.title.clone(),
            subject: d.subject.clone(),
            ip: d.ip.clone(),
            buyer_region: d.buyer_region.clone(),
            signed_on: d.signed_on,
            amount_fen: d.amount.fen(),
            transaction_fen: d.transaction().fen(),
            costs: d.costs.clone(),
            payments: d.payments.clone(),
            electronic: d.electronic,
        }
    }
    pub fn of_contract(c: &Contract) -> Terms {
        Terms {
            title: c.title.clone(),
            subject: c.subject.clone(),
            ip: c.ip.clone(),
            buyer_region: c.buyer_region.clone(),
            signed_on: c.signed_on,
            amount_fen: c.amount.fen(),
            transaction_fen: c.transaction.fen(),
            costs: c.costs.clone(),
            payments: c.payments.clone(),
            electronic: c.electronic,
        }
    }
}

/// A change or an objection on the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub id: i64,
    pub contract_id: i64,
    /// [`CHANGE`] or [`OBJECTION`].
    pub kind: String,
    /// [`PENDING`], [`ACCEPTED`] (a change taken, an objection upheld) or [`REJECTED`].
    pub status: String,
    /// Why the change; the objection's grounds.
    pub reason: String,
    /// Who objects (empty for a change).
    pub party: String,
    /// A change's new terms.
    pub proposed: Option<Terms>,
    /// The terms an accepted change replaced.
    pub previous: Option<Terms>,
    pub decision: String,
    pub created_by: String,
    pub created_at: i64,
    pub decided_by: String,
    pub decided_at: i64,
}

impl FromRow for ChangeRow {
    const TABLE: &'static str = "tech_contract_changes";
    columns!(
        id,
        contract_id,
        kind,
        status,
        reason,
        party,
        proposed,
        previous,
        decision,
        created_by,
        created_at,
        decided_by,
        decided_at
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ChangeRow {
            id: f.int()?,
            contract_id: f.int()?,
            kind: f.text()?,
            status: f.text()?,
            reason: f.text()?,
            party: f.text()?,
            proposed: f.opt_json()?,
            previous: f.opt_json()?,
            decision: f.text()?,
            created_by: f.text()?,
            created_at: f.int()?,
            decided_by: f.text()?,
            decided_at: f.int()?,
        })
    }
}

fn json(t: Option<&Terms>) -> String {
    t.and_then(|t| serde_json::to_string(t).ok()).unwrap_or_default()
}

/// A new change or objection on a registered contract with nothing else waiting.
async fn open(
    db: &Db,
    c: &Contract,
    kind: &str,
    reason: &str,
    party: &str,
    proposed: Option<&Terms>,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let waiting: Option<ChangeRow> = tx
        .row(
            &select::<ChangeRow>("WHERE contract_id = ? AND status = ?"),
            vec![c.id.into(), PENDING.into()],
        )
        .await?;
    if c.status != Status::Registered.code() || waiting.is_some() {
        return Err(StoreError::Market(MarketRefusal::NotOpenForChange));
    }
    let id = tx
        .insert(
            "INSERT INTO tech_contract_changes (contract_id, kind, status, reason, party, proposed, previous, decision, created_by, created_at, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, '', '', ?, ?, '', 0)",
            vec![c.id.into(), kind.into(), PENDING.into(), reason.into(), party.into(), json(proposed).into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: &format!("contract.{kind}"),
            entity: "tech_contract",
            entity_id: c.id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "record": id, "reason": reason, "party": party, "proposed": proposed }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The registrant asks to change a registered contract's terms (the same parties), with why.
pub async fn request_change(
    db: &Db,
    contract_id: i64,
    d: &ContractDraft,
    reason: &str,
    actor: Actor<'_>,
) -> Result<i64> {
    let c = super::contracts::contract(db, contract_id).await?.ok_or(StoreError::NotFound)?;
    if reason.trim().is_empty() {
        return Err(StoreError::Market(MarketRefusal::Reason));
    }
    if d.seller_code != c.seller_code || d.buyer_code != c.buyer_code || d.import != c.import {
        return Err(StoreError::Market(MarketRefusal::ChangedParties));
    }
    open(db, &c, CHANGE, reason.trim(), "", Some(&Terms::of_draft(d)), actor).await
}

/// The office records an objection against a registration: who objects and on what grounds.
pub async fn record_objection(
    db: &Db,
    contract_id: i64,
    party: &str,
    grounds: &str,
    actor: Actor<'_>,
) -> Result<i64> {
    let c = super::contracts::contract(db, contract_id).await?.ok_or(StoreError::NotFound)?;
    if party.trim().is_empty() || grounds.trim().is_empty() {
        return Err(StoreError::Market(MarketRefusal::Reason));
    }
    open(db, &c, OBJECTION, grounds.trim(), party.trim(), None, actor).await
}

/// The office decides what waits: a change accepted takes the new terms (the old kept); an
/// objection upheld cancels the registration. Either way with the office's words.
pub async fn decide(
    db: &Db,
    contract_id: i64,
    record_id: i64,
    accept: bool,
    decision: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let decision = decision.trim();
    if decision.is_empty() {
        return Err(StoreError::Market(MarketRefusal::Reason));
    }
    let tx = db.begin_write().await?;
    let r: ChangeRow = tx
        .row(
            &select::<ChangeRow>("WHERE id = ? AND contract_id = ?"),
            vec![record_id.into(), contract_id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let c: Contract = tx
        .row(&select::<Contract>("WHERE id = ?"), vec![contract_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if r.status != PENDING || c.status != Status::Registered.code() {
        return Err(StoreError::Market(MarketRefusal::NotOpenForChange));
    }
    let now = tx.clock.now_ms();
    let mut previous = None;
    match (r.kind.as_str(), accept, &r.proposed) {
        (CHANGE, true, Some(t)) => {
            previous = Some(Terms::of_contract(&c));
            let list = |v: serde_json::Result<String>| v.unwrap_or_else(|_| "[]".into());
            tx.exec(
                "UPDATE tech_contracts SET title = ?, subject = ?, ip = ?, buyer_region = ?, signed_on = ?, amount_fen = ?, transaction_fen = ?, costs = ?, payments = ?, electronic = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                vec![t.title.clone().into(), t.subject.clone().into(), t.ip.clone().into(), t.buyer_region.clone().into(), t.signed_on.to_string().into(), t.amount_fen.into(), t.transaction_fen.into(), list(serde_json::to_string(&t.costs)).into(), list(serde_json::to_string(&t.payments)).into(), i64::from(t.electronic).into(), now.into(), contract_id.into()],
            )
            .await?;
        }
        (OBJECTION, true, _) => {
            tx.exec(
                "UPDATE tech_contracts SET status = ?, status_reason = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                vec![Status::Cancelled.code().into(), format!("异议成立：{decision}").into(), now.into(), contract_id.into()],
            )
            .await?;
        }
        _ => {}
    }
    let status = if accept { ACCEPTED } else { REJECTED };
    // The registrant is told in the platform, with the decision.
    let told = super::notices::NewNotice {
        organisation_id: c.organisation_id,
        kind: super::notices::CONTRACT,
        subject_id: contract_id,
        subject_title: c.title.clone(),
        about_id: record_id,
        about_title: format!("{}.{status}", r.kind),
        shared: vec![decision.to_string()],
    };
    super::notices::notify_in(&tx, &told).await?;
    tx.exec(
        "UPDATE tech_contract_changes SET status = ?, decision = ?, previous = ?, decided_by = ?, decided_at = ? WHERE id = ?",
        vec![status.into(), decision.into(), json(previous.as_ref()).into(), actor.username.into(), now.into(), record_id.into()],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: &format!("contract.{}.{status}", r.kind),
            entity: "tech_contract",
            entity_id: contract_id.to_string(),
            before: serde_json::json!({ "record": record_id, "status": PENDING, "terms": previous }),
            after: serde_json::json!({ "record": record_id, "status": status, "decision": decision }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await
}

/// A registration's changes and objections, in the order they came.
pub async fn of_contract(db: &Db, contract_id: i64) -> Result<Vec<ChangeRow>> {
    db.rows(&select::<ChangeRow>("WHERE contract_id = ? ORDER BY id"), vec![contract_id.into()])
        .await
}
