//! Values in long format: importing and exporting them.
use super::*;

/// What a bulk import did: returns and values written, and what the rules found in them.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    pub returns: usize,
    pub values: usize,
    pub changed: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Returns that fail an error rule (organisation credit code, rule).
    pub failing: Vec<(String, String)>,
}

/// Why a bulk import was refused: every problem with its place, nothing written.
#[derive(Debug)]
pub enum ImportError {
    File(Vec<innocity_core::stats::long::PlaceError>),
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(e)
    }
}

/// A registered organisation as a bulk import looks it up (by credit code).
#[derive(Clone)]
pub(crate) struct Registered {
    credit_code: String,
    id: i64,
    unit_path: String,
    kind: String,
    level: String,
    name: String,
    /// The kinds of carrier it hosts (filled after the read).
    hosted: Vec<String>,
}

impl FromRow for Registered {
    const TABLE: &'static str = "organisations";
    const FROM: &'static str = "organisations o JOIN org_units u ON u.id = o.org_unit_id";
    columns!("o.credit_code", "o.id", "o.unit_path", "o.kind", "u.level", "o.name");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Registered {
            credit_code: f.text()?,
            id: f.int()?,
            unit_path: f.text()?,
            kind: f.text()?,
            level: f.text()?,
            name: f.text()?,
            hosted: Vec::new(),
        })
    }
}

/// A stored value as [`export_long`] writes it, with its organisation and unit path.
pub(crate) struct Exported {
    org: String,
    path: String,
    element: String,
    disagg: String,
    row: i64,
    num: Option<f64>,
    txt: Option<String>,
}

impl FromRow for Exported {
    const TABLE: &'static str = "stat_values";
    const FROM: &'static str = "stat_returns r JOIN stat_values v ON v.return_id = r.id JOIN organisations o ON o.id = r.organisation_id";
    columns!("o.credit_code", "r.unit_path", "v.element", "v.disagg", "v.row_no", "v.num", "v.txt");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Exported {
            org: f.text()?,
            path: f.text()?,
            element: f.text()?,
            disagg: f.text()?,
            row: f.int()?,
            num: f.opt_real()?,
            txt: f.opt_text()?,
        })
    }
}

/// Imports long-format values for many organisations (an operator's bulk load, e.g. from the
/// previous system) in one transaction: checks every value, requires every organisation to be
/// registered (先进库后有数), validates every return against its rules with last year's values
/// and writes it all, or nothing. Returns already submitted or approved are refused.
pub async fn import_long(
    db: &Db,
    cat: &Catalogue,
    form: &str,
    period: Period,
    raws: &[innocity_core::stats::long::Raw],
    actor: Actor<'_>,
    progress: &dyn Fn(usize, usize),
) -> std::result::Result<ImportReport, ImportError> {
    let p = period.to_string();
    let by_org =
        innocity_core::stats::long::check(cat, form, &p, raws).map_err(ImportError::File)?;
    // Organisations by credit code, in one read.
    let mut hosts = super::hosts(db).await?;
    let registered: HashMap<String, Registered> = db
        .rows::<Registered>(&select::<Registered>(""), vec![])
        .await?
        .into_iter()
        .map(|mut o| {
            o.hosted = hosts.remove(&o.id).unwrap_or_default();
            (o.credit_code.clone(), o)
        })
        .collect();
    let f = cat.form(form).ok_or(StoreError::NotFound)?;
    let unknown = unregistered(f, form, raws, &by_org, &registered);
    if !unknown.is_empty() {
        return Err(ImportError::File(unknown));
    }
    let snaps = earlier_snapshots(db, cat, form, period).await?;
    let mut report = ImportReport::default();
    let items =
        validated_items(&cat.rules_for(form), by_org, &registered, snaps, period, &mut report)?;
    report.returns = items.len();
    let total = items.len();
    report.changed = save_batch(
        db,
        form,
        &p,
        &items,
        SaveHow { mode: Mode::Replace, source: "import" },
        actor,
        &|n| progress(n, total),
    )
    .await?;
    Ok(report)
}

/// The values' organisations, by credit code, each with its entries in file order.
type ByOrg = std::collections::BTreeMap<String, Vec<innocity_core::stats::long::Entry>>;

/// Organisations in the file that are not registered or do not report this form, each placed at
/// its first line (at most `MAX_ERRORS`).
fn unregistered(
    f: &Form,
    form: &str,
    raws: &[innocity_core::stats::long::Raw],
    by_org: &ByOrg,
    registered: &HashMap<String, Registered>,
) -> Vec<innocity_core::stats::long::PlaceError> {
    use innocity_core::stats::long::{self, Place, PlaceError, Unaccepted};
    let mut unknown = Vec::new();
    for code in by_org.keys() {
        let why = match registered.get(code) {
            None => Some(Unaccepted::Unregistered { code: code.clone() }),
            Some(o) => (!must_report(f, &o.kind, &o.level, &o.hosted)).then(|| {
                Unaccepted::NotReporter { organisation: o.name.clone(), form: form.to_string() }
            }),
        };
        if let Some(why) = why {
            let line = raws
                .iter()
                .find(|r| &r.org == code)
                .map(|r| r.place.clone())
                .unwrap_or(Place { sheet: String::new(), line: 0, column: String::new() });
            unknown.push(PlaceError::unaccepted(Place { column: "org".into(), ..line }, why));
            if unknown.len() >= long::MAX_ERRORS {
                break;
            }
        }
    }
    unknown
}

/// Earlier periods of every organisation, for year-on-year rules: one read.
async fn earlier_snapshots(
    db: &Db,
    cat: &Catalogue,
    form: &str,
    period: Period,
) -> Result<HashMap<i64, Snapshot>> {
    let forms = cat.forms_read_by(form);
    let earlier: Vec<String> = (1..=12).map(|k| period.offset(-k).to_string()).collect();
    let fm = vec!["?"; forms.len()].join(", ");
    let pm = vec!["?"; earlier.len()].join(", ");
    let mut params: Vec<Value> = forms.iter().map(|f| Value::from(f.clone())).collect();
    params.extend(earlier.iter().map(|x| Value::from(x.clone())));
    let history: Vec<EarlierValue> = db
        .rows(
            &select::<EarlierValue>(&format!(
                "WHERE r.form IN ({fm}) AND r.period IN ({pm}) AND v.num IS NOT NULL"
            )),
            params,
        )
        .await?;
    let mut snaps: HashMap<i64, Snapshot> = HashMap::new();
    for v in history {
        snaps
            .entry(v.organisation_id)
            .or_insert_with(|| Snapshot::new(period))
            .add(v.period, &v.element, &v.disagg, v.row, v.num);
    }
    Ok(snaps)
}

/// Each organisation's return to write, checked against the form's rules with its earlier
/// values; what the rules found is counted in `report`.
fn validated_items(
    rules: &[innocity_core::stats::CompiledRule],
    by_org: ByOrg,
    registered: &HashMap<String, Registered>,
    mut snaps: HashMap<i64, Snapshot>,
    period: Period,
    report: &mut ImportReport,
) -> Result<Vec<BatchItem>> {
    let mut items = Vec::with_capacity(by_org.len());
    for (code, entries) in by_org {
        let (org, path) = match registered.get(&code) {
            Some(o) => (o.id, o.unit_path.clone()),
            None => return Err(StoreError::NotFound),
        };
        let mut snap = snaps.remove(&org).unwrap_or_else(|| Snapshot::new(period));
        for e in &entries {
            if let Some(v) = e.value.as_ref().and_then(Stored::num) {
                snap.add(period, &e.element, &e.disagg, e.row, v);
            }
        }
        for v in innocity_core::stats::validate(rules, &snap) {
            match v.severity {
                innocity_core::stats::Severity::Error => {
                    report.errors += 1;
                    if report.failing.len() < 1000 {
                        report.failing.push((code.clone(), v.rule.clone()));
                    }
                }
                innocity_core::stats::Severity::Warning => report.warnings += 1,
            }
        }
        report.values += entries.len();
        items.push(BatchItem {
            organisation_id: org,
            unit_path: path,
            changes: entries
                .into_iter()
                .map(|e| CellChange {
                    element: e.element,
                    disagg: e.disagg,
                    row: e.row,
                    value: e.value,
                })
                .collect(),
        });
    }
    Ok(items)
}

/// Every value of a form and period with its organisation's unit path (for exports and for
/// checking totals with other tools).
pub async fn export_long(
    db: &Db,
    form: &str,
    period: &str,
    out: &mut dyn std::io::Write,
) -> Result<usize> {
    let rows: Vec<Exported> = db
        .rows(
            &select::<Exported>(
                "WHERE r.form = ? AND r.period = ? ORDER BY r.id, v.row_no, v.element, v.disagg",
            ),
            vec![form.into(), period.into()],
        )
        .await?;
    writeln!(out, "org,unit_path,element,disaggregation,period,row,value")?;
    for Exported { org, path, element: e, disagg: d, row, num, txt } in &rows {
        let value = match (num, txt) {
            (Some(n), _) => format_plain(*n),
            (None, Some(t)) => format!("\"{}\"", t.replace('"', "\"\"")),
            _ => String::new(),
        };
        writeln!(out, "{org},{path},{e},{d},{period},{row},{value}")?;
    }
    Ok(rows.len())
}
