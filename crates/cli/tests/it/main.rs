//! The cli crate's integration tests, one binary: the real `innocity` binary end to end — server
//! processes, headless Chromium through chromedriver, backup and restore, audit verification
//! and the command-line tools. They run on SQLite, or on PostgreSQL when
//! INNOCITY_TEST_DATABASE_URL is set.
// Test helpers may unwrap: a failed unwrap is a failed test (clippy.toml allows it inside
// #[test] functions; this extends it to the helpers beside them).
#![allow(clippy::unwrap_used)]
mod common;

mod browser;
mod evaluation;
mod exchange;
mod finance;
mod market;
mod ops;
mod providers;
mod server;
mod sharing;
mod subjects;
mod supervision;
mod tools;
