//! Task books, release conditions and instalments.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct TaskBook {
    pub goals: String,
    pub deliverables: Vec<String>,
    pub starts_on: String,
    pub ends_on: String,
    pub post_subsidy: bool,
    pub signed_by: String,
    pub signed_at: i64,
    /// The granted money by category (reallocations change it).
    pub budget: Vec<Line>,
    pub status: innocity_core::projects::execution::Status,
    pub status_reason: String,
    pub extended: bool,
    pub version: i64,
    /// Dated goals within the period (节点目标).
    pub milestones: Vec<Milestone>,
    /// `starts_on` and `ends_on` as read (checked then).
    #[serde(skip)]
    starts: NaiveDate,
    #[serde(skip)]
    ends: NaiveDate,
}

impl TaskBook {
    pub fn starts(&self) -> NaiveDate {
        self.starts
    }
    pub fn ends(&self) -> NaiveDate {
        self.ends
    }
}

impl FromRow for TaskBook {
    const TABLE: &'static str = "task_books";
    columns!(
        goals,
        deliverables,
        starts_on,
        ends_on,
        post_subsidy,
        signed_by,
        signed_at,
        budget,
        status,
        status_reason,
        extended,
        version,
        milestones
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let (goals, deliverables) = (f.text()?, f.json()?);
        let (starts, ends) = (f.date()?, f.date()?);
        Ok(TaskBook {
            goals,
            deliverables,
            starts_on: starts.format("%Y-%m-%d").to_string(),
            ends_on: ends.format("%Y-%m-%d").to_string(),
            starts,
            ends,
            post_subsidy: f.flag()?,
            signed_by: f.text()?,
            signed_at: f.int()?,
            budget: f.json()?,
            status: f.code(innocity_core::projects::execution::Status::parse)?,
            status_reason: f.text()?,
            extended: f.flag()?,
            version: f.int()?,
            milestones: f.json()?,
        })
    }
}

pub async fn task_book(db: &Db, application_id: i64) -> Result<Option<TaskBook>> {
    db.row(&select::<TaskBook>("WHERE application_id = ?"), vec![application_id.into()]).await
}

/// A task book as signed: the project's goals, deliverables and milestones within its period,
/// and whether it is funded after verification (post-subsidy).
#[derive(Debug, Clone, Copy)]
pub struct NewTaskBook<'a> {
    pub goals: &'a str,
    pub deliverables: &'a [String],
    pub milestones: &'a [Milestone],
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub post_subsidy: bool,
}

/// Signs the task book of an established project and lays out its payment schedule (50/30/20,
/// or one sum after verification for a post-subsidy project); signing is the first condition.
pub async fn sign_task_book(
    db: &Db,
    application_id: i64,
    book: NewTaskBook<'_>,
    actor: Actor<'_>,
) -> Result<()> {
    let NewTaskBook { goals, deliverables, milestones, starts_on, ends_on, post_subsidy } = book;
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    if a.stage != Stage::Established {
        return Err(ProjectRefusal::NotEstablished.into());
    }
    if goals.trim().is_empty() || deliverables.is_empty() {
        return Err(ProjectRefusal::TaskBook.into());
    }
    if ends_on <= starts_on {
        return Err(ProjectRefusal::Period.into());
    }
    if milestones.iter().any(|m| m.due_on < starts_on || m.due_on > ends_on)
        || milestones.windows(2).any(|w| w[0].due_on > w[1].due_on)
    {
        return Err(ProjectRefusal::Milestones.into());
    }
    let tx = db.begin_write().await?;
    let now = tx.clock.now_ms();
    tx.exec(
        "INSERT INTO task_books (application_id, goals, deliverables, starts_on, ends_on, post_subsidy, signed_by, signed_at, budget, milestones) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            application_id.into(),
            goals.trim().into(),
            serde_json::to_string(deliverables).unwrap_or_default().into(),
            starts_on.format("%Y-%m-%d").to_string().into(),
            ends_on.format("%Y-%m-%d").to_string().into(),
            i64::from(post_subsidy).into(),
            actor.username.into(),
            now.into(),
            serde_json::to_string(&innocity_core::projects::execution::scale_budget(&a.budget, a.granted)).unwrap_or_default().into(),
            serde_json::to_string(milestones).unwrap_or_default().into(),
        ],
    )
    .await?;
    for (k, (condition, amount)) in schedule(a.granted, post_subsidy).into_iter().enumerate() {
        tx.exec("INSERT INTO instalments (application_id, seq, condition, amount_fen, prepared_by, prepared_at, released_by, released_at) VALUES (?, ?, ?, ?, '', 0, '', 0)", vec![application_id.into(), (k as i64 + 1).into(), condition.code().into(), amount.0.into()]).await?;
    }
    if !post_subsidy {
        tx.exec("INSERT INTO project_conditions (application_id, condition, opinion, approved_by, approved_at) VALUES (?, 'signing', '任务书已签订', ?, ?)", vec![application_id.into(), actor.username.into(), now.into()]).await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "project.sign",
            entity: "application",
            entity_id: application_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "post_subsidy": post_subsidy, "grant": a.granted.0 }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records an approved condition in the caller's transaction (an inspection or acceptance
/// decision approves its condition together with its outcome).
pub(super) async fn condition_in(
    tx: &crate::db::Tx,
    application_id: i64,
    condition: Condition,
    opinion: &str,
    actor: Actor<'_>,
) -> Result<()> {
    tx.exec("INSERT INTO project_conditions (application_id, condition, opinion, approved_by, approved_at) VALUES (?, ?, ?, ?, ?)", vec![application_id.into(), condition.code().into(), opinion.trim().into(), actor.username.into(), tx.clock.now_ms().into()]).await?;
    audit::append(
        tx,
        Change {
            actor: actor.username,
            action: "project.condition",
            entity: "application",
            entity_id: application_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "condition": condition.code(), "opinion": opinion.trim() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    Ok(())
}

/// A condition the bureau approved for an application, with the opinion, who and when.
#[derive(Debug, Clone, Serialize)]
pub struct MetCondition {
    pub condition: Condition,
    pub opinion: String,
    pub approved_by: String,
    pub approved_at: i64,
}

impl FromRow for MetCondition {
    const TABLE: &'static str = "project_conditions";
    columns!(condition, opinion, approved_by, approved_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(MetCondition {
            condition: f.code(Condition::parse)?,
            opinion: f.text()?,
            approved_by: f.text()?,
            approved_at: f.int()?,
        })
    }
}

pub async fn conditions(db: &Db, application_id: i64) -> Result<Vec<MetCondition>> {
    db.rows(
        &select::<MetCondition>("WHERE application_id = ? ORDER BY approved_at"),
        vec![application_id.into()],
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct InstalmentRow {
    pub id: i64,
    pub seq: i64,
    pub instalment: Instalment,
    pub prepared_at: i64,
    pub released_at: i64,
    /// Never to be paid (the project was terminated or failed); the money went back.
    pub cancelled: bool,
}

impl FromRow for InstalmentRow {
    const TABLE: &'static str = "instalments";
    columns!(
        id,
        seq,
        condition,
        amount_fen,
        prepared_by,
        prepared_at,
        released_by,
        released_at,
        cancelled
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let (id, seq, condition, amount) =
            (f.int()?, f.int()?, f.code(Condition::parse)?, Money(f.int()?));
        let (prepared_by, prepared_at) = (f.text()?, f.int()?);
        let (released_by, released_at) = (f.text()?, f.int()?);
        let instalment = Instalment {
            condition,
            amount,
            prepared_by: (!prepared_by.is_empty()).then_some(prepared_by),
            released_by: (!released_by.is_empty()).then_some(released_by),
        };
        Ok(InstalmentRow { id, seq, instalment, prepared_at, released_at, cancelled: f.flag()? })
    }
}

pub async fn instalments(db: &Db, application_id: i64) -> Result<Vec<InstalmentRow>> {
    db.rows(
        &select::<InstalmentRow>("WHERE application_id = ? ORDER BY seq"),
        vec![application_id.into()],
    )
    .await
}

/// Prepares (maker) or releases (checker) an instalment: the condition must be approved, the
/// checker must not be the maker; the row changes only if nobody else changed it meanwhile. The
/// instalment, the project's status and its conditions are read inside the write, so a project
/// suspended (or terminated) a moment before is never paid.
pub async fn pay(db: &Db, instalment_id: i64, release: bool, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let row = tx.query_one("SELECT application_id, condition, amount_fen, prepared_by, released_by, cancelled FROM instalments WHERE id = ?", vec![instalment_id.into()]).await?.ok_or(StoreError::NotFound)?;
    let (app_id, cancelled) = (row.int(0)?, row.int(5)? != 0);
    let (pb, rb) = (row.text(3)?, row.text(4)?);
    let condition = Condition::parse(&row.text(1)?).ok_or(StoreError::NotFound)?;
    let instalment = Instalment {
        condition,
        amount: Money(row.int(2)?),
        prepared_by: (!pb.is_empty()).then_some(pb),
        released_by: (!rb.is_empty()).then_some(rb),
    };
    if cancelled {
        return Err(ProjectRefusal::Cancelled.into());
    }
    let book: Option<TaskBook> =
        tx.row(&select::<TaskBook>("WHERE application_id = ?"), vec![app_id.into()]).await?;
    if let Some(book) = book
        && !book.status.pays()
    {
        return Err(ProjectRefusal::NotPaying { status: book.status }.into());
    }
    let met = tx
        .query_one(
            "SELECT 1 FROM project_conditions WHERE application_id = ? AND condition = ?",
            vec![app_id.into(), condition.code().into()],
        )
        .await?
        .is_some();
    let outcome = if release {
        instalment.release(met, actor.username)
    } else {
        instalment.prepare(met, actor.username)
    };
    let after = outcome.map_err(|e| match e {
        ReleaseError::ConditionNotMet => ProjectRefusal::Condition { condition },
        ReleaseError::SamePerson => ProjectRefusal::SamePerson,
        ReleaseError::NotPrepared => ProjectRefusal::NotPrepared,
        ReleaseError::AlreadyReleased => ProjectRefusal::Released,
    })?;
    let now = tx.clock.now_ms();
    let n = if release {
        tx.exec("UPDATE instalments SET released_by = ?, released_at = ? WHERE id = ? AND released_by = '' AND cancelled = 0 AND prepared_by = ?", vec![actor.username.into(), now.into(), instalment_id.into(), instalment.prepared_by.clone().unwrap_or_default().into()]).await?
    } else {
        tx.exec("UPDATE instalments SET prepared_by = ?, prepared_at = ? WHERE id = ? AND released_by = '' AND cancelled = 0", vec![actor.username.into(), now.into(), instalment_id.into()]).await?
    };
    if n == 0 {
        return Err(StoreError::Stale);
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: if release { "instalment.release" } else { "instalment.prepare" },
            entity: "instalment",
            entity_id: instalment_id.to_string(),
            before: serde_json::json!(instalment),
            after: serde_json::json!(after),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
