//! Backup and restore of the whole platform: a logical snapshot of the database (JSON lines) read
//! in one consistent transaction while the server runs, then every stored file its rows point at
//! (by SHA-256 digest), restorable into an empty database of either backend.
//!
//! Format `innocity-backup/2`, one JSON value a line:
//! - `{"format":"innocity-backup/2"}`
//! - for each table, parents first: `{"columns":[…],"table":T}`, then one array a row;
//! - for each stored file, once per digest: `{"base64":…,"file":SHA256,"size":BYTES}`;
//! - `{"end":{"files":N,"missing":[{"id":…,"sha256":…,"table":…}]}}`: a file without it was cut
//!   short; `missing` names files the database pointed at that were not on disk at backup time.
//!
//! Restore still reads `innocity-backup/1` (tables only, no files, no end line).
use crate::db::{Db, Result, StoreError};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, IsolationLevel, TransactionTrait, Value,
};
use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
mod tables;
mod tables_evaluation;
mod tables_exchange;
mod tables_finance;
mod tables_financing;
mod tables_fund;
mod tables_market;
mod tables_sharing;
mod tables_subjects;
mod tables_supervision;
use tables::{Col, Table, tables};
pub use tables::{NOT_BACKED_UP, backed_up};
mod dump;
pub use dump::*;
mod restore;
pub use restore::*;

const FORMAT: &str = "innocity-backup/2";
/// The first format: tables only.
const FORMAT_V1: &str = "innocity-backup/1";

/// What a backup wrote, or a restore read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Rows per table, in restore order.
    pub tables: Vec<(String, u64)>,
    /// Stored files carried, each digest once.
    pub files: u64,
    /// Rows whose file was not on disk when the backup was taken.
    pub missing: Vec<FileRef>,
}

/// The end record of a backup.
#[derive(serde::Deserialize)]
struct End {
    files: u64,
    missing: Vec<FileRef>,
}

fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
