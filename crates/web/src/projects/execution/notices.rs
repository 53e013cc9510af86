//! The public notices: the list, one notice, objecting to it.
use super::{Form, get};
use crate::app::AppState;
use crate::auth::{Ctx, field_error, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::page::{Shell, render};
use crate::projects::{date_zh, stage_label};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::projects::Stage;
use innocity_core::projects::money::Money;
use innocity_store::StoreError;
use innocity_store::projects as store;
use innocity_store::projects::execution as x;

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    s: Shell,
    list: Vec<NoticeLine>,
}

/// A call's notice in the list: the call, the objection period, whether it runs today.
struct NoticeLine {
    id: i64,
    title: String,
    starts: String,
    ends: String,
    running: bool,
}

/// Every notice, for anyone.
pub async fn notices(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let day = ctx.today();
    let mut list = Vec::new();
    for n in x::notices(&state.db).await? {
        if let Some(c) = store::call(&state.db, n.call_id).await? {
            list.push(NoticeLine {
                id: c.id,
                title: c.title,
                starts: date_zh(n.starts_on),
                ends: date_zh(n.ends_on),
                running: day >= n.starts_on && day <= n.ends_on,
            });
        }
    }
    Ok(render(&NoticesPage { s: ctx.shell(), list }))
}

#[derive(Template)]
#[template(path = "notice_view.html")]
struct NoticePage {
    s: Shell,
    id: i64,
    title: String,
    minutes: String,
    period: Period,
    running: bool,
    rows: Vec<FundedRow>,
    total: String,
    sent: bool,
}

/// A notice's objection period.
struct Period {
    starts: String,
    ends: String,
}

/// An application on a notice: funded, or withdrawn after an upheld objection.
struct FundedRow {
    code: String,
    title: String,
    organisation: String,
    leader: String,
    granted: String,
    stage: &'static str,
}

#[derive(serde::Deserialize, Default)]
pub struct Sent {
    #[serde(default)]
    sent: String,
}

/// A call's notice: the decision's minutes and the funded applications with their amounts, and
/// while it runs a form to object.
pub async fn notice_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<Sent>,
) -> AppResult<Response> {
    let n = x::notice(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    let c = store::call(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    let mut rows = Vec::new();
    let mut total = Money::ZERO;
    let decided = x::objections(&state.db, id).await?;
    for a in store::applications(&state.db, store::Reach::All, Some(id), None).await? {
        let upheld = decided.iter().any(|o| o.application_id == a.id && o.status == "upheld");
        if !matches!(a.stage, Stage::Approved | Stage::Established) && !upheld {
            continue;
        }
        let org = innocity_store::orgs::get(&state.db, a.organisation_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        if !upheld {
            total = Money(total.0 + a.granted.0);
        }
        rows.push(FundedRow {
            code: a.code,
            title: a.title,
            organisation: org,
            leader: a.leader_name,
            granted: if upheld { String::new() } else { a.granted.wan_text() },
            stage: if upheld {
                t(ctx.lang, "life.withdrawn_after_objection")
            } else {
                stage_label(ctx.lang, a.stage)
            },
        });
    }
    let day = ctx.today();
    Ok(render(&NoticePage {
        s: ctx.shell(),
        id,
        title: c.title,
        minutes: n.minutes,
        period: Period { starts: date_zh(n.starts_on), ends: date_zh(n.ends_on) },
        running: day >= n.starts_on && day <= n.ends_on,
        rows,
        total: total.wan_text(),
        sent: q.sent == "1",
    }))
}

/// An objection from anyone while the notice runs (the CSRF cookie guards the form).
pub async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let f: Form = parse_form(&ctx, &body)?;
    let who = x::Objector {
        name: get(&f, "name"),
        contact: get(&f, "contact"),
        address: ctx.client.as_deref(),
    };
    x::object(&state.db, id, get(&f, "code"), &who, get(&f, "body"), ctx.today()).await.map_err(
        |e| match e {
            StoreError::Notices(store::NoticeRefusal::Field { field, min, max }) => field_error(
                &ctx,
                field,
                "announce.err.field",
                vec![
                    t(ctx.lang, &format!("life.field.{field}")).to_string(),
                    min.to_string(),
                    max.to_string(),
                ],
            ),
            StoreError::Notices(store::NoticeRefusal::Application { code }) => {
                field_error(&ctx, "code", "announce.err.application", vec![code])
            }
            other => ctx.err(other.into()),
        },
    )?;
    Ok(Redirect::to(&format!("/notices/{id}?sent=1")).into_response())
}

// ---------------------------------------------------------------- the bureau's notice work on a call
