//! Checks a redemption passes besides the voucher's own rules: the verification code, tried a
//! limited number of times per voucher and provider (then locked for a while), and, when it pays
//! a service order, that order's provider, customer, service, fee and what vouchers paid of it.
use super::redemptions::{Redeem, RedemptionRefusal, VoucherRow};
use crate::db::{Result, StoreError, Tx};
use crate::orgs::Actor;
use innocity_core::projects::money::Money;
use innocity_core::sharing::vouchers::voucher_pays;

/// A redemption paying a service order: the provider's completed order for the voucher's
/// enterprise, the total its final fee, and within what vouchers may pay of it with the
/// redemptions it has (rejected and clawed-back ones aside).
pub(super) async fn order_fits(
    tx: &Tx,
    v: &VoucherRow,
    r: &Redeem,
    order: i64,
    copay_percent: u32,
) -> Result<()> {
    let row = tx
        .query_one(
            "SELECT x.fee_fen, s.kind FROM service_orders x JOIN provider_services s ON s.id = x.service_id WHERE x.id = ? AND x.provider_id = ? AND x.customer_id = ? AND x.status = 'completed'",
            vec![order.into(), r.provider_id.into(), v.organisation_id.into()],
        )
        .await?
        .ok_or(RedemptionRefusal::NotTheOrder)?;
    let fee = Money(row.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0));
    let kind: String = row.try_get_by_index(1)?;
    if r.service != kind {
        return Err(RedemptionRefusal::OrderService { kind }.into());
    }
    if r.order_total != fee {
        return Err(RedemptionRefusal::OrderTotal { fee }.into());
    }
    let paid = tx
        .query_one(
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM voucher_redemptions WHERE order_id = ? AND status IN ('pending', 'verified', 'settled')",
            vec![order.into()],
        )
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    let left = Money(voucher_pays(fee, copay_percent, Money::MAX).fen().saturating_sub(paid));
    if r.amount > left {
        return Err(RedemptionRefusal::OrderPaid { most: left.max(Money::ZERO) }.into());
    }
    Ok(())
}

/// The provider may redeem vouchers at all: a service organisation the bureau has registered, or
/// an owner of instruments (university, institute, hospital). Returns its credit code.
pub(super) async fn redeeming_provider(tx: &Tx, provider_id: i64) -> Result<String> {
    let row = tx
        .query_one(
            "SELECT kind, credit_code FROM organisations WHERE id = ?",
            vec![provider_id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let kind: String = row.try_get_by_index(0)?;
    if !matches!(kind.as_str(), "service_provider" | "university" | "institute" | "hospital") {
        return Err(RedemptionRefusal::NotProvider.into());
    }
    // a service organisation redeems once the bureau has registered it; universities and
    // institutes redeem as owners of the instruments the voucher paid for
    if kind == "service_provider" && !super::is_registered_in(tx, provider_id).await? {
        return Err(RedemptionRefusal::NotRegistered.into());
    }
    Ok(row.try_get_by_index(1)?)
}

/// No person of the records stands in both the enterprise and the provider.
pub(super) async fn unrelated(tx: &Tx, enterprise_id: i64, provider_id: i64) -> Result<()> {
    use super::relations::people_of;
    let (ours, theirs) = (people_of(tx, enterprise_id).await?, people_of(tx, provider_id).await?);
    match innocity_core::sharing::vouchers::related(&ours, &theirs) {
        Some(relation) => Err(RedemptionRefusal::Related { relation: Some(relation) }.into()),
        None => Ok(()),
    }
}

/// Where a voucher's wrong codes are counted: our own vouchers, or a partner region's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeTries {
    Voucher,
    Partner,
}

impl CodeTries {
    fn table(self) -> &'static str {
        match self {
            Self::Voucher => "voucher_code_tries",
            Self::Partner => "partner_code_tries",
        }
    }
    fn column(self) -> &'static str {
        match self {
            Self::Voucher => "voucher_id",
            Self::Partner => "partner_voucher_id",
        }
    }
    fn entity(self) -> &'static str {
        match self {
            Self::Voucher => "voucher",
            Self::Partner => "partner_voucher",
        }
    }
}

/// The verification code, tried by a provider that may redeem: each try counted first for this
/// voucher and provider (the row's lock keeps concurrent tries in turn), refused while locked;
/// a right code starts the count again. A booking's voucher pays without a typed code.
pub(super) async fn try_code(tx: &Tx, v: &VoucherRow, r: &Redeem) -> Result<()> {
    if r.booking_id.is_some() && r.code == v.code {
        return Ok(());
    }
    count_try(tx, CodeTries::Voucher, (v.id, r.provider_id), v.code == r.code.trim()).await
}

/// One try of a code (`right` or not) on the voucher `id` by the provider, counted in `kind`'s
/// table inside the redemption's write.
pub(super) async fn count_try(
    tx: &Tx,
    kind: CodeTries,
    (id, provider_id): (i64, i64),
    right: bool,
) -> Result<()> {
    let (table, column) = (kind.table(), kind.column());
    let key = vec![id.into(), provider_id.into()];
    tx.exec(
        &format!("INSERT INTO {table} ({column}, provider_id, tries) VALUES (?, ?, 1) ON CONFLICT ({column}, provider_id) DO UPDATE SET tries = {table}.tries + 1"),
        key.clone(),
    )
    .await?;
    let row = tx
        .query_one(
            &format!(
                "SELECT tries, locked_until FROM {table} WHERE {column} = ? AND provider_id = ?"
            ),
            key.clone(),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let tries: i64 = row.try_get_by_index(0)?;
    let locked: Option<i64> = row.try_get_by_index(1)?;
    if let Some(until) = locked.filter(|u| *u > tx.clock.now_ms()) {
        let until = tx.clock.local_of_ms(until).unwrap_or_default();
        return Err(RedemptionRefusal::Locked { until }.into());
    }
    if !right {
        return Err(
            RedemptionRefusal::WrongCode { kind, voucher_id: id, provider_id, tries }.into()
        );
    }
    tx.exec(&format!("UPDATE {table} SET tries = 0 WHERE {column} = ? AND provider_id = ?"), key)
        .await?;
    Ok(())
}

/// A provider's wrong code, counted (by `count_try`) in the redemption's own write: the last
/// allowed one locks the voucher for that provider. Returns the refusal to answer.
pub(super) async fn wrong_code(
    tx: &Tx,
    kind: CodeTries,
    (voucher_id, provider_id): (i64, i64),
    tries: i64,
    actor: Actor<'_>,
) -> Result<RedemptionRefusal> {
    use innocity_core::sharing::vouchers::{CODE_LOCK_MINUTES, CODE_TRIES};
    let mut answer = RedemptionRefusal::UnknownVoucher;
    let mut after = serde_json::json!({ "provider_id": provider_id, "tries": tries });
    if tries >= CODE_TRIES {
        let until = tx.clock.now_ms() + CODE_LOCK_MINUTES * 60_000;
        let (table, column) = (kind.table(), kind.column());
        tx.exec(
            &format!("UPDATE {table} SET tries = 0, locked_until = ? WHERE {column} = ? AND provider_id = ?"),
            vec![until.into(), voucher_id.into(), provider_id.into()],
        )
        .await?;
        let local = tx.clock.local_of_ms(until).unwrap_or_default();
        after["locked_until"] = serde_json::json!(local.to_string());
        answer = RedemptionRefusal::Locked { until: local };
    }
    super::log(tx, actor, "voucher.wrong_code", kind.entity(), voucher_id, after).await?;
    Ok(answer)
}

/// Runs a redemption's write and commits it; a wrong code's count (the only write so far when
/// it is wrong) is kept and committed whatever is answered.
pub(super) async fn committing_tries<T>(tx: Tx, actor: Actor<'_>, outcome: Result<T>) -> Result<T> {
    match outcome {
        Err(StoreError::Sharing(super::SharingRefusal::Redemption(
            RedemptionRefusal::WrongCode { kind, voucher_id, provider_id, tries },
        ))) => {
            let answer = wrong_code(&tx, kind, (voucher_id, provider_id), tries, actor).await?;
            tx.commit().await?;
            Err(answer.into())
        }
        Err(e) => Err(e),
        Ok(row) => {
            tx.commit().await?;
            Ok(row)
        }
    }
}
