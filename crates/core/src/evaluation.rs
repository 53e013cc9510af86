//! Evaluation of counties and zones (创新型县区评价考核, seed 003 2.5(3)): a framework of four
//! dimensions (创新管理、创新环境、创新能力、创新效果) whose items are either quantitative, read
//! from the platform's own registers or indicators, or qualitative, reported by each unit with
//! evidence and scored by evaluators. The composite, its ranks and their intervals come from
//! the index engine (`results`).
use crate::indicators::targets::Direction;
use serde::Deserialize;

pub mod results;

#[cfg(test)]
mod tests;

/// The built-in framework, from seed 003.
pub const BUILT_IN: &str = include_str!("../frameworks/evaluation-county.toml");

/// Weights of the dimensions, and of the items in each dimension, sum to this.
pub const WEIGHT_TOTAL: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Read from the platform: `register:<code>` or `indicator:<code>`.
    Quantitative,
    /// Reported by the unit with evidence, scored by evaluators on `0..=max_score`.
    Qualitative,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Dimension {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Item {
    pub code: String,
    pub dimension: String,
    pub kind: ItemKind,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub weight: f64,
    /// Quantitative: where the value comes from (`register:high_tech`, `indicator:RD_GDP`).
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub direction: Direction,
    /// Qualitative: the top of the evaluators' scale.
    #[serde(default)]
    pub max_score: Option<f64>,
    /// Qualitative: what the unit is to report, in words.
    #[serde(default)]
    pub guidance_zh: String,
}

/// Where a quantitative item's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source<'a> {
    Register(&'a str),
    Indicator(&'a str),
}

impl Item {
    pub fn source(&self) -> Option<Source<'_>> {
        let s = self.source.as_deref()?;
        if let Some(r) = s.strip_prefix("register:") {
            crate::indicators::registers::is_register(r).then_some(Source::Register(r))
        } else {
            s.strip_prefix("indicator:").filter(|c| !c.is_empty()).map(Source::Indicator)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Framework {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub source: String,
    #[serde(rename = "dimension")]
    pub dimensions: Vec<Dimension>,
    #[serde(rename = "item")]
    pub items: Vec<Item>,
}

/// Why a framework (or a campaign's weights) cannot be used: each names the rule broken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("the framework does not read at line {line}: {message}")]
    Unreadable { line: usize, message: String },
    #[error("the dimensions' weights sum to {sum}, not 100")]
    DimensionWeights { sum: f64 },
    #[error("the items of {dimension} weigh {sum} together, not 100")]
    ItemWeights { dimension: String, sum: f64 },
    #[error("{code}: a weight must be above 0 (it is {weight})")]
    Weight { code: String, weight: f64 },
    #[error("{code} is defined twice")]
    Duplicate { code: String },
    #[error("dimension {dimension} has no items")]
    EmptyDimension { dimension: String },
    #[error("{item} belongs to the unknown dimension {dimension}")]
    UnknownDimension { item: String, dimension: String },
    #[error("{item} is quantitative and needs a source: register:<code> or indicator:<code>")]
    Source { item: String },
    #[error("{item} is qualitative and needs a scale: max_score above 0 and at most 100")]
    Scale { item: String },
    /// Codes go into the index engine's tables: letters, digits, `_` and `-`, not `Index`.
    #[error("{code} is no code: letters, digits, _ and - only, and not Index")]
    Code { code: String },
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

impl Framework {
    pub fn built_in() -> Framework {
        // The built-in text is checked by a test; an unreadable one is a programming error.
        Framework::from_toml(BUILT_IN).unwrap_or_else(|p| panic!("built-in framework: {p:?}"))
    }

    pub fn from_toml(text: &str) -> Result<Framework, Vec<Problem>> {
        let f: Framework = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| {
                    // Bytes, not a str slice: the offset may fall inside a character.
                    let before = &text.as_bytes()[..s.start.min(text.len())];
                    before.iter().filter(|b| **b == b'\n').count() + 1
                })
                .unwrap_or(0);
            vec![Problem::Unreadable { line, message: e.message().to_string() }]
        })?;
        let problems = f.check();
        if problems.is_empty() { Ok(f) } else { Err(problems) }
    }

    /// Every rule the framework breaks (none: it can be used).
    pub fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let codes = self.dimensions.iter().map(|d| (&d.code, d.weight));
        for (code, weight) in codes.chain(self.items.iter().map(|i| (&i.code, i.weight))) {
            let fits = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
            if code.is_empty() || !code.chars().all(fits) || code.eq_ignore_ascii_case("index") {
                problems.push(Problem::Code { code: code.clone() });
            }
            if !seen.insert(code.as_str()) {
                problems.push(Problem::Duplicate { code: code.clone() });
            }
            if !(weight > 0.0 && weight.is_finite()) {
                problems.push(Problem::Weight { code: code.clone(), weight });
            }
        }
        let sum: f64 = self.dimensions.iter().map(|d| d.weight).sum();
        if !near(sum, WEIGHT_TOTAL) {
            problems.push(Problem::DimensionWeights { sum });
        }
        for d in &self.dimensions {
            let items: Vec<&Item> = self.items.iter().filter(|i| i.dimension == d.code).collect();
            let sum: f64 = items.iter().map(|i| i.weight).sum();
            if items.is_empty() {
                problems.push(Problem::EmptyDimension { dimension: d.code.clone() });
            } else if !near(sum, WEIGHT_TOTAL) {
                problems.push(Problem::ItemWeights { dimension: d.code.clone(), sum });
            }
        }
        for i in &self.items {
            if !self.dimensions.iter().any(|d| d.code == i.dimension) {
                problems.push(Problem::UnknownDimension {
                    item: i.code.clone(),
                    dimension: i.dimension.clone(),
                });
            }
            match i.kind {
                ItemKind::Quantitative if i.source().is_none() => {
                    problems.push(Problem::Source { item: i.code.clone() })
                }
                ItemKind::Qualitative
                    if !i.max_score.is_some_and(|m| m > 0.0 && m <= WEIGHT_TOTAL) =>
                {
                    problems.push(Problem::Scale { item: i.code.clone() })
                }
                _ => {}
            }
        }
        problems
    }

    /// The same framework with the campaign's weights (by dimension or item code; those not
    /// named keep theirs), checked again: a weight set that does not sum as the framework says
    /// is refused with the rule named.
    pub fn with_weights(&self, weights: &[(String, f64)]) -> Result<Framework, Vec<Problem>> {
        let mut f = self.clone();
        for (code, w) in weights {
            if let Some(d) = f.dimensions.iter_mut().find(|d| &d.code == code) {
                d.weight = *w;
            } else if let Some(i) = f.items.iter_mut().find(|i| &i.code == code) {
                i.weight = *w;
            }
        }
        let problems = f.check();
        if problems.is_empty() { Ok(f) } else { Err(problems) }
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    pub fn qualitative(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.kind == ItemKind::Qualitative)
    }

    /// The index engine's iMeta: items under their dimensions, the dimensions under the index.
    pub fn imeta(&self) -> String {
        let mut m = String::from("Level,iCode,iName,Direction,Weight,Parent,Type\n");
        for i in &self.items {
            let dir = if i.direction == Direction::Down { -1 } else { 1 };
            let (code, w, parent) = (&i.code, i.weight, &i.dimension);
            m.push_str(&format!("1,{code},{code},{dir},{w},{parent},Indicator\n"));
        }
        for d in &self.dimensions {
            m.push_str(&format!("2,{},{},1,{},Index,Aggregate\n", d.code, d.code, d.weight));
        }
        m.push_str("3,Index,Index,1,1,,Aggregate\n");
        m
    }
}

/// Why an evaluator's score is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreProblem {
    #[error("{item} is not a qualitative item of the framework")]
    NotQualitative { item: String },
    #[error("{score} is outside {item}'s scale 0–{max}")]
    OutOfScale { item: String, score: f64, max: f64 },
    #[error("{score} has more than one decimal place")]
    Precision { score: f64 },
}

/// Checks one evaluator's score of a qualitative item: on the item's scale, to one decimal.
pub fn check_score(f: &Framework, item: &str, score: f64) -> Result<(), ScoreProblem> {
    let Some(max) =
        f.item(item).filter(|i| i.kind == ItemKind::Qualitative).and_then(|i| i.max_score)
    else {
        return Err(ScoreProblem::NotQualitative { item: item.into() });
    };
    if !(score.is_finite() && (0.0..=max).contains(&score)) {
        return Err(ScoreProblem::OutOfScale { item: item.into(), score, max });
    }
    if !near((score * 10.0).round(), score * 10.0) {
        return Err(ScoreProblem::Precision { score });
    }
    Ok(())
}
