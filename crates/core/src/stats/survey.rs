//! The yearly report of the enterprise innovation survey (企业创新调查, form CX-1): how many
//! enterprises innovated and how, what innovation cost against revenue, what new products sold,
//! who worked with universities, what held them back and which policies they used — over an area
//! and for each of its parts. Pure: the responses come in, the report goes out.
use std::collections::{BTreeMap, HashSet};

/// The survey's form code.
pub const FORM: &str = "CX-1";
pub const REVENUE: &str = "CX_REVENUE";
pub const EXPENDITURE: &str = "CX_EXP";
pub const NEW_PRODUCT_SALES: &str = "CX_NEWPROD_SALES";
pub const COOPERATION: &str = "CX_COOP_UNIV";
/// The four types of innovation of the national survey.
pub const TYPES: [&str; 4] =
    ["CX_INNOV_PRODUCT", "CX_INNOV_PROCESS", "CX_INNOV_ORG", "CX_INNOV_MARKET"];
/// The parts of innovation expenditure.
pub const PARTS: [&str; 4] =
    ["CX_EXP_INTERNAL", "CX_EXP_EXTERNAL", "CX_EXP_MACHINE", "CX_EXP_TECH"];
pub const OBSTACLES: [&str; 5] =
    ["CX_OBS_FUNDS", "CX_OBS_TALENT", "CX_OBS_INFO", "CX_OBS_RISK", "CX_OBS_MARKET"];
pub const POLICIES: [&str; 2] = ["CX_POL_RD_DEDUCTION", "CX_POL_HITECH"];

/// One enterprise's survey return: its numeric values by element code (a blank cell is absent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Response {
    pub organisation_id: i64,
    pub org_unit_id: i64,
    pub values: BTreeMap<String, f64>,
}

impl Response {
    fn get(&self, element: &str) -> Option<f64> {
        self.values.get(element).copied()
    }
    /// A yes/no answer: `Some(true)` for 1, `Some(false)` for any other number, `None` if blank.
    fn yes(&self, element: &str) -> Option<bool> {
        self.get(element).map(|v| v == 1.0)
    }
    fn amount(&self, element: &str) -> f64 {
        self.get(element).unwrap_or(0.0)
    }
    /// Any of the four types reported; unanswered if none of the four is.
    fn innovating(&self) -> Option<bool> {
        let answers: Vec<bool> = TYPES.iter().filter_map(|t| self.yes(t)).collect();
        (!answers.is_empty()).then(|| answers.iter().any(|a| *a))
    }
}

/// A part of the area the report is also broken down by (a zone, a county): the org units whose
/// enterprises belong to it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Group {
    pub unit_id: i64,
    pub org_units: Vec<i64>,
}

/// How many answered yes, out of how many answered; the share is `None` when nobody answered
/// (a share of nothing is no share, not 0 and never NaN).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Share {
    pub yes: usize,
    pub answered: usize,
}

impl Share {
    pub fn share(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.yes as f64 / self.answered as f64)
    }
    fn count(responses: &[&Response], answer: impl Fn(&Response) -> Option<bool>) -> Share {
        let answers: Vec<bool> = responses.iter().filter_map(|r| answer(r)).collect();
        Share { yes: answers.iter().filter(|a| **a).count(), answered: answers.len() }
    }
}

/// A yes/no question's element and its share.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemShare {
    pub element: &'static str,
    pub share: Share,
}

/// An amount in 千元 by element.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    pub element: &'static str,
    pub value: f64,
}

/// The key shares of one part of the area.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupShares {
    pub unit_id: i64,
    pub responses: usize,
    pub innovating: Share,
    pub cooperating: Share,
    pub intensity: Option<f64>,
    pub new_product_share: Option<f64>,
}

/// The survey report of an area for a year.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyReport {
    pub responses: usize,
    /// Enterprises with any of the four types of innovation.
    pub innovating: Share,
    /// Each type of innovation, in the form's order.
    pub types: Vec<ItemShare>,
    /// Innovation expenditure (千元), blanks counted as 0.
    pub expenditure: f64,
    pub parts: Vec<Amount>,
    pub revenue: f64,
    pub new_product_sales: f64,
    /// Innovation expenditure over the revenue reported; `None` without revenue.
    pub intensity: Option<f64>,
    /// New-product sales over revenue; `None` without revenue.
    pub new_product_share: Option<f64>,
    pub cooperating: Share,
    /// Each obstacle, the most often named first (the form's order among equals).
    pub obstacles: Vec<ItemShare>,
    pub policies: Vec<ItemShare>,
    pub groups: Vec<GroupShares>,
}

fn ratio(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

fn sum(responses: &[&Response], element: &str) -> f64 {
    responses.iter().map(|r| r.amount(element)).sum()
}

fn item_shares(responses: &[&Response], elements: &[&'static str]) -> Vec<ItemShare> {
    elements
        .iter()
        .map(|e| ItemShare { element: e, share: Share::count(responses, |r| r.yes(e)) })
        .collect()
}

/// Spending or sales over revenue, both summed over the enterprises that gave their revenue: an
/// amount without its revenue beside it would raise the ratio (past 100 % even).
fn over_revenue(responses: &[&Response], element: &str) -> Option<f64> {
    let with: Vec<&Response> =
        responses.iter().copied().filter(|r| r.get(REVENUE).is_some()).collect();
    ratio(sum(&with, element), sum(&with, REVENUE))
}

fn group_shares(unit_id: i64, responses: &[&Response]) -> GroupShares {
    GroupShares {
        unit_id,
        responses: responses.len(),
        innovating: Share::count(responses, Response::innovating),
        cooperating: Share::count(responses, |r| r.yes(COOPERATION)),
        intensity: over_revenue(responses, EXPENDITURE),
        new_product_share: over_revenue(responses, NEW_PRODUCT_SALES),
    }
}

/// The report over every response, and the key shares of each group (a response in none of the
/// groups counts in the whole only). Yes/no shares are out of those who answered the question.
pub fn report(responses: &[Response], groups: &[Group]) -> SurveyReport {
    let all: Vec<&Response> = responses.iter().collect();
    let revenue = sum(&all, REVENUE);
    let expenditure = sum(&all, EXPENDITURE);
    let new_product_sales = sum(&all, NEW_PRODUCT_SALES);
    let mut obstacles = item_shares(&all, &OBSTACLES);
    // By how often named among those who answered, unanswered last; stable: equals keep the
    // form's order.
    obstacles.sort_by(|a, b| {
        let rate = |o: &ItemShare| o.share.share().unwrap_or(-1.0);
        rate(b).total_cmp(&rate(a))
    });
    let groups = groups
        .iter()
        .map(|g| {
            let units: HashSet<i64> = g.org_units.iter().copied().collect();
            let mine: Vec<&Response> =
                all.iter().copied().filter(|r| units.contains(&r.org_unit_id)).collect();
            group_shares(g.unit_id, &mine)
        })
        .collect();
    SurveyReport {
        responses: all.len(),
        innovating: Share::count(&all, Response::innovating),
        types: item_shares(&all, &TYPES),
        expenditure,
        parts: PARTS.iter().map(|p| Amount { element: p, value: sum(&all, p) }).collect(),
        revenue,
        new_product_sales,
        intensity: over_revenue(&all, EXPENDITURE),
        new_product_share: over_revenue(&all, NEW_PRODUCT_SALES),
        cooperating: Share::count(&all, |r| r.yes(COOPERATION)),
        obstacles,
        policies: item_shares(&all, &POLICIES),
        groups,
    }
}

/// A key figure of the report beside the year before (与上年比较).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyChange {
    /// `responses`, `innovating`, `cooperating`, `intensity` or `new_product_share`.
    pub figure: &'static str,
    /// A share (0–1), compared in percentage points; else a count.
    pub is_share: bool,
    pub now: Option<f64>,
    pub before: Option<f64>,
}

impl KeyChange {
    /// The change: in percentage points for a share (`0.02` → `2.0`), else the difference; none
    /// unless both years have the figure.
    pub fn change(&self) -> Option<f64> {
        let d = self.now? - self.before?;
        Some(if self.is_share { d * 100.0 } else { d })
    }
}

/// The key figures of a year beside the year before; none when nobody answered the year before
/// (a comparison with nothing would only mislead).
pub fn year_on_year(now: &SurveyReport, before: &SurveyReport) -> Vec<KeyChange> {
    if before.responses == 0 {
        return Vec::new();
    }
    let share = |figure, now, before| KeyChange { figure, is_share: true, now, before };
    vec![
        KeyChange {
            figure: "responses",
            is_share: false,
            now: Some(now.responses as f64),
            before: Some(before.responses as f64),
        },
        share("innovating", now.innovating.share(), before.innovating.share()),
        share("cooperating", now.cooperating.share(), before.cooperating.share()),
        share("intensity", now.intensity, before.intensity),
        share("new_product_share", now.new_product_share, before.new_product_share),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(org: i64, unit: i64, values: &[(&str, f64)]) -> Response {
        Response {
            organisation_id: org,
            org_unit_id: unit,
            values: values.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    fn innovator(org: i64, unit: i64) -> Response {
        response(
            org,
            unit,
            &[
                ("CX_REVENUE", 10_000.0),
                ("CX_INNOV_PRODUCT", 1.0),
                ("CX_INNOV_PROCESS", 0.0),
                ("CX_INNOV_ORG", 0.0),
                ("CX_INNOV_MARKET", 1.0),
                ("CX_EXP", 500.0),
                ("CX_EXP_INTERNAL", 300.0),
                ("CX_EXP_MACHINE", 100.0),
                ("CX_NEWPROD_SALES", 2_000.0),
                ("CX_COOP_UNIV", 1.0),
                ("CX_OBS_FUNDS", 1.0),
                ("CX_OBS_TALENT", 1.0),
                ("CX_OBS_INFO", 0.0),
                ("CX_OBS_RISK", 0.0),
                ("CX_OBS_MARKET", 0.0),
                ("CX_POL_RD_DEDUCTION", 1.0),
                ("CX_POL_HITECH", 0.0),
            ],
        )
    }

    fn zeros(org: i64, unit: i64) -> Response {
        let mut r = response(org, unit, &[("CX_REVENUE", 0.0), ("CX_EXP", 0.0)]);
        for e in TYPES.iter().chain(&OBSTACLES).chain(&POLICIES).chain([&COOPERATION]) {
            r.values.insert(e.to_string(), 0.0);
        }
        r
    }

    #[test]
    fn no_responses_give_no_shares_not_nan() {
        let r = report(&[], &[Group { unit_id: 7, org_units: vec![7] }]);
        assert_eq!(r.responses, 0);
        assert_eq!(r.innovating.share(), None);
        assert_eq!(r.intensity, None);
        assert_eq!(r.new_product_share, None);
        assert!(r.obstacles.iter().all(|o| o.share.share().is_none()));
        assert_eq!(r.groups[0].responses, 0);
        assert_eq!(r.groups[0].innovating.share(), None);
    }

    #[test]
    fn an_enterprise_with_all_zeros_is_counted_as_not_innovating() {
        let r = report(&[zeros(1, 10)], &[]);
        assert_eq!(r.responses, 1);
        assert_eq!(r.innovating, Share { yes: 0, answered: 1 });
        assert_eq!(r.innovating.share(), Some(0.0));
        // No revenue: no intensity (not 0/0).
        assert_eq!(r.intensity, None);
        assert_eq!(r.cooperating.share(), Some(0.0));
    }

    #[test]
    fn shares_sums_ratios_and_groups() {
        let responses = vec![innovator(1, 10), zeros(2, 10), innovator(3, 20), zeros(4, 20)];
        let groups = vec![
            Group { unit_id: 100, org_units: vec![10] },
            Group { unit_id: 200, org_units: vec![20, 21] },
        ];
        let r = report(&responses, &groups);
        assert_eq!(r.responses, 4);
        assert_eq!(r.innovating.share(), Some(0.5));
        assert_eq!(r.types[0].element, "CX_INNOV_PRODUCT");
        assert_eq!(r.types[0].share.share(), Some(0.5));
        assert_eq!(r.types[1].share.share(), Some(0.0));
        assert_eq!(r.expenditure, 1_000.0);
        assert_eq!(r.parts[0].value, 600.0);
        assert_eq!(r.parts[1].value, 0.0);
        assert_eq!(r.intensity, Some(1_000.0 / 20_000.0));
        assert_eq!(r.new_product_share, Some(0.2));
        assert_eq!(r.cooperating.share(), Some(0.5));
        // Funds and talent (2 each) before the rest; equals keep the form's order.
        let ranked: Vec<&str> = r.obstacles.iter().map(|o| o.element).collect();
        assert_eq!(ranked[..2], ["CX_OBS_FUNDS", "CX_OBS_TALENT"]);
        assert_eq!(ranked[2..], ["CX_OBS_INFO", "CX_OBS_RISK", "CX_OBS_MARKET"]);
        assert_eq!(r.policies[0].share.share(), Some(0.5));
        assert_eq!(r.groups[0].unit_id, 100);
        assert_eq!(r.groups[0].responses, 2);
        assert_eq!(r.groups[0].innovating.share(), Some(0.5));
        assert_eq!(r.groups[1].intensity, Some(0.05));
    }

    #[test]
    fn a_missing_answer_is_left_out_of_its_share() {
        let mut partial = innovator(2, 10);
        partial.values.remove("CX_COOP_UNIV");
        for t in TYPES {
            partial.values.remove(t);
        }
        partial.values.remove("CX_REVENUE");
        let r = report(&[innovator(1, 10), partial], &[]);
        assert_eq!(r.cooperating, Share { yes: 1, answered: 1 });
        assert_eq!(r.innovating, Share { yes: 1, answered: 1 });
        // Its blank revenue adds nothing; its spending still counts in the total.
        assert_eq!(r.revenue, 10_000.0);
        assert_eq!(r.expenditure, 1_000.0);
        // The ratios read only the enterprises that gave their revenue.
        assert_eq!(r.intensity, Some(0.05));
        // A value other than 1 (refused by the form's rules) is not a yes.
        let odd = response(3, 10, &[("CX_COOP_UNIV", 2.0)]);
        assert_eq!(report(&[odd], &[]).cooperating, Share { yes: 0, answered: 1 });
    }

    #[test]
    fn a_year_compares_with_the_one_before_in_points_and_not_with_nothing() {
        // 2 of 2 innovating this year, 1 of 2 the year before: +50 points.
        let now = report(&[innovator(1, 10), innovator(2, 10)], &[]);
        let before = report(&[innovator(1, 10), zeros(2, 10)], &[]);
        let changes = year_on_year(&now, &before);
        let get = |f: &str| *changes.iter().find(|c| c.figure == f).unwrap();
        assert_eq!(get("responses").change(), Some(0.0));
        let innovating = get("innovating");
        assert_eq!((innovating.now, innovating.before), (Some(1.0), Some(0.5)));
        assert!((innovating.change().unwrap() - 50.0).abs() < 1e-9, "in points");
        assert!(year_on_year(&now, &report(&[], &[])).is_empty(), "no year before, no comparison");
        // A share nobody answered the year before has no change.
        let unanswered = KeyChange { figure: "x", is_share: true, now: Some(0.2), before: None };
        assert_eq!(unanswered.change(), None);
    }
}
