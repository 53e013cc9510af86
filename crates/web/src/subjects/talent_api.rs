//! Talent and teams for machines: the same checks, scope and refusals as the pages.
use super::api::reach;
use super::talent::{ApiReportInput, PeopleQuery, change, own_person};
use super::teams::own_team;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, ManageSubjects};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, Query, State};
use innocity_core::subjects::talent::{PersonInput, TeamInput, evaluations, next_evaluation};
use innocity_store::subjects::talent::{self as store, Subject, TalentQuery, TalentRow, TeamRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A person of a programme.
#[derive(Serialize, ToSchema)]
pub struct ApiPerson {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub organisation: String,
    /// talent_pool, leading_talent, innovation_team, commissioner or three_regions.
    pub programme: String,
    pub field: String,
    /// Where a commissioner or three-regions talent serves.
    pub placement: String,
    /// `YYYY-MM-DD`.
    pub support_from: String,
    pub support_to: String,
    pub cycle_years: i64,
    /// The next evaluation (`YYYY-MM-DD`); null once the support has ended.
    pub next_evaluation: Option<String>,
    /// The person's code in the expert library.
    pub expert_code: Option<String>,
}

fn api_person(p: TalentRow, today: chrono::NaiveDate) -> ApiPerson {
    let next = next_evaluation(p.support_from, p.support_to, p.cycle_years as u32, today);
    ApiPerson {
        id: p.id,
        name: p.name,
        title: p.title,
        organisation: p.organisation,
        programme: p.programme,
        field: p.field,
        placement: p.placement,
        support_from: p.support_from.to_string(),
        support_to: p.support_to.to_string(),
        cycle_years: p.cycle_years,
        next_evaluation: next.map(|d| d.to_string()),
        expert_code: p.expert_code,
    }
}

/// People supported this year by programme.
#[derive(Serialize, ToSchema)]
pub struct ApiProgrammeCount {
    pub programme: String,
    pub people: i64,
}

/// The people in scope with this year's counts.
#[derive(Serialize, ToSchema)]
pub struct ApiPeople {
    pub counts: Vec<ApiProgrammeCount>,
    /// Teams supported this year.
    pub teams: i64,
    pub people: Vec<ApiPerson>,
}

#[utoipa::path(get, path = "/api/v1/subjects/talent", params(PeopleQuery), responses((status = 200, body = ApiPeople), (status = 403, body = ApiError)))]
/// The people of the programmes in the caller's area, with this year's counts.
pub async fn api_people(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Query(q): Query<PeopleQuery>,
) -> AppResult<Json<ApiPeople>> {
    let ctx = &a.ctx;
    let today = ctx.today();
    let path = reach(&state, ctx, &a.principal.scope, q.unit.as_deref()).await?;
    let counts = store::counts(&state.db, &path, chrono::Datelike::year(&today)).await?;
    let query = TalentQuery { within: path, programme: q.programme, text: q.q };
    let people =
        store::people(&state.db, &query).await?.into_iter().map(|p| api_person(p, today)).collect();
    Ok(Json(ApiPeople {
        counts: counts
            .by_programme
            .into_iter()
            .map(|(programme, people)| ApiProgrammeCount { programme, people })
            .collect(),
        teams: counts.teams,
        people,
    }))
}

/// A person to record.
#[derive(Deserialize, ToSchema)]
pub struct ApiPersonInput {
    pub name: String,
    #[serde(default)]
    pub title: String,
    pub organisation_credit_code: String,
    #[serde(default)]
    pub field: String,
    /// talent_pool, leading_talent, innovation_team, commissioner or three_regions.
    pub programme: String,
    /// `YYYY-MM-DD`.
    pub support_from: String,
    /// `YYYY-MM-DD`, after the start and at most ten years on.
    pub support_to: String,
    /// 3 or 5.
    pub cycle_years: u32,
    /// Required for commissioners and three-regions talents.
    #[serde(default)]
    pub placement: String,
    #[serde(default)]
    pub expert_code: String,
}

#[utoipa::path(post, path = "/api/v1/subjects/talent", request_body = ApiPersonInput, responses((status = 200, body = ApiPerson), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Records a person of an organisation in the caller's area.
pub async fn api_add_person(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiPerson>> {
    let ctx = &a.ctx;
    let i: ApiPersonInput = crate::api::json_body(ctx, &headers, &body)?;
    let input = PersonInput {
        name: i.name,
        title: i.title,
        organisation_credit_code: i.organisation_credit_code,
        field: i.field,
        programme: i.programme,
        support_from: i.support_from,
        support_to: i.support_to,
        cycle_years: i.cycle_years.to_string(),
        placement: i.placement,
        expert_code: i.expert_code,
    };
    let p = input
        .check()
        .map_err(|e| super::api::invalid(ctx, crate::orgs::field_messages(ctx.lang, &e)))?;
    let path = reach(&state, ctx, &a.principal.scope, None).await?;
    let id = change(ctx, store::add_person(&state.db, &p, &path, ctx.actor()).await)?;
    let made = store::person(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    Ok(Json(api_person(made, ctx.today())))
}

/// A yearly report on file.
#[derive(Serialize, ToSchema)]
pub struct ApiReport {
    pub year: i64,
    pub summary: String,
    pub filed_by: String,
}

/// A person or team's evaluations and reports.
#[derive(Serialize, ToSchema)]
pub struct ApiFollowUp {
    /// Every evaluation of the support (`YYYY-MM-DD`).
    pub evaluations: Vec<String>,
    pub reports: Vec<ApiReport>,
    /// Years whose report is due and not filed.
    pub reports_due: Vec<i32>,
}

async fn follow_up(
    state: &AppState,
    subject: Subject,
    id: i64,
    span: (chrono::NaiveDate, chrono::NaiveDate),
    cycle: i64,
    today: chrono::NaiveDate,
) -> AppResult<ApiFollowUp> {
    let (reports, due) = super::talent::report_lines(state, subject, id, span, today).await?;
    Ok(ApiFollowUp {
        evaluations: evaluations(span.0, span.1, cycle as u32)
            .iter()
            .map(|d| d.to_string())
            .collect(),
        reports: reports
            .into_iter()
            .map(|r| ApiReport { year: r.year, summary: r.summary, filed_by: r.filed_by })
            .collect(),
        reports_due: due,
    })
}

/// One person with their teams, evaluations and reports.
#[derive(Serialize, ToSchema)]
pub struct ApiPersonDetail {
    pub person: ApiPerson,
    /// The teams the person is in, by id.
    pub teams: Vec<i64>,
    pub follow_up: ApiFollowUp,
}

#[utoipa::path(get, path = "/api/v1/subjects/talent/{id}", params(("id" = i64, Path, description = "the person")), responses((status = 200, body = ApiPersonDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// One person of the caller's area.
pub async fn api_person_detail(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiPersonDetail>> {
    let ctx = &a.ctx;
    let p = own_person(&state, ctx, &a.principal.scope, &id).await?;
    let teams = store::teams_of(&state.db, p.id).await?.into_iter().map(|t| t.id).collect();
    let span = (p.support_from, p.support_to);
    let follow_up =
        follow_up(&state, Subject::Talent, p.id, span, p.cycle_years, ctx.today()).await?;
    Ok(Json(ApiPersonDetail { person: api_person(p, ctx.today()), teams, follow_up }))
}

/// A report filed.
#[derive(Serialize, ToSchema)]
pub struct ApiReportFiled {
    pub year: i32,
}

#[utoipa::path(post, path = "/api/v1/subjects/talent/{id}/reports", params(("id" = i64, Path, description = "the person")), request_body = ApiReportInput, responses((status = 200, body = ApiReportFiled), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Files a person's yearly report (once a year, for a year of the support that has ended).
pub async fn api_person_report(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiReportFiled>> {
    let ctx = &a.ctx;
    let p = own_person(&state, ctx, &a.principal.scope, &id).await?;
    let reported = (Subject::Talent, p.id, (p.support_from, p.support_to));
    file_json(&state, ctx, reported, &headers, &body).await
}

/// Files a yearly report given as JSON; a refusal is a 422 naming the field.
async fn file_json(
    state: &AppState,
    ctx: &crate::auth::Ctx,
    reported: super::talent::Reported,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> AppResult<Json<ApiReportFiled>> {
    let f: ApiReportInput = crate::api::json_body(ctx, headers, body)?;
    if let Err(r) = super::talent::file(state, ctx, reported, &f).await? {
        return Err(super::api::invalid(ctx, vec![super::talent::refusal(ctx.lang, &r)]));
    }
    Ok(Json(ApiReportFiled { year: f.year }))
}

/// A team.
#[derive(Serialize, ToSchema)]
pub struct ApiTeam {
    pub id: i64,
    pub name: String,
    pub organisation: String,
    pub field: String,
    pub leader_id: i64,
    pub leader: String,
    /// People in the team, the leader included.
    pub members: i64,
    pub support_from: String,
    pub support_to: String,
    pub cycle_years: i64,
}

fn api_team(t: TeamRow) -> ApiTeam {
    ApiTeam {
        id: t.id,
        name: t.name,
        organisation: t.organisation,
        field: t.field,
        leader_id: t.leader_id,
        leader: t.leader,
        members: t.members,
        support_from: t.support_from.to_string(),
        support_to: t.support_to.to_string(),
        cycle_years: t.cycle_years,
    }
}

#[utoipa::path(get, path = "/api/v1/subjects/teams", responses((status = 200, body = [ApiTeam]), (status = 403, body = ApiError)))]
/// The teams of the caller's area.
pub async fn api_teams(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
) -> AppResult<Json<Vec<ApiTeam>>> {
    let path = reach(&state, &a.ctx, &a.principal.scope, None).await?;
    Ok(Json(store::teams(&state.db, &path).await?.into_iter().map(api_team).collect()))
}

/// A team to record.
#[derive(Deserialize, ToSchema)]
pub struct ApiTeamInput {
    pub name: String,
    pub organisation_credit_code: String,
    #[serde(default)]
    pub field: String,
    /// A recorded person's id.
    pub leader_id: i64,
    /// Recorded people's ids (at least two besides the leader).
    pub member_ids: Vec<i64>,
    pub support_from: String,
    pub support_to: String,
    /// 3 or 5.
    pub cycle_years: u32,
}

#[utoipa::path(post, path = "/api/v1/subjects/teams", request_body = ApiTeamInput, responses((status = 200, body = ApiTeam), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Records a team of an organisation in the caller's area from people already recorded there.
pub async fn api_add_team(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiTeam>> {
    let ctx = &a.ctx;
    let i: ApiTeamInput = crate::api::json_body(ctx, &headers, &body)?;
    let input = TeamInput {
        name: i.name,
        organisation_credit_code: i.organisation_credit_code,
        field: i.field,
        leader_id: i.leader_id.to_string(),
        member_ids: i.member_ids.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(","),
        support_from: i.support_from,
        support_to: i.support_to,
        cycle_years: i.cycle_years.to_string(),
    };
    let t = input
        .check()
        .map_err(|e| super::api::invalid(ctx, crate::orgs::field_messages(ctx.lang, &e)))?;
    let path = reach(&state, ctx, &a.principal.scope, None).await?;
    let id = change(ctx, store::add_team(&state.db, &t, &path, ctx.actor()).await)?;
    let made = store::team(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    Ok(Json(api_team(made)))
}

/// One team with its members, evaluations and reports.
#[derive(Serialize, ToSchema)]
pub struct ApiTeamDetail {
    pub team: ApiTeam,
    /// The members' person ids, the leader first.
    pub member_ids: Vec<i64>,
    pub follow_up: ApiFollowUp,
}

#[utoipa::path(get, path = "/api/v1/subjects/teams/{id}", params(("id" = i64, Path, description = "the team")), responses((status = 200, body = ApiTeamDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// One team of the caller's area.
pub async fn api_team_detail(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiTeamDetail>> {
    let ctx = &a.ctx;
    let t = own_team(&state, ctx, &a.principal.scope, &id).await?;
    let member_ids = store::members(&state.db, &t).await?.into_iter().map(|p| p.id).collect();
    let span = (t.support_from, t.support_to);
    let follow_up =
        follow_up(&state, Subject::Team, t.id, span, t.cycle_years, ctx.today()).await?;
    Ok(Json(ApiTeamDetail { team: api_team(t), member_ids, follow_up }))
}

#[utoipa::path(post, path = "/api/v1/subjects/teams/{id}/reports", params(("id" = i64, Path, description = "the team")), request_body = ApiReportInput, responses((status = 200, body = ApiReportFiled), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Files a team's yearly report.
pub async fn api_team_report(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiReportFiled>> {
    let ctx = &a.ctx;
    let t = own_team(&state, ctx, &a.principal.scope, &id).await?;
    let reported = (Subject::Team, t.id, (t.support_from, t.support_to));
    file_json(&state, ctx, reported, &headers, &body).await
}
