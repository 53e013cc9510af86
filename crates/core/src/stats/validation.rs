//! Checking a return's values against the form's compiled rules.
use super::*;

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

pub(super) fn check(r: &CompiledRule, values: &dyn Resolve, row: Option<i64>) -> Option<Violation> {
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
