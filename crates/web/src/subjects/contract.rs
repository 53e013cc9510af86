//! The qualification contract's JSON (shared/contracts/qualification.md), for `innocity
//! qualify` and the API: reading enterprises exactly (amounts from their decimal text, never
//! through a float), naming the first malformed field, and the results with a Chinese `detail`
//! per check. The rules are `innocity_core::subjects`.
use super::contract_input as input;
use super::detail;
use innocity_core::subjects::Amount;
use innocity_core::subjects::hnte::HnteInput;
use innocity_core::subjects::sme::SmeInput;
use innocity_store::subjects::{Outcome, SavedCheck};
use serde::Serialize;
use serde_json::value::RawValue;

pub use input::Malformed;

/// Which rules to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// 科技型中小企业评价.
    Sme,
    /// 高新技术企业认定 pre-check.
    Hnte,
}

/// The output file's text, or the first malformed place.
pub fn results(rules: Rules, text: &str) -> Result<String, input::Malformed> {
    let enterprises = input::enterprises(text)?;
    let json = match rules {
        Rules::Sme => {
            let results = enterprises
                .iter()
                .enumerate()
                .map(|(at, raw)| input::sme(at, raw).map(|(id, e)| sme_result(id, &e)))
                .collect::<Result<Vec<_>, _>>()?;
            serde_json::to_string(&Results { results })
        }
        Rules::Hnte => {
            let results = enterprises
                .iter()
                .enumerate()
                .map(|(at, raw)| input::hnte(at, raw).map(|(id, e)| hnte_result(id, &e)))
                .collect::<Result<Vec<_>, _>>()?;
            serde_json::to_string(&Results { results })
        }
    };
    json.map_err(|e| input::Malformed::whole(e.to_string()))
}

#[derive(Serialize)]
struct Results<T> {
    results: Vec<T>,
}

#[derive(Serialize)]
pub struct SmeOut<'a> {
    id: &'a RawValue,
    eligible: bool,
    direct: bool,
    score: u32,
    staff_points: u32,
    rd_points: u32,
    ip_points: u32,
    failed: Vec<&'static str>,
}

pub fn sme_result<'a>(id: &'a RawValue, e: &innocity_core::subjects::sme::SmeInput) -> SmeOut<'a> {
    let r = innocity_core::subjects::sme::evaluate(e);
    SmeOut {
        id,
        eligible: r.eligible,
        direct: r.direct,
        score: r.score,
        staff_points: r.staff_points,
        rd_points: r.rd_points,
        ip_points: r.ip_points,
        failed: r.failed.iter().map(|f| f.code()).collect(),
    }
}

#[derive(Serialize)]
pub struct HnteOut<'a> {
    id: &'a RawValue,
    verdict: &'static str,
    checks: Vec<CheckOut>,
    rd_ratio: Option<Box<RawValue>>,
    rd_threshold: Box<RawValue>,
    net_assets_growth: Option<Box<RawValue>>,
    sales_growth: Option<Box<RawValue>>,
    growth_points: [u32; 2],
    score: [Box<RawValue>; 2],
}

/// An exact decimal as a JSON number (never through a float: `777777777777.666667` stays so).
fn number(decimal: String) -> Box<RawValue> {
    RawValue::from_string(decimal).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

#[derive(Serialize)]
pub struct CheckOut {
    rule: &'static str,
    pass: Option<bool>,
    detail: String,
}

pub fn hnte_result<'a>(
    id: &'a RawValue,
    e: &innocity_core::subjects::hnte::HnteInput,
) -> HnteOut<'a> {
    let r = innocity_core::subjects::hnte::evaluate(e);
    let checks = r
        .checks
        .iter()
        .map(|c| CheckOut {
            rule: c.rule.code(),
            pass: c.pass,
            detail: detail::hnte(crate::i18n::Lang::Zh, c.rule, e, &r),
        })
        .collect();
    HnteOut {
        id,
        verdict: r.verdict.code(),
        checks,
        rd_ratio: r.rd_ratio.map(|f| number(f.decimal(6))),
        rd_threshold: number(format!("0.0{}", r.rd_threshold_percent)),
        net_assets_growth: r.net_assets_growth.map(|f| number(f.decimal(6))),
        sales_growth: r.sales_growth.map(|f| number(f.decimal(6))),
        growth_points: r.growth_points,
        score: r.score.map(|s| number(s.to_decimal())),
    }
}

fn wan_number(a: Amount) -> Box<RawValue> {
    number(a.to_decimal())
}

/// The contract's 科技型中小企业 input of one enterprise, as JSON text (amounts exact).
pub fn sme_inputs_json(id: &str, e: &SmeInput) -> String {
    serde_json::json!({
        "id": id,
        "resident_mainland": e.resident_mainland,
        "employees": e.employees,
        "tech_staff": e.tech_staff,
        "sales": wan_number(e.sales),
        "total_assets": wan_number(e.total_assets),
        "rd_expense": wan_number(e.rd_expense),
        "cost_expense": wan_number(e.cost_expense),
        "ip_class1": e.ip_class1,
        "ip_class2": e.ip_class2,
        "prohibited_industry": e.prohibited_industry,
        "bad_record": e.bad_record,
        "hnte_valid": e.hnte_valid,
        "national_award_top3_5y": e.national_award_top3_5y,
        "provincial_rd_institution": e.provincial_rd_institution,
        "led_standard_5y": e.led_standard_5y,
    })
    .to_string()
}

/// The contract's 高企 input of one enterprise, as JSON text (amounts exact).
pub fn hnte_inputs_json(id: &str, e: &HnteInput) -> String {
    let years = |y: &[Amount; 3]| y.map(wan_number);
    serde_json::json!({
        "id": id,
        "registered_on": e.registered_on.to_string(),
        "apply_on": e.apply_on.to_string(),
        "core_ip": e.core_ip,
        "key_field": e.key_field,
        "employees": e.employees,
        "tech_staff": e.tech_staff,
        "sales": years(&e.sales),
        "net_assets": years(&e.net_assets),
        "rd": years(&e.rd),
        "rd_domestic": years(&e.rd_domestic),
        "hitech_revenue": wan_number(e.hitech_revenue),
        "total_revenue": wan_number(e.total_revenue),
        "serious_violation": e.serious_violation,
        "ip_points": wan_number(e.ip_points),
        "conversion_points": wan_number(e.conversion_points),
        "organisation_points": wan_number(e.organisation_points),
    })
    .to_string()
}

/// One enterprise's evaluation for the API: the result's JSON, its verdict and score.
pub struct One {
    pub json: String,
    pub verdict: &'static str,
    pub outcome: Outcome,
    pub score: [String; 2],
}

/// What to keep of a 科技型中小企业 result besides its verdict: the reasons it failed.
pub fn sme_outcome(r: &innocity_core::subjects::sme::SmeResult) -> Outcome {
    Outcome {
        failed: r.failed.iter().map(|f| f.code().to_string()).collect(),
        ..Outcome::default()
    }
}

/// What to keep of a 高企 result besides its verdict: every check.
pub fn hnte_outcome(r: &innocity_core::subjects::hnte::HnteResult) -> Outcome {
    let checks =
        r.checks.iter().map(|c| SavedCheck { rule: c.rule.code().into(), pass: c.pass }).collect();
    Outcome { checks, ..Outcome::default() }
}

/// Evaluates the one enterprise of a contract file: its input as exact JSON text and the result.
pub fn evaluate_one(rules: Rules, text: &str) -> Result<(String, One), input::Malformed> {
    let enterprises = input::enterprises(text)?;
    let raw = enterprises.first().ok_or_else(|| input::Malformed::whole("no enterprise".into()))?;
    let to_json =
        |v: &dyn erased::Json| v.json().map_err(|e| input::Malformed::whole(e.to_string()));
    match rules {
        Rules::Sme => {
            let (id, e) = input::sme(0, raw)?;
            let r = innocity_core::subjects::sme::evaluate(&e);
            let verdict = if r.eligible { "eligible" } else { "not_eligible" };
            let json = to_json(&sme_result(id, &e))?;
            let score = [r.score.to_string(), r.score.to_string()];
            let outcome = sme_outcome(&r);
            Ok((
                sme_inputs_json(id.get().trim_matches('"'), &e),
                One { json, verdict, outcome, score },
            ))
        }
        Rules::Hnte => {
            let (id, e) = input::hnte(0, raw)?;
            let r = innocity_core::subjects::hnte::evaluate(&e);
            let json = to_json(&hnte_result(id, &e))?;
            let score = r.score.map(Amount::to_decimal);
            Ok((
                hnte_inputs_json(id.get().trim_matches('"'), &e),
                One { json, verdict: r.verdict.code(), outcome: hnte_outcome(&r), score },
            ))
        }
    }
}

/// Serialising either result through one function.
mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Result<String>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Result<String> {
            serde_json::to_string(self)
        }
    }
}

#[cfg(test)]
#[path = "contract_tests.rs"]
mod tests;
