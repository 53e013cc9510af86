use super::super::tests::{Rng, random_instance};
use super::*;
use crate::assign::{Instance, Pair};

/// Every assignment of a tiny problem, the lexicographic best of (reviews moved, −score).
fn brute_force(p: &Problem<'_>, current: &[(u32, u32)]) -> Option<(usize, f64)> {
    let cands = &p.candidates;
    let mut best: Option<(usize, f64)> = None;
    for mask in 0u32..(1 << cands.len()) {
        let chosen: Vec<&Candidate> = cands
            .iter()
            .enumerate()
            .filter(|(k, _)| mask & (1 << k) != 0)
            .map(|(_, c)| c)
            .collect();
        let all: Vec<&Candidate> = chosen.iter().copied().chain(&p.forced).collect();
        let items_ok = (0..p.item_ids.len())
            .all(|i| all.iter().filter(|c| c.item as usize == i).count() as i64 == p.demand[i]);
        let experts_ok = (0..p.expert_ids.len()).all(|e| {
            let n = all.iter().filter(|c| c.expert as usize == e).count() as i64;
            p.min_load[e] <= n && n <= p.max_load[e]
        });
        if !(items_ok && experts_ok) {
            continue;
        }
        let moved = cands
            .iter()
            .filter(|c| current.contains(&(c.item, c.expert)))
            .filter(|c| !chosen.iter().any(|x| (x.item, x.expert) == (c.item, c.expert)))
            .count();
        let score: f64 = all.iter().map(|c| c.score).sum();
        if best.is_none_or(|(m, s)| moved < m || (moved == m && score > s + 1e-9)) {
            best = Some((moved, score));
        }
    }
    best
}

/// The pairs of a solution, and one of them (not forced) declined: a conflict from now on.
fn decline(x: &mut Instance, solved: &Solved, p: &Problem<'_>, r: &mut Rng) -> Vec<(u32, u32)> {
    let current: Vec<(u32, u32)> = solved.pairs.iter().map(|c| (c.item, c.expert)).collect();
    let free: Vec<&Candidate> = solved.pairs.iter().filter(|c| !p.forced.contains(c)).collect();
    if !free.is_empty() {
        let c = free[(r.next() as usize) % free.len()];
        x.conflicts.push(Pair {
            item: p.item_ids[c.item as usize].to_string(),
            expert: p.expert_ids[c.expert as usize].to_string(),
            reason: "declined".into(),
        });
    }
    current
}

#[test]
fn a_decline_is_repaired_with_the_fewest_moves_then_the_best_score() {
    let mut r = Rng(0xA076_1D64_78BD_642F);
    let (mut checked, mut with_moves) = (0, 0);
    for round in 0..3000 {
        let (ni, ne) = (1 + (r.next() % 3) as usize, 2 + (r.next() % 3) as usize);
        let per_item = 1 + (r.next() % 4) as usize;
        let x = random_instance(&mut r, ni, ne, per_item);
        let before = Problem::from_instance(&x).unwrap();
        if before.candidates.len() > 12 {
            continue;
        }
        let Ok(solved) = network::solve(&before, None) else { continue };
        let mut y = x.clone();
        let current = decline(&mut y, &solved, &before, &mut r);
        let after = Problem::from_instance(&y).unwrap();
        let expected = brute_force(&after, &current);
        match (reassign(&after, None, &current), expected) {
            (Ok(got), Some((moved, score))) => {
                assert_eq!(got.moved, moved, "round {round}: {y:?}");
                assert!((got.solved.objective - score).abs() < 1e-6, "round {round}: {y:?}");
                with_moves += usize::from(moved > 0);
                checked += 1;
            }
            (Err(_), None) => checked += 1,
            (got, want) => panic!("round {round}: {y:?}: got {got:?}, brute force {want:?}"),
        }
    }
    assert!(checked > 500 && with_moves > 10, "{checked} checked, {with_moves} with moves");
}

#[test]
fn with_room_to_spare_one_decline_brings_one_new_reviewer_and_moves_nobody() {
    let mut r = Rng(5);
    let mut x = random_instance(&mut r, 40, 30, 12);
    for e in &mut x.experts {
        (e.max_load, e.min_load) = (20, 0);
    }
    x.forced.clear();
    let before = Problem::from_instance(&x).unwrap();
    let solved = network::solve(&before, None).unwrap();
    let mut y = x.clone();
    let current = decline(&mut y, &solved, &before, &mut r);
    let after = Problem::from_instance(&y).unwrap();
    let got = reassign(&after, None, &current).unwrap();
    assert_eq!(got.moved, 0);
    let left: Vec<&Change> = got.changes.iter().filter(|c| !c.added).collect();
    let joined: Vec<&Change> = got.changes.iter().filter(|c| c.added).collect();
    assert_eq!((left.len(), joined.len()), (1, 1), "{:?}", got.changes);
    assert_eq!(left[0].why, Why::Conflict);
    assert_eq!(left[0].pair.item, joined[0].pair.item);
    // Nothing else changed, and the new reviewer is the best one free for that item.
    let untouched = solved.pairs.len() - 1;
    let kept = got.solved.pairs.iter().filter(|c| solved.pairs.contains(c)).count();
    assert_eq!(kept, untouched);
}

#[test]
fn with_nothing_changed_nothing_moves() {
    let mut r = Rng(9);
    let x = random_instance(&mut r, 30, 20, 8);
    let p = Problem::from_instance(&x).unwrap();
    let Ok(solved) = network::solve(&p, None) else { return };
    let current: Vec<(u32, u32)> = solved.pairs.iter().map(|c| (c.item, c.expert)).collect();
    let got = reassign(&p, None, &current).unwrap();
    assert!(got.changes.is_empty(), "{:?}", got.changes);
    assert_eq!(got.solved, solved);
}
