//! Statistical forms (一套表): data elements, disaggregations, forms, validation rules — read from
//! TOML files bureau staff can edit — and the validation of one return against its rules.
use crate::indicators::formula::{self, Expr, Item, Resolve};
use serde::{Deserialize, Serialize};

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
    pub elements: Vec<String>,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub left: String,
    pub operator: Operator,
    pub right: String,
    pub severity: Severity,
    #[serde(default)]
    pub missing: Missing,
    /// Allowed difference for `==` (rounding in 千元).
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
}

fn default_tolerance() -> f64 {
    0.5
}

/// A set of definitions, as read from one or more TOML files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    #[serde(default, rename = "disaggregation")]
    pub disaggregations: Vec<Disaggregation>,
    #[serde(default, rename = "element")]
    pub elements: Vec<DataElement>,
    #[serde(default, rename = "form")]
    pub forms: Vec<Form>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

/// What is wrong with a definitions file: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct DefinitionError {
    /// `line 12, column 3`, or `rule R107-2-01, right side, position 5`.
    pub place: String,
    pub message: String,
}

/// The built-in definitions (107-2 so far).
pub const BUILT_IN: &[(&str, &str)] = &[("107-2.toml", include_str!("../forms/107-2.toml"))];

impl Catalogue {
    /// Reads and checks a definitions file: syntax (with line and column), then references.
    pub fn from_toml(text: &str) -> Result<Catalogue, Vec<DefinitionError>> {
        let cat: Catalogue = toml::from_str(text).map_err(|e| {
            let place = match e.span() {
                Some(span) => {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
                    format!("line {line}, column {column}")
                }
                None => "file".to_string(),
            };
            vec![DefinitionError { place, message: e.message().to_string() }]
        })?;
        let errors = cat.check();
        if errors.is_empty() { Ok(cat) } else { Err(errors) }
    }

    /// The built-in catalogue.
    pub fn built_in() -> Result<Catalogue, Vec<DefinitionError>> {
        let mut all = Catalogue::default();
        for (_, text) in BUILT_IN {
            let c = Catalogue::from_toml(text)?;
            all.disaggregations.extend(c.disaggregations);
            all.elements.extend(c.elements);
            all.forms.extend(c.forms);
            all.rules.extend(c.rules);
        }
        Ok(all)
    }

    pub fn element(&self, code: &str) -> Option<&DataElement> {
        self.elements.iter().find(|e| e.code == code)
    }

    /// Every reference must resolve and every code be unique.
    fn check(&self) -> Vec<DefinitionError> {
        let mut errors = Vec::new();
        let mut err = |place: String, message: String| errors.push(DefinitionError { place, message });
        let mut seen = std::collections::HashSet::new();
        for code in self.elements.iter().map(|e| &e.code).chain(self.forms.iter().map(|f| &f.code)).chain(self.rules.iter().map(|r| &r.code)) {
            if !seen.insert(code.clone()) {
                err(format!("code {code}"), "is defined twice".into());
            }
        }
        for e in &self.elements {
            if let Some(d) = &e.disaggregation
                && !self.disaggregations.iter().any(|x| &x.code == d) {
                    err(format!("element {}", e.code), format!("unknown disaggregation '{d}'"));
                }
        }
        for f in &self.forms {
            for code in &f.elements {
                if self.element(code).is_none() {
                    err(format!("form {}", f.code), format!("unknown element '{code}'"));
                }
            }
        }
        for r in &self.rules {
            for (side, text) in [("left side", &r.left), ("right side", &r.right)] {
                match formula::parse(text) {
                    Err(e) => err(format!("rule {}, {side}, position {}", r.code, e.position), e.message),
                    Ok(f) => {
                        for (item, pos) in f.items {
                            if let Some(problem) = self.unknown(&item) {
                                err(format!("rule {}, {side}, position {pos}", r.code), problem);
                            }
                        }
                    }
                }
            }
        }
        errors
    }

    /// Why an item in a rule does not resolve, if it does not.
    fn unknown(&self, item: &Item) -> Option<String> {
        let Item::Data { element, disagg, .. } = item else { return None };
        let Some(e) = self.element(element) else { return Some(format!("unknown element '{element}'")) };
        let d = disagg.as_ref()?;
        let known = e
            .disaggregation
            .as_ref()
            .and_then(|dc| self.disaggregations.iter().find(|x| &x.code == dc))
            .is_some_and(|x| x.options.iter().any(|o| &o.code == d));
        (!known).then(|| format!("element '{element}' has no disaggregation option '{d}'"))
    }
}

/// A rule that failed, with the values involved and the cells to look at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub rule: String,
    pub severity: Severity,
    pub left: Option<f64>,
    pub right: Option<f64>,
    /// The items of both sides (`#{RD_EXP}`, `#{RD_EXP}.periodOffset(-1)` ...).
    pub cells: Vec<String>,
}

/// Checks one return: every rule whose items the values can answer.
pub fn validate(rules: &[Rule], values: &dyn Resolve) -> Vec<Violation> {
    struct ZeroForMissing<'a>(&'a dyn Resolve);
    impl Resolve for ZeroForMissing<'_> {
        fn value(&self, item: &Item) -> Option<f64> {
            Some(self.0.value(item).unwrap_or(0.0))
        }
    }
    let mut out = Vec::new();
    for r in rules {
        let (Ok(left), Ok(right)) = (formula::parse(&r.left), formula::parse(&r.right)) else { continue };
        let items: Vec<&Item> = left.items.iter().chain(right.items.iter()).map(|(i, _)| i).collect();
        let present = items.iter().filter(|i| values.value(i).is_some()).count();
        let skip = match r.missing {
            Missing::SkipIfAllMissing => present == 0 && !items.is_empty(),
            Missing::SkipIfAnyMissing => present < items.len(),
            Missing::NeverSkip => false,
        };
        if skip {
            continue;
        }
        let zero = ZeroForMissing(values);
        let resolver: &dyn Resolve = if r.missing == Missing::SkipIfAnyMissing { values } else { &zero };
        let (l, rv) = (formula::eval(&left.expr, resolver), formula::eval(&right.expr, resolver));
        let holds = match (l, rv) {
            (Some(a), Some(b)) => match r.operator {
                Operator::Eq => (a - b).abs() <= r.tolerance,
                Operator::Ne => (a - b).abs() > r.tolerance,
                Operator::Lt => a < b,
                Operator::Le => a <= b,
                Operator::Gt => a > b,
                Operator::Ge => a >= b,
            },
            // A side that cannot be computed (division by zero) is not a failure of the unit's data.
            _ => true,
        };
        if !holds {
            let cells = items.iter().map(|i| i.to_string()).collect::<Vec<_>>();
            out.push(Violation { rule: r.code.clone(), severity: r.severity, left: l, right: rv, cells });
        }
    }
    out
}

/// Parses an expression once for repeated evaluation (aggregations over many units).
pub fn compile(text: &str) -> Result<Expr, formula::ParseError> {
    formula::parse(text).map(|f| f.expr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Return(HashMap<String, f64>);
    impl Resolve for Return {
        fn value(&self, item: &Item) -> Option<f64> {
            self.0.get(&item.to_string()).copied()
        }
    }

    fn good_return() -> Return {
        let parts = [("RD_EXP_PERS", 600.0), ("RD_EXP_DIRECT", 250.0), ("RD_EXP_DEPR", 50.0), ("RD_EXP_AMORT", 20.0), ("RD_EXP_DESIGN", 30.0), ("RD_EXP_EQUIP", 20.0), ("RD_EXP_OUTSRC", 20.0), ("RD_EXP_OTHER", 10.0)];
        let mut m: HashMap<String, f64> = parts.iter().map(|(k, v)| (format!("#{{{k}}}"), *v)).collect();
        for (k, v) in [("#{RD_EXP}", 1000.0), ("#{RD_EXP.GOV}", 150.0), ("#{RD_EXP}.periodOffset(-1)", 900.0), ("#{REVENUE}", 40000.0), ("#{RD_STAFF}", 40.0), ("#{RD_STAFF_FT}", 30.0), ("#{RD_FTE}", 35.5), ("#{EMPLOYEES}", 320.0), ("#{PATENT_APPS}", 12.0), ("#{PATENT_INV_APPS}", 5.0)] {
            m.insert(k.into(), v);
        }
        Return(m)
    }

    #[test]
    fn the_built_in_107_2_reads_and_a_good_return_passes() {
        let cat = Catalogue::built_in().unwrap();
        assert_eq!(cat.forms[0].code, "107-2");
        assert_eq!(cat.forms[0].elements.len(), 17);
        assert!(validate(&cat.rules, &good_return()).is_empty());
    }

    #[test]
    fn violations_name_the_rule_the_values_and_the_cells() {
        let cat = Catalogue::built_in().unwrap();
        let mut r = good_return();
        r.0.insert("#{RD_EXP}".into(), 1900.0); // parts still sum to 1000; +111% on last year
        r.0.insert("#{RD_FTE}".into(), 41.0); // more FTE than people
        let v = validate(&cat.rules, &r);
        let codes: Vec<_> = v.iter().map(|x| (x.rule.as_str(), x.severity)).collect();
        assert_eq!(codes, vec![("R107-2-01", Severity::Error), ("R107-2-03", Severity::Error), ("R107-2-07", Severity::Warning)]);
        assert_eq!((v[0].left, v[0].right), (Some(1900.0), Some(1000.0)));
        assert!(v[0].cells.contains(&"#{RD_EXP_OTHER}".to_string()));
        assert!(v[2].cells.contains(&"#{RD_EXP}.periodOffset(-1)".to_string()));
    }

    #[test]
    fn missing_values_follow_the_rule_strategy() {
        let cat = Catalogue::built_in().unwrap();
        let mut r = good_return();
        r.0.remove("#{RD_EXP}.periodOffset(-1)"); // a first-year reporter: no year-on-year rule
        assert!(validate(&cat.rules, &r).is_empty());
        // A blank form is not checked yet; a half-filled one is.
        assert!(validate(&cat.rules, &Return(HashMap::new())).is_empty());
        let mut half = Return(HashMap::new());
        half.0.insert("#{RD_EXP}".into(), 500.0);
        assert!(validate(&cat.rules, &half).iter().any(|v| v.rule == "R107-2-01"));
    }

    #[test]
    fn bad_definition_files_say_where() {
        let e = Catalogue::from_toml("[[element]]\ncode = \"A\"\nname_zh = \"甲\"\nname_en = \"A\"\nvalue_type = \"weird\"\n").unwrap_err();
        assert_eq!(e[0].place, "line 5, column 14");
        assert!(e[0].message.contains("unknown variant"), "{}", e[0].message);
        let text = "[[element]]\ncode = \"A\"\nname_zh = \"甲\"\nname_en = \"A\"\nvalue_type = \"integer\"\n\n[[rule]]\ncode = \"R1\"\nname_zh = \"x\"\nname_en = \"x\"\nleft = \"#{A} + #{B}\"\noperator = \"<=\"\nright = \"#{A.GOV} +\"\nseverity = \"error\"\n";
        let e = Catalogue::from_toml(text).unwrap_err();
        let places: Vec<_> = e.iter().map(|x| format!("{}: {}", x.place, x.message)).collect();
        assert_eq!(
            places,
            vec![
                "rule R1, left side, position 8: unknown element 'B'".to_string(),
                "rule R1, right side, position 11: the formula ends too early".to_string(),
            ]
        );
        let e = Catalogue::from_toml("[[form]]\ncode = \"F\"\nname_zh = \"x\"\nname_en = \"x\"\nkind = \"grid\"\nperiodicity = \"year\"\nelements = [\"NOPE\"]\n").unwrap_err();
        assert_eq!(e[0].to_string(), "form F: unknown element 'NOPE'");
    }
}
