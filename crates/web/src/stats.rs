//! Statistics pages: the return an organisation fills in (saved cell by cell, validated live,
//! XLSX/CSV in and out), review and approval up the hierarchy, completeness and reminders,
//! totals and outliers, and the form definitions.
pub mod files;

use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageStatForms, ReportStats, ReviewStats, ViewStats, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal, Scope, Target};
use innocity_core::indicators::formula::{self, Item};
use innocity_core::periods::Period;
use innocity_core::stats::analysis::{self, Method};
use innocity_core::stats::long::{Entry, PlaceError};
use innocity_core::stats::status::{self, Action, Status};
use innocity_core::stats::values::{Stored, format_plain};
use innocity_core::stats::{
    Catalogue, DataElement, Form, FormKind, Severity, ValueType, Violation, validate,
};
use innocity_store::orgs::{OrgUnit, Organisation};
use innocity_store::stats::{self as store, BatchItem, CellChange, Mode, Return};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

// ---------- shared loading ----------

/// Today in China Standard Time (deadlines are Beijing dates).
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

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
        let day = today();
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
    let level = state
        .unit(org.org_unit_id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .map(|u| u.level)
        .unwrap_or_default();
    if !store::must_report(&form, &org.kind, &level) {
        return Err(ctx.err(
            AppError::new(StatusCode::NOT_FOUND, "not_reporter", "err.stats.not_reporter")
                .args(vec![org.name.clone(), form.code.clone()]),
        ));
    }
    let db = &state.db;
    let ret = store::find_return(db, &form.code, &period.to_string(), org.id)
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let (opens, mut closes) = form.window(period);
    if let Some(day) = store::window_override(db, &form.code, &period.to_string())
        .await
        .map_err(|e| ctx.err(e.into()))?
        && let Ok(d) = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
    {
        closes = d;
    }
    Ok(ReturnCtx { cat, form, period, org, ret, opens, closes })
}

/// The return's violations, checked against what is stored now.
pub async fn violations(state: &AppState, ctx: &Ctx, rc: &ReturnCtx) -> AppResult<Vec<Violation>> {
    let snap = store::snapshot(&state.db, &rc.cat, &rc.form.code, rc.period, rc.org.id)
        .await
        .map_err(|e| ctx.err(e.into()))?;
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

// ---------- view models ----------

pub struct ViolationView {
    pub rule: String,
    pub importance: &'static str,
    pub name: String,
    pub error: bool,
    pub left: String,
    pub right: String,
    pub cells: String,
    pub key: String,
    pub explanation: String,
    pub row: String,
}

/// Describes `#{RD_EXP.GOV}.periodOffset(-1)` as `研究开发费用合计 · 政府资金（上期）`.
fn describe_item(cat: &Catalogue, lang: Lang, text: &str) -> String {
    let Ok(f) = formula::parse(text) else { return text.to_string() };
    let Some((Item::Data { element, disagg, offset, .. }, _)) = f.items.first() else {
        return text.to_string();
    };
    let Some(e) = cat.element(element) else { return text.to_string() };
    let mut s = element_name(lang, e).to_string();
    if let Some(d) = disagg
        && let Some(o) = cat.options_of(e).iter().find(|o| &o.code == d)
    {
        s.push_str(" · ");
        s.push_str(lang.pick(&o.name_zh, &o.name_en));
    }
    if *offset != 0 {
        s.push_str(&tf(lang, "stats.offset", &[offset.to_string()]));
    }
    s
}

pub fn violation_views(
    cat: &Catalogue,
    lang: Lang,
    vs: &[Violation],
    explanations: &HashMap<String, String>,
) -> Vec<ViolationView> {
    vs.iter()
        .map(|v| {
            let rule = cat.rules.iter().find(|r| r.code == v.rule);
            let key = status::explanation_key(v);
            ViolationView {
                rule: v.rule.clone(),
                importance: rule.map(|r| r.importance.code()).unwrap_or("medium"),
                name: rule
                    .map(|r| lang.pick(&r.name_zh, &r.name_en).to_string())
                    .unwrap_or_default(),
                error: v.severity == Severity::Error,
                left: v.left.map(number).unwrap_or_else(|| "—".into()),
                right: v.right.map(number).unwrap_or_else(|| "—".into()),
                cells: v
                    .cells
                    .iter()
                    .map(|c| describe_item(cat, lang, c))
                    .collect::<Vec<_>>()
                    .join("；"),
                explanation: explanations.get(&key).cloned().unwrap_or_default(),
                key,
                row: v.row.map(|r| r.to_string()).unwrap_or_default(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "stats_validation.html")]
pub struct ValidationPanel {
    pub s: Shell,
    pub items: Vec<ViolationView>,
    pub oob: bool,
    pub can_explain: bool,
}

impl ValidationPanel {
    pub fn errors(&self) -> usize {
        self.items.iter().filter(|v| v.error).count()
    }
    pub fn warnings(&self) -> usize {
        self.items.iter().filter(|v| !v.error).count()
    }
}

pub struct GridRow {
    pub element: String,
    pub disagg: String,
    pub label: String,
    pub code: String,
    pub unit: String,
    pub value: String,
    pub sub: bool,
    pub flagged: bool,
    pub id: String,
}

pub struct RosterCell {
    pub element: String,
    pub value: String,
    pub options: Vec<(String, String, bool)>,
    pub id: String,
    pub flagged: bool,
}

pub struct RosterRow {
    pub row: i64,
    pub cells: Vec<RosterCell>,
    pub stored: bool,
}

pub struct HistoryView {
    pub at: i64,
    pub by: String,
    pub cell: String,
    pub old: String,
    pub new: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "stats_return.html")]
pub struct ReturnPage {
    pub s: Shell,
    pub form: Form,
    pub form_name: String,
    pub period: String,
    pub org: Organisation,
    pub status: String,
    pub status_label: String,
    pub ret: Option<Return>,
    pub opens: String,
    pub closes: String,
    pub editable: bool,
    pub reporter: bool,
    pub reviewer: bool,
    pub closed_note: String,
    pub panel: ValidationPanel,
    pub grid: Vec<GridRow>,
    pub columns: Vec<(String, String)>,
    pub rows: Vec<RosterRow>,
    pub next_rows: i64,
    pub history: Vec<HistoryView>,
    pub notice: String,
    pub problems: Vec<String>,
    pub base: String,
    /// The organisation's S&T plan project outputs of the year beside the return's cells that
    /// count them: kind, number, the cell's label, the value reported, reported fewer.
    pub project_outputs: Vec<(&'static str, i64, String, String, bool)>,
    pub outputs_fewer: bool,
}

/// Which cell of the 107-2 return counts a kind of project output (patent applications, papers,
/// standards); the others are shown without a cell.
const OUTPUT_CELLS: [(&str, &str); 3] =
    [("patent", "PATENT_APPS"), ("paper", "PAPERS"), ("standard", "STANDARDS")];

fn cell_id(element: &str, disagg: &str, row: i64) -> String {
    format!("c-{element}-{}-{row}", if disagg.is_empty() { "T" } else { disagg })
}

fn display_value(e: &DataElement, v: &Stored) -> String {
    match (e.value_type, v) {
        (ValueType::Option, Stored::Text(code)) => code.clone(),
        _ => v.to_input(),
    }
}

/// Builds the return page.
async fn return_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    rc: ReturnCtx,
    extra_rows: i64,
    notice: &str,
    problems: Vec<String>,
) -> AppResult<ReturnPage> {
    let lang = ctx.lang;
    let db = &state.db;
    let cells = match &rc.ret {
        Some(r) => store::cells(db, r.id).await.map_err(|e| ctx.err(e.into()))?,
        None => vec![],
    };
    let vs = violations(state, ctx, &rc).await?;
    let flagged: Vec<String> = vs
        .iter()
        .flat_map(|v| {
            v.cells
                .iter()
                .filter_map(|c| formula::parse(c).ok())
                .flat_map(|f| f.items.into_iter().map(|(i, _)| (i, v.row)))
        })
        .filter_map(|(i, row)| match i {
            Item::Data { element, disagg, offset: 0, .. } => {
                Some(cell_id(&element, disagg.as_deref().unwrap_or(""), row.unwrap_or(0)))
            }
            _ => None,
        })
        .collect();
    let value_of = |element: &str, disagg: &str, row: i64| {
        cells
            .iter()
            .find(|c| c.element == element && c.disagg == disagg && c.row == row)
            .map(|c| &c.value)
    };
    let reporter = p.role.allows(Capability::ReportStats);
    let editable = reporter && rc.check_open(ctx).is_ok();
    let mut grid = Vec::new();
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    match rc.form.kind {
        FormKind::Grid => {
            for (e, option) in rc.form.cells(&rc.cat) {
                let disagg = option.map(|o| o.code.clone()).unwrap_or_default();
                let label = match option {
                    Some(o) => format!(
                        "{}{}",
                        t(lang, "stats.of_which"),
                        lang.pick(&o.name_zh, &o.name_en)
                    ),
                    None => element_name(lang, e).to_string(),
                };
                let id = cell_id(&e.code, &disagg, 0);
                grid.push(GridRow {
                    value: value_of(&e.code, &disagg, 0)
                        .map(|v| display_value(e, v))
                        .unwrap_or_default(),
                    element: e.code.clone(),
                    code: if disagg.is_empty() {
                        e.code.clone()
                    } else {
                        format!("{}.{}", e.code, disagg)
                    },
                    flagged: flagged.contains(&id),
                    disagg,
                    label,
                    unit: e.unit.clone(),
                    sub: option.is_some(),
                    id,
                });
            }
        }
        FormKind::Roster => {
            let elements: Vec<&DataElement> =
                rc.form.elements.iter().filter_map(|c| rc.cat.element(c)).collect();
            columns = elements
                .iter()
                .map(|e| {
                    (
                        element_name(lang, e).to_string(),
                        if e.unit.is_empty() { String::new() } else { e.unit.clone() },
                    )
                })
                .collect();
            let mut numbers: Vec<i64> = cells.iter().map(|c| c.row).filter(|r| *r > 0).collect();
            numbers.sort();
            numbers.dedup();
            let max_row = numbers.last().copied().unwrap_or(0);
            let blank = if editable { extra_rows.clamp(1, 50) } else { 0 };
            let all: Vec<(i64, bool)> = numbers
                .iter()
                .map(|n| (*n, true))
                .chain((1..=blank).map(|k| (max_row + k, false)))
                .collect();
            for (n, stored) in all {
                let cells_of_row = elements
                    .iter()
                    .map(|e| {
                        let v = value_of(&e.code, "", n)
                            .map(|v| display_value(e, v))
                            .unwrap_or_default();
                        let options = e
                            .options
                            .iter()
                            .map(|o| {
                                (
                                    o.code.clone(),
                                    format!("{} {}", o.code, lang.pick(&o.name_zh, &o.name_en)),
                                    o.code == v,
                                )
                            })
                            .collect();
                        let id = cell_id(&e.code, "", n);
                        RosterCell {
                            element: e.code.clone(),
                            value: v,
                            options,
                            flagged: flagged.contains(&id),
                            id,
                        }
                    })
                    .collect();
                rows.push(RosterRow { row: n, cells: cells_of_row, stored });
            }
        }
    }
    let history = match &rc.ret {
        Some(r) => store::history(db, r.id, 200).await.map_err(|e| ctx.err(e.into()))?,
        None => vec![],
    };
    let history = history
        .into_iter()
        .map(|h| HistoryView {
            at: h.changed_at,
            by: h.changed_by,
            cell: store::cell_label(&h.element, &h.disagg, h.row),
            old: h.old.unwrap_or_else(|| "—".into()),
            new: h.new.unwrap_or_else(|| "—".into()),
            source: t(lang, &format!("source.{}", h.source)).to_string(),
        })
        .collect();
    let explanations = rc.ret.as_ref().map(|r| r.explanations.clone()).unwrap_or_default();
    let status = rc.status();
    let closed_note = if reporter && !editable {
        rc.check_open(ctx).err().map(|e| e.message()).unwrap_or_default()
    } else {
        String::new()
    };
    let reviewer = p.role.allows(Capability::ReviewStats);
    let base = format!("/stats/{}/{}/orgs/{}", rc.form.code, rc.period, rc.org.id);
    // The organisation's project outputs of the year, against what the return reports (the
    // return counts all of the organisation's patents, papers and standards, so never fewer).
    let mut project_outputs = Vec::new();
    if rc.form.code == "107-2" {
        for (kind, n) in innocity_store::projects::execution::organisation_outputs(
            db,
            rc.org.id,
            rc.period.year(),
        )
        .await
        .map_err(|e| ctx.err(e.into()))?
        {
            let Some(k) =
                innocity_core::projects::execution::OUTPUT_KINDS.iter().find(|k| **k == kind)
            else {
                continue;
            };
            let cell = OUTPUT_CELLS.iter().find(|c| c.0 == kind).and_then(|c| rc.cat.element(c.1));
            let reported = cell
                .and_then(|e| value_of(&e.code, "", 0).map(|v| display_value(e, v)))
                .unwrap_or_default();
            let fewer = reported.replace(',', "").parse::<f64>().is_ok_and(|v| v < n as f64);
            project_outputs.push((
                t(lang, &format!("life.output.{k}")),
                n,
                cell.map(|e| element_name(lang, e).to_string()).unwrap_or_default(),
                reported,
                fewer,
            ));
        }
    }
    Ok(ReturnPage {
        outputs_fewer: project_outputs.iter().any(|o| o.4),
        project_outputs,
        panel: ValidationPanel {
            s: ctx.shell(),
            items: violation_views(&rc.cat, lang, &vs, &explanations),
            oob: false,
            can_explain: editable,
        },
        s: ctx.shell(),
        form_name: form_name(lang, &rc.form),
        period: rc.period_code(),
        status: status.code().into(),
        status_label: t(lang, &format!("status.{}", status.code())).into(),
        opens: rc.opens.to_string(),
        closes: rc.closes.to_string(),
        editable,
        reporter,
        reviewer,
        closed_note,
        grid,
        columns,
        rows,
        next_rows: extra_rows.clamp(1, 50) + 1,
        history,
        notice: notice.to_string(),
        problems,
        base,
        form: rc.form,
        org: rc.org,
        ret: rc.ret,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct ReturnQuery {
    #[serde(default)]
    rows: Option<i64>,
    #[serde(default)]
    notice: Option<String>,
}

const NOTICES: [&str; 5] = [
    "stats.saved_file",
    "stats.submitted",
    "stats.returned",
    "stats.approved",
    "stats.row_deleted",
];

pub async fn view_return(
    State(state): State<AppState>,
    a: Auth<ViewStats>,
    Path((form, period, org)): Path<(String, String, String)>,
    Query(q): Query<ReturnQuery>,
) -> AppResult<Response> {
    let rc = load_return(&state, &a.ctx, &a.principal, &form, &period, &org, Capability::ViewStats)
        .await?;
    let notice =
        q.notice.as_deref().and_then(|n| NOTICES.iter().find(|k| **k == n)).copied().unwrap_or("");
    let page =
        return_page(&state, &a.ctx, &a.principal, rc, q.rows.unwrap_or(1), notice, vec![]).await?;
    Ok(render(&page))
}

// ---------- saving a cell ----------

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
    let vs = violations(&state, ctx, &rc).await?;
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
    .await
    .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!("/stats/{form}/{period}/orgs/{org}?notice=stats.row_deleted"))
        .into_response())
}

// ---------- submit and review ----------

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
    let vs = violations(state, ctx, rc).await?;
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
    let r = store::transition(&state.db, ret, Action::Submit, "", Some(&kept), actor(ctx))
        .await
        .map_err(|e| ctx.err(e.into()))?;
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
    store::transition(&state.db, ret, action, f.reason.trim(), None, actor(ctx))
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!("/stats/{form}/{period}/orgs/{org}?notice={notice}")).into_response())
}

// ---------- files ----------

pub async fn template(
    State(state): State<AppState>,
    a: Auth<ViewStats>,
    Path((form, period, org)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let rc =
        load_return(&state, ctx, &a.principal, &form, &period, &org, Capability::ViewStats).await?;
    let cells = match &rc.ret {
        Some(r) => store::cells(&state.db, r.id).await.map_err(|e| ctx.err(e.into()))?,
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

// ---------- the organisation's and the reviewer's overview ----------

pub struct FormPeriods {
    pub form: Form,
    pub name: String,
    pub periods: Vec<PeriodCell>,
}

pub struct PeriodCell {
    pub period: String,
    pub href: String,
    pub label: String,
    pub status: String,
    pub closes: String,
}

#[derive(Template)]
#[template(path = "stats_overview.html")]
struct Overview {
    s: Shell,
    forms: Vec<FormPeriods>,
    reminders: Vec<store::Reminder>,
    reviewer: bool,
}

/// The periods a form has had, newest first, whose window has opened by `day`.
pub fn recent_periods(form: &Form, day: chrono::NaiveDate, n: usize) -> Vec<Period> {
    let mut p = match form.periodicity {
        innocity_core::stats::Periodicity::Year => Period::Year(day.year_ce().1 as i32),
        innocity_core::stats::Periodicity::Half => Period::Half(day.year_ce().1 as i32, 2),
        innocity_core::stats::Periodicity::Quarter => Period::Quarter(day.year_ce().1 as i32, 4),
        innocity_core::stats::Periodicity::Month => Period::Month(day.year_ce().1 as i32, 12),
    };
    let mut out = Vec::new();
    for _ in 0..(n + 12) {
        if form.window(p).0 <= day {
            out.push(p);
            if out.len() == n {
                break;
            }
        }
        p = p.previous();
    }
    out
}

use chrono::Datelike;

/// A period's deadline: the form's, or the extension bureau staff set.
async fn deadline(state: &AppState, ctx: &Ctx, f: &Form, p: Period) -> AppResult<String> {
    let over = store::window_override(&state.db, &f.code, &p.to_string())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(over.unwrap_or_else(|| f.window(p).1.to_string()))
}

pub async fn overview(State(state): State<AppState>, a: Auth<ViewStats>) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let cat = catalogue(&state, ctx).await?;
    let day = today();
    let mut forms = Vec::new();
    let mut reminders = vec![];
    match &a.principal.scope {
        Scope::Organisation(id) => {
            let org =
                crate::orgs::load_scoped(&state, ctx, &a.principal, *id, Capability::ViewStats)
                    .await?;
            let level = state
                .unit(org.org_unit_id)
                .await
                .map_err(|e| ctx.err(e.into()))?
                .map(|u| u.level)
                .unwrap_or_default();
            let returns =
                store::returns_of(&state.db, org.id).await.map_err(|e| ctx.err(e.into()))?;
            reminders =
                store::reminders_for(&state.db, org.id, 10).await.map_err(|e| ctx.err(e.into()))?;
            for f in cat.forms.iter().filter(|f| store::must_report(f, &org.kind, &level)) {
                let mut periods = Vec::new();
                for p in recent_periods(
                    f,
                    day,
                    if f.periodicity == innocity_core::stats::Periodicity::Year { 3 } else { 8 },
                ) {
                    let st = returns
                        .iter()
                        .find(|r| r.form == f.code && r.period == p.to_string())
                        .map(|r| r.status)
                        .unwrap_or(Status::NotStarted);
                    let closes = deadline(&state, ctx, f, p).await?;
                    periods.push(PeriodCell {
                        href: format!("/stats/{}/{}/orgs/{}", f.code, p, org.id),
                        label: t(lang, &format!("status.{}", st.code())).into(),
                        status: st.code().into(),
                        closes,
                        period: p.to_string(),
                    });
                }
                forms.push(FormPeriods { name: form_name(lang, f), form: f.clone(), periods });
            }
        }
        _ => {
            for f in &cat.forms {
                let mut periods = Vec::new();
                for p in recent_periods(
                    f,
                    day,
                    if f.periodicity == innocity_core::stats::Periodicity::Year { 3 } else { 8 },
                ) {
                    let closes = deadline(&state, ctx, f, p).await?;
                    periods.push(PeriodCell {
                        href: format!("/stats/{}/{}", f.code, p),
                        label: p.to_string(),
                        status: String::new(),
                        closes,
                        period: p.to_string(),
                    });
                }
                forms.push(FormPeriods { name: form_name(lang, f), form: f.clone(), periods });
            }
        }
    }
    Ok(render(&Overview {
        s: ctx.shell(),
        forms,
        reminders,
        reviewer: a.principal.role.allows(Capability::ReviewStats),
    }))
}

// ---------- completeness, approval, reminders ----------

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

/// The unit a reviewer looks at: the one asked for, if in scope; else the top of their scope.
async fn area_unit(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    unit: Option<&str>,
) -> AppResult<(OrgUnit, Vec<OrgUnit>)> {
    let units = state.units_in_scope(&p.scope).await.map_err(|e| ctx.err(e.into()))?;
    let chosen = match unit.filter(|u| !u.is_empty()) {
        Some(u) => {
            let id: i64 =
                u.parse().map_err(|_| bad_field(ctx, "unit", "err.unit.unknown", vec![]))?;
            let all = state.units().await.map_err(|e| ctx.err(e.into()))?;
            let found = all
                .iter()
                .find(|x| x.id == id)
                .cloned()
                .ok_or_else(|| ctx.err(AppError::not_found()))?;
            p.authorize_on(
                Capability::ReviewStats,
                Target { unit_path: &found.path, organisation_id: None },
            )
            .map_err(|_| ctx.err(AppError::forbidden()))?;
            found
        }
        None => units.first().cloned().ok_or_else(|| ctx.err(AppError::forbidden()))?,
    };
    Ok((chosen, units))
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
    let all_units = state.units().await.map_err(|e| ctx.err(e.into()))?;
    let expected = store::expected(&state.db, &form, &period, &unit.path)
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let approvals =
        store::approvals(&state.db, &form.code, &period).await.map_err(|e| ctx.err(e.into()))?;
    let approval_text = |id: i64| {
        approvals
            .get(&id)
            .map(|(by, at)| format!("{by} · {}", crate::auth::format_time(lang, *at)))
            .unwrap_or_default()
    };
    let children: Vec<UnitRow> = all_units
        .iter()
        .filter(|u| u.parent_id == Some(unit.id))
        .map(|c| {
            let inside: Vec<&store::Expected> = expected
                .iter()
                .filter(|e| innocity_core::orgs::in_subtree(&c.path, &e.unit_path))
                .collect();
            count_row(c.clone(), &inside, approval_text(c.id))
        })
        .collect();
    let all: Vec<&store::Expected> = expected.iter().collect();
    let totals = count_row(unit.clone(), &all, approval_text(unit.id));
    if q.format.as_deref() == Some("xlsx") {
        let bytes = files::completeness_xlsx(
            lang,
            &form_name(lang, &form),
            &period,
            &unit,
            &children,
            &expected,
            &all_units,
        )
        .map_err(|e| {
            tracing::error!(error = %e, "xlsx export");
            ctx.err(AppError::internal(&ctx.request_id))
        })?;
        return Ok(crate::http::download(
            bytes,
            &format!("{}_{}_{}_completeness.xlsx", form.code, period, unit.code),
            crate::http::XLSX,
        ));
    }
    let unit_name = |id: i64| {
        all_units
            .iter()
            .find(|u| u.id == id)
            .map(|u| lang.pick(&u.name_zh, &u.name_en).to_string())
            .unwrap_or_default()
    };
    let orgs = expected
        .iter()
        .map(|e| OrgRow {
            label: t(lang, &format!("status.{}", e.status.code())).into(),
            unit_name: unit_name(e.org_unit_id),
            e: e.clone(),
        })
        .collect();
    let trail: Vec<OrgUnit> = analysis::path_ids(&unit.path)
        .filter_map(|id| units.iter().find(|u| u.id == id).cloned())
        .collect();
    let approvable = APPROVAL_LEVELS.contains(&unit.level.as_str());
    let approved = approval_text(unit.id);
    let parent_approved = unit.parent_id.is_some_and(|pid| approvals.contains_key(&pid));
    let notice = q
        .notice
        .as_deref()
        .and_then(|n| {
            ["stats.unit_approved_ok", "stats.unit_unapproved_ok", "stats.reminded"]
                .into_iter()
                .find(|k| *k == n)
        })
        .unwrap_or("")
        .to_string();
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
        notice,
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
    let top = unit.level == APPROVAL_LEVELS[APPROVAL_LEVELS.len() - 1];
    let notice = match f.action.as_str() {
        "approve" => {
            let all = state.units().await.map_err(|e| ctx.err(e.into()))?;
            let children: Vec<OrgUnit> =
                all.iter().filter(|u| u.parent_id == Some(unit.id)).cloned().collect();
            store::approve_unit(&state.db, &form, &period, &unit, &children, top, actor(ctx))
                .await
                .map_err(|e| ctx.err(e.into()))?;
            "stats.unit_approved_ok"
        }
        "unapprove" => {
            store::unapprove_unit(&state.db, &form.code, &period, &unit, top, actor(ctx))
                .await
                .map_err(|e| ctx.err(e.into()))?;
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
    let expected = store::expected(&state.db, &form, &period, &unit.path)
        .await
        .map_err(|e| ctx.err(e.into()))?;
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
    store::remind(&state.db, &form.code, &period, &late, &message, actor(ctx))
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!(
        "/stats/{}/{period}?unit={}&notice=stats.reminded",
        form.code, unit.id
    ))
    .into_response())
}

// ---------- totals and outliers ----------

pub struct TotalRow {
    pub code: String,
    pub label: String,
    pub unit: String,
    pub sub: bool,
    pub here: String,
    pub previous: String,
    pub change: String,
    pub children: Vec<String>,
}

pub struct OutlierRow {
    pub org_id: i64,
    pub org: String,
    pub unit: String,
    pub value: String,
    pub method: &'static str,
    pub score: String,
    pub range: String,
}

pub struct Bar {
    pub label: String,
    pub value: String,
    pub width: f64,
    pub y: usize,
}

#[derive(Template)]
#[template(path = "stats_analysis.html")]
struct AnalysisPage {
    s: Shell,
    form: Form,
    form_name: String,
    period: String,
    previous: String,
    unit: OrgUnit,
    children: Vec<OrgUnit>,
    rows: Vec<TotalRow>,
    returns: usize,
    element: String,
    elements: Vec<(String, String)>,
    outliers: Vec<OutlierRow>,
    bars: Vec<Bar>,
    chart_height: usize,
    include_drafts: bool,
}

/// The numeric, additive elements of a form (totals of codes and months mean nothing).
fn additive(e: &DataElement) -> bool {
    matches!(
        e.value_type,
        ValueType::Integer | ValueType::Number | ValueType::MoneyThousand | ValueType::Percentage
    )
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

pub async fn analysis(
    State(state): State<AppState>,
    a: Auth<ReviewStats>,
    Path((form, period)): Path<(String, String)>,
    Query(q): Query<AreaQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let cat = catalogue(&state, ctx).await?;
    let form = find_form(ctx, &cat, &form)?;
    let p = parse_period(ctx, &form, &period)?;
    let previous = p.previous();
    let (unit, _) = area_unit(&state, ctx, &a.principal, q.unit.as_deref()).await?;
    let all_units = state.units().await.map_err(|e| ctx.err(e.into()))?;
    let children: Vec<OrgUnit> =
        all_units.iter().filter(|u| u.parent_id == Some(unit.id)).cloned().collect();
    let include_drafts = q.include.as_deref() == Some("draft");
    let mut states = vec![Status::Submitted, Status::Approved, Status::Locked];
    if include_drafts {
        states.extend([Status::Draft, Status::Returned]);
    }
    let db = &state.db;
    let now = store::totals(db, &form.code, &p.to_string(), &states)
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let before = store::totals(db, &form.code, &previous.to_string(), &states)
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let value = |t: &store::Totals, unit: i64, e: &DataElement, d: &str| {
        t.find(&e.code, d).and_then(|i| t.rollup.get(unit, &i)).map(|acc| acc.value(e.aggregation))
    };
    let mut rows = Vec::new();
    for (e, option) in form.cells(&cat).into_iter().filter(|(e, _)| additive(e)) {
        let d = option.map(|o| o.code.as_str()).unwrap_or("");
        let here = value(&now, unit.id, e, d);
        let prev = value(&before, unit.id, e, d);
        let change = match (here, prev) {
            (Some(a), Some(b)) if b != 0.0 => format!("{:+.1}%", (a - b) / b.abs() * 100.0),
            _ => "—".into(),
        };
        rows.push(TotalRow {
            code: if d.is_empty() { e.code.clone() } else { format!("{}.{d}", e.code) },
            label: match option {
                Some(o) => {
                    format!("{}{}", t(lang, "stats.of_which"), lang.pick(&o.name_zh, &o.name_en))
                }
                None => element_name(lang, e).to_string(),
            },
            unit: e.unit.clone(),
            sub: option.is_some(),
            here: here.map(number).unwrap_or_else(|| "—".into()),
            previous: prev.map(number).unwrap_or_else(|| "—".into()),
            change,
            children: children
                .iter()
                .map(|c| value(&now, c.id, e, d).map(number).unwrap_or_else(|| "—".into()))
                .collect(),
        });
    }
    let unit_label = |u: &OrgUnit| lang.pick(&u.name_zh, &u.name_en).to_string();
    if q.format.as_deref() == Some("xlsx") {
        let header: Vec<String> = children.iter().map(unit_label).collect();
        let bytes = files::totals_xlsx(
            lang,
            &form_name(lang, &form),
            &p.to_string(),
            &previous.to_string(),
            &unit_label(&unit),
            &header,
            &rows,
        )
        .map_err(|e| {
            tracing::error!(error = %e, "xlsx export");
            ctx.err(AppError::internal(&ctx.request_id))
        })?;
        return Ok(crate::http::download(
            bytes,
            &format!("{}_{}_{}_totals.xlsx", form.code, p, unit.code),
            crate::http::XLSX,
        ));
    }
    // The element for the chart and the outliers.
    let elements: Vec<(String, String)> = form
        .elements
        .iter()
        .filter_map(|c| cat.element(c))
        .filter(|e| additive(e))
        .map(|e| (e.code.clone(), element_name(lang, e).to_string()))
        .collect();
    let element = q
        .element
        .clone()
        .filter(|e| elements.iter().any(|(c, _)| c == e))
        .or_else(|| {
            elements
                .iter()
                .find(|(c, _)| c.contains("RD_EXP"))
                .or(elements.first())
                .map(|(c, _)| c.clone())
        })
        .unwrap_or_default();
    let el = cat.element(&element);
    let mut bars = Vec::new();
    if let Some(e) = el {
        let vals: Vec<(String, f64)> = children
            .iter()
            .map(|c| (unit_label(c), value(&now, c.id, e, "").unwrap_or(0.0)))
            .collect();
        let max = vals.iter().map(|v| v.1).fold(0.0, f64::max);
        bars = vals
            .into_iter()
            .enumerate()
            .map(|(i, (label, v))| Bar {
                label,
                value: number(v),
                width: if max > 0.0 { (v / max * 480.0).max(1.0) } else { 1.0 },
                y: i * 28,
            })
            .collect();
    }
    let mut outliers = Vec::new();
    if el.is_some() {
        let values =
            store::element_values(db, &form.code, &p.to_string(), &element, "", &unit.path)
                .await
                .map_err(|e| ctx.err(e.into()))?;
        let mut push = |group: &[&store::OrgValue], only: Option<Method>| {
            let xs: Vec<f64> = group.iter().map(|v| v.value).collect();
            for o in analysis::outliers(&xs) {
                if only.is_some_and(|m| m != o.method)
                    || (only.is_none() && o.method == Method::MinMax)
                {
                    continue;
                }
                let v = group[o.index];
                outliers.push(OutlierRow {
                    org_id: v.organisation_id,
                    org: v.organisation.clone(),
                    unit: all_units
                        .iter()
                        .find(|u| u.id == v.org_unit_id)
                        .map(unit_label)
                        .unwrap_or_default(),
                    value: number(v.value),
                    method: match o.method {
                        Method::ZScore => "stats.method.z",
                        Method::ModifiedZ => "stats.method.modified_z",
                        Method::MinMax => "stats.method.min_max",
                    },
                    score: format!("{:.1}", o.score),
                    range: format!("{} – {}", number(o.low.max(0.0)), number(o.high)),
                });
            }
        };
        // z-scores over the whole area; min–max within each org unit.
        let all: Vec<&store::OrgValue> = values.iter().collect();
        push(&all, None);
        let mut by_unit: BTreeMap<i64, Vec<&store::OrgValue>> = BTreeMap::new();
        for v in &values {
            by_unit.entry(v.org_unit_id).or_default().push(v);
        }
        for group in by_unit.values() {
            push(group, Some(Method::MinMax));
        }
    }
    Ok(render(&AnalysisPage {
        s: ctx.shell(),
        form_name: form_name(lang, &form),
        form,
        period: p.to_string(),
        previous: previous.to_string(),
        chart_height: bars.len() * 28 + 8,
        unit,
        children,
        rows,
        returns: now.returns,
        element,
        elements,
        outliers,
        bars,
        include_drafts,
    }))
}

// ---------- form definitions ----------

pub struct FormSummary {
    pub form: Form,
    pub name: String,
    pub rules: usize,
    pub kind: &'static str,
    pub periodicity: String,
}

#[derive(Template)]
#[template(path = "stats_forms.html")]
struct FormsPage {
    s: Shell,
    forms: Vec<FormSummary>,
    files: Vec<(String, String, i64)>,
    manager: bool,
    name: String,
    body: String,
    errors: Vec<String>,
    notice: String,
}

async fn forms_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    name: String,
    body: String,
    errors: Vec<String>,
    notice: &str,
) -> AppResult<FormsPage> {
    let cat = catalogue(state, ctx).await?;
    let files = store::definitions(&state.db)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .map(|(n, _, by, at)| (n, by, at))
        .collect();
    let forms = cat
        .forms
        .iter()
        .map(|f| FormSummary {
            name: form_name(ctx.lang, f),
            rules: cat.rules.iter().filter(|r| r.form == f.code).count(),
            kind: if f.kind == FormKind::Grid { "stats.kind.grid" } else { "stats.kind.roster" },
            periodicity: t(ctx.lang, &format!("periodicity.{:?}", f.periodicity).to_lowercase())
                .into(),
            form: f.clone(),
        })
        .collect();
    Ok(FormsPage {
        s: ctx.shell(),
        forms,
        files,
        manager: p.role.allows(Capability::ManageStatForms),
        name,
        body,
        errors,
        notice: notice.into(),
    })
}

pub async fn forms(
    State(state): State<AppState>,
    a: Auth<ViewStats>,
    Query(q): Query<AreaQuery>,
) -> AppResult<Response> {
    let notice = if q.notice.as_deref() == Some("stats.imported") { "stats.imported" } else { "" };
    Ok(render(
        &forms_page(&state, &a.ctx, &a.principal, String::new(), String::new(), vec![], notice)
            .await?,
    ))
}

#[derive(serde::Deserialize)]
struct ImportForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    body: String,
}

/// Imports a definitions file typed or pasted by bureau staff: it must read together with the
/// built-in and earlier files, or nothing is stored and every problem is shown with its place.
pub async fn import_forms(
    State(state): State<AppState>,
    a: Auth<ManageStatForms>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ImportForm = parse_form(ctx, &body)?;
    let name = f.name.trim().to_string();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(t(ctx.lang, "err.stats.definition_name").to_string());
    }
    if f.body.trim().is_empty() {
        errors.push(t(ctx.lang, "err.stats.definition_empty").to_string());
    }
    if errors.is_empty() {
        let mut files: Vec<(String, String)> = innocity_core::stats::BUILT_IN
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        files.extend(
            store::definitions(&state.db)
                .await
                .map_err(|e| ctx.err(e.into()))?
                .into_iter()
                .map(|(n, b, _, _)| (n, b)),
        );
        files.push((name.clone(), f.body.clone()));
        if let Err(es) = Catalogue::from_files(files) {
            errors.extend(es.iter().map(|e| e.to_string()));
        }
    }
    if !errors.is_empty() {
        let mut r = render(&forms_page(&state, ctx, &a.principal, name, f.body, errors, "").await?);
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    store::add_definition(&state.db, &name, &f.body, actor(ctx))
        .await
        .map_err(|e| ctx.err(e.into()))?;
    state.catalogue_changed();
    Ok(Redirect::to("/stats/forms?notice=stats.imported").into_response())
}

#[derive(Template)]
#[template(path = "stats_form.html")]
struct FormPage {
    s: Shell,
    form: Form,
    name: String,
    elements: Vec<(String, String, String, String, String)>,
    rules: Vec<innocity_core::stats::Rule>,
    manager: bool,
    periods: Vec<(String, String, String)>,
    notice: String,
}

impl FormPage {
    fn op(&self, r: &innocity_core::stats::Rule) -> String {
        serde_json::to_value(r.operator)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    }
}

pub async fn form_view(
    State(state): State<AppState>,
    a: Auth<ViewStats>,
    Path(code): Path<String>,
    Query(q): Query<AreaQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let cat = catalogue(&state, ctx).await?;
    let form = find_form(ctx, &cat, &code)?;
    let elements = form
        .elements
        .iter()
        .filter_map(|c| cat.element(c))
        .map(|e| {
            let options = cat
                .options_of(e)
                .iter()
                .chain(e.options.iter())
                .map(|o| format!("{} {}", o.code, lang.pick(&o.name_zh, &o.name_en)))
                .collect::<Vec<_>>()
                .join("、");
            (
                e.code.clone(),
                element_name(lang, e).to_string(),
                t(
                    lang,
                    &format!(
                        "vtype.{}",
                        serde_json::to_value(e.value_type)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default()
                    ),
                )
                .to_string(),
                e.unit.clone(),
                options,
            )
        })
        .collect();
    let rules = cat.rules.iter().filter(|r| r.form == form.code).cloned().collect();
    let mut periods = Vec::new();
    for p in recent_periods(&form, today(), 4) {
        let (open, close) = form.window(p);
        let over = store::window_override(&state.db, &form.code, &p.to_string())
            .await
            .map_err(|e| ctx.err(e.into()))?
            .unwrap_or_default();
        periods.push((p.to_string(), format!("{open} – {close}"), over));
    }
    let notice =
        if q.notice.as_deref() == Some("stats.deadline_set") { "stats.deadline_set" } else { "" }
            .to_string();
    Ok(render(&FormPage {
        s: ctx.shell(),
        name: form_name(lang, &form),
        form,
        elements,
        rules,
        manager: a.principal.role.allows(Capability::ManageStatForms),
        periods,
        notice,
    }))
}

#[derive(serde::Deserialize)]
struct DeadlineForm {
    period: String,
    closes_on: String,
}

/// Extends (or shortens) the deadline of one period.
pub async fn set_deadline(
    State(state): State<AppState>,
    a: Auth<ManageStatForms>,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: DeadlineForm = parse_form(ctx, &body)?;
    let cat = catalogue(&state, ctx).await?;
    let form = find_form(ctx, &cat, &code)?;
    let p = parse_period(ctx, &form, &f.period)?;
    let day = chrono::NaiveDate::parse_from_str(f.closes_on.trim(), "%Y-%m-%d").map_err(|_| {
        bad_field(ctx, "closes_on", "err.value.not_date", vec![f.closes_on.clone()])
    })?;
    if day < form.window(p).0 {
        return Err(bad_field(
            ctx,
            "closes_on",
            "err.stats.deadline_before_open",
            vec![form.window(p).0.to_string()],
        ));
    }
    store::set_window(&state.db, &form.code, &p.to_string(), day, actor(ctx))
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!("/stats/forms/{}?notice=stats.deadline_set", form.code))
        .into_response())
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
