//! Conformance with COINr 1.1.14: every intermediate dataset of COINr's ASEM example (one year,
//! and the 5-year panel) reproduced to 1e-9, as `shared/contracts/composite-index.md` requires.
use innocity_core::index::{self, Build, Data, Meta};
use std::collections::HashMap;
use std::path::PathBuf;

fn reference() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/coinr-asem")
}

fn run(data_file: &str, pipeline_file: &str) -> (Meta, Data, Build) {
    let dir = reference();
    let meta =
        index::read_meta("iMeta.csv", &std::fs::read_to_string(dir.join("iMeta.csv")).unwrap())
            .unwrap();
    let data =
        index::read_data(data_file, &std::fs::read_to_string(dir.join(data_file)).unwrap(), &meta)
            .unwrap();
    let p = index::read_pipeline(
        pipeline_file,
        &std::fs::read_to_string(dir.join(pipeline_file)).unwrap(),
    )
    .unwrap();
    let b = index::build(&meta, &data, &p, data_file).unwrap();
    (meta, data, b)
}

/// A CSV as key → column → cell.
fn table(text: &str, key: &[&str]) -> (Vec<String>, HashMap<String, HashMap<String, String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut rows = HashMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let m: HashMap<String, String> =
            head.iter().cloned().zip(rec.iter().map(String::from)).collect();
        let k = key
            .iter()
            .map(|c| m[*c].parse::<f64>().map(|v| v.to_string()).unwrap_or_else(|_| m[*c].clone()))
            .collect::<Vec<_>>()
            .join("|");
        assert!(rows.insert(k, m).is_none(), "duplicate key");
    }
    (head, rows)
}

fn compare(name: &str, ours: &str, expected: &str, key: &[&str]) -> usize {
    let (eh, e) = table(expected, key);
    let (oh, o) = table(ours, key);
    let mut sorted_e = eh.clone();
    sorted_e.sort();
    let mut sorted_o = oh.clone();
    sorted_o.sort();
    assert_eq!(sorted_o, sorted_e, "{name}: columns");
    assert_eq!(o.len(), e.len(), "{name}: rows");
    let mut cells = 0;
    for (k, erow) in &e {
        let orow = o.get(k).unwrap_or_else(|| panic!("{name}: no row {k}"));
        for (c, ev) in erow {
            let ov = &orow[c];
            cells += 1;
            match (ev.parse::<f64>(), ov.parse::<f64>()) {
                (Ok(a), Ok(b)) => assert!(
                    (a - b).abs() <= 1e-9 || (a.is_infinite() && a == b),
                    "{name} {k} {c}: expected {ev}, got {ov}"
                ),
                _ => assert_eq!(ov, ev, "{name} {k} {c}"),
            }
        }
    }
    cells
}

fn check_all(data_file: &str, pipeline: &str, expected_dir: &str, panel: bool) {
    let (meta, data, b) = run(data_file, pipeline);
    assert_eq!(data.panel, panel);
    let dir = reference().join(expected_dir);
    let key: &[&str] = if panel { &["uCode", "Time"] } else { &["uCode"] };
    let mut compared = 0;
    for (name, ds) in &b.datasets {
        let expected = std::fs::read_to_string(dir.join(format!("{name}.csv"))).unwrap();
        compared += compare(name, &index::dataset_csv(&data, ds), &expected, key);
    }
    let aggregated = &b.datasets.last().unwrap().1;
    compared += compare(
        "results",
        &index::results_csv(&meta, &data, aggregated),
        &std::fs::read_to_string(dir.join("results.csv")).unwrap(),
        key,
    );
    let tkey: &[&str] = if panel { &["iCode", "Time"] } else { &["iCode"] };
    compared += compare(
        "treatment",
        &index::treatment_csv(&data, b.treatment.as_ref().unwrap()),
        &std::fs::read_to_string(dir.join("treatment.csv")).unwrap(),
        tkey,
    );
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(b.datasets.len() + 2, files, "every expected file was compared");
    assert!(compared > 10_000, "{compared} cells");
}

#[test]
fn the_asem_example_matches_coinr_step_by_step() {
    check_all("iData.csv", "pipeline.toml", "expected", false);
}

#[test]
fn the_asem_panel_matches_coinr_step_by_step() {
    check_all("iData_panel.csv", "pipeline_panel.toml", "expected_panel", true);
}

#[test]
fn the_comparison_catches_one_wrong_cell() {
    let (_, data, b) = run("iData.csv", "pipeline.toml");
    let (_, ds) = b.datasets.iter().find(|(n, _)| *n == "Aggregated").unwrap();
    let ours = index::dataset_csv(&data, ds);
    let expected = std::fs::read_to_string(reference().join("expected/Aggregated.csv")).unwrap();
    // Change the last digits of one score by 2e-9: the comparison must fail.
    let mut lines: Vec<String> = expected.lines().map(String::from).collect();
    let cells: Vec<String> = lines[5].split(',').map(String::from).collect();
    let v: f64 = cells[3].parse().unwrap();
    let mut changed = cells.clone();
    changed[3] = (v + 2e-9).to_string();
    lines[5] = changed.join(",");
    let broken = lines.join("\n") + "\n";
    let caught = std::panic::catch_unwind(|| compare("Aggregated", &ours, &broken, &["uCode"]));
    assert!(caught.is_err(), "a 2e-9 difference is caught");
    assert!(compare("Aggregated", &ours, &expected, &["uCode"]) > 2000);
}

fn asem(file: &str) -> String {
    std::fs::read_to_string(reference().join(file)).unwrap()
}

#[test]
fn bad_inputs_name_the_file_row_and_column() {
    let meta_text = asem("iMeta.csv");
    let meta = index::read_meta("iMeta.csv", &meta_text).unwrap();
    let data_text = asem("iData.csv");
    // A non-numeric cell: row 3 of the file is Belgium; column Flights.
    let mut lines: Vec<String> = data_text.lines().map(String::from).collect();
    let head: Vec<&str> = lines[0].split(',').collect();
    let flights = head.iter().position(|h| *h == "Flights").unwrap();
    let mut cells: Vec<String> = lines[2].split(',').map(String::from).collect();
    cells[flights] = "many".into();
    lines[2] = cells.join(",");
    let e = index::read_data("iData.csv", &(lines.join("\n") + "\n"), &meta).unwrap_err();
    assert_eq!(e.to_string(), "iData.csv, row 3, column Flights: 'many' is not a number");
    // A duplicate unit.
    let mut dup: Vec<String> = data_text.lines().map(String::from).collect();
    dup.push(dup[1].clone());
    let e = index::read_data("iData.csv", &(dup.join("\n") + "\n"), &meta).unwrap_err();
    assert!(
        e.to_string().contains(&format!("row {}", dup.len()))
            && e.message.contains("duplicate uCode"),
        "{e}"
    );
    // An unknown column.
    let e =
        index::read_data("iData.csv", &data_text.replacen("LPI,", "LPX,", 1), &meta).unwrap_err();
    assert_eq!((e.line, e.column.as_str()), (1, "LPX"));
    // A negative weight, and a parent whose children weigh nothing.
    let e = index::read_meta(
        "iMeta.csv",
        &meta_text.replacen(
            "1,LPI,Logistics Performance Index,1,1,",
            "1,LPI,Logistics Performance Index,1,-1,",
            1,
        ),
    )
    .unwrap_err();
    assert_eq!((e.line, e.column.as_str()), (2, "Weight"));
    // An unknown step or option.
    let e = index::read_pipeline("p.toml", "[normalize]\n").unwrap_err();
    assert!(e.message.contains("unknown step 'normalize'"), "{e}");
    let e = index::read_pipeline("p.toml", "[treat]\nwinmax = 5\nskew = 2\n").unwrap_err();
    assert_eq!((e.line, e.message.as_str()), (3, "unknown option 'skew' of [treat]"));
    // A geometric mean over a zero (min–max puts the lowest value at 0).
    let data = index::read_data("iData.csv", &data_text, &meta).unwrap();
    let p = index::read_pipeline(
        "p.toml",
        "[normalise]\nmethod = \"minmax\"\n[aggregate]\nmethod = \"gmean\"\n",
    )
    .unwrap();
    let e = index::build(&meta, &data, &p, "iData.csv").unwrap_err();
    assert!(e.message.contains("geometric mean over a non-positive value"), "{e}");
    // dist2targ without a target.
    let no_target = meta_text.replacen("Score 1-5,4.11803135,", "Score 1-5,,", 1);
    let m2 = index::read_meta("iMeta.csv", &no_target).unwrap();
    let p = index::read_pipeline("p.toml", "[normalise]\nmethod = \"dist2targ\"\n").unwrap();
    let e = index::build(&m2, &data, &p, "iData.csv").unwrap_err();
    assert!(e.message.contains("dist2targ needs a Target for LPI"), "{e}");
}

#[test]
fn the_other_normalisations_follow_their_formulas() {
    let meta = index::read_meta("iMeta.csv", &asem("iMeta.csv")).unwrap();
    let data = index::read_data("iData.csv", &asem("iData.csv"), &meta).unwrap();
    let lpi: Vec<f64> = data.values[0].iter().flatten().copied().collect();
    let (lo, hi) = lpi.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let norm = |method: &str| {
        let p = index::read_pipeline("p.toml", &format!("[normalise]\n{method}\n")).unwrap();
        index::build(&meta, &data, &p, "iData.csv").unwrap().datasets[0].1.values[0].clone()
    };
    let first = data.values[0][0].unwrap();
    let z = norm("method = \"zscore\"\nmean = 10.0\nsd = 2.0");
    let n = lpi.len() as f64;
    let mean = lpi.iter().sum::<f64>() / n;
    let sd = (lpi.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!((z[0].unwrap() - (10.0 + 2.0 * (first - mean) / sd)).abs() < 1e-12);
    let r = norm("method = \"rank\"");
    assert_eq!(r[0].unwrap(), 1.0 + lpi.iter().filter(|&&x| x < first).count() as f64);
    let pr = norm("method = \"prank\"");
    assert!((pr[0].unwrap() - (r[0].unwrap() - 1.0) / (n - 1.0)).abs() < 1e-12);
    let d2m = norm("method = \"dist2max\"");
    assert!((d2m[0].unwrap() - (1.0 - (hi - first) / (hi - lo))).abs() < 1e-12);
    let fm = norm("method = \"fracmax\"");
    assert!((fm[0].unwrap() - first / hi).abs() < 1e-12);
    let target = meta.indicators().next().unwrap().target.unwrap();
    let d2t = norm("method = \"dist2targ\"\ncap = true");
    assert!((d2t[0].unwrap() - ((first - lo) / (target - lo)).min(1.0)).abs() < 1e-12);
}

#[test]
fn sensitivity_of_the_asem_index() {
    use innocity_core::index::sensitivity::{self, Assumption};
    let meta = index::read_meta("iMeta.csv", &asem("iMeta.csv")).unwrap();
    let data = index::read_data("iData.csv", &asem("iData.csv"), &meta).unwrap();
    let base = index::read_pipeline("pipeline.toml", &asem("pipeline.toml")).unwrap();
    let a = sensitivity::default_assumptions(&base);
    let s = sensitivity::analyse(&meta, &data, &base, &a, 64, 7).unwrap();
    assert_eq!(s.runs, 64 * 6);
    assert_eq!(s.units.len(), 51);
    // The nominal ranking is the pipeline's: COINr's ranks.
    let (_, expected) = table(&asem("expected/results.csv"), &["uCode"]);
    for u in &s.units {
        assert_eq!(
            u.nominal.map(|r| r.to_string()),
            Some(expected[&u.code]["Rank"].clone()),
            "{}",
            u.code
        );
        assert!(u.q05 <= u.median && u.median <= u.q95, "{u:?}");
    }
    // Indices are shares of variance: totals at least about the first-order ones, all in range.
    for (name, first, total) in &s.indices {
        assert!(
            (-0.2..=1.2).contains(first) && (0.0..=1.5).contains(total),
            "{name} {first} {total}"
        );
    }
    assert!(
        s.indices.iter().map(|i| i.2).sum::<f64>() > 0.5,
        "the assumptions explain the rank shifts"
    );
    // Same seed, same answer; an assumption with one alternative has no effect.
    assert_eq!(sensitivity::analyse(&meta, &data, &base, &a, 64, 7).unwrap(), s);
    let only_weights = vec![a[0].clone(), Assumption::Aggregation(vec![index::Mean::Arithmetic])];
    let s2 = sensitivity::analyse(&meta, &data, &base, &only_weights, 32, 1).unwrap();
    assert_eq!((s2.indices[1].1, s2.indices[1].2), (0.0, 0.0));
}
