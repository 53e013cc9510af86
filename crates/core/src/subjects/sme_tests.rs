use super::*;

fn wan(text: &str) -> Amount {
    Amount::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The contract's first example.
fn example() -> SmeInput {
    SmeInput {
        resident_mainland: true,
        employees: 120,
        tech_staff: 30,
        sales: wan("5000"),
        total_assets: wan("8000"),
        rd_expense: wan("400"),
        cost_expense: wan("4500"),
        ip_class2: 3,
        ..SmeInput::default()
    }
}

fn codes(r: &SmeResult) -> Vec<&'static str> {
    r.failed.iter().map(|f| f.code()).collect()
}

#[test]
fn the_contracts_examples() {
    let r = evaluate(&example());
    assert!(r.eligible && !r.direct);
    assert_eq!((r.score, r.staff_points, r.rd_points, r.ip_points), (84, 16, 50, 18));
    assert!(r.failed.is_empty());

    let second = SmeInput {
        employees: 80,
        tech_staff: 7,
        sales: wan("1200"),
        rd_expense: wan("36"),
        cost_expense: wan("1000"),
        ip_class2: 2,
        ..example()
    };
    let r = evaluate(&second);
    assert!(!r.eligible);
    assert_eq!((r.score, r.staff_points, r.rd_points, r.ip_points), (32, 0, 20, 12));
    assert_eq!(codes(&r), ["score_below_60", "no_tech_staff_points"]);
}

#[test]
fn band_boundaries_are_inclusive_below_and_exact() {
    // 科技人员: 10% exactly is 4 points, one person fewer is 0.
    let staff = |tech, employees| {
        evaluate(&SmeInput { tech_staff: tech, employees, ..example() }).staff_points
    };
    assert_eq!(staff(10, 100), 4);
    assert_eq!(staff(9, 100), 0);
    assert_eq!(staff(3, 10), 20);
    assert_eq!(staff(1, 4), 16);
    assert_eq!(staff(0, 0), 0);
    // R&D / sales: 0.3 of 5 is exactly 6%.
    let rd = |rd: &str, sales: &str, costs: &str| {
        evaluate(&SmeInput {
            rd_expense: wan(rd),
            sales: wan(sales),
            cost_expense: wan(costs),
            ..example()
        })
        .rd_points
    };
    assert_eq!(rd("0.3", "5", "0"), 50);
    assert_eq!(rd("0.29", "5", "0"), 40);
    assert_eq!(rd("1.99", "100", "0"), 0);
    assert_eq!(rd("2", "100", "0"), 10);
    // The better of the two: 10% of costs (10) beats 1% of sales (0); 30% of costs is 50.
    assert_eq!(rd("1", "100", "10"), 10);
    assert_eq!(rd("3", "1000", "10"), 50);
    // A zero denominator scores 0, not a division by zero.
    assert_eq!(rd("5", "0", "0"), 0);
}

#[test]
fn ip_points_follow_the_counts() {
    let cases = [((1, 0), 30), ((0, 4), 24), ((0, 9), 24), ((0, 3), 18), ((0, 1), 6), ((0, 0), 0)];
    for ((c1, c2), points) in cases {
        assert_eq!(ip_points(c1, c2), points, "{c1} {c2}");
    }
}

#[test]
fn basic_conditions_fail_in_the_contracts_order_and_limits_are_inclusive() {
    let at_limits = SmeInput {
        employees: 500,
        tech_staff: 150,
        sales: wan("20000"),
        total_assets: wan("20000"),
        rd_expense: wan("1200"),
        ..example()
    };
    assert!(evaluate(&at_limits).eligible);
    let over = SmeInput {
        resident_mainland: false,
        employees: 501,
        sales: wan("20000.01"),
        total_assets: wan("20000.01"),
        prohibited_industry: true,
        bad_record: true,
        ..at_limits
    };
    let r = evaluate(&over);
    assert_eq!(
        codes(&r),
        [
            "not_resident",
            "too_many_employees",
            "sales_over_limit",
            "assets_over_limit",
            "prohibited_industry",
            "bad_record"
        ]
    );
    // Points are reported even so: 150 of 501 is under 30%, 1200 of 20000.01 under 6% of
    // sales but 26.7% of costs.
    assert_eq!((r.staff_points, r.rd_points, r.ip_points), (16, 40, 18));
}

#[test]
fn a_direct_condition_qualifies_without_score_but_not_without_basic_conditions() {
    let weak = SmeInput { tech_staff: 0, ip_class2: 0, rd_expense: Amount::ZERO, ..example() };
    assert_eq!(codes(&evaluate(&weak)), ["score_below_60", "no_tech_staff_points"]);
    for direct in 0..4 {
        let mut e = weak.clone();
        match direct {
            0 => e.hnte_valid = true,
            1 => e.national_award_top3_5y = true,
            2 => e.provincial_rd_institution = true,
            _ => e.led_standard_5y = true,
        }
        let r = evaluate(&e);
        assert!(r.eligible && r.direct && r.score == 0, "{direct}");
        let r = evaluate(&SmeInput { bad_record: true, ..e });
        assert!(!r.eligible && r.direct);
        assert_eq!(codes(&r), ["bad_record"]);
    }
}

#[test]
fn a_score_of_60_qualifies_only_with_tech_staff_points() {
    // 4 + 50 + 6 = 60.
    let e = SmeInput { tech_staff: 12, ip_class2: 1, ..example() };
    let r = evaluate(&e);
    assert_eq!((r.score, r.eligible), (60, true));
    let r = evaluate(&SmeInput { tech_staff: 11, ip_class2: 4, ..e });
    assert_eq!(r.score, 74);
    assert_eq!(codes(&r), ["no_tech_staff_points"]);
    let r = evaluate(&SmeInput { ip_class2: 0, ..e });
    assert_eq!(codes(&r), ["score_below_60"]);
}
