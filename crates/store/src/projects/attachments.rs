//! Application attachments and the file store.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub application_id: i64,
    pub name: String,
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

impl FromRow for Attachment {
    const TABLE: &'static str = "attachments";
    columns!(id, application_id, name, kind, content_type, size, sha256, uploaded_by, uploaded_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Attachment {
            id: f.int()?,
            application_id: f.int()?,
            name: f.text()?,
            kind: f.text()?,
            content_type: f.text()?,
            size: f.int()?,
            sha256: f.text()?,
            uploaded_by: f.text()?,
            uploaded_at: f.int()?,
        })
    }
}

pub async fn attachments(db: &Db, application_id: i64) -> Result<Vec<Attachment>> {
    db.rows(
        &select::<Attachment>("WHERE application_id = ? ORDER BY id"),
        vec![application_id.into()],
    )
    .await
}

/// Where a file with this digest lives: content-addressed, outside the web root.
pub(crate) fn file_path(dir: &std::path::Path, sha: &str) -> std::path::PathBuf {
    dir.join(&sha[..2]).join(sha)
}

/// Writes the bytes durably (temporary file, fsync, rename, fsync of the folder) before the row
/// that points at them is committed: an acknowledged upload survives a crash, and a crash before
/// the commit leaves at most an unreferenced file.
pub(crate) fn store_file(dir: &std::path::Path, sha: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let path = file_path(dir, sha);
    if path.exists() {
        return Ok(());
    }
    let folder = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(folder)?;
    let tmp = folder.join(format!(".{sha}.{}", crate::users::random_token()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(folder)?.sync_all()?;
    Ok(())
}

/// Checks an uploaded file (kind by name and content) and writes it durably by its digest before
/// any row points at it: its content type, SHA-256 and a safe name.
pub(crate) async fn checked_upload(
    files: &std::path::Path,
    name: &str,
    bytes: &[u8],
) -> Result<(&'static str, String, String)> {
    use sha2::Digest;
    let content_type = rules::sniff(name, bytes).map_err(|e| {
        StoreError::from(ApplicationRefusal::File { name: name.to_string(), problem: e })
    })?;
    let sha = hex::encode(sha2::Sha256::digest(bytes));
    let (dir, sha2, data) = (files.to_path_buf(), sha.clone(), bytes.to_vec());
    tokio::task::spawn_blocking(move || store_file(&dir, &sha2, &data))
        .await
        .map_err(|e| StoreError::Invalid(e.to_string()))??;
    let safe_name: String =
        name.chars().filter(|c| !c.is_control() && !"/\\\\".contains(*c)).take(120).collect();
    Ok((content_type, sha, safe_name))
}

/// Reads a stored file back, checked against its digest.
pub(crate) async fn read_stored(files: &std::path::Path, sha: &str, what: &str) -> Result<Vec<u8>> {
    use sha2::Digest;
    let bytes = tokio::fs::read(file_path(files, sha)).await?;
    if hex::encode(sha2::Sha256::digest(&bytes)) != sha {
        return Err(StoreError::Invalid(format!("{what}: the file does not match its digest")));
    }
    Ok(bytes)
}

/// A file to attach: its name, its kind (what the call asks it to be) and its content.
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub bytes: &'a [u8],
}

/// Adds a checked file to a draft the uploader leads. The stage is checked again inside the
/// write: a draft submitted meanwhile takes no more files.
pub async fn add_attachment(
    db: &Db,
    files: &std::path::Path,
    application_id: i64,
    leader_user_id: i64,
    file: NewAttachment<'_>,
    actor: Actor<'_>,
) -> Result<i64> {
    let NewAttachment { name, kind, bytes } = file;
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    if a.leader_user_id != leader_user_id {
        return Err(StoreError::NotFound);
    }
    if !a.stage.editable() {
        return Err(ApplicationRefusal::NotEditable.into());
    }
    let fixed: Vec<Stage> = Stage::ALL.into_iter().filter(|s| !s.editable()).collect();
    let sql = format!(
        "SELECT id FROM applications WHERE id = ? AND stage IN ({})",
        vec!["?"; fixed.len()].join(", ")
    );
    let values: Vec<Value> = std::iter::once(application_id.into())
        .chain(fixed.iter().map(|s| s.code().into()))
        .collect();
    let filing = AttachmentFiling {
        application_id,
        file: NewAttachment { name, kind, bytes },
        audit_action: "application.attach",
        closed_if: Some((&sql, values, ApplicationRefusal::NotEditable.into())),
    };
    store_attachment(db, files, filing, actor).await
}

/// A file to keep for an application or project: the file, the audit action it is recorded
/// under, and the query that finds what it belongs to closed (with the refusal to give then).
pub(crate) struct AttachmentFiling<'a> {
    pub application_id: i64,
    pub file: NewAttachment<'a>,
    pub audit_action: &'a str,
    pub closed_if: Option<(&'a str, Vec<Value>, StoreError)>,
}

/// Checks and keeps a file of an application or project under `kind` (`attachment`, or a
/// report's `report:<kind>:<seq>`), with its audit entry; the same file again under the same
/// kind (a retried or double-clicked upload) is the same attachment. `closed_if` is a query run
/// inside the write: when it finds a row, what the file belongs to has closed (`refusal`).
pub(crate) async fn store_attachment(
    db: &Db,
    files: &std::path::Path,
    filing: AttachmentFiling<'_>,
    actor: Actor<'_>,
) -> Result<i64> {
    let AttachmentFiling { application_id, file, audit_action, closed_if } = filing;
    let NewAttachment { name, kind, bytes } = file;
    let (content_type, sha, safe_name) = checked_upload(files, name, bytes).await?;
    let tx = db.begin_write().await?;
    if let Some((sql, values, refusal)) = closed_if
        && tx.query_one(sql, values).await?.is_some()
    {
        return Err(refusal);
    }
    if let Some(row) = tx
        .query_one(
            "SELECT id FROM attachments WHERE application_id = ? AND sha256 = ? AND kind = ?",
            vec![application_id.into(), sha.clone().into(), kind.into()],
        )
        .await?
    {
        return Ok(row.try_get_by_index(0)?);
    }
    let id = tx
        .insert(
            "INSERT INTO attachments (application_id, name, kind, content_type, size, sha256, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![application_id.into(), safe_name.clone().into(), kind.into(), content_type.into(), (bytes.len() as i64).into(), sha.clone().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    audit::append(&tx, Change { actor: actor.username, action: audit_action, entity: "application", entity_id: application_id.to_string(), before: serde_json::json!({}), after: serde_json::json!({ "name": safe_name, "kind": kind, "sha256": sha, "size": bytes.len() }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(id)
}

/// A stored file and its bytes, checked against its digest.
pub async fn attachment_file(
    db: &Db,
    files: &std::path::Path,
    id: i64,
) -> Result<(Attachment, Vec<u8>)> {
    let att: Attachment = db
        .row(&select::<Attachment>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let bytes = read_stored(files, &att.sha256, &format!("attachment {id}")).await?;
    Ok((att, bytes))
}
