//! Writing the results out: the dataset, the results and the treatment as CSV.
use super::*;

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
