//! Calls for proposals: their terms, forms and guideline files.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Call {
    pub id: i64,
    pub programme_id: i64,
    pub code: String,
    pub title: String,
    pub year: i64,
    pub guidelines: String,
    pub topics: Vec<String>,
    pub eligibility: Eligibility,
    pub budget_rules: BudgetRules,
    pub deadlines: Deadlines,
    pub opens_on: NaiveDate,
    /// open, closed
    pub status: String,
    /// The call's own sections of the application form, beyond the common part.
    pub form: Vec<Section>,
    pub review_plan: ReviewPlan,
}

impl FromRow for Call {
    const TABLE: &'static str = "calls";
    columns!(
        id,
        programme_id,
        code,
        title,
        year,
        guidelines,
        topics,
        eligibility,
        budget_rules,
        applicant_deadline,
        organisation_deadline,
        zone_deadline,
        opens_on,
        status,
        form,
        review_plan
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Call {
            id: f.int()?,
            programme_id: f.int()?,
            code: f.text()?,
            title: f.text()?,
            year: f.int()?,
            guidelines: f.text()?,
            topics: f.json()?,
            eligibility: f.json()?,
            budget_rules: f.json()?,
            deadlines: Deadlines { applicant: f.date()?, organisation: f.date()?, zone: f.date()? },
            opens_on: f.date()?,
            status: f.text()?,
            form: f.json()?,
            // No plan stored (calls from before plans): the default plan.
            review_plan: f.opt_json()?.unwrap_or_default(),
        })
    }
}

pub struct NewCall {
    pub programme_id: i64,
    pub code: String,
    pub title: String,
    pub year: i64,
    pub guidelines: String,
    pub topics: Vec<String>,
    pub eligibility: Eligibility,
    pub budget_rules: BudgetRules,
    pub deadlines: Deadlines,
    pub opens_on: NaiveDate,
    pub form: Vec<Section>,
    pub review_plan: ReviewPlan,
}

/// The checks every call passes, new or edited: deadlines in order, a review plan with experts,
/// a programme with a budget for the call's year.
async fn check_call(db: &Db, c: &NewCall) -> Result<()> {
    if c.deadlines.check().is_err() || c.opens_on > c.deadlines.applicant {
        return Err(CallRefusal::Deadlines.into());
    }
    if let Err(code) = c.review_plan.check() {
        return Err(CallRefusal::Plan { problem: code }.into());
    }
    if ledger(db, c.programme_id, c.year).await?.is_none() {
        return Err(ApplicationRefusal::NoBudget { year: c.year }.into());
    }
    Ok(())
}

pub async fn create_call(db: &Db, c: &NewCall, actor: Actor<'_>) -> Result<i64> {
    check_call(db, c).await?;
    let tx = db.begin_write().await?;
    if tx
        .query_one("SELECT id FROM calls WHERE code = ?", vec![c.code.clone().into()])
        .await?
        .is_some()
    {
        return Err(CallRefusal::CodeTaken { code: c.code.clone() }.into());
    }
    let id = tx
        .insert(
            &format!("INSERT INTO calls ({CALL_FIELDS}, code, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)"),
            [call_values(c), vec![c.code.clone().into(), actor.username.into(), tx.clock.now_ms().into()]].concat(),
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "call.create",
            entity: "call",
            entity_id: id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "code": c.code, "title": c.title }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The columns a call's form sets, in the order of [`call_values`].
const CALL_FIELDS: &str = "programme_id, title, year, guidelines, topics, eligibility, budget_rules, applicant_deadline, organisation_deadline, zone_deadline, opens_on, form, review_plan";

fn call_values(c: &NewCall) -> Vec<Value> {
    let d = |x: NaiveDate| Value::from(x.format("%Y-%m-%d").to_string());
    let json = |v: serde_json::Result<String>| Value::from(v.unwrap_or_default());
    vec![
        c.programme_id.into(),
        c.title.clone().into(),
        c.year.into(),
        c.guidelines.clone().into(),
        json(serde_json::to_string(&c.topics)),
        json(serde_json::to_string(&c.eligibility)),
        json(serde_json::to_string(&c.budget_rules)),
        d(c.deadlines.applicant),
        d(c.deadlines.organisation),
        d(c.deadlines.zone),
        d(c.opens_on),
        json(serde_json::to_string(&c.form)),
        json(serde_json::to_string(&c.review_plan)),
    ]
}

/// Edits a call. Once anyone has applied, its programme, year, form and eligibility stay as
/// the applicants read them; the texts, topics and budget rules may change and the deadlines
/// move. The code never changes.
pub async fn update_call(db: &Db, id: i64, c: &NewCall, actor: Actor<'_>) -> Result<()> {
    check_call(db, c).await?;
    // Read and checked inside the write, so no application slips in between.
    let tx = db.begin_write().await?;
    let before: Call = tx
        .row(&select::<Call>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let applied: i64 = tx
        .query_one("SELECT COUNT(*) FROM applications WHERE call_id = ?", vec![id.into()])
        .await?
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or(0);
    if applied > 0
        && (c.programme_id != before.programme_id
            || c.year != before.year
            || c.form != before.form
            || c.eligibility != before.eligibility)
    {
        return Err(CallRefusal::Applied { count: applied }.into());
    }
    tx.exec(
        &format!(
            "UPDATE calls SET {} WHERE id = ?",
            CALL_FIELDS.split(", ").map(|col| format!("{col} = ?")).collect::<Vec<_>>().join(", ")
        ),
        [call_values(c), vec![id.into()]].concat(),
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "call.edit",
            entity: "call",
            entity_id: id.to_string(),
            before: call_audit(
                &before.title,
                &before.guidelines,
                &before.topics,
                &before.budget_rules,
                &before.deadlines,
                before.opens_on,
                &before.review_plan,
            ),
            after: call_audit(
                &c.title,
                &c.guidelines,
                &c.topics,
                &c.budget_rules,
                &c.deadlines,
                c.opens_on,
                &c.review_plan,
            ),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await
}

/// What an edit of a call can change, for its audit entry (the guidelines by their digest).
fn call_audit(
    title: &str,
    guidelines: &str,
    topics: &[String],
    rules: &BudgetRules,
    deadlines: &Deadlines,
    opens_on: NaiveDate,
    plan: &ReviewPlan,
) -> serde_json::Value {
    use sha2::Digest;
    serde_json::json!({ "title": title, "guidelines_sha256": hex::encode(sha2::Sha256::digest(guidelines.as_bytes())), "topics": topics, "budget_rules": rules, "deadlines": deadlines, "opens_on": opens_on, "review_plan": plan })
}

pub async fn calls(db: &Db) -> Result<Vec<Call>> {
    db.rows(&select::<Call>("ORDER BY applicant_deadline DESC, id DESC"), vec![]).await
}

/// The calls taking applications on `day` (open, opened, the applicants' deadline not passed), the
/// nearest deadline first, at most `limit` (the home page reads these, not every call).
pub async fn open_on(db: &Db, day: NaiveDate, limit: u64) -> Result<Vec<Call>> {
    let day = day.to_string();
    db.rows(
        &select::<Call>(
            "WHERE status = 'open' AND opens_on <= ? AND applicant_deadline >= ? ORDER BY applicant_deadline, id LIMIT ?",
        ),
        vec![day.clone().into(), day.into(), (limit as i64).into()],
    )
    .await
}

pub async fn call(db: &Db, id: i64) -> Result<Option<Call>> {
    db.row(&select::<Call>("WHERE id = ?"), vec![id.into()]).await
}

/// A file of a call's guidelines (申报指南 and its annexes), public like the call.
#[derive(Debug, Clone, Serialize)]
pub struct CallFile {
    pub id: i64,
    pub call_id: i64,
    pub name: String,
    pub size: i64,
    pub sha256: String,
}

impl FromRow for CallFile {
    const TABLE: &'static str = "call_files";
    columns!(id, call_id, name, size, sha256);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(CallFile {
            id: f.int()?,
            call_id: f.int()?,
            name: f.text()?,
            size: f.int()?,
            sha256: f.text()?,
        })
    }
}

pub async fn call_files(db: &Db, call_id: i64) -> Result<Vec<CallFile>> {
    db.rows(&select::<CallFile>("WHERE call_id = ? ORDER BY id"), vec![call_id.into()]).await
}

/// Adds a checked file to a call's guidelines (the same file twice is one).
pub async fn add_call_file(
    db: &Db,
    files: &std::path::Path,
    call_id: i64,
    name: &str,
    bytes: &[u8],
    actor: Actor<'_>,
) -> Result<i64> {
    call(db, call_id).await?.ok_or(StoreError::NotFound)?;
    let (content_type, sha, safe_name) = checked_upload(files, name, bytes).await?;
    let tx = db.begin_write().await?;
    if let Some(row) = tx
        .query_one(
            "SELECT id FROM call_files WHERE call_id = ? AND sha256 = ?",
            vec![call_id.into(), sha.clone().into()],
        )
        .await?
    {
        return Ok(row.try_get_by_index(0)?);
    }
    let id = tx
        .insert(
            "INSERT INTO call_files (call_id, name, content_type, size, sha256, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![call_id.into(), safe_name.clone().into(), content_type.into(), (bytes.len() as i64).into(), sha.clone().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "call.attach",
            entity: "call",
            entity_id: call_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "name": safe_name, "sha256": sha, "size": bytes.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A call's file and its bytes.
pub async fn call_file(
    db: &Db,
    files: &std::path::Path,
    call_id: i64,
    id: i64,
) -> Result<(CallFile, Vec<u8>)> {
    let f: CallFile = db
        .row(&select::<CallFile>("WHERE id = ? AND call_id = ?"), vec![id.into(), call_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let bytes = read_stored(files, &f.sha256, &format!("call file {id}")).await?;
    Ok((f, bytes))
}
