//! Qualification certificates of organisations and the kinds of qualification: recorded one by
//! one or from a file (all or nothing), each with an audit entry; listed in a scope with what
//! expires soon. A certificate replaces the organisation's earlier one of its kind (the audit
//! log keeps the earlier).
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::subjects::certificates::{Certificate, Kind};
use std::collections::HashMap;

struct KindRow(Kind);

impl FromRow for KindRow {
    const TABLE: &'static str = "qualification_kinds";
    columns!(code, name_zh, name_en, validity_years);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(KindRow(Kind {
            code: f.text()?,
            name_zh: f.text()?,
            name_en: f.text()?,
            validity_years: f.int_as()?,
        }))
    }
}

/// Every kind of qualification: the built-in ones, then those staff defined.
pub async fn kinds(db: &Db) -> Result<Vec<Kind>> {
    let rows: Vec<KindRow> =
        db.rows(&select::<KindRow>("ORDER BY created_at, code"), vec![]).await?;
    let mut kinds = innocity_core::subjects::certificates::built_in_kinds();
    kinds.extend(rows.into_iter().map(|k| k.0));
    Ok(kinds)
}

/// Adds a kind staff define (瞪羚, 独角兽, a province's own title…).
pub async fn add_kind(db: &Db, kind: &Kind, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    tx.exec(
        "INSERT INTO qualification_kinds (code, name_zh, name_en, validity_years, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        vec![
            kind.code.clone().into(),
            kind.name_zh.clone().into(),
            kind.name_en.clone().into(),
            i64::from(kind.validity_years).into(),
            actor.username.into(),
            tx.clock.now_ms().into(),
        ],
    )
    .await?;
    let after = serde_json::json!({ "code": kind.code, "name_zh": kind.name_zh, "validity_years": kind.validity_years });
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "subjects.kind_add",
            entity: "qualification_kind",
            entity_id: kind.code.clone(),
            before: serde_json::json!({}),
            after,
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await
}

/// A recorded certificate with its organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateRow {
    pub organisation_id: i64,
    pub name: String,
    pub credit_code: String,
    pub unit_path: String,
    pub kind: String,
    pub number: String,
    /// `YYYY-MM-DD`; empty for a qualification recorded before certificates were.
    pub issued_on: String,
    pub valid_until: NaiveDate,
    pub entered_by: String,
}

impl FromRow for CertificateRow {
    const TABLE: &'static str =
        "organisation_qualifications q JOIN organisations o ON o.id = q.organisation_id";
    columns!(
        "q.organisation_id",
        "o.name",
        "o.credit_code",
        "o.unit_path",
        "q.code",
        "q.number",
        "q.issued_on",
        "q.valid_until",
        "q.entered_by"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(CertificateRow {
            organisation_id: f.int()?,
            name: f.text()?,
            credit_code: f.text()?,
            unit_path: f.text()?,
            kind: f.text()?,
            number: f.text()?,
            issued_on: f.text()?,
            valid_until: f.date()?,
            entered_by: f.text()?,
        })
    }
}

/// Which certificates to list.
#[derive(Debug, Clone, Default)]
pub struct CertificateQuery<'a> {
    /// Organisations in these subtrees (an area's roots).
    pub within: &'a [String],
    pub kind: Option<&'a str>,
    /// Only those valid on this day and expiring by the other (reminders).
    pub expiring: Option<(NaiveDate, NaiveDate)>,
}

/// Certificates in a scope, soonest expiry first.
pub async fn certificates(db: &Db, q: &CertificateQuery<'_>) -> Result<Vec<CertificateRow>> {
    let (area, mut values) = crate::orgs::under_roots("o.unit_path", q.within);
    let mut sql = format!("WHERE {area}");
    if let Some(kind) = q.kind {
        sql.push_str(" AND q.code = ?");
        values.push(kind.into());
    }
    if let Some((from, to)) = q.expiring {
        sql.push_str(" AND q.valid_until >= ? AND q.valid_until <= ?");
        values.push(from.to_string().into());
        values.push(to.to_string().into());
    }
    sql.push_str(" ORDER BY q.valid_until, o.name LIMIT 5000");
    db.rows(&select::<CertificateRow>(&sql), values).await
}

/// An organisation's certificates.
pub async fn of_organisation(db: &Db, organisation_id: i64) -> Result<Vec<CertificateRow>> {
    db.rows(
        &select::<CertificateRow>("WHERE q.organisation_id = ? ORDER BY q.valid_until DESC"),
        vec![organisation_id.into()],
    )
    .await
}

/// Why certificates cannot be recorded: by the certificate's position in what was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateRefusal {
    /// No organisation has this credit code.
    Unregistered { at: usize, credit_code: String },
    /// The organisation lies outside the caller's scope.
    OutOfScope { at: usize, credit_code: String },
}

/// Records certificates (all or none): each organisation found by its credit code within the
/// area of `roots`; returns how many.
pub async fn record(
    db: &Db,
    certificates: &[Certificate],
    roots: &[String],
    actor: Actor<'_>,
) -> Result<usize> {
    let mut orgs: HashMap<String, (i64, String)> = HashMap::new();
    for c in certificates {
        if !orgs.contains_key(&c.credit_code)
            && let Some(o) = crate::orgs::by_credit_code(db, &c.credit_code).await?
        {
            orgs.insert(c.credit_code.clone(), (o.id, o.unit_path));
        }
    }
    let mut refusals = Vec::new();
    for (at, c) in certificates.iter().enumerate() {
        match orgs.get(&c.credit_code) {
            None => refusals
                .push(CertificateRefusal::Unregistered { at, credit_code: c.credit_code.clone() }),
            Some((_, path)) if !innocity_core::orgs::in_area(roots, path) => refusals
                .push(CertificateRefusal::OutOfScope { at, credit_code: c.credit_code.clone() }),
            Some(_) => {}
        }
    }
    if !refusals.is_empty() {
        return Err(StoreError::Certificates(refusals));
    }
    let tx = db.begin_write().await?;
    for c in certificates {
        let Some((org, _)) = orgs.get(&c.credit_code) else { continue };
        write_one(&tx, *org, c, actor).await?;
    }
    tx.commit().await?;
    Ok(certificates.len())
}

async fn write_one(tx: &crate::db::Tx, org: i64, c: &Certificate, actor: Actor<'_>) -> Result<()> {
    let before = tx
        .query_one(
            "SELECT number, valid_until FROM organisation_qualifications WHERE organisation_id = ? AND code = ?",
            vec![org.into(), c.kind.clone().into()],
        )
        .await?
        .map(|r| {
            let number: String = r.try_get_by_index(0).unwrap_or_default();
            let until: String = r.try_get_by_index(1).unwrap_or_default();
            serde_json::json!({ "number": number, "valid_until": until })
        })
        .unwrap_or_else(|| serde_json::json!({}));
    tx.exec(
        "DELETE FROM organisation_qualifications WHERE organisation_id = ? AND code = ?",
        vec![org.into(), c.kind.clone().into()],
    )
    .await?;
    tx.exec(
        "INSERT INTO organisation_qualifications (organisation_id, code, valid_until, number, issued_on, entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![
            org.into(),
            c.kind.clone().into(),
            c.valid_until.to_string().into(),
            c.number.clone().into(),
            c.issued_on.to_string().into(),
            actor.username.into(),
            tx.clock.now_ms().into(),
        ],
    )
    .await?;
    let after = serde_json::json!({ "number": c.number, "issued_on": c.issued_on.to_string(), "valid_until": c.valid_until.to_string() });
    audit::append(
        tx,
        Change {
            actor: actor.username,
            action: "subjects.certificate",
            entity: "organisation_qualification",
            entity_id: format!("{org}/{}", c.kind),
            before,
            after,
            request_id: actor.request_id,
        },
    )
    .await?;
    Ok(())
}
