//! Financing demands and products on the web: what the pages and `/api/v1` share — who acts for
//! which side, the matching in both directions with each condition's answer, the steps of a
//! follow-up, and the views.
use super::fund::bank_of;
use super::refused_on;
use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::market::offering::own_organisation;
use crate::orgs::parse_id;
use innocity_core::access::{Capability, Principal};
use innocity_core::finance::financing::{
    Fit, NeedKind, ProductKind, Reason, Requirement, Side, Stage, Standing, StepInput,
    validate_step,
};
use innocity_core::projects::money::Money;
use innocity_store::finance::financing::demands::{self, DemandRow};
use innocity_store::finance::financing::followups::{self, FollowUpRow, StepRow};
use innocity_store::finance::financing::products::{self, ProductRow};
use innocity_store::finance::financing::standings;
use serde::Deserialize;
use utoipa::ToSchema;

/// The enterprise a user asks for: refused unless the user acts for one.
pub fn enterprise_of(ctx: &Ctx, p: &Principal) -> AppResult<i64> {
    let allowed = p.role.allows(Capability::SeekFinancing);
    if !allowed || p.org_kind != Some(innocity_core::orgs::OrgKind::Enterprise) {
        return Err(ctx.err(AppError::forbidden()));
    }
    own_organisation(ctx, p)
}

/// The financial institution a user offers for: refused unless it is one.
pub async fn institution_of(state: &AppState, ctx: &Ctx, p: &Principal) -> AppResult<i64> {
    if !p.role.allows(Capability::LendUnderFund) {
        return Err(ctx.err(AppError::forbidden()));
    }
    bank_of(state, ctx, p).await
}

pub async fn demand_of(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<DemandRow> {
    let id = parse_id(ctx, id)?;
    demands::get(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

pub async fn product_of(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<ProductRow> {
    let id = parse_id(ctx, id)?;
    products::get(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

/// Who reads a demand: its enterprise sees everything about it, an institution its own
/// follow-ups, the finance office all; anyone else is told it is not there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reader {
    Owner,
    Institution(i64),
    Office,
}

pub async fn reader_of(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    owner: i64,
) -> AppResult<Reader> {
    if p.role.allows(Capability::ManageLoanFund) {
        return Ok(Reader::Office);
    }
    if enterprise_of(ctx, p).ok() == Some(owner) {
        return Ok(Reader::Owner);
    }
    match institution_of(state, ctx, p).await {
        Ok(org) => Ok(Reader::Institution(org)),
        Err(_) => Err(ctx.err(AppError::not_found())),
    }
}

impl Reader {
    /// Whether this reader may read the demand: an institution while it is open on `today`, or
    /// once it has a follow-up on it (`taken`: the demand's follow-ups).
    pub fn may_read(self, d: &DemandRow, taken: &[FollowUpRow], today: chrono::NaiveDate) -> bool {
        match self {
            Reader::Owner | Reader::Office => true,
            Reader::Institution(org) => {
                d.open_on(today) || taken.iter().any(|f| f.institution_id == org)
            }
        }
    }

    /// Whether this reader sees a follow-up of `institution_id`.
    pub fn sees(self, institution_id: i64) -> bool {
        match self {
            Reader::Owner | Reader::Office => true,
            Reader::Institution(org) => org == institution_id,
        }
    }
}

/// A demand as its reader sees it: the products that answer it (to its enterprise and the
/// office) and the follow-ups this reader may see.
pub struct DemandSeen {
    pub demand: DemandRow,
    pub reader: Reader,
    pub matches: Vec<Matched>,
    pub followups: Vec<FollowUpRow>,
}

/// The demand `id` as `p` sees it; not found for anyone who may not read it.
pub async fn demand_seen(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
) -> AppResult<DemandSeen> {
    let d = demand_of(state, ctx, id).await?;
    let reader = reader_of(state, ctx, p, d.organisation_id).await?;
    let taken = followups::of_demand(&state.db, d.id).await?;
    if !reader.may_read(&d, &taken, ctx.today()) {
        return Err(ctx.err(AppError::not_found()));
    }
    let matches = match reader {
        Reader::Owner | Reader::Office => products_for(state, ctx, &d).await?,
        Reader::Institution(_) => Vec::new(),
    };
    let followups = taken.into_iter().filter(|f| reader.sees(f.institution_id)).collect();
    Ok(DemandSeen { demand: d, reader, matches, followups })
}

/// The follow-up `id` and who `p` is to it; not found for anyone but its two sides and the office.
pub async fn followup_seen(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
) -> AppResult<(FollowUpRow, Reader)> {
    let id = parse_id(ctx, id)?;
    let f = followups::get(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let reader = reader_of(state, ctx, p, f.enterprise_id).await?;
    if !reader.sees(f.institution_id) {
        return Err(ctx.err(AppError::not_found()));
    }
    Ok((f, reader))
}

/// A step on a follow-up, typed on a page or sent to the API: the demand, the product and the
/// step. The caller's side is the demand's enterprise or the product's institution.
#[derive(Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct FollowStepInput {
    pub demand_id: i64,
    pub product_id: i64,
    /// applied, withdrawn (the enterprise); contacted, due_diligence, approved, declined (the
    /// institution).
    pub stage: String,
    /// Required when declined: the reason.
    pub note: String,
    /// 万元, when approved.
    pub approved_wan: String,
}

/// Takes a step as the caller's side; returns the follow-up.
pub async fn step_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    i: &FollowStepInput,
) -> AppResult<i64> {
    let demand = demand_of(state, ctx, &i.demand_id.to_string()).await?;
    let product = product_of(state, ctx, &i.product_id.to_string()).await?;
    let org = own_organisation(ctx, p)?;
    // The side is the one the caller's organisation owns, and the caller must be allowed it.
    let side = if org == demand.organisation_id {
        enterprise_of(ctx, p)?;
        Side::Enterprise
    } else if org == product.institution_id {
        institution_of(state, ctx, p).await?;
        Side::Institution
    } else {
        return Err(ctx.err(AppError::not_found()));
    };
    let typed = StepInput {
        stage: i.stage.clone(),
        note: i.note.clone(),
        approved_wan: i.approved_wan.clone(),
    };
    let step =
        validate_step(&typed, demand.amount).map_err(|e| crate::api::validation_error(ctx, &e))?;
    followups::take(&state.db, &demand, &product, side, &step, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, e))
}

pub fn need_label(lang: Lang, k: NeedKind) -> String {
    t(lang, &format!("financing.need.{}", k.code())).to_string()
}

pub fn product_label(lang: Lang, k: ProductKind) -> String {
    t(lang, &format!("financing.product.{}", k.code())).to_string()
}

pub fn stage_label(lang: Lang, s: Stage) -> String {
    t(lang, &format!("financing.stage.{}", s.code())).to_string()
}

fn requirement_label(lang: Lang, r: Requirement) -> String {
    t(lang, &format!("financing.requires.{}", r.code())).to_string()
}

fn status_label(lang: Lang, open: bool) -> String {
    t(lang, if open { "financing.status.open" } else { "financing.status.closed" }).to_string()
}

fn range<T: std::fmt::Display>(low: T, high: T) -> String {
    format!("{low}–{high}")
}

fn months_text(lang: Lang, n: &str) -> String {
    tf(lang, "financing.months", &[n.to_string()])
}

/// A demand as people read it.
pub struct DemandView {
    pub id: i64,
    pub organisation: String,
    pub kind: String,
    pub amount: String,
    pub term: String,
    pub purpose: String,
    pub collateral: String,
    pub valid_until: String,
    pub status: String,
    pub open: bool,
    pub version: i64,
}

pub fn demand_view(ctx: &Ctx, d: &DemandRow) -> DemandView {
    let lang = ctx.lang;
    DemandView {
        id: d.id,
        organisation: d.organisation.clone(),
        kind: need_label(lang, d.kind),
        amount: d.amount.wan_text(),
        term: d.term_months.map_or("—".into(), |n| months_text(lang, &n.to_string())),
        purpose: d.purpose.clone(),
        collateral: if d.collateral.is_empty() { "—".into() } else { d.collateral.clone() },
        valid_until: d.valid_until.to_string(),
        status: status_label(lang, d.open_on(ctx.today())),
        open: d.open_on(ctx.today()),
        version: d.version,
    }
}

/// A product as people read it.
pub struct ProductView {
    pub id: i64,
    pub institution: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub rate: String,
    pub amount: String,
    pub term: String,
    pub requires: String,
    pub valid_until: String,
    pub status: String,
    pub open: bool,
    pub version: i64,
}

pub fn rate_range(r: Option<(u32, u32)>) -> String {
    use crate::error::refusals::rate_text;
    r.map_or("—".into(), |(l, h)| format!("{}%", range(rate_text(l), rate_text(h))))
}

pub fn product_view(ctx: &Ctx, p: &ProductRow) -> ProductView {
    let lang = ctx.lang;
    let requires: Vec<String> = p.requires.iter().map(|r| requirement_label(lang, *r)).collect();
    ProductView {
        id: p.id,
        institution: p.institution.clone(),
        kind: product_label(lang, p.kind),
        name: p.name.clone(),
        description: p.description.clone(),
        rate: rate_range(p.rate_bp),
        amount: range(p.amount_min.wan_text(), p.amount_max.wan_text()),
        term: p.term_months.map_or("—".into(), |(l, h)| months_text(lang, &range(l, h))),
        requires: if requires.is_empty() { "—".into() } else { requires.join("、") },
        valid_until: p.valid_until.to_string(),
        status: status_label(lang, p.open_on(ctx.today())),
        open: p.open_on(ctx.today()),
        version: p.version,
    }
}

/// One condition of a match in words, and whether it holds.
pub struct ReasonView {
    pub met: bool,
    pub text: String,
}

pub fn reason_views(lang: Lang, f: &Fit) -> Vec<ReasonView> {
    f.reasons
        .iter()
        .map(|r| {
            let (key, args) = match r {
                Reason::Amount { asked, min, max, .. } => (
                    "financing.why.amount",
                    vec![asked.wan_text(), range(min.wan_text(), max.wan_text())],
                ),
                Reason::Term { asked, min, max, .. } => {
                    ("financing.why.term", vec![asked.to_string(), range(min, max)])
                }
                Reason::Requirement { what, .. } => {
                    ("financing.why.requires", vec![requirement_label(lang, *what)])
                }
            };
            let verdict =
                t(lang, if r.met() { "financing.why.met" } else { "financing.why.unmet" });
            ReasonView { met: r.met(), text: format!("{}{verdict}", tf(lang, key, &args)) }
        })
        .collect()
}

/// A product that answers a demand (or a demand a product answers), with why.
pub struct MatchView {
    pub demand: DemandView,
    pub product: ProductView,
    pub fits: bool,
    pub reasons: Vec<ReasonView>,
    /// The follow-up on the pair, if one has begun.
    pub followup_id: Option<i64>,
    pub stage: String,
}

/// A matched pair: the demand, the product, the fit and what follow-up the pair has.
pub struct Matched {
    pub demand: DemandRow,
    pub product: ProductRow,
    pub fit: Fit,
    pub followup: Option<FollowUpRow>,
}

/// The most a list of matches shows.
const MATCHES: usize = 50;

/// Every open product against `demand`: those that fit first (lenders before guarantors, the
/// lowest rate first), then the near ones with what they miss.
pub async fn products_for(
    state: &AppState,
    ctx: &Ctx,
    demand: &DemandRow,
) -> AppResult<Vec<Matched>> {
    let day = ctx.today();
    let standing =
        standings(&state.db, day).await?.remove(&demand.organisation_id).unwrap_or_default();
    let taken = followups::of_demand(&state.db, demand.id).await?;
    let mut out: Vec<Matched> = products::open(&state.db, day)
        .await?
        .into_iter()
        .filter_map(|p| {
            let fit =
                innocity_core::finance::financing::fit(&demand.need(), &standing, &p.offer())?;
            let followup = taken.iter().find(|f| f.product_id == p.id).cloned();
            Some(Matched { demand: demand.clone(), product: p, fit, followup })
        })
        .collect();
    // A lender's rate and a guarantor's fee are not compared: lenders first.
    out.sort_by_key(|m| {
        let guarantee = m.product.kind == ProductKind::Guarantee;
        (m.fit.misses(), guarantee, m.product.rate_bp.map_or(0, |r| r.0), m.product.id)
    });
    out.truncate(MATCHES);
    Ok(out)
}

/// Every open demand against `product`: those that fit first (the largest first), then the near
/// ones.
pub async fn demands_for(
    state: &AppState,
    ctx: &Ctx,
    product: &ProductRow,
) -> AppResult<Vec<Matched>> {
    let day = ctx.today();
    let all = standings(&state.db, day).await?;
    let mut out: Vec<Matched> = Vec::new();
    for d in demands::open(&state.db, day).await? {
        let standing = all.get(&d.organisation_id).copied().unwrap_or(Standing::default());
        let Some(fit) =
            innocity_core::finance::financing::fit(&d.need(), &standing, &product.offer())
        else {
            continue;
        };
        if fit.misses() <= 1 {
            out.push(Matched { demand: d, product: product.clone(), fit, followup: None });
        }
    }
    out.sort_by_key(|m| (m.fit.misses(), std::cmp::Reverse(m.demand.amount), m.demand.id));
    out.truncate(MATCHES);
    for m in &mut out {
        let taken = followups::of_demand(&state.db, m.demand.id).await?;
        m.followup = taken.into_iter().find(|f| f.product_id == product.id);
    }
    Ok(out)
}

pub fn match_view(ctx: &Ctx, m: &Matched) -> MatchView {
    MatchView {
        demand: demand_view(ctx, &m.demand),
        product: product_view(ctx, &m.product),
        fits: m.fit.fits(),
        reasons: reason_views(ctx.lang, &m.fit),
        followup_id: m.followup.as_ref().map(|f| f.id),
        stage: m.followup.as_ref().map_or(String::new(), |f| stage_label(ctx.lang, f.stage)),
    }
}

/// A follow-up in a list.
pub struct FollowUpView {
    pub id: i64,
    pub demand_id: i64,
    pub enterprise: String,
    pub need: String,
    pub asked: String,
    pub product: String,
    pub institution: String,
    pub stage: String,
    pub approved: String,
    pub updated: String,
}

pub fn followup_view(ctx: &Ctx, f: &FollowUpRow) -> FollowUpView {
    FollowUpView {
        id: f.id,
        demand_id: f.demand_id,
        enterprise: f.enterprise.clone(),
        need: need_label(ctx.lang, f.need),
        asked: f.asked.wan_text(),
        product: format!("{}（{}）", f.product, product_label(ctx.lang, f.product_kind)),
        institution: f.institution.clone(),
        stage: stage_label(ctx.lang, f.stage),
        approved: f.approved.map_or("—".into(), Money::wan_text),
        updated: crate::sharing::when(ctx, f.updated_at),
    }
}

/// A step on the timeline.
pub struct StepView {
    pub stage: String,
    pub side: String,
    pub note: String,
    pub approved: String,
    pub by: String,
    pub at: String,
}

pub fn step_view(ctx: &Ctx, s: &StepRow) -> StepView {
    StepView {
        stage: stage_label(ctx.lang, s.stage),
        side: t(ctx.lang, &format!("financing.side.{}", s.side)).to_string(),
        note: s.note.clone(),
        approved: s.approved.map_or(String::new(), Money::wan_text),
        by: s.taken_by.clone(),
        at: crate::sharing::when(ctx, s.taken_at),
    }
}
