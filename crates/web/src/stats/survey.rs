//! The yearly report of the enterprise innovation survey (企业创新调查, form CX-1): the page, the
//! PDF and the API, over a reviewer's area and each of its parts, from the approved returns.
use super::{area_unit, number};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ReviewStats};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::indicators::reports::render_report;
use crate::page::{Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use innocity_core::access::Principal;
use innocity_core::periods::Period;
use innocity_core::stats::survey::{
    self as core, FORM, Group, ItemShare, KeyChange, Share, SurveyReport,
};
use innocity_reports::{Block, Cell};
use innocity_store::orgs::OrgUnit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
pub struct SurveyQuery {
    /// The org unit's id; the top of the caller's scope by default.
    pub unit: Option<String>,
}

/// The year of a path segment; anything but a year (`20x5`, `2025Q1`) is refused on the field.
fn year_of(ctx: &Ctx, text: &str) -> AppResult<i32> {
    match Period::parse(text) {
        Ok(Period::Year(y)) => Ok(y),
        _ => {
            let m = tf(ctx.lang, "survey.err.year", &[text.to_string()]);
            Err(crate::subjects::api::invalid(ctx, vec![("year".into(), m)]))
        }
    }
}

/// The report's parts of an area: its zones (or a county's parks) and the counties under it.
fn parts(all: &[OrgUnit], unit: &OrgUnit) -> Vec<OrgUnit> {
    let mut parts = innocity_store::orgs::parts_of(all, unit);
    let county = innocity_core::orgs::UnitLevel::County.code();
    parts.extend(all.iter().filter(|u| u.parent_id == Some(unit.id) && u.level == county).cloned());
    parts
}

/// A part as a group of the core report: the org units in its area (a county's with its parks).
fn group(all: &[OrgUnit], part: &OrgUnit) -> Group {
    let roots = innocity_store::orgs::area_roots(all, part);
    Group {
        unit_id: part.id,
        org_units: all
            .iter()
            .filter(|u| roots.iter().any(|r| u.path.starts_with(r.as_str())))
            .map(|u| u.id)
            .collect(),
    }
}

/// Everything a view of the report needs: the unit, its parts, the report, and its key figures
/// beside the year before.
pub(super) struct Loaded {
    pub(super) year: i32,
    pub(super) unit: OrgUnit,
    parts: Vec<OrgUnit>,
    pub(super) report: SurveyReport,
    pub(super) changes: Vec<KeyChange>,
}

impl Loaded {
    /// The names of the report's parts, in its groups' order.
    pub(super) fn part_names(&self, lang: Lang) -> Vec<String> {
        self.parts.iter().map(|u| unit_name(lang, u)).collect()
    }
}

pub(super) async fn load(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    year: &str,
    unit: Option<&str>,
) -> AppResult<Loaded> {
    let year = year_of(ctx, year)?;
    let (unit, _) = area_unit(state, ctx, p, unit).await?;
    let all = state.units().await?;
    let roots = innocity_store::orgs::area_roots(&all, &unit);
    let responses = innocity_store::stats::survey_responses(&state.db, year, &roots).await?;
    let parts = parts(&all, &unit);
    let groups: Vec<Group> = parts.iter().map(|u| group(&all, u)).collect();
    let report = core::report(&responses, &groups);
    let before = innocity_store::stats::survey_responses(&state.db, year - 1, &roots).await?;
    let changes = core::year_on_year(&report, &core::report(&before, &[]));
    Ok(Loaded { year, unit, parts, report, changes })
}

/// The survey report is of CX-1 only; any other form's path is not found.
pub(super) fn check_form(ctx: &Ctx, form: &str) -> AppResult<()> {
    if form == FORM {
        Ok(())
    } else {
        Err(ctx.err(
            AppError::new(
                axum::http::StatusCode::NOT_FOUND,
                "unknown_form",
                "err.stats.unknown_form",
            )
            .args(vec![form.into()]),
        ))
    }
}

fn unit_name(lang: Lang, u: &OrgUnit) -> String {
    lang.pick(&u.name_zh, &u.name_en).to_string()
}

fn percent(share: Option<f64>) -> String {
    share.map(|s| format!("{:.1}%", s * 100.0)).unwrap_or_else(|| "—".into())
}

/// A key figure beside the year before, as the page and the PDF show it.
pub struct ChangeRow {
    pub figure: &'static str,
    pub label: String,
    pub now: String,
    pub before: String,
    /// `+2.3个百分点` for a share, `+12` for a count.
    pub change: String,
}

/// The label of a key figure (`innovating` → 有创新活动的企业占比).
pub(super) fn figure_label(lang: Lang, figure: &str) -> String {
    let key = if figure == "responses" {
        "survey.col.responses".to_string()
    } else {
        format!("survey.{figure}")
    };
    t(lang, &key).to_string()
}

fn change_rows(lang: Lang, changes: &[KeyChange]) -> Vec<ChangeRow> {
    changes
        .iter()
        .map(|c| {
            let shown = |v: Option<f64>| {
                if c.is_share { percent(v) } else { v.map_or_else(|| "—".into(), number) }
            };
            let change = match c.change() {
                Some(d) if c.is_share => tf(lang, "ind.release.points", &[format!("{d:+.1}")]),
                Some(d) => format!("{d:+.0}"),
                None => "—".into(),
            };
            ChangeRow {
                figure: c.figure,
                label: figure_label(lang, c.figure),
                now: shown(c.now),
                before: shown(c.before),
                change,
            }
        })
        .collect()
}

/// A yes/no question as the page and the PDF show it.
pub struct ShareRow {
    pub element: String,
    pub label: String,
    pub yes: usize,
    pub answered: usize,
    pub share: String,
    /// The bar's width in the page's chart, out of 480.
    pub width: f64,
    pub y: usize,
}

fn share_rows(lang: Lang, items: &[ItemShare]) -> Vec<ShareRow> {
    items
        .iter()
        .enumerate()
        .map(|(i, it)| ShareRow {
            element: it.element.to_string(),
            label: t(lang, &format!("survey.el.{}", it.element)).to_string(),
            yes: it.share.yes,
            answered: it.share.answered,
            share: percent(it.share.share()),
            width: (it.share.share().unwrap_or(0.0) * 480.0).max(1.0),
            y: i * 28,
        })
        .collect()
}

/// An amount of innovation expenditure.
pub struct AmountRow {
    pub label: String,
    pub value: String,
}

/// A part of the area's key shares.
pub struct PartRow {
    pub unit_id: i64,
    pub name: String,
    pub responses: usize,
    pub innovating: String,
    pub cooperating: String,
    pub intensity: String,
    pub new_product_share: String,
}

/// The report as the page and the PDF show it.
struct View {
    responses: usize,
    innovating: String,
    cooperating: String,
    expenditure: String,
    revenue: String,
    new_product_sales: String,
    intensity: String,
    new_product_share: String,
    types: Vec<ShareRow>,
    amounts: Vec<AmountRow>,
    obstacles: Vec<ShareRow>,
    policies: Vec<ShareRow>,
    parts: Vec<PartRow>,
    /// The key figures beside the year before (empty without a survey that year).
    changes: Vec<ChangeRow>,
}

fn view(lang: Lang, l: &Loaded) -> View {
    let r = &l.report;
    let amount =
        |key: &str, v: f64| AmountRow { label: t(lang, key).to_string(), value: number(v) };
    let mut amounts = vec![amount("survey.el.CX_EXP", r.expenditure)];
    amounts.extend(r.parts.iter().map(|p| amount(&format!("survey.el.{}", p.element), p.value)));
    View {
        responses: r.responses,
        innovating: percent(r.innovating.share()),
        cooperating: percent(r.cooperating.share()),
        expenditure: number(r.expenditure),
        revenue: number(r.revenue),
        new_product_sales: number(r.new_product_sales),
        intensity: percent(r.intensity),
        new_product_share: percent(r.new_product_share),
        types: share_rows(lang, &r.types),
        amounts,
        obstacles: share_rows(lang, &r.obstacles),
        policies: share_rows(lang, &r.policies),
        changes: change_rows(lang, &l.changes),
        parts: r
            .groups
            .iter()
            .zip(&l.parts)
            .map(|(g, u)| PartRow {
                unit_id: g.unit_id,
                name: unit_name(lang, u),
                responses: g.responses,
                innovating: percent(g.innovating.share()),
                cooperating: percent(g.cooperating.share()),
                intensity: percent(g.intensity),
                new_product_share: percent(g.new_product_share),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "stats_survey.html")]
struct SurveyPage {
    s: Shell,
    year: i32,
    unit: OrgUnit,
    title: String,
    v: View,
    types_height: usize,
    obstacles_height: usize,
}

fn title(lang: Lang, l: &Loaded) -> String {
    tf(lang, "survey.title", &[unit_name(lang, &l.unit), l.year.to_string()])
}

/// The survey report of a year for the reviewer's area (or a unit in it).
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ReviewStats>,
    Path((form, year)): Path<(String, String)>,
    Query(q): Query<SurveyQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    check_form(ctx, &form)?;
    let l = load(&state, ctx, &a.principal, &year, q.unit.as_deref()).await?;
    let v = view(ctx.lang, &l);
    Ok(render(&SurveyPage {
        s: ctx.shell(),
        year: l.year,
        title: title(ctx.lang, &l),
        types_height: v.types.len() * 28 + 8,
        obstacles_height: v.obstacles.len() * 28 + 8,
        v,
        unit: l.unit,
    }))
}

/// The survey report as PDF: the summary written from the figures, then the tables and bars.
pub async fn pdf(
    State(state): State<AppState>,
    a: Auth<ReviewStats>,
    Path((form, year)): Path<(String, String)>,
    Query(q): Query<SurveyQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    check_form(ctx, &form)?;
    let l = load(&state, ctx, &a.principal, &year, q.unit.as_deref()).await?;
    let title = title(ctx.lang, &l);
    let blocks = compose(ctx.lang, &title, &view(ctx.lang, &l));
    let pdf = render_report(ctx, blocks, title)?;
    let file = format!("{FORM}_{}_{}_survey.pdf", l.unit.code, l.year);
    Ok(crate::http::download(pdf, &file, "application/pdf"))
}

const BLUE: [f32; 3] = [0.16, 0.38, 0.66];

/// The answered questions as bars (a question nobody answered has no share to draw).
fn bars(rows: &[ShareRow]) -> Block {
    Block::Bars {
        items: rows
            .iter()
            .filter(|r| r.answered > 0)
            .map(|r| (r.label.clone(), r.width / 480.0, r.share.clone(), BLUE))
            .collect(),
    }
}

fn share_table(lang: Lang, rows: &[ShareRow]) -> Block {
    let head = ["survey.col.item", "survey.col.yes", "survey.col.answered", "survey.col.share"];
    let mut table = vec![head.iter().map(|k| Cell::plain(t(lang, k))).collect::<Vec<_>>()];
    for r in rows {
        table.push(vec![
            Cell::plain(r.label.clone()),
            Cell::plain(r.yes.to_string()),
            Cell::plain(r.answered.to_string()),
            Cell::plain(r.share.clone()),
        ]);
    }
    Block::Table { widths: vec![0.4, 0.2, 0.2, 0.2], rows: table }
}

fn compare_table(lang: Lang, changes: &[ChangeRow]) -> Block {
    let head = [
        "survey.col.figure",
        "survey.col.this_year",
        "survey.col.year_before",
        "survey.col.change",
    ];
    let mut rows = vec![head.iter().map(|k| Cell::plain(t(lang, k))).collect::<Vec<_>>()];
    for c in changes {
        rows.push(vec![
            Cell::plain(c.label.clone()),
            Cell::plain(c.now.clone()),
            Cell::plain(c.before.clone()),
            Cell::plain(c.change.clone()),
        ]);
    }
    Block::Table { widths: vec![0.4, 0.2, 0.2, 0.2], rows }
}

fn parts_table(lang: Lang, parts: &[PartRow]) -> Block {
    let head = [
        "survey.col.unit",
        "survey.col.responses",
        "survey.innovating",
        "survey.cooperating",
        "survey.intensity",
        "survey.new_product_share",
    ];
    let mut rows = vec![head.iter().map(|k| Cell::plain(t(lang, k))).collect::<Vec<_>>()];
    for p in parts {
        rows.push(vec![
            Cell::plain(p.name.clone()),
            Cell::plain(p.responses.to_string()),
            Cell::plain(p.innovating.clone()),
            Cell::plain(p.cooperating.clone()),
            Cell::plain(p.intensity.clone()),
            Cell::plain(p.new_product_share.clone()),
        ]);
    }
    Block::Table { widths: vec![0.25, 0.13, 0.155, 0.155, 0.155, 0.155], rows }
}

/// The report's blocks: pure, from the view.
fn compose(lang: Lang, title: &str, v: &View) -> Vec<Block> {
    let summary = [
        v.responses.to_string(),
        v.innovating.clone(),
        v.expenditure.clone(),
        v.intensity.clone(),
        v.new_product_share.clone(),
        v.cooperating.clone(),
    ];
    let mut blocks = vec![
        Block::Title(title.to_string()),
        Block::Heading(t(lang, "survey.h.summary").into()),
        Block::Paragraph(tf(lang, "survey.summary", &summary)),
    ];
    if !v.changes.is_empty() {
        blocks.push(Block::Paragraph(t(lang, "survey.h.compare").into()));
        blocks.push(compare_table(lang, &v.changes));
    }
    blocks.extend([
        Block::Heading(t(lang, "survey.h.types").into()),
        share_table(lang, &v.types),
        bars(&v.types),
        Block::Heading(t(lang, "survey.h.expenditure").into()),
    ]);
    let mut money = vec![vec![
        Cell::plain(t(lang, "survey.col.item")),
        Cell::plain(t(lang, "survey.col.thousand")),
    ]];
    money.extend(
        v.amounts.iter().map(|a| vec![Cell::plain(a.label.clone()), Cell::plain(a.value.clone())]),
    );
    money.push(vec![Cell::plain(t(lang, "survey.revenue")), Cell::plain(v.revenue.clone())]);
    money.push(vec![
        Cell::plain(t(lang, "survey.el.CX_NEWPROD_SALES")),
        Cell::plain(v.new_product_sales.clone()),
    ]);
    blocks.push(Block::Table { widths: vec![0.6, 0.4], rows: money });
    blocks.push(Block::Heading(t(lang, "survey.h.obstacles").into()));
    blocks.push(share_table(lang, &v.obstacles));
    blocks.push(bars(&v.obstacles));
    blocks.push(Block::Heading(t(lang, "survey.h.policies").into()));
    blocks.push(share_table(lang, &v.policies));
    if !v.parts.is_empty() {
        blocks.push(Block::Heading(t(lang, "survey.h.parts").into()));
        blocks.push(parts_table(lang, &v.parts));
    }
    blocks.push(Block::Paragraph(t(lang, "survey.method").into()));
    blocks
}

/// A yes/no question's answers: how many said yes, of how many answered, the share (none when
/// nobody answered).
#[derive(Serialize, ToSchema)]
pub struct ApiShare {
    pub yes: usize,
    pub answered: usize,
    pub share: Option<f64>,
}

impl From<Share> for ApiShare {
    fn from(s: Share) -> ApiShare {
        ApiShare { yes: s.yes, answered: s.answered, share: s.share() }
    }
}

/// A yes/no question of the form by its element code (`CX_OBS_FUNDS`).
#[derive(Serialize, ToSchema)]
pub struct ApiItemShare {
    pub element: String,
    pub yes: usize,
    pub answered: usize,
    pub share: Option<f64>,
}

fn api_items(items: &[ItemShare]) -> Vec<ApiItemShare> {
    items
        .iter()
        .map(|i| ApiItemShare {
            element: i.element.to_string(),
            yes: i.share.yes,
            answered: i.share.answered,
            share: i.share.share(),
        })
        .collect()
}

/// An amount of innovation expenditure in 千元 by element code.
#[derive(Serialize, ToSchema)]
pub struct ApiAmount {
    pub element: String,
    pub value: f64,
}

/// A part of the area (a zone, a county, a park): its key shares.
#[derive(Serialize, ToSchema)]
pub struct ApiSurveyPart {
    pub unit_id: i64,
    pub responses: usize,
    pub innovating: ApiShare,
    pub cooperating: ApiShare,
    pub intensity: Option<f64>,
    pub new_product_share: Option<f64>,
}

/// The innovation survey (CX-1) report of a year for an org unit, from approved returns.
#[derive(Serialize, ToSchema)]
pub struct ApiSurvey {
    pub year: i32,
    pub unit_id: i64,
    pub responses: usize,
    /// Enterprises with product, process, organisational or marketing innovation.
    pub innovating: ApiShare,
    pub types: Vec<ApiItemShare>,
    /// Innovation expenditure, 千元.
    pub expenditure: f64,
    pub parts: Vec<ApiAmount>,
    /// Operating revenue, 千元.
    pub revenue: f64,
    pub new_product_sales: f64,
    /// Innovation expenditure over revenue.
    pub intensity: Option<f64>,
    /// New-product sales over revenue.
    pub new_product_share: Option<f64>,
    /// Cooperation with universities or research institutes (产学研合作).
    pub cooperating: ApiShare,
    /// Obstacles, the most often named first.
    pub obstacles: Vec<ApiItemShare>,
    pub policies: Vec<ApiItemShare>,
    pub groups: Vec<ApiSurveyPart>,
    /// The key figures beside the year before (与上年比较); empty when nobody answered then.
    pub year_on_year: Vec<ApiKeyChange>,
}

/// A key figure beside the year before.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyChange {
    /// `responses`, `innovating`, `cooperating`, `intensity` or `new_product_share`.
    pub figure: String,
    /// This year: a count, or a share from 0 to 1.
    pub value: Option<f64>,
    pub year_before: Option<f64>,
    /// A share's change in percentage points; a count's difference.
    pub change: Option<f64>,
}

fn api(l: Loaded) -> ApiSurvey {
    let r = l.report;
    ApiSurvey {
        year_on_year: l
            .changes
            .iter()
            .map(|c| ApiKeyChange {
                figure: c.figure.to_string(),
                value: c.now,
                year_before: c.before,
                change: c.change(),
            })
            .collect(),
        year: l.year,
        unit_id: l.unit.id,
        responses: r.responses,
        innovating: r.innovating.into(),
        types: api_items(&r.types),
        expenditure: r.expenditure,
        parts: r
            .parts
            .iter()
            .map(|p| ApiAmount { element: p.element.to_string(), value: p.value })
            .collect(),
        revenue: r.revenue,
        new_product_sales: r.new_product_sales,
        intensity: r.intensity,
        new_product_share: r.new_product_share,
        cooperating: r.cooperating.into(),
        obstacles: api_items(&r.obstacles),
        policies: api_items(&r.policies),
        groups: r
            .groups
            .iter()
            .map(|g| ApiSurveyPart {
                unit_id: g.unit_id,
                responses: g.responses,
                innovating: g.innovating.into(),
                cooperating: g.cooperating.into(),
                intensity: g.intensity,
                new_product_share: g.new_product_share,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/stats/survey/{year}", params(("year" = String, Path, description = "A year, e.g. 2025"), SurveyQuery), responses((status = 200, body = ApiSurvey), (status = 400, body = crate::api::ApiError), (status = 403, body = crate::api::ApiError), (status = 404, body = crate::api::ApiError), (status = 422, body = crate::api::ApiError)))]
/// The innovation survey report of a year for an org unit in the caller's scope: the shares of
/// enterprises innovating, by type, cooperating, held back and using policies; innovation
/// expenditure and its intensity; new products' share of revenue; the same shares by part.
/// From approved returns only (official figures).
pub async fn api_survey(
    State(state): State<AppState>,
    a: Auth<ReviewStats>,
    Path(year): Path<String>,
    Query(q): Query<SurveyQuery>,
) -> AppResult<Json<ApiSurvey>> {
    let l = load(&state, &a.ctx, &a.principal, &year, q.unit.as_deref()).await?;
    Ok(Json(api(l)))
}
