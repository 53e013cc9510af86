//! Technology contract registration (技术合同认定登记): the registrant's submissions, the
//! office's decisions (registered — possibly with its type corrected —, refused, more
//! materials asked for), cancellations, and the registered contracts the statistics and the
//! indicator 技术合同成交额 are computed from.
use super::MarketRefusal;
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Count, Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::market::contracts::{
    Action, ContractDraft, Cost, Payment, Status, contract_type, decide_by, next,
};
use innocity_core::projects::money::Money;

/// A registration as the registrant and the office see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    pub id: i64,
    pub organisation_id: i64,
    pub unit_path: String,
    pub title: String,
    pub contract_type: String,
    /// The type the registrant declared (differs when the office corrected it).
    pub declared_type: String,
    pub import: bool,
    pub seller_name: String,
    pub seller_code: String,
    pub buyer_name: String,
    pub buyer_code: String,
    pub buyer_region: String,
    pub ip: String,
    pub subject: String,
    pub signed_on: NaiveDate,
    pub amount: Money,
    pub transaction: Money,
    pub costs: Vec<Cost>,
    pub payments: Vec<Payment>,
    pub electronic: bool,
    pub disputed: bool,
    pub status: String,
    pub status_reason: String,
    pub submitted_on: NaiveDate,
    pub decide_by: NaiveDate,
    pub registration_no: Option<String>,
    pub registered_on: Option<NaiveDate>,
    /// The experts' review round (large or disputed contracts).
    pub review_round_id: Option<i64>,
    pub version: i64,
}

impl FromRow for Contract {
    const TABLE: &'static str = "tech_contracts";
    columns!(
        id,
        organisation_id,
        unit_path,
        title,
        contract_type,
        declared_type,
        import,
        seller_name,
        seller_code,
        buyer_name,
        buyer_code,
        buyer_region,
        ip,
        subject,
        signed_on,
        amount_fen,
        transaction_fen,
        costs,
        payments,
        electronic,
        disputed,
        status,
        status_reason,
        submitted_on,
        decide_by,
        registration_no,
        registered_on,
        review_round_id,
        version
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Contract {
            id: f.int()?,
            organisation_id: f.int()?,
            unit_path: f.text()?,
            title: f.text()?,
            contract_type: f.text()?,
            declared_type: f.text()?,
            import: f.int()? != 0,
            seller_name: f.text()?,
            seller_code: f.text()?,
            buyer_name: f.text()?,
            buyer_code: f.text()?,
            buyer_region: f.text()?,
            ip: f.text()?,
            subject: f.text()?,
            signed_on: f.date()?,
            amount: Money(f.int()?),
            transaction: Money(f.int()?),
            costs: f.json()?,
            payments: f.json()?,
            electronic: f.int()? != 0,
            disputed: f.int()? != 0,
            status: f.text()?,
            status_reason: f.text()?,
            submitted_on: f.date()?,
            decide_by: f.date()?,
            registration_no: f.opt_text()?,
            registered_on: f.opt_date()?,
            review_round_id: f.opt_int()?,
            version: f.int()?,
        })
    }
}

pub async fn contract(db: &Db, id: i64) -> Result<Option<Contract>> {
    db.row(&select::<Contract>("WHERE id = ?"), vec![id.into()]).await
}

/// An organisation's registrations, newest first.
pub async fn of_organisation(db: &Db, organisation_id: i64) -> Result<Vec<Contract>> {
    db.rows(
        &select::<Contract>("WHERE organisation_id = ? ORDER BY id DESC LIMIT 1000"),
        vec![organisation_id.into()],
    )
    .await
}

/// Registrations waiting for the office (submitted), the earliest time limit first.
pub async fn waiting(db: &Db) -> Result<Vec<Contract>> {
    db.rows(
        &select::<Contract>("WHERE status = ? ORDER BY decide_by, id LIMIT 500"),
        vec![Status::Submitted.code().into()],
    )
    .await
}

/// An earlier registration of the same contract still standing (same parties, day and amount).
struct Same(i64);

impl FromRow for Same {
    const TABLE: &'static str = "tech_contracts";
    columns!(id);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Same(f.int()?))
    }
}

/// Who registers: the registering organisation and its unit.
#[derive(Debug, Clone, Copy)]
pub struct Registrant<'a> {
    pub organisation_id: i64,
    pub credit_code: &'a str,
    pub unit_path: &'a str,
}

/// Submits a contract for registration. The registrant must be the seller (for an import, the
/// buyer); the same contract may not stand twice.
pub async fn submit(
    db: &Db,
    who: Registrant<'_>,
    d: &ContractDraft,
    actor: Actor<'_>,
) -> Result<i64> {
    if d.registrant_code() != who.credit_code {
        return Err(StoreError::Market(MarketRefusal::NotRegistrant));
    }
    let tx = db.begin_write().await?;
    let same: Option<Same> = tx
        .row(
            &select::<Same>("WHERE seller_code = ? AND buyer_code = ? AND signed_on = ? AND amount_fen = ? AND status IN ('submitted', 'materials', 'registered')"),
            vec![d.seller_code.clone().into(), d.buyer_code.clone().into(), d.signed_on.to_string().into(), d.amount.fen().into()],
        )
        .await?;
    if let Some(Same(id)) = same {
        return Err(StoreError::Market(MarketRefusal::AlreadyRegistered { id }));
    }
    let today = tx.clock.today();
    let now = tx.clock.now_ms();
    let json = |v: serde_json::Result<String>| v.unwrap_or_else(|_| "[]".into());
    let id = tx
        .insert(
            "INSERT INTO tech_contracts (organisation_id, unit_path, title, contract_type, declared_type, import, seller_name, seller_code, buyer_name, buyer_code, buyer_region, ip, subject, signed_on, amount_fen, transaction_fen, costs, payments, electronic, status, submitted_on, decide_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![who.organisation_id.into(), who.unit_path.into(), d.title.clone().into(), d.contract_type.into(), d.contract_type.into(), i64::from(d.import).into(), d.seller_name.clone().into(), d.seller_code.clone().into(), d.buyer_name.clone().into(), d.buyer_code.clone().into(), d.buyer_region.clone().into(), d.ip.clone().into(), d.subject.clone().into(), d.signed_on.to_string().into(), d.amount.fen().into(), d.transaction().fen().into(), json(serde_json::to_string(&d.costs)).into(), json(serde_json::to_string(&d.payments)).into(), i64::from(d.electronic).into(), Status::Submitted.code().into(), today.to_string().into(), decide_by(today, d.transaction(), false).to_string().into(), now.into(), now.into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "contract.submit",
            entity: "tech_contract",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::to_value(d).unwrap_or_default(),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A decision or a step: what, why, and (registering) the type the office settles on.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    pub action: Action,
    pub reason: &'a str,
    /// Registering: the corrected type, when the declared one is wrong.
    pub corrected_type: Option<&'a str>,
    /// Asking for materials or resubmitting: the parties dispute the contract (30 days).
    pub disputed: bool,
}

/// The year's next registration number: `TC` + year + six digits.
async fn next_number(tx: &Tx, year: i32) -> Result<String> {
    let sql = "SELECT COUNT(*) FROM tech_contracts WHERE registration_no LIKE ?";
    let n = Count::of(tx.row(sql, vec![format!("TC{year}%").into()]).await?);
    Ok(format!("TC{year}{:06}", n + 1))
}

/// Moves a registration on (see [`Step`]); returns its new state.
pub async fn act(
    db: &Db,
    id: i64,
    version: i64,
    step: Step<'_>,
    actor: Actor<'_>,
) -> Result<Status> {
    let reason = step.reason.trim();
    if step.action.needs_reason() && reason.is_empty() {
        return Err(StoreError::Market(MarketRefusal::Reason));
    }
    let tx = db.begin_write().await?;
    let c: Contract = tx
        .row(&select::<Contract>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if c.version != version {
        return Err(StoreError::Stale);
    }
    let from = Status::parse(&c.status).ok_or(StoreError::NotFound)?;
    let to = next(from, step.action).ok_or(StoreError::Market(MarketRefusal::NotNow {
        from: from.code(),
        action: step.action.code(),
    }))?;
    if to == Status::Registered {
        super::files::has_text(&tx, &c).await?;
        super::contract_review::heard(&tx, &c).await?;
    }
    let ty = match step.corrected_type.filter(|t| !t.is_empty()) {
        Some(t) => contract_type(t)
            .ok_or(StoreError::Market(MarketRefusal::ContractType))?
            .code
            .to_string(),
        None => c.contract_type.clone(),
    };
    let today = tx.clock.today();
    let disputed = c.disputed || step.disputed;
    let (number, registered_on) = if to == Status::Registered {
        (Some(next_number(&tx, chrono::Datelike::year(&today)).await?), Some(today.to_string()))
    } else {
        (c.registration_no.clone(), c.registered_on.map(|d| d.to_string()))
    };
    // Resubmitted materials restart the office's clock.
    let (submitted_on, due) = if step.action == Action::Resubmit {
        (today, decide_by(today, c.transaction, disputed))
    } else {
        (
            c.submitted_on,
            if disputed { decide_by(c.submitted_on, c.transaction, true) } else { c.decide_by },
        )
    };
    tx.exec(
        "UPDATE tech_contracts SET status = ?, status_reason = ?, contract_type = ?, disputed = ?, registration_no = ?, registered_on = ?, submitted_on = ?, decide_by = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![to.code().into(), reason.into(), ty.clone().into(), i64::from(disputed).into(), number.clone().into(), registered_on.into(), submitted_on.to_string().into(), due.to_string().into(), tx.clock.now_ms().into(), id.into()],
    )
    .await?;
    audit::append(&tx, Change { actor: actor.username, action: &format!("contract.{}", step.action.code()), entity: "tech_contract", entity_id: id.to_string(), before: serde_json::json!({ "status": from.code(), "type": c.contract_type }), after: serde_json::json!({ "status": to.code(), "type": ty, "reason": reason, "registration_no": number, "decide_by": due.to_string() }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(to)
}

/// A registered contract as the statistics need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    pub unit_path: String,
    pub contract_type: String,
    pub buyer_region: String,
    pub registered_on: NaiveDate,
    pub amount: Money,
    pub transaction: Money,
}

impl FromRow for Registered {
    const TABLE: &'static str = "tech_contracts";
    columns!(unit_path, contract_type, buyer_region, registered_on, amount_fen, transaction_fen);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Registered {
            unit_path: f.text()?,
            contract_type: f.text()?,
            buyer_region: f.text()?,
            registered_on: f.date()?,
            amount: Money(f.int()?),
            transaction: Money(f.int()?),
        })
    }
}

/// The contracts registered (and not cancelled) from `from` to `to`, both included.
pub async fn registered_between(
    db: &Db,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Registered>> {
    db.rows(
        &select::<Registered>(
            "WHERE status = 'registered' AND registered_on >= ? AND registered_on <= ?",
        ),
        vec![from.to_string().into(), to.to_string().into()],
    )
    .await
}

/// A registration from an earlier register (the previous system, or the demo): the contract,
/// who registered it, and how it ended.
#[derive(Debug, Clone)]
pub struct Historic {
    pub organisation_id: i64,
    pub unit_path: String,
    pub draft: ContractDraft,
    /// The type the registrant declared (the draft holds the one settled on).
    pub declared_type: &'static str,
    pub status: Status,
    pub reason: String,
    pub submitted_on: NaiveDate,
    pub registered_on: Option<NaiveDate>,
    pub registration_no: Option<String>,
}

/// Loads earlier registrations in one transaction with one audit entry (their numbers and
/// dates kept). Returns how many.
pub async fn import_history(db: &Db, rows: &[Historic], actor: Actor<'_>) -> Result<usize> {
    let tx = db.begin_write().await?;
    let now = tx.clock.now_ms();
    let json = |v: serde_json::Result<String>| v.unwrap_or_else(|_| "[]".into());
    for chunk in rows.chunks(40) {
        let marks = vec![
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
            chunk.len()
        ]
        .join(", ");
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 27);
        for h in chunk {
            let d = &h.draft;
            values.extend([
                h.organisation_id.into(),
                h.unit_path.clone().into(),
                d.title.clone().into(),
                d.contract_type.into(),
                h.declared_type.into(),
                i64::from(d.import).into(),
                d.seller_name.clone().into(),
                d.seller_code.clone().into(),
                d.buyer_name.clone().into(),
                d.buyer_code.clone().into(),
                d.buyer_region.clone().into(),
                d.ip.clone().into(),
                d.subject.clone().into(),
                d.signed_on.to_string().into(),
                d.amount.fen().into(),
                d.transaction().fen().into(),
                json(serde_json::to_string(&d.costs)).into(),
                json(serde_json::to_string(&d.payments)).into(),
                i64::from(d.electronic).into(),
                h.status.code().into(),
                h.reason.clone().into(),
                h.submitted_on.to_string().into(),
                decide_by(h.submitted_on, d.transaction(), false).to_string().into(),
                h.registration_no.clone().into(),
                h.registered_on.map(|d| d.to_string()).into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.exec(
            &format!("INSERT INTO tech_contracts (organisation_id, unit_path, title, contract_type, declared_type, import, seller_name, seller_code, buyer_name, buyer_code, buyer_region, ip, subject, signed_on, amount_fen, transaction_fen, costs, payments, electronic, status, status_reason, submitted_on, decide_by, registration_no, registered_on, created_at, updated_at) VALUES {marks}"),
            values,
        )
        .await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "contract.import_history",
            entity: "tech_contract",
            entity_id: String::new(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "contracts": rows.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// An organisation's contracts registered (and not cancelled) from `from` to `to`: what its
/// statistical returns report as 技术合同成交额 is checked against them.
pub async fn registered_by(
    db: &Db,
    organisation_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Registered>> {
    db.rows(
        &select::<Registered>("WHERE organisation_id = ? AND status = 'registered' AND registered_on >= ? AND registered_on <= ?"),
        vec![organisation_id.into(), from.to_string().into(), to.to_string().into()],
    )
    .await
}
