//! 科技型中小企业评价 (国科发政〔2017〕115号) as shared/contracts/qualification.md fixes it.
use super::exact::{Amount, Frac};

/// Basic conditions' limits: employees, sales and total assets (万元), inclusive.
pub const MAX_EMPLOYEES: u32 = 500;
pub const MAX_SALES_WAN: u32 = 20_000;
pub const MAX_ASSETS_WAN: u32 = 20_000;
/// The score that qualifies (with the 科技人员 points not 0).
pub const PASS_SCORE: u32 = 60;

/// Points by band, lower bound inclusive: (percent, points), best band first.
pub const STAFF_BANDS: [(u32, u32); 5] = [(30, 20), (25, 16), (20, 12), (15, 8), (10, 4)];
pub const RD_SALES_BANDS: [(u32, u32); 5] = [(6, 50), (5, 40), (4, 30), (3, 20), (2, 10)];
pub const RD_COST_BANDS: [(u32, u32); 5] = [(30, 50), (25, 40), (20, 30), (15, 20), (10, 10)];

/// One enterprise's figures, as the contract's input.
#[derive(Debug, Clone, Default)]
pub struct SmeInput {
    pub resident_mainland: bool,
    pub employees: u32,
    pub tech_staff: u32,
    pub sales: Amount,
    pub total_assets: Amount,
    pub rd_expense: Amount,
    pub cost_expense: Amount,
    pub ip_class1: u32,
    pub ip_class2: u32,
    pub prohibited_industry: bool,
    pub bad_record: bool,
    pub hnte_valid: bool,
    pub national_award_top3_5y: bool,
    pub provincial_rd_institution: bool,
    pub led_standard_5y: bool,
}

/// A reason an enterprise is not eligible, in the contract's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SmeFailure {
    NotResident,
    TooManyEmployees,
    SalesOverLimit,
    AssetsOverLimit,
    ProhibitedIndustry,
    BadRecord,
    ScoreBelow60,
    NoTechStaffPoints,
}

impl SmeFailure {
    /// The contract's code.
    pub fn code(self) -> &'static str {
        match self {
            SmeFailure::NotResident => "not_resident",
            SmeFailure::TooManyEmployees => "too_many_employees",
            SmeFailure::SalesOverLimit => "sales_over_limit",
            SmeFailure::AssetsOverLimit => "assets_over_limit",
            SmeFailure::ProhibitedIndustry => "prohibited_industry",
            SmeFailure::BadRecord => "bad_record",
            SmeFailure::ScoreBelow60 => "score_below_60",
            SmeFailure::NoTechStaffPoints => "no_tech_staff_points",
        }
    }
}

/// The evaluation, with the ratios behind each indicator's points.
#[derive(Debug, Clone)]
pub struct SmeResult {
    pub eligible: bool,
    /// A direct condition holds (valid 高企 certificate, award, R&D institution, standard).
    pub direct: bool,
    pub score: u32,
    pub staff_points: u32,
    pub rd_points: u32,
    pub ip_points: u32,
    pub failed: Vec<SmeFailure>,
    /// tech staff / employees (`None` when there are no employees).
    pub staff_share: Option<Frac>,
    /// R&D / sales and R&D / costs (`None` over a zero denominator).
    pub rd_of_sales: Option<Frac>,
    pub rd_of_costs: Option<Frac>,
}

/// Points of the best band the ratio reaches.
pub fn band_points(ratio: Option<Frac>, bands: &[(u32, u32)]) -> u32 {
    let Some(ratio) = ratio else { return 0 };
    bands
        .iter()
        .find(|(percent, _)| ratio.at_least_percent(i128::from(*percent)))
        .map_or(0, |(_, points)| *points)
}

/// 科技成果 points from the counts of Ⅰ类 and Ⅱ类 intellectual property.
pub fn ip_points(class1: u32, class2: u32) -> u32 {
    match (class1, class2) {
        (1.., _) => 30,
        (0, 4..) => 24,
        (0, 3) => 18,
        (0, 2) => 12,
        (0, 1) => 6,
        (0, 0) => 0,
    }
}

/// Evaluates one enterprise: points always, eligibility by the basic and direct conditions.
pub fn evaluate(e: &SmeInput) -> SmeResult {
    let staff_share = Frac::counts(e.tech_staff, e.employees);
    let rd_of_sales = Frac::amounts(e.rd_expense, e.sales);
    let rd_of_costs = Frac::amounts(e.rd_expense, e.cost_expense);
    let staff_points = band_points(staff_share, &STAFF_BANDS);
    let rd_points =
        band_points(rd_of_sales, &RD_SALES_BANDS).max(band_points(rd_of_costs, &RD_COST_BANDS));
    let ip_points = ip_points(e.ip_class1, e.ip_class2);
    let score = staff_points + rd_points + ip_points;
    let direct = e.hnte_valid
        || e.national_award_top3_5y
        || e.provincial_rd_institution
        || e.led_standard_5y;
    let basic = [
        (!e.resident_mainland, SmeFailure::NotResident),
        (e.employees > MAX_EMPLOYEES, SmeFailure::TooManyEmployees),
        (e.sales > Amount::whole(MAX_SALES_WAN), SmeFailure::SalesOverLimit),
        (e.total_assets > Amount::whole(MAX_ASSETS_WAN), SmeFailure::AssetsOverLimit),
        (e.prohibited_industry, SmeFailure::ProhibitedIndustry),
        (e.bad_record, SmeFailure::BadRecord),
    ];
    let mut failed: Vec<SmeFailure> =
        basic.iter().filter(|(fails, _)| *fails).map(|(_, why)| *why).collect();
    if !direct {
        if score < PASS_SCORE {
            failed.push(SmeFailure::ScoreBelow60);
        }
        if staff_points == 0 {
            failed.push(SmeFailure::NoTechStaffPoints);
        }
    }
    SmeResult {
        eligible: failed.is_empty(),
        direct,
        score,
        staff_points,
        rd_points,
        ip_points,
        failed,
        staff_share,
        rd_of_sales,
        rd_of_costs,
    }
}

#[cfg(test)]
#[path = "sme_tests.rs"]
mod tests;
