//! Innovation voucher programmes: the bureau opens one with its budget and caps; an eligible
//! enterprise applies; the bureau grants a quota and the voucher is issued (numbered, with a
//! verification code) in the same write, never beyond the budget.
use super::{SharingRefusal, log};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::projects::money::Money;
use innocity_core::sharing::vouchers::{Eligibility, Ledger, Programme, number};

/// Why a voucher change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoucherRefusal {
    CodeTaken {
        code: String,
    },
    /// Outside the programme's validity.
    NotOpen {
        from: NaiveDate,
        to: NaiveDate,
    },
    /// Only enterprises apply.
    NotEnterprise,
    /// The enterprise is registered outside the programme's area.
    OutsideArea,
    /// A research-credit record bars the enterprise.
    BadCredit,
    /// The programme asks for a valid 科技型中小企业 registration.
    NotTechSme,
    /// Over the cap of one application.
    OverApplicationCap {
        cap: Money,
    },
    /// Over the cap of one enterprise in the programme (granted and asked so far included).
    OverEnterpriseCap {
        cap: Money,
        used: Money,
    },
    /// More than the programme has left to grant.
    OverBudget {
        unissued: Money,
    },
    /// A grant above what was asked, or of nothing.
    Grant,
    /// The application was decided already.
    Decided,
    Reason,
    /// An ID number that is not one (18 characters with a valid check).
    IdNumber,
    /// The person is recorded in this standing for the organisation already.
    PersonRecorded,
}

impl From<VoucherRefusal> for StoreError {
    fn from(r: VoucherRefusal) -> Self {
        SharingRefusal::Voucher(r).into()
    }
}

/// A programme with its running totals.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeRow {
    pub id: i64,
    pub unit_path: String,
    pub programme: Programme,
    pub issued: Money,
    pub returned: Money,
}

impl ProgrammeRow {
    pub fn unissued(&self) -> Money {
        Money(self.programme.budget.fen() - self.issued.fen() + self.returned.fen())
    }
}

impl FromRow for ProgrammeRow {
    const TABLE: &'static str = "voucher_programmes";
    columns!(
        id,
        unit_path,
        code,
        name,
        year,
        budget_fen,
        per_application_fen,
        per_enterprise_fen,
        copay_percent,
        services,
        eligibility,
        valid_from,
        valid_to,
        issued_fen,
        returned_fen
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ProgrammeRow {
            id: f.int()?,
            unit_path: f.text()?,
            programme: Programme {
                code: f.text()?,
                name: f.text()?,
                year: f.int32()?,
                budget: Money(f.int()?),
                per_application: Money(f.int()?),
                per_enterprise: Money(f.int()?),
                copay_percent: f.int_as()?,
                services: f.text()?.split(',').map(String::from).collect(),
                eligibility: f.code(Eligibility::parse)?,
                valid_from: f.date()?,
                valid_to: f.date()?,
            },
            issued: Money(f.int()?),
            returned: Money(f.int()?),
        })
    }
}

/// Opens a programme for enterprises under `unit_path`.
pub async fn create_programme(
    db: &Db,
    p: &Programme,
    unit_path: &str,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let taken = tx
        .query_one("SELECT id FROM voucher_programmes WHERE code = ?", vec![p.code.clone().into()])
        .await?;
    if taken.is_some() {
        return Err(VoucherRefusal::CodeTaken { code: p.code.clone() }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO voucher_programmes (code, name, year, unit_path, budget_fen, per_application_fen, per_enterprise_fen, copay_percent, services, eligibility, valid_from, valid_to, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                p.code.clone().into(),
                p.name.clone().into(),
                i64::from(p.year).into(),
                unit_path.into(),
                p.budget.fen().into(),
                p.per_application.fen().into(),
                p.per_enterprise.fen().into(),
                i64::from(p.copay_percent).into(),
                p.services.join(",").into(),
                p.eligibility.code().into(),
                p.valid_from.to_string().into(),
                p.valid_to.to_string().into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    log(&tx, actor, "voucher.programme", "voucher_programme", id, serde_json::json!(p)).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn programmes(db: &Db) -> Result<Vec<ProgrammeRow>> {
    db.rows(&select::<ProgrammeRow>("ORDER BY year DESC, id DESC"), vec![]).await
}

pub async fn programme(db: &Db, id: i64) -> Result<Option<ProgrammeRow>> {
    db.row(&select::<ProgrammeRow>("WHERE id = ?"), vec![id.into()]).await
}

pub(super) async fn programme_in(tx: &Tx, id: i64) -> Result<ProgrammeRow> {
    tx.row(&select::<ProgrammeRow>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)
}

/// An application with its enterprise.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationRow {
    pub id: i64,
    pub programme_id: i64,
    pub programme: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub unit_path: String,
    pub requested: Money,
    pub purpose: String,
    /// submitted, granted or refused.
    pub status: String,
    pub granted: Money,
    pub reason: String,
    pub created_at: i64,
}

impl FromRow for ApplicationRow {
    const TABLE: &'static str = "voucher_applications";
    const FROM: &'static str = "voucher_applications a JOIN voucher_programmes p ON p.id = a.programme_id JOIN organisations o ON o.id = a.organisation_id";
    columns!(
        "a.id",
        "a.programme_id",
        "p.name",
        "a.organisation_id",
        "o.name",
        "o.unit_path",
        "a.requested_fen",
        "a.purpose",
        "a.status",
        "a.granted_fen",
        "a.reason",
        "a.created_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ApplicationRow {
            id: f.int()?,
            programme_id: f.int()?,
            programme: f.text()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            unit_path: f.text()?,
            requested: Money(f.int()?),
            purpose: f.text()?,
            status: f.text()?,
            granted: Money(f.int()?),
            reason: f.text()?,
            created_at: f.int()?,
        })
    }
}

pub async fn applications(
    db: &Db,
    programme_id: Option<i64>,
    organisation_id: Option<i64>,
) -> Result<Vec<ApplicationRow>> {
    let sql = select::<ApplicationRow>(
        "WHERE (? = 0 OR a.programme_id = ?) AND (? = 0 OR a.organisation_id = ?) ORDER BY a.id DESC",
    );
    let (p, o) = (programme_id.unwrap_or(0), organisation_id.unwrap_or(0));
    db.rows(&sql, vec![p.into(), p.into(), o.into(), o.into()]).await
}

pub async fn application(db: &Db, id: i64) -> Result<Option<ApplicationRow>> {
    db.row(&select::<ApplicationRow>("WHERE a.id = ?"), vec![id.into()]).await
}

/// What an enterprise has been granted or asked for in a programme, still open.
async fn committed(tx: &Tx, programme_id: i64, organisation_id: i64) -> Result<Money> {
    let row = tx
        .query_one(
            "SELECT CAST(COALESCE(SUM(CASE WHEN status = 'granted' THEN granted_fen WHEN status = 'submitted' THEN requested_fen ELSE 0 END), 0) AS BIGINT) FROM voucher_applications WHERE programme_id = ? AND organisation_id = ?",
            vec![programme_id.into(), organisation_id.into()],
        )
        .await?;
    Ok(Money(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0)))
}

/// Checks that the enterprise may apply to the programme on `today`.
async fn eligible(tx: &Tx, p: &ProgrammeRow, organisation_id: i64, today: NaiveDate) -> Result<()> {
    let prog = &p.programme;
    if today < prog.valid_from || today > prog.valid_to {
        return Err(VoucherRefusal::NotOpen { from: prog.valid_from, to: prog.valid_to }.into());
    }
    let org = tx
        .query_one(
            "SELECT kind, unit_path, credit_code FROM organisations WHERE id = ?",
            vec![organisation_id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let (kind, path, credit): (String, String, String) =
        (org.try_get_by_index(0)?, org.try_get_by_index(1)?, org.try_get_by_index(2)?);
    if kind != "enterprise" {
        return Err(VoucherRefusal::NotEnterprise.into());
    }
    if !path.starts_with(&p.unit_path) {
        return Err(VoucherRefusal::OutsideArea.into());
    }
    let records = tx
        .rows::<crate::credit::Entry>(
            &select::<crate::credit::Entry>("WHERE subject_key = ? ORDER BY record_date"),
            vec![credit.into()],
        )
        .await?
        .into_iter()
        .map(|e| e.record)
        .collect::<Vec<_>>();
    if !innocity_core::credit::eligibility(&records, today).allowed {
        return Err(VoucherRefusal::BadCredit.into());
    }
    if prog.eligibility == Eligibility::TechSme {
        let sme = tx
            .query_one(
                "SELECT 1 FROM organisation_qualifications WHERE organisation_id = ? AND code = 'tech_sme' AND valid_until >= ?",
                vec![organisation_id.into(), today.to_string().into()],
            )
            .await?;
        if sme.is_none() {
            return Err(VoucherRefusal::NotTechSme.into());
        }
    }
    Ok(())
}

/// An enterprise applies for a quota. Returns the application's id.
pub async fn apply(
    db: &Db,
    programme_id: i64,
    organisation_id: i64,
    requested: Money,
    purpose: &str,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let p = programme_in(&tx, programme_id).await?;
    let today = tx.clock.today();
    eligible(&tx, &p, organisation_id, today).await?;
    if requested <= Money::ZERO {
        return Err(VoucherRefusal::Grant.into());
    }
    if requested > p.programme.per_application {
        return Err(VoucherRefusal::OverApplicationCap { cap: p.programme.per_application }.into());
    }
    let used = committed(&tx, programme_id, organisation_id).await?;
    if used.fen() + requested.fen() > p.programme.per_enterprise.fen() {
        return Err(
            VoucherRefusal::OverEnterpriseCap { cap: p.programme.per_enterprise, used }.into()
        );
    }
    if purpose.trim().is_empty() {
        return Err(VoucherRefusal::Reason.into());
    }
    let id = tx
        .insert(
            "INSERT INTO voucher_applications (programme_id, organisation_id, requested_fen, purpose, status, created_by, created_at) VALUES (?, ?, ?, ?, 'submitted', ?, ?)",
            vec![programme_id.into(), organisation_id.into(), requested.fen().into(), purpose.trim().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    let after = serde_json::json!({ "programme_id": programme_id, "organisation_id": organisation_id, "requested_fen": requested.fen(), "purpose": purpose.trim() });
    log(&tx, actor, "voucher.apply", "voucher_application", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// Six digits the enterprise gives the provider with the voucher's number.
fn verification_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

/// The bureau grants `grant` (at most what was asked) and issues the voucher, or refuses with a
/// reason (`grant` none). Returns the voucher's id when one was issued.
pub async fn decide_application(
    db: &Db,
    id: i64,
    grant: Option<Money>,
    reason: &str,
    actor: Actor<'_>,
) -> Result<Option<i64>> {
    let tx = db.begin_write().await?;
    let a: ApplicationRow = tx
        .row(&select::<ApplicationRow>("WHERE a.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if a.status != "submitted" {
        return Err(VoucherRefusal::Decided.into());
    }
    let now = tx.clock.now_ms();
    let Some(grant) = grant else {
        if reason.trim().is_empty() {
            return Err(VoucherRefusal::Reason.into());
        }
        tx.exec(
            "UPDATE voucher_applications SET status = 'refused', reason = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            vec![reason.trim().into(), actor.username.into(), now.into(), id.into()],
        )
        .await?;
        log(
            &tx,
            actor,
            "voucher.refuse",
            "voucher_application",
            id,
            serde_json::json!({ "reason": reason.trim() }),
        )
        .await?;
        tx.commit().await?;
        return Ok(None);
    };
    if grant <= Money::ZERO || grant > a.requested {
        return Err(VoucherRefusal::Grant.into());
    }
    let p = programme_in(&tx, a.programme_id).await?;
    if grant > p.unissued() {
        return Err(VoucherRefusal::OverBudget { unissued: p.unissued() }.into());
    }
    tx.exec(
        "UPDATE voucher_applications SET status = 'granted', granted_fen = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ?",
        vec![grant.fen().into(), reason.trim().into(), actor.username.into(), now.into(), id.into()],
    )
    .await?;
    let seq = tx
        .query_one("UPDATE voucher_programmes SET next_number = next_number + 1, issued_fen = issued_fen + ? WHERE id = ? RETURNING next_number - 1", vec![grant.fen().into(), p.id.into()])
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .ok_or(StoreError::NotFound)?;
    let voucher_number = number(&p.programme.code, seq);
    let voucher = tx
        .insert(
            "INSERT INTO vouchers (number, code, programme_id, application_id, organisation_id, value_fen, balance_fen, status, issued_at, expires_on) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
            vec![
                voucher_number.clone().into(),
                verification_code().into(),
                p.id.into(),
                id.into(),
                a.organisation_id.into(),
                grant.fen().into(),
                grant.fen().into(),
                now.into(),
                p.programme.valid_to.to_string().into(),
            ],
        )
        .await?;
    let after = serde_json::json!({ "granted_fen": grant.fen(), "voucher": voucher_number });
    log(&tx, actor, "voucher.grant", "voucher_application", id, after).await?;
    tx.commit().await?;
    Ok(Some(voucher))
}

/// A programme's ledger, summed from its vouchers, redemptions and accepted exchange lines in
/// one statement (one snapshot, whatever is being redeemed meanwhile).
pub async fn ledger(db: &Db, programme_id: i64) -> Result<Ledger> {
    let redeemed = |statuses: &str| {
        format!(
            "(SELECT CAST(COALESCE(SUM(r.amount_fen), 0) AS BIGINT) FROM voucher_redemptions r JOIN vouchers v ON v.id = r.voucher_id WHERE v.programme_id = p.id AND r.status IN ({statuses}))"
        )
    };
    let sql = format!(
        "SELECT p.budget_fen, {issued}, {balance}, {expired}, {pending}, {redeemed}, {exchanged}, {recovered} FROM voucher_programmes p WHERE p.id = ?",
        issued = "(SELECT CAST(COALESCE(SUM(value_fen), 0) AS BIGINT) FROM vouchers WHERE programme_id = p.id)",
        balance = "(SELECT CAST(COALESCE(SUM(balance_fen), 0) AS BIGINT) FROM vouchers WHERE programme_id = p.id)",
        expired = "(SELECT CAST(COALESCE(SUM(expired_fen), 0) AS BIGINT) FROM vouchers WHERE programme_id = p.id)",
        pending = redeemed("'pending'"),
        redeemed = redeemed("'verified', 'settled'"),
        exchanged = "(SELECT CAST(COALESCE(SUM(l.amount_fen), 0) AS BIGINT) FROM exchange_lines l JOIN vouchers v ON v.id = l.voucher_id JOIN exchange_statements s ON s.id = l.statement_id WHERE v.programme_id = p.id AND s.direction = 'owed' AND l.outcome = 'accepted')",
        recovered = redeemed("'clawed_back'"),
    );
    let rows = db
        .read(&sql, vec![programme_id.into()], |r| {
            Ok(Ledger {
                budget: Money(r.int(0)?),
                issued: Money(r.int(1)?),
                balance: Money(r.int(2)?),
                expired: Money(r.int(3)?),
                pending: Money(r.int(4)?),
                redeemed: Money(r.int(5)?),
                exchanged: Money(r.int(6)?),
                recovered: Money(r.int(7)?),
            })
        })
        .await?;
    rows.into_iter().next().ok_or(StoreError::NotFound)
}
