use super::*;

fn wan(text: &str) -> Amount {
    Amount::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn years(values: [&str; 3]) -> [Amount; 3] {
    values.map(wan)
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
}

/// The contract's example.
fn example() -> HnteInput {
    HnteInput {
        registered_on: day("2023-05-01"),
        apply_on: day("2026-06-30"),
        core_ip: true,
        key_field: true,
        employees: 200,
        tech_staff: 25,
        sales: years(["3000", "4000", "4500"]),
        net_assets: years(["2000", "2500", "3100"]),
        rd: years(["200", "230", "260"]),
        rd_domestic: years(["190", "220", "250"]),
        hitech_revenue: wan("3000"),
        total_revenue: wan("4600"),
        serious_violation: false,
        ip_points: Amount::whole(24),
        conversion_points: Amount::whole(22),
        organisation_points: Amount::whole(16),
    }
}

fn passes(r: &HnteResult) -> Vec<Option<bool>> {
    r.checks.iter().map(|c| c.pass).collect()
}

fn check(r: &HnteResult, rule: HnteRule) -> Option<bool> {
    r.checks.iter().find(|c| c.rule == rule).and_then(|c| c.pass)
}

#[test]
fn the_contracts_example() {
    let r = evaluate(&example());
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!(passes(&r), [Some(true); 9]);
    let codes: Vec<_> = r.checks.iter().map(|c| c.rule.code()).collect();
    assert_eq!(codes[0], "registered_one_year");
    assert_eq!(codes[8], "no_serious_violation");
    assert_eq!(r.rd_ratio.map(|f| f.decimal(6)).as_deref(), Some("0.06"));
    assert_eq!(r.rd_threshold_percent, 5);
    assert_eq!(r.net_assets_growth.map(|f| f.decimal(6)).as_deref(), Some("0.245"));
    assert_eq!(r.sales_growth.map(|f| f.decimal(6)).as_deref(), Some("0.229167"));
    assert_eq!((r.growth_points, r.score), ([10, 12], [Amount::whole(72), Amount::whole(74)]));
}

#[test]
fn one_year_is_365_calendar_days() {
    let at = |registered, apply| {
        let e = HnteInput { registered_on: day(registered), apply_on: day(apply), ..example() };
        check(&evaluate(&e), HnteRule::RegisteredOneYear)
    };
    assert_eq!(at("2025-06-30", "2026-06-30"), Some(true));
    assert_eq!(at("2025-07-01", "2026-06-30"), Some(false));
    // Across a leap day 365 days is one day short of the calendar year.
    assert_eq!(at("2023-07-01", "2024-06-30"), Some(true));
    assert_eq!(at("2026-07-01", "2026-06-30"), Some(false));
}

#[test]
fn shares_are_exact_at_their_boundaries() {
    let r = evaluate(&HnteInput { tech_staff: 20, ..example() });
    assert_eq!(check(&r, HnteRule::TechStaffShare), Some(true));
    let r = evaluate(&HnteInput { tech_staff: 19, ..example() });
    assert_eq!((check(&r, HnteRule::TechStaffShare), r.verdict), (Some(false), Verdict::Fail));
    let r = evaluate(&HnteInput { employees: 0, tech_staff: 0, ..example() });
    assert_eq!(check(&r, HnteRule::TechStaffShare), Some(false));
    // 60% exactly of 0.5: 0.3.
    let e = HnteInput { hitech_revenue: wan("0.3"), total_revenue: wan("0.5"), ..example() };
    assert_eq!(check(&evaluate(&e), HnteRule::HitechRevenueShare), Some(true));
    let e = HnteInput { hitech_revenue: wan("0.29"), ..e };
    assert_eq!(check(&evaluate(&e), HnteRule::HitechRevenueShare), Some(false));
    let e = HnteInput { total_revenue: Amount::ZERO, ..example() };
    assert_eq!(check(&evaluate(&e), HnteRule::HitechRevenueShare), Some(false));
    let e = HnteInput { rd_domestic: years(["0", "0", "414"]), ..example() };
    assert_eq!(check(&evaluate(&e), HnteRule::RdDomesticShare), Some(true));
    let e = HnteInput { rd_domestic: years(["0", "0", "413.99"]), ..example() };
    assert_eq!(check(&evaluate(&e), HnteRule::RdDomesticShare), Some(false));
    let e = HnteInput { rd: years(["0", "0", "0"]), ..example() };
    let r = evaluate(&e);
    assert_eq!(check(&r, HnteRule::RdDomesticShare), Some(false));
    assert_eq!(check(&r, HnteRule::RdIntensity), Some(false));
}

#[test]
fn the_rd_threshold_follows_the_latest_sales() {
    assert_eq!(rd_threshold_percent(wan("5000")), 5);
    assert_eq!(rd_threshold_percent(wan("5000.01")), 4);
    assert_eq!(rd_threshold_percent(wan("20000")), 4);
    assert_eq!(rd_threshold_percent(wan("20000.01")), 3);
    // Σsales 30000 with the latest 20000: 4% is 1200 exactly.
    let e = HnteInput {
        sales: years(["4000", "6000", "20000"]),
        rd: years(["400", "400", "400"]),
        rd_domestic: years(["400", "400", "400"]),
        ..example()
    };
    assert_eq!(check(&evaluate(&e), HnteRule::RdIntensity), Some(true));
    let e = HnteInput { rd: years(["400", "400", "399.99"]), ..e };
    assert_eq!(check(&evaluate(&e), HnteRule::RdIntensity), Some(false));
    let e = HnteInput { sales: years(["0", "0", "0"]), ..example() };
    let r = evaluate(&e);
    assert_eq!(check(&r, HnteRule::RdIntensity), Some(false));
    assert!(r.rd_ratio.is_none());
}

#[test]
fn growth_bands_and_the_zero_years() {
    let points = |y: [&str; 3]| growth_points(growth_rate(years(y)));
    // ½·(135/100 + 135/100) − 1 = 35% exactly.
    assert_eq!(points(["100", "135", "182.25"]), [9, 10]);
    assert_eq!(points(["100", "125", "156.25"]), [7, 8]);
    assert_eq!(points(["100", "115", "132.25"]), [5, 6]);
    assert_eq!(points(["100", "105", "110.25"]), [3, 4]);
    assert_eq!(points(["100", "100", "100.01"]), [1, 2]);
    assert_eq!(points(["100", "100", "100"]), [0, 0]);
    assert_eq!(points(["100", "90", "80"]), [0, 0]);
    // Y1 = 0: Y3/Y2 − 1.
    assert_eq!(
        growth_rate(years(["0", "100", "135"])).map(|f| f.decimal(6)).as_deref(),
        Some("0.35")
    );
    assert_eq!(points(["0", "100", "135"]), [9, 10]);
    // Y2 = 0: no rate, 0 points.
    assert!(growth_rate(years(["100", "0", "500"])).is_none());
    assert!(growth_rate(years(["0", "0", "0"])).is_none());
    assert_eq!(points(["100", "0", "500"]), [0, 0]);
    // A fall to nothing in Y3: ½·(1 + 0) − 1 = −50%.
    assert_eq!(
        growth_rate(years(["100", "100", "0"])).map(|f| f.decimal(6)).as_deref(),
        Some("-0.5")
    );
}

#[test]
fn the_innovation_score_is_undecided_between_its_bounds() {
    // Experts 62 + growth [10, 12]: passes at the minimum.
    let with = |ip: &str| {
        let r = evaluate(&HnteInput { ip_points: wan(ip), ..example() });
        let score = r.score.map(Amount::to_decimal);
        (score, check(&r, HnteRule::InnovationScore), r.verdict)
    };
    let s = |a: &str, b: &str| [a.to_string(), b.to_string()];
    assert_eq!(with("23"), (s("71", "73"), Some(true), Verdict::Pass));
    assert_eq!(with("22"), (s("70", "72"), None, Verdict::Undecided));
    assert_eq!(with("20"), (s("68", "70"), Some(false), Verdict::Fail));
    // Experts' averages may be fractional: 70.99 is not 71.
    assert_eq!(with("22.99"), (s("70.99", "72.99"), None, Verdict::Undecided));
    assert_eq!(with("20.5"), (s("68.5", "70.5"), Some(false), Verdict::Fail));
    // An undecided score with another check failing is a failure.
    let r = evaluate(&HnteInput { ip_points: wan("22"), core_ip: false, ..example() });
    assert_eq!(r.verdict, Verdict::Fail);
    let r = evaluate(&HnteInput { serious_violation: true, ..example() });
    assert_eq!((check(&r, HnteRule::NoSeriousViolation), r.verdict), (Some(false), Verdict::Fail));
}
