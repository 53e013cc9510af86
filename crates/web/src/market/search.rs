//! The market's search on this server: an index of the listed achievements that follows the
//! database's change log.
//!
//! The index is built from the database on first use (in the background, on the blocking
//! pool), then a follower reads the change log every [`FOLLOW_EVERY`] and brings the changed
//! achievements in or out, so a record saved through another server is found here within a
//! second. A write through this server calls [`Search::catch_up`] before answering, so its own
//! user finds the record at once.
use innocity_core::market::search::{self as core_search, Doc, Facets, Filter, Found, Index};
use innocity_core::market::text::Analyzer;
use innocity_store::Db;
use innocity_store::market::{self as store, Achievement};
use innocity_store::orgs::OrgUnit;
use std::sync::{Arc, OnceLock, RwLock, Weak};
use std::time::Duration;
use tokio::sync::{Mutex, OnceCell};

/// How often each server reads the change log.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(250);

/// Changes read at once from the log.
const BATCH: i64 = 5_000;

/// jieba's dictionary, loaded once per process.
pub fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(Analyzer::default)
}

/// The index and how far into the change log it has read.
struct Followed {
    index: RwLock<Index>,
    /// The last change applied; catching up holds it, so two never apply the same changes.
    seen: Mutex<i64>,
}

/// The server's search (one per application state).
pub struct Search {
    db: Db,
    followed: OnceCell<Arc<Followed>>,
}

/// A search failed: the database could not be read, or the index could not be built.
#[derive(Debug)]
pub enum SearchError {
    Store(innocity_store::StoreError),
    Build,
}

impl From<innocity_store::StoreError> for SearchError {
    fn from(e: innocity_store::StoreError) -> Self {
        SearchError::Store(e)
    }
}

/// The zone an organisation's unit lies in (the code of its zone-level ancestor, or "").
pub fn zone_of(units: &[OrgUnit], unit_path: &str) -> String {
    units
        .iter()
        .filter(|u| u.level == "zone" && unit_path.starts_with(&u.path))
        .map(|u| u.code.clone())
        .next()
        .unwrap_or_default()
}

/// What the index keeps of an achievement.
fn doc_of(a: Achievement, units: &[OrgUnit]) -> Doc {
    Doc {
        id: a.id,
        facets: Facets {
            discipline: a.discipline,
            zone: zone_of(units, &a.unit_path),
            maturity: u8::try_from(a.maturity).unwrap_or(0),
            modes: a.modes,
            price_fen: a.price_fen,
        },
        external_id: a.external_id,
        title: a.title,
        keywords: a.keywords,
        description: a.description,
        newest: a.listed_at,
    }
}

/// Analyses documents on every core (the slow part of a rebuild).
fn analyse_all(docs: Vec<Doc>) -> Vec<core_search::Analysed> {
    let a = analyzer();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = docs.len().div_ceil(threads).max(1);
    let mut parts: Vec<Vec<Doc>> = Vec::new();
    let mut rest = docs;
    while rest.len() > chunk {
        let tail = rest.split_off(chunk);
        parts.push(rest);
        rest = tail;
    }
    parts.push(rest);
    std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                s.spawn(move || {
                    part.into_iter().map(|d| core_search::analyse(a, d)).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

impl Search {
    pub fn new(db: Db) -> Search {
        Search { db, followed: OnceCell::new() }
    }

    /// Builds the index from the database (once), and starts following the log.
    async fn followed(self: &Arc<Self>) -> Result<&Arc<Followed>, SearchError> {
        self.followed
            .get_or_try_init(|| async {
                let seen = store::last_change(&self.db).await?;
                let units = innocity_store::orgs::units(&self.db).await?;
                let docs: Vec<Doc> =
                    store::listed(&self.db).await?.into_iter().map(|a| doc_of(a, &units)).collect();
                let started = std::time::Instant::now();
                let n = docs.len();
                let index = tokio::task::spawn_blocking(move || {
                    let mut index = Index::default();
                    for a in analyse_all(docs) {
                        index.upsert(a);
                    }
                    index
                })
                .await
                .map_err(|_| SearchError::Build)?;
                tracing::info!(
                    achievements = n,
                    secs = started.elapsed().as_secs_f64(),
                    "market index built"
                );
                let followed =
                    Arc::new(Followed { index: RwLock::new(index), seen: Mutex::new(seen) });
                spawn_follower(Arc::downgrade(self));
                Ok(followed)
            })
            .await
    }

    /// Applies the change log up to now. Changes are read after the index was built from a
    /// state at least as new, so applying one twice is harmless (it loads the current record).
    /// An index not built yet has nothing to catch up: it will be built from the database.
    pub async fn catch_up(self: &Arc<Self>) -> Result<(), SearchError> {
        let Some(f) = self.followed.get().cloned() else { return Ok(()) };
        let mut seen = f.seen.lock().await;
        loop {
            let changes = store::changes_since(&self.db, *seen, BATCH).await?;
            let Some(last) = changes.last().map(|c| c.seq) else { break };
            let mut ids: Vec<i64> = changes.iter().map(|c| c.achievement_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let units = innocity_store::orgs::units(&self.db).await?;
            let current = store::by_ids(&self.db, &ids).await?;
            let listed: Vec<Doc> = current
                .into_iter()
                .filter(|a| a.status == store::LISTED)
                .map(|a| doc_of(a, &units))
                .collect();
            let analysed = tokio::task::spawn_blocking(move || analyse_all(listed))
                .await
                .map_err(|_| SearchError::Build)?;
            let mut index = f.index.write().map_err(|_| SearchError::Build)?;
            // Out first (withdrawn, or about to be replaced), then the listed ones back in.
            ids.iter().for_each(|id| index.remove(*id));
            analysed.into_iter().for_each(|a| index.upsert(a));
            if index.wants_compaction() {
                index.compact();
            }
            drop(index);
            *seen = last;
        }
        Ok(())
    }

    /// Searches the listed achievements.
    pub async fn find(
        self: &Arc<Self>,
        query: &str,
        filter: &Filter,
        offset: usize,
        limit: usize,
    ) -> Result<Found, SearchError> {
        let f = self.followed().await?;
        let index = f.index.read().map_err(|_| SearchError::Build)?;
        Ok(index.search(analyzer(), query, filter, offset, limit))
    }
}

/// Follows the change log while the search is alive (a test's application state, dropped,
/// stops its follower).
fn spawn_follower(search: Weak<Search>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(FOLLOW_EVERY).await;
            let Some(s) = search.upgrade() else { break };
            if let Err(e) = s.catch_up().await {
                tracing::warn!(error = ?e, "market index could not follow the change log");
            }
        }
    });
}
