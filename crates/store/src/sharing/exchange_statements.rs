//! The monthly statements between two programmes. A *claim* is ours: the partner's vouchers
//! redeemed here and verified in the month, signed, sent as a file; the partner's reply marks
//! each line accepted or refused. An *owed* statement is the partner's claim on our vouchers,
//! imported: each line checked by the voucher's own rules (matched by its number, its request key
//! never claimed before); accepted lines take the money off the voucher in the same write
//! (redeemed elsewhere, in the ledger), refused ones keep their reason for the reply.
use super::exchange::{ExchangeRefusal, PartnerRedemptionRow, partner_in};
use super::log;
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::{NaiveDate, NaiveTime};
use innocity_core::projects::money::Money;
use innocity_core::sharing::exchange::{
    FORMAT, Kind, Mismatch, Reply, ReplyLine, Statement, StatementLine, VoucherFacts, check_line,
    month, read, sign, signature_of,
};
use std::collections::{HashMap, HashSet};

/// Which way a statement goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ours to the partner: its vouchers used here.
    Claim,
    /// The partner's to us: our vouchers used there.
    Owed,
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Self::Claim => "claim",
            Self::Owed => "owed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Claim, Self::Owed].into_iter().find(|d| d.code() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatementRow {
    pub id: i64,
    pub partner_id: i64,
    pub partner: String,
    pub direction: Direction,
    pub month: String,
    pub signature: String,
    pub lines: i64,
    pub total: Money,
    /// What the paying side accepted (known for an owed statement on import, for a claim once
    /// its reply is in).
    pub accepted: Money,
    pub replied_at: Option<i64>,
    pub created_at: i64,
}

impl FromRow for StatementRow {
    const TABLE: &'static str = "exchange_statements";
    const FROM: &'static str =
        "exchange_statements s JOIN voucher_partners x ON x.id = s.partner_id";
    columns!(
        "s.id",
        "s.partner_id",
        "x.name",
        "s.direction",
        "s.month",
        "s.signature",
        "s.lines",
        "s.total_fen",
        "s.accepted_fen",
        "s.replied_at",
        "s.created_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(StatementRow {
            id: f.int()?,
            partner_id: f.int()?,
            partner: f.text()?,
            direction: f.code(Direction::parse)?,
            month: f.text()?,
            signature: f.text()?,
            lines: f.int()?,
            total: Money(f.int()?),
            accepted: Money(f.int()?),
            replied_at: f.opt_int()?,
            created_at: f.int()?,
        })
    }
}

/// A statement's line with its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct LineRow {
    pub line_no: i64,
    pub voucher_number: String,
    pub request_key: String,
    pub provider: String,
    pub provider_code: String,
    pub service: String,
    pub used_on: NaiveDate,
    pub order_total: Money,
    pub amount: Money,
    /// claimed (waiting for the reply), accepted, refused.
    pub outcome: String,
    /// The [`Mismatch`] code of a refused line.
    pub reason: String,
}

impl FromRow for LineRow {
    const TABLE: &'static str = "exchange_lines";
    columns!(
        line_no,
        voucher_number,
        request_key,
        provider,
        provider_code,
        service,
        used_on,
        order_total_fen,
        amount_fen,
        outcome,
        reason
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(LineRow {
            line_no: f.int()?,
            voucher_number: f.text()?,
            request_key: f.text()?,
            provider: f.text()?,
            provider_code: f.text()?,
            service: f.text()?,
            used_on: f.date()?,
            order_total: Money(f.int()?),
            amount: Money(f.int()?),
            outcome: f.text()?,
            reason: f.text()?,
        })
    }
}

impl LineRow {
    fn to_line(&self) -> StatementLine {
        StatementLine {
            line: u32::try_from(self.line_no).unwrap_or(u32::MAX),
            number: self.voucher_number.clone(),
            request_key: self.request_key.clone(),
            provider: self.provider.clone(),
            provider_code: self.provider_code.clone(),
            service: self.service.clone(),
            used_on: self.used_on,
            order_total_fen: self.order_total.fen(),
            amount_fen: self.amount.fen(),
        }
    }
}

pub async fn statements(db: &Db, partner_id: i64) -> Result<Vec<StatementRow>> {
    db.rows(
        &select::<StatementRow>("WHERE s.partner_id = ? ORDER BY s.month DESC, s.id DESC"),
        vec![partner_id.into()],
    )
    .await
}

pub async fn statement(db: &Db, id: i64) -> Result<Option<StatementRow>> {
    db.row(&select::<StatementRow>("WHERE s.id = ?"), vec![id.into()]).await
}

pub async fn lines(db: &Db, statement_id: i64) -> Result<Vec<LineRow>> {
    db.rows(
        &select::<LineRow>("WHERE statement_id = ? ORDER BY line_no"),
        vec![statement_id.into()],
    )
    .await
}

async fn month_free(tx: &Tx, partner_id: i64, direction: Direction, month: &str) -> Result<()> {
    let taken = tx
        .query_one(
            "SELECT 1 FROM exchange_statements WHERE partner_id = ? AND direction = ? AND month = ?",
            vec![partner_id.into(), direction.code().into(), month.into()],
        )
        .await?;
    if taken.is_some() {
        return Err(ExchangeRefusal::MonthTaken { month: month.into() }.into());
    }
    Ok(())
}

async fn insert_statement(
    tx: &Tx,
    partner_id: i64,
    (direction, file): (Direction, &Statement),
    accepted: Money,
    actor: Actor<'_>,
) -> Result<i64> {
    tx.insert(
        "INSERT INTO exchange_statements (partner_id, direction, month, signature, lines, total_fen, accepted_fen, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![partner_id.into(), direction.code().into(), file.month.clone().into(), file.signature.clone().into(), (file.lines.len() as i64).into(), file.total_fen.into(), accepted.fen().into(), actor.username.into(), tx.clock.now_ms().into()],
    )
    .await
}

/// Where a line came from, and how it ended.
struct Outcome<'a> {
    outcome: &'a str,
    reason: &'a str,
    voucher_id: Option<i64>,
    redemption_id: Option<i64>,
}

async fn insert_line(tx: &Tx, statement_id: i64, l: &StatementLine, o: Outcome<'_>) -> Result<()> {
    tx.insert(
        "INSERT INTO exchange_lines (statement_id, line_no, voucher_number, request_key, provider, provider_code, service, used_on, order_total_fen, amount_fen, outcome, reason, voucher_id, partner_redemption_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![statement_id.into(), i64::from(l.line).into(), l.number.clone().into(), l.request_key.clone().into(), l.provider.clone().into(), l.provider_code.clone().into(), l.service.clone().into(), l.used_on.to_string().into(), l.order_total_fen.into(), l.amount_fen.into(), o.outcome.into(), o.reason.into(), o.voucher_id.into(), o.redemption_id.into()],
    )
    .await?;
    Ok(())
}

/// Makes the month's claim on the partner: every redemption of its vouchers verified before the
/// month ended and not claimed yet, one line each, signed under the partner's key.
pub async fn make_claim(
    db: &Db,
    partner_id: i64,
    month_text: &str,
    actor: Actor<'_>,
) -> Result<StatementRow> {
    let (_, end) = month(month_text)
        .ok_or_else(|| ExchangeRefusal::Month { month: month_text.trim().into() })?;
    let month_text = month_text.trim();
    let tx = db.begin_write().await?;
    let (partner, key) = partner_in(&tx, partner_id).await?;
    month_free(&tx, partner_id, Direction::Claim, month_text).await?;
    let until = tx.clock.ms_of_local(end.and_time(NaiveTime::MIN));
    let claimed = tx
        .rows::<PartnerRedemptionRow>(
            &select::<PartnerRedemptionRow>(
                "WHERE w.partner_id = ? AND r.status = 'verified' AND r.verified_at < ? ORDER BY r.id",
            ),
            vec![partner_id.into(), until.into()],
        )
        .await?;
    if claimed.is_empty() {
        return Err(ExchangeRefusal::NothingToClaim { month: month_text.into() }.into());
    }
    let lines: Vec<StatementLine> = claimed
        .iter()
        .enumerate()
        .map(|(i, r)| StatementLine {
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            number: r.voucher.clone(),
            request_key: r.request_key.clone(),
            provider: r.provider.clone(),
            provider_code: r.provider_code.clone(),
            service: r.service.clone(),
            used_on: r.used_on,
            order_total_fen: r.order_total.fen(),
            amount_fen: r.amount.fen(),
        })
        .collect();
    let ours = super::vouchers::programme_in(&tx, partner.programme_id).await?;
    let mut file = Statement {
        format: FORMAT.into(),
        kind: Kind::Statement,
        from: ours.programme.code.clone(),
        to: partner.code.clone(),
        month: month_text.into(),
        total_fen: lines.iter().map(|l| l.amount_fen).sum(),
        lines,
        signature: String::new(),
    };
    sign(&mut file, &key);
    let id =
        insert_statement(&tx, partner_id, (Direction::Claim, &file), Money::ZERO, actor).await?;
    for (r, l) in claimed.iter().zip(&file.lines) {
        let o =
            Outcome { outcome: "claimed", reason: "", voucher_id: None, redemption_id: Some(r.id) };
        insert_line(&tx, id, l, o).await?;
        tx.exec(
            "UPDATE partner_redemptions SET status = 'stated', statement_id = ? WHERE id = ? AND status = 'verified'",
            vec![id.into(), r.id.into()],
        )
        .await?;
    }
    let after = serde_json::json!({ "month": month_text, "lines": file.lines.len(), "total_fen": file.total_fen, "signature": file.signature });
    log(&tx, actor, "voucher.exchange_claim", "exchange_statement", id, after).await?;
    let row = load(&tx, id).await?;
    tx.commit().await?;
    Ok(row)
}

async fn load(tx: &Tx, id: i64) -> Result<StatementRow> {
    tx.row(&select::<StatementRow>("WHERE s.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)
}

/// A claim's file as it was sent (rebuilt from its lines; its signature checked against the one
/// recorded, so a changed record is never sent as the original).
pub async fn claim_file(db: &Db, statement_id: i64) -> Result<Statement> {
    let p = parts(db, statement_id, Direction::Claim).await?;
    let file = Statement {
        format: FORMAT.into(),
        kind: Kind::Statement,
        from: p.ours,
        to: p.theirs,
        month: p.statement.month.clone(),
        lines: p.lines.iter().map(LineRow::to_line).collect(),
        total_fen: p.statement.total.fen(),
        signature: p.statement.signature.clone(),
    };
    if signature_of(&file, &p.key) != p.statement.signature {
        return Err(StoreError::Invalid(format!(
            "exchange statement {statement_id} no longer matches its signature"
        )));
    }
    Ok(file)
}

/// What a file of a statement is made of: the statement, both programmes' codes, the key, the lines.
struct Parts {
    statement: StatementRow,
    ours: String,
    theirs: String,
    key: String,
    lines: Vec<LineRow>,
}

/// A statement of the direction with what its file needs (not found for the other direction).
async fn parts(db: &Db, statement_id: i64, direction: Direction) -> Result<Parts> {
    let tx = db.begin_write().await?;
    let statement = load(&tx, statement_id).await?;
    if statement.direction != direction {
        return Err(StoreError::NotFound);
    }
    let (partner, key) = partner_in(&tx, statement.partner_id).await?;
    let ours = super::vouchers::programme_in(&tx, partner.programme_id).await?;
    let lines = tx
        .rows::<LineRow>(
            &select::<LineRow>("WHERE statement_id = ? ORDER BY line_no"),
            vec![statement_id.into()],
        )
        .await?;
    Ok(Parts { statement, ours: ours.programme.code, theirs: partner.code, key, lines })
}

/// Imports the partner's claim on our vouchers. The file is refused whole when it is not the
/// partner's (signature), not for our programme, of a month imported already, or its total is
/// not its lines'; otherwise every line is accepted or refused with its reason, accepted lines
/// taking the money off their voucher.
pub async fn import_owed(
    db: &Db,
    partner_id: i64,
    bytes: &[u8],
    actor: Actor<'_>,
) -> Result<StatementRow> {
    let tx = db.begin_write().await?;
    let (partner, key) = partner_in(&tx, partner_id).await?;
    let file: Statement = read(bytes, Kind::Statement, &key)?;
    let ours = super::vouchers::programme_in(&tx, partner.programme_id).await?;
    from_partner_to_us((&file.from, &file.to), (&partner.code, &ours.programme.code))?;
    if month(&file.month).is_none() {
        return Err(ExchangeRefusal::Month { month: file.month.clone() }.into());
    }
    let numbered = file.lines.iter().enumerate().all(|(i, l)| l.line as usize == i + 1);
    if !numbered || file.total_fen != file.lines.iter().map(|l| l.amount_fen).sum::<i64>() {
        return Err(ExchangeRefusal::Lines.into());
    }
    month_free(&tx, partner_id, Direction::Owed, &file.month).await?;
    let id =
        insert_statement(&tx, partner_id, (Direction::Owed, &file), Money::ZERO, actor).await?;
    let mut balances: HashMap<String, Money> = HashMap::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut accepted = Money::ZERO;
    for l in &file.lines {
        let v = tx
            .row::<super::VoucherRow>(
                &select::<super::VoucherRow>("WHERE v.number = ? AND v.programme_id = ?"),
                vec![l.number.clone().into(), ours.id.into()],
            )
            .await?;
        let repeated = !keys.insert(l.request_key.clone())
            || claimed_before(&tx, partner_id, &l.request_key).await?;
        let facts = v.as_ref().map(|v| VoucherFacts {
            active: v.status == "active",
            expires_on: v.expires_on,
            balance: *balances.entry(v.number.clone()).or_insert(v.balance),
            copay_percent: ours.programme.copay_percent,
            services: ours.programme.services.clone(),
        });
        let verdict = check_line(l, facts.as_ref(), repeated);
        let voucher_id = v.as_ref().map(|v| v.id);
        match (verdict, &v) {
            (Ok(()), Some(v)) => {
                take(&tx, v.id, Money(l.amount_fen)).await?;
                balances.entry(v.number.clone()).and_modify(|b| *b = Money(b.fen() - l.amount_fen));
                accepted = Money(accepted.fen() + l.amount_fen);
                let o =
                    Outcome { outcome: "accepted", reason: "", voucher_id, redemption_id: None };
                insert_line(&tx, id, l, o).await?;
            }
            (verdict, _) => {
                let reason = verdict.err().unwrap_or(Mismatch::UnknownVoucher).code();
                let o = Outcome { outcome: "refused", reason, voucher_id, redemption_id: None };
                insert_line(&tx, id, l, o).await?;
            }
        }
    }
    tx.exec(
        "UPDATE exchange_statements SET accepted_fen = ? WHERE id = ?",
        vec![accepted.fen().into(), id.into()],
    )
    .await?;
    let after = serde_json::json!({ "month": file.month, "lines": file.lines.len(), "total_fen": file.total_fen, "accepted_fen": accepted.fen(), "signature": file.signature });
    log(&tx, actor, "voucher.exchange_owed", "exchange_statement", id, after).await?;
    let row = load(&tx, id).await?;
    tx.commit().await?;
    Ok(row)
}

/// A file from the partner must name it as the sender and our programme as the addressee.
fn from_partner_to_us((from, to): (&str, &str), (partner, ours): (&str, &str)) -> Result<()> {
    if from != partner || to != ours {
        let (expected, found) = (format!("{partner} → {ours}"), format!("{from} → {to}"));
        return Err(ExchangeRefusal::Programme { expected, found }.into());
    }
    Ok(())
}

/// Whether a request key was accepted in an earlier statement of this partner's.
async fn claimed_before(tx: &Tx, partner_id: i64, request_key: &str) -> Result<bool> {
    Ok(tx
        .query_one(
            "SELECT 1 FROM exchange_lines l JOIN exchange_statements s ON s.id = l.statement_id WHERE s.partner_id = ? AND s.direction = 'owed' AND l.request_key = ? AND l.outcome = 'accepted'",
            vec![partner_id.into(), request_key.into()],
        )
        .await?
        .is_some())
}

/// Takes an accepted line's amount off our voucher, in the statement that checks it.
async fn take(tx: &Tx, voucher_id: i64, amount: Money) -> Result<()> {
    let n = tx
        .exec(
            "UPDATE vouchers SET balance_fen = balance_fen - ?, status = CASE WHEN balance_fen = ? THEN 'spent' ELSE status END, version = version + 1 WHERE id = ? AND status = 'active' AND balance_fen >= ?",
            vec![amount.fen().into(), amount.fen().into(), voucher_id.into(), amount.fen().into()],
        )
        .await?;
    if n != 1 {
        // checked just before in the same write: only a damaged record gets here
        return Err(StoreError::Invalid(format!(
            "voucher {voucher_id} no longer holds {amount:?}"
        )));
    }
    Ok(())
}

/// Our reply to an owed statement: each line accepted or refused with its reason, signed.
pub async fn reply_file(db: &Db, statement_id: i64) -> Result<Reply> {
    let p = parts(db, statement_id, Direction::Owed).await?;
    let mut reply = Reply {
        format: FORMAT.into(),
        kind: Kind::Reply,
        from: p.ours,
        to: p.theirs,
        month: p.statement.month,
        statement: p.statement.signature,
        lines: p
            .lines
            .iter()
            .map(|l| ReplyLine {
                line: u32::try_from(l.line_no).unwrap_or(u32::MAX),
                request_key: l.request_key.clone(),
                accepted: l.outcome == "accepted",
                reason: l.reason.clone(),
            })
            .collect(),
        accepted_fen: p.statement.accepted.fen(),
        signature: String::new(),
    };
    sign(&mut reply, &p.key);
    Ok(reply)
}

/// Imports the partner's reply to one of our claims: each line accepted or refused as it says
/// (the redemption too). Refused whole if it answers no claim of ours, names lines we did not
/// send, or the claim has its reply already.
pub async fn import_reply(
    db: &Db,
    partner_id: i64,
    bytes: &[u8],
    actor: Actor<'_>,
) -> Result<StatementRow> {
    let tx = db.begin_write().await?;
    let (partner, key) = partner_in(&tx, partner_id).await?;
    let reply: Reply = read(bytes, Kind::Reply, &key)?;
    let ours = super::vouchers::programme_in(&tx, partner.programme_id).await?;
    from_partner_to_us((&reply.from, &reply.to), (&partner.code, &ours.programme.code))?;
    let claim = tx
        .row::<StatementRow>(
            &select::<StatementRow>(
                "WHERE s.partner_id = ? AND s.direction = 'claim' AND s.signature = ?",
            ),
            vec![partner_id.into(), reply.statement.clone().into()],
        )
        .await?
        .ok_or(ExchangeRefusal::NotOurStatement)?;
    if claim.replied_at.is_some() {
        return Err(ExchangeRefusal::Replied.into());
    }
    let sent = tx
        .rows::<LineRow>(
            &select::<LineRow>("WHERE statement_id = ? ORDER BY line_no"),
            vec![claim.id.into()],
        )
        .await?;
    let same = sent.len() == reply.lines.len()
        && sent
            .iter()
            .zip(&reply.lines)
            .all(|(s, r)| s.line_no == i64::from(r.line) && s.request_key == r.request_key);
    if !same {
        return Err(ExchangeRefusal::NotOurStatement.into());
    }
    let mut accepted = Money::ZERO;
    for (s, r) in sent.iter().zip(&reply.lines) {
        let (outcome, reason) = if r.accepted {
            accepted = Money(accepted.fen() + s.amount.fen());
            ("accepted", String::new())
        } else {
            (
                "refused",
                Mismatch::parse(&r.reason)
                    .map(|m| m.code().to_string())
                    .unwrap_or_else(|| r.reason.chars().take(40).collect()),
            )
        };
        tx.exec(
            "UPDATE exchange_lines SET outcome = ?, reason = ? WHERE statement_id = ? AND line_no = ?",
            vec![outcome.into(), reason.clone().into(), claim.id.into(), s.line_no.into()],
        )
        .await?;
        tx.exec(
            "UPDATE partner_redemptions SET status = ?, reason = ? WHERE id = (SELECT partner_redemption_id FROM exchange_lines WHERE statement_id = ? AND line_no = ?)",
            vec![outcome.into(), reason.into(), claim.id.into(), s.line_no.into()],
        )
        .await?;
    }
    tx.exec(
        "UPDATE exchange_statements SET accepted_fen = ?, replied_at = ? WHERE id = ?",
        vec![accepted.fen().into(), tx.clock.now_ms().into(), claim.id.into()],
    )
    .await?;
    let after = serde_json::json!({ "accepted_fen": accepted.fen(), "lines": reply.lines.len() });
    log(&tx, actor, "voucher.exchange_reply", "exchange_statement", claim.id, after).await?;
    let row = load(&tx, claim.id).await?;
    tx.commit().await?;
    Ok(row)
}
