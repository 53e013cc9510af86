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
    describe_offers(db).await?;
    seed_demands(db, &papers_again(csl_tsv)?, actor).await?;
    seed_brokerage(db, actor).await?;
    crate::challenges::seed_challenges(db, actor).await?;
    Ok(n)
}

/// The papers say nothing of maturity, transfer modes or price: the demo gives each listed
/// paper plausible ones (by its id: TRL 3–9, one or two modes, 5–600 万元 or negotiable), so
/// the market's facets have something to narrow by.
async fn describe_offers(db: &Db) -> Result<()> {
    let tx = db.begin_write().await?;
    tx.exec(
        "UPDATE market_achievements SET maturity = 3 + id % 7, modes = CASE id % 4 WHEN 0 THEN 'transfer;licence' WHEN 1 THEN 'licence' WHEN 2 THEN 'joint' ELSE 'equity;joint' END, price_fen = CASE WHEN id % 5 = 0 THEN NULL ELSE (5 + (id * 37) % 600) * 1000000 END WHERE external_id IS NOT NULL",
        vec![],
    )
    .await?;
    tx.commit().await
}

/// The demo broker's records (the `provider` account's service organisation): one carried to a
/// registered contract, one under way, one ended.
async fn seed_brokerage(db: &Db, actor: Actor<'_>) -> Result<usize> {
    use innocity_core::market::brokerage::Step;
    use innocity_store::market::brokerage::{self as b, Broker};
    let broker: Vec<(i64, i64)> = db
        .read("SELECT id, organisation_id FROM users WHERE username = 'provider' AND organisation_id IS NOT NULL", vec![], |r| Ok((r.int(0)?, r.int(1)?)))
        .await?;
    let Some(&(user_id, organisation_id)) = broker.first() else { return Ok(0) };
    let listed = market::listed(db).await?;
    let numbers: Vec<String> = db
        .read("SELECT registration_no FROM tech_contracts WHERE status = 'registered' AND registered_on >= '2025-01-01' ORDER BY registered_on LIMIT 1", vec![], |r| r.text(0))
        .await?;
    let who = Broker { organisation_id, user_id };
    let day = |m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(2025, m, d).unwrap_or_default();
    let step = |on, kind, note: &str, no: Option<&String>| Step {
        on,
        kind,
        note: note.into(),
        registration_no: no.cloned(),
    };
    let plans: [(&str, Vec<Step>); 3] = [
        (
            "白银某电机有限公司",
            vec![
                step(day(3, 3), "contact", "电话联系成果持有单位，了解许可条件。", None),
                step(day(3, 20), "meeting", "组织双方在兰州高新区现场洽谈。", None),
                step(day(4, 15), "negotiation", "就许可费与分期付款达成一致。", None),
                step(day(5, 10), "signed", "双方签订技术许可合同并办理登记。", numbers.first()),
            ],
        ),
        (
            "兰州某石化装备公司",
            vec![
                step(day(9, 1), "contact", "企业提出防腐工艺需求，推荐本成果。", None),
                step(day(9, 18), "meeting", "双方技术人员交流，企业提供现场工况。", None),
            ],
        ),
        (
            "甘肃某农业科技公司",
            vec![
                step(day(6, 2), "contact", "推荐成果并寄送资料。", None),
                step(day(7, 8), "failed", "企业决定自行研发，终止撮合。", None),
            ],
        ),
    ];
    let mut n = 0;
    for ((buyer, steps), a) in plans.into_iter().zip(listed.iter().step_by(97)) {
        let id = b::open(db, who, a.id, buyer, actor).await?;
        for (version, s) in steps.iter().enumerate() {
            if s.kind == "signed" && s.registration_no.is_none() {
                continue;
            }
            b::add_step(db, id, version as i64 + 1, s, actor).await?;
        }
        n += 1;
    }
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
