//! What is recorded on a technology contract's registration besides its steps: the signed
//! text the registrant uploads, the experts' review of a large or disputed contract, and the
//! changes and objections of a registered one — as the contract page's sections, their forms,
//! and the same for machines. Who may record what: [`may_record`].
use super::contracts::{Record, may_record, visible};
use crate::api::{ApiError, json_body, validation_error};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ViewWorkspace, format_time};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Principal;
use innocity_core::market::challenges::ReviewInput;
use innocity_core::market::contracts::{Status, needs_experts};
use innocity_store::market::contract_changes::{self as changes, ChangeRow};
use innocity_store::market::contract_review::{self as review, Heard};
use innocity_store::market::contracts::Contract;
use innocity_store::market::files::{self, StoredFile, Subject};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The registration, if `p` may record `what` on it (else 403 after it is found).
async fn recordable(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    what: Record,
) -> AppResult<Contract> {
    let c = visible(state, ctx, p, id).await?;
    if may_record(p, &c, what) { Ok(c) } else { Err(ctx.err(AppError::forbidden())) }
}

fn back(id: i64, done: &str) -> Response {
    Redirect::to(&format!("/market/contracts/{id}?done={done}")).into_response()
}

/// The sections of the contract page these records make.
pub struct Records {
    pub files: Vec<FileLine>,
    pub may_upload: bool,
    /// The office may send it to the experts now.
    pub may_send: bool,
    /// Large or disputed: heard by experts before it is registered.
    pub needs_experts: bool,
    pub heard: Option<HeardLine>,
    pub review: ReviewInput,
    pub changes: Vec<ChangeLine>,
    pub may_change: bool,
    pub may_object: bool,
}

pub struct FileLine {
    pub href: String,
    pub name: String,
    pub size: String,
    pub when: String,
}

pub struct HeardLine {
    pub href: String,
    pub state: String,
    pub summary: String,
}

pub struct ChangeLine {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub status_code: String,
    pub reason: String,
    pub party: String,
    /// A change's new amounts: "合同成交额 120.00 万元 · 技术交易额 100.00 万元".
    pub terms: String,
    pub decision: String,
    pub when: String,
    pub may_decide: bool,
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

fn heard_line(lang: Lang, h: &Heard) -> HeardLine {
    let state = t(lang, if h.closed { "contract.experts.closed" } else { "contract.experts.open" });
    let summary = if h.reviews == 0 {
        String::new()
    } else {
        crate::i18n::tf(
            lang,
            "contract.experts.summary",
            &[h.reviews.to_string(), format!("{:.1}", h.mean)],
        )
    };
    HeardLine { href: format!("/reviews/{}", h.round_id), state: state.to_string(), summary }
}

fn change_line(lang: Lang, office: bool, r: ChangeRow) -> ChangeLine {
    let wan = |fen: i64| innocity_core::projects::money::Money(fen).wan_text();
    let unit = t(lang, "market.wan_yuan");
    let terms = r
        .proposed
        .as_ref()
        .map(|p| {
            format!(
                "{} {} {unit} · {} {} {unit}",
                t(lang, "contract.amount"),
                wan(p.amount_fen),
                t(lang, "contract.transaction"),
                wan(p.transaction_fen)
            )
        })
        .unwrap_or_default();
    ChangeLine {
        id: r.id,
        kind: t(lang, &format!("contract.record.{}", r.kind)).to_string(),
        status: t(lang, &format!("contract.record.{}.{}", r.kind, r.status)).to_string(),
        may_decide: office && r.status == changes::PENDING,
        status_code: r.status,
        reason: r.reason,
        party: r.party,
        terms,
        decision: r.decision,
        when: format_time(lang, r.created_at),
    }
}

/// The contract page's sections for `p`.
pub async fn records(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    c: &Contract,
) -> AppResult<Records> {
    let lang = ctx.lang;
    let files = files::files_of(&state.db, Subject::Contract, c.id)
        .await?
        .into_iter()
        .map(|f| FileLine {
            href: format!("/market/contracts/{}/files/{}", c.id, f.id),
            size: size_text(f.size),
            when: format_time(lang, f.uploaded_at),
            name: f.name,
        })
        .collect();
    let open = [Status::Submitted.code(), Status::Materials.code()].contains(&c.status.as_str());
    let registered = c.status == Status::Registered.code();
    let list = changes::of_contract(&state.db, c.id).await?;
    let waiting = list.iter().any(|r| r.status == changes::PENDING);
    let office = may_record(p, c, Record::Object);
    let needs = needs_experts(c.transaction, c.disputed);
    Ok(Records {
        files,
        may_upload: open && may_record(p, c, Record::Upload),
        may_send: needs
            && c.review_round_id.is_none()
            && c.status == Status::Submitted.code()
            && may_record(p, c, Record::Experts),
        needs_experts: needs,
        heard: review::heard_of(&state.db, c).await?.map(|h| heard_line(lang, &h)),
        review: ReviewInput {
            name: t(lang, "contract.experts.round_name").to_string(),
            mode: "draw".into(),
            experts: "3".into(),
            deadline: (ctx.today() + chrono::Days::new(10)).to_string(),
        },
        changes: list.into_iter().map(|r| change_line(lang, office, r)).collect(),
        may_change: registered && !waiting && may_record(p, c, Record::RequestChange),
        may_object: registered && !waiting && office,
    })
}

/// Only the kinds of file `sniff` lets in are ever stored.
pub fn mime_of(stored: &str) -> &'static str {
    [
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]
    .into_iter()
    .find(|m| *m == stored)
    .unwrap_or("application/octet-stream")
}

/// Uploads the signed contract's text (the registrant, while it waits for the office).
pub async fn upload(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = recordable(&state, ctx, &a.principal, &id, Record::Upload).await?;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    files::add_file(
        &state.db,
        &state.config.files_dir,
        Subject::Contract,
        c.id,
        &name,
        &bytes,
        ctx.actor(),
    )
    .await?;
    // Sent by htmx (the CSRF token in its header): it follows HX-Redirect.
    let to = format!("/market/contracts/{}?done=file", c.id);
    Ok(crate::http::go_to(ctx, &to))
}

/// A stored file of a registration (its registrant and the office).
pub async fn download(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = visible(&state, ctx, &a.principal, &id).await?;
    let file: i64 = file.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let (f, bytes) =
        files::file(&state.db, &state.config.files_dir, Subject::Contract, c.id, file).await?;
    Ok(crate::http::download(bytes, &f.name, mime_of(&f.content_type)))
}

#[derive(Deserialize)]
struct ExpertsForm {
    version: i64,
    #[serde(flatten)]
    plan: ReviewInput,
}

/// Sends a large or disputed contract to the experts (the office).
pub async fn send_to_experts(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = recordable(&state, ctx, &a.principal, &id, Record::Experts).await?;
    let f: ExpertsForm = crate::auth::parse_form(ctx, &body)?;
    let plan = super::challenges::review_plan(&f.plan, ctx.today())
        .map_err(|e| validation_error(ctx, &e))?;
    let round = review::send_to_experts(&state.db, c.id, f.version, &plan, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/reviews/{round}")).into_response())
}

#[derive(Deserialize)]
struct ObjectionForm {
    #[serde(default)]
    party: String,
    #[serde(default)]
    grounds: String,
}

/// Records an objection against a registration (the office).
pub async fn object(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = recordable(&state, ctx, &a.principal, &id, Record::Object).await?;
    let f: ObjectionForm = crate::auth::parse_form(ctx, &body)?;
    changes::record_objection(&state.db, c.id, &f.party, &f.grounds, ctx.actor()).await?;
    Ok(back(c.id, "objection"))
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    accept: String,
    #[serde(default)]
    decision: String,
}

/// Decides a change or an objection (the office).
pub async fn decide(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path((id, record)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = recordable(&state, ctx, &a.principal, &id, Record::Object).await?;
    let record: i64 = record.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let f: DecisionForm = crate::auth::parse_form(ctx, &body)?;
    changes::decide(&state.db, c.id, record, f.accept == "1", &f.decision, ctx.actor()).await?;
    Ok(back(c.id, "decided"))
}

/// A registration's files, experts and changes for machines.
#[derive(Serialize, ToSchema)]
pub struct ApiContractRecords {
    pub files: Vec<ApiContractFile>,
    /// Large (技术交易额 from 500 万元) or disputed: heard by experts before it is registered.
    pub needs_experts: bool,
    /// The experts' review round, once sent.
    pub review_round_id: Option<i64>,
    pub review_closed: bool,
    pub reviews: usize,
    pub mean_score: Option<f64>,
    pub changes: Vec<ApiContractChange>,
}

/// A stored file.
#[derive(Serialize, ToSchema)]
pub struct ApiContractFile {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// A change or an objection.
#[derive(Serialize, ToSchema)]
pub struct ApiContractChange {
    pub id: i64,
    /// change or objection.
    pub kind: String,
    /// pending, accepted (a change taken, an objection upheld) or rejected.
    pub status: String,
    pub reason: String,
    pub party: String,
    /// A change's new 合同成交额 and 技术交易额, fen.
    pub amount_fen: Option<i64>,
    pub transaction_fen: Option<i64>,
    pub decision: String,
}

fn api_file(f: StoredFile) -> ApiContractFile {
    ApiContractFile {
        id: f.id,
        name: f.name,
        content_type: f.content_type,
        size: f.size,
        sha256: f.sha256,
    }
}

#[utoipa::path(get, path = "/api/v1/market/contracts/{id}/records", params(("id" = i64, Path)), responses((status = 200, body = ApiContractRecords), (status = 404, body = ApiError)))]
/// A registration's signed text, experts' review, changes and objections.
pub async fn api_records(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiContractRecords>> {
    let c = visible(&state, &a.ctx, &a.principal, &id).await?;
    let heard = review::heard_of(&state.db, &c).await?;
    let files = files::files_of(&state.db, Subject::Contract, c.id)
        .await?
        .into_iter()
        .map(api_file)
        .collect();
    let changes = changes::of_contract(&state.db, c.id)
        .await?
        .into_iter()
        .map(|r| ApiContractChange {
            id: r.id,
            amount_fen: r.proposed.as_ref().map(|p| p.amount_fen),
            transaction_fen: r.proposed.as_ref().map(|p| p.transaction_fen),
            kind: r.kind,
            status: r.status,
            reason: r.reason,
            party: r.party,
            decision: r.decision,
        })
        .collect();
    Ok(Json(ApiContractRecords {
        files,
        needs_experts: needs_experts(c.transaction, c.disputed),
        review_round_id: heard.as_ref().map(|h| h.round_id),
        review_closed: heard.as_ref().is_some_and(|h| h.closed),
        reviews: heard.as_ref().map_or(0, |h| h.reviews),
        mean_score: heard.as_ref().filter(|h| h.reviews > 0).map(|h| h.mean),
        changes,
    }))
}

/// A file to upload: multipart, the file in the field `file` (PDF, JPEG, PNG, DOCX; at most
/// 20 MB).
#[derive(ToSchema)]
#[allow(dead_code)] // documents the multipart body
pub struct ApiUpload {
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

#[utoipa::path(post, path = "/api/v1/market/contracts/{id}/files", params(("id" = i64, Path)),
    request_body(content = ApiUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ApiContractFile), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// The registrant uploads the signed contract's text while the registration waits.
pub async fn api_upload(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = recordable(&state, ctx, &a.principal, &id, Record::Upload).await?;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    let file = files::add_file(
        &state.db,
        &state.config.files_dir,
        Subject::Contract,
        c.id,
        &name,
        &bytes,
        ctx.actor(),
    )
    .await?;
    let (f, _) =
        files::file(&state.db, &state.config.files_dir, Subject::Contract, c.id, file).await?;
    Ok((StatusCode::CREATED, Json(api_file(f))).into_response())
}

/// The experts' review to start.
#[derive(Deserialize, ToSchema)]
pub struct ApiExpertsInput {
    pub version: i64,
    pub name: String,
    /// assign or draw.
    pub mode: String,
    /// 1–15.
    pub experts: i64,
    /// `YYYY-MM-DD`, today or later.
    pub deadline: String,
}

/// The review round started.
#[derive(Serialize, ToSchema)]
pub struct ApiRound {
    pub round_id: i64,
}

#[utoipa::path(post, path = "/api/v1/market/contracts/{id}/experts", params(("id" = i64, Path)), request_body = ApiExpertsInput,
    responses((status = 201, body = ApiRound), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Sends a large or disputed contract to a review round of the experts engine (the office).
pub async fn api_send_to_experts(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = recordable(&state, ctx, &a.principal, &id, Record::Experts).await?;
    let i: ApiExpertsInput = json_body(ctx, &headers, &body)?;
    let input = ReviewInput {
        name: i.name,
        mode: i.mode,
        experts: i.experts.to_string(),
        deadline: i.deadline,
    };
    let plan = super::challenges::review_plan(&input, ctx.today())
        .map_err(|e| validation_error(ctx, &e))?;
    let round_id = review::send_to_experts(&state.db, c.id, i.version, &plan, ctx.actor()).await?;
    Ok((StatusCode::CREATED, Json(ApiRound { round_id })).into_response())
}

/// A change of a registered contract: why, and the whole contract as it now stands.
#[derive(Deserialize, ToSchema)]
pub struct ApiChangeInput {
    pub reason: String,
    pub contract: super::contracts_api::ApiContractInput,
}

/// The record made.
#[derive(Serialize, ToSchema)]
pub struct ApiRecordMade {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/market/contracts/{id}/changes", params(("id" = i64, Path)), request_body = ApiChangeInput,
    responses((status = 201, body = ApiRecordMade), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// The registrant asks to change a registered contract (the same parties).
pub async fn api_request_change(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = recordable(&state, ctx, &a.principal, &id, Record::RequestChange).await?;
    let i: ApiChangeInput = json_body(ctx, &headers, &body)?;
    let input = super::contracts_api::input_of(i.contract);
    let draft = innocity_core::market::contracts::validate(&input)
        .map_err(|e| validation_error(ctx, &e))?;
    let id = changes::request_change(&state.db, c.id, &draft, &i.reason, ctx.actor()).await?;
    Ok((StatusCode::CREATED, Json(ApiRecordMade { id })).into_response())
}

/// An objection received.
#[derive(Deserialize, ToSchema)]
pub struct ApiObjectionInput {
    /// Who objects.
    pub party: String,
    pub grounds: String,
}

#[utoipa::path(post, path = "/api/v1/market/contracts/{id}/objections", params(("id" = i64, Path)), request_body = ApiObjectionInput,
    responses((status = 201, body = ApiRecordMade), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// The office records an objection against a registration.
pub async fn api_object(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = recordable(&state, ctx, &a.principal, &id, Record::Object).await?;
    let i: ApiObjectionInput = json_body(ctx, &headers, &body)?;
    let id = changes::record_objection(&state.db, c.id, &i.party, &i.grounds, ctx.actor()).await?;
    Ok((StatusCode::CREATED, Json(ApiRecordMade { id })).into_response())
}

/// The office's decision on a change or an objection.
#[derive(Deserialize, ToSchema)]
pub struct ApiDecisionInput {
    /// A change taken, an objection upheld (the registration is cancelled).
    pub accept: bool,
    pub decision: String,
}

#[utoipa::path(post, path = "/api/v1/market/contracts/{id}/changes/{record}/decision", params(("id" = i64, Path), ("record" = i64, Path)), request_body = ApiDecisionInput,
    responses((status = 200, body = ApiRecordMade), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Decides a change or an objection (the office).
pub async fn api_decide(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path((id, record)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<ApiRecordMade>> {
    let ctx = &a.ctx;
    let c = recordable(&state, ctx, &a.principal, &id, Record::Object).await?;
    let record: i64 = record.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let i: ApiDecisionInput = json_body(ctx, &headers, &body)?;
    changes::decide(&state.db, c.id, record, i.accept, &i.decision, ctx.actor()).await?;
    Ok(Json(ApiRecordMade { id: record }))
}
