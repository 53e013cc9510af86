//! An org unit's monitoring dashboard: a card per indicator against its planned path, the
//! warnings, the milestones; the public dashboard.
use super::reports::monitoring_xlsx;
use super::{DashQuery, NoticeQuery, assess_all, find, framework_values, name, notice_text, pct};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageIndicators, ViewIndicators};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render};
use crate::stats::number;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use innocity_core::access::Capability;
use innocity_core::indicators::targets::{Assessment, Framework, Status, Target, Trend};
use innocity_store::orgs::OrgUnit;

pub struct Card {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub year: String,
    pub actual: String,
    pub planned: String,
    pub target: String,
    pub target_year: i32,
    pub gap: String,
    pub achieved: String,
    pub status: &'static str,
    pub trend: String,
    pub required: String,
    pub closing: &'static str,
    pub source: String,
    pub chart: Chart,
}

/// An SVG line chart: the actual series, the planned path and the target.
pub struct Chart {
    pub actual: String,
    pub planned: String,
    pub target_x: f64,
    pub target_y: f64,
    pub points: Vec<ChartPoint>,
    pub y_top: String,
    pub y_bottom: String,
    pub first_year: i32,
    pub last_year: i32,
}

/// A dot of the actual series: where, and its year and value.
pub struct ChartPoint {
    pub x: f64,
    pub y: f64,
    pub title: String,
}

const W: f64 = 300.0;

const H: f64 = 110.0;

fn chart(t: &Target, series: &[(i32, f64)]) -> Chart {
    let first = series.first().map(|p| p.0).unwrap_or(t.baseline_year).min(t.baseline_year);
    let last = series.last().map(|p| p.0).unwrap_or(t.target_year).max(t.target_year);
    let path: Vec<(i32, f64)> = (first..=last).map(|y| (y, t.planned(y))).collect();
    let all: Vec<f64> = series.iter().map(|p| p.1).chain(path.iter().map(|p| p.1)).collect();
    let (lo, hi) =
        all.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let (lo, hi) =
        if hi > lo { (lo - (hi - lo) * 0.08, hi + (hi - lo) * 0.08) } else { (lo - 1.0, hi + 1.0) };
    let x = |y: i32| 10.0 + (y - first) as f64 / ((last - first).max(1) as f64) * (W - 20.0);
    let yv = |v: f64| H - 10.0 - (v - lo) / (hi - lo) * (H - 20.0);
    let line = |pts: &[(i32, f64)]| {
        pts.iter().map(|(a, b)| format!("{:.1},{:.1}", x(*a), yv(*b))).collect::<Vec<_>>().join(" ")
    };
    Chart {
        actual: line(series),
        planned: line(&path),
        target_x: x(t.target_year),
        target_y: yv(t.target),
        points: series
            .iter()
            .map(|(a, b)| ChartPoint { x: x(*a), y: yv(*b), title: format!("{a}: {}", number(*b)) })
            .collect(),
        y_top: number(hi),
        y_bottom: number(lo),
        first_year: first,
        last_year: last,
    }
}

#[derive(Template)]
#[template(path = "indicators_dashboard.html")]
struct Dashboard {
    s: Shell,
    framework: Framework,
    fname: String,
    unit_id: i64,
    unit_name: String,
    units: Vec<Choice>,
    cards: Vec<Card>,
    warnings: Vec<Warning>,
    milestones: Vec<MilestoneRow>,
    years: Vec<i32>,
    manager: bool,
    notice: String,
    /// The public view: no unit choice, no downloads.
    public: bool,
}

/// An indicator off track: its name, status code and what is wrong.
struct Warning {
    indicator: String,
    status: &'static str,
    text: String,
}

/// An indicator's planned values, year by year.
struct MilestoneRow {
    indicator: String,
    planned: Vec<String>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Path(code): Path<String>,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let (f, unit, values) =
        framework_values(&state, ctx, &a.principal, &code, q.unit.as_deref()).await?;
    let unit_name = if unit.parent_id.is_none() {
        format!("{}（{}）", name(lang, &unit.name_zh, &unit.name_en), t(lang, "ind.whole_zone"))
    } else {
        name(lang, &unit.name_zh, &unit.name_en)
    };
    if q.format.as_deref() == Some("xlsx") {
        let built = monitoring_xlsx(lang, &f, &unit_name, &values);
        return crate::http::xlsx_download(
            built,
            &format!("{}_{}_monitoring.xlsx", f.code, unit.code),
        );
    }
    let scope_units = state.units_in_scope(&a.principal.scope).await?;
    let units = scope_units
        .iter()
        .filter(|u| matches!(u.level.as_str(), "province" | "city" | "zone"))
        .map(|u| Choice::new(u.id, name(lang, &u.name_zh, &u.name_en), u.id == unit.id))
        .collect();
    let notice = notice_text(lang, &NoticeQuery { notice: q.notice.clone(), n: q.n });
    let manager = a.principal.role.allows(Capability::ManageIndicators);
    Ok(render(&dashboard_page(DashboardInput {
        s: ctx.shell(),
        lang,
        f,
        unit: &unit,
        unit_name,
        units,
        values: &values,
        manager,
        notice,
        public: false,
    })))
}

/// What a unit's dashboard is built from.
struct DashboardInput<'a> {
    s: Shell,
    lang: Lang,
    f: Framework,
    unit: &'a OrgUnit,
    unit_name: String,
    /// The units the viewer may choose from (none on the public dashboard).
    units: Vec<Choice>,
    values: &'a [innocity_store::indicators::IndicatorValue],
    manager: bool,
    notice: String,
    public: bool,
}

/// The dashboard of one unit: a card per indicator, the warnings, the milestones.
fn dashboard_page(d: DashboardInput<'_>) -> Dashboard {
    let lang = d.lang;
    let mut cards = Vec::new();
    let mut warnings = Vec::new();
    for x in assess_all(&d.f, d.values) {
        let (card, warning) = indicator_card(lang, &x, d.values);
        cards.push(card);
        warnings.extend(warning);
    }
    let years: Vec<i32> =
        d.f.targets
            .first()
            .map(|t| (t.baseline_year..=t.target_year).collect())
            .unwrap_or_default();
    let milestones =
        d.f.targets
            .iter()
            .map(|tg| MilestoneRow {
                indicator: name(lang, &tg.name_zh, &tg.name_en),
                planned: years.iter().map(|y| number(tg.planned(*y))).collect(),
            })
            .collect();
    Dashboard {
        s: d.s,
        fname: name(lang, &d.f.name_zh, &d.f.name_en),
        framework: d.f,
        unit_id: d.unit.id,
        unit_name: d.unit_name,
        units: d.units,
        cards,
        warnings,
        milestones,
        years,
        manager: d.manager,
        notice: d.notice,
        public: d.public,
    }
}

/// An indicator's card, and the warning when it is off track.
fn indicator_card(
    lang: Lang,
    x: &super::Assessed<'_>,
    values: &[innocity_store::indicators::IndicatorValue],
) -> (Card, Option<Warning>) {
    let tg = x.target;
    let series: Vec<(i32, f64)> = values
        .iter()
        .filter(|v| v.indicator == tg.code)
        .filter_map(|v| v.period.parse::<i32>().ok().map(|y| (y, v.value)))
        .collect();
    // The source of the latest year's value (a quarter's, kept beside it, is not the year's).
    let source = values
        .iter()
        .rev()
        .find(|v| v.indicator == tg.code && v.period.parse::<i32>().is_ok())
        .map(|v| v.source.clone())
        .unwrap_or_default();
    let tname = name(lang, &tg.name_zh, &tg.name_en);
    let Some((year, actual, asmt, tr)) = x.latest else {
        let card = Card {
            code: tg.code.clone(),
            name: tname,
            unit: tg.unit.clone(),
            year: "—".into(),
            actual: "—".into(),
            planned: "—".into(),
            target: number(tg.target),
            target_year: tg.target_year,
            gap: "—".into(),
            achieved: "—".into(),
            status: "none",
            trend: "—".into(),
            required: "—".into(),
            closing: "unknown",
            source,
            chart: chart(tg, &[]),
        };
        return (card, None);
    };
    let warning = warning(lang, &tname, actual, &asmt, &tr);
    let card = Card {
        code: tg.code.clone(),
        name: tname,
        unit: tg.unit.clone(),
        year: year.to_string(),
        actual: number(actual),
        planned: number(asmt.planned),
        target: number(tg.target),
        target_year: tg.target_year,
        gap: number(asmt.gap),
        achieved: format!("{:.0}%", asmt.achieved * 100.0),
        status: asmt.status.code(),
        trend: pct(tr.regression.or(tr.cagr)),
        required: pct(tr.required),
        closing: match tr.closing {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        },
        source,
        chart: chart(tg, &series),
    };
    (card, warning)
}

/// The warning on an indicator off track: where it is, where it should be, and whether the gap
/// is closing.
fn warning(lang: Lang, tname: &str, actual: f64, asmt: &Assessment, tr: &Trend) -> Option<Warning> {
    (asmt.status != Status::OnTrack).then(|| Warning {
        indicator: tname.to_string(),
        status: asmt.status.code(),
        text: tf(
            lang,
            "ind.warning_text",
            &[
                number(actual),
                number(asmt.planned),
                super::periods::pace_text(lang, asmt.pace),
                if tr.closing == Some(true) {
                    t(lang, "ind.closing").into()
                } else {
                    t(lang, "ind.not_closing").into()
                },
            ],
        ),
    })
}

#[derive(serde::Deserialize)]
struct PublicForm {
    #[serde(default)]
    public: String,
}

/// Switches a framework's public dashboard on or off.
pub async fn set_public(
    State(state): State<AppState>,
    a: Auth<ManageIndicators>,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let form: PublicForm = crate::auth::parse_form(ctx, &body)?;
    let f = find(&state, ctx, &code).await?;
    innocity_store::indicators::set_public(&state.db, &f.code, form.public == "1", ctx.actor())
        .await?;
    state.public_frameworks_changed();
    Ok(axum::response::Redirect::to("/indicators").into_response())
}

/// A framework's dashboard for everyone, when switched on: the pilot zone as a whole.
pub async fn public_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let public = state.public_frameworks().await?;
    if !public.contains(&code) {
        return Err(ctx.err(AppError::not_found()));
    }
    let f = find(&state, &ctx, &code).await?;
    let units = state.units().await?;
    let unit =
        units.iter().find(|u| u.parent_id.is_none()).cloned().ok_or_else(AppError::not_found)?;
    let codes: Vec<String> = f.targets.iter().map(|t| t.code.clone()).collect();
    let values = innocity_store::indicators::for_unit(&state.db, unit.id, &codes).await?;
    let unit_name =
        format!("{}（{}）", name(lang, &unit.name_zh, &unit.name_en), t(lang, "ind.whole_zone"));
    Ok(render(&dashboard_page(DashboardInput {
        s: ctx.shell(),
        lang,
        f,
        unit: &unit,
        unit_name,
        units: vec![],
        values: &values,
        manager: false,
        notice: String::new(),
        public: true,
    })))
}
