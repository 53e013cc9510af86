//! Who is asking, in which language, and whether they may: the request context, the one
//! capability gate ([`Auth`]), CSRF protection, and the sign-in pages.
pub mod account;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::page::Shell;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal, Role, Scope};
use innocity_store::users;
use std::marker::PhantomData;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "innocity_session";
pub const CSRF_COOKIE: &str = "innocity_csrf";
pub const LANG_COOKIE: &str = "lang";
/// Largest body we read to find a CSRF field in a form.
const MAX_FORM_BYTES: usize = 1 << 20;

/// Everything a handler needs to know about the request, computed once by [`context`].
#[derive(Clone, Debug)]
pub struct Ctx {
    pub lang: Lang,
    pub api: bool,
    pub request_id: String,
    pub principal: Option<Principal>,
    pub session_token: Option<String>,
    /// The CSRF token forms must echo: the session's, or the anonymous cookie's.
    pub csrf: String,
    pub via_token: bool,
    pub path: String,
    pub query: String,
    /// Sent by htmx (`HX-Request`): errors answer with a fragment.
    pub htmx: bool,
    /// The page the request came from, when it is one of ours (an error page links back to it).
    pub back: String,
    /// The client's address (an IPv6 client's /64), when known: sign-in failures count per address.
    pub client: Option<String>,
    /// Signed in with a read-only API token: only GET and HEAD are allowed.
    pub read_only: bool,
    /// The platform's one clock (the database's), in its configured time zone.
    pub clock: innocity_store::clock::Clock,
    set_csrf_cookie: bool,
    set_lang_cookie: bool,
}

impl Ctx {
    /// Today, in the platform's time zone: every date and deadline a request checks.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }
    pub fn shell(&self) -> Shell {
        Shell::new(self)
    }
    /// Makes an error render in this request's language and form.
    pub fn err(&self, e: AppError) -> AppError {
        let shell = if self.api { None } else { Some(self.shell()) };
        let mut e = e.in_ctx(self.lang, self.api, shell);
        e.fragment = self.htmx && !self.api;
        if e.code == "internal" {
            e.args = vec![self.request_id.clone()];
        }
        e
    }
    pub fn actor(&self) -> innocity_store::orgs::Actor<'_> {
        let p = self.principal.as_ref();
        innocity_store::orgs::Actor {
            user_id: p.map(|p| p.user_id).unwrap_or(0),
            username: p.map(|p| p.username.as_str()).unwrap_or("anonymous"),
            request_id: &self.request_id,
        }
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The language: `?lang=`, then the switch's cookie, then `Accept-Language`, then Chinese.
pub fn resolve_lang(headers: &HeaderMap, query: &str) -> Lang {
    query_param(query, "lang")
        .and_then(Lang::parse)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::Zh)
}

/// The scope a role's account reaches: an area admin's is the unit's subtree, and for a county
/// the subtrees of the parks that lie in it as well (read from `units` on every request: the
/// reference cache's, so a park placed in a county is reached within its ten seconds).
pub fn principal_of(
    user: &users::User,
    unit_path: Option<String>,
    org_kind: Option<&str>,
    units: &[innocity_store::orgs::OrgUnit],
) -> Option<Principal> {
    let role = Role::parse(&user.role)?;
    let scope = match role {
        Role::SystemAdmin | Role::BureauStaff => Scope::All,
        Role::ZoneAdmin => {
            let path = unit_path?;
            Scope::Subtrees(match units.iter().find(|u| u.path == path) {
                Some(unit) => innocity_store::orgs::area_roots(units, unit),
                None => vec![path],
            })
        }
        Role::OrgAdmin | Role::OrgMember | Role::ServiceProvider => {
            Scope::Organisation(user.organisation_id?)
        }
        Role::Expert | Role::Public => Scope::Nothing,
    };
    Some(Principal {
        user_id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role,
        scope,
        org_kind: org_kind.and_then(innocity_core::orgs::OrgKind::parse),
    })
}

pub fn set_cookie(
    name: &str,
    value: &str,
    secure: bool,
    max_age: Option<i64>,
    http_only: bool,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// The path and query of the `Referer`, only when it names this host (never an outside address).
fn same_site_referer(headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    innocity_core::signin::same_host_path(referer, host)
}

/// Middleware: builds the [`Ctx`] (language, principal from session cookie or bearer token),
/// checks CSRF on every state-changing request, and sets the cookies the context asked for.
pub async fn context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let mut ctx = new_ctx(&state, &parts);
    if let Err(e) = sign_in(&state, &mut ctx, &parts.headers).await {
        tracing::error!(error = %e, "session lookup failed");
        return ctx.err(AppError::internal("")).into_response();
    }
    if bearer_missing_user(&parts.headers, &ctx) {
        return ctx.err(AppError::unauthorized()).into_response();
    }
    if ctx.csrf.is_empty() {
        match cookie(&parts.headers, CSRF_COOKIE).filter(|c| c.len() == 64) {
            Some(c) => ctx.csrf = c.to_string(),
            None => {
                ctx.csrf = users::random_token();
                ctx.set_csrf_cookie = true;
            }
        }
    }
    if ctx.read_only && !matches!(parts.method, Method::GET | Method::HEAD) {
        return ctx
            .err(AppError::new(StatusCode::FORBIDDEN, "read_only_token", "err.token.read_only"))
            .into_response();
    }
    let mut body = body;
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !ctx.via_token {
        match check_csrf(&parts, body, &ctx).await {
            Ok(b) => body = b,
            Err(e) => return e.into_response(),
        }
    }
    parts.extensions.insert(ctx.clone());
    let resp = next.run(Request::from_parts(parts, body)).await;
    let mut resp = place_error(&ctx, resp);
    set_context_cookies(&state, &ctx, &mut resp);
    resp
}

/// The request's context before sign-in: its language, address, where it came from.
fn new_ctx(state: &AppState, parts: &Parts) -> Ctx {
    let headers = &parts.headers;
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let api = path.starts_with("/api/");
    let request_id =
        headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let query_lang = query_param(&query, "lang").and_then(Lang::parse);
    let lang = resolve_lang(headers, &query);
    Ctx {
        lang,
        api,
        request_id,
        principal: None,
        session_token: None,
        csrf: String::new(),
        via_token: false,
        path,
        query,
        htmx: headers.contains_key("hx-request"),
        back: same_site_referer(headers).unwrap_or_else(|| "/".to_string()),
        client: client_address(parts, state.config.behind_proxy),
        read_only: false,
        clock: state.db.clock.clone(),
        set_csrf_cookie: false,
        set_lang_cookie: query_lang.is_some(),
    }
}

/// The principal of the bearer token, or else of the session cookie, when either is valid.
async fn sign_in(
    state: &AppState,
    ctx: &mut Ctx,
    headers: &axum::http::HeaderMap,
) -> Result<(), innocity_store::StoreError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    let session_token = cookie(headers, SESSION_COOKIE).map(str::to_string);
    if let Some(token) = bearer {
        if let Some(t) = users::token_user(&state.db, &token).await? {
            let units = state.units().await?;
            ctx.principal = principal_of(&t.user, t.unit_path, t.org_kind.as_deref(), &units);
            ctx.via_token = ctx.principal.is_some();
            ctx.read_only = t.read_only;
        }
    } else if let Some(token) = session_token
        && let Some(s) = users::session(&state.db, &token).await?
    {
        let units = state.units().await?;
        ctx.principal = principal_of(&s.user, s.unit_path, s.org_kind.as_deref(), &units);
        ctx.csrf = s.csrf;
        ctx.session_token = Some(token);
    }
    Ok(())
}

/// A handler's error returned with a bare `?` is rendered here, in this request's language
/// and form (page, htmx fragment or JSON); the handler's other headers are kept.
fn place_error(ctx: &Ctx, mut resp: Response) -> Response {
    let Some(unplaced) = resp.extensions_mut().remove::<crate::error::Unplaced>() else {
        return resp;
    };
    let again = ctx.err(unplaced.into()).into_response();
    let (theirs, _) = resp.into_parts();
    let (mut placed, body) = again.into_parts();
    for (name, value) in theirs.headers.iter() {
        let body_header = name == header::CONTENT_LENGTH || name == header::CONTENT_TYPE;
        if !body_header && !placed.headers.contains_key(name) {
            placed.headers.insert(name, value.clone());
        }
    }
    Response::from_parts(placed, body)
}

/// The cookies the context asked for: a new anonymous CSRF token, the language chosen.
fn set_context_cookies(state: &AppState, ctx: &Ctx, resp: &mut Response) {
    let secure = state.config.secure_cookies;
    if ctx.set_csrf_cookie {
        resp.headers_mut()
            .append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &ctx.csrf, secure, None, true));
    }
    if ctx.set_lang_cookie {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LANG_COOKIE, ctx.lang.code(), secure, Some(365 * 86400), false),
        );
    }
}

/// The client's address: the TCP peer (from `axum::serve`'s connect info), or, behind a proxy of
/// ours, the last address it appended to `X-Forwarded-For`. `None` when neither is there (a
/// router driven without a socket): then only the per-name counters apply.
fn client_address(parts: &Parts, behind_proxy: bool) -> Option<String> {
    let forwarded = || {
        let header = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back()?;
        header.rsplit(',').next()?.trim().parse::<std::net::IpAddr>().ok()
    };
    let peer = || parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = if behind_proxy { forwarded().or_else(peer) } else { peer() };
    ip.map(innocity_core::signin::client_key)
}

/// A request that sent a bearer token we do not know is refused outright.
fn bearer_missing_user(headers: &HeaderMap, ctx: &Ctx) -> bool {
    headers.get(header::AUTHORIZATION).is_some_and(|v| v.as_bytes().starts_with(b"Bearer "))
        && ctx.principal.is_none()
}

/// The CSRF token must come back in `X-CSRF-Token` or in the form's `_csrf` field, and a
/// cross-site `Origin` is refused. Returns the body (read to find the field) for the handler.
async fn check_csrf(parts: &Parts, body: Body, ctx: &Ctx) -> Result<Body, AppError> {
    let host = parts.headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(origin) = parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin != "null" && origin_host != host {
            return Err(ctx.err(AppError::csrf()));
        }
    }
    let expected = ctx.csrf.as_bytes();
    if let Some(h) = parts.headers.get("x-csrf-token") {
        return if constant_eq(h.as_bytes(), expected) {
            Ok(body)
        } else {
            Err(ctx.err(AppError::csrf()))
        };
    }
    let content_type =
        parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    // a plain HTML form sending a file (no script to set the header) carries the field in its
    // multipart body; the body's size is already bounded by path (`limits`)
    if let Some(boundary) = multipart_boundary(content_type) {
        let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|_| too_large(ctx))?;
        let found = multipart_field(&bytes, &boundary, "_csrf");
        return if found.is_some_and(|f| constant_eq(f, expected)) {
            Ok(Body::from(bytes))
        } else {
            Err(ctx.err(AppError::csrf()))
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(ctx.err(AppError::csrf()));
    }
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES).await.map_err(|_| too_large(ctx))?;
    let found = form_urlencoded_field(&bytes, "_csrf");
    if found.as_deref().is_some_and(|f| constant_eq(f.as_bytes(), expected)) {
        Ok(Body::from(bytes))
    } else {
        Err(ctx.err(AppError::csrf()))
    }
}

pub fn too_large(ctx: &Ctx) -> AppError {
    ctx.err(
        AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "err.too_large")
            .args(vec!["1 MB".into()]),
    )
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The boundary of a `multipart/form-data` body, from its content type.
fn multipart_boundary(content_type: &str) -> Option<String> {
    let rest = content_type.strip_prefix("multipart/form-data")?;
    let b = rest.split(';').find_map(|p| p.trim().strip_prefix("boundary="))?;
    let b = b.trim_matches('"');
    (!b.is_empty()).then(|| b.to_string())
}

/// The value of a plain (non-file) field of a multipart body.
fn multipart_field<'b>(body: &'b [u8], boundary: &str, name: &str) -> Option<&'b [u8]> {
    let delimiter = format!("--{boundary}");
    let header = format!("name=\"{name}\"");
    split_on(body, delimiter.as_bytes()).into_iter().find_map(|part| {
        let at = find(part, b"\r\n\r\n")?;
        let (head, value) = (&part[..at], &part[at + 4..]);
        let named = find(head, header.as_bytes()).is_some() && find(head, b"filename=").is_none();
        named.then(|| value.strip_suffix(b"\r\n").unwrap_or(value))
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split_on<'b>(mut body: &'b [u8], delimiter: &[u8]) -> Vec<&'b [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && !b.is_empty()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A capability, as a type, so a handler's signature says what it needs.
pub trait Cap: Send + Sync + 'static {
    const CAP: Capability;
}

macro_rules! caps {
    ($($name:ident),*) => {
        $(
            pub struct $name;
            impl Cap for $name {
                const CAP: Capability = Capability::$name;
            }
        )*
    };
}
caps!(
    ViewWorkspace,
    ViewOrgUnits,
    ViewOrgs,
    CreateOrgs,
    EditOrgs,
    ViewAudit,
    ManageUsers,
    ManageTokens,
    ManageOrgUnits,
    ViewStats,
    ReportStats,
    ReviewStats,
    ManageStatForms,
    ViewIndicators,
    ManageIndicators,
    ManageExperts,
    ReviewAsExpert,
    ManageCredit,
    ViewApplications,
    ApplyProjects,
    ManageProjects,
    OfferAchievements,
    ManageMarket,
    RegisterContracts,
    BrokerDeals,
    SelfEvaluate,
    ManageSubjects,
    ShareInstruments,
    BookInstruments,
    ManageVouchers,
    ApplyVouchers,
    RedeemVouchers,
    ManagePolicies,
    ReceiveEntitlements,
    ClaimEntitlements,
    ManageLoanFund,
    LendUnderFund,
    ClaimLoanSubsidies,
    SeekFinancing,
    ManageEvaluations,
    ReportEvaluations,
    ScoreEvaluations,
    ViewTasks,
    ManageTasks,
    ReportTasks,
    ManageGuides
);

/// The one gate: a handler taking `Auth<C>` runs only for a signed-in principal whose role
/// has capability `C`. Anonymous page requests go to the sign-in page; API requests get 401.
pub struct Auth<C: Cap> {
    pub ctx: Ctx,
    pub principal: Principal,
    _cap: PhantomData<C>,
}

impl<C: Cap> FromRequestParts<AppState> for Auth<C> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::internal("").into_response())?;
        let Some(principal) = ctx.principal.clone() else {
            if ctx.api {
                return Err(ctx.err(AppError::unauthorized()).into_response());
            }
            let next = if ctx.query.is_empty() {
                ctx.path.clone()
            } else {
                format!("{}?{}", ctx.path, ctx.query)
            };
            let target = format!(
                "/login?next={}",
                serde_urlencoded::to_string([("n", next)])
                    .unwrap_or_default()
                    .trim_start_matches("n=")
            );
            return Err(Redirect::to(&target).into_response());
        };
        if principal.authorize(C::CAP).is_err() {
            return Err(ctx.err(AppError::forbidden()).into_response());
        }
        Ok(Auth { ctx, principal, _cap: PhantomData })
    }
}

/// The request context for pages anyone may see.
impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(|| AppError::internal("").into_response())
    }
}

/// A form field that cannot be taken: 422, the message (in the user's language) beside the field.
pub fn field_error(ctx: &Ctx, field: &str, key: &'static str, args: Vec<String>) -> AppError {
    let mut e =
        AppError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid", key).args(args);
    let msg = crate::i18n::tf(ctx.lang, key, &e.args);
    e.fields = vec![(field.to_string(), msg)];
    ctx.err(e)
}

/// Parses an urlencoded form body, naming what is wrong in the user's language.
pub fn parse_form<T: serde::de::DeserializeOwned>(ctx: &Ctx, body: &[u8]) -> AppResult<T> {
    serde_urlencoded::from_bytes(body).map_err(|_| ctx.err(AppError::malformed("form")))
}

// ---------- sign-in pages ----------

pub fn format_time(lang: Lang, ms: i64) -> String {
    use chrono::{FixedOffset, TimeZone};
    // Beijing time, as officials read it.
    let Some(tz) = FixedOffset::east_opt(8 * 3600) else { return String::new() };
    match tz.timestamp_millis_opt(ms).single() {
        Some(t) if lang == Lang::Zh => t.format("%Y年%m月%d日 %H:%M").to_string(),
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => String::new(),
    }
}

/// Signing in and out, the password, API tokens.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route("/password", get(account::password_form).post(account::password_change))
        .route("/tokens", get(account::tokens_page).post(account::tokens_create))
        .route("/tokens/{id}/revoke", post(account::tokens_revoke))
}

#[cfg(test)]
mod tests {
    use super::account::safe_next;
    use super::*;
    #[test]
    fn a_multipart_form_carries_its_csrf_field() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF name=\"_csrf\"\r\n\r\nfake\r\n--XyZ--\r\n";
        let b = multipart_boundary("multipart/form-data; boundary=XyZ").unwrap();
        assert_eq!(multipart_field(body, &b, "_csrf"), Some(&b"tok123"[..]));
        assert_eq!(multipart_boundary("multipart/form-data; boundary=\"q\"").unwrap(), "q");
        assert_eq!(multipart_boundary("multipart/form-data"), None);
        // a file's content never stands for the field
        let only_file = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"_csrf\"\r\n\r\nname=\"_csrf\"\r\n--XyZ--";
        assert_eq!(multipart_field(only_file, &b, "_csrf"), None);
    }
    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next("/orgs?page=2"), "/orgs?page=2");
        assert_eq!(safe_next("//evil.example"), "");
        assert_eq!(safe_next("https://evil.example"), "");
    }
    #[test]
    fn next_refuses_what_a_browser_would_take_off_site() {
        let hostile = [
            "/\t/evil.example/phish",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "\\/evil.example",
            "//evil.example",
            "///evil.example",
            "/.//evil.example",
            "/./\\evil.example",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "\tjavascript:alert(1)",
            "http://evil.example",
            "https:evil.example",
            "evil.example",
            "",
        ];
        for next in hostile {
            assert_eq!(safe_next(next), "", "{next:?} must not be followed");
        }
        assert_eq!(safe_next("/projects/12?tab=a"), "/projects/12?tab=a");
        assert_eq!(safe_next("/workspace"), "/workspace");
        assert_eq!(safe_next("/orgs?q=%E5%85%B0&page=2#list"), "/orgs?q=%E5%85%B0&page=2#list");
        assert_eq!(
            safe_next("/%09/evil.example"),
            "/%09/evil.example",
            "a literal %09 stays a path on our host"
        );
    }
    #[test]
    fn an_error_page_links_back_only_to_our_own_pages() {
        let with = |host: &'static str, referer: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static(host));
            h.insert(header::REFERER, HeaderValue::from_static(referer));
            same_site_referer(&h)
        };
        assert_eq!(
            with("127.0.0.1:8080", "http://127.0.0.1:8080/applications/5?notice=apps.saved")
                .as_deref(),
            Some("/applications/5?notice=apps.saved")
        );
        assert_eq!(with("127.0.0.1:8080", "https://evil.example/applications/5"), None);
        assert_eq!(with("127.0.0.1:8080", "http://127.0.0.1:8080//evil.example/x"), None);
        assert_eq!(with("127.0.0.1:8080", "http://127.0.0.1:8080").as_deref(), Some("/"));
        assert_eq!(with("127.0.0.1:8080", "javascript:alert(1)"), None);
        assert_eq!(with("127.0.0.1:8080", "http://127.0.0.1:8080/\t/evil.example/x"), None);
        assert_eq!(with("127.0.0.1:8080", "http://127.0.0.1:8080@evil.example/x"), None);
        assert_eq!(with("127.0.0.1:8080", "http://127.0.0.1:8080/\\evil.example/x"), None);
    }
    #[test]
    fn cookies_and_equality() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; innocity_session=abc; lang=en"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "lang"), Some("en"));
        assert!(constant_eq(b"abc", b"abc"));
        assert!(!constant_eq(b"abc", b"abd"));
        assert!(!constant_eq(b"", b""));
    }
}
