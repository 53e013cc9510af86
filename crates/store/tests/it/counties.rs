//! Counties beside zones: a county sums the parks that lie in it (statistics, typed and
//! registered indicators) while the tree sums each park once, into its zone and city.
use crate::common::*;
use innocity_core::indicators::targets::Framework;
use innocity_core::stats::status::Status;
use innocity_store::indicators::{self, IndicatorValue};
use innocity_store::orgs::{self, Actor};
use innocity_store::stats;

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };

#[tokio::test]
async fn a_county_sums_its_parks_and_the_city_counts_each_park_once() {
    let t = demo_db(120).await;
    innocity_demo::seed_stats(&t.db, None).await.unwrap();
    // Approval up the tree (parks, zones, cities) locks 2024.
    assert!(innocity_demo::approve_demo_periods(&t.db).await.unwrap() > 0);
    let units = orgs::units(&t.db).await.unwrap();
    let unit = |code: &str| units.iter().find(|u| u.code == code).unwrap().clone();
    let (yuzhong, gx, lanzhou) = (unit("620123"), unit("LZGX"), unit("620100"));

    // Statistics: 榆中县's R&D is that of the returns in its two parks of 兰州高新区.
    let totals = stats::totals(&t.db, "107-2", "2024", &[Status::Locked]).await.unwrap();
    let rd = totals.find("RD_EXP", "").unwrap();
    let in_parks: f64 = t
        .db
        .read(
            "SELECT v.num FROM stat_returns r JOIN stat_values v ON v.return_id = r.id JOIN organisations o ON o.id = r.organisation_id JOIN org_units u ON u.id = o.org_unit_id WHERE r.form = '107-2' AND r.period = '2024' AND r.status = 'locked' AND v.element = 'RD_EXP' AND v.disagg = '' AND v.num IS NOT NULL AND u.code IN ('LZGX-YZ', 'LZGX-HP')",
            vec![],
            |r| r.opt_real(0),
        )
        .await
        .unwrap()
        .iter()
        .flatten()
        .sum();
    assert!(in_parks > 0.0, "the demo has returns in 榆中县's parks");
    let county_rd = totals.rollup.get(yuzhong.id, &rd).unwrap().sum;
    assert!((county_rd - in_parks).abs() < 1e-6, "{county_rd} vs {in_parks}");
    // The city is the sum of its zones, not of its zones and its counties.
    let zones_rd: f64 = units
        .iter()
        .filter(|u| u.level == "zone" && u.parent_id == Some(lanzhou.id))
        .filter_map(|z| totals.rollup.get(z.id, &rd).map(|a| a.sum))
        .sum();
    let city_rd = totals.rollup.get(lanzhou.id, &rd).unwrap().sum;
    assert!((city_rd - zones_rd).abs() < 1e-6, "{city_rd} vs {zones_rd}");

    // Typed values of the parks: 榆中县 = its two parks; 兰州高新区 and 兰州市 hold each once.
    let f = Framework::built_in().into_iter().find(|f| f.code == "LANBAI-2020").unwrap();
    let typed = |code: &str, value: f64| IndicatorValue {
        indicator: "GDP".into(),
        org_unit_id: unit(code).id,
        period: "2031".into(),
        value,
        source: "import".into(),
    };
    let values = [typed("LZGX-YZ", 10.0), typed("LZGX-HP", 5.0), typed("LZGX-YT", 7.0)];
    indicators::import(&t.db, &values, ACTOR).await.unwrap();
    indicators::aggregate(&t.db, &f, ACTOR).await.unwrap();
    let gdp = |id: i64| {
        let db = t.db.clone();
        async move {
            let all = indicators::for_unit(&db, id, &["GDP".to_string()]).await.unwrap();
            all.into_iter().find(|v| v.period == "2031").map(|v| v.value)
        }
    };
    assert_eq!(gdp(yuzhong.id).await, Some(15.0), "the county: its two parks");
    assert_eq!(gdp(gx.id).await, Some(22.0), "the zone: its three parks");
    assert_eq!(gdp(lanzhou.id).await, Some(22.0), "the city: each park once");
}

/// What a county breaks down into (its parks), what a city does (its zones, never its
/// counties), and who may follow an enterprise of a county's park in a cultivation pool.
#[tokio::test]
async fn parts_and_officers_follow_the_county_beside_the_tree() {
    let t = demo_db(40).await;
    let units = orgs::units(&t.db).await.unwrap();
    let unit = |code: &str| units.iter().find(|u| u.code == code).unwrap().clone();
    let codes = |parts: Vec<orgs::OrgUnit>| parts.into_iter().map(|u| u.code).collect::<Vec<_>>();
    assert_eq!(codes(orgs::parts_of(&units, &unit("620123"))), ["LZGX-YZ", "LZGX-HP"]);
    assert_eq!(codes(orgs::parts_of(&units, &unit("620100"))), ["LZXQ", "LZGX", "LZJJ"]);
    let officers = |path: String| {
        let db = t.db.clone();
        async move {
            let all = innocity_store::subjects::pools::officers(&db, &path).await.unwrap();
            all.into_iter().map(|o| o.name).collect::<Vec<_>>()
        }
    };
    let in_yuzhong = officers(format!("{}123/", unit("LZGX-YZ").path)).await;
    assert!(in_yuzhong.iter().any(|n| n.contains("榆中县")), "{in_yuzhong:?}");
    assert!(in_yuzhong.iter().any(|n| n.contains("兰州高新区")), "the zone's too");
    let in_yantan = officers(unit("LZGX-YT").path.clone()).await;
    assert!(!in_yantan.iter().any(|n| n.contains("榆中县")), "{in_yantan:?}");
}
