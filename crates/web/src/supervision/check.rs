//! The half-yearly check (检查通报): each lead unit's completion as the records stood at the
//! half's end — tasks due, done, the rate, mean progress, at risk, overdue — and the tasks that
//! need attention; as a page and a PDF generated from the records.
use super::{TaskLine, followed, task_line};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ViewTasks};
use crate::error::AppResult;
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use innocity_core::access::Principal;
use innocity_core::supervision::{self as rules, Half};
use innocity_reports::{Block, Cell};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
pub struct HalfQuery {
    /// The half-year checked: 2026H1 or 2026H2; the last one begun by default.
    pub half: Option<String>,
}

/// The half asked for, else the current one.
pub(crate) fn half_of(ctx: &Ctx, q: &HalfQuery) -> Half {
    let today = ctx.today();
    let current = Half { year: today.year(), half: if today.month() <= 6 { 1 } else { 2 } };
    q.half.as_deref().and_then(Half::parse).filter(|h| h.start() <= today).unwrap_or(current)
}

/// A unit's completion as the check shows it.
#[derive(serde::Serialize, ToSchema)]
pub struct UnitCompletion {
    pub unit_id: i64,
    pub unit: String,
    pub due: usize,
    pub done: usize,
    /// done / due in %, none when nothing was due.
    pub rate: Option<f64>,
    pub mean_progress: f64,
    /// Where the tasks should be on the straight line by the half's end (时序进度), in %.
    pub schedule: f64,
    pub at_risk: usize,
    pub overdue: usize,
}

pub struct Check {
    pub half: Half,
    /// The day the records are read as of.
    pub as_of: chrono::NaiveDate,
    pub units: Vec<UnitCompletion>,
    pub attention: Vec<TaskLine>,
}

pub(crate) async fn check_of(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    half: Half,
) -> AppResult<Check> {
    let lang = ctx.lang;
    let units = state.units().await?;
    // As the records stood at the half's end (today while the half runs).
    let as_of = half.end().min(ctx.today());
    // A task belongs to its deadline's year: next year's tasks begun by then are checked too.
    let mut tasks = followed(state, p, half.year, as_of).await?;
    tasks.extend(
        followed(state, p, half.year + 1, as_of)
            .await?
            .into_iter()
            .filter(|f| f.task.start <= as_of),
    );
    let mut leads: Vec<i64> = tasks.iter().map(|f| f.task.lead_unit_id).collect();
    leads.sort_unstable();
    leads.dedup();
    let completions = leads
        .into_iter()
        .map(|unit_id| {
            let own: Vec<_> = tasks
                .iter()
                .filter(|f| f.task.lead_unit_id == unit_id)
                .map(|f| (f.task.terms(), f.points.clone()))
                .collect();
            let c = rules::completion(&own, as_of);
            UnitCompletion {
                unit_id,
                unit: crate::evaluation::unit_name(lang, &units, unit_id),
                due: c.due,
                done: c.done,
                rate: c.rate.map(|r| (r * 1000.0).round() / 10.0),
                mean_progress: (c.mean_progress * 10.0).round() / 10.0,
                schedule: (c.schedule * 10.0).round() / 10.0,
                at_risk: c.at_risk,
                overdue: c.overdue,
            }
        })
        .collect();
    let attention = tasks
        .iter()
        // Behind, overdue, or due by the check and not done (overdue at the check).
        .filter(|f| {
            f.standing.needs_attention()
                || (f.task.deadline <= as_of && f.standing != rules::Standing::Done)
        })
        .map(|f| task_line(lang, &units, f))
        .collect();
    Ok(Check { half, as_of, units: completions, attention })
}

fn half_title(lang: Lang, h: Half) -> String {
    let key = if h.half == 1 { "task.check.title_h1" } else { "task.check.title_h2" };
    tf(lang, key, &[h.year.to_string()])
}

#[derive(Template)]
#[template(path = "tasks_check.html")]
struct CheckPage {
    s: Shell,
    title: String,
    half: String,
    halves: Vec<Choice>,
    check: Check,
}

impl CheckPage {
    fn rate(&self, r: &Option<f64>) -> String {
        r.map_or_else(|| "—".into(), |r| format!("{r:.1}%"))
    }
    fn percent(&self, x: &f64) -> String {
        format!("{x:.1}%")
    }
}

pub async fn page(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Query(q): Query<HalfQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let half = half_of(ctx, &q);
    let check = check_of(&state, ctx, &a.principal, half).await?;
    let this = ctx.clock.year();
    let halves = (this - 1..=this)
        .rev()
        .flat_map(|y| [Half { year: y, half: 2 }, Half { year: y, half: 1 }])
        .filter(|h| h.start() <= ctx.today())
        .map(|h| Choice::new(h.code(), half_title(ctx.lang, h), h == half))
        .collect();
    Ok(render(&CheckPage {
        s: ctx.shell(),
        title: half_title(ctx.lang, half),
        half: half.code(),
        halves,
        check,
    }))
}

/// The check as a PDF: summary, each unit's completion, the tasks that need attention.
pub async fn pdf(
    State(state): State<AppState>,
    a: Auth<ViewTasks>,
    Query(q): Query<HalfQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let half = half_of(ctx, &q);
    let c = check_of(&state, ctx, &a.principal, half).await?;
    let title = half_title(lang, half);
    let (due, done): (usize, usize) =
        c.units.iter().fold((0, 0), |(d, n), u| (d + u.due, n + u.done));
    let blocks = vec![
        Block::Title(title.clone()),
        Block::Subtitle(tf(
            lang,
            "task.check.as_of",
            &[c.as_of.format("%Y年%m月%d日").to_string()],
        )),
        Block::Paragraph(tf(
            lang,
            "task.check.summary",
            &[
                c.units.len().to_string(),
                due.to_string(),
                done.to_string(),
                c.attention.len().to_string(),
            ],
        )),
        Block::Heading(t(lang, "task.check.units").into()),
        completion_table(lang, &c),
        // Each unit's mean progress against where its tasks should be (时序进度).
        Block::Bars {
            items: c
                .units
                .iter()
                .map(|u| {
                    let label = format!("{:.1}% / {:.1}%", u.mean_progress, u.schedule);
                    (u.unit.clone(), u.mean_progress / 100.0, label, [0.2, 0.4, 0.7])
                })
                .collect(),
        },
        Block::Heading(t(lang, "task.check.attention").into()),
        attention_table(lang, &c),
    ];
    let pdf = crate::indicators::reports::render_report(ctx, blocks, title)?;
    Ok(crate::http::download(pdf, &format!("task_check_{}.pdf", half.code()), "application/pdf"))
}

/// Each unit's completion as a table.
fn completion_table(lang: Lang, c: &Check) -> Block {
    let head = [
        "task.col.unit",
        "task.col.due",
        "task.col.done",
        "task.col.rate",
        "task.col.mean",
        "task.col.schedule",
        "task.col.at_risk",
        "task.col.overdue",
    ];
    let mut rows = vec![head.iter().map(|k| Cell::plain(t(lang, k))).collect::<Vec<_>>()];
    for u in &c.units {
        rows.push(vec![
            Cell::plain(&u.unit),
            Cell::plain(u.due.to_string()),
            Cell::plain(u.done.to_string()),
            Cell::plain(u.rate.map_or_else(|| "—".into(), |r| format!("{r:.1}%"))),
            Cell::plain(format!("{:.1}%", u.mean_progress)),
            Cell::plain(format!("{:.1}%", u.schedule)),
            Cell::plain(u.at_risk.to_string()),
            Cell::plain(u.overdue.to_string()),
        ]);
    }
    Block::Table { widths: vec![0.24, 0.09, 0.09, 0.11, 0.12, 0.12, 0.11, 0.12], rows }
}

/// The tasks at risk or overdue as a table.
fn attention_table(lang: Lang, c: &Check) -> Block {
    let head = [
        "task.col.title",
        "task.col.lead",
        "task.col.deadline",
        "task.col.progress",
        "task.col.standing",
    ];
    let mut rows = vec![head.iter().map(|k| Cell::plain(t(lang, k))).collect::<Vec<_>>()];
    for l in &c.attention {
        rows.push(
            [&l.title, &l.lead, &l.deadline, &l.progress, &l.standing]
                .iter()
                .map(|x| Cell::plain(*x))
                .collect(),
        );
    }
    Block::Table { widths: vec![0.36, 0.2, 0.14, 0.12, 0.18], rows }
}
