//! A published list's lines on their way to payment: an enterprise objects during the
//! objection period (the bureau answers: kept or withdrawn) and confirms the account to be paid
//! into; after the period the bureau pays every confirmed line. Every payment under a policy and
//! year is one row keyed by the enterprise — whether by entitlement or by the old application —
//! so nobody is paid twice.
use super::runs::{RunRow, RunStatus, expect};
use super::{FinanceRefusal, log};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::Datelike;
use innocity_core::finance::policy::Trace;
use innocity_core::projects::money::Money;

/// A line's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStatus {
    /// On the list, to be paid once its account is confirmed and the period is over.
    Listed,
    /// Objected to, waiting for the bureau's answer.
    Objected,
    /// Taken off the list on an objection.
    Withdrawn,
    Paid,
    /// Paid by application under the same policy and year: never paid again.
    Applied,
}

impl LineStatus {
    pub const ALL: [LineStatus; 5] =
        [Self::Listed, Self::Objected, Self::Withdrawn, Self::Paid, Self::Applied];
    pub fn code(self) -> &'static str {
        match self {
            Self::Listed => "listed",
            Self::Objected => "objected",
            Self::Withdrawn => "withdrawn",
            Self::Paid => "paid",
            Self::Applied => "applied",
        }
    }
    pub fn parse(s: &str) -> Option<LineStatus> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// The account an enterprise confirms to be paid into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// 开户名称.
    pub holder: String,
    /// 开户银行.
    pub bank: String,
    /// 银行账号: 8 to 32 digits.
    pub number: String,
}

impl Account {
    fn check(&self) -> Result<()> {
        let n = self.number.trim();
        let number_ok = (8..=32).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit());
        let text_ok = |s: &str| (1..=100).contains(&s.trim().chars().count());
        if !number_ok || !text_ok(&self.holder) || !text_ok(&self.bank) {
            return Err(FinanceRefusal::Account.into());
        }
        Ok(())
    }

    /// The number as a list shows it to others: the last four digits.
    pub fn masked(&self) -> String {
        let n = &self.number;
        let tail = n.get(n.len().saturating_sub(4)..).unwrap_or_default();
        format!("****{tail}")
    }
}

/// A line of a run's list.
#[derive(Debug, Clone, PartialEq)]
pub struct LineRow {
    pub run_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub credit_code: String,
    pub amount: Money,
    pub trace: Trace,
    pub status: LineStatus,
    pub applied_reference: String,
    pub account: Option<Account>,
    pub objection: String,
    pub answer: String,
    pub paid_at: i64,
}

impl FromRow for LineRow {
    const TABLE: &'static str = "policy_entitlements";
    const FROM: &'static str =
        "policy_entitlements l JOIN organisations o ON o.id = l.organisation_id";
    columns!(
        "l.run_id",
        "l.organisation_id",
        "o.name",
        "o.credit_code",
        "l.amount_fen",
        "l.trace",
        "l.status",
        "l.applied_reference",
        "l.account_name",
        "l.bank",
        "l.account_no",
        "l.objection",
        "l.answer",
        "l.paid_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let head = (f.int()?, f.int()?, f.text()?, f.text()?, Money(f.int()?));
        let (trace, status, applied_reference) = (f.json()?, f.code(LineStatus::parse)?, f.text()?);
        let account = Account { holder: f.text()?, bank: f.text()?, number: f.text()? };
        Ok(LineRow {
            run_id: head.0,
            organisation_id: head.1,
            organisation: head.2,
            credit_code: head.3,
            amount: head.4,
            trace,
            status,
            applied_reference,
            account: (!account.number.is_empty()).then_some(account),
            objection: f.text()?,
            answer: f.text()?,
            paid_at: f.int()?,
        })
    }
}

/// A run's lines, by enterprise.
pub async fn lines(db: &Db, run_id: i64) -> Result<Vec<LineRow>> {
    let sql = select::<LineRow>("WHERE l.run_id = ? ORDER BY l.organisation_id");
    db.rows(&sql, vec![run_id.into()]).await
}

/// An enterprise's lines on published (or paid) lists, with their runs, the latest first.
pub async fn lines_of(db: &Db, organisation_id: i64) -> Result<Vec<(RunRow, LineRow)>> {
    let runs_sql = select::<RunRow>(
        "WHERE r.status IN ('published', 'paid') AND r.id IN (SELECT run_id FROM policy_entitlements WHERE organisation_id = ?)",
    );
    let runs: Vec<RunRow> = db.rows(&runs_sql, vec![organisation_id.into()]).await?;
    let sql = select::<LineRow>("WHERE l.organisation_id = ? ORDER BY l.run_id DESC");
    let lines: Vec<LineRow> = db.rows(&sql, vec![organisation_id.into()]).await?;
    Ok(lines
        .into_iter()
        .filter_map(|l| Some((runs.iter().find(|r| r.id == l.run_id)?.clone(), l)))
        .collect())
}

async fn line_in(tx: &Tx, run_id: i64, organisation_id: i64) -> Result<LineRow> {
    let sql = select::<LineRow>("WHERE l.run_id = ? AND l.organisation_id = ?");
    let row = tx.row(&sql, vec![run_id.into(), organisation_id.into()]).await?;
    row.ok_or_else(|| FinanceRefusal::NotListed.into())
}

async fn set_line(
    tx: &Tx,
    run_id: i64,
    organisation_id: i64,
    set: &str,
    values: Vec<sea_orm::Value>,
) -> Result<()> {
    let sql =
        format!("UPDATE policy_entitlements SET {set} WHERE run_id = ? AND organisation_id = ?");
    let mut values = values;
    values.extend([run_id.into(), organisation_id.into()]);
    tx.exec(&sql, values).await?;
    Ok(())
}

/// An enterprise objects to its line (its amount, or being listed at all) while the list is
/// published and the period runs.
pub async fn object(
    db: &Db,
    run_id: i64,
    organisation_id: i64,
    text: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let text = text.trim();
    let tx = db.begin_write().await?;
    let run = expect(&tx, run_id, RunStatus::Published).await?;
    let until = run.objections_until.unwrap_or_default();
    if tx.clock.today() > until {
        return Err(FinanceRefusal::ObjectionPeriod { until }.into());
    }
    if text.is_empty() || text.chars().count() > 2_000 {
        return Err(FinanceRefusal::Reason.into());
    }
    if line_in(&tx, run_id, organisation_id).await?.status != LineStatus::Listed {
        return Err(FinanceRefusal::NotListed.into());
    }
    set_line(&tx, run_id, organisation_id, "status = 'objected', objection = ?", vec![text.into()])
        .await?;
    let after = serde_json::json!({ "organisation_id": organisation_id, "objection": text });
    log(&tx, actor, "finance.line_object", "policy_run", run_id, after).await?;
    tx.commit().await
}

/// The bureau's answer to an objection: the line kept (to be paid) or withdrawn, with the reason.
pub async fn answer(
    db: &Db,
    run_id: i64,
    organisation_id: i64,
    keep: bool,
    text: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 2_000 {
        return Err(FinanceRefusal::Reason.into());
    }
    let tx = db.begin_write().await?;
    expect(&tx, run_id, RunStatus::Published).await?;
    if line_in(&tx, run_id, organisation_id).await?.status != LineStatus::Objected {
        return Err(FinanceRefusal::NotListed.into());
    }
    let status = if keep { LineStatus::Listed } else { LineStatus::Withdrawn };
    set_line(
        &tx,
        run_id,
        organisation_id,
        "status = ?, answer = ?",
        vec![status.code().into(), text.into()],
    )
    .await?;
    let after = serde_json::json!({ "organisation_id": organisation_id, "status": status.code(), "answer": text });
    log(&tx, actor, "finance.line_answer", "policy_run", run_id, after).await?;
    finish_if_done(&tx, run_id).await?;
    tx.commit().await
}

/// The enterprise confirms the account its money goes to (any time before it is paid).
pub async fn confirm_account(
    db: &Db,
    run_id: i64,
    organisation_id: i64,
    account: &Account,
    actor: Actor<'_>,
) -> Result<()> {
    account.check()?;
    let tx = db.begin_write().await?;
    expect(&tx, run_id, RunStatus::Published).await?;
    let line = line_in(&tx, run_id, organisation_id).await?;
    if !matches!(line.status, LineStatus::Listed | LineStatus::Objected) {
        return Err(FinanceRefusal::NotListed.into());
    }
    set_line(
        &tx,
        run_id,
        organisation_id,
        "account_name = ?, bank = ?, account_no = ?, confirmed_by = ?, confirmed_at = ?",
        vec![
            account.holder.trim().into(),
            account.bank.trim().into(),
            account.number.trim().into(),
            actor.username.into(),
            tx.clock.now_ms().into(),
        ],
    )
    .await?;
    // the audit keeps the account's last four digits, not the number
    let after = serde_json::json!({ "organisation_id": organisation_id, "bank": account.bank.trim(), "account": account.masked() });
    log(&tx, actor, "finance.line_account", "policy_run", run_id, after).await?;
    tx.commit().await
}

/// What a payment round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paid {
    pub lines: usize,
    pub amount: Money,
    /// Lines still waiting: no account confirmed, or an objection unanswered.
    pub waiting: usize,
    /// Lines found paid by application since the run, marked so and not paid.
    pub applied: usize,
}

/// Whether `organisation` was already paid under the policy for the year, and how.
async fn payment_of(
    tx: &Tx,
    policy_id: i64,
    year: i32,
    organisation_id: i64,
) -> Result<Option<(String, String)>> {
    let row = tx
        .query_one(
            "SELECT route, reference FROM policy_payments WHERE policy_id = ? AND year = ? AND organisation_id = ?",
            vec![policy_id.into(), i64::from(year).into(), organisation_id.into()],
        )
        .await?;
    row.map(|r| -> Result<(String, String)> {
        Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))
    })
    .transpose()
}

/// Pays every listed line with a confirmed account, once the objection period is over; the run
/// is paid when no line waits any more.
pub async fn pay(db: &Db, run_id: i64, actor: Actor<'_>) -> Result<Paid> {
    let tx = db.begin_write().await?;
    let run = expect(&tx, run_id, RunStatus::Published).await?;
    let until = run.objections_until.unwrap_or_default();
    if tx.clock.today() <= until {
        return Err(FinanceRefusal::ObjectionPeriod { until }.into());
    }
    let sql = select::<LineRow>(
        "WHERE l.run_id = ? AND l.status IN ('listed', 'objected') ORDER BY l.organisation_id",
    );
    let open: Vec<LineRow> = tx.rows(&sql, vec![run_id.into()]).await?;
    let now = tx.clock.now_ms();
    let mut paid = Paid::default();
    for line in open {
        if line.status == LineStatus::Objected || line.account.is_none() || line.amount.fen() < 1 {
            paid.waiting += 1;
            continue;
        }
        if let Some((_, reference)) =
            payment_of(&tx, run.policy_id, run.year, line.organisation_id).await?
        {
            set_line(
                &tx,
                run_id,
                line.organisation_id,
                "status = 'applied', applied_reference = ?",
                vec![reference.into()],
            )
            .await?;
            paid.applied += 1;
            continue;
        }
        tx.exec(
            "INSERT INTO policy_payments (policy_id, year, organisation_id, route, reference, amount_fen, paid_by, paid_at) VALUES (?, ?, ?, 'entitlement', ?, ?, ?, ?)",
            vec![
                run.policy_id.into(),
                i64::from(run.year).into(),
                line.organisation_id.into(),
                format!("run:{run_id}").into(),
                line.amount.fen().into(),
                actor.username.into(),
                now.into(),
            ],
        )
        .await?;
        set_line(
            &tx,
            run_id,
            line.organisation_id,
            "status = 'paid', paid_at = ?",
            vec![now.into()],
        )
        .await?;
        paid.lines += 1;
        paid.amount = paid
            .amount
            .checked_add(line.amount)
            .ok_or(FinanceRefusal::Amount { amount: line.amount })?;
    }
    let after = serde_json::json!({ "paid": paid.lines, "amount_fen": paid.amount.fen(), "waiting": paid.waiting, "applied": paid.applied });
    log(&tx, actor, "finance.run_pay", "policy_run", run_id, after).await?;
    finish_if_done(&tx, run_id).await?;
    tx.commit().await?;
    Ok(paid)
}

/// Marks a published run paid once none of its lines waits (in the write that settled its last).
async fn finish_if_done(tx: &Tx, run_id: i64) -> Result<()> {
    let waiting = tx
        .query_one(
            "SELECT COUNT(*) FROM policy_entitlements WHERE run_id = ? AND status IN ('listed', 'objected')",
            vec![run_id.into()],
        )
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    if waiting == 0 {
        tx.exec(
            "UPDATE policy_runs SET status = 'paid' WHERE id = ? AND status = 'published'",
            vec![run_id.into()],
        )
        .await?;
    }
    Ok(())
}

/// Records a payment made the old way (the enterprise applied and was paid) under a policy and
/// year, so no run pays it again; refused when it was paid already by either route.
pub async fn record_application(
    db: &Db,
    policy_id: i64,
    year: i32,
    organisation_id: i64,
    amount: Money,
    reference: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let reference = reference.trim();
    if amount.fen() < 1 || amount > Money::MAX {
        return Err(FinanceRefusal::Amount { amount }.into());
    }
    if reference.is_empty() || reference.chars().count() > 100 {
        return Err(FinanceRefusal::Required { field: "reference" }.into());
    }
    let policy = super::policies::get(db, policy_id).await?;
    if !policy.covers_year(year) || year > db.clock.today().year() {
        return Err(FinanceRefusal::Year { year }.into());
    }
    let tx = db.begin_write().await?;
    let kind =
        tx.query_one("SELECT kind FROM organisations WHERE id = ?", vec![organisation_id.into()]);
    let Some(kind) = kind.await? else { return Err(StoreError::NotFound) };
    if kind.try_get_by_index::<String>(0)? != "enterprise" {
        return Err(FinanceRefusal::NotEnterprise.into());
    }
    if let Some((route, reference)) = payment_of(&tx, policy_id, year, organisation_id).await? {
        return Err(FinanceRefusal::PaidAlready { route, reference }.into());
    }
    tx.exec(
        "INSERT INTO policy_payments (policy_id, year, organisation_id, route, reference, amount_fen, paid_by, paid_at) VALUES (?, ?, ?, 'application', ?, ?, ?, ?)",
        vec![
            policy_id.into(),
            i64::from(year).into(),
            organisation_id.into(),
            reference.into(),
            amount.fen().into(),
            actor.username.into(),
            tx.clock.now_ms().into(),
        ],
    )
    .await?;
    // a live list that names the enterprise keeps the line, marked as paid by application
    tx.exec(
        "UPDATE policy_entitlements SET status = 'applied', applied_reference = ? WHERE organisation_id = ? AND status IN ('listed', 'objected') AND run_id IN (SELECT id FROM policy_runs WHERE policy_id = ? AND year = ? AND status <> 'returned')",
        vec![reference.into(), organisation_id.into(), policy_id.into(), i64::from(year).into()],
    )
    .await?;
    // the live list's run is paid once this was its last open line
    let live = tx
        .query_one(
            "SELECT id FROM policy_runs WHERE policy_id = ? AND year = ? AND status = 'published'",
            vec![policy_id.into(), i64::from(year).into()],
        )
        .await?;
    if let Some(run) = live {
        finish_if_done(&tx, run.try_get_by_index::<i64>(0)?).await?;
    }
    let after = serde_json::json!({ "policy_id": policy_id, "year": year, "organisation_id": organisation_id, "amount_fen": amount.fen(), "reference": reference });
    log(&tx, actor, "finance.application_paid", "policy", policy_id, after).await?;
    tx.commit().await
}
