//! The quarterly data release (按季度发布数据, seed 004): a framework's figures for a quarter as
//! the bureau released them — the whole's indicators with the same quarter a year before, and
//! each zone's and county's values — kept as they stood that day.
use serde::{Deserialize, Serialize};

/// An indicator of the whole as released. Every field has a default, so a snapshot written before
/// a field was added still reads.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
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
    /// Growth of an amount, in % (`12.5` is 12.5 % more), unrounded.
    Growth(f64),
    /// Change of a share in percentage points (a ratio's growth would mislead), unrounded.
    Points(f64),
}

impl ReleasedLine {
    /// The comparison with a year before: none without both values, nor growth from nothing.
    pub fn year_on_year(&self) -> Option<YearOnYear> {
        let (now, before) = (self.value?, self.year_before?);
        if self.unit == "%" {
            return Some(YearOnYear::Points(now - before));
        }
        (before > 0.0).then(|| YearOnYear::Growth((now / before - 1.0) * 100.0))
    }
}

/// A zone's or county's values as released.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReleasedUnit {
    pub unit_id: i64,
    pub name_zh: String,
    pub name_en: String,
    /// city, zone or county.
    pub level: String,
    pub values: Vec<ReleasedValue>,
}

/// One indicator's value for a unit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReleasedValue {
    pub code: String,
    pub value: Option<f64>,
}

/// Everything a release publishes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Figures {
    /// The whole the lines are of (the bureau's top unit).
    pub unit_id: i64,
    pub unit_name_zh: String,
    pub unit_name_en: String,
    pub lines: Vec<ReleasedLine>,
    pub units: Vec<ReleasedUnit>,
    /// How completely the statistics the figures read were reported when released.
    pub coverage: Vec<Coverage>,
}

/// How completely a statistics form was reported for the quarter across the whole (报送情况):
/// the figures read from it sum only the returns in.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Coverage {
    pub form: String,
    pub form_name_zh: String,
    pub form_name_en: String,
    /// The organisations that must report it for the quarter.
    pub expected: u32,
    /// Those whose return is submitted, approved or locked (the ones the figures count).
    pub reported: u32,
}

impl Coverage {
    /// Whether everyone who must report has.
    pub fn complete(&self) -> bool {
        self.reported >= self.expected
    }

    /// The share reported, in %, to one decimal (100 when nobody had to report).
    pub fn rate(&self) -> f64 {
        if self.expected == 0 {
            return 100.0;
        }
        (f64::from(self.reported) * 1000.0 / f64::from(self.expected)).floor() / 10.0
    }
}

impl Figures {
    /// Whether the release would publish anything: some value of the whole.
    pub fn has_values(&self) -> bool {
        self.lines.iter().any(|l| l.value.is_some())
    }

    /// The forms not yet reported by everyone who must.
    pub fn incomplete(&self) -> impl Iterator<Item = &Coverage> {
        self.coverage.iter().filter(|c| !c.complete())
    }
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

    fn near(got: Option<YearOnYear>, want: YearOnYear) -> bool {
        match (got, want) {
            (Some(YearOnYear::Growth(a)), YearOnYear::Growth(b))
            | (Some(YearOnYear::Points(a)), YearOnYear::Points(b)) => (a - b).abs() < 1e-9,
            _ => false,
        }
    }

    #[test]
    fn an_amount_compares_by_growth_and_a_share_by_points() {
        let yoy =
            |unit: &str, now: f64, before: f64| line(unit, Some(now), Some(before)).year_on_year();
        assert!(near(yoy("亿元", 112.5, 100.0), YearOnYear::Growth(12.5)));
        assert!(near(yoy("家", 90.0, 120.0), YearOnYear::Growth(-25.0)));
        assert!(near(yoy("%", 4.6, 4.46), YearOnYear::Points(0.14)));
        assert!(!near(yoy("%", 4.6, 4.46), YearOnYear::Growth(0.14)), "a share is no growth");
    }

    #[test]
    fn a_snapshot_missing_a_field_still_reads() {
        let old = r#"{"unit_id":1,"lines":[{"code":"X","value":2.5}]}"#;
        let f: Figures = serde_json::from_str(old).unwrap();
        assert_eq!((f.lines[0].value, f.lines[0].year_before), (Some(2.5), None));
        assert!(f.units.is_empty());
    }

    #[test]
    fn no_comparison_without_both_values_or_from_nothing() {
        assert_eq!(line("亿元", Some(5.0), None).year_on_year(), None);
        assert_eq!(line("亿元", None, Some(5.0)).year_on_year(), None);
        assert_eq!(line("家", Some(3.0), Some(0.0)).year_on_year(), None, "growth from zero");
        assert!(near(line("%", Some(3.0), Some(0.0)).year_on_year(), YearOnYear::Points(3.0)));
    }

    #[test]
    fn coverage_is_complete_only_when_everyone_reported_and_its_rate_never_rounds_up() {
        let c = |expected, reported| Coverage { expected, reported, ..Coverage::default() };
        assert!(c(300, 300).complete());
        assert!(c(0, 0).complete());
        assert!(!c(300, 299).complete());
        assert_eq!(c(300, 299).rate(), 99.6);
        assert_eq!(c(2000, 1999).rate(), 99.9, "99.95 % is not shown as 100 %");
        assert_eq!(c(0, 0).rate(), 100.0);
        let f = Figures { coverage: vec![c(10, 10), c(10, 9)], ..Figures::default() };
        assert_eq!(f.incomplete().count(), 1);
    }

    #[test]
    fn a_release_of_nothing_has_no_values() {
        let mut f = Figures {
            unit_id: 1,
            unit_name_zh: "兰白试验区".into(),
            unit_name_en: "Pilot zone".into(),
            lines: vec![line("亿元", None, Some(1.0))],
            units: vec![],
            coverage: vec![],
        };
        assert!(!f.has_values());
        f.lines.push(line("家", Some(0.0), None));
        assert!(f.has_values(), "a zero is a value");
    }
}
