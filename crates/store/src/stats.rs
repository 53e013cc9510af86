//! Statistical returns: values with their change history, the state of each return, approvals up
//! the hierarchy, reminders, imported form definitions, and the reads for aggregation.
use crate::audit::{self, Change};
use crate::db::{Db, ReadRow, Result, StoreError, Tx, now_ms};
use crate::orgs::{Actor, OrgUnit, subtree_bounds};
use innocity_core::periods::Period;
use innocity_core::stats::analysis::{Acc, Rollup, path_ids};
use innocity_core::stats::status::{Action, Status, next};
use innocity_core::stats::values::{Stored, format_plain};
use innocity_core::stats::{Catalogue, Form, Snapshot};
use sea_orm::Value;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Return {
    pub id: i64,
    pub form: String,
    pub period: String,
    pub organisation_id: i64,
    pub unit_path: String,
    pub status: Status,
    /// Written explanations of warnings, by rule (and row): `{"R107-2-07": "新建研发中心"}`.
    pub explanations: HashMap<String, String>,
    /// The reviewer's reason when returned.
    pub reason: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: i64,
    pub reviewed_by: String,
    pub reviewed_at: i64,
    pub version: i64,
}

const RETURN_COLS: &str = "id, form, period, organisation_id, unit_path, status, explanations, reason, created_at, updated_at, submitted_at, reviewed_by, reviewed_at, version";

fn return_from(r: &dyn ReadRow) -> Result<Return> {
    let status = r.text(5)?;
    Ok(Return {
        id: r.int(0)?,
        form: r.text(1)?,
        period: r.text(2)?,
        organisation_id: r.int(3)?,
        unit_path: r.text(4)?,
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Invalid(format!("unknown return status '{status}'")))?,
        explanations: serde_json::from_str(&r.text(6)?).unwrap_or_default(),
        reason: r.text(7)?,
        created_at: r.int(8)?,
        updated_at: r.int(9)?,
        submitted_at: r.int(10)?,
        reviewed_by: r.text(11)?,
        reviewed_at: r.int(12)?,
        version: r.int(13)?,
    })
}

pub async fn find_return(
    db: &Db,
    form: &str,
    period: &str,
    organisation_id: i64,
) -> Result<Option<Return>> {
    let sql = format!(
        "SELECT {RETURN_COLS} FROM stat_returns WHERE form = ? AND period = ? AND organisation_id = ?"
    );
    Ok(db
        .read(&sql, vec![form.into(), period.into(), organisation_id.into()], return_from)
        .await?
        .into_iter()
        .next())
}

pub async fn return_by_id(db: &Db, id: i64) -> Result<Option<Return>> {
    let sql = format!("SELECT {RETURN_COLS} FROM stat_returns WHERE id = ?");
    Ok(db.read(&sql, vec![id.into()], return_from).await?.into_iter().next())
}

/// One organisation's returns, newest period first.
pub async fn returns_of(db: &Db, organisation_id: i64) -> Result<Vec<Return>> {
    let sql = format!(
        "SELECT {RETURN_COLS} FROM stat_returns WHERE organisation_id = ? ORDER BY period DESC, form"
    );
    db.read(&sql, vec![organisation_id.into()], return_from).await
}

/// A stored value of a return.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub element: String,
    /// The disaggregation option, or "" for the element's total.
    pub disagg: String,
    /// 0 for grid cells; 1, 2, … for roster rows.
    pub row: i64,
    pub value: Stored,
}

fn stored_from(num: Option<f64>, txt: Option<String>) -> Option<Stored> {
    match (num, txt) {
        (Some(v), _) => Some(Stored::Num(v)),
        (None, Some(t)) => Some(Stored::Text(t)),
        _ => None,
    }
}

pub async fn cells(db: &Db, return_id: i64) -> Result<Vec<Cell>> {
    let rows = db
        .read(
            "SELECT element, disagg, row_no, num, txt FROM stat_values WHERE return_id = ? ORDER BY row_no, element, disagg",
            vec![return_id.into()],
            |r| Ok((r.text(0)?, r.text(1)?, r.int(2)?, stored_from(r.opt_real(3)?, r.opt_text(4)?))),
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(element, disagg, row, v)| v.map(|value| Cell { element, disagg, row, value }))
        .collect())
}

/// The values an organisation's rules for `form` read: this form and the forms its rules
/// reach, for this period and the periods of the year before it (previous-period and
/// year-to-date items).
pub async fn snapshot(
    db: &Db,
    cat: &Catalogue,
    form: &str,
    period: Period,
    organisation_id: i64,
) -> Result<Snapshot> {
    let forms = cat.forms_read_by(form);
    let mut periods: Vec<String> = (0..=12).map(|k| period.offset(-k).to_string()).collect();
    periods.dedup();
    let fm = vec!["?"; forms.len()].join(", ");
    let pm = vec!["?"; periods.len()].join(", ");
    let sql = format!(
        "SELECT r.period, v.element, v.disagg, v.row_no, v.num FROM stat_values v JOIN stat_returns r ON r.id = v.return_id \
         WHERE r.organisation_id = ? AND r.form IN ({fm}) AND r.period IN ({pm}) AND v.num IS NOT NULL"
    );
    let mut params: Vec<Value> = vec![organisation_id.into()];
    params.extend(forms.iter().map(|f| Value::from(f.clone())));
    params.extend(periods.iter().map(|p| Value::from(p.clone())));
    let rows = db
        .read(&sql, params, |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.int(3)?, r.opt_real(4)?)))
        .await?;
    let mut s = Snapshot::new(period);
    for (p, element, disagg, row, num) in rows {
        if let (Ok(p), Some(v)) = (Period::parse(&p), num) {
            s.add(p, &element, &disagg, row, v);
        }
    }
    Ok(s)
}

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

async fn lock_return(
    tx: &Tx,
    form: &str,
    period: &str,
    organisation_id: i64,
) -> Result<Option<Return>> {
    let sql = format!(
        "SELECT {RETURN_COLS} FROM stat_returns WHERE form = ? AND period = ? AND organisation_id = ?"
    );
    tx.query_one(&sql, vec![form.into(), period.into(), organisation_id.into()])
        .await?
        .as_ref()
        .map(|r| return_from(r))
        .transpose()
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
    let now = now_ms();
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
    let to = next(ret.status, Action::Edit).map_err(|_| StoreError::Refused {
        key: "err.stats.not_editable",
        args: vec![ret.status.code().into()],
    })?;
    if let Some(u) = upload {
        let seen = tx
            .query_one("SELECT uploaded_by, uploaded_at FROM stat_uploads WHERE return_id = ? AND sha256 = ?", vec![ret.id.into(), u.sha256.clone().into()])
            .await?;
        if let Some(seen) = seen {
            let by: String = seen.try_get("", "uploaded_by")?;
            let at: i64 = seen.try_get("", "uploaded_at")?;
            return Err(StoreError::Refused {
                key: "err.stats.same_file",
                args: vec![u.file_name.clone(), by, at.to_string()],
            });
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

/// A return's value changes, newest first.
pub async fn history(db: &Db, return_id: i64, limit: u64) -> Result<Vec<ValueChange>> {
    db.read(
        "SELECT element, disagg, row_no, old_value, new_value, source, changed_by, changed_at FROM stat_value_changes WHERE return_id = ? ORDER BY id DESC LIMIT ?",
        vec![return_id.into(), (limit as i64).into()],
        |r| Ok(ValueChange { element: r.text(0)?, disagg: r.text(1)?, row: r.int(2)?, old: r.opt_text(3)?, new: r.opt_text(4)?, source: r.text(5)?, changed_by: r.text(6)?, changed_at: r.int(7)? }),
    )
    .await
}

/// Approvals in force for a form and period: org unit → (who, when).
pub async fn approvals(db: &Db, form: &str, period: &str) -> Result<HashMap<i64, (String, i64)>> {
    let rows = db
        .read("SELECT org_unit_id, approved_by, approved_at FROM stat_approvals WHERE form = ? AND period = ?", vec![form.into(), period.into()], |r| {
            Ok((r.int(0)?, (r.text(1)?, r.int(2)?)))
        })
        .await?;
    Ok(rows.into_iter().collect())
}

async fn approved_above(tx: &Tx, form: &str, period: &str, unit_path: &str) -> Result<bool> {
    let ids: Vec<i64> = path_ids(unit_path).collect();
    if ids.is_empty() {
        return Ok(false);
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let mut params: Vec<Value> = vec![form.into(), period.into()];
    params.extend(ids.into_iter().map(Value::from));
    let row = tx.query_one(&format!("SELECT COUNT(*) AS n FROM stat_approvals WHERE form = ? AND period = ? AND org_unit_id IN ({marks})"), params).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0) > 0)
}

/// Moves a return through its life: submit (with explanations), return (with a reason),
/// approve. Checks the state machine and the version the caller saw, in one transaction.
pub async fn transition(
    db: &Db,
    seen: &Return,
    action: Action,
    reason: &str,
    explanations: Option<&HashMap<String, String>>,
    actor: Actor<'_>,
) -> Result<Return> {
    let tx = db.begin_write().await?;
    let Some(current) = lock_return(&tx, &seen.form, &seen.period, seen.organisation_id).await?
    else {
        return Err(StoreError::NotFound);
    };
    if current.version != seen.version {
        return Err(StoreError::Stale);
    }
    let to = next(current.status, action).map_err(|_| StoreError::Refused {
        key: "err.stats.not_now",
        args: vec![current.status.code().into()],
    })?;
    if action == Action::Return
        && approved_above(&tx, &current.form, &current.period, &current.unit_path).await?
    {
        return Err(StoreError::Refused { key: "err.stats.unit_approved", args: vec![] });
    }
    let now = now_ms();
    let mut after = current.clone();
    after.status = to;
    after.version += 1;
    after.updated_at = now;
    match action {
        Action::Submit => {
            after.submitted_at = now;
            after.reason.clear();
            if let Some(e) = explanations {
                after.explanations = e.clone();
            }
        }
        Action::Return | Action::Approve => {
            after.reviewed_by = actor.username.to_string();
            after.reviewed_at = now;
            if action == Action::Return {
                after.reason = reason.to_string();
            }
        }
        _ => {}
    }
    tx.exec(
        "UPDATE stat_returns SET status = ?, explanations = ?, reason = ?, submitted_at = ?, reviewed_by = ?, reviewed_at = ?, updated_at = ?, version = ? WHERE id = ? AND version = ?",
        vec![
            to.code().into(),
            serde_json::to_string(&after.explanations).unwrap_or_else(|_| "{}".into()).into(),
            after.reason.clone().into(),
            after.submitted_at.into(),
            after.reviewed_by.clone().into(),
            after.reviewed_at.into(),
            now.into(),
            after.version.into(),
            current.id.into(),
            current.version.into(),
        ],
    )
    .await?;
    let action_name = match action {
        Action::Submit => "stat_return.submit",
        Action::Return => "stat_return.return",
        Action::Approve => "stat_return.approve",
        _ => "stat_return.change",
    };
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: action_name,
            entity: "stat_return",
            entity_id: current.id.to_string(),
            before: serde_json::json!({ "status": current.status.code() }),
            after: serde_json::json!({ "status": to.code(), "reason": after.reason, "explanations": after.explanations }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// An organisation that must report a form, with where its return stands.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Expected {
    pub organisation_id: i64,
    pub name: String,
    pub credit_code: String,
    pub org_unit_id: i64,
    pub unit_path: String,
    pub return_id: Option<i64>,
    pub status: Status,
    pub submitted_at: i64,
    pub reminders: i64,
}

/// The SQL condition (and its parameters) for "must report this form", on `organisations o`
/// joined with `org_units u`.
fn expected_where(form: &Form, root: &str) -> (String, Vec<Value>) {
    let (lo, hi) = subtree_bounds(root);
    let mut sql = String::from("o.unit_path >= ? AND o.unit_path < ?");
    let mut params: Vec<Value> = vec![lo.into(), hi.into()];
    if !form.org_kinds.is_empty() {
        sql.push_str(&format!(" AND o.kind IN ({})", vec!["?"; form.org_kinds.len()].join(", ")));
        params.extend(form.org_kinds.iter().map(|k| Value::from(k.clone())));
    }
    if !form.unit_levels.is_empty() {
        sql.push_str(&format!(
            " AND u.level IN ({})",
            vec!["?"; form.unit_levels.len()].join(", ")
        ));
        params.extend(form.unit_levels.iter().map(|k| Value::from(k.clone())));
    }
    (sql, params)
}

/// Whether an organisation of this kind, in a unit of this level, reports the form.
pub fn must_report(form: &Form, org_kind: &str, unit_level: &str) -> bool {
    (form.org_kinds.is_empty() || form.org_kinds.iter().any(|k| k == org_kind))
        && (form.unit_levels.is_empty() || form.unit_levels.iter().any(|l| l == unit_level))
}

/// Everyone in the subtree of `root` who must report the form for the period, and their status.
pub async fn expected(db: &Db, form: &Form, period: &str, root: &str) -> Result<Vec<Expected>> {
    let (cond, mut params) = expected_where(form, root);
    let sql = format!(
        "SELECT o.id, o.name, o.credit_code, o.org_unit_id, o.unit_path, r.id, r.status, r.submitted_at, \
         (SELECT COUNT(*) FROM stat_reminders m WHERE m.organisation_id = o.id AND m.form = ? AND m.period = ?) \
         FROM organisations o JOIN org_units u ON u.id = o.org_unit_id \
         LEFT JOIN stat_returns r ON r.organisation_id = o.id AND r.form = ? AND r.period = ? \
         WHERE {cond} ORDER BY o.unit_path, o.name"
    );
    let mut all: Vec<Value> =
        vec![form.code.clone().into(), period.into(), form.code.clone().into(), period.into()];
    all.append(&mut params);
    db.read(&sql, all, |r| {
        Ok(Expected {
            organisation_id: r.int(0)?,
            name: r.text(1)?,
            credit_code: r.text(2)?,
            org_unit_id: r.int(3)?,
            unit_path: r.text(4)?,
            return_id: r.opt_int(5)?,
            status: r.opt_text(6)?.and_then(|s| Status::parse(&s)).unwrap_or(Status::NotStarted),
            submitted_at: r.opt_int(7)?.unwrap_or(0),
            reminders: r.int(8)?,
        })
    })
    .await
}

/// Approves a form and period for an org unit: only when every return below is approved, every
/// organisation that must report has, and every child unit with reporters below is approved.
/// The top level's approval locks the returns.
pub async fn approve_unit(
    db: &Db,
    form: &Form,
    period: &str,
    unit: &OrgUnit,
    children: &[OrgUnit],
    top: bool,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let (lo, hi) = subtree_bounds(&unit.path);
    let count = |r: Option<sea_orm::QueryResult>| -> Result<i64> {
        Ok(r.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
    };
    if approved_above(&tx, &form.code, period, &unit.path).await? {
        return Err(StoreError::Refused { key: "err.stats.already_approved", args: vec![] });
    }
    let pending = count(
        tx.query_one(
            "SELECT COUNT(*) AS n FROM stat_returns WHERE form = ? AND period = ? AND unit_path >= ? AND unit_path < ? AND status NOT IN ('approved', 'locked')",
            vec![form.code.clone().into(), period.into(), lo.clone().into(), hi.clone().into()],
        )
        .await?,
    )?;
    if pending > 0 {
        return Err(StoreError::Refused {
            key: "err.stats.approve_pending",
            args: vec![pending.to_string()],
        });
    }
    let (cond, params) = expected_where(form, &unit.path);
    let mut all: Vec<Value> = vec![form.code.clone().into(), period.into()];
    all.extend(params);
    let missing = count(
        tx.query_one(
            &format!("SELECT COUNT(*) AS n FROM organisations o JOIN org_units u ON u.id = o.org_unit_id WHERE NOT EXISTS (SELECT 1 FROM stat_returns r WHERE r.organisation_id = o.id AND r.form = ? AND r.period = ?) AND {cond}"),
            all,
        )
        .await?,
    )?;
    if missing > 0 {
        return Err(StoreError::Refused {
            key: "err.stats.approve_missing",
            args: vec![missing.to_string()],
        });
    }
    for child in children {
        let (clo, chi) = subtree_bounds(&child.path);
        let has_returns = count(
            tx.query_one(
                "SELECT COUNT(*) AS n FROM stat_returns WHERE form = ? AND period = ? AND unit_path >= ? AND unit_path < ?",
                vec![form.code.clone().into(), period.into(), clo.into(), chi.into()],
            )
            .await?,
        )? > 0;
        let approved = tx
            .query_one("SELECT 1 AS n FROM stat_approvals WHERE form = ? AND period = ? AND org_unit_id = ?", vec![form.code.clone().into(), period.into(), child.id.into()])
            .await?
            .is_some();
        if has_returns && !approved {
            return Err(StoreError::Refused {
                key: "err.stats.approve_children",
                args: vec![child.name_zh.clone()],
            });
        }
    }
    let now = now_ms();
    tx.exec(
        "INSERT INTO stat_approvals (form, period, org_unit_id, approved_by, approved_at) VALUES (?, ?, ?, ?, ?)",
        vec![form.code.clone().into(), period.into(), unit.id.into(), actor.username.into(), now.into()],
    )
    .await?;
    let mut locked = 0;
    if top {
        locked = tx
            .exec(
                "UPDATE stat_returns SET status = 'locked', updated_at = ?, version = version + 1 WHERE form = ? AND period = ? AND unit_path >= ? AND unit_path < ? AND status = 'approved'",
                vec![now.into(), form.code.clone().into(), period.into(), lo.into(), hi.into()],
            )
            .await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "stat_unit.approve",
            entity: "org_unit",
            entity_id: unit.id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "form": form.code, "period": period, "locked_returns": locked }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws a unit's approval (only while the level above has not approved). Withdrawing the
/// top level unlocks the returns.
pub async fn unapprove_unit(
    db: &Db,
    form: &str,
    period: &str,
    unit: &OrgUnit,
    top: bool,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    if let Some(parent_path) =
        unit.path.trim_end_matches('/').rsplit_once('/').map(|(p, _)| format!("{p}/"))
        && parent_path.len() > 1
        && approved_above(&tx, form, period, &parent_path).await?
    {
        return Err(StoreError::Refused { key: "err.stats.parent_approved", args: vec![] });
    }
    let n = tx
        .exec(
            "DELETE FROM stat_approvals WHERE form = ? AND period = ? AND org_unit_id = ?",
            vec![form.into(), period.into(), unit.id.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let now = now_ms();
    if top {
        let (lo, hi) = subtree_bounds(&unit.path);
        tx.exec(
            "UPDATE stat_returns SET status = 'approved', updated_at = ?, version = version + 1 WHERE form = ? AND period = ? AND unit_path >= ? AND unit_path < ? AND status = 'locked'",
            vec![now.into(), form.into(), period.into(), lo.into(), hi.into()],
        )
        .await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "stat_unit.unapprove",
            entity: "org_unit",
            entity_id: unit.id.to_string(),
            before: serde_json::json!({ "form": form, "period": period }),
            after: serde_json::json!({}),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Reminder {
    pub form: String,
    pub period: String,
    pub message: String,
    pub sent_by: String,
    pub sent_at: i64,
}

/// Sends 催报 reminders to organisations (shown in their workspace).
pub async fn remind(
    db: &Db,
    form: &str,
    period: &str,
    organisation_ids: &[i64],
    message: &str,
    actor: Actor<'_>,
) -> Result<usize> {
    if organisation_ids.is_empty() {
        return Ok(0);
    }
    let tx = db.begin_write().await?;
    let now = now_ms();
    for chunk in organisation_ids.chunks(300) {
        let marks = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut params: Vec<Value> = Vec::new();
        for id in chunk {
            params.extend([
                Value::from(form),
                period.into(),
                (*id).into(),
                message.into(),
                actor.username.into(),
                now.into(),
            ]);
        }
        tx.exec(&format!("INSERT INTO stat_reminders (form, period, organisation_id, message, sent_by, sent_at) VALUES {marks}"), params).await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "stat.remind",
            entity: "stat_form",
            entity_id: format!("{form}/{period}"),
            before: serde_json::json!({}),
            after: serde_json::json!({ "organisations": organisation_ids.len(), "message": message }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(organisation_ids.len())
}

pub async fn reminders_for(db: &Db, organisation_id: i64, limit: u64) -> Result<Vec<Reminder>> {
    db.read(
        "SELECT form, period, message, sent_by, sent_at FROM stat_reminders WHERE organisation_id = ? ORDER BY sent_at DESC, id DESC LIMIT ?",
        vec![organisation_id.into(), (limit as i64).into()],
        |r| Ok(Reminder { form: r.text(0)?, period: r.text(1)?, message: r.text(2)?, sent_by: r.text(3)?, sent_at: r.int(4)? }),
    )
    .await
}

/// A deadline set by bureau staff for one period (an extension), as `YYYY-MM-DD`.
pub async fn window_override(db: &Db, form: &str, period: &str) -> Result<Option<String>> {
    Ok(db
        .read(
            "SELECT closes_on FROM stat_windows WHERE form = ? AND period = ?",
            vec![form.into(), period.into()],
            |r| r.text(0),
        )
        .await?
        .into_iter()
        .next())
}

pub async fn set_window(
    db: &Db,
    form: &str,
    period: &str,
    closes_on: chrono::NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let day = closes_on.format("%Y-%m-%d").to_string();
    tx.exec(
        "INSERT INTO stat_windows (form, period, closes_on, set_by) VALUES (?, ?, ?, ?) ON CONFLICT (form, period) DO UPDATE SET closes_on = excluded.closes_on, set_by = excluded.set_by",
        vec![form.into(), period.into(), day.clone().into(), actor.username.into()],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "stat_form.deadline",
            entity: "stat_form",
            entity_id: format!("{form}/{period}"),
            before: serde_json::json!({}),
            after: serde_json::json!({ "closes_on": day }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Definition files imported by bureau staff, oldest first (later ones override earlier ones).
pub async fn definitions(db: &Db) -> Result<Vec<(String, String, String, i64)>> {
    db.read(
        "SELECT name, body, imported_by, imported_at FROM stat_definitions ORDER BY id",
        vec![],
        |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.int(3)?)),
    )
    .await
}

/// The catalogue in force: the built-in files, then every imported file.
pub async fn catalogue(db: &Db) -> Result<Catalogue> {
    let mut files: Vec<(String, String)> = innocity_core::stats::BUILT_IN
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    files.extend(definitions(db).await?.into_iter().map(|(n, b, _, _)| (n, b)));
    Catalogue::from_files(files).map_err(|e| {
        StoreError::Invalid(e.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; "))
    })
}

/// Stores a definition file; the caller has checked it reads with everything else.
pub async fn add_definition(db: &Db, name: &str, body: &str, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let id = tx
        .insert("INSERT INTO stat_definitions (name, body, imported_by, imported_at) VALUES (?, ?, ?, ?)", vec![name.into(), body.into(), actor.username.into(), now_ms().into()])
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "stat_definition.import",
            entity: "stat_definition",
            entity_id: id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "name": name, "bytes": body.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Totals of a form and period up the hierarchy: every org unit × element × disaggregation
/// option ("" for totals), over returns in the given states.
pub struct Totals {
    /// Series index → (element, disaggregation).
    pub series: Vec<(String, String)>,
    pub rollup: Rollup<u32>,
    /// Returns counted.
    pub returns: usize,
}

impl Totals {
    pub fn find(&self, element: &str, disagg: &str) -> Option<u32> {
        self.series.iter().position(|(e, d)| e == element && d == disagg).map(|i| i as u32)
    }
}

pub async fn totals(db: &Db, form: &str, period: &str, states: &[Status]) -> Result<Totals> {
    let marks = vec!["?"; states.len()].join(", ");
    let mut params: Vec<Value> = vec![form.into(), period.into()];
    params.extend(states.iter().map(|s| Value::from(s.code())));
    // One pass over the values, folded as they come: series and units get dense numbers, and
    // each return's path is read once (a return's values come together, by the primary key).
    let mut series: Vec<(String, String)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut unit_index: HashMap<i64, usize> = HashMap::new();
    let mut unit_ids: Vec<i64> = Vec::new();
    let mut acc: Vec<Vec<Acc>> = Vec::new();
    let mut path: Vec<usize> = Vec::new();
    let mut last_return = i64::MIN;
    let mut seen = std::collections::HashSet::new();
    let mut key = String::new();
    db.for_each(
        &format!(
            "SELECT r.id, r.unit_path, v.element, v.disagg, v.num FROM stat_returns r JOIN stat_values v ON v.return_id = r.id \
             WHERE r.form = ? AND r.period = ? AND r.status IN ({marks}) AND v.num IS NOT NULL"
        ),
        params,
        |r| {
            let rid = r.int(0)?;
            if rid != last_return {
                last_return = rid;
                seen.insert(rid);
                path.clear();
                for id in path_ids(&r.text_ref(1)?) {
                    let i = *unit_index.entry(id).or_insert_with(|| {
                        unit_ids.push(id);
                        acc.push(Vec::new());
                        unit_ids.len() - 1
                    });
                    path.push(i);
                }
            }
            key.clear();
            key.push_str(&r.text_ref(2)?);
            key.push('\u{1f}');
            key.push_str(&r.text_ref(3)?);
            let s = match index.get(key.as_str()) {
                Some(s) => *s,
                None => {
                    let (e, d) = key.split_once('\u{1f}').unwrap_or((key.as_str(), ""));
                    series.push((e.to_string(), d.to_string()));
                    index.insert(key.clone(), series.len() - 1);
                    series.len() - 1
                }
            };
            let v = r.opt_real(4)?.unwrap_or(0.0);
            for &u in &path {
                let row = &mut acc[u];
                if row.len() <= s {
                    row.resize(s + 1, Acc::default());
                }
                row[s].sum += v;
                row[s].count += 1;
            }
            Ok(())
        },
    )
    .await?;
    let mut rollup = Rollup::default();
    for (u, row) in acc.iter().enumerate() {
        for (s, a) in row.iter().enumerate().filter(|(_, a)| a.count > 0) {
            rollup.insert(unit_ids[u], s as u32, *a);
        }
    }
    Ok(Totals { series, rollup, returns: seen.len() })
}

/// An organisation's value of one element, from [`element_values`].
#[derive(Debug, Clone, PartialEq)]
pub struct OrgValue {
    pub organisation_id: i64,
    pub organisation: String,
    pub org_unit_id: i64,
    pub unit_path: String,
    pub value: f64,
}

/// One element's values across organisations (for outliers): organisation, its unit, value.
pub async fn element_values(
    db: &Db,
    form: &str,
    period: &str,
    element: &str,
    disagg: &str,
    root: &str,
) -> Result<Vec<OrgValue>> {
    let (lo, hi) = subtree_bounds(root);
    db.read(
        "SELECT o.id, o.name, o.org_unit_id, r.unit_path, SUM(v.num) FROM stat_values v JOIN stat_returns r ON r.id = v.return_id JOIN organisations o ON o.id = r.organisation_id \
         WHERE r.form = ? AND r.period = ? AND v.element = ? AND v.disagg = ? AND v.num IS NOT NULL AND r.unit_path >= ? AND r.unit_path < ? AND r.status <> 'draft' \
         GROUP BY o.id, o.name, o.org_unit_id, r.unit_path ORDER BY o.id",
        vec![form.into(), period.into(), element.into(), disagg.into(), lo.into(), hi.into()],
        |r| {
            Ok(OrgValue {
                organisation_id: r.int(0)?,
                organisation: r.text(1)?,
                org_unit_id: r.int(2)?,
                unit_path: r.text(3)?,
                value: r.opt_real(4)?.unwrap_or(0.0),
            })
        },
    )
    .await
}

/// What a bulk import did: returns and values written, and what the rules found in them.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    pub returns: usize,
    pub values: usize,
    pub changed: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Returns that fail an error rule (organisation credit code, rule).
    pub failing: Vec<(String, String)>,
}

/// Why a bulk import was refused: every problem with its place, nothing written.
#[derive(Debug)]
pub enum ImportError {
    File(Vec<innocity_core::stats::long::PlaceError>),
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(e)
    }
}

/// Imports long-format values for many organisations (an operator's bulk load, e.g. from the
/// previous system) in one transaction: checks every value, requires every organisation to be
/// registered (先进库后有数), validates every return against its rules with last year's values
/// and writes it all, or nothing. Returns already submitted or approved are refused.
pub async fn import_long(
    db: &Db,
    cat: &Catalogue,
    form: &str,
    period: Period,
    raws: &[innocity_core::stats::long::Raw],
    actor: Actor<'_>,
    progress: &dyn Fn(usize, usize),
) -> std::result::Result<ImportReport, ImportError> {
    use innocity_core::stats::long::{self, Place, PlaceError};
    let p = period.to_string();
    let by_org = long::check(cat, form, &p, raws).map_err(ImportError::File)?;
    // Organisations by credit code, in one read.
    let registered: HashMap<String, (i64, String, String, String)> = db
        .read("SELECT o.credit_code, o.id, o.unit_path, o.kind, u.level, o.name FROM organisations o JOIN org_units u ON u.id = o.org_unit_id", vec![], |r| {
            Ok((r.text(0)?, (r.int(1)?, r.text(2)?, format!("{}\u{1f}{}", r.text(3)?, r.text(4)?), r.text(5)?)))
        })
        .await?
        .into_iter()
        .collect();
    let f = cat.form(form).ok_or(StoreError::NotFound)?;
    let mut unknown = Vec::new();
    for code in by_org.keys() {
        let problem = match registered.get(code) {
            None => Some(("err.file.unregistered", vec![code.clone()])),
            Some((_, _, kind_level, name)) => {
                let (kind, level) = kind_level.split_once('\u{1f}').unwrap_or(("", ""));
                (!must_report(f, kind, level))
                    .then(|| ("err.stats.not_reporter", vec![name.clone(), form.to_string()]))
            }
        };
        if let Some((key, args)) = problem {
            let line = raws
                .iter()
                .find(|r| &r.org == code)
                .map(|r| r.place.clone())
                .unwrap_or(Place { sheet: String::new(), line: 0, column: String::new() });
            unknown.push(PlaceError { place: Place { column: "org".into(), ..line }, key, args });
            if unknown.len() >= long::MAX_ERRORS {
                break;
            }
        }
    }
    if !unknown.is_empty() {
        return Err(ImportError::File(unknown));
    }
    // Earlier periods of every organisation, for year-on-year rules: one read.
    let forms = cat.forms_read_by(form);
    let earlier: Vec<String> = (1..=12).map(|k| period.offset(-k).to_string()).collect();
    let fm = vec!["?"; forms.len()].join(", ");
    let pm = vec!["?"; earlier.len()].join(", ");
    let mut params: Vec<Value> = forms.iter().map(|f| Value::from(f.clone())).collect();
    params.extend(earlier.iter().map(|x| Value::from(x.clone())));
    let history = db
        .read(
            &format!("SELECT r.organisation_id, r.period, v.element, v.disagg, v.row_no, v.num FROM stat_values v JOIN stat_returns r ON r.id = v.return_id WHERE r.form IN ({fm}) AND r.period IN ({pm}) AND v.num IS NOT NULL"),
            params,
            |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.text(3)?, r.int(4)?, r.opt_real(5)?.unwrap_or(0.0))),
        )
        .await?;
    let mut snaps: HashMap<i64, Snapshot> = HashMap::new();
    for (org, per, e, d, row, v) in history {
        if let Ok(per) = Period::parse(&per) {
            snaps.entry(org).or_insert_with(|| Snapshot::new(period)).add(per, &e, &d, row, v);
        }
    }
    let rules = cat.rules_for(form);
    let mut report = ImportReport::default();
    let mut items = Vec::with_capacity(by_org.len());
    for (code, entries) in by_org {
        let (org, path, _, _) = registered[&code].clone();
        let mut snap = snaps.remove(&org).unwrap_or_else(|| Snapshot::new(period));
        for e in &entries {
            if let Some(v) = e.value.as_ref().and_then(Stored::num) {
                snap.add(period, &e.element, &e.disagg, e.row, v);
            }
        }
        for v in innocity_core::stats::validate(&rules, &snap) {
            match v.severity {
                innocity_core::stats::Severity::Error => {
                    report.errors += 1;
                    if report.failing.len() < 1000 {
                        report.failing.push((code.clone(), v.rule.clone()));
                    }
                }
                innocity_core::stats::Severity::Warning => report.warnings += 1,
            }
        }
        report.values += entries.len();
        items.push(BatchItem {
            organisation_id: org,
            unit_path: path,
            changes: entries
                .into_iter()
                .map(|e| CellChange {
                    element: e.element,
                    disagg: e.disagg,
                    row: e.row,
                    value: e.value,
                })
                .collect(),
        });
    }
    report.returns = items.len();
    let total = items.len();
    report.changed = save_batch(
        db,
        form,
        &p,
        &items,
        SaveHow { mode: Mode::Replace, source: "import" },
        actor,
        &|n| progress(n, total),
    )
    .await?;
    Ok(report)
}

/// Every value of a form and period with its organisation's unit path (for exports and for
/// checking totals with other tools).
pub async fn export_long(
    db: &Db,
    form: &str,
    period: &str,
    out: &mut dyn std::io::Write,
) -> Result<usize> {
    let rows = db
        .read(
            "SELECT o.credit_code, r.unit_path, v.element, v.disagg, v.row_no, v.num, v.txt FROM stat_returns r JOIN stat_values v ON v.return_id = r.id JOIN organisations o ON o.id = r.organisation_id WHERE r.form = ? AND r.period = ? ORDER BY r.id, v.row_no, v.element, v.disagg",
            vec![form.into(), period.into()],
            |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.text(3)?, r.int(4)?, r.opt_real(5)?, r.opt_text(6)?)),
        )
        .await?;
    writeln!(out, "org,unit_path,element,disaggregation,period,row,value")?;
    for (org, path, e, d, row, num, txt) in &rows {
        let value = match (num, txt) {
            (Some(n), _) => format_plain(*n),
            (None, Some(t)) => format!("\"{}\"", t.replace('"', "\"\"")),
            _ => String::new(),
        };
        writeln!(out, "{org},{path},{e},{d},{period},{row},{value}")?;
    }
    Ok(rows.len())
}
