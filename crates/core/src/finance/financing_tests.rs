use super::financing::*;
use crate::projects::money::Money;
use chrono::NaiveDate;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn demand() -> DemandInput {
    DemandInput {
        kind: "loan".into(),
        amount_wan: "300".into(),
        term_months: "12".into(),
        purpose: "购置中试生产线设备".into(),
        collateral: "信用".into(),
        valid_until: "2027-03-31".into(),
    }
}

fn product() -> ProductInput {
    ProductInput {
        kind: "loan".into(),
        name: "科技贷".into(),
        description: "面向科技型中小企业的信用贷款".into(),
        rate_min_pct: "3.45".into(),
        rate_max_pct: "4.35".into(),
        amount_min_wan: "50".into(),
        amount_max_wan: "500".into(),
        term_min_months: "6".into(),
        term_max_months: "36".into(),
        requires: vec!["tech_sme".into(), "clean_credit".into()],
        valid_until: "2027-12-31".into(),
    }
}

#[test]
fn a_demand_is_checked_by_field_and_equity_needs_no_term() {
    let today = day(2026, 12, 6);
    let d = validate_demand(&demand(), today).unwrap();
    assert_eq!((d.kind, d.amount, d.term_months), (NeedKind::Loan, Money(300_000_000), Some(12)));
    let equity = DemandInput { kind: "equity".into(), term_months: "".into(), ..demand() };
    assert_eq!(validate_demand(&equity, today).unwrap().term_months, None);
    let no_term = DemandInput { term_months: "".into(), ..demand() };
    assert_eq!(validate_demand(&no_term, today).unwrap_err()[0].field, "term_months");
    // Boundaries: 1 and 360 months, today and two years ahead.
    for (term, ok) in [("0", false), ("1", true), ("360", true), ("361", false), ("12.5", false)] {
        let i = DemandInput { term_months: term.into(), ..demand() };
        assert_eq!(validate_demand(&i, today).is_ok(), ok, "term {term}");
    }
    for (until, ok) in
        [("2026-12-05", false), ("2026-12-06", true), ("2028-12-06", true), ("2028-12-07", false)]
    {
        let i = DemandInput { valid_until: until.into(), ..demand() };
        assert_eq!(validate_demand(&i, today).is_ok(), ok, "until {until}");
    }
    let bad = DemandInput {
        kind: "gift".into(),
        amount_wan: "-5".into(),
        term_months: "x".into(),
        purpose: " ".into(),
        collateral: "押".repeat(201),
        valid_until: "2026-13-01".into(),
    };
    let fields: Vec<&str> =
        validate_demand(&bad, today).unwrap_err().iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        vec!["kind", "amount_wan", "term_months", "purpose", "collateral", "valid_until"]
    );
    let zero = DemandInput { amount_wan: "0".into(), ..demand() };
    assert_eq!(validate_demand(&zero, today).unwrap_err()[0].key, "financing.err.amount");
}

#[test]
fn a_product_runs_low_to_high_and_equity_has_no_rate() {
    let today = day(2026, 12, 6);
    let p = validate_product(&product(), today).unwrap();
    assert_eq!(p.rate_bp, Some((345, 435)));
    assert_eq!(p.term_months, Some((6, 36)));
    assert_eq!(p.requires, vec![Requirement::TechSme, Requirement::CleanCredit]);
    let reversed = ProductInput { amount_min_wan: "501".into(), ..product() };
    let e = validate_product(&reversed, today).unwrap_err();
    assert_eq!((e[0].field, e[0].key), ("amount_max_wan", "financing.err.range"));
    let equal = ProductInput { rate_min_pct: "4.35".into(), ..product() };
    assert!(validate_product(&equal, today).is_ok());
    for (rate, ok) in [("0", false), ("0.01", true), ("24", true), ("24.01", false), ("4%", true)] {
        let i =
            ProductInput { rate_max_pct: rate.into(), rate_min_pct: "0.01".into(), ..product() };
        assert_eq!(validate_product(&i, today).is_ok(), ok, "rate {rate}");
    }
    let equity = ProductInput {
        kind: "equity".into(),
        rate_min_pct: String::new(),
        rate_max_pct: String::new(),
        term_min_months: String::new(),
        term_max_months: String::new(),
        ..product()
    };
    let p = validate_product(&equity, today).unwrap();
    assert_eq!((p.rate_bp, p.term_months), (None, None));
    let unknown = ProductInput { requires: vec!["rich".into()], ..product() };
    assert_eq!(validate_product(&unknown, today).unwrap_err()[0].field, "requires");
}

#[test]
fn a_match_says_which_conditions_hold_and_a_guarantee_backs_loans() {
    let requires = [Requirement::TechSme, Requirement::CleanCredit];
    let offer = Offer {
        kind: ProductKind::Loan,
        amount_min: Money(50_000_000),
        amount_max: Money(500_000_000),
        term_months: Some((6, 36)),
        requires: &requires,
    };
    let need = Need { kind: NeedKind::Loan, amount: Money(500_000_000), term_months: Some(36) };
    let firm = Standing { tech_sme: true, clean_credit: true, ..Standing::default() };
    let f = fit(&need, &firm, &offer).unwrap();
    assert!(f.fits(), "both ends of the ranges are inside");
    assert_eq!(f.reasons.len(), 4);
    let over = Need { amount: Money(500_000_001), ..need };
    let f = fit(&over, &firm, &offer).unwrap();
    assert_eq!((f.fits(), f.misses()), (false, 1));
    assert!(matches!(f.reasons[0], Reason::Amount { met: false, .. }));
    let long = Need { term_months: Some(37), ..need };
    assert!(matches!(
        fit(&long, &firm, &offer).unwrap().reasons[1],
        Reason::Term { met: false, .. }
    ));
    let barred = Standing { clean_credit: false, ..firm };
    let f = fit(&need, &barred, &offer).unwrap();
    assert_eq!(
        f.reasons.last(),
        Some(&Reason::Requirement { what: Requirement::CleanCredit, met: false })
    );
    let equity = Need { kind: NeedKind::Equity, term_months: None, ..need };
    assert_eq!(fit(&equity, &firm, &offer), None, "a loan does not answer equity");
    let guarantee = Offer { kind: ProductKind::Guarantee, ..offer.clone() };
    let pledge = Need { kind: NeedKind::IpPledge, ..need };
    assert!(fit(&pledge, &firm, &guarantee).unwrap().fits());
    assert_eq!(fit(&pledge, &firm, &offer), None);
}

#[test]
fn the_follow_up_moves_forward_by_the_right_side_and_stops_at_its_end() {
    use Side::{Enterprise as E, Institution as I};
    use Stage::*;
    assert_eq!(next(None, Applied, E), Ok(()));
    assert_eq!(next(None, Contacted, I), Ok(()));
    assert_eq!(next(None, Approved, I), Ok(()));
    assert_eq!(next(None, Withdrawn, E), Err(StepError::Order { from: None }));
    assert_eq!(next(None, Contacted, E), Err(StepError::NotYours { side: I }));
    assert_eq!(next(Some(Applied), Contacted, I), Ok(()));
    assert_eq!(next(Some(Contacted), DueDiligence, I), Ok(()));
    assert_eq!(
        next(Some(DueDiligence), Contacted, I),
        Err(StepError::Order { from: Some(DueDiligence) })
    );
    assert_eq!(
        next(Some(Contacted), Contacted, I),
        Err(StepError::Order { from: Some(Contacted) })
    );
    assert_eq!(next(Some(Contacted), Applied, E), Err(StepError::Order { from: Some(Contacted) }));
    assert_eq!(next(Some(DueDiligence), Withdrawn, E), Ok(()));
    for end in [Approved, Declined, Withdrawn] {
        assert_eq!(next(Some(end), Withdrawn, E), Err(StepError::Order { from: Some(end) }));
        assert_eq!(next(Some(end), Approved, I), Err(StepError::Order { from: Some(end) }));
    }
}

#[test]
fn a_decline_says_why_and_an_approval_how_much() {
    let asked = Money(300_000_000);
    let decline = StepInput { stage: "declined".into(), ..StepInput::default() };
    let e = validate_step(&decline, asked).unwrap_err();
    assert_eq!((e[0].field, e[0].key), ("note", "financing.err.reason"));
    let approve = StepInput { stage: "approved".into(), approved_wan: "300".into(), ..decline };
    assert_eq!(validate_step(&approve, asked).unwrap().approved, Some(asked));
    let over = StepInput { approved_wan: "300.0001".into(), ..approve.clone() };
    assert_eq!(validate_step(&over, asked).unwrap_err()[0].key, "financing.err.over_asked");
    let none = StepInput { approved_wan: "".into(), ..approve };
    assert_eq!(validate_step(&none, asked).unwrap_err()[0].field, "approved_wan");
    let contact = StepInput { stage: "contacted".into(), ..StepInput::default() };
    assert_eq!(validate_step(&contact, asked).unwrap().approved, None);
}
