//! Accounts, passwords (argon2id), sessions and API tokens, all kept in the database so that
//! several servers on one PostgreSQL database behave as one.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError};
use crate::rows::{Fields, FromRow, columns, select};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use innocity_core::access::Role;
use innocity_core::signin::{
    ACCOUNT_BACKOFF, ADDRESS_BACKOFF, Backoff, FORGET_AFTER_MS, normalised_username,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
mod signin;
pub use signin::*;
mod tokens;
pub use tokens::*;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub org_unit_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub active: bool,
}

impl FromRow for User {
    const TABLE: &'static str = "users";
    columns!(id, username, display_name, role, org_unit_id, organisation_id, active);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(User {
            id: f.int()?,
            username: f.text()?,
            display_name: f.text()?,
            role: f.text()?,
            org_unit_id: f.opt_int()?,
            organisation_id: f.opt_int()?,
            active: f.flag()?,
        })
    }
}

pub fn hash_password(password: &str) -> Result<String> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt =
        SaltString::encode_b64(&bytes).map_err(|e| StoreError::Invalid(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("password hashing failed: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of nothing anyone knows, checked for names without an account so that an unknown
/// name costs the same argon2 work as a known one (made once, with today's parameters).
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// Where the CPU-heavy password work (argon2) runs, off the async workers. The web layer passes
/// its bounded blocking pool; [`OnBlockingPool`] is tokio's, for the command line and tests.
pub trait Heavy: Sync {
    /// Runs `job`; `None` when it could not finish (it panicked or the pool is closing).
    fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> impl std::future::Future<Output = Option<T>> + Send;
}

pub struct OnBlockingPool;

impl Heavy for OnBlockingPool {
    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        tokio::task::spawn_blocking(job).await.ok()
    }
}

async fn verify_on(heavy: &impl Heavy, password: &str, hash: String) -> Result<bool> {
    let password = password.to_string();
    heavy
        .run(move || verify_password(&password, &hash))
        .await
        .ok_or_else(|| StoreError::Invalid("password check did not finish".into()))
}

async fn hash_on(heavy: &impl Heavy, password: &str) -> Result<String> {
    let password = password.to_string();
    heavy
        .run(move || hash_password(&password))
        .await
        .unwrap_or_else(|| Err(StoreError::Invalid("password hashing did not finish".into())))
}

/// Why a password is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than 10 characters.
    Short,
    /// More than 200 bytes.
    Long,
    /// Not both letters and digits.
    Mix,
}

impl std::fmt::Display for PasswordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PasswordProblem::Short => "at least 10 characters",
            PasswordProblem::Long => "at most 200 bytes",
            PasswordProblem::Mix => "both letters and digits",
        })
    }
}

/// Why a password is not acceptable, if it is not.
pub fn password_problem(password: &str) -> Option<PasswordProblem> {
    if password.chars().count() < 10 {
        Some(PasswordProblem::Short)
    } else if password.len() > 200 {
        Some(PasswordProblem::Long)
    } else if !(password.chars().any(|c| c.is_ascii_digit())
        && password.chars().any(|c| c.is_alphabetic()))
    {
        Some(PasswordProblem::Mix)
    } else {
        None
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub org_unit_id: Option<i64>,
    pub organisation_id: Option<i64>,
}

pub async fn add(db: &Db, u: &NewUser<'_>, actor: &str, request_id: &str) -> Result<User> {
    add_with(db, &OnBlockingPool, u, actor, request_id).await
}

/// [`add`], hashing the password on `heavy`.
pub async fn add_with(
    db: &Db,
    heavy: &impl Heavy,
    u: &NewUser<'_>,
    actor: &str,
    request_id: &str,
) -> Result<User> {
    let username = u.username.trim();
    if !username_ok(username) {
        return Err(StoreError::Invalid("username: 1–64 letters, digits, '.', '_' or '-'".into()));
    }
    if let Some(p) = password_problem(u.password) {
        return Err(StoreError::Invalid(format!("password: {p}")));
    }
    if u.role.needs_unit() && u.org_unit_id.is_none() {
        return Err(StoreError::Invalid(format!("role {} needs an org unit", u.role.code())));
    }
    if u.role.needs_organisation() && u.organisation_id.is_none() {
        return Err(StoreError::Invalid(format!("role {} needs an organisation", u.role.code())));
    }
    let hash = hash_on(heavy, u.password).await?;
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO users (username, display_name, password_hash, role, org_unit_id, organisation_id, active, failed_logins, locked_until, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, 0, 0, ?)",
            vec![
                username.into(),
                u.display_name.into(),
                hash.into(),
                u.role.code().into(),
                u.org_unit_id.into(),
                u.organisation_id.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let user = User {
        id,
        username: username.into(),
        display_name: u.display_name.into(),
        role: u.role.code().into(),
        org_unit_id: u.org_unit_id,
        organisation_id: u.organisation_id,
        active: true,
    };
    audit::append(
        &tx,
        Change {
            actor,
            action: "user.create",
            entity: "user",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::to_value(&user).unwrap_or_default(),
            request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<User>> {
    db.row(&select::<User>("WHERE id = ?"), vec![id.into()]).await
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

use sea_orm::ConnectionTrait;

#[derive(Debug, Clone, PartialEq)]
pub enum PasswordChange {
    Changed,
    WrongCurrent,
    Weak(PasswordProblem),
}

/// A password change asked for by a signed-in user.
pub struct NewPassword<'a> {
    pub user_id: i64,
    pub current: &'a str,
    pub new: &'a str,
    /// The session that asked: it stays, the user's other sessions end.
    pub keep_session_token: &'a str,
    pub username: &'a str,
    pub request_id: &'a str,
}

/// Changes a password after checking the current one (both argon2 steps on `heavy`); the
/// user's other sessions and all their API tokens end.
pub async fn change_password(
    db: &Db,
    heavy: &impl Heavy,
    p: &NewPassword<'_>,
) -> Result<PasswordChange> {
    let hash: String = db
        .query_one("SELECT password_hash FROM users WHERE id = ?", vec![p.user_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?
        .try_get("", "password_hash")?;
    if !verify_on(heavy, p.current, hash).await? {
        return Ok(PasswordChange::WrongCurrent);
    }
    if let Some(problem) = password_problem(p.new) {
        return Ok(PasswordChange::Weak(problem));
    }
    let new_hash = hash_on(heavy, p.new).await?;
    let tx = db.begin_write().await?;
    tx.exec(
        "UPDATE users SET password_hash = ? WHERE id = ?",
        vec![new_hash.into(), p.user_id.into()],
    )
    .await?;
    tx.exec(
        "DELETE FROM sessions WHERE user_id = ? AND id <> ?",
        vec![p.user_id.into(), sha256_hex(p.keep_session_token).into()],
    )
    .await?;
    let tokens =
        tx.exec("DELETE FROM api_tokens WHERE user_id = ?", vec![p.user_id.into()]).await?;
    audit::append(
        &tx,
        Change {
            actor: p.username,
            action: "user.password_change",
            entity: "user",
            entity_id: p.user_id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "api_tokens_ended": tokens }),
            request_id: p.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordChange::Changed)
}

/// An account as the user list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_name: Option<String>,
    pub organisation_name: Option<String>,
    pub locked_until: i64,
    pub created_at: i64,
    pub active: bool,
}

impl FromRow for UserRow {
    const TABLE: &'static str = "users";
    const FROM: &'static str = "users u LEFT JOIN org_units ou ON ou.id = u.org_unit_id LEFT JOIN organisations o ON o.id = u.organisation_id";
    columns!(
        "u.id",
        "u.username",
        "u.display_name",
        "u.role",
        "ou.name_zh",
        "o.name",
        "u.locked_until",
        "u.created_at",
        "u.active"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(UserRow {
            id: f.int()?,
            username: f.text()?,
            display_name: f.text()?,
            role: f.text()?,
            unit_name: f.opt_text()?,
            organisation_name: f.opt_text()?,
            locked_until: f.int()?,
            created_at: f.int()?,
            active: f.flag()?,
        })
    }
}

pub async fn list(db: &Db) -> Result<Vec<UserRow>> {
    db.rows(&select::<UserRow>("ORDER BY u.id"), vec![]).await
}

/// Whether a username is well-formed: 1–64 letters, digits, '.', '_' or '-'.
pub fn username_ok(username: &str) -> bool {
    !username.is_empty()
        && username.len() <= 64
        && username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Turns an account on or off; turning it off ends its sessions and its API tokens.
pub async fn set_active(
    db: &Db,
    user_id: i64,
    active: bool,
    actor: &str,
    request_id: &str,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE users SET active = ? WHERE id = ?",
            vec![i64::from(active).into(), user_id.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let mut tokens = 0;
    if !active {
        tx.exec("DELETE FROM sessions WHERE user_id = ?", vec![user_id.into()]).await?;
        tokens = tx.exec("DELETE FROM api_tokens WHERE user_id = ?", vec![user_id.into()]).await?;
    }
    audit::append(
        &tx,
        Change {
            actor,
            action: if active { "user.activate" } else { "user.deactivate" },
            entity: "user",
            entity_id: user_id.to_string(),
            before: serde_json::json!({ "active": !active }),
            after: serde_json::json!({ "active": active, "api_tokens_ended": tokens }),
            request_id,
        },
    )
    .await?;
    tx.commit().await
}
