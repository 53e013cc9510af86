//! A project's status, and the portfolio of projects with what is overdue.
use super::*;

/// The project's status as `tx` sees it: a check made before the write is made again inside it,
/// so a project suspended or terminated meanwhile is never written to as if it ran.
pub(super) async fn status_in(tx: &Tx, application_id: i64) -> Result<Status> {
    let row = tx
        .query_one(
            "SELECT status FROM task_books WHERE application_id = ?",
            vec![application_id.into()],
        )
        .await?
        .ok_or_else(|| StoreError::from(ProjectRefusal::NoTaskBook))?;
    let status: String = row.try_get_by_index(0)?;
    Status::parse(&status)
        .ok_or_else(|| StoreError::Invalid(format!("unknown project status {status}")))
}

/// Unpaid instalments are cancelled and their money goes back to the programme's year.
pub(super) async fn cancel_unpaid(tx: &Tx, a: &Application) -> Result<Money> {
    let c: crate::projects::Call = tx
        .row(&select::<crate::projects::Call>("WHERE id = ?"), vec![a.call_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let (programme, year) = (c.programme_id, c.year);
    let row = tx.query_one("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM instalments WHERE application_id = ? AND released_by = '' AND cancelled = 0", vec![a.id.into()]).await?;
    let unpaid: i64 = row.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0);
    tx.exec("UPDATE instalments SET cancelled = 1 WHERE application_id = ? AND released_by = '' AND cancelled = 0", vec![a.id.into()]).await?;
    tx.exec("UPDATE programme_budgets SET committed_fen = committed_fen - ? WHERE programme_id = ? AND year = ?", vec![unpaid.into(), programme.into(), year.into()]).await?;
    Ok(Money(unpaid))
}

/// Suspends, resumes or terminates a project (the bureau); termination cancels what is unpaid.
pub async fn set_status(
    db: &Db,
    application_id: i64,
    action: StatusAction,
    reason: &str,
    version: i64,
    actor: Actor<'_>,
) -> Result<Status> {
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    let book = book_or_refuse(db, application_id).await?;
    if book.version != version {
        return Err(StoreError::Stale);
    }
    let to = rules::next_status(book.status, action, reason).map_err(|why| {
        if why == "reason" {
            StoreError::from(ApplicationRefusal::ReasonRequired)
        } else {
            StoreError::from(ProjectRefusal::Status { status: book.status, action: action.code() })
        }
    })?;
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE task_books SET status = ?, status_reason = ?, version = version + 1 WHERE application_id = ? AND version = ?", vec![to.code().into(), reason.trim().into(), application_id.into(), version.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let returned =
        if to == Status::Terminated { cancel_unpaid(&tx, &a).await? } else { Money::ZERO };
    log(&tx, actor, &format!("project.{}", action.code()), "application", application_id, serde_json::json!({ "status": book.status.code() }), serde_json::json!({ "status": to.code(), "reason": reason.trim(), "returned_fen": returned.0 })).await?;
    tx.commit().await?;
    Ok(to)
}

/// One project in a portfolio.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub call_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub leader_name: String,
    pub granted: Money,
    pub paid: Money,
    pub status: Status,
    pub starts_on: String,
    pub ends_on: String,
    /// Reports overdue and rectifications overdue.
    pub overdue_reports: usize,
    pub overdue_rectifications: usize,
    /// The next report due, if any.
    pub next_due: Option<Due>,
    pub pending_changes: usize,
    pub pending_payments: usize,
}

/// A project as [`portfolio`] reads it, with money paid and what waits for a decision.
pub(crate) struct PortfolioRow {
    id: i64,
    code: String,
    title: String,
    call_id: i64,
    organisation_id: i64,
    organisation: String,
    leader_name: String,
    granted: i64,
    status: Status,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    paid: i64,
    pending_changes: i64,
    pending_payments: i64,
}

impl FromRow for PortfolioRow {
    const TABLE: &'static str = "task_books";
    const FROM: &'static str =
        "task_books t CROSS JOIN applications a JOIN organisations o ON o.id = a.organisation_id";
    columns!(
        "a.id",
        "a.code",
        "a.title",
        "a.call_id",
        "a.organisation_id",
        "o.name",
        "a.leader_name",
        "a.granted_fen",
        "t.status",
        "t.starts_on",
        "t.ends_on",
        "(SELECT CAST(COALESCE(SUM(i.amount_fen), 0) AS BIGINT) FROM instalments i WHERE i.application_id = a.id AND i.released_by <> '')",
        "(SELECT COUNT(*) FROM project_changes c WHERE c.application_id = a.id AND c.status = 'pending')",
        "(SELECT COUNT(*) FROM instalments i WHERE i.application_id = a.id AND i.prepared_by <> '' AND i.released_by = '' AND i.cancelled = 0)"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(PortfolioRow {
            id: f.int()?,
            code: f.text()?,
            title: f.text()?,
            call_id: f.int()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            leader_name: f.text()?,
            granted: f.int()?,
            status: f.code(Status::parse)?,
            starts_on: f.date()?,
            ends_on: f.date()?,
            paid: f.int()?,
            pending_changes: f.int()?,
            pending_payments: f.int()?,
        })
    }
}

/// A submitted report, as the portfolio counts what is in.
pub(crate) struct SubmittedReport {
    application_id: i64,
    kind: String,
    seq: i64,
}

impl FromRow for SubmittedReport {
    const TABLE: &'static str = "project_reports";
    columns!(application_id, kind, seq);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(SubmittedReport { application_id: f.int()?, kind: f.text()?, seq: f.int()? })
    }
}

/// A finding still to be put right, by when.
pub(crate) struct OpenFinding {
    application_id: i64,
    rectify_by: NaiveDate,
}

impl FromRow for OpenFinding {
    const TABLE: &'static str = "project_findings";
    columns!(application_id, rectify_by);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(OpenFinding { application_id: f.int()?, rectify_by: f.date()? })
    }
}

/// The projects `reach` sees with money paid, the next report due and everything overdue. Read
/// from the task books outwards (CROSS JOIN keeps SQLite from walking every application first:
/// the board calls this over 100,000 applications).
pub async fn portfolio(db: &Db, reach: Reach<'_>, today: NaiveDate) -> Result<Vec<ProjectRow>> {
    let (filter, params) = reach_filter(&reach);
    let rows: Vec<PortfolioRow> = db
        .rows(
            &select::<PortfolioRow>(&format!(
                "WHERE a.id = t.application_id AND {filter} ORDER BY a.code"
            )),
            params,
        )
        .await?;
    // What is in (reports) and what must be put right (findings), read once for all projects.
    let submitted: Vec<SubmittedReport> =
        db.rows(&select::<SubmittedReport>("WHERE status = 'submitted'"), vec![]).await?;
    let open_findings: Vec<OpenFinding> = db
        .rows(&select::<OpenFinding>("WHERE rectify_by <> '' AND rectified_at = 0"), vec![])
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for PortfolioRow {
        id,
        code,
        title,
        call_id,
        organisation_id,
        organisation,
        leader_name,
        granted,
        status,
        starts_on,
        ends_on,
        paid,
        pending_changes,
        pending_payments,
    } in rows
    {
        let schedule = rules::report_schedule(starts_on, ends_on);
        let is_in = |d: &Due| {
            submitted.iter().any(|s| {
                s.application_id == id && s.kind == d.kind.code() && s.seq == i64::from(d.seq)
            })
        };
        let (overdue_reports, next_due) = if status.running() {
            (
                schedule.iter().filter(|d| rules::overdue(d.due_on, is_in(d), today)).count(),
                schedule.iter().find(|d| !is_in(d) && d.due_on >= today).copied(),
            )
        } else {
            (0, None)
        };
        let overdue_rectifications =
            open_findings.iter().filter(|f| f.application_id == id && today > f.rectify_by).count();
        out.push(ProjectRow {
            id,
            code,
            title,
            call_id,
            organisation_id,
            organisation,
            leader_name,
            granted: Money(granted),
            paid: Money(paid),
            status,
            starts_on: day(starts_on),
            ends_on: day(ends_on),
            overdue_reports,
            overdue_rectifications,
            next_due,
            pending_changes: pending_changes as usize,
            pending_payments: pending_payments as usize,
        });
    }
    Ok(out)
}
