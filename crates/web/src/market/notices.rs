//! Notices of new matches (匹配通知): when a demand is published, the organisations whose listed
//! achievements answer it best are told; when an achievement is listed, the organisations whose
//! open demands it may answer. Each organisation reads its notices on a page and through the
//! API. Telling is best effort after the change itself: a failure is logged, never the user's
//! error (the change has been made).
use super::matching::{Match, achievements_for, demands_for};
use super::offering::own_organisation;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, OfferAchievements, format_time};
use crate::error::AppResult;
use crate::i18n::t;
use crate::page::{Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_store::market::notices::{
    self as store, ACHIEVEMENT, CONTRACT, DEMAND, NewNotice, Notice,
};
use serde::Serialize;
use utoipa::ToSchema;

/// Matches considered, and organisations told, per new record.
const CONSIDERED: usize = 10;
const TOLD: usize = 5;

/// One notice per organisation (its best match), never to the record's own organisation, and
/// only where the texts share words.
fn notices_of(
    kind: &'static str,
    subject: (i64, &str),
    own: i64,
    matches: Vec<Match>,
) -> Vec<NewNotice> {
    let mut out: Vec<NewNotice> = Vec::new();
    for m in matches {
        if m.organisation_id == own
            || m.why.shared.is_empty()
            || out.iter().any(|n| n.organisation_id == m.organisation_id)
        {
            continue;
        }
        out.push(NewNotice {
            organisation_id: m.organisation_id,
            kind,
            subject_id: subject.0,
            subject_title: subject.1.to_string(),
            about_id: m.id,
            about_title: m.title,
            shared: m.why.shared,
        });
        if out.len() == TOLD {
            break;
        }
    }
    out
}

async fn tell(state: &AppState, notices: AppResult<Vec<NewNotice>>) {
    let written = match notices {
        Ok(n) => store::notify(&state.db, &n).await.map_err(|e| format!("{e}")),
        Err(e) => Err(format!("{e:?}")),
    };
    if let Err(e) = written {
        tracing::warn!(error = %e, "notices of new matches not written");
    }
}

/// After a demand is published: the owners of the achievements that answer it.
pub async fn after_demand(state: &AppState, ctx: &Ctx, demand_id: i64) {
    let notices = async {
        let Some(d) = innocity_store::market::demands::demand(&state.db, demand_id).await? else {
            return Ok(vec![]);
        };
        let matches = achievements_for(&state.market, &state.db, ctx, &d, CONSIDERED).await?;
        Ok(notices_of(DEMAND, (d.id, &d.title), d.organisation_id, matches))
    };
    tell(state, notices.await).await;
}

/// After an achievement is listed: the organisations whose open demands it may answer.
pub async fn after_listing(state: &AppState, ctx: &Ctx, achievement_id: i64) {
    let notices = async {
        let a = innocity_store::market::achievement(&state.db, achievement_id).await?;
        let Some(a) = a.filter(|a| a.status == innocity_store::market::LISTED) else {
            return Ok(vec![]);
        };
        let matches = demands_for(&state.db, ctx, &a, CONSIDERED).await?;
        Ok(notices_of(ACHIEVEMENT, (a.id, &a.title), a.organisation_id, matches))
    };
    tell(state, notices.await).await;
}

/// A notice as the page shows it.
struct NoticeLine {
    unread: bool,
    when: String,
    /// "新的技术需求…" or "新挂牌的成果…".
    headline: String,
    subject_href: String,
    subject_title: String,
    /// "与本单位的" before a match's own record; empty for a contract's decision.
    prefix: String,
    about_href: String,
    about_title: String,
    shared: String,
}

fn hrefs(n: &Notice) -> (String, String) {
    if n.kind == CONTRACT {
        let page = format!("/market/contracts/{}", n.subject_id);
        (page.clone(), format!("{page}#record-{}", n.about_id))
    } else if n.kind == DEMAND {
        (format!("/market/demands/{}", n.subject_id), format!("/market/mine/{}", n.about_id))
    } else {
        (
            format!("/market/achievements/{}", n.subject_id),
            format!("/market/demands/{}", n.about_id),
        )
    }
}

#[derive(Template)]
#[template(path = "market_notices.html")]
struct NoticesPage {
    s: Shell,
    unread: i64,
    list: Vec<NoticeLine>,
}

/// The organisation's notices, newest first; reading the page does not mark them read (the
/// button does), so a notice is not lost to a glance.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let list = store::of_organisation(&state.db, org, 100)
        .await?
        .into_iter()
        .map(|n| {
            let (subject_href, about_href) = hrefs(&n);
            // A contract's notice: the record decided and the office's words.
            let (prefix, about_title, shared) = if n.kind == CONTRACT {
                let record = t(ctx.lang, &format!("contract.record.{}", n.about_title));
                (String::new(), format!("{record}：{}", n.shared.join("")), String::new())
            } else {
                let prefix = t(ctx.lang, "notice.matches_yours").to_string();
                (prefix, n.about_title, n.shared.join("、"))
            };
            NoticeLine {
                unread: n.read_at == 0,
                when: format_time(ctx.lang, n.created_at),
                headline: t(ctx.lang, &format!("notice.kind.{}", n.kind)).to_string(),
                subject_href,
                subject_title: n.subject_title,
                prefix,
                about_href,
                about_title,
                shared,
            }
        })
        .collect();
    let unread = store::unread(&state.db, org).await?;
    Ok(render(&NoticesPage { s: ctx.shell(), unread, list }))
}

/// Marks the organisation's notices read.
pub async fn mark_read(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
) -> AppResult<Response> {
    let org = own_organisation(&a.ctx, &a.principal)?;
    store::mark_read(&state.db, org).await?;
    Ok(Redirect::to("/market/notices").into_response())
}

/// The caller's organisation's notices.
#[derive(Serialize, ToSchema)]
pub struct ApiNotices {
    pub unread: i64,
    pub items: Vec<ApiNotice>,
}

/// A notice of a new match.
#[derive(Serialize, ToSchema)]
pub struct ApiNotice {
    pub id: i64,
    /// demand (a new demand one of your achievements may answer), achievement (a newly listed
    /// achievement that may answer one of your demands) or contract (the office decided a change
    /// of, or an objection to, your registered contract: `about_title` is the record and its
    /// outcome, e.g. `change.accepted`, `shared` the office's words).
    pub kind: String,
    pub subject_id: i64,
    pub subject_title: String,
    /// Your own achievement or demand it matches.
    pub about_id: i64,
    pub about_title: String,
    /// The words both share.
    pub shared: Vec<String>,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    pub read: bool,
}

#[utoipa::path(get, path = "/api/v1/market/notices", responses((status = 200, body = ApiNotices), (status = 403, body = ApiError)))]
/// The caller's organisation's notices of new matches, newest first.
pub async fn api_list(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
) -> AppResult<Json<ApiNotices>> {
    let org = own_organisation(&a.ctx, &a.principal)?;
    let items = store::of_organisation(&state.db, org, 100)
        .await?
        .into_iter()
        .map(|n| ApiNotice {
            id: n.id,
            kind: n.kind,
            subject_id: n.subject_id,
            subject_title: n.subject_title,
            about_id: n.about_id,
            about_title: n.about_title,
            shared: n.shared,
            created_at: n.created_at,
            read: n.read_at != 0,
        })
        .collect();
    Ok(Json(ApiNotices { unread: store::unread(&state.db, org).await?, items }))
}

/// How many notices were marked read.
#[derive(Serialize, ToSchema)]
pub struct ApiMarked {
    pub marked: u64,
}

#[utoipa::path(post, path = "/api/v1/market/notices/read", responses((status = 200, body = ApiMarked), (status = 403, body = ApiError)))]
/// Marks the caller's organisation's notices read.
pub async fn api_mark_read(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
) -> AppResult<Json<ApiMarked>> {
    let org = own_organisation(&a.ctx, &a.principal)?;
    Ok(Json(ApiMarked { marked: store::mark_read(&state.db, org).await? }))
}
