//! A campaign's results: every item's values, evaluated, ranked with intervals, stored.
use super::Campaign;
use crate::audit::{self, Change};
use crate::db::{Db, Result};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::evaluation::{self as rules, Framework};

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

/// A computed result as it is stored: the profile (dimension scores and ranks, strengths and
/// weaknesses) as JSON.
pub fn result_row(r: &rules::results::UnitResult) -> UnitResultRow {
    let profile = serde_json::json!({
        "dimensions": r.dimensions.iter().map(|d| serde_json::json!({
            "dimension": d.dimension, "score": d.score, "rank": d.rank,
        })).collect::<Vec<_>>(),
        "strengths": r.strengths,
        "weaknesses": r.weaknesses,
    });
    UnitResultRow {
        org_unit_id: r.unit,
        score: r.score,
        rank: r.rank.map(|x| x as i64),
        rank_low: r.interval.map(|i| i.low),
        rank_high: r.interval.map(|i| i.high),
        profile: profile.to_string(),
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
    // A qualitative item a unit neither reported nor was scored on counts 0 (nothing to
    // credit); one reported but not scored stays missing.
    let mut reported: std::collections::HashSet<(i64, String)> = db
        .read(
            "SELECT org_unit_id, item FROM evaluation_reports WHERE campaign_id = ?",
            vec![c.id.into()],
            |r| Ok((r.int(0)?, r.text(1)?)),
        )
        .await?
        .into_iter()
        .collect();
    reported.extend(scores.iter().map(|s| (s.unit, s.item.clone())));
    for item in f.qualitative() {
        for u in units {
            if !reported.contains(&(u.id, item.code.clone())) {
                let code = item.code.clone();
                values.push(rules::results::ItemValue { unit: u.id, item: code, value: 0.0 });
            }
        }
    }
    Ok(values)
}

/// Computes the campaign's results with `runs` samples of the sensitivity analysis (nothing is
/// written): every item's values, evaluated and ranked, as rows to keep.
pub async fn compute(db: &Db, c: &Campaign, runs: usize) -> Result<Vec<UnitResultRow>> {
    let f = c.framework()?;
    let units: Vec<crate::orgs::OrgUnit> =
        crate::orgs::units(db).await?.into_iter().filter(|u| u.level == c.level).collect();
    let values = item_values(db, c, &f, &units).await?;
    let ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let results = rules::results::evaluate(&f, &ids, &values, runs)
        .map_err(|e| super::refused(super::EvaluationRefusal::NoResults { problem: e.message }))?;
    Ok(results.units.iter().map(result_row).collect())
}

/// Keeps computed results in a write, replacing earlier ones, with their audit entry.
pub(crate) async fn keep_results(
    tx: &crate::db::Tx,
    c: &Campaign,
    rows: &[UnitResultRow],
    actor: Actor<'_>,
) -> Result<()> {
    let now = tx.clock.now_ms();
    tx.exec("DELETE FROM evaluation_results WHERE campaign_id = ?", vec![c.id.into()]).await?;
    for r in rows {
        tx.exec(
            "INSERT INTO evaluation_results (campaign_id, org_unit_id, score, rank, rank_low, rank_high, profile, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                c.id.into(),
                r.org_unit_id.into(),
                r.score.into(),
                r.rank.into(),
                r.rank_low.into(),
                r.rank_high.into(),
                r.profile.clone().into(),
                now.into(),
            ],
        )
        .await?;
    }
    audit::append(
        tx,
        Change {
            actor: actor.username,
            action: "evaluation.results",
            entity: "evaluation_campaign",
            entity_id: c.id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "units": rows.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    Ok(())
}

/// Computes and keeps the campaign's results (replacing earlier ones). Returns how many units
/// were evaluated.
pub async fn compute_results(
    db: &Db,
    c: &Campaign,
    runs: usize,
    actor: Actor<'_>,
) -> Result<usize> {
    let rows = compute(db, c, runs).await?;
    let tx = db.begin_write().await?;
    keep_results(&tx, c, &rows, actor).await?;
    tx.commit().await?;
    Ok(rows.len())
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
