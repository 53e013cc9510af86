//! The bureau's board: each call's applications by stage, with the money asked and granted.
use super::{BoardQuery, stage_label};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageProjects};
use crate::error::AppResult;
use crate::i18n::t;
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use innocity_core::projects::Stage;
use innocity_core::projects::money::Money;
use innocity_store::projects::execution as execution_store;
use innocity_store::projects::{self as store, Reach};

/// A call's projects on the board: how many, the money granted and paid, how many are overdue.
struct CallMoney {
    projects: usize,
    granted: String,
    paid: String,
    overdue: usize,
}

/// The bureau's board: every call by stage, with money requested and granted.
#[derive(Template)]
#[template(path = "projects_board.html")]
struct BoardPage {
    s: Shell,
    calls: Vec<BoardCall>,
    ledgers: Vec<LedgerRow>,
    follow_up: FollowUp,
}

/// A programme's budget ledger for a year (万元).
struct LedgerRow {
    programme: String,
    year: i64,
    budget: String,
    committed: String,
    available: String,
}

/// What the bureau has to follow up across the projects.
struct FollowUp {
    /// Projects with overdue reports.
    overdue_projects: usize,
    overdue_reports: usize,
    overdue_rectifications: usize,
    /// Payments waiting for the checker.
    pending_payments: usize,
    pending_changes: usize,
    /// Money granted and paid to projects (万元).
    granted: String,
    paid: String,
}

/// A call on the board: its applications by stage, how many in all, and its projects' money.
struct BoardCall {
    id: i64,
    title: String,
    stages: Vec<BoardStage>,
    total: i64,
    money: CallMoney,
}

/// A call's applications at one stage: how many, money requested and granted (万元).
struct BoardStage {
    code: &'static str,
    label: &'static str,
    count: i64,
    requested: String,
    granted: String,
}

pub async fn board(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let rows = store::board(&state.db).await?;
    if q.format == "xlsx" {
        return board_xlsx(&state, ctx, &rows).await;
    }
    let projects = execution_store::portfolio(&state.db, Reach::All, ctx.today()).await?;
    let calls = board_calls(&state, ctx, &rows, &projects).await?;
    let ledgers = ledger_rows(&state, ctx).await?;
    let follow_up = FollowUp {
        overdue_projects: projects.iter().filter(|p| p.overdue_reports > 0).count(),
        overdue_reports: projects.iter().map(|p| p.overdue_reports).sum(),
        overdue_rectifications: projects.iter().map(|p| p.overdue_rectifications).sum(),
        pending_payments: projects.iter().map(|p| p.pending_payments).sum(),
        pending_changes: projects.iter().map(|p| p.pending_changes).sum(),
        granted: projects.iter().map(|p| p.granted).sum::<Money>().wan_text(),
        paid: projects.iter().map(|p| p.paid).sum::<Money>().wan_text(),
    };
    Ok(render(&BoardPage { s: ctx.shell(), calls, ledgers, follow_up }))
}

/// Every call by stage: count, money requested and granted (万元).
async fn board_xlsx(state: &AppState, ctx: &Ctx, rows: &[store::BoardRow]) -> AppResult<Response> {
    let lang = ctx.lang;
    use crate::http::TableCell as C;
    let head: Vec<&str> =
        ["calls.name", "apps.stage", "apps.count", "apps.requested", "apps.granted"]
            .iter()
            .map(|k| t(lang, k))
            .collect();
    let mut table = Vec::new();
    for c in store::calls(&state.db).await? {
        for r in rows.iter().filter(|r| r.call_id == c.id) {
            let stage = stage_label(lang, Stage::parse(&r.stage).unwrap_or(Stage::Draft));
            table.push(vec![
                C::Text(c.title.clone()),
                C::Text(stage.into()),
                C::Int(r.n),
                C::Wan(r.requested.0),
                C::Wan(r.granted.0),
            ]);
        }
    }
    crate::http::table(t(lang, "board.title"), &head, &table, "board.xlsx")
}

async fn board_calls(
    state: &AppState,
    ctx: &Ctx,
    rows: &[store::BoardRow],
    projects: &[execution_store::ProjectRow],
) -> AppResult<Vec<BoardCall>> {
    let lang = ctx.lang;
    let mut calls = Vec::new();
    for c in store::calls(&state.db).await? {
        let of_call: Vec<_> = projects.iter().filter(|p| p.call_id == c.id).collect();
        let money = CallMoney {
            projects: of_call.len(),
            granted: of_call.iter().map(|p| p.granted).sum::<Money>().wan_text(),
            paid: of_call.iter().map(|p| p.paid).sum::<Money>().wan_text(),
            overdue: of_call
                .iter()
                .filter(|p| p.overdue_reports + p.overdue_rectifications > 0)
                .count(),
        };
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| r.call_id == c.id)
            .map(|r| {
                let s = Stage::parse(&r.stage).unwrap_or(Stage::Draft);
                BoardStage {
                    code: s.code(),
                    label: stage_label(lang, s),
                    count: r.n,
                    requested: r.requested.wan_text(),
                    granted: r.granted.wan_text(),
                }
            })
            .collect();
        let total = mine.iter().map(|x| x.count).sum();
        calls.push(BoardCall { id: c.id, title: c.title, stages: mine, total, money });
    }
    Ok(calls)
}

/// The programmes' ledgers for last year and this year.
async fn ledger_rows(state: &AppState, ctx: &Ctx) -> AppResult<Vec<LedgerRow>> {
    let mut ledgers = Vec::new();
    for p in store::programmes(&state.db).await? {
        for y in [
            chrono::Datelike::year(&ctx.today()) as i64 - 1,
            chrono::Datelike::year(&ctx.today()) as i64,
        ] {
            if let Some(l) = store::ledger(&state.db, p.id, y).await? {
                ledgers.push(LedgerRow {
                    programme: p.name.clone(),
                    year: y,
                    budget: l.budget.wan_text(),
                    committed: l.committed.wan_text(),
                    available: l.available().wan_text(),
                });
            }
        }
    }
    Ok(ledgers)
}

// ---------------------------------------------------------------- a project's task book and money
