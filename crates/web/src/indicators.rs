//! Monitoring pages: each framework's indicators for an org unit against their planned paths
//! (charts, status, trend, warnings, yearly milestones), and the zones compared with a
//! composite index of the framework and its rank intervals.
pub mod compare;
pub mod coverage;
pub mod dashboard;
pub mod data;
pub mod index;
pub mod periods;
pub mod release;
pub mod reports;

use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use innocity_core::access::{Capability, Principal, Target as ScopeTarget};
use innocity_core::indicators::targets::{self, Framework, Target};
use innocity_store::orgs::OrgUnit;

fn name(lang: Lang, zh: &str, en: &str) -> String {
    lang.pick(zh, en).to_string()
}

/// A framework in force (built-in or imported), or 404.
async fn find(state: &AppState, ctx: &Ctx, code: &str) -> AppResult<Framework> {
    innocity_store::indicators::frameworks(&state.db)
        .await?
        .into_iter()
        .find(|f| f.code == code)
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

/// The unit asked for if the principal reaches it; else the top of their scope.
async fn unit_in_scope(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    unit: Option<&str>,
) -> AppResult<OrgUnit> {
    let units = state.units_in_scope(&p.scope).await?;
    match unit.filter(|u| !u.is_empty()) {
        Some(u) => {
            let id: i64 = u.parse().map_err(|_| {
                ctx.err(AppError::new(StatusCode::BAD_REQUEST, "invalid", "err.unit.unknown"))
            })?;
            let all = state.units().await?;
            let found = all.iter().find(|x| x.id == id).cloned().ok_or_else(AppError::not_found)?;
            p.authorize_on(
                Capability::ViewIndicators,
                ScopeTarget { unit_path: &found.path, organisation_id: None },
            )
            .map_err(|_| ctx.err(AppError::forbidden()))?;
            Ok(found)
        }
        None => {
            crate::stats::own_unit(&units, &p.scope).ok_or_else(|| ctx.err(AppError::forbidden()))
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    n: Option<usize>,
}

/// A notice after an import or a refresh: how many values were written.
fn notice_text(lang: Lang, q: &NoticeQuery) -> String {
    match q.notice.as_deref() {
        Some("imported") => tf(lang, "ind.imported", &[q.n.unwrap_or(0).to_string()]),
        Some("refreshed") => tf(lang, "ind.refreshed", &[q.n.unwrap_or(0).to_string()]),
        Some("framework") => t(lang, "ind.framework_imported").into(),
        _ => String::new(),
    }
}
fn pct(v: Option<f64>) -> String {
    v.map(|g| format!("{:+.1}%", g * 100.0)).unwrap_or_else(|| "—".into())
}

#[derive(serde::Deserialize, Default)]
pub struct DashQuery {
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    n: Option<usize>,
    #[serde(default)]
    format: Option<String>,
    /// The comparison's units: `county` for the counties and districts, else the zones.
    #[serde(default)]
    by: Option<String>,
}

/// A framework, the org unit asked for (in scope) and its stored values of the framework's
/// indicators.
async fn framework_values(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    code: &str,
    unit: Option<&str>,
) -> AppResult<(Framework, OrgUnit, Vec<innocity_store::indicators::IndicatorValue>)> {
    let f = find(state, ctx, code).await?;
    let unit = unit_in_scope(state, ctx, p, unit).await?;
    let codes: Vec<String> = f.targets.iter().map(|t| t.code.clone()).collect();
    let values = innocity_store::indicators::for_unit(&state.db, unit.id, &codes).await?;
    Ok((f, unit, values))
}

/// One indicator's latest assessment, when it has values.
pub struct Assessed<'a> {
    pub target: &'a Target,
    pub latest: Option<(i32, f64, targets::Assessment, targets::Trend)>,
}

pub fn assess_all<'a>(
    f: &'a Framework,
    values: &[innocity_store::indicators::IndicatorValue],
) -> Vec<Assessed<'a>> {
    f.targets
        .iter()
        .map(|tg| {
            let series: Vec<(i32, f64)> = values
                .iter()
                .filter(|v| v.indicator == tg.code)
                .filter_map(|v| v.period.parse::<i32>().ok().map(|y| (y, v.value)))
                .collect();
            let latest = series.last().map(|&(y, v)| {
                (y, v, tg.assess(y, v, &f.thresholds), targets::trend(tg, &series, 5))
            });
            Assessed { target: tg, latest }
        })
        .collect()
}

/// The monitoring pages: frameworks, dashboards, the comparison and the index, their downloads.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/indicators", get(data::list))
        .route("/indicators/upload", post(data::import))
        .route("/indicators/frameworks", post(data::import_framework))
        .route("/indicators/{code}", get(dashboard::dashboard))
        .route("/indicators/{code}/refresh", post(data::refresh))
        .route("/indicators/{code}/report.pdf", get(reports::report))
        .route("/indicators/{code}/index", get(index::index_page))
        .route("/indicators/{code}/index.pdf", get(reports::index_report))
        .route("/indicators/{code}/public", post(dashboard::set_public))
        .route("/public/indicators/{code}", get(dashboard::public_dashboard))
        .route("/indicators/{code}/compare", get(compare::compare))
        .route("/indicators/{code}/periods", get(periods::page))
        .route("/indicators/{code}/periods/report.pdf", get(periods::report))
        .route("/api/v1/indicators/{code}/periods/{period}", get(periods::api_period))
        .route("/indicators/{code}/releases/{period}", post(release::release))
        .route("/api/v1/indicators/{code}/releases/{period}", post(release::api_release))
        .route("/public/releases", get(release::public_list))
        .route("/public/releases/{framework}/{period}", get(release::public_release))
        .route("/public/releases/{framework}/{period}/workbook.xlsx", get(release::public_workbook))
        .route("/api/v1/public/releases", get(release::api_public_releases))
        .route("/api/v1/public/releases/{framework}/{period}", get(release::api_public_release))
}
