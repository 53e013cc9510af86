//! `innocity index`: building composite indices and their sensitivity analysis.
use crate::args::IndexInputs;

/// `innocity index build`: every output is computed before anything is written, and the files
/// are written whole or not at all.
/// Reads and checks iMeta, iData and the pipeline; errors name the file, row and column.
pub(crate) fn read_index_inputs(
    i: &IndexInputs,
) -> Result<
    (innocity_core::index::Meta, innocity_core::index::Data, innocity_core::index::Pipeline),
    String,
> {
    use innocity_core::index;
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
    };
    let name = |p: &std::path::Path| p.display().to_string();
    let m = index::read_meta(&name(&i.meta), &read(&i.meta)?).map_err(|e| e.to_string())?;
    let d = index::read_data(&name(&i.data), &read(&i.data)?, &m).map_err(|e| e.to_string())?;
    let p =
        index::read_pipeline(&name(&i.pipeline), &read(&i.pipeline)?).map_err(|e| e.to_string())?;
    Ok((m, d, p))
}

pub(crate) fn index_build(inputs: &IndexInputs, out: &std::path::Path) -> Result<(), String> {
    use innocity_core::index;
    let clock = std::time::Instant::now();
    // INNOCITY_TIMINGS=1 prints where the time goes (for the benchmark).
    let timings = std::env::var_os("INNOCITY_TIMINGS").is_some();
    let lap = |what: &str| {
        if timings {
            eprintln!("index build: {what} after {:.3} s", clock.elapsed().as_secs_f64());
        }
    };
    let (m, d, p) = read_index_inputs(inputs)?;
    lap("read");
    let b =
        index::build(&m, &d, &p, &inputs.data.display().to_string()).map_err(|e| e.to_string())?;
    lap("built");
    let existed = out.exists();
    if existed
        && std::fs::read_dir(out).map_err(|e| format!("{}: {e}", out.display()))?.next().is_some()
    {
        return Err(format!("{}: the output folder exists and is not empty", out.display()));
    }
    let staging = out.with_extension("partial");
    let _ = std::fs::remove_dir_all(&staging);
    let mut names: Vec<String> = b.datasets.iter().map(|(n, _)| format!("{n}.csv")).collect();
    let result = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(&staging)?;
        // Each dataset is formatted and written by a thread of its own: hundreds of megabytes
        // for a large panel, and the disk works while the next file is formatted.
        std::thread::scope(|scope| -> std::io::Result<()> {
            let data = &d;
            let jobs: Vec<_> = b
                .datasets
                .iter()
                .zip(&names)
                .map(|((_, ds), n)| {
                    let path = staging.join(n);
                    scope.spawn(move || std::fs::write(path, index::dataset_csv(data, ds)))
                })
                .collect();
            if b.aggregated
                && let Some((_, ds)) = b.datasets.last()
            {
                std::fs::write(staging.join("results.csv"), index::results_csv(&m, &d, ds))?;
            }
            if let Some(t) = &b.treatment {
                std::fs::write(staging.join("treatment.csv"), index::treatment_csv(&d, t))?;
            }
            for j in jobs {
                j.join().map_err(|_| std::io::Error::other("a writer thread failed"))??;
            }
            Ok(())
        })?;
        if existed {
            for n in std::fs::read_dir(&staging)? {
                let n = n?.file_name();
                std::fs::rename(staging.join(&n), out.join(&n))?;
            }
            std::fs::remove_dir(&staging)
        } else {
            std::fs::rename(&staging, out)
        }
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(format!("{}: {e}", out.display()));
    }
    if b.aggregated {
        names.push("results.csv".into());
    }
    if b.treatment.is_some() {
        names.push("treatment.csv".into());
    }
    lap("written");
    println!("index built: {} files in {}", names.len(), out.display());
    Ok(())
}

/// `innocity index sensitivity`: the default uncertain assumptions, Saltelli design, N base samples.
pub(crate) fn index_sensitivity(
    inputs: &IndexInputs,
    n: usize,
    seed: u64,
    out: &std::path::Path,
) -> Result<(), String> {
    use innocity_core::index::{self, sensitivity};
    let (m, d, p) = read_index_inputs(inputs)?;
    let start = std::time::Instant::now();
    let s = sensitivity::analyse(&m, &d, &p, &sensitivity::default_assumptions(&p), n, seed)
        .map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut idx = String::from("assumption,first_order,total\n");
    for (a, f, t) in &s.indices {
        idx.push_str(&format!("{a},{},{}\n", index::fmt_num(Some(*f)), index::fmt_num(Some(*t))));
    }
    let mut ranks = String::from("uCode,nominal,median,q05,q95\n");
    for u in &s.units {
        ranks.push_str(&format!(
            "{},{},{},{},{}\n",
            u.code,
            u.nominal.map(|r| r.to_string()).unwrap_or_else(|| "NA".into()),
            u.median,
            u.q05,
            u.q95
        ));
    }
    std::fs::write(out.join("sobol.csv"), idx).map_err(|e| e.to_string())?;
    std::fs::write(out.join("rank_intervals.csv"), ranks).map_err(|e| e.to_string())?;
    println!("sensitivity: {} runs in {secs:.2} s", s.runs);
    Ok(())
}
