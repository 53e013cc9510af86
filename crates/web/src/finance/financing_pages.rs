//! An enterprise's financing pages: its demands (published here, each problem named on the
//! form), the products that answer a demand with each condition met or not, applying to one, and
//! the follow-up's timeline, which the institution and the finance office see too.
use super::financing::{
    DemandView, FollowStepInput, FollowUpView, MatchView, Reader, StepView, demand_of, demand_seen,
    demand_view, enterprise_of, followup_seen, followup_view, match_view, need_label, stage_label,
    step_as, step_view,
};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, SeekFinancing, ViewWorkspace, parse_form};
use crate::error::{AppError, AppResult};
use crate::orgs::field_messages;
use crate::page::{Choice, FieldErrors, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Principal;
use innocity_core::finance::financing::{DemandInput, NeedKind, Side, Stage, validate_demand};
use innocity_store::finance::financing::{demands, followups};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "finance_financing.html")]
struct MinePage {
    s: Shell,
    demands: Vec<DemandView>,
    followups: Vec<FollowUpView>,
    input: DemandInput,
    errors: FieldErrors,
    kinds: Vec<Choice>,
}

fn kinds(ctx: &Ctx) -> Vec<Choice> {
    NeedKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code().into(),
            label: need_label(ctx.lang, *k),
            selected: false,
        })
        .collect()
}

async fn mine_page(
    state: &AppState,
    ctx: &Ctx,
    org: i64,
    input: DemandInput,
    errors: FieldErrors,
) -> AppResult<MinePage> {
    let rows = demands::of_organisation(&state.db, org).await?;
    let mut fs = Vec::new();
    for d in &rows {
        for f in followups::of_demand(&state.db, d.id).await? {
            fs.push(followup_view(ctx, &f));
        }
    }
    Ok(MinePage {
        s: ctx.shell(),
        demands: rows.iter().map(|d| demand_view(ctx, d)).collect(),
        followups: fs,
        input,
        errors,
        kinds: kinds(ctx),
    })
}

pub async fn mine(State(state): State<AppState>, a: Auth<SeekFinancing>) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = enterprise_of(ctx, &a.principal)?;
    let until = (ctx.today() + chrono::Duration::days(90)).to_string();
    let input = DemandInput { valid_until: until, ..DemandInput::default() };
    Ok(render(&mine_page(&state, ctx, org, input, FieldErrors::default()).await?))
}

/// Publishes a demand; a problem is named on the form, which keeps what was typed.
pub async fn publish(
    State(state): State<AppState>,
    a: Auth<SeekFinancing>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = enterprise_of(ctx, &a.principal)?;
    let input: DemandInput = parse_form(ctx, &body)?;
    match validate_demand(&input, ctx.today()) {
        Ok(draft) => {
            let id = demands::publish(&state.db, org, &draft, ctx.actor()).await?;
            Ok(Redirect::to(&format!("/finance/financing/demands/{id}")).into_response())
        }
        Err(e) => {
            let errors = FieldErrors(field_messages(ctx.lang, &e));
            let page = mine_page(&state, ctx, org, input, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "finance_financing_demand.html")]
struct DemandPage {
    s: Shell,
    d: DemandView,
    own: bool,
    matches: Vec<MatchView>,
    followups: Vec<FollowUpView>,
}

/// A demand: to its enterprise (and the office) the products that answer it and why, and every
/// follow-up; to an institution, its own follow-ups.
pub async fn demand(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let seen = demand_seen(&state, ctx, &a.principal, &id).await?;
    Ok(render(&DemandPage {
        s: ctx.shell(),
        d: demand_view(ctx, &seen.demand),
        own: seen.reader == Reader::Owner,
        matches: seen.matches.iter().map(|m| match_view(ctx, m)).collect(),
        followups: seen.followups.iter().map(|f| followup_view(ctx, f)).collect(),
    }))
}

#[derive(Deserialize)]
struct VersionForm {
    version: i64,
}

pub async fn close(
    State(state): State<AppState>,
    a: Auth<SeekFinancing>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = enterprise_of(ctx, &a.principal)?;
    let d = demand_of(&state, ctx, &id).await?;
    if d.organisation_id != org {
        return Err(ctx.err(AppError::not_found()));
    }
    let f: VersionForm = parse_form(ctx, &body)?;
    demands::close(&state.db, d.id, f.version, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/finance/financing/demands/{}", d.id)).into_response())
}

#[derive(Template)]
#[template(path = "finance_financing_followup.html")]
struct FollowUpPage {
    s: Shell,
    f: FollowUpView,
    steps: Vec<StepView>,
    /// The steps the reader may take next: (stage, label).
    next: Vec<Choice>,
    side: String,
    input: FollowStepInput,
    errors: FieldErrors,
}

/// The steps `side` may take after `current`.
fn next_steps(ctx: &Ctx, current: Stage, side: Option<Side>) -> Vec<Choice> {
    let Some(side) = side else { return Vec::new() };
    Stage::ALL
        .into_iter()
        .filter(|s| innocity_core::finance::financing::next(Some(current), *s, side).is_ok())
        .map(|s| Choice {
            value: s.code().into(),
            label: stage_label(ctx.lang, s),
            selected: false,
        })
        .collect()
}

async fn followup_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    input: Option<FollowStepInput>,
    errors: FieldErrors,
) -> AppResult<FollowUpPage> {
    let (f, reader) = followup_seen(state, ctx, p, id).await?;
    let side = match reader {
        Reader::Owner => Some(Side::Enterprise),
        Reader::Institution(_) => Some(Side::Institution),
        Reader::Office => None,
    };
    let steps = followups::steps(&state.db, f.id).await?;
    Ok(FollowUpPage {
        s: ctx.shell(),
        next: next_steps(ctx, f.stage, side),
        side: side.map_or(String::new(), |s| s.code().into()),
        input: input.unwrap_or(FollowStepInput {
            demand_id: f.demand_id,
            product_id: f.product_id,
            ..FollowStepInput::default()
        }),
        f: followup_view(ctx, &f),
        steps: steps.iter().map(|s| step_view(ctx, s)).collect(),
        errors,
    })
}

pub async fn followup(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    Ok(render(&followup_page(&state, ctx, &a.principal, &id, None, FieldErrors::default()).await?))
}

/// A step from a page (an application to a product, a withdrawal, the institution's steps): a
/// problem with a field is named on the follow-up's form; a refusal in words.
pub async fn step(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: FollowStepInput = parse_form(ctx, &body)?;
    match step_as(&state, ctx, &a.principal, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/finance/financing/followups/{id}")).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY && !e.fields.is_empty() => {
            let demand = demand_of(&state, ctx, &input.demand_id.to_string()).await?;
            let existing = followups::of_demand(&state.db, demand.id)
                .await?
                .into_iter()
                .find(|f| f.product_id == input.product_id);
            let Some(f) = existing else { return Err(e) };
            let errors = FieldErrors(e.fields.clone());
            let id = f.id.to_string();
            let page = followup_page(&state, ctx, &a.principal, &id, Some(input), errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}
