//! The statistics overview: each form's recent periods, their deadlines and where they stand.
use super::{catalogue, form_name};
use crate::app::AppState;
use crate::auth::{Auth, ViewStats};
use crate::error::AppResult;
use crate::i18n::t;
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::Datelike;
use innocity_core::access::{Capability, Scope};
use innocity_core::periods::Period;
use innocity_core::stats::Form;
use innocity_core::stats::status::Status;
use innocity_store::stats as store;

pub struct FormPeriods {
    pub form: Form,
    pub name: String,
    pub periods: Vec<PeriodCell>,
}

pub struct PeriodCell {
    pub period: String,
    pub href: String,
    pub label: String,
    pub status: String,
    pub closes: String,
}

#[derive(Template)]
#[template(path = "stats_overview.html")]
struct Overview {
    s: Shell,
    forms: Vec<FormPeriods>,
    reminders: Vec<store::Reminder>,
    reviewer: bool,
}

/// The periods a form has had, newest first, whose window has opened by `day`.
pub fn recent_periods(form: &Form, day: chrono::NaiveDate, n: usize) -> Vec<Period> {
    let mut p = match form.periodicity {
        innocity_core::stats::Periodicity::Year => Period::Year(day.year_ce().1 as i32),
        innocity_core::stats::Periodicity::Half => Period::Half(day.year_ce().1 as i32, 2),
        innocity_core::stats::Periodicity::Quarter => Period::Quarter(day.year_ce().1 as i32, 4),
        innocity_core::stats::Periodicity::Month => Period::Month(day.year_ce().1 as i32, 12),
    };
    let mut out = Vec::new();
    for _ in 0..(n + 12) {
        if form.window(p).0 <= day {
            out.push(p);
            if out.len() == n {
                break;
            }
        }
        p = p.previous();
    }
    out
}

/// A period's deadline: the form's, or the extension bureau staff set.
pub(super) async fn deadline(state: &AppState, f: &Form, p: Period) -> AppResult<String> {
    let over = store::window_override(&state.db, &f.code, &p.to_string()).await?;
    Ok(over.unwrap_or_else(|| f.window(p).1.to_string()))
}

pub async fn overview(State(state): State<AppState>, a: Auth<ViewStats>) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let cat = catalogue(&state, ctx).await?;
    let day = ctx.today();
    let mut forms = Vec::new();
    let mut reminders = vec![];
    match &a.principal.scope {
        Scope::Organisation(id) => {
            let org =
                crate::orgs::load_scoped(&state, ctx, &a.principal, *id, Capability::ViewStats)
                    .await?;
            let level = state.unit(org.org_unit_id).await?.map(|u| u.level).unwrap_or_default();
            let returns = store::returns_of(&state.db, org.id).await?;
            reminders = store::reminders_for(&state.db, org.id, 10).await?;
            let hosted = store::hosted_kinds(&state.db, org.id).await?;
            for f in cat.forms.iter().filter(|f| store::must_report(f, &org.kind, &level, &hosted))
            {
                let mut periods = Vec::new();
                for p in recent_periods(
                    f,
                    day,
                    if f.periodicity == innocity_core::stats::Periodicity::Year { 3 } else { 8 },
                ) {
                    let st = returns
                        .iter()
                        .find(|r| r.form == f.code && r.period == p.to_string())
                        .map(|r| r.status)
                        .unwrap_or(Status::NotStarted);
                    let closes = deadline(&state, f, p).await?;
                    periods.push(PeriodCell {
                        href: format!("/stats/{}/{}/orgs/{}", f.code, p, org.id),
                        label: t(lang, &format!("status.{}", st.code())).into(),
                        status: st.code().into(),
                        closes,
                        period: p.to_string(),
                    });
                }
                forms.push(FormPeriods { name: form_name(lang, f), form: f.clone(), periods });
            }
        }
        _ => {
            for f in &cat.forms {
                let mut periods = Vec::new();
                for p in recent_periods(
                    f,
                    day,
                    if f.periodicity == innocity_core::stats::Periodicity::Year { 3 } else { 8 },
                ) {
                    let closes = deadline(&state, f, p).await?;
                    periods.push(PeriodCell {
                        href: format!("/stats/{}/{}", f.code, p),
                        label: p.to_string(),
                        status: String::new(),
                        closes,
                        period: p.to_string(),
                    });
                }
                forms.push(FormPeriods { name: form_name(lang, f), form: f.clone(), periods });
            }
        }
    }
    Ok(render(&Overview {
        s: ctx.shell(),
        forms,
        reminders,
        reviewer: a.principal.role.allows(Capability::ReviewStats),
    }))
}
