//! A provider's desk (an institution's or a service organisation's): its profile for the
//! directory and where the register stands, its accreditations, its catalogue of services, and
//! the orders to accept, receive and report on.
use super::orders::{OrderLine, order_line};
use super::providers::{
    AccreditationLine, ServiceLine, accreditation_lines, kind_choices, service_line,
};
use super::{own_organisation, parse_id, refused_on};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ShareInstruments, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Principal;
use innocity_core::sharing::services::{
    ACCREDITATIONS, AccreditationForm, ProfileForm, ServiceForm,
};
use innocity_store::sharing::{self as store, OrderQuery, ServiceRow};
use serde::Deserialize;

/// The organisation whose desk the principal keeps.
pub fn provider_of(ctx: &Ctx, p: &Principal) -> AppResult<i64> {
    own_organisation(p).ok_or_else(|| ctx.err(AppError::forbidden()))
}

pub async fn save_profile_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    form: &ProfileForm,
) -> AppResult<()> {
    let org = provider_of(ctx, p)?;
    let profile = form.parse().map_err(|e| crate::api::validation_error(ctx, &e))?;
    Ok(store::save_profile(&state.db, org, &profile, ctx.actor()).await?)
}

pub async fn add_accreditation_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    form: &AccreditationForm,
) -> AppResult<i64> {
    let org = provider_of(ctx, p)?;
    let a = form.parse().map_err(|e| crate::api::validation_error(ctx, &e))?;
    store::add_accreditation(&state.db, org, &a, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "number", e))
}

pub async fn add_service_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    form: &ServiceForm,
) -> AppResult<i64> {
    let org = provider_of(ctx, p)?;
    let s = form.parse().map_err(|e| crate::api::validation_error(ctx, &e))?;
    Ok(store::add_service(&state.db, org, &s, ctx.actor()).await?)
}

/// A service of the principal's organisation, else not found.
pub async fn own_service(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
) -> AppResult<ServiceRow> {
    let org = provider_of(ctx, p)?;
    let id = parse_id(ctx, id)?;
    store::service(&state.db, id)
        .await?
        .filter(|s| s.organisation_id == org)
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

pub async fn update_service_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    version: i64,
    form: &ServiceForm,
) -> AppResult<()> {
    let row = own_service(state, ctx, p, id).await?;
    let s = form.parse().map_err(|e| crate::api::validation_error(ctx, &e))?;
    Ok(store::update_service(&state.db, row.id, version, &s, ctx.actor()).await?)
}

struct OrderGroups {
    to_accept: Vec<OrderLine>,
    under_way: Vec<OrderLine>,
    done: Vec<OrderLine>,
}

/// Every open order (however old), and the latest closed ones.
async fn order_groups(state: &AppState, ctx: &Ctx, org: i64) -> AppResult<OrderGroups> {
    let open = OrderQuery {
        provider_id: Some(org),
        open_only: true,
        limit: 1000,
        ..OrderQuery::default()
    };
    let mut g = OrderGroups { to_accept: vec![], under_way: vec![], done: vec![] };
    for o in store::orders(&state.db, &open).await? {
        let line = order_line(ctx, &o);
        if o.status.code() == "requested" {
            g.to_accept.push(line);
        } else {
            g.under_way.push(line);
        }
    }
    let latest = OrderQuery { provider_id: Some(org), limit: 100, ..OrderQuery::default() };
    for o in store::orders(&state.db, &latest).await?.iter().filter(|o| !o.status.open()) {
        g.done.push(order_line(ctx, o));
    }
    Ok(g)
}

#[derive(Template)]
#[template(path = "providers_mine.html")]
struct DeskPage {
    s: Shell,
    org: i64,
    status_code: String,
    status: String,
    reason: String,
    profile: ProfileForm,
    kinds: Vec<Choice>,
    accreditations: Vec<AccreditationLine>,
    accreditation_kinds: Vec<Choice>,
    services: Vec<ServiceLine>,
    service: ServiceForm,
    service_kinds: Vec<Choice>,
    orders: OrderGroups,
    error: String,
}

/// What the desk shows after a refused form: the words, and the forms as typed.
#[derive(Default)]
struct Typed {
    error: String,
    profile: Option<ProfileForm>,
    service: Option<ServiceForm>,
}

async fn desk(state: &AppState, ctx: &Ctx, p: &Principal, typed: Typed) -> AppResult<DeskPage> {
    let lang = ctx.lang;
    let org = provider_of(ctx, p)?;
    let row = store::provider(&state.db, org).await?;
    let profile = typed.profile.unwrap_or_else(|| ProfileForm {
        summary: row.as_ref().map(|r| r.profile.summary.clone()).unwrap_or_default(),
        kinds: row.as_ref().map(|r| r.profile.kinds.join(",")).unwrap_or_default(),
    });
    let chosen: Vec<String> = profile.kinds.split(',').map(str::to_string).collect();
    let status_code = row.as_ref().map_or("none", |r| r.status.code()).to_string();
    let service = typed.service.unwrap_or_default();
    Ok(DeskPage {
        org,
        status: t(lang, &format!("provider.status.{status_code}")).into(),
        status_code,
        reason: row.as_ref().map(|r| r.reason.clone()).unwrap_or_default(),
        kinds: kind_choices(lang, &chosen),
        profile,
        accreditations: accreditation_lines(state, ctx, org).await?,
        accreditation_kinds: ACCREDITATIONS
            .iter()
            .map(|a| Choice::new(a.0, lang.pick(a.1, a.2), false))
            .collect(),
        services: store::services(&state.db, org, true)
            .await?
            .iter()
            .map(|s| service_line(lang, s))
            .collect(),
        service_kinds: kind_choices(lang, std::slice::from_ref(&service.kind)),
        service,
        orders: order_groups(state, ctx, org).await?,
        error: typed.error,
        s: ctx.shell(),
    })
}

/// The provider's desk.
pub async fn page(State(state): State<AppState>, a: Auth<ShareInstruments>) -> AppResult<Response> {
    Ok(render(&desk(&state, &a.ctx, &a.principal, Typed::default()).await?))
}

/// A refused form shows the desk again with its words (422); anything else is the error.
async fn again(
    state: &AppState,
    a: &Auth<ShareInstruments>,
    e: AppError,
    typed: Typed,
) -> AppResult<Response> {
    if e.status != StatusCode::UNPROCESSABLE_ENTITY {
        return Err(e);
    }
    let error = e.fields.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join(" ");
    let page = desk(state, &a.ctx, &a.principal, Typed { error, ..typed }).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// The profile as a form sends it: the kinds as repeated checkboxes.
fn profile_form(body: &[u8]) -> ProfileForm {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let values = |k: &'static str| -> Vec<String> {
        pairs.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect()
    };
    ProfileForm {
        summary: values("summary").into_iter().next().unwrap_or_default(),
        kinds: values("kinds").join(","),
    }
}

pub async fn save_profile(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let form = profile_form(&body);
    match save_profile_as(&state, &a.ctx, &a.principal, &form).await {
        Ok(()) => Ok(Redirect::to("/providers/mine").into_response()),
        Err(e) => again(&state, &a, e, Typed { profile: Some(form), ..Typed::default() }).await,
    }
}

pub async fn add_accreditation(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let form: AccreditationForm = parse_form(&a.ctx, &body)?;
    match add_accreditation_as(&state, &a.ctx, &a.principal, &form).await {
        Ok(_) => Ok(Redirect::to("/providers/mine#accreditations").into_response()),
        Err(e) => again(&state, &a, e, Typed::default()).await,
    }
}

pub async fn remove_accreditation(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = provider_of(ctx, &a.principal)?;
    let id = parse_id(ctx, &id)?;
    store::remove_accreditation(&state.db, org, id, ctx.actor()).await?;
    Ok(Redirect::to("/providers/mine#accreditations").into_response())
}

pub async fn add_service(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let form: ServiceForm = parse_form(&a.ctx, &body)?;
    match add_service_as(&state, &a.ctx, &a.principal, &form).await {
        Ok(_) => Ok(Redirect::to("/providers/mine#services").into_response()),
        Err(e) => again(&state, &a, e, Typed { service: Some(form), ..Typed::default() }).await,
    }
}

#[derive(Template)]
#[template(path = "providers_service_edit.html")]
struct ServiceEditPage {
    s: Shell,
    id: i64,
    version: i64,
    service: ServiceForm,
    service_kinds: Vec<Choice>,
    error: String,
}

/// The form of one of the organisation's services, to change it.
pub async fn edit_service_form(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let row = own_service(&state, ctx, &a.principal, &id).await?;
    let service = ServiceForm::of(&row.item);
    Ok(render(&ServiceEditPage {
        id: row.id,
        version: row.version,
        service_kinds: kind_choices(ctx.lang, std::slice::from_ref(&service.kind)),
        service,
        error: String::new(),
        s: ctx.shell(),
    }))
}

#[derive(Deserialize)]
struct VersionedService {
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    form: ServiceForm,
}

pub async fn edit_service(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let v: VersionedService = parse_form(ctx, &body)?;
    match update_service_as(&state, ctx, &a.principal, &id, v.version, &v.form).await {
        Ok(()) => Ok(Redirect::to("/providers/mine#services").into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let error = e.fields.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join(" ");
            let page = ServiceEditPage {
                id: parse_id(ctx, &id)?,
                version: v.version,
                service_kinds: kind_choices(ctx.lang, std::slice::from_ref(&v.form.kind)),
                service: v.form,
                error,
                s: ctx.shell(),
            };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ActiveInput {
    /// `1` to offer the service, `0` to withdraw it.
    pub active: String,
}

pub async fn set_active_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    active: &str,
) -> AppResult<()> {
    let row = own_service(state, ctx, p, id).await?;
    let active = match active.trim() {
        "1" | "true" => true,
        "0" | "false" => false,
        _ => return Err(super::choose_one(ctx, "active")),
    };
    Ok(store::set_service_active(&state.db, row.id, active, ctx.actor()).await?)
}

pub async fn set_active(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: ActiveInput = parse_form(&a.ctx, &body)?;
    set_active_as(&state, &a.ctx, &a.principal, &id, &i.active).await?;
    Ok(Redirect::to("/providers/mine#services").into_response())
}
