//! Booking an instrument from its page, and one's own bookings (an organisation's
//! administrator sees the organisation's) with their state, fee and the way to cancel.
use super::catalogue::{instrument_page, monday};
use super::{
    any_instrument, booked_by, booker, refusal_text, span_of, span_text, status_name, yuan,
};
use crate::app::AppState;
use crate::auth::{Auth, BookInstruments, Ctx, ViewWorkspace, parse_form};
use crate::error::{AppError, AppResult};
use crate::page::{Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Principal, Role};
use innocity_core::sharing::booking::BookingForm;
use innocity_store::StoreError;
use innocity_store::sharing::{
    self as store, BookingQuery, BookingRequest, BookingRow, BookingStatus,
};
use serde::Deserialize;

/// Books from the instrument's page; a refusal comes back beside the form (422).
pub async fn book(
    State(state): State<AppState>,
    a: Auth<BookInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let ins = any_instrument(&state, ctx, &id).await?;
    let form: BookingForm = parse_form(ctx, &body)?;
    let who = booker(ctx, &a.principal)?;
    let errors = match form.parse() {
        Ok(r) => {
            let req = BookingRequest {
                instrument_id: ins.id,
                span: r.span,
                purpose: r.purpose,
                samples: r.samples,
                voucher: r.voucher,
            };
            match store::book(&state.db, &req, who, ctx.actor()).await {
                Ok(b) => {
                    return Ok(
                        Redirect::to(&format!("/sharing/bookings?booked={b}")).into_response()
                    );
                }
                Err(StoreError::Sharing(r)) => {
                    vec![("from".to_string(), refusal_text(ctx.lang, &r))]
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(problems) => crate::orgs::field_messages(ctx.lang, &problems),
    };
    let week = monday(ctx, Some(form.date.as_str()));
    let page = instrument_page(&state, ctx, ins, week, form, errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// A booking as its booker's list shows it.
pub struct BookingLine {
    pub id: i64,
    pub instrument_id: i64,
    pub instrument: String,
    pub when: String,
    pub booker: String,
    pub organisation: String,
    pub status: String,
    pub status_code: &'static str,
    pub purpose: String,
    pub reason: String,
    pub late: bool,
    pub fee: String,
    /// The voucher paying, and its part of the fee once closed.
    pub voucher: String,
    pub voucher_paid: String,
    pub cancellable: bool,
}

pub fn booking_line(ctx: &Ctx, b: BookingRow) -> BookingLine {
    let lang = ctx.lang;
    let cancellable = matches!(b.status, BookingStatus::Requested | BookingStatus::Approved)
        && b.starts_at > ctx.clock.now_ms();
    BookingLine {
        id: b.id,
        instrument_id: b.instrument_id,
        instrument: b.instrument,
        when: span_of(ctx, b.starts_at, b.ends_at).map(|s| span_text(lang, s)).unwrap_or_default(),
        booker: b.booker,
        organisation: b.organisation,
        status: status_name(lang, b.status.code()),
        status_code: b.status.code(),
        purpose: b.purpose,
        reason: b.reason,
        late: b.late_cancel,
        fee: b.fee.map(|f| yuan(lang, f)).unwrap_or_default(),
        voucher: b.voucher.unwrap_or_default(),
        voucher_paid: b.voucher_paid.map(|f| yuan(lang, f)).unwrap_or_default(),
        cancellable,
    }
}

/// The bookings a booker sees: their own, or the organisation's for its administrator.
pub fn my_query(p: &Principal) -> BookingQuery {
    let org = super::own_organisation(p);
    BookingQuery {
        user_id: (p.role != Role::OrgAdmin).then_some(p.user_id),
        organisation_id: org,
        limit: 500,
        ..BookingQuery::default()
    }
}

#[derive(Template)]
#[template(path = "sharing_bookings.html")]
struct MinePage {
    s: Shell,
    lines: Vec<BookingLine>,
    booked: Option<BookingLine>,
}

#[derive(Deserialize, Default)]
pub struct MineQuery {
    pub booked: Option<i64>,
}

/// One's bookings, the newest first; the one just made shown on top.
pub async fn mine(
    State(state): State<AppState>,
    a: Auth<BookInstruments>,
    axum::extract::Query(q): axum::extract::Query<MineQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let rows = store::bookings(&state.db, &my_query(&a.principal)).await?;
    let booked = q
        .booked
        .and_then(|id| rows.iter().find(|b| b.id == id).cloned())
        .map(|b| booking_line(ctx, b));
    Ok(render(&MinePage {
        s: ctx.shell(),
        lines: rows.into_iter().map(|b| booking_line(ctx, b)).collect(),
        booked,
    }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct CancelInput {
    /// Optional for the booker; the owner must give one.
    #[serde(default)]
    pub reason: String,
}

/// Cancels a booking as its booker, or as the instrument's owner (with a reason); whether it
/// was the owner.
pub async fn cancel_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    reason: &str,
) -> AppResult<bool> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let b = store::booking(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let by_booker = booked_by(p, &b);
    if !by_booker && !super::owns(p, b.owner_id, &b.owner_path) {
        return Err(ctx.err(AppError::not_found()));
    }
    store::cancel(&state.db, id, !by_booker, reason, ctx.actor())
        .await
        .map_err(|e| super::refused_on(ctx, "reason", e))?;
    Ok(!by_booker)
}

/// Cancels a booking from the booker's list or the owner's workspace.
pub async fn cancel(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: CancelInput = parse_form(ctx, &body)?;
    let by_owner = cancel_as(&state, ctx, &a.principal, &id, &input.reason).await?;
    Ok(Redirect::to(if by_owner { "/sharing/mine#upcoming" } else { "/sharing/bookings" })
        .into_response())
}
