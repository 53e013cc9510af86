//! Expert opinions, the mid-term inspection and the acceptance with its outcome.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct OpinionRow {
    pub id: i64,
    /// mid_term, acceptance
    pub stage: String,
    pub opinion: Opinion,
    pub added_by: String,
}

impl FromRow for OpinionRow {
    const TABLE: &'static str = "project_opinions";
    columns!(id, stage, expert, score, conclusion, body, added_by);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(OpinionRow {
            id: f.int()?,
            stage: f.text()?,
            opinion: Opinion {
                expert: f.text()?,
                score: f.int_as()?,
                conclusion: f.code(Outcome::parse)?,
                text: f.text()?,
            },
            added_by: f.text()?,
        })
    }
}

pub async fn opinions(db: &Db, application_id: i64) -> Result<Vec<OpinionRow>> {
    db.rows(
        &select::<OpinionRow>("WHERE application_id = ? ORDER BY id"),
        vec![application_id.into()],
    )
    .await
}

/// The bureau enters an expert's written opinion (the inspection or acceptance group's forms).
pub async fn add_opinion(
    db: &Db,
    application_id: i64,
    stage: Condition,
    o: &Opinion,
    actor: Actor<'_>,
) -> Result<i64> {
    let book = book_or_refuse(db, application_id).await?;
    if !matches!(stage, Condition::MidTerm | Condition::Acceptance) {
        return Err(StoreError::from(ProjectRefusal::Stage));
    }
    if !book.status.running() {
        return Err(StoreError::from(ProjectRefusal::Status {
            status: book.status,
            action: "opinion",
        }));
    }
    if o.expert.trim().is_empty() {
        return Err(StoreError::from(ProjectRefusal::Field { field: "expert" }));
    }
    if o.score > 100 {
        return Err(StoreError::from(ProjectRefusal::Score));
    }
    if o.text.trim().chars().count() < 10 {
        return Err(StoreError::from(ProjectRefusal::Field { field: "opinion" }));
    }
    let tx = db.begin_write().await?;
    let status = status_in(&tx, application_id).await?;
    if !status.running() {
        return Err(StoreError::from(ProjectRefusal::Status { status, action: "opinion" }));
    }
    let id = tx
        .insert(
            "INSERT INTO project_opinions (application_id, stage, expert, score, conclusion, body, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![application_id.into(), stage.code().into(), o.expert.trim().into(), i64::from(o.score).into(), o.conclusion.code().into(), o.text.trim().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    log(&tx, actor, "project.opinion", "application", application_id, serde_json::json!({}), serde_json::json!({ "stage": stage.code(), "expert": o.expert.trim(), "score": o.score, "conclusion": o.conclusion.code() })).await?;
    tx.commit().await?;
    Ok(id)
}

pub(super) fn report_in(reports: &[Report], kind: ReportKind) -> Option<&Report> {
    reports.iter().find(|r| r.due.kind == kind && r.status == "submitted")
}

/// Concludes the mid-term inspection: the mid-term report is in and at least three experts gave
/// opinions. Passed (or passed with conditions) approves the mid-term condition, which releases
/// the second instalment; failed suspends the project.
pub async fn conclude_mid_term(
    db: &Db,
    application_id: i64,
    outcome: Outcome,
    opinion: &str,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    let book = book_or_refuse(db, application_id).await?;
    if book.status != Status::Ongoing {
        return Err(StoreError::from(ProjectRefusal::Status {
            status: book.status,
            action: "mid_term",
        }));
    }
    if conditions(db, application_id).await?.iter().any(|c| c.condition == Condition::MidTerm) {
        return Err(StoreError::from(ProjectRefusal::Concluded));
    }
    if report_in(&reports(db, application_id, today).await?, ReportKind::MidTerm).is_none() {
        return Err(StoreError::from(ProjectRefusal::NoReport { kind: ReportKind::MidTerm }));
    }
    let n = opinions(db, application_id).await?.iter().filter(|o| o.stage == "mid_term").count();
    if n < rules::MIN_OPINIONS {
        return Err(StoreError::from(ProjectRefusal::Opinions {
            required: rules::MIN_OPINIONS,
            given: n,
        }));
    }
    if opinion.trim().chars().count() < 4 {
        return Err(StoreError::from(ApplicationRefusal::ReasonRequired));
    }
    let tx = db.begin_write().await?;
    let status = status_in(&tx, a.id).await?;
    if status != Status::Ongoing {
        return Err(StoreError::from(ProjectRefusal::Status { status, action: "mid_term" }));
    }
    if tx
        .query_one(
            "SELECT 1 FROM project_conditions WHERE application_id = ? AND condition = ?",
            vec![a.id.into(), Condition::MidTerm.code().into()],
        )
        .await?
        .is_some()
    {
        return Err(StoreError::from(ProjectRefusal::Concluded));
    }
    if outcome == Outcome::Failed {
        tx.exec("UPDATE task_books SET status = 'suspended', status_reason = ?, version = version + 1 WHERE application_id = ?", vec![format!("中期检查不合格：{}", opinion.trim()).into(), a.id.into()]).await?;
    } else {
        condition_in(&tx, a.id, Condition::MidTerm, opinion, actor).await?;
    }
    log(
        &tx,
        actor,
        "project.mid_term",
        "application",
        a.id,
        serde_json::json!({}),
        serde_json::json!({ "outcome": outcome.code(), "opinion": opinion.trim() }),
    )
    .await?;
    tx.commit().await
}

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRow {
    pub outcome: Outcome,
    pub score: f64,
    /// excellent, good, pass, fail
    pub grade: String,
    pub opinion: String,
    pub credit_records: Vec<i64>,
    pub decided_by: String,
    pub decided_at: i64,
}

impl FromRow for OutcomeRow {
    const TABLE: &'static str = "project_outcomes";
    columns!(outcome, score, grade, opinion, credit_records, decided_by, decided_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(OutcomeRow {
            outcome: f.code(Outcome::parse)?,
            score: f.real()?,
            grade: f.text()?,
            opinion: f.text()?,
            credit_records: f.json()?,
            decided_by: f.text()?,
            decided_at: f.int()?,
        })
    }
}

pub async fn outcome(db: &Db, application_id: i64) -> Result<Option<OutcomeRow>> {
    db.row(&select::<OutcomeRow>("WHERE application_id = ?"), vec![application_id.into()]).await
}

/// Deliverables the final report says are met (partly met counts half, rounded down).
pub(super) fn met(report: &Report) -> usize {
    let full = report.deliverables.iter().filter(|d| d.1 == "met").count();
    let part = report.deliverables.iter().filter(|d| d.1 == "partly").count();
    full + part / 2
}

/// The acceptance decision (验收结论): the final report is in and at least three experts gave
/// opinions. Passed or passed with conditions approves the acceptance (or, for a post-subsidy
/// project, results-verified) condition; failed cancels what is unpaid, returns it to the programme
/// and writes credit records for the leader and the organisation — serious with a three-year ban
/// when fraud was found. The performance grade is computed and kept. One transaction.
pub async fn decide_acceptance(
    db: &Db,
    application_id: i64,
    decided: Outcome,
    opinion: &str,
    fraud: bool,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<OutcomeRow> {
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    let book = book_or_refuse(db, application_id).await?;
    if book.status != Status::Ongoing {
        return Err(StoreError::from(ProjectRefusal::Status {
            status: book.status,
            action: "acceptance",
        }));
    }
    let reps = reports(db, application_id, today).await?;
    let Some(final_report) = report_in(&reps, ReportKind::Final) else {
        return Err(StoreError::from(ProjectRefusal::NoReport { kind: ReportKind::Final }));
    };
    let ops: Vec<Opinion> = opinions(db, application_id)
        .await?
        .into_iter()
        .filter(|o| o.stage == "acceptance")
        .map(|o| o.opinion)
        .collect();
    if ops.len() < rules::MIN_OPINIONS {
        return Err(StoreError::from(ProjectRefusal::Opinions {
            required: rules::MIN_OPINIONS,
            given: ops.len(),
        }));
    }
    if opinion.trim().chars().count() < 4 {
        return Err(StoreError::from(ApplicationRefusal::ReasonRequired));
    }
    if fraud && decided != Outcome::Failed {
        return Err(StoreError::from(ProjectRefusal::FraudPass));
    }
    let met = met(final_report);
    let due =
        reps.iter().filter(|r| r.due.due_on <= today && r.due.kind != ReportKind::Final).count();
    let on_time = reps.iter().filter(|r| r.on_time && r.due.kind != ReportKind::Final).count();
    let (score, grade) =
        rules::performance(&ops, met, book.deliverables.len(), on_time.min(due), due);
    let org = crate::orgs::get(db, a.organisation_id).await?.ok_or(StoreError::NotFound)?;
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE task_books SET status = ?, status_reason = ?, version = version + 1 WHERE application_id = ? AND version = ?", vec![decided.status().code().into(), opinion.trim().into(), a.id.into(), book.version.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let mut records = Vec::new();
    if decided == Outcome::Failed {
        cancel_unpaid(&tx, &a).await?;
        records = failure_records(&tx, &a, &org, fraud, today, actor).await?;
    } else {
        let condition =
            if book.post_subsidy { Condition::ResultsVerified } else { Condition::Acceptance };
        condition_in(&tx, a.id, condition, opinion, actor).await?;
    }
    let now = tx.clock.now_ms();
    tx.exec(
        "INSERT INTO project_outcomes (application_id, outcome, score, grade, opinion, credit_records, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vec![a.id.into(), decided.code().into(), score.into(), grade.into(), opinion.trim().into(), serde_json::to_string(&records).unwrap_or_default().into(), actor.username.into(), now.into()],
    )
    .await?;
    log(&tx, actor, "project.accept", "application", a.id, serde_json::json!({ "status": book.status.code() }), serde_json::json!({ "outcome": decided.code(), "score": score, "grade": grade, "fraud": fraud, "credit_records": records })).await?;
    tx.commit().await?;
    Ok(OutcomeRow {
        outcome: decided,
        score,
        grade: grade.into(),
        opinion: opinion.trim().into(),
        credit_records: records,
        decided_by: actor.username.into(),
        decided_at: now,
    })
}

/// A failed acceptance's bad credit records, for the leader and the organisation (serious, with
/// three years' exclusion, on fraud).
async fn failure_records(
    tx: &Tx,
    a: &Application,
    org: &crate::orgs::Organisation,
    fraud: bool,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<Vec<i64>> {
    let mut records = Vec::new();
    let record = Record {
        id: 0,
        nature: Nature::Bad,
        kind: if fraud {
            "项目验收中发现弄虚作假".into()
        } else {
            "项目验收不通过".into()
        },
        severity: if fraud { Severity::Serious } else { Severity::Minor },
        source: format!("{} 验收结论", a.code),
        date: today,
        sanction: if fraud { Sanction::Years(3) } else { Sanction::None },
        points: 0,
    };
    for subject in [
        crate::credit::Subject {
            kind: "person".into(),
            key: a.leader_key.clone(),
            name: a.leader_name.clone(),
        },
        crate::credit::Subject {
            kind: "organisation".into(),
            key: org.credit_code.clone(),
            name: org.name.clone(),
        },
    ] {
        records.push(crate::credit::add_in(tx, &subject, &record, today, actor).await?.0);
    }
    Ok(records)
}
