//! Site-wide search (issue 20 item 3): one box over every public thing — calls, notices,
//! policies, achievements, demands, carriers, providers, instruments, service guides — and, for
//! a signed-in person, what their role and scope let them see (applications, their
//! organisation's statistics returns, their review assignments). `/search` for people,
//! `GET /api/v1/search` for machines, the same rules for both.
//!
//! The server keeps one index. It is current while the audit chain has not grown (every change
//! of state adds an entry) and the day has not turned (a demand closes at its deadline); the
//! first search after a change rebuilds it, analysing again only the entries whose text changed.
pub mod api;
pub mod pages;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::market::search::analyzer;
use axum::Router;
use axum::routing::get;
use chrono::NaiveDate;
use innocity_core::access::{Capability, Principal, Scope};
use innocity_core::search::{self as core, Analysed, Audience, Entry, Found, Index, Kind, Query};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use tokio::sync::Mutex;

pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(pages::search)).route("/api/v1/search", get(api::search))
}

/// Results per page.
pub const PER_PAGE: usize = 20;

/// An index and the state of the database it stands for.
struct Built {
    /// The audit chain's length it is known current at (moves on when only things it does not
    /// hold changed).
    changes: AtomicI64,
    day: NaiveDate,
    index: Index,
}

/// The server's index and what the last build analysed (kept so that the next build analyses
/// only what changed).
#[derive(Default)]
pub struct SiteSearch {
    current: RwLock<Option<Arc<Built>>>,
    analysed: Mutex<HashMap<(Kind, i64), Analysed>>,
}

impl SiteSearch {
    fn current(&self) -> Option<Arc<Built>> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Whether `built` still stands for the database at `changes` on `day` (and marks it so).
async fn still_current(
    state: &AppState,
    built: &Built,
    changes: i64,
    day: NaiveDate,
) -> AppResult<bool> {
    if built.day != day {
        return Ok(false);
    }
    let seen = built.changes.load(Ordering::Acquire);
    if seen >= changes {
        return Ok(true);
    }
    if innocity_store::search::indexed_changes_between(&state.db, seen, changes).await? {
        return Ok(false);
    }
    built.changes.fetch_max(changes, Ordering::AcqRel);
    Ok(true)
}

/// Where an entry's page is.
fn url_of(kind: Kind, id: i64, title: &str) -> String {
    match kind {
        Kind::Call => format!("/public/calls/{id}"),
        Kind::Notice => format!("/notices/{id}"),
        Kind::Policy => format!("/finance/policies/{id}"),
        Kind::Achievement => format!("/market/achievements/{id}"),
        Kind::Demand => format!("/market/demands/{id}"),
        // Carriers have no page of their own for the public: their directory, found by name.
        Kind::Carrier => format!(
            "/public/carriers?{}",
            serde_urlencoded::to_string([("q", title)]).unwrap_or_default()
        ),
        Kind::Provider => format!("/providers/{id}"),
        Kind::Instrument => format!("/sharing/instruments/{id}"),
        Kind::Application => format!("/applications/{id}"),
        Kind::Review => format!("/my/reviews/{id}"),
        // Guides and returns are given their address where they are made.
        Kind::Guide | Kind::Return => String::new(),
    }
}

/// The service guides as entries: the Chinese title, and everything else in both languages.
async fn guide_entries(state: &AppState) -> AppResult<Vec<Entry>> {
    Ok(crate::guides::all(state)
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, c)| {
            let mut body = vec![c.zh.summary.clone(), c.zh.who.clone()];
            body.extend(c.zh.conditions.iter().chain(&c.zh.steps).cloned());
            body.extend([c.en.title.clone(), c.en.summary.clone()]);
            Entry {
                kind: Kind::Guide,
                audience: Audience::Everyone,
                id: n as i64 + 1,
                title: c.zh.title.clone(),
                body: body.join(" "),
                url: format!("/public/guides/{}", c.guide.code),
                date_ms: c.updated.as_ref().map_or(0, |u| u.1),
            }
        })
        .collect())
}

/// The index as of now: the one kept, or a new one if something it holds changed since.
async fn index(state: &AppState) -> AppResult<Arc<Built>> {
    let search = &state.site_search;
    let day = state.db.clock.today();
    let changes = innocity_store::search::changes(&state.db).await?;
    if let Some(b) = search.current()
        && still_current(state, &b, changes, day).await?
    {
        return Ok(b);
    }
    // One rebuild at a time; those who waited find it done.
    let mut analysed = search.analysed.lock().await;
    if let Some(b) = search.current()
        && still_current(state, &b, changes, day).await?
    {
        return Ok(b);
    }
    let mut entries = innocity_store::search::entries(&state.db, day).await?;
    for e in &mut entries {
        e.url = url_of(e.kind, e.id, &e.title);
    }
    entries.extend(guide_entries(state).await?);
    let mut before = std::mem::take(&mut *analysed);
    let (docs, index) = tokio::task::spawn_blocking(move || {
        let docs: Vec<Analysed> = entries
            .into_iter()
            .map(|e| {
                let previous = before.remove(&e_key(&e));
                core::analyse_reusing(analyzer(), e, previous)
            })
            .collect();
        let index = Index::build(docs.clone());
        (docs, index)
    })
    .await
    .map_err(|_| AppError::internal("search index"))?;
    *analysed = docs.into_iter().map(|d| (e_key(d.entry()), d)).collect();
    let built = Arc::new(Built { changes: AtomicI64::new(changes), day, index });
    *search.current.write().unwrap_or_else(PoisonError::into_inner) = Some(built.clone());
    Ok(built)
}

fn e_key(e: &Entry) -> (Kind, i64) {
    (e.kind, e.id)
}

/// The statistics returns of the viewer's own organisation (a reporting unit's people find
/// their returns by the form's name and the period), as a small index of their own.
async fn own_returns(state: &AppState, p: &Principal) -> AppResult<Option<Index>> {
    let Scope::Organisation(org) = p.scope else { return Ok(None) };
    if !p.role.allows(Capability::ViewStats) {
        return Ok(None);
    }
    let catalogue = state.catalogue().await?;
    let returns = innocity_store::stats::returns_of(&state.db, org).await?;
    let entries: Vec<Analysed> = returns
        .into_iter()
        .map(|r| {
            let (name_zh, name_en) = catalogue
                .form(&r.form)
                .map(|f| (f.name_zh.clone(), f.name_en.clone()))
                .unwrap_or_default();
            let entry = Entry {
                kind: Kind::Return,
                audience: Audience::Return {
                    organisation_id: r.organisation_id,
                    unit_path: r.unit_path.clone(),
                },
                id: r.id,
                title: format!("{name_zh} {}", r.period),
                body: format!("{} {name_en}", r.form),
                url: format!("/stats/{}/{}/orgs/{}", r.form, r.period, r.organisation_id),
                date_ms: r.updated_at,
            };
            core::analyse(analyzer(), entry)
        })
        .collect();
    Ok(Some(Index::build(entries)))
}

/// Searches what `viewer` may find (on the blocking pool: marking the words in a hundred long
/// texts is work for a thread, not for the server's event loop).
pub async fn find(state: &AppState, viewer: Option<&Principal>, query: &Query) -> AppResult<Found> {
    let built = index(state).await?;
    let own = match viewer {
        Some(p) => own_returns(state, p).await?,
        None => None,
    };
    let (viewer, query) = (viewer.cloned(), query.clone());
    tokio::task::spawn_blocking(move || {
        let mut indexes = vec![&built.index];
        indexes.extend(own.as_ref());
        core::search(analyzer(), &indexes, viewer.as_ref(), &query)
    })
    .await
    .map_err(|_| AppError::internal("search"))
}
