//! Ties between experts and applicants, and the conflicts of interest they make.
use super::*;

impl FromRow for Tie {
    const TABLE: &'static str = "expert_ties";
    columns!(kind, name, credit_code, year);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Tie {
            kind: f.code(TieKind::parse)?,
            name: f.text()?,
            credit_code: f.text()?,
            year: f.opt_int32()?,
        })
    }
}

/// A tie with its expert.
struct ExpertTie(i64, Tie);

impl FromRow for ExpertTie {
    const TABLE: &'static str = "expert_ties";
    columns!(expert_id, kind, name, credit_code, year);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ExpertTie(f.int()?, Tie::from_row(f)?))
    }
}

pub async fn ties(db: &Db, expert_id: i64) -> Result<Vec<Tie>> {
    db.rows(&select::<Tie>("WHERE expert_id = ? ORDER BY id"), vec![expert_id.into()]).await
}

/// Records a tie (co-author, student, relative, a declared conflict) and recomputes conflicts.
pub async fn add_tie(db: &Db, expert_id: i64, tie: &Tie, actor: Actor<'_>) -> Result<()> {
    if tie.name.trim().is_empty() && tie.credit_code.trim().is_empty() {
        return Err(ExpertRefusal::Tie.into());
    }
    let tx = db.begin_write().await?;
    tx.exec(
        "INSERT INTO expert_ties (expert_id, kind, name, credit_code, year) VALUES (?, ?, ?, ?, ?)",
        vec![
            expert_id.into(),
            tie.kind.code().into(),
            tie.name.trim().into(),
            tie.credit_code.trim().into(),
            tie.year.map(i64::from).into(),
        ],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "expert.tie",
            entity: "expert",
            entity_id: expert_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!(tie),
            request_id: actor.request_id,
        },
    )
    .await?;
    recompute_for_expert(&tx, db, expert_id).await?;
    tx.commit().await?;
    Ok(())
}

fn expert_side(e: &Expert, ties: Vec<Tie>) -> ExpertSide {
    ExpertSide {
        code: e.code.clone(),
        name: e.name.clone(),
        credit_code: e.credit_code.clone(),
        unit_path: e.unit_path.clone(),
        ties,
    }
}

fn item_side(it: &Item) -> ItemSide {
    ItemSide {
        applicant: it.applicant.clone(),
        members: it.members.clone(),
        credit_code: it.credit_code.clone(),
        unit_path: it.unit_path.clone(),
        avoid: it.avoid.clone(),
    }
}

async fn all_ties(db: &Db) -> Result<HashMap<i64, Vec<Tie>>> {
    let mut out: HashMap<i64, Vec<Tie>> = HashMap::new();
    for ExpertTie(id, t) in db.rows(&select::<ExpertTie>("ORDER BY id"), vec![]).await? {
        out.entry(id).or_default().push(t);
    }
    Ok(out)
}

/// Recomputes a round's conflicts from profiles and applications (declarations on items stay).
pub async fn recompute_conflicts(db: &Db, round_id: i64) -> Result<usize> {
    let r = round(db, round_id).await?.ok_or(StoreError::NotFound)?;
    let its = items(db, round_id).await?;
    let tx = db.begin_write().await?;
    tx.exec(
        "DELETE FROM review_conflicts WHERE round_id = ? AND source <> 'declaration'",
        vec![round_id.into()],
    )
    .await?;
    let n = insert_conflicts(&tx, db, round_id, r.library, &its, r.policy()).await?;
    tx.commit().await?;
    Ok(n)
}

/// Finds and stores, in `tx`, the conflicts of every expert of the library with the items.
pub(super) async fn insert_conflicts(
    tx: &Tx,
    db: &Db,
    round_id: i64,
    library: Library,
    its: &[Item],
    policy: Policy,
) -> Result<usize> {
    let experts = list(db, &ExpertQuery { library: Some(library), ..Default::default() }).await?;
    let mut ties = all_ties(db).await?;
    let mut n = 0;
    for e in &experts {
        let side = expert_side(e, ties.remove(&e.id).unwrap_or_default());
        for it in its {
            for c in conflict_rules::find(&side, &item_side(it), policy) {
                insert_conflict(tx, round_id, it.id, e.id, &c).await?;
                n += 1;
            }
        }
    }
    Ok(n)
}

pub(super) async fn insert_conflict(
    tx: &Tx,
    round_id: i64,
    item_id: i64,
    expert_id: i64,
    c: &conflict_rules::Conflict,
) -> Result<()> {
    let sql = "INSERT INTO review_conflicts (round_id, item_id, expert_id, kind, source, detail) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
    tx.exec(
        sql,
        vec![
            round_id.into(),
            item_id.into(),
            expert_id.into(),
            c.kind.code().into(),
            c.source.code().into(),
            c.detail.clone().into(),
        ],
    )
    .await?;
    Ok(())
}

/// One expert's conflicts in every open round, recomputed in `tx` after a profile change.
pub(super) async fn recompute_for_expert(tx: &Tx, db: &Db, expert_id: i64) -> Result<()> {
    let e = get(db, expert_id).await?.ok_or(StoreError::NotFound)?;
    // The tie just added is inside `tx`: read the ties there.
    let ties: Vec<Tie> =
        tx.rows(&select::<Tie>("WHERE expert_id = ? ORDER BY id"), vec![expert_id.into()]).await?;
    let side = expert_side(&e, ties);
    for r in rounds(db).await?.into_iter().filter(|r| r.is_open() && r.library == e.library) {
        tx.exec("DELETE FROM review_conflicts WHERE round_id = ? AND expert_id = ? AND source <> 'declaration'", vec![r.id.into(), expert_id.into()]).await?;
        for it in items(db, r.id).await? {
            for c in conflict_rules::find(&side, &item_side(&it), r.policy()) {
                insert_conflict(tx, r.id, it.id, expert_id, &c).await?;
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictRow {
    pub item_id: i64,
    pub expert_id: i64,
    pub kind: String,
    pub source: String,
    pub detail: String,
}

impl FromRow for ConflictRow {
    const TABLE: &'static str = "review_conflicts";
    columns!(item_id, expert_id, kind, source, detail);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ConflictRow {
            item_id: f.int()?,
            expert_id: f.int()?,
            kind: f.text()?,
            source: f.text()?,
            detail: f.text()?,
        })
    }
}

pub async fn round_conflicts(db: &Db, round_id: i64) -> Result<Vec<ConflictRow>> {
    db.rows(
        &select::<ConflictRow>("WHERE round_id = ? ORDER BY item_id, expert_id, kind"),
        vec![round_id.into()],
    )
    .await
}

pub async fn expert_conflicts(db: &Db, expert_id: i64) -> Result<Vec<ConflictRow>> {
    db.rows(
        &select::<ConflictRow>("WHERE expert_id = ? ORDER BY round_id DESC, item_id"),
        vec![expert_id.into()],
    )
    .await
}
