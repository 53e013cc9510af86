//! The policy library's figures for a year: per policy its list (entitled, listed, paid, paid by
//! application) and per zone the money listed and paid, with a chart; as a workbook; in the API.
use crate::app::AppState;
use crate::auth::{Auth, ManagePolicies};
use crate::error::AppResult;
use crate::http::TableCell as C;
use crate::i18n::{Lang, t};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use innocity_store::finance::figures::{self as store, PolicyFigure, ZoneFigure};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, Default, IntoParams)]
#[serde(default)]
pub struct YearQuery {
    /// The year (the last completed one when not given).
    pub year: Option<String>,
}

fn year_of(q: &YearQuery, today: chrono::NaiveDate) -> i32 {
    q.year
        .as_deref()
        .and_then(|y| y.trim().parse().ok())
        .filter(|y| (2000..=today.year()).contains(y))
        .unwrap_or(today.year() - 1)
}

/// One policy's figures in the API.
#[derive(Serialize, ToSchema)]
pub struct ApiPolicyFigure {
    pub policy_id: i64,
    pub code: String,
    pub title: String,
    pub run_id: i64,
    pub status: String,
    pub entitled: i64,
    pub listed_fen: i64,
    pub paid_lines: i64,
    pub paid_fen: i64,
    pub applied_lines: i64,
}

/// One zone's figures in the API.
#[derive(Serialize, ToSchema)]
pub struct ApiZoneFigure {
    /// 0 for the enterprises under no zone.
    pub unit_id: i64,
    pub name: String,
    pub entitled: i64,
    pub listed_fen: i64,
    pub paid_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApiPolicyFigures {
    pub year: i32,
    pub policies: Vec<ApiPolicyFigure>,
    pub zones: Vec<ApiZoneFigure>,
}

fn api_policy(f: &PolicyFigure) -> ApiPolicyFigure {
    ApiPolicyFigure {
        policy_id: f.policy_id,
        code: f.code.clone(),
        title: f.title.clone(),
        run_id: f.run_id,
        status: f.status.clone(),
        entitled: f.entitled,
        listed_fen: f.listed.fen(),
        paid_lines: f.paid_lines,
        paid_fen: f.paid.fen(),
        applied_lines: f.applied_lines,
    }
}

fn api_zone(lang: Lang, z: &ZoneFigure) -> ApiZoneFigure {
    ApiZoneFigure {
        unit_id: z.unit_id,
        name: lang.pick(&z.name_zh, &z.name_en).to_string(),
        entitled: z.entitled,
        listed_fen: z.listed.fen(),
        paid_fen: z.paid.fen(),
    }
}

async fn figures(state: &AppState, lang: Lang, year: i32) -> AppResult<ApiPolicyFigures> {
    let policies = store::by_policy(&state.db, year).await?.iter().map(api_policy).collect();
    let zones = store::by_zone(&state.db, year).await?.iter().map(|z| api_zone(lang, z)).collect();
    Ok(ApiPolicyFigures { year, policies, zones })
}

/// A zone's bar: its listed money as a share of the largest zone's.
pub struct ZoneBar {
    pub zone: ApiZoneFigure,
    pub listed: String,
    pub paid: String,
    pub width: String,
}

#[derive(Template)]
#[template(path = "finance_figures.html")]
struct FiguresPage {
    s: Shell,
    year: i32,
    years: Vec<Choice>,
    policies: Vec<(ApiPolicyFigure, String, String)>,
    zones: Vec<ZoneBar>,
}

pub async fn page(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let today = ctx.today();
    let year = year_of(&q, today);
    let f = figures(&state, ctx.lang, year).await?;
    let wan = |fen: i64| innocity_core::projects::money::Money(fen).wan_text();
    let most = f.zones.iter().map(|z| z.listed_fen).max().unwrap_or(0).max(1);
    let zones = f
        .zones
        .into_iter()
        .map(|z| ZoneBar {
            listed: wan(z.listed_fen),
            paid: wan(z.paid_fen),
            width: format!("{:.1}", z.listed_fen as f64 * 100.0 / most as f64),
            zone: z,
        })
        .collect();
    let policies = f
        .policies
        .into_iter()
        .map(|p| (wan(p.listed_fen), wan(p.paid_fen), p))
        .map(|(l, pd, p)| (p, l, pd))
        .collect();
    let years = (2020..today.year()).rev().map(|y| Choice::new(y, y, y == year)).collect();
    Ok(render(&FiguresPage { s: ctx.shell(), year, years, policies, zones }))
}

pub async fn xlsx(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let lang = a.ctx.lang;
    let year = year_of(&q, a.ctx.today());
    let f = figures(&state, lang, year).await?;
    let rows: Vec<Vec<C>> = f
        .policies
        .iter()
        .map(|p| {
            vec![
                C::Text(p.title.clone()),
                C::Int(p.entitled),
                C::Wan(p.listed_fen),
                C::Int(p.paid_lines),
                C::Wan(p.paid_fen),
                C::Int(p.applied_lines),
            ]
        })
        .collect();
    let head = [
        "policy.col.title",
        "policy.col.entitled",
        "policy.col.listed",
        "policy.col.paid_lines",
        "policy.col.paid",
        "policy.line.applied",
    ]
    .map(|k| t(lang, k));
    crate::http::table(
        t(lang, "policy.figures"),
        &head,
        &rows,
        &format!("policy-figures-{year}.xlsx"),
    )
}

#[utoipa::path(get, path = "/api/v1/policy-figures", params(YearQuery), responses((status = 200, body = ApiPolicyFigures), (status = 403, body = crate::api::ApiError)))]
/// A year's figures of the policy library: per policy its list, per zone the money listed and paid.
pub async fn api_policy_figures(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<ApiPolicyFigures>> {
    let year = year_of(&q, a.ctx.today());
    Ok(Json(figures(&state, a.ctx.lang, year).await?))
}
