//! The technology market (技术市场): achievements, their public search, and the import of
//! achievements from a file.
//!
//! Search is an in-memory inverted index ([`search::Index`]) over each listed achievement's
//! title, keywords and description, analysed by [`text::Analyzer`] (jieba's search-mode words
//! plus Chinese character bigrams), ranked by BM25F. The store keeps the records; each server
//! keeps its own index and follows the database's change log.
pub mod achievements;
pub mod brokerage;
pub mod challenges;
pub mod contracts;
pub mod demands;
pub mod figures;
pub mod import;
pub mod relevance;
pub mod search;
pub mod text;

/// How an achievement may be transferred (转化方式).
pub const MODES: &[&str] = &["transfer", "licence", "equity", "joint"];

/// The price bands of the market's facets, in 万元 (upper bounds; the last is open).
pub const PRICE_BANDS_WAN: &[i64] = &[10, 50, 100, 500];

/// A query as people type it may be long, but not unbounded (the contract's limit).
pub const MAX_QUERY_CHARS: usize = 1_000;
/// The most results one page may ask for (the contract's limit).
pub const MAX_LIMIT: usize = 100;
/// Results per page when none is asked for.
pub const DEFAULT_LIMIT: usize = 20;
