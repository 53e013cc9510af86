//! An achievement's documents (brochures, evaluation reports, test reports): its owner adds
//! them until it is dealt or withdrawn; anyone may read those of a listed achievement, the
//! owner always. As pages and as JSON.
use super::offering::own_achievement;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, OfferAchievements, format_time};
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use innocity_core::access::Scope;
use innocity_store::market::files::{self, StoredFile, Subject};
use serde::Serialize;
use utoipa::ToSchema;

/// A file as a page lists it.
pub struct FileLine {
    pub href: String,
    pub name: String,
    pub size: String,
    pub when: String,
}

/// The achievement's files as its pages list them.
pub async fn lines(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Vec<FileLine>> {
    Ok(files::files_of(&state.db, Subject::Achievement, id)
        .await?
        .into_iter()
        .map(|f| FileLine {
            href: format!("/market/achievements/{id}/files/{}", f.id),
            size: format!("{} KB", (f.size + 1023) / 1024),
            when: format_time(ctx.lang, f.uploaded_at),
            name: f.name,
        })
        .collect())
}

/// Adds a document to one of the organisation's achievements (sent by htmx, which follows
/// HX-Redirect).
pub async fn upload(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let r = own_achievement(&state, ctx, &a.principal, &id).await?;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    let dir = &state.config.files_dir;
    files::add_file(&state.db, dir, Subject::Achievement, r.id, &name, &bytes, ctx.actor()).await?;
    let to = format!("/market/mine/{}", r.id);
    Ok(crate::http::go_to(ctx, &to))
}

/// A document of a listed achievement (anyone), or of one's own (the owner).
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let (id, file): (i64, i64) = match (id.parse(), file.parse()) {
        (Ok(i), Ok(f)) => (i, f),
        _ => return Err(ctx.err(AppError::not_found())),
    };
    let a = innocity_store::market::achievement(&state.db, id)
        .await?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let own = ctx.principal.as_ref().is_some_and(|p| {
        matches!(p.scope, Scope::Organisation(o) if o == a.organisation_id)
            && p.role.allows(innocity_core::access::Capability::OfferAchievements)
    });
    if a.status != innocity_store::market::LISTED && !own {
        return Err(ctx.err(AppError::not_found()));
    }
    let (f, bytes) =
        files::file(&state.db, &state.config.files_dir, Subject::Achievement, a.id, file).await?;
    Ok(crate::http::download(bytes, &f.name, super::contract_records::mime_of(&f.content_type)))
}

/// A stored document.
#[derive(Serialize, ToSchema)]
pub struct ApiAchievementFile {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where to read it.
    pub href: String,
}

fn api_file(achievement: i64, f: StoredFile) -> ApiAchievementFile {
    ApiAchievementFile {
        href: format!("/api/v1/market/achievements/{achievement}/files/{}", f.id),
        id: f.id,
        name: f.name,
        content_type: f.content_type,
        size: f.size,
        sha256: f.sha256,
    }
}

#[utoipa::path(post, path = "/api/v1/market/my/achievements/{id}/files", params(("id" = i64, Path)),
    request_body(content = super::contract_records::ApiUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ApiAchievementFile), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Adds a document to one of the caller's organisation's achievements.
pub async fn api_upload(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let r = own_achievement(&state, ctx, &a.principal, &id).await?;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    let dir = &state.config.files_dir;
    let file =
        files::add_file(&state.db, dir, Subject::Achievement, r.id, &name, &bytes, ctx.actor())
            .await?;
    let (f, _) = files::file(&state.db, dir, Subject::Achievement, r.id, file).await?;
    Ok((StatusCode::CREATED, Json(api_file(r.id, f))).into_response())
}

#[utoipa::path(get, path = "/api/v1/market/achievements/{id}/files", params(("id" = i64, Path)), responses((status = 200, body = Vec<ApiAchievementFile>), (status = 404, body = ApiError)))]
/// The documents of a listed achievement (public).
pub async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<ApiAchievementFile>>> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    innocity_store::market::achievement(&state.db, id)
        .await?
        .filter(|a| a.status == innocity_store::market::LISTED)
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let list = files::files_of(&state.db, Subject::Achievement, id).await?;
    Ok(Json(list.into_iter().map(|f| api_file(id, f)).collect()))
}
