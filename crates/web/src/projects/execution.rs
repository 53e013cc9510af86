//! Pages after the decision: the public notice (anyone reads it and may object while it runs),
//! a project's life (reports, inspections, changes,
//! supervision and audits, outputs, acceptance) and the portfolios of leaders, organisations,
//! zones and the bureau. Who acts is still decided by [`super::level_on`].
pub mod acting;
pub mod life;
pub mod notices;
pub mod portfolio;

use crate::app::AppState;
use crate::auth::{Ctx, field_error};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use axum::Router;
use axum::routing::{self, post};
use chrono::NaiveDate;
use innocity_core::projects::execution::{ReportKind, Status};
use innocity_core::projects::funding::CATEGORIES;
use innocity_store::StoreError;
use std::collections::BTreeMap;

pub(crate) type Form = BTreeMap<String, String>;

pub(crate) fn get<'a>(f: &'a Form, k: &str) -> &'a str {
    f.get(k).map(|s| s.trim()).unwrap_or("")
}

pub(crate) fn date_field(ctx: &Ctx, f: &Form, field: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(get(f, field), "%Y-%m-%d")
        .map_err(|_| field_error(ctx, field, "experts.err.date", vec![]))
}

fn status_label(lang: Lang, s: Status) -> &'static str {
    t(lang, &format!("life.status.{}", s.code()))
}

fn report_label(lang: Lang, k: ReportKind, seq: u32) -> String {
    match k {
        ReportKind::Progress => tf(lang, "life.report.progress", &[seq.to_string()]),
        _ => t(lang, &format!("life.report.{}", k.code())).to_string(),
    }
}

/// Store refusals that concern one field of the form come back as 422 naming it.
fn refusal(ctx: &Ctx, e: StoreError) -> AppError {
    match e {
        StoreError::Projects(innocity_store::projects::ProjectRefusal::Field { field }) => {
            let label = t(ctx.lang, &format!("life.field.{field}")).to_string();
            field_error(ctx, field, "life.err.field", vec![label])
        }
        StoreError::Projects(innocity_store::projects::ProjectRefusal::Change { field, rule }) => {
            let label = CATEGORIES
                .iter()
                .find(|c| c.0 == field)
                .map(|c| ctx.lang.pick(c.1, c.2).to_string())
                .unwrap_or_else(|| t(ctx.lang, &format!("life.field.{field}")).to_string());
            field_error(
                ctx,
                &field,
                "life.err.change",
                vec![label, t(ctx.lang, &format!("life.change_rule.{rule}")).to_string()],
            )
        }
        StoreError::Projects(
            r @ (innocity_store::projects::ProjectRefusal::Deliverable { .. }
            | innocity_store::projects::ProjectRefusal::ReportBody { .. }
            | innocity_store::projects::ProjectRefusal::Score),
        ) => {
            let field = match r {
                innocity_store::projects::ProjectRefusal::Deliverable { .. } => "deliverables",
                innocity_store::projects::ProjectRefusal::ReportBody { .. } => "body",
                _ => "score",
            };
            let (key, args) = crate::error::refusals::project(&r);
            field_error(ctx, field, key, args)
        }
        StoreError::Applications(innocity_store::projects::ApplicationRefusal::IdNumber) => {
            field_error(ctx, "id_number", "apps.err.id_number", vec![])
        }
        other => ctx.err(other.into()),
    }
}

// ---------------------------------------------------------------- a project's life on its page

/// An ID number shown to others keeps its first six and last four characters.
fn mask_id(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    if c.len() < 10 {
        return "*".repeat(c.len());
    }
    format!(
        "{}{}{}",
        c[..6].iter().collect::<String>(),
        "*".repeat(c.len() - 10),
        c[c.len() - 4..].iter().collect::<String>()
    )
}

/// The portfolios, a project's work and reports, the public notices.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", routing::get(portfolio::portfolio))
        .route("/projects/remind", post(portfolio::remind))
        .route("/projects/{id}/work", post(acting::work))
        .route("/projects/{id}/reports/{kind}/{seq}/upload", post(acting::report_upload))
        .route("/notices", routing::get(notices::notices))
        .route("/notices/{id}", routing::get(notices::notice_page).post(notices::object))
}
