//! Signing in and out: the throttle per name and per address, sessions.
use super::*;

/// A session lives this long after its last use.
pub const SESSION_IDLE_MS: i64 = 8 * 60 * 60 * 1000;
/// `last_seen` is refreshed at most this often, to keep reads read-only.
const TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;

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
pub(crate) struct Account {
    id: i64,
    username: String,
    hash: String,
    active: bool,
}

impl FromRow for Account {
    const TABLE: &'static str = "users";
    columns!(id, username, password_hash, active);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Account { id: f.int()?, username: f.text()?, hash: f.text()?, active: f.flag()? })
    }
}

static ACCOUNT_SQL: LazyLock<String> = LazyLock::new(|| select::<Account>("WHERE username = ?"));

async fn account(db: &Db, username: &str) -> Result<Option<Account>> {
    db.row(&ACCOUNT_SQL, vec![username.trim().into()]).await
}

/// Checks a password on `heavy`, after counting the attempt on the name's and the address's
/// counters (see [`reserve`]): five failures for a name, or ten from an address, and each
/// further attempt waits, longer after each failure (growing delays, never a lock-out for ever).
/// Names without an account are counted and checked (against a dummy hash) the same way, so
/// the answers and their timing do not tell which names exist.
pub async fn login(db: &Db, heavy: &impl Heavy, a: &SignIn<'_>) -> Result<LoginOutcome> {
    let counters = Counters::of(a);
    let (wait_if_failed_ms, failures) = match reserve(db, &counters, db.clock.now_ms()).await? {
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
    let now = db.clock.now_ms();
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
    /// The kind of the user's organisation, if any.
    pub org_kind: Option<String>,
}

/// A session row with its user, as [`session`] reads it (one query, by the token's hash).
pub(crate) struct SessionRow {
    user: User,
    unit_path: Option<String>,
    org_kind: Option<String>,
    csrf: String,
    last_seen: i64,
    expires_at: i64,
}

impl FromRow for SessionRow {
    const TABLE: &'static str = "sessions";
    const FROM: &'static str = "sessions s JOIN users u ON u.id = s.user_id LEFT JOIN org_units ou ON ou.id = u.org_unit_id \
        LEFT JOIN organisations o ON o.id = u.organisation_id";
    columns!(
        "u.id",
        "u.username",
        "u.display_name",
        "u.role",
        "u.org_unit_id",
        "u.organisation_id",
        "u.active",
        "ou.path",
        "o.kind",
        "s.csrf",
        "s.last_seen",
        "s.expires_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(SessionRow {
            user: User::from_row(f)?,
            unit_path: f.opt_text()?,
            org_kind: f.opt_text()?,
            csrf: f.text()?,
            last_seen: f.int()?,
            expires_at: f.int()?,
        })
    }
}

static SESSION_SQL: LazyLock<String> = LazyLock::new(|| select::<SessionRow>("WHERE s.id = ?"));

/// The session for a cookie token, if it is live; refreshes its idle deadline now and then.
pub async fn session(db: &Db, token: &str) -> Result<Option<Session>> {
    let id = sha256_hex(token);
    let now = db.clock.now_ms();
    let Some(SessionRow { user, unit_path, org_kind, csrf, last_seen, expires_at: expires }) =
        db.row(&SESSION_SQL, vec![id.clone().into()]).await?
    else {
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
    Ok(Some(Session { csrf, user, unit_path, org_kind }))
}

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
