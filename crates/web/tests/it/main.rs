//! The web crate's integration tests, one binary: the real router on a real database (SQLite,
//! or PostgreSQL when INNOCITY_TEST_DATABASE_URL is set), one module per area.
// Test helpers may unwrap: a failed unwrap is a failed test (clippy.toml allows it inside
// #[test] functions; this extends it to the helpers beside them).
#![allow(clippy::unwrap_used)]
mod common;

mod access;
mod accounts;
mod api;
mod edge;
mod evaluation;
mod evaluation_import;
mod exchange;
mod experts;
mod experts_rounds;
mod finance;
mod financing;
mod fund;
mod guides;
mod indicators;
mod indicators_periods;
mod indicators_release;
mod market;
mod orgs;
mod projects;
mod providers;
mod relations;
mod search;
mod sharing;
mod sharing_evaluation;
mod sign_in;
mod stats;
mod subjects;
mod subjects_carriers;
mod subjects_certificates;
mod subjects_ours;
mod subjects_pools;
mod subjects_talent;
mod supervision;
mod units;
mod vouchers;
