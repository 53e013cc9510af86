//! The command line: every command and its arguments.
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "innocity",
    version,
    about = "创新型城市科技管理与服务平台 / innovative-city S&T management and service platform"
)]
pub(crate) struct Cli {
    /// Database URL: sqlite://FILE (default ./data/innocity.db) or postgres://...
    #[arg(long, global = true, env = "INNOCITY_DATABASE_URL")]
    pub(crate) database: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The three inputs of every index command.
#[derive(clap::Args)]
pub(crate) struct IndexInputs {
    #[arg(long)]
    pub(crate) data: std::path::PathBuf,
    #[arg(long)]
    pub(crate) meta: std::path::PathBuf,
    #[arg(long)]
    pub(crate) pipeline: std::path::PathBuf,
}

#[derive(Subcommand)]
pub(crate) enum IndexCommand {
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
pub(crate) enum IndicatorsCommand {
    /// Compute every indicator for every unit and period.
    Compute {
        #[arg(long)]
        definitions: std::path::PathBuf,
        #[arg(long)]
        values: std::path::PathBuf,
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// The half-yearly monitoring and evaluation report of a framework for the whole (seed 002):
    /// the bureau's refresh of the half's quarters from the quick reports and the registers,
    /// then the report as a PDF; prints the time both took.
    HalfYearReport {
        #[arg(long, default_value = "LANBAI-Q2026")]
        framework: String,
        /// The half year: `2026S1`.
        #[arg(long)]
        period: String,
        #[arg(long)]
        pdf: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum StatsCommand {
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
pub(crate) enum Command {
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
    /// Data for bench/sharing.sh: instruments that take bookings at any hour, a voucher programme
    /// with many vouchers, and API tokens for bookers and a provider (written as JSON to --out).
    #[command(hide = true)]
    BenchSeedSharing {
        #[arg(long, default_value_t = 500)]
        instruments: usize,
        #[arg(long, default_value_t = 10_000)]
        vouchers: usize,
        #[arg(long)]
        out: String,
    },
    /// Data for bench/finance.sh: the demo with N organisations, every enterprise with approved
    /// 107-2 returns for 2024 and 2025, and API tokens of two bureau officers, written to `out`.
    BenchSeedFinance {
        #[arg(long, default_value_t = 20_000)]
        organisations: u64,
        #[arg(long)]
        out: String,
    },
    /// Data for the ledger half of bench/finance.sh: the demo with N enterprises (all on the white
    /// list), three banks and their managers, a fund sized for `loans` loan lifecycles, and the
    /// tokens of the banks and of two bureau officers with the borrowers' credit codes, written
    /// to `out`.
    BenchSeedFund {
        #[arg(long, default_value_t = 20_000)]
        enterprises: u64,
        #[arg(long, default_value_t = 20_000)]
        loans: u64,
        #[arg(long)]
        out: String,
    },
    /// The evaluation benchmark: a campaign over generated units (composite, sensitivity,
    /// ranks) and its bulletin as a PDF; prints the timings.
    BenchEvaluation {
        #[arg(long, default_value_t = 5_000)]
        units: usize,
        #[arg(long, default_value_t = 40)]
        quantitative: usize,
        #[arg(long, default_value_t = 20)]
        qualitative: usize,
        #[arg(long, default_value_t = 3)]
        evaluators: usize,
        /// Samples of the sensitivity analysis.
        #[arg(long, default_value_t = 200)]
        runs: usize,
        #[arg(long)]
        pdf: std::path::PathBuf,
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
        /// Re-assign from this earlier assignment.json (after declines or new conflicts, which
        /// the input lists as conflicts): as few accepted reviews moved as possible, then the
        /// best score; the output lists what changed and why.
        #[arg(long)]
        current: Option<std::path::PathBuf>,
        /// Panel rules: a JSON file with `composition` (max_per_org, min_groups,
        /// min_outside_share) and `members` (each expert's `org` and `groups`). The output then
        /// says how far from proven optimal the assignment is (`gap`, 0 when proven).
        #[arg(long, conflicts_with = "current")]
        panels: Option<std::path::PathBuf>,
    },
    /// Qualification rules (see shared/contracts/qualification.md): 科技型中小企业评价 (`sme`) or
    /// the 高新技术企业 pre-check (`hnte`) of every enterprise in a JSON file.
    Qualify {
        rules: crate::subjects::Rules,
        #[arg(long)]
        input: std::path::PathBuf,
        #[arg(long)]
        output: std::path::PathBuf,
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
    /// The technology market: importing achievements, measuring search relevance.
    Market {
        #[command(subcommand)]
        command: MarketCommand,
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
pub(crate) enum AuditCommand {
    /// Check the hash chain (names the first edited or deleted entry), then every checkpoint
    /// against it (names the first that no longer matches: a rewritten chain).
    Verify,
    /// Anchor the chain's head: append an HMAC checkpoint (key outside the database) to the
    /// checkpoint file. The server writes one daily, and every backup one.
    Checkpoint,
}

#[derive(Subcommand)]
pub(crate) enum UserCommand {
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

#[derive(Subcommand)]
pub(crate) enum MarketCommand {
    /// Import achievements from a TSV file (id, title, abstract, keywords[, discipline,
    /// category]) for one registered organisation, listed publicly; an id imported before is
    /// updated. One transaction: a bad file is refused whole, naming the line.
    Import {
        #[arg(long)]
        input: std::path::PathBuf,
        /// The owner's unified social credit code.
        #[arg(long)]
        owner: String,
    },
    /// Relevance of the market's search against the contract's baseline (jieba + BM25) on
    /// development queries built from the file's papers; prints the mean reciprocal rank.
    Relevance {
        #[arg(long)]
        input: std::path::PathBuf,
        /// Every how many papers one query of each kind is built.
        #[arg(long, default_value_t = 5)]
        every: usize,
    },
}
