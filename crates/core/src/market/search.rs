//! The market's search index: listed achievements, their terms per field, ranked by BM25F.
//!
//! Each term's postings hold, per document, how often it occurs in the title, the keywords and
//! the description. A document's score for a term adds the three counts, each weighted and
//! normalised by its field's length (BM25F), then saturates them once. Word terms weigh more
//! than bigram terms, which match where segmentation differs. Updating a document marks its
//! old slot dead and appends a new one; [`Index::compact`] drops the dead ones.
use super::text::{Analyzer, BIGRAM_MARK};
use std::collections::HashMap;

/// What the index needs of an achievement.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub id: i64,
    pub external_id: Option<String>,
    pub title: String,
    pub keywords: Vec<String>,
    pub description: String,
    pub facets: Facets,
    /// Newer sorts first when there is no query (the time it was listed, then the id).
    pub newest: i64,
}

/// The values a search may be narrowed by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub discipline: String,
    pub zone: String,
    /// Technology readiness level, 1–9 (0: not stated).
    pub maturity: u8,
    /// Transfer modes (codes of [`super::MODES`]).
    pub modes: Vec<String>,
    /// The asking price in fen; `None`: negotiable (面议).
    pub price_fen: Option<i64>,
}

/// The price band of a price: 0 up to the first of [`super::PRICE_BANDS_WAN`] (inclusive),
/// then one band per bound, then above the last; [`NEGOTIABLE`] when there is no price.
pub fn price_band(price_fen: Option<i64>) -> u8 {
    match price_fen {
        None => NEGOTIABLE,
        Some(fen) => super::PRICE_BANDS_WAN
            .iter()
            .position(|wan| fen <= wan * 1_000_000)
            .unwrap_or(super::PRICE_BANDS_WAN.len()) as u8,
    }
}

/// The band of achievements without a price.
pub const NEGOTIABLE: u8 = super::PRICE_BANDS_WAN.len() as u8 + 1;

/// A narrowing: each given value must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub discipline: Option<String>,
    pub zone: Option<String>,
    pub maturity: Option<u8>,
    pub mode: Option<String>,
    /// A band of [`price_band`].
    pub price_band: Option<u8>,
}

impl Filter {
    fn admits(&self, f: &Facets) -> bool {
        self.discipline.as_ref().is_none_or(|d| *d == f.discipline)
            && self.zone.as_ref().is_none_or(|z| *z == f.zone)
            && self.maturity.is_none_or(|m| m == f.maturity)
            && self.mode.as_ref().is_none_or(|m| f.modes.contains(m))
            && self.price_band.is_none_or(|b| b == price_band(f.price_fen))
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub external_id: Option<String>,
    pub title: String,
    pub score: f32,
}

/// A page of results and how many matched in all, with the matches' facet counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// (discipline, count) over all matches, most first.
    pub disciplines: Vec<(String, usize)>,
    /// (zone code, count), most first.
    pub zones: Vec<(String, usize)>,
    /// (technology readiness level, count), by level; 0: not stated.
    pub maturities: Vec<(u8, usize)>,
    /// (transfer mode, count) in the order of [`super::MODES`].
    pub modes: Vec<(String, usize)>,
    /// (price band, count) by band (see [`price_band`]).
    pub price_bands: Vec<(u8, usize)>,
}

/// Facet values by number, counted per query without hashing.
#[derive(Default)]
struct Numbering {
    values: Vec<String>,
    number_of: HashMap<String, u32>,
}

impl Numbering {
    fn number(&mut self, v: &str) -> u32 {
        if let Some(&n) = self.number_of.get(v) {
            return n;
        }
        let n = self.values.len() as u32;
        self.values.push(v.to_string());
        self.number_of.insert(v.to_string(), n);
        n
    }
    /// The values counted, most first, then by value; empty values left out.
    fn counted(&self, counts: Vec<usize>) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = counts
            .into_iter()
            .enumerate()
            .filter(|(v, n)| *n > 0 && !self.values[*v].is_empty())
            .map(|(v, n)| (self.values[v].clone(), n))
            .collect();
        out.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        out
    }
}

/// The ranking's constants (tuned on queries built from the demo's papers, never on one paper).
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    pub k1: f32,
    /// Field weights: title, keywords, description.
    pub field: [f32; 3],
    /// Length normalisation per field.
    pub b: [f32; 3],
    /// A bigram term's weight against a word term's 1.
    pub bigram: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { k1: 1.2, field: [3.0, 2.0, 1.0], b: [0.5, 0.3, 0.75], bigram: 0.5 }
    }
}

#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    tf: [u16; 3],
}

struct Slot {
    doc: Doc,
}

/// What the facet counts read of a slot: numbers, in a small array of their own (a query's
/// matches may be most of the index; reading the documents for them would miss the cache).
#[derive(Debug, Clone, Copy)]
struct FacetNums {
    /// The discipline's and the zone's numbers (counted per query without hashing).
    discipline: u32,
    zone: u16,
    maturity: u8,
    /// Bit `i` set: offered in mode `MODES[i]`.
    modes: u8,
    band: u8,
}

/// The index. Not thread-safe by itself: the server keeps it behind a lock.
/// What scoring reads of a slot, kept apart from the documents so that walking a posting list
/// touches a small array (the documents' text would push it out of the cache).
#[derive(Debug, Clone, Copy)]
struct Shape {
    lengths: [u32; 3],
    live: bool,
}

#[derive(Default)]
pub struct Index {
    weights: Weights,
    vocab: HashMap<String, u32>,
    postings: Vec<Vec<Posting>>,
    slots: Vec<Slot>,
    shapes: Vec<Shape>,
    facets: Vec<FacetNums>,
    slot_of: HashMap<i64, u32>,
    live: usize,
    total_lengths: [u64; 3],
    disciplines: Numbering,
    zones: Numbering,
}

/// The matches' facet counts, by number.
#[derive(Default)]
struct Tally {
    disciplines: Vec<usize>,
    zones: Vec<usize>,
    maturities: [usize; 10],
    modes: [usize; super::MODES.len()],
    bands: [usize; NEGOTIABLE as usize + 1],
}

impl Tally {
    fn add(&mut self, s: &FacetNums) {
        // A zone past the numbers kept (65,535 zones) is not counted rather than misplaced.
        if let Some(n) = self.disciplines.get_mut(s.discipline as usize) {
            *n += 1;
        }
        if let Some(n) = self.zones.get_mut(usize::from(s.zone)) {
            *n += 1;
        }
        self.maturities[usize::from(s.maturity.min(9))] += 1;
        for (i, n) in self.modes.iter_mut().enumerate() {
            *n += usize::from(s.modes >> i & 1);
        }
        self.bands[usize::from(s.band)] += 1;
    }
}

fn counted_by_number(counts: &[usize]) -> Vec<(u8, usize)> {
    counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(v, n)| (v as u8, *n)).collect()
}

/// A document's terms per field, analysed outside the index's lock.
pub struct Analysed {
    doc: Doc,
    fields: [Vec<String>; 3],
}

/// Analyses a document (the slow part of indexing: done before taking the index's lock).
pub fn analyse(a: &Analyzer, doc: Doc) -> Analysed {
    let fields = [a.terms(&doc.title), a.terms(&doc.keywords.join(" ")), a.terms(&doc.description)];
    Analysed { doc, fields }
}

impl Index {
    pub fn new(weights: Weights) -> Index {
        Index { weights, ..Index::default() }
    }

    /// Listed documents in the index.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Adds a document, or replaces the one with its id.
    pub fn upsert(&mut self, a: Analysed) {
        self.remove(a.doc.id);
        let slot = self.slots.len() as u32;
        let mut counts: HashMap<u32, [u16; 3]> = HashMap::new();
        let mut lengths = [0u32; 3];
        for (f, terms) in a.fields.iter().enumerate() {
            lengths[f] = terms.len() as u32;
            self.total_lengths[f] += terms.len() as u64;
            for t in terms {
                let next = self.vocab.len() as u32;
                let id = *self.vocab.entry(t.clone()).or_insert(next);
                if id as usize == self.postings.len() {
                    self.postings.push(Vec::new());
                }
                let c = counts.entry(id).or_insert([0; 3]);
                c[f] = c[f].saturating_add(1);
            }
        }
        for (t, tf) in counts {
            self.postings[t as usize].push(Posting { slot, tf });
        }
        self.slot_of.insert(a.doc.id, slot);
        let f = &a.doc.facets;
        let discipline = self.disciplines.number(&f.discipline);
        let zone = self.zones.number(&f.zone);
        let modes = super::MODES
            .iter()
            .enumerate()
            .filter(|(_, m)| f.modes.iter().any(|x| x == *m))
            .fold(0u8, |bits, (i, _)| bits | 1 << i);
        let band = price_band(f.price_fen);
        let zone = u16::try_from(zone).unwrap_or(u16::MAX);
        let maturity = f.maturity;
        self.facets.push(FacetNums { discipline, zone, maturity, modes, band });
        self.slots.push(Slot { doc: a.doc });
        self.shapes.push(Shape { lengths, live: true });
        self.live += 1;
    }

    /// Takes a document out (withdrawn, dealt, deleted); unknown ids are ignored.
    pub fn remove(&mut self, id: i64) {
        if let Some(slot) = self.slot_of.remove(&id) {
            let s = &mut self.shapes[slot as usize];
            s.live = false;
            for f in 0..3 {
                self.total_lengths[f] -= s.lengths[f] as u64;
            }
            self.live -= 1;
        }
    }

    /// Whether dead slots are a quarter of all or more (time to [`Index::compact`]).
    pub fn wants_compaction(&self) -> bool {
        self.slots.len() >= 64 && (self.slots.len() - self.live) * 4 >= self.slots.len()
    }

    /// Drops dead slots and their postings.
    pub fn compact(&mut self) {
        let mut new_slot = vec![u32::MAX; self.slots.len()];
        let old = std::mem::take(&mut self.slots);
        let shapes = std::mem::take(&mut self.shapes);
        let facets = std::mem::take(&mut self.facets);
        for (i, ((s, shape), nums)) in old.into_iter().zip(shapes).zip(facets).enumerate() {
            if shape.live {
                new_slot[i] = self.slots.len() as u32;
                self.slot_of.insert(s.doc.id, self.slots.len() as u32);
                self.slots.push(s);
                self.shapes.push(shape);
                self.facets.push(nums);
            }
        }
        for list in &mut self.postings {
            list.retain(|p| new_slot[p.slot as usize] != u32::MAX);
            list.iter_mut().for_each(|p| p.slot = new_slot[p.slot as usize]);
        }
    }

    /// The listed documents matching `query` (all of them, newest first, when it has no
    /// terms), narrowed by `filter`; `limit` results from `offset`.
    pub fn search(
        &self,
        a: &Analyzer,
        query: &str,
        filter: &Filter,
        offset: usize,
        limit: usize,
    ) -> Found {
        let terms = a.terms(query);
        let scored: Vec<(u32, f32)> = if terms.is_empty() {
            self.newest(filter)
        } else {
            self.ranked(&terms, filter, offset.saturating_add(limit))
        };
        let mut tally = Tally {
            disciplines: vec![0; self.disciplines.values.len()],
            zones: vec![0; self.zones.values.len()],
            ..Tally::default()
        };
        for (slot, _) in &scored {
            tally.add(&self.facets[*slot as usize]);
        }
        let hits = scored
            .iter()
            .skip(offset)
            .take(limit)
            .map(|&(slot, score)| {
                let d = &self.slots[slot as usize].doc;
                Hit { id: d.id, external_id: d.external_id.clone(), title: d.title.clone(), score }
            })
            .collect();
        Found {
            total: scored.len(),
            hits,
            disciplines: self.disciplines.counted(tally.disciplines),
            zones: self.zones.counted(tally.zones),
            maturities: counted_by_number(&tally.maturities),
            modes: super::MODES
                .iter()
                .zip(tally.modes)
                .filter(|(_, n)| *n > 0)
                .map(|(m, n)| (m.to_string(), n))
                .collect(),
            price_bands: counted_by_number(&tally.bands),
        }
    }

    fn newest(&self, filter: &Filter) -> Vec<(u32, f32)> {
        let mut all: Vec<u32> = (0..self.slots.len() as u32)
            .filter(|&s| {
                let slot = &self.slots[s as usize];
                self.shapes[s as usize].live && filter.admits(&slot.doc.facets)
            })
            .collect();
        all.sort_by_key(|&s| {
            let d = &self.slots[s as usize].doc;
            (std::cmp::Reverse(d.newest), std::cmp::Reverse(d.id))
        });
        all.into_iter().map(|s| (s, 0.0)).collect()
    }

    fn ranked(&self, terms: &[String], filter: &Filter, top: usize) -> Vec<(u32, f32)> {
        let w = &self.weights;
        let n = self.live.max(1) as f32;
        let avg: Vec<f32> = (0..3).map(|f| (self.total_lengths[f] as f32 / n).max(1.0)).collect();
        let mut query: HashMap<u32, f32> = HashMap::new();
        for t in terms {
            if let Some(&id) = self.vocab.get(t) {
                let weight = if t.starts_with(BIGRAM_MARK) { w.bigram } else { 1.0 };
                *query.entry(id).or_default() += weight;
            }
        }
        // Terms in most documents say little and cost most: those in more than a quarter of
        // the documents are left out, unless the query has nothing rarer.
        let mut terms: Vec<(u32, f32)> = query.into_iter().collect();
        terms.sort_by_key(|(t, _)| (self.postings[*t as usize].len(), *t));
        let common = (self.slots.len() / 4).max(64);
        let rare = terms.iter().filter(|(t, _)| self.postings[*t as usize].len() <= common).count();
        terms.truncate(if rare > 0 { rare } else { terms.len().min(3) });
        let mut acc = vec![0f32; self.slots.len()];
        let mut touched: Vec<u32> = Vec::new();
        for (t, qw) in terms {
            let list = &self.postings[t as usize];
            // Dead postings count until compaction: a small, temporary bias.
            let df = list.len() as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln().max(0.0) * qw.sqrt();
            for p in list {
                let slot = &self.shapes[p.slot as usize];
                if !slot.live {
                    continue;
                }
                let tf: f32 = (0..3)
                    .filter(|&f| p.tf[f] > 0)
                    .map(|f| {
                        let norm = 1.0 - w.b[f] + w.b[f] * slot.lengths[f] as f32 / avg[f];
                        w.field[f] * p.tf[f] as f32 / norm
                    })
                    .sum();
                let a = &mut acc[p.slot as usize];
                if *a == 0.0 {
                    touched.push(p.slot);
                }
                *a += idf * tf / (w.k1 + tf) + f32::MIN_POSITIVE;
            }
        }
        let mut out: Vec<(u32, f32)> = touched
            .into_iter()
            .filter(|s| filter.admits(&self.slots[*s as usize].doc.facets))
            .map(|s| (s, acc[s as usize]))
            .collect();
        let order = |x: &(u32, f32), y: &(u32, f32)| {
            y.1.total_cmp(&x.1).then_with(|| {
                let (a, b) = (&self.slots[x.0 as usize].doc, &self.slots[y.0 as usize].doc);
                b.newest.cmp(&a.newest).then(b.id.cmp(&a.id))
            })
        };
        // Only the first page needs its order; the rest is counted.
        if top < out.len() && top > 0 {
            out.select_nth_unstable_by(top - 1, order);
            out[..top].sort_by(order);
        } else {
            out.sort_by(order);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, title: &str, discipline: &str, newest: i64) -> Doc {
        Doc {
            id,
            external_id: (id < 100).then(|| format!("csl-{id}")),
            title: title.into(),
            keywords: vec![],
            description: String::new(),
            facets: Facets { discipline: discipline.into(), maturity: 5, ..Facets::default() },
            newest,
        }
    }

    fn ids(f: &Found) -> Vec<i64> {
        f.hits.iter().map(|h| h.id).collect()
    }

    #[test]
    fn price_bands_have_inclusive_upper_bounds_and_negotiable_apart() {
        let wan = |w: i64| Some(w * 1_000_000);
        assert_eq!(price_band(wan(0)), 0);
        assert_eq!(price_band(wan(10)), 0, "10 万元 is in the first band");
        assert_eq!(price_band(Some(10 * 1_000_000 + 1)), 1);
        assert_eq!(price_band(wan(50)), 1);
        assert_eq!(price_band(wan(500)), 3);
        assert_eq!(price_band(wan(501)), 4);
        assert_eq!(price_band(None), NEGOTIABLE);
    }

    #[test]
    fn every_facet_is_counted_over_all_matches_and_narrows() {
        let a = Analyzer::default();
        let mut idx = Index::default();
        let facet = |zone: &str, maturity: u8, modes: &[&str], price: Option<i64>| Facets {
            discipline: "材料科学".into(),
            zone: zone.into(),
            maturity,
            modes: modes.iter().map(|m| m.to_string()).collect(),
            price_fen: price,
        };
        let docs = [
            (1, facet("LZGX", 7, &["transfer", "licence"], Some(30_000_000))),
            (2, facet("LZGX", 5, &["licence"], None)),
            (3, facet("BYGX", 7, &["joint"], Some(800_000_000))),
        ];
        for (id, f) in docs {
            let d = Doc { facets: f, ..doc(id, "稀土永磁材料制备", "材料科学", id) };
            idx.upsert(analyse(&a, d));
        }
        let all = idx.search(&a, "稀土永磁", &Filter::default(), 0, 1);
        assert_eq!(all.total, 3);
        assert_eq!(all.zones, vec![("LZGX".to_string(), 2), ("BYGX".to_string(), 1)]);
        assert_eq!(all.maturities, vec![(5, 1), (7, 2)]);
        let modes: Vec<(&str, usize)> = all.modes.iter().map(|(m, n)| (m.as_str(), *n)).collect();
        assert_eq!(modes, vec![("transfer", 1), ("licence", 2), ("joint", 1)]);
        assert_eq!(all.price_bands, vec![(1, 1), (4, 1), (NEGOTIABLE, 1)]);
        let narrow = |f: Filter| ids(&idx.search(&a, "稀土永磁", &f, 0, 10)).len();
        assert_eq!(narrow(Filter { zone: Some("BYGX".into()), ..Filter::default() }), 1);
        assert_eq!(narrow(Filter { price_band: Some(NEGOTIABLE), ..Filter::default() }), 1);
        assert_eq!(
            narrow(Filter { mode: Some("licence".into()), maturity: Some(7), ..Filter::default() }),
            1
        );
    }

    #[test]
    fn updates_removals_filters_and_paging() {
        let a = Analyzer::default();
        let mut index = Index::new(Weights::default());
        for d in [
            doc(1, "稀土永磁同步电机的控制方法", "电气工程", 10),
            doc(2, "锂电池寿命预测", "材料科学", 20),
            doc(3, "永磁材料的制备工艺", "材料科学", 30),
        ] {
            index.upsert(analyse(&a, d));
        }
        let none = Filter::default();
        assert_eq!(ids(&index.search(&a, "", &none, 0, 10)), vec![3, 2, 1], "newest first");
        let found = index.search(&a, "永磁", &none, 0, 10);
        assert_eq!(found.total, 2);
        assert!(found.hits[0].score >= found.hits[1].score && found.hits[1].score > 0.0);
        let materials = Filter { discipline: Some("材料科学".into()), ..Filter::default() };
        assert_eq!(ids(&index.search(&a, "永磁", &materials, 0, 10)), vec![3]);
        assert_eq!(index.search(&a, "永磁", &none, 1, 10).hits.len(), 1, "the second page");
        // An update replaces the document's terms; a removal takes it out.
        index.upsert(analyse(&a, doc(1, "氢燃料电池电堆", "电气工程", 10)));
        assert_eq!(ids(&index.search(&a, "永磁", &none, 0, 10)), vec![3]);
        assert_eq!(ids(&index.search(&a, "燃料电池", &none, 0, 10))[0], 1);
        index.remove(3);
        index.remove(999);
        assert_eq!(index.search(&a, "永磁", &none, 0, 10).total, 0);
        assert_eq!(index.len(), 2);
        index.compact();
        assert_eq!(ids(&index.search(&a, "电池", &none, 0, 10)).len(), 2);
        assert_eq!(ids(&index.search(&a, "", &none, 0, 10)), vec![2, 1]);
        assert_eq!(index.search(&a, "((( *** :::", &none, 0, 10).total, 2, "no terms: all");
    }
}
