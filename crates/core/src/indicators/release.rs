//! The quarterly data release (按季度发布数据, seed 004): a framework's figures for a quarter as
//! the bureau released them — the whole's indicators with the same quarter a year before, and
//! each zone's and county's values — kept as they stood that day.
use serde::{Deserialize, Serialize};

/// An indicator of the whole as released.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleasedLine {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub unit: String,
    /// `flow` (本年累计) or `stock` (the level at the quarter's end).
    pub accrual: String,
    /// At the quarter's end: year to date for a flow.
    pub value: Option<f64>,
    /// A flow's value in the quarter alone (当季).
    pub in_period: Option<f64>,
    /// The same quarter a year before, counted the same way.
    pub year_before: Option<f64>,
    /// Where the value comes from: stats, register, import, aggregated.
    pub source: String,
}

/// 同比: how a figure compares with the same quarter a year before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum YearOnYear {
    /// Growth of an amount, in % (`12.5` is 12.5 % more).
    Growth(f64),
    /// Change of a share in percentage points (a ratio's growth would mislead).
    Points(f64),
}

impl ReleasedLine {
    /// The comparison with a year before: none without both values, nor growth from nothing.
    pub fn year_on_year(&self) -> Option<YearOnYear> {
        let (now, before) = (self.value?, self.year_before?);
        if self.unit == "%" {
            return Some(YearOnYear::Points(round2(now - before)));
        }
        (before > 0.0).then(|| YearOnYear::Growth(round2((now / before - 1.0) * 100.0)))
    }
}

/// A zone's or county's values as released.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleasedUnit {
    pub unit_id: i64,
    pub name_zh: String,
    pub name_en: String,
    /// city, zone or county.
    pub level: String,
    pub values: Vec<ReleasedValue>,
}

/// One indicator's value for a unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleasedValue {
    pub code: String,
    pub value: Option<f64>,
}

/// Everything a release publishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// The whole the lines are of (the bureau's top unit).
    pub unit_id: i64,
    pub unit_name_zh: String,
    pub unit_name_en: String,
    pub lines: Vec<ReleasedLine>,
    pub units: Vec<ReleasedUnit>,
}

impl Figures {
    /// Whether the release would publish anything: some value of the whole.
    pub fn has_values(&self) -> bool {
        self.lines.iter().any(|l| l.value.is_some())
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(unit: &str, value: Option<f64>, year_before: Option<f64>) -> ReleasedLine {
        ReleasedLine {
            code: "X".into(),
            name_zh: "指标".into(),
            name_en: "Indicator".into(),
            unit: unit.into(),
            accrual: "flow".into(),
            value,
            in_period: None,
            year_before,
            source: "register".into(),
        }
    }

    #[test]
    fn an_amount_compares_by_growth_and_a_share_by_points() {
        assert_eq!(
            line("亿元", Some(112.5), Some(100.0)).year_on_year(),
            Some(YearOnYear::Growth(12.5))
        );
        assert_eq!(
            line("家", Some(90.0), Some(120.0)).year_on_year(),
            Some(YearOnYear::Growth(-25.0))
        );
        assert_eq!(line("%", Some(4.6), Some(4.46)).year_on_year(), Some(YearOnYear::Points(0.14)));
    }

    #[test]
    fn no_comparison_without_both_values_or_from_nothing() {
        assert_eq!(line("亿元", Some(5.0), None).year_on_year(), None);
        assert_eq!(line("亿元", None, Some(5.0)).year_on_year(), None);
        assert_eq!(line("家", Some(3.0), Some(0.0)).year_on_year(), None, "growth from zero");
        assert_eq!(line("%", Some(3.0), Some(0.0)).year_on_year(), Some(YearOnYear::Points(3.0)));
    }

    #[test]
    fn a_release_of_nothing_has_no_values() {
        let mut f = Figures {
            unit_id: 1,
            unit_name_zh: "兰白试验区".into(),
            unit_name_en: "Pilot zone".into(),
            lines: vec![line("亿元", None, Some(1.0))],
            units: vec![],
        };
        assert!(!f.has_values());
        f.lines.push(line("家", Some(0.0), None));
        assert!(f.has_values(), "a zero is a value");
    }
}
