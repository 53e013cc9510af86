//! `innocity`: the platform's one binary.
use clap::{Parser, Subcommand};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use innocity_core::access::Role;
use innocity_demo as demo;
use innocity_store::{Db, anchor, audit, backup, db::redact_url, migrate, users};
use innocity_web::{AppState, WebConfig, router};
use serde::{Deserialize, Serialize};
use std::process::ExitCode;

/// mimalloc: under load the server spends a quarter of its time in glibc's malloc and its locks.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_DB: &str = "sqlite://./data/innocity.db";

#[derive(Parser)]
#[command(
    name = "innocity",
    version,
    about = "创新型城市科技管理与服务平台 / innovative-city S&T management and service platform"
)]
struct Cli {
    /// Database URL: sqlite://FILE (default ./data/innocity.db) or postgres://...
    #[arg(long, global = true, env = "INNOCITY_DATABASE_URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// The three inputs of every index command.
#[derive(clap::Args)]
struct IndexInputs {
    #[arg(long)]
    data: std::path::PathBuf,
    #[arg(long)]
    meta: std::path::PathBuf,
    #[arg(long)]
    pipeline: std::path::PathBuf,
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Build an index: denominate, impute, screen, treat, normalise, aggregate; one CSV per dataset.
    Build {
        #[command(flatten)]
        inputs: IndexInputs,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Uncertainty and sensitivity analysis (Monte Carlo, Sobol indices, rank intervals).
    Sensitivity {
        #[command(flatten)]
        inputs: IndexInputs,
        /// Base samples: N·(k+2) runs for k assumptions.
        #[arg(long, default_value_t = 1000)]
        n: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum IndicatorsCommand {
    /// Compute every indicator for every unit and period.
    Compute {
        #[arg(long)]
        definitions: std::path::PathBuf,
        #[arg(long)]
        values: std::path::PathBuf,
        #[arg(long)]
        output: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum StatsCommand {
    /// Import long-format CSV values (element, disaggregation, period, org, value[, row]) for many
    /// organisations in one transaction, validating every return.
    Import {
        #[arg(long)]
        form: String,
        #[arg(long)]
        period: String,
        file: std::path::PathBuf,
    },
    /// Totals of a form and period for every org unit and disaggregation (CSV on stdout or a file).
    Aggregate {
        #[arg(long)]
        form: String,
        #[arg(long)]
        period: String,
        /// Count drafts too (default: submitted, approved, locked).
        #[arg(long)]
        include_drafts: bool,
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Every value of a form and period, with its organisation and unit path, as CSV.
    Export {
        #[arg(long)]
        form: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        output: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Data for bench/submit.sh: demo organisations, an open call, applicants with API tokens and
    /// drafts (written as JSON to --out), and many applications for the board.
    #[command(hide = true)]
    BenchSeed {
        #[arg(long, default_value_t = 2000)]
        applicants: usize,
        #[arg(long, default_value_t = 100_000)]
        applications: usize,
        #[arg(long)]
        out: String,
    },
    /// Serve the platform.
    Serve {
        #[arg(long)]
        listen: Option<String>,
    },
    /// Create a fresh demo database (pilot-zone hierarchy, organisations, one account per role) and serve it.
    Demo {
        #[arg(long)]
        listen: Option<String>,
        /// Number of organisations to generate.
        #[arg(long, default_value_t = 300)]
        organisations: u64,
        /// Only create the data, do not serve.
        #[arg(long)]
        no_serve: bool,
        /// Also append this many synthetic audit entries (for benchmarks).
        #[arg(long, default_value_t = 0, hide = true)]
        audit_entries: u64,
        /// No statistical returns (for benchmarks that import their own).
        #[arg(long)]
        no_stats: bool,
    },
    /// Composite indices (COINr-conformant): see shared/contracts/composite-index.md.
    Index {
        #[command(subcommand)]
        command: IndexCommand,
    },
    /// Optimal reviewer assignment (see shared/contracts/assignment.md).
    Assign {
        #[arg(long)]
        input: std::path::PathBuf,
        #[arg(long)]
        output: std::path::PathBuf,
        /// Accepted for reproducible runs; the optimum does not depend on it.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Reviewer affinities (BM25 over jieba words, field bonus): an assignment instance of each
    /// item's top experts.
    Affinity {
        /// CSV: id, fields (;-separated), text (fields, keywords, publications).
        #[arg(long)]
        experts: std::path::PathBuf,
        /// CSV: id, fields, text (the proposal).
        #[arg(long)]
        items: std::path::PathBuf,
        #[arg(long, default_value_t = 200)]
        top: usize,
        #[arg(long, default_value_t = 5)]
        demand: i64,
        #[arg(long, default_value_t = 15)]
        max_load: i64,
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Indicators computed from element values (formulas in TOML, values in long CSV).
    Indicators {
        #[command(subcommand)]
        command: IndicatorsCommand,
    },
    /// Statistics: bulk import, totals, export.
    Stats {
        #[command(subcommand)]
        command: StatsCommand,
    },
    /// Apply database migrations.
    Migrate,
    /// Write a backup of the whole platform: a consistent snapshot of the database and every
    /// stored file it points at, in one file only its owner may read (safe while the server runs).
    Backup {
        #[arg(long)]
        output: std::path::PathBuf,
        /// Write the backup even when files the database points at are missing (they are named).
        #[arg(long)]
        allow_missing_files: bool,
    },
    /// Restore a backup (database and files) into an empty database.
    Restore {
        #[arg(long)]
        input: std::path::PathBuf,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain (names the first edited or deleted entry), then every checkpoint
    /// against it (names the first that no longer matches: a rewritten chain).
    Verify,
    /// Anchor the chain's head: append an HMAC checkpoint (key outside the database) to the
    /// checkpoint file. The server writes one daily, and every backup one.
    Checkpoint,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// system_admin, bureau_staff, zone_admin, org_admin, org_member, expert, service_provider, public
        #[arg(long)]
        role: String,
        /// Password (or INNOCITY_NEW_PASSWORD); at least 10 characters with letters and digits.
        #[arg(long, env = "INNOCITY_NEW_PASSWORD", hide_env_values = true)]
        password: String,
        /// Org unit code (zone admins).
        #[arg(long)]
        unit: Option<String>,
        /// Organisation credit code (organisation admins, members, service providers).
        #[arg(long)]
        organisation: Option<String>,
    },
}

/// Settings from defaults, then `innocity.toml`, then `INNOCITY_*` variables.
#[derive(Debug, Serialize, Deserialize)]
struct Settings {
    database_url: String,
    listen: String,
    secure_cookies: bool,
    log_format: String,
    max_body_bytes: usize,
    max_upload_bytes: usize,
    request_timeout_secs: u64,
    /// Open connections at once (more wait to be accepted).
    max_connections: usize,
    /// The bearer token `/metrics` answers (else only clients on this machine).
    metrics_token: Option<String>,
    /// Seconds a client has to send a request's headers.
    header_timeout_secs: u64,
    files_dir: String,
    /// A proxy of ours is in front: take the client's address from `X-Forwarded-For`.
    behind_proxy: bool,
    /// The audit checkpoints' key (at least 32 characters); the key file otherwise.
    audit_key: Option<String>,
    audit_key_file: String,
    audit_checkpoints: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: DEFAULT_DB.into(),
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
            log_format: "text".into(),
            max_body_bytes: 1 << 20,
            max_upload_bytes: 10 << 20,
            request_timeout_secs: 30,
            max_connections: 1024,
            metrics_token: None,
            header_timeout_secs: 10,
            files_dir: "data/files".into(),
            behind_proxy: false,
            audit_key: None,
            audit_key_file: "data/audit.key".into(),
            audit_checkpoints: "data/audit-checkpoints.log".into(),
        }
    }
}

impl Settings {
    fn anchor(&self) -> anchor::Config {
        anchor::Config {
            key: self.audit_key.clone(),
            key_file: self.audit_key_file.clone().into(),
            checkpoints: self.audit_checkpoints.clone().into(),
        }
    }
}

fn settings() -> Result<Settings, String> {
    Figment::from(Serialized::defaults(Settings::default()))
        .merge(Toml::file("innocity.toml"))
        .merge(Env::prefixed("INNOCITY_"))
        .extract()
        .map_err(|e| format!("configuration: {e}"))
}

fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("INNOCITY_LOG")
        .unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Assign { input, output, .. } = &cli.command {
        return assign(input, output);
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 / error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn connect(url: &str) -> Result<Db, String> {
    let db = Db::connect(url).await.map_err(|e| format!("cannot open {}: {e}", redact_url(url)))?;
    migrate::run(&db).await.map_err(|e| format!("migrations failed: {e}"))?;
    Ok(db)
}

async fn run(cli: Cli) -> Result<(), String> {
    let s = settings()?;
    let url = cli.database.clone().unwrap_or(s.database_url.clone());
    match cli.command {
        Command::Serve { listen } => {
            init_logs(&s.log_format);
            let db = connect(&url).await?;
            serve(db, &listen.unwrap_or(s.listen.clone()), &s).await
        }
        Command::Demo { listen, organisations, no_serve, audit_entries, no_stats } => {
            init_logs(&s.log_format);
            fresh_sqlite(&url)?;
            let db = connect(&url).await?;
            let csl = find_csl();
            let summary = demo::seed(&db, organisations, csl.as_deref())
                .await
                .map_err(|e| format!("demo data: {e}"))?;
            let stats = if no_stats {
                demo::StatsSummary::default()
            } else {
                let s = demo::seed_stats(&db, csl.as_deref())
                    .await
                    .map_err(|e| format!("demo statistics: {e}"))?;
                demo::approve_demo_periods(&db)
                    .await
                    .map_err(|e| format!("demo approvals: {e}"))?;
                demo::seed_indicators(&db).await.map_err(|e| format!("demo indicators: {e}"))?;
                let x =
                    demo::experts::seed_experts(&db, csl.as_deref().unwrap_or(demo::experts::CSL))
                        .await
                        .map_err(|e| format!("demo experts: {e}"))?;
                println!(
                    "专家库 / experts: {} 位专家 experts, {} 项申报 proposals, {} 份评审意见 reviews",
                    x.experts, x.proposals, x.reviews
                );
                let pj = demo::projects::seed_projects(
                    &db,
                    csl.as_deref().unwrap_or(demo::experts::CSL),
                )
                .await
                .map_err(|e| format!("demo projects: {e}"))?;
                println!(
                    "科技计划 / projects: {} 个申报通知 calls, {} 项申报 applications, {} 项已立项 established",
                    pj.calls, pj.applications, pj.established
                );
                s
            };
            if audit_entries > 0 {
                audit::append_synthetic(&db, audit_entries).await.map_err(|e| e.to_string())?;
            }
            println!(
                "演示数据已创建 / demo data created: {} 个区域单位 units, {} 家单位 organisations, {} 份统计报表 returns ({} 个数据 values) ({})",
                summary.units,
                summary.organisations,
                stats.returns,
                stats.values,
                redact_url(&url)
            );
            println!("演示账号 / demo accounts (密码 password: {}):", demo::DEMO_PASSWORD);
            for (user, _, role) in &summary.accounts {
                println!("  {user:<10} {role}");
            }
            if no_serve {
                return Ok(());
            }
            serve(db, &listen.unwrap_or(s.listen.clone()), &s).await
        }
        Command::BenchSeed { applicants, applications, out } => {
            fresh_sqlite(&url)?;
            let db = connect(&url).await?;
            demo::seed(&db, 300, None).await.map_err(|e| format!("demo data: {e}"))?;
            let list = demo::projects::seed_submit_bench(&db, applicants, applications)
                .await
                .map_err(|e| format!("bench data: {e}"))?;
            let bureau: i64 = db
                .query_one("SELECT id FROM users WHERE username = 'bureau'", vec![])
                .await
                .map_err(|e| e.to_string())?
                .and_then(|r| r.try_get_by_index(0).ok())
                .ok_or("no bureau account")?;
            let board_token = users::create_token(
                &db,
                &users::NewToken {
                    user_id: bureau,
                    name: "bench",
                    days: users::DEFAULT_TOKEN_DAYS,
                    read_only: false,
                    actor: "bench",
                    request_id: "bench",
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            let body = serde_json::json!({ "applicants": list, "board_token": board_token });
            std::fs::write(&out, body.to_string()).map_err(|e| format!("{out}: {e}"))?;
            println!("{} applicants, {} applications for the board", list.len(), applications);
            Ok(())
        }
        Command::Migrate => {
            let db = Db::connect(&url).await.map_err(|e| e.to_string())?;
            let applied = migrate::run(&db).await.map_err(|e| e.to_string())?;
            println!("migrations applied: {applied:?}");
            Ok(())
        }
        Command::Backup { output, allow_missing_files } => {
            let db = connect(&url).await?;
            checkpoint(&db, &s).await?;
            let files = backup::Files {
                dir: std::path::Path::new(&s.files_dir),
                allow_missing: allow_missing_files,
            };
            let summary =
                backup::write_file(&db, files, &output).await.map_err(|e| e.to_string())?;
            print_summary(&summary, &s.files_dir);
            println!("backup written to {}", output.display());
            Ok(())
        }
        Command::Restore { input } => {
            let db = connect(&url).await?;
            let file =
                std::fs::File::open(&input).map_err(|e| format!("{}: {e}", input.display()))?;
            let files = std::path::Path::new(&s.files_dir);
            let summary = backup::restore(&db, files, &mut std::io::BufReader::new(file))
                .await
                .map_err(|e| e.to_string())?;
            print_summary(&summary, &s.files_dir);
            println!("restored from {}", input.display());
            Ok(())
        }
        Command::Stats { command } => stats_command(&url, command).await,
        // Handled in main: its exit status says optimal, infeasible or malformed.
        Command::Assign { .. } => Ok(()),
        Command::Affinity { experts, items, top, demand, max_load, output } => {
            affinity(&experts, &items, top, demand, max_load, &output)
        }
        Command::Indicators {
            command: IndicatorsCommand::Compute { definitions, values, output },
        } => indicators_compute(&definitions, &values, &output),
        Command::Index { command: IndexCommand::Build { inputs, out } } => {
            index_build(&inputs, &out)
        }
        Command::Index { command: IndexCommand::Sensitivity { inputs, n, seed, out } } => {
            index_sensitivity(&inputs, n, seed, &out)
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let db = connect(&url).await?;
            let start = std::time::Instant::now();
            let n = audit::verify(&db)
                .await
                .map_err(|e| e.to_string())?
                .map_err(|b| format!("audit log broken: {b}"))?;
            println!(
                "audit log intact: {n} entries verified in {:.2} s",
                start.elapsed().as_secs_f64()
            );
            let cfg = s.anchor();
            match anchor::check(&db, &cfg).await.map_err(|e| e.to_string())? {
                Ok(k) => {
                    println!("{k} checkpoints match the chain ({})", cfg.checkpoints.display());
                    Ok(())
                }
                Err(b) => Err(format!(
                    "audit log rewritten: the hash chain verifies, but {b} ({})",
                    cfg.checkpoints.display()
                )),
            }
        }
        Command::Audit { command: AuditCommand::Checkpoint } => {
            let db = connect(&url).await?;
            checkpoint(&db, &s).await
        }
        Command::User {
            command: UserCommand::Add { username, name, role, password, unit, organisation },
        } => {
            let db = connect(&url).await?;
            let role = Role::parse(&role).ok_or_else(|| format!("unknown role '{role}'"))?;
            let unit_id = match unit {
                None => None,
                Some(code) => Some(
                    innocity_store::orgs::units(&db)
                        .await
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .find(|u| u.code == code)
                        .ok_or_else(|| format!("unknown org unit '{code}'"))?
                        .id,
                ),
            };
            let org_id = match organisation {
                None => None,
                Some(code) => {
                    let row = db
                        .query_one(
                            "SELECT id FROM organisations WHERE credit_code = ?",
                            vec![code.trim().to_uppercase().into()],
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                    Some(
                        row.ok_or_else(|| format!("unknown organisation '{code}'"))?
                            .try_get::<i64>("", "id")
                            .map_err(|e| e.to_string())?,
                    )
                }
            };
            let u = users::add(
                &db,
                &users::NewUser {
                    username: &username,
                    display_name: &name,
                    password: &password,
                    role,
                    org_unit_id: unit_id,
                    organisation_id: org_id,
                },
                "cli",
                "cli",
            )
            .await
            .map_err(|e| e.to_string())?;
            println!("user {} added (id {}, role {})", u.username, u.id, u.role);
            Ok(())
        }
    }
}

/// Appends a checkpoint of the audit chain's head, and says so.
async fn checkpoint(db: &Db, s: &Settings) -> Result<(), String> {
    let cfg = s.anchor();
    match anchor::checkpoint(db, &cfg).await.map_err(|e| format!("audit checkpoint: {e}"))? {
        anchor::Anchored::Written(c) => println!(
            "audit checkpoint: entry {} ({}) anchored in {}",
            c.seq,
            c.at,
            cfg.checkpoints.display()
        ),
        anchor::Anchored::Unchanged { seq } => println!(
            "audit checkpoint: entry {seq} is already anchored in {}",
            cfg.checkpoints.display()
        ),
        anchor::Anchored::Empty => {
            println!("audit checkpoint: the audit log is empty, nothing to anchor")
        }
    }
    Ok(())
}

/// Rows per table, stored files, and every file that was missing (on stderr).
fn print_summary(summary: &backup::Summary, files_dir: &str) {
    for (t, n) in &summary.tables {
        println!("{t}: {n}");
    }
    println!("files: {} ({files_dir})", summary.files);
    for m in &summary.missing {
        eprintln!(
            "警告 / warning: {} {} points at file {}, which was missing when the backup was taken",
            m.table, m.id, m.sha256
        );
    }
}

/// The server anchors the audit chain when it starts and every 24 hours after.
fn spawn_daily_checkpoints(db: Db, cfg: anchor::Config) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            every.tick().await;
            match anchor::checkpoint(&db, &cfg).await {
                Ok(anchor::Anchored::Written(c)) => {
                    tracing::info!(seq = c.seq, file = %cfg.checkpoints.display(), "audit checkpoint written")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "audit checkpoint failed"),
            }
        }
    });
}

/// `demo` starts from a fresh SQLite file; a PostgreSQL database must be empty.
fn fresh_sqlite(url: &str) -> Result<(), String> {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let path = path.split('?').next().unwrap_or(path);
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{path}{suffix}");
            if std::path::Path::new(&p).exists() {
                std::fs::remove_file(&p).map_err(|e| format!("{p}: {e}"))?;
            }
        }
    }
    Ok(())
}

/// Real Chinese research keywords for demo names, from the shared CSL sample when present.
fn find_csl() -> Option<String> {
    let candidates = [
        std::env::var("INNOCITY_CSL").unwrap_or_default(),
        "../shared/data/csl/csl_papers.tsv".into(),
        "../../shared/data/csl/csl_papers.tsv".into(),
    ];
    candidates
        .iter()
        .filter(|p| !p.is_empty())
        .find_map(|p| std::fs::read_to_string(p).ok())
        .or_else(|| Some(demo::experts::CSL.to_string()))
}

async fn serve(db: Db, listen: &str, s: &Settings) -> Result<(), String> {
    let config = WebConfig {
        secure_cookies: s.secure_cookies,
        max_body_bytes: s.max_body_bytes,
        max_upload_bytes: s.max_upload_bytes,
        request_timeout: std::time::Duration::from_secs(s.request_timeout_secs),
        files_dir: s.files_dir.clone().into(),
        behind_proxy: s.behind_proxy,
        metrics_token: s.metrics_token.clone().filter(|t| !t.is_empty()),
    };
    spawn_daily_checkpoints(db.clone(), s.anchor());
    let app = router(AppState::new(db, config));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("innocity 正在运行 / serving on http://{addr}");
    tracing::info!(%addr, "serving");
    // The TCP peer's address reaches the handlers (sign-in failures are counted per address).
    // Zero would mean no connection accepted, or every one dropped: at least one of each.
    let limits = innocity_web::server::ServeLimits {
        connections: s.max_connections.max(1),
        header_timeout: std::time::Duration::from_secs(s.header_timeout_secs.max(1)),
        ..Default::default()
    };
    innocity_web::server::serve(listener, app, limits, shutdown()).await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

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

async fn stats_command(url: &str, command: StatsCommand) -> Result<(), String> {
    use innocity_core::periods::Period;
    use innocity_store::stats;
    let db = connect(url).await?;
    let cat = stats::catalogue(&db).await.map_err(|e| e.to_string())?;
    match command {
        StatsCommand::Import { form, period, file } => {
            let f = cat.form(&form).ok_or_else(|| format!("没有报表 / unknown form '{form}'"))?;
            let p = Period::parse(&period).map_err(|e| e.to_string())?;
            if !f.fits(p) {
                return Err(format!("'{period}' is not a period of form {form}"));
            }
            let name = file.display().to_string();
            let start = std::time::Instant::now();
            let bytes = std::fs::read(&file).map_err(|e| format!("{name}: {e}"))?;
            let show = |errors: &[innocity_core::stats::long::PlaceError]| {
                errors
                    .iter()
                    .map(|e| {
                        innocity_web::stats::place_text(innocity_web::i18n::Lang::Zh, &name, e)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let raws = innocity_core::stats::long::parse_csv(&bytes).map_err(|e| show(&e))?;
            let parsed = start.elapsed().as_secs_f64();
            let actor =
                innocity_store::orgs::Actor { user_id: 0, username: "cli", request_id: "cli" };
            let bar = progress_bar("导入 import");
            let report = stats::import_long(&db, &cat, &form, p, &raws, actor, &bar)
                .await
                .map_err(|e| match e {
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
        StatsCommand::Aggregate { form, period, include_drafts, output } => {
            use innocity_core::stats::status::Status;
            let mut states = vec![Status::Submitted, Status::Approved, Status::Locked];
            if include_drafts {
                states.extend([Status::Draft, Status::Returned]);
            }
            let start = std::time::Instant::now();
            let totals =
                stats::totals(&db, &form, &period, &states).await.map_err(|e| e.to_string())?;
            let secs = start.elapsed().as_secs_f64();
            let units = innocity_store::orgs::units(&db).await.map_err(|e| e.to_string())?;
            let mut out = String::from("unit,unit_name,element,disaggregation,sum,count\n");
            let mut rows: Vec<_> = totals.rollup.iter().collect();
            rows.sort_by_key(|((u, i), _)| (*u, *i));
            for ((unit, i), acc) in &rows {
                let (e, d) = &totals.series[*i as usize];
                let name =
                    units.iter().find(|x| x.id == *unit).map(|x| x.name_zh.as_str()).unwrap_or("");
                out.push_str(&format!(
                    "{unit},{name},{e},{d},{},{}\n",
                    innocity_core::stats::values::format_plain(acc.sum),
                    acc.count
                ));
            }
            match output {
                Some(path) => {
                    std::fs::write(&path, out).map_err(|e| format!("{}: {e}", path.display()))?
                }
                None => print!("{out}"),
            }
            eprintln!(
                "aggregated {} returns into {} totals in {secs:.3} s",
                totals.returns,
                rows.len()
            );
            Ok(())
        }
        StatsCommand::Export { form, period, output } => {
            let file =
                std::fs::File::create(&output).map_err(|e| format!("{}: {e}", output.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let n =
                stats::export_long(&db, &form, &period, &mut w).await.map_err(|e| e.to_string())?;
            use std::io::Write;
            w.flush().map_err(|e| e.to_string())?;
            println!("exported {n} values to {}", output.display());
            Ok(())
        }
    }
}

/// `innocity index build`: every output is computed before anything is written, and the files
/// are written whole or not at all.
/// Reads and checks iMeta, iData and the pipeline; errors name the file, row and column.
fn read_index_inputs(
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

fn index_build(inputs: &IndexInputs, out: &std::path::Path) -> Result<(), String> {
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
fn index_sensitivity(
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

/// `innocity indicators compute`: every indicator for every unit and period, as long CSV.
fn indicators_compute(
    definitions: &std::path::Path,
    values: &std::path::Path,
    output: &std::path::Path,
) -> Result<(), String> {
    use innocity_core::indicators::compute;
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
    };
    let defs: compute::Definitions = toml::from_str(&read(definitions)?)
        .map_err(|e| format!("{}: {e}", definitions.display()))?;
    let v =
        compute::read_values(&read(values)?).map_err(|e| format!("{}: {e}", values.display()))?;
    let start = std::time::Instant::now();
    let c = compute::compute(&defs.indicators, &v).map_err(|es| {
        es.iter().map(|e| format!("{}: {e}", definitions.display())).collect::<Vec<_>>().join("\n")
    })?;
    let secs = start.elapsed().as_secs_f64();
    let mut out = String::from("unit,period,indicator,value\n");
    for (i, code) in c.codes.iter().enumerate() {
        for (u, unit) in v.units.iter().enumerate() {
            for (p, period) in v.periods.iter().enumerate() {
                if let Some(x) = c.values[i][u][p] {
                    out.push_str(&format!("{unit},{period},{code},{x}\n"));
                }
            }
        }
    }
    std::fs::write(output, out).map_err(|e| format!("{}: {e}", output.display()))?;
    println!(
        "computed {} indicators for {} units × {} periods in {secs:.3} s",
        c.codes.len(),
        v.units.len(),
        v.periods.len()
    );
    Ok(())
}

/// `innocity assign`: exit 0 with an optimal assignment, 2 when infeasible (with the reason),
/// 1 on malformed input (naming the entry, nothing written).
fn assign(input: &std::path::Path, output: &std::path::Path) -> ExitCode {
    use innocity_core::assign::{Instance, Outcome, solve};
    let fail = |code: u8, message: String| {
        eprintln!("错误 / error: {message}");
        ExitCode::from(code)
    };
    let text = match std::fs::read_to_string(input) {
        Ok(t) => t,
        Err(e) => return fail(1, format!("{}: {e}", input.display())),
    };
    let inst: Instance = match serde_json::from_str(&text) {
        Ok(i) => i,
        Err(e) => {
            return fail(
                1,
                format!("{}: line {}, column {}: {e}", input.display(), e.line(), e.column()),
            );
        }
    };
    let start = std::time::Instant::now();
    let outcome = match solve(&inst) {
        Ok(o) => o,
        Err(e) => return fail(1, format!("{}: {e}", input.display())),
    };
    let secs = start.elapsed().as_secs_f64();
    let (json, code) = match &outcome {
        Outcome::Optimal { objective, pairs } => {
            (serde_json::json!({ "status": "optimal", "objective": objective, "pairs": pairs }), 0)
        }
        Outcome::Infeasible(reason) => {
            (serde_json::json!({ "status": "infeasible", "reason": reason }), 2)
        }
    };
    if let Err(e) = std::fs::write(output, json.to_string()) {
        return fail(1, format!("{}: {e}", output.display()));
    }
    match outcome {
        Outcome::Optimal { objective, pairs } => {
            println!("optimal: {} pairs, objective {objective} in {secs:.3} s", pairs.len())
        }
        Outcome::Infeasible(reason) => eprintln!("infeasible: {reason}"),
    }
    ExitCode::from(code)
}

/// `innocity affinity`: each item's top experts by BM25 and field, as an `assign` instance.
fn affinity(
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
