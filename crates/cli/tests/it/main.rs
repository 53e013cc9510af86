//! The cli crate's integration tests, one binary: the real `innocity` binary end to end — server
//! processes, headless Chromium through chromedriver, backup and restore, audit verification
//! and the command-line tools. They run on SQLite, or on PostgreSQL when
//! INNOCITY_TEST_DATABASE_URL is set.
mod common;

mod browser;
mod ops;
mod server;
mod tools;
