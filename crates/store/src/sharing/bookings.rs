//! Bookings of shared instruments: requested (and approved at once when the owner does not
//! approve each), approved or refused with a reason, cancelled (late ones recorded), closed with
//! the actual use and its fee, or marked a no-show. A booking holds its instrument from its start
//! to its end plus the buffer until it is refused or cancelled.
use super::instruments::InstrumentRow;
use super::{SharingRefusal, log};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::{Datelike, Duration, NaiveDateTime};
use innocity_core::orgs::OrgKind;
use innocity_core::projects::money::Money;
use innocity_core::sharing::booking::{self, Blackout, BookingRefusal, Situation, Span};
use innocity_core::sharing::instruments::UserGroup;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum BookingStatus {
    Requested,
    Approved,
    Refused,
    Cancelled,
    Used,
    NoShow,
}

impl BookingStatus {
    pub const ALL: [Self; 6] =
        [Self::Requested, Self::Approved, Self::Refused, Self::Cancelled, Self::Used, Self::NoShow];
    pub fn code(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Refused => "refused",
            Self::Cancelled => "cancelled",
            Self::Used => "used",
            Self::NoShow => "no_show",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A booking with its instrument, owner and booker.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingRow {
    pub id: i64,
    pub instrument_id: i64,
    pub instrument: String,
    pub owner_id: i64,
    pub owner_path: String,
    pub user_id: i64,
    pub booker: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub organisation_path: String,
    pub group: UserGroup,
    pub starts_at: i64,
    pub ends_at: i64,
    pub status: BookingStatus,
    pub purpose: String,
    pub samples: String,
    pub reason: String,
    pub late_cancel: bool,
    pub actual_start: Option<i64>,
    pub actual_end: Option<i64>,
    pub operator: String,
    pub result: String,
    pub fee: Option<Money>,
    pub created_at: i64,
    pub version: i64,
    /// The voucher it is paid with, and what the voucher paid once closed.
    pub voucher: Option<String>,
    pub voucher_id: Option<i64>,
    pub voucher_paid: Option<Money>,
}

impl FromRow for BookingRow {
    const TABLE: &'static str = "bookings";
    const FROM: &'static str = "bookings b JOIN instruments i ON i.id = b.instrument_id JOIN organisations w ON w.id = i.owner_id JOIN users u ON u.id = b.user_id JOIN organisations o ON o.id = b.organisation_id LEFT JOIN vouchers vv ON vv.id = b.voucher_id";
    columns!(
        "b.id",
        "b.instrument_id",
        "i.name",
        "i.owner_id",
        "w.unit_path",
        "b.user_id",
        "u.display_name",
        "b.organisation_id",
        "o.name",
        "o.unit_path",
        "b.user_group",
        "b.starts_at",
        "b.ends_at",
        "b.status",
        "b.purpose",
        "b.samples",
        "b.reason",
        "b.late_cancel",
        "b.actual_start",
        "b.actual_end",
        "b.operator",
        "b.result",
        "b.fee_fen",
        "b.created_at",
        "b.version",
        "vv.number",
        "b.voucher_id",
        "(SELECT MAX(r.amount_fen) FROM voucher_redemptions r WHERE r.booking_id = b.id AND r.status <> 'rejected')"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(BookingRow {
            id: f.int()?,
            instrument_id: f.int()?,
            instrument: f.text()?,
            owner_id: f.int()?,
            owner_path: f.text()?,
            user_id: f.int()?,
            booker: f.text()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            organisation_path: f.text()?,
            group: f.code(UserGroup::parse)?,
            starts_at: f.int()?,
            ends_at: f.int()?,
            status: f.code(BookingStatus::parse)?,
            purpose: f.text()?,
            samples: f.text()?,
            reason: f.text()?,
            late_cancel: f.flag()?,
            actual_start: f.opt_int()?,
            actual_end: f.opt_int()?,
            operator: f.text()?,
            result: f.text()?,
            fee: f.opt_int()?.map(Money),
            created_at: f.int()?,
            version: f.int()?,
            voucher: f.opt_text()?,
            voucher_id: f.opt_int()?,
            voucher_paid: f.opt_int()?.map(Money),
        })
    }
}

/// What a person asks for.
#[derive(Debug, Clone)]
pub struct BookingRequest {
    pub instrument_id: i64,
    pub span: Span,
    pub purpose: String,
    pub samples: String,
    /// The number of one of the booker's vouchers to pay with (at the voucher price).
    pub voucher: Option<String>,
}

/// Who books: the person and the organisation they book for.
#[derive(Debug, Clone, Copy)]
pub struct Booker {
    pub user_id: i64,
    pub organisation_id: i64,
}

fn refused(r: BookingRefusal) -> StoreError {
    SharingRefusal::Booking(r).into()
}

/// The first day of the month and of the ISO week of `t`, whichever is earlier, and the end of
/// the later: the stretch the quotas count in.
fn quota_window(t: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
    let day = t.date();
    let week = day - Duration::days(day.weekday().num_days_from_monday().into());
    let month = day.with_day(1).unwrap_or(day);
    let from = week.min(month);
    let to = (week + Duration::days(7)).max(month + Duration::days(32));
    (from.and_time(chrono::NaiveTime::MIN), to.and_time(chrono::NaiveTime::MIN))
}

/// What a request is checked against, read in one statement inside the write: the instrument's
/// holds around the request, its blackouts over it, and — when it has quotas — the requester's
/// own holds in the week and month of its start.
async fn what_holds(
    tx: &Tx,
    (instrument_id, user_id, quotas): (i64, i64, bool),
    around: (i64, i64),
    (start, end): (i64, i64),
    day: NaiveDateTime,
) -> Result<(Vec<Span>, Vec<Blackout>, Vec<Span>)> {
    let (from, to) = quota_window(day);
    let (from, to) = (tx.clock.ms_of_local(from), tx.clock.ms_of_local(to));
    let rows = tx
        .query_all(
            "SELECT 'h', starts_at, held_until, '' FROM bookings WHERE instrument_id = ? AND holds = 1 AND starts_at < ? AND held_until > ? \
             UNION ALL SELECT 'b', starts_at, ends_at, reason FROM instrument_blackouts WHERE instrument_id = ? AND starts_at < ? AND ends_at > ? \
             UNION ALL SELECT 'm', starts_at, ends_at, '' FROM bookings WHERE ? AND instrument_id = ? AND user_id = ? AND holds = 1 AND status IN ('requested', 'approved', 'used') AND starts_at >= ? AND starts_at < ?",
            vec![
                instrument_id.into(),
                around.1.into(),
                around.0.into(),
                instrument_id.into(),
                end.into(),
                start.into(),
                quotas.into(),
                instrument_id.into(),
                user_id.into(),
                from.into(),
                to.into(),
            ],
        )
        .await?;
    let (mut holds, mut blackouts, mut mine) = (Vec::new(), Vec::new(), Vec::new());
    for r in &rows {
        let kind: String = r.try_get_by_index(0)?;
        let local = |i: usize| -> Result<NaiveDateTime> {
            let ms: i64 = r.try_get_by_index(i)?;
            tx.clock.local_of_ms(ms).ok_or(StoreError::NotFound)
        };
        let span = Span { start: local(1)?, end: local(2)? };
        match kind.as_str() {
            "h" => holds.push(span),
            "b" => blackouts.push(Blackout { span, reason: r.try_get_by_index(3)? }),
            _ => mine.push(span),
        }
    }
    Ok((holds, blackouts, mine))
}

/// The price group of the booker's organisation for the owner's instrument.
async fn group_of(tx: &Tx, who: Booker, owner_id: i64) -> Result<UserGroup> {
    let kind = tx
        .query_one("SELECT kind FROM organisations WHERE id = ?", vec![who.organisation_id.into()])
        .await?
        .map(|r| r.try_get_by_index::<String>(0))
        .transpose()?
        .and_then(|k| OrgKind::parse(&k))
        .ok_or(StoreError::NotFound)?;
    Ok(UserGroup::of(who.organisation_id, kind, owner_id))
}

/// Books an instrument: checked by the rules against what holds it now, inside the write
/// transaction; the database's constraint refuses an overlap that slipped past. Returns the id.
pub async fn book(db: &Db, req: &BookingRequest, who: Booker, actor: Actor<'_>) -> Result<i64> {
    let tx = db.begin_write().await?;
    let ins: InstrumentRow = tx
        .row(&select::<InstrumentRow>("WHERE i.id = ?"), vec![req.instrument_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if ins.status != super::InstrumentStatus::Open {
        return Err(refused(BookingRefusal::NotOpen));
    }
    let rules = ins.item.rules;
    let clock = tx.clock.clone();
    let (start, end) = (clock.ms_of_local(req.span.start), clock.ms_of_local(req.span.end));
    let held_until = clock.ms_of_local(req.span.held(&rules).end);
    // Holds of others that could meet ours, with the longest buffer a rule allows.
    let reach = Duration::minutes(240).num_milliseconds();
    let around = (start - reach, held_until + reach);
    let has_quota = rules.quota_day.or(rules.quota_week).or(rules.quota_month).is_some();
    let (holds, blackouts, mine) =
        what_holds(&tx, (ins.id, who.user_id, has_quota), around, (start, end), req.span.start)
            .await?;
    let situation = Situation {
        now: clock.now_local(),
        hours: &ins.item.hours,
        rules: &rules,
        held: &holds,
        blackouts: &blackouts,
        mine: &mine,
    };
    booking::check(req.span, &situation).map_err(refused)?;
    let group = group_of(&tx, who, ins.owner_id).await?;
    let voucher = match req.voucher.as_deref().filter(|v| !v.trim().is_empty()) {
        None => None,
        Some(number) => Some(
            super::redemptions::voucher_for_booking(
                &tx,
                number,
                (who.organisation_id, ins.owner_id),
                req.span.start.date(),
            )
            .await?
            .id,
        ),
    };
    let status = if rules.approval { BookingStatus::Requested } else { BookingStatus::Approved };
    let inserted = tx
        .insert(
            "INSERT INTO bookings (instrument_id, user_id, organisation_id, user_group, starts_at, ends_at, held_until, holds, status, purpose, samples, created_at, voucher_id) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
            vec![
                ins.id.into(),
                who.user_id.into(),
                who.organisation_id.into(),
                group.code().into(),
                start.into(),
                end.into(),
                held_until.into(),
                status.code().into(),
                req.purpose.trim().into(),
                req.samples.trim().into(),
                clock.now_ms().into(),
                voucher.into(),
            ],
        )
        .await;
    let id = match inserted {
        Err(e) if is_overlap(&e) => {
            return Err(refused(BookingRefusal::Overlap { span: req.span.held(&rules) }));
        }
        other => other?,
    };
    let after = serde_json::json!({
        "instrument_id": ins.id, "organisation_id": who.organisation_id, "group": group.code(),
        "start": req.span.start.to_string(), "end": req.span.end.to_string(),
        "status": status.code(), "purpose": req.purpose.trim(), "voucher_id": voucher,
    });
    log(&tx, actor, "booking.request", "booking", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// The database's own refusal of an overlap (the constraint or trigger `bookings_no_overlap`).
fn is_overlap(e: &StoreError) -> bool {
    match e {
        StoreError::Db(e) => e.to_string().contains("bookings_no_overlap"),
        StoreError::Duplicate(crate::Unique::Other(m)) => m.contains("bookings_no_overlap"),
        _ => false,
    }
}

pub async fn booking(db: &Db, id: i64) -> Result<Option<BookingRow>> {
    db.row(&select::<BookingRow>("WHERE b.id = ?"), vec![id.into()]).await
}

async fn load(tx: &Tx, id: i64) -> Result<BookingRow> {
    tx.row(&select::<BookingRow>("WHERE b.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)
}

fn expect(b: &BookingRow, allowed: &[BookingStatus], action: &'static str) -> Result<()> {
    if allowed.contains(&b.status) {
        Ok(())
    } else {
        Err(SharingRefusal::Status { from: b.status.code(), action }.into())
    }
}

/// Moves a booking to `to` when its version still is `version` (nobody acted in between).
async fn set(
    tx: &Tx,
    b: &BookingRow,
    to: BookingStatus,
    extra: &str,
    mut v: Vec<sea_orm::Value>,
) -> Result<()> {
    let holds = i64::from(!matches!(to, BookingStatus::Refused | BookingStatus::Cancelled));
    let sql = format!(
        "UPDATE bookings SET status = ?, holds = ?{extra}, version = version + 1 WHERE id = ? AND version = ?"
    );
    let mut all = vec![to.code().into(), holds.into()];
    all.append(&mut v);
    all.extend([b.id.into(), b.version.into()]);
    if tx.exec(&sql, all).await? == 0 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

/// The owner approves or refuses a requested booking (a refusal with its reason).
pub async fn decide(db: &Db, id: i64, approve: bool, reason: &str, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let b = load(&tx, id).await?;
    let action = if approve { "approve" } else { "refuse" };
    expect(&b, &[BookingStatus::Requested], action)?;
    if approve && tx.clock.now_ms() >= b.starts_at {
        return Err(SharingRefusal::Status { from: "started", action }.into());
    }
    if !approve && reason.trim().is_empty() {
        return Err(SharingRefusal::Reason.into());
    }
    let to = if approve { BookingStatus::Approved } else { BookingStatus::Refused };
    let v = vec![reason.trim().into(), actor.username.into(), tx.clock.now_ms().into()];
    set(&tx, &b, to, ", reason = ?, decided_by = ?, decided_at = ?", v).await?;
    let after = serde_json::json!({ "status": to.code(), "reason": reason.trim() });
    log(&tx, actor, "booking.decide", "booking", id, after).await?;
    tx.commit().await
}

/// Cancels a booking before its start: by its booker (a reason optional), or by the owner (a
/// reason required). Inside the rules' cancel window it is recorded as late.
pub async fn cancel(
    db: &Db,
    id: i64,
    by_owner: bool,
    reason: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let b = load(&tx, id).await?;
    expect(&b, &[BookingStatus::Requested, BookingStatus::Approved], "cancel")?;
    if by_owner && reason.trim().is_empty() {
        return Err(SharingRefusal::Reason.into());
    }
    let now = tx.clock.now_ms();
    if now >= b.starts_at {
        return Err(SharingRefusal::Status { from: "started", action: "cancel" }.into());
    }
    let ins: InstrumentRow = tx
        .row(&select::<InstrumentRow>("WHERE i.id = ?"), vec![b.instrument_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let start = tx.clock.local_of_ms(b.starts_at).ok_or(StoreError::NotFound)?;
    let late = !by_owner
        && b.status == BookingStatus::Approved
        && booking::is_late_cancel(tx.clock.now_local(), start, &ins.item.rules);
    let v = vec![reason.trim().into(), i64::from(late).into()];
    set(&tx, &b, BookingStatus::Cancelled, ", reason = ?, late_cancel = ?", v).await?;
    let after = serde_json::json!({ "status": "cancelled", "by_owner": by_owner, "late": late, "reason": reason.trim() });
    log(&tx, actor, "booking.cancel", "booking", id, after).await?;
    tx.commit().await
}

/// What happened when the instrument was used.
#[derive(Debug, Clone)]
pub struct Usage {
    pub actual: Span,
    pub operator: String,
    pub result: String,
}

/// The owner closes an approved booking after its start with the actual use; the fee is the
/// price of the booker's group for the booked time, or the actual time when it ran over.
pub async fn close(db: &Db, id: i64, usage: &Usage, actor: Actor<'_>) -> Result<Money> {
    let tx = db.begin_write().await?;
    let b = load(&tx, id).await?;
    expect(&b, &[BookingStatus::Approved], "close")?;
    let clock = tx.clock.clone();
    if clock.now_ms() < b.starts_at {
        return Err(SharingRefusal::NotStarted.into());
    }
    let booked = Span {
        start: clock.local_of_ms(b.starts_at).ok_or(StoreError::NotFound)?,
        end: clock.local_of_ms(b.ends_at).ok_or(StoreError::NotFound)?,
    };
    let a = usage.actual;
    let near = |t: NaiveDateTime| (t - booked.start).num_hours().abs() <= 24;
    if a.end <= a.start || !near(a.start) || !near(a.end) {
        return Err(SharingRefusal::Actual.into());
    }
    let ins: InstrumentRow = tx
        .row(&select::<InstrumentRow>("WHERE i.id = ?"), vec![b.instrument_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let minutes = booking::charged_minutes(booked, a);
    // a booking paid with a voucher is charged at the programme's agreed voucher price, when the
    // voucher can still pay (active, with money left, valid on the day of use)
    let voucher = match b.voucher_id {
        Some(v) => super::redemptions::usable_for(&tx, v, booked.start.date()).await?,
        None => None,
    };
    let price = match voucher {
        Some(_) => ins.item.prices.voucher,
        None => ins.item.prices.per_hour(b.group),
    };
    let fee = booking::fee(price, minutes).ok_or(SharingRefusal::Fee)?;
    let v = vec![
        clock.ms_of_local(a.start).into(),
        clock.ms_of_local(a.end).into(),
        usage.operator.trim().into(),
        usage.result.trim().into(),
        fee.fen().into(),
        actor.username.into(),
        clock.now_ms().into(),
    ];
    let extra = ", actual_start = ?, actual_end = ?, operator = ?, result = ?, fee_fen = ?, closed_by = ?, closed_at = ?";
    set(&tx, &b, BookingStatus::Used, extra, v).await?;
    let after = serde_json::json!({
        "status": "used", "actual_start": a.start.to_string(), "actual_end": a.end.to_string(),
        "minutes": minutes, "fee_fen": fee.fen(), "operator": usage.operator.trim(),
    });
    log(&tx, actor, "booking.close", "booking", id, after).await?;
    if let Some(voucher) = voucher {
        pay_with_voucher(&tx, &b, voucher, (ins.owner_id, booked.start.date()), fee, actor).await?;
    }
    tx.commit().await?;
    Ok(fee)
}

/// The voucher's part of a closed booking's fee, redeemed for the owner in the same write. When
/// the voucher can no longer pay (spent, expired, or the owner related to the firm since), the
/// whole fee is the firm's.
async fn pay_with_voucher(
    tx: &Tx,
    b: &BookingRow,
    voucher: i64,
    (owner, used_on): (i64, chrono::NaiveDate),
    fee: Money,
    actor: Actor<'_>,
) -> Result<()> {
    let (v, pays) = super::redemptions::booking_share(tx, voucher, fee).await?;
    if pays <= Money::ZERO {
        return Ok(());
    }
    let r = super::Redeem {
        number: v.number.clone(),
        code: v.code.clone(),
        provider_id: owner,
        service: "instrument".into(),
        order_total: fee,
        amount: pays,
        evidence: format!("仪器预约 #{} 使用记录", b.id),
        request_key: format!("booking:{}", b.id),
        booking_id: Some(b.id),
        order_id: None,
        used_on: Some(used_on),
    };
    match super::redemptions::redeem_in(tx, &r, actor).await {
        Ok(_) | Err(StoreError::Sharing(SharingRefusal::Redemption(_))) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The owner records that nobody came to an approved booking.
pub async fn no_show(db: &Db, id: i64, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let b = load(&tx, id).await?;
    expect(&b, &[BookingStatus::Approved], "no_show")?;
    if tx.clock.now_ms() < b.starts_at {
        return Err(SharingRefusal::NotStarted.into());
    }
    let v = vec![actor.username.into(), tx.clock.now_ms().into()];
    set(&tx, &b, BookingStatus::NoShow, ", closed_by = ?, closed_at = ?", v).await?;
    log(&tx, actor, "booking.no_show", "booking", id, serde_json::json!({ "status": "no_show" }))
        .await?;
    tx.commit().await
}

/// Which bookings a list shows.
#[derive(Debug, Clone, Default)]
pub struct BookingQuery {
    pub instrument_id: Option<i64>,
    /// Bookings of instruments of this owner.
    pub owner_id: Option<i64>,
    /// Bookings made for this organisation.
    pub organisation_id: Option<i64>,
    pub user_id: Option<i64>,
    pub status: Option<BookingStatus>,
    /// Only bookings that meet `[from, to)` (timestamps).
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: i64,
}

pub async fn bookings(db: &Db, q: &BookingQuery) -> Result<Vec<BookingRow>> {
    let mut sql = String::from("WHERE 1 = 1");
    let mut v: Vec<sea_orm::Value> = Vec::new();
    let mut and = |cond: &str, value: sea_orm::Value| {
        sql.push_str(cond);
        v.push(value);
    };
    if let Some(x) = q.instrument_id {
        and(" AND b.instrument_id = ?", x.into());
    }
    if let Some(x) = q.owner_id {
        and(" AND i.owner_id = ?", x.into());
    }
    if let Some(x) = q.organisation_id {
        and(" AND b.organisation_id = ?", x.into());
    }
    if let Some(x) = q.user_id {
        and(" AND b.user_id = ?", x.into());
    }
    if let Some(x) = q.status {
        and(" AND b.status = ?", x.code().into());
    }
    if let Some(x) = q.to {
        and(" AND b.starts_at < ?", x.into());
    }
    if let Some(x) = q.from {
        and(" AND b.ends_at > ?", x.into());
    }
    sql.push_str(" ORDER BY b.starts_at DESC, b.id DESC LIMIT ?");
    v.push(q.limit.clamp(1, 2000).into());
    db.rows(&select::<BookingRow>(&sql), v).await
}
