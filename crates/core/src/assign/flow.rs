//! Min-cost flow by cost scaling with push–relabel (Goldberg's method, as in CS2, LEMON and
//! OR-Tools): ε-optimal flows for ε shrinking by [`ALPHA`] each phase, the residual network in one
//! array sorted by tail, and global price updates — a Dijkstra over ε-units from the deficits that
//! points every excess at its nearest deficit — which also find an infeasible network (an excess
//! that reaches no deficit) without a separate max-flow.
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// An arc of the network as built: from, to, capacity, cost per unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArcSpec {
    pub from: u32,
    pub to: u32,
    pub cap: i64,
    pub cost: i64,
}

/// A network: node count, arcs, each node's supply (positive) or demand (negative).
#[derive(Debug, Clone, Default)]
pub(crate) struct Network {
    pub nodes: usize,
    pub arcs: Vec<ArcSpec>,
    pub supply: Vec<i64>,
}

impl Network {
    pub(crate) fn new(nodes: usize) -> Network {
        Network { nodes, arcs: vec![], supply: vec![0; nodes] }
    }
    /// Adds an arc; returns its number.
    pub(crate) fn add(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
        self.arcs.push(ArcSpec { from: from as u32, to: to as u32, cap, cost });
        self.arcs.len() - 1
    }
    /// The total cost of a flow on these arcs.
    #[cfg(test)]
    pub(crate) fn cost_of(&self, flow: &[i64]) -> i128 {
        self.arcs.iter().zip(flow).map(|(a, &f)| i128::from(a.cost) * i128::from(f)).sum()
    }
}

/// Why no flow: the supplies cannot be routed, or the costs are too wide to scale exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoFlow {
    Infeasible,
    CostRange,
}

/// Each phase divides ε by this (CS2 uses 12, OR-Tools 5). These three constants were measured
/// on `bench/assign.sh`'s instances (5,000 × 2,000 and 20,000 × 5,000): the solve is correct
/// whatever they are, only its speed changes.
const ALPHA: i64 = 12;
/// The first ε is the largest cost over this: the seeded prices ([`seed_prices`]) are already
/// close, so the coarsest phases would only undo them.
const START_DIVISOR: i64 = 64;
/// A global price update at the start of each phase, and again after this many relabels per node.
const UPDATE_AFTER: usize = 8;

/// A residual arc: its head, its reverse's position, residual capacity, cost (scaled).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arc {
    pub head: u32,
    pub rev: u32,
    pub cap: i64,
    pub cost: i64,
}

/// The residual network in one array sorted by tail: node u's arcs are
/// `arcs[first[u]..first[u + 1]]`, each arc's reverse at its `rev`.
pub(crate) struct Residual {
    pub first: Vec<u32>,
    pub arcs: Vec<Arc>,
    /// Where each of the network's arcs sits in `arcs`.
    pub slot: Vec<u32>,
}

impl Residual {
    /// The network with no flow, costs times `scale`.
    pub(crate) fn new(net: &Network, scale: i64) -> Residual {
        let n = net.nodes;
        let mut first = vec![0u32; n + 1];
        for a in &net.arcs {
            first[a.from as usize + 1] += 1;
            first[a.to as usize + 1] += 1;
        }
        for u in 0..n {
            first[u + 1] += first[u];
        }
        let mut fill = first.clone();
        let blank = Arc { head: 0, rev: 0, cap: 0, cost: 0 };
        let mut arcs = vec![blank; 2 * net.arcs.len()];
        let mut slot = Vec::with_capacity(net.arcs.len());
        for a in &net.arcs {
            let (u, v) = (a.from as usize, a.to as usize);
            let (k, r) = (fill[u], fill[v]);
            fill[u] += 1;
            fill[v] += 1;
            arcs[k as usize] = Arc { head: a.to, rev: r, cap: a.cap, cost: a.cost * scale };
            arcs[r as usize] = Arc { head: a.from, rev: k, cap: 0, cost: -a.cost * scale };
            slot.push(k);
        }
        Residual { first, arcs, slot }
    }

    /// Sends `f` units along arc `k`.
    pub(crate) fn push(&mut self, k: usize, f: i64) {
        self.arcs[k].cap -= f;
        let r = self.arcs[k].rev as usize;
        self.arcs[r].cap += f;
    }
}

/// A minimum-cost flow meeting every supply: the flow on each arc, in the network's order.
pub(crate) fn min_cost_flow(net: &Network) -> Result<Vec<i64>, NoFlow> {
    let mut s = Scaling::new(net)?;
    s.run()?;
    Ok(net.arcs.iter().zip(&s.res.slot).map(|(a, &k)| a.cap - s.res.arcs[k as usize].cap).collect())
}

struct Scaling {
    res: Residual,
    price: Vec<i64>,
    excess: Vec<i64>,
    current: Vec<u32>,
    active: VecDeque<u32>,
    eps: i64,
    relabels: usize,
    // Buffers of the price update, kept between updates.
    dist: Vec<u64>,
    scanned: Vec<bool>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Scaling {
    /// The residual network sorted by tail, costs times (n + 1) so that ε < 1 on them is exact.
    fn new(net: &Network) -> Result<Scaling, NoFlow> {
        let n = net.nodes;
        let scale = (n + 1) as i64;
        let max_cost = net.arcs.iter().map(|a| a.cost.unsigned_abs()).max().unwrap_or(0);
        // Prices move by at most a few n·ε₀ in all: keep that well inside i64.
        let limit = (i64::MAX as u64) / 16 / (n as u64 + 1) / (n as u64 + 1);
        if max_cost > limit {
            return Err(NoFlow::CostRange);
        }
        let res = Residual::new(net, scale);
        let mut price = vec![0i64; n];
        seed_prices(&res.first, &res.arcs, &net.supply, &mut price);
        Ok(Scaling {
            current: res.first[..n].to_vec(),
            res,
            price,
            excess: net.supply.clone(),
            active: VecDeque::new(),
            eps: (max_cost as i64 * scale / START_DIVISOR).max(1),
            relabels: 0,
            dist: vec![u64::MAX; n],
            scanned: vec![false; n],
            heap: BinaryHeap::new(),
        })
    }

    fn run(&mut self) -> Result<(), NoFlow> {
        loop {
            self.eps = (self.eps / ALPHA).max(1);
            self.refine()?;
            if self.eps == 1 {
                return Ok(());
            }
        }
    }

    fn reduced(&self, u: usize, a: &Arc) -> i64 {
        a.cost + self.price[u] - self.price[a.head as usize]
    }

    /// One phase: saturate the arcs of negative reduced cost, then discharge until no excess.
    fn refine(&mut self) -> Result<(), NoFlow> {
        let n = self.price.len();
        for u in 0..n {
            for k in self.res.first[u] as usize..self.res.first[u + 1] as usize {
                let a = self.res.arcs[k];
                if a.cap > 0 && self.reduced(u, &a) < 0 {
                    self.push(u, k, a.cap);
                }
            }
        }
        self.active.clear();
        self.active.extend((0..n as u32).filter(|&u| self.excess[u as usize] > 0));
        self.update_prices()?;
        while let Some(u) = self.active.pop_front() {
            self.discharge(u as usize)?;
            if self.relabels > UPDATE_AFTER * n {
                self.update_prices()?;
            }
        }
        Ok(())
    }

    fn push(&mut self, u: usize, k: usize, f: i64) {
        let v = self.res.arcs[k].head as usize;
        self.res.push(k, f);
        self.excess[u] -= f;
        self.excess[v] += f;
    }

    /// Pushes u's excess along admissible arcs (residual, negative reduced cost), relabelling
    /// when none is left.
    fn discharge(&mut self, u: usize) -> Result<(), NoFlow> {
        let end = self.res.first[u + 1] as usize;
        while self.excess[u] > 0 {
            let mut k = self.current[u] as usize;
            while k < end {
                let a = self.res.arcs[k];
                if a.cap > 0 && self.reduced(u, &a) < 0 {
                    let v = a.head as usize;
                    let was = self.excess[v];
                    self.push(u, k, self.excess[u].min(a.cap));
                    if was <= 0 && self.excess[v] > 0 {
                        self.active.push_back(v as u32);
                    }
                    if self.excess[u] == 0 {
                        break;
                    }
                }
                k += 1;
            }
            self.current[u] = k.min(end) as u32;
            if self.excess[u] > 0 {
                self.relabel(u)?;
            }
        }
        Ok(())
    }

    /// Lowers u's price just enough for its best residual arc to become admissible.
    fn relabel(&mut self, u: usize) -> Result<(), NoFlow> {
        let (start, end) = (self.res.first[u] as usize, self.res.first[u + 1] as usize);
        let best = self.res.arcs[start..end]
            .iter()
            .filter(|a| a.cap > 0)
            .map(|a| self.price[a.head as usize] - a.cost)
            .max()
            .ok_or(NoFlow::Infeasible)?;
        self.price[u] = best - self.eps;
        self.current[u] = start as u32;
        self.relabels += 1;
        Ok(())
    }

    /// Global price update: each node's distance to a deficit in ε-units over residual arcs
    /// (an admissible arc is 0 long), found by Dijkstra from the deficits and stopped once every
    /// excess is reached; prices drop by the distance (the unreached by the last one), which
    /// keeps ε-optimality. An excess that reaches no deficit means no feasible flow.
    fn update_prices(&mut self) -> Result<(), NoFlow> {
        self.relabels = 0;
        let mut remaining = self.active.len();
        if remaining == 0 {
            return Ok(());
        }
        self.dist.fill(u64::MAX);
        self.scanned.fill(false);
        self.heap.clear();
        for (v, &x) in self.excess.iter().enumerate() {
            if x < 0 {
                self.dist[v] = 0;
                self.heap.push(Reverse((0, v as u32)));
            }
        }
        let mut level = 0;
        while let Some(Reverse((d, v))) = self.heap.pop() {
            let v = v as usize;
            if self.scanned[v] || d > self.dist[v] {
                continue;
            }
            self.scanned[v] = true;
            level = d;
            if self.excess[v] > 0 {
                remaining -= 1;
                if remaining == 0 {
                    break;
                }
            }
            for k in self.res.first[v] as usize..self.res.first[v + 1] as usize {
                let back = self.res.arcs[self.res.arcs[k].rev as usize];
                let w = self.res.arcs[k].head as usize;
                if back.cap > 0 && !self.scanned[w] {
                    let rc = back.cost + self.price[w] - self.price[v];
                    let len = if rc < 0 { 0 } else { (rc / self.eps) as u64 + 1 };
                    if d + len < self.dist[w] {
                        self.dist[w] = d + len;
                        self.heap.push(Reverse((d + len, w as u32)));
                    }
                }
            }
        }
        if remaining > 0 {
            return Err(NoFlow::Infeasible);
        }
        for v in 0..self.price.len() {
            let d = if self.scanned[v] { self.dist[v] } else { level };
            self.price[v] -= d as i64 * self.eps;
        }
        self.current.copy_from_slice(&self.res.first[..self.price.len()]);
        Ok(())
    }
}

/// Prices for a good start: each node with a supply priced between the cost of the last unit it
/// would send along its cheapest arcs and the next, as if nothing downstream were limited.
fn seed_prices(first: &[u32], arcs: &[Arc], supply: &[i64], price: &mut [i64]) {
    let mut costs: Vec<(i64, i64)> = vec![];
    for (u, &d) in supply.iter().enumerate() {
        if d <= 0 {
            continue;
        }
        costs.clear();
        costs.extend(
            arcs[first[u] as usize..first[u + 1] as usize]
                .iter()
                .filter(|a| a.cap > 0)
                .map(|a| (a.cost, a.cap)),
        );
        costs.sort_unstable();
        let mut left = d;
        let mut k = 0;
        while k < costs.len() && left > costs[k].1 {
            left -= costs[k].1;
            k += 1;
        }
        if k + 1 < costs.len() {
            price[u] = -(costs[k].0 + costs[k + 1].0) / 2;
        }
    }
}
