//! Reading the pipeline: imputation, outlier treatment, normalisation and aggregation settings.
use super::*;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pipeline {
    pub denominate: bool,
    pub impute: Option<Impute>,
    pub screen: Option<f64>,
    pub treat: Option<Treat>,
    pub normalise: Option<Normalise>,
    pub aggregate: Option<Aggregate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Impute {
    pub median: bool,
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Treat {
    pub winsorise: bool,
    pub winmax: usize,
    pub skew_max: f64,
    pub kurt_max: f64,
    pub log_ct: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Normalise {
    MinMax { lower: f64, upper: f64 },
    ZScore { mean: f64, sd: f64 },
    Rank,
    PRank,
    Dist2Targ { cap: bool },
    Dist2Max,
    FracMax,
    Goalposts { scale: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mean {
    Arithmetic,
    Geometric,
    Harmonic,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub mean: Mean,
    pub min_availability: f64,
}

pub fn read_pipeline(file: &str, text: &str) -> Result<Pipeline, IndexError> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        IndexError {
            file: file.into(),
            line,
            column: String::new(),
            message: e.message().to_string(),
        }
    })?;
    let line_of = |key: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(key) || l.trim() == format!("[{key}]"))
            .map(|i| i + 1)
            .unwrap_or(0)
    };
    let mut p = Pipeline::default();
    for (step, v) in &doc {
        let Some(t) = v.as_table() else {
            return fail(file, line_of(step), step, "a step must be a table like [impute]");
        };
        let allowed: &[&str] = match step.as_str() {
            "denominate" => &[],
            "impute" => &["method", "group"],
            "screen" => &["min_availability"],
            "treat" => &["method", "winmax", "skew_max", "kurt_max", "log"],
            "normalise" => &["method", "lower", "upper", "mean", "sd", "cap", "scale"],
            "aggregate" => &["method", "min_availability"],
            other => return fail(file, line_of(other), other, format!("unknown step '{other}'")),
        };
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                return fail(file, line_of(k), k, format!("unknown option '{k}' of [{step}]"));
            }
        }
        let num = |k: &str, default: f64| -> Result<f64, IndexError> {
            match t.get(k) {
                None => Ok(default),
                Some(v) => v
                    .as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .map(Ok)
                    .unwrap_or_else(|| fail(file, line_of(k), k, "must be a number")),
            }
        };
        let text_opt = |k: &str, default: &str| -> Result<String, IndexError> {
            match t.get(k) {
                None => Ok(default.to_string()),
                Some(v) => v
                    .as_str()
                    .map(|s| Ok(s.to_string()))
                    .unwrap_or_else(|| fail(file, line_of(k), k, "must be text")),
            }
        };
        match step.as_str() {
            "denominate" => p.denominate = true,
            "impute" => {
                let method = text_opt("method", "mean")?;
                let (median, grouped) = match method.as_str() {
                    "mean" => (false, false),
                    "median" => (true, false),
                    "mean_group" => (false, true),
                    "median_group" => (true, true),
                    other => {
                        return fail(
                            file,
                            line_of("method"),
                            "method",
                            format!("unknown impute method '{other}'"),
                        );
                    }
                };
                let group = if grouped {
                    Some(
                        t.get("group")
                            .and_then(|g| g.as_str())
                            .map(String::from)
                            .map(Ok)
                            .unwrap_or_else(|| {
                                fail(
                                    file,
                                    line_of("method"),
                                    "group",
                                    "a *_group method needs group",
                                )
                            })?,
                    )
                } else {
                    None
                };
                p.impute = Some(Impute { median, group });
            }
            "screen" => p.screen = Some(num("min_availability", 2.0 / 3.0)?),
            "treat" => {
                let method = text_opt("method", "winsorise")?;
                let winsorise = match method.as_str() {
                    "winsorise" => true,
                    "none" => false,
                    other => {
                        return fail(
                            file,
                            line_of("method"),
                            "method",
                            format!("unknown treat method '{other}'"),
                        );
                    }
                };
                let log_ct = match text_opt("log", "log_ct")?.as_str() {
                    "log_ct" => true,
                    "none" => false,
                    other => {
                        return fail(file, line_of("log"), "log", format!("unknown log '{other}'"));
                    }
                };
                let winmax = num("winmax", 5.0)?;
                if winmax < 0.0 || winmax.fract() != 0.0 {
                    return fail(file, line_of("winmax"), "winmax", "must be a whole number ≥ 0");
                }
                p.treat = Some(Treat {
                    winsorise,
                    winmax: winmax as usize,
                    skew_max: num("skew_max", 2.0)?,
                    kurt_max: num("kurt_max", 3.5)?,
                    log_ct,
                });
            }
            "normalise" => {
                let m = match text_opt("method", "minmax")?.as_str() {
                    "minmax" => {
                        Normalise::MinMax { lower: num("lower", 0.0)?, upper: num("upper", 100.0)? }
                    }
                    "zscore" => Normalise::ZScore { mean: num("mean", 0.0)?, sd: num("sd", 1.0)? },
                    "rank" => Normalise::Rank,
                    "prank" => Normalise::PRank,
                    "dist2targ" => Normalise::Dist2Targ {
                        cap: t.get("cap").and_then(|c| c.as_bool()).unwrap_or(false),
                    },
                    "dist2max" => Normalise::Dist2Max,
                    "fracmax" => Normalise::FracMax,
                    "goalposts" => Normalise::Goalposts { scale: num("scale", 100.0)? },
                    other => {
                        return fail(
                            file,
                            line_of("method"),
                            "method",
                            format!("unknown normalise method '{other}'"),
                        );
                    }
                };
                p.normalise = Some(m);
            }
            "aggregate" => {
                let mean = match text_opt("method", "amean")?.as_str() {
                    "amean" => Mean::Arithmetic,
                    "gmean" => Mean::Geometric,
                    "hmean" => Mean::Harmonic,
                    other => {
                        return fail(
                            file,
                            line_of("method"),
                            "method",
                            format!("unknown aggregate method '{other}'"),
                        );
                    }
                };
                p.aggregate =
                    Some(Aggregate { mean, min_availability: num("min_availability", 0.0)? });
            }
            _ => {}
        }
    }
    Ok(p)
}
