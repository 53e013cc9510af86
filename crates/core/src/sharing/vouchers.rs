//! Innovation vouchers (创新券): a programme's rules, what a voucher pays of an order, who may
//! apply, which providers are related to an enterprise, and the ledger every programme must
//! balance at every moment.
use crate::orgs::FieldError;
use crate::projects::money::{Money, MoneyError, Unit};
use chrono::NaiveDate;

/// The services vouchers may buy: code, Chinese and English names.
pub const SERVICES: [(&str, &str, &str); 6] = [
    ("testing", "检验检测", "Testing"),
    ("instrument", "大型仪器共享", "Instrument time"),
    ("rd", "研发设计", "R&D services"),
    ("transfer", "技术转移", "Technology transfer"),
    ("ip", "知识产权", "Intellectual property"),
    ("certification", "认证认可", "Certification"),
];

/// Wrong verification codes in a row that lock a voucher, and for how long: the code has six
/// digits, so five tries a half hour keep guessing hopeless (the lock also tells the enterprise
/// that someone holds its number).
pub const CODE_TRIES: i64 = 5;
pub const CODE_LOCK_MINUTES: i64 = 30;

/// Who may apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Eligibility {
    /// Enterprises holding a valid 科技型中小企业 registration.
    TechSme,
    /// Any enterprise registered in the programme's area.
    Enterprise,
}

impl Eligibility {
    pub fn code(self) -> &'static str {
        match self {
            Self::TechSme => "tech_sme",
            Self::Enterprise => "enterprise",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::TechSme, Self::Enterprise].into_iter().find(|e| e.code() == s)
    }
}

/// A programme as the bureau opens it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Programme {
    pub code: String,
    pub name: String,
    pub year: i32,
    pub budget: Money,
    /// The most one application is granted.
    pub per_application: Money,
    /// The most one enterprise is granted in the programme.
    pub per_enterprise: Money,
    /// The enterprise's own share of each order, in percent (the voucher pays the rest).
    pub copay_percent: u32,
    pub services: Vec<String>,
    pub eligibility: Eligibility,
    pub valid_from: NaiveDate,
    /// Vouchers expire after this day; what is left returns to the budget.
    pub valid_to: NaiveDate,
}

/// The text of a programme form or API body.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProgrammeForm {
    pub code: String,
    pub name: String,
    pub year: String,
    /// 万元.
    pub budget_wan: String,
    pub per_application_wan: String,
    pub per_enterprise_wan: String,
    pub copay_percent: String,
    /// Service codes separated by commas.
    pub services: String,
    pub eligibility: String,
    pub valid_from: String,
    pub valid_to: String,
}

fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

/// An amount of 万元 above zero.
fn wan(field: &'static str, text: &str, e: &mut Vec<FieldError>) -> Money {
    match Money::parse(text, Unit::Wan) {
        Ok(m) if m > Money::ZERO => m,
        Ok(_) | Err(MoneyError::Negative) => {
            e.push(problem(field, "voucher.err.positive", vec![text.trim().into()]));
            Money::ZERO
        }
        Err(MoneyError::Empty) => {
            e.push(problem(field, "err.required", vec![]));
            Money::ZERO
        }
        Err(_) => {
            e.push(problem(field, "sharing.err.money", vec![text.trim().into()]));
            Money::ZERO
        }
    }
}

pub(super) fn date(field: &'static str, text: &str, e: &mut Vec<FieldError>) -> NaiveDate {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").unwrap_or_else(|_| {
        e.push(problem(field, "sharing.err.date", vec![text.trim().into()]));
        NaiveDate::MIN
    })
}

impl ProgrammeForm {
    pub fn parse(&self) -> Result<Programme, Vec<FieldError>> {
        let mut e = Vec::new();
        let code = self.code.trim().to_string();
        if code.is_empty()
            || code.len() > 20
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            e.push(problem("code", "voucher.err.code", vec![code.clone()]));
        }
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.push(problem("name", "err.required", vec![]));
        }
        let year = self.year.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
        if year.is_none() {
            e.push(problem("year", "voucher.err.year", vec![self.year.trim().into()]));
        }
        let budget = wan("budget_wan", &self.budget_wan, &mut e);
        let per_application = wan("per_application_wan", &self.per_application_wan, &mut e);
        let per_enterprise = wan("per_enterprise_wan", &self.per_enterprise_wan, &mut e);
        if per_application > per_enterprise && per_enterprise > Money::ZERO {
            e.push(problem("per_application_wan", "voucher.err.caps", vec![]));
        }
        let copay = self.copay_percent.trim().parse::<u32>().ok().filter(|c| *c < 100);
        if copay.is_none() {
            let args = vec![self.copay_percent.trim().into(), "0".into(), "99".into()];
            e.push(problem("copay_percent", "sharing.err.number", args));
        }
        let services: Vec<String> = self
            .services
            .split([',', '，', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        if services.is_empty() || services.iter().any(|s| !SERVICES.iter().any(|x| x.0 == s)) {
            e.push(problem("services", "voucher.err.services", vec![self.services.trim().into()]));
        }
        let eligibility = Eligibility::parse(self.eligibility.trim()).unwrap_or_else(|| {
            e.push(problem("eligibility", "err.choose", vec![]));
            Eligibility::Enterprise
        });
        let valid_from = date("valid_from", &self.valid_from, &mut e);
        let valid_to = date("valid_to", &self.valid_to, &mut e);
        if valid_to < valid_from {
            e.push(problem("valid_to", "voucher.err.period", vec![]));
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(Programme {
            code,
            name,
            year: year.unwrap_or_default(),
            budget,
            per_application,
            per_enterprise,
            copay_percent: copay.unwrap_or_default(),
            services,
            eligibility,
            valid_from,
            valid_to,
        })
    }
}

/// What the voucher pays of an order of `total`: all but the enterprise's share, to the fen in
/// the enterprise's favour of nothing (rounded down), and never more than the balance.
pub fn voucher_pays(total: Money, copay_percent: u32, balance: Money) -> Money {
    let share = i128::from(total.fen()) * i128::from(100 - copay_percent.min(100)) / 100;
    Money(i64::try_from(share).unwrap_or(i64::MAX).min(balance.fen()).max(0))
}

/// A voucher's number: the programme's code and a sequence (LZ2026-000123).
pub fn number(programme: &str, seq: i64) -> String {
    format!("{programme}-{seq:06}")
}

/// Where a person stands in an organisation, for the relatedness check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Standing {
    LegalRepresentative,
    Shareholder,
    Staff,
}

impl Standing {
    pub const ALL: [Self; 3] = [Self::LegalRepresentative, Self::Shareholder, Self::Staff];
    pub fn code(self) -> &'static str {
        match self {
            Self::LegalRepresentative => "legal_rep",
            Self::Shareholder => "shareholder",
            Self::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A person of an organisation's records: the name, the ID number's fingerprint (never the number
/// itself), and the standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub fingerprint: String,
    pub standing: Standing,
}

/// Why a provider is related to an enterprise: the same person in both, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub name: String,
    pub in_enterprise: Standing,
    pub in_provider: Standing,
}

/// The first person who stands in both organisations, if any.
pub fn related(enterprise: &[Person], provider: &[Person]) -> Option<Relation> {
    enterprise.iter().find_map(|a| {
        provider.iter().find(|b| b.fingerprint == a.fingerprint).map(|b| Relation {
            name: a.name.clone(),
            in_enterprise: a.standing,
            in_provider: b.standing,
        })
    })
}

/// A programme's money at one moment. Every voucher's value is in exactly one of balance,
/// pending, redeemed, exchanged, expired and recovered (clawed back); expired and recovered money returns
/// to the unissued budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Ledger {
    pub budget: Money,
    /// The value of every voucher issued.
    pub issued: Money,
    pub balance: Money,
    /// Redeemed by providers, not yet verified.
    pub pending: Money,
    /// Verified (and settled or waiting for the month's batch).
    pub redeemed: Money,
    /// Spent with providers of partner regions (通用通兑), accepted from their statements.
    pub exchanged: Money,
    pub expired: Money,
    pub recovered: Money,
}

impl Ledger {
    /// What can still be granted.
    pub fn unissued(&self) -> Money {
        Money(self.budget.fen() - self.issued.fen() + self.expired.fen() + self.recovered.fen())
    }
    /// The invariants: budget = live issued + unissued; issued = redeemed + exchanged + pending
    /// + expired + recovered + balance; nothing negative.
    pub fn holds(&self) -> bool {
        let parts = self.redeemed.fen()
            + self.exchanged.fen()
            + self.pending.fen()
            + self.expired.fen()
            + self.recovered.fen()
            + self.balance.fen();
        let live = self.issued.fen() - self.expired.fen() - self.recovered.fen();
        self.issued.fen() == parts
            && self.budget.fen() == live + self.unissued().fen()
            && [
                self.balance,
                self.pending,
                self.redeemed,
                self.exchanged,
                self.expired,
                self.recovered,
                self.unissued(),
            ]
            .iter()
            .all(|m| m.fen() >= 0)
    }
}
