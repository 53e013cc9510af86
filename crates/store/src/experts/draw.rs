//! The random draw of experts with its committed seed, the draw log, and withdrawals.
use super::*;

/// Fixes the seed of a drawing round and publishes its hash; the seed itself stays sealed until
/// the draw. Returns the hash.
pub async fn commit_seed(db: &Db, round_id: i64, actor: Actor<'_>) -> Result<String> {
    let r = round(db, round_id).await?.ok_or(StoreError::NotFound)?;
    if !r.is_open() || r.mode != Mode::Draw || !r.seed_hash.is_empty() {
        return Err(StoreError::from(ReviewRefusal::Seed));
    }
    let seed = draw_rules::seed_text(
        format!("{}{}{}", crate::users::random_token(), db.clock.now_ms(), r.code).as_bytes(),
    );
    let hash = draw_rules::commitment(&seed);
    let tx = db.begin_write().await?;
    // Only the first seed counts: one committed meanwhile (or the round closed) refuses this one.
    let n = tx.exec("UPDATE review_rounds SET seed = ?, seed_hash = ? WHERE id = ? AND status = 'open' AND seed_hash = ''", vec![seed.into(), hash.clone().into(), round_id.into()]).await?;
    if n == 0 {
        return Err(StoreError::from(ReviewRefusal::Seed));
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "review_round.commit_seed",
            entity: "review_round",
            entity_id: round_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "seed_hash": hash }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(hash)
}

/// Whether the round's seed may be shown (after the draw).
pub async fn drawn(db: &Db, round_id: i64) -> Result<bool> {
    Ok(db
        .query_one("SELECT 1 FROM review_draw_log WHERE round_id = ?", vec![round_id.into()])
        .await?
        .is_some())
}

/// Whether the round is still open, as `tx` sees it: a check made before the write is made again
/// inside it, so a round closed meanwhile is never written to.
pub(super) async fn open_in(tx: &Tx, round_id: i64) -> Result<bool> {
    Ok(tx
        .query_one(
            "SELECT 1 FROM review_rounds WHERE id = ? AND status = 'open'",
            vec![round_id.into()],
        )
        .await?
        .is_some())
}

/// The draw's pool for one item: eligible experts not in conflict, by code.
fn candidates(
    pool: &[&PoolEntry],
    conflicts: &HashSet<(i64, i64)>,
    item_id: i64,
    region: &str,
) -> Vec<Candidate> {
    pool.iter()
        .filter(|p| !conflicts.contains(&(item_id, p.expert.id)))
        .map(|p| Candidate { expert: p.expert.code.clone(), member: member_of(&p.expert, region) })
        .collect()
}

/// Draws every item's panel with the committed seed, in item-code order; an expert whose load
/// reaches the round's maximum or the yearly room leaves the pool for later items. Each draw is
/// logged with its key, so a supervisor can replay it from the seed.
pub async fn run_draw(
    db: &Db,
    round_id: i64,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<RunSummary> {
    let r = round(db, round_id).await?.ok_or(StoreError::NotFound)?;
    if !r.is_open() || r.mode != Mode::Draw || r.seed.is_empty() {
        return Err(StoreError::from(ReviewRefusal::SeedFirst));
    }
    if drawn(db, round_id).await? {
        return Err(StoreError::from(ReviewRefusal::Already));
    }
    let its = items(db, round_id).await?;
    let entries = pool(db, &r, today).await?;
    let pool: Vec<&PoolEntry> = entries.iter().filter(|p| p.excluded.is_none()).collect();
    let conflicts = conflict_set(db, round_id).await?;
    let mut load: HashMap<i64, i64> = HashMap::new();
    let by_code: HashMap<&str, &PoolEntry> =
        pool.iter().map(|p| (p.expert.code.as_str(), *p)).collect();
    let mut drawn_pairs = Vec::new();
    for it in &its {
        let open: Vec<&PoolEntry> = pool
            .iter()
            .copied()
            .filter(|p| load.get(&p.expert.id).copied().unwrap_or(0) < p.room.min(r.max_load))
            .collect();
        let cands = candidates(&open, &conflicts, it.id, &r.rules.region);
        let got = draw_rules::draw(
            &r.seed,
            &it.code,
            &cands,
            &[],
            &[],
            draw_rules::Places { to_fill: r.demand as usize, demand: r.demand as usize },
            &r.rules.composition,
        )
        .map_err(|e| StoreError::from(ReviewRefusal::Infeasible { why: e.to_string() }))?;
        for (code, key) in got {
            let e = &by_code[code.as_str()].expert;
            *load.entry(e.id).or_default() += 1;
            drawn_pairs.push((it.id, e.id, key));
        }
    }
    let tx = db.begin_write().await?;
    if !open_in(&tx, round_id).await? {
        return Err(StoreError::from(ReviewRefusal::SeedFirst));
    }
    if tx
        .query_one("SELECT 1 FROM review_draw_log WHERE round_id = ?", vec![round_id.into()])
        .await?
        .is_some()
    {
        return Err(StoreError::from(ReviewRefusal::Already));
    }
    let now = tx.clock.now_ms();
    for &(item_id, expert_id, key) in &drawn_pairs {
        insert_assignment(&tx, round_id, item_id, expert_id, 0.0, "draw", now).await?;
        tx.exec("INSERT INTO review_draw_log (round_id, item_id, expert_id, action, draw_key, actor, at_ms) VALUES (?, ?, ?, 'draw', ?, ?, ?)", vec![round_id.into(), item_id.into(), expert_id.into(), format!("{key:016x}").into(), actor.username.into(), now.into()]).await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "review_round.draw",
            entity: "review_round",
            entity_id: round_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "pairs": drawn_pairs.len(), "seed_hash": r.seed_hash }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RunSummary::drawn(drawn_pairs.len(), pool.len()))
}

#[derive(Debug, Clone, Serialize)]
pub struct DrawLogEntry {
    pub item_code: String,
    pub expert_code: String,
    pub action: String,
    pub key: String,
    pub actor: String,
    pub at_ms: i64,
}

impl FromRow for DrawLogEntry {
    const TABLE: &'static str = "review_draw_log";
    const FROM: &'static str = "review_draw_log l JOIN review_items i ON i.id = l.item_id JOIN experts e ON e.id = l.expert_id";
    columns!("i.code", "e.code", "l.action", "l.draw_key", "l.actor", "l.at_ms");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(DrawLogEntry {
            item_code: f.text()?,
            expert_code: f.text()?,
            action: f.text()?,
            key: f.text()?,
            actor: f.text()?,
            at_ms: f.int()?,
        })
    }
}

pub async fn draw_log(db: &Db, round_id: i64) -> Result<Vec<DrawLogEntry>> {
    db.rows(&select::<DrawLogEntry>("WHERE l.round_id = ? ORDER BY l.id"), vec![round_id.into()])
        .await
}

/// An expert declines an assignment or declares a conflict on it: the assignment ends (with the
/// reason; a declared conflict is stored with its source) and the item gets a replacement — the
/// next expert in the draw's order, or the best eligible expert by affinity. Refused once the
/// review is submitted or the round closed. Returns the replacement's code, if one was found.
pub async fn withdraw(
    db: &Db,
    assignment_id: i64,
    expert_user: i64,
    conflict: bool,
    reason: &str,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<Option<String>> {
    let a = assignment(db, assignment_id).await?.ok_or(StoreError::NotFound)?;
    let me = by_user(db, expert_user).await?.ok_or(StoreError::NotFound)?;
    if a.expert_id != me.id {
        return Err(StoreError::NotFound);
    }
    let r = round(db, a.round_id).await?.ok_or(StoreError::NotFound)?;
    check_withdrawable(&r, &a, conflict, reason)?;
    let it = item(db, a.item_id).await?.ok_or(StoreError::NotFound)?;
    let plan = reassign::plan(db, &r, &a, conflict, today).await?;
    let replacement = match plan {
        Some(_) => None,
        None => find_replacement(db, &r, &it, &a, me.id, today).await?,
    };
    let tx = db.begin_write().await?;
    if !open_in(&tx, r.id).await? {
        return Err(StoreError::from(ReviewRefusal::Closed));
    }
    let status = if conflict { "conflict" } else { "declined" };
    let n = tx.exec("UPDATE review_assignments SET status = ?, reason = ?, version = version + 1 WHERE id = ? AND status = 'assigned'", vec![status.into(), reason.trim().into(), a.id.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    if conflict {
        let c = conflict_rules::Conflict {
            kind: conflict_rules::Kind::Declared,
            source: conflict_rules::Source::Declaration,
            detail: reason.trim().to_string(),
        };
        insert_conflict(&tx, r.id, it.id, me.id, &c).await?;
    }
    let now = tx.clock.now_ms();
    tx.exec("INSERT INTO review_draw_log (round_id, item_id, expert_id, action, draw_key, actor, at_ms) VALUES (?, ?, ?, ?, '', ?, ?)", vec![r.id.into(), it.id.into(), me.id.into(), status.into(), actor.username.into(), now.into()]).await?;
    let mut replaced = None;
    if let Some(plan) = &plan {
        replaced = apply(&tx, r.id, &it, plan, actor.username, now).await?;
    }
    if let Some(rep) = &replacement {
        insert_assignment(
            &tx,
            r.id,
            it.id,
            rep.expert_id,
            rep.score,
            if r.mode == Mode::Draw { "redraw" } else { "reassign" },
            now,
        )
        .await?;
        tx.exec("INSERT INTO review_draw_log (round_id, item_id, expert_id, action, draw_key, actor, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)", vec![r.id.into(), it.id.into(), rep.expert_id.into(), (if r.mode == Mode::Draw { "redraw" } else { "reassign" }).into(), rep.key.clone().into(), actor.username.into(), now.into()]).await?;
        replaced = rep.code.clone();
    }
    audit::append(&tx, Change { actor: actor.username, action: &format!("review.{status}"), entity: "review_assignment", entity_id: a.id.to_string(), before: serde_json::json!({ "status": "assigned" }), after: serde_json::json!({ "status": status, "reason": reason.trim(), "replacement": replaced }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(replaced)
}

/// Carries out a re-assignment plan: moved reviews end (status `moved`, the item they made room
/// for as the reason), new ones start; each in the round's log. Returns the code of the expert
/// who took the declined place, if any.
async fn apply(
    tx: &Tx,
    round_id: i64,
    it: &Item,
    plan: &reassign::Plan,
    actor: &str,
    now: i64,
) -> Result<Option<String>> {
    // One line of the round's log per change: (item, expert, action, key).
    let log = |item: i64, expert: i64, action: &str, key: &str| {
        tx.exec(
            "INSERT INTO review_draw_log (round_id, item_id, expert_id, action, draw_key, actor, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![round_id.into(), item.into(), expert.into(), action.into(), key.into(), actor.into(), now.into()],
        )
    };
    for m in &plan.moved {
        let n = tx.exec("UPDATE review_assignments SET status = 'moved', reason = ?, version = version + 1 WHERE id = ? AND status = 'assigned'", vec![it.code.clone().into(), m.assignment_id.into()]).await?;
        if n == 0 {
            return Err(StoreError::Stale);
        }
        log(m.item_id, m.expert_id, "moved", &it.code).await?;
    }
    let mut replaced = None;
    for add in &plan.added {
        insert_assignment(tx, round_id, add.item_id, add.expert_id, add.score, "reassign", now)
            .await?;
        log(add.item_id, add.expert_id, "reassign", "").await?;
        if add.item_id == it.id {
            let code = tx
                .query_one("SELECT code FROM experts WHERE id = ?", vec![add.expert_id.into()])
                .await?;
            replaced = code.and_then(|row| row.try_get_by_index::<String>(0).ok());
        }
    }
    Ok(replaced)
}

/// Only an open round's assigned (not yet scored) review can be given up, and only with a reason.
fn check_withdrawable(r: &Round, a: &Assignment, conflict: bool, reason: &str) -> Result<()> {
    if !r.is_open() {
        return Err(StoreError::from(ReviewRefusal::Closed));
    }
    if a.status == "submitted" {
        return Err(if conflict {
            ReviewRefusal::ConflictAfterScoring
        } else {
            ReviewRefusal::Submitted
        }
        .into());
    }
    if a.status != "assigned" {
        return Err(StoreError::from(ReviewRefusal::NotAssigned));
    }
    if reason.trim().is_empty() {
        return Err(StoreError::from(ReviewRefusal::Reason));
    }
    Ok(())
}

/// The expert who takes a withdrawn place: the draw's next (with its key), or the best by
/// affinity, among the pool's available experts without a conflict, as the panel admits.
struct Replacement {
    expert_id: i64,
    score: f64,
    key: String,
    code: Option<String>,
}

async fn find_replacement(
    db: &Db,
    r: &Round,
    it: &Item,
    a: &Assignment,
    me_id: i64,
    today: NaiveDate,
) -> Result<Option<Replacement>> {
    // The replacement: who is on the panel, who has left it.
    let all = assignments(db, r.id).await?;
    let on_item: Vec<&Assignment> =
        all.iter().filter(|x| x.item_id == it.id && x.id != a.id).collect();
    let entries = pool(db, r, today).await?;
    let mut round_load: HashMap<i64, i64> = HashMap::new();
    for x in all.iter().filter(|x| matches!(x.status.as_str(), "assigned" | "submitted")) {
        *round_load.entry(x.expert_id).or_default() += 1;
    }
    let mut conflicts = conflict_set(db, r.id).await?;
    conflicts.insert((it.id, me_id));
    let gone: HashSet<i64> = on_item.iter().map(|x| x.expert_id).chain([me_id]).collect();
    let available: Vec<&PoolEntry> = entries
        .iter()
        .filter(|p| {
            p.excluded.is_none()
                && !gone.contains(&p.expert.id)
                && round_load.get(&p.expert.id).copied().unwrap_or(0) < p.room.min(r.max_load)
        })
        .collect();
    let by_id: HashMap<i64, &Expert> = entries.iter().map(|p| (p.expert.id, &p.expert)).collect();
    let staying: Vec<Candidate> = on_item
        .iter()
        .filter(|x| matches!(x.status.as_str(), "assigned" | "submitted"))
        .filter_map(|x| by_id.get(&x.expert_id))
        .map(|e| Candidate { expert: e.code.clone(), member: member_of(e, &r.rules.region) })
        .collect();
    let found: Option<(i64, f64, String)> = match r.mode {
        Mode::Draw => {
            let cands = candidates(&available, &conflicts, it.id, &r.rules.region);
            draw_rules::draw(
                &r.seed,
                &it.code,
                &cands,
                &staying,
                &[],
                draw_rules::Places { to_fill: 1, demand: r.demand as usize },
                &r.rules.composition,
            )
            .ok()
            .and_then(|got| got.into_iter().next())
            .and_then(|(code, key)| {
                available
                    .iter()
                    .find(|p| p.expert.code == code)
                    .map(|p| (p.expert.id, 0.0, format!("{key:016x}")))
            })
        }
        Mode::Assign => best_by_affinity(db, r, it, &available, &conflicts, &staying).await?,
    };
    Ok(found.map(|(expert_id, score, key)| Replacement {
        expert_id,
        score,
        key,
        code: by_id.get(&expert_id).map(|e| e.code.clone()),
    }))
}

/// The available expert with the best affinity to the item whom the panel admits.
async fn best_by_affinity(
    db: &Db,
    r: &Round,
    it: &Item,
    available: &[&PoolEntry],
    conflicts: &HashSet<(i64, i64)>,
    staying: &[Candidate],
) -> Result<Option<(i64, f64, String)>> {
    let experts: Vec<&Expert> = available.iter().map(|p| &p.expert).collect();
    let scores = affinity_scores(db, std::slice::from_ref(it), &experts, experts.len()).await?;
    let members: Vec<&Member> = staying.iter().map(|c| &c.member).collect();
    Ok(experts
        .iter()
        .filter(|e| {
            !conflicts.contains(&(it.id, e.id))
                && r.rules.composition.admits(
                    &members,
                    &member_of(e, &r.rules.region),
                    r.demand as usize,
                )
        })
        .map(|e| (e.id, scores.get(&(it.id, e.id)).copied().unwrap_or(0.0)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(id, s)| (id, s, String::new())))
}
