//! The calls for everyone (申报通知, issue 20 item 1): without signing in, anyone reads the calls
//! open now, those about to open and past ones — the guidelines and their files, who may apply,
//! the deadlines, the money, how applications are reviewed — and starts an application from the
//! call (signing in first). The same in `/api/v1/public/calls`. An unknown call is a 404 that
//! shows the list, so the visitor goes on from there.
use super::pages::{
    FormSectionLine, KeyedLine, budget_lines, call_open, deadline_lines, form_lines, plan_text,
    rules_text,
};
use super::{Block, blocks};
use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render_status};
use crate::projects::calls;
use crate::projects::{date_zh, file_size};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use innocity_core::access::Role;
use innocity_store::projects::{self as store, Call};
use serde::Serialize;
use utoipa::ToSchema;

/// Where a call stands today for an applicant.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Standing {
    /// Applications are taken (opened, deadline not passed).
    Open,
    /// Published, opening on a later day.
    Upcoming,
    /// Closed by the bureau, or its applicants' deadline passed.
    Closed,
}

impl Standing {
    pub fn of(c: &Call, day: NaiveDate) -> Standing {
        if call_open(c, day) {
            Standing::Open
        } else if c.status == "open" && day < c.opens_on {
            Standing::Upcoming
        } else {
            Standing::Closed
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Standing::Open => "open",
            Standing::Upcoming => "upcoming",
            Standing::Closed => "closed",
        }
    }
}

/// A call in the public list.
pub struct PublicLine {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub programme: String,
    pub opens: String,
    pub deadline: String,
    /// `还剩 12 天` for an open call, else empty.
    pub left: String,
}

/// The calls by standing, each list the nearest applicants' deadline first, past ones the latest
/// first.
pub struct Sorted {
    pub open: Vec<PublicLine>,
    pub upcoming: Vec<PublicLine>,
    pub closed: Vec<PublicLine>,
}

async fn programme_names(state: &AppState) -> AppResult<Vec<(i64, String)>> {
    Ok(store::programmes(&state.db).await?.into_iter().map(|p| (p.id, p.name)).collect())
}

/// The name of a call's programme (计划类别), empty if it has none.
fn programme_of(programmes: &[(i64, String)], c: &Call) -> String {
    programmes
        .iter()
        .find(|(id, _)| *id == c.programme_id)
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

/// How long an open call still takes applications: 今日截止 on its last day, else the days left.
fn days_left(lang: Lang, deadline: NaiveDate, day: NaiveDate) -> String {
    match (deadline - day).num_days() {
        0 => t(lang, "pcalls.closes_today").to_string(),
        1 => t(lang, "pcalls.one_day_left").to_string(),
        n => tf(lang, "pcalls.days_left", &[n.to_string()]),
    }
}

fn line(lang: Lang, c: &Call, programmes: &[(i64, String)], day: NaiveDate) -> PublicLine {
    PublicLine {
        id: c.id,
        code: c.code.clone(),
        title: c.title.clone(),
        programme: programme_of(programmes, c),
        opens: date_zh(c.opens_on),
        deadline: date_zh(c.deadlines.applicant),
        left: if Standing::of(c, day) == Standing::Open {
            days_left(lang, c.deadlines.applicant, day)
        } else {
            String::new()
        },
    }
}

/// Every call sorted by standing as of `day`.
pub async fn sorted(state: &AppState, lang: Lang, day: NaiveDate) -> AppResult<Sorted> {
    let mut calls = store::calls(&state.db).await?;
    let programmes = programme_names(state).await?;
    calls.sort_by_key(|c| (c.deadlines.applicant, c.opens_on, c.id));
    let of = |want: Standing| -> Vec<&Call> {
        calls.iter().filter(|c| Standing::of(c, day) == want).collect()
    };
    let lines = |v: Vec<&Call>| -> Vec<PublicLine> {
        v.into_iter().map(|c| line(lang, c, &programmes, day)).collect()
    };
    let mut closed = of(Standing::Closed);
    closed.reverse();
    Ok(Sorted {
        open: lines(of(Standing::Open)),
        upcoming: lines(of(Standing::Upcoming)),
        closed: lines(closed),
    })
}

#[derive(Template)]
#[template(path = "public_calls.html")]
struct ListPage {
    s: Shell,
    calls: Sorted,
    /// The 404 page: the asked-for call is none.
    missing: bool,
    /// The id asked for, when it reads as one (a short number); else not repeated.
    missing_id: String,
}

/// The calls for everyone: open now, opening soon, past.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let calls = sorted(&state, ctx.lang, ctx.today()).await?;
    let page = ListPage { s: ctx.shell(), calls, missing: false, missing_id: String::new() };
    Ok(render_status(StatusCode::OK, &page))
}

/// A call asked for by its id in the path; anything but a call's id is none.
async fn find(state: &AppState, id: &str) -> AppResult<Option<Call>> {
    match id.trim().parse::<i64>() {
        Ok(id) => Ok(store::call(&state.db, id).await?),
        Err(_) => Ok(None),
    }
}

#[derive(Template)]
#[template(path = "public_call.html")]
struct CallPage {
    s: Shell,
    c: Call,
    programme: String,
    standing: &'static str,
    /// Anyone who may apply sees the button: a visitor (who signs in first) or an organisation.
    may_apply: bool,
    description: String,
    guidelines: Vec<Block>,
    files: Vec<PublicFile>,
    rules: Vec<String>,
    deadlines: Vec<KeyedLine>,
    budget: Vec<KeyedLine>,
    plan: Vec<String>,
    form: Vec<FormSectionLine>,
}

/// A file of a call for download.
pub struct PublicFile {
    pub id: i64,
    pub name: String,
    pub size: String,
}

/// The guidelines' first paragraph, at most 120 characters: the page's description for search
/// engines and link previews.
fn description(guidelines: &[Block], title: &str) -> String {
    let first = guidelines.iter().find_map(|b| match b {
        Block::Paragraph(p) => Some(p.as_str()),
        _ => None,
    });
    let text = first.unwrap_or(title).replace('\n', " ");
    let mut out: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        out.push('…');
    }
    out
}

/// One call for everyone; an unknown one is the list with a 404 saying so.
pub async fn call_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let Some(c) = find(&state, &id).await? else {
        let calls = sorted(&state, lang, ctx.today()).await?;
        // Only an id is repeated back: any other text in the address is not shown on the page.
        let is_id = id.len() <= 12 && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
        let missing_id = if is_id { id } else { String::new() };
        let page = ListPage { s: ctx.shell(), calls, missing: true, missing_id };
        return Ok(render_status(StatusCode::NOT_FOUND, &page));
    };
    let files = store::call_files(&state.db, c.id)
        .await?
        .into_iter()
        .map(|f| PublicFile { id: f.id, name: f.name, size: file_size(f.size) })
        .collect();
    let programme = programme_of(&programme_names(&state).await?, &c);
    let standing = Standing::of(&c, ctx.today());
    let may_apply = standing == Standing::Open
        && ctx
            .principal
            .as_ref()
            .is_none_or(|p| matches!(p.role, Role::OrgAdmin | Role::OrgMember));
    let guidelines = blocks(&c.guidelines);
    let mut rules = rules_text(lang, &c);
    rules.extend(area_rule(&state, lang, &c).await?);
    Ok(render_status(
        StatusCode::OK,
        &CallPage {
            s: ctx.shell(),
            programme,
            standing: standing.code(),
            may_apply,
            description: description(&guidelines, &c.title),
            guidelines,
            files,
            rules,
            deadlines: deadline_lines(&c),
            budget: budget_lines(&c),
            plan: plan_text(lang, &c.review_plan),
            form: form_lines(lang, &c),
            c,
        },
    ))
}

/// Where the applicant organisation must lie, in words (申报单位须位于：兰州高新区、…), when the call
/// says so.
async fn area_rule(state: &AppState, lang: Lang, c: &Call) -> AppResult<Option<String>> {
    if c.eligibility.unit_paths.is_empty() {
        return Ok(None);
    }
    let units = state.units().await?;
    let names: Vec<String> = c
        .eligibility
        .unit_paths
        .iter()
        .map(|p| {
            units
                .iter()
                .find(|u| &u.path == p)
                .map_or_else(|| p.clone(), |u| lang.pick(&u.name_zh, &u.name_en).to_string())
        })
        .collect();
    Ok(Some(tf(lang, "calls.rule.units", &[names.join(t(lang, "list.sep"))])))
}

/// A call's file, for everyone (the guidelines' attachments are public as the call is).
pub async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let (Ok(id), Ok(file)) = (id.trim().parse::<i64>(), file.trim().parse::<i64>()) else {
        return Err(ctx.err(AppError::not_found()));
    };
    let (f, bytes) = store::call_file(&state.db, &state.config.files_dir, id, file).await.map_err(
        |e| match e {
            innocity_store::db::StoreError::NotFound => ctx.err(AppError::not_found()),
            other => other.into(),
        },
    )?;
    let mut resp = crate::http::download(bytes, &f.name, "application/octet-stream");
    resp.headers_mut()
        .insert("X-Content-Type-Options", axum::http::HeaderValue::from_static("nosniff"));
    Ok(resp)
}

// ---------------------------------------------------------------- API

/// A call as the public API lists it.
#[derive(Serialize, ToSchema)]
pub struct ApiPublicCall {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub programme: String,
    pub year: i64,
    /// `open`, `upcoming` or `closed`, as of today.
    pub standing: String,
    pub opens_on: String,
    /// The applicants' deadline (申报截止).
    pub applicant_deadline: String,
    /// The page for people.
    pub url: String,
}

/// One call with what an applicant must know.
#[derive(Serialize, ToSchema)]
pub struct ApiPublicCallDetail {
    #[serde(flatten)]
    pub call: ApiPublicCall,
    /// The guidelines as written (`# ` headings, `- ` list items).
    pub guidelines: String,
    pub topics: Vec<String>,
    /// Who may apply, in words.
    pub eligibility: Vec<String>,
    pub organisation_deadline: String,
    pub zone_deadline: String,
    /// The most one application may ask for, 万元.
    pub max_request_wan: String,
    /// How applications are reviewed, step by step.
    pub review_plan: Vec<String>,
    pub files: Vec<ApiPublicFile>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiPublicFile {
    pub name: String,
    pub size_bytes: i64,
    pub url: String,
}

fn api_call(c: &Call, programmes: &[(i64, String)], day: NaiveDate) -> ApiPublicCall {
    ApiPublicCall {
        id: c.id,
        code: c.code.clone(),
        title: c.title.clone(),
        programme: programme_of(programmes, c),
        year: c.year,
        standing: Standing::of(c, day).code().into(),
        opens_on: c.opens_on.to_string(),
        applicant_deadline: c.deadlines.applicant.to_string(),
        url: format!("/public/calls/{}", c.id),
    }
}

#[utoipa::path(get, path = "/api/v1/public/calls", responses((status = 200, body = Vec<ApiPublicCall>)))]
/// Every call for everyone, open ones first (the nearest deadline first), then those about to
/// open, then past ones (the latest first).
pub async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<Json<Vec<ApiPublicCall>>> {
    let day = ctx.today();
    let programmes = programme_names(&state).await?;
    let mut calls = store::calls(&state.db).await?;
    let rank = |c: &Call| match Standing::of(c, day) {
        Standing::Open => 0,
        Standing::Upcoming => 1,
        Standing::Closed => 2,
    };
    calls.sort_by_key(|c| (c.deadlines.applicant, c.opens_on, c.id));
    let (mut past, mut rest): (Vec<&Call>, Vec<&Call>) = calls.iter().partition(|c| rank(c) == 2);
    rest.sort_by_key(|c| rank(c));
    past.reverse();
    rest.extend(past);
    Ok(Json(rest.into_iter().map(|c| api_call(c, &programmes, day)).collect()))
}

#[utoipa::path(get, path = "/api/v1/public/calls/{id}", params(("id" = String, Path)), responses((status = 200, body = ApiPublicCallDetail), (status = 404, body = crate::api::ApiError)))]
/// One call for everyone: its guidelines, who may apply, deadlines, money, review plan, files.
pub async fn api_call_detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Json<ApiPublicCallDetail>> {
    let lang = ctx.lang;
    let c = find(&state, &id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let programmes = programme_names(&state).await?;
    let files = store::call_files(&state.db, c.id).await?;
    let mut eligibility = rules_text(lang, &c);
    eligibility.extend(area_rule(&state, lang, &c).await?);
    Ok(Json(ApiPublicCallDetail {
        call: api_call(&c, &programmes, ctx.today()),
        guidelines: c.guidelines.clone(),
        topics: c.topics.clone(),
        eligibility,
        organisation_deadline: c.deadlines.organisation.to_string(),
        zone_deadline: c.deadlines.zone.to_string(),
        max_request_wan: c.budget_rules.max_request.wan_text(),
        review_plan: plan_text(lang, &c.review_plan),
        files: files
            .into_iter()
            .map(|f| ApiPublicFile {
                url: format!("/public/calls/{}/files/{}", c.id, f.id),
                name: f.name,
                size_bytes: f.size,
            })
            .collect(),
    }))
}

/// The open calls for the home page, the nearest deadline first, at most `n` (read as such: the
/// home page is the busiest page).
pub async fn open_now(
    state: &AppState,
    lang: Lang,
    day: NaiveDate,
    n: u64,
) -> AppResult<Vec<PublicLine>> {
    let open = store::open_on(&state.db, day, n).await?;
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let programmes = programme_names(state).await?;
    Ok(open.iter().map(|c| line(lang, c, &programmes, day)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_is_the_first_paragraph_cut_at_120_characters() {
        let long = "甲".repeat(130);
        let b = blocks(&format!("# 一、总体要求\n\n{long}\n\n第二段"));
        let d = description(&b, "标题");
        assert_eq!(d.chars().count(), 121);
        assert!(d.ends_with('…'));
        assert_eq!(description(&blocks("# 只有标题"), "某某专项"), "某某专项");
    }
}
