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
    seed_demands(db, &papers_again(csl_tsv)?, actor).await?;
    Ok(n)
}

fn papers_again(csl_tsv: &str) -> Result<Vec<Imported>> {
    parse_tsv(csl_tsv.as_bytes())
        .map_err(|e| StoreError::Invalid(format!("CSL papers: {} problems", e.len())))
}

/// Demands the demo's enterprises publish, written from every 25th paper: the problem its
/// abstract opens with, what a solution must show from the next clause, a budget and a
/// deadline some months ahead.
async fn seed_demands(db: &Db, papers: &[Imported], actor: Actor<'_>) -> Result<usize> {
    use innocity_core::market::demands::DemandDraft;
    use innocity_core::projects::money::Money;
    let enterprises: Vec<i64> = db
        .read("SELECT id FROM organisations WHERE kind = 'enterprise' ORDER BY id", vec![], |r| {
            r.int(0)
        })
        .await?;
    if enterprises.is_empty() {
        return Ok(0);
    }
    let today = db.clock.today();
    let mut n = 0;
    for (k, p) in papers.iter().step_by(25).enumerate() {
        let clauses: Vec<&str> = p
            .description
            .split(['。', '；', '，', ','])
            .map(str::trim)
            .filter(|c| c.chars().count() >= 6)
            .collect();
        let Some(topic) = p.keywords.first() else { continue };
        let d = DemandDraft {
            title: format!("寻求{topic}相关技术解决方案"),
            description: format!(
                "我公司在生产中遇到以下问题：{}。",
                clauses.first().copied().unwrap_or(p.title.as_str())
            ),
            requirements: clauses.get(1).map(|c| format!("方案应实现：{c}。")).unwrap_or_default(),
            discipline: p.discipline.clone(),
            budget: (k % 4 != 3).then(|| Money::from_wan(50 + (k as i64 * 37) % 450)),
            deadline: today + chrono::Duration::days(30 + (k as i64 * 11) % 270),
        };
        let owner = enterprises[k % enterprises.len()];
        innocity_store::market::demands::publish(db, owner, &d, actor).await?;
        n += 1;
    }
    Ok(n)
}
