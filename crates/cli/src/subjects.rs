//! `innocity qualify sme|hnte`: the qualification contract (shared/contracts/qualification.md)
//! over a JSON file. The rules are `innocity_core::subjects`; here: reading the file exactly
//! (amounts from their decimal text, never through a float), naming the first malformed field,
//! and writing the results with a Chinese `detail` per check.
mod detail;
mod input;

use serde::Serialize;
use serde_json::value::RawValue;
use std::process::ExitCode;

/// Which rules to run.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Rules {
    /// 科技型中小企业评价.
    Sme,
    /// 高新技术企业认定 pre-check.
    Hnte,
}

/// Exit 0 when the file was read (whatever the verdicts); 1 on a malformed file, naming the
/// enterprise's index and field, with nothing written.
pub(crate) fn qualify(rules: Rules, input: &std::path::Path, output: &std::path::Path) -> ExitCode {
    let fail = |message: String| {
        eprintln!("错误 / error: {message}");
        ExitCode::FAILURE
    };
    let text = match std::fs::read_to_string(input) {
        Ok(t) => t,
        Err(e) => return fail(format!("{}: {e}", input.display())),
    };
    let json = match results(rules, &text) {
        Ok(json) => json,
        Err(e) => return fail(format!("{}: {e}", input.display())),
    };
    if let Err(e) = std::fs::write(output, json) {
        return fail(format!("{}: {e}", output.display()));
    }
    ExitCode::SUCCESS
}

/// The output file's text, or the first malformed place.
pub(crate) fn results(rules: Rules, text: &str) -> Result<String, input::Malformed> {
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
struct SmeOut<'a> {
    id: &'a RawValue,
    eligible: bool,
    direct: bool,
    score: u32,
    staff_points: u32,
    rd_points: u32,
    ip_points: u32,
    failed: Vec<&'static str>,
}

fn sme_result<'a>(id: &'a RawValue, e: &innocity_core::subjects::sme::SmeInput) -> SmeOut<'a> {
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
struct HnteOut<'a> {
    id: &'a RawValue,
    verdict: &'static str,
    checks: Vec<CheckOut>,
    rd_ratio: Option<f64>,
    rd_threshold: f64,
    net_assets_growth: Option<f64>,
    sales_growth: Option<f64>,
    growth_points: [u32; 2],
    score: [u32; 2],
}

#[derive(Serialize)]
struct CheckOut {
    rule: &'static str,
    pass: Option<bool>,
    detail: String,
}

fn hnte_result<'a>(id: &'a RawValue, e: &innocity_core::subjects::hnte::HnteInput) -> HnteOut<'a> {
    use innocity_core::subjects::Frac;
    let r = innocity_core::subjects::hnte::evaluate(e);
    let checks = r
        .checks
        .iter()
        .map(|c| CheckOut {
            rule: c.rule.code(),
            pass: c.pass,
            detail: detail::hnte(c.rule, e, &r),
        })
        .collect();
    HnteOut {
        id,
        verdict: r.verdict.code(),
        checks,
        rd_ratio: r.rd_ratio.map(Frac::rounded6),
        rd_threshold: f64::from(r.rd_threshold_percent) / 100.0,
        net_assets_growth: r.net_assets_growth.map(Frac::rounded6),
        sales_growth: r.sales_growth.map(Frac::rounded6),
        growth_points: r.growth_points,
        score: r.score,
    }
}

#[cfg(test)]
#[path = "subjects/tests.rs"]
mod tests;
