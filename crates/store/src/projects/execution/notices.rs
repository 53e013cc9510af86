//! The public notice (立项公示), its objections, and establishing the project.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub call_id: i64,
    pub meeting_on: NaiveDate,
    pub minutes: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub published_by: String,
}

impl FromRow for Notice {
    const TABLE: &'static str = "call_notices";
    columns!(call_id, meeting_on, minutes, starts_on, ends_on, published_by);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Notice {
            call_id: f.int()?,
            meeting_on: f.date()?,
            minutes: f.text()?,
            starts_on: f.date()?,
            ends_on: f.date()?,
            published_by: f.text()?,
        })
    }
}

pub async fn notice(db: &Db, call_id: i64) -> Result<Option<Notice>> {
    Ok(notices(db).await?.into_iter().find(|n| n.call_id == call_id))
}

/// Every published notice, newest first.
pub async fn notices(db: &Db) -> Result<Vec<Notice>> {
    db.rows(&select::<Notice>("ORDER BY starts_on DESC, call_id DESC"), vec![]).await
}

/// Records the decision meeting with its minutes and publishes the call's approved applications
/// for the notice period (once per call).
pub async fn publish_notice(
    db: &Db,
    call_id: i64,
    meeting_on: NaiveDate,
    minutes: &str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    call(db, call_id).await?.ok_or(StoreError::NotFound)?;
    if minutes.trim().chars().count() < 10 {
        return Err(NoticeRefusal::Minutes.into());
    }
    rules::check_notice(meeting_on, starts_on, ends_on).map_err(|field| {
        StoreError::from(NoticeRefusal::Period { field, min_days: rules::MIN_NOTICE_DAYS })
    })?;
    let approved = db
        .read(
            "SELECT COUNT(*) FROM applications WHERE call_id = ? AND stage = 'approved'",
            vec![call_id.into()],
            |r| r.int(0),
        )
        .await?
        .first()
        .copied()
        .unwrap_or(0);
    if approved == 0 {
        return Err(NoticeRefusal::Nothing.into());
    }
    if notice(db, call_id).await?.is_some() {
        return Err(NoticeRefusal::Published.into());
    }
    let tx = db.begin_write().await?;
    tx.exec(
        "INSERT INTO call_notices (call_id, meeting_on, minutes, starts_on, ends_on, published_by, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![call_id.into(), day(meeting_on).into(), minutes.trim().into(), day(starts_on).into(), day(ends_on).into(), actor.username.into(), tx.clock.now_ms().into()],
    )
    .await?;
    log(&tx, actor, "notice.publish", "call", call_id, serde_json::json!({}), serde_json::json!({ "meeting_on": day(meeting_on), "starts_on": day(starts_on), "ends_on": day(ends_on), "approved": approved })).await?;
    tx.commit().await
}

#[derive(Debug, Clone, Serialize)]
pub struct Objection {
    pub id: i64,
    pub call_id: i64,
    pub application_id: i64,
    pub name: String,
    pub contact: String,
    pub body: String,
    /// open, upheld, dismissed
    pub status: String,
    pub resolution: String,
    pub resolved_by: String,
    pub created_at: i64,
}

impl FromRow for Objection {
    const TABLE: &'static str = "notice_objections";
    columns!(
        id,
        call_id,
        application_id,
        name,
        contact,
        body,
        status,
        resolution,
        resolved_by,
        created_at
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Objection {
            id: f.int()?,
            call_id: f.int()?,
            application_id: f.int()?,
            name: f.text()?,
            contact: f.text()?,
            body: f.text()?,
            status: f.text()?,
            resolution: f.text()?,
            resolved_by: f.text()?,
            created_at: f.int()?,
        })
    }
}

pub async fn objections(db: &Db, call_id: i64) -> Result<Vec<Objection>> {
    db.rows(&select::<Objection>("WHERE call_id = ? ORDER BY id"), vec![call_id.into()]).await
}

/// Objections one client address may raise before it has been quiet for an hour: each one holds
/// a project back until the bureau answers it, so nobody may flood a notice.
pub const OBJECTIONS_PER_ADDRESS: i64 = 5;
const OBJECTION_QUIET_MS: i64 = 3_600_000;

/// Who objects: the words they sign with, and where the request came from.
pub struct Objector<'a> {
    pub name: &'a str,
    pub contact: &'a str,
    /// The client's address (as the sign-in throttle sees it), when known.
    pub address: Option<&'a str>,
}

/// Anyone may object to an application on the notice while it runs (name and contact required,
/// so the bureau can verify and answer); refused with the field otherwise, refused when the same
/// contact already has an open objection to it, and at most [`OBJECTIONS_PER_ADDRESS`] from one
/// address in a row.
pub async fn object(
    db: &Db,
    call_id: i64,
    application_code: &str,
    who: &Objector<'_>,
    body: &str,
    today: NaiveDate,
) -> Result<i64> {
    let (name, contact) = (who.name, who.contact);
    let n = notice(db, call_id).await?.ok_or(StoreError::NotFound)?;
    if today < n.starts_on || today > n.ends_on {
        return Err(NoticeRefusal::Closed { ended: n.ends_on }.into());
    }
    let app = db
        .read(
            "SELECT id FROM applications WHERE call_id = ? AND code = ? AND stage = 'approved'",
            vec![call_id.into(), application_code.trim().into()],
            |r| r.int(0),
        )
        .await?
        .into_iter()
        .next();
    let Some(app) = app else {
        return Err(NoticeRefusal::Application { code: application_code.trim().into() }.into());
    };
    for (field, v, min, max) in
        [("name", name, 2, 50), ("contact", contact, 5, 100), ("body", body, 10, 2000)]
    {
        let len = v.trim().chars().count();
        if len < min || len > max {
            return Err(NoticeRefusal::Field { field, min, max }.into());
        }
    }
    let tx = db.begin_write().await?;
    let open = tx.query_one("SELECT COUNT(*) FROM notice_objections WHERE application_id = ? AND contact = ? AND status = 'open'", vec![app.into(), contact.trim().into()]).await?;
    if open.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0) > 0 {
        return Err(NoticeRefusal::Duplicate.into());
    }
    if let Some(address) = who.address {
        count_objection(&tx, address).await?;
    }
    let id = tx
        .insert(
            "INSERT INTO notice_objections (call_id, application_id, name, contact, body, status, resolution, resolved_by, resolved_at, created_at) VALUES (?, ?, ?, ?, ?, 'open', '', '', 0, ?)",
            vec![call_id.into(), app.into(), name.trim().into(), contact.trim().into(), body.trim().into(), tx.clock.now_ms().into()],
        )
        .await?;
    let public = Actor { user_id: 0, username: "public", request_id: "" };
    log(
        &tx,
        public,
        "objection.create",
        "application",
        app,
        serde_json::json!({}),
        serde_json::json!({ "objection": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Counts an objection from this address, refused past [`OBJECTIONS_PER_ADDRESS`] in a row.
async fn count_objection(tx: &Tx, address: &str) -> Result<()> {
    let now = tx.clock.now_ms();
    let bucket = format!("objection:{address}");
    let row: Option<ThrottleRow> =
        tx.row(&select::<ThrottleRow>("WHERE bucket = ?"), vec![bucket.clone().into()]).await?;
    let count = match row {
        Some(t) if t.last_at > now - OBJECTION_QUIET_MS => t.failures,
        _ => 0,
    };
    if count >= OBJECTIONS_PER_ADDRESS {
        return Err(NoticeRefusal::TooMany { limit: OBJECTIONS_PER_ADDRESS }.into());
    }
    tx.exec(
        "INSERT INTO login_throttle (bucket, failures, blocked_until, last_at) VALUES (?, ?, 0, ?) ON CONFLICT (bucket) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at",
        vec![bucket.into(), (count + 1).into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Where an objection stands, as its resolution reads it.
pub(crate) struct ObjectionState {
    call_id: i64,
    application_id: i64,
    status: String,
}

impl FromRow for ObjectionState {
    const TABLE: &'static str = "notice_objections";
    columns!(call_id, application_id, status);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ObjectionState { call_id: f.int()?, application_id: f.int()?, status: f.text()? })
    }
}

/// The bureau answers an objection: upheld rejects the application (its money goes back to the
/// programme) in the same transaction; dismissed leaves it approved. Either needs the answer.
pub async fn resolve_objection(
    db: &Db,
    objection_id: i64,
    uphold: bool,
    resolution: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let o: ObjectionState = db
        .row(&select::<ObjectionState>("WHERE id = ?"), vec![objection_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if o.status != "open" {
        return Err(NoticeRefusal::Resolved.into());
    }
    if resolution.trim().chars().count() < 4 {
        return Err(StoreError::from(ApplicationRefusal::ReasonRequired));
    }
    let a = application(db, o.application_id).await?.ok_or(StoreError::NotFound)?;
    let c = call(db, o.call_id).await?.ok_or(StoreError::NotFound)?;
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE notice_objections SET status = ?, resolution = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND status = 'open'", vec![(if uphold { "upheld" } else { "dismissed" }).into(), resolution.trim().into(), actor.username.into(), tx.clock.now_ms().into(), objection_id.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    if uphold && a.stage == Stage::Approved {
        let reason = format!("公示期异议成立：{}", resolution.trim());
        let change = StageChange {
            action: Action::Reject,
            to: Stage::Rejected,
            reason: &reason,
            decision: Decision::default(),
        };
        apply(&tx, &a, &c, change, actor).await?;
    }
    log(
        &tx,
        actor,
        if uphold { "objection.uphold" } else { "objection.dismiss" },
        "application",
        a.id,
        serde_json::json!({ "objection": objection_id, "status": "open" }),
        serde_json::json!({ "resolution": resolution.trim() }),
    )
    .await?;
    tx.commit().await
}

/// Why an approved application may not be established yet (the notice, open objections).
pub(in crate::projects) async fn establish_check(
    db: &Db,
    a: &Application,
    today: NaiveDate,
) -> Result<()> {
    let n = notice(db, a.call_id).await?;
    let open = db
        .read(
            "SELECT COUNT(*) FROM notice_objections WHERE application_id = ? AND status = 'open'",
            vec![a.id.into()],
            |r| r.int(0),
        )
        .await?
        .first()
        .copied()
        .unwrap_or(0);
    rules::may_establish(today, n.as_ref().map(|n| n.ends_on), open as usize).map_err(|why| {
        StoreError::from(NoticeRefusal::Establish { why, notice_ends: n.map(|n| n.ends_on) })
    })
}

/// Establishes every approved application of a call whose notice is over without an open
/// objection; returns how many became projects and how many are still held.
pub async fn establish_call(
    db: &Db,
    call_id: i64,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<(usize, usize)> {
    let approved = applications(db, Reach::All, Some(call_id), Some(Stage::Approved)).await?;
    let (mut done, mut held) = (0, 0);
    for a in approved {
        match act(
            db,
            a.id,
            Move {
                action: Action::Establish,
                level: innocity_core::projects::Level::Bureau,
                reason: "",
            },
            a.version,
            Decision::default(),
            today,
            actor,
        )
        .await
        {
            Ok(_) => done += 1,
            Err(StoreError::Notices(NoticeRefusal::Establish {
                why: "objections_open", ..
            })) => held += 1,
            Err(e) => return Err(e),
        }
    }
    Ok((done, held))
}

pub(super) async fn book_or_refuse(db: &Db, application_id: i64) -> Result<TaskBook> {
    task_book(db, application_id).await?.ok_or_else(|| StoreError::from(ProjectRefusal::NoTaskBook))
}

/// How many objections an address has sent, and when the last came (the sign-in throttle's table).
pub(crate) struct ThrottleRow {
    failures: i64,
    last_at: i64,
}

impl FromRow for ThrottleRow {
    const TABLE: &'static str = "login_throttle";
    columns!(failures, last_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ThrottleRow { failures: f.int()?, last_at: f.int()? })
    }
}
