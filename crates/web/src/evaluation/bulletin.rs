//! A campaign's results as the bureau hands them out: the bulletin (通报, PDF) with the method,
//! the ranking with its intervals, a chart and each unit's strengths and weaknesses; the
//! workbook; and the public ranking of the campaigns the bureau published for all to see.
use super::{ResultLine, campaign_of, dimension_names, result_line};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageEvaluations};
use crate::error::AppResult;
use crate::http::TableCell as C;
use crate::i18n::{t, tf};
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use innocity_core::evaluation::Framework;
use innocity_reports::{Block, Cell};
use innocity_store::StoreError;
use innocity_store::evaluation::{self as store, Campaign, EvaluationRefusal, Stage};

/// The results once released; before that, refused (the results are not out).
async fn released(
    state: &AppState,
    ctx: &Ctx,
    c: &Campaign,
) -> AppResult<(Framework, Vec<store::UnitResultRow>)> {
    if !matches!(c.stage, Stage::Results | Stage::Published) {
        let e = StoreError::Evaluation(EvaluationRefusal::Stage { stage: "results" });
        return Err(ctx.err(e.into()));
    }
    Ok((c.framework()?, store::results(&state.db, c.id).await?))
}

/// What the bulletin says, gathered.
pub struct Bulletin<'a> {
    pub title: &'a str,
    pub published: bool,
    pub today: chrono::NaiveDate,
    pub level: &'a str,
    pub method: &'a str,
    pub framework: &'a Framework,
    pub lines: &'a [ResultLine],
    pub objections: usize,
    pub answered: usize,
}

/// The bulletin's blocks and its footer, from the records.
pub async fn bulletin_blocks(
    state: &AppState,
    ctx: &Ctx,
    c: &Campaign,
) -> AppResult<(Vec<Block>, String)> {
    let lang = ctx.lang;
    let (f, rows) = released(state, ctx, c).await?;
    let units = state.units().await?;
    let lines: Vec<ResultLine> = rows.iter().map(|r| result_line(lang, &f, &units, r)).collect();
    let objections = store::objections(&state.db, c.id).await?;
    Ok(compose(
        lang,
        &Bulletin {
            title: &c.title,
            published: c.stage == Stage::Published,
            today: ctx.today(),
            level: &c.level,
            method: &c.method,
            framework: &f,
            lines: &lines,
            objections: objections.len(),
            answered: objections.iter().filter(|o| o.answered_at.is_some()).count(),
        },
    ))
}

/// The bulletin's blocks: method, framework, ranking, chart, profiles, objections.
pub fn compose(lang: crate::i18n::Lang, b: &Bulletin<'_>) -> (Vec<Block>, String) {
    let (f, lines) = (b.framework, b.lines);
    let title = tf(lang, "eval.bulletin.title", &[b.title.to_string()]);
    let status = match b.published {
        true => t(lang, "eval.bulletin.published"),
        false => t(lang, "eval.bulletin.draft"),
    };
    let mut blocks = vec![
        Block::Title(title.clone()),
        Block::Subtitle(format!("{status} · {}", b.today.format("%Y年%m月%d日"))),
        Block::Heading(t(lang, "eval.bulletin.method").into()),
        Block::Paragraph(tf(
            lang,
            "eval.bulletin.method_text",
            &[
                lines.len().to_string(),
                super::level_name(lang, b.level),
                t(lang, &format!("reviews.method.{}", b.method)).into(),
                super::campaigns::SENSITIVITY_RUNS.to_string(),
            ],
        )),
    ];
    let mut rows_dims = vec![
        ["eval.col.dimension", "eval.col.weight", "eval.col.items"]
            .iter()
            .map(|k| Cell::plain(t(lang, k)))
            .collect::<Vec<_>>(),
    ];
    for d in super::campaigns::dimension_lines(lang, f) {
        let items =
            d.items.iter().map(|i| format!("{}（{}）", i.name, i.weight)).collect::<Vec<_>>();
        rows_dims.push(vec![
            Cell::plain(d.name),
            Cell::plain(format!("{}%", d.weight)),
            Cell::plain(items.join("、")),
        ]);
    }
    blocks.push(Block::Table { widths: vec![0.18, 0.1, 0.72], rows: rows_dims });
    blocks.push(Block::Heading(t(lang, "eval.bulletin.ranking").into()));
    blocks.push(ranking_table(lang, f, lines));
    blocks.push(Block::Heading(t(lang, "eval.bulletin.chart").into()));
    let bars = lines
        .iter()
        .filter(|l| l.score != "—")
        .map(|l| {
            let score: f64 = l.bar.parse().unwrap_or(0.0);
            (l.unit.clone(), score / 100.0, l.score.clone(), [0.2, 0.4, 0.7])
        })
        .collect();
    blocks.push(Block::Bars { items: bars });
    blocks.push(Block::Heading(t(lang, "eval.bulletin.profiles").into()));
    blocks.push(profiles_table(lang, lines));
    blocks.push(Block::Heading(t(lang, "eval.bulletin.objections").into()));
    blocks.push(Block::Paragraph(tf(
        lang,
        "eval.bulletin.objections_text",
        &[b.objections.to_string(), b.answered.to_string()],
    )));
    (blocks, title)
}

/// The ranking: rank, unit, composite, interval and the dimensions' scores.
fn ranking_table(lang: crate::i18n::Lang, f: &Framework, lines: &[ResultLine]) -> Block {
    let dims = dimension_names(lang, f);
    let mut head: Vec<Cell> =
        ["eval.col.rank", "eval.col.unit", "eval.col.score", "eval.col.interval"]
            .iter()
            .map(|k| Cell::plain(t(lang, k)))
            .collect();
    head.extend(dims.iter().map(Cell::plain));
    let mut table = vec![head];
    for l in lines {
        let mut row = vec![
            Cell::plain(&l.rank),
            Cell::plain(&l.unit),
            Cell::plain(&l.score),
            Cell::plain(&l.interval),
        ];
        row.extend(l.dimensions.iter().map(Cell::plain));
        table.push(row);
    }
    let share = 0.52 / dims.len().max(1) as f32;
    let mut widths = vec![0.08, 0.2, 0.1, 0.1];
    widths.extend(std::iter::repeat_n(share, dims.len()));
    Block::Table { widths, rows: table }
}

/// Each unit's strengths and weaknesses.
fn profiles_table(lang: crate::i18n::Lang, lines: &[ResultLine]) -> Block {
    let mut profiles = vec![
        ["eval.col.unit", "eval.col.strengths", "eval.col.weaknesses"]
            .iter()
            .map(|k| Cell::plain(t(lang, k)))
            .collect::<Vec<_>>(),
    ];
    for l in lines {
        profiles.push(vec![
            Cell::plain(&l.unit),
            Cell::plain(&l.strengths),
            Cell::plain(&l.weaknesses),
        ]);
    }
    Block::Table { widths: vec![0.3, 0.35, 0.35], rows: profiles }
}

pub async fn pdf(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let (blocks, footer) = bulletin_blocks(&state, ctx, &c).await?;
    let pdf = crate::indicators::reports::render_report(ctx, blocks, footer)?;
    let file = format!("evaluation_{}_{}.pdf", c.year, c.id);
    Ok(crate::http::download(pdf, &file, "application/pdf"))
}

/// The results as a workbook: one row per unit, scores and ranks as numbers.
pub async fn xlsx(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let c = campaign_of(&state, ctx, &id).await?;
    let (f, rows) = released(&state, ctx, &c).await?;
    let units = state.units().await?;
    let mut head: Vec<String> = [
        "eval.col.rank",
        "eval.col.unit",
        "eval.col.score",
        "eval.col.rank_low",
        "eval.col.rank_high",
    ]
    .iter()
    .map(|k| t(lang, k).to_string())
    .collect();
    head.extend(dimension_names(lang, &f));
    head.extend(["eval.col.strengths", "eval.col.weaknesses"].map(|k| t(lang, k).to_string()));
    let table: Vec<Vec<C>> = rows
        .iter()
        .map(|r| {
            let l = result_line(lang, &f, &units, r);
            let p = super::profile_of(r);
            let real = |x: Option<f64>| x.map_or(C::Text(String::new()), C::Real);
            let mut row = vec![
                r.rank.map_or(C::Text(String::new()), C::Int),
                C::Text(l.unit),
                real(r.score),
                real(r.rank_low),
                real(r.rank_high),
            ];
            row.extend(f.dimensions.iter().map(|d| {
                real(
                    p.dimensions.iter().find(|(code, ..)| code == &d.code).and_then(|(_, s, _)| *s),
                )
            }));
            row.extend([C::Text(l.strengths), C::Text(l.weaknesses)]);
            row
        })
        .collect();
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let sheet = tf(lang, "eval.sheet", &[c.year.to_string()]);
    crate::http::table(&sheet, &head, &table, &format!("evaluation_{}_{}.xlsx", c.year, c.id))
}

/// A published ranking the bureau put on the public site.
pub struct PublicRanking {
    pub title: String,
    pub dimension_names: Vec<String>,
    pub lines: Vec<ResultLine>,
}

pub async fn public_rankings(state: &AppState, ctx: &Ctx) -> AppResult<Vec<PublicRanking>> {
    let units = state.units().await?;
    let mut out = Vec::new();
    for c in store::campaigns(&state.db).await? {
        if c.stage != Stage::Published || !c.public {
            continue;
        }
        let f = c.framework()?;
        let rows = store::results(&state.db, c.id).await?;
        out.push(PublicRanking {
            title: c.title.clone(),
            dimension_names: dimension_names(ctx.lang, &f),
            lines: rows.iter().map(|r| result_line(ctx.lang, &f, &units, r)).collect(),
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "evaluation_public.html")]
struct PublicPage {
    s: Shell,
    rankings: Vec<PublicRanking>,
}

/// The published rankings, for everyone.
pub async fn public_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let rankings = public_rankings(&state, &ctx).await?;
    Ok(render(&PublicPage { s: ctx.shell(), rankings }))
}
