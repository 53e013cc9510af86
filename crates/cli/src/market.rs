//! `innocity market`: importing achievements, and measuring the search's relevance.
use crate::connect;
use innocity_core::market::relevance::{Baseline, Jieba, Paper, QUERY_KINDS, dev_query, mrr_at_10};
use innocity_core::market::search::{self, Doc, Facets, Filter, Index};
use innocity_core::market::text::Analyzer;
use innocity_web::i18n::{Lang, tf};

/// Reads a file, naming it when it cannot be read.
fn read(path: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// `innocity market import`: the contract's import (one transaction, placed errors).
pub(crate) async fn import(url: &str, input: &std::path::Path, owner: &str) -> Result<(), String> {
    let name = input.display().to_string();
    let items = innocity_core::market::import::parse_tsv(&read(input)?).map_err(|errors| {
        errors
            .iter()
            .map(|e| innocity_web::stats::place_text(Lang::Zh, &name, e))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let db = connect(url).await?;
    let org = innocity_store::orgs::by_credit_code(&db, owner.trim())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| tf(Lang::Zh, "err.market.no_owner", &[owner.to_string()]))?;
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "cli", request_id: "cli" };
    let counts = innocity_store::market::import(&db, org.id, &items, actor)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "已导入 imported: {} 项新增 added, {} 项更新 updated ({})",
        counts.added, counts.updated, org.name
    );
    Ok(())
}

/// `innocity market relevance`: our ranking and the baseline on the same development queries.
pub(crate) fn relevance(input: &std::path::Path, every: usize) -> Result<(), String> {
    let name = input.display().to_string();
    let papers = innocity_core::market::import::parse_tsv(&read(input)?)
        .map_err(|e| format!("{name}: {} problems in the file", e.len()))?;
    let a = Analyzer::default();
    let mut index = Index::default();
    let started = std::time::Instant::now();
    for (i, p) in papers.iter().enumerate() {
        index.upsert(search::analyse(
            &a,
            Doc {
                id: i as i64,
                external_id: Some(p.external_id.clone()),
                title: p.title.clone(),
                keywords: p.keywords.clone(),
                description: p.description.clone(),
                facets: Facets::default(),
                newest: 0,
            },
        ));
    }
    let indexed = started.elapsed().as_secs_f64();
    let texts: Vec<String> = papers
        .iter()
        .map(|p| format!("{} {} {}", p.title, p.description, p.keywords.join(" ")))
        .collect();
    let baseline = Baseline::new(&texts);
    let jieba = Jieba::new();
    let (mut all_ours, mut all_theirs) = (Vec::new(), Vec::new());
    for kind in QUERY_KINDS {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for (i, p) in papers.iter().enumerate().step_by(every.max(1)) {
            let paper =
                Paper { title: &p.title, description: &p.description, keywords: &p.keywords };
            let Some(q) = dev_query(&jieba, kind, &paper) else { continue };
            let found = index.search(&a, &q, &Filter::default(), 0, 10);
            ours.push(found.hits.iter().position(|h| h.id == i as i64));
            theirs.push(baseline.top(&q, 10).iter().position(|&d| d == i));
        }
        println!(
            "{kind:<9} ours {:.4}  baseline {:.4}  ({} queries)",
            mrr_at_10(&ours),
            mrr_at_10(&theirs),
            ours.len()
        );
        all_ours.extend(ours);
        all_theirs.extend(theirs);
    }
    println!(
        "all       ours {:.4}  baseline {:.4}  ({} queries; {} papers indexed in {indexed:.2} s)",
        mrr_at_10(&all_ours),
        mrr_at_10(&all_theirs),
        all_ours.len(),
        papers.len()
    );
    Ok(())
}
