//! The search for machines: what the page finds, as JSON. Anonymous callers find the public
//! things; a token's holder also finds what their role and scope let them see.
use super::find;
use super::pages::asked;
use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::State;
use innocity_core::market::text::Piece;
use serde::Serialize;
use utoipa::ToSchema;

/// How many results a page holds at most.
const MAX_PER_PAGE: usize = 100;

/// A kind found and how many of it.
#[derive(Serialize, ToSchema)]
pub struct ApiSearchFacet {
    /// guide, call, notice, policy, achievement, demand, carrier, provider, instrument,
    /// application, return or review.
    pub kind: String,
    pub count: usize,
}

/// A piece of a title or snippet; `hit`: it matched the query.
#[derive(Serialize, ToSchema)]
pub struct ApiPiece {
    pub text: String,
    pub hit: bool,
}

/// One result.
#[derive(Serialize, ToSchema)]
pub struct ApiSearchHit {
    pub kind: String,
    pub id: i64,
    pub title: String,
    /// A window of the text around the first match.
    pub snippet: String,
    /// The title and the snippet cut into pieces, the matches marked (for highlighting).
    pub title_pieces: Vec<ApiPiece>,
    pub snippet_pieces: Vec<ApiPiece>,
    /// The page for people.
    pub url: String,
    /// Published or changed, ms since the epoch (0: not known).
    pub date_ms: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApiSearchResult {
    /// The matches of the kind asked for (of every kind when none was).
    pub total: usize,
    /// Every kind matched, whichever was asked for.
    pub by_kind: Vec<ApiSearchFacet>,
    pub hits: Vec<ApiSearchHit>,
    pub page: usize,
    pub per_page: usize,
    /// The query was longer than 100 characters; its first 100 were searched.
    pub clipped: bool,
}

fn pieces(p: &[Piece]) -> Vec<ApiPiece> {
    p.iter().map(|p| ApiPiece { text: p.text.clone(), hit: p.hit }).collect()
}

fn joined(p: &[Piece]) -> String {
    p.iter().map(|p| p.text.as_str()).collect()
}

#[utoipa::path(get, path = "/api/v1/search", params(
    ("q" = Option<String>, Query, description = "The words searched for (Chinese or not; no query syntax: quotes and operators are text). At most 100 characters are read.", example = "稀土永磁"),
    ("kind" = Option<String>, Query, description = "Only this kind: guide, call, notice, policy, achievement, demand, carrier, provider, instrument, application, return, review"),
    ("page" = Option<usize>, Query, description = "From 1"),
    ("per_page" = Option<usize>, Query, description = "1–100, 20 when not given"),
), responses((status = 200, body = ApiSearchResult), (status = 400, body = crate::api::ApiError)))]
/// Searches every public thing and, for a signed-in caller, their own (never beyond their
/// scope), best first, with the matches counted by kind.
pub async fn search(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<ApiSearchResult>> {
    let (asked, bad) = asked(&ctx.query);
    if let Some(b) = bad {
        return Err(ctx.err(AppError::bad_request(b.name())));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&ctx.query).unwrap_or_default();
    let per_page = match pairs.iter().find(|(k, _)| k == "per_page") {
        None => super::PER_PAGE,
        Some((_, v)) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PER_PAGE).contains(n))
            .ok_or_else(|| ctx.err(AppError::bad_request("per_page")))?,
    };
    let found = find(&state, ctx.principal.as_ref(), &asked.query(per_page)).await?;
    Ok(Json(ApiSearchResult {
        total: found.total,
        by_kind: found
            .by_kind
            .iter()
            .map(|(k, n)| ApiSearchFacet { kind: k.code().to_string(), count: *n })
            .collect(),
        hits: found
            .hits
            .iter()
            .map(|h| ApiSearchHit {
                kind: h.kind.code().to_string(),
                id: h.id,
                title: joined(&h.title),
                snippet: joined(&h.snippet),
                title_pieces: pieces(&h.title),
                snippet_pieces: pieces(&h.snippet),
                url: h.url.clone(),
                date_ms: h.date_ms,
            })
            .collect(),
        page: asked.page,
        per_page,
        clipped: found.clipped,
    }))
}
