use super::vouchers::*;
use crate::projects::money::Money;

fn form() -> ProgrammeForm {
    ProgrammeForm {
        code: "LZ2026".into(),
        name: "兰州市2026年度科技创新券".into(),
        year: "2026".into(),
        budget_wan: "500".into(),
        per_application_wan: "2".into(),
        per_enterprise_wan: "10".into(),
        copay_percent: "30".into(),
        services: "testing, instrument,rd".into(),
        eligibility: "tech_sme".into(),
        valid_from: "2026-01-01".into(),
        valid_to: "2026-12-31".into(),
    }
}

#[test]
fn a_programme_reads_with_its_caps_and_services() {
    let p = form().parse().expect("valid");
    assert_eq!(
        (p.budget, p.per_application, p.per_enterprise),
        (Money::from_wan(500), Money::from_wan(2), Money::from_wan(10))
    );
    assert_eq!(p.services, ["testing", "instrument", "rd"]);
    assert_eq!(p.eligibility, Eligibility::TechSme);
}

#[test]
fn every_bad_field_of_a_programme_is_named() {
    let bad = ProgrammeForm {
        code: "兰州".into(),
        budget_wan: "0".into(),
        per_application_wan: "20".into(),
        copay_percent: "100".into(),
        services: "testing,massage".into(),
        valid_to: "2025-12-31".into(),
        ..form()
    };
    let fields: Vec<_> =
        bad.parse().expect_err("invalid").iter().map(|e| (e.field, e.key)).collect();
    assert_eq!(
        fields,
        vec![
            ("code", "voucher.err.code"),
            ("budget_wan", "voucher.err.positive"),
            ("per_application_wan", "voucher.err.caps"),
            ("copay_percent", "sharing.err.number"),
            ("services", "voucher.err.services"),
            ("valid_to", "voucher.err.period"),
        ]
    );
}

#[test]
fn the_voucher_pays_all_but_the_copay_within_its_balance() {
    // 30% co-payment on 1,000.01 元: the voucher pays 700.00 (rounded down), not 700.007
    assert_eq!(voucher_pays(Money(100_001), 30, Money::from_wan(2)), Money(70_000));
    assert_eq!(voucher_pays(Money::from_yuan(1000), 0, Money::from_wan(2)), Money::from_yuan(1000));
    assert_eq!(voucher_pays(Money::from_yuan(50_000), 30, Money::from_wan(2)), Money::from_wan(2));
    assert_eq!(voucher_pays(Money::from_yuan(100), 30, Money::ZERO), Money::ZERO);
    assert_eq!(number("LZ2026", 123), "LZ2026-000123");
}

#[test]
fn relatedness_names_the_person_and_both_standings() {
    let p =
        |name: &str, fp: &str, s| Person { name: name.into(), fingerprint: fp.into(), standing: s };
    let ent = [p("张伟", "a1", Standing::LegalRepresentative), p("李娜", "b2", Standing::Staff)];
    let unrelated = [p("王强", "c3", Standing::Shareholder)];
    let related_one = [p("王强", "c3", Standing::Staff), p("李娜", "b2", Standing::Shareholder)];
    assert_eq!(related(&ent, &unrelated), None);
    assert_eq!(
        related(&ent, &related_one),
        Some(Relation {
            name: "李娜".into(),
            in_enterprise: Standing::Staff,
            in_provider: Standing::Shareholder
        })
    );
}

#[test]
fn the_ledger_balances_and_says_when_it_does_not() {
    let l = Ledger {
        budget: Money(1_000),
        issued: Money(600),
        balance: Money(70),
        pending: Money(50),
        redeemed: Money(300),
        exchanged: Money(30),
        expired: Money(100),
        recovered: Money(50),
    };
    assert_eq!(l.unissued(), Money(550));
    assert!(l.holds());
    assert!(!Ledger { balance: Money(71), ..l }.holds(), "a fen too many in the balance");
    assert!(!Ledger { exchanged: Money(0), ..l }.holds(), "money spent in a partner region lost");
    let overissued = Ledger { issued: Money(1_300), balance: Money(770), ..l };
    assert!(!overissued.holds(), "more issued than the budget");
}
