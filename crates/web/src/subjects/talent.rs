//! Talent (bureau and zones): the people of the programmes in scope with their counts, the
//! form to record one, and one person's page — teams, evaluation dates, yearly reports and the
//! form to file one. Teams are in `teams`, the API in `talent_api`.
use super::api::{reach, unit_choices};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageSubjects, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_core::access::Scope;
use innocity_core::subjects::talent::{PROGRAMMES, PersonInput, next_evaluation, report_years};
use innocity_store::StoreError;
use innocity_store::subjects::talent::{
    self as store, Subject, TalentQuery, TalentRefusal, TalentRow,
};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams, Default)]
pub struct PeopleQuery {
    /// An org unit's code (default: the caller's whole scope).
    pub unit: Option<String>,
    /// talent_pool, leading_talent, innovation_team, commissioner or three_regions.
    pub programme: Option<String>,
    /// Part of the name, the organisation, the field or the placement.
    pub q: Option<String>,
}

/// A programme's name in the user's language.
pub fn programme_name(lang: Lang, code: &str) -> String {
    PROGRAMMES.iter().find(|p| p.0 == code).map_or(code, |p| lang.pick(p.1, p.2)).to_string()
}

pub fn programme_choices(lang: Lang, chosen: &str) -> Vec<Choice> {
    PROGRAMMES.iter().map(|p| Choice::new(p.0, lang.pick(p.1, p.2), p.0 == chosen)).collect()
}

/// The words of a talent refusal, by the field it concerns.
pub fn refusal(lang: Lang, r: &TalentRefusal) -> (String, String) {
    use TalentRefusal as R;
    let (field, message) = match r {
        R::UnknownOrganisation { credit_code } => (
            "organisation_credit_code",
            tf(lang, "carrier.err.unknown", std::slice::from_ref(credit_code)),
        ),
        R::OutOfScope { credit_code } => (
            "organisation_credit_code",
            tf(lang, "talent.err.scope", std::slice::from_ref(credit_code)),
        ),
        R::UnknownExpert { code } => {
            ("expert_code", tf(lang, "talent.err.expert", std::slice::from_ref(code)))
        }
        R::Taken { name } => ("name", tf(lang, "talent.err.taken", std::slice::from_ref(name))),
        R::UnknownPerson { field, id } => {
            (*field, tf(lang, "talent.err.person", &[id.to_string()]))
        }
        R::ReportYear { year } => ("year", tf(lang, "talent.err.report_year", &[year.to_string()])),
        R::ReportFiled { year } => {
            ("year", tf(lang, "talent.err.report_filed", &[year.to_string()]))
        }
        R::ReportText => ("summary", t(lang, "talent.err.report_text").to_string()),
    };
    (field.to_string(), message)
}

/// Runs a talent change, turning its refusal into a 422 naming the field.
pub fn change<T>(ctx: &Ctx, r: Result<T, StoreError>) -> AppResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(StoreError::Talent(c)) => Err(super::api::invalid(ctx, vec![refusal(ctx.lang, &c)])),
        Err(e) => Err(e.into()),
    }
}

/// A person the caller may see (their organisation in the caller's area), else not found.
pub async fn own_person(
    state: &AppState,
    ctx: &Ctx,
    scope: &Scope,
    id: &str,
) -> AppResult<TalentRow> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let path = reach(state, ctx, scope, None).await?;
    store::person(&state.db, id)
        .await?
        .filter(|p| innocity_core::orgs::in_area(&path, &p.unit_path))
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

/// A date as officials write it (2026年03月01日), or `2026-03-01` in English.
pub fn day(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Zh => d.format("%Y年%m月%d日").to_string(),
        Lang::En => d.to_string(),
    }
}

struct PersonLine {
    id: i64,
    name: String,
    title: String,
    organisation: String,
    programme: String,
    field: String,
    placement: String,
    period: String,
    next_evaluation: String,
    reports_missing: usize,
}

#[derive(Template)]
#[template(path = "subjects_talent.html")]
struct PeoplePage {
    s: Shell,
    units: Vec<Choice>,
    programmes: Vec<Choice>,
    q: String,
    counts: Vec<(String, i64)>,
    teams: i64,
    year: i32,
    lines: Vec<PersonLine>,
    input: PersonInput,
    new_programmes: Vec<Choice>,
    errors: Vec<(String, String)>,
}

impl PeoplePage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

/// The years with a report on file, per person.
async fn filed_years(state: &AppState, subject: Subject, id: i64) -> AppResult<Vec<i64>> {
    Ok(store::reports(&state.db, subject, id).await?.into_iter().map(|r| r.year).collect())
}

async fn page_with(
    state: &AppState,
    a: &Auth<ManageSubjects>,
    q: &PeopleQuery,
    input: PersonInput,
    errors: Vec<(String, String)>,
) -> AppResult<PeoplePage> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let today = ctx.today();
    let year = chrono::Datelike::year(&today);
    let path = reach(state, ctx, &a.principal.scope, q.unit.as_deref()).await?;
    let query =
        TalentQuery { within: path.clone(), programme: q.programme.clone(), text: q.q.clone() };
    let mut lines = Vec::new();
    for p in store::people(&state.db, &query).await? {
        let filed = filed_years(state, Subject::Talent, p.id).await?;
        let due = report_years(p.support_from, p.support_to, today);
        let cycle = p.cycle_years as u32;
        lines.push(PersonLine {
            id: p.id,
            name: p.name,
            title: p.title,
            organisation: p.organisation,
            programme: programme_name(lang, &p.programme),
            field: p.field,
            placement: p.placement,
            period: format!("{} — {}", day(lang, p.support_from), day(lang, p.support_to)),
            next_evaluation: next_evaluation(p.support_from, p.support_to, cycle, today)
                .map(|d| day(lang, d))
                .unwrap_or_else(|| t(lang, "talent.ended").to_string()),
            reports_missing: due.iter().filter(|y| !filed.contains(&i64::from(**y))).count(),
        });
    }
    let counts = store::counts(&state.db, &path, year).await?;
    Ok(PeoplePage {
        s: ctx.shell(),
        units: unit_choices(state, lang, &a.principal.scope, q.unit.as_deref()).await?,
        programmes: programme_choices(lang, q.programme.as_deref().unwrap_or_default()),
        q: q.q.clone().unwrap_or_default(),
        counts: counts.by_programme.iter().map(|(p, n)| (programme_name(lang, p), *n)).collect(),
        teams: counts.teams,
        year,
        lines,
        new_programmes: programme_choices(lang, &input.programme),
        input,
        errors,
    })
}

/// The people in scope with this year's counts, and the form to record one.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Query(q): Query<PeopleQuery>,
) -> AppResult<Response> {
    Ok(render(&page_with(&state, &a, &q, PersonInput::default(), vec![]).await?))
}

/// Records a person typed into the page's form.
pub async fn add(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: PersonInput = parse_form(ctx, &body)?;
    let errors = match input.check() {
        Ok(p) => {
            let path = reach(&state, ctx, &a.principal.scope, None).await?;
            match store::add_person(&state.db, &p, &path, ctx.actor()).await {
                Ok(id) => {
                    return Ok(Redirect::to(&format!("/subjects/talent/{id}")).into_response());
                }
                Err(StoreError::Talent(r)) => vec![refusal(ctx.lang, &r)],
                Err(e) => return Err(e.into()),
            }
        }
        Err(problems) => crate::orgs::field_messages(ctx.lang, &problems),
    };
    let page = page_with(&state, &a, &PeopleQuery::default(), input, errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// A report on a person's or team's page.
pub struct ReportLine {
    pub year: i64,
    pub summary: String,
    pub filed_by: String,
}

/// What a person's or team's page shows of its reports: those filed and the years still due.
pub async fn report_lines(
    state: &AppState,
    subject: Subject,
    id: i64,
    (from, to): (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> AppResult<(Vec<ReportLine>, Vec<i32>)> {
    let filed = store::reports(&state.db, subject, id).await?;
    let due = report_years(from, to, today)
        .into_iter()
        .filter(|y| !filed.iter().any(|r| r.year == i64::from(*y)))
        .collect();
    let lines = filed
        .into_iter()
        .map(|r| ReportLine { year: r.year, summary: r.summary, filed_by: r.filed_by })
        .collect();
    Ok((lines, due))
}

#[derive(Template)]
#[template(path = "subjects_person.html")]
struct PersonPage {
    s: Shell,
    p: TalentRow,
    programme: String,
    period: String,
    evaluations: Vec<String>,
    teams: Vec<(i64, String)>,
    reports: Vec<ReportLine>,
    due: Vec<i32>,
    error: String,
    report_action: String,
}

async fn person_page(
    state: &AppState,
    ctx: &Ctx,
    p: TalentRow,
    error: String,
) -> AppResult<PersonPage> {
    let today = ctx.today();
    let span = (p.support_from, p.support_to);
    let (reports, due) = report_lines(state, Subject::Talent, p.id, span, today).await?;
    let cycle = p.cycle_years as u32;
    Ok(PersonPage {
        s: ctx.shell(),
        programme: programme_name(ctx.lang, &p.programme),
        period: format!("{} — {}", day(ctx.lang, p.support_from), day(ctx.lang, p.support_to)),
        evaluations: innocity_core::subjects::talent::evaluations(span.0, span.1, cycle)
            .into_iter()
            .map(|d| day(ctx.lang, d))
            .collect(),
        teams: store::teams_of(&state.db, p.id)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect(),
        report_action: format!("/subjects/talent/{}/reports", p.id),
        p,
        reports,
        due,
        error,
    })
}

/// One person: programme, support, evaluations, teams, reports.
pub async fn view(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = own_person(&state, &a.ctx, &a.principal.scope, &id).await?;
    Ok(render(&person_page(&state, &a.ctx, p, String::new()).await?))
}

/// A yearly report as typed.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApiReportInput {
    /// The year reported on (one that has ended, within the support).
    pub year: i32,
    pub summary: String,
}

/// What is reported on: a person or a team, and its support period.
pub type Reported = (Subject, i64, (NaiveDate, NaiveDate));

/// Files the yearly report `f` of a person or team; a refusal comes back to be shown.
pub async fn file(
    state: &AppState,
    ctx: &Ctx,
    (subject, id, span): Reported,
    f: &ApiReportInput,
) -> AppResult<Result<(), TalentRefusal>> {
    match store::file_report(&state.db, subject, id, span, f.year, &f.summary, ctx.actor()).await {
        Ok(()) => Ok(Ok(())),
        Err(StoreError::Talent(r)) => Ok(Err(r)),
        Err(e) => Err(e.into()),
    }
}

/// Files a person's yearly report.
pub async fn file_report(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let p = own_person(&state, ctx, &a.principal.scope, &id).await?;
    let f: ApiReportInput = parse_form(ctx, &body)?;
    match file(&state, ctx, (Subject::Talent, p.id, (p.support_from, p.support_to)), &f).await? {
        Ok(()) => Ok(Redirect::to(&format!("/subjects/talent/{}#reports", p.id)).into_response()),
        Err(r) => {
            let page = person_page(&state, ctx, p, refusal(ctx.lang, &r).1).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
