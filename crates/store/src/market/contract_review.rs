//! Expert review (专家评议) of large or disputed technology contracts: before the office
//! registers one, the contract goes to a review round of the experts engine (conflicts with the
//! seller, optimal assignment or drawing, scoring), and the round must be closed.
use super::MarketRefusal;
use super::contracts::Contract;
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
use crate::experts::{self, Item, ReviewPlan, Round};
use crate::orgs::Actor;
use crate::rows::select;
use chrono::Datelike;
use innocity_core::experts::scoring::Method;
use innocity_core::market::contracts::{Status, needs_experts};

/// The contract as the round's one item: the seller is the applicant (its experts are in
/// conflict), the subject is what the experts read.
fn item(c: &Contract) -> Item {
    Item {
        id: 0,
        round_id: 0,
        code: format!("HT{:06}", c.id),
        title: c.title.clone(),
        body: format!("{}\n{}", c.subject, c.ip),
        discipline: c.contract_type.clone(),
        applicant: c.seller_name.clone(),
        members: vec![],
        credit_code: c.seller_code.clone(),
        org_name: c.seller_name.clone(),
        unit_path: c.unit_path.clone(),
        avoid: vec![c.buyer_name.clone()],
    }
}

/// Sends a submitted large or disputed contract to the experts (once); returns the round.
pub async fn send_to_experts(
    db: &Db,
    id: i64,
    version: i64,
    plan: &ReviewPlan,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let c: Contract = tx
        .row(&select::<Contract>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if c.version != version {
        return Err(StoreError::Stale);
    }
    if c.status != Status::Submitted.code() {
        return Err(StoreError::Market(MarketRefusal::NotNow {
            from: Status::parse(&c.status).map_or("", Status::code),
            action: "experts",
        }));
    }
    if !needs_experts(c.transaction, c.disputed) || c.review_round_id.is_some() {
        return Err(StoreError::Market(MarketRefusal::NoExpertsNeeded));
    }
    let year = i64::from(tx.clock.today().year());
    let round =
        plan.round(format!("HT{:06}-ZJ", c.id), format!("技术合同认定登记 {}", c.title), year);
    let round_id = experts::create_round_in(&tx, db, &round, &[item(&c)], actor).await?;
    tx.exec(
        "UPDATE tech_contracts SET review_round_id = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![round_id.into(), tx.clock.now_ms().into(), id.into()],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "contract.experts",
            entity: "tech_contract",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "round": round.code, "round_id": round_id }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(round_id)
}

/// Refuses to register a large or disputed contract before its experts' round is closed.
pub(super) async fn heard(tx: &Tx, c: &Contract) -> Result<()> {
    if !needs_experts(c.transaction, c.disputed) {
        return Ok(());
    }
    let Some(round) = c.review_round_id else {
        return Err(StoreError::Market(MarketRefusal::ExpertsFirst));
    };
    let r: Option<Round> = tx.row(&select::<Round>("WHERE id = ?"), vec![round.into()]).await?;
    match r {
        Some(r) if !r.is_open() => Ok(()),
        _ => Err(StoreError::Market(MarketRefusal::ExpertsFirst)),
    }
}

/// What the experts said of a contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard {
    pub round_id: i64,
    pub closed: bool,
    /// Submitted reviews, their mean score, whether the experts disagree.
    pub reviews: usize,
    pub mean: f64,
    pub disagreement: bool,
}

/// The experts' review of a contract, if it went to them.
pub async fn heard_of(db: &Db, c: &Contract) -> Result<Option<Heard>> {
    let Some(round_id) = c.review_round_id else { return Ok(None) };
    let closed = experts::round(db, round_id).await?.is_some_and(|r| !r.is_open());
    let (items, _) = experts::results(db, round_id, Method::Mean).await?;
    let one = items.into_iter().next();
    Ok(Some(Heard {
        round_id,
        closed,
        reviews: one.as_ref().map_or(0, |i| i.n),
        mean: one.as_ref().map_or(0.0, |i| i.mean),
        disagreement: one.is_some_and(|i| i.disagreement),
    }))
}
