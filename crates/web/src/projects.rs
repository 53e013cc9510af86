//! Calls and applications as pages: researchers apply, organisation admins endorse, zones
//! recommend, the bureau checks, reviews, decides. Who may see an application, and at which level
//! they act on it, is decided in one place ([`level_on`]). After the decision: [`execution`].
pub mod applications;
pub mod applying;
pub mod board;
pub mod calls;
pub mod execution;
pub mod project_page;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use axum::Router;
use axum::routing::{get, post};
use chrono::NaiveDate;
use innocity_core::access::{Principal, Role, Scope};
use innocity_core::projects::{Level, Stage};
use innocity_store::projects::{self as store, Application, Reach};

fn stage_label(lang: Lang, s: Stage) -> &'static str {
    t(lang, &format!("apps.stage.{}", s.code()))
}

fn date_zh(d: NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

/// Whether `p` may see application `a`, and at which level they act (the rule is core's).
pub fn level_on(p: &Principal, a: &Application) -> Option<Level> {
    innocity_core::projects::level_on(
        p,
        innocity_core::projects::Holder {
            organisation_id: a.organisation_id,
            leader_user_id: a.leader_user_id,
            unit_path: &a.unit_path,
        },
    )
}

// ---------------------------------------------------------------- calls

fn reach_of(p: &Principal) -> Option<Reach<'_>> {
    match (&p.role, &p.scope) {
        (Role::SystemAdmin | Role::BureauStaff, _) => Some(Reach::All),
        (Role::ZoneAdmin, Scope::Subtrees(roots)) => Some(Reach::Area(roots)),
        (Role::OrgAdmin, Scope::Organisation(o)) => Some(Reach::Organisation(*o)),
        (Role::OrgMember, _) => Some(Reach::Leader(p.user_id)),
        _ => None,
    }
}

async fn load(state: &AppState, p: &Principal, id: i64) -> AppResult<(Application, Level)> {
    let a = store::application(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    // Someone else's application does not exist for this person.
    let level = level_on(p, &a).ok_or_else(AppError::not_found)?;
    Ok((a, level))
}

#[derive(serde::Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    notice: String,
}

/// A file's size as the file lists show it.
pub fn file_size(bytes: i64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// The message of a `?notice=` key, or nothing for a key without one.
pub fn notice_text(lang: Lang, key: &str) -> String {
    crate::i18n::lookup(lang, &format!("notice.{key}")).unwrap_or_default().to_string()
}

/// A question of the call's own form, ready for the page.
pub struct Question {
    /// The form field's name: `q.<label>`.
    name: String,
    label: String,
    /// text, longtext, number, date, choice
    kind: &'static str,
    options: Vec<crate::page::Choice>,
    value: String,
    required: bool,
    hint: String,
}

#[derive(serde::Deserialize, Default)]
pub struct BoardQuery {
    #[serde(default)]
    format: String,
}

/// The application pages, the board and a project's page; the calls and what follows the
/// decision bring their own.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/applications", get(applications::list).post(applying::create))
        .route("/applications/new", get(applying::new_form))
        .route("/applications/{id}", get(applications::view).post(applying::save))
        .route("/applications/{id}/autosave", post(applying::autosave))
        .route("/applications/{id}/act", post(applications::act))
        .route("/applications/{id}/department", post(applications::department))
        .route("/applications/{id}/upload", post(applying::upload))
        .route("/applications/{id}/files/{file}", get(applying::file))
        .route("/projects/board", get(board::board))
        .route("/projects/{id}", get(project_page::project_page).post(project_page::project_act))
        .merge(calls::routes())
        .merge(execution::routes())
}
