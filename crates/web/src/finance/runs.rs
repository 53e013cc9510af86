//! A policy's runs on the web: the bureau's list of runs, a run's entitlement list with each
//! line's amount and why, the checker's decision, publication, answers to objections and payment,
//! the list as a workbook; an enterprise's objection and the account it confirms.
use super::{line_status_label, refused_on, run_status_label, trace_lines};
use crate::app::AppState;
use crate::auth::{Auth, ClaimEntitlements, Ctx, ManagePolicies, parse_form};
use crate::error::{AppError, AppResult};
use crate::http::TableCell as C;
use crate::i18n::t;
use crate::market::offering::own_organisation;
use crate::orgs::parse_id;
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Principal;
use innocity_store::finance::payments::{self, Account, LineRow, LineStatus, Paid};
use innocity_store::finance::runs::{self as store, RunRow, RunStatus};
use serde::Deserialize;

/// A run as the lists show it.
pub struct RunSummary {
    pub id: i64,
    pub policy_id: i64,
    pub policy: String,
    pub year: i32,
    pub version: i64,
    pub status_code: &'static str,
    pub status: &'static str,
    pub entitled: i64,
    pub assessed: i64,
    pub total: String,
    pub run_by: String,
    pub checked_by: String,
    pub check_note: String,
    pub objections_until: String,
    pub scaled: bool,
}

pub fn summary(lang: crate::i18n::Lang, r: &RunRow) -> RunSummary {
    RunSummary {
        id: r.id,
        policy_id: r.policy_id,
        policy: r.policy_title.clone(),
        year: r.year,
        version: r.version,
        status_code: r.status.code(),
        status: run_status_label(lang, r.status),
        entitled: r.entitled,
        assessed: r.assessed,
        total: r.total.wan_text(),
        run_by: r.run_by.clone(),
        checked_by: r.checked_by.clone(),
        check_note: r.check_note.clone(),
        objections_until: r
            .objections_until
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        scaled: r.scaled,
    }
}

#[derive(Template)]
#[template(path = "finance_runs.html")]
struct ListPage {
    s: Shell,
    runs: Vec<RunSummary>,
}

pub async fn list(State(state): State<AppState>, a: Auth<ManagePolicies>) -> AppResult<Response> {
    let lang = a.ctx.lang;
    let runs = store::all_runs(&state.db).await?.iter().map(|r| summary(lang, r)).collect();
    Ok(render(&ListPage { s: a.ctx.shell(), runs }))
}

/// A line as the run's page shows it.
pub struct LineView {
    pub organisation_id: i64,
    pub organisation: String,
    pub credit_code: String,
    pub amount: String,
    pub why: Vec<String>,
    pub status_code: &'static str,
    pub status: &'static str,
    pub account: String,
    pub objection: String,
    pub answer: String,
    pub reference: String,
}

pub fn line_view(lang: crate::i18n::Lang, year: i32, l: &LineRow) -> LineView {
    LineView {
        organisation_id: l.organisation_id,
        organisation: l.organisation.clone(),
        credit_code: l.credit_code.clone(),
        amount: l.amount.wan_text(),
        why: trace_lines(lang, &l.trace, year),
        status_code: l.status.code(),
        status: line_status_label(lang, l.status),
        account: l
            .account
            .as_ref()
            .map(|a| format!("{} {}", a.bank, a.masked()))
            .unwrap_or_default(),
        objection: l.objection.clone(),
        answer: l.answer.clone(),
        reference: l.applied_reference.clone(),
    }
}

#[derive(Template)]
#[template(path = "finance_run.html")]
struct RunPage {
    s: Shell,
    run: RunSummary,
    lines: Vec<LineView>,
    /// The signed-in officer ran it (and so may not check it).
    own_run: bool,
    waiting_accounts: usize,
    objections: usize,
    reproduces: Option<bool>,
}

pub(super) async fn run_of(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<RunRow> {
    let id = parse_id(ctx, id)?;
    store::get_run(&state.db, id).await.map_err(|e| ctx.err(e.into()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ViewQuery {
    /// `1`: run the rule again on today's data and say whether the list is the same.
    pub verify: String,
}

pub async fn view(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ViewQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let run = run_of(&state, ctx, &id).await?;
    let rows = payments::lines(&state.db, run.id).await?;
    let lines: Vec<LineView> = rows.iter().map(|l| line_view(ctx.lang, run.year, l)).collect();
    let open = |s: LineStatus| rows.iter().filter(move |l| l.status == s);
    let waiting_accounts = open(LineStatus::Listed).filter(|l| l.account.is_none()).count();
    let objections = open(LineStatus::Objected).count();
    let reproduces =
        if q.verify == "1" { Some(store::reproduces(&state.db, run.id).await?) } else { None };
    let page = RunPage {
        s: ctx.shell(),
        own_run: run.run_by == a.principal.username,
        run: summary(ctx.lang, &run),
        lines,
        waiting_accounts,
        objections,
        reproduces,
    };
    Ok(render(&page))
}

pub async fn xlsx(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let run = run_of(&state, ctx, &id).await?;
    let rows: Vec<Vec<C>> = payments::lines(&state.db, run.id)
        .await?
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                C::Int(i as i64 + 1),
                C::Text(l.organisation.clone()),
                C::Text(l.credit_code.clone()),
                C::Wan(l.amount.fen()),
                C::Text(line_status_label(lang, l.status).into()),
                C::Text(trace_lines(lang, &l.trace, run.year).join("；")),
            ]
        })
        .collect();
    let head = [
        "policy.col.no",
        "policy.col.organisation",
        "policy.col.credit_code",
        "policy.col.amount",
        "policy.col.status",
        "policy.col.why",
    ]
    .map(|k| t(lang, k));
    let name = format!("{}-{}.xlsx", run.policy_code, run.year);
    crate::http::table(t(lang, "policy.list_sheet"), &head, &rows, &name)
}

/// The checker's decision: `approve` or `return` (with its reason).
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct CheckInput {
    /// approve or return.
    pub decision: String,
    pub note: String,
}

pub(super) async fn check_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    i: &CheckInput,
) -> AppResult<()> {
    let run = run_of(state, ctx, id).await?;
    let approve = match i.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(crate::sharing::choose_one(ctx, "decision")),
    };
    store::check(&state.db, run.id, approve, &i.note, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, e))
}

pub(super) async fn publish_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> AppResult<chrono::NaiveDate> {
    let run = run_of(state, ctx, id).await?;
    store::publish(&state.db, run.id, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

pub(super) async fn pay_as(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<Paid> {
    let run = run_of(state, ctx, id).await?;
    payments::pay(&state.db, run.id, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

/// The bureau's answer to an objection: `keep` or `withdraw`, with its reason.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct AnswerInput {
    /// keep or withdraw.
    pub decision: String,
    pub text: String,
}

pub(super) async fn answer_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    org: &str,
    i: &AnswerInput,
) -> AppResult<()> {
    let run = run_of(state, ctx, id).await?;
    let org = parse_id(ctx, org)?;
    let keep = match i.decision.as_str() {
        "keep" => true,
        "withdraw" => false,
        _ => return Err(crate::sharing::choose_one(ctx, "decision")),
    };
    payments::answer(&state.db, run.id, org, keep, &i.text, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, e))
}

fn back_to(run: &str) -> Response {
    Redirect::to(&format!("/finance/runs/{run}")).into_response()
}

pub async fn check(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: CheckInput = parse_form(&a.ctx, &body)?;
    check_as(&state, &a.ctx, &id, &i).await?;
    Ok(back_to(&id))
}

pub async fn publish(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    publish_as(&state, &a.ctx, &id).await?;
    Ok(back_to(&id))
}

pub async fn pay(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    pay_as(&state, &a.ctx, &id).await?;
    Ok(back_to(&id))
}

pub async fn answer(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path((id, org)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: AnswerInput = parse_form(&a.ctx, &body)?;
    answer_as(&state, &a.ctx, &id, &org, &i).await?;
    Ok(back_to(&id))
}

/// An enterprise's objection to its line.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct ObjectionInput {
    pub text: String,
}

/// The account an enterprise's money goes to.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct AccountInput {
    /// 开户名称.
    pub holder: String,
    /// 开户银行.
    pub bank: String,
    /// 8 to 32 digits.
    pub number: String,
}

/// A published run an enterprise may act on (others' runs and unpublished ones are not found).
pub(super) async fn published_run(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<RunRow> {
    let run = run_of(state, ctx, id).await?;
    if !matches!(run.status, RunStatus::Published | RunStatus::Paid) {
        return Err(ctx.err(AppError::not_found()));
    }
    Ok(run)
}

pub(super) async fn object_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    i: &ObjectionInput,
) -> AppResult<()> {
    let org = own_organisation(ctx, p)?;
    let run = published_run(state, ctx, id).await?;
    payments::object(&state.db, run.id, org, &i.text, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, e))
}

pub(super) async fn account_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    i: &AccountInput,
) -> AppResult<()> {
    let org = own_organisation(ctx, p)?;
    let run = published_run(state, ctx, id).await?;
    let account =
        Account { holder: i.holder.clone(), bank: i.bank.clone(), number: i.number.clone() };
    payments::confirm_account(&state.db, run.id, org, &account, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, e))
}

pub async fn object(
    State(state): State<AppState>,
    a: Auth<ClaimEntitlements>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: ObjectionInput = parse_form(&a.ctx, &body)?;
    let done = object_as(&state, &a.ctx, &a.principal, &id, &i).await;
    on_my_page(&state, &a, &id, done).await
}

pub async fn account(
    State(state): State<AppState>,
    a: Auth<ClaimEntitlements>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: AccountInput = parse_form(&a.ctx, &body)?;
    let done = account_as(&state, &a.ctx, &a.principal, &id, &i).await;
    on_my_page(&state, &a, &id, done).await
}

/// Back to the enterprise's page at the run; a refused field shown there, at the run's form.
async fn on_my_page(
    state: &AppState,
    a: &Auth<ClaimEntitlements>,
    id: &str,
    done: AppResult<()>,
) -> AppResult<Response> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/finance/mine#run-{id}")).into_response()),
        Err(e) if e.status == axum::http::StatusCode::UNPROCESSABLE_ENTITY => {
            let run = parse_id(&a.ctx, id)?;
            super::mine::refused(state, &a.ctx, &a.principal, run, e.fields.clone()).await
        }
        Err(e) => Err(e),
    }
}
