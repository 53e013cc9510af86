//! The bureau's voucher programmes: open one, and on its page see the ledger (and whether it
//! balances), grant or refuse applications, verify or reject redemptions, settle a month, expire
//! what is past its validity, and claw back a fraudulent redemption.
use super::refused_on;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageVouchers, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::page::{Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::projects::money::{Money, Unit};
use innocity_core::sharing::vouchers::{Ledger, ProgrammeForm, SERVICES};
use innocity_store::sharing::{self as store, ProgrammeRow, RedemptionQuery};
use serde::Deserialize;

/// Money in 万元 as the pages show it.
pub fn wan(m: Money) -> String {
    m.wan_text()
}

pub fn services_text(lang: Lang, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| SERVICES.iter().find(|s| s.0 == c).map_or(c.as_str(), |s| lang.pick(s.1, s.2)))
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

pub struct ProgrammeLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub year: i32,
    pub budget: String,
    pub unissued: String,
    pub caps: String,
    pub copay: u32,
    pub services: String,
    pub period: String,
    pub tech_sme: bool,
}

pub fn programme_line(lang: Lang, p: &ProgrammeRow) -> ProgrammeLine {
    let g = &p.programme;
    ProgrammeLine {
        id: p.id,
        code: g.code.clone(),
        name: g.name.clone(),
        year: g.year,
        budget: wan(g.budget),
        unissued: wan(p.unissued()),
        caps: format!("{} / {}", wan(g.per_application), wan(g.per_enterprise)),
        copay: g.copay_percent,
        services: services_text(lang, &g.services),
        period: format!("{} — {}", g.valid_from, g.valid_to),
        tech_sme: g.eligibility == innocity_core::sharing::vouchers::Eligibility::TechSme,
    }
}

/// A text field of the programme form: its name, label key and value.
struct ProgrammeField {
    name: &'static str,
    label: String,
    value: String,
}

#[derive(Template)]
#[template(path = "vouchers_programmes.html")]
struct ProgrammesPage {
    s: Shell,
    lines: Vec<ProgrammeLine>,
    form: ProgrammeForm,
    errors: Vec<(String, String)>,
}

impl ProgrammesPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }

    /// The form's text fields.
    fn fields(&self) -> Vec<ProgrammeField> {
        let f = &self.form;
        [
            ("code", &f.code),
            ("name", &f.name),
            ("year", &f.year),
            ("budget_wan", &f.budget_wan),
            ("per_application_wan", &f.per_application_wan),
            ("per_enterprise_wan", &f.per_enterprise_wan),
            ("copay_percent", &f.copay_percent),
            ("services", &f.services),
            ("valid_from", &f.valid_from),
            ("valid_to", &f.valid_to),
        ]
        .into_iter()
        .map(|(name, v)| ProgrammeField {
            name,
            label: format!("voucher.f.{name}"),
            value: v.clone(),
        })
        .collect()
    }
}

async fn programmes_page(
    state: &AppState,
    ctx: &Ctx,
    form: ProgrammeForm,
    errors: Vec<(String, String)>,
) -> AppResult<ProgrammesPage> {
    let lines =
        store::programmes(&state.db).await?.iter().map(|p| programme_line(ctx.lang, p)).collect();
    Ok(ProgrammesPage { s: ctx.shell(), lines, form, errors })
}

pub async fn page(State(state): State<AppState>, a: Auth<ManageVouchers>) -> AppResult<Response> {
    let year = a.ctx.clock.year();
    let form = ProgrammeForm {
        year: year.to_string(),
        copay_percent: "30".into(),
        per_application_wan: "2".into(),
        per_enterprise_wan: "10".into(),
        services: "testing,instrument,rd".into(),
        eligibility: "tech_sme".into(),
        valid_from: format!("{year}-01-01"),
        valid_to: format!("{year}-12-31"),
        ..ProgrammeForm::default()
    };
    Ok(render(&programmes_page(&state, &a.ctx, form, vec![]).await?))
}

/// Opens a programme from the form.
pub async fn create(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let form: ProgrammeForm = parse_form(ctx, &body)?;
    let errors = match form.parse() {
        Ok(p) => match store::create_programme(&state.db, &p, "", ctx.actor()).await {
            Ok(id) => return Ok(Redirect::to(&format!("/vouchers/{id}")).into_response()),
            Err(innocity_store::StoreError::Sharing(r)) => {
                vec![("code".to_string(), super::refusal_text(ctx.lang, &r))]
            }
            Err(e) => return Err(e.into()),
        },
        Err(problems) => crate::orgs::field_messages(ctx.lang, &problems),
    };
    let page = programmes_page(&state, ctx, form, errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub struct LedgerLine {
    pub label: &'static str,
    pub amount: String,
}

pub fn ledger_lines(lang: Lang, l: &Ledger) -> Vec<LedgerLine> {
    [
        ("voucher.l.budget", l.budget),
        ("voucher.l.issued", l.issued),
        ("voucher.l.unissued", l.unissued()),
        ("voucher.l.balance", l.balance),
        ("voucher.l.pending", l.pending),
        ("voucher.l.redeemed", l.redeemed),
        ("voucher.l.exchanged", l.exchanged),
        ("voucher.l.expired", l.expired),
        ("voucher.l.recovered", l.recovered),
    ]
    .into_iter()
    .map(|(k, m)| LedgerLine { label: t(lang, k), amount: wan(m) })
    .collect()
}

pub struct ApplicationLine {
    pub id: i64,
    pub organisation: String,
    pub requested: String,
    pub purpose: String,
    pub status: String,
    pub status_code: String,
    pub granted: String,
    pub reason: String,
}

pub fn application_line(lang: Lang, a: store::ApplicationRow) -> ApplicationLine {
    ApplicationLine {
        id: a.id,
        organisation: a.organisation,
        requested: wan(a.requested),
        purpose: a.purpose,
        status: t(lang, &format!("voucher.app.{}", a.status)).into(),
        status_code: a.status,
        granted: wan(a.granted),
        reason: a.reason,
    }
}

pub struct RedemptionLine {
    pub id: i64,
    pub voucher: String,
    pub enterprise: String,
    pub provider: String,
    pub service: String,
    pub order_total: String,
    pub amount: String,
    pub evidence: String,
    pub status: String,
    pub status_code: String,
    pub reason: String,
}

pub fn redemption_line(lang: Lang, r: store::RedemptionRow) -> RedemptionLine {
    RedemptionLine {
        id: r.id,
        voucher: r.voucher,
        enterprise: r.enterprise,
        provider: r.provider,
        service: services_text(lang, std::slice::from_ref(&r.service)),
        order_total: r.order_total.yuan_text(),
        amount: r.amount.yuan_text(),
        evidence: r.evidence,
        status: t(lang, &format!("voucher.r.{}", r.status)).into(),
        status_code: r.status,
        reason: r.reason,
    }
}

#[derive(Template)]
#[template(path = "vouchers_programme.html")]
struct ProgrammePage {
    s: Shell,
    p: ProgrammeLine,
    ledger: Vec<LedgerLine>,
    balanced: bool,
    applications: Vec<ApplicationLine>,
    redemptions: Vec<RedemptionLine>,
    settlements: Vec<(String, String, i64)>,
    month: String,
    vouchers: usize,
}

async fn programme_of(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<ProgrammeRow> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::programme(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

/// A programme's page.
pub async fn view(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let p = programme_of(&state, ctx, &id).await?;
    let ledger = store::ledger(&state.db, p.id).await?;
    let q = RedemptionQuery { programme_id: Some(p.id), ..Default::default() };
    Ok(render(&ProgrammePage {
        s: ctx.shell(),
        ledger: ledger_lines(lang, &ledger),
        balanced: ledger.holds() && ledger.unissued() == p.unissued(),
        applications: store::applications(&state.db, Some(p.id), None)
            .await?
            .into_iter()
            .map(|a| application_line(lang, a))
            .collect(),
        redemptions: store::redemptions(&state.db, &q)
            .await?
            .into_iter()
            .map(|r| redemption_line(lang, r))
            .collect(),
        settlements: store::settlements(&state.db, p.id)
            .await?
            .into_iter()
            .map(|s| (s.month, wan(s.total), s.redemptions))
            .collect(),
        month: ctx.today().format("%Y%m").to_string(),
        vouchers: store::vouchers_in(&state.db, p.id).await?.len(),
        p: programme_line(lang, &p),
    }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct GrantInput {
    /// grant or refuse.
    pub decision: String,
    /// 万元, at most what was asked (for a grant).
    #[serde(default)]
    pub amount_wan: String,
    /// Required to refuse.
    #[serde(default)]
    pub reason: String,
}

/// Grants or refuses an application; the voucher is issued with a grant.
pub async fn decide_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    g: &GrantInput,
) -> AppResult<Option<i64>> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::application(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let grant = match g.decision.as_str() {
        "grant" => Some(Money::parse(&g.amount_wan, Unit::Wan).map_err(|_| {
            let msg =
                crate::i18n::tf(ctx.lang, "sharing.err.money", &[g.amount_wan.trim().to_string()]);
            crate::subjects::api::invalid(ctx, vec![("amount_wan".into(), msg)])
        })?),
        "refuse" => None,
        _ => {
            let msg = t(ctx.lang, "err.choose").to_string();
            return Err(crate::subjects::api::invalid(ctx, vec![("decision".into(), msg)]));
        }
    };
    store::decide_application(&state.db, id, grant, &g.reason, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "amount_wan", e))
}

pub async fn decide(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let g: GrantInput = parse_form(&a.ctx, &body)?;
    decide_as(&state, &a.ctx, &id, &g).await?;
    let app = store::application(&state.db, id.parse().unwrap_or_default()).await?;
    Ok(Redirect::to(&format!("/vouchers/{}#applications", app.map_or(0, |a| a.programme_id)))
        .into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct VerifyInput {
    /// verify or reject.
    pub decision: String,
    /// Required to reject.
    #[serde(default)]
    pub reason: String,
}

impl VerifyInput {
    /// Whether it verifies (or rejects); anything else is named on `decision`.
    pub fn verifies(&self, ctx: &Ctx) -> AppResult<bool> {
        match self.decision.as_str() {
            "verify" => Ok(true),
            "reject" => Ok(false),
            _ => Err(super::choose_one(ctx, "decision")),
        }
    }
}

pub async fn verify_as(state: &AppState, ctx: &Ctx, id: &str, v: &VerifyInput) -> AppResult<i64> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let r =
        store::redemption(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let ok = v.verifies(ctx)?;
    store::verify(&state.db, id, ok, &v.reason, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "reason", e))?;
    Ok(r.programme_id)
}

pub async fn verify(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let v: VerifyInput = parse_form(&a.ctx, &body)?;
    let programme = verify_as(&state, &a.ctx, &id, &v).await?;
    Ok(Redirect::to(&format!("/vouchers/{programme}#redemptions")).into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ReasonInput {
    pub reason: String,
}

pub async fn claw_back_as(state: &AppState, ctx: &Ctx, id: &str, reason: &str) -> AppResult<i64> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let r =
        store::redemption(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    store::claw_back(&state.db, id, reason, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "reason", e))?;
    Ok(r.programme_id)
}

pub async fn claw_back(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let input: ReasonInput = parse_form(&a.ctx, &body)?;
    let programme = claw_back_as(&state, &a.ctx, &id, &input.reason).await?;
    Ok(Redirect::to(&format!("/vouchers/{programme}#redemptions")).into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct SettleInput {
    /// `YYYYMM`.
    pub month: String,
    /// The verified redemptions to settle; all verified ones when empty.
    #[serde(default)]
    pub redemptions: Vec<i64>,
}

pub async fn settle_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    s: &SettleInput,
) -> AppResult<store::SettlementRow> {
    let p = programme_of(state, ctx, id).await?;
    let month_ok = s.month.len() == 6
        && chrono::NaiveDate::parse_from_str(&format!("{}01", s.month), "%Y%m%d").is_ok();
    if !month_ok {
        let msg =
            crate::i18n::tf(ctx.lang, "voucher.err.month_text", std::slice::from_ref(&s.month));
        return Err(crate::subjects::api::invalid(ctx, vec![("month".into(), msg)]));
    }
    let ids = (!s.redemptions.is_empty()).then_some(s.redemptions.as_slice());
    store::settle(&state.db, p.id, &s.month, ids, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "month", e))
}

#[derive(Deserialize, Default)]
pub struct SettleForm {
    pub month: String,
}

pub async fn settle(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let f: SettleForm = parse_form(&a.ctx, &body)?;
    settle_as(&state, &a.ctx, &id, &SettleInput { month: f.month, redemptions: vec![] }).await?;
    Ok(Redirect::to(&format!("/vouchers/{id}#settlements")).into_response())
}

pub async fn expire_as(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<usize> {
    let p = programme_of(state, ctx, id).await?;
    store::expire(&state.db, p.id, ctx.actor()).await.map_err(|e| ctx.err(e.into()))
}

pub async fn expire(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    expire_as(&state, &a.ctx, &id).await?;
    Ok(Redirect::to(&format!("/vouchers/{id}")).into_response())
}
