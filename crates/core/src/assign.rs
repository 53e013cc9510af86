//! Optimal reviewer assignment (`innocity assign`, `shared/contracts/assignment.md`): maximise the
//! total affinity so that every item gets exactly its demand of distinct reviewers, every expert a
//! load between min and max, no conflict pair, every forced pair — as a min-cost flow, solved by
//! cost scaling with push–relabel (Goldberg's method, as OR-Tools' solver), on integer costs.
use std::collections::HashMap;

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

mod flow;
mod input;
pub mod json;
pub mod network;
pub mod repair;

pub use input::{Candidate, Problem};
pub use network::{Groups, Solved};

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
    let problem = Problem::from_instance(inst)?;
    let groups = caps.map(|gc| groups_of(&problem, &gc));
    // Past the input checks, every stop is an infeasibility that names what cannot be met.
    Ok(match network::solve(&problem, groups.as_ref()) {
        Ok(solved) => owned(&problem, &solved),
        Err(reason) => Outcome::Infeasible(reason),
    })
}

/// Each expert's group by number, from the groups by expert id.
pub fn groups_of<'g>(p: &Problem<'_>, gc: &GroupCap<'g>) -> Groups<'g> {
    let mut number: HashMap<&str, u32> = HashMap::new();
    let mut names: Vec<&'g str> = vec![];
    let of_expert = p
        .expert_ids
        .iter()
        .map(|id| {
            gc.group_of.get(id.as_ref()).map(|g| {
                *number.entry(g.as_str()).or_insert_with(|| {
                    names.push(g.as_str());
                    names.len() as u32 - 1
                })
            })
        })
        .collect();
    Groups { of_expert, names, cap: gc.cap }
}

/// Pairs by id as pairs by position (ids not in the problem are left out).
pub(crate) fn by_position(p: &Problem<'_>, pairs: &[Assigned]) -> Solved {
    let (items, experts) = p.positions();
    let mut found: Vec<Candidate> = pairs
        .iter()
        .filter_map(|a| {
            let item = *items.get(a.item.as_str())?;
            let expert = *experts.get(a.expert.as_str())?;
            Some(Candidate { item, expert, score: a.score })
        })
        .collect();
    found.sort_by_key(|c| (c.item, c.expert));
    Solved { objective: found.iter().map(|c| c.score).sum(), pairs: found }
}

/// The outcome with owned ids (for the pages and the store).
pub(crate) fn owned(p: &Problem<'_>, s: &Solved) -> Outcome {
    let pairs = s
        .pairs
        .iter()
        .map(|c| Assigned {
            item: p.item_ids[c.item as usize].to_string(),
            expert: p.expert_ids[c.expert as usize].to_string(),
            score: c.score,
        })
        .collect();
    Outcome::Optimal { objective: s.objective, pairs }
}

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
