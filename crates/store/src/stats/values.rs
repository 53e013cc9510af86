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
    let tx = db.begin_write().await?;
    let w = ReturnWrite { form, period, how, actor: &actor };
    let saved = save_in(&tx, &w, &item, upload.as_ref()).await?;
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
    let tx = db.begin_write().await?;
    let w = ReturnWrite { form, period, how, actor: &actor };
    let mut changed = 0;
    for (i, item) in items.iter().enumerate() {
        changed += save_in(&tx, &w, item, None).await?.changed;
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

/// What one save writes into, and how: shared by every return of a batch.
struct ReturnWrite<'a> {
    form: &'a str,
    period: &'a str,
    how: SaveHow,
    actor: &'a Actor<'a>,
}

/// A cell's key in a return: element, disaggregation, row.
type CellKey = (String, String, i64);

/// The cells a save writes and clears, and the change history it records.
#[derive(Default)]
struct CellDiff {
    upserts: Vec<(String, String, i64, Stored)>,
    deletes: Vec<CellKey>,
    history: Vec<CellHistory>,
}

async fn save_in(
    tx: &Tx,
    w: &ReturnWrite<'_>,
    item: &BatchItem,
    upload: Option<&Upload>,
) -> Result<Saved> {
    let now = tx.clock.now_ms();
    let mut ret = open_return(tx, w, item, now).await?;
    let to = next(ret.status, Action::Edit)
        .map_err(|_| ReturnRefusal::NotEditable { status: ret.status })?;
    if let Some(u) = upload {
        record_upload(tx, ret.id, u, w.actor, now).await?;
    }
    let existing = stored_values(tx, ret.id).await?;
    let diff = diff_cells(&existing, item, w.how.mode);
    write_values(tx, ret.id, &diff).await?;
    write_history(tx, ret.id, &diff.history, w, now).await?;
    if !diff.history.is_empty() || ret.status == Status::NotStarted {
        mark_edited(tx, &ret, to, &diff.history, w, now).await?;
        ret.status = to;
        ret.updated_at = now;
        ret.version += 1;
    }
    Ok(Saved { ret, changed: diff.history.len() })
}

/// The return being saved, locked; a new draft when it does not exist yet (its status still
/// `NotStarted` in memory, so the save records it even without changed cells).
async fn open_return(tx: &Tx, w: &ReturnWrite<'_>, item: &BatchItem, now: i64) -> Result<Return> {
    let (form, period) = (w.form, w.period);
    if let Some(r) = lock_return(tx, form, period, item.organisation_id).await? {
        return Ok(r);
    }
    let id = tx
        .insert(
            "INSERT INTO stat_returns (form, period, organisation_id, unit_path, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![form.into(), period.into(), item.organisation_id.into(), item.unit_path.clone().into(), Status::Draft.code().into(), now.into(), now.into()],
        )
        .await?;
    Ok(Return {
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
    })
}

/// Records an imported file, refusing one already imported into this return.
async fn record_upload(
    tx: &Tx,
    return_id: i64,
    u: &Upload,
    actor: &Actor<'_>,
    now: i64,
) -> Result<()> {
    let seen = tx
        .query_one(
            "SELECT uploaded_by, uploaded_at FROM stat_uploads WHERE return_id = ? AND sha256 = ?",
            vec![return_id.into(), u.sha256.clone().into()],
        )
        .await?;
    if let Some(seen) = seen {
        let by: String = seen.try_get("", "uploaded_by")?;
        let at: i64 = seen.try_get("", "uploaded_at")?;
        return Err(ReturnRefusal::SameFile { file_name: u.file_name.clone(), by, at }.into());
    }
    tx.exec(
        "INSERT INTO stat_uploads (return_id, sha256, file_name, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?)",
        vec![return_id.into(), u.sha256.clone().into(), u.file_name.clone().into(), actor.username.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// What is stored now, to keep only real changes and record old values. A stored row that cannot
/// be read is an error naming it (skipping it would write the cell twice).
async fn stored_values(tx: &Tx, return_id: i64) -> Result<HashMap<CellKey, Stored>> {
    let rows: Vec<CellRow> =
        tx.rows(&select::<CellRow>("WHERE return_id = ?"), vec![return_id.into()]).await?;
    Ok(rows
        .into_iter()
        .filter_map(|CellRow(c)| c)
        .map(|c| ((c.element, c.disagg, c.row), c.value))
        .collect())
}

/// The real changes: cells whose value differs from what is stored (in `Replace` mode, stored
/// cells the save does not mention are cleared).
fn diff_cells(existing: &HashMap<CellKey, Stored>, item: &BatchItem, mode: Mode) -> CellDiff {
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
    let mut diff = CellDiff::default();
    for (element, disagg, row, value) in wanted {
        let key = (element, disagg, row);
        let old = existing.get(&key);
        if old == value.as_ref() {
            continue;
        }
        diff.history.push(CellHistory {
            element: key.0.clone(),
            disagg: key.1.clone(),
            row: key.2,
            old: old.map(Stored::to_input),
            new: value.as_ref().map(Stored::to_input),
        });
        match value {
            Some(v) => diff.upserts.push((key.0, key.1, key.2, v)),
            None => diff.deletes.push(key),
        }
    }
    diff
}

/// Writes and clears the changed cells.
async fn write_values(tx: &Tx, return_id: i64, diff: &CellDiff) -> Result<()> {
    // Many rows per statement: one round trip per few hundred values.
    for chunk in diff.upserts.chunks(400) {
        let marks = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
        for (e, d, r, v) in chunk {
            params.extend([
                Value::from(return_id),
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
    for (e, d, r) in &diff.deletes {
        tx.exec("DELETE FROM stat_values WHERE return_id = ? AND element = ? AND disagg = ? AND row_no = ?", vec![return_id.into(), e.clone().into(), d.clone().into(), (*r).into()]).await?;
    }
    Ok(())
}

/// Writes every changed cell's old and new value to the change history.
async fn write_history(
    tx: &Tx,
    return_id: i64,
    history: &[CellHistory],
    w: &ReturnWrite<'_>,
    now: i64,
) -> Result<()> {
    for chunk in history.chunks(300) {
        let marks = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 9);
        for h in chunk {
            params.extend([
                Value::from(return_id),
                h.element.clone().into(),
                h.disagg.clone().into(),
                h.row.into(),
                h.old.clone().into(),
                h.new.clone().into(),
                w.how.source.into(),
                w.actor.username.into(),
                now.into(),
            ]);
        }
        tx.exec(&format!("INSERT INTO stat_value_changes (return_id, element, disagg, row_no, old_value, new_value, source, changed_by, changed_at) VALUES {marks}"), params).await?;
    }
    Ok(())
}

/// Moves the return to its edited status and writes the save's one audit entry.
async fn mark_edited(
    tx: &Tx,
    ret: &Return,
    to: Status,
    history: &[CellHistory],
    w: &ReturnWrite<'_>,
    now: i64,
) -> Result<()> {
    tx.exec(
        "UPDATE stat_returns SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![to.code().into(), now.into(), ret.id.into()],
    )
    .await?;
    let shown = |h: &[CellHistory], pick: fn(&CellHistory) -> &Option<String>| {
        serde_json::Value::Object(
            h.iter()
                .take(50)
                .map(|x| (cell_label(&x.element, &x.disagg, x.row), serde_json::json!(pick(x))))
                .collect(),
        )
    };
    let source = w.how.source;
    audit::append(
        tx,
        Change {
            actor: w.actor.username,
            action: "stat_return.values",
            entity: "stat_return",
            entity_id: ret.id.to_string(),
            before: shown(history, |x| &x.old),
            after: serde_json::json!({ "source": source, "changed": history.len(), "values": shown(history, |x| &x.new) }),
            request_id: w.actor.request_id,
        },
    )
    .await?;
    Ok(())
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
