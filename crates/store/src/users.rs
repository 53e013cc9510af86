//! Accounts, passwords (argon2id), sessions and API tokens, all kept in the database so that
//! several servers on one PostgreSQL database behave as one.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, now_ms};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use innocity_core::access::Role;
use innocity_core::signin::{
    ACCOUNT_BACKOFF, ADDRESS_BACKOFF, Backoff, FORGET_AFTER_MS, normalised_username,
};
use sea_orm::QueryResult;
use serde::Serialize;
use sha2::{Digest, Sha256};

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

/// Why a password is not acceptable (message keys).
pub fn password_problem(password: &str) -> Option<&'static str> {
    if password.chars().count() < 10 {
        Some("err.password.short")
    } else if password.len() > 200 {
        Some("err.password.long")
    } else if !(password.chars().any(|c| c.is_ascii_digit())
        && password.chars().any(|c| c.is_alphabetic()))
    {
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
    /// Too many failures for this name or this client address: wait this long (ms). Said the
    /// same way whether or not the name has an account.
    Throttled { retry_after_ms: i64 },
}

/// One sign-in attempt.
pub struct SignIn<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The client's address (or its network, for IPv6), when known: failures are counted per
    /// address too.
    pub client: Option<&'a str>,
    pub request_id: &'a str,
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

/// The failure counters an attempt is counted on: its (normalised) name, whether or not an
/// account has it, and its client address.
struct Counters {
    name: String,
    user: String,
    address: Option<String>,
}

impl Counters {
    fn of(a: &SignIn<'_>) -> Counters {
        let name = normalised_username(a.username);
        Counters {
            user: format!("user:{name}"),
            address: a.client.map(|c| format!("addr:{c}")),
            name,
        }
    }
    fn each(&self) -> impl Iterator<Item = (&str, Backoff)> {
        std::iter::once((self.user.as_str(), ACCOUNT_BACKOFF))
            .chain(self.address.as_deref().map(|a| (a, ADDRESS_BACKOFF)))
    }
}

/// What [`reserve`] decided.
enum Reservation {
    /// Not now: wait this long (ms).
    Refused { wait_ms: i64 },
    /// Counted as a failure already; if it is one, the wait that follows and the name's count.
    Taken { wait_if_failed_ms: i64, failures: i64 },
}

/// Counts the attempt as a failure on each of its counters BEFORE its password is checked, in
/// one write transaction (writers queue on the audit head, on both backends), so that attempts
/// in parallel cannot all pass one check: at most `free` guesses are ever checked before the
/// waits begin. A refused attempt is not counted.
async fn reserve(db: &Db, c: &Counters, now: i64) -> Result<Reservation> {
    let tx = db.begin_write().await?;
    tx.exec("DELETE FROM login_throttle WHERE last_at < ?", vec![(now - FORGET_AFTER_MS).into()])
        .await?;
    let mut counts = Vec::new();
    let mut wait_ms = 0;
    for (bucket, backoff) in c.each() {
        let row = tx
            .query_one(
                "SELECT failures, blocked_until FROM login_throttle WHERE bucket = ?",
                vec![bucket.into()],
            )
            .await?;
        let (failures, until): (i64, i64) = match row {
            Some(r) => (r.try_get("", "failures")?, r.try_get("", "blocked_until")?),
            None => (0, 0),
        };
        wait_ms = wait_ms.max(until - now);
        counts.push((bucket, backoff, failures + 1));
    }
    if wait_ms > 0 {
        tx.commit().await?;
        return Ok(Reservation::Refused { wait_ms });
    }
    let mut wait_if_failed_ms = 0;
    for (bucket, backoff, failures) in &counts {
        let wait = backoff.wait_after(*failures);
        wait_if_failed_ms = wait_if_failed_ms.max(wait);
        let until = if wait > 0 { now + wait } else { 0 };
        tx.exec(
            "INSERT INTO login_throttle (bucket, failures, blocked_until, last_at) VALUES (?, ?, ?, ?) ON CONFLICT (bucket) DO UPDATE SET failures = excluded.failures, blocked_until = excluded.blocked_until, last_at = excluded.last_at",
            vec![(*bucket).into(), (*failures).into(), until.into(), now.into()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Reservation::Taken { wait_if_failed_ms, failures: counts[0].2 })
}

/// The account a sign-in names, as the check needs it.
struct Account {
    id: i64,
    username: String,
    hash: String,
    active: bool,
}

async fn account(db: &Db, username: &str) -> Result<Option<Account>> {
    let row = db
        .query_one(
            "SELECT id, username, password_hash, active FROM users WHERE username = ?",
            vec![username.trim().into()],
        )
        .await?;
    row.map(|r| {
        Ok(Account {
            id: r.try_get("", "id")?,
            username: r.try_get("", "username")?,
            hash: r.try_get("", "password_hash")?,
            active: r.try_get::<i64>("", "active")? == 1,
        })
    })
    .transpose()
}

/// Checks a password on `heavy`, after counting the attempt on the name's and the address's
/// counters (see [`reserve`]): five failures for a name, or ten from an address, and each
/// further attempt waits, longer after each failure (growing delays, never a lock-out for ever).
/// Names without an account are counted and checked (against a dummy hash) the same way, so
/// the answers and their timing do not tell which names exist.
pub async fn login(db: &Db, heavy: &impl Heavy, a: &SignIn<'_>) -> Result<LoginOutcome> {
    let counters = Counters::of(a);
    let (wait_if_failed_ms, failures) = match reserve(db, &counters, now_ms()).await? {
        Reservation::Refused { wait_ms } => {
            return Ok(LoginOutcome::Throttled { retry_after_ms: wait_ms });
        }
        Reservation::Taken { wait_if_failed_ms, failures } => (wait_if_failed_ms, failures),
    };
    let account = account(db, a.username).await?;
    let hash = account.as_ref().map_or_else(|| dummy_hash().to_string(), |acc| acc.hash.clone());
    let matches = verify_on(heavy, a.password, hash).await?;
    match account {
        Some(acc) if matches && acc.active => start_session(db, &acc, &counters, a).await,
        _ => {
            let failure =
                Failure { account_id: account.map(|acc| acc.id), failures, client: a.client };
            record_failure(db, &counters, &failure, a.request_id).await?;
            Ok(if wait_if_failed_ms > 0 {
                LoginOutcome::Throttled { retry_after_ms: wait_if_failed_ms }
            } else {
                LoginOutcome::Invalid
            })
        }
    }
}

struct Failure<'a> {
    account_id: Option<i64>,
    failures: i64,
    client: Option<&'a str>,
}

async fn record_failure(db: &Db, c: &Counters, f: &Failure<'_>, request_id: &str) -> Result<()> {
    let tx = db.begin_write().await?;
    audit::append(
        &tx,
        Change {
            actor: &c.name,
            action: "auth.login_failed",
            entity: "user",
            entity_id: f.account_id.map(|id| id.to_string()).unwrap_or_default(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "failures": f.failures, "client": f.client }),
            request_id,
        },
    )
    .await?;
    tx.commit().await
}

/// A right password: the name's failures are forgotten, the address's reservation handed back
/// (an address's count is never cleared by a success, or one's own account would clear it).
async fn start_session(
    db: &Db,
    acc: &Account,
    c: &Counters,
    a: &SignIn<'_>,
) -> Result<LoginOutcome> {
    let user_id = acc.id;
    let now = now_ms();
    let token = random_token();
    let tx = db.begin_write().await?;
    tx.exec("DELETE FROM login_throttle WHERE bucket = ?", vec![c.user.clone().into()]).await?;
    if let Some(address) = &c.address {
        tx.exec(
            "UPDATE login_throttle SET failures = failures - 1, blocked_until = CASE WHEN failures - 1 < ? THEN 0 ELSE blocked_until END WHERE bucket = ?",
            vec![ADDRESS_BACKOFF.free.into(), address.clone().into()],
        )
        .await?;
    }
    // Expired sessions are swept here, so the table never needs a separate job.
    tx.exec("DELETE FROM sessions WHERE expires_at < ?", vec![now.into()]).await?;
    tx.exec(
        "INSERT INTO sessions (id, user_id, csrf, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        vec![sha256_hex(&token).into(), user_id.into(), random_token().into(), now.into(), now.into(), (now + SESSION_IDLE_MS).into()],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: &acc.username,
            action: "auth.login",
            entity: "user",
            entity_id: user_id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "client": a.client }),
            request_id: a.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(LoginOutcome::Ok { token, user_id })
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
    let sql = format!(
        "{SESSION_USER_SQL}, s.csrf, s.last_seen, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN org_units ou ON ou.id = u.org_unit_id WHERE s.id = ?"
    );
    let rows = db
        .read(&sql, vec![id.clone().into()], |r| {
            let (user, unit_path) = session_user_from(r)?;
            Ok((user, unit_path, r.text(8)?, r.int(9)?, r.int(10)?))
        })
        .await?;
    let Some((user, unit_path, csrf, last_seen, expires)) = rows.into_iter().next() else {
        return Ok(None);
    };
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

/// How long an API token may live (days): its owner chooses at creation.
pub const TOKEN_DAYS: [i64; 4] = [7, 30, 90, 365];
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// `last_used_at` is written at most this often, so API reads stay reads.
const TOKEN_TOUCH_EVERY_MS: i64 = 60 * 1000;

/// A token to create.
pub struct NewToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    /// One of [`TOKEN_DAYS`].
    pub days: i64,
    /// Only GET and HEAD requests are allowed with it.
    pub read_only: bool,
    pub actor: &'a str,
    pub request_id: &'a str,
}

/// Creates an API token for a user; the clear token is returned once and only its hash kept.
pub async fn create_token(db: &Db, t: &NewToken<'_>) -> Result<String> {
    if !TOKEN_DAYS.contains(&t.days) {
        return Err(StoreError::Invalid(format!("token lifetime: one of {TOKEN_DAYS:?} days")));
    }
    let token = format!("ic_{}", random_token());
    let now = now_ms();
    let expires_at = now + t.days * DAY_MS;
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at, last_used_at, read_only) VALUES (?, ?, ?, ?, ?, 0, ?)",
            vec![t.user_id.into(), t.name.into(), sha256_hex(&token).into(), now.into(), expires_at.into(), i64::from(t.read_only).into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: t.actor,
            action: "api_token.create",
            entity: "api_token",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "user_id": t.user_id, "name": t.name, "expires_at": expires_at, "read_only": t.read_only }),
            request_id: t.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// An API token as its owner's list shows it (never the token itself).
#[derive(Debug, Clone, Serialize)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// 0 when never used.
    pub last_used_at: i64,
    pub read_only: bool,
}

/// A user's tokens, live and expired, newest first.
pub async fn tokens(db: &Db, user_id: i64) -> Result<Vec<TokenRow>> {
    db.read(
        "SELECT id, name, created_at, expires_at, last_used_at, read_only FROM api_tokens WHERE user_id = ? ORDER BY id DESC",
        vec![user_id.into()],
        |r| {
            Ok(TokenRow {
                id: r.int(0)?,
                name: r.text(1)?,
                created_at: r.int(2)?,
                expires_at: r.int(3)?,
                last_used_at: r.int(4)?,
                read_only: r.int(5)? == 1,
            })
        },
    )
    .await
}

/// Ends one of a user's tokens; `NotFound` when the user has no such token.
pub async fn revoke_token(
    db: &Db,
    user_id: i64,
    token_id: i64,
    actor: &str,
    request_id: &str,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let row = tx
        .query_one(
            "SELECT name FROM api_tokens WHERE id = ? AND user_id = ?",
            vec![token_id.into(), user_id.into()],
        )
        .await?;
    let name: String = row.ok_or(StoreError::NotFound)?.try_get("", "name")?;
    tx.exec("DELETE FROM api_tokens WHERE id = ?", vec![token_id.into()]).await?;
    audit::append(
        &tx,
        Change {
            actor,
            action: "api_token.revoke",
            entity: "api_token",
            entity_id: token_id.to_string(),
            before: serde_json::json!({ "user_id": user_id, "name": name }),
            after: serde_json::Value::Null,
            request_id,
        },
    )
    .await?;
    tx.commit().await
}

/// The user behind a live API token, and what the token allows.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub user: User,
    pub unit_path: Option<String>,
    pub read_only: bool,
}

/// The user a live (unexpired) API token belongs to; notes the token's use now and then.
pub async fn token_user(db: &Db, token: &str) -> Result<Option<TokenUser>> {
    let sql = format!(
        "{SESSION_USER_SQL}, t.id, t.read_only, t.expires_at, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN org_units ou ON ou.id = u.org_unit_id WHERE t.token_hash = ?"
    );
    let rows = db
        .read(&sql, vec![sha256_hex(token).into()], |r| {
            let (user, unit_path) = session_user_from(r)?;
            Ok((
                TokenUser { user, unit_path, read_only: r.int(9)? == 1 },
                r.int(8)?,
                r.int(10)?,
                r.int(11)?,
            ))
        })
        .await?;
    let now = now_ms();
    let Some((found, id, expires_at, last_used_at)) = rows.into_iter().next() else {
        return Ok(None);
    };
    if expires_at <= now || !found.user.active {
        return Ok(None);
    }
    if now - last_used_at > TOKEN_TOUCH_EVERY_MS {
        // Plain UPDATE, like a session's refresh: a note of use, not an audited change.
        db.conn
            .execute_raw(db.stmt(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
                vec![now.into(), id.into()],
            ))
            .await?;
    }
    Ok(Some(found))
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
