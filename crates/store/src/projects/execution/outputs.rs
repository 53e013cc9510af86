//! A project's outputs (成果) and their counts.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub id: i64,
    pub application_id: i64,
    pub kind: String,
    pub title: String,
    pub reference: String,
    pub on_date: String,
}

impl FromRow for Output {
    const TABLE: &'static str = "project_outputs";
    columns!(id, application_id, kind, title, reference, on_date);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Output {
            id: f.int()?,
            application_id: f.int()?,
            kind: f.text()?,
            title: f.text()?,
            reference: f.text()?,
            on_date: f.date_text()?,
        })
    }
}

pub async fn outputs(db: &Db, application_id: i64) -> Result<Vec<Output>> {
    db.rows(
        &select::<Output>("WHERE application_id = ? ORDER BY on_date, id"),
        vec![application_id.into()],
    )
    .await
}

/// Records an output of the project (patent, paper, standard, software, achievement, contract);
/// the same reference is one output.
pub async fn add_output(
    db: &Db,
    application_id: i64,
    kind: &str,
    title: &str,
    reference: &str,
    on_date: NaiveDate,
    actor: Actor<'_>,
) -> Result<i64> {
    book_or_refuse(db, application_id).await?;
    if !rules::OUTPUT_KINDS.contains(&kind) {
        return Err(StoreError::from(ProjectRefusal::Field { field: "kind" }));
    }
    if title.trim().chars().count() < 4 {
        return Err(StoreError::from(ProjectRefusal::Field { field: "title" }));
    }
    if reference.trim().is_empty() {
        return Err(StoreError::from(ProjectRefusal::Field { field: "reference" }));
    }
    if outputs(db, application_id)
        .await?
        .iter()
        .any(|o| o.kind == kind && o.reference == reference.trim())
    {
        return Err(StoreError::from(ProjectRefusal::OutputTwice {
            reference: reference.trim().into(),
        }));
    }
    let tx = db.begin_write().await?;
    if tx
        .query_one(
            "SELECT 1 FROM project_outputs WHERE application_id = ? AND kind = ? AND reference = ?",
            vec![application_id.into(), kind.into(), reference.trim().into()],
        )
        .await?
        .is_some()
    {
        return Err(StoreError::from(ProjectRefusal::OutputTwice {
            reference: reference.trim().into(),
        }));
    }
    let id = tx
        .insert(
            "INSERT INTO project_outputs (application_id, kind, title, reference, on_date, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![application_id.into(), kind.into(), title.trim().into(), reference.trim().into(), day(on_date).into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    log(
        &tx,
        actor,
        "project.output",
        "application",
        application_id,
        serde_json::json!({}),
        serde_json::json!({ "output": id, "kind": kind, "reference": reference.trim() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Outputs counted by kind and year over the projects `reach` sees (the statistics' view).
/// How many outputs of one kind were recorded in one year (from [`output_counts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputCount {
    pub kind: String,
    pub year: String,
    pub count: i64,
}

impl FromRow for OutputCount {
    const TABLE: &'static str = "project_outputs";
    const FROM: &'static str = "project_outputs o JOIN applications a ON a.id = o.application_id";
    columns!("o.kind", "SUBSTR(o.on_date, 1, 4)", "COUNT(*)");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(OutputCount { kind: f.text()?, year: f.text()?, count: f.int()? })
    }
}

/// Outputs of the projects `reach` covers, counted by kind and year.
pub async fn output_counts(db: &Db, reach: Reach<'_>) -> Result<Vec<OutputCount>> {
    let (filter, params) = reach_filter(&reach);
    db.rows(
        &select::<OutputCount>(&format!(
            "WHERE {filter} GROUP BY o.kind, SUBSTR(o.on_date, 1, 4) ORDER BY 2, 1"
        )),
        params,
    )
    .await
}

/// How many outputs of one kind an organisation recorded (from [`organisation_outputs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindCount {
    pub kind: String,
    pub count: i64,
}

impl FromRow for KindCount {
    const TABLE: &'static str = "project_outputs";
    const FROM: &'static str = "project_outputs o JOIN applications a ON a.id = o.application_id";
    columns!("o.kind", "COUNT(*)");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(KindCount { kind: f.text()?, count: f.int()? })
    }
}

/// An organisation's project outputs recorded in a year, by kind (for its statistical return).
pub async fn organisation_outputs(
    db: &Db,
    organisation_id: i64,
    year: i32,
) -> Result<Vec<KindCount>> {
    db.rows(
        &select::<KindCount>(
            "WHERE a.organisation_id = ? AND o.on_date >= ? AND o.on_date <= ? GROUP BY o.kind ORDER BY o.kind",
        ),
        vec![organisation_id.into(), format!("{year}-01-01").into(), format!("{year}-12-31").into()],
    )
    .await
}

pub(super) fn reach_filter(reach: &Reach<'_>) -> (String, Vec<sea_orm::Value>) {
    match reach {
        Reach::Leader(u) => ("a.leader_user_id = ?".into(), vec![(*u).into()]),
        Reach::Organisation(o) => ("a.organisation_id = ?".into(), vec![(*o).into()]),
        Reach::Area(roots) => crate::orgs::under_roots("a.unit_path", roots),
        Reach::All => ("1 = 1".into(), vec![]),
    }
}
