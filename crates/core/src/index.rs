//! Composite indices (发展指数, 县区评价考核): the OECD/JRC ten steps as COINr 1.1.14 computes them
//! — denominate, impute, screen, treat, normalise, aggregate — over iData/iMeta tables, for one
//! year or a panel. The exact behaviour is `shared/contracts/composite-index.md`.
use std::collections::{BTreeMap, HashMap, HashSet};

pub mod sensitivity;

/// A problem in an input, with its place: file, 1-based line (0: the file as a whole), column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}{}{}: {message}", if *line > 0 { format!(", row {line}") } else { String::new() }, if column.is_empty() { String::new() } else { format!(", column {column}") })]
pub struct IndexError {
    pub file: String,
    pub line: usize,
    pub column: String,
    pub message: String,
}

fn fail<T>(
    file: &str,
    line: usize,
    column: &str,
    message: impl Into<String>,
) -> Result<T, IndexError> {
    Err(IndexError { file: file.into(), line, column: column.into(), message: message.into() })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Indicator,
    Aggregate,
    Group,
    Denominator,
    Other,
}

/// One row of iMeta.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaRow {
    pub level: u32,
    pub code: String,
    pub name: String,
    pub direction: f64,
    pub weight: f64,
    pub parent: String,
    pub kind: Kind,
    pub target: Option<f64>,
    pub denominator: String,
    pub unit: String,
    pub goalpost_lower: Option<f64>,
    pub goalpost_upper: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub rows: Vec<MetaRow>,
}

impl Meta {
    pub fn indicators(&self) -> impl Iterator<Item = &MetaRow> {
        self.rows.iter().filter(|r| r.kind == Kind::Indicator)
    }
    pub fn aggregates(&self) -> impl Iterator<Item = &MetaRow> {
        self.rows.iter().filter(|r| r.kind == Kind::Aggregate)
    }
    pub fn top_level(&self) -> u32 {
        self.aggregates().map(|r| r.level).max().unwrap_or(1)
    }
    /// Aggregates by level, level 2 first (iMeta order within a level).
    pub fn aggregates_upward(&self) -> Vec<&MetaRow> {
        let mut v: Vec<&MetaRow> = self.aggregates().collect();
        v.sort_by_key(|r| r.level);
        v
    }
}

/// A CSV record with the line it starts on.
struct CsvRecord {
    line: usize,
    cells: Vec<String>,
}

/// Reads a CSV into a header and records, with the line of each record.
fn read_csv(file: &str, text: &str) -> Result<(Vec<String>, Vec<CsvRecord>), IndexError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r =
        csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let header: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => return fail(file, 1, "", format!("cannot read the header: {e}")),
    };
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        match rec {
            Ok(rec) => rows.push(CsvRecord {
                line: i + 2,
                cells: rec.iter().map(|s| s.trim().to_string()).collect(),
            }),
            Err(e) => {
                return fail(
                    file,
                    e.position().map(|p| p.line() as usize).unwrap_or(i + 2),
                    "",
                    format!("malformed CSV: {e}"),
                );
            }
        }
    }
    Ok((header, rows))
}

/// An empty cell or `NA` is missing; anything else must be a number.
fn number(file: &str, line: usize, column: &str, cell: &str) -> Result<Option<f64>, IndexError> {
    if cell.is_empty() || cell == "NA" {
        return Ok(None);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => fail(file, line, column, format!("'{cell}' is not a number")),
    }
}

pub fn read_meta(file: &str, text: &str) -> Result<Meta, IndexError> {
    let (header, rows) = read_csv(file, text)?;
    let col = |name: &str| header.iter().position(|h| h == name);
    for needed in ["Level", "iCode", "Direction", "Weight", "Parent", "Type"] {
        if col(needed).is_none() {
            return fail(file, 1, needed, "missing column");
        }
    }
    let get =
        |r: &Vec<String>, name: &str| col(name).and_then(|i| r.get(i)).cloned().unwrap_or_default();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for CsvRecord { line, cells: r } in &rows {
        let code = get(r, "iCode");
        if code.is_empty() {
            return fail(file, *line, "iCode", "empty iCode");
        }
        if !seen.insert(code.clone()) {
            return fail(file, *line, "iCode", format!("duplicate iCode '{code}'"));
        }
        let kind = match get(r, "Type").as_str() {
            "Indicator" => Kind::Indicator,
            "Aggregate" => Kind::Aggregate,
            "Group" => Kind::Group,
            "Denominator" => Kind::Denominator,
            "Other" => Kind::Other,
            other => {
                return fail(
                    file,
                    *line,
                    "Type",
                    format!(
                        "unknown Type '{other}' (Indicator, Aggregate, Group, Denominator, Other)"
                    ),
                );
            }
        };
        let structural = matches!(kind, Kind::Indicator | Kind::Aggregate);
        let level = match get(r, "Level").as_str() {
            "" | "NA" if !structural => 0,
            s => match s.parse::<u32>() {
                Ok(l) if l >= 1 => l,
                _ => {
                    return fail(file, *line, "Level", format!("'{s}' is not a level (1, 2, ...)"));
                }
            },
        };
        if kind == Kind::Indicator && level != 1 {
            return fail(file, *line, "Level", "an indicator must be at level 1");
        }
        if kind == Kind::Aggregate && level < 2 {
            return fail(file, *line, "Level", "an aggregate must be at level 2 or above");
        }
        let direction = match (structural, number(file, *line, "Direction", &get(r, "Direction"))?)
        {
            (false, d) => d.unwrap_or(1.0),
            (true, Some(d)) if d == 1.0 || d == -1.0 => d,
            (true, _) => return fail(file, *line, "Direction", "Direction must be 1 or -1"),
        };
        let weight = match (structural, number(file, *line, "Weight", &get(r, "Weight"))?) {
            (false, w) => w.unwrap_or(0.0),
            (true, Some(w)) if w >= 0.0 => w,
            (true, Some(w)) => return fail(file, *line, "Weight", format!("negative weight {w}")),
            (true, None) => return fail(file, *line, "Weight", "missing weight"),
        };
        out.push(MetaRow {
            level,
            code,
            name: get(r, "iName"),
            direction,
            weight,
            parent: get(r, "Parent"),
            kind,
            target: number(file, *line, "Target", &get(r, "Target"))?,
            denominator: get(r, "Denominator"),
            unit: get(r, "Unit"),
            goalpost_lower: number(file, *line, "goalpost_lower", &get(r, "goalpost_lower"))?,
            goalpost_upper: number(file, *line, "goalpost_upper", &get(r, "goalpost_upper"))?,
        });
    }
    let meta = Meta { rows: out };
    // The tree: one top aggregate; every other structural row has a parent one level up; weights
    // within a parent sum to a positive number.
    let top = meta.top_level();
    let tops: Vec<&MetaRow> = meta.aggregates().filter(|r| r.level == top).collect();
    if meta.aggregates().count() > 0 && tops.len() != 1 {
        return fail(
            file,
            0,
            "Level",
            format!("exactly one aggregate must be at the top level {top}, found {}", tops.len()),
        );
    }
    for (i, r) in meta.rows.iter().enumerate() {
        let line = i + 2;
        if !matches!(r.kind, Kind::Indicator | Kind::Aggregate)
            || (r.kind == Kind::Aggregate && r.level == top)
        {
            continue;
        }
        if meta.aggregates().count() == 0 {
            continue;
        }
        match meta.rows.iter().find(|p| p.code == r.parent) {
            Some(p) if p.kind == Kind::Aggregate && p.level == r.level + 1 => {}
            Some(_) => {
                return fail(
                    file,
                    line,
                    "Parent",
                    format!("parent '{}' is not an aggregate one level up", r.parent),
                );
            }
            None => return fail(file, line, "Parent", format!("unknown parent '{}'", r.parent)),
        }
        if r.kind == Kind::Indicator
            && !r.denominator.is_empty()
            && !meta.rows.iter().any(|d| d.code == r.denominator && d.kind == Kind::Denominator)
        {
            return fail(
                file,
                line,
                "Denominator",
                format!("'{}' is not a Denominator row", r.denominator),
            );
        }
    }
    for a in meta.aggregates() {
        let sum: f64 = meta
            .rows
            .iter()
            .filter(|c| c.parent == a.code && c.kind != Kind::Group)
            .map(|c| c.weight)
            .sum();
        if sum <= 0.0 {
            let line = meta.rows.iter().position(|r| r.code == a.code).map(|i| i + 2).unwrap_or(0);
            return fail(
                file,
                line,
                "Weight",
                format!(
                    "the weights of the children of '{}' do not sum to a positive number",
                    a.code
                ),
            );
        }
    }
    Ok(meta)
}

/// iData: units (per Time for a panel), their groups, denominators and indicator values.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    pub codes: Vec<String>,
    pub names: Vec<String>,
    pub times: Vec<Option<f64>>,
    pub groups: HashMap<String, Vec<String>>,
    pub denominators: HashMap<String, Vec<Option<f64>>>,
    /// Indicator values by iMeta indicator order: `values[i][row]`.
    pub values: Vec<Vec<Option<f64>>>,
    pub panel: bool,
}

pub fn read_data(file: &str, text: &str, meta: &Meta) -> Result<Data, IndexError> {
    // Streamed record by record: a panel has millions of cells, each parsed in place.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.to_string()).collect(),
        Err(e) => return fail(file, 1, "", format!("cannot read the header: {e}")),
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let Some(ucode) = col("uCode") else { return fail(file, 1, "uCode", "missing column") };
    let uname = col("uName");
    let time = col("Time");
    for h in &header {
        if h == "uCode" || h == "uName" || h == "Time" {
            continue;
        }
        if !meta.rows.iter().any(|r| &r.code == h && r.kind != Kind::Aggregate) {
            return fail(file, 1, h, format!("unknown iCode '{h}' (not in iMeta)"));
        }
    }
    for r in meta.rows.iter().filter(|r| r.kind != Kind::Aggregate) {
        if col(&r.code).is_none() {
            return fail(file, 1, &r.code, format!("iMeta's '{}' has no column", r.code));
        }
    }
    let mut d = Data {
        codes: vec![],
        names: vec![],
        times: vec![],
        groups: HashMap::new(),
        denominators: HashMap::new(),
        values: vec![vec![]; meta.indicators().count()],
        panel: false,
    };
    let mut keys = HashSet::new();
    // Column positions, found once.
    let meta_cols: Vec<(&MetaRow, usize)> =
        meta.rows.iter().filter_map(|m| col(&m.code).map(|i| (m, i))).collect();
    let ind_cols: Vec<(&MetaRow, usize)> =
        meta.indicators().filter_map(|m| col(&m.code).map(|i| (m, i))).collect();
    let mut rec = csv::StringRecord::new();
    let mut line = 1;
    loop {
        match reader.read_record(&mut rec) {
            Ok(true) => line += 1,
            Ok(false) => break,
            Err(e) => {
                return fail(
                    file,
                    e.position().map(|p| p.line() as usize).unwrap_or(line + 1),
                    "",
                    format!("malformed CSV: {e}"),
                );
            }
        }
        let r = &rec;
        let code = r[ucode].to_string();
        if code.is_empty() {
            return fail(file, line, "uCode", "empty uCode");
        }
        let t = match time {
            Some(i) => number(file, line, "Time", &r[i])?,
            None => None,
        };
        if !keys.insert((code.clone(), t.map(f64::to_bits))) {
            return fail(
                file,
                line,
                "uCode",
                if t.is_some() {
                    format!("duplicate uCode/Time '{code}'")
                } else {
                    format!("duplicate uCode '{code}'")
                },
            );
        }
        d.names.push(
            uname
                .map(|i| r[i].to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| code.clone()),
        );
        d.codes.push(code);
        d.times.push(t);
        for &(m, i) in &meta_cols {
            match m.kind {
                Kind::Group => d.groups.entry(m.code.clone()).or_default().push(r[i].to_string()),
                Kind::Denominator => d
                    .denominators
                    .entry(m.code.clone())
                    .or_default()
                    .push(number(file, line, &m.code, &r[i])?),
                Kind::Other | Kind::Aggregate => {}
                Kind::Indicator => {}
            }
        }
        for (k, &(m, i)) in ind_cols.iter().enumerate() {
            d.values[k].push(number(file, line, &m.code, &r[i])?);
        }
    }
    let distinct: HashSet<u64> = d.times.iter().flatten().map(|t| t.to_bits()).collect();
    d.panel = distinct.len() > 1;
    Ok(d)
}

// ---------- the pipeline ----------

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pipeline {
    pub denominate: bool,
    pub impute: Option<Impute>,
    pub screen: Option<f64>,
    pub treat: Option<Treat>,
    pub normalise: Option<Normalise>,
    pub aggregate: Option<Aggregate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Impute {
    pub median: bool,
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Treat {
    pub winsorise: bool,
    pub winmax: usize,
    pub skew_max: f64,
    pub kurt_max: f64,
    pub log_ct: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Normalise {
    MinMax { lower: f64, upper: f64 },
    ZScore { mean: f64, sd: f64 },
    Rank,
    PRank,
    Dist2Targ { cap: bool },
    Dist2Max,
    FracMax,
    Goalposts { scale: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mean {
    Arithmetic,
    Geometric,
    Harmonic,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub mean: Mean,
    pub min_availability: f64,
}

pub fn read_pipeline(file: &str, text: &str) -> Result<Pipeline, IndexError> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        IndexError {
            file: file.into(),
            line,
            column: String::new(),
            message: e.message().to_string(),
        }
    })?;
    let line_of = |key: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(key) || l.trim() == format!("[{key}]"))
            .map(|i| i + 1)
            .unwrap_or(0)
    };
    let mut p = Pipeline::default();
    for (step, v) in &doc {
        let Some(t) = v.as_table() else {
            return fail(file, line_of(step), step, "a step must be a table like [impute]");
        };
        let allowed: &[&str] = match step.as_str() {
            "denominate" => &[],
            "impute" => &["method", "group"],
            "screen" => &["min_availability"],
            "treat" => &["method", "winmax", "skew_max", "kurt_max", "log"],
            "normalise" => &["method", "lower", "upper", "mean", "sd", "cap", "scale"],
            "aggregate" => &["method", "min_availability"],
            other => return fail(file, line_of(other), other, format!("unknown step '{other}'")),
        };
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                return fail(file, line_of(k), k, format!("unknown option '{k}' of [{step}]"));
            }
        }
        let num = |k: &str, default: f64| -> Result<f64, IndexError> {
            match t.get(k) {
                None => Ok(default),
                Some(v) => v
                    .as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .map(Ok)
                    .unwrap_or_else(|| fail(file, line_of(k), k, "must be a number")),
            }
        };
        let text_opt = |k: &str, default: &str| -> Result<String, IndexError> {
            match t.get(k) {
                None => Ok(default.to_string()),
                Some(v) => v
                    .as_str()
                    .map(|s| Ok(s.to_string()))
                    .unwrap_or_else(|| fail(file, line_of(k), k, "must be text")),
            }
        };
        match step.as_str() {
            "denominate" => p.denominate = true,
            "impute" => {
                let method = text_opt("method", "mean")?;
                let (median, grouped) = match method.as_str() {
                    "mean" => (false, false),
                    "median" => (true, false),
                    "mean_group" => (false, true),
                    "median_group" => (true, true),
                    other => {
                        return fail(
                            file,
                            line_of("method"),
                            "method",
                            format!("unknown impute method '{other}'"),
                        );
                    }
                };
                let group = if grouped {
                    Some(
                        t.get("group")
                            .and_then(|g| g.as_str())
                            .map(String::from)
                            .map(Ok)
                            .unwrap_or_else(|| {
                                fail(
                                    file,
                                    line_of("method"),
                                    "group",
                                    "a *_group method needs group",
                                )
                            })?,
                    )
                } else {
                    None
                };
                p.impute = Some(Impute { median, group });
            }
            "screen" => p.screen = Some(num("min_availability", 2.0 / 3.0)?),
            "treat" => {
                let method = text_opt("method", "winsorise")?;
                let winsorise = match method.as_str() {
                    "winsorise" => true,
                    "none" => false,
                    other => {
                        return fail(
                            file,
                            line_of("method"),
                            "method",
                            format!("unknown treat method '{other}'"),
                        );
                    }
                };
                let log_ct = match text_opt("log", "log_ct")?.as_str() {
                    "log_ct" => true,
                    "none" => false,
                    other => {
                        return fail(file, line_of("log"), "log", format!("unknown log '{other}'"));
                    }
                };
                let winmax = num("winmax", 5.0)?;
                if winmax < 0.0 || winmax.fract() != 0.0 {
                    return fail(file, line_of("winmax"), "winmax", "must be a whole number ≥ 0");
                }
                p.treat = Some(Treat {
                    winsorise,
                    winmax: winmax as usize,
                    skew_max: num("skew_max", 2.0)?,
                    kurt_max: num("kurt_max", 3.5)?,
                    log_ct,
                });
            }
            "normalise" => {
                let m = match text_opt("method", "minmax")?.as_str() {
                    "minmax" => {
                        Normalise::MinMax { lower: num("lower", 0.0)?, upper: num("upper", 100.0)? }
                    }
                    "zscore" => Normalise::ZScore { mean: num("mean", 0.0)?, sd: num("sd", 1.0)? },
                    "rank" => Normalise::Rank,
                    "prank" => Normalise::PRank,
                    "dist2targ" => Normalise::Dist2Targ {
                        cap: t.get("cap").and_then(|c| c.as_bool()).unwrap_or(false),
                    },
                    "dist2max" => Normalise::Dist2Max,
                    "fracmax" => Normalise::FracMax,
                    "goalposts" => Normalise::Goalposts { scale: num("scale", 100.0)? },
                    other => {
                        return fail(
                            file,
                            line_of("method"),
                            "method",
                            format!("unknown normalise method '{other}'"),
                        );
                    }
                };
                p.normalise = Some(m);
            }
            "aggregate" => {
                let mean = match text_opt("method", "amean")?.as_str() {
                    "amean" => Mean::Arithmetic,
                    "gmean" => Mean::Geometric,
                    "hmean" => Mean::Harmonic,
                    other => {
                        return fail(
                            file,
                            line_of("method"),
                            "method",
                            format!("unknown aggregate method '{other}'"),
                        );
                    }
                };
                p.aggregate =
                    Some(Aggregate { mean, min_availability: num("min_availability", 0.0)? });
            }
            _ => {}
        }
    }
    Ok(p)
}

/// A column of a dataset, shared between the datasets of the steps until a step changes it
/// (treatment touches only the indicators that fail; aggregation only adds columns).
pub type Column = std::sync::Arc<Vec<Option<f64>>>;

/// A dataset: some rows of iData, and columns of values (`values[col][row]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Row → index into iData's rows.
    pub rows: Vec<usize>,
    pub columns: Vec<String>,
    pub values: Vec<Column>,
}

/// What a treatment did to one indicator (in one year).
#[derive(Debug, Clone, PartialEq)]
pub struct TreatRow {
    pub code: String,
    pub time: Option<f64>,
    pub skew_before: Option<f64>,
    pub kurt_before: Option<f64>,
    pub pass_before: Option<bool>,
    pub win_high: usize,
    pub win_low: usize,
    pub log: bool,
    pub skew_after: Option<f64>,
    pub kurt_after: Option<f64>,
    pub pass_after: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    pub datasets: Vec<(&'static str, Dataset)>,
    pub treatment: Option<Vec<TreatRow>>,
    /// The aggregated dataset's scores, when [aggregate] ran.
    pub aggregated: bool,
}

/// Skew and excess kurtosis (type-2 sample estimators); `None` when undefined.
pub fn skew_kurt(xs: &[f64]) -> (Option<f64>, Option<f64>) {
    let n = xs.len() as f64;
    if xs.len() < 3 {
        return (None, None);
    }
    let mean = xs.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for x in xs {
        let d = x - mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    if m2 == 0.0 {
        return (None, None);
    }
    let skew = n.sqrt() * m3 / m2.powf(1.5) * (n * (n - 1.0)).sqrt() / (n - 2.0);
    let kurt = if xs.len() < 4 {
        None
    } else {
        Some(((n + 1.0) * (n * m4 / (m2 * m2) - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0)))
    };
    (Some(skew), kurt)
}

/// Groups of rows that are treated together: one per Time (all rows when not a panel).
fn by_time(data: &Data, rows: &[usize]) -> Vec<(Option<f64>, Vec<usize>)> {
    let mut groups: BTreeMap<i64, (Option<f64>, Vec<usize>)> = BTreeMap::new();
    for (pos, &r) in rows.iter().enumerate() {
        let t = if data.panel { data.times[r] } else { None };
        // f64 order as integer key (times are years in practice).
        let key = t.map(|v| (v * 1000.0).round() as i64).unwrap_or(i64::MIN);
        groups.entry(key).or_insert((t, vec![])).1.push(pos);
    }
    groups.into_values().collect()
}

fn present(col: &[Option<f64>], rows: &[usize]) -> Vec<f64> {
    rows.iter().filter_map(|&r| col[r]).collect()
}

/// Runs the pipeline. Errors name iData's file (rows and columns) for data problems.
pub fn build(meta: &Meta, data: &Data, p: &Pipeline, data_file: &str) -> Result<Build, IndexError> {
    let ind: Vec<&MetaRow> = meta.indicators().collect();
    let line_of = |row: usize| row + 2;
    let mut ds = Dataset {
        rows: (0..data.codes.len()).collect(),
        columns: ind.iter().map(|m| m.code.clone()).collect(),
        values: data.values.iter().map(|c| Column::new(c.clone())).collect(),
    };
    let mut out = Build { datasets: vec![], treatment: None, aggregated: false };
    if p.denominate {
        for (k, m) in ind.iter().enumerate() {
            if m.denominator.is_empty() {
                continue;
            }
            let den = &data.denominators[&m.denominator];
            let col = std::sync::Arc::make_mut(&mut ds.values[k]);
            for (pos, &r) in ds.rows.iter().enumerate() {
                col[pos] = match (col[pos], den[r]) {
                    (Some(_), Some(0.0)) => {
                        return fail(
                            data_file,
                            line_of(r),
                            &m.denominator,
                            format!("zero denominator for {}", m.code),
                        );
                    }
                    (Some(x), Some(d)) => Some(x / d),
                    _ => None,
                };
            }
        }
        out.datasets.push(("Denominated", ds.clone()));
    }
    if let Some(imp) = &p.impute {
        let groups = match &imp.group {
            Some(g) => Some(data.groups.get(g).ok_or_else(|| IndexError {
                file: "pipeline".into(),
                line: 0,
                column: "group".into(),
                message: format!("'{g}' is not a Group column"),
            })?),
            None => None,
        };
        // Each row's group as a small number, found once (0: no group; without grouping all
        // rows are in group 1).
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let keys: Vec<usize> = ds
            .rows
            .iter()
            .map(|&r| match groups {
                None => 1,
                Some(g) if g[r].is_empty() => 0,
                Some(g) => {
                    let next = ids.len() + 1;
                    *ids.entry(g[r].as_str()).or_insert(next)
                }
            })
            .collect();
        let n_groups = ids.len().max(1) + 1;
        for (_, rows) in by_time(data, &ds.rows) {
            for k in 0..ind.len() {
                // The group's values come first, then the missing cells are filled with one mean
                // (or median) per group.
                let mut by_group: Vec<Vec<f64>> = vec![Vec::new(); n_groups];
                for &pos in &rows {
                    if let Some(v) = ds.values[k][pos] {
                        by_group[keys[pos]].push(v);
                    }
                }
                let fill: Vec<Option<f64>> = by_group
                    .iter()
                    .map(|v| {
                        (!v.is_empty()).then(|| {
                            if imp.median {
                                median(v)
                            } else {
                                v.iter().sum::<f64>() / v.len() as f64
                            }
                        })
                    })
                    .collect();
                for &pos in &rows {
                    if ds.values[k][pos].is_some() || keys[pos] == 0 {
                        continue;
                    }
                    if let Some(v) = fill[keys[pos]] {
                        std::sync::Arc::make_mut(&mut ds.values[k])[pos] = Some(v);
                    }
                }
            }
        }
        out.datasets.push(("Imputed", ds.clone()));
    }
    if let Some(min) = p.screen {
        let n = ds.columns.len() as f64;
        let keep: Vec<usize> = (0..ds.rows.len())
            .filter(|&pos| {
                1.0 - ds.values.iter().filter(|c| c[pos].is_none()).count() as f64 / n >= min
            })
            .collect();
        if keep.len() < ds.rows.len() {
            ds = Dataset {
                rows: keep.iter().map(|&p| ds.rows[p]).collect(),
                columns: ds.columns.clone(),
                values: ds
                    .values
                    .iter()
                    .map(|c| Column::new(keep.iter().map(|&p| c[p]).collect()))
                    .collect(),
            };
        }
        out.datasets.push(("Screened", ds.clone()));
    }
    if let Some(t) = &p.treat {
        let (treated, rows_out) = treat_all(meta, data, ds, t);
        ds = treated;
        out.treatment = Some(rows_out);
        out.datasets.push(("Treated", ds.clone()));
    }
    if let Some(n) = &p.normalise {
        ds = normalise_all(meta, ds, n)?;
        out.datasets.push(("Normalised", ds.clone()));
    }
    if let Some(a) = &p.aggregate {
        ds = aggregate_all(meta, data, ds, a, &|m: &MetaRow| m.weight, data_file)?;
        out.aggregated = true;
        out.datasets.push(("Aggregated", ds));
    }
    Ok(out)
}

/// Treats every indicator, within each Time.
pub fn treat_all(meta: &Meta, data: &Data, mut ds: Dataset, t: &Treat) -> (Dataset, Vec<TreatRow>) {
    let ind: Vec<&MetaRow> = meta.indicators().collect();
    let mut rows_out = Vec::new();
    for (time, rows) in by_time(data, &ds.rows) {
        // The group's own values only: a year of a panel is a tenth of the column.
        let all: Vec<usize> = (0..rows.len()).collect();
        for (m, values) in ind.iter().zip(ds.values.iter_mut()) {
            let group: Vec<Option<f64>> = rows.iter().map(|&pos| values[pos]).collect();
            let (col, row) = treat(&group, &all, t);
            if col != group {
                let target = std::sync::Arc::make_mut(values);
                for (&pos, &v) in rows.iter().zip(&col) {
                    target[pos] = v;
                }
            }
            rows_out.push(TreatRow { code: m.code.clone(), time, ..row });
        }
    }
    (ds, rows_out)
}

/// Normalises every indicator over all rows (all years together).
pub fn normalise_all(meta: &Meta, mut ds: Dataset, n: &Normalise) -> Result<Dataset, IndexError> {
    for (k, m) in meta.indicators().enumerate() {
        ds.values[k] = Column::new(normalise(&ds.values[k], m, n).map_err(|message| {
            IndexError { file: "iMeta".into(), line: 0, column: m.code.clone(), message }
        })?);
    }
    Ok(ds)
}

/// Adds every aggregate's column, level by level, with the weights `weight` gives.
pub fn aggregate_all(
    meta: &Meta,
    data: &Data,
    mut ds: Dataset,
    a: &Aggregate,
    weight: &dyn Fn(&MetaRow) -> f64,
    data_file: &str,
) -> Result<Dataset, IndexError> {
    let line_of = |row: usize| row + 2;
    {
        for agg in meta.aggregates_upward() {
            let children: Vec<(usize, f64, &str)> = meta
                .rows
                .iter()
                .filter(|c| {
                    c.parent == agg.code && matches!(c.kind, Kind::Indicator | Kind::Aggregate)
                })
                .filter_map(|c| {
                    ds.columns
                        .iter()
                        .position(|x| x == &c.code)
                        .map(|i| (i, weight(c), c.code.as_str()))
                })
                .collect();
            let mut col = Vec::with_capacity(ds.rows.len());
            for pos in 0..ds.rows.len() {
                let have: Vec<(f64, f64, &str)> = children
                    .iter()
                    .filter_map(|&(i, w, c)| ds.values[i][pos].map(|x| (x, w, c)))
                    .collect();
                if have.is_empty()
                    || (have.len() as f64) / (children.len() as f64) < a.min_availability
                {
                    col.push(None);
                    continue;
                }
                let sw: f64 = have.iter().map(|h| h.1).sum();
                let v = match a.mean {
                    Mean::Arithmetic => have.iter().map(|(x, w, _)| w * x).sum::<f64>() / sw,
                    Mean::Geometric => {
                        if let Some((x, _, c)) = have.iter().find(|h| h.0 <= 0.0) {
                            return fail(
                                data_file,
                                line_of(ds.rows[pos]),
                                c,
                                format!(
                                    "a geometric mean over a non-positive value ({x}) for {} in {}",
                                    data.codes[ds.rows[pos]], agg.code
                                ),
                            );
                        }
                        (have.iter().map(|(x, w, _)| w * x.ln()).sum::<f64>() / sw).exp()
                    }
                    Mean::Harmonic => {
                        if let Some((_, _, c)) = have.iter().find(|h| h.0 == 0.0) {
                            return fail(
                                data_file,
                                line_of(ds.rows[pos]),
                                c,
                                format!(
                                    "a harmonic mean over a zero for {} in {}",
                                    data.codes[ds.rows[pos]], agg.code
                                ),
                            );
                        }
                        sw / have.iter().map(|(x, w, _)| w / x).sum::<f64>()
                    }
                };
                col.push(Some(v));
            }
            ds.columns.push(agg.code.clone());
            ds.values.push(Column::new(col));
        }
    }
    Ok(ds)
}

fn median(vals: &[f64]) -> f64 {
    let mut v = vals.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

fn passes(xs: &[f64], t: &Treat) -> Option<bool> {
    match skew_kurt(xs) {
        (Some(s), Some(k)) => Some(s.abs() < t.skew_max || k < t.kurt_max),
        _ => None,
    }
}

/// Treats one indicator within one group of rows (positions `rows`): winsorise while it fails,
/// then log_ct of the original values if it still fails.
fn treat(col: &[Option<f64>], rows: &[usize], t: &Treat) -> (Vec<Option<f64>>, TreatRow) {
    let orig = present(col, rows);
    let (sb, kb) = skew_kurt(&orig);
    let pass_before = passes(&orig, t);
    let mut row = TreatRow {
        code: String::new(),
        time: None,
        skew_before: sb,
        kurt_before: kb,
        pass_before,
        win_high: 0,
        win_low: 0,
        log: false,
        skew_after: sb,
        kurt_after: kb,
        pass_after: pass_before,
    };
    let mut out = col.to_vec();
    if !t.winsorise || pass_before != Some(false) {
        return (out, row);
    }
    let mut w: Vec<Option<f64>> = col.to_vec();
    let (mut high, mut low) = (0usize, 0usize);
    loop {
        let xs = present(&w, rows);
        if passes(&xs, t) != Some(false) || high + low >= t.winmax {
            break;
        }
        let Some(s) = skew_kurt(&xs).0 else { break };
        let (lo, hi) =
            xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        let edge = if s >= 0.0 { hi } else { lo };
        let rest = xs.iter().copied().filter(|&x| x != edge);
        let Some(next) = (if s >= 0.0 {
            rest.fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
        } else {
            rest.fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))))
        }) else {
            break;
        };
        let mut group = 0;
        for &pos in rows {
            if w[pos] == Some(edge) {
                w[pos] = Some(next);
                group += 1;
            }
        }
        if s >= 0.0 { high = group } else { low = group }
    }
    row.win_high = high;
    row.win_low = low;
    let wx = present(&w, rows);
    if passes(&wx, t) == Some(false) && t.log_ct {
        let (lo, hi) =
            orig.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        for &pos in rows {
            out[pos] = col[pos].map(|x| (x - lo + 0.01 * (hi - lo)).ln());
        }
        row.log = true;
    } else {
        for &pos in rows {
            out[pos] = w[pos];
        }
    }
    let fx = present(&out, rows);
    let (sa, ka) = skew_kurt(&fx);
    row.skew_after = sa;
    row.kurt_after = ka;
    row.pass_after = passes(&fx, t);
    (out, row)
}

fn normalise(col: &[Option<f64>], m: &MetaRow, n: &Normalise) -> Result<Vec<Option<f64>>, String> {
    let dir = m.direction;
    let xs: Vec<f64> = col.iter().flatten().map(|x| x * dir).collect();
    let (lo, hi) =
        xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    let count = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / count;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (count - 1.0)).sqrt();
    let rank = |x: f64| 1.0 + xs.iter().filter(|&&y| y < x).count() as f64;
    let f = |raw: f64| -> Result<Option<f64>, String> {
        let x = raw * dir;
        Ok(match n {
            Normalise::MinMax { lower, upper } => {
                (hi > lo).then(|| lower + (x - lo) / (hi - lo) * (upper - lower))
            }
            Normalise::ZScore { mean: m0, sd: s0 } => Some(m0 + s0 * (x - mean) / sd),
            Normalise::Rank => Some(rank(x)),
            Normalise::PRank => Some((rank(x) - 1.0) / (count - 1.0)),
            Normalise::Dist2Max => Some(1.0 - (hi - x) / (hi - lo)),
            Normalise::FracMax => Some(x / hi),
            Normalise::Dist2Targ { cap } => {
                let target =
                    m.target.ok_or_else(|| format!("dist2targ needs a Target for {}", m.code))?
                        * dir;
                let v = (x - lo) / (target - lo);
                Some(if *cap && v > 1.0 { 1.0 } else { v })
            }
            Normalise::Goalposts { scale } => {
                let (Some(gl), Some(gu)) = (m.goalpost_lower, m.goalpost_upper) else {
                    return Err(format!(
                        "goalposts need goalpost_lower and goalpost_upper for {}",
                        m.code
                    ));
                };
                let v = if dir < 0.0 { (gu - raw) / (gu - gl) } else { (raw - gl) / (gu - gl) };
                Some(v.clamp(0.0, 1.0) * scale)
            }
        })
    };
    col.iter()
        .map(|v| match v {
            Some(x) => f(*x),
            None => Ok(None),
        })
        .collect()
}

// ---------- output ----------

/// A number as the contract writes it: shortest round-trip, `NA`, `Inf`/`-Inf`.
pub fn fmt_num(v: Option<f64>) -> String {
    let mut s = String::new();
    push_num(&mut s, v);
    s
}

/// Appends a number as [`fmt_num`] writes it, without a string of its own (millions of cells).
fn push_num(out: &mut String, v: Option<f64>) {
    match v {
        None => out.push_str("NA"),
        Some(x) if x.is_nan() => out.push_str("NA"),
        Some(x) if x == f64::INFINITY => out.push_str("Inf"),
        Some(x) if x == f64::NEG_INFINITY => out.push_str("-Inf"),
        // Shortest round-trip form (ryu is the fast way to it).
        Some(x) => out.push_str(ryu::Buffer::new().format_finite(x)),
    }
}

fn fmt_bool(b: Option<bool>) -> String {
    match b {
        Some(true) => "TRUE".into(),
        Some(false) => "FALSE".into(),
        None => "NA".into(),
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Row order: by Time, then uCode.
fn ordered(data: &Data, ds: &Dataset) -> Vec<usize> {
    let mut pos: Vec<usize> = (0..ds.rows.len()).collect();
    pos.sort_by(|&a, &b| {
        let (ra, rb) = (ds.rows[a], ds.rows[b]);
        data.times[ra]
            .unwrap_or(0.0)
            .total_cmp(&data.times[rb].unwrap_or(0.0))
            .then_with(|| data.codes[ra].cmp(&data.codes[rb]))
    });
    pos
}

pub fn dataset_csv(data: &Data, ds: &Dataset) -> String {
    let mut s = String::with_capacity(ds.rows.len() * (ds.columns.len() + 2) * 18);
    if data.panel {
        s.push_str("Time,");
    }
    s.push_str("uCode");
    for c in &ds.columns {
        s.push(',');
        s.push_str(&csv_cell(c));
    }
    s.push('\n');
    for pos in ordered(data, ds) {
        let r = ds.rows[pos];
        if data.panel {
            push_num(&mut s, data.times[r]);
            s.push(',');
        }
        s.push_str(&csv_cell(&data.codes[r]));
        for c in &ds.values {
            s.push(',');
            push_num(&mut s, c[pos]);
        }
        s.push('\n');
    }
    s
}

/// Scores and the rank of the top aggregate within each Time.
pub fn results_csv(meta: &Meta, data: &Data, ds: &Dataset) -> String {
    let mut aggs: Vec<&MetaRow> = meta.aggregates().collect();
    aggs.sort_by_key(|a| std::cmp::Reverse(a.level));
    let col = |code: &str| ds.columns.iter().position(|c| c == code);
    let top = aggs.first().and_then(|a| col(&a.code));
    let mut head = vec!["uCode".to_string(), "uName".into()];
    if data.panel {
        head.push("Time".into());
    }
    head.extend(aggs.iter().map(|a| csv_cell(&a.code)));
    head.push("Rank".into());
    let mut s = head.join(",") + "\n";
    let score = |pos: usize| top.and_then(|t| ds.values[t][pos]);
    let mut order: Vec<usize> = (0..ds.rows.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (ds.rows[a], ds.rows[b]);
        let time = data.times[ra].unwrap_or(0.0).total_cmp(&data.times[rb].unwrap_or(0.0));
        let sc = match (score(a), score(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        time.then(sc).then_with(|| data.codes[ra].cmp(&data.codes[rb]))
    });
    // `order` is by Time, then score descending: a rank is 1 + the number of higher scores
    // before it in its Time (ties share the smallest rank).
    let mut ranks: HashMap<usize, usize> = HashMap::new();
    let (mut current, mut seen, mut last, mut last_rank) = (None, 0usize, None, 0usize);
    for &pos in &order {
        let t = data.times[ds.rows[pos]].map(f64::to_bits);
        if current != Some(t) {
            current = Some(t);
            seen = 0;
            last = None;
        }
        if let Some(x) = score(pos) {
            seen += 1;
            if last != Some(x) {
                last_rank = seen;
                last = Some(x);
            }
            ranks.insert(pos, last_rank);
        }
    }
    for &pos in &order {
        let r = ds.rows[pos];
        let rank = ranks.get(&pos).copied();
        let mut cells = vec![csv_cell(&data.codes[r]), csv_cell(&data.names[r])];
        if data.panel {
            cells.push(fmt_num(data.times[r]));
        }
        cells.extend(aggs.iter().map(|a| fmt_num(col(&a.code).and_then(|c| ds.values[c][pos]))));
        cells.push(rank.map(|r| r.to_string()).unwrap_or_else(|| "NA".into()));
        s.push_str(&cells.join(","));
        s.push('\n');
    }
    s
}

pub fn treatment_csv(data: &Data, rows: &[TreatRow]) -> String {
    let mut s = String::from(if data.panel { "iCode,Time," } else { "iCode," });
    s.push_str("skew_before,kurt_before,pass_before,win_high,win_low,log,skew_after,kurt_after,pass_after\n");
    for r in rows {
        let mut cells = vec![csv_cell(&r.code)];
        if data.panel {
            cells.push(fmt_num(r.time));
        }
        cells.extend([
            fmt_num(r.skew_before),
            fmt_num(r.kurt_before),
            fmt_bool(r.pass_before),
            r.win_high.to_string(),
            r.win_low.to_string(),
            fmt_bool(Some(r.log)),
            fmt_num(r.skew_after),
            fmt_num(r.kurt_after),
            fmt_bool(r.pass_after),
        ]);
        s.push_str(&cells.join(","));
        s.push('\n');
    }
    s
}
