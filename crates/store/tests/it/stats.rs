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
