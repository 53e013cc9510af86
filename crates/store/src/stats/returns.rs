//! Returns (form, organisation, period) and the values in their cells.
use super::*;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Return {
    pub id: i64,
    pub form: String,
    pub period: String,
    pub organisation_id: i64,
    pub unit_path: String,
    pub status: Status,
    /// Written explanations of warnings, by rule (and row): `{"R107-2-07": "新建研发中心"}`.
    pub explanations: HashMap<String, String>,
    /// The reviewer's reason when returned.
    pub reason: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: i64,
    pub reviewed_by: String,
    pub reviewed_at: i64,
    pub version: i64,
}

impl FromRow for Return {
    const TABLE: &'static str = "stat_returns";
    columns!(
        id,
        form,
        period,
        organisation_id,
        unit_path,
        status,
        explanations,
        reason,
        created_at,
        updated_at,
        submitted_at,
        reviewed_by,
        reviewed_at,
        version
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Return {
            id: f.int()?,
            form: f.text()?,
            period: f.text()?,
            organisation_id: f.int()?,
            unit_path: f.text()?,
            status: f.code(Status::parse)?,
            explanations: f.json()?,
            reason: f.text()?,
            created_at: f.int()?,
            updated_at: f.int()?,
            submitted_at: f.int()?,
            reviewed_by: f.text()?,
            reviewed_at: f.int()?,
            version: f.int()?,
        })
    }
}

pub async fn find_return(
    db: &Db,
    form: &str,
    period: &str,
    organisation_id: i64,
) -> Result<Option<Return>> {
    let sql = select::<Return>("WHERE form = ? AND period = ? AND organisation_id = ?");
    db.row(&sql, vec![form.into(), period.into(), organisation_id.into()]).await
}

pub async fn return_by_id(db: &Db, id: i64) -> Result<Option<Return>> {
    db.row(&select::<Return>("WHERE id = ?"), vec![id.into()]).await
}

/// One organisation's returns, newest period first.
pub async fn returns_of(db: &Db, organisation_id: i64) -> Result<Vec<Return>> {
    let sql = select::<Return>("WHERE organisation_id = ? ORDER BY period DESC, form");
    db.rows(&sql, vec![organisation_id.into()]).await
}

/// A stored value of a return.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub element: String,
    /// The disaggregation option, or "" for the element's total.
    pub disagg: String,
    /// 0 for grid cells; 1, 2, … for roster rows.
    pub row: i64,
    pub value: Stored,
}

pub(super) fn stored_from(num: Option<f64>, txt: Option<String>) -> Option<Stored> {
    match (num, txt) {
        (Some(v), _) => Some(Stored::Num(v)),
        (None, Some(t)) => Some(Stored::Text(t)),
        _ => None,
    }
}

/// A stored value as [`cells`] reads it: `None` when it holds neither a number nor text.
pub(crate) struct CellRow(pub(crate) Option<Cell>);

impl FromRow for CellRow {
    const TABLE: &'static str = "stat_values";
    columns!(element, disagg, row_no, num, txt);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let (element, disagg, row) = (f.text()?, f.text()?, f.int()?);
        let value = stored_from(f.opt_real()?, f.opt_text()?);
        Ok(CellRow(value.map(|value| Cell { element, disagg, row, value })))
    }
}

pub async fn cells(db: &Db, return_id: i64) -> Result<Vec<Cell>> {
    let rows: Vec<CellRow> = db
        .rows(
            &select::<CellRow>("WHERE return_id = ? ORDER BY row_no, element, disagg"),
            vec![return_id.into()],
        )
        .await?;
    Ok(rows.into_iter().filter_map(|CellRow(c)| c).collect())
}

/// A number an organisation reported for a period: what the rules read of earlier periods.
pub(crate) struct EarlierValue {
    pub(super) organisation_id: i64,
    pub(super) period: Period,
    pub(super) element: String,
    pub(super) disagg: String,
    pub(super) row: i64,
    pub(super) num: f64,
}

impl FromRow for EarlierValue {
    const TABLE: &'static str = "stat_values";
    const FROM: &'static str = "stat_values v JOIN stat_returns r ON r.id = v.return_id";
    columns!("r.organisation_id", "r.period", "v.element", "v.disagg", "v.row_no", "v.num");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(EarlierValue {
            organisation_id: f.int()?,
            period: f.parse_with(Period::parse)?,
            element: f.text()?,
            disagg: f.text()?,
            row: f.int()?,
            num: f.real()?,
        })
    }
}

/// The values an organisation's rules for `form` read: this form and the forms its rules
/// reach, for this period and the periods of the year before it (previous-period and
/// year-to-date items).
pub async fn snapshot(
    db: &Db,
    cat: &Catalogue,
    form: &str,
    period: Period,
    organisation_id: i64,
) -> Result<Snapshot> {
    let forms = cat.forms_read_by(form);
    let mut periods: Vec<String> = (0..=12).map(|k| period.offset(-k).to_string()).collect();
    periods.dedup();
    let fm = vec!["?"; forms.len()].join(", ");
    let pm = vec!["?"; periods.len()].join(", ");
    let sql = select::<EarlierValue>(&format!(
        "WHERE r.organisation_id = ? AND r.form IN ({fm}) AND r.period IN ({pm}) AND v.num IS NOT NULL"
    ));
    let mut params: Vec<Value> = vec![organisation_id.into()];
    params.extend(forms.iter().map(|f| Value::from(f.clone())));
    params.extend(periods.iter().map(|p| Value::from(p.clone())));
    let rows: Vec<EarlierValue> = db.rows(&sql, params).await?;
    let mut s = Snapshot::new(period);
    for v in rows {
        s.add(v.period, &v.element, &v.disagg, v.row, v.num);
    }
    Ok(s)
}
