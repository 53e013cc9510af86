//! The quarterly data release (按季度发布数据, seed 004): once a quarter has ended the bureau
//! releases a framework's figures — the whole's indicators (本年累计 or the level, the quarter
//! alone, 同比) and each city's, zone's and county's values — and the public reads them, as
//! released, on `/public/releases` and as a workbook; releasing again makes a new revision.
use super::periods::{PeriodLine, lines, period_name, value_at};
use super::{find, name, unit_in_scope};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageIndicators};
use crate::error::{AppError, AppResult};
use crate::http::TableCell as C;
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render};
use crate::stats::number;
use askama::Template;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use innocity_core::access::Principal;
use innocity_core::indicators::release::{
    Coverage, Figures, ReleasedLine, ReleasedUnit, ReleasedValue, YearOnYear,
};
use innocity_core::indicators::targets::Framework;
use innocity_core::periods::Period;
use innocity_store::indicators::IndicatorValue;
use innocity_store::indicators::releases::{self as store, Release};
use innocity_store::orgs::OrgUnit;
use serde::Serialize;
use utoipa::ToSchema;

/// The quarter asked for, if it may be released: a quarter, ended, within the framework's years;
/// otherwise refused on `period` naming the rule.
fn releasable(ctx: &Ctx, f: &Framework, text: &str) -> AppResult<Period> {
    let refuse = |key: &str, args: &[String]| {
        let m = tf(ctx.lang, key, args);
        crate::subjects::api::invalid(ctx, vec![("period".into(), m)])
    };
    let p = match Period::parse(text.trim()) {
        Ok(p @ Period::Quarter(..)) => p,
        _ => return Err(refuse("ind.release.err.quarter", &[text.to_string()])),
    };
    if p.days().1 >= ctx.today() {
        return Err(refuse("ind.release.err.running", &[period_name(ctx.lang, p)]));
    }
    if !within_years(f, p) {
        let (from, to) = f.years().unwrap_or_default();
        let args = [period_name(ctx.lang, p), from.to_string(), to.to_string()];
        return Err(refuse("ind.release.err.years", &args));
    }
    Ok(p)
}

/// Whether a period lies in the years the framework follows.
fn within_years(f: &Framework, p: Period) -> bool {
    f.years().is_some_and(|(from, to)| (from..=to).contains(&p.year()))
}

/// The cities, zones and counties below the whole, each city followed by its zones and counties.
fn areas<'a>(all: &'a [OrgUnit], whole: &OrgUnit) -> Vec<&'a OrgUnit> {
    let rank = |u: &OrgUnit| ["city", "zone", "county"].iter().position(|l| *l == u.level);
    let mut out: Vec<&OrgUnit> = all
        .iter()
        .filter(|u| u.id != whole.id && u.path.starts_with(&whole.path) && rank(u).is_some())
        .collect();
    out.sort_by_key(|u| {
        let city = if u.level == "city" { u.id } else { u.parent_id.unwrap_or(u.id) };
        (city, rank(u), u.id)
    });
    out
}

/// What a release publishes, pure: the whole's lines (names in both languages, the same quarter
/// a year before) and the areas' values at the quarter.
pub fn compose(
    f: &Framework,
    whole: &OrgUnit,
    values: &[IndicatorValue],
    areas: &[&OrgUnit],
    area_values: &[IndicatorValue],
    p: Period,
    today: chrono::NaiveDate,
) -> Figures {
    let year_before = match p {
        Period::Quarter(y, q) => Period::Quarter(y - 1, q),
        other => other,
    };
    let of_whole: Vec<PeriodLine> = lines(Lang::Zh, f, values, p, today);
    let released = f.targets.iter().zip(of_whole).map(|(tg, l)| ReleasedLine {
        code: tg.code.clone(),
        name_zh: tg.name_zh.clone(),
        name_en: tg.name_en.clone(),
        unit: tg.unit.clone(),
        accrual: l.accrual.to_string(),
        value: l.value,
        in_period: l.in_period,
        year_before: value_at(values, &tg.code, year_before).map(|v| v.value),
        source: l.source,
    });
    let period = p.to_string();
    let units = areas.iter().map(|u| ReleasedUnit {
        unit_id: u.id,
        name_zh: u.name_zh.clone(),
        name_en: u.name_en.clone(),
        level: u.level.clone(),
        values: f
            .targets
            .iter()
            .map(|tg| ReleasedValue {
                code: tg.code.clone(),
                value: area_values
                    .iter()
                    .find(|v| v.org_unit_id == u.id && v.indicator == tg.code && v.period == period)
                    .map(|v| v.value),
            })
            .collect(),
    });
    Figures {
        unit_id: whole.id,
        unit_name_zh: whole.name_zh.clone(),
        unit_name_en: whole.name_en.clone(),
        lines: released.collect(),
        units: units.collect(),
        coverage: Vec::new(),
    }
}

/// The figures of a quarter as they stand in the store, for the whole and its areas.
pub async fn figures_of(
    db: &innocity_store::Db,
    f: &Framework,
    whole: &OrgUnit,
    all: &[OrgUnit],
    p: Period,
    today: chrono::NaiveDate,
) -> innocity_store::db::Result<Figures> {
    let codes: Vec<String> = f.targets.iter().map(|t| t.code.clone()).collect();
    let values = innocity_store::indicators::for_unit(db, whole.id, &codes).await?;
    let areas = areas(all, whole);
    let ids: Vec<i64> = areas.iter().map(|u| u.id).collect();
    let area_values =
        innocity_store::indicators::for_period(db, &ids, &codes, &p.to_string()).await?;
    let mut figures = compose(f, whole, &values, &areas, &area_values, p, today);
    figures.coverage = super::coverage::of_period(db, f, whole, all, p).await?;
    Ok(figures)
}

/// Checks the quarter, reads the figures as they stand and releases them (a new revision when
/// released before); a quarter without a single value of the whole is refused on `period`, one
/// whose statistics are not all reported on `accept_incomplete` unless the bureau accepts that.
async fn release_now(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    (code, period): (&str, &str),
    accept_incomplete: bool,
) -> AppResult<Release> {
    let f = find(state, ctx, code).await?;
    let p = releasable(ctx, &f, period)?;
    let whole = unit_in_scope(state, ctx, principal, None).await?;
    let all = state.units().await?;
    let figures = figures_of(&state.db, &f, &whole, &all, p, ctx.today()).await?;
    if !figures.has_values() {
        let m = tf(ctx.lang, "ind.release.err.empty", &[period_name(ctx.lang, p)]);
        return Err(crate::subjects::api::invalid(ctx, vec![("period".into(), m)]));
    }
    let missing: Vec<String> =
        figures.incomplete().map(|c| super::coverage::describe(ctx.lang, c)).collect();
    if !missing.is_empty() && !accept_incomplete {
        let args = [period_name(ctx.lang, p), missing.join(t(ctx.lang, "ind.coverage.sep"))];
        let m = tf(ctx.lang, "ind.release.err.incomplete", &args);
        return Err(crate::subjects::api::invalid(ctx, vec![("accept_incomplete".into(), m)]));
    }
    Ok(store::release(&state.db, &f.code, &p.to_string(), &figures, ctx.actor()).await?)
}

/// The release form's one choice: release though some statistics are not in (a ticked box).
#[derive(serde::Deserialize, Default)]
struct ReleaseForm {
    #[serde(default)]
    accept_incomplete: String,
}

/// The bureau's button on the quarter's monitoring page.
pub async fn release(
    State(state): State<AppState>,
    a: Auth<ManageIndicators>,
    Path((code, period)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let form: ReleaseForm = crate::auth::parse_form(&a.ctx, &body)?;
    let accept = !form.accept_incomplete.is_empty();
    let r = release_now(&state, &a.ctx, &a.principal, (&code, &period), accept).await?;
    let to = format!("/public/releases/{}/{}", r.framework, r.period);
    Ok(crate::http::go_to(&a.ctx, &to))
}

/// A release, as the API gives it.
#[derive(Serialize, ToSchema)]
pub struct ApiRelease {
    pub framework: String,
    /// `2026Q3`.
    pub period: String,
    pub revision: i64,
    pub released_at: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub lines: Vec<ApiReleasedLine>,
    pub areas: Vec<ApiReleasedArea>,
    /// How completely each statistics form the figures read was reported when released.
    pub coverage: Vec<ApiCoverage>,
}

/// 报送情况 of a statistics form for the quarter, across the whole.
#[derive(Serialize, ToSchema)]
pub struct ApiCoverage {
    pub form: String,
    pub form_name: String,
    /// Organisations that must report it.
    pub expected: u32,
    /// Those whose return was submitted, approved or locked.
    pub reported: u32,
    /// `reported / expected` in %, one decimal, never rounded up to 100.
    pub rate_pct: f64,
}

/// An indicator of the whole as released.
#[derive(Serialize, ToSchema)]
pub struct ApiReleasedLine {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// `flow` (本年累计) or `stock` (the level at the quarter's end).
    pub accrual: String,
    pub value: Option<f64>,
    /// A flow's value in the quarter alone.
    pub in_period: Option<f64>,
    /// The same quarter a year before.
    pub year_before: Option<f64>,
    /// 同比 growth in % (amounts).
    pub growth_pct: Option<f64>,
    /// 同比 change in percentage points (shares, unit `%`).
    pub change_points: Option<f64>,
    pub source: String,
}

/// A city's, zone's or county's values as released.
#[derive(Serialize, ToSchema)]
pub struct ApiReleasedArea {
    pub unit_id: i64,
    pub name: String,
    /// city, zone or county.
    pub level: String,
    pub values: Vec<ApiReleasedValue>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiReleasedValue {
    pub code: String,
    pub value: Option<f64>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn api_release_of(lang: Lang, r: &Release) -> ApiRelease {
    let f = &r.figures;
    ApiRelease {
        framework: r.framework.clone(),
        period: r.period.clone(),
        revision: r.revision,
        released_at: crate::auth::format_time(lang, r.released_at_ms),
        unit_id: f.unit_id,
        unit_name: name(lang, &f.unit_name_zh, &f.unit_name_en),
        lines: f
            .lines
            .iter()
            .map(|l| ApiReleasedLine {
                code: l.code.clone(),
                name: name(lang, &l.name_zh, &l.name_en),
                unit: l.unit.clone(),
                accrual: l.accrual.clone(),
                value: l.value,
                in_period: l.in_period,
                year_before: l.year_before,
                growth_pct: match l.year_on_year() {
                    Some(YearOnYear::Growth(g)) => Some(round2(g)),
                    _ => None,
                },
                change_points: match l.year_on_year() {
                    Some(YearOnYear::Points(p)) => Some(round2(p)),
                    _ => None,
                },
                source: l.source.clone(),
            })
            .collect(),
        areas: f
            .units
            .iter()
            .map(|u| ApiReleasedArea {
                unit_id: u.unit_id,
                name: name(lang, &u.name_zh, &u.name_en),
                level: u.level.clone(),
                values: u
                    .values
                    .iter()
                    .map(|v| ApiReleasedValue { code: v.code.clone(), value: v.value })
                    .collect(),
            })
            .collect(),
        coverage: f.coverage.iter().map(|c| api_coverage(lang, c)).collect(),
    }
}

pub fn api_coverage(lang: Lang, c: &Coverage) -> ApiCoverage {
    ApiCoverage {
        form: c.form.clone(),
        form_name: name(lang, &c.form_name_zh, &c.form_name_en),
        expected: c.expected,
        reported: c.reported,
        rate_pct: c.rate(),
    }
}

#[utoipa::path(post, path = "/api/v1/indicators/{code}/releases/{period}", params(("code" = String, Path), ("period" = String, Path, description = "An ended quarter within the framework's years, 2026Q3"), ("accept_incomplete" = Option<bool>, Query, description = "Release though some statistics returns of the quarter are not in (refused on this field otherwise)")), responses((status = 201, body = ApiRelease), (status = 400, body = crate::api::ApiError), (status = 403, body = crate::api::ApiError), (status = 404, body = crate::api::ApiError), (status = 422, body = crate::api::ApiError)))]
/// Releases a framework's figures for an ended quarter to the public (again: a new revision).
pub async fn api_release(
    State(state): State<AppState>,
    a: Auth<ManageIndicators>,
    Path((code, period)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> AppResult<(StatusCode, Json<ApiRelease>)> {
    // Read by hand: a repeated or badly encoded parameter gets the API's answer, not a bare 400.
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let asked = pairs.into_iter().rev().find(|(k, _)| k == "accept_incomplete").map(|(_, v)| v);
    let accept = match asked.as_deref().map(str::trim) {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(other) => {
            let m = tf(a.ctx.lang, "ind.release.err.accept", &[other.to_string()]);
            return Err(crate::subjects::api::invalid(
                &a.ctx,
                vec![("accept_incomplete".into(), m)],
            ));
        }
    };
    let r = release_now(&state, &a.ctx, &a.principal, (&code, &period), accept).await?;
    Ok((StatusCode::CREATED, Json(api_release_of(a.ctx.lang, &r))))
}

/// A release in the public list.
#[derive(Serialize, ToSchema)]
pub struct ApiReleaseSummary {
    pub framework: String,
    pub framework_name: String,
    pub period: String,
    pub period_name: String,
    pub revision: i64,
    pub released_at: String,
}

async fn summaries(state: &AppState, lang: Lang) -> AppResult<Vec<ApiReleaseSummary>> {
    let frameworks = innocity_store::indicators::frameworks(&state.db).await?;
    let all = store::summaries(&state.db).await?;
    Ok(all
        .iter()
        .map(|r| ApiReleaseSummary {
            framework: r.framework.clone(),
            framework_name: frameworks
                .iter()
                .find(|f| f.code == r.framework)
                .map_or_else(|| r.framework.clone(), |f| name(lang, &f.name_zh, &f.name_en)),
            period: r.period.clone(),
            period_name: Period::parse(&r.period)
                .map_or_else(|_| r.period.clone(), |p| period_name(lang, p)),
            revision: r.revision,
            released_at: crate::auth::format_time(lang, r.released_at_ms),
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/public/releases", responses((status = 200, body = Vec<ApiReleaseSummary>)))]
/// The quarterly data the bureau released, the latest first.
pub async fn api_public_releases(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<Json<Vec<ApiReleaseSummary>>> {
    Ok(Json(summaries(&state, ctx.lang).await?))
}

async fn released(
    state: &AppState,
    ctx: &Ctx,
    framework: &str,
    period: &str,
) -> AppResult<Release> {
    store::find(&state.db, framework, period).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

#[utoipa::path(get, path = "/api/v1/public/releases/{framework}/{period}", params(("framework" = String, Path), ("period" = String, Path)), responses((status = 200, body = ApiRelease), (status = 404, body = crate::api::ApiError)))]
/// One quarter's released figures, as released.
pub async fn api_public_release(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((framework, period)): Path<(String, String)>,
) -> AppResult<Json<ApiRelease>> {
    let r = released(&state, &ctx, &framework, &period).await?;
    Ok(Json(api_release_of(ctx.lang, &r)))
}

#[derive(Template)]
#[template(path = "public_releases.html")]
struct ListPage {
    s: Shell,
    releases: Vec<ApiReleaseSummary>,
}

/// The list of releases, for everyone.
pub async fn public_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let releases = summaries(&state, ctx.lang).await?;
    Ok(render(&ListPage { s: ctx.shell(), releases }))
}

/// A released line as the page shows it.
struct LineView {
    name: String,
    unit: String,
    accrual: String,
    value: String,
    in_period: String,
    year_before: String,
    year_on_year: String,
    source: String,
}

/// An area's row as the page shows it.
struct AreaView {
    name: String,
    level: String,
    values: Vec<String>,
}

fn shown(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), number)
}

/// 同比 in words: `+12.5%`, `+0.14个百分点`.
fn year_on_year(lang: Lang, l: &ReleasedLine) -> String {
    match l.year_on_year() {
        Some(YearOnYear::Growth(g)) => format!("{g:+.1}%"),
        Some(YearOnYear::Points(p)) => tf(lang, "ind.release.points", &[format!("{p:+.2}")]),
        None => "—".into(),
    }
}

#[derive(Template)]
#[template(path = "public_release.html")]
struct ReleasePage {
    s: Shell,
    framework: String,
    fname: String,
    period: String,
    title: String,
    released: String,
    revision: i64,
    lines: Vec<LineView>,
    heads: Vec<String>,
    areas: Vec<AreaView>,
    /// 报送情况 in a sentence (empty for a release from before coverage was kept).
    coverage: String,
    /// Some form was not reported by everyone when released.
    incomplete: bool,
}

/// One release, for everyone: the whole's indicators and the areas' values.
pub async fn public_release(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((framework, period)): Path<(String, String)>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let r = released(&state, &ctx, &framework, &period).await?;
    let f = &r.figures;
    let fname = innocity_store::indicators::frameworks(&state.db)
        .await?
        .iter()
        .find(|x| x.code == r.framework)
        .map_or_else(|| r.framework.clone(), |x| name(lang, &x.name_zh, &x.name_en));
    let pname =
        Period::parse(&r.period).map_or_else(|_| r.period.clone(), |p| period_name(lang, p));
    Ok(render(&ReleasePage {
        s: ctx.shell(),
        framework: r.framework.clone(),
        title: tf(
            lang,
            "ind.release.title",
            &[name(lang, &f.unit_name_zh, &f.unit_name_en), pname],
        ),
        fname,
        period: r.period.clone(),
        released: crate::auth::format_time(lang, r.released_at_ms),
        revision: r.revision,
        lines: f.lines.iter().map(|l| line_view(lang, l)).collect(),
        heads: f
            .lines
            .iter()
            .map(|l| format!("{}（{}）", name(lang, &l.name_zh, &l.name_en), l.unit))
            .collect(),
        areas: f
            .units
            .iter()
            .map(|u| AreaView {
                name: name(lang, &u.name_zh, &u.name_en),
                level: t(lang, &format!("level.{}", u.level)).to_string(),
                values: u.values.iter().map(|v| shown(v.value)).collect(),
            })
            .collect(),
        coverage: super::coverage::summary(lang, &f.coverage),
        incomplete: f.incomplete().next().is_some(),
    }))
}

fn line_view(lang: Lang, l: &ReleasedLine) -> LineView {
    LineView {
        name: name(lang, &l.name_zh, &l.name_en),
        unit: l.unit.clone(),
        accrual: t(lang, &format!("ind.period.{}", l.accrual)).to_string(),
        value: shown(l.value),
        in_period: shown(l.in_period),
        year_before: shown(l.year_before),
        year_on_year: year_on_year(lang, l),
        source: t(lang, &format!("ind.src.{}", l.source)).to_string(),
    }
}

/// One release as a workbook: the whole's indicators, then the areas' values, a sheet each.
pub async fn public_workbook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((framework, period)): Path<(String, String)>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let r = released(&state, &ctx, &framework, &period).await?;
    let f = &r.figures;
    let real = |x: Option<f64>| x.map_or(C::Text(String::new()), C::Decimal);
    let head: Vec<String> = [
        "ind.period.col.indicator",
        "ind.release.col.unit",
        "ind.release.col.accrual",
        "ind.period.col.value",
        "ind.period.col.in_period",
        "ind.release.col.year_before",
        "ind.release.col.yoy",
        "ind.period.col.source",
    ]
    .iter()
    .map(|k| t(lang, k).to_string())
    .collect();
    let rows = f
        .lines
        .iter()
        .map(|l| {
            let v = line_view(lang, l);
            vec![
                C::Text(v.name),
                C::Text(v.unit),
                C::Text(v.accrual),
                real(l.value),
                real(l.in_period),
                real(l.year_before),
                C::Text(v.year_on_year),
                C::Text(v.source),
            ]
        })
        .collect();
    let mut area_head = vec![t(lang, "ind.release.col.area").to_string()];
    area_head.extend(
        f.lines.iter().map(|l| format!("{}（{}）", name(lang, &l.name_zh, &l.name_en), l.unit)),
    );
    let area_rows = f
        .units
        .iter()
        .map(|u| {
            let mut row = vec![C::Text(name(lang, &u.name_zh, &u.name_en))];
            row.extend(u.values.iter().map(|v| real(v.value)));
            row
        })
        .collect();
    let mut sheets = vec![
        crate::http::Sheet { name: t(lang, "ind.release.sheet.whole").into(), head, rows },
        crate::http::Sheet {
            name: t(lang, "ind.release.sheet.areas").into(),
            head: area_head,
            rows: area_rows,
        },
    ];
    // A release from before coverage was kept has none to show.
    if !f.coverage.is_empty() {
        sheets.push(coverage_sheet(lang, f));
    }
    let file = format!("{}_{}_r{}.xlsx", r.framework, r.period, r.revision);
    crate::http::workbook(&sheets, &file)
}

/// The release's 报送情况 as a sheet: each form, how many must report, how many had, the rate.
fn coverage_sheet(lang: Lang, f: &Figures) -> crate::http::Sheet {
    let head = [
        "ind.coverage.col.form",
        "ind.coverage.col.expected",
        "ind.coverage.col.reported",
        "ind.coverage.col.rate",
    ]
    .iter()
    .map(|k| t(lang, k).to_string())
    .collect();
    let rows = f
        .coverage
        .iter()
        .map(|c| {
            vec![
                C::Text(tf(
                    lang,
                    "ind.coverage.form",
                    &[name(lang, &c.form_name_zh, &c.form_name_en), c.form.clone()],
                )),
                C::Int(i64::from(c.expected)),
                C::Int(i64::from(c.reported)),
                C::Real(c.rate()),
            ]
        })
        .collect();
    crate::http::Sheet { name: t(lang, "ind.coverage.title").into(), head, rows }
}

/// The release of a quarter shown on its monitoring page: when and which revision.
pub struct ReleaseNote {
    pub revision: i64,
    pub released_at: String,
    pub link: String,
}

/// What the monitoring page says of a period's release: the release when there is one.
pub async fn note(
    state: &AppState,
    lang: Lang,
    code: &str,
    p: Period,
) -> AppResult<Option<ReleaseNote>> {
    let r = store::find(&state.db, code, &p.to_string()).await?;
    Ok(r.map(|r| ReleaseNote {
        revision: r.revision,
        released_at: crate::auth::format_time(lang, r.released_at_ms),
        link: format!("/public/releases/{}/{}", r.framework, r.period),
    }))
}

/// Whether a period may be released today: an ended quarter within the framework's years.
pub fn may_release(f: &Framework, p: Period, today: chrono::NaiveDate) -> bool {
    matches!(p, Period::Quarter(..)) && p.days().1 < today && within_years(f, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, parent: Option<i64>, level: &str, path: &str) -> OrgUnit {
        OrgUnit {
            id,
            parent_id: parent,
            code: format!("U{id}"),
            name_zh: format!("单位{id}"),
            name_en: format!("Unit {id}"),
            level: level.into(),
            path: path.into(),
            county_id: None,
        }
    }

    #[test]
    fn each_city_is_followed_by_its_zones_and_counties_and_parks_are_left_out() {
        let all = vec![
            unit(1, None, "province", "/1/"),
            unit(2, Some(1), "city", "/1/2/"),
            unit(3, Some(1), "city", "/1/3/"),
            unit(4, Some(2), "zone", "/1/2/4/"),
            unit(5, Some(3), "zone", "/1/3/5/"),
            unit(8, Some(4), "park", "/1/2/4/8/"),
            unit(30, Some(2), "county", "/1/2/30/"),
            unit(31, Some(3), "county", "/1/3/31/"),
        ];
        let ids: Vec<i64> = areas(&all, &all[0]).iter().map(|u| u.id).collect();
        assert_eq!(ids, [2, 4, 30, 3, 5, 31]);
        let ids: Vec<i64> = areas(&all, &all[2]).iter().map(|u| u.id).collect();
        assert_eq!(ids, [5, 31], "a city's release holds its own areas");
    }
}
