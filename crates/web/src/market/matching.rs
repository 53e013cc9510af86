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
    /// The owner of the matched achievement or demand.
    pub organisation_id: i64,
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
    Ok(best_listed(search, db, ctx, &q, n)
        .await?
        .into_iter()
        .map(|(r, score)| Match {
            id: r.id,
            title: r.title.clone(),
            organisation_id: r.organisation_id,
            organisation: r.organisation.clone(),
            score,
            why: why(
                analyzer(),
                &q,
                &achievement_text(&r),
                (&d.discipline, &r.discipline),
                WHY_WORDS,
            ),
        })
        .collect())
}

/// The `n` listed achievements that best answer `q`, with their scores, best first.
async fn best_listed(
    search: &Arc<Search>,
    db: &Db,
    ctx: &Ctx,
    q: &str,
    n: usize,
) -> AppResult<Vec<(Achievement, f32)>> {
    let found = search.find(q, &Filter::default(), 0, n).await.map_err(|e| match e {
        SearchError::Store(e) => ctx.err(e.into()),
        SearchError::Build => ctx.err(AppError::internal(&ctx.request_id)),
    })?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let mut records = innocity_store::market::by_ids(db, &ids).await?;
    Ok(found
        .hits
        .iter()
        .filter_map(|h| {
            let at = records.iter().position(|r| r.id == h.id)?;
            Some((records.swap_remove(at), h.score))
        })
        .collect())
}

/// Ranks `docs` for `q` in an index made for the moment (the sets are small: open demands,
/// the expert library).
async fn rank_on_the_spot(
    ctx: &Ctx,
    docs: Vec<Doc>,
    q: String,
    n: usize,
) -> AppResult<index::Found> {
    tokio::task::spawn_blocking(move || {
        let mut idx = Index::default();
        for doc in docs {
            idx.upsert(index::analyse(analyzer(), doc));
        }
        idx.search(analyzer(), &q, &Filter::default(), 0, n)
    })
    .await
    .map_err(|_| ctx.err(AppError::internal(&ctx.request_id)))
}

/// The open demands an achievement may answer, best first.
pub async fn demands_for(db: &Db, ctx: &Ctx, a: &Achievement, n: usize) -> AppResult<Vec<Match>> {
    let q = query_of(&[&a.title, &a.keywords.join(" "), &a.description]);
    demands_matching(db, ctx, &q, &a.discipline, n).await
}

fn demand_text(d: &Demand) -> String {
    format!("{} {} {}", d.title, d.requirements, d.description)
}

/// The open demands that best answer `query` (ranked on the spot), with why.
pub async fn demands_matching(
    db: &Db,
    ctx: &Ctx,
    query: &str,
    discipline: &str,
    n: usize,
) -> AppResult<Vec<Match>> {
    let open = demands::open(db, ctx.today()).await?;
    if open.is_empty() {
        return Ok(vec![]);
    }
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
    let found = rank_on_the_spot(ctx, docs, query.to_string(), n).await?;
    Ok(found
        .hits
        .iter()
        .filter_map(|h| open.iter().find(|d| d.id == h.id).map(|d| (h, d)))
        .map(|(h, d)| Match {
            id: d.id,
            title: d.title.clone(),
            organisation_id: d.organisation_id,
            organisation: d.organisation.clone(),
            score: h.score,
            why: why(analyzer(), query, &demand_text(d), (discipline, &d.discipline), WHY_WORDS),
        })
        .collect())
}

/// An organisation whose listed achievements answer a demand.
#[derive(Debug, Clone)]
pub struct OrgMatch {
    pub organisation_id: i64,
    pub organisation: String,
    pub score: f32,
    /// How many of the considered achievements are its.
    pub achievements: usize,
    /// Its best-matching achievement, and why.
    pub best_id: i64,
    pub best_title: String,
    pub why: Why,
}

/// Achievements considered when ranking organisations.
const ORG_HITS: usize = 50;

/// The organisations whose listed achievements best answer a demand (their best three
/// matches), never the demand's own.
pub async fn organisations_for(
    search: &Arc<Search>,
    db: &Db,
    ctx: &Ctx,
    d: &Demand,
    n: usize,
) -> AppResult<Vec<OrgMatch>> {
    let asked =
        Asking { query: demand_query(d), discipline: &d.discipline, not: Some(d.organisation_id) };
    organisations_matching(search, db, ctx, &asked, n).await
}

/// What a search for organisations or experts asks: the text, the discipline that counts as
/// the same, an organisation left out.
pub struct Asking<'a> {
    pub query: String,
    pub discipline: &'a str,
    pub not: Option<i64>,
}

/// The organisations whose listed achievements best answer `asked` (their best three matches).
pub async fn organisations_matching(
    search: &Arc<Search>,
    db: &Db,
    ctx: &Ctx,
    asked: &Asking<'_>,
    n: usize,
) -> AppResult<Vec<OrgMatch>> {
    let q = &asked.query;
    let hits: Vec<(Achievement, f32)> = best_listed(search, db, ctx, q, ORG_HITS)
        .await?
        .into_iter()
        .filter(|(r, _)| Some(r.organisation_id) != asked.not)
        .collect();
    let owners: Vec<(i64, f32)> = hits.iter().map(|(r, s)| (r.organisation_id, *s)).collect();
    Ok(innocity_core::market::demands::rank_organisations(&owners, n)
        .into_iter()
        .filter_map(|o| hits.get(o.best).map(|(best, _)| (o, best)))
        .map(|(o, best)| OrgMatch {
            organisation_id: o.organisation_id,
            organisation: best.organisation.clone(),
            score: o.score,
            achievements: o.matches,
            best_id: best.id,
            best_title: best.title.clone(),
            why: why(
                analyzer(),
                q,
                &achievement_text(best),
                (asked.discipline, &best.discipline),
                WHY_WORDS,
            ),
        })
        .collect())
}

/// An expert whose fields, keywords and publications answer a demand (public profile: name,
/// title, organisation, fields; never the contact).
#[derive(Debug, Clone)]
pub struct ExpertMatch {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub organisation: String,
    pub fields: Vec<String>,
    pub score: f32,
    pub why: Why,
}

fn expert_text(e: &innocity_store::experts::Expert) -> String {
    format!("{} {} {}", e.fields.join(" "), e.keywords, e.publications)
}

/// The active experts of the libraries who best answer a demand (ranked on the spot).
pub async fn experts_for(db: &Db, ctx: &Ctx, d: &Demand, n: usize) -> AppResult<Vec<ExpertMatch>> {
    experts_matching(db, ctx, &demand_query(d), n).await
}

/// The active experts whose fields, keywords and publications best answer `query`.
pub async fn experts_matching(
    db: &Db,
    ctx: &Ctx,
    query: &str,
    n: usize,
) -> AppResult<Vec<ExpertMatch>> {
    use innocity_store::experts::{ExpertQuery, list};
    let q = ExpertQuery {
        status: Some(innocity_core::experts::Status::Active),
        ..ExpertQuery::default()
    };
    let experts = list(db, &q).await?;
    if experts.is_empty() {
        return Ok(vec![]);
    }
    let docs: Vec<Doc> = experts
        .iter()
        .map(|e| Doc {
            id: e.id,
            external_id: None,
            title: e.fields.join(" "),
            keywords: vec![e.keywords.clone()],
            description: e.publications.clone(),
            facets: Facets::default(),
            newest: 0,
        })
        .collect();
    let found = rank_on_the_spot(ctx, docs, query.to_string(), n).await?;
    Ok(found
        .hits
        .iter()
        .filter_map(|h| experts.iter().find(|e| e.id == h.id).map(|e| (h, e)))
        .map(|(h, e)| ExpertMatch {
            id: e.id,
            name: e.name.clone(),
            title: e.title.clone(),
            organisation: e.organisation_name.clone(),
            fields: e.fields.clone(),
            score: h.score,
            why: why(analyzer(), query, &expert_text(e), ("", ""), WHY_WORDS),
        })
        .collect())
}
