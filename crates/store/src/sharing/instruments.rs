//! The instrument catalogue: owners record their instruments with prices and booking rules,
//! pause or retire them, and set blackouts; everyone reads the catalogue.
use super::{SharingRefusal, log};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveTime;
use innocity_core::orgs::OrgKind;
use innocity_core::projects::money::Money;
use innocity_core::sharing::booking::Span;
use innocity_core::sharing::instruments::{BookingRules, InstrumentInput, OpeningHours, Prices};

/// Whether an instrument takes bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum InstrumentStatus {
    Open,
    /// Temporarily not bookable (repairs, the owner's own campaign).
    Paused,
    /// Gone from the catalogue's bookable list for good; its history stays.
    Retired,
}

impl InstrumentStatus {
    pub const ALL: [Self; 3] = [Self::Open, Self::Paused, Self::Retired];
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Paused => "paused",
            Self::Retired => "retired",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// An instrument with its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct InstrumentRow {
    pub id: i64,
    pub owner_id: i64,
    pub owner: String,
    pub owner_kind: OrgKind,
    pub unit_path: String,
    pub status: InstrumentStatus,
    pub item: InstrumentInput,
    pub version: i64,
}

fn time(f: &mut Fields<'_>) -> Result<NaiveTime> {
    f.parse_with(|s| NaiveTime::parse_from_str(s, "%H:%M"))
}

fn minutes(f: &mut Fields<'_>) -> Result<u32> {
    f.int_as()
}

fn quota(f: &mut Fields<'_>) -> Result<Option<u32>> {
    Ok(f.opt_int()?.and_then(|v| u32::try_from(v).ok()))
}

impl FromRow for InstrumentRow {
    const TABLE: &'static str = "instruments";
    const FROM: &'static str = "instruments i JOIN organisations o ON o.id = i.owner_id";
    columns!(
        "i.id",
        "i.owner_id",
        "o.name",
        "o.kind",
        "o.unit_path",
        "i.status",
        "i.code",
        "i.name",
        "i.category",
        "i.model",
        "i.maker",
        "i.value_fen",
        "i.location",
        "i.parameters",
        "i.contact",
        "i.opens",
        "i.closes",
        "i.open_days",
        "i.price_own_fen",
        "i.price_academic_fen",
        "i.price_enterprise_fen",
        "i.price_voucher_fen",
        "i.min_minutes",
        "i.max_minutes",
        "i.notice_hours",
        "i.buffer_minutes",
        "i.approval",
        "i.quota_day",
        "i.quota_week",
        "i.quota_month",
        "i.cancel_hours",
        "i.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(InstrumentRow {
            id: f.int()?,
            owner_id: f.int()?,
            owner: f.text()?,
            owner_kind: f.code(OrgKind::parse)?,
            unit_path: f.text()?,
            status: f.code(InstrumentStatus::parse)?,
            item: InstrumentInput {
                code: f.text()?,
                name: f.text()?,
                category: f.text()?,
                model: f.text()?,
                maker: f.text()?,
                value: Money(f.int()?),
                location: f.text()?,
                parameters: f.text()?,
                contact: f.text()?,
                hours: OpeningHours {
                    opens: time(f)?,
                    closes: time(f)?,
                    days: f.parse_with(|s| OpeningHours::parse_days(s).ok_or("no open day"))?,
                },
                prices: Prices {
                    own: Money(f.int()?),
                    academic: Money(f.int()?),
                    enterprise: Money(f.int()?),
                    voucher: Money(f.int()?),
                },
                rules: BookingRules {
                    min_minutes: minutes(f)?,
                    max_minutes: minutes(f)?,
                    notice_hours: minutes(f)?,
                    buffer_minutes: minutes(f)?,
                    approval: f.flag()?,
                    quota_day: quota(f)?,
                    quota_week: quota(f)?,
                    quota_month: quota(f)?,
                    cancel_hours: minutes(f)?,
                },
            },
            version: f.int()?,
        })
    }
}

/// The columns an instrument's record writes, in order, and their values.
const FIELDS: &str = "code, name, category, model, maker, value_fen, location, parameters, contact, opens, closes, open_days, price_own_fen, price_academic_fen, price_enterprise_fen, price_voucher_fen, min_minutes, max_minutes, notice_hours, buffer_minutes, approval, quota_day, quota_week, quota_month, cancel_hours";

fn values(i: &InstrumentInput) -> Vec<sea_orm::Value> {
    let r = &i.rules;
    let quota = |q: Option<u32>| q.map(i64::from);
    vec![
        i.code.clone().into(),
        i.name.clone().into(),
        i.category.clone().into(),
        i.model.clone().into(),
        i.maker.clone().into(),
        i.value.fen().into(),
        i.location.clone().into(),
        i.parameters.clone().into(),
        i.contact.clone().into(),
        i.hours.opens.format("%H:%M").to_string().into(),
        i.hours.closes.format("%H:%M").to_string().into(),
        i.hours.days_text().into(),
        i.prices.own.fen().into(),
        i.prices.academic.fen().into(),
        i.prices.enterprise.fen().into(),
        i.prices.voucher.fen().into(),
        i64::from(r.min_minutes).into(),
        i64::from(r.max_minutes).into(),
        i64::from(r.notice_hours).into(),
        i64::from(r.buffer_minutes).into(),
        i64::from(r.approval).into(),
        quota(r.quota_day).into(),
        quota(r.quota_week).into(),
        quota(r.quota_month).into(),
        i64::from(r.cancel_hours).into(),
    ]
}

async fn code_taken(tx: &Tx, owner_id: i64, code: &str, other_than: i64) -> Result<()> {
    let row = tx
        .query_one(
            "SELECT id FROM instruments WHERE owner_id = ? AND code = ? AND id <> ?",
            vec![owner_id.into(), code.into(), other_than.into()],
        )
        .await?;
    match row {
        Some(_) => Err(SharingRefusal::CodeTaken { code: code.into() }.into()),
        None => Ok(()),
    }
}

/// Records instruments of one owner together (a form's one, or an import's rows): all or none.
pub async fn add_instruments(
    db: &Db,
    owner_id: i64,
    items: &[InstrumentInput],
    actor: Actor<'_>,
) -> Result<Vec<i64>> {
    let tx = db.begin_write().await?;
    let marks = vec!["?"; 25].join(", ");
    let sql = format!(
        "INSERT INTO instruments (owner_id, {FIELDS}, status, created_by, created_at) VALUES (?, {marks}, 'open', ?, ?)"
    );
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        code_taken(&tx, owner_id, &item.code, 0).await?;
        let mut v = vec![owner_id.into()];
        v.extend(values(item));
        v.extend([actor.username.into(), tx.clock.now_ms().into()]);
        let id = tx.insert(&sql, v).await?;
        log(&tx, actor, "instrument.add", "instrument", id, serde_json::json!(item)).await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}

/// Changes an instrument's record; `version` is the one the editor read.
pub async fn update_instrument(
    db: &Db,
    id: i64,
    version: i64,
    item: &InstrumentInput,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let row: InstrumentRow = tx
        .row(&select::<InstrumentRow>("WHERE i.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    code_taken(&tx, row.owner_id, &item.code, id).await?;
    let sets = FIELDS.split(", ").map(|c| format!("{c} = ?")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "UPDATE instruments SET {sets}, version = version + 1 WHERE id = ? AND version = ?"
    );
    let mut v = values(item);
    v.extend([id.into(), version.into()]);
    if tx.exec(&sql, v).await? == 0 {
        return Err(StoreError::Stale);
    }
    log(&tx, actor, "instrument.update", "instrument", id, serde_json::json!(item)).await?;
    tx.commit().await
}

/// Opens, pauses or retires an instrument.
pub async fn set_status(
    db: &Db,
    id: i64,
    status: InstrumentStatus,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE instruments SET status = ?, version = version + 1 WHERE id = ?",
            vec![status.code().into(), id.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let after = serde_json::json!({ "status": status.code() });
    log(&tx, actor, "instrument.status", "instrument", id, after).await?;
    tx.commit().await
}

/// Which instruments a list shows.
#[derive(Debug, Clone, Default)]
pub struct InstrumentQuery {
    /// Part of the name, model, maker, owner or parameters.
    pub text: Option<String>,
    pub category: Option<String>,
    pub owner_id: Option<i64>,
    /// Only instruments of 50 万元 and more.
    pub large: bool,
    /// Include paused and retired ones (the owner's own list).
    pub all_states: bool,
    pub limit: i64,
    pub offset: i64,
}

/// The instruments a query finds, by category and name, and how many there are in all.
pub async fn instruments(db: &Db, q: &InstrumentQuery) -> Result<(Vec<InstrumentRow>, i64)> {
    let mut sql = String::from("WHERE 1 = 1");
    let mut v: Vec<sea_orm::Value> = Vec::new();
    if !q.all_states {
        sql.push_str(" AND i.status = 'open'");
    }
    if let Some(c) = q.category.as_ref().filter(|c| !c.is_empty()) {
        sql.push_str(" AND i.category = ?");
        v.push(c.clone().into());
    }
    if let Some(o) = q.owner_id {
        sql.push_str(" AND i.owner_id = ?");
        v.push(o.into());
    }
    if q.large {
        sql.push_str(" AND i.value_fen >= ?");
        v.push(innocity_core::sharing::instruments::LARGE_FROM.fen().into());
    }
    if let Some(t) = q.text.as_ref().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        sql.push_str(
            " AND (i.name LIKE ? OR i.model LIKE ? OR i.maker LIKE ? OR o.name LIKE ? OR i.parameters LIKE ?)",
        );
        v.extend(std::iter::repeat_n(sea_orm::Value::from(format!("%{t}%")), 5));
    }
    let count_sql = format!("SELECT COUNT(*) FROM {} {sql}", InstrumentRow::FROM);
    let total = db
        .query_one(&count_sql, v.clone())
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    sql.push_str(" ORDER BY i.category, i.name, i.id LIMIT ? OFFSET ?");
    v.extend([q.limit.clamp(1, 500).into(), q.offset.max(0).into()]);
    Ok((db.rows(&select::<InstrumentRow>(&sql), v).await?, total))
}

pub async fn instrument(db: &Db, id: i64) -> Result<Option<InstrumentRow>> {
    db.row(&select::<InstrumentRow>("WHERE i.id = ?"), vec![id.into()]).await
}

/// A blackout as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct BlackoutRow {
    pub id: i64,
    pub instrument_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub reason: String,
}

impl FromRow for BlackoutRow {
    const TABLE: &'static str = "instrument_blackouts";
    columns!(id, instrument_id, starts_at, ends_at, reason);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(BlackoutRow {
            id: f.int()?,
            instrument_id: f.int()?,
            starts_at: f.int()?,
            ends_at: f.int()?,
            reason: f.text()?,
        })
    }
}

/// Blackouts of an instrument that meet `[from, to)` (timestamps).
pub async fn blackouts(
    db: &Db,
    instrument_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<BlackoutRow>> {
    let sql = select::<BlackoutRow>(
        "WHERE instrument_id = ? AND starts_at < ? AND ends_at > ? ORDER BY starts_at",
    );
    db.rows(&sql, vec![instrument_id.into(), to.into(), from.into()]).await
}

/// Closes an instrument for a stretch of time (maintenance, a holiday). A booking that holds it
/// then must be cancelled first: the owner is told which.
pub async fn add_blackout(
    db: &Db,
    instrument_id: i64,
    span: Span,
    reason: &str,
    actor: Actor<'_>,
) -> Result<i64> {
    if span.end <= span.start {
        return Err(SharingRefusal::BlackoutOrder.into());
    }
    if reason.trim().is_empty() {
        return Err(SharingRefusal::Reason.into());
    }
    let tx = db.begin_write().await?;
    let (from, to) = (tx.clock.ms_of_local(span.start), tx.clock.ms_of_local(span.end));
    let held = tx
        .query_one(
            "SELECT id FROM bookings WHERE instrument_id = ? AND holds = 1 AND status IN ('requested', 'approved') AND starts_at < ? AND ends_at > ? ORDER BY starts_at LIMIT 1",
            vec![instrument_id.into(), to.into(), from.into()],
        )
        .await?;
    if let Some(row) = held {
        let booking_id: i64 = row.try_get_by_index(0)?;
        return Err(SharingRefusal::BlackoutMeets { booking_id }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO instrument_blackouts (instrument_id, starts_at, ends_at, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                instrument_id.into(),
                from.into(),
                to.into(),
                reason.trim().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let after = serde_json::json!({ "instrument_id": instrument_id, "from": span.start.to_string(), "to": span.end.to_string(), "reason": reason.trim() });
    log(&tx, actor, "instrument.blackout", "instrument", instrument_id, after).await?;
    tx.commit().await?;
    Ok(id)
}
