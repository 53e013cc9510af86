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
    let mut item_ix: HashMap<&str, usize> = HashMap::new();
    for (i, it) in inst.items.iter().enumerate() {
        if item_ix.insert(it.id.as_str(), i).is_some() {
            return bad(format!("items[{i}] \"{}\"", it.id), "duplicate item id");
        }
        if it.demand < 0 {
            return bad(
                format!("items[{i}] \"{}\"", it.id),
                format!("negative demand {}", it.demand),
            );
        }
    }
    let mut expert_ix: HashMap<&str, usize> = HashMap::new();
    for (i, e) in inst.experts.iter().enumerate() {
        if expert_ix.insert(e.id.as_str(), i).is_some() {
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
    let pair =
        |what: &str, k: usize, item: &str, expert: &str| -> Result<(usize, usize), InputError> {
            let i = *item_ix.get(item).ok_or_else(|| InputError {
                entry: format!("{what}[{k}]"),
                message: format!("unknown item \"{item}\""),
            })?;
            let e = *expert_ix.get(expert).ok_or_else(|| InputError {
                entry: format!("{what}[{k}]"),
                message: format!("unknown expert \"{expert}\""),
            })?;
            Ok((i, e))
        };
    let mut score: HashMap<(usize, usize), f64> = HashMap::new();
    for (k, s) in inst.scores.iter().enumerate() {
        let key = pair("scores", k, &s.item, &s.expert)?;
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
        conflict.insert(pair("conflicts", k, &c.item, &c.expert)?);
    }
    let mut forced: HashSet<(usize, usize)> = HashSet::new();
    for (k, f) in inst.forced.iter().enumerate() {
        let key = pair("forced", k, &f.item, &f.expert)?;
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
    let (ni, ne) = (inst.items.len(), inst.experts.len());
    // Forced pairs are taken first: they use demand and load.
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
            return Ok(Outcome::Infeasible(format!(
                "item {} has more forced experts than its demand {}",
                inst.items[i].id, inst.items[i].demand
            )));
        }
        if max_load[e] < 0 {
            return Ok(Outcome::Infeasible(format!(
                "expert {} is forced on more items than its max_load {}",
                inst.experts[e].id, inst.experts[e].max_load
            )));
        }
    }
    // Candidates: scored, not in conflict, not already forced.
    let mut cands: Vec<(usize, usize, f64)> = score
        .iter()
        .filter(|(k, _)| !conflict.contains(k) && !forced.contains(k))
        .map(|(&(i, e), &s)| (i, e, s))
        .collect();
    cands.sort_by_key(|a| (a.0, a.1));
    // Plain reasons first: they name what cannot be met.
    let total: i64 = demand.iter().sum();
    let capacity: i64 = max_load.iter().sum();
    if total > capacity {
        return Ok(Outcome::Infeasible(format!(
            "total demand {total} exceeds the experts' total capacity {capacity}"
        )));
    }
    let floor: i64 = min_load.iter().sum();
    if floor > total {
        return Ok(Outcome::Infeasible(format!(
            "the experts' minimum loads ({floor}) exceed the total demand {total}"
        )));
    }
    let mut eligible = vec![0i64; ni];
    let mut reachable = vec![0i64; ne];
    for &(i, e, _) in &cands {
        eligible[i] += 1;
        reachable[e] += 1;
    }
    for i in 0..ni {
        if eligible[i] < demand[i] {
            return Ok(Outcome::Infeasible(format!(
                "item {} has {} eligible experts (scored, not in conflict) for a demand of {}",
                inst.items[i].id, eligible[i], demand[i]
            )));
        }
    }
    // Group nodes: one per (item, group) with candidates; forced pairs use up their cap.
    let mut group_node: HashMap<(usize, &str), (usize, i64)> = HashMap::new();
    if let Some(gc) = &caps {
        let n0 = ni + ne + 2;
        for &(i, e) in &fixed {
            if let Some(gname) = gc.group_of.get(&inst.experts[e].id) {
                let len = group_node.len();
                let entry = group_node.entry((i, gname.as_str())).or_insert((n0 + len, gc.cap));
                entry.1 -= 1;
                if entry.1 < 0 {
                    return Ok(Outcome::Infeasible(format!(
                        "item {} has more forced experts from {gname} than the {} allowed per organisation",
                        inst.items[i].id, gc.cap
                    )));
                }
            }
        }
        let mut room = vec![0i64; ni];
        let mut per: HashMap<(usize, &str), i64> = HashMap::new();
        for &(i, e, _) in &cands {
            match gc.group_of.get(&inst.experts[e].id) {
                Some(gname) => {
                    let len = group_node.len();
                    let cap = group_node.entry((i, gname.as_str())).or_insert((n0 + len, gc.cap)).1;
                    let k = per.entry((i, gname.as_str())).or_default();
                    if *k < cap {
                        *k += 1;
                        room[i] += 1;
                    }
                }
                None => room[i] += 1,
            }
        }
        for i in 0..ni {
            if room[i] < demand[i] {
                return Ok(Outcome::Infeasible(format!(
                    "item {} has {} eligible experts with at most {} per organisation, for a demand of {}",
                    inst.items[i].id, room[i], gc.cap, demand[i]
                )));
            }
        }
    }
    for e in 0..ne {
        if reachable[e] < min_load[e] {
            return Ok(Outcome::Infeasible(format!(
                "expert {} can take {} items (scored, not in conflict) but needs at least {}",
                inst.experts[e].id, reachable[e], min_load[e]
            )));
        }
    }
    // The network: source s → item (demand) → expert (1, −score) → sink t, the expert's minimum
    // load as a lower bound on expert → t (as supplies: the expert must absorb min_load).
    let s = ni + ne;
    let t = s + 1;
    let nodes = ni + ne + 2 + group_node.len();
    let mut g = Graph::new(nodes);
    let mut supply = vec![0i64; nodes];
    supply[s] = total;
    for (i, &d) in demand.iter().enumerate() {
        g.add(s, i, d, 0);
    }
    // Each group node with its item, in (item, group name) order.
    let mut groups: Vec<_> = group_node.iter().collect();
    groups.sort_unstable();
    for ((i, _), (node, cap)) in groups {
        g.add(*i, *node, *cap, 0);
    }
    let first_pair_arc = g.arcs();
    for &(i, e, sc) in &cands {
        let from = caps
            .as_ref()
            .and_then(|gc| gc.group_of.get(&inst.experts[e].id))
            .map_or(i, |gname| group_node[&(i, gname.as_str())].0);
        g.add(from, ni + e, 1, -(sc * SCALE).round() as i64);
    }
    for e in 0..ne {
        supply[ni + e] -= min_load[e];
        if max_load[e] > min_load[e] {
            g.add(ni + e, t, max_load[e] - min_load[e], 0);
        }
    }
    supply[t] -= total - floor;
    if !g.feasible(&supply) {
        return Ok(Outcome::Infeasible("the demands, loads and conflicts cannot all be met together (no assignment gives every item its demand within the experts' loads)".into()));
    }
    g.min_cost(&supply);
    let mut pairs: Vec<Assigned> = fixed
        .iter()
        .map(|&(i, e)| Assigned {
            item: inst.items[i].id.clone(),
            expert: inst.experts[e].id.clone(),
            score: score.get(&(i, e)).copied().unwrap_or(0.0),
        })
        .collect();
    for (k, &(i, e, sc)) in cands.iter().enumerate() {
        if g.flow(first_pair_arc + k) > 0 {
            pairs.push(Assigned {
                item: inst.items[i].id.clone(),
                expert: inst.experts[e].id.clone(),
                score: sc,
            });
        }
    }
    pairs.sort_by(|a, b| {
        (item_ix[a.item.as_str()], expert_ix[a.expert.as_str()])
            .cmp(&(item_ix[b.item.as_str()], expert_ix[b.expert.as_str()]))
    });
    let objective = pairs.iter().map(|p| p.score).sum();
    Ok(Outcome::Optimal { objective, pairs })
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
        let n = self.n + 2;
        let (ss, tt) = (self.n, self.n + 1);
        let mut head = self.head.clone();
        let mut cap = self.cap.clone();
        let mut out = self.out.clone();
        out.resize(n, vec![]);
        let add = |u: usize,
                   v: usize,
                   c: i64,
                   head: &mut Vec<usize>,
                   cap: &mut Vec<i64>,
                   out: &mut Vec<Vec<usize>>| {
            let k = head.len();
            head.extend([v, u]);
            cap.extend([c, 0]);
            out[u].push(k);
            out[v].push(k + 1);
        };
        let mut need = 0;
        for (v, &b) in supply.iter().enumerate() {
            if b > 0 {
                add(ss, v, b, &mut head, &mut cap, &mut out);
                need += b;
            } else if b < 0 {
                add(v, tt, -b, &mut head, &mut cap, &mut out);
            }
        }
        // Dinic.
        let mut flow = 0;
        loop {
            let mut level = vec![-1i64; n];
            level[ss] = 0;
            let mut q = std::collections::VecDeque::from([ss]);
            while let Some(u) = q.pop_front() {
                for &k in &out[u] {
                    if cap[k] > 0 && level[head[k]] < 0 {
                        level[head[k]] = level[u] + 1;
                        q.push_back(head[k]);
                    }
                }
            }
            if level[tt] < 0 {
                break;
            }
            let mut it = vec![0usize; n];
            loop {
                // Iterative DFS for one augmenting path in the level graph.
                let mut path: Vec<usize> = Vec::new();
                let mut u = ss;
                let found = loop {
                    if u == tt {
                        break true;
                    }
                    let mut advanced = false;
                    while it[u] < out[u].len() {
                        let k = out[u][it[u]];
                        let v = head[k];
                        if cap[k] > 0 && level[v] == level[u] + 1 {
                            path.push(k);
                            u = v;
                            advanced = true;
                            break;
                        }
                        it[u] += 1;
                    }
                    if !advanced {
                        match path.pop() {
                            None => break false,
                            Some(k) => {
                                u = head[k ^ 1];
                                it[u] += 1;
                            }
                        }
                    }
                };
                if !found {
                    break;
                }
                let f = path.iter().map(|&k| cap[k]).min().unwrap_or(0);
                for &k in &path {
                    cap[k] -= f;
                    cap[k ^ 1] += f;
                }
                flow += f;
            }
        }
        flow == need
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

#[cfg(test)]
mod tests;
