//! Matching both ways: for a demand, the listed achievements that answer it; for an
//! achievement, the open demands it may answer — each with why (the words they share, the same
//! discipline). Achievements come from the market's search index; the open demands are few
//! enough to be ranked on the spot.
use super::search::{Search, SearchError, analyzer};
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use innocity_core::market::MAX_QUERY_CHARS;
use innocity_core::market::demands::{Why, why};
use innocity_core::market::search::{self as index, Doc, Facets, Filter, Index};
use innocity_store::Db;
use innocity_store::market::Achievement;
use innocity_store::market::demands::{self, Demand};
use std::sync::Arc;

/// Words shown as the reason of a match.
const WHY_WORDS: usize = 6;

/// One match.
#[derive(Debug, Clone)]
pub struct Match {
    pub id: i64,
    pub title: String,
    pub organisation: String,
    pub score: f32,
    pub why: Why,
}

/// A text as a query: the first [`MAX_QUERY_CHARS`] characters.
fn query_of(parts: &[&str]) -> String {
    parts.join(" ").chars().take(MAX_QUERY_CHARS).collect()
}

pub fn demand_query(d: &Demand) -> String {
    query_of(&[&d.title, &d.requirements, &d.description])
}

fn achievement_text(a: &Achievement) -> String {
    format!("{} {} {}", a.title, a.keywords.join(" "), a.description)
}

/// The listed achievements that best answer a demand.
pub async fn achievements_for(
    search: &Arc<Search>,
    db: &Db,
    ctx: &Ctx,
    d: &Demand,
    n: usize,
) -> AppResult<Vec<Match>> {
    let q = demand_query(d);
    let found = search.find(&q, &Filter::default(), 0, n).await.map_err(|e| match e {
        SearchError::Store(e) => ctx.err(e.into()),
        SearchError::Build => ctx.err(AppError::internal(&ctx.request_id)),
    })?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let records = innocity_store::market::by_ids(db, &ids).await?;
    Ok(found
        .hits
        .iter()
        .filter_map(|h| records.iter().find(|r| r.id == h.id).map(|r| (h, r)))
        .map(|(h, r)| Match {
            id: r.id,
            title: r.title.clone(),
            organisation: r.organisation.clone(),
            score: h.score,
            why: why(
                analyzer(),
                &q,
                &achievement_text(r),
                (&d.discipline, &r.discipline),
                WHY_WORDS,
            ),
        })
        .collect())
}

/// The open demands an achievement may answer, best first (ranked on the spot).
pub async fn demands_for(db: &Db, ctx: &Ctx, a: &Achievement, n: usize) -> AppResult<Vec<Match>> {
    let open = demands::open(db, ctx.today()).await?;
    if open.is_empty() {
        return Ok(vec![]);
    }
    let q = query_of(&[&a.title, &a.keywords.join(" "), &a.description]);
    let docs: Vec<Doc> = open
        .iter()
        .map(|d| Doc {
            id: d.id,
            external_id: None,
            title: d.title.clone(),
            keywords: vec![d.requirements.clone()],
            description: d.description.clone(),
            facets: Facets { discipline: d.discipline.clone(), ..Facets::default() },
            newest: 0,
        })
        .collect();
    let found = tokio::task::spawn_blocking(move || {
        let mut idx = Index::default();
        for doc in docs {
            idx.upsert(index::analyse(analyzer(), doc));
        }
        idx.search(analyzer(), &q, &Filter::default(), 0, n)
    })
    .await
    .map_err(|_| ctx.err(AppError::internal(&ctx.request_id)))?;
    let text = achievement_text(a);
    Ok(found
        .hits
        .iter()
        .filter_map(|h| open.iter().find(|d| d.id == h.id).map(|d| (h, d)))
        .map(|(h, d)| Match {
            id: d.id,
            title: d.title.clone(),
            organisation: d.organisation.clone(),
            score: h.score,
            why: why(
                analyzer(),
                &demand_query(d),
                &text,
                (&d.discipline, &a.discipline),
                WHY_WORDS,
            ),
        })
        .collect())
}
