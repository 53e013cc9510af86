//! Finding achievements: the public search page, an achievement's page, and the search as a
//! JSON operation (the contract's `GET /api/v1/market/achievements`).
use super::kinds::{KINDS, Kind};
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
    /// By zone (code), most first.
    pub zones: Vec<ApiFacetCount>,
    /// By technology readiness level (1–9; 0: not stated).
    pub maturities: Vec<ApiFacetCount>,
    /// By transfer mode (transfer, licence, equity, joint).
    pub modes: Vec<ApiFacetCount>,
    /// By price band: 0 up to 10 万元, 1 to 50, 2 to 100, 3 to 500, 4 above, 5 negotiable.
    pub price_bands: Vec<ApiFacetCount>,
}

fn counts<T: ToString>(v: Vec<(T, usize)>) -> Vec<ApiFacetCount> {
    v.into_iter().map(|(value, count)| ApiFacetCount { value: value.to_string(), count }).collect()
}

#[utoipa::path(get, path = "/api/v1/market/achievements",
    params(
        ("q" = Option<String>, Query, description = "what a person types (at most 1,000 characters; never query syntax); empty: the newest"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "results (default 20)"),
        ("offset" = Option<usize>, Query, minimum = 0, maximum = 10000, description = "results skipped (paging)"),
        ("discipline" = Option<String>, Query), ("zone" = Option<String>, Query, description = "zone code"),
        ("maturity" = Option<u8>, Query, minimum = 1, maximum = 9, description = "technology readiness level"),
        ("mode" = Option<String>, Query, description = "transfer, licence, equity or joint"),
        ("price" = Option<u8>, Query, minimum = 0, maximum = 5, description = "price band: 0 up to 10 万元, 1 to 50, 2 to 100, 3 to 500, 4 above, 5 negotiable")),
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
        disciplines: counts(f.disciplines),
        zones: counts(f.zones),
        maturities: counts(f.maturities),
        modes: counts(f.modes),
        price_bands: counts(f.price_bands),
    }))
}

#[derive(Template)]
#[template(path = "market_search.html")]
struct SearchPage {
    s: Shell,
    q: String,
    total: usize,
    hits: Vec<HitLine>,
    facets: Vec<super::facets::FacetGroup>,
    /// The narrowing, kept by a new query.
    hidden: Vec<(&'static str, String)>,
    /// Links to the pages before and after (empty when none).
    prev: String,
    next: String,
    /// What the box searches: (code, label, link, chosen).
    tabs: Vec<(&'static str, String, String, bool)>,
    kind: &'static str,
    /// Demands, experts or organisations found (the other kinds).
    others: Vec<super::kinds::OtherHit>,
}

fn tabs(lang: Lang, q: &str, chosen: Kind) -> Vec<(&'static str, String, String, bool)> {
    KINDS
        .iter()
        .map(|k| {
            let pairs = [("q", q), ("kind", k.code())];
            let href =
                format!("/market?{}", serde_urlencoded::to_string(pairs).unwrap_or_default());
            (
                k.code(),
                t(lang, &format!("market.kind.{}", k.code())).to_string(),
                href,
                *k == chosen,
            )
        })
        .collect()
}

/// A result on the page.
struct HitLine {
    id: i64,
    title: String,
    organisation: String,
    discipline: String,
    snippet: Vec<Piece>,
}

/// The public search page: a box, the results with their snippets, disciplines to narrow by.
pub async fn search_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let a = asked(&ctx, &q)?;
    let kind = super::kinds::kind_of(&ctx, &q)?;
    if kind != Kind::Achievements {
        let others = super::kinds::others(&state, &ctx, kind, &a.q, a.limit).await?;
        return Ok(render(&SearchPage {
            s: ctx.shell(),
            total: others.len(),
            hits: vec![],
            facets: vec![],
            hidden: vec![("kind", kind.code().to_string())],
            prev: String::new(),
            next: String::new(),
            tabs: tabs(ctx.lang, &a.q, kind),
            kind: kind.code(),
            others,
            q: a.q,
        }));
    }
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
    let units = state.units().await?;
    let facets = super::facets::groups(ctx.lang, &units, &a, &f);
    let href = |offset| super::facets::href(&a.q, &a.filter, offset);
    let prev = if a.offset > 0 { href(a.offset.saturating_sub(a.limit)) } else { String::new() };
    let next = if a.offset + a.limit < f.total { href(a.offset + a.limit) } else { String::new() };
    let tabs = tabs(ctx.lang, &a.q, kind);
    Ok(render(&SearchPage {
        s: ctx.shell(),
        q: a.q,
        total: f.total,
        hits,
        facets,
        hidden: super::facets::hidden(&a.filter),
        prev,
        next,
        tabs,
        kind: kind.code(),
        others: vec![],
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
    files: Vec<super::achievement_files::FileLine>,
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
    /// The public notice's last day (公示期), while it runs; else empty.
    notice_until: String,
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
        notice_until: ctx
            .clock
            .date_of_ms(r.listed_at)
            .map(innocity_core::market::achievements::notice_until)
            .filter(|end| *end >= ctx.today())
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
    let files = super::achievement_files::lines(&state, &ctx, id).await?;
    Ok(render(&AchievementPage {
        s: ctx.shell(),
        id,
        a,
        demands,
        can_broker,
        asked: q.contains_key("asked"),
        files,
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
