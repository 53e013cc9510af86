//! The registry of carriers for machines (the same checks and scope as the pages), and the
//! public directory (页面与接口) of carriers in good standing.
use super::api::reach;
use super::carriers::{
    CarrierLine, CarriersQuery, CountLine, change, count_lines, kind_choices, level_choices, line,
    own_carrier,
};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageSubjects};
use crate::error::AppResult;
use crate::i18n::t;
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use innocity_core::subjects::carriers::{CarrierInput, LEVELS};
use innocity_store::subjects::carriers::{self as store, Carrier, CarrierQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A carrier for machines.
#[derive(Serialize, ToSchema)]
pub struct ApiCarrier {
    pub id: i64,
    /// The registration code its host writes on the annual return (ZT00042).
    pub code: String,
    pub name: String,
    pub kind: String,
    /// national, provincial or city.
    pub level: String,
    pub host: String,
    pub host_credit_code: String,
    pub field: String,
    /// `YYYY-MM-DD`.
    pub recognised_on: String,
    /// active, warned or removed.
    pub status: String,
    pub partners: i64,
}

fn api_carrier(c: Carrier) -> ApiCarrier {
    ApiCarrier {
        code: c.code(),
        id: c.id,
        name: c.name,
        kind: c.kind,
        level: c.level,
        host: c.host,
        host_credit_code: c.host_credit_code,
        field: c.field,
        recognised_on: c.recognised_on.to_string(),
        status: c.status,
        partners: c.partners,
    }
}

/// Carriers recognised by the end of this year and not removed, by kind and level.
#[derive(Serialize, ToSchema)]
pub struct ApiCarrierCount {
    pub kind: String,
    pub level: String,
    pub count: i64,
}

/// The registry in the caller's scope.
#[derive(Serialize, ToSchema)]
pub struct ApiCarriers {
    pub counts: Vec<ApiCarrierCount>,
    pub carriers: Vec<ApiCarrier>,
}

#[utoipa::path(get, path = "/api/v1/subjects/carriers", params(CarriersQuery), responses((status = 200, body = ApiCarriers), (status = 403, body = ApiError)))]
/// The carriers hosted in the caller's area, with their counts by kind and level.
pub async fn api_list(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Query(q): Query<CarriersQuery>,
) -> AppResult<Json<ApiCarriers>> {
    let ctx = &a.ctx;
    let path = reach(&state, ctx, &a.principal.scope, q.unit.as_deref()).await?;
    let year = chrono::Datelike::year(&ctx.today());
    let counts = store::counts(&state.db, &path, year)
        .await?
        .into_iter()
        .map(|c| ApiCarrierCount { kind: c.kind, level: c.level, count: c.count })
        .collect();
    let carriers =
        store::carriers(&state.db, &q.store(path)).await?.into_iter().map(api_carrier).collect();
    Ok(Json(ApiCarriers { counts, carriers }))
}

/// A carrier to register.
#[derive(Deserialize, ToSchema)]
pub struct ApiCarrierInput {
    pub name: String,
    /// A kind's code (key_lab, engineering_centre, enterprise_centre, new_rd, academician,
    /// incubator, maker_space, alliance, iur_base).
    pub kind: String,
    /// national, provincial or city.
    pub level: String,
    pub host_credit_code: String,
    /// Partner (for an alliance, member) organisations' credit codes.
    #[serde(default)]
    pub partners: Vec<String>,
    #[serde(default)]
    pub field: String,
    /// `YYYY-MM-DD`, not after today.
    pub recognised_on: String,
}

#[utoipa::path(post, path = "/api/v1/subjects/carriers", request_body = ApiCarrierInput, responses((status = 200, body = ApiCarrier), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Registers a carrier hosted in the caller's area (partners given by credit code, separated by
/// commas; an alliance has at least two members).
pub async fn api_register(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiCarrier>> {
    let ctx = &a.ctx;
    let i: ApiCarrierInput = crate::api::json_body(ctx, &headers, &body)?;
    let input = CarrierInput {
        name: i.name,
        kind: i.kind,
        level: i.level,
        host_credit_code: i.host_credit_code,
        partners: i.partners.join(","),
        field: i.field,
        recognised_on: i.recognised_on,
    };
    let c = input
        .check(ctx.today())
        .map_err(|p| super::api::invalid(ctx, crate::orgs::field_messages(ctx.lang, &p)))?;
    let path = reach(&state, ctx, &a.principal.scope, None).await?;
    let id = change(ctx, store::register(&state.db, &c, &path, ctx.actor()).await)?;
    let made =
        store::carrier(&state.db, id).await?.ok_or_else(crate::error::AppError::not_found)?;
    Ok(Json(api_carrier(made)))
}

/// A partner organisation.
#[derive(Serialize, ToSchema)]
pub struct ApiPartner {
    pub name: String,
    pub credit_code: String,
}

/// A year's figures from the host's annual return.
#[derive(Serialize, ToSchema)]
pub struct ApiAnnualReturn {
    /// ZT-1 or ZT-2.
    pub form: String,
    pub period: String,
    /// The return's status.
    pub status: String,
    /// Element code and value.
    pub values: std::collections::BTreeMap<String, f64>,
}

/// One carrier with its partners, figures and grades.
#[derive(Serialize, ToSchema)]
pub struct ApiCarrierDetail {
    pub carrier: ApiCarrier,
    pub partners: Vec<ApiPartner>,
    pub annual_returns: Vec<ApiAnnualReturn>,
    pub grades: Vec<super::carrier_evaluations::ApiGrade>,
}

#[utoipa::path(get, path = "/api/v1/subjects/carriers/{id}", params(("id" = i64, Path, description = "the carrier")), responses((status = 200, body = ApiCarrierDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// One carrier hosted in the caller's area.
pub async fn api_carrier_detail(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiCarrierDetail>> {
    let ctx = &a.ctx;
    let c = own_carrier(&state, ctx, &a.principal.scope, &id).await?;
    let partners = store::partners(&state.db, c.id)
        .await?
        .into_iter()
        .map(|p| ApiPartner { name: p.name, credit_code: p.credit_code })
        .collect();
    let annual_returns = store::annual_returns(&state.db, &c)
        .await?
        .into_iter()
        .map(|r| ApiAnnualReturn {
            form: r.form,
            period: r.period,
            status: r.status,
            values: r.values.into_iter().collect(),
        })
        .collect();
    let grades = store::grades(&state.db, c.id).await?.into_iter().map(Into::into).collect();
    Ok(Json(ApiCarrierDetail { carrier: api_carrier(c), partners, annual_returns, grades }))
}

#[derive(Deserialize, IntoParams, Default)]
pub struct DirectoryQuery {
    /// A kind's code.
    pub kind: Option<String>,
    /// national, provincial or city.
    pub level: Option<String>,
    /// Part of the name, the host's name or the field.
    pub q: Option<String>,
}

/// The carriers the public sees: every one not removed.
async fn directory(state: &AppState, q: &DirectoryQuery) -> AppResult<Vec<Carrier>> {
    let query = CarrierQuery {
        within: innocity_store::orgs::everywhere(),
        kind: q.kind.clone(),
        level: q.level.clone(),
        status: None,
        text: q.q.clone(),
    };
    Ok(store::carriers(&state.db, &query)
        .await?
        .into_iter()
        .filter(|c| c.status != "removed")
        .collect())
}

/// A carrier in the public directory.
#[derive(Serialize, ToSchema)]
pub struct ApiPublicCarrier {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub host: String,
    pub field: String,
    pub recognised_on: String,
}

#[utoipa::path(get, path = "/api/v1/public/carriers", params(DirectoryQuery), responses((status = 200, body = [ApiPublicCarrier])))]
/// The public directory of platforms and carriers (those not removed), for everyone.
pub async fn api_directory(
    State(state): State<AppState>,
    Query(q): Query<DirectoryQuery>,
) -> AppResult<Json<Vec<ApiPublicCarrier>>> {
    Ok(Json(
        directory(&state, &q)
            .await?
            .into_iter()
            .map(|c| ApiPublicCarrier {
                code: c.code(),
                name: c.name,
                kind: c.kind,
                level: c.level,
                host: c.host,
                field: c.field,
                recognised_on: c.recognised_on.to_string(),
            })
            .collect(),
    ))
}

#[derive(Template)]
#[template(path = "public_carriers.html")]
struct DirectoryPage {
    s: Shell,
    kinds: Vec<Choice>,
    levels: Vec<Choice>,
    q: String,
    level_names: Vec<String>,
    counts: Vec<CountLine>,
    lines: Vec<CarrierLine>,
}

/// The public directory page: counts by kind and level, and the list.
pub async fn directory_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DirectoryQuery>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let year = chrono::Datelike::year(&ctx.today());
    let counts = count_lines(
        lang,
        &store::counts(&state.db, &innocity_store::orgs::everywhere(), year).await?,
    );
    let lines = directory(&state, &q).await?.iter().map(|c| line(lang, c)).collect();
    Ok(render(&DirectoryPage {
        s: ctx.shell(),
        kinds: kind_choices(lang, q.kind.as_deref().unwrap_or_default()),
        levels: level_choices(lang, q.level.as_deref().unwrap_or_default()),
        q: q.q.clone().unwrap_or_default(),
        level_names: LEVELS.iter().map(|l| t(lang, &format!("carrier.level.{l}")).into()).collect(),
        counts,
        lines,
    }))
}
