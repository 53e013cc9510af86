//! Cultivation pools (培育库) on pages and in the API: a zone's candidates for a title this year
//! picked from the pre-check (undecided, or failing on one rule), each followed by an officer
//! (at most five a year), with visits and notes, the gap to each rule, and the year's outcome;
//! the counts per zone — candidates, recognised, lapsed.
use super::api::reach;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageSubjects, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::subjects::hnte::{Check, Verdict};
use innocity_store::StoreError;
use innocity_store::subjects::pools::{self as store, MAX_LOAD, PoolEntry, PoolRefusal, STATUSES};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// The title pools grow toward (高企; other titles use the same pages).
const TITLE: &str = "high_tech";

#[derive(Deserialize, IntoParams, Default)]
pub struct PoolQuery {
    /// An org unit's code (default: the caller's whole scope).
    pub unit: Option<String>,
    /// The recognition year (default: this year).
    pub year: Option<i32>,
}

fn refusal(ctx: &Ctx, lang: Lang, r: &PoolRefusal) -> AppError {
    let (field, message) = match r {
        PoolRefusal::OutOfScope { organisation_id } => {
            ("organisation_ids", tf(lang, "pool.err.scope", &[organisation_id.to_string()]))
        }
        PoolRefusal::OverLoad { officer, load } => (
            "officer_id",
            tf(lang, "pool.err.load", &[officer.clone(), load.to_string(), MAX_LOAD.to_string()]),
        ),
        PoolRefusal::NotAnOfficer => ("officer_id", t(lang, "pool.err.officer").to_string()),
        PoolRefusal::Visit => ("note", t(lang, "pool.err.visit").to_string()),
        PoolRefusal::Status => ("status", t(lang, "pool.err.status").to_string()),
    };
    super::api::invalid(ctx, vec![(field.to_string(), message)])
}

/// Runs a pool change, turning its refusal into a 422 naming the field.
async fn change<T>(ctx: &Ctx, r: Result<T, StoreError>) -> AppResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(StoreError::Pools(p)) => Err(refusal(ctx, ctx.lang, &p)),
        Err(e) => Err(e.into()),
    }
}

/// An entry the caller may act on (its enterprise in the caller's area), else not found.
async fn own_entry(state: &AppState, a: &Auth<ManageSubjects>, id: &str) -> AppResult<PoolEntry> {
    let ctx = &a.ctx;
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let path = reach(state, ctx, &a.principal.scope, None).await?;
    store::entry(&state.db, id)
        .await?
        .filter(|e| innocity_core::orgs::in_area(&path, &e.unit_path))
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

/// The rules an entry's enterprise misses, in words (from the pre-check): those failed by
/// name, those waiting for figures counted.
fn gaps(lang: Lang, checks: &[Check]) -> String {
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.pass == Some(false))
        .map(|c| t(lang, &format!("subj.rule.{}", c.rule.code())))
        .collect();
    let open = checks.iter().filter(|c| c.pass.is_none()).count();
    let mut parts = Vec::new();
    if !failed.is_empty() {
        parts.push(tf(lang, "pool.gaps.failed", &[failed.join("、")]));
    }
    if open > 0 {
        parts.push(tf(lang, "pool.gaps.open", &[open.to_string()]));
    }
    parts.join(lang.pick("；", "; "))
}

struct EntryLine {
    id: i64,
    name: String,
    officer: String,
    visits: i64,
    status: String,
    gaps: String,
}

struct CandidateLine {
    organisation_id: i64,
    name: String,
    verdict: String,
    gaps: String,
}

#[derive(Template)]
#[template(path = "subjects_pools.html")]
struct PoolsPage {
    s: Shell,
    year: i32,
    unit: String,
    units: Vec<Choice>,
    counts: store::PoolCounts,
    entries: Vec<EntryLine>,
    candidates: Vec<CandidateLine>,
}

/// The pool of the year: counts, entries with their gaps, and candidates from the pre-check.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Query(q): Query<PoolQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let year = q.year.unwrap_or_else(|| chrono::Datelike::year(&ctx.today()));
    let path = reach(&state, ctx, &a.principal.scope, q.unit.as_deref()).await?;
    let prechecks = innocity_store::subjects::precheck_all(&state.db, ctx.today(), &path).await?;
    let by_org: HashMap<i64, &innocity_store::subjects::Precheck> =
        prechecks.iter().map(|p| (p.organisation_id, p)).collect();
    let entries = store::pool(&state.db, TITLE, year, &path).await?;
    let in_pool: std::collections::HashSet<i64> =
        entries.iter().map(|e| e.organisation_id).collect();
    let lines = entries
        .iter()
        .map(|e| EntryLine {
            id: e.id,
            name: e.name.clone(),
            officer: e.officer.clone().unwrap_or_default(),
            visits: e.visits,
            status: t(lang, &format!("pool.status.{}", e.status)).to_string(),
            gaps: by_org.get(&e.organisation_id).map(|p| gaps(lang, &p.checks)).unwrap_or_default(),
        })
        .collect();
    let candidates = prechecks
        .iter()
        .filter(|p| !p.certified && !in_pool.contains(&p.organisation_id))
        .filter(|p| {
            p.verdict == Verdict::Undecided
                || p.checks.iter().filter(|c| c.pass == Some(false)).count() == 1
        })
        .take(200)
        .map(|p| CandidateLine {
            organisation_id: p.organisation_id,
            name: p.name.clone(),
            verdict: t(lang, &format!("subj.verdict.{}", p.verdict.code())).to_string(),
            gaps: gaps(lang, &p.checks),
        })
        .collect();
    let units =
        super::api::unit_choices(&state, lang, &a.principal.scope, q.unit.as_deref()).await?;
    let counts = store::counts(&state.db, TITLE, year, &path).await?;
    Ok(render(&PoolsPage {
        s: ctx.shell(),
        year,
        unit: q.unit.clone().unwrap_or_default(),
        units,
        counts,
        entries: lines,
        candidates,
    }))
}

#[derive(Deserialize)]
struct AddForm {
    year: i32,
    #[serde(default)]
    unit: String,
    /// Organisation ids, comma-separated (the checked boxes).
    #[serde(default)]
    organisation_ids: Vec<i64>,
}

/// Adds the checked candidates to the pool.
pub async fn add(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let pairs: Vec<(String, String)> = parse_form(ctx, &body)?;
    let get = |k: &'static str| pairs.iter().filter(move |(n, _)| n == k).map(|(_, v)| v.clone());
    let form = AddForm {
        year: get("year")
            .next()
            .and_then(|y| y.parse().ok())
            .ok_or_else(|| ctx.err(AppError::malformed("year")))?,
        unit: get("unit").next().unwrap_or_default(),
        organisation_ids: get("organisation_ids").filter_map(|v| v.parse().ok()).collect(),
    };
    let path = reach(&state, ctx, &a.principal.scope, None).await?;
    change(
        ctx,
        store::add(&state.db, TITLE, form.year, &form.organisation_ids, &path, ctx.actor()).await,
    )
    .await?;
    Ok(Redirect::to(&format!("/subjects/pools?year={}&unit={}", form.year, form.unit))
        .into_response())
}

struct VisitLine {
    on: String,
    officer: String,
    note: String,
}

#[derive(Template)]
#[template(path = "subjects_pool_entry.html")]
struct EntryPage {
    s: Shell,
    e: PoolEntry,
    status: String,
    officers: Vec<Choice>,
    statuses: Vec<Choice>,
    visits: Vec<VisitLine>,
    gaps: String,
    today: String,
    error: String,
}

async fn entry_page(
    state: &AppState,
    a: &Auth<ManageSubjects>,
    e: PoolEntry,
    error: String,
) -> AppResult<EntryPage> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    // Only those the pool may give the entry to: the bureau, and zone accounts over it.
    let officers = store::officers(&state.db, &e.unit_path)
        .await?
        .into_iter()
        .map(|o| {
            let label = match o.unit.as_str() {
                "" => o.name,
                unit => format!("{}（{unit}）", o.name),
            };
            Choice::new(o.id, label, Some(o.id) == e.officer_id)
        })
        .collect();
    let statuses = STATUSES
        .iter()
        .map(|s| Choice::new(s, t(lang, &format!("pool.status.{s}")), *s == e.status))
        .collect();
    let visits = store::visits(&state.db, e.id)
        .await?
        .into_iter()
        .map(|v| VisitLine { on: v.visited_on.to_string(), officer: v.officer, note: v.note })
        .collect();
    let prechecks = innocity_store::subjects::precheck_all(
        &state.db,
        ctx.today(),
        std::slice::from_ref(&e.unit_path),
    )
    .await?;
    let gaps = prechecks
        .iter()
        .find(|p| p.organisation_id == e.organisation_id)
        .map(|p| gaps(lang, &p.checks))
        .unwrap_or_default();
    Ok(EntryPage {
        s: ctx.shell(),
        status: t(lang, &format!("pool.status.{}", e.status)).to_string(),
        e,
        officers,
        statuses,
        visits,
        gaps,
        today: ctx.today().to_string(),
        error,
    })
}

/// One entry: its gaps, officer, visits and outcome, with the forms to change them.
pub async fn view(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let e = own_entry(&state, &a, &id).await?;
    Ok(render(&entry_page(&state, &a, e, String::new()).await?))
}

#[derive(Deserialize)]
struct EntryForm {
    action: String,
    #[serde(default)]
    officer_id: String,
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    status: String,
}

/// Assigns the officer, records a visit, or records the outcome.
pub async fn act(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let e = own_entry(&state, &a, &id).await?;
    let f: EntryForm = parse_form(ctx, &body)?;
    let done = match f.action.as_str() {
        "assign" => {
            let officer = f
                .officer_id
                .parse()
                .map_err(|_| refusal(ctx, ctx.lang, &PoolRefusal::NotAnOfficer))?;
            store::assign(&state.db, e.id, officer, ctx.actor()).await
        }
        "visit" => {
            let day = chrono::NaiveDate::parse_from_str(&f.visited_on, "%Y-%m-%d")
                .map_err(|_| refusal(ctx, ctx.lang, &PoolRefusal::Visit))?;
            store::visit(&state.db, e.id, day, &f.note, ctx.actor()).await
        }
        "decide" => store::decide(&state.db, e.id, &f.status, &f.note, ctx.actor()).await,
        _ => return Err(ctx.err(AppError::malformed("action"))),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/subjects/pools/{}", e.id)).into_response()),
        Err(StoreError::Pools(r)) => {
            let error = refusal(ctx, ctx.lang, &r)
                .fields
                .first()
                .map(|(_, m)| m.clone())
                .unwrap_or_default();
            let page = entry_page(&state, &a, e, error).await?;
            Ok(crate::page::render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

/// A pool entry for machines.
#[derive(Serialize, ToSchema)]
pub struct ApiPoolEntry {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub credit_code: String,
    pub year: i64,
    pub officer: Option<String>,
    /// candidate, recognised, not_recognised or withdrawn.
    pub status: String,
    pub visits: i64,
}

/// A pool in figures and entries.
#[derive(Serialize, ToSchema)]
pub struct ApiPool {
    pub candidates: i64,
    pub recognised: i64,
    /// 高企 certificates of the area that ran out this year.
    pub lapsed: i64,
    pub entries: Vec<ApiPoolEntry>,
}

#[utoipa::path(get, path = "/api/v1/subjects/pools", params(PoolQuery), responses((status = 200, body = ApiPool), (status = 403, body = ApiError)))]
/// The 高企 cultivation pool of a year in the caller's area.
pub async fn api_pool(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Query(q): Query<PoolQuery>,
) -> AppResult<Json<ApiPool>> {
    let ctx = &a.ctx;
    let year = q.year.unwrap_or_else(|| chrono::Datelike::year(&ctx.today()));
    let path = reach(&state, ctx, &a.principal.scope, q.unit.as_deref()).await?;
    let counts = store::counts(&state.db, TITLE, year, &path).await?;
    let entries = store::pool(&state.db, TITLE, year, &path)
        .await?
        .into_iter()
        .map(|e| ApiPoolEntry {
            id: e.id,
            organisation_id: e.organisation_id,
            organisation: e.name,
            credit_code: e.credit_code,
            year: e.year,
            officer: e.officer,
            status: e.status,
            visits: e.visits,
        })
        .collect();
    Ok(Json(ApiPool {
        candidates: counts.candidates,
        recognised: counts.recognised,
        lapsed: counts.lapsed,
        entries,
    }))
}

/// Enterprises to put into a year's pool.
#[derive(Deserialize, ToSchema)]
pub struct ApiPoolAdd {
    pub year: i32,
    pub organisation_ids: Vec<i64>,
}

/// A change to a pool entry: `assign` (officer_id), `visit` (visited_on, note) or `decide`
/// (status, note).
#[derive(Deserialize, ToSchema)]
pub struct ApiPoolAction {
    pub action: String,
    pub officer_id: Option<i64>,
    /// `YYYY-MM-DD`, not after today.
    pub visited_on: Option<String>,
    pub note: Option<String>,
    /// candidate, recognised, not_recognised or withdrawn.
    pub status: Option<String>,
}

/// How many entries a change made.
#[derive(Serialize, ToSchema)]
pub struct ApiPoolChanged {
    pub changed: usize,
}

#[utoipa::path(post, path = "/api/v1/subjects/pools", request_body = ApiPoolAdd, responses((status = 200, body = ApiPoolChanged), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Puts enterprises of the caller's area into the year's pool (those in it already stay).
pub async fn api_add(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiPoolChanged>> {
    let ctx = &a.ctx;
    let i: ApiPoolAdd = crate::api::json_body(ctx, &headers, &body)?;
    let path = reach(&state, ctx, &a.principal.scope, None).await?;
    let changed = change(
        ctx,
        store::add(&state.db, TITLE, i.year, &i.organisation_ids, &path, ctx.actor()).await,
    )
    .await?;
    Ok(Json(ApiPoolChanged { changed }))
}

#[utoipa::path(post, path = "/api/v1/subjects/pools/{id}/actions", params(("id" = i64, Path, description = "the pool entry")), request_body = ApiPoolAction, responses((status = 200, body = ApiPoolChanged), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Assigns an entry's officer (at most five enterprises a year each), records a visit, or
/// records the year's outcome.
pub async fn api_act(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiPoolChanged>> {
    let ctx = &a.ctx;
    let e = own_entry(&state, &a, &id).await?;
    let i: ApiPoolAction = crate::api::json_body(ctx, &headers, &body)?;
    let note = i.note.unwrap_or_default();
    let done = match i.action.as_str() {
        "assign" => store::assign(&state.db, e.id, i.officer_id.unwrap_or(0), ctx.actor()).await,
        "visit" => {
            let day = i
                .visited_on
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let day = day.ok_or_else(|| refusal(ctx, ctx.lang, &PoolRefusal::Visit))?;
            store::visit(&state.db, e.id, day, &note, ctx.actor()).await
        }
        "decide" => {
            store::decide(
                &state.db,
                e.id,
                i.status.as_deref().unwrap_or_default(),
                &note,
                ctx.actor(),
            )
            .await
        }
        _ => return Err(ctx.err(AppError::malformed("action"))),
    };
    change(ctx, done).await?;
    Ok(Json(ApiPoolChanged { changed: 1 }))
}
