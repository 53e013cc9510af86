//! The audit log: appended in the caller's transaction, verified by walking the chain.
use crate::db::{Db, Result, Tx, now_ms};
use innocity_core::audit::{Break, Entry, Verifier, entry_hash};
use sea_orm::{ConnectionTrait, QueryResult, StreamTrait, Value};

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
    let head = tx.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", vec![]).await?;
    let head = head.ok_or(crate::StoreError::NotFound)?;
    let prev_seq: i64 = head.try_get("", "seq")?;
    let prev_hash: String = head.try_get("", "hash")?;
    let seq = prev_seq + 1;
    let at = now_ms();
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
    tx.exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", vec![seq.into(), hash.into()]).await?;
    Ok(seq)
}

fn entry_from(r: &QueryResult) -> Result<Entry> {
    Ok(Entry {
        seq: r.try_get("", "seq")?,
        at_ms: r.try_get("", "at_ms")?,
        actor: r.try_get("", "actor")?,
        action: r.try_get("", "action")?,
        entity: r.try_get("", "entity")?,
        entity_id: r.try_get("", "entity_id")?,
        before: r.try_get("", "before_json")?,
        after: r.try_get("", "after_json")?,
        request_id: r.try_get("", "request_id")?,
        prev_hash: r.try_get("", "prev_hash")?,
        hash: r.try_get("", "hash")?,
    })
}

const COLUMNS: &str = "seq, at_ms, actor, action, entity, entity_id, before_json, after_json, request_id, prev_hash, hash";

/// Walks the whole log in one consistent read, streaming rows. Ok(count) or the first break.
pub async fn verify(db: &Db) -> Result<std::result::Result<u64, Break>> {
    use futures_util::StreamExt;
    use sea_orm::TransactionTrait;
    let txn = db.conn.begin().await?;
    let head = txn.query_one_raw(db.stmt("SELECT seq, hash FROM audit_head WHERE id = 1", vec![])).await?;
    let head = head.ok_or(crate::StoreError::NotFound)?;
    let (head_seq, head_hash): (i64, String) = (head.try_get("", "seq")?, head.try_get("", "hash")?);
    let mut verifier = Verifier::default();
    {
        let mut rows = txn.stream_raw(db.stmt(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq"), vec![])).await?;
        while let Some(row) = rows.next().await {
            let entry = entry_from(&row?)?;
            if let Err(b) = verifier.push(&entry) {
                return Ok(Err(b));
            }
        }
    }
    txn.commit().await?;
    Ok(verifier.finish(head_seq, &head_hash))
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
    let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1");
    let mut values: Vec<Value> = Vec::new();
    for (col, v) in [("actor", &f.actor), ("action", &f.action), ("entity", &f.entity), ("entity_id", &f.entity_id)] {
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
    db.query_all(&sql, values).await?.iter().map(entry_from).collect()
}

/// Bulk-appends `n` synthetic entries (for the benchmark of `audit verify`), chained correctly.
pub async fn append_synthetic(db: &Db, n: u64) -> Result<()> {
    let batch = 500u64;
    let mut done = 0;
    while done < n {
        let tx = db.begin_write().await?;
        let head = tx.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", vec![]).await?.ok_or(crate::StoreError::NotFound)?;
        let mut seq: i64 = head.try_get("", "seq")?;
        let mut prev: String = head.try_get("", "hash")?;
        let k = batch.min(n - done);
        let mut sql = format!("INSERT INTO audit_log ({COLUMNS}) VALUES ");
        let mut values: Vec<Value> = Vec::with_capacity(k as usize * 11);
        for i in 0..k {
            seq += 1;
            let at = now_ms();
            let after = format!("{{\"n\":{seq}}}");
            let id = seq.to_string();
            let hash = entry_hash(&prev, seq, at, ["bench", "bench.synthetic", "bench", &id, "{}", &after, "bench"]);
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            values.extend([
                seq.into(), at.into(), "bench".into(), "bench.synthetic".into(), "bench".into(), id.into(),
                "{}".into(), after.into(), "bench".into(), prev.clone().into(), hash.clone().into(),
            ]);
            prev = hash;
        }
        tx.exec(&sql, values).await?;
        tx.exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", vec![seq.into(), prev.into()]).await?;
        tx.commit().await?;
        done += k;
    }
    Ok(())
}
