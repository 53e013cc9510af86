//! Composite indices (发展指数, 县区评价考核): the OECD/JRC ten steps as COINr 1.1.14 computes them
//! — denominate, impute, screen, treat, normalise, aggregate — over iData/iMeta tables, for one
//! year or a panel. The exact behaviour is `shared/contracts/composite-index.md`.
use std::collections::{BTreeMap, HashMap, HashSet};

mod input;
pub mod sensitivity;
pub use input::*;
mod pipeline;
pub use pipeline::*;
mod compute;
pub use compute::*;
mod output;
pub use output::*;

/// A problem in an input, with its place: file, 1-based line (0: the file as a whole), column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}{}{}: {message}", if *line > 0 { format!(", row {line}") } else { String::new() }, if column.is_empty() { String::new() } else { format!(", column {column}") })]
pub struct IndexError {
    pub file: String,
    pub line: usize,
    pub column: String,
    pub message: String,
}

fn fail<T>(
    file: &str,
    line: usize,
    column: &str,
    message: impl Into<String>,
) -> Result<T, IndexError> {
    Err(IndexError { file: file.into(), line, column: column.into(), message: message.into() })
}
