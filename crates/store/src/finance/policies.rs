//! The policy library (政策库): a policy as people read it — title, issuer, document number,
//! dates, text — and its rule, kept in versions so every run names the rule it ran.
use super::{FinanceRefusal, log};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::finance::policy::PolicyRule;
use innocity_core::projects::money::Money;

/// A policy as its author enters it.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyInput {
    /// A short code of letters, digits, `-` and `_` (e.g. `HNTE-FIRST`).
    pub code: String,
    pub title: String,
    pub issuer: String,
    /// 文号, e.g. 兰科发〔2025〕12号.
    pub doc_number: String,
    pub issued_on: NaiveDate,
    pub effective_from: NaiveDate,
    pub effective_to: NaiveDate,
    pub body: String,
    pub rule: PolicyRule,
}

/// A policy with its current rule.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub issuer: String,
    pub doc_number: String,
    pub issued_on: NaiveDate,
    pub effective_from: NaiveDate,
    pub effective_to: NaiveDate,
    pub body: String,
    pub version: i64,
    pub rule: PolicyRule,
}

impl FromRow for PolicyRow {
    const TABLE: &'static str = "policies";
    const FROM: &'static str =
        "policies p JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.version";
    columns!(
        "p.id",
        "p.code",
        "p.title",
        "p.issuer",
        "p.doc_number",
        "p.issued_on",
        "p.effective_from",
        "p.effective_to",
        "p.body",
        "p.version",
        "v.eligible",
        "v.amount",
        "v.firm_cap_fen",
        "v.programme_cap_fen"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(PolicyRow {
            id: f.int()?,
            code: f.text()?,
            title: f.text()?,
            issuer: f.text()?,
            doc_number: f.text()?,
            issued_on: f.date()?,
            effective_from: f.date()?,
            effective_to: f.date()?,
            body: f.text()?,
            version: f.int()?,
            rule: PolicyRule {
                eligible: f.text()?,
                amount: f.text()?,
                firm_cap: f.opt_int()?.map(Money),
                programme_cap: f.opt_int()?.map(Money),
            },
        })
    }
}

impl PolicyRow {
    /// Whether the policy is in force on some day of `year`.
    pub fn covers_year(&self, year: i32) -> bool {
        use chrono::Datelike;
        self.effective_from.year() <= year && year <= self.effective_to.year()
    }
}

/// The longest title, issuer or document number taken (characters), and the longest text.
const LINE_MAX: usize = 200;
const BODY_MAX: usize = 20_000;

fn check(p: &PolicyInput) -> Result<()> {
    let code_ok = !p.code.is_empty()
        && p.code.len() <= 40
        && p.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !code_ok {
        return Err(FinanceRefusal::Required { field: "code" }.into());
    }
    let lines = [("title", &p.title), ("issuer", &p.issuer), ("doc_number", &p.doc_number)];
    for (field, text) in lines {
        let n = text.trim().chars().count();
        if n == 0 || n > LINE_MAX {
            return Err(FinanceRefusal::Required { field }.into());
        }
    }
    if p.body.chars().count() > BODY_MAX {
        return Err(FinanceRefusal::Required { field: "body" }.into());
    }
    if p.effective_to < p.effective_from {
        return Err(FinanceRefusal::Date { field: "effective_to" }.into());
    }
    check_rule(&p.rule)
}

/// The longest formula taken (characters): a policy's rule is a line or two.
const FORMULA_MAX: usize = 2_000;

fn check_rule(rule: &PolicyRule) -> Result<()> {
    for (field, text) in [("eligible", &rule.eligible), ("amount", &rule.amount)] {
        if text.chars().count() > FORMULA_MAX {
            return Err(FinanceRefusal::Required { field }.into());
        }
    }
    rule.compile().map_err(FinanceRefusal::Rule)?;
    Ok(())
}

/// The rule as it is stored: its formulas without surrounding blanks.
fn trimmed(rule: &PolicyRule) -> PolicyRule {
    PolicyRule {
        eligible: rule.eligible.trim().into(),
        amount: rule.amount.trim().into(),
        ..rule.clone()
    }
}

async fn save_version(
    tx: &crate::db::Tx,
    policy_id: i64,
    version: i64,
    rule: &PolicyRule,
    actor: Actor<'_>,
) -> Result<()> {
    tx.exec(
        "INSERT INTO policy_versions (policy_id, version, eligible, amount, firm_cap_fen, programme_cap_fen, saved_by, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            policy_id.into(),
            version.into(),
            rule.eligible.clone().into(),
            rule.amount.clone().into(),
            rule.firm_cap.map(Money::fen).into(),
            rule.programme_cap.map(Money::fen).into(),
            actor.username.into(),
            tx.clock.now_ms().into(),
        ],
    )
    .await?;
    Ok(())
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Adds a policy with its rule as version 1.
pub async fn create(db: &Db, p: &PolicyInput, actor: Actor<'_>) -> Result<i64> {
    check(p)?;
    let tx = db.begin_write().await?;
    let taken = tx.query_one("SELECT id FROM policies WHERE code = ?", vec![p.code.clone().into()]);
    if taken.await?.is_some() {
        return Err(FinanceRefusal::CodeTaken { code: p.code.clone() }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO policies (code, title, issuer, doc_number, issued_on, effective_from, effective_to, body, version, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            vec![
                p.code.clone().into(),
                p.title.trim().into(),
                p.issuer.trim().into(),
                p.doc_number.trim().into(),
                day(p.issued_on).into(),
                day(p.effective_from).into(),
                day(p.effective_to).into(),
                p.body.trim().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let rule = trimmed(&p.rule);
    save_version(&tx, id, 1, &rule, actor).await?;
    let after = serde_json::json!({ "code": p.code, "title": p.title.trim(), "doc_number": p.doc_number.trim(), "rule": rule });
    log(&tx, actor, "finance.policy_create", "policy", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves a changed rule as the policy's next version (runs made keep the version they ran);
/// an unchanged rule keeps the version. Returns the version now current.
pub async fn save_rule(db: &Db, id: i64, rule: &PolicyRule, actor: Actor<'_>) -> Result<i64> {
    check_rule(rule)?;
    let tx = db.begin_write().await?;
    let current: PolicyRow = tx
        .row(&select::<PolicyRow>("WHERE p.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let rule = trimmed(rule);
    if rule == current.rule {
        return Ok(current.version);
    }
    let version = current.version + 1;
    save_version(&tx, id, version, &rule, actor).await?;
    tx.exec("UPDATE policies SET version = ? WHERE id = ?", vec![version.into(), id.into()])
        .await?;
    let after = serde_json::json!({ "version": version, "rule": rule });
    log(&tx, actor, "finance.policy_rule", "policy", id, after).await?;
    tx.commit().await?;
    Ok(version)
}

/// Every policy, the newest first.
pub async fn list(db: &Db) -> Result<Vec<PolicyRow>> {
    db.rows(&select::<PolicyRow>("ORDER BY p.issued_on DESC, p.id DESC"), vec![]).await
}

pub async fn get(db: &Db, id: i64) -> Result<PolicyRow> {
    let row = db.row(&select::<PolicyRow>("WHERE p.id = ?"), vec![id.into()]).await?;
    row.ok_or(StoreError::NotFound)
}

/// A policy's rule as it was in `version`.
pub async fn rule_of(db: &Db, id: i64, version: i64) -> Result<PolicyRule> {
    let rows = db
        .read(
            "SELECT eligible, amount, firm_cap_fen, programme_cap_fen FROM policy_versions WHERE policy_id = ? AND version = ?",
            vec![id.into(), version.into()],
            |r| {
                Ok(PolicyRule {
                    eligible: r.text(0)?,
                    amount: r.text(1)?,
                    firm_cap: r.opt_int(2)?.map(Money),
                    programme_cap: r.opt_int(3)?.map(Money),
                })
            },
        )
        .await?;
    rows.into_iter().next().ok_or(StoreError::NotFound)
}
