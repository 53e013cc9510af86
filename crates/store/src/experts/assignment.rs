//! Assigning experts to items by affinity, under caps and conflicts.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub id: i64,
    pub round_id: i64,
    pub item_id: i64,
    pub expert_id: i64,
    pub affinity: f64,
    pub method: String,
    /// assigned, declined, conflict, submitted
    pub status: String,
    pub reason: String,
    pub scores: BTreeMap<String, f64>,
    pub total: Option<f64>,
    pub recommendation: String,
    pub comment: String,
    pub saved_at: i64,
    pub submitted_at: i64,
    pub reminded_at: i64,
    pub version: i64,
}

impl FromRow for Assignment {
    const TABLE: &'static str = "review_assignments";
    columns!(
        id,
        round_id,
        item_id,
        expert_id,
        affinity,
        method,
        status,
        reason,
        scores,
        total,
        recommendation,
        comment,
        saved_at,
        submitted_at,
        reminded_at,
        version
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Assignment {
            id: f.int()?,
            round_id: f.int()?,
            item_id: f.int()?,
            expert_id: f.int()?,
            affinity: f.real()?,
            method: f.text()?,
            status: f.text()?,
            reason: f.text()?,
            scores: f.json()?,
            total: f.opt_real()?,
            recommendation: f.text()?,
            comment: f.text()?,
            saved_at: f.int()?,
            submitted_at: f.int()?,
            reminded_at: f.int()?,
            version: f.int()?,
        })
    }
}

pub async fn assignments(db: &Db, round_id: i64) -> Result<Vec<Assignment>> {
    db.rows(&select::<Assignment>("WHERE round_id = ? ORDER BY item_id, id"), vec![round_id.into()])
        .await
}

pub async fn assignments_of_expert(db: &Db, expert_id: i64) -> Result<Vec<Assignment>> {
    db.rows(
        &select::<Assignment>("WHERE expert_id = ? ORDER BY round_id DESC, item_id"),
        vec![expert_id.into()],
    )
    .await
}

pub async fn assignment(db: &Db, id: i64) -> Result<Option<Assignment>> {
    db.row(&select::<Assignment>("WHERE id = ?"), vec![id.into()]).await
}

/// Affinity of every item to every pool expert (each item's top `top`), with bids: eager adds
/// the item's best score (the eager expert ranks with the best), willing keeps the pair even
/// outside the top, unwilling removes the pair.
pub(super) async fn affinity_scores(
    db: &Db,
    its: &[Item],
    pool: &[&Expert],
    top: usize,
) -> Result<HashMap<(i64, i64), f64>> {
    let tok = Tokenizer::default();
    let item_docs: Vec<Doc> = its
        .iter()
        .map(|i| Doc {
            id: i.code.clone(),
            fields: vec![i.discipline.clone()],
            text: format!("{} {}", i.title, i.body),
        })
        .collect();
    let expert_docs: Vec<Doc> = pool
        .iter()
        .map(|e| Doc {
            id: e.code.clone(),
            fields: e.fields.clone(),
            text: format!("{} {} {}", e.keywords, e.publications, e.projects),
        })
        .collect();
    let mut out: HashMap<(i64, i64), f64> = HashMap::new();
    for (i, e, s) in affinity::affinities(&tok, &item_docs, &expert_docs, top, 1.0) {
        out.insert((its[i].id, pool[e].id), f64::from(s));
    }
    let ids: Vec<Value> = its.iter().map(|i| i.id.into()).collect();
    if !ids.is_empty() {
        let marks = vec!["?"; ids.len()].join(", ");
        let bids: Vec<RoundBid> =
            db.rows(&select::<RoundBid>(&format!("WHERE item_id IN ({marks})")), ids).await?;
        let mut best: HashMap<i64, f64> = HashMap::new();
        for (&(i, _), &s) in &out {
            let b = best.entry(i).or_insert(0.0);
            *b = b.max(s);
        }
        for RoundBid { item_id: i, expert_id: e, bid } in bids {
            match bid.as_str() {
                "unwilling" => {
                    out.remove(&(i, e));
                }
                "eager" => {
                    let boost = best.get(&i).copied().unwrap_or(1.0);
                    *out.entry((i, e)).or_insert(0.0) += boost;
                }
                _ => {
                    out.entry((i, e)).or_insert(0.0);
                }
            }
        }
    }
    Ok(out)
}

/// What an assignment or a draw did.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub pairs: usize,
    pub objective: f64,
    pub rounds: usize,
    pub pool: usize,
    /// The distance from the search's bound: 0 when proven optimal (draws: 0, nothing to prove).
    pub gap: f64,
    /// Branch-and-bound nodes explored.
    pub nodes: usize,
}

impl RunSummary {
    /// A draw's summary: nothing optimised, nothing to prove.
    pub(super) fn drawn(pairs: usize, pool: usize) -> RunSummary {
        RunSummary { pairs, objective: 0.0, rounds: 1, pool, gap: 0.0, nodes: 0 }
    }
}

pub(super) async fn conflict_set(db: &Db, round_id: i64) -> Result<HashSet<(i64, i64)>> {
    Ok(round_conflicts(db, round_id).await?.into_iter().map(|c| (c.item_id, c.expert_id)).collect())
}

/// Assigns the round's items optimally (max total affinity, each item its demand of distinct
/// experts, loads within the round's max and each expert's yearly room, no conflicts, the panel
/// rules). Refused if the round already has assignments or is closed; nothing is stored when it
/// cannot be met, and the refusal names the item and the rule.
pub async fn run_assignment(
    db: &Db,
    round_id: i64,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<RunSummary> {
    let r = round(db, round_id).await?.ok_or(StoreError::NotFound)?;
    if !r.is_open() || r.mode != Mode::Assign {
        return Err(StoreError::from(ReviewRefusal::NotAssignable));
    }
    if !assignments(db, round_id).await?.is_empty() {
        return Err(StoreError::from(ReviewRefusal::Already));
    }
    let its = items(db, round_id).await?;
    let entries = pool(db, &r, today).await?;
    let pool: Vec<&PoolEntry> = entries.iter().filter(|p| p.excluded.is_none()).collect();
    let experts: Vec<&Expert> = pool.iter().map(|p| &p.expert).collect();
    let scores = affinity_scores(db, &its, &experts, 60).await?;
    let conflicts = conflict_set(db, round_id).await?;
    let inst = instance_of(&r, &its, &pool, &scores, &conflicts);
    let members: HashMap<String, Member> =
        experts.iter().map(|e| (e.code.clone(), member_of(e, &r.rules.region))).collect();
    let out = panel::assign_panels(&inst, &members, &r.rules.composition)
        .map_err(|e| StoreError::from(ReviewRefusal::Infeasible { why: e.to_string() }))?;
    let (objective, pairs) = match out.outcome {
        Outcome::Optimal { objective, pairs } => (objective, pairs),
        Outcome::Infeasible(why) => {
            return Err(StoreError::from(ReviewRefusal::Infeasible { why }));
        }
    };
    let item_id: HashMap<&str, i64> = its.iter().map(|i| (i.code.as_str(), i.id)).collect();
    let expert_id: HashMap<&str, i64> = experts.iter().map(|e| (e.code.as_str(), e.id)).collect();
    let tx = db.begin_write().await?;
    if !open_in(&tx, round_id).await? {
        return Err(StoreError::from(ReviewRefusal::NotAssignable));
    }
    if tx
        .query_one("SELECT 1 FROM review_assignments WHERE round_id = ?", vec![round_id.into()])
        .await?
        .is_some()
    {
        return Err(StoreError::from(ReviewRefusal::Already));
    }
    let now = tx.clock.now_ms();
    for p in &pairs {
        insert_assignment(
            &tx,
            round_id,
            item_id[p.item.as_str()],
            expert_id[p.expert.as_str()],
            p.score,
            "optimal",
            now,
        )
        .await?;
    }
    tx.exec(
        "UPDATE review_rounds SET assign_gap = ?, assign_nodes = ? WHERE id = ?",
        vec![out.gap.into(), (out.nodes as i64).into(), round_id.into()],
    )
    .await?;
    audit::append(&tx, Change { actor: actor.username, action: "review_round.assign", entity: "review_round", entity_id: round_id.to_string(), before: serde_json::json!({}), after: serde_json::json!({ "pairs": pairs.len(), "objective": objective, "rounds": out.rounds, "pool": pool.len(), "gap": out.gap, "nodes": out.nodes }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(RunSummary {
        pairs: pairs.len(),
        objective,
        rounds: out.rounds,
        pool: pool.len(),
        gap: out.gap,
        nodes: out.nodes,
    })
}

/// The round as an assignment instance: its items by code with the round's demand, the pool's
/// experts with the room they have left, the affinities of pairs not in conflict.
pub(super) fn instance_of(
    r: &Round,
    its: &[Item],
    pool: &[&PoolEntry],
    scores: &HashMap<(i64, i64), f64>,
    conflicts: &HashSet<(i64, i64)>,
) -> Instance {
    let code_of_item: HashMap<i64, &str> = its.iter().map(|i| (i.id, i.code.as_str())).collect();
    let code_of_expert: HashMap<i64, &str> =
        pool.iter().map(|p| (p.expert.id, p.expert.code.as_str())).collect();
    Instance {
        items: its.iter().map(|i| assign::Item { id: i.code.clone(), demand: r.demand }).collect(),
        experts: pool
            .iter()
            .map(|p| assign::Expert {
                id: p.expert.code.clone(),
                max_load: p.room.min(r.max_load),
                min_load: 0,
            })
            .collect(),
        scores: scores
            .iter()
            .filter(|(k, _)| !conflicts.contains(k))
            .map(|(&(i, e), &s)| panel::score(code_of_item[&i], code_of_expert[&e], s))
            .collect(),
        conflicts: vec![],
        forced: vec![],
    }
}

pub(super) async fn insert_assignment(
    tx: &Tx,
    round_id: i64,
    item_id: i64,
    expert_id: i64,
    affinity: f64,
    method: &str,
    now: i64,
) -> Result<i64> {
    tx.insert(
        "INSERT INTO review_assignments (round_id, item_id, expert_id, affinity, method, status, reason, scores, total, recommendation, comment, assigned_at, saved_at, submitted_at, reminded_at) VALUES (?, ?, ?, ?, ?, 'assigned', '', '{}', NULL, '', '', ?, 0, 0, 0)",
        vec![round_id.into(), item_id.into(), expert_id.into(), affinity.into(), method.into(), now.into()],
    )
    .await
}

/// An expert's bid on an item, as the assignment weighs it.
pub(crate) struct RoundBid {
    item_id: i64,
    expert_id: i64,
    bid: String,
}

impl FromRow for RoundBid {
    const TABLE: &'static str = "review_bids";
    columns!(item_id, expert_id, bid);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(RoundBid { item_id: f.int()?, expert_id: f.int()?, bid: f.text()? })
    }
}
