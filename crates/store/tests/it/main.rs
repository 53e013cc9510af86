//! The store crate's integration tests, one binary, run on SQLite and (with
//! INNOCITY_TEST_DATABASE_URL) on PostgreSQL: one module per area.
// Test helpers may unwrap: a failed unwrap is a failed test (clippy.toml allows it inside
// #[test] functions; this extends it to the helpers beside them).
#![allow(clippy::unwrap_used)]

/// The refusal `$p` (a pattern on `StoreError`), or a panic naming what came instead.
macro_rules! refused {
    ($r:expr, $p:pat $(,)?) => {
        match $r {
            Err(e @ $p) => e,
            other => panic!("expected {}, got {other:?}", stringify!($p)),
        }
    };
    ($r:expr, $p:pat => $out:expr $(,)?) => {
        match $r {
            Err($p) => $out,
            other => panic!("expected {}, got {other:?}", stringify!($p)),
        }
    };
}

mod common;

mod accounts;
mod audit;
mod audit_anchor;
mod backup;
mod carriers;
mod checks_in_the_write;
mod counties;
mod evaluation;
mod exchange;
mod finance;
mod financing;
mod fund;
mod market;
mod orgs;
mod projects_flow;
mod providers;
mod sharing;
mod sharing_evaluation;
mod stats;
mod subject_counts;
mod subjects;
mod supervision;
mod talent;
mod vouchers;
