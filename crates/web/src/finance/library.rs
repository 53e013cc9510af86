//! The policy library's pages: the list everyone reads, a policy's text and its
//! rule with the facts a rule may name; for the bureau the new-policy form, a changed rule (a new
//! version), running the policy for a year and recording payments made by application.
use super::refused_on;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManagePolicies, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::orgs::parse_id;
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use innocity_core::access::Capability;
use innocity_core::finance::policy::{FACTS, FactUnit, PolicyRule};
use innocity_core::projects::money::{Money, Unit};
use innocity_store::finance::policies::{self as store, PolicyInput, PolicyRow};
use innocity_store::finance::runs as store_runs;
use serde::Deserialize;

/// The new-policy form (every field as typed; caps in 万元, empty for none).
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct PolicyForm {
    pub code: String,
    pub title: String,
    pub issuer: String,
    pub doc_number: String,
    /// YYYY-MM-DD.
    pub issued_on: String,
    pub effective_from: String,
    pub effective_to: String,
    pub body: String,
    pub eligible: String,
    pub amount: String,
    pub firm_cap: String,
    pub programme_cap: String,
}

fn field(ctx: &Ctx, name: &str, key: &str) -> AppError {
    crate::subjects::api::invalid(ctx, vec![(name.to_string(), t(ctx.lang, key).to_string())])
}

pub(super) fn date(ctx: &Ctx, name: &str, text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| field(ctx, name, "policy.err.date"))
}

/// A cap in 万元 as typed: empty is none.
pub(super) fn cap(ctx: &Ctx, name: &str, text: &str) -> AppResult<Option<Money>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Money::parse(text, Unit::Wan).map(Some).map_err(|_| field(ctx, name, "policy.err.money"))
}

impl PolicyForm {
    /// The rule as typed (caps in 万元).
    fn rule(&self, ctx: &Ctx) -> AppResult<PolicyRule> {
        Ok(PolicyRule {
            eligible: self.eligible.clone(),
            amount: self.amount.clone(),
            firm_cap: cap(ctx, "firm_cap", &self.firm_cap)?,
            programme_cap: cap(ctx, "programme_cap", &self.programme_cap)?,
        })
    }

    pub(super) fn input(&self, ctx: &Ctx, rule: PolicyRule) -> AppResult<PolicyInput> {
        Ok(PolicyInput {
            code: self.code.trim().to_string(),
            title: self.title.clone(),
            issuer: self.issuer.clone(),
            doc_number: self.doc_number.clone(),
            issued_on: date(ctx, "issued_on", &self.issued_on)?,
            effective_from: date(ctx, "effective_from", &self.effective_from)?,
            effective_to: date(ctx, "effective_to", &self.effective_to)?,
            body: self.body.clone(),
            rule,
        })
    }
}

/// Adds a policy (the page's and the API's way); its id.
pub(super) async fn create_as(state: &AppState, ctx: &Ctx, input: &PolicyInput) -> AppResult<i64> {
    store::create(&state.db, input, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

/// A fact a rule may name, as the reference table shows it.
pub struct FactLine {
    pub code: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    pub source: &'static str,
}

pub fn fact_lines(lang: Lang) -> Vec<FactLine> {
    FACTS
        .iter()
        .map(|f| FactLine {
            code: f.code,
            name: lang.pick(f.name_zh, f.name_en),
            unit: t(
                lang,
                match f.unit {
                    FactUnit::Wan => "policy.wan",
                    FactUnit::Count => "policy.unit.count",
                    FactUnit::Flag => "policy.unit.flag",
                },
            ),
            source: t(lang, &format!("policy.source.{}", f.source.code())),
        })
        .collect()
}

/// A policy as the list shows it.
pub struct PolicyLine {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub issuer: String,
    pub doc_number: String,
    pub period: String,
    pub firm_cap: String,
}

fn period(p: &PolicyRow) -> String {
    format!("{} — {}", p.effective_from.format("%Y-%m-%d"), p.effective_to.format("%Y-%m-%d"))
}

fn cap_text(lang: Lang, m: Option<Money>) -> String {
    m.map_or_else(
        || t(lang, "policy.no_cap").to_string(),
        |m| format!("{} {}", m.wan_text(), t(lang, "policy.wan")),
    )
}

#[derive(Template)]
#[template(path = "finance_policies.html")]
struct ListPage {
    s: Shell,
    policies: Vec<PolicyLine>,
    may_manage: bool,
}

/// The policy library: open to everyone (policies are public documents, and their rules show
/// anyone how entitlements are worked out); bureau staff also manage them here.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let lang = ctx.lang;
    let policies = store::list(&state.db)
        .await?
        .into_iter()
        .map(|p| PolicyLine {
            id: p.id,
            period: period(&p),
            firm_cap: cap_text(lang, p.rule.firm_cap),
            code: p.code,
            title: p.title,
            issuer: p.issuer,
            doc_number: p.doc_number,
        })
        .collect();
    let may_manage = may_manage(&ctx);
    Ok(render(&ListPage { s: ctx.shell(), policies, may_manage }))
}

#[derive(Template)]
#[template(path = "finance_policy_form.html")]
struct FormPage {
    s: Shell,
    form: PolicyForm,
    facts: Vec<FactLine>,
    errors: Vec<(String, String)>,
}

impl FormPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
    fn rule_form(&self) -> &PolicyForm {
        &self.form
    }
}

pub async fn new_form(a: Auth<ManagePolicies>) -> AppResult<Response> {
    let ctx = &a.ctx;
    let form = PolicyForm {
        eligible: "#{HNTE_NEW} == 1 && #{BAD_CREDIT} == 0".into(),
        ..Default::default()
    };
    Ok(render(&FormPage { s: ctx.shell(), form, facts: fact_lines(ctx.lang), errors: vec![] }))
}

pub async fn create(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let form: PolicyForm = parse_form(ctx, &body)?;
    let made = async {
        let input = form.input(ctx, form.rule(ctx)?)?;
        create_as(&state, ctx, &input).await
    };
    match made.await {
        Ok(id) => Ok(Redirect::to(&format!("/finance/policies/{id}")).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let page = FormPage {
                s: ctx.shell(),
                form,
                facts: fact_lines(ctx.lang),
                errors: e.fields.clone(),
            };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

/// A run as a policy's page lists it.
pub struct RunLine {
    pub id: i64,
    pub year: i32,
    pub version: i64,
    pub status: &'static str,
    pub status_code: &'static str,
    pub entitled: i64,
    pub total: String,
}

/// What the bureau's forms on a policy's page hold after a refused submission.
#[derive(Default)]
pub struct BureauForms {
    pub rule: PolicyForm,
    pub errors: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "finance_policy.html")]
struct ViewPage {
    s: Shell,
    p: PolicyRow,
    body: Vec<String>,
    firm_cap: String,
    programme_cap: String,
    period: String,
    facts: Vec<FactLine>,
    may_manage: bool,
    runs: Vec<RunLine>,
    years: Vec<Choice>,
    forms: BureauForms,
}

impl ViewPage {
    fn error(&self, field: &str) -> String {
        let e = &self.forms.errors;
        e.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
    fn rule_form(&self) -> &PolicyForm {
        &self.forms.rule
    }
}

/// The completed years a policy may be run for (the latest first).
pub fn run_years(p: &PolicyRow, today: NaiveDate) -> Vec<i32> {
    (p.effective_from.year()..=p.effective_to.year().min(today.year() - 1)).rev().collect()
}

fn may_manage(ctx: &Ctx) -> bool {
    ctx.principal.as_ref().is_some_and(|p| p.role.allows(Capability::ManagePolicies))
}

async fn view_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    forms: Option<BureauForms>,
) -> AppResult<ViewPage> {
    let lang = ctx.lang;
    let id = parse_id(ctx, id)?;
    let p = store::get(&state.db, id).await.map_err(|e| ctx.err(e.into()))?;
    let may_manage = may_manage(ctx);
    let runs = if may_manage { store_runs::runs_of(&state.db, id).await? } else { vec![] };
    let runs = runs
        .into_iter()
        .map(|r| RunLine {
            id: r.id,
            year: r.year,
            version: r.version,
            status: super::run_status_label(lang, r.status),
            status_code: r.status.code(),
            entitled: r.entitled,
            total: r.total.wan_text(),
        })
        .collect();
    let years = run_years(&p, ctx.today()).into_iter().map(|y| Choice::new(y, y, false)).collect();
    let forms = forms.unwrap_or_else(|| BureauForms {
        rule: PolicyForm {
            eligible: p.rule.eligible.clone(),
            amount: p.rule.amount.clone(),
            firm_cap: p.rule.firm_cap.map(Money::wan_exact).unwrap_or_default(),
            programme_cap: p.rule.programme_cap.map(Money::wan_exact).unwrap_or_default(),
            ..Default::default()
        },
        errors: vec![],
    });
    Ok(ViewPage {
        s: ctx.shell(),
        body: p.body.lines().map(str::to_string).collect(),
        firm_cap: cap_text(lang, p.rule.firm_cap),
        programme_cap: cap_text(lang, p.rule.programme_cap),
        period: period(&p),
        p,
        facts: fact_lines(lang),
        may_manage,
        runs,
        years,
        forms,
    })
}

/// A policy: its text and rule for everyone, its runs for bureau staff.
pub async fn view(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    Ok(render(&view_page(&state, &ctx, &id, None).await?))
}

/// Saves a changed rule as the policy's next version (the page's and the API's way).
pub(super) async fn save_rule_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    rule: &PolicyRule,
) -> AppResult<i64> {
    let id = parse_id(ctx, id)?;
    store::get(&state.db, id).await.map_err(|e| ctx.err(e.into()))?;
    store::save_rule(&state.db, id, rule, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

pub async fn save_rule(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let form: PolicyForm = parse_form(ctx, &body)?;
    let saved = async { save_rule_as(&state, ctx, &id, &form.rule(ctx)?).await };
    match saved.await {
        Ok(_) => Ok(Redirect::to(&format!("/finance/policies/{id}#rule")).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let forms = BureauForms { rule: form, errors: e.fields.clone() };
            let page = view_page(&state, ctx, &id, Some(forms)).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

/// Runs a policy for a year (the page's and the API's way); the run's id.
pub(super) async fn run_as(state: &AppState, ctx: &Ctx, id: &str, year: &str) -> AppResult<i64> {
    let id = parse_id(ctx, id)?;
    store::get(&state.db, id).await.map_err(|e| ctx.err(e.into()))?;
    let year: i32 = year.trim().parse().map_err(|_| field(ctx, "year", "err.choose"))?;
    store_runs::run(&state.db, id, year, ctx.actor()).await.map_err(|e| refused_on(ctx, e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RunForm {
    pub year: String,
}

pub async fn run(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let f: RunForm = parse_form(&a.ctx, &body)?;
    let run = run_as(&state, &a.ctx, &id, &f.year).await?;
    Ok(Redirect::to(&format!("/finance/runs/{run}")).into_response())
}

/// A payment made the old way: the enterprise (by credit code), the year, the amount in 万元 and
/// the reference of the payment.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApplicationForm {
    pub credit_code: String,
    pub year: String,
    pub amount: String,
    pub reference: String,
}

pub(super) async fn application_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    credit_code: &str,
    year: i32,
    amount: Money,
    reference: &str,
) -> AppResult<()> {
    let id = parse_id(ctx, id)?;
    let org = innocity_store::orgs::by_credit_code(&state.db, credit_code.trim())
        .await?
        .ok_or_else(|| field(ctx, "credit_code", "policy.err.credit_code"))?;
    innocity_store::finance::payments::record_application(
        &state.db,
        id,
        year,
        org.id,
        amount,
        reference,
        ctx.actor(),
    )
    .await
    .map_err(|e| refused_on(ctx, e))
}

pub async fn application(
    State(state): State<AppState>,
    a: Auth<ManagePolicies>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ApplicationForm = parse_form(ctx, &body)?;
    let year: i32 = f.year.trim().parse().map_err(|_| field(ctx, "year", "err.choose"))?;
    let amount =
        cap(ctx, "amount", &f.amount)?.ok_or_else(|| field(ctx, "amount", "err.required"))?;
    application_as(&state, ctx, &id, &f.credit_code, year, amount, &f.reference).await?;
    Ok(Redirect::to(&format!("/finance/policies/{id}#applications")).into_response())
}
