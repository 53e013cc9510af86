//! The registry of platforms and carriers (bureau and zones): the list in scope with its counts
//! by kind and level, registering one (its host in the caller's area), and one carrier's page
//! with its partners, its annual figures from the host's ZT-1/ZT-2 returns and its grades.
use super::api::{reach, unit_choices};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageSubjects, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::subjects::carriers::{CarrierInput, KINDS, LEVELS, STATUSES};
use innocity_store::StoreError;
use innocity_store::subjects::carriers::{self as store, Carrier, CarrierQuery, CarrierRefusal};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams, Default)]
pub struct CarriersQuery {
    /// An org unit's code (default: the caller's whole scope).
    pub unit: Option<String>,
    /// A kind: key_lab, engineering_centre, enterprise_centre, new_rd, academician, incubator,
    /// maker_space, alliance or iur_base.
    pub kind: Option<String>,
    /// national, provincial or city.
    pub level: Option<String>,
    /// active, warned or removed.
    pub status: Option<String>,
    /// Part of the name, the host's name or the field.
    pub q: Option<String>,
}

impl CarriersQuery {
    pub fn store(&self, within: Vec<String>) -> CarrierQuery {
        CarrierQuery {
            within,
            kind: self.kind.clone(),
            level: self.level.clone(),
            status: self.status.clone(),
            text: self.q.clone(),
        }
    }
}

/// A kind's name in the user's language.
pub fn kind_name(lang: Lang, kind: &str) -> String {
    KINDS.iter().find(|k| k.0 == kind).map_or(kind, |k| lang.pick(k.1, k.2)).to_string()
}

/// The words of a carrier refusal, by the field it concerns.
pub fn refusal(lang: Lang, r: &CarrierRefusal) -> (String, String) {
    use CarrierRefusal as R;
    let (field, message) = match r {
        R::Unknown { field, credit_code } => {
            (*field, tf(lang, "carrier.err.unknown", std::slice::from_ref(credit_code)))
        }
        R::HostOutOfScope { credit_code } => {
            ("host_credit_code", tf(lang, "carrier.err.scope", std::slice::from_ref(credit_code)))
        }
        R::Taken { name } => ("name", tf(lang, "carrier.err.taken", std::slice::from_ref(name))),
        R::Started => ("kind", t(lang, "carrier.err.started").to_string()),
        R::NoneToEvaluate => ("kind", t(lang, "carrier.err.none").to_string()),
        R::ExpertsFirst => ("year", t(lang, "carrier.err.experts_first").to_string()),
        R::Graded => ("year", t(lang, "carrier.err.graded").to_string()),
        R::ReasonNeeded { suggested } => (
            "note",
            tf(
                lang,
                "carrier.err.reason",
                &[t(lang, &format!("carrier.grade.{suggested}")).into()],
            ),
        ),
        R::Grade => ("grade", t(lang, "carrier.err.grade").to_string()),
        R::Removed => ("grade", t(lang, "carrier.err.removed").to_string()),
    };
    (field.to_string(), message)
}

/// Runs a carrier change, turning its refusal into a 422 naming the field.
pub fn change<T>(ctx: &Ctx, r: Result<T, StoreError>) -> AppResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(StoreError::Carriers(c)) => Err(super::api::invalid(ctx, vec![refusal(ctx.lang, &c)])),
        Err(e) => Err(e.into()),
    }
}

/// A carrier the caller may see (its host in the caller's area), else not found.
pub async fn own_carrier(
    state: &AppState,
    ctx: &Ctx,
    scope: &innocity_core::access::Scope,
    id: &str,
) -> AppResult<Carrier> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let path = reach(state, ctx, scope, None).await?;
    store::carrier(&state.db, id)
        .await?
        .filter(|c| innocity_core::orgs::in_area(&path, &c.unit_path))
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

pub struct CarrierLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub host: String,
    pub field: String,
    pub recognised_on: String,
    pub status: String,
    pub status_code: String,
}

pub fn line(lang: Lang, c: &Carrier) -> CarrierLine {
    CarrierLine {
        id: c.id,
        code: c.code(),
        name: c.name.clone(),
        kind: kind_name(lang, &c.kind),
        level: t(lang, &format!("carrier.level.{}", c.level)).to_string(),
        host: c.host.clone(),
        field: c.field.clone(),
        recognised_on: super::talent::day(lang, c.recognised_on),
        status: t(lang, &format!("carrier.status.{}", c.status)).to_string(),
        status_code: c.status.clone(),
    }
}

/// A row of the counts table: a kind and its carriers per level.
pub struct CountLine {
    pub kind: String,
    pub by_level: Vec<i64>,
    pub total: i64,
}

/// The counts by kind (rows) and level (columns), kinds without carriers left out.
pub fn count_lines(lang: Lang, counts: &[store::Count]) -> Vec<CountLine> {
    KINDS
        .iter()
        .filter_map(|k| {
            let by_level: Vec<i64> = LEVELS
                .iter()
                .map(|l| {
                    counts.iter().filter(|c| c.kind == k.0 && c.level == *l).map(|c| c.count).sum()
                })
                .collect();
            let total: i64 = by_level.iter().sum();
            (total > 0).then(|| CountLine {
                kind: lang.pick(k.1, k.2).to_string(),
                by_level,
                total,
            })
        })
        .collect()
}

/// Choices of the kinds, levels and statuses, the chosen one selected.
pub fn kind_choices(lang: Lang, chosen: &str) -> Vec<Choice> {
    KINDS.iter().map(|k| Choice::new(k.0, lang.pick(k.1, k.2), k.0 == chosen)).collect()
}

pub fn level_choices(lang: Lang, chosen: &str) -> Vec<Choice> {
    LEVELS
        .iter()
        .map(|l| Choice::new(l, t(lang, &format!("carrier.level.{l}")), *l == chosen))
        .collect()
}

fn status_choices(lang: Lang, chosen: &str) -> Vec<Choice> {
    STATUSES
        .iter()
        .map(|s| Choice::new(s, t(lang, &format!("carrier.status.{s}")), *s == chosen))
        .collect()
}

#[derive(Template)]
#[template(path = "subjects_carriers.html")]
struct CarriersPage {
    s: Shell,
    units: Vec<Choice>,
    kinds: Vec<Choice>,
    levels: Vec<Choice>,
    statuses: Vec<Choice>,
    q: String,
    level_names: Vec<String>,
    counts: Vec<CountLine>,
    lines: Vec<CarrierLine>,
    input: CarrierInput,
    new_kinds: Vec<Choice>,
    new_levels: Vec<Choice>,
    errors: Vec<(String, String)>,
    today: String,
}

impl CarriersPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

async fn page_with(
    state: &AppState,
    a: &Auth<ManageSubjects>,
    q: &CarriersQuery,
    input: CarrierInput,
    errors: Vec<(String, String)>,
) -> AppResult<CarriersPage> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let path = reach(state, ctx, &a.principal.scope, q.unit.as_deref()).await?;
    let year = chrono::Datelike::year(&ctx.today());
    let counts = store::counts(&state.db, &path, year).await?;
    let found = store::carriers(&state.db, &q.store(path)).await?;
    Ok(CarriersPage {
        s: ctx.shell(),
        units: unit_choices(state, lang, &a.principal.scope, q.unit.as_deref()).await?,
        kinds: kind_choices(lang, q.kind.as_deref().unwrap_or_default()),
        levels: level_choices(lang, q.level.as_deref().unwrap_or_default()),
        statuses: status_choices(lang, q.status.as_deref().unwrap_or_default()),
        q: q.q.clone().unwrap_or_default(),
        level_names: LEVELS.iter().map(|l| t(lang, &format!("carrier.level.{l}")).into()).collect(),
        counts: count_lines(lang, &counts),
        lines: found.iter().map(|c| line(lang, c)).collect(),
        new_kinds: kind_choices(lang, &input.kind),
        new_levels: level_choices(lang, &input.level),
        input,
        errors,
        today: ctx.today().to_string(),
    })
}

/// The carriers in scope with their counts, and the form to register one.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Query(q): Query<CarriersQuery>,
) -> AppResult<Response> {
    Ok(render(&page_with(&state, &a, &q, CarrierInput::default(), vec![]).await?))
}

/// Registers a carrier typed into the page's form.
pub async fn register(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: CarrierInput = parse_form(ctx, &body)?;
    let errors = match input.check(ctx.today()) {
        Ok(c) => {
            let path = reach(&state, ctx, &a.principal.scope, None).await?;
            match store::register(&state.db, &c, &path, ctx.actor()).await {
                Ok(id) => {
                    return Ok(Redirect::to(&format!("/subjects/carriers/{id}")).into_response());
                }
                Err(StoreError::Carriers(r)) => vec![refusal(ctx.lang, &r)],
                Err(e) => return Err(e.into()),
            }
        }
        Err(problems) => crate::orgs::field_messages(ctx.lang, &problems),
    };
    let page = page_with(&state, &a, &CarriersQuery::default(), input, errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// A year's figures on the carrier page: the element's name, its value with its unit.
pub struct FigureLine {
    pub period: String,
    pub status: String,
    pub figures: Vec<(String, String)>,
}

/// The carrier's annual figures, each element named from the statistics catalogue.
pub async fn figure_lines(state: &AppState, ctx: &Ctx, c: &Carrier) -> AppResult<Vec<FigureLine>> {
    let lang = ctx.lang;
    let cat = crate::stats::catalogue(state, ctx).await?;
    let order = |code: &str| {
        let form =
            cat.form(innocity_core::subjects::carriers::form_of(&c.kind).unwrap_or_default());
        form.and_then(|f| f.elements.iter().position(|e| e == code)).unwrap_or(usize::MAX)
    };
    Ok(store::annual_returns(&state.db, c)
        .await?
        .into_iter()
        .map(|mut r| {
            r.values.sort_by_key(|(code, _)| order(code));
            r
        })
        .map(|r| FigureLine {
            period: r.period,
            status: t(lang, &format!("status.{}", r.status)).to_string(),
            figures: r
                .values
                .iter()
                .map(|(code, v)| match cat.element(code) {
                    Some(e) => (
                        lang.pick(&e.name_zh, &e.name_en).to_string(),
                        format!("{} {}", crate::stats::number(*v), e.unit),
                    ),
                    None => (code.clone(), crate::stats::number(*v)),
                })
                .collect(),
        })
        .collect())
}

pub struct GradeLine {
    pub year: i64,
    pub mean: String,
    pub grade: String,
    pub grade_code: String,
    pub consequence: String,
    pub note: String,
}

pub fn grade_lines(lang: Lang, grades: &[store::GradeRow]) -> Vec<GradeLine> {
    grades
        .iter()
        .map(|g| GradeLine {
            year: g.year,
            mean: g.mean_score.map(|m| format!("{m:.1}")).unwrap_or_else(|| "—".into()),
            grade: t(lang, &format!("carrier.grade.{}", g.grade)).to_string(),
            grade_code: g.grade.clone(),
            consequence: t(lang, &format!("carrier.consequence.{}", g.consequence)).to_string(),
            note: g.note.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "subjects_carrier.html")]
struct CarrierPage {
    s: Shell,
    c: CarrierLine,
    host_id: i64,
    host_credit_code: String,
    partners: Vec<store::Partner>,
    figures: Vec<FigureLine>,
    grades: Vec<GradeLine>,
    form: String,
}

/// One carrier: host, partners, annual figures, grades.
pub async fn view(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = own_carrier(&state, ctx, &a.principal.scope, &id).await?;
    let partners = store::partners(&state.db, c.id).await?;
    let figures = figure_lines(&state, ctx, &c).await?;
    let grades = grade_lines(ctx.lang, &store::grades(&state.db, c.id).await?);
    Ok(render(&CarrierPage {
        s: ctx.shell(),
        form: innocity_core::subjects::carriers::form_of(&c.kind).unwrap_or_default().into(),
        c: line(ctx.lang, &c),
        host_id: c.host_id,
        host_credit_code: c.host_credit_code.clone(),
        partners,
        figures,
        grades,
    }))
}
