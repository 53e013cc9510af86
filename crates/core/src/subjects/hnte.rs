//! 高新技术企业认定 pre-check (国科发火〔2016〕32号 §11 and its 工作指引) as
//! shared/contracts/qualification.md fixes it: nine checks, each true, false or undecided.
use super::exact::{Amount, Frac};
use chrono::NaiveDate;

/// Maxima of the points experts give (else the input is malformed).
pub const MAX_IP_POINTS: u32 = 30;
pub const MAX_CONVERSION_POINTS: u32 = 30;
pub const MAX_ORGANISATION_POINTS: u32 = 20;
/// The innovation score that passes.
pub const PASS_SCORE: u32 = 71;
/// Days from registration to application.
pub const MIN_DAYS_REGISTERED: i64 = 365;

/// Growth bands, lower bound in percent (inclusive) and the points' range [min, max];
/// above 0 (exclusive) is 1–2, otherwise 0.
pub const GROWTH_BANDS: [(i128, [u32; 2]); 4] =
    [(35, [9, 10]), (25, [7, 8]), (15, [5, 6]), (5, [3, 4])];

/// One enterprise's figures: three accounting years, oldest first (a year without operation 0).
#[derive(Debug, Clone)]
pub struct HnteInput {
    pub registered_on: NaiveDate,
    pub apply_on: NaiveDate,
    pub core_ip: bool,
    pub key_field: bool,
    pub employees: u32,
    pub tech_staff: u32,
    pub sales: [Amount; 3],
    pub net_assets: [Amount; 3],
    pub rd: [Amount; 3],
    pub rd_domestic: [Amount; 3],
    pub hitech_revenue: Amount,
    pub total_revenue: Amount,
    pub serious_violation: bool,
    /// The experts' points (exact: an average of experts may be fractional).
    pub ip_points: Amount,
    pub conversion_points: Amount,
    pub organisation_points: Amount,
}

/// The nine checks, in the contract's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HnteRule {
    RegisteredOneYear,
    CoreIp,
    KeyField,
    TechStaffShare,
    RdIntensity,
    RdDomesticShare,
    HitechRevenueShare,
    InnovationScore,
    NoSeriousViolation,
}

impl HnteRule {
    pub const ALL: [HnteRule; 9] = [
        HnteRule::RegisteredOneYear,
        HnteRule::CoreIp,
        HnteRule::KeyField,
        HnteRule::TechStaffShare,
        HnteRule::RdIntensity,
        HnteRule::RdDomesticShare,
        HnteRule::HitechRevenueShare,
        HnteRule::InnovationScore,
        HnteRule::NoSeriousViolation,
    ];

    /// The rule of a code.
    pub fn parse(code: &str) -> Option<HnteRule> {
        HnteRule::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The contract's code.
    pub fn code(self) -> &'static str {
        match self {
            HnteRule::RegisteredOneYear => "registered_one_year",
            HnteRule::CoreIp => "core_ip",
            HnteRule::KeyField => "key_field",
            HnteRule::TechStaffShare => "tech_staff_share",
            HnteRule::RdIntensity => "rd_intensity",
            HnteRule::RdDomesticShare => "rd_domestic_share",
            HnteRule::HitechRevenueShare => "hitech_revenue_share",
            HnteRule::InnovationScore => "innovation_score",
            HnteRule::NoSeriousViolation => "no_serious_violation",
        }
    }
}

/// The verdict: any check false fails, all true passes, else undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Undecided,
}

impl Verdict {
    pub fn parse(code: &str) -> Option<Verdict> {
        [Verdict::Pass, Verdict::Fail, Verdict::Undecided].into_iter().find(|v| v.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Undecided => "undecided",
        }
    }
}

/// One check's outcome (`None`: undecided).
#[derive(Debug, Clone, Copy)]
pub struct Check {
    pub rule: HnteRule,
    pub pass: Option<bool>,
}

/// The pre-check with the numbers behind each check.
#[derive(Debug, Clone)]
pub struct HnteResult {
    pub verdict: Verdict,
    pub checks: Vec<Check>,
    pub days_registered: i64,
    pub tech_staff_share: Option<Frac>,
    /// Σrd / Σsales (`None` when Σsales is 0) and the threshold in percent.
    pub rd_ratio: Option<Frac>,
    pub rd_threshold_percent: u32,
    pub rd_domestic_share: Option<Frac>,
    pub hitech_share: Option<Frac>,
    /// Growth rates (`None` when their points are 0 because Y2 is 0).
    pub net_assets_growth: Option<Frac>,
    pub sales_growth: Option<Frac>,
    pub growth_points: [u32; 2],
    /// Expert points plus growth points, [min, max].
    pub score: [Amount; 2],
}

/// The growth rate of three years: ½·(Y2/Y1 + Y3/Y2) − 1, or Y3/Y2 − 1 when Y1 is 0;
/// `None` when Y2 is 0.
pub fn growth_rate([y1, y2, y3]: [Amount; 3]) -> Option<Frac> {
    if y2.is_zero() {
        return None;
    }
    let (a, b, c) = (y1.millionths(), y2.millionths(), y3.millionths());
    let plus_one = if y1.is_zero() { Frac::of(c, b) } else { Frac::of(b * b + a * c, 2 * a * b) };
    plus_one.map(Frac::minus_one)
}

/// Growth points' range for a rate (`None`: no rate, 0 points).
pub fn growth_points(rate: Option<Frac>) -> [u32; 2] {
    let Some(rate) = rate else { return [0, 0] };
    for (percent, points) in GROWTH_BANDS {
        if rate.at_least_percent(percent) {
            return points;
        }
    }
    if rate.cmp_percent(0).is_gt() { [1, 2] } else { [0, 0] }
}

/// The R&D intensity threshold in percent by the latest year's sales.
pub fn rd_threshold_percent(latest_sales: Amount) -> u32 {
    if latest_sales <= Amount::whole(5_000) {
        5
    } else if latest_sales <= Amount::whole(20_000) {
        4
    } else {
        3
    }
}

/// Any check false fails, all true passes, else undecided.
pub fn verdict(checks: &[Check]) -> Verdict {
    if checks.iter().any(|c| c.pass == Some(false)) {
        Verdict::Fail
    } else if checks.iter().all(|c| c.pass == Some(true)) {
        Verdict::Pass
    } else {
        Verdict::Undecided
    }
}

/// Runs the nine checks.
pub fn evaluate(e: &HnteInput) -> HnteResult {
    let days_registered = (e.apply_on - e.registered_on).num_days();
    let tech_staff_share = Frac::counts(e.tech_staff, e.employees);
    let rd_ratio = Frac::amounts(Amount::sum(&e.rd), Amount::sum(&e.sales));
    let rd_threshold_percent = rd_threshold_percent(e.sales[2]);
    let rd_domestic_share = Frac::amounts(Amount::sum(&e.rd_domestic), Amount::sum(&e.rd));
    let hitech_share = Frac::amounts(e.hitech_revenue, e.total_revenue);
    let net_assets_growth = growth_rate(e.net_assets);
    let sales_growth = growth_rate(e.sales);
    let [na_min, na_max] = growth_points(net_assets_growth);
    let [s_min, s_max] = growth_points(sales_growth);
    let growth_points = [na_min + s_min, na_max + s_max];
    let experts = Amount::sum(&[e.ip_points, e.conversion_points, e.organisation_points]);
    let score = growth_points.map(|g| Amount::sum(&[experts, Amount::whole(g)]));
    let at_least = |share: Option<Frac>, percent: u32| {
        share.is_some_and(|f| f.at_least_percent(i128::from(percent)))
    };
    let pass_score = Amount::whole(PASS_SCORE);
    let innovation = if score[0] >= pass_score {
        Some(true)
    } else if score[1] < pass_score {
        Some(false)
    } else {
        None
    };
    let pass = |rule| match rule {
        HnteRule::RegisteredOneYear => Some(days_registered >= MIN_DAYS_REGISTERED),
        HnteRule::CoreIp => Some(e.core_ip),
        HnteRule::KeyField => Some(e.key_field),
        HnteRule::TechStaffShare => Some(at_least(tech_staff_share, 10)),
        HnteRule::RdIntensity => Some(at_least(rd_ratio, rd_threshold_percent)),
        HnteRule::RdDomesticShare => Some(at_least(rd_domestic_share, 60)),
        HnteRule::HitechRevenueShare => Some(at_least(hitech_share, 60)),
        HnteRule::InnovationScore => innovation,
        HnteRule::NoSeriousViolation => Some(!e.serious_violation),
    };
    let checks: Vec<Check> =
        HnteRule::ALL.iter().map(|&rule| Check { rule, pass: pass(rule) }).collect();
    HnteResult {
        verdict: verdict(&checks),
        checks,
        days_registered,
        tech_staff_share,
        rd_ratio,
        rd_threshold_percent,
        rd_domestic_share,
        hitech_share,
        net_assets_growth,
        sales_growth,
        growth_points,
        score,
    }
}

#[cfg(test)]
#[path = "hnte_tests.rs"]
mod tests;
