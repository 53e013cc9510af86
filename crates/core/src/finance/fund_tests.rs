use super::fund::*;
use crate::projects::money::Money;
use chrono::NaiveDate;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn terms() -> Terms {
    Terms {
        loss_share_pct: 50,
        loan_cap: Money::from_wan(1_000),
        bank_quota: Money::from_wan(5_000),
        compensation_cap: Money::from_wan(800),
        max_term_months: 36,
        max_rate_bp: 600,
        valid_from: day(2025, 1, 1),
        valid_to: day(2027, 12, 31),
    }
}

fn loan(principal_wan: i64) -> LoanTerms {
    LoanTerms {
        principal: Money::from_wan(principal_wan),
        rate_bp: 435,
        term_months: 12,
        start: day(2025, 3, 31),
        repayment: Repayment::EqualPrincipal,
    }
}

#[test]
fn the_ledger_balances_after_every_posting_and_refuses_what_it_has_not() {
    let mut b = Balances::default();
    for p in [
        Posting::Deposit(Money::from_wan(100)),
        Posting::Commit(Money::from_wan(60)),
        Posting::Pay(Money::from_wan(60)),
        Posting::Recover(Money(1)),
        Posting::Commit(Money(40_000_001)),
    ] {
        b = b.post(p).expect("posted");
        assert!(b.balanced(), "{p:?} left {b:?}");
    }
    assert_eq!(b.available, Money::ZERO);
    // one fen beyond what is available, nothing changes
    assert_eq!(
        b.post(Posting::Commit(Money(1))),
        Err(LedgerError::Available { available: Money::ZERO })
    );
    assert_eq!(b.post(Posting::Pay(Money::from_wan(41))), Err(LedgerError::Overflow));
    assert_eq!(b.post(Posting::Deposit(Money::ZERO)), Err(LedgerError::Amount));
    assert_eq!(b.post(Posting::Deposit(Money(-5))), Err(LedgerError::Amount));
    let full = Balances { capital: Money::MAX, available: Money::MAX, ..Balances::default() };
    assert_eq!(full.post(Posting::Deposit(Money(1))), Err(LedgerError::Overflow));
    let broken = Balances { capital: Money(10), available: Money(9), ..Balances::default() };
    assert!(!broken.balanced());
}

#[test]
fn a_loan_is_held_to_its_agreement_at_each_limit() {
    let t = terms();
    assert_eq!(t.check(), Ok(()));
    assert_eq!(loan(1_000).check(&t, Money::from_wan(4_000)), Ok(()));
    assert_eq!(
        loan(1_000).check(&t, Money(4_000_000_001)),
        Err(LoanError::OverQuota { quota: t.bank_quota, outstanding: Money(4_000_000_001) })
    );
    let over = LoanTerms { principal: Money(1_000_000_001), ..loan(0) };
    assert_eq!(over.check(&t, Money::ZERO), Err(LoanError::OverLoanCap { cap: t.loan_cap }));
    assert_eq!(loan(0).check(&t, Money::ZERO), Err(LoanError::Principal));
    let long = LoanTerms { term_months: 37, ..loan(10) };
    assert_eq!(long.check(&t, Money::ZERO), Err(LoanError::Term { max: 36 }));
    let dear = LoanTerms { rate_bp: 601, ..loan(10) };
    assert_eq!(dear.check(&t, Money::ZERO), Err(LoanError::Rate { max: 600 }));
    let early = LoanTerms { start: day(2024, 12, 31), ..loan(10) };
    assert!(matches!(early.check(&t, Money::ZERO), Err(LoanError::Outside { .. })));
    let last_day = LoanTerms { start: day(2027, 12, 31), ..loan(10) };
    assert_eq!(last_day.check(&t, Money::ZERO), Ok(()));
}

#[test]
fn terms_outside_their_ranges_are_refused_by_field() {
    assert_eq!(Terms { loss_share_pct: 0, ..terms() }.check(), Err(TermsError::Share));
    assert_eq!(Terms { loss_share_pct: 101, ..terms() }.check(), Err(TermsError::Share));
    assert_eq!(
        Terms { bank_quota: Money::ZERO, ..terms() }.check(),
        Err(TermsError::Amount { field: "bank_quota" })
    );
    assert_eq!(Terms { max_term_months: 0, ..terms() }.check(), Err(TermsError::Term));
    assert_eq!(Terms { max_rate_bp: 0, ..terms() }.check(), Err(TermsError::Rate));
    assert_eq!(Terms { valid_to: day(2024, 1, 1), ..terms() }.check(), Err(TermsError::Dates));
}

#[test]
fn a_schedule_repays_the_principal_to_the_fen_with_a_months_interest_on_what_is_left() {
    // 100 万元 at 4.35 % over 12 months, equal principal: 83,333.33 元 a month, the rest last
    let s = LoanTerms { principal: Money::from_yuan(1_000_000), ..loan(0) }.schedule();
    assert_eq!(s.len(), 12);
    assert_eq!(s.iter().map(|i| i.principal.fen()).sum::<i64>(), 100_000_000);
    assert_eq!(s[0].principal, Money(8_333_333));
    assert_eq!(s[11].principal, Money(100_000_000 - 11 * 8_333_333));
    // 1,000,000 × 4.35 % / 12 = 3,625.00 元
    assert_eq!(s[0].interest, Money(362_500));
    assert!(s[11].interest < s[0].interest);
    // months end on the month's last day when the start's day does not exist
    assert_eq!(s[0].due_on, day(2025, 4, 30));
    assert_eq!(s[10].due_on, day(2026, 2, 28));
    let bullet = LoanTerms { repayment: Repayment::Bullet, ..loan(100) }.schedule();
    assert!(bullet[..11].iter().all(|i| i.principal == Money::ZERO));
    assert_eq!(bullet[11].principal, Money::from_wan(100));
    assert!(bullet.iter().all(|i| i.interest == Money(362_500)));
}

#[test]
fn the_funds_share_of_a_loss_is_rounded_down_to_the_fen() {
    let t = Terms { loss_share_pct: 45, ..terms() };
    assert_eq!(t.share_of(Money(1_001)), Money(450));
    assert_eq!(t.share_of(Money::MAX), Money(45_000_000_000_000));
    assert_eq!(leverage(Money::from_wan(5_000), Money::from_wan(1_000)), Some(5.0));
    assert_eq!(leverage(Money::from_wan(1), Money::ZERO), None);
}

#[test]
fn a_subsidy_is_its_share_of_what_was_paid_up_to_the_cap() {
    let rule = SubsidyRule {
        interest_pct: 50,
        interest_cap: Money::from_wan(10),
        guarantee_pct: 0,
        guarantee_cap: Money::ZERO,
    };
    assert_eq!(rule.check(), Ok(()));
    assert_eq!(rule.amount(SubsidyKind::Interest, Money(4_351)), Money(2_175));
    assert_eq!(rule.amount(SubsidyKind::Interest, Money::from_wan(20)), Money::from_wan(10));
    assert_eq!(rule.amount(SubsidyKind::Interest, Money(20_000_002)), Money::from_wan(10));
    assert_eq!(rule.amount(SubsidyKind::GuaranteeFee, Money::from_wan(5)), Money::ZERO);
    assert_eq!(SubsidyRule { interest_pct: 101, ..rule }.check(), Err(TermsError::Share));
    assert_eq!(
        SubsidyRule { guarantee_pct: 30, ..rule }.check(),
        Err(TermsError::Amount { field: "guarantee_cap" })
    );
}
