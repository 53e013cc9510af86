//! Totals up the org-unit hierarchy, and suspicious values.
use super::Aggregation;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::Hash;

/// The ids in a materialised path, root first: `/1/4/9/` → 1, 4, 9.
pub fn path_ids(path: &str) -> impl Iterator<Item = i64> + '_ {
    path.split('/').filter_map(|p| p.parse().ok())
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Acc {
    pub sum: f64,
    pub count: u64,
}

impl Acc {
    /// Across organisations SUM and LAST both add up (LAST picks the latest period of one
    /// organisation, which the caller has already done); AVERAGE averages.
    pub fn value(&self, how: Aggregation) -> f64 {
        match how {
            Aggregation::Sum | Aggregation::Last => self.sum,
            Aggregation::Average => {
                if self.count == 0 {
                    0.0
                } else {
                    self.sum / self.count as f64
                }
            }
        }
    }
}

/// Each value counts for its own unit and for every unit above it.
#[derive(Debug, Clone)]
pub struct Rollup<K> {
    acc: HashMap<(i64, K), Acc>,
}

impl<K: Hash + Eq + Clone> Default for Rollup<K> {
    fn default() -> Self {
        Rollup { acc: HashMap::new() }
    }
}

impl<K: Hash + Eq + Clone> Rollup<K> {
    pub fn add(&mut self, unit_path: &str, key: K, value: f64) {
        for unit in path_ids(unit_path) {
            let a = self.acc.entry((unit, key.clone())).or_default();
            a.sum += value;
            a.count += 1;
        }
    }
    /// Sets a total computed elsewhere (a dense accumulator, say).
    pub fn insert(&mut self, unit: i64, key: K, acc: Acc) {
        self.acc.insert((unit, key), acc);
    }
    pub fn get(&self, unit: i64, key: &K) -> Option<Acc> {
        self.acc.get(&(unit, key.clone())).copied()
    }
    pub fn len(&self) -> usize {
        self.acc.len()
    }
    pub fn is_empty(&self) -> bool {
        self.acc.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&(i64, K), &Acc)> {
        self.acc.iter()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// |x − mean| / sd > 3.
    ZScore,
    /// 0.6745 · |x − median| / MAD > 3.5 (Iglewicz and Hoaglin): robust to the outliers themselves.
    ModifiedZ,
    /// Outside Q1 − 3·IQR … Q3 + 3·IQR of the same element in the same org unit.
    MinMax,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outlier {
    /// Index into the values given.
    pub index: usize,
    pub value: f64,
    pub method: Method,
    pub score: f64,
    /// The range a value was expected in.
    pub low: f64,
    pub high: f64,
}

/// Fewer values than this say nothing about what is usual.
pub const MIN_VALUES: usize = 5;

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Suspicious values among one element's values in one group (an org unit, a period), by all
/// three methods; a value flagged by several appears once per method.
pub fn outliers(values: &[f64]) -> Vec<Outlier> {
    let n = values.len();
    if n < MIN_VALUES {
        return vec![];
    }
    let mut out = Vec::new();
    let mean = values.iter().sum::<f64>() / n as f64;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let median = quantile(&sorted, 0.5);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    deviations.sort_by(|a, b| a.total_cmp(b));
    let mad = quantile(&deviations, 0.5);
    let (q1, q3) = (quantile(&sorted, 0.25), quantile(&sorted, 0.75));
    let iqr = q3 - q1;
    for (index, &value) in values.iter().enumerate() {
        if sd > 0.0 {
            let z = (value - mean) / sd;
            if z.abs() > 3.0 {
                out.push(Outlier {
                    index,
                    value,
                    method: Method::ZScore,
                    score: z,
                    low: mean - 3.0 * sd,
                    high: mean + 3.0 * sd,
                });
            }
        }
        if mad > 0.0 {
            let m = 0.6745 * (value - median) / mad;
            if m.abs() > 3.5 {
                let spread = 3.5 * mad / 0.6745;
                out.push(Outlier {
                    index,
                    value,
                    method: Method::ModifiedZ,
                    score: m,
                    low: median - spread,
                    high: median + spread,
                });
            }
        }
        if iqr > 0.0 && (value < q1 - 3.0 * iqr || value > q3 + 3.0 * iqr) {
            let score = if value > q3 { (value - q3) / iqr } else { (value - q1) / iqr };
            out.push(Outlier {
                index,
                value,
                method: Method::MinMax,
                score,
                low: q1 - 3.0 * iqr,
                high: q3 + 3.0 * iqr,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_roll_up_to_every_level() {
        let mut r: Rollup<&str> = Rollup::default();
        r.add("/1/2/5/", "RD_EXP", 100.0);
        r.add("/1/2/6/", "RD_EXP", 50.0);
        r.add("/1/3/", "RD_EXP", 7.0);
        assert_eq!(r.get(1, &"RD_EXP").unwrap().sum, 157.0);
        assert_eq!(r.get(2, &"RD_EXP").unwrap(), Acc { sum: 150.0, count: 2 });
        assert_eq!(r.get(2, &"RD_EXP").unwrap().value(Aggregation::Average), 75.0);
        assert_eq!(r.get(6, &"RD_EXP").unwrap().sum, 50.0);
        assert!(r.get(3, &"OTHER").is_none());
    }

    #[test]
    fn a_planted_outlier_is_found_by_every_method_and_ordinary_values_are_not() {
        let mut v: Vec<f64> = (0..40).map(|i| 1000.0 + (i as f64 * 37.0) % 200.0).collect();
        v.push(250_000.0); // a value typed in 元 instead of 千元
        let found = outliers(&v);
        let methods: Vec<Method> = found.iter().map(|o| o.method).collect();
        assert_eq!(methods, vec![Method::ZScore, Method::ModifiedZ, Method::MinMax]);
        assert!(found.iter().all(|o| o.index == 40 && o.value == 250_000.0));
        assert!(outliers(&v[..40]).is_empty());
        assert!(outliers(&[1.0, 1.0, 1e9]).is_empty(), "three values are too few to judge");
    }
}
