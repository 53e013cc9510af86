//! The bureau's side of a campaign: the list and the form that opens one (the built-in
//! framework with the campaign's weights), the campaign's page — framework, units' reports,
//! evaluators, results, objections — and its steps.
use super::{
    CampaignLine, ResultLine, campaign_line, campaign_of, dimension_names, evaluated_units,
    refused_on, result_line, unit_name,
};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageEvaluations, format_time, parse_form};
use crate::error::AppResult;
use crate::i18n::{t, tf};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_core::evaluation::{BUILT_IN, Framework, ItemKind};
use innocity_core::experts::scoring::Method;
use innocity_store::StoreError;
use innocity_store::evaluation::EvaluationRefusal;
use innocity_store::evaluation::{self as store, Campaign, NewCampaign};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// A weight of the campaign: a dimension's (of 100) or an item's (of 100 within its dimension).
#[derive(Deserialize, ToSchema, Clone, Debug)]
pub struct WeightInput {
    pub code: String,
    pub weight: f64,
}

/// A new campaign on the built-in framework (seed 003's four dimensions).
#[derive(Deserialize, ToSchema, Clone, Debug, Default)]
pub struct CampaignInput {
    /// 2026年度创新型县区评价.
    pub title: String,
    pub year: i32,
    /// `county` or `zone`.
    pub level: String,
    /// The last day units report (YYYY-MM-DD, today or later).
    pub report_until: String,
    /// How evaluators' scores combine: mean, trimmed or standardised.
    pub method: String,
    /// Weights that differ from the framework's; the rest stay.
    #[serde(default)]
    pub weights: Vec<WeightInput>,
    /// The campaign's own framework as TOML (dimensions and items, as the built-in one is
    /// written); empty: the built-in one, seed 003's four dimensions.
    #[serde(default)]
    pub framework: String,
}

/// Checks the input field by field (each problem named where it is), then opens the campaign.
pub async fn create_as(state: &AppState, ctx: &Ctx, i: &CampaignInput) -> AppResult<i64> {
    let lang = ctx.lang;
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut bad = |field: &str, key: &str, args: &[String]| {
        errors.push((field.into(), tf(lang, key, args)));
    };
    let title = i.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        bad("title", "eval.err.title", &[]);
    }
    let this = ctx.clock.year();
    if !(2000..=this + 1).contains(&i.year) {
        bad("year", "eval.err.year", &[i.year.to_string(), (this + 1).to_string()]);
    }
    if !matches!(i.level.as_str(), "county" | "zone") {
        bad("level", "err.choose", &[]);
    }
    let until = NaiveDate::parse_from_str(i.report_until.trim(), "%Y-%m-%d").ok();
    match until {
        Some(d) if d >= ctx.today() => {}
        _ => bad("report_until", "eval.err.report_until", std::slice::from_ref(&i.report_until)),
    }
    if Method::parse(&i.method).is_none() {
        bad("method", "err.choose", &[]);
    }
    let text = if i.framework.trim().is_empty() { BUILT_IN } else { i.framework.as_str() };
    let f = match Framework::from_toml(text) {
        Ok(f) => Some(f),
        Err(problems) => {
            // Every rule it breaks, so the bureau fixes them in one go.
            let words: Vec<String> = problems
                .into_iter()
                .map(|p| {
                    let (key, args) =
                        crate::error::refusals::evaluation(&EvaluationRefusal::Framework(vec![p]));
                    tf(lang, key, &args)
                })
                .collect();
            bad("framework", "eval.err.framework", &[words.join(" ")]);
            None
        }
    };
    // Weights are checked against a framework that reads (a refused one has said enough).
    let unknown = |f: &Framework, code: &str| {
        !f.dimensions.iter().any(|d| d.code == code) && f.item(code).is_none()
    };
    for w in &i.weights {
        if f.as_ref().is_some_and(|f| unknown(f, &w.code)) || !w.weight.is_finite() {
            bad(
                &format!("w_{}", w.code),
                "eval.err.weight",
                &[w.code.clone(), w.weight.to_string()],
            );
        }
    }
    if !errors.is_empty() {
        return Err(crate::subjects::api::invalid(ctx, errors));
    }
    let weights: Vec<(String, f64)> =
        i.weights.iter().map(|w| (w.code.clone(), w.weight)).collect();
    let new = NewCampaign {
        year: i.year,
        title,
        level: &i.level,
        framework: text,
        weights: &weights,
        report_until: until.unwrap_or_default(),
        method: &i.method,
    };
    match store::create(&state.db, &new, ctx.actor()).await {
        Ok(id) => Ok(id),
        Err(StoreError::Duplicate(_)) => Err(crate::subjects::api::invalid(
            ctx,
            vec![("title".into(), tf(lang, "eval.err.title_taken", &[title.into()]))],
        )),
        Err(e) => Err(refused_on(ctx, "weights", e)),
    }
}

/// A dimension with its items, as the form and the campaign's page show them.
pub struct DimensionLine {
    pub code: String,
    pub name: String,
    pub weight: String,
    pub items: Vec<ItemLine>,
}

pub struct ItemLine {
    pub code: String,
    pub name: String,
    pub weight: String,
    pub qualitative: bool,
    /// Where the value comes from, or the scale.
    pub source: String,
}

/// A weight as people write it: at most two decimals, no trailing zeros (20, 33.33).
fn weight_text(w: f64) -> String {
    let s = format!("{w:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub(crate) fn dimension_lines(lang: crate::i18n::Lang, f: &Framework) -> Vec<DimensionLine> {
    f.dimensions
        .iter()
        .map(|d| DimensionLine {
            code: d.code.clone(),
            name: lang.pick(&d.name_zh, &d.name_en).into(),
            weight: weight_text(d.weight),
            items: f
                .items
                .iter()
                .filter(|i| i.dimension == d.code)
                .map(|i| ItemLine {
                    code: i.code.clone(),
                    name: lang.pick(&i.name_zh, &i.name_en).into(),
                    weight: weight_text(i.weight),
                    qualitative: i.kind == ItemKind::Qualitative,
                    source: match i.kind {
                        ItemKind::Qualitative => tf(
                            lang,
                            "eval.scale",
                            &[format!("{}", i.max_score.unwrap_or_default())],
                        ),
                        ItemKind::Quantitative => i.source.clone().unwrap_or_default(),
                    },
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "evaluation_list.html")]
struct ListPage {
    s: Shell,
    campaigns: Vec<CampaignLine>,
    dimensions: Vec<DimensionLine>,
    form: HashMap<String, String>,
    methods: Vec<Choice>,
    levels: Vec<Choice>,
    errors: Vec<(String, String)>,
}

impl ListPage {
    fn value(&self, field: &str) -> String {
        self.form.get(field).cloned().unwrap_or_default()
    }
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
    fn messages(&self) -> Vec<crate::page::FieldMessage> {
        crate::page::FieldMessage::list(&self.errors)
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    form: HashMap<String, String>,
    errors: Vec<(String, String)>,
) -> AppResult<ListPage> {
    let lang = ctx.lang;
    let campaigns =
        store::campaigns(&state.db).await?.iter().map(|c| campaign_line(lang, c)).collect();
    let method = form.get("method").cloned().unwrap_or_default();
    let level = form.get("level").cloned().unwrap_or_default();
    Ok(ListPage {
        s: ctx.shell(),
        campaigns,
        dimensions: dimension_lines(lang, &Framework::built_in()),
        methods: Method::ALL
            .iter()
            .map(|m| {
                Choice::new(
                    m.code(),
                    t(lang, &format!("reviews.method.{}", m.code())),
                    m.code() == method,
                )
            })
            .collect(),
        levels: ["county", "zone"]
            .iter()
            .map(|l| Choice::new(l, super::level_name(lang, l), *l == level))
            .collect(),
        form,
        errors,
    })
}

/// The campaigns and the form that opens one.
pub async fn list(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let year = ctx.clock.year();
    let mut form: HashMap<String, String> = HashMap::new();
    form.insert("title".into(), tf(ctx.lang, "eval.default_title", &[year.to_string()]));
    form.insert("year".into(), year.to_string());
    form.insert("level".into(), "county".into());
    form.insert("method".into(), "trimmed".into());
    form.insert("report_until".into(), (ctx.today() + chrono::Days::new(30)).to_string());
    for d in &Framework::built_in().dimensions {
        form.insert(format!("w_{}", d.code), format!("{}", d.weight));
    }
    Ok(render(&list_page(&state, ctx, form, vec![]).await?))
}

/// The form's fields as the API's input (dimension weights from `w_<code>`).
fn input_of(
    ctx: &Ctx,
    form: &HashMap<String, String>,
) -> Result<CampaignInput, Vec<(String, String)>> {
    let field = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = Vec::new();
    let year = field("year").parse::<i32>().unwrap_or_else(|_| {
        let last = (ctx.clock.year() + 1).to_string();
        errors.push(("year".into(), tf(ctx.lang, "eval.err.year", &[field("year"), last])));
        0
    });
    let mut weights = Vec::new();
    let framework = field("framework");
    // An imported framework carries its own weights; the form's fields are the built-in's.
    let built_in = if framework.is_empty() { Framework::built_in().dimensions } else { vec![] };
    for d in &built_in {
        let key = format!("w_{}", d.code);
        match field(&key).parse::<f64>() {
            Ok(w) => weights.push(WeightInput { code: d.code.clone(), weight: w }),
            Err(_) => errors.push((
                key.clone(),
                tf(ctx.lang, "eval.err.weight", &[d.code.clone(), field(&key)]),
            )),
        }
    }
    match errors.is_empty() {
        true => Ok(CampaignInput {
            title: field("title"),
            year,
            level: field("level"),
            report_until: field("report_until"),
            method: field("method"),
            weights,
            framework,
        }),
        false => Err(errors),
    }
}

/// Opens a campaign from the form; refused fields come back beside what was typed.
pub async fn create(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let form: HashMap<String, String> = parse_form(ctx, &body)?;
    let errors = match input_of(ctx, &form) {
        Ok(i) => match create_as(&state, ctx, &i).await {
            Ok(id) => return Ok(Redirect::to(&format!("/evaluation/{id}")).into_response()),
            Err(e) if !e.fields.is_empty() => e.fields,
            Err(e) => return Err(e),
        },
        Err(errors) => errors,
    };
    let page = list_page(&state, ctx, form, errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// Where each unit stands: how many items it reported, with how many files, and how many
/// scores it has.
pub struct UnitStatus {
    pub name: String,
    pub reported: usize,
    pub evidence: usize,
    pub scores: Option<usize>,
}

pub struct EvaluatorLine {
    pub name: String,
    pub role: String,
    pub scores: usize,
}

pub struct ObjectionLine {
    pub id: i64,
    pub unit: String,
    pub body: String,
    pub filed: String,
    pub answer: String,
    pub answered: bool,
}

#[derive(Template)]
#[template(path = "evaluation_campaign.html")]
struct CampaignPage {
    s: Shell,
    c: CampaignLine,
    method: String,
    qualitative: usize,
    dimensions: Vec<DimensionLine>,
    units: Vec<UnitStatus>,
    evaluators: Vec<EvaluatorLine>,
    candidates: Vec<Choice>,
    dimension_names: Vec<String>,
    results: Vec<ResultLine>,
    objections: Vec<ObjectionLine>,
    objections_default: String,
    public: bool,
}

/// Where each evaluated unit stands.
async fn unit_statuses(
    state: &AppState,
    ctx: &Ctx,
    c: &Campaign,
    scores: &[store::ScoreRow],
) -> AppResult<Vec<UnitStatus>> {
    let lang = ctx.lang;
    let reports = store::reports(&state.db, c.id, None).await?;
    let evidence = store::evidence(&state.db, c.id).await?;
    Ok(evaluated_units(state, c)
        .await?
        .iter()
        .map(|u| {
            let own: Vec<i64> =
                reports.iter().filter(|r| r.org_unit_id == u.id).map(|r| r.id).collect();
            UnitStatus {
                name: lang.pick(&u.name_zh, &u.name_en).into(),
                reported: own.len(),
                evidence: evidence.iter().filter(|e| own.contains(&e.report_id)).count(),
                // Not while scoring: a bureau officer who also scores would read the blind
                // numbers off the counts.
                scores: match c.stage {
                    store::Stage::Scoring => None,
                    _ => Some(scores.iter().filter(|s| s.org_unit_id == u.id).count()),
                },
            }
        })
        .collect())
}

/// The campaign's page for the bureau.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let c = campaign_of(&state, ctx, &id).await?;
    let f = c.framework()?;
    let units = state.units().await?;
    let scores = store::scores(&state.db, c.id, None).await?;
    let statuses = unit_statuses(&state, ctx, &c, &scores).await?;
    let invited = store::evaluators(&state.db, c.id).await?;
    let evaluators = invited
        .iter()
        .map(|e| EvaluatorLine {
            name: e.display_name.clone(),
            role: t(lang, &format!("role.{}", e.role)).into(),
            scores: scores.iter().filter(|s| s.evaluator_id == e.user_id).count(),
        })
        .collect();
    let candidates = store::candidates(&state.db)
        .await?
        .into_iter()
        .filter(|u| !invited.iter().any(|e| e.user_id == u.user_id))
        .map(|u| {
            let role = t(lang, &format!("role.{}", u.role));
            Choice::new(u.user_id, format!("{}（{role}）", u.display_name), false)
        })
        .collect();
    let results = store::results(&state.db, c.id)
        .await?
        .iter()
        .map(|r| result_line(lang, &f, &units, r))
        .collect();
    let objections = store::objections(&state.db, c.id)
        .await?
        .into_iter()
        .map(|o| ObjectionLine {
            id: o.id,
            unit: unit_name(lang, &units, o.org_unit_id),
            filed: format_time(lang, o.filed_at),
            answered: o.answered_at.is_some(),
            body: o.body,
            answer: o.answer,
        })
        .collect();
    Ok(render(&CampaignPage {
        s: ctx.shell(),
        c: campaign_line(lang, &c),
        method: t(lang, &format!("reviews.method.{}", c.method)).into(),
        qualitative: f.qualitative().count(),
        dimensions: dimension_lines(lang, &f),
        units: statuses,
        evaluators,
        candidates,
        dimension_names: dimension_names(lang, &f),
        results,
        objections,
        objections_default: (ctx.today() + chrono::Days::new(7)).to_string(),
        public: c.public,
    }))
}

/// An evaluator to invite (an account id).
#[derive(Deserialize, ToSchema, Default)]
pub struct InviteInput {
    pub user_id: i64,
}

pub async fn invite_as(
    state: &AppState,
    ctx: &Ctx,
    c: &Campaign,
    i: &InviteInput,
) -> AppResult<()> {
    store::invite(&state.db, c, i.user_id, ctx.actor()).await.map_err(|e| match e {
        StoreError::NotFound => crate::subjects::api::invalid(
            ctx,
            vec![("user_id".into(), t(ctx.lang, "err.choose").into())],
        ),
        e => refused_on(ctx, "user_id", e),
    })
}

fn back(c: &Campaign, anchor: &str) -> Response {
    Redirect::to(&format!("/evaluation/{}#{anchor}", c.id)).into_response()
}

pub async fn invite(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let form: HashMap<String, String> = parse_form(ctx, &body)?;
    let user_id = form.get("user_id").and_then(|v| v.parse().ok()).unwrap_or(0);
    invite_as(&state, ctx, &c, &InviteInput { user_id }).await?;
    Ok(back(&c, "evaluators"))
}

pub async fn start_scoring(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let _: HashMap<String, String> = parse_form(ctx, &body)?;
    let c = campaign_of(&state, ctx, &id).await?;
    store::start_scoring(&state.db, &c, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "stage", e))?;
    Ok(back(&c, "stage"))
}

/// How many samples the sensitivity analysis of a campaign's results draws.
pub const SENSITIVITY_RUNS: usize = 200;

/// The results go out: the last day units may object.
#[derive(Deserialize, ToSchema, Default)]
pub struct ReleaseInput {
    /// YYYY-MM-DD, today or later.
    pub objections_until: String,
}

pub async fn release_as(
    state: &AppState,
    ctx: &Ctx,
    c: &Campaign,
    i: &ReleaseInput,
) -> AppResult<usize> {
    let Ok(until) = NaiveDate::parse_from_str(i.objections_until.trim(), "%Y-%m-%d") else {
        return Err(crate::subjects::api::invalid(
            ctx,
            vec![("objections_until".into(), tf(ctx.lang, "eval.err.objections_day", &[]))],
        ));
    };
    store::release_results(&state.db, c, until, SENSITIVITY_RUNS, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "objections_until", e))
}

pub async fn release(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let i = ReleaseInput {
        objections_until: parse_form::<HashMap<String, String>>(ctx, &body)?
            .remove("objections_until")
            .unwrap_or_default(),
    };
    release_as(&state, ctx, &c, &i).await?;
    Ok(back(&c, "results"))
}

/// Publishing the bulletin; `public` shows the ranking on the public site.
#[derive(Deserialize, ToSchema, Default)]
pub struct PublishInput {
    #[serde(default)]
    pub public: bool,
}

pub async fn publish(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let form: HashMap<String, String> = parse_form(ctx, &body)?;
    let public = form.get("public").is_some_and(|v| v == "1" || v == "on");
    store::publish(&state.db, &c, public, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "stage", e))?;
    Ok(back(&c, "stage"))
}

/// The bureau's answer to an objection.
#[derive(Deserialize, ToSchema, Default)]
pub struct AnswerInput {
    pub answer: String,
}

pub async fn answer_as(
    state: &AppState,
    ctx: &Ctx,
    c: &Campaign,
    objection: &str,
    i: &AnswerInput,
) -> AppResult<()> {
    let objection: i64 =
        objection.parse().map_err(|_| ctx.err(crate::error::AppError::not_found()))?;
    store::answer(&state.db, c, objection, &i.answer, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "answer", e))
}

pub async fn answer(
    State(state): State<AppState>,
    a: Auth<ManageEvaluations>,
    Path((id, objection)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = campaign_of(&state, ctx, &id).await?;
    let answer =
        parse_form::<HashMap<String, String>>(ctx, &body)?.remove("answer").unwrap_or_default();
    answer_as(&state, ctx, &c, &objection, &AnswerInput { answer }).await?;
    Ok(back(&c, "objections"))
}
