//! The fund and its ledger: every posting is a row with the balances after it, written in the
//! same transaction as the fund's running balances, so the ledger can be replayed from nothing
//! and must arrive where the fund stands.
use crate::db::{Db, Result, Tx};
use crate::finance::{FinanceRefusal, log};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::finance::fund::{Balances, Posting, SubsidyRule};
use innocity_core::projects::money::Money;

/// The two pools the bureau keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundKind {
    /// 科技贷 credit risk compensation.
    Credit,
    /// 知识产权质押 IP pledge loan risk compensation.
    Ip,
}

impl FundKind {
    pub const ALL: [FundKind; 2] = [Self::Credit, Self::Ip];
    pub fn code(self) -> &'static str {
        match self {
            Self::Credit => "credit",
            Self::Ip => "ip",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// A fund with its balances.
#[derive(Debug, Clone, PartialEq)]
pub struct FundRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: FundKind,
    pub unit_path: String,
    pub balances: Balances,
    pub subsidy_rule: SubsidyRule,
    pub created_at: i64,
}

impl FromRow for FundRow {
    const TABLE: &'static str = "loan_funds";
    columns!(
        id,
        code,
        name,
        kind,
        unit_path,
        capital_fen,
        committed_fen,
        paid_fen,
        recovered_fen,
        available_fen,
        interest_subsidy_pct,
        interest_subsidy_cap_fen,
        guarantee_subsidy_pct,
        guarantee_subsidy_cap_fen,
        created_at
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(FundRow {
            id: f.int()?,
            code: f.text()?,
            name: f.text()?,
            kind: f.code(FundKind::parse)?,
            unit_path: f.text()?,
            balances: read_balances(f)?,
            subsidy_rule: SubsidyRule {
                interest_pct: f.int_as()?,
                interest_cap: Money(f.int()?),
                guarantee_pct: f.int_as()?,
                guarantee_cap: Money(f.int()?),
            },
            created_at: f.int()?,
        })
    }
}

fn read_balances(f: &mut Fields<'_>) -> Result<Balances> {
    Ok(Balances {
        capital: Money(f.int()?),
        committed: Money(f.int()?),
        paid: Money(f.int()?),
        recovered: Money(f.int()?),
        available: Money(f.int()?),
    })
}

/// A new fund: its code, name, kind and the unit whose bureau keeps it.
#[derive(Debug, Clone)]
pub struct NewFund {
    pub code: String,
    pub name: String,
    pub kind: FundKind,
    pub unit_path: String,
}

pub async fn create(db: &Db, f: &NewFund, actor: Actor<'_>) -> Result<i64> {
    let (code, name) = (f.code.trim(), f.name.trim());
    if code.is_empty() || code.chars().count() > 40 {
        return Err(FinanceRefusal::Required { field: "code" }.into());
    }
    if name.is_empty() || name.chars().count() > 200 {
        return Err(FinanceRefusal::Required { field: "name" }.into());
    }
    let tx = db.begin_write().await?;
    let taken = tx.query_one("SELECT id FROM loan_funds WHERE code = ?", vec![code.into()]).await?;
    if taken.is_some() {
        return Err(FinanceRefusal::CodeTaken { code: code.to_string() }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO loan_funds (code, name, kind, unit_path, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                code.into(),
                name.into(),
                f.kind.code().into(),
                f.unit_path.clone().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let after = serde_json::json!({ "code": code, "name": name, "kind": f.kind.code() });
    log(&tx, actor, "fund.create", "loan_fund", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list(db: &Db) -> Result<Vec<FundRow>> {
    db.rows(&select::<FundRow>("ORDER BY id"), vec![]).await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<FundRow>> {
    db.row(&select::<FundRow>("WHERE id = ?"), vec![id.into()]).await
}

pub(crate) async fn get_in(tx: &Tx, id: i64) -> Result<FundRow> {
    let row = tx.row(&select::<FundRow>("WHERE id = ?"), vec![id.into()]).await?;
    row.ok_or(crate::StoreError::NotFound)
}

/// One posting with the balances after it.
#[derive(Debug, Clone, PartialEq)]
pub struct PostingRow {
    pub id: i64,
    pub fund_id: i64,
    pub op: String,
    pub amount: Money,
    pub claim_id: Option<i64>,
    pub subsidy_id: Option<i64>,
    pub note: String,
    pub request_key: String,
    pub after: Balances,
    pub posted_by: String,
    pub posted_at: i64,
}

impl FromRow for PostingRow {
    const TABLE: &'static str = "fund_postings";
    columns!(
        id,
        fund_id,
        op,
        amount_fen,
        claim_id,
        subsidy_id,
        note,
        request_key,
        capital_fen,
        committed_fen,
        paid_fen,
        recovered_fen,
        available_fen,
        posted_by,
        posted_at
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let head = (f.int()?, f.int()?, f.text()?, Money(f.int()?), f.opt_int()?);
        Ok(PostingRow {
            id: head.0,
            fund_id: head.1,
            op: head.2,
            amount: head.3,
            claim_id: head.4,
            subsidy_id: f.opt_int()?,
            note: f.text()?,
            request_key: f.text()?,
            after: read_balances(f)?,
            posted_by: f.text()?,
            posted_at: f.int()?,
        })
    }
}

/// What a posting is about: the claim it settles, a note, and the caller's request key (a
/// request sent again with its key is the same posting).
pub(crate) struct Entry<'a> {
    pub claim_id: Option<i64>,
    pub subsidy_id: Option<i64>,
    pub note: &'a str,
    pub request_key: &'a str,
}

/// Posts to the fund in the caller's write: the balances move by the core's rules (refused
/// beyond what is available) and the posting is kept with the balances after it.
pub(crate) async fn post(
    tx: &Tx,
    fund_id: i64,
    posting: Posting,
    entry: Entry<'_>,
    actor: Actor<'_>,
) -> Result<PostingRow> {
    let fund = get_in(tx, fund_id).await?;
    let b = fund.balances.post(posting)?;
    tx.exec(
        "UPDATE loan_funds SET capital_fen = ?, committed_fen = ?, paid_fen = ?, recovered_fen = ?, available_fen = ? WHERE id = ?",
        vec![
            b.capital.fen().into(),
            b.committed.fen().into(),
            b.paid.fen().into(),
            b.recovered.fen().into(),
            b.available.fen().into(),
            fund_id.into(),
        ],
    )
    .await?;
    let now = tx.clock.now_ms();
    let id = tx
        .insert(
            "INSERT INTO fund_postings (fund_id, op, amount_fen, claim_id, subsidy_id, note, request_key, capital_fen, committed_fen, paid_fen, recovered_fen, available_fen, posted_by, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                fund_id.into(),
                posting.code().into(),
                posting.amount().fen().into(),
                entry.claim_id.into(),
                entry.subsidy_id.into(),
                entry.note.into(),
                entry.request_key.into(),
                b.capital.fen().into(),
                b.committed.fen().into(),
                b.paid.fen().into(),
                b.recovered.fen().into(),
                b.available.fen().into(),
                actor.username.into(),
                now.into(),
            ],
        )
        .await?;
    Ok(PostingRow {
        id,
        fund_id,
        op: posting.code().to_string(),
        amount: posting.amount(),
        claim_id: entry.claim_id,
        subsidy_id: entry.subsidy_id,
        note: entry.note.to_string(),
        request_key: entry.request_key.to_string(),
        after: b,
        posted_by: actor.username.to_string(),
        posted_at: now,
    })
}

/// Capital put into the fund. The same request key again answers with the posting it made.
pub async fn deposit(
    db: &Db,
    fund_id: i64,
    amount: Money,
    note: &str,
    request_key: &str,
    actor: Actor<'_>,
) -> Result<PostingRow> {
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(FinanceRefusal::Required { field: "note" }.into());
    }
    let key = super::scoped_key(fund_id, request_key)?;
    let tx = db.begin_write().await?;
    if let Some(done) = by_key(&tx, &key).await? {
        return Ok(done);
    }
    let entry = Entry { claim_id: None, subsidy_id: None, note, request_key: &key };
    let row = post(&tx, fund_id, Posting::Deposit(amount), entry, actor).await?;
    let after = serde_json::json!({ "amount_fen": amount.fen(), "note": note });
    log(&tx, actor, "fund.deposit", "loan_fund", fund_id, after).await?;
    tx.commit().await?;
    Ok(row)
}

async fn by_key(tx: &Tx, request_key: &str) -> Result<Option<PostingRow>> {
    if request_key.is_empty() {
        return Ok(None);
    }
    tx.row(&select::<PostingRow>("WHERE request_key = ?"), vec![request_key.into()]).await
}

/// A fund's postings, the newest first (at most `limit`).
pub async fn postings(db: &Db, fund_id: i64, limit: u64) -> Result<Vec<PostingRow>> {
    let sql = select::<PostingRow>(&format!("WHERE fund_id = ? ORDER BY id DESC LIMIT {limit}"));
    db.rows(&sql, vec![fund_id.into()]).await
}

/// The ledger replayed from nothing: how many postings, how many did not arrive at the
/// balances they recorded, and whether the end is where the fund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replay {
    pub postings: usize,
    pub mismatched: usize,
    pub agrees: bool,
}

pub async fn replay(db: &Db, fund_id: i64) -> Result<Replay> {
    let fund = get(db, fund_id).await?.ok_or(crate::StoreError::NotFound)?;
    let rows: Vec<PostingRow> = db
        .rows(&select::<PostingRow>("WHERE fund_id = ? ORDER BY id"), vec![fund_id.into()])
        .await?;
    let mut b = Balances::default();
    let mut mismatched = 0;
    for r in &rows {
        let posting = match r.op.as_str() {
            "deposit" => Posting::Deposit(r.amount),
            "commit" => Posting::Commit(r.amount),
            "pay" => Posting::Pay(r.amount),
            _ => Posting::Recover(r.amount),
        };
        b = b.post(posting).unwrap_or(b);
        if b != r.after || !r.after.balanced() {
            mismatched += 1;
            b = r.after;
        }
    }
    Ok(Replay {
        postings: rows.len(),
        mismatched,
        agrees: b == fund.balances && fund.balances.balanced(),
    })
}

/// The bureau sets the fund's subsidy rule (贴息 and 担保费补贴 shares and caps); claims already
/// made keep the amounts computed when they were made.
pub async fn set_subsidy_rule(
    db: &Db,
    fund_id: i64,
    rule: &SubsidyRule,
    actor: Actor<'_>,
) -> Result<()> {
    rule.check().map_err(super::FundRefusal::Terms)?;
    let tx = db.begin_write().await?;
    get_in(&tx, fund_id).await?;
    tx.exec(
        "UPDATE loan_funds SET interest_subsidy_pct = ?, interest_subsidy_cap_fen = ?, guarantee_subsidy_pct = ?, guarantee_subsidy_cap_fen = ? WHERE id = ?",
        vec![
            i64::from(rule.interest_pct).into(),
            rule.interest_cap.fen().into(),
            i64::from(rule.guarantee_pct).into(),
            rule.guarantee_cap.fen().into(),
            fund_id.into(),
        ],
    )
    .await?;
    log(&tx, actor, "fund.subsidy_rule", "loan_fund", fund_id, serde_json::json!(rule)).await?;
    tx.commit().await
}
