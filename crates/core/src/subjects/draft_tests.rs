use super::*;
use crate::subjects::hnte::Verdict;

fn wan(text: &str) -> Amount {
    Amount::parse(text).unwrap_or_default()
}

fn year(period: &str, revenue: &str, rd: &str) -> ReturnYear {
    ReturnYear {
        period: period.into(),
        employees: Some(200),
        rd_staff: Some(30),
        revenue: Some(wan(revenue)),
        assets: Some(wan("9000")),
        rd: Some(wan(rd)),
        rd_abroad: Some(wan("10")),
        valid_inventions: Some(2),
    }
}

fn t<T: Copy>(v: T) -> Figure<T> {
    Figure::known(v, Source::Entered)
}

fn holdings() -> Holdings {
    Holdings {
        hnte_certificate: None,
        barred: false,
        today: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
    }
}

#[test]
fn the_sme_draft_takes_the_latest_return_and_names_what_is_missing() {
    let d = sme_draft(&year("2025", "4500", "260"), &holdings());
    assert_eq!(d.sales.value, Some(wan("4500")));
    assert_eq!(
        d.sales.source,
        Source::Return { form: "107-2".into(), period: "2025".into(), element: "REVENUE" }
    );
    assert_eq!(d.bad_record, Figure::known(false, Source::Credit));
    assert_eq!(
        d.complete().err().unwrap_or_default(),
        ["resident_mainland", "cost_expense", "ip_class2", "prohibited_industry"]
    );
    let filled = SmeDraft {
        resident_mainland: d.resident_mainland.clone().entered(Some(true)),
        cost_expense: d.cost_expense.clone().entered(Some(wan("4000"))),
        ip_class2: d.ip_class2.clone().entered(Some(0)),
        prohibited_industry: d.prohibited_industry.clone().entered(Some(false)),
        sales: d.sales.clone().entered(Some(wan("4500"))),
        employees: d.employees.clone().entered(Some(210)),
        ..d
    };
    assert!(matches!(filled.sales.source, Source::Return { .. }), "same value: source kept");
    assert_eq!(filled.employees.source, Source::Entered);
    let input = filled.complete().unwrap_or_default();
    assert_eq!((input.employees, input.ip_class1, input.tech_staff), (210, 2, 30));
}

#[test]
fn a_valid_certificate_and_a_credit_bar_come_from_the_platform() {
    let h =
        Holdings { hnte_certificate: Some("GR202562000123".into()), barred: true, ..holdings() };
    let d = sme_draft(&year("2025", "4500", "260"), &h);
    assert_eq!(d.hnte_valid.value, Some(true));
    assert_eq!(d.bad_record.value, Some(true));
    let years =
        [year("2023", "3000", "200"), year("2024", "4000", "230"), year("2025", "4500", "260")];
    let d = hnte_draft(&years, &h);
    assert_eq!(d.serious_violation.value, Some(true));
    assert_eq!(d.rd_domestic[0].value, Some(wan("190")));
    assert_eq!(d.precheck().verdict, Verdict::Fail);
}

#[test]
fn the_precheck_leaves_unknown_checks_undecided_until_the_figures_are_in() {
    let years =
        [year("2023", "3000", "200"), year("2024", "4000", "230"), year("2025", "4500", "260")];
    let d = hnte_draft(&years, &holdings());
    let r = d.precheck();
    let pass = |r: &HnteResult, rule| r.checks.iter().find(|c| c.rule == rule).and_then(|c| c.pass);
    assert_eq!(pass(&r, HnteRule::TechStaffShare), Some(true));
    assert_eq!(pass(&r, HnteRule::RdIntensity), Some(true));
    assert_eq!(pass(&r, HnteRule::RdDomesticShare), Some(true));
    assert_eq!(pass(&r, HnteRule::CoreIp), None);
    assert_eq!(pass(&r, HnteRule::InnovationScore), None);
    assert_eq!(r.verdict, Verdict::Undecided);
    assert!(d.complete().is_none());
    // A missing year is not a zero: R&D intensity waits for it.
    let mut gap = years.clone();
    gap[0] = ReturnYear { period: "2023".into(), ..ReturnYear::default() };
    let r = hnte_draft(&gap, &holdings()).precheck();
    assert_eq!(pass(&r, HnteRule::RdIntensity), None);
    // Low expert points fail the score even with the unknown net-asset growth at its best.
    let low = HnteDraft {
        ip_points: Figure::known(Amount::whole(10), Source::Entered),
        conversion_points: Figure::known(Amount::whole(10), Source::Entered),
        organisation_points: Figure::known(Amount::whole(10), Source::Entered),
        ..d.clone()
    };
    let r = low.precheck();
    assert_eq!((pass(&r, HnteRule::InnovationScore), r.verdict), (Some(false), Verdict::Fail));
    // Every figure in: the contract's evaluation.
    let full = HnteDraft {
        registered_on: t(NaiveDate::from_ymd_opt(2023, 5, 1).unwrap_or_default()),
        core_ip: t(true),
        key_field: t(true),
        net_assets: [wan("2000"), wan("2500"), wan("3100")].map(t),
        hitech_revenue: t(wan("3000")),
        ip_points: t(Amount::whole(24)),
        conversion_points: t(Amount::whole(22)),
        organisation_points: t(Amount::whole(16)),
        ..d
    };
    let input = full.complete();
    assert!(input.is_some());
    assert_eq!(full.precheck().verdict, Verdict::Pass);
}
