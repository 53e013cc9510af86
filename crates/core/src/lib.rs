//! innocity-core: the domain, pure. No IO, no async, no database.
pub mod access;
pub mod affinity;
pub mod assign;
pub mod audit;
pub mod credit;
pub mod experts;
pub mod finance;
pub mod index;
pub mod indicators;
pub mod market;
pub mod orgs;
pub mod periods;
pub mod projects;
pub mod sharing;
pub mod signin;
pub mod stats;
pub mod subjects;
