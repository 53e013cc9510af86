//! Vouchers in use: an enterprise applies to an open programme and sees its applications and
//! vouchers (number, verification code, balance); a provider redeems one with the order's
//! evidence and sees its redemptions. A redemption form carries its own request key, so a
//! form sent twice pays once.
use super::vouchers::{
    ApplicationLine, ProgrammeLine, RedemptionLine, application_line, programme_line,
    redemption_line, wan,
};
use super::{own_organisation, refused_on};
use crate::app::AppState;
use crate::auth::{ApplyVouchers, Auth, Ctx, RedeemVouchers, parse_form};
use crate::error::{AppError, AppResult};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Principal;
use innocity_core::projects::money::{Money, Unit};
use innocity_core::sharing::vouchers::SERVICES;
use innocity_store::sharing::{self as store, Redeem, RedemptionQuery};
use serde::Deserialize;

pub fn organisation(ctx: &Ctx, p: &Principal) -> AppResult<i64> {
    own_organisation(p).ok_or_else(|| ctx.err(AppError::forbidden()))
}

pub struct VoucherLine {
    pub number: String,
    pub code: String,
    pub value: String,
    pub balance: String,
    pub status: String,
    pub expires_on: String,
}

#[derive(Template)]
#[template(path = "vouchers_mine.html")]
struct MinePage {
    s: Shell,
    open: Vec<ProgrammeLine>,
    applications: Vec<ApplicationLine>,
    vouchers: Vec<VoucherLine>,
    error: String,
}

async fn mine_page(state: &AppState, ctx: &Ctx, org: i64, error: String) -> AppResult<MinePage> {
    let lang = ctx.lang;
    let today = ctx.today();
    let open = store::programmes(&state.db)
        .await?
        .iter()
        .filter(|p| p.programme.valid_from <= today && today <= p.programme.valid_to)
        .map(|p| programme_line(lang, p))
        .collect();
    let vouchers = store::vouchers_of(&state.db, org)
        .await?
        .into_iter()
        .map(|v| VoucherLine {
            number: v.number,
            code: v.code,
            value: wan(v.value),
            balance: wan(v.balance),
            status: crate::i18n::t(lang, &format!("voucher.v.{}", v.status)).into(),
            expires_on: v.expires_on.to_string(),
        })
        .collect();
    Ok(MinePage {
        s: ctx.shell(),
        open,
        applications: store::applications(&state.db, None, Some(org))
            .await?
            .into_iter()
            .map(|a| application_line(lang, a))
            .collect(),
        vouchers,
        error,
    })
}

/// The enterprise's vouchers page.
pub async fn mine(State(state): State<AppState>, a: Auth<ApplyVouchers>) -> AppResult<Response> {
    let org = organisation(&a.ctx, &a.principal)?;
    Ok(render(&mine_page(&state, &a.ctx, org, String::new()).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ApplyInput {
    /// 万元.
    pub amount_wan: String,
    /// What the vouchers will buy.
    pub purpose: String,
}

pub async fn apply_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    input: &ApplyInput,
) -> AppResult<i64> {
    let org = organisation(ctx, p)?;
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::programme(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let amount = Money::parse(&input.amount_wan, Unit::Wan).map_err(|_| {
        let msg =
            crate::i18n::tf(ctx.lang, "sharing.err.money", &[input.amount_wan.trim().to_string()]);
        crate::subjects::api::invalid(ctx, vec![("amount_wan".into(), msg)])
    })?;
    store::apply(&state.db, id, org, amount, &input.purpose, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "amount_wan", e))
}

pub async fn apply(
    State(state): State<AppState>,
    a: Auth<ApplyVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: ApplyInput = parse_form(ctx, &body)?;
    match apply_as(&state, ctx, &a.principal, &id, &input).await {
        Ok(_) => Ok(Redirect::to("/vouchers/mine#applications").into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let org = organisation(ctx, &a.principal)?;
            let words = e.fields.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join(" ");
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &mine_page(&state, ctx, org, words).await?,
            ))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "vouchers_redeem.html")]
struct RedeemPage {
    s: Shell,
    services: Vec<Choice>,
    form: RedeemInput,
    key: String,
    error: String,
    lines: Vec<RedemptionLine>,
    partner_lines: Vec<RedemptionLine>,
}

/// A provider's redemption as typed. Amounts in 元.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct RedeemInput {
    pub number: String,
    /// The six-digit verification code the enterprise gives.
    pub code: String,
    /// testing, instrument, rd, transfer, ip or certification.
    pub service: String,
    pub order_total_yuan: String,
    /// What the voucher pays; the enterprise pays the rest.
    pub amount_yuan: String,
    /// Contract, invoice and service report numbers.
    pub evidence: String,
    /// Any text unique to this order: a retry with the same key is answered with the first
    /// redemption and pays nothing again.
    pub request_key: String,
    /// The service order it pays (its id), when it pays one: the order total must be the order's
    /// final fee.
    #[serde(default)]
    pub order_id: String,
}

/// A fresh request key for a form: sent twice (a double click), it is one request.
pub(crate) fn new_key() -> String {
    use rand::Rng;
    format!("{:016x}", rand::rng().random::<u64>())
}

async fn redeem_page(
    state: &AppState,
    ctx: &Ctx,
    provider: i64,
    form: RedeemInput,
    error: String,
) -> AppResult<RedeemPage> {
    let lang = ctx.lang;
    let q = RedemptionQuery { provider_id: Some(provider), ..Default::default() };
    Ok(RedeemPage {
        s: ctx.shell(),
        services: SERVICES
            .iter()
            .map(|s| Choice::new(s.0, lang.pick(s.1, s.2), s.0 == form.service))
            .collect(),
        key: if form.request_key.is_empty() { new_key() } else { form.request_key.clone() },
        form,
        error,
        lines: store::redemptions(&state.db, &q)
            .await?
            .into_iter()
            .map(|r| redemption_line(lang, r))
            .collect(),
        partner_lines: store::partner_redemptions(&state.db, 0, provider)
            .await?
            .into_iter()
            .map(|r| super::exchange::partner_redemption_line(lang, r))
            .collect(),
    })
}

#[derive(Deserialize, Default)]
pub struct RedeemQuery {
    /// A completed service order of the provider to pay with a voucher.
    pub order: Option<i64>,
}

/// The redemption form; for one of the provider's completed orders, filled in from it.
pub async fn redeem_form(
    State(state): State<AppState>,
    a: Auth<RedeemVouchers>,
    axum::extract::Query(q): axum::extract::Query<RedeemQuery>,
) -> AppResult<Response> {
    let provider = organisation(&a.ctx, &a.principal)?;
    let mut form = RedeemInput::default();
    if let Some(id) = q.order {
        let o = store::order(&state.db, id)
            .await?
            .filter(|o| o.provider_id == provider)
            .ok_or_else(|| a.ctx.err(AppError::not_found()))?;
        form.order_id = o.id.to_string();
        form.service = o.service_kind.clone();
        form.order_total_yuan = o.fee.map(|f| f.yuan_text().replace(',', "")).unwrap_or_default();
        form.evidence =
            format!("服务订单 #{}：{}；{}", o.id, o.service, o.report_name.unwrap_or_default());
    }
    Ok(render(&redeem_page(&state, &a.ctx, provider, form, String::new()).await?))
}

/// The redemption as typed, checked field by field.
fn redeem_input(ctx: &Ctx, p: &Principal, input: &RedeemInput) -> AppResult<Redeem> {
    let provider = organisation(ctx, p)?;
    let yuan = |field: &str, text: &str| {
        Money::parse(text, Unit::Yuan).map_err(|_| {
            let msg = crate::i18n::tf(ctx.lang, "sharing.err.money", &[text.trim().to_string()]);
            crate::subjects::api::invalid(ctx, vec![(field.to_string(), msg)])
        })
    };
    if input.request_key.trim().is_empty() || input.request_key.len() > 64 {
        let msg = crate::i18n::t(ctx.lang, "err.required").to_string();
        return Err(crate::subjects::api::invalid(ctx, vec![("request_key".into(), msg)]));
    }
    let r = Redeem {
        number: input.number.trim().to_string(),
        code: input.code.trim().to_string(),
        provider_id: provider,
        service: input.service.trim().to_string(),
        order_total: yuan("order_total_yuan", &input.order_total_yuan)?,
        amount: yuan("amount_yuan", &input.amount_yuan)?,
        evidence: input.evidence.trim().to_string(),
        request_key: format!("{provider}:{}", input.request_key.trim()),
        booking_id: None,
        order_id: match input.order_id.trim() {
            "" => None,
            id => Some(id.parse().map_err(|_| {
                let msg = crate::i18n::tf(ctx.lang, "sharing.err.number_only", &[id.to_string()]);
                crate::subjects::api::invalid(ctx, vec![("order_id".into(), msg)])
            })?),
        },
        used_on: None,
    };
    if r.evidence.is_empty() {
        let msg = crate::i18n::t(ctx.lang, "err.required").to_string();
        return Err(crate::subjects::api::invalid(ctx, vec![("evidence".into(), msg)]));
    }
    Ok(r)
}

pub async fn redeem_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    input: &RedeemInput,
) -> AppResult<store::RedemptionRow> {
    let r = redeem_input(ctx, p, input)?;
    store::redeem(&state.db, &r, ctx.actor()).await.map_err(|e| refused_on(ctx, "number", e))
}

/// A partner region's voucher redeemed here (通用通兑): the same form, the partner's rules.
pub async fn redeem_partner_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    input: &RedeemInput,
) -> AppResult<store::PartnerRedemptionRow> {
    let r = redeem_input(ctx, p, input)?;
    store::redeem_partner(&state.db, &r, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "number", e))
}

pub async fn redeem(
    State(state): State<AppState>,
    a: Auth<RedeemVouchers>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: RedeemInput = parse_form(ctx, &body)?;
    // one form for both: a partner region's voucher goes by the partner's roster
    let done = if store::is_partner_voucher(&state.db, &input.number).await? {
        redeem_partner_as(&state, ctx, &a.principal, &input).await.map(|_| "#partner-redemptions")
    } else {
        redeem_as(&state, ctx, &a.principal, &input).await.map(|_| "#redemptions")
    };
    match done {
        Ok(anchor) => Ok(Redirect::to(&format!("/vouchers/redeem{anchor}")).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let provider = organisation(ctx, &a.principal)?;
            let words = e.fields.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join(" ");
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &redeem_page(&state, ctx, provider, input, words).await?,
            ))
        }
        Err(e) => Err(e),
    }
}
