//! Innovation teams (bureau and zones): the teams in scope, the form to record one from the
//! people already recorded (a leader and at least two members), and one team's page with its
//! members, evaluation dates and yearly reports.
use super::api::reach;
use super::talent::{ApiReportInput, ReportLine, day, refusal, report_lines};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageSubjects, parse_form};
use crate::error::{AppError, AppResult};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Scope;
use innocity_core::subjects::talent::TeamInput;
use innocity_store::StoreError;
use innocity_store::subjects::talent::{self as store, Subject, TalentQuery, TalentRow, TeamRow};

/// A team the caller may see, else not found.
pub async fn own_team(state: &AppState, ctx: &Ctx, scope: &Scope, id: &str) -> AppResult<TeamRow> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let path = reach(state, ctx, scope, None).await?;
    store::team(&state.db, id)
        .await?
        .filter(|t| innocity_core::orgs::in_area(&path, &t.unit_path))
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

/// Reads the team form: repeated `member_ids` (a multiple select) are joined into one list.
pub fn team_input(ctx: &Ctx, body: &[u8]) -> AppResult<TeamInput> {
    let pairs: Vec<(String, String)> = parse_form(ctx, body)?;
    let get = |k: &str| {
        pairs.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect::<Vec<_>>().join(",")
    };
    Ok(TeamInput {
        name: get("name"),
        organisation_credit_code: get("organisation_credit_code"),
        field: get("field"),
        leader_id: get("leader_id"),
        member_ids: get("member_ids"),
        support_from: get("support_from"),
        support_to: get("support_to"),
        cycle_years: get("cycle_years"),
    })
}

struct TeamLine {
    id: i64,
    name: String,
    organisation: String,
    leader: String,
    members: i64,
    field: String,
    period: String,
}

#[derive(Template)]
#[template(path = "subjects_teams.html")]
struct TeamsPage {
    s: Shell,
    lines: Vec<TeamLine>,
    people: Vec<Choice>,
    input: TeamInput,
    errors: Vec<(String, String)>,
}

impl TeamsPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

async fn page_with(
    state: &AppState,
    a: &Auth<ManageSubjects>,
    input: TeamInput,
    errors: Vec<(String, String)>,
) -> AppResult<TeamsPage> {
    let ctx = &a.ctx;
    let path = reach(state, ctx, &a.principal.scope, None).await?;
    let lines = store::teams(&state.db, &path)
        .await?
        .into_iter()
        .map(|t| TeamLine {
            id: t.id,
            name: t.name,
            organisation: t.organisation,
            leader: t.leader,
            members: t.members,
            field: t.field,
            period: format!("{} — {}", day(ctx.lang, t.support_from), day(ctx.lang, t.support_to)),
        })
        .collect();
    let chosen: Vec<&str> = input.member_ids.split(',').collect();
    let people = store::people(&state.db, &TalentQuery { within: path, ..TalentQuery::default() })
        .await?
        .into_iter()
        .map(|p: TalentRow| {
            let selected = chosen.contains(&p.id.to_string().as_str());
            Choice::new(p.id, format!("{}（{}）", p.name, p.organisation), selected)
        })
        .collect();
    Ok(TeamsPage { s: ctx.shell(), lines, people, input, errors })
}

/// The teams in scope and the form to record one.
pub async fn page(State(state): State<AppState>, a: Auth<ManageSubjects>) -> AppResult<Response> {
    Ok(render(&page_with(&state, &a, TeamInput::default(), vec![]).await?))
}

/// Records a team typed into the page's form.
pub async fn add(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input = team_input(ctx, &body)?;
    let errors = match input.check() {
        Ok(team) => {
            let path = reach(&state, ctx, &a.principal.scope, None).await?;
            match store::add_team(&state.db, &team, &path, ctx.actor()).await {
                Ok(id) => return Ok(Redirect::to(&format!("/subjects/teams/{id}")).into_response()),
                Err(StoreError::Talent(r)) => vec![refusal(ctx.lang, &r)],
                Err(e) => return Err(e.into()),
            }
        }
        Err(problems) => crate::orgs::field_messages(ctx.lang, &problems),
    };
    let page = page_with(&state, &a, input, errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Template)]
#[template(path = "subjects_team.html")]
struct TeamPage {
    s: Shell,
    team: TeamRow,
    period: String,
    evaluations: Vec<String>,
    members: Vec<TalentRow>,
    reports: Vec<ReportLine>,
    due: Vec<i32>,
    error: String,
    report_action: String,
}

async fn team_page(
    state: &AppState,
    ctx: &Ctx,
    team: TeamRow,
    error: String,
) -> AppResult<TeamPage> {
    let span = (team.support_from, team.support_to);
    let (reports, due) = report_lines(state, Subject::Team, team.id, span, ctx.today()).await?;
    let cycle = team.cycle_years as u32;
    Ok(TeamPage {
        s: ctx.shell(),
        period: format!("{} — {}", day(ctx.lang, span.0), day(ctx.lang, span.1)),
        evaluations: innocity_core::subjects::talent::evaluations(span.0, span.1, cycle)
            .into_iter()
            .map(|d| day(ctx.lang, d))
            .collect(),
        members: store::members(&state.db, &team).await?,
        report_action: format!("/subjects/teams/{}/reports", team.id),
        team,
        reports,
        due,
        error,
    })
}

/// One team: members (the leader first), evaluations, reports.
pub async fn view(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let team = own_team(&state, &a.ctx, &a.principal.scope, &id).await?;
    Ok(render(&team_page(&state, &a.ctx, team, String::new()).await?))
}

/// Files a team's yearly report.
pub async fn file_report(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let team = own_team(&state, ctx, &a.principal.scope, &id).await?;
    let f: ApiReportInput = parse_form(ctx, &body)?;
    let reported = (Subject::Team, team.id, (team.support_from, team.support_to));
    match super::talent::file(&state, ctx, reported, &f).await? {
        Ok(()) => Ok(Redirect::to(&format!("/subjects/teams/{}#reports", team.id)).into_response()),
        Err(r) => {
            let page = team_page(&state, ctx, team, refusal(ctx.lang, &r).1).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
