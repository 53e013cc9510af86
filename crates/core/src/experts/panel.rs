//! Panel composition (at most so many per organisation, at least so many from a group such as
//! finance experts or experts from outside the region) and optimal assignment under it.
//!
//! The cap per organisation is exact in the flow network itself: each item's experts pass through
//! one node per (item, organisation) whose capacity is the cap ([`crate::assign::solve_capped`]).
//! A single group minimum without a cap is exact too: it is a cap on the experts outside the
//! group. Group minimums in general are side constraints no flow can hold, so they are met by
//! branch and bound over the flow ([`exact`]): Lagrangian bonuses on a group's pairs bound each
//! branch, the bonus rounds below give it a first assignment, and the search proves the best one
//! optimal — or, when its budget runs out, returns it with the gap to its bound.
use crate::assign::{self, Instance, Outcome, Score};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The call's rules for each item's panel.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Composition {
    /// At most this many experts from one organisation on a panel (0: no rule).
    #[serde(default)]
    pub max_per_org: usize,
    /// At least `min` experts of each group (by group tag, e.g. "finance").
    #[serde(default)]
    pub min_groups: Vec<MinGroup>,
    /// At least this share of each panel from outside the region (0–1; 0: no rule); counted on
    /// the group tag [`OUTSIDE_REGION`].
    #[serde(default)]
    pub min_outside_share: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MinGroup {
    pub group: String,
    pub min: usize,
}

/// The group tag an expert from outside the call's region carries.
pub const OUTSIDE_REGION: &str = "outside_region";

/// What the composition rules need to know of an expert.
#[derive(Debug, Clone, Default)]
pub struct Member {
    /// Credit code of the expert's organisation.
    pub org: String,
    pub groups: HashSet<String>,
}

impl Composition {
    pub fn is_empty(&self) -> bool {
        self.max_per_org == 0
            && self.min_groups.iter().all(|g| g.min == 0)
            && self.min_outside_share <= 0.0
    }

    /// Each group's minimum for a panel of `demand` experts.
    pub fn minimums(&self, demand: usize) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = self
            .min_groups
            .iter()
            .filter(|g| g.min > 0)
            .map(|g| (g.group.clone(), g.min))
            .collect();
        if self.min_outside_share > 0.0 {
            out.push((
                OUTSIDE_REGION.to_string(),
                (self.min_outside_share * demand as f64 - 1e-9).ceil() as usize,
            ));
        }
        out
    }

    /// What a full panel breaks, in words naming the rule; empty when it is fine.
    pub fn violations(&self, panel: &[&Member], demand: usize) -> Vec<String> {
        let mut out = Vec::new();
        if self.max_per_org > 0 {
            let mut per: BTreeMap<&str, usize> = BTreeMap::new();
            for m in panel {
                *per.entry(m.org.as_str()).or_default() += 1;
            }
            for (org, n) in per {
                if n > self.max_per_org {
                    out.push(format!(
                        "at most {} per organisation: {n} from {org}",
                        self.max_per_org
                    ));
                }
            }
        }
        for (g, min) in self.minimums(demand) {
            let n = panel.iter().filter(|m| m.groups.contains(&g)).count();
            if n < min {
                out.push(format!("at least {min} from group {g}: {n}"));
            }
        }
        out
    }

    /// Whether `candidate` may join a partial panel of `demand` places without making a rule
    /// impossible: the per-organisation cap holds, and the places left after it still cover
    /// every group's shortfall (counted as if no one fills two groups at once).
    pub fn admits(&self, panel: &[&Member], candidate: &Member, demand: usize) -> bool {
        if self.max_per_org > 0
            && panel.iter().filter(|m| m.org == candidate.org).count() >= self.max_per_org
        {
            return false;
        }
        let left = demand.saturating_sub(panel.len() + 1);
        let short: usize = self
            .minimums(demand)
            .iter()
            .map(|(g, min)| {
                let have = panel.iter().filter(|m| m.groups.contains(g)).count()
                    + usize::from(candidate.groups.contains(g));
                min.saturating_sub(have)
            })
            .sum();
        short <= left
    }
}

/// The outcome of an assignment under composition rules.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelOutcome {
    pub outcome: Outcome,
    /// Bonus rounds solved before the search (1 when no group minimum had to be enforced).
    pub rounds: usize,
    /// How far the objective may be from the optimum: 0 when proven optimal.
    pub gap: f64,
    /// Branch-and-bound nodes explored (0 when no search was needed).
    pub nodes: usize,
}

impl PanelOutcome {
    fn exact(outcome: Outcome, rounds: usize) -> PanelOutcome {
        PanelOutcome { outcome, rounds, gap: 0.0, nodes: 0 }
    }
}

const MAX_ROUNDS: usize = 20;

/// Optimal assignment of `inst` with each item's panel obeying `comp`. Experts missing from
/// `members` belong to no organisation and no group.
pub fn assign_panels(
    inst: &Instance,
    members: &HashMap<String, Member>,
    comp: &Composition,
) -> Result<PanelOutcome, assign::InputError> {
    let rules = Rules { inst, members, comp, none: Member::default() };
    if let Some(why) = rules.hopeless() {
        return Ok(PanelOutcome::exact(Outcome::Infeasible(why), 0));
    }
    if let Some(outcome) = rules.exact_single_group() {
        return Ok(PanelOutcome::exact(outcome?, 1));
    }
    let heuristic = rules.rounds()?;
    let any_minimum =
        inst.items.iter().any(|i| !comp.minimums(i.demand.max(0) as usize).is_empty());
    if !any_minimum {
        return Ok(heuristic);
    }
    rules.search(heuristic)
}

/// The instance and its composition rules.
struct Rules<'a> {
    inst: &'a Instance,
    members: &'a HashMap<String, Member>,
    comp: &'a Composition,
    /// The member of no organisation and no group.
    none: Member,
}

impl Rules<'_> {
    fn member(&self, e: &str) -> &Member {
        self.members.get(e).unwrap_or(&self.none)
    }

    /// A shortfall no assignment can make up: too few eligible members of a group.
    fn hopeless(&self) -> Option<String> {
        let inst = self.inst;
        let conflicted: HashSet<(&str, &str)> =
            inst.conflicts.iter().map(|c| (c.item.as_str(), c.expert.as_str())).collect();
        for it in &inst.items {
            let eligible: Vec<&str> = inst
                .scores
                .iter()
                .filter(|s| {
                    s.item == it.id && !conflicted.contains(&(s.item.as_str(), s.expert.as_str()))
                })
                .map(|s| s.expert.as_str())
                .collect();
            for (g, min) in self.comp.minimums(it.demand.max(0) as usize) {
                let n = eligible.iter().filter(|e| self.member(e).groups.contains(&g)).count();
                if n < min {
                    return Some(format!(
                        "item {}: at least {min} from group {g} required, {n} eligible",
                        it.id
                    ));
                }
            }
        }
        None
    }

    /// One group minimum, no cap per organisation, one demand for all: exact, as a cap on the
    /// experts outside the group (at most demand − min of them per item). `None` otherwise.
    fn exact_single_group(&self) -> Option<Result<Outcome, assign::InputError>> {
        let inst = self.inst;
        let mins: Vec<(String, usize)> = inst
            .items
            .first()
            .map(|i| self.comp.minimums(i.demand.max(0) as usize))
            .unwrap_or_default();
        if !(self.comp.max_per_org == 0
            && mins.len() == 1
            && inst.items.windows(2).all(|w| w[0].demand == w[1].demand))
        {
            return None;
        }
        let (g, min) = &mins[0];
        let demand = inst.items[0].demand;
        let outside: HashMap<String, String> = inst
            .experts
            .iter()
            .filter(|e| !self.member(&e.id).groups.contains(g))
            .map(|e| (e.id.clone(), format!("not {g}")))
            .collect();
        Some(assign::solve_capped(
            inst,
            Some(assign::GroupCap { group_of: &outside, cap: demand - *min as i64 }),
        ))
    }

    /// Each expert's organisation, by expert id (experts without one are not capped).
    fn orgs(&self) -> HashMap<String, String> {
        self.members
            .iter()
            .filter(|(_, m)| !m.org.is_empty())
            .map(|(e, m)| (e.clone(), m.org.clone()))
            .collect()
    }

    /// Rounds of exact flows with bonuses on the groups an item is short of, until every panel
    /// has its minimums (or the rounds run out).
    fn rounds(&self) -> Result<PanelOutcome, assign::InputError> {
        let inst = self.inst;
        let orgs = self.orgs();
        let cap = (self.comp.max_per_org > 0).then_some(self.comp.max_per_org as i64);
        let mut b = Bonuses {
            rules: self,
            spread: inst
                .scores
                .iter()
                .map(|s| s.score)
                .fold(0.0f64, |m, x| m.max(x.abs()))
                .max(1e-3),
            demand: inst.items.iter().map(|i| (i.id.as_str(), i.demand.max(0) as usize)).collect(),
            bonus: HashMap::new(),
            stuck: HashMap::new(),
            last_problem: String::new(),
        };
        for round in 1..=MAX_ROUNDS {
            let work = b.bonused();
            let caps = cap.map(|cap| assign::GroupCap { group_of: &orgs, cap });
            let pairs = match assign::solve_capped(&work, caps)? {
                Outcome::Optimal { pairs, .. } => pairs,
                Outcome::Infeasible(w) => {
                    return Ok(PanelOutcome::exact(Outcome::Infeasible(w), round));
                }
            };
            if !b.raise(&pairs) {
                return Ok(PanelOutcome::exact(self.unbonused(pairs), round));
            }
        }
        let why = format!("could not meet {} within {MAX_ROUNDS} rounds", b.last_problem);
        Ok(PanelOutcome::exact(Outcome::Infeasible(why), MAX_ROUNDS))
    }

    /// Branch and bound from the bonus rounds' assignment (if they found one) to a proven
    /// optimum, or the best found with its gap.
    fn search(&self, heuristic: PanelOutcome) -> Result<PanelOutcome, assign::InputError> {
        let inst = self.inst;
        let problem = assign::Problem::from_instance(inst)?;
        let orgs = self.orgs();
        let cap = (self.comp.max_per_org > 0)
            .then_some(assign::GroupCap { group_of: &orgs, cap: self.comp.max_per_org as i64 });
        let caps = cap.as_ref().map(|gc| assign::groups_of(&problem, gc));
        let mut names: Vec<String> = vec![];
        let mut number = |g: &str| match names.iter().position(|n| n == g) {
            Some(k) => k,
            None => {
                names.push(g.to_string());
                names.len() - 1
            }
        };
        let minimums: Vec<Vec<exact::Minimum>> = inst
            .items
            .iter()
            .map(|it| {
                let mins = self.comp.minimums(it.demand.max(0) as usize);
                mins.iter().map(|(g, min)| exact::Minimum { group: number(g), min: *min }).collect()
            })
            .collect();
        let groups_of: Vec<Vec<usize>> = inst
            .experts
            .iter()
            .map(|e| {
                let groups = &self.member(&e.id).groups;
                names
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| groups.contains(*n))
                    .map(|(k, _)| k)
                    .collect()
            })
            .collect();
        let start = match &heuristic.outcome {
            Outcome::Optimal { pairs, .. } => Some(assign::by_position(&problem, pairs)),
            Outcome::Infeasible(_) => None,
        };
        let spread = problem.candidates.iter().map(|c| c.score.abs()).fold(1e-3, f64::max);
        let rules =
            exact::Rules { problem: &problem, spread, caps: caps.as_ref(), minimums, groups_of };
        let found = exact::search(&rules, start);
        let outcome = match &found.best {
            Some(best) => assign::owned(&problem, best),
            None if found.complete => Outcome::Infeasible(
                "no assignment gives every panel its group minimums within the experts' loads"
                    .into(),
            ),
            None => Outcome::Infeasible(format!(
                "no assignment meeting the group minimums was found within {} flow solves",
                exact::SOLVE_BUDGET
            )),
        };
        Ok(PanelOutcome { outcome, rounds: heuristic.rounds, gap: found.gap, nodes: found.nodes })
    }

    /// The outcome with the pairs' true scores (bonuses excluded).
    fn unbonused(&self, pairs: Vec<assign::Assigned>) -> Outcome {
        let base: HashMap<(&str, &str), f64> = self
            .inst
            .scores
            .iter()
            .map(|s| ((s.item.as_str(), s.expert.as_str()), s.score))
            .collect();
        let pairs: Vec<assign::Assigned> = pairs
            .into_iter()
            .map(|mut p| {
                p.score = base.get(&(p.item.as_str(), p.expert.as_str())).copied().unwrap_or(0.0);
                p
            })
            .collect();
        let objective = pairs.iter().map(|p| p.score).sum();
        Outcome::Optimal { objective, pairs }
    }
}

/// The bonuses of the rounds, per (item, group), and how often each has been raised.
struct Bonuses<'r, 'a> {
    rules: &'r Rules<'a>,
    spread: f64,
    demand: HashMap<&'a str, usize>,
    bonus: HashMap<(String, String), f64>,
    stuck: HashMap<(String, String), u32>,
    last_problem: String,
}

impl Bonuses<'_, '_> {
    /// The instance with each pair's bonuses added to its score.
    fn bonused(&self) -> Instance {
        let mut work = self.rules.inst.clone();
        for s in work.scores.iter_mut() {
            for g in &self.rules.member(&s.expert).groups {
                s.score += self.bonus.get(&(s.item.clone(), g.clone())).copied().unwrap_or(0.0);
            }
        }
        work
    }

    /// Adjusts the bonuses to a round's panels; whether some panel is short of a group.
    fn raise(&mut self, pairs: &[assign::Assigned]) -> bool {
        let mut panels: BTreeMap<&str, Vec<&assign::Assigned>> = BTreeMap::new();
        for p in pairs {
            panels.entry(p.item.as_str()).or_default().push(p);
        }
        let mut short = false;
        for (item, panel) in &panels {
            let demand = self.demand.get(item).copied().unwrap_or(0);
            for (g, min) in self.rules.comp.minimums(demand) {
                short |= self.raise_group(item, panel, &g, min);
            }
        }
        short
    }

    /// Too few of a group: raise the group's bonus on this item past the gap between its
    /// weakest outsider on the panel and its best member off it (doubling each round it stays
    /// short, so a needed member always comes in eventually). Whether it was short.
    fn raise_group(
        &mut self,
        item: &str,
        panel: &[&assign::Assigned],
        g: &str,
        min: usize,
    ) -> bool {
        let rules = self.rules;
        let key = (item.to_string(), g.to_string());
        let have = panel.iter().filter(|p| rules.member(&p.expert).groups.contains(g)).count();
        if have > min {
            // More than needed: the bonus drew in members another item may lack; ease it.
            if let Some(b) = self.bonus.get_mut(&key) {
                *b *= 0.5;
            }
            return false;
        }
        if have == min {
            return false;
        }
        let current = self.bonus.get(&key).copied().unwrap_or(0.0);
        let gap = panel
            .iter()
            .filter(|p| !rules.member(&p.expert).groups.contains(g))
            .map(|p| p.score)
            .fold(f64::INFINITY, f64::min)
            - rules
                .inst
                .scores
                .iter()
                .filter(|s| {
                    s.item == *item
                        && rules.member(&s.expert).groups.contains(g)
                        && !panel.iter().any(|p| p.expert == s.expert)
                })
                .map(|s| s.score + current)
                .fold(f64::NEG_INFINITY, f64::max);
        let tries = self.stuck.entry(key.clone()).or_insert(0u32);
        *tries += 1;
        let nudge = self.spread * 1e-3 * f64::from(1u32 << (*tries).min(20));
        let step = if gap.is_finite() { gap.max(0.0) + nudge } else { self.spread };
        self.bonus.insert(key, current + step);
        self.last_problem = format!("at least {min} from group {g} on item {item}");
        true
    }
}

/// Instance helper: a score entry.
pub fn score(item: &str, expert: &str, score: f64) -> Score {
    Score { item: item.into(), expert: expert.into(), score }
}

mod exact;

#[cfg(test)]
mod tests;
