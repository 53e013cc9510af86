//! Monitoring by quarter and half year (季度、半年监测): each indicator of a framework as it
//! stands at a period's end — 本年累计 for a flow (contracts, spending, new enterprises), the
//! level for a stock (a ratio, the carriers held) — beside the period alone (当期), the plan by
//! then, how far it is met and where the value comes from; the half-yearly monitoring and
//! evaluation report (seed 002) as a PDF; the same in `/api/v1`.
use super::reports::{bar_rgb, render_report};
use super::{framework_values, name};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ViewIndicators};
use crate::error::AppResult;
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render};
use crate::stats::number;
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Datelike;
use innocity_core::access::Capability;
use innocity_core::indicators::targets::{Assessment, Framework, Status};
use innocity_core::periods::Period;
use innocity_reports::{Block, Cell};
use innocity_store::indicators::IndicatorValue;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
pub struct PeriodQuery {
    /// A quarter or half year (`2026Q3`, `2026S1`), begun by today; the last quarter ended by
    /// default.
    pub period: Option<String>,
    /// The org unit's id; the top of the caller's scope by default.
    pub unit: Option<String>,
}

/// The code a period's values are kept under: a quarter's own; a half's is its last quarter's
/// (both are 本年累计 on the same day, or the level on it).
pub fn kept_as(p: Period) -> Period {
    match p {
        Period::Half(y, h) => Period::Quarter(y, h * 2),
        other => other,
    }
}

/// The period of the same kind before it in its year, whose value a flow's 当期 subtracts.
fn earlier_in_year(p: Period) -> Option<Period> {
    match p {
        Period::Quarter(y, q) if q > 1 => Some(Period::Quarter(y, q - 1)),
        Period::Half(y, 2) => Some(Period::Half(y, 1)),
        _ => None,
    }
}

/// Whether a period's values can be there by `today`: the quarter it is kept under has begun.
fn begun(p: Period, today: chrono::NaiveDate) -> bool {
    kept_as(p).days().0 <= today
}

/// The quarters and halves of last year and this one begun by today (a half once its last
/// quarter has), the latest first.
pub fn offered(today: chrono::NaiveDate) -> Vec<Period> {
    let this = today.year();
    let mut all = Period::within_year(this - 1, 12);
    // The running quarter too: its values run to today.
    all.extend(Period::within_year(this, 12).into_iter().filter(|p| begun(*p, today)));
    all.reverse();
    all
}

/// The last quarter ended by `today` (the first of the year while none has).
fn last_quarter_ended(today: chrono::NaiveDate) -> Period {
    offered(today)
        .into_iter()
        .find(|p| matches!(p, Period::Quarter(..)) && p.days().1 < today)
        .unwrap_or(Period::Quarter(today.year(), 1))
}

/// The period asked for, else the last quarter ended; a code that is no quarter or half begun
/// by today is refused on the field.
fn period_of(ctx: &Ctx, q: &PeriodQuery) -> AppResult<Period> {
    let today = ctx.today();
    let Some(text) = q.period.as_deref().filter(|p| !p.trim().is_empty()) else {
        return Ok(last_quarter_ended(today));
    };
    match Period::parse(text) {
        Ok(p @ (Period::Quarter(..) | Period::Half(..))) if begun(p, today) => Ok(p),
        _ => {
            let m = tf(ctx.lang, "ind.period.err", &[text.to_string()]);
            Err(crate::subjects::api::invalid(ctx, vec![("period".into(), m)]))
        }
    }
}

/// An indicator in a period: its value at the end, the period alone, the plan, the judgement.
#[derive(Serialize, ToSchema, Clone)]
pub struct PeriodLine {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// `flow` (本年累计) or `stock` (the level at the period's end).
    pub accrual: &'static str,
    /// The value at the period's end: year to date for a flow.
    pub value: Option<f64>,
    /// A flow's value in the period alone (当期): the year to date less the period before.
    pub in_period: Option<f64>,
    /// The plan by the period's end.
    pub planned: f64,
    /// How much of the plan so far is met (1 = all).
    pub pace: Option<f64>,
    /// on_track, behind, at_risk or none.
    pub status: &'static str,
    /// Where the value comes from: stats (the quarterly quick report), register (the platform's
    /// records), import, aggregated.
    pub source: String,
}

pub(crate) fn value_at<'a>(
    values: &'a [IndicatorValue],
    code: &str,
    p: Period,
) -> Option<&'a IndicatorValue> {
    let kept = kept_as(p).to_string();
    values.iter().find(|v| v.indicator == code && v.period == kept)
}

/// Each indicator of the framework at the period as of `today`: pure, from the unit's stored
/// values. A running period's values run to today, so they are planned to this month's end.
pub fn lines(
    lang: Lang,
    f: &Framework,
    values: &[IndicatorValue],
    p: Period,
    today: chrono::NaiveDate,
) -> Vec<PeriodLine> {
    let planning =
        if p.days().1 > today { Period::Month(today.year(), today.month() as u8) } else { p };
    let round = |x: f64| (x * 1e6).round() / 1e6;
    f.targets
        .iter()
        .map(|tg| {
            let at = value_at(values, &tg.code, p);
            let assessment: Option<Assessment> =
                at.map(|v| tg.assess_at(planning, v.value, &f.thresholds));
            let before = earlier_in_year(p).map(|e| value_at(values, &tg.code, e).map(|v| v.value));
            let in_period = match (tg.flow(), at, before) {
                (true, Some(v), Some(Some(b))) => Some(round(v.value - b)),
                (true, Some(v), None) => Some(v.value),
                _ => None,
            };
            PeriodLine {
                code: tg.code.clone(),
                name: name(lang, &tg.name_zh, &tg.name_en),
                unit: tg.unit.clone(),
                accrual: if tg.flow() { "flow" } else { "stock" },
                value: at.map(|v| v.value),
                in_period,
                planned: tg.planned_at(planning),
                pace: assessment.as_ref().map(|a| a.pace),
                status: assessment.map_or("none", |a| a.status.code()),
                source: at.map(|v| v.source.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// How a period is named: 2026年第三季度, 2026年上半年.
pub fn period_name(lang: Lang, p: Period) -> String {
    match p {
        Period::Quarter(y, q) => {
            // 第三季度 in Chinese, Q3 in English.
            let zh = ["一", "二", "三", "四"].get(usize::from(q).wrapping_sub(1)).copied();
            let q = match lang {
                Lang::Zh => zh.map_or_else(|| q.to_string(), str::to_string),
                _ => q.to_string(),
            };
            tf(lang, "ind.period.quarter", &[y.to_string(), q])
        }
        Period::Half(y, 1) => tf(lang, "ind.period.h1", &[y.to_string()]),
        Period::Half(y, _) => tf(lang, "ind.period.h2", &[y.to_string()]),
        other => other.to_string(),
    }
}

/// A line as the page shows it.
struct LineView {
    line: PeriodLine,
    value: String,
    in_period: String,
    planned: String,
    pace: String,
    status_name: String,
    source_name: String,
}

fn view(lang: Lang, l: &PeriodLine) -> LineView {
    let shown = |v: Option<f64>| v.map_or_else(|| "—".to_string(), number);
    LineView {
        value: shown(l.value),
        in_period: shown(l.in_period),
        planned: number((l.planned * 100.0).round() / 100.0),
        pace: l.pace.map_or_else(|| "—".into(), |p| pace_text(lang, p)),
        status_name: t(lang, &format!("ind.status.{}", l.status)).into(),
        source_name: t(lang, &format!("ind.src.{}", l.source)).into(),
        line: l.clone(),
    }
}

/// How much of the plan is met, in words: `85%`; a stock fallen below its baseline is said so,
/// not given as a negative share of the way (−315 % reads as nonsense to an official).
pub fn pace_text(lang: Lang, pace: f64) -> String {
    if pace < 0.0 {
        t(lang, "ind.pace.below_baseline").to_string()
    } else {
        format!("{:.0}%", pace * 100.0)
    }
}

#[derive(Template)]
#[template(path = "indicators_periods.html")]
struct PeriodsPage {
    s: Shell,
    code: String,
    fname: String,
    unit_id: i64,
    unit_name: String,
    units: Vec<Choice>,
    period: String,
    period_name: String,
    periods: Vec<Choice>,
    as_of: String,
    rows: Vec<LineView>,
    /// The quarter's release, when it was released.
    released: Option<super::release::ReleaseNote>,
    /// The viewer may release this period now (an ended quarter, the bureau).
    may_release: bool,
    /// 报送情况 of the quarter's statistics in the unit's area, in a sentence.
    coverage: String,
    /// Some form is not yet reported by everyone who must.
    incomplete: bool,
}

impl PeriodsPage {
    /// A bar's width in %: the share of the plan met, at most all of it.
    fn width(&self, pace: &f64) -> String {
        format!("{:.0}", (pace * 100.0).clamp(0.0, 100.0))
    }
}

pub async fn page(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let p = period_of(ctx, &q)?;
    let (f, unit, values) =
        framework_values(&state, ctx, &a.principal, &code, q.unit.as_deref()).await?;
    let units = state.units_in_scope(&a.principal.scope).await?;
    let top = super::unit_in_scope(&state, ctx, &a.principal, None).await?.id;
    let rows = lines(lang, &f, &values, p, ctx.today()).iter().map(|l| view(lang, l)).collect();
    let coverage =
        super::coverage::of_period(&state.db, &f, &unit, &state.units().await?, p).await?;
    Ok(render(&PeriodsPage {
        s: ctx.shell(),
        code: f.code.clone(),
        fname: name(lang, &f.name_zh, &f.name_en),
        unit_id: unit.id,
        unit_name: name(lang, &unit.name_zh, &unit.name_en),
        units: units
            .iter()
            .map(|u| Choice::new(u.id, name(lang, &u.name_zh, &u.name_en), u.id == unit.id))
            .collect(),
        period: p.to_string(),
        period_name: period_name(lang, p),
        periods: offered(ctx.today())
            .into_iter()
            .map(|x| Choice::new(x, period_name(lang, x), x == p))
            .collect(),
        as_of: as_of(ctx, p),
        rows,
        released: super::release::note(&state, lang, &f.code, p).await?,
        // A release is of the whole (the top of the bureau's scope), so offered on its page.
        may_release: super::release::may_release(&f, p, ctx.today())
            && a.principal.authorize(Capability::ManageIndicators).is_ok()
            && q.unit.as_deref().is_none_or(|u| u.is_empty() || u == top.to_string()),
        incomplete: coverage.iter().any(|c| !c.complete()),
        coverage: super::coverage::summary(lang, &coverage),
    }))
}

/// The day the values stand on: the period's last, or today while it runs.
fn as_of(ctx: &Ctx, p: Period) -> String {
    p.days().1.min(ctx.today()).format("%Y年%m月%d日").to_string()
}

/// The monitoring of a period for an org unit.
#[derive(Serialize, ToSchema)]
pub struct ApiPeriod {
    pub framework: String,
    /// `2026Q3`, `2026S1`.
    pub period: String,
    pub unit_id: i64,
    pub lines: Vec<PeriodLine>,
    /// 报送情况: how completely the quarter's statistics are reported in the unit's area (the
    /// values read from them sum only the returns in).
    pub coverage: Vec<super::release::ApiCoverage>,
}

#[utoipa::path(get, path = "/api/v1/indicators/{code}/periods/{period}", params(("code" = String, Path), ("period" = String, Path, description = "2026Q3 or 2026S1, begun by today"), ("unit" = Option<i64>, Query)), responses((status = 200, body = ApiPeriod), (status = 400, body = crate::api::ApiError), (status = 403, body = crate::api::ApiError), (status = 404, body = crate::api::ApiError), (status = 422, body = crate::api::ApiError)))]
/// A framework's indicators at a quarter's or half's end for an org unit in the caller's scope:
/// the value (本年累计 for a flow), the period alone, the plan by then, the status and source.
pub async fn api_period(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Path((code, period)): Path<(String, String)>,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Json<ApiPeriod>> {
    let ctx = &a.ctx;
    let p = period_of(ctx, &PeriodQuery { period: Some(period), unit: None })?;
    let (f, unit, values) =
        framework_values(&state, ctx, &a.principal, &code, q.unit.as_deref()).await?;
    let coverage =
        super::coverage::of_period(&state.db, &f, &unit, &state.units().await?, p).await?;
    Ok(Json(ApiPeriod {
        framework: f.code.clone(),
        period: p.to_string(),
        unit_id: unit.id,
        lines: lines(ctx.lang, &f, &values, p, ctx.today()),
        coverage: coverage.iter().map(|c| super::release::api_coverage(ctx.lang, c)).collect(),
    }))
}

/// The monitoring and evaluation report of a period (seed 002's half-yearly report) as PDF:
/// what stands where, each indicator's value, plan and status, the progress against the plan.
pub async fn report(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let p = period_of(ctx, &q)?;
    let (f, unit, values) =
        framework_values(&state, ctx, &a.principal, &code, q.unit.as_deref()).await?;
    let uname = name(lang, &unit.name_zh, &unit.name_en);
    let lines = lines(lang, &f, &values, p, ctx.today());
    let title = tf(lang, "ind.period.report", &[uname.clone(), period_name(lang, p)]);
    let coverage =
        super::coverage::of_period(&state.db, &f, &unit, &state.units().await?, p).await?;
    let coverage = super::coverage::summary(lang, &coverage);
    let blocks = compose(lang, &f, &title, &as_of(ctx, p), &lines, &coverage);
    let pdf = render_report(ctx, blocks, title)?;
    let file = format!("{}_{}_{}.pdf", f.code, unit.code, p);
    Ok(crate::http::download(pdf, &file, "application/pdf"))
}

/// The report's blocks: pure, from the lines.
pub fn compose(
    lang: Lang,
    f: &Framework,
    title: &str,
    as_of: &str,
    lines: &[PeriodLine],
    coverage: &str,
) -> Vec<Block> {
    let count = |s: &str| lines.iter().filter(|l| l.status == s).count().to_string();
    let mut blocks = vec![
        Block::Title(title.to_string()),
        Block::Subtitle(tf(lang, "ind.period.as_of", &[as_of.to_string()])),
    ];
    if !coverage.is_empty() {
        blocks.push(Block::Paragraph(coverage.to_string()));
    }
    blocks.extend([
        Block::Heading(t(lang, "ind.period.h.summary").into()),
        Block::Paragraph(tf(
            lang,
            "ind.period.summary",
            &[
                lines.len().to_string(),
                count("on_track"),
                count("behind"),
                count("at_risk"),
                count("none"),
            ],
        )),
    ]);
    for l in lines.iter().filter(|l| matches!(l.status, "behind" | "at_risk")) {
        let value = l.value.map(number).unwrap_or_default();
        let pace = l.pace.map(|p| pace_text(lang, p)).unwrap_or_default();
        let args = [l.name.clone(), value, l.unit.clone(), number(l.planned), pace];
        blocks.push(Block::Paragraph(tf(lang, "ind.period.behind", &args)));
    }
    blocks.push(Block::Heading(t(lang, "ind.period.h.table").into()));
    blocks.push(table(lang, lines));
    blocks.push(Block::Heading(t(lang, "ind.period.h.progress").into()));
    let status = |l: &PeriodLine| match l.status {
        "on_track" => Status::OnTrack,
        "behind" => Status::Behind,
        _ => Status::AtRisk,
    };
    let bars = lines
        .iter()
        .filter_map(|l| {
            let pace = l.pace?;
            Some((l.name.clone(), pace.clamp(0.0, 1.0), pace_text(lang, pace), bar_rgb(status(l))))
        })
        .collect();
    blocks.push(Block::Bars { items: bars });
    blocks.push(Block::Paragraph(tf(
        lang,
        "ind.period.method",
        &[name(lang, &f.name_zh, &f.name_en), f.source.clone()],
    )));
    blocks
}

fn table(lang: Lang, lines: &[PeriodLine]) -> Block {
    let head = [
        "ind.period.col.indicator",
        "ind.period.col.value",
        "ind.period.col.in_period",
        "ind.period.col.planned",
        "ind.period.col.pace",
        "ind.status_col",
        "ind.period.col.source",
    ];
    let mut rows = vec![head.iter().map(|k| Cell::plain(t(lang, k))).collect::<Vec<_>>()];
    for l in lines {
        let v = view(lang, l);
        rows.push(vec![
            Cell::plain(format!("{}（{}）", l.name, l.unit)),
            Cell::plain(v.value),
            Cell::plain(v.in_period),
            Cell::plain(v.planned),
            Cell::plain(v.pace),
            Cell::plain(v.status_name),
            Cell::plain(v.source_name),
        ]);
    }
    Block::Table { widths: vec![0.3, 0.11, 0.1, 0.11, 0.1, 0.1, 0.18], rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_half_is_offered_once_its_last_quarter_has_begun_and_the_default_is_a_quarter() {
        let codes = |today: &str| -> Vec<String> {
            offered(d(today)).iter().take(4).map(|p| p.to_string()).collect()
        };
        assert_eq!(codes("2026-07-10"), ["2026Q3", "2026S1", "2026Q2", "2026Q1"]);
        assert_eq!(codes("2026-10-01"), ["2026S2", "2026Q4", "2026Q3", "2026S1"]);
        assert_eq!(last_quarter_ended(d("2026-07-10")), Period::Quarter(2026, 2));
        assert_eq!(last_quarter_ended(d("2026-02-01")), Period::Quarter(2025, 4));
        assert!(begun(Period::Half(2026, 1), d("2026-04-01")));
        assert!(!begun(Period::Half(2026, 1), d("2026-03-31")));
    }

    #[test]
    fn a_stock_below_its_baseline_is_said_so_not_given_a_negative_share() {
        assert_eq!(pace_text(Lang::Zh, 0.854), "85%");
        assert_eq!(pace_text(Lang::Zh, 0.0), "0%");
        assert_eq!(pace_text(Lang::Zh, -3.15), "低于基期水平");
        assert_eq!(pace_text(Lang::En, -0.01), "below the baseline");
    }
}
