//! A return: its page, the cells, the validation panel and the history.
use super::{ReturnCtx, element_name, form_name, load_return, number, violations};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ViewStats};
use crate::error::AppResult;
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use innocity_core::access::{Capability, Principal};
use innocity_core::indicators::formula::{self, Item};
use innocity_core::stats::status;
use innocity_core::stats::values::Stored;
use innocity_core::stats::{
    Catalogue, DataElement, Form, FormKind, Severity, ValueType, Violation,
};
use innocity_store::orgs::Organisation;
use innocity_store::stats::{self as store, Return};
use std::collections::HashMap;

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
    pub options: Vec<Choice>,
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
    pub columns: Vec<RosterColumn>,
    pub rows: Vec<RosterRow>,
    pub next_rows: i64,
    pub history: Vec<HistoryView>,
    pub notice: String,
    pub problems: Vec<String>,
    pub base: String,
    /// The organisation's S&T plan project outputs of the year beside the return's cells that
    /// count them.
    pub project_outputs: Vec<ProjectOutput>,
    pub outputs_fewer: bool,
    /// The quick report's 技术合同成交额 beside the platform's register.
    pub register: Option<super::register_check::RegisterCheck>,
}

/// A roster column: the element's name and unit.
pub struct RosterColumn {
    pub name: String,
    pub unit: String,
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

/// Ids of the cells the violations name (the page marks them).
fn flagged_cells(vs: &[Violation]) -> Vec<String> {
    vs.iter()
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
        .collect()
}

/// The stored value of a cell.
fn value_of<'a>(
    cells: &'a [store::Cell],
    element: &str,
    disagg: &str,
    row: i64,
) -> Option<&'a Stored> {
    cells
        .iter()
        .find(|c| c.element == element && c.disagg == disagg && c.row == row)
        .map(|c| &c.value)
}

/// The rows of a grid form: each element, then its "of which" breakdowns.
fn grid_rows(
    rc: &ReturnCtx,
    lang: Lang,
    cells: &[store::Cell],
    flagged: &[String],
) -> Vec<GridRow> {
    let mut grid = Vec::new();
    for (e, option) in rc.form.cells(&rc.cat) {
        let disagg = option.map(|o| o.code.clone()).unwrap_or_default();
        let label = match option {
            Some(o) => {
                format!("{}{}", t(lang, "stats.of_which"), lang.pick(&o.name_zh, &o.name_en))
            }
            None => element_name(lang, e).to_string(),
        };
        let id = cell_id(&e.code, &disagg, 0);
        grid.push(GridRow {
            value: value_of(cells, &e.code, &disagg, 0)
                .map(|v| display_value(e, v))
                .unwrap_or_default(),
            element: e.code.clone(),
            code: if disagg.is_empty() { e.code.clone() } else { format!("{}.{}", e.code, disagg) },
            flagged: flagged.contains(&id),
            disagg,
            label,
            unit: e.unit.clone(),
            sub: option.is_some(),
            id,
        });
    }
    grid
}

/// The columns of a roster form and its rows: the stored ones, then `blank` empty ones.
fn roster_rows(
    rc: &ReturnCtx,
    lang: Lang,
    cells: &[store::Cell],
    flagged: &[String],
    blank: i64,
) -> (Vec<RosterColumn>, Vec<RosterRow>) {
    let elements: Vec<&DataElement> =
        rc.form.elements.iter().filter_map(|c| rc.cat.element(c)).collect();
    let columns = elements
        .iter()
        .map(|e| RosterColumn {
            name: element_name(lang, e).to_string(),
            unit: if e.unit.is_empty() { String::new() } else { e.unit.clone() },
        })
        .collect();
    let mut numbers: Vec<i64> = cells.iter().map(|c| c.row).filter(|r| *r > 0).collect();
    numbers.sort();
    numbers.dedup();
    let max_row = numbers.last().copied().unwrap_or(0);
    let all: Vec<(i64, bool)> = numbers
        .iter()
        .map(|n| (*n, true))
        .chain((1..=blank).map(|k| (max_row + k, false)))
        .collect();
    let mut rows = Vec::new();
    for (n, stored) in all {
        let cells_of_row =
            elements.iter().map(|e| roster_cell(lang, cells, flagged, e, n)).collect();
        rows.push(RosterRow { row: n, cells: cells_of_row, stored });
    }
    (columns, rows)
}

/// One cell of a roster row, with the element's options.
fn roster_cell(
    lang: Lang,
    cells: &[store::Cell],
    flagged: &[String],
    e: &DataElement,
    n: i64,
) -> RosterCell {
    let v = value_of(cells, &e.code, "", n).map(|v| display_value(e, v)).unwrap_or_default();
    let options = e
        .options
        .iter()
        .map(|o| {
            Choice::new(
                &o.code,
                format!("{} {}", o.code, lang.pick(&o.name_zh, &o.name_en)),
                o.code == v,
            )
        })
        .collect();
    let id = cell_id(&e.code, "", n);
    RosterCell { element: e.code.clone(), value: v, options, flagged: flagged.contains(&id), id }
}

/// The return's change history, newest first.
async fn history_views(state: &AppState, ctx: &Ctx, rc: &ReturnCtx) -> AppResult<Vec<HistoryView>> {
    let history = match &rc.ret {
        Some(r) => store::history(&state.db, r.id, 200).await?,
        None => vec![],
    };
    Ok(history
        .into_iter()
        .map(|h| HistoryView {
            at: h.changed_at,
            by: h.changed_by,
            cell: store::cell_label(&h.element, &h.disagg, h.row),
            old: h.old.unwrap_or_else(|| "—".into()),
            new: h.new.unwrap_or_else(|| "—".into()),
            source: t(ctx.lang, &format!("source.{}", h.source)).to_string(),
        })
        .collect())
}

/// A project output of the year beside the return's cell that counts it.
pub struct ProjectOutput {
    pub kind: &'static str,
    pub n: i64,
    /// The label of the cell that counts it.
    pub cell: String,
    pub reported: String,
    /// The return reports fewer than the projects did.
    pub fewer: bool,
}

/// The organisation's project outputs of the year, against what the return reports (the
/// return counts all of the organisation's patents, papers and standards, so never fewer).
async fn project_outputs(
    state: &AppState,
    ctx: &Ctx,
    rc: &ReturnCtx,
    cells: &[store::Cell],
) -> AppResult<Vec<ProjectOutput>> {
    let lang = ctx.lang;
    let mut project_outputs = Vec::new();
    if rc.form.code != "107-2" {
        return Ok(project_outputs);
    }
    for counted in innocity_store::projects::execution::organisation_outputs(
        &state.db,
        rc.org.id,
        rc.period.year(),
    )
    .await?
    {
        let (kind, n) = (counted.kind.as_str(), counted.count);
        let Some(k) = innocity_core::projects::execution::OUTPUT_KINDS.iter().find(|k| **k == kind)
        else {
            continue;
        };
        let cell = OUTPUT_CELLS.iter().find(|c| c.0 == kind).and_then(|c| rc.cat.element(c.1));
        let reported = cell
            .and_then(|e| value_of(cells, &e.code, "", 0).map(|v| display_value(e, v)))
            .unwrap_or_default();
        let fewer = reported.replace(',', "").parse::<f64>().is_ok_and(|v| v < n as f64);
        project_outputs.push(ProjectOutput {
            kind: t(lang, &format!("life.output.{k}")),
            n,
            cell: cell.map(|e| element_name(lang, e).to_string()).unwrap_or_default(),
            reported,
            fewer,
        });
    }
    Ok(project_outputs)
}

/// Builds the return page.
pub(super) async fn return_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    rc: ReturnCtx,
    extra_rows: i64,
    notice: &str,
    problems: Vec<String>,
) -> AppResult<ReturnPage> {
    let lang = ctx.lang;
    let cells = match &rc.ret {
        Some(r) => store::cells(&state.db, r.id).await?,
        None => vec![],
    };
    let vs = violations(state, &rc).await?;
    let flagged = flagged_cells(&vs);
    let reporter = p.role.allows(Capability::ReportStats);
    let editable = reporter && rc.check_open(ctx).is_ok();
    let (grid, columns, rows) = match rc.form.kind {
        FormKind::Grid => (grid_rows(&rc, lang, &cells, &flagged), Vec::new(), Vec::new()),
        FormKind::Roster => {
            let blank = if editable { extra_rows.clamp(1, 50) } else { 0 };
            let (columns, rows) = roster_rows(&rc, lang, &cells, &flagged, blank);
            (Vec::new(), columns, rows)
        }
    };
    let history = history_views(state, ctx, &rc).await?;
    let explanations = rc.ret.as_ref().map(|r| r.explanations.clone()).unwrap_or_default();
    let status = rc.status();
    let closed_note = if reporter && !editable {
        rc.check_open(ctx).err().map(|e| e.message()).unwrap_or_default()
    } else {
        String::new()
    };
    let reviewer = p.role.allows(Capability::ReviewStats);
    let base = format!("/stats/{}/{}/orgs/{}", rc.form.code, rc.period, rc.org.id);
    let project_outputs = project_outputs(state, ctx, &rc, &cells).await?;
    let register = super::register_check::tech_contracts(state, &rc, &cells).await?;
    Ok(ReturnPage {
        register,
        outputs_fewer: project_outputs.iter().any(|o| o.fewer),
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
