//! Accounts, for the system administrator: list and add, with field-level errors.
use crate::app::AppState;
use crate::auth::{Auth, ManageUsers, parse_form};
use crate::error::AppResult;
use crate::i18n::t;
use crate::orgs::UnitOption;
use crate::page::{FieldErrors, Shell, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Role;
use innocity_store::users::{self, NewUser, UserRow};

#[derive(Default, serde::Deserialize)]
pub struct UserInput {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    org_unit_id: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    s: Shell,
    users: Vec<UserRow>,
    input: UserInput,
    errors: FieldErrors,
    roles: Vec<&'static str>,
    units: Vec<UnitOption>,
    added: bool,
}

impl UsersPage {
    fn selected_unit(&self, id: &i64) -> bool {
        self.input.org_unit_id.trim() == id.to_string()
    }
    fn is_me(&self, id: &i64) -> bool {
        self.s.user.as_ref().is_some_and(|u| u.user_id == *id)
    }
}

async fn page(
    state: &AppState,
    a: &Auth<ManageUsers>,
    input: UserInput,
    errors: Vec<(String, String)>,
    added: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let users = users::list(&state.db).await?;
    let units = innocity_store::orgs::units(&state.db).await?;
    let units = units
        .into_iter()
        .filter(|u| u.level == "zone" || u.level == "park")
        .map(|u| UnitOption {
            id: u.id,
            label: if ctx.lang == crate::i18n::Lang::Zh { u.name_zh } else { u.name_en },
        })
        .collect();
    let mut r = render(&UsersPage {
        s: ctx.shell(),
        users,
        input,
        errors: FieldErrors(errors),
        roles: Role::ALL.iter().map(|r| r.code()).collect(),
        units,
        added,
    });
    *r.status_mut() = status;
    Ok(r)
}

pub async fn list(
    State(state): State<AppState>,
    a: Auth<ManageUsers>,
    q: axum::extract::Query<std::collections::HashMap<String, String>>,
) -> AppResult<Response> {
    let added = q.contains_key("added");
    page(&state, &a, UserInput::default(), vec![], added, StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    a: Auth<ManageUsers>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: UserInput = parse_form(ctx, &body)?;
    let lang = ctx.lang;
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut err = |f: &str, key: &str| errors.push((f.to_string(), t(lang, key).to_string()));
    let username = input.username.trim();
    if !users::username_ok(username) {
        err("username", "err.username");
    }
    if input.display_name.trim().is_empty() {
        err("display_name", "err.required");
    }
    let role = Role::parse(input.role.trim());
    if role.is_none() {
        err("role", "err.choose");
    }
    if let Some(problem) = users::password_problem(&input.password) {
        err("password", crate::error::password_key(problem));
    }
    let unit_id = input.org_unit_id.trim().parse::<i64>().ok();
    if role.is_some_and(|r| r.needs_unit()) && unit_id.is_none() {
        err("org_unit_id", "err.user.unit_required");
    }
    let mut org_id = None;
    if role.is_some_and(|r| r.needs_organisation()) {
        match innocity_store::orgs::by_credit_code(&state.db, &input.organisation).await? {
            Some(o) => org_id = Some(o.id),
            None => err("organisation", "err.user.org_unknown"),
        }
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return page(&state, &a, input, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let new = NewUser {
        username,
        display_name: input.display_name.trim(),
        password: &input.password,
        role,
        org_unit_id: if role.needs_unit() { unit_id } else { None },
        organisation_id: org_id,
    };
    match users::add_with(
        &state.db,
        &crate::blocking::Pool,
        &new,
        &a.principal.username,
        &ctx.request_id,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/users?added=1").into_response()),
        Err(innocity_store::StoreError::Duplicate(_)) => {
            let errors = vec![("username".to_string(), t(lang, "err.user.duplicate").to_string())];
            page(&state, &a, input, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(ctx.err(e.into())),
    }
}

#[derive(serde::Deserialize)]
struct ActiveForm {
    #[serde(default)]
    active: String,
}

/// Deactivates or reactivates an account (never one's own).
pub async fn set_active(
    State(state): State<AppState>,
    a: Auth<ManageUsers>,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let id = crate::orgs::parse_id(ctx, &id)?;
    let f: ActiveForm = parse_form(ctx, &body)?;
    if id == a.principal.user_id {
        return Err(ctx.err(crate::error::AppError::new(
            StatusCode::CONFLICT,
            "own_account",
            "err.user.own",
        )));
    }
    let active = match f.active.as_str() {
        "1" => true,
        "0" => false,
        other => {
            return Err(ctx.err(crate::error::AppError::bad_request(format!("active={other}"))));
        }
    };
    users::set_active(&state.db, id, active, &a.principal.username, &ctx.request_id).await?;
    Ok(Redirect::to("/users").into_response())
}

/// User accounts.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}/active", post(set_active))
}
