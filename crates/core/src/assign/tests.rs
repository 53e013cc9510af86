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

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
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
