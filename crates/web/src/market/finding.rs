//! Finding achievements: the public search page, an achievement's page, and the search as a
//! JSON operation (the contract's `GET /api/v1/market/achievements`).
use super::search::{Search, SearchError};
use super::{Asked, asked};
use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::page::{Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use innocity_core::market::search::Found;
use innocity_core::market::text::{Piece, snippet};
use innocity_core::projects::money::Money;
use innocity_store::market::{self as store, Achievement};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// Characters of a description shown under a result.
const SNIPPET_CHARS: usize = 120;

/// Runs a search, turning a failure into the request's error.
async fn found(search: &Arc<Search>, ctx: &Ctx, a: &Asked) -> AppResult<Found> {
    search.find(&a.q, &a.filter, a.offset, a.limit).await.map_err(|e| match e {
        SearchError::Store(e) => ctx.err(e.into()),
        SearchError::Build => ctx.err(AppError::internal(&ctx.request_id)),
    })
}

/// One result of the search operation.
#[derive(Serialize, ToSchema)]
pub struct ApiAchievementHit {
    pub id: i64,
    /// The achievement's id in the file it was imported from; null when entered here.
    pub external_id: Option<String>,
    pub title: String,
    /// Relevance, higher first (0 when there is no query: newest first).
    pub score: f32,
}

/// How many of the matches fall under one value of a facet.
#[derive(Serialize, ToSchema)]
pub struct ApiFacetCount {
    pub value: String,
    pub count: usize,
}

/// A page of results.
#[derive(Serialize, ToSchema)]
pub struct ApiAchievementPage {
    /// How many listed achievements match in all.
    pub total: usize,
    pub items: Vec<ApiAchievementHit>,
    /// The matches by discipline, most first.
    pub disciplines: Vec<ApiFacetCount>,
}

#[utoipa::path(get, path = "/api/v1/market/achievements",
    params(
        ("q" = Option<String>, Query, description = "what a person types (at most 1,000 characters; never query syntax); empty: the newest"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "results (default 20)"),
        ("offset" = Option<usize>, Query, minimum = 0, maximum = 10000, description = "results skipped (paging)"),
        ("discipline" = Option<String>, Query), ("zone" = Option<String>, Query, description = "zone code"),
        ("maturity" = Option<u8>, Query, minimum = 1, maximum = 9, description = "technology readiness level"),
        ("mode" = Option<String>, Query, description = "transfer, licence, equity or joint")),
    responses((status = 200, body = ApiAchievementPage), (status = 400, body = crate::api::ApiError)))]
/// The listed achievements that match, best first. Public: no sign-in needed.
pub async fn search_achievements(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Json<ApiAchievementPage>> {
    let a = asked(&ctx, &q)?;
    let f = found(&state.market, &ctx, &a).await?;
    Ok(Json(ApiAchievementPage {
        total: f.total,
        items: f
            .hits
            .into_iter()
            .map(|h| ApiAchievementHit {
                id: h.id,
                external_id: h.external_id,
                title: h.title,
                score: h.score,
            })
            .collect(),
        disciplines: f
            .disciplines
            .into_iter()
            .map(|(value, count)| ApiFacetCount { value, count })
            .collect(),
    }))
}

#[derive(Template)]
#[template(path = "market_search.html")]
struct SearchPage {
    s: Shell,
    q: String,
    total: usize,
    hits: Vec<HitLine>,
    disciplines: Vec<FacetLink>,
    discipline: String,
    /// Links to the pages before and after (empty when none).
    prev: String,
    next: String,
}

/// A result on the page.
struct HitLine {
    id: i64,
    title: String,
    organisation: String,
    discipline: String,
    snippet: Vec<Piece>,
}

/// A facet value with its count and the link that narrows to it.
struct FacetLink {
    value: String,
    count: usize,
    href: String,
    chosen: bool,
}

fn page_href(a: &Asked, discipline: Option<&str>, offset: usize) -> String {
    let offset = offset.to_string();
    let mut pairs = vec![("q", a.q.as_str())];
    pairs.extend(discipline.map(|d| ("discipline", d)));
    if offset != "0" {
        pairs.push(("offset", &offset));
    }
    format!("/market?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

/// The public search page: a box, the results with their snippets, disciplines to narrow by.
pub async fn search_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let a = asked(&ctx, &q)?;
    let f = found(&state.market, &ctx, &a).await?;
    let ids: Vec<i64> = f.hits.iter().map(|h| h.id).collect();
    let records: HashMap<i64, Achievement> =
        store::by_ids(&state.db, &ids).await?.into_iter().map(|r| (r.id, r)).collect();
    let words = super::search::analyzer().words(&a.q);
    let hits = f
        .hits
        .iter()
        .filter_map(|h| records.get(&h.id))
        .map(|r| HitLine {
            id: r.id,
            title: r.title.clone(),
            organisation: r.organisation.clone(),
            discipline: r.discipline.clone(),
            snippet: snippet(&r.description, &words, SNIPPET_CHARS),
        })
        .collect();
    let chosen = a.filter.discipline.clone().unwrap_or_default();
    let disciplines = f
        .disciplines
        .iter()
        .filter(|(d, _)| !d.is_empty())
        .take(12)
        .map(|(d, n)| FacetLink {
            value: d.clone(),
            count: *n,
            href: page_href(&a, (chosen != *d).then_some(d.as_str()), 0),
            chosen: chosen == *d,
        })
        .collect();
    let narrowed = a.filter.discipline.as_deref();
    let prev = if a.offset > 0 {
        page_href(&a, narrowed, a.offset.saturating_sub(a.limit))
    } else {
        String::new()
    };
    let next = if a.offset + a.limit < f.total {
        page_href(&a, narrowed, a.offset + a.limit)
    } else {
        String::new()
    };
    Ok(render(&SearchPage {
        s: ctx.shell(),
        q: a.q,
        total: f.total,
        hits,
        disciplines,
        discipline: chosen,
        prev,
        next,
    }))
}

#[derive(Template)]
#[template(path = "market_achievement.html")]
struct AchievementPage {
    s: Shell,
    id: i64,
    a: AchievementView,
    /// Open demands it may answer, with why.
    demands: Vec<super::demands::MatchLine>,
    /// The viewer is a technology broker (may start brokering it).
    can_broker: bool,
    /// The visitor has just sent an inquiry.
    asked: bool,
}

/// An achievement as its public page shows it.
struct AchievementView {
    title: String,
    organisation: String,
    discipline: String,
    category: String,
    keywords: Vec<String>,
    description: String,
    external_id: String,
    maturity: String,
    modes: String,
    price: String,
    listed_on: String,
}

fn view_of(lang: Lang, ctx: &Ctx, r: Achievement) -> AchievementView {
    let or_unstated =
        |s: String| if s.is_empty() { t(lang, "market.unstated").to_string() } else { s };
    AchievementView {
        maturity: if r.maturity > 0 {
            format!("TRL {}", r.maturity)
        } else {
            t(lang, "market.unstated").to_string()
        },
        modes: or_unstated(
            r.modes
                .iter()
                .map(|m| t(lang, &format!("market.mode.{m}")))
                .collect::<Vec<_>>()
                .join("、"),
        ),
        price: match r.price_fen {
            Some(fen) => format!("{} {}", Money(fen).wan_text(), t(lang, "market.wan_yuan")),
            None => t(lang, "market.negotiable").to_string(),
        },
        listed_on: ctx
            .clock
            .date_of_ms(r.listed_at)
            .map(|d| d.format("%Y年%m月%d日").to_string())
            .unwrap_or_default(),
        external_id: r.external_id.unwrap_or_default(),
        discipline: or_unstated(r.discipline),
        category: r.category,
        title: r.title,
        organisation: r.organisation,
        keywords: r.keywords,
        description: r.description,
    }
}

/// A listed achievement's public page (one not listed is not found).
pub async fn achievement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let r = store::achievement(&state.db, id)
        .await?
        .filter(|r| r.status == store::LISTED)
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    store::viewed(&state.db, r.id).await?;
    let matched = super::matching::demands_for(&state.db, &ctx, &r, 5).await?;
    let demands = super::demands::match_lines(matched, "/market/demands");
    let lang = ctx.lang;
    let id = r.id;
    let a = view_of(lang, &ctx, r);
    let can_broker = ctx
        .principal
        .as_ref()
        .is_some_and(|p| p.role.allows(innocity_core::access::Capability::BrokerDeals));
    Ok(render(&AchievementPage {
        s: ctx.shell(),
        id,
        a,
        demands,
        can_broker,
        asked: q.contains_key("asked"),
    }))
}

/// An inquiry's form.
#[derive(serde::Deserialize)]
struct InquiryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    message: String,
}

/// Anyone asks about a listed achievement; its owner reads it on their page.
pub async fn inquire(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let f: InquiryForm = crate::auth::parse_form(&ctx, &body)?;
    store::achievement(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let q = store::NewInquiry {
        user_id: ctx.principal.as_ref().map(|p| p.user_id),
        name: &f.name,
        organisation: &f.organisation,
        contact: &f.contact,
        message: &f.message,
    };
    store::inquire(&state.db, id, &q, ctx.actor()).await?;
    Ok(axum::response::Redirect::to(&format!("/market/achievements/{id}?asked=1#ask"))
        .into_response())
}
