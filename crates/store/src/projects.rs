//! Programmes with yearly budgets, calls, and applications on their way through the three levels
//! and the three reviews: every change of stage checked by `core::projects::next`, the call's
//! deadlines and eligibility rules, written with its event and audit entry in one transaction.
//! Public notices, carrying out and closing are in [`execution`].
pub mod execution;
use crate::audit::{self, Change};
use crate::db::{Db, ReadRow, Result, StoreError, now_ms};
use crate::orgs::Actor;
use chrono::NaiveDate;
use innocity_core::projects::form::{AnswerError, ReviewPlan, Section, check_answers};
use innocity_core::projects::funding::{BudgetRules, Ledger, Line, check_budget, total_requested};
use innocity_core::projects::milestones::Milestone;
use innocity_core::projects::money::Money;
use innocity_core::projects::{
    self as rules, Action, Applicant, Deadlines, Eligibility, Failure, Level, Stage,
};
use sea_orm::Value;
use serde::Serialize;
use std::collections::BTreeMap;

fn refused(key: &'static str, args: Vec<String>) -> StoreError {
    StoreError::Refused { key, args }
}

// ---------------------------------------------------------------- programmes

#[derive(Debug, Clone, Serialize)]
pub struct Programme {
    pub id: i64,
    pub code: String,
    pub name: String,
}

pub async fn create_programme(
    db: &Db,
    code: &str,
    name: &str,
    budgets: &[(i64, Money)],
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    if tx.query_one("SELECT id FROM programmes WHERE code = ?", vec![code.into()]).await?.is_some()
    {
        return Err(refused("programmes.err.code_taken", vec![code.to_string()]));
    }
    let id = tx
        .insert(
            "INSERT INTO programmes (code, name, created_at) VALUES (?, ?, ?)",
            vec![code.into(), name.into(), now_ms().into()],
        )
        .await?;
    for (year, b) in budgets {
        tx.exec(
            "INSERT INTO programme_budgets (programme_id, year, budget_fen) VALUES (?, ?, ?)",
            vec![id.into(), (*year).into(), b.0.into()],
        )
        .await?;
    }
    audit::append(&tx, Change { actor: actor.username, action: "programme.create", entity: "programme", entity_id: id.to_string(), before: serde_json::json!({}), after: serde_json::json!({ "code": code, "name": name, "budgets": budgets.iter().map(|(y, b)| (y, b.0)).collect::<Vec<_>>() }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn programmes(db: &Db) -> Result<Vec<Programme>> {
    db.read("SELECT id, code, name FROM programmes ORDER BY code", vec![], |r| {
        Ok(Programme { id: r.int(0)?, code: r.text(1)?, name: r.text(2)? })
    })
    .await
}

/// Sets a programme's budget for a year; it may never fall below what is already committed.
pub async fn set_budget(
    db: &Db,
    programme_id: i64,
    year: i64,
    budget: Money,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    if tx
        .query_one("SELECT id FROM programmes WHERE id = ?", vec![programme_id.into()])
        .await?
        .is_none()
    {
        return Err(StoreError::NotFound);
    }
    let row = tx.query_one("SELECT budget_fen, committed_fen FROM programme_budgets WHERE programme_id = ? AND year = ?", vec![programme_id.into(), year.into()]).await?;
    let before: Option<(i64, i64)> = match row {
        Some(r) => Some((r.try_get_by_index(0)?, r.try_get_by_index(1)?)),
        None => None,
    };
    match before {
        Some((_, committed)) if budget.0 < committed => {
            return Err(refused(
                "programmes.err.below_committed",
                vec![Money(committed).wan_text()],
            ));
        }
        Some(_) => {
            tx.exec(
                "UPDATE programme_budgets SET budget_fen = ? WHERE programme_id = ? AND year = ?",
                vec![budget.0.into(), programme_id.into(), year.into()],
            )
            .await?
        }
        None => {
            tx.exec(
                "INSERT INTO programme_budgets (programme_id, year, budget_fen) VALUES (?, ?, ?)",
                vec![programme_id.into(), year.into(), budget.0.into()],
            )
            .await?
        }
    };
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "programme.budget",
            entity: "programme",
            entity_id: programme_id.to_string(),
            before: serde_json::json!({ "year": year, "budget": before.map(|b| b.0) }),
            after: serde_json::json!({ "year": year, "budget": budget.0 }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await
}

/// Every year's budget of a programme: (year, ledger).
pub async fn budgets(db: &Db, programme_id: i64) -> Result<Vec<(i64, Ledger)>> {
    db.read("SELECT year, budget_fen, committed_fen FROM programme_budgets WHERE programme_id = ? ORDER BY year", vec![programme_id.into()], |r| Ok((r.int(0)?, Ledger { budget: Money(r.int(1)?), committed: Money(r.int(2)?) }))).await
}

/// A programme's budget and commitments for a year.
pub async fn ledger(db: &Db, programme_id: i64, year: i64) -> Result<Option<Ledger>> {
    Ok(db
        .read("SELECT budget_fen, committed_fen FROM programme_budgets WHERE programme_id = ? AND year = ?", vec![programme_id.into(), year.into()], |r| Ok(Ledger { budget: Money(r.int(0)?), committed: Money(r.int(1)?) }))
        .await?
        .into_iter()
        .next())
}

// ---------------------------------------------------------------- calls

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

const CALL_COLS: &str = "id, programme_id, code, title, year, guidelines, topics, eligibility, budget_rules, applicant_deadline, organisation_deadline, zone_deadline, opens_on, status, form, review_plan";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

fn call_from(r: &dyn ReadRow) -> Result<Call> {
    let bad =
        |what: &str| StoreError::Invalid(format!("call {}: bad {what}", r.int(0).unwrap_or(0)));
    Ok(Call {
        id: r.int(0)?,
        programme_id: r.int(1)?,
        code: r.text(2)?,
        title: r.text(3)?,
        year: r.int(4)?,
        guidelines: r.text(5)?,
        topics: serde_json::from_str(&r.text(6)?).unwrap_or_default(),
        eligibility: serde_json::from_str(&r.text(7)?).map_err(|_| bad("eligibility"))?,
        budget_rules: serde_json::from_str(&r.text(8)?).map_err(|_| bad("budget rules"))?,
        deadlines: Deadlines {
            applicant: date(&r.text(9)?),
            organisation: date(&r.text(10)?),
            zone: date(&r.text(11)?),
        },
        opens_on: date(&r.text(12)?),
        status: r.text(13)?,
        form: serde_json::from_str(&r.text(14)?).map_err(|_| bad("form"))?,
        review_plan: {
            let t = r.text(15)?;
            if t.is_empty() {
                ReviewPlan::default()
            } else {
                serde_json::from_str(&t).map_err(|_| bad("review plan"))?
            }
        },
    })
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
        return Err(refused("calls.err.deadlines", vec![]));
    }
    if let Err(code) = c.review_plan.check() {
        return Err(refused("calls.err.plan", vec![code.to_string()]));
    }
    if ledger(db, c.programme_id, c.year).await?.is_none() {
        return Err(refused("apps.err.no_budget", vec![c.year.to_string()]));
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
        return Err(refused("calls.err.code_taken", vec![c.code.clone()]));
    }
    let id = tx
        .insert(
            &format!("INSERT INTO calls ({CALL_FIELDS}, code, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)"),
            [call_values(c), vec![c.code.clone().into(), actor.username.into(), now_ms().into()]].concat(),
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
    let before = match tx
        .query_one(&format!("SELECT {CALL_COLS} FROM calls WHERE id = ?"), vec![id.into()])
        .await?
    {
        Some(row) => call_from(&row)?,
        None => return Err(StoreError::NotFound),
    };
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
        return Err(refused("calls.err.applied", vec![applied.to_string()]));
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
    db.read(
        &format!("SELECT {CALL_COLS} FROM calls ORDER BY applicant_deadline DESC, id DESC"),
        vec![],
        call_from,
    )
    .await
}

pub async fn call(db: &Db, id: i64) -> Result<Option<Call>> {
    Ok(db
        .read(&format!("SELECT {CALL_COLS} FROM calls WHERE id = ?"), vec![id.into()], call_from)
        .await?
        .into_iter()
        .next())
}

// ---------------------------------------------------------------- applications

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: i64,
    pub call_id: i64,
    pub code: String,
    pub title: String,
    pub topic: String,
    pub summary: String,
    pub leader_user_id: i64,
    pub leader_name: String,
    /// The leader's identity number (for the credit check), as typed.
    pub leader_key: String,
    pub members: Vec<String>,
    pub organisation_id: i64,
    pub unit_path: String,
    pub budget: Vec<Line>,
    pub requested: Money,
    pub stage: Stage,
    pub reason: String,
    /// Codes of applications this one looks like (for staff).
    pub duplicate_of: String,
    pub granted: Money,
    pub submitted_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// The department review (部门审核): the staff's opinion and the funding they suggest.
    pub department_opinion: String,
    pub suggested: Money,
    /// Answers to the call's own form, by field label.
    pub answers: BTreeMap<String, String>,
}

const APP_COLS: &str = "id, call_id, code, title, topic, summary, leader_user_id, leader_name, leader_key, members, organisation_id, unit_path, budget, requested_fen, stage, reason, duplicate_of, granted_fen, submitted_at, updated_at, version, department_opinion, suggested_fen, answers";

fn app_from(r: &dyn ReadRow) -> Result<Application> {
    let stage = r.text(14)?;
    Ok(Application {
        id: r.int(0)?,
        call_id: r.int(1)?,
        code: r.text(2)?,
        title: r.text(3)?,
        topic: r.text(4)?,
        summary: r.text(5)?,
        leader_user_id: r.int(6)?,
        leader_name: r.text(7)?,
        leader_key: r.text(8)?,
        members: serde_json::from_str(&r.text(9)?).unwrap_or_default(),
        organisation_id: r.int(10)?,
        unit_path: r.text(11)?,
        budget: serde_json::from_str(&r.text(12)?).unwrap_or_default(),
        requested: Money(r.int(13)?),
        stage: Stage::parse(&stage)
            .ok_or_else(|| StoreError::Invalid(format!("unknown stage {stage}")))?,
        reason: r.text(15)?,
        duplicate_of: r.text(16)?,
        granted: Money(r.int(17)?),
        submitted_at: r.int(18)?,
        updated_at: r.int(19)?,
        version: r.int(20)?,
        department_opinion: r.text(21)?,
        suggested: Money(r.int(22)?),
        answers: serde_json::from_str(&r.text(23)?).unwrap_or_default(),
    })
}

pub async fn application(db: &Db, id: i64) -> Result<Option<Application>> {
    Ok(db
        .read(
            &format!("SELECT {APP_COLS} FROM applications WHERE id = ?"),
            vec![id.into()],
            app_from,
        )
        .await?
        .into_iter()
        .next())
}

/// Keeps the board's counts in step, in the caller's transaction: `n` applications with these
/// sums enter (or, negative, leave) a call's stage.
async fn count(
    tx: &crate::db::Tx,
    call_id: i64,
    stage: Stage,
    n: i64,
    requested: Money,
    granted: Money,
) -> Result<()> {
    tx.exec(
        "INSERT INTO application_counts (call_id, stage, n, requested_fen, granted_fen) VALUES (?, ?, ?, ?, ?) ON CONFLICT (call_id, stage) DO UPDATE SET n = application_counts.n + excluded.n, requested_fen = application_counts.requested_fen + excluded.requested_fen, granted_fen = application_counts.granted_fen + excluded.granted_fen",
        vec![call_id.into(), stage.code().into(), n.into(), requested.0.into(), granted.0.into()],
    )
    .await?;
    Ok(())
}

/// Recomputes the board's counts from the applications (after bulk loads and restores).
pub async fn recount(db: &Db) -> Result<()> {
    let tx = db.begin_write().await?;
    tx.exec("DELETE FROM application_counts", vec![]).await?;
    tx.exec("INSERT INTO application_counts (call_id, stage, n, requested_fen, granted_fen) SELECT call_id, stage, COUNT(*), CAST(COALESCE(SUM(requested_fen), 0) AS BIGINT), CAST(COALESCE(SUM(granted_fen), 0) AS BIGINT) FROM applications GROUP BY call_id, stage", vec![]).await?;
    tx.commit().await
}

/// Who is looking: the list shows what their role and scope reach.
pub enum Reach<'a> {
    Leader(i64),
    Organisation(i64),
    Subtree(&'a str),
    All,
}

pub async fn applications(
    db: &Db,
    reach: Reach<'_>,
    call_id: Option<i64>,
    stage: Option<Stage>,
) -> Result<Vec<Application>> {
    let mut sql = format!("SELECT {APP_COLS} FROM applications WHERE 1 = 1");
    let mut params: Vec<Value> = vec![];
    match reach {
        Reach::Leader(u) => {
            sql.push_str(" AND leader_user_id = ?");
            params.push(u.into());
        }
        Reach::Organisation(o) => {
            sql.push_str(" AND organisation_id = ?");
            params.push(o.into());
        }
        Reach::Subtree(path) => {
            let (lo, hi) = crate::orgs::subtree_bounds(path);
            sql.push_str(" AND unit_path >= ? AND unit_path < ?");
            params.extend([lo.into(), hi.into()]);
        }
        Reach::All => {}
    }
    if let Some(c) = call_id {
        sql.push_str(" AND call_id = ?");
        params.push(c.into());
    }
    if let Some(s) = stage {
        sql.push_str(" AND stage = ?");
        params.push(s.code().into());
    }
    sql.push_str(" ORDER BY code");
    db.read(&sql, params, app_from).await
}

/// What an applicant types.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub title: String,
    pub topic: String,
    pub summary: String,
    pub leader_name: String,
    pub leader_key: String,
    pub members: Vec<String>,
    pub budget: Vec<Line>,
    pub answers: BTreeMap<String, String>,
}

/// Checks a draft against the call: the field at fault and the message key.
pub fn check_draft(
    call: &Call,
    d: &Draft,
) -> std::result::Result<(), (String, &'static str, Vec<String>)> {
    if d.title.trim().chars().count() < 4 || d.title.chars().count() > 100 {
        return Err(("title".into(), "apps.err.title", vec![]));
    }
    if !call.topics.is_empty() && !call.topics.contains(&d.topic) {
        return Err(("topic".into(), "err.choose", vec![]));
    }
    if d.summary.chars().count() > 20_000 {
        return Err(("summary".into(), "err.too_long", vec!["20000".into()]));
    }
    if d.leader_name.trim().is_empty() {
        return Err(("leader_name".into(), "err.required", vec![]));
    }
    if !id_number_ok(&d.leader_key) {
        return Err(("leader_key".into(), "apps.err.id_number", vec![]));
    }
    if let Err(e) = check_budget(&d.budget, &call.budget_rules) {
        let key = match e.code {
            "unknown_category" => "apps.err.budget.unknown_category",
            "twice" => "apps.err.budget.twice",
            "negative" => "apps.err.budget.negative",
            "nothing" => "apps.err.budget.nothing",
            "over_limit" => "apps.err.budget.over_limit",
            "indirect" => "apps.err.budget.indirect",
            _ => "apps.err.budget.co_funding",
        };
        return Err((format!("budget.{}", e.field), key, e.args));
    }
    if let Some(e) = check_answers(&call.form, &d.answers, false).into_iter().next() {
        return Err(answer_refusal(e));
    }
    Ok(())
}

/// An answer that does not fit the call's form: the field (`q.<label>`), the key and its argument.
fn answer_refusal(e: AnswerError) -> (String, &'static str, Vec<String>) {
    let key = match e.code {
        "required" => "apps.err.answer_required",
        "too_long" => "apps.err.answer_long",
        "number" => "apps.err.answer_number",
        "range" => "apps.err.answer_range",
        "date" => "apps.err.answer_date",
        "choice" => "apps.err.answer_choice",
        _ => "apps.err.answer_unknown",
    };
    (format!("q.{}", e.field), key, vec![e.arg])
}

/// A resident identity number (GB 11643-1999): 17 digits and a check character.
pub fn id_number_ok(s: &str) -> bool {
    let s = s.trim().to_uppercase();
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17].iter().zip(W).map(|(c, w)| u32::from(c - b'0') * w).sum();
    b[17] == b"10X98765432"[(sum % 11) as usize]
}

/// Who applies: the researcher who leads the application, and their organisation.
#[derive(Debug, Clone, Copy)]
pub struct DraftLead<'a> {
    pub leader_user_id: i64,
    pub organisation_id: i64,
    pub unit_path: &'a str,
}

/// A new draft by the signed-in researcher for their organisation.
pub async fn create_draft(
    db: &Db,
    call: &Call,
    d: &Draft,
    lead: DraftLead<'_>,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<i64> {
    let DraftLead { leader_user_id, organisation_id, unit_path } = lead;
    if call.status != "open" || today < call.opens_on || today > call.deadlines.applicant {
        return Err(refused("apps.err.call_closed", vec![call.deadlines.applicant.to_string()]));
    }
    if let Err((field, key, args)) = check_draft(call, d) {
        return Err(StoreError::Refused { key, args: [vec![field], args].concat() });
    }
    let tx = db.begin_write().await?;
    let n: i64 = tx
        .query_one("SELECT COUNT(*) FROM applications WHERE call_id = ?", vec![call.id.into()])
        .await?
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or(0);
    let code = format!("{}-{:04}", call.code, n + 1);
    let now = now_ms();
    let id = tx
        .insert(
            "INSERT INTO applications (call_id, code, title, topic, summary, leader_user_id, leader_name, leader_key, members, organisation_id, unit_path, budget, requested_fen, stage, reason, duplicate_of, created_at, updated_at, submitted_at, answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', '', '', ?, ?, 0, ?)",
            vec![
                call.id.into(),
                code.clone().into(),
                d.title.trim().into(),
                d.topic.clone().into(),
                d.summary.clone().into(),
                leader_user_id.into(),
                d.leader_name.trim().into(),
                d.leader_key.trim().to_uppercase().into(),
                serde_json::to_string(&d.members).unwrap_or_default().into(),
                organisation_id.into(),
                unit_path.into(),
                serde_json::to_string(&d.budget).unwrap_or_default().into(),
                total_requested(&d.budget).0.into(),
                now.into(),
                now.into(),
                serde_json::to_string(&d.answers).unwrap_or_default().into(),
            ],
        )
        .await?;
    count(&tx, call.id, Stage::Draft, 1, total_requested(&d.budget), Money::ZERO).await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "application.create",
            entity: "application",
            entity_id: id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "code": code, "title": d.title }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves the leader's changes to a draft (optimistic on `version`).
pub async fn update_draft(
    db: &Db,
    id: i64,
    d: &Draft,
    version: i64,
    leader_user_id: i64,
    actor: Actor<'_>,
) -> Result<()> {
    let a = application(db, id).await?.ok_or(StoreError::NotFound)?;
    if a.leader_user_id != leader_user_id {
        return Err(StoreError::NotFound);
    }
    if !a.stage.editable() {
        return Err(refused("apps.err.not_editable", vec![]));
    }
    let c = call(db, a.call_id).await?.ok_or(StoreError::NotFound)?;
    if let Err((field, key, args)) = check_draft(&c, d) {
        return Err(StoreError::Refused { key, args: [vec![field], args].concat() });
    }
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE applications SET title = ?, topic = ?, summary = ?, leader_name = ?, leader_key = ?, members = ?, budget = ?, requested_fen = ?, answers = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ? AND stage = 'draft'",
            vec![
                d.title.trim().into(),
                d.topic.clone().into(),
                d.summary.clone().into(),
                d.leader_name.trim().into(),
                d.leader_key.trim().to_uppercase().into(),
                serde_json::to_string(&d.members).unwrap_or_default().into(),
                serde_json::to_string(&d.budget).unwrap_or_default().into(),
                total_requested(&d.budget).0.into(),
                serde_json::to_string(&d.answers).unwrap_or_default().into(),
                now_ms().into(),
                id.into(),
                version.into(),
            ],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    count(
        &tx,
        a.call_id,
        Stage::Draft,
        0,
        Money(total_requested(&d.budget).0 - a.requested.0),
        Money::ZERO,
    )
    .await?;
    audit::append(&tx, Change { actor: actor.username, action: "application.edit", entity: "application", entity_id: id.to_string(), before: serde_json::json!({ "title": a.title, "requested": a.requested.0 }), after: serde_json::json!({ "title": d.title, "requested": total_requested(&d.budget).0 }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(())
}

/// The facts the call's eligibility rules look at, read now.
pub async fn applicant_facts(db: &Db, a: &Application, today: NaiveDate) -> Result<Applicant> {
    let org = crate::orgs::get(db, a.organisation_id).await?.ok_or(StoreError::NotFound)?;
    let day = today.format("%Y-%m-%d").to_string();
    let qualifications = db.read("SELECT code FROM organisation_qualifications WHERE organisation_id = ? AND valid_until >= ?", vec![a.organisation_id.into(), day.into()], |r| r.text(0)).await?;
    let ongoing = db
        .read("SELECT COUNT(*) FROM applications WHERE leader_key = ? AND stage = 'established' AND id <> ?", vec![a.leader_key.clone().into(), a.id.into()], |r| r.int(0))
        .await?
        .first()
        .copied()
        .unwrap_or(0);
    let barred = |e: innocity_core::credit::Eligibility| {
        e.deciding.map(|r| format!("{}（{}）", r.kind, r.source))
    };
    Ok(Applicant {
        org_kind: org.kind.clone(),
        unit_path: org.unit_path.clone(),
        qualifications,
        ongoing_projects: ongoing as u32,
        leader_barred: barred(crate::credit::check(db, &a.leader_key, today).await?),
        organisation_barred: barred(crate::credit::check(db, &org.credit_code, today).await?),
    })
}

/// The rules the application misses today (empty when eligible).
pub async fn eligibility(
    db: &Db,
    a: &Application,
    call: &Call,
    today: NaiveDate,
) -> Result<Vec<Failure>> {
    Ok(call.eligibility.check(&applicant_facts(db, a, today).await?))
}

/// Flags possible duplicates among a call's submitted applications (查重), for staff: the same
/// leader with similar titles or texts, or very similar titles. Run by staff on a call (and by
/// the demo), not on each submission, so submitting stays fast however large the call. Candidate
/// pairs come from an inverted index of title bigrams (bigrams common to more than 2 % of the
/// titles are skipped) and from leader groups; each candidate is then compared exactly. Returns
/// how many applications were flagged.
pub async fn flag_duplicates(db: &Db, call_id: i64, actor: Actor<'_>) -> Result<usize> {
    use std::collections::{HashMap, HashSet};
    let apps = db
        .read("SELECT id, code, title, summary, leader_key FROM applications WHERE call_id = ? AND stage NOT IN ('draft', 'withdrawn') ORDER BY id", vec![call_id.into()], |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.text(3)?, r.text(4)?)))
        .await?;
    let grams: Vec<HashSet<(char, char)>> = apps
        .iter()
        .map(|a| {
            a.2.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<Vec<_>>()
                .windows(2)
                .map(|w| (w[0], w[1]))
                .collect()
        })
        .collect();
    let mut index: HashMap<(char, char), Vec<usize>> = HashMap::new();
    for (k, g) in grams.iter().enumerate() {
        for b in g {
            index.entry(*b).or_default().push(k);
        }
    }
    let common = (apps.len() / 50).max(20);
    let mut pairs: HashSet<(usize, usize)> = HashSet::new();
    for list in index.values().filter(|l| l.len() <= common) {
        for (x, &i) in list.iter().enumerate() {
            for &j in &list[x + 1..] {
                pairs.insert((i, j));
            }
        }
    }
    let mut by_leader: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, a) in apps.iter().enumerate() {
        by_leader.entry(a.4.as_str()).or_default().push(k);
    }
    for list in by_leader.values() {
        for (x, &i) in list.iter().enumerate() {
            for &j in &list[x + 1..] {
                pairs.insert((i, j));
            }
        }
    }
    let mut flags: HashMap<usize, Vec<String>> = HashMap::new();
    for (i, j) in pairs {
        let (a, b) = (&apps[i], &apps[j]);
        if rules::looks_duplicate(a.4 == b.4, &a.2, &b.2, &a.3, &b.3).is_some() {
            flags.entry(i).or_default().push(b.1.clone());
            flags.entry(j).or_default().push(a.1.clone());
        }
    }
    let tx = db.begin_write().await?;
    tx.exec("UPDATE applications SET duplicate_of = '' WHERE call_id = ?", vec![call_id.into()])
        .await?;
    for (k, mut codes) in flags.iter().map(|(k, v)| (*k, v.clone())) {
        codes.sort();
        codes.truncate(10);
        tx.exec(
            "UPDATE applications SET duplicate_of = ? WHERE id = ?",
            vec![codes.join(",").into(), apps[k].0.into()],
        )
        .await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "call.duplicates",
            entity: "call",
            entity_id: call_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "flagged": flags.len(), "compared": apps.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(flags.len())
}

/// The move asked of an application, for [`act`]: the action, at which level, and why (required
/// for some actions).
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    pub action: Action,
    pub level: Level,
    pub reason: &'a str,
}

/// A decision with its amount, for [`act`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Decision {
    pub grant: Money,
}

/// Moves an application by `action` at `level`: the stage machine, the level's deadline, the
/// eligibility rules on submission (every rule missed is named), duplicate flags, and for an
/// approval the programme's budget (never overspent) — the change, its event and its audit entry
/// in one transaction, or nothing. `version` guards against double clicks and stale pages.
pub async fn act(
    db: &Db,
    id: i64,
    step: Move<'_>,
    version: i64,
    decision: Decision,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<Stage> {
    let Move { action, level, reason } = step;
    let a = application(db, id).await?.ok_or(StoreError::NotFound)?;
    let c = call(db, a.call_id).await?.ok_or(StoreError::NotFound)?;
    if a.version != version {
        return Err(StoreError::Stale);
    }
    let to = rules::next(a.stage, action, level, reason).map_err(|e| match e {
        rules::StageError::ReasonRequired => refused("apps.err.reason", vec![]),
        rules::StageError::NotAllowed { from, action } => {
            refused("apps.err.stage", vec![from.into(), action.into()])
        }
        rules::StageError::WrongLevel { .. } => StoreError::NotFound,
    })?;
    if let Some(deadline) = c.deadlines.for_action(action, level)
        && today > deadline
    {
        return Err(refused(
            "apps.err.deadline",
            vec![deadline.format("%Y年%m月%d日").to_string()],
        ));
    }
    if action == Action::Submit {
        if let Some(e) = check_answers(&c.form, &a.answers, true).into_iter().next() {
            let (field, key, args) = answer_refusal(e);
            return Err(StoreError::Refused { key, args: [vec![field], args].concat() });
        }
        let missed = eligibility(db, &a, &c, today).await?;
        if let Some(f) = missed.first() {
            return Err(refused(
                "apps.err.eligibility",
                vec![f.rule.to_string(), f.detail.clone(), missed.len().to_string()],
            ));
        }
    }
    if action == Action::Establish {
        execution::establish_check(db, &a, today).await?;
    }
    let tx = db.begin_write().await?;
    apply(&tx, &a, &c, action, to, reason, decision, actor).await?;
    tx.commit().await?;
    Ok(to)
}

/// Writes a checked change of stage in the caller's transaction: the programme's ledger for
/// approvals (and for an approval undone by an upheld objection), the board's counts, the event
/// and the audit entry.
#[allow(clippy::too_many_arguments)]
async fn apply(
    tx: &crate::db::Tx,
    a: &Application,
    c: &Call,
    action: Action,
    to: Stage,
    reason: &str,
    decision: Decision,
    actor: Actor<'_>,
) -> Result<()> {
    let id = a.id;
    let version = a.version;
    let duplicate_of = a.duplicate_of.clone();
    if action == Action::Reject && a.stage == Stage::Approved {
        // The money goes back to the programme.
        tx.exec("UPDATE programme_budgets SET committed_fen = committed_fen - ? WHERE programme_id = ? AND year = ?", vec![a.granted.0.into(), c.programme_id.into(), c.year.into()]).await?;
    }
    if action == Action::Approve {
        if decision.grant.0 <= 0 || decision.grant > a.requested {
            return Err(refused("apps.err.grant", vec![a.requested.wan_text()]));
        }
        let row = tx.query_one("SELECT budget_fen, committed_fen FROM programme_budgets WHERE programme_id = ? AND year = ?", vec![c.programme_id.into(), c.year.into()]).await?;
        let Some(row) = row else {
            return Err(refused("apps.err.no_budget", vec![c.year.to_string()]));
        };
        let l = Ledger {
            budget: Money(row.try_get_by_index(0)?),
            committed: Money(row.try_get_by_index(1)?),
        };
        let after = l.commit(decision.grant).map_err(|over| {
            refused("apps.err.overspent", vec![over.wan_text(), l.available().wan_text()])
        })?;
        tx.exec("UPDATE programme_budgets SET committed_fen = ? WHERE programme_id = ? AND year = ? AND committed_fen = ?", vec![after.committed.0.into(), c.programme_id.into(), c.year.into(), l.committed.0.into()]).await?;
    }
    let now = now_ms();
    let granted = match action {
        Action::Approve => decision.grant,
        Action::Reject => Money::ZERO,
        _ => a.granted,
    };
    let n = tx
        .exec(
            "UPDATE applications SET stage = ?, reason = ?, duplicate_of = ?, granted_fen = ?, submitted_at = CASE WHEN ? = 'submit' THEN ? ELSE submitted_at END, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
            vec![to.code().into(), reason.trim().into(), duplicate_of.into(), granted.0.into(), action.code().into(), now.into(), now.into(), id.into(), version.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    count(tx, a.call_id, a.stage, -1, Money(-a.requested.0), Money(-a.granted.0)).await?;
    count(tx, a.call_id, to, 1, a.requested, granted).await?;
    tx.exec(
        "INSERT INTO application_events (application_id, action, from_stage, to_stage, reason, actor, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![id.into(), action.code().into(), a.stage.code().into(), to.code().into(), reason.trim().into(), actor.username.into(), now.into()],
    )
    .await?;
    audit::append(tx, Change { actor: actor.username, action: &format!("application.{}", action.code()), entity: "application", entity_id: id.to_string(), before: serde_json::json!({ "stage": a.stage.code() }), after: serde_json::json!({ "stage": to.code(), "reason": reason.trim(), "grant": granted.0 }), request_id: actor.request_id }).await?;
    Ok(())
}

/// The department review (部门审核) of a reviewed application: the staff's opinion and the
/// funding they suggest to the decision meeting (at most what was requested).
pub async fn department_review(
    db: &Db,
    id: i64,
    opinion: &str,
    suggested: Money,
    version: i64,
    actor: Actor<'_>,
) -> Result<()> {
    let a = application(db, id).await?.ok_or(StoreError::NotFound)?;
    if !matches!(a.stage, Stage::Reviewed | Stage::Reserved) {
        return Err(refused(
            "apps.err.stage",
            vec![a.stage.code().into(), "department_review".into()],
        ));
    }
    if opinion.trim().chars().count() < 4 {
        return Err(refused("apps.err.reason", vec![]));
    }
    if suggested > a.requested {
        return Err(refused("apps.err.grant", vec![a.requested.wan_text()]));
    }
    let tx = db.begin_write().await?;
    let now = now_ms();
    let n = tx.exec("UPDATE applications SET department_opinion = ?, suggested_fen = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?", vec![opinion.trim().into(), suggested.0.into(), now.into(), id.into(), version.into()]).await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let text = format!("建议资助 {} 万元。{}", suggested.wan_text(), opinion.trim());
    tx.exec("INSERT INTO application_events (application_id, action, from_stage, to_stage, reason, actor, at_ms) VALUES (?, 'department_review', ?, ?, ?, ?, ?)", vec![id.into(), a.stage.code().into(), a.stage.code().into(), text.into(), actor.username.into(), now.into()]).await?;
    audit::append(&tx, Change { actor: actor.username, action: "application.department_review", entity: "application", entity_id: id.to_string(), before: serde_json::json!({ "opinion": a.department_opinion, "suggested": a.suggested.0 }), after: serde_json::json!({ "opinion": opinion.trim(), "suggested": suggested.0 }), request_id: actor.request_id }).await?;
    tx.commit().await
}

/// The expert review of an application: its result in each closed or open round of its call
/// (round name, rank among the round's items, number of reviews, mean score, disagreement).
pub async fn review_scores(
    db: &Db,
    a: &Application,
) -> Result<Vec<(String, usize, usize, f64, bool)>> {
    let mut out = Vec::new();
    for r in call_rounds(db, a.call_id).await? {
        let (items, _) =
            crate::experts::results(db, r.id, innocity_core::experts::scoring::Method::Mean)
                .await?;
        if let Some(i) = items.iter().find(|i| i.item == a.code) {
            out.push((r.name.clone(), i.rank, i.n, i.mean, i.disagreement));
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub action: String,
    pub from_stage: String,
    pub to_stage: String,
    pub reason: String,
    pub actor: String,
    pub at_ms: i64,
}

pub async fn events(db: &Db, application_id: i64) -> Result<Vec<Event>> {
    db.read("SELECT action, from_stage, to_stage, reason, actor, at_ms FROM application_events WHERE application_id = ? ORDER BY id", vec![application_id.into()], |r| {
        Ok(Event { action: r.text(0)?, from_stage: r.text(1)?, to_stage: r.text(2)?, reason: r.text(3)?, actor: r.text(4)?, at_ms: r.int(5)? })
    })
    .await
}

/// The bureau's board: applications per call and stage, with money requested and granted — read
/// from counts kept in step with every change, so it costs the same for 400 or 400,000.
#[derive(Debug, Clone, Serialize)]
pub struct BoardRow {
    pub call_id: i64,
    pub stage: String,
    pub n: i64,
    pub requested: Money,
    pub granted: Money,
}

pub async fn board(db: &Db) -> Result<Vec<BoardRow>> {
    db.read("SELECT call_id, stage, n, requested_fen, granted_fen FROM application_counts WHERE n <> 0 ORDER BY call_id, stage", vec![], |r| {
        Ok(BoardRow { call_id: r.int(0)?, stage: r.text(1)?, n: r.int(2)?, requested: Money(r.int(3)?), granted: Money(r.int(4)?) })
    })
    .await
}

// ---------------------------------------------------------------- task books and money

use innocity_core::projects::funding::{Condition, Instalment, ReleaseError, schedule};

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
}

impl TaskBook {
    pub fn starts(&self) -> NaiveDate {
        date(&self.starts_on)
    }
    pub fn ends(&self) -> NaiveDate {
        date(&self.ends_on)
    }
}

const BOOK_COLS: &str = "goals, deliverables, starts_on, ends_on, post_subsidy, signed_by, signed_at, budget, status, status_reason, extended, version, milestones";

fn book_from(r: &dyn ReadRow) -> Result<TaskBook> {
    let status = r.text(8)?;
    Ok(TaskBook {
        goals: r.text(0)?,
        deliverables: serde_json::from_str(&r.text(1)?).unwrap_or_default(),
        starts_on: r.text(2)?,
        ends_on: r.text(3)?,
        post_subsidy: r.int(4)? != 0,
        signed_by: r.text(5)?,
        signed_at: r.int(6)?,
        budget: serde_json::from_str(&r.text(7)?).unwrap_or_default(),
        status: innocity_core::projects::execution::Status::parse(&status)
            .ok_or_else(|| StoreError::Invalid(format!("unknown project status {status}")))?,
        status_reason: r.text(9)?,
        extended: r.int(10)? != 0,
        version: r.int(11)?,
        milestones: serde_json::from_str(&r.text(12)?).unwrap_or_default(),
    })
}

pub async fn task_book(db: &Db, application_id: i64) -> Result<Option<TaskBook>> {
    Ok(db
        .read(
            &format!("SELECT {BOOK_COLS} FROM task_books WHERE application_id = ?"),
            vec![application_id.into()],
            book_from,
        )
        .await?
        .into_iter()
        .next())
}

/// Signs the task book of an established project and lays out its payment schedule (50/30/20,
/// or one sum after verification for a post-subsidy project); signing is the first condition.
#[allow(clippy::too_many_arguments)]
pub async fn sign_task_book(
    db: &Db,
    application_id: i64,
    goals: &str,
    deliverables: &[String],
    milestones: &[Milestone],
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    post_subsidy: bool,
    actor: Actor<'_>,
) -> Result<()> {
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    if a.stage != Stage::Established {
        return Err(refused("projects.err.not_established", vec![]));
    }
    if goals.trim().is_empty() || deliverables.is_empty() {
        return Err(refused("projects.err.task_book", vec![]));
    }
    if ends_on <= starts_on {
        return Err(refused("projects.err.period", vec![]));
    }
    if milestones.iter().any(|m| m.due_on < starts_on || m.due_on > ends_on)
        || milestones.windows(2).any(|w| w[0].due_on > w[1].due_on)
    {
        return Err(refused("projects.err.milestones", vec![]));
    }
    let tx = db.begin_write().await?;
    let now = now_ms();
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
async fn condition_in(
    tx: &crate::db::Tx,
    application_id: i64,
    condition: Condition,
    opinion: &str,
    actor: Actor<'_>,
) -> Result<()> {
    tx.exec("INSERT INTO project_conditions (application_id, condition, opinion, approved_by, approved_at) VALUES (?, ?, ?, ?, ?)", vec![application_id.into(), condition.code().into(), opinion.trim().into(), actor.username.into(), now_ms().into()]).await?;
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

pub async fn conditions(
    db: &Db,
    application_id: i64,
) -> Result<Vec<(Condition, String, String, i64)>> {
    Ok(db
        .read("SELECT condition, opinion, approved_by, approved_at FROM project_conditions WHERE application_id = ? ORDER BY approved_at", vec![application_id.into()], |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.int(3)?)))
        .await?
        .into_iter()
        .filter_map(|(c, o, b, t)| Condition::parse(&c).map(|c| (c, o, b, t)))
        .collect())
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

pub async fn instalments(db: &Db, application_id: i64) -> Result<Vec<InstalmentRow>> {
    Ok(db
        .read("SELECT id, seq, condition, amount_fen, prepared_by, prepared_at, released_by, released_at, cancelled FROM instalments WHERE application_id = ? ORDER BY seq", vec![application_id.into()], |r| Ok((r.int(0)?, r.int(1)?, r.text(2)?, r.int(3)?, r.text(4)?, r.int(5)?, r.text(6)?, r.int(7)?, r.int(8)? != 0)))
        .await?
        .into_iter()
        .filter_map(|(id, seq, c, amount, pb, pa, rb, ra, cancelled)| {
            let instalment = Instalment { condition: Condition::parse(&c)?, amount: Money(amount), prepared_by: (!pb.is_empty()).then_some(pb), released_by: (!rb.is_empty()).then_some(rb) };
            Some(InstalmentRow { id, seq, instalment, prepared_at: pa, released_at: ra, cancelled })
        })
        .collect())
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
        return Err(refused("projects.err.cancelled", vec![]));
    }
    if let Some(book) = tx
        .query_one(
            &format!("SELECT {BOOK_COLS} FROM task_books WHERE application_id = ?"),
            vec![app_id.into()],
        )
        .await?
    {
        let book = book_from(&book)?;
        if !book.status.pays() {
            return Err(refused("projects.err.not_paying", vec![book.status.code().into()]));
        }
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
        ReleaseError::ConditionNotMet => {
            refused("projects.err.condition", vec![condition.code().into()])
        }
        ReleaseError::SamePerson => refused("projects.err.same_person", vec![]),
        ReleaseError::NotPrepared => refused("projects.err.not_prepared", vec![]),
        ReleaseError::AlreadyReleased => refused("projects.err.released", vec![]),
    })?;
    let now = now_ms();
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

// ---------------------------------------------------------------- attachments

#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub application_id: i64,
    pub name: String,
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

const ATT_COLS: &str =
    "id, application_id, name, kind, content_type, size, sha256, uploaded_by, uploaded_at";

fn att_from(r: &dyn ReadRow) -> Result<Attachment> {
    Ok(Attachment {
        id: r.int(0)?,
        application_id: r.int(1)?,
        name: r.text(2)?,
        kind: r.text(3)?,
        content_type: r.text(4)?,
        size: r.int(5)?,
        sha256: r.text(6)?,
        uploaded_by: r.text(7)?,
        uploaded_at: r.int(8)?,
    })
}

pub async fn attachments(db: &Db, application_id: i64) -> Result<Vec<Attachment>> {
    db.read(
        &format!("SELECT {ATT_COLS} FROM attachments WHERE application_id = ? ORDER BY id"),
        vec![application_id.into()],
        att_from,
    )
    .await
}

/// Where a file with this digest lives: content-addressed, outside the web root.
pub(crate) fn file_path(dir: &std::path::Path, sha: &str) -> std::path::PathBuf {
    dir.join(&sha[..2]).join(sha)
}

/// Writes the bytes durably (temporary file, fsync, rename, fsync of the folder) before the row
/// that points at them is committed: an acknowledged upload survives a crash, and a crash before
/// the commit leaves at most an unreferenced file.
pub(crate) fn store_file(dir: &std::path::Path, sha: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let path = file_path(dir, sha);
    if path.exists() {
        return Ok(());
    }
    let folder = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(folder)?;
    let tmp = folder.join(format!(".{sha}.{}", crate::users::random_token()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(folder)?.sync_all()?;
    Ok(())
}

/// Checks an uploaded file (kind by name and content) and writes it durably by its digest before
/// any row points at it: its content type, SHA-256 and a safe name.
async fn checked_upload(
    files: &std::path::Path,
    name: &str,
    bytes: &[u8],
) -> Result<(&'static str, String, String)> {
    use sha2::Digest;
    let content_type = rules::sniff(name, bytes).map_err(|e| {
        refused(
            match e {
                rules::FileError::Empty => "apps.err.file_empty",
                rules::FileError::TooLarge => "apps.err.file_large",
                rules::FileError::Type => "apps.err.file_type",
                rules::FileError::Disguised => "apps.err.file_disguised",
            },
            vec![name.to_string()],
        )
    })?;
    let sha = hex::encode(sha2::Sha256::digest(bytes));
    let (dir, sha2, data) = (files.to_path_buf(), sha.clone(), bytes.to_vec());
    tokio::task::spawn_blocking(move || store_file(&dir, &sha2, &data))
        .await
        .map_err(|e| StoreError::Invalid(e.to_string()))??;
    let safe_name: String =
        name.chars().filter(|c| !c.is_control() && !"/\\\\".contains(*c)).take(120).collect();
    Ok((content_type, sha, safe_name))
}

/// Reads a stored file back, checked against its digest.
async fn read_stored(files: &std::path::Path, sha: &str, what: &str) -> Result<Vec<u8>> {
    use sha2::Digest;
    let bytes = tokio::fs::read(file_path(files, sha)).await?;
    if hex::encode(sha2::Sha256::digest(&bytes)) != sha {
        return Err(StoreError::Invalid(format!("{what}: the file does not match its digest")));
    }
    Ok(bytes)
}

/// A file to attach: its name, its kind (what the call asks it to be) and its content.
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub bytes: &'a [u8],
}

/// Adds a checked file to a draft the uploader leads. The stage is checked again inside the
/// write: a draft submitted meanwhile takes no more files.
pub async fn add_attachment(
    db: &Db,
    files: &std::path::Path,
    application_id: i64,
    leader_user_id: i64,
    file: NewAttachment<'_>,
    actor: Actor<'_>,
) -> Result<i64> {
    let NewAttachment { name, kind, bytes } = file;
    let a = application(db, application_id).await?.ok_or(StoreError::NotFound)?;
    if a.leader_user_id != leader_user_id {
        return Err(StoreError::NotFound);
    }
    if !a.stage.editable() {
        return Err(refused("apps.err.not_editable", vec![]));
    }
    let fixed: Vec<Stage> = Stage::ALL.into_iter().filter(|s| !s.editable()).collect();
    let sql = format!(
        "SELECT id FROM applications WHERE id = ? AND stage IN ({})",
        vec!["?"; fixed.len()].join(", ")
    );
    let values: Vec<Value> = std::iter::once(application_id.into())
        .chain(fixed.iter().map(|s| s.code().into()))
        .collect();
    store_attachment(
        db,
        files,
        application_id,
        name,
        kind,
        bytes,
        "application.attach",
        Some((&sql, values, refused("apps.err.not_editable", vec![]))),
        actor,
    )
    .await
}

/// Checks and keeps a file of an application or project under `kind` (`attachment`, or a
/// report's `report:<kind>:<seq>`), with its audit entry; the same file again under the same
/// kind (a retried or double-clicked upload) is the same attachment. `closed_if` is a query run
/// inside the write: when it finds a row, what the file belongs to has closed (`refusal`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn store_attachment(
    db: &Db,
    files: &std::path::Path,
    application_id: i64,
    name: &str,
    kind: &str,
    bytes: &[u8],
    audit_action: &str,
    closed_if: Option<(&str, Vec<Value>, StoreError)>,
    actor: Actor<'_>,
) -> Result<i64> {
    let (content_type, sha, safe_name) = checked_upload(files, name, bytes).await?;
    let tx = db.begin_write().await?;
    if let Some((sql, values, refusal)) = closed_if
        && tx.query_one(sql, values).await?.is_some()
    {
        return Err(refusal);
    }
    if let Some(row) = tx
        .query_one(
            "SELECT id FROM attachments WHERE application_id = ? AND sha256 = ? AND kind = ?",
            vec![application_id.into(), sha.clone().into(), kind.into()],
        )
        .await?
    {
        return Ok(row.try_get_by_index(0)?);
    }
    let id = tx
        .insert(
            "INSERT INTO attachments (application_id, name, kind, content_type, size, sha256, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![application_id.into(), safe_name.clone().into(), kind.into(), content_type.into(), (bytes.len() as i64).into(), sha.clone().into(), actor.username.into(), now_ms().into()],
        )
        .await?;
    audit::append(&tx, Change { actor: actor.username, action: audit_action, entity: "application", entity_id: application_id.to_string(), before: serde_json::json!({}), after: serde_json::json!({ "name": safe_name, "kind": kind, "sha256": sha, "size": bytes.len() }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(id)
}

/// A stored file and its bytes, checked against its digest.
pub async fn attachment_file(
    db: &Db,
    files: &std::path::Path,
    id: i64,
) -> Result<(Attachment, Vec<u8>)> {
    let att = db
        .read(
            &format!("SELECT {ATT_COLS} FROM attachments WHERE id = ?"),
            vec![id.into()],
            att_from,
        )
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)?;
    let bytes = read_stored(files, &att.sha256, &format!("attachment {id}")).await?;
    Ok((att, bytes))
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

fn call_file_from(r: &dyn ReadRow) -> Result<CallFile> {
    Ok(CallFile {
        id: r.int(0)?,
        call_id: r.int(1)?,
        name: r.text(2)?,
        size: r.int(3)?,
        sha256: r.text(4)?,
    })
}

pub async fn call_files(db: &Db, call_id: i64) -> Result<Vec<CallFile>> {
    db.read(
        "SELECT id, call_id, name, size, sha256 FROM call_files WHERE call_id = ? ORDER BY id",
        vec![call_id.into()],
        call_file_from,
    )
    .await
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
            vec![call_id.into(), safe_name.clone().into(), content_type.into(), (bytes.len() as i64).into(), sha.clone().into(), actor.username.into(), now_ms().into()],
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
    let f = db
        .read(
            "SELECT id, call_id, name, size, sha256 FROM call_files WHERE id = ? AND call_id = ?",
            vec![id.into(), call_id.into()],
            call_file_from,
        )
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)?;
    let bytes = read_stored(files, &f.sha256, &format!("call file {id}")).await?;
    Ok((f, bytes))
}

// ---------------------------------------------------------------- expert review of a call

/// Opens an expert review round (通讯评审 or 会议评审) over a call's applications that passed the
/// formal check: each becomes an item with its applicant, team, organisation and text, so the
/// experts engine computes conflicts, assigns or draws, and aggregates the scores. The round and
/// its link to the call are written in one transaction with an audit entry for each.
pub async fn start_review(
    db: &Db,
    call_id: i64,
    name: &str,
    mode: crate::experts::Mode,
    demand: i64,
    deadline: NaiveDate,
    actor: Actor<'_>,
) -> Result<i64> {
    let c = call(db, call_id).await?.ok_or(StoreError::NotFound)?;
    let mut apps = applications(db, Reach::All, Some(call_id), Some(Stage::InReview)).await?;
    if apps.is_empty() {
        return Err(refused("calls.err.nothing_to_review", vec![]));
    }
    let n = db
        .read("SELECT COUNT(*) FROM call_rounds WHERE call_id = ?", vec![call_id.into()], |r| {
            r.int(0)
        })
        .await?
        .first()
        .copied()
        .unwrap_or(0);
    // After the remote review, the plan may send only its best-ranked applications to the panel
    // (ties at the last place go too).
    let shortlist = c.review_plan.panel_shortlist as usize;
    if n > 0 && shortlist > 0 {
        let last = call_rounds(db, call_id).await?.into_iter().rfind(|r| !r.is_open());
        let Some(last) = last else { return Err(refused("calls.err.rounds_open", vec![])) };
        let (ranked, _) =
            crate::experts::results(db, last.id, innocity_core::experts::scoring::Method::Mean)
                .await?;
        if ranked.is_empty() {
            return Err(refused("calls.err.no_scores", vec![last.name.clone()]));
        }
        let best: std::collections::HashSet<&str> =
            ranked.iter().filter(|i| i.rank <= shortlist).map(|i| i.item.as_str()).collect();
        apps.retain(|a| best.contains(a.code.as_str()));
    }
    let mut items = Vec::with_capacity(apps.len());
    for a in &apps {
        let org = crate::orgs::get(db, a.organisation_id).await?.ok_or(StoreError::NotFound)?;
        items.push(crate::experts::Item {
            id: 0,
            round_id: 0,
            code: a.code.clone(),
            title: a.title.clone(),
            body: a.summary.clone(),
            discipline: a.topic.clone(),
            applicant: a.leader_name.clone(),
            members: a.members.clone(),
            credit_code: org.credit_code.clone(),
            org_name: org.name.clone(),
            unit_path: a.unit_path.clone(),
            avoid: vec![],
        });
    }
    let round = crate::experts::NewRound {
        code: format!("{}-R{}", c.code, n + 1),
        name: name.trim().to_string(),
        call_name: c.title.clone(),
        library: innocity_core::experts::Library::Review,
        mode,
        demand,
        max_load: 10,
        rules: crate::experts::Rules {
            composition: innocity_core::experts::panel::Composition {
                max_per_org: 1,
                ..Default::default()
            },
            coauthor_years: 3,
            ..Default::default()
        },
        form: innocity_core::experts::scoring::Form::standard(),
        deadline,
        year: c.year,
    };
    // The round, its items and conflicts, and its link to the call: one transaction, so a round
    // is never left without its call (or half made), and the link has its own audit entry.
    let tx = db.begin_write().await?;
    let round_id = crate::experts::create_round_in(&tx, db, &round, &items, actor).await?;
    tx.exec(
        "INSERT INTO call_rounds (call_id, round_id) VALUES (?, ?)",
        vec![call_id.into(), round_id.into()],
    )
    .await?;
    audit::append(&tx, Change { actor: actor.username, action: "call.review", entity: "call", entity_id: call_id.to_string(), before: serde_json::json!({}), after: serde_json::json!({ "round_id": round_id, "round": round.code, "items": items.iter().map(|i| i.code.as_str()).collect::<Vec<_>>() }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(round_id)
}

pub async fn call_rounds(db: &Db, call_id: i64) -> Result<Vec<crate::experts::Round>> {
    let ids = db
        .read(
            "SELECT round_id FROM call_rounds WHERE call_id = ? ORDER BY round_id",
            vec![call_id.into()],
            |r| r.int(0),
        )
        .await?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(r) = crate::experts::round(db, id).await? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Once every review round of the call is closed, the applications it reviewed move on to the
/// department review and decision. Returns how many moved.
pub async fn finish_review(
    db: &Db,
    call_id: i64,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<usize> {
    let rounds = call_rounds(db, call_id).await?;
    if rounds.is_empty() || rounds.iter().any(|r| r.is_open()) {
        return Err(refused("calls.err.rounds_open", vec![]));
    }
    let mut reviewed = std::collections::HashSet::new();
    for r in &rounds {
        for it in crate::experts::items(db, r.id).await? {
            reviewed.insert(it.code);
        }
    }
    let mut n = 0;
    for a in applications(db, Reach::All, Some(call_id), Some(Stage::InReview))
        .await?
        .into_iter()
        .filter(|a| reviewed.contains(&a.code))
    {
        act(
            db,
            a.id,
            Move { action: Action::FinishReview, level: Level::Bureau, reason: "" },
            a.version,
            Decision::default(),
            today,
            actor,
        )
        .await?;
        n += 1;
    }
    Ok(n)
}
