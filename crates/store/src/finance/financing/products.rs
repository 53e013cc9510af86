//! The products banks, guarantors and investors offer: published, read, withdrawn.
use super::{CLOSED, FinancingRefusal, OPEN};
use crate::db::{Db, Result, StoreError};
use crate::finance::log;
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::finance::financing::{Offer, ProductDraft, ProductKind, Requirement};
use innocity_core::projects::money::Money;

#[derive(Debug, Clone, PartialEq)]
pub struct ProductRow {
    pub id: i64,
    pub institution_id: i64,
    pub institution: String,
    pub kind: ProductKind,
    pub name: String,
    pub description: String,
    /// Basis points, lowest and highest; none for equity.
    pub rate_bp: Option<(u32, u32)>,
    pub amount_min: Money,
    pub amount_max: Money,
    pub term_months: Option<(u32, u32)>,
    pub requires: Vec<Requirement>,
    pub valid_until: NaiveDate,
    pub status: String,
    pub version: i64,
}

fn pair(low: Option<i64>, high: Option<i64>) -> Option<(u32, u32)> {
    Some((u32::try_from(low?).ok()?, u32::try_from(high?).ok()?))
}

impl FromRow for ProductRow {
    const TABLE: &'static str = "financing_products";
    const FROM: &'static str =
        "financing_products p JOIN organisations o ON o.id = p.institution_id";
    columns!(
        "p.id",
        "p.institution_id",
        "o.name",
        "p.kind",
        "p.name",
        "p.description",
        "p.rate_min_bp",
        "p.rate_max_bp",
        "p.amount_min_fen",
        "p.amount_max_fen",
        "p.term_min_months",
        "p.term_max_months",
        "p.requires",
        "p.valid_until",
        "p.status",
        "p.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ProductRow {
            id: f.int()?,
            institution_id: f.int()?,
            institution: f.text()?,
            kind: ProductKind::parse(&f.text()?)
                .ok_or_else(|| StoreError::Invalid("financing product kind".into()))?,
            name: f.text()?,
            description: f.text()?,
            rate_bp: pair(f.opt_int()?, f.opt_int()?),
            amount_min: Money(f.int()?),
            amount_max: Money(f.int()?),
            term_months: pair(f.opt_int()?, f.opt_int()?),
            requires: f.text()?.split(',').filter_map(Requirement::parse).collect(),
            valid_until: f.date()?,
            status: f.text()?,
            version: f.int()?,
        })
    }
}

impl ProductRow {
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.status == OPEN && self.valid_until >= day
    }
    pub fn offer(&self) -> Offer<'_> {
        Offer {
            kind: self.kind,
            amount_min: self.amount_min,
            amount_max: self.amount_max,
            term_months: self.term_months,
            requires: &self.requires,
        }
    }
}

/// Publishes a financial institution's product.
pub async fn publish(
    db: &Db,
    institution_id: i64,
    p: &ProductDraft,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let kind = tx
        .query_one("SELECT kind FROM organisations WHERE id = ?", vec![institution_id.into()])
        .await?
        .map(|r| r.try_get_by_index::<String>(0))
        .transpose()?;
    if kind.as_deref() != Some("financial") {
        return Err(FinancingRefusal::NotInstitution.into());
    }
    let requires: Vec<&str> = p.requires.iter().map(|r| r.code()).collect();
    let id = tx
        .insert(
            "INSERT INTO financing_products (institution_id, kind, name, description, rate_min_bp, rate_max_bp, amount_min_fen, amount_max_fen, term_min_months, term_max_months, requires, valid_until, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                institution_id.into(),
                p.kind.code().into(),
                p.name.clone().into(),
                p.description.clone().into(),
                p.rate_bp.map(|r| i64::from(r.0)).into(),
                p.rate_bp.map(|r| i64::from(r.1)).into(),
                p.amount_min.fen().into(),
                p.amount_max.fen().into(),
                p.term_months.map(|t| i64::from(t.0)).into(),
                p.term_months.map(|t| i64::from(t.1)).into(),
                requires.join(",").into(),
                p.valid_until.to_string().into(),
                OPEN.into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let after = serde_json::to_value(p).unwrap_or_default();
    log(&tx, actor, "financing.product.publish", "financing_product", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// Withdraws a product read at `version`; follow-ups begun on it go on.
pub async fn withdraw(db: &Db, id: i64, version: i64, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE financing_products SET status = ?, version = version + 1 WHERE id = ? AND version = ? AND status = ?",
            vec![CLOSED.into(), id.into(), version.into(), OPEN.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let after = serde_json::json!({ "status": CLOSED });
    log(&tx, actor, "financing.product.withdraw", "financing_product", id, after).await?;
    tx.commit().await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<ProductRow>> {
    db.row(&select::<ProductRow>("WHERE p.id = ?"), vec![id.into()]).await
}

/// An institution's products, newest first.
pub async fn of_institution(db: &Db, institution_id: i64) -> Result<Vec<ProductRow>> {
    db.rows(
        &select::<ProductRow>("WHERE p.institution_id = ? ORDER BY p.id DESC"),
        vec![institution_id.into()],
    )
    .await
}

/// Products offered on `day`, the newest first.
pub async fn open(db: &Db, day: NaiveDate) -> Result<Vec<ProductRow>> {
    db.rows(
        &select::<ProductRow>(
            "WHERE p.status = ? AND p.valid_until >= ? ORDER BY p.id DESC LIMIT 2000",
        ),
        vec![OPEN.into(), day.to_string().into()],
    )
    .await
}
