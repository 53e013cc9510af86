//! The bureau's and zones' 高企 pre-check of every enterprise in reach, from what the platform
//! holds: how many pass, fail or wait for figures, and which rules each misses.
use super::api::reach;
use crate::app::AppState;
use crate::auth::{Auth, ManageSubjects};
use crate::error::AppResult;
use crate::i18n::t;
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use innocity_core::subjects::hnte::HnteRule;

/// Rows shown at most (the API has them all).
const SHOWN: usize = 500;

struct Line {
    organisation_id: i64,
    name: String,
    credit_code: String,
    certified: bool,
    state: &'static str,
    verdict: String,
    failed: String,
    open: usize,
    /// "企业自评" or "统计报表": where the checks come from.
    basis: String,
}

#[derive(Template)]
#[template(path = "subjects_precheck.html")]
struct PrecheckPage {
    s: Shell,
    total: usize,
    pass: usize,
    fail: usize,
    open: usize,
    units: Vec<Choice>,
    verdicts: Vec<Choice>,
    lines: Vec<Line>,
    more: usize,
}

/// The pre-check list, filtered by unit and verdict.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Query(q): Query<super::api::PrecheckQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let path = reach(&state, ctx, &a.principal.scope, q.unit.as_deref()).await?;
    let all = innocity_store::subjects::precheck_all(&state.db, ctx.today(), &path).await?;
    let count = |v: &str| all.iter().filter(|p| p.verdict.code() == v).count();
    let rule_name = |r: HnteRule| t(lang, &format!("subj.rule.{}", r.code()));
    let wanted = q.verdict.clone().unwrap_or_default();
    let chosen: Vec<_> =
        all.iter().filter(|p| wanted.is_empty() || p.verdict.code() == wanted).collect();
    let lines = chosen
        .iter()
        .take(SHOWN)
        .map(|p| {
            let code = p.verdict.code();
            Line {
                organisation_id: p.organisation_id,
                name: p.name.clone(),
                credit_code: p.credit_code.clone(),
                certified: p.certified,
                state: match code {
                    "pass" => "pass",
                    "fail" => "fail",
                    _ => "open",
                },
                verdict: t(lang, &format!("subj.verdict.{code}")).to_string(),
                failed: p
                    .checks
                    .iter()
                    .filter(|c| c.pass == Some(false))
                    .map(|c| rule_name(c.rule))
                    .collect::<Vec<_>>()
                    .join("、"),
                open: p.checks.iter().filter(|c| c.pass.is_none()).count(),
                basis: t(
                    lang,
                    if p.self_evaluation.is_some() {
                        "subj.precheck.by_self"
                    } else {
                        "subj.precheck.by_returns"
                    },
                )
                .to_string(),
            }
        })
        .collect();
    let units =
        super::api::unit_choices(&state, lang, &a.principal.scope, q.unit.as_deref()).await?;
    let verdicts = ["pass", "fail", "undecided"]
        .iter()
        .map(|v| Choice::new(v, t(lang, &format!("subj.verdict.{v}")), wanted == *v))
        .collect();
    Ok(render(&PrecheckPage {
        s: ctx.shell(),
        total: all.len(),
        pass: count("pass"),
        fail: count("fail"),
        open: count("undecided"),
        units,
        verdicts,
        lines,
        more: chosen.len().saturating_sub(SHOWN),
    }))
}
