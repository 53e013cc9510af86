//! The demo's technology market: every CSL paper listed as an achievement of one of the demo's
//! universities and institutes (the contract's demo content), in turn.
use innocity_core::market::import::{Imported, parse_tsv};
use innocity_store::db::{Db, Result, StoreError};
use innocity_store::market;
use innocity_store::orgs::Actor;

/// Lists the papers of `csl_tsv` as achievements; returns how many.
pub async fn seed_market(db: &Db, csl_tsv: &str) -> Result<usize> {
    let papers = parse_tsv(csl_tsv.as_bytes()).map_err(|e| {
        StoreError::Invalid(format!("CSL papers: {} problems, first {:?}", e.len(), e.first()))
    })?;
    let owners: Vec<i64> = db
        .read(
            "SELECT id FROM organisations WHERE kind IN ('university', 'institute') ORDER BY id",
            vec![],
            |r| r.int(0),
        )
        .await?;
    if owners.is_empty() {
        return Ok(0);
    }
    let mut shares: Vec<Vec<Imported>> = vec![Vec::new(); owners.len()];
    for (i, p) in papers.into_iter().enumerate() {
        shares[i % owners.len()].push(p);
    }
    let actor = Actor { user_id: 0, username: "demo", request_id: "demo" };
    let mut n = 0;
    for (owner, share) in owners.iter().zip(&shares) {
        n += market::import(db, *owner, share, actor).await?.added;
    }
    Ok(n)
}
