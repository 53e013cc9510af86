//! Objections to a campaign's results: a unit files one while the window is open; the bureau
//! answers each before it publishes.
use super::{Campaign, EvaluationRefusal, Stage, current, refused, require};
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};

#[derive(Debug, Clone, PartialEq)]
pub struct Objection {
    pub id: i64,
    pub campaign_id: i64,
    pub org_unit_id: i64,
    pub body: String,
    pub filed_by: String,
    pub filed_at: i64,
    pub answer: String,
    pub answered_by: String,
    pub answered_at: Option<i64>,
}

impl FromRow for Objection {
    const TABLE: &'static str = "evaluation_objections";
    columns!(
        id,
        campaign_id,
        org_unit_id,
        body,
        filed_by,
        filed_at,
        answer,
        answered_by,
        answered_at
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Objection {
            id: f.int()?,
            campaign_id: f.int()?,
            org_unit_id: f.int()?,
            body: f.text()?,
            filed_by: f.text()?,
            filed_at: f.int()?,
            answer: f.text()?,
            answered_by: f.text()?,
            answered_at: f.opt_int()?,
        })
    }
}

/// The campaign's objections, in the order filed.
pub async fn objections(db: &Db, campaign_id: i64) -> Result<Vec<Objection>> {
    db.rows(&select::<Objection>("WHERE campaign_id = ? ORDER BY id"), vec![campaign_id.into()])
        .await
}

/// A unit objects to its result while the results are out and their day has not passed.
pub async fn object(
    db: &Db,
    c: &Campaign,
    unit: &crate::orgs::OrgUnit,
    body: &str,
    actor: Actor<'_>,
) -> Result<i64> {
    if unit.level != c.level {
        return Err(refused(EvaluationRefusal::NotEvaluated));
    }
    if body.trim().is_empty() {
        return Err(refused(EvaluationRefusal::EmptyReport));
    }
    let tx = db.begin_write().await?;
    let c = &current(&tx, c.id).await?;
    require(c, Stage::Results)?;
    if let Some(until) = c.objections_until.filter(|u| tx.clock.today() > *u) {
        return Err(refused(EvaluationRefusal::AfterDeadline { until }));
    }
    let id = tx
        .insert(
            "INSERT INTO evaluation_objections (campaign_id, org_unit_id, body, filed_by, filed_at) VALUES (?, ?, ?, ?, ?)",
            vec![c.id.into(), unit.id.into(), body.trim().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "evaluation.object",
            entity: "evaluation_objection",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "campaign": c.id, "unit": unit.id }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The bureau answers an objection, once, while the results are out.
pub async fn answer(
    db: &Db,
    c: &Campaign,
    objection: i64,
    answer: &str,
    actor: Actor<'_>,
) -> Result<()> {
    if answer.trim().is_empty() {
        return Err(refused(EvaluationRefusal::EmptyReport));
    }
    let o: Objection = db
        .row(
            &select::<Objection>("WHERE id = ? AND campaign_id = ?"),
            vec![objection.into(), c.id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    if o.answered_at.is_some() {
        return Err(refused(EvaluationRefusal::Answered));
    }
    let tx = db.begin_write().await?;
    require(&current(&tx, c.id).await?, Stage::Results)?;
    let n = tx
        .exec(
            "UPDATE evaluation_objections SET answer = ?, answered_by = ?, answered_at = ? WHERE id = ? AND answered_at IS NULL",
            vec![answer.trim().into(), actor.username.into(), tx.clock.now_ms().into(), o.id.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "evaluation.answer",
            entity: "evaluation_objection",
            entity_id: o.id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "answer": answer.trim() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await
}
