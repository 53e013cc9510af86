//! The directory of service providers, their desks and service orders in `/api/v1`: the same
//! operations as the pages, through the same functions and checks.
use super::orders::{StepInput, attach_as, order_of_side, place_as, rate_as, step_as};
use super::provider_desk::{
    ActiveInput, add_accreditation_as, add_service_as, provider_of, save_profile_as, set_active_as,
    update_service_as,
};
use super::providers::{DirectoryQuery, ProviderDecision, decide_as, visible_provider};
use super::{ApiCreated, ApiDone, parse_id};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, BookInstruments, Ctx, ManageVouchers, ShareInstruments, ViewWorkspace};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use innocity_core::access::Capability;
use innocity_core::sharing::services::{
    AccreditationForm, OrderForm, ProfileForm, RatingForm, ServiceForm, average,
};
use innocity_store::sharing::{
    self as store, OrderQuery, OrderRow, ProviderRow, ProviderStatus, Rated, ServiceRow,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post, put};
    axum::Router::new()
        .route("/api/v1/public/providers", get(api_providers))
        .route("/api/v1/public/providers/{id}", get(api_provider))
        .route("/api/v1/providers", get(api_provider_register))
        .route("/api/v1/providers/{id}/decide", post(api_decide_provider))
        .route("/api/v1/providers/mine", get(api_my_provider).put(api_save_profile))
        .route("/api/v1/providers/mine/accreditations", post(api_add_accreditation))
        .route("/api/v1/providers/mine/services", post(api_add_service))
        .route("/api/v1/providers/mine/services/{id}", put(api_update_service))
        .route("/api/v1/providers/mine/services/{id}/active", post(api_service_active))
        .route("/api/v1/services/{id}/orders", post(api_place_order))
        .route("/api/v1/service-orders", get(api_orders))
        .route("/api/v1/service-orders/{id}", get(api_order))
        .route("/api/v1/service-orders/{id}/steps", post(api_order_step))
        .route("/api/v1/service-orders/{id}/report", get(api_order_report).post(api_attach_report))
        .route("/api/v1/service-orders/{id}/rating", post(api_rate_order))
        .route("/api/v1/bookings/{id}/rating", post(api_rate_booking))
}

/// A provider of the directory.
#[derive(Serialize, ToSchema)]
pub struct ApiProvider {
    /// The organisation's id.
    pub id: i64,
    pub name: String,
    pub summary: String,
    /// Service kinds: testing, instrument, rd, transfer, ip, certification, other.
    pub kinds: Vec<String>,
    /// pending, registered or suspended.
    pub status: String,
    pub reason: String,
    pub address: String,
    pub contact: String,
    pub phone: String,
    /// Active services in its catalogue.
    pub services: i64,
    /// Average score (1–5) to one decimal, none before the first rating.
    pub rating: Option<f64>,
    pub ratings: i64,
}

fn api_provider_of(p: &ProviderRow) -> ApiProvider {
    ApiProvider {
        id: p.organisation_id,
        name: p.name.clone(),
        summary: p.profile.summary.clone(),
        kinds: p.profile.kinds.clone(),
        status: p.status.code().into(),
        reason: p.reason.clone(),
        address: p.address.clone(),
        contact: p.contact.clone(),
        phone: p.phone.clone(),
        services: p.services,
        rating: average(p.rating_sum, p.ratings),
        ratings: p.ratings,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiProviderPage {
    pub total: i64,
    pub providers: Vec<ApiProvider>,
}

#[utoipa::path(get, path = "/api/v1/public/providers", params(DirectoryQuery), responses((status = 200, body = ApiProviderPage)))]
/// The directory: registered providers, twenty to a page.
pub async fn api_providers(
    State(state): State<AppState>,
    Query(q): Query<DirectoryQuery>,
) -> AppResult<Json<ApiProviderPage>> {
    let (rows, total) =
        store::providers(&state.db, &q.to_store(Some(ProviderStatus::Registered))).await?;
    Ok(Json(ApiProviderPage { total, providers: rows.iter().map(api_provider_of).collect() }))
}

#[derive(Deserialize, IntoParams, Default)]
pub struct RegisterQuery {
    /// pending, registered or suspended; pending by default.
    pub status: Option<String>,
    pub page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/providers", params(RegisterQuery), responses((status = 200, body = ApiProviderPage), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// The bureau's register: providers in one state (those waiting by default).
pub async fn api_provider_register(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Query(q): Query<RegisterQuery>,
) -> AppResult<Json<ApiProviderPage>> {
    let ctx = &a.ctx;
    let status = ProviderStatus::parse(q.status.as_deref().unwrap_or("pending").trim())
        .ok_or_else(|| super::choose_one(ctx, "status"))?;
    let query = DirectoryQuery { page: q.page, ..DirectoryQuery::default() }.to_store(Some(status));
    let (rows, total) = store::providers(&state.db, &query).await?;
    Ok(Json(ApiProviderPage { total, providers: rows.iter().map(api_provider_of).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct ApiAccreditation {
    pub id: i64,
    /// cma, cnas or other.
    pub kind: String,
    pub number: String,
    pub scope: String,
    pub valid_until: String,
    /// Whether it is valid today.
    pub valid: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ApiService {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub description: String,
    /// Price per unit in fen, when the service has one.
    pub price_fen: Option<i64>,
    pub unit: String,
    pub price_rule: String,
    pub turnaround_days: u32,
    pub active: bool,
    pub version: i64,
}

fn api_service(s: &ServiceRow) -> ApiService {
    ApiService {
        id: s.id,
        name: s.item.name.clone(),
        kind: s.item.kind.clone(),
        description: s.item.description.clone(),
        price_fen: s.item.price.map(|p| p.fen()),
        unit: s.item.unit.clone(),
        price_rule: s.item.price_rule.clone(),
        turnaround_days: s.item.turnaround_days,
        active: s.active,
        version: s.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiRating {
    pub score: i64,
    pub comment: String,
    pub customer: String,
    /// The service or instrument rated.
    pub subject: String,
    pub rated_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApiProviderDetail {
    pub provider: ApiProvider,
    pub accreditations: Vec<ApiAccreditation>,
    pub services: Vec<ApiService>,
    pub ratings: Vec<ApiRating>,
}

async fn detail(
    state: &AppState,
    ctx: &Ctx,
    p: &ProviderRow,
    all_services: bool,
) -> AppResult<ApiProviderDetail> {
    let org = p.organisation_id;
    let today = ctx.today();
    let accreditations = store::accreditations(&state.db, org)
        .await?
        .into_iter()
        .map(|a| ApiAccreditation {
            id: a.id,
            valid: a.item.valid_on(today),
            kind: a.item.kind,
            number: a.item.number,
            scope: a.item.scope,
            valid_until: a.item.valid_until.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let services = store::services(&state.db, org, all_services).await?;
    let ratings = store::ratings(&state.db, org, 20)
        .await?
        .into_iter()
        .map(|r| ApiRating {
            score: r.score,
            comment: r.comment,
            customer: r.customer,
            subject: r.subject,
            rated_at: r.rated_at,
        })
        .collect();
    Ok(ApiProviderDetail {
        provider: api_provider_of(p),
        accreditations,
        services: services.iter().map(api_service).collect(),
        ratings,
    })
}

#[utoipa::path(get, path = "/api/v1/public/providers/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiProviderDetail), (status = 404, body = ApiError)))]
/// A registered provider with its accreditations, services and latest ratings (its own staff and
/// the bureau see it in any state).
pub async fn api_provider(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Json<ApiProviderDetail>> {
    let p = visible_provider(&state, &ctx, &id).await?;
    Ok(Json(detail(&state, &ctx, &p, false).await?))
}

#[utoipa::path(get, path = "/api/v1/providers/mine", responses((status = 200, body = ApiProviderDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// The caller's organisation as a provider, withdrawn services included (404 before its profile).
pub async fn api_my_provider(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
) -> AppResult<Json<ApiProviderDetail>> {
    let ctx = &a.ctx;
    let org = provider_of(ctx, &a.principal)?;
    let p = store::provider(&state.db, org).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok(Json(detail(&state, ctx, &p, true).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ApiProfileInput {
    pub summary: String,
    /// testing, instrument, rd, transfer, ip, certification, other.
    pub kinds: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/providers/mine", request_body = ApiProfileInput, responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// Records or changes the caller's organisation's profile (a first one waits for the bureau).
pub async fn api_save_profile(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Json(i): Json<ApiProfileInput>,
) -> AppResult<Json<ApiDone>> {
    let form = ProfileForm { summary: i.summary, kinds: i.kinds.join(",") };
    save_profile_as(&state, &a.ctx, &a.principal, &form).await?;
    Ok(Json(ApiDone { ok: true }))
}

#[utoipa::path(post, path = "/api/v1/providers/{id}/decide", params(("id" = i64, Path)), request_body = ProviderDecision, responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// The bureau registers a provider or suspends it with a reason.
pub async fn api_decide_provider(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    Json(d): Json<ProviderDecision>,
) -> AppResult<Json<ApiDone>> {
    decide_as(&state, &a.ctx, &id, &d).await?;
    Ok(Json(ApiDone { ok: true }))
}

#[derive(Deserialize, ToSchema)]
pub struct ApiAccreditationInput {
    /// cma, cnas or other.
    pub kind: String,
    pub number: String,
    #[serde(default)]
    pub scope: String,
    /// `YYYY-MM-DD`.
    pub valid_until: String,
}

#[utoipa::path(post, path = "/api/v1/providers/mine/accreditations", request_body = ApiAccreditationInput, responses((status = 201, body = ApiCreated), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// Adds an accreditation (CMA, CNAS) with its number and expiry.
pub async fn api_add_accreditation(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Json(i): Json<ApiAccreditationInput>,
) -> AppResult<(StatusCode, Json<ApiCreated>)> {
    let form = AccreditationForm {
        kind: i.kind,
        number: i.number,
        scope: i.scope,
        valid_until: i.valid_until,
    };
    let id = add_accreditation_as(&state, &a.ctx, &a.principal, &form).await?;
    Ok((StatusCode::CREATED, Json(ApiCreated { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ApiServiceInput {
    pub name: String,
    /// testing, instrument, rd, transfer, ip, certification, other.
    pub kind: String,
    #[serde(default)]
    pub description: String,
    /// Price per unit, 元; leave out when the price follows the rule.
    #[serde(default)]
    pub price_yuan: Option<String>,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub price_rule: String,
    /// Working days from samples received to report (1–365).
    pub turnaround_days: u32,
    /// The version read, when changing a service.
    #[serde(default)]
    pub version: i64,
}

impl ApiServiceInput {
    fn form(&self) -> ServiceForm {
        ServiceForm {
            name: self.name.clone(),
            kind: self.kind.clone(),
            description: self.description.clone(),
            price: self.price_yuan.clone().unwrap_or_default(),
            unit: self.unit.clone(),
            price_rule: self.price_rule.clone(),
            turnaround_days: self.turnaround_days.to_string(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/providers/mine/services", request_body = ApiServiceInput, responses((status = 201, body = ApiCreated), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// Adds a service to the caller's catalogue.
pub async fn api_add_service(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Json(i): Json<ApiServiceInput>,
) -> AppResult<(StatusCode, Json<ApiCreated>)> {
    let id = add_service_as(&state, &a.ctx, &a.principal, &i.form()).await?;
    Ok((StatusCode::CREATED, Json(ApiCreated { id })))
}

#[utoipa::path(put, path = "/api/v1/providers/mine/services/{id}", params(("id" = i64, Path)), request_body = ApiServiceInput, responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Changes one of the caller's services, given the version read (a change made meanwhile: 409).
pub async fn api_update_service(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    Json(i): Json<ApiServiceInput>,
) -> AppResult<Json<ApiDone>> {
    update_service_as(&state, &a.ctx, &a.principal, &id, i.version, &i.form()).await?;
    Ok(Json(ApiDone { ok: true }))
}

#[utoipa::path(post, path = "/api/v1/providers/mine/services/{id}/active", params(("id" = i64, Path)), request_body = ActiveInput, responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Offers one of the caller's services again, or withdraws it.
pub async fn api_service_active(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    Json(i): Json<ActiveInput>,
) -> AppResult<Json<ApiDone>> {
    set_active_as(&state, &a.ctx, &a.principal, &id, &i.active).await?;
    Ok(Json(ApiDone { ok: true }))
}

/// An order as either side reads it. Money in fen.
#[derive(Serialize, ToSchema)]
pub struct ApiOrder {
    pub id: i64,
    pub service_id: i64,
    pub service: String,
    pub provider_id: i64,
    pub provider: String,
    pub customer_id: i64,
    pub customer: String,
    pub quantity: u32,
    pub unit: String,
    pub samples: String,
    pub requirements: String,
    /// requested, accepted, refused, received, reported, completed or cancelled.
    pub status: String,
    pub reason: String,
    pub quote_fen: Option<i64>,
    pub fee_fen: Option<i64>,
    /// Where to read the report, once attached.
    pub report: Option<String>,
    pub requested_at: i64,
    pub rating: Option<i64>,
    pub version: i64,
}

fn api_order_of(o: &OrderRow) -> ApiOrder {
    ApiOrder {
        id: o.id,
        service_id: o.service_id,
        service: o.service.clone(),
        provider_id: o.provider_id,
        provider: o.provider.clone(),
        customer_id: o.customer_id,
        customer: o.customer.clone(),
        quantity: o.item.quantity,
        unit: o.unit.clone(),
        samples: o.item.samples.clone(),
        requirements: o.item.requirements.clone(),
        status: o.status.code().into(),
        reason: o.reason.clone(),
        quote_fen: o.quote.map(|m| m.fen()),
        fee_fen: o.fee.map(|m| m.fen()),
        report: o.report_name.as_ref().map(|_| format!("/api/v1/service-orders/{}/report", o.id)),
        requested_at: o.requested_at,
        rating: o.rating,
        version: o.version,
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ApiOrderInput {
    /// How many units (samples, hours, items) the price is for (1–10000).
    pub quantity: u32,
    #[serde(default)]
    pub samples: String,
    pub requirements: String,
}

#[utoipa::path(post, path = "/api/v1/services/{id}/orders", params(("id" = i64, Path)), request_body = ApiOrderInput, responses((status = 201, body = ApiOrder), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Orders a service of a registered provider for the caller's organisation.
pub async fn api_place_order(
    State(state): State<AppState>,
    a: Auth<BookInstruments>,
    Path(id): Path<String>,
    Json(i): Json<ApiOrderInput>,
) -> AppResult<(StatusCode, Json<ApiOrder>)> {
    let ctx = &a.ctx;
    let form = OrderForm {
        samples: i.samples,
        quantity: i.quantity.to_string(),
        requirements: i.requirements,
    };
    let id = place_as(&state, ctx, &a.principal, &id, &form).await?;
    let o = store::order(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((StatusCode::CREATED, Json(api_order_of(&o))))
}

#[derive(Serialize, ToSchema)]
pub struct ApiOrders {
    /// Orders to the caller's organisation as a provider.
    pub as_provider: Vec<ApiOrder>,
    /// Orders the caller placed (all of its organisation's for an administrator).
    pub as_customer: Vec<ApiOrder>,
}

#[utoipa::path(get, path = "/api/v1/service-orders", responses((status = 200, body = ApiOrders), (status = 401, body = ApiError)))]
/// The caller's orders, from both sides, the newest first.
pub async fn api_orders(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
) -> AppResult<Json<ApiOrders>> {
    let p = &a.principal;
    let org = super::own_organisation(p);
    let mut out = ApiOrders { as_provider: vec![], as_customer: vec![] };
    let Some(org) = org else { return Ok(Json(out)) };
    if p.role.allows(Capability::ShareInstruments) {
        let q = OrderQuery { provider_id: Some(org), limit: 500, ..OrderQuery::default() };
        out.as_provider = store::orders(&state.db, &q).await?.iter().map(api_order_of).collect();
    }
    if p.role.allows(Capability::BookInstruments) {
        let q = OrderQuery { customer_id: Some(org), limit: 500, ..OrderQuery::default() };
        let rows = store::orders(&state.db, &q).await?;
        let ctx = &a.ctx;
        for o in rows {
            if order_of_side(&state, ctx, p, &o.id.to_string()).await.is_ok() {
                out.as_customer.push(api_order_of(&o));
            }
        }
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/service-orders/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiOrder), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
/// One order the caller is a side of.
pub async fn api_order(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiOrder>> {
    let o = order_of_side(&state, &a.ctx, &a.principal, &id).await?;
    Ok(Json(api_order_of(&o)))
}

#[utoipa::path(post, path = "/api/v1/service-orders/{id}/steps", params(("id" = i64, Path)), request_body = StepInput, responses((status = 200, body = ApiOrder), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// A step on an order: accept (with the quote), refuse (with the reason), receive, report (with
/// the final fee, once the report is attached) by the provider; complete or cancel by the
/// customer.
pub async fn api_order_step(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    Json(i): Json<StepInput>,
) -> AppResult<Json<ApiOrder>> {
    let o = step_as(&state, &a.ctx, &a.principal, &id, &i).await?;
    Ok(Json(api_order_of(&o)))
}

#[utoipa::path(post, path = "/api/v1/service-orders/{id}/report", params(("id" = i64, Path)),
    request_body(content = crate::market::contract_records::ApiUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = ApiOrder), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// The provider attaches the report (PDF, Word, Excel or an image) of an order whose samples are
/// in; sending it is the `report` step.
pub async fn api_attach_report(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> AppResult<Json<ApiOrder>> {
    let o = attach_as(&state, &a.ctx, &a.principal, &id, req).await?;
    Ok(Json(api_order_of(&o)))
}

#[utoipa::path(get, path = "/api/v1/service-orders/{id}/report", params(("id" = i64, Path)), responses((status = 200, description = "The report file", content_type = "application/octet-stream"), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
/// An order's report, for either side.
pub async fn api_order_report(
    state: State<AppState>,
    a: Auth<ViewWorkspace>,
    id: Path<String>,
) -> AppResult<axum::response::Response> {
    super::orders::report(state, a, id).await
}

#[derive(Deserialize, ToSchema)]
pub struct ApiRatingInput {
    /// 1 (poor) to 5 (excellent).
    pub score: i64,
    #[serde(default)]
    pub comment: String,
}

async fn rate(
    state: &AppState,
    a: &Auth<BookInstruments>,
    what: Rated,
    i: ApiRatingInput,
) -> AppResult<(StatusCode, Json<ApiDone>)> {
    let form = RatingForm { score: i.score.to_string(), comment: i.comment };
    rate_as(state, &a.ctx, &a.principal, what, &form).await?;
    Ok((StatusCode::CREATED, Json(ApiDone { ok: true })))
}

#[utoipa::path(post, path = "/api/v1/service-orders/{id}/rating", params(("id" = i64, Path)), request_body = ApiRatingInput, responses((status = 201, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// The customer rates a completed order, once.
pub async fn api_rate_order(
    State(state): State<AppState>,
    a: Auth<BookInstruments>,
    Path(id): Path<String>,
    Json(i): Json<ApiRatingInput>,
) -> AppResult<(StatusCode, Json<ApiDone>)> {
    let id = parse_id(&a.ctx, &id)?;
    rate(&state, &a, Rated::Order(id), i).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{id}/rating", params(("id" = i64, Path)), request_body = ApiRatingInput, responses((status = 201, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// The booker rates a used instrument booking, once.
pub async fn api_rate_booking(
    State(state): State<AppState>,
    a: Auth<BookInstruments>,
    Path(id): Path<String>,
    Json(i): Json<ApiRatingInput>,
) -> AppResult<(StatusCode, Json<ApiDone>)> {
    let id = parse_id(&a.ctx, &id)?;
    rate(&state, &a, Rated::Booking(id), i).await
}
