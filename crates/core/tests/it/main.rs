//! The core crate's integration tests, one binary: each module is an area.
mod coinr;
