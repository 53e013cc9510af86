//! Org units: the list, a new unit (a park placed in a county of its city, if asked).
use super::{UnitOption, unit_label};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageOrgUnits, ViewOrgUnits, parse_form};
use crate::error::AppResult;
use crate::i18n::tf;
use crate::page::{FieldErrors, Shell, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Capability;
use innocity_store::orgs::{self as store, OrgUnit};

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    s: Shell,
    rows: Vec<UnitRow>,
    can_manage: bool,
}

/// An org unit in the list: the unit, its indented name and how many organisations lie in it.
struct UnitRow {
    unit: OrgUnit,
    label: String,
    orgs: u64,
}

pub async fn units(State(state): State<AppState>, a: Auth<ViewOrgUnits>) -> AppResult<Response> {
    let ctx = &a.ctx;
    let units = state.units_in_scope(&a.principal.scope).await?;
    let counts = store::counts_by_unit(&state.db).await?;
    let all = state.units().await?;
    let rows = units
        .into_iter()
        .map(|u| {
            // A county counts its parks' organisations too.
            let area = store::area_roots(&all, &u);
            let orgs = area.iter().map(|root| store::count_in_subtree(&counts, root)).sum();
            let label = unit_label(ctx.lang, &u);
            UnitRow { unit: u, label, orgs }
        })
        .collect();
    Ok(render(&UnitsPage {
        s: ctx.shell(),
        rows,
        can_manage: a.principal.role.allows(Capability::ManageOrgUnits),
    }))
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
    errors: Vec<(String, String)>,
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
    let page =
        UnitFormPage { s: ctx.shell(), input, parents, counties, errors: FieldErrors(errors) };
    let mut r = render(&page);
    *r.status_mut() = status;
    Ok(r)
}

pub async fn new_unit_form(
    State(state): State<AppState>,
    a: Auth<ManageOrgUnits>,
) -> AppResult<Response> {
    unit_form(&state, &a.ctx, UnitInput::default(), vec![], StatusCode::OK).await
}

/// The county a new unit is to lie in (none when not asked for), or `Err` when the unit is no
/// park or the county is none of the park's city.
async fn unit_county(
    state: &AppState,
    county_id: &str,
    parent: Option<&OrgUnit>,
    level: Option<innocity_core::orgs::UnitLevel>,
) -> AppResult<Result<Option<OrgUnit>, ()>> {
    let id = county_id.trim();
    if id.is_empty() {
        return Ok(Ok(None));
    }
    let found = match id.parse::<i64>() {
        Ok(id) => state.unit(id).await?,
        Err(_) => None,
    };
    let city = parent.and_then(|p| p.parent_id);
    let is_park = level == Some(innocity_core::orgs::UnitLevel::Park);
    Ok(match found.filter(|c| c.level == "county" && is_park && c.parent_id == city) {
        Some(county) => Ok(Some(county)),
        None => Err(()),
    })
}

pub async fn create_unit(
    State(state): State<AppState>,
    a: Auth<ManageOrgUnits>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    use innocity_core::orgs::UnitLevel;
    let ctx = &a.ctx;
    let input: UnitInput = parse_form(ctx, &body)?;
    let mut errors: Vec<(String, String)> = Vec::new();
    let msg = |key: &str, args: &[String]| tf(ctx.lang, key, args);
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
        errors.push(("parent_id".into(), msg("err.unit.parent", &[])));
    }
    let county = match unit_county(&state, &input.county_id, parent.as_ref(), level).await? {
        Ok(county) => county,
        Err(()) => {
            errors.push(("county_id".into(), msg("err.unit.county", &[])));
            None
        }
    };
    let code = input.code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > 20
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        errors.push(("code".into(), msg("err.unit.code", &[])));
    }
    for (field, value) in [("name_zh", &input.name_zh), ("name_en", &input.name_en)] {
        let n = value.trim().chars().count();
        if n == 0 {
            errors.push((field.into(), msg("err.required", &[])));
        } else if n > 50 {
            errors.push((field.into(), msg("err.too_long", &["50".into()])));
        }
    }
    let (Some(parent), Some(level)) = (parent.filter(|_| errors.is_empty()), level) else {
        return unit_form(&state, ctx, input, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match store::create_unit(
        &state.db,
        Some(&parent),
        store::NewUnit {
            code: &code,
            name_zh: input.name_zh.trim(),
            name_en: input.name_en.trim(),
            level,
            county: county.as_ref(),
        },
        &a.principal.username,
        &ctx.request_id,
    )
    .await
    {
        Ok(_) => {
            state.units_changed();
            Ok(Redirect::to("/units").into_response())
        }
        Err(innocity_store::StoreError::Duplicate(_)) => {
            let errors = vec![("code".to_string(), msg("err.unit.duplicate", &[]))];
            unit_form(&state, ctx, input, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(ctx.err(e.into())),
    }
}
