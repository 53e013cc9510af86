//! The portfolios of leaders, organisations, zones and the bureau, and reminders.
use super::{report_label, status_label};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageProjects, ViewApplications};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render};
use crate::projects::{date_zh, reach_of};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::projects::execution::Status;
use innocity_core::projects::money::Money;
use innocity_store::projects::execution as x;

#[derive(Template)]
#[template(path = "projects_list.html")]
struct PortfolioPage {
    s: Shell,
    rows: Vec<PortfolioRow>,
    statuses: Vec<Choice>,
    totals: PortfolioTotals,
    staff: bool,
    outputs: Vec<OutputCount>,
}

/// The listed projects' count, money granted and paid (万元), and how many are overdue.
struct PortfolioTotals {
    n: usize,
    granted: String,
    paid: String,
    overdue: usize,
}

/// How many outputs of a kind the projects reported in a year.
struct OutputCount {
    kind: String,
    year: String,
    n: i64,
}

struct PortfolioRow {
    id: i64,
    code: String,
    title: String,
    organisation: String,
    leader: String,
    status: &'static str,
    status_code: &'static str,
    granted: String,
    paid: String,
    next_due: String,
    overdue: String,
}

#[derive(serde::Deserialize, Default)]
pub struct PortfolioQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    format: String,
}

/// The projects the viewer's role reaches — a leader's own, an organisation's, a zone's, all —
/// with money, the next report and what is overdue; XLSX on request.
pub async fn portfolio(
    State(state): State<AppState>,
    a: Auth<ViewApplications>,
    Query(q): Query<PortfolioQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let reach = reach_of(&a.principal).ok_or_else(AppError::forbidden)?;
    let day = ctx.today();
    let outputs = x::output_counts(&state.db, reach)
        .await?
        .into_iter()
        .map(|c| OutputCount {
            kind: t(lang, &format!("life.output.{}", c.kind)).to_string(),
            year: c.year,
            n: c.count,
        })
        .collect();
    let status = Status::parse(&q.status);
    let all = x::portfolio(&state.db, reach, day).await?;
    let list: Vec<_> = all
        .into_iter()
        .filter(|p| {
            status.is_none_or(|s| p.status == s)
                && (q.overdue.is_empty() || p.overdue_reports + p.overdue_rectifications > 0)
        })
        .collect();
    if q.format == "xlsx" {
        return portfolio_xlsx(ctx, &list);
    }
    let granted: Money = list.iter().map(|p| p.granted).sum();
    let paid: Money = list.iter().map(|p| p.paid).sum();
    let overdue = list.iter().filter(|p| p.overdue_reports + p.overdue_rectifications > 0).count();
    let rows = list
        .iter()
        .map(|p| PortfolioRow {
            id: p.id,
            code: p.code.clone(),
            title: p.title.clone(),
            organisation: p.organisation.clone(),
            leader: p.leader_name.clone(),
            status: status_label(lang, p.status),
            status_code: p.status.code(),
            granted: p.granted.wan_text(),
            paid: p.paid.wan_text(),
            next_due: next_text(lang, p),
            overdue: overdue_text(lang, p),
        })
        .collect();
    let statuses = Status::ALL
        .iter()
        .map(|s| Choice::new(s.code(), status_label(lang, *s), Some(*s) == status))
        .collect();
    let staff = matches!(
        a.principal.role,
        innocity_core::access::Role::SystemAdmin | innocity_core::access::Role::BureauStaff
    );
    Ok(render(&PortfolioPage {
        s: ctx.shell(),
        totals: PortfolioTotals {
            n: list.len(),
            granted: granted.wan_text(),
            paid: paid.wan_text(),
            overdue,
        },
        rows,
        statuses,
        staff,
        outputs,
    }))
}

/// What is overdue on a project, in words.
fn overdue_text(lang: Lang, p: &x::ProjectRow) -> String {
    let mut v = vec![];
    if p.overdue_reports > 0 {
        v.push(tf(lang, "life.overdue_reports", &[p.overdue_reports.to_string()]));
    }
    if p.overdue_rectifications > 0 {
        v.push(tf(lang, "life.overdue_rectifications", &[p.overdue_rectifications.to_string()]));
    }
    v.join("，")
}

/// The project's next report and when it is due.
fn next_text(lang: Lang, p: &x::ProjectRow) -> String {
    p.next_due
        .map(|d| format!("{} {}", report_label(lang, d.kind, d.seq), date_zh(d.due_on)))
        .unwrap_or_default()
}

fn portfolio_xlsx(ctx: &Ctx, list: &[x::ProjectRow]) -> AppResult<Response> {
    let lang = ctx.lang;
    let head: Vec<&str> = [
        "apps.code",
        "apps.title_col",
        "life.organisation",
        "apps.leader",
        "life.status",
        "apps.granted",
        "projects.paid",
        "life.next_due",
        "life.overdue",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect();
    use crate::http::TableCell as C;
    let rows: Vec<Vec<C>> = list
        .iter()
        .map(|p| {
            vec![
                C::Text(p.code.clone()),
                C::Text(p.title.clone()),
                C::Text(p.organisation.clone()),
                C::Text(p.leader_name.clone()),
                C::Text(status_label(lang, p.status).into()),
                C::Wan(p.granted.0),
                C::Wan(p.paid.0),
                C::Text(next_text(lang, p)),
                C::Text(overdue_text(lang, p)),
            ]
        })
        .collect();
    crate::http::table(t(lang, "life.portfolio"), &head, &rows, "projects.xlsx")
}

/// 催交: reminds the leaders of every overdue report.
pub async fn remind(State(state): State<AppState>, a: Auth<ManageProjects>) -> AppResult<Response> {
    let ctx = &a.ctx;
    x::remind_overdue(&state.db, ctx.today(), ctx.actor()).await?;
    Ok(Redirect::to("/projects?overdue=1&notice=life.reminded").into_response())
}

// ---------------------------------------------------------------- the public notice (立项公示)
