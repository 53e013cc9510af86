//! Saving values into a return, cell by cell or in a batch, and their history.
use super::*;

/// A change asked for: a value, or `None` to clear the cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellChange {
    pub element: String,
    pub disagg: String,
    pub row: i64,
    pub value: Option<Stored>,
}

/// Whether the changes are edits of some cells, or the whole return as uploaded (cells not in
/// the file are cleared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Merge,
    Replace,
}

/// A file that was imported, so the same file is not imported twice into a return.
#[derive(Debug, Clone)]
pub struct Upload {
    pub sha256: String,
    pub file_name: String,
}

/// Where the values come from, for the change history: `entry`, `xlsx`, `csv`, `api`, `import`.
pub type Source = &'static str;

/// How a save writes: merging or replacing, and where the values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveHow {
    pub mode: Mode,
    pub source: Source,
}

#[derive(Debug, Clone)]
pub struct Saved {
    pub ret: Return,
    pub changed: usize,
}

/// One return to write in a batch.
pub struct BatchItem {
    pub organisation_id: i64,
    pub unit_path: String,
    pub changes: Vec<CellChange>,
}

/// Saves changes to one return, creating it (draft) if it does not exist yet. Refused when the
/// return is not editable (submitted, approved, locked). Every changed value is written to the
/// change history with its old and new value; one audit entry per save.
pub async fn save(
    db: &Db,
    form: &str,
    period: &str,
    item: BatchItem,
    how: SaveHow,
    upload: Option<Upload>,
    actor: Actor<'_>,
) -> Result<Saved> {
    let SaveHow { mode, source } = how;
    let tx = db.begin_write().await?;
    let saved = save_in(&tx, form, period, &item, mode, source, upload.as_ref(), &actor).await?;
    tx.commit().await?;
    Ok(saved)
}

/// One changed cell for the change history: its old and new value as entered.
struct CellHistory {
    element: String,
    disagg: String,
    row: i64,
    old: Option<String>,
    new: Option<String>,
}

/// Saves many returns in one transaction: all of them or none (the bulk import).
pub async fn save_batch(
    db: &Db,
    form: &str,
    period: &str,
    items: &[BatchItem],
    how: SaveHow,
    actor: Actor<'_>,
    progress: &dyn Fn(usize),
) -> Result<usize> {
    let SaveHow { mode, source } = how;
    let tx = db.begin_write().await?;
    let mut changed = 0;
    for (i, item) in items.iter().enumerate() {
        changed += save_in(&tx, form, period, item, mode, source, None, &actor).await?.changed;
        progress(i + 1);
    }
    tx.commit().await?;
    Ok(changed)
}

pub(super) async fn lock_return(
    tx: &Tx,
    form: &str,
    period: &str,
    organisation_id: i64,
) -> Result<Option<Return>> {
    let sql = select::<Return>("WHERE form = ? AND period = ? AND organisation_id = ?");
    tx.row(&sql, vec![form.into(), period.into(), organisation_id.into()]).await
}

#[allow(clippy::too_many_arguments)]
async fn save_in(
    tx: &Tx,
    form: &str,
    period: &str,
    item: &BatchItem,
    mode: Mode,
    source: Source,
    upload: Option<&Upload>,
    actor: &Actor<'_>,
) -> Result<Saved> {
    let now = tx.clock.now_ms();
    let mut ret = match lock_return(tx, form, period, item.organisation_id).await? {
        Some(r) => r,
        None => {
            let id = tx
                .insert(
                    "INSERT INTO stat_returns (form, period, organisation_id, unit_path, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    vec![form.into(), period.into(), item.organisation_id.into(), item.unit_path.clone().into(), Status::Draft.code().into(), now.into(), now.into()],
                )
                .await?;
            Return {
                id,
                form: form.into(),
                period: period.into(),
                organisation_id: item.organisation_id,
                unit_path: item.unit_path.clone(),
                status: Status::NotStarted,
                explanations: HashMap::new(),
                reason: String::new(),
                created_at: now,
                updated_at: now,
                submitted_at: 0,
                reviewed_by: String::new(),
                reviewed_at: 0,
                version: 1,
            }
        }
    };
    let to = next(ret.status, Action::Edit)
        .map_err(|_| ReturnRefusal::NotEditable { status: ret.status })?;
    if let Some(u) = upload {
        let seen = tx
            .query_one("SELECT uploaded_by, uploaded_at FROM stat_uploads WHERE return_id = ? AND sha256 = ?", vec![ret.id.into(), u.sha256.clone().into()])
            .await?;
        if let Some(seen) = seen {
            let by: String = seen.try_get("", "uploaded_by")?;
            let at: i64 = seen.try_get("", "uploaded_at")?;
            return Err(ReturnRefusal::SameFile { file_name: u.file_name.clone(), by, at }.into());
        }
        tx.exec(
            "INSERT INTO stat_uploads (return_id, sha256, file_name, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?)",
            vec![ret.id.into(), u.sha256.clone().into(), u.file_name.clone().into(), actor.username.into(), now.into()],
        )
        .await?;
    }
    // What is stored now, to keep only real changes and record old values.
    let existing: HashMap<(String, String, i64), Stored> = tx
        .query_all(
            "SELECT element, disagg, row_no, num, txt FROM stat_values WHERE return_id = ?",
            vec![ret.id.into()],
        )
        .await?
        .iter()
        .filter_map(|r| {
            let key = (
                r.try_get_by_index::<String>(0).ok()?,
                r.try_get_by_index::<String>(1).ok()?,
                r.try_get_by_index::<i64>(2).ok()?,
            );
            let v = stored_from(
                r.try_get_by_index::<Option<f64>>(3).ok()?,
                r.try_get_by_index::<Option<String>>(4).ok()?,
            )?;
            Some((key, v))
        })
        .collect();
    let mut wanted: Vec<(String, String, i64, Option<Stored>)> = item
        .changes
        .iter()
        .map(|c| (c.element.clone(), c.disagg.clone(), c.row, c.value.clone()))
        .collect();
    if mode == Mode::Replace {
        for key in existing.keys() {
            if !item
                .changes
                .iter()
                .any(|c| (&c.element, &c.disagg, c.row) == (&key.0, &key.1, key.2))
            {
                wanted.push((key.0.clone(), key.1.clone(), key.2, None));
            }
        }
    }
    let mut upserts: Vec<(String, String, i64, Stored)> = Vec::new();
    let mut deletes: Vec<(String, String, i64)> = Vec::new();
    let mut history: Vec<CellHistory> = Vec::new();
    for (element, disagg, row, value) in wanted {
        let key = (element, disagg, row);
        let old = existing.get(&key);
        if old == value.as_ref() {
            continue;
        }
        history.push(CellHistory {
            element: key.0.clone(),
            disagg: key.1.clone(),
            row: key.2,
            old: old.map(Stored::to_input),
            new: value.as_ref().map(Stored::to_input),
        });
        match value {
            Some(v) => upserts.push((key.0, key.1, key.2, v)),
            None => deletes.push(key),
        }
    }
    // Many rows per statement: one round trip per few hundred values.
    for chunk in upserts.chunks(400) {
        let marks = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
        for (e, d, r, v) in chunk {
            params.extend([
                Value::from(ret.id),
                e.clone().into(),
                d.clone().into(),
                (*r).into(),
                v.num().into(),
                match v {
                    Stored::Text(t) => Some(t.clone()).into(),
                    Stored::Num(_) => Option::<String>::None.into(),
                },
            ]);
        }
        tx.exec(
            &format!("INSERT INTO stat_values (return_id, element, disagg, row_no, num, txt) VALUES {marks} ON CONFLICT (return_id, element, disagg, row_no) DO UPDATE SET num = excluded.num, txt = excluded.txt"),
            params,
        )
        .await?;
    }
    for (e, d, r) in &deletes {
        tx.exec("DELETE FROM stat_values WHERE return_id = ? AND element = ? AND disagg = ? AND row_no = ?", vec![ret.id.into(), e.clone().into(), d.clone().into(), (*r).into()]).await?;
    }
    for chunk in history.chunks(300) {
        let marks = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 9);
        for h in chunk {
            params.extend([
                Value::from(ret.id),
                h.element.clone().into(),
                h.disagg.clone().into(),
                h.row.into(),
                h.old.clone().into(),
                h.new.clone().into(),
                source.into(),
                actor.username.into(),
                now.into(),
            ]);
        }
        tx.exec(&format!("INSERT INTO stat_value_changes (return_id, element, disagg, row_no, old_value, new_value, source, changed_by, changed_at) VALUES {marks}"), params).await?;
    }
    if !history.is_empty() || ret.status == Status::NotStarted {
        tx.exec("UPDATE stat_returns SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?", vec![to.code().into(), now.into(), ret.id.into()]).await?;
        let shown = |h: &[CellHistory], pick: fn(&CellHistory) -> &Option<String>| {
            serde_json::Value::Object(
                h.iter()
                    .take(50)
                    .map(|x| (cell_label(&x.element, &x.disagg, x.row), serde_json::json!(pick(x))))
                    .collect(),
            )
        };
        audit::append(
            tx,
            Change {
                actor: actor.username,
                action: "stat_return.values",
                entity: "stat_return",
                entity_id: ret.id.to_string(),
                before: shown(&history, |x| &x.old),
                after: serde_json::json!({ "source": source, "changed": history.len(), "values": shown(&history, |x| &x.new) }),
                request_id: actor.request_id,
            },
        )
        .await?;
        ret.status = to;
        ret.updated_at = now;
        ret.version += 1;
    }
    Ok(Saved { ret, changed: history.len() })
}

/// `RD_EXP.GOV`, `P_EXP[3]`: how a cell is named in history and messages.
pub fn cell_label(element: &str, disagg: &str, row: i64) -> String {
    let mut s = element.to_string();
    if !disagg.is_empty() {
        s.push('.');
        s.push_str(disagg);
    }
    if row > 0 {
        s.push_str(&format!("[{row}]"));
    }
    s
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ValueChange {
    pub element: String,
    pub disagg: String,
    pub row: i64,
    pub old: Option<String>,
    pub new: Option<String>,
    pub source: String,
    pub changed_by: String,
    pub changed_at: i64,
}

impl FromRow for ValueChange {
    const TABLE: &'static str = "stat_value_changes";
    columns!(element, disagg, row_no, old_value, new_value, source, changed_by, changed_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ValueChange {
            element: f.text()?,
            disagg: f.text()?,
            row: f.int()?,
            old: f.opt_text()?,
            new: f.opt_text()?,
            source: f.text()?,
            changed_by: f.text()?,
            changed_at: f.int()?,
        })
    }
}

/// A return's value changes, newest first.
pub async fn history(db: &Db, return_id: i64, limit: u64) -> Result<Vec<ValueChange>> {
    db.rows(
        &select::<ValueChange>("WHERE return_id = ? ORDER BY id DESC LIMIT ?"),
        vec![return_id.into(), (limit as i64).into()],
    )
    .await
}
