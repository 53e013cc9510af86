//! Ties between experts and applicants, and the conflicts of interest they make.
use super::*;

pub async fn ties(db: &Db, expert_id: i64) -> Result<Vec<Tie>> {
    db.read(
        "SELECT kind, name, credit_code, year FROM expert_ties WHERE expert_id = ? ORDER BY id",
        vec![expert_id.into()],
        |r| {
            Ok(Tie {
                kind: TieKind::parse(&r.text(0)?).unwrap_or(TieKind::Declared),
                name: r.text(1)?,
                credit_code: r.text(2)?,
                year: r.opt_int(3)?.map(|y| y as i32),
            })
        },
    )
    .await
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
    for (id, t) in db
        .read(
            "SELECT expert_id, kind, name, credit_code, year FROM expert_ties ORDER BY id",
            vec![],
            |r| {
                Ok((
                    r.int(0)?,
                    Tie {
                        kind: TieKind::parse(&r.text(1)?).unwrap_or(TieKind::Declared),
                        name: r.text(2)?,
                        credit_code: r.text(3)?,
                        year: r.opt_int(4)?.map(|y| y as i32),
                    },
                ))
            },
        )
        .await?
    {
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
    let rows = tx
        .query_all(
            "SELECT kind, name, credit_code, year FROM expert_ties WHERE expert_id = ?",
            vec![expert_id.into()],
        )
        .await?;
    let mut ties = Vec::new();
    for r in rows {
        let kind: String = r.try_get_by_index(0)?;
        let year: Option<i64> = r.try_get_by_index(3)?;
        ties.push(Tie {
            kind: TieKind::parse(&kind).unwrap_or(TieKind::Declared),
            name: r.try_get_by_index(1)?,
            credit_code: r.try_get_by_index(2)?,
            year: year.map(|y| y as i32),
        });
    }
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

pub async fn round_conflicts(db: &Db, round_id: i64) -> Result<Vec<ConflictRow>> {
    db.read("SELECT item_id, expert_id, kind, source, detail FROM review_conflicts WHERE round_id = ? ORDER BY item_id, expert_id, kind", vec![round_id.into()], |r| {
        Ok(ConflictRow { item_id: r.int(0)?, expert_id: r.int(1)?, kind: r.text(2)?, source: r.text(3)?, detail: r.text(4)? })
    })
    .await
}

pub async fn expert_conflicts(db: &Db, expert_id: i64) -> Result<Vec<ConflictRow>> {
    db.read("SELECT item_id, expert_id, kind, source, detail FROM review_conflicts WHERE expert_id = ? ORDER BY round_id DESC, item_id", vec![expert_id.into()], |r| {
        Ok(ConflictRow { item_id: r.int(0)?, expert_id: r.int(1)?, kind: r.text(2)?, source: r.text(3)?, detail: r.text(4)? })
    })
    .await
}
