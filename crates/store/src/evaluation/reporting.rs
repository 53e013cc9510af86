//! Units' reports of the qualitative items, with their evidence files, until the campaign's day.
use super::{Campaign, EvaluationRefusal, Stage, refused};
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};

/// A unit's report of a qualitative item, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub id: i64,
    pub campaign_id: i64,
    pub org_unit_id: i64,
    pub item: String,
    pub body: String,
    pub submitted_by: String,
    pub submitted_at: i64,
}

impl FromRow for ReportRow {
    const TABLE: &'static str = "evaluation_reports";
    columns!(id, campaign_id, org_unit_id, item, body, submitted_by, submitted_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ReportRow {
            id: f.int()?,
            campaign_id: f.int()?,
            org_unit_id: f.int()?,
            item: f.text()?,
            body: f.text()?,
            submitted_by: f.text()?,
            submitted_at: f.int()?,
        })
    }
}

/// An evidence file of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub id: i64,
    pub report_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: i64,
}

impl FromRow for Evidence {
    const TABLE: &'static str = "evaluation_evidence";
    columns!(id, report_id, name, content_type, size, sha256, uploaded_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Evidence {
            id: f.int()?,
            report_id: f.int()?,
            name: f.text()?,
            content_type: f.text()?,
            size: f.int()?,
            sha256: f.text()?,
            uploaded_at: f.int()?,
        })
    }
}

/// The campaign's reports (one unit's, or all), by unit and item.
pub async fn reports(db: &Db, campaign_id: i64, unit: Option<i64>) -> Result<Vec<ReportRow>> {
    let (filter, mut args) = match unit {
        Some(u) => ("AND org_unit_id = ?", vec![u.into()]),
        None => ("", vec![]),
    };
    args.insert(0, campaign_id.into());
    let tail = format!("WHERE campaign_id = ? {filter} ORDER BY org_unit_id, item");
    db.rows(&select::<ReportRow>(&tail), args).await
}

/// The evidence files of the campaign's reports, in the order they came.
pub async fn evidence(db: &Db, campaign_id: i64) -> Result<Vec<Evidence>> {
    let tail =
        "WHERE report_id IN (SELECT id FROM evaluation_reports WHERE campaign_id = ?) ORDER BY id";
    db.rows(&select::<Evidence>(tail), vec![campaign_id.into()]).await
}

/// An evidence file's record with the report it belongs to (the bytes are read apart, once
/// the caller may have them).
pub async fn evidence_row(db: &Db, campaign_id: i64, id: i64) -> Result<(Evidence, ReportRow)> {
    let e: Evidence = db
        .row(&select::<Evidence>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let r: ReportRow = db
        .row(
            &select::<ReportRow>("WHERE id = ? AND campaign_id = ?"),
            vec![e.report_id.into(), campaign_id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((e, r))
}

/// An evidence file's bytes, checked against its digest.
pub async fn evidence_bytes(files: &std::path::Path, e: &Evidence) -> Result<Vec<u8>> {
    crate::projects::read_stored(files, &e.sha256, &format!("evidence {}", e.id)).await
}

/// Adds an evidence file (PDF, image, office document; checked like every upload) to one of
/// the campaign's reports while it is open; the same file twice is kept once.
pub async fn add_evidence(
    db: &Db,
    files: &std::path::Path,
    c: &Campaign,
    report_id: i64,
    name: &str,
    bytes: &[u8],
    actor: Actor<'_>,
) -> Result<i64> {
    let report: ReportRow = db
        .row(
            &select::<ReportRow>("WHERE id = ? AND campaign_id = ?"),
            vec![report_id.into(), c.id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let (content_type, sha, safe_name) =
        crate::projects::checked_upload(files, name, bytes).await?;
    let tx = db.begin_write().await?;
    open_for_reports(&tx, c).await?;
    let same: Option<Evidence> = tx
        .row(
            &select::<Evidence>("WHERE report_id = ? AND sha256 = ?"),
            vec![report.id.into(), sha.clone().into()],
        )
        .await?;
    if let Some(e) = same {
        return Ok(e.id);
    }
    let id = tx
        .insert(
            "INSERT INTO evaluation_evidence (report_id, name, content_type, size, sha256, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![report.id.into(), safe_name.clone().into(), content_type.into(), (bytes.len() as i64).into(), sha.clone().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "evaluation.evidence",
            entity: "evaluation_report",
            entity_id: report.id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "file": id, "name": safe_name, "sha256": sha, "size": bytes.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Reports and evidence are taken while the campaign reports, until its day.
async fn open_for_reports(tx: &crate::db::Tx, c: &Campaign) -> Result<()> {
    let c = &super::current(tx, c.id).await?;
    if c.stage != Stage::Reporting {
        return Err(refused(EvaluationRefusal::Stage { stage: Stage::Reporting.code() }));
    }
    if tx.clock.today() > c.report_until {
        return Err(refused(EvaluationRefusal::AfterDeadline { until: c.report_until }));
    }
    Ok(())
}

/// A unit's report of a qualitative item: stored or replaced while the campaign is reporting
/// and its day has not passed.
pub async fn report(
    db: &Db,
    c: &Campaign,
    unit: &crate::orgs::OrgUnit,
    item: &str,
    body: &str,
    actor: Actor<'_>,
) -> Result<i64> {
    if unit.level != c.level {
        return Err(refused(EvaluationRefusal::NotEvaluated));
    }
    let f = c.framework()?;
    if !f.qualitative().any(|i| i.code == item) {
        return Err(refused(EvaluationRefusal::Item { item: item.into() }));
    }
    if body.trim().is_empty() {
        return Err(refused(EvaluationRefusal::EmptyReport));
    }
    let tx = db.begin_write().await?;
    open_for_reports(&tx, c).await?;
    let now = tx.clock.now_ms();
    tx.exec(
        "INSERT INTO evaluation_reports (campaign_id, org_unit_id, item, body, submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, org_unit_id, item) DO UPDATE SET body = excluded.body, submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at, version = evaluation_reports.version + 1",
        vec![c.id.into(), unit.id.into(), item.into(), body.trim().into(), actor.username.into(), now.into()],
    )
    .await?;
    let id = tx
        .query_one(
            "SELECT id FROM evaluation_reports WHERE campaign_id = ? AND org_unit_id = ? AND item = ?",
            vec![c.id.into(), unit.id.into(), item.into()],
        )
        .await?
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .ok_or(StoreError::NotFound)?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "evaluation.report",
            entity: "evaluation_report",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "campaign": c.id, "unit": unit.id, "item": item }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
