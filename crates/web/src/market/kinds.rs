//! The market's one search box over the other kinds of record: open demands, the experts'
//! public profiles (name, title, organisation, fields — never the contact) and the
//! organisations whose listed achievements answer the text. Achievements have their own, richer
//! search (facets, snippets, paging: `finding`).
use super::matching::{Asking, demands_matching, experts_matching, organisations_matching};
use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// What the box searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Achievements,
    Demands,
    Experts,
    Organisations,
}

pub const KINDS: [Kind; 4] =
    [Kind::Achievements, Kind::Demands, Kind::Experts, Kind::Organisations];

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Achievements => "achievements",
            Kind::Demands => "demands",
            Kind::Experts => "experts",
            Kind::Organisations => "organisations",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        KINDS.into_iter().find(|k| k.code() == s)
    }
}

/// The kind a request asks for (achievements when none; 400 naming it when unknown).
pub fn kind_of(ctx: &Ctx, q: &HashMap<String, String>) -> AppResult<Kind> {
    match q.get("kind").map(|k| k.trim()).filter(|k| !k.is_empty()) {
        None => Ok(Kind::Achievements),
        Some(k) => Kind::parse(k).ok_or_else(|| {
            let shown: String = k.chars().take(40).collect();
            ctx.err(AppError::bad_request(format!("kind={shown}")))
        }),
    }
}

/// A record found, as the page and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OtherHit {
    pub id: i64,
    pub title: String,
    /// The organisation; an expert's title and organisation; an organisation's number of
    /// matching achievements.
    pub subtitle: String,
    /// Where to read more (an expert has no public page: empty).
    pub href: String,
    pub score: f32,
    /// The words the text and the record share.
    pub shared: Vec<String>,
}

/// The records of `kind` (not achievements) that best answer `q`.
pub async fn others(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    q: &str,
    n: usize,
) -> AppResult<Vec<OtherHit>> {
    if q.trim().is_empty() {
        return Ok(vec![]);
    }
    Ok(match kind {
        Kind::Achievements => vec![],
        Kind::Demands => demands_matching(&state.db, ctx, q, "", n)
            .await?
            .into_iter()
            .map(|m| OtherHit {
                href: format!("/market/demands/{}", m.id),
                id: m.id,
                title: m.title,
                subtitle: m.organisation,
                score: m.score,
                shared: m.why.shared,
            })
            .collect(),
        Kind::Experts => experts_matching(&state.db, ctx, q, n)
            .await?
            .into_iter()
            .map(|e| OtherHit {
                id: e.id,
                title: e.name,
                subtitle: [e.title, e.organisation, e.fields.join("、")]
                    .into_iter()
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                href: String::new(),
                score: e.score,
                shared: e.why.shared,
            })
            .collect(),
        Kind::Organisations => {
            let asked = Asking { query: q.to_string(), discipline: "", not: None };
            organisations_matching(&state.market, &state.db, ctx, &asked, n)
                .await?
                .into_iter()
                .map(|o| OtherHit {
                    id: o.organisation_id,
                    title: o.organisation,
                    subtitle: crate::i18n::tf(
                        ctx.lang,
                        "demand.org_achievements",
                        &[o.achievements.to_string()],
                    ) + " · "
                        + t(ctx.lang, "demand.org_best")
                        + &o.best_title,
                    href: format!("/market/achievements/{}", o.best_id),
                    score: o.score,
                    shared: o.why.shared,
                })
                .collect()
        }
    })
}

/// Found records of one kind.
#[derive(Serialize, ToSchema)]
pub struct ApiOtherPage {
    /// demands, experts or organisations.
    pub kind: String,
    pub items: Vec<OtherHit>,
}

#[utoipa::path(get, path = "/api/v1/market/search",
    params(
        ("q" = String, Query, description = "what a person types (at most 1,000 characters; never query syntax)"),
        ("kind" = String, Query, description = "demands, experts or organisations (achievements: /api/v1/market/achievements)"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "results (default 20)")),
    responses((status = 200, body = ApiOtherPage), (status = 400, body = crate::api::ApiError)))]
/// Open demands, experts' public profiles or organisations that answer a text, best first.
/// Public: no sign-in needed.
pub async fn api_search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Json<ApiOtherPage>> {
    let a = super::asked(&ctx, &q)?;
    let kind = kind_of(&ctx, &q)?;
    if kind == Kind::Achievements {
        return Err(ctx.err(AppError::bad_request("kind=achievements".to_string())));
    }
    let items = others(&state, &ctx, kind, &a.q, a.limit).await?;
    Ok(Json(ApiOtherPage { kind: kind.code().to_string(), items }))
}
