//! The sharing platform for machines: the public catalogue and an instrument's week, booking,
//! one's bookings, and the owner's records and decisions — the same checks, scope and refusals
//! as the pages.
use super::booking::{CancelInput, cancel_as, my_query};
use super::catalogue::{CatalogueQuery, WeekQuery, monday};
use super::owner::{
    BlackoutInput, CloseInput, DecideInput, StatusInput, add_blackout, close_as, decide_as,
    no_show_as, owner_of, set_status,
};
use super::{any_instrument, booker, refused_on};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, BookInstruments, Ctx, ShareInstruments, ViewWorkspace};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::Duration;
use innocity_core::access::Capability;
use innocity_core::sharing::booking::BookingForm;
use innocity_core::sharing::instruments::InstrumentForm;
use innocity_store::sharing::{
    self as store, BookingQuery, BookingRequest, BookingRow, BookingStatus, InstrumentQuery,
    InstrumentRow,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An instrument of the catalogue. Money in fen; times `HH:MM` on the platform's clock.
#[derive(Serialize, ToSchema)]
pub struct ApiInstrument {
    pub id: i64,
    /// The record's version, to send back with a change.
    pub version: i64,
    pub code: String,
    pub name: String,
    /// analysis, physical, computing, electronic, earth, medical, process, laser, nuclear or
    /// special.
    pub category: String,
    pub model: String,
    pub maker: String,
    /// Original value (原值).
    pub value_fen: i64,
    /// 50 万元 or more.
    pub large: bool,
    pub owner: String,
    pub location: String,
    pub parameters: String,
    pub contact: String,
    pub opens: String,
    pub closes: String,
    /// ISO weekdays open, `12345` for Monday to Friday.
    pub days: String,
    /// open, paused or retired.
    pub status: String,
    pub price_own_fen: i64,
    pub price_academic_fen: i64,
    pub price_enterprise_fen: i64,
    pub price_voucher_fen: i64,
    pub min_minutes: u32,
    pub max_minutes: u32,
    pub notice_hours: u32,
    pub buffer_minutes: u32,
    pub approval: bool,
    pub quota_day_minutes: Option<u32>,
    pub quota_week_minutes: Option<u32>,
    pub quota_month_minutes: Option<u32>,
    pub cancel_hours: u32,
}

pub fn api_instrument_of(i: InstrumentRow) -> ApiInstrument {
    let (it, r) = (&i.item, &i.item.rules);
    ApiInstrument {
        id: i.id,
        version: i.version,
        large: it.is_large(),
        code: it.code.clone(),
        name: it.name.clone(),
        category: it.category.clone(),
        model: it.model.clone(),
        maker: it.maker.clone(),
        value_fen: it.value.fen(),
        owner: i.owner.clone(),
        location: it.location.clone(),
        parameters: it.parameters.clone(),
        contact: it.contact.clone(),
        opens: it.hours.opens.format("%H:%M").to_string(),
        closes: it.hours.closes.format("%H:%M").to_string(),
        days: it.hours.days_text(),
        status: i.status.code().into(),
        price_own_fen: it.prices.own.fen(),
        price_academic_fen: it.prices.academic.fen(),
        price_enterprise_fen: it.prices.enterprise.fen(),
        price_voucher_fen: it.prices.voucher.fen(),
        min_minutes: r.min_minutes,
        max_minutes: r.max_minutes,
        notice_hours: r.notice_hours,
        buffer_minutes: r.buffer_minutes,
        approval: r.approval,
        quota_day_minutes: r.quota_day,
        quota_week_minutes: r.quota_week,
        quota_month_minutes: r.quota_month,
        cancel_hours: r.cancel_hours,
    }
}

/// A page of the catalogue.
#[derive(Serialize, ToSchema)]
pub struct ApiInstrumentPage {
    pub total: i64,
    pub page: i64,
    pub instruments: Vec<ApiInstrument>,
}

#[utoipa::path(get, path = "/api/v1/public/instruments", params(CatalogueQuery), responses((status = 200, body = ApiInstrumentPage)))]
/// The public catalogue of instruments open for booking, fifty to a page.
pub async fn api_catalogue(
    State(state): State<AppState>,
    Query(q): Query<CatalogueQuery>,
) -> AppResult<Json<ApiInstrumentPage>> {
    let (rows, total) = store::instruments(&state.db, &q.to_store(50)).await?;
    Ok(Json(ApiInstrumentPage {
        total,
        page: q.page.unwrap_or(1).clamp(1, 10_000),
        instruments: rows.into_iter().map(api_instrument_of).collect(),
    }))
}

/// Time the instrument is taken in the week: a booking (whose, only for the booker) or a
/// blackout with its reason.
#[derive(Serialize, ToSchema)]
pub struct ApiTaken {
    /// booking or blackout.
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM` on the platform's clock.
    pub start: String,
    pub end: String,
    pub reason: String,
}

/// An instrument and what takes it in a week.
#[derive(Serialize, ToSchema)]
pub struct ApiInstrumentWeek {
    pub instrument: ApiInstrument,
    /// The Monday of the week shown.
    pub week: String,
    pub taken: Vec<ApiTaken>,
}

fn stamp(ctx: &Ctx, ms: i64) -> String {
    ctx.clock.local_of_ms(ms).map(|t| t.format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
}

#[utoipa::path(get, path = "/api/v1/public/instruments/{id}", params(("id" = i64, Path), WeekQuery), responses((status = 200, body = ApiInstrumentWeek), (status = 404, body = ApiError)))]
/// One instrument with the bookings and blackouts of a week (no names: the public sees only
/// that the time is taken).
pub async fn api_instrument(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<WeekQuery>,
) -> AppResult<Json<ApiInstrumentWeek>> {
    let ins = any_instrument(&state, &ctx, &id).await?;
    let monday = monday(&ctx, q.week.as_deref());
    let start = ctx.clock.ms_of_local(monday.and_time(chrono::NaiveTime::MIN));
    let end = start + Duration::days(7).num_milliseconds();
    let bq = BookingQuery {
        instrument_id: Some(ins.id),
        from: Some(start),
        to: Some(end),
        limit: 2000,
        ..Default::default()
    };
    let mut taken: Vec<ApiTaken> = store::bookings(&state.db, &bq)
        .await?
        .into_iter()
        .filter(|b| !matches!(b.status, BookingStatus::Refused | BookingStatus::Cancelled))
        .map(|b| ApiTaken {
            kind: "booking".into(),
            start: stamp(&ctx, b.starts_at),
            end: stamp(&ctx, b.ends_at),
            reason: String::new(),
        })
        .collect();
    taken.extend(store::blackouts(&state.db, ins.id, start, end).await?.into_iter().map(|b| {
        ApiTaken {
            kind: "blackout".into(),
            start: stamp(&ctx, b.starts_at),
            end: stamp(&ctx, b.ends_at),
            reason: b.reason,
        }
    }));
    taken.sort_by(|a, b| a.start.cmp(&b.start));
    Ok(Json(ApiInstrumentWeek {
        instrument: api_instrument_of(ins),
        week: monday.to_string(),
        taken,
    }))
}

/// An instrument to record. Amounts as decimal text (exact): the value in 万元, prices in 元 an
/// hour.
#[derive(Deserialize, ToSchema)]
pub struct ApiInstrumentInput {
    pub code: String,
    pub name: String,
    pub category: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub maker: String,
    pub value_wan: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub parameters: String,
    #[serde(default)]
    pub contact: String,
    /// `HH:MM`.
    pub opens: String,
    pub closes: String,
    /// ISO weekdays open, `12345`.
    pub days: String,
    pub price_own: String,
    pub price_academic: String,
    pub price_enterprise: String,
    pub price_voucher: String,
    pub min_minutes: u32,
    pub max_minutes: u32,
    pub notice_hours: u32,
    #[serde(default)]
    pub buffer_minutes: u32,
    #[serde(default)]
    pub approval: bool,
    pub quota_day_minutes: Option<u32>,
    pub quota_week_minutes: Option<u32>,
    pub quota_month_minutes: Option<u32>,
    pub cancel_hours: Option<u32>,
}

impl ApiInstrumentInput {
    pub fn form(&self) -> InstrumentForm {
        let n = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
        InstrumentForm {
            code: self.code.clone(),
            name: self.name.clone(),
            category: self.category.clone(),
            model: self.model.clone(),
            maker: self.maker.clone(),
            value_wan: self.value_wan.clone(),
            location: self.location.clone(),
            parameters: self.parameters.clone(),
            contact: self.contact.clone(),
            opens: self.opens.clone(),
            closes: self.closes.clone(),
            days: self.days.clone(),
            price_own: self.price_own.clone(),
            price_academic: self.price_academic.clone(),
            price_enterprise: self.price_enterprise.clone(),
            price_voucher: self.price_voucher.clone(),
            min_minutes: self.min_minutes.to_string(),
            max_minutes: self.max_minutes.to_string(),
            notice_hours: self.notice_hours.to_string(),
            buffer_minutes: self.buffer_minutes.to_string(),
            approval: if self.approval { "1".into() } else { String::new() },
            quota_day: n(self.quota_day_minutes),
            quota_week: n(self.quota_week_minutes),
            quota_month: n(self.quota_month_minutes),
            cancel_hours: n(self.cancel_hours),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/instruments", responses((status = 200, body = [ApiInstrument]), (status = 403, body = ApiError)))]
/// The caller's organisation's instruments, in every state.
pub async fn api_mine(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
) -> AppResult<Json<Vec<ApiInstrument>>> {
    let owner = owner_of(&a.ctx, &a.principal)?;
    let q = InstrumentQuery {
        owner_id: Some(owner),
        all_states: true,
        limit: 500,
        ..Default::default()
    };
    Ok(Json(
        store::instruments(&state.db, &q).await?.0.into_iter().map(api_instrument_of).collect(),
    ))
}

/// What was created.
#[derive(Serialize, ToSchema)]
pub struct ApiCreated {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/instruments", request_body = ApiInstrumentInput, responses((status = 201, body = ApiCreated), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// Records an instrument of the caller's organisation.
pub async fn api_add(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Json(input): Json<ApiInstrumentInput>,
) -> AppResult<(axum::http::StatusCode, Json<ApiCreated>)> {
    let ctx = &a.ctx;
    let owner = owner_of(ctx, &a.principal)?;
    let item = input.form().parse().map_err(|problems| {
        crate::subjects::api::invalid(ctx, crate::orgs::field_messages(ctx.lang, &problems))
    })?;
    let ids = store::add_instruments(&state.db, owner, &[item], ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "code", e))?;
    let id = ids.first().copied().ok_or_else(|| ctx.err(AppError::internal("")))?;
    Ok((axum::http::StatusCode::CREATED, Json(ApiCreated { id })))
}

/// Done.
#[derive(Serialize, ToSchema)]
pub struct ApiDone {
    pub ok: bool,
}

#[utoipa::path(post, path = "/api/v1/instruments/{id}/status", params(("id" = i64, Path)), request_body = StatusInput, responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Opens, pauses or retires one of the caller's instruments.
pub async fn api_status(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    Json(input): Json<StatusInput>,
) -> AppResult<Json<ApiDone>> {
    set_status(&state, &a.ctx, &a.principal, &id, &input.status).await?;
    Ok(Json(ApiDone { ok: true }))
}

#[utoipa::path(post, path = "/api/v1/instruments/{id}/blackouts", params(("id" = i64, Path)), request_body = BlackoutInput, responses((status = 201, body = ApiCreated), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Closes one of the caller's instruments for a while (maintenance, holidays); refused over a
/// booking that holds it.
pub async fn api_blackout(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    Json(input): Json<BlackoutInput>,
) -> AppResult<(axum::http::StatusCode, Json<ApiCreated>)> {
    let id = add_blackout(&state, &a.ctx, &a.principal, &id, &input).await?;
    Ok((axum::http::StatusCode::CREATED, Json(ApiCreated { id })))
}

/// A booking to make: a day, a start and an end on it.
#[derive(Deserialize, ToSchema)]
pub struct ApiBookingInput {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub from: String,
    /// `HH:MM`.
    pub to: String,
    pub purpose: String,
    #[serde(default)]
    pub samples: String,
    /// The number of one of the caller's vouchers to pay with (at the voucher price).
    #[serde(default)]
    pub voucher: String,
}

/// A booking.
#[derive(Serialize, ToSchema)]
pub struct ApiBooking {
    pub id: i64,
    pub instrument_id: i64,
    pub instrument: String,
    /// `YYYY-MM-DDTHH:MM` on the platform's clock.
    pub start: String,
    pub end: String,
    /// requested, approved, refused, cancelled, used or no_show.
    pub status: String,
    /// own, academic or enterprise: the price paid.
    pub group: String,
    pub booker: String,
    pub organisation: String,
    pub purpose: String,
    pub samples: String,
    /// Why refused or cancelled.
    pub reason: String,
    pub late_cancel: bool,
    pub actual_start: Option<String>,
    pub actual_end: Option<String>,
    pub fee_fen: Option<i64>,
    /// The voucher it is paid with, and what the voucher paid once closed.
    pub voucher: Option<String>,
    pub voucher_paid_fen: Option<i64>,
}

fn api_booking_of(ctx: &Ctx, b: BookingRow) -> ApiBooking {
    ApiBooking {
        id: b.id,
        instrument_id: b.instrument_id,
        instrument: b.instrument,
        start: stamp(ctx, b.starts_at),
        end: stamp(ctx, b.ends_at),
        status: b.status.code().into(),
        group: b.group.code().into(),
        booker: b.booker,
        organisation: b.organisation,
        purpose: b.purpose,
        samples: b.samples,
        reason: b.reason,
        late_cancel: b.late_cancel,
        actual_start: b.actual_start.map(|t| stamp(ctx, t)),
        actual_end: b.actual_end.map(|t| stamp(ctx, t)),
        fee_fen: b.fee.map(|f| f.fen()),
        voucher: b.voucher,
        voucher_paid_fen: b.voucher_paid.map(|m| m.fen()),
    }
}

#[utoipa::path(post, path = "/api/v1/instruments/{id}/bookings", params(("id" = i64, Path)), request_body = ApiBookingInput, responses((status = 201, body = ApiBooking), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Books an instrument for the caller's organisation: requested (or approved at once when the
/// owner does not approve each); a broken rule is a 422 naming it.
pub async fn api_book(
    State(state): State<AppState>,
    a: Auth<BookInstruments>,
    Path(id): Path<String>,
    Json(input): Json<ApiBookingInput>,
) -> AppResult<(axum::http::StatusCode, Json<ApiBooking>)> {
    let ctx = &a.ctx;
    let ins = any_instrument(&state, ctx, &id).await?;
    let who = booker(ctx, &a.principal)?;
    let form = BookingForm {
        date: input.date,
        from: input.from,
        to: input.to,
        purpose: input.purpose,
        samples: input.samples,
        voucher: input.voucher,
    };
    let r = form.parse().map_err(|problems| {
        crate::subjects::api::invalid(ctx, crate::orgs::field_messages(ctx.lang, &problems))
    })?;
    let req = BookingRequest {
        instrument_id: ins.id,
        span: r.span,
        purpose: r.purpose,
        samples: r.samples,
        voucher: r.voucher,
    };
    let b = store::book(&state.db, &req, who, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "from", e))?;
    let row = store::booking(&state.db, b).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((axum::http::StatusCode::CREATED, Json(api_booking_of(ctx, row))))
}

#[derive(Deserialize, IntoParams, Default)]
pub struct BookingsQuery {
    /// `owner`: the bookings of the caller's organisation's instruments; otherwise the caller's
    /// own (an organisation administrator's: the organisation's).
    pub side: Option<String>,
    /// requested, approved, refused, cancelled, used or no_show.
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/bookings", params(BookingsQuery), responses((status = 200, body = [ApiBooking]), (status = 403, body = ApiError)))]
/// Bookings: the caller's own, or those of the caller's instruments (`side=owner`).
pub async fn api_bookings(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Query(q): Query<BookingsQuery>,
) -> AppResult<Json<Vec<ApiBooking>>> {
    let ctx = &a.ctx;
    let p = &a.principal;
    let owner_side = q.side.as_deref() == Some("owner");
    let cap = if owner_side { Capability::ShareInstruments } else { Capability::BookInstruments };
    if !p.role.allows(cap) {
        return Err(ctx.err(AppError::forbidden()));
    }
    let mut bq = if owner_side {
        BookingQuery { owner_id: Some(owner_of(ctx, p)?), limit: 1000, ..Default::default() }
    } else {
        my_query(p)
    };
    bq.status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(BookingStatus::parse(s).ok_or_else(|| {
            let msg = crate::i18n::t(ctx.lang, "err.choose").to_string();
            crate::subjects::api::invalid(ctx, vec![("status".into(), msg)])
        })?),
    };
    let rows = store::bookings(&state.db, &bq).await?;
    Ok(Json(rows.into_iter().map(|b| api_booking_of(ctx, b)).collect()))
}

async fn reread(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<Json<ApiBooking>> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let row = store::booking(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok(Json(api_booking_of(ctx, row)))
}

#[utoipa::path(post, path = "/api/v1/bookings/{id}/decide", params(("id" = i64, Path)), request_body = DecideInput, responses((status = 200, body = ApiBooking), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The owner approves or refuses (with a reason) a requested booking.
pub async fn api_decide(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    Json(input): Json<DecideInput>,
) -> AppResult<Json<ApiBooking>> {
    decide_as(&state, &a.ctx, &a.principal, &id, &input).await?;
    reread(&state, &a.ctx, &id).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{id}/cancel", params(("id" = i64, Path)), request_body = CancelInput, responses((status = 200, body = ApiBooking), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Cancels a booking before its start: by its booker, or by the owner with a reason.
pub async fn api_cancel(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    Json(input): Json<CancelInput>,
) -> AppResult<Json<ApiBooking>> {
    cancel_as(&state, &a.ctx, &a.principal, &id, &input.reason).await?;
    reread(&state, &a.ctx, &id).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{id}/close", params(("id" = i64, Path)), request_body = CloseInput, responses((status = 200, body = ApiBooking), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The owner closes a started booking with its actual use; the fee is computed.
pub async fn api_close(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    Json(input): Json<CloseInput>,
) -> AppResult<Json<ApiBooking>> {
    close_as(&state, &a.ctx, &a.principal, &id, &input).await?;
    reread(&state, &a.ctx, &id).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{id}/no-show", params(("id" = i64, Path)), responses((status = 200, body = ApiBooking), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// The owner records that nobody came.
pub async fn api_no_show(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiBooking>> {
    no_show_as(&state, &a.ctx, &a.principal, &id).await?;
    reread(&state, &a.ctx, &id).await
}
