//! Evaluation campaigns of counties and zones (seed 003 创新型县区评价): the bureau opens a
//! campaign on a framework with its weights and invites evaluators (`campaigns`); each county
//! or zone reports its qualitative items with evidence and may object to its result
//! (`reporting`); invited evaluators score the reports blind (`scoring`); the results go out
//! as a bulletin (PDF), a workbook and, if the bureau wishes, a public ranking (`bulletin`);
//! all of it in `/api/v1` too (`api`).
pub mod api;
pub mod bulletin;
pub mod campaigns;
pub mod reporting;
pub mod scoring;

use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use innocity_core::access::Principal;
use innocity_core::evaluation::Framework;
use innocity_store::StoreError;
use innocity_store::evaluation::{self as store, Campaign, Stage};
use innocity_store::orgs::OrgUnit;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/evaluation", get(campaigns::list).post(campaigns::create))
        .route("/evaluation/{id}", get(campaigns::page))
        .route("/evaluation/{id}/evaluators", post(campaigns::invite))
        .route("/evaluation/{id}/scoring", get(scoring::sheet).post(scoring::score))
        .route("/evaluation/{id}/start-scoring", post(campaigns::start_scoring))
        .route("/evaluation/{id}/release", post(campaigns::release))
        .route("/evaluation/{id}/publish", post(campaigns::publish))
        .route("/evaluation/{id}/objections/{objection}/answer", post(campaigns::answer))
        .route("/evaluation/{id}/bulletin.pdf", get(bulletin::pdf))
        .route("/evaluation/{id}/results.xlsx", get(bulletin::xlsx))
        .route("/evaluation/{id}/evidence/{file}", get(reporting::evidence_file))
        .route("/evaluation/ours", get(reporting::ours))
        .route("/evaluation/{id}/ours", get(reporting::page))
        .route("/evaluation/{id}/ours/reports", post(reporting::save))
        .route("/evaluation/{id}/ours/reports/{item}/evidence", post(reporting::upload))
        .route("/evaluation/{id}/ours/objections", post(reporting::object))
        .route("/evaluation/invited", get(scoring::invited))
        .route("/public/evaluations", get(bulletin::public_page))
        .merge(api::routes())
}

/// The campaign in a path, else not found.
pub(crate) async fn campaign_of(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<Campaign> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::campaign(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

/// A refusal of the store as a 422 naming the field and the rule; other errors as they are.
pub(crate) fn refused_on(ctx: &Ctx, field: &str, e: StoreError) -> AppError {
    match e {
        StoreError::Evaluation(r) => {
            let (key, args) = crate::error::refusals::evaluation(&r);
            crate::subjects::api::invalid(ctx, vec![(field.into(), tf(ctx.lang, key, &args))])
        }
        other => ctx.err(other.into()),
    }
}

pub(crate) fn stage_name(lang: Lang, stage: Stage) -> String {
    t(lang, &format!("eval.stage.{}", stage.code())).into()
}

pub(crate) fn level_name(lang: Lang, level: &str) -> String {
    t(lang, &format!("eval.level.{level}")).into()
}

/// An item's or a dimension's name in the user's language (its code when unknown).
pub(crate) fn name_of(lang: Lang, f: &Framework, code: &str) -> String {
    if let Some(i) = f.item(code) {
        return lang.pick(&i.name_zh, &i.name_en).into();
    }
    f.dimensions
        .iter()
        .find(|d| d.code == code)
        .map_or_else(|| code.into(), |d| lang.pick(&d.name_zh, &d.name_en).into())
}

pub(crate) fn unit_name(lang: Lang, units: &[OrgUnit], id: i64) -> String {
    units
        .iter()
        .find(|u| u.id == id)
        .map_or_else(|| id.to_string(), |u| lang.pick(&u.name_zh, &u.name_en).into())
}

/// The units a campaign evaluates: every county, or every zone.
pub(crate) async fn evaluated_units(state: &AppState, c: &Campaign) -> AppResult<Vec<OrgUnit>> {
    Ok(state.units().await?.iter().filter(|u| u.level == c.level).cloned().collect())
}

/// The unit an area admin acts for: its own (the first of its scope's roots), when the
/// campaign evaluates units of its level; else the campaign is not the account's (403).
pub(crate) async fn own_unit(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    c: &Campaign,
) -> AppResult<OrgUnit> {
    let roots = p.scope.roots();
    let units = state.units().await?;
    let own = roots.first().and_then(|r| units.iter().find(|u| &u.path == r));
    match own {
        Some(u) if u.level == c.level => Ok(u.clone()),
        _ => Err(ctx.err(AppError::forbidden())),
    }
}

/// The campaigns that evaluate the level of an area admin's own unit (a county's, a zone's).
pub(crate) async fn our_campaigns(state: &AppState, p: &Principal) -> AppResult<Vec<Campaign>> {
    let roots = p.scope.roots();
    let units = state.units().await?;
    let own = roots.first().and_then(|r| units.iter().find(|u| &u.path == r));
    let level = own.map(|u| u.level.clone());
    let all = store::campaigns(&state.db).await?;
    Ok(all.into_iter().filter(|c| level.as_deref() == Some(c.level.as_str())).collect())
}

/// A campaign's line in a list.
pub struct CampaignLine {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub level: String,
    pub stage_code: &'static str,
    pub stage: String,
    pub report_until: String,
    pub objections_until: String,
}

pub(crate) fn campaign_line(lang: Lang, c: &Campaign) -> CampaignLine {
    CampaignLine {
        id: c.id,
        year: c.year,
        title: c.title.clone(),
        level: level_name(lang, &c.level),
        stage_code: c.stage.code(),
        stage: stage_name(lang, c.stage),
        report_until: c.report_until.to_string(),
        objections_until: c.objections_until.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// A unit's stored result as the pages show it.
pub struct ResultLine {
    pub unit_id: i64,
    pub unit: String,
    pub rank: String,
    pub score: String,
    /// The score as a bar's width, 0–100.
    pub bar: String,
    pub interval: String,
    pub dimensions: Vec<String>,
    pub strengths: String,
    pub weaknesses: String,
}

#[derive(serde::Deserialize, Default)]
struct Profile {
    #[serde(default)]
    dimensions: Vec<ProfileDimension>,
    #[serde(default)]
    strengths: Vec<String>,
    #[serde(default)]
    weaknesses: Vec<String>,
}

#[derive(serde::Deserialize)]
struct ProfileDimension {
    dimension: String,
    score: Option<f64>,
    rank: Option<i64>,
}

/// A unit's profile read back: dimension scores (in the framework's order) and ranks, its
/// strengths and weaknesses.
pub struct ProfileView {
    pub dimensions: Vec<(String, Option<f64>, Option<i64>)>,
    pub strengths: Vec<String>,
    pub weaknesses: Vec<String>,
}

pub(crate) fn profile_of(r: &store::UnitResultRow) -> ProfileView {
    let p: Profile = serde_json::from_str(&r.profile).unwrap_or_default();
    ProfileView {
        dimensions: p.dimensions.into_iter().map(|d| (d.dimension, d.score, d.rank)).collect(),
        strengths: p.strengths,
        weaknesses: p.weaknesses,
    }
}

pub fn result_line(
    lang: Lang,
    f: &Framework,
    units: &[OrgUnit],
    r: &store::UnitResultRow,
) -> ResultLine {
    let p = profile_of(r);
    let names =
        |codes: &[String]| codes.iter().map(|c| name_of(lang, f, c)).collect::<Vec<_>>().join("、");
    ResultLine {
        unit_id: r.org_unit_id,
        unit: unit_name(lang, units, r.org_unit_id),
        rank: r.rank.map_or_else(|| "—".into(), |x| x.to_string()),
        score: r.score.map_or_else(|| "—".into(), |s| format!("{s:.1}")),
        bar: format!("{:.1}", r.score.unwrap_or(0.0).clamp(0.0, 100.0)),
        interval: match (r.rank_low, r.rank_high) {
            (Some(l), Some(h)) => format!("{l:.0}–{h:.0}"),
            _ => "—".into(),
        },
        dimensions: f
            .dimensions
            .iter()
            .map(|d| {
                p.dimensions
                    .iter()
                    .find(|(code, ..)| code == &d.code)
                    .and_then(|(_, s, _)| *s)
                    .map_or_else(|| "—".into(), |s| format!("{s:.1}"))
            })
            .collect(),
        strengths: names(&p.strengths),
        weaknesses: names(&p.weaknesses),
    }
}

/// The dimensions' names, for table heads.
pub(crate) fn dimension_names(lang: Lang, f: &Framework) -> Vec<String> {
    f.dimensions.iter().map(|d| lang.pick(&d.name_zh, &d.name_en).to_string()).collect()
}
