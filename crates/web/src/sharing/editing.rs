//! The owner edits an instrument's record — prices, hours, rules — on its page or through the
//! API, with the version read: a change made meanwhile by someone else is refused, not lost.
use super::api::{ApiInstrument, ApiInstrumentInput, api_instrument_of};
use super::owned_instrument;
use super::owner::{FormField, form_fields};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ShareInstruments, parse_form};
use crate::error::{AppError, AppResult};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Principal;
use innocity_core::sharing::instruments::InstrumentForm;
use innocity_store::sharing as store;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "sharing_instrument_edit.html")]
struct EditPage {
    s: Shell,
    id: i64,
    name: String,
    version: i64,
    categories: Vec<Choice>,
    form: InstrumentForm,
    errors: Vec<(String, String)>,
}

impl EditPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
    fn fields(&self) -> Vec<FormField> {
        form_fields(&self.form)
    }
}

fn page(
    ctx: &Ctx,
    row: &store::InstrumentRow,
    version: i64,
    form: InstrumentForm,
    errors: Vec<(String, String)>,
) -> EditPage {
    EditPage {
        s: ctx.shell(),
        id: row.id,
        name: row.item.name.clone(),
        version,
        categories: super::catalogue::category_choices(ctx.lang, &form.category),
        form,
        errors,
    }
}

/// The edit form, filled with the record as it is.
pub async fn edit_form(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let row = owned_instrument(&state, &a.ctx, &a.principal, &id).await?;
    Ok(render(&page(&a.ctx, &row, row.version, InstrumentForm::of(&row.item), vec![])))
}

/// The form as sent: the record's fields and the version the editor read.
#[derive(Deserialize)]
pub struct EditForm {
    pub version: i64,
    #[serde(flatten)]
    pub form: InstrumentForm,
}

/// Saves the record; every problem named beside its field, a stale version refused (409).
pub async fn update_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    version: i64,
    form: &InstrumentForm,
) -> AppResult<Result<i64, Vec<(String, String)>>> {
    let row = owned_instrument(state, ctx, p, id).await?;
    let item = match form.parse() {
        Ok(item) => item,
        Err(problems) => return Ok(Err(crate::orgs::field_messages(ctx.lang, &problems))),
    };
    match store::update_instrument(&state.db, row.id, version, &item, ctx.actor()).await {
        Ok(()) => Ok(Ok(row.id)),
        Err(innocity_store::StoreError::Sharing(r)) => {
            Ok(Err(vec![("code".into(), super::refusal_text(ctx.lang, &r))]))
        }
        Err(e) => Err(ctx.err(e.into())),
    }
}

pub async fn edit(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let sent: EditForm = parse_form(ctx, &body)?;
    match update_as(&state, ctx, &a.principal, &id, sent.version, &sent.form).await? {
        Ok(id) => Ok(Redirect::to(&format!("/sharing/instruments/{id}")).into_response()),
        Err(errors) => {
            let row = owned_instrument(&state, ctx, &a.principal, &id).await?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(ctx, &row, sent.version, sent.form, errors),
            ))
        }
    }
}

/// An instrument's record to save, with the version read.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApiInstrumentUpdate {
    /// The version the editor read (from `GET /api/v1/instruments`).
    pub version: i64,
    pub instrument: ApiInstrumentInput,
}

#[utoipa::path(put, path = "/api/v1/instruments/{id}", params(("id" = i64, Path)), request_body = ApiInstrumentUpdate, responses((status = 200, body = ApiInstrument), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Saves one of the caller's instruments; a change made meanwhile is refused (409 stale).
pub async fn api_update(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    Json(u): Json<ApiInstrumentUpdate>,
) -> AppResult<Json<ApiInstrument>> {
    let ctx = &a.ctx;
    match update_as(&state, ctx, &a.principal, &id, u.version, &u.instrument.form()).await? {
        Ok(id) => {
            let row = store::instrument(&state.db, id)
                .await?
                .ok_or_else(|| ctx.err(AppError::not_found()))?;
            Ok(Json(api_instrument_of(row)))
        }
        Err(fields) => Err(crate::subjects::api::invalid(ctx, fields)),
    }
}
