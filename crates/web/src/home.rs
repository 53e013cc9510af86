//! The public home page and the signed-in workspace.
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ViewWorkspace};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use innocity_core::access::Scope;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    s: Shell,
    zones: Vec<ZoneCount>,
    total: u64,
    dashboards: Vec<PublicDashboard>,
    notices: Vec<HomeNotice>,
    /// The calls open now, the nearest deadline first.
    calls: Vec<crate::projects::calls::public::PublicLine>,
    /// The services, each leading to its public page.
    services: &'static [(&'static str, &'static str)],
}

/// The home page's services: (its message key under `home.svc.`, the public page it opens).
const SERVICES: [(&str, &str); 9] = [
    ("guides", "/public/guides"),
    ("stats", "/public/releases"),
    ("indicators", "/public/evaluations"),
    ("projects", "/public/calls"),
    ("experts", "/public/guides/expert-enrolment"),
    ("market", "/market"),
    ("carriers", "/public/carriers"),
    ("sharing", "/sharing"),
    ("policies", "/finance/policies"),
];

/// How many organisations a zone has.
struct ZoneCount {
    name: String,
    n: u64,
}

/// A public indicator dashboard.
struct PublicDashboard {
    code: String,
    name: String,
}

/// A recent notice (立项公示) and its period.
struct HomeNotice {
    id: i64,
    title: String,
    period: String,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let stats = state.home_stats().await?;
    let (zones, total) = (&stats.0, stats.1);
    let zones = zones
        .iter()
        .map(|(zh, en, n)| ZoneCount {
            name: if ctx.lang == Lang::Zh { zh.clone() } else { en.clone() },
            n: *n,
        })
        .collect();
    let public = state.public_frameworks().await?;
    // Frameworks are read only when some are public (the home page is the busiest page).
    let all = if public.is_empty() {
        vec![]
    } else {
        innocity_store::indicators::frameworks(&state.db).await?
    };
    let dashboards = all
        .into_iter()
        .filter(|f| public.contains(&f.code))
        .map(|f| PublicDashboard {
            code: f.code.clone(),
            name: ctx.lang.pick(&f.name_zh, &f.name_en).to_string(),
        })
        .collect();
    // 立项公示: the latest three notices.
    let mut notices = Vec::new();
    for n in innocity_store::projects::execution::notices(&state.db).await?.into_iter().take(3) {
        if let Some(c) = innocity_store::projects::call(&state.db, n.call_id).await? {
            notices.push(HomeNotice {
                id: c.id,
                title: c.title,
                period: format!(
                    "{} – {}",
                    n.starts_on.format("%Y年%m月%d日"),
                    n.ends_on.format("%Y年%m月%d日")
                ),
            });
        }
    }
    let calls = crate::projects::calls::public::open_now(&state, ctx.lang, ctx.today(), 5).await?;
    Ok(render(&HomePage {
        s: ctx.shell(),
        zones,
        total,
        dashboards,
        notices,
        calls,
        services: &SERVICES,
    }))
}

#[derive(Template)]
#[template(path = "workspace.html")]
struct WorkspacePage {
    s: Shell,
    scope: String,
    reminders: Vec<innocity_store::stats::Reminder>,
    tasks: Vec<Task>,
}

/// Something for the signed-in person to do: where, on what, what.
struct Task {
    href: String,
    code: String,
    what: String,
}

pub async fn workspace(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let scope = scope_text(&state, ctx, &a.principal.scope).await?;
    // 催报: the latest reminders for an organisation's people, on the first page they see.
    let reminders = match &a.principal.scope {
        Scope::Organisation(id) => innocity_store::stats::reminders_for(&state.db, *id, 3).await?,
        _ => vec![],
    };
    let tasks = if matches!(
        a.principal.role,
        innocity_core::access::Role::OrgMember | innocity_core::access::Role::OrgAdmin
    ) {
        let mut tasks = project_tasks(&state, ctx, a.principal.user_id).await?;
        tasks.extend(application_tasks(&state, ctx, a.principal.user_id).await?);
        tasks
    } else {
        vec![]
    };
    Ok(render(&WorkspacePage { s: ctx.shell(), scope, reminders, tasks }))
}

/// What the person's scope covers, in words.
async fn scope_text(state: &AppState, ctx: &Ctx, scope: &Scope) -> AppResult<String> {
    Ok(match scope {
        Scope::All => crate::i18n::t(ctx.lang, "ws.scope.all").to_string(),
        Scope::Subtrees(roots) => {
            let units = state.units().await?;
            units
                .iter()
                .find(|u| roots.first() == Some(&u.path))
                .map(|u| if ctx.lang == Lang::Zh { u.name_zh.clone() } else { u.name_en.clone() })
                .unwrap_or_default()
        }
        Scope::Organisation(id) => {
            innocity_store::orgs::get(&state.db, *id).await?.map(|o| o.name).unwrap_or_default()
        }
        Scope::Nothing => crate::i18n::t(ctx.lang, "ws.scope.nothing").to_string(),
    })
}

/// A leader's project tasks: reports overdue or due within 30 days, rectifications overdue.
async fn project_tasks(state: &AppState, ctx: &Ctx, user_id: i64) -> AppResult<Vec<Task>> {
    let today = ctx.today();
    let mut tasks = Vec::new();
    for p in innocity_store::projects::execution::portfolio(
        &state.db,
        innocity_store::projects::Reach::Leader(user_id),
        today,
    )
    .await?
    {
        let task =
            |what: String| Task { href: format!("/projects/{}", p.id), code: p.code.clone(), what };
        if p.overdue_reports > 0 {
            tasks.push(task(crate::i18n::tf(
                ctx.lang,
                "life.overdue_reports",
                &[p.overdue_reports.to_string()],
            )));
        }
        if p.overdue_rectifications > 0 {
            tasks.push(task(crate::i18n::tf(
                ctx.lang,
                "life.overdue_rectifications",
                &[p.overdue_rectifications.to_string()],
            )));
        }
        if let Some(due) = p.next_due.filter(|d| (d.due_on - today).num_days() <= 30) {
            tasks.push(task(crate::i18n::tf(
                ctx.lang,
                "ws.report_due",
                &[due.due_on.format("%Y年%m月%d日").to_string()],
            )));
        }
    }
    Ok(tasks)
}

/// Applications sent back or turned down: the applicant is told why.
async fn application_tasks(state: &AppState, ctx: &Ctx, user_id: i64) -> AppResult<Vec<Task>> {
    use innocity_core::projects::Stage;
    let mut tasks = Vec::new();
    for x in innocity_store::projects::applications(
        &state.db,
        innocity_store::projects::Reach::Leader(user_id),
        None,
        None,
    )
    .await?
    {
        let key = match x.stage {
            Stage::Draft if !x.reason.is_empty() => "ws.returned",
            Stage::Rejected => "ws.rejected",
            _ => continue,
        };
        tasks.push(Task {
            href: format!("/applications/{}", x.id),
            code: x.code.clone(),
            what: crate::i18n::tf(ctx.lang, key, std::slice::from_ref(&x.reason)),
        });
    }
    Ok(tasks)
}

/// The public home page and the signed-in workspace.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/", get(home)).route("/workspace", get(workspace))
}
