use super::*;

fn rd() -> Target {
    Framework::built_in()
        .into_iter()
        .find(|f| f.code == "LANBAI-2020")
        .unwrap()
        .target("RD_GDP")
        .unwrap()
        .clone()
}

#[test]
fn a_quarter_is_judged_against_the_plan_so_far_flows_cumulated_and_stocks_on_their_way() {
    use crate::periods::Period;
    let th = Thresholds::default();
    let city = Framework::built_in().into_iter().find(|f| f.code == "CITY-2015").unwrap();
    // Contracts' turnover is a flow: by Q3, three quarters of the year's 5 亿元.
    let contracts = city.target("TECH_CONTRACTS").unwrap();
    assert!(contracts.flow());
    let q3 = Period::Quarter(2026, 3);
    assert!((contracts.planned_at(q3) - 3.75).abs() < 1e-12);
    let a = contracts.assess_at(q3, 3.6, &th);
    assert_eq!((a.status, (a.pace * 100.0).round()), (Status::OnTrack, 96.0));
    assert_eq!(contracts.assess_at(q3, 3.2, &th).status, Status::Behind);
    assert_eq!(contracts.assess_at(q3, 2.0, &th).status, Status::AtRisk);
    assert!((contracts.assess_at(q3, 3.0, &th).achieved - 0.6).abs() < 1e-12, "of the year");
    // R&D/GDP is a stock: half-way through 2017 it should be half-way from 2016's plan to 2017's.
    let t = rd();
    assert!(!t.flow());
    let s1 = Period::Half(2017, 1);
    assert!((t.planned_at(s1) - (t.planned(2016) + t.planned(2017)) / 2.0).abs() < 1e-12);
    assert_eq!(t.assess_at(s1, t.planned_at(s1), &th).status, Status::OnTrack);
    // A year is judged as the yearly dashboard judges it.
    assert_eq!(t.assess_at(Period::Year(2017), 2.0, &th), t.assess(2017, 2.0, &th));
}

#[test]
fn the_seed_frameworks_read() {
    let all = Framework::built_in();
    assert_eq!(all.len(), BUILT_IN.len(), "every built-in framework reads");
    assert_eq!(all[2].target("BY_PATENT_APPS").unwrap().baseline, 615.0);
    let lanbai = &all[0];
    assert_eq!(lanbai.targets.len(), 10);
    let e = lanbai.target("ENERGY_GDP").unwrap();
    assert_eq!((e.direction, e.baseline, e.target), (Direction::Down, 2.17, 1.7));
}

#[test]
fn paths_statuses_and_milestones() {
    let t = rd();
    assert_eq!(t.planned(2014), 2.3);
    assert!((t.planned(2017) - 2.6).abs() < 1e-12);
    assert_eq!(t.planned(2024), 2.9);
    let th = Thresholds::default();
    assert_eq!(t.assess(2017, 2.6, &th).status, Status::OnTrack);
    assert_eq!(t.assess(2017, 2.55, &th).status, Status::Behind); // 0.25 of 0.3 due
    assert_eq!(t.assess(2017, 2.4, &th).status, Status::AtRisk);
    let a = t.assess(2017, 2.45, &th);
    assert!((a.gap + 0.15).abs() < 1e-12 && (a.achieved - 0.25).abs() < 1e-12);
    // Growth path: the same % every year.
    let g = Framework::built_in()[0].target("PATENTS_10K").unwrap().clone();
    let r1 = g.planned(2015) / g.planned(2014);
    let r2 = g.planned(2020) / g.planned(2019);
    assert!((r1 - r2).abs() < 1e-12 && (g.planned(2020) - 17.5).abs() < 1e-9);
    // Lower is better: below the path is ahead.
    let e = Framework::built_in()[0].target("ENERGY_GDP").unwrap().clone();
    assert_eq!(e.assess(2018, 1.8, &th).status, Status::OnTrack);
    assert!(e.assess(2018, 2.2, &th).gap < 0.0);
    assert_eq!(t.milestones().len(), 7);
}

#[test]
fn trends_say_whether_a_gap_closes() {
    let t = rd();
    let slow = [(2019, 2.40), (2020, 2.42), (2021, 2.44)];
    let tr = trend(&t, &slow, 3);
    assert!(tr.cagr.unwrap() > 0.0 && tr.closing == Some(false), "{tr:?}");
    let mut t2 = t.clone();
    t2.target_year = 2025;
    let fast = [(2019, 2.4), (2020, 2.6), (2021, 2.8)];
    assert_eq!(trend(&t2, &fast, 3).closing, Some(true));
    let r = trend(&t2, &fast, 3).regression.unwrap();
    assert!((r - ((2.8f64 / 2.4).powf(0.5) - 1.0)).abs() < 0.01);
}

#[test]
fn targets_break_down_by_unit() {
    let f = &Framework::built_in()[0];
    let money = f.target("TECH_CONTRACTS").unwrap();
    let parts = money.by_unit(&[("A".into(), 18.0), ("B".into(), 6.0)]);
    assert_eq!(parts, vec![("A".to_string(), 45.0), ("B".to_string(), 15.0)]);
    let ratio = f.target("RD_GDP").unwrap().by_unit(&[("A".into(), 2.3), ("B".into(), 1.15)]);
    assert!((ratio[1].1 - 1.45).abs() < 1e-12);
}

#[test]
fn yearbook_rows_read_and_problems_name_their_place() {
    let rows = |t: &str| {
        t.lines().map(|l| l.split(',').map(String::from).collect::<Vec<_>>()).collect::<Vec<_>>()
    };
    let ind = vec!["RD_GDP".to_string()];
    let units = vec!["LZGX".to_string()];
    let ok = read_yearbook(
        &rows("区域代码,报告期,指标代码,数值\nLZGX,2024,RD_GDP,2.71"),
        "",
        &ind,
        &units,
    )
    .unwrap();
    assert_eq!(
        ok[0],
        YearbookRow {
            unit: "LZGX".into(),
            period: "2024".into(),
            indicator: "RD_GDP".into(),
            value: 2.71
        }
    );
    let e = read_yearbook(&rows("unit,period,indicator,value\nXX,2024,RD_GDP,1\nLZGX,20x4,NOPE,abc\nLZGX,2024,RD_GDP,1\nLZGX,2024,RD_GDP,2"), "", &ind, &units).unwrap_err();
    let got: Vec<(usize, &str, &str)> =
        e.iter().map(|x| (x.place.line, x.place.column.as_str(), x.key)).collect();
    assert_eq!(
        got,
        vec![
            (2, "unit", "err.ind.unknown_unit"),
            (3, "period", "err.stats.bad_period"),
            (3, "indicator", "err.ind.unknown_indicator"),
            (3, "value", "err.value.not_number"),
            (5, "indicator", "err.file.duplicate_cell")
        ]
    );
}

#[test]
fn the_framework_is_an_index_tree() {
    let f = &Framework::built_in()[0];
    let meta = crate::index::read_meta("framework", &f.imeta()).unwrap();
    assert_eq!(meta.top_level(), 3);
    assert_eq!(meta.aggregates().filter(|a| a.level == 2).count(), 4);
    let energy = meta.rows.iter().find(|r| r.code == "ENERGY_GDP").unwrap();
    assert_eq!((energy.parent.as_str(), energy.direction), ("GREEN", -1.0));
    let flat = Framework::built_in().into_iter().find(|f| f.code == "CITY-2015").unwrap();
    assert_eq!(crate::index::read_meta("framework", &flat.imeta()).unwrap().top_level(), 2);
}

#[test]
fn totals_add_up_and_ratios_are_ratios_of_sums() {
    let text = "code = \"T\"\nname_zh = \"t\"\nname_en = \"t\"\n[[target]]\ncode = \"RD\"\nname_zh = \"r\"\nname_en = \"r\"\nkind = \"total\"\nbaseline_year = 2020\nbaseline = 1\ntarget_year = 2025\ntarget = 2\n[[target]]\ncode = \"GDP\"\nname_zh = \"g\"\nname_en = \"g\"\nkind = \"total\"\nbaseline_year = 2020\nbaseline = 1\ntarget_year = 2025\ntarget = 2\n[[target]]\ncode = \"INT\"\nname_zh = \"i\"\nname_en = \"i\"\nnumerator = \"RD\"\ndenominator = \"GDP\"\nscale = 100\nbaseline_year = 2020\nbaseline = 1\ntarget_year = 2025\ntarget = 2\n";
    let f = Framework::from_toml("t.toml", text).unwrap();
    // 1 ← 2 ← {3, 4}; 4 reports a big GDP and a low intensity.
    let units = [(1, None), (2, Some(1)), (3, Some(2)), (4, Some(2))];
    let v = |i: &str, u: i64, x: f64| (i.to_string(), u, "2024".to_string(), x);
    let values = vec![
        v("RD", 3, 3.0),
        v("GDP", 3, 100.0),
        v("INT", 3, 3.0),
        v("RD", 4, 1.0),
        v("GDP", 4, 900.0),
        v("INT", 4, 0.111),
    ];
    let out = aggregate_up(&f, &units, &values);
    let get = |i: &str, u: i64| out.iter().find(|x| x.0 == i && x.1 == u).map(|x| x.3);
    assert_eq!(get("RD", 2), Some(4.0));
    assert_eq!(get("GDP", 1), Some(1000.0));
    assert_eq!(get("INT", 2), Some(0.4), "4 / 1000 × 100, not the mean of 3 and 0.111");
    assert_eq!(get("INT", 3), None, "a unit's own values stay");
}

#[test]
fn bad_frameworks_say_where() {
    let text = "code = \"X\"\nname_zh = \"x\"\nname_en = \"x\"\n[[target]]\ncode = \"A\"\nname_zh = \"a\"\nname_en = \"a\"\nbaseline_year = 2020\nbaseline = 1\ntarget_year = 2018\ntarget = 2\nweight = -1\n";
    let e = Framework::from_toml("mine.toml", text).unwrap_err();
    let msgs: Vec<String> = e.iter().map(|x| x.to_string()).collect();
    assert_eq!(
        msgs,
        vec![
            "mine.toml, indicator A: the target year 2018 is not after the baseline year 2020"
                .to_string(),
            "mine.toml, indicator A: negative weight -1".to_string()
        ]
    );
}

#[test]
fn a_ratio_cannot_be_a_flow() {
    let text = "code = \"X\"\nname_zh = \"x\"\nname_en = \"x\"\n[[target]]\ncode = \"R\"\nname_zh = \"r\"\nname_en = \"r\"\nkind = \"ratio\"\naccrual = \"flow\"\nbaseline_year = 2025\nbaseline = 1\ntarget_year = 2026\ntarget = 2\n";
    let e = Framework::from_toml("q.toml", text).unwrap_err();
    assert!(e[0].to_string().contains("never a flow"), "{e:?}");
    let stock = text.replace("accrual = \"flow\"", "accrual = \"stock\"");
    assert!(!Framework::from_toml("q.toml", &stock).unwrap().targets[0].flow());
}

#[test]
fn a_framework_follows_the_years_from_its_earliest_baseline_to_its_last_target() {
    let q = Framework::built_in().into_iter().find(|f| f.code == "LANBAI-Q2026").unwrap();
    assert_eq!(q.years(), Some((2025, 2026)));
    let none = Framework { targets: vec![], ..q };
    assert_eq!(none.years(), None);
}
