//! A policy's rule (政策规则): who is entitled and how much each gets, written in the platform's
//! formula language over facts the platform already holds of an organisation for a year — its
//! reviewed 107-2 figures, its qualifications, its registered technology contracts and its credit.
//!
//! ```text
//! eligible:  #{HNTE_NEW} == 1 && #{BAD_CREDIT} == 0
//! amount:    20                                          (万元)
//! eligible:  #{RD_EXP} > #{RD_EXP}.periodOffset(-1)
//! amount:    (#{RD_EXP} - #{RD_EXP}.periodOffset(-1)) * 0.1
//! ```
//!
//! `#{FACT}` is the fact in the policy's year, `.periodOffset(-1)` and `(-2)` the years before.
//! Amounts are in 万元 and become fen, capped per firm; a programme cap shares the money pro rata
//! when the entitled ask for more (to the fen, the remainders by largest share). Pure: the store
//! supplies the facts.
use crate::indicators::formula::{self, Expr, Formula, Item, Resolve};
use crate::projects::money::Money;
use serde::{Deserialize, Serialize};

/// The kind of value a fact holds, for reading it and showing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FactUnit {
    /// 万元.
    Wan,
    /// A count of people or records.
    Count,
    /// 1 or 0.
    Flag,
}

/// Where a fact comes from (shown beside it, so the number can be traced to its source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FactSource {
    /// The organisation's 107-2 return of that year, approved by its reviewers.
    Returns,
    /// Certificates recorded on the platform (高企, 科小).
    Qualifications,
    /// Technology contracts registered on the platform, the organisation the seller.
    Contracts,
    /// The research-credit records.
    Credit,
}

impl FactSource {
    pub fn code(self) -> &'static str {
        match self {
            FactSource::Returns => "returns",
            FactSource::Qualifications => "qualifications",
            FactSource::Contracts => "contracts",
            FactSource::Credit => "credit",
        }
    }
}

/// A fact a rule may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub unit: FactUnit,
    pub source: FactSource,
}

const fn fact(
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    unit: FactUnit,
    source: FactSource,
) -> Fact {
    Fact { code, name_zh, name_en, unit, source }
}

/// Every fact a rule may name.
pub const FACTS: [Fact; 10] = [
    fact("RD_EXP", "研究开发费用", "R&D expenditure", FactUnit::Wan, FactSource::Returns),
    fact("REVENUE", "营业收入", "Revenue", FactUnit::Wan, FactSource::Returns),
    fact("EMPLOYEES", "从业人员", "Employees", FactUnit::Count, FactSource::Returns),
    fact("RD_STAFF", "研发人员", "R&D staff", FactUnit::Count, FactSource::Returns),
    fact(
        "HNTE",
        "年末持有效高新技术企业证书",
        "Holds a valid high-tech enterprise certificate at the year's end",
        FactUnit::Flag,
        FactSource::Qualifications,
    ),
    fact(
        "HNTE_NEW",
        "当年认定为高新技术企业",
        "Recognised as a high-tech enterprise in the year",
        FactUnit::Flag,
        FactSource::Qualifications,
    ),
    fact(
        "TECH_SME",
        "年末为入库科技型中小企业",
        "A registered tech-based SME at the year's end",
        FactUnit::Flag,
        FactSource::Qualifications,
    ),
    fact(
        "CONTRACT_VALUE",
        "当年登记技术合同成交额（卖方）",
        "Registered technology contracts' value in the year (as seller)",
        FactUnit::Wan,
        FactSource::Contracts,
    ),
    fact(
        "CONTRACTS",
        "当年登记技术合同数（卖方）",
        "Registered technology contracts in the year (as seller)",
        FactUnit::Count,
        FactSource::Contracts,
    ),
    fact(
        "BAD_CREDIT",
        "年末因科研失信处于限制期",
        "Barred by a research-credit record at the year's end",
        FactUnit::Flag,
        FactSource::Credit,
    ),
];

pub fn fact_named(code: &str) -> Option<&'static Fact> {
    FACTS.iter().find(|f| f.code == code)
}

/// How far back a rule may look: the policy's year and the two before it.
pub const OLDEST_OFFSET: i32 = -2;

/// A policy's rule as its author writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRule {
    /// When an organisation is entitled (non-zero is yes; a missing fact is no).
    pub eligible: String,
    /// How much an entitled organisation gets, in 万元.
    pub amount: String,
    /// At most this per organisation.
    pub firm_cap: Option<Money>,
    /// At most this for the whole year's list.
    pub programme_cap: Option<Money>,
}

/// Which formula of a rule a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RulePart {
    Eligible,
    Amount,
}

impl RulePart {
    pub fn code(self) -> &'static str {
        match self {
            RulePart::Eligible => "eligible",
            RulePart::Amount => "amount",
        }
    }
}

/// Why a rule cannot be used, at a 1-based character position of one of its formulas.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{part:?}, position {position}: {message}")]
    Syntax { part: RulePart, position: usize, message: String },
    /// `#{NAME}` that is no fact.
    #[error("{part:?}, position {position}: unknown fact {name}")]
    UnknownFact { part: RulePart, position: usize, name: String },
    /// An indicator, a constant, a disaggregation or `yearToDate()`: policies read facts only.
    #[error("{part:?}, position {position}: {item} is not a fact")]
    NotAFact { part: RulePart, position: usize, item: String },
    /// A year later than the policy's, or more than two before it.
    #[error("{part:?}, position {position}: offset {offset}")]
    Offset { part: RulePart, position: usize, offset: i32 },
    /// A cap below one fen.
    #[error("cap")]
    Cap,
}

/// A rule ready to run: both formulas parsed and every name a fact.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    eligible: Expr,
    amount: Expr,
    /// The facts the rule reads (code, offset), in the order they first appear.
    reads: Vec<(&'static Fact, i32)>,
    pub firm_cap: Option<Money>,
    pub programme_cap: Option<Money>,
}

fn check_formula(
    part: RulePart,
    text: &str,
    reads: &mut Vec<(&'static Fact, i32)>,
) -> Result<Formula, RuleError> {
    let f = formula::parse(text).map_err(|e| RuleError::Syntax {
        part,
        position: e.position,
        message: e.message,
    })?;
    for (item, position) in &f.items {
        let position = *position;
        let Item::Data { element, disagg, offset, year_to_date } = item else {
            return Err(RuleError::NotAFact { part, position, item: item.to_string() });
        };
        if disagg.is_some() || *year_to_date {
            return Err(RuleError::NotAFact { part, position, item: item.to_string() });
        }
        let fact = fact_named(element).ok_or_else(|| RuleError::UnknownFact {
            part,
            position,
            name: element.clone(),
        })?;
        if !(OLDEST_OFFSET..=0).contains(offset) {
            return Err(RuleError::Offset { part, position, offset: *offset });
        }
        if !reads.iter().any(|(f, o)| f.code == fact.code && o == offset) {
            reads.push((fact, *offset));
        }
    }
    Ok(f)
}

impl PolicyRule {
    pub fn compile(&self) -> Result<CompiledRule, RuleError> {
        if [self.firm_cap, self.programme_cap].iter().flatten().any(|c| c.fen() < 1) {
            return Err(RuleError::Cap);
        }
        let mut reads = Vec::new();
        let eligible = check_formula(RulePart::Eligible, &self.eligible, &mut reads)?;
        let amount = check_formula(RulePart::Amount, &self.amount, &mut reads)?;
        Ok(CompiledRule {
            eligible: eligible.expr,
            amount: amount.expr,
            reads,
            firm_cap: self.firm_cap,
            programme_cap: self.programme_cap,
        })
    }
}

/// An organisation's facts as the store found them: `None` where the platform holds nothing
/// (no approved return that year), never a made-up zero.
pub trait Facts {
    fn fact(&self, code: &str, offset: i32) -> Option<f64>;
}

struct AsResolve<'a>(&'a dyn Facts);

impl Resolve for AsResolve<'_> {
    fn value(&self, item: &Item) -> Option<f64> {
        match item {
            Item::Data { element, offset, .. } => self.0.fact(element, *offset),
            _ => None,
        }
    }
}

/// One fact the rule read, with its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceFact {
    pub code: String,
    /// 0 the policy's year, -1 the year before, …
    pub offset: i32,
    pub value: Option<f64>,
}

/// Why an organisation is or is not entitled, and how its amount came about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub facts: Vec<TraceFact>,
    pub eligible: bool,
    /// The amount formula's result, to the fen (none when not entitled or it had no value).
    pub formula_fen: Option<i64>,
    /// The per-firm cap took the amount down to it.
    pub firm_capped: bool,
    /// The programme cap shared the money pro rata.
    pub programme_scaled: bool,
}

/// One organisation assessed: entitled to `amount` (after the per-firm cap, before any
/// programme cap), or not (`amount` zero).
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub amount: Money,
    pub trace: Trace,
}

impl Assessment {
    pub fn entitled(&self) -> bool {
        self.amount.fen() > 0
    }
}

/// 万元 to fen, to the nearest fen; past what the platform takes it stops at the largest amount
/// (so the per-firm cap still applies); `None` for no number.
fn wan_to_fen(wan: f64) -> Option<i64> {
    let fen = (wan * 1_000_000.0).round();
    let max = Money::MAX.fen() as f64;
    fen.is_finite().then(|| fen.clamp(-max, max) as i64)
}

impl CompiledRule {
    /// The facts the rule reads, in the order they first appear.
    pub fn reads(&self) -> &[(&'static Fact, i32)] {
        &self.reads
    }

    /// The oldest year offset the rule reads (0 when it reads only its own year).
    pub fn oldest_offset(&self) -> i32 {
        self.reads.iter().map(|(_, o)| *o).min().unwrap_or(0)
    }

    pub fn assess(&self, facts: &dyn Facts) -> Assessment {
        let r = AsResolve(facts);
        let trace_facts = self
            .reads
            .iter()
            .map(|(f, o)| TraceFact {
                code: f.code.into(),
                offset: *o,
                value: facts.fact(f.code, *o),
            })
            .collect();
        let eligible = formula::eval(&self.eligible, &r).is_some_and(|v| v != 0.0);
        let formula_fen =
            if eligible { formula::eval(&self.amount, &r).and_then(wan_to_fen) } else { None };
        let raw = Money(formula_fen.unwrap_or(0).max(0));
        let amount = match self.firm_cap {
            Some(cap) if raw > cap => cap,
            _ => raw,
        };
        let trace = Trace {
            facts: trace_facts,
            eligible,
            formula_fen,
            firm_capped: amount < raw,
            programme_scaled: false,
        };
        Assessment { amount, trace }
    }
}

/// Shares `cap` among the amounts pro rata when they ask for more: each gets its share rounded
/// down to the fen, the fen left over go one each to the largest remainders (the earlier on a
/// tie), so the list adds up to the cap exactly. Returns whether it scaled.
pub fn share_programme_cap(amounts: &mut [Money], cap: Money) -> bool {
    let total: i128 = amounts.iter().map(|m| i128::from(m.fen())).sum();
    let cap_fen = i128::from(cap.fen());
    if total <= cap_fen {
        return false;
    }
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(amounts.len());
    let mut given: i128 = 0;
    for (i, m) in amounts.iter_mut().enumerate() {
        let scaled = i128::from(m.fen()) * cap_fen;
        let share = scaled / total;
        remainders.push((scaled % total, i));
        given += share;
        *m = Money(i64::try_from(share).unwrap_or(0));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = usize::try_from(cap_fen - given).unwrap_or(0);
    for (_, i) in remainders.into_iter().take(left) {
        amounts[i] = Money(amounts[i].fen() + 1);
    }
    true
}
