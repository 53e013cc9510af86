//! Restoring a backup into an empty database, with its files.
use super::*;

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
    // The rows the migrations start these tables with come from the backup instead.
    txn.execute_unprepared("DELETE FROM audit_head").await?;
    txn.execute_unprepared("DELETE FROM market_change_clock").await?;
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
                tables().find(|x| x.0 == t).ok_or_else(|| bad(n, format!("unknown table {t}")))?,
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

/// The stored file a restored row points at (attachments, call files, contract files), if any.
fn file_ref(table: &str, cols: &[(&str, Col)], values: &[Value]) -> Option<FileRef> {
    if !["attachments", "call_files", "market_files"].contains(&table) {
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
    for (table, key, _) in tables() {
        if *key == "id" && !["audit_head", "market_change_clock"].contains(table) {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .await?;
        }
    }
    Ok(())
}
