use super::policy::*;
use crate::projects::money::Money;
use std::collections::HashMap;

struct Org(HashMap<(&'static str, i32), f64>);

impl Facts for Org {
    fn fact(&self, code: &str, offset: i32) -> Option<f64> {
        self.0.iter().find(|((c, o), _)| *c == code && *o == offset).map(|(_, v)| *v)
    }
}

fn org(values: &[(&'static str, i32, f64)]) -> Org {
    Org(values.iter().map(|(c, o, v)| ((*c, *o), *v)).collect())
}

fn rule(eligible: &str, amount: &str) -> PolicyRule {
    PolicyRule {
        eligible: eligible.into(),
        amount: amount.into(),
        firm_cap: None,
        programme_cap: None,
    }
}

const GROWTH: &str = "(#{RD_EXP} - #{RD_EXP}.periodOffset(-1)) * 0.1";

#[test]
fn a_rule_names_only_facts_of_its_year_and_the_two_before() {
    let err = |e: &str, a: &str| rule(e, a).compile().unwrap_err();
    assert_eq!(
        err("#{HNTE_NEW} == 1 && #{RD_EXPENSE} > 0", "20"),
        RuleError::UnknownFact {
            part: RulePart::Eligible,
            position: 21,
            name: "RD_EXPENSE".into()
        }
    );
    assert_eq!(
        err("1", "#{RD_EXP}.periodOffset(-3)"),
        RuleError::Offset { part: RulePart::Amount, position: 1, offset: -3 }
    );
    assert_eq!(
        err("#{RD_EXP}.periodOffset(1) > 0", "1"),
        RuleError::Offset { part: RulePart::Eligible, position: 1, offset: 1 }
    );
    assert!(matches!(err("C{POP} > 0", "1"), RuleError::NotAFact { position: 1, .. }));
    assert!(matches!(err("#{RD_EXP.GOV} > 0", "1"), RuleError::NotAFact { .. }));
    assert!(matches!(err("1", "#{RD_EXP}.yearToDate()"), RuleError::NotAFact { .. }));
    assert!(matches!(err("1", "(20"), RuleError::Syntax { part: RulePart::Amount, .. }));
    assert!(matches!(
        err("", "20"),
        RuleError::Syntax { part: RulePart::Eligible, position: 1, .. }
    ));
    let zero_cap = PolicyRule { firm_cap: Some(Money(0)), ..rule("1", "1") };
    assert_eq!(zero_cap.compile().unwrap_err(), RuleError::Cap);
    // the two years before are allowed, and the rule knows what it reads
    let ok = rule("#{RD_EXP}.periodOffset(-2) > 0", GROWTH).compile().unwrap();
    let reads: Vec<_> = ok.reads().iter().map(|(f, o)| (f.code, *o)).collect();
    assert_eq!(reads, [("RD_EXP", -2), ("RD_EXP", 0), ("RD_EXP", -1)]);
    assert_eq!(ok.oldest_offset(), -2);
}

#[test]
fn growth_pays_a_tenth_of_the_increase_and_a_missing_year_pays_nothing() {
    let r = rule("#{RD_EXP} > #{RD_EXP}.periodOffset(-1) && #{BAD_CREDIT} == 0", GROWTH);
    let r = r.compile().unwrap();
    let grew = org(&[("RD_EXP", 0, 1200.0), ("RD_EXP", -1, 1000.0), ("BAD_CREDIT", 0, 0.0)]);
    let a = r.assess(&grew);
    assert_eq!(a.amount, Money::from_wan(20));
    assert!(a.entitled() && a.trace.eligible && !a.trace.firm_capped);
    assert_eq!(a.trace.formula_fen, Some(20_000_000));
    let read: Vec<_> = a.trace.facts.iter().map(|f| (f.code.as_str(), f.offset, f.value)).collect();
    assert_eq!(
        read,
        [("RD_EXP", 0, Some(1200.0)), ("RD_EXP", -1, Some(1000.0)), ("BAD_CREDIT", 0, Some(0.0))]
    );
    // no return last year: not entitled, and the trace shows what was missing
    let new = org(&[("RD_EXP", 0, 1200.0), ("BAD_CREDIT", 0, 0.0)]);
    let a = r.assess(&new);
    assert!(!a.entitled() && !a.trace.eligible);
    assert_eq!(a.trace.facts[1].value, None);
    // barred by credit: not entitled
    let barred = org(&[("RD_EXP", 0, 1200.0), ("RD_EXP", -1, 1000.0), ("BAD_CREDIT", 0, 1.0)]);
    assert!(!r.assess(&barred).entitled());
}

#[test]
fn the_firm_cap_takes_an_amount_down_and_a_negative_amount_is_nothing() {
    let capped =
        PolicyRule { firm_cap: Some(Money::from_wan(50)), ..rule("1", "#{REVENUE} * 0.01") };
    let r = capped.compile().unwrap();
    let a = r.assess(&org(&[("REVENUE", 0, 10_000.0)]));
    assert_eq!((a.amount, a.trace.firm_capped), (Money::from_wan(50), true));
    assert_eq!(a.trace.formula_fen, Some(100_000_000));
    // exactly at the cap is not capped
    let a = r.assess(&org(&[("REVENUE", 0, 5_000.0)]));
    assert_eq!((a.amount, a.trace.firm_capped), (Money::from_wan(50), false));
    let a = r.assess(&org(&[("REVENUE", 0, -5.0)]));
    assert!(!a.entitled() && a.trace.eligible);
    // an amount past anything the platform takes still gets the cap
    let a = r.assess(&org(&[("REVENUE", 0, 1e15)]));
    assert_eq!((a.amount, a.trace.firm_capped), (Money::from_wan(50), true));
    // an amount to the fen: 0.1234565 万元 rounds to 1,235 fen
    let fine = rule("1", "0.0012345").compile().unwrap();
    assert_eq!(fine.assess(&org(&[])).amount, Money(1_235));
}

#[test]
fn a_programme_cap_shares_to_the_fen_and_adds_up_exactly() {
    let mut under = [Money(100), Money(200)];
    assert!(!share_programme_cap(&mut under, Money(300)));
    assert_eq!(under, [Money(100), Money(200)]);
    // three equal claims of 100 元 each for 200 元: 66.67, 66.67, 66.66 (the earlier
    // gets the odd fen on a tie)
    let mut equal = [Money(10_000); 3];
    assert!(share_programme_cap(&mut equal, Money(20_000)));
    assert_eq!(equal, [Money(6_667), Money(6_667), Money(6_666)]);
    let mut mixed = [Money::from_wan(30), Money::from_wan(10), Money(1), Money::from_wan(60)];
    share_programme_cap(&mut mixed, Money::from_wan(50));
    assert_eq!(mixed.iter().copied().sum::<Money>(), Money::from_wan(50));
    // shares 14,999,999.85 / 4,999,999.95 / 0.49 / 29,999,999.7 fen: the three largest
    // remainders take the three fen left
    assert_eq!(mixed, [Money::from_wan(15), Money::from_wan(5), Money(0), Money::from_wan(30)]);
    // large amounts do not overflow
    let mut big = [Money::MAX, Money::MAX];
    share_programme_cap(&mut big, Money::MAX);
    assert_eq!(big[0].fen() + big[1].fen(), Money::MAX.fen());
}
