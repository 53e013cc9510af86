//! Downloads: the monitoring workbook and report, the index workbook and report.
use super::index::{Extreme, Extremes, IndexPanel, index_panel, strengths};
use super::{Assessed, DashQuery, assess_all, find, framework_values, name};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ViewIndicators};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::stats::number;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use innocity_core::indicators::targets::{self, Framework, Status};
use innocity_reports::{Block, Cell, Report};
use innocity_store::orgs::OrgUnit;

/// The monitoring tables as a workbook: the assessment of the latest year, the values of every
/// year beside the planned path, and the yearly milestones — numbers as numbers.
pub(super) fn monitoring_xlsx(
    lang: Lang,
    f: &Framework,
    unit: &str,
    values: &[innocity_store::indicators::IndicatorValue],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("DCE6F1");
    assessment_sheet(wb.add_worksheet(), &head, lang, f, unit, values)?;
    values_sheet(wb.add_worksheet(), &head, lang, f, values)?;
    milestones_sheet(wb.add_worksheet(), &head, lang, f)?;
    wb.save_to_buffer()
}

/// The workbook's first sheet: each indicator assessed in its latest year.
fn assessment_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    head: &rust_xlsxwriter::Format,
    lang: Lang,
    f: &Framework,
    unit: &str,
    values: &[innocity_store::indicators::IndicatorValue],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let pct = rust_xlsxwriter::Format::new().set_num_format("0.0%");
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
        ws.write_string_with_format(2, c as u16, t(lang, k), head)?;
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
    Ok(())
}

/// The workbook's second sheet: each indicator's values of every year beside the planned path.
fn values_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    head: &rust_xlsxwriter::Format,
    lang: Lang,
    f: &Framework,
    values: &[innocity_store::indicators::IndicatorValue],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    ws.set_name(t(lang, "ind.sheet.values"))?;
    let years: Vec<i32> = {
        let mut y: Vec<i32> = values.iter().filter_map(|v| v.period.parse().ok()).collect();
        y.sort_unstable();
        y.dedup();
        y
    };
    ws.write_string_with_format(0, 0, t(lang, "ind.indicator"), head)?;
    ws.write_string_with_format(0, 1, t(lang, "ind.series"), head)?;
    for (c, y) in years.iter().enumerate() {
        ws.write_number_with_format(0, 2 + c as u16, *y as f64, head)?;
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
    Ok(())
}

/// The workbook's third sheet: each indicator's yearly milestones.
fn milestones_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    head: &rust_xlsxwriter::Format,
    lang: Lang,
    f: &Framework,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    ws.set_name(t(lang, "ind.milestones"))?;
    let span: Vec<i32> =
        f.targets.first().map(|t| (t.baseline_year..=t.target_year).collect()).unwrap_or_default();
    ws.write_string_with_format(0, 0, t(lang, "ind.indicator"), head)?;
    for (c, y) in span.iter().enumerate() {
        ws.write_number_with_format(0, 1 + c as u16, *y as f64, head)?;
    }
    for (r, tg) in f.targets.iter().enumerate() {
        ws.write_string(1 + r as u32, 0, name(lang, &tg.name_zh, &tg.name_en))?;
        for (c, y) in span.iter().enumerate() {
            ws.write_number(1 + r as u32, 1 + c as u16, tg.planned(*y))?;
        }
    }
    ws.set_column_width(0, 36)?;
    Ok(())
}

// ---------- reports ----------

fn status_rgb(s: Status) -> [f32; 3] {
    match s {
        Status::OnTrack => [0.89, 0.96, 0.91],
        Status::Behind => [1.0, 0.96, 0.87],
        Status::AtRisk => [0.99, 0.91, 0.91],
    }
}

/// A progress bar's colour for a status.
pub(crate) fn bar_rgb(s: Status) -> [f32; 3] {
    match s {
        Status::OnTrack => [0.18, 0.49, 0.2],
        Status::Behind => [0.88, 0.63, 0.0],
        Status::AtRisk => [0.78, 0.16, 0.16],
    }
}

/// A report rendered as PDF; a failure is logged and answered as an internal error.
pub(crate) fn render_report(ctx: &Ctx, blocks: Vec<Block>, footer: String) -> AppResult<Vec<u8>> {
    innocity_reports::render_pdf(&Report { blocks, footer }).map_err(|e| {
        tracing::error!(error = %e, "pdf report");
        ctx.err(AppError::internal(&ctx.request_id))
    })
}

/// A header row of a report's table.
fn header(lang: Lang, keys: &[&str]) -> Vec<Cell> {
    keys.iter().map(|k| Cell::plain(t(lang, k))).collect()
}

/// The monitoring and evaluation report (科技指标监测和评估报告) of a framework for an org
/// unit, as PDF: a summary written from the data, the table of indicators, progress bars.
pub async fn report(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Path(code): Path<String>,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
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
    let mut blocks = report_summary(ctx, &f, &fname, &uname, &assessed);
    blocks.push(Block::Heading(t(lang, "rep.h.table").into()));
    blocks.push(report_table(lang, &assessed));
    blocks.push(Block::Heading(t(lang, "rep.h.progress").into()));
    let bars = assessed
        .iter()
        .filter_map(|x| {
            x.latest.map(|(_, _, a, _)| {
                (
                    name(lang, &x.target.name_zh, &x.target.name_en),
                    a.achieved.max(0.0),
                    format!("{:.0}%", a.achieved * 100.0),
                    bar_rgb(a.status),
                )
            })
        })
        .collect();
    blocks.push(Block::Bars { items: bars });
    blocks.push(Block::Paragraph(t(lang, "rep.method").into()));
    let pdf = render_report(ctx, blocks, format!("{fname} · {uname}"))?;
    Ok(crate::http::download(
        pdf,
        &format!("{}_{}_report.pdf", f.code, unit.code),
        "application/pdf",
    ))
}

/// The report's title and summary: how many indicators on track, behind and at risk, which are
/// met, and a paragraph on each not on track.
fn report_summary(
    ctx: &Ctx,
    f: &Framework,
    fname: &str,
    uname: &str,
    assessed: &[Assessed],
) -> Vec<Block> {
    let lang = ctx.lang;
    let year = assessed.iter().filter_map(|x| x.latest.map(|l| l.0)).max().unwrap_or(0);
    let count =
        |s: Status| assessed.iter().filter(|x| x.latest.is_some_and(|l| l.2.status == s)).count();
    let met: Vec<String> = assessed
        .iter()
        .filter(|x| x.latest.is_some_and(|l| l.2.achieved >= 1.0))
        .map(|x| name(lang, &x.target.name_zh, &x.target.name_en))
        .collect();
    let mut blocks = vec![
        Block::Title(tf(lang, "rep.title", &[fname.to_string()])),
        Block::Subtitle(tf(
            lang,
            "rep.subtitle",
            &[uname.to_string(), year.to_string(), ctx.today().to_string(), f.source.clone()],
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
    for x in assessed {
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
                    super::periods::pace_text(lang, asmt.pace),
                    t(
                        lang,
                        if tr.closing == Some(true) { "ind.closing" } else { "ind.not_closing" },
                    )
                    .into(),
                ],
            )));
        }
    }
    blocks
}

/// The report's table of indicators: the latest value against the planned path and the target.
fn report_table(lang: Lang, assessed: &[Assessed]) -> Block {
    let mut rows = vec![header(
        lang,
        &[
            "ind.indicator",
            "xlsx.unit",
            "ind.actual",
            "ind.planned",
            "ind.target",
            "ind.achieved",
            "ind.status_col",
        ],
    )];
    for x in assessed {
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
    Block::Table { widths: vec![3.2, 1.0, 1.5, 1.1, 1.4, 1.0, 0.9], rows }
}

// ---------- the development index ----------

/// A zone in the year's ranking: its index in the year and in the year before.
struct RankedZone<'a> {
    zone: &'a OrgUnit,
    now: Option<f64>,
    before: Option<f64>,
}

/// The zones by their index in `year`, best first.
fn ranked(panel: &IndexPanel, year: i32) -> Vec<RankedZone<'_>> {
    let mut ranked: Vec<RankedZone> = panel
        .zones
        .iter()
        .map(|z| RankedZone {
            zone: z,
            now: panel.score(z.id, year, "Index"),
            before: panel.score(z.id, year - 1, "Index"),
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.now.unwrap_or(f64::NEG_INFINITY).total_cmp(&a.now.unwrap_or(f64::NEG_INFINITY))
    });
    ranked
}

fn one_decimal(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

/// The annual development-index report (发展指数年度报告) as PDF: the ranking of the year with
/// the change on the year before, pillar scores, each zone's strengths and weaknesses, the method.
pub async fn index_report(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Path(code): Path<String>,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let f = find(&state, ctx, &code).await?;
    let Some(panel) = index_panel(&state, ctx, &a.principal, &f).await? else {
        return Err(ctx.err(AppError::not_found()));
    };
    let year =
        q.year.filter(|y| panel.years.contains(y)).unwrap_or(*panel.years.last().unwrap_or(&0));
    let fname = name(lang, &f.name_zh, &f.name_en);
    let ranked = ranked(&panel, year);
    let mut blocks = vec![
        Block::Title(tf(lang, "rep.idx.title", &[fname.clone(), year.to_string()])),
        Block::Subtitle(tf(
            lang,
            "rep.idx.subtitle",
            &[panel.zones.len().to_string(), f.targets.len().to_string(), ctx.today().to_string()],
        )),
        Block::Heading(t(lang, "rep.idx.h.summary").into()),
    ];
    blocks.extend(index_summary(lang, &ranked));
    blocks.push(Block::Heading(t(lang, "rep.idx.h.ranking").into()));
    blocks.push(ranking_table(lang, &ranked));
    blocks.push(Block::Bars {
        items: ranked
            .iter()
            .filter_map(|r| {
                r.now.map(|v| (zone_name(lang, r.zone), v, format!("{v:.1}"), [0.04, 0.31, 0.64]))
            })
            .collect(),
    });
    if !f.pillars.is_empty() {
        blocks.push(Block::Heading(t(lang, "rep.idx.h.pillars").into()));
        blocks.push(pillar_table(lang, &f, &panel, &ranked, year));
    }
    blocks.push(Block::Heading(t(lang, "rep.idx.h.profiles").into()));
    for r in &ranked {
        let Extremes { strongest: good, weakest: bad } =
            strengths(&panel, &f, lang, r.zone.id, year);
        let list = |v: &[Extreme]| {
            v.iter().map(|x| format!("{}（{}）", x.name, x.score)).collect::<Vec<_>>().join("、")
        };
        blocks.push(Block::Paragraph(tf(
            lang,
            "rep.idx.profile",
            &[zone_name(lang, r.zone), list(&good), list(&bad)],
        )));
    }
    blocks.push(Block::Paragraph(t(lang, "idx.note").into()));
    let pdf = render_report(ctx, blocks, format!("{fname} · {year}"))?;
    Ok(crate::http::download(
        pdf,
        &format!("{}_{year}_index_report.pdf", f.code),
        "application/pdf",
    ))
}

fn zone_name(lang: Lang, z: &OrgUnit) -> String {
    name(lang, &z.name_zh, &z.name_en)
}

/// The summary: the first and the last zone, and how many rose on the year before.
fn index_summary(lang: Lang, ranked: &[RankedZone]) -> Option<Block> {
    let (Some(top), Some(bottom)) = (ranked.first(), ranked.last()) else { return None };
    let (Some(ts), Some(bs)) = (top.now, bottom.now) else { return None };
    let rising =
        ranked.iter().filter(|r| matches!((r.now, r.before), (Some(a), Some(b)) if a > b)).count();
    Some(Block::Paragraph(tf(
        lang,
        "rep.idx.summary",
        &[
            zone_name(lang, top.zone),
            format!("{ts:.1}"),
            zone_name(lang, bottom.zone),
            format!("{bs:.1}"),
            rising.to_string(),
            ranked.len().to_string(),
        ],
    )))
}

/// The ranking: each zone's index, last year's and the change, shaded up or down.
fn ranking_table(lang: Lang, ranked: &[RankedZone]) -> Block {
    let mut rows = vec![header(
        lang,
        &["ind.rank", "ind.unit", "rep.idx.score", "rep.idx.last_year", "rep.idx.change"],
    )];
    for (i, r) in ranked.iter().enumerate() {
        let change = match (r.now, r.before) {
            (Some(a), Some(b)) => format!("{:+.1}", a - b),
            _ => "—".into(),
        };
        let fill = match (r.now, r.before) {
            (Some(a), Some(b)) if a > b => Some([0.89, 0.96, 0.91]),
            (Some(a), Some(b)) if a < b => Some([0.99, 0.91, 0.91]),
            _ => None,
        };
        rows.push(vec![
            Cell::plain((i + 1).to_string()),
            Cell::plain(zone_name(lang, r.zone)),
            Cell::plain(one_decimal(r.now)),
            Cell::plain(one_decimal(r.before)),
            Cell { text: change, fill },
        ]);
    }
    Block::Table { widths: vec![0.7, 2.5, 1.2, 1.2, 1.0], rows }
}

/// Each zone's pillar scores in `year`.
fn pillar_table(
    lang: Lang,
    f: &Framework,
    panel: &IndexPanel,
    ranked: &[RankedZone],
    year: i32,
) -> Block {
    let mut header = vec![Cell::plain(t(lang, "ind.unit"))];
    header.extend(f.pillars.iter().map(|p| Cell::plain(name(lang, &p.name_zh, &p.name_en))));
    let mut rows = vec![header];
    for r in ranked {
        let mut row = vec![Cell::plain(zone_name(lang, r.zone))];
        row.extend(
            f.pillars
                .iter()
                .map(|p| Cell::plain(one_decimal(panel.score(r.zone.id, year, &p.code)))),
        );
        rows.push(row);
    }
    let mut widths = vec![2.0];
    widths.extend(f.pillars.iter().map(|_| 1.0));
    Block::Table { widths, rows }
}

/// A column of the index workbook: the score's code in the panel and its heading.
struct ScoreColumn {
    code: String,
    label: String,
}

/// The index tables as a workbook: the index of every zone and year, every pillar and every
/// normalised indicator score of every zone and year.
pub(super) fn index_xlsx(
    lang: Lang,
    f: &Framework,
    panel: &IndexPanel,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("DCE6F1");
    let one = Format::new().set_num_format("0.0");
    let mut sheet =
        |title: &str, columns: Vec<ScoreColumn>| -> Result<(), rust_xlsxwriter::XlsxError> {
            let ws = wb.add_worksheet();
            ws.set_name(title)?;
            ws.write_string_with_format(0, 0, t(lang, "ind.unit"), &head)?;
            ws.write_string_with_format(0, 1, t(lang, "ind.year"), &head)?;
            for (c, col) in columns.iter().enumerate() {
                ws.write_string_with_format(0, 2 + c as u16, &col.label, &head)?;
            }
            let mut row = 1;
            for z in &panel.zones {
                for y in &panel.years {
                    ws.write_string(row, 0, name(lang, &z.name_zh, &z.name_en))?;
                    ws.write_number(row, 1, *y as f64)?;
                    for (c, col) in columns.iter().enumerate() {
                        if let Some(v) = panel.score(z.id, *y, &col.code) {
                            ws.write_number_with_format(row, 2 + c as u16, v, &one)?;
                        }
                    }
                    row += 1;
                }
            }
            ws.set_column_width(0, 18)?;
            Ok(())
        };
    let mut top =
        vec![ScoreColumn { code: "Index".to_string(), label: t(lang, "idx.title").to_string() }];
    top.extend(
        f.pillars.iter().map(|p| ScoreColumn {
            code: p.code.clone(),
            label: name(lang, &p.name_zh, &p.name_en),
        }),
    );
    sheet(t(lang, "idx.title"), top)?;
    sheet(
        t(lang, "idx.sheet.normalised"),
        f.targets
            .iter()
            .map(|tg| ScoreColumn {
                code: tg.code.clone(),
                label: name(lang, &tg.name_zh, &tg.name_en),
            })
            .collect(),
    )?;
    wb.save_to_buffer()
}
