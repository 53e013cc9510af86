//! innocity-store: persistence on SQLite (embedded default) and PostgreSQL, one code path.
//!
//! We use SeaORM's connection, transaction and statement layer with portable SQL: `?`
//! placeholders are numbered for PostgreSQL in one place ([`Db::stmt`]), so every query is
//! written once and runs on both backends.
pub mod anchor;
pub mod audit;
pub mod backup;
pub mod clock;
pub mod credit;
pub mod db;
pub mod evaluation;
pub mod experts;
pub mod finance;
pub mod guides;
pub mod indicators;
pub mod market;
pub mod migrate;
pub mod orgs;
pub mod projects;
pub mod rows;
pub mod search;
pub mod sharing;
pub mod stats;
pub mod subjects;
pub mod supervision;
pub mod users;

pub use db::{Db, StoreError, Unique};
pub mod testing;
