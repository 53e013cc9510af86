//! The innovation survey's (CX-1) responses of a year within an area, for the yearly report.
use super::*;
use innocity_core::stats::survey::{FORM, Response};

/// One value of a survey return, with whose it is and the unit it was filed in; `element` is
/// `None` for a return without a number (it is still a response).
pub(crate) struct SurveyValue {
    return_id: i64,
    organisation_id: i64,
    unit_path: String,
    element: Option<String>,
    value: Option<f64>,
}

impl FromRow for SurveyValue {
    const TABLE: &'static str = "stat_returns";
    const FROM: &'static str = "stat_returns r \
         LEFT JOIN stat_values v ON v.return_id = r.id AND v.disagg = '' AND v.row_no = 0 AND v.num IS NOT NULL";
    columns!("r.id", "r.organisation_id", "r.unit_path", "v.element", "v.num");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(SurveyValue {
            return_id: f.int()?,
            organisation_id: f.int()?,
            unit_path: f.text()?,
            element: f.opt_text()?,
            value: f.opt_real()?,
        })
    }
}

/// The approved CX-1 returns of a year whose unit lies under one of `roots` (an area's roots),
/// each with its numbers. Only approved (and locked, approved further up) returns: the report
/// gives official figures, and a submitted return may still be sent back.
pub async fn survey_responses(db: &Db, year: i32, roots: &[String]) -> Result<Vec<Response>> {
    let (area, area_values) = crate::orgs::under_roots("r.unit_path", roots);
    let mut params: Vec<Value> = vec![FORM.into(), Period::Year(year).to_string().into()];
    params.push(Status::Approved.code().into());
    params.push(Status::Locked.code().into());
    params.extend(area_values);
    let rows: Vec<SurveyValue> = db
        .rows(
            &select::<SurveyValue>(&format!(
                "WHERE r.form = ? AND r.period = ? AND r.status IN (?, ?) AND {area} ORDER BY r.id"
            )),
            params,
        )
        .await?;
    let mut out: Vec<Response> = Vec::new();
    let mut last = None;
    for row in rows {
        if last != Some(row.return_id) {
            last = Some(row.return_id);
            // The unit the return was filed in (as the totals count it), the last on its path.
            let org_unit_id = path_ids(&row.unit_path).last().unwrap_or_default();
            out.push(Response {
                organisation_id: row.organisation_id,
                org_unit_id,
                values: Default::default(),
            });
        }
        if let (Some(element), Some(value), Some(r)) = (row.element, row.value, out.last_mut()) {
            r.values.insert(element, value);
        }
    }
    Ok(out)
}
