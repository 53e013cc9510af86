//! Service providers (科技服务机构): what a provider says of itself, its accreditations (CMA,
//! CNAS) with their expiry, its catalogue of services with a price or a price rule and a
//! turnaround, the orders customers place (samples sent, a report back) and the ratings they
//! give afterwards. Pure: forms checked field by field, and which step of an order may follow
//! which.
use super::booking::usable_date;
use super::instruments::{money, number, problem, required, text};
use super::vouchers::{SERVICES, date};
use crate::orgs::FieldError;
use crate::projects::money::{Money, Unit};
use chrono::NaiveDate;

/// Kinds of accreditation a provider shows: 资质认定 (CMA) and 实验室认可 (CNAS) are the two
/// a customer of testing asks for.
pub const ACCREDITATIONS: [(&str, &str, &str); 3] = [
    ("cma", "检验检测机构资质认定（CMA）", "Inspection body accreditation (CMA)"),
    ("cnas", "实验室认可（CNAS）", "Laboratory accreditation (CNAS)"),
    ("other", "其他资质", "Other accreditation"),
];

/// The kinds of service a provider offers and a voucher may buy, plus "other".
pub fn is_service_kind(code: &str) -> bool {
    code == "other" || SERVICES.iter().any(|s| s.0 == code)
}

/// What a provider says of itself in the directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Profile {
    pub summary: String,
    /// Service kinds (codes of [`SERVICES`] or `other`), at least one.
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub summary: String,
    /// Kind codes separated by commas or spaces (a form's checkboxes are joined before).
    #[serde(default)]
    pub kinds: String,
}

impl ProfileForm {
    pub fn parse(&self) -> Result<Profile, Vec<FieldError>> {
        let mut e = Vec::new();
        let summary = required("summary", &self.summary, 2000, &mut e);
        let mut kinds: Vec<String> = self
            .kinds
            .split([',', ' ', '，', '、'])
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
        kinds.sort();
        kinds.dedup();
        if kinds.is_empty() || kinds.iter().any(|k| !is_service_kind(k)) {
            e.push(problem("kinds", "provider.err.kinds", vec![self.kinds.trim().into()]));
        }
        if e.is_empty() { Ok(Profile { summary, kinds }) } else { Err(e) }
    }
}

/// An accreditation with its certificate number and the day it runs out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Accreditation {
    pub kind: String,
    pub number: String,
    /// What it covers (fields, standards).
    pub scope: String,
    pub valid_until: NaiveDate,
}

impl Accreditation {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        day <= self.valid_until
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AccreditationForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub scope: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_until: String,
}

impl AccreditationForm {
    pub fn parse(&self) -> Result<Accreditation, Vec<FieldError>> {
        let mut e = Vec::new();
        let kind = self.kind.trim().to_string();
        if !ACCREDITATIONS.iter().any(|a| a.0 == kind) {
            e.push(problem("kind", "err.choose", vec![]));
        }
        let number = required("number", &self.number, 60, &mut e);
        let scope = text("scope", &self.scope, 1000, &mut e);
        let valid_until = date("valid_until", &self.valid_until, &mut e);
        if !usable_date(valid_until) && !e.iter().any(|p| p.field == "valid_until") {
            e.push(problem(
                "valid_until",
                "sharing.err.date",
                vec![self.valid_until.trim().into()],
            ));
        }
        if e.is_empty() { Ok(Accreditation { kind, number, scope, valid_until }) } else { Err(e) }
    }
}

/// A service of a provider's catalogue. Either a price per unit (a sample, an hour, a piece of
/// work) or, where the work decides the price, a rule in words ("按检测项目计价"); often both.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceInput {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub price: Option<Money>,
    /// What the price is for: 每个样品, 每小时, 每项.
    pub unit: String,
    pub price_rule: String,
    /// Working days from samples received to report.
    pub turnaround_days: u32,
}

impl ServiceInput {
    /// The price of `count` units when the service has one (none when the sum is beyond money).
    pub fn estimate(&self, count: u32) -> Option<Money> {
        let fen = self.price?.fen().checked_mul(i64::from(count))?;
        Some(Money(fen))
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ServiceForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    /// 元, empty when the price follows the rule.
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub price_rule: String,
    #[serde(default)]
    pub turnaround_days: String,
}

impl ServiceForm {
    pub fn of(s: &ServiceInput) -> ServiceForm {
        ServiceForm {
            name: s.name.clone(),
            kind: s.kind.clone(),
            description: s.description.clone(),
            price: s.price.map(|p| p.yuan_text().replace(',', "")).unwrap_or_default(),
            unit: s.unit.clone(),
            price_rule: s.price_rule.clone(),
            turnaround_days: s.turnaround_days.to_string(),
        }
    }

    /// Checks every field; all problems at once, each naming its field.
    pub fn parse(&self) -> Result<ServiceInput, Vec<FieldError>> {
        let mut e = Vec::new();
        let name = required("name", &self.name, 100, &mut e);
        let kind = self.kind.trim().to_string();
        if !is_service_kind(&kind) {
            e.push(problem("kind", "err.choose", vec![]));
        }
        let price = (!self.price.trim().is_empty())
            .then(|| money("price", &self.price, Unit::Yuan, &mut e));
        let unit = text("unit", &self.unit, 20, &mut e);
        if price.is_some() && unit.is_empty() {
            e.push(problem("unit", "err.required", vec![]));
        }
        let price_rule = text("price_rule", &self.price_rule, 500, &mut e);
        if price.is_none() && price_rule.is_empty() {
            e.push(problem("price", "provider.err.price", vec![]));
        }
        let turnaround_days = number("turnaround_days", &self.turnaround_days, 1..=365, &mut e);
        if self.turnaround_days.trim().is_empty() {
            e.push(problem("turnaround_days", "err.required", vec![]));
        }
        let input = ServiceInput {
            name,
            kind,
            description: text("description", &self.description, 2000, &mut e),
            price,
            unit,
            price_rule,
            turnaround_days: turnaround_days.unwrap_or(0),
        };
        if e.is_empty() { Ok(input) } else { Err(e) }
    }
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum OrderStatus {
    /// Placed by the customer, waiting for the provider.
    Requested,
    /// Taken on at a quoted fee; the samples are on their way.
    Accepted,
    Refused,
    /// The provider has the samples; the work is under way.
    Received,
    /// The report is out with the final fee; the customer confirms.
    Reported,
    /// Confirmed by the customer: the order may be rated and paid (a voucher may redeem it).
    Completed,
    /// Withdrawn by the customer before the samples arrived.
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [Self; 7] = [
        Self::Requested,
        Self::Accepted,
        Self::Refused,
        Self::Received,
        Self::Reported,
        Self::Completed,
        Self::Cancelled,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Accepted => "accepted",
            Self::Refused => "refused",
            Self::Received => "received",
            Self::Reported => "reported",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    /// Whether the order is still under way (counts as open work of the provider).
    pub fn open(self) -> bool {
        matches!(self, Self::Requested | Self::Accepted | Self::Received | Self::Reported)
    }
}

/// A step of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderAction {
    Accept,
    Refuse,
    Receive,
    Report,
    Complete,
    Cancel,
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Provider,
    Customer,
}

impl OrderAction {
    pub const ALL: [Self; 6] =
        [Self::Accept, Self::Refuse, Self::Receive, Self::Report, Self::Complete, Self::Cancel];
    pub fn code(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Refuse => "refuse",
            Self::Receive => "receive",
            Self::Report => "report",
            Self::Complete => "complete",
            Self::Cancel => "cancel",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn side(self) -> Side {
        match self {
            Self::Complete | Self::Cancel => Side::Customer,
            _ => Side::Provider,
        }
    }
    /// The status the step leads to from `from`, or `None` when it does not apply there.
    pub fn next(self, from: OrderStatus) -> Option<OrderStatus> {
        use OrderStatus as S;
        match (self, from) {
            (Self::Accept, S::Requested) => Some(S::Accepted),
            (Self::Refuse, S::Requested) => Some(S::Refused),
            (Self::Receive, S::Accepted) => Some(S::Received),
            (Self::Report, S::Received) => Some(S::Reported),
            (Self::Complete, S::Reported) => Some(S::Completed),
            (Self::Cancel, S::Requested | S::Accepted) => Some(S::Cancelled),
            _ => None,
        }
    }
}

/// An order as the customer places it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrderInput {
    /// The samples: what they are, how they come.
    pub samples: String,
    /// How many units (samples, hours, items) the price is for.
    pub quantity: u32,
    pub requirements: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    pub samples: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub requirements: String,
}

impl OrderForm {
    pub fn parse(&self) -> Result<OrderInput, Vec<FieldError>> {
        let mut e = Vec::new();
        let samples = text("samples", &self.samples, 1000, &mut e);
        let quantity = number("quantity", &self.quantity, 1..=10_000, &mut e);
        if self.quantity.trim().is_empty() {
            e.push(problem("quantity", "err.required", vec![]));
        }
        let requirements = required("requirements", &self.requirements, 2000, &mut e);
        let input = OrderInput { samples, quantity: quantity.unwrap_or(0), requirements };
        if e.is_empty() { Ok(input) } else { Err(e) }
    }
}

/// A fee a provider states (a quote, the final fee): 元, not below zero, required.
pub fn parse_fee(field: &'static str, value: &str) -> Result<Money, Vec<FieldError>> {
    let mut e = Vec::new();
    let fee = money(field, value, Unit::Yuan, &mut e);
    if fee.fen() > MAX_FEE.fen() {
        e.push(problem(field, "sharing.err.money", vec![value.trim().into()]));
    }
    if e.is_empty() { Ok(fee) } else { Err(e) }
}

/// No single order costs more than 1 亿元: above that a fee is a typing error.
pub const MAX_FEE: Money = Money(100_000_000 * 100);

/// A customer's rating of a completed order or a used booking.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rating {
    /// 1 (poor) to 5 (excellent).
    pub score: u8,
    pub comment: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RatingForm {
    #[serde(default)]
    pub score: String,
    #[serde(default)]
    pub comment: String,
}

impl RatingForm {
    pub fn parse(&self) -> Result<Rating, Vec<FieldError>> {
        let mut e = Vec::new();
        let score = match self.score.trim().parse::<u8>() {
            Ok(s) if (1..=5).contains(&s) => s,
            _ => {
                e.push(problem("score", "provider.err.score", vec![self.score.trim().into()]));
                0
            }
        };
        let comment = text("comment", &self.comment, 500, &mut e);
        if e.is_empty() { Ok(Rating { score, comment }) } else { Err(e) }
    }
}

/// An average score to one decimal, from a sum of scores and their count (none when no rating).
pub fn average(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / count as f64 * 10.0).round() / 10.0)
}
