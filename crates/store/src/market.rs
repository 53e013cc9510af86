//! The technology market's records: achievements (科技成果) and the change log that every
//! server's search index follows.
//!
//! Every write to an achievement appends its id to `market_changes` under the next number of
//! `market_change_clock`, in the same transaction. Writers take the clock's row in turn, so the
//! numbers commit in order and a server that has read up to number n has missed nothing below
//! it.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::market::achievements::IpRight;
use innocity_core::market::import::Imported;
use std::collections::HashMap;

mod achievements;
pub mod brokerage;
pub mod challenges;
pub mod contract_changes;
pub mod contract_review;
pub mod contracts;
pub mod demands;
pub mod files;
pub mod notices;
pub use achievements::*;

/// Where an achievement stands (listed ones are public and searchable).
pub const LISTED: &str = "listed";

/// An achievement as the public sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Achievement {
    pub id: i64,
    pub external_id: Option<String>,
    pub organisation_id: i64,
    pub organisation: String,
    pub unit_path: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub discipline: String,
    pub category: String,
    /// Technology readiness level 1–9; 0 when not stated.
    pub maturity: i64,
    pub modes: Vec<String>,
    /// None: negotiable (面议).
    pub price_fen: Option<i64>,
    pub ip: Vec<IpRight>,
    pub team: String,
    pub contact: String,
    pub status: String,
    /// Why it was sent back or withdrawn.
    pub status_reason: String,
    /// Given when it is registered and listed.
    pub registration_no: Option<String>,
    /// How often its public page was opened.
    pub views: i64,
    pub listed_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

fn split_list(s: &str) -> Vec<String> {
    s.split(';').filter(|x| !x.is_empty()).map(String::from).collect()
}

impl FromRow for Achievement {
    const TABLE: &'static str = "market_achievements";
    const FROM: &'static str =
        "market_achievements m JOIN organisations o ON o.id = m.organisation_id";
    columns!(
        "m.id",
        "m.external_id",
        "m.organisation_id",
        "o.name",
        "o.unit_path",
        "m.title",
        "m.description",
        "m.keywords",
        "m.discipline",
        "m.category",
        "m.maturity",
        "m.modes",
        "m.price_fen",
        "m.ip",
        "m.team",
        "m.contact",
        "m.status",
        "m.status_reason",
        "m.registration_no",
        "m.views",
        "m.listed_at",
        "m.updated_at",
        "m.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Achievement {
            id: f.int()?,
            external_id: f.opt_text()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            unit_path: f.text()?,
            title: f.text()?,
            description: f.text()?,
            keywords: split_list(&f.text()?),
            discipline: f.text()?,
            category: f.text()?,
            maturity: f.int()?,
            modes: split_list(&f.text()?),
            price_fen: f.opt_int()?,
            ip: f.json()?,
            team: f.text()?,
            contact: f.text()?,
            status: f.text()?,
            status_reason: f.text()?,
            registration_no: f.opt_text()?,
            views: f.int()?,
            listed_at: f.int()?,
            updated_at: f.int()?,
            version: f.int()?,
        })
    }
}

/// One achievement, listed or not (the caller decides who may see it).
pub async fn achievement(db: &Db, id: i64) -> Result<Option<Achievement>> {
    db.row(&select::<Achievement>("WHERE m.id = ?"), vec![id.into()]).await
}

/// Every listed achievement (to build a search index).
pub async fn listed(db: &Db) -> Result<Vec<Achievement>> {
    db.rows(&select::<Achievement>("WHERE m.status = ? ORDER BY m.id"), vec![LISTED.into()]).await
}

/// The achievements with these ids, whatever their state (to bring an index up to date).
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Achievement>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        out.extend(
            db.rows::<Achievement>(
                &select::<Achievement>(&format!("WHERE m.id IN ({marks})")),
                chunk.iter().map(|i| (*i).into()).collect(),
            )
            .await?,
        );
    }
    Ok(out)
}

/// One entry of the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeEntry {
    pub seq: i64,
    pub achievement_id: i64,
}

impl FromRow for ChangeEntry {
    const TABLE: &'static str = "market_changes";
    columns!(seq, achievement_id);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ChangeEntry { seq: f.int()?, achievement_id: f.int()? })
    }
}

/// Changes after number `after`, oldest first (at most `limit`).
pub async fn changes_since(db: &Db, after: i64, limit: i64) -> Result<Vec<ChangeEntry>> {
    db.rows(
        &select::<ChangeEntry>("WHERE seq > ? ORDER BY seq LIMIT ?"),
        vec![after.into(), limit.into()],
    )
    .await
}

/// The change log's clock: the newest change's number.
struct ClockSeq(i64);

impl FromRow for ClockSeq {
    const TABLE: &'static str = "market_change_clock";
    columns!(seq);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ClockSeq(f.int()?))
    }
}

/// The newest change's number (0 when none): an index built now has seen everything up to it.
pub async fn last_change(db: &Db) -> Result<i64> {
    let clock: Option<ClockSeq> = db.row(&select::<ClockSeq>("WHERE id = 1"), vec![]).await?;
    Ok(clock.map_or(0, |c| c.0))
}

/// Logs that these achievements changed, inside the writing transaction.
pub(crate) async fn log_changes(tx: &Tx, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let n = ids.len() as i64;
    tx.exec("UPDATE market_change_clock SET seq = seq + ? WHERE id = 1", vec![n.into()]).await?;
    let ClockSeq(last) =
        tx.row(&select::<ClockSeq>("WHERE id = 1"), vec![]).await?.ok_or(StoreError::NotFound)?;
    let at = tx.clock.now_ms();
    for (i, id) in ids.iter().enumerate() {
        tx.exec(
            "INSERT INTO market_changes (seq, achievement_id, at) VALUES (?, ?, ?)",
            vec![(last - n + 1 + i as i64).into(), (*id).into(), at.into()],
        )
        .await?;
    }
    Ok(())
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub added: usize,
    pub updated: usize,
}

/// An existing achievement's id by its external id.
struct Known {
    id: i64,
    external_id: String,
}

impl FromRow for Known {
    const TABLE: &'static str = "market_achievements";
    columns!(id, external_id);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Known { id: f.int()?, external_id: f.text()? })
    }
}

/// Imports achievements for one organisation, listed publicly, in one transaction: an
/// external id already known updates that achievement (and gives it to this organisation).
pub async fn import(
    db: &Db,
    organisation_id: i64,
    items: &[Imported],
    actor: Actor<'_>,
) -> Result<ImportCounts> {
    let tx = db.begin_write().await?;
    let known: HashMap<String, i64> = tx
        .rows::<Known>(&select::<Known>("WHERE external_id IS NOT NULL"), vec![])
        .await?
        .into_iter()
        .map(|k| (k.external_id, k.id))
        .collect();
    let now = tx.clock.now_ms();
    let mut counts = ImportCounts::default();
    let mut changed = Vec::with_capacity(items.len());
    for it in items {
        let keywords = it.keywords.join(";");
        let id = match known.get(&it.external_id) {
            Some(&id) => {
                tx.exec(
                    "UPDATE market_achievements SET organisation_id = ?, title = ?, description = ?, keywords = ?, discipline = ?, category = ?, status = ?, listed_at = CASE WHEN status = ? THEN listed_at ELSE ? END, updated_at = ?, version = version + 1 WHERE id = ?",
                    vec![organisation_id.into(), it.title.clone().into(), it.description.clone().into(), keywords.into(), it.discipline.clone().into(), it.category.clone().into(), LISTED.into(), LISTED.into(), now.into(), now.into(), id.into()],
                )
                .await?;
                counts.updated += 1;
                id
            }
            None => {
                counts.added += 1;
                tx.insert(
                    "INSERT INTO market_achievements (external_id, organisation_id, title, description, keywords, discipline, category, maturity, modes, price_fen, status, listed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, '', NULL, ?, ?, ?, ?)",
                    vec![it.external_id.clone().into(), organisation_id.into(), it.title.clone().into(), it.description.clone().into(), keywords.into(), it.discipline.clone().into(), it.category.clone().into(), LISTED.into(), now.into(), now.into(), now.into()],
                )
                .await?
            }
        };
        changed.push(id);
    }
    log_changes(&tx, &changed).await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "market.import",
            entity: "organisation",
            entity_id: organisation_id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "added": counts.added, "updated": counts.updated, "external_ids": items.iter().map(|i| i.external_id.as_str()).collect::<Vec<_>>() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(counts)
}
