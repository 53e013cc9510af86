//! Technology contract registration (技术合同认定登记) under the 2026 《技术合同认定登记管理办法》:
//! the contract's types, the checks on what the seller enters, the two amounts the certificate
//! states (合同成交额 and 技术交易额 = the amount less non-technical costs), the office's time
//! limit in working days, and the states a registration passes through.
//!
//! submitted → registered (possibly with its type corrected) | refused (with the reason)
//!           → materials (more asked for; the clock stops) → submitted again (the clock restarts)
//! registered → cancelled (leaves every total)
use super::achievements::{parse_patent, parse_software};
use crate::orgs::{FieldError, credit_code_field};
use crate::projects::money::{Money, MoneyError, Unit};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The five types of technology contract; training and intermediary are kinds of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Kind {
    Development,
    Transfer,
    Licence,
    Consulting,
    Service,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Development => "development",
            Kind::Transfer => "transfer",
            Kind::Licence => "licence",
            Kind::Consulting => "consulting",
            Kind::Service => "service",
        }
    }
}

/// What the subject must cite for a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cites {
    /// Nothing in particular.
    Nothing,
    /// A patent (or patent application) number.
    Patent,
    /// A software copyright registration number.
    Software,
    /// A technical secret: no patent may be cited (a patented technique is not secret).
    NoPatent,
}

/// A contract type: its code, its kind, what it must cite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractType {
    pub code: &'static str,
    pub kind: Kind,
    pub cites: Cites,
}

/// Every type the office registers.
pub const TYPES: &[ContractType] = &[
    ContractType {
        code: "development.commissioned",
        kind: Kind::Development,
        cites: Cites::Nothing,
    },
    ContractType {
        code: "development.cooperative",
        kind: Kind::Development,
        cites: Cites::Nothing,
    },
    ContractType { code: "transfer.patent", kind: Kind::Transfer, cites: Cites::Patent },
    ContractType {
        code: "transfer.patent_application",
        kind: Kind::Transfer,
        cites: Cites::Patent,
    },
    ContractType { code: "transfer.secret", kind: Kind::Transfer, cites: Cites::NoPatent },
    ContractType { code: "transfer.software", kind: Kind::Transfer, cites: Cites::Software },
    ContractType { code: "licence.patent", kind: Kind::Licence, cites: Cites::Patent },
    ContractType { code: "licence.secret", kind: Kind::Licence, cites: Cites::NoPatent },
    ContractType { code: "licence.software", kind: Kind::Licence, cites: Cites::Software },
    ContractType { code: "consulting", kind: Kind::Consulting, cites: Cites::Nothing },
    ContractType { code: "service.general", kind: Kind::Service, cites: Cites::Nothing },
    ContractType { code: "service.training", kind: Kind::Service, cites: Cites::Nothing },
    ContractType { code: "service.intermediary", kind: Kind::Service, cites: Cites::Nothing },
];

pub fn contract_type(code: &str) -> Option<ContractType> {
    TYPES.iter().copied().find(|t| t.code == code)
}

/// Where a party is, for technology flows (输出 from the city, 吸纳 into it).
pub const REGIONS: &[&str] = &["local", "province", "domestic", "abroad"];

/// Non-technical costs the technology transaction amount leaves out.
pub const COST_KINDS: &[&str] = &["equipment", "materials", "construction", "other"];

/// From this technology transaction amount a contract is large: 30 working days, expert review.
pub const LARGE: Money = Money(5_000_000 * 100);

/// The office's time limit in working days.
pub const DAYS: i64 = 15;
pub const DAYS_LARGE: i64 = 30;

/// The day `working_days` working days after `from` (Saturdays and Sundays do not count;
/// public holidays are not known to the platform and count as working days).
pub fn after_working_days(from: NaiveDate, working_days: i64) -> NaiveDate {
    let mut d = from;
    let mut left = working_days;
    while left > 0 {
        d = d.succ_opt().unwrap_or(d);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// The day the office must decide by: 15 working days from the (last) submission, 30 for a
/// large or disputed contract.
pub fn decide_by(submitted: NaiveDate, transaction: Money, disputed: bool) -> NaiveDate {
    let days = if disputed || transaction >= LARGE { DAYS_LARGE } else { DAYS };
    after_working_days(submitted, days)
}

/// A contract as the seller types it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ContractInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub contract_type: String,
    /// A technology import: the domestic buyer registers.
    #[serde(default)]
    pub import: bool,
    #[serde(default)]
    pub seller_name: String,
    #[serde(default)]
    pub seller_code: String,
    #[serde(default)]
    pub buyer_name: String,
    #[serde(default)]
    pub buyer_code: String,
    /// One of [`REGIONS`].
    #[serde(default)]
    pub buyer_region: String,
    /// The patent or software copyright the subject rests on.
    #[serde(default)]
    pub ip: String,
    #[serde(default)]
    pub subject: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub signed_on: String,
    /// 万元.
    #[serde(default)]
    pub amount_wan: String,
    /// (kind, 万元).
    #[serde(default)]
    pub costs: Vec<(String, String)>,
    /// (due `YYYY-MM-DD`, 万元).
    #[serde(default)]
    pub payments: Vec<(String, String)>,
    #[serde(default)]
    pub electronic: bool,
}

/// A non-technical cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub kind: String,
    pub amount: Money,
}

/// One payment of the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub due_on: NaiveDate,
    pub amount: Money,
}

/// A checked contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractDraft {
    pub title: String,
    pub contract_type: &'static str,
    pub import: bool,
    pub seller_name: String,
    pub seller_code: String,
    pub buyer_name: String,
    pub buyer_code: String,
    pub buyer_region: String,
    pub ip: String,
    pub subject: String,
    pub signed_on: NaiveDate,
    pub amount: Money,
    pub costs: Vec<Cost>,
    pub payments: Vec<Payment>,
    pub electronic: bool,
}

impl ContractDraft {
    /// 技术交易额: the contract amount less its non-technical costs.
    pub fn transaction(&self) -> Money {
        let costs: i64 = self.costs.iter().map(|c| c.amount.fen()).sum();
        Money(self.amount.fen() - costs)
    }
    /// The credit code of the party that must register: the seller, or for an import the buyer.
    pub fn registrant_code(&self) -> &str {
        if self.import { &self.buyer_code } else { &self.seller_code }
    }
}

fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

fn money(field: &'static str, text: &str) -> Result<Money, FieldError> {
    Money::parse(text, Unit::Wan).map_err(|e| {
        let key = match e {
            MoneyError::Negative => "err.contract.negative",
            MoneyError::Empty => "err.required",
            _ => "err.contract.money",
        };
        problem(field, key, vec![text.trim().to_string()])
    })
}

fn date(field: &'static str, text: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| problem(field, "err.contract.date", vec![text.trim().to_string()]))
}

/// Whether the subject's citation fits the type.
fn cites(t: ContractType, ip: &str) -> Result<String, FieldError> {
    let ip = ip.trim();
    match t.cites {
        Cites::Nothing if ip.is_empty() => Ok(String::new()),
        Cites::Nothing => Ok(parse_patent(ip)
            .or_else(|_| parse_software(ip).ok_or(()))
            .unwrap_or_else(|_| ip.to_string())),
        Cites::Patent if ip.is_empty() => Err(problem("ip", "err.contract.needs_patent", vec![])),
        Cites::Patent => parse_patent(ip),
        Cites::Software => parse_software(ip)
            .ok_or_else(|| problem("ip", "err.contract.needs_software", vec![ip.to_string()])),
        Cites::NoPatent if parse_patent(ip).is_ok() => {
            Err(problem("ip", "err.contract.secret_patented", vec![ip.to_string()]))
        }
        Cites::NoPatent => Ok(ip.to_string()),
    }
}

/// The amounts: each cost and payment read, the costs within the amount, the schedule adding
/// up to it.
fn amounts(i: &ContractInput, errors: &mut Vec<FieldError>) -> (Money, Vec<Cost>, Vec<Payment>) {
    let amount = money("amount_wan", &i.amount_wan).unwrap_or_else(|e| {
        errors.push(e);
        Money::ZERO
    });
    if amount == Money::ZERO && !errors.iter().any(|e| e.field == "amount_wan") {
        errors.push(problem("amount_wan", "err.contract.zero", vec![]));
    }
    let mut costs = Vec::new();
    for (kind, text) in i.costs.iter().filter(|(_, t)| !t.trim().is_empty()) {
        if !COST_KINDS.contains(&kind.as_str()) {
            errors.push(problem("costs", "err.choose", vec![]));
            continue;
        }
        match money("costs", text) {
            Ok(m) => costs.push(Cost { kind: kind.clone(), amount: m }),
            Err(e) => errors.push(e),
        }
    }
    let cost_sum = Money(costs.iter().map(|c| c.amount.fen()).sum());
    if cost_sum > amount && amount > Money::ZERO {
        errors.push(problem(
            "costs",
            "err.contract.costs_exceed",
            vec![cost_sum.wan_text(), amount.wan_text()],
        ));
    }
    let mut payments = Vec::new();
    for (due, text) in
        i.payments.iter().filter(|(d, t)| !d.trim().is_empty() || !t.trim().is_empty())
    {
        match (date("payments", due), money("payments", text)) {
            (Ok(due_on), Ok(m)) => payments.push(Payment { due_on, amount: m }),
            (Err(e), _) | (_, Err(e)) => errors.push(e),
        }
    }
    let paid = Money(payments.iter().map(|p| p.amount.fen()).sum());
    if payments.is_empty() {
        errors.push(problem("payments", "err.contract.no_schedule", vec![]));
    } else if paid != amount && amount > Money::ZERO {
        errors.push(problem(
            "payments",
            "err.contract.schedule",
            vec![paid.wan_text(), amount.wan_text()],
        ));
    }
    (amount, costs, payments)
}

/// Checks a contract: every problem, by field.
pub fn validate(i: &ContractInput) -> Result<ContractDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut required = |field: &'static str, v: &str| {
        let v = v.trim().to_string();
        if v.is_empty() {
            errors.push(problem(field, "err.required", vec![]));
        }
        v
    };
    let title = required("title", &i.title);
    let seller_name = required("seller_name", &i.seller_name);
    let buyer_name = required("buyer_name", &i.buyer_name);
    let subject = required("subject", &i.subject);
    let code =
        |field, text: &str, errors: &mut Vec<FieldError>| match credit_code_field(field, text) {
            Ok(c) => c.as_str().to_string(),
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
    let seller_code = code("seller_code", &i.seller_code, &mut errors);
    let buyer_code = code("buyer_code", &i.buyer_code, &mut errors);
    if !seller_code.is_empty() && seller_code == buyer_code {
        errors.push(problem("buyer_code", "err.contract.same_party", vec![]));
    }
    if !REGIONS.contains(&i.buyer_region.as_str()) {
        errors.push(problem("buyer_region", "err.choose", vec![]));
    }
    let t = contract_type(&i.contract_type);
    let ip = match t {
        None => {
            errors.push(problem("contract_type", "err.choose", vec![]));
            String::new()
        }
        Some(t) => cites(t, &i.ip).unwrap_or_else(|e| {
            errors.push(e);
            String::new()
        }),
    };
    let signed_on = date("signed_on", &i.signed_on).map_err(|e| errors.push(e)).ok();
    let (amount, costs, payments) = amounts(i, &mut errors);
    match (t, signed_on, errors.is_empty()) {
        (Some(t), Some(signed_on), true) => Ok(ContractDraft {
            title,
            contract_type: t.code,
            import: i.import,
            seller_name,
            seller_code,
            buyer_name,
            buyer_code,
            buyer_region: i.buyer_region.clone(),
            ip,
            subject,
            signed_on,
            amount,
            costs,
            payments,
            electronic: i.electronic,
        }),
        _ => Err(errors),
    }
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Submitted,
    /// The office asked for more materials; its clock stops until they come.
    Materials,
    Registered,
    Refused,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Submitted,
        Status::Materials,
        Status::Registered,
        Status::Refused,
        Status::Cancelled,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Materials => "materials",
            Status::Registered => "registered",
            Status::Refused => "refused",
            Status::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }
    /// Whether it counts in the totals (registered and not cancelled).
    pub fn counts(self) -> bool {
        self == Status::Registered
    }
}

/// What the office or the registrant does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Register,
    Refuse,
    AskMaterials,
    Resubmit,
    Cancel,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Register => "register",
            Action::Refuse => "refuse",
            Action::AskMaterials => "materials",
            Action::Resubmit => "resubmit",
            Action::Cancel => "cancel",
        }
    }
    /// Whether the action needs a reason (refusing, asking, cancelling).
    pub fn needs_reason(self) -> bool {
        matches!(self, Action::Refuse | Action::AskMaterials | Action::Cancel)
    }
}

/// The state after an action, or None when the state does not allow it.
pub fn next(from: Status, action: Action) -> Option<Status> {
    use Action::*;
    use Status::*;
    match (from, action) {
        (Submitted, Register) => Some(Registered),
        (Submitted, Refuse) => Some(Refused),
        (Submitted, AskMaterials) => Some(Materials),
        (Materials, Resubmit) => Some(Submitted),
        (Registered, Cancel) => Some(Cancelled),
        _ => None,
    }
}

/// Whether the office hears experts before registering: a large contract (技术交易额 from
/// [`LARGE`]) or a disputed one.
pub fn needs_experts(transaction: Money, disputed: bool) -> bool {
    disputed || transaction >= LARGE
}

/// A calendar quarter of a date: `2025Q3`.
pub fn quarter(d: NaiveDate) -> String {
    format!("{}Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

#[cfg(test)]
mod tests;
