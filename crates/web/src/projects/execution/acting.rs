//! Acting on a project's life: the bureau's acts, a report's file, the leader's work.
use super::{Form, date_field, get, refusal};
use crate::app::AppState;
use crate::auth::{ApplyProjects, Auth, Ctx, field_error, parse_form};
use crate::error::{AppError, AppResult};
use crate::projects::load;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::projects::execution::{ChangeKind, Opinion, Outcome, ReportKind, StatusAction};
use innocity_core::projects::funding::{Condition, Line};
use innocity_core::projects::money::{Money, Unit};
use innocity_core::projects::{Level, Stage};
use innocity_store::StoreError;
use innocity_store::projects as store;
use innocity_store::projects::execution::{self as x, ChangeDetail};

/// The bureau's actions on a project beyond signing and paying: status, expert opinions, the
/// mid-term and acceptance decisions, change decisions, supervision visits and audits.
pub async fn staff_act(state: &AppState, ctx: &Ctx, id: i64, body: &[u8]) -> AppResult<Response> {
    let f: Form = parse_form(ctx, body)?;
    let db = &state.db;
    let day = ctx.today();
    let actor = ctx.actor();
    let reason = get(&f, "reason");
    let notice = match get(&f, "action") {
        "status" => {
            let action = StatusAction::parse(get(&f, "status_action"))
                .ok_or_else(|| field_error(ctx, "status_action", "err.choose", vec![]))?;
            let version = get(&f, "version").parse().unwrap_or(0);
            x::set_status(db, id, action, reason, version, actor)
                .await
                .map_err(|e| refusal(ctx, e))?;
            "life.status_changed"
        }
        "opinion" => add_opinion(state, ctx, id, &f).await?,
        "mid_term" | "acceptance" => decide(state, ctx, id, &f).await?,
        "decide_change" => {
            let change: i64 =
                get(&f, "change").parse().map_err(|_| ctx.err(AppError::not_found()))?;
            if !x::changes(db, id).await?.iter().any(|c| c.id == change) {
                return Err(ctx.err(AppError::not_found()));
            }
            x::decide_change(
                db,
                change,
                get(&f, "approve") == "1",
                get(&f, "decision"),
                day,
                actor,
            )
            .await
            .map_err(|e| refusal(ctx, e))?;
            "life.decided"
        }
        "finding" => {
            let visited = date_field(ctx, &f, "visited_on")?;
            let by = if get(&f, "rectify_by").is_empty() {
                None
            } else {
                Some(date_field(ctx, &f, "rectify_by")?)
            };
            x::add_finding(db, id, get(&f, "kind"), visited, get(&f, "findings"), by, actor)
                .await
                .map_err(|e| refusal(ctx, e))?;
            "life.finding_added"
        }
        _ => return Err(field_error(ctx, "action", "err.choose", vec![])),
    };
    Ok(Redirect::to(&format!("/projects/{id}?notice={notice}")).into_response())
}

/// An expert's opinion on the project at a stage, recorded by the bureau.
async fn add_opinion(state: &AppState, ctx: &Ctx, id: i64, f: &Form) -> AppResult<&'static str> {
    let stage = Condition::parse(get(f, "stage"))
        .ok_or_else(|| field_error(ctx, "stage", "err.choose", vec![]))?;
    let score: u8 = get(f, "score")
        .parse()
        .map_err(|_| field_error(ctx, "score", "projects.err.score", vec![]))?;
    let conclusion = Outcome::parse(get(f, "conclusion"))
        .ok_or_else(|| field_error(ctx, "conclusion", "err.choose", vec![]))?;
    let opinion = Opinion {
        expert: get(f, "expert").into(),
        score,
        conclusion,
        text: get(f, "opinion").into(),
    };
    x::add_opinion(&state.db, id, stage, &opinion, ctx.actor())
        .await
        .map_err(|e| refusal(ctx, e))?;
    Ok("life.opinion_added")
}

/// The mid-term or the acceptance decision.
async fn decide(state: &AppState, ctx: &Ctx, id: i64, f: &Form) -> AppResult<&'static str> {
    let (db, day, actor) = (&state.db, ctx.today(), ctx.actor());
    let outcome = Outcome::parse(get(f, "outcome"))
        .ok_or_else(|| field_error(ctx, "outcome", "err.choose", vec![]))?;
    if get(f, "action") == "mid_term" {
        x::conclude_mid_term(db, id, outcome, get(f, "opinion"), day, actor)
            .await
            .map_err(|e| refusal(ctx, e))?;
    } else {
        x::decide_acceptance(
            db,
            id,
            outcome,
            get(f, "opinion"),
            get(f, "fraud") == "1",
            day,
            actor,
        )
        .await
        .map_err(|e| refusal(ctx, e))?;
    }
    Ok("life.decided")
}

/// The leader attaches a file to a report not yet submitted (htmx, like an application's files).
pub async fn report_upload(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Path((id, kind, seq)): Path<(i64, String, u32)>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (app, level) = load(&state, &a.principal, id).await?;
    if level != Level::Applicant || app.stage != Stage::Established {
        return Err(ctx.err(AppError::forbidden()));
    }
    let kind = ReportKind::parse(&kind).ok_or_else(AppError::not_found)?;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    let file = x::NewReportFile { kind, seq, name: &name, bytes: &bytes };
    x::add_report_file(
        &state.db,
        &state.config.files_dir,
        id,
        a.principal.user_id,
        file,
        ctx.actor(),
    )
    .await
    .map_err(|e| match e {
        StoreError::Applications(r @ store::ApplicationRefusal::File { .. }) => {
            let (key, args) = crate::error::refusals::application(&r);
            field_error(ctx, "file", key, args)
        }
        other => refusal(ctx, other),
    })?;
    let to = format!("/projects/{id}?notice=apps.uploaded#reports");
    Ok(crate::http::go_to(ctx, &to))
}

/// The leader's work on their project: reports, change requests, rectifications, outputs.
pub async fn work(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (app, level) = load(&state, &a.principal, id).await?;
    if level != Level::Applicant || app.stage != Stage::Established {
        return Err(ctx.err(AppError::forbidden()));
    }
    let f: Form = parse_form(ctx, &body)?;
    let db = &state.db;
    let actor = ctx.actor();
    let notice = match get(&f, "action") {
        "report" => submit_report(&state, ctx, id, &f).await?,
        "milestone" => {
            let index: usize =
                get(&f, "index").parse().map_err(|_| ctx.err(AppError::not_found()))?;
            x::reach_milestone(db, id, index, get(&f, "note"), ctx.today(), actor)
                .await
                .map_err(|e| refusal(ctx, e))?;
            "life.milestone_reached"
        }
        "change" => request_change(&state, ctx, id, &f).await?,
        "rectify" => {
            let finding: i64 =
                get(&f, "finding").parse().map_err(|_| ctx.err(AppError::not_found()))?;
            x::rectify(db, id, finding, get(&f, "rectification"), actor)
                .await
                .map_err(|e| refusal(ctx, e))?;
            "life.rectified"
        }
        "output" => {
            let on = date_field(ctx, &f, "on_date")?;
            x::add_output(
                db,
                id,
                get(&f, "kind"),
                get(&f, "title"),
                get(&f, "reference"),
                on,
                actor,
            )
            .await
            .map_err(|e| refusal(ctx, e))?;
            "life.output_added"
        }
        _ => return Err(field_error(ctx, "action", "err.choose", vec![])),
    };
    Ok(Redirect::to(&format!("/projects/{id}?notice={notice}")).into_response())
}

/// The leader submits a report; a final report accounts for each deliverable.
async fn submit_report(state: &AppState, ctx: &Ctx, id: i64, f: &Form) -> AppResult<&'static str> {
    let db = &state.db;
    let kind = ReportKind::parse(get(f, "kind"))
        .ok_or_else(|| field_error(ctx, "kind", "err.choose", vec![]))?;
    let seq: u32 = get(f, "seq").parse().unwrap_or(1);
    let book = store::task_book(db, id).await?.ok_or_else(AppError::not_found)?;
    let account: Vec<(String, String)> = if kind == ReportKind::Final {
        book.deliverables
            .iter()
            .enumerate()
            .map(|(k, d)| (d.clone(), get(f, &format!("d{k}")).to_string()))
            .collect()
    } else {
        vec![]
    };
    x::submit_report(db, id, kind, seq, get(f, "body"), &account, ctx.actor())
        .await
        .map_err(|e| refusal(ctx, e))?;
    Ok("life.report_submitted")
}

/// The leader requests a change: of leader, an extension, or the budget's lines.
async fn request_change(state: &AppState, ctx: &Ctx, id: i64, f: &Form) -> AppResult<&'static str> {
    let db = &state.db;
    let kind = ChangeKind::parse(get(f, "kind"))
        .ok_or_else(|| field_error(ctx, "kind", "err.choose", vec![]))?;
    let detail = match kind {
        ChangeKind::Leader => ChangeDetail::Leader {
            name: get(f, "leader_name").into(),
            id_number: get(f, "id_number").into(),
        },
        ChangeKind::Extension => ChangeDetail::Extension(date_field(ctx, f, "ends_on")?),
        ChangeKind::Budget => {
            let book = store::task_book(db, id).await?.ok_or_else(AppError::not_found)?;
            let mut lines = Vec::new();
            for l in &book.budget {
                let field = format!("budget_{}", l.category);
                let typed = get(f, &field);
                let requested = Money::parse(typed, Unit::Wan).map_err(|_| {
                    field_error(
                        ctx,
                        &field,
                        "apps.err.money",
                        vec![l.category.clone(), typed.to_string()],
                    )
                })?;
                lines.push(Line { category: l.category.clone(), requested, raised: l.raised });
            }
            ChangeDetail::Budget(lines)
        }
    };
    x::request_change(db, id, &detail, get(f, "reason"), ctx.today(), ctx.actor())
        .await
        .map_err(|e| refusal(ctx, e))?;
    Ok("life.change_requested")
}

// ---------------------------------------------------------------- portfolios
