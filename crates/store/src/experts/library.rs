//! The expert library: profiles, their status, reconfirmation and loads.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Expert {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub user_id: Option<i64>,
    pub organisation_name: String,
    pub credit_code: String,
    pub unit_path: String,
    pub title: String,
    pub fields: Vec<String>,
    pub keywords: String,
    pub publications: String,
    pub projects: String,
    pub region: String,
    pub contact: String,
    /// Tags for panel rules: "finance", "management", …
    pub groups: Vec<String>,
    pub available_from: String,
    pub available_to: String,
    pub library: Library,
    pub status: Status,
    pub status_reason: String,
    pub confirmed_year: i64,
    pub yearly_cap: i64,
    pub version: i64,
}

/// A new expert as entered (status is `applied` unless the caller is seeding).
#[derive(Debug, Clone, Default)]
pub struct ExpertDraft {
    pub code: String,
    pub name: String,
    pub user_id: Option<i64>,
    pub organisation_name: String,
    pub credit_code: String,
    pub unit_path: String,
    pub title: String,
    pub fields: Vec<String>,
    pub keywords: String,
    pub publications: String,
    pub projects: String,
    pub region: String,
    pub contact: String,
    pub groups: Vec<String>,
    pub available_from: String,
    pub available_to: String,
    pub library: Option<Library>,
    pub yearly_cap: i64,
}

impl FromRow for Expert {
    const TABLE: &'static str = "experts";
    columns!(
        id,
        code,
        name,
        user_id,
        organisation_name,
        credit_code,
        unit_path,
        title,
        fields,
        keywords,
        publications,
        projects,
        region,
        contact,
        groups,
        available_from,
        available_to,
        library,
        status,
        status_reason,
        confirmed_year,
        yearly_cap,
        version
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Expert {
            id: f.int()?,
            code: f.text()?,
            name: f.text()?,
            user_id: f.opt_int()?,
            organisation_name: f.text()?,
            credit_code: f.text()?,
            unit_path: f.text()?,
            title: f.text()?,
            fields: f.json()?,
            keywords: f.text()?,
            publications: f.text()?,
            projects: f.text()?,
            region: f.text()?,
            contact: f.text()?,
            groups: f.json()?,
            available_from: f.opt_date_text()?,
            available_to: f.opt_date_text()?,
            library: f.code(Library::parse)?,
            status: f.code(Status::parse)?,
            status_reason: f.text()?,
            confirmed_year: f.int()?,
            yearly_cap: f.int()?,
            version: f.int()?,
        })
    }
}

/// Filters of the library list.
#[derive(Debug, Clone, Default)]
pub struct ExpertQuery {
    pub library: Option<Library>,
    pub status: Option<Status>,
    pub field: String,
    /// Name, organisation or keyword contains this.
    pub text: String,
}

pub async fn list(db: &Db, q: &ExpertQuery) -> Result<Vec<Expert>> {
    let mut sql = select::<Expert>("WHERE 1 = 1");
    let mut params: Vec<Value> = vec![];
    if let Some(l) = q.library {
        sql.push_str(" AND library = ?");
        params.push(l.code().into());
    }
    if let Some(s) = q.status {
        sql.push_str(" AND status = ?");
        params.push(s.code().into());
    }
    if !q.field.trim().is_empty() {
        sql.push_str(" AND fields LIKE ?");
        params.push(format!("%\"{}\"%", q.field.trim()).into());
    }
    if !q.text.trim().is_empty() {
        sql.push_str(
            " AND (name LIKE ? OR organisation_name LIKE ? OR keywords LIKE ? OR code = ?)",
        );
        let like = format!("%{}%", q.text.trim());
        params.extend([
            like.clone().into(),
            like.clone().into(),
            like.into(),
            q.text.trim().into(),
        ]);
    }
    sql.push_str(" ORDER BY code");
    db.rows(&sql, params).await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Expert>> {
    db.row(&select::<Expert>("WHERE id = ?"), vec![id.into()]).await
}

pub async fn by_user(db: &Db, user_id: i64) -> Result<Option<Expert>> {
    db.row(&select::<Expert>("WHERE user_id = ?"), vec![user_id.into()]).await
}

/// Checks an entered profile: what is missing or malformed, by field.
/// (The field of each is [`ExpertRefusal::field`].)
pub fn check_draft(d: &ExpertDraft) -> std::result::Result<(), ExpertRefusal> {
    if d.code.trim().is_empty() || d.code.chars().count() > 32 {
        return Err(ExpertRefusal::Code);
    }
    if d.name.trim().is_empty() {
        return Err(ExpertRefusal::Name);
    }
    if d.organisation_name.trim().is_empty() {
        return Err(ExpertRefusal::Organisation);
    }
    if !d.credit_code.is_empty() && innocity_core::orgs::CreditCode::parse(&d.credit_code).is_err()
    {
        return Err(ExpertRefusal::CreditCode);
    }
    if d.fields.is_empty() {
        return Err(ExpertRefusal::Fields);
    }
    for date in [&d.available_from, &d.available_to] {
        if !date.is_empty() && NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
            return Err(ExpertRefusal::Date);
        }
    }
    if d.yearly_cap < 0 || d.yearly_cap > 100 {
        return Err(ExpertRefusal::Cap);
    }
    Ok(())
}

/// Adds an expert in `status` (applied for a new application; the demo seeds others).
pub async fn create(
    db: &Db,
    d: &ExpertDraft,
    status: Status,
    confirmed_year: i64,
    actor: Actor<'_>,
) -> Result<i64> {
    check_draft(d)?;
    let tx = db.begin_write().await?;
    let id = insert_expert(&tx, d, status, confirmed_year).await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "expert.create",
            entity: "expert",
            entity_id: id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "code": d.code, "name": d.name, "status": status.code() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn insert_expert(
    tx: &Tx,
    d: &ExpertDraft,
    status: Status,
    confirmed_year: i64,
) -> Result<i64> {
    let now = tx.clock.now_ms();
    tx.insert(
        "INSERT INTO experts (code, name, user_id, organisation_name, credit_code, unit_path, title, fields, keywords, publications, projects, region, contact, groups, available_from, available_to, library, status, status_reason, confirmed_year, yearly_cap, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?)",
        vec![
            d.code.trim().into(),
            d.name.trim().into(),
            d.user_id.into(),
            d.organisation_name.trim().into(),
            d.credit_code.trim().into(),
            d.unit_path.clone().into(),
            d.title.trim().into(),
            serde_json::to_string(&d.fields).unwrap_or_default().into(),
            d.keywords.trim().into(),
            d.publications.clone().into(),
            d.projects.clone().into(),
            d.region.trim().into(),
            d.contact.trim().into(),
            serde_json::to_string(&d.groups).unwrap_or_default().into(),
            d.available_from.clone().into(),
            d.available_to.clone().into(),
            d.library.unwrap_or(Library::Review).code().into(),
            status.code().into(),
            confirmed_year.into(),
            (if d.yearly_cap == 0 { rules::DEFAULT_YEARLY_CAP } else { d.yearly_cap }).into(),
            now.into(),
            now.into(),
        ],
    )
    .await
}

/// Moves an expert along the status machine, with the reason, audited.
pub async fn set_status(
    db: &Db,
    id: i64,
    action: Action,
    reason: &str,
    actor: Actor<'_>,
) -> Result<Status> {
    let e = get(db, id).await?.ok_or(StoreError::NotFound)?;
    let to = rules::next(e.status, action, reason).map_err(|err| match err {
        rules::StatusError::ReasonRequired(_) => StoreError::from(ExpertRefusal::Reason),
        rules::StatusError::NotAllowed { from, action } => {
            StoreError::from(ExpertRefusal::Transition { from, action })
        }
    })?;
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE experts SET status = ?, status_reason = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status = ?", vec![to.code().into(), reason.trim().into(), tx.clock.now_ms().into(), id.into(), e.status.code().into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: &format!("expert.{}", action.code()),
            entity: "expert",
            entity_id: id.to_string(),
            before: serde_json::json!({ "status": e.status.code() }),
            after: serde_json::json!({ "status": to.code(), "reason": reason.trim() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// The expert confirms their profile for `year` (年度确认).
pub async fn reconfirm(db: &Db, id: i64, year: i32, actor: Actor<'_>) -> Result<()> {
    let e = get(db, id).await?.ok_or(StoreError::NotFound)?;
    if e.status == Status::Exited {
        return Err(ExpertRefusal::Transition { from: "exited", action: "reconfirm" }.into());
    }
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE experts SET confirmed_year = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status <> 'exited'", vec![i64::from(year).into(), tx.clock.now_ms().into(), id.into()]).await?;
    if n == 0 {
        return Err(ExpertRefusal::Transition { from: "exited", action: "reconfirm" }.into());
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "expert.reconfirm",
            entity: "expert",
            entity_id: id.to_string(),
            before: serde_json::json!({ "confirmed_year": e.confirmed_year }),
            after: serde_json::json!({ "confirmed_year": year }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an expert may change of their own profile.
#[derive(Debug, Clone, Default)]
pub struct ProfileEdit {
    pub title: String,
    pub keywords: String,
    pub publications: String,
    pub projects: String,
    pub contact: String,
    pub available_from: String,
    pub available_to: String,
}

/// Saves a profile edit (optimistic: `version` must match) and recomputes the expert's conflicts
/// in every open round.
pub async fn update_profile(
    db: &Db,
    id: i64,
    p: &ProfileEdit,
    version: i64,
    actor: Actor<'_>,
) -> Result<()> {
    for date in [&p.available_from, &p.available_to] {
        if !date.is_empty() && NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
            return Err(ExpertRefusal::Date.into());
        }
    }
    let before = get(db, id).await?.ok_or(StoreError::NotFound)?;
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE experts SET title = ?, keywords = ?, publications = ?, projects = ?, contact = ?, available_from = ?, available_to = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
            vec![p.title.trim().into(), p.keywords.trim().into(), p.publications.clone().into(), p.projects.clone().into(), p.contact.trim().into(), p.available_from.clone().into(), p.available_to.clone().into(), tx.clock.now_ms().into(), id.into(), version.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    audit::append(&tx, Change { actor: actor.username, action: "expert.profile", entity: "expert", entity_id: id.to_string(), before: serde_json::json!({ "keywords": before.keywords, "available_from": before.available_from, "available_to": before.available_to }), after: serde_json::json!({ "keywords": p.keywords, "available_from": p.available_from, "available_to": p.available_to }), request_id: actor.request_id }).await?;
    recompute_for_expert(&tx, db, id).await?;
    tx.commit().await?;
    Ok(())
}

const COUNTED_REVIEWS: &str = "review_assignments a JOIN review_rounds r ON r.id = a.round_id";

/// An expert's reviews counted against the cap in one year (from [`loads`]).
pub(crate) struct ExpertReviews {
    expert_id: i64,
    reviews: i64,
}

impl FromRow for ExpertReviews {
    const TABLE: &'static str = "review_assignments";
    const FROM: &'static str = COUNTED_REVIEWS;
    columns!("a.expert_id", "COUNT(*)");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ExpertReviews { expert_id: f.int()?, reviews: f.int()? })
    }
}

/// One year of an expert's ledger: reviews counted against the cap (from [`ledger`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearReviews {
    pub year: i64,
    pub reviews: i64,
}

impl FromRow for YearReviews {
    const TABLE: &'static str = "review_assignments";
    const FROM: &'static str = COUNTED_REVIEWS;
    columns!("r.year", "COUNT(*)");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(YearReviews { year: f.int()?, reviews: f.int()? })
    }
}

/// Reviews counted against each expert's cap in `year`: assigned or submitted, in rounds of
/// that year, by expert id.
pub async fn loads(db: &Db, year: i64) -> Result<HashMap<i64, i64>> {
    let rows: Vec<ExpertReviews> = db
        .rows(
            &select::<ExpertReviews>(
                "WHERE r.year = ? AND a.status IN ('assigned', 'submitted') GROUP BY a.expert_id",
            ),
            vec![year.into()],
        )
        .await?;
    Ok(rows.into_iter().map(|r| (r.expert_id, r.reviews)).collect())
}

/// One expert's ledger: reviews counted in each year, newest first.
pub async fn ledger(db: &Db, expert_id: i64) -> Result<Vec<YearReviews>> {
    db.rows(
        &select::<YearReviews>(
            "WHERE a.expert_id = ? AND a.status IN ('assigned', 'submitted') GROUP BY r.year ORDER BY r.year DESC",
        ),
        vec![expert_id.into()],
    )
    .await
}
