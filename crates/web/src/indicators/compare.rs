//! The zones compared in one year, with a composite index and its rank intervals.
use super::{DashQuery, find, name};
use crate::app::AppState;
use crate::auth::{Auth, ViewIndicators};
use crate::error::AppResult;
use crate::i18n::t;
use crate::page::{Shell, render};
use crate::stats::number;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Datelike;
use innocity_core::index::{self, sensitivity};
use innocity_core::indicators::targets::{Framework, Target};
use innocity_store::orgs::OrgUnit;

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
    pub values: Vec<ZoneValue>,
    pub targets: Vec<String>,
}

/// A zone's value of an indicator and its status against the zone's own path.
pub struct ZoneValue {
    pub value: String,
    pub status: &'static str,
}

/// How much of the composite's variance an assumption explains: first order and total.
struct SobolRow {
    assumption: String,
    first: String,
    total: String,
}

#[derive(Template)]
#[template(path = "indicators_compare.html")]
struct ComparePage {
    s: Shell,
    framework: Framework,
    fname: String,
    year: i32,
    years: Vec<i32>,
    /// Counties compared (else zones).
    by_county: bool,
    headers: Vec<String>,
    rows: Vec<CompareRow>,
    sobol: Vec<SobolRow>,
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
    // Zones, or the counties and districts (each with the parks that lie in it).
    let by_county = q.by.as_deref() == Some("county");
    let zones: Vec<OrgUnit> = state
        .units_in_scope(&a.principal.scope)
        .await?
        .into_iter()
        .filter(|u| u.level == if by_county { "county" } else { "zone" })
        .collect();
    let codes: Vec<String> = f.targets.iter().map(|t| t.code.clone()).collect();
    let ids: Vec<i64> = zones.iter().map(|z| z.id).collect();
    // The years on offer run from the first baseline to the last year any unit has a value
    // (this year when none has): nothing is capped in code. The page opens on the last year
    // gone by with at least half of the values, else the last year gone by (the running year
    // holds only what the registers know so far).
    let first = f.targets.iter().map(|t| t.baseline_year).min();
    let held = innocity_store::indicators::years_held(&state.db, &ids, &codes).await?;
    let this_year = state.db.clock.today().year();
    let first = first.or(held.first().map(|h| h.year)).unwrap_or(this_year);
    let last = held.last().map(|h| h.year).unwrap_or(this_year).max(first);
    let years: Vec<i32> = (first..=last).collect();
    let half = (ids.len() * codes.len()) as i64 / 2;
    let gone_by = held.iter().rev().filter(|h| h.year < this_year);
    let mostly = gone_by.clone().find(|h| h.values >= half.max(1)).or(gone_by.clone().next());
    let mostly = mostly.map(|h| h.year);
    let year = q.year.filter(|y| years.contains(y)).or(mostly).unwrap_or(last);
    let now =
        innocity_store::indicators::for_period(&state.db, &ids, &codes, &year.to_string()).await?;
    let base =
        innocity_store::indicators::for_period(&state.db, &ids, &codes, &first.to_string()).await?;
    let mut composite = composite(lang, &f, &zones, &codes, &now);
    composite.scores.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    let breakdown = breakdown(&f, &zones, &base);
    let max = composite.scores.iter().filter_map(|s| s.1).fold(0.0, f64::max);
    let cmp = Comparison { zones, now, base, composite, breakdown, year, max };
    let rows = compare_rows(lang, &f, &cmp);
    let headers = f.targets.iter().map(|tg| name(lang, &tg.name_zh, &tg.name_en)).collect();
    let grid = grid(lang, &cmp.zones, &cmp.composite.scores, max);
    let grid_height = grid.iter().map(|g| g.y + 90).max().unwrap_or(0);
    Ok(render(&ComparePage {
        s: ctx.shell(),
        fname: name(lang, &f.name_zh, &f.name_en),
        framework: f,
        year,
        years,
        by_county,
        headers,
        rows,
        sobol: cmp.composite.sobol,
        grid,
        grid_height,
    }))
}

/// The zones compared: their values in the chosen year and in the first (baseline) year, the
/// composite, the targets' breakdown, the year and the best score.
struct Comparison {
    zones: Vec<OrgUnit>,
    now: Vec<innocity_store::indicators::IndicatorValue>,
    base: Vec<innocity_store::indicators::IndicatorValue>,
    composite: Composite,
    breakdown: Vec<Breakdown>,
    year: i32,
    max: f64,
}

/// A zone's value of an indicator among `vals`.
fn get(vals: &[innocity_store::indicators::IndicatorValue], z: i64, c: &str) -> Option<f64> {
    vals.iter().find(|v| v.org_unit_id == z && v.indicator == c).map(|v| v.value)
}

/// The composite of the zones: each zone's score, its rank interval by `Z{id}`, and how much
/// each assumption explains.
struct Composite {
    scores: Vec<(i64, Option<f64>)>,
    intervals: std::collections::HashMap<String, String>,
    sobol: Vec<SobolRow>,
}

/// The composite, through the index engine: iMeta from the framework, iData from the values.
fn composite(
    lang: crate::i18n::Lang,
    f: &Framework,
    zones: &[OrgUnit],
    codes: &[String],
    now: &[innocity_store::indicators::IndicatorValue],
) -> Composite {
    let meta = f.imeta();
    let mut data = format!("uCode,{}\n", codes.join(","));
    for z in zones {
        let cells: Vec<String> = codes
            .iter()
            .map(|c| get(now, z.id, c).map(|v| v.to_string()).unwrap_or_default())
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
        let assumptions = sensitivity::ranking_assumptions();
        if let Ok(sa) = sensitivity::analyse(&m, &d, &p, &assumptions, 200, 2026) {
            for u in &sa.units {
                intervals.insert(u.code.clone(), format!("{:.0}–{:.0}", u.q05, u.q95));
            }
            sobol = sa
                .indices
                .iter()
                .map(|(n, f1, tt)| SobolRow {
                    assumption: t(lang, &format!("ind.assumption.{n}")).to_string(),
                    first: format!("{f1:.2}"),
                    total: format!("{tt:.2}"),
                })
                .collect();
        }
    }
    Composite { scores, intervals, sobol }
}

/// An indicator's target broken down between the zones: (zone id, the zone's share) each.
struct Breakdown {
    indicator: String,
    shares: Vec<(String, f64)>,
}

/// 目标分解: each indicator's target broken down between the zones from their baselines
/// (a total by shares, a ratio by the same relative improvement).
fn breakdown(
    f: &Framework,
    zones: &[OrgUnit],
    base: &[innocity_store::indicators::IndicatorValue],
) -> Vec<Breakdown> {
    f.targets
        .iter()
        .map(|tg| {
            let baselines: Vec<(String, f64)> = zones
                .iter()
                .filter_map(|z| get(base, z.id, &tg.code).map(|b| (z.id.to_string(), b)))
                .collect();
            Breakdown { indicator: tg.code.clone(), shares: tg.by_unit(&baselines) }
        })
        .collect()
}

/// A zone's share of an indicator's target.
fn zone_target(breakdown: &[Breakdown], tg: &Target, zid: i64) -> Option<f64> {
    breakdown
        .iter()
        .find(|b| b.indicator == tg.code)
        .and_then(|b| b.shares.iter().find(|x| x.0 == zid.to_string()).map(|x| x.1))
}

/// The table's rows, best score first.
fn compare_rows(lang: crate::i18n::Lang, f: &Framework, cmp: &Comparison) -> Vec<CompareRow> {
    let max = cmp.max;
    cmp.composite
        .scores
        .iter()
        .enumerate()
        .filter_map(|(i, (zid, score))| {
            let z = cmp.zones.iter().find(|z| z.id == *zid)?;
            Some(CompareRow {
                rank: score.map(|_| (i + 1).to_string()).unwrap_or_else(|| "—".into()),
                unit: name(lang, &z.name_zh, &z.name_en),
                unit_id: z.id,
                score: score.map(|s| format!("{s:.1}")).unwrap_or_else(|| "—".into()),
                width: score.map(|s| if max > 0.0 { s / max * 220.0 } else { 0.0 }).unwrap_or(0.0),
                interval: cmp
                    .composite
                    .intervals
                    .get(&format!("Z{zid}"))
                    .cloned()
                    .unwrap_or_else(|| "—".into()),
                values: f.targets.iter().map(|tg| zone_value(f, cmp, tg, *zid)).collect(),
                targets: f
                    .targets
                    .iter()
                    .map(|tg| {
                        zone_target(&cmp.breakdown, tg, *zid)
                            .map(number)
                            .unwrap_or_else(|| "—".into())
                    })
                    .collect(),
            })
        })
        .collect()
}

/// A zone's value of an indicator against its own path: from its own baseline to its share of
/// the target.
fn zone_value(f: &Framework, cmp: &Comparison, tg: &Target, zid: i64) -> ZoneValue {
    match get(&cmp.now, zid, &tg.code) {
        Some(v) => {
            let b = get(&cmp.base, zid, &tg.code).unwrap_or(tg.baseline);
            let mut mine = tg.clone();
            mine.baseline = b;
            mine.target = zone_target(&cmp.breakdown, tg, zid).unwrap_or(tg.target);
            let status = mine.assess(cmp.year, v, &f.thresholds).status.code();
            ZoneValue { value: number(v), status }
        }
        None => ZoneValue { value: "—".into(), status: "none" },
    }
}

/// The map-like grid: each zone a tile where it lies, shaded by its score (five steps).
fn grid(
    lang: crate::i18n::Lang,
    zones: &[OrgUnit],
    scores: &[(i64, Option<f64>)],
    max: f64,
) -> Vec<GridTile> {
    zones
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
        .collect()
}

// ---------- imports ----------
