//! The built-in frameworks against their seeds: every goal stated with a number is there.
use super::targets::Framework;

/// Every goal the seeds state with a number is in its framework, with the seed's value.
#[test]
fn the_frameworks_carry_every_numeric_goal_of_their_seed() {
    let all = Framework::built_in();
    let goal = |framework: &str, code: &str| {
        let f = all.iter().find(|f| f.code == framework).unwrap();
        let t = f.target(code).unwrap_or_else(|| panic!("{framework} lacks {code}"));
        (t.target_year, t.target)
    };
    // Seed 000 (建创新型城市工作方案), 试点目标 一至三.
    for (code, value) in [
        ("RD_GDP", 1.5),
        ("IND_RD_SALES", 1.0),
        ("MAJOR_PROJECTS", 50.0),
        ("RD_CENTRES", 30.0),
        ("PARTNER_UNIVERSITIES", 30.0),
        ("TECH_CONTRACTS", 5.0),
        ("HIGH_NEW_TECH_VA_SHARE", 10.0),
        ("HIGH_LEVEL_TALENT", 300.0),
        ("BACKBONE_TALENT", 3000.0),
        ("PRO_STAFF", 4.0),
    ] {
        assert_eq!(goal("CITY-2015", code), (2015, value), "{code}");
    }
    let city = all.iter().find(|f| f.code == "CITY-2015").unwrap();
    // "+30 % on 2010", "+20 % a year", "+10 % a year": growth paths that reach them.
    let hitech = city.target("HITECH_ENTERPRISES").unwrap();
    assert!((hitech.target / hitech.baseline - 1.3).abs() < 1e-9);
    assert_eq!(hitech.register.as_deref(), Some("high_tech"));
    let va = city.target("HIGH_NEW_TECH_VA").unwrap();
    assert!((va.planned(2011) / va.baseline - 1.2).abs() < 1e-9);
    let registered = city.target("ACHIEVEMENTS_REGISTERED").unwrap();
    assert!((registered.planned(2011) / registered.baseline - 1.1).abs() < 1e-9);
    assert_eq!(city.target("TECH_CONTRACTS").unwrap().register.as_deref(), Some("tech_contracts"));
    // Seed 002 (白银市 2015 年科技工作预期目标).
    for (code, value) in [
        ("BY_RD_GDP", 2.1),
        ("BY_FISCAL_ST", 1.4),
        ("BY_PATENT_APPS", 800.0),
        ("BY_PATENTS_10K", 1.5),
        ("BY_TECH_CONTRACTS", 2.53),
        ("BY_NEW_HITECH", 5.0),
        ("BY_NEW_TECH_SME", 10.0),
        ("BY_ST_CONTRIBUTION", 51.0),
    ] {
        assert_eq!(goal("BAIYIN-2015", code), (2015, value), "{code}");
    }
    let sme = all[2].target("BY_NEW_TECH_SME").unwrap();
    assert_eq!(sme.register.as_deref(), Some("tech_sme_new"), "counted, never typed in");
}
