//! Statistics pages: the return an organisation fills in (saved cell by cell, validated live,
//! XLSX/CSV in and out), review and approval up the hierarchy, completeness and reminders,
//! totals and outliers, and the form definitions.
pub mod analysis;
pub mod files;
pub mod filling;
pub mod forms;
pub mod overview;
pub mod register_check;
pub mod returns;
pub mod review;
pub mod survey;
pub mod survey_workbook;

pub use filling::{check_cell, submit_return};

use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use innocity_core::access::{Capability, Principal, Target};
use innocity_core::periods::Period;
use innocity_core::stats::long::{Entry, PlaceError};
use innocity_core::stats::status::Status;
use innocity_core::stats::values::{Stored, format_plain};
use innocity_core::stats::{Catalogue, DataElement, Form, Violation, validate};
use innocity_store::orgs::{OrgUnit, Organisation};
use innocity_store::stats::{self as store, CellChange, Return};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Today in China Standard Time (deadlines are Beijing dates).
pub fn form_name(lang: Lang, f: &Form) -> String {
    lang.pick(&f.name_zh, &f.name_en).to_string()
}

pub(crate) fn element_name(lang: Lang, e: &DataElement) -> &str {
    lang.pick(&e.name_zh, &e.name_en)
}

/// Everything about one return a page or API call needs, loaded and checked once.
#[derive(Clone)]
pub struct ReturnCtx {
    pub cat: Arc<Catalogue>,
    pub form: Form,
    pub period: Period,
    pub org: Organisation,
    pub ret: Option<Return>,
    pub opens: chrono::NaiveDate,
    pub closes: chrono::NaiveDate,
}

impl ReturnCtx {
    pub fn status(&self) -> Status {
        self.ret.as_ref().map(|r| r.status).unwrap_or(Status::NotStarted)
    }
    pub fn period_code(&self) -> String {
        self.period.to_string()
    }
    /// Values may be changed now: the status allows it and the window is open (a returned
    /// return may be corrected after the deadline).
    pub fn check_open(&self, ctx: &Ctx) -> AppResult<()> {
        let status = self.status();
        if !status.editable() {
            return Err(ctx.err(
                AppError::new(StatusCode::CONFLICT, "not_editable", "err.stats.not_editable")
                    .args(vec![t(ctx.lang, &format!("status.{}", status.code())).into()]),
            ));
        }
        let day = ctx.today();
        if status != Status::Returned {
            if day < self.opens {
                return Err(ctx.err(
                    AppError::new(StatusCode::CONFLICT, "not_open", "err.stats.not_open")
                        .args(vec![self.opens.to_string()]),
                ));
            }
            if day > self.closes {
                return Err(ctx.err(
                    AppError::new(StatusCode::CONFLICT, "closed", "err.stats.closed")
                        .args(vec![self.closes.to_string()]),
                ));
            }
        }
        Ok(())
    }
}

pub async fn catalogue(state: &AppState, ctx: &Ctx) -> AppResult<Arc<Catalogue>> {
    state.catalogue().await.map_err(|e| ctx.err(e.into()))
}

fn bad_field(ctx: &Ctx, field: &str, key: &'static str, args: Vec<String>) -> AppError {
    let mut e = AppError::new(StatusCode::BAD_REQUEST, "invalid", key).args(args);
    let msg = tf(ctx.lang, key, &e.args);
    e.fields = vec![(field.to_string(), msg)];
    ctx.err(e)
}

pub fn parse_period(ctx: &Ctx, form: &Form, text: &str) -> AppResult<Period> {
    let p = Period::parse(text)
        .map_err(|_| bad_field(ctx, "period", "err.stats.bad_period", vec![text.into()]))?;
    if !form.fits(p) {
        return Err(bad_field(
            ctx,
            "period",
            "err.stats.wrong_periodicity",
            vec![
                text.into(),
                t(ctx.lang, &format!("periodicity.{:?}", form.periodicity).to_lowercase()).into(),
            ],
        ));
    }
    Ok(p)
}

fn find_form(ctx: &Ctx, cat: &Catalogue, code: &str) -> AppResult<Form> {
    cat.form(code).cloned().ok_or_else(|| {
        ctx.err(
            AppError::new(StatusCode::NOT_FOUND, "unknown_form", "err.stats.unknown_form")
                .args(vec![code.into()]),
        )
    })
}

/// Loads a return for `cap`: the organisation must be in the principal's scope, registered and
/// required to report the form; the period must be one of the form's.
pub async fn load_return(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    form: &str,
    period: &str,
    org_id: &str,
    cap: Capability,
) -> AppResult<ReturnCtx> {
    let cat = catalogue(state, ctx).await?;
    let form = find_form(ctx, &cat, form)?;
    let period = parse_period(ctx, &form, period)?;
    let org_id = crate::orgs::parse_id(ctx, org_id)?;
    let org = crate::orgs::load_scoped(state, ctx, p, org_id, cap).await?;
    let level = state.unit(org.org_unit_id).await?.map(|u| u.level).unwrap_or_default();
    let hosted = store::hosted_kinds(&state.db, org.id).await?;
    if !store::must_report(&form, &org.kind, &level, &hosted) {
        return Err(ctx.err(
            AppError::new(StatusCode::NOT_FOUND, "not_reporter", "err.stats.not_reporter")
                .args(vec![org.name.clone(), form.code.clone()]),
        ));
    }
    let db = &state.db;
    let ret = store::find_return(db, &form.code, &period.to_string(), org.id).await?;
    let (opens, mut closes) = form.window(period);
    if let Some(day) = store::window_override(db, &form.code, &period.to_string()).await?
        && let Ok(d) = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
    {
        closes = d;
    }
    Ok(ReturnCtx { cat, form, period, org, ret, opens, closes })
}

/// The return's violations, checked against what is stored now.
pub async fn violations(state: &AppState, rc: &ReturnCtx) -> AppResult<Vec<Violation>> {
    let snap = store::snapshot(&state.db, &rc.cat, &rc.form.code, rc.period, rc.org.id).await?;
    Ok(validate(&rc.cat.rules_for(&rc.form.code), &snap))
}

fn actor(ctx: &Ctx) -> innocity_store::orgs::Actor<'_> {
    ctx.actor()
}

/// Turns checked entries into store changes.
pub fn changes(entries: Vec<Entry>) -> Vec<CellChange> {
    entries
        .into_iter()
        .map(|e| CellChange { element: e.element, disagg: e.disagg, row: e.row, value: e.value })
        .collect()
}

/// A place in a file, in words: `文件 a.xlsx，工作表“107-2”，第 12 行，E 列`.
pub fn place_text(lang: Lang, file: &str, e: &PlaceError) -> String {
    let mut parts = Vec::new();
    if !file.is_empty() {
        parts.push(tf(lang, "file.place.file", &[file.into()]));
    }
    if !e.place.sheet.is_empty() {
        parts.push(tf(lang, "file.place.sheet", std::slice::from_ref(&e.place.sheet)));
    }
    if e.place.line > 0 {
        parts.push(tf(lang, "file.place.line", &[e.place.line.to_string()]));
    }
    if !e.place.column.is_empty() {
        parts.push(tf(lang, "file.place.column", std::slice::from_ref(&e.place.column)));
    }
    let sep = lang.pick("，", ", ");
    format!("{}{}{}", parts.join(sep), lang.pick("：", ": "), tf(lang, e.key, &e.args))
}

/// 422 with every problem of a file, each naming its place.
pub fn file_errors(ctx: &Ctx, file: &str, errors: &[PlaceError]) -> AppError {
    let mut e = AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_file", "err.file.invalid")
        .args(vec![file.into(), errors.len().to_string()]);
    e.fields = errors
        .iter()
        .enumerate()
        .map(|(i, pe)| (format!("{i}"), place_text(ctx.lang, file, pe)))
        .collect();
    ctx.err(e)
}

/// The unit a reviewer looks at: the one asked for, if in scope; else the top of their scope.
async fn area_unit(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    unit: Option<&str>,
) -> AppResult<(OrgUnit, Vec<OrgUnit>)> {
    let units = state.units_in_scope(&p.scope).await?;
    let chosen = match unit.filter(|u| !u.is_empty()) {
        Some(u) => {
            let id: i64 =
                u.parse().map_err(|_| bad_field(ctx, "unit", "err.unit.unknown", vec![]))?;
            let all = state.units().await?;
            let found = all.iter().find(|x| x.id == id).cloned().ok_or_else(AppError::not_found)?;
            p.authorize_on(
                Capability::ReviewStats,
                Target { unit_path: &found.path, organisation_id: None },
            )
            .map_err(|_| ctx.err(AppError::forbidden()))?;
            found
        }
        None => own_unit(&units, &p.scope).ok_or_else(AppError::forbidden)?,
    };
    Ok((chosen, units))
}

/// The unit a page opens on when none is asked for: the account's own (a county admin's is the
/// county, though its parks may sort before it), else the first in reach.
pub fn own_unit(units: &[OrgUnit], scope: &innocity_core::access::Scope) -> Option<OrgUnit> {
    let roots = scope.roots();
    let own = roots.first().and_then(|r| units.iter().find(|u| &u.path == r));
    own.or(units.first()).cloned()
}

#[derive(serde::Deserialize, Default)]
pub struct AreaQuery {
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    element: Option<String>,
    #[serde(default)]
    include: Option<String>,
}

pub fn number(v: f64) -> String {
    // 1234567.8 → 1,234,567.8 (officials read thousands separators).
    let s = format_plain((v * 100.0).round() / 100.0);
    let (int, frac) = s
        .split_once('.')
        .map(|(a, b)| (a.to_string(), format!(".{b}")))
        .unwrap_or((s.clone(), String::new()));
    let neg = int.starts_with('-');
    let digits: Vec<char> = int.trim_start_matches('-').chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    format!("{}{out}{frac}", if neg { "-" } else { "" })
}

/// Values of a return as a map for the API: `RD_EXP`, `RD_EXP.GOV`, `P_EXP[2]`.
pub fn api_values(cells: &[store::Cell]) -> BTreeMap<String, serde_json::Value> {
    cells
        .iter()
        .map(|c| {
            let v = match &c.value {
                Stored::Num(n) => serde_json::json!(n),
                Stored::Text(t) => serde_json::json!(t),
            };
            (store::cell_label(&c.element, &c.disagg, c.row), v)
        })
        .collect()
}

/// Reads `RD_EXP.GOV` / `P_EXP[2]` back into (element, disaggregation, row).
pub fn parse_label(label: &str) -> (String, String, i64) {
    let (rest, row) = match label.strip_suffix(']').and_then(|s| s.rsplit_once('[')) {
        Some((head, n)) => (head, n.parse().unwrap_or(-1)),
        None => (label, 0),
    };
    match rest.split_once('.') {
        Some((e, d)) => (e.to_string(), d.to_string(), row),
        None => (rest.to_string(), String::new(), row),
    }
}

/// The statistics pages: the overview, the forms, an area's completeness and analysis, a return.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stats", get(overview::overview))
        .route("/stats/forms", get(forms::forms).post(forms::import_forms))
        .route("/stats/forms/{code}", get(forms::form_view))
        .route("/stats/forms/{code}/deadline", post(forms::set_deadline))
        .route("/stats/{form}/{period}", get(review::area))
        .route("/stats/{form}/{period}/approve", post(review::approve_unit))
        .route("/stats/{form}/{period}/remind", post(review::remind))
        .route("/stats/{form}/{period}/analysis", get(analysis::analysis))
        .route("/stats/{form}/{period}/survey", get(survey::page))
        .route("/stats/{form}/{period}/survey.pdf", get(survey::pdf))
        .route("/stats/{form}/{period}/survey.xlsx", get(survey_workbook::workbook))
        .route("/api/v1/stats/survey/{year}", get(survey::api_survey))
        .route("/stats/{form}/{period}/orgs/{org}", get(returns::view_return))
        .route("/stats/{form}/{period}/orgs/{org}/cell", post(filling::save_cell))
        .route("/stats/{form}/{period}/orgs/{org}/rows/{row}/delete", post(filling::delete_row))
        .route("/stats/{form}/{period}/orgs/{org}/submit", post(filling::submit))
        .route("/stats/{form}/{period}/orgs/{org}/review", post(review::review))
        .route("/stats/{form}/{period}/orgs/{org}/template.xlsx", get(filling::template))
        .route("/stats/{form}/{period}/orgs/{org}/upload", post(filling::upload))
}
