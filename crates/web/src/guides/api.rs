//! The guides for machines: read by anyone, rewritten by bureau staff with an optimistic
//! version — `If-Match: "3"` (412 when it is not the current one) or the body's `version` (409)
//! — so an edit on an older text changes nothing.
use super::pages::{by_area, query};
use super::{Current, all, one, problems};
use crate::api::{json_body, validation_error};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageGuides};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use innocity_core::guides::GuideText;
use innocity_store::orgs::Actor;
use innocity_store::{StoreError, guides as store};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A guide in a list.
#[derive(Serialize, ToSchema)]
pub struct ApiGuideLine {
    pub code: String,
    /// stats, projects, market, subjects or finance.
    pub area: String,
    pub title: String,
    pub summary: String,
    /// The page for people.
    pub url: String,
}

/// A guide's words in one language.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ApiGuideText {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// Who may use the service.
    #[serde(default)]
    pub who: String,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub materials: Vec<String>,
    #[serde(default)]
    pub steps: Vec<String>,
    #[serde(default)]
    pub time_limit: String,
    #[serde(default)]
    pub fees: String,
    #[serde(default)]
    pub contact: String,
}

impl From<&GuideText> for ApiGuideText {
    fn from(g: &GuideText) -> Self {
        ApiGuideText {
            title: g.title.clone(),
            summary: g.summary.clone(),
            who: g.who.clone(),
            conditions: g.conditions.clone(),
            materials: g.materials.clone(),
            steps: g.steps.clone(),
            time_limit: g.time_limit.clone(),
            fees: g.fees.clone(),
            contact: g.contact.clone(),
        }
    }
}

impl From<ApiGuideText> for GuideText {
    /// Tidied as the form would send it (single-line fields on one line, an item per line).
    fn from(g: ApiGuideText) -> Self {
        innocity_core::guides::tidy(GuideText {
            title: g.title,
            summary: g.summary,
            who: g.who,
            conditions: g.conditions,
            materials: g.materials,
            steps: g.steps,
            time_limit: g.time_limit,
            fees: g.fees,
            contact: g.contact,
        })
    }
}

/// A guide: both languages, the page that starts the service, its version.
#[derive(Serialize, ToSchema)]
pub struct ApiGuide {
    pub code: String,
    pub area: String,
    /// The page that starts the service online.
    pub start: String,
    /// 0 as shipped, one more per edit; send it back (or `If-Match`) to edit.
    pub version: i64,
    pub zh: ApiGuideText,
    pub en: ApiGuideText,
    pub url: String,
}

fn api_guide(c: &Current) -> ApiGuide {
    ApiGuide {
        code: c.guide.code.clone(),
        area: c.guide.area.clone(),
        start: c.guide.start.clone(),
        version: c.version,
        zh: (&c.zh).into(),
        en: (&c.en).into(),
        url: format!("/public/guides/{}", c.guide.code),
    }
}

/// The guide with its version as the ETag (`"3"`).
fn with_etag(c: &Current) -> Response {
    let mut r = Json(api_guide(c)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", c.version)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

#[utoipa::path(get, path = "/api/v1/public/guides", params(("q" = Option<String>, Query, description = "Words every guide found must hold (at most 100 characters are read)")), responses((status = 200, body = Vec<ApiGuideLine>)))]
/// The service guides by area (the areas in the menu's order: stats, projects, market, subjects,
/// finance), in the request's language; with
/// `q`, those holding every word.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<ApiGuideLine>>> {
    let areas = by_area(ctx.lang, &all(&state).await?, &query(&ctx));
    Ok(Json(
        areas
            .into_iter()
            .flat_map(|a| {
                a.guides.into_iter().map(move |g| ApiGuideLine {
                    url: format!("/public/guides/{}", g.code),
                    code: g.code,
                    area: a.area.to_string(),
                    title: g.title,
                    summary: g.summary,
                })
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/public/guides/{code}", params(("code" = String, Path)), responses((status = 200, body = ApiGuide, headers(("ETag" = String, description = "The version, quoted"))), (status = 404, body = crate::api::ApiError)))]
/// One guide in both languages, with its version (also the ETag).
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let c = one(&state, &code).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok(with_etag(&c))
}

/// A guide's new text: both languages, and the version it was read at unless `If-Match` says it.
#[derive(Deserialize, ToSchema)]
pub struct ApiGuideUpdate {
    #[serde(default)]
    pub version: Option<i64>,
    pub zh: ApiGuideText,
    pub en: ApiGuideText,
}

/// The version `If-Match` names: `"3"`, `W/"3"` or `3`, or `*` (whatever is current);
/// `Err` for anything else.
fn if_match(headers: &HeaderMap, current: i64) -> Result<Option<i64>, ()> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let v = v.to_str().map_err(|_| ())?.trim();
    if v == "*" {
        return Ok(Some(current));
    }
    let v = v.strip_prefix("W/").unwrap_or(v).trim_matches('"');
    v.parse::<i64>().map(Some).map_err(|_| ())
}

#[utoipa::path(put, path = "/api/v1/guides/{code}", params(("code" = String, Path), ("If-Match" = Option<String>, Header, description = "The version read, quoted (the ETag); else the body's version")), request_body = ApiGuideUpdate, responses((status = 200, body = ApiGuide), (status = 403, body = crate::api::ApiError), (status = 404, body = crate::api::ApiError), (status = 409, body = crate::api::ApiError), (status = 412, body = crate::api::ApiError), (status = 422, body = crate::api::ApiError), (status = 428, body = crate::api::ApiError)))]
/// Rewrites a guide (bureau staff): 412 when `If-Match` names an older version, 409 when the
/// body's version is, 428 with neither; 422 naming each field wrong (`zh.title`, `en.steps`).
pub async fn update(
    State(state): State<AppState>,
    a: Auth<ManageGuides>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = one(&state, &code).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let header_version = if_match(&headers, c.version).map_err(|_| ctx.err(bad_if_match()))?;
    let input: ApiGuideUpdate = json_body(ctx, &headers, &body)?;
    let version = match (header_version, input.version) {
        (Some(v), _) | (None, Some(v)) => v,
        (None, None) => return Err(ctx.err(precondition_required())),
    };
    let (zh, en): (GuideText, GuideText) = (input.zh.into(), input.en.into());
    let found = problems(&zh, &en);
    if !found.is_empty() {
        return Err(validation_error(ctx, &found));
    }
    let actor = Actor {
        user_id: a.principal.user_id,
        username: &a.principal.username,
        request_id: &ctx.request_id,
    };
    match store::save(&state.db, &c.guide.code, version, &zh, &en, actor).await {
        Ok(saved) => Ok(with_etag(&super::current(c.guide, Some(saved)))),
        Err(StoreError::Stale) if header_version.is_some() => Err(ctx.err(AppError::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "err.precondition_failed",
        ))),
        Err(e) => Err(ctx.err(e.into())),
    }
}

fn precondition_required() -> AppError {
    AppError::new(
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
        "err.precondition_required",
    )
}

fn bad_if_match() -> AppError {
    AppError::bad_request("If-Match")
}
