//! Statistical forms (一套表): data elements, disaggregations, forms, validation rules — read from
//! TOML files bureau staff can edit — and the validation of one return against its rules.
use crate::indicators::formula::{self, Expr, Formula, Item, Resolve};
use crate::periods::Period;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub mod analysis;
mod catalogue;
pub mod long;
pub mod status;
pub mod survey;
pub mod values;
pub use catalogue::*;
mod validation;
pub use validation::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Integer,
    Number,
    Percentage,
    /// Money in 千元.
    MoneyThousand,
    Text,
    Date,
    /// A month, `YYYYMM`.
    YearMonth,
    /// One of the element's options.
    Option,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    #[default]
    Sum,
    Average,
    Last,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disaggregation {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub options: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataElement {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub value_type: ValueType,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub aggregation: Aggregation,
    /// The disaggregation this element is reported by, if any.
    #[serde(default)]
    pub disaggregation: Option<String>,
    /// Choices, for `value_type = "option"`.
    #[serde(default)]
    pub options: Vec<Choice>,
    /// Numbers below zero are allowed (profit, growth); counts and money are not negative.
    #[serde(default)]
    pub allow_negative: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// Fixed cells (107-2).
    Grid,
    /// One row per item (107-1).
    Roster,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Periodicity {
    Year,
    Half,
    Quarter,
    Month,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: FormKind,
    pub periodicity: Periodicity,
    /// Organisation kinds that must report it.
    #[serde(default)]
    pub org_kinds: Vec<String>,
    /// Org-unit levels whose organisations report it (empty: any level).
    #[serde(default)]
    pub unit_levels: Vec<String>,
    /// Carrier kinds (`subjects::carriers::KINDS`) whose hosts report it, a roster line per
    /// carrier (empty: not a carriers' form).
    #[serde(default)]
    pub host_of: Vec<String>,
    /// The reporting window, in days after the period's last day: it opens on day
    /// `opens_after_days` and closes at the end of day `closes_after_days` (a per-period
    /// extension can be set by bureau staff).
    #[serde(default = "default_opens")]
    pub opens_after_days: i64,
    #[serde(default = "default_closes")]
    pub closes_after_days: i64,
    pub elements: Vec<String>,
}

fn default_opens() -> i64 {
    1
}
fn default_closes() -> i64 {
    60
}

impl Form {
    /// First and last day (inclusive) on which returns for `period` are accepted.
    pub fn window(&self, period: Period) -> (chrono::NaiveDate, chrono::NaiveDate) {
        let end = period_last_day(period);
        (
            end + chrono::Days::new(self.opens_after_days.max(0) as u64),
            end + chrono::Days::new(self.closes_after_days.max(0) as u64),
        )
    }

    /// Whether a period code is of this form's periodicity.
    pub fn fits(&self, period: Period) -> bool {
        matches!(
            (self.periodicity, period),
            (Periodicity::Year, Period::Year(_))
                | (Periodicity::Half, Period::Half(..))
                | (Periodicity::Quarter, Period::Quarter(..))
                | (Periodicity::Month, Period::Month(..))
        )
    }

    /// The cells of a grid form, in order: each element, then each of its disaggregation options.
    pub fn cells<'a>(&'a self, cat: &'a Catalogue) -> Vec<(&'a DataElement, Option<&'a Choice>)> {
        let mut out = Vec::new();
        for code in &self.elements {
            let Some(e) = cat.element(code) else { continue };
            out.push((e, None));
            for o in cat.options_of(e) {
                out.push((e, Some(o)));
            }
        }
        out
    }
}

/// The last day of a period.
pub fn period_last_day(period: Period) -> chrono::NaiveDate {
    let (_, last_month) = period.months();
    let (y, m) = if last_month == 12 {
        (period.year() + 1, 1)
    } else {
        (period.year(), last_month as u32 + 1)
    };
    chrono::NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt()).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks submission.
    Error,
    /// Needs a written explanation, then may be submitted.
    Warning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operator {
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

/// How much a failing rule matters to the reviewer (DHIS2's importance), shown with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    High,
    #[default]
    Medium,
    Low,
}

impl Importance {
    pub fn code(self) -> &'static str {
        match self {
            Importance::High => "high",
            Importance::Medium => "medium",
            Importance::Low => "low",
        }
    }
}

/// When a rule with missing values is not checked (DHIS2's missing-value strategy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// Skip only when every value is missing (a blank form is not wrong yet).
    #[default]
    SkipIfAllMissing,
    /// Skip when any value is missing (year-on-year rules in a unit's first year).
    SkipIfAnyMissing,
    /// Missing values count as 0.
    NeverSkip,
}

/// Whether a rule checks the return as a whole or each row of a roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleScope {
    #[default]
    Return,
    Row,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub code: String,
    /// The form whose submission runs this rule.
    pub form: String,
    #[serde(default)]
    pub scope: RuleScope,
    pub name_zh: String,
    pub name_en: String,
    pub left: String,
    pub operator: Operator,
    pub right: String,
    pub severity: Severity,
    #[serde(default)]
    pub importance: Importance,
    #[serde(default)]
    pub missing: Missing,
    /// Allowed difference for `==` (rounding in 千元).
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
}

fn default_tolerance() -> f64 {
    0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y: Period = Period::Year(2025);

    fn good_return() -> Snapshot {
        let mut s = Snapshot::new(Y);
        let parts = [
            ("RD_EXP_PERS", 600.0),
            ("RD_EXP_DIRECT", 250.0),
            ("RD_EXP_DEPR", 50.0),
            ("RD_EXP_AMORT", 20.0),
            ("RD_EXP_DESIGN", 30.0),
            ("RD_EXP_EQUIP", 20.0),
            ("RD_EXP_OUTSRC", 20.0),
            ("RD_EXP_OTHER", 10.0),
        ];
        for (k, v) in parts {
            s.add(Y, k, "", 0, v);
        }
        for (k, d, v) in [
            ("RD_EXP", "", 1000.0),
            ("RD_EXP", "GOV", 150.0),
            ("RD_EXP", "ENT", 850.0),
            ("REVENUE", "", 40000.0),
            ("RD_STAFF", "", 40.0),
            ("RD_STAFF_FT", "", 30.0),
            ("RD_FTE", "", 35.5),
            ("EMPLOYEES", "", 320.0),
            ("PATENT_APPS", "", 12.0),
            ("PATENT_INV_APPS", "", 5.0),
        ] {
            s.add(Y, k, d, 0, v);
        }
        s.add(Period::Year(2024), "RD_EXP", "", 0, 900.0);
        s
    }

    fn codes(v: &[Violation]) -> Vec<(&str, Severity)> {
        v.iter().map(|x| (x.rule.as_str(), x.severity)).collect()
    }

    #[test]
    fn the_built_in_forms_read_and_a_good_return_passes() {
        let cat = Catalogue::built_in().unwrap();
        let f = cat.form("107-2").unwrap();
        assert!(f.elements.len() >= 40, "{}", f.elements.len());
        assert!(f.cells(&cat).len() >= 50);
        assert_eq!(cat.form("107-1").unwrap().kind, FormKind::Roster);
        assert_eq!(cat.form("KB-Q").unwrap().periodicity, Periodicity::Quarter);
        let v = validate(&cat.rules_for("107-2"), &good_return());
        assert!(v.is_empty(), "{v:?}");
        assert_eq!(cat.forms_read_by("107-2"), vec!["107-2".to_string(), "107-1".to_string()]);
    }

    #[test]
    fn the_innovation_survey_checks_its_parts_its_answers_and_its_spending() {
        let cat = Catalogue::built_in().unwrap();
        let f = cat.form("CX-1").unwrap();
        assert_eq!((f.periodicity, f.elements.len()), (Periodicity::Year, 20));
        let rules = cat.rules_for("CX-1");
        let mut s = Snapshot::new(Y);
        for (k, v) in [
            ("CX_REVENUE", 10_000.0),
            ("CX_INNOV_PRODUCT", 1.0),
            ("CX_INNOV_PROCESS", 0.0),
            ("CX_EXP", 500.0),
            ("CX_EXP_INTERNAL", 300.0),
            ("CX_EXP_MACHINE", 200.0),
            ("CX_NEWPROD_SALES", 2_000.0),
            ("CX_COOP_UNIV", 1.0),
            ("CX_OBS_FUNDS", 0.0),
        ] {
            s.add(Y, k, "", 0, v);
        }
        assert!(validate(&rules, &s).is_empty(), "{:?}", validate(&rules, &s));
        let mut bad = s.clone();
        bad.add(Y, "CX_EXP_TECH", "", 0, 1.0); // parts 501 > 500
        bad.add(Y, "CX_NEWPROD_SALES", "", 0, 9_000.0); // 11,000 > revenue
        bad.add(Y, "CX_OBS_FUNDS", "", 0, 2.0); // neither 0 nor 1
        bad.add(Y, "CX_EXP", "", 0, -500.0); // innovating, spending nothing
        let violations = validate(&rules, &bad);
        let got = codes(&violations);
        for (rule, severity) in [
            ("RCX-1-02", Severity::Error),
            ("RCX-1-05", Severity::Error),
            ("RCX-1-07", Severity::Warning),
        ] {
            assert!(got.contains(&(rule, severity)), "{rule}: {got:?}");
        }
        // The parts now exceed a total of 0 too.
        assert!(got.contains(&("RCX-1-01", Severity::Error)), "{got:?}");
    }

    #[test]
    fn violations_name_the_rule_the_values_and_the_cells() {
        let cat = Catalogue::built_in().unwrap();
        let mut r = good_return();
        r.add(Y, "RD_EXP", "", 0, 900.0); // 1900: parts still sum to 1000; +111% on last year
        r.add(Y, "RD_EXP", "ENT", 0, 900.0); // sources follow the total
        r.add(Y, "RD_FTE", "", 0, 5.5); // 41 FTE, more than 40 people
        let v = validate(&cat.rules_for("107-2"), &r);
        assert_eq!(
            codes(&v),
            vec![
                ("R107-2-01", Severity::Error),
                ("R107-2-03", Severity::Error),
                ("R107-2-07", Severity::Warning)
            ]
        );
        assert_eq!((v[0].left, v[0].right), (Some(1900.0), Some(1000.0)));
        assert!(v[0].cells.contains(&"#{RD_EXP_OTHER}".to_string()));
        assert!(v[2].cells.contains(&"#{RD_EXP}.periodOffset(-1)".to_string()));
    }

    #[test]
    fn missing_values_follow_the_rule_strategy() {
        let cat = Catalogue::built_in().unwrap();
        let rules = cat.rules_for("107-2");
        let mut first_year = Snapshot::new(Y);
        for (k, d, v) in [
            ("RD_EXP", "", 100.0),
            ("RD_EXP", "ENT", 100.0),
            ("RD_EXP_PERS", "", 100.0),
            ("REVENUE", "", 1000.0),
        ] {
            first_year.add(Y, k, d, 0, v);
        }
        assert!(validate(&rules, &first_year).is_empty(), "no year-on-year rule without last year");
        assert!(validate(&rules, &Snapshot::new(Y)).is_empty(), "a blank form is not checked yet");
        let mut half = Snapshot::new(Y);
        half.add(Y, "RD_EXP", "", 0, 500.0);
        assert!(validate(&rules, &half).iter().any(|v| v.rule == "R107-2-01"));
    }

    #[test]
    fn roster_rows_are_checked_one_by_one_and_summed_across_forms() {
        let cat = Catalogue::built_in().unwrap();
        let mut s = Snapshot::new(Y);
        // Row 1 is fine; row 2 ends before it starts and lies wholly before 2025.
        for (row, start, end, exp, gov) in
            [(1, 202401.0, 202512.0, 300.0, 100.0), (2, 202306.0, 202301.0, 200.0, 250.0)]
        {
            for (k, v) in [
                ("P_START", start),
                ("P_END", end),
                ("P_EXP", exp),
                ("P_EXP_GOV", gov),
                ("P_STAFF", 5.0),
                ("P_PERSON_MONTHS", 30.0),
            ] {
                s.add(Y, k, "", row, v);
            }
        }
        let v = validate(&cat.rules_for("107-1"), &s);
        let rows: Vec<_> = v.iter().map(|x| (x.rule.as_str(), x.row)).collect();
        assert_eq!(
            rows,
            vec![("R107-1-01", Some(2)), ("R107-1-02", Some(2)), ("R107-1-03", Some(2))]
        );
        // The 107-2 total must cover the projects' 500 (roster summed over rows).
        let mut g = good_return();
        g.add(Y, "P_EXP", "", 1, 300.0);
        g.add(Y, "P_EXP", "", 2, 900.0);
        let v = validate(&cat.rules_for("107-2"), &g);
        let cross = v.iter().find(|x| x.rule == "R107-2-14").expect("cross-form rule fails");
        assert_eq!((cross.left, cross.right), (Some(1200.0), Some(1000.0)));
    }

    #[test]
    fn quarterly_cumulative_values_may_not_fall_within_a_year() {
        let cat = Catalogue::built_in().unwrap();
        let q = |n| Period::Quarter(2025, n);
        let mut s = Snapshot::new(q(2));
        s.add(q(1), "Q_RD_EXP", "", 0, 500.0);
        s.add(q(2), "Q_RD_EXP", "", 0, 400.0);
        assert!(validate(&cat.rules_for("KB-Q"), &s).iter().any(|v| v.rule == "RKB-Q-02"));
        let mut first = Snapshot::new(q(1));
        first.add(Period::Quarter(2024, 4), "Q_RD_EXP", "", 0, 5000.0);
        first.add(q(1), "Q_RD_EXP", "", 0, 400.0);
        assert!(
            !validate(&cat.rules_for("KB-Q"), &first).iter().any(|v| v.rule == "RKB-Q-02"),
            "a new year starts again"
        );
    }

    #[test]
    fn windows_follow_the_period() {
        let cat = Catalogue::built_in().unwrap();
        let (open, close) = cat.form("KB-Q").unwrap().window(Period::Quarter(2025, 4));
        assert_eq!(
            (open.to_string(), close.to_string()),
            ("2026-01-01".to_string(), "2026-01-15".to_string())
        );
        assert_eq!(period_last_day(Period::Month(2024, 2)).to_string(), "2024-02-29");
        assert!(
            cat.form("107-2").unwrap().fits(Y)
                && !cat.form("107-2").unwrap().fits(Period::Quarter(2025, 1))
        );
    }

    #[test]
    fn bad_definition_files_say_where() {
        let e = Catalogue::from_toml("[[element]]\ncode = \"A\"\nname_zh = \"甲\"\nname_en = \"A\"\nvalue_type = \"weird\"\n").unwrap_err();
        assert_eq!(e[0].place, "line 5, column 14");
        assert!(e[0].message.contains("unknown variant"), "{}", e[0].message);
        let text = "[[element]]\ncode = \"A\"\nname_zh = \"甲\"\nname_en = \"A\"\nvalue_type = \"integer\"\n\n[[form]]\ncode = \"F\"\nname_zh = \"x\"\nname_en = \"x\"\nkind = \"grid\"\nperiodicity = \"year\"\nelements = [\"A\"]\n\n[[rule]]\ncode = \"R1\"\nform = \"F\"\nname_zh = \"x\"\nname_en = \"x\"\nleft = \"#{A} + #{B}\"\noperator = \"<=\"\nright = \"#{A.GOV} +\"\nseverity = \"error\"\n";
        let e = Catalogue::from_toml(text).unwrap_err();
        let places: Vec<_> = e.iter().map(|x| format!("{}: {}", x.place, x.message)).collect();
        assert_eq!(
            places,
            vec![
                "rule R1, left side, position 8: unknown element 'B'".to_string(),
                "rule R1, right side, position 11: the formula ends too early".to_string(),
            ]
        );
        let e = Catalogue::from_toml("[[form]]\ncode = \"F\"\nname_zh = \"x\"\nname_en = \"x\"\nkind = \"grid\"\nperiodicity = \"year\"\nunit_levels = [\"galaxy\"]\nelements = [\"NOPE\"]\n").unwrap_err();
        assert_eq!(e[0].to_string(), "form F: unknown element 'NOPE'");
        assert_eq!(e[1].to_string(), "form F: unknown org-unit level 'galaxy'");
        let e = Catalogue::from_toml("[[form]]\ncode = \"F\"\nname_zh = \"x\"\nname_en = \"x\"\nkind = \"roster\"\nperiodicity = \"year\"\nhost_of = [\"castle\"]\nelements = []\n").unwrap_err();
        assert_eq!(e[0].to_string(), "form F: unknown carrier kind 'castle'");
        let e = Catalogue::from_files([("mine.toml".to_string(), "[[form]\n".to_string())])
            .unwrap_err();
        assert!(e[0].place.starts_with("mine.toml, line 1"), "{}", e[0].place);
    }
}
