//! After a decline or a declared conflict in an optimal round: re-assignment from the round's
//! current panels (`core::assign::repair`) — the declined place is filled by the best expert
//! who has room, and only when no one has, the fewest accepted reviews move to make room (each
//! move in the log with the item it made room for). Submitted reviews never move. Rounds with
//! group minimums keep the replacement by affinity that the panel admits.
use super::*;
use innocity_core::assign::repair::{self, Why};

/// What the re-assignment changes: reviews moved away, reviews added.
#[derive(Debug, Default)]
pub(super) struct Plan {
    pub moved: Vec<Moved>,
    pub added: Vec<Added>,
}

/// An accepted review moved away to make room on another item.
#[derive(Debug)]
pub(super) struct Moved {
    pub assignment_id: i64,
    pub item_id: i64,
    pub expert_id: i64,
}

/// A review added by the re-assignment.
#[derive(Debug)]
pub(super) struct Added {
    pub item_id: i64,
    pub expert_id: i64,
    pub score: f64,
}

/// The plan for withdrawing `gone` from an open optimal round; None when the round's rules
/// need the replacement by affinity (group minimums). An expert who declines takes no new work
/// in the round; one who declares a conflict with one proposal may take another.
pub(super) async fn plan(
    db: &Db,
    r: &Round,
    gone: &Assignment,
    conflict: bool,
    today: NaiveDate,
) -> Result<Option<Plan>> {
    let comp = &r.rules.composition;
    if r.mode != Mode::Assign || !comp.minimums(r.demand.max(0) as usize).is_empty() {
        return Ok(None);
    }
    let its = items(db, r.id).await?;
    let entries = pool(db, r, today).await?;
    let pool: Vec<&PoolEntry> = entries.iter().filter(|p| p.excluded.is_none()).collect();
    let experts: Vec<&Expert> = pool.iter().map(|p| &p.expert).collect();
    let live: Vec<Assignment> = assignments(db, r.id)
        .await?
        .into_iter()
        .filter(|a| a.id != gone.id && matches!(a.status.as_str(), "assigned" | "submitted"))
        .collect();
    let mut scores = affinity_scores(db, &its, &experts, 60).await?;
    // Every pool expert is a candidate for the declined place, as the replacement by affinity
    // had them; every current review stays a candidate at its own affinity.
    let declined: Vec<Item> = its.iter().filter(|i| i.id == gone.item_id).cloned().collect();
    scores.extend(affinity_scores(db, &declined, &experts, experts.len()).await?);
    for a in &live {
        scores.entry((a.item_id, a.expert_id)).or_insert(a.affinity);
    }
    let mut conflicts = conflict_set(db, r.id).await?;
    for a in &live {
        conflicts.remove(&(a.item_id, a.expert_id));
    }
    conflicts.insert((gone.item_id, gone.expert_id));
    let mut inst = instance_of(r, &its, &pool, &scores, &conflicts);
    let code_of_expert: HashMap<i64, &str> =
        experts.iter().map(|e| (e.id, e.code.as_str())).collect();
    if !conflict {
        let kept = live.iter().filter(|a| a.expert_id == gone.expert_id).count() as i64;
        let code = code_of_expert.get(&gone.expert_id).copied().unwrap_or_default();
        inst.experts.iter_mut().filter(|e| e.id == code).for_each(|e| e.max_load = kept);
    }
    let code_of_item: HashMap<i64, &str> = its.iter().map(|i| (i.id, i.code.as_str())).collect();
    let mut current: Vec<(String, String)> = vec![];
    for a in &live {
        let item = code_of_item.get(&a.item_id).copied().unwrap_or_default();
        match code_of_expert.get(&a.expert_id) {
            // Reviews of experts who have left the pool stay as they are and fill their place.
            None => inst.items.iter_mut().filter(|i| i.id == item).for_each(|i| i.demand -= 1),
            Some(&expert) if a.status == "submitted" => inst.forced.push(assign::Pair {
                item: item.to_string(),
                expert: expert.to_string(),
                reason: "submitted".into(),
            }),
            Some(&expert) => current.push((item.to_string(), expert.to_string())),
        }
    }
    let changes = repaired(r, &inst, &experts, &current)?;
    let item_id: HashMap<&str, i64> = its.iter().map(|i| (i.code.as_str(), i.id)).collect();
    let expert_id: HashMap<&str, i64> = experts.iter().map(|e| (e.code.as_str(), e.id)).collect();
    let mut out = Plan::default();
    for c in changes {
        let (Some(&i), Some(&e)) = (item_id.get(c.item.as_str()), expert_id.get(c.expert.as_str()))
        else {
            continue;
        };
        match c.why {
            Why::Replacement => out.added.push(Added { item_id: i, expert_id: e, score: c.score }),
            Why::Moved => {
                if let Some(a) = live.iter().find(|a| a.item_id == i && a.expert_id == e) {
                    out.moved.push(Moved { assignment_id: a.id, item_id: i, expert_id: e });
                }
            }
            Why::Conflict | Why::NotCandidate => {}
        }
    }
    Ok(Some(out))
}

/// A pair that left or joined, by code.
struct Changed {
    item: String,
    expert: String,
    score: f64,
    why: Why,
}

/// The changes by code, with their scores and why; none when no re-assignment is feasible (the
/// place then stays open, as when no replacement was found).
fn repaired(
    r: &Round,
    inst: &Instance,
    experts: &[&Expert],
    current: &[(String, String)],
) -> Result<Vec<Changed>> {
    let problem = assign::Problem::from_instance(inst)
        .map_err(|e| StoreError::from(ReviewRefusal::Infeasible { why: e.to_string() }))?;
    let orgs: HashMap<String, String> = experts
        .iter()
        .map(|e| (e.code.clone(), member_of(e, &r.rules.region).org))
        .filter(|(_, org)| !org.is_empty())
        .collect();
    let max = r.rules.composition.max_per_org as i64;
    let cap = (max > 0).then_some(assign::GroupCap { group_of: &orgs, cap: max });
    let groups = cap.as_ref().map(|gc| assign::groups_of(&problem, gc));
    let (items, experts_at) = problem.positions();
    let at: Vec<(u32, u32)> = current
        .iter()
        .filter_map(|(i, e)| Some((*items.get(i.as_str())?, *experts_at.get(e.as_str())?)))
        .collect();
    let Ok(done) = repair::reassign(&problem, groups.as_ref(), &at) else { return Ok(vec![]) };
    Ok(done
        .changes
        .iter()
        .map(|c| Changed {
            item: problem.item_ids[c.pair.item as usize].to_string(),
            expert: problem.expert_ids[c.pair.expert as usize].to_string(),
            score: c.pair.score,
            why: c.why,
        })
        .collect())
}
