//! Totals up the org-unit hierarchy and the values of one element across organisations.
use super::*;

/// Totals of a form and period up the hierarchy: every org unit × element × disaggregation
/// option ("" for totals), over returns in the given states. A county's totals hold the returns
/// of the parks that lie in it (beside the tree's, where a park sums into its zone).
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

/// The columns [`totals`] scans, a value with its return: read in place, row by row, with the
/// typed reads of [`Fields`] (not collected, so not a [`FromRow`] type).
pub(crate) struct TotalsScan;

impl TotalsScan {
    pub(crate) const TABLE: &'static str = "stat_values";
    pub(crate) const FROM: &'static str = "stat_returns r JOIN stat_values v ON v.return_id = r.id";
    columns!("r.id", "r.unit_path", "v.element", "v.disagg", "v.num");

    /// `SELECT <the columns> FROM <the join> <rest>`.
    pub(crate) fn select(rest: &str) -> String {
        format!("SELECT {} FROM {} {rest}", Self::LIST, Self::FROM)
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
    let mut at = 0;
    let county_of: HashMap<i64, i64> = crate::orgs::units(db)
        .await?
        .into_iter()
        .filter_map(|u| Some((u.id, u.county_id?)))
        .collect();
    db.for_each(
        &TotalsScan::select(&format!(
            "WHERE r.form = ? AND r.period = ? AND r.status IN ({marks}) AND v.num IS NOT NULL"
        )),
        params,
        |r| {
            let mut f = Fields::new(r, TotalsScan::TABLE, TotalsScan::COLUMNS, at);
            at += 1;
            let rid = f.int()?;
            let unit_path = f.text_ref()?;
            if rid != last_return {
                last_return = rid;
                seen.insert(rid);
                path.clear();
                let ids: Vec<i64> = path_ids(&unit_path).collect();
                let county = ids.iter().find_map(|id| county_of.get(id).copied());
                for id in ids.into_iter().chain(county) {
                    let i = *unit_index.entry(id).or_insert_with(|| {
                        unit_ids.push(id);
                        acc.push(Vec::new());
                        unit_ids.len() - 1
                    });
                    path.push(i);
                }
            }
            let (element, disagg) = (f.text_ref()?, f.text_ref()?);
            key.clear();
            key.push_str(&element);
            key.push('\u{1f}');
            key.push_str(&disagg);
            let s = match index.get(key.as_str()) {
                Some(s) => *s,
                None => {
                    series.push((element.into_owned(), disagg.into_owned()));
                    index.insert(key.clone(), series.len() - 1);
                    series.len() - 1
                }
            };
            let v = f.real()?;
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

impl FromRow for OrgValue {
    const TABLE: &'static str = "stat_values";
    const FROM: &'static str = "stat_values v JOIN stat_returns r ON r.id = v.return_id JOIN organisations o ON o.id = r.organisation_id";
    columns!("o.id", "o.name", "o.org_unit_id", "r.unit_path", "SUM(v.num)");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(OrgValue {
            organisation_id: f.int()?,
            organisation: f.text()?,
            org_unit_id: f.int()?,
            unit_path: f.text()?,
            value: f.real()?,
        })
    }
}

/// One element's values across organisations (for outliers): organisation, its unit, value.
pub async fn element_values(
    db: &Db,
    form: &str,
    period: &str,
    element: &str,
    disagg: &str,
    roots: &[String],
) -> Result<Vec<OrgValue>> {
    let (area, area_values) = crate::orgs::under_roots("r.unit_path", roots);
    let mut values: Vec<sea_orm::Value> =
        vec![form.into(), period.into(), element.into(), disagg.into()];
    values.extend(area_values);
    db.rows(
        &select::<OrgValue>(&format!(
            "WHERE r.form = ? AND r.period = ? AND v.element = ? AND v.disagg = ? AND v.num IS NOT NULL AND {area} AND r.status <> 'draft' \
             GROUP BY o.id, o.name, o.org_unit_id, r.unit_path ORDER BY o.id",
        )),
        values,
    )
    .await
}
