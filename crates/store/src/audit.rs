//! The audit log: appended in the caller's transaction, verified by walking the chain.
use crate::StoreError;
use crate::db::{Db, Result, Tx};
use crate::rows::{Fields, FromRow, RowKey, columns, select};
use innocity_core::audit::{Break, Entry, EntryRef, Verifier, entry_hash};
use sea_orm::Value;
use std::sync::LazyLock;

/// What changed, as the caller describes it.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    pub request_id: &'a str,
}

/// Appends one entry inside `tx` (which [`Db::begin_write`] opened holding the head row).
pub async fn append(tx: &Tx, c: Change<'_>) -> Result<i64> {
    let known = tx.audit_head.lock().ok().and_then(|h| h.clone());
    let (prev_seq, prev_hash) = match known {
        Some(head) => head,
        None => {
            let head =
                tx.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", vec![]).await?;
            let head = head.ok_or(crate::StoreError::NotFound)?;
            (head.try_get("", "seq")?, head.try_get("", "hash")?)
        }
    };
    let seq = prev_seq + 1;
    let at = tx.clock.now_ms();
    let before = c.before.to_string();
    let after = c.after.to_string();
    let hash = entry_hash(
        &prev_hash,
        seq,
        at,
        [c.actor, c.action, c.entity, &c.entity_id, &before, &after, c.request_id],
    );
    tx.exec(
        "INSERT INTO audit_log (seq, at_ms, actor, action, entity, entity_id, before_json, after_json, request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            seq.into(),
            at.into(),
            c.actor.into(),
            c.action.into(),
            c.entity.into(),
            c.entity_id.into(),
            before.into(),
            after.into(),
            c.request_id.into(),
            prev_hash.into(),
            hash.clone().into(),
        ],
    )
    .await?;
    tx.exec(
        "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
        vec![seq.into(), hash.clone().into()],
    )
    .await?;
    if let Ok(mut head) = tx.audit_head.lock() {
        *head = Some((seq, hash));
    }
    Ok(seq)
}

impl FromRow for Entry {
    const TABLE: &'static str = "audit_log";
    columns!(
        seq,
        at_ms,
        actor,
        action,
        entity,
        entity_id,
        before_json,
        after_json,
        request_id,
        prev_hash,
        hash
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Entry {
            seq: f.int()?,
            at_ms: f.int()?,
            actor: f.text()?,
            action: f.text()?,
            entity: f.text()?,
            entity_id: f.text()?,
            before: f.text()?,
            after: f.text()?,
            request_id: f.text()?,
            prev_hash: f.text()?,
            hash: f.text()?,
        })
    }
}

/// The chain in order, for the checks (the columns of [`Entry`]).
static VERIFY_SQL: LazyLock<String> = LazyLock::new(|| select::<Entry>("ORDER BY seq"));
const HEAD_SQL: &str = "SELECT seq, hash FROM audit_head WHERE id = 1";

/// The streaming checks below read borrowed text straight from the drivers, by the positions
/// of [`Entry`]'s columns; a value that does not read is [`StoreError::Corrupt`] all the same.
fn corrupt(row: usize, column: usize, problem: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table: Entry::TABLE,
        row: RowKey::Position(row),
        column: Entry::COLUMNS.get(column).copied().unwrap_or("?"),
        problem: problem.to_string(),
    }
}

/// Walks the whole log in one consistent read. Ok(count) or the first break.
///
/// This is the one place we go below SeaORM: rows are read as borrowed strings, so a million
/// entries are checked without a million allocations. On SQLite we read the file directly
/// (rusqlite over the same libsqlite3), because sqlx hands every row across threads, which
/// costs more than the hashing itself.
pub async fn verify(db: &Db) -> Result<std::result::Result<u64, Break>> {
    match (&db.sqlite_path, db.is_postgres()) {
        (Some(path), false) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || verify_sqlite_file(&path))
                .await
                .map_err(|e| StoreError::Invalid(e.to_string()))?
        }
        (None, false) => Err(StoreError::Invalid(
            "audit verify needs a database file, not an in-memory database".into(),
        )),
        _ => verify_postgres(db).await,
    }
}

fn verify_sqlite_file(path: &std::path::Path) -> Result<std::result::Result<u64, Break>> {
    use rusqlite::{Connection, OpenFlags};
    let err = |e: rusqlite::Error| StoreError::Invalid(format!("{}: {e}", path.display()));
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    // One read transaction: the head and the rows come from the same snapshot.
    conn.execute_batch("BEGIN").map_err(err)?;
    let (head_seq, head_hash): (i64, String) =
        conn.query_row(HEAD_SQL, [], |r| Ok((r.get(0)?, r.get(1)?))).map_err(err)?;
    let mut verifier = Verifier::default();
    let mut stmt = conn.prepare(&VERIFY_SQL).map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    let mut at = 0;
    while let Some(r) = rows.next().map_err(err)? {
        let s = |i: usize| -> Result<&str> {
            r.get_ref(i).map_err(|e| corrupt(at, i, e))?.as_str().map_err(|e| corrupt(at, i, e))
        };
        let n = |i: usize| -> Result<i64> { r.get(i).map_err(|e| corrupt(at, i, e)) };
        let entry = EntryRef {
            seq: n(0)?,
            at_ms: n(1)?,
            fields: [s(2)?, s(3)?, s(4)?, s(5)?, s(6)?, s(7)?, s(8)?],
            prev_hash: s(9)?,
            hash: s(10)?,
        };
        if let Err(b) = verifier.push_ref(entry) {
            return Ok(Err(b));
        }
        at += 1;
    }
    Ok(verifier.finish(head_seq, &head_hash))
}

async fn verify_postgres(db: &Db) -> Result<std::result::Result<u64, Break>> {
    use futures_util::TryStreamExt;
    use sea_orm::sqlx::{self, Row};
    let err = |e: sqlx::Error| StoreError::Invalid(e.to_string());
    let pool = db.conn.get_postgres_connection_pool();
    let mut tx = pool.begin().await.map_err(err)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut *tx)
        .await
        .map_err(err)?;
    let head = sqlx::query(HEAD_SQL).fetch_one(&mut *tx).await.map_err(err)?;
    let (head_seq, head_hash): (i64, String) =
        (head.try_get(0).map_err(err)?, head.try_get(1).map_err(err)?);
    let mut verifier = Verifier::default();
    {
        let mut rows = sqlx::query(VERIFY_SQL.as_str()).fetch(&mut *tx);
        let mut at = 0;
        while let Some(r) = rows.try_next().await.map_err(err)? {
            let s = |i: usize| r.try_get::<&str, _>(i).map_err(|e| corrupt(at, i, e));
            let n = |i: usize| r.try_get::<i64, _>(i).map_err(|e| corrupt(at, i, e));
            let entry = EntryRef {
                seq: n(0)?,
                at_ms: n(1)?,
                fields: [s(2)?, s(3)?, s(4)?, s(5)?, s(6)?, s(7)?, s(8)?],
                prev_hash: s(9)?,
                hash: s(10)?,
            };
            if let Err(b) = verifier.push_ref(entry) {
                return Ok(Err(b));
            }
            at += 1;
        }
    }
    tx.commit().await.map_err(err)?;
    Ok(verifier.finish(head_seq, &head_hash))
}

/// Walks the chain inside `txn`: what a restore is about to commit, before it does.
pub async fn verify_in(
    db: &Db,
    txn: &sea_orm::DatabaseTransaction,
) -> Result<std::result::Result<u64, Break>> {
    use futures_util::StreamExt;
    use sea_orm::{ConnectionTrait, StreamTrait};
    let mut verifier = Verifier::default();
    {
        let mut rows = txn.stream_raw(db.stmt(&VERIFY_SQL, vec![])).await?;
        let mut at = 0;
        while let Some(row) = rows.next().await {
            let entry: Entry = Fields::read(&row?, at)?;
            if let Err(b) = verifier.push(&entry) {
                return Ok(Err(b));
            }
            at += 1;
        }
    }
    let head = txn.query_one_raw(db.stmt(HEAD_SQL, vec![])).await?.ok_or(StoreError::NotFound)?;
    Ok(verifier.finish(head.try_get("", "seq")?, &head.try_get::<String>("", "hash")?))
}

/// Filters for the audit page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub entity_id: String,
    /// Only entries before this sequence number (for paging backwards).
    #[serde(default)]
    pub before_seq: Option<i64>,
}

/// The newest entries matching the filter, newest first.
pub async fn list(db: &Db, f: &Filter, limit: u64) -> Result<Vec<Entry>> {
    let mut sql = select::<Entry>("WHERE 1 = 1");
    let mut values: Vec<Value> = Vec::new();
    for (col, v) in [
        ("actor", &f.actor),
        ("action", &f.action),
        ("entity", &f.entity),
        ("entity_id", &f.entity_id),
    ] {
        let v = v.trim();
        if !v.is_empty() {
            sql.push_str(&format!(" AND {col} = ?"));
            values.push(v.into());
        }
    }
    if let Some(b) = f.before_seq {
        sql.push_str(" AND seq < ?");
        values.push(b.into());
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ?");
    values.push((limit as i64).into());
    db.rows(&sql, values).await
}

/// Bulk-appends `n` synthetic entries (for the benchmark of `audit verify`), chained correctly.
pub async fn append_synthetic(db: &Db, n: u64) -> Result<()> {
    let batch = 500u64;
    let mut done = 0;
    while done < n {
        let tx = db.begin_write().await?;
        let head = tx
            .query_one("SELECT seq, hash FROM audit_head WHERE id = 1", vec![])
            .await?
            .ok_or(crate::StoreError::NotFound)?;
        let mut seq: i64 = head.try_get("", "seq")?;
        let mut prev: String = head.try_get("", "hash")?;
        let k = batch.min(n - done);
        let mut sql = format!("INSERT INTO audit_log ({}) VALUES ", Entry::LIST);
        let mut values: Vec<Value> = Vec::with_capacity(k as usize * 11);
        for i in 0..k {
            seq += 1;
            let at = tx.clock.now_ms();
            let after = format!("{{\"n\":{seq}}}");
            let id = seq.to_string();
            let hash = entry_hash(
                &prev,
                seq,
                at,
                ["bench", "bench.synthetic", "bench", &id, "{}", &after, "bench"],
            );
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            values.extend([
                seq.into(),
                at.into(),
                "bench".into(),
                "bench.synthetic".into(),
                "bench".into(),
                id.into(),
                "{}".into(),
                after.into(),
                "bench".into(),
                prev.clone().into(),
                hash.clone().into(),
            ]);
            prev = hash;
        }
        tx.exec(&sql, values).await?;
        tx.exec(
            "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
            vec![seq.into(), prev.clone().into()],
        )
        .await?;
        if let Ok(mut head) = tx.audit_head.lock() {
            *head = Some((seq, prev));
        }
        tx.commit().await?;
        done += k;
    }
    Ok(())
}
