//! A campaign's results: the evaluators' scores aggregated per unit and item (the experts
//! engine's methods), the composite through the index engine with the campaign's weights, ranks
//! with their intervals from the sensitivity analysis, and each unit's profile.
use super::Framework;
use crate::experts::scoring::{self, Method, Scored};
use crate::index::sensitivity::{self, ranks};
use crate::index::{self, IndexError};
use std::collections::HashMap;

/// One evaluator's score of one unit's qualitative item.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatorScore {
    pub unit: i64,
    pub item: String,
    pub evaluator: String,
    pub score: f64,
}

/// The value of one item for one unit: a register's or indicator's value, or the evaluators'
/// aggregated score.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemValue {
    pub unit: i64,
    pub item: String,
    pub value: f64,
}

/// The evaluators' scores of each unit's item aggregated by `method` (a plain mean, the mean
/// without the highest and lowest from five scores, or standardised for each evaluator's habit).
pub fn aggregate_scores(scores: &[EvaluatorScore], method: Method) -> Vec<ItemValue> {
    let key = |unit: i64, item: &str| format!("{unit}\u{1f}{item}");
    let reviews: Vec<Scored> = scores
        .iter()
        .map(|s| Scored { item: key(s.unit, &s.item), expert: s.evaluator.clone(), total: s.score })
        .collect();
    let mut out: Vec<ItemValue> = scoring::aggregate(&reviews, method, f64::INFINITY)
        .into_iter()
        .filter_map(|r| {
            let (unit, item) = r.item.split_once('\u{1f}')?;
            Some(ItemValue { unit: unit.parse().ok()?, item: item.to_string(), value: r.score })
        })
        .collect();
    out.sort_by(|a, b| (a.unit, &a.item).cmp(&(b.unit, &b.item)));
    out
}

/// A unit's score in one dimension and its rank among the units.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionScore {
    pub dimension: String,
    pub score: Option<f64>,
    pub rank: Option<usize>,
}

/// The 5 %–95 % range of a unit's rank over the sensitivity runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankInterval {
    pub low: f64,
    pub high: f64,
}

/// A unit's result: composite, rank, interval, and its profile by dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitResult {
    pub unit: i64,
    pub score: Option<f64>,
    pub rank: Option<usize>,
    pub interval: Option<RankInterval>,
    pub dimensions: Vec<DimensionScore>,
    /// Dimensions in which the unit ranks in the top third.
    pub strengths: Vec<String>,
    /// Dimensions in which it ranks in the bottom third.
    pub weaknesses: Vec<String>,
}

/// How much of the ranks' variance an assumption explains (first order and total).
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub assumption: &'static str,
    pub first: f64,
    pub total: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// Best first; units without a score last.
    pub units: Vec<UnitResult>,
    pub explained: Vec<Explained>,
}

/// The index engine's iData for the units: one row a unit (`U{id}`), one column an item.
fn idata(f: &Framework, units: &[i64], values: &[ItemValue]) -> String {
    let codes: Vec<&str> = f.items.iter().map(|i| i.code.as_str()).collect();
    let mut data = format!("uCode,{}\n", codes.join(","));
    let mut cells: HashMap<(i64, &str), f64> = HashMap::new();
    for v in values {
        cells.insert((v.unit, v.item.as_str()), v.value);
    }
    for u in units {
        let row: Vec<String> = codes
            .iter()
            .map(|c| cells.get(&(*u, *c)).map(|v| v.to_string()).unwrap_or_default())
            .collect();
        data.push_str(&format!("U{u},{}\n", row.join(",")));
    }
    data
}

/// One aggregate's scores and ranks, in the order of the units given.
struct Scores {
    code: String,
    scores: Vec<Option<f64>>,
    ranks: Vec<Option<usize>>,
}

/// The ranks' intervals by unit code, and what each assumption explains.
fn sensitivity_of(
    meta: &index::Meta,
    data: &index::Data,
    pipeline: &index::Pipeline,
    runs: usize,
) -> Result<(HashMap<String, RankInterval>, Vec<Explained>), IndexError> {
    let assumptions = sensitivity::ranking_assumptions();
    let sa = sensitivity::analyse(meta, data, pipeline, &assumptions, runs, 2026)?;
    let intervals = sa
        .units
        .iter()
        .map(|u| (u.code.clone(), RankInterval { low: u.q05, high: u.q95 }))
        .collect();
    let explained = sa
        .indices
        .iter()
        .map(|(a, first, total)| Explained { assumption: a, first: *first, total: *total })
        .collect();
    Ok((intervals, explained))
}

/// The campaign's results over `values` (quantitative and aggregated qualitative alike): each
/// item normalised min–max to 1–100 with its direction (1, not 0, so a geometric mean in the
/// sensitivity runs stays defined), weighted means up to the dimensions and the index; `runs`
/// sensitivity runs (weights ±25 %, min–max or rank normalisation, arithmetic or geometric
/// mean) give each rank its interval.
pub fn evaluate(
    f: &Framework,
    units: &[i64],
    values: &[ItemValue],
    runs: usize,
) -> Result<Results, IndexError> {
    let meta = index::read_meta("framework", &f.imeta())?;
    let data = index::read_data("values", &idata(f, units, values), &meta)?;
    let pipeline = index::read_pipeline(
        "pipeline",
        "[normalise]\nmethod = \"minmax\"\nlower = 1.0\nupper = 100.0\n\n[aggregate]\nmethod = \"amean\"\n",
    )?;
    let built = index::build(&meta, &data, &pipeline, "values")?;
    let Some((_, ds)) = built.datasets.last() else {
        let message = "nothing aggregated".to_string();
        return Err(IndexError { file: "values".into(), line: 0, column: String::new(), message });
    };
    let position: HashMap<i64, usize> = units.iter().enumerate().map(|(i, u)| (*u, i)).collect();
    let scores_of = |code: &str| -> Scores {
        let mut scores = vec![None; units.len()];
        if let Some(c) = ds.columns.iter().position(|x| x == code) {
            for (pos, &row) in ds.rows.iter().enumerate() {
                let unit = data.codes[row].trim_start_matches('U').parse::<i64>().ok();
                if let Some(i) = unit.and_then(|u| position.get(&u)) {
                    scores[*i] = ds.values[c][pos];
                }
            }
        }
        Scores { code: code.to_string(), ranks: ranks(&scores), scores }
    };
    let top = scores_of("Index");
    let dimensions: Vec<Scores> = f.dimensions.iter().map(|d| scores_of(&d.code)).collect();
    let (intervals, explained) = if runs > 0 && units.len() >= 2 {
        sensitivity_of(&meta, &data, &pipeline, runs)?
    } else {
        (HashMap::new(), Vec::new())
    };
    let third = units.len().div_ceil(3);
    let mut out: Vec<UnitResult> = units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let dimensions: Vec<DimensionScore> = dimensions
                .iter()
                .map(|d| DimensionScore {
                    dimension: d.code.clone(),
                    score: d.scores[i],
                    rank: d.ranks[i],
                })
                .collect();
            let pick = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
                let ranked = dimensions.iter().filter(|d| d.rank.is_some_and(keep));
                ranked.map(|d| d.dimension.clone()).collect()
            };
            UnitResult {
                unit: *u,
                score: top.scores[i],
                rank: top.ranks[i],
                interval: intervals.get(&format!("U{u}")).copied(),
                strengths: pick(&|r| r <= third),
                weaknesses: pick(&|r| r > third && r > units.len() - third),
                dimensions,
            }
        })
        .collect();
    out.sort_by_key(|r| (r.rank.unwrap_or(usize::MAX), r.unit));
    Ok(Results { units: out, explained })
}
