//! An expert's own profile: confirming it, keeping it current, declaring ties.
use super::{Notice, TieRow, my_expert, notice_text, status_label, tie_label, tie_row};
use crate::app::AppState;
use crate::auth::{Auth, ReviewAsExpert, field_error, parse_form};
use crate::error::AppResult;
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_core::experts::conflicts::{Tie, TieKind};
use innocity_store::experts::{self as store, Expert, ProfileEdit};

#[derive(Template)]
#[template(path = "expert_me.html")]
struct MePage {
    s: Shell,
    e: Expert,
    notice: String,
    status: &'static str,
    ties: Vec<TieRow>,
    tie_kinds: Vec<Choice>,
    reconfirm_due: bool,
    year: i32,
}

pub async fn me_page(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let e = my_expert(&state, ctx, a.principal.user_id).await?;
    let ties = store::ties(&state.db, e.id).await?.into_iter().map(|t| tie_row(lang, t)).collect();
    let year = chrono::Datelike::year(&ctx.today());
    Ok(render(&MePage {
        s: ctx.shell(),
        notice: notice_text(lang, &q),
        status: status_label(lang, e.status.code()),
        reconfirm_due: e.confirmed_year < i64::from(year),
        e,
        ties,
        tie_kinds: TieKind::ALL
            .iter()
            .map(|k| Choice::new(k.code(), tie_label(lang, *k), false))
            .collect(),
        year,
    }))
}

#[derive(serde::Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    publications: String,
    #[serde(default)]
    projects: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    available_from: String,
    #[serde(default)]
    available_to: String,
    #[serde(default)]
    version: i64,
}

pub async fn me_save(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ProfileForm = parse_form(ctx, &body)?;
    let e = my_expert(&state, ctx, a.principal.user_id).await?;
    for (field, v, max) in [
        ("keywords", &f.keywords, 500),
        ("publications", &f.publications, 20000),
        ("projects", &f.projects, 20000),
        ("title", &f.title, 50),
        ("contact", &f.contact, 100),
    ] {
        if v.chars().count() > max {
            return Err(field_error(ctx, field, "err.too_long", vec![max.to_string()]));
        }
    }
    for (field, v) in [("available_from", &f.available_from), ("available_to", &f.available_to)] {
        if !v.is_empty() && NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() {
            return Err(field_error(ctx, field, "experts.err.date", vec![]));
        }
    }
    let edit = ProfileEdit {
        title: f.title,
        keywords: f.keywords,
        publications: f.publications,
        projects: f.projects,
        contact: f.contact,
        available_from: f.available_from,
        available_to: f.available_to,
    };
    store::update_profile(&state.db, e.id, &edit, f.version, ctx.actor()).await?;
    Ok(Redirect::to("/experts/me?notice=experts.saved").into_response())
}

pub async fn me_reconfirm(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let e = my_expert(&state, ctx, a.principal.user_id).await?;
    store::reconfirm(&state.db, e.id, chrono::Datelike::year(&ctx.today()), ctx.actor()).await?;
    Ok(Redirect::to("/experts/me?notice=experts.reconfirmed").into_response())
}

#[derive(serde::Deserialize)]
pub struct TieForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    year: String,
}

pub async fn me_tie(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: TieForm = parse_form(ctx, &body)?;
    let e = my_expert(&state, ctx, a.principal.user_id).await?;
    let kind =
        TieKind::parse(&f.kind).ok_or_else(|| field_error(ctx, "kind", "err.choose", vec![]))?;
    let year = match f.year.trim() {
        "" => None,
        y => Some(
            y.parse::<i32>()
                .ok()
                .filter(|y| (1950..=2100).contains(y))
                .ok_or_else(|| field_error(ctx, "year", "experts.err.year", vec![y.into()]))?,
        ),
    };
    if f.name.trim().is_empty() && f.credit_code.trim().is_empty() {
        return Err(field_error(ctx, "name", "experts.err.tie", vec![]));
    }
    if !f.credit_code.trim().is_empty()
        && innocity_core::orgs::CreditCode::parse(f.credit_code.trim()).is_err()
    {
        return Err(field_error(ctx, "credit_code", "experts.err.credit_code", vec![]));
    }
    if f.name.chars().count() > 50 {
        return Err(field_error(ctx, "name", "err.too_long", vec!["50".into()]));
    }
    store::add_tie(
        &state.db,
        e.id,
        &Tie { kind, name: f.name.trim().into(), credit_code: f.credit_code.trim().into(), year },
        ctx.actor(),
    )
    .await?;
    Ok(Redirect::to("/experts/me?notice=experts.tie_added").into_response())
}
