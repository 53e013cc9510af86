//! Evaluation campaigns in `/api/v1`: the pages' functions with the same capability and scope
//! checks — the bureau's campaigns and steps, a unit's reports, evidence and objections, an
//! evaluator's blind sheet and scores, and the public rankings.
use super::bulletin::public_rankings;
use super::campaigns::{
    AnswerInput, CampaignInput, InviteInput, PublishInput, ReleaseInput, answer_as, create_as,
    invite_as, release_as,
};
use super::reporting::{ObjectionInput, ReportInput, object_as, save_as, upload_as};
use super::scoring::{ScoresInput, SheetUnit, score_as, sheet_of};
use super::{ResultLine, campaign_of, own_unit, refused_on, result_line};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageEvaluations, ReportEvaluations, ScoreEvaluations};
use crate::error::AppResult;
use crate::sharing::{ApiCreated, ApiDone};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use innocity_core::evaluation::ItemKind;
use innocity_store::evaluation::{self as store, Campaign};
use serde::Serialize;
use utoipa::ToSchema;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    let base = "/api/v1/evaluation-campaigns";
    axum::Router::new()
        .route(base, get(api_campaigns).post(api_create_campaign))
        .route(&format!("{base}/ours"), get(api_our_campaigns))
        .route(&format!("{base}/invited"), get(api_invited_campaigns))
        .route(&format!("{base}/{{id}}"), get(api_campaign))
        .route(&format!("{base}/{{id}}/evaluators"), post(api_invite))
        .route(&format!("{base}/{{id}}/start-scoring"), post(api_start_scoring))
        .route(&format!("{base}/{{id}}/release"), post(api_release))
        .route(&format!("{base}/{{id}}/publish"), post(api_publish))
        .route(&format!("{base}/{{id}}/objections/{{objection}}/answer"), post(api_answer))
        .route(&format!("{base}/{{id}}/ours"), get(api_ours))
        .route(&format!("{base}/{{id}}/ours/reports"), post(api_report))
        .route(&format!("{base}/{{id}}/ours/reports/{{item}}/evidence"), post(api_evidence))
        .route(&format!("{base}/{{id}}/ours/objections"), post(api_object))
        .route(&format!("{base}/{{id}}/scoring-sheet"), get(api_sheet))
        .route(&format!("{base}/{{id}}/scores"), post(api_score))
        .route("/api/v1/public/evaluations", get(api_public_rankings))
}

/// A campaign.
#[derive(Serialize, ToSchema)]
pub struct ApiCampaign {
    pub id: i64,
    pub year: i32,
    pub title: String,
    /// county or zone.
    pub level: String,
    /// reporting, scoring, results or published.
    pub stage: String,
    pub report_until: String,
    /// Set when the results are released.
    pub objections_until: Option<String>,
    pub method: String,
    /// The ranking is on the public site once published.
    pub public: bool,
}

fn api_campaign_of(c: &Campaign) -> ApiCampaign {
    ApiCampaign {
        id: c.id,
        year: c.year,
        title: c.title.clone(),
        level: c.level.clone(),
        stage: c.stage.code().into(),
        report_until: c.report_until.to_string(),
        objections_until: c.objections_until.map(|d| d.to_string()),
        method: c.method.clone(),
        public: c.public,
    }
}

/// An item of the campaign's framework with its weight.
#[derive(Serialize, ToSchema)]
pub struct ApiItem {
    pub code: String,
    pub name: String,
    /// quantitative (read from the platform) or qualitative (reported and scored).
    pub kind: String,
    pub weight: f64,
    /// Where a quantitative item's value comes from (register:… or indicator:…).
    pub source: Option<String>,
    /// The top of a qualitative item's scale.
    pub max_score: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiDimension {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub items: Vec<ApiItem>,
}

/// A unit's result: composite (0–100), rank, the rank's interval under the sensitivity
/// analysis, dimension scores in the framework's order, strengths and weaknesses.
#[derive(Serialize, ToSchema)]
pub struct ApiResult {
    pub org_unit_id: i64,
    pub unit: String,
    pub score: Option<f64>,
    pub rank: Option<i64>,
    pub rank_low: Option<f64>,
    pub rank_high: Option<f64>,
    pub dimensions: Vec<Option<f64>>,
    pub strengths: Vec<String>,
    pub weaknesses: Vec<String>,
}

fn api_result(
    r: &store::UnitResultRow,
    l: ResultLine,
    f: &innocity_core::evaluation::Framework,
) -> ApiResult {
    let p = super::profile_of(r);
    ApiResult {
        org_unit_id: r.org_unit_id,
        unit: l.unit,
        score: r.score,
        rank: r.rank,
        rank_low: r.rank_low,
        rank_high: r.rank_high,
        dimensions: f
            .dimensions
            .iter()
            .map(|d| p.dimensions.iter().find(|(c, ..)| c == &d.code).and_then(|(_, s, _)| *s))
            .collect(),
        strengths: p.strengths,
        weaknesses: p.weaknesses,
    }
}

async fn api_results(state: &AppState, ctx: &Ctx, c: &Campaign) -> AppResult<Vec<ApiResult>> {
    let f = c.framework()?;
    let units = state.units().await?;
    Ok(store::results(&state.db, c.id)
        .await?
        .iter()
        .map(|r| api_result(r, result_line(ctx.lang, &f, &units, r), &f))
        .collect())
}

#[derive(Serialize, ToSchema)]
pub struct ApiObjection {
    pub id: i64,
    pub org_unit_id: i64,
    pub body: String,
    pub answer: String,
    pub answered: bool,
}

fn api_objection(o: store::Objection) -> ApiObjection {
    ApiObjection {
        id: o.id,
        org_unit_id: o.org_unit_id,
        answered: o.answered_at.is_some(),
        body: o.body,
        answer: o.answer,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiCampaignDetail {
    pub campaign: ApiCampaign,
    pub dimensions: Vec<ApiDimension>,
    /// Evaluators' account names.
    pub evaluators: Vec<String>,
    pub results: Vec<ApiResult>,
    pub objections: Vec<ApiObjection>,
}

#[utoipa::path(get, path = "/api/v1/evaluation-campaigns", responses((status = 200, body = Vec<ApiCampaign>), (status = 403, body = ApiError)))]
/// The campaigns, the newest year first.
pub async fn api_campaigns(
    State(state): State<AppState>,
    _a: Auth<ManageEvaluations>,
) -> AppResult<Json<Vec<ApiCampaign>>> {
    Ok(Json(store::campaigns(&state.db).await?.iter().map(api_campaign_of).collect()))
}

#[utoipa::path(post, path = "/api/v1/evaluation-campaigns", request_body = CampaignInput, responses((status = 201, body = ApiCreated), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Opens a campaign on the built-in framework with the weights given (the rest as the
/// framework's); weights that do not sum as it says are refused, nothing stored.
pub async fn api_create_campaign(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Json(i): Json<CampaignInput>,
) -> AppResult<Response> {
    let id = create_as(&state, &a.ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(ApiCreated { id })).into_response())
}

#[utoipa::path(get, path = "/api/v1/evaluation-campaigns/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiCampaignDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// A campaign with its framework, evaluators, results and objections.
pub async fn api_campaign(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiCampaignDetail>> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let c = campaign_of(&state, ctx, &id).await?;
    let f = c.framework()?;
    let dimensions = f
        .dimensions
        .iter()
        .map(|d| ApiDimension {
            code: d.code.clone(),
            name: lang.pick(&d.name_zh, &d.name_en).into(),
            weight: d.weight,
            items: f
                .items
                .iter()
                .filter(|i| i.dimension == d.code)
                .map(|i| ApiItem {
                    code: i.code.clone(),
                    name: lang.pick(&i.name_zh, &i.name_en).into(),
                    kind: match i.kind {
                        ItemKind::Quantitative => "quantitative".into(),
                        ItemKind::Qualitative => "qualitative".into(),
                    },
                    weight: i.weight,
                    source: i.source.clone(),
                    max_score: i.max_score,
                })
                .collect(),
        })
        .collect();
    let evaluators =
        store::evaluators(&state.db, c.id).await?.into_iter().map(|e| e.username).collect();
    let objections =
        store::objections(&state.db, c.id).await?.into_iter().map(api_objection).collect();
    Ok(Json(ApiCampaignDetail {
        campaign: api_campaign_of(&c),
        dimensions,
        evaluators,
        results: api_results(&state, ctx, &c).await?,
        objections,
    }))
}

#[utoipa::path(post, path = "/api/v1/evaluation-campaigns/{id}/evaluators", params(("id" = i64, Path)), request_body = InviteInput, responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Invites an evaluator: an active bureau staff or expert account.
pub async fn api_invite(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
    Json(i): Json<InviteInput>,
) -> AppResult<Json<ApiDone>> {
    let c = campaign_of(&state, &a.ctx, &id).await?;
    invite_as(&state, &a.ctx, &c, &i).await?;
    Ok(Json(ApiDone { ok: true }))
}

#[utoipa::path(post, path = "/api/v1/evaluation-campaigns/{id}/start-scoring", params(("id" = i64, Path)), responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Closes reporting and opens scoring.
pub async fn api_start_scoring(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiDone>> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    store::start_scoring(&state.db, &c, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "stage", e))?;
    Ok(Json(ApiDone { ok: true }))
}

/// How many units were evaluated.
#[derive(Serialize, ToSchema)]
pub struct ApiReleased {
    pub units: usize,
}

#[utoipa::path(post, path = "/api/v1/evaluation-campaigns/{id}/release", params(("id" = i64, Path)), request_body = ReleaseInput, responses((status = 200, body = ApiReleased), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Computes the results (composite, ranks, intervals, profiles) and releases them to the units,
/// who may object until the day given.
pub async fn api_release(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
    Json(i): Json<ReleaseInput>,
) -> AppResult<Json<ApiReleased>> {
    let c = campaign_of(&state, &a.ctx, &id).await?;
    let units = release_as(&state, &a.ctx, &c, &i).await?;
    Ok(Json(ApiReleased { units }))
}

#[utoipa::path(post, path = "/api/v1/evaluation-campaigns/{id}/publish", params(("id" = i64, Path)), request_body = PublishInput, responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Publishes the bulletin once the objections' day has passed and each objection is answered.
pub async fn api_publish(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
    Json(i): Json<PublishInput>,
) -> AppResult<Json<ApiDone>> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    store::publish(&state.db, &c, i.public, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "stage", e))?;
    Ok(Json(ApiDone { ok: true }))
}

#[utoipa::path(post, path = "/api/v1/evaluation-campaigns/{id}/objections/{objection}/answer", params(("id" = i64, Path), ("objection" = i64, Path)), request_body = AnswerInput, responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
/// Answers an objection (once).
pub async fn api_answer(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path((id, objection)): Path<(String, String)>,
    Json(i): Json<AnswerInput>,
) -> AppResult<Json<ApiDone>> {
    let c = campaign_of(&state, &a.ctx, &id).await?;
    answer_as(&state, &a.ctx, &c, &objection, &i).await?;
    Ok(Json(ApiDone { ok: true }))
}

#[utoipa::path(get, path = "/api/v1/evaluation-campaigns/ours", responses((status = 200, body = Vec<ApiCampaign>), (status = 403, body = ApiError)))]
/// The campaigns that evaluate the caller's unit's level (county or zone admins).
pub async fn api_our_campaigns(
    State(state): State<AppState>,
    a: Auth<ReportEvaluations>,
) -> AppResult<Json<Vec<ApiCampaign>>> {
    let ours = super::our_campaigns(&state, &a.principal).await?;
    Ok(Json(ours.iter().map(api_campaign_of).collect()))
}

#[utoipa::path(get, path = "/api/v1/evaluation-campaigns/invited", responses((status = 200, body = Vec<ApiCampaign>), (status = 403, body = ApiError)))]
/// The campaigns the caller is invited to evaluate.
pub async fn api_invited_campaigns(
    State(state): State<AppState>,
    a: Auth<ScoreEvaluations>,
) -> AppResult<Json<Vec<ApiCampaign>>> {
    let ids = store::invited_to(&state.db, a.principal.user_id).await?;
    let all = store::campaigns(&state.db).await?;
    Ok(Json(all.iter().filter(|c| ids.contains(&c.id)).map(api_campaign_of).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct ApiEvidence {
    pub id: i64,
    pub name: String,
    pub size: i64,
    pub href: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiOwnReport {
    pub item: String,
    pub body: String,
    pub evidence: Vec<ApiEvidence>,
}

/// A unit's side of a campaign.
#[derive(Serialize, ToSchema)]
pub struct ApiOurs {
    pub campaign: ApiCampaign,
    pub org_unit_id: i64,
    pub reports: Vec<ApiOwnReport>,
    /// Once the results are released.
    pub result: Option<ApiResult>,
    pub objections: Vec<ApiObjection>,
}

#[utoipa::path(get, path = "/api/v1/evaluation-campaigns/{id}/ours", params(("id" = i64, Path)), responses((status = 200, body = ApiOurs), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// The caller's unit's reports with their evidence, its result once released, its objections.
pub async fn api_ours(
    State(state): State<AppState>,
    a: Auth<ReportEvaluations>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiOurs>> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let unit = own_unit(&state, ctx, &a.principal, &c).await?;
    let evidence = store::evidence(&state.db, c.id).await?;
    let reports = store::reports(&state.db, c.id, Some(unit.id))
        .await?
        .into_iter()
        .map(|r| ApiOwnReport {
            evidence: evidence
                .iter()
                .filter(|e| e.report_id == r.id)
                .map(|e| ApiEvidence {
                    id: e.id,
                    name: e.name.clone(),
                    size: e.size,
                    href: format!("/evaluation/{}/evidence/{}", c.id, e.id),
                })
                .collect(),
            item: r.item,
            body: r.body,
        })
        .collect();
    let released = matches!(c.stage, store::Stage::Results | store::Stage::Published);
    let result = match released {
        true => api_results(&state, ctx, &c).await?.into_iter().find(|r| r.org_unit_id == unit.id),
        false => None,
    };
    let objections = store::objections(&state.db, c.id)
        .await?
        .into_iter()
        .filter(|o| o.org_unit_id == unit.id)
        .map(api_objection)
        .collect();
    Ok(Json(ApiOurs {
        campaign: api_campaign_of(&c),
        org_unit_id: unit.id,
        reports,
        result,
        objections,
    }))
}

#[utoipa::path(post, path = "/api/v1/evaluation-campaigns/{id}/ours/reports", params(("id" = i64, Path)), request_body = ReportInput, responses((status = 200, body = ApiCreated), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Reports (or replaces) a qualitative item of the caller's unit until the campaign's day.
pub async fn api_report(
    State(state): State<AppState>,
    a: Auth<ReportEvaluations>,
    Path(id): Path<String>,
    Json(i): Json<ReportInput>,
) -> AppResult<Json<ApiCreated>> {
    let c = campaign_of(&state, &a.ctx, &id).await?;
    let id = save_as(&state, &a.ctx, &a.principal, &c, &i).await?;
    Ok(Json(ApiCreated { id }))
}

#[utoipa::path(post, path = "/api/v1/evaluation-campaigns/{id}/ours/reports/{item}/evidence", params(("id" = i64, Path), ("item" = String, Path)),
    request_body(content = crate::market::contract_records::ApiUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ApiCreated), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Adds an evidence file (PDF, Word, Excel, JPEG, PNG) to the caller's unit's report of an item.
pub async fn api_evidence(
    State(state): State<AppState>,
    a: Auth<ReportEvaluations>,
    Path((id, item)): Path<(String, String)>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let file = crate::http::read_upload(ctx, req).await?;
    let id = upload_as(&state, ctx, &a.principal, &c, &item, file).await?;
    Ok((StatusCode::CREATED, Json(ApiCreated { id })).into_response())
}

#[utoipa::path(post, path = "/api/v1/evaluation-campaigns/{id}/ours/objections", params(("id" = i64, Path)), request_body = ObjectionInput, responses((status = 201, body = ApiCreated), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Objects to the caller's unit's result while the window is open.
pub async fn api_object(
    State(state): State<AppState>,
    a: Auth<ReportEvaluations>,
    Path(id): Path<String>,
    Json(i): Json<ObjectionInput>,
) -> AppResult<Response> {
    let c = campaign_of(&state, &a.ctx, &id).await?;
    let id = object_as(&state, &a.ctx, &a.principal, &c, &i).await?;
    Ok((StatusCode::CREATED, Json(ApiCreated { id })).into_response())
}

#[utoipa::path(get, path = "/api/v1/evaluation-campaigns/{id}/scoring-sheet", params(("id" = i64, Path)), responses((status = 200, body = Vec<SheetUnit>), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// The invited caller's blind sheet: units by number, their reports and evidence, the caller's
/// scores; units the caller belongs to are withheld.
pub async fn api_sheet(
    State(state): State<AppState>,
    a: Auth<ScoreEvaluations>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<SheetUnit>>> {
    let c = campaign_of(&state, &a.ctx, &id).await?;
    Ok(Json(sheet_of(&state, &a.ctx, &a.principal, &c).await?))
}

#[utoipa::path(post, path = "/api/v1/evaluation-campaigns/{id}/scores", params(("id" = i64, Path)), request_body = ScoresInput, responses((status = 200, body = ApiDone), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
/// Scores one unit (by its number on the sheet): every score is checked on its scale before any
/// is kept.
pub async fn api_score(
    State(state): State<AppState>,
    a: Auth<ScoreEvaluations>,
    Path(id): Path<String>,
    Json(i): Json<ScoresInput>,
) -> AppResult<Json<ApiDone>> {
    let c = campaign_of(&state, &a.ctx, &id).await?;
    score_as(&state, &a.ctx, &a.principal, &c, &i).await?;
    Ok(Json(ApiDone { ok: true }))
}

/// A published ranking.
#[derive(Serialize, ToSchema)]
pub struct ApiPublicRanking {
    pub title: String,
    pub dimensions: Vec<String>,
    pub lines: Vec<ApiPublicLine>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiPublicLine {
    pub rank: String,
    pub unit: String,
    pub score: String,
    pub interval: String,
    pub dimensions: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/public/evaluations", responses((status = 200, body = Vec<ApiPublicRanking>)))]
/// The rankings the bureau published on the public site.
pub async fn api_public_rankings(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<Json<Vec<ApiPublicRanking>>> {
    let rankings = public_rankings(&state, &ctx).await?;
    Ok(Json(
        rankings
            .into_iter()
            .map(|r| ApiPublicRanking {
                title: r.title,
                dimensions: r.dimension_names,
                lines: r
                    .lines
                    .into_iter()
                    .map(|l| ApiPublicLine {
                        rank: l.rank,
                        unit: l.unit,
                        score: l.score,
                        interval: l.interval,
                        dimensions: l.dimensions,
                    })
                    .collect(),
            })
            .collect(),
    ))
}
