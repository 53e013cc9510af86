//! Reviews: saving them, reminders, closing a round, results and experts' performance.
use super::*;

/// An expert's scoring, saved as a draft or submitted.
pub struct ReviewInput {
    pub scores: BTreeMap<String, f64>,
    pub recommendation: String,
    pub comment: String,
    pub submit: bool,
    pub version: i64,
}

/// Saves an expert's review of their own assignment: only while the round is open, the deadline
/// not passed and the review not yet submitted; scores on the form's scales; a submission needs
/// every criterion, a recommendation and the comment. The assignment and its round are read
/// inside the write, so a round closed a moment before takes no more scores.
pub async fn save_review(
    db: &Db,
    assignment_id: i64,
    expert_user: i64,
    input: &ReviewInput,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<Option<f64>> {
    let me = by_user(db, expert_user).await?.ok_or(StoreError::NotFound)?;
    let tx = db.begin_write().await?;
    let a: Assignment = tx
        .row(&select::<Assignment>("WHERE id = ?"), vec![assignment_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if a.expert_id != me.id {
        return Err(StoreError::NotFound);
    }
    let r: Round = tx
        .row(&select::<Round>("WHERE id = ?"), vec![a.round_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    check_reviewable(&r, &a, today)?;
    let total = score(&r, input)?;
    let now = tx.clock.now_ms();
    let n = tx
        .exec(
            "UPDATE review_assignments SET scores = ?, total = ?, recommendation = ?, comment = ?, saved_at = ?, submitted_at = ?, status = ?, version = version + 1 WHERE id = ? AND version = ? AND status = 'assigned'",
            vec![
                serde_json::to_string(&input.scores).unwrap_or_default().into(),
                total.into(),
                input.recommendation.clone().into(),
                input.comment.clone().into(),
                now.into(),
                (if input.submit { now } else { 0 }).into(),
                (if input.submit { "submitted" } else { "assigned" }).into(),
                a.id.into(),
                input.version.into(),
            ],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: if input.submit { "review.submit" } else { "review.draft" },
            entity: "review_assignment",
            entity_id: a.id.to_string(),
            before: serde_json::json!({ "status": a.status }),
            after: serde_json::json!({ "total": total, "submitted": input.submit }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(total)
}

/// The round is open, its deadline not passed, and the review assigned and not yet submitted.
fn check_reviewable(r: &Round, a: &Assignment, today: NaiveDate) -> Result<()> {
    if !r.is_open() {
        return Err(StoreError::from(ReviewRefusal::Closed));
    }
    if r.deadline_date().is_some_and(|d| today > d) {
        return Err(ReviewRefusal::Deadline { deadline: r.deadline.clone() }.into());
    }
    if a.status != "assigned" {
        return Err(if a.status == "submitted" {
            ReviewRefusal::Submitted
        } else {
            ReviewRefusal::NotAssigned
        }
        .into());
    }
    Ok(())
}

/// Checks every score given against its scale (draft or not); a submission needs all of them,
/// a recommendation and the comment. The total, when every criterion is scored.
fn score(r: &Round, input: &ReviewInput) -> Result<Option<f64>> {
    // Every score given must be on its scale, draft or not.
    for (code, &v) in &input.scores {
        let Some(c) = r.form.criteria.iter().find(|c| &c.code == code) else {
            return Err(ReviewRefusal::UnknownCriterion { code: code.clone() }.into());
        };
        let steps = v / c.step;
        if !v.is_finite() || v < 0.0 || v > c.max || (steps - steps.round()).abs() > 1e-6 {
            return Err(
                ReviewRefusal::ScoreRange { criterion: c.name_zh.clone(), max: c.max }.into()
            );
        }
    }
    if input.submit {
        let t = r.form.total(&input.scores).map_err(|e| {
            StoreError::from(ReviewRefusal::Score { field: e.field, message: e.message })
        })?;
        r.form.check_submission(&input.recommendation, &input.comment).map_err(|e| {
            StoreError::from(ReviewRefusal::Submission { field: e.field, message: e.message })
        })?;
        Ok(Some(t))
    } else {
        Ok(r.form.total(&input.scores).ok())
    }
}

/// Marks every outstanding assignment of the round as reminded; returns how many.
pub async fn remind(db: &Db, round_id: i64, actor: Actor<'_>) -> Result<u64> {
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE review_assignments SET reminded_at = ? WHERE round_id = ? AND status = 'assigned'", vec![tx.clock.now_ms().into(), round_id.into()]).await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "review_round.remind",
            entity: "review_round",
            entity_id: round_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "reminded": n }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Closes the round: no more scoring; names and scores become visible to the panel.
pub async fn close_round(db: &Db, round_id: i64, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE review_rounds SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'", vec![tx.clock.now_ms().into(), round_id.into()]).await?;
    if n == 0 {
        return Err(StoreError::from(ReviewRefusal::Closed));
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "review_round.close",
            entity: "review_round",
            entity_id: round_id.to_string(),
            before: serde_json::json!({ "status": "open" }),
            after: serde_json::json!({ "status": "closed" }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disagreement is flagged from this spread of totals (points out of 100).
pub const SPREAD: f64 = 25.0;
/// A reviewer this far from the panels on average is an outlier.
pub const OUTLIER: f64 = 12.0;

impl FromRow for Scored {
    const TABLE: &'static str = "review_assignments";
    const FROM: &'static str = "review_assignments a JOIN review_items i ON i.id = a.item_id JOIN experts e ON e.id = a.expert_id";
    columns!("i.code", "e.code", "a.total");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Scored { item: f.text()?, expert: f.text()?, total: f.real()? })
    }
}

/// The ranked list and the reviewers' deviations from submitted reviews.
pub async fn results(
    db: &Db,
    round_id: i64,
    method: Method,
) -> Result<(Vec<ItemResult>, Vec<Deviation>)> {
    let scored: Vec<Scored> = db
        .rows(
            &select::<Scored>(
                "WHERE a.round_id = ? AND a.status = 'submitted' AND a.total IS NOT NULL",
            ),
            vec![round_id.into()],
        )
        .await?;
    Ok((scoring::aggregate(&scored, method, SPREAD), scoring::deviations(&scored, OUTLIER)))
}

/// An expert's record over every round: invitations, declines, conflicts, timeliness, deviation.
pub async fn performance(db: &Db, expert_id: i64) -> Result<Performance> {
    let mine = assignments_of_expert(db, expert_id).await?;
    let mut p = Performance { invited: mine.len(), ..Default::default() };
    let mut deadlines: HashMap<i64, Option<NaiveDate>> = HashMap::new();
    for a in &mine {
        match a.status.as_str() {
            "declined" => p.declined += 1,
            "conflict" => p.conflicts_declared += 1,
            "submitted" => {
                p.submitted += 1;
                if let std::collections::hash_map::Entry::Vacant(e) = deadlines.entry(a.round_id) {
                    e.insert(round(db, a.round_id).await?.and_then(|r| r.deadline_date()));
                }
                let submitted =
                    chrono::DateTime::from_timestamp_millis(a.submitted_at).map(|d| d.date_naive());
                if let (Some(Some(d)), Some(s)) = (deadlines.get(&a.round_id), submitted)
                    && s <= *d
                {
                    p.on_time += 1;
                }
            }
            _ => {}
        }
    }
    let code = get(db, expert_id).await?.map(|e| e.code).unwrap_or_default();
    let mut devs = Vec::new();
    for rid in deadlines.keys() {
        if let Some(d) =
            results(db, *rid, Method::Mean).await?.1.into_iter().find(|d| d.expert == code)
        {
            devs.extend(std::iter::repeat_n(d.mean_abs, d.n));
        }
    }
    if !devs.is_empty() {
        p.mean_abs_deviation =
            Some((devs.iter().sum::<f64>() / devs.len() as f64 * 100.0).round() / 100.0);
    }
    Ok(p)
}

/// The year the round counts in, from a date.
pub fn year_of(d: NaiveDate) -> i64 {
    i64::from(d.year())
}
