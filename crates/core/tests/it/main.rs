//! The core crate's integration tests, one binary: each module is an area.
// Test helpers may unwrap: a failed unwrap is a failed test (clippy.toml allows it inside
// #[test] functions; this extends it to the helpers beside them).
#![allow(clippy::unwrap_used)]
mod coinr;
