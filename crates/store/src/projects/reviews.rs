//! Expert review of a call's applications: rounds, scores.
use super::*;

/// The expert review of an application: its result in each closed or open round of its call
/// (round name, rank among the round's items, number of reviews, mean score, disagreement).
pub async fn review_scores(
    db: &Db,
    a: &Application,
) -> Result<Vec<(String, usize, usize, f64, bool)>> {
    let mut out = Vec::new();
    for r in call_rounds(db, a.call_id).await? {
        let (items, _) =
            crate::experts::results(db, r.id, innocity_core::experts::scoring::Method::Mean)
                .await?;
        if let Some(i) = items.iter().find(|i| i.item == a.code) {
            out.push((r.name.clone(), i.rank, i.n, i.mean, i.disagreement));
        }
    }
    Ok(out)
}

/// Opens an expert review round (通讯评审 or 会议评审) over a call's applications that passed the
/// formal check: each becomes an item with its applicant, team, organisation and text, so the
/// experts engine computes conflicts, assigns or draws, and aggregates the scores. The round and
/// its link to the call are written in one transaction with an audit entry for each.
pub async fn start_review(
    db: &Db,
    call_id: i64,
    name: &str,
    mode: crate::experts::Mode,
    demand: i64,
    deadline: NaiveDate,
    actor: Actor<'_>,
) -> Result<i64> {
    let c = call(db, call_id).await?.ok_or(StoreError::NotFound)?;
    let mut apps = applications(db, Reach::All, Some(call_id), Some(Stage::InReview)).await?;
    if apps.is_empty() {
        return Err(CallRefusal::NothingToReview.into());
    }
    let n = db
        .read("SELECT COUNT(*) FROM call_rounds WHERE call_id = ?", vec![call_id.into()], |r| {
            r.int(0)
        })
        .await?
        .first()
        .copied()
        .unwrap_or(0);
    // After the remote review, the plan may send only its best-ranked applications to the panel
    // (ties at the last place go too).
    let shortlist = c.review_plan.panel_shortlist as usize;
    if n > 0 && shortlist > 0 {
        let last = call_rounds(db, call_id).await?.into_iter().rfind(|r| !r.is_open());
        let Some(last) = last else { return Err(CallRefusal::RoundsOpen.into()) };
        let (ranked, _) =
            crate::experts::results(db, last.id, innocity_core::experts::scoring::Method::Mean)
                .await?;
        if ranked.is_empty() {
            return Err(CallRefusal::NoScores { round: last.name.clone() }.into());
        }
        let best: std::collections::HashSet<&str> =
            ranked.iter().filter(|i| i.rank <= shortlist).map(|i| i.item.as_str()).collect();
        apps.retain(|a| best.contains(a.code.as_str()));
    }
    let items = review_items(db, &apps).await?;
    let round = crate::experts::NewRound {
        code: format!("{}-R{}", c.code, n + 1),
        name: name.trim().to_string(),
        call_name: c.title.clone(),
        library: innocity_core::experts::Library::Review,
        mode,
        demand,
        max_load: 10,
        rules: crate::experts::Rules {
            composition: innocity_core::experts::panel::Composition {
                max_per_org: 1,
                ..Default::default()
            },
            coauthor_years: 3,
            ..Default::default()
        },
        form: innocity_core::experts::scoring::Form::standard(),
        deadline,
        year: c.year,
    };
    // The round, its items and conflicts, and its link to the call: one transaction, so a round
    // is never left without its call (or half made), and the link has its own audit entry.
    let tx = db.begin_write().await?;
    let round_id = crate::experts::create_round_in(&tx, db, &round, &items, actor).await?;
    tx.exec(
        "INSERT INTO call_rounds (call_id, round_id) VALUES (?, ?)",
        vec![call_id.into(), round_id.into()],
    )
    .await?;
    audit::append(&tx, Change { actor: actor.username, action: "call.review", entity: "call", entity_id: call_id.to_string(), before: serde_json::json!({}), after: serde_json::json!({ "round_id": round_id, "round": round.code, "items": items.iter().map(|i| i.code.as_str()).collect::<Vec<_>>() }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(round_id)
}

/// The round's items: each application with its applicant, team, organisation and text.
async fn review_items(db: &Db, apps: &[Application]) -> Result<Vec<crate::experts::Item>> {
    let mut items = Vec::with_capacity(apps.len());
    for a in apps {
        let org = crate::orgs::get(db, a.organisation_id).await?.ok_or(StoreError::NotFound)?;
        items.push(crate::experts::Item {
            id: 0,
            round_id: 0,
            code: a.code.clone(),
            title: a.title.clone(),
            body: a.summary.clone(),
            discipline: a.topic.clone(),
            applicant: a.leader_name.clone(),
            members: a.members.clone(),
            credit_code: org.credit_code.clone(),
            org_name: org.name.clone(),
            unit_path: a.unit_path.clone(),
            avoid: vec![],
        });
    }
    Ok(items)
}

pub async fn call_rounds(db: &Db, call_id: i64) -> Result<Vec<crate::experts::Round>> {
    let ids = db
        .read(
            "SELECT round_id FROM call_rounds WHERE call_id = ? ORDER BY round_id",
            vec![call_id.into()],
            |r| r.int(0),
        )
        .await?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(r) = crate::experts::round(db, id).await? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Once every review round of the call is closed, the applications it reviewed move on to the
/// department review and decision. Returns how many moved.
pub async fn finish_review(
    db: &Db,
    call_id: i64,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<usize> {
    let rounds = call_rounds(db, call_id).await?;
    if rounds.is_empty() || rounds.iter().any(|r| r.is_open()) {
        return Err(CallRefusal::RoundsOpen.into());
    }
    let mut reviewed = std::collections::HashSet::new();
    for r in &rounds {
        for it in crate::experts::items(db, r.id).await? {
            reviewed.insert(it.code);
        }
    }
    let mut n = 0;
    for a in applications(db, Reach::All, Some(call_id), Some(Stage::InReview))
        .await?
        .into_iter()
        .filter(|a| reviewed.contains(&a.code))
    {
        act(
            db,
            a.id,
            Move { action: Action::FinishReview, level: Level::Bureau, reason: "" },
            a.version,
            Decision::default(),
            today,
            actor,
        )
        .await?;
        n += 1;
    }
    Ok(n)
}
