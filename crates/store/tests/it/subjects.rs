//! Innovation subjects: the figures a self-evaluation starts from, saved evaluations and the
//! pre-check of every enterprise.
use crate::common::*;
use innocity_core::subjects::Amount;
use innocity_core::subjects::hnte::{HnteRule, Verdict};
use innocity_demo as demo;
use innocity_store::subjects::{self, Kind, NewEvaluation};
use innocity_store::{orgs::Actor, stats};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };

#[tokio::test]
async fn the_figures_come_from_the_returns_in_wan_and_a_missing_year_stays_missing() {
    let t = demo_db(40).await;
    demo::seed_stats(&t.db, None).await.unwrap();
    let (org, credit) = t
        .db
        .read(
            "SELECT o.id, o.credit_code FROM organisations o JOIN stat_returns r ON r.organisation_id = o.id AND r.form = '107-2' AND r.period = '2025' ORDER BY o.id LIMIT 1",
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?)),
        )
        .await
        .unwrap()[0]
        .clone();
    let years = subjects::return_years(&t.db, Some(org), [2022, 2024, 2025]).await.unwrap();
    let [y2022, y2024, y2025] = years[&org].clone();
    assert_eq!((y2022.period.as_str(), y2022.revenue), ("2022", None), "no 2022 return");
    let ret = stats::find_return(&t.db, "107-2", "2025", org).await.unwrap().unwrap();
    let cells = number_cells(&t.db, ret.id).await;
    let cell = |element: &str, disagg: &str| {
        cells.iter().find(|c| c.0 == element && c.1 == disagg).map(|c| c.2)
    };
    let revenue = cell("REVENUE", "").unwrap();
    assert_eq!(y2025.revenue, Amount::wan_of_thousand_yuan(revenue), "千元 → 万元");
    assert_eq!(y2025.employees, cell("EMPLOYEES", "").map(|v| v as u32));
    assert_eq!(
        y2025.rd_abroad,
        cell("RD_EXP_OUTSRC", "ABROAD").and_then(Amount::wan_of_thousand_yuan)
    );
    assert!(y2024.rd.is_some());

    // A valid 高企 certificate and a barring credit record are the platform's own figures.
    let day = t.db.clock.today();
    let h = subjects::holdings(&t.db, org, &credit, day).await.unwrap();
    assert_eq!((h.hnte_certificate, h.barred), (None, false));
    let tx = t.db.begin_write().await.unwrap();
    tx.exec(
        "INSERT INTO organisation_qualifications (organisation_id, code, valid_until) VALUES (?, 'high_tech', '2099-12-31')",
        vec![org.into()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let h = subjects::holdings(&t.db, org, &credit, day).await.unwrap();
    assert_eq!(h.hnte_certificate.as_deref(), Some("high_tech"));
}

async fn number_cells(db: &innocity_store::Db, id: i64) -> Vec<(String, String, f64)> {
    db.read(
        "SELECT element, disagg, num FROM stat_values WHERE return_id = ? AND num IS NOT NULL",
        vec![id.into()],
        |r| Ok((r.text(0)?, r.text(1)?, r.opt_real(2)?.unwrap_or_default())),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn every_enterprise_is_prechecked_and_an_evaluation_is_saved_with_its_audit_entry() {
    let t = demo_db(60).await;
    demo::seed_stats(&t.db, None).await.unwrap();
    let day = t.db.clock.today();
    let all =
        subjects::precheck_all(&t.db, day, &innocity_store::orgs::everywhere()).await.unwrap();
    let enterprises = t
        .db
        .read("SELECT COUNT(*) FROM organisations WHERE kind = 'enterprise'", vec![], |r| r.int(0))
        .await
        .unwrap()[0];
    assert_eq!(all.len() as i64, enterprises);
    for p in &all {
        let rules: Vec<HnteRule> = p.checks.iter().map(|c| c.rule).collect();
        assert_eq!(rules, HnteRule::ALL);
        // What the returns cannot say stays undecided, never a guessed failure.
        let core_ip = p.checks.iter().find(|c| c.rule == HnteRule::CoreIp).unwrap();
        assert_eq!(core_ip.pass, None);
        assert_ne!(p.verdict, Verdict::Pass, "{}: not every figure is known", p.name);
    }
    assert!(all.iter().any(|p| p.verdict == Verdict::Fail));
    assert!(all.iter().any(|p| p.verdict == Verdict::Undecided));
    let zone = &all[0].unit_path;
    let scoped = subjects::precheck_all(&t.db, day, std::slice::from_ref(zone)).await.unwrap();
    assert!(!scoped.is_empty() && scoped.iter().all(|p| p.unit_path.starts_with(zone.as_str())));

    let inputs = r#"{"id":"x","employees":10,"sales":4500.25}"#;
    let e = NewEvaluation {
        organisation_id: all[0].organisation_id,
        kind: Kind::Sme,
        accounting_year: 2025,
        inputs,
        verdict: "eligible",
        outcome: &subjects::Outcome::default(),
        score: ["84".into(), "84".into()],
    };
    let id = subjects::save(&t.db, &e, ACTOR).await.unwrap();
    let saved = subjects::evaluations_of(&t.db, all[0].organisation_id, 10).await.unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!((saved[0].id, saved[0].kind, saved[0].score_min.as_str()), (id, Kind::Sme, "84"));
    assert_eq!(saved[0].inputs, inputs);
    let audit =
        t.db.read(
            "SELECT action FROM audit_log WHERE entity = 'subject_evaluation' AND entity_id = ?",
            vec![id.to_string().into()],
            |r| r.text(0),
        )
        .await
        .unwrap();
    assert_eq!(audit, ["subjects.self_evaluate"]);
}

#[tokio::test]
async fn the_demo_has_certificates_and_a_spread_of_prechecks() {
    let t = demo_db(150).await;
    demo::seed_stats(&t.db, None).await.unwrap();
    let made = demo::subjects::seed_subjects(&t.db).await.unwrap();
    assert!(made.certificates > 20 && made.evaluations > 20 && made.pool_entries > 4, "{made:?}");
    let today = t.db.clock.today();
    let everywhere = innocity_store::orgs::everywhere();
    let q = subjects::certificates::CertificateQuery {
        within: &everywhere,
        expiring: Some((today, today + chrono::Duration::days(90))),
        ..Default::default()
    };
    let soon = subjects::certificates::certificates(&t.db, &q).await.unwrap();
    assert!(
        !soon.is_empty() && soon.iter().all(|c| c.kind == "high_tech"),
        "some 高企 run out soon"
    );
    let all =
        subjects::precheck_all(&t.db, today, &innocity_store::orgs::everywhere()).await.unwrap();
    let count = |v: Verdict| all.iter().filter(|p| p.verdict == v).count();
    assert!(count(Verdict::Pass) > 0 && count(Verdict::Fail) > 0 && count(Verdict::Undecided) > 0);
    assert!(all.iter().any(|p| p.certified));
    assert!(all.iter().filter(|p| p.verdict == Verdict::Pass).all(|p| p.self_evaluation.is_some()));
}

/// The high-tech zone LZGX's path and its first `n` enterprises.
async fn zone_enterprises(t: &innocity_store::testing::TestDb, n: i64) -> (String, Vec<i64>) {
    let zone_path = innocity_store::orgs::units(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.code == "LZGX")
        .unwrap()
        .path;
    let orgs = t
        .db
        .read(
            "SELECT id FROM organisations WHERE kind = 'enterprise' AND unit_path LIKE ? ORDER BY id LIMIT ?",
            vec![format!("{zone_path}%").into(), n.into()],
            |r| r.int(0),
        )
        .await
        .unwrap();
    (zone_path, orgs)
}

#[tokio::test]
async fn a_pool_keeps_officers_within_their_load_and_counts_its_year() {
    use subjects::pools::{self, PoolRefusal};
    let t = demo_db(120).await;
    let (zone_path, orgs) = zone_enterprises(&t, 7).await;
    // Outside the zone's area: refused, nothing added.
    let other = t.db.read("SELECT id FROM organisations WHERE kind = 'enterprise' AND unit_path NOT LIKE ? LIMIT 1", vec![format!("{zone_path}%").into()], |r| r.int(0)).await.unwrap()[0];
    let mut with_other = orgs.clone();
    with_other.push(other);
    let r =
        pools::add(&t.db, "high_tech", 2026, &with_other, std::slice::from_ref(&zone_path), ACTOR)
            .await;
    assert!(
        matches!(r, Err(innocity_store::StoreError::Pools(PoolRefusal::OutOfScope { .. }))),
        "{r:?}"
    );
    assert!(
        pools::pool(&t.db, "high_tech", 2026, &innocity_store::orgs::everywhere())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        pools::add(&t.db, "high_tech", 2026, &orgs, std::slice::from_ref(&zone_path), ACTOR)
            .await
            .unwrap(),
        7
    );
    assert_eq!(
        pools::add(&t.db, "high_tech", 2026, &orgs[..2], std::slice::from_ref(&zone_path), ACTOR)
            .await
            .unwrap(),
        0,
        "already in"
    );
    let entries =
        pools::pool(&t.db, "high_tech", 2026, std::slice::from_ref(&zone_path)).await.unwrap();
    let officer =
        t.db.read("SELECT id FROM users WHERE username = 'zone'", vec![], |r| r.int(0))
            .await
            .unwrap()[0];
    for e in &entries[..5] {
        pools::assign(&t.db, e.id, officer, ACTOR).await.unwrap();
    }
    let r = pools::assign(&t.db, entries[5].id, officer, ACTOR).await;
    assert!(
        matches!(r, Err(innocity_store::StoreError::Pools(PoolRefusal::OverLoad { load: 5, .. }))),
        "{r:?}"
    );
    // Another zone's officer is not this enterprise's.
    let zone2 =
        t.db.read("SELECT id FROM users WHERE username = 'zone2'", vec![], |r| r.int(0))
            .await
            .unwrap()[0];
    let r = pools::assign(&t.db, entries[5].id, zone2, ACTOR).await;
    assert!(matches!(r, Err(innocity_store::StoreError::Pools(PoolRefusal::NotAnOfficer))));
    let today = t.db.clock.today();
    pools::visit(&t.db, entries[0].id, today, "了解研发费用归集情况，建议设立研发辅助账。", ACTOR)
        .await
        .unwrap();
    let r =
        pools::visit(&t.db, entries[0].id, today + chrono::Duration::days(1), "明天", ACTOR).await;
    assert!(matches!(r, Err(innocity_store::StoreError::Pools(PoolRefusal::Visit))));
    assert!(pools::visit(&t.db, entries[0].id, today, "  ", ACTOR).await.is_err());
    pools::decide(&t.db, entries[1].id, "recognised", "2026 年第一批认定", ACTOR).await.unwrap();
    assert!(pools::decide(&t.db, entries[1].id, "maybe", "", ACTOR).await.is_err());
    let counts =
        pools::counts(&t.db, "high_tech", 2026, std::slice::from_ref(&zone_path)).await.unwrap();
    assert_eq!((counts.candidates, counts.recognised), (6, 1));
    let first = pools::entry(&t.db, entries[0].id).await.unwrap().unwrap();
    assert_eq!((first.visits, first.officer_id), (1, Some(officer)));
}

#[tokio::test]
async fn two_entries_given_to_an_officer_at_once_keep_the_load_and_only_officers_of_the_area_are_offered()
 {
    use subjects::pools::{self, PoolRefusal};
    let t = demo_db(120).await;
    let (zone_path, orgs) = zone_enterprises(&t, 6).await;
    pools::add(&t.db, "high_tech", 2026, &orgs, std::slice::from_ref(&zone_path), ACTOR)
        .await
        .unwrap();
    let entries =
        pools::pool(&t.db, "high_tech", 2026, std::slice::from_ref(&zone_path)).await.unwrap();
    let user = |name: &'static str| {
        let db = t.db.clone();
        async move {
            db.read("SELECT id FROM users WHERE username = ?", vec![name.into()], |r| r.int(0))
                .await
                .unwrap()[0]
        }
    };
    let officer = user("zone").await;
    for e in &entries[..4] {
        pools::assign(&t.db, e.id, officer, ACTOR).await.unwrap();
    }
    // The fifth and the sixth at the same moment: one fits, the other is over the load.
    let (a, b) = (entries[4].id, entries[5].id);
    let (db1, db2) = (t.db.clone(), t.db.clone());
    let one = tokio::spawn(async move { pools::assign(&db1, a, officer, ACTOR).await });
    let two = tokio::spawn(async move { pools::assign(&db2, b, officer, ACTOR).await });
    let results = [one.await.unwrap(), two.await.unwrap()];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().any(|r| matches!(
        r,
        Err(innocity_store::StoreError::Pools(PoolRefusal::OverLoad { load: 5, .. }))
    )));
    let load = pools::pool(&t.db, "high_tech", 2026, std::slice::from_ref(&zone_path))
        .await
        .unwrap()
        .iter()
        .filter(|e| e.officer_id == Some(officer))
        .count();
    assert_eq!(load, 5);

    // The officers offered for an entry of the zone: the bureau and this zone, not zone2.
    let offered: Vec<i64> =
        pools::officers(&t.db, &entries[0].unit_path).await.unwrap().iter().map(|o| o.id).collect();
    assert!(offered.contains(&officer) && offered.contains(&user("bureau").await));
    assert!(!offered.contains(&user("zone2").await));
}
