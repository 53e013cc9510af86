//! The store crate's integration tests, one binary, run on SQLite and (with
//! INNOCITY_TEST_DATABASE_URL) on PostgreSQL: one module per area.
mod common;

mod accounts;
mod audit;
mod audit_anchor;
mod backup;
mod checks_in_the_write;
mod orgs;
mod projects_flow;
mod stats;
