//! Signing in and out, changing the password, and API tokens, as pages.
use super::{
    Auth, Ctx, ManageTokens, SESSION_COOKIE, ViewWorkspace, format_time, parse_form, set_cookie,
};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::tf;
use crate::page::{FieldErrors, Shell, render};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_store::users::{self, LoginOutcome, PasswordChange};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    s: Shell,
    username: String,
    next: String,
    error: String,
}

#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(ctx: Ctx, q: axum::extract::Query<LoginQuery>) -> Response {
    render(&LoginPage {
        s: ctx.shell(),
        username: String::new(),
        next: safe_next(&q.next),
        error: String::new(),
    })
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only paths on our own origin, as a browser would parse them, are followed after sign-in
/// (no open redirects); anything else is dropped.
pub(super) fn safe_next(next: &str) -> String {
    innocity_core::signin::local_target(next).unwrap_or_default()
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let form: LoginForm = parse_form(&ctx, &body)?;
    let page = |error: String, status: StatusCode| {
        let mut r = render(&LoginPage {
            s: ctx.shell(),
            username: form.username.clone(),
            next: safe_next(&form.next),
            error,
        });
        *r.status_mut() = status;
        r
    };
    if form.username.trim().is_empty() || form.password.is_empty() {
        return Ok(page(tf(ctx.lang, "login.required", &[]), StatusCode::UNPROCESSABLE_ENTITY));
    }
    let attempt = users::SignIn {
        username: &form.username,
        password: &form.password,
        client: ctx.client.as_deref(),
        request_id: &ctx.request_id,
    };
    match users::login(&state.db, &crate::blocking::Pool, &attempt).await? {
        LoginOutcome::Ok { token, .. } => {
            let next = safe_next(&form.next);
            let mut r =
                Redirect::to(if next.is_empty() { "/workspace" } else { &next }).into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &token, state.config.secure_cookies, None, true),
            );
            Ok(r)
        }
        LoginOutcome::Invalid => {
            Ok(page(tf(ctx.lang, "login.invalid", &[]), StatusCode::UNAUTHORIZED))
        }
        LoginOutcome::Throttled { retry_after_ms } => {
            // The same words for every name, known or not; the wait only in `Retry-After`.
            let mut r = page(tf(ctx.lang, "login.throttled", &[]), StatusCode::TOO_MANY_REQUESTS);
            let secs = (retry_after_ms + 999) / 1000;
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
            Ok(r)
        }
    }
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let (Some(token), Some(p)) = (&ctx.session_token, &ctx.principal) {
        users::logout(&state.db, token, &p.username, &ctx.request_id).await?;
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", state.config.secure_cookies, Some(0), true),
    );
    Ok(r)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    s: Shell,
    errors: FieldErrors,
    done: bool,
}

pub async fn password_form(a: Auth<ViewWorkspace>) -> Response {
    render(&PasswordPage { s: a.ctx.shell(), errors: FieldErrors::default(), done: false })
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn password_change(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    signed_in_person(ctx)?;
    let f: PasswordForm = parse_form(ctx, &body)?;
    let fail = |field: &str, key: &str| {
        let mut r = render(&PasswordPage {
            s: ctx.shell(),
            errors: FieldErrors(vec![(field.to_string(), tf(ctx.lang, key, &[]))]),
            done: false,
        });
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok(r)
    };
    if f.new != f.confirm {
        return fail("confirm", "err.password.mismatch");
    }
    let Some(token) = &ctx.session_token else { return Err(ctx.err(AppError::unauthorized())) };
    let change = users::NewPassword {
        user_id: a.principal.user_id,
        current: &f.current,
        new: &f.new,
        keep_session_token: token,
        username: &a.principal.username,
        request_id: &ctx.request_id,
    };
    match users::change_password(&state.db, &crate::blocking::Pool, &change).await? {
        PasswordChange::Changed => {
            Ok(render(&PasswordPage { s: ctx.shell(), errors: FieldErrors::default(), done: true }))
        }
        PasswordChange::WrongCurrent => fail("current", "err.password.wrong"),
        PasswordChange::Weak(problem) => fail("new", crate::error::password_key(problem)),
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    s: Shell,
    created: String,
    error: String,
    /// A token was just revoked.
    revoked: bool,
    tokens: Vec<TokenLine>,
    days: &'static [i64],
    default_days: i64,
}

/// One of the user's tokens, as the list shows it.
struct TokenLine {
    id: i64,
    name: String,
    created: String,
    expires: String,
    last_used: String,
    expired: bool,
    read_only: bool,
}

async fn tokens_render(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    created: String,
    error: String,
) -> AppResult<Response> {
    let now = ctx.clock.now_ms();
    let tokens = users::tokens(&state.db, user_id)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id,
            name: t.name,
            created: format_time(ctx.lang, t.created_at),
            expires: format_time(ctx.lang, t.expires_at),
            last_used: if t.last_used_at > 0 {
                format_time(ctx.lang, t.last_used_at)
            } else {
                tf(ctx.lang, "tokens.never_used", &[])
            },
            expired: t.expires_at <= now,
            read_only: t.read_only,
        })
        .collect();
    let revoked = ctx.query.split('&').any(|kv| kv == "revoked=1");
    let page = TokensPage {
        s: ctx.shell(),
        created,
        error,
        revoked,
        tokens,
        days: &users::TOKEN_DAYS,
        default_days: users::DEFAULT_TOKEN_DAYS,
    };
    Ok(render(&page))
}

/// Tokens and passwords are managed by the person, signed in on the web: an API token may not
/// make itself a longer-lived one or change the password behind it.
fn signed_in_person(ctx: &Ctx) -> AppResult<()> {
    if ctx.via_token {
        Err(ctx.err(AppError::new(
            StatusCode::FORBIDDEN,
            "token_cannot_manage",
            "err.token.manage",
        )))
    } else {
        Ok(())
    }
}

pub async fn tokens_page(
    State(state): State<AppState>,
    a: Auth<ManageTokens>,
) -> AppResult<Response> {
    tokens_render(&state, &a.ctx, a.principal.user_id, String::new(), String::new()).await
}

#[derive(serde::Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: Option<i64>,
    /// A checkbox: present when ticked.
    #[serde(default)]
    read_only: Option<String>,
}

pub async fn tokens_create(
    State(state): State<AppState>,
    a: Auth<ManageTokens>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    signed_in_person(ctx)?;
    let f: TokenForm = parse_form(ctx, &body)?;
    let name = f.name.trim();
    let days = f.days.unwrap_or(users::DEFAULT_TOKEN_DAYS);
    let problem = if name.is_empty() {
        Some(tf(ctx.lang, "err.required", &[]))
    } else if name.chars().count() > 50 {
        Some(tf(ctx.lang, "err.too_long", &["50".into()]))
    } else if !users::TOKEN_DAYS.contains(&days) {
        Some(tf(ctx.lang, "tokens.bad_days", &[]))
    } else {
        None
    };
    if let Some(error) = problem {
        let mut r = tokens_render(&state, ctx, a.principal.user_id, String::new(), error).await?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let new = users::NewToken {
        user_id: a.principal.user_id,
        name,
        days,
        read_only: f.read_only.is_some(),
        actor: &a.principal.username,
        request_id: &ctx.request_id,
    };
    let token = users::create_token(&state.db, &new).await?;
    tokens_render(&state, ctx, a.principal.user_id, token, String::new()).await
}

/// Ends one of the user's own tokens (a form post: CSRF-checked like every other).
pub async fn tokens_revoke(
    State(state): State<AppState>,
    a: Auth<ManageTokens>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    signed_in_person(ctx)?;
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    users::revoke_token(&state.db, a.principal.user_id, id, &a.principal.username, &ctx.request_id)
        .await?;
    Ok(Redirect::to("/tokens?revoked=1").into_response())
}
