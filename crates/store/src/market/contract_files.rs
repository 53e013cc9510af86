//! The signed contract's text (合同文本) the registrant uploads with a registration — scanned
//! or electronic (PDF, images) — checked by its content, stored outside the web root by its
//! digest; the office registers a contract only once its text is there.
use super::MarketRefusal;
use super::contracts::Contract;
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::market::contracts::Status;

/// A stored file of a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFile {
    pub id: i64,
    pub contract_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

impl FromRow for ContractFile {
    const TABLE: &'static str = "tech_contract_files";
    columns!(id, contract_id, name, content_type, size, sha256, uploaded_by, uploaded_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ContractFile {
            id: f.int()?,
            contract_id: f.int()?,
            name: f.text()?,
            content_type: f.text()?,
            size: f.int()?,
            sha256: f.text()?,
            uploaded_by: f.text()?,
            uploaded_at: f.int()?,
        })
    }
}

/// Adds a checked file to a registration waiting for the office (the same file twice is one).
pub async fn add_file(
    db: &Db,
    files: &std::path::Path,
    contract_id: i64,
    name: &str,
    bytes: &[u8],
    actor: Actor<'_>,
) -> Result<i64> {
    let c = super::contracts::contract(db, contract_id).await?.ok_or(StoreError::NotFound)?;
    let open = [Status::Submitted.code(), Status::Materials.code()];
    if !open.contains(&c.status.as_str()) {
        return Err(StoreError::Market(MarketRefusal::NotNow {
            from: Status::parse(&c.status).map_or("", Status::code),
            action: "file",
        }));
    }
    let (content_type, sha, safe_name) =
        crate::projects::checked_upload(files, name, bytes).await?;
    let tx = db.begin_write().await?;
    let same: Option<ContractFile> = tx
        .row(
            &select::<ContractFile>("WHERE contract_id = ? AND sha256 = ?"),
            vec![contract_id.into(), sha.clone().into()],
        )
        .await?;
    if let Some(f) = same {
        return Ok(f.id);
    }
    let id = tx
        .insert(
            "INSERT INTO tech_contract_files (contract_id, name, content_type, size, sha256, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![contract_id.into(), safe_name.clone().into(), content_type.into(), (bytes.len() as i64).into(), sha.clone().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "contract.file",
            entity: "tech_contract",
            entity_id: contract_id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "name": safe_name, "sha256": sha, "size": bytes.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A registration's files, in the order they came.
pub async fn files_of(db: &Db, contract_id: i64) -> Result<Vec<ContractFile>> {
    db.rows(&select::<ContractFile>("WHERE contract_id = ? ORDER BY id"), vec![contract_id.into()])
        .await
}

/// A file of a registration and its bytes (checked against the digest).
pub async fn file(
    db: &Db,
    files: &std::path::Path,
    contract_id: i64,
    id: i64,
) -> Result<(ContractFile, Vec<u8>)> {
    let f: ContractFile = db
        .row(
            &select::<ContractFile>("WHERE id = ? AND contract_id = ?"),
            vec![id.into(), contract_id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let bytes =
        crate::projects::read_stored(files, &f.sha256, &format!("contract file {id}")).await?;
    Ok((f, bytes))
}

/// Refuses to register a contract whose signed text is not uploaded.
pub(super) async fn has_text(tx: &Tx, c: &Contract) -> Result<()> {
    let any: Option<ContractFile> =
        tx.row(&select::<ContractFile>("WHERE contract_id = ? LIMIT 1"), vec![c.id.into()]).await?;
    any.map(|_| ()).ok_or(StoreError::Market(MarketRefusal::NoSignedFile))
}
