//! The register of service providers (科技服务机构): a provider's profile waits for the bureau,
//! which registers or suspends it; its accreditations and its catalogue of services; the public
//! directory with each provider's rating.
use super::{SharingRefusal, log};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Count, Fields, FromRow, columns, select};
use innocity_core::orgs::OrgKind;
use innocity_core::projects::money::Money;
use innocity_core::sharing::services::{Accreditation, Profile, ServiceInput};

/// Where a provider stands in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ProviderStatus {
    /// Submitted, waiting for the bureau.
    Pending,
    /// In the directory: takes orders and redeems vouchers.
    Registered,
    /// Taken out by the bureau, with its reason.
    Suspended,
}

impl ProviderStatus {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Registered, Self::Suspended];
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Registered => "registered",
            Self::Suspended => "suspended",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A provider as the directory and its page show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderRow {
    pub organisation_id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub unit_path: String,
    pub address: String,
    pub contact: String,
    pub phone: String,
    pub profile: Profile,
    pub status: ProviderStatus,
    pub reason: String,
    pub submitted_at: i64,
    /// Active services in the catalogue.
    pub services: i64,
    pub rating_sum: i64,
    pub ratings: i64,
    pub version: i64,
}

impl FromRow for ProviderRow {
    const TABLE: &'static str = "provider_profiles";
    const FROM: &'static str =
        "provider_profiles p JOIN organisations o ON o.id = p.organisation_id";
    columns!(
        "p.organisation_id",
        "o.name",
        "o.kind",
        "o.unit_path",
        "o.address",
        "o.contact",
        "o.phone",
        "p.summary",
        "p.kinds",
        "p.status",
        "p.reason",
        "p.submitted_at",
        "(SELECT COUNT(*) FROM provider_services s WHERE s.organisation_id = p.organisation_id AND s.active = 1)",
        "(SELECT COALESCE(CAST(SUM(r.score) AS BIGINT), 0) FROM service_ratings r WHERE r.provider_id = p.organisation_id)",
        "(SELECT COUNT(*) FROM service_ratings r WHERE r.provider_id = p.organisation_id)",
        "p.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ProviderRow {
            organisation_id: f.int()?,
            name: f.text()?,
            kind: f.code(OrgKind::parse)?,
            unit_path: f.text()?,
            address: f.text()?,
            contact: f.text()?,
            phone: f.text()?,
            profile: Profile {
                summary: f.text()?,
                kinds: f.text()?.split(',').filter(|k| !k.is_empty()).map(str::to_string).collect(),
            },
            status: f.code(ProviderStatus::parse)?,
            reason: f.text()?,
            submitted_at: f.int()?,
            services: f.int()?,
            rating_sum: f.int()?,
            ratings: f.int()?,
            version: f.int()?,
        })
    }
}

/// Records or changes a provider's profile. A first profile waits for the bureau; a change to a
/// registered or suspended one keeps its standing (the bureau reads the audit trail).
pub async fn save_profile(
    db: &Db,
    organisation_id: i64,
    profile: &Profile,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let kinds = profile.kinds.join(",");
    let changed = tx
        .exec(
            "UPDATE provider_profiles SET summary = ?, kinds = ?, version = version + 1 WHERE organisation_id = ?",
            vec![profile.summary.clone().into(), kinds.clone().into(), organisation_id.into()],
        )
        .await?;
    if changed == 0 {
        tx.exec(
            "INSERT INTO provider_profiles (organisation_id, summary, kinds, status, submitted_at) VALUES (?, ?, ?, 'pending', ?)",
            vec![organisation_id.into(), profile.summary.clone().into(), kinds.into(), tx.clock.now_ms().into()],
        )
        .await?;
    }
    log(
        &tx,
        actor,
        "provider.profile",
        "organisation",
        organisation_id,
        serde_json::json!(profile),
    )
    .await?;
    tx.commit().await
}

/// The bureau registers a provider (from pending or suspended) or suspends it with a reason.
pub async fn decide_provider(
    db: &Db,
    organisation_id: i64,
    register: bool,
    reason: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let reason = reason.trim();
    if !register && reason.is_empty() {
        return Err(SharingRefusal::Reason.into());
    }
    let tx = db.begin_write().await?;
    let row: ProviderRow = tx
        .row(&select::<ProviderRow>("WHERE p.organisation_id = ?"), vec![organisation_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let to = if register { ProviderStatus::Registered } else { ProviderStatus::Suspended };
    if row.status == to {
        return Err(SharingRefusal::ProviderState { from: row.status.code() }.into());
    }
    tx.exec(
        "UPDATE provider_profiles SET status = ?, reason = ?, decided_by = ?, decided_at = ?, version = version + 1 WHERE organisation_id = ?",
        vec![to.code().into(), reason.into(), actor.username.into(), tx.clock.now_ms().into(), organisation_id.into()],
    )
    .await?;
    let after = serde_json::json!({ "status": to.code(), "reason": reason });
    log(&tx, actor, "provider.decide", "organisation", organisation_id, after).await?;
    tx.commit().await
}

pub async fn provider(db: &Db, organisation_id: i64) -> Result<Option<ProviderRow>> {
    db.row(&select::<ProviderRow>("WHERE p.organisation_id = ?"), vec![organisation_id.into()])
        .await
}

/// Whether an organisation is a registered provider (it may take orders and redeem vouchers).
pub(crate) async fn is_registered_in(tx: &Tx, organisation_id: i64) -> Result<bool> {
    let n: Option<Count> = tx
        .row(
            "SELECT COUNT(*) FROM provider_profiles WHERE organisation_id = ? AND status = 'registered'",
            vec![organisation_id.into()],
        )
        .await?;
    Ok(Count::of(n) > 0)
}

/// Which providers a list shows.
#[derive(Debug, Clone, Default)]
pub struct ProviderQuery {
    /// Part of the name or the summary.
    pub text: Option<String>,
    /// A service kind the provider offers.
    pub kind: Option<String>,
    /// Only these (the directory: registered; the bureau's queue: pending).
    pub status: Option<ProviderStatus>,
    pub limit: i64,
    pub offset: i64,
}

/// The providers a query finds, by name, and how many there are in all.
pub async fn providers(db: &Db, q: &ProviderQuery) -> Result<(Vec<ProviderRow>, i64)> {
    let mut sql = String::from("WHERE 1 = 1");
    let mut v: Vec<sea_orm::Value> = Vec::new();
    if let Some(s) = q.status {
        sql.push_str(" AND p.status = ?");
        v.push(s.code().into());
    }
    if let Some(k) = q.kind.as_ref().filter(|k| !k.is_empty()) {
        sql.push_str(" AND (',' || p.kinds || ',') LIKE ?");
        v.push(format!("%,{k},%").into());
    }
    if let Some(t) = q.text.as_ref().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        sql.push_str(" AND (o.name LIKE ? OR p.summary LIKE ?)");
        v.extend(std::iter::repeat_n(sea_orm::Value::from(format!("%{t}%")), 2));
    }
    let count_sql = format!("SELECT COUNT(*) FROM {} {sql}", ProviderRow::FROM);
    let total = Count::of(db.row(&count_sql, v.clone()).await?);
    sql.push_str(" ORDER BY o.name, p.organisation_id LIMIT ? OFFSET ?");
    v.extend([q.limit.clamp(1, 500).into(), q.offset.max(0).into()]);
    Ok((db.rows(&select::<ProviderRow>(&sql), v).await?, total))
}

/// An accreditation as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct AccreditationRow {
    pub id: i64,
    pub organisation_id: i64,
    pub item: Accreditation,
}

impl FromRow for AccreditationRow {
    const TABLE: &'static str = "provider_accreditations";
    columns!(id, organisation_id, kind, number, scope, valid_until);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(AccreditationRow {
            id: f.int()?,
            organisation_id: f.int()?,
            item: Accreditation {
                kind: f.text()?,
                number: f.text()?,
                scope: f.text()?,
                valid_until: f.date()?,
            },
        })
    }
}

pub async fn add_accreditation(
    db: &Db,
    organisation_id: i64,
    a: &Accreditation,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let taken = tx
        .query_one(
            "SELECT id FROM provider_accreditations WHERE organisation_id = ? AND kind = ? AND number = ?",
            vec![organisation_id.into(), a.kind.clone().into(), a.number.clone().into()],
        )
        .await?;
    if taken.is_some() {
        return Err(SharingRefusal::CodeTaken { code: a.number.clone() }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO provider_accreditations (organisation_id, kind, number, scope, valid_until, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![
                organisation_id.into(),
                a.kind.clone().into(),
                a.number.clone().into(),
                a.scope.clone().into(),
                a.valid_until.format("%Y-%m-%d").to_string().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    log(
        &tx,
        actor,
        "provider.accreditation",
        "organisation",
        organisation_id,
        serde_json::json!(a),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes one of the organisation's accreditations (withdrawn, entered by mistake).
pub async fn remove_accreditation(
    db: &Db,
    organisation_id: i64,
    id: i64,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "DELETE FROM provider_accreditations WHERE id = ? AND organisation_id = ?",
            vec![id.into(), organisation_id.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let after = serde_json::json!({ "removed_accreditation": id });
    log(&tx, actor, "provider.accreditation_removed", "organisation", organisation_id, after)
        .await?;
    tx.commit().await
}

/// An organisation's accreditations, those running out first.
pub async fn accreditations(db: &Db, organisation_id: i64) -> Result<Vec<AccreditationRow>> {
    let sql = select::<AccreditationRow>("WHERE organisation_id = ? ORDER BY valid_until, id");
    db.rows(&sql, vec![organisation_id.into()]).await
}

/// A service of a provider's catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub id: i64,
    pub organisation_id: i64,
    pub provider: String,
    pub unit_path: String,
    pub item: ServiceInput,
    pub active: bool,
    pub version: i64,
}

impl FromRow for ServiceRow {
    const TABLE: &'static str = "provider_services";
    const FROM: &'static str =
        "provider_services s JOIN organisations o ON o.id = s.organisation_id";
    columns!(
        "s.id",
        "s.organisation_id",
        "o.name",
        "o.unit_path",
        "s.name",
        "s.kind",
        "s.description",
        "s.price_fen",
        "s.unit",
        "s.price_rule",
        "s.turnaround_days",
        "s.active",
        "s.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ServiceRow {
            id: f.int()?,
            organisation_id: f.int()?,
            provider: f.text()?,
            unit_path: f.text()?,
            item: ServiceInput {
                name: f.text()?,
                kind: f.text()?,
                description: f.text()?,
                price: f.opt_int()?.map(Money),
                unit: f.text()?,
                price_rule: f.text()?,
                turnaround_days: f.int_as()?,
            },
            active: f.flag()?,
            version: f.int()?,
        })
    }
}

fn service_values(s: &ServiceInput) -> Vec<sea_orm::Value> {
    vec![
        s.name.clone().into(),
        s.kind.clone().into(),
        s.description.clone().into(),
        s.price.map(Money::fen).into(),
        s.unit.clone().into(),
        s.price_rule.clone().into(),
        i64::from(s.turnaround_days).into(),
    ]
}

pub async fn add_service(
    db: &Db,
    organisation_id: i64,
    s: &ServiceInput,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let mut v = vec![organisation_id.into()];
    v.extend(service_values(s));
    v.extend([actor.username.into(), tx.clock.now_ms().into()]);
    let id = tx
        .insert(
            "INSERT INTO provider_services (organisation_id, name, kind, description, price_fen, unit, price_rule, turnaround_days, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            v,
        )
        .await?;
    log(&tx, actor, "service.add", "provider_service", id, serde_json::json!(s)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a service; `version` is the one the editor read (orders keep what they were placed
/// at: their quote is the provider's word, not the catalogue's).
pub async fn update_service(
    db: &Db,
    id: i64,
    version: i64,
    s: &ServiceInput,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let mut v = service_values(s);
    v.extend([id.into(), version.into()]);
    let n = tx
        .exec(
            "UPDATE provider_services SET name = ?, kind = ?, description = ?, price_fen = ?, unit = ?, price_rule = ?, turnaround_days = ?, version = version + 1 WHERE id = ? AND version = ?",
            v,
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    log(&tx, actor, "service.update", "provider_service", id, serde_json::json!(s)).await?;
    tx.commit().await
}

/// Offers a service again or withdraws it from the catalogue (its orders stay).
pub async fn set_service_active(db: &Db, id: i64, active: bool, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE provider_services SET active = ?, version = version + 1 WHERE id = ?",
            vec![i64::from(active).into(), id.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let after = serde_json::json!({ "active": active });
    log(&tx, actor, "service.active", "provider_service", id, after).await?;
    tx.commit().await
}

pub async fn service(db: &Db, id: i64) -> Result<Option<ServiceRow>> {
    db.row(&select::<ServiceRow>("WHERE s.id = ?"), vec![id.into()]).await
}

/// An organisation's services, by kind and name; withdrawn ones only when `all`.
pub async fn services(db: &Db, organisation_id: i64, all: bool) -> Result<Vec<ServiceRow>> {
    let only = if all { "" } else { " AND s.active = 1" };
    let sql = select::<ServiceRow>(&format!(
        "WHERE s.organisation_id = ?{only} ORDER BY s.kind, s.name, s.id"
    ));
    db.rows(&sql, vec![organisation_id.into()]).await
}
