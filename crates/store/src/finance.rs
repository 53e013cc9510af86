//! S&T finance and policy delivery: the policy library (a policy as people read it and its rule
//! in versions), the facts a rule reads, and the runs that list who is entitled without applying
//! (免申即享) — checked by a second person, published for objections, paid once.
use innocity_core::finance::policy::RuleError;
use innocity_core::projects::money::Money;

pub mod facts;
pub mod figures;
pub mod financing;
pub mod fund;
pub mod payments;
pub mod policies;
pub mod registers;
pub mod runs;

/// Why a change to a policy, a run or an entitlement is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum FinanceRefusal {
    /// A field left empty or too long (the field's name).
    Required { field: &'static str },
    /// A date that is no date (the field's name), or a policy that ends before it starts.
    Date { field: &'static str },
    /// Another policy has this code.
    CodeTaken { code: String },
    /// The rule does not compile: which formula, where, why.
    Rule(RuleError),
    /// A run for a year that is not over, or outside the policy's years.
    Year { year: i32 },
    /// The policy already has a run for the year that was not returned.
    RunExists { run_id: i64 },
    /// The run is not in a state for this (`from` its status).
    RunStatus { from: String },
    /// The person who ran the list may not check it (maker–checker).
    SameChecker,
    /// A return, an objection or an answer without its reason.
    Reason,
    /// An objection or an account after the objection period, or a payment before its end.
    ObjectionPeriod { until: chrono::NaiveDate },
    /// The organisation is not on the run's list (or its line is not in a state for this).
    NotListed,
    /// A bank account that is not one: the bank or holder empty, or the number not 8–32 digits.
    Account,
    /// The organisation was already paid under the policy for the year (by which route).
    PaidAlready { route: String, reference: String },
    /// A payment by application for an organisation that is no enterprise.
    NotEnterprise,
    /// An amount that is not a positive sum of money.
    Amount { amount: Money },
    /// The risk-compensation fund refuses (its own reasons).
    Fund(fund::FundRefusal),
    /// A financing demand, product or follow-up refuses (its own reasons).
    Financing(financing::FinancingRefusal),
}

impl From<FinanceRefusal> for crate::StoreError {
    fn from(r: FinanceRefusal) -> Self {
        crate::StoreError::Finance(r)
    }
}

/// The audit entry of a change in the policy library, in its write (the subjects' helper).
pub(crate) use crate::subjects::log;
