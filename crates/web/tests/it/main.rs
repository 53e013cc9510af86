//! The web crate's integration tests, one binary: the real router on a real database (SQLite,
//! or PostgreSQL when INNOCITY_TEST_DATABASE_URL is set), one module per area.
mod common;

mod access;
mod accounts;
mod api;
mod edge;
mod experts;
mod indicators;
mod orgs;
mod projects;
mod sign_in;
mod stats;
