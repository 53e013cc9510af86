//! The qualification contract's JSON (shared/contracts/qualification.md), for `innocity
//! qualify` and the API: reading enterprises exactly (amounts from their decimal text, never
//! through a float), naming the first malformed field, and the results with a Chinese `detail`
//! per check. The rules are `innocity_core::subjects`.
use super::contract_input as input;
use super::detail;
use innocity_core::subjects::Amount;
use innocity_core::subjects::hnte::HnteInput;
use innocity_core::subjects::sme::SmeInput;
use innocity_store::subjects::{
    Outcome, hnte_inputs_json, hnte_outcome, sme_inputs_json, sme_outcome,
};
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

/// Every enterprise of a file, read and checked before anything is written.
pub enum Parsed<'a> {
    Sme(Vec<(&'a RawValue, SmeInput)>),
    Hnte(Vec<(&'a RawValue, HnteInput)>),
}

/// Reads the whole file, or names its first malformed place.
pub fn read(rules: Rules, text: &str) -> Result<Parsed<'_>, input::Malformed> {
    let enterprises = input::enterprises(text)?;
    // Every enterprise is read (on every core); the first malformed one by index is named.
    Ok(match rules {
        Rules::Sme => Parsed::Sme(
            on_cores(&enterprises, |at, raw| input::sme(at, raw))
                .into_iter()
                .collect::<Result<_, _>>()?,
        ),
        Rules::Hnte => Parsed::Hnte(
            on_cores(&enterprises, |at, raw| input::hnte(at, raw))
                .into_iter()
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// Enterprises computed and encoded at a time (memory stays bounded).
const BATCH: usize = 8192;

impl Parsed<'_> {
    /// Writes `{"results": [...]}`, in order, batch by batch (each batch on every core).
    pub fn write(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        out.write_all(b"{\"results\":[")?;
        let encode = |r: serde_json::Result<Vec<u8>>| r.map_err(std::io::Error::other);
        let mut first = true;
        let mut put = |out: &mut dyn std::io::Write, encoded: Vec<std::io::Result<Vec<u8>>>| {
            for bytes in encoded {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                out.write_all(&bytes?)?;
            }
            Ok::<(), std::io::Error>(())
        };
        match self {
            Parsed::Sme(list) => {
                for batch in list.chunks(BATCH) {
                    put(
                        out,
                        on_cores(batch, |_, (id, e)| {
                            encode(serde_json::to_vec(&sme_result(id, e)))
                        }),
                    )?;
                }
            }
            Parsed::Hnte(list) => {
                for batch in list.chunks(BATCH) {
                    put(
                        out,
                        on_cores(batch, |_, (id, e)| {
                            encode(serde_json::to_vec(&hnte_result(id, e)))
                        }),
                    )?;
                }
            }
        }
        out.write_all(b"]}")
    }
}

/// `f` of every item with its index, in order, the items split over the machine's cores.
fn on_cores<T: Sync, U: Send>(items: &[T], f: impl Fn(usize, &T) -> U + Sync) -> Vec<U> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if cores < 2 || items.len() < 1024 {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let size = items.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let f = &f;
        let parts: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(c, part)| {
                scope.spawn(move || {
                    part.iter().enumerate().map(|(i, t)| f(c * size + i, t)).collect::<Vec<U>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// The output file's text, or the first malformed place.
pub fn results(rules: Rules, text: &str) -> Result<String, input::Malformed> {
    let parsed = read(rules, text)?;
    let mut out = Vec::new();
    parsed.write(&mut out).map_err(|e| input::Malformed::whole(e.to_string()))?;
    String::from_utf8(out).map_err(|e| input::Malformed::whole(e.to_string()))
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

/// One enterprise's evaluation for the API: the result's JSON, its verdict and score.
pub struct One {
    pub json: String,
    pub verdict: &'static str,
    pub outcome: Outcome,
    pub score: [String; 2],
}

/// Evaluates the one enterprise of a contract file: its input as exact JSON text and the result.
pub fn evaluate_one(rules: Rules, text: &str) -> Result<(String, One), input::Malformed> {
    let enterprises = input::enterprises(text)?;
    let raw = enterprises.first().ok_or_else(|| input::Malformed::whole("no enterprise".into()))?;
    let malformed = |e: serde_json::Error| input::Malformed::whole(e.to_string());
    match rules {
        Rules::Sme => {
            let (id, e) = input::sme(0, raw)?;
            let r = innocity_core::subjects::sme::evaluate(&e);
            let verdict = if r.eligible { "eligible" } else { "not_eligible" };
            let json = serde_json::to_string(&sme_result(id, &e)).map_err(malformed)?;
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
            let json = serde_json::to_string(&hnte_result(id, &e)).map_err(malformed)?;
            let score = r.score.map(Amount::to_decimal);
            Ok((
                hnte_inputs_json(id.get().trim_matches('"'), &e),
                One { json, verdict: r.verdict.code(), outcome: hnte_outcome(&r), score },
            ))
        }
    }
}

#[cfg(test)]
#[path = "contract_tests.rs"]
mod tests;
