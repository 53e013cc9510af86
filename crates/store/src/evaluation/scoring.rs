//! Evaluators invited to a campaign and their scores of the units' qualitative items.
use super::{Campaign, EvaluationRefusal, Stage, refused};
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::evaluation as rules;

/// Invites an evaluator to a campaign: bureau staff, or an expert of the library (a third
/// party). Inviting again changes nothing.
pub async fn invite(db: &Db, c: &Campaign, user_id: i64, actor: Actor<'_>) -> Result<()> {
    let role = db
        .query_one("SELECT role FROM users WHERE id = ? AND active = 1", vec![user_id.into()])
        .await?
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
        .ok_or(StoreError::NotFound)?;
    if !matches!(role.as_str(), "bureau_staff" | "expert") {
        return Err(refused(EvaluationRefusal::NotInvited));
    }
    let tx = db.begin_write().await?;
    let now = super::current(&tx, c.id).await?;
    if !matches!(now.stage, Stage::Reporting | Stage::Scoring) {
        return Err(refused(EvaluationRefusal::Stage { stage: Stage::Scoring.code() }));
    }
    let n = tx
        .exec(
            "INSERT INTO evaluation_evaluators (campaign_id, user_id, invited_by, invited_at) VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, user_id) DO NOTHING",
            vec![c.id.into(), user_id.into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    if n > 0 {
        audit::append(
            &tx,
            Change {
                actor: actor.username,
                action: "evaluation.invite",
                entity: "evaluation_campaign",
                entity_id: c.id.to_string(),
                before: serde_json::Value::Null,
                after: serde_json::json!({ "evaluator": user_id }),
                request_id: actor.request_id,
            },
        )
        .await?;
    }
    tx.commit().await
}

/// Whether the evaluator belongs to the unit: its account's unit, or its organisation's (an
/// expert's, through the library), lies in the unit's area.
pub async fn conflicted(db: &Db, evaluator: i64, unit: &crate::orgs::OrgUnit) -> Result<bool> {
    let paths = db
        .read(
            "SELECT COALESCE(ou.path, ''), COALESCE(o.unit_path, ''), COALESCE(x.unit_path, '') FROM users u LEFT JOIN org_units ou ON ou.id = u.org_unit_id LEFT JOIN organisations o ON o.id = u.organisation_id LEFT JOIN experts x ON x.user_id = u.id WHERE u.id = ?",
            vec![evaluator.into()],
            |r| Ok([r.text(0)?, r.text(1)?, r.text(2)?]),
        )
        .await?;
    let units = crate::orgs::units(db).await?;
    let area = crate::orgs::area_roots(&units, unit);
    Ok(paths.iter().flatten().any(|p| !p.is_empty() && innocity_core::orgs::in_area(&area, p)))
}

/// An invited evaluator's score of a unit's qualitative item while the campaign is scoring: on
/// the item's scale, never for a unit the evaluator belongs to; scoring again replaces it.
pub async fn score(
    db: &Db,
    c: &Campaign,
    unit: &crate::orgs::OrgUnit,
    item: &str,
    evaluator: i64,
    score: f64,
    actor: Actor<'_>,
) -> Result<()> {
    score_unit(db, c, unit, evaluator, &[(item.to_string(), score)], actor).await
}

/// An invited evaluator's scores of one unit's items, every one checked before any is kept,
/// all kept in one write (a refusal keeps none).
pub async fn score_unit(
    db: &Db,
    c: &Campaign,
    unit: &crate::orgs::OrgUnit,
    evaluator: i64,
    scores: &[(String, f64)],
    actor: Actor<'_>,
) -> Result<()> {
    // The copy's stage first (the plainest answer), then again inside the write.
    super::require(c, Stage::Scoring)?;
    if unit.level != c.level {
        return Err(refused(EvaluationRefusal::NotEvaluated));
    }
    let f = c.framework()?;
    for (item, score) in scores {
        rules::check_score(&f, item, *score).map_err(|p| refused(EvaluationRefusal::Score(p)))?;
    }
    let invited = db
        .query_one(
            "SELECT 1 FROM evaluation_evaluators WHERE campaign_id = ? AND user_id = ?",
            vec![c.id.into(), evaluator.into()],
        )
        .await?
        .is_some();
    if !invited {
        return Err(refused(EvaluationRefusal::NotInvited));
    }
    if conflicted(db, evaluator, unit).await? {
        return Err(refused(EvaluationRefusal::Conflict));
    }
    let tx = db.begin_write().await?;
    super::require(&super::current(&tx, c.id).await?, Stage::Scoring)?;
    let now = tx.clock.now_ms();
    let mut kept = Vec::new();
    for (item, score) in scores {
        let tenths = (score * 10.0).round() as i64;
        tx.exec(
            "INSERT INTO evaluation_scores (campaign_id, org_unit_id, item, evaluator_id, tenths, scored_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, org_unit_id, item, evaluator_id) DO UPDATE SET tenths = excluded.tenths, scored_at = excluded.scored_at",
            vec![c.id.into(), unit.id.into(), item.clone().into(), evaluator.into(), tenths.into(), now.into()],
        )
        .await?;
        kept.push(serde_json::json!({ "item": item, "tenths": tenths }));
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "evaluation.score",
            entity: "evaluation_campaign",
            entity_id: c.id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "unit": unit.id, "evaluator": evaluator, "scores": kept }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await
}

/// An evaluator invited to a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatorRow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
}

fn evaluator_row(r: &dyn crate::db::ReadRow) -> Result<EvaluatorRow> {
    Ok(EvaluatorRow {
        user_id: r.int(0)?,
        username: r.text(1)?,
        display_name: r.text(2)?,
        role: r.text(3)?,
    })
}

/// The campaign's evaluators, in the order invited.
pub async fn evaluators(db: &Db, campaign_id: i64) -> Result<Vec<EvaluatorRow>> {
    db.read(
        "SELECT u.id, u.username, u.display_name, u.role FROM evaluation_evaluators e JOIN users u ON u.id = e.user_id WHERE e.campaign_id = ? ORDER BY e.invited_at, u.id",
        vec![campaign_id.into()],
        evaluator_row,
    )
    .await
}

/// The campaigns an account is invited to evaluate.
pub async fn invited_to(db: &Db, user_id: i64) -> Result<Vec<i64>> {
    db.read(
        "SELECT campaign_id FROM evaluation_evaluators WHERE user_id = ? ORDER BY campaign_id DESC",
        vec![user_id.into()],
        |r| r.int(0),
    )
    .await
}

/// One evaluator's score of one unit's item.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    pub org_unit_id: i64,
    pub item: String,
    pub evaluator_id: i64,
    pub tenths: i64,
}

impl FromRow for ScoreRow {
    const TABLE: &'static str = "evaluation_scores";
    columns!(org_unit_id, item, evaluator_id, tenths);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ScoreRow {
            org_unit_id: f.int()?,
            item: f.text()?,
            evaluator_id: f.int()?,
            tenths: f.int()?,
        })
    }
}

/// The campaign's scores (one evaluator's, or all).
pub async fn scores(db: &Db, campaign_id: i64, evaluator: Option<i64>) -> Result<Vec<ScoreRow>> {
    let (filter, mut args) = match evaluator {
        Some(e) => ("AND evaluator_id = ?", vec![e.into()]),
        None => ("", vec![]),
    };
    args.insert(0, campaign_id.into());
    let tail = format!("WHERE campaign_id = ? {filter} ORDER BY org_unit_id, item, evaluator_id");
    db.rows(&select::<ScoreRow>(&tail), args).await
}

/// The accounts that may be invited: active bureau staff and experts, by name.
pub async fn candidates(db: &Db) -> Result<Vec<EvaluatorRow>> {
    db.read(
        "SELECT id, username, display_name, role FROM users WHERE active = 1 AND role IN ('bureau_staff', 'expert') ORDER BY role, display_name, id",
        vec![],
        evaluator_row,
    )
    .await
}
