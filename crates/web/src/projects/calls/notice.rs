//! The bureau's public notice of a call's decisions and the objections to it.
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageProjects, field_error, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::projects::date_zh;
use crate::projects::execution::{Form, date_field, get};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_core::projects::Stage;
use innocity_core::projects::execution as rules;
use innocity_store::StoreError;
use innocity_store::projects as store;
use innocity_store::projects::execution as x;

/// An objection to a call's notice as staff read it.
pub struct ObjectionLine {
    pub id: i64,
    /// The code of the application objected to.
    pub application: String,
    /// Who objected: name (contact).
    pub by: String,
    pub body: String,
    pub resolution: String,
    pub status: &'static str,
    pub open: bool,
    pub resolved_by: String,
}

/// The notice part of a call's page for staff.
pub struct CallNotice {
    pub published: Option<PublishedNotice>,
    pub objections: Vec<ObjectionLine>,
    pub approved: usize,
    pub can_establish: bool,
    /// The publishing form's dates.
    pub defaults: NoticeDates,
}

/// A published notice: the meeting's date and minutes, the objection period.
pub struct PublishedNotice {
    pub meeting_on: String,
    pub minutes: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// The dates a notice is published with (YYYY-MM-DD).
pub struct NoticeDates {
    pub meeting_on: String,
    pub starts_on: String,
    pub ends_on: String,
}

pub async fn call_notice(state: &AppState, ctx: &Ctx, call_id: i64) -> AppResult<CallNotice> {
    let n = x::notice(&state.db, call_id).await?;
    let approved =
        store::applications(&state.db, store::Reach::All, Some(call_id), Some(Stage::Approved))
            .await?;
    let mut objections = Vec::new();
    for o in x::objections(&state.db, call_id).await? {
        let code = approved.iter().find(|a| a.id == o.application_id).map(|a| a.code.clone());
        let code = match code {
            Some(c) => c,
            None => store::application(&state.db, o.application_id)
                .await?
                .map(|a| a.code)
                .unwrap_or_default(),
        };
        objections.push(ObjectionLine {
            id: o.id,
            application: code,
            by: format!("{}（{}）", o.name, o.contact),
            body: o.body,
            resolution: o.resolution,
            status: t(ctx.lang, &format!("life.objection.{}", o.status)),
            open: o.status == "open",
            resolved_by: o.resolved_by,
        });
    }
    let day = ctx.today();
    let f = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    Ok(CallNotice {
        can_establish: n.as_ref().is_some_and(|n| day > n.ends_on) && !approved.is_empty(),
        published: n.map(|n| PublishedNotice {
            meeting_on: date_zh(n.meeting_on),
            minutes: n.minutes,
            starts_on: date_zh(n.starts_on),
            ends_on: date_zh(n.ends_on),
        }),
        objections,
        approved: approved.len(),
        defaults: NoticeDates {
            meeting_on: f(day),
            starts_on: f(day + chrono::Days::new(1)),
            ends_on: f(day + chrono::Days::new(rules::MIN_NOTICE_DAYS as u64)),
        },
    })
}

/// Publishes the decision's minutes and the notice, answers objections, establishes the projects.
pub async fn call_notice_act(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: Form = parse_form(ctx, &body)?;
    store::call(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    let notice = match get(&f, "action") {
        "publish" => {
            let (meeting, starts, ends) = (
                date_field(ctx, &f, "meeting_on")?,
                date_field(ctx, &f, "starts_on")?,
                date_field(ctx, &f, "ends_on")?,
            );
            x::publish_notice(
                &state.db,
                id,
                meeting,
                get(&f, "minutes"),
                starts,
                ends,
                ctx.actor(),
            )
            .await
            .map_err(|e| match e {
                StoreError::Notices(store::NoticeRefusal::Minutes) => {
                    field_error(ctx, "minutes", "announce.err.minutes", vec![])
                }
                StoreError::Notices(r @ store::NoticeRefusal::Period { field, .. }) => {
                    let (key, args) = crate::error::refusals::notice(&r);
                    field_error(ctx, field, key, args)
                }
                other => ctx.err(other.into()),
            })?;
            "life.notice_published"
        }
        "resolve" => {
            let oid: i64 =
                get(&f, "objection").parse().map_err(|_| ctx.err(AppError::not_found()))?;
            if !x::objections(&state.db, id).await?.iter().any(|o| o.id == oid) {
                return Err(ctx.err(AppError::not_found()));
            }
            x::resolve_objection(
                &state.db,
                oid,
                get(&f, "uphold") == "1",
                get(&f, "resolution"),
                ctx.actor(),
            )
            .await?;
            "life.objection_resolved"
        }
        "establish" => {
            x::establish_call(&state.db, id, ctx.today(), ctx.actor()).await?;
            "life.established"
        }
        _ => return Err(field_error(ctx, "action", "err.choose", vec![])),
    };
    Ok(Redirect::to(&format!("/calls/{id}?notice={notice}")).into_response())
}
