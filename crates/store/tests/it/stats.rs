//! The demo's statistical returns.
use crate::common::*;
use innocity_demo as demo;
use innocity_store::orgs::{self};
use innocity_store::stats;

#[tokio::test]
async fn demo_returns_are_realistic_and_pass_their_error_rules() {
    use innocity_core::periods::Period;
    use innocity_core::stats::{Severity, validate};
    let t = demo_db(120).await;
    let s = demo::seed_stats(&t.db, None).await.unwrap();
    assert!(s.returns > 300 && s.values > 10_000, "{s:?}");
    // Approval up the hierarchy passes its own checks and locks 2024.
    assert!(demo::approve_demo_periods(&t.db).await.unwrap() > 0);
    let cat = stats::catalogue(&t.db).await.unwrap();
    let returns = t
        .db
        .read("SELECT id, form, period, organisation_id, status FROM stat_returns", vec![], |r| {
            Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.int(3)?, r.text(4)?))
        })
        .await
        .unwrap();
    let statuses: std::collections::BTreeSet<&str> = returns.iter().map(|r| r.4.as_str()).collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        vec!["approved", "draft", "locked", "returned", "submitted"]
    );
    assert!(
        returns.iter().filter(|r| r.2 == "2024").all(|r| r.4 == "locked"),
        "2024 is approved up to the cities and locked"
    );
    let mut warnings = 0;
    for (id, form, period, org, _) in &returns {
        // Every stored value reads back under its element's type.
        for c in stats::cells(&t.db, *id).await.unwrap() {
            let e = cat.element(&c.element).unwrap();
            assert_eq!(
                e.parse_value(&c.value.to_input()).unwrap(),
                Some(c.value.clone()),
                "{} in return {id}",
                c.element
            );
        }
        let snap =
            stats::snapshot(&t.db, &cat, form, Period::parse(period).unwrap(), *org).await.unwrap();
        let v = validate(&cat.rules_for(form), &snap);
        assert!(
            v.iter().all(|x| x.severity == Severity::Warning),
            "{form} {period} org {org}: {v:?}"
        );
        warnings += v.len();
    }
    assert!(warnings > 0, "the demo has deliberate warnings to explain");
    // The R&D intensity of 2024 stays within 0.5–8 % of revenue.
    let totals =
        stats::totals(&t.db, "107-2", "2024", &[innocity_core::stats::status::Status::Locked])
            .await
            .unwrap();
    let root =
        orgs::units(&t.db).await.unwrap().into_iter().find(|u| u.parent_id.is_none()).unwrap();
    let rd = totals.rollup.get(root.id, &totals.find("RD_EXP", "").unwrap()).unwrap().sum;
    let rev = totals.rollup.get(root.id, &totals.find("REVENUE", "").unwrap()).unwrap().sum;
    assert!((0.005..0.08).contains(&(rd / rev)), "intensity {}", rd / rev);
}

/// A bulk import names each organisation it cannot take at its first line — one not registered,
/// one that does not report the form — and writes nothing.
#[tokio::test]
async fn a_bulk_import_refuses_unregistered_and_non_reporting_organisations_by_line() {
    use innocity_core::periods::Period;
    use innocity_core::stats::long::{Place, PlaceError, Unaccepted, parse_csv};
    let t = demo_db(30).await;
    let cat = stats::catalogue(&t.db).await.unwrap();
    let form = cat.form("107-2").unwrap().clone();
    let orgs =
        t.db.read(
            "SELECT o.credit_code, o.kind, o.name FROM organisations o ORDER BY o.id",
            vec![],
            |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)),
        )
        .await
        .unwrap();
    let reporter = orgs.iter().find(|o| form.org_kinds.contains(&o.1)).unwrap();
    let outsider = orgs.iter().find(|o| !form.org_kinds.contains(&o.1)).unwrap();
    let values = || async {
        t.db.read("SELECT COUNT(*) FROM stat_values", vec![], |r| r.int(0)).await.unwrap()
    };
    let values_before = values().await;
    let csv = format!(
        "element,disaggregation,period,org,value\n\
         REVENUE,,2025,{ok},100\n\
         REVENUE,,2025,91620100MA00000XYZ,5\n\
         REVENUE,,2025,{out},7\n",
        ok = reporter.0,
        out = outsider.0
    );
    let raws = parse_csv(csv.as_bytes()).unwrap();
    let actor = orgs::Actor { user_id: 0, username: "cli", request_id: "test" };
    let result = stats::import_long(
        &t.db,
        &cat,
        "107-2",
        Period::parse("2025").unwrap(),
        &raws,
        actor,
        &|_, _| {},
    )
    .await;
    let Err(stats::ImportError::File(mut errors)) = result else {
        panic!("refused by line, not {result:?}")
    };
    errors.sort_by_key(|e| e.place.line);
    let at = |line| Place { sheet: String::new(), line, column: "org".into() };
    assert_eq!(
        errors,
        vec![
            PlaceError::unaccepted(
                at(3),
                Unaccepted::Unregistered { code: "91620100MA00000XYZ".into() }
            ),
            PlaceError::unaccepted(
                at(4),
                Unaccepted::NotReporter { organisation: outsider.2.clone(), form: "107-2".into() }
            ),
        ]
    );
    assert_eq!(errors[0].key, "err.file.unregistered");
    assert_eq!(values().await, values_before);
}

#[tokio::test]
async fn the_demo_innovation_survey_is_plausible_and_approved() {
    let t = demo_db(120).await;
    demo::seed_stats(&t.db, None).await.unwrap();
    let responses = stats::survey_responses(&t.db, 2025, &orgs::everywhere()).await.unwrap();
    assert!(
        responses.len() > 50,
        "every demo enterprise's survey is approved: {}",
        responses.len()
    );
    let r = innocity_core::stats::survey::report(&responses, &[]);
    let innovating = r.innovating.share().unwrap();
    assert!((0.35..=0.65).contains(&innovating), "about half innovate: {innovating}");
    let intensity = r.intensity.unwrap();
    assert!((0.005..=0.1).contains(&intensity), "innovation spending of revenue: {intensity}");
    assert!(r.new_product_share.unwrap() > 0.0 && r.obstacles[0].share.share().unwrap() > 0.3);
}
