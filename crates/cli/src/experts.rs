//! `innocity assign` and `innocity affinity`: reviewer assignment and affinities.
use std::path::Path;
use std::process::ExitCode;

/// `innocity assign`: exit 0 with an optimal assignment, 2 when infeasible (with the reason),
/// 1 on malformed input (naming the entry, nothing written). With `current`, a re-assignment
/// from that earlier assignment (fewest accepted reviews moved, then the best score).
pub(crate) fn assign(input: &Path, output: &Path, current: Option<&Path>) -> ExitCode {
    use innocity_core::assign::json::{self, ReadError};
    use innocity_core::assign::{network, repair};
    let start = std::time::Instant::now();
    let fail = |code: u8, message: String| {
        eprintln!("错误 / error: {message}");
        ExitCode::from(code)
    };
    let read_error = |path: &Path, e: ReadError| match e {
        ReadError::Syntax { line, column, message } => {
            format!("{}: line {line}, column {column}: {message}", path.display())
        }
        ReadError::Input(e) => format!("{}: {e}", path.display()),
    };
    let text = match std::fs::read_to_string(input) {
        Ok(t) => t,
        Err(e) => return fail(1, format!("{}: {e}", input.display())),
    };
    let problem = match json::read(&text) {
        Ok(p) => p,
        Err(e) => return fail(1, read_error(input, e)),
    };
    let earlier = match current.map(|path| (path, std::fs::read_to_string(path))) {
        None => None,
        Some((path, Err(e))) => return fail(1, format!("{}: {e}", path.display())),
        Some((path, Ok(t))) => match json::read_current(&t, &problem) {
            Ok(pairs) => Some(pairs),
            Err(e) => return fail(1, read_error(path, e)),
        },
    };
    let read = start.elapsed().as_secs_f64();
    let (bytes, outcome) = match earlier {
        None => {
            let result = network::solve(&problem, None);
            let summary = result
                .as_ref()
                .map(|s| format!("{} pairs, objective {}", s.pairs.len(), s.objective));
            (json::write(&problem, &result), summary.map_err(Clone::clone))
        }
        Some(pairs) => {
            let result = repair::reassign(&problem, None, &pairs);
            let summary = result.as_ref().map(|r| {
                format!(
                    "{} pairs, objective {}, {} changes, {} accepted reviews moved",
                    r.solved.pairs.len(),
                    r.solved.objective,
                    r.changes.len(),
                    r.moved
                )
            });
            (json::write_repaired(&problem, &result), summary.map_err(Clone::clone))
        }
    };
    let solved = start.elapsed().as_secs_f64() - read;
    if let Err(e) = std::fs::write(output, bytes) {
        return fail(1, format!("{}: {e}", output.display()));
    }
    let secs = start.elapsed().as_secs_f64();
    match outcome {
        Ok(summary) => {
            println!("optimal: {summary} (read {read:.3} s, solved {solved:.3} s) in {secs:.3} s");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("infeasible: {reason}");
            ExitCode::from(2)
        }
    }
}

/// The `--panels` file: the rules and each expert's organisation and groups.
#[derive(serde::Deserialize)]
struct PanelsFile {
    composition: innocity_core::experts::panel::Composition,
    #[serde(default)]
    members: std::collections::HashMap<String, MemberRow>,
}

#[derive(serde::Deserialize)]
struct MemberRow {
    #[serde(default)]
    org: String,
    #[serde(default)]
    groups: Vec<String>,
}

/// `innocity assign --panels`: the assignment under panel rules, with its gap (0: proven
/// optimal) and the search's nodes; exit codes as `assign`.
pub(crate) fn assign_panels(input: &Path, output: &Path, panels: &Path) -> ExitCode {
    use innocity_core::assign::{Instance, Outcome};
    use innocity_core::experts::panel::{self, Member};
    let start = std::time::Instant::now();
    let fail = |code: u8, message: String| {
        eprintln!("错误 / error: {message}");
        ExitCode::from(code)
    };
    let read =
        |path: &Path| std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()));
    let parse = |path: &Path, e: serde_json::Error| {
        format!("{}: line {}, column {}: {e}", path.display(), e.line(), e.column())
    };
    let inst: Instance =
        match read(input).and_then(|t| serde_json::from_str(&t).map_err(|e| parse(input, e))) {
            Ok(i) => i,
            Err(e) => return fail(1, e),
        };
    let rules: PanelsFile =
        match read(panels).and_then(|t| serde_json::from_str(&t).map_err(|e| parse(panels, e))) {
            Ok(r) => r,
            Err(e) => return fail(1, e),
        };
    let members = rules
        .members
        .into_iter()
        .map(|(id, m)| (id, Member { org: m.org, groups: m.groups.into_iter().collect() }))
        .collect();
    let out = match panel::assign_panels(&inst, &members, &rules.composition) {
        Ok(o) => o,
        Err(e) => return fail(1, format!("{}: {e}", input.display())),
    };
    let (json, code) = match &out.outcome {
        Outcome::Optimal { objective, pairs } => (
            serde_json::json!({ "status": "optimal", "objective": objective, "pairs": pairs, "gap": out.gap, "proven": out.gap == 0.0, "nodes": out.nodes }),
            0,
        ),
        Outcome::Infeasible(reason) => {
            (serde_json::json!({ "status": "infeasible", "reason": reason }), 2)
        }
    };
    if let Err(e) = std::fs::write(output, json.to_string()) {
        return fail(1, format!("{}: {e}", output.display()));
    }
    match out.outcome {
        Outcome::Optimal { objective, pairs } => println!(
            "optimal: {} pairs, objective {objective}, gap {}, {} nodes in {:.3} s",
            pairs.len(),
            out.gap,
            out.nodes,
            start.elapsed().as_secs_f64()
        ),
        Outcome::Infeasible(reason) => eprintln!("infeasible: {reason}"),
    }
    ExitCode::from(code)
}

/// `innocity affinity`: each item's top experts by BM25 and field, as an `assign` instance.
pub(crate) fn affinity(
    experts: &std::path::Path,
    items: &std::path::Path,
    top: usize,
    demand: i64,
    max_load: i64,
    output: &std::path::Path,
) -> Result<(), String> {
    use innocity_core::affinity;
    let read = |p: &std::path::Path| -> Result<Vec<affinity::Doc>, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
        affinity::read_docs(&text).map_err(|e| format!("{}: {e}", p.display()))
    };
    let (ex, it) = (read(experts)?, read(items)?);
    let start = std::time::Instant::now();
    let tok = affinity::Tokenizer::default();
    let scores = affinity::affinities(&tok, &it, &ex, top, 0.5);
    let secs = start.elapsed().as_secs_f64();
    let json = serde_json::json!({
        "items": it.iter().map(|d| serde_json::json!({ "id": d.id, "demand": demand })).collect::<Vec<_>>(),
        "experts": ex.iter().map(|d| serde_json::json!({ "id": d.id, "max_load": max_load, "min_load": 0 })).collect::<Vec<_>>(),
        "scores": scores.iter().map(|(i, e, s)| serde_json::json!({ "item": it[*i].id, "expert": ex[*e].id, "score": (*s as f64 * 1e4).round() / 1e4 })).collect::<Vec<_>>(),
        "conflicts": [],
        "forced": [],
    });
    std::fs::write(output, json.to_string()).map_err(|e| format!("{}: {e}", output.display()))?;
    println!(
        "affinities: {} items × {} experts, {} scores kept in {secs:.2} s",
        it.len(),
        ex.len(),
        scores.len()
    );
    Ok(())
}
