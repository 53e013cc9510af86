//! `innocity stats`: bulk import, totals, export.
use crate::args::StatsCommand;
use crate::connect;
use innocity_core::periods::Period;
use innocity_core::stats::Catalogue;
use innocity_store::{Db, stats};

/// A progress bar on stderr: redrawn in place on a terminal, every 10 % otherwise.
fn progress_bar(label: &'static str) -> impl Fn(usize, usize) {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let last = std::sync::atomic::AtomicUsize::new(usize::MAX);
    move |done: usize, total: usize| {
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        let step = if tty { pct } else { pct / 10 * 10 };
        if last.swap(step, std::sync::atomic::Ordering::Relaxed) == step {
            return;
        }
        let bar: String = (0..30).map(|i| if i * 100 < pct * 30 { '█' } else { '░' }).collect();
        if tty {
            eprint!("\r{label} {bar} {pct:>3}% ({done}/{total})");
            if done == total {
                eprintln!();
            }
        } else {
            eprintln!("{label} {bar} {pct:>3}% ({done}/{total})");
        }
    }
}

pub(crate) async fn stats_command(url: &str, command: StatsCommand) -> Result<(), String> {
    let db = connect(url).await?;
    let cat = stats::catalogue(&db).await.map_err(|e| e.to_string())?;
    match command {
        StatsCommand::Import { form, period, file } => {
            import(&db, &cat, &form, &period, &file).await
        }
        StatsCommand::Aggregate { form, period, include_drafts, output } => {
            aggregate(&db, &form, &period, include_drafts, output).await
        }
        StatsCommand::Export { form, period, output } => export(&db, &form, &period, &output).await,
    }
}

/// `innocity stats import`: long-format values for many organisations in one transaction.
async fn import(
    db: &Db,
    cat: &Catalogue,
    form: &str,
    period: &str,
    file: &std::path::Path,
) -> Result<(), String> {
    let f = cat.form(form).ok_or_else(|| format!("没有报表 / unknown form '{form}'"))?;
    let p = Period::parse(period).map_err(|e| e.to_string())?;
    if !f.fits(p) {
        return Err(format!("'{period}' is not a period of form {form}"));
    }
    let name = file.display().to_string();
    let start = std::time::Instant::now();
    let bytes = std::fs::read(file).map_err(|e| format!("{name}: {e}"))?;
    let show = |errors: &[innocity_core::stats::long::PlaceError]| {
        errors
            .iter()
            .map(|e| innocity_web::stats::place_text(innocity_web::i18n::Lang::Zh, &name, e))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let raws = innocity_core::stats::long::parse_csv(&bytes).map_err(|e| show(&e))?;
    let parsed = start.elapsed().as_secs_f64();
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "cli", request_id: "cli" };
    let bar = progress_bar("导入 import");
    let report =
        stats::import_long(db, cat, form, p, &raws, actor, &bar).await.map_err(|e| match e {
            stats::ImportError::File(errors) => show(&errors),
            stats::ImportError::Store(e) => e.to_string(),
        })?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "imported {} returns, {} values ({} changed) in {secs:.2} s (reading and parsing {parsed:.2} s); rules: {} errors, {} warnings",
        report.returns, report.values, report.changed, report.errors, report.warnings
    );
    for (org, rule) in report.failing.iter().take(10) {
        println!("  {org}: {rule}");
    }
    Ok(())
}

/// `innocity stats aggregate`: totals for every org unit and disaggregation, as CSV.
async fn aggregate(
    db: &Db,
    form: &str,
    period: &str,
    include_drafts: bool,
    output: Option<std::path::PathBuf>,
) -> Result<(), String> {
    use innocity_core::stats::status::Status;
    let mut states = vec![Status::Submitted, Status::Approved, Status::Locked];
    if include_drafts {
        states.extend([Status::Draft, Status::Returned]);
    }
    let start = std::time::Instant::now();
    let totals = stats::totals(db, form, period, &states).await.map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    let units = innocity_store::orgs::units(db).await.map_err(|e| e.to_string())?;
    let mut out = String::from("unit,unit_name,element,disaggregation,sum,count\n");
    let mut rows: Vec<_> = totals.rollup.iter().collect();
    rows.sort_by_key(|((u, i), _)| (*u, *i));
    for ((unit, i), acc) in &rows {
        let (e, d) = &totals.series[*i as usize];
        let name = units.iter().find(|x| x.id == *unit).map(|x| x.name_zh.as_str()).unwrap_or("");
        out.push_str(&format!(
            "{unit},{name},{e},{d},{},{}\n",
            innocity_core::stats::values::format_plain(acc.sum),
            acc.count
        ));
    }
    match output {
        Some(path) => std::fs::write(&path, out).map_err(|e| format!("{}: {e}", path.display()))?,
        None => print!("{out}"),
    }
    eprintln!("aggregated {} returns into {} totals in {secs:.3} s", totals.returns, rows.len());
    Ok(())
}

/// `innocity stats export`: every value of a form and period as long CSV.
async fn export(db: &Db, form: &str, period: &str, output: &std::path::Path) -> Result<(), String> {
    let file = std::fs::File::create(output).map_err(|e| format!("{}: {e}", output.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let n = stats::export_long(db, form, period, &mut w).await.map_err(|e| e.to_string())?;
    use std::io::Write;
    w.flush().map_err(|e| e.to_string())?;
    println!("exported {n} values to {}", output.display());
    Ok(())
}
