use super::services::*;
use chrono::NaiveDate;

fn service() -> ServiceForm {
    ServiceForm {
        name: "金属材料化学成分分析".into(),
        kind: "testing".into(),
        description: "GB/T 223 系列".into(),
        price: "380".into(),
        unit: "每个样品".into(),
        price_rule: String::new(),
        turnaround_days: "5".into(),
    }
}

fn fields(e: &[crate::orgs::FieldError]) -> Vec<&str> {
    e.iter().map(|p| p.field).collect()
}

#[test]
fn a_service_needs_a_price_or_a_rule_and_a_unit_with_its_price() {
    let s = service().parse().unwrap();
    assert_eq!(s.price.unwrap().fen(), 38_000);
    assert_eq!(s.estimate(3).unwrap().fen(), 114_000);
    let e = ServiceForm { price: String::new(), ..service() }.parse().unwrap_err();
    assert_eq!(fields(&e), ["price"]);
    assert_eq!(e[0].key, "provider.err.price");
    let by_rule =
        ServiceForm {
            price: String::new(), price_rule: "按检测项目计价".into(), ..service()
        };
    assert_eq!(by_rule.parse().unwrap().estimate(3), None);
    let e = ServiceForm { unit: " ".into(), ..service() }.parse().unwrap_err();
    assert_eq!(fields(&e), ["unit"]);
}

#[test]
fn a_bad_service_form_names_every_field_at_once() {
    let bad = ServiceForm {
        name: String::new(),
        kind: "magic".into(),
        description: String::new(),
        price: "-5".into(),
        unit: "件".into(),
        price_rule: String::new(),
        turnaround_days: "0".into(),
    };
    let e = bad.parse().unwrap_err();
    assert_eq!(fields(&e), ["name", "kind", "price", "turnaround_days"]);
    assert_eq!(e[2].key, "sharing.err.negative");
    let e = ServiceForm { turnaround_days: "366".into(), ..service() }.parse().unwrap_err();
    assert_eq!(e[0].args, ["366", "1", "365"]);
}

#[test]
fn a_service_form_round_trips() {
    let s = service().parse().unwrap();
    assert_eq!(ServiceForm::of(&s).parse().unwrap(), s);
}

#[test]
fn order_steps_follow_each_other_and_nothing_else() {
    use OrderAction as A;
    use OrderStatus as S;
    assert_eq!(A::Accept.next(S::Requested), Some(S::Accepted));
    assert_eq!(A::Refuse.next(S::Requested), Some(S::Refused));
    assert_eq!(A::Receive.next(S::Accepted), Some(S::Received));
    assert_eq!(A::Report.next(S::Received), Some(S::Reported));
    assert_eq!(A::Complete.next(S::Reported), Some(S::Completed));
    assert_eq!(A::Cancel.next(S::Accepted), Some(S::Cancelled));
    // Once the samples are in, the customer can no longer withdraw; nothing follows an end.
    assert_eq!(A::Cancel.next(S::Received), None);
    assert_eq!(A::Report.next(S::Accepted), None);
    for end in [S::Refused, S::Completed, S::Cancelled] {
        assert!(A::ALL.iter().all(|a| a.next(end).is_none()), "{end:?}");
        assert!(!end.open());
    }
    assert_eq!(A::Complete.side(), Side::Customer);
    assert_eq!(A::Report.side(), Side::Provider);
    assert!(S::ALL.iter().all(|s| S::parse(s.code()) == Some(*s)));
}

#[test]
fn an_order_needs_a_quantity_and_what_is_wanted() {
    let ok = OrderForm {
        samples: "钢样 3 块，快递寄送".into(),
        quantity: "3".into(),
        requirements: "测 C、Si、Mn、P、S 含量".into(),
    };
    assert_eq!(ok.parse().unwrap().quantity, 3);
    let e = OrderForm { quantity: "0".into(), requirements: " ".into(), ..ok.clone() }
        .parse()
        .unwrap_err();
    assert_eq!(fields(&e), ["quantity", "requirements"]);
    let e = OrderForm { quantity: String::new(), ..ok }.parse().unwrap_err();
    assert_eq!(fields(&e), ["quantity"]);
}

#[test]
fn fees_and_ratings_have_their_bounds() {
    assert_eq!(parse_fee("fee", "1,140.50").unwrap().fen(), 114_050);
    assert_eq!(parse_fee("fee", "0").unwrap().fen(), 0);
    assert_eq!(parse_fee("fee", "-1").unwrap_err()[0].key, "sharing.err.negative");
    assert_eq!(parse_fee("fee", "").unwrap_err()[0].key, "err.required");
    assert!(parse_fee("fee", "100000000").is_ok());
    assert!(parse_fee("fee", "100000000.01").is_err());
    let r = |s: &str| RatingForm { score: s.into(), comment: "报告及时".into() }.parse();
    assert_eq!(r("5").unwrap().score, 5);
    assert_eq!(r("1").unwrap().score, 1);
    for bad in ["0", "6", "", "好"] {
        assert_eq!(r(bad).unwrap_err()[0].key, "provider.err.score", "{bad}");
    }
    assert_eq!(average(14, 3), Some(4.7));
    assert_eq!(average(0, 0), None);
}

#[test]
fn profiles_and_accreditations_are_checked() {
    let p = ProfileForm { summary: "第三方检测".into(), kinds: "testing，rd testing".into() };
    assert_eq!(p.parse().unwrap().kinds, ["rd", "testing"]);
    let e = ProfileForm { summary: String::new(), kinds: "cooking".into() }.parse().unwrap_err();
    assert_eq!(fields(&e), ["summary", "kinds"]);
    let a = AccreditationForm {
        kind: "cma".into(),
        number: "231234567890".into(),
        scope: "金属材料".into(),
        valid_until: "2027-03-31".into(),
    };
    let a = a.parse().unwrap();
    assert!(a.valid_on(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()));
    assert!(!a.valid_on(NaiveDate::from_ymd_opt(2027, 4, 1).unwrap()));
    let bad = AccreditationForm {
        kind: "iso".into(),
        number: String::new(),
        scope: String::new(),
        valid_until: "3000-01-01".into(),
    };
    assert_eq!(fields(&bad.parse().unwrap_err()), ["kind", "number", "valid_until"]);
}
