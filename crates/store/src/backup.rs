//! Backup and restore: a logical snapshot (JSON lines) read in one consistent transaction while
//! the server runs, restorable into an empty database of either backend.
use crate::db::{Db, Result, StoreError};
use sea_orm::{AccessMode, ConnectionTrait, IsolationLevel, TransactionTrait, Value};
use std::io::{BufRead, Write};

#[derive(Clone, Copy)]
enum Col {
    Int,
    NullInt,
    Text,
    NullText,
    NullReal,
}

/// Tables in the order they can be restored (parents first), with their columns.
const TABLES: &[(&str, &str, &[(&str, Col)])] = &[
    ("org_units", "id", &[("id", Col::Int), ("parent_id", Col::NullInt), ("code", Col::Text), ("name_zh", Col::Text), ("name_en", Col::Text), ("level", Col::Text), ("path", Col::Text), ("sort", Col::Int)]),
    ("organisations", "id", &[("id", Col::Int), ("credit_code", Col::Text), ("name", Col::Text), ("kind", Col::Text), ("org_unit_id", Col::Int), ("unit_path", Col::Text), ("address", Col::Text), ("contact", Col::Text), ("phone", Col::Text), ("created_at", Col::Int), ("updated_at", Col::Int), ("version", Col::Int)]),
    ("users", "id", &[("id", Col::Int), ("username", Col::Text), ("display_name", Col::Text), ("password_hash", Col::Text), ("role", Col::Text), ("org_unit_id", Col::NullInt), ("organisation_id", Col::NullInt), ("active", Col::Int), ("failed_logins", Col::Int), ("locked_until", Col::Int), ("created_at", Col::Int)]),
    ("api_tokens", "id", &[("id", Col::Int), ("user_id", Col::Int), ("name", Col::Text), ("token_hash", Col::Text), ("created_at", Col::Int)]),
    ("stat_definitions", "id", &[("id", Col::Int), ("name", Col::Text), ("body", Col::Text), ("imported_by", Col::Text), ("imported_at", Col::Int)]),
    ("stat_windows", "form, period", &[("form", Col::Text), ("period", Col::Text), ("closes_on", Col::Text), ("set_by", Col::Text)]),
    ("stat_returns", "id", &[("id", Col::Int), ("form", Col::Text), ("period", Col::Text), ("organisation_id", Col::Int), ("unit_path", Col::Text), ("status", Col::Text), ("explanations", Col::Text), ("reason", Col::Text), ("created_at", Col::Int), ("updated_at", Col::Int), ("submitted_at", Col::Int), ("reviewed_by", Col::Text), ("reviewed_at", Col::Int), ("version", Col::Int)]),
    ("stat_values", "return_id, element, disagg, row_no", &[("return_id", Col::Int), ("element", Col::Text), ("disagg", Col::Text), ("row_no", Col::Int), ("num", Col::NullReal), ("txt", Col::NullText)]),
    ("stat_value_changes", "id", &[("id", Col::Int), ("return_id", Col::Int), ("element", Col::Text), ("disagg", Col::Text), ("row_no", Col::Int), ("old_value", Col::NullText), ("new_value", Col::NullText), ("source", Col::Text), ("changed_by", Col::Text), ("changed_at", Col::Int)]),
    ("stat_uploads", "return_id, sha256", &[("return_id", Col::Int), ("sha256", Col::Text), ("file_name", Col::Text), ("uploaded_by", Col::Text), ("uploaded_at", Col::Int)]),
    ("stat_approvals", "form, period, org_unit_id", &[("form", Col::Text), ("period", Col::Text), ("org_unit_id", Col::Int), ("approved_by", Col::Text), ("approved_at", Col::Int)]),
    ("stat_reminders", "id", &[("id", Col::Int), ("form", Col::Text), ("period", Col::Text), ("organisation_id", Col::Int), ("message", Col::Text), ("sent_by", Col::Text), ("sent_at", Col::Int)]),
    ("experts", "id", &[("id", Col::Int), ("code", Col::Text), ("name", Col::Text), ("user_id", Col::NullInt), ("organisation_name", Col::Text), ("credit_code", Col::Text), ("unit_path", Col::Text), ("title", Col::Text), ("fields", Col::Text), ("keywords", Col::Text), ("publications", Col::Text), ("projects", Col::Text), ("region", Col::Text), ("contact", Col::Text), ("groups", Col::Text), ("available_from", Col::Text), ("available_to", Col::Text), ("library", Col::Text), ("status", Col::Text), ("status_reason", Col::Text), ("confirmed_year", Col::Int), ("yearly_cap", Col::Int), ("created_at", Col::Int), ("updated_at", Col::Int), ("version", Col::Int)]),
    ("expert_ties", "id", &[("id", Col::Int), ("expert_id", Col::Int), ("kind", Col::Text), ("name", Col::Text), ("credit_code", Col::Text), ("year", Col::NullInt)]),
    ("credit_records", "id", &[("id", Col::Int), ("subject_kind", Col::Text), ("subject_key", Col::Text), ("subject_name", Col::Text), ("nature", Col::Text), ("kind", Col::Text), ("severity", Col::Text), ("source", Col::Text), ("record_date", Col::Text), ("sanction", Col::Text), ("points", Col::Int), ("created_by", Col::Text), ("created_at", Col::Int)]),
    ("review_rounds", "id", &[("id", Col::Int), ("code", Col::Text), ("name", Col::Text), ("call_name", Col::Text), ("library", Col::Text), ("mode", Col::Text), ("demand", Col::Int), ("max_load", Col::Int), ("rules", Col::Text), ("form", Col::Text), ("deadline", Col::Text), ("year", Col::Int), ("status", Col::Text), ("seed_hash", Col::Text), ("seed", Col::Text), ("created_by", Col::Text), ("created_at", Col::Int), ("closed_at", Col::Int)]),
    ("review_items", "id", &[("id", Col::Int), ("round_id", Col::Int), ("code", Col::Text), ("title", Col::Text), ("body", Col::Text), ("discipline", Col::Text), ("applicant", Col::Text), ("members", Col::Text), ("credit_code", Col::Text), ("org_name", Col::Text), ("unit_path", Col::Text), ("avoid", Col::Text)]),
    ("review_conflicts", "item_id, expert_id, kind, detail", &[("round_id", Col::Int), ("item_id", Col::Int), ("expert_id", Col::Int), ("kind", Col::Text), ("source", Col::Text), ("detail", Col::Text)]),
    ("review_bids", "item_id, expert_id", &[("item_id", Col::Int), ("expert_id", Col::Int), ("bid", Col::Text)]),
    ("review_assignments", "id", &[("id", Col::Int), ("round_id", Col::Int), ("item_id", Col::Int), ("expert_id", Col::Int), ("affinity", Col::NullReal), ("method", Col::Text), ("status", Col::Text), ("reason", Col::Text), ("scores", Col::Text), ("total", Col::NullReal), ("recommendation", Col::Text), ("comment", Col::Text), ("assigned_at", Col::Int), ("saved_at", Col::Int), ("submitted_at", Col::Int), ("reminded_at", Col::Int), ("version", Col::Int)]),
    ("review_draw_log", "id", &[("id", Col::Int), ("round_id", Col::Int), ("item_id", Col::Int), ("expert_id", Col::Int), ("action", Col::Text), ("draw_key", Col::Text), ("actor", Col::Text), ("at_ms", Col::Int)]),
    ("programmes", "id", &[("id", Col::Int), ("code", Col::Text), ("name", Col::Text), ("created_at", Col::Int)]),
    ("programme_budgets", "programme_id, year", &[("programme_id", Col::Int), ("year", Col::Int), ("budget_fen", Col::Int), ("committed_fen", Col::Int)]),
    ("organisation_qualifications", "organisation_id, code", &[("organisation_id", Col::Int), ("code", Col::Text), ("valid_until", Col::Text)]),
    ("calls", "id", &[("id", Col::Int), ("programme_id", Col::Int), ("code", Col::Text), ("title", Col::Text), ("year", Col::Int), ("guidelines", Col::Text), ("topics", Col::Text), ("eligibility", Col::Text), ("budget_rules", Col::Text), ("applicant_deadline", Col::Text), ("organisation_deadline", Col::Text), ("zone_deadline", Col::Text), ("opens_on", Col::Text), ("status", Col::Text), ("created_by", Col::Text), ("created_at", Col::Int), ("form", Col::Text), ("review_plan", Col::Text)]),
    ("applications", "id", &[("id", Col::Int), ("call_id", Col::Int), ("code", Col::Text), ("title", Col::Text), ("topic", Col::Text), ("summary", Col::Text), ("leader_user_id", Col::Int), ("leader_name", Col::Text), ("leader_key", Col::Text), ("members", Col::Text), ("organisation_id", Col::Int), ("unit_path", Col::Text), ("budget", Col::Text), ("requested_fen", Col::Int), ("stage", Col::Text), ("reason", Col::Text), ("duplicate_of", Col::Text), ("granted_fen", Col::Int), ("created_at", Col::Int), ("updated_at", Col::Int), ("submitted_at", Col::Int), ("version", Col::Int), ("department_opinion", Col::Text), ("suggested_fen", Col::Int), ("answers", Col::Text)]),
    ("application_events", "id", &[("id", Col::Int), ("application_id", Col::Int), ("action", Col::Text), ("from_stage", Col::Text), ("to_stage", Col::Text), ("reason", Col::Text), ("actor", Col::Text), ("at_ms", Col::Int)]),
    ("task_books", "application_id", &[("application_id", Col::Int), ("goals", Col::Text), ("deliverables", Col::Text), ("starts_on", Col::Text), ("ends_on", Col::Text), ("post_subsidy", Col::Int), ("signed_by", Col::Text), ("signed_at", Col::Int), ("budget", Col::Text), ("status", Col::Text), ("status_reason", Col::Text), ("extended", Col::Int), ("version", Col::Int), ("milestones", Col::Text)]),
    ("project_conditions", "application_id, condition", &[("application_id", Col::Int), ("condition", Col::Text), ("opinion", Col::Text), ("approved_by", Col::Text), ("approved_at", Col::Int)]),
    ("instalments", "id", &[("id", Col::Int), ("application_id", Col::Int), ("seq", Col::Int), ("condition", Col::Text), ("amount_fen", Col::Int), ("prepared_by", Col::Text), ("prepared_at", Col::Int), ("released_by", Col::Text), ("released_at", Col::Int), ("cancelled", Col::Int)]),
    ("attachments", "id", &[("id", Col::Int), ("application_id", Col::Int), ("name", Col::Text), ("kind", Col::Text), ("content_type", Col::Text), ("size", Col::Int), ("sha256", Col::Text), ("uploaded_by", Col::Text), ("uploaded_at", Col::Int)]),
    ("application_counts", "call_id, stage", &[("call_id", Col::Int), ("stage", Col::Text), ("n", Col::Int), ("requested_fen", Col::Int), ("granted_fen", Col::Int)]),
    ("call_files", "id", &[("id", Col::Int), ("call_id", Col::Int), ("name", Col::Text), ("content_type", Col::Text), ("size", Col::Int), ("sha256", Col::Text), ("uploaded_by", Col::Text), ("uploaded_at", Col::Int)]),
    ("call_rounds", "call_id, round_id", &[("call_id", Col::Int), ("round_id", Col::Int)]),
    ("call_notices", "call_id", &[("call_id", Col::Int), ("meeting_on", Col::Text), ("minutes", Col::Text), ("starts_on", Col::Text), ("ends_on", Col::Text), ("published_by", Col::Text), ("published_at", Col::Int)]),
    ("notice_objections", "id", &[("id", Col::Int), ("call_id", Col::Int), ("application_id", Col::Int), ("name", Col::Text), ("contact", Col::Text), ("body", Col::Text), ("status", Col::Text), ("resolution", Col::Text), ("resolved_by", Col::Text), ("resolved_at", Col::Int), ("created_at", Col::Int)]),
    ("project_reports", "id", &[("id", Col::Int), ("application_id", Col::Int), ("kind", Col::Text), ("seq", Col::Int), ("due_on", Col::Text), ("body", Col::Text), ("deliverables", Col::Text), ("status", Col::Text), ("submitted_by", Col::Text), ("submitted_at", Col::Int), ("reminded_at", Col::Int)]),
    ("project_opinions", "id", &[("id", Col::Int), ("application_id", Col::Int), ("stage", Col::Text), ("expert", Col::Text), ("score", Col::Int), ("conclusion", Col::Text), ("body", Col::Text), ("added_by", Col::Text), ("added_at", Col::Int)]),
    ("project_changes", "id", &[("id", Col::Int), ("application_id", Col::Int), ("kind", Col::Text), ("detail", Col::Text), ("reason", Col::Text), ("status", Col::Text), ("requested_by", Col::Text), ("requested_at", Col::Int), ("decided_by", Col::Text), ("decided_at", Col::Int), ("decision", Col::Text)]),
    ("project_findings", "id", &[("id", Col::Int), ("application_id", Col::Int), ("kind", Col::Text), ("visited_on", Col::Text), ("findings", Col::Text), ("rectify_by", Col::Text), ("rectification", Col::Text), ("rectified_at", Col::Int), ("added_by", Col::Text), ("added_at", Col::Int)]),
    ("project_outputs", "id", &[("id", Col::Int), ("application_id", Col::Int), ("kind", Col::Text), ("title", Col::Text), ("reference", Col::Text), ("on_date", Col::Text), ("added_by", Col::Text), ("added_at", Col::Int)]),
    ("project_outcomes", "application_id", &[("application_id", Col::Int), ("outcome", Col::Text), ("score", Col::NullReal), ("grade", Col::Text), ("opinion", Col::Text), ("credit_records", Col::Text), ("decided_by", Col::Text), ("decided_at", Col::Int)]),
    ("indicator_values", "indicator, org_unit_id, period", &[("indicator", Col::Text), ("org_unit_id", Col::Int), ("period", Col::Text), ("value", Col::NullReal), ("source", Col::Text), ("updated_by", Col::Text), ("updated_at", Col::Int)]),
    ("framework_definitions", "code", &[("code", Col::Text), ("body", Col::Text), ("imported_by", Col::Text), ("imported_at", Col::Int)]),
    ("framework_settings", "code", &[("code", Col::Text), ("public", Col::Int), ("updated_by", Col::Text), ("updated_at", Col::Int)]),
    ("audit_log", "seq", &[("seq", Col::Int), ("at_ms", Col::Int), ("actor", Col::Text), ("action", Col::Text), ("entity", Col::Text), ("entity_id", Col::Text), ("before_json", Col::Text), ("after_json", Col::Text), ("request_id", Col::Text), ("prev_hash", Col::Text), ("hash", Col::Text)]),
    ("audit_head", "id", &[("id", Col::Int), ("seq", Col::Int), ("hash", Col::Text)]),
];

const FORMAT: &str = "innocity-backup/1";

/// Writes a snapshot; returns the number of rows per table.
pub async fn backup(db: &Db, out: &mut dyn Write) -> Result<Vec<(String, u64)>> {
    use futures_util::StreamExt;
    use sea_orm::StreamTrait;
    let txn = if db.is_postgres() {
        db.conn.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?
    } else {
        db.conn.begin().await?
    };
    writeln!(out, "{}", serde_json::json!({ "format": FORMAT }))?;
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
    txn.commit().await?;
    Ok(counts)
}

fn bad(line: usize, what: &str) -> StoreError {
    StoreError::Invalid(format!("backup line {line}: {what}"))
}

/// Restores a snapshot into a database that holds no data yet (migrated, empty), in one
/// transaction: either everything is restored or nothing is.
pub async fn restore(db: &Db, input: &mut dyn BufRead) -> Result<Vec<(String, u64)>> {
    let existing: i64 = db
        .query_one("SELECT (SELECT COUNT(*) FROM org_units) + (SELECT COUNT(*) FROM users) AS n", vec![])
        .await?
        .map(|r| r.try_get("", "n"))
        .transpose()?
        .unwrap_or(0);
    if existing > 0 {
        return Err(StoreError::Invalid("the target database is not empty; restore into a new database".into()));
    }
    let txn = db.conn.begin().await?;
    txn.execute_unprepared("DELETE FROM audit_head").await?;
    let mut lines = input.lines().enumerate();
    let (_, first) = lines.next().ok_or_else(|| bad(1, "empty file"))?;
    let header: serde_json::Value = serde_json::from_str(&first?).map_err(|_| bad(1, "not a backup header"))?;
    if header["format"] != FORMAT {
        return Err(bad(1, "unknown format"));
    }
    let mut current: Option<&(&str, &str, &[(&str, Col)])> = None;
    let mut counts: Vec<(String, u64)> = Vec::new();
    for (i, line) in lines {
        let line = line?;
        let v: serde_json::Value = serde_json::from_str(&line).map_err(|_| bad(i + 1, "not JSON"))?;
        if let Some(t) = v.get("table").and_then(|t| t.as_str()) {
            current = Some(TABLES.iter().find(|x| x.0 == t).ok_or_else(|| bad(i + 1, "unknown table"))?);
            counts.push((t.to_string(), 0));
            continue;
        }
        let (table, _, cols) = current.ok_or_else(|| bad(i + 1, "row before any table"))?;
        let arr = v.as_array().filter(|a| a.len() == cols.len()).ok_or_else(|| bad(i + 1, "wrong number of columns"))?;
        let mut values: Vec<Value> = Vec::with_capacity(cols.len());
        for ((_, col), x) in cols.iter().zip(arr) {
            values.push(match col {
                Col::Int => x.as_i64().ok_or_else(|| bad(i + 1, "expected a number"))?.into(),
                Col::NullInt => x.as_i64().into(),
                Col::Text => x.as_str().ok_or_else(|| bad(i + 1, "expected text"))?.to_string().into(),
                Col::NullText => x.as_str().map(str::to_string).into(),
                Col::NullReal => x.as_f64().into(),
            });
        }
        let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
        let marks = vec!["?"; cols.len()].join(", ");
        let sql = format!("INSERT INTO {table} ({}) VALUES ({marks})", names.join(", "));
        txn.execute_raw(db.stmt(&sql, values)).await.map_err(StoreError::from_db)?;
        if let Some(c) = counts.last_mut() {
            c.1 += 1;
        }
    }
    for sql in crate::orgs::RECOUNT_SQL {
        txn.execute_unprepared(sql).await?;
    }
    if db.is_postgres() {
        for (table, key, _) in TABLES {
            if *key == "id" && *table != "audit_head" {
                txn.execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))
                .await?;
            }
        }
    }
    txn.commit().await?;
    Ok(counts)
}
