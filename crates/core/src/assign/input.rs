//! The instance by position: ids interned once (borrowed from the input text where they can be),
//! pairs as numbers, and every rule of the contract's input checked — the same checks whether the
//! instance came from a page (an owned [`Instance`]) or from a JSON file read as it streams.
use super::{InputError, Instance, bad};
use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// One kind of id (items or experts): each distinct string gets a number on first sight.
#[derive(Default)]
pub(crate) struct Interner<'a> {
    number: FxHashMap<Cow<'a, str>, u32>,
    pub(crate) names: Vec<Cow<'a, str>>,
}

impl<'a> Interner<'a> {
    pub(crate) fn intern(&mut self, id: Cow<'a, str>) -> u32 {
        if let Some(&n) = self.number.get(id.as_ref()) {
            return n;
        }
        let n = self.names.len() as u32;
        self.names.push(id.clone());
        self.number.insert(id, n);
        n
    }
}

/// An (item, expert) pair by interned numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PairRef {
    pub item: u32,
    pub expert: u32,
}

impl PairRef {
    fn key(self) -> u64 {
        (u64::from(self.item) << 32) | u64::from(self.expert)
    }
}

/// The instance as read, before the checks: ids interned in the order first seen (a score may
/// name an item before the item list does), lists in input order.
#[derive(Default)]
pub(crate) struct Raw<'a> {
    pub items: Interner<'a>,
    pub experts: Interner<'a>,
    /// (interned id, demand), in list order.
    pub item_list: Vec<(u32, i64)>,
    /// (interned id, max_load, min_load), in list order.
    pub expert_list: Vec<(u32, i64, i64)>,
    pub scores: Vec<(PairRef, f64)>,
    pub conflicts: Vec<PairRef>,
    pub forced: Vec<PairRef>,
}

/// A candidate pair by position: scored, not in conflict, not forced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub item: u32,
    pub expert: u32,
    pub score: f64,
}

/// The checked instance by position (items and experts in list order).
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    pub item_ids: Vec<Cow<'a, str>>,
    pub demand: Vec<i64>,
    pub expert_ids: Vec<Cow<'a, str>>,
    pub max_load: Vec<i64>,
    pub min_load: Vec<i64>,
    /// In (item, expert) order.
    pub candidates: Vec<Candidate>,
    /// Forced pairs with their scores (0 without a score line), in (item, expert) order.
    pub forced: Vec<Candidate>,
    /// Conflict pairs' keys, sorted (for re-assignment: a current pair now in conflict goes).
    conflict_keys: Vec<u64>,
}

impl<'a> Problem<'a> {
    /// An owned instance (from a page): its strings are borrowed, not copied.
    pub fn from_instance(inst: &'a Instance) -> Result<Problem<'a>, InputError> {
        let mut raw = Raw::default();
        for it in &inst.items {
            let n = raw.items.intern(Cow::Borrowed(it.id.as_str()));
            raw.item_list.push((n, it.demand));
        }
        for e in &inst.experts {
            let n = raw.experts.intern(Cow::Borrowed(e.id.as_str()));
            raw.expert_list.push((n, e.max_load, e.min_load));
        }
        let mut pair = |item: &'a str, expert: &'a str| PairRef {
            item: raw.items.intern(Cow::Borrowed(item)),
            expert: raw.experts.intern(Cow::Borrowed(expert)),
        };
        let scores: Vec<_> =
            inst.scores.iter().map(|s| (pair(&s.item, &s.expert), s.score)).collect();
        let conflicts: Vec<_> = inst.conflicts.iter().map(|c| pair(&c.item, &c.expert)).collect();
        let forced: Vec<_> = inst.forced.iter().map(|f| pair(&f.item, &f.expert)).collect();
        raw.scores = scores;
        raw.conflicts = conflicts;
        raw.forced = forced;
        raw.check()
    }

    /// The same items and experts with other candidates and forced pairs (each in (item,
    /// expert) order): a branch of a search, or scores with bonuses.
    pub fn with_pairs(&self, candidates: Vec<Candidate>, forced: Vec<Candidate>) -> Problem<'a> {
        Problem {
            item_ids: self.item_ids.clone(),
            demand: self.demand.clone(),
            expert_ids: self.expert_ids.clone(),
            max_load: self.max_load.clone(),
            min_load: self.min_load.clone(),
            candidates,
            forced,
            conflict_keys: self.conflict_keys.clone(),
        }
    }

    /// Whether the pair is in conflict.
    pub fn in_conflict(&self, item: u32, expert: u32) -> bool {
        self.conflict_keys.binary_search(&PairRef { item, expert }.key()).is_ok()
    }

    /// Item and expert positions by id.
    pub fn positions(&self) -> (FxHashMap<&str, u32>, FxHashMap<&str, u32>) {
        (index(&self.item_ids), index(&self.expert_ids))
    }
}

/// Each id's position.
fn index<'s>(ids: &'s [Cow<'_, str>]) -> FxHashMap<&'s str, u32> {
    ids.iter().enumerate().map(|(k, id)| (id.as_ref(), k as u32)).collect()
}

impl<'a> Raw<'a> {
    /// The contract's input rules, each failure naming its entry.
    pub(crate) fn check(self) -> Result<Problem<'a>, InputError> {
        let items = self.place_items()?;
        let experts = self.place_experts()?;
        let (item_pos, expert_pos) = (&items.pos, &experts.pos);
        let at = |what: &str, k: usize, p: PairRef| -> Result<PairRef, InputError> {
            let item = item_pos[p.item as usize];
            if item == u32::MAX {
                let id = &self.items.names[p.item as usize];
                return bad(format!("{what}[{k}]"), format!("unknown item \"{id}\""));
            }
            let expert = expert_pos[p.expert as usize];
            if expert == u32::MAX {
                let id = &self.experts.names[p.expert as usize];
                return bad(format!("{what}[{k}]"), format!("unknown expert \"{id}\""));
            }
            Ok(PairRef { item, expert })
        };
        // (key, score) at 16 bytes a pair, sorted; the buffer becomes the candidates' below.
        let mut scored: Vec<(u64, f64)> = Vec::with_capacity(self.scores.len());
        for (k, &(p, score)) in self.scores.iter().enumerate() {
            let p = at("scores", k, p)?;
            if !score.is_finite() {
                return bad(format!("scores[{k}]"), "the score is not a number");
            }
            scored.push((p.key(), score));
        }
        scored.sort_unstable_by_key(|s| s.0);
        if scored.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(self.second_score());
        }
        let mut conflict_keys = Vec::with_capacity(self.conflicts.len());
        for (k, &p) in self.conflicts.iter().enumerate() {
            conflict_keys.push(at("conflicts", k, p)?.key());
        }
        conflict_keys.sort_unstable();
        conflict_keys.dedup();
        let forced_keys = self.forced_keys(&at, &conflict_keys)?;
        let pair_of = |key: u64, score: f64| Candidate {
            item: (key >> 32) as u32,
            expert: key as u32,
            score,
        };
        let score_of =
            |key: u64| scored.binary_search_by_key(&key, |s| s.0).map_or(0.0, |at| scored[at].1);
        let forced = forced_keys.iter().map(|&key| pair_of(key, score_of(key))).collect();
        // In place: the same 16 bytes a pair, no second buffer.
        let candidates = scored
            .into_iter()
            .filter(|s| {
                conflict_keys.binary_search(&s.0).is_err()
                    && forced_keys.binary_search(&s.0).is_err()
            })
            .map(|s| pair_of(s.0, s.1))
            .collect();
        Ok(Problem {
            item_ids: items.ids,
            demand: items.demand,
            expert_ids: experts.ids,
            max_load: experts.max_load,
            min_load: experts.min_load,
            candidates,
            forced,
            conflict_keys,
        })
    }

    /// The first score line (in input order) for a pair scored before.
    fn second_score(&self) -> InputError {
        let mut seen = rustc_hash::FxHashSet::default();
        let k = self.scores.iter().position(|(p, _)| !seen.insert(p.key())).unwrap_or(0);
        let p = self.scores[k].0;
        let (i, e) = (&self.items.names[p.item as usize], &self.experts.names[p.expert as usize]);
        InputError {
            entry: format!("scores[{k}]"),
            message: format!("a second score for \"{i}\" and \"{e}\""),
        }
    }

    /// The forced pairs' keys, sorted: none in conflict, none twice.
    fn forced_keys(
        &self,
        at: &impl Fn(&str, usize, PairRef) -> Result<PairRef, InputError>,
        conflict_keys: &[u64],
    ) -> Result<Vec<u64>, InputError> {
        let mut forced_at: Vec<(u64, usize)> = Vec::with_capacity(self.forced.len());
        for (k, &p) in self.forced.iter().enumerate() {
            let key = at("forced", k, p)?.key();
            if conflict_keys.binary_search(&key).is_ok() {
                let i = &self.items.names[p.item as usize];
                let e = &self.experts.names[p.expert as usize];
                return bad(
                    format!("forced[{k}]"),
                    format!("\"{i}\" and \"{e}\" are both forced and in conflict"),
                );
            }
            forced_at.push((key, k));
        }
        forced_at.sort_unstable();
        if let Some(k) = forced_at.windows(2).filter(|w| w[0].0 == w[1].0).map(|w| w[1].1).min() {
            return bad(format!("forced[{k}]"), "the same pair is forced twice");
        }
        Ok(forced_at.iter().map(|f| f.0).collect())
    }

    /// Each interned item's position, ids and demands in list order.
    fn place_items(&self) -> Result<PlacedItems<'a>, InputError> {
        let mut pos = vec![u32::MAX; self.items.names.len()];
        let mut ids = Vec::with_capacity(self.item_list.len());
        let mut demand = Vec::with_capacity(self.item_list.len());
        for (i, &(n, d)) in self.item_list.iter().enumerate() {
            let id = &self.items.names[n as usize];
            if pos[n as usize] != u32::MAX {
                return bad(format!("items[{i}] \"{id}\""), "duplicate item id");
            }
            if d < 0 {
                return bad(format!("items[{i}] \"{id}\""), format!("negative demand {d}"));
            }
            pos[n as usize] = i as u32;
            ids.push(id.clone());
            demand.push(d);
        }
        Ok(PlacedItems { pos, ids, demand })
    }

    /// Each interned expert's position, ids and loads in list order.
    fn place_experts(&self) -> Result<PlacedExperts<'a>, InputError> {
        let mut pos = vec![u32::MAX; self.experts.names.len()];
        let mut ids = Vec::with_capacity(self.expert_list.len());
        let (mut max_load, mut min_load) = (vec![], vec![]);
        for (i, &(n, max, min)) in self.expert_list.iter().enumerate() {
            let id = &self.experts.names[n as usize];
            if pos[n as usize] != u32::MAX {
                return bad(format!("experts[{i}] \"{id}\""), "duplicate expert id");
            }
            if min < 0 || max < min {
                return bad(
                    format!("experts[{i}] \"{id}\""),
                    format!("loads must satisfy 0 ≤ min_load ≤ max_load (got {min} and {max})"),
                );
            }
            pos[n as usize] = i as u32;
            ids.push(id.clone());
            max_load.push(max);
            min_load.push(min);
        }
        Ok(PlacedExperts { pos, ids, max_load, min_load })
    }
}

/// The items in list order; `pos` gives each interned id's position (u32::MAX: never listed).
struct PlacedItems<'a> {
    pos: Vec<u32>,
    ids: Vec<Cow<'a, str>>,
    demand: Vec<i64>,
}

/// The experts in list order, as [`PlacedItems`].
struct PlacedExperts<'a> {
    pos: Vec<u32>,
    ids: Vec<Cow<'a, str>>,
    max_load: Vec<i64>,
    min_load: Vec<i64>,
}
