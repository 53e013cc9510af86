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
    assert!((objective - 1.8).abs() < 1e-9, "the true affinities, without bonuses: {objective}");
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
    assert_eq!(panel_of(&assign_panels(&instance(), &members(), &comp).unwrap()), ["a", "b", "o"]);
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
        Outcome::Infeasible("item p1: at least 2 from group finance required, 1 eligible".into())
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
    assert!(!comp.admits(&[&ms["a"], &ms["c"]], &ms["o"], 3), "the last place must go to finance");
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
                    p.iter()
                        .all(|&k| sc.contains_key(&(it.id.as_str(), inst.experts[k].id.as_str())))
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

/// Against brute force on 900 small random instances: the cap alone, the group alone and both
/// together are exact, and the search says it has proven it (gap 0).
#[test]
fn panels_obey_the_rules_and_match_brute_force() {
    let finance_rule = vec![MinGroup { group: "finance".into(), min: 1 }];
    let configs = [
        Composition { max_per_org: 1, ..Default::default() },
        Composition { min_groups: finance_rule.clone(), ..Default::default() },
        Composition { max_per_org: 1, min_groups: finance_rule, min_outside_share: 0.0 },
    ];
    let (mut both, mut searched) = (0, 0);
    for case in 0..900u64 {
        let (inst, ms) = random_case(case);
        let rules = (case % 3) as usize;
        let comp = &configs[rules];
        let ours = assign_panels(&inst, &ms, comp).unwrap();
        assert_eq!(ours.gap, 0.0, "case {case}: not proven");
        searched += usize::from(ours.nodes > 0);
        match (brute(&inst, &ms, comp), ours.outcome) {
            (None, Outcome::Infeasible(_)) => {}
            (None, o) => panic!("case {case}: brute force finds nothing, ours {o:?}"),
            (Some(best), Outcome::Optimal { objective, pairs }) => {
                for it in &inst.items {
                    let panel: Vec<&Member> =
                        pairs.iter().filter(|p| p.item == it.id).map(|p| &ms[&p.expert]).collect();
                    assert!(comp.violations(&panel, 2).is_empty(), "case {case}");
                }
                assert!(
                    (objective - best).abs() < 1e-6,
                    "case {case} rules {rules}: ours {objective} best {best}"
                );
                both += usize::from(rules == 2);
            }
            (Some(best), Outcome::Infeasible(w)) => {
                panic!("case {case} rules {rules}: brute force finds {best}, ours: {w}")
            }
        }
    }
    // The cases with both rules were met, and the search ran on them.
    assert!(both > 150 && searched > 150, "{both} with both rules, {searched} searched");
}

/// Two minimums at once (a finance expert and a third from outside the region) with one per
/// organisation, panels of three: still exact and proven, against brute force.
#[test]
fn two_minimums_and_a_cap_are_exact_too() {
    let comp = Composition {
        max_per_org: 1,
        min_groups: vec![MinGroup { group: "finance".into(), min: 1 }],
        min_outside_share: 0.3,
    };
    let mut checked = 0;
    for case in 0..1200u64 {
        let (mut inst, mut ms) = random_case(case + 10_000);
        for (k, m) in ms.values_mut().enumerate() {
            if (case + k as u64).is_multiple_of(3) {
                m.groups.insert(OUTSIDE_REGION.to_string());
            }
        }
        for it in &mut inst.items {
            it.demand = 3;
        }
        for e in &mut inst.experts {
            e.max_load = 2;
        }
        let ours = assign_panels(&inst, &ms, &comp).unwrap();
        assert_eq!(ours.gap, 0.0, "case {case}: not proven");
        match (brute(&inst, &ms, &comp), ours.outcome) {
            (None, Outcome::Infeasible(_)) => {}
            (Some(best), Outcome::Optimal { objective, .. }) => {
                assert!((objective - best).abs() < 1e-6, "case {case}: {objective} vs {best}");
                checked += 1;
            }
            (want, got) => panic!("case {case}: brute force {want:?}, ours {got:?}"),
        }
    }
    assert!(checked > 60, "{checked} feasible cases");
}
