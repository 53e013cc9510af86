//! The technology market's records: the import of achievements and the change log.
use crate::common::*;
use innocity_core::market::import::parse_tsv;
use innocity_store::market;
use innocity_store::orgs::Actor;

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "cli", request_id: "test" };

#[tokio::test]
async fn importing_again_updates_and_every_write_is_logged_in_order() {
    let t = demo_db(10).await;
    let q = innocity_store::orgs::OrgQuery {
        text: String::new(),
        kind: None,
        unit_path: None,
        page: 1,
        per_page: 10,
    };
    let orgs = innocity_store::orgs::list(&t.db, &innocity_core::access::Scope::All, &q)
        .await
        .unwrap()
        .items;
    let (first, second) = (orgs[0].id, orgs[1].id);
    let before = market::last_change(&t.db).await.unwrap();
    let file = "id\ttitle\tabstract\tkeywords\ndev-1\t一种稀土永磁电机\t摘要一\t稀土;电机\ndev-2\t锂电池寿命预测\t摘要二\t锂电池\n";
    let counts =
        market::import(&t.db, first, &parse_tsv(file.as_bytes()).unwrap(), ACTOR).await.unwrap();
    assert_eq!(counts, market::ImportCounts { added: 2, updated: 0 });
    let again = "id\ttitle\tabstract\tkeywords\ndev-2\t锂离子电池寿命预测\t摘要二（修订）\t锂电池;寿命\ndev-3\t氢燃料电池\t摘要三\t氢能\n";
    let counts =
        market::import(&t.db, second, &parse_tsv(again.as_bytes()).unwrap(), ACTOR).await.unwrap();
    assert_eq!(counts, market::ImportCounts { added: 1, updated: 1 });
    let listed = market::listed(&t.db).await.unwrap();
    assert_eq!(listed.len(), 3, "the same id is one achievement");
    let dev2 = listed.iter().find(|a| a.external_id.as_deref() == Some("dev-2")).unwrap();
    assert_eq!(dev2.title, "锂离子电池寿命预测");
    assert_eq!(dev2.keywords, vec!["锂电池", "寿命"]);
    assert_eq!((dev2.organisation_id, dev2.version), (second, 2));
    assert_eq!(dev2.status, market::LISTED);
    // The log: five writes, numbered one after another, in the order they happened.
    let log = market::changes_since(&t.db, before, 100).await.unwrap();
    let seqs: Vec<i64> = log.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (before + 1..=before + 4).collect::<Vec<_>>());
    assert_eq!(log[2].achievement_id, dev2.id, "the second import's first line");
    assert_eq!(market::last_change(&t.db).await.unwrap(), before + 4);
    assert_eq!(market::changes_since(&t.db, before + 3, 100).await.unwrap().len(), 1);
    let both = market::by_ids(&t.db, &[dev2.id, listed[0].id]).await.unwrap();
    assert_eq!(both.len(), 2);
}
