//! Technical demands (技术需求): the public list and a demand's page with the achievements that
//! answer it; an enterprise's own demands, publishing and closing them; the same as JSON.
use super::matching::{
    ExpertMatch, Match, OrgMatch, achievements_for, experts_for, organisations_for,
};
use super::offering::own_organisation;
use crate::api::{ApiError, json_body, validation_error};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, OfferAchievements};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::orgs::field_messages;
use crate::page::{FieldErrors, Shell, render, render_status};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::market::demands::{DemandInput, validate};
use innocity_store::market::demands::{self as store, Demand};
use serde::Serialize;
use utoipa::ToSchema;

/// Achievements offered on a demand's page.
const MATCHES: usize = 10;
/// Organisations and experts offered on a demand's page.
const PEOPLE: usize = 5;

/// A demand in a list or on its page.
pub struct DemandView {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub organisation: String,
    pub description: String,
    pub requirements: String,
    pub discipline: String,
    pub budget: String,
    pub deadline: String,
    pub open: bool,
}

pub fn view_of(lang: Lang, today: chrono::NaiveDate, d: &Demand) -> DemandView {
    DemandView {
        id: d.id,
        version: d.version,
        title: d.title.clone(),
        organisation: d.organisation.clone(),
        description: d.description.clone(),
        requirements: d.requirements.clone(),
        discipline: d.discipline.clone(),
        budget: match d.budget {
            Some(m) => format!("{} {}", m.wan_text(), t(lang, "market.wan_yuan")),
            None => t(lang, "market.negotiable").to_string(),
        },
        deadline: d.deadline.format("%Y年%m月%d日").to_string(),
        open: d.open_on(today),
    }
}

/// A match as a page shows it: the other side, and why.
pub struct MatchLine {
    pub href: String,
    pub title: String,
    pub organisation: String,
    pub shared: String,
    pub same_discipline: bool,
}

pub fn match_lines(m: Vec<Match>, base: &str) -> Vec<MatchLine> {
    m.into_iter()
        .map(|m| MatchLine {
            href: format!("{base}/{}", m.id),
            title: m.title,
            organisation: m.organisation,
            shared: m.why.shared.join("、"),
            same_discipline: m.why.same_discipline,
        })
        .collect()
}

/// An organisation offered for a demand, and why.
pub struct OrgLine {
    pub name: String,
    pub achievements: usize,
    pub best_href: String,
    pub best_title: String,
    pub shared: String,
}

fn org_lines(m: Vec<OrgMatch>) -> Vec<OrgLine> {
    m.into_iter()
        .map(|o| OrgLine {
            name: o.organisation,
            achievements: o.achievements,
            best_href: format!("/market/achievements/{}", o.best_id),
            best_title: o.best_title,
            shared: o.why.shared.join("、"),
        })
        .collect()
}

/// An expert offered for a demand (the public profile), and why.
pub struct ExpertLine {
    pub name: String,
    pub title: String,
    pub organisation: String,
    pub fields: String,
    pub shared: String,
}

fn expert_lines(m: Vec<ExpertMatch>) -> Vec<ExpertLine> {
    m.into_iter()
        .map(|e| ExpertLine {
            name: e.name,
            title: e.title,
            organisation: e.organisation,
            fields: e.fields.join("、"),
            shared: e.why.shared.join("、"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "market_demands.html")]
struct ListPage {
    s: Shell,
    mine: bool,
    list: Vec<DemandView>,
}

/// The open demands, the nearest deadline first (public).
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let today = ctx.today();
    let list =
        store::open(&state.db, today).await?.iter().map(|d| view_of(ctx.lang, today, d)).collect();
    Ok(render(&ListPage { s: ctx.shell(), mine: false, list }))
}

/// The enterprise's own demands.
pub async fn mine(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let today = ctx.today();
    let list = store::of_organisation(&state.db, org)
        .await?
        .iter()
        .map(|d| view_of(ctx.lang, today, d))
        .collect();
    Ok(render(&ListPage { s: ctx.shell(), mine: true, list }))
}

#[derive(Template)]
#[template(path = "market_demand.html")]
struct DemandPage {
    s: Shell,
    d: DemandView,
    matches: Vec<MatchLine>,
    organisations: Vec<OrgLine>,
    experts: Vec<ExpertLine>,
    /// The viewer's organisation published it (may close it).
    own: bool,
    /// The open challenge raised from it, if any.
    challenge: Option<ChallengeLink>,
    /// The viewer may raise it to a challenge (the office, an open demand without one).
    may_raise: bool,
}

/// The challenge a demand was raised to.
struct ChallengeLink {
    id: i64,
    code: String,
    status: String,
}

/// A demand with the achievements that answer it (public).
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let d = store::demand(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let matches = achievements_for(&state.market, &state.db, &ctx, &d, MATCHES).await?;
    let organisations = organisations_for(&state.market, &state.db, &ctx, &d, PEOPLE).await?;
    let experts = experts_for(&state.db, &ctx, &d, PEOPLE).await?;
    let own = ctx.principal.as_ref().is_some_and(|p| matches!(p.scope, innocity_core::access::Scope::Organisation(o) if o == d.organisation_id));
    let view = view_of(ctx.lang, ctx.today(), &d);
    let challenge = innocity_store::market::challenges::of_demand(&state.db, d.id).await?;
    let office =
        super::challenges::Role::of(ctx.principal.as_ref()) == super::challenges::Role::Office;
    Ok(render(&DemandPage {
        s: ctx.shell(),
        may_raise: office && challenge.is_none() && d.status == store::OPEN,
        challenge: challenge.map(|c| ChallengeLink {
            id: c.id,
            code: c.code,
            status: t(ctx.lang, &format!("challenge.status.{}", c.status.code())).to_string(),
        }),
        d: view,
        matches: match_lines(matches, "/market/achievements"),
        organisations: org_lines(organisations),
        experts: expert_lines(experts),
        own,
    }))
}

#[derive(Template)]
#[template(path = "market_demand_form.html")]
struct FormPage {
    s: Shell,
    input: DemandInput,
    errors: FieldErrors,
}

pub async fn new_form(a: Auth<OfferAchievements>) -> AppResult<Response> {
    own_organisation(&a.ctx, &a.principal)?;
    Ok(render(&FormPage {
        s: a.ctx.shell(),
        input: DemandInput::default(),
        errors: FieldErrors::default(),
    }))
}

/// Publishes a demand.
pub async fn publish(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let input: DemandInput = crate::auth::parse_form(ctx, &body)?;
    let draft = match validate(&input, ctx.today()) {
        Ok(d) => d,
        Err(e) => {
            let page = FormPage {
                s: ctx.shell(),
                input,
                errors: FieldErrors(field_messages(ctx.lang, &e)),
            };
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let id = store::publish(&state.db, org, &draft, ctx.actor()).await?;
    super::notices::after_demand(&state, ctx, id).await;
    Ok(Redirect::to(&format!("/market/demands/{id}")).into_response())
}

#[derive(serde::Deserialize)]
struct CloseForm {
    version: i64,
}

/// Closes one of the organisation's demands.
pub async fn close(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let d = store::demand(&state.db, id)
        .await?
        .filter(|d| d.organisation_id == org)
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let f: CloseForm = crate::auth::parse_form(ctx, &body)?;
    store::close(&state.db, d.id, f.version, ctx.actor()).await?;
    Ok(Redirect::to("/market/demands/mine").into_response())
}

/// A demand for machines.
#[derive(Serialize, ToSchema)]
pub struct ApiDemand {
    pub id: i64,
    pub organisation: String,
    pub title: String,
    pub description: String,
    pub requirements: String,
    pub discipline: String,
    /// Fen; null when negotiable.
    pub budget_fen: Option<i64>,
    /// `YYYY-MM-DD`.
    pub deadline: String,
    /// open or closed.
    pub status: String,
    /// The listed achievements that answer it, best first (on one demand's operation only).
    pub matches: Vec<ApiMatch>,
    /// The organisations whose achievements answer it best (on one demand's operation only).
    pub organisations: Vec<ApiOrgMatch>,
    /// The library's active experts who answer it best: public profile only (on one demand's
    /// operation only).
    pub experts: Vec<ApiExpertMatch>,
}

/// An organisation offered for a demand.
#[derive(Serialize, ToSchema)]
pub struct ApiOrgMatch {
    pub organisation: String,
    pub score: f32,
    /// How many of the achievements considered are its.
    pub achievements: usize,
    /// Its best-matching achievement.
    pub best_id: i64,
    pub best_title: String,
    pub shared: Vec<String>,
}

/// An expert offered for a demand (public profile).
#[derive(Serialize, ToSchema)]
pub struct ApiExpertMatch {
    pub name: String,
    /// 职称.
    pub title: String,
    pub organisation: String,
    pub fields: Vec<String>,
    pub score: f32,
    pub shared: Vec<String>,
}

/// Everything offered for a demand.
#[derive(Default)]
pub struct Offered {
    pub achievements: Vec<Match>,
    pub organisations: Vec<OrgMatch>,
    pub experts: Vec<ExpertMatch>,
}

/// A match and why.
#[derive(Serialize, ToSchema)]
pub struct ApiMatch {
    pub id: i64,
    pub title: String,
    pub organisation: String,
    pub score: f32,
    /// The words both share, most specific first.
    pub shared: Vec<String>,
    pub same_discipline: bool,
}

fn api_demand(d: Demand, offered: Offered) -> ApiDemand {
    ApiDemand {
        id: d.id,
        organisation: d.organisation,
        title: d.title,
        description: d.description,
        requirements: d.requirements,
        discipline: d.discipline,
        budget_fen: d.budget.map(|m| m.fen()),
        deadline: d.deadline.to_string(),
        status: d.status,
        organisations: offered
            .organisations
            .into_iter()
            .map(|o| ApiOrgMatch {
                organisation: o.organisation,
                score: o.score,
                achievements: o.achievements,
                best_id: o.best_id,
                best_title: o.best_title,
                shared: o.why.shared,
            })
            .collect(),
        experts: offered
            .experts
            .into_iter()
            .map(|e| ApiExpertMatch {
                name: e.name,
                title: e.title,
                organisation: e.organisation,
                fields: e.fields,
                score: e.score,
                shared: e.why.shared,
            })
            .collect(),
        matches: offered
            .achievements
            .into_iter()
            .map(|m| ApiMatch {
                id: m.id,
                title: m.title,
                organisation: m.organisation,
                score: m.score,
                shared: m.why.shared,
                same_discipline: m.why.same_discipline,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/market/demands", responses((status = 200, body = Vec<ApiDemand>)))]
/// The open demands, the nearest deadline first (public).
pub async fn api_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<ApiDemand>>> {
    Ok(Json(
        store::open(&state.db, ctx.today())
            .await?
            .into_iter()
            .map(|d| api_demand(d, Offered::default()))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/market/demands/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiDemand), (status = 404, body = ApiError)))]
/// A demand with the listed achievements that answer it (public).
pub async fn api_get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Json<ApiDemand>> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let d = store::demand(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let offered = Offered {
        achievements: achievements_for(&state.market, &state.db, &ctx, &d, MATCHES).await?,
        organisations: organisations_for(&state.market, &state.db, &ctx, &d, PEOPLE).await?,
        experts: experts_for(&state.db, &ctx, &d, PEOPLE).await?,
    };
    Ok(Json(api_demand(d, offered)))
}

/// A demand to publish.
#[derive(serde::Deserialize, ToSchema)]
pub struct ApiDemandInput {
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub requirements: String,
    #[serde(default)]
    pub discipline: String,
    /// 万元 as text; empty when negotiable.
    #[serde(default)]
    pub budget_wan: String,
    /// `YYYY-MM-DD`, today or later.
    pub deadline: String,
}

#[utoipa::path(post, path = "/api/v1/market/demands", request_body = ApiDemandInput,
    responses((status = 201, body = ApiDemand), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
/// Publishes a demand of the caller's organisation.
pub async fn api_publish(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let i: ApiDemandInput = json_body(ctx, &headers, &body)?;
    let input = DemandInput {
        title: i.title,
        description: i.description,
        requirements: i.requirements,
        discipline: i.discipline,
        budget_wan: i.budget_wan,
        deadline: i.deadline,
    };
    let draft = validate(&input, ctx.today()).map_err(|e| validation_error(ctx, &e))?;
    let id = store::publish(&state.db, org, &draft, ctx.actor()).await?;
    super::notices::after_demand(&state, ctx, id).await;
    let d = store::demand(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((StatusCode::CREATED, Json(api_demand(d, Offered::default()))).into_response())
}
