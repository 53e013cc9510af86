//! The evaluators' side: the campaigns one is invited to and the blind scoring sheet — each
//! unit under a number in an order drawn from the campaign (not by name), the units one
//! belongs to withheld, every score checked on its scale before any is kept.
use super::{CampaignLine, campaign_line, campaign_of, evaluated_units, refused_on};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ScoreEvaluations, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::tf;
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Principal;
use innocity_core::evaluation::check_score;
use innocity_store::evaluation::{self as store, Campaign, Stage};
use innocity_store::orgs::OrgUnit;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

pub async fn invited(
    State(state): State<AppState>,
    a: Auth<ScoreEvaluations>,
) -> AppResult<Response> {
    super::reporting::invited_page(&state, &a.ctx, &a.principal).await
}

/// The evaluated units in the campaign's blind order: a stable mix (FNV-1a) of the campaign's
/// random salt and the unit, so numbers follow neither names, codes nor ids.
pub(crate) fn blind_order(c: &Campaign, mut units: Vec<OrgUnit>) -> Vec<OrgUnit> {
    let key = |u: &OrgUnit| {
        format!("{}:{}:{}", c.blind_salt, c.id, u.id)
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
    };
    units.sort_by_key(key);
    units
}

/// The caller must be invited to the campaign.
async fn invited_to(state: &AppState, ctx: &Ctx, p: &Principal, c: &Campaign) -> AppResult<()> {
    let invited = store::evaluators(&state.db, c.id).await?.iter().any(|e| e.user_id == p.user_id);
    if invited { Ok(()) } else { Err(ctx.err(AppError::forbidden())) }
}

/// An evidence file as the sheet links it.
#[derive(Serialize, ToSchema)]
pub struct SheetFile {
    pub name: String,
    pub href: String,
}

/// A qualitative item of a unit on the sheet.
#[derive(Serialize, ToSchema)]
pub struct SheetItem {
    pub item: String,
    pub name: String,
    pub max_score: f64,
    /// The unit's report (empty when it reported nothing).
    pub body: String,
    pub evidence: Vec<SheetFile>,
    /// The caller's score so far.
    pub my_score: Option<f64>,
}

/// A unit on the sheet, by its number only.
#[derive(Serialize, ToSchema)]
pub struct SheetUnit {
    /// The unit's number on this campaign's sheet (1, 2, …).
    pub number: usize,
    /// The caller belongs to the unit: it is withheld and not scored by them.
    pub withheld: bool,
    pub items: Vec<SheetItem>,
}

pub async fn sheet_of(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    c: &Campaign,
) -> AppResult<Vec<SheetUnit>> {
    invited_to(state, ctx, p, c).await?;
    let lang = ctx.lang;
    let f = c.framework()?;
    let reports = store::reports(&state.db, c.id, None).await?;
    let evidence = store::evidence(&state.db, c.id).await?;
    let mine = store::scores(&state.db, c.id, Some(p.user_id)).await?;
    let mut out = Vec::new();
    for (n, u) in blind_order(c, evaluated_units(state, c).await?).iter().enumerate() {
        if store::conflicted(&state.db, p.user_id, u).await? {
            out.push(SheetUnit { number: n + 1, withheld: true, items: vec![] });
            continue;
        }
        let items = f
            .qualitative()
            .map(|i| {
                let r = reports.iter().find(|r| r.org_unit_id == u.id && r.item == i.code);
                SheetItem {
                    item: i.code.clone(),
                    name: lang.pick(&i.name_zh, &i.name_en).into(),
                    max_score: i.max_score.unwrap_or_default(),
                    body: r.map(|r| r.body.clone()).unwrap_or_default(),
                    evidence: evidence
                        .iter()
                        .filter(|e| r.is_some_and(|r| r.id == e.report_id))
                        .map(|e| SheetFile {
                            name: e.name.clone(),
                            href: format!("/evaluation/{}/evidence/{}", c.id, e.id),
                        })
                        .collect(),
                    my_score: mine
                        .iter()
                        .find(|s| s.org_unit_id == u.id && s.item == i.code)
                        .map(|s| s.tenths as f64 / 10.0),
                }
            })
            .collect();
        out.push(SheetUnit { number: n + 1, withheld: false, items });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "evaluation_scoring.html")]
struct SheetPage {
    s: Shell,
    c: CampaignLine,
    open: bool,
    units: Vec<SheetUnit>,
}

impl SheetPage {
    fn score_text(&self, s: &Option<f64>) -> String {
        s.map(|x| format!("{x}")).unwrap_or_default()
    }
}

pub async fn sheet(
    State(state): State<AppState>,
    a: Auth<ScoreEvaluations>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let units = sheet_of(&state, ctx, &a.principal, &c).await?;
    Ok(render(&SheetPage {
        s: ctx.shell(),
        open: c.stage == Stage::Scoring,
        c: campaign_line(ctx.lang, &c),
        units,
    }))
}

/// One item's score.
#[derive(Deserialize, ToSchema, Clone)]
pub struct ItemScore {
    pub item: String,
    /// On the item's scale, to one decimal.
    pub score: f64,
}

/// The caller's scores of one unit, by its number on the sheet.
#[derive(Deserialize, ToSchema, Default)]
pub struct ScoresInput {
    pub number: usize,
    pub scores: Vec<ItemScore>,
}

/// Checks every score first (each refusal named on its item), then keeps them all.
pub async fn score_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    c: &Campaign,
    i: &ScoresInput,
) -> AppResult<usize> {
    invited_to(state, ctx, p, c).await?;
    let units = blind_order(c, evaluated_units(state, c).await?);
    let Some(unit) = i.number.checked_sub(1).and_then(|n| units.get(n)) else {
        return Err(ctx.err(AppError::not_found()));
    };
    let f = c.framework()?;
    let problems: Vec<(String, String)> = i
        .scores
        .iter()
        .filter_map(|s| {
            check_score(&f, &s.item, s.score).err().map(|p| {
                let (key, args) = crate::error::refusals::evaluation(
                    &innocity_store::evaluation::EvaluationRefusal::Score(p),
                );
                (format!("score_{}", s.item), tf(ctx.lang, key, &args))
            })
        })
        .collect();
    if !problems.is_empty() {
        return Err(crate::subjects::api::invalid(ctx, problems));
    }
    let scores: Vec<(String, f64)> = i.scores.iter().map(|s| (s.item.clone(), s.score)).collect();
    let field = i.scores.first().map_or("scores".to_string(), |s| format!("score_{}", s.item));
    store::score_unit(&state.db, c, unit, p.user_id, &scores, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, &field, e))?;
    Ok(i.scores.len())
}

/// The sheet's form for one unit: `number` and `score_<ITEM>` (blank: not scored yet).
pub async fn score(
    State(state): State<AppState>,
    a: Auth<ScoreEvaluations>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let form: HashMap<String, String> = parse_form(ctx, &body)?;
    let number = form.get("number").and_then(|n| n.parse().ok()).unwrap_or(0);
    let mut scores = Vec::new();
    let mut unreadable = Vec::new();
    for (k, v) in &form {
        let (Some(item), v) = (k.strip_prefix("score_"), v.trim()) else { continue };
        if v.is_empty() {
            continue;
        }
        match v.parse::<f64>() {
            Ok(score) if score.is_finite() => scores.push(ItemScore { item: item.into(), score }),
            _ => unreadable.push((k.clone(), tf(ctx.lang, "eval.err.number", &[v.into()]))),
        }
    }
    if !unreadable.is_empty() {
        return Err(crate::subjects::api::invalid(ctx, unreadable));
    }
    scores.sort_by(|a, b| a.item.cmp(&b.item));
    score_as(&state, ctx, &a.principal, &c, &ScoresInput { number, scores }).await?;
    Ok(Redirect::to(&format!("/evaluation/{}/scoring#unit-{number}", c.id)).into_response())
}
