//! The audit log page for bureau staff: browse and filter.
use crate::app::AppState;
use crate::auth::{Auth, ViewAudit};
use crate::error::{AppError, AppResult};
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use innocity_core::audit::Entry;
use innocity_store::audit::{self, Filter};
use std::collections::HashMap;

pub const PAGE: u64 = 50;

/// Reads the filter from query parameters; a bad `before_seq` is a 400 naming it.
pub fn filter_of(q: &HashMap<String, String>) -> Result<Filter, AppError> {
    let get = |k: &str| {
        q.get(k).map(|v| v.trim().chars().take(100).collect::<String>()).unwrap_or_default()
    };
    let before_seq = match q.get("before_seq").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(v) => {
            Some(v.parse::<i64>().map_err(|_| AppError::bad_request(format!("before_seq={v}")))?)
        }
    };
    Ok(Filter {
        actor: get("actor"),
        action: get("action"),
        entity: get("entity"),
        entity_id: get("entity_id"),
        before_seq,
    })
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    s: Shell,
    f: Filter,
    entries: Vec<Entry>,
    more_href: String,
}

pub async fn page(
    State(state): State<AppState>,
    a: Auth<ViewAudit>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f = filter_of(&q).map_err(|e| ctx.err(e))?;
    let entries = audit::list(&state.db, &f, PAGE).await?;
    let more_href = match entries.last() {
        Some(last) if entries.len() as u64 == PAGE => {
            let params = [
                ("actor", &f.actor),
                ("action", &f.action),
                ("entity", &f.entity),
                ("entity_id", &f.entity_id),
            ];
            let mut p: Vec<(&str, String)> = params
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (*k, v.to_string()))
                .collect();
            p.push(("before_seq", last.seq.to_string()));
            format!("/audit?{}", serde_urlencoded::to_string(p).unwrap_or_default())
        }
        _ => String::new(),
    };
    Ok(render(&AuditPage { s: ctx.shell(), f, entries, more_href }))
}

/// The audit log.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/audit", get(page))
}
