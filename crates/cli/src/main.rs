//! `innocity`: the platform's one binary.
mod args;
mod evaluation;
mod experts;
mod index;
mod indicators;
mod market;
mod ops;
mod seed;
mod server;
mod settings;
mod stats;
mod subjects;
mod users;

use args::{AuditCommand, Cli, Command, IndexCommand, IndicatorsCommand, MarketCommand};
use clap::Parser;
use innocity_store::{Db, db::redact_url, migrate};
use std::process::ExitCode;

/// mimalloc: under load the server spends a quarter of its time in glibc's malloc and its locks.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Assign { input, output, current, panels, .. } = &cli.command {
        if let Some(panels) = panels {
            return experts::assign_panels(input, output, panels);
        }
        return experts::assign(input, output, current.as_deref());
    }
    if let Command::BenchEvaluation { units, quantitative, qualitative, evaluators, runs, pdf } =
        &cli.command
    {
        let size = evaluation::Size {
            units: *units,
            quantitative: *quantitative,
            qualitative: *qualitative,
            evaluators: *evaluators,
            runs: *runs,
        };
        return match evaluation::bench(&size, pdf) {
            Ok(m) => {
                println!(
                    "campaign {units} units in {:.2} s; bulletin in {:.2} s",
                    m.campaign_s, m.report_s
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("错误 / error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Command::Qualify { rules, input, output } = &cli.command {
        return subjects::qualify(*rules, input, output);
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 / error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the database (with the platform's clock, in the configured time zone) and migrates it.
async fn connect(url: &str) -> Result<Db, String> {
    let clock = settings::settings()?.clock()?;
    let mut db =
        Db::connect(url).await.map_err(|e| format!("cannot open {}: {e}", redact_url(url)))?;
    db.clock = clock;
    migrate::run(&db).await.map_err(|e| format!("migrations failed: {e}"))?;
    Ok(db)
}

async fn run(cli: Cli) -> Result<(), String> {
    let s = settings::settings()?;
    let url = cli.database.clone().unwrap_or(s.database_url.clone());
    match cli.command {
        Command::Serve { listen } => {
            settings::init_logs(&s.log_format);
            let db = connect(&url).await?;
            server::serve(db, &listen.unwrap_or(s.listen.clone()), &s).await
        }
        Command::Demo { listen, organisations, no_serve, audit_entries, no_stats } => {
            seed::demo_command(&url, &s, listen, organisations, no_serve, audit_entries, no_stats)
                .await
        }
        Command::BenchSeed { applicants, applications, out } => {
            seed::bench_seed(&url, applicants, applications, &out).await
        }
        Command::BenchSeedSharing { instruments, vouchers, out } => {
            seed::bench_seed_sharing(&url, instruments, vouchers, &out).await
        }
        Command::BenchSeedFinance { organisations, out } => {
            seed::bench_seed_finance(&url, organisations, &out).await
        }
        Command::BenchSeedFund { enterprises, loans, out } => {
            seed::bench_seed_fund(&url, enterprises, loans, &out).await
        }
        Command::Migrate => {
            let mut db = Db::connect(&url).await.map_err(|e| e.to_string())?;
            db.clock = s.clock()?;
            let applied = migrate::run(&db).await.map_err(|e| e.to_string())?;
            println!("migrations applied: {applied:?}");
            Ok(())
        }
        Command::Backup { output, allow_missing_files } => {
            ops::backup_command(&url, &s, &output, allow_missing_files).await
        }
        Command::Restore { input } => ops::restore_command(&url, &s, &input).await,
        Command::Stats { command } => stats::stats_command(&url, command).await,
        Command::Market { command: MarketCommand::Import { input, owner } } => {
            market::import(&url, &input, &owner).await
        }
        Command::Market { command: MarketCommand::Relevance { input, every } } => {
            market::relevance(&input, every)
        }
        // Handled in main: its exit status says optimal, infeasible or malformed.
        Command::Assign { .. } | Command::Qualify { .. } | Command::BenchEvaluation { .. } => {
            Ok(())
        }
        Command::Affinity { experts, items, top, demand, max_load, output } => {
            experts::affinity(&experts, &items, top, demand, max_load, &output)
        }
        Command::Indicators {
            command: IndicatorsCommand::Compute { definitions, values, output },
        } => indicators::indicators_compute(&definitions, &values, &output),
        Command::Indicators {
            command: IndicatorsCommand::HalfYearReport { framework, period, pdf },
        } => {
            let db = connect(&url).await?;
            indicators::half_year_report(&db, &framework, &period, &pdf).await
        }
        Command::Index { command: IndexCommand::Build { inputs, out } } => {
            index::index_build(&inputs, &out)
        }
        Command::Index { command: IndexCommand::Sensitivity { inputs, n, seed, out } } => {
            index::index_sensitivity(&inputs, n, seed, &out)
        }
        Command::Audit { command: AuditCommand::Verify } => ops::audit_verify(&url, &s).await,
        Command::Audit { command: AuditCommand::Checkpoint } => {
            let db = connect(&url).await?;
            ops::checkpoint(&db, &s).await
        }
        Command::User { command } => users::user_command(&url, command).await,
    }
}
