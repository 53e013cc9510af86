//! Writing a backup: the tables' rows, then the stored files they refer to.
use super::*;

/// Every row that points at a stored file (application and report attachments, call files).
const FILE_REFS_SQL: &str = "SELECT 'attachments' AS tbl, id, sha256 FROM attachments UNION ALL SELECT 'call_files' AS tbl, id, sha256 FROM call_files UNION ALL SELECT 'market_files' AS tbl, id, sha256 FROM market_files UNION ALL SELECT 'evaluation_evidence' AS tbl, id, sha256 FROM evaluation_evidence UNION ALL SELECT 'supervision_evidence' AS tbl, id, sha256 FROM supervision_evidence ORDER BY 3, 1, 2";

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

/// The stored file with this digest, checked against it; None when missing or damaged.
pub(super) fn read_stored(dir: &Path, sha: &str) -> std::io::Result<Option<Vec<u8>>> {
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
    for (table, key, cols) in tables() {
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
