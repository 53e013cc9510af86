//! Progress reports, their files, milestones reached, and reminders.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub due: Due,
    /// due (never submitted), submitted
    pub status: String,
    pub body: String,
    /// The leader's account of each deliverable (final report): (deliverable, met|partly|not_met).
    pub deliverables: Vec<(String, String)>,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub reminded_at: i64,
    pub overdue: bool,
    pub on_time: bool,
}

/// A report as stored (submitted, or reminded of).
pub(crate) struct StoredReport {
    kind: String,
    seq: i64,
    body: String,
    deliverables: Vec<(String, String)>,
    status: String,
    submitted_by: String,
    submitted_at: i64,
    reminded_at: i64,
}

impl FromRow for StoredReport {
    const TABLE: &'static str = "project_reports";
    columns!(kind, seq, body, deliverables, status, submitted_by, submitted_at, reminded_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(StoredReport {
            kind: f.text()?,
            seq: f.int()?,
            body: f.text()?,
            deliverables: f.json()?,
            status: f.text()?,
            submitted_by: f.text()?,
            submitted_at: f.int()?,
            reminded_at: f.int()?,
        })
    }
}

/// The project's reporting schedule (from its task book's dates, so an extension moves it) with
/// what has come in.
pub async fn reports(db: &Db, application_id: i64, today: NaiveDate) -> Result<Vec<Report>> {
    let Some(book) = task_book(db, application_id).await? else { return Ok(vec![]) };
    let stored: Vec<StoredReport> = db
        .rows(&select::<StoredReport>("WHERE application_id = ?"), vec![application_id.into()])
        .await?;
    Ok(rules::report_schedule(book.starts(), book.ends())
        .into_iter()
        .map(|due| {
            let row =
                stored.iter().find(|s| s.kind == due.kind.code() && s.seq == i64::from(due.seq));
            let submitted = row.is_some_and(|s| s.status == "submitted");
            let submitted_day = row
                .filter(|_| submitted)
                .and_then(|s| chrono::DateTime::from_timestamp_millis(s.submitted_at))
                .map(|t| t.date_naive());
            let overdue = book.status.running() && rules::overdue(due.due_on, submitted, today);
            let on_time = submitted_day.is_some_and(|d| d <= due.due_on);
            let status = if submitted { "submitted" } else { "due" }.to_string();
            match row {
                // Nothing stored yet: due, never reminded.
                None => Report {
                    due,
                    status,
                    body: String::new(),
                    deliverables: vec![],
                    submitted_by: String::new(),
                    submitted_at: 0,
                    reminded_at: 0,
                    overdue,
                    on_time,
                },
                Some(s) => Report {
                    due,
                    status,
                    body: s.body.clone(),
                    deliverables: s.deliverables.clone(),
                    submitted_by: s.submitted_by.clone(),
                    submitted_at: s.submitted_at,
                    reminded_at: s.reminded_at,
                    overdue,
                    on_time,
                },
            }
        })
        .collect())
}

/// The leader submits a report (once); the final report accounts for every deliverable.
pub async fn submit_report(
    db: &Db,
    application_id: i64,
    kind: ReportKind,
    seq: u32,
    body: &str,
    deliverables: &[(String, String)],
    actor: Actor<'_>,
) -> Result<()> {
    let book = book_or_refuse(db, application_id).await?;
    if !book.status.running() {
        return Err(StoreError::from(ProjectRefusal::Status {
            status: book.status,
            action: "report",
        }));
    }
    let due = rules::report_schedule(book.starts(), book.ends())
        .into_iter()
        .find(|d| d.kind == kind && d.seq == seq)
        .ok_or(StoreError::NotFound)?;
    if body.trim().chars().count() < 20 {
        return Err(ProjectRefusal::ReportBody { min: 20 }.into());
    }
    if kind == ReportKind::Final {
        for d in &book.deliverables {
            match deliverables.iter().find(|x| &x.0 == d).map(|x| x.1.as_str()) {
                Some("met" | "partly" | "not_met") => {}
                _ => return Err(ProjectRefusal::Deliverable { deliverable: d.clone() }.into()),
            }
        }
    }
    let tx = db.begin_write().await?;
    let status = status_in(&tx, application_id).await?;
    if !status.running() {
        return Err(StoreError::from(ProjectRefusal::Status { status, action: "report" }));
    }
    let now = tx.clock.now_ms();
    let n = tx
        .exec(
            "UPDATE project_reports SET body = ?, deliverables = ?, status = 'submitted', submitted_by = ?, submitted_at = ? WHERE application_id = ? AND kind = ? AND seq = ? AND status = 'due'",
            vec![body.trim().into(), serde_json::to_string(deliverables).unwrap_or_default().into(), actor.username.into(), now.into(), application_id.into(), kind.code().into(), i64::from(seq).into()],
        )
        .await?;
    if n == 0 {
        let exists = tx.query_one("SELECT status FROM project_reports WHERE application_id = ? AND kind = ? AND seq = ?", vec![application_id.into(), kind.code().into(), i64::from(seq).into()]).await?;
        if exists.is_some() {
            return Err(StoreError::from(ProjectRefusal::ReportIn));
        }
        tx.exec(
            "INSERT INTO project_reports (application_id, kind, seq, due_on, body, deliverables, status, submitted_by, submitted_at, reminded_at) VALUES (?, ?, ?, ?, ?, ?, 'submitted', ?, ?, 0)",
            vec![application_id.into(), kind.code().into(), i64::from(seq).into(), day(due.due_on).into(), body.trim().into(), serde_json::to_string(deliverables).unwrap_or_default().into(), actor.username.into(), now.into()],
        )
        .await?;
    }
    log(
        &tx,
        actor,
        "project.report",
        "application",
        application_id,
        serde_json::json!({}),
        serde_json::json!({ "kind": kind.code(), "seq": seq }),
    )
    .await?;
    tx.commit().await
}

/// A file for a report: which report (its kind and number), the file's name and bytes.
#[derive(Debug, Clone, Copy)]
pub struct NewReportFile<'a> {
    pub kind: ReportKind,
    pub seq: u32,
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// The leader adds a file to a report not yet submitted (while the project runs): checked and
/// kept like an application's attachments, under `report:<kind>:<seq>`.
pub async fn add_report_file(
    db: &Db,
    files: &std::path::Path,
    application_id: i64,
    leader_user_id: i64,
    file: NewReportFile<'_>,
    actor: Actor<'_>,
) -> Result<i64> {
    let NewReportFile { kind, seq, name, bytes } = file;
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    if a.leader_user_id != leader_user_id || a.stage != Stage::Established {
        return Err(StoreError::NotFound);
    }
    let book = book_or_refuse(db, application_id).await?;
    if !book.status.running() {
        return Err(StoreError::from(ProjectRefusal::Status {
            status: book.status,
            action: "report",
        }));
    }
    rules::report_schedule(book.starts(), book.ends())
        .into_iter()
        .find(|d| d.kind == kind && d.seq == seq)
        .ok_or(StoreError::NotFound)?;
    // Checked inside the write: a file never lands on a report that has just been submitted.
    let submitted: (&str, Vec<sea_orm::Value>, StoreError) = (
        "SELECT 1 FROM project_reports WHERE application_id = ? AND kind = ? AND seq = ? AND status = 'submitted'",
        vec![application_id.into(), kind.code().into(), i64::from(seq).into()],
        StoreError::from(ProjectRefusal::ReportIn),
    );
    let filing = AttachmentFiling {
        application_id,
        file: NewAttachment { name, kind: &report_file_kind(kind, seq), bytes },
        audit_action: "project.report_file",
        closed_if: Some(submitted),
    };
    store_attachment(db, files, filing, actor).await
}

/// The leader marks a milestone reached (today, with a note); once only, while the project runs.
pub async fn reach_milestone(
    db: &Db,
    application_id: i64,
    index: usize,
    note: &str,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    let book = book_or_refuse(db, application_id).await?;
    if !book.status.running() {
        return Err(StoreError::from(ProjectRefusal::Status {
            status: book.status,
            action: "milestone",
        }));
    }
    let mut milestones = book.milestones.clone();
    let m = milestones.get_mut(index).ok_or(StoreError::NotFound)?;
    if m.reached_on.is_some() {
        return Err(ProjectRefusal::MilestoneReached { milestone: m.text.clone() }.into());
    }
    if note.trim().chars().count() < 4 || note.chars().count() > 1000 {
        return Err(StoreError::from(ProjectRefusal::Field { field: "milestone_note" }));
    }
    m.reached_on = Some(today);
    m.note = note.trim().to_string();
    let text = m.text.clone();
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE task_books SET milestones = ?, version = version + 1 WHERE application_id = ? AND version = ?", vec![serde_json::to_string(&milestones).unwrap_or_default().into(), application_id.into(), book.version.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    log(
        &tx,
        actor,
        "project.milestone",
        "application",
        application_id,
        serde_json::json!({ "milestone": text }),
        serde_json::json!({ "reached_on": day(today), "note": note.trim() }),
    )
    .await?;
    tx.commit().await
}

/// The attachment kind of a report's files.
pub fn report_file_kind(kind: ReportKind, seq: u32) -> String {
    format!("report:{}:{seq}", kind.code())
}

/// Reminds the leaders of every overdue report (催交); returns how many were reminded. A report
/// reminded within the last day is not reminded again.
pub async fn remind_overdue(db: &Db, today: NaiveDate, actor: Actor<'_>) -> Result<usize> {
    let mut n = 0;
    let now = db.clock.now_ms();
    for p in portfolio(db, Reach::All, today).await? {
        for r in reports(db, p.id, today)
            .await?
            .into_iter()
            .filter(|r| r.overdue && now - r.reminded_at > 86_400_000)
        {
            let tx = db.begin_write().await?;
            let (kind, seq) = (r.due.kind.code(), i64::from(r.due.seq));
            let changed = tx.exec("UPDATE project_reports SET reminded_at = ? WHERE application_id = ? AND kind = ? AND seq = ? AND status = 'due'", vec![now.into(), p.id.into(), kind.into(), seq.into()]).await?;
            if changed == 0 {
                tx.exec("INSERT INTO project_reports (application_id, kind, seq, due_on, body, deliverables, status, submitted_by, submitted_at, reminded_at) VALUES (?, ?, ?, ?, '', '[]', 'due', '', 0, ?)", vec![p.id.into(), kind.into(), seq.into(), day(r.due.due_on).into(), now.into()]).await?;
            }
            log(
                &tx,
                actor,
                "project.remind",
                "application",
                p.id,
                serde_json::json!({}),
                serde_json::json!({ "kind": kind, "seq": seq, "due_on": day(r.due.due_on) }),
            )
            .await?;
            tx.commit().await?;
            n += 1;
        }
    }
    Ok(n)
}
