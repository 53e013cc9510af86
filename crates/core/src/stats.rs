//! Statistical forms (一套表): data elements, disaggregations, forms, validation rules — read from
//! TOML files bureau staff can edit — and the validation of one return against its rules.
use crate::indicators::formula::{self, Expr, Formula, Item, Resolve};
use crate::periods::Period;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub mod analysis;
pub mod long;
pub mod status;
pub mod values;

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

/// The built-in definitions: 107-1 (projects, a roster), 107-2 (the enterprise grid) and the
/// quarterly quick report.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("107-2.toml", include_str!("../forms/107-2.toml")),
    ("107-1.toml", include_str!("../forms/107-1.toml")),
    ("KB-Q.toml", include_str!("../forms/KB-Q.toml")),
];

impl Catalogue {
    /// Reads and checks a definitions file: syntax (with line and column), then references.
    pub fn from_toml(text: &str) -> Result<Catalogue, Vec<DefinitionError>> {
        let cat = parse_toml(text).map_err(|e| vec![e])?;
        let errors = cat.check();
        if errors.is_empty() { Ok(cat) } else { Err(errors) }
    }

    /// The built-in catalogue.
    pub fn built_in() -> Result<Catalogue, Vec<DefinitionError>> {
        Catalogue::from_files(
            BUILT_IN.iter().map(|(name, text)| (name.to_string(), text.to_string())),
        )
    }

    /// Several files read as one catalogue (rules may use elements of other files). Syntax errors
    /// name the file; a later file's definition of a code replaces an earlier one (an imported
    /// file overrides a built-in form).
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Catalogue, Vec<DefinitionError>> {
        let mut all = Catalogue::default();
        for (name, text) in files {
            let c: Catalogue = parse_toml(&text).map_err(|mut e| {
                e.place = format!("{name}, {}", e.place);
                vec![e]
            })?;
            all.merge(c);
        }
        let errors = all.check();
        if errors.is_empty() { Ok(all) } else { Err(errors) }
    }

    fn merge(&mut self, c: Catalogue) {
        fn replace<T>(into: &mut Vec<T>, from: Vec<T>, code: impl Fn(&T) -> &str) {
            for item in from {
                match into.iter().position(|x| code(x) == code(&item)) {
                    Some(i) => into[i] = item,
                    None => into.push(item),
                }
            }
        }
        replace(&mut self.disaggregations, c.disaggregations, |d| &d.code);
        replace(&mut self.elements, c.elements, |e| &e.code);
        replace(&mut self.forms, c.forms, |f| &f.code);
        replace(&mut self.rules, c.rules, |r| &r.code);
    }

    pub fn element(&self, code: &str) -> Option<&DataElement> {
        self.elements.iter().find(|e| e.code == code)
    }

    pub fn form(&self, code: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.code == code)
    }

    /// The options of an element's disaggregation (none if it has none).
    pub fn options_of(&self, e: &DataElement) -> &[Choice] {
        e.disaggregation
            .as_ref()
            .and_then(|d| self.disaggregations.iter().find(|x| &x.code == d))
            .map(|d| d.options.as_slice())
            .unwrap_or(&[])
    }

    /// The form an element is collected on (the first that lists it).
    pub fn form_of(&self, element: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.elements.iter().any(|e| e == element))
    }

    /// The rules a form's submission runs, parsed once.
    pub fn rules_for(&self, form: &str) -> Vec<CompiledRule> {
        self.rules
            .iter()
            .filter(|r| r.form == form)
            .filter_map(|r| {
                Some(CompiledRule {
                    left: formula::parse(&r.left).ok()?,
                    right: formula::parse(&r.right).ok()?,
                    rule: r.clone(),
                })
            })
            .collect()
    }

    /// The forms whose values a form's rules read (itself, and e.g. 107-1 for a 107-2 rule).
    pub fn forms_read_by(&self, form: &str) -> Vec<String> {
        let mut out = vec![form.to_string()];
        for r in self.rules_for(form) {
            for (item, _) in r.left.items.iter().chain(r.right.items.iter()) {
                if let Item::Data { element, .. } = item
                    && let Some(f) = self.form_of(element)
                    && !out.contains(&f.code)
                {
                    out.push(f.code.clone());
                }
            }
        }
        out
    }

    /// Every reference must resolve and every code be unique.
    fn check(&self) -> Vec<DefinitionError> {
        let mut errors = Vec::new();
        let mut err =
            |place: String, message: String| errors.push(DefinitionError { place, message });
        let mut seen = std::collections::HashSet::new();
        for code in self
            .elements
            .iter()
            .map(|e| &e.code)
            .chain(self.forms.iter().map(|f| &f.code))
            .chain(self.rules.iter().map(|r| &r.code))
        {
            if !seen.insert(code.clone()) {
                err(format!("code {code}"), "is defined twice".into());
            }
        }
        for e in &self.elements {
            if let Some(d) = &e.disaggregation
                && !self.disaggregations.iter().any(|x| &x.code == d)
            {
                err(format!("element {}", e.code), format!("unknown disaggregation '{d}'"));
            }
        }
        for e in &self.elements {
            if e.value_type == ValueType::Option && e.options.is_empty() {
                err(format!("element {}", e.code), "an option element needs options".into());
            }
        }
        for f in &self.forms {
            for code in &f.elements {
                if self.element(code).is_none() {
                    err(format!("form {}", f.code), format!("unknown element '{code}'"));
                }
            }
            for level in &f.unit_levels {
                if crate::orgs::UnitLevel::parse(level).is_none() {
                    err(format!("form {}", f.code), format!("unknown org-unit level '{level}'"));
                }
            }
            for kind in &f.org_kinds {
                if crate::orgs::OrgKind::parse(kind).is_none() {
                    err(format!("form {}", f.code), format!("unknown organisation type '{kind}'"));
                }
            }
            if f.closes_after_days < f.opens_after_days {
                err(
                    format!("form {}", f.code),
                    "closes_after_days is before opens_after_days".into(),
                );
            }
        }
        for r in &self.rules {
            match self.form(&r.form) {
                None => err(format!("rule {}", r.code), format!("unknown form '{}'", r.form)),
                Some(f) if r.scope == RuleScope::Row && f.kind != FormKind::Roster => err(
                    format!("rule {}", r.code),
                    format!("row rules need a roster form; '{}' is a grid", r.form),
                ),
                _ => {}
            }
            for (side, text) in [("left side", &r.left), ("right side", &r.right)] {
                match formula::parse(text) {
                    Err(e) => {
                        err(format!("rule {}, {side}, position {}", r.code, e.position), e.message)
                    }
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
        let Some(e) = self.element(element) else {
            return Some(format!("unknown element '{element}'"));
        };
        let d = disagg.as_ref()?;
        let known = e
            .disaggregation
            .as_ref()
            .and_then(|dc| self.disaggregations.iter().find(|x| &x.code == dc))
            .is_some_and(|x| x.options.iter().any(|o| &o.code == d));
        (!known).then(|| format!("element '{element}' has no disaggregation option '{d}'"))
    }
}

fn parse_toml(text: &str) -> Result<Catalogue, DefinitionError> {
    toml::from_str(text).map_err(|e| {
        let place = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
                format!("line {line}, column {column}")
            }
            None => "file".to_string(),
        };
        DefinitionError { place, message: e.message().to_string() }
    })
}

/// A rule with both sides parsed.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub rule: Rule,
    pub left: Formula,
    pub right: Formula,
}

/// One organisation's values for a form's rules: the return's own cells and rows, other forms'
/// totals (roster columns summed over rows), and earlier periods for year-on-year rules.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub period: Period,
    /// (element, disaggregation or "", period) → value (roster columns summed over rows).
    totals: HashMap<(String, String, Period), f64>,
    /// The rows of the roster being checked: row number → element → value.
    rows: BTreeMap<i64, HashMap<String, f64>>,
}

impl Snapshot {
    pub fn new(period: Period) -> Snapshot {
        Snapshot { period, totals: HashMap::new(), rows: BTreeMap::new() }
    }

    /// Adds a stored numeric value. `row` is 0 for grid cells, the row number for roster rows;
    /// rows of the period being checked are also kept one by one for row rules.
    pub fn add(&mut self, period: Period, element: &str, disagg: &str, row: i64, value: f64) {
        *self.totals.entry((element.to_string(), disagg.to_string(), period)).or_insert(0.0) +=
            value;
        if row > 0 && period == self.period {
            self.rows.entry(row).or_default().insert(element.to_string(), value);
        }
    }

    pub fn row_numbers(&self) -> Vec<i64> {
        self.rows.keys().copied().collect()
    }

    fn total(&self, element: &str, disagg: &str, period: Period) -> Option<f64> {
        self.totals.get(&(element.to_string(), disagg.to_string(), period)).copied()
    }

    fn constant(&self, code: &str) -> Option<f64> {
        let (first, last) = self.period.months();
        let ym = |m: u8| (self.period.year() * 100 + m as i32) as f64;
        match code {
            "PERIOD_START" => Some(ym(first)),
            "PERIOD_END" => Some(ym(last)),
            "PERIOD_MONTHS" => Some((last - first + 1) as f64),
            "PERIOD_INDEX" => Some(match self.period {
                Period::Year(_) => 1.0,
                Period::Half(_, n) | Period::Quarter(_, n) | Period::Month(_, n) => n as f64,
            }),
            _ => None,
        }
    }
}

impl Resolve for Snapshot {
    fn value(&self, item: &Item) -> Option<f64> {
        match item {
            Item::Data { element, disagg, offset, year_to_date } => {
                let d = disagg.as_deref().unwrap_or("");
                let at = self.period.offset(*offset);
                if *year_to_date {
                    let parts: Vec<f64> = at
                        .year_to_date()
                        .into_iter()
                        .filter_map(|p| self.total(element, d, p))
                        .collect();
                    (!parts.is_empty()).then(|| parts.iter().sum())
                } else {
                    self.total(element, d, at)
                }
            }
            Item::Constant(c) => self.constant(c),
            Item::Indicator(_) => None,
        }
    }
}

/// One row of a roster, for row rules: the row's own cells, then the return's totals.
struct RowView<'a> {
    snapshot: &'a Snapshot,
    row: &'a HashMap<String, f64>,
}

impl Resolve for RowView<'_> {
    fn value(&self, item: &Item) -> Option<f64> {
        match item {
            Item::Data { element, disagg: None, offset: 0, year_to_date: false } => {
                self.row.get(element).copied()
            }
            other => self.snapshot.value(other),
        }
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
    /// The roster row, for row rules.
    pub row: Option<i64>,
}

/// Checks one return: return rules against the snapshot, row rules against each roster row.
pub fn validate(rules: &[CompiledRule], snapshot: &Snapshot) -> Vec<Violation> {
    let mut out = Vec::new();
    for r in rules {
        match r.rule.scope {
            RuleScope::Return => out.extend(check(r, snapshot, None)),
            RuleScope::Row => {
                for (n, row) in &snapshot.rows {
                    out.extend(check(r, &RowView { snapshot, row }, Some(*n)));
                }
            }
        }
    }
    out
}

fn check(r: &CompiledRule, values: &dyn Resolve, row: Option<i64>) -> Option<Violation> {
    struct ZeroForMissing<'a>(&'a dyn Resolve);
    impl Resolve for ZeroForMissing<'_> {
        fn value(&self, item: &Item) -> Option<f64> {
            // Constants stay as they are; only missing data count as 0.
            match item {
                Item::Data { .. } => Some(self.0.value(item).unwrap_or(0.0)),
                other => self.0.value(other),
            }
        }
    }
    let data = |f: &Formula| {
        f.items
            .iter()
            .filter(|(i, _)| matches!(i, Item::Data { .. }))
            .map(|(i, _)| i.clone())
            .collect::<Vec<_>>()
    };
    let items: Vec<Item> = data(&r.left).into_iter().chain(data(&r.right)).collect();
    let present = items.iter().filter(|i| values.value(i).is_some()).count();
    let skip = match r.rule.missing {
        Missing::SkipIfAllMissing => present == 0 && !items.is_empty(),
        Missing::SkipIfAnyMissing => present < items.len(),
        Missing::NeverSkip => false,
    };
    if skip {
        return None;
    }
    let zero = ZeroForMissing(values);
    let resolver: &dyn Resolve =
        if r.rule.missing == Missing::SkipIfAnyMissing { values } else { &zero };
    let (l, rv) = (formula::eval(&r.left.expr, resolver), formula::eval(&r.right.expr, resolver));
    let holds = match (l, rv) {
        (Some(a), Some(b)) => match r.rule.operator {
            Operator::Eq => (a - b).abs() <= r.rule.tolerance,
            Operator::Ne => (a - b).abs() > r.rule.tolerance,
            Operator::Lt => a < b,
            Operator::Le => a <= b,
            Operator::Gt => a > b,
            Operator::Ge => a >= b,
        },
        // A side that cannot be computed (division by zero) is not a failure of the unit's data.
        _ => true,
    };
    let mut cells: Vec<String> = Vec::new();
    for i in &items {
        let text = i.to_string();
        if !cells.contains(&text) {
            cells.push(text);
        }
    }
    (!holds).then(|| Violation {
        rule: r.rule.code.clone(),
        severity: r.rule.severity,
        left: l,
        right: rv,
        cells,
        row,
    })
}

/// Parses an expression once for repeated evaluation (aggregations over many units).
pub fn compile(text: &str) -> Result<Expr, formula::ParseError> {
    formula::parse(text).map(|f| f.expr)
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
        let e = Catalogue::from_files([("mine.toml".to_string(), "[[form]\n".to_string())])
            .unwrap_err();
        assert!(e[0].place.starts_with("mine.toml, line 1"), "{}", e[0].place);
    }
}
