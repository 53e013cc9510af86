//! Evaluation campaigns of counties and zones (WORK IN PROGRESS on this branch): a campaign
//! holds the framework with its weights; units report qualitative items with evidence until the
//! deadline; invited evaluators score them (tenths); results and objections follow.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::evaluation::{self as rules, Framework};

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Units report their qualitative items with evidence.
    Reporting,
    /// Evaluators score; reports are closed.
    Scoring,
    /// Results computed, open to objections until their day.
    Results,
    /// The bulletin is out.
    Published,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Self::Reporting, Self::Scoring, Self::Results, Self::Published];
    pub fn code(self) -> &'static str {
        match self {
            Self::Reporting => "reporting",
            Self::Scoring => "scoring",
            Self::Results => "results",
            Self::Published => "published",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// Why a campaign's step is refused, with what the message needs.
#[derive(Debug, Clone, PartialEq)]
pub enum EvaluationRefusal {
    /// The framework or its weights break a rule.
    Framework(Vec<rules::Problem>),
    /// Evidence or a report after the campaign's day.
    AfterDeadline { until: NaiveDate },
    /// The step needs another stage.
    Stage { stage: &'static str },
    /// The unit is not one the campaign evaluates.
    NotEvaluated,
    /// The item is not a qualitative item of the framework.
    Item { item: String },
    /// A report needs words.
    EmptyReport,
    /// The score is refused (off the scale, too precise).
    Score(rules::ScoreProblem),
    /// The evaluator was not invited to the campaign.
    NotInvited,
    /// The evaluator belongs to the unit evaluated (its account's unit or organisation lies in
    /// the unit's area).
    Conflict,
}

fn refused(r: EvaluationRefusal) -> StoreError {
    StoreError::Evaluation(r)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub id: i64,
    pub year: i32,
    pub title: String,
    /// `county` or `zone`: the level of the units evaluated.
    pub level: String,
    /// The framework's TOML, as it was when the campaign opened.
    pub framework: String,
    /// The campaign's weights by dimension or item code (JSON).
    pub weights: String,
    pub stage: Stage,
    pub report_until: NaiveDate,
    pub method: String,
    pub version: i64,
}

impl FromRow for Campaign {
    const TABLE: &'static str = "evaluation_campaigns";
    columns!(id, year, title, level, framework, weights, stage, report_until, method, version);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Campaign {
            id: f.int()?,
            year: f.int32()?,
            title: f.text()?,
            level: f.text()?,
            framework: f.text()?,
            weights: f.text()?,
            stage: f.code(Stage::parse)?,
            report_until: f.date()?,
            method: f.text()?,
            version: f.int()?,
        })
    }
}

impl Campaign {
    /// The campaign's framework with its weights (checked when stored).
    pub fn framework(&self) -> Result<Framework> {
        let corrupt =
            |problem: String| StoreError::Invalid(format!("campaign {}: {problem}", self.id));
        let weights: Vec<(String, f64)> =
            serde_json::from_str(&self.weights).map_err(|e| corrupt(e.to_string()))?;
        Framework::from_toml(&self.framework)
            .and_then(|f| f.with_weights(&weights))
            .map_err(|p| corrupt(format!("{p:?}")))
    }
}

/// What a new campaign needs.
#[derive(Debug, Clone)]
pub struct NewCampaign<'a> {
    pub year: i32,
    pub title: &'a str,
    pub level: &'a str,
    /// The framework's TOML (the built-in one, or one the bureau imported).
    pub framework: &'a str,
    /// The campaign's weights, by dimension or item code.
    pub weights: &'a [(String, f64)],
    pub report_until: NaiveDate,
    pub method: &'a str,
}

/// Opens a campaign for reporting: the framework with its weights must sum as it says (each
/// problem named, nothing stored).
pub async fn create(db: &Db, new: &NewCampaign<'_>, actor: Actor<'_>) -> Result<i64> {
    let problem = |p| refused(EvaluationRefusal::Framework(p));
    Framework::from_toml(new.framework)
        .and_then(|f| f.with_weights(new.weights))
        .map_err(problem)?;
    let weights = serde_json::to_string(new.weights)
        .map_err(|e| StoreError::Invalid(format!("weights: {e}")))?;
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO evaluation_campaigns (year, title, level, framework, weights, stage, report_until, method, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                i64::from(new.year).into(),
                new.title.into(),
                new.level.into(),
                new.framework.into(),
                weights.into(),
                Stage::Reporting.code().into(),
                new.report_until.to_string().into(),
                new.method.into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "evaluation.create",
            entity: "evaluation_campaign",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "year": new.year, "title": new.title, "level": new.level }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn campaign(db: &Db, id: i64) -> Result<Option<Campaign>> {
    db.row(&select::<Campaign>("WHERE id = ?"), vec![id.into()]).await
}

/// Campaigns, the newest year first.
pub async fn campaigns(db: &Db) -> Result<Vec<Campaign>> {
    db.rows(&select::<Campaign>("ORDER BY year DESC, id DESC"), vec![]).await
}

/// A unit's report of a qualitative item: stored or replaced while the campaign is reporting
/// and its day has not passed.
pub async fn report(
    db: &Db,
    c: &Campaign,
    unit: &crate::orgs::OrgUnit,
    item: &str,
    body: &str,
    actor: Actor<'_>,
) -> Result<i64> {
    if c.stage != Stage::Reporting {
        return Err(refused(EvaluationRefusal::Stage { stage: Stage::Reporting.code() }));
    }
    if db.clock.today() > c.report_until {
        return Err(refused(EvaluationRefusal::AfterDeadline { until: c.report_until }));
    }
    if unit.level != c.level {
        return Err(refused(EvaluationRefusal::NotEvaluated));
    }
    let f = c.framework()?;
    if !f.qualitative().any(|i| i.code == item) {
        return Err(refused(EvaluationRefusal::Item { item: item.into() }));
    }
    if body.trim().is_empty() {
        return Err(refused(EvaluationRefusal::EmptyReport));
    }
    let tx = db.begin_write().await?;
    let now = tx.clock.now_ms();
    tx.exec(
        "INSERT INTO evaluation_reports (campaign_id, org_unit_id, item, body, submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, org_unit_id, item) DO UPDATE SET body = excluded.body, submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at, version = evaluation_reports.version + 1",
        vec![c.id.into(), unit.id.into(), item.into(), body.trim().into(), actor.username.into(), now.into()],
    )
    .await?;
    let id = tx
        .query_one(
            "SELECT id FROM evaluation_reports WHERE campaign_id = ? AND org_unit_id = ? AND item = ?",
            vec![c.id.into(), unit.id.into(), item.into()],
        )
        .await?
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .ok_or(StoreError::NotFound)?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "evaluation.report",
            entity: "evaluation_report",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "campaign": c.id, "unit": unit.id, "item": item }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

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
async fn conflicted(db: &Db, evaluator: i64, unit: &crate::orgs::OrgUnit) -> Result<bool> {
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
    if c.stage != Stage::Scoring {
        return Err(refused(EvaluationRefusal::Stage { stage: Stage::Scoring.code() }));
    }
    if unit.level != c.level {
        return Err(refused(EvaluationRefusal::NotEvaluated));
    }
    rules::check_score(&c.framework()?, item, score)
        .map_err(|p| refused(EvaluationRefusal::Score(p)))?;
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
    let tenths = (score * 10.0).round() as i64;
    let tx = db.begin_write().await?;
    tx.exec(
        "INSERT INTO evaluation_scores (campaign_id, org_unit_id, item, evaluator_id, tenths, scored_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, org_unit_id, item, evaluator_id) DO UPDATE SET tenths = excluded.tenths, scored_at = excluded.scored_at",
        vec![c.id.into(), unit.id.into(), item.into(), evaluator.into(), tenths.into(), tx.clock.now_ms().into()],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "evaluation.score",
            entity: "evaluation_campaign",
            entity_id: c.id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "unit": unit.id, "item": item, "tenths": tenths }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await
}

/// Moves a campaign to its next stage (reporting → scoring → results → published), at the
/// version the caller read.
pub async fn advance(db: &Db, c: &Campaign, actor: Actor<'_>) -> Result<Stage> {
    let next = match c.stage {
        Stage::Reporting => Stage::Scoring,
        Stage::Scoring => Stage::Results,
        Stage::Results => Stage::Published,
        Stage::Published => {
            return Err(refused(EvaluationRefusal::Stage { stage: Stage::Results.code() }));
        }
    };
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE evaluation_campaigns SET stage = ?, version = version + 1 WHERE id = ? AND version = ?",
            vec![next.code().into(), c.id.into(), c.version.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "evaluation.stage",
            entity: "evaluation_campaign",
            entity_id: c.id.to_string(),
            before: serde_json::json!({ "stage": c.stage.code() }),
            after: serde_json::json!({ "stage": next.code() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// One unit's stored result.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitResultRow {
    pub org_unit_id: i64,
    pub score: Option<f64>,
    pub rank: Option<i64>,
    pub rank_low: Option<f64>,
    pub rank_high: Option<f64>,
    /// Dimension scores and ranks, strengths and weaknesses (JSON).
    pub profile: String,
}

impl FromRow for UnitResultRow {
    const TABLE: &'static str = "evaluation_results";
    columns!(org_unit_id, score, rank, rank_low, rank_high, profile);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(UnitResultRow {
            org_unit_id: f.int()?,
            score: f.opt_real()?,
            rank: f.opt_int()?,
            rank_low: f.opt_real()?,
            rank_high: f.opt_real()?,
            profile: f.text()?,
        })
    }
}

/// The values of every item for every unit the campaign evaluates: the registers' (money in
/// 万元), the indicators' for the campaign's year, and the evaluators' scores aggregated by the
/// campaign's method.
async fn item_values(
    db: &Db,
    c: &Campaign,
    f: &Framework,
    units: &[crate::orgs::OrgUnit],
) -> Result<Vec<rules::results::ItemValue>> {
    use rules::Source;
    let all = crate::orgs::units(db).await?;
    let areas: Vec<(i64, Vec<String>)> =
        units.iter().map(|u| (u.id, crate::orgs::area_roots(&all, u))).collect();
    let mut values = Vec::new();
    for item in &f.items {
        match item.source() {
            Some(Source::Register(r)) => {
                let totals = crate::indicators::register_totals(db, r, c.year, &areas).await?;
                for t in totals.unwrap_or_default() {
                    let value = if t.money { t.fen as f64 / 1_000_000.0 } else { t.plain };
                    let item = item.code.clone();
                    values.push(rules::results::ItemValue { unit: t.unit, item, value });
                }
            }
            Some(Source::Indicator(code)) => {
                let ids: Vec<i64> = units.iter().map(|u| u.id).collect();
                let period = c.year.to_string();
                let codes = [code.to_string()];
                for v in crate::indicators::for_period(db, &ids, &codes, &period).await? {
                    let item = item.code.clone();
                    values.push(rules::results::ItemValue {
                        unit: v.org_unit_id,
                        item,
                        value: v.value,
                    });
                }
            }
            None => {}
        }
    }
    let scores = db
        .read(
            "SELECT s.org_unit_id, s.item, s.evaluator_id, s.tenths FROM evaluation_scores s WHERE s.campaign_id = ?",
            vec![c.id.into()],
            |r| {
                Ok(rules::results::EvaluatorScore {
                    unit: r.int(0)?,
                    item: r.text(1)?,
                    evaluator: r.int(2)?.to_string(),
                    score: r.int(3)? as f64 / 10.0,
                })
            },
        )
        .await?;
    let method = innocity_core::experts::scoring::Method::parse(&c.method)
        .unwrap_or(innocity_core::experts::scoring::Method::Mean);
    values.extend(rules::results::aggregate_scores(&scores, method));
    Ok(values)
}

/// Computes and stores the campaign's results (replacing earlier ones), with `runs` samples of
/// the sensitivity analysis. Returns how many units were evaluated.
pub async fn compute_results(
    db: &Db,
    c: &Campaign,
    runs: usize,
    actor: Actor<'_>,
) -> Result<usize> {
    let f = c.framework()?;
    let units: Vec<crate::orgs::OrgUnit> =
        crate::orgs::units(db).await?.into_iter().filter(|u| u.level == c.level).collect();
    let values = item_values(db, c, &f, &units).await?;
    let ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let results = rules::results::evaluate(&f, &ids, &values, runs)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let tx = db.begin_write().await?;
    let now = tx.clock.now_ms();
    tx.exec("DELETE FROM evaluation_results WHERE campaign_id = ?", vec![c.id.into()]).await?;
    for r in &results.units {
        let profile = serde_json::json!({
            "dimensions": r.dimensions.iter().map(|d| serde_json::json!({
                "dimension": d.dimension, "score": d.score, "rank": d.rank,
            })).collect::<Vec<_>>(),
            "strengths": r.strengths,
            "weaknesses": r.weaknesses,
        });
        tx.exec(
            "INSERT INTO evaluation_results (campaign_id, org_unit_id, score, rank, rank_low, rank_high, profile, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                c.id.into(),
                r.unit.into(),
                r.score.into(),
                r.rank.map(|x| x as i64).into(),
                r.interval.map(|i| i.low).into(),
                r.interval.map(|i| i.high).into(),
                profile.to_string().into(),
                now.into(),
            ],
        )
        .await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "evaluation.results",
            entity: "evaluation_campaign",
            entity_id: c.id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "units": results.units.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(results.units.len())
}

/// The stored results, best first (unscored last).
pub async fn results(db: &Db, campaign_id: i64) -> Result<Vec<UnitResultRow>> {
    db.rows(
        &select::<UnitResultRow>(
            "WHERE campaign_id = ? ORDER BY CASE WHEN rank IS NULL THEN 1 ELSE 0 END, rank, org_unit_id",
        ),
        vec![campaign_id.into()],
    )
    .await
}
