//! An organisation's people for the vouchers' relatedness check (关联关系): its legal
//! representative, shareholders and staff, recorded by the organisation's own administrators or
//! the bureau and zones over it (the organisation editing rights and scope), shown with the ID
//! number masked; a provider sharing a person with an enterprise may not redeem its vouchers.
use super::refused_on;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, EditOrgs, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::orgs::{load_scoped, parse_id};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal};
use innocity_core::sharing::vouchers::Standing;
use innocity_store::orgs::Organisation;
use innocity_store::sharing::{self as store, RelationRow};
use serde::{Deserialize, Serialize};

/// A person to record (the API's body too).
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct RelationInput {
    pub name: String,
    /// The 18-character resident ID number; kept only as a fingerprint and a masked copy.
    pub id_number: String,
    /// legal_rep, shareholder or staff.
    pub standing: String,
}

/// A recorded person (the ID number masked).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiRelation {
    pub id: i64,
    pub name: String,
    pub masked_id: String,
    /// legal_rep, shareholder or staff.
    pub standing: String,
}

fn api_relation(r: RelationRow) -> ApiRelation {
    ApiRelation {
        id: r.id,
        name: r.name,
        masked_id: r.masked_id,
        standing: r.standing.code().into(),
    }
}

async fn organisation(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
) -> AppResult<Organisation> {
    let id = parse_id(ctx, id)?;
    load_scoped(state, ctx, p, id, Capability::EditOrgs).await
}

/// Records a person: the name, a real ID number, a standing; the same person in the same
/// standing once.
pub async fn add_as(
    state: &AppState,
    ctx: &Ctx,
    org: &Organisation,
    i: &RelationInput,
) -> AppResult<i64> {
    let Some(standing) = Standing::parse(i.standing.trim()) else {
        return Err(super::choose_one(ctx, "standing"));
    };
    if i.name.trim().is_empty() || i.name.trim().chars().count() > 50 {
        let msg = t(ctx.lang, "err.required").to_string();
        return Err(crate::subjects::api::invalid(ctx, vec![("name".into(), msg)]));
    }
    store::add_person(&state.db, org.id, &i.name, &i.id_number, standing, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "id_number", e))
}

pub struct RelationLine {
    pub id: i64,
    pub name: String,
    pub masked_id: String,
    pub standing: &'static str,
}

fn standing_label(lang: Lang, s: Standing) -> &'static str {
    t(lang, &format!("relations.{}", s.code()))
}

#[derive(Template)]
#[template(path = "org_relations.html")]
struct RelationsPage {
    s: Shell,
    org: Organisation,
    lines: Vec<RelationLine>,
    standings: Vec<Choice>,
    form: RelationInput,
    errors: Vec<(String, String)>,
}

impl RelationsPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

async fn page_of(
    state: &AppState,
    ctx: &Ctx,
    org: Organisation,
    form: RelationInput,
    errors: Vec<(String, String)>,
) -> AppResult<RelationsPage> {
    let lang = ctx.lang;
    let lines = store::relations(&state.db, org.id)
        .await?
        .into_iter()
        .map(|r| RelationLine {
            id: r.id,
            name: r.name,
            masked_id: r.masked_id,
            standing: standing_label(lang, r.standing),
        })
        .collect();
    let standings = Standing::ALL
        .iter()
        .map(|s| Choice::new(s.code(), standing_label(lang, *s), s.code() == form.standing))
        .collect();
    Ok(RelationsPage { s: ctx.shell(), org, lines, standings, form, errors })
}

pub async fn page(
    State(state): State<AppState>,
    a: Auth<EditOrgs>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let org = organisation(&state, &a.ctx, &a.principal, &id).await?;
    Ok(render(&page_of(&state, &a.ctx, org, RelationInput::default(), vec![]).await?))
}

pub async fn add(
    State(state): State<AppState>,
    a: Auth<EditOrgs>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = organisation(&state, ctx, &a.principal, &id).await?;
    let mut form: RelationInput = parse_form(ctx, &body)?;
    match add_as(&state, ctx, &org, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{}/relations", org.id)).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            // the ID number is not sent back to the browser
            form.id_number.clear();
            let page = page_of(&state, ctx, org, form, e.fields.clone()).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

/// Removes a person of the organisation `id` (within the caller's scope); the organisation.
async fn remove_as(state: &AppState, a: &Auth<EditOrgs>, id: &str, person: &str) -> AppResult<i64> {
    let ctx = &a.ctx;
    let org = organisation(state, ctx, &a.principal, id).await?;
    let person = parse_id(ctx, person)?;
    store::remove_person(&state.db, org.id, person, ctx.actor())
        .await
        .map_err(|e| ctx.err(AppError::from(e)))?;
    Ok(org.id)
}

pub async fn remove(
    State(state): State<AppState>,
    a: Auth<EditOrgs>,
    Path((id, person)): Path<(String, String)>,
) -> AppResult<Response> {
    let org = remove_as(&state, &a, &id, &person).await?;
    Ok(Redirect::to(&format!("/orgs/{org}/relations")).into_response())
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}/relations", params(("id" = i64, Path)), responses((status = 200, body = [ApiRelation]), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// The people recorded for an organisation (ID numbers masked).
pub async fn api_relations(
    State(state): State<AppState>,
    a: Auth<EditOrgs>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<ApiRelation>>> {
    let org = organisation(&state, &a.ctx, &a.principal, &id).await?;
    Ok(Json(store::relations(&state.db, org.id).await?.into_iter().map(api_relation).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{id}/relations", params(("id" = i64, Path)), request_body = RelationInput, responses((status = 201, body = ApiRelation), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Records a person of the organisation for the relatedness check.
pub async fn api_add_relation(
    State(state): State<AppState>,
    a: Auth<EditOrgs>,
    Path(id): Path<String>,
    Json(i): Json<RelationInput>,
) -> AppResult<(StatusCode, Json<ApiRelation>)> {
    let org = organisation(&state, &a.ctx, &a.principal, &id).await?;
    let added = add_as(&state, &a.ctx, &org, &i).await?;
    let row = store::relations(&state.db, org.id)
        .await?
        .into_iter()
        .find(|r| r.id == added)
        .ok_or_else(|| a.ctx.err(AppError::not_found()))?;
    Ok((StatusCode::CREATED, Json(api_relation(row))))
}

#[utoipa::path(delete, path = "/api/v1/organisations/{id}/relations/{person}", params(("id" = i64, Path), ("person" = i64, Path)), responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Removes a person from the organisation's records.
pub async fn api_remove_relation(
    State(state): State<AppState>,
    a: Auth<EditOrgs>,
    Path((id, person)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    remove_as(&state, &a, &id, &person).await?;
    Ok(StatusCode::NO_CONTENT)
}
