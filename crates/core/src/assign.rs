//! Optimal reviewer assignment (`innocity assign`, `shared/contracts/assignment.md`): maximise the
//! total affinity so that every item gets exactly its demand of distinct reviewers, every expert a
//! load between min and max, no conflict pair, every forced pair — as a min-cost flow, solved by
//! cost scaling with push–relabel (Goldberg's method, as OR-Tools' solver), on integer costs.
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Item {
    pub id: String,
    pub demand: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Expert {
    pub id: String,
    pub max_load: i64,
    #[serde(default)]
    pub min_load: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Score {
    pub item: String,
    pub expert: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Pair {
    pub item: String,
    pub expert: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
pub struct Instance {
    pub items: Vec<Item>,
    pub experts: Vec<Expert>,
    #[serde(default)]
    pub scores: Vec<Score>,
    #[serde(default)]
    pub conflicts: Vec<Pair>,
    #[serde(default)]
    pub forced: Vec<Pair>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assigned {
    pub item: String,
    pub expert: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Optimal {
        objective: f64,
        pairs: Vec<Assigned>,
    },
    /// What cannot be met, in words that name it.
    Infeasible(String),
}

/// Malformed input: which entry, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry}: {message}")]
pub struct InputError {
    pub entry: String,
    pub message: String,
}

fn bad<T>(entry: String, message: impl Into<String>) -> Result<T, InputError> {
    Err(InputError { entry, message: message.into() })
}

/// Scores become integers with this many units per 1.0 (ties below 1e-6 are ties).
const SCALE: f64 = 1e6;

/// Checks the instance and solves it.
pub fn solve(inst: &Instance) -> Result<Outcome, InputError> {
    solve_capped(inst, None)
}

/// At most `cap` experts of one group (an organisation) on each item: each expert's group by
/// expert id; experts without one are not limited.
pub struct GroupCap<'a> {
    pub group_of: &'a HashMap<String, String>,
    pub cap: i64,
}

/// [`solve`] with a cap per (item, group), exact: the network routes each item's flow through
/// one node per group with the cap as its capacity.
pub fn solve_capped(inst: &Instance, caps: Option<GroupCap<'_>>) -> Result<Outcome, InputError> {
    let ids = Ids::check(inst)?;
    let pairs = Pairs::read(inst, &ids)?;
    // Past the input checks, every stop is an infeasibility that names what cannot be met.
    Ok(Solver::solve(inst, caps.as_ref(), &ids, &pairs).unwrap_or_else(Outcome::Infeasible))
}

/// Each item's and expert's position by id, checked unique (and their demands and loads sane).
struct Ids<'a> {
    item: HashMap<&'a str, usize>,
    expert: HashMap<&'a str, usize>,
}

impl<'a> Ids<'a> {
    fn check(inst: &'a Instance) -> Result<Ids<'a>, InputError> {
        let mut item: HashMap<&str, usize> = HashMap::new();
        for (i, it) in inst.items.iter().enumerate() {
            if item.insert(it.id.as_str(), i).is_some() {
                return bad(format!("items[{i}] \"{}\"", it.id), "duplicate item id");
            }
            if it.demand < 0 {
                return bad(
                    format!("items[{i}] \"{}\"", it.id),
                    format!("negative demand {}", it.demand),
                );
            }
        }
        let mut expert: HashMap<&str, usize> = HashMap::new();
        for (i, e) in inst.experts.iter().enumerate() {
            if expert.insert(e.id.as_str(), i).is_some() {
                return bad(format!("experts[{i}] \"{}\"", e.id), "duplicate expert id");
            }
            if e.min_load < 0 || e.max_load < e.min_load {
                return bad(
                    format!("experts[{i}] \"{}\"", e.id),
                    format!(
                        "loads must satisfy 0 ≤ min_load ≤ max_load (got {} and {})",
                        e.min_load, e.max_load
                    ),
                );
            }
        }
        Ok(Ids { item, expert })
    }

    /// The (item, expert) positions of entry `k` of the list `what`.
    fn pair(
        &self,
        what: &str,
        k: usize,
        item: &str,
        expert: &str,
    ) -> Result<(usize, usize), InputError> {
        let i = *self.item.get(item).ok_or_else(|| InputError {
            entry: format!("{what}[{k}]"),
            message: format!("unknown item \"{item}\""),
        })?;
        let e = *self.expert.get(expert).ok_or_else(|| InputError {
            entry: format!("{what}[{k}]"),
            message: format!("unknown expert \"{expert}\""),
        })?;
        Ok((i, e))
    }
}

/// The instance's scores, conflicts and forced pairs by (item, expert) position.
struct Pairs {
    score: HashMap<(usize, usize), f64>,
    conflict: HashSet<(usize, usize)>,
    forced: HashSet<(usize, usize)>,
}

impl Pairs {
    fn read(inst: &Instance, ids: &Ids<'_>) -> Result<Pairs, InputError> {
        let mut score: HashMap<(usize, usize), f64> = HashMap::new();
        for (k, s) in inst.scores.iter().enumerate() {
            let key = ids.pair("scores", k, &s.item, &s.expert)?;
            if !s.score.is_finite() {
                return bad(format!("scores[{k}]"), "the score is not a number");
            }
            if score.insert(key, s.score).is_some() {
                return bad(
                    format!("scores[{k}]"),
                    format!("a second score for \"{}\" and \"{}\"", s.item, s.expert),
                );
            }
        }
        let mut conflict: HashSet<(usize, usize)> = HashSet::new();
        for (k, c) in inst.conflicts.iter().enumerate() {
            conflict.insert(ids.pair("conflicts", k, &c.item, &c.expert)?);
        }
        let mut forced: HashSet<(usize, usize)> = HashSet::new();
        for (k, f) in inst.forced.iter().enumerate() {
            let key = ids.pair("forced", k, &f.item, &f.expert)?;
            if conflict.contains(&key) {
                return bad(
                    format!("forced[{k}]"),
                    format!("\"{}\" and \"{}\" are both forced and in conflict", f.item, f.expert),
                );
            }
            if !forced.insert(key) {
                return bad(format!("forced[{k}]"), "the same pair is forced twice");
            }
        }
        Ok(Pairs { score, conflict, forced })
    }

    /// Candidates: scored, not in conflict, not already forced; in (item, expert) order.
    fn candidates(&self) -> Vec<(usize, usize, f64)> {
        let mut cands: Vec<(usize, usize, f64)> = self
            .score
            .iter()
            .filter(|(k, _)| !self.conflict.contains(k) && !self.forced.contains(k))
            .map(|(&(i, e), &s)| (i, e, s))
            .collect();
        cands.sort_by_key(|a| (a.0, a.1));
        cands
    }
}

/// The demands and loads left once the forced pairs are taken, and the forced pairs in order.
struct Loads {
    demand: Vec<i64>,
    max_load: Vec<i64>,
    min_load: Vec<i64>,
    fixed: Vec<(usize, usize)>,
}

impl Loads {
    /// Forced pairs are taken first: they use demand and load.
    fn take_forced(inst: &Instance, forced: &HashSet<(usize, usize)>) -> Result<Loads, String> {
        let mut demand: Vec<i64> = inst.items.iter().map(|i| i.demand).collect();
        let mut max_load: Vec<i64> = inst.experts.iter().map(|e| e.max_load).collect();
        let mut min_load: Vec<i64> = inst.experts.iter().map(|e| e.min_load).collect();
        let mut fixed: Vec<(usize, usize)> = forced.iter().copied().collect();
        fixed.sort_unstable();
        for &(i, e) in &fixed {
            demand[i] -= 1;
            max_load[e] -= 1;
            min_load[e] = (min_load[e] - 1).max(0);
            if demand[i] < 0 {
                return Err(format!(
                    "item {} has more forced experts than its demand {}",
                    inst.items[i].id, inst.items[i].demand
                ));
            }
            if max_load[e] < 0 {
                return Err(format!(
                    "expert {} is forced on more items than its max_load {}",
                    inst.experts[e].id, inst.experts[e].max_load
                ));
            }
        }
        Ok(Loads { demand, max_load, min_load, fixed })
    }

    /// The total demand and the experts' total minimum load, checked against each other and
    /// the experts' total capacity.
    fn totals(&self) -> Result<(i64, i64), String> {
        let total: i64 = self.demand.iter().sum();
        let capacity: i64 = self.max_load.iter().sum();
        if total > capacity {
            return Err(format!(
                "total demand {total} exceeds the experts' total capacity {capacity}"
            ));
        }
        let floor: i64 = self.min_load.iter().sum();
        if floor > total {
            return Err(format!(
                "the experts' minimum loads ({floor}) exceed the total demand {total}"
            ));
        }
        Ok((total, floor))
    }
}

/// One (item, group) node: its node number and the capacity left.
type GroupNodes<'a> = HashMap<(usize, &'a str), (usize, i64)>;

/// The checked instance on its way to a flow network.
struct Solver<'a, 'c> {
    inst: &'a Instance,
    caps: Option<&'c GroupCap<'a>>,
    loads: Loads,
    cands: Vec<(usize, usize, f64)>,
    group_node: GroupNodes<'a>,
}

impl<'a, 'c> Solver<'a, 'c> {
    /// Plain reasons first (they name what cannot be met), then the flow network.
    fn solve(
        inst: &'a Instance,
        caps: Option<&'c GroupCap<'a>>,
        ids: &Ids<'_>,
        pairs: &Pairs,
    ) -> Result<Outcome, String> {
        let loads = Loads::take_forced(inst, &pairs.forced)?;
        let cands = pairs.candidates();
        let mut s = Solver { inst, caps, loads, cands, group_node: HashMap::new() };
        let (total, floor) = s.loads.totals()?;
        let reachable = s.check_eligible()?;
        if let Some(gc) = caps {
            s.group_nodes(gc)?;
        }
        s.check_reachable(&reachable)?;
        let (mut g, supply, first_pair_arc) = s.network(total, floor);
        if !g.feasible(&supply) {
            return Err("the demands, loads and conflicts cannot all be met together (no assignment gives every item its demand within the experts' loads)".into());
        }
        g.min_cost(&supply);
        Ok(s.outcome(&g, first_pair_arc, ids, pairs))
    }

    /// Every item has enough candidates for its demand; returns each expert's candidates.
    fn check_eligible(&self) -> Result<Vec<i64>, String> {
        let (ni, ne) = (self.inst.items.len(), self.inst.experts.len());
        let mut eligible = vec![0i64; ni];
        let mut reachable = vec![0i64; ne];
        for &(i, e, _) in &self.cands {
            eligible[i] += 1;
            reachable[e] += 1;
        }
        for ((it, &have), &need) in self.inst.items.iter().zip(&eligible).zip(&self.loads.demand) {
            if have < need {
                return Err(format!(
                    "item {} has {have} eligible experts (scored, not in conflict) for a demand of {need}",
                    it.id
                ));
            }
        }
        Ok(reachable)
    }

    /// Every expert has enough candidates for its minimum load.
    fn check_reachable(&self, reachable: &[i64]) -> Result<(), String> {
        for ((ex, &can), &min) in self.inst.experts.iter().zip(reachable).zip(&self.loads.min_load)
        {
            if can < min {
                return Err(format!(
                    "expert {} can take {can} items (scored, not in conflict) but needs at least {min}",
                    ex.id
                ));
            }
        }
        Ok(())
    }

    /// Group nodes: one per (item, group) with candidates; forced pairs use up their cap.
    fn group_nodes(&mut self, gc: &GroupCap<'a>) -> Result<(), String> {
        let inst = self.inst;
        let n0 = inst.items.len() + inst.experts.len() + 2;
        for &(i, e) in &self.loads.fixed {
            if let Some(gname) = gc.group_of.get(&inst.experts[e].id) {
                let len = self.group_node.len();
                let entry =
                    self.group_node.entry((i, gname.as_str())).or_insert((n0 + len, gc.cap));
                entry.1 -= 1;
                if entry.1 < 0 {
                    return Err(format!(
                        "item {} has more forced experts from {gname} than the {} allowed per organisation",
                        inst.items[i].id, gc.cap
                    ));
                }
            }
        }
        self.check_room(gc, n0)
    }

    /// Every item has enough candidates for its demand with at most the cap from each group
    /// (registering the candidates' group nodes).
    fn check_room(&mut self, gc: &GroupCap<'a>, n0: usize) -> Result<(), String> {
        let inst = self.inst;
        let mut room = vec![0i64; inst.items.len()];
        let mut per: HashMap<(usize, &str), i64> = HashMap::new();
        for &(i, e, _) in &self.cands {
            match gc.group_of.get(&inst.experts[e].id) {
                Some(gname) => {
                    let len = self.group_node.len();
                    let cap =
                        self.group_node.entry((i, gname.as_str())).or_insert((n0 + len, gc.cap)).1;
                    let k = per.entry((i, gname.as_str())).or_default();
                    if *k < cap {
                        *k += 1;
                        room[i] += 1;
                    }
                }
                None => room[i] += 1,
            }
        }
        for ((it, &has), &need) in inst.items.iter().zip(&room).zip(&self.loads.demand) {
            if has < need {
                return Err(format!(
                    "item {} has {has} eligible experts with at most {} per organisation, for a demand of {need}",
                    it.id, gc.cap
                ));
            }
        }
        Ok(())
    }

    /// The network: source s → item (demand) → expert (1, −score) → sink t, the expert's
    /// minimum load as a lower bound on expert → t (as supplies: the expert must absorb
    /// min_load). Returns the graph, the supplies and the first candidate arc.
    fn network(&self, total: i64, floor: i64) -> (Graph, Vec<i64>, usize) {
        let (inst, loads) = (self.inst, &self.loads);
        let (ni, ne) = (inst.items.len(), inst.experts.len());
        let s = ni + ne;
        let t = s + 1;
        let nodes = ni + ne + 2 + self.group_node.len();
        let mut g = Graph::new(nodes);
        let mut supply = vec![0i64; nodes];
        supply[s] = total;
        for (i, &d) in loads.demand.iter().enumerate() {
            g.add(s, i, d, 0);
        }
        // Each group node with its item, in (item, group name) order.
        let mut groups: Vec<_> = self.group_node.iter().collect();
        groups.sort_unstable();
        for ((i, _), (node, cap)) in groups {
            g.add(*i, *node, *cap, 0);
        }
        let first_pair_arc = g.arcs();
        for &(i, e, sc) in &self.cands {
            let from = self
                .caps
                .and_then(|gc| gc.group_of.get(&inst.experts[e].id))
                .map_or(i, |gname| self.group_node[&(i, gname.as_str())].0);
            g.add(from, ni + e, 1, -(sc * SCALE).round() as i64);
        }
        for e in 0..ne {
            supply[ni + e] -= loads.min_load[e];
            if loads.max_load[e] > loads.min_load[e] {
                g.add(ni + e, t, loads.max_load[e] - loads.min_load[e], 0);
            }
        }
        supply[t] -= total - floor;
        (g, supply, first_pair_arc)
    }

    /// The forced pairs and the candidates with flow, in (item, expert) order, and their total.
    fn outcome(&self, g: &Graph, first_pair_arc: usize, ids: &Ids<'_>, pairs: &Pairs) -> Outcome {
        let inst = self.inst;
        let mut assigned: Vec<Assigned> = self
            .loads
            .fixed
            .iter()
            .map(|&(i, e)| Assigned {
                item: inst.items[i].id.clone(),
                expert: inst.experts[e].id.clone(),
                score: pairs.score.get(&(i, e)).copied().unwrap_or(0.0),
            })
            .collect();
        for (k, &(i, e, sc)) in self.cands.iter().enumerate() {
            if g.flow(first_pair_arc + k) > 0 {
                assigned.push(Assigned {
                    item: inst.items[i].id.clone(),
                    expert: inst.experts[e].id.clone(),
                    score: sc,
                });
            }
        }
        assigned.sort_by(|a, b| {
            (ids.item[a.item.as_str()], ids.expert[a.expert.as_str()])
                .cmp(&(ids.item[b.item.as_str()], ids.expert[b.expert.as_str()]))
        });
        let objective = assigned.iter().map(|p| p.score).sum();
        Outcome::Optimal { objective, pairs: assigned }
    }
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
    fn arcs(&self) -> usize {
        self.head.len() / 2
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

#[cfg(test)]
mod tests;
