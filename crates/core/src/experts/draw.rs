//! Random drawing (随机抽取) that a supervisor can replay. The seed is fixed and its SHA-256
//! published before the draw; each (item, expert) pair then gets a key from the seed, and each
//! item's panel is its eligible experts taken in key order, skipping those the composition rules
//! do not admit. The same seed, pool and rules give the same panels, whatever order the pool was
//! listed in. A redraw (补抽) after a decline takes the next expert in the same order.
use super::panel::{Composition, Member};
use sha2::{Digest, Sha256};

/// A fresh seed's text (hex of 32 bytes) from whatever entropy the caller has.
pub fn seed_text(entropy: &[u8]) -> String {
    hex::encode(Sha256::digest(entropy))
}

/// The commitment shown before the draw: SHA-256 of the seed's text.
pub fn commitment(seed: &str) -> String {
    hex::encode(Sha256::digest(seed.as_bytes()))
}

/// The pair's place in the draw: the first 8 bytes of SHA-256(seed ␟ item ␟ expert).
pub fn key(seed: &str, item: &str, expert: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update([0x1f]);
    h.update(item.as_bytes());
    h.update([0x1f]);
    h.update(expert.as_bytes());
    let d = h.finalize();
    u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// An expert who may be drawn for an item (filters, conflicts, load caps and credit already
/// applied by the caller).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub expert: String,
    pub member: Member,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item}: {message}")]
pub struct DrawError {
    pub item: String,
    pub message: String,
}

/// How many places a draw fills, on a panel of what size (the item's demand, which the
/// composition rules are judged against).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Places {
    pub to_fill: usize,
    pub demand: usize,
}

/// Draws `places.to_fill` experts for `item` from `pool` (in key order), keeping `panel` (experts
/// already on it: for a redraw) and never taking anyone in `exclude` (those who declined). Returns
/// the new experts in the order drawn, with their keys.
pub fn draw(
    seed: &str,
    item: &str,
    pool: &[Candidate],
    panel: &[Candidate],
    exclude: &[String],
    places: Places,
    comp: &Composition,
) -> Result<Vec<(String, u64)>, DrawError> {
    let Places { to_fill: k, demand } = places;
    let mut order: Vec<(u64, &Candidate)> = pool
        .iter()
        .filter(|c| !exclude.contains(&c.expert) && !panel.iter().any(|p| p.expert == c.expert))
        .map(|c| (key(seed, item, &c.expert), c))
        .collect();
    order.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.expert.cmp(&b.1.expert)));
    let mut chosen: Vec<&Member> = panel.iter().map(|p| &p.member).collect();
    let mut out = Vec::new();
    for (key, c) in order {
        if out.len() == k {
            break;
        }
        if comp.admits(&chosen, &c.member, demand) {
            chosen.push(&c.member);
            out.push((c.expert.clone(), key));
        }
    }
    if out.len() < k {
        let mut why =
            format!("{} of {k} places filled from {} eligible experts", out.len(), pool.len());
        let broken = comp.violations(&chosen, demand);
        if !broken.is_empty() {
            why.push_str(&format!("; panel rules: {}", broken.join("; ")));
        }
        return Err(DrawError { item: item.to_string(), message: why });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experts::panel::MinGroup;

    fn pool(n: usize) -> Vec<Candidate> {
        (0..n)
            .map(|i| Candidate {
                expert: format!("E{i:03}"),
                member: Member {
                    org: format!("U{}", i % 7),
                    groups: if i % 5 == 0 {
                        ["finance".to_string()].into()
                    } else {
                        Default::default()
                    },
                },
            })
            .collect()
    }

    #[test]
    fn the_same_seed_replays_the_same_panel_in_any_order() {
        let seed = seed_text(b"2026-11-22 supervisor");
        assert_eq!(commitment(&seed).len(), 64);
        let p = pool(40);
        let a = draw(
            &seed,
            "P001",
            &p,
            &[],
            &[],
            Places { to_fill: 5, demand: 5 },
            &Composition::default(),
        )
        .unwrap();
        let mut rev = p.clone();
        rev.reverse();
        assert_eq!(
            draw(
                &seed,
                "P001",
                &rev,
                &[],
                &[],
                Places { to_fill: 5, demand: 5 },
                &Composition::default()
            )
            .unwrap(),
            a
        );
        let other = draw(
            &seed_text(b"another"),
            "P001",
            &p,
            &[],
            &[],
            Places { to_fill: 5, demand: 5 },
            &Composition::default(),
        )
        .unwrap();
        assert_ne!(other, a, "another seed, another panel");
        let keys: Vec<u64> = a.iter().map(|x| x.1).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn draws_are_spread_evenly() {
        // Over many items each expert should be drawn about equally often.
        let p = pool(20);
        let mut count = vec![0usize; 20];
        for i in 0..2000 {
            for (e, _) in draw(
                "seed",
                &format!("P{i}"),
                &p,
                &[],
                &[],
                Places { to_fill: 3, demand: 3 },
                &Composition::default(),
            )
            .unwrap()
            {
                count[e[1..].parse::<usize>().unwrap()] += 1;
            }
        }
        // Expected 300 each; a fair draw stays well within ±25 %.
        assert!(count.iter().all(|&c| (225..=375).contains(&c)), "{count:?}");
    }

    #[test]
    fn redraw_takes_the_next_admissible_expert() {
        let seed = "s";
        let p = pool(40);
        let comp = Composition {
            max_per_org: 1,
            min_groups: vec![MinGroup { group: "finance".into(), min: 1 }],
            min_outside_share: 0.0,
        };
        let first =
            draw(seed, "P9", &p, &[], &[], Places { to_fill: 5, demand: 5 }, &comp).unwrap();
        let panel: Vec<Candidate> =
            first.iter().map(|(e, _)| p.iter().find(|c| &c.expert == e).unwrap().clone()).collect();
        let members: Vec<&Member> = panel.iter().map(|c| &c.member).collect();
        assert!(comp.violations(&members, 5).is_empty());
        // The first declines: the redraw keeps the other four and the rules.
        let declined = vec![first[0].0.clone()];
        let kept: Vec<Candidate> = panel[1..].to_vec();
        let again = draw(seed, "P9", &p, &kept, &declined, Places { to_fill: 1, demand: 5 }, &comp)
            .unwrap();
        assert_eq!(again.len(), 1);
        assert_ne!(again[0].0, first[0].0);
        let mut all: Vec<&Member> = kept.iter().map(|c| &c.member).collect();
        let newcomer = p.iter().find(|c| c.expert == again[0].0).unwrap();
        all.push(&newcomer.member);
        assert!(comp.violations(&all, 5).is_empty());
        assert_eq!(
            draw(seed, "P9", &p, &kept, &declined, Places { to_fill: 1, demand: 5 }, &comp)
                .unwrap(),
            again,
            "the redraw replays too"
        );
    }

    #[test]
    fn a_pool_too_small_says_so() {
        let e = draw(
            "s",
            "P1",
            &pool(3),
            &[],
            &[],
            Places { to_fill: 5, demand: 5 },
            &Composition::default(),
        )
        .unwrap_err();
        assert_eq!(e.item, "P1");
        assert!(
            e.message.starts_with("3 of 5 places filled from 3 eligible experts"),
            "{}",
            e.message
        );
    }
}
