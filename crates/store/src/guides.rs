//! The bureau's own texts of the service guides (办事指南). A guide without a row reads as
//! shipped (`innocity_core::guides`), at version 0; each edit stores both languages and counts
//! one version more, refused as stale when the editor read an older version.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::guides::GuideText;

/// A guide's edited text.
#[derive(Debug, Clone, PartialEq)]
pub struct GuideEdit {
    pub code: String,
    pub zh: GuideText,
    pub en: GuideText,
    /// 1 after the first edit, one more for each.
    pub version: i64,
    pub updated_by: String,
    pub updated_at_ms: i64,
}

fn text(field: &str, json: &str) -> Result<GuideText> {
    serde_json::from_str(json).map_err(|e| StoreError::Invalid(format!("guide {field}: {e}")))
}

fn json(t: &GuideText) -> Result<String> {
    serde_json::to_string(t).map_err(|e| StoreError::Invalid(format!("guide: {e}")))
}

impl FromRow for GuideEdit {
    const TABLE: &'static str = "service_guides";
    columns!(code, zh, en, version, updated_by, updated_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(GuideEdit {
            code: f.text()?,
            zh: text("zh", &f.text()?)?,
            en: text("en", &f.text()?)?,
            version: f.int()?,
            updated_by: f.text()?,
            updated_at_ms: f.int()?,
        })
    }
}

/// Every edited guide.
pub async fn edits(db: &Db) -> Result<Vec<GuideEdit>> {
    db.rows(&select::<GuideEdit>("ORDER BY code"), vec![]).await
}

pub async fn edit(db: &Db, code: &str) -> Result<Option<GuideEdit>> {
    db.row(&select::<GuideEdit>("WHERE code = ?"), vec![code.into()]).await
}

/// Stores a guide's new text if it is still at `version` (0: as shipped); `Stale` otherwise,
/// nothing changed. Audited with the text before and after.
pub async fn save(
    db: &Db,
    code: &str,
    version: i64,
    zh: &GuideText,
    en: &GuideText,
    actor: Actor<'_>,
) -> Result<GuideEdit> {
    let tx = db.begin_write().await?;
    let before =
        tx.row::<GuideEdit>(&select::<GuideEdit>("WHERE code = ?"), vec![code.into()]).await?;
    let current = before.as_ref().map_or(0, |b| b.version);
    if current != version {
        return Err(StoreError::Stale);
    }
    let now = tx.clock.now_ms();
    let (zh_json, en_json) = (json(zh)?, json(en)?);
    // On PostgreSQL two editors may pass the check at once: the update's own version test, and
    // the insert's key, then let only the first through.
    let written = if before.is_some() {
        tx.exec(
            "UPDATE service_guides SET zh = ?, en = ?, version = ?, updated_by = ?, updated_at = ? WHERE code = ? AND version = ?",
            vec![
                zh_json.into(),
                en_json.into(),
                (version + 1).into(),
                actor.username.into(),
                now.into(),
                code.into(),
                version.into(),
            ],
        )
        .await?
    } else {
        tx.exec(
            "INSERT INTO service_guides (code, zh, en, version, updated_by, updated_at) VALUES (?, ?, ?, 1, ?, ?)",
            vec![code.into(), zh_json.into(), en_json.into(), actor.username.into(), now.into()],
        )
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => StoreError::Stale,
            e => e,
        })?
    };
    if written != 1 {
        return Err(StoreError::Stale);
    }
    let shown = |zh: &GuideText, en: &GuideText, v: i64| serde_json::json!({ "version": v, "zh": zh, "en": en });
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "guides.update",
            entity: "service_guide",
            entity_id: code.to_string(),
            before: before
                .as_ref()
                .map_or(serde_json::json!({ "version": 0 }), |b| shown(&b.zh, &b.en, b.version)),
            after: shown(zh, en, version + 1),
            request_id: actor.request_id,
        },
    )
    .await?;
    let saved = tx
        .row::<GuideEdit>(&select::<GuideEdit>("WHERE code = ?"), vec![code.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}
