//! Filling in a return: saving a cell, deleting a roster row, the XLSX template and uploads,
//! submitting.
use super::returns::{ValidationPanel, return_page, violation_views};
use super::{ReturnCtx, actor, bad_field, changes, files, load_return, violations};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ReportStats, ViewStats, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf};
use crate::page::render;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Capability;
use innocity_core::stats::status::{self, Action};
use innocity_core::stats::{FormKind, Severity};
use innocity_store::stats::{self as store, BatchItem, CellChange, Mode, Return};
use std::collections::HashMap;

#[derive(serde::Deserialize)]
struct CellForm {
    element: String,
    #[serde(default)]
    disagg: String,
    #[serde(default)]
    row: i64,
    #[serde(default)]
    value: String,
}

/// Checks one cell against the form: element on the form, option exists, row fits the kind.
pub fn check_cell(
    ctx: &Ctx,
    rc: &ReturnCtx,
    element: &str,
    disagg: &str,
    row: i64,
    value: &str,
) -> AppResult<CellChange> {
    let e = rc
        .cat
        .element(element)
        .filter(|_| rc.form.elements.iter().any(|x| x == element))
        .ok_or_else(|| {
            bad_field(
                ctx,
                "element",
                "err.file.unknown_element",
                vec![element.into(), rc.form.code.clone()],
            )
        })?;
    if !disagg.is_empty() && !rc.cat.options_of(e).iter().any(|o| o.code == disagg) {
        return Err(bad_field(
            ctx,
            "disagg",
            "err.file.unknown_disagg",
            vec![disagg.into(), element.into()],
        ));
    }
    let row_ok = match rc.form.kind {
        FormKind::Grid => row == 0,
        FormKind::Roster => (1..=100_000).contains(&row),
    };
    if !row_ok {
        return Err(bad_field(ctx, "row", "err.file.row_number", vec![row.to_string()]));
    }
    let v = e.parse_value(value).map_err(|ve| {
        let mut err = AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", ve.key)
            .args(ve.args.clone());
        err.fields = vec![("value".into(), tf(ctx.lang, ve.key, &ve.args))];
        ctx.err(err)
    })?;
    Ok(CellChange { element: element.into(), disagg: disagg.into(), row, value: v })
}

#[derive(Template)]
#[template(path = "stats_cell.html")]
struct CellResponse {
    message: String,
    ok: bool,
    panel: Option<ValidationPanel>,
    status_label: String,
}

pub async fn save_cell(
    State(state): State<AppState>,
    a: Auth<ReportStats>,
    Path((form, period, org)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: CellForm = parse_form(ctx, &body)?;
    let rc = load_return(&state, ctx, &a.principal, &form, &period, &org, Capability::ReportStats)
        .await?;
    let fail = |e: AppError| {
        let status = e.status;
        let mut r = render(&CellResponse {
            message: e.fields.first().map(|f| f.1.clone()).unwrap_or_else(|| e.message()),
            ok: false,
            panel: None,
            status_label: String::new(),
        });
        *r.status_mut() = status;
        r
    };
    if let Err(e) = rc.check_open(ctx) {
        return Ok(fail(e));
    }
    let change = match check_cell(ctx, &rc, &f.element, &f.disagg, f.row, &f.value) {
        Ok(c) => c,
        Err(e) => return Ok(fail(e)),
    };
    let item = BatchItem {
        organisation_id: rc.org.id,
        unit_path: rc.org.unit_path.clone(),
        changes: vec![change],
    };
    let saved = match store::save(
        &state.db,
        &rc.form.code,
        &rc.period_code(),
        item,
        store::SaveHow { mode: Mode::Merge, source: "entry" },
        None,
        actor(ctx),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return Ok(fail(ctx.err(e.into()))),
    };
    let rc = ReturnCtx { ret: Some(saved.ret), ..rc };
    let vs = violations(&state, &rc).await?;
    let explanations = rc.ret.as_ref().map(|r| r.explanations.clone()).unwrap_or_default();
    let panel = ValidationPanel {
        s: ctx.shell(),
        items: violation_views(&rc.cat, ctx.lang, &vs, &explanations),
        oob: true,
        can_explain: true,
    };
    Ok(render(&CellResponse {
        message: t(ctx.lang, "stats.saved").into(),
        ok: true,
        panel: Some(panel),
        status_label: t(ctx.lang, &format!("status.{}", rc.status().code())).into(),
    }))
}

#[derive(serde::Deserialize)]
struct RowDelete {
    #[serde(default)]
    _csrf: String,
}

pub async fn delete_row(
    State(state): State<AppState>,
    a: Auth<ReportStats>,
    Path((form, period, org, row)): Path<(String, String, String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let _: RowDelete = parse_form(ctx, &body)?;
    let rc = load_return(&state, ctx, &a.principal, &form, &period, &org, Capability::ReportStats)
        .await?;
    rc.check_open(ctx)?;
    if rc.form.kind != FormKind::Roster || row < 1 {
        return Err(bad_field(ctx, "row", "err.file.row_number", vec![row.to_string()]));
    }
    let changes = rc
        .form
        .elements
        .iter()
        .map(|e| CellChange { element: e.clone(), disagg: String::new(), row, value: None })
        .collect();
    let item =
        BatchItem { organisation_id: rc.org.id, unit_path: rc.org.unit_path.clone(), changes };
    store::save(
        &state.db,
        &rc.form.code,
        &rc.period_code(),
        item,
        store::SaveHow { mode: Mode::Merge, source: "entry" },
        None,
        actor(ctx),
    )
    .await?;
    Ok(Redirect::to(&format!("/stats/{form}/{period}/orgs/{org}?notice=stats.row_deleted"))
        .into_response())
}

/// Submits after validation: errors block; warnings need explanations (in `ex:<rule>`).
pub async fn submit_return(
    state: &AppState,
    ctx: &Ctx,
    rc: &ReturnCtx,
    explanations: HashMap<String, String>,
) -> AppResult<Result<Return, status::Blockers>> {
    rc.check_open(ctx)?;
    let Some(ret) = &rc.ret else {
        return Err(ctx.err(AppError::new(StatusCode::CONFLICT, "empty", "err.stats.empty")));
    };
    let vs = violations(state, rc).await?;
    let b = status::blockers(&vs, &explanations);
    if !b.is_empty() {
        return Ok(Err(b));
    }
    // Keep only the explanations of warnings that still fail.
    let kept: HashMap<String, String> = vs
        .iter()
        .filter(|v| v.severity == Severity::Warning)
        .filter_map(|v| {
            let k = status::explanation_key(v);
            explanations.get(&k).map(|t| (k, t.trim().to_string()))
        })
        .collect();
    let r = store::transition(&state.db, ret, Action::Submit, "", Some(&kept), actor(ctx)).await?;
    Ok(Ok(r))
}

pub async fn submit(
    State(state): State<AppState>,
    a: Auth<ReportStats>,
    Path((form, period, org)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let fields: Vec<(String, String)> = parse_form(ctx, &body)?;
    let explanations: HashMap<String, String> = fields
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix("ex:").map(|k| (k.to_string(), v)))
        .collect();
    let rc = load_return(&state, ctx, &a.principal, &form, &period, &org, Capability::ReportStats)
        .await?;
    match submit_return(&state, ctx, &rc, explanations.clone()).await? {
        Ok(_) => {
            Ok(Redirect::to(&format!("/stats/{form}/{period}/orgs/{org}?notice=stats.submitted"))
                .into_response())
        }
        Err(b) => {
            let mut problems: Vec<String> = b
                .errors
                .iter()
                .map(|v| tf(ctx.lang, "stats.blocked_error", std::slice::from_ref(&v.rule)))
                .collect();
            problems.extend(
                b.unexplained
                    .iter()
                    .map(|v| tf(ctx.lang, "stats.blocked_warning", std::slice::from_ref(&v.rule))),
            );
            let mut page = return_page(&state, ctx, &a.principal, rc, 1, "", problems).await?;
            for v in page.panel.items.iter_mut() {
                if let Some(t) = explanations.get(&v.key) {
                    v.explanation = t.clone();
                }
            }
            let mut r = render(&page);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}

pub async fn template(
    State(state): State<AppState>,
    a: Auth<ViewStats>,
    Path((form, period, org)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let rc =
        load_return(&state, ctx, &a.principal, &form, &period, &org, Capability::ViewStats).await?;
    let cells = match &rc.ret {
        Some(r) => store::cells(&state.db, r.id).await?,
        None => vec![],
    };
    let bytes = files::template(&rc, &cells, ctx.lang).map_err(|e| {
        tracing::error!(error = %e, "xlsx template");
        ctx.err(AppError::internal(&ctx.request_id))
    })?;
    let name = format!("{}_{}_{}.xlsx", rc.form.code, rc.period, rc.org.credit_code);
    Ok(crate::http::download(bytes, &name, crate::http::XLSX))
}

/// Uploads the return's own template (XLSX) or a long-format CSV: the file replaces the
/// return's values, in one transaction; the same file twice is refused.
pub async fn upload(
    State(state): State<AppState>,
    a: Auth<ReportStats>,
    Path((form, period, org)): Path<(String, String, String)>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let rc = load_return(&state, ctx, &a.principal, &form, &period, &org, Capability::ReportStats)
        .await?;
    rc.check_open(ctx)?;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    let entries = files::entries_from_file(ctx, &rc, &name, &bytes).await?;
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let item = BatchItem {
        organisation_id: rc.org.id,
        unit_path: rc.org.unit_path.clone(),
        changes: changes(entries),
    };
    let upload = store::Upload { sha256: sha, file_name: name.clone() };
    store::save(
        &state.db,
        &rc.form.code,
        &rc.period_code(),
        item,
        store::SaveHow { mode: Mode::Replace, source: files::source_of(&name) },
        Some(upload),
        actor(ctx),
    )
    .await
    .map_err(|e| {
        let mut e: AppError = e.into();
        if e.key == "err.stats.same_file" && e.args.len() == 3 {
            let at: i64 = e.args[2].parse().unwrap_or(0);
            e.args[2] = crate::auth::format_time(ctx.lang, at);
        }
        ctx.err(e)
    })?;
    let to = format!("/stats/{form}/{period}/orgs/{org}?notice=stats.saved_file");
    if ctx.htmx {
        // htmx follows redirects itself and would swap the whole page into the result box.
        return Ok(([("hx-redirect", to)], StatusCode::NO_CONTENT).into_response());
    }
    Ok(Redirect::to(&to).into_response())
}
