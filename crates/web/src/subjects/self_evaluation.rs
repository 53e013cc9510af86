//! An enterprise's self-evaluation (organisation admin): 科技型中小企业评价 and the 高企 pre-check
//! with the figures the platform already holds filled in and their source shown; the enterprise
//! corrects or adds the rest and sees the result rule by rule, saved with an audit entry.
use super::fields::{self, FieldRow};
use super::results::{ResultView, hnte_view, sme_view};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, SelfEvaluate, format_time};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::market::offering::own_organisation;
use crate::page::{Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use innocity_core::subjects::draft::{HnteDraft, SmeDraft, hnte_draft, sme_draft};
use innocity_core::subjects::{hnte, sme};
use innocity_store::subjects::{self as store, Kind, NewEvaluation};
use std::collections::HashMap;

/// What the platform holds of the caller's organisation, as the two drafts.
pub struct Drafts {
    pub organisation_id: i64,
    pub credit_code: String,
    pub years: [i32; 3],
    pub sme: SmeDraft,
    pub hnte: HnteDraft,
}

/// The drafts of the caller's organisation from its returns, certificate and credit records.
pub async fn drafts(state: &AppState, ctx: &Ctx, organisation_id: i64) -> AppResult<Drafts> {
    let org = innocity_store::orgs::get(&state.db, organisation_id)
        .await?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let today = ctx.today();
    let years = store::accounting_years(today);
    let returns = store::return_years(&state.db, Some(org.id), years)
        .await?
        .remove(&org.id)
        .unwrap_or_else(|| store::no_returns(years));
    let holdings = store::holdings(&state.db, org.id, &org.credit_code, today).await?;
    Ok(Drafts {
        organisation_id: org.id,
        credit_code: org.credit_code,
        years,
        sme: sme_draft(&returns[2], &holdings),
        hnte: hnte_draft(&returns, &holdings),
    })
}

/// A saved evaluation in the history list.
struct HistoryLine {
    when: String,
    kind: String,
    verdict: String,
    score: String,
    by: String,
}

#[derive(Template)]
#[template(path = "subjects_self_evaluation.html")]
struct SelfEvaluationPage {
    s: Shell,
    years: String,
    sme_fields: Vec<FieldRow>,
    hnte_fields: Vec<FieldRow>,
    sme_result: Option<ResultView>,
    hnte_result: Option<ResultView>,
    /// Which form was sent and refused (its errors shown).
    refused: String,
    history: Vec<HistoryLine>,
    /// The organisation's certificates: kind, number, valid until, `expired`/`soon`/empty.
    certificates: Vec<(String, String, String, &'static str)>,
}

/// What one sent form left: its errors, or its result.
#[derive(Default)]
struct Outcome {
    kind: Option<Kind>,
    errors: HashMap<String, String>,
    result: Option<ResultView>,
}

async fn page_with(
    state: &AppState,
    ctx: &Ctx,
    mut d: Drafts,
    outcome: Outcome,
) -> AppResult<SelfEvaluationPage> {
    let lang = ctx.lang;
    let none = HashMap::new();
    let errors_of = |k: Kind| if outcome.kind == Some(k) { &outcome.errors } else { &none };
    let history = store::evaluations_of(&state.db, d.organisation_id, 10)
        .await?
        .into_iter()
        .map(|e| HistoryLine {
            when: format_time(lang, e.evaluated_at),
            kind: t(lang, &format!("subj.kind.{}", e.kind.code())).to_string(),
            verdict: t(lang, &format!("subj.verdict.{}", e.verdict)).to_string(),
            score: if e.score_min == e.score_max {
                e.score_min.to_string()
            } else {
                format!("{}–{}", e.score_min, e.score_max)
            },
            by: e.evaluated_by,
        })
        .collect();
    let (sme_result, hnte_result) = match outcome.kind {
        Some(Kind::Sme) => (outcome.result, None),
        Some(Kind::Hnte) => (None, outcome.result),
        None => (None, None),
    };
    let refused = match outcome.kind {
        Some(k) if !outcome.errors.is_empty() => k.code().to_string(),
        _ => String::new(),
    };
    let certificates = super::certificates::of_organisation(state, ctx, d.organisation_id).await?;
    Ok(SelfEvaluationPage {
        certificates,
        s: ctx.shell(),
        years: format!("{}–{}", d.years[0], d.years[2]),
        sme_fields: fields::rows(
            lang,
            fields::sme_slots(&mut d.sme),
            d.years,
            errors_of(Kind::Sme),
        ),
        hnte_fields: fields::rows(
            lang,
            fields::hnte_slots(&mut d.hnte),
            d.years,
            errors_of(Kind::Hnte),
        ),
        sme_result,
        hnte_result,
        refused,
        history,
    })
}

/// The self-evaluation page with the platform's figures.
pub async fn page(State(state): State<AppState>, a: Auth<SelfEvaluate>) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let d = drafts(&state, ctx, org).await?;
    Ok(render(&page_with(&state, ctx, d, Outcome::default()).await?))
}

/// Missing figures and staff counts that cannot be: messages by field.
fn completeness(
    lang: crate::i18n::Lang,
    missing: &[String],
    staff: Option<(u32, u32)>,
) -> HashMap<String, String> {
    let mut errors: HashMap<String, String> =
        missing.iter().map(|m| (m.clone(), t(lang, "subj.err.missing").to_string())).collect();
    if let Some((employees, tech)) = staff.filter(|(e, t)| t > e) {
        errors.insert(
            "tech_staff".into(),
            crate::i18n::tf(lang, "subj.err.staff", &[tech.to_string(), employees.to_string()]),
        );
    }
    errors
}

/// An evaluation made: what to save and what to show.
struct Done {
    inputs: String,
    verdict: &'static str,
    outcome: innocity_store::subjects::Outcome,
    score: [String; 2],
    view: ResultView,
}

/// Runs the rules on a complete draft, or names what is missing or impossible.
fn run(
    lang: crate::i18n::Lang,
    kind: Kind,
    d: &mut Drafts,
) -> Result<Done, HashMap<String, String>> {
    use innocity_core::subjects::draft::Figure;
    let staff = |e: &Figure<u32>, t: &Figure<u32>| e.value.zip(t.value);
    match kind {
        Kind::Sme => match d.sme.complete() {
            Ok(input) if input.tech_staff <= input.employees => {
                let r = sme::evaluate(&input);
                Ok(Done {
                    inputs: store::sme_inputs_json(&d.credit_code, &input),
                    verdict: if r.eligible { "eligible" } else { "not_eligible" },
                    outcome: store::sme_outcome(&r),
                    score: [r.score.to_string(), r.score.to_string()],
                    view: sme_view(lang, &input, &r),
                })
            }
            Ok(_) => Err(completeness(lang, &[], staff(&d.sme.employees, &d.sme.tech_staff))),
            Err(missing) => {
                let missing: Vec<String> = missing.iter().map(|m| m.to_string()).collect();
                Err(completeness(lang, &missing, None))
            }
        },
        Kind::Hnte => match d.hnte.complete() {
            Some(input) if input.tech_staff <= input.employees => {
                let r = hnte::evaluate(&input);
                Ok(Done {
                    inputs: store::hnte_inputs_json(&d.credit_code, &input),
                    verdict: r.verdict.code(),
                    outcome: store::hnte_outcome(&r),
                    score: r.score.map(|s| s.to_decimal()),
                    view: hnte_view(lang, &input, &r),
                })
            }
            Some(_) => Err(completeness(lang, &[], staff(&d.hnte.employees, &d.hnte.tech_staff))),
            None => Err(completeness(
                lang,
                &fields::missing(fields::hnte_slots(&mut d.hnte.clone())),
                None,
            )),
        },
    }
}

/// Evaluates the sent figures of one kind, saves the evaluation and shows the result.
pub async fn evaluate(
    State(state): State<AppState>,
    a: Auth<SelfEvaluate>,
    Path(kind): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let kind = Kind::parse(&kind).ok_or_else(|| ctx.err(AppError::not_found()))?;
    let org = own_organisation(ctx, &a.principal)?;
    let form: HashMap<String, String> = crate::auth::parse_form(ctx, &body)?;
    let mut d = drafts(&state, ctx, org).await?;
    let mut errors = match kind {
        Kind::Sme => fields::read(lang, fields::sme_slots(&mut d.sme), &form),
        Kind::Hnte => fields::read(lang, fields::hnte_slots(&mut d.hnte), &form),
    };
    let mut outcome = Outcome { kind: Some(kind), ..Outcome::default() };
    if errors.is_empty() {
        match run(lang, kind, &mut d) {
            Ok(done) => {
                let e = NewEvaluation {
                    organisation_id: org,
                    kind,
                    accounting_year: d.years[2],
                    inputs: &done.inputs,
                    verdict: done.verdict,
                    outcome: &done.outcome,
                    score: done.score,
                };
                store::save(&state.db, &e, ctx.actor()).await?;
                outcome.result = Some(done.view);
            }
            Err(e) => errors = e,
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    outcome.errors = errors;
    let page = page_with(&state, ctx, d, outcome).await?;
    Ok(render_status(status, &page))
}
