//! Anchors the audit chain outside the database. The chain is plain SHA-256: whoever can write to
//! the database can edit an entry and recompute every hash after it. A checkpoint is an
//! HMAC-SHA256 of the chain's head under a key the database does not hold (`INNOCITY_AUDIT_KEY`,
//! or a key file of mode 0600 under the data folder), appended as a line to a checkpoint file:
//! `seq <TAB> head hash <TAB> time <TAB> HMAC`. A recomputed chain no longer has the hash a
//! checkpoint recorded for its entry, and a forged checkpoint needs the key.
use crate::StoreError;
use crate::db::{Db, Result};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// HMAC-SHA256 (RFC 2104): SHA-256 over the key padded to a block, XORed with the inner and
/// outer pads.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

/// Where the key and the checkpoints are.
#[derive(Debug, Clone)]
pub struct Config {
    /// A configured key (`INNOCITY_AUDIT_KEY`, at least 32 characters); the key file otherwise.
    pub key: Option<String>,
    /// 32 random bytes in hex, created on the first checkpoint (mode 0600).
    pub key_file: PathBuf,
    /// The append-only checkpoint file.
    pub checkpoints: PathBuf,
}

/// One checkpoint: the head of the chain at a time, and its HMAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    /// UTC, RFC 3339.
    pub at: String,
}

/// The first checkpoint that no longer holds, named by its line in the checkpoint file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    #[error("checkpoint {line}: not a checkpoint line (seq, hash, time, HMAC)")]
    Malformed { line: usize },
    #[error(
        "checkpoint {line} (entry {seq}, {at}): its HMAC does not match: the checkpoint file was edited, or the key is not the one it was written with"
    )]
    Forged { line: usize, seq: i64, at: String },
    #[error(
        "checkpoint {line} (entry {seq}, {at}): entry {seq} is no longer in the log: entries were deleted"
    )]
    Missing { line: usize, seq: i64, at: String },
    #[error(
        "checkpoint {line} (entry {seq}, {at}) no longer matches the chain: entry {seq}'s hash is not the one anchored then, so the log was rewritten (entries up to {seq} edited and the hashes recomputed)"
    )]
    Rewritten { line: usize, seq: i64, at: String },
}

impl Break {
    /// The line of the checkpoint file.
    pub fn line(&self) -> usize {
        match self {
            Break::Malformed { line }
            | Break::Forged { line, .. }
            | Break::Missing { line, .. }
            | Break::Rewritten { line, .. } => *line,
        }
    }
}

impl Config {
    /// The key: the configured one, else the key file's (created when `create` and missing).
    fn key(&self, create: bool) -> Result<Option<Vec<u8>>> {
        if let Some(k) = self.key.as_deref().filter(|k| !k.is_empty()) {
            if k.len() < 32 {
                return Err(StoreError::Invalid(
                    "INNOCITY_AUDIT_KEY is too short: at least 32 characters".into(),
                ));
            }
            return Ok(Some(k.as_bytes().to_vec()));
        }
        match std::fs::read_to_string(&self.key_file) {
            Ok(text) => self.parse_key_file(&text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                self.create_key_file().map(Some)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.key_error(e)),
        }
    }

    fn key_error(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Invalid(format!("{}: {e}", self.key_file.display()))
    }

    fn parse_key_file(&self, text: &str) -> Result<Vec<u8>> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&self.key_file)
                .map_err(|e| self.key_error(e))?
                .permissions()
                .mode()
                & 0o777;
            if mode & 0o077 != 0 {
                return Err(self.key_error(format!(
                    "others may read the audit key (mode {mode:o}); make it 0600"
                )));
            }
        }
        hex::decode(text.trim())
            .ok()
            .filter(|k| k.len() >= 32)
            .ok_or_else(|| self.key_error("not an audit key (64 hex digits)"))
    }

    fn create_key_file(&self) -> Result<Vec<u8>> {
        use rand::RngCore;
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let dir = folder_of(&self.key_file);
        std::fs::create_dir_all(&dir).map_err(|e| self.key_error(e))?;
        let write = || -> std::io::Result<()> {
            let mut f = crate::backup::private_file(&self.key_file)?;
            f.write_all(hex::encode(key).as_bytes())?;
            f.sync_all()?;
            std::fs::File::open(&dir)?.sync_all()
        };
        write().map_err(|e| self.key_error(e))?;
        Ok(key.to_vec())
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What the HMAC covers.
fn message(seq: i64, hash: &str, at: &str) -> String {
    format!("innocity-audit-checkpoint/1\n{seq}\n{hash}\n{at}")
}

/// What [`checkpoint`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchored {
    /// A checkpoint of the head was appended.
    Written(Checkpoint),
    /// The last checkpoint already anchors this entry (nothing was appended since).
    Unchanged { seq: i64 },
    /// The log is empty: nothing to anchor.
    Empty,
}

/// The entry the last line of the checkpoint file anchors, if any.
fn last_anchored(path: &Path) -> Option<i64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().rev().find(|l| !l.trim().is_empty())?.split('\t').next()?.parse().ok()
}

/// Appends a checkpoint of the chain's current head, unless the last one already anchors it.
pub async fn checkpoint(db: &Db, cfg: &Config) -> Result<Anchored> {
    let head = db
        .query_one("SELECT seq, hash FROM audit_head WHERE id = 1", vec![])
        .await?
        .ok_or(StoreError::NotFound)?;
    let seq: i64 = head.try_get("", "seq")?;
    if seq == 0 {
        return Ok(Anchored::Empty);
    }
    if last_anchored(&cfg.checkpoints) == Some(seq) {
        return Ok(Anchored::Unchanged { seq });
    }
    let key = cfg.key(true)?.unwrap_or_default();
    let cp = Checkpoint {
        seq,
        hash: head.try_get("", "hash")?,
        at: db
            .clock
            .now()
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let mac = hex::encode(hmac_sha256(&key, message(cp.seq, &cp.hash, &cp.at).as_bytes()));
    append_line(&cfg.checkpoints, &format!("{}\t{}\t{}\t{mac}\n", cp.seq, cp.hash, cp.at))
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", cfg.checkpoints.display())))?;
    Ok(Anchored::Written(cp))
}

/// Appends one line durably to a file only its owner may read.
fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    let dir = folder_of(path);
    std::fs::create_dir_all(&dir)?;
    let created = !path.exists();
    let mut o = std::fs::OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    f.write_all(line.as_bytes())?;
    f.sync_all()?;
    if created {
        std::fs::File::open(&dir)?.sync_all()?;
    }
    Ok(())
}

/// Checks every checkpoint against its HMAC and the chain: Ok(how many) or the first that no
/// longer holds. No checkpoint file: nothing to check.
pub async fn check(db: &Db, cfg: &Config) -> Result<std::result::Result<u64, Break>> {
    let text = match std::fs::read_to_string(&cfg.checkpoints) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ok(0)),
        Err(e) => return Err(StoreError::Invalid(format!("{}: {e}", cfg.checkpoints.display()))),
    };
    let key = cfg.key(false)?.ok_or_else(|| {
        StoreError::Invalid(format!("{} holds checkpoints but there is no key to check them: neither INNOCITY_AUDIT_KEY nor {}", cfg.checkpoints.display(), cfg.key_file.display()))
    })?;
    let mut checked = 0;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        if let Err(b) = check_line(db, &key, i + 1, line).await? {
            return Ok(Err(b));
        }
        checked += 1;
    }
    Ok(Ok(checked))
}

async fn check_line(
    db: &Db,
    key: &[u8],
    line: usize,
    text: &str,
) -> Result<std::result::Result<(), Break>> {
    let fields: Vec<&str> = text.split('\t').collect();
    let (seq, hash, at, mac) = match fields[..] {
        [seq, hash, at, mac] => match seq.parse::<i64>() {
            Ok(seq) => (seq, hash, at, mac),
            Err(_) => return Ok(Err(Break::Malformed { line })),
        },
        _ => return Ok(Err(Break::Malformed { line })),
    };
    let expected = hex::encode(hmac_sha256(key, message(seq, hash, at).as_bytes()));
    let at = at.to_string();
    if !same(expected.as_bytes(), mac.as_bytes()) {
        return Ok(Err(Break::Forged { line, seq, at }));
    }
    let row = db.query_one("SELECT hash FROM audit_log WHERE seq = ?", vec![seq.into()]).await?;
    Ok(match row {
        None => Err(Break::Missing { line, seq, at }),
        Some(r) if r.try_get::<String>("", "hash")? != hash => {
            Err(Break::Rewritten { line, seq, at })
        }
        Some(_) => Ok(()),
    })
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
