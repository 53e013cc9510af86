//! A county's or zone's side of a campaign: its qualitative items reported in words with
//! evidence files until the campaign's day, its result and profile once released, and its
//! objections while their window is open.
use super::{
    CampaignLine, ResultLine, campaign_line, campaign_of, own_unit, refused_on, result_line,
};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ReportEvaluations, format_time, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::tf;
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use innocity_core::access::{Capability, Principal};
use innocity_store::evaluation::{self as store, Campaign, Stage};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// A qualitative item's report, in words.
#[derive(Deserialize, ToSchema, Default)]
pub struct ReportInput {
    /// The item's code (POLICIES, INSTITUTIONS, MONEY_COMMITTED, ACHIEVEMENTS).
    pub item: String,
    pub body: String,
}

pub async fn save_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    c: &Campaign,
    i: &ReportInput,
) -> AppResult<i64> {
    let unit = own_unit(state, ctx, p, c).await?;
    store::report(&state.db, c, &unit, i.item.trim(), &i.body, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, &format!("body_{}", i.item.trim()), e))
}

/// Adds an evidence file to the unit's report of `item` (reported first).
pub async fn upload_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    c: &Campaign,
    item: &str,
    (name, bytes): (String, Vec<u8>),
) -> AppResult<i64> {
    let unit = own_unit(state, ctx, p, c).await?;
    let reports = store::reports(&state.db, c.id, Some(unit.id)).await?;
    let Some(report) = reports.iter().find(|r| r.item == item) else {
        return Err(crate::subjects::api::invalid(
            ctx,
            vec![(format!("file_{item}"), tf(ctx.lang, "eval.err.report_first", &[]))],
        ));
    };
    let dir = &state.config.files_dir;
    store::add_evidence(&state.db, dir, c, report.id, &name, &bytes, ctx.actor()).await.map_err(
        |e| match e {
            innocity_store::StoreError::Evaluation(_) => {
                refused_on(ctx, &format!("file_{item}"), e)
            }
            innocity_store::StoreError::Applications(r) => {
                let (key, args) = crate::error::refusals::application(&r);
                let message = crate::i18n::tf(ctx.lang, key, &args);
                crate::subjects::api::invalid(ctx, vec![(format!("file_{item}"), message)])
            }
            other => ctx.err(other.into()),
        },
    )
}

/// An objection to the unit's result.
#[derive(Deserialize, ToSchema, Default)]
pub struct ObjectionInput {
    pub body: String,
}

pub async fn object_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    c: &Campaign,
    i: &ObjectionInput,
) -> AppResult<i64> {
    let unit = own_unit(state, ctx, p, c).await?;
    store::object(&state.db, c, &unit, &i.body, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "objection", e))
}

pub struct EvidenceLine {
    pub href: String,
    pub name: String,
    pub size: String,
}

/// A qualitative item with the unit's report and files.
pub struct ReportLine {
    pub code: String,
    pub name: String,
    pub guidance: String,
    pub scale: String,
    pub body: String,
    pub submitted: String,
    pub reported: bool,
    pub evidence: Vec<EvidenceLine>,
}

pub struct OwnObjection {
    pub body: String,
    pub filed: String,
    pub answer: String,
}

#[derive(Template)]
#[template(path = "evaluation_ours.html")]
struct OursPage {
    s: Shell,
    c: CampaignLine,
    unit: String,
    open: bool,
    items: Vec<ReportLine>,
    result: Option<ResultLine>,
    dimension_names: Vec<String>,
    objections: Vec<OwnObjection>,
    may_object: bool,
}

/// The unit's page of a campaign.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ReportEvaluations>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let c = campaign_of(&state, ctx, &id).await?;
    let unit = own_unit(&state, ctx, &a.principal, &c).await?;
    let f = c.framework()?;
    let reports = store::reports(&state.db, c.id, Some(unit.id)).await?;
    let evidence = store::evidence(&state.db, c.id).await?;
    let items = f
        .qualitative()
        .map(|i| {
            let r = reports.iter().find(|r| r.item == i.code);
            ReportLine {
                code: i.code.clone(),
                name: lang.pick(&i.name_zh, &i.name_en).into(),
                guidance: i.guidance_zh.clone(),
                scale: tf(lang, "eval.scale", &[format!("{}", i.max_score.unwrap_or_default())]),
                body: r.map(|r| r.body.clone()).unwrap_or_default(),
                submitted: r.map(|r| format_time(lang, r.submitted_at)).unwrap_or_default(),
                reported: r.is_some(),
                evidence: evidence
                    .iter()
                    .filter(|e| r.is_some_and(|r| r.id == e.report_id))
                    .map(|e| EvidenceLine {
                        href: format!("/evaluation/{}/evidence/{}", c.id, e.id),
                        name: e.name.clone(),
                        size: format!("{} KB", (e.size + 1023) / 1024),
                    })
                    .collect(),
            }
        })
        .collect();
    let units = state.units().await?;
    let released = matches!(c.stage, Stage::Results | Stage::Published);
    let result = match released {
        true => store::results(&state.db, c.id)
            .await?
            .iter()
            .find(|r| r.org_unit_id == unit.id)
            .map(|r| result_line(lang, &f, &units, r)),
        false => None,
    };
    let objections = store::objections(&state.db, c.id)
        .await?
        .into_iter()
        .filter(|o| o.org_unit_id == unit.id)
        .map(|o| OwnObjection {
            filed: format_time(lang, o.filed_at),
            body: o.body,
            answer: o.answer,
        })
        .collect();
    let today = ctx.today();
    Ok(render(&OursPage {
        s: ctx.shell(),
        open: c.stage == Stage::Reporting && today <= c.report_until,
        may_object: c.stage == Stage::Results && c.objections_until.is_some_and(|u| today <= u),
        c: campaign_line(lang, &c),
        unit: lang.pick(&unit.name_zh, &unit.name_en).into(),
        items,
        result,
        dimension_names: super::dimension_names(lang, &f),
        objections,
    }))
}

fn back(ctx: &Ctx, c: &Campaign, anchor: &str) -> Response {
    crate::http::go_to(ctx, &format!("/evaluation/{}/ours#{anchor}", c.id))
}

pub async fn save(
    State(state): State<AppState>,
    a: Auth<ReportEvaluations>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let mut form: HashMap<String, String> = parse_form(ctx, &body)?;
    let i = ReportInput {
        item: form.remove("item").unwrap_or_default(),
        body: form.remove("body").unwrap_or_default(),
    };
    save_as(&state, ctx, &a.principal, &c, &i).await?;
    Ok(back(ctx, &c, &format!("item-{}", i.item.trim())))
}

pub async fn upload(
    State(state): State<AppState>,
    a: Auth<ReportEvaluations>,
    Path((id, item)): Path<(String, String)>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let file = crate::http::read_upload(ctx, req).await?;
    let file = upload_as(&state, ctx, &a.principal, &c, &item, file).await?;
    // A new address (the file's id) so the browser loads the page again, not only its anchor.
    let to = format!("/evaluation/{}/ours?evidence={file}#item-{item}", c.id);
    Ok(crate::http::go_to(ctx, &to))
}

pub async fn object(
    State(state): State<AppState>,
    a: Auth<ReportEvaluations>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let mut form: HashMap<String, String> = parse_form(ctx, &body)?;
    let i = ObjectionInput { body: form.remove("body").unwrap_or_default() };
    object_as(&state, ctx, &a.principal, &c, &i).await?;
    Ok(back(ctx, &c, "objections"))
}

/// Whether the caller may read the unit's evidence: the bureau; the unit itself; an invited
/// evaluator who does not belong to it.
async fn may_read(state: &AppState, ctx: &Ctx, c: &Campaign, unit_id: i64) -> AppResult<bool> {
    let Some(p) = ctx.principal.as_ref() else { return Ok(false) };
    if p.role.allows(Capability::ManageEvaluations) {
        return Ok(true);
    }
    if p.role.allows(Capability::ReportEvaluations) {
        return Ok(own_unit(state, ctx, p, c).await.is_ok_and(|u| u.id == unit_id));
    }
    if p.role.allows(Capability::ScoreEvaluations) {
        let invited =
            store::evaluators(&state.db, c.id).await?.iter().any(|e| e.user_id == p.user_id);
        let units = state.units().await?;
        let Some(unit) = units.iter().find(|u| u.id == unit_id) else { return Ok(false) };
        return Ok(invited && !store::conflicted(&state.db, p.user_id, unit).await?);
    }
    Ok(false)
}

/// An evidence file, to those who may read it (anyone else: not found).
pub async fn evidence_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let c = campaign_of(&state, &ctx, &id).await?;
    let file: i64 = file.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let (e, report) =
        store::evidence_row(&state.db, c.id, file).await.map_err(|e| ctx.err(e.into()))?;
    if !may_read(&state, &ctx, &c, report.org_unit_id).await? {
        return Err(ctx.err(AppError::not_found()));
    }
    let bytes = store::evidence_bytes(&state.config.files_dir, &e).await?;
    let mime = crate::market::contract_records::mime_of(&e.content_type);
    Ok(crate::http::download(bytes, &e.name, mime))
}

#[derive(Template)]
#[template(path = "evaluation_mine.html")]
struct MinePage {
    s: Shell,
    heading: &'static str,
    campaigns: Vec<CampaignLine>,
    link: &'static str,
}

/// The campaigns that evaluate the unit's level.
pub async fn ours(
    State(state): State<AppState>,
    a: Auth<ReportEvaluations>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let campaigns = super::our_campaigns(&state, &a.principal)
        .await?
        .iter()
        .map(|c| campaign_line(ctx.lang, c))
        .collect();
    Ok(render(&MinePage { s: ctx.shell(), heading: "eval.ours", campaigns, link: "ours" }))
}

/// The campaigns an evaluator is invited to (a page of the scoring side, kept beside `ours`
/// for the one template they share).
pub async fn invited_page(state: &AppState, ctx: &Ctx, p: &Principal) -> AppResult<Response> {
    let ids = store::invited_to(&state.db, p.user_id).await?;
    let campaigns = store::campaigns(&state.db)
        .await?
        .iter()
        .filter(|c| ids.contains(&c.id))
        .map(|c| campaign_line(ctx.lang, c))
        .collect();
    Ok(render(&MinePage { s: ctx.shell(), heading: "eval.invited", campaigns, link: "scoring" }))
}
