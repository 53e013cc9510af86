//! JSON API under `/api/v1`: the same resources and the same gate as the pages. Errors are
//! `{"error": {"code", "message", "fields"?}}` with a stable code.
use crate::app::AppState;
use crate::auth::{
    Auth, CreateOrgs, EditOrgs, ReportStats, ViewAudit, ViewOrgUnits, ViewOrgs, ViewStats,
    ViewWorkspace,
};
use crate::error::{AppError, AppResult};
use crate::orgs::{
    duplicate_as_field, field_messages, list_params, load_scoped, parse_id, query_orgs, validate,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use innocity_core::access::Capability;
use innocity_core::orgs::OrgInput;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{OpenApi, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub capabilities: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiOrgUnit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// province, city, zone, park or county.
    pub level: String,
    /// For a park: the county or district it lies in, beside its zone.
    pub county_id: Option<i64>,
}

impl From<innocity_store::orgs::OrgUnit> for ApiOrgUnit {
    fn from(u: innocity_store::orgs::OrgUnit) -> Self {
        ApiOrgUnit {
            id: u.id,
            parent_id: u.parent_id,
            code: u.code,
            name_zh: u.name_zh,
            name_en: u.name_en,
            level: u.level,
            county_id: u.county_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiOrganisation {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub kind: String,
    pub org_unit_id: i64,
    pub org_unit_name: String,
    pub address: String,
    pub contact: String,
    pub phone: String,
    /// Milliseconds since the epoch.
    pub updated_at: i64,
    /// Send back on update; a changed version gives 409 `stale`.
    pub version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApiOrgPage {
    pub items: Vec<ApiOrganisation>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Deserialize, ToSchema)]
pub struct ApiOrgInput {
    pub credit_code: String,
    pub name: String,
    /// enterprise, university, institute, hospital, service_provider or financial
    pub kind: String,
    pub org_unit_id: i64,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub phone: String,
    /// Required on update.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiAuditEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: String,
    pub after: String,
    pub request_id: String,
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiError {
    pub error: ApiErrorBody,
}

#[derive(Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// Stable code: unauthorized, forbidden, not_found, csrf, validation, duplicate_credit_code, duplicate_code, stale, bad_request, malformed, too_large.
    pub code: String,
    pub message: String,
    pub fields: Option<HashMap<String, String>>,
}

fn api_org(o: innocity_store::orgs::Organisation, lang: crate::i18n::Lang) -> ApiOrganisation {
    ApiOrganisation {
        id: o.id,
        credit_code: o.credit_code,
        name: o.name,
        kind: o.kind,
        org_unit_id: o.org_unit_id,
        org_unit_name: if lang == crate::i18n::Lang::Zh { o.unit_name_zh } else { o.unit_name_en },
        address: o.address,
        contact: o.contact,
        phone: o.phone,
        updated_at: o.updated_at,
        version: o.version,
    }
}

/// Reads a JSON body: 415 if it is not JSON, 400 naming the line and column if malformed.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    ctx: &crate::auth::Ctx,
    headers: &HeaderMap,
    body: &[u8],
) -> AppResult<T> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(ctx.err(
            AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "err.malformed",
            )
            .args(vec!["Content-Type: application/json".into()]),
        ));
    }
    serde_json::from_slice(body).map_err(|e| ctx.err(AppError::malformed(e.to_string())))
}

pub(crate) fn validation_error(
    ctx: &crate::auth::Ctx,
    errors: &[innocity_core::orgs::FieldError],
) -> AppError {
    let mut e = AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "form.errors");
    e.fields = field_messages(ctx.lang, errors);
    ctx.err(e)
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ApiError)))]
pub async fn me(a: Auth<ViewWorkspace>) -> Json<Me> {
    let p = &a.principal;
    Json(Me {
        id: p.user_id,
        username: p.username.clone(),
        display_name: p.display_name.clone(),
        role: p.role.code().into(),
        capabilities: Capability::ALL
            .iter()
            .filter(|c| p.role.allows(**c))
            .map(|c| {
                serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            })
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/org-units", responses((status = 200, body = Vec<ApiOrgUnit>), (status = 403, body = ApiError)))]
pub async fn org_units(
    State(state): State<AppState>,
    a: Auth<ViewOrgUnits>,
) -> AppResult<Json<Vec<ApiOrgUnit>>> {
    let units = state.units_in_scope(&a.principal.scope).await?;
    Ok(Json(units.into_iter().map(ApiOrgUnit::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/organisations",
    params(("q" = Option<String>, Query, description = "name or credit code contains"), ("kind" = Option<String>, Query), ("unit" = Option<i64>, Query, description = "org unit id: its whole subtree (a county's with the parks that lie in it)"), ("page" = Option<u64>, Query, minimum = 1, maximum = 1000000), ("per_page" = Option<u64>, Query, minimum = 1, maximum = 1000000, description = "at most 200 are returned")),
    responses((status = 200, body = ApiOrgPage), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list_orgs(
    State(state): State<AppState>,
    a: Auth<ViewOrgs>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Json<ApiOrgPage>> {
    let lp = list_params(&a.ctx, &q)?;
    let page = query_orgs(&state, &a.ctx, &a.principal, &lp).await?;
    Ok(Json(ApiOrgPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(|o| api_org(o, a.ctx.lang)).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiOrganisation), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_org(
    State(state): State<AppState>,
    a: Auth<ViewOrgs>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiOrganisation>> {
    let id = parse_id(&a.ctx, &id)?;
    let org = load_scoped(&state, &a.ctx, &a.principal, id, Capability::ViewOrgs).await?;
    Ok(Json(api_org(org, a.ctx.lang)))
}

fn input_of(i: &ApiOrgInput) -> OrgInput {
    OrgInput {
        credit_code: i.credit_code.clone(),
        name: i.name.clone(),
        kind: i.kind.clone(),
        org_unit_id: i.org_unit_id.to_string(),
        address: i.address.clone(),
        contact: i.contact.clone(),
        phone: i.phone.clone(),
    }
}

#[utoipa::path(post, path = "/api/v1/organisations", request_body = ApiOrgInput,
    responses((status = 201, body = ApiOrganisation), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_org(
    State(state): State<AppState>,
    a: Auth<CreateOrgs>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: ApiOrgInput = json_body(ctx, &headers, &body)?;
    let (draft, unit) = validate(&state, &a.principal, &input_of(&input), None)
        .await?
        .map_err(|e| validation_error(ctx, &e))?;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("");
    let org = innocity_store::orgs::create(&state.db, &draft, &unit, ctx.actor(), key)
        .await
        .map_err(|e| match duplicate_as_field(e) {
            Err(fe) => ctx.err(AppError {
                status: StatusCode::CONFLICT,
                code: "duplicate_credit_code",
                ..validation_error(ctx, &[fe])
            }),
            Ok(e) => ctx.err(e.into()),
        })?;
    Ok((StatusCode::CREATED, Json(api_org(org, ctx.lang))).into_response())
}

#[utoipa::path(put, path = "/api/v1/organisations/{id}", params(("id" = i64, Path)), request_body = ApiOrgInput,
    responses((status = 200, body = ApiOrganisation), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn update_org(
    State(state): State<AppState>,
    a: Auth<EditOrgs>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiOrganisation>> {
    let ctx = &a.ctx;
    let id = parse_id(ctx, &id)?;
    let org = load_scoped(&state, ctx, &a.principal, id, Capability::EditOrgs).await?;
    let input: ApiOrgInput = json_body(ctx, &headers, &body)?;
    if input.version != Some(org.version) {
        return Err(ctx.err(innocity_store::StoreError::Stale.into()));
    }
    let (draft, unit) = validate(&state, &a.principal, &input_of(&input), Some(&org))
        .await?
        .map_err(|e| validation_error(ctx, &e))?;
    let updated = innocity_store::orgs::update(&state.db, &org, &draft, &unit, ctx.actor(), "")
        .await
        .map_err(|e| match duplicate_as_field(e) {
            Err(fe) => ctx.err(AppError {
                status: StatusCode::CONFLICT,
                code: "duplicate_credit_code",
                ..validation_error(ctx, &[fe])
            }),
            Ok(e) => ctx.err(e.into()),
        })?;
    Ok(Json(api_org(updated, ctx.lang)))
}

#[utoipa::path(get, path = "/api/v1/audit",
    params(("actor" = Option<String>, Query), ("action" = Option<String>, Query), ("entity" = Option<String>, Query), ("entity_id" = Option<String>, Query), ("before_seq" = Option<i64>, Query)),
    responses((status = 200, body = Vec<ApiAuditEntry>), (status = 403, body = ApiError)))]
pub async fn audit(
    State(state): State<AppState>,
    a: Auth<ViewAudit>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Json<Vec<ApiAuditEntry>>> {
    let f = crate::audit::filter_of(&q).map_err(|e| a.ctx.err(e))?;
    let entries = innocity_store::audit::list(&state.db, &f, crate::audit::PAGE).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| ApiAuditEntry {
                seq: e.seq,
                at_ms: e.at_ms,
                actor: e.actor,
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
                before: e.before,
                after: e.after,
                request_id: e.request_id,
                hash: e.hash,
            })
            .collect(),
    ))
}

// ---------- statistics ----------

#[derive(Serialize, ToSchema)]
pub struct ApiViolation {
    pub rule: String,
    /// error (blocks submission) or warning (needs an explanation)
    pub severity: String,
    pub left: Option<f64>,
    pub right: Option<f64>,
    pub cells: Vec<String>,
    pub row: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiReturn {
    pub form: String,
    pub period: String,
    pub organisation_id: i64,
    /// not_started, draft, submitted, returned, approved or locked
    pub status: String,
    pub version: i64,
    /// The reviewer's reason, when returned.
    pub reason: String,
    /// Deadline, `YYYY-MM-DD` (Beijing time).
    pub closes_on: String,
    /// Values by cell: `RD_EXP`, `RD_EXP.GOV` (disaggregation), `P_EXP[2]` (roster row 2).
    #[schema(value_type = Object)]
    pub values: std::collections::BTreeMap<String, serde_json::Value>,
    pub violations: Vec<ApiViolation>,
    pub explanations: HashMap<String, String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ApiValues {
    /// Cells to set: a number or text; `null` or "" clears the cell.
    #[schema(value_type = Object)]
    pub values: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize, ToSchema)]
pub struct ApiSubmit {
    /// Explanations of warnings, by rule code (`R107-2-07`, or `R107-1-02#3` for row 3).
    #[serde(default)]
    pub explanations: HashMap<String, String>,
}

async fn api_return(state: &AppState, rc: &crate::stats::ReturnCtx) -> AppResult<ApiReturn> {
    let cells = match &rc.ret {
        Some(r) => innocity_store::stats::cells(&state.db, r.id).await?,
        None => vec![],
    };
    let vs = crate::stats::violations(state, rc).await?;
    Ok(ApiReturn {
        form: rc.form.code.clone(),
        period: rc.period.to_string(),
        organisation_id: rc.org.id,
        status: rc.status().code().into(),
        version: rc.ret.as_ref().map(|r| r.version).unwrap_or(0),
        reason: rc.ret.as_ref().map(|r| r.reason.clone()).unwrap_or_default(),
        closes_on: rc.closes.to_string(),
        values: crate::stats::api_values(&cells),
        violations: vs
            .into_iter()
            .map(|v| ApiViolation {
                rule: v.rule,
                severity: if v.severity == innocity_core::stats::Severity::Error {
                    "error".into()
                } else {
                    "warning".into()
                },
                left: v.left,
                right: v.right,
                cells: v.cells,
                row: v.row,
            })
            .collect(),
        explanations: rc.ret.as_ref().map(|r| r.explanations.clone()).unwrap_or_default(),
    })
}

#[utoipa::path(get, path = "/api/v1/stats/{form}/{period}/orgs/{org}", params(("form" = String, Path), ("period" = String, Path), ("org" = i64, Path)),
    responses((status = 200, body = ApiReturn), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_return(
    State(state): State<AppState>,
    a: Auth<ViewStats>,
    Path((form, period, org)): Path<(String, String, String)>,
) -> AppResult<Json<ApiReturn>> {
    let rc = crate::stats::load_return(
        &state,
        &a.ctx,
        &a.principal,
        &form,
        &period,
        &org,
        Capability::ViewStats,
    )
    .await?;
    Ok(Json(api_return(&state, &rc).await?))
}

#[utoipa::path(put, path = "/api/v1/stats/{form}/{period}/orgs/{org}", params(("form" = String, Path), ("period" = String, Path), ("org" = i64, Path)), request_body = ApiValues,
    responses((status = 200, body = ApiReturn), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn put_values(
    State(state): State<AppState>,
    a: Auth<ReportStats>,
    Path((form, period, org)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiReturn>> {
    let ctx = &a.ctx;
    let rc = crate::stats::load_return(
        &state,
        ctx,
        &a.principal,
        &form,
        &period,
        &org,
        Capability::ReportStats,
    )
    .await?;
    let input: ApiValues = json_body(ctx, &headers, &body)?;
    rc.check_open(ctx)?;
    // Every cell is checked before anything is written; all problems are reported at once.
    let mut changes = Vec::new();
    let mut fields = Vec::new();
    for (label, v) in &input.values {
        let (element, disagg, row) = crate::stats::parse_label(label);
        let text = match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match crate::stats::check_cell(ctx, &rc, &element, &disagg, row, &text) {
            Ok(c) => changes.push(c),
            Err(e) => fields.push((
                format!("values.{label}"),
                e.fields.first().map(|f| f.1.clone()).unwrap_or_else(|| e.message()),
            )),
        }
    }
    if !fields.is_empty() {
        let mut e = AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "form.errors");
        e.fields = fields;
        return Err(ctx.err(e));
    }
    let item = innocity_store::stats::BatchItem {
        organisation_id: rc.org.id,
        unit_path: rc.org.unit_path.clone(),
        changes,
    };
    let saved = innocity_store::stats::save(
        &state.db,
        &rc.form.code,
        &rc.period.to_string(),
        item,
        innocity_store::stats::SaveHow { mode: innocity_store::stats::Mode::Merge, source: "api" },
        None,
        ctx.actor(),
    )
    .await?;
    let rc = crate::stats::ReturnCtx { ret: Some(saved.ret), ..rc };
    Ok(Json(api_return(&state, &rc).await?))
}

#[utoipa::path(post, path = "/api/v1/stats/{form}/{period}/orgs/{org}/submit", params(("form" = String, Path), ("period" = String, Path), ("org" = i64, Path)), request_body = ApiSubmit,
    responses((status = 200, body = ApiReturn), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn submit_return(
    State(state): State<AppState>,
    a: Auth<ReportStats>,
    Path((form, period, org)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiReturn>> {
    let ctx = &a.ctx;
    let rc = crate::stats::load_return(
        &state,
        ctx,
        &a.principal,
        &form,
        &period,
        &org,
        Capability::ReportStats,
    )
    .await?;
    let input: ApiSubmit = json_body(ctx, &headers, &body)?;
    match crate::stats::submit_return(&state, ctx, &rc, input.explanations).await? {
        Ok(r) => {
            let rc = crate::stats::ReturnCtx { ret: Some(r), ..rc };
            Ok(Json(api_return(&state, &rc).await?))
        }
        Err(b) => {
            let mut e =
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "blocked", "err.stats.blocked");
            e.fields = b
                .errors
                .iter()
                .map(|v| {
                    (
                        v.rule.clone(),
                        crate::i18n::tf(
                            ctx.lang,
                            "stats.blocked_error",
                            std::slice::from_ref(&v.rule),
                        ),
                    )
                })
                .collect();
            e.fields.extend(b.unexplained.iter().map(|v| {
                (
                    innocity_core::stats::status::explanation_key(v),
                    crate::i18n::tf(
                        ctx.lang,
                        "stats.blocked_warning",
                        std::slice::from_ref(&v.rule),
                    ),
                )
            }));
            Err(ctx.err(e))
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "innocity API", version = "1", description = "创新型城市科技管理与服务平台 API. Authenticate with the session cookie (and X-CSRF-Token on writes) or with `Authorization: Bearer <token>`."),
    paths(me, org_units, list_orgs, get_org, create_org, update_org, audit, get_return, put_values, submit_return, crate::market::finding::search_achievements, crate::market::api::listed_achievement, crate::market::api::ask, crate::market::api::my_achievements, crate::market::api::create_achievement, crate::market::api::my_achievement, crate::market::api::update_achievement, crate::market::api::act_as_owner, crate::market::api::registry_queue, crate::market::api::act_as_office, crate::market::figures::figures_api, crate::market::contracts_api::my_contracts, crate::market::contracts_api::submit_contract, crate::market::contracts_api::get_contract, crate::market::contracts_api::contract_step, crate::market::contracts_api::waiting_contracts, crate::market::demands::api_list, crate::market::demands::api_get, crate::market::demands::api_publish, crate::market::brokerage::api_list, crate::market::brokerage::api_open, crate::market::brokerage::api_get, crate::market::brokerage::api_step, crate::market::challenges_api::api_list, crate::market::challenges_api::api_get, crate::market::challenges_api::api_raise, crate::market::challenges_api::api_apply, crate::market::challenges_api::api_act, crate::market::challenges_api::api_milestone, crate::market::notices::api_list, crate::market::notices::api_mark_read, crate::market::contract_records::api_records, crate::market::contract_records::api_upload, crate::market::contract_records::api_send_to_experts, crate::market::contract_records::api_request_change, crate::market::contract_records::api_object, crate::market::contract_records::api_decide, crate::market::achievement_files::api_upload, crate::market::achievement_files::api_list, crate::market::kinds::api_search, crate::subjects::api::api_drafts, crate::subjects::api::api_evaluate, crate::subjects::api::api_precheck, crate::subjects::certificates::api_list, crate::subjects::certificates::api_add, crate::subjects::certificates::api_kinds, crate::subjects::certificates::api_add_kind, crate::subjects::pools::api_pool, crate::subjects::pools::api_add, crate::subjects::pools::api_act, crate::subjects::carriers_api::api_list, crate::subjects::carriers_api::api_register, crate::subjects::carriers_api::api_carrier_detail, crate::subjects::carriers_api::api_directory, crate::subjects::carrier_evaluations::api_list, crate::subjects::carrier_evaluations::api_start, crate::subjects::carrier_evaluations::api_grade, crate::subjects::talent_api::api_people, crate::subjects::talent_api::api_add_person, crate::subjects::talent_api::api_person_detail, crate::subjects::talent_api::api_person_report, crate::subjects::talent_api::api_teams, crate::subjects::talent_api::api_add_team, crate::subjects::talent_api::api_team_detail, crate::subjects::talent_api::api_team_report, crate::subjects::ours::api_ours, crate::subjects::ours::api_file_report, crate::experts::rounds_api::api_round, crate::experts::rounds_api::api_assign, crate::experts::rounds_api::api_withdraw, crate::sharing::api_catalogue, crate::sharing::api_instrument, crate::sharing::api_mine, crate::sharing::api_add, crate::sharing::api_update, crate::sharing::api_status, crate::sharing::api_blackout, crate::sharing::api_book, crate::sharing::api_bookings, crate::sharing::api_decide, crate::sharing::api_cancel, crate::sharing::api_close, crate::sharing::api_no_show, crate::sharing::api_voucher_programmes, crate::sharing::api_open_programme, crate::sharing::api_voucher_programme, crate::sharing::api_grant, crate::sharing::api_verify_redemption, crate::sharing::api_claw_back, crate::sharing::api_settle, crate::sharing::api_expire, crate::sharing::api_my_vouchers, crate::sharing::api_apply_vouchers, crate::sharing::api_redeem, crate::sharing::api_my_redemptions, crate::sharing::api_providers, crate::sharing::api_provider, crate::sharing::api_provider_register, crate::sharing::api_decide_provider, crate::sharing::api_my_provider, crate::sharing::api_save_profile, crate::sharing::api_add_accreditation, crate::sharing::api_add_service, crate::sharing::api_update_service, crate::sharing::api_service_active, crate::sharing::api_place_order, crate::sharing::api_orders, crate::sharing::api_order, crate::sharing::api_order_step, crate::sharing::api_order_report, crate::sharing::api_attach_report, crate::sharing::api_rate_order, crate::sharing::api_rate_booking, crate::sharing::api_sharing_evaluation, crate::sharing::api_publish_evaluation, crate::sharing::api_evaluation_outcome, crate::sharing::api_partners, crate::sharing::api_add_partner, crate::sharing::api_partner_detail, crate::sharing::api_roster, crate::sharing::api_import_roster, crate::sharing::api_claim, crate::sharing::api_inbox, crate::sharing::api_statement_detail, crate::sharing::api_statement_file, crate::sharing::api_my_partner_redemptions, crate::sharing::api_redeem_partner, crate::sharing::api_verify_partner, crate::sharing::api_relations, crate::sharing::api_add_relation, crate::sharing::api_remove_relation, crate::finance::api_policies, crate::finance::api_policy_detail, crate::finance::api_create_policy, crate::finance::api_save_rule, crate::finance::api_run_policy, crate::finance::api_record_application, crate::finance::api_policy_run, crate::finance::api_check_run, crate::finance::api_publish_run, crate::finance::api_pay_run, crate::finance::api_answer_objection, crate::finance::api_object, crate::finance::api_confirm_account, crate::finance::api_my_entitlements, crate::finance::api_policy_figures, crate::finance::api_funds, crate::finance::api_create_fund, crate::finance::api_fund, crate::finance::api_deposit, crate::finance::api_postings, crate::finance::api_sign, crate::finance::api_white_list, crate::finance::api_fund_loans, crate::finance::api_fund_claims, crate::finance::api_approve_claim, crate::finance::api_pay_claim, crate::finance::api_reject_claim, crate::finance::api_my_loans, crate::finance::api_record_loan, crate::finance::api_loan, crate::finance::api_repay, crate::finance::api_claim, crate::finance::api_my_claims, crate::finance::api_recover, crate::finance::api_pledge, crate::finance::api_release_pledge, crate::finance::api_fund_figures, crate::finance::api_set_subsidy_rule, crate::finance::api_fund_subsidies, crate::finance::api_approve_subsidy, crate::finance::api_pay_subsidy, crate::finance::api_reject_subsidy, crate::finance::api_my_loans_as_borrower, crate::finance::api_claim_subsidy, crate::finance::api_my_demands, crate::finance::api_publish_demand, crate::finance::api_demand, crate::finance::api_close_demand, crate::finance::api_products, crate::finance::api_publish_product, crate::finance::api_product, crate::finance::api_withdraw_product, crate::finance::api_my_followups, crate::finance::api_followup, crate::finance::api_step, crate::finance::api_financing_figures, crate::evaluation::api::api_campaigns, crate::evaluation::api::api_create_campaign, crate::evaluation::api::api_our_campaigns, crate::evaluation::api::api_invited_campaigns, crate::evaluation::api::api_campaign, crate::evaluation::api::api_invite, crate::evaluation::api::api_start_scoring, crate::evaluation::api::api_release, crate::evaluation::api::api_publish, crate::evaluation::api::api_answer, crate::evaluation::api::api_ours, crate::evaluation::api::api_report, crate::evaluation::api::api_evidence, crate::evaluation::api::api_object, crate::evaluation::api::api_sheet, crate::evaluation::api::api_score, crate::evaluation::api::api_public_rankings, crate::supervision::api::api_tasks, crate::supervision::api::api_create_task, crate::supervision::api::api_task, crate::supervision::api::api_break_down, crate::supervision::api::api_report, crate::supervision::api::api_evidence, crate::supervision::api::api_remind, crate::supervision::api::api_check, crate::indicators::periods::api_period, crate::indicators::release::api_release, crate::indicators::release::api_public_releases, crate::indicators::release::api_public_release, crate::stats::survey::api_survey, crate::orgs::units::create_unit_api, crate::orgs::units::set_unit_county_api, crate::guides::api::list, crate::guides::api::detail, crate::guides::api::update, crate::search::api::search, crate::projects::calls::public::api_list, crate::projects::calls::public::api_call_detail),
    components(schemas(Me, ApiOrgUnit, ApiOrganisation, ApiOrgPage, ApiOrgInput, ApiAuditEntry, ApiError, ApiErrorBody, ApiReturn, ApiViolation, ApiValues, ApiSubmit, crate::market::ApiAchievementPage, crate::market::ApiAchievementHit, crate::market::ApiFacetCount, crate::market::api::ApiAchievement, crate::market::api::ApiAchievementInput, crate::market::api::ApiAchievementAction, crate::market::api::ApiAchievementState, crate::market::api::ApiInquiry, crate::market::api::ApiInquiryCreated, crate::market::figures::ApiFigure, crate::market::figures::ApiFigures, crate::market::contracts_api::ApiContract, crate::market::contracts_api::ApiContractInput, crate::market::contracts_api::ApiCost, crate::market::contracts_api::ApiPayment, crate::market::contracts_api::ApiContractStep, crate::market::demands::ApiDemand, crate::market::demands::ApiMatch, crate::market::demands::ApiDemandInput, crate::market::brokerage::ApiBrokerage, crate::market::brokerage::ApiBrokerageStep, crate::market::brokerage::ApiBrokerageInput, crate::market::brokerage::ApiStepInput, crate::market::challenges_api::ApiChallenge, crate::market::challenges_api::ApiProposal, crate::market::challenges_api::ApiMilestone, crate::market::challenges_api::ApiRaiseInput, crate::market::challenges_api::ApiProposalInput, crate::market::challenges_api::ApiChallengeAction, crate::market::challenges_api::ApiMilestoneStep, crate::market::notices::ApiNotices, crate::market::notices::ApiNotice, crate::market::notices::ApiMarked, crate::market::demands::ApiOrgMatch, crate::market::demands::ApiExpertMatch, crate::market::contract_records::ApiContractRecords, crate::market::contract_records::ApiContractFile, crate::market::contract_records::ApiContractChange, crate::market::contract_records::ApiUpload, crate::market::contract_records::ApiExpertsInput, crate::market::contract_records::ApiRound, crate::market::contract_records::ApiChangeInput, crate::market::contract_records::ApiRecordMade, crate::market::contract_records::ApiObjectionInput, crate::market::contract_records::ApiDecisionInput, crate::market::achievement_files::ApiAchievementFile, crate::market::kinds::ApiOtherPage, crate::market::kinds::OtherHit, crate::subjects::api::ApiDrafts, crate::subjects::api::ApiSelfFigure, crate::subjects::api::ApiEvaluated, crate::subjects::api::ApiPrecheckPage, crate::subjects::api::ApiPrecheck, crate::subjects::certificates::ApiCertificate, crate::subjects::certificates::ApiCertificateInput, crate::subjects::certificates::ApiRecorded, crate::subjects::certificates::ApiKind, crate::subjects::certificates::ApiKindInput, crate::subjects::pools::ApiPool, crate::subjects::pools::ApiPoolEntry, crate::subjects::pools::ApiPoolAdd, crate::subjects::pools::ApiPoolAction, crate::subjects::pools::ApiPoolChanged, crate::subjects::carriers_api::ApiCarrier, crate::subjects::carriers_api::ApiCarrierCount, crate::subjects::carriers_api::ApiCarriers, crate::subjects::carriers_api::ApiCarrierInput, crate::subjects::carriers_api::ApiPartner, crate::subjects::carriers_api::ApiAnnualReturn, crate::subjects::carriers_api::ApiCarrierDetail, crate::subjects::carriers_api::ApiPublicCarrier, crate::subjects::carrier_evaluations::ApiCarrierEvaluation, crate::subjects::carrier_evaluations::ApiCarrierEvaluationStart, crate::subjects::carrier_evaluations::ApiGrade, crate::subjects::carrier_evaluations::ApiGradeInput, crate::subjects::talent_api::ApiPerson, crate::subjects::talent_api::ApiProgrammeCount, crate::subjects::talent_api::ApiPeople, crate::subjects::talent_api::ApiPersonInput, crate::subjects::talent_api::ApiReport, crate::subjects::talent_api::ApiFollowUp, crate::subjects::talent_api::ApiPersonDetail, crate::subjects::talent_api::ApiReportFiled, crate::subjects::talent_api::ApiTeam, crate::subjects::talent_api::ApiTeamInput, crate::subjects::talent_api::ApiTeamDetail, crate::subjects::talent::ApiReportInput, crate::subjects::ours::ApiOurs, crate::subjects::ours::OurCarrier, crate::subjects::ours::OurSubject, crate::subjects::ours::ApiOurReport, crate::experts::rounds_api::ApiPanelReview, crate::experts::rounds_api::ApiPanel, crate::experts::rounds_api::ApiReviewRound, crate::experts::rounds_api::ApiAssigned, crate::experts::rounds_api::ApiWithdrawInput, crate::experts::rounds_api::ApiWithdrawn, crate::sharing::ApiInstrument, crate::sharing::ApiInstrumentPage, crate::sharing::ApiTaken, crate::sharing::ApiInstrumentWeek, crate::sharing::ApiInstrumentInput, crate::sharing::ApiInstrumentUpdate, crate::sharing::ApiCreated, crate::sharing::ApiDone, crate::sharing::ApiBookingInput, crate::sharing::ApiBooking, crate::sharing::StatusInput, crate::sharing::BlackoutInput, crate::sharing::DecideInput, crate::sharing::CancelInput, crate::sharing::CloseInput, crate::sharing::ApiProgramme, crate::sharing::ApiProgrammeInput, crate::sharing::ApiVoucherApplication, crate::sharing::ApiRedemption, crate::sharing::ApiProgrammeDetail, crate::sharing::ApiDecided, crate::sharing::ApiSettlement, crate::sharing::ApiExpired, crate::sharing::ApiVoucher, crate::sharing::ApiMyVouchers, crate::sharing::GrantInput, crate::sharing::ReasonInput, crate::sharing::SettleInput, crate::sharing::VerifyInput, crate::sharing::ApplyInput, crate::sharing::RedeemInput, crate::sharing::ApiProvider, crate::sharing::ApiProviderPage, crate::sharing::ApiAccreditation, crate::sharing::ApiService, crate::sharing::ApiRating, crate::sharing::ApiProviderDetail, crate::sharing::ApiProfileInput, crate::sharing::ProviderDecision, crate::sharing::ApiAccreditationInput, crate::sharing::ApiServiceInput, crate::sharing::ActiveInput, crate::sharing::ApiOrder, crate::sharing::ApiOrderInput, crate::sharing::ApiOrders, crate::sharing::StepInput, crate::sharing::ApiRatingInput, crate::sharing::ApiCriterion, crate::sharing::ApiOwnerResult, crate::sharing::ApiSharingEvaluation, crate::sharing::OutcomeInput, crate::sharing::ApiVoucherPartner, crate::sharing::ApiVoucherPartnerDetail, crate::sharing::ApiStatement, crate::sharing::ApiStatementLine, crate::sharing::ApiStatementDetail, crate::sharing::ApiPartnerRedemption, crate::sharing::ApiRosterImported, crate::sharing::PartnerInput, crate::sharing::ClaimInput, crate::sharing::ApiRelation, crate::sharing::RelationInput, crate::finance::ApiPolicy, crate::finance::ApiRuleInput, crate::finance::ApiPolicyInput, crate::finance::ApiMade, crate::finance::ApiVersion, crate::finance::ApiRunInput, crate::finance::ApiApplicationInput, crate::finance::ApiEntitlement, crate::finance::ApiPolicyRun, crate::finance::ApiPolicyDone, crate::finance::ApiPublished, crate::finance::ApiPaid, crate::finance::ApiPolicyMatch, crate::finance::ApiMyLine, crate::finance::ApiMyEntitlements, crate::finance::CheckInput, crate::finance::AnswerInput, crate::finance::ObjectionInput, crate::finance::AccountInput, crate::finance::ApiPolicyFigure, crate::finance::ApiZoneFigure, crate::finance::ApiPolicyFigures, crate::finance::ApiBalances, crate::finance::ApiFund, crate::finance::ApiBankLine, crate::finance::ApiFundReport, crate::finance::ApiPosting, crate::finance::ApiAgreementMade, crate::finance::ApiWhiteList, crate::finance::ApiLoan, crate::finance::ApiLoans, crate::finance::ApiClaim, crate::finance::ApiInstalment, crate::finance::ApiLoanDetail, crate::finance::ApiRecovery, crate::finance::FundInput, crate::finance::DepositInput, crate::finance::AgreementInput, crate::finance::LoanInput, crate::finance::RepaymentInput, crate::finance::LossClaimInput, crate::finance::ClaimDecisionInput, crate::finance::RecoveryInput, crate::finance::PledgeInput, crate::finance::ApiPledge, crate::finance::ApiFundFigure, crate::finance::ApiFundFigures, crate::finance::ApiSubsidy, crate::finance::ApiRuleSet, crate::finance::ApiMyLoans, crate::finance::SubsidyRuleInput, crate::finance::SubsidyInput, crate::finance::SubsidyDecisionInput, crate::finance::ApiFinancingDemandInput, crate::finance::ApiFinancingProductInput, crate::finance::ApiVersionInput, crate::finance::ApiFinancingDemand, crate::finance::ApiFinancingProduct, crate::finance::ApiFinancingReason, crate::finance::ApiFinancingMatch, crate::finance::ApiFinancingStep, crate::finance::ApiFinancingFollowUp, crate::finance::ApiFinancingDemandDetail, crate::finance::ApiFinancingProductDetail, crate::finance::ApiFinancingKind, crate::finance::ApiFinancingFigures, crate::finance::FollowStepInput, crate::evaluation::api::ApiCampaign, crate::evaluation::api::ApiItem, crate::evaluation::api::ApiDimension, crate::evaluation::api::ApiResult, crate::evaluation::api::ApiObjection, crate::evaluation::api::ApiCampaignDetail, crate::evaluation::api::ApiReleased, crate::evaluation::api::ApiEvidence, crate::evaluation::api::ApiOwnReport, crate::evaluation::api::ApiOurs, crate::evaluation::api::ApiPublicRanking, crate::evaluation::api::ApiPublicLine, crate::evaluation::campaigns::WeightInput, crate::evaluation::campaigns::CampaignInput, crate::evaluation::campaigns::InviteInput, crate::evaluation::campaigns::ReleaseInput, crate::evaluation::campaigns::PublishInput, crate::evaluation::campaigns::AnswerInput, crate::evaluation::reporting::ReportInput, crate::evaluation::reporting::ObjectionInput, crate::evaluation::scoring::SheetFile, crate::evaluation::scoring::SheetItem, crate::evaluation::scoring::SheetUnit, crate::evaluation::scoring::ItemScore, crate::evaluation::scoring::ScoresInput, crate::supervision::api::ApiTask, crate::supervision::api::ApiMonth, crate::supervision::api::ApiTaskDetail, crate::supervision::api::ApiCheck, crate::supervision::plan::TaskInput, crate::supervision::progress::ProgressInput, crate::supervision::check::UnitCompletion, crate::indicators::periods::ApiPeriod, crate::indicators::periods::PeriodLine, crate::indicators::release::ApiRelease, crate::indicators::release::ApiReleasedLine, crate::indicators::release::ApiReleasedArea, crate::indicators::release::ApiReleasedValue, crate::indicators::release::ApiReleaseSummary, crate::indicators::release::ApiCoverage, crate::stats::survey::ApiSurvey, crate::stats::survey::ApiShare, crate::stats::survey::ApiItemShare, crate::stats::survey::ApiAmount, crate::stats::survey::ApiSurveyPart, crate::stats::survey::ApiKeyChange, crate::orgs::units::ApiUnitInput, crate::orgs::units::ApiUnitCounty, crate::guides::api::ApiGuideLine, crate::guides::api::ApiGuideText, crate::guides::api::ApiGuide, crate::guides::api::ApiGuideUpdate, crate::search::api::ApiSearchResult, crate::search::api::ApiSearchHit, crate::search::api::ApiSearchFacet, crate::search::api::ApiPiece, crate::projects::calls::public::ApiPublicCall, crate::projects::calls::public::ApiPublicCallDetail, crate::projects::calls::public::ApiPublicFile)),
    modifiers(&EdgeAnswers)
)]
pub struct ApiDoc;

/// The answers every operation may give before its handler runs, written into each operation
/// so the document says all a client can meet: 400 (a parameter or body that does not parse),
/// 401 (no or an unknown token), 413 (a body over the limit), 422 (a control character in any
/// field), and 415 where a JSON body is expected.
struct EdgeAnswers;

impl utoipa::Modify for EdgeAnswers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Ref, RefOr, ResponseBuilder};
        let error = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/json",
                        utoipa::openapi::Content::new(Some(Ref::from_schema_name("ApiError"))),
                    )
                    .build(),
            )
        };
        for item in doc.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.put, &mut item.post].into_iter().flatten() {
                let mut answers = vec![
                    ("400", "A parameter or body that does not parse"),
                    ("401", "No token, or one we do not know"),
                    ("413", "The body is over the limit"),
                    ("422", "A field holds a control character, or the values break a rule"),
                ];
                if op.request_body.is_some() {
                    answers.push(("415", "The body is not JSON"));
                }
                for (status, what) in answers {
                    op.responses.responses.entry(status.to_string()).or_insert_with(|| error(what));
                }
            }
        }
    }
}

pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

/// Unknown API paths answer in JSON too.
pub async fn not_found(ctx: crate::auth::Ctx) -> AppError {
    ctx.err(AppError::not_found())
}

/// The JSON API; any other path under `/api/` answers 404 in JSON.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post, put};
    axum::Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route("/api/v1/org-units", get(org_units).post(crate::orgs::units::create_unit_api))
        .route("/api/v1/org-units/{id}/county", put(crate::orgs::units::set_unit_county_api))
        .route("/api/v1/organisations", get(list_orgs).post(create_org))
        .route("/api/v1/organisations/{id}", get(get_org).put(update_org))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/stats/{form}/{period}/orgs/{org}", get(get_return).put(put_values))
        .route("/api/v1/stats/{form}/{period}/orgs/{org}/submit", post(submit_return))
        .route("/api/{*rest}", get(not_found).post(not_found).put(not_found))
}
