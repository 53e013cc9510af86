//! The quarterly data release: a framework's figures for a quarter as released, a release again
//! making a new revision (the audit keeps the one before).
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::indicators::release::Figures;

/// A release: what was published, by whom and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub id: i64,
    pub framework: String,
    /// `2026Q3`.
    pub period: String,
    /// 1 for the first release, one more for each release again.
    pub revision: i64,
    pub figures: Figures,
    pub released_by: String,
    pub released_at_ms: i64,
}

impl FromRow for Release {
    const TABLE: &'static str = "data_releases";
    columns!(id, framework, period, revision, figures, released_by, released_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Release {
            id: f.int()?,
            framework: f.text()?,
            period: f.text()?,
            revision: f.int()?,
            figures: serde_json::from_str(&f.text()?)
                .map_err(|e| StoreError::Invalid(format!("release figures: {e}")))?,
            released_by: f.text()?,
            released_at_ms: f.int()?,
        })
    }
}

/// A release without its figures: what the list shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseSummary {
    pub framework: String,
    pub period: String,
    pub revision: i64,
    pub released_at_ms: i64,
}

impl FromRow for ReleaseSummary {
    const TABLE: &'static str = "data_releases";
    columns!(framework, period, revision, released_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ReleaseSummary {
            framework: f.text()?,
            period: f.text()?,
            revision: f.int()?,
            released_at_ms: f.int()?,
        })
    }
}

/// Every release, the latest period first (the figures not read).
pub async fn summaries(db: &Db) -> Result<Vec<ReleaseSummary>> {
    db.rows(&select::<ReleaseSummary>("ORDER BY period DESC, framework"), vec![]).await
}

pub async fn find(db: &Db, framework: &str, period: &str) -> Result<Option<Release>> {
    db.row(
        &select::<Release>("WHERE framework = ? AND period = ?"),
        vec![framework.into(), period.into()],
    )
    .await
}

/// Releases a framework's figures for a period, or releases them again as the next revision;
/// the audit keeps what was published before.
pub async fn release(
    db: &Db,
    framework: &str,
    period: &str,
    figures: &Figures,
    actor: Actor<'_>,
) -> Result<Release> {
    let tx = db.begin_write().await?;
    let before = tx
        .row::<Release>(
            &select::<Release>("WHERE framework = ? AND period = ?"),
            vec![framework.into(), period.into()],
        )
        .await?;
    let text = serde_json::to_string(figures)
        .map_err(|e| StoreError::Invalid(format!("release figures: {e}")))?;
    let now = tx.clock.now_ms();
    let revision = before.as_ref().map_or(1, |b| b.revision + 1);
    match &before {
        Some(b) => {
            tx.exec(
                "UPDATE data_releases SET revision = ?, figures = ?, released_by = ?, released_at = ? WHERE id = ?",
                vec![revision.into(), text.into(), actor.username.into(), now.into(), b.id.into()],
            )
            .await?;
        }
        None => {
            tx.insert(
                "INSERT INTO data_releases (framework, period, revision, figures, released_by, released_at) VALUES (?, ?, ?, ?, ?, ?)",
                vec![
                    framework.into(),
                    period.into(),
                    revision.into(),
                    text.into(),
                    actor.username.into(),
                    now.into(),
                ],
            )
            .await?;
        }
    }
    let shown = |r: &Release| serde_json::json!({ "revision": r.revision, "figures": r.figures });
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "indicators.release",
            entity: "data_release",
            entity_id: format!("{framework}/{period}"),
            before: before.as_ref().map_or(serde_json::json!({}), shown),
            after: serde_json::json!({ "revision": revision, "figures": figures }),
            request_id: actor.request_id,
        },
    )
    .await?;
    let released = tx
        .row::<Release>(
            &select::<Release>("WHERE framework = ? AND period = ?"),
            vec![framework.into(), period.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(released)
}
