//! The directory of service providers (科技服务机构名录): registered providers with what they
//! offer, their accreditations and ratings, searchable by anyone; a provider's page with its
//! catalogue of services and the order form; the bureau's register, where profiles wait to be
//! registered and providers are suspended with a reason.
use super::{parse_id, refused_on};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageVouchers, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal, Scope};
use innocity_core::sharing::services::{ACCREDITATIONS, average};
use innocity_core::sharing::vouchers::SERVICES;
use innocity_store::sharing::{self as store, ProviderQuery, ProviderRow, ProviderStatus};
use serde::Deserialize;
use utoipa::IntoParams;

pub const PAGE_SIZE: i64 = 20;

/// The words of a service kind.
pub fn kind_name(lang: Lang, code: &str) -> String {
    SERVICES
        .iter()
        .find(|s| s.0 == code)
        .map_or_else(|| t(lang, "provider.kind.other").to_string(), |s| lang.pick(s.1, s.2).into())
}

pub fn kind_choices(lang: Lang, chosen: &[String]) -> Vec<Choice> {
    SERVICES
        .iter()
        .map(|s| (s.0, lang.pick(s.1, s.2).to_string()))
        .chain([("other", t(lang, "provider.kind.other").to_string())])
        .map(|(code, label)| Choice::new(code, label, chosen.iter().any(|c| c == code)))
        .collect()
}

pub fn accreditation_name(lang: Lang, code: &str) -> String {
    ACCREDITATIONS.iter().find(|a| a.0 == code).map_or(code, |a| lang.pick(a.1, a.2)).into()
}

/// A rating as words: 4.6 分（12 条评价）, or none yet.
pub fn rating_text(lang: Lang, sum: i64, count: i64) -> String {
    match average(sum, count) {
        Some(avg) => tf(lang, "provider.rating", &[format!("{avg:.1}"), count.to_string()]),
        None => t(lang, "provider.no_rating").into(),
    }
}

/// A provider as the directory lists it.
pub struct ProviderLine {
    pub id: i64,
    pub name: String,
    pub summary: String,
    pub kinds: String,
    pub services: i64,
    pub rating: String,
    pub status_code: &'static str,
    pub status: String,
}

pub fn provider_line(lang: Lang, p: &ProviderRow) -> ProviderLine {
    let summary: String = p.profile.summary.chars().take(80).collect();
    ProviderLine {
        id: p.organisation_id,
        name: p.name.clone(),
        summary,
        kinds: p.profile.kinds.iter().map(|k| kind_name(lang, k)).collect::<Vec<_>>().join("、"),
        services: p.services,
        rating: rating_text(lang, p.rating_sum, p.ratings),
        status_code: p.status.code(),
        status: t(lang, &format!("provider.status.{}", p.status.code())).into(),
    }
}

#[derive(Deserialize, IntoParams, Default)]
pub struct DirectoryQuery {
    /// Part of the name or the description.
    pub q: Option<String>,
    /// A service kind: testing, instrument, rd, transfer, ip, certification or other.
    pub kind: Option<String>,
    /// 1-based.
    pub page: Option<i64>,
}

impl DirectoryQuery {
    pub fn to_store(&self, status: Option<ProviderStatus>) -> ProviderQuery {
        let page = self.page.unwrap_or(1).clamp(1, 10_000);
        ProviderQuery {
            text: self.q.clone(),
            kind: self.kind.clone(),
            status,
            limit: PAGE_SIZE,
            offset: (page - 1) * PAGE_SIZE,
        }
    }
}

#[derive(Template)]
#[template(path = "providers_directory.html")]
struct DirectoryPage {
    s: Shell,
    q: String,
    kinds: Vec<Choice>,
    total: i64,
    lines: Vec<ProviderLine>,
    page: i64,
    pages: i64,
    prev: String,
    next: String,
    can_offer: bool,
    can_order: bool,
    can_register: bool,
}

/// The public directory: registered providers, by name, twenty to a page.
pub async fn directory(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DirectoryQuery>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let (rows, total) =
        store::providers(&state.db, &q.to_store(Some(ProviderStatus::Registered))).await?;
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |p: i64| {
        let pairs = [
            ("q", q.q.clone().unwrap_or_default()),
            ("kind", q.kind.clone().unwrap_or_default()),
            ("page", p.to_string()),
        ];
        format!("/providers?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
    };
    let may = |c: Capability| ctx.principal.as_ref().is_some_and(|p| p.role.allows(c));
    let chosen: Vec<String> = q.kind.iter().cloned().collect();
    Ok(render(&DirectoryPage {
        q: q.q.clone().unwrap_or_default(),
        kinds: kind_choices(lang, &chosen),
        total,
        lines: rows.iter().map(|p| provider_line(lang, p)).collect(),
        page,
        pages,
        prev: if page > 1 { link(page - 1) } else { String::new() },
        next: if page < pages { link(page + 1) } else { String::new() },
        can_offer: may(Capability::ShareInstruments),
        can_order: may(Capability::BookInstruments),
        can_register: may(Capability::ManageVouchers),
        s: ctx.shell(),
    }))
}

/// Whether the principal speaks for the provider (its own staff) or the bureau (the register).
pub fn sees_any_state(p: Option<&Principal>, organisation_id: i64) -> bool {
    p.is_some_and(|p| {
        p.role.allows(Capability::ManageVouchers)
            || (p.role.allows(Capability::ShareInstruments)
                && p.scope == Scope::Organisation(organisation_id))
    })
}

/// A provider anyone may see (registered), or one the principal may see in any state; else
/// not found.
pub async fn visible_provider(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<ProviderRow> {
    let id = parse_id(ctx, id)?;
    store::provider(&state.db, id)
        .await?
        .filter(|p| {
            p.status == ProviderStatus::Registered || sees_any_state(ctx.principal.as_ref(), id)
        })
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

pub struct AccreditationLine {
    pub id: i64,
    pub kind: String,
    pub number: String,
    pub scope: String,
    pub valid_until: String,
    pub valid: bool,
}

pub async fn accreditation_lines(
    state: &AppState,
    ctx: &Ctx,
    organisation_id: i64,
) -> AppResult<Vec<AccreditationLine>> {
    let today = ctx.today();
    Ok(store::accreditations(&state.db, organisation_id)
        .await?
        .into_iter()
        .map(|a| AccreditationLine {
            id: a.id,
            valid: a.item.valid_on(today),
            kind: accreditation_name(ctx.lang, &a.item.kind),
            number: a.item.number,
            scope: a.item.scope,
            valid_until: a.item.valid_until.format("%Y-%m-%d").to_string(),
        })
        .collect())
}

/// A service as a catalogue lists it.
pub struct ServiceLine {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub price: String,
    pub turnaround: String,
    pub active: bool,
}

pub fn service_line(lang: Lang, s: &store::ServiceRow) -> ServiceLine {
    let i = &s.item;
    let price = match i.price {
        Some(p) => {
            let each = format!("{}/{}", super::yuan(lang, p), i.unit);
            if i.price_rule.is_empty() { each } else { format!("{each}（{}）", i.price_rule) }
        }
        None => i.price_rule.clone(),
    };
    ServiceLine {
        id: s.id,
        name: i.name.clone(),
        kind: kind_name(lang, &i.kind),
        description: i.description.clone(),
        price,
        turnaround: tf(lang, "provider.days", &[i.turnaround_days.to_string()]),
        active: s.active,
    }
}

pub struct RatingLine {
    pub stars: String,
    pub comment: String,
    pub customer: String,
    pub subject: String,
    pub when: String,
}

pub async fn rating_lines(
    state: &AppState,
    ctx: &Ctx,
    provider_id: i64,
) -> AppResult<Vec<RatingLine>> {
    Ok(store::ratings(&state.db, provider_id, 20)
        .await?
        .into_iter()
        .map(|r| RatingLine {
            stars: stars(r.score),
            comment: r.comment,
            customer: r.customer,
            subject: r.subject,
            when: super::when(ctx, r.rated_at),
        })
        .collect())
}

pub fn stars(score: i64) -> String {
    let n = score.clamp(0, 5) as usize;
    format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
}

#[derive(Template)]
#[template(path = "providers_view.html")]
struct ProviderPage {
    s: Shell,
    p: ProviderLine,
    address: String,
    contact: String,
    phone: String,
    full_summary: String,
    accreditations: Vec<AccreditationLine>,
    services: Vec<ServiceLine>,
    ratings: Vec<RatingLine>,
    can_order: bool,
    can_decide: bool,
    reason: String,
}

/// A provider's page: who it is, its accreditations, its services (with the order form for
/// those who may order), what customers said.
pub async fn view(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = visible_provider(&state, &ctx, &id).await?;
    let lang = ctx.lang;
    let org = p.organisation_id;
    let may = |c: Capability| ctx.principal.as_ref().is_some_and(|x| x.role.allows(c));
    let own = ctx.principal.as_ref().is_some_and(|x| x.scope == Scope::Organisation(org));
    let services = store::services(&state.db, org, false).await?;
    Ok(render(&ProviderPage {
        p: provider_line(lang, &p),
        address: p.address.clone(),
        contact: p.contact.clone(),
        phone: p.phone.clone(),
        full_summary: p.profile.summary.clone(),
        accreditations: accreditation_lines(&state, &ctx, org).await?,
        services: services.iter().map(|s| service_line(lang, s)).collect(),
        ratings: rating_lines(&state, &ctx, org).await?,
        can_order: may(Capability::BookInstruments)
            && !own
            && p.status == ProviderStatus::Registered,
        can_decide: may(Capability::ManageVouchers),
        reason: p.reason.clone(),
        s: ctx.shell(),
    }))
}

#[derive(Template)]
#[template(path = "providers_registry.html")]
struct RegistryPage {
    s: Shell,
    waiting: Vec<ProviderLine>,
    suspended: Vec<ProviderLine>,
    registered: i64,
}

/// The bureau's register: profiles waiting, providers suspended, how many are registered.
pub async fn registry(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lines = |status| {
        let q = ProviderQuery { status: Some(status), limit: 500, ..ProviderQuery::default() };
        let db = state.db.clone();
        async move { store::providers(&db, &q).await }
    };
    let (waiting, _) = lines(ProviderStatus::Pending).await?;
    let (suspended, _) = lines(ProviderStatus::Suspended).await?;
    let (_, registered) = lines(ProviderStatus::Registered).await?;
    Ok(render(&RegistryPage {
        waiting: waiting.iter().map(|p| provider_line(ctx.lang, p)).collect(),
        suspended: suspended.iter().map(|p| provider_line(ctx.lang, p)).collect(),
        registered,
        s: ctx.shell(),
    }))
}

/// The bureau's decision on a provider.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ProviderDecision {
    /// `register` or `suspend`.
    pub decision: String,
    /// Why (required to suspend).
    #[serde(default)]
    pub reason: String,
}

pub async fn decide_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    d: &ProviderDecision,
) -> AppResult<()> {
    let id = parse_id(ctx, id)?;
    store::provider(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let register = match d.decision.trim() {
        "register" => true,
        "suspend" => false,
        _ => return Err(super::choose_one(ctx, "decision")),
    };
    store::decide_provider(&state.db, id, register, &d.reason, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "reason", e))
}

pub async fn decide(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let d: ProviderDecision = parse_form(ctx, &body)?;
    decide_as(&state, ctx, &id, &d).await?;
    Ok(Redirect::to("/providers/registry").into_response())
}
