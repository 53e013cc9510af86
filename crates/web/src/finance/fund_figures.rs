//! The fund's figures for a year: per bank and per zone the loans made, the subsidies and the
//! compensation paid and what came back, with a chart; as a workbook, as a PDF report and in
//! `/api/v1`. The indicators read the same records as registers.
use super::figures::YearQuery;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, ManageLoanFund};
use crate::error::{AppError, AppResult};
use crate::http::TableCell as C;
use crate::i18n::{Lang, t};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use innocity_reports::{Block, Cell, Report};
use innocity_store::finance::fund::figures::{self as store, FigureLine, Figures};
use serde::Serialize;
use utoipa::ToSchema;

fn year_of(q: &YearQuery, today: chrono::NaiveDate) -> i32 {
    q.year
        .as_deref()
        .and_then(|y| y.trim().parse().ok())
        .filter(|y| (2000..=today.year()).contains(y))
        .unwrap_or(today.year())
}

/// A bank's or zone's line, amounts in fen.
#[derive(Serialize, ToSchema)]
pub struct ApiFundFigure {
    pub id: i64,
    pub name: String,
    pub loans: i64,
    pub lent_fen: i64,
    pub subsidies_fen: i64,
    pub compensated_fen: i64,
    pub returned_fen: i64,
}

/// A year's figures of the risk-compensation funds.
#[derive(Serialize, ToSchema)]
pub struct ApiFundFigures {
    pub year: i32,
    pub banks: Vec<ApiFundFigure>,
    pub zones: Vec<ApiFundFigure>,
    pub total: ApiFundFigure,
}

fn api_line(lang: Lang, l: &FigureLine) -> ApiFundFigure {
    ApiFundFigure {
        id: l.id,
        name: lang.pick(&l.name_zh, &l.name_en).to_string(),
        loans: l.loans,
        lent_fen: l.lent.fen(),
        subsidies_fen: l.subsidies.fen(),
        compensated_fen: l.compensated.fen(),
        returned_fen: l.returned.fen(),
    }
}

fn api(lang: Lang, f: &Figures) -> ApiFundFigures {
    ApiFundFigures {
        year: f.year,
        banks: f.banks.iter().map(|l| api_line(lang, l)).collect(),
        zones: f.zones.iter().map(|l| api_line(lang, l)).collect(),
        total: api_line(lang, &f.total),
    }
}

/// A line as the page shows it (万元), with its bar's width.
pub struct LineView {
    pub name: String,
    pub loans: i64,
    pub lent: String,
    pub subsidies: String,
    pub compensated: String,
    pub returned: String,
    pub width: String,
}

fn views(lang: Lang, lines: &[FigureLine]) -> Vec<LineView> {
    let most = lines.iter().map(|l| l.lent.fen()).max().unwrap_or(0).max(1);
    lines
        .iter()
        .map(|l| LineView {
            name: lang.pick(&l.name_zh, &l.name_en).to_string(),
            loans: l.loans,
            lent: l.lent.wan_text(),
            subsidies: l.subsidies.wan_text(),
            compensated: l.compensated.wan_text(),
            returned: l.returned.wan_text(),
            width: format!("{:.1}", l.lent.fen() as f64 * 100.0 / most as f64),
        })
        .collect()
}

/// A table of lines: by bank or by zone.
pub struct Section {
    pub heading: &'static str,
    pub id: &'static str,
    pub lines: Vec<LineView>,
}

#[derive(Template)]
#[template(path = "finance_fund_figures.html")]
struct FiguresPage {
    s: Shell,
    year: i32,
    years: Vec<Choice>,
    sections: Vec<Section>,
    total: LineView,
}

pub async fn page(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let today = ctx.today();
    let year = year_of(&q, today);
    let f = store::figures(&state.db, year).await?;
    let years = (2020..=today.year()).rev().map(|y| Choice::new(y, y, y == year)).collect();
    let total = views(ctx.lang, std::slice::from_ref(&f.total)).remove(0);
    Ok(render(&FiguresPage {
        s: ctx.shell(),
        year,
        years,
        sections: vec![
            Section { heading: "fund.fig.by_bank", id: "banks", lines: views(ctx.lang, &f.banks) },
            Section { heading: "fund.fig.by_zone", id: "zones", lines: views(ctx.lang, &f.zones) },
        ],
        total,
    }))
}

const HEAD: [&str; 6] = [
    "fund.fig.name",
    "fund.col.loans",
    "fund.fig.lent",
    "fund.fig.subsidies",
    "fund.fig.compensated",
    "fund.fig.returned",
];

fn cells(lang: Lang, l: &FigureLine) -> Vec<C> {
    vec![
        C::Text(lang.pick(&l.name_zh, &l.name_en).to_string()),
        C::Int(l.loans),
        C::Wan(l.lent.fen()),
        C::Wan(l.subsidies.fen()),
        C::Wan(l.compensated.fen()),
        C::Wan(l.returned.fen()),
    ]
}

pub async fn xlsx(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let lang = a.ctx.lang;
    let f = store::figures(&state.db, year_of(&q, a.ctx.today())).await?;
    let with_total = |lines: &[FigureLine]| -> Vec<Vec<C>> {
        lines.iter().chain(std::iter::once(&f.total)).map(|l| cells(lang, l)).collect()
    };
    let sheets = [
        (t(lang, "fund.fig.by_bank").to_string(), with_total(&f.banks)),
        (t(lang, "fund.fig.by_zone").to_string(), with_total(&f.zones)),
    ];
    let head = HEAD.map(|k| t(lang, k));
    crate::http::tables(&sheets, &head, &format!("fund-figures-{}.xlsx", f.year))
}

fn table(lang: Lang, lines: &[FigureLine], total: &FigureLine) -> Block {
    let mut rows = vec![HEAD.iter().map(|k| Cell::plain(t(lang, k))).collect::<Vec<_>>()];
    for l in lines.iter().chain(std::iter::once(total)) {
        rows.push(vec![
            Cell::plain(lang.pick(&l.name_zh, &l.name_en)),
            Cell::plain(l.loans.to_string()),
            Cell::plain(l.lent.wan_text()),
            Cell::plain(l.subsidies.wan_text()),
            Cell::plain(l.compensated.wan_text()),
            Cell::plain(l.returned.wan_text()),
        ]);
    }
    Block::Table { widths: vec![0.3, 0.1, 0.15, 0.15, 0.15, 0.15], rows }
}

/// The year's figures as a PDF report (科技金融 风险补偿资金池 年度统计).
pub async fn pdf(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let f = store::figures(&state.db, year_of(&q, ctx.today())).await?;
    let bars = f
        .banks
        .iter()
        .map(|l| {
            (
                lang.pick(&l.name_zh, &l.name_en).to_string(),
                l.lent.fen() as f64,
                l.lent.wan_text(),
                [0.18, 0.42, 0.7],
            )
        })
        .collect();
    let blocks = vec![
        Block::Title(crate::i18n::tf(lang, "fund.fig.title", &[f.year.to_string()])),
        Block::Paragraph(t(lang, "fund.fig.lead").to_string()),
        Block::Heading(t(lang, "fund.fig.by_bank").to_string()),
        Block::Bars { items: bars },
        table(lang, &f.banks, &f.total),
        Block::Heading(t(lang, "fund.fig.by_zone").to_string()),
        table(lang, &f.zones, &f.total),
        Block::Paragraph(t(lang, "fund.unit_wan").to_string()),
    ];
    let bytes = innocity_reports::render_pdf(&Report {
        blocks,
        footer: t(lang, "fund.fig.footer").to_string(),
    })
    .map_err(|e| {
        tracing::error!(error = %e, "pdf report");
        ctx.err(AppError::internal(&ctx.request_id))
    })?;
    Ok(crate::http::download(bytes, &format!("fund-figures-{}.pdf", f.year), "application/pdf"))
}

#[utoipa::path(get, path = "/api/v1/fund-figures", params(YearQuery), responses((status = 200, body = ApiFundFigures), (status = 403, body = ApiError)))]
/// A year's figures of the risk-compensation funds: per bank and per zone the loans made, the
/// subsidies and compensation paid and what came back (this year when no year is given).
pub async fn api_fund_figures(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<ApiFundFigures>> {
    let f = store::figures(&state.db, year_of(&q, a.ctx.today())).await?;
    Ok(Json(api(a.ctx.lang, &f)))
}
