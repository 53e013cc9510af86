//! Evaluation campaigns of counties and zones a campaign
//! holds the framework with its weights; units report qualitative items with evidence until the
//! deadline; invited evaluators score them (tenths); results and objections follow.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::evaluation::{self as rules, Framework};

mod objections;
mod reporting;
mod results;
mod scoring;
pub use objections::*;
pub use reporting::*;
pub use results::*;
pub use scoring::*;

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
    /// The last day for objections must not have passed when results are released.
    ObjectionsDay,
    /// Publishing waits until the objections' day has passed.
    ObjectionsOpen { until: NaiveDate },
    /// Publishing waits until every objection is answered.
    Unanswered { count: i64 },
    /// The objection is answered already.
    Answered,
    /// The results cannot be computed (no unit of the level, nothing to rank).
    NoResults { problem: String },
}

pub(crate) fn refused(r: EvaluationRefusal) -> StoreError {
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
    /// The last day units may object to the results (set when they are released).
    pub objections_until: Option<NaiveDate>,
    pub method: String,
    /// The bureau lets the public site show the published ranking.
    pub public: bool,
    /// Random, drawn when the campaign opens: the evaluators' blind order of units follows it.
    pub blind_salt: String,
    pub version: i64,
}

impl FromRow for Campaign {
    const TABLE: &'static str = "evaluation_campaigns";
    columns!(
        id,
        year,
        title,
        level,
        framework,
        weights,
        stage,
        report_until,
        objections_until,
        method,
        public,
        blind_salt,
        version
    );
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
            objections_until: f.opt_date()?,
            method: f.text()?,
            public: f.flag()?,
            blind_salt: f.text()?,
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

fn salt() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
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
            "INSERT INTO evaluation_campaigns (year, title, level, framework, weights, stage, report_until, method, blind_salt, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                i64::from(new.year).into(),
                new.title.into(),
                new.level.into(),
                new.framework.into(),
                weights.into(),
                Stage::Reporting.code().into(),
                new.report_until.to_string().into(),
                new.method.into(),
                salt().into(),
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

/// Closes reporting and opens scoring, at the version the caller read.
pub async fn start_scoring(db: &Db, c: &Campaign, actor: Actor<'_>) -> Result<()> {
    require(c, Stage::Reporting)?;
    let tx = db.begin_write().await?;
    set_stage(&tx, c, Stage::Scoring, None, c.public, actor).await?;
    tx.commit().await
}

/// Computes the results and releases them to the units, who may object until `objections_until`
/// (today or later).
pub async fn release_results(
    db: &Db,
    c: &Campaign,
    objections_until: NaiveDate,
    runs: usize,
    actor: Actor<'_>,
) -> Result<usize> {
    require(c, Stage::Scoring)?;
    if objections_until < db.clock.today() {
        return Err(refused(EvaluationRefusal::ObjectionsDay));
    }
    // Computed first, kept with the stage in one write: never results without their stage.
    let rows = compute(db, c, runs).await?;
    let tx = db.begin_write().await?;
    set_stage(&tx, c, Stage::Results, Some(objections_until), c.public, actor).await?;
    keep_results(&tx, c, &rows, actor).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// Publishes the bulletin once the objections' day has passed and every objection is answered;
/// `public` puts the ranking on the public site.
pub async fn publish(db: &Db, c: &Campaign, public: bool, actor: Actor<'_>) -> Result<()> {
    require(c, Stage::Results)?;
    if let Some(until) = c.objections_until.filter(|u| db.clock.today() <= *u) {
        return Err(refused(EvaluationRefusal::ObjectionsOpen { until }));
    }
    let tx = db.begin_write().await?;
    let count = tx
        .query_one(
            "SELECT COUNT(*) FROM evaluation_objections WHERE campaign_id = ? AND answered_at IS NULL",
            vec![c.id.into()],
        )
        .await?
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0);
    if count > 0 {
        return Err(refused(EvaluationRefusal::Unanswered { count }));
    }
    set_stage(&tx, c, Stage::Published, c.objections_until, public, actor).await?;
    tx.commit().await
}

/// The campaign as it stands inside a write (a page's copy may be a stage behind; writes are
/// serialised, so what is read here holds until the commit): every step checks its stage here.
pub(crate) async fn current(tx: &crate::db::Tx, id: i64) -> Result<Campaign> {
    tx.row(&select::<Campaign>("WHERE id = ?"), vec![id.into()]).await?.ok_or(StoreError::NotFound)
}

pub(crate) fn require(c: &Campaign, stage: Stage) -> Result<()> {
    match c.stage == stage {
        true => Ok(()),
        false => Err(refused(EvaluationRefusal::Stage { stage: stage.code() })),
    }
}

/// Moves the campaign to `next` at the version the caller read (else stale), audited.
async fn set_stage(
    tx: &crate::db::Tx,
    c: &Campaign,
    next: Stage,
    objections_until: Option<NaiveDate>,
    public: bool,
    actor: Actor<'_>,
) -> Result<()> {
    let until = objections_until.map(|d| d.to_string()).unwrap_or_default();
    let n = tx
        .exec(
            "UPDATE evaluation_campaigns SET stage = ?, objections_until = ?, public = ?, version = version + 1 WHERE id = ? AND version = ?",
            vec![next.code().into(), until.clone().into(), i64::from(public).into(), c.id.into(), c.version.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    audit::append(
        tx,
        Change {
            actor: actor.username,
            action: "evaluation.stage",
            entity: "evaluation_campaign",
            entity_id: c.id.to_string(),
            before: serde_json::json!({ "stage": c.stage.code() }),
            after: serde_json::json!({ "stage": next.code(), "objections_until": until, "public": public }),
            request_id: actor.request_id,
        },
    )
    .await?;
    Ok(())
}
