//! The risk-compensation loan pool (科技贷 / 风险补偿资金池): the fund's ledger, the terms of a
//! bank's cooperation agreement, a loan's repayment schedule and the fund's share of a loss.
//!
//! The ledger keeps five balances and one equation, true after every posting:
//! capital = committed + paid − recovered + available. Money put in raises capital and
//! available; a compensation approved moves available to committed; paid moves committed to
//! paid; money the bank recovers afterwards comes back as recovered and available again.
use crate::projects::money::Money;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A loan must be this many days overdue before the bank may claim compensation.
pub const OVERDUE_DAYS: i64 = 90;

/// The fund's balances after a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Balances {
    pub capital: Money,
    pub committed: Money,
    pub paid: Money,
    pub recovered: Money,
    pub available: Money,
}

/// One posting to the fund's ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posting {
    /// Capital put into the fund (财政注资).
    Deposit(Money),
    /// A compensation approved: reserved from what is available.
    Commit(Money),
    /// A compensation paid out of what was committed.
    Pay(Money),
    /// The fund's share of what the bank recovered after compensation, back into the fund.
    Recover(Money),
}

impl Posting {
    pub fn code(self) -> &'static str {
        match self {
            Self::Deposit(_) => "deposit",
            Self::Commit(_) => "commit",
            Self::Pay(_) => "pay",
            Self::Recover(_) => "recover",
        }
    }
    pub fn amount(self) -> Money {
        match self {
            Self::Deposit(m) | Self::Commit(m) | Self::Pay(m) | Self::Recover(m) => m,
        }
    }
}

/// Why a posting cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerError {
    /// Not a positive amount.
    Amount,
    /// More than the fund has available.
    Available { available: Money },
    /// More than was committed (a payment), or a sum beyond the largest amount.
    Overflow,
}

impl Balances {
    /// Whether the ledger's equation holds and no balance is below zero.
    pub fn balanced(&self) -> bool {
        let rhs = i128::from(self.committed.fen()) + i128::from(self.paid.fen())
            - i128::from(self.recovered.fen())
            + i128::from(self.available.fen());
        let non_negative =
            [self.capital, self.committed, self.paid, self.recovered, self.available]
                .iter()
                .all(|m| m.fen() >= 0);
        non_negative && i128::from(self.capital.fen()) == rhs
    }

    /// The balances after `posting`, or why it cannot be made; checked arithmetic throughout.
    pub fn post(self, posting: Posting) -> Result<Balances, LedgerError> {
        let amount = posting.amount();
        if amount.fen() <= 0 || amount > Money::MAX {
            return Err(LedgerError::Amount);
        }
        let add = |a: Money| a.checked_add(amount).filter(|m| *m <= Money::MAX);
        let sub = |a: Money| (a.fen() >= amount.fen()).then(|| Money(a.fen() - amount.fen()));
        let mut b = self;
        match posting {
            Posting::Deposit(_) => {
                b.capital = add(b.capital).ok_or(LedgerError::Overflow)?;
                b.available = add(b.available).ok_or(LedgerError::Overflow)?;
            }
            Posting::Commit(_) => {
                b.available =
                    sub(b.available).ok_or(LedgerError::Available { available: b.available })?;
                b.committed = add(b.committed).ok_or(LedgerError::Overflow)?;
            }
            Posting::Pay(_) => {
                b.committed = sub(b.committed).ok_or(LedgerError::Overflow)?;
                b.paid = add(b.paid).ok_or(LedgerError::Overflow)?;
            }
            Posting::Recover(_) => {
                b.recovered = add(b.recovered).ok_or(LedgerError::Overflow)?;
                b.available = add(b.available).ok_or(LedgerError::Overflow)?;
            }
        }
        debug_assert!(b.balanced());
        Ok(b)
    }
}

/// The terms of a bank's cooperation agreement with the fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// The share of a loss the fund covers, in percent (usually 40–60).
    pub loss_share_pct: u8,
    /// The largest loan the agreement covers.
    pub loan_cap: Money,
    /// The most the bank may have outstanding under the agreement at once (its quota).
    pub bank_quota: Money,
    /// The most the fund pays the bank in compensation over the agreement.
    pub compensation_cap: Money,
    /// The longest term, in months.
    pub max_term_months: u16,
    /// The highest annual rate, in basis points (1 % = 100).
    pub max_rate_bp: u32,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// Why terms are not terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermsError {
    Share,
    Amount { field: &'static str },
    Term,
    Rate,
    Dates,
}

impl Terms {
    pub fn check(&self) -> Result<(), TermsError> {
        if !(1..=100).contains(&self.loss_share_pct) {
            return Err(TermsError::Share);
        }
        for (field, m) in [
            ("loan_cap", self.loan_cap),
            ("bank_quota", self.bank_quota),
            ("compensation_cap", self.compensation_cap),
        ] {
            if m.fen() <= 0 || m > Money::MAX {
                return Err(TermsError::Amount { field });
            }
        }
        if !(1..=360).contains(&self.max_term_months) {
            return Err(TermsError::Term);
        }
        if !(1..=3_600).contains(&self.max_rate_bp) {
            return Err(TermsError::Rate);
        }
        if self.valid_to < self.valid_from {
            return Err(TermsError::Dates);
        }
        Ok(())
    }

    /// The fund's share of `loss`, to the fen below.
    pub fn share_of(&self, loss: Money) -> Money {
        let fen = i128::from(loss.fen()) * i128::from(self.loss_share_pct) / 100;
        Money(i64::try_from(fen).unwrap_or(i64::MAX))
    }
}

/// How a loan is repaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Repayment {
    /// 按月付息、到期还本: interest monthly, the principal at the end.
    Bullet,
    /// 等额本金: the principal in equal monthly parts, interest on what is outstanding.
    EqualPrincipal,
}

impl Repayment {
    pub const ALL: [Repayment; 2] = [Self::Bullet, Self::EqualPrincipal];
    pub fn code(self) -> &'static str {
        match self {
            Self::Bullet => "bullet",
            Self::EqualPrincipal => "equal_principal",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }
}

/// A loan as the bank records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanTerms {
    pub principal: Money,
    pub rate_bp: u32,
    pub term_months: u16,
    pub start: NaiveDate,
    pub repayment: Repayment,
}

/// Why a loan is outside its agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanError {
    Principal,
    OverLoanCap {
        cap: Money,
    },
    OverQuota {
        quota: Money,
        outstanding: Money,
    },
    Term {
        max: u16,
    },
    Rate {
        max: u32,
    },
    /// Made outside the agreement's validity.
    Outside {
        from: NaiveDate,
        to: NaiveDate,
    },
}

impl LoanTerms {
    /// Whether the loan fits `terms` with `outstanding` already lent under them.
    pub fn check(&self, terms: &Terms, outstanding: Money) -> Result<(), LoanError> {
        if self.principal.fen() <= 0 || self.principal > Money::MAX {
            return Err(LoanError::Principal);
        }
        if self.principal > terms.loan_cap {
            return Err(LoanError::OverLoanCap { cap: terms.loan_cap });
        }
        let after = outstanding.checked_add(self.principal);
        if after.is_none_or(|a| a > terms.bank_quota) {
            return Err(LoanError::OverQuota { quota: terms.bank_quota, outstanding });
        }
        if self.term_months == 0 || self.term_months > terms.max_term_months {
            return Err(LoanError::Term { max: terms.max_term_months });
        }
        if self.rate_bp == 0 || self.rate_bp > terms.max_rate_bp {
            return Err(LoanError::Rate { max: terms.max_rate_bp });
        }
        if self.start < terms.valid_from || self.start > terms.valid_to {
            return Err(LoanError::Outside { from: terms.valid_from, to: terms.valid_to });
        }
        Ok(())
    }

    /// The repayment schedule: one line a month; principal parts sum to the principal exactly,
    /// interest is a month's interest (rate / 12) on what is outstanding, rounded to the fen.
    pub fn schedule(&self) -> Vec<Instalment> {
        let n = i64::from(self.term_months.max(1));
        let total = self.principal.fen();
        let mut outstanding = total;
        (1..=n)
            .map(|k| {
                let principal = match self.repayment {
                    Repayment::Bullet if k < n => 0,
                    Repayment::Bullet => outstanding,
                    Repayment::EqualPrincipal if k < n => total / n,
                    Repayment::EqualPrincipal => outstanding,
                };
                // half up: outstanding × bp / 10,000 / 12
                let num = i128::from(outstanding) * i128::from(self.rate_bp);
                let interest = i64::try_from((num + 60_000) / 120_000).unwrap_or(i64::MAX);
                outstanding -= principal;
                Instalment {
                    seq: k as u16,
                    due_on: month_after(self.start, k as u32),
                    principal: Money(principal),
                    interest: Money(interest),
                }
            })
            .collect()
    }
}

/// `months` months after `start`, on the same day or the month's last.
fn month_after(start: NaiveDate, months: u32) -> NaiveDate {
    start.checked_add_months(Months::new(months)).unwrap_or(start)
}

/// One line of a repayment schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Instalment {
    pub seq: u16,
    pub due_on: NaiveDate,
    pub principal: Money,
    pub interest: Money,
}

/// Leverage: loans made under the fund per yuan of the fund (放大倍数), to two places.
pub fn leverage(loans: Money, fund: Money) -> Option<f64> {
    (fund.fen() > 0).then(|| {
        let x = loans.fen() as f64 / fund.fen() as f64;
        (x * 100.0).round() / 100.0
    })
}

/// What a subsidy is paid on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubsidyKind {
    /// 贴息: a share of the interest the borrower paid in the year.
    Interest,
    /// 担保费补贴: a share of the guarantee fee the borrower paid.
    GuaranteeFee,
}

impl SubsidyKind {
    pub const ALL: [SubsidyKind; 2] = [Self::Interest, Self::GuaranteeFee];
    pub fn code(self) -> &'static str {
        match self {
            Self::Interest => "interest",
            Self::GuaranteeFee => "guarantee_fee",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// The fund's subsidy rule: for each kind the share paid (percent; 0 = none) and the most one
/// loan receives in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubsidyRule {
    pub interest_pct: u8,
    pub interest_cap: Money,
    pub guarantee_pct: u8,
    pub guarantee_cap: Money,
}

impl SubsidyRule {
    /// Whether the rule is one: shares at most 100 %, and a cap above zero for a share paid.
    pub fn check(&self) -> Result<(), TermsError> {
        for (pct, cap, field) in [
            (self.interest_pct, self.interest_cap, "interest_cap"),
            (self.guarantee_pct, self.guarantee_cap, "guarantee_cap"),
        ] {
            if pct > 100 {
                return Err(TermsError::Share);
            }
            if pct > 0 && (cap.fen() <= 0 || cap > Money::MAX) {
                return Err(TermsError::Amount { field });
            }
        }
        Ok(())
    }

    /// The subsidy on `base` (interest or fee paid): its share, to the fen below, at most the
    /// cap; nothing when the rule pays none of this kind.
    pub fn amount(&self, kind: SubsidyKind, base: Money) -> Money {
        let (pct, cap) = match kind {
            SubsidyKind::Interest => (self.interest_pct, self.interest_cap),
            SubsidyKind::GuaranteeFee => (self.guarantee_pct, self.guarantee_cap),
        };
        let share = i128::from(base.fen().max(0)) * i128::from(pct) / 100;
        Money(i64::try_from(share).unwrap_or(i64::MAX).min(cap.fen()))
    }
}
