//! Research-credit records (科研信用) of persons (by expert code or ID) and organisations (by
//! credit code). A bad record that bars its subject suspends the subject's expert entries at once,
//! in the same transaction.
use crate::audit::{self, Change};
use crate::db::{Db, Result};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::credit::{Eligibility, Nature, Record, Sanction, Severity, eligibility};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    /// "person" or "organisation".
    pub kind: String,
    /// A person's expert code, an organisation's credit code.
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub subject: Subject,
    pub record: Record,
    pub created_by: String,
}

pub fn sanction_code(s: Sanction) -> String {
    match s {
        Sanction::None => "none".into(),
        Sanction::Years(y) => format!("years:{y}"),
        Sanction::Permanent => "permanent".into(),
    }
}

pub fn parse_sanction(s: &str) -> Option<Sanction> {
    match s {
        "none" => Some(Sanction::None),
        "permanent" => Some(Sanction::Permanent),
        _ => s.strip_prefix("years:").and_then(|y| y.parse().ok()).map(Sanction::Years),
    }
}

pub fn nature_code(n: Nature) -> &'static str {
    match n {
        Nature::Good => "good",
        Nature::Bad => "bad",
    }
}

pub fn severity_code(s: Severity) -> &'static str {
    match s {
        Severity::Minor => "minor",
        Severity::Serious => "serious",
        Severity::Grave => "grave",
    }
}

pub fn parse_nature(s: &str) -> Option<Nature> {
    [Nature::Good, Nature::Bad].into_iter().find(|n| nature_code(*n) == s)
}

pub fn parse_severity(s: &str) -> Option<Severity> {
    [Severity::Minor, Severity::Serious, Severity::Grave]
        .into_iter()
        .find(|x| severity_code(*x) == s)
}

impl FromRow for Entry {
    const TABLE: &'static str = "credit_records";
    columns!(
        id,
        subject_kind,
        subject_key,
        subject_name,
        nature,
        kind,
        severity,
        source,
        record_date,
        sanction,
        points,
        created_by
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let id = f.int()?;
        let subject = Subject { kind: f.text()?, key: f.text()?, name: f.text()? };
        Ok(Entry {
            subject,
            record: Record {
                id,
                nature: f.code(parse_nature)?,
                kind: f.text()?,
                severity: f.code(parse_severity)?,
                source: f.text()?,
                date: f.date()?,
                sanction: f.code(parse_sanction)?,
                points: f.int32()?,
            },
            created_by: f.text()?,
        })
    }
}

/// Every record, newest first.
pub async fn list(db: &Db) -> Result<Vec<Entry>> {
    db.rows(&select::<Entry>("ORDER BY record_date DESC, id DESC"), vec![]).await
}

pub async fn records_of(db: &Db, key: &str) -> Result<Vec<Record>> {
    Ok(db
        .rows::<Entry>(
            &select::<Entry>("WHERE subject_key = ? ORDER BY record_date"),
            vec![key.into()],
        )
        .await?
        .into_iter()
        .map(|e| e.record)
        .collect())
}

/// May the subject apply or be drawn on `day`; the deciding record if not.
pub async fn check(db: &Db, key: &str, day: NaiveDate) -> Result<Eligibility> {
    Ok(eligibility(&records_of(db, key).await?, day))
}

/// The subjects' keys (credit codes, ID numbers) a credit record bars on `today`.
pub async fn barred_keys(db: &Db, today: NaiveDate) -> Result<std::collections::HashSet<String>> {
    let mut by_key: std::collections::HashMap<String, Vec<Record>> =
        std::collections::HashMap::new();
    for entry in list(db).await? {
        by_key.entry(entry.subject.key).or_default().push(entry.record);
    }
    Ok(by_key
        .into_iter()
        .filter(|(_, records)| !eligibility(records, today).allowed)
        .map(|(key, _)| key)
        .collect())
}

/// A credit record or its subject refused.
#[derive(Debug, Clone, PartialEq)]
pub enum CreditRefusal {
    /// The record against its rules (`core::credit::Record::check`): the field and why.
    Invalid { field: &'static str, message: String },
    /// A subject without key or name, or of no known kind.
    Subject,
}

/// Stores a checked record; a record that bars its subject on `today` suspends the experts it
/// names (by expert code, or every expert of a barred organisation). Returns the record's id and
/// the experts suspended.
pub async fn add(
    db: &Db,
    subject: &Subject,
    record: &Record,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<(i64, Vec<String>)> {
    record.check().map_err(|e| CreditRefusal::Invalid { field: e.field, message: e.message })?;
    if subject.key.trim().is_empty()
        || subject.name.trim().is_empty()
        || !matches!(subject.kind.as_str(), "person" | "organisation")
    {
        return Err(CreditRefusal::Subject.into());
    }
    let tx = db.begin_write().await?;
    let out = add_in(&tx, subject, record, today, actor).await?;
    tx.commit().await?;
    Ok(out)
}

/// [`add`] in the caller's transaction (a failed acceptance writes its records with its outcome).
pub(crate) async fn add_in(
    tx: &crate::db::Tx,
    subject: &Subject,
    record: &Record,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<(i64, Vec<String>)> {
    record.check().map_err(|e| CreditRefusal::Invalid { field: e.field, message: e.message })?;
    let id = tx
        .insert(
            "INSERT INTO credit_records (subject_kind, subject_key, subject_name, nature, kind, severity, source, record_date, sanction, points, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                subject.kind.clone().into(),
                subject.key.trim().into(),
                subject.name.trim().into(),
                nature_code(record.nature).into(),
                record.kind.clone().into(),
                severity_code(record.severity).into(),
                record.source.clone().into(),
                record.date.format("%Y-%m-%d").to_string().into(),
                sanction_code(record.sanction).into(),
                i64::from(record.points).into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    audit::append(
        tx,
        Change {
            actor: actor.username,
            action: "credit.add",
            entity: "credit_record",
            entity_id: id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "subject": subject, "record": record }),
            request_id: actor.request_id,
        },
    )
    .await?;
    let mut suspended = Vec::new();
    if record.bars_on(today) {
        let column = if subject.kind == "person" { "code" } else { "credit_code" };
        let filter = format!("WHERE {column} = ? AND status IN ('applied', 'vetted', 'active')");
        let experts: Vec<crate::experts::Expert> = tx
            .rows(&select::<crate::experts::Expert>(&filter), vec![subject.key.trim().into()])
            .await?;
        for e in experts {
            let (eid, code, status) = (e.id, e.code, e.status.code());
            let reason = format!("科研失信记录 {}（{}）", record.kind, record.source);
            tx.exec("UPDATE experts SET status = 'suspended', status_reason = ?, updated_at = ?, version = version + 1 WHERE id = ?", vec![reason.clone().into(), tx.clock.now_ms().into(), eid.into()]).await?;
            audit::append(tx, Change { actor: actor.username, action: "expert.suspend", entity: "expert", entity_id: eid.to_string(), before: serde_json::json!({ "status": status }), after: serde_json::json!({ "status": "suspended", "reason": reason, "credit_record": id }), request_id: actor.request_id }).await?;
            suspended.push(code);
        }
    }
    Ok((id, suspended))
}
