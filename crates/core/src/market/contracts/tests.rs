use super::*;

/// A good licence of a patent: 120 万元, 20 万元 of equipment, paid in two parts.
fn good() -> ContractInput {
    ContractInput {
        title: "稀土永磁电机控制技术专利实施许可合同".into(),
        contract_type: "licence.patent".into(),
        seller_name: "兰州某大学".into(),
        seller_code: crate::orgs::CreditCode::complete("12620000438000000")
            .unwrap()
            .as_str()
            .into(),
        buyer_name: "白银某电机有限公司".into(),
        buyer_code: crate::orgs::CreditCode::complete("91620400MA7000000").unwrap().as_str().into(),
        buyer_region: "local".into(),
        ip: "ZL202010123456.2".into(),
        subject: "许可使用无位置传感器控制专利。".into(),
        signed_on: "2025-06-30".into(),
        amount_wan: "120".into(),
        costs: vec![("equipment".into(), "20".into())],
        payments: vec![("2025-07-31".into(), "60".into()), ("2026-01-31".into(), "60".into())],
        ..ContractInput::default()
    }
}

fn fields(i: &ContractInput) -> Vec<(&'static str, &'static str)> {
    validate(i).unwrap_err().iter().map(|e| (e.field, e.key)).collect()
}

#[test]
fn the_two_amounts_and_who_registers() {
    let d = validate(&good()).unwrap();
    assert_eq!((d.amount, d.transaction()), (Money::from_wan(120), Money::from_wan(100)));
    assert_eq!(d.registrant_code(), d.seller_code);
    let import = validate(&ContractInput { import: true, ..good() }).unwrap();
    assert_eq!(import.registrant_code(), import.buyer_code, "an import: the domestic buyer");
    // Costs equal to the amount are allowed (a transaction amount of zero).
    let all_costs = ContractInput { costs: vec![("materials".into(), "120".into())], ..good() };
    assert_eq!(validate(&all_costs).unwrap().transaction(), Money::ZERO);
}

#[test]
fn amounts_that_do_not_hold_are_named() {
    let over = ContractInput { costs: vec![("equipment".into(), "120.01".into())], ..good() };
    assert_eq!(fields(&over), vec![("costs", "err.contract.costs_exceed")]);
    let short = ContractInput { payments: vec![("2025-07-31".into(), "119.99".into())], ..good() };
    assert_eq!(fields(&short), vec![("payments", "err.contract.schedule")]);
    let negative = ContractInput { amount_wan: "-1".into(), ..good() };
    assert!(fields(&negative).contains(&("amount_wan", "err.contract.negative")));
    let zero = ContractInput {
        amount_wan: "0".into(),
        payments: vec![("2025-07-31".into(), "0".into())],
        costs: vec![],
        ..good()
    };
    assert_eq!(fields(&zero), vec![("amount_wan", "err.contract.zero")]);
    let none = ContractInput { payments: vec![], ..good() };
    assert_eq!(fields(&none), vec![("payments", "err.contract.no_schedule")]);
    let bad_day = ContractInput { signed_on: "2025-02-30".into(), ..good() };
    assert_eq!(fields(&bad_day), vec![("signed_on", "err.contract.date")]);
}

#[test]
fn the_subject_must_fit_the_type() {
    let no_patent = ContractInput { ip: "".into(), ..good() };
    assert_eq!(fields(&no_patent), vec![("ip", "err.contract.needs_patent")]);
    let wrong_check = ContractInput { ip: "ZL202010123456.3".into(), ..good() };
    assert_eq!(fields(&wrong_check), vec![("ip", "err.market.patent_check")]);
    let secret = ContractInput { contract_type: "transfer.secret".into(), ..good() };
    assert_eq!(fields(&secret), vec![("ip", "err.contract.secret_patented")]);
    let software = ContractInput { contract_type: "licence.software".into(), ..good() };
    assert_eq!(fields(&software), vec![("ip", "err.contract.needs_software")]);
    let ok = ContractInput {
        contract_type: "licence.software".into(),
        ip: "2021SR0123456".into(),
        ..good()
    };
    assert!(validate(&ok).is_ok());
    let unknown = ContractInput { contract_type: "gift".into(), ..good() };
    assert_eq!(fields(&unknown), vec![("contract_type", "err.choose")]);
    let same = ContractInput { buyer_code: good().seller_code, ..good() };
    assert_eq!(fields(&same), vec![("buyer_code", "err.contract.same_party")]);
}

#[test]
fn the_time_limit_counts_working_days() {
    let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    assert_eq!(after_working_days(friday, 1), NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
    assert_eq!(after_working_days(friday, 5), NaiveDate::from_ymd_opt(2026, 12, 11).unwrap());
    // 15 working days are three weeks; a large or disputed contract has six.
    assert_eq!(
        decide_by(friday, Money::from_wan(499), false),
        NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()
    );
    assert_eq!(
        decide_by(friday, Money::from_wan(500), false),
        NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()
    );
    assert_eq!(
        decide_by(friday, Money::from_wan(1), true),
        NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()
    );
}

#[test]
fn the_states_allow_only_their_actions() {
    assert_eq!(next(Status::Submitted, Action::Register), Some(Status::Registered));
    assert_eq!(next(Status::Materials, Action::Resubmit), Some(Status::Submitted));
    assert_eq!(next(Status::Registered, Action::Cancel), Some(Status::Cancelled));
    assert_eq!(next(Status::Materials, Action::Register), None);
    assert_eq!(next(Status::Cancelled, Action::Cancel), None);
    assert!(Status::Registered.counts() && !Status::Cancelled.counts());
    assert_eq!(quarter(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()), "2025Q3");
}
