//! Scoring forms defined per call, the checks on a filled form, aggregation of the panel's scores
//! (mean, trimmed mean, per-expert standardisation), disagreement and outlier reviewers, and each
//! expert's performance for the annual re-confirmation.
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Share of the 100-point total.
    pub weight: f64,
    /// Scores run from 0 to `max` in steps of `step`.
    pub max: f64,
    #[serde(default = "one")]
    pub step: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub criteria: Vec<Criterion>,
    /// The recommendations an expert chooses from (codes; the first is the strongest).
    pub recommendations: Vec<String>,
    /// A comment of at least this many characters is required (0: optional).
    #[serde(default)]
    pub min_comment_chars: usize,
}

/// Which field of a filled form is wrong, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ScoreError {
    pub field: String,
    pub message: String,
}

fn err<T>(field: impl Into<String>, message: impl Into<String>) -> Result<T, ScoreError> {
    Err(ScoreError { field: field.into(), message: message.into() })
}

impl Form {
    /// The form most calls use: four criteria on a 100-point total, three recommendations.
    pub fn standard() -> Form {
        let c = |code: &str, zh: &str, en: &str, weight: f64| Criterion {
            code: code.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            weight,
            max: 10.0,
            step: 0.5,
        };
        Form {
            criteria: vec![
                c("innovation", "创新性与先进性", "Novelty and state of the art", 30.0),
                c("feasibility", "技术路线可行性", "Feasibility of the approach", 25.0),
                c("team", "团队与基础条件", "Team and facilities", 20.0),
                c("impact", "预期效益与示范带动", "Expected benefits", 25.0),
            ],
            recommendations: vec!["priority".into(), "fund".into(), "reject".into()],
            min_comment_chars: 20,
        }
    }

    /// Checks a form as staff define it: criteria named and unique, positive weights summing to
    /// 100, scales that make sense, at least one recommendation.
    pub fn check(&self) -> Result<(), ScoreError> {
        if self.criteria.is_empty() {
            return err("criteria", "at least one criterion");
        }
        let mut seen = std::collections::HashSet::new();
        for (i, c) in self.criteria.iter().enumerate() {
            let at = format!("criteria[{}]", i + 1);
            if c.code.trim().is_empty() || c.name_zh.trim().is_empty() {
                return err(at, "code and name are required");
            }
            if !seen.insert(c.code.as_str()) {
                return err(at, format!("duplicate code {}", c.code));
            }
            // NaN is not positive: written this way, it is refused with the rest.
            let positive = |x: f64| x > 0.0;
            if !positive(c.weight) || !positive(c.max) || !positive(c.step) || c.step > c.max {
                return err(at, "weight, max and step must be positive, step ≤ max");
            }
        }
        let total: f64 = self.criteria.iter().map(|c| c.weight).sum();
        if (total - 100.0).abs() > 1e-6 {
            return err("criteria", format!("weights sum to {total}, not 100"));
        }
        if self.recommendations.is_empty() {
            return err("recommendations", "at least one recommendation");
        }
        Ok(())
    }

    /// The weighted total (0–100) of a complete, valid set of scores.
    pub fn total(&self, scores: &BTreeMap<String, f64>) -> Result<f64, ScoreError> {
        for code in scores.keys() {
            if !self.criteria.iter().any(|c| &c.code == code) {
                return err(code.clone(), "not a criterion of this form");
            }
        }
        let mut total = 0.0;
        for c in &self.criteria {
            let Some(&v) = scores.get(&c.code) else { return err(c.code.clone(), "missing") };
            if !v.is_finite() || v < 0.0 || v > c.max + 1e-9 {
                return err(c.code.clone(), format!("{v} is outside 0–{}", c.max));
            }
            let steps = v / c.step;
            if (steps - steps.round()).abs() > 1e-6 {
                return err(c.code.clone(), format!("{v} is not a multiple of {}", c.step));
            }
            total += c.weight * v / c.max;
        }
        Ok((total * 100.0).round() / 100.0)
    }

    /// Checks what a submission adds to the scores: a known recommendation and a long enough
    /// comment.
    pub fn check_submission(&self, recommendation: &str, comment: &str) -> Result<(), ScoreError> {
        if !self.recommendations.iter().any(|r| r == recommendation) {
            return err(
                "recommendation",
                format!("\"{recommendation}\" is not one of {}", self.recommendations.join(", ")),
            );
        }
        if comment.trim().chars().count() < self.min_comment_chars {
            return err("comment", format!("at least {} characters", self.min_comment_chars));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Mean,
    /// Drop the highest and the lowest score (去掉一个最高分和一个最低分) when the panel has at
    /// least [`TRIM_FROM`] scores; a plain mean below that.
    Trimmed,
    /// Each expert's scores as z-scores over all their reviews in the round (removing harsh and
    /// lenient habits), mapped back to the round's mean and spread, then averaged.
    Standardised,
}

impl Method {
    pub const ALL: [Method; 3] = [Self::Mean, Self::Trimmed, Self::Standardised];
    pub fn code(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Trimmed => "trimmed",
            Self::Standardised => "standardised",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == s)
    }
}

pub const TRIM_FROM: usize = 5;

/// A submitted review's weighted total.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub item: String,
    pub expert: String,
    pub total: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemResult {
    pub item: String,
    pub rank: usize,
    pub n: usize,
    /// The aggregated score by the chosen method.
    pub score: f64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub sd: f64,
    /// The panel disagrees: the spread (max − min) reaches the threshold.
    pub disagreement: bool,
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 }
}

fn sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The ranked list for the decision meeting: one row per item with scores, best first (ties by
/// item code), `spread` the max − min that flags disagreement.
pub fn aggregate(reviews: &[Scored], method: Method, spread: f64) -> Vec<ItemResult> {
    let all: Vec<f64> = reviews.iter().map(|r| r.total).collect();
    let (round_mean, round_sd) = (mean(&all), sd(&all));
    let mut by_expert: HashMap<&str, Vec<f64>> = HashMap::new();
    for r in reviews {
        by_expert.entry(&r.expert).or_default().push(r.total);
    }
    let habits: HashMap<&str, (f64, f64)> =
        by_expert.iter().map(|(e, v)| (*e, (mean(v), sd(v)))).collect();
    let mut by_item: BTreeMap<&str, Vec<&Scored>> = BTreeMap::new();
    for r in reviews {
        by_item.entry(&r.item).or_default().push(r);
    }
    let mut out: Vec<ItemResult> = by_item
        .into_iter()
        .map(|(item, rs)| {
            let mut v: Vec<f64> = rs.iter().map(|r| r.total).collect();
            v.sort_by(f64::total_cmp);
            let score = match method {
                Method::Mean => mean(&v),
                Method::Trimmed if v.len() >= TRIM_FROM => mean(&v[1..v.len() - 1]),
                Method::Trimmed => mean(&v),
                Method::Standardised => {
                    let z: Vec<f64> = rs
                        .iter()
                        .map(|r| {
                            let (m, s) = habits[r.expert.as_str()];
                            // An expert with one review, or the same score everywhere, keeps the
                            // raw score: there is no habit to remove.
                            if s > 1e-9 && by_expert[r.expert.as_str()].len() >= 2 {
                                round_mean + round_sd * (r.total - m) / s
                            } else {
                                r.total
                            }
                        })
                        .collect();
                    mean(&z)
                }
            };
            let (lo, hi) = (v[0], v[v.len() - 1]);
            ItemResult {
                item: item.to_string(),
                rank: 0,
                n: v.len(),
                score: round2(score),
                mean: round2(mean(&v)),
                min: lo,
                max: hi,
                sd: round2(sd(&v)),
                disagreement: v.len() >= 2 && hi - lo >= spread,
            }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.item.cmp(&b.item)));
    // Equal scores share a rank (1, 2, 2, 4).
    for k in 0..out.len() {
        out[k].rank =
            if k > 0 && out[k].score == out[k - 1].score { out[k - 1].rank } else { k + 1 };
    }
    out
}

/// How far an expert's scores sit from the rest of each panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deviation {
    pub expert: String,
    /// Reviews compared (items with at least one other score).
    pub n: usize,
    /// Mean of (own score − mean of the others): negative for a harsh reviewer.
    pub mean_signed: f64,
    pub mean_abs: f64,
    /// Systematically harsher or more lenient than the panels by at least the threshold, over at
    /// least three reviews.
    pub outlier: bool,
}

pub fn deviations(reviews: &[Scored], threshold: f64) -> Vec<Deviation> {
    let mut by_item: HashMap<&str, Vec<&Scored>> = HashMap::new();
    for r in reviews {
        by_item.entry(&r.item).or_default().push(r);
    }
    let mut per: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for rs in by_item.values() {
        if rs.len() < 2 {
            continue;
        }
        let sum: f64 = rs.iter().map(|r| r.total).sum();
        for r in rs {
            let others = (sum - r.total) / (rs.len() - 1) as f64;
            per.entry(&r.expert).or_default().push(r.total - others);
        }
    }
    per.into_iter()
        .map(|(e, d)| {
            let signed = mean(&d);
            let abs = mean(&d.iter().map(|x| x.abs()).collect::<Vec<_>>());
            Deviation {
                expert: e.to_string(),
                n: d.len(),
                mean_signed: round2(signed),
                mean_abs: round2(abs),
                outlier: d.len() >= 3 && signed.abs() >= threshold,
            }
        })
        .collect()
}

/// One expert's record over a period, for the annual re-confirmation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Performance {
    pub invited: usize,
    pub declined: usize,
    pub conflicts_declared: usize,
    pub submitted: usize,
    pub on_time: usize,
    /// Mean absolute deviation from the rest of the panel (points), if compared at all.
    pub mean_abs_deviation: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Advice {
    /// Keep in the library.
    Keep,
    /// Keep, with a word: often late, often declining, or far from the panels.
    Caution,
    /// Propose suspension at re-confirmation.
    Suspend,
}

impl Performance {
    /// Share of submitted reviews that came in on time.
    pub fn timeliness(&self) -> Option<f64> {
        (self.submitted > 0).then(|| self.on_time as f64 / self.submitted as f64)
    }

    /// The bureau's rule of thumb: more than half of the invitations declined, or under half of
    /// the reviews on time, over at least four invitations, calls for suspension; a quarter, or a
    /// mean deviation of 20 points or more, for a word of caution.
    pub fn advice(&self) -> Advice {
        if self.invited < 4 {
            return Advice::Keep;
        }
        let declined = self.declined as f64 / self.invited as f64;
        let late = 1.0 - self.timeliness().unwrap_or(1.0);
        if declined > 0.5 || late > 0.5 {
            Advice::Suspend
        } else if declined >= 0.25
            || late >= 0.25
            || self.mean_abs_deviation.is_some_and(|d| d >= 20.0)
        {
            Advice::Caution
        } else {
            Advice::Keep
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(item: &str, expert: &str, total: f64) -> Scored {
        Scored { item: item.into(), expert: expert.into(), total }
    }

    #[test]
    fn the_standard_form_checks_and_totals() {
        let f = Form::standard();
        f.check().unwrap();
        let mut sc: BTreeMap<String, f64> =
            [("innovation", 8.0), ("feasibility", 7.5), ("team", 9.0), ("impact", 6.0)]
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect();
        assert_eq!(f.total(&sc).unwrap(), 30.0 * 0.8 + 25.0 * 0.75 + 20.0 * 0.9 + 25.0 * 0.6);
        sc.insert("team".into(), 11.0);
        assert_eq!(
            f.total(&sc).unwrap_err(),
            ScoreError { field: "team".into(), message: "11 is outside 0–10".into() }
        );
        sc.insert("team".into(), 7.3);
        assert_eq!(f.total(&sc).unwrap_err().message, "7.3 is not a multiple of 0.5");
        sc.remove("team");
        assert_eq!(f.total(&sc).unwrap_err().message, "missing");
        assert!(f.check_submission("maybe", "很好很好很好很好很好很好很好很好很好很好").is_err());
        assert_eq!(f.check_submission("fund", "好").unwrap_err().field, "comment");
        let mut bad = f.clone();
        bad.criteria[0].weight = 40.0;
        assert_eq!(bad.check().unwrap_err().message, "weights sum to 110, not 100");
    }

    #[test]
    fn trimmed_mean_drops_one_high_and_one_low() {
        let rs: Vec<Scored> = [90.0, 80.0, 82.0, 84.0, 20.0]
            .iter()
            .enumerate()
            .map(|(k, &t)| s("P1", &format!("E{k}"), t))
            .collect();
        let mean = aggregate(&rs, Method::Mean, 30.0);
        assert_eq!(mean[0].score, 71.2);
        assert!(mean[0].disagreement, "70 points apart");
        let trimmed = aggregate(&rs, Method::Trimmed, 30.0);
        assert_eq!(trimmed[0].score, 82.0);
        let three = aggregate(&rs[..3], Method::Trimmed, 30.0);
        assert_eq!(three[0].score, 84.0, "three scores: a plain mean");
    }

    #[test]
    fn standardisation_removes_a_harsh_habit() {
        // E2 scores everything 20 points lower; with standardisation the ranking follows the
        // consensus of the others, and E2 is flagged as an outlier reviewer.
        let mut rs = vec![];
        for (k, base) in [70.0, 80.0, 90.0, 60.0].iter().enumerate() {
            let item = format!("P{k}");
            rs.push(s(&item, "E1", *base));
            rs.push(s(&item, "E3", base + 2.0));
        }
        rs.push(s("P0", "E2", 50.0));
        rs.push(s("P1", "E2", 60.0));
        rs.push(s("P2", "E2", 70.0));
        let st = aggregate(&rs, Method::Standardised, 30.0);
        assert_eq!(
            st.iter().map(|r| r.item.as_str()).collect::<Vec<_>>(),
            ["P2", "P1", "P0", "P3"]
        );
        let dev = deviations(&rs, 15.0);
        let e2 = dev.iter().find(|d| d.expert == "E2").unwrap();
        assert!(e2.outlier && e2.mean_signed < -15.0, "{e2:?}");
        assert!(!dev.iter().find(|d| d.expert == "E1").unwrap().outlier);
    }

    #[test]
    fn equal_scores_share_a_rank() {
        let rs = vec![s("A", "E", 80.0), s("B", "E", 80.0), s("C", "E", 70.0)];
        let r = aggregate(&rs, Method::Mean, 30.0);
        assert_eq!(r.iter().map(|x| x.rank).collect::<Vec<_>>(), [1, 1, 3]);
    }

    #[test]
    fn performance_advice() {
        let p = Performance { invited: 8, declined: 5, ..Default::default() };
        assert_eq!(p.advice(), Advice::Suspend);
        let p =
            Performance { invited: 8, declined: 2, submitted: 6, on_time: 6, ..Default::default() };
        assert_eq!(p.advice(), Advice::Caution);
        let p = Performance {
            invited: 8,
            declined: 0,
            submitted: 8,
            on_time: 8,
            mean_abs_deviation: Some(5.0),
            ..Default::default()
        };
        assert_eq!(p.advice(), Advice::Keep);
        assert_eq!(
            Performance { invited: 2, declined: 2, ..Default::default() }.advice(),
            Advice::Keep,
            "too few to judge"
        );
    }
}
