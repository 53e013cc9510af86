//! The solver before cost scaling got its price updates and one-array residual network: plain
//! push–relabel with a FIFO queue and a Dinic feasibility check. Kept as the reference the fast
//! solver must agree with on random networks (tests only).
use super::flow::Network;

/// The reference's min-cost flow: the flow on each arc, or None when infeasible.
pub(crate) fn min_cost_flow(net: &Network) -> Option<Vec<i64>> {
    let mut g = Graph::new(net.nodes);
    for a in &net.arcs {
        g.add(a.from as usize, a.to as usize, a.cap, a.cost);
    }
    if !g.feasible(&net.supply) {
        return None;
    }
    g.min_cost(&net.supply);
    Some((0..net.arcs.len()).map(|k| g.flow(k)).collect())
}

/// A flow network in adjacency arrays; arc k and its reverse k ^ 1.
struct Graph {
    n: usize,
    head: Vec<usize>,
    cap: Vec<i64>,
    cost: Vec<i64>,
    out: Vec<Vec<usize>>,
    base_cap: Vec<i64>,
}

impl Graph {
    fn new(n: usize) -> Graph {
        Graph { n, head: vec![], cap: vec![], cost: vec![], out: vec![vec![]; n], base_cap: vec![] }
    }
    fn add(&mut self, u: usize, v: usize, cap: i64, cost: i64) {
        let k = self.head.len();
        self.head.extend([v, u]);
        self.cap.extend([cap, 0]);
        self.base_cap.extend([cap, 0]);
        self.cost.extend([cost, -cost]);
        self.out[u].push(k);
        self.out[v].push(k + 1);
    }
    /// Flow on the `k`-th added arc.
    fn flow(&self, k: usize) -> i64 {
        self.base_cap[2 * k] - self.cap[2 * k]
    }

    /// Whether the supplies can be routed at all (a max flow from a super source to a super
    /// sink), without changing the network.
    fn feasible(&self, supply: &[i64]) -> bool {
        let (mut dinic, need) = Dinic::new(self, supply);
        dinic.max_flow() == need
    }

    /// Min-cost flow meeting the supplies (known feasible): cost scaling with push–relabel.
    fn min_cost(&mut self, supply: &[i64]) {
        let n = self.n;
        // Costs times n+1: ε < 1 on these is optimal for the originals (integral).
        let scale = (n + 1) as i64;
        let cost: Vec<i64> = self.cost.iter().map(|c| c * scale).collect();
        let max_c = cost.iter().map(|c| c.abs()).max().unwrap_or(0);
        // The arcs out of each node in one array (fewer pointer chases in the hot loop).
        let mut start = Vec::with_capacity(n + 1);
        let mut adj = Vec::with_capacity(self.head.len());
        for u in 0..n {
            start.push(adj.len());
            adj.extend_from_slice(&self.out[u]);
        }
        start.push(adj.len());
        let mut price = vec![0i64; n];
        let mut excess: Vec<i64> = supply.to_vec();
        let mut eps = max_c.max(1);
        const ALPHA: i64 = 3;
        loop {
            eps = (eps / ALPHA).max(1);
            // Saturate every arc with negative reduced cost.
            for u in 0..n {
                for &k in &adj[start[u]..start[u + 1]] {
                    let v = self.head[k];
                    if self.cap[k] > 0 && cost[k] + price[u] - price[v] < 0 {
                        let f = self.cap[k];
                        self.cap[k] -= f;
                        self.cap[k ^ 1] += f;
                        excess[u] -= f;
                        excess[v] += f;
                    }
                }
            }
            let mut active: std::collections::VecDeque<usize> =
                (0..n).filter(|&u| excess[u] > 0).collect();
            let mut current: Vec<usize> = start[..n].to_vec();
            while let Some(u) = active.pop_front() {
                // Discharge u: push along admissible arcs (residual, negative reduced cost);
                // when none is left, relabel.
                while excess[u] > 0 {
                    if current[u] == start[u + 1] {
                        let mut best = i64::MIN;
                        for &k in &adj[start[u]..start[u + 1]] {
                            if self.cap[k] > 0 {
                                best = best.max(price[self.head[k]] - cost[k] - eps);
                            }
                        }
                        if best == i64::MIN {
                            break; // no residual arc: impossible on a feasible network
                        }
                        price[u] = best;
                        current[u] = start[u];
                        continue;
                    }
                    let k = adj[current[u]];
                    let v = self.head[k];
                    if self.cap[k] > 0 && cost[k] + price[u] - price[v] < 0 {
                        let f = excess[u].min(self.cap[k]);
                        self.cap[k] -= f;
                        self.cap[k ^ 1] += f;
                        excess[u] -= f;
                        let was = excess[v];
                        excess[v] += f;
                        if was <= 0 && excess[v] > 0 {
                            active.push_back(v);
                        }
                    } else {
                        current[u] += 1;
                    }
                }
            }
            if eps == 1 {
                break;
            }
        }
    }
}

/// Dinic's max flow on a copy of a network with a super source and a super sink; the buffers
/// of the phases are kept (no allocation per phase or per path).
struct Dinic {
    ss: usize,
    tt: usize,
    head: Vec<usize>,
    cap: Vec<i64>,
    out: Vec<Vec<usize>>,
    level: Vec<i64>,
    it: Vec<usize>,
    path: Vec<usize>,
    queue: std::collections::VecDeque<usize>,
}

impl Dinic {
    /// The copy, with the super source feeding each supply and each demand draining to the
    /// super sink; and the total supply to route.
    fn new(g: &Graph, supply: &[i64]) -> (Dinic, i64) {
        let n = g.n + 2;
        let mut d = Dinic {
            ss: g.n,
            tt: g.n + 1,
            head: g.head.clone(),
            cap: g.cap.clone(),
            out: g.out.clone(),
            level: vec![-1i64; n],
            it: vec![0usize; n],
            path: Vec::new(),
            queue: std::collections::VecDeque::new(),
        };
        d.out.resize(n, vec![]);
        let mut need = 0;
        for (v, &b) in supply.iter().enumerate() {
            if b > 0 {
                d.add(d.ss, v, b);
                need += b;
            } else if b < 0 {
                d.add(v, d.tt, -b);
            }
        }
        (d, need)
    }

    fn add(&mut self, u: usize, v: usize, c: i64) {
        let k = self.head.len();
        self.head.extend([v, u]);
        self.cap.extend([c, 0]);
        self.out[u].push(k);
        self.out[v].push(k + 1);
    }

    fn max_flow(&mut self) -> i64 {
        let mut flow = 0;
        while self.levels() {
            self.it.fill(0);
            while let Some(f) = self.augment() {
                flow += f;
            }
        }
        flow
    }

    /// BFS levels from the super source; whether the super sink is reached.
    fn levels(&mut self) -> bool {
        self.level.fill(-1);
        self.level[self.ss] = 0;
        self.queue.clear();
        self.queue.push_back(self.ss);
        while let Some(u) = self.queue.pop_front() {
            for &k in &self.out[u] {
                if self.cap[k] > 0 && self.level[self.head[k]] < 0 {
                    self.level[self.head[k]] = self.level[u] + 1;
                    self.queue.push_back(self.head[k]);
                }
            }
        }
        self.level[self.tt] >= 0
    }

    /// Pushes the bottleneck along one augmenting path of the level graph, if there is one.
    fn augment(&mut self) -> Option<i64> {
        if !self.find_path() {
            return None;
        }
        let f = self.path.iter().map(|&k| self.cap[k]).min().unwrap_or(0);
        for &k in &self.path {
            self.cap[k] -= f;
            self.cap[k ^ 1] += f;
        }
        Some(f)
    }

    /// Iterative DFS for one augmenting path in the level graph (into `path`).
    fn find_path(&mut self) -> bool {
        self.path.clear();
        let mut u = self.ss;
        loop {
            if u == self.tt {
                return true;
            }
            let mut advanced = false;
            while self.it[u] < self.out[u].len() {
                let k = self.out[u][self.it[u]];
                let v = self.head[k];
                if self.cap[k] > 0 && self.level[v] == self.level[u] + 1 {
                    self.path.push(k);
                    u = v;
                    advanced = true;
                    break;
                }
                self.it[u] += 1;
            }
            if !advanced {
                match self.path.pop() {
                    None => return false,
                    Some(k) => {
                        u = self.head[k ^ 1];
                        self.it[u] += 1;
                    }
                }
            }
        }
    }
}
