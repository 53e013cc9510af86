//! Reading the index's inputs: the metadata (indicators and groups) and the data, from CSV.
use super::*;

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
pub(super) fn number(
    file: &str,
    line: usize,
    column: &str,
    cell: &str,
) -> Result<Option<f64>, IndexError> {
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
    let cols = MetaColumns { file, header: &header };
    for needed in ["Level", "iCode", "Direction", "Weight", "Parent", "Type"] {
        if cols.col(needed).is_none() {
            return fail(file, 1, needed, "missing column");
        }
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for CsvRecord { line, cells } in &rows {
        out.push(cols.row(*line, cells, &mut seen)?);
    }
    let meta = Meta { rows: out };
    check_tree(file, &meta)?;
    Ok(meta)
}

/// iMeta's header, to read its rows by column name.
struct MetaColumns<'a> {
    file: &'a str,
    header: &'a [String],
}

impl MetaColumns<'_> {
    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn get(&self, r: &[String], name: &str) -> String {
        self.col(name).and_then(|i| r.get(i)).cloned().unwrap_or_default()
    }

    /// One row of iMeta, its iCode not `seen` before.
    fn row(
        &self,
        line: usize,
        r: &[String],
        seen: &mut HashSet<String>,
    ) -> Result<MetaRow, IndexError> {
        let file = self.file;
        let code = self.get(r, "iCode");
        if code.is_empty() {
            return fail(file, line, "iCode", "empty iCode");
        }
        if !seen.insert(code.clone()) {
            return fail(file, line, "iCode", format!("duplicate iCode '{code}'"));
        }
        let (kind, level) = self.kind_and_level(line, r)?;
        let (direction, weight) = self.direction_and_weight(line, r, kind)?;
        Ok(MetaRow {
            level,
            code,
            name: self.get(r, "iName"),
            direction,
            weight,
            parent: self.get(r, "Parent"),
            kind,
            target: number(file, line, "Target", &self.get(r, "Target"))?,
            denominator: self.get(r, "Denominator"),
            unit: self.get(r, "Unit"),
            goalpost_lower: number(file, line, "goalpost_lower", &self.get(r, "goalpost_lower"))?,
            goalpost_upper: number(file, line, "goalpost_upper", &self.get(r, "goalpost_upper"))?,
        })
    }

    /// Type and Level: indicators at level 1, aggregates above; other rows may have no level.
    fn kind_and_level(&self, line: usize, r: &[String]) -> Result<(Kind, u32), IndexError> {
        let file = self.file;
        let kind = match self.get(r, "Type").as_str() {
            "Indicator" => Kind::Indicator,
            "Aggregate" => Kind::Aggregate,
            "Group" => Kind::Group,
            "Denominator" => Kind::Denominator,
            "Other" => Kind::Other,
            other => {
                return fail(
                    file,
                    line,
                    "Type",
                    format!(
                        "unknown Type '{other}' (Indicator, Aggregate, Group, Denominator, Other)"
                    ),
                );
            }
        };
        let structural = matches!(kind, Kind::Indicator | Kind::Aggregate);
        let level = match self.get(r, "Level").as_str() {
            "" | "NA" if !structural => 0,
            s => match s.parse::<u32>() {
                Ok(l) if l >= 1 => l,
                _ => {
                    return fail(file, line, "Level", format!("'{s}' is not a level (1, 2, ...)"));
                }
            },
        };
        if kind == Kind::Indicator && level != 1 {
            return fail(file, line, "Level", "an indicator must be at level 1");
        }
        if kind == Kind::Aggregate && level < 2 {
            return fail(file, line, "Level", "an aggregate must be at level 2 or above");
        }
        Ok((kind, level))
    }

    /// Direction (±1) and Weight (≥ 0), required of indicators and aggregates only.
    fn direction_and_weight(
        &self,
        line: usize,
        r: &[String],
        kind: Kind,
    ) -> Result<(f64, f64), IndexError> {
        let file = self.file;
        let structural = matches!(kind, Kind::Indicator | Kind::Aggregate);
        let direction =
            match (structural, number(file, line, "Direction", &self.get(r, "Direction"))?) {
                (false, d) => d.unwrap_or(1.0),
                (true, Some(d)) if d == 1.0 || d == -1.0 => d,
                (true, _) => return fail(file, line, "Direction", "Direction must be 1 or -1"),
            };
        let weight = match (structural, number(file, line, "Weight", &self.get(r, "Weight"))?) {
            (false, w) => w.unwrap_or(0.0),
            (true, Some(w)) if w >= 0.0 => w,
            (true, Some(w)) => return fail(file, line, "Weight", format!("negative weight {w}")),
            (true, None) => return fail(file, line, "Weight", "missing weight"),
        };
        Ok((direction, weight))
    }
}

/// The tree: one top aggregate; every other structural row has a parent one level up; weights
/// within a parent sum to a positive number.
fn check_tree(file: &str, meta: &Meta) -> Result<(), IndexError> {
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
        if !matches!(r.kind, Kind::Indicator | Kind::Aggregate)
            || (r.kind == Kind::Aggregate && r.level == top)
        {
            continue;
        }
        if meta.aggregates().count() == 0 {
            continue;
        }
        check_parent(file, meta, i + 2, r)?;
    }
    check_weights(file, meta)
}

/// A row's parent is an aggregate one level up, and an indicator's denominator is a
/// Denominator row.
fn check_parent(file: &str, meta: &Meta, line: usize, r: &MetaRow) -> Result<(), IndexError> {
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
    Ok(())
}

/// The weights of each aggregate's children sum to a positive number.
fn check_weights(file: &str, meta: &Meta) -> Result<(), IndexError> {
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
    Ok(())
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
    let cols = DataColumns::find(file, &header, meta)?;
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
        cols.push(file, line, &rec, &mut d, &mut keys)?;
    }
    let distinct: HashSet<u64> = d.times.iter().flatten().map(|t| t.to_bits()).collect();
    d.panel = distinct.len() > 1;
    Ok(d)
}

/// iData's column positions, found once (and checked against iMeta).
struct DataColumns<'m> {
    ucode: usize,
    uname: Option<usize>,
    time: Option<usize>,
    meta_cols: Vec<(&'m MetaRow, usize)>,
    ind_cols: Vec<(&'m MetaRow, usize)>,
}

impl<'m> DataColumns<'m> {
    fn find(file: &str, header: &[String], meta: &'m Meta) -> Result<Self, IndexError> {
        let col = |name: &str| header.iter().position(|h| h == name);
        let Some(ucode) = col("uCode") else { return fail(file, 1, "uCode", "missing column") };
        let uname = col("uName");
        let time = col("Time");
        for h in header {
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
        let meta_cols = meta.rows.iter().filter_map(|m| col(&m.code).map(|i| (m, i))).collect();
        let ind_cols = meta.indicators().filter_map(|m| col(&m.code).map(|i| (m, i))).collect();
        Ok(DataColumns { ucode, uname, time, meta_cols, ind_cols })
    }

    /// Adds one record (at `line`) to the data; `keys` are the (uCode, Time) seen so far.
    fn push(
        &self,
        file: &str,
        line: usize,
        r: &csv::StringRecord,
        d: &mut Data,
        keys: &mut HashSet<(String, Option<u64>)>,
    ) -> Result<(), IndexError> {
        let code = r[self.ucode].to_string();
        if code.is_empty() {
            return fail(file, line, "uCode", "empty uCode");
        }
        let t = match self.time {
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
            self.uname
                .map(|i| r[i].to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| code.clone()),
        );
        d.codes.push(code);
        d.times.push(t);
        for &(m, i) in &self.meta_cols {
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
        for (k, &(m, i)) in self.ind_cols.iter().enumerate() {
            d.values[k].push(number(file, line, &m.code, &r[i])?);
        }
        Ok(())
    }
}
