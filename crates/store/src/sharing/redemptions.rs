//! Spending vouchers: a registered provider not related to the enterprise redeems with the
//! order's evidence (pending); the bureau verifies or rejects (the amount back on the voucher),
//! settles verified redemptions in monthly batches, expires what is left after the validity
//! (back to the budget), and claws back a fraudulent redemption with a credit record. Every step
//! is one write: the balance can never go below zero (checked in the write and by the table's
//! constraint) and a retried request (the same key) is answered with the first redemption.
use super::vouchers::ProgrammeRow;
use super::{SharingRefusal, log};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::projects::money::Money;
use innocity_core::sharing::vouchers::{Relation, voucher_pays};

/// Why a redemption or a bureau step is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedemptionRefusal {
    /// No voucher has this number, or the verification code does not match (not told apart).
    UnknownVoucher,
    /// The code does not match this voucher: the provider's `tries`-th wrong one in a row
    /// (answered as `UnknownVoucher`, or `Locked`, once counted).
    WrongCode {
        kind: super::redemption_checks::CodeTries,
        voucher_id: i64,
        provider_id: i64,
        tries: i64,
    },
    /// Locked after wrong codes in a row, until then (the platform's local time).
    Locked {
        until: chrono::NaiveDateTime,
    },
    /// Expired on this day, or already spent, expired or clawed back.
    Expired {
        on: NaiveDate,
    },
    NotActive,
    /// More than the voucher holds.
    Balance {
        balance: Money,
    },
    /// More than the voucher may pay of this order (the enterprise's own share comes first).
    Copay {
        most: Money,
        copay_percent: u32,
    },
    /// The programme does not pay for this service.
    Service {
        service: String,
    },
    /// The provider is the enterprise itself, or related to it.
    Related {
        relation: Option<Relation>,
    },
    /// Only service providers and instrument owners redeem.
    NotProvider,
    /// A service provider not registered in the directory (or suspended).
    NotRegistered,
    /// The service order named is not a completed order of this provider for this voucher's
    /// enterprise.
    NotTheOrder,
    /// The service named differs from the order's (`kind`).
    OrderService {
        kind: String,
    },
    /// The order's total differs from the order's final fee.
    OrderTotal {
        fee: Money,
    },
    /// Vouchers have paid what they may of this order already (`most` is what is left).
    OrderPaid {
        most: Money,
    },
    /// The same request key was used for another voucher or provider.
    KeyReused,
    /// Verifying, settling or clawing back a redemption not in the state for it.
    State {
        from: String,
    },
    /// A settlement batch naming a redemption settled already (or not verified).
    AlreadySettled {
        id: i64,
    },
    /// The month has its batch already.
    MonthSettled {
        month: String,
    },
    /// No verified redemption of the month waits for settlement (or the month is no month).
    NothingToSettle {
        month: String,
    },
    Reason,
}

impl From<RedemptionRefusal> for StoreError {
    fn from(r: RedemptionRefusal) -> Self {
        SharingRefusal::Redemption(r).into()
    }
}

/// A voucher as its holder and the bureau see it.
#[derive(Debug, Clone, PartialEq)]
pub struct VoucherRow {
    pub id: i64,
    pub number: String,
    pub code: String,
    pub programme_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub value: Money,
    pub balance: Money,
    pub expired: Money,
    /// active, spent, expired.
    pub status: String,
    pub expires_on: NaiveDate,
}

impl FromRow for VoucherRow {
    const TABLE: &'static str = "vouchers";
    const FROM: &'static str = "vouchers v JOIN organisations o ON o.id = v.organisation_id";
    columns!(
        "v.id",
        "v.number",
        "v.code",
        "v.programme_id",
        "v.organisation_id",
        "o.name",
        "v.value_fen",
        "v.balance_fen",
        "v.expired_fen",
        "v.status",
        "v.expires_on"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(VoucherRow {
            id: f.int()?,
            number: f.text()?,
            code: f.text()?,
            programme_id: f.int()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            value: Money(f.int()?),
            balance: Money(f.int()?),
            expired: Money(f.int()?),
            status: f.text()?,
            expires_on: f.date()?,
        })
    }
}

pub async fn vouchers_of(db: &Db, organisation_id: i64) -> Result<Vec<VoucherRow>> {
    db.rows(
        &select::<VoucherRow>("WHERE v.organisation_id = ? ORDER BY v.id DESC"),
        vec![organisation_id.into()],
    )
    .await
}

pub async fn vouchers_in(db: &Db, programme_id: i64) -> Result<Vec<VoucherRow>> {
    db.rows(
        &select::<VoucherRow>("WHERE v.programme_id = ? ORDER BY v.id"),
        vec![programme_id.into()],
    )
    .await
}

/// A redemption with its voucher and provider.
#[derive(Debug, Clone, PartialEq)]
pub struct RedemptionRow {
    pub id: i64,
    pub voucher_id: i64,
    pub voucher: String,
    pub programme_id: i64,
    pub enterprise: String,
    pub provider_id: i64,
    pub provider: String,
    pub booking_id: Option<i64>,
    pub service: String,
    pub order_total: Money,
    pub amount: Money,
    pub evidence: String,
    /// pending, verified, rejected, settled, clawed_back.
    pub status: String,
    pub settlement_id: Option<i64>,
    pub reason: String,
    pub created_at: i64,
}

impl FromRow for RedemptionRow {
    const TABLE: &'static str = "voucher_redemptions";
    const FROM: &'static str = "voucher_redemptions r JOIN vouchers v ON v.id = r.voucher_id JOIN organisations e ON e.id = v.organisation_id JOIN organisations p ON p.id = r.provider_id";
    columns!(
        "r.id",
        "r.voucher_id",
        "v.number",
        "v.programme_id",
        "e.name",
        "r.provider_id",
        "p.name",
        "r.booking_id",
        "r.service",
        "r.order_total_fen",
        "r.amount_fen",
        "r.evidence",
        "r.status",
        "r.settlement_id",
        "r.reason",
        "r.created_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(RedemptionRow {
            id: f.int()?,
            voucher_id: f.int()?,
            voucher: f.text()?,
            programme_id: f.int()?,
            enterprise: f.text()?,
            provider_id: f.int()?,
            provider: f.text()?,
            booking_id: f.opt_int()?,
            service: f.text()?,
            order_total: Money(f.int()?),
            amount: Money(f.int()?),
            evidence: f.text()?,
            status: f.text()?,
            settlement_id: f.opt_int()?,
            reason: f.text()?,
            created_at: f.int()?,
        })
    }
}

/// Which redemptions a list shows.
#[derive(Debug, Clone, Default)]
pub struct RedemptionQuery {
    pub programme_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub status: Option<String>,
}

pub async fn redemptions(db: &Db, q: &RedemptionQuery) -> Result<Vec<RedemptionRow>> {
    let sql = select::<RedemptionRow>(
        "WHERE (? = 0 OR v.programme_id = ?) AND (? = 0 OR r.provider_id = ?) AND (? = 0 OR v.organisation_id = ?) AND (? = '' OR r.status = ?) ORDER BY r.id DESC LIMIT 2000",
    );
    let (p, v, e) =
        (q.programme_id.unwrap_or(0), q.provider_id.unwrap_or(0), q.enterprise_id.unwrap_or(0));
    let s = q.status.clone().unwrap_or_default();
    db.rows(
        &sql,
        vec![
            p.into(),
            p.into(),
            v.into(),
            v.into(),
            e.into(),
            e.into(),
            s.clone().into(),
            s.into(),
        ],
    )
    .await
}

pub async fn redemption(db: &Db, id: i64) -> Result<Option<RedemptionRow>> {
    db.row(&select::<RedemptionRow>("WHERE r.id = ?"), vec![id.into()]).await
}

/// A provider's claim on a voucher.
#[derive(Debug, Clone)]
pub struct Redeem {
    pub number: String,
    pub code: String,
    pub provider_id: i64,
    pub service: String,
    pub order_total: Money,
    /// What the voucher pays; the enterprise pays the rest.
    pub amount: Money,
    /// Contract, invoice and service report numbers.
    pub evidence: String,
    /// The client's key for this request: a retry with the same key returns the first answer.
    pub request_key: String,
    pub booking_id: Option<i64>,
    /// The service order it pays, when it pays one (its final fee is the order's total).
    pub order_id: Option<i64>,
    /// The day the service was used, when it is known (a closed booking): the voucher must be
    /// valid then, whenever the redemption is made. Otherwise today.
    pub used_on: Option<NaiveDate>,
}

async fn programme_of(tx: &Tx, id: i64) -> Result<ProgrammeRow> {
    tx.row(&select::<ProgrammeRow>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)
}

/// Checks the provider may redeem the voucher at all: a provider or instrument owner, not the
/// enterprise, not related to it.
async fn provider_may(tx: &Tx, v: &VoucherRow, provider_id: i64) -> Result<()> {
    super::redemption_checks::redeeming_provider(tx, provider_id).await?;
    if provider_id == v.organisation_id {
        return Err(RedemptionRefusal::Related { relation: None }.into());
    }
    super::redemption_checks::unrelated(tx, v.organisation_id, provider_id).await
}

/// Redeems: every rule checked inside the write, the balance taken down in the same statement
/// that checks it. Returns the redemption (the first one for a retried key).
pub async fn redeem(db: &Db, r: &Redeem, actor: Actor<'_>) -> Result<RedemptionRow> {
    let tx = db.begin_write().await?;
    let outcome = redeem_in(&tx, r, actor).await;
    super::redemption_checks::committing_tries(tx, actor, outcome).await
}

/// The voucher an enterprise books with: its own, active, paying for instrument time, and the
/// instrument's owner a provider it may use.
pub(crate) async fn voucher_for_booking(
    tx: &Tx,
    number: &str,
    (booker, owner): (i64, i64),
    day: NaiveDate,
) -> Result<VoucherRow> {
    let v = tx
        .row::<VoucherRow>(&select::<VoucherRow>("WHERE v.number = ?"), vec![number.trim().into()])
        .await?
        .filter(|v| v.organisation_id == booker)
        .ok_or(RedemptionRefusal::UnknownVoucher)?;
    // the voucher must still be valid on the day of the use, not only today
    if tx.clock.today().max(day) > v.expires_on {
        return Err(RedemptionRefusal::Expired { on: v.expires_on }.into());
    }
    if v.status != "active" {
        return Err(RedemptionRefusal::NotActive.into());
    }
    let p = programme_of(tx, v.programme_id).await?;
    if !p.programme.services.iter().any(|s| s == "instrument") {
        return Err(RedemptionRefusal::Service { service: "instrument".into() }.into());
    }
    provider_may(tx, &v, owner).await?;
    Ok(v)
}

/// The voucher of a booking, when it can still pay for a use on `day`: active, with money left,
/// valid that day.
pub(crate) async fn usable_for(tx: &Tx, voucher_id: i64, day: NaiveDate) -> Result<Option<i64>> {
    let v = tx
        .row::<VoucherRow>(&select::<VoucherRow>("WHERE v.id = ?"), vec![voucher_id.into()])
        .await?;
    Ok(v.filter(|v| v.status == "active" && v.balance > Money::ZERO && day <= v.expires_on)
        .map(|v| v.id))
}

/// What the voucher pays of a closed booking's fee (the co-payment first, within the balance).
pub(crate) async fn booking_share(
    tx: &Tx,
    voucher_id: i64,
    fee: Money,
) -> Result<(VoucherRow, Money)> {
    let v = tx
        .row::<VoucherRow>(&select::<VoucherRow>("WHERE v.id = ?"), vec![voucher_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let p = programme_of(tx, v.programme_id).await?;
    let pays = voucher_pays(fee, p.programme.copay_percent, v.balance);
    Ok((v, pays))
}

/// [`redeem`] inside the caller's write (a booking closed with its voucher).
/// The voucher of the number.
async fn voucher_of(tx: &Tx, r: &Redeem) -> Result<VoucherRow> {
    let v = tx
        .row::<VoucherRow>(
            &select::<VoucherRow>("WHERE v.number = ?"),
            vec![r.number.trim().into()],
        )
        .await?
        .ok_or(RedemptionRefusal::UnknownVoucher)?;
    Ok(v)
}

pub(crate) async fn redeem_in(tx: &Tx, r: &Redeem, actor: Actor<'_>) -> Result<RedemptionRow> {
    let first = tx
        .row::<RedemptionRow>(
            &select::<RedemptionRow>("WHERE r.request_key = ?"),
            vec![r.request_key.clone().into()],
        )
        .await?;
    if let Some(first) = first {
        if first.voucher != r.number || first.provider_id != r.provider_id {
            return Err(RedemptionRefusal::KeyReused.into());
        }
        return Ok(first);
    }
    let v = voucher_of(tx, r).await?;
    provider_may(tx, &v, r.provider_id).await?;
    super::redemption_checks::try_code(tx, &v, r).await?;
    let today = tx.clock.today();
    if r.used_on.unwrap_or(today) > v.expires_on {
        return Err(RedemptionRefusal::Expired { on: v.expires_on }.into());
    }
    if v.status != "active" {
        return Err(RedemptionRefusal::NotActive.into());
    }
    let p = programme_of(tx, v.programme_id).await?;
    if !p.programme.services.contains(&r.service) {
        return Err(RedemptionRefusal::Service { service: r.service.clone() }.into());
    }
    if let Some(order) = r.order_id {
        super::redemption_checks::order_fits(tx, &v, r, order, p.programme.copay_percent).await?;
    }
    let most = voucher_pays(r.order_total, p.programme.copay_percent, Money::MAX);
    if r.amount <= Money::ZERO || r.amount > most {
        return Err(
            RedemptionRefusal::Copay { most, copay_percent: p.programme.copay_percent }.into()
        );
    }
    if r.amount > v.balance {
        return Err(RedemptionRefusal::Balance { balance: v.balance }.into());
    }
    let taken = tx
        .exec(
            "UPDATE vouchers SET balance_fen = balance_fen - ?, status = CASE WHEN balance_fen = ? THEN 'spent' ELSE status END, version = version + 1 WHERE id = ? AND status = 'active' AND balance_fen >= ?",
            vec![r.amount.fen().into(), r.amount.fen().into(), v.id.into(), r.amount.fen().into()],
        )
        .await?;
    if taken != 1 {
        return Err(RedemptionRefusal::Balance { balance: v.balance }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO voucher_redemptions (voucher_id, provider_id, booking_id, order_id, service, order_total_fen, amount_fen, evidence, status, request_key, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            vec![
                v.id.into(),
                r.provider_id.into(),
                r.booking_id.into(),
                r.order_id.into(),
                r.service.clone().into(),
                r.order_total.fen().into(),
                r.amount.fen().into(),
                r.evidence.trim().into(),
                r.request_key.clone().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let after = serde_json::json!({ "voucher": v.number, "provider_id": r.provider_id, "amount_fen": r.amount.fen(), "order_total_fen": r.order_total.fen(), "service": r.service, "evidence": r.evidence.trim(), "order_id": r.order_id, "booking_id": r.booking_id });
    log(tx, actor, "voucher.redeem", "voucher_redemption", id, after).await?;
    load(tx, id).await
}

async fn load(tx: &Tx, id: i64) -> Result<RedemptionRow> {
    tx.row(&select::<RedemptionRow>("WHERE r.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)
}

/// The bureau verifies a pending redemption, or rejects it with a reason: the amount goes back
/// on the voucher (or, if it has expired meanwhile, to the expired part, back to the budget).
pub async fn verify(db: &Db, id: i64, ok: bool, reason: &str, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let r = load(&tx, id).await?;
    if r.status != "pending" {
        return Err(RedemptionRefusal::State { from: r.status }.into());
    }
    if !ok && reason.trim().is_empty() {
        return Err(RedemptionRefusal::Reason.into());
    }
    let now = tx.clock.now_ms();
    let to = if ok { "verified" } else { "rejected" };
    tx.exec(
        "UPDATE voucher_redemptions SET status = ?, reason = ?, verified_by = ?, verified_at = ? WHERE id = ? AND status = 'pending'",
        vec![to.into(), reason.trim().into(), actor.username.into(), now.into(), id.into()],
    )
    .await?;
    if !ok {
        let v = tx
            .row::<VoucherRow>(&select::<VoucherRow>("WHERE v.id = ?"), vec![r.voucher_id.into()])
            .await?
            .ok_or(StoreError::NotFound)?;
        if v.status == "expired" {
            tx.exec(
                "UPDATE vouchers SET expired_fen = expired_fen + ? WHERE id = ?",
                vec![r.amount.fen().into(), v.id.into()],
            )
            .await?;
            tx.exec(
                "UPDATE voucher_programmes SET returned_fen = returned_fen + ? WHERE id = ?",
                vec![r.amount.fen().into(), v.programme_id.into()],
            )
            .await?;
        } else {
            tx.exec(
                "UPDATE vouchers SET balance_fen = balance_fen + ?, status = 'active', version = version + 1 WHERE id = ?",
                vec![r.amount.fen().into(), v.id.into()],
            )
            .await?;
        }
    }
    log(
        &tx,
        actor,
        "voucher.verify",
        "voucher_redemption",
        id,
        serde_json::json!({ "status": to, "reason": reason.trim() }),
    )
    .await?;
    tx.commit().await
}

/// A month's settlement batch.
#[derive(Debug, Clone, PartialEq)]
pub struct SettlementRow {
    pub id: i64,
    pub programme_id: i64,
    pub month: String,
    pub total: Money,
    pub redemptions: i64,
    pub created_at: i64,
}

impl FromRow for SettlementRow {
    const TABLE: &'static str = "voucher_settlements";
    columns!(id, programme_id, month, total_fen, redemptions, created_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(SettlementRow {
            id: f.int()?,
            programme_id: f.int()?,
            month: f.text()?,
            total: Money(f.int()?),
            redemptions: f.int()?,
            created_at: f.int()?,
        })
    }
}

pub async fn settlements(db: &Db, programme_id: i64) -> Result<Vec<SettlementRow>> {
    db.rows(
        &select::<SettlementRow>("WHERE programme_id = ? ORDER BY month DESC"),
        vec![programme_id.into()],
    )
    .await
}

/// Settles a month (`YYYYMM`): the verified redemptions named (or all verified before the month
/// ended and not settled), in one batch. A named redemption settled already, or not verified, refuses
/// the whole batch.
pub async fn settle(
    db: &Db,
    programme_id: i64,
    month: &str,
    ids: Option<&[i64]>,
    actor: Actor<'_>,
) -> Result<SettlementRow> {
    let tx = db.begin_write().await?;
    let batch = tx
        .query_one(
            "SELECT id FROM voucher_settlements WHERE programme_id = ? AND month = ?",
            vec![programme_id.into(), month.into()],
        )
        .await?;
    if batch.is_some() {
        return Err(RedemptionRefusal::MonthSettled { month: month.into() }.into());
    }
    // the month's batch: what was verified before the month ended
    let first = NaiveDate::parse_from_str(&format!("{month}01"), "%Y%m%d")
        .map_err(|_| RedemptionRefusal::NothingToSettle { month: month.into() })?;
    let end = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let until = tx.clock.ms_of_local(end.and_time(chrono::NaiveTime::MIN));
    let open: Vec<RedemptionRow> = tx
        .rows(
            &select::<RedemptionRow>(
                "WHERE v.programme_id = ? AND r.status = 'verified' AND r.verified_at < ? ORDER BY r.id",
            ),
            vec![programme_id.into(), until.into()],
        )
        .await?;
    let chosen: Vec<&RedemptionRow> = match ids {
        None => open.iter().collect(),
        Some(ids) => {
            if let Some(id) = ids.iter().find(|id| !open.iter().any(|r| r.id == **id)) {
                return Err(RedemptionRefusal::AlreadySettled { id: *id }.into());
            }
            open.iter().filter(|r| ids.contains(&r.id)).collect()
        }
    };
    if chosen.is_empty() {
        return Err(RedemptionRefusal::NothingToSettle { month: month.into() }.into());
    }
    let total: Money = chosen.iter().map(|r| r.amount).sum();
    let id = tx
        .insert(
            "INSERT INTO voucher_settlements (programme_id, month, total_fen, redemptions, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            vec![programme_id.into(), month.into(), total.fen().into(), (chosen.len() as i64).into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    for r in &chosen {
        let n = tx
            .exec("UPDATE voucher_redemptions SET status = 'settled', settlement_id = ? WHERE id = ? AND status = 'verified'", vec![id.into(), r.id.into()])
            .await?;
        if n != 1 {
            return Err(RedemptionRefusal::AlreadySettled { id: r.id }.into());
        }
    }
    let after = serde_json::json!({ "month": month, "total_fen": total.fen(), "redemptions": chosen.iter().map(|r| r.id).collect::<Vec<_>>() });
    log(&tx, actor, "voucher.settle", "voucher_programme", programme_id, after).await?;
    let row = tx
        .row::<SettlementRow>(&select::<SettlementRow>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

/// Expires the programme's vouchers whose validity ended before today: what is left goes back
/// to the budget. Returns how many expired.
pub async fn expire(db: &Db, programme_id: i64, actor: Actor<'_>) -> Result<usize> {
    let tx = db.begin_write().await?;
    let today = tx.clock.today().to_string();
    let due: Vec<VoucherRow> = tx
        .rows(
            &select::<VoucherRow>(
                "WHERE v.programme_id = ? AND v.status IN ('active', 'spent') AND v.expires_on < ?",
            ),
            vec![programme_id.into(), today.into()],
        )
        .await?;
    let back: Money = due.iter().map(|v| v.balance).sum();
    for v in &due {
        tx.exec(
            "UPDATE vouchers SET expired_fen = expired_fen + balance_fen, balance_fen = 0, status = 'expired', version = version + 1 WHERE id = ?",
            vec![v.id.into()],
        )
        .await?;
    }
    tx.exec(
        "UPDATE voucher_programmes SET returned_fen = returned_fen + ? WHERE id = ?",
        vec![back.fen().into(), programme_id.into()],
    )
    .await?;
    let after = serde_json::json!({ "vouchers": due.len(), "returned_fen": back.fen() });
    log(&tx, actor, "voucher.expire", "voucher_programme", programme_id, after).await?;
    tx.commit().await?;
    Ok(due.len())
}

/// Claws back a verified or settled redemption found fraudulent: the amount is recovered to the
/// budget and the provider gets a bad research-credit record (serious, barred for a year).
pub async fn claw_back(db: &Db, id: i64, reason: &str, actor: Actor<'_>) -> Result<i64> {
    if reason.trim().is_empty() {
        return Err(RedemptionRefusal::Reason.into());
    }
    let tx = db.begin_write().await?;
    let r = load(&tx, id).await?;
    if !matches!(r.status.as_str(), "verified" | "settled") {
        return Err(RedemptionRefusal::State { from: r.status }.into());
    }
    tx.exec(
        "UPDATE voucher_redemptions SET status = 'clawed_back', reason = ? WHERE id = ?",
        vec![reason.trim().into(), id.into()],
    )
    .await?;
    tx.exec(
        "UPDATE voucher_programmes SET returned_fen = returned_fen + ? WHERE id = ?",
        vec![r.amount.fen().into(), r.programme_id.into()],
    )
    .await?;
    let credit_code = tx
        .query_one("SELECT credit_code FROM organisations WHERE id = ?", vec![r.provider_id.into()])
        .await?
        .map(|x| x.try_get_by_index::<String>(0))
        .transpose()?
        .ok_or(StoreError::NotFound)?;
    let subject = crate::credit::Subject {
        kind: "organisation".into(),
        key: credit_code,
        name: r.provider.clone(),
    };
    let record = innocity_core::credit::Record {
        id: 0,
        nature: innocity_core::credit::Nature::Bad,
        kind: "创新券违规兑付".into(),
        severity: innocity_core::credit::Severity::Serious,
        source: format!("创新券兑付 {} 追回：{}", r.voucher, reason.trim()),
        date: tx.clock.today(),
        sanction: innocity_core::credit::Sanction::Years(1),
        points: 0,
    };
    let today = tx.clock.today();
    let (credit, _) = crate::credit::add_in(&tx, &subject, &record, today, actor).await?;
    log(&tx, actor, "voucher.claw_back", "voucher_redemption", id, serde_json::json!({ "reason": reason.trim(), "amount_fen": r.amount.fen(), "credit_record": credit })).await?;
    tx.commit().await?;
    Ok(credit)
}
