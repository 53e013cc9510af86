//! Accounts, passwords (argon2id), sessions and API tokens, all kept in the database so that
//! several servers on one PostgreSQL database behave as one.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, now_ms};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use innocity_core::access::Role;
use sea_orm::QueryResult;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Failed sign-ins in a row before the account locks, and for how long.
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// A session lives this long after its last use.
pub const SESSION_IDLE_MS: i64 = 8 * 60 * 60 * 1000;
/// `last_seen` is refreshed at most this often, to keep reads read-only.
const TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;

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

const USER_COLUMNS: &str = "id, username, display_name, role, org_unit_id, organisation_id, active";

fn user_from(r: &QueryResult) -> Result<User> {
    Ok(User {
        id: r.try_get("", "id")?,
        username: r.try_get("", "username")?,
        display_name: r.try_get("", "display_name")?,
        role: r.try_get("", "role")?,
        org_unit_id: r.try_get("", "org_unit_id")?,
        organisation_id: r.try_get("", "organisation_id")?,
        active: r.try_get::<i64>("", "active")? == 1,
    })
}

pub fn hash_password(password: &str) -> Result<String> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| StoreError::Invalid(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("password hashing failed: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Why a password is not acceptable (message keys).
pub fn password_problem(password: &str) -> Option<&'static str> {
    if password.chars().count() < 10 {
        Some("err.password.short")
    } else if password.len() > 200 {
        Some("err.password.long")
    } else if !(password.chars().any(|c| c.is_ascii_digit()) && password.chars().any(|c| c.is_alphabetic())) {
        Some("err.password.mix")
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
    let hash = hash_password(u.password)?;
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
                now_ms().into(),
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
    db.query_one(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"), vec![id.into()])
        .await?
        .as_ref()
        .map(user_from)
        .transpose()
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoginOutcome {
    /// Signed in: the session token for the cookie, the user.
    Ok { token: String, user_id: i64 },
    /// Wrong name or password (we do not say which).
    Invalid,
    /// Locked until this time (ms).
    Locked { until_ms: i64 },
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

/// Checks a password, counting failures and locking the account after [`MAX_FAILED_LOGINS`].
pub async fn login(db: &Db, username: &str, password: &str, request_id: &str) -> Result<LoginOutcome> {
    let row = db
        .query_one(
            "SELECT id, password_hash, active, failed_logins, locked_until FROM users WHERE username = ?",
            vec![username.trim().into()],
        )
        .await?;
    let Some(row) = row else {
        // Spend the same time as a real check, so names cannot be probed by timing.
        let _ = verify_password(password, "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$qvYdgjO0lA0mxjbz3d1FJnUEpXdWuy0DnB8LJ7sH3EE");
        return Ok(LoginOutcome::Invalid);
    };
    let id: i64 = row.try_get("", "id")?;
    let hash: String = row.try_get("", "password_hash")?;
    let active: i64 = row.try_get("", "active")?;
    let locked_until: i64 = row.try_get("", "locked_until")?;
    let now = now_ms();
    if locked_until > now {
        return Ok(LoginOutcome::Locked { until_ms: locked_until });
    }
    let ok = verify_password(password, &hash) && active == 1;
    let tx = db.begin_write().await?;
    if !ok {
        // Count in the database, atomically, so every server sees the same counter.
        tx.exec("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", vec![id.into()]).await?;
        let failed: i64 = tx
            .query_one("SELECT failed_logins FROM users WHERE id = ?", vec![id.into()])
            .await?
            .map(|r| r.try_get("", "failed_logins"))
            .transpose()?
            .unwrap_or(0);
        let mut outcome = LoginOutcome::Invalid;
        let mut action = "auth.login_failed";
        if failed >= MAX_FAILED_LOGINS {
            let until = now + LOCKOUT_MS;
            tx.exec("UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?", vec![until.into(), id.into()]).await?;
            outcome = LoginOutcome::Locked { until_ms: until };
            action = "auth.locked";
        }
        audit::append(
            &tx,
            Change {
                actor: username.trim(),
                action,
                entity: "user",
                entity_id: id.to_string(),
                before: serde_json::Value::Null,
                after: serde_json::json!({ "failed_logins": failed }),
                request_id,
            },
        )
        .await?;
        tx.commit().await?;
        return Ok(outcome);
    }
    let token = random_token();
    tx.exec("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?", vec![id.into()]).await?;
    // Expired sessions are swept here, so the table never needs a separate job.
    tx.exec("DELETE FROM sessions WHERE expires_at < ?", vec![now.into()]).await?;
    tx.exec(
        "INSERT INTO sessions (id, user_id, csrf, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        vec![sha256_hex(&token).into(), id.into(), random_token().into(), now.into(), now.into(), (now + SESSION_IDLE_MS).into()],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: username.trim(),
            action: "auth.login",
            entity: "user",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
            request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(LoginOutcome::Ok { token, user_id: id })
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct Session {
    pub csrf: String,
    pub user: User,
    pub unit_path: Option<String>,
}

const SESSION_USER_SQL: &str = "SELECT u.id, u.username, u.display_name, u.role, u.org_unit_id, u.organisation_id, u.active, ou.path AS unit_path";

/// Columns 0–7 of [`SESSION_USER_SQL`].
fn session_user_from(r: &dyn crate::db::ReadRow) -> Result<(User, Option<String>)> {
    let user = User {
        id: r.int(0)?,
        username: r.text(1)?,
        display_name: r.text(2)?,
        role: r.text(3)?,
        org_unit_id: r.opt_int(4)?,
        organisation_id: r.opt_int(5)?,
        active: r.int(6)? == 1,
    };
    Ok((user, r.opt_text(7)?))
}

/// The session for a cookie token, if it is live; refreshes its idle deadline now and then.
pub async fn session(db: &Db, token: &str) -> Result<Option<Session>> {
    let id = sha256_hex(token);
    let now = now_ms();
    let sql = format!("{SESSION_USER_SQL}, s.csrf, s.last_seen, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN org_units ou ON ou.id = u.org_unit_id WHERE s.id = ?");
    let rows = db
        .read(&sql, vec![id.clone().into()], |r| {
            let (user, unit_path) = session_user_from(r)?;
            Ok((user, unit_path, r.text(8)?, r.int(9)?, r.int(10)?))
        })
        .await?;
    let Some((user, unit_path, csrf, last_seen, expires)) = rows.into_iter().next() else { return Ok(None) };
    if expires <= now || !user.active {
        return Ok(None);
    }
    if now - last_seen > TOUCH_EVERY_MS {
        // Plain UPDATE: a session refresh is not an audited change and needs no write lock order.
        db.conn
            .execute_raw(db.stmt(
                "UPDATE sessions SET last_seen = ?, expires_at = ? WHERE id = ?",
                vec![now.into(), (now + SESSION_IDLE_MS).into(), id.into()],
            ))
            .await?;
    }
    Ok(Some(Session { csrf, user, unit_path }))
}

use sea_orm::ConnectionTrait;

pub async fn logout(db: &Db, token: &str, username: &str, request_id: &str) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx.exec("DELETE FROM sessions WHERE id = ?", vec![sha256_hex(token).into()]).await?;
    if n > 0 {
        audit::append(
            &tx,
            Change {
                actor: username,
                action: "auth.logout",
                entity: "session",
                entity_id: String::new(),
                before: serde_json::Value::Null,
                after: serde_json::Value::Null,
                request_id,
            },
        )
        .await?;
    }
    tx.commit().await
}

#[derive(Debug, Clone, PartialEq)]
pub enum PasswordChange {
    Changed,
    WrongCurrent,
    Weak(&'static str),
}

/// Changes a password after checking the current one; other sessions of the user end.
pub async fn change_password(
    db: &Db,
    user_id: i64,
    current: &str,
    new: &str,
    keep_session_token: &str,
    username: &str,
    request_id: &str,
) -> Result<PasswordChange> {
    let hash: String = db
        .query_one("SELECT password_hash FROM users WHERE id = ?", vec![user_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?
        .try_get("", "password_hash")?;
    if !verify_password(current, &hash) {
        return Ok(PasswordChange::WrongCurrent);
    }
    if let Some(p) = password_problem(new) {
        return Ok(PasswordChange::Weak(p));
    }
    let new_hash = hash_password(new)?;
    let tx = db.begin_write().await?;
    tx.exec("UPDATE users SET password_hash = ? WHERE id = ?", vec![new_hash.into(), user_id.into()]).await?;
    tx.exec(
        "DELETE FROM sessions WHERE user_id = ? AND id <> ?",
        vec![user_id.into(), sha256_hex(keep_session_token).into()],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: username,
            action: "user.password_change",
            entity: "user",
            entity_id: user_id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
            request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordChange::Changed)
}

/// Creates an API token for a user; the clear token is returned once and only its hash kept.
pub async fn create_token(db: &Db, user_id: i64, name: &str, actor: &str, request_id: &str) -> Result<String> {
    let token = format!("ic_{}", random_token());
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
            vec![user_id.into(), name.into(), sha256_hex(&token).into(), now_ms().into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor,
            action: "api_token.create",
            entity: "api_token",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "user_id": user_id, "name": name }),
            request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The user an API token belongs to.
pub async fn token_user(db: &Db, token: &str) -> Result<Option<(User, Option<String>)>> {
    let sql = format!("{SESSION_USER_SQL} FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN org_units ou ON ou.id = u.org_unit_id WHERE t.token_hash = ?");
    let rows = db.read(&sql, vec![sha256_hex(token).into()], session_user_from).await?;
    Ok(rows.into_iter().next().filter(|(user, _)| user.active))
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

pub async fn list(db: &Db) -> Result<Vec<UserRow>> {
    db.query_all(
        "SELECT u.id, u.username, u.display_name, u.role, ou.name_zh AS unit_name, o.name AS organisation_name, u.locked_until, u.created_at, u.active FROM users u LEFT JOIN org_units ou ON ou.id = u.org_unit_id LEFT JOIN organisations o ON o.id = u.organisation_id ORDER BY u.id",
        vec![],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(UserRow {
            id: r.try_get("", "id")?,
            username: r.try_get("", "username")?,
            display_name: r.try_get("", "display_name")?,
            role: r.try_get("", "role")?,
            unit_name: r.try_get("", "unit_name")?,
            organisation_name: r.try_get("", "organisation_name")?,
            locked_until: r.try_get("", "locked_until")?,
            created_at: r.try_get("", "created_at")?,
            active: r.try_get::<i64>("", "active")? == 1,
        })
    })
    .collect()
}

/// Whether a username is well-formed: 1–64 letters, digits, '.', '_' or '-'.
pub fn username_ok(username: &str) -> bool {
    !username.is_empty() && username.len() <= 64 && username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Turns an account on or off; turning it off ends its sessions and its API tokens stop working.
pub async fn set_active(db: &Db, user_id: i64, active: bool, actor: &str, request_id: &str) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE users SET active = ? WHERE id = ?", vec![i64::from(active).into(), user_id.into()]).await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    if !active {
        tx.exec("DELETE FROM sessions WHERE user_id = ?", vec![user_id.into()]).await?;
    }
    audit::append(
        &tx,
        Change {
            actor,
            action: if active { "user.activate" } else { "user.deactivate" },
            entity: "user",
            entity_id: user_id.to_string(),
            before: serde_json::json!({ "active": !active }),
            after: serde_json::json!({ "active": active }),
            request_id,
        },
    )
    .await?;
    tx.commit().await
}
