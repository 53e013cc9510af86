//! Financing demands and products (融资需求与金融产品): an enterprise says what money it needs
//! (a loan, equity, a loan on pledged patents: amount, term, use, collateral); a bank, guarantor
//! or investor says what it offers (rates, terms, amounts, who qualifies). Matching goes both
//! ways and always says why — each condition met or not — and the institution's follow-up moves
//! forward one step at a time (contacted, due diligence, approved or declined with a reason) on a
//! timeline both sides see.
use crate::orgs::FieldError;
use crate::projects::money::{Money, Unit};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Characters a demand's use of funds or a product's description may hold.
pub const TEXT_CHARS: usize = 2_000;
/// Characters a product's name or a demand's collateral may hold.
pub const SHORT_CHARS: usize = 200;
/// The longest term a demand or product may name (30 years).
pub const MAX_TERM_MONTHS: u32 = 360;
/// The highest annual rate (or guarantee fee) a product may name, in basis points (24 %).
pub const MAX_RATE_BP: u32 = 2_400;
/// How far ahead a demand or product may run (two years).
pub const MAX_DAYS_AHEAD: i64 = 731;

/// What an enterprise needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum NeedKind {
    /// 贷款.
    Loan,
    /// 股权融资.
    Equity,
    /// 知识产权质押贷款.
    IpPledge,
}

impl NeedKind {
    pub const ALL: [NeedKind; 3] = [NeedKind::Loan, NeedKind::Equity, NeedKind::IpPledge];
    pub fn code(self) -> &'static str {
        match self {
            NeedKind::Loan => "loan",
            NeedKind::Equity => "equity",
            NeedKind::IpPledge => "ip_pledge",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }
    /// Whether it is paid back over a term (a loan); equity has no term.
    pub fn has_term(self) -> bool {
        self != NeedKind::Equity
    }
}

/// What an institution offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ProductKind {
    /// A bank's loan (科技贷, 信用贷).
    Loan,
    /// A bank's loan against pledged patents.
    IpPledge,
    /// A guarantor's guarantee of a loan (担保).
    Guarantee,
    /// An investor's equity investment (创投).
    Equity,
}

impl ProductKind {
    pub const ALL: [ProductKind; 4] =
        [ProductKind::Loan, ProductKind::IpPledge, ProductKind::Guarantee, ProductKind::Equity];
    pub fn code(self) -> &'static str {
        match self {
            ProductKind::Loan => "loan",
            ProductKind::IpPledge => "ip_pledge",
            ProductKind::Guarantee => "guarantee",
            ProductKind::Equity => "equity",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }
    /// The needs it answers: a guarantee backs either kind of loan.
    pub fn serves(self, need: NeedKind) -> bool {
        matches!(
            (self, need),
            (ProductKind::Loan, NeedKind::Loan)
                | (ProductKind::IpPledge, NeedKind::IpPledge)
                | (ProductKind::Guarantee, NeedKind::Loan | NeedKind::IpPledge)
                | (ProductKind::Equity, NeedKind::Equity)
        )
    }
    /// Whether it is priced by a rate (or a guarantee fee); equity is not.
    pub fn has_rate(self) -> bool {
        self != ProductKind::Equity
    }
    /// Who offers it: bank, guarantor or investor.
    pub fn institution(self) -> &'static str {
        match self {
            ProductKind::Loan | ProductKind::IpPledge => "bank",
            ProductKind::Guarantee => "guarantor",
            ProductKind::Equity => "investor",
        }
    }
}

/// A condition a product may set on who qualifies, read from records the platform holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Requirement {
    /// A valid 高新技术企业 certificate.
    HighTech,
    /// A valid 科技型中小企业 registration.
    TechSme,
    /// On a risk-compensation fund's white list.
    WhiteList,
    /// No research-credit record barring it.
    CleanCredit,
}

impl Requirement {
    pub const ALL: [Requirement; 4] = [
        Requirement::HighTech,
        Requirement::TechSme,
        Requirement::WhiteList,
        Requirement::CleanCredit,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Requirement::HighTech => "high_tech",
            Requirement::TechSme => "tech_sme",
            Requirement::WhiteList => "white_list",
            Requirement::CleanCredit => "clean_credit",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }
}

/// What the platform knows of an enterprise that a product may ask for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub high_tech: bool,
    pub tech_sme: bool,
    pub white_list: bool,
    pub clean_credit: bool,
}

impl Standing {
    pub fn meets(&self, r: Requirement) -> bool {
        match r {
            Requirement::HighTech => self.high_tech,
            Requirement::TechSme => self.tech_sme,
            Requirement::WhiteList => self.white_list,
            Requirement::CleanCredit => self.clean_credit,
        }
    }
}

/// A demand as the enterprise types it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct DemandInput {
    /// loan, equity or ip_pledge.
    pub kind: String,
    /// 万元.
    pub amount_wan: String,
    /// Months; empty for equity.
    pub term_months: String,
    /// What the money is for (用途).
    pub purpose: String,
    /// What secures it (担保方式: 信用, 抵押, the patents pledged).
    pub collateral: String,
    /// `YYYY-MM-DD`: the last day the demand is open.
    pub valid_until: String,
}

/// A checked demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemandDraft {
    pub kind: NeedKind,
    pub amount: Money,
    pub term_months: Option<u32>,
    pub purpose: String,
    pub collateral: String,
    pub valid_until: NaiveDate,
}

/// A product as the institution types it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProductInput {
    /// loan, ip_pledge, guarantee or equity.
    pub kind: String,
    pub name: String,
    pub description: String,
    /// Annual rate (a guarantee's fee rate) in percent, e.g. 3.65; empty for equity.
    pub rate_min_pct: String,
    pub rate_max_pct: String,
    /// 万元.
    pub amount_min_wan: String,
    pub amount_max_wan: String,
    /// Months; empty for equity.
    pub term_min_months: String,
    pub term_max_months: String,
    /// Conditions on who qualifies: high_tech, tech_sme, white_list, clean_credit.
    pub requires: Vec<String>,
    /// `YYYY-MM-DD`: the last day it is offered.
    pub valid_until: String,
}

/// A checked product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductDraft {
    pub kind: ProductKind,
    pub name: String,
    pub description: String,
    /// Basis points, lowest and highest; none for equity.
    pub rate_bp: Option<(u32, u32)>,
    pub amount_min: Money,
    pub amount_max: Money,
    /// Months, shortest and longest; none for equity.
    pub term_months: Option<(u32, u32)>,
    pub requires: Vec<Requirement>,
    pub valid_until: NaiveDate,
}

fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

/// A required text of at most `max` characters.
fn text(errors: &mut Vec<FieldError>, field: &'static str, t: &str, max: usize) -> String {
    let t = t.trim().to_string();
    if t.is_empty() {
        errors.push(problem(field, "err.required", vec![]));
    } else if t.chars().count() > max {
        errors.push(problem(field, "err.too_long", vec![max.to_string()]));
    }
    t
}

fn amount(errors: &mut Vec<FieldError>, field: &'static str, t: &str) -> Option<Money> {
    match Money::parse(t.trim(), Unit::Wan) {
        Ok(m) if m.fen() > 0 && m <= Money::MAX => Some(m),
        _ => {
            errors.push(problem(field, "financing.err.amount", vec![t.trim().into()]));
            None
        }
    }
}

fn months(errors: &mut Vec<FieldError>, field: &'static str, t: &str) -> Option<u32> {
    match t.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_TERM_MONTHS).contains(&n) => Some(n),
        _ => {
            errors.push(problem(
                field,
                "financing.err.term",
                vec![t.trim().into(), MAX_TERM_MONTHS.to_string()],
            ));
            None
        }
    }
}

fn rate(errors: &mut Vec<FieldError>, field: &'static str, t: &str) -> Option<u32> {
    let bp = Money::parse(t.trim().trim_end_matches('%'), Unit::Yuan).ok();
    match bp.and_then(|m| u32::try_from(m.fen()).ok()).filter(|bp| (1..=MAX_RATE_BP).contains(bp)) {
        Some(bp) => Some(bp),
        None => {
            errors.push(problem(field, "financing.err.rate", vec![t.trim().into()]));
            None
        }
    }
}

/// The last day, from today to two years ahead.
fn until(errors: &mut Vec<FieldError>, t: &str, today: NaiveDate) -> Option<NaiveDate> {
    let t = t.trim();
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) if d >= today && (d - today).num_days() <= MAX_DAYS_AHEAD => Some(d),
        Ok(_) => {
            errors.push(problem("valid_until", "financing.err.until", vec![t.into()]));
            None
        }
        Err(_) => {
            errors.push(problem("valid_until", "err.contract.date", vec![t.into()]));
            None
        }
    }
}

/// Checks a demand against `today`: every problem by field.
pub fn validate_demand(i: &DemandInput, today: NaiveDate) -> Result<DemandDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = NeedKind::parse(&i.kind);
    if kind.is_none() {
        errors.push(problem("kind", "err.choose", vec![]));
    }
    let amount = amount(&mut errors, "amount_wan", &i.amount_wan);
    let term = match (kind.map(NeedKind::has_term), i.term_months.trim()) {
        (Some(false), "") => None,
        (Some(false), t) => months(&mut errors, "term_months", t),
        (_, t) => months(&mut errors, "term_months", t),
    };
    let purpose = text(&mut errors, "purpose", &i.purpose, TEXT_CHARS);
    let collateral = i.collateral.trim().to_string();
    if collateral.chars().count() > SHORT_CHARS {
        errors.push(problem("collateral", "err.too_long", vec![SHORT_CHARS.to_string()]));
    }
    let valid_until = until(&mut errors, &i.valid_until, today);
    match (kind, amount, valid_until, errors.is_empty()) {
        (Some(kind), Some(amount), Some(valid_until), true) => {
            Ok(DemandDraft { kind, amount, term_months: term, purpose, collateral, valid_until })
        }
        _ => Err(errors),
    }
}

/// A pair that must run from low to high (both parsed), or the high field is named.
fn ordered<T: PartialOrd>(
    errors: &mut Vec<FieldError>,
    high_field: &'static str,
    low: Option<T>,
    high: Option<T>,
) -> Option<(T, T)> {
    match (low, high) {
        (Some(l), Some(h)) if l <= h => Some((l, h)),
        (Some(_), Some(_)) => {
            errors.push(problem(high_field, "financing.err.range", vec![]));
            None
        }
        _ => None,
    }
}

/// Checks a product against `today`: every problem by field.
pub fn validate_product(
    i: &ProductInput,
    today: NaiveDate,
) -> Result<ProductDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = ProductKind::parse(&i.kind);
    if kind.is_none() {
        errors.push(problem("kind", "err.choose", vec![]));
    }
    let name = text(&mut errors, "name", &i.name, SHORT_CHARS);
    let description = text(&mut errors, "description", &i.description, TEXT_CHARS);
    let priced = kind.is_none_or(ProductKind::has_rate);
    let (rate_bp, term_months) = if priced {
        let low = rate(&mut errors, "rate_min_pct", &i.rate_min_pct);
        let high = rate(&mut errors, "rate_max_pct", &i.rate_max_pct);
        let rates = ordered(&mut errors, "rate_max_pct", low, high);
        let low = months(&mut errors, "term_min_months", &i.term_min_months);
        let high = months(&mut errors, "term_max_months", &i.term_max_months);
        (rates, ordered(&mut errors, "term_max_months", low, high))
    } else {
        (None, None)
    };
    let low = amount(&mut errors, "amount_min_wan", &i.amount_min_wan);
    let high = amount(&mut errors, "amount_max_wan", &i.amount_max_wan);
    let amounts = ordered(&mut errors, "amount_max_wan", low, high);
    let mut requires = Vec::new();
    for r in &i.requires {
        match Requirement::parse(r) {
            Some(r) if !requires.contains(&r) => requires.push(r),
            Some(_) => {}
            None => errors.push(problem("requires", "err.choose", vec![])),
        }
    }
    requires.sort_by_key(|r| Requirement::ALL.iter().position(|x| x == r));
    let valid_until = until(&mut errors, &i.valid_until, today);
    match (kind, amounts, valid_until, errors.is_empty()) {
        (Some(kind), Some((amount_min, amount_max)), Some(valid_until), true) => Ok(ProductDraft {
            kind,
            name,
            description,
            rate_bp,
            amount_min,
            amount_max,
            term_months,
            requires,
            valid_until,
        }),
        _ => Err(errors),
    }
}

/// One condition of a match and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Reason {
    /// The amount asked against the product's range.
    Amount { asked: Money, min: Money, max: Money, met: bool },
    /// The term asked against the product's range.
    Term { asked: u32, min: u32, max: u32, met: bool },
    /// A condition on who qualifies.
    Requirement { what: Requirement, met: bool },
}

impl Reason {
    pub fn met(&self) -> bool {
        match self {
            Reason::Amount { met, .. }
            | Reason::Term { met, .. }
            | Reason::Requirement { met, .. } => *met,
        }
    }
}

/// A demand against a product: why it fits or does not. `None` when the product does not
/// answer this kind of need at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fit {
    pub reasons: Vec<Reason>,
}

impl Fit {
    /// Every condition holds.
    pub fn fits(&self) -> bool {
        self.reasons.iter().all(Reason::met)
    }
    /// How many conditions fail.
    pub fn misses(&self) -> usize {
        self.reasons.iter().filter(|r| !r.met()).count()
    }
}

/// What of a demand matching needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub kind: NeedKind,
    pub amount: Money,
    pub term_months: Option<u32>,
}

/// What of a product matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer<'a> {
    pub kind: ProductKind,
    pub amount_min: Money,
    pub amount_max: Money,
    pub term_months: Option<(u32, u32)>,
    pub requires: &'a [Requirement],
}

/// Matches a need (of an enterprise in `standing`) with an offer, every condition with its
/// answer; `None` when the offer does not serve that kind of need.
pub fn fit(need: &Need, standing: &Standing, offer: &Offer<'_>) -> Option<Fit> {
    if !offer.kind.serves(need.kind) {
        return None;
    }
    let mut reasons = vec![Reason::Amount {
        asked: need.amount,
        min: offer.amount_min,
        max: offer.amount_max,
        met: offer.amount_min <= need.amount && need.amount <= offer.amount_max,
    }];
    if let (Some(asked), Some((min, max))) = (need.term_months, offer.term_months) {
        reasons.push(Reason::Term { asked, min, max, met: min <= asked && asked <= max });
    }
    for &what in offer.requires {
        reasons.push(Reason::Requirement { what, met: standing.meets(what) });
    }
    Some(Fit { reasons })
}

/// A step of the follow-up on a demand, and who may take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Stage {
    /// The enterprise asked the institution about a product (申请对接).
    Applied,
    /// The institution contacted the enterprise (已联系).
    Contacted,
    /// The institution is examining it (尽职调查).
    DueDiligence,
    /// Approved, with the amount (已审批).
    Approved,
    /// Declined, with the reason (已拒绝).
    Declined,
    /// The enterprise withdrew (已撤回).
    Withdrawn,
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Side {
    Enterprise,
    Institution,
}

impl Side {
    pub fn code(self) -> &'static str {
        match self {
            Side::Enterprise => "enterprise",
            Side::Institution => "institution",
        }
    }
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Applied,
        Stage::Contacted,
        Stage::DueDiligence,
        Stage::Approved,
        Stage::Declined,
        Stage::Withdrawn,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Stage::Applied => "applied",
            Stage::Contacted => "contacted",
            Stage::DueDiligence => "due_diligence",
            Stage::Approved => "approved",
            Stage::Declined => "declined",
            Stage::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }
    /// No step follows it.
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Approved | Stage::Declined | Stage::Withdrawn)
    }
    /// Who may take this step.
    pub fn side(self) -> Side {
        match self {
            Stage::Applied | Stage::Withdrawn => Side::Enterprise,
            _ => Side::Institution,
        }
    }
    /// How far along the follow-up it lies (steps only move forward).
    fn rank(self) -> u8 {
        match self {
            Stage::Applied => 0,
            Stage::Contacted => 1,
            Stage::DueDiligence => 2,
            Stage::Approved | Stage::Declined | Stage::Withdrawn => 3,
        }
    }
}

/// Why a step may not follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StepError {
    /// The other side's step (its side).
    NotYours { side: Side },
    /// The follow-up ended already, or the step goes back (where it stands).
    Order { from: Option<Stage> },
}

/// Whether `step`, taken by `by`, may follow `current` (none before the first step): the first
/// is the enterprise's application or the institution's contact (or a later step of theirs);
/// steps move forward; nothing follows an end; the enterprise may withdraw until the end.
pub fn next(current: Option<Stage>, step: Stage, by: Side) -> Result<(), StepError> {
    if step.side() != by {
        return Err(StepError::NotYours { side: step.side() });
    }
    let allowed = match current {
        None => step != Stage::Withdrawn,
        Some(c) if c.is_final() => false,
        Some(_) if step == Stage::Withdrawn => true,
        Some(c) => step != Stage::Applied && step.rank() > c.rank(),
    };
    if allowed { Ok(()) } else { Err(StepError::Order { from: current }) }
}

/// A step as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct StepInput {
    pub stage: String,
    pub note: String,
    /// 万元, only when approved.
    pub approved_wan: String,
}

/// A checked step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepDraft {
    pub stage: Stage,
    pub note: String,
    pub approved: Option<Money>,
}

/// Checks a step of a follow-up on a demand for `asked`: a decline says why, an approval says
/// how much (at most what was asked).
pub fn validate_step(i: &StepInput, asked: Money) -> Result<StepDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let stage = Stage::parse(&i.stage);
    if stage.is_none() {
        errors.push(problem("stage", "err.choose", vec![]));
    }
    let note = i.note.trim().to_string();
    if note.chars().count() > TEXT_CHARS {
        errors.push(problem("note", "err.too_long", vec![TEXT_CHARS.to_string()]));
    } else if note.is_empty() && stage == Some(Stage::Declined) {
        errors.push(problem("note", "financing.err.reason", vec![]));
    }
    let approved = match stage {
        Some(Stage::Approved) => match amount(&mut errors, "approved_wan", &i.approved_wan) {
            Some(m) if m > asked => {
                errors.push(problem("approved_wan", "financing.err.over_asked", vec![]));
                None
            }
            m => m,
        },
        _ => None,
    };
    match (stage, errors.is_empty()) {
        (Some(stage), true) => Ok(StepDraft { stage, note, approved }),
        _ => Err(errors),
    }
}
