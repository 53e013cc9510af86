//! Org units: the list, a new unit (a park placed in a county of its city, if asked), and
//! moving a park into a county or out of any — pages and API share the checks here.
use super::{UnitOption, field_messages, parse_id, unit_label};
use crate::api::{ApiError, ApiOrgUnit, json_body, validation_error};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageOrgUnits, ViewOrgUnits, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tf};
use crate::page::{FieldErrors, Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal};
use innocity_core::orgs::{FieldError, UnitLevel};
use innocity_store::orgs::{self as store, OrgUnit};

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    s: Shell,
    rows: Vec<UnitRow>,
    can_manage: bool,
    /// Whether a move was refused (its message is on the unit's row).
    refused: bool,
}

/// An org unit in the list: the unit, its indented name, how many organisations lie in it, and
/// for a park its county and the counties of its city it may move to.
struct UnitRow {
    unit: OrgUnit,
    label: String,
    orgs: u64,
    /// The park's county, 0 when none.
    county_id: i64,
    county_name: String,
    counties: Vec<UnitOption>,
    /// The refusal of a move of this unit, empty when none.
    error: String,
}

/// A refused move: the unit and the message.
struct Refusal {
    unit_id: i64,
    message: String,
}

/// The counties of a park's city (its zone's parent); none for a unit that is no park.
fn counties_of(all: &[OrgUnit], lang: Lang, u: &OrgUnit) -> Vec<UnitOption> {
    if u.level != UnitLevel::Park.code() {
        return Vec::new();
    }
    let city = all.iter().find(|z| Some(z.id) == u.parent_id).and_then(|z| z.parent_id);
    all.iter()
        .filter(|c| c.level == UnitLevel::County.code() && c.parent_id == city && city.is_some())
        .map(|c| UnitOption { id: c.id, label: name_of(lang, c) })
        .collect()
}

fn name_of(lang: Lang, u: &OrgUnit) -> String {
    if lang == Lang::Zh { u.name_zh.clone() } else { u.name_en.clone() }
}

async fn units_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    refusal: Option<Refusal>,
) -> AppResult<Response> {
    let units = state.units_in_scope(&p.scope).await?;
    let counts = store::counts_by_unit(&state.db).await?;
    let all = state.units().await?;
    let rows = units
        .into_iter()
        .map(|u| {
            // A county counts its parks' organisations too.
            let area = store::area_roots(&all, &u);
            let orgs = area.iter().map(|root| store::count_in_subtree(&counts, root)).sum();
            let county = all.iter().find(|c| Some(c.id) == u.county_id);
            UnitRow {
                label: unit_label(ctx.lang, &u),
                orgs,
                county_id: u.county_id.unwrap_or(0),
                county_name: county.map(|c| name_of(ctx.lang, c)).unwrap_or_default(),
                counties: counties_of(&all, ctx.lang, &u),
                error: match &refusal {
                    Some(r) if r.unit_id == u.id => r.message.clone(),
                    _ => String::new(),
                },
                unit: u,
            }
        })
        .collect();
    let mut r = render(&UnitsPage {
        s: ctx.shell(),
        rows,
        can_manage: p.role.allows(Capability::ManageOrgUnits),
        refused: refusal.is_some(),
    });
    if refusal.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn units(State(state): State<AppState>, a: Auth<ViewOrgUnits>) -> AppResult<Response> {
    units_page(&state, &a.ctx, &a.principal, None).await
}

#[derive(Default, serde::Deserialize)]
pub struct UnitInput {
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    /// Under a city: `county` for a county or district, else a zone.
    #[serde(default)]
    level: String,
    /// For a park: the county it lies in (none when empty).
    #[serde(default)]
    county_id: String,
}

/// A new unit checked: where it goes, what it is called, and the county a park lies in.
struct UnitDraft {
    parent: OrgUnit,
    level: UnitLevel,
    code: String,
    name_zh: String,
    name_en: String,
    county: Option<OrgUnit>,
}

fn county_refused() -> FieldError {
    FieldError { field: "county_id", key: "err.unit.county", args: vec![] }
}

/// The county a park is to lie in (none when `county_id` is empty), or the field error when the
/// unit is no park or the county is none of `city`, the park's zone's city.
async fn county_in_city(
    state: &AppState,
    county_id: &str,
    city: Option<i64>,
    is_park: bool,
) -> AppResult<Result<Option<OrgUnit>, FieldError>> {
    let id = county_id.trim();
    if id.is_empty() {
        return Ok(Ok(None));
    }
    let found = match id.parse::<i64>() {
        Ok(id) => state.unit(id).await?,
        Err(_) => None,
    };
    let fits = |c: &OrgUnit| c.level == UnitLevel::County.code() && is_park && c.parent_id == city;
    Ok(found.filter(fits).map(Some).ok_or_else(county_refused))
}

/// Checks a new unit asked for by the form or the API: the draft, or every field error.
async fn check_unit(
    state: &AppState,
    input: &UnitInput,
) -> AppResult<Result<UnitDraft, Vec<FieldError>>> {
    let mut errors = Vec::new();
    let parent = match input.parent_id.trim().parse::<i64>() {
        Ok(id) => state.unit(id).await?,
        Err(_) => None,
    };
    // The level follows from the parent's; under a city, a zone unless a county is asked for.
    let wanted = UnitLevel::parse(input.level.trim());
    let level = parent.as_ref().and_then(|p| UnitLevel::parse(&p.level)).and_then(|l| {
        let fits = |c: &UnitLevel| c.parent() == Some(l);
        wanted
            .filter(fits)
            .or_else(|| UnitLevel::ALL.into_iter().filter(|c| *c != UnitLevel::County).find(fits))
    });
    if level.is_none() {
        errors.push(FieldError { field: "parent_id", key: "err.unit.parent", args: vec![] });
    }
    let city = parent.as_ref().and_then(|p| p.parent_id);
    let is_park = level == Some(UnitLevel::Park);
    let county = match county_in_city(state, &input.county_id, city, is_park).await? {
        Ok(county) => county,
        Err(fe) => {
            errors.push(fe);
            None
        }
    };
    let code = input.code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > 20
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        errors.push(FieldError { field: "code", key: "err.unit.code", args: vec![] });
    }
    for (field, value) in [("name_zh", &input.name_zh), ("name_en", &input.name_en)] {
        let n = value.trim().chars().count();
        if n == 0 {
            errors.push(FieldError { field, key: "err.required", args: vec![] });
        } else if n > 50 {
            errors.push(FieldError { field, key: "err.too_long", args: vec!["50".into()] });
        }
    }
    Ok(match (parent, level) {
        (Some(parent), Some(level)) if errors.is_empty() => Ok(UnitDraft {
            parent,
            level,
            code,
            name_zh: input.name_zh.trim().into(),
            name_en: input.name_en.trim().into(),
            county,
        }),
        _ => Err(errors),
    })
}

/// Stores a checked unit (audited) and empties the units cache; a code already used is a field
/// error on `code`.
async fn store_unit(
    state: &AppState,
    ctx: &Ctx,
    d: &UnitDraft,
) -> AppResult<Result<OrgUnit, FieldError>> {
    let new = store::NewUnit {
        code: &d.code,
        name_zh: &d.name_zh,
        name_en: &d.name_en,
        level: d.level,
        county: d.county.as_ref(),
    };
    let actor = ctx.actor();
    match store::create_unit(&state.db, Some(&d.parent), new, actor.username, actor.request_id)
        .await
    {
        Ok(unit) => {
            state.units_changed();
            Ok(Ok(unit))
        }
        Err(innocity_store::StoreError::Duplicate(_)) => {
            Ok(Err(FieldError { field: "code", key: "err.unit.duplicate", args: vec![] }))
        }
        Err(e) => Err(ctx.err(e.into())),
    }
}

#[derive(Template)]
#[template(path = "unit_form.html")]
struct UnitFormPage {
    s: Shell,
    input: UnitInput,
    parents: Vec<UnitOption>,
    counties: Vec<UnitOption>,
    errors: FieldErrors,
}

impl UnitFormPage {
    fn selected(&self, id: &i64) -> bool {
        self.input.parent_id.trim() == id.to_string()
    }
    fn county_selected(&self, id: &i64) -> bool {
        self.input.county_id.trim() == id.to_string()
    }
}

async fn unit_form(
    state: &AppState,
    ctx: &Ctx,
    input: UnitInput,
    errors: &[FieldError],
    status: StatusCode,
) -> AppResult<Response> {
    let units = state.units().await?;
    // A park has no children: only provinces, cities and zones can be parents.
    let parents = units
        .iter()
        .filter(|u| u.level != "park" && u.level != "county")
        .map(|u| UnitOption::of(ctx.lang, u))
        .collect();
    let counties =
        units.iter().filter(|u| u.level == "county").map(|u| UnitOption::of(ctx.lang, u)).collect();
    let errors = FieldErrors(field_messages(ctx.lang, errors));
    let page = UnitFormPage { s: ctx.shell(), input, parents, counties, errors };
    let mut r = render(&page);
    *r.status_mut() = status;
    Ok(r)
}

pub async fn new_unit_form(
    State(state): State<AppState>,
    a: Auth<ManageOrgUnits>,
) -> AppResult<Response> {
    unit_form(&state, &a.ctx, UnitInput::default(), &[], StatusCode::OK).await
}

pub async fn create_unit(
    State(state): State<AppState>,
    a: Auth<ManageOrgUnits>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: UnitInput = parse_form(ctx, &body)?;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let draft = match check_unit(&state, &input).await? {
        Ok(d) => d,
        Err(errors) => return unit_form(&state, ctx, input, &errors, invalid).await,
    };
    match store_unit(&state, ctx, &draft).await? {
        Ok(_) => Ok(Redirect::to("/units").into_response()),
        Err(fe) => unit_form(&state, ctx, input, &[fe], invalid).await,
    }
}

// ---------- a park's county ----------

/// Moves unit `id` into the county `county_id` (empty: out of any), audited: 404 for an unknown
/// unit; the field error, nothing changed, when the unit is no park or the county none of the
/// park's city.
async fn move_park(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    county_id: &str,
) -> AppResult<Result<OrgUnit, FieldError>> {
    let park = state.unit(id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    if park.level != UnitLevel::Park.code() {
        return Ok(Err(county_refused()));
    }
    let zone = match park.parent_id {
        Some(zone) => state.unit(zone).await?,
        None => None,
    };
    let city = zone.and_then(|z| z.parent_id);
    let county = match county_in_city(state, county_id, city, true).await? {
        Ok(county) => county,
        Err(fe) => return Ok(Err(fe)),
    };
    let moved = store::set_county(&state.db, &park, county.as_ref(), ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    state.units_changed();
    Ok(Ok(moved))
}

#[derive(serde::Deserialize)]
struct CountyForm {
    /// Empty: out of any county.
    #[serde(default)]
    county_id: String,
}

pub async fn set_unit_county(
    State(state): State<AppState>,
    a: Auth<ManageOrgUnits>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let id = parse_id(ctx, &id)?;
    let f: CountyForm = parse_form(ctx, &body)?;
    match move_park(&state, ctx, id, &f.county_id).await? {
        Ok(_) => Ok(crate::http::go_to(ctx, "/units")),
        Err(fe) => {
            let message = tf(ctx.lang, fe.key, &fe.args);
            units_page(&state, ctx, &a.principal, Some(Refusal { unit_id: id, message })).await
        }
    }
}

// ---------- API ----------

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ApiUnitInput {
    /// The province, city or zone the unit lies under.
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// 1–20 letters, digits or `-`; kept in upper case.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    /// Under a city: `county` for a county or district; else the level follows from the parent's.
    #[serde(default)]
    pub level: Option<String>,
    /// For a park: a county of its zone's city.
    #[serde(default)]
    pub county_id: Option<i64>,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ApiUnitCounty {
    /// A county of the park's city, or `null` for none. Required: a body without it is refused,
    /// not read as "none" (that would take the park out of its county unasked).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, required = true)]
    pub county_id: Option<Option<i64>>,
}

/// A field that is there, `null` or not: `Some(None)` for `null`; missing stays `None`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    <Option<i64> as serde::Deserialize>::deserialize(d).map(Some)
}

fn id_text(id: Option<i64>) -> String {
    id.map(|n| n.to_string()).unwrap_or_default()
}

#[utoipa::path(post, path = "/api/v1/org-units", request_body = ApiUnitInput,
    responses((status = 201, body = ApiOrgUnit), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 409, body = ApiError, description = "`duplicate_code`: the code is used"), (status = 422, body = ApiError, description = "`validation`, each bad field named")))]
pub async fn create_unit_api(
    State(state): State<AppState>,
    a: Auth<ManageOrgUnits>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let api: ApiUnitInput = json_body(ctx, &headers, &body)?;
    let input = UnitInput {
        parent_id: id_text(api.parent_id),
        code: api.code,
        name_zh: api.name_zh,
        name_en: api.name_en,
        level: api.level.unwrap_or_default(),
        county_id: id_text(api.county_id),
    };
    let draft = check_unit(&state, &input).await?.map_err(|e| validation_error(ctx, &e))?;
    // A used code answers 409 like a used credit code does, the field named.
    let unit = store_unit(&state, ctx, &draft).await?.map_err(|fe| {
        ctx.err(AppError {
            status: StatusCode::CONFLICT,
            code: "duplicate_code",
            ..validation_error(ctx, &[fe])
        })
    })?;
    Ok((StatusCode::CREATED, Json(ApiOrgUnit::from(unit))).into_response())
}

#[utoipa::path(put, path = "/api/v1/org-units/{id}/county", params(("id" = i64, Path)), request_body = ApiUnitCounty,
    responses((status = 200, body = ApiOrgUnit), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError, description = "`validation` on `county_id`: no park, or a county of another city")))]
pub async fn set_unit_county_api(
    State(state): State<AppState>,
    a: Auth<ManageOrgUnits>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiOrgUnit>> {
    let ctx = &a.ctx;
    let id = parse_id(ctx, &id)?;
    let input: ApiUnitCounty = json_body(ctx, &headers, &body)?;
    let Some(county_id) = input.county_id else {
        let missing = FieldError { field: "county_id", key: "err.required", args: vec![] };
        return Err(validation_error(ctx, &[missing]));
    };
    let moved = move_park(&state, ctx, id, &id_text(county_id))
        .await?
        .map_err(|fe| validation_error(ctx, &[fe]))?;
    Ok(Json(ApiOrgUnit::from(moved)))
}
