//! The indicators counted from the innovation subjects' registers: certificates valid at a
//! year's end (or issued in it), carriers by kind until removed, people supported in a year; a
//! year before a register's first record writes nothing, so the typed history stands.
use crate::common::*;
use chrono::NaiveDate;
use innocity_core::indicators::targets::Framework;
use innocity_core::subjects::certificates::Certificate;
use innocity_store::orgs::Actor;
use innocity_store::subjects::registers::counted;

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn certificates_count_at_each_years_end_by_unit_and_not_before_the_register_begins() {
    let t = demo_db(40).await;
    let orgs = t
        .db
        .read("SELECT credit_code, unit_path FROM organisations WHERE kind = 'enterprise' ORDER BY id", vec![], |r| {
            Ok((r.text(0)?, r.text(1)?))
        })
        .await
        .unwrap();
    let cert = |i: usize, issued: &str, until: &str| Certificate {
        credit_code: orgs[i].0.clone(),
        kind: "high_tech".into(),
        number: format!("GR2023620000{i:02}"),
        issued_on: d(issued),
        valid_until: d(until),
    };
    let certificates = [
        cert(0, "2023-11-20", "2026-11-19"),
        cert(1, "2024-10-15", "2027-10-14"),
        cert(2, "2022-12-01", "2025-11-30"),
    ];
    innocity_store::subjects::certificates::record(
        &t.db,
        &certificates,
        &innocity_store::orgs::everywhere(),
        ACTOR,
    )
    .await
    .unwrap();
    let n = |v: Option<Vec<String>>| v.map(|p| p.len());
    assert_eq!(n(counted(&t.db, "high_tech", 2021).await.unwrap()), None, "before the first");
    assert_eq!(n(counted(&t.db, "high_tech", 2022).await.unwrap()), Some(1));
    assert_eq!(n(counted(&t.db, "high_tech", 2024).await.unwrap()), Some(3));
    assert_eq!(
        n(counted(&t.db, "high_tech", 2025).await.unwrap()),
        Some(2),
        "one ran out in November"
    );
    // Today is 2026-12-06: the first expired on 2026-11-19.
    assert_eq!(n(counted(&t.db, "high_tech", 2026).await.unwrap()), Some(1));
    assert_eq!(n(counted(&t.db, "high_tech_new", 2024).await.unwrap()), Some(1));
    // 科小 are counted apart: a 科小 issued in 2024 is new that year and not a 高企.
    let sme = Certificate {
        kind: "tech_sme".into(),
        number: "2024620100000001".into(),
        ..cert(3, "2024-05-20", "2025-12-31")
    };
    innocity_store::subjects::certificates::record(
        &t.db,
        &[sme],
        &innocity_store::orgs::everywhere(),
        ACTOR,
    )
    .await
    .unwrap();
    assert_eq!(n(counted(&t.db, "tech_sme_new", 2024).await.unwrap()), Some(1));
    assert_eq!(n(counted(&t.db, "tech_sme_new", 2025).await.unwrap()), Some(0));
    assert_eq!(n(counted(&t.db, "high_tech_new", 2024).await.unwrap()), Some(1));
    assert_eq!(n(counted(&t.db, "carriers", 2024).await.unwrap()), None, "no carriers at all");

    // The framework's indicator, for every unit: the zone of the first enterprise and the root.
    let f = Framework::built_in().into_iter().find(|f| f.code == "SUBJECTS-2020").unwrap();
    innocity_store::indicators::from_register(&t.db, &f, &[2021, 2024], ACTOR).await.unwrap();
    let values = t
        .db
        .read(
            "SELECT v.period, u.path, v.value, v.source FROM indicator_values v JOIN org_units u ON u.id = v.org_unit_id WHERE v.indicator = 'HITECH_ENTERPRISES' ORDER BY v.period, u.path",
            vec![],
            |r| Ok((r.text(0)?, r.text(1)?, r.opt_real(2)?.unwrap_or(-1.0), r.text(3)?)),
        )
        .await
        .unwrap();
    assert!(values.iter().all(|v| v.0 == "2024" && v.3 == "register"), "nothing for 2021");
    let root = values.iter().find(|v| v.1.matches('/').count() == 2).unwrap();
    assert_eq!(root.2, 3.0);
    let zone_of_first =
        values.iter().filter(|v| orgs[0].1.starts_with(&v.1)).map(|v| v.2).fold(f64::MAX, f64::min);
    assert!((1.0..=3.0).contains(&zone_of_first));
    assert!(values.iter().any(|v| v.2 == 0.0), "a unit with none has 0");
}

/// By quarter: what is held is counted on the quarter's last day, what is new from the first of
/// the year to it (本年累计); the framework's values are kept under the quarter's code.
#[tokio::test]
async fn a_quarter_counts_what_is_held_at_its_end_and_what_is_new_since_january() {
    use innocity_core::periods::Period;
    let t = demo_db(40).await;
    let codes =
        t.db.read(
            "SELECT credit_code FROM organisations WHERE kind = 'enterprise' ORDER BY id",
            vec![],
            |r| r.text(0),
        )
        .await
        .unwrap();
    let cert = |i: usize, issued: &str, until: &str| Certificate {
        credit_code: codes[i].clone(),
        kind: "high_tech".into(),
        number: format!("GR2025620000{i:02}"),
        issued_on: d(issued),
        valid_until: d(until),
    };
    let certificates = [
        cert(0, "2023-11-20", "2026-05-19"),
        cert(1, "2026-02-10", "2029-02-09"),
        cert(2, "2026-08-03", "2029-08-02"),
    ];
    let everywhere = innocity_store::orgs::everywhere();
    innocity_store::subjects::certificates::record(&t.db, &certificates, &everywhere, ACTOR)
        .await
        .unwrap();
    let n = |v: Option<Vec<String>>| v.map(|p| p.len());
    let (q1, q2, q3) =
        (Period::Quarter(2026, 1), Period::Quarter(2026, 2), Period::Quarter(2026, 3));
    assert_eq!(n(counted(&t.db, "high_tech_new", q1).await.unwrap()), Some(1), "February's");
    assert_eq!(
        n(counted(&t.db, "high_tech_new", q2).await.unwrap()),
        Some(1),
        "still one this year"
    );
    assert_eq!(n(counted(&t.db, "high_tech_new", q3).await.unwrap()), Some(2), "and August's");
    assert_eq!(n(counted(&t.db, "high_tech", q1).await.unwrap()), Some(2), "held on 31 March");
    assert_eq!(n(counted(&t.db, "high_tech", q2).await.unwrap()), Some(1), "one ran out in May");
    assert_eq!(n(counted(&t.db, "high_tech", q3).await.unwrap()), Some(2));
    // A year is its last quarter for what is held and what is new.
    assert_eq!(n(counted(&t.db, "high_tech_new", 2026).await.unwrap()), Some(2));

    let f = Framework::built_in().into_iter().find(|f| f.code == "LANBAI-Q2026").unwrap();
    innocity_store::indicators::from_register(&t.db, &f, &[q1, q3], ACTOR).await.unwrap();
    let root =
        t.db.read("SELECT id FROM org_units WHERE parent_id IS NULL", vec![], |r| r.int(0))
            .await
            .unwrap()[0];
    let values =
        innocity_store::indicators::for_unit(&t.db, root, &["Q_HIGH_TECH_NEW".to_string()])
            .await
            .unwrap();
    let kept: Vec<(String, f64, String)> =
        values.iter().map(|v| (v.period.clone(), v.value, v.source.clone())).collect();
    assert_eq!(
        kept,
        vec![("2026Q1".into(), 1.0, "register".into()), ("2026Q3".into(), 2.0, "register".into())]
    );
    let quarters = innocity_store::indicators::quarters_to_date(d("2026-12-06"));
    assert_eq!(quarters.first(), Some(&Period::Quarter(2025, 1)));
    assert_eq!(quarters.last(), Some(&Period::Quarter(2026, 4)), "the running quarter too");
}
