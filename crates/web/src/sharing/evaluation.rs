//! The bureau's open-sharing evaluation (开放共享评价): each instrument owner's year from the
//! records, scored by the published criteria into a graded ranking, with a chart; publishing
//! freezes a year's results, after which the bureau records its reward or warning per owner. The
//! results as a workbook and as a PDF report.
use super::{parse_id, refused_on};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageVouchers, parse_form};
use crate::error::{AppError, AppResult};
use crate::http::TableCell as C;
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use innocity_core::projects::money::{Money, Unit};
use innocity_core::sharing::evaluation::{CRITERIA, Grade, Outcome, OwnerFigures, median};
use innocity_reports::{Block, Cell};
use innocity_store::sharing::evaluation as store;
use serde::Deserialize;
use utoipa::IntoParams;

/// One owner's result, live or published.
pub struct OwnerResult {
    /// The published row's id (0 while live).
    pub id: i64,
    pub place: i64,
    pub owner_id: i64,
    pub owner: String,
    pub figures: OwnerFigures,
    pub parts: [f64; 5],
    pub total: f64,
    pub grade: Grade,
    pub outcome: Option<Outcome>,
    pub reward: Option<Money>,
    pub note: String,
}

impl From<store::EvaluationRow> for OwnerResult {
    fn from(r: store::EvaluationRow) -> Self {
        OwnerResult {
            id: r.id,
            place: r.place,
            owner_id: r.owner_id,
            owner: r.owner,
            figures: r.figures,
            parts: r.parts,
            total: r.total,
            grade: r.grade,
            outcome: r.outcome,
            reward: r.reward,
            note: r.note,
        }
    }
}

/// A year's results: published ones when the year is published, else as the records stand.
pub struct YearResults {
    pub published: bool,
    pub as_of: chrono::NaiveDate,
    pub results: Vec<OwnerResult>,
}

pub async fn year_results(state: &AppState, ctx: &Ctx, year: i32) -> AppResult<YearResults> {
    let rows = store::published(&state.db, year).await?;
    if let Some(first) = rows.first() {
        let as_of = first.as_of;
        let results = rows.into_iter().map(OwnerResult::from).collect();
        return Ok(YearResults { published: true, as_of, results });
    }
    let today = ctx.today();
    let as_of = store::year_span(year, today).and_then(|(_, to)| to.pred_opt()).unwrap_or(today);
    let results = store::ranked(&state.db, year)
        .await?
        .into_iter()
        .map(|(place, o, s)| OwnerResult {
            id: 0,
            place: place as i64,
            owner_id: o.owner_id,
            owner: o.owner,
            figures: o.figures,
            parts: s.parts,
            total: s.total,
            grade: s.grade,
            outcome: None,
            reward: None,
            note: String::new(),
        })
        .collect();
    Ok(YearResults { published: false, as_of, results })
}

/// An owner's own result of a year, as its workspace shows it.
pub struct OwnResult {
    pub year: i32,
    pub live: bool,
    pub place: String,
    pub total: String,
    pub grade_code: &'static str,
    pub grade: String,
    pub outcome: String,
}

/// The owner's results: this year's as the records stand (unless published), then the published
/// ones, the latest first.
pub async fn own_results(state: &AppState, ctx: &Ctx, owner: i64) -> AppResult<Vec<OwnResult>> {
    let lang = ctx.lang;
    let this = ctx.today().year();
    let mut out = Vec::new();
    let published = store::results_of(&state.db, owner).await?;
    if !published.iter().any(|r| r.year == this) {
        let live = year_results(state, ctx, this).await?;
        let of = live.results.len();
        if let Some(r) = live.results.iter().find(|r| r.owner_id == owner) {
            out.push(own(lang, this, true, r, of));
        }
    }
    for r in published {
        let of = store::published(&state.db, r.year).await?.len();
        let year = r.year;
        out.push(own(lang, year, false, &OwnerResult::from(r), of));
    }
    Ok(out)
}

fn own(lang: Lang, year: i32, live: bool, r: &OwnerResult, of: usize) -> OwnResult {
    let l = line(lang, r);
    OwnResult {
        year,
        live,
        place: tf(lang, "sharing.eval.place_of", &[r.place.to_string(), of.to_string()]),
        total: l.total,
        grade_code: l.grade_code,
        grade: l.grade,
        outcome: l.outcome,
    }
}

pub fn grade_name(lang: Lang, g: Grade) -> String {
    t(lang, &format!("sharing.eval.grade.{}", g.code())).into()
}

fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 6.0).round() / 10.0
}

fn percent(x: f64) -> f64 {
    (x * 1000.0).round() / 10.0
}

/// A result as the page's table shows it.
pub struct Line {
    pub id: i64,
    pub place: i64,
    pub owner: String,
    pub instruments: i64,
    pub open_hours: String,
    pub used_hours: String,
    pub utilisation: String,
    pub external: String,
    pub income: String,
    pub rating: String,
    pub response: String,
    pub parts: Vec<String>,
    pub total: String,
    /// The total as the chart bar's width, 0–100.
    pub bar: String,
    pub grade_code: &'static str,
    pub grade: String,
    pub outcome_code: &'static str,
    pub outcome: String,
}

fn line(lang: Lang, r: &OwnerResult) -> Line {
    let f = &r.figures;
    let outcome = match r.outcome {
        Some(Outcome::Reward) => {
            let amount = r.reward.map(|m| format!(" {} 万元", m.wan_text())).unwrap_or_default();
            format!("{}{amount}", t(lang, "sharing.eval.reward"))
        }
        Some(Outcome::Warning) => t(lang, "sharing.eval.warning").to_string(),
        None => String::new(),
    };
    let outcome = if r.note.is_empty() { outcome } else { format!("{outcome}：{}", r.note) };
    Line {
        id: r.id,
        place: r.place,
        owner: r.owner.clone(),
        instruments: f.instruments,
        open_hours: format!("{:.1}", hours(f.open_minutes)),
        used_hours: format!("{:.1}", hours(f.used_minutes)),
        utilisation: format!("{:.1}%", percent(f.utilisation())),
        external: format!("{:.1}%", percent(f.external_share())),
        income: Money(f.income_fen).wan_text(),
        rating: super::providers::rating_text(lang, f.rating_sum, f.ratings),
        response: median(&f.response_hours)
            .map_or_else(|| "—".into(), |h| tf(lang, "sharing.eval.hours", &[format!("{h:.1}")])),
        parts: r.parts.iter().map(|p| format!("{p:.1}")).collect(),
        total: format!("{:.1}", r.total),
        bar: format!("{:.1}", r.total.clamp(0.0, 100.0)),
        grade_code: r.grade.code(),
        grade: grade_name(lang, r.grade),
        outcome_code: r.outcome.map_or("", Outcome::code),
        outcome,
    }
}

pub struct CriterionLine {
    pub name: String,
    pub weight: u32,
    pub rule: String,
}

pub fn criteria(lang: Lang) -> Vec<CriterionLine> {
    CRITERIA
        .iter()
        .map(|c| CriterionLine {
            name: lang.pick(c.name_zh, c.name_en).into(),
            weight: c.weight,
            rule: lang.pick(c.rule_zh, c.rule_en).into(),
        })
        .collect()
}

/// How many owners each grade has.
fn grade_counts(lang: Lang, results: &[OwnerResult]) -> Vec<Choice> {
    Grade::ALL
        .iter()
        .map(|g| {
            let n = results.iter().filter(|r| r.grade == *g).count();
            Choice::new(n, grade_name(lang, *g), false)
        })
        .collect()
}

#[derive(Deserialize, IntoParams, Default)]
pub struct YearQuery {
    /// The year evaluated; this year by default.
    pub year: Option<i32>,
}

/// A year in a path, within the platform's years (2000 to this one), else not found.
pub fn year_in_path(ctx: &Ctx, year: &str) -> AppResult<i32> {
    let this = ctx.today().year();
    year.parse()
        .ok()
        .filter(|y| (2000..=this).contains(y))
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

/// The year asked for, within the platform's years.
pub fn year_of(ctx: &Ctx, q: &YearQuery) -> i32 {
    let this = ctx.today().year();
    q.year.filter(|y| (2000..=this).contains(y)).unwrap_or(this)
}

#[derive(Template)]
#[template(path = "sharing_evaluation.html")]
struct EvaluationPage {
    s: Shell,
    year: i32,
    years: Vec<Choice>,
    published: bool,
    as_of: String,
    criteria: Vec<CriterionLine>,
    counts: Vec<Choice>,
    lines: Vec<Line>,
}

/// The year's ranking with the criteria, the chart and the bureau's actions.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let year = year_of(ctx, &q);
    let r = year_results(&state, ctx, year).await?;
    let this = ctx.today().year();
    Ok(render(&EvaluationPage {
        year,
        years: (this - 3..=this).rev().map(|y| Choice::new(y, y, y == year)).collect(),
        published: r.published,
        as_of: r.as_of.format("%Y-%m-%d").to_string(),
        criteria: criteria(lang),
        counts: grade_counts(lang, &r.results),
        lines: r.results.iter().map(|x| line(lang, x)).collect(),
        s: ctx.shell(),
    }))
}

pub async fn publish(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(year): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let _: std::collections::HashMap<String, String> = parse_form(ctx, &body)?;
    let year = publish_as(&state, ctx, &year).await?;
    Ok(Redirect::to(&format!("/sharing/evaluation?year={year}")).into_response())
}

pub async fn publish_as(state: &AppState, ctx: &Ctx, year: &str) -> AppResult<i32> {
    // the store names a year not begun
    let year: i32 = year.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::publish(&state.db, year, ctx.actor()).await.map_err(|e| refused_on(ctx, "year", e))?;
    Ok(year)
}

/// The bureau's response to one published result.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct OutcomeInput {
    /// `reward`, `warning` or empty for none.
    #[serde(default)]
    pub outcome: String,
    /// The reward, 万元 (optional).
    #[serde(default)]
    pub reward_wan: String,
    /// Why (required for a warning).
    #[serde(default)]
    pub note: String,
}

/// Records the outcome; returns the year of the result.
pub async fn outcome_as(state: &AppState, ctx: &Ctx, id: &str, i: &OutcomeInput) -> AppResult<i32> {
    let id = parse_id(ctx, id)?;
    let invalid = |field: &str, key: &str, args: &[String]| {
        crate::subjects::api::invalid(ctx, vec![(field.into(), tf(ctx.lang, key, args))])
    };
    let outcome = match i.outcome.trim() {
        "" => None,
        code => Some(Outcome::parse(code).ok_or_else(|| invalid("outcome", "err.choose", &[]))?),
    };
    let reward = match i.reward_wan.trim() {
        "" => None,
        text => Some(
            Money::parse(text, Unit::Wan)
                .map_err(|_| invalid("reward_wan", "sharing.err.money", &[text.into()]))?,
        ),
    };
    let row = state
        .db
        .row::<store::EvaluationRow>(
            &innocity_store::rows::select::<store::EvaluationRow>("WHERE e.id = ?"),
            vec![id.into()],
        )
        .await?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    store::decide_outcome(&state.db, id, outcome, reward, &i.note, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "outcome", e))?;
    Ok(row.year)
}

pub async fn outcome(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let i: OutcomeInput = parse_form(ctx, &body)?;
    let year = outcome_as(&state, ctx, &id, &i).await?;
    Ok(Redirect::to(&format!("/sharing/evaluation?year={year}#results")).into_response())
}

fn head(lang: Lang) -> Vec<String> {
    let mut h: Vec<String> = [
        "sharing.eval.col.place",
        "sharing.eval.col.owner",
        "sharing.eval.col.instruments",
        "sharing.eval.col.open_hours",
        "sharing.eval.col.used_hours",
        "sharing.eval.col.utilisation",
        "sharing.eval.col.external",
        "sharing.eval.col.income",
    ]
    .iter()
    .map(|k| t(lang, k).to_string())
    .collect();
    h.extend(CRITERIA.iter().map(|c| lang.pick(c.name_zh, c.name_en).to_string()));
    h.extend(
        ["sharing.eval.col.total", "sharing.eval.col.grade", "sharing.eval.col.outcome"]
            .map(|k| t(lang, k).to_string()),
    );
    h
}

/// The year's results as a workbook: one row per owner, figures as numbers.
pub async fn xlsx(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(year): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let year = year_in_path(ctx, &year)?;
    let r = year_results(&state, ctx, year).await?;
    let rows: Vec<Vec<C>> = r
        .results
        .iter()
        .map(|x| {
            let f = &x.figures;
            let l = line(lang, x);
            let mut row = vec![
                C::Int(x.place),
                C::Text(x.owner.clone()),
                C::Int(f.instruments),
                C::Real(hours(f.open_minutes)),
                C::Real(hours(f.used_minutes)),
                C::Real(percent(f.utilisation())),
                C::Real(percent(f.external_share())),
                C::Wan(f.income_fen),
            ];
            row.extend(x.parts.iter().map(|p| C::Real(*p)));
            row.extend([C::Real(x.total), C::Text(l.grade), C::Text(l.outcome)]);
            row
        })
        .collect();
    let head = head(lang);
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let sheet = tf(lang, "sharing.eval.sheet", &[year.to_string()]);
    crate::http::table(&sheet, &head, &rows, &format!("open_sharing_{year}.xlsx"))
}

/// The year's report as PDF: what was measured and how, the grades, the ranking, a chart.
pub async fn pdf(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(year): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let year = year_in_path(ctx, &year)?;
    let r = year_results(&state, ctx, year).await?;
    let title = tf(lang, "sharing.eval.report_title", &[year.to_string()]);
    let state_words =
        if r.published { "sharing.eval.published_on" } else { "sharing.eval.live_on" };
    let mut blocks = vec![
        Block::Title(title.clone()),
        Block::Subtitle(tf(lang, state_words, &[r.as_of.format("%Y-%m-%d").to_string()])),
        Block::Heading(t(lang, "sharing.eval.criteria").into()),
    ];
    let mut rows = vec![
        ["sharing.eval.col.criterion", "sharing.eval.col.weight", "sharing.eval.col.rule"]
            .iter()
            .map(|k| Cell::plain(t(lang, k)))
            .collect::<Vec<_>>(),
    ];
    rows.extend(criteria(lang).into_iter().map(|c| {
        vec![Cell::plain(c.name), Cell::plain(format!("{}%", c.weight)), Cell::plain(c.rule)]
    }));
    blocks.push(Block::Table { widths: vec![0.25, 0.1, 0.65], rows });
    let counts = grade_counts(lang, &r.results)
        .into_iter()
        .map(|c| format!("{} {}", c.label, c.value))
        .collect::<Vec<_>>()
        .join("，");
    blocks.push(Block::Paragraph(tf(
        lang,
        "sharing.eval.summary",
        &[r.results.len().to_string(), counts],
    )));
    blocks.push(Block::Heading(t(lang, "sharing.eval.ranking").into()));
    let keys = [
        "sharing.eval.col.place",
        "sharing.eval.col.owner",
        "sharing.eval.col.utilisation",
        "sharing.eval.col.external",
        "sharing.eval.col.income",
        "sharing.eval.col.total",
        "sharing.eval.col.grade",
    ];
    let mut rows = vec![keys.iter().map(|k| Cell::plain(t(lang, k))).collect::<Vec<_>>()];
    for x in &r.results {
        let l = line(lang, x);
        rows.push(
            [l.place.to_string(), l.owner, l.utilisation, l.external, l.income, l.total, l.grade]
                .into_iter()
                .map(Cell::plain)
                .collect(),
        );
    }
    blocks.push(Block::Table { widths: vec![0.07, 0.33, 0.12, 0.12, 0.12, 0.1, 0.14], rows });
    blocks.push(Block::Heading(t(lang, "sharing.eval.chart").into()));
    let bars = r
        .results
        .iter()
        .map(|x| (x.owner.clone(), x.total / 100.0, format!("{:.1}", x.total), grade_rgb(x.grade)))
        .collect();
    blocks.push(Block::Bars { items: bars });
    let pdf = crate::indicators::reports::render_report(ctx, blocks, title)?;
    Ok(crate::http::download(pdf, &format!("open_sharing_{year}.pdf"), "application/pdf"))
}

fn grade_rgb(g: Grade) -> [f32; 3] {
    match g {
        Grade::Excellent => [0.18, 0.49, 0.2],
        Grade::Good => [0.2, 0.4, 0.7],
        Grade::Pass => [0.88, 0.63, 0.0],
        Grade::Fail => [0.78, 0.16, 0.16],
    }
}
