//! The expert libraries and review rounds: profiles and their status, ties, yearly loads;
//! rounds with their items, conflicts (recomputed when a profile changes), optimal assignment or
//! drawing with a committed seed, declines and redraws, reviews, results.
use crate::audit::{self, Change};
use crate::db::{Db, ReadRow, Result, StoreError, Tx, now_ms};
use crate::orgs::Actor;
use chrono::{Datelike, NaiveDate};
use innocity_core::affinity::{self, Doc, Tokenizer};
use innocity_core::assign::{self, Instance, Outcome};
use innocity_core::experts::conflicts::{self, ExpertSide, ItemSide, Policy, Tie, TieKind};
use innocity_core::experts::draw::{self, Candidate};
use innocity_core::experts::panel::{self, Composition, Member, OUTSIDE_REGION};
use innocity_core::experts::scoring::{
    self, Deviation, Form, ItemResult, Method, Performance, Scored,
};
use innocity_core::experts::{self as rules, Action, Library, Reconfirmation, Status};
use sea_orm::Value;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

fn refused(key: &'static str, args: Vec<String>) -> StoreError {
    StoreError::Refused { key, args }
}

fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

// ---------------------------------------------------------------- experts

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

const EXPERT_COLS: &str = "id, code, name, user_id, organisation_name, credit_code, unit_path, title, fields, keywords, publications, projects, region, contact, groups, available_from, available_to, library, status, status_reason, confirmed_year, yearly_cap, version";

fn expert_from(r: &dyn ReadRow) -> Result<Expert> {
    Ok(Expert {
        id: r.int(0)?,
        code: r.text(1)?,
        name: r.text(2)?,
        user_id: r.opt_int(3)?,
        organisation_name: r.text(4)?,
        credit_code: r.text(5)?,
        unit_path: r.text(6)?,
        title: r.text(7)?,
        fields: json_list(&r.text(8)?),
        keywords: r.text(9)?,
        publications: r.text(10)?,
        projects: r.text(11)?,
        region: r.text(12)?,
        contact: r.text(13)?,
        groups: json_list(&r.text(14)?),
        available_from: r.text(15)?,
        available_to: r.text(16)?,
        library: Library::parse(&r.text(17)?).unwrap_or(Library::Review),
        status: Status::parse(&r.text(18)?).unwrap_or(Status::Applied),
        status_reason: r.text(19)?,
        confirmed_year: r.int(20)?,
        yearly_cap: r.int(21)?,
        version: r.int(22)?,
    })
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
    let mut sql = format!("SELECT {EXPERT_COLS} FROM experts WHERE 1 = 1");
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
    db.read(&sql, params, expert_from).await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Expert>> {
    Ok(db
        .read(
            &format!("SELECT {EXPERT_COLS} FROM experts WHERE id = ?"),
            vec![id.into()],
            expert_from,
        )
        .await?
        .into_iter()
        .next())
}

pub async fn by_user(db: &Db, user_id: i64) -> Result<Option<Expert>> {
    Ok(db
        .read(
            &format!("SELECT {EXPERT_COLS} FROM experts WHERE user_id = ?"),
            vec![user_id.into()],
            expert_from,
        )
        .await?
        .into_iter()
        .next())
}

/// Checks an entered profile: what is missing or malformed, by field.
pub fn check_draft(d: &ExpertDraft) -> std::result::Result<(), (&'static str, &'static str)> {
    if d.code.trim().is_empty() || d.code.chars().count() > 32 {
        return Err(("code", "experts.err.code"));
    }
    if d.name.trim().is_empty() {
        return Err(("name", "experts.err.name"));
    }
    if d.organisation_name.trim().is_empty() {
        return Err(("organisation_name", "experts.err.organisation"));
    }
    if !d.credit_code.is_empty() && innocity_core::orgs::CreditCode::parse(&d.credit_code).is_err()
    {
        return Err(("credit_code", "experts.err.credit_code"));
    }
    if d.fields.is_empty() {
        return Err(("fields", "experts.err.fields"));
    }
    for date in [&d.available_from, &d.available_to] {
        if !date.is_empty() && NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
            return Err(("available", "experts.err.date"));
        }
    }
    if d.yearly_cap < 0 || d.yearly_cap > 100 {
        return Err(("yearly_cap", "experts.err.cap"));
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
    if let Err((field, key)) = check_draft(d) {
        return Err(refused(key, vec![field.to_string()]));
    }
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
    let now = now_ms();
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
        rules::StatusError::ReasonRequired(_) => refused("experts.err.reason", vec![]),
        rules::StatusError::NotAllowed { from, action } => {
            refused("experts.err.transition", vec![from.into(), action.into()])
        }
    })?;
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE experts SET status = ?, status_reason = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status = ?", vec![to.code().into(), reason.trim().into(), now_ms().into(), id.into(), e.status.code().into()]).await?;
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
        return Err(refused("experts.err.transition", vec!["exited".into(), "reconfirm".into()]));
    }
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE experts SET confirmed_year = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status <> 'exited'", vec![i64::from(year).into(), now_ms().into(), id.into()]).await?;
    if n == 0 {
        return Err(refused("experts.err.transition", vec!["exited".into(), "reconfirm".into()]));
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
            return Err(refused("experts.err.date", vec!["available".into()]));
        }
    }
    let before = get(db, id).await?.ok_or(StoreError::NotFound)?;
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE experts SET title = ?, keywords = ?, publications = ?, projects = ?, contact = ?, available_from = ?, available_to = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
            vec![p.title.trim().into(), p.keywords.trim().into(), p.publications.clone().into(), p.projects.clone().into(), p.contact.trim().into(), p.available_from.clone().into(), p.available_to.clone().into(), now_ms().into(), id.into(), version.into()],
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

pub async fn ties(db: &Db, expert_id: i64) -> Result<Vec<Tie>> {
    db.read(
        "SELECT kind, name, credit_code, year FROM expert_ties WHERE expert_id = ? ORDER BY id",
        vec![expert_id.into()],
        |r| {
            Ok(Tie {
                kind: TieKind::parse(&r.text(0)?).unwrap_or(TieKind::Declared),
                name: r.text(1)?,
                credit_code: r.text(2)?,
                year: r.opt_int(3)?.map(|y| y as i32),
            })
        },
    )
    .await
}

/// Records a tie (co-author, student, relative, a declared conflict) and recomputes conflicts.
pub async fn add_tie(db: &Db, expert_id: i64, tie: &Tie, actor: Actor<'_>) -> Result<()> {
    if tie.name.trim().is_empty() && tie.credit_code.trim().is_empty() {
        return Err(refused("experts.err.tie", vec![]));
    }
    let tx = db.begin_write().await?;
    tx.exec(
        "INSERT INTO expert_ties (expert_id, kind, name, credit_code, year) VALUES (?, ?, ?, ?, ?)",
        vec![
            expert_id.into(),
            tie.kind.code().into(),
            tie.name.trim().into(),
            tie.credit_code.trim().into(),
            tie.year.map(i64::from).into(),
        ],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "expert.tie",
            entity: "expert",
            entity_id: expert_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!(tie),
            request_id: actor.request_id,
        },
    )
    .await?;
    recompute_for_expert(&tx, db, expert_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Reviews counted against each expert's cap in `year`: assigned or submitted, in rounds of
/// that year.
pub async fn loads(db: &Db, year: i64) -> Result<HashMap<i64, i64>> {
    Ok(db
        .read("SELECT a.expert_id, COUNT(*) FROM review_assignments a JOIN review_rounds r ON r.id = a.round_id WHERE r.year = ? AND a.status IN ('assigned', 'submitted') GROUP BY a.expert_id", vec![year.into()], |r| Ok((r.int(0)?, r.int(1)?)))
        .await?
        .into_iter()
        .collect())
}

/// One expert's ledger: (year, reviews counted), newest first.
pub async fn ledger(db: &Db, expert_id: i64) -> Result<Vec<(i64, i64)>> {
    db.read("SELECT r.year, COUNT(*) FROM review_assignments a JOIN review_rounds r ON r.id = a.round_id WHERE a.expert_id = ? AND a.status IN ('assigned', 'submitted') GROUP BY r.year ORDER BY r.year DESC", vec![expert_id.into()], |r| Ok((r.int(0)?, r.int(1)?))).await
}

// ---------------------------------------------------------------- rounds

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Optimal assignment by affinity.
    Assign,
    /// Random drawing with a committed seed.
    Draw,
}

impl Mode {
    pub fn code(self) -> &'static str {
        match self {
            Mode::Assign => "assign",
            Mode::Draw => "draw",
        }
    }
    pub fn parse(s: &str) -> Option<Mode> {
        [Mode::Assign, Mode::Draw].into_iter().find(|m| m.code() == s)
    }
}

/// The call's rules for a round.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    #[serde(default)]
    pub composition: Composition,
    /// Experts from the applicant's org unit are in conflict.
    #[serde(default)]
    pub same_unit: bool,
    #[serde(default = "three")]
    pub coauthor_years: i32,
    /// Experts may bid on items.
    #[serde(default)]
    pub allow_bids: bool,
    /// The region (an expert whose `region` differs is "outside the region").
    #[serde(default)]
    pub region: String,
    /// Draw only experts with one of these fields (empty: any).
    #[serde(default)]
    pub fields: Vec<String>,
}

fn three() -> i32 {
    3
}

#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub call_name: String,
    pub library: Library,
    pub mode: Mode,
    pub demand: i64,
    pub max_load: i64,
    pub rules: Rules,
    pub form: Form,
    pub deadline: String,
    pub year: i64,
    /// open, closed
    pub status: String,
    pub seed_hash: String,
    /// Revealed once the draw is done.
    pub seed: String,
    pub closed_at: i64,
}

const ROUND_COLS: &str = "id, code, name, call_name, library, mode, demand, max_load, rules, form, deadline, year, status, seed_hash, seed, closed_at";

fn round_from(r: &dyn ReadRow) -> Result<Round> {
    Ok(Round {
        id: r.int(0)?,
        code: r.text(1)?,
        name: r.text(2)?,
        call_name: r.text(3)?,
        library: Library::parse(&r.text(4)?).unwrap_or(Library::Review),
        mode: Mode::parse(&r.text(5)?).unwrap_or(Mode::Assign),
        demand: r.int(6)?,
        max_load: r.int(7)?,
        rules: serde_json::from_str(&r.text(8)?).unwrap_or_default(),
        form: serde_json::from_str(&r.text(9)?).unwrap_or_else(|_| Form::standard()),
        deadline: r.text(10)?,
        year: r.int(11)?,
        status: r.text(12)?,
        seed_hash: r.text(13)?,
        seed: r.text(14)?,
        closed_at: r.int(15)?,
    })
}

impl Round {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
    pub fn deadline_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.deadline, "%Y-%m-%d").ok()
    }
    fn policy(&self) -> Policy {
        Policy {
            same_unit: self.rules.same_unit,
            coauthor_years: self.rules.coauthor_years,
            year: self.year as i32,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: i64,
    pub round_id: i64,
    pub code: String,
    pub title: String,
    pub body: String,
    pub discipline: String,
    pub applicant: String,
    pub members: Vec<String>,
    pub credit_code: String,
    pub org_name: String,
    pub unit_path: String,
    pub avoid: Vec<String>,
}

const ITEM_COLS: &str = "id, round_id, code, title, body, discipline, applicant, members, credit_code, org_name, unit_path, avoid";

fn item_from(r: &dyn ReadRow) -> Result<Item> {
    Ok(Item {
        id: r.int(0)?,
        round_id: r.int(1)?,
        code: r.text(2)?,
        title: r.text(3)?,
        body: r.text(4)?,
        discipline: r.text(5)?,
        applicant: r.text(6)?,
        members: json_list(&r.text(7)?),
        credit_code: r.text(8)?,
        org_name: r.text(9)?,
        unit_path: r.text(10)?,
        avoid: json_list(&r.text(11)?),
    })
}

pub struct NewRound {
    pub code: String,
    pub name: String,
    pub call_name: String,
    pub library: Library,
    pub mode: Mode,
    pub demand: i64,
    pub max_load: i64,
    pub rules: Rules,
    pub form: Form,
    pub deadline: NaiveDate,
    pub year: i64,
}

/// Creates a round with its items and computes every conflict, in one transaction.
pub async fn create_round(db: &Db, r: &NewRound, items: &[Item], actor: Actor<'_>) -> Result<i64> {
    let tx = db.begin_write().await?;
    let id = create_round_in(&tx, db, r, items, actor).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates a round with its items, its audit entry and every conflict inside the caller's `tx`
/// (a call's review links the round to the call in the same transaction).
pub(crate) async fn create_round_in(
    tx: &Tx,
    db: &Db,
    r: &NewRound,
    items: &[Item],
    actor: Actor<'_>,
) -> Result<i64> {
    if let Err(e) = r.form.check() {
        return Err(refused("reviews.err.form", vec![e.field, e.message]));
    }
    if r.demand < 1 || r.max_load < 1 {
        return Err(refused("reviews.err.demand", vec![]));
    }
    let mut seen = HashSet::new();
    for (k, it) in items.iter().enumerate() {
        if it.code.trim().is_empty() || it.title.trim().is_empty() || !seen.insert(it.code.trim()) {
            return Err(refused("reviews.err.item", vec![(k + 1).to_string(), it.code.clone()]));
        }
    }
    let id = tx
        .insert(
            "INSERT INTO review_rounds (code, name, call_name, library, mode, demand, max_load, rules, form, deadline, year, status, seed_hash, seed, created_by, created_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', '', '', ?, ?, 0)",
            vec![
                r.code.trim().into(),
                r.name.trim().into(),
                r.call_name.trim().into(),
                r.library.code().into(),
                r.mode.code().into(),
                r.demand.into(),
                r.max_load.into(),
                serde_json::to_string(&r.rules).unwrap_or_default().into(),
                serde_json::to_string(&r.form).unwrap_or_default().into(),
                r.deadline.format("%Y-%m-%d").to_string().into(),
                r.year.into(),
                actor.username.into(),
                now_ms().into(),
            ],
        )
        .await?;
    for it in items {
        tx.exec(
            "INSERT INTO review_items (round_id, code, title, body, discipline, applicant, members, credit_code, org_name, unit_path, avoid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                id.into(),
                it.code.trim().into(),
                it.title.trim().into(),
                it.body.clone().into(),
                it.discipline.clone().into(),
                it.applicant.trim().into(),
                serde_json::to_string(&it.members).unwrap_or_default().into(),
                it.credit_code.trim().into(),
                it.org_name.trim().into(),
                it.unit_path.clone().into(),
                serde_json::to_string(&it.avoid).unwrap_or_default().into(),
            ],
        )
        .await?;
    }
    audit::append(tx, Change { actor: actor.username, action: "review_round.create", entity: "review_round", entity_id: id.to_string(), before: serde_json::json!({}), after: serde_json::json!({ "code": r.code, "mode": r.mode.code(), "items": items.len() }), request_id: actor.request_id }).await?;
    // The items just added are inside `tx`: read them there.
    let its = tx
        .query_all(
            &format!("SELECT {ITEM_COLS} FROM review_items WHERE round_id = ? ORDER BY code"),
            vec![id.into()],
        )
        .await?
        .iter()
        .map(|row| item_from(row))
        .collect::<Result<Vec<_>>>()?;
    insert_conflicts(
        tx,
        db,
        id,
        r.library,
        &its,
        Policy {
            same_unit: r.rules.same_unit,
            coauthor_years: r.rules.coauthor_years,
            year: r.year as i32,
        },
    )
    .await?;
    Ok(id)
}

pub async fn rounds(db: &Db) -> Result<Vec<Round>> {
    db.read(&format!("SELECT {ROUND_COLS} FROM review_rounds ORDER BY id DESC"), vec![], round_from)
        .await
}

pub async fn round(db: &Db, id: i64) -> Result<Option<Round>> {
    Ok(db
        .read(
            &format!("SELECT {ROUND_COLS} FROM review_rounds WHERE id = ?"),
            vec![id.into()],
            round_from,
        )
        .await?
        .into_iter()
        .next())
}

pub async fn items(db: &Db, round_id: i64) -> Result<Vec<Item>> {
    db.read(
        &format!("SELECT {ITEM_COLS} FROM review_items WHERE round_id = ? ORDER BY code"),
        vec![round_id.into()],
        item_from,
    )
    .await
}

pub async fn item(db: &Db, id: i64) -> Result<Option<Item>> {
    Ok(db
        .read(
            &format!("SELECT {ITEM_COLS} FROM review_items WHERE id = ?"),
            vec![id.into()],
            item_from,
        )
        .await?
        .into_iter()
        .next())
}

fn expert_side(e: &Expert, ties: Vec<Tie>) -> ExpertSide {
    ExpertSide {
        code: e.code.clone(),
        name: e.name.clone(),
        credit_code: e.credit_code.clone(),
        unit_path: e.unit_path.clone(),
        ties,
    }
}

fn item_side(it: &Item) -> ItemSide {
    ItemSide {
        applicant: it.applicant.clone(),
        members: it.members.clone(),
        credit_code: it.credit_code.clone(),
        unit_path: it.unit_path.clone(),
        avoid: it.avoid.clone(),
    }
}

async fn all_ties(db: &Db) -> Result<HashMap<i64, Vec<Tie>>> {
    let mut out: HashMap<i64, Vec<Tie>> = HashMap::new();
    for (id, t) in db
        .read(
            "SELECT expert_id, kind, name, credit_code, year FROM expert_ties ORDER BY id",
            vec![],
            |r| {
                Ok((
                    r.int(0)?,
                    Tie {
                        kind: TieKind::parse(&r.text(1)?).unwrap_or(TieKind::Declared),
                        name: r.text(2)?,
                        credit_code: r.text(3)?,
                        year: r.opt_int(4)?.map(|y| y as i32),
                    },
                ))
            },
        )
        .await?
    {
        out.entry(id).or_default().push(t);
    }
    Ok(out)
}

/// Recomputes a round's conflicts from profiles and applications (declarations on items stay).
pub async fn recompute_conflicts(db: &Db, round_id: i64) -> Result<usize> {
    let r = round(db, round_id).await?.ok_or(StoreError::NotFound)?;
    let its = items(db, round_id).await?;
    let tx = db.begin_write().await?;
    tx.exec(
        "DELETE FROM review_conflicts WHERE round_id = ? AND source <> 'declaration'",
        vec![round_id.into()],
    )
    .await?;
    let n = insert_conflicts(&tx, db, round_id, r.library, &its, r.policy()).await?;
    tx.commit().await?;
    Ok(n)
}

/// Finds and stores, in `tx`, the conflicts of every expert of the library with the items.
async fn insert_conflicts(
    tx: &Tx,
    db: &Db,
    round_id: i64,
    library: Library,
    its: &[Item],
    policy: Policy,
) -> Result<usize> {
    let experts = list(db, &ExpertQuery { library: Some(library), ..Default::default() }).await?;
    let mut ties = all_ties(db).await?;
    let mut n = 0;
    for e in &experts {
        let side = expert_side(e, ties.remove(&e.id).unwrap_or_default());
        for it in its {
            for c in conflicts::find(&side, &item_side(it), policy) {
                insert_conflict(tx, round_id, it.id, e.id, &c).await?;
                n += 1;
            }
        }
    }
    Ok(n)
}

async fn insert_conflict(
    tx: &Tx,
    round_id: i64,
    item_id: i64,
    expert_id: i64,
    c: &conflicts::Conflict,
) -> Result<()> {
    let sql = "INSERT INTO review_conflicts (round_id, item_id, expert_id, kind, source, detail) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
    tx.exec(
        sql,
        vec![
            round_id.into(),
            item_id.into(),
            expert_id.into(),
            c.kind.code().into(),
            c.source.code().into(),
            c.detail.clone().into(),
        ],
    )
    .await?;
    Ok(())
}

/// One expert's conflicts in every open round, recomputed in `tx` after a profile change.
async fn recompute_for_expert(tx: &Tx, db: &Db, expert_id: i64) -> Result<()> {
    let e = get(db, expert_id).await?.ok_or(StoreError::NotFound)?;
    // The tie just added is inside `tx`: read the ties there.
    let rows = tx
        .query_all(
            "SELECT kind, name, credit_code, year FROM expert_ties WHERE expert_id = ?",
            vec![expert_id.into()],
        )
        .await?;
    let mut ties = Vec::new();
    for r in rows {
        let kind: String = r.try_get_by_index(0)?;
        let year: Option<i64> = r.try_get_by_index(3)?;
        ties.push(Tie {
            kind: TieKind::parse(&kind).unwrap_or(TieKind::Declared),
            name: r.try_get_by_index(1)?,
            credit_code: r.try_get_by_index(2)?,
            year: year.map(|y| y as i32),
        });
    }
    let side = expert_side(&e, ties);
    for r in rounds(db).await?.into_iter().filter(|r| r.is_open() && r.library == e.library) {
        tx.exec("DELETE FROM review_conflicts WHERE round_id = ? AND expert_id = ? AND source <> 'declaration'", vec![r.id.into(), expert_id.into()]).await?;
        for it in items(db, r.id).await? {
            for c in conflicts::find(&side, &item_side(&it), r.policy()) {
                insert_conflict(tx, r.id, it.id, expert_id, &c).await?;
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictRow {
    pub item_id: i64,
    pub expert_id: i64,
    pub kind: String,
    pub source: String,
    pub detail: String,
}

pub async fn round_conflicts(db: &Db, round_id: i64) -> Result<Vec<ConflictRow>> {
    db.read("SELECT item_id, expert_id, kind, source, detail FROM review_conflicts WHERE round_id = ? ORDER BY item_id, expert_id, kind", vec![round_id.into()], |r| {
        Ok(ConflictRow { item_id: r.int(0)?, expert_id: r.int(1)?, kind: r.text(2)?, source: r.text(3)?, detail: r.text(4)? })
    })
    .await
}

pub async fn expert_conflicts(db: &Db, expert_id: i64) -> Result<Vec<ConflictRow>> {
    db.read("SELECT item_id, expert_id, kind, source, detail FROM review_conflicts WHERE expert_id = ? ORDER BY round_id DESC, item_id", vec![expert_id.into()], |r| {
        Ok(ConflictRow { item_id: r.int(0)?, expert_id: r.int(1)?, kind: r.text(2)?, source: r.text(3)?, detail: r.text(4)? })
    })
    .await
}

pub async fn set_bid(
    db: &Db,
    item_id: i64,
    expert_id: i64,
    bid: &str,
    actor: Actor<'_>,
) -> Result<()> {
    if !matches!(bid, "eager" | "willing" | "unwilling") {
        return Err(refused("reviews.err.bid", vec![bid.into()]));
    }
    let tx = db.begin_write().await?;
    tx.exec("INSERT INTO review_bids (item_id, expert_id, bid) VALUES (?, ?, ?) ON CONFLICT (item_id, expert_id) DO UPDATE SET bid = excluded.bid", vec![item_id.into(), expert_id.into(), bid.into()]).await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "review.bid",
            entity: "review_item",
            entity_id: item_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "expert": expert_id, "bid": bid }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An expert's bids in a round, by item id.
pub async fn bids_of(db: &Db, round_id: i64, expert_id: i64) -> Result<HashMap<i64, String>> {
    Ok(db
        .read("SELECT b.item_id, b.bid FROM review_bids b JOIN review_items i ON i.id = b.item_id WHERE i.round_id = ? AND b.expert_id = ?", vec![round_id.into(), expert_id.into()], |r| Ok((r.int(0)?, r.text(1)?)))
        .await?
        .into_iter()
        .collect())
}

/// Rounds an expert may bid in now: open, bids allowed, not yet assigned, the expert's library.
pub async fn biddable(db: &Db, e: &Expert) -> Result<Vec<Round>> {
    let mut out = Vec::new();
    for r in rounds(db).await? {
        if r.is_open()
            && r.rules.allow_bids
            && r.mode == Mode::Assign
            && r.library == e.library
            && e.status == Status::Active
            && assignments(db, r.id).await?.is_empty()
        {
            out.push(r);
        }
    }
    Ok(out)
}

/// Why an expert of the library is not in a round's pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolEntry {
    pub expert: Expert,
    /// Reviews left under the yearly cap.
    pub room: i64,
    /// Message key of the reason the expert is left out, with its argument; None if in the pool.
    pub excluded: Option<(&'static str, String)>,
}

impl PartialEq for Expert {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.version == other.version
    }
}

/// The library's experts with the reason each is or is not in the round's pool: active, confirmed
/// for the year, no credit record barring them, available on the deadline, in the call's fields,
/// with room under the yearly cap.
pub async fn pool(db: &Db, r: &Round, today: NaiveDate) -> Result<Vec<PoolEntry>> {
    let experts = list(db, &ExpertQuery { library: Some(r.library), ..Default::default() }).await?;
    let loads = loads(db, r.year).await?;
    let in_round: HashMap<i64, i64> = db
        .read("SELECT expert_id, COUNT(*) FROM review_assignments WHERE round_id = ? AND status IN ('assigned', 'submitted') GROUP BY expert_id", vec![r.id.into()], |x| Ok((x.int(0)?, x.int(1)?)))
        .await?
        .into_iter()
        .collect();
    let deadline = r.deadline_date().unwrap_or(today);
    let mut out = Vec::new();
    for e in experts {
        // This round's own reviews do not count against the room for this round's work.
        let counted =
            loads.get(&e.id).copied().unwrap_or(0) - in_round.get(&e.id).copied().unwrap_or(0);
        let room = rules::remaining_load(e.yearly_cap, counted);
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let excluded = if e.status != Status::Active {
            Some(("pool.status", e.status.code().to_string()))
        } else if rules::reconfirmation(e.confirmed_year as i32, today) == Reconfirmation::Lapsed {
            Some(("pool.reconfirm", e.confirmed_year.to_string()))
        } else if let Some(d) = crate::credit::check(db, &e.code, today).await?.deciding {
            Some(("pool.credit", format!("{} {}", d.kind, d.source)))
        } else if date(&e.available_from).is_some_and(|f| deadline < f)
            || date(&e.available_to).is_some_and(|t| deadline > t)
        {
            Some(("pool.unavailable", format!("{}–{}", e.available_from, e.available_to)))
        } else if !r.rules.fields.is_empty() && !e.fields.iter().any(|f| r.rules.fields.contains(f))
        {
            Some(("pool.field", e.fields.join("、")))
        } else if room == 0 {
            Some(("pool.cap", e.yearly_cap.to_string()))
        } else {
            None
        };
        out.push(PoolEntry { expert: e, room, excluded });
    }
    Ok(out)
}

fn member_of(e: &Expert, region: &str) -> Member {
    let mut groups: HashSet<String> = e.groups.iter().cloned().collect();
    if !region.is_empty() && e.region != region {
        groups.insert(OUTSIDE_REGION.to_string());
    }
    Member {
        org: if e.credit_code.is_empty() {
            e.organisation_name.clone()
        } else {
            e.credit_code.clone()
        },
        groups,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub id: i64,
    pub round_id: i64,
    pub item_id: i64,
    pub expert_id: i64,
    pub affinity: f64,
    pub method: String,
    /// assigned, declined, conflict, submitted
    pub status: String,
    pub reason: String,
    pub scores: BTreeMap<String, f64>,
    pub total: Option<f64>,
    pub recommendation: String,
    pub comment: String,
    pub saved_at: i64,
    pub submitted_at: i64,
    pub reminded_at: i64,
    pub version: i64,
}

const ASSIGNMENT_COLS: &str = "id, round_id, item_id, expert_id, affinity, method, status, reason, scores, total, recommendation, comment, saved_at, submitted_at, reminded_at, version";

fn assignment_from(r: &dyn ReadRow) -> Result<Assignment> {
    Ok(Assignment {
        id: r.int(0)?,
        round_id: r.int(1)?,
        item_id: r.int(2)?,
        expert_id: r.int(3)?,
        affinity: r.opt_real(4)?.unwrap_or(0.0),
        method: r.text(5)?,
        status: r.text(6)?,
        reason: r.text(7)?,
        scores: serde_json::from_str(&r.text(8)?).unwrap_or_default(),
        total: r.opt_real(9)?,
        recommendation: r.text(10)?,
        comment: r.text(11)?,
        saved_at: r.int(12)?,
        submitted_at: r.int(13)?,
        reminded_at: r.int(14)?,
        version: r.int(15)?,
    })
}

pub async fn assignments(db: &Db, round_id: i64) -> Result<Vec<Assignment>> {
    db.read(&format!("SELECT {ASSIGNMENT_COLS} FROM review_assignments WHERE round_id = ? ORDER BY item_id, id"), vec![round_id.into()], assignment_from).await
}

pub async fn assignments_of_expert(db: &Db, expert_id: i64) -> Result<Vec<Assignment>> {
    db.read(&format!("SELECT {ASSIGNMENT_COLS} FROM review_assignments WHERE expert_id = ? ORDER BY round_id DESC, item_id"), vec![expert_id.into()], assignment_from).await
}

pub async fn assignment(db: &Db, id: i64) -> Result<Option<Assignment>> {
    Ok(db
        .read(
            &format!("SELECT {ASSIGNMENT_COLS} FROM review_assignments WHERE id = ?"),
            vec![id.into()],
            assignment_from,
        )
        .await?
        .into_iter()
        .next())
}

/// Affinity of every item to every pool expert (each item's top `top`), with bids: eager adds
/// the item's best score (the eager expert ranks with the best), willing keeps the pair even
/// outside the top, unwilling removes the pair.
async fn affinity_scores(
    db: &Db,
    its: &[Item],
    pool: &[&Expert],
    top: usize,
) -> Result<HashMap<(i64, i64), f64>> {
    let tok = Tokenizer::default();
    let item_docs: Vec<Doc> = its
        .iter()
        .map(|i| Doc {
            id: i.code.clone(),
            fields: vec![i.discipline.clone()],
            text: format!("{} {}", i.title, i.body),
        })
        .collect();
    let expert_docs: Vec<Doc> = pool
        .iter()
        .map(|e| Doc {
            id: e.code.clone(),
            fields: e.fields.clone(),
            text: format!("{} {} {}", e.keywords, e.publications, e.projects),
        })
        .collect();
    let mut out: HashMap<(i64, i64), f64> = HashMap::new();
    for (i, e, s) in affinity::affinities(&tok, &item_docs, &expert_docs, top, 1.0) {
        out.insert((its[i].id, pool[e].id), f64::from(s));
    }
    let ids: Vec<Value> = its.iter().map(|i| i.id.into()).collect();
    if !ids.is_empty() {
        let marks = vec!["?"; ids.len()].join(", ");
        let bids = db
            .read(
                &format!(
                    "SELECT item_id, expert_id, bid FROM review_bids WHERE item_id IN ({marks})"
                ),
                ids,
                |r| Ok((r.int(0)?, r.int(1)?, r.text(2)?)),
            )
            .await?;
        let mut best: HashMap<i64, f64> = HashMap::new();
        for (&(i, _), &s) in &out {
            let b = best.entry(i).or_insert(0.0);
            *b = b.max(s);
        }
        for (i, e, bid) in bids {
            match bid.as_str() {
                "unwilling" => {
                    out.remove(&(i, e));
                }
                "eager" => {
                    let boost = best.get(&i).copied().unwrap_or(1.0);
                    *out.entry((i, e)).or_insert(0.0) += boost;
                }
                _ => {
                    out.entry((i, e)).or_insert(0.0);
                }
            }
        }
    }
    Ok(out)
}

/// What an assignment or a draw did.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub pairs: usize,
    pub objective: f64,
    pub rounds: usize,
    pub pool: usize,
}

async fn conflict_set(db: &Db, round_id: i64) -> Result<HashSet<(i64, i64)>> {
    Ok(round_conflicts(db, round_id).await?.into_iter().map(|c| (c.item_id, c.expert_id)).collect())
}

/// Assigns the round's items optimally (max total affinity, each item its demand of distinct
/// experts, loads within the round's max and each expert's yearly room, no conflicts, the panel
/// rules). Refused if the round already has assignments or is closed; nothing is stored when it
/// cannot be met, and the refusal names the item and the rule.
pub async fn run_assignment(
    db: &Db,
    round_id: i64,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<RunSummary> {
    let r = round(db, round_id).await?.ok_or(StoreError::NotFound)?;
    if !r.is_open() || r.mode != Mode::Assign {
        return Err(refused("reviews.err.not_assignable", vec![]));
    }
    if !assignments(db, round_id).await?.is_empty() {
        return Err(refused("reviews.err.already", vec![]));
    }
    let its = items(db, round_id).await?;
    let entries = pool(db, &r, today).await?;
    let pool: Vec<&PoolEntry> = entries.iter().filter(|p| p.excluded.is_none()).collect();
    let experts: Vec<&Expert> = pool.iter().map(|p| &p.expert).collect();
    let scores = affinity_scores(db, &its, &experts, 60).await?;
    let conflicts = conflict_set(db, round_id).await?;
    let code_of_item: HashMap<i64, &str> = its.iter().map(|i| (i.id, i.code.as_str())).collect();
    let code_of_expert: HashMap<i64, &str> =
        experts.iter().map(|e| (e.id, e.code.as_str())).collect();
    let inst = Instance {
        items: its.iter().map(|i| assign::Item { id: i.code.clone(), demand: r.demand }).collect(),
        experts: pool
            .iter()
            .map(|p| assign::Expert {
                id: p.expert.code.clone(),
                max_load: p.room.min(r.max_load),
                min_load: 0,
            })
            .collect(),
        scores: scores
            .iter()
            .filter(|(k, _)| !conflicts.contains(k))
            .map(|(&(i, e), &s)| panel::score(code_of_item[&i], code_of_expert[&e], s))
            .collect(),
        conflicts: vec![],
        forced: vec![],
    };
    let members: HashMap<String, Member> =
        experts.iter().map(|e| (e.code.clone(), member_of(e, &r.rules.region))).collect();
    let out = panel::assign_panels(&inst, &members, &r.rules.composition)
        .map_err(|e| refused("reviews.err.infeasible", vec![e.to_string()]))?;
    let (objective, pairs) = match out.outcome {
        Outcome::Optimal { objective, pairs } => (objective, pairs),
        Outcome::Infeasible(why) => return Err(refused("reviews.err.infeasible", vec![why])),
    };
    let item_id: HashMap<&str, i64> = its.iter().map(|i| (i.code.as_str(), i.id)).collect();
    let expert_id: HashMap<&str, i64> = experts.iter().map(|e| (e.code.as_str(), e.id)).collect();
    let tx = db.begin_write().await?;
    if !open_in(&tx, round_id).await? {
        return Err(refused("reviews.err.not_assignable", vec![]));
    }
    if tx
        .query_one("SELECT 1 FROM review_assignments WHERE round_id = ?", vec![round_id.into()])
        .await?
        .is_some()
    {
        return Err(refused("reviews.err.already", vec![]));
    }
    let now = now_ms();
    for p in &pairs {
        insert_assignment(
            &tx,
            round_id,
            item_id[p.item.as_str()],
            expert_id[p.expert.as_str()],
            p.score,
            "optimal",
            now,
        )
        .await?;
    }
    audit::append(&tx, Change { actor: actor.username, action: "review_round.assign", entity: "review_round", entity_id: round_id.to_string(), before: serde_json::json!({}), after: serde_json::json!({ "pairs": pairs.len(), "objective": objective, "rounds": out.rounds, "pool": pool.len() }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(RunSummary { pairs: pairs.len(), objective, rounds: out.rounds, pool: pool.len() })
}

async fn insert_assignment(
    tx: &Tx,
    round_id: i64,
    item_id: i64,
    expert_id: i64,
    affinity: f64,
    method: &str,
    now: i64,
) -> Result<i64> {
    tx.insert(
        "INSERT INTO review_assignments (round_id, item_id, expert_id, affinity, method, status, reason, scores, total, recommendation, comment, assigned_at, saved_at, submitted_at, reminded_at) VALUES (?, ?, ?, ?, ?, 'assigned', '', '{}', NULL, '', '', ?, 0, 0, 0)",
        vec![round_id.into(), item_id.into(), expert_id.into(), affinity.into(), method.into(), now.into()],
    )
    .await
}

/// Fixes the seed of a drawing round and publishes its hash; the seed itself stays sealed until
/// the draw. Returns the hash.
pub async fn commit_seed(db: &Db, round_id: i64, actor: Actor<'_>) -> Result<String> {
    let r = round(db, round_id).await?.ok_or(StoreError::NotFound)?;
    if !r.is_open() || r.mode != Mode::Draw || !r.seed_hash.is_empty() {
        return Err(refused("reviews.err.seed", vec![]));
    }
    let seed = draw::seed_text(
        format!("{}{}{}", crate::users::random_token(), now_ms(), r.code).as_bytes(),
    );
    let hash = draw::commitment(&seed);
    let tx = db.begin_write().await?;
    // Only the first seed counts: one committed meanwhile (or the round closed) refuses this one.
    let n = tx.exec("UPDATE review_rounds SET seed = ?, seed_hash = ? WHERE id = ? AND status = 'open' AND seed_hash = ''", vec![seed.into(), hash.clone().into(), round_id.into()]).await?;
    if n == 0 {
        return Err(refused("reviews.err.seed", vec![]));
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "review_round.commit_seed",
            entity: "review_round",
            entity_id: round_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "seed_hash": hash }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(hash)
}

/// Whether the round's seed may be shown (after the draw).
pub async fn drawn(db: &Db, round_id: i64) -> Result<bool> {
    Ok(db
        .query_one("SELECT 1 FROM review_draw_log WHERE round_id = ?", vec![round_id.into()])
        .await?
        .is_some())
}

/// Whether the round is still open, as `tx` sees it: a check made before the write is made again
/// inside it, so a round closed meanwhile is never written to.
async fn open_in(tx: &Tx, round_id: i64) -> Result<bool> {
    Ok(tx
        .query_one(
            "SELECT 1 FROM review_rounds WHERE id = ? AND status = 'open'",
            vec![round_id.into()],
        )
        .await?
        .is_some())
}

/// The draw's pool for one item: eligible experts not in conflict, by code.
fn candidates(
    pool: &[&PoolEntry],
    conflicts: &HashSet<(i64, i64)>,
    item_id: i64,
    region: &str,
) -> Vec<Candidate> {
    pool.iter()
        .filter(|p| !conflicts.contains(&(item_id, p.expert.id)))
        .map(|p| Candidate { expert: p.expert.code.clone(), member: member_of(&p.expert, region) })
        .collect()
}

/// Draws every item's panel with the committed seed, in item-code order; an expert whose load
/// reaches the round's maximum or the yearly room leaves the pool for later items. Each draw is
/// logged with its key, so a supervisor can replay it from the seed.
pub async fn run_draw(
    db: &Db,
    round_id: i64,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<RunSummary> {
    let r = round(db, round_id).await?.ok_or(StoreError::NotFound)?;
    if !r.is_open() || r.mode != Mode::Draw || r.seed.is_empty() {
        return Err(refused("reviews.err.seed_first", vec![]));
    }
    if drawn(db, round_id).await? {
        return Err(refused("reviews.err.already", vec![]));
    }
    let its = items(db, round_id).await?;
    let entries = pool(db, &r, today).await?;
    let pool: Vec<&PoolEntry> = entries.iter().filter(|p| p.excluded.is_none()).collect();
    let conflicts = conflict_set(db, round_id).await?;
    let mut load: HashMap<i64, i64> = HashMap::new();
    let by_code: HashMap<&str, &PoolEntry> =
        pool.iter().map(|p| (p.expert.code.as_str(), *p)).collect();
    let mut drawn_pairs = Vec::new();
    for it in &its {
        let open: Vec<&PoolEntry> = pool
            .iter()
            .copied()
            .filter(|p| load.get(&p.expert.id).copied().unwrap_or(0) < p.room.min(r.max_load))
            .collect();
        let cands = candidates(&open, &conflicts, it.id, &r.rules.region);
        let got = draw::draw(
            &r.seed,
            &it.code,
            &cands,
            &[],
            &[],
            draw::Places { to_fill: r.demand as usize, demand: r.demand as usize },
            &r.rules.composition,
        )
        .map_err(|e| refused("reviews.err.infeasible", vec![e.to_string()]))?;
        for (code, key) in got {
            let e = &by_code[code.as_str()].expert;
            *load.entry(e.id).or_default() += 1;
            drawn_pairs.push((it.id, e.id, key));
        }
    }
    let tx = db.begin_write().await?;
    if !open_in(&tx, round_id).await? {
        return Err(refused("reviews.err.seed_first", vec![]));
    }
    if tx
        .query_one("SELECT 1 FROM review_draw_log WHERE round_id = ?", vec![round_id.into()])
        .await?
        .is_some()
    {
        return Err(refused("reviews.err.already", vec![]));
    }
    let now = now_ms();
    for &(item_id, expert_id, key) in &drawn_pairs {
        insert_assignment(&tx, round_id, item_id, expert_id, 0.0, "draw", now).await?;
        tx.exec("INSERT INTO review_draw_log (round_id, item_id, expert_id, action, draw_key, actor, at_ms) VALUES (?, ?, ?, 'draw', ?, ?, ?)", vec![round_id.into(), item_id.into(), expert_id.into(), format!("{key:016x}").into(), actor.username.into(), now.into()]).await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "review_round.draw",
            entity: "review_round",
            entity_id: round_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "pairs": drawn_pairs.len(), "seed_hash": r.seed_hash }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RunSummary { pairs: drawn_pairs.len(), objective: 0.0, rounds: 1, pool: pool.len() })
}

#[derive(Debug, Clone, Serialize)]
pub struct DrawLogEntry {
    pub item_code: String,
    pub expert_code: String,
    pub action: String,
    pub key: String,
    pub actor: String,
    pub at_ms: i64,
}

pub async fn draw_log(db: &Db, round_id: i64) -> Result<Vec<DrawLogEntry>> {
    db.read(
        "SELECT i.code, e.code, l.action, l.draw_key, l.actor, l.at_ms FROM review_draw_log l JOIN review_items i ON i.id = l.item_id JOIN experts e ON e.id = l.expert_id WHERE l.round_id = ? ORDER BY l.id",
        vec![round_id.into()],
        |r| Ok(DrawLogEntry { item_code: r.text(0)?, expert_code: r.text(1)?, action: r.text(2)?, key: r.text(3)?, actor: r.text(4)?, at_ms: r.int(5)? }),
    )
    .await
}

/// An expert declines an assignment or declares a conflict on it: the assignment ends (with the
/// reason; a declared conflict is stored with its source) and the item gets a replacement — the
/// next expert in the draw's order, or the best eligible expert by affinity. Refused once the
/// review is submitted or the round closed. Returns the replacement's code, if one was found.
pub async fn withdraw(
    db: &Db,
    assignment_id: i64,
    expert_user: i64,
    conflict: bool,
    reason: &str,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<Option<String>> {
    let a = assignment(db, assignment_id).await?.ok_or(StoreError::NotFound)?;
    let me = by_user(db, expert_user).await?.ok_or(StoreError::NotFound)?;
    if a.expert_id != me.id {
        return Err(StoreError::NotFound);
    }
    let r = round(db, a.round_id).await?.ok_or(StoreError::NotFound)?;
    if !r.is_open() {
        return Err(refused("reviews.err.closed", vec![]));
    }
    if a.status == "submitted" {
        return Err(refused(
            if conflict { "reviews.err.conflict_after_scoring" } else { "reviews.err.submitted" },
            vec![],
        ));
    }
    if a.status != "assigned" {
        return Err(refused("reviews.err.not_assigned", vec![]));
    }
    if reason.trim().is_empty() {
        return Err(refused("reviews.err.reason", vec![]));
    }
    let it = item(db, a.item_id).await?.ok_or(StoreError::NotFound)?;
    // The replacement: who is on the panel, who has left it.
    let all = assignments(db, r.id).await?;
    let on_item: Vec<&Assignment> =
        all.iter().filter(|x| x.item_id == it.id && x.id != a.id).collect();
    let entries = pool(db, &r, today).await?;
    let mut round_load: HashMap<i64, i64> = HashMap::new();
    for x in all.iter().filter(|x| matches!(x.status.as_str(), "assigned" | "submitted")) {
        *round_load.entry(x.expert_id).or_default() += 1;
    }
    let mut conflicts = conflict_set(db, r.id).await?;
    conflicts.insert((it.id, me.id));
    let gone: HashSet<i64> = on_item.iter().map(|x| x.expert_id).chain([me.id]).collect();
    let available: Vec<&PoolEntry> = entries
        .iter()
        .filter(|p| {
            p.excluded.is_none()
                && !gone.contains(&p.expert.id)
                && round_load.get(&p.expert.id).copied().unwrap_or(0) < p.room.min(r.max_load)
        })
        .collect();
    let by_id: HashMap<i64, &Expert> = entries.iter().map(|p| (p.expert.id, &p.expert)).collect();
    let staying: Vec<Candidate> = on_item
        .iter()
        .filter(|x| matches!(x.status.as_str(), "assigned" | "submitted"))
        .filter_map(|x| by_id.get(&x.expert_id))
        .map(|e| Candidate { expert: e.code.clone(), member: member_of(e, &r.rules.region) })
        .collect();
    let replacement: Option<(i64, f64, String)> = match r.mode {
        Mode::Draw => {
            let cands = candidates(&available, &conflicts, it.id, &r.rules.region);
            draw::draw(
                &r.seed,
                &it.code,
                &cands,
                &staying,
                &[],
                draw::Places { to_fill: 1, demand: r.demand as usize },
                &r.rules.composition,
            )
            .ok()
            .and_then(|got| got.into_iter().next())
            .and_then(|(code, key)| {
                available
                    .iter()
                    .find(|p| p.expert.code == code)
                    .map(|p| (p.expert.id, 0.0, format!("{key:016x}")))
            })
        }
        Mode::Assign => {
            let experts: Vec<&Expert> = available.iter().map(|p| &p.expert).collect();
            let scores =
                affinity_scores(db, std::slice::from_ref(&it), &experts, experts.len()).await?;
            let members: Vec<&Member> = staying.iter().map(|c| &c.member).collect();
            experts
                .iter()
                .filter(|e| {
                    !conflicts.contains(&(it.id, e.id))
                        && r.rules.composition.admits(
                            &members,
                            &member_of(e, &r.rules.region),
                            r.demand as usize,
                        )
                })
                .map(|e| (e.id, scores.get(&(it.id, e.id)).copied().unwrap_or(0.0)))
                .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .map(|(id, s)| (id, s, String::new()))
        }
    };
    let tx = db.begin_write().await?;
    if !open_in(&tx, r.id).await? {
        return Err(refused("reviews.err.closed", vec![]));
    }
    let status = if conflict { "conflict" } else { "declined" };
    let n = tx.exec("UPDATE review_assignments SET status = ?, reason = ?, version = version + 1 WHERE id = ? AND status = 'assigned'", vec![status.into(), reason.trim().into(), a.id.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    if conflict {
        let c = conflicts::Conflict {
            kind: conflicts::Kind::Declared,
            source: conflicts::Source::Declaration,
            detail: reason.trim().to_string(),
        };
        insert_conflict(&tx, r.id, it.id, me.id, &c).await?;
    }
    let now = now_ms();
    tx.exec("INSERT INTO review_draw_log (round_id, item_id, expert_id, action, draw_key, actor, at_ms) VALUES (?, ?, ?, ?, '', ?, ?)", vec![r.id.into(), it.id.into(), me.id.into(), status.into(), actor.username.into(), now.into()]).await?;
    let mut replaced = None;
    if let Some((eid, score, key)) = &replacement {
        insert_assignment(
            &tx,
            r.id,
            it.id,
            *eid,
            *score,
            if r.mode == Mode::Draw { "redraw" } else { "reassign" },
            now,
        )
        .await?;
        tx.exec("INSERT INTO review_draw_log (round_id, item_id, expert_id, action, draw_key, actor, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)", vec![r.id.into(), it.id.into(), (*eid).into(), (if r.mode == Mode::Draw { "redraw" } else { "reassign" }).into(), key.clone().into(), actor.username.into(), now.into()]).await?;
        replaced = by_id.get(eid).map(|e| e.code.clone());
    }
    audit::append(&tx, Change { actor: actor.username, action: &format!("review.{status}"), entity: "review_assignment", entity_id: a.id.to_string(), before: serde_json::json!({ "status": "assigned" }), after: serde_json::json!({ "status": status, "reason": reason.trim(), "replacement": replaced }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(replaced)
}

/// An expert's scoring, saved as a draft or submitted.
pub struct ReviewInput {
    pub scores: BTreeMap<String, f64>,
    pub recommendation: String,
    pub comment: String,
    pub submit: bool,
    pub version: i64,
}

/// Saves an expert's review of their own assignment: only while the round is open, the deadline
/// not passed and the review not yet submitted; scores on the form's scales; a submission needs
/// every criterion, a recommendation and the comment. The assignment and its round are read
/// inside the write, so a round closed a moment before takes no more scores.
pub async fn save_review(
    db: &Db,
    assignment_id: i64,
    expert_user: i64,
    input: &ReviewInput,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<Option<f64>> {
    let me = by_user(db, expert_user).await?.ok_or(StoreError::NotFound)?;
    let tx = db.begin_write().await?;
    let a = tx
        .query_one(
            &format!("SELECT {ASSIGNMENT_COLS} FROM review_assignments WHERE id = ?"),
            vec![assignment_id.into()],
        )
        .await?
        .map(|r| assignment_from(&r))
        .transpose()?
        .ok_or(StoreError::NotFound)?;
    if a.expert_id != me.id {
        return Err(StoreError::NotFound);
    }
    let r = tx
        .query_one(
            &format!("SELECT {ROUND_COLS} FROM review_rounds WHERE id = ?"),
            vec![a.round_id.into()],
        )
        .await?
        .map(|r| round_from(&r))
        .transpose()?
        .ok_or(StoreError::NotFound)?;
    if !r.is_open() {
        return Err(refused("reviews.err.closed", vec![]));
    }
    if r.deadline_date().is_some_and(|d| today > d) {
        return Err(refused("reviews.err.deadline", vec![r.deadline.clone()]));
    }
    if a.status != "assigned" {
        return Err(refused(
            if a.status == "submitted" {
                "reviews.err.submitted"
            } else {
                "reviews.err.not_assigned"
            },
            vec![],
        ));
    }
    // Every score given must be on its scale, draft or not.
    for (code, &v) in &input.scores {
        let Some(c) = r.form.criteria.iter().find(|c| &c.code == code) else {
            return Err(refused("reviews.err.score", vec![code.clone(), "?".into()]));
        };
        let steps = v / c.step;
        if !v.is_finite() || v < 0.0 || v > c.max || (steps - steps.round()).abs() > 1e-6 {
            return Err(refused(
                "reviews.err.score",
                vec![c.name_zh.clone(), format!("0–{}", c.max)],
            ));
        }
    }
    let total = if input.submit {
        let t = r
            .form
            .total(&input.scores)
            .map_err(|e| refused("reviews.err.score", vec![e.field, e.message]))?;
        r.form
            .check_submission(&input.recommendation, &input.comment)
            .map_err(|e| refused("reviews.err.submission", vec![e.field, e.message]))?;
        Some(t)
    } else {
        r.form.total(&input.scores).ok()
    };
    let now = now_ms();
    let n = tx
        .exec(
            "UPDATE review_assignments SET scores = ?, total = ?, recommendation = ?, comment = ?, saved_at = ?, submitted_at = ?, status = ?, version = version + 1 WHERE id = ? AND version = ? AND status = 'assigned'",
            vec![
                serde_json::to_string(&input.scores).unwrap_or_default().into(),
                total.into(),
                input.recommendation.clone().into(),
                input.comment.clone().into(),
                now.into(),
                (if input.submit { now } else { 0 }).into(),
                (if input.submit { "submitted" } else { "assigned" }).into(),
                a.id.into(),
                input.version.into(),
            ],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: if input.submit { "review.submit" } else { "review.draft" },
            entity: "review_assignment",
            entity_id: a.id.to_string(),
            before: serde_json::json!({ "status": a.status }),
            after: serde_json::json!({ "total": total, "submitted": input.submit }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(total)
}

/// Marks every outstanding assignment of the round as reminded; returns how many.
pub async fn remind(db: &Db, round_id: i64, actor: Actor<'_>) -> Result<u64> {
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE review_assignments SET reminded_at = ? WHERE round_id = ? AND status = 'assigned'", vec![now_ms().into(), round_id.into()]).await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "review_round.remind",
            entity: "review_round",
            entity_id: round_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "reminded": n }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Closes the round: no more scoring; names and scores become visible to the panel.
pub async fn close_round(db: &Db, round_id: i64, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx.exec("UPDATE review_rounds SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'", vec![now_ms().into(), round_id.into()]).await?;
    if n == 0 {
        return Err(refused("reviews.err.closed", vec![]));
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "review_round.close",
            entity: "review_round",
            entity_id: round_id.to_string(),
            before: serde_json::json!({ "status": "open" }),
            after: serde_json::json!({ "status": "closed" }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disagreement is flagged from this spread of totals (points out of 100).
pub const SPREAD: f64 = 25.0;
/// A reviewer this far from the panels on average is an outlier.
pub const OUTLIER: f64 = 12.0;

/// The ranked list and the reviewers' deviations from submitted reviews.
pub async fn results(
    db: &Db,
    round_id: i64,
    method: Method,
) -> Result<(Vec<ItemResult>, Vec<Deviation>)> {
    let scored: Vec<Scored> = db
        .read("SELECT i.code, e.code, a.total FROM review_assignments a JOIN review_items i ON i.id = a.item_id JOIN experts e ON e.id = a.expert_id WHERE a.round_id = ? AND a.status = 'submitted' AND a.total IS NOT NULL", vec![round_id.into()], |r| {
            Ok(Scored { item: r.text(0)?, expert: r.text(1)?, total: r.opt_real(2)?.unwrap_or(0.0) })
        })
        .await?;
    Ok((scoring::aggregate(&scored, method, SPREAD), scoring::deviations(&scored, OUTLIER)))
}

/// An expert's record over every round: invitations, declines, conflicts, timeliness, deviation.
pub async fn performance(db: &Db, expert_id: i64) -> Result<Performance> {
    let mine = assignments_of_expert(db, expert_id).await?;
    let mut p = Performance { invited: mine.len(), ..Default::default() };
    let mut deadlines: HashMap<i64, Option<NaiveDate>> = HashMap::new();
    for a in &mine {
        match a.status.as_str() {
            "declined" => p.declined += 1,
            "conflict" => p.conflicts_declared += 1,
            "submitted" => {
                p.submitted += 1;
                if let std::collections::hash_map::Entry::Vacant(e) = deadlines.entry(a.round_id) {
                    e.insert(round(db, a.round_id).await?.and_then(|r| r.deadline_date()));
                }
                let submitted =
                    chrono::DateTime::from_timestamp_millis(a.submitted_at).map(|d| d.date_naive());
                if let (Some(Some(d)), Some(s)) = (deadlines.get(&a.round_id), submitted)
                    && s <= *d
                {
                    p.on_time += 1;
                }
            }
            _ => {}
        }
    }
    let code = get(db, expert_id).await?.map(|e| e.code).unwrap_or_default();
    let mut devs = Vec::new();
    for rid in deadlines.keys() {
        if let Some(d) =
            results(db, *rid, Method::Mean).await?.1.into_iter().find(|d| d.expert == code)
        {
            devs.extend(std::iter::repeat_n(d.mean_abs, d.n));
        }
    }
    if !devs.is_empty() {
        p.mean_abs_deviation =
            Some((devs.iter().sum::<f64>() / devs.len() as f64 * 100.0).round() / 100.0);
    }
    Ok(p)
}

/// The year the round counts in, from a date.
pub fn year_of(d: NaiveDate) -> i64 {
    i64::from(d.year())
}
