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
    let mut p = Pipeline::default();
    for (step, v) in &doc {
        let Some(t) = v.as_table() else {
            return fail(file, line_of(text, step), step, "a step must be a table like [impute]");
        };
        let st = Step { file, text, name: step, t };
        st.check_keys()?;
        match step.as_str() {
            "denominate" => p.denominate = true,
            "impute" => p.impute = Some(st.impute()?),
            "screen" => p.screen = Some(st.num("min_availability", 2.0 / 3.0)?),
            "treat" => p.treat = Some(st.treat()?),
            "normalise" => p.normalise = Some(st.normalise()?),
            "aggregate" => p.aggregate = Some(st.aggregate()?),
            _ => {}
        }
    }
    Ok(p)
}

/// The line of the first key (or [table]) named `key`; 0 when not found.
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(key) || l.trim() == format!("[{key}]"))
        .map(|i| i + 1)
        .unwrap_or(0)
}

/// One step of the pipeline file: its table, and where errors point.
struct Step<'a> {
    file: &'a str,
    text: &'a str,
    name: &'a str,
    t: &'a toml::Table,
}

impl Step<'_> {
    fn fail<T>(
        &self,
        key: &str,
        column: &str,
        message: impl Into<String>,
    ) -> Result<T, IndexError> {
        fail(self.file, line_of(self.text, key), column, message)
    }

    /// The step is known and has only its own options.
    fn check_keys(&self) -> Result<(), IndexError> {
        let step = self.name;
        let allowed: &[&str] = match step {
            "denominate" => &[],
            "impute" => &["method", "group"],
            "screen" => &["min_availability"],
            "treat" => &["method", "winmax", "skew_max", "kurt_max", "log"],
            "normalise" => &["method", "lower", "upper", "mean", "sd", "cap", "scale"],
            "aggregate" => &["method", "min_availability"],
            other => return self.fail(other, other, format!("unknown step '{other}'")),
        };
        for k in self.t.keys() {
            if !allowed.contains(&k.as_str()) {
                return self.fail(k, k, format!("unknown option '{k}' of [{step}]"));
            }
        }
        Ok(())
    }

    fn num(&self, k: &str, default: f64) -> Result<f64, IndexError> {
        match self.t.get(k) {
            None => Ok(default),
            Some(v) => v
                .as_float()
                .or_else(|| v.as_integer().map(|i| i as f64))
                .map(Ok)
                .unwrap_or_else(|| self.fail(k, k, "must be a number")),
        }
    }

    fn text_opt(&self, k: &str, default: &str) -> Result<String, IndexError> {
        match self.t.get(k) {
            None => Ok(default.to_string()),
            Some(v) => v
                .as_str()
                .map(|s| Ok(s.to_string()))
                .unwrap_or_else(|| self.fail(k, k, "must be text")),
        }
    }

    /// An unknown value of `method`.
    fn unknown_method<T>(&self, other: &str) -> Result<T, IndexError> {
        self.fail("method", "method", format!("unknown {} method '{other}'", self.name))
    }

    fn impute(&self) -> Result<Impute, IndexError> {
        let method = self.text_opt("method", "mean")?;
        let (median, grouped) = match method.as_str() {
            "mean" => (false, false),
            "median" => (true, false),
            "mean_group" => (false, true),
            "median_group" => (true, true),
            other => return self.unknown_method(other),
        };
        let group = if grouped {
            Some(
                self.t
                    .get("group")
                    .and_then(|g| g.as_str())
                    .map(String::from)
                    .map(Ok)
                    .unwrap_or_else(|| {
                        self.fail("method", "group", "a *_group method needs group")
                    })?,
            )
        } else {
            None
        };
        Ok(Impute { median, group })
    }

    fn treat(&self) -> Result<Treat, IndexError> {
        let method = self.text_opt("method", "winsorise")?;
        let winsorise = match method.as_str() {
            "winsorise" => true,
            "none" => false,
            other => return self.unknown_method(other),
        };
        let log_ct = match self.text_opt("log", "log_ct")?.as_str() {
            "log_ct" => true,
            "none" => false,
            other => return self.fail("log", "log", format!("unknown log '{other}'")),
        };
        let winmax = self.num("winmax", 5.0)?;
        if winmax < 0.0 || winmax.fract() != 0.0 {
            return self.fail("winmax", "winmax", "must be a whole number ≥ 0");
        }
        Ok(Treat {
            winsorise,
            winmax: winmax as usize,
            skew_max: self.num("skew_max", 2.0)?,
            kurt_max: self.num("kurt_max", 3.5)?,
            log_ct,
        })
    }

    fn normalise(&self) -> Result<Normalise, IndexError> {
        Ok(match self.text_opt("method", "minmax")?.as_str() {
            "minmax" => Normalise::MinMax {
                lower: self.num("lower", 0.0)?,
                upper: self.num("upper", 100.0)?,
            },
            "zscore" => {
                Normalise::ZScore { mean: self.num("mean", 0.0)?, sd: self.num("sd", 1.0)? }
            }
            "rank" => Normalise::Rank,
            "prank" => Normalise::PRank,
            "dist2targ" => Normalise::Dist2Targ {
                cap: self.t.get("cap").and_then(|c| c.as_bool()).unwrap_or(false),
            },
            "dist2max" => Normalise::Dist2Max,
            "fracmax" => Normalise::FracMax,
            "goalposts" => Normalise::Goalposts { scale: self.num("scale", 100.0)? },
            other => return self.unknown_method(other),
        })
    }

    fn aggregate(&self) -> Result<Aggregate, IndexError> {
        let mean = match self.text_opt("method", "amean")?.as_str() {
            "amean" => Mean::Arithmetic,
            "gmean" => Mean::Geometric,
            "hmean" => Mean::Harmonic,
            other => return self.unknown_method(other),
        };
        Ok(Aggregate { mean, min_availability: self.num("min_availability", 0.0)? })
    }
}
