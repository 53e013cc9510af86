//! Targets and trajectories (目标与路径): a framework is a named set of indicators, each with a
//! baseline and a target; the planned path runs between them (linear, or constant growth); each
//! actual value is measured against the path, and the trend says whether a gap is closing.
use crate::stats::long::{Place, PlaceError};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is better.
    #[default]
    Up,
    Down,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathKind {
    #[default]
    Linear,
    /// Constant growth rate (the same % every year).
    Growth,
}

/// Additive indicators (money, counts) are split between units by their share; ratios are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Total,
    #[default]
    Ratio,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Target {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub kind: Kind,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default)]
    pub path: PathKind,
    pub baseline_year: i32,
    pub baseline: f64,
    pub target_year: i32,
    pub target: f64,
    #[serde(default = "one")]
    pub weight: f64,
    /// How to compute the indicator from statistics returns: a formula over the totals of one
    /// form (`#{RD_EXP} / #{REVENUE} * 100` over 107-2), numerator and denominator aggregated
    /// first — a ratio of sums, not an average of ratios.
    /// For a ratio: the total indicators whose sums give it up the hierarchy
    /// (`numerator / denominator × scale`), so a parent's ratio is a ratio of sums.
    #[serde(default)]
    pub numerator: Option<String>,
    #[serde(default)]
    pub denominator: Option<String>,
    #[serde(default = "one")]
    pub scale: f64,
    /// The pillar of the development index this indicator belongs to (a [`Pillar`] code).
    #[serde(default)]
    pub pillar: Option<String>,
    #[serde(default)]
    pub stats_form: Option<String>,
    #[serde(default)]
    pub stats_formula: Option<String>,
    /// Computed from a register the platform keeps instead of typed in ([`is_register`]):
    /// `tech_contracts` (the registered technology contracts' 合同成交额, in the target's unit),
    /// or a count of innovation subjects.
    #[serde(default)]
    pub register: Option<String>,
    /// Whether the indicator counts what happens within the year, cumulated from January
    /// (`flow`: contracts' turnover, new enterprises, R&D spending in the quarterly quick report),
    /// or a level at a moment (`stock`: enterprises holding a certificate, a ratio). Unsaid, a
    /// register's own nature decides, and any other indicator is a stock.
    #[serde(default)]
    pub accrual: Option<Accrual>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Accrual {
    Flow,
    Stock,
}

pub use super::registers::is_register;

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Thresholds {
    /// Progress at least this share of the planned progress: on track.
    pub on_track: f64,
    /// At least this share: behind; below: at risk.
    pub at_risk: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { on_track: 0.95, at_risk: 0.8 }
    }
}

/// A group of indicators in the development index (创新投入, 创新产出 ...).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Pillar {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default = "one")]
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Framework {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub thresholds: Thresholds,
    #[serde(rename = "target")]
    pub targets: Vec<Target>,
    #[serde(default, rename = "pillar")]
    pub pillars: Vec<Pillar>,
}

/// The built-in frameworks, from the seeds.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("lanbai-2020.toml", include_str!("../../frameworks/lanbai-2020.toml")),
    ("city-2015.toml", include_str!("../../frameworks/city-2015.toml")),
    ("baiyin-2015.toml", include_str!("../../frameworks/baiyin-2015.toml")),
    ("subjects-2020.toml", include_str!("../../frameworks/subjects-2020.toml")),
    ("quarterly-2026.toml", include_str!("../../frameworks/quarterly-2026.toml")),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct FrameworkError {
    pub place: String,
    pub message: String,
}

impl Framework {
    pub fn from_toml(name: &str, text: &str) -> Result<Framework, Vec<FrameworkError>> {
        let f: Framework = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0);
            vec![FrameworkError {
                place: format!("{name}, line {line}"),
                message: e.message().to_string(),
            }]
        })?;
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for t in &f.targets {
            let place = format!("{name}, indicator {}", t.code);
            let mut err =
                |m: String| errors.push(FrameworkError { place: place.clone(), message: m });
            if !seen.insert(t.code.clone()) {
                err("defined twice".into());
            }
            if t.target_year <= t.baseline_year {
                err(format!(
                    "the target year {} is not after the baseline year {}",
                    t.target_year, t.baseline_year
                ));
            }
            if t.weight < 0.0 {
                err(format!("negative weight {}", t.weight));
            }
            if let Some(r) = &t.register
                && !is_register(r)
            {
                err(format!("unknown register '{r}'"));
            }
            if t.accrual == Some(Accrual::Flow) && t.kind == Kind::Ratio {
                err("a ratio is a level, never a flow (accrual = \"stock\")".into());
            }
            if t.path == PathKind::Growth && (t.baseline <= 0.0 || t.target <= 0.0) {
                err("a constant-growth path needs a positive baseline and target".into());
            }
        }
        for t in &f.targets {
            if let Some(p) = &t.pillar
                && !f.pillars.iter().any(|x| &x.code == p)
            {
                errors.push(FrameworkError {
                    place: format!("{name}, indicator {}", t.code),
                    message: format!("unknown pillar '{p}'"),
                });
            }
        }
        if !(0.0 < f.thresholds.at_risk && f.thresholds.at_risk <= f.thresholds.on_track) {
            errors.push(FrameworkError {
                place: format!("{name}, thresholds"),
                message: "need 0 < at_risk ≤ on_track".into(),
            });
        }
        if errors.is_empty() { Ok(f) } else { Err(errors) }
    }

    pub fn built_in() -> Vec<Framework> {
        BUILT_IN.iter().filter_map(|(n, t)| Framework::from_toml(n, t).ok()).collect()
    }

    pub fn target(&self, code: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.code == code)
    }

    /// The years the framework follows: from its earliest baseline to its last target year.
    pub fn years(&self) -> Option<(i32, i32)> {
        let from = self.targets.iter().map(|t| t.baseline_year).min()?;
        let to = self.targets.iter().map(|t| t.target_year).max()?;
        Some((from, to))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    OnTrack,
    Behind,
    AtRisk,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::OnTrack => "on_track",
            Status::Behind => "behind",
            Status::AtRisk => "at_risk",
        }
    }
}

/// One year's actual against the path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    pub year: i32,
    pub actual: f64,
    pub planned: f64,
    /// actual − planned, signed so that negative is worse (for "down" indicators too).
    pub gap: f64,
    /// Share of the whole way from baseline to target achieved (1 = target reached).
    pub achieved: f64,
    /// Achieved progress over planned progress by this year.
    pub pace: f64,
    pub status: Status,
}

impl Target {
    /// An amount of money in fen expressed in the target's unit (亿元, 万元, 千元 or 元), or
    /// None when the unit is not one of money.
    pub fn money_in_unit(&self, fen: i64) -> Option<f64> {
        let per: f64 = match self.unit.as_str() {
            "亿元" => 1e10,
            "万元" => 1e6,
            "千元" => 1e5,
            "元" => 1e2,
            _ => return None,
        };
        Some(fen as f64 / per)
    }

    /// The planned value in `year` (the baseline before it, the target after the target year).
    pub fn planned(&self, year: i32) -> f64 {
        let span = (self.target_year - self.baseline_year) as f64;
        let t = ((year - self.baseline_year) as f64 / span).clamp(0.0, 1.0);
        match self.path {
            PathKind::Linear => self.baseline + (self.target - self.baseline) * t,
            PathKind::Growth => self.baseline * (self.target / self.baseline).powf(t),
        }
    }

    /// Whether the indicator is a flow (see [`Target::accrual`]).
    pub fn flow(&self) -> bool {
        match self.accrual {
            Some(a) => a == Accrual::Flow,
            None => {
                self.kind == Kind::Total
                    && self.register.as_deref().is_some_and(super::registers::is_flow)
            }
        }
    }

    /// The planned value by the end of a period, as the period's values are kept (本年累计 for a
    /// flow: the year's plan times the share of the year gone; for a stock, the level on the way
    /// from last year's plan to this year's).
    pub fn planned_at(&self, period: crate::periods::Period) -> f64 {
        let year = period.year();
        let share = period.year_share();
        if self.flow() {
            self.planned(year) * share
        } else {
            let last = self.planned(year - 1);
            last + (self.planned(year) - last) * share
        }
    }

    /// A period's value against the plan by its end: a flow by how much of the plan so far it
    /// reached (pace = actual / planned, inverted for a falling indicator), a stock on its path
    /// as [`Target::assess`] does for a year.
    pub fn assess_at(
        &self,
        period: crate::periods::Period,
        actual: f64,
        th: &Thresholds,
    ) -> Assessment {
        let planned = self.planned_at(period);
        if !self.flow() || matches!(period, crate::periods::Period::Year(_)) {
            return self.against(period.year(), planned, actual, th);
        }
        let pace = match (self.direction, planned > 0.0, actual > 0.0) {
            (Direction::Up, true, _) => actual / planned,
            (Direction::Down, _, true) => planned / actual,
            _ => 1.0,
        };
        let gap = (actual - planned) * self.sign();
        let status = if pace >= th.on_track || gap >= 0.0 {
            Status::OnTrack
        } else if pace >= th.at_risk {
            Status::Behind
        } else {
            Status::AtRisk
        };
        let year_plan = self.planned(period.year());
        let achieved = if year_plan > 0.0 { actual / year_plan } else { 1.0 };
        Assessment { year: period.year(), actual, planned, gap, achieved, pace, status }
    }

    fn sign(&self) -> f64 {
        if self.direction == Direction::Down { -1.0 } else { 1.0 }
    }

    pub fn assess(&self, year: i32, actual: f64, th: &Thresholds) -> Assessment {
        self.against(year, self.planned(year), actual, th)
    }

    /// A value against a planned one on the path from baseline to target.
    fn against(&self, year: i32, planned: f64, actual: f64, th: &Thresholds) -> Assessment {
        let whole = self.target - self.baseline;
        let achieved = if whole == 0.0 { 1.0 } else { (actual - self.baseline) / whole };
        let due = if whole == 0.0 { 1.0 } else { (planned - self.baseline) / whole };
        // In the baseline year nothing is due yet: judge by the value itself.
        let pace = if due <= 0.0 {
            if (actual - planned) * self.sign() >= 0.0 { 1.0 } else { 0.0 }
        } else {
            achieved / due
        };
        let status = if pace >= th.on_track || (actual - planned) * self.sign() >= 0.0 {
            Status::OnTrack
        } else if pace >= th.at_risk {
            Status::Behind
        } else {
            Status::AtRisk
        };
        Assessment {
            year,
            actual,
            planned,
            gap: (actual - planned) * self.sign(),
            achieved,
            pace,
            status,
        }
    }

    /// The yearly milestones (目标分解 by year).
    pub fn milestones(&self) -> Vec<(i32, f64)> {
        (self.baseline_year..=self.target_year).map(|y| (y, self.planned(y))).collect()
    }

    /// The target broken down by org unit (目标分解 by unit) from each unit's baseline: a total
    /// is shared in proportion to the baselines; a ratio asks each unit for the same relative
    /// improvement.
    pub fn by_unit(&self, baselines: &[(String, f64)]) -> Vec<(String, f64)> {
        match self.kind {
            Kind::Total => {
                let sum: f64 = baselines.iter().map(|b| b.1).sum();
                baselines
                    .iter()
                    .map(|(u, b)| (u.clone(), if sum > 0.0 { self.target * b / sum } else { 0.0 }))
                    .collect()
            }
            Kind::Ratio => baselines
                .iter()
                .map(|(u, b)| {
                    (
                        u.clone(),
                        if self.baseline != 0.0 {
                            b * self.target / self.baseline
                        } else {
                            self.target
                        },
                    )
                })
                .collect(),
        }
    }
}

/// How the latest values move, and whether that closes the gap to the target in time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    /// Compound annual growth rate between the first and last of the recent values.
    pub cagr: Option<f64>,
    /// Annual % change from a log-linear regression over the recent values (Eurostat's
    /// method for SDG trends): robust to one odd year.
    pub regression: Option<f64>,
    /// The growth rate needed from the latest value to reach the target in the target year.
    pub required: Option<f64>,
    /// The trend is at least the required rate (direction-aware).
    pub closing: Option<bool>,
}

/// The trend of (year, value) points over the last `n` of them.
pub fn trend(target: &Target, points: &[(i32, f64)], n: usize) -> Trend {
    let mut pts: Vec<(i32, f64)> = points.to_vec();
    pts.sort_by_key(|p| p.0);
    let recent: Vec<(i32, f64)> = pts.iter().rev().take(n.max(2)).rev().copied().collect();
    let positive = recent.iter().all(|p| p.1 > 0.0);
    let cagr = match (recent.first(), recent.last()) {
        (Some(a), Some(b)) if b.0 > a.0 && positive => {
            Some((b.1 / a.1).powf(1.0 / (b.0 - a.0) as f64) - 1.0)
        }
        _ => None,
    };
    let regression = if recent.len() >= 2 && positive {
        let m = recent.len() as f64;
        let xs: Vec<f64> = recent.iter().map(|p| p.0 as f64).collect();
        let ys: Vec<f64> = recent.iter().map(|p| p.1.ln()).collect();
        let (mx, my) = (xs.iter().sum::<f64>() / m, ys.iter().sum::<f64>() / m);
        let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        (sxx > 0.0).then(|| (sxy / sxx).exp() - 1.0)
    } else {
        None
    };
    let required = recent.last().and_then(|&(y, v)| {
        let years = (target.target_year - y) as f64;
        (years > 0.0 && v > 0.0 && target.target > 0.0)
            .then(|| (target.target / v).powf(1.0 / years) - 1.0)
    });
    let closing = match (regression.or(cagr), required, recent.last()) {
        (Some(g), Some(r), _) => {
            Some(if target.direction == Direction::Down { g <= r } else { g >= r })
        }
        // Past the target year: closing means the target is met.
        (_, None, Some(&(_, v))) => Some((v - target.target) * target.sign() >= 0.0),
        _ => None,
    };
    Trend { cagr, regression, required, closing }
}

#[cfg(test)]
mod tests;

/// A value read from a yearbook file: org unit code, period, indicator, value.
#[derive(Debug, Clone, PartialEq)]
pub struct YearbookRow {
    pub unit: String,
    pub period: String,
    pub indicator: String,
    pub value: f64,
}

const YEARBOOK_COLUMNS: [(&str, &str); 4] =
    [("unit", "区域代码"), ("period", "报告期"), ("indicator", "指标代码"), ("value", "数值")];

/// Reads yearbook values from rows of cells (a CSV's or a sheet's; the first row names the
/// columns, in English or Chinese). Every problem names its row and column; nothing is read
/// when there is one.
pub fn read_yearbook(
    rows: &[Vec<String>],
    sheet: &str,
    indicators: &[String],
    units: &[String],
) -> Result<Vec<YearbookRow>, Vec<PlaceError>> {
    let Some(head) = rows.first() else {
        return Err(vec![place_error(
            sheet,
            1,
            "",
            "err.file.columns",
            vec!["unit, period, indicator, value".into()],
        )]);
    };
    let index = yearbook_columns(head).map_err(|e| vec![place_error(sheet, 1, "", e.0, e.1)])?;
    let reader = Yearbook { sheet, indicators, units, index };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, r) in rows.iter().enumerate().skip(1) {
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if let Some(row) = reader.row(n + 1, r, &mut seen, &mut errors) {
            out.push(row);
        }
        if errors.len() >= crate::stats::long::MAX_ERRORS {
            break;
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

fn place_error(
    sheet: &str,
    line: usize,
    column: &str,
    key: &'static str,
    args: Vec<String>,
) -> PlaceError {
    PlaceError { place: Place { sheet: sheet.into(), line, column: column.into() }, key, args }
}

/// The position of each of [`YEARBOOK_COLUMNS`] in the header, or the missing ones.
fn yearbook_columns(head: &[String]) -> Result<[usize; 4], (&'static str, Vec<String>)> {
    let mut index = [usize::MAX; 4];
    for (i, h) in head.iter().enumerate() {
        let h = h.trim().to_lowercase();
        if let Some(c) = YEARBOOK_COLUMNS.iter().position(|(en, zh)| h == *en || h == *zh) {
            index[c] = i;
        }
    }
    let missing: Vec<String> = YEARBOOK_COLUMNS
        .iter()
        .zip(index)
        .filter(|(_, i)| *i == usize::MAX)
        .map(|((en, zh), _)| format!("{en}（{zh}）"))
        .collect();
    if !missing.is_empty() {
        return Err(("err.file.columns", vec![missing.join("、")]));
    }
    Ok(index)
}

/// What yearbook rows are checked against, and where their columns are.
struct Yearbook<'a> {
    sheet: &'a str,
    indicators: &'a [String],
    units: &'a [String],
    index: [usize; 4],
}

impl Yearbook<'_> {
    /// One row (at `line`), its problems added to `errors`; `seen` holds the cells so far.
    fn row(
        &self,
        line: usize,
        r: &[String],
        seen: &mut std::collections::HashSet<(String, String, String)>,
        errors: &mut Vec<PlaceError>,
    ) -> Option<YearbookRow> {
        let at = |column: &str, key: &'static str, args: Vec<String>| {
            place_error(self.sheet, line, column, key, args)
        };
        let get = |c: usize| r.get(self.index[c]).map(|s| s.trim().to_string()).unwrap_or_default();
        let (unit, period, indicator, raw) = (get(0), get(1), get(2), get(3));
        if !self.units.contains(&unit) {
            errors.push(at("unit", "err.ind.unknown_unit", vec![unit.clone()]));
        }
        if crate::periods::Period::parse(&period).is_err() {
            errors.push(at("period", "err.stats.bad_period", vec![period.clone()]));
        }
        if !self.indicators.contains(&indicator) {
            errors.push(at("indicator", "err.ind.unknown_indicator", vec![indicator.clone()]));
        }
        let value = match raw.replace(',', "").parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                errors.push(at("value", "err.value.not_number", vec![raw.clone()]));
                None
            }
        };
        if !seen.insert((unit.clone(), period.clone(), indicator.clone())) {
            errors.push(at(
                "indicator",
                "err.file.duplicate_cell",
                vec![format!("{unit} {period} {indicator}")],
            ));
        }
        value.map(|value| YearbookRow { unit, period, indicator, value })
    }
}

impl Framework {
    /// The development index's tree as COINr's iMeta: indicators (level 1), pillars (2) and the
    /// index (3), with directions and weights. Indicators without a pillar sit under the index.
    pub fn imeta(&self) -> String {
        let mut m = String::from("Level,iCode,iName,Direction,Weight,Parent,Type\n");
        let two_levels = !self.pillars.is_empty();
        for t in &self.targets {
            let parent = match (&t.pillar, two_levels) {
                (Some(p), true) => p.clone(),
                _ => "Index".into(),
            };
            let dir = if t.direction == Direction::Down { -1 } else { 1 };
            m.push_str(&format!("1,{},{},{dir},{},{parent},Indicator\n", t.code, t.code, t.weight));
        }
        for p in &self.pillars {
            m.push_str(&format!("2,{},{},1,{},Index,Aggregate\n", p.code, p.code, p.weight));
        }
        m.push_str(&format!("{},Index,Index,1,1,,Aggregate\n", if two_levels { 3 } else { 2 }));
        m
    }
}

/// A stored value: indicator, org unit, period, value.
pub type UnitValue = (String, i64, String, f64);

/// Values for org units that have none of their own, from the units below them, level by
/// level from the bottom: a total is the sum of its children's; a ratio with a numerator and a
/// denominator is the ratio of their sums (never an average of ratios). Other ratios are not
/// added up.
pub fn aggregate_up(
    f: &Framework,
    units: &[(i64, Option<i64>)],
    values: &[UnitValue],
) -> Vec<UnitValue> {
    use std::collections::{BTreeSet, HashMap};
    let mut have: HashMap<(String, i64, String), f64> =
        values.iter().map(|(i, u, p, v)| ((i.clone(), *u, p.clone()), *v)).collect();
    let periods: BTreeSet<String> = values.iter().map(|v| v.2.clone()).collect();
    let depth = |mut u: i64| {
        let mut d = 0;
        while let Some(p) = units.iter().find(|x| x.0 == u).and_then(|x| x.1) {
            d += 1;
            u = p;
        }
        d
    };
    let mut parents: Vec<(i64, usize)> = units
        .iter()
        .filter(|u| units.iter().any(|c| c.1 == Some(u.0)))
        .map(|u| (u.0, depth(u.0)))
        .collect();
    parents.sort_by_key(|a| std::cmp::Reverse(a.1));
    let mut out = Vec::new();
    let mut sums: HashMap<(String, i64, String), f64> = HashMap::new();
    for (parent, _) in parents {
        let children: Vec<i64> =
            units.iter().filter(|c| c.1 == Some(parent)).map(|c| c.0).collect();
        for t in f.targets.iter().filter(|t| t.kind == Kind::Total) {
            for p in &periods {
                let parts: Vec<f64> = children
                    .iter()
                    .filter_map(|c| have.get(&(t.code.clone(), *c, p.clone())).copied())
                    .collect();
                if parts.is_empty() {
                    continue;
                }
                let sum: f64 = parts.iter().sum();
                sums.insert((t.code.clone(), parent, p.clone()), sum);
                if let std::collections::hash_map::Entry::Vacant(e) =
                    have.entry((t.code.clone(), parent, p.clone()))
                {
                    e.insert(sum);
                    out.push((t.code.clone(), parent, p.clone(), sum));
                }
            }
        }
        for t in f.targets.iter().filter(|t| t.kind == Kind::Ratio) {
            let (Some(num), Some(den)) = (&t.numerator, &t.denominator) else { continue };
            for p in &periods {
                if have.contains_key(&(t.code.clone(), parent, p.clone())) {
                    continue;
                }
                let get = |code: &str| have.get(&(code.to_string(), parent, p.clone())).copied();
                if let (Some(n), Some(d)) = (get(num), get(den))
                    && d != 0.0
                {
                    let v = n / d * t.scale;
                    have.insert((t.code.clone(), parent, p.clone()), v);
                    out.push((t.code.clone(), parent, p.clone(), v));
                }
            }
        }
    }
    out
}
