//! Re-assignment after a decline or a new conflict, from the current assignment (a warm start):
//! the pairs that may stay keep their flow, and successive shortest paths carry each review left
//! open to the nearest place that can take it. Costs are lexicographic — first the accepted
//! reviews moved, then the score — so the result moves as few accepted reviews as any assignment
//! can, and among those has the best total score; it is an exact optimum of that order.
//!
//! Why the start needs no solve: with every current pair flowing, each residual cycle gives up a
//! current pair for every item it passes, so prices 0 on items and groups and the least pair cost
//! on experts and the sink make every reduced cost non-negative — Dijkstra applies at once.
use super::flow::{Network, Residual};
use super::input::{Candidate, Problem};
use super::network::{self, Groups, INFEASIBLE, Solved};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::{Add, Sub};

/// Why a pair left or joined an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// Declined, or in conflict now: the pair may not stay.
    Conflict,
    /// No longer a candidate (its score line is gone).
    NotCandidate,
    /// Moved to make room where no other way was left.
    Moved,
    /// Joined to fill a place left open.
    Replacement,
}

/// One pair that left (`added` false) or joined the assignment, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub pair: Candidate,
    pub added: bool,
    pub why: Why,
}

/// The re-assignment, what changed, and how many accepted reviews were moved.
#[derive(Debug, Clone, PartialEq)]
pub struct Repaired {
    pub solved: Solved,
    pub changes: Vec<Change>,
    pub moved: usize,
}

/// A cost in lexicographic order: accepted reviews given up, then score cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Cost {
    moves: i64,
    score: i64,
}

impl Add for Cost {
    type Output = Cost;
    fn add(self, o: Cost) -> Cost {
        Cost { moves: self.moves + o.moves, score: self.score + o.score }
    }
}

impl Sub for Cost {
    type Output = Cost;
    fn sub(self, o: Cost) -> Cost {
        Cost { moves: self.moves - o.moves, score: self.score - o.score }
    }
}

/// Re-assigns from `current` (pairs by position, as assigned before; forced pairs and
/// duplicates are fine): every rule of the problem holds afterwards, as in [`network::solve`].
pub fn reassign(
    p: &Problem<'_>,
    groups: Option<&Groups<'_>>,
    current: &[(u32, u32)],
) -> Result<Repaired, String> {
    let built = network::build(p, groups)?;
    let mut keys: Vec<u64> =
        current.iter().map(|&(i, e)| (u64::from(i) << 32) | u64::from(e)).collect();
    keys.sort_unstable();
    keys.dedup();
    let is_current = |c: &Candidate| {
        keys.binary_search(&((u64::from(c.item) << 32) | u64::from(c.expert))).is_ok()
    };
    let mut w = Warm::new(&built.net);
    let mut moves = vec![0i8; w.res.arcs.len()];
    for (c, &arc) in p.candidates.iter().zip(&built.candidate_arc) {
        if is_current(c) {
            let k = w.res.slot[arc] as usize;
            moves[k] = -1;
            moves[w.res.arcs[k].rev as usize] = 1;
            w.send(&built.net, arc, 1);
        }
    }
    let sink = p.item_ids.len() + p.expert_ids.len();
    w.balance_inner_nodes(&built.net, p.item_ids.len(), sink);
    let least = built.candidate_arc.iter().map(|&a| built.net.arcs[a].cost).min().unwrap_or(0);
    for v in p.item_ids.len()..=sink {
        w.price[v] = Cost { moves: 0, score: least };
    }
    while w.excess.iter().any(|&x| x > 0) {
        w.augment(&moves)?;
    }
    let chosen = built.candidate_arc.iter().map(|&a| w.res.arcs[w.res.slot[a] as usize].cap == 0);
    let solved = network::solved(p, chosen);
    Ok(changes(p, &keys, solved))
}

/// What left and joined, compared with the current pairs (as sorted keys).
fn changes(p: &Problem<'_>, current: &[u64], solved: Solved) -> Repaired {
    let key = |c: &Candidate| (u64::from(c.item) << 32) | u64::from(c.expert);
    let now: Vec<u64> = solved.pairs.iter().map(key).collect();
    let mut changes: Vec<Change> = vec![];
    for &k in current {
        if now.binary_search(&k).is_err() {
            let pair = Candidate { item: (k >> 32) as u32, expert: k as u32, score: 0.0 };
            let found = p.candidates.binary_search_by_key(&k, key);
            let why = match found {
                _ if p.in_conflict(pair.item, pair.expert) => Why::Conflict,
                Err(_) => Why::NotCandidate,
                Ok(_) => Why::Moved,
            };
            let score = found.map_or(0.0, |at| p.candidates[at].score);
            changes.push(Change { pair: Candidate { score, ..pair }, added: false, why });
        }
    }
    for c in &solved.pairs {
        if current.binary_search(&key(c)).is_err() {
            changes.push(Change { pair: *c, added: true, why: Why::Replacement });
        }
    }
    let moved = changes.iter().filter(|c| c.why == Why::Moved).count();
    Repaired { solved, changes, moved }
}

/// The residual network with the current flow, its excesses and prices, and Dijkstra's buffers.
struct Warm {
    res: Residual,
    excess: Vec<i64>,
    price: Vec<Cost>,
    dist: Vec<Cost>,
    scanned: Vec<bool>,
    parent: Vec<u32>,
}

const FAR: Cost = Cost { moves: i64::MAX, score: i64::MAX };

impl Warm {
    fn new(net: &Network) -> Warm {
        let n = net.nodes;
        Warm {
            res: Residual::new(net, 1),
            excess: net.supply.clone(),
            price: vec![Cost::default(); n],
            dist: vec![FAR; n],
            scanned: vec![false; n],
            parent: vec![u32::MAX; n],
        }
    }

    /// Sends `f` units along the network's arc `arc`.
    fn send(&mut self, net: &Network, arc: usize, f: i64) {
        self.res.push(self.res.slot[arc] as usize, f);
        self.excess[net.arcs[arc].from as usize] -= f;
        self.excess[net.arcs[arc].to as usize] += f;
    }

    /// Group nodes draw their pairs' flow from their item (up to the cap), experts pass their
    /// load above the minimum on to the sink (up to the rest of their load): what is left over
    /// either way is an excess or a deficit for the paths to settle.
    /// (Items come first, then experts, the sink, and the group nodes.)
    fn balance_inner_nodes(&mut self, net: &Network, items: usize, sink: usize) {
        for (arc, a) in net.arcs.iter().enumerate() {
            let (from, to) = (a.from as usize, a.to as usize);
            let need = if from < items && to > sink {
                -self.excess[to]
            } else if to == sink {
                self.excess[from]
            } else {
                continue;
            };
            let f = need.clamp(0, a.cap);
            if f > 0 {
                self.send(net, arc, f);
            }
        }
    }

    /// One shortest path (reduced costs, from every excess) to the nearest deficit; carries
    /// what it can along it and keeps the prices' reduced costs non-negative.
    fn augment(&mut self, moves: &[i8]) -> Result<(), String> {
        self.dist.fill(FAR);
        self.scanned.fill(false);
        let mut heap: BinaryHeap<Reverse<(Cost, u32)>> = BinaryHeap::new();
        for (v, &x) in self.excess.iter().enumerate() {
            if x > 0 {
                self.dist[v] = Cost::default();
                self.parent[v] = u32::MAX;
                heap.push(Reverse((Cost::default(), v as u32)));
            }
        }
        let mut target = None;
        while let Some(Reverse((d, u))) = heap.pop() {
            let u = u as usize;
            if self.scanned[u] || d > self.dist[u] {
                continue;
            }
            self.scanned[u] = true;
            if self.excess[u] < 0 {
                target = Some((u, d));
                break;
            }
            let res = &self.res;
            let span = res.first[u] as usize..res.first[u + 1] as usize;
            for ((k, a), &moved) in res.arcs[span.clone()].iter().enumerate().zip(&moves[span]) {
                let k = k + res.first[u] as usize;
                let v = a.head as usize;
                if a.cap <= 0 || self.scanned[v] {
                    continue;
                }
                let cost = Cost { moves: i64::from(moved), score: a.cost };
                let nd = d + (cost + self.price[u] - self.price[v]);
                if nd < self.dist[v] {
                    self.dist[v] = nd;
                    self.parent[v] = k as u32;
                    heap.push(Reverse((nd, v as u32)));
                }
            }
        }
        let Some((t, reach)) = target else { return Err(INFEASIBLE.into()) };
        for v in 0..self.price.len() {
            let d = if self.scanned[v] { self.dist[v] } else { reach };
            self.price[v] = self.price[v] + d.min(reach);
        }
        self.carry(t);
        Ok(())
    }

    /// Carries the bottleneck along the path found into `t`.
    fn carry(&mut self, t: usize) {
        let mut f = -self.excess[t];
        let mut v = t;
        while self.parent[v] != u32::MAX {
            let k = self.parent[v] as usize;
            f = f.min(self.res.arcs[k].cap);
            v = self.res.arcs[self.res.arcs[k].rev as usize].head as usize;
        }
        f = f.min(self.excess[v]);
        self.excess[v] -= f;
        self.excess[t] += f;
        let mut v = t;
        while self.parent[v] != u32::MAX {
            let k = self.parent[v] as usize;
            self.res.push(k, f);
            v = self.res.arcs[self.res.arcs[k].rev as usize].head as usize;
        }
    }
}

#[cfg(test)]
mod tests;
