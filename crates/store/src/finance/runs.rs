//! Running a policy for a year (免申即享): every enterprise assessed on the facts the platform
//! holds, the entitled listed with their amounts and the rule's trace, the list's digest kept so
//! the same data and rule version can be shown to give the same list; then a second person
//! checks it (maker–checker) and it is published for objections.
use super::facts::{self, Enterprise};
use super::policies::{self, PolicyRow};
use super::{FinanceRefusal, log};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::{Datelike, Duration, NaiveDate};
use innocity_core::finance::policy::{Assessment, CompiledRule, share_programme_cap};
use innocity_core::projects::money::Money;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Days a published list stays open for objections (公示期), the day of publishing included.
pub const OBJECTION_DAYS: i64 = 7;

/// A run's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Listed, waiting for its check.
    Computed,
    /// Sent back by the checker (the policy may be run again for the year).
    Returned,
    Checked,
    /// Published for objections; paid line by line once the period is over.
    Published,
    /// Every line paid, withdrawn or found paid by application.
    Paid,
}

impl RunStatus {
    pub const ALL: [RunStatus; 5] =
        [Self::Computed, Self::Returned, Self::Checked, Self::Published, Self::Paid];
    pub fn code(self) -> &'static str {
        match self {
            Self::Computed => "computed",
            Self::Returned => "returned",
            Self::Checked => "checked",
            Self::Published => "published",
            Self::Paid => "paid",
        }
    }
    pub fn parse(s: &str) -> Option<RunStatus> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A run of a policy for a year.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: i64,
    pub policy_id: i64,
    pub policy_code: String,
    pub policy_title: String,
    pub version: i64,
    pub year: i32,
    pub status: RunStatus,
    /// Enterprises assessed.
    pub assessed: i64,
    /// Enterprises on the list (paid by application included).
    pub entitled: i64,
    /// The list's total to pay (lines paid by application left out).
    pub total: Money,
    /// The programme cap shared the money pro rata.
    pub scaled: bool,
    pub digest: String,
    pub run_by: String,
    pub run_at: i64,
    pub checked_by: String,
    pub check_note: String,
    pub objections_until: Option<NaiveDate>,
}

impl FromRow for RunRow {
    const TABLE: &'static str = "policy_runs";
    const FROM: &'static str = "policy_runs r JOIN policies p ON p.id = r.policy_id";
    columns!(
        "r.id",
        "r.policy_id",
        "p.code",
        "p.title",
        "r.version",
        "r.year",
        "r.status",
        "r.assessed",
        "r.entitled",
        "r.total_fen",
        "r.scaled",
        "r.digest",
        "r.run_by",
        "r.run_at",
        "r.checked_by",
        "r.check_note",
        "r.objections_until"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(RunRow {
            id: f.int()?,
            policy_id: f.int()?,
            policy_code: f.text()?,
            policy_title: f.text()?,
            version: f.int()?,
            year: f.int_as()?,
            status: f.code(RunStatus::parse)?,
            assessed: f.int()?,
            entitled: f.int()?,
            total: Money(f.int()?),
            scaled: f.flag()?,
            digest: f.text()?,
            run_by: f.text()?,
            run_at: f.int()?,
            checked_by: f.text()?,
            check_note: f.text()?,
            objections_until: f.opt_date()?,
        })
    }
}

/// One enterprise on a run's list, as computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub enterprise: Enterprise,
    pub assessment: Assessment,
    /// Paid already under the policy for the year by application (its reference): listed for
    /// the record, never paid again.
    pub applied: Option<String>,
}

/// The policy's rule of `version`, compiled (a stored rule always compiles; if it no longer
/// does, the rule is named).
async fn compiled(db: &Db, policy: &PolicyRow, version: i64) -> Result<CompiledRule> {
    let rule = policies::rule_of(db, policy.id, version).await?;
    rule.compile().map_err(|e| FinanceRefusal::Rule(e).into())
}

const APPLIED: &str = "SELECT organisation_id, reference, amount_fen FROM policy_payments WHERE policy_id = ? AND year = ? AND route = 'application' ORDER BY organisation_id";

/// Payments already made under the policy for the year by application: organisation →
/// (reference, amount).
async fn applied(db: &Db, policy_id: i64, year: i32) -> Result<HashMap<i64, (String, Money)>> {
    let rows = db
        .read(APPLIED, vec![policy_id.into(), i64::from(year).into()], |r| {
            Ok((r.int(0)?, (r.text(1)?, Money(r.int(2)?))))
        })
        .await?;
    Ok(rows.into_iter().collect())
}

/// The same payments read in the run's write: the list was made on them, so none may have come
/// since (else the yearly cap could be overspent).
async fn applied_unchanged(tx: &Tx, policy_id: i64, year: i32, listed: &[Listed]) -> Result<()> {
    let now = tx.query_all(APPLIED, vec![policy_id.into(), i64::from(year).into()]).await?;
    let mut seen = Vec::with_capacity(now.len());
    for r in now {
        seen.push(r.try_get_by_index::<i64>(0)?);
    }
    let mut used: Vec<i64> =
        listed.iter().filter(|l| l.applied.is_some()).map(|l| l.enterprise.id).collect();
    used.sort_unstable();
    if seen != used {
        return Err(StoreError::Stale);
    }
    Ok(())
}

/// Assesses every enterprise (or one) under the rule for `year`: the entitled, in id order,
/// with the programme cap shared among those not paid by application (what those were paid
/// comes off the cap first).
pub async fn assess(
    db: &Db,
    policy: &PolicyRow,
    version: i64,
    year: i32,
    only: Option<i64>,
) -> Result<Vec<Listed>> {
    let rule = compiled(db, policy, version).await?;
    let mut sources: Vec<_> = rule.reads().iter().map(|(f, _)| f.source).collect();
    sources.dedup();
    let enterprises = facts::enterprises(db, only).await?;
    let facts = facts::load(db, year, &sources, &enterprises).await?;
    let paid = applied(db, policy.id, year).await?;
    let mut listed: Vec<Listed> = enterprises
        .into_iter()
        .filter_map(|e| {
            let assessment = rule.assess(facts.get(&e.id)?);
            let applied = paid.get(&e.id).map(|(reference, _)| reference.clone());
            (assessment.entitled() || applied.is_some()).then_some(Listed {
                enterprise: e,
                assessment,
                applied,
            })
        })
        .collect();
    if let Some(cap) = rule.programme_cap {
        let used: Money = paid.values().map(|(_, m)| *m).sum();
        let left = Money((cap.fen() - used.fen()).max(0));
        let open: Vec<usize> = (0..listed.len()).filter(|i| listed[*i].applied.is_none()).collect();
        let mut amounts: Vec<Money> = open.iter().map(|i| listed[*i].assessment.amount).collect();
        if share_programme_cap(&mut amounts, left) {
            for (i, amount) in open.into_iter().zip(amounts) {
                listed[i].assessment.amount = amount;
                listed[i].assessment.trace.programme_scaled = true;
            }
        }
        // a share that came to nothing is no entitlement (the cap was used up)
        listed.retain(|l| l.applied.is_some() || l.assessment.entitled());
    }
    Ok(listed)
}

/// One enterprise assessed under the policy's current rule for `year`, entitled or not (its
/// own view: the programme cap, which depends on the whole list, is not applied); `None` for an
/// organisation that is no enterprise.
pub async fn assess_one(
    db: &Db,
    policy: &PolicyRow,
    year: i32,
    organisation_id: i64,
) -> Result<Option<Assessment>> {
    let rule = compiled(db, policy, policy.version).await?;
    let sources: Vec<_> = rule.reads().iter().map(|(f, _)| f.source).collect();
    let enterprises = facts::enterprises(db, Some(organisation_id)).await?;
    let facts = facts::load(db, year, &sources, &enterprises).await?;
    Ok(facts.get(&organisation_id).map(|f| rule.assess(f)))
}

/// The list's fingerprint: the policy, its version, the year and each line's enterprise,
/// route and amount, in order.
pub fn digest(policy_id: i64, version: i64, year: i32, listed: &[Listed]) -> String {
    let mut h = Sha256::new();
    h.update(format!("{policy_id}|{version}|{year}\n"));
    for l in listed {
        let route = if l.applied.is_some() { "applied" } else { "listed" };
        h.update(format!("{}:{route}:{}\n", l.enterprise.id, l.assessment.amount.fen()));
    }
    format!("{:x}", h.finalize())
}

/// Rows per INSERT when a list is written (well under both backends' parameter limits).
const LINES_PER_INSERT: usize = 200;

async fn insert_lines(tx: &Tx, run_id: i64, listed: &[Listed]) -> Result<()> {
    for chunk in listed.chunks(LINES_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO policy_entitlements (run_id, organisation_id, amount_fen, trace, status, applied_reference) VALUES ",
        );
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 6);
        for (i, l) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(?, ?, ?, ?, ?, ?)" } else { ", (?, ?, ?, ?, ?, ?)" });
            let trace = serde_json::to_string(&l.assessment.trace)
                .map_err(|e| StoreError::Invalid(format!("entitlement trace: {e}")))?;
            let (status, reference) = match &l.applied {
                Some(r) => ("applied", r.clone()),
                None => ("listed", String::new()),
            };
            values.extend([
                run_id.into(),
                l.enterprise.id.into(),
                l.assessment.amount.fen().into(),
                trace.into(),
                status.into(),
                reference.into(),
            ]);
        }
        tx.exec(&sql, values).await?;
    }
    Ok(())
}

/// The year must be over and the policy in force in it.
fn check_year(policy: &PolicyRow, year: i32, today: NaiveDate) -> Result<()> {
    if year >= today.year() || !policy.covers_year(year) {
        return Err(FinanceRefusal::Year { year }.into());
    }
    Ok(())
}

async fn live_run(tx: &Tx, policy_id: i64, year: i32) -> Result<Option<i64>> {
    let row = tx
        .query_one(
            "SELECT id FROM policy_runs WHERE policy_id = ? AND year = ? AND status <> 'returned'",
            vec![policy_id.into(), i64::from(year).into()],
        )
        .await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?)
}

/// Runs the policy's current rule for a completed year: the list is stored with its trace and
/// digest, waiting for its check. One live run per policy and year.
pub async fn run(db: &Db, policy_id: i64, year: i32, actor: Actor<'_>) -> Result<i64> {
    let policy = policies::get(db, policy_id).await?;
    check_year(&policy, year, db.clock.today())?;
    let listed = assess(db, &policy, policy.version, year, None).await?;
    let total = listed
        .iter()
        .filter(|l| l.applied.is_none())
        .try_fold(Money::ZERO, |t, l| t.checked_add(l.assessment.amount))
        .ok_or(FinanceRefusal::Amount { amount: Money::MAX })?;
    let scaled = listed.iter().any(|l| l.assessment.trace.programme_scaled);
    let digest = digest(policy.id, policy.version, year, &listed);
    let assessed = facts::enterprises(db, None).await?.len() as i64;
    let tx = db.begin_write().await?;
    if let Some(run_id) = live_run(&tx, policy_id, year).await? {
        return Err(FinanceRefusal::RunExists { run_id }.into());
    }
    applied_unchanged(&tx, policy_id, year, &listed).await?;
    let id = tx
        .insert(
            "INSERT INTO policy_runs (policy_id, version, year, status, assessed, entitled, total_fen, scaled, digest, run_by, run_at) VALUES (?, ?, ?, 'computed', ?, ?, ?, ?, ?, ?, ?)",
            vec![
                policy_id.into(),
                policy.version.into(),
                i64::from(year).into(),
                assessed.into(),
                (listed.len() as i64).into(),
                total.fen().into(),
                i64::from(scaled).into(),
                digest.clone().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    insert_lines(&tx, id, &listed).await?;
    let after = serde_json::json!({ "policy_id": policy_id, "version": policy.version, "year": year, "entitled": listed.len(), "total_fen": total.fen(), "digest": digest });
    log(&tx, actor, "finance.policy_run", "policy_run", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get_run(db: &Db, id: i64) -> Result<RunRow> {
    let row = db.row(&select::<RunRow>("WHERE r.id = ?"), vec![id.into()]).await?;
    row.ok_or(StoreError::NotFound)
}

/// A policy's runs, the latest first.
pub async fn runs_of(db: &Db, policy_id: i64) -> Result<Vec<RunRow>> {
    let sql = select::<RunRow>("WHERE r.policy_id = ? ORDER BY r.year DESC, r.id DESC");
    db.rows(&sql, vec![policy_id.into()]).await
}

/// Every run, the latest first.
pub async fn all_runs(db: &Db) -> Result<Vec<RunRow>> {
    db.rows(&select::<RunRow>("ORDER BY r.run_at DESC, r.id DESC"), vec![]).await
}

/// Runs the run's rule version again on today's data: whether it gives the same list.
pub async fn reproduces(db: &Db, run_id: i64) -> Result<bool> {
    let run = get_run(db, run_id).await?;
    let policy = policies::get(db, run.policy_id).await?;
    let listed = assess(db, &policy, run.version, run.year, None).await?;
    Ok(digest(policy.id, run.version, run.year, &listed) == run.digest)
}

async fn run_in(tx: &Tx, id: i64) -> Result<RunRow> {
    let row = tx.row(&select::<RunRow>("WHERE r.id = ?"), vec![id.into()]).await?;
    row.ok_or(StoreError::NotFound)
}

pub(super) async fn expect(tx: &Tx, id: i64, status: RunStatus) -> Result<RunRow> {
    let run = run_in(tx, id).await?;
    if run.status != status {
        return Err(FinanceRefusal::RunStatus { from: run.status.code().into() }.into());
    }
    Ok(run)
}

/// The checker's decision on a computed list: approved, or returned with the reason (the
/// policy may then be run again). The one who ran it may not check it.
pub async fn check(db: &Db, id: i64, approve: bool, note: &str, actor: Actor<'_>) -> Result<()> {
    let note = note.trim();
    let tx = db.begin_write().await?;
    let run = expect(&tx, id, RunStatus::Computed).await?;
    if run.run_by == actor.username {
        return Err(FinanceRefusal::SameChecker.into());
    }
    if !approve && note.is_empty() {
        return Err(FinanceRefusal::Reason.into());
    }
    let status = if approve { RunStatus::Checked } else { RunStatus::Returned };
    tx.exec(
        "UPDATE policy_runs SET status = ?, checked_by = ?, checked_at = ?, check_note = ? WHERE id = ?",
        vec![
            status.code().into(),
            actor.username.into(),
            tx.clock.now_ms().into(),
            note.into(),
            id.into(),
        ],
    )
    .await?;
    let after = serde_json::json!({ "status": status.code(), "note": note });
    log(&tx, actor, "finance.run_check", "policy_run", id, after).await?;
    tx.commit().await
}

/// Publishes a checked list for objections (公示) until [`OBJECTION_DAYS`] from today.
pub async fn publish(db: &Db, id: i64, actor: Actor<'_>) -> Result<NaiveDate> {
    let tx = db.begin_write().await?;
    expect(&tx, id, RunStatus::Checked).await?;
    let until = tx.clock.today() + Duration::days(OBJECTION_DAYS - 1);
    tx.exec(
        "UPDATE policy_runs SET status = 'published', published_at = ?, objections_until = ? WHERE id = ?",
        vec![
            tx.clock.now_ms().into(),
            until.format("%Y-%m-%d").to_string().into(),
            id.into(),
        ],
    )
    .await?;
    let after = serde_json::json!({ "status": "published", "objections_until": until.to_string() });
    log(&tx, actor, "finance.run_publish", "policy_run", id, after).await?;
    tx.commit().await?;
    Ok(until)
}
