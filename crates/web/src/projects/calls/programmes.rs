//! Programmes (计划类别) and their budgets by year.
use super::editing::{refusal_on, valid_code};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageProjects, field_error, parse_form};
use crate::error::AppResult;
use crate::i18n::t;
use crate::page::{FieldMessage, Shell, render};
use crate::projects::{Notice, notice_text};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use innocity_core::projects::money::{Money, Unit};
use innocity_store::projects as store;

#[derive(Template)]
#[template(path = "programmes.html")]
struct ProgrammesPage {
    s: Shell,
    rows: Vec<ProgrammeLine>,
    f: ProgrammeForm,
    errors: Vec<FieldMessage>,
    notice: String,
}

/// A programme with its budget year by year.
struct ProgrammeLine {
    id: i64,
    code: String,
    name: String,
    years: Vec<BudgetLine>,
}

/// A programme's budget for a year: budget, committed and available (万元).
struct BudgetLine {
    year: i64,
    budget: String,
    committed: String,
    available: String,
}

#[derive(serde::Deserialize, Default)]
pub struct ProgrammeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    /// One year per line: `2027 3000` (万元).
    #[serde(default)]
    budgets: String,
}

async fn programmes_page(
    state: &AppState,
    ctx: &Ctx,
    f: ProgrammeForm,
    errors: Vec<(String, String)>,
    notice: String,
) -> AppResult<Response> {
    let mut rows = Vec::new();
    for p in store::programmes(&state.db).await? {
        let years = store::budgets(&state.db, p.id)
            .await?
            .into_iter()
            .map(|(year, l)| BudgetLine {
                year,
                budget: l.budget.wan_text(),
                committed: l.committed.wan_text(),
                available: l.available().wan_text(),
            })
            .collect();
        rows.push(ProgrammeLine { id: p.id, code: p.code, name: p.name, years });
    }
    let mut resp = render(&ProgrammesPage {
        s: ctx.shell(),
        rows,
        f,
        errors: FieldMessage::list(&errors),
        notice,
    });
    if !errors.is_empty() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn programmes(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let year = a.ctx.today().year() + 1;
    programmes_page(
        &state,
        &a.ctx,
        ProgrammeForm { budgets: format!("{year} "), ..Default::default() },
        vec![],
        notice_text(a.ctx.lang, &q.notice),
    )
    .await
}

pub(crate) fn read_year(ctx: &Ctx, field: &str, v: &str) -> AppResult<i64> {
    v.trim()
        .parse::<i64>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| field_error(ctx, field, "programmes.err.year", vec![v.trim().to_string()]))
}

pub(crate) fn read_wan(ctx: &Ctx, field: &str, label_key: &str, v: &str) -> AppResult<Money> {
    Money::parse(v.trim(), Unit::Wan).ok().filter(|m| m.0 >= 0).ok_or_else(|| {
        field_error(
            ctx,
            field,
            "apps.err.money",
            vec![t(ctx.lang, label_key).to_string(), v.trim().to_string()],
        )
    })
}

/// `2027 3000` per line (year, then 万元; a colon works too), each line named when wrong.
fn read_budget_lines(ctx: &Ctx, text: &str) -> AppResult<Vec<(i64, Money)>> {
    let mut out: Vec<(i64, Money)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = || {
            field_error(
                ctx,
                "budgets",
                "programmes.err.budget_line",
                vec![(i + 1).to_string(), line.to_string()],
            )
        };
        let mut parts = line
            .split(|c: char| c.is_whitespace() || c == ':' || c == '：')
            .filter(|p| !p.is_empty());
        let (Some(y), Some(amount), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let year = y
            .trim_end_matches('年')
            .parse::<i64>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(bad)?;
        let money = Money::parse(amount.trim_end_matches("万元"), Unit::Wan)
            .ok()
            .filter(|m| m.0 > 0)
            .ok_or_else(bad)?;
        if out.iter().any(|(y, _)| *y == year) {
            return Err(bad());
        }
        out.push((year, money));
    }
    Ok(out)
}

pub async fn create_programme(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ProgrammeForm = parse_form(ctx, &body)?;
    let checked = (|| -> AppResult<Vec<(i64, Money)>> {
        if !valid_code(&f.code) {
            return Err(field_error(ctx, "code", "calls.err.code", vec![]));
        }
        if f.name.trim().chars().count() < 2 || f.name.chars().count() > 100 {
            return Err(field_error(ctx, "name", "err.required", vec![]));
        }
        let lines = read_budget_lines(ctx, &f.budgets)?;
        if lines.is_empty() {
            return Err(field_error(ctx, "budgets", "err.required", vec![]));
        }
        Ok(lines)
    })();
    let outcome = match checked {
        Ok(lines) => {
            store::create_programme(&state.db, f.code.trim(), f.name.trim(), &lines, ctx.actor())
                .await
                .map_err(|e| refusal_on(ctx, "code", e))
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/programmes?notice=programmes.created").into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            programmes_page(&state, ctx, f, e.fields.clone(), String::new()).await
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
pub struct BudgetForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    budget: String,
}

/// Sets one year's budget of a programme (never below what decisions have committed).
pub async fn set_budget(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: BudgetForm = parse_form(ctx, &body)?;
    let year = read_year(ctx, "year", &f.year)?;
    let budget = read_wan(ctx, "budget", "programmes.budget", &f.budget)?;
    store::set_budget(&state.db, id, year, budget, ctx.actor())
        .await
        .map_err(|e| refusal_on(ctx, "budget", e))?;
    Ok(Redirect::to("/programmes?notice=programmes.budget_set").into_response())
}
