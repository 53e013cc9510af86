//! Building the index: treating, normalising and aggregating the data, unit by unit and year by year.
use super::*;

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
    let mut ds = Dataset {
        rows: (0..data.codes.len()).collect(),
        columns: ind.iter().map(|m| m.code.clone()).collect(),
        values: data.values.iter().map(|c| Column::new(c.clone())).collect(),
    };
    let mut out = Build { datasets: vec![], treatment: None, aggregated: false };
    if p.denominate {
        denominate(&ind, data, &mut ds, data_file)?;
        out.datasets.push(("Denominated", ds.clone()));
    }
    if let Some(imp) = &p.impute {
        impute(ind.len(), data, &mut ds, imp)?;
        out.datasets.push(("Imputed", ds.clone()));
    }
    if let Some(min) = p.screen {
        screen(&mut ds, min);
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

/// Divides each indicator with a denominator by it.
fn denominate(
    ind: &[&MetaRow],
    data: &Data,
    ds: &mut Dataset,
    data_file: &str,
) -> Result<(), IndexError> {
    let line_of = |row: usize| row + 2;
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
    Ok(())
}

/// Fills the missing cells of the `n_ind` indicators, within each Time and group.
fn impute(n_ind: usize, data: &Data, ds: &mut Dataset, imp: &Impute) -> Result<(), IndexError> {
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
        for k in 0..n_ind {
            impute_column(&mut ds.values[k], &rows, &keys, n_groups, imp.median);
        }
    }
    Ok(())
}

/// One indicator within one Time: the group's values come first, then the missing cells are
/// filled with one mean (or median) per group.
fn impute_column(
    values: &mut Column,
    rows: &[usize],
    keys: &[usize],
    n_groups: usize,
    median_fill: bool,
) {
    let mut by_group: Vec<Vec<f64>> = vec![Vec::new(); n_groups];
    for &pos in rows {
        if let Some(v) = values[pos] {
            by_group[keys[pos]].push(v);
        }
    }
    let fill: Vec<Option<f64>> = by_group
        .iter()
        .map(|v| {
            (!v.is_empty()).then(|| {
                if median_fill { median(v) } else { v.iter().sum::<f64>() / v.len() as f64 }
            })
        })
        .collect();
    for &pos in rows {
        if values[pos].is_some() || keys[pos] == 0 {
            continue;
        }
        if let Some(v) = fill[keys[pos]] {
            std::sync::Arc::make_mut(values)[pos] = Some(v);
        }
    }
}

/// Keeps the rows with at least `min` of their indicators present.
fn screen(ds: &mut Dataset, min: f64) {
    let n = ds.columns.len() as f64;
    let keep: Vec<usize> = (0..ds.rows.len())
        .filter(|&pos| {
            1.0 - ds.values.iter().filter(|c| c[pos].is_none()).count() as f64 / n >= min
        })
        .collect();
    if keep.len() < ds.rows.len() {
        *ds = Dataset {
            rows: keep.iter().map(|&p| ds.rows[p]).collect(),
            columns: ds.columns.clone(),
            values: ds
                .values
                .iter()
                .map(|c| Column::new(keep.iter().map(|&p| c[p]).collect()))
                .collect(),
        };
    }
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
            // One buffer for every row: the sensitivity analysis aggregates thousands of rows
            // a thousand times.
            let mut have: Vec<(f64, f64, &str)> = Vec::with_capacity(children.len());
            for pos in 0..ds.rows.len() {
                have.clear();
                have.extend(
                    children.iter().filter_map(|&(i, w, c)| ds.values[i][pos].map(|x| (x, w, c))),
                );
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

pub(super) fn median(vals: &[f64]) -> f64 {
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
pub(super) fn treat(
    col: &[Option<f64>],
    rows: &[usize],
    t: &Treat,
) -> (Vec<Option<f64>>, TreatRow) {
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

pub(super) fn normalise(
    col: &[Option<f64>],
    m: &MetaRow,
    n: &Normalise,
) -> Result<Vec<Option<f64>>, String> {
    let dir = m.direction;
    let xs: Vec<f64> = col.iter().flatten().map(|x| x * dir).collect();
    let (lo, hi) =
        xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    let count = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / count;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (count - 1.0)).sqrt();
    // 1 + how many lie strictly below: by binary search over the values sorted once (the
    // sensitivity runs rank thousands of units many times).
    let sorted: Vec<f64> = if matches!(n, Normalise::Rank | Normalise::PRank) {
        let mut v = xs.clone();
        v.sort_by(f64::total_cmp);
        v
    } else {
        Vec::new()
    };
    let rank = |x: f64| 1.0 + sorted.partition_point(|&y| y < x) as f64;
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
