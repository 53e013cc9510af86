use super::*;

fn inst(
    items: &[(&str, i64)],
    experts: &[(&str, i64, i64)],
    scores: &[(&str, &str, f64)],
) -> Instance {
    Instance {
        items: items.iter().map(|(id, d)| Item { id: id.to_string(), demand: *d }).collect(),
        experts: experts
            .iter()
            .map(|(id, max, min)| Expert { id: id.to_string(), max_load: *max, min_load: *min })
            .collect(),
        scores: scores
            .iter()
            .map(|(i, e, s)| Score { item: i.to_string(), expert: e.to_string(), score: *s })
            .collect(),
        conflicts: vec![],
        forced: vec![],
    }
}

/// Every assignment of a tiny instance, the best kept: the reference the solver must equal.
fn brute_force(x: &Instance) -> Option<f64> {
    let pairs: Vec<(usize, usize, f64)> = x
        .scores
        .iter()
        .filter(|s| !x.conflicts.iter().any(|c| c.item == s.item && c.expert == s.expert))
        .map(|s| {
            (
                x.items.iter().position(|i| i.id == s.item).unwrap(),
                x.experts.iter().position(|e| e.id == s.expert).unwrap(),
                s.score,
            )
        })
        .collect();
    let forced: Vec<(usize, usize)> = x
        .forced
        .iter()
        .map(|f| {
            (
                x.items.iter().position(|i| i.id == f.item).unwrap(),
                x.experts.iter().position(|e| e.id == f.expert).unwrap(),
            )
        })
        .collect();
    let mut best: Option<f64> = None;
    for mask in 0u32..(1 << pairs.len()) {
        let chosen: Vec<&(usize, usize, f64)> = pairs
            .iter()
            .enumerate()
            .filter(|(k, _)| mask & (1 << k) != 0)
            .map(|(_, p)| p)
            .collect();
        if forced.iter().any(|f| !chosen.iter().any(|p| (p.0, p.1) == *f)) {
            continue;
        }
        let ok_items = x
            .items
            .iter()
            .enumerate()
            .all(|(i, it)| chosen.iter().filter(|p| p.0 == i).count() as i64 == it.demand);
        let ok_experts = x.experts.iter().enumerate().all(|(e, ex)| {
            let n = chosen.iter().filter(|p| p.1 == e).count() as i64;
            ex.min_load <= n && n <= ex.max_load
        });
        if ok_items && ok_experts {
            let total: f64 = chosen.iter().map(|p| p.2).sum();
            if best.is_none_or(|b| total > b) {
                best = Some(total);
            }
        }
    }
    best
}

pub(super) struct Rng(pub(super) u64);
impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn tiny_random_instances_match_exhaustive_search() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0;
    for _ in 0..400 {
        let ni = 1 + (r.next() % 3) as usize;
        let ne = 2 + (r.next() % 3) as usize;
        let items: Vec<(String, i64)> =
            (0..ni).map(|i| (format!("P{i}"), (r.next() % 3) as i64)).collect();
        let experts: Vec<(String, i64, i64)> = (0..ne)
            .map(|e| {
                let max = 1 + (r.next() % 3) as i64;
                (format!("E{e}"), max, if r.next().is_multiple_of(4) { 1 } else { 0 })
            })
            .collect();
        let mut scores = vec![];
        for i in 0..ni {
            for e in 0..ne {
                if !r.next().is_multiple_of(5) && scores.len() < 14 {
                    scores.push((
                        format!("P{i}"),
                        format!("E{e}"),
                        ((r.next() % 2001) as f64 - 500.0) / 1000.0,
                    ));
                }
            }
        }
        let mut x = inst(
            &items.iter().map(|(a, b)| (a.as_str(), *b)).collect::<Vec<_>>(),
            &experts.iter().map(|(a, b, c)| (a.as_str(), *b, *c)).collect::<Vec<_>>(),
            &scores.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), *c)).collect::<Vec<_>>(),
        );
        if r.next().is_multiple_of(3) && !scores.is_empty() {
            let s = &scores[(r.next() as usize) % scores.len()];
            x.conflicts.push(Pair {
                item: s.0.clone(),
                expert: s.1.clone(),
                reason: "same organisation".into(),
            });
        }
        if r.next().is_multiple_of(3) && !scores.is_empty() {
            let s = &scores[(r.next() as usize) % scores.len()];
            if !x.conflicts.iter().any(|c| c.item == s.0 && c.expert == s.1) {
                x.forced.push(Pair {
                    item: s.0.clone(),
                    expert: s.1.clone(),
                    reason: String::new(),
                });
            }
        }
        let expected = brute_force(&x);
        match (solve(&x).unwrap(), expected) {
            (Outcome::Optimal { objective, pairs }, Some(best)) => {
                assert!((objective - best).abs() < 1e-6, "{x:?}: {objective} vs {best}");
                for it in &x.items {
                    assert_eq!(pairs.iter().filter(|p| p.item == it.id).count() as i64, it.demand);
                }
                checked += 1;
            }
            (Outcome::Infeasible(_), None) => checked += 1,
            (got, want) => panic!("{x:?}: got {got:?}, exhaustive search says {want:?}"),
        }
    }
    assert!(checked == 400);
}

#[test]
fn infeasible_requests_say_what_cannot_be_met() {
    let x =
        inst(&[("P1", 3)], &[("E1", 1, 0), ("E2", 1, 0)], &[("P1", "E1", 1.0), ("P1", "E2", 1.0)]);
    let Outcome::Infeasible(why) = solve(&x).unwrap() else { panic!() };
    assert!(why.contains("total demand 3 exceeds the experts' total capacity 2"), "{why}");
    let x = inst(
        &[("P1", 2), ("P9", 2)],
        &[("E1", 5, 0), ("E2", 5, 0)],
        &[("P1", "E1", 1.0), ("P1", "E2", 1.0), ("P9", "E1", 1.0)],
    );
    let Outcome::Infeasible(why) = solve(&x).unwrap() else { panic!() };
    assert!(why.contains("item P9 has 1 eligible experts"), "{why}");
}

#[test]
fn malformed_input_names_the_entry() {
    let mut x = inst(&[("P1", 1), ("P1", 1)], &[("E1", 1, 0)], &[]);
    assert_eq!(solve(&x).unwrap_err().entry, "items[1] \"P1\"");
    x = inst(&[("P1", -1)], &[("E1", 1, 0)], &[]);
    assert!(solve(&x).unwrap_err().message.contains("negative demand"));
    x = inst(&[("P1", 1)], &[("E1", 1, 0)], &[("P1", "E9", 1.0)]);
    assert_eq!(solve(&x).unwrap_err().to_string(), "scores[0]: unknown expert \"E9\"");
    x = inst(&[("P1", 1)], &[("E1", 1, 0)], &[("P1", "E1", 1.0)]);
    x.conflicts.push(Pair { item: "P1".into(), expert: "E1".into(), reason: "co-author".into() });
    x.forced.push(Pair { item: "P1".into(), expert: "E1".into(), reason: String::new() });
    assert!(solve(&x).unwrap_err().message.contains("both forced and in conflict"));
}

/// A random instance of the given size: each item scored against `per_item` random experts,
/// some pairs in conflict or forced, some experts with a minimum load.
pub(super) fn random_instance(r: &mut Rng, ni: usize, ne: usize, per_item: usize) -> Instance {
    let mut x = Instance::default();
    for i in 0..ni {
        x.items.push(Item { id: format!("P{i}"), demand: (r.next() % 4) as i64 });
    }
    for e in 0..ne {
        let max = 1 + (r.next() % 6) as i64;
        let min = if r.next().is_multiple_of(8) { 1 } else { 0 };
        x.experts.push(Expert { id: format!("E{e}"), max_load: max, min_load: min });
    }
    for i in 0..ni {
        let mut chosen: Vec<usize> = (0..ne).collect();
        for k in 0..per_item.min(ne) {
            let j = k + (r.next() as usize) % (ne - k);
            chosen.swap(k, j);
            let (item, expert) = (format!("P{i}"), format!("E{}", chosen[k]));
            let score = ((r.next() % 2_000_001) as f64 - 500_000.0) / 1e6;
            match r.next() % 20 {
                0 => x.conflicts.push(Pair {
                    item: item.clone(),
                    expert: expert.clone(),
                    reason: "co-author".into(),
                }),
                1 => x.forced.push(Pair {
                    item: item.clone(),
                    expert: expert.clone(),
                    reason: String::new(),
                }),
                _ => {}
            }
            x.scores.push(Score { item, expert, score });
        }
    }
    x
}

/// The flow meets every capacity and supply.
fn assert_valid(net: &flow::Network, f: &[i64]) {
    let mut balance = net.supply.clone();
    for (a, &x) in net.arcs.iter().zip(f) {
        assert!(0 <= x && x <= a.cap, "flow {x} on an arc of capacity {}", a.cap);
        balance[a.from as usize] -= x;
        balance[a.to as usize] += x;
    }
    assert!(balance.iter().all(|&b| b == 0), "supplies not met: {balance:?}");
}

#[test]
fn cost_scaling_equals_the_reference_solver_on_random_networks() {
    let mut r = Rng(0x2545_F491_4F6C_DD1D);
    let (mut feasible, mut infeasible) = (0, 0);
    for round in 0..2000 {
        let (ni, ne) = (1 + (r.next() % 30) as usize, 5 + (r.next() % 25) as usize);
        let per_item = 3 + (r.next() % 12) as usize;
        let x = random_instance(&mut r, ni, ne, per_item);
        let p = Problem::from_instance(&x).unwrap();
        // Every third round with a cap per organisation (experts in four organisations).
        let groups = round % 3 == 0;
        let group_of: HashMap<String, String> = x
            .experts
            .iter()
            .enumerate()
            .map(|(k, e)| (e.id.clone(), format!("org{}", k % 4)))
            .collect();
        let gc = GroupCap { group_of: &group_of, cap: 2 };
        let g = groups.then(|| groups_of(&p, &gc));
        let Ok(built) = network::build(&p, g.as_ref()) else { continue };
        let ours = flow::min_cost_flow(&built.net);
        let theirs = reference::min_cost_flow(&built.net);
        match (ours, theirs) {
            (Ok(a), Some(b)) => {
                assert_valid(&built.net, &a);
                assert_eq!(built.net.cost_of(&a), built.net.cost_of(&b), "round {round}");
                feasible += 1;
            }
            (Err(flow::NoFlow::Infeasible), None) => infeasible += 1,
            (a, b) => panic!("round {round}: cost scaling {a:?}, reference {b:?}"),
        }
    }
    // Both kinds of network were met, or the comparison proves little.
    assert!(feasible > 250 && infeasible > 30, "{feasible} feasible, {infeasible} infeasible");
}

#[test]
fn the_json_reader_agrees_with_the_owned_instance() {
    let mut r = Rng(77);
    let x = random_instance(&mut r, 30, 12, 6);
    let text = format!(
        r#"{{"forced": {}, "scores": {}, "items": {}, "experts": {}, "conflicts": {}, "note": [1, {{"a": 2}}]}}"#,
        pairs_json(&x.forced),
        serde_json::to_string(
            &x.scores
                .iter()
                .map(|s| serde_json::json!({"item": s.item, "expert": s.expert, "score": s.score}))
                .collect::<Vec<_>>()
        )
        .unwrap(),
        serde_json::to_string(
            &x.items.iter().map(|i| serde_json::json!({"id": i.id, "demand": i.demand})).collect::<Vec<_>>()
        )
        .unwrap(),
        serde_json::to_string(
            &x.experts
                .iter()
                .map(|e| serde_json::json!({"id": e.id, "max_load": e.max_load, "min_load": e.min_load}))
                .collect::<Vec<_>>()
        )
        .unwrap(),
        pairs_json(&x.conflicts),
    );
    // Scores and forced pairs come before the lists that define their ids.
    let streamed = json::read(&text).unwrap();
    let owned = Problem::from_instance(&x).unwrap();
    assert_eq!(streamed.item_ids, owned.item_ids);
    assert_eq!(streamed.expert_ids, owned.expert_ids);
    assert_eq!(streamed.candidates, owned.candidates);
    assert_eq!(streamed.forced, owned.forced);
    assert_eq!(network::solve(&streamed, None), network::solve(&owned, None));
}

fn pairs_json(pairs: &[Pair]) -> String {
    serde_json::to_string(
        &pairs
            .iter()
            .map(|p| serde_json::json!({"item": p.item, "expert": p.expert, "reason": p.reason}))
            .collect::<Vec<_>>(),
    )
    .unwrap()
}

#[test]
fn the_json_reader_names_what_is_wrong() {
    let syntax = |text: &str| match json::read(text) {
        Err(json::ReadError::Syntax { line, column, message }) => (line, column, message),
        other => panic!("{text}: {:?}", other.map(|p| p.item_ids.len())),
    };
    let input = |text: &str| match json::read(text) {
        Err(json::ReadError::Input(e)) => e.to_string(),
        other => panic!("{text}: {:?}", other.map(|p| p.item_ids.len())),
    };
    let (line, column, _) =
        syntax("{\"items\": [{\"id\": \"P1\", \"demand\": 1}],\n \"experts\": [}");
    assert_eq!((line, column), (2, 14));
    assert!(syntax(r#"{"experts": []}"#).2.contains("missing field `items`"));
    let half = syntax(r#"{"items": [{"id": "P1", "demand": 1.5}], "experts": []}"#).2;
    assert!(half.contains("invalid type: floating point `1.5`"), "{half}");
    assert!(
        syntax(r#"{"items": [{"id": "P1"}], "experts": []}"#).2.contains("missing field `demand`")
    );
    let ok =
        r#""items": [{"id": "P\u0031", "demand": 1}], "experts": [{"id": "E1", "max_load": 1}]"#;
    assert_eq!(
        input(&format!(r#"{{{ok}, "scores": [{{"item": "P1", "expert": "E2", "score": 1}}]}}"#)),
        "scores[0]: unknown expert \"E2\""
    );
    assert_eq!(
        input(&format!(
            r#"{{{ok}, "forced": [{{"item": "P1", "expert": "E1"}}, {{"item": "P1", "expert": "E1"}}]}}"#
        )),
        "forced[1]: the same pair is forced twice"
    );
    assert_eq!(
        input(&format!(
            r#"{{{ok}, "scores": [{{"item": "P1", "expert": "E1", "score": 1}}, {{"item": "P1", "expert": "E1", "score": 2}}]}}"#
        )),
        "scores[1]: a second score for \"P1\" and \"E1\""
    );
    // An escaped id is the same id.
    let text = format!(r#"{{{ok}, "scores": [{{"item": "P1", "expert": "E1", "score": 0.5}}]}}"#);
    let p = json::read(&text).unwrap();
    let s = network::solve(&p, None).unwrap();
    assert_eq!((s.objective, s.pairs.len()), (0.5, 1));
    let out: serde_json::Value = serde_json::from_slice(&json::write(&p, &Ok(s))).unwrap();
    assert_eq!(out["pairs"][0]["item"], "P1");
    assert_eq!(out["status"], "optimal");
}
