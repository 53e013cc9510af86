//! What it would take to pass: for each rule an enterprise misses, the smallest change of its
//! own figures that would meet it ("R&D 3.6% of sales: needs 4.0%, 25.2 万元 more").
use super::exact::{Amount, Frac};
use super::hnte::{self, HnteInput, HnteResult, HnteRule};
use super::sme::{self, SmeInput, SmeResult};

/// A shortfall, in the figure's own unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// 万元 more of the figure.
    Amount(Amount),
    /// More people of the kind (hired: they count among the employees too).
    People(u32),
    /// More points.
    Points(Amount),
    /// More days.
    Days(i64),
}

/// Hires of `percent`-kind staff that lift `staff / employees` to `percent` (each hire counts
/// among the employees too): the smallest x with (staff + x)·100 ≥ percent·(employees + x).
pub fn hires_for(staff: u32, employees: u32, percent: u32) -> u32 {
    let need = i64::from(percent) * i64::from(employees) - 100 * i64::from(staff);
    if need <= 0 {
        return 0;
    }
    let per_hire = 100 - i64::from(percent.min(99));
    u32::try_from((need + per_hire - 1) / per_hire).unwrap_or(u32::MAX)
}

/// The amount to add to `part` so that `part / whole` reaches `percent` (`whole` fixed).
pub fn amount_for(part: Amount, whole: Amount, percent: u32) -> Amount {
    whole.percent_ceil(percent).saturating_sub(part).ceil_hundredths()
}

/// The gap of one 高企 check that is not met (`None` when it is, or when no figure of the
/// enterprise's own can close it: a date, a yes/no, a violation).
pub fn hnte_gap(rule: HnteRule, e: &HnteInput, r: &HnteResult) -> Option<Gap> {
    let met = r.checks.iter().any(|c| c.rule == rule && c.pass == Some(true));
    if met {
        return None;
    }
    let short = |share: Option<Frac>, percent: u32| {
        share.is_none_or(|f| !f.at_least_percent(i128::from(percent)))
    };
    match rule {
        HnteRule::RegisteredOneYear => {
            Some(Gap::Days(hnte::MIN_DAYS_REGISTERED - r.days_registered))
                .filter(|_| r.days_registered < hnte::MIN_DAYS_REGISTERED)
        }
        HnteRule::TechStaffShare if short(r.tech_staff_share, 10) => {
            Some(Gap::People(hires_for(e.tech_staff, e.employees, 10).max(1)))
        }
        HnteRule::RdIntensity if short(r.rd_ratio, r.rd_threshold_percent) => {
            let sales = Amount::sum(&e.sales);
            (!sales.is_zero())
                .then(|| Gap::Amount(amount_for(Amount::sum(&e.rd), sales, r.rd_threshold_percent)))
        }
        HnteRule::RdDomesticShare if short(r.rd_domestic_share, 60) => {
            let rd = Amount::sum(&e.rd);
            (!rd.is_zero()).then(|| Gap::Amount(amount_for(Amount::sum(&e.rd_domestic), rd, 60)))
        }
        HnteRule::HitechRevenueShare if short(r.hitech_share, 60) => (!e.total_revenue.is_zero())
            .then(|| Gap::Amount(amount_for(e.hitech_revenue, e.total_revenue, 60))),
        HnteRule::InnovationScore => {
            let missing = Amount::whole(hnte::PASS_SCORE).saturating_sub(r.score[0]);
            (!missing.is_zero()).then_some(Gap::Points(missing))
        }
        _ => None,
    }
}

/// The next band of one 科技型中小企业 indicator: its points and what reaching it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextBand {
    pub percent: u32,
    pub points: u32,
    pub gap: Gap,
}

/// What lifts the 科技型中小企业 score: the next band of each indicator not at its best, and the
/// points still missing to 60.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmeGaps {
    pub staff: Option<NextBand>,
    /// The next band of R&D / sales (the costs' ratio is shown as it is).
    pub rd: Option<NextBand>,
    /// Points of the next IP step and the Ⅱ类 items it takes (a Ⅰ类 item gives 30 at once).
    pub ip: Option<(u32, u32)>,
    pub score_short: u32,
}

pub fn sme_gaps(e: &SmeInput, r: &SmeResult) -> SmeGaps {
    let next = |bands: &[(u32, u32)], now: u32| bands.iter().rev().find(|(_, p)| *p > now).copied();
    let staff = next(&sme::STAFF_BANDS, r.staff_points).map(|(percent, points)| NextBand {
        percent,
        points,
        gap: Gap::People(hires_for(e.tech_staff, e.employees, percent).max(1)),
    });
    let rd = match next(&sme::RD_SALES_BANDS, sme::band_points(r.rd_of_sales, &sme::RD_SALES_BANDS))
    {
        Some((percent, points)) if !e.sales.is_zero() && points > r.rd_points => Some(NextBand {
            percent,
            points,
            gap: Gap::Amount(amount_for(e.rd_expense, e.sales, percent)),
        }),
        _ => None,
    };
    let ip = (e.ip_class1 == 0 && e.ip_class2 < 4).then(|| {
        let more = 1;
        (sme::ip_points(0, e.ip_class2 + more), more)
    });
    SmeGaps { staff, rd, ip, score_short: sme::PASS_SCORE.saturating_sub(r.score) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wan(text: &str) -> Amount {
        Amount::parse(text).unwrap_or_default()
    }

    #[test]
    fn hires_and_amounts_are_the_smallest_that_meet_the_rule() {
        // 9 of 100 → 10%: one more hire gives 10 of 101 (9.9%), two give 11 of 102 (10.8%).
        assert_eq!(hires_for(9, 100, 10), 2);
        assert_eq!(hires_for(10, 100, 10), 0);
        assert_eq!(hires_for(0, 0, 10), 0);
        assert_eq!(hires_for(0, 9, 10), 1);
        // R&D 43.2 of sales 1200 is 3.6%: 4% needs 48, 4.8 万元 more.
        assert_eq!(amount_for(wan("43.2"), wan("1200"), 4), wan("4.8"));
        // Rounded up to the 百元: 1% of 0.01 is 0.0001, still 0.01 more.
        assert_eq!(amount_for(Amount::ZERO, wan("0.01"), 1), wan("0.01"));
    }

    #[test]
    fn the_gaps_of_a_failing_hnte_enterprise() {
        let day = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let e = HnteInput {
            registered_on: day("2026-01-01"),
            apply_on: day("2026-06-30"),
            core_ip: true,
            key_field: true,
            employees: 100,
            tech_staff: 9,
            sales: [wan("1000"), wan("1000"), wan("1000")],
            net_assets: [wan("100"), wan("100"), wan("100")],
            rd: [wan("40"), wan("40"), wan("40")],
            rd_domestic: [wan("40"), wan("40"), wan("40")],
            hitech_revenue: wan("500"),
            total_revenue: wan("1000"),
            serious_violation: false,
            ip_points: wan("20"),
            conversion_points: wan("20"),
            organisation_points: wan("10"),
        };
        let r = hnte::evaluate(&e);
        let gap = |rule| hnte_gap(rule, &e, &r);
        assert_eq!(gap(HnteRule::RegisteredOneYear), Some(Gap::Days(185)));
        assert_eq!(gap(HnteRule::TechStaffShare), Some(Gap::People(2)));
        assert_eq!(gap(HnteRule::RdIntensity), Some(Gap::Amount(wan("30"))));
        assert_eq!(gap(HnteRule::RdDomesticShare), None);
        assert_eq!(gap(HnteRule::HitechRevenueShare), Some(Gap::Amount(wan("100"))));
        assert_eq!(gap(HnteRule::InnovationScore), Some(Gap::Points(wan("21"))));
        assert_eq!(gap(HnteRule::CoreIp), None);
    }

    #[test]
    fn the_next_bands_of_an_sme() {
        let e = SmeInput {
            resident_mainland: true,
            employees: 80,
            tech_staff: 7,
            sales: wan("1200"),
            rd_expense: wan("36"),
            cost_expense: wan("1000"),
            ip_class2: 2,
            ..SmeInput::default()
        };
        let g = sme_gaps(&e, &sme::evaluate(&e));
        assert_eq!(g.staff, Some(NextBand { percent: 10, points: 4, gap: Gap::People(2) }));
        assert_eq!(g.rd, Some(NextBand { percent: 4, points: 30, gap: Gap::Amount(wan("12")) }));
        assert_eq!(g.ip, Some((18, 1)));
        assert_eq!(g.score_short, 28);
    }
}
