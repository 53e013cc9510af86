//! From a checked [`Problem`] to a flow network and back: forced pairs taken first, the plain
//! reasons an instance cannot be met (each naming what), then items → (item, group) → experts →
//! sink, solved by [`flow::min_cost_flow`].
use super::SCALE;
use super::flow::{self, Network, NoFlow};
use super::input::{Candidate, Problem};
use rustc_hash::FxHashMap;

/// At most `cap` experts of one group on each item, by each expert's group (None: unlimited),
/// a group's number being its place in `names`.
pub struct Groups<'g> {
    pub of_expert: Vec<Option<u32>>,
    pub names: Vec<&'g str>,
    pub cap: i64,
}

/// An optimal assignment by position: forced pairs and chosen candidates in (item, expert) order.
#[derive(Debug, Clone, PartialEq)]
pub struct Solved {
    pub objective: f64,
    pub pairs: Vec<Candidate>,
}

/// A score as the network's integer cost (maximising score is minimising cost).
pub(crate) fn cost_of(score: f64) -> i64 {
    -(score * SCALE).round() as i64
}

/// The demands and loads left once the forced pairs are taken.
pub(crate) struct Loads {
    pub demand: Vec<i64>,
    pub max_load: Vec<i64>,
    pub min_load: Vec<i64>,
}

impl Loads {
    /// Forced pairs are taken first: they use demand and load.
    pub(crate) fn take_forced(p: &Problem<'_>) -> Result<Loads, String> {
        let mut l = Loads {
            demand: p.demand.clone(),
            max_load: p.max_load.clone(),
            min_load: p.min_load.clone(),
        };
        for f in &p.forced {
            let (i, e) = (f.item as usize, f.expert as usize);
            l.demand[i] -= 1;
            l.max_load[e] -= 1;
            l.min_load[e] = (l.min_load[e] - 1).max(0);
            if l.demand[i] < 0 {
                return Err(format!(
                    "item {} has more forced experts than its demand {}",
                    p.item_ids[i], p.demand[i]
                ));
            }
            if l.max_load[e] < 0 {
                return Err(format!(
                    "expert {} is forced on more items than its max_load {}",
                    p.expert_ids[e], p.max_load[e]
                ));
            }
        }
        Ok(l)
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

/// An (item, group) node: its number and the cap left for the group on the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct GroupNode {
    node: usize,
    cap: i64,
}

/// The group nodes by (item, group).
type GroupNodes = FxHashMap<(u32, u32), GroupNode>;

/// The network of a problem and where its candidate arcs are.
pub(crate) struct Built {
    pub net: Network,
    /// The arc of each candidate, in the problem's order.
    pub candidate_arc: Vec<usize>,
}

/// Every plain check, then the network, solved.
pub fn solve(p: &Problem<'_>, groups: Option<&Groups<'_>>) -> Result<Solved, String> {
    let built = build(p, groups)?;
    let flow = match flow::min_cost_flow(&built.net) {
        Ok(f) => f,
        Err(NoFlow::Infeasible) => return Err(INFEASIBLE.into()),
        Err(NoFlow::CostRange) => return Err(COST_RANGE.into()),
    };
    let chosen = built.candidate_arc.iter().map(|&a| flow[a] > 0);
    Ok(solved(p, chosen))
}

pub(crate) const INFEASIBLE: &str = "the demands, loads and conflicts cannot all be met together (no assignment gives every item its demand within the experts' loads)";
const COST_RANGE: &str =
    "the scores span too wide a range to be compared exactly (keep them within ±1,000,000)";

/// The forced pairs and the chosen candidates, in (item, expert) order, with their total.
pub(crate) fn solved(p: &Problem<'_>, chosen: impl Iterator<Item = bool>) -> Solved {
    let mut pairs: Vec<Candidate> = p.forced.clone();
    pairs.extend(p.candidates.iter().zip(chosen).filter(|(_, c)| *c).map(|(c, _)| *c));
    pairs.sort_by_key(|c| (c.item, c.expert));
    let objective = pairs.iter().map(|c| c.score).sum();
    Solved { objective, pairs }
}

/// The checks that name what cannot be met, then the network: item (supply: its demand) →
/// [(item, group) (the cap)] → expert (1, −score) → sink, the expert's minimum load as its own
/// demand and the rest of its load on the arc to the sink.
pub(crate) fn build(p: &Problem<'_>, groups: Option<&Groups<'_>>) -> Result<Built, String> {
    let loads = Loads::take_forced(p)?;
    let (total, floor) = loads.totals()?;
    let reachable = check_eligible(p, &loads)?;
    let group_node = match groups {
        Some(g) => group_nodes(p, &loads, g)?,
        None => GroupNodes::default(),
    };
    check_reachable(p, &loads, &reachable)?;
    let (ni, ne) = (p.item_ids.len(), p.expert_ids.len());
    let sink = ni + ne;
    let mut net = Network::new(ni + ne + 1 + group_node.len());
    for (i, &d) in loads.demand.iter().enumerate() {
        net.supply[i] = d;
    }
    let mut nodes: Vec<(&(u32, u32), &GroupNode)> = group_node.iter().collect();
    nodes.sort_unstable();
    for (&(i, _), g) in nodes {
        net.add(i as usize, g.node, g.cap, 0);
    }
    let candidate_arc = p
        .candidates
        .iter()
        .map(|c| {
            let from = groups
                .and_then(|g| g.of_expert[c.expert as usize])
                .and_then(|g| group_node.get(&(c.item, g)))
                .map_or(c.item as usize, |n| n.node);
            net.add(from, ni + c.expert as usize, 1, cost_of(c.score))
        })
        .collect();
    for e in 0..ne {
        net.supply[ni + e] -= loads.min_load[e];
        if loads.max_load[e] > loads.min_load[e] {
            net.add(ni + e, sink, loads.max_load[e] - loads.min_load[e], 0);
        }
    }
    net.supply[sink] -= total - floor;
    Ok(Built { net, candidate_arc })
}

/// Every item has enough candidates for its demand; returns each expert's candidates.
fn check_eligible(p: &Problem<'_>, loads: &Loads) -> Result<Vec<i64>, String> {
    let mut eligible = vec![0i64; p.item_ids.len()];
    let mut reachable = vec![0i64; p.expert_ids.len()];
    for c in &p.candidates {
        eligible[c.item as usize] += 1;
        reachable[c.expert as usize] += 1;
    }
    for ((id, &have), &need) in p.item_ids.iter().zip(&eligible).zip(&loads.demand) {
        if have < need {
            return Err(format!(
                "item {id} has {have} eligible experts (scored, not in conflict) for a demand of {need}"
            ));
        }
    }
    Ok(reachable)
}

/// Every expert has enough candidates for its minimum load.
fn check_reachable(p: &Problem<'_>, loads: &Loads, reachable: &[i64]) -> Result<(), String> {
    for ((id, &can), &min) in p.expert_ids.iter().zip(reachable).zip(&loads.min_load) {
        if can < min {
            return Err(format!(
                "expert {id} can take {can} items (scored, not in conflict) but needs at least {min}"
            ));
        }
    }
    Ok(())
}

/// One node per (item, group) where the cap can bind: its number and the cap left (forced pairs
/// use it up); every item keeps room for its demand under the cap.
fn group_nodes(p: &Problem<'_>, loads: &Loads, g: &Groups<'_>) -> Result<GroupNodes, String> {
    let first = p.item_ids.len() + p.expert_ids.len() + 1;
    let mut node = GroupNodes::default();
    for f in &p.forced {
        if let Some(group) = g.of_expert[f.expert as usize] {
            let len = node.len();
            let entry =
                node.entry((f.item, group)).or_insert(GroupNode { node: first + len, cap: g.cap });
            entry.cap -= 1;
            if entry.cap < 0 {
                return Err(format!(
                    "item {} has more forced experts from {} than the {} allowed per organisation",
                    p.item_ids[f.item as usize], g.names[group as usize], g.cap
                ));
            }
        }
    }
    let mut room = vec![0i64; p.item_ids.len()];
    let mut taken: FxHashMap<(u32, u32), i64> = FxHashMap::default();
    let mut count: FxHashMap<(u32, u32), i64> = FxHashMap::default();
    for c in &p.candidates {
        match g.of_expert[c.expert as usize] {
            Some(group) => {
                let len = node.len();
                let cap = node
                    .entry((c.item, group))
                    .or_insert(GroupNode { node: first + len, cap: g.cap })
                    .cap;
                *count.entry((c.item, group)).or_default() += 1;
                let k = taken.entry((c.item, group)).or_default();
                if *k < cap {
                    *k += 1;
                    room[c.item as usize] += 1;
                }
            }
            None => room[c.item as usize] += 1,
        }
    }
    for ((id, &has), &need) in p.item_ids.iter().zip(&room).zip(&loads.demand) {
        if has < need {
            return Err(format!(
                "item {id} has {has} eligible experts with at most {} per organisation, for a demand of {need}",
                g.cap
            ));
        }
    }
    // A node only where the cap can bind: an item with no more candidates of a group than the
    // cap left routes them straight (on a panel of 5 with 2 per organisation, most groups).
    let mut kept: Vec<((u32, u32), i64)> = node
        .into_iter()
        .filter(|(key, n)| count.get(key).copied().unwrap_or(0) > n.cap)
        .map(|(key, n)| (key, n.cap))
        .collect();
    kept.sort_unstable();
    Ok(kept
        .into_iter()
        .enumerate()
        .map(|(j, (key, cap))| (key, GroupNode { node: first + j, cap }))
        .collect())
}
