//! The registry of platforms and carriers (创新平台与载体): each with its host and partner (or
//! member) organisations; its annual figures read from the host's ZT-1/ZT-2 return; the yearly
//! evaluation as a review round of the experts engine; the bureau's grade and what follows from
//! it. Every change is audited.
use crate::db::{Db, Result, StoreError, Tx};
use crate::experts::{self, Item, NewRound, Rules};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::experts::Library;
use innocity_core::experts::panel::Composition;
use innocity_core::experts::scoring::{Criterion, Form, Method};
use innocity_core::subjects::carriers::{self as rules, Grade, code_of, consequence, form_of};

/// A carrier with its host.
#[derive(Debug, Clone, PartialEq)]
pub struct Carrier {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub host_id: i64,
    pub host: String,
    pub host_credit_code: String,
    pub unit_path: String,
    pub field: String,
    pub recognised_on: NaiveDate,
    pub status: String,
    pub partners: i64,
    pub version: i64,
}

impl Carrier {
    /// The registration code its host writes on the annual return.
    pub fn code(&self) -> String {
        code_of(self.id)
    }
}

impl FromRow for Carrier {
    const TABLE: &'static str = "carriers";
    const FROM: &'static str = "carriers c JOIN organisations o ON o.id = c.host_id";
    columns!(
        "c.id",
        "c.name",
        "c.kind",
        "c.level",
        "c.host_id",
        "o.name",
        "o.credit_code",
        "o.unit_path",
        "c.field",
        "c.recognised_on",
        "c.status",
        "(SELECT COUNT(*) FROM carrier_partners p WHERE p.carrier_id = c.id)",
        "c.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Carrier {
            id: f.int()?,
            name: f.text()?,
            kind: f.text()?,
            level: f.text()?,
            host_id: f.int()?,
            host: f.text()?,
            host_credit_code: f.text()?,
            unit_path: f.text()?,
            field: f.text()?,
            recognised_on: f.date()?,
            status: f.text()?,
            partners: f.int()?,
            version: f.int()?,
        })
    }
}

/// A partner or member organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub organisation_id: i64,
    pub name: String,
    pub credit_code: String,
}

impl FromRow for Partner {
    const TABLE: &'static str = "carrier_partners";
    const FROM: &'static str =
        "carrier_partners p JOIN organisations o ON o.id = p.organisation_id";
    columns!("p.organisation_id", "o.name", "o.credit_code");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Partner { organisation_id: f.int()?, name: f.text()?, credit_code: f.text()? })
    }
}

/// A year's grade of a carrier.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeRow {
    pub carrier_id: i64,
    pub year: i64,
    pub mean_score: Option<f64>,
    pub grade: String,
    pub consequence: String,
    pub note: String,
    pub graded_by: String,
}

impl FromRow for GradeRow {
    const TABLE: &'static str = "carrier_grades";
    columns!(carrier_id, year, mean_score, grade, consequence, note, graded_by);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(GradeRow {
            carrier_id: f.int()?,
            year: f.int()?,
            mean_score: f.opt_real()?,
            grade: f.text()?,
            consequence: f.text()?,
            note: f.text()?,
            graded_by: f.text()?,
        })
    }
}

/// A kind's evaluation of a year and its experts' round.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub kind: String,
    pub year: i64,
    pub round_id: i64,
    pub round_status: String,
}

impl FromRow for Evaluation {
    const TABLE: &'static str = "carrier_evaluations";
    const FROM: &'static str = "carrier_evaluations e JOIN review_rounds r ON r.id = e.round_id";
    columns!("e.kind", "e.year", "e.round_id", "r.status");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Evaluation {
            kind: f.text()?,
            year: f.int()?,
            round_id: f.int()?,
            round_status: f.text()?,
        })
    }
}

/// Why a carrier change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarrierRefusal {
    /// No organisation has this credit code (the host, or a partner).
    Unknown { field: &'static str, credit_code: String },
    /// The host lies outside the caller's area.
    HostOutOfScope { credit_code: String },
    /// A carrier of this kind already has this name.
    Taken { name: String },
    /// The kind's evaluation of the year was started already.
    Started,
    /// No carrier of the kind to evaluate that year.
    NoneToEvaluate,
    /// Grading waits for the evaluation's round to be closed.
    ExpertsFirst,
    /// The carrier was graded for the year already.
    Graded,
    /// A grade other than the experts' suggests needs a reason.
    ReasonNeeded { suggested: &'static str },
    /// Not a grade.
    Grade,
    /// Removed carriers are not evaluated.
    Removed,
}

fn refused(r: CarrierRefusal) -> StoreError {
    StoreError::Carriers(r)
}

async fn organisation_by_code(tx: &Tx, code: &str) -> Result<Option<(i64, String)>> {
    Ok(tx
        .query_one(
            "SELECT id, unit_path FROM organisations WHERE credit_code = ?",
            vec![code.into()],
        )
        .await?
        .map(|r| {
            (r.try_get_by_index::<i64>(0).unwrap_or(0), r.try_get_by_index(1).unwrap_or_default())
        }))
}

/// Registers a carrier whose host lies in the area of `roots`; partners may be anywhere. Returns its
/// id. Nothing is stored when any organisation is unknown or the name is taken.
pub async fn register(
    db: &Db,
    c: &rules::Carrier,
    roots: &[String],
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let code = &c.host_credit_code;
    let (host, host_path) = organisation_by_code(&tx, code).await?.ok_or_else(|| {
        refused(CarrierRefusal::Unknown { field: "host_credit_code", credit_code: code.clone() })
    })?;
    if !innocity_core::orgs::in_area(roots, &host_path) {
        return Err(refused(CarrierRefusal::HostOutOfScope { credit_code: code.clone() }));
    }
    let mut partners = Vec::new();
    for p in &c.partners {
        let (id, _) = organisation_by_code(&tx, p).await?.ok_or_else(|| {
            refused(CarrierRefusal::Unknown { field: "partners", credit_code: p.clone() })
        })?;
        partners.push(id);
    }
    let taken = tx
        .query_one(
            "SELECT id FROM carriers WHERE kind = ? AND name = ?",
            vec![c.kind.clone().into(), c.name.clone().into()],
        )
        .await?;
    if taken.is_some() {
        return Err(refused(CarrierRefusal::Taken { name: c.name.clone() }));
    }
    let id = tx
        .insert(
            "INSERT INTO carriers (name, kind, level, host_id, field, recognised_on, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)",
            vec![
                c.name.clone().into(),
                c.kind.clone().into(),
                c.level.clone().into(),
                host.into(),
                c.field.clone().into(),
                c.recognised_on.to_string().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    for p in &partners {
        tx.exec(
            "INSERT INTO carrier_partners (carrier_id, organisation_id) VALUES (?, ?)",
            vec![id.into(), (*p).into()],
        )
        .await?;
    }
    let after = serde_json::json!({
        "code": code_of(id), "name": c.name, "kind": c.kind, "level": c.level,
        "host": c.host_credit_code, "partners": c.partners, "field": c.field,
        "recognised_on": c.recognised_on.to_string(),
    });
    super::log(&tx, actor, "carrier.register", "carrier", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// Which carriers a list shows (by default: every one, city-wide).
#[derive(Debug, Clone)]
pub struct CarrierQuery {
    /// The area's subtrees (a unit's path, with a county's parks).
    pub within: Vec<String>,
    pub kind: Option<String>,
    pub level: Option<String>,
    pub status: Option<String>,
    /// Part of the name, the host's name or the field.
    pub text: Option<String>,
}

impl Default for CarrierQuery {
    fn default() -> Self {
        CarrierQuery {
            within: crate::orgs::everywhere(),
            kind: None,
            level: None,
            status: None,
            text: None,
        }
    }
}

/// The carriers a query finds, by kind and name.
pub async fn carriers(db: &Db, q: &CarrierQuery) -> Result<Vec<Carrier>> {
    let (area, mut values) = crate::orgs::under_roots("o.unit_path", &q.within);
    let mut sql = format!("WHERE {area}");
    for (column, value) in [("c.kind", &q.kind), ("c.level", &q.level), ("c.status", &q.status)] {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            sql.push_str(&format!(" AND {column} = ?"));
            values.push(v.clone().into());
        }
    }
    if let Some(text) = q.text.as_ref().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        sql.push_str(" AND (c.name LIKE ? OR o.name LIKE ? OR c.field LIKE ?)");
        let like = format!("%{text}%");
        values.extend([like.clone().into(), like.clone().into(), like.into()]);
    }
    sql.push_str(" ORDER BY c.kind, c.name, c.id");
    db.rows(&select::<Carrier>(&sql), values).await
}

/// One carrier.
pub async fn carrier(db: &Db, id: i64) -> Result<Option<Carrier>> {
    db.row(&select::<Carrier>("WHERE c.id = ?"), vec![id.into()]).await
}

/// A carrier's partners (members), by name.
pub async fn partners(db: &Db, id: i64) -> Result<Vec<Partner>> {
    db.rows(&select::<Partner>("WHERE p.carrier_id = ? ORDER BY o.name"), vec![id.into()]).await
}

/// A carrier's grades, newest first.
pub async fn grades(db: &Db, id: i64) -> Result<Vec<GradeRow>> {
    db.rows(&select::<GradeRow>("WHERE carrier_id = ? ORDER BY year DESC"), vec![id.into()]).await
}

/// One year's figures of a carrier from its host's annual return.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnualReturn {
    pub form: String,
    pub period: String,
    /// The return's status (draft, submitted, approved…).
    pub status: String,
    /// Element code and value, in the form's order of the stored values.
    pub values: Vec<(String, f64)>,
}

/// The carrier's lines on its host's returns (the line whose code is the carrier's), by year,
/// newest first.
pub async fn annual_returns(db: &Db, c: &Carrier) -> Result<Vec<AnnualReturn>> {
    let Some(form) = form_of(&c.kind) else { return Ok(vec![]) };
    let code_element = if form == rules::INCUBATION_FORM { "I_CODE" } else { "R_CODE" };
    let lines = db
        .read(
            "SELECT r.id, r.period, r.status, v.row_no FROM stat_returns r JOIN stat_values v ON v.return_id = r.id WHERE r.form = ? AND r.organisation_id = ? AND v.element = ? AND v.txt = ? ORDER BY r.period DESC",
            vec![form.into(), c.host_id.into(), code_element.into(), c.code().into()],
            |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.int(3)?)),
        )
        .await?;
    let mut out = Vec::new();
    for (return_id, period, status, row) in lines {
        let values = db
            .read(
                "SELECT element, num FROM stat_values WHERE return_id = ? AND row_no = ? AND num IS NOT NULL ORDER BY element",
                vec![return_id.into(), row.into()],
                |r| Ok((r.text(0)?, r.opt_real(1)?.unwrap_or(0.0))),
            )
            .await?;
        out.push(AnnualReturn { form: form.to_string(), period, status, values });
    }
    Ok(out)
}

/// Carriers (not removed) counted by kind and level under a unit path, as of the end of `year`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub kind: String,
    pub level: String,
    pub count: i64,
}

/// The counts a registry holds in an area: carriers recognised by the end of `year` and not
/// removed.
pub async fn counts(db: &Db, roots: &[String], year: i32) -> Result<Vec<Count>> {
    let (area, mut values) = crate::orgs::under_roots("o.unit_path", roots);
    values.push(format!("{year}-12-31").into());
    db.read(
        &format!("SELECT c.kind, c.level, COUNT(*) FROM carriers c JOIN organisations o ON o.id = c.host_id WHERE {area} AND c.status <> 'removed' AND c.recognised_on <= ? GROUP BY c.kind, c.level ORDER BY c.kind, c.level"),
        values,
        |r| Ok(Count { kind: r.text(0)?, level: r.text(1)?, count: r.int(2)? }),
    )
    .await
}

/// The evaluations started, newest first.
pub async fn evaluations(db: &Db) -> Result<Vec<Evaluation>> {
    db.rows(&select::<Evaluation>("ORDER BY e.year DESC, e.kind"), vec![]).await
}

/// The scoring form of a carrier's evaluation: running, services, results, example to others.
fn scoring_form() -> Form {
    let c = |code: &str, zh: &str, en: &str, weight: f64| Criterion {
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        weight,
        max: 10.0,
        step: 0.5,
    };
    Form {
        criteria: vec![
            c("operation", "运行管理与条件保障", "Running and facilities", 25.0),
            c("service", "服务能力与开放共享", "Services and openness", 25.0),
            c("results", "创新成效与年度目标完成", "Results against the year's goals", 30.0),
            c("example", "示范带动与社会效益", "Example to others", 20.0),
        ],
        recommendations: Grade::ALL.iter().map(|g| g.code().to_string()).collect(),
        min_comment_chars: 20,
    }
}

/// The carrier as an item of the round: the host is the applicant (its experts, and the
/// partners', are in conflict), the year's figures are what the experts read.
fn item(c: &Carrier, figures: &str, partners: &[Partner]) -> Item {
    Item {
        id: 0,
        round_id: 0,
        code: c.code(),
        title: c.name.clone(),
        body: figures.to_string(),
        discipline: c.field.clone(),
        applicant: c.host.clone(),
        members: vec![],
        credit_code: c.host_credit_code.clone(),
        org_name: c.host.clone(),
        unit_path: c.unit_path.clone(),
        avoid: partners.iter().map(|p| p.name.clone()).collect(),
    }
}

/// Starts the evaluation of a kind's carriers (recognised by the end of `year`, not removed) for
/// `year`: a review round of the experts engine, its items the carriers with their figures.
pub async fn start_evaluation(
    db: &Db,
    kind: &str,
    year: i32,
    demand: i64,
    deadline: NaiveDate,
    actor: Actor<'_>,
) -> Result<i64> {
    let q = CarrierQuery { kind: Some(kind.to_string()), ..CarrierQuery::default() };
    let end = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(StoreError::NotFound)?;
    let due: Vec<Carrier> = carriers(db, &q)
        .await?
        .into_iter()
        .filter(|c| c.status != "removed" && c.recognised_on <= end)
        .collect();
    if due.is_empty() {
        return Err(refused(CarrierRefusal::NoneToEvaluate));
    }
    let mut items = Vec::new();
    for c in &due {
        let figures = annual_returns(db, c)
            .await?
            .into_iter()
            .find(|r| r.period == year.to_string())
            .map(|r| {
                r.values.iter().map(|(e, v)| format!("{e}={v}")).collect::<Vec<_>>().join("；")
            })
            .unwrap_or_else(|| format!("{year}年度报表未报送"));
        items.push(item(c, &figures, &partners(db, c.id).await?));
    }
    let name = rules::KINDS.iter().find(|k| k.0 == kind).map_or(kind, |k| k.1);
    let round = NewRound {
        code: format!("ZT-{kind}-{year}"),
        name: format!("{year}年度{name}绩效评价"),
        call_name: format!("{name}年度评价"),
        library: Library::Review,
        mode: experts::Mode::Assign,
        demand,
        max_load: 10,
        rules: Rules {
            composition: Composition { max_per_org: 1, ..Default::default() },
            ..Default::default()
        },
        form: scoring_form(),
        deadline,
        year: i64::from(year),
    };
    let tx = db.begin_write().await?;
    let started = tx
        .query_one(
            "SELECT id FROM carrier_evaluations WHERE kind = ? AND year = ?",
            vec![kind.into(), i64::from(year).into()],
        )
        .await?;
    if started.is_some() {
        return Err(refused(CarrierRefusal::Started));
    }
    let round_id = experts::create_round_in(&tx, db, &round, &items, actor).await?;
    tx.insert(
        "INSERT INTO carrier_evaluations (kind, year, round_id, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
        vec![kind.into(), i64::from(year).into(), round_id.into(), actor.username.into(), tx.clock.now_ms().into()],
    )
    .await?;
    super::log(&tx, actor, "carrier.evaluate", "carrier",
        round_id,
        serde_json::json!({ "kind": kind, "year": year, "round_id": round_id, "carriers": due.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(round_id)
}

/// The experts' mean score of each carrier of a kind's evaluation, by carrier code.
pub async fn scores(db: &Db, round_id: i64) -> Result<std::collections::HashMap<String, f64>> {
    let (items, _) = experts::results(db, round_id, Method::Mean).await?;
    Ok(items.into_iter().map(|i| (i.item, i.mean)).collect())
}

/// Grades a carrier for `year` once the experts' round is closed: the grade the experts' mean
/// suggests, or another with a reason; the consequence moves the carrier's status.
pub async fn grade(
    db: &Db,
    id: i64,
    year: i32,
    grade: &str,
    note: &str,
    actor: Actor<'_>,
) -> Result<GradeRow> {
    let g = Grade::parse(grade).ok_or(refused(CarrierRefusal::Grade))?;
    let c = carrier(db, id).await?.ok_or(StoreError::NotFound)?;
    if c.status == "removed" {
        return Err(refused(CarrierRefusal::Removed));
    }
    let e: Option<Evaluation> = db
        .row(
            &select::<Evaluation>("WHERE e.kind = ? AND e.year = ?"),
            vec![c.kind.clone().into(), i64::from(year).into()],
        )
        .await?;
    let Some(e) = e.filter(|e| e.round_status == "closed") else {
        return Err(refused(CarrierRefusal::ExpertsFirst));
    };
    let mean = scores(db, e.round_id).await?.get(&c.code()).copied();
    let suggested = Grade::suggested(mean.unwrap_or(0.0));
    let note = note.trim();
    if g != suggested && note.is_empty() {
        return Err(refused(CarrierRefusal::ReasonNeeded { suggested: suggested.code() }));
    }
    let tx = db.begin_write().await?;
    let graded = tx
        .query_one(
            "SELECT id FROM carrier_grades WHERE carrier_id = ? AND year = ?",
            vec![id.into(), i64::from(year).into()],
        )
        .await?;
    if graded.is_some() {
        return Err(refused(CarrierRefusal::Graded));
    }
    let status: String = tx
        .query_one("SELECT status FROM carriers WHERE id = ?", vec![id.into()])
        .await?
        .and_then(|r| r.try_get_by_index(0).ok())
        .unwrap_or_default();
    let then = consequence(g, &status);
    tx.insert(
        "INSERT INTO carrier_grades (carrier_id, year, mean_score, grade, consequence, note, graded_by, graded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vec![id.into(), i64::from(year).into(), mean.into(), g.code().into(), then.code().into(), note.into(), actor.username.into(), tx.clock.now_ms().into()],
    )
    .await?;
    tx.exec(
        "UPDATE carriers SET status = ?, version = version + 1 WHERE id = ?",
        vec![then.status_after().into(), id.into()],
    )
    .await?;
    let after = serde_json::json!({
        "year": year, "grade": g.code(), "mean_score": mean, "consequence": then.code(),
        "status": then.status_after(), "note": note,
    });
    super::log(&tx, actor, "carrier.grade", "carrier", id, after).await?;
    tx.commit().await?;
    Ok(GradeRow {
        carrier_id: id,
        year: i64::from(year),
        mean_score: mean,
        grade: g.code().into(),
        consequence: then.code().into(),
        note: note.into(),
        graded_by: actor.username.into(),
    })
}

/// The carriers an organisation hosts or is a partner (member) of, by kind and name.
pub async fn carriers_of(db: &Db, organisation_id: i64) -> Result<Vec<Carrier>> {
    db.rows(
        &select::<Carrier>(
            "WHERE c.host_id = ? OR c.id IN (SELECT carrier_id FROM carrier_partners WHERE organisation_id = ?) ORDER BY c.kind, c.name",
        ),
        vec![organisation_id.into(), organisation_id.into()],
    )
    .await
}
