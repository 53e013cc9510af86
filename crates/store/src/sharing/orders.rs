//! Service orders (样品送检 and other services): a customer orders from a registered provider's
//! catalogue, the provider accepts at a quote or refuses with a reason, receives the samples,
//! attaches the report and states the final fee; the customer confirms and may rate. Customers
//! rate used instrument bookings the same way: both feed the provider's rating and the
//! open-sharing evaluation.
use super::{Booker, ProviderStatus, SharingRefusal, log};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::projects::money::Money;
use innocity_core::sharing::services::{OrderAction, OrderInput, OrderStatus, Rating};

/// An order with its service, both sides and its rating.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub id: i64,
    pub service_id: i64,
    pub service: String,
    /// The service's kind (testing, rd…): what a voucher pays for.
    pub service_kind: String,
    pub unit: String,
    pub provider_id: i64,
    pub provider: String,
    pub provider_path: String,
    pub customer_id: i64,
    pub customer: String,
    pub customer_path: String,
    pub customer_user_id: i64,
    pub item: OrderInput,
    pub status: OrderStatus,
    pub reason: String,
    pub quote: Option<Money>,
    pub fee: Option<Money>,
    pub report_name: Option<String>,
    pub requested_at: i64,
    pub accepted_at: Option<i64>,
    pub reported_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub version: i64,
    pub rating: Option<i64>,
}

impl FromRow for OrderRow {
    const TABLE: &'static str = "service_orders";
    const FROM: &'static str = "service_orders x JOIN provider_services s ON s.id = x.service_id JOIN organisations p ON p.id = x.provider_id JOIN organisations c ON c.id = x.customer_id";
    columns!(
        "x.id",
        "x.service_id",
        "s.name",
        "s.kind",
        "s.unit",
        "x.provider_id",
        "p.name",
        "p.unit_path",
        "x.customer_id",
        "c.name",
        "c.unit_path",
        "x.customer_user_id",
        "x.samples",
        "x.quantity",
        "x.requirements",
        "x.status",
        "x.reason",
        "x.quote_fen",
        "x.fee_fen",
        "x.report_name",
        "x.requested_at",
        "x.accepted_at",
        "x.reported_at",
        "x.completed_at",
        "x.version",
        "(SELECT r.score FROM service_ratings r WHERE r.order_id = x.id)"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(OrderRow {
            id: f.int()?,
            service_id: f.int()?,
            service: f.text()?,
            service_kind: f.text()?,
            unit: f.text()?,
            provider_id: f.int()?,
            provider: f.text()?,
            provider_path: f.text()?,
            customer_id: f.int()?,
            customer: f.text()?,
            customer_path: f.text()?,
            customer_user_id: f.int()?,
            item: OrderInput { samples: f.text()?, quantity: f.int_as()?, requirements: f.text()? },
            status: f.code(OrderStatus::parse)?,
            reason: f.text()?,
            quote: f.opt_int()?.map(Money),
            fee: f.opt_int()?.map(Money),
            report_name: f.opt_text()?,
            requested_at: f.int()?,
            accepted_at: f.opt_int()?,
            reported_at: f.opt_int()?,
            completed_at: f.opt_int()?,
            version: f.int()?,
            rating: f.opt_int()?,
        })
    }
}

/// Places an order for a service of a registered provider (not one's own organisation).
pub async fn place_order(
    db: &Db,
    service_id: i64,
    customer: Booker,
    input: &OrderInput,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let s: super::ServiceRow = tx
        .row(&select::<super::ServiceRow>("WHERE s.id = ?"), vec![service_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let provider: Option<super::ProviderRow> = tx
        .row(
            &select::<super::ProviderRow>("WHERE p.organisation_id = ?"),
            vec![s.organisation_id.into()],
        )
        .await?;
    let status = provider.map(|p| p.status);
    if !s.active || status != Some(ProviderStatus::Registered) {
        return Err(SharingRefusal::NotOffered.into());
    }
    if s.organisation_id == customer.organisation_id {
        return Err(SharingRefusal::OwnProvider.into());
    }
    let id = tx
        .insert(
            "INSERT INTO service_orders (service_id, provider_id, customer_id, customer_user_id, samples, quantity, requirements, status, quote_fen, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?)",
            vec![
                service_id.into(),
                s.organisation_id.into(),
                customer.organisation_id.into(),
                customer.user_id.into(),
                input.samples.clone().into(),
                i64::from(input.quantity).into(),
                input.requirements.clone().into(),
                s.item.estimate(input.quantity).map(Money::fen).into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    log(&tx, actor, "order.place", "service_order", id, serde_json::json!(input)).await?;
    tx.commit().await?;
    Ok(id)
}

/// A step on an order with what it carries: the quote (accept), the final fee (report), the
/// reason (refuse; optional on a cancellation).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderStep {
    pub action: OrderAction,
    pub fee: Option<Money>,
    pub reason: String,
}

async fn locked(tx: &Tx, id: i64) -> Result<OrderRow> {
    tx.row(&select::<OrderRow>("WHERE x.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)
}

/// Takes a step on an order. The caller has checked that the principal is on the step's side.
pub async fn step_order(db: &Db, id: i64, step: &OrderStep, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let o = locked(&tx, id).await?;
    let to =
        step.action.next(o.status).ok_or(SharingRefusal::OrderStep { from: o.status.code() })?;
    let reason = step.reason.trim();
    let now = tx.clock.now_ms();
    let (set, values): (&str, Vec<sea_orm::Value>) = match step.action {
        OrderAction::Accept => {
            let quote = step.fee.ok_or(SharingRefusal::Fee)?;
            let v = vec![quote.fen().into(), now.into(), now.into()];
            ("quote_fen = ?, accepted_at = ?, answered_at = ?", v)
        }
        OrderAction::Refuse if reason.is_empty() => return Err(SharingRefusal::Reason.into()),
        OrderAction::Refuse => ("reason = ?, answered_at = ?", vec![reason.into(), now.into()]),
        OrderAction::Cancel => ("reason = ?", vec![reason.into()]),
        OrderAction::Receive => ("received_at = ?", vec![now.into()]),
        OrderAction::Report => {
            let fee = step.fee.ok_or(SharingRefusal::Fee)?;
            if o.report_name.is_none() {
                return Err(SharingRefusal::NoReport.into());
            }
            ("fee_fen = ?, reported_at = ?", vec![fee.fen().into(), now.into()])
        }
        OrderAction::Complete => ("completed_at = ?", vec![now.into()]),
    };
    let mut v = vec![to.code().into()];
    v.extend(values);
    v.extend([id.into(), o.version.into()]);
    let sql = format!(
        "UPDATE service_orders SET status = ?, {set}, version = version + 1 WHERE id = ? AND version = ?"
    );
    if tx.exec(&sql, v).await? == 0 {
        return Err(StoreError::Stale);
    }
    let after = serde_json::json!({ "status": to.code(), "fee_fen": step.fee.map(Money::fen), "reason": reason });
    log(&tx, actor, "order.step", "service_order", id, after).await?;
    tx.commit().await
}

/// Attaches (or replaces) the report of an order whose samples are in, before it is sent.
pub async fn attach_report(
    db: &Db,
    files: &std::path::Path,
    id: i64,
    name: &str,
    bytes: &[u8],
    actor: Actor<'_>,
) -> Result<()> {
    let o = order(db, id).await?.ok_or(StoreError::NotFound)?;
    if o.status != OrderStatus::Received {
        return Err(SharingRefusal::OrderStep { from: o.status.code() }.into());
    }
    let (content_type, sha, safe_name) =
        crate::projects::checked_upload(files, name, bytes).await?;
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE service_orders SET report_name = ?, report_type = ?, report_size = ?, report_sha256 = ?, version = version + 1 WHERE id = ? AND status = 'received'",
            vec![safe_name.clone().into(), content_type.into(), (bytes.len() as i64).into(), sha.clone().into(), id.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let after = serde_json::json!({ "report": safe_name, "sha256": sha, "size": bytes.len() });
    log(&tx, actor, "order.report_file", "service_order", id, after).await?;
    tx.commit().await
}

/// An order's report: its name, type and bytes (checked against the digest).
pub async fn report_file(
    db: &Db,
    files: &std::path::Path,
    id: i64,
) -> Result<(String, String, Vec<u8>)> {
    let row = db
        .query_one(
            "SELECT report_name, report_type, report_sha256 FROM service_orders WHERE id = ? AND report_sha256 IS NOT NULL",
            vec![id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let name: String = row.try_get_by_index(0)?;
    let content_type: String = row.try_get_by_index(1)?;
    let sha: String = row.try_get_by_index(2)?;
    let bytes = crate::projects::read_stored(files, &sha, &format!("order {id} report")).await?;
    Ok((name, content_type, bytes))
}

pub async fn order(db: &Db, id: i64) -> Result<Option<OrderRow>> {
    db.row(&select::<OrderRow>("WHERE x.id = ?"), vec![id.into()]).await
}

/// Which orders a list shows: a provider's or a customer's, open ones only or all.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    pub provider_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub open_only: bool,
    pub limit: i64,
}

/// Orders, the newest first.
pub async fn orders(db: &Db, q: &OrderQuery) -> Result<Vec<OrderRow>> {
    let mut sql = String::from("WHERE 1 = 1");
    let mut v: Vec<sea_orm::Value> = Vec::new();
    if let Some(p) = q.provider_id {
        sql.push_str(" AND x.provider_id = ?");
        v.push(p.into());
    }
    if let Some(c) = q.customer_id {
        sql.push_str(" AND x.customer_id = ?");
        v.push(c.into());
    }
    if q.open_only {
        sql.push_str(" AND x.status IN ('requested', 'accepted', 'received', 'reported')");
    }
    sql.push_str(" ORDER BY x.requested_at DESC, x.id DESC LIMIT ?");
    v.push(q.limit.clamp(1, 1000).into());
    db.rows(&select::<OrderRow>(&sql), v).await
}

/// What a rating is given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rated {
    Order(i64),
    Booking(i64),
}

/// The customer rates a completed order or a used booking, once.
pub async fn rate(db: &Db, what: Rated, rating: &Rating, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let (sql, id) = match what {
        Rated::Order(id) => {
            ("SELECT provider_id, customer_id, status FROM service_orders WHERE id = ?", id)
        }
        Rated::Booking(id) => (
            "SELECT i.owner_id, b.organisation_id, b.status FROM bookings b JOIN instruments i ON i.id = b.instrument_id WHERE b.id = ?",
            id,
        ),
    };
    let row = tx.query_one(sql, vec![id.into()]).await?.ok_or(StoreError::NotFound)?;
    let provider: i64 = row.try_get_by_index(0)?;
    let customer: i64 = row.try_get_by_index(1)?;
    let status: String = row.try_get_by_index(2)?;
    let (done, order_id, booking_id) = match what {
        Rated::Order(id) => (status == OrderStatus::Completed.code(), Some(id), None),
        Rated::Booking(id) => (status == super::BookingStatus::Used.code(), None, Some(id)),
    };
    if !done {
        return Err(SharingRefusal::NotRateable.into());
    }
    let taken = tx
        .query_one(
            "SELECT id FROM service_ratings WHERE order_id = ? OR booking_id = ?",
            vec![order_id.into(), booking_id.into()],
        )
        .await?;
    if taken.is_some() {
        return Err(SharingRefusal::Rated.into());
    }
    let rating_id = tx
        .insert(
            "INSERT INTO service_ratings (provider_id, customer_id, order_id, booking_id, score, comment, rated_by, rated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                provider.into(),
                customer.into(),
                order_id.into(),
                booking_id.into(),
                i64::from(rating.score).into(),
                rating.comment.clone().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    log(&tx, actor, "rating.add", "service_rating", rating_id, serde_json::json!(rating)).await?;
    tx.commit().await
}

/// A rating as the provider's page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingRow {
    pub score: i64,
    pub comment: String,
    pub customer: String,
    /// The service or instrument rated.
    pub subject: String,
    pub rated_at: i64,
}

impl FromRow for RatingRow {
    const TABLE: &'static str = "service_ratings";
    const FROM: &'static str = "service_ratings r JOIN organisations c ON c.id = r.customer_id LEFT JOIN service_orders x ON x.id = r.order_id LEFT JOIN provider_services s ON s.id = x.service_id LEFT JOIN bookings b ON b.id = r.booking_id LEFT JOIN instruments i ON i.id = b.instrument_id";
    columns!("r.score", "r.comment", "c.name", "COALESCE(s.name, i.name, '')", "r.rated_at");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(RatingRow {
            score: f.int()?,
            comment: f.text()?,
            customer: f.text()?,
            subject: f.text()?,
            rated_at: f.int()?,
        })
    }
}

/// A provider's latest ratings.
pub async fn ratings(db: &Db, provider_id: i64, limit: i64) -> Result<Vec<RatingRow>> {
    let sql =
        select::<RatingRow>("WHERE r.provider_id = ? ORDER BY r.rated_at DESC, r.id DESC LIMIT ?");
    db.rows(&sql, vec![provider_id.into(), limit.clamp(1, 200).into()]).await
}

/// The bookings of an organisation already rated, among `ids` (to offer the form only once).
pub async fn rated_bookings(db: &Db, ids: &[i64]) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let sql = format!("SELECT booking_id FROM service_ratings WHERE booking_id IN ({marks})");
    let rows = db.query_all(&sql, ids.iter().map(|i| (*i).into()).collect()).await?;
    rows.iter().map(|r| Ok(r.try_get_by_index::<i64>(0)?)).collect()
}
