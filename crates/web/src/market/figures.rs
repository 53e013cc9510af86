//! The market's public figures: registered technology contracts by year against 专栏1's path,
//! and a year's contracts by zone, kind, flow and month, with a workbook and a JSON operation.
//! Every number comes from the register (contracts registered and not cancelled).
use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::http::TableCell;
use crate::i18n::{Lang, t};
use crate::page::{Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use innocity_core::market::figures::{self, Row, Sum};
use innocity_core::projects::money::Money;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The first year the register holds.
const FIRST_YEAR: i32 = 2014;

/// The register's rows from 2014 to this year, each with its zone.
async fn rows(state: &AppState, ctx: &Ctx) -> AppResult<Vec<Row>> {
    let from = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).unwrap_or_default();
    let units = state.units().await?;
    Ok(innocity_store::market::contracts::registered_between(&state.db, from, ctx.today())
        .await?
        .into_iter()
        .map(|r| Row {
            zone: super::search::zone_of(&units, &r.unit_path),
            contract_type: r.contract_type,
            buyer_region: r.buyer_region,
            registered_on: r.registered_on,
            amount: r.amount,
            transaction: r.transaction,
        })
        .collect())
}

/// 亿元 with two decimals, from fen.
fn yi(m: Money) -> String {
    format!("{:.2}", m.fen() as f64 / 1e10)
}

/// A group's figures on the page.
struct Line {
    label: String,
    contracts: u32,
    amount: String,
    transaction: String,
    /// The bar's length, 0–100.
    bar: u32,
}

fn lines(groups: Vec<(String, Sum)>, label: impl Fn(&str) -> String) -> Vec<Line> {
    let top = groups.iter().map(|(_, s)| s.amount.fen()).max().unwrap_or(1).max(1);
    groups
        .into_iter()
        .map(|(k, s)| Line {
            label: label(&k),
            contracts: s.contracts,
            amount: yi(s.amount),
            transaction: yi(s.transaction),
            bar: (s.amount.fen() * 100 / top) as u32,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "market_figures.html")]
struct FiguresPage {
    s: Shell,
    year: i32,
    years: Vec<Line>,
    /// 专栏1's path for the years shown (亿元), aligned with `years`.
    path: Vec<String>,
    /// The year by zone, kind, flow and quarter.
    sections: Vec<Section>,
}

/// One breakdown of the year.
struct Section {
    id: &'static str,
    title: &'static str,
    lines: Vec<Line>,
}

/// 专栏1's planned 技术合同成交额 for a year (亿元), from the framework's target.
fn planned(year: i32) -> Option<f64> {
    let f = innocity_core::indicators::targets::Framework::built_in()
        .into_iter()
        .find(|f| f.code == "LANBAI-2020")?;
    let t = f.target("TECH_CONTRACTS")?;
    (year <= t.target_year).then(|| t.planned(year))
}

/// The public figures page, or its workbook (`format=xlsx`).
pub async fn figures_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let all = rows(&state, &ctx).await?;
    let latest = all.iter().map(|r| r.registered_on.year()).max().unwrap_or(ctx.today().year());
    let year = match q.get("year").map(|y| y.trim()).filter(|y| !y.is_empty()) {
        None => latest,
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (FIRST_YEAR..=ctx.today().year()).contains(y))
            .ok_or_else(|| ctx.err(AppError::bad_request(format!("year={y}"))))?,
    };
    let of_year: Vec<Row> =
        all.iter().filter(|r| r.registered_on.year() == year).cloned().collect();
    let units = state.units().await?;
    let zone_name = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .map(|u| lang.pick(&u.name_zh, &u.name_en).to_string())
            .unwrap_or_else(|| t(lang, "contract.outside_zones").to_string())
    };
    if q.get("format").map(String::as_str) == Some("xlsx") {
        return workbook(lang, year, &all, &of_year, &zone_name);
    }
    let by_year = figures::by(&all, figures::year);
    let path = by_year
        .iter()
        .map(|(y, _)| {
            y.parse::<i32>().ok().and_then(planned).map(|v| format!("{v:.1}")).unwrap_or_default()
        })
        .collect();
    Ok(render(&FiguresPage {
        s: ctx.shell(),
        year,
        years: lines(by_year, |y| y.to_string()),
        path,
        sections: vec![
            Section {
                id: "zones",
                title: t(lang, "contract.by_zone"),
                lines: lines(figures::by(&of_year, |r| r.zone.clone()), zone_name),
            },
            Section {
                id: "kinds",
                title: t(lang, "contract.by_kind"),
                lines: lines(figures::by(&of_year, figures::kind), |k| {
                    t(lang, &format!("contract.kind.{k}")).to_string()
                }),
            },
            Section {
                id: "flows",
                title: t(lang, "contract.by_flow"),
                lines: lines(figures::by(&of_year, figures::flow), |f| {
                    t(lang, &format!("contract.flow.{f}")).to_string()
                }),
            },
            Section {
                id: "quarters",
                title: t(lang, "contract.by_quarter"),
                lines: lines(figures::by(&of_year, figures::quarter), |q| q.to_string()),
            },
        ],
    }))
}

fn sheet_rows(groups: Vec<(String, Sum)>, label: impl Fn(&str) -> String) -> Vec<Vec<TableCell>> {
    groups
        .into_iter()
        .map(|(k, s)| {
            vec![
                TableCell::Text(label(&k)),
                TableCell::Int(i64::from(s.contracts)),
                TableCell::Wan(s.amount.fen()),
                TableCell::Wan(s.transaction.fen()),
            ]
        })
        .collect()
}

/// The figures as a workbook: one sheet a view, amounts in 万元.
fn workbook(
    lang: Lang,
    year: i32,
    all: &[Row],
    of_year: &[Row],
    zone_name: &dyn Fn(&str) -> String,
) -> AppResult<Response> {
    let head = [
        t(lang, "contract.group"),
        t(lang, "contract.count"),
        t(lang, "contract.amount_wan"),
        t(lang, "contract.transaction_wan"),
    ];
    let sheets: Vec<(String, Vec<Vec<TableCell>>)> = vec![
        (
            t(lang, "contract.sheet.years").to_string(),
            sheet_rows(figures::by(all, figures::year), |y| y.to_string()),
        ),
        (
            format!("{year}{}", t(lang, "contract.sheet.zones")),
            sheet_rows(figures::by(of_year, |r| r.zone.clone()), zone_name),
        ),
        (
            format!("{year}{}", t(lang, "contract.sheet.kinds")),
            sheet_rows(figures::by(of_year, figures::kind), |k| {
                t(lang, &format!("contract.kind.{k}")).to_string()
            }),
        ),
        (
            format!("{year}{}", t(lang, "contract.sheet.flows")),
            sheet_rows(figures::by(of_year, figures::flow), |f| {
                t(lang, &format!("contract.flow.{f}")).to_string()
            }),
        ),
        (
            format!("{year}{}", t(lang, "contract.sheet.months")),
            sheet_rows(figures::by(of_year, figures::month), |m| m.to_string()),
        ),
    ];
    crate::http::tables(&sheets, &head, &format!("技术合同登记统计_{year}.xlsx"))
}

/// A group of registered contracts.
#[derive(Serialize, ToSchema)]
pub struct ApiFigure {
    pub key: String,
    pub contracts: u32,
    /// 合同成交额, fen.
    pub amount_fen: i64,
    /// 技术交易额 (less non-technical costs), fen.
    pub transaction_fen: i64,
}

/// The register's figures.
#[derive(Serialize, ToSchema)]
pub struct ApiFigures {
    pub year: i32,
    pub years: Vec<ApiFigure>,
    /// The year's contracts by the registrant's zone code ("" outside the zones).
    pub zones: Vec<ApiFigure>,
    /// development, transfer, licence, consulting, service.
    pub kinds: Vec<ApiFigure>,
    /// local (buyers in the city) or outside (技术输出).
    pub flows: Vec<ApiFigure>,
    pub months: Vec<ApiFigure>,
}

fn api(groups: Vec<(String, Sum)>) -> Vec<ApiFigure> {
    groups
        .into_iter()
        .map(|(key, s)| ApiFigure {
            key,
            contracts: s.contracts,
            amount_fen: s.amount.fen(),
            transaction_fen: s.transaction.fen(),
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/market/figures", params(("year" = Option<i32>, Query, minimum = 2014, description = "the year broken down (default: the latest)")),
    responses((status = 200, body = ApiFigures), (status = 400, body = crate::api::ApiError)))]
/// Registered technology contracts (public): by year, and the chosen year by zone, kind, flow
/// and month.
pub async fn figures_api(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Json<ApiFigures>> {
    let all = rows(&state, &ctx).await?;
    let latest = all.iter().map(|r| r.registered_on.year()).max().unwrap_or(ctx.today().year());
    let year = match q.get("year").map(|y| y.trim()).filter(|y| !y.is_empty()) {
        None => latest,
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (FIRST_YEAR..=ctx.today().year()).contains(y))
            .ok_or_else(|| ctx.err(AppError::bad_request(format!("year={y}"))))?,
    };
    let of_year: Vec<Row> =
        all.iter().filter(|r| r.registered_on.year() == year).cloned().collect();
    Ok(Json(ApiFigures {
        year,
        years: api(figures::by(&all, figures::year)),
        zones: api(figures::by(&of_year, |r| r.zone.clone())),
        kinds: api(figures::by(&of_year, figures::kind)),
        flows: api(figures::by(&of_year, figures::flow)),
        months: api(figures::by(&of_year, figures::month)),
    }))
}
