//! API tokens: creating, listing, revoking them, and the user a token stands for.
use super::*;

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
    let now = db.clock.now_ms();
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

impl FromRow for TokenRow {
    const TABLE: &'static str = "api_tokens";
    columns!(id, name, created_at, expires_at, last_used_at, read_only);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(TokenRow {
            id: f.int()?,
            name: f.text()?,
            created_at: f.int()?,
            expires_at: f.int()?,
            last_used_at: f.int()?,
            read_only: f.flag()?,
        })
    }
}

/// A user's tokens, live and expired, newest first.
pub async fn tokens(db: &Db, user_id: i64) -> Result<Vec<TokenRow>> {
    db.rows(&select::<TokenRow>("WHERE user_id = ? ORDER BY id DESC"), vec![user_id.into()]).await
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
    /// The kind of the user's organisation, if any.
    pub org_kind: Option<String>,
    pub read_only: bool,
}

/// A token row with its user, as [`token_user`] reads it (one query, by the token's hash).
pub(crate) struct TokenUserRow {
    found: TokenUser,
    id: i64,
    expires_at: i64,
    last_used_at: i64,
}

impl FromRow for TokenUserRow {
    const TABLE: &'static str = "api_tokens";
    const FROM: &'static str = "api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN org_units ou ON ou.id = u.org_unit_id \
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
        "t.id",
        "t.read_only",
        "t.expires_at",
        "t.last_used_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let user = User::from_row(f)?;
        let unit_path = f.opt_text()?;
        let org_kind = f.opt_text()?;
        let id = f.int()?;
        Ok(TokenUserRow {
            found: TokenUser { user, unit_path, org_kind, read_only: f.flag()? },
            id,
            expires_at: f.int()?,
            last_used_at: f.int()?,
        })
    }
}

static TOKEN_USER_SQL: LazyLock<String> =
    LazyLock::new(|| select::<TokenUserRow>("WHERE t.token_hash = ?"));

/// The user a live (unexpired) API token belongs to; notes the token's use now and then.
pub async fn token_user(db: &Db, token: &str) -> Result<Option<TokenUser>> {
    let row: Option<TokenUserRow> = db.row(&TOKEN_USER_SQL, vec![sha256_hex(token).into()]).await?;
    let now = db.clock.now_ms();
    let Some(TokenUserRow { found, id, expires_at, last_used_at }) = row else {
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
