//! Programmes and their yearly budgets.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Programme {
    pub id: i64,
    pub code: String,
    pub name: String,
}

pub async fn create_programme(
    db: &Db,
    code: &str,
    name: &str,
    budgets: &[(i64, Money)],
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    if tx.query_one("SELECT id FROM programmes WHERE code = ?", vec![code.into()]).await?.is_some()
    {
        return Err(CallRefusal::ProgrammeCodeTaken { code: code.to_string() }.into());
    }
    let id = tx
        .insert(
            "INSERT INTO programmes (code, name, created_at) VALUES (?, ?, ?)",
            vec![code.into(), name.into(), tx.clock.now_ms().into()],
        )
        .await?;
    for (year, b) in budgets {
        tx.exec(
            "INSERT INTO programme_budgets (programme_id, year, budget_fen) VALUES (?, ?, ?)",
            vec![id.into(), (*year).into(), b.0.into()],
        )
        .await?;
    }
    audit::append(&tx, Change { actor: actor.username, action: "programme.create", entity: "programme", entity_id: id.to_string(), before: serde_json::json!({}), after: serde_json::json!({ "code": code, "name": name, "budgets": budgets.iter().map(|(y, b)| (y, b.0)).collect::<Vec<_>>() }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(id)
}

impl FromRow for Programme {
    const TABLE: &'static str = "programmes";
    columns!(id, code, name);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Programme { id: f.int()?, code: f.text()?, name: f.text()? })
    }
}

pub async fn programmes(db: &Db) -> Result<Vec<Programme>> {
    db.rows(&select::<Programme>("ORDER BY code"), vec![]).await
}

/// Sets a programme's budget for a year; it may never fall below what is already committed.
pub async fn set_budget(
    db: &Db,
    programme_id: i64,
    year: i64,
    budget: Money,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    if tx
        .query_one("SELECT id FROM programmes WHERE id = ?", vec![programme_id.into()])
        .await?
        .is_none()
    {
        return Err(StoreError::NotFound);
    }
    let row: Option<BudgetRow> = tx
        .row(
            &select::<BudgetRow>("WHERE programme_id = ? AND year = ?"),
            vec![programme_id.into(), year.into()],
        )
        .await?;
    let before: Option<(i64, i64)> = row.map(|b| (b.ledger.budget.0, b.ledger.committed.0));
    match before {
        Some((_, committed)) if budget.0 < committed => {
            return Err(CallRefusal::BelowCommitted { committed: Money(committed) }.into());
        }
        Some(_) => {
            tx.exec(
                "UPDATE programme_budgets SET budget_fen = ? WHERE programme_id = ? AND year = ?",
                vec![budget.0.into(), programme_id.into(), year.into()],
            )
            .await?
        }
        None => {
            tx.exec(
                "INSERT INTO programme_budgets (programme_id, year, budget_fen) VALUES (?, ?, ?)",
                vec![programme_id.into(), year.into(), budget.0.into()],
            )
            .await?
        }
    };
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "programme.budget",
            entity: "programme",
            entity_id: programme_id.to_string(),
            before: serde_json::json!({ "year": year, "budget": before.map(|b| b.0) }),
            after: serde_json::json!({ "year": year, "budget": budget.0 }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await
}

/// A programme's budget for one year, as stored.
pub(crate) struct BudgetRow {
    pub(crate) year: i64,
    pub(crate) ledger: Ledger,
}

impl FromRow for BudgetRow {
    const TABLE: &'static str = "programme_budgets";
    columns!(year, budget_fen, committed_fen);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(BudgetRow {
            year: f.int()?,
            ledger: Ledger { budget: Money(f.int()?), committed: Money(f.int()?) },
        })
    }
}

/// Every year's budget of a programme: (year, ledger).
pub async fn budgets(db: &Db, programme_id: i64) -> Result<Vec<(i64, Ledger)>> {
    let rows: Vec<BudgetRow> = db
        .rows(
            &select::<BudgetRow>("WHERE programme_id = ? ORDER BY year"),
            vec![programme_id.into()],
        )
        .await?;
    Ok(rows.into_iter().map(|b| (b.year, b.ledger)).collect())
}

/// A programme's budget and commitments for a year.
pub async fn ledger(db: &Db, programme_id: i64, year: i64) -> Result<Option<Ledger>> {
    let row: Option<BudgetRow> = db
        .row(
            &select::<BudgetRow>("WHERE programme_id = ? AND year = ?"),
            vec![programme_id.into(), year.into()],
        )
        .await?;
    Ok(row.map(|b| b.ledger))
}
