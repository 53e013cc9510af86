//! Site-wide search: one index over everything the platform shows the public (calls, notices,
//! policies, achievements, demands, carriers, providers, instruments, service guides), ranked by
//! BM25 over a title and a body, with the matches counted by kind and the query's words marked in
//! a snippet. A signed-in person also finds what their role and scope let them see (applications,
//! their organisation's returns, their reviews), each entry carrying the rule of who may.
//!
//! The text analysis is the market's ([`Analyzer`]): jieba's words and the bigrams of every run of
//! Chinese characters, so a query is only ever text — quotes, colons and operators are not syntax.
use crate::access::{Capability, Principal, Target};
use crate::market::text::{Analyzer, BIGRAM_MARK, Piece, snippet};
use std::collections::HashMap;

/// A query is read up to this many characters; the rest is ignored (and the page says so).
pub const MAX_QUERY_CHARS: usize = 100;

/// What a result is. The codes are the API's and the page's `kind` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Guide,
    Call,
    Notice,
    Policy,
    Achievement,
    Demand,
    Carrier,
    Provider,
    Instrument,
    /// A signed-in organisation's own project applications.
    Application,
    /// A reporting unit's own statistics returns.
    Return,
    /// An expert's own review assignments.
    Review,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::Guide,
        Kind::Call,
        Kind::Notice,
        Kind::Policy,
        Kind::Achievement,
        Kind::Demand,
        Kind::Carrier,
        Kind::Provider,
        Kind::Instrument,
        Kind::Application,
        Kind::Return,
        Kind::Review,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Guide => "guide",
            Kind::Call => "call",
            Kind::Notice => "notice",
            Kind::Policy => "policy",
            Kind::Achievement => "achievement",
            Kind::Demand => "demand",
            Kind::Carrier => "carrier",
            Kind::Provider => "provider",
            Kind::Instrument => "instrument",
            Kind::Application => "application",
            Kind::Return => "return",
            Kind::Review => "review",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether only the person it belongs to (within their scope) may find it.
    pub fn is_private(self) -> bool {
        matches!(self, Kind::Application | Kind::Return | Kind::Review)
    }
}

/// Who may find an entry: the same rule as its page's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    /// A project application: see [`crate::projects::level_on`].
    Application {
        organisation_id: i64,
        leader_user_id: i64,
        unit_path: String,
    },
    /// A statistics return: those who view statistics with the organisation in their scope.
    Return {
        organisation_id: i64,
        unit_path: String,
    },
    /// A review assignment: the expert's own account.
    Expert {
        user_id: i64,
    },
}

impl Audience {
    /// Whether `viewer` (none: a visitor) may find what this audience may.
    pub fn admits(&self, viewer: Option<&Principal>) -> bool {
        let Some(p) = viewer else { return *self == Audience::Everyone };
        match self {
            Audience::Everyone => true,
            Audience::Application { organisation_id, leader_user_id, unit_path } => {
                crate::projects::level_on(
                    p,
                    crate::projects::Holder {
                        organisation_id: *organisation_id,
                        leader_user_id: *leader_user_id,
                        unit_path,
                    },
                )
                .is_some()
            }
            Audience::Return { organisation_id, unit_path } => p
                .authorize_on(
                    Capability::ViewStats,
                    Target { unit_path, organisation_id: Some(*organisation_id) },
                )
                .is_ok(),
            Audience::Expert { user_id } => {
                p.role.allows(Capability::ReviewAsExpert) && p.user_id == *user_id
            }
        }
    }
}

/// One thing to be found.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: Kind,
    pub audience: Audience,
    pub id: i64,
    pub title: String,
    pub body: String,
    /// Where its page is (a path on this site).
    pub url: String,
    /// When it was published or last changed (ms since the epoch; 0: not known).
    pub date_ms: i64,
}

/// An entry with its terms (the slow part: done once per entry, outside any lock).
#[derive(Debug, Clone)]
pub struct Analysed {
    entry: Entry,
    title: Vec<String>,
    body: Vec<String>,
}

pub fn analyse(a: &Analyzer, entry: Entry) -> Analysed {
    let title = a.terms(&entry.title);
    let body = a.terms(&entry.body);
    Analysed { entry, title, body }
}

/// Analyses an entry, reusing the terms of its previous analysis if its text is unchanged.
pub fn analyse_reusing(a: &Analyzer, entry: Entry, previous: Option<Analysed>) -> Analysed {
    match previous {
        Some(p) if p.entry.title == entry.title && p.entry.body == entry.body => {
            Analysed { entry, title: p.title, body: p.body }
        }
        _ => analyse(a, entry),
    }
}

impl Analysed {
    pub fn entry(&self) -> &Entry {
        &self.entry
    }
}

/// BM25's saturation, the title's weight against the body's, length normalisation per field,
/// and a bigram's weight against a word's.
const K1: f32 = 1.2;
const FIELD_WEIGHT: [f32; 2] = [3.0, 1.0];
const FIELD_B: [f32; 2] = [0.5, 0.75];
const BIGRAM_WEIGHT: f32 = 0.5;

#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    tf: [u16; 2],
}

/// The index: built whole from its entries (the server rebuilds it when something changed).
#[derive(Debug, Default)]
pub struct Index {
    vocab: HashMap<String, u32>,
    postings: Vec<Vec<Posting>>,
    entries: Vec<Entry>,
    lengths: Vec<[u32; 2]>,
    average: [f32; 2],
}

/// What is asked: the text, optionally one kind, and the page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub kind: Option<Kind>,
    pub offset: usize,
    pub limit: usize,
}

/// One result, with its title and a window of its body cut into pieces, matches marked.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub id: i64,
    pub url: String,
    pub date_ms: i64,
    pub title: Vec<Piece>,
    pub snippet: Vec<Piece>,
    pub score: f32,
}

/// A page of results, how many matched in all, and how many of each kind (before the kind
/// asked for narrows them, so every facet shows what choosing it would give).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    pub total: usize,
    pub by_kind: Vec<(Kind, usize)>,
    pub hits: Vec<Hit>,
    /// Whether the query was longer than [`MAX_QUERY_CHARS`] and was cut.
    pub clipped: bool,
}

/// The most words marked in a result.
const MAX_MARKS: usize = 32;

/// The width of a snippet, in characters.
const SNIPPET_CHARS: usize = 90;

impl Index {
    pub fn build(docs: Vec<Analysed>) -> Index {
        let mut index = Index::default();
        let mut totals = [0u64; 2];
        for (n, doc) in docs.into_iter().enumerate() {
            let mut counts: HashMap<&str, [u16; 2]> = HashMap::new();
            for (field, terms) in [&doc.title, &doc.body].into_iter().enumerate() {
                for t in terms {
                    let c = counts.entry(t.as_str()).or_default();
                    c[field] = c[field].saturating_add(1);
                }
                totals[field] += terms.len() as u64;
            }
            for (term, tf) in counts {
                let next = index.vocab.len() as u32;
                let id = *index.vocab.entry(term.to_string()).or_insert(next);
                if id as usize == index.postings.len() {
                    index.postings.push(Vec::new());
                }
                index.postings[id as usize].push(Posting { doc: n as u32, tf });
            }
            index.lengths.push([doc.title.len() as u32, doc.body.len() as u32]);
            index.entries.push(doc.entry);
        }
        let n = index.entries.len().max(1) as f32;
        index.average = [(totals[0] as f32 / n).max(1.0), (totals[1] as f32 / n).max(1.0)];
        index
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every match of the query's terms with its score, best first.
    fn matches(&self, terms: &[String]) -> Vec<(u32, f32)> {
        let n = self.entries.len();
        // Scores and counts by document, in arrays (a common bigram touches most documents;
        // a map per query cost more than the scoring).
        let mut scores = vec![0f32; n];
        let mut held = vec![0u32; n];
        let mut touched: Vec<u32> = Vec::new();
        for term in terms {
            let Some(&id) = self.vocab.get(term) else { continue };
            let list = &self.postings[id as usize];
            let idf = (1.0 + (n as f32 - list.len() as f32 + 0.5) / (list.len() as f32 + 0.5)).ln();
            let weight = if term.starts_with(BIGRAM_MARK) { BIGRAM_WEIGHT } else { 1.0 };
            for p in list {
                let d = p.doc as usize;
                let len = self.lengths[d];
                let tf: f32 = (0..2)
                    .map(|f| {
                        let norm = 1.0 - FIELD_B[f] + FIELD_B[f] * len[f] as f32 / self.average[f];
                        FIELD_WEIGHT[f] * f32::from(p.tf[f]) / norm
                    })
                    .sum();
                if held[d] == 0 {
                    touched.push(p.doc);
                }
                scores[d] += weight * idf * tf / (tf + K1);
                held[d] += 1;
            }
        }
        // A match holds at least a third of the query's terms (one common bigram such as 服务
        // is not a match for a long query), and one that holds more comes first among close
        // scores: the score is scaled by the share of terms it holds.
        let wanted = terms.len().max(1);
        let mut out: Vec<(u32, f32)> = touched
            .into_iter()
            .filter(|d| held[*d as usize] as usize * 3 >= wanted)
            .map(|d| {
                let share = held[d as usize] as f32 / wanted as f32;
                (d, scores[d as usize] * share * share)
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}

/// The query's terms, each once, and the words to mark in the snippets.
fn query_terms(a: &Analyzer, text: &str) -> (Vec<String>, Vec<String>) {
    let mut terms = a.terms(text);
    let mut seen = std::collections::HashSet::new();
    terms.retain(|t| seen.insert(t.clone()));
    let mut marks: Vec<String> =
        terms.iter().map(|t| t.trim_start_matches(BIGRAM_MARK).to_string()).collect();
    // Longer words first, so a word is marked whole rather than as its parts; a long query's
    // first words only (each mark is looked for in every result's text).
    marks.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    marks.dedup();
    marks.truncate(MAX_MARKS);
    (terms, marks)
}

/// The query's text as it is searched: trimmed and cut at [`MAX_QUERY_CHARS`].
pub fn clip(text: &str) -> (String, bool) {
    let text = text.trim();
    let clipped = text.chars().count() > MAX_QUERY_CHARS;
    (text.chars().take(MAX_QUERY_CHARS).collect(), clipped)
}

/// Searches the indexes together (the server's and the person's own): the matches `viewer`
/// may find, counted by kind, then the kind asked for, best first, and the page asked for.
pub fn search(
    a: &Analyzer,
    indexes: &[&Index],
    viewer: Option<&Principal>,
    query: &Query,
) -> Found {
    let (text, clipped) = clip(&query.text);
    let (terms, marks) = query_terms(a, &text);
    if terms.is_empty() {
        return Found { clipped, ..Found::default() };
    }
    let mut all: Vec<(&Index, u32, f32)> = Vec::new();
    for index in indexes {
        all.extend(
            index
                .matches(&terms)
                .into_iter()
                .filter(|(doc, _)| index.entries[*doc as usize].audience.admits(viewer))
                .map(|(doc, score)| (*index, doc, score)),
        );
    }
    let mut counts: HashMap<Kind, usize> = HashMap::new();
    for (index, doc, _) in &all {
        *counts.entry(index.entries[*doc as usize].kind).or_default() += 1;
    }
    let by_kind: Vec<(Kind, usize)> =
        Kind::ALL.into_iter().filter_map(|k| counts.get(&k).map(|n| (k, *n))).collect();
    all.retain(|(index, doc, _)| query.kind.is_none_or(|k| index.entries[*doc as usize].kind == k));
    all.sort_by(|x, y| y.2.total_cmp(&x.2));
    let total = all.len();
    let limit = query.limit.clamp(1, 100);
    let hits = all
        .into_iter()
        .skip(query.offset)
        .take(limit)
        .map(|(index, doc, score)| {
            let e = &index.entries[doc as usize];
            Hit {
                kind: e.kind,
                id: e.id,
                url: e.url.clone(),
                date_ms: e.date_ms,
                // The whole title, however far in its first match lies.
                title: snippet(&e.title, &marks, 4 * e.title.chars().count() + 4),
                snippet: snippet(&e.body, &marks, SNIPPET_CHARS),
                score,
            }
        })
        .collect();
    Found { total, by_kind, hits, clipped }
}

#[cfg(test)]
mod tests;
