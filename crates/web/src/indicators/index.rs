//! A framework's composite index: the indicator tree, the zones' profiles, strengths and
//! weaknesses.
use super::reports::index_xlsx;
use super::{DashQuery, find, name};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ViewIndicators};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::page::{Shell, render};
use crate::stats::number;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use innocity_core::access::Principal;
use innocity_core::index::{self, sensitivity};
use innocity_core::indicators::targets::{self, Framework, Target};
use innocity_store::orgs::OrgUnit;

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
    let zones: Vec<OrgUnit> =
        state.units_in_scope(&p.scope).await?.into_iter().filter(|u| u.level == "zone").collect();
    let codes: Vec<String> = f.targets.iter().map(|t| t.code.clone()).collect();
    let mut data = format!("uCode,Time,{}\n", codes.join(","));
    let mut years = std::collections::BTreeSet::new();
    for z in &zones {
        let values = innocity_store::indicators::for_unit(&state.db, z.id, &codes).await?;
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
        // A year enters the index when the zone has at least half its indicators: a year the
        // register alone answers (this year's contracts) would be mostly imputed.
        for (y, cells) in by_year
            .into_iter()
            .filter(|(_, c)| c.iter().filter(|v| !v.is_empty()).count() * 2 >= codes.len())
        {
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
    pub children: Vec<TreeLeaf>,
}

/// An indicator in the tree: its name, weight and direction (↑ or ↓).
pub struct TreeLeaf {
    pub name: String,
    pub weight: String,
    pub direction: &'static str,
}

impl TreeLeaf {
    fn new(lang: Lang, t: &Target) -> TreeLeaf {
        TreeLeaf {
            name: name(lang, &t.name_zh, &t.name_en),
            weight: number(t.weight),
            direction: if t.direction == targets::Direction::Down { "↓" } else { "↑" },
        }
    }
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
    pub pillars: Vec<PillarScore>,
    pub strengths: Vec<Extreme>,
    pub weaknesses: Vec<Extreme>,
}

/// A pillar's score for the zone and the zones' average.
pub struct PillarScore {
    pub name: String,
    pub score: String,
    pub average: String,
}

/// An indicator among a zone's strongest or weakest, with its score.
pub struct Extreme {
    pub name: String,
    pub score: String,
}

/// A zone's rank interval: where the 5th and 95th percentiles and the median lie on the chart,
/// and the ranks in words.
pub struct RankInterval {
    pub zone: String,
    pub low: f64,
    pub high: f64,
    pub median: f64,
    pub text: String,
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
    intervals: Vec<RankInterval>,
}

const COLOURS: [&str; 6] = ["#0b4ea2", "#c8161d", "#2e7d32", "#e0a100", "#6a1b9a", "#00838f"];

fn colour(i: usize) -> &'static str {
    COLOURS[i % COLOURS.len()]
}

/// A zone's strongest and weakest indicators: (name, score) each, best or worst first.
pub(super) struct Extremes {
    pub(super) strongest: Vec<Extreme>,
    pub(super) weakest: Vec<Extreme>,
}

/// The strongest and weakest indicators of a zone in a year (normalised scores, 0–100).
pub(super) fn strengths(
    panel: &IndexPanel,
    f: &Framework,
    lang: Lang,
    zone: i64,
    year: i32,
) -> Extremes {
    let mut scored: Vec<(String, f64)> = f
        .targets
        .iter()
        .filter_map(|t| {
            panel.score(zone, year, &t.code).map(|v| (name(lang, &t.name_zh, &t.name_en), v))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let fmt = |v: &[(String, f64)]| {
        v.iter()
            .map(|(n, s)| Extreme { name: n.clone(), score: format!("{s:.0}") })
            .collect::<Vec<_>>()
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
        return index_download(ctx, &f, panel.as_ref());
    }
    let tree = tree(lang, &f);
    let view = match &panel {
        Some(panel) => panel_view(lang, &f, panel, &q),
        None => {
            PanelView { lines: vec![], year: 0, first_year: 0, profile: None, intervals: vec![] }
        }
    };
    Ok(render(&IndexPage {
        s: ctx.shell(),
        fname: name(lang, &f.name_zh, &f.name_en),
        framework: f,
        tree,
        lines: view.lines,
        year: view.year,
        first_year: view.first_year,
        profile: view.profile,
        intervals: view.intervals,
    }))
}

/// The index as a workbook, or 404 without a panel.
fn index_download(ctx: &Ctx, f: &Framework, panel: Option<&IndexPanel>) -> AppResult<Response> {
    let Some(panel) = panel else { return Err(ctx.err(AppError::not_found())) };
    crate::http::xlsx_download(index_xlsx(ctx.lang, f, panel), &format!("{}_index.xlsx", f.code))
}

/// The indicator tree: the pillars with their indicators, then the indicators under none.
fn tree(lang: Lang, f: &Framework) -> Vec<TreeNode> {
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
                .map(|t| TreeLeaf::new(lang, t))
                .collect(),
        })
        .collect();
    let loose: Vec<TreeLeaf> = f
        .targets
        .iter()
        .filter(|t| t.pillar.is_none() || f.pillars.is_empty())
        .map(|t| TreeLeaf::new(lang, t))
        .collect();
    if !loose.is_empty() {
        tree.push(TreeNode {
            name: t(lang, "idx.direct").into(),
            weight: "—".into(),
            children: loose,
        });
    }
    tree
}

/// What the page shows of the panel: the zones' lines up to the chosen year, the chosen zone's
/// profile and the rank intervals.
struct PanelView {
    lines: Vec<ZoneLine>,
    year: i32,
    first_year: i32,
    profile: Option<Profile>,
    intervals: Vec<RankInterval>,
}

fn panel_view(lang: Lang, f: &Framework, panel: &IndexPanel, q: &DashQuery) -> PanelView {
    let year =
        q.year.filter(|y| panel.years.contains(y)).unwrap_or(*panel.years.last().unwrap_or(&0));
    let first_year = *panel.years.first().unwrap_or(&0);
    let lines = zone_lines(lang, panel, year, first_year);
    let zone = q
        .unit
        .as_deref()
        .and_then(|u| u.parse::<i64>().ok())
        .filter(|z| panel.zones.iter().any(|x| x.id == *z))
        .or(lines.first().map(|l| l.id));
    let profile = zone.map(|zid| profile(lang, f, panel, zid, year));
    let intervals = rank_intervals(lang, panel, year);
    PanelView { lines, year, first_year, profile, intervals }
}

fn zone_name(lang: Lang, panel: &IndexPanel, zid: i64) -> String {
    panel
        .zones
        .iter()
        .find(|z| z.id == zid)
        .map(|z| name(lang, &z.name_zh, &z.name_en))
        .unwrap_or_default()
}

/// Each zone's index over the years up to `year`, ranked by its score in `year`.
fn zone_lines(lang: Lang, panel: &IndexPanel, year: i32, first_year: i32) -> Vec<ZoneLine> {
    let span = (year - first_year).max(1) as f64;
    let mut lines = Vec::new();
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
    lines
}

/// A zone's pillars against the zones' average, its strengths and weaknesses.
fn profile(lang: Lang, f: &Framework, panel: &IndexPanel, zid: i64, year: i32) -> Profile {
    let pillars = f
        .pillars
        .iter()
        .map(|p| {
            let mine = panel.score(zid, year, &p.code);
            let all: Vec<f64> =
                panel.zones.iter().filter_map(|z| panel.score(z.id, year, &p.code)).collect();
            let avg = if all.is_empty() {
                None
            } else {
                Some(all.iter().sum::<f64>() / all.len() as f64)
            };
            PillarScore {
                name: name(lang, &p.name_zh, &p.name_en),
                score: mine.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into()),
                average: avg.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into()),
            }
        })
        .collect();
    let Extremes { strongest: strengths, weakest: weaknesses } =
        strengths(panel, f, lang, zid, year);
    Profile { zone: zone_name(lang, panel, zid), pillars, strengths, weaknesses }
}

/// The panel's rows of one year, as a data set of its own.
fn year_data(panel: &IndexPanel, year: i32) -> index::Data {
    let rows: Vec<usize> = panel
        .aggregated
        .rows
        .iter()
        .copied()
        .filter(|&r| panel.data.times[r] == Some(year as f64))
        .collect();
    index::Data {
        codes: rows.iter().map(|&r| panel.data.codes[r].clone()).collect(),
        names: rows.iter().map(|&r| panel.data.names[r].clone()).collect(),
        times: rows.iter().map(|_| None).collect(),
        groups: Default::default(),
        denominators: Default::default(),
        values: panel.data.values.iter().map(|c| rows.iter().map(|&r| c[r]).collect()).collect(),
        panel: false,
    }
}

/// Rank intervals of the chosen year, from the uncertainty analysis of that year alone.
fn rank_intervals(lang: Lang, panel: &IndexPanel, year: i32) -> Vec<RankInterval> {
    let year_data = year_data(panel, year);
    let base = index::Pipeline {
        impute: Some(index::Impute { median: false, group: None }),
        normalise: Some(index::Normalise::MinMax { lower: 1.0, upper: 100.0 }),
        aggregate: Some(index::Aggregate { mean: index::Mean::Arithmetic, min_availability: 0.0 }),
        ..Default::default()
    };
    let assumptions = sensitivity::ranking_assumptions();
    let mut intervals = vec![];
    if year_data.codes.len() >= 2
        && let Ok(sa) =
            sensitivity::analyse(&panel.meta, &year_data, &base, &assumptions, 200, 2026)
    {
        let n = sa.units.len().max(1) as f64;
        for u in &sa.units {
            let zid: i64 = u.code.trim_start_matches('Z').parse().unwrap_or(0);
            let x = |r: f64| 150.0 + (r - 1.0) / (n - 1.0).max(1.0) * 400.0;
            intervals.push(RankInterval {
                zone: zone_name(lang, panel, zid),
                low: x(u.q05),
                high: x(u.q95),
                median: x(u.median),
                text: format!("{:.0}–{:.0}（{}）", u.q05, u.q95, u.median),
            });
        }
        intervals.sort_by(|a, b| a.median.total_cmp(&b.median));
    }
    intervals
}
