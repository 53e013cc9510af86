use super::instruments::*;
use crate::orgs::OrgKind;
use crate::projects::money::Money;

fn form() -> InstrumentForm {
    InstrumentForm {
        code: "LZU-2019-0031".into(),
        name: "场发射扫描电子显微镜".into(),
        category: "analysis".into(),
        model: "Apreo 2S".into(),
        maker: "赛默飞世尔".into(),
        value_wan: "368.5".into(),
        location: "兰州大学榆中校区 分析测试中心 105".into(),
        parameters: "分辨率 0.9 nm @ 15 kV".into(),
        contact: "王老师 0931-8912345".into(),
        opens: "08:30".into(),
        closes: "17:30".into(),
        days: "12345".into(),
        price_own: "150".into(),
        price_academic: "300".into(),
        price_enterprise: "450".into(),
        price_voucher: "400".into(),
        min_minutes: "30".into(),
        max_minutes: "240".into(),
        notice_hours: "24".into(),
        buffer_minutes: "15".into(),
        approval: "是".into(),
        quota_day: "".into(),
        quota_week: "600".into(),
        quota_month: "".into(),
        cancel_hours: "".into(),
    }
}

#[test]
fn a_full_form_reads_into_an_instrument() {
    let i = form().parse().expect("valid");
    assert_eq!(i.value, Money(368_500_000));
    assert!(i.is_large());
    assert_eq!(i.hours.days_text(), "12345");
    assert_eq!(i.prices.per_hour(UserGroup::Enterprise), Money::from_yuan(450));
    assert!(i.rules.approval);
    assert_eq!((i.rules.quota_day, i.rules.quota_week), (None, Some(600)));
    assert_eq!(i.rules.cancel_hours, 24);
}

#[test]
fn large_starts_at_fifty_wan() {
    let at = |v: &str| InstrumentForm { value_wan: v.into(), ..form() }.parse().expect("valid");
    assert!(at("50").is_large());
    assert!(!at("49.999999").is_large());
}

#[test]
fn every_bad_field_is_named_at_once() {
    let bad = InstrumentForm {
        code: " ".into(),
        category: "toys".into(),
        value_wan: "-3".into(),
        opens: "18:00".into(),
        closes: "9点".into(),
        days: "1,8".into(),
        price_enterprise: "-1".into(),
        min_minutes: "300".into(),
        max_minutes: "60".into(),
        ..form()
    };
    let errors = bad.parse().expect_err("invalid");
    let fields: Vec<_> = errors.iter().map(|e| (e.field, e.key)).collect();
    assert_eq!(
        fields,
        vec![
            ("code", "err.required"),
            ("category", "sharing.err.category"),
            ("value_wan", "sharing.err.negative"),
            ("closes", "sharing.err.time"),
            ("days", "sharing.err.days"),
            ("price_enterprise", "sharing.err.negative"),
            ("max_minutes", "sharing.err.min_max"),
        ]
    );
    let closes_first = InstrumentForm { opens: "18:00".into(), ..form() }.parse().expect_err("x");
    assert_eq!(closes_first[0].key, "sharing.err.hours");
}

#[test]
fn groups_follow_the_bookers_organisation() {
    assert_eq!(UserGroup::of(7, OrgKind::University, 7), UserGroup::Own);
    assert_eq!(UserGroup::of(8, OrgKind::Institute, 7), UserGroup::Academic);
    assert_eq!(UserGroup::of(9, OrgKind::Enterprise, 7), UserGroup::Enterprise);
    assert_eq!(UserGroup::of(9, OrgKind::ServiceProvider, 7), UserGroup::Enterprise);
}

fn sheet_row(code: &str, value: &str, category: &str) -> Vec<String> {
    use super::import::COLUMNS;
    let f = form();
    COLUMNS
        .iter()
        .map(|c| match c.0 {
            "code" => code.to_string(),
            "name" => f.name.clone(),
            "category" => category.to_string(),
            "value_wan" => value.to_string(),
            "opens" => f.opens.clone(),
            "closes" => f.closes.clone(),
            "days" => f.days.clone(),
            "price_own" | "price_academic" | "price_enterprise" | "price_voucher" => "200".into(),
            "min_minutes" => "30".into(),
            "max_minutes" => "240".into(),
            "notice_hours" => "24".into(),
            _ => String::new(),
        })
        .collect()
}

#[test]
fn the_sheet_reads_by_its_headers_and_names_each_problems_place() {
    use super::import::{COLUMNS, read_rows};
    let header: Vec<String> = COLUMNS.iter().map(|c| c.1.to_string()).collect();
    let rows = vec![
        header.clone(),
        sheet_row("A-1", "120", "分析仪器"),
        sheet_row("A-2", "35", "analysis"),
    ];
    let items = read_rows(&rows, "仪器").expect("valid");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].category, "analysis");
    assert!(items[0].is_large() && !items[1].is_large());

    let bad =
        vec![header.clone(), sheet_row("A-1", "abc", "analysis"), sheet_row("A-1", "60", "玩具")];
    let errors = read_rows(&bad, "仪器").expect_err("invalid");
    let places: Vec<_> =
        errors.iter().map(|e| (e.place.line, e.place.column.as_str(), e.key)).collect();
    assert_eq!(
        places,
        vec![(2, "原值（万元）", "sharing.err.money"), (3, "仪器类别", "sharing.err.category"),]
    );
    let twice = vec![
        header.clone(),
        sheet_row("A-1", "60", "analysis"),
        sheet_row("A-1", "60", "analysis"),
    ];
    let errors = read_rows(&twice, "仪器").expect_err("a code twice");
    assert_eq!((errors[0].place.line, errors[0].key), (3, "sharing.err.code_twice"));

    let no_price: Vec<String> =
        header.iter().filter(|h| !h.contains("企业价格")).cloned().collect();
    let errors = read_rows(&[no_price], "仪器").expect_err("a column missing");
    assert_eq!(
        (errors[0].key, errors[0].args[0].as_str()),
        ("sharing.err.column", "企业价格（元/小时）")
    );
    assert_eq!(read_rows(&[header], "仪器").expect_err("no rows")[0].key, "sharing.err.empty");
}

#[test]
fn a_recorded_instrument_reads_back_into_the_same_form() {
    let i = form().parse().expect("valid");
    let again = InstrumentForm::of(&i).parse().expect("its own form is valid");
    assert_eq!(again, i);
}
