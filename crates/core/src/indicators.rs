//! Indicators: the formula language shared by indicators and statistical validation rules.
pub mod compute;
pub mod formula;
pub mod registers;
pub mod release;
pub mod targets;

#[cfg(test)]
mod seed_goals_tests;
