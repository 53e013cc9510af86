//! Service orders from both sides: a customer orders from a provider's page and follows its
//! orders (confirms the report, cancels before the samples arrive, rates the work); the
//! provider accepts at a quote or refuses, receives the samples, attaches the report and sends
//! it with the final fee. Customers rate used instrument bookings here too.
use super::{booked_by, own_organisation, parse_id, refused_on};
use crate::app::AppState;
use crate::auth::{Auth, BookInstruments, Ctx, ShareInstruments, ViewWorkspace, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::page::{Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal, Role, Scope};
use innocity_core::sharing::services::{OrderAction, OrderForm, RatingForm, Side, parse_fee};
use innocity_store::sharing::{self as store, Booker, OrderQuery, OrderRow, OrderStep, Rated};
use serde::Deserialize;

/// An order as the lists show it.
pub struct OrderLine {
    pub id: i64,
    pub service: String,
    pub provider_id: i64,
    pub provider: String,
    pub customer: String,
    pub quantity: String,
    pub samples: String,
    pub requirements: String,
    pub status_code: &'static str,
    pub status: String,
    pub quote: String,
    /// The quote as a form's value (元, no separators).
    pub quote_value: String,
    pub fee: String,
    pub reason: String,
    pub requested: String,
    pub has_report: bool,
    pub rating: String,
}

pub fn order_line(ctx: &Ctx, o: &OrderRow) -> OrderLine {
    let lang = ctx.lang;
    let money = |m: Option<innocity_core::projects::money::Money>| {
        m.map(|m| super::yuan(lang, m)).unwrap_or_default()
    };
    OrderLine {
        id: o.id,
        service: o.service.clone(),
        provider_id: o.provider_id,
        provider: o.provider.clone(),
        customer: o.customer.clone(),
        quantity: format!("{} × {}", o.item.quantity, o.unit),
        samples: o.item.samples.clone(),
        requirements: o.item.requirements.clone(),
        status_code: o.status.code(),
        status: t(lang, &format!("provider.order.{}", o.status.code())).into(),
        quote: money(o.quote),
        quote_value: o.quote.map(|m| m.yuan_text().replace(',', "")).unwrap_or_default(),
        fee: money(o.fee),
        reason: o.reason.clone(),
        requested: super::when(ctx, o.requested_at),
        has_report: o.report_name.is_some(),
        rating: o.rating.map(super::providers::stars).unwrap_or_default(),
    }
}

/// Whether the principal acts for the order's provider.
fn for_provider(p: &Principal, o: &OrderRow) -> bool {
    p.role.allows(Capability::ShareInstruments) && p.scope == Scope::Organisation(o.provider_id)
}

/// Whether the principal placed the order, or administers the organisation that did.
fn for_customer(p: &Principal, o: &OrderRow) -> bool {
    p.role.allows(Capability::BookInstruments)
        && (o.customer_user_id == p.user_id
            || (p.role == Role::OrgAdmin && own_organisation(p) == Some(o.customer_id)))
}

/// An order the principal is a side of, else not found.
pub async fn order_of_side(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
) -> AppResult<OrderRow> {
    let id = parse_id(ctx, id)?;
    store::order(&state.db, id)
        .await?
        .filter(|o| for_provider(p, o) || for_customer(p, o))
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

pub async fn place_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    service: &str,
    form: &OrderForm,
) -> AppResult<i64> {
    let booker = super::booker(ctx, p)?;
    let service = parse_id(ctx, service)?;
    store::service(&state.db, service).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let input = form.parse().map_err(|e| crate::api::validation_error(ctx, &e))?;
    let customer = Booker { user_id: booker.user_id, organisation_id: booker.organisation_id };
    store::place_order(&state.db, service, customer, &input, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "service", e))
}

/// An order from a provider's page.
pub async fn place(
    State(state): State<AppState>,
    a: Auth<BookInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let form: OrderForm = parse_form(ctx, &body)?;
    match place_as(&state, ctx, &a.principal, &id, &form).await {
        Ok(_) => Ok(Redirect::to("/services/orders").into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let error = e.fields.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join(" ");
            let page = mine_page(&state, ctx, &a.principal, error).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "service_orders.html")]
struct MinePage {
    s: Shell,
    orders: Vec<OrderLine>,
    error: String,
}

async fn mine_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    error: String,
) -> AppResult<MinePage> {
    let org = super::booker(ctx, p)?.organisation_id;
    let q = OrderQuery { customer_id: Some(org), limit: 200, ..OrderQuery::default() };
    let rows = store::orders(&state.db, &q).await?;
    Ok(MinePage {
        orders: rows.iter().filter(|o| for_customer(p, o)).map(|o| order_line(ctx, o)).collect(),
        error,
        s: ctx.shell(),
    })
}

/// The customer's orders.
pub async fn mine(State(state): State<AppState>, a: Auth<BookInstruments>) -> AppResult<Response> {
    Ok(render(&mine_page(&state, &a.ctx, &a.principal, String::new()).await?))
}

/// A step on an order as typed. Amounts in 元.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct StepInput {
    /// accept, refuse, receive, report (provider); complete, cancel (customer).
    pub action: String,
    /// The quote (accept) or the final fee (report), 元.
    #[serde(default)]
    pub fee_yuan: String,
    /// Why (required to refuse).
    #[serde(default)]
    pub reason: String,
}

pub async fn step_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    i: &StepInput,
) -> AppResult<OrderRow> {
    let o = order_of_side(state, ctx, p, id).await?;
    let action =
        OrderAction::parse(i.action.trim()).ok_or_else(|| super::choose_one(ctx, "action"))?;
    let allowed = match action.side() {
        Side::Provider => for_provider(p, &o),
        Side::Customer => for_customer(p, &o),
    };
    if !allowed {
        return Err(ctx.err(AppError::forbidden()));
    }
    let fee = match action {
        OrderAction::Accept | OrderAction::Report => Some(
            parse_fee("fee_yuan", &i.fee_yuan)
                .map_err(|e| crate::api::validation_error(ctx, &e))?,
        ),
        _ => None,
    };
    let step = OrderStep { action, fee, reason: i.reason.clone() };
    store::step_order(&state.db, o.id, &step, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "action", e))?;
    store::order(&state.db, o.id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

/// Where a side goes back to after a step.
fn back(p: &Principal, o: &OrderRow) -> &'static str {
    if for_provider(p, o) { "/providers/mine#orders" } else { "/services/orders" }
}

pub async fn step(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let i: StepInput = parse_form(ctx, &body)?;
    let o = step_as(&state, ctx, &a.principal, &id, &i).await?;
    Ok(Redirect::to(back(&a.principal, &o)).into_response())
}

/// The provider attaches the report of an order whose samples are in.
pub async fn attach_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    req: axum::extract::Request,
) -> AppResult<OrderRow> {
    let o = order_of_side(state, ctx, p, id).await?;
    if !for_provider(p, &o) {
        return Err(ctx.err(AppError::forbidden()));
    }
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    store::attach_report(&state.db, &state.config.files_dir, o.id, &name, &bytes, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "file", e))?;
    store::order(&state.db, o.id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

pub async fn attach(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    attach_as(&state, &a.ctx, &a.principal, &id, req).await?;
    Ok(Redirect::to("/providers/mine#orders").into_response())
}

/// An order's report, for either side.
pub async fn report(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let o = order_of_side(&state, ctx, &a.principal, &id).await?;
    let (name, content_type, bytes) =
        store::report_file(&state.db, &state.config.files_dir, o.id).await?;
    Ok(crate::http::download(bytes, &name, crate::market::contract_records::mime_of(&content_type)))
}

/// Rates a completed order (its customer) or a used booking (its booker).
pub async fn rate_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    what: Rated,
    form: &RatingForm,
) -> AppResult<()> {
    let mine = match what {
        Rated::Order(id) => store::order(&state.db, id).await?.is_some_and(|o| for_customer(p, &o)),
        Rated::Booking(id) => {
            store::booking(&state.db, id).await?.is_some_and(|b| booked_by(p, &b))
        }
    };
    if !mine {
        return Err(ctx.err(AppError::not_found()));
    }
    let rating = form.parse().map_err(|e| crate::api::validation_error(ctx, &e))?;
    store::rate(&state.db, what, &rating, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "score", e))
}

pub async fn rate_order(
    State(state): State<AppState>,
    a: Auth<BookInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let form: RatingForm = parse_form(ctx, &body)?;
    let id = parse_id(ctx, &id)?;
    rate_as(&state, ctx, &a.principal, Rated::Order(id), &form).await?;
    Ok(Redirect::to("/services/orders").into_response())
}

pub async fn rate_booking(
    State(state): State<AppState>,
    a: Auth<BookInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let form: RatingForm = parse_form(ctx, &body)?;
    let id = parse_id(ctx, &id)?;
    rate_as(&state, ctx, &a.principal, Rated::Booking(id), &form).await?;
    Ok(Redirect::to("/sharing/bookings").into_response())
}
