//! The institutions' follow-up on a demand, one per demand and product: the enterprise applies or
//! the institution reaches out, steps move forward (contacted, due diligence, approved or
//! declined with the reason, or withdrawn by the enterprise), each kept with who took it when.
use super::FinancingRefusal;
use super::demands::DemandRow;
use super::products::ProductRow;
use crate::db::{Db, Result, StoreError, Tx};
use crate::finance::log;
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::finance::financing::{NeedKind, ProductKind, Side, Stage, StepDraft, next};
use innocity_core::projects::money::Money;

fn stage(code: &str) -> Result<Stage> {
    Stage::parse(code).ok_or_else(|| StoreError::Invalid("financing stage".into()))
}

#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpRow {
    pub id: i64,
    pub demand_id: i64,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub need: NeedKind,
    pub asked: Money,
    pub product_id: i64,
    pub product: String,
    pub product_kind: ProductKind,
    pub institution_id: i64,
    pub institution: String,
    pub stage: Stage,
    pub approved: Option<Money>,
    pub opened_at: i64,
    pub updated_at: i64,
}

impl FromRow for FollowUpRow {
    const TABLE: &'static str = "financing_followups";
    const FROM: &'static str = "financing_followups f JOIN financing_demands d ON d.id = f.demand_id \
        JOIN organisations e ON e.id = d.organisation_id JOIN financing_products p ON p.id = f.product_id \
        JOIN organisations i ON i.id = f.institution_id";
    columns!(
        "f.id",
        "f.demand_id",
        "d.organisation_id",
        "e.name",
        "d.kind",
        "d.amount_fen",
        "f.product_id",
        "p.name",
        "p.kind",
        "f.institution_id",
        "i.name",
        "f.stage",
        "f.approved_fen",
        "f.opened_at",
        "f.updated_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(FollowUpRow {
            id: f.int()?,
            demand_id: f.int()?,
            enterprise_id: f.int()?,
            enterprise: f.text()?,
            need: NeedKind::parse(&f.text()?)
                .ok_or_else(|| StoreError::Invalid("financing demand kind".into()))?,
            asked: Money(f.int()?),
            product_id: f.int()?,
            product: f.text()?,
            product_kind: ProductKind::parse(&f.text()?)
                .ok_or_else(|| StoreError::Invalid("financing product kind".into()))?,
            institution_id: f.int()?,
            institution: f.text()?,
            stage: stage(&f.text()?)?,
            approved: f.opt_int()?.map(Money),
            opened_at: f.int()?,
            updated_at: f.int()?,
        })
    }
}

/// A step on a follow-up's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    pub id: i64,
    pub followup_id: i64,
    pub stage: Stage,
    /// enterprise or institution.
    pub side: String,
    pub note: String,
    pub approved: Option<Money>,
    pub taken_by: String,
    pub taken_at: i64,
}

impl FromRow for StepRow {
    const TABLE: &'static str = "financing_steps";
    const FROM: &'static str = "financing_steps";
    columns!("id", "followup_id", "stage", "side", "note", "approved_fen", "taken_by", "taken_at");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(StepRow {
            id: f.int()?,
            followup_id: f.int()?,
            stage: stage(&f.text()?)?,
            side: f.text()?,
            note: f.text()?,
            approved: f.opt_int()?.map(Money),
            taken_by: f.text()?,
            taken_at: f.int()?,
        })
    }
}

/// Takes a step on the follow-up of `demand` under `product` (the caller has checked that the
/// actor acts for the demand's enterprise or the product's institution, as `side` says). The
/// first step opens the follow-up; returns its id.
pub async fn take(
    db: &Db,
    demand: &DemandRow,
    product: &ProductRow,
    side: Side,
    step: &StepDraft,
    actor: Actor<'_>,
) -> Result<i64> {
    if !product.kind.serves(demand.kind) {
        return Err(FinancingRefusal::KindMismatch { product: product.kind.code().into() }.into());
    }
    if step.approved.is_some_and(|m| m > demand.amount) {
        return Err(FinancingRefusal::OverAsked.into());
    }
    if step.approved.is_some_and(|m| m > product.amount_max) {
        return Err(FinancingRefusal::OverProduct { max: product.amount_max }.into());
    }
    let tx = db.begin_write().await?;
    let today = tx.clock.today();
    let now = tx.clock.now_ms();
    let current = match tx
        .query_one(
            "SELECT id, stage FROM financing_followups WHERE demand_id = ? AND product_id = ?",
            vec![demand.id.into(), product.id.into()],
        )
        .await?
    {
        Some(r) => Some((r.try_get_by_index::<i64>(0)?, stage(&r.try_get_by_index::<String>(1)?)?)),
        None => None,
    };
    next(current.map(|c| c.1), step.stage, side).map_err(FinancingRefusal::Step)?;
    // A follow-up begins only on an open demand and an open product (read in this write);
    // one begun goes on to its end after the demand lapses (closing it withdraws them).
    if current.is_none() {
        let d: Option<DemandRow> =
            tx.row(&select::<DemandRow>("WHERE d.id = ?"), vec![demand.id.into()]).await?;
        if !d.is_some_and(|d| d.open_on(today)) {
            return Err(FinancingRefusal::DemandClosed.into());
        }
        let p: Option<ProductRow> =
            tx.row(&select::<ProductRow>("WHERE p.id = ?"), vec![product.id.into()]).await?;
        if !p.is_some_and(|p| p.open_on(today)) {
            return Err(FinancingRefusal::ProductClosed.into());
        }
    }
    let approved = step.approved.map(|m| m.fen());
    let id = match current {
        None => open(&tx, demand, product, step, now).await?,
        Some((id, was)) => {
            let n = tx
                .exec(
                    "UPDATE financing_followups SET stage = ?, approved_fen = ?, updated_at = ? WHERE id = ? AND stage = ?",
                    vec![step.stage.code().into(), approved.into(), now.into(), id.into(), was.code().into()],
                )
                .await?;
            if n == 0 {
                return Err(FinancingRefusal::Moved { stage: Some(was) }.into());
            }
            id
        }
    };
    tx.insert(
        "INSERT INTO financing_steps (followup_id, stage, side, note, approved_fen, taken_by, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![id.into(), step.stage.code().into(), side.code().into(), step.note.clone().into(), approved.into(), actor.username.into(), now.into()],
    )
    .await?;
    let after = serde_json::json!({ "demand_id": demand.id, "product_id": product.id, "stage": step.stage.code(), "approved_fen": approved });
    log(&tx, actor, "financing.step", "financing_followup", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// Opens the follow-up of the pair with its first step. Two first steps at once (PostgreSQL):
/// the second finds the pair taken, not a duplicate-key error.
async fn open(
    tx: &Tx,
    demand: &DemandRow,
    product: &ProductRow,
    step: &StepDraft,
    now: i64,
) -> Result<i64> {
    let approved = step.approved.map(|m| m.fen());
    let n = tx
        .exec(
            "INSERT INTO financing_followups (demand_id, product_id, institution_id, stage, approved_fen, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (demand_id, product_id) DO NOTHING",
            vec![demand.id.into(), product.id.into(), product.institution_id.into(), step.stage.code().into(), approved.into(), now.into(), now.into()],
        )
        .await?;
    let id = tx
        .query_one(
            "SELECT id FROM financing_followups WHERE demand_id = ? AND product_id = ?",
            vec![demand.id.into(), product.id.into()],
        )
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?;
    match (n, id) {
        (1, Some(id)) => Ok(id),
        _ => Err(FinancingRefusal::Moved { stage: None }.into()),
    }
}

pub async fn get(db: &Db, id: i64) -> Result<Option<FollowUpRow>> {
    db.row(&select::<FollowUpRow>("WHERE f.id = ?"), vec![id.into()]).await
}

/// The follow-ups on a demand, the latest moved first.
pub async fn of_demand(db: &Db, demand_id: i64) -> Result<Vec<FollowUpRow>> {
    db.rows(
        &select::<FollowUpRow>("WHERE f.demand_id = ? ORDER BY f.updated_at DESC, f.id DESC"),
        vec![demand_id.into()],
    )
    .await
}

/// An institution's follow-ups, the latest moved first (at most 2,000).
pub async fn of_institution(db: &Db, institution_id: i64) -> Result<Vec<FollowUpRow>> {
    db.rows(
        &select::<FollowUpRow>(
            "WHERE f.institution_id = ? ORDER BY f.updated_at DESC, f.id DESC LIMIT 2000",
        ),
        vec![institution_id.into()],
    )
    .await
}

/// Every follow-up, the latest moved first (at most `limit`): the finance office's view.
pub async fn recent(db: &Db, limit: u32) -> Result<Vec<FollowUpRow>> {
    db.rows(
        &select::<FollowUpRow>(&format!("ORDER BY f.updated_at DESC, f.id DESC LIMIT {limit}")),
        vec![],
    )
    .await
}

/// A follow-up's timeline, oldest first.
pub async fn steps(db: &Db, followup_id: i64) -> Result<Vec<StepRow>> {
    db.rows(&select::<StepRow>("WHERE followup_id = ? ORDER BY id"), vec![followup_id.into()]).await
}

/// Demands, follow-ups and approvals of one kind of need, for the finance office.
#[derive(Debug, Clone, PartialEq)]
pub struct KindFigures {
    pub need: NeedKind,
    pub demands: i64,
    pub asked: Money,
    /// Demands an institution took a step on.
    pub followed: i64,
    /// Demands approved by at least one institution, and the sum of their largest approvals.
    pub approved: i64,
    pub approved_amount: Money,
    /// Demands declined and approved by none.
    pub declined: i64,
}

/// Every kind of need with its demands (published in `year`), how many an institution followed
/// up, how many were approved (each once, for its largest approval) and how many were declined
/// and approved by none.
pub async fn figures(db: &Db, year: i32) -> Result<Vec<KindFigures>> {
    let start = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .map_or(i64::MAX, |d| db.clock.ms_of_local(d.and_time(chrono::NaiveTime::MIN)))
    };
    let (from, to) = (start(year), start(year + 1));
    let mut out = Vec::new();
    for need in NeedKind::ALL {
        let r = db
            .query_one(
                "SELECT COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM financing_demands WHERE kind = ? AND created_at >= ? AND created_at < ?",
                vec![need.code().into(), from.into(), to.into()],
            )
            .await?;
        let (demands, asked) = match r {
            Some(r) => (r.try_get_by_index::<i64>(0)?, r.try_get_by_index::<i64>(1)?),
            None => (0, 0),
        };
        // a demand counts once: followed up when an institution took a step on it, approved
        // (for its largest approval) when any institution approved it
        let r = db
            .query_one(
                "SELECT COUNT(*), \
                 CAST(COALESCE(SUM(CASE WHEN best > 0 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(best), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN declined > 0 AND best = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) \
                 FROM (SELECT d.id, \
                   MAX(CASE WHEN f.stage = 'approved' THEN f.approved_fen ELSE 0 END) AS best, \
                   SUM(CASE WHEN f.stage = 'declined' THEN 1 ELSE 0 END) AS declined \
                   FROM financing_followups f JOIN financing_demands d ON d.id = f.demand_id \
                   WHERE d.kind = ? AND d.created_at >= ? AND d.created_at < ? \
                   AND EXISTS (SELECT 1 FROM financing_steps s WHERE s.followup_id = f.id AND s.side = 'institution') \
                   GROUP BY d.id) per_demand",
                vec![need.code().into(), from.into(), to.into()],
            )
            .await?;
        let (followed, approved, approved_amount, declined) = match r {
            Some(r) => (
                r.try_get_by_index::<i64>(0)?,
                r.try_get_by_index::<i64>(1)?,
                r.try_get_by_index::<i64>(2)?,
                r.try_get_by_index::<i64>(3)?,
            ),
            None => (0, 0, 0, 0),
        };
        out.push(KindFigures {
            need,
            demands,
            asked: Money(asked),
            followed,
            approved,
            approved_amount: Money(approved_amount),
            declined,
        });
    }
    Ok(out)
}
