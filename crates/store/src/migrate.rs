//! Schema migrations, run at start-up. Each is portable SQL with two backend-specific words:
//! `{ID}` (an auto-increment primary key) and `{PATH}` (text compared byte-wise, so a subtree
//! is a range of materialised paths on both backends).
//!
//! The SQL lives in `crates/store/migrations/NNNN_short_name.sql`, embedded at build time, so
//! the binary stays self-contained. The number is the version recorded in `schema_migrations`.
use crate::db::{Db, Result};
use sea_orm::DbBackend;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../migrations/0001_foundation.sql")),
    (2, "organisation counts per area", include_str!("../migrations/0002_organisation_counts.sql")),
    (
        3,
        "statistics: definitions, returns, values, approvals",
        include_str!("../migrations/0003_statistics.sql"),
    ),
    (4, "indicator values", include_str!("../migrations/0004_indicator_values.sql")),
    (5, "framework settings", include_str!("../migrations/0005_framework_settings.sql")),
    (
        6,
        "experts, review rounds, research credit",
        include_str!("../migrations/0006_experts_rounds_credit.sql"),
    ),
    (
        7,
        "programmes, calls, applications",
        include_str!("../migrations/0007_programmes_calls_applications.sql"),
    ),
    (8, "task books, conditions, instalments", include_str!("../migrations/0008_task_books.sql")),
    (9, "attachments", include_str!("../migrations/0009_attachments.sql")),
    (
        10,
        "application counts per call and stage",
        include_str!("../migrations/0010_application_counts.sql"),
    ),
    (11, "review rounds of calls", include_str!("../migrations/0011_call_review_rounds.sql")),
    (
        12,
        "public notices, objections, carrying out and closing projects",
        include_str!("../migrations/0012_notices_objections_execution.sql"),
    ),
    (
        13,
        "calls' own application forms, review plans, guideline files, task-book milestones",
        include_str!("../migrations/0013_call_forms_files_milestones.sql"),
    ),
    (
        14,
        "sign-in throttle per name and per address; API tokens with expiry, last use and scope",
        include_str!("../migrations/0014_signin_throttle_api_tokens.sql"),
    ),
    (
        15,
        "the technology market's achievements and the change log its search indexes follow",
        include_str!("../migrations/0015_market_achievements.sql"),
    ),
    (
        16,
        "technology contracts and their registration",
        include_str!("../migrations/0016_tech_contracts.sql"),
    ),
    (17, "technical demands", include_str!("../migrations/0017_market_demands.sql")),
    (18, "technology brokerage", include_str!("../migrations/0018_market_brokerage.sql")),
    (19, "open challenges", include_str!("../migrations/0019_market_challenges.sql")),
    (20, "notices of new matches", include_str!("../migrations/0020_market_notices.sql")),
    (
        21,
        "market files; contract changes, objections and expert review",
        include_str!("../migrations/0021_market_files_contract_records.sql"),
    ),
    (
        22,
        "self-evaluations of qualifications",
        include_str!("../migrations/0022_subject_evaluations.sql"),
    ),
    (
        23,
        "qualification certificates and kinds",
        include_str!("../migrations/0023_qualification_certificates.sql"),
    ),
    (24, "cultivation pools", include_str!("../migrations/0024_cultivation_pools.sql")),
    (25, "carriers", include_str!("../migrations/0025_carriers.sql")),
    (26, "talent and teams", include_str!("../migrations/0026_talent.sql")),
    (
        27,
        "how a round's assignment was proven",
        include_str!("../migrations/0027_round_assignment_proof.sql"),
    ),
    (
        28,
        "shared instruments and their bookings",
        include_str!("../migrations/0028_instruments_and_bookings.sql"),
    ),
    (
        29,
        "innovation vouchers and the people of organisations",
        include_str!("../migrations/0029_vouchers.sql"),
    ),
    (
        30,
        "service providers, their catalogues, orders and ratings",
        include_str!("../migrations/0030_service_providers.sql"),
    ),
    (
        31,
        "the yearly open-sharing evaluation of instrument owners",
        include_str!("../migrations/0031_sharing_evaluations.sql"),
    ),
    (
        32,
        "wrong verification codes counted per voucher and provider",
        include_str!("../migrations/0032_voucher_code_lock.sql"),
    ),
    (
        33,
        "cross-region voucher exchange with partner programmes",
        include_str!("../migrations/0033_voucher_exchange.sql"),
    ),
    (
        34,
        "the policy library, its runs' entitlement lists and their payments",
        include_str!("../migrations/0034_policies.sql"),
    ),
    (
        35,
        "the risk-compensation loan fund: ledger, agreements, white list, loans, claims",
        include_str!("../migrations/0035_loan_fund.sql"),
    ),
    (
        36,
        "financing demands and products, and the institutions' follow-up on them",
        include_str!("../migrations/0036_financing.sql"),
    ),
    (37, "counties beside zones", include_str!("../migrations/0037_counties.sql")),
    (
        38,
        "evaluation campaigns: reports with evidence, evaluators, scores, results, objections",
        include_str!("../migrations/0038_evaluation.sql"),
    ),
    (
        39,
        "annual tasks: breakdown, monthly progress with evidence, reminders",
        include_str!("../migrations/0039_supervision.sql"),
    ),
    (
        40,
        "the quarterly data release: figures as released, revised by a new release",
        include_str!("../migrations/0040_data_releases.sql"),
    ),
    (
        41,
        "the service guide: the bureau's own text of a service's guide",
        include_str!("../migrations/0041_service_guides.sql"),
    ),
];

fn render(backend: DbBackend, sql: &str, now_ms: i64) -> String {
    // {CLUSTERED}: on SQLite the table is stored in its primary key's order, so a return's
    // values lie together (PostgreSQL keeps its heap and the key's index).
    let (id, path, clustered) = match backend {
        DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TEXT COLLATE \"C\"", ""),
        _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", " WITHOUT ROWID"),
    };
    // `--postgres: ` and `--sqlite: ` lines are statements for that backend only (an exclusion
    // constraint, a trigger); the other backend drops them.
    let (ours, theirs) = match backend {
        DbBackend::Postgres => ("--postgres: ", "--sqlite: "),
        _ => ("--sqlite: ", "--postgres: "),
    };
    let sql: String = sql
        .lines()
        .filter(|l| !l.starts_with(theirs))
        .map(|l| l.strip_prefix(ours).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    // {NOW_MS}: the time the migration runs, for values that start from it.
    sql.replace("{ID}", id)
        .replace("{PATH}", path)
        .replace("{CLUSTERED}", clustered)
        .replace("{NOW_MS}", &now_ms.to_string())
}

/// Applies every migration not yet applied, each in its own transaction. On PostgreSQL an
/// advisory lock makes concurrent start-ups of several servers wait for one another.
pub async fn run(db: &Db) -> Result<Vec<i64>> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    db.conn
        .execute_unprepared(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
    let mut applied = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        let txn = db.conn.begin().await?;
        if db.is_postgres() {
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(7261001)").await?;
        }
        let done = txn
            .query_one_raw(db.stmt(
                "SELECT version FROM schema_migrations WHERE version = ?",
                vec![(*version).into()],
            ))
            .await?;
        if done.is_some() {
            txn.rollback().await?;
            continue;
        }
        for part in render(db.backend, sql, db.clock.now_ms())
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            // {SEMI}: a semicolon inside one statement (a trigger's body).
            txn.execute_unprepared(&part.replace("{SEMI}", ";")).await?;
        }
        txn.execute_raw(db.stmt(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            vec![(*version).into(), (*name).into(), db.clock.now_ms().into()],
        ))
        .await?;
        txn.commit().await?;
        applied.push(*version);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn migrations_are_numbered_one_to_n_without_gaps() {
        for (i, (version, name, sql)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, i as i64 + 1, "migration {name:?} is out of sequence");
            assert!(!sql.trim().is_empty(), "migration {version} is empty");
        }
    }
}
