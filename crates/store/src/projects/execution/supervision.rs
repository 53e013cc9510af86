//! Supervision visits and fund audits: findings and their rectification.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: i64,
    /// supervision (项目监理), audit (稽查)
    pub kind: String,
    pub visited_on: String,
    pub findings: String,
    /// Empty when nothing needs rectifying.
    pub rectify_by: String,
    pub rectification: String,
    pub rectified_at: i64,
    pub added_by: String,
    /// `rectify_by` as read (checked then).
    #[serde(skip)]
    rectify_on: Option<NaiveDate>,
}

impl Finding {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.rectified_at == 0 && self.rectify_on.is_some_and(|d| today > d)
    }
}

impl FromRow for Finding {
    const TABLE: &'static str = "project_findings";
    columns!(id, kind, visited_on, findings, rectify_by, rectification, rectified_at, added_by);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let (id, kind, visited_on, findings) = (f.int()?, f.text()?, f.date_text()?, f.text()?);
        let rectify_on = f.opt_date()?;
        Ok(Finding {
            id,
            kind,
            visited_on,
            findings,
            rectify_by: match rectify_on {
                Some(d) => day(d),
                None => String::new(),
            },
            rectify_on,
            rectification: f.text()?,
            rectified_at: f.int()?,
            added_by: f.text()?,
        })
    }
}

pub async fn findings(db: &Db, application_id: i64) -> Result<Vec<Finding>> {
    db.rows(
        &select::<Finding>("WHERE application_id = ? ORDER BY visited_on, id"),
        vec![application_id.into()],
    )
    .await
}

/// Records a supervision visit or a fund audit with its findings and, when something must be put
/// right, the rectification deadline.
pub async fn add_finding(
    db: &Db,
    application_id: i64,
    kind: &str,
    visited_on: NaiveDate,
    findings: &str,
    rectify_by: Option<NaiveDate>,
    actor: Actor<'_>,
) -> Result<i64> {
    book_or_refuse(db, application_id).await?;
    if !matches!(kind, "supervision" | "audit") {
        return Err(StoreError::from(ProjectRefusal::Field { field: "kind" }));
    }
    if findings.trim().chars().count() < 10 {
        return Err(StoreError::from(ProjectRefusal::Field { field: "findings" }));
    }
    if rectify_by.is_some_and(|d| d <= visited_on) {
        return Err(StoreError::from(ProjectRefusal::Field { field: "rectify_by" }));
    }
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO project_findings (application_id, kind, visited_on, findings, rectify_by, rectification, rectified_at, added_by, added_at) VALUES (?, ?, ?, ?, ?, '', 0, ?, ?)",
            vec![application_id.into(), kind.into(), day(visited_on).into(), findings.trim().into(), rectify_by.map(day).unwrap_or_default().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    log(
        &tx,
        actor,
        &format!("project.{kind}"),
        "application",
        application_id,
        serde_json::json!({}),
        serde_json::json!({ "finding": id, "rectify_by": rectify_by.map(day) }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The leader reports what was put right (once).
pub async fn rectify(
    db: &Db,
    application_id: i64,
    finding_id: i64,
    text: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let f = findings(db, application_id)
        .await?
        .into_iter()
        .find(|f| f.id == finding_id)
        .ok_or(StoreError::NotFound)?;
    if f.rectify_by.is_empty() || f.rectified_at != 0 {
        return Err(StoreError::from(ProjectRefusal::Rectified));
    }
    if text.trim().chars().count() < 10 {
        return Err(StoreError::from(ProjectRefusal::Field { field: "rectification" }));
    }
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE project_findings SET rectification = ?, rectified_at = ? WHERE id = ? AND rectified_at = 0", vec![text.trim().into(), tx.clock.now_ms().into(), finding_id.into()]).await?;
    if n == 0 {
        return Err(StoreError::from(ProjectRefusal::Rectified));
    }
    log(
        &tx,
        actor,
        "project.rectify",
        "application",
        application_id,
        serde_json::json!({ "finding": finding_id }),
        serde_json::json!({ "rectification": text.trim() }),
    )
    .await?;
    tx.commit().await
}
