//! The risk-compensation loan fund (科技贷 / 风险补偿资金池): the fund and its ledger, the banks'
//! cooperation agreements and the white list, the loans recorded under them with their
//! schedules, and the compensation claimed on a default, approved and paid by two people, with
//! what the bank recovers afterwards flowing back. The ledger's equation holds after every write
//! (the database checks it too).
use innocity_core::finance::fund::{LedgerError, LoanError, TermsError};
use innocity_core::projects::money::Money;

pub mod agreements;
pub mod claims;
pub mod figures;
pub mod ledger;
pub mod loans;
pub mod pledges;
pub mod report;
pub mod subsidies;

/// Why a change to the fund, an agreement, a loan or a claim is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum FundRefusal {
    /// The posting cannot be made: not a positive amount, or beyond what is available.
    Ledger(LedgerError),
    /// Agreement terms outside their ranges.
    Terms(TermsError),
    /// The organisation is not a financial institution.
    NotFinancial,
    /// The bank has an agreement with the fund already.
    AgreementExists,
    /// The bank has no agreement with the fund.
    NoAgreement,
    /// The borrower is not on the fund's white list.
    NotWhiteListed,
    /// The loan is outside the agreement.
    Loan(LoanError),
    /// The bank recorded a loan under this contract number already.
    ContractTaken { contract_no: String },
    /// The loan is not in a state for this (its status).
    LoanStatus { status: String },
    /// A repayment of an instalment already repaid, or one that does not exist.
    Instalment { seq: i64 },
    /// A claim on a loan not overdue long enough (the earliest day a claim may be made).
    NotOverdue { from: chrono::NaiveDate },
    /// A claim on a loan with no instalment due and unpaid on the day it is said to have
    /// defaulted.
    NoDefault,
    /// A claim without the recovery steps the bank took.
    Steps,
    /// A loss beyond what is outstanding on the loan.
    Loss { outstanding: Money },
    /// The bank's compensation would pass the agreement's cap.
    CompensationCap { cap: Money, used: Money },
    /// The claim is not in a state for this (its status).
    ClaimStatus { status: String },
    /// A recovery on a claim not yet paid, or returning more than was compensated.
    Recovery { left: Money },
    /// The fund pays no subsidy of this kind.
    NoSubsidy,
    /// A subsidy of this kind was claimed for the loan and year already (its claim).
    SubsidyTwice { subsidy_id: i64 },
    /// A year the loan did not run in, or one not begun.
    SubsidyYear { year: i32 },
    /// No interest repaid in the year (per the bank's record of the schedule), or no fee.
    NothingPaid { year: i32 },
    /// A subsidy claim without its evidence (contract, receipts).
    Evidence,
    /// A pledge of a patent that is not among the borrower's records (its achievements).
    NotOwned { patent_no: String },
    /// The patent is pledged already (under which loan).
    Pledged { loan_id: i64 },
    /// A pledge without its registration number or date, or a date in the future.
    PledgeRegistration,
    /// A release of a pledge whose loan is not repaid, or one released already.
    NotReleasable,
}

impl From<FundRefusal> for crate::StoreError {
    fn from(r: FundRefusal) -> Self {
        super::FinanceRefusal::Fund(r).into()
    }
}

impl From<LedgerError> for crate::StoreError {
    fn from(e: LedgerError) -> Self {
        FundRefusal::Ledger(e).into()
    }
}

/// A caller's request key kept under its scope (the fund, the bank, the claim, the borrower), so
/// the keys of different callers never meet; an empty key stays empty (no key). A key over 64
/// characters is refused.
pub(crate) fn scoped_key(scope: i64, key: &str) -> crate::db::Result<String> {
    let key = key.trim();
    if key.is_empty() {
        return Ok(String::new());
    }
    if key.chars().count() > 64 {
        return Err(super::FinanceRefusal::Required { field: "request_key" }.into());
    }
    Ok(format!("{scope}:{key}"))
}
