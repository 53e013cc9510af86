//! Change requests (变更) and their decisions.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    pub id: i64,
    pub kind: ChangeKind,
    pub detail: serde_json::Value,
    pub reason: String,
    /// pending, approved, refused
    pub status: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: String,
    pub decision: String,
}

impl FromRow for ChangeRow {
    const TABLE: &'static str = "project_changes";
    columns!(id, kind, detail, reason, status, requested_by, requested_at, decided_by, decision);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ChangeRow {
            id: f.int()?,
            kind: f.code(ChangeKind::parse)?,
            detail: f.json()?,
            reason: f.text()?,
            status: f.text()?,
            requested_by: f.text()?,
            requested_at: f.int()?,
            decided_by: f.text()?,
            decision: f.text()?,
        })
    }
}

pub async fn changes(db: &Db, application_id: i64) -> Result<Vec<ChangeRow>> {
    db.rows(
        &select::<ChangeRow>("WHERE application_id = ? ORDER BY id"),
        vec![application_id.into()],
    )
    .await
}

/// What a change asks for.
#[derive(Debug, Clone)]
pub enum ChangeDetail {
    Leader { name: String, id_number: String },
    Budget(Vec<Line>),
    Extension(NaiveDate),
}

/// Checks a change against the project and the rules (a new leader must have a valid ID number and
/// no credit ban; a reallocation and an extension within their limits).
async fn check_change(
    db: &Db,
    book: &TaskBook,
    detail: &ChangeDetail,
    today: NaiveDate,
) -> Result<()> {
    let change = |e: rules::ChangeError| {
        StoreError::from(ProjectRefusal::Change { field: e.field, rule: e.rule })
    };
    match detail {
        ChangeDetail::Leader { name, id_number } => {
            if name.trim().chars().count() < 2 {
                return Err(StoreError::from(ProjectRefusal::Field { field: "leader_name" }));
            }
            if !id_number_ok(id_number) {
                return Err(ApplicationRefusal::IdNumber.into());
            }
            if let Some(r) = crate::credit::check(db, id_number.trim(), today).await?.deciding {
                return Err(ProjectRefusal::LeaderBarred { kind: r.kind, source: r.source }.into());
            }
        }
        ChangeDetail::Budget(lines) => {
            rules::check_reallocation(&book.budget, lines).map_err(change)?
        }
        ChangeDetail::Extension(end) => {
            rules::check_extension(book.ends(), *end, book.extended).map_err(change)?
        }
    }
    Ok(())
}

fn detail_json(d: &ChangeDetail) -> (ChangeKind, serde_json::Value) {
    match d {
        ChangeDetail::Leader { name, id_number } => (
            ChangeKind::Leader,
            serde_json::json!({ "name": name.trim(), "id_number": id_number.trim() }),
        ),
        ChangeDetail::Budget(lines) => (ChangeKind::Budget, serde_json::json!({ "lines": lines })),
        ChangeDetail::Extension(end) => {
            (ChangeKind::Extension, serde_json::json!({ "ends_on": day(*end) }))
        }
    }
}

/// The leader asks for a change (one pending change of each kind at a time).
pub async fn request_change(
    db: &Db,
    application_id: i64,
    detail: &ChangeDetail,
    reason: &str,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<i64> {
    let book = book_or_refuse(db, application_id).await?;
    if !book.status.running() {
        return Err(StoreError::from(ProjectRefusal::Status {
            status: book.status,
            action: "change",
        }));
    }
    if reason.trim().chars().count() < 10 {
        return Err(StoreError::from(ProjectRefusal::Field { field: "reason" }));
    }
    check_change(db, &book, detail, today).await?;
    let (kind, json) = detail_json(detail);
    if changes(db, application_id).await?.iter().any(|c| c.kind == kind && c.status == "pending") {
        return Err(StoreError::from(ProjectRefusal::ChangePending));
    }
    let tx = db.begin_write().await?;
    let status = status_in(&tx, application_id).await?;
    if !status.running() {
        return Err(StoreError::from(ProjectRefusal::Status { status, action: "change" }));
    }
    if tx.query_one("SELECT 1 FROM project_changes WHERE application_id = ? AND kind = ? AND status = 'pending'", vec![application_id.into(), kind.code().into()]).await?.is_some() {
        return Err(StoreError::from(ProjectRefusal::ChangePending));
    }
    let id = tx
        .insert(
            "INSERT INTO project_changes (application_id, kind, detail, reason, status, requested_by, requested_at, decided_by, decided_at, decision) VALUES (?, ?, ?, ?, 'pending', ?, ?, '', 0, '')",
            vec![application_id.into(), kind.code().into(), json.to_string().into(), reason.trim().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    log(
        &tx,
        actor,
        "project.change_request",
        "application",
        application_id,
        serde_json::json!({}),
        serde_json::json!({ "change": id, "kind": kind.code(), "detail": json }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The bureau approves (the change is applied, checked again against today's project) or refuses
/// a change, with its answer.
pub async fn decide_change(
    db: &Db,
    change_id: i64,
    approve: bool,
    decision: &str,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    let application_id = db
        .read(
            "SELECT application_id FROM project_changes WHERE id = ?",
            vec![change_id.into()],
            |r| r.int(0),
        )
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)?;
    let c = changes(db, application_id)
        .await?
        .into_iter()
        .find(|c| c.id == change_id)
        .ok_or(StoreError::NotFound)?;
    if c.status != "pending" {
        return Err(StoreError::from(ProjectRefusal::ChangeDecided));
    }
    if decision.trim().chars().count() < 4 {
        return Err(StoreError::from(ApplicationRefusal::ReasonRequired));
    }
    let book = book_or_refuse(db, application_id).await?;
    // The detail was written by `request_change`: a part missing or unreadable is damage.
    let corrupt = |problem: String| StoreError::Corrupt {
        table: "project_changes",
        row: crate::rows::RowKey::Id(c.id),
        column: "detail",
        problem,
    };
    let text =
        |key: &str| c.detail[key].as_str().ok_or_else(|| corrupt(format!("no text '{key}'")));
    let detail = match c.kind {
        ChangeKind::Leader => ChangeDetail::Leader {
            name: text("name")?.into(),
            id_number: text("id_number")?.into(),
        },
        ChangeKind::Budget => ChangeDetail::Budget(
            serde_json::from_value(c.detail["lines"].clone())
                .map_err(|e| corrupt(format!("lines: {e}")))?,
        ),
        ChangeKind::Extension => {
            let s = text("ends_on")?;
            ChangeDetail::Extension(
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|e| corrupt(format!("ends_on '{s}' is not a date: {e}")))?,
            )
        }
    };
    if approve {
        check_change(db, &book, &detail, today).await?;
    }
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE project_changes SET status = ?, decided_by = ?, decided_at = ?, decision = ? WHERE id = ? AND status = 'pending'", vec![(if approve { "approved" } else { "refused" }).into(), actor.username.into(), tx.clock.now_ms().into(), decision.trim().into(), change_id.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    if approve {
        match &detail {
            ChangeDetail::Leader { name, id_number } => {
                tx.exec("UPDATE applications SET leader_name = ?, leader_key = ?, updated_at = ?, version = version + 1 WHERE id = ?", vec![name.trim().into(), id_number.trim().into(), tx.clock.now_ms().into(), application_id.into()]).await?;
            }
            ChangeDetail::Budget(lines) => {
                tx.exec("UPDATE task_books SET budget = ?, version = version + 1 WHERE application_id = ?", vec![serde_json::to_string(lines).unwrap_or_default().into(), application_id.into()]).await?;
            }
            ChangeDetail::Extension(end) => {
                tx.exec("UPDATE task_books SET ends_on = ?, extended = 1, version = version + 1 WHERE application_id = ?", vec![day(*end).into(), application_id.into()]).await?;
            }
        }
    }
    log(&tx, actor, if approve { "project.change_approve" } else { "project.change_refuse" }, "application", application_id, serde_json::json!({ "change": change_id, "status": "pending" }), serde_json::json!({ "kind": c.kind.code(), "detail": c.detail, "decision": decision.trim() })).await?;
    tx.commit().await
}
