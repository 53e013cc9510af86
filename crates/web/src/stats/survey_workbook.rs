//! The innovation survey report as a workbook (Excel): the key figures beside the year before,
//! the types of innovation, spending, obstacles, policies and the parts of the area, a sheet
//! each, every figure a number (shares in %) so officials can work on from it.
use super::survey::{Loaded, SurveyQuery, check_form, figure_label, load};
use crate::app::AppState;
use crate::auth::{Auth, ReviewStats};
use crate::error::AppResult;
use crate::http::{Sheet, TableCell as C};
use crate::i18n::{Lang, t, tf};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use innocity_core::stats::survey::{FORM, ItemShare, SurveyReport};

/// A share of 0–1 as a number in %, blank when there is none.
fn pct(share: Option<f64>) -> C {
    share.map_or(C::Text(String::new()), |s| C::Real(s * 100.0))
}

fn heads(lang: Lang, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| t(lang, k).to_string()).collect()
}

fn shares_sheet(lang: Lang, name: &str, items: &[ItemShare]) -> Sheet {
    let rows = items
        .iter()
        .map(|i| {
            vec![
                C::Text(t(lang, &format!("survey.el.{}", i.element)).to_string()),
                C::Int(i.share.yes as i64),
                C::Int(i.share.answered as i64),
                pct(i.share.share()),
            ]
        })
        .collect();
    let head = heads(
        lang,
        &["survey.col.item", "survey.col.yes", "survey.col.answered", "survey.col.share_pct"],
    );
    Sheet { name: t(lang, name).to_string(), head, rows }
}

/// The key figures, each beside the year before and the change when there was a survey then.
fn key_rows(lang: Lang, l: &Loaded) -> Vec<Vec<C>> {
    let r = &l.report;
    let count_or_pct = |is_share: bool, v: Option<f64>| match v {
        Some(x) if is_share => C::Real(x * 100.0),
        Some(x) => C::Int(x.round() as i64),
        None => C::Text(String::new()),
    };
    // Shares are written in %, and their labels say so.
    let share = |figure: &str| tf(lang, "survey.col.pct", &[figure_label(lang, figure)]);
    let mut rows: Vec<Vec<C>> = vec![
        vec![C::Text(figure_label(lang, "responses")), C::Int(r.responses as i64)],
        vec![C::Text(share("innovating")), pct(r.innovating.share())],
        vec![C::Text(share("cooperating")), pct(r.cooperating.share())],
        vec![C::Text(share("intensity")), pct(r.intensity)],
        vec![C::Text(share("new_product_share")), pct(r.new_product_share)],
    ];
    // `changes` holds the same figures in the same order.
    for (row, c) in rows.iter_mut().zip(&l.changes) {
        row.push(count_or_pct(c.is_share, c.before));
        row.push(c.change().map_or(C::Text(String::new()), C::Real));
    }
    rows
}

/// Innovation expenditure and its parts, revenue and new-product sales, in 千元.
fn money_rows(lang: Lang, r: &SurveyReport) -> Vec<Vec<C>> {
    let line = |key: &str, v: f64| vec![C::Text(t(lang, key).to_string()), C::Decimal(v)];
    let mut rows = vec![line("survey.el.CX_EXP", r.expenditure)];
    rows.extend(r.parts.iter().map(|p| line(&format!("survey.el.{}", p.element), p.value)));
    rows.push(line("survey.revenue", r.revenue));
    rows.push(line("survey.el.CX_NEWPROD_SALES", r.new_product_sales));
    rows
}

/// The sheets of a loaded report: pure.
fn sheets(lang: Lang, l: &Loaded, part_names: &[String]) -> Vec<Sheet> {
    let r = &l.report;
    let (key_rows, money) = (key_rows(lang, l), money_rows(lang, r));
    let parts = r
        .groups
        .iter()
        .zip(part_names)
        .map(|(g, name)| {
            vec![
                C::Text(name.clone()),
                C::Int(g.responses as i64),
                pct(g.innovating.share()),
                pct(g.cooperating.share()),
                pct(g.intensity),
                pct(g.new_product_share),
            ]
        })
        .collect();
    vec![
        Sheet {
            name: t(lang, "survey.sheet.summary").into(),
            head: heads(
                lang,
                &[
                    "survey.col.figure",
                    "survey.col.this_year",
                    "survey.col.year_before",
                    "survey.col.change",
                ],
            ),
            rows: key_rows,
        },
        shares_sheet(lang, "survey.sheet.types", &r.types),
        Sheet {
            name: t(lang, "survey.sheet.expenditure").into(),
            head: heads(lang, &["survey.col.item", "survey.col.thousand"]),
            rows: money,
        },
        shares_sheet(lang, "survey.sheet.obstacles", &r.obstacles),
        shares_sheet(lang, "survey.sheet.policies", &r.policies),
        Sheet {
            name: t(lang, "survey.sheet.parts").into(),
            head: [
                t(lang, "survey.col.unit").to_string(),
                t(lang, "survey.col.responses").to_string(),
            ]
            .into_iter()
            .chain(
                ["innovating", "cooperating", "intensity", "new_product_share"]
                    .map(|f| tf(lang, "survey.col.pct", &[figure_label(lang, f)])),
            )
            .collect(),
            rows: parts,
        },
    ]
}

/// The survey report of a year as a workbook, for the reviewer's area (or a unit in it).
pub async fn workbook(
    State(state): State<AppState>,
    a: Auth<ReviewStats>,
    Path((form, year)): Path<(String, String)>,
    Query(q): Query<SurveyQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    check_form(ctx, &form)?;
    let l = load(&state, ctx, &a.principal, &year, q.unit.as_deref()).await?;
    let names = l.part_names(ctx.lang);
    let file = format!("{FORM}_{}_{}_survey.xlsx", l.unit.code, l.year);
    crate::http::workbook(&sheets(ctx.lang, &l, &names), &file)
}
