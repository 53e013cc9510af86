//! The yearly evaluation of carriers (bureau): a kind's carriers of a year go to the experts as
//! one review round (its items the carriers with their annual figures); once it is closed the
//! bureau grades each (优秀/良好/合格/不合格), the experts' mean suggesting the grade, with the
//! consequence (support, warning, removal). The same through the API.
use super::carriers::{change, kind_choices, kind_name, own_carrier, refusal};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, ManageExperts, parse_form};
use crate::error::AppResult;
use crate::i18n::{Lang, t};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use innocity_core::subjects::carriers::Grade;
use innocity_store::StoreError;
use innocity_store::subjects::carriers::{self as store, CarrierQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Experts per carrier unless the bureau asks for more.
const DEMAND: i64 = 3;

#[derive(Deserialize, IntoParams, Default)]
pub struct EvaluationQuery {
    /// The evaluation to grade: its kind and year.
    pub kind: Option<String>,
    pub year: Option<i32>,
}

#[derive(Clone)]
struct EvaluationLine {
    kind_code: String,
    kind: String,
    year: i64,
    round_id: i64,
    closed: bool,
}

struct GradingLine {
    id: i64,
    code: String,
    name: String,
    host: String,
    status: String,
    mean: String,
    suggested: String,
    grade: String,
    grades: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "subjects_carrier_evaluations.html")]
struct EvaluationsPage {
    s: Shell,
    evaluations: Vec<EvaluationLine>,
    kinds: Vec<Choice>,
    year: i32,
    deadline: String,
    chosen: Option<EvaluationLine>,
    grading: Vec<GradingLine>,
    error: String,
}

fn grade_name(lang: Lang, code: &str) -> String {
    t(lang, &format!("carrier.grade.{code}")).to_string()
}

async fn grading(state: &AppState, lang: Lang, e: &EvaluationLine) -> AppResult<Vec<GradingLine>> {
    let scores = store::scores(&state.db, e.round_id).await?;
    let q = CarrierQuery { kind: Some(e.kind_code.clone()), ..CarrierQuery::default() };
    let mut out = Vec::new();
    for c in store::carriers(&state.db, &q).await? {
        let Some(&mean) = scores.get(&c.code()) else { continue };
        let suggested = Grade::suggested(mean);
        let graded = store::grades(&state.db, c.id).await?.into_iter().find(|g| g.year == e.year);
        out.push(GradingLine {
            id: c.id,
            code: c.code(),
            name: c.name.clone(),
            host: c.host.clone(),
            status: t(lang, &format!("carrier.status.{}", c.status)).to_string(),
            mean: format!("{mean:.1}"),
            suggested: grade_name(lang, suggested.code()),
            grade: graded.map(|g| grade_name(lang, &g.grade)).unwrap_or_default(),
            grades: Grade::ALL
                .iter()
                .map(|g| Choice::new(g.code(), grade_name(lang, g.code()), *g == suggested))
                .collect(),
        });
    }
    Ok(out)
}

async fn page_with(
    state: &AppState,
    a: &Auth<ManageExperts>,
    q: &EvaluationQuery,
    error: String,
) -> AppResult<EvaluationsPage> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let evaluations: Vec<EvaluationLine> = store::evaluations(&state.db)
        .await?
        .into_iter()
        .map(|e| EvaluationLine {
            kind: kind_name(lang, &e.kind),
            kind_code: e.kind,
            year: e.year,
            round_id: e.round_id,
            closed: e.round_status == "closed",
        })
        .collect();
    let chosen = evaluations
        .iter()
        .find(|e| Some(&e.kind_code) == q.kind.as_ref() && Some(e.year) == q.year.map(i64::from))
        .cloned();
    let grading = match &chosen {
        Some(e) if e.closed => grading(state, lang, e).await?,
        _ => vec![],
    };
    Ok(EvaluationsPage {
        s: ctx.shell(),
        evaluations,
        kinds: kind_choices(lang, q.kind.as_deref().unwrap_or_default()),
        year: ctx.today().year() - 1,
        deadline: (ctx.today() + chrono::Days::new(30)).to_string(),
        chosen,
        grading,
        error,
    })
}

/// The evaluations started, the form to start one, and the grading of the chosen one.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Query(q): Query<EvaluationQuery>,
) -> AppResult<Response> {
    Ok(render(&page_with(&state, &a, &q, String::new()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ApiCarrierEvaluationStart {
    /// The carriers' kind.
    pub kind: String,
    /// The year evaluated.
    pub year: i32,
    /// Experts per carrier (default 3).
    #[serde(default)]
    pub demand: Option<i64>,
    /// The experts' deadline, `YYYY-MM-DD` (default: in 30 days).
    #[serde(default)]
    pub deadline: Option<String>,
}

async fn start(
    state: &AppState,
    a: &Auth<ManageExperts>,
    f: &ApiCarrierEvaluationStart,
) -> Result<AppResult<i64>, StoreError> {
    let ctx = &a.ctx;
    let deadline = match f.deadline.as_deref().filter(|d| !d.is_empty()) {
        None => ctx.today() + chrono::Days::new(30),
        Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(day) if day > ctx.today() => day,
            _ => {
                let message = t(ctx.lang, "carrier.err.deadline").to_string();
                return Ok(Err(super::api::invalid(ctx, vec![("deadline".into(), message)])));
            }
        },
    };
    let demand = f.demand.unwrap_or(DEMAND);
    if !(1..=7).contains(&demand) || !(2000..=2100).contains(&f.year) {
        let field = if (1..=7).contains(&demand) { "year" } else { "demand" };
        let message = t(ctx.lang, &format!("carrier.err.{field}")).to_string();
        return Ok(Err(super::api::invalid(ctx, vec![(field.into(), message)])));
    }
    if !innocity_core::subjects::carriers::is_kind(&f.kind) {
        let message = t(ctx.lang, "carrier.err.kind").to_string();
        return Ok(Err(super::api::invalid(ctx, vec![("kind".into(), message)])));
    }
    store::start_evaluation(&state.db, &f.kind, f.year, demand, deadline, ctx.actor()).await.map(Ok)
}

/// Starts a kind's evaluation of a year.
pub async fn start_page(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ApiCarrierEvaluationStart = parse_form(ctx, &body)?;
    let error = match start(&state, &a, &f).await {
        Ok(Ok(_)) => {
            let to = format!("/subjects/carriers/evaluations?kind={}&year={}", f.kind, f.year);
            return Ok(Redirect::to(&to).into_response());
        }
        Ok(Err(e)) => e.fields.first().map(|(_, m)| m.clone()).unwrap_or_default(),
        Err(StoreError::Carriers(r)) => refusal(ctx.lang, &r).1,
        Err(e) => return Err(e.into()),
    };
    let page = page_with(&state, &a, &EvaluationQuery::default(), error).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Deserialize, ToSchema)]
pub struct ApiGradeInput {
    pub year: i32,
    /// excellent, good, pass or fail.
    pub grade: String,
    /// Needed when the grade is not the one the experts' mean suggests.
    #[serde(default)]
    pub note: String,
}

/// Grades a carrier for a year.
pub async fn grade_page(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = own_carrier(&state, ctx, &a.principal.scope, &id).await?;
    let f: ApiGradeInput = parse_form(ctx, &body)?;
    let q = EvaluationQuery { kind: Some(c.kind.clone()), year: Some(f.year) };
    match store::grade(&state.db, c.id, f.year, &f.grade, &f.note, ctx.actor()).await {
        Ok(_) => {
            let to = format!("/subjects/carriers/evaluations?kind={}&year={}", c.kind, f.year);
            Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::Carriers(r)) => {
            let page = page_with(&state, &a, &q, refusal(ctx.lang, &r).1).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// An evaluation for machines.
#[derive(Serialize, ToSchema)]
pub struct ApiCarrierEvaluation {
    pub kind: String,
    pub year: i64,
    /// The experts' review round.
    pub round_id: i64,
    /// open or closed.
    pub round_status: String,
}

#[utoipa::path(get, path = "/api/v1/subjects/carrier-evaluations", responses((status = 200, body = [ApiCarrierEvaluation]), (status = 403, body = ApiError)))]
/// The carriers' evaluations started, newest first.
pub async fn api_list(
    State(state): State<AppState>,
    _a: Auth<ManageExperts>,
) -> AppResult<Json<Vec<ApiCarrierEvaluation>>> {
    Ok(Json(
        store::evaluations(&state.db)
            .await?
            .into_iter()
            .map(|e| ApiCarrierEvaluation {
                kind: e.kind,
                year: e.year,
                round_id: e.round_id,
                round_status: e.round_status,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/subjects/carrier-evaluations", request_body = ApiCarrierEvaluationStart, responses((status = 200, body = ApiCarrierEvaluation), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Starts a kind's evaluation of a year: its carriers go to the experts as one review round.
pub async fn api_start(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiCarrierEvaluation>> {
    let ctx = &a.ctx;
    let f: ApiCarrierEvaluationStart = crate::api::json_body(ctx, &headers, &body)?;
    let round_id = change(ctx, start(&state, &a, &f).await)??;
    Ok(Json(ApiCarrierEvaluation {
        kind: f.kind,
        year: i64::from(f.year),
        round_id,
        round_status: "open".into(),
    }))
}

/// A grade given.
#[derive(Serialize, ToSchema)]
pub struct ApiGrade {
    pub year: i64,
    /// The experts' mean score (0–100).
    pub mean_score: Option<f64>,
    /// excellent, good, pass or fail.
    pub grade: String,
    /// support, none, warning or removal.
    pub consequence: String,
    pub note: String,
}

impl From<store::GradeRow> for ApiGrade {
    fn from(g: store::GradeRow) -> Self {
        ApiGrade {
            year: g.year,
            mean_score: g.mean_score,
            grade: g.grade,
            consequence: g.consequence,
            note: g.note,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/subjects/carriers/{id}/grade", params(("id" = i64, Path, description = "the carrier")), request_body = ApiGradeInput, responses((status = 200, body = ApiGrade), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Grades a carrier for a year once the experts' round is closed (a grade other than the one
/// the experts' mean suggests needs a note).
pub async fn api_grade(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiGrade>> {
    let ctx = &a.ctx;
    let c = own_carrier(&state, ctx, &a.principal.scope, &id).await?;
    let f: ApiGradeInput = crate::api::json_body(ctx, &headers, &body)?;
    let g =
        change(ctx, store::grade(&state.db, c.id, f.year, &f.grade, &f.note, ctx.actor()).await)?;
    Ok(Json(g.into()))
}
