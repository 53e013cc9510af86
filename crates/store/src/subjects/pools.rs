//! Cultivation pools (培育库): per year, the enterprises a zone grows toward a qualification
//! (高企 first), each with its officer (at most [`MAX_LOAD`] a year, seed 002's 3–5), the visits
//! and notes, and the year's outcome. Every change is audited.
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;

/// The enterprises one officer follows in a year, at most.
pub const MAX_LOAD: i64 = 5;

/// Where a pool entry stands.
pub const STATUSES: [&str; 4] = ["candidate", "recognised", "not_recognised", "withdrawn"];

/// An entry of a pool with its enterprise and officer.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolEntry {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub credit_code: String,
    pub unit_path: String,
    pub title: String,
    pub year: i64,
    pub officer_id: Option<i64>,
    pub officer: Option<String>,
    pub status: String,
    pub note: String,
    pub visits: i64,
    pub version: i64,
}

impl FromRow for PoolEntry {
    const TABLE: &'static str = "pool_entries";
    const FROM: &'static str = "pool_entries p JOIN organisations o ON o.id = p.organisation_id LEFT JOIN users u ON u.id = p.officer_id";
    columns!(
        "p.id",
        "p.organisation_id",
        "o.name",
        "o.credit_code",
        "o.unit_path",
        "p.title",
        "p.year",
        "p.officer_id",
        "u.display_name",
        "p.status",
        "p.note",
        "(SELECT COUNT(*) FROM pool_visits v WHERE v.entry_id = p.id)",
        "p.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(PoolEntry {
            id: f.int()?,
            organisation_id: f.int()?,
            name: f.text()?,
            credit_code: f.text()?,
            unit_path: f.text()?,
            title: f.text()?,
            year: f.int()?,
            officer_id: f.opt_int()?,
            officer: f.opt_text()?,
            status: f.text()?,
            note: f.text()?,
            visits: f.int()?,
            version: f.int()?,
        })
    }
}

/// A visit to a pool's enterprise.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub visited_on: NaiveDate,
    pub officer: String,
    pub note: String,
}

impl FromRow for Visit {
    const TABLE: &'static str = "pool_visits";
    columns!(visited_on, officer, note);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Visit { visited_on: f.date()?, officer: f.text()?, note: f.text()? })
    }
}

/// Why a pool change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolRefusal {
    /// An enterprise outside the caller's area, or not an enterprise.
    OutOfScope { organisation_id: i64 },
    /// The officer already follows [`MAX_LOAD`] enterprises this year.
    OverLoad { officer: String, load: i64 },
    /// Not an officer in the entry's area (a bureau or zone account).
    NotAnOfficer,
    /// A visit without words, or in the future.
    Visit,
    /// An outcome that is not one.
    Status,
}

fn refused(r: PoolRefusal) -> StoreError {
    StoreError::Pools(r)
}

/// A pool of a title and year in an area (its subtrees' roots), by enterprise name.
pub async fn pool(db: &Db, title: &str, year: i32, roots: &[String]) -> Result<Vec<PoolEntry>> {
    let (area, area_values) = crate::orgs::under_roots("o.unit_path", roots);
    let mut values: Vec<sea_orm::Value> = vec![title.into(), i64::from(year).into()];
    values.extend(area_values);
    db.rows(
        &select::<PoolEntry>(&format!(
            "WHERE p.title = ? AND p.year = ? AND {area} ORDER BY o.name, p.id"
        )),
        values,
    )
    .await
}

/// One entry.
pub async fn entry(db: &Db, id: i64) -> Result<Option<PoolEntry>> {
    db.row(&select::<PoolEntry>("WHERE p.id = ?"), vec![id.into()]).await
}

/// An entry's visits, newest first.
pub async fn visits(db: &Db, entry_id: i64) -> Result<Vec<Visit>> {
    db.rows(
        &select::<Visit>("WHERE entry_id = ? ORDER BY visited_on DESC, id DESC"),
        vec![entry_id.into()],
    )
    .await
}

/// Puts enterprises (in the area of `roots`) into the pool of a title and year; those already in it
/// stay as they are. Returns how many were added.
pub async fn add(
    db: &Db,
    title: &str,
    year: i32,
    organisations: &[i64],
    roots: &[String],
    actor: Actor<'_>,
) -> Result<usize> {
    let tx = db.begin_write().await?;
    let mut added = 0;
    for &org in organisations {
        let row = tx
            .query_one("SELECT unit_path, kind FROM organisations WHERE id = ?", vec![org.into()])
            .await?;
        let fits = row.is_some_and(|r| {
            let path: String = r.try_get_by_index(0).unwrap_or_default();
            let kind: String = r.try_get_by_index(1).unwrap_or_default();
            kind == "enterprise" && roots.iter().any(|root| path.starts_with(root.as_str()))
        });
        if !fits {
            return Err(refused(PoolRefusal::OutOfScope { organisation_id: org }));
        }
        let there = tx
            .query_one(
                "SELECT id FROM pool_entries WHERE organisation_id = ? AND title = ? AND year = ?",
                vec![org.into(), title.into(), i64::from(year).into()],
            )
            .await?;
        if there.is_some() {
            continue;
        }
        let id = tx
            .insert(
                "INSERT INTO pool_entries (organisation_id, title, year, status, added_by, added_at) VALUES (?, ?, ?, 'candidate', ?, ?)",
                vec![org.into(), title.into(), i64::from(year).into(), actor.username.into(), tx.clock.now_ms().into()],
            )
            .await?;
        super::log(
            &tx,
            actor,
            "pool.add",
            "pool_entry",
            id,
            serde_json::json!({ "organisation_id": org, "title": title, "year": year }),
        )
        .await?;
        added += 1;
    }
    tx.commit().await?;
    Ok(added)
}

/// Gives an entry to an officer (a bureau account, or a zone account over the enterprise),
/// within the officer's yearly load.
pub async fn assign(db: &Db, entry_id: i64, officer_id: i64, actor: Actor<'_>) -> Result<()> {
    let e = entry(db, entry_id).await?.ok_or(StoreError::NotFound)?;
    let officer = db
        .query_one(
            "SELECT u.display_name, u.role, COALESCE(ou.path, '') FROM users u LEFT JOIN org_units ou ON ou.id = u.org_unit_id WHERE u.id = ? AND u.active = 1",
            vec![officer_id.into()],
        )
        .await?
        .map(|r| {
            let name: String = r.try_get_by_index(0).unwrap_or_default();
            let role: String = r.try_get_by_index(1).unwrap_or_default();
            let path: String = r.try_get_by_index(2).unwrap_or_default();
            (name, role, path)
        });
    let Some((name, role, path)) = officer else { return Err(refused(PoolRefusal::NotAnOfficer)) };
    let units = crate::orgs::units(db).await?;
    let in_area = role == "bureau_staff"
        || (role == "zone_admin" && crate::orgs::admin_reaches(&units, &path, &e.unit_path));
    if !in_area {
        return Err(refused(PoolRefusal::NotAnOfficer));
    }
    let tx = db.begin_write().await?;
    let load = tx
        .query_one(
            "SELECT COUNT(*) FROM pool_entries WHERE officer_id = ? AND year = ? AND id <> ?",
            vec![officer_id.into(), e.year.into(), entry_id.into()],
        )
        .await?
        .map(|r| r.try_get_by_index::<i64>(0).unwrap_or(0))
        .unwrap_or(0);
    if load >= MAX_LOAD {
        return Err(refused(PoolRefusal::OverLoad { officer: name, load }));
    }
    tx.exec(
        "UPDATE pool_entries SET officer_id = ?, version = version + 1 WHERE id = ?",
        vec![officer_id.into(), entry_id.into()],
    )
    .await?;
    super::log(
        &tx,
        actor,
        "pool.assign",
        "pool_entry",
        entry_id,
        serde_json::json!({ "officer_id": officer_id, "officer": name }),
    )
    .await?;
    tx.commit().await
}

/// Records a visit (on `day`, not after today) with its note.
pub async fn visit(
    db: &Db,
    entry_id: i64,
    day: NaiveDate,
    note: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 2000 || day > db.clock.today() {
        return Err(refused(PoolRefusal::Visit));
    }
    entry(db, entry_id).await?.ok_or(StoreError::NotFound)?;
    let tx = db.begin_write().await?;
    tx.insert(
        "INSERT INTO pool_visits (entry_id, visited_on, officer, note, created_at) VALUES (?, ?, ?, ?, ?)",
        vec![entry_id.into(), day.to_string().into(), actor.username.into(), note.into(), tx.clock.now_ms().into()],
    )
    .await?;
    super::log(
        &tx,
        actor,
        "pool.visit",
        "pool_entry",
        entry_id,
        serde_json::json!({ "visited_on": day.to_string(), "note": note }),
    )
    .await?;
    tx.commit().await
}

/// Records where an entry ends up this year (recognised, not recognised, withdrawn) or puts it
/// back among the candidates.
pub async fn decide(
    db: &Db,
    entry_id: i64,
    status: &str,
    note: &str,
    actor: Actor<'_>,
) -> Result<()> {
    if !STATUSES.contains(&status) {
        return Err(refused(PoolRefusal::Status));
    }
    entry(db, entry_id).await?.ok_or(StoreError::NotFound)?;
    let tx = db.begin_write().await?;
    let decided_at = if status == "candidate" { 0 } else { tx.clock.now_ms() };
    tx.exec(
        "UPDATE pool_entries SET status = ?, note = ?, decided_at = ?, version = version + 1 WHERE id = ?",
        vec![status.into(), note.trim().into(), decided_at.into(), entry_id.into()],
    )
    .await?;
    super::log(
        &tx,
        actor,
        "pool.decide",
        "pool_entry",
        entry_id,
        serde_json::json!({ "status": status, "note": note.trim() }),
    )
    .await?;
    tx.commit().await
}

/// A zone's pool in figures: candidates, recognised this year, and certificates of the title
/// that lapsed in the year (ran out before today without a newer one).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PoolCounts {
    pub candidates: i64,
    pub recognised: i64,
    pub lapsed: i64,
}

/// The counts of a pool in an area (its subtrees' roots).
pub async fn counts(db: &Db, title: &str, year: i32, roots: &[String]) -> Result<PoolCounts> {
    let entries = pool(db, title, year, roots).await?;
    let today = db.clock.today().to_string();
    let (area, area_values) = crate::orgs::under_roots("o.unit_path", roots);
    let mut values: Vec<sea_orm::Value> = vec![title.into()];
    values.extend(area_values);
    values.extend([format!("{year}-01-01").into(), format!("{year}-12-31").into(), today.into()]);
    let lapsed = db
        .query_one(
            &format!("SELECT COUNT(*) FROM organisation_qualifications q JOIN organisations o ON o.id = q.organisation_id WHERE q.code = ? AND {area} AND q.valid_until >= ? AND q.valid_until <= ? AND q.valid_until < ?"),
            values,
        )
        .await?
        .map(|r| r.try_get_by_index::<i64>(0).unwrap_or(0))
        .unwrap_or(0);
    Ok(PoolCounts {
        candidates: entries.iter().filter(|e| e.status == "candidate").count() as i64,
        recognised: entries.iter().filter(|e| e.status == "recognised").count() as i64,
        lapsed,
    })
}

/// Someone who may follow an enterprise: a bureau account, or a zone account over it.
#[derive(Debug, Clone, PartialEq)]
pub struct Officer {
    pub id: i64,
    pub name: String,
    /// The zone's name for a zone account; empty for the bureau.
    pub unit: String,
}

/// The officers who may follow an enterprise under `unit_path` (those [`assign`] accepts), by
/// name.
pub async fn officers(db: &Db, unit_path: &str) -> Result<Vec<Officer>> {
    let all: Vec<(Officer, String, String)> = db
        .read(
            "SELECT u.id, u.display_name, COALESCE(ou.name_zh, ''), u.role, COALESCE(ou.path, '') FROM users u LEFT JOIN org_units ou ON ou.id = u.org_unit_id WHERE u.active = 1 AND u.role IN ('bureau_staff', 'zone_admin') ORDER BY u.display_name, u.id",
            vec![],
            |r| Ok((Officer { id: r.int(0)?, name: r.text(1)?, unit: r.text(2)? }, r.text(3)?, r.text(4)?)),
        )
        .await?;
    let units = crate::orgs::units(db).await?;
    Ok(all
        .into_iter()
        .filter(|(_, role, path)| {
            role == "bureau_staff" || crate::orgs::admin_reaches(&units, path, unit_path)
        })
        .map(|(o, _, _)| o)
        .collect())
}
