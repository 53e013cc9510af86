//! Backup and restore of the whole platform: a logical snapshot of the database (JSON lines) read
//! in one consistent transaction while the server runs, then every stored file its rows point at
//! (by SHA-256 digest), restorable into an empty database of either backend.
//!
//! Format `innocity-backup/2`, one JSON value a line:
//! - `{"format":"innocity-backup/2"}`
//! - for each table, parents first: `{"columns":[…],"table":T}`, then one array a row;
//! - for each stored file, once per digest: `{"base64":…,"file":SHA256,"size":BYTES}`;
//! - `{"end":{"files":N,"missing":[{"id":…,"sha256":…,"table":…}]}}`: a file without it was cut
//!   short; `missing` names files the database pointed at that were not on disk at backup time.
//!
//! Restore still reads `innocity-backup/1` (tables only, no files, no end line).
use crate::db::{Db, Result, StoreError};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, IsolationLevel, TransactionTrait, Value,
};
use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy)]
enum Col {
    Int,
    NullInt,
    Text,
    NullText,
    NullReal,
}

/// A table: its name, its key (the backup's order), its columns.
type Table = (&'static str, &'static str, &'static [(&'static str, Col)]);

/// Tables in the order they can be restored (parents first), with their columns.
const TABLES: &[Table] = &[
    (
        "org_units",
        "id",
        &[
            ("id", Col::Int),
            ("parent_id", Col::NullInt),
            ("code", Col::Text),
            ("name_zh", Col::Text),
            ("name_en", Col::Text),
            ("level", Col::Text),
            ("path", Col::Text),
            ("sort", Col::Int),
        ],
    ),
    (
        "organisations",
        "id",
        &[
            ("id", Col::Int),
            ("credit_code", Col::Text),
            ("name", Col::Text),
            ("kind", Col::Text),
            ("org_unit_id", Col::Int),
            ("unit_path", Col::Text),
            ("address", Col::Text),
            ("contact", Col::Text),
            ("phone", Col::Text),
            ("created_at", Col::Int),
            ("updated_at", Col::Int),
            ("version", Col::Int),
        ],
    ),
    (
        "users",
        "id",
        &[
            ("id", Col::Int),
            ("username", Col::Text),
            ("display_name", Col::Text),
            ("password_hash", Col::Text),
            ("role", Col::Text),
            ("org_unit_id", Col::NullInt),
            ("organisation_id", Col::NullInt),
            ("active", Col::Int),
            ("failed_logins", Col::Int),
            ("locked_until", Col::Int),
            ("created_at", Col::Int),
        ],
    ),
    (
        "api_tokens",
        "id",
        &[
            ("id", Col::Int),
            ("user_id", Col::Int),
            ("name", Col::Text),
            ("token_hash", Col::Text),
            ("created_at", Col::Int),
            ("expires_at", Col::Int),
            ("last_used_at", Col::Int),
            ("read_only", Col::Int),
        ],
    ),
    (
        "stat_definitions",
        "id",
        &[
            ("id", Col::Int),
            ("name", Col::Text),
            ("body", Col::Text),
            ("imported_by", Col::Text),
            ("imported_at", Col::Int),
        ],
    ),
    (
        "stat_windows",
        "form, period",
        &[
            ("form", Col::Text),
            ("period", Col::Text),
            ("closes_on", Col::Text),
            ("set_by", Col::Text),
        ],
    ),
    (
        "stat_returns",
        "id",
        &[
            ("id", Col::Int),
            ("form", Col::Text),
            ("period", Col::Text),
            ("organisation_id", Col::Int),
            ("unit_path", Col::Text),
            ("status", Col::Text),
            ("explanations", Col::Text),
            ("reason", Col::Text),
            ("created_at", Col::Int),
            ("updated_at", Col::Int),
            ("submitted_at", Col::Int),
            ("reviewed_by", Col::Text),
            ("reviewed_at", Col::Int),
            ("version", Col::Int),
        ],
    ),
    (
        "stat_values",
        "return_id, element, disagg, row_no",
        &[
            ("return_id", Col::Int),
            ("element", Col::Text),
            ("disagg", Col::Text),
            ("row_no", Col::Int),
            ("num", Col::NullReal),
            ("txt", Col::NullText),
        ],
    ),
    (
        "stat_value_changes",
        "id",
        &[
            ("id", Col::Int),
            ("return_id", Col::Int),
            ("element", Col::Text),
            ("disagg", Col::Text),
            ("row_no", Col::Int),
            ("old_value", Col::NullText),
            ("new_value", Col::NullText),
            ("source", Col::Text),
            ("changed_by", Col::Text),
            ("changed_at", Col::Int),
        ],
    ),
    (
        "stat_uploads",
        "return_id, sha256",
        &[
            ("return_id", Col::Int),
            ("sha256", Col::Text),
            ("file_name", Col::Text),
            ("uploaded_by", Col::Text),
            ("uploaded_at", Col::Int),
        ],
    ),
    (
        "stat_approvals",
        "form, period, org_unit_id",
        &[
            ("form", Col::Text),
            ("period", Col::Text),
            ("org_unit_id", Col::Int),
            ("approved_by", Col::Text),
            ("approved_at", Col::Int),
        ],
    ),
    (
        "stat_reminders",
        "id",
        &[
            ("id", Col::Int),
            ("form", Col::Text),
            ("period", Col::Text),
            ("organisation_id", Col::Int),
            ("message", Col::Text),
            ("sent_by", Col::Text),
            ("sent_at", Col::Int),
        ],
    ),
    (
        "experts",
        "id",
        &[
            ("id", Col::Int),
            ("code", Col::Text),
            ("name", Col::Text),
            ("user_id", Col::NullInt),
            ("organisation_name", Col::Text),
            ("credit_code", Col::Text),
            ("unit_path", Col::Text),
            ("title", Col::Text),
            ("fields", Col::Text),
            ("keywords", Col::Text),
            ("publications", Col::Text),
            ("projects", Col::Text),
            ("region", Col::Text),
            ("contact", Col::Text),
            ("groups", Col::Text),
            ("available_from", Col::Text),
            ("available_to", Col::Text),
            ("library", Col::Text),
            ("status", Col::Text),
            ("status_reason", Col::Text),
            ("confirmed_year", Col::Int),
            ("yearly_cap", Col::Int),
            ("created_at", Col::Int),
            ("updated_at", Col::Int),
            ("version", Col::Int),
        ],
    ),
    (
        "expert_ties",
        "id",
        &[
            ("id", Col::Int),
            ("expert_id", Col::Int),
            ("kind", Col::Text),
            ("name", Col::Text),
            ("credit_code", Col::Text),
            ("year", Col::NullInt),
        ],
    ),
    (
        "credit_records",
        "id",
        &[
            ("id", Col::Int),
            ("subject_kind", Col::Text),
            ("subject_key", Col::Text),
            ("subject_name", Col::Text),
            ("nature", Col::Text),
            ("kind", Col::Text),
            ("severity", Col::Text),
            ("source", Col::Text),
            ("record_date", Col::Text),
            ("sanction", Col::Text),
            ("points", Col::Int),
            ("created_by", Col::Text),
            ("created_at", Col::Int),
        ],
    ),
    (
        "review_rounds",
        "id",
        &[
            ("id", Col::Int),
            ("code", Col::Text),
            ("name", Col::Text),
            ("call_name", Col::Text),
            ("library", Col::Text),
            ("mode", Col::Text),
            ("demand", Col::Int),
            ("max_load", Col::Int),
            ("rules", Col::Text),
            ("form", Col::Text),
            ("deadline", Col::Text),
            ("year", Col::Int),
            ("status", Col::Text),
            ("seed_hash", Col::Text),
            ("seed", Col::Text),
            ("created_by", Col::Text),
            ("created_at", Col::Int),
            ("closed_at", Col::Int),
        ],
    ),
    (
        "review_items",
        "id",
        &[
            ("id", Col::Int),
            ("round_id", Col::Int),
            ("code", Col::Text),
            ("title", Col::Text),
            ("body", Col::Text),
            ("discipline", Col::Text),
            ("applicant", Col::Text),
            ("members", Col::Text),
            ("credit_code", Col::Text),
            ("org_name", Col::Text),
            ("unit_path", Col::Text),
            ("avoid", Col::Text),
        ],
    ),
    (
        "review_conflicts",
        "item_id, expert_id, kind, detail",
        &[
            ("round_id", Col::Int),
            ("item_id", Col::Int),
            ("expert_id", Col::Int),
            ("kind", Col::Text),
            ("source", Col::Text),
            ("detail", Col::Text),
        ],
    ),
    (
        "review_bids",
        "item_id, expert_id",
        &[("item_id", Col::Int), ("expert_id", Col::Int), ("bid", Col::Text)],
    ),
    (
        "review_assignments",
        "id",
        &[
            ("id", Col::Int),
            ("round_id", Col::Int),
            ("item_id", Col::Int),
            ("expert_id", Col::Int),
            ("affinity", Col::NullReal),
            ("method", Col::Text),
            ("status", Col::Text),
            ("reason", Col::Text),
            ("scores", Col::Text),
            ("total", Col::NullReal),
            ("recommendation", Col::Text),
            ("comment", Col::Text),
            ("assigned_at", Col::Int),
            ("saved_at", Col::Int),
            ("submitted_at", Col::Int),
            ("reminded_at", Col::Int),
            ("version", Col::Int),
        ],
    ),
    (
        "review_draw_log",
        "id",
        &[
            ("id", Col::Int),
            ("round_id", Col::Int),
            ("item_id", Col::Int),
            ("expert_id", Col::Int),
            ("action", Col::Text),
            ("draw_key", Col::Text),
            ("actor", Col::Text),
            ("at_ms", Col::Int),
        ],
    ),
    (
        "programmes",
        "id",
        &[("id", Col::Int), ("code", Col::Text), ("name", Col::Text), ("created_at", Col::Int)],
    ),
    (
        "programme_budgets",
        "programme_id, year",
        &[
            ("programme_id", Col::Int),
            ("year", Col::Int),
            ("budget_fen", Col::Int),
            ("committed_fen", Col::Int),
        ],
    ),
    (
        "organisation_qualifications",
        "organisation_id, code",
        &[("organisation_id", Col::Int), ("code", Col::Text), ("valid_until", Col::Text)],
    ),
    (
        "calls",
        "id",
        &[
            ("id", Col::Int),
            ("programme_id", Col::Int),
            ("code", Col::Text),
            ("title", Col::Text),
            ("year", Col::Int),
            ("guidelines", Col::Text),
            ("topics", Col::Text),
            ("eligibility", Col::Text),
            ("budget_rules", Col::Text),
            ("applicant_deadline", Col::Text),
            ("organisation_deadline", Col::Text),
            ("zone_deadline", Col::Text),
            ("opens_on", Col::Text),
            ("status", Col::Text),
            ("created_by", Col::Text),
            ("created_at", Col::Int),
            ("form", Col::Text),
            ("review_plan", Col::Text),
        ],
    ),
    (
        "applications",
        "id",
        &[
            ("id", Col::Int),
            ("call_id", Col::Int),
            ("code", Col::Text),
            ("title", Col::Text),
            ("topic", Col::Text),
            ("summary", Col::Text),
            ("leader_user_id", Col::Int),
            ("leader_name", Col::Text),
            ("leader_key", Col::Text),
            ("members", Col::Text),
            ("organisation_id", Col::Int),
            ("unit_path", Col::Text),
            ("budget", Col::Text),
            ("requested_fen", Col::Int),
            ("stage", Col::Text),
            ("reason", Col::Text),
            ("duplicate_of", Col::Text),
            ("granted_fen", Col::Int),
            ("created_at", Col::Int),
            ("updated_at", Col::Int),
            ("submitted_at", Col::Int),
            ("version", Col::Int),
            ("department_opinion", Col::Text),
            ("suggested_fen", Col::Int),
            ("answers", Col::Text),
        ],
    ),
    (
        "application_events",
        "id",
        &[
            ("id", Col::Int),
            ("application_id", Col::Int),
            ("action", Col::Text),
            ("from_stage", Col::Text),
            ("to_stage", Col::Text),
            ("reason", Col::Text),
            ("actor", Col::Text),
            ("at_ms", Col::Int),
        ],
    ),
    (
        "task_books",
        "application_id",
        &[
            ("application_id", Col::Int),
            ("goals", Col::Text),
            ("deliverables", Col::Text),
            ("starts_on", Col::Text),
            ("ends_on", Col::Text),
            ("post_subsidy", Col::Int),
            ("signed_by", Col::Text),
            ("signed_at", Col::Int),
            ("budget", Col::Text),
            ("status", Col::Text),
            ("status_reason", Col::Text),
            ("extended", Col::Int),
            ("version", Col::Int),
            ("milestones", Col::Text),
        ],
    ),
    (
        "project_conditions",
        "application_id, condition",
        &[
            ("application_id", Col::Int),
            ("condition", Col::Text),
            ("opinion", Col::Text),
            ("approved_by", Col::Text),
            ("approved_at", Col::Int),
        ],
    ),
    (
        "instalments",
        "id",
        &[
            ("id", Col::Int),
            ("application_id", Col::Int),
            ("seq", Col::Int),
            ("condition", Col::Text),
            ("amount_fen", Col::Int),
            ("prepared_by", Col::Text),
            ("prepared_at", Col::Int),
            ("released_by", Col::Text),
            ("released_at", Col::Int),
            ("cancelled", Col::Int),
        ],
    ),
    (
        "attachments",
        "id",
        &[
            ("id", Col::Int),
            ("application_id", Col::Int),
            ("name", Col::Text),
            ("kind", Col::Text),
            ("content_type", Col::Text),
            ("size", Col::Int),
            ("sha256", Col::Text),
            ("uploaded_by", Col::Text),
            ("uploaded_at", Col::Int),
        ],
    ),
    (
        "application_counts",
        "call_id, stage",
        &[
            ("call_id", Col::Int),
            ("stage", Col::Text),
            ("n", Col::Int),
            ("requested_fen", Col::Int),
            ("granted_fen", Col::Int),
        ],
    ),
    (
        "call_files",
        "id",
        &[
            ("id", Col::Int),
            ("call_id", Col::Int),
            ("name", Col::Text),
            ("content_type", Col::Text),
            ("size", Col::Int),
            ("sha256", Col::Text),
            ("uploaded_by", Col::Text),
            ("uploaded_at", Col::Int),
        ],
    ),
    ("call_rounds", "call_id, round_id", &[("call_id", Col::Int), ("round_id", Col::Int)]),
    (
        "call_notices",
        "call_id",
        &[
            ("call_id", Col::Int),
            ("meeting_on", Col::Text),
            ("minutes", Col::Text),
            ("starts_on", Col::Text),
            ("ends_on", Col::Text),
            ("published_by", Col::Text),
            ("published_at", Col::Int),
        ],
    ),
    (
        "notice_objections",
        "id",
        &[
            ("id", Col::Int),
            ("call_id", Col::Int),
            ("application_id", Col::Int),
            ("name", Col::Text),
            ("contact", Col::Text),
            ("body", Col::Text),
            ("status", Col::Text),
            ("resolution", Col::Text),
            ("resolved_by", Col::Text),
            ("resolved_at", Col::Int),
            ("created_at", Col::Int),
        ],
    ),
    (
        "project_reports",
        "id",
        &[
            ("id", Col::Int),
            ("application_id", Col::Int),
            ("kind", Col::Text),
            ("seq", Col::Int),
            ("due_on", Col::Text),
            ("body", Col::Text),
            ("deliverables", Col::Text),
            ("status", Col::Text),
            ("submitted_by", Col::Text),
            ("submitted_at", Col::Int),
            ("reminded_at", Col::Int),
        ],
    ),
    (
        "project_opinions",
        "id",
        &[
            ("id", Col::Int),
            ("application_id", Col::Int),
            ("stage", Col::Text),
            ("expert", Col::Text),
            ("score", Col::Int),
            ("conclusion", Col::Text),
            ("body", Col::Text),
            ("added_by", Col::Text),
            ("added_at", Col::Int),
        ],
    ),
    (
        "project_changes",
        "id",
        &[
            ("id", Col::Int),
            ("application_id", Col::Int),
            ("kind", Col::Text),
            ("detail", Col::Text),
            ("reason", Col::Text),
            ("status", Col::Text),
            ("requested_by", Col::Text),
            ("requested_at", Col::Int),
            ("decided_by", Col::Text),
            ("decided_at", Col::Int),
            ("decision", Col::Text),
        ],
    ),
    (
        "project_findings",
        "id",
        &[
            ("id", Col::Int),
            ("application_id", Col::Int),
            ("kind", Col::Text),
            ("visited_on", Col::Text),
            ("findings", Col::Text),
            ("rectify_by", Col::Text),
            ("rectification", Col::Text),
            ("rectified_at", Col::Int),
            ("added_by", Col::Text),
            ("added_at", Col::Int),
        ],
    ),
    (
        "project_outputs",
        "id",
        &[
            ("id", Col::Int),
            ("application_id", Col::Int),
            ("kind", Col::Text),
            ("title", Col::Text),
            ("reference", Col::Text),
            ("on_date", Col::Text),
            ("added_by", Col::Text),
            ("added_at", Col::Int),
        ],
    ),
    (
        "project_outcomes",
        "application_id",
        &[
            ("application_id", Col::Int),
            ("outcome", Col::Text),
            ("score", Col::NullReal),
            ("grade", Col::Text),
            ("opinion", Col::Text),
            ("credit_records", Col::Text),
            ("decided_by", Col::Text),
            ("decided_at", Col::Int),
        ],
    ),
    (
        "indicator_values",
        "indicator, org_unit_id, period",
        &[
            ("indicator", Col::Text),
            ("org_unit_id", Col::Int),
            ("period", Col::Text),
            ("value", Col::NullReal),
            ("source", Col::Text),
            ("updated_by", Col::Text),
            ("updated_at", Col::Int),
        ],
    ),
    (
        "framework_definitions",
        "code",
        &[
            ("code", Col::Text),
            ("body", Col::Text),
            ("imported_by", Col::Text),
            ("imported_at", Col::Int),
        ],
    ),
    (
        "framework_settings",
        "code",
        &[
            ("code", Col::Text),
            ("public", Col::Int),
            ("updated_by", Col::Text),
            ("updated_at", Col::Int),
        ],
    ),
    (
        "audit_log",
        "seq",
        &[
            ("seq", Col::Int),
            ("at_ms", Col::Int),
            ("actor", Col::Text),
            ("action", Col::Text),
            ("entity", Col::Text),
            ("entity_id", Col::Text),
            ("before_json", Col::Text),
            ("after_json", Col::Text),
            ("request_id", Col::Text),
            ("prev_hash", Col::Text),
            ("hash", Col::Text),
        ],
    ),
    ("audit_head", "id", &[("id", Col::Int), ("seq", Col::Int), ("hash", Col::Text)]),
];

const FORMAT: &str = "innocity-backup/2";
/// The first format: tables only.
const FORMAT_V1: &str = "innocity-backup/1";

/// Every row that points at a stored file (application and report attachments, call files).
const FILE_REFS_SQL: &str = "SELECT 'attachments' AS tbl, id, sha256 FROM attachments UNION ALL SELECT 'call_files' AS tbl, id, sha256 FROM call_files ORDER BY 3, 1, 2";

/// A row that points at a stored file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileRef {
    pub table: String,
    pub id: i64,
    pub sha256: String,
}

/// Where stored files live, and whether a backup goes on when some are missing.
#[derive(Debug, Clone, Copy)]
pub struct Files<'a> {
    pub dir: &'a Path,
    /// Write the backup anyway, naming the missing files in it (otherwise it is refused).
    pub allow_missing: bool,
}

/// What a backup wrote, or a restore read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Rows per table, in restore order.
    pub tables: Vec<(String, u64)>,
    /// Stored files carried, each digest once.
    pub files: u64,
    /// Rows whose file was not on disk when the backup was taken.
    pub missing: Vec<FileRef>,
}

/// The end record of a backup.
#[derive(serde::Deserialize)]
struct End {
    files: u64,
    missing: Vec<FileRef>,
}

fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The stored file with this digest, checked against it; None when missing or damaged.
fn read_stored(dir: &Path, sha: &str) -> std::io::Result<Option<Vec<u8>>> {
    if !is_digest(sha) {
        return Ok(None);
    }
    match std::fs::read(crate::projects::file_path(dir, sha)) {
        Ok(bytes) if sha256_hex(&bytes) == sha => Ok(Some(bytes)),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn on_disk(dir: &Path, sha: &str) -> bool {
    is_digest(sha) && crate::projects::file_path(dir, sha).is_file()
}

/// Writes a snapshot of the database and the files its rows point at.
pub async fn backup(db: &Db, files: Files<'_>, out: &mut dyn Write) -> Result<Summary> {
    let txn = if db.is_postgres() {
        db.conn
            .begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
            .await?
    } else {
        db.conn.begin().await?
    };
    let refs = file_refs(db, &txn).await?;
    let mut missing: Vec<FileRef> =
        refs.iter().filter(|r| !on_disk(files.dir, &r.sha256)).cloned().collect();
    if !missing.is_empty() && !files.allow_missing {
        return Err(missing_files(files.dir, &missing));
    }
    writeln!(out, "{}", serde_json::json!({ "format": FORMAT }))?;
    let tables = write_tables(db, &txn, out).await?;
    txn.commit().await?;
    let written = write_files(files, &refs, &mut missing, out)?;
    writeln!(out, "{}", serde_json::json!({ "end": { "files": written, "missing": missing } }))?;
    Ok(Summary { tables, files: written, missing })
}

async fn file_refs(db: &Db, txn: &DatabaseTransaction) -> Result<Vec<FileRef>> {
    let rows = txn.query_all_raw(db.stmt(FILE_REFS_SQL, vec![])).await?;
    rows.iter()
        .map(|r| {
            Ok(FileRef {
                table: r.try_get("", "tbl")?,
                id: r.try_get("", "id")?,
                sha256: r.try_get("", "sha256")?,
            })
        })
        .collect()
}

/// The refusal naming each missing file (the first few hundred) and where it was looked for.
fn missing_files(dir: &Path, missing: &[FileRef]) -> StoreError {
    let mut text = format!(
        "数据库引用的 {n} 个文件不在 {d} 中，未写备份 / {n} stored files the database points at are not in {d}; no backup written (--allow-missing-files writes it anyway, naming them):",
        n = missing.len(),
        d = dir.display()
    );
    for r in missing.iter().take(200) {
        text.push_str(&format!("\n  {} {}: {}", r.table, r.id, r.sha256));
    }
    if missing.len() > 200 {
        text.push_str(&format!("\n  … {} more", missing.len() - 200));
    }
    StoreError::Invalid(text)
}

/// The refusal naming a stored file that no longer matches its digest, and the rows using it.
fn damaged_file(dir: &Path, rows: &[FileRef]) -> StoreError {
    let sha = rows.first().map(|r| r.sha256.as_str()).unwrap_or_default();
    let used: Vec<String> = rows.iter().map(|r| format!("{} {}", r.table, r.id)).collect();
    StoreError::Invalid(format!(
        "{}: 文件与其摘要不符（已损坏），未写备份 / the stored file does not match its digest (damaged); no backup written (--allow-missing-files writes it anyway, naming it); used by {}",
        crate::projects::file_path(dir, sha).display(),
        used.join(", ")
    ))
}

async fn write_tables(
    db: &Db,
    txn: &DatabaseTransaction,
    out: &mut dyn Write,
) -> Result<Vec<(String, u64)>> {
    use futures_util::StreamExt;
    use sea_orm::StreamTrait;
    let mut counts = Vec::new();
    for (table, key, cols) in TABLES {
        let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
        let sql = format!("SELECT {} FROM {table} ORDER BY {key}", names.join(", "));
        writeln!(out, "{}", serde_json::json!({ "table": table, "columns": names }))?;
        let mut n = 0u64;
        let mut rows = txn.stream_raw(db.stmt(&sql, vec![])).await?;
        while let Some(row) = rows.next().await {
            let row = row?;
            let mut vals = Vec::with_capacity(cols.len());
            for (name, col) in cols.iter() {
                vals.push(match col {
                    Col::Int => serde_json::json!(row.try_get::<i64>("", name)?),
                    Col::NullInt => serde_json::json!(row.try_get::<Option<i64>>("", name)?),
                    Col::Text => serde_json::json!(row.try_get::<String>("", name)?),
                    Col::NullText => serde_json::json!(row.try_get::<Option<String>>("", name)?),
                    Col::NullReal => serde_json::json!(row.try_get::<Option<f64>>("", name)?),
                });
            }
            writeln!(out, "{}", serde_json::Value::Array(vals))?;
            n += 1;
        }
        drop(rows);
        counts.push((table.to_string(), n));
    }
    Ok(counts)
}

/// Writes each referenced file once, checked against its digest; returns how many. A damaged
/// file is refused like a missing one, or (when allowed) named among the missing.
fn write_files(
    files: Files<'_>,
    refs: &[FileRef],
    missing: &mut Vec<FileRef>,
    out: &mut dyn Write,
) -> Result<u64> {
    use base64::Engine;
    let mut written = 0u64;
    let mut done: HashSet<&str> = HashSet::new();
    let absent: HashSet<String> = missing.iter().map(|r| r.sha256.clone()).collect();
    for r in refs {
        if absent.contains(&r.sha256) || !done.insert(r.sha256.as_str()) {
            continue;
        }
        let Some(bytes) = read_stored(files.dir, &r.sha256)? else {
            let damaged: Vec<FileRef> =
                refs.iter().filter(|x| x.sha256 == r.sha256).cloned().collect();
            if !files.allow_missing {
                return Err(damaged_file(files.dir, &damaged));
            }
            missing.extend(damaged);
            continue;
        };
        let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
        writeln!(
            out,
            "{}",
            serde_json::json!({ "file": r.sha256, "size": bytes.len(), "base64": data })
        )?;
        written += 1;
    }
    Ok(written)
}

/// Writes a backup file as only its owner may read it (it holds password and token hashes):
/// created 0600 under a temporary name in the same folder, synced, renamed into place, and the
/// folder synced, so the file is either the whole backup or absent.
pub async fn write_file(db: &Db, files: Files<'_>, path: &Path) -> Result<Summary> {
    let named = |e: std::io::Error| StoreError::Invalid(format!("{}: {e}", path.display()));
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.partial", &crate::users::random_token()[..12]));
    let file = private_file(&tmp).map_err(named)?;
    let mut w = std::io::BufWriter::new(file);
    let written = async {
        let summary = backup(db, files, &mut w).await?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok::<_, StoreError>(summary)
    }
    .await;
    let summary = match written {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, path).map_err(named)?;
    std::fs::File::open(&dir).and_then(|d| d.sync_all()).map_err(named)?;
    Ok(summary)
}

/// A new file only its owner can read and write (mode 0600 from the start, never wider).
pub(crate) fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// A problem on a line of the backup file.
fn bad(line: usize, what: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("备份第 {line} 行 / backup line {line}: {what}"))
}

/// A row the restore cannot take.
fn bad_row(line: usize, table: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!(
        "备份第 {line} 行（表 {table}）/ backup line {line} (table {table}): {what}"
    ))
}

/// A value the restore cannot take.
fn bad_cell(line: usize, table: &str, column: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!(
        "备份第 {line} 行（表 {table}，列 {column}）/ backup line {line} (table {table}, column {column}): {what}"
    ))
}

const NUL: &str = "含 NUL 字符（U+0000），PostgreSQL 无法保存 / contains a NUL character (U+0000), which PostgreSQL cannot store";

/// One value of a row, checked against its column's type. Text bound for PostgreSQL is checked
/// for NUL (the one character it refuses; tabs and newlines are data) so the message is ours.
fn cell(
    col: Col,
    x: &serde_json::Value,
    postgres: bool,
) -> std::result::Result<Value, &'static str> {
    const INT: &str = "应为整数 / expected a whole number";
    const TEXT: &str = "应为文本 / expected text";
    const REAL: &str = "应为数值 / expected a number";
    let text = |x: &serde_json::Value| -> std::result::Result<String, &'static str> {
        let s = x.as_str().ok_or(TEXT)?;
        if postgres && s.contains('\0') { Err(NUL) } else { Ok(s.to_string()) }
    };
    Ok(match (col, x.is_null()) {
        (Col::NullInt, true) => Option::<i64>::None.into(),
        (Col::NullText, true) => Option::<String>::None.into(),
        (Col::NullReal, true) => Option::<f64>::None.into(),
        (Col::Int | Col::NullInt, _) => Some(x.as_i64().ok_or(INT)?).into(),
        (Col::Text | Col::NullText, _) => Some(text(x)?).into(),
        (Col::NullReal, _) => Some(x.as_f64().ok_or(REAL)?).into(),
    })
}

/// A restored row that points at a stored file, and its line in the backup.
struct RowRef {
    line: usize,
    file: FileRef,
}

/// A restore under way: one transaction, the table being read, what was read so far.
struct Restoring<'a> {
    db: &'a Db,
    txn: DatabaseTransaction,
    files: &'a Path,
    version: &'static str,
    table: Option<&'static Table>,
    summary: Summary,
    refs: Vec<RowRef>,
    carried: HashSet<String>,
    end: Option<End>,
    last_line: usize,
}

async fn ensure_empty(db: &Db) -> Result<()> {
    let existing: i64 = db
        .query_one(
            "SELECT (SELECT COUNT(*) FROM org_units) + (SELECT COUNT(*) FROM users) AS n",
            vec![],
        )
        .await?
        .map(|r| r.try_get("", "n"))
        .transpose()?
        .unwrap_or(0);
    if existing > 0 {
        return Err(StoreError::Invalid(
            "the target database is not empty; restore into a new database".into(),
        ));
    }
    Ok(())
}

fn read_header(first: Option<std::io::Result<String>>) -> Result<&'static str> {
    let first = first.ok_or_else(|| bad(1, "empty file"))??;
    let header: serde_json::Value =
        serde_json::from_str(&first).map_err(|_| bad(1, "not a backup header"))?;
    match header["format"].as_str() {
        Some(FORMAT) => Ok(FORMAT),
        Some(FORMAT_V1) => Ok(FORMAT_V1),
        _ => Err(bad(1, "unknown format")),
    }
}

/// Restores a backup into a database that holds no data yet (migrated, empty), in one
/// transaction: either everything is restored or nothing is. Stored files are written into
/// `files` (checked against their digests) before the commit; a restore that fails after that
/// leaves at most unreferenced files, as an interrupted upload does. The audit chain is verified
/// inside the transaction before it commits.
pub async fn restore(db: &Db, files: &Path, input: &mut dyn BufRead) -> Result<Summary> {
    ensure_empty(db).await?;
    let mut lines = input.lines();
    let version = read_header(lines.next())?;
    let txn = db.conn.begin().await?;
    txn.execute_unprepared("DELETE FROM audit_head").await?;
    let mut r = Restoring {
        db,
        txn,
        files,
        version,
        table: None,
        summary: Summary::default(),
        refs: Vec::new(),
        carried: HashSet::new(),
        end: None,
        last_line: 1,
    };
    for (i, line) in lines.enumerate() {
        r.last_line = i + 2;
        r.line(i + 2, &line?).await?;
    }
    r.finish().await
}

impl Restoring<'_> {
    async fn line(&mut self, n: usize, text: &str) -> Result<()> {
        if self.end.is_some() {
            return Err(bad(n, "data after the end record"));
        }
        let v: serde_json::Value = serde_json::from_str(text).map_err(|_| bad(n, "not JSON"))?;
        if let Some(t) = v.get("table").and_then(|t| t.as_str()) {
            self.table = Some(
                TABLES
                    .iter()
                    .find(|x| x.0 == t)
                    .ok_or_else(|| bad(n, format!("unknown table {t}")))?,
            );
            self.summary.tables.push((t.to_string(), 0));
            Ok(())
        } else if v.get("file").is_some() {
            self.file(n, &v).await
        } else if let Some(end) = v.get("end") {
            self.end = Some(
                serde_json::from_value(end.clone()).map_err(|_| bad(n, "malformed end record"))?,
            );
            Ok(())
        } else {
            self.row(n, &v).await
        }
    }

    async fn row(&mut self, n: usize, v: &serde_json::Value) -> Result<()> {
        let (table, _, cols) = self.table.ok_or_else(|| bad(n, "row before any table"))?;
        let arr = v
            .as_array()
            .filter(|a| a.len() == cols.len())
            .ok_or_else(|| bad_row(n, table, "wrong number of columns"))?;
        let mut values: Vec<Value> = Vec::with_capacity(cols.len());
        for ((name, col), x) in cols.iter().zip(arr) {
            values.push(
                cell(*col, x, self.db.is_postgres())
                    .map_err(|what| bad_cell(n, table, name, what))?,
            );
        }
        if let Some(file) = file_ref(table, cols, &values) {
            self.refs.push(RowRef { line: n, file });
        }
        let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
        let marks = vec!["?"; cols.len()].join(", ");
        let sql = format!("INSERT INTO {table} ({}) VALUES ({marks})", names.join(", "));
        self.txn
            .execute_raw(self.db.stmt(&sql, values))
            .await
            .map_err(|e| bad_row(n, table, StoreError::from_db(e)))?;
        if let Some(c) = self.summary.tables.last_mut() {
            c.1 += 1;
        }
        Ok(())
    }

    /// A stored file: decoded, checked against its digest, written into the files folder.
    async fn file(&mut self, n: usize, v: &serde_json::Value) -> Result<()> {
        use base64::Engine;
        let sha = v["file"]
            .as_str()
            .filter(|s| is_digest(s))
            .ok_or_else(|| bad(n, "not a SHA-256 digest"))?
            .to_string();
        let data = v["base64"].as_str().ok_or_else(|| bad(n, "no file content"))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| bad(n, "file content is not base64"))?;
        if sha256_hex(&bytes) != sha || v["size"].as_u64() != Some(bytes.len() as u64) {
            return Err(bad(
                n,
                format!(
                    "文件 {sha} 与其摘要不符（备份已损坏）/ file {sha} does not match its digest (damaged backup)"
                ),
            ));
        }
        let (dir, digest) = (self.files.to_path_buf(), sha.clone());
        tokio::task::spawn_blocking(move || put_file(&dir, &digest, &bytes))
            .await
            .map_err(|e| StoreError::Invalid(e.to_string()))?
            .map_err(|e| bad(n, format!("{}: {e}", self.files.display())))?;
        if self.carried.insert(sha) {
            self.summary.files += 1;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<Summary> {
        self.check_end()?;
        self.check_files()?;
        for sql in crate::orgs::RECOUNT_SQL {
            self.txn.execute_unprepared(sql).await?;
        }
        if self.db.is_postgres() {
            move_sequences(&self.txn).await?;
        }
        if let Err(b) = crate::audit::verify_in(self.db, &self.txn).await? {
            return Err(StoreError::Invalid(format!(
                "备份中的审计链已断裂，未恢复任何数据 / the audit chain in the backup is broken, nothing restored: {b}"
            )));
        }
        self.txn.commit().await?;
        Ok(self.summary)
    }

    /// A backup of the current format ends with its end record, which counts the files.
    fn check_end(&self) -> Result<()> {
        if self.version == FORMAT_V1 {
            return Ok(());
        }
        let end = self.end.as_ref().ok_or_else(|| bad(self.last_line, "备份在此行后中断（没有结束记录）/ the backup stops after this line without its end record: it was cut short"))?;
        if end.files != self.summary.files {
            return Err(bad(
                self.last_line,
                format!(
                    "the end record counts {} files, the backup holds {}",
                    end.files, self.summary.files
                ),
            ));
        }
        Ok(())
    }

    /// Every restored row's file is in the backup or already in the folder, or was named missing
    /// when the backup was taken (or the backup predates files).
    fn check_files(&mut self) -> Result<()> {
        let declared: Vec<FileRef> =
            self.end.as_ref().map(|e| e.missing.clone()).unwrap_or_default();
        for r in &self.refs {
            if self.carried.contains(&r.file.sha256)
                || read_stored(self.files, &r.file.sha256)?.is_some()
            {
                continue;
            }
            if self.version == FORMAT_V1 || declared.contains(&r.file) {
                self.summary.missing.push(r.file.clone());
                continue;
            }
            return Err(bad_row(
                r.line,
                &r.file.table,
                format!(
                    "文件 {} 既不在备份中也不在 {} 中 / file {} is neither in the backup nor in {}",
                    r.file.sha256,
                    self.files.display(),
                    r.file.sha256,
                    self.files.display()
                ),
            ));
        }
        Ok(())
    }
}

/// The stored file a restored row points at (attachments and call files), if any.
fn file_ref(table: &str, cols: &[(&str, Col)], values: &[Value]) -> Option<FileRef> {
    if table != "attachments" && table != "call_files" {
        return None;
    }
    let at = |name: &str| cols.iter().position(|c| c.0 == name).and_then(|i| values.get(i));
    let id = match at("id")? {
        Value::BigInt(Some(id)) => *id,
        _ => return None,
    };
    let sha256 = match at("sha256")? {
        Value::String(Some(s)) => s.to_string(),
        _ => return None,
    };
    Some(FileRef { table: table.to_string(), id, sha256 })
}

/// Writes a restored file under its digest, replacing a damaged copy.
fn put_file(dir: &Path, sha: &str, bytes: &[u8]) -> std::io::Result<()> {
    if read_stored(dir, sha)?.is_some() {
        return Ok(());
    }
    let path = crate::projects::file_path(dir, sha);
    if path.exists() {
        std::fs::remove_file(&path)?;
    }
    crate::projects::store_file(dir, sha, bytes)
}

/// PostgreSQL: new rows get ids after the restored ones.
async fn move_sequences(txn: &DatabaseTransaction) -> Result<()> {
    for (table, key, _) in TABLES {
        if *key == "id" && *table != "audit_head" {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .await?;
        }
    }
    Ok(())
}
