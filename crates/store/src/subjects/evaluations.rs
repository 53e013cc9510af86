//! Saved self-evaluations: the figures an enterprise confirmed and what the rules said of them.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};

/// Which rules an evaluation ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 科技型中小企业评价.
    Sme,
    /// 高新技术企业认定 pre-check.
    Hnte,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Sme => "sme",
            Kind::Hnte => "hnte",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        match code {
            "sme" => Some(Kind::Sme),
            "hnte" => Some(Kind::Hnte),
            _ => None,
        }
    }
}

/// A saved self-evaluation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub organisation_id: i64,
    pub kind: Kind,
    pub accounting_year: i64,
    /// The figures in the qualification contract's input form (JSON text, amounts exact).
    pub inputs: String,
    /// `eligible` / `not_eligible` (sme); `pass` / `fail` / `undecided` (hnte).
    pub verdict: String,
    /// The checks (hnte) or the reasons failed (sme) the rules gave.
    pub outcome: Outcome,
    /// Points as exact decimals (an expert average may be fractional).
    pub score_min: String,
    pub score_max: String,
    pub evaluated_by: String,
    pub evaluated_at: i64,
}

impl FromRow for Evaluation {
    const TABLE: &'static str = "subject_evaluations";
    columns!(
        id,
        organisation_id,
        kind,
        accounting_year,
        inputs,
        verdict,
        outcome,
        score_min,
        score_max,
        evaluated_by,
        evaluated_at
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Evaluation {
            id: f.int()?,
            organisation_id: f.int()?,
            kind: f.code(Kind::parse)?,
            accounting_year: f.int()?,
            inputs: f.text()?,
            verdict: f.text()?,
            outcome: f.json()?,
            score_min: f.text()?,
            score_max: f.text()?,
            evaluated_by: f.text()?,
            evaluated_at: f.int()?,
        })
    }
}

/// What to save of one evaluation.
#[derive(Debug, Clone)]
pub struct NewEvaluation<'a> {
    pub organisation_id: i64,
    pub kind: Kind,
    pub accounting_year: i32,
    pub inputs: &'a str,
    pub verdict: &'a str,
    pub outcome: &'a Outcome,
    pub score: [String; 2],
}

/// One check of the 高企 rules as saved: its rule's code and whether it passed (`None`:
/// undecided).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SavedCheck {
    pub rule: String,
    pub pass: Option<bool>,
}

/// What the rules said besides the verdict: the 高企 checks, or the 科技型中小企业 reasons.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    #[serde(default)]
    pub checks: Vec<SavedCheck>,
    #[serde(default)]
    pub failed: Vec<String>,
}

/// Saves an evaluation (with its audit entry); returns its id.
pub async fn save(db: &Db, e: &NewEvaluation<'_>, actor: Actor<'_>) -> Result<i64> {
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO subject_evaluations (organisation_id, kind, accounting_year, inputs, verdict, outcome, score_min, score_max, evaluated_by, evaluated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                e.organisation_id.into(),
                e.kind.code().into(),
                i64::from(e.accounting_year).into(),
                e.inputs.into(),
                e.verdict.into(),
                serde_json::to_string(e.outcome).map_err(|e| StoreError::Invalid(e.to_string()))?.into(),
                e.score[0].clone().into(),
                e.score[1].clone().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "subjects.self_evaluate",
            entity: "subject_evaluation",
            entity_id: id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({
                "organisation_id": e.organisation_id,
                "kind": e.kind.code(),
                "accounting_year": e.accounting_year,
                "verdict": e.verdict,
                "score": e.score,
            }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An organisation's saved evaluations, newest first.
pub async fn evaluations_of(db: &Db, organisation_id: i64, limit: u64) -> Result<Vec<Evaluation>> {
    db.rows(
        &select::<Evaluation>(&format!("WHERE organisation_id = ? ORDER BY id DESC LIMIT {limit}")),
        vec![organisation_id.into()],
    )
    .await
}

/// The latest 高企 self-evaluation of each organisation for an accounting year.
pub async fn latest_hnte(db: &Db, accounting_year: i32) -> Result<Vec<Evaluation>> {
    db.rows(
        &select::<Evaluation>(
            "WHERE id IN (SELECT MAX(id) FROM subject_evaluations WHERE kind = 'hnte' AND accounting_year = ? GROUP BY organisation_id)",
        ),
        vec![i64::from(accounting_year).into()],
    )
    .await
}

/// The evaluation with this id.
pub async fn evaluation(db: &Db, id: i64) -> Result<Option<Evaluation>> {
    db.row(&select::<Evaluation>("WHERE id = ?"), vec![id.into()]).await
}
