//! An enterprise's own view of the policies (政策匹配): for every policy in force last year, what
//! its rule makes of the enterprise's own records — the amount it may expect and why, or why not
//! — and its lines on published lists, where it objects or confirms the account to be paid into.
use super::runs::line_view;
use super::trace_lines;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ReceiveEntitlements};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::page::{Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::Datelike;
use innocity_core::access::{Capability, Principal};
use innocity_store::finance::payments::{self, LineStatus};
use innocity_store::finance::{policies, runs};
use serde::Serialize;
use utoipa::ToSchema;

/// What a policy's rule makes of the enterprise's own records.
#[derive(Serialize, ToSchema)]
pub struct ApiPolicyMatch {
    pub policy_id: i64,
    pub code: String,
    pub title: String,
    pub doc_number: String,
    /// The year the records are read for (the last completed one).
    pub year: i32,
    pub entitled: bool,
    /// The amount the rule gives, after the per-firm cap (the published list decides).
    pub amount_fen: i64,
    /// One line per fact read, then the verdict and the caps applied.
    pub why: Vec<String>,
}

/// The enterprise's line on a published list.
#[derive(Serialize, ToSchema)]
pub struct ApiMyLine {
    pub run_id: i64,
    pub policy_id: i64,
    pub policy: String,
    pub year: i32,
    pub amount_fen: i64,
    /// listed, objected, withdrawn, paid or applied.
    pub status: String,
    /// The last day of the objection period.
    pub objections_until: String,
    /// The bank and the account's last four digits, once confirmed.
    pub account: String,
    pub objection: String,
    pub answer: String,
    pub why: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiMyEntitlements {
    pub matches: Vec<ApiPolicyMatch>,
    pub lines: Vec<ApiMyLine>,
}

async fn entitlements(state: &AppState, ctx: &Ctx, p: &Principal) -> AppResult<ApiMyEntitlements> {
    let lang = ctx.lang;
    let org = crate::market::offering::own_organisation(ctx, p)?;
    let year = ctx.today().year() - 1;
    let mut matches = Vec::new();
    for policy in policies::list(&state.db).await? {
        if !policy.covers_year(year) {
            continue;
        }
        let Some(a) = runs::assess_one(&state.db, &policy, year, org).await? else { continue };
        matches.push(ApiPolicyMatch {
            policy_id: policy.id,
            code: policy.code,
            title: policy.title,
            doc_number: policy.doc_number,
            year,
            entitled: a.entitled(),
            amount_fen: a.amount.fen(),
            why: trace_lines(lang, &a.trace, year),
        });
    }
    // the entitled first, the largest amounts first
    matches.sort_by(|a, b| b.entitled.cmp(&a.entitled).then(b.amount_fen.cmp(&a.amount_fen)));
    let lines = payments::lines_of(&state.db, org)
        .await?
        .into_iter()
        .map(|(run, l)| {
            let v = line_view(lang, run.year, &l);
            ApiMyLine {
                run_id: run.id,
                policy_id: run.policy_id,
                policy: run.policy_title,
                year: run.year,
                amount_fen: l.amount.fen(),
                status: l.status.code().into(),
                objections_until: run.objections_until.map(|d| d.to_string()).unwrap_or_default(),
                account: v.account,
                objection: l.objection,
                answer: l.answer,
                why: v.why,
            }
        })
        .collect();
    Ok(ApiMyEntitlements { matches, lines })
}

/// A line as the enterprise's page shows it, with what it may still do.
pub struct MyLine {
    pub line: ApiMyLine,
    pub amount: String,
    pub status: &'static str,
    pub may_object: bool,
    pub may_confirm: bool,
}

#[derive(Template)]
#[template(path = "finance_mine.html")]
struct MinePage {
    s: Shell,
    year: i32,
    matches: Vec<(ApiPolicyMatch, String)>,
    lines: Vec<MyLine>,
    may_claim: bool,
    /// The run whose form was refused, and why (field, message).
    refused_run: i64,
    errors: Vec<(String, String)>,
}

fn my_line(lang: Lang, today: chrono::NaiveDate, may_claim: bool, l: ApiMyLine) -> MyLine {
    let status = LineStatus::parse(&l.status).unwrap_or(LineStatus::Listed);
    let open = l.objections_until.as_str() >= today.format("%Y-%m-%d").to_string().as_str();
    MyLine {
        amount: innocity_core::projects::money::Money(l.amount_fen).wan_text(),
        status: super::line_status_label(lang, status),
        may_object: may_claim && open && status == LineStatus::Listed,
        may_confirm: may_claim && matches!(status, LineStatus::Listed | LineStatus::Objected),
        line: l,
    }
}

pub async fn page(
    State(state): State<AppState>,
    a: Auth<ReceiveEntitlements>,
) -> AppResult<Response> {
    Ok(render(&mine_page(&state, &a.ctx, &a.principal, 0, vec![]).await?))
}

/// The page again with a refused form's messages at its run (a 422 answer).
pub(super) async fn refused(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    run: i64,
    errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let page = mine_page(state, ctx, p, run, errors).await?;
    Ok(crate::page::render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page))
}

async fn mine_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    refused_run: i64,
    errors: Vec<(String, String)>,
) -> AppResult<MinePage> {
    let e = entitlements(state, ctx, p).await?;
    let may_claim = p.role.allows(Capability::ClaimEntitlements);
    let today = ctx.today();
    let matches = e
        .matches
        .into_iter()
        .map(|m| {
            let amount = innocity_core::projects::money::Money(m.amount_fen).wan_text();
            (m, amount)
        })
        .collect();
    let lines = e.lines.into_iter().map(|l| my_line(ctx.lang, today, may_claim, l)).collect();
    let year = today.year() - 1;
    Ok(MinePage { s: ctx.shell(), year, matches, lines, may_claim, refused_run, errors })
}

#[utoipa::path(get, path = "/api/v1/my-entitlements", responses((status = 200, body = ApiMyEntitlements), (status = 403, body = crate::api::ApiError)))]
/// What the caller's enterprise may expect under each policy in force last year (and why), and
/// its lines on published lists.
pub async fn api_my_entitlements(
    State(state): State<AppState>,
    a: Auth<ReceiveEntitlements>,
) -> AppResult<Json<ApiMyEntitlements>> {
    Ok(Json(entitlements(&state, &a.ctx, &a.principal).await?))
}
