//! Review and approval up the hierarchy: a return sent back or approved, an area's
//! completeness, the unit's approval, reminders.
use super::{
    AreaQuery, actor, area_unit, bad_field, catalogue, files, find_form, form_name, load_return,
    parse_period,
};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ReviewStats, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal};
use innocity_core::stats::Form;
use innocity_core::stats::analysis;
use innocity_core::stats::status::{Action, Status};
use innocity_store::orgs::OrgUnit;
use innocity_store::stats as store;
use std::collections::HashMap;

#[derive(serde::Deserialize)]
struct ReviewForm {
    action: String,
    #[serde(default)]
    reason: String,
    version: i64,
}

pub async fn review(
    State(state): State<AppState>,
    a: Auth<ReviewStats>,
    Path((form, period, org)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ReviewForm = parse_form(ctx, &body)?;
    let rc = load_return(&state, ctx, &a.principal, &form, &period, &org, Capability::ReviewStats)
        .await?;
    let Some(ret) = &rc.ret else { return Err(ctx.err(AppError::not_found())) };
    if ret.version != f.version {
        return Err(ctx.err(innocity_store::StoreError::Stale.into()));
    }
    let (action, notice) = match f.action.as_str() {
        "approve" => (Action::Approve, "stats.approved"),
        "return" => {
            if f.reason.trim().chars().count() < 2 {
                return Err(bad_field(ctx, "reason", "err.stats.reason", vec![]));
            }
            (Action::Return, "stats.returned")
        }
        other => return Err(bad_field(ctx, "action", "err.stats.bad_action", vec![other.into()])),
    };
    store::transition(&state.db, ret, action, f.reason.trim(), None, actor(ctx)).await?;
    Ok(Redirect::to(&format!("/stats/{form}/{period}/orgs/{org}?notice={notice}")).into_response())
}

/// The approval levels, lowest first; the last one locks.
pub const APPROVAL_LEVELS: [&str; 3] = ["park", "zone", "city"];

pub struct UnitRow {
    pub unit: OrgUnit,
    pub expected: usize,
    pub started: usize,
    pub submitted: usize,
    pub approved: usize,
    pub approval: String,
}

pub struct OrgRow {
    pub e: store::Expected,
    pub label: String,
    pub unit_name: String,
}

#[derive(Template)]
#[template(path = "stats_area.html")]
struct AreaPage {
    s: Shell,
    form: Form,
    form_name: String,
    period: String,
    unit: OrgUnit,
    trail: Vec<OrgUnit>,
    totals: UnitRow,
    children: Vec<UnitRow>,
    orgs: Vec<OrgRow>,
    can_approve: bool,
    /// The level approves, but not yet: something below is not approved.
    approvable: bool,
    approved: String,
    can_unapprove: bool,
    notice: String,
}

fn count_row(unit: OrgUnit, expected: &[&store::Expected], approval: String) -> UnitRow {
    let n = |f: &dyn Fn(Status) -> bool| expected.iter().filter(|e| f(e.status)).count();
    UnitRow {
        expected: expected.len(),
        started: n(&|s| s != Status::NotStarted),
        submitted: n(&|s| matches!(s, Status::Submitted | Status::Approved | Status::Locked)),
        approved: n(&|s| matches!(s, Status::Approved | Status::Locked)),
        approval,
        unit,
    }
}

/// Who approved a unit, and when; empty when not approved.
fn approval_text(lang: Lang, approvals: &HashMap<i64, (String, i64)>, id: i64) -> String {
    approvals
        .get(&id)
        .map(|(by, at)| format!("{by} · {}", crate::auth::format_time(lang, *at)))
        .unwrap_or_default()
}

/// The completeness of each child unit of `unit` (for a county: the parks that lie in it), and
/// of `unit` itself.
fn unit_rows(
    lang: Lang,
    all_units: &[OrgUnit],
    unit: &OrgUnit,
    expected: &[store::Expected],
    approvals: &HashMap<i64, (String, i64)>,
) -> (Vec<UnitRow>, UnitRow) {
    let children: Vec<UnitRow> = innocity_store::orgs::parts_of(all_units, unit)
        .into_iter()
        .map(|c| {
            let inside: Vec<&store::Expected> = expected
                .iter()
                .filter(|e| innocity_core::orgs::in_subtree(&c.path, &e.unit_path))
                .collect();
            let approval = approval_text(lang, approvals, c.id);
            count_row(c, &inside, approval)
        })
        .collect();
    let all: Vec<&store::Expected> = expected.iter().collect();
    let totals = count_row(unit.clone(), &all, approval_text(lang, approvals, unit.id));
    (children, totals)
}

/// The organisations expected to report, each with its status and unit.
fn org_rows(lang: Lang, expected: &[store::Expected], all_units: &[OrgUnit]) -> Vec<OrgRow> {
    let unit_name = |id: i64| {
        all_units
            .iter()
            .find(|u| u.id == id)
            .map(|u| lang.pick(&u.name_zh, &u.name_en).to_string())
            .unwrap_or_default()
    };
    expected
        .iter()
        .map(|e| OrgRow {
            label: t(lang, &format!("status.{}", e.status.code())).into(),
            unit_name: unit_name(e.org_unit_id),
            e: e.clone(),
        })
        .collect()
}

/// The area's notice, if it is one the page knows.
fn area_notice(notice: Option<&str>) -> String {
    notice
        .and_then(|n| {
            ["stats.unit_approved_ok", "stats.unit_unapproved_ok", "stats.reminded"]
                .into_iter()
                .find(|k| *k == n)
        })
        .unwrap_or("")
        .to_string()
}

pub async fn area(
    State(state): State<AppState>,
    a: Auth<ReviewStats>,
    Path((form, period)): Path<(String, String)>,
    Query(q): Query<AreaQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let cat = catalogue(&state, ctx).await?;
    let form = find_form(ctx, &cat, &form)?;
    let period = parse_period(ctx, &form, &period)?.to_string();
    let (unit, units) = area_unit(&state, ctx, &a.principal, q.unit.as_deref()).await?;
    let all_units = state.units().await?;
    let area = innocity_store::orgs::area_roots(&all_units, &unit);
    let expected = store::expected(&state.db, &form, &period, &area).await?;
    let approvals = store::approvals(&state.db, &form.code, &period).await?;
    let (children, totals) = unit_rows(lang, &all_units, &unit, &expected, &approvals);
    if q.format.as_deref() == Some("xlsx") {
        let bytes = files::completeness_xlsx(
            lang,
            &form_name(lang, &form),
            &period,
            &unit,
            &children,
            &expected,
            &all_units,
        );
        return crate::http::xlsx_download(
            bytes,
            &format!("{}_{}_{}_completeness.xlsx", form.code, period, unit.code),
        );
    }
    let orgs = org_rows(lang, &expected, &all_units);
    let trail: Vec<OrgUnit> = analysis::path_ids(&unit.path)
        .filter_map(|id| units.iter().find(|u| u.id == id).cloned())
        .collect();
    let approvable = APPROVAL_LEVELS.contains(&unit.level.as_str());
    let approved = approval_text(lang, &approvals, unit.id);
    let parent_approved = unit.parent_id.is_some_and(|pid| approvals.contains_key(&pid));
    Ok(render(&AreaPage {
        s: ctx.shell(),
        form_name: form_name(lang, &form),
        form,
        period,
        can_approve: approvable
            && approved.is_empty()
            && totals.approved == totals.expected
            && children.iter().all(|c| c.expected == 0 || !c.approval.is_empty()),
        approvable: approvable && approved.is_empty(),
        can_unapprove: approvable && !approved.is_empty() && !parent_approved,
        approved,
        unit,
        trail,
        totals,
        children,
        orgs,
        notice: area_notice(q.notice.as_deref()),
    }))
}

/// The form, period and org unit a reviewer's action names, checked (unit in their scope).
async fn area_target(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    form: &str,
    period: &str,
    unit: i64,
) -> AppResult<(Form, String, OrgUnit)> {
    let cat = catalogue(state, ctx).await?;
    let form = find_form(ctx, &cat, form)?;
    let period = parse_period(ctx, &form, period)?.to_string();
    let (unit, _) = area_unit(state, ctx, p, Some(&unit.to_string())).await?;
    Ok((form, period, unit))
}

#[derive(serde::Deserialize)]
struct UnitAction {
    unit: i64,
    action: String,
}

pub async fn approve_unit(
    State(state): State<AppState>,
    a: Auth<ReviewStats>,
    Path((form, period)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: UnitAction = parse_form(ctx, &body)?;
    let (form, period, unit) =
        area_target(&state, ctx, &a.principal, &form, &period, f.unit).await?;
    if !APPROVAL_LEVELS.contains(&unit.level.as_str()) {
        return Err(bad_field(
            ctx,
            "unit",
            "err.stats.not_approval_level",
            vec![unit.name_zh.clone()],
        ));
    }
    // Approval goes up the tree: an area admin approves units under its own unit, not the
    // parks it follows as a county.
    if let innocity_core::access::Scope::Subtrees(roots) = &a.principal.scope
        && !roots.first().is_some_and(|own| innocity_core::orgs::in_subtree(own, &unit.path))
    {
        return Err(ctx.err(AppError::forbidden()));
    }
    let top = unit.level == APPROVAL_LEVELS[APPROVAL_LEVELS.len() - 1];
    let notice = match f.action.as_str() {
        "approve" => {
            let children = innocity_store::orgs::parts_of(&state.units().await?, &unit);
            store::approve_unit(&state.db, &form, &period, &unit, &children, top, actor(ctx))
                .await?;
            "stats.unit_approved_ok"
        }
        "unapprove" => {
            store::unapprove_unit(&state.db, &form.code, &period, &unit, top, actor(ctx)).await?;
            "stats.unit_unapproved_ok"
        }
        other => return Err(bad_field(ctx, "action", "err.stats.bad_action", vec![other.into()])),
    };
    Ok(Redirect::to(&format!("/stats/{}/{period}?unit={}&notice={notice}", form.code, unit.id))
        .into_response())
}

#[derive(serde::Deserialize)]
struct RemindForm {
    unit: i64,
    #[serde(default)]
    message: String,
}

/// 催报: reminds every organisation in the unit that has not submitted.
pub async fn remind(
    State(state): State<AppState>,
    a: Auth<ReviewStats>,
    Path((form, period)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: RemindForm = parse_form(ctx, &body)?;
    let (form, period, unit) =
        area_target(&state, ctx, &a.principal, &form, &period, f.unit).await?;
    if f.message.chars().count() > 500 {
        return Err(bad_field(ctx, "message", "err.too_long", vec!["500".into()]));
    }
    let area = innocity_store::orgs::area_roots(&state.units().await?, &unit);
    let expected = store::expected(&state.db, &form, &period, &area).await?;
    let late: Vec<i64> = expected
        .iter()
        .filter(|e| matches!(e.status, Status::NotStarted | Status::Draft | Status::Returned))
        .map(|e| e.organisation_id)
        .collect();
    let message = if f.message.trim().is_empty() {
        tf(ctx.lang, "stats.remind_default", &[form_name(ctx.lang, &form), period.clone()])
    } else {
        f.message.trim().to_string()
    };
    store::remind(&state.db, &form.code, &period, &late, &message, actor(ctx)).await?;
    Ok(Redirect::to(&format!(
        "/stats/{}/{period}?unit={}&notice=stats.reminded",
        form.code, unit.id
    ))
    .into_response())
}
