//! Files of the market's records, stored outside the web root by their digest and checked by
//! their content: the signed text of a technology contract (合同文本, scanned or electronic) the
//! registrant uploads with a registration — the office registers only once it is there — and
//! an achievement's documents (brochures, evaluation reports) its owner adds, public once the
//! achievement is listed.
use super::MarketRefusal;
use super::contracts::Contract;
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::market::contracts::Status;

/// What a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Contract,
    Achievement,
}

impl Subject {
    pub fn code(self) -> &'static str {
        match self {
            Subject::Contract => "contract",
            Subject::Achievement => "achievement",
        }
    }
    fn entity(self) -> &'static str {
        match self {
            Subject::Contract => "tech_contract",
            Subject::Achievement => "market_achievement",
        }
    }
}

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub id: i64,
    pub subject_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

impl FromRow for StoredFile {
    const TABLE: &'static str = "market_files";
    columns!(id, subject_id, name, content_type, size, sha256, uploaded_by, uploaded_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(StoredFile {
            id: f.int()?,
            subject_id: f.int()?,
            name: f.text()?,
            content_type: f.text()?,
            size: f.int()?,
            sha256: f.text()?,
            uploaded_by: f.text()?,
            uploaded_at: f.int()?,
        })
    }
}

/// Whether the record takes files now: a registration while it waits for the office, an
/// achievement until it is dealt or withdrawn.
async fn open_for_files(db: &Db, subject: Subject, id: i64) -> Result<()> {
    let (from, open) = match subject {
        Subject::Contract => {
            let c = super::contracts::contract(db, id).await?.ok_or(StoreError::NotFound)?;
            let open =
                [Status::Submitted.code(), Status::Materials.code()].contains(&c.status.as_str());
            (Status::parse(&c.status).map_or("", Status::code), open)
        }
        Subject::Achievement => {
            let a = super::achievement(db, id).await?.ok_or(StoreError::NotFound)?;
            let status = innocity_core::market::achievements::Status::parse(&a.status);
            let open = !matches!(
                status,
                Some(innocity_core::market::achievements::Status::Dealt)
                    | Some(innocity_core::market::achievements::Status::Withdrawn)
            );
            (status.map_or("", |s| s.code()), open)
        }
    };
    if open {
        Ok(())
    } else {
        Err(StoreError::Market(MarketRefusal::NotNow { from, action: "file" }))
    }
}

/// Adds a checked file to a record that takes files (the same file twice is one).
pub async fn add_file(
    db: &Db,
    files: &std::path::Path,
    subject: Subject,
    id: i64,
    name: &str,
    bytes: &[u8],
    actor: Actor<'_>,
) -> Result<i64> {
    open_for_files(db, subject, id).await?;
    let (content_type, sha, safe_name) =
        crate::projects::checked_upload(files, name, bytes).await?;
    let tx = db.begin_write().await?;
    let same: Option<StoredFile> = tx
        .row(
            &select::<StoredFile>("WHERE subject = ? AND subject_id = ? AND sha256 = ?"),
            vec![subject.code().into(), id.into(), sha.clone().into()],
        )
        .await?;
    if let Some(f) = same {
        return Ok(f.id);
    }
    let file = tx
        .insert(
            "INSERT INTO market_files (subject, subject_id, name, content_type, size, sha256, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![subject.code().into(), id.into(), safe_name.clone().into(), content_type.into(), (bytes.len() as i64).into(), sha.clone().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: &format!("{}.file", subject.code()),
            entity: subject.entity(),
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "file": file, "name": safe_name, "sha256": sha, "size": bytes.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(file)
}

/// A record's files, in the order they came.
pub async fn files_of(db: &Db, subject: Subject, id: i64) -> Result<Vec<StoredFile>> {
    db.rows(
        &select::<StoredFile>("WHERE subject = ? AND subject_id = ? ORDER BY id"),
        vec![subject.code().into(), id.into()],
    )
    .await
}

/// A file of a record and its bytes (checked against the digest).
pub async fn file(
    db: &Db,
    files: &std::path::Path,
    subject: Subject,
    id: i64,
    file: i64,
) -> Result<(StoredFile, Vec<u8>)> {
    let f: StoredFile = db
        .row(
            &select::<StoredFile>("WHERE id = ? AND subject = ? AND subject_id = ?"),
            vec![file.into(), subject.code().into(), id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let bytes =
        crate::projects::read_stored(files, &f.sha256, &format!("market file {file}")).await?;
    Ok((f, bytes))
}

/// Refuses to register a contract whose signed text is not uploaded.
pub(super) async fn has_text(tx: &Tx, c: &Contract) -> Result<()> {
    let any: Option<StoredFile> = tx
        .row(
            &select::<StoredFile>("WHERE subject = ? AND subject_id = ? LIMIT 1"),
            vec![Subject::Contract.code().into(), c.id.into()],
        )
        .await?;
    any.map(|_| ()).ok_or(StoreError::Market(MarketRefusal::NoSignedFile))
}
