//! Exact panels under group minimums (with or without a cap per organisation): branch and bound
//! over the flow network. Each node relaxes the minimums into bonuses λ on the group's pairs
//! (Lagrangian relaxation): one exact flow per λ gives an upper bound — the flow's true score
//! plus λ times each group's surplus — and, when its panels meet every minimum, an assignment.
//! Subgradient steps tighten λ; a node whose bound cannot beat the best assignment is closed,
//! and otherwise it splits on one pair (assigned / not assigned). The search stops when no node
//! is open — the best assignment is then proven optimal — or when its budget of flow solves is
//! spent, and then says how far from proven it is (the gap).
use crate::assign::network::{self, Groups, Solved};
use crate::assign::{Candidate, Problem};

/// At most this many flow solves in one search (deterministic, so that a round's assignment can
/// be reproduced; on a round of 100 items it is a few seconds).
pub const SOLVE_BUDGET: usize = 3_000;
/// Subgradient steps per node.
const STEPS: usize = 40;
/// Objective values closer than this are equal (scores are compared at 1e-6).
const TOL: f64 = 1e-7;

/// A minimum of one group on one item's panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minimum {
    pub group: usize,
    pub min: usize,
}

/// What the search is given: the problem, the organisation caps, each item's minimums (by
/// group number) and each expert's groups.
pub struct Rules<'p, 'a> {
    pub problem: &'p Problem<'a>,
    /// The largest score's size (at least 1e-3): the scale of a bonus.
    pub spread: f64,
    pub caps: Option<&'p Groups<'p>>,
    pub minimums: Vec<Vec<Minimum>>,
    pub groups_of: Vec<Vec<usize>>,
}

/// The best assignment found, its upper bound's distance (0: proven optimal), and the work.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub best: Option<Solved>,
    pub gap: f64,
    pub nodes: usize,
    pub solves: usize,
    /// Whether the search ended with no node open (an empty `best` is then proof of
    /// infeasibility, a `best` proof of optimality).
    pub complete: bool,
}

/// A node: pairs fixed in and out, the λ it starts from, its parent's bound.
struct Node {
    fixed_in: Vec<(u32, u32)>,
    fixed_out: Vec<(u32, u32)>,
    lambda: Vec<Vec<f64>>,
    bound: f64,
}

/// A node's evaluation: its best bound, its best assignment, the pair to split on.
struct Evaluated {
    bound: f64,
    split: Option<Split>,
    lambda: Vec<Vec<f64>>,
}

/// Which pair to split on, and which side to try first.
struct Split {
    pair: (u32, u32),
    in_first: bool,
}

/// Branch and bound from an assignment already known (e.g. the bonus rounds'), if any.
pub fn search(rules: &Rules<'_, '_>, start: Option<Solved>) -> Found {
    let mut s = Search { rules, best: start, solves: 0 };
    let zero: Vec<Vec<f64>> = rules.minimums.iter().map(|m| vec![0.0; m.len()]).collect();
    let mut open =
        vec![Node { fixed_in: vec![], fixed_out: vec![], lambda: zero, bound: f64::INFINITY }];
    let mut nodes = 0;
    while let Some(node) = open.pop() {
        if node.bound <= s.best_value() + TOL {
            continue;
        }
        if s.solves >= SOLVE_BUDGET {
            open.push(node);
            break;
        }
        nodes += 1;
        let e = s.evaluate(&node);
        let Some(split) = e.split.filter(|_| e.bound > s.best_value() + TOL) else { continue };
        let child = |fix_in: bool| {
            let mut c = Node {
                fixed_in: node.fixed_in.clone(),
                fixed_out: node.fixed_out.clone(),
                lambda: e.lambda.clone(),
                bound: e.bound,
            };
            if fix_in {
                c.fixed_in.push(split.pair)
            } else {
                c.fixed_out.push(split.pair)
            }
            c
        };
        // Depth first: the side to try first goes on top.
        open.push(child(!split.in_first));
        open.push(child(split.in_first));
    }
    let best_value = s.best_value();
    let open_bound = open.iter().map(|n| n.bound).fold(f64::NEG_INFINITY, f64::max);
    let complete = open.iter().all(|n| n.bound <= best_value + TOL);
    let gap = if complete {
        0.0
    } else if s.best.is_some() {
        open_bound - best_value
    } else {
        f64::INFINITY
    };
    Found { best: s.best, gap, nodes, solves: s.solves, complete }
}

struct Search<'r, 'p, 'a> {
    rules: &'r Rules<'p, 'a>,
    best: Option<Solved>,
    solves: usize,
}

/// One flow under λ: its pairs with their true scores, and each item's count of each rule's
/// group.
struct Relaxed {
    pairs: Vec<Candidate>,
    counts: Vec<Vec<usize>>,
}

impl<'a> Search<'_, '_, 'a> {
    fn best_value(&self) -> f64 {
        self.best.as_ref().map_or(f64::NEG_INFINITY, |b| b.objective)
    }

    /// The bonus λ puts on a pair: its item's λ of every group the expert is in.
    fn bonus(&self, lambda: &[Vec<f64>], c: &Candidate) -> f64 {
        let groups = &self.rules.groups_of[c.expert as usize];
        self.rules.minimums[c.item as usize]
            .iter()
            .zip(&lambda[c.item as usize])
            .filter(|(m, _)| groups.contains(&m.group))
            .map(|(_, l)| l)
            .sum()
    }

    /// The node's problem: its fixed-out pairs gone, its fixed-in pairs forced, scores with
    /// the bonuses λ.
    fn problem(&self, node: &Node, lambda: &[Vec<f64>]) -> Problem<'a> {
        let base = self.rules.problem;
        let with_bonus = |c: &Candidate| Candidate { score: c.score + self.bonus(lambda, c), ..*c };
        let mut forced: Vec<Candidate> = base.forced.iter().map(with_bonus).collect();
        let mut candidates = Vec::with_capacity(base.candidates.len());
        for c in &base.candidates {
            let pair = (c.item, c.expert);
            if node.fixed_in.contains(&pair) {
                forced.push(with_bonus(c));
            } else if !node.fixed_out.contains(&pair) {
                candidates.push(with_bonus(c));
            }
        }
        forced.sort_by_key(|c| (c.item, c.expert));
        base.with_pairs(candidates, forced)
    }

    /// One exact flow under λ (None: the node has no assignment at all).
    fn relax(&mut self, node: &Node, lambda: &[Vec<f64>]) -> Option<Relaxed> {
        self.solves += 1;
        let solved = network::solve(&self.problem(node, lambda), self.rules.caps).ok()?;
        let pairs: Vec<Candidate> = solved
            .pairs
            .iter()
            .map(|c| Candidate { score: c.score - self.bonus(lambda, c), ..*c })
            .collect();
        let mut counts: Vec<Vec<usize>> =
            self.rules.minimums.iter().map(|m| vec![0; m.len()]).collect();
        for c in &pairs {
            let groups = &self.rules.groups_of[c.expert as usize];
            for (r, m) in self.rules.minimums[c.item as usize].iter().enumerate() {
                counts[c.item as usize][r] += usize::from(groups.contains(&m.group));
            }
        }
        Some(Relaxed { pairs, counts })
    }

    /// Subgradient steps on λ: the node's best bound, the best assignment met on the way
    /// (kept as the search's best when it beats it), and where to split.
    fn evaluate(&mut self, node: &Node) -> Evaluated {
        let mut lambda = node.lambda.clone();
        let mut bound = node.bound;
        let (mut theta, mut stale) = (1.0, 0);
        let mut last = None;
        for _ in 0..STEPS {
            if self.solves >= SOLVE_BUDGET {
                break;
            }
            let Some(r) = self.relax(node, &lambda) else {
                return Evaluated { bound: f64::NEG_INFINITY, split: None, lambda };
            };
            let truth: f64 = r.pairs.iter().map(|c| c.score).sum();
            let mut surplus = 0.0;
            let mut short = false;
            for ((mins, counts), ls) in self.rules.minimums.iter().zip(&r.counts).zip(&lambda) {
                for ((m, &n), l) in mins.iter().zip(counts).zip(ls) {
                    surplus += l * (n as f64 - m.min as f64);
                    short |= n < m.min;
                }
            }
            if truth + surplus < bound - TOL {
                (bound, stale) = (truth + surplus, 0);
            } else {
                stale += 1;
                if stale >= 4 {
                    (theta, stale) = (theta / 2.0, 0);
                }
            }
            if !short && truth > self.best_value() + TOL {
                self.best = Some(Solved { objective: truth, pairs: r.pairs.clone() });
            }
            let done =
                bound <= self.best_value() + TOL || !self.step(&mut lambda, &r, bound, theta);
            last = Some(r);
            if done {
                break;
            }
        }
        let split = last.and_then(|r| self.split(node, &r, &lambda));
        Evaluated { bound, split, lambda }
    }

    /// A projected subgradient step (Polyak's length towards the best assignment, or a guess
    /// below the bound without one); false when λ cannot move.
    fn step(&self, lambda: &mut [Vec<f64>], r: &Relaxed, bound: f64, theta: f64) -> bool {
        let mut norm = 0.0;
        for ((mins, counts), ls) in self.rules.minimums.iter().zip(&r.counts).zip(lambda.iter()) {
            for ((m, &n), &l) in mins.iter().zip(counts).zip(ls) {
                let g = m.min as f64 - n as f64;
                if !(l <= 0.0 && g < 0.0) {
                    norm += g * g;
                }
            }
        }
        if norm == 0.0 {
            return false;
        }
        // Polyak's step towards the best assignment; without one, a step of the scores' own
        // size (a guess at the target would be off by the whole objective's scale).
        let t = match &self.best {
            Some(b) => theta * (bound - b.objective).max(TOL) / norm,
            None => theta * self.rules.spread / norm.sqrt(),
        };
        for ((mins, counts), ls) in self.rules.minimums.iter().zip(&r.counts).zip(lambda.iter_mut())
        {
            for ((m, &n), l) in mins.iter().zip(counts).zip(ls.iter_mut()) {
                *l = (*l + t * (m.min as f64 - n as f64)).max(0.0);
            }
        }
        true
    }

    /// The pair to split on: for a group an item is short of, its best member not on the panel
    /// (tried assigned first); else, for a group over its minimum that λ still rewards, the
    /// weakest member on the panel (tried unassigned first). None when no free pair is left.
    fn split(&self, node: &Node, r: &Relaxed, lambda: &[Vec<f64>]) -> Option<Split> {
        let fixed = |p: (u32, u32)| node.fixed_in.contains(&p) || node.fixed_out.contains(&p);
        let on_panel = |p: (u32, u32)| r.pairs.iter().any(|c| (c.item, c.expert) == p);
        let in_group =
            |c: &Candidate, g: usize| self.rules.groups_of[c.expert as usize].contains(&g);
        let base = &self.rules.problem.candidates;
        for (i, mins) in self.rules.minimums.iter().enumerate() {
            for (k, m) in mins.iter().enumerate() {
                let n = r.counts[i][k];
                let free = |c: &&Candidate| {
                    c.item as usize == i && in_group(c, m.group) && !fixed((c.item, c.expert))
                };
                if n < m.min {
                    let best = base
                        .iter()
                        .filter(free)
                        .filter(|c| !on_panel((c.item, c.expert)))
                        .max_by(|a, b| a.score.total_cmp(&b.score));
                    if let Some(c) = best {
                        return Some(Split { pair: (c.item, c.expert), in_first: true });
                    }
                } else if n > m.min && lambda[i][k] > 0.0 {
                    let weakest =
                        r.pairs.iter().filter(free).min_by(|a, b| a.score.total_cmp(&b.score));
                    if let Some(c) = weakest {
                        return Some(Split { pair: (c.item, c.expert), in_first: false });
                    }
                }
            }
        }
        None
    }
}
