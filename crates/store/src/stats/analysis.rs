//! Totals up the org-unit hierarchy and the values of one element across organisations.
use super::*;

/// Totals of a form and period up the hierarchy: every org unit × element × disaggregation
/// option ("" for totals), over returns in the given states.
pub struct Totals {
    /// Series index → (element, disaggregation).
    pub series: Vec<(String, String)>,
    pub rollup: Rollup<u32>,
    /// Returns counted.
    pub returns: usize,
}

impl Totals {
    pub fn find(&self, element: &str, disagg: &str) -> Option<u32> {
        self.series.iter().position(|(e, d)| e == element && d == disagg).map(|i| i as u32)
    }
}

pub async fn totals(db: &Db, form: &str, period: &str, states: &[Status]) -> Result<Totals> {
    let marks = vec!["?"; states.len()].join(", ");
    let mut params: Vec<Value> = vec![form.into(), period.into()];
    params.extend(states.iter().map(|s| Value::from(s.code())));
    // One pass over the values, folded as they come: series and units get dense numbers, and
    // each return's path is read once (a return's values come together, by the primary key).
    let mut series: Vec<(String, String)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut unit_index: HashMap<i64, usize> = HashMap::new();
    let mut unit_ids: Vec<i64> = Vec::new();
    let mut acc: Vec<Vec<Acc>> = Vec::new();
    let mut path: Vec<usize> = Vec::new();
    let mut last_return = i64::MIN;
    let mut seen = std::collections::HashSet::new();
    let mut key = String::new();
    db.for_each(
        &format!(
            "SELECT r.id, r.unit_path, v.element, v.disagg, v.num FROM stat_returns r JOIN stat_values v ON v.return_id = r.id \
             WHERE r.form = ? AND r.period = ? AND r.status IN ({marks}) AND v.num IS NOT NULL"
        ),
        params,
        |r| {
            let rid = r.int(0)?;
            if rid != last_return {
                last_return = rid;
                seen.insert(rid);
                path.clear();
                for id in path_ids(&r.text_ref(1)?) {
                    let i = *unit_index.entry(id).or_insert_with(|| {
                        unit_ids.push(id);
                        acc.push(Vec::new());
                        unit_ids.len() - 1
                    });
                    path.push(i);
                }
            }
            key.clear();
            key.push_str(&r.text_ref(2)?);
            key.push('\u{1f}');
            key.push_str(&r.text_ref(3)?);
            let s = match index.get(key.as_str()) {
                Some(s) => *s,
                None => {
                    let (e, d) = key.split_once('\u{1f}').unwrap_or((key.as_str(), ""));
                    series.push((e.to_string(), d.to_string()));
                    index.insert(key.clone(), series.len() - 1);
                    series.len() - 1
                }
            };
            let v = r.opt_real(4)?.unwrap_or(0.0);
            for &u in &path {
                let row = &mut acc[u];
                if row.len() <= s {
                    row.resize(s + 1, Acc::default());
                }
                row[s].sum += v;
                row[s].count += 1;
            }
            Ok(())
        },
    )
    .await?;
    let mut rollup = Rollup::default();
    for (u, row) in acc.iter().enumerate() {
        for (s, a) in row.iter().enumerate().filter(|(_, a)| a.count > 0) {
            rollup.insert(unit_ids[u], s as u32, *a);
        }
    }
    Ok(Totals { series, rollup, returns: seen.len() })
}

/// An organisation's value of one element, from [`element_values`].
#[derive(Debug, Clone, PartialEq)]
pub struct OrgValue {
    pub organisation_id: i64,
    pub organisation: String,
    pub org_unit_id: i64,
    pub unit_path: String,
    pub value: f64,
}

/// One element's values across organisations (for outliers): organisation, its unit, value.
pub async fn element_values(
    db: &Db,
    form: &str,
    period: &str,
    element: &str,
    disagg: &str,
    root: &str,
) -> Result<Vec<OrgValue>> {
    let (lo, hi) = subtree_bounds(root);
    db.read(
        "SELECT o.id, o.name, o.org_unit_id, r.unit_path, SUM(v.num) FROM stat_values v JOIN stat_returns r ON r.id = v.return_id JOIN organisations o ON o.id = r.organisation_id \
         WHERE r.form = ? AND r.period = ? AND v.element = ? AND v.disagg = ? AND v.num IS NOT NULL AND r.unit_path >= ? AND r.unit_path < ? AND r.status <> 'draft' \
         GROUP BY o.id, o.name, o.org_unit_id, r.unit_path ORDER BY o.id",
        vec![form.into(), period.into(), element.into(), disagg.into(), lo.into(), hi.into()],
        |r| {
            Ok(OrgValue {
                organisation_id: r.int(0)?,
                organisation: r.text(1)?,
                org_unit_id: r.int(2)?,
                unit_path: r.text(3)?,
                value: r.opt_real(4)?.unwrap_or(0.0),
            })
        },
    )
    .await
}
