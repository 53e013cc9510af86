//! An organisation's own platforms, carriers and people (organisation admins): the carriers it
//! hosts or partners — with the code its ZT-1/ZT-2 return needs and their grades — its people and
//! teams with the evaluations to come, and the yearly reports it files for them.
use super::carriers::kind_name;
use super::talent::{ApiReportInput, day, programme_name, refusal};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, SelfEvaluate, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::market::offering::own_organisation;
use crate::page::{Shell, render, render_status};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_core::subjects::carriers::form_of;
use innocity_core::subjects::talent::next_evaluation;
use innocity_store::subjects::carriers as carriers_store;
use innocity_store::subjects::talent::{self as store, Subject, TalentRefusal};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One of the organisation's carriers.
#[derive(Serialize, ToSchema)]
pub struct OurCarrier {
    pub code: String,
    pub name: String,
    pub kind: String,
    /// Hosted (`host`) or a partner (`partner`).
    pub role: String,
    /// The form its annual return goes on (ZT-1 or ZT-2); empty for a partner.
    pub form: String,
    /// active, warned or removed.
    pub status: String,
    /// The latest grade and its year.
    pub latest_grade: Option<String>,
    pub latest_year: Option<i64>,
}

/// A person or team of the organisation, with what it owes.
#[derive(Serialize, ToSchema)]
pub struct OurSubject {
    /// `talent` or `team`.
    pub subject: String,
    pub id: i64,
    pub name: String,
    /// The programme (a person) or `team`.
    pub programme: String,
    pub support_from: String,
    pub support_to: String,
    pub next_evaluation: Option<String>,
    /// Years whose yearly report is due and not filed.
    pub reports_due: Vec<i32>,
}

/// The organisation's carriers, people and teams.
#[derive(Serialize, ToSchema)]
pub struct ApiOurs {
    pub carriers: Vec<OurCarrier>,
    pub people: Vec<OurSubject>,
}

/// The years whose report is due and not filed.
async fn due(
    state: &AppState,
    subject: Subject,
    id: i64,
    span: (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> AppResult<Vec<i32>> {
    Ok(super::talent::report_lines(state, subject, id, span, today).await?.1)
}

async fn ours(state: &AppState, org: i64, today: NaiveDate) -> AppResult<ApiOurs> {
    let mut carriers = Vec::new();
    for c in carriers_store::carriers_of(&state.db, org).await? {
        let latest = carriers_store::grades(&state.db, c.id).await?.into_iter().next();
        let host = c.host_id == org;
        carriers.push(OurCarrier {
            code: c.code(),
            form: if host {
                form_of(&c.kind).unwrap_or_default().to_string()
            } else {
                String::new()
            },
            role: if host { "host" } else { "partner" }.into(),
            name: c.name,
            kind: c.kind,
            status: c.status,
            latest_grade: latest.as_ref().map(|g| g.grade.clone()),
            latest_year: latest.map(|g| g.year),
        });
    }
    let mut people = Vec::new();
    for p in store::people_of(&state.db, org).await? {
        let span = (p.support_from, p.support_to);
        people.push(OurSubject {
            subject: "talent".into(),
            reports_due: due(state, Subject::Talent, p.id, span, today).await?,
            next_evaluation: next_evaluation(span.0, span.1, p.cycle_years as u32, today)
                .map(|d| d.to_string()),
            id: p.id,
            name: p.name,
            programme: p.programme,
            support_from: span.0.to_string(),
            support_to: span.1.to_string(),
        });
    }
    for t in store::teams_at(&state.db, org).await? {
        let span = (t.support_from, t.support_to);
        people.push(OurSubject {
            subject: "team".into(),
            reports_due: due(state, Subject::Team, t.id, span, today).await?,
            next_evaluation: next_evaluation(span.0, span.1, t.cycle_years as u32, today)
                .map(|d| d.to_string()),
            id: t.id,
            name: t.name,
            programme: "team".into(),
            support_from: span.0.to_string(),
            support_to: span.1.to_string(),
        });
    }
    Ok(ApiOurs { carriers, people })
}

#[derive(Template)]
#[template(path = "subjects_ours.html")]
struct OursPage {
    s: Shell,
    o: ApiOurs,
    error: String,
}

impl OursPage {
    fn kind(&self, code: &str) -> String {
        kind_name(self.s.lang, code)
    }
    fn grade(&self, code: &str) -> String {
        t(self.s.lang, &format!("carrier.grade.{code}")).to_string()
    }
    fn status(&self, code: &str) -> String {
        t(self.s.lang, &format!("carrier.status.{code}")).to_string()
    }
    fn programme(&self, code: &str) -> String {
        match code {
            "team" => t(self.s.lang, "talent.teams").to_string(),
            _ => programme_name(self.s.lang, code),
        }
    }
    fn day(&self, iso: &str) -> String {
        NaiveDate::parse_from_str(iso, "%Y-%m-%d").map(|d| day(self.s.lang, d)).unwrap_or_default()
    }
}

async fn page_with(state: &AppState, ctx: &Ctx, org: i64, error: String) -> AppResult<OursPage> {
    Ok(OursPage { s: ctx.shell(), o: ours(state, org, ctx.today()).await?, error })
}

/// The organisation's carriers, people and teams, with the reports it owes.
pub async fn page(State(state): State<AppState>, a: Auth<SelfEvaluate>) -> AppResult<Response> {
    let org = own_organisation(&a.ctx, &a.principal)?;
    Ok(render(&page_with(&state, &a.ctx, org, String::new()).await?))
}

#[utoipa::path(get, path = "/api/v1/subjects/ours", responses((status = 200, body = ApiOurs), (status = 403, body = ApiError)))]
/// The caller's organisation's carriers (hosted or partnered, with their ZT codes and latest
/// grades), people and teams with their next evaluations and the reports due.
pub async fn api_ours(
    State(state): State<AppState>,
    a: Auth<SelfEvaluate>,
) -> AppResult<Json<ApiOurs>> {
    let org = own_organisation(&a.ctx, &a.principal)?;
    Ok(Json(ours(&state, org, a.ctx.today()).await?))
}

/// A yearly report the organisation files for one of its people or teams.
#[derive(Deserialize, ToSchema)]
pub struct ApiOurReport {
    /// `talent` or `team`.
    pub subject: String,
    pub id: i64,
    pub year: i32,
    pub summary: String,
}

/// Files the report if the person or team is the organisation's; else not found.
async fn file(
    state: &AppState,
    ctx: &Ctx,
    org: i64,
    r: &ApiOurReport,
) -> AppResult<Result<(), TalentRefusal>> {
    let reported = match r.subject.as_str() {
        "talent" => store::person(&state.db, r.id)
            .await?
            .filter(|p| p.organisation_id == org)
            .map(|p| (Subject::Talent, p.id, (p.support_from, p.support_to))),
        "team" => store::team(&state.db, r.id)
            .await?
            .filter(|t| t.organisation_id == org)
            .map(|t| (Subject::Team, t.id, (t.support_from, t.support_to))),
        _ => None,
    };
    let reported = reported.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let report = ApiReportInput { year: r.year, summary: r.summary.clone() };
    super::talent::file(state, ctx, reported, &report).await
}

/// Files a yearly report from the page.
pub async fn file_report(
    State(state): State<AppState>,
    a: Auth<SelfEvaluate>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let r: ApiOurReport = parse_form(ctx, &body)?;
    match file(&state, ctx, org, &r).await? {
        Ok(()) => Ok(Redirect::to("/subjects/ours#people").into_response()),
        Err(t) => {
            let page = page_with(&state, ctx, org, refusal(ctx.lang, &t).1).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[utoipa::path(post, path = "/api/v1/subjects/ours/reports", request_body = ApiOurReport, responses((status = 200, body = super::talent_api::ApiReportFiled), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Files the yearly report of one of the caller's organisation's people or teams.
pub async fn api_file_report(
    State(state): State<AppState>,
    a: Auth<SelfEvaluate>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<super::talent_api::ApiReportFiled>> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let r: ApiOurReport = crate::api::json_body(ctx, &headers, &body)?;
    if let Err(t) = file(&state, ctx, org, &r).await? {
        return Err(super::api::invalid(ctx, vec![refusal(ctx.lang, &t)]));
    }
    Ok(Json(super::talent_api::ApiReportFiled { year: r.year }))
}
