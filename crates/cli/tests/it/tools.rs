//! The command-line tools: composite indices, optimal assignment and expert affinity.
use crate::common::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

#[test]
fn index_build_writes_every_dataset_and_nothing_on_bad_input() {
    let asem = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../core/tests/coinr-asem");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = |data: &std::path::Path, out: &std::path::Path| {
        Command::new(BIN)
            .args(["index", "build", "--data"])
            .arg(data)
            .arg("--meta")
            .arg(asem.join("iMeta.csv"))
            .arg("--pipeline")
            .arg(asem.join("pipeline.toml"))
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    let o = run(&asem.join("iData.csv"), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Aggregated.csv",
            "Denominated.csv",
            "Imputed.csv",
            "Normalised.csv",
            "Screened.csv",
            "Treated.csv",
            "results.csv",
            "treatment.csv"
        ]
    );
    // The ranking is COINr's.
    let ranks = |text: &str| {
        text.lines()
            .skip(1)
            .map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                (c[0].to_string(), c[c.len() - 1].to_string())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ranks(&std::fs::read_to_string(out.join("results.csv")).unwrap()),
        ranks(&std::fs::read_to_string(asem.join("expected/results.csv")).unwrap())
    );
    // A non-numeric cell: a clear message, a failing status, no output folder.
    let text = std::fs::read_to_string(asem.join("iData.csv")).unwrap();
    let bad = dir.path().join("bad.csv");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let cells: Vec<&str> = lines[0].split(',').collect();
    let lpi = cells.iter().position(|h| *h == "LPI").unwrap();
    let mut row: Vec<String> = lines[4].split(',').map(String::from).collect();
    row[lpi] = "n/a".into();
    lines[4] = row.join(",");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let out2 = dir.path().join("out2");
    let o = run(&bad, &out2);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv, row 5, column LPI: 'n/a' is not a number"), "{err}");
    assert!(!out2.exists() && !dir.path().join("out2.partial").exists(), "no partial output");
}

#[test]
fn assign_follows_its_contract_exit_codes_and_all() {
    let dir = tempfile::tempdir().unwrap();
    let run = |json: &str| {
        let input = dir.path().join("instance.json");
        let output = dir.path().join("assignment.json");
        let _ = std::fs::remove_file(&output);
        std::fs::write(&input, json).unwrap();
        let o = Command::new(BIN)
            .args(["assign", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .output()
            .unwrap();
        let written = std::fs::read_to_string(&output)
            .ok()
            .map(|t| serde_json::from_str::<Value>(&t).unwrap());
        (o.status.code(), String::from_utf8_lossy(&o.stderr).to_string(), written)
    };
    // The contract's example shape: P1 needs 2 of E1..E3, E3 is in conflict, E2 is forced on P2.
    let ok = r#"{"items":[{"id":"P1","demand":2},{"id":"P2","demand":1}],
        "experts":[{"id":"E1","max_load":1},{"id":"E2","max_load":2},{"id":"E3","max_load":2,"min_load":0}],
        "scores":[{"item":"P1","expert":"E1","score":0.9},{"item":"P1","expert":"E2","score":0.5},{"item":"P1","expert":"E3","score":2.0},{"item":"P2","expert":"E1","score":0.7}],
        "conflicts":[{"item":"P1","expert":"E3","reason":"same organisation"}],
        "forced":[{"item":"P2","expert":"E2"}]}"#;
    let (code, _, out) = run(ok);
    assert_eq!(code, Some(0));
    let out = out.unwrap();
    assert_eq!(out["status"], "optimal");
    assert!((out["objective"].as_f64().unwrap() - 1.4).abs() < 1e-9, "{out}");
    let pairs: Vec<(String, String)> = out["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["item"].as_str().unwrap().into(), p["expert"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("P1".to_string(), "E1".to_string()),
            ("P1".into(), "E2".into()),
            ("P2".into(), "E2".into())
        ]
    );
    // Infeasible: exit 2 and the reason names the item.
    let (code, _, out) = run(
        r#"{"items":[{"id":"P9","demand":3}],"experts":[{"id":"E1","max_load":5},{"id":"E2","max_load":5},{"id":"E3","max_load":5}],"scores":[{"item":"P9","expert":"E1","score":1}]}"#,
    );
    assert_eq!(code, Some(2));
    let out = out.unwrap();
    assert_eq!(out["status"], "infeasible");
    assert!(out["reason"].as_str().unwrap().contains("item P9 has 1 eligible experts"), "{out}");
    // Malformed: exit 1, the entry named, nothing written.
    let (code, err, out) = run(
        r#"{"items":[{"id":"P1","demand":1}],"experts":[{"id":"E1","max_load":1},{"id":"E1","max_load":1}],"scores":[]}"#,
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("experts[1] \"E1\": duplicate expert id"), "{err}");
    assert!(out.is_none());
    let (code, err, _) = run(r#"{"items":[{"id":"P1","demand":"x"}]}"#);
    assert_eq!(code, Some(1));
    assert!(err.contains("line 1"), "{err}");
}

#[test]
fn assign_with_current_repairs_a_decline_moving_no_accepted_review() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let run = |input: &str, current: Option<&str>, output: &str| {
        let mut c = Command::new(BIN);
        c.args(["assign", "--input"]).arg(path(input)).arg("--output").arg(path(output));
        if let Some(cur) = current {
            c.arg("--current").arg(path(cur));
        }
        let o = c.output().unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stderr).to_string())
    };
    let instance = |conflicts: &str| {
        format!(
            r#"{{"items":[{{"id":"P1","demand":2}},{{"id":"P2","demand":1}}],
            "experts":[{{"id":"E1","max_load":1}},{{"id":"E2","max_load":1}},{{"id":"E3","max_load":1}},{{"id":"E4","max_load":1}},{{"id":"E5","max_load":1}}],
            "scores":[{{"item":"P1","expert":"E1","score":0.9}},{{"item":"P1","expert":"E2","score":0.8}},{{"item":"P1","expert":"E3","score":0.3}},{{"item":"P1","expert":"E5","score":0.05}},{{"item":"P2","expert":"E3","score":0.5}},{{"item":"P2","expert":"E4","score":0.45}}],
            "conflicts":[{conflicts}]}}"#
        )
    };
    std::fs::write(path("first.json"), instance("")).unwrap();
    assert_eq!(run("first.json", None, "first.out.json").0, Some(0));
    // P1 declines E1. From scratch the best would move P2 from E3 to E4 and give P1 E3 (1.55);
    // from the current pairs nobody accepted is moved: P1 takes E5 (1.35).
    std::fs::write(
        path("declined.json"),
        instance(r#"{"item":"P1","expert":"E1","reason":"declined"}"#),
    )
    .unwrap();
    assert_eq!(run("declined.json", Some("first.out.json"), "re.json").0, Some(0));
    let out: Value =
        serde_json::from_str(&std::fs::read_to_string(path("re.json")).unwrap()).unwrap();
    assert!((out["objective"].as_f64().unwrap() - 1.35).abs() < 1e-9, "{out}");
    assert_eq!(out["moved"], 0);
    let changes: Vec<(String, String, String, String)> = out["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap().to_string();
            (s("item"), s("expert"), s("change"), s("why"))
        })
        .collect();
    let want = |i: &str, e: &str, c: &str, w: &str| (i.into(), e.into(), c.into(), w.into());
    assert_eq!(
        changes,
        vec![want("P1", "E1", "removed", "conflict"), want("P1", "E5", "added", "replacement")]
    );
    assert_eq!(run("declined.json", None, "scratch.json").0, Some(0));
    let scratch: Value =
        serde_json::from_str(&std::fs::read_to_string(path("scratch.json")).unwrap()).unwrap();
    assert!((scratch["objective"].as_f64().unwrap() - 1.55).abs() < 1e-9, "{scratch}");
    // A current file naming an unknown expert: exit 1, the entry named, nothing written.
    std::fs::write(path("bad.json"), r#"{"pairs":[{"item":"P1","expert":"E9"}]}"#).unwrap();
    let (code, err) = run("declined.json", Some("bad.json"), "never.json");
    assert_eq!(code, Some(1));
    assert!(err.contains("bad.json: pairs[0]: unknown expert \"E9\""), "{err}");
    assert!(!path("never.json").exists());
}

#[test]
fn assign_with_panels_proves_its_panels_optimal_and_names_a_bad_rules_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let run = |rules: &str| {
        let o = Command::new(BIN)
            .args(["assign", "--input"])
            .arg(path("instance.json"))
            .arg("--panels")
            .arg(path(rules))
            .arg("--output")
            .arg(path("out.json"))
            .output()
            .unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stderr).to_string())
    };
    // Two items of three: the best three per item are all from U1, one per organisation is
    // allowed and every panel needs a finance expert (only F1 and F2 are).
    std::fs::write(
        path("instance.json"),
        r#"{"items":[{"id":"P1","demand":3},{"id":"P2","demand":3}],
        "experts":[{"id":"A","max_load":2},{"id":"B","max_load":2},{"id":"C","max_load":2},{"id":"D","max_load":2},{"id":"F1","max_load":1},{"id":"F2","max_load":1}],
        "scores":[{"item":"P1","expert":"A","score":0.9},{"item":"P1","expert":"B","score":0.8},{"item":"P1","expert":"C","score":0.7},{"item":"P1","expert":"D","score":0.3},{"item":"P1","expert":"F1","score":0.2},{"item":"P1","expert":"F2","score":0.1},
                  {"item":"P2","expert":"A","score":0.9},{"item":"P2","expert":"B","score":0.8},{"item":"P2","expert":"C","score":0.6},{"item":"P2","expert":"D","score":0.5},{"item":"P2","expert":"F1","score":0.4},{"item":"P2","expert":"F2","score":0.3}]}"#,
    )
    .unwrap();
    std::fs::write(
        path("rules.json"),
        r#"{"composition":{"max_per_org":1,"min_groups":[{"group":"finance","min":1}]},
        "members":{"A":{"org":"U1"},"B":{"org":"U1"},"C":{"org":"U2"},"D":{"org":"U3"},
                   "F1":{"org":"U4","groups":["finance"]},"F2":{"org":"U5","groups":["finance"]}}}"#,
    )
    .unwrap();
    assert_eq!(run("rules.json").0, Some(0));
    let out: Value =
        serde_json::from_str(&std::fs::read_to_string(path("out.json")).unwrap()).unwrap();
    assert_eq!((out["gap"].as_f64(), out["proven"].as_bool()), (Some(0.0), Some(true)), "{out}");
    // Every panel: one of A/B, C, and a finance expert; by brute force the best is
    // P1 {A, C, F1} 1.8 + P2 {A, C, F2} 1.8 = 3.6, against P1 {A, C, F2} + P2 {A, C, F1} = 3.6 too.
    assert!((out["objective"].as_f64().unwrap() - 3.6).abs() < 1e-9, "{out}");
    std::fs::write(path("bad.json"), r#"{"composition":{"max_per_org":"one"}}"#).unwrap();
    let _ = std::fs::remove_file(path("out.json"));
    let (code, err) = run("bad.json");
    assert_eq!(code, Some(1));
    assert!(err.contains("bad.json: line 1"), "{err}");
    assert!(!path("out.json").exists());
}

#[test]
fn affinity_ranks_experts_by_their_writing_and_feeds_assign() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("experts.csv"), "id,fields,text\nE1,0805,稀土永磁材料制备；钕铁硼磁体晶界扩散\nE2,1002,中药复方治疗慢性胃炎临床疗效\nE3,0811,风电机组变桨控制\n").unwrap();
    std::fs::write(dir.path().join("items.csv"), "id,fields,text\nP1,0805,钕铁硼稀土永磁材料晶界扩散技术\nP2,1002,慢性胃炎中药复方疗效评价\n").unwrap();
    let inst = dir.path().join("instance.json");
    let o = Command::new(BIN)
        .args(["affinity", "--top", "2", "--demand", "1", "--max-load", "1", "--experts"])
        .arg(dir.path().join("experts.csv"))
        .arg("--items")
        .arg(dir.path().join("items.csv"))
        .arg("--output")
        .arg(&inst)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("assignment.json");
    let o = Command::new(BIN)
        .args(["assign", "--input"])
        .arg(&inst)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let a: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let pairs: Vec<(String, String)> = a["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["item"].as_str().unwrap().into(), p["expert"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        pairs,
        vec![("P1".to_string(), "E1".to_string()), ("P2".into(), "E2".into())],
        "each proposal goes to the expert who writes about it"
    );
}

#[test]
fn qualify_reads_the_contracts_file_and_writes_nothing_when_it_is_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let run = |rules: &str, body: &str| {
        let input = dir.path().join(format!("{rules}-in.json"));
        let output = dir.path().join(format!("{rules}-out.json"));
        let _ = std::fs::remove_file(&output);
        std::fs::write(&input, body).unwrap();
        let o = Command::new(BIN)
            .args(["qualify", rules, "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .output()
            .unwrap();
        let written = std::fs::read_to_string(&output).ok();
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned(), written)
    };
    let sme = r#"{"enterprises": [{"id": "e1", "resident_mainland": true, "employees": 80,
        "tech_staff": 7, "sales": 1200, "total_assets": 800, "rd_expense": 36,
        "cost_expense": 1000, "ip_class1": 0, "ip_class2": 2, "prohibited_industry": false,
        "bad_record": false, "hnte_valid": false, "national_award_top3_5y": false,
        "provincial_rd_institution": false, "led_standard_5y": false}]}"#;
    let (code, stderr, written) = run("sme", sme);
    assert_eq!(code, Some(0), "{stderr}");
    let out: Value = serde_json::from_str(&written.unwrap()).unwrap();
    assert_eq!(out["results"][0]["score"], 32);
    assert_eq!(out["results"][0]["failed"][1], "no_tech_staff_points");

    let (code, stderr, written) =
        run("sme", &sme.replace("\"tech_staff\": 7", "\"tech_staff\": 81"));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("enterprises[0].tech_staff"), "{stderr}");
    assert!(written.is_none(), "a malformed file writes no output");

    let hnte = r#"{"enterprises": [{"id": "h1", "registered_on": "2023-05-01",
        "apply_on": "2026-06-30", "core_ip": true, "key_field": true, "employees": 200,
        "tech_staff": 25, "sales": [3000, 4000, 4500], "net_assets": [2000, 2500, 3100],
        "rd": [200, 230, 260], "rd_domestic": [190, 220, 250], "hitech_revenue": 3000,
        "total_revenue": 4600, "serious_violation": false, "ip_points": 24,
        "conversion_points": 22, "organisation_points": 16}]}"#;
    let (code, stderr, written) = run("hnte", hnte);
    assert_eq!(code, Some(0), "{stderr}");
    let out: Value = serde_json::from_str(&written.unwrap()).unwrap();
    assert_eq!(out["results"][0]["verdict"], "pass");
    assert_eq!(out["results"][0]["score"], serde_json::json!([72, 74]));
    let (code, stderr, written) =
        run("hnte", &hnte.replace("[3000, 4000, 4500]", "[3000, 4000, -1]"));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("enterprises[0].sales[2]"), "{stderr}");
    assert!(written.is_none());
    let (code, _, written) = run("hnte", "not json");
    assert_eq!((code, written), (Some(1), None));
}
