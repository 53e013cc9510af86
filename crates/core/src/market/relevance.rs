//! Measuring the market's relevance: the contract's plain baseline (jieba's search-mode
//! segmentation and Okapi BM25, k1 = 1.5, b = 0.75, over title, abstract and keywords as one
//! text), our own development queries built from papers, and the mean reciprocal rank. Used by
//! the relevance test and `innocity market relevance` (the benchmark), not to serve.
pub use jieba_rs::Jieba;
use std::collections::HashMap;

pub struct Baseline {
    jieba: Jieba,
    vocab: HashMap<String, usize>,
    postings: Vec<Vec<(u32, u32)>>,
    lengths: Vec<f32>,
}

const K1: f32 = 1.5;
const B: f32 = 0.75;

impl Baseline {
    /// Indexes the texts (their position is their id).
    pub fn new(texts: &[String]) -> Baseline {
        let jieba = Jieba::new();
        let mut vocab: HashMap<String, usize> = HashMap::new();
        let mut postings: Vec<Vec<(u32, u32)>> = Vec::new();
        let mut lengths = Vec::with_capacity(texts.len());
        for (d, text) in texts.iter().enumerate() {
            let words = tokens(&jieba, text);
            lengths.push(words.len() as f32);
            let mut tf: HashMap<usize, u32> = HashMap::new();
            for w in words {
                let next = vocab.len();
                let t = *vocab.entry(w).or_insert(next);
                if t == postings.len() {
                    postings.push(Vec::new());
                }
                *tf.entry(t).or_default() += 1;
            }
            for (t, n) in tf {
                postings[t].push((d as u32, n));
            }
        }
        Baseline { jieba, vocab, postings, lengths }
    }

    /// The best `k` texts for `query`, best first.
    pub fn top(&self, query: &str, k: usize) -> Vec<usize> {
        let n = self.lengths.len() as f32;
        let avg = (self.lengths.iter().sum::<f32>() / n.max(1.0)).max(1.0);
        let mut acc = vec![0f32; self.lengths.len()];
        for w in tokens(&self.jieba, query) {
            let Some(&t) = self.vocab.get(&w) else { continue };
            let list = &self.postings[t];
            let df = list.len() as f32;
            let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
            for &(d, tf) in list {
                let tf = tf as f32;
                let norm = K1 * (1.0 - B + B * self.lengths[d as usize] / avg);
                acc[d as usize] += idf * tf * (K1 + 1.0) / (tf + norm);
            }
        }
        let mut order: Vec<usize> = (0..acc.len()).filter(|&d| acc[d] > 0.0).collect();
        order.sort_by(|a, b| acc[*b].total_cmp(&acc[*a]).then(a.cmp(b)));
        order.truncate(k);
        order
    }
}

/// jieba's search-mode tokens, lower-cased, without whitespace and punctuation.
fn tokens(jieba: &Jieba, text: &str) -> Vec<String> {
    jieba
        .cut_for_search(text, true)
        .into_iter()
        .map(|t| t.word.trim().to_lowercase())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect()
}

/// The mean reciprocal rank within the first 10: for each query, 1/rank of the text it came
/// from when in the first 10, else 0.
pub fn mrr_at_10(ranks: &[Option<usize>]) -> f64 {
    if ranks.is_empty() {
        return 0.0;
    }
    let sum: f64 =
        ranks.iter().map(|r| r.filter(|&r| r < 10).map_or(0.0, |r| 1.0 / (r + 1) as f64)).sum();
    sum / ranks.len() as f64
}

/// A paper as the development queries need it.
pub struct Paper<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub keywords: &'a [String],
}

/// The kinds of query people type, each built from one paper by a fixed rule.
pub const QUERY_KINDS: &[&str] = &[
    "title", "keywords", "sentence", "spaced", "fragment", "keyword", "problem", "mixed", "clause",
];

/// The development query of `kind` for a paper (None when the paper cannot give one).
/// - title: the title as it is;
/// - keywords: its first three keywords, separated by spaces;
/// - sentence: the longest clause of the abstract, at most 40 characters (a problem described);
/// - spaced: the title's words with spaces between them (jieba's plain cut);
/// - fragment: the title without its first and last quarter (what someone half remembers);
/// - keyword: its last keyword alone;
/// - problem: a question about two keywords ("如何解决 A 中的 B 问题");
/// - mixed: the abstract's Latin words and numbers (model names, units) with its first keyword;
/// - clause: 12 characters from the middle of the abstract's second clause.
pub fn dev_query(jieba: &Jieba, kind: &str, p: &Paper<'_>) -> Option<String> {
    let q = match kind {
        "title" => p.title.to_string(),
        "keywords" => p.keywords.iter().take(3).cloned().collect::<Vec<_>>().join(" "),
        "sentence" => {
            let clause = p
                .description
                .split(['，', '。', '；', ',', '.', ';', '：'])
                .max_by_key(|c| c.chars().count())
                .unwrap_or("");
            clause.trim().chars().take(40).collect()
        }
        "spaced" => jieba
            .cut(p.title, false)
            .into_iter()
            .map(|t| t.word.trim())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        "fragment" => {
            let chars: Vec<char> = p.title.chars().collect();
            let quarter = chars.len() / 4;
            chars[quarter..chars.len() - quarter].iter().collect()
        }
        "keyword" => p.keywords.last()?.clone(),
        "problem" => {
            let (a, b) = (p.keywords.first()?, p.keywords.get(1)?);
            format!("如何解决{a}中的{b}问题")
        }
        "mixed" => {
            let latin: Vec<&str> = p
                .description
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| w.len() >= 2)
                .take(3)
                .collect();
            if latin.is_empty() {
                return None;
            }
            format!("{} {}", latin.join(" "), p.keywords.first()?)
        }
        "clause" => {
            let clause = p.description.split(['，', '。', '；', ',', '.', ';']).nth(1)?;
            let chars: Vec<char> = clause.trim().chars().collect();
            let start = chars.len().saturating_sub(12) / 2;
            chars[start..(start + 12).min(chars.len())].iter().collect()
        }
        _ => return None,
    };
    (q.chars().count() >= 2).then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::search::{self, Doc, Facets, Filter, Index, Weights};
    use crate::market::text::Analyzer;

    /// Our ranking beats the contract's baseline on every kind of development query built from
    /// every fifth of the demo's 2,000 papers (the same rule for every paper).
    #[test]
    fn the_market_ranks_better_than_jieba_and_bm25() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/data/csl_papers.tsv");
        let bytes = std::fs::read(path).expect("the CSL papers");
        let papers = crate::market::import::parse_tsv(&bytes).expect("a good file");
        let a = Analyzer::default();
        let mut index = Index::new(Weights::default());
        for (i, p) in papers.iter().enumerate() {
            let doc = Doc {
                id: i as i64,
                external_id: Some(p.external_id.clone()),
                title: p.title.clone(),
                keywords: p.keywords.clone(),
                description: p.description.clone(),
                facets: Facets::default(),
                newest: 0,
            };
            index.upsert(search::analyse(&a, doc));
        }
        let texts: Vec<String> = papers
            .iter()
            .map(|p| format!("{} {} {}", p.title, p.description, p.keywords.join(" ")))
            .collect();
        let baseline = Baseline::new(&texts);
        let jieba = Jieba::new();
        let mut report = Vec::new();
        for kind in QUERY_KINDS {
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            for (i, p) in papers.iter().enumerate().step_by(5) {
                let paper =
                    Paper { title: &p.title, description: &p.description, keywords: &p.keywords };
                let Some(q) = dev_query(&jieba, kind, &paper) else { continue };
                let found = index.search(&a, &q, &Filter::default(), 0, 10);
                ours.push(found.hits.iter().position(|h| h.id == i as i64));
                theirs.push(baseline.top(&q, 10).iter().position(|&d| d == i));
            }
            let (o, t) = (mrr_at_10(&ours), mrr_at_10(&theirs));
            report.push(format!("{kind}: ours {o:.3}, baseline {t:.3} ({} queries)", ours.len()));
            assert!(o >= t, "{report:#?}");
        }
        eprintln!("{report:#?}");
    }
}
