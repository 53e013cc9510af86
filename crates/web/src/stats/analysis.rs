//! Analysis of a period: totals by unit against the previous period, and outliers.
use super::{
    AreaQuery, area_unit, catalogue, element_name, files, find_form, form_name, number,
    parse_period,
};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ReviewStats};
use crate::error::AppResult;
use crate::i18n::{Lang, t};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use innocity_core::periods::Period;
use innocity_core::stats::analysis::{self, Method};
use innocity_core::stats::status::Status;
use innocity_core::stats::{Catalogue, DataElement, Form, ValueType};
use innocity_store::orgs::OrgUnit;
use innocity_store::stats as store;
use std::collections::BTreeMap;

pub struct TotalRow {
    pub code: String,
    pub label: String,
    pub unit: String,
    pub sub: bool,
    pub here: String,
    pub previous: String,
    pub change: String,
    pub children: Vec<String>,
}

pub struct OutlierRow {
    pub org_id: i64,
    pub org: String,
    pub unit: String,
    pub value: String,
    pub method: &'static str,
    pub score: String,
    pub range: String,
}

pub struct Bar {
    pub label: String,
    pub value: String,
    pub width: f64,
    pub y: usize,
}

#[derive(Template)]
#[template(path = "stats_analysis.html")]
struct AnalysisPage {
    s: Shell,
    form: Form,
    form_name: String,
    period: String,
    previous: String,
    unit: OrgUnit,
    children: Vec<OrgUnit>,
    rows: Vec<TotalRow>,
    returns: usize,
    element: String,
    elements: Vec<Choice>,
    outliers: Vec<OutlierRow>,
    bars: Vec<Bar>,
    chart_height: usize,
    include_drafts: bool,
}

/// The numeric, additive elements of a form (totals of codes and months mean nothing).
fn additive(e: &DataElement) -> bool {
    matches!(
        e.value_type,
        ValueType::Integer | ValueType::Number | ValueType::MoneyThousand | ValueType::Percentage
    )
}

/// An element's total for a unit in a period's totals.
fn total_value(t: &store::Totals, unit: i64, e: &DataElement, d: &str) -> Option<f64> {
    t.find(&e.code, d).and_then(|i| t.rollup.get(unit, &i)).map(|acc| acc.value(e.aggregation))
}

/// The totals of the unit and its children, against the previous period.
fn total_rows(
    lang: Lang,
    cat: &Catalogue,
    form: &Form,
    (now, before): (&store::Totals, &store::Totals),
    unit: &OrgUnit,
    children: &[OrgUnit],
) -> Vec<TotalRow> {
    let mut rows = Vec::new();
    for (e, option) in form.cells(cat).into_iter().filter(|(e, _)| additive(e)) {
        let d = option.map(|o| o.code.as_str()).unwrap_or("");
        let here = total_value(now, unit.id, e, d);
        let prev = total_value(before, unit.id, e, d);
        let change = match (here, prev) {
            (Some(a), Some(b)) if b != 0.0 => format!("{:+.1}%", (a - b) / b.abs() * 100.0),
            _ => "—".into(),
        };
        rows.push(TotalRow {
            code: if d.is_empty() { e.code.clone() } else { format!("{}.{d}", e.code) },
            label: match option {
                Some(o) => {
                    format!("{}{}", t(lang, "stats.of_which"), lang.pick(&o.name_zh, &o.name_en))
                }
                None => element_name(lang, e).to_string(),
            },
            unit: e.unit.clone(),
            sub: option.is_some(),
            here: here.map(number).unwrap_or_else(|| "—".into()),
            previous: prev.map(number).unwrap_or_else(|| "—".into()),
            change,
            children: children
                .iter()
                .map(|c| total_value(now, c.id, e, d).map(number).unwrap_or_else(|| "—".into()))
                .collect(),
        });
    }
    rows
}

fn unit_label(lang: Lang, u: &OrgUnit) -> String {
    lang.pick(&u.name_zh, &u.name_en).to_string()
}

/// The elements a chart can show: the form's additive ones, with their names.
fn chart_elements(lang: Lang, cat: &Catalogue, form: &Form) -> Vec<Choice> {
    form.elements
        .iter()
        .filter_map(|c| cat.element(c))
        .filter(|e| additive(e))
        .map(|e| Choice::new(&e.code, element_name(lang, e), false))
        .collect()
}

/// The element for the chart and the outliers: the one asked for, else R&D spending, else the
/// first.
fn chart_element(asked: Option<String>, elements: &[Choice]) -> String {
    asked
        .filter(|e| elements.iter().any(|c| c.value == *e))
        .or_else(|| {
            elements
                .iter()
                .find(|c| c.value.contains("RD_EXP"))
                .or(elements.first())
                .map(|c| c.value.clone())
        })
        .unwrap_or_default()
}

/// The children's values of the element as bars, the longest 480 wide.
fn bars(lang: Lang, children: &[OrgUnit], now: &store::Totals, e: &DataElement) -> Vec<Bar> {
    let vals: Vec<(String, f64)> = children
        .iter()
        .map(|c| (unit_label(lang, c), total_value(now, c.id, e, "").unwrap_or(0.0)))
        .collect();
    let max = vals.iter().map(|v| v.1).fold(0.0, f64::max);
    vals.into_iter()
        .enumerate()
        .map(|(i, (label, v))| Bar {
            label,
            value: number(v),
            width: if max > 0.0 { (v / max * 480.0).max(1.0) } else { 1.0 },
            y: i * 28,
        })
        .collect()
}

/// The outliers of a group of organisations' values, by one method or (none) by all but min–max.
fn push_outliers(
    lang: Lang,
    all_units: &[OrgUnit],
    group: &[&store::OrgValue],
    only: Option<Method>,
    outliers: &mut Vec<OutlierRow>,
) {
    let xs: Vec<f64> = group.iter().map(|v| v.value).collect();
    for o in analysis::outliers(&xs) {
        if only.is_some_and(|m| m != o.method) || (only.is_none() && o.method == Method::MinMax) {
            continue;
        }
        let v = group[o.index];
        outliers.push(OutlierRow {
            org_id: v.organisation_id,
            org: v.organisation.clone(),
            unit: all_units
                .iter()
                .find(|u| u.id == v.org_unit_id)
                .map(|u| unit_label(lang, u))
                .unwrap_or_default(),
            value: number(v.value),
            method: match o.method {
                Method::ZScore => "stats.method.z",
                Method::ModifiedZ => "stats.method.modified_z",
                Method::MinMax => "stats.method.min_max",
            },
            score: format!("{:.1}", o.score),
            range: format!("{} – {}", number(o.low.max(0.0)), number(o.high)),
        });
    }
}

/// The outliers of the element among the area's organisations: z-scores over the whole area;
/// min–max within each org unit.
async fn outliers(
    state: &AppState,
    ctx: &Ctx,
    (form, p): (&Form, Period),
    element: &str,
    unit: &OrgUnit,
    all_units: &[OrgUnit],
) -> AppResult<Vec<OutlierRow>> {
    let area = innocity_store::orgs::area_roots(all_units, unit);
    let values =
        store::element_values(&state.db, &form.code, &p.to_string(), element, "", &area).await?;
    let mut outliers = Vec::new();
    let all: Vec<&store::OrgValue> = values.iter().collect();
    push_outliers(ctx.lang, all_units, &all, None, &mut outliers);
    let mut by_unit: BTreeMap<i64, Vec<&store::OrgValue>> = BTreeMap::new();
    for v in &values {
        by_unit.entry(v.org_unit_id).or_default().push(v);
    }
    for group in by_unit.values() {
        push_outliers(ctx.lang, all_units, group, Some(Method::MinMax), &mut outliers);
    }
    Ok(outliers)
}

pub async fn analysis(
    State(state): State<AppState>,
    a: Auth<ReviewStats>,
    Path((form, period)): Path<(String, String)>,
    Query(q): Query<AreaQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let cat = catalogue(&state, ctx).await?;
    let form = find_form(ctx, &cat, &form)?;
    let p = parse_period(ctx, &form, &period)?;
    let previous = p.previous();
    let (unit, _) = area_unit(&state, ctx, &a.principal, q.unit.as_deref()).await?;
    let all_units = state.units().await?;
    let children: Vec<OrgUnit> = innocity_store::orgs::parts_of(&all_units, &unit);
    let include_drafts = q.include.as_deref() == Some("draft");
    let mut states = vec![Status::Submitted, Status::Approved, Status::Locked];
    if include_drafts {
        states.extend([Status::Draft, Status::Returned]);
    }
    let db = &state.db;
    let now = store::totals(db, &form.code, &p.to_string(), &states).await?;
    let before = store::totals(db, &form.code, &previous.to_string(), &states).await?;
    let rows = total_rows(lang, &cat, &form, (&now, &before), &unit, &children);
    if q.format.as_deref() == Some("xlsx") {
        let header: Vec<String> = children.iter().map(|c| unit_label(lang, c)).collect();
        let bytes = files::totals_xlsx(
            lang,
            &form_name(lang, &form),
            &p.to_string(),
            &previous.to_string(),
            &unit_label(lang, &unit),
            &header,
            &rows,
        );
        return crate::http::xlsx_download(
            bytes,
            &format!("{}_{}_{}_totals.xlsx", form.code, p, unit.code),
        );
    }
    let elements = chart_elements(lang, &cat, &form);
    let element = chart_element(q.element.clone(), &elements);
    let (bars, outliers) = match cat.element(&element) {
        Some(e) => (
            bars(lang, &children, &now, e),
            outliers(&state, ctx, (&form, p), &element, &unit, &all_units).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    Ok(render(&AnalysisPage {
        s: ctx.shell(),
        form_name: form_name(lang, &form),
        form,
        period: p.to_string(),
        previous: previous.to_string(),
        chart_height: bars.len() * 28 + 8,
        unit,
        children,
        rows,
        returns: now.returns,
        element,
        elements,
        outliers,
        bars,
        include_drafts,
    }))
}
