//! Indicator values for every org unit and period from element values (statistics returns or
//! imported yearbook data): formulas parsed once, indicators that use other indicators computed
//! after them (a cycle is an error naming it), items resolved by table look-ups, not by name.
use super::formula::{self, Expr, Item, Resolve};
use crate::periods::Period;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct IndicatorDef {
    pub code: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    pub formula: String,
    #[serde(default)]
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Definitions {
    #[serde(rename = "indicator")]
    pub indicators: Vec<IndicatorDef>,
}

/// What is wrong with a definition: the indicator, the position in its formula, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("indicator {indicator}{}: {message}", if *position > 0 { format!(", position {position}") } else { String::new() })]
pub struct DefinitionError {
    pub indicator: String,
    pub position: usize,
    pub message: String,
}

/// Element values, dense: `value(unit, period, element)`.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub units: Vec<String>,
    pub periods: Vec<Period>,
    /// (element, disaggregation or "")
    pub elements: Vec<(String, String)>,
    data: Vec<Option<f64>>,
    unit_index: HashMap<String, usize>,
    period_index: HashMap<Period, usize>,
    element_index: HashMap<(String, String), usize>,
}

impl Values {
    pub fn new(
        units: Vec<String>,
        periods: Vec<Period>,
        elements: Vec<(String, String)>,
    ) -> Values {
        let data = vec![None; units.len() * periods.len() * elements.len()];
        Values {
            unit_index: units.iter().enumerate().map(|(i, u)| (u.clone(), i)).collect(),
            period_index: periods.iter().enumerate().map(|(i, p)| (*p, i)).collect(),
            element_index: elements.iter().enumerate().map(|(i, e)| (e.clone(), i)).collect(),
            units,
            periods,
            elements,
            data,
        }
    }
    fn at(&self, u: usize, p: usize, e: usize) -> usize {
        (u * self.periods.len() + p) * self.elements.len() + e
    }
    pub fn set(&mut self, unit: &str, period: Period, element: &str, disagg: &str, v: f64) -> bool {
        let (Some(&u), Some(&p), Some(&e)) = (
            self.unit_index.get(unit),
            self.period_index.get(&period),
            self.element_index.get(&(element.to_string(), disagg.to_string())),
        ) else {
            return false;
        };
        let i = self.at(u, p, e);
        self.data[i] = Some(v);
        true
    }
    pub fn get(&self, u: usize, p: usize, e: usize) -> Option<f64> {
        self.data[self.at(u, p, e)]
    }
}

/// How one item of one formula is answered.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Data { element: usize, offset: i32, ytd: bool },
    Indicator(usize),
    Missing,
}

struct Compiled {
    /// Boxed, so the addresses of its item nodes stay put when `Compiled` moves.
    expr: Box<Expr>,
    /// Item nodes of `expr` by address, and their slots.
    slots: Vec<(*const Item, Slot)>,
}

fn item_nodes<'a>(e: &'a Expr, out: &mut Vec<&'a Item>) {
    match e {
        Expr::Item(i) => out.push(i),
        Expr::Num(_) => {}
        Expr::Neg(x) | Expr::Not(x) => item_nodes(x, out),
        Expr::Bin(_, a, b) => {
            item_nodes(a, out);
            item_nodes(b, out);
        }
        Expr::Call(_, args) => args.iter().for_each(|a| item_nodes(a, out)),
    }
}

/// Indicator values: `values[indicator][unit][period]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    pub codes: Vec<String>,
    pub values: Vec<Vec<Vec<Option<f64>>>>,
}

/// Checks the definitions against the elements there are values for, orders them so that an
/// indicator comes after those it uses, and parses each formula once.
fn prepare(
    defs: &[IndicatorDef],
    elements: &[(String, String)],
) -> Result<(Vec<usize>, Vec<formula::Formula>), Vec<DefinitionError>> {
    let index: HashMap<&str, usize> =
        defs.iter().enumerate().map(|(i, d)| (d.code.as_str(), i)).collect();
    let parsed = parse_all(defs, elements, &index)?;
    // Depth-first order; a node met again while on the path is a cycle.
    let mut topo = Topo {
        defs,
        parsed: &parsed,
        index: &index,
        state: vec![0u8; defs.len()],
        order: Vec::new(),
    };
    for i in 0..defs.len() {
        let mut path = Vec::new();
        topo.visit(i, &mut path).map_err(|e| vec![e])?;
    }
    let order = topo.order;
    Ok((order, parsed))
}

/// Parses each definition's formula, checking that every item it uses exists.
fn parse_all(
    defs: &[IndicatorDef],
    elements: &[(String, String)],
    index: &HashMap<&str, usize>,
) -> Result<Vec<formula::Formula>, Vec<DefinitionError>> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for d in defs {
        match formula::parse(&d.formula) {
            Err(e) => errors.push(DefinitionError {
                indicator: d.code.clone(),
                position: e.position,
                message: e.message,
            }),
            Ok(f) => {
                for (item, pos) in &f.items {
                    let unknown = match item {
                        Item::Data { element, disagg, .. } => !elements
                            .iter()
                            .any(|(e, dd)| e == element && dd == disagg.as_deref().unwrap_or("")),
                        Item::Indicator(code) => !index.contains_key(code.as_str()),
                        Item::Constant(_) => false,
                    };
                    if unknown {
                        errors.push(DefinitionError {
                            indicator: d.code.clone(),
                            position: *pos,
                            message: format!("unknown item {item}"),
                        });
                    }
                }
                parsed.push(f);
            }
        }
    }
    if errors.is_empty() { Ok(parsed) } else { Err(errors) }
}

/// The depth-first walk that orders the indicators after those they use.
struct Topo<'a> {
    defs: &'a [IndicatorDef],
    parsed: &'a [formula::Formula],
    index: &'a HashMap<&'a str, usize>,
    /// 0 new, 1 on the path, 2 done
    state: Vec<u8>,
    order: Vec<usize>,
}

impl Topo<'_> {
    fn visit(&mut self, i: usize, path: &mut Vec<usize>) -> Result<(), DefinitionError> {
        match self.state[i] {
            2 => return Ok(()),
            1 => {
                let defs = self.defs;
                let start = path.iter().position(|&p| p == i).unwrap_or(0);
                let cycle: Vec<&str> =
                    path[start..].iter().chain([&i]).map(|&p| defs[p].code.as_str()).collect();
                return Err(DefinitionError {
                    indicator: defs[i].code.clone(),
                    position: 0,
                    message: format!("indicators use each other in a cycle: {}", cycle.join(" → ")),
                });
            }
            _ => {}
        }
        self.state[i] = 1;
        path.push(i);
        let parsed = self.parsed;
        for (item, _) in &parsed[i].items {
            if let Item::Indicator(code) = item
                && let Some(&j) = self.index.get(code.as_str())
            {
                self.visit(j, path)?;
            }
        }
        path.pop();
        self.state[i] = 2;
        self.order.push(i);
        Ok(())
    }
}

struct At<'a> {
    values: &'a Values,
    computed: &'a [Vec<Vec<Option<f64>>>],
    slots: &'a [(*const Item, Slot)],
    unit: usize,
    period: usize,
    /// Period index `offset` steps away, or None outside the data.
    shift: &'a dyn Fn(usize, i32) -> Option<usize>,
}

impl Resolve for At<'_> {
    fn value(&self, item: &Item) -> Option<f64> {
        let ptr = item as *const Item;
        let slot = self.slots.iter().find(|(p, _)| *p == ptr).map(|s| s.1).unwrap_or(Slot::Missing);
        match slot {
            Slot::Data { element, offset, ytd: false } => {
                self.values.get(self.unit, (self.shift)(self.period, offset)?, element)
            }
            Slot::Data { element, offset, ytd: true } => {
                let at = (self.shift)(self.period, offset)?;
                let p = self.values.periods[at];
                let parts: Vec<f64> = p
                    .year_to_date()
                    .into_iter()
                    .filter_map(|q| self.values.period_index.get(&q))
                    .filter_map(|&q| self.values.get(self.unit, q, element))
                    .collect();
                (!parts.is_empty()).then(|| parts.iter().sum())
            }
            Slot::Indicator(i) => self.computed[i][self.unit][self.period],
            Slot::Missing => None,
        }
    }
}

/// Computes every indicator for every unit and period. Division by zero and missing inputs give
/// a missing value, never an error.
pub fn compute(defs: &[IndicatorDef], values: &Values) -> Result<Computed, Vec<DefinitionError>> {
    let (order, parsed) = prepare(defs, &values.elements)?;
    let index: HashMap<&str, usize> =
        defs.iter().enumerate().map(|(i, d)| (d.code.as_str(), i)).collect();
    let compiled: Vec<Compiled> = parsed
        .into_iter()
        .map(|f| {
            let mut c = Compiled { expr: Box::new(f.expr), slots: vec![] };
            let mut nodes = Vec::new();
            item_nodes(&c.expr, &mut nodes);
            c.slots = nodes
                .into_iter()
                .map(|item| {
                    let slot = match item {
                        Item::Data { element, disagg, offset, year_to_date } => values
                            .element_index
                            .get(&(element.clone(), disagg.clone().unwrap_or_default()))
                            .map(|&e| Slot::Data {
                                element: e,
                                offset: *offset,
                                ytd: *year_to_date,
                            })
                            .unwrap_or(Slot::Missing),
                        Item::Indicator(code) => index
                            .get(code.as_str())
                            .map(|&i| Slot::Indicator(i))
                            .unwrap_or(Slot::Missing),
                        Item::Constant(_) => Slot::Missing,
                    };
                    (item as *const Item, slot)
                })
                .collect();
            c
        })
        .collect();
    let shift = |p: usize, offset: i32| -> Option<usize> {
        if offset == 0 {
            return Some(p);
        }
        values.period_index.get(&values.periods[p].offset(offset)).copied()
    };
    let (nu, np) = (values.units.len(), values.periods.len());
    let mut computed: Vec<Vec<Vec<Option<f64>>>> = vec![vec![vec![None; np]; nu]; defs.len()];
    for &i in &order {
        let c = &compiled[i];
        let mut out = vec![vec![None; np]; nu];
        for (u, row) in out.iter_mut().enumerate() {
            for (p, cell) in row.iter_mut().enumerate() {
                let at = At {
                    values,
                    computed: &computed,
                    slots: &c.slots,
                    unit: u,
                    period: p,
                    shift: &shift,
                };
                *cell = formula::eval(&c.expr, &at);
            }
        }
        computed[i] = out;
    }
    Ok(Computed { codes: defs.iter().map(|d| d.code.clone()).collect(), values: computed })
}

/// Reads element values in long format (`unit, period, element, disaggregation, value`; the
/// disaggregation may be empty). Problems name the line and the column.
pub fn read_values(text: &str) -> Result<Values, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let head: Vec<String> =
        r.headers().map_err(|e| format!("line 1: {e}"))?.iter().map(String::from).collect();
    let col = |n: &str| {
        head.iter().position(|h| h == n).ok_or_else(|| format!("line 1: missing column {n}"))
    };
    let (cu, cp, ce, cv) = (col("unit")?, col("period")?, col("element")?, col("value")?);
    let cd = head.iter().position(|h| h == "disaggregation");
    let mut rows = Vec::new();
    let (mut units, mut periods, mut elements) = (Vec::new(), Vec::new(), Vec::new());
    let (mut su, mut sp, mut se) = (
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    );
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let get = |c: usize| rec.get(c).unwrap_or("").to_string();
        let period =
            Period::parse(&get(cp)).map_err(|e| format!("line {line}, column period: {e}"))?;
        let raw = get(cv);
        if raw.is_empty() || raw == "NA" {
            continue;
        }
        let v: f64 = raw
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("line {line}, column value: '{raw}' is not a number"))?;
        let unit = get(cu);
        let element = (get(ce), cd.map(get).unwrap_or_default());
        if su.insert(unit.clone()) {
            units.push(unit.clone());
        }
        if sp.insert(period) {
            periods.push(period);
        }
        if se.insert(element.clone()) {
            elements.push(element.clone());
        }
        rows.push((unit, period, element, v));
    }
    periods.sort();
    let mut values = Values::new(units, periods, elements);
    for (u, p, (e, d), v) in rows {
        values.set(&u, p, &e, &d, v);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(code: &str, f: &str) -> IndicatorDef {
        IndicatorDef {
            code: code.into(),
            name_zh: String::new(),
            name_en: String::new(),
            formula: f.into(),
            unit: String::new(),
        }
    }

    fn values() -> Values {
        let periods: Vec<Period> = (1..=4).map(|q| Period::Quarter(2025, q)).collect();
        let mut v = Values::new(
            vec!["A".into(), "B".into()],
            periods.clone(),
            vec![("RD".into(), "".into()), ("GDP".into(), "".into())],
        );
        for (i, p) in periods.iter().enumerate() {
            v.set("A", *p, "RD", "", 10.0 * (i + 1) as f64);
            v.set("A", *p, "GDP", "", 1000.0);
            v.set("B", *p, "RD", "", 5.0);
        }
        v
    }

    #[test]
    fn indicators_use_data_previous_periods_year_to_date_and_each_other() {
        let defs = vec![
            def("INTENSITY_PCT", "N{INTENSITY} * 100"),
            def("INTENSITY", "#{RD} / #{GDP}"),
            def("GROWTH", "#{RD} / #{RD}.periodOffset(-1) - 1"),
            def("YTD", "#{RD}.yearToDate()"),
        ];
        let c = compute(&defs, &values()).unwrap();
        let get = |code: &str, u: usize, p: usize| {
            c.values[c.codes.iter().position(|x| x == code).unwrap()][u][p]
        };
        assert_eq!(get("INTENSITY", 0, 1), Some(0.02));
        assert_eq!(get("INTENSITY_PCT", 0, 1), Some(2.0));
        assert_eq!(get("GROWTH", 0, 1), Some(1.0));
        assert_eq!(get("GROWTH", 0, 0), None, "no earlier quarter in the data");
        assert_eq!(get("YTD", 0, 3), Some(100.0));
        // B has no GDP: missing, not an error; division by zero is missing too.
        assert_eq!(get("INTENSITY", 1, 0), None);
    }

    #[test]
    fn unknown_items_and_cycles_are_named() {
        let e = compute(&[def("X", "#{RD} + #{NOPE}")], &values()).unwrap_err();
        assert_eq!(e[0].to_string(), "indicator X, position 9: unknown item #{NOPE}");
        let e = compute(&[def("P", "N{Q} + 1"), def("Q", "N{R} * 2"), def("R", "N{P}")], &values())
            .unwrap_err();
        assert_eq!(e[0].message, "indicators use each other in a cycle: P → Q → R → P");
        let e = compute(&[def("S", "#{RD} +")], &values()).unwrap_err();
        assert_eq!(e[0].position, 8);
    }
}
