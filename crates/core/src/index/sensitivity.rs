//! Uncertainty and sensitivity analysis of an index (as COINr's `get_sensitivity`): the
//! uncertain assumptions are sampled with Saltelli's design (matrices A, B and A with column i
//! from B: N·(k+2) runs), every run rebuilds the index from the screened data, and
//! - per unit: the nominal rank, the median rank and the 5–95 % rank interval over all runs;
//! - per assumption: Sobol first-order (Saltelli 2010) and total (Jansen) indices of the mean
//!   absolute rank shift from the nominal ranking.
use super::{
    Aggregate, Data, Dataset, IndexError, Mean, Meta, MetaRow, Normalise, Pipeline, Treat,
    aggregate_all, normalise_all, treat_all,
};
use std::collections::HashMap;

/// One uncertain assumption and its alternatives (a sample picks one).
#[derive(Debug, Clone, PartialEq)]
pub enum Assumption {
    /// Every weight times a factor drawn uniformly from [1 − noise, 1 + noise].
    Weights {
        noise: f64,
    },
    Normalisation(Vec<Normalise>),
    Aggregation(Vec<Mean>),
    /// `None`: no treatment.
    Treatment(Vec<Option<Treat>>),
}

impl Assumption {
    pub fn name(&self) -> &'static str {
        match self {
            Assumption::Weights { .. } => "weights",
            Assumption::Normalisation(_) => "normalisation",
            Assumption::Aggregation(_) => "aggregation",
            Assumption::Treatment(_) => "treatment",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitRanks {
    pub code: String,
    pub nominal: Option<usize>,
    pub median: f64,
    pub q05: f64,
    pub q95: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub runs: usize,
    /// (assumption, first-order index, total index)
    pub indices: Vec<(&'static str, f64, f64)>,
    pub units: Vec<UnitRanks>,
}

/// SplitMix64: small, fast, reproducible (the analysis is the same for the same seed).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn pick<T: Clone>(xs: &[T], u: f64) -> T {
    xs[((u * xs.len() as f64) as usize).min(xs.len() - 1)].clone()
}

/// Ranks of scores, 1 the best, equal scores sharing a rank; `None` without a score. Sorted
/// once (n log n), so thousands of units rank at once.
pub fn ranks(scores: &[Option<f64>]) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..scores.len()).filter(|&i| scores[i].is_some()).collect();
    order.sort_by(|&a, &b| scores[b].unwrap_or(0.0).total_cmp(&scores[a].unwrap_or(0.0)));
    let mut out = vec![None; scores.len()];
    for (k, &i) in order.iter().enumerate() {
        let tied = k > 0 && scores[order[k - 1]] == scores[i];
        out[i] = Some(if tied { out[order[k - 1]].unwrap_or(k + 1) } else { k + 1 });
    }
    out
}

/// The ranks of the top aggregate (1 = best; missing scores get no rank), within one year.
fn top_column_ranks(ds: &Dataset, top: usize) -> Vec<Option<usize>> {
    ranks(&ds.values[top])
}

/// Runs the analysis: `base` gives the nominal choices (it must normalise and aggregate);
/// `n` base samples give n·(k+2) runs.
pub fn analyse(
    meta: &Meta,
    data: &Data,
    base: &Pipeline,
    assumptions: &[Assumption],
    n: usize,
    seed: u64,
) -> Result<Sensitivity, IndexError> {
    let mut study = Study::new(meta, data, base, assumptions)?;
    let k = assumptions.len();
    let nominal = study.nominal()?;
    let mut rng = Rng(seed);
    let a: Vec<Vec<f64>> = (0..n).map(|_| (0..k).map(|_| rng.uniform()).collect()).collect();
    let b: Vec<Vec<f64>> = (0..n).map(|_| (0..k).map(|_| rng.uniform()).collect()).collect();
    // The samples in order: A, B, then A with column i from B for each assumption.
    let mut samples: Vec<Vec<f64>> = a.iter().chain(&b).cloned().collect();
    for i in 0..k {
        samples.extend((0..n).map(|j| {
            let mut x = a[j].clone();
            x[i] = b[j][i];
            x
        }));
    }
    let all = study.run_all(&samples)?;
    let mut runs =
        Runs { all_ranks: vec![Vec::new(); study.screened.rows.len()], nominal: &nominal };
    let shifts: Vec<f64> = all.iter().map(|r| runs.record(r)).collect();
    let (fa, rest) = shifts.split_at(n);
    let (fb, rest) = rest.split_at(n);
    // One row per assumption, also without samples (n = 0: k empty rows).
    let fab: Vec<Vec<f64>> = (0..k).map(|i| rest[i * n..(i + 1) * n].to_vec()).collect();
    let indices = sobol(assumptions, fa, fb, &fab, n);
    let units = runs
        .all_ranks
        .iter_mut()
        .enumerate()
        .map(|(i, v)| UnitRanks {
            code: data.codes[study.screened.rows[i]].clone(),
            nominal: nominal[i],
            median: quantile(v, 0.5),
            q05: quantile(v, 0.05),
            q95: quantile(v, 0.95),
        })
        .collect();
    Ok(Sensitivity { runs: n * (k + 2), indices, units })
}

fn err(m: &str) -> IndexError {
    IndexError { file: "sensitivity".into(), line: 0, column: String::new(), message: m.into() }
}

/// What every run shares: the screened data (everything before treatment is fixed, so built
/// once), the nominal choices, and the treated variants met so far.
struct Study<'a> {
    meta: &'a Meta,
    data: &'a Data,
    base: &'a Pipeline,
    assumptions: &'a [Assumption],
    nominal_norm: Normalise,
    nominal_agg: Aggregate,
    screened: Dataset,
    top_code: String,
    /// Treatment variants are few: each is computed once.
    treated: HashMap<String, Dataset>,
    /// So are treatment × normalisation variants: a run then only aggregates.
    normalised: HashMap<String, Dataset>,
}

impl<'a> Study<'a> {
    fn new(
        meta: &'a Meta,
        data: &'a Data,
        base: &'a Pipeline,
        assumptions: &'a [Assumption],
    ) -> Result<Study<'a>, IndexError> {
        let nominal_norm =
            base.normalise.clone().ok_or_else(|| err("the pipeline must normalise"))?;
        let nominal_agg =
            base.aggregate.clone().ok_or_else(|| err("the pipeline must aggregate"))?;
        if data.panel {
            return Err(err("sensitivity analysis works on one year; choose a year's data"));
        }
        // Everything before treatment is fixed: build it once.
        let fixed = Pipeline { treat: None, normalise: None, aggregate: None, ..base.clone() };
        let screened =
            super::build(meta, data, &fixed, "iData")?.datasets.last().map(|d| d.1.clone());
        let screened = match screened {
            Some(d) => d,
            None => Dataset {
                rows: (0..data.codes.len()).collect(),
                columns: meta.indicators().map(|m| m.code.clone()).collect(),
                values: data.values.iter().map(|c| super::Column::new(c.clone())).collect(),
            },
        };
        let top_code = meta
            .aggregates_upward()
            .last()
            .map(|m| m.code.clone())
            .ok_or_else(|| err("iMeta has no aggregate"))?;
        Ok(Study {
            meta,
            data,
            base,
            assumptions,
            nominal_norm,
            nominal_agg,
            screened,
            top_code,
            treated: HashMap::new(),
            normalised: HashMap::new(),
        })
    }

    fn treat_variant(&mut self, t: &Option<Treat>) -> Dataset {
        let key = format!("{t:?}");
        let (meta, data, screened) = (self.meta, self.data, &self.screened);
        self.treated
            .entry(key)
            .or_insert_with(|| match t {
                Some(t) => treat_all(meta, data, screened.clone(), t).0,
                None => screened.clone(),
            })
            .clone()
    }

    /// The ranks of the top aggregate of an aggregated dataset.
    fn top_ranks(&self, ds: &Dataset) -> Result<Vec<Option<usize>>, IndexError> {
        let top = ds
            .columns
            .iter()
            .position(|c| c == &self.top_code)
            .ok_or_else(|| err("no top aggregate"))?;
        Ok(top_column_ranks(ds, top))
    }

    /// The nominal ranking: the pipeline's own choices.
    fn nominal(&mut self) -> Result<Vec<Option<usize>>, IndexError> {
        let ds = match &self.base.treat {
            Some(t) => self.treat_variant(&Some(t.clone())),
            None => self.screened.clone(),
        };
        let ds = normalise_all(self.meta, ds, &self.nominal_norm)?;
        let ds = aggregate_all(
            self.meta,
            self.data,
            ds,
            &self.nominal_agg,
            &|m: &MetaRow| m.weight,
            "iData",
        )?;
        self.top_ranks(&ds)
    }

    /// The choices at the sample's coordinates `u`: treatment and normalisation (whose
    /// dataset is then cached), aggregation and the weight noise.
    fn choices(&mut self, u: &[f64]) -> Result<Choice, IndexError> {
        let mut treat = self.base.treat.clone();
        let mut norm = self.nominal_norm.clone();
        let mut agg: Aggregate = self.nominal_agg.clone();
        let mut noise = None;
        for (a, &x) in self.assumptions.iter().zip(u) {
            match a {
                Assumption::Weights { noise: w } => noise = Some((*w, x)),
                Assumption::Normalisation(v) => norm = pick(v, x),
                Assumption::Aggregation(v) => agg.mean = pick(v, x),
                Assumption::Treatment(v) => treat = pick(v, x),
            }
        }
        let key = format!("{treat:?}|{norm:?}");
        if !self.normalised.contains_key(&key) {
            let ds = normalise_all(self.meta, self.treat_variant(&treat), &norm)?;
            self.normalised.insert(key.clone(), ds);
        }
        Ok(Choice { normalised: key, agg, noise })
    }

    /// Every sample's ranking. The few treated and normalised datasets are built first; the
    /// aggregations, which are the work, then run on every core (same results in the same
    /// order whatever the number of cores).
    fn run_all(&mut self, samples: &[Vec<f64>]) -> Result<Vec<Vec<Option<usize>>>, IndexError> {
        let choices = samples.iter().map(|u| self.choices(u)).collect::<Result<Vec<_>, _>>()?;
        // At most four threads: the web pages that rank run the analysis too, and one page
        // should not take a large machine's every core.
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get()).min(4);
        let per_core = choices.len().div_ceil(cores).max(1);
        let study = &*self;
        let work = |part: &[Choice]| -> Result<Vec<Vec<Option<usize>>>, IndexError> {
            part.iter().map(|c| study.aggregate(c)).collect()
        };
        std::thread::scope(|s| {
            // A chunk whose thread cannot be started runs here, in order, instead.
            let parts: Vec<_> = choices
                .chunks(per_core)
                .map(|part| match std::thread::Builder::new().spawn_scoped(s, move || work(part)) {
                    Ok(h) => Err(h),
                    Err(_) => Ok(work(part)),
                })
                .collect();
            // Every thread is joined before an error is given back (none is left running).
            let results: Vec<_> = parts
                .into_iter()
                .map(|p| match p {
                    Ok(done) => done,
                    Err(h) => h.join().unwrap_or_else(|_| Err(err("a sensitivity run failed"))),
                })
                .collect();
            let mut all = Vec::with_capacity(choices.len());
            for part in results {
                all.extend(part?);
            }
            Ok(all)
        })
    }

    /// One run's ranking: its normalised dataset aggregated with its weights and mean.
    fn aggregate(&self, c: &Choice) -> Result<Vec<Option<usize>>, IndexError> {
        let ds = self.normalised.get(&c.normalised).ok_or_else(|| err("no normalised data"))?;
        let factors = weight_factors(self.meta, c.noise);
        let weight = |m: &MetaRow| m.weight * factors.get(&m.code).copied().unwrap_or(1.0);
        let ds = aggregate_all(self.meta, self.data, ds.clone(), &c.agg, &weight, "iData")?;
        self.top_ranks(&ds)
    }
}

/// What one run chose: the key of its normalised dataset, its aggregation and weight noise.
struct Choice {
    normalised: String,
    agg: Aggregate,
    noise: Option<(f64, f64)>,
}

/// The weight noise of one sample: each weight's factor from a generator seeded by the
/// sample's coordinate, so the same coordinate gives the same weights.
fn weight_factors(meta: &Meta, noise: Option<(f64, f64)>) -> HashMap<String, f64> {
    match noise {
        Some((w, x)) => {
            let mut r = Rng((x * u64::MAX as f64) as u64 ^ 0x5EED);
            meta.rows.iter().map(|m| (m.code.clone(), 1.0 - w + 2.0 * w * r.uniform())).collect()
        }
        None => HashMap::new(),
    }
}

/// The ranks of every run, per unit, and the nominal ranking they are compared with.
struct Runs<'n> {
    all_ranks: Vec<Vec<usize>>,
    nominal: &'n [Option<usize>],
}

impl Runs<'_> {
    /// Keeps a run's ranks; returns its mean absolute rank shift from the nominal ranking.
    fn record(&mut self, r: &[Option<usize>]) -> f64 {
        for (i, x) in r.iter().enumerate() {
            if let Some(x) = x {
                self.all_ranks[i].push(*x);
            }
        }
        let pairs: Vec<f64> = r
            .iter()
            .zip(self.nominal)
            .filter_map(|(a, b)| Some(((*a)? as f64 - (*b)? as f64).abs()))
            .collect();
        if pairs.is_empty() { 0.0 } else { pairs.iter().sum::<f64>() / pairs.len() as f64 }
    }
}

/// Sobol first-order (Saltelli 2010) and total (Jansen) indices of each assumption.
fn sobol(
    assumptions: &[Assumption],
    fa: &[f64],
    fb: &[f64],
    fab: &[Vec<f64>],
    n: usize,
) -> Vec<(&'static str, f64, f64)> {
    let all: Vec<f64> = fa.iter().chain(fb).copied().collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / all.len() as f64;
    assumptions
        .iter()
        .zip(fab)
        .map(|(a, fi)| {
            if var == 0.0 {
                return (a.name(), 0.0, 0.0);
            }
            let first = (0..n).map(|j| fb[j] * (fi[j] - fa[j])).sum::<f64>() / n as f64 / var;
            let total =
                (0..n).map(|j| (fa[j] - fi[j]).powi(2)).sum::<f64>() / (2.0 * n as f64) / var;
            (a.name(), first, total)
        })
        .collect()
}

/// Type 7 (R's default) quantile; sorts `v`.
fn quantile(v: &mut [usize], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let h = (v.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] as f64 + (h - lo as f64) * (v[hi] as f64 - v[lo] as f64)
}

/// The assumptions the platform's rankings are tested against (the zones' comparison, the
/// development index, the evaluation of counties): weights ±25 %, min–max (1–100) or ranks,
/// arithmetic or geometric mean.
pub fn ranking_assumptions() -> Vec<Assumption> {
    vec![
        Assumption::Weights { noise: 0.25 },
        Assumption::Normalisation(vec![
            Normalise::MinMax { lower: 1.0, upper: 100.0 },
            Normalise::Rank,
        ]),
        Assumption::Aggregation(vec![Mean::Arithmetic, Mean::Geometric]),
    ]
}

/// The assumptions of the CLI and the benchmark (COINr's sensitivity vignette): weights ±25 %,
/// min–max (1–100) or z-scores (100, 10) or ranks, arithmetic or geometric mean, the pipeline's
/// treatment or none. The alternatives keep every score positive, so a geometric mean is defined.
pub fn default_assumptions(base: &Pipeline) -> Vec<Assumption> {
    vec![
        Assumption::Weights { noise: 0.25 },
        Assumption::Normalisation(vec![
            Normalise::MinMax { lower: 1.0, upper: 100.0 },
            Normalise::ZScore { mean: 100.0, sd: 10.0 },
            Normalise::Rank,
        ]),
        Assumption::Aggregation(vec![Mean::Arithmetic, Mean::Geometric]),
        Assumption::Treatment(vec![base.treat.clone(), None]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asem() -> (Meta, Data, Pipeline) {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/coinr-asem");
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        let meta = super::super::read_meta("iMeta.csv", &read("iMeta.csv")).unwrap();
        let data = super::super::read_data("iData.csv", &read("iData.csv"), &meta).unwrap();
        let p = super::super::read_pipeline("pipeline.toml", &read("pipeline.toml")).unwrap();
        (meta, data, p)
    }

    #[test]
    fn runs_on_every_core_give_what_one_by_one_gives() {
        let (meta, data, p) = asem();
        let assumptions = default_assumptions(&p);
        let mut rng = Rng(7);
        let samples: Vec<Vec<f64>> =
            (0..41).map(|_| (0..assumptions.len()).map(|_| rng.uniform()).collect()).collect();
        let mut study = Study::new(&meta, &data, &p, &assumptions).unwrap();
        let together = study.run_all(&samples).unwrap();
        let one_by_one: Vec<_> = samples
            .iter()
            .map(|u| {
                let c = study.choices(u).unwrap();
                study.aggregate(&c).unwrap()
            })
            .collect();
        assert_eq!(together.len(), 41);
        assert_eq!(together, one_by_one);
        // Different samples rank differently: the runs are not all the nominal ranking.
        assert!(together.iter().any(|r| r != &together[0]));
        let again = analyse(&meta, &data, &p, &assumptions, 20, 3).unwrap();
        assert_eq!(again, analyse(&meta, &data, &p, &assumptions, 20, 3).unwrap());
        assert_eq!(again.runs, 20 * (assumptions.len() + 2));
        // No samples: still a row per assumption.
        let none = analyse(&meta, &data, &p, &assumptions, 0, 3).unwrap();
        assert_eq!((none.runs, none.indices.len()), (0, assumptions.len()));
    }

    #[test]
    fn the_generator_is_uniform_enough() {
        let mut r = Rng(1);
        let xs: Vec<f64> = (0..100_000).map(|_| r.uniform()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
    }
}
