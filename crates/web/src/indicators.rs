//! Monitoring pages: each framework's indicators for an org unit against their planned paths
//! (charts, status, trend, warnings, yearly milestones), and the zones compared with a
//! composite index of the framework and its rank intervals.
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageIndicators, ViewIndicators};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render};
use crate::stats::number;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use innocity_core::access::{Capability, Principal, Target as ScopeTarget};
use innocity_core::index::{self, sensitivity};
use innocity_core::indicators::targets::{self, Framework, Status, Target};
use innocity_core::stats::long::PlaceError;
use innocity_store::orgs::OrgUnit;

fn name(lang: Lang, zh: &str, en: &str) -> String {
    lang.pick(zh, en).to_string()
}

/// A framework in force (built-in or imported), or 404.
async fn find(state: &AppState, ctx: &Ctx, code: &str) -> AppResult<Framework> {
    innocity_store::indicators::frameworks(&state.db)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .find(|f| f.code == code)
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

/// The unit asked for if the principal reaches it; else the top of their scope.
async fn unit_in_scope(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    unit: Option<&str>,
) -> AppResult<OrgUnit> {
    let units = state.units_in_scope(&p.scope).await.map_err(|e| ctx.err(e.into()))?;
    match unit.filter(|u| !u.is_empty()) {
        Some(u) => {
            let id: i64 = u.parse().map_err(|_| {
                ctx.err(AppError::new(StatusCode::BAD_REQUEST, "invalid", "err.unit.unknown"))
            })?;
            let all = state.units().await.map_err(|e| ctx.err(e.into()))?;
            let found = all
                .iter()
                .find(|x| x.id == id)
                .cloned()
                .ok_or_else(|| ctx.err(AppError::not_found()))?;
            p.authorize_on(
                Capability::ViewIndicators,
                ScopeTarget { unit_path: &found.path, organisation_id: None },
            )
            .map_err(|_| ctx.err(AppError::forbidden()))?;
            Ok(found)
        }
        None => units.first().cloned().ok_or_else(|| ctx.err(AppError::forbidden())),
    }
}

#[derive(Template)]
#[template(path = "indicators_list.html")]
struct ListPage {
    s: Shell,
    /// code, name, source, indicators, public
    frameworks: Vec<(String, String, String, usize, bool)>,
    manager: bool,
    notice: String,
    /// A framework definition being imported, and what is wrong with it.
    body: String,
    errors: Vec<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    n: Option<usize>,
}

/// A notice after an import or a refresh: how many values were written.
fn notice_text(lang: Lang, q: &NoticeQuery) -> String {
    match q.notice.as_deref() {
        Some("imported") => tf(lang, "ind.imported", &[q.n.unwrap_or(0).to_string()]),
        Some("refreshed") => tf(lang, "ind.refreshed", &[q.n.unwrap_or(0).to_string()]),
        Some("framework") => t(lang, "ind.framework_imported").into(),
        _ => String::new(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let lang = a.ctx.lang;
    let public = state.public_frameworks().await.map_err(|e| a.ctx.err(e.into()))?;
    let all =
        innocity_store::indicators::frameworks(&state.db).await.map_err(|e| a.ctx.err(e.into()))?;
    let frameworks = all
        .iter()
        .map(|f| {
            (
                f.code.clone(),
                name(lang, &f.name_zh, &f.name_en),
                f.source.clone(),
                f.targets.len(),
                public.contains(&f.code),
            )
        })
        .collect();
    Ok(render(&ListPage {
        s: a.ctx.shell(),
        frameworks,
        manager: a.principal.role.allows(Capability::ManageIndicators),
        notice: notice_text(lang, &q),
        body: String::new(),
        errors: vec![],
    }))
}

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
    pub points: Vec<(f64, f64, String)>,
    pub y_top: String,
    pub y_bottom: String,
    pub first_year: i32,
    pub last_year: i32,
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
            .map(|(a, b)| (x(*a), yv(*b), format!("{a}: {}", number(*b))))
            .collect(),
        y_top: number(hi),
        y_bottom: number(lo),
        first_year: first,
        last_year: last,
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|g| format!("{:+.1}%", g * 100.0)).unwrap_or_else(|| "—".into())
}

#[derive(Template)]
#[template(path = "indicators_dashboard.html")]
struct Dashboard {
    s: Shell,
    framework: Framework,
    fname: String,
    unit_id: i64,
    unit_name: String,
    units: Vec<(i64, String, bool)>,
    cards: Vec<Card>,
    warnings: Vec<(String, &'static str, String)>,
    milestones: Vec<(String, Vec<String>)>,
    years: Vec<i32>,
    manager: bool,
    notice: String,
    /// The public view: no unit choice, no downloads.
    public: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct DashQuery {
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    n: Option<usize>,
    #[serde(default)]
    format: Option<String>,
}

/// A framework, the org unit asked for (in scope) and its stored values of the framework's
/// indicators.
async fn framework_values(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    code: &str,
    unit: Option<&str>,
) -> AppResult<(Framework, OrgUnit, Vec<innocity_store::indicators::IndicatorValue>)> {
    let f = find(state, ctx, code).await?;
    let unit = unit_in_scope(state, ctx, p, unit).await?;
    let codes: Vec<String> = f.targets.iter().map(|t| t.code.clone()).collect();
    let values = innocity_store::indicators::for_unit(&state.db, unit.id, &codes)
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok((f, unit, values))
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
        let bytes = monitoring_xlsx(lang, &f, &unit_name, &values).map_err(|e| {
            tracing::error!(error = %e, "xlsx export");
            ctx.err(AppError::internal(&ctx.request_id))
        })?;
        return Ok(crate::http::download(
            bytes,
            &format!("{}_{}_monitoring.xlsx", f.code, unit.code),
            crate::http::XLSX,
        ));
    }
    let scope_units =
        state.units_in_scope(&a.principal.scope).await.map_err(|e| ctx.err(e.into()))?;
    let units = scope_units
        .iter()
        .filter(|u| matches!(u.level.as_str(), "province" | "city" | "zone"))
        .map(|u| (u.id, name(lang, &u.name_zh, &u.name_en), u.id == unit.id))
        .collect();
    let notice = notice_text(lang, &NoticeQuery { notice: q.notice.clone(), n: q.n });
    let manager = a.principal.role.allows(Capability::ManageIndicators);
    Ok(render(&dashboard_page(
        ctx.shell(),
        lang,
        f,
        &unit,
        unit_name,
        units,
        &values,
        manager,
        notice,
        false,
    )))
}

/// The dashboard of one unit: a card per indicator, the warnings, the milestones.
#[allow(clippy::too_many_arguments)]
fn dashboard_page(
    s: Shell,
    lang: Lang,
    f: Framework,
    unit: &OrgUnit,
    unit_name: String,
    units: Vec<(i64, String, bool)>,
    values: &[innocity_store::indicators::IndicatorValue],
    manager: bool,
    notice: String,
    public: bool,
) -> Dashboard {
    let mut cards = Vec::new();
    let mut warnings = Vec::new();
    for x in assess_all(&f, values) {
        let tg = x.target;
        let series: Vec<(i32, f64)> = values
            .iter()
            .filter(|v| v.indicator == tg.code)
            .filter_map(|v| v.period.parse::<i32>().ok().map(|y| (y, v.value)))
            .collect();
        let source = values
            .iter()
            .rev()
            .find(|v| v.indicator == tg.code)
            .map(|v| v.source.clone())
            .unwrap_or_default();
        let tname = name(lang, &tg.name_zh, &tg.name_en);
        let Some((year, actual, asmt, tr)) = x.latest else {
            cards.push(Card {
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
            });
            continue;
        };
        if asmt.status != Status::OnTrack {
            warnings.push((
                tname.clone(),
                asmt.status.code(),
                tf(
                    lang,
                    "ind.warning_text",
                    &[
                        number(actual),
                        number(asmt.planned),
                        format!("{:.0}%", asmt.pace * 100.0),
                        if tr.closing == Some(true) {
                            t(lang, "ind.closing").into()
                        } else {
                            t(lang, "ind.not_closing").into()
                        },
                    ],
                ),
            ));
        }
        cards.push(Card {
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
        });
    }
    let years: Vec<i32> =
        f.targets.first().map(|t| (t.baseline_year..=t.target_year).collect()).unwrap_or_default();
    let milestones = f
        .targets
        .iter()
        .map(|tg| {
            (
                name(lang, &tg.name_zh, &tg.name_en),
                years.iter().map(|y| number(tg.planned(*y))).collect(),
            )
        })
        .collect();
    Dashboard {
        s,
        fname: name(lang, &f.name_zh, &f.name_en),
        framework: f,
        unit_id: unit.id,
        unit_name,
        units,
        cards,
        warnings,
        milestones,
        years,
        manager,
        notice,
        public,
    }
}

/// Where a zone sits on the map-like grid (column, row), by its position in the pilot zone: 兰州新区
/// to the north, the three Lanzhou zones along the river, 白银 to the north-east.
fn grid_place(code: &str, i: usize) -> (u32, u32) {
    match code {
        "LZXQ" => (1, 0),
        "LZJJ" => (0, 1),
        "LZGX" => (1, 1),
        "BYGX" => (2, 0),
        _ => ((i % 3) as u32, 2 + (i / 3) as u32),
    }
}

pub struct GridTile {
    pub x: u32,
    pub y: u32,
    pub name: String,
    pub score: String,
    pub shade: &'static str,
    pub unit_id: i64,
}

pub struct CompareRow {
    pub rank: String,
    pub unit: String,
    pub unit_id: i64,
    pub score: String,
    pub width: f64,
    pub interval: String,
    pub values: Vec<(String, &'static str)>,
    pub targets: Vec<String>,
}

#[derive(Template)]
#[template(path = "indicators_compare.html")]
struct ComparePage {
    s: Shell,
    framework: Framework,
    fname: String,
    year: i32,
    years: Vec<i32>,
    headers: Vec<String>,
    rows: Vec<CompareRow>,
    sobol: Vec<(String, String, String)>,
    grid: Vec<GridTile>,
    grid_height: u32,
}

/// The zones in scope compared in one year: each indicator against the zone's own path, and a
/// composite (min–max 0–100 with each indicator's direction, weighted arithmetic mean: the
/// index engine of `innocity index build`), with rank intervals from the sensitivity analysis.
pub async fn compare(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Path(code): Path<String>,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let f = find(&state, ctx, &code).await?;
    let zones: Vec<OrgUnit> = state
        .units_in_scope(&a.principal.scope)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .filter(|u| u.level == "zone")
        .collect();
    let codes: Vec<String> = f.targets.iter().map(|t| t.code.clone()).collect();
    let ids: Vec<i64> = zones.iter().map(|z| z.id).collect();
    let first = f.targets.iter().map(|t| t.baseline_year).min().unwrap_or(2014);
    let years: Vec<i32> = (first..=2024).collect();
    let year = q.year.filter(|y| years.contains(y)).unwrap_or(*years.last().unwrap_or(&2024));
    let now = innocity_store::indicators::for_period(&state.db, &ids, &codes, &year.to_string())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let base = innocity_store::indicators::for_period(&state.db, &ids, &codes, &first.to_string())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let get = |vals: &[innocity_store::indicators::IndicatorValue], z: i64, c: &str| {
        vals.iter().find(|v| v.org_unit_id == z && v.indicator == c).map(|v| v.value)
    };
    // The composite, through the index engine: iMeta from the framework, iData from the values.
    let meta = f.imeta();
    let mut data = format!("uCode,{}\n", codes.join(","));
    for z in &zones {
        let cells: Vec<String> = codes
            .iter()
            .map(|c| get(&now, z.id, c).map(|v| v.to_string()).unwrap_or_default())
            .collect();
        data.push_str(&format!("Z{},{}\n", z.id, cells.join(",")));
    }
    let pipeline = "[normalise]\nmethod = \"minmax\"\nlower = 1.0\nupper = 100.0\n\n[aggregate]\nmethod = \"amean\"\n";
    let mut scores: Vec<(i64, Option<f64>)> = zones.iter().map(|z| (z.id, None)).collect();
    let mut intervals = std::collections::HashMap::new();
    let mut sobol = Vec::new();
    if zones.len() >= 2
        && let (Ok(m), Ok(p)) =
            (index::read_meta("framework", &meta), index::read_pipeline("pipeline", pipeline))
        && let Ok(d) = index::read_data("values", &data, &m)
        && let Ok(b) = index::build(&m, &d, &p, "values")
        && let Some((_, ds)) = b.datasets.last()
    {
        let top = ds.columns.iter().position(|c| c == "Index");
        for (pos, &r) in ds.rows.iter().enumerate() {
            let zid: i64 = d.codes[r].trim_start_matches('Z').parse().unwrap_or(0);
            if let Some(s) = scores.iter_mut().find(|s| s.0 == zid) {
                s.1 = top.and_then(|t| ds.values[t][pos]);
            }
        }
        let assumptions = vec![
            sensitivity::Assumption::Weights { noise: 0.25 },
            sensitivity::Assumption::Normalisation(vec![
                index::Normalise::MinMax { lower: 1.0, upper: 100.0 },
                index::Normalise::Rank,
            ]),
            sensitivity::Assumption::Aggregation(vec![
                index::Mean::Arithmetic,
                index::Mean::Geometric,
            ]),
        ];
        if let Ok(sa) = sensitivity::analyse(&m, &d, &p, &assumptions, 200, 2026) {
            for u in &sa.units {
                intervals.insert(u.code.clone(), format!("{:.0}–{:.0}", u.q05, u.q95));
            }
            sobol = sa
                .indices
                .iter()
                .map(|(n, f1, tt)| {
                    (
                        t(lang, &format!("ind.assumption.{n}")).to_string(),
                        format!("{f1:.2}"),
                        format!("{tt:.2}"),
                    )
                })
                .collect();
        }
    }
    scores.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    // 目标分解: each indicator's target broken down between the zones from their baselines
    // (a total by shares, a ratio by the same relative improvement).
    let breakdown: Vec<(String, Vec<(String, f64)>)> = f
        .targets
        .iter()
        .map(|tg| {
            let baselines: Vec<(String, f64)> = zones
                .iter()
                .filter_map(|z| get(&base, z.id, &tg.code).map(|b| (z.id.to_string(), b)))
                .collect();
            (tg.code.clone(), tg.by_unit(&baselines))
        })
        .collect();
    let zone_target = |tg: &Target, zid: i64| {
        breakdown
            .iter()
            .find(|b| b.0 == tg.code)
            .and_then(|b| b.1.iter().find(|x| x.0 == zid.to_string()).map(|x| x.1))
    };
    let max = scores.iter().filter_map(|s| s.1).fold(0.0, f64::max);
    let rows = scores
        .iter()
        .enumerate()
        .filter_map(|(i, (zid, score))| {
            let z = zones.iter().find(|z| z.id == *zid)?;
            Some(CompareRow {
                rank: score.map(|_| (i + 1).to_string()).unwrap_or_else(|| "—".into()),
                unit: name(lang, &z.name_zh, &z.name_en),
                unit_id: z.id,
                score: score.map(|s| format!("{s:.1}")).unwrap_or_else(|| "—".into()),
                width: score.map(|s| if max > 0.0 { s / max * 220.0 } else { 0.0 }).unwrap_or(0.0),
                interval: intervals.get(&format!("Z{zid}")).cloned().unwrap_or_else(|| "—".into()),
                values: f
                    .targets
                    .iter()
                    .map(|tg| match get(&now, *zid, &tg.code) {
                        Some(v) => {
                            // Each zone against its own path: from its own baseline to its share
                            // of the target.
                            let b = get(&base, *zid, &tg.code).unwrap_or(tg.baseline);
                            let mut mine = tg.clone();
                            mine.baseline = b;
                            mine.target = zone_target(tg, *zid).unwrap_or(tg.target);
                            (number(v), mine.assess(year, v, &f.thresholds).status.code())
                        }
                        None => ("—".into(), "none"),
                    })
                    .collect(),
                targets: f
                    .targets
                    .iter()
                    .map(|tg| zone_target(tg, *zid).map(number).unwrap_or_else(|| "—".into()))
                    .collect(),
            })
        })
        .collect();
    let headers = f.targets.iter().map(|tg| name(lang, &tg.name_zh, &tg.name_en)).collect();
    // The map-like grid: each zone a tile where it lies, shaded by its score (five steps).
    let grid: Vec<GridTile> = zones
        .iter()
        .enumerate()
        .map(|(i, z)| {
            let (x, y) = grid_place(&z.code, i);
            let score = scores.iter().find(|s| s.0 == z.id).and_then(|s| s.1);
            let shade = match score.map(|v| if max > 0.0 { v / max } else { 0.0 }) {
                Some(r) if r >= 0.9 => "g5",
                Some(r) if r >= 0.75 => "g4",
                Some(r) if r >= 0.6 => "g3",
                Some(r) if r >= 0.45 => "g2",
                Some(_) => "g1",
                None => "g0",
            };
            GridTile {
                x: 10 + x * 170,
                y: 10 + y * 90,
                name: name(lang, &z.name_zh, &z.name_en),
                score: score.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into()),
                shade,
                unit_id: z.id,
            }
        })
        .collect();
    let grid_height = grid.iter().map(|g| g.y + 90).max().unwrap_or(0);
    Ok(render(&ComparePage {
        s: ctx.shell(),
        fname: name(lang, &f.name_zh, &f.name_en),
        framework: f,
        year,
        years,
        headers,
        rows,
        sobol,
        grid,
        grid_height,
    }))
}

// ---------- imports ----------

/// Yearbook values (CSV, or the first sheet of an XLSX: unit code, period, indicator, value)
/// for the indicators of every framework: all of the file or nothing, every problem named by
/// its row and column.
pub async fn import(
    State(state): State<AppState>,
    a: Auth<ManageIndicators>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    let lower = name.to_lowercase();
    if !lower.ends_with(".csv") && !lower.ends_with(".xlsx") {
        return Err(ctx.err(
            AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "file_type", "err.file.type")
                .args(vec![name]),
        ));
    }
    let read = crate::blocking::run(move || {
        if lower.ends_with(".csv") { yearbook_csv(&bytes) } else { yearbook_xlsx(&bytes) }
    })
    .await;
    let (rows, sheet) = match read {
        Some(Ok(read)) => read,
        Some(Err(places)) => return Err(crate::stats::file_errors(ctx, &name, &places)),
        None => return Err(ctx.err(AppError::internal(""))),
    };
    let frameworks =
        innocity_store::indicators::frameworks(&state.db).await.map_err(|e| ctx.err(e.into()))?;
    let indicators: Vec<String> =
        frameworks.iter().flat_map(|f| f.targets.iter().map(|t| t.code.clone())).collect();
    let units = state.units().await.map_err(|e| ctx.err(e.into()))?;
    let codes: Vec<String> = units.iter().map(|u| u.code.clone()).collect();
    let read = targets::read_yearbook(&rows, &sheet, &indicators, &codes)
        .map_err(|e| crate::stats::file_errors(ctx, &name, &e))?;
    let values: Vec<innocity_store::indicators::IndicatorValue> = read
        .into_iter()
        .filter_map(|r| {
            units.iter().find(|u| u.code == r.unit).map(|u| {
                innocity_store::indicators::IndicatorValue {
                    indicator: r.indicator,
                    org_unit_id: u.id,
                    period: r.period,
                    value: r.value,
                    source: "import".into(),
                }
            })
        })
        .collect();
    let n = innocity_store::indicators::import(&state.db, &values, ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let to = format!("/indicators?notice=imported&n={n}");
    if ctx.htmx {
        return Ok(([("hx-redirect", to)], StatusCode::NO_CONTENT).into_response());
    }
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// A yearbook CSV's rows as texts; every record that cannot be read is named by its line.
fn yearbook_csv(bytes: &[u8]) -> Result<(Vec<Vec<String>>, String), Vec<PlaceError>> {
    let rows =
        innocity_core::stats::long::csv_rows(bytes, innocity_core::stats::long::UPLOAD_RECORDS)?;
    Ok((rows, String::new()))
}

/// The first sheet of a yearbook XLSX, within the upload limits.
fn yearbook_xlsx(bytes: &[u8]) -> Result<(Vec<Vec<String>>, String), Vec<PlaceError>> {
    let sheet = crate::sheet::read(bytes, crate::sheet::Which::First, crate::sheet::Limits::UPLOAD)
        .map_err(crate::stats::files::sheet_errors)?;
    let rows = sheet
        .dense_within(crate::sheet::Limits::UPLOAD)
        .map_err(crate::stats::files::sheet_errors)?;
    Ok((rows, sheet.name.clone()))
}

#[derive(serde::Deserialize)]
struct RefreshForm {
    #[serde(default)]
    _csrf: String,
}

/// Recomputes a framework's statistics-based indicators from the returns of its last years.
pub async fn refresh(
    State(state): State<AppState>,
    a: Auth<ManageIndicators>,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let _: RefreshForm = crate::auth::parse_form(ctx, &body)?;
    let f = find(&state, ctx, &code).await?;
    let last = (crate::stats::today().format("%Y").to_string().parse::<i32>().unwrap_or(2026)) - 1;
    let periods: Vec<String> = (last - 4..=last).map(|y| y.to_string()).collect();
    let mut n = innocity_store::indicators::from_statistics(&state.db, &f, &periods, ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    n += innocity_store::indicators::aggregate(&state.db, &f, ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(axum::response::Redirect::to(&format!("/indicators/{}?notice=refreshed&n={n}", f.code))
        .into_response())
}

/// The monitoring tables as a workbook: the assessment of the latest year, the values of every
/// year beside the planned path, and the yearly milestones — numbers as numbers.
fn monitoring_xlsx(
    lang: Lang,
    f: &Framework,
    unit: &str,
    values: &[innocity_store::indicators::IndicatorValue],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("DCE6F1");
    let pct = Format::new().set_num_format("0.0%");
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, "ind.sheet.assessment"))?;
    ws.write_string(0, 0, format!("{} · {unit}", name(lang, &f.name_zh, &f.name_en)))?;
    let cols = [
        "ind.indicator",
        "xlsx.unit",
        "ind.year",
        "ind.actual",
        "ind.planned",
        "ind.target",
        "ind.gap",
        "ind.achieved",
        "ind.status_col",
        "ind.trend",
        "ind.required",
    ];
    for (c, k) in cols.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, t(lang, k), &head)?;
    }
    for (row, tg) in (3..).zip(&f.targets) {
        let series: Vec<(i32, f64)> = values
            .iter()
            .filter(|v| v.indicator == tg.code)
            .filter_map(|v| v.period.parse::<i32>().ok().map(|y| (y, v.value)))
            .collect();
        ws.write_string(row, 0, name(lang, &tg.name_zh, &tg.name_en))?;
        ws.write_string(row, 1, &tg.unit)?;
        ws.write_number(row, 5, tg.target)?;
        if let Some(&(year, actual)) = series.last() {
            let a = tg.assess(year, actual, &f.thresholds);
            let tr = targets::trend(tg, &series, 5);
            ws.write_number(row, 2, year as f64)?;
            ws.write_number(row, 3, actual)?;
            ws.write_number(row, 4, a.planned)?;
            ws.write_number(row, 6, a.gap)?;
            ws.write_number_with_format(row, 7, a.achieved, &pct)?;
            ws.write_string(row, 8, t(lang, &format!("ind.status.{}", a.status.code())))?;
            if let Some(g) = tr.regression.or(tr.cagr) {
                ws.write_number_with_format(row, 9, g, &pct)?;
            }
            if let Some(g) = tr.required {
                ws.write_number_with_format(row, 10, g, &pct)?;
            }
        }
    }
    ws.set_column_width(0, 36)?;
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, "ind.sheet.values"))?;
    let years: Vec<i32> = {
        let mut y: Vec<i32> = values.iter().filter_map(|v| v.period.parse().ok()).collect();
        y.sort_unstable();
        y.dedup();
        y
    };
    ws.write_string_with_format(0, 0, t(lang, "ind.indicator"), &head)?;
    ws.write_string_with_format(0, 1, t(lang, "ind.series"), &head)?;
    for (c, y) in years.iter().enumerate() {
        ws.write_number_with_format(0, 2 + c as u16, *y as f64, &head)?;
    }
    let mut row = 1;
    for tg in &f.targets {
        ws.write_string(row, 0, name(lang, &tg.name_zh, &tg.name_en))?;
        ws.write_string(row, 1, t(lang, "ind.actual"))?;
        ws.write_string(row + 1, 1, t(lang, "ind.planned"))?;
        for (c, y) in years.iter().enumerate() {
            if let Some(v) =
                values.iter().find(|v| v.indicator == tg.code && v.period == y.to_string())
            {
                ws.write_number(row, 2 + c as u16, v.value)?;
            }
            ws.write_number(row + 1, 2 + c as u16, tg.planned(*y))?;
        }
        row += 2;
    }
    ws.set_column_width(0, 36)?;
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, "ind.milestones"))?;
    let span: Vec<i32> =
        f.targets.first().map(|t| (t.baseline_year..=t.target_year).collect()).unwrap_or_default();
    ws.write_string_with_format(0, 0, t(lang, "ind.indicator"), &head)?;
    for (c, y) in span.iter().enumerate() {
        ws.write_number_with_format(0, 1 + c as u16, *y as f64, &head)?;
    }
    for (r, tg) in f.targets.iter().enumerate() {
        ws.write_string(1 + r as u32, 0, name(lang, &tg.name_zh, &tg.name_en))?;
        for (c, y) in span.iter().enumerate() {
            ws.write_number(1 + r as u32, 1 + c as u16, tg.planned(*y))?;
        }
    }
    ws.set_column_width(0, 36)?;
    wb.save_to_buffer()
}

// ---------- reports ----------

/// One indicator's latest assessment, when it has values.
pub struct Assessed<'a> {
    pub target: &'a Target,
    pub latest: Option<(i32, f64, targets::Assessment, targets::Trend)>,
}

pub fn assess_all<'a>(
    f: &'a Framework,
    values: &[innocity_store::indicators::IndicatorValue],
) -> Vec<Assessed<'a>> {
    f.targets
        .iter()
        .map(|tg| {
            let series: Vec<(i32, f64)> = values
                .iter()
                .filter(|v| v.indicator == tg.code)
                .filter_map(|v| v.period.parse::<i32>().ok().map(|y| (y, v.value)))
                .collect();
            let latest = series.last().map(|&(y, v)| {
                (y, v, tg.assess(y, v, &f.thresholds), targets::trend(tg, &series, 5))
            });
            Assessed { target: tg, latest }
        })
        .collect()
}

fn status_rgb(s: Status) -> [f32; 3] {
    match s {
        Status::OnTrack => [0.89, 0.96, 0.91],
        Status::Behind => [1.0, 0.96, 0.87],
        Status::AtRisk => [0.99, 0.91, 0.91],
    }
}

/// The monitoring and evaluation report (科技指标监测和评估报告) of a framework for an org
/// unit, as PDF: a summary written from the data, the table of indicators, progress bars.
pub async fn report(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Path(code): Path<String>,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    use innocity_reports::{Block, Cell, Report};
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let (f, unit, values) =
        framework_values(&state, ctx, &a.principal, &code, q.unit.as_deref()).await?;
    let assessed = assess_all(&f, &values);
    let fname = name(lang, &f.name_zh, &f.name_en);
    let uname = if unit.parent_id.is_none() {
        format!("{}（{}）", name(lang, &unit.name_zh, &unit.name_en), t(lang, "ind.whole_zone"))
    } else {
        name(lang, &unit.name_zh, &unit.name_en)
    };
    let year = assessed.iter().filter_map(|x| x.latest.map(|l| l.0)).max().unwrap_or(0);
    let count =
        |s: Status| assessed.iter().filter(|x| x.latest.is_some_and(|l| l.2.status == s)).count();
    let met: Vec<String> = assessed
        .iter()
        .filter(|x| x.latest.is_some_and(|l| l.2.achieved >= 1.0))
        .map(|x| name(lang, &x.target.name_zh, &x.target.name_en))
        .collect();
    let mut blocks = vec![
        Block::Title(tf(lang, "rep.title", std::slice::from_ref(&fname))),
        Block::Subtitle(tf(
            lang,
            "rep.subtitle",
            &[uname.clone(), year.to_string(), crate::stats::today().to_string(), f.source.clone()],
        )),
        Block::Heading(t(lang, "rep.h.summary").into()),
        Block::Paragraph(tf(
            lang,
            "rep.summary",
            &[
                assessed.len().to_string(),
                count(Status::OnTrack).to_string(),
                count(Status::Behind).to_string(),
                count(Status::AtRisk).to_string(),
            ],
        )),
    ];
    if !met.is_empty() {
        blocks.push(Block::Paragraph(tf(
            lang,
            "rep.met",
            &[met.len().to_string(), met.join("、")],
        )));
    }
    for x in &assessed {
        if let Some((y, actual, asmt, tr)) = x.latest
            && asmt.status != Status::OnTrack
        {
            blocks.push(Block::Paragraph(tf(
                lang,
                "rep.behind",
                &[
                    name(lang, &x.target.name_zh, &x.target.name_en),
                    y.to_string(),
                    format!("{}{}", number(actual), x.target.unit),
                    number(asmt.planned),
                    number(asmt.gap.abs()),
                    format!("{:.0}%", asmt.pace * 100.0),
                    t(
                        lang,
                        if tr.closing == Some(true) { "ind.closing" } else { "ind.not_closing" },
                    )
                    .into(),
                ],
            )));
        }
    }
    blocks.push(Block::Heading(t(lang, "rep.h.table").into()));
    let mut rows = vec![
        [
            "ind.indicator",
            "xlsx.unit",
            "ind.actual",
            "ind.planned",
            "ind.target",
            "ind.achieved",
            "ind.status_col",
        ]
        .iter()
        .map(|k| Cell::plain(t(lang, k)))
        .collect::<Vec<_>>(),
    ];
    for x in &assessed {
        let tg = x.target;
        let row = match x.latest {
            Some((y, v, asmt, _)) => vec![
                Cell::plain(name(lang, &tg.name_zh, &tg.name_en)),
                Cell::plain(tg.unit.clone()),
                Cell::plain(format!("{} ({y})", number(v))),
                Cell::plain(number(asmt.planned)),
                Cell::plain(format!("{} ({})", number(tg.target), tg.target_year)),
                Cell::plain(format!("{:.0}%", asmt.achieved * 100.0)),
                Cell {
                    text: t(lang, &format!("ind.status.{}", asmt.status.code())).into(),
                    fill: Some(status_rgb(asmt.status)),
                },
            ],
            None => vec![
                Cell::plain(name(lang, &tg.name_zh, &tg.name_en)),
                Cell::plain(tg.unit.clone()),
                Cell::plain("—"),
                Cell::plain(number(tg.planned(tg.target_year))),
                Cell::plain(number(tg.target)),
                Cell::plain("—"),
                Cell::plain(t(lang, "ind.status.none")),
            ],
        };
        rows.push(row);
    }
    blocks.push(Block::Table { widths: vec![3.2, 1.0, 1.5, 1.1, 1.4, 1.0, 0.9], rows });
    blocks.push(Block::Heading(t(lang, "rep.h.progress").into()));
    let bars = assessed
        .iter()
        .filter_map(|x| {
            x.latest.map(|(_, _, a, _)| {
                (
                    name(lang, &x.target.name_zh, &x.target.name_en),
                    a.achieved.max(0.0),
                    format!("{:.0}%", a.achieved * 100.0),
                    match a.status {
                        Status::OnTrack => [0.18, 0.49, 0.2],
                        Status::Behind => [0.88, 0.63, 0.0],
                        Status::AtRisk => [0.78, 0.16, 0.16],
                    },
                )
            })
        })
        .collect();
    blocks.push(Block::Bars { items: bars });
    blocks.push(Block::Paragraph(t(lang, "rep.method").into()));
    let pdf =
        innocity_reports::render_pdf(&Report { blocks, footer: format!("{fname} · {uname}") })
            .map_err(|e| {
                tracing::error!(error = %e, "pdf report");
                ctx.err(AppError::internal(&ctx.request_id))
            })?;
    Ok(crate::http::download(
        pdf,
        &format!("{}_{}_report.pdf", f.code, unit.code),
        "application/pdf",
    ))
}

// ---------- the development index ----------

/// The development index of the zones in reach over all years: iData from the stored values,
/// iMeta from the framework's tree, min–max normalisation across all years (so years compare),
/// mean imputation within a year, weighted arithmetic means.
pub struct IndexPanel {
    pub meta: index::Meta,
    pub data: index::Data,
    pub aggregated: index::Dataset,
    pub zones: Vec<OrgUnit>,
    pub years: Vec<i32>,
}

impl IndexPanel {
    /// The score of a column (an indicator's normalised value, a pillar, the index) for a zone
    /// and year.
    pub fn score(&self, zone: i64, year: i32, column: &str) -> Option<f64> {
        let c = self.aggregated.columns.iter().position(|x| x == column)?;
        let code = format!("Z{zone}");
        let pos =
            self.aggregated.rows.iter().position(|&r| {
                self.data.codes[r] == code && self.data.times[r] == Some(year as f64)
            })?;
        self.aggregated.values[c][pos]
    }
}

pub async fn index_panel(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    f: &Framework,
) -> AppResult<Option<IndexPanel>> {
    let zones: Vec<OrgUnit> = state
        .units_in_scope(&p.scope)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .filter(|u| u.level == "zone")
        .collect();
    let codes: Vec<String> = f.targets.iter().map(|t| t.code.clone()).collect();
    let mut data = format!("uCode,Time,{}\n", codes.join(","));
    let mut years = std::collections::BTreeSet::new();
    for z in &zones {
        let values = innocity_store::indicators::for_unit(&state.db, z.id, &codes)
            .await
            .map_err(|e| ctx.err(e.into()))?;
        let mut by_year: std::collections::BTreeMap<i32, Vec<String>> =
            std::collections::BTreeMap::new();
        for v in &values {
            if let (Ok(y), Some(i)) =
                (v.period.parse::<i32>(), codes.iter().position(|c| c == &v.indicator))
            {
                by_year.entry(y).or_insert_with(|| vec![String::new(); codes.len()])[i] =
                    v.value.to_string();
            }
        }
        for (y, cells) in by_year {
            years.insert(y);
            data.push_str(&format!("Z{},{y},{}\n", z.id, cells.join(",")));
        }
    }
    if zones.is_empty() || years.is_empty() {
        return Ok(None);
    }
    let pipeline = "[impute]\nmethod = \"mean\"\n\n[normalise]\nmethod = \"minmax\"\nlower = 0.0\nupper = 100.0\n\n[aggregate]\nmethod = \"amean\"\n";
    let fail = |e: index::IndexError| {
        ctx.err(
            AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "index", "err.malformed")
                .args(vec![e.to_string()]),
        )
    };
    let meta = index::read_meta("framework", &f.imeta()).map_err(fail)?;
    let d = index::read_data("values", &data, &meta).map_err(fail)?;
    let p = index::read_pipeline("pipeline", pipeline).map_err(fail)?;
    let b = index::build(&meta, &d, &p, "values").map_err(fail)?;
    let Some((_, aggregated)) = b.datasets.last().cloned() else { return Ok(None) };
    Ok(Some(IndexPanel { meta, data: d, aggregated, zones, years: years.into_iter().collect() }))
}

pub struct TreeNode {
    pub name: String,
    pub weight: String,
    pub children: Vec<(String, String, &'static str)>,
}

pub struct ZoneLine {
    pub name: String,
    pub points: String,
    pub colour: &'static str,
    pub latest: String,
    pub rank: usize,
    pub id: i64,
}

pub struct Profile {
    pub zone: String,
    pub pillars: Vec<(String, String, String)>,
    pub strengths: Vec<(String, String)>,
    pub weaknesses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "indicators_index.html")]
struct IndexPage {
    s: Shell,
    framework: Framework,
    fname: String,
    tree: Vec<TreeNode>,
    lines: Vec<ZoneLine>,
    year: i32,
    first_year: i32,
    profile: Option<Profile>,
    intervals: Vec<(String, f64, f64, f64, String)>,
}

const COLOURS: [&str; 6] = ["#0b4ea2", "#c8161d", "#2e7d32", "#e0a100", "#6a1b9a", "#00838f"];

fn colour(i: usize) -> &'static str {
    COLOURS[i % COLOURS.len()]
}

/// A zone's strongest and weakest indicators: (name, score) each, best or worst first.
struct Extremes {
    strongest: Vec<(String, String)>,
    weakest: Vec<(String, String)>,
}

/// The strongest and weakest indicators of a zone in a year (normalised scores, 0–100).
fn strengths(panel: &IndexPanel, f: &Framework, lang: Lang, zone: i64, year: i32) -> Extremes {
    let mut scored: Vec<(String, f64)> = f
        .targets
        .iter()
        .filter_map(|t| {
            panel.score(zone, year, &t.code).map(|v| (name(lang, &t.name_zh, &t.name_en), v))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let fmt = |v: &[(String, f64)]| {
        v.iter().map(|(n, s)| (n.clone(), format!("{s:.0}"))).collect::<Vec<_>>()
    };
    let top = fmt(&scored[..scored.len().min(3)]);
    let mut low = scored.clone();
    low.reverse();
    Extremes { strongest: top, weakest: fmt(&low[..low.len().min(3)]) }
}

pub async fn index_page(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Path(code): Path<String>,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let f = find(&state, ctx, &code).await?;
    let panel = index_panel(&state, ctx, &a.principal, &f).await?;
    if q.format.as_deref() == Some("xlsx") {
        let Some(panel) = &panel else { return Err(ctx.err(AppError::not_found())) };
        let bytes = index_xlsx(lang, &f, panel).map_err(|e| {
            tracing::error!(error = %e, "xlsx export");
            ctx.err(AppError::internal(&ctx.request_id))
        })?;
        return Ok(crate::http::download(
            bytes,
            &format!("{}_index.xlsx", f.code),
            crate::http::XLSX,
        ));
    }
    let mut tree: Vec<TreeNode> = f
        .pillars
        .iter()
        .map(|p| TreeNode {
            name: name(lang, &p.name_zh, &p.name_en),
            weight: number(p.weight),
            children: f
                .targets
                .iter()
                .filter(|t| t.pillar.as_deref() == Some(&p.code))
                .map(|t| {
                    (
                        name(lang, &t.name_zh, &t.name_en),
                        number(t.weight),
                        if t.direction == targets::Direction::Down { "↓" } else { "↑" },
                    )
                })
                .collect(),
        })
        .collect();
    let loose: Vec<(String, String, &'static str)> = f
        .targets
        .iter()
        .filter(|t| t.pillar.is_none() || f.pillars.is_empty())
        .map(|t| {
            (
                name(lang, &t.name_zh, &t.name_en),
                number(t.weight),
                if t.direction == targets::Direction::Down { "↓" } else { "↑" },
            )
        })
        .collect();
    if !loose.is_empty() {
        tree.push(TreeNode {
            name: t(lang, "idx.direct").into(),
            weight: "—".into(),
            children: loose,
        });
    }
    let (mut lines, mut year, mut first_year, mut profile, mut intervals) =
        (vec![], 0, 0, None, vec![]);
    if let Some(panel) = &panel {
        year =
            q.year.filter(|y| panel.years.contains(y)).unwrap_or(*panel.years.last().unwrap_or(&0));
        first_year = *panel.years.first().unwrap_or(&0);
        let span = (year - first_year).max(1) as f64;
        for (i, z) in panel.zones.iter().enumerate() {
            let pts: Vec<String> = panel
                .years
                .iter()
                .filter(|y| **y <= year)
                .filter_map(|y| {
                    panel.score(z.id, *y, "Index").map(|v| {
                        format!(
                            "{:.1},{:.1}",
                            40.0 + (*y - first_year) as f64 / span * 640.0,
                            210.0 - v * 2.0
                        )
                    })
                })
                .collect();
            lines.push(ZoneLine {
                name: name(lang, &z.name_zh, &z.name_en),
                points: pts.join(" "),
                colour: colour(i),
                latest: panel
                    .score(z.id, year, "Index")
                    .map(|v| format!("{v:.1}"))
                    .unwrap_or_else(|| "—".into()),
                rank: 0,
                id: z.id,
            });
        }
        let mut order: Vec<(usize, f64)> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i, l.latest.parse::<f64>().unwrap_or(f64::NEG_INFINITY)))
            .collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (rank, (i, _)) in order.iter().enumerate() {
            lines[*i].rank = rank + 1;
        }
        lines.sort_by_key(|l| l.rank);
        let zone = q
            .unit
            .as_deref()
            .and_then(|u| u.parse::<i64>().ok())
            .filter(|z| panel.zones.iter().any(|x| x.id == *z))
            .or(lines.first().map(|l| l.id));
        if let Some(zid) = zone {
            let zname = panel
                .zones
                .iter()
                .find(|z| z.id == zid)
                .map(|z| name(lang, &z.name_zh, &z.name_en))
                .unwrap_or_default();
            let pillars = f
                .pillars
                .iter()
                .map(|p| {
                    let mine = panel.score(zid, year, &p.code);
                    let all: Vec<f64> = panel
                        .zones
                        .iter()
                        .filter_map(|z| panel.score(z.id, year, &p.code))
                        .collect();
                    let avg = if all.is_empty() {
                        None
                    } else {
                        Some(all.iter().sum::<f64>() / all.len() as f64)
                    };
                    (
                        name(lang, &p.name_zh, &p.name_en),
                        mine.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into()),
                        avg.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into()),
                    )
                })
                .collect();
            let Extremes { strongest: strengths, weakest: weaknesses } =
                strengths(panel, &f, lang, zid, year);
            profile = Some(Profile { zone: zname, pillars, strengths, weaknesses });
        }
        // Rank intervals of the chosen year, from the uncertainty analysis of that year alone.
        let rows: Vec<usize> = panel
            .aggregated
            .rows
            .iter()
            .copied()
            .filter(|&r| panel.data.times[r] == Some(year as f64))
            .collect();
        let year_data = index::Data {
            codes: rows.iter().map(|&r| panel.data.codes[r].clone()).collect(),
            names: rows.iter().map(|&r| panel.data.names[r].clone()).collect(),
            times: rows.iter().map(|_| None).collect(),
            groups: Default::default(),
            denominators: Default::default(),
            values: panel
                .data
                .values
                .iter()
                .map(|c| rows.iter().map(|&r| c[r]).collect())
                .collect(),
            panel: false,
        };
        let base = index::Pipeline {
            impute: Some(index::Impute { median: false, group: None }),
            normalise: Some(index::Normalise::MinMax { lower: 1.0, upper: 100.0 }),
            aggregate: Some(index::Aggregate {
                mean: index::Mean::Arithmetic,
                min_availability: 0.0,
            }),
            ..Default::default()
        };
        let assumptions = vec![
            sensitivity::Assumption::Weights { noise: 0.25 },
            sensitivity::Assumption::Normalisation(vec![
                index::Normalise::MinMax { lower: 1.0, upper: 100.0 },
                index::Normalise::Rank,
            ]),
            sensitivity::Assumption::Aggregation(vec![
                index::Mean::Arithmetic,
                index::Mean::Geometric,
            ]),
        ];
        if year_data.codes.len() >= 2
            && let Ok(sa) =
                sensitivity::analyse(&panel.meta, &year_data, &base, &assumptions, 200, 2026)
        {
            let n = sa.units.len().max(1) as f64;
            for u in &sa.units {
                let zid: i64 = u.code.trim_start_matches('Z').parse().unwrap_or(0);
                let zname = panel
                    .zones
                    .iter()
                    .find(|z| z.id == zid)
                    .map(|z| name(lang, &z.name_zh, &z.name_en))
                    .unwrap_or_default();
                let x = |r: f64| 150.0 + (r - 1.0) / (n - 1.0).max(1.0) * 400.0;
                intervals.push((
                    zname,
                    x(u.q05),
                    x(u.q95),
                    x(u.median),
                    format!("{:.0}–{:.0}（{}）", u.q05, u.q95, u.median),
                ));
            }
            intervals.sort_by(|a, b| a.3.total_cmp(&b.3));
        }
    }
    Ok(render(&IndexPage {
        s: ctx.shell(),
        fname: name(lang, &f.name_zh, &f.name_en),
        framework: f,
        tree,
        lines,
        year,
        first_year,
        profile,
        intervals,
    }))
}

/// The annual development-index report (发展指数年度报告) as PDF: the ranking of the year with
/// the change on the year before, pillar scores, each zone's strengths and weaknesses, the method.
pub async fn index_report(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Path(code): Path<String>,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    use innocity_reports::{Block, Cell, Report};
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let f = find(&state, ctx, &code).await?;
    let Some(panel) = index_panel(&state, ctx, &a.principal, &f).await? else {
        return Err(ctx.err(AppError::not_found()));
    };
    let year =
        q.year.filter(|y| panel.years.contains(y)).unwrap_or(*panel.years.last().unwrap_or(&0));
    let fname = name(lang, &f.name_zh, &f.name_en);
    let zname = |z: &OrgUnit| name(lang, &z.name_zh, &z.name_en);
    let mut ranked: Vec<(&OrgUnit, Option<f64>, Option<f64>)> = panel
        .zones
        .iter()
        .map(|z| (z, panel.score(z.id, year, "Index"), panel.score(z.id, year - 1, "Index")))
        .collect();
    ranked.sort_by(|a, b| {
        b.1.unwrap_or(f64::NEG_INFINITY).total_cmp(&a.1.unwrap_or(f64::NEG_INFINITY))
    });
    let mut blocks = vec![
        Block::Title(tf(lang, "rep.idx.title", &[fname.clone(), year.to_string()])),
        Block::Subtitle(tf(
            lang,
            "rep.idx.subtitle",
            &[
                panel.zones.len().to_string(),
                f.targets.len().to_string(),
                crate::stats::today().to_string(),
            ],
        )),
        Block::Heading(t(lang, "rep.idx.h.summary").into()),
    ];
    if let (Some((top, Some(ts), _)), Some((bottom, Some(bs), _))) = (ranked.first(), ranked.last())
    {
        let rising =
            ranked.iter().filter(|r| matches!((r.1, r.2), (Some(a), Some(b)) if a > b)).count();
        blocks.push(Block::Paragraph(tf(
            lang,
            "rep.idx.summary",
            &[
                zname(top),
                format!("{ts:.1}"),
                zname(bottom),
                format!("{bs:.1}"),
                rising.to_string(),
                ranked.len().to_string(),
            ],
        )));
    }
    let mut rows = vec![
        ["ind.rank", "ind.unit", "rep.idx.score", "rep.idx.last_year", "rep.idx.change"]
            .iter()
            .map(|k| Cell::plain(t(lang, k)))
            .collect::<Vec<_>>(),
    ];
    for (i, (z, now, before)) in ranked.iter().enumerate() {
        let change = match (now, before) {
            (Some(a), Some(b)) => format!("{:+.1}", a - b),
            _ => "—".into(),
        };
        let fill = match (now, before) {
            (Some(a), Some(b)) if a > b => Some([0.89, 0.96, 0.91]),
            (Some(a), Some(b)) if a < b => Some([0.99, 0.91, 0.91]),
            _ => None,
        };
        rows.push(vec![
            Cell::plain((i + 1).to_string()),
            Cell::plain(zname(z)),
            Cell::plain(now.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())),
            Cell::plain(before.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())),
            Cell { text: change, fill },
        ]);
    }
    blocks.push(Block::Heading(t(lang, "rep.idx.h.ranking").into()));
    blocks.push(Block::Table { widths: vec![0.7, 2.5, 1.2, 1.2, 1.0], rows });
    blocks.push(Block::Bars {
        items: ranked
            .iter()
            .filter_map(|(z, now, _)| {
                now.map(|v| (zname(z), v, format!("{v:.1}"), [0.04, 0.31, 0.64]))
            })
            .collect(),
    });
    if !f.pillars.is_empty() {
        blocks.push(Block::Heading(t(lang, "rep.idx.h.pillars").into()));
        let mut header = vec![Cell::plain(t(lang, "ind.unit"))];
        header.extend(f.pillars.iter().map(|p| Cell::plain(name(lang, &p.name_zh, &p.name_en))));
        let mut rows = vec![header];
        for (z, _, _) in &ranked {
            let mut row = vec![Cell::plain(zname(z))];
            row.extend(f.pillars.iter().map(|p| {
                Cell::plain(
                    panel
                        .score(z.id, year, &p.code)
                        .map(|v| format!("{v:.1}"))
                        .unwrap_or_else(|| "—".into()),
                )
            }));
            rows.push(row);
        }
        let mut widths = vec![2.0];
        widths.extend(f.pillars.iter().map(|_| 1.0));
        blocks.push(Block::Table { widths, rows });
    }
    blocks.push(Block::Heading(t(lang, "rep.idx.h.profiles").into()));
    for (z, _, _) in &ranked {
        let Extremes { strongest: good, weakest: bad } = strengths(&panel, &f, lang, z.id, year);
        let list = |v: &[(String, String)]| {
            v.iter().map(|(n, s)| format!("{n}（{s}）")).collect::<Vec<_>>().join("、")
        };
        blocks.push(Block::Paragraph(tf(
            lang,
            "rep.idx.profile",
            &[zname(z), list(&good), list(&bad)],
        )));
    }
    blocks.push(Block::Paragraph(t(lang, "idx.note").into()));
    let pdf =
        innocity_reports::render_pdf(&Report { blocks, footer: format!("{fname} · {year}") })
            .map_err(|e| {
                tracing::error!(error = %e, "pdf report");
                ctx.err(AppError::internal(&ctx.request_id))
            })?;
    Ok(crate::http::download(
        pdf,
        &format!("{}_{year}_index_report.pdf", f.code),
        "application/pdf",
    ))
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
        .await
        .map_err(|e| ctx.err(e.into()))?;
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
    let public = state.public_frameworks().await.map_err(|e| ctx.err(e.into()))?;
    if !public.contains(&code) {
        return Err(ctx.err(AppError::not_found()));
    }
    let f = find(&state, &ctx, &code).await?;
    let units = state.units().await.map_err(|e| ctx.err(e.into()))?;
    let unit = units
        .iter()
        .find(|u| u.parent_id.is_none())
        .cloned()
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let codes: Vec<String> = f.targets.iter().map(|t| t.code.clone()).collect();
    let values = innocity_store::indicators::for_unit(&state.db, unit.id, &codes)
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let unit_name =
        format!("{}（{}）", name(lang, &unit.name_zh, &unit.name_en), t(lang, "ind.whole_zone"));
    Ok(render(&dashboard_page(
        ctx.shell(),
        lang,
        f,
        &unit,
        unit_name,
        vec![],
        &values,
        false,
        String::new(),
        true,
    )))
}

/// The index tables as a workbook: the index of every zone and year, every pillar and every
/// normalised indicator score of every zone and year.
fn index_xlsx(
    lang: Lang,
    f: &Framework,
    panel: &IndexPanel,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("DCE6F1");
    let one = Format::new().set_num_format("0.0");
    let mut sheet =
        |title: &str, columns: Vec<(String, String)>| -> Result<(), rust_xlsxwriter::XlsxError> {
            let ws = wb.add_worksheet();
            ws.set_name(title)?;
            ws.write_string_with_format(0, 0, t(lang, "ind.unit"), &head)?;
            ws.write_string_with_format(0, 1, t(lang, "ind.year"), &head)?;
            for (c, (_, label)) in columns.iter().enumerate() {
                ws.write_string_with_format(0, 2 + c as u16, label, &head)?;
            }
            let mut row = 1;
            for z in &panel.zones {
                for y in &panel.years {
                    ws.write_string(row, 0, name(lang, &z.name_zh, &z.name_en))?;
                    ws.write_number(row, 1, *y as f64)?;
                    for (c, (code, _)) in columns.iter().enumerate() {
                        if let Some(v) = panel.score(z.id, *y, code) {
                            ws.write_number_with_format(row, 2 + c as u16, v, &one)?;
                        }
                    }
                    row += 1;
                }
            }
            ws.set_column_width(0, 18)?;
            Ok(())
        };
    let mut top = vec![("Index".to_string(), t(lang, "idx.title").to_string())];
    top.extend(f.pillars.iter().map(|p| (p.code.clone(), name(lang, &p.name_zh, &p.name_en))));
    sheet(t(lang, "idx.title"), top)?;
    sheet(
        t(lang, "idx.sheet.normalised"),
        f.targets
            .iter()
            .map(|tg| (tg.code.clone(), name(lang, &tg.name_zh, &tg.name_en)))
            .collect(),
    )?;
    wb.save_to_buffer()
}

#[derive(serde::Deserialize)]
struct FrameworkForm {
    #[serde(default)]
    body: String,
}

/// Imports a framework (TOML, as the built-in ones): refused whole, naming the line or the
/// indicator at fault; a framework with an existing code replaces it.
pub async fn import_framework(
    State(state): State<AppState>,
    a: Auth<ManageIndicators>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let form: FrameworkForm = crate::auth::parse_form(ctx, &body)?;
    match Framework::from_toml("framework.toml", &form.body) {
        Ok(f) => {
            innocity_store::indicators::add_framework(&state.db, &f.code, &form.body, ctx.actor())
                .await
                .map_err(|e| ctx.err(e.into()))?;
            Ok(axum::response::Redirect::to("/indicators?notice=framework").into_response())
        }
        Err(errors) => {
            let public = state.public_frameworks().await.map_err(|e| ctx.err(e.into()))?;
            let all = innocity_store::indicators::frameworks(&state.db)
                .await
                .map_err(|e| ctx.err(e.into()))?;
            let frameworks = all
                .iter()
                .map(|f| {
                    (
                        f.code.clone(),
                        name(lang, &f.name_zh, &f.name_en),
                        f.source.clone(),
                        f.targets.len(),
                        public.contains(&f.code),
                    )
                })
                .collect();
            let page = ListPage {
                s: ctx.shell(),
                frameworks,
                manager: true,
                notice: String::new(),
                body: form.body,
                errors: errors.iter().map(|e| e.to_string()).collect(),
            };
            let mut r = render(&page);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}
