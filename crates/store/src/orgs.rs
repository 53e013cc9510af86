//! Org units and organisations.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::access::Scope;
use innocity_core::orgs::{OrgDraft, UnitLevel, in_subtree, unit_path};
use sea_orm::Value;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrgUnit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub level: String,
    pub path: String,
    /// For a park: the county or district it lies in, beside its zone.
    pub county_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Organisation {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub kind: String,
    pub org_unit_id: i64,
    pub unit_path: String,
    pub unit_name_zh: String,
    pub unit_name_en: String,
    pub address: String,
    pub contact: String,
    pub phone: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl FromRow for OrgUnit {
    const TABLE: &'static str = "org_units";
    columns!(id, parent_id, code, name_zh, name_en, level, path, county_id);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(OrgUnit {
            id: f.int()?,
            parent_id: f.opt_int()?,
            code: f.text()?,
            name_zh: f.text()?,
            name_en: f.text()?,
            level: f.text()?,
            path: f.text()?,
            county_id: f.opt_int()?,
        })
    }
}

impl FromRow for Organisation {
    const TABLE: &'static str = "organisations";
    const FROM: &'static str = "organisations o JOIN org_units u ON u.id = o.org_unit_id";
    columns!(
        "o.id",
        "o.credit_code",
        "o.name",
        "o.kind",
        "o.org_unit_id",
        "o.unit_path",
        "u.name_zh AS unit_name_zh",
        "u.name_en AS unit_name_en",
        "o.address",
        "o.contact",
        "o.phone",
        "o.created_at",
        "o.updated_at",
        "o.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Organisation {
            id: f.int()?,
            credit_code: f.text()?,
            name: f.text()?,
            kind: f.text()?,
            org_unit_id: f.int()?,
            unit_path: f.text()?,
            unit_name_zh: f.text()?,
            unit_name_en: f.text()?,
            address: f.text()?,
            contact: f.text()?,
            phone: f.text()?,
            created_at: f.int()?,
            updated_at: f.int()?,
            version: f.int()?,
        })
    }
}

/// `[lower, upper)` bounds of the paths in the subtree rooted at `root` (paths end in '/', and
/// '0' is the byte after '/').
pub fn subtree_bounds(root: &str) -> (String, String) {
    let upper = format!("{}0", root.trim_end_matches('/'));
    (root.to_string(), upper)
}

pub async fn units(db: &Db) -> Result<Vec<OrgUnit>> {
    db.rows(&select::<OrgUnit>("ORDER BY path, sort"), vec![]).await
}

pub async fn unit(db: &Db, id: i64) -> Result<Option<OrgUnit>> {
    db.row(&select::<OrgUnit>("WHERE id = ?"), vec![id.into()]).await
}

/// A new org unit's own data.
#[derive(Debug, Clone, Copy)]
pub struct NewUnit<'a> {
    pub code: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub level: UnitLevel,
    /// For a park: the county it lies in.
    pub county: Option<&'a OrgUnit>,
}

/// Why a park cannot lie in a county: the unit is not a park, the other not a county, or the
/// county belongs to another city than the park's zone.
fn county_problem(units: &[OrgUnit], park: &OrgUnit, county: &OrgUnit) -> Option<String> {
    let zone = units.iter().find(|u| Some(u.id) == park.parent_id);
    if park.level != UnitLevel::Park.code() {
        Some(format!("{} is not a park", park.code))
    } else if county.level != UnitLevel::County.code() {
        Some(format!("{} is not a county", county.code))
    } else if zone.and_then(|z| z.parent_id) != county.parent_id {
        Some(format!("{} lies in another city than {}", county.code, park.code))
    } else {
        None
    }
}

/// Creates an org unit under `parent` (demo data and imports).
pub async fn create_unit(
    db: &Db,
    parent: Option<&OrgUnit>,
    new: NewUnit<'_>,
    actor: &str,
    request_id: &str,
) -> Result<OrgUnit> {
    let NewUnit { code, name_zh, name_en, level, county } = new;
    if level.parent().map(|l| l.code()) != parent.map(|p| p.level.as_str()) {
        return Err(StoreError::Invalid(format!(
            "a {} cannot sit under {:?}",
            level.code(),
            parent.map(|p| &p.level)
        )));
    }
    if let Some(county) = county {
        let probe = OrgUnit {
            id: 0,
            parent_id: parent.map(|p| p.id),
            code: code.into(),
            name_zh: name_zh.into(),
            name_en: name_en.into(),
            level: level.code().into(),
            path: String::new(),
            county_id: None,
        };
        let mut known: Vec<OrgUnit> = parent.into_iter().cloned().collect();
        known.push(county.clone());
        if let Some(problem) = county_problem(&known, &probe, county) {
            return Err(StoreError::Invalid(problem));
        }
    }
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO org_units (parent_id, code, name_zh, name_en, level, path, county_id) VALUES (?, ?, ?, ?, ?, '', ?)",
            vec![
                parent.map(|p| p.id).into(),
                code.into(),
                name_zh.into(),
                name_en.into(),
                level.code().into(),
                county.map(|c| c.id).into(),
            ],
        )
        .await?;
    let path = unit_path(parent.map(|p| p.path.as_str()), id);
    tx.exec("UPDATE org_units SET path = ? WHERE id = ?", vec![path.clone().into(), id.into()])
        .await?;
    let unit = OrgUnit {
        id,
        parent_id: parent.map(|p| p.id),
        code: code.into(),
        name_zh: name_zh.into(),
        name_en: name_en.into(),
        level: level.code().into(),
        path,
        county_id: county.map(|c| c.id),
    };
    audit::append(
        &tx,
        Change {
            actor,
            action: "org_unit.create",
            entity: "org_unit",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::to_value(&unit).unwrap_or_default(),
            request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(unit)
}

/// Places a park in a county, or takes it out of any (`None`), audited. The county's people
/// reach the park's organisations from their next request.
pub async fn set_county(
    db: &Db,
    park: &OrgUnit,
    county: Option<&OrgUnit>,
    actor: Actor<'_>,
) -> Result<OrgUnit> {
    if let Some(county) = county {
        let all = units(db).await?;
        if let Some(problem) = county_problem(&all, park, county) {
            return Err(StoreError::Invalid(problem));
        }
    }
    let tx = db.begin_write().await?;
    tx.exec(
        "UPDATE org_units SET county_id = ? WHERE id = ?",
        vec![county.map(|c| c.id).into(), park.id.into()],
    )
    .await?;
    let after = OrgUnit { county_id: county.map(|c| c.id), ..park.clone() };
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "org_unit.county",
            entity: "org_unit",
            entity_id: park.id.to_string(),
            before: serde_json::json!({ "county_id": park.county_id }),
            after: serde_json::json!({ "county_id": after.county_id }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The units a unit's figures break down into: a county's parks; else its children in the
/// tree, counties left out (they overlap the zones, and approval goes up the tree alone).
pub fn parts_of(units: &[OrgUnit], unit: &OrgUnit) -> Vec<OrgUnit> {
    let county = UnitLevel::County.code();
    units
        .iter()
        .filter(|u| {
            if unit.level == county {
                u.county_id == Some(unit.id)
            } else {
                u.parent_id == Some(unit.id) && u.level != county
            }
        })
        .cloned()
        .collect()
}

/// Whether an area admin whose own unit lies at `own_path` reaches `path`: under its unit,
/// or, for a county, under one of the parks that lie in it.
pub fn admin_reaches(units: &[OrgUnit], own_path: &str, path: &str) -> bool {
    match units.iter().find(|u| u.path == own_path) {
        Some(own) => innocity_core::orgs::in_area(&area_roots(units, own), path),
        None => !own_path.is_empty() && path.starts_with(own_path),
    }
}

/// The roots of the subtrees an area admin of `unit` reaches: the unit's own, and for a county
/// the parks that lie in it.
pub fn area_roots(units: &[OrgUnit], unit: &OrgUnit) -> Vec<String> {
    let mut roots = vec![unit.path.clone()];
    if unit.level == UnitLevel::County.code() {
        roots.extend(units.iter().filter(|u| u.county_id == Some(unit.id)).map(|u| u.path.clone()));
    }
    roots
}

/// The roots of the whole city: every unit's path begins with '/'.
pub fn everywhere() -> Vec<String> {
    vec!["/".to_string()]
}

/// The SQL condition that `column` (a unit path) lies under one of `roots`, with its values;
/// never true without roots.
pub fn under_roots(column: &str, roots: &[String]) -> (String, Vec<Value>) {
    if roots.is_empty() {
        return ("1 = 0".into(), Vec::new());
    }
    let mut values = Vec::new();
    let parts: Vec<String> = roots
        .iter()
        .map(|root| {
            let (lo, hi) = subtree_bounds(root);
            values.push(lo.into());
            values.push(hi.into());
            format!("({column} >= ? AND {column} < ?)")
        })
        .collect();
    (format!("({})", parts.join(" OR ")), values)
}

/// Search and paging over organisations.
#[derive(Debug, Clone, Default)]
pub struct OrgQuery {
    pub text: String,
    pub kind: Option<String>,
    /// Restrict to these subtrees (an area's roots: a unit's path, with a county's parks).
    pub within: Vec<String>,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

fn scope_clause(scope: &Scope, sql: &mut String, values: &mut Vec<Value>) {
    match scope {
        Scope::All => {}
        Scope::Subtrees(roots) => {
            let (cond, v) = under_roots("o.unit_path", roots);
            sql.push_str(&format!(" AND {cond}"));
            values.extend(v);
        }
        Scope::Organisation(id) => {
            sql.push_str(" AND o.id = ?");
            values.push((*id).into());
        }
        Scope::Nothing => sql.push_str(" AND 1 = 0"),
    }
}

/// The list's WHERE clause and its values: the scope, the area, the kind and the text.
fn list_filter(scope: &Scope, q: &OrgQuery) -> (String, Vec<Value>) {
    let mut filter = String::from(" WHERE 1 = 1");
    let mut values: Vec<Value> = Vec::new();
    scope_clause(scope, &mut filter, &mut values);
    if !q.within.is_empty() {
        let (cond, v) = under_roots("o.unit_path", &q.within);
        filter.push_str(&format!(" AND {cond}"));
        values.extend(v);
    }
    if let Some(k) = &q.kind {
        filter.push_str(" AND o.kind = ?");
        values.push(k.clone().into());
    }
    let text = q.text.trim();
    if !text.is_empty() {
        // Names and codes; LIKE wildcards in the user's text are escaped.
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        filter.push_str(" AND (o.name LIKE ? ESCAPE '\\' OR o.credit_code LIKE ? ESCAPE '\\')");
        values.push(format!("%{escaped}%").into());
        values.push(format!("%{}%", escaped.to_uppercase()).into());
    }
    (filter, values)
}

/// The query counting the list's matches, with its values.
fn count_query(
    scope: &Scope,
    q: &OrgQuery,
    filter: &str,
    values: &[Value],
) -> (String, Vec<Value>) {
    // The total comes from the per-area counts when only areas filter the list (kept exact in
    // the same transactions that write organisations), else from counting the matches.
    match (scope, q.kind.is_none() && q.text.trim().is_empty()) {
        (Scope::All | Scope::Subtrees(_), true) => {
            let mut sql = String::from(
                "SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM org_unit_counts c WHERE 1 = 1",
            );
            let mut v: Vec<Value> = Vec::new();
            let roots = [scope.roots(), q.within.clone()];
            for roots in roots.iter().filter(|r| !r.is_empty()) {
                let (cond, values) = under_roots("c.unit_path", roots);
                sql.push_str(&format!(" AND {cond}"));
                v.extend(values);
            }
            (sql, v)
        }
        _ => (format!("SELECT COUNT(*) FROM organisations o{filter}"), values.to_vec()),
    }
}

/// Organisations within `scope` that match the query, by area (the hierarchy's order), then in
/// order of registration: the (unit_path, id) index serves this order without sorting.
pub async fn list(db: &Db, scope: &Scope, q: &OrgQuery) -> Result<Page<Organisation>> {
    let (filter, values) = list_filter(scope, q);
    let (count_sql, count_values) = count_query(scope, q, &filter, &values);
    let per_page = q.per_page.clamp(1, 200);
    let page = q.page.max(1);
    // One round trip: the page, each row carrying the total.
    let sql = format!(
        "SELECT {}, ({count_sql}) AS total_count FROM {}{filter} ORDER BY o.unit_path, o.id LIMIT ? OFFSET ?",
        Organisation::LIST,
        Organisation::FROM,
    );
    let mut all_values = count_values.clone();
    all_values.extend(values);
    all_values.push((per_page as i64).into());
    all_values.push((((page - 1) * per_page) as i64).into());
    // Each row: the organisation's columns, then the total.
    let rows = db
        .read(&sql, all_values, |r| {
            let mut f = Fields::new(r, Organisation::TABLE, Organisation::COLUMNS, 0);
            let org = Organisation::from_row(&mut f)?;
            Ok((org, r.int(Organisation::COLUMNS.len())?))
        })
        .await?;
    let total = match rows.first() {
        Some((_, total)) => *total,
        None => {
            db.read(&count_sql, count_values, |r| r.int(0)).await?.into_iter().next().unwrap_or(0)
        }
    };
    Ok(Page {
        items: rows.into_iter().map(|(o, _)| o).collect(),
        total: total as u64,
        page,
        per_page,
    })
}

/// Recomputes the per-area counts from the organisations (after bulk loads and restores).
pub const RECOUNT_SQL: [&str; 2] = [
    "DELETE FROM org_unit_counts",
    "INSERT INTO org_unit_counts (unit_path, n) SELECT unit_path, COUNT(*) FROM organisations GROUP BY unit_path",
];

/// Adds `delta` organisations to an area's count, in the caller's transaction.
async fn count_in(tx: &crate::db::Tx, unit_path: &str, delta: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO org_unit_counts (unit_path, n) VALUES (?, ?) ON CONFLICT (unit_path) DO UPDATE SET n = org_unit_counts.n + ?",
        vec![unit_path.into(), delta.into(), delta.into()],
    )
    .await?;
    Ok(())
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Organisation>> {
    let sql = select::<Organisation>("WHERE o.id = ?");
    db.row(&sql, vec![id.into()]).await
}

/// Marks a one-time form token as used in `tx`; a second submit of the same form fails.
pub async fn use_form_token(tx: &crate::db::Tx, token: &str, user_id: i64) -> Result<()> {
    if token.is_empty() {
        return Ok(());
    }
    match tx
        .exec(
            "INSERT INTO form_tokens (token, user_id, used_at) VALUES (?, ?, ?)",
            vec![token.into(), user_id.into(), tx.clock.now_ms().into()],
        )
        .await
    {
        Err(StoreError::Duplicate(_)) => Err(StoreError::Duplicate(crate::db::Unique::FormToken)),
        other => other.map(|_| ()),
    }
}

/// Who is acting, for the audit entry.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: i64,
    pub username: &'a str,
    pub request_id: &'a str,
}

pub async fn create(
    db: &Db,
    d: &OrgDraft,
    unit: &OrgUnit,
    actor: Actor<'_>,
    form_token: &str,
) -> Result<Organisation> {
    let now = db.clock.now_ms();
    let tx = db.begin_write().await?;
    use_form_token(&tx, form_token, actor.user_id).await?;
    let id = tx
        .insert(
            "INSERT INTO organisations (credit_code, name, kind, org_unit_id, unit_path, address, contact, phone, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            vec![
                d.credit_code.as_str().into(),
                d.name.clone().into(),
                d.kind.code().into(),
                unit.id.into(),
                unit.path.clone().into(),
                d.address.clone().into(),
                d.contact.clone().into(),
                d.phone.clone().into(),
                now.into(),
                now.into(),
            ],
        )
        .await?;
    count_in(&tx, &unit.path, 1).await?;
    let org = Organisation {
        id,
        credit_code: d.credit_code.to_string(),
        name: d.name.clone(),
        kind: d.kind.code().into(),
        org_unit_id: unit.id,
        unit_path: unit.path.clone(),
        unit_name_zh: unit.name_zh.clone(),
        unit_name_en: unit.name_en.clone(),
        address: d.address.clone(),
        contact: d.contact.clone(),
        phone: d.phone.clone(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "organisation.create",
            entity: "organisation",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: audit_view(&org),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(org)
}

/// The fields we audit (not the joined display names).
fn audit_view(o: &Organisation) -> serde_json::Value {
    serde_json::json!({
        "credit_code": o.credit_code, "name": o.name, "kind": o.kind, "org_unit_id": o.org_unit_id,
        "address": o.address, "contact": o.contact, "phone": o.phone, "version": o.version,
    })
}

/// Updates an organisation the caller read at `version`; a concurrent change gives `Stale`.
pub async fn update(
    db: &Db,
    before: &Organisation,
    d: &OrgDraft,
    unit: &OrgUnit,
    actor: Actor<'_>,
    form_token: &str,
) -> Result<Organisation> {
    let now = db.clock.now_ms();
    let tx = db.begin_write().await?;
    use_form_token(&tx, form_token, actor.user_id).await?;
    let n = tx
        .exec(
            "UPDATE organisations SET credit_code = ?, name = ?, kind = ?, org_unit_id = ?, unit_path = ?, address = ?, contact = ?, phone = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
            vec![
                d.credit_code.as_str().into(),
                d.name.clone().into(),
                d.kind.code().into(),
                unit.id.into(),
                unit.path.clone().into(),
                d.address.clone().into(),
                d.contact.clone().into(),
                d.phone.clone().into(),
                now.into(),
                before.id.into(),
                before.version.into(),
            ],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    if before.unit_path != unit.path {
        count_in(&tx, &before.unit_path, -1).await?;
        count_in(&tx, &unit.path, 1).await?;
    }
    let after = Organisation {
        credit_code: d.credit_code.to_string(),
        name: d.name.clone(),
        kind: d.kind.code().into(),
        org_unit_id: unit.id,
        unit_path: unit.path.clone(),
        unit_name_zh: unit.name_zh.clone(),
        unit_name_en: unit.name_en.clone(),
        address: d.address.clone(),
        contact: d.contact.clone(),
        phone: d.phone.clone(),
        updated_at: now,
        version: before.version + 1,
        ..before.clone()
    };
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "organisation.update",
            entity: "organisation",
            entity_id: before.id.to_string(),
            before: audit_view(before),
            after: audit_view(&after),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// People (accounts) of an organisation.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
}

pub async fn people(db: &Db, organisation_id: i64) -> Result<Vec<Person>> {
    db.query_all(
        "SELECT id, username, display_name, role FROM users WHERE organisation_id = ? ORDER BY id",
        vec![organisation_id.into()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Person {
            id: r.try_get("", "id")?,
            username: r.try_get("", "username")?,
            display_name: r.try_get("", "display_name")?,
            role: r.try_get("", "role")?,
        })
    })
    .collect()
}

/// Organisations in the subtree rooted at `path`, from [`counts_by_unit`]'s rows.
pub fn count_in_subtree(counts: &[(String, u64)], path: &str) -> u64 {
    counts.iter().filter(|(p, _)| in_subtree(path, p)).map(|(_, n)| *n).sum()
}

/// Number of organisations per unit path (for the hierarchy page and the home page).
pub async fn counts_by_unit(db: &Db) -> Result<Vec<(String, u64)>> {
    db.query_all("SELECT unit_path, n FROM org_unit_counts WHERE n > 0", vec![])
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "unit_path")?, r.try_get::<i64>("", "n")? as u64)))
        .collect()
}
/// The organisation with this credit code, if registered.
pub async fn by_credit_code(db: &Db, code: &str) -> Result<Option<Organisation>> {
    let sql = select::<Organisation>("WHERE o.credit_code = ?");
    db.row(&sql, vec![code.trim().to_uppercase().into()]).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn bounds() {
        assert_eq!(super::subtree_bounds("/1/2/"), ("/1/2/".to_string(), "/1/20".to_string()));
    }
}
