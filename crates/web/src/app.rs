//! The application: state, router, and the middleware every request passes through.
use crate::{api, audit, auth, experts, home, indicators, ops, orgs, projects, stats, users};
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use innocity_core::access::Scope;
use innocity_store::Db;
use innocity_store::orgs::OrgUnit;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};

/// Settings the web layer needs.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Mark cookies `Secure` and send HSTS (TLS terminates in front of us).
    pub secure_cookies: bool,
    pub max_body_bytes: usize,
    /// The limit for file uploads (statistics templates and CSV files).
    pub max_upload_bytes: usize,
    pub request_timeout: Duration,
    /// Where uploaded files are kept (content-addressed, never served as static files).
    pub files_dir: std::path::PathBuf,
    /// A proxy we run is in front: the client's address is the last one it appended to
    /// `X-Forwarded-For`. Off, that header is ignored and the TCP peer is the client.
    pub behind_proxy: bool,
    /// `/metrics` answers a bearer of this token; without one, only clients on this machine
    /// (and never through a proxy, where every client looks local).
    pub metrics_token: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            max_body_bytes: 1 << 20,
            max_upload_bytes: 10 << 20,
            request_timeout: Duration::from_secs(30),
            files_dir: "data/files".into(),
            behind_proxy: false,
            metrics_token: None,
        }
    }
}

/// How long reference data (org units, the home page's counts) may be served from memory. They
/// change rarely and only through audited writes; every server re-reads them after this long.
pub const REFERENCE_TTL: Duration = Duration::from_secs(10);

/// A value read from the database at `at`.
struct Cached<T> {
    at: Instant,
    value: Arc<T>,
}

type HomeStats = (Vec<(String, String, u64)>, u64);

/// The application's shared state; cloned for every request and middleware, so one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<AppInner>);

pub struct AppInner {
    pub db: Db,
    pub config: WebConfig,
    pub metrics: ops::Metrics,
    /// The technology market's search index on this server.
    pub market: Arc<crate::market::search::Search>,
    /// The site-wide search's index on this server.
    pub site_search: crate::search::SiteSearch,
    units: RwLock<Option<Cached<Vec<OrgUnit>>>>,
    home: RwLock<Option<Cached<HomeStats>>>,
    catalogue: RwLock<Option<Cached<innocity_core::stats::Catalogue>>>,
    public_frameworks: RwLock<Option<Cached<Vec<String>>>>,
}

impl std::ops::Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

/// Reads through a small time-limited cache.
async fn cached<T, F, Fut>(
    slot: &RwLock<Option<Cached<T>>>,
    load: F,
) -> innocity_store::db::Result<Arc<T>>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = innocity_store::db::Result<T>>,
{
    if let Ok(guard) = slot.read()
        && let Some(c) = guard.as_ref().filter(|c| c.at.elapsed() < REFERENCE_TTL)
    {
        return Ok(c.value.clone());
    }
    let value = Arc::new(load().await?);
    if let Ok(mut guard) = slot.write() {
        *guard = Some(Cached { at: Instant::now(), value: value.clone() });
    }
    Ok(value)
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> Self {
        let market = Arc::new(crate::market::search::Search::new(db.clone()));
        AppState(Arc::new(AppInner {
            db,
            config,
            market,
            site_search: Default::default(),
            metrics: ops::Metrics::default(),
            units: RwLock::new(None),
            home: RwLock::new(None),
            catalogue: RwLock::new(None),
            public_frameworks: RwLock::new(None),
        }))
    }

    /// All org units, in hierarchy order (cached for [`REFERENCE_TTL`]).
    pub async fn units(&self) -> innocity_store::db::Result<Arc<Vec<OrgUnit>>> {
        cached(&self.units, || innocity_store::orgs::units(&self.db)).await
    }

    /// The units a scope reaches: all for the city, a zone's or a county's (with its parks) for
    /// their admins, none otherwise.
    pub async fn units_in_scope(&self, scope: &Scope) -> innocity_store::db::Result<Vec<OrgUnit>> {
        let all = self.units().await?;
        Ok(all.iter().filter(|u| scope.reaches_unit(&u.path)).cloned().collect())
    }

    /// Brings this server's market index up to date after it changed an achievement, so its
    /// user finds the change at once (other servers follow the change log within a second).
    pub async fn market_changed(&self) {
        if let Err(e) = self.market.catch_up().await {
            tracing::warn!(error = ?e, "market index could not catch up");
        }
    }

    /// Forgets the cached org units (after this server changed them).
    pub fn units_changed(&self) {
        if let Ok(mut g) = self.units.write() {
            *g = None;
        }
        if let Ok(mut g) = self.home.write() {
            *g = None;
        }
    }

    /// The statistical forms in force: built-in and imported definitions (cached like units).
    pub async fn catalogue(
        &self,
    ) -> innocity_store::db::Result<Arc<innocity_core::stats::Catalogue>> {
        cached(&self.catalogue, || innocity_store::stats::catalogue(&self.db)).await
    }

    /// Frameworks with a public dashboard (cached like units: the home page lists them).
    pub async fn public_frameworks(&self) -> innocity_store::db::Result<Arc<Vec<String>>> {
        cached(&self.public_frameworks, || innocity_store::indicators::public_frameworks(&self.db))
            .await
    }

    pub fn public_frameworks_changed(&self) {
        if let Ok(mut g) = self.public_frameworks.write() {
            *g = None;
        }
    }

    /// Forgets the cached catalogue (after this server imported a definition).
    pub fn catalogue_changed(&self) {
        if let Ok(mut g) = self.catalogue.write() {
            *g = None;
        }
    }

    pub async fn unit(&self, id: i64) -> innocity_store::db::Result<Option<OrgUnit>> {
        Ok(self.units().await?.iter().find(|u| u.id == id).cloned())
    }

    /// Zones with their organisation counts, and the total, for the public home page.
    pub async fn home_stats(&self) -> innocity_store::db::Result<Arc<HomeStats>> {
        let units = self.units().await?;
        cached(&self.home, || async {
            let counts = innocity_store::orgs::counts_by_unit(&self.db).await?;
            let total = counts.iter().map(|(_, n)| n).sum();
            let zones = units
                .iter()
                .filter(|u| u.level == "zone")
                .map(|u| {
                    (
                        u.name_zh.clone(),
                        u.name_en.clone(),
                        innocity_store::orgs::count_in_subtree(&counts, &u.path),
                    )
                })
                .collect();
            Ok((zones, total))
        })
        .await
    }
}

#[derive(Clone, Default)]
struct RandomRequestId;
impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _req: &axum::http::Request<B>) -> Option<RequestId> {
        let id = innocity_store::users::random_token();
        HeaderValue::from_str(&id[..16]).ok().map(RequestId::new)
    }
}

pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .merge(home::routes())
        .merge(auth::routes())
        .merge(orgs::routes())
        .merge(audit::routes())
        .merge(users::routes())
        .merge(experts::routes())
        .merge(indicators::routes())
        .merge(projects::routes())
        .merge(crate::market::routes())
        .merge(crate::subjects::routes())
        .merge(crate::sharing::routes())
        .merge(crate::finance::routes())
        .merge(crate::evaluation::routes())
        .merge(crate::supervision::routes())
        .merge(crate::guides::routes())
        .merge(crate::search::routes())
        .merge(stats::routes());
    let x_request_id = HeaderName::from_static("x-request-id");
    pages
        .merge(api::routes())
        .fallback(page_not_found)
        .layer(middleware::from_fn(our_rejections))
        .layer(middleware::from_fn_with_state(state.clone(), auth::context))
        .merge(ops::routes())
        .layer(middleware::from_fn_with_state(state.clone(), limits))
        // `limits` already bounds every body by path; axum's own 2 MB default would cut uploads.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, RandomRequestId))
        // The request id is ours: a client's own is kept apart, never logged or audited as ours.
        .layer(middleware::map_request(client_request_id))
        .with_state(state)
}

/// Moves a client's `X-Request-Id` to `X-Client-Request-Id`, so the id in our logs, audit
/// entries and error pages is always one we made.
async fn client_request_id(mut req: Request) -> Request {
    if let Some(theirs) = req.headers_mut().remove("x-request-id") {
        req.headers_mut().insert("x-client-request-id", theirs);
    }
    req
}

/// axum's extractors answer a bad path id, query or body with a plain-text 400 in English;
/// those answers become our error page or JSON error, in the user's language.
async fn our_rejections(req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<auth::Ctx>().cloned();
    let resp = next.run(req).await;
    let plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    match ctx {
        Some(ctx) if plain && resp.status().is_client_error() => {
            let e = crate::error::AppError::new(resp.status(), "bad_request", "err.bad_request")
                .args(vec![ctx.path.clone()]);
            ctx.err(e).into_response()
        }
        _ => resp,
    }
}

async fn page_not_found(ctx: auth::Ctx) -> Response {
    ctx.err(crate::error::AppError::not_found()).into_response()
}

/// The routes that take files: only they accept bodies up to the upload limit, and only from
/// someone signed in (an anonymous client never gets to hold megabytes of our memory).
pub const UPLOAD_ROUTES: [&str; 21] = [
    "/indicators/upload",
    "/stats/{form}/{period}/orgs/{org}/upload",
    "/calls/{id}/upload",
    "/applications/{id}/upload",
    "/projects/{id}/reports/{kind}/{seq}/upload",
    "/services/orders/{id}/report-file",
    "/api/v1/service-orders/{id}/report",
    "/vouchers/partners/{id}/roster",
    "/vouchers/partners/{id}/inbox",
    "/api/v1/voucher-partners/{id}/roster",
    "/api/v1/voucher-partners/{id}/inbox",
    "/market/mine/{id}/files",
    "/api/v1/market/my/achievements/{id}/files",
    "/market/contracts/{id}/files",
    "/api/v1/market/contracts/{id}/files",
    "/sharing/mine/import",
    "/subjects/certificates/import",
    "/evaluation/{id}/ours/reports/{item}/evidence",
    "/api/v1/evaluation-campaigns/{id}/ours/reports/{item}/evidence",
    "/tasks/{id}/progress/{month}/evidence",
    "/api/v1/tasks/{id}/progress/{progress}/evidence",
];

/// Whether the request carries a live session or API token.
async fn signed_in(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let Some(token) = bearer {
        return matches!(innocity_store::users::token_user(&state.db, token).await, Ok(Some(_)));
    }
    match auth::cookie(headers, auth::SESSION_COOKIE) {
        Some(token) => {
            matches!(innocity_store::users::session(&state.db, token).await, Ok(Some(_)))
        }
        None => false,
    }
}

/// Size and time limits, answered in the user's language like any other error. Bodies are read
/// here, up to the route's limit and within the request's time, so no handler ever meets an
/// oversized or truncated body and a client sending slowly is cut off.
async fn limits(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = auth::resolve_lang(req.headers(), req.uri().query().unwrap_or(""));
    let upload =
        req.extensions().get::<MatchedPath>().is_some_and(|p| UPLOAD_ROUTES.contains(&p.as_str()));
    let limit = if upload { state.config.max_upload_bytes } else { state.config.max_body_bytes };
    let too_large = || {
        let e = crate::error::AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "err.too_large",
        )
        .args(vec![format!("{} KB", limit / 1024)]);
        e.in_ctx(lang, api, None).into_response()
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large();
    }
    if upload && req.method() != axum::http::Method::GET && !signed_in(&state, req.headers()).await
    {
        return crate::error::AppError::unauthorized().in_ctx(lang, api, None).into_response();
    }
    let work = async {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => return too_large(),
        };
        let content_type =
            parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if let Some(field) = crate::guard::first_bad_field(
            parts.uri.path(),
            parts.uri.query().unwrap_or(""),
            content_type,
            &bytes,
        ) {
            let mut e = crate::error::AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "err.control_in",
            )
            .args(vec![field.clone()]);
            e.fields = vec![(field, crate::i18n::tf(lang, "err.control_char", &[]))];
            return e.in_ctx(lang, api, None).into_response();
        }
        next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
    };
    match tokio::time::timeout(state.config.request_timeout, work).await {
        Ok(r) => r,
        Err(_) => {
            let secs = state.config.request_timeout.as_secs().to_string();
            crate::error::AppError::new(StatusCode::SERVICE_UNAVAILABLE, "timeout", "err.timeout")
                .args(vec![secs])
                .in_ctx(lang, api, None)
                .into_response()
        }
    }
}

/// Structured request log with the request id, and the metrics.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "other".into());
    let request_id =
        req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let elapsed = start.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    state.metrics.observe(&method, &route, status, elapsed);
    if status >= 500 {
        tracing::error!(%request_id, %method, %path, status, ms = elapsed * 1000.0, "request");
    } else {
        tracing::debug!(%request_id, %method, %path, status, ms = elapsed * 1000.0, "request");
    }
    resp
}

/// Security headers on every response. No inline script anywhere, so the CSP can forbid it.
async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    resp
}
