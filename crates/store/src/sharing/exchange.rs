//! 通用通兑, this side's records: the partner programmes the bureau has agreed with (each with
//! its exchange key and the programme of ours it settles with), the partner's vouchers as its
//! roster last said, and their redemptions by providers here — checked under the same rules as
//! ours (registered provider, not related to the holder, valid on the day, the co-payment, the
//! balance, the code tried a limited number of times), then verified by the bureau and claimed
//! from the partner in a monthly statement (`exchange_statements`).
use super::redemption_checks::{CodeTries, committing_tries, count_try};
use super::redemptions::{Redeem, RedemptionRefusal};
use super::{SharingRefusal, log};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::projects::money::Money;
use innocity_core::sharing::exchange::{
    FORMAT, FileError, Kind, Partner, Roster, RosterVoucher, code_mac, read, sign,
};
use innocity_core::sharing::vouchers::voucher_pays;

/// Why an exchange step is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeRefusal {
    /// The partner's code is taken by another partner or by one of our programmes.
    CodeTaken { code: String },
    /// The file is refused whole.
    File(FileError),
    /// The file is of another programme than this partnership's.
    Programme { expected: String, found: String },
    /// A roster's voucher that cannot be (`line` from 1, in the file's order).
    RosterVoucher { line: usize, number: String },
    /// A statement whose total is not the sum of its lines, or whose lines are not numbered 1, 2, ….
    Lines,
    /// Not a month (`YYYY-MM`).
    Month { month: String },
    /// This month's statement was made or imported already.
    MonthTaken { month: String },
    /// No verified redemption of the month waits to be claimed.
    NothingToClaim { month: String },
    /// A reply to no statement we sent to this partner, or its lines not ours.
    NotOurStatement,
    /// The statement has its reply already.
    Replied,
}

impl From<ExchangeRefusal> for StoreError {
    fn from(r: ExchangeRefusal) -> Self {
        SharingRefusal::Exchange(r).into()
    }
}

impl From<FileError> for StoreError {
    fn from(e: FileError) -> Self {
        ExchangeRefusal::File(e).into()
    }
}

/// A partner programme as the bureau sees it (its key never leaves the store).
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region: String,
    /// Ours, that settles with it.
    pub programme_id: i64,
    pub programme_code: String,
    pub copay_percent: u32,
    pub services: Vec<String>,
    /// The day of the roster last imported.
    pub roster_on: Option<NaiveDate>,
    pub vouchers: i64,
    pub created_at: i64,
}

impl FromRow for PartnerRow {
    const TABLE: &'static str = "voucher_partners";
    const FROM: &'static str =
        "voucher_partners x JOIN voucher_programmes p ON p.id = x.programme_id";
    columns!(
        "x.id",
        "x.code",
        "x.name",
        "x.region",
        "x.programme_id",
        "p.code",
        "x.copay_percent",
        "x.services",
        "x.roster_on",
        "(SELECT COUNT(*) FROM partner_vouchers w WHERE w.partner_id = x.id)",
        "x.created_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(PartnerRow {
            id: f.int()?,
            code: f.text()?,
            name: f.text()?,
            region: f.text()?,
            programme_id: f.int()?,
            programme_code: f.text()?,
            copay_percent: f.int_as()?,
            services: f.text()?.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
            roster_on: f.opt_date()?,
            vouchers: f.int()?,
            created_at: f.int()?,
        })
    }
}

/// Registers a partner programme settling with our programme `programme_id`.
pub async fn add_partner(db: &Db, p: &Partner, programme_id: i64, actor: Actor<'_>) -> Result<i64> {
    let tx = db.begin_write().await?;
    super::vouchers::programme_in(&tx, programme_id).await?;
    let taken = tx
        .query_one(
            "SELECT 1 FROM voucher_partners WHERE code = ? UNION ALL SELECT 1 FROM voucher_programmes WHERE code = ?",
            vec![p.code.clone().into(), p.code.clone().into()],
        )
        .await?;
    if taken.is_some() {
        return Err(ExchangeRefusal::CodeTaken { code: p.code.clone() }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO voucher_partners (code, name, region, programme_id, exchange_key, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![p.code.clone().into(), p.name.clone().into(), p.region.clone().into(), programme_id.into(), p.key.clone().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    // the key is a secret between the bureaus: the audit says it was set, not what it is
    let after = serde_json::json!({ "code": p.code, "name": p.name, "region": p.region, "programme_id": programme_id, "key": "(set)" });
    log(&tx, actor, "voucher.partner", "voucher_partner", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn partners(db: &Db) -> Result<Vec<PartnerRow>> {
    db.rows(&select::<PartnerRow>("ORDER BY x.id"), vec![]).await
}

pub async fn partner(db: &Db, id: i64) -> Result<Option<PartnerRow>> {
    db.row(&select::<PartnerRow>("WHERE x.id = ?"), vec![id.into()]).await
}

pub(super) async fn partner_in(tx: &Tx, id: i64) -> Result<(PartnerRow, String)> {
    let row = tx
        .row::<PartnerRow>(&select::<PartnerRow>("WHERE x.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let key = tx
        .query_one("SELECT exchange_key FROM voucher_partners WHERE id = ?", vec![id.into()])
        .await?
        .map(|r| r.try_get_by_index::<String>(0))
        .transpose()?
        .ok_or(StoreError::NotFound)?;
    Ok((row, key))
}

/// Our roster for the partner: the settling programme's active vouchers with money left, their
/// codes as MACs under the partner's key, signed.
pub async fn roster(db: &Db, partner_id: i64) -> Result<Roster> {
    let tx = db.begin_write().await?;
    let (partner, key) = partner_in(&tx, partner_id).await?;
    let p = super::vouchers::programme_in(&tx, partner.programme_id).await?;
    let vouchers = tx
        .rows::<RosterRow>(
            &select::<RosterRow>(
                "WHERE v.programme_id = ? AND v.status = 'active' AND v.balance_fen > 0 ORDER BY v.id",
            ),
            vec![p.id.into()],
        )
        .await?
        .into_iter()
        .map(|v| RosterVoucher {
            code_mac: code_mac(&key, &v.number, &v.code),
            number: v.number,
            holder: v.holder,
            holder_code: v.holder_code,
            value_fen: v.value.fen(),
            balance_fen: v.balance.fen(),
            valid_to: v.valid_to,
        })
        .collect();
    let mut roster = Roster {
        format: FORMAT.into(),
        kind: Kind::Roster,
        programme: p.programme.code.clone(),
        name: p.programme.name.clone(),
        region: partner_region_of_ours(&tx, &p.unit_path).await?,
        copay_percent: p.programme.copay_percent,
        services: p.programme.services.clone(),
        made_on: tx.clock.today(),
        vouchers,
        signature: String::new(),
    };
    sign(&mut roster, &key);
    Ok(roster)
}

/// One of our vouchers as a roster lists it.
struct RosterRow {
    number: String,
    code: String,
    holder: String,
    holder_code: String,
    value: Money,
    balance: Money,
    valid_to: NaiveDate,
}

impl FromRow for RosterRow {
    const TABLE: &'static str = "vouchers";
    const FROM: &'static str = "vouchers v JOIN organisations o ON o.id = v.organisation_id";
    columns!(
        "v.number",
        "v.code",
        "o.name",
        "o.credit_code",
        "v.value_fen",
        "v.balance_fen",
        "v.expires_on"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(RosterRow {
            number: f.text()?,
            code: f.text()?,
            holder: f.text()?,
            holder_code: f.text()?,
            value: Money(f.int()?),
            balance: Money(f.int()?),
            valid_to: f.date()?,
        })
    }
}

/// The name of the unit our programme belongs to (the region the partner sees).
async fn partner_region_of_ours(tx: &Tx, unit_path: &str) -> Result<String> {
    Ok(tx
        .query_one("SELECT name_zh FROM org_units WHERE path = ?", vec![unit_path.into()])
        .await?
        .map(|r| r.try_get_by_index::<String>(0))
        .transpose()?
        .unwrap_or_default())
}

/// Imports the partner's roster: its rules (co-payment, services) and its vouchers. A voucher's
/// balance here is the roster's less what our providers have claimed on it and the partner has
/// not yet answered; a voucher no longer in the roster can pay nothing more. Returns how many
/// vouchers the roster holds.
pub async fn import_roster(
    db: &Db,
    partner_id: i64,
    bytes: &[u8],
    actor: Actor<'_>,
) -> Result<usize> {
    let tx = db.begin_write().await?;
    let (partner, key) = partner_in(&tx, partner_id).await?;
    let roster: Roster = read(bytes, Kind::Roster, &key)?;
    if roster.programme != partner.code {
        let (expected, found) = (partner.code.clone(), roster.programme.clone());
        return Err(ExchangeRefusal::Programme { expected, found }.into());
    }
    for (i, v) in roster.vouchers.iter().enumerate() {
        let good = v.number.starts_with(&format!("{}-", partner.code))
            && v.value_fen > 0
            && (0..=v.value_fen).contains(&v.balance_fen);
        if !good {
            let (line, number) = (i + 1, v.number.clone());
            return Err(ExchangeRefusal::RosterVoucher { line, number }.into());
        }
    }
    tx.exec(
        "UPDATE voucher_partners SET copay_percent = ?, services = ?, roster_on = ? WHERE id = ?",
        vec![
            i64::from(roster.copay_percent.min(100)).into(),
            roster.services.join(",").into(),
            roster.made_on.to_string().into(),
            partner_id.into(),
        ],
    )
    .await?;
    tx.exec(
        "UPDATE partner_vouchers SET balance_fen = 0 WHERE partner_id = ?",
        vec![partner_id.into()],
    )
    .await?;
    for v in &roster.vouchers {
        tx.exec(
            "INSERT INTO partner_vouchers (partner_id, number, holder, holder_code, value_fen, balance_fen, valid_to, code_mac) VALUES (?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (number) DO UPDATE SET holder = excluded.holder, holder_code = excluded.holder_code, value_fen = excluded.value_fen, valid_to = excluded.valid_to, code_mac = excluded.code_mac",
            vec![partner_id.into(), v.number.clone().into(), v.holder.clone().into(), v.holder_code.clone().into(), v.value_fen.into(), v.valid_to.to_string().into(), v.code_mac.clone().into()],
        )
        .await?;
        // what our providers claimed and the partner has not answered is not in its balance yet
        let open = tx
            .query_one(
                "SELECT CAST(COALESCE(SUM(r.amount_fen), 0) AS BIGINT) FROM partner_redemptions r JOIN partner_vouchers w ON w.id = r.partner_voucher_id WHERE w.number = ? AND r.status IN ('pending', 'verified', 'stated')",
                vec![v.number.clone().into()],
            )
            .await?
            .map(|r| r.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0);
        tx.exec(
            "UPDATE partner_vouchers SET balance_fen = ? WHERE number = ? AND partner_id = ?",
            vec![(v.balance_fen - open).max(0).into(), v.number.clone().into(), partner_id.into()],
        )
        .await?;
    }
    let after = serde_json::json!({ "made_on": roster.made_on.to_string(), "vouchers": roster.vouchers.len() });
    log(&tx, actor, "voucher.roster", "voucher_partner", partner_id, after).await?;
    tx.commit().await?;
    Ok(roster.vouchers.len())
}

/// A partner's voucher as its roster said, with what is left of it here.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerVoucherRow {
    pub id: i64,
    pub partner_id: i64,
    pub number: String,
    pub holder: String,
    pub holder_code: String,
    pub value: Money,
    pub balance: Money,
    pub valid_to: NaiveDate,
    pub code_mac: String,
}

impl FromRow for PartnerVoucherRow {
    const TABLE: &'static str = "partner_vouchers";
    columns!(
        id,
        partner_id,
        number,
        holder,
        holder_code,
        value_fen,
        balance_fen,
        valid_to,
        code_mac
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(PartnerVoucherRow {
            id: f.int()?,
            partner_id: f.int()?,
            number: f.text()?,
            holder: f.text()?,
            holder_code: f.text()?,
            value: Money(f.int()?),
            balance: Money(f.int()?),
            valid_to: f.date()?,
            code_mac: f.text()?,
        })
    }
}

pub async fn partner_vouchers(db: &Db, partner_id: i64) -> Result<Vec<PartnerVoucherRow>> {
    db.rows(
        &select::<PartnerVoucherRow>("WHERE partner_id = ? ORDER BY number LIMIT 5000"),
        vec![partner_id.into()],
    )
    .await
}

/// Whether a voucher number is a partner's (its redemption goes through [`redeem_partner`]).
pub async fn is_partner_voucher(db: &Db, number: &str) -> Result<bool> {
    Ok(db
        .query_one("SELECT 1 FROM partner_vouchers WHERE number = ?", vec![number.trim().into()])
        .await?
        .is_some())
}

/// A redemption of a partner's voucher here.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerRedemptionRow {
    pub id: i64,
    pub partner_voucher_id: i64,
    pub voucher: String,
    pub partner_id: i64,
    pub holder: String,
    pub provider_id: i64,
    pub provider: String,
    pub provider_code: String,
    pub service: String,
    pub order_total: Money,
    pub amount: Money,
    pub evidence: String,
    pub used_on: NaiveDate,
    pub request_key: String,
    /// pending, verified, rejected, stated (claimed in a statement), accepted, refused (by the
    /// partner's reply).
    pub status: String,
    pub statement_id: Option<i64>,
    pub reason: String,
    pub created_at: i64,
}

impl FromRow for PartnerRedemptionRow {
    const TABLE: &'static str = "partner_redemptions";
    const FROM: &'static str = "partner_redemptions r JOIN partner_vouchers w ON w.id = r.partner_voucher_id JOIN organisations p ON p.id = r.provider_id";
    columns!(
        "r.id",
        "r.partner_voucher_id",
        "w.number",
        "w.partner_id",
        "w.holder",
        "r.provider_id",
        "p.name",
        "p.credit_code",
        "r.service",
        "r.order_total_fen",
        "r.amount_fen",
        "r.evidence",
        "r.used_on",
        "r.request_key",
        "r.status",
        "r.statement_id",
        "r.reason",
        "r.created_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(PartnerRedemptionRow {
            id: f.int()?,
            partner_voucher_id: f.int()?,
            voucher: f.text()?,
            partner_id: f.int()?,
            holder: f.text()?,
            provider_id: f.int()?,
            provider: f.text()?,
            provider_code: f.text()?,
            service: f.text()?,
            order_total: Money(f.int()?),
            amount: Money(f.int()?),
            evidence: f.text()?,
            used_on: f.date()?,
            request_key: f.text()?,
            status: f.text()?,
            statement_id: f.opt_int()?,
            reason: f.text()?,
            created_at: f.int()?,
        })
    }
}

/// A partner's redemptions, or a provider's (0 for any), newest first.
pub async fn partner_redemptions(
    db: &Db,
    partner_id: i64,
    provider_id: i64,
) -> Result<Vec<PartnerRedemptionRow>> {
    db.rows(
        &select::<PartnerRedemptionRow>(
            "WHERE (? = 0 OR w.partner_id = ?) AND (? = 0 OR r.provider_id = ?) ORDER BY r.id DESC LIMIT 2000",
        ),
        vec![partner_id.into(), partner_id.into(), provider_id.into(), provider_id.into()],
    )
    .await
}

pub async fn partner_redemption(db: &Db, id: i64) -> Result<Option<PartnerRedemptionRow>> {
    db.row(&select::<PartnerRedemptionRow>("WHERE r.id = ?"), vec![id.into()]).await
}

async fn load(tx: &Tx, id: i64) -> Result<PartnerRedemptionRow> {
    tx.row(&select::<PartnerRedemptionRow>("WHERE r.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)
}

/// A provider redeems a partner's voucher: the same rules as ours, the partner's co-payment and
/// services, the balance taken down in the statement that checks it.
pub async fn redeem_partner(db: &Db, r: &Redeem, actor: Actor<'_>) -> Result<PartnerRedemptionRow> {
    let tx = db.begin_write().await?;
    let outcome = redeem_partner_in(&tx, r, actor).await;
    committing_tries(tx, actor, outcome).await
}

async fn redeem_partner_in(tx: &Tx, r: &Redeem, actor: Actor<'_>) -> Result<PartnerRedemptionRow> {
    let first = tx
        .row::<PartnerRedemptionRow>(
            &select::<PartnerRedemptionRow>("WHERE r.request_key = ?"),
            vec![r.request_key.clone().into()],
        )
        .await?;
    if let Some(first) = first {
        if first.voucher != r.number.trim() || first.provider_id != r.provider_id {
            return Err(RedemptionRefusal::KeyReused.into());
        }
        return Ok(first);
    }
    let v = tx
        .row::<PartnerVoucherRow>(
            &select::<PartnerVoucherRow>("WHERE number = ?"),
            vec![r.number.trim().into()],
        )
        .await?
        .ok_or(RedemptionRefusal::UnknownVoucher)?;
    let (partner, key) = partner_in(tx, v.partner_id).await?;
    provider_may(tx, &v, r.provider_id).await?;
    let right = code_mac(&key, &v.number, &r.code) == v.code_mac;
    count_try(tx, CodeTries::Partner, (v.id, r.provider_id), right).await?;
    let used_on = r.used_on.unwrap_or(tx.clock.today());
    if used_on > v.valid_to || tx.clock.today() > v.valid_to {
        return Err(RedemptionRefusal::Expired { on: v.valid_to }.into());
    }
    if !partner.services.contains(&r.service) {
        return Err(RedemptionRefusal::Service { service: r.service.clone() }.into());
    }
    let most = voucher_pays(r.order_total, partner.copay_percent, Money::MAX);
    if r.amount <= Money::ZERO || r.amount > most {
        let copay_percent = partner.copay_percent;
        return Err(RedemptionRefusal::Copay { most, copay_percent }.into());
    }
    let taken = tx
        .exec(
            "UPDATE partner_vouchers SET balance_fen = balance_fen - ? WHERE id = ? AND balance_fen >= ?",
            vec![r.amount.fen().into(), v.id.into(), r.amount.fen().into()],
        )
        .await?;
    if taken != 1 {
        return Err(RedemptionRefusal::Balance { balance: v.balance }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO partner_redemptions (partner_voucher_id, provider_id, service, order_total_fen, amount_fen, evidence, used_on, status, request_key, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            vec![v.id.into(), r.provider_id.into(), r.service.clone().into(), r.order_total.fen().into(), r.amount.fen().into(), r.evidence.trim().into(), used_on.to_string().into(), r.request_key.clone().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    let after = serde_json::json!({ "voucher": v.number, "partner": partner.code, "provider_id": r.provider_id, "amount_fen": r.amount.fen(), "order_total_fen": r.order_total.fen(), "service": r.service, "evidence": r.evidence.trim() });
    log(tx, actor, "voucher.redeem_partner", "partner_redemption", id, after).await?;
    load(tx, id).await
}

/// A provider here may redeem the partner's voucher: a provider or instrument owner (a service
/// organisation registered), not the holder itself (same credit code), and — when the holder is
/// registered here too — no person standing in both.
async fn provider_may(tx: &Tx, v: &PartnerVoucherRow, provider_id: i64) -> Result<()> {
    let credit_code = super::redemption_checks::redeeming_provider(tx, provider_id).await?;
    if credit_code == v.holder_code {
        return Err(RedemptionRefusal::Related { relation: None }.into());
    }
    let holder_here = tx
        .query_one(
            "SELECT id FROM organisations WHERE credit_code = ?",
            vec![v.holder_code.clone().into()],
        )
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?;
    match holder_here {
        Some(holder) => super::redemption_checks::unrelated(tx, holder, provider_id).await,
        None => Ok(()),
    }
}

/// The bureau verifies a pending redemption of a partner's voucher, or rejects it with a reason
/// (the amount back on the voucher).
pub async fn verify_partner(
    db: &Db,
    id: i64,
    ok: bool,
    reason: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let r = load(&tx, id).await?;
    if r.status != "pending" {
        return Err(RedemptionRefusal::State { from: r.status }.into());
    }
    if !ok && reason.trim().is_empty() {
        return Err(RedemptionRefusal::Reason.into());
    }
    let to = if ok { "verified" } else { "rejected" };
    tx.exec(
        "UPDATE partner_redemptions SET status = ?, reason = ?, verified_by = ?, verified_at = ? WHERE id = ? AND status = 'pending'",
        vec![to.into(), reason.trim().into(), actor.username.into(), tx.clock.now_ms().into(), id.into()],
    )
    .await?;
    if !ok {
        tx.exec(
            "UPDATE partner_vouchers SET balance_fen = balance_fen + ? WHERE id = ?",
            vec![r.amount.fen().into(), r.partner_voucher_id.into()],
        )
        .await?;
    }
    let after = serde_json::json!({ "status": to, "reason": reason.trim() });
    log(&tx, actor, "voucher.verify_partner", "partner_redemption", id, after).await?;
    tx.commit().await
}
