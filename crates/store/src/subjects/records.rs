//! What an evaluation saves of its figures and result: the contract's input as exact JSON text,
//! and the checks or reasons.
use super::{Outcome, SavedCheck};
use innocity_core::subjects::Amount;
use innocity_core::subjects::hnte::HnteInput;
use innocity_core::subjects::sme::SmeInput;
use serde_json::value::RawValue;

fn number(decimal: String) -> Box<RawValue> {
    RawValue::from_string(decimal).unwrap_or_else(|_| RawValue::NULL.to_owned())
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
