//! Panel composition (at most so many per organisation, at least so many from a group such as
//! finance experts or experts from outside the region) and optimal assignment under it.
//!
//! The cap per organisation is exact: the flow network routes each item's experts through one node
//! per (item, organisation) whose capacity is the cap ([`crate::assign::solve_capped`]). Group
//! minimums are enforced by Lagrangian-style bonuses: an item short of a group raises a bonus on
//! that group's pairs for that item just enough to bring the next member in, and the flow is solved
//! again. Each round is an exact optimum of the bonused problem, and the objective reported is the
//! true total affinity (bonuses excluded); the outcome says how many rounds it took, and if a rule
//! cannot be met it names the item and the rule. A single group minimum without a cap per
//! organisation is exact too: it is a cap on the experts outside the group. Together, the cap and
//! the minimums are met whenever the rounds find a way, and the result is then near, not always
//! at, the optimum (the property test below measures it against brute force).
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
    /// Exact flows solved (1 when no group minimum had to be enforced).
    pub rounds: usize,
}

const MAX_ROUNDS: usize = 60;

/// Optimal assignment of `inst` with each item's panel obeying `comp`. Experts missing from
/// `members` belong to no organisation and no group.
pub fn assign_panels(
    inst: &Instance,
    members: &HashMap<String, Member>,
    comp: &Composition,
) -> Result<PanelOutcome, assign::InputError> {
    let rules = Rules { inst, members, comp, none: Member::default() };
    if let Some(why) = rules.hopeless() {
        return Ok(PanelOutcome { outcome: Outcome::Infeasible(why), rounds: 0 });
    }
    if let Some(outcome) = rules.exact_single_group() {
        return Ok(PanelOutcome { outcome: outcome?, rounds: 1 });
    }
    rules.rounds()
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

    /// Rounds of exact flows with bonuses on the groups an item is short of, until every panel
    /// has its minimums (or the rounds run out).
    fn rounds(&self) -> Result<PanelOutcome, assign::InputError> {
        let inst = self.inst;
        let orgs: HashMap<String, String> = self
            .members
            .iter()
            .filter(|(_, m)| !m.org.is_empty())
            .map(|(e, m)| (e.clone(), m.org.clone()))
            .collect();
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
                    return Ok(PanelOutcome { outcome: Outcome::Infeasible(w), rounds: round });
                }
            };
            if !b.raise(&pairs) {
                return Ok(PanelOutcome { outcome: self.unbonused(pairs), rounds: round });
            }
        }
        Ok(PanelOutcome {
            outcome: Outcome::Infeasible(format!(
                "could not meet {} within {MAX_ROUNDS} rounds",
                b.last_problem
            )),
            rounds: MAX_ROUNDS,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assign::{Expert, Item};

    fn members() -> HashMap<String, Member> {
        let m = |org: &str, groups: &[&str]| Member {
            org: org.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        };
        HashMap::from([
            ("a".to_string(), m("U1", &[])),
            ("b".to_string(), m("U1", &[])),
            ("c".to_string(), m("U2", &[])),
            ("f".to_string(), m("U3", &["finance"])),
            ("o".to_string(), m("U4", &[OUTSIDE_REGION])),
        ])
    }

    fn instance() -> Instance {
        Instance {
            items: vec![Item { id: "p1".into(), demand: 3 }],
            experts: ["a", "b", "c", "f", "o"]
                .iter()
                .map(|e| Expert { id: e.to_string(), max_load: 1, min_load: 0 })
                .collect(),
            scores: vec![
                score("p1", "a", 0.9),
                score("p1", "b", 0.8),
                score("p1", "c", 0.7),
                score("p1", "f", 0.2),
                score("p1", "o", 0.1),
            ],
            conflicts: vec![],
            forced: vec![],
        }
    }

    fn panel_of(out: &PanelOutcome) -> Vec<String> {
        match &out.outcome {
            Outcome::Optimal { pairs, .. } => {
                let mut v: Vec<String> = pairs.iter().map(|p| p.expert.clone()).collect();
                v.sort();
                v
            }
            Outcome::Infeasible(w) => panic!("infeasible: {w}"),
        }
    }

    #[test]
    fn without_rules_the_best_three_win() {
        assert_eq!(
            panel_of(&assign_panels(&instance(), &members(), &Composition::default()).unwrap()),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn one_per_organisation_and_a_finance_expert() {
        let comp = Composition {
            max_per_org: 1,
            min_groups: vec![MinGroup { group: "finance".into(), min: 1 }],
            min_outside_share: 0.0,
        };
        let out = assign_panels(&instance(), &members(), &comp).unwrap();
        assert_eq!(panel_of(&out), ["a", "c", "f"]);
        let Outcome::Optimal { objective, .. } = out.outcome else { unreachable!() };
        assert!(
            (objective - 1.8).abs() < 1e-9,
            "the true affinities, without bonuses: {objective}"
        );
        // It is the best panel that obeys the rules: check against every panel of three.
        let ms = members();
        let names = ["a", "b", "c", "f", "o"];
        let sc = [0.9, 0.8, 0.7, 0.2, 0.1];
        let mut best = f64::MIN;
        for x in 0..5 {
            for y in x + 1..5 {
                for z in y + 1..5 {
                    let p: Vec<&Member> = [x, y, z].iter().map(|&k| &ms[names[k]]).collect();
                    if comp.violations(&p, 3).is_empty() {
                        best = best.max(sc[x] + sc[y] + sc[z]);
                    }
                }
            }
        }
        assert!((best - objective).abs() < 1e-9);
    }

    #[test]
    fn a_share_from_outside_the_region() {
        let comp = Composition { max_per_org: 0, min_groups: vec![], min_outside_share: 0.3 };
        assert_eq!(comp.minimums(3), vec![(OUTSIDE_REGION.to_string(), 1)]);
        assert_eq!(
            panel_of(&assign_panels(&instance(), &members(), &comp).unwrap()),
            ["a", "b", "o"]
        );
    }

    #[test]
    fn impossible_rules_name_the_item_and_the_rule() {
        let comp = Composition {
            max_per_org: 0,
            min_groups: vec![MinGroup { group: "finance".into(), min: 2 }],
            min_outside_share: 0.0,
        };
        let out = assign_panels(&instance(), &members(), &comp).unwrap();
        assert_eq!(
            out.outcome,
            Outcome::Infeasible(
                "item p1: at least 2 from group finance required, 1 eligible".into()
            )
        );
    }

    #[test]
    fn admits_keeps_room_for_the_shortfall() {
        let ms = members();
        let comp = Composition {
            max_per_org: 1,
            min_groups: vec![MinGroup { group: "finance".into(), min: 1 }],
            min_outside_share: 0.0,
        };
        assert!(comp.admits(&[], &ms["a"], 3));
        assert!(!comp.admits(&[&ms["a"]], &ms["b"], 3), "same organisation");
        assert!(
            !comp.admits(&[&ms["a"], &ms["c"]], &ms["o"], 3),
            "the last place must go to finance"
        );
        assert!(comp.admits(&[&ms["a"], &ms["c"]], &ms["f"], 3));
    }

    /// Every assignment of small instances, by brute force: the best objective that obeys the
    /// rules, or None.
    fn brute(inst: &Instance, ms: &HashMap<String, Member>, comp: &Composition) -> Option<f64> {
        let items = &inst.items;
        let sc: HashMap<(&str, &str), f64> =
            inst.scores.iter().map(|s| ((s.item.as_str(), s.expert.as_str()), s.score)).collect();
        let panels: Vec<Vec<Vec<usize>>> = items
            .iter()
            .map(|it| {
                let n = inst.experts.len();
                (0u32..1 << n)
                    .filter(|m| m.count_ones() as i64 == it.demand)
                    .map(|m| (0..n).filter(|k| m >> k & 1 == 1).collect::<Vec<_>>())
                    .filter(|p| {
                        p.iter().all(|&k| {
                            sc.contains_key(&(it.id.as_str(), inst.experts[k].id.as_str()))
                        })
                    })
                    .filter(|p| {
                        comp.violations(
                            &p.iter().map(|&k| &ms[&inst.experts[k].id]).collect::<Vec<_>>(),
                            it.demand as usize,
                        )
                        .is_empty()
                    })
                    .collect()
            })
            .collect();
        let mut best: Option<f64> = None;
        let mut choice = vec![0usize; items.len()];
        loop {
            let mut load = vec![0i64; inst.experts.len()];
            let mut total = 0.0;
            for (i, &c) in choice.iter().enumerate() {
                if panels[i].is_empty() {
                    return None;
                }
                for &k in &panels[i][c] {
                    load[k] += 1;
                    total += sc[&(items[i].id.as_str(), inst.experts[k].id.as_str())];
                }
            }
            if load.iter().zip(&inst.experts).all(|(l, e)| *l <= e.max_load) {
                best = Some(best.map_or(total, |b: f64| b.max(total)));
            }
            let mut i = 0;
            loop {
                if i == items.len() {
                    return best;
                }
                choice[i] += 1;
                if choice[i] < panels[i].len() {
                    break;
                }
                choice[i] = 0;
                i += 1;
            }
        }
    }

    fn random_case(seed: u64) -> (Instance, HashMap<String, Member>) {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let names = ["e0", "e1", "e2", "e3", "e4", "e5"];
        let ms: HashMap<String, Member> = names
            .iter()
            .map(|n| {
                (
                    n.to_string(),
                    Member {
                        org: format!("U{}", next(3)),
                        groups: if next(2) == 0 {
                            ["finance".to_string()].into()
                        } else {
                            Default::default()
                        },
                    },
                )
            })
            .collect();
        let inst = Instance {
            items: (0..3).map(|i| Item { id: format!("p{i}"), demand: 2 }).collect(),
            experts: names
                .iter()
                .map(|n| Expert { id: n.to_string(), max_load: 1 + next(2) as i64, min_load: 0 })
                .collect(),
            scores: (0..3)
                .flat_map(|i| names.iter().map(move |n| (i, n)))
                .map(|(i, n)| score(&format!("p{i}"), n, next(100) as f64 / 100.0))
                .collect(),
            conflicts: vec![],
            forced: vec![],
        };
        (inst, ms)
    }

    /// Against brute force on 600 small random instances: the cap alone and the group alone are
    /// exact; with both, every answer obeys the rules, and we measure how often the rounds find a
    /// panel set when one exists and how close to the optimum it is.
    #[test]
    fn panels_obey_the_rules_and_match_brute_force() {
        let finance_rule = vec![MinGroup { group: "finance".into(), min: 1 }];
        let configs = [
            Composition { max_per_org: 1, ..Default::default() },
            Composition { min_groups: finance_rule.clone(), ..Default::default() },
            Composition { max_per_org: 1, min_groups: finance_rule, min_outside_share: 0.0 },
        ];
        let (mut feasible, mut found, mut optimal) = (0, 0, 0);
        for case in 0..600u64 {
            let (inst, ms) = random_case(case);
            let rules = (case % 3) as usize;
            let comp = &configs[rules];
            let ours = assign_panels(&inst, &ms, comp).unwrap();
            match (brute(&inst, &ms, comp), ours.outcome) {
                (None, Outcome::Infeasible(_)) => {}
                (None, o) => panic!("case {case}: brute force finds nothing, ours {o:?}"),
                (Some(best), Outcome::Optimal { objective, pairs }) => {
                    for it in &inst.items {
                        let panel: Vec<&Member> = pairs
                            .iter()
                            .filter(|p| p.item == it.id)
                            .map(|p| &ms[&p.expert])
                            .collect();
                        assert!(comp.violations(&panel, 2).is_empty(), "case {case}");
                    }
                    assert!(objective <= best + 1e-6);
                    if rules < 2 {
                        assert!(
                            (objective - best).abs() < 1e-6,
                            "case {case} rules {rules}: ours {objective} best {best}"
                        );
                    } else {
                        feasible += 1;
                        found += 1;
                        optimal += usize::from((objective - best).abs() < 1e-6);
                    }
                }
                (Some(_), Outcome::Infeasible(w)) => {
                    assert_eq!(rules, 2, "case {case}: exact rules must find it: {w}");
                    feasible += 1;
                }
            }
        }
        eprintln!(
            "both rules: {found} of {feasible} feasible cases found, {optimal} at the optimum"
        );
        assert!(found * 100 >= feasible * 95, "found {found} of {feasible}");
    }
}
