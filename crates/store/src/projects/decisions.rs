//! Moving an application through its stages: decisions, department review, events, the board.
use super::*;

/// The move asked of an application, for [`act`]: the action, at which level, and why (required
/// for some actions).
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    pub action: Action,
    pub level: Level,
    pub reason: &'a str,
}

/// A decision with its amount, for [`act`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Decision {
    pub grant: Money,
}

/// Moves an application by `action` at `level`: the stage machine, the level's deadline, the
/// eligibility rules on submission (every rule missed is named), duplicate flags, and for an
/// approval the programme's budget (never overspent) — the change, its event and its audit entry
/// in one transaction, or nothing. `version` guards against double clicks and stale pages.
pub async fn act(
    db: &Db,
    id: i64,
    step: Move<'_>,
    version: i64,
    decision: Decision,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<Stage> {
    let Move { action, level, reason } = step;
    let a = application(db, id).await?.ok_or(StoreError::NotFound)?;
    let c = call(db, a.call_id).await?.ok_or(StoreError::NotFound)?;
    if a.version != version {
        return Err(StoreError::Stale);
    }
    let to = rules::next(a.stage, action, level, reason).map_err(|e| match e {
        rules::StageError::ReasonRequired => ApplicationRefusal::ReasonRequired.into(),
        rules::StageError::NotAllowed { from, action } => {
            ApplicationRefusal::Stage { from, action }.into()
        }
        rules::StageError::WrongLevel { .. } => StoreError::NotFound,
    })?;
    if let Some(deadline) = c.deadlines.for_action(action, level)
        && today > deadline
    {
        return Err(ApplicationRefusal::Deadline { deadline }.into());
    }
    if action == Action::Submit {
        if let Some(e) = check_answers(&c.form, &a.answers, true).into_iter().next() {
            return Err(answer_refusal(e).into());
        }
        let missed = eligibility(db, &a, &c, today).await?;
        if let Some(f) = missed.first() {
            return Err(ApplicationRefusal::Ineligible {
                rule: f.rule,
                detail: f.detail.clone(),
                missed: missed.len(),
            }
            .into());
        }
    }
    if action == Action::Establish {
        execution::establish_check(db, &a, today).await?;
    }
    let tx = db.begin_write().await?;
    apply(&tx, &a, &c, StageChange { action, to, reason, decision }, actor).await?;
    tx.commit().await?;
    Ok(to)
}

/// A checked change of an application's stage: the action, the stage it leads to, the reason
/// given and the decision's grant.
pub(super) struct StageChange<'a> {
    pub action: Action,
    pub to: Stage,
    pub reason: &'a str,
    pub decision: Decision,
}

/// Writes a checked change of stage in the caller's transaction: the programme's ledger for
/// approvals (and for an approval undone by an upheld objection), the board's counts, the event
/// and the audit entry.
pub(super) async fn apply(
    tx: &crate::db::Tx,
    a: &Application,
    c: &Call,
    change: StageChange<'_>,
    actor: Actor<'_>,
) -> Result<()> {
    let StageChange { action, to, reason, decision } = change;
    let id = a.id;
    let version = a.version;
    let duplicate_of = a.duplicate_of.clone();
    if action == Action::Reject && a.stage == Stage::Approved {
        // The money goes back to the programme.
        tx.exec("UPDATE programme_budgets SET committed_fen = committed_fen - ? WHERE programme_id = ? AND year = ?", vec![a.granted.0.into(), c.programme_id.into(), c.year.into()]).await?;
    }
    if action == Action::Approve {
        if decision.grant.0 <= 0 || decision.grant > a.requested {
            return Err(ApplicationRefusal::Grant { requested: a.requested }.into());
        }
        let row: Option<BudgetRow> = tx
            .row(
                &select::<BudgetRow>("WHERE programme_id = ? AND year = ?"),
                vec![c.programme_id.into(), c.year.into()],
            )
            .await?;
        let Some(BudgetRow { ledger: l, .. }) = row else {
            return Err(ApplicationRefusal::NoBudget { year: c.year }.into());
        };
        let after = l.commit(decision.grant).map_err(|over| {
            StoreError::from(ApplicationRefusal::Overspent { over, available: l.available() })
        })?;
        tx.exec("UPDATE programme_budgets SET committed_fen = ? WHERE programme_id = ? AND year = ? AND committed_fen = ?", vec![after.committed.0.into(), c.programme_id.into(), c.year.into(), l.committed.0.into()]).await?;
    }
    let now = tx.clock.now_ms();
    let granted = match action {
        Action::Approve => decision.grant,
        Action::Reject => Money::ZERO,
        _ => a.granted,
    };
    let n = tx
        .exec(
            "UPDATE applications SET stage = ?, reason = ?, duplicate_of = ?, granted_fen = ?, submitted_at = CASE WHEN ? = 'submit' THEN ? ELSE submitted_at END, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
            vec![to.code().into(), reason.trim().into(), duplicate_of.into(), granted.0.into(), action.code().into(), now.into(), now.into(), id.into(), version.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    count(tx, a.call_id, a.stage, -1, Money(-a.requested.0), Money(-a.granted.0)).await?;
    count(tx, a.call_id, to, 1, a.requested, granted).await?;
    tx.exec(
        "INSERT INTO application_events (application_id, action, from_stage, to_stage, reason, actor, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![id.into(), action.code().into(), a.stage.code().into(), to.code().into(), reason.trim().into(), actor.username.into(), now.into()],
    )
    .await?;
    audit::append(tx, Change { actor: actor.username, action: &format!("application.{}", action.code()), entity: "application", entity_id: id.to_string(), before: serde_json::json!({ "stage": a.stage.code() }), after: serde_json::json!({ "stage": to.code(), "reason": reason.trim(), "grant": granted.0 }), request_id: actor.request_id }).await?;
    Ok(())
}

/// The department review (部门审核) of a reviewed application: the staff's opinion and the
/// funding they suggest to the decision meeting (at most what was requested).
pub async fn department_review(
    db: &Db,
    id: i64,
    opinion: &str,
    suggested: Money,
    version: i64,
    actor: Actor<'_>,
) -> Result<()> {
    let a = application(db, id).await?.ok_or(StoreError::NotFound)?;
    if !matches!(a.stage, Stage::Reviewed | Stage::Reserved) {
        return Err(ApplicationRefusal::Stage {
            from: a.stage.code(),
            action: "department_review",
        }
        .into());
    }
    if opinion.trim().chars().count() < 4 {
        return Err(ApplicationRefusal::ReasonRequired.into());
    }
    if suggested > a.requested {
        return Err(ApplicationRefusal::Grant { requested: a.requested }.into());
    }
    let tx = db.begin_write().await?;
    let now = tx.clock.now_ms();
    let n = tx.exec("UPDATE applications SET department_opinion = ?, suggested_fen = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?", vec![opinion.trim().into(), suggested.0.into(), now.into(), id.into(), version.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let text = format!("建议资助 {} 万元。{}", suggested.wan_text(), opinion.trim());
    tx.exec("INSERT INTO application_events (application_id, action, from_stage, to_stage, reason, actor, at_ms) VALUES (?, 'department_review', ?, ?, ?, ?, ?)", vec![id.into(), a.stage.code().into(), a.stage.code().into(), text.into(), actor.username.into(), now.into()]).await?;
    audit::append(&tx, Change { actor: actor.username, action: "application.department_review", entity: "application", entity_id: id.to_string(), before: serde_json::json!({ "opinion": a.department_opinion, "suggested": a.suggested.0 }), after: serde_json::json!({ "opinion": opinion.trim(), "suggested": suggested.0 }), request_id: actor.request_id }).await?;
    tx.commit().await
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub action: String,
    pub from_stage: String,
    pub to_stage: String,
    pub reason: String,
    pub actor: String,
    pub at_ms: i64,
}

impl FromRow for Event {
    const TABLE: &'static str = "application_events";
    columns!(action, from_stage, to_stage, reason, actor, at_ms);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Event {
            action: f.text()?,
            from_stage: f.text()?,
            to_stage: f.text()?,
            reason: f.text()?,
            actor: f.text()?,
            at_ms: f.int()?,
        })
    }
}

pub async fn events(db: &Db, application_id: i64) -> Result<Vec<Event>> {
    db.rows(&select::<Event>("WHERE application_id = ? ORDER BY id"), vec![application_id.into()])
        .await
}

/// The bureau's board: applications per call and stage, with money requested and granted — read
/// from counts kept in step with every change, so it costs the same for 400 or 400,000.
#[derive(Debug, Clone, Serialize)]
pub struct BoardRow {
    pub call_id: i64,
    pub stage: String,
    pub n: i64,
    pub requested: Money,
    pub granted: Money,
}

impl FromRow for BoardRow {
    const TABLE: &'static str = "application_counts";
    columns!(call_id, stage, n, requested_fen, granted_fen);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(BoardRow {
            call_id: f.int()?,
            stage: f.text()?,
            n: f.int()?,
            requested: Money(f.int()?),
            granted: Money(f.int()?),
        })
    }
}

pub async fn board(db: &Db) -> Result<Vec<BoardRow>> {
    db.rows(&select::<BoardRow>("WHERE n <> 0 ORDER BY call_id, stage"), vec![]).await
}
