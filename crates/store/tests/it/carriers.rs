//! Platforms and carriers: registration with its refusals (nothing stored), the hosts that must
//! file ZT-1/ZT-2, and the yearly evaluation from the experts' round to the grade's consequence.
use crate::common::*;
use innocity_core::subjects::carriers::{Carrier, INCUBATION_FORM};
use innocity_demo as demo;
use innocity_store::StoreError;
use innocity_store::orgs::Actor;
use innocity_store::subjects::carriers::{self as store, CarrierQuery, CarrierRefusal};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };

struct Org {
    code: String,
    path: String,
}

async fn orgs(db: &innocity_store::Db) -> Vec<Org> {
    db.read("SELECT credit_code, unit_path FROM organisations ORDER BY id", vec![], |r| {
        Ok(Org { code: r.text(0)?, path: r.text(1)? })
    })
    .await
    .unwrap()
}

fn incubator(host: &str, name: &str) -> Carrier {
    Carrier {
        name: name.into(),
        kind: "incubator".into(),
        level: "city".into(),
        host_credit_code: host.into(),
        partners: vec![],
        field: "新材料".into(),
        recognised_on: chrono::NaiveDate::from_ymd_opt(2020, 5, 1).unwrap(),
    }
}

async fn count(db: &innocity_store::Db, table: &str) -> i64 {
    db.read(&format!("SELECT COUNT(*) FROM {table}"), vec![], |r| r.int(0)).await.unwrap()[0]
}

fn refusal(r: Result<i64, StoreError>) -> CarrierRefusal {
    match r {
        Err(StoreError::Carriers(c)) => c,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_carrier_is_registered_with_its_partners_and_every_refusal_stores_nothing() {
    let t = demo_db(40).await;
    let all = orgs(&t.db).await;
    let host = &all[3];
    let zone = vec![host.path.split('/').take(3).collect::<Vec<_>>().join("/") + "/"];
    let mut c = incubator(&host.code, "兰州新区新材料科技企业孵化器");
    c.kind = "alliance".into();
    c.partners = vec![all[5].code.clone(), all[7].code.clone()];
    let id = store::register(&t.db, &c, &zone, ACTOR).await.unwrap();
    let made = store::carrier(&t.db, id).await.unwrap().unwrap();
    assert_eq!(
        (made.partners, made.status.as_str(), made.code()),
        (2, "active", format!("ZT{id:05}"))
    );
    assert_eq!(store::partners(&t.db, id).await.unwrap().len(), 2);
    let audits = count(&t.db, "audit_log WHERE action = 'carrier.register'").await;
    assert_eq!(audits, 1, "audited");

    let before = (count(&t.db, "carriers").await, count(&t.db, "carrier_partners").await);
    let unknown = refusal(
        store::register(
            &t.db,
            &incubator("91620100MA71234560", "甲"),
            &innocity_store::orgs::everywhere(),
            ACTOR,
        )
        .await,
    );
    assert!(matches!(unknown, CarrierRefusal::Unknown { field: "host_credit_code", .. }));
    let outside = all.iter().find(|o| !innocity_core::orgs::in_area(&zone, &o.path)).unwrap();
    let r = store::register(&t.db, &incubator(&outside.code, "乙"), &zone, ACTOR).await;
    assert!(matches!(refusal(r), CarrierRefusal::HostOutOfScope { .. }));
    let mut bad_partner = incubator(&host.code, "丙");
    bad_partner.partners = vec![all[5].code.clone(), "91620100MA71234560".into()];
    let r = refusal(
        store::register(&t.db, &bad_partner, &innocity_store::orgs::everywhere(), ACTOR).await,
    );
    assert_eq!(
        r,
        CarrierRefusal::Unknown { field: "partners", credit_code: "91620100MA71234560".into() }
    );
    let r = refusal(store::register(&t.db, &c, &innocity_store::orgs::everywhere(), ACTOR).await);
    assert_eq!(r, CarrierRefusal::Taken { name: c.name.clone() });
    let after = (count(&t.db, "carriers").await, count(&t.db, "carrier_partners").await);
    assert_eq!(before, after, "nothing half-written");
}

#[tokio::test]
async fn only_hosts_of_a_forms_kinds_must_file_it_and_a_removed_carrier_frees_its_host() {
    let t = demo_db(40).await;
    let all = orgs(&t.db).await;
    let cat = innocity_store::stats::catalogue(&t.db).await.unwrap();
    let zt1 = cat.form(INCUBATION_FORM).unwrap().clone();
    let expected = |list: Vec<innocity_store::stats::Expected>| {
        list.into_iter().map(|e| e.credit_code).collect::<Vec<_>>()
    };
    let none =
        innocity_store::stats::expected(&t.db, &zt1, "2025", &innocity_store::orgs::everywhere())
            .await
            .unwrap();
    assert!(none.is_empty(), "no carriers, no reporters");
    let id = store::register(
        &t.db,
        &incubator(&all[2].code, "孵化器甲"),
        &innocity_store::orgs::everywhere(),
        ACTOR,
    )
    .await
    .unwrap();
    let mut lab = incubator(&all[4].code, "重点实验室乙");
    lab.kind = "key_lab".into();
    store::register(&t.db, &lab, &innocity_store::orgs::everywhere(), ACTOR).await.unwrap();
    let got = expected(
        innocity_store::stats::expected(&t.db, &zt1, "2025", &innocity_store::orgs::everywhere())
            .await
            .unwrap(),
    );
    assert_eq!(got, vec![all[2].code.clone()], "the key lab's host files ZT-2, not ZT-1");
    assert_eq!(innocity_store::stats::hosted_kinds(&t.db, 0).await.unwrap(), Vec::<String>::new());

    let tx = t.db.begin_write().await.unwrap();
    tx.exec("UPDATE carriers SET status = 'removed' WHERE id = ?", vec![id.into()]).await.unwrap();
    tx.commit().await.unwrap();
    let got =
        innocity_store::stats::expected(&t.db, &zt1, "2025", &innocity_store::orgs::everywhere())
            .await
            .unwrap();
    assert!(got.is_empty(), "a removed incubator's host no longer files");
    let counts = store::counts(&t.db, &innocity_store::orgs::everywhere(), 2025).await.unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!((counts[0].kind.as_str(), counts[0].count), ("key_lab", 1));
    assert!(
        store::counts(&t.db, &innocity_store::orgs::everywhere(), 2019).await.unwrap().is_empty(),
        "recognised in 2020"
    );
}

#[tokio::test]
async fn the_demo_evaluations_grade_every_scored_carrier_and_the_grades_move_the_status() {
    let t = demo_db(120).await;
    demo::seed_stats(&t.db, None).await.unwrap();
    demo::experts::seed_experts(&t.db, demo::experts::CSL).await.unwrap();
    let made = demo::carriers::seed_carriers(&t.db).await.unwrap();
    assert!(made.carriers > 200 && made.returns > 50 && made.grades > 200, "{made:?}");

    let all = store::carriers(&t.db, &CarrierQuery::default()).await.unwrap();
    for c in &all {
        let grades = store::grades(&t.db, c.id).await.unwrap();
        let fails = grades.iter().filter(|g| g.grade == "fail").count();
        match c.status.as_str() {
            "removed" => assert_eq!(fails, 2, "{} removed after two fails", c.name),
            "warned" => assert_eq!(grades.first().map(|g| g.grade.as_str()), Some("fail")),
            _ => assert!(grades.first().is_none_or(|g| g.grade != "fail"), "{}", c.name),
        }
    }
    let with_figures = all
        .iter()
        .find(|c| c.kind == "incubator" && chrono::Datelike::year(&c.recognised_on) < 2024);
    let figures = store::annual_returns(&t.db, with_figures.unwrap()).await.unwrap();
    assert_eq!(figures.iter().map(|r| r.period.as_str()).collect::<Vec<_>>(), ["2025", "2024"]);
    assert!(figures[0].values.iter().any(|(e, v)| e == "I_TENANTS" && *v > 0.0));

    // The maker spaces' 2025 round is still open: no grade yet; once closed, a grade against the
    // experts' suggestion needs a reason.
    let open = store::evaluations(&t.db).await.unwrap();
    let e = open.iter().find(|e| e.kind == "maker_space" && e.year == 2025).unwrap();
    assert_eq!(e.round_status, "open");
    let space = all.iter().find(|c| c.kind == "maker_space" && c.status != "removed").unwrap();
    let r = store::grade(&t.db, space.id, 2025, "pass", "", ACTOR).await;
    assert!(matches!(r, Err(StoreError::Carriers(CarrierRefusal::ExpertsFirst))));
    innocity_store::experts::close_round(&t.db, e.round_id, ACTOR).await.unwrap();
    let mean = store::scores(&t.db, e.round_id).await.unwrap()[&space.code()];
    let suggested = innocity_core::subjects::carriers::Grade::suggested(mean);
    let other = if suggested.code() == "fail" { "pass" } else { "fail" };
    let r = store::grade(&t.db, space.id, 2025, other, " ", ACTOR).await;
    assert!(matches!(r, Err(StoreError::Carriers(CarrierRefusal::ReasonNeeded { .. }))));
    let g = store::grade(&t.db, space.id, 2025, other, "现场核查发现孵化场地已转作他用。", ACTOR)
        .await
        .unwrap();
    assert_eq!(g.mean_score, Some(mean));
    let r = store::grade(&t.db, space.id, 2025, other, "再评一次", ACTOR).await;
    assert!(matches!(r, Err(StoreError::Carriers(CarrierRefusal::Graded))));
    let r = store::start_evaluation(
        &t.db,
        "maker_space",
        2025,
        2,
        t.db.clock.today() + chrono::Days::new(9),
        ACTOR,
    )
    .await;
    assert!(matches!(r, Err(StoreError::Carriers(CarrierRefusal::Started))));
    let removed = all.iter().find(|c| c.status == "removed").unwrap();
    let r = store::grade(&t.db, removed.id, 2025, "pass", "", ACTOR).await;
    assert!(matches!(r, Err(StoreError::Carriers(CarrierRefusal::Removed))));
}
