//! Demo statistics: two years of returns in every state, and approving them up the hierarchy.
use super::*;
use innocity_store::stats::{BatchItem, CellChange, Mode};

/// What [`seed_stats`] made.
#[derive(Debug, Clone, Default)]
pub struct StatsSummary {
    pub returns: usize,
    pub values: usize,
}

/// Titles of engineering papers, as R&D project names in 107-1.
fn project_titles(csl_tsv: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = csl_tsv
        .map(|t| {
            t.lines()
                .skip(1)
                .filter_map(|l| {
                    let cols: Vec<&str> = l.split('\t').collect();
                    let (title, cat) = (cols.get(1)?.trim(), cols.get(5)?.trim());
                    (cat == "工学" && (8..=40).contains(&title.chars().count()))
                        .then(|| title.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    if out.is_empty() {
        out = [
            "高性能碳纤维复合材料制备关键技术研究",
            "稀土永磁电机智能控制系统开发",
            "光伏组件缺陷在线检测装备研制",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
    }
    out
}

/// One enterprise's 107-2 values for a year, consistent with every error rule: parts add up
/// to totals, "of which" never exceeds its total. `scale` multiplies R&D money (a unit mistake
/// when it is 1000: 元 typed for 千元).
fn enterprise_107_2(
    rng: &mut Lcg,
    revenue: f64,
    intensity: f64,
    scale: f64,
) -> Vec<(&'static str, &'static str, f64)> {
    let rd = (revenue * intensity).round().max(50.0);
    let parts = rd_expense_parts(rng, rd);
    let f = figures_107_2(rng, revenue, rd, parts[6].1);
    let mut v = people_and_outputs(rng, &f);
    let money = rd_money(rng, &f);
    v.extend(parts.into_iter().map(|(c, x)| (c, "", x * scale)));
    v.extend(money.into_iter().map(|(c, d, x)| (c, d, x * scale)));
    v
}

/// A share between `lo` and `hi` per cent, drawn from the enterprise's sequence.
fn pct(rng: &mut Lcg, lo: u64, hi: u64) -> f64 {
    (lo + rng.next() % (hi - lo + 1)) as f64 / 100.0
}

/// R&D expenditure by kind of cost; the last part ("other") makes the parts add up to `rd`.
fn rd_expense_parts(rng: &mut Lcg, rd: f64) -> Vec<(&'static str, f64)> {
    let mut parts: Vec<(&str, f64)> = Vec::new();
    let mut used = 0.0;
    for (code, lo, hi) in [
        ("RD_EXP_PERS", 40, 52),
        ("RD_EXP_DIRECT", 18, 26),
        ("RD_EXP_DEPR", 3, 6),
        ("RD_EXP_AMORT", 1, 3),
        ("RD_EXP_DESIGN", 1, 3),
        ("RD_EXP_EQUIP", 1, 3),
        ("RD_EXP_OUTSRC", 2, 6),
    ] {
        let v = (rd * pct(rng, lo, hi)).floor();
        used += v;
        parts.push((code, v));
    }
    parts.push(("RD_EXP_OTHER", rd - used));
    parts
}

/// The figures several 107-2 rows share (so "of which" stays within its total).
struct Figures107 {
    revenue: f64,
    rd: f64,
    outsrc: f64,
    univ: f64,
    inst: f64,
    abroad: f64,
    gov: f64,
    overseas: f64,
    other_src: f64,
    employees: f64,
    staff: f64,
    ft: f64,
    fte: f64,
    newprod_sales: f64,
    apps: f64,
    proj_exp: f64,
}

/// Draws the shared figures, after the expenditure parts (`outsrc` is the outsourced part).
fn figures_107_2(rng: &mut Lcg, revenue: f64, rd: f64, outsrc: f64) -> Figures107 {
    let univ = (outsrc * pct(rng, 30, 50)).floor();
    let inst = (outsrc * pct(rng, 10, 30)).floor();
    let abroad = (outsrc * pct(rng, 0, 5)).floor();
    let gov = (rd * pct(rng, 2, 15)).floor();
    let overseas = (rd * pct(rng, 0, 2)).floor();
    let other_src = (rd * pct(rng, 0, 3)).floor();
    let employees = (revenue / (600.0 + (rng.next() % 900) as f64)).round().max(20.0);
    let staff = (employees * pct(rng, 8, 25)).round().max(3.0);
    let ft = (staff * pct(rng, 60, 90)).round();
    let fte = ((ft + (staff - ft) * 0.4) * 10.0).round() / 10.0;
    let newprod_sales = (revenue * pct(rng, 10, 40)).round();
    let apps = (rng.next() % 40) as f64;
    let proj_exp = (rd * pct(rng, 55, 85)).floor();
    Figures107 {
        revenue,
        rd,
        outsrc,
        univ,
        inst,
        abroad,
        gov,
        overseas,
        other_src,
        employees,
        staff,
        ft,
        fte,
        newprod_sales,
        apps,
        proj_exp,
    }
}

/// 107-2's people, institutes, new products and intellectual property (not scaled).
fn people_and_outputs(rng: &mut Lcg, f: &Figures107) -> Vec<(&'static str, &'static str, f64)> {
    let (revenue, staff, apps) = (f.revenue, f.staff, f.apps);
    vec![
        ("EMPLOYEES", "", f.employees),
        ("REVENUE", "", revenue),
        ("ASSETS", "", (revenue * pct(rng, 120, 200)).round()),
        ("PROFIT", "", (revenue * (pct(rng, 0, 20) - 0.05)).round()),
        ("EXPORT_VALUE", "", (revenue * pct(rng, 0, 20)).round()),
        ("RD_STAFF", "", staff),
        ("RD_STAFF_FT", "", f.ft),
        ("RD_STAFF_FEMALE", "", (staff * pct(rng, 20, 40)).round()),
        ("RD_STAFF_DOCTOR", "", (staff * pct(rng, 1, 8)).round()),
        ("RD_STAFF_MASTER", "", (staff * pct(rng, 15, 30)).round()),
        ("RD_FTE", "", f.fte),
        ("RD_PROJECTS", "", (2 + rng.next() % 10) as f64),
        ("RD_INSTITUTES", "", (rng.next() % 3) as f64),
        ("INST_STAFF", "", (staff * pct(rng, 20, 60)).round()),
        ("NEWPROD_PROJECTS", "", (1 + rng.next() % 8) as f64),
        ("NEWPROD_SALES", "", f.newprod_sales),
        ("NEWPROD_EXPORT", "", (f.newprod_sales * pct(rng, 0, 25)).round()),
        ("PATENT_APPS", "", apps),
        ("PATENT_INV_APPS", "", (apps * pct(rng, 20, 60)).floor()),
        ("PATENT_VALID_INV", "", (rng.next() % 60) as f64),
        ("PATENT_LICENSED", "", (rng.next() % 4) as f64),
        ("PAPERS", "", (rng.next() % 12) as f64),
        ("STANDARDS", "", (rng.next() % 3) as f64),
        ("TRADEMARKS", "", (rng.next() % 20) as f64),
    ]
}

/// 107-2's money rows: R&D expenditure by source and outsourcing by partner, institutes, new
/// products, technology purchases and tax relief (scaled with the parts).
fn rd_money(rng: &mut Lcg, f: &Figures107) -> Vec<(&'static str, &'static str, f64)> {
    let (rd, gov, overseas, other_src) = (f.rd, f.gov, f.overseas, f.other_src);
    let (outsrc, univ, inst, abroad) = (f.outsrc, f.univ, f.inst, f.abroad);
    vec![
        ("RD_EXP", "", rd),
        ("RD_EXP", "GOV", gov),
        ("RD_EXP", "OVERSEAS", overseas),
        ("RD_EXP", "OTHER", other_src),
        ("RD_EXP", "ENT", rd - gov - overseas - other_src),
        ("RD_EXP_OUTSRC", "UNIV", univ),
        ("RD_EXP_OUTSRC", "INST", inst),
        ("RD_EXP_OUTSRC", "ABROAD", abroad),
        ("RD_EXP_OUTSRC", "ENT", outsrc - univ - inst - abroad),
        ("RD_PROJ_EXP", "", f.proj_exp),
        ("INST_EXP", "", (rd * pct(rng, 20, 60)).round()),
        ("INST_EQUIP", "", (rd * pct(rng, 50, 200)).round()),
        ("NEWPROD_EXP", "", (rd * pct(rng, 40, 80)).round()),
        ("PATENT_LICENSE_INCOME", "", (rng.next() % 500) as f64),
        ("TECH_IMPORT", "", (rd * pct(rng, 0, 5)).round()),
        ("TECH_ABSORB", "", (rd * pct(rng, 0, 2)).round()),
        ("TECH_DOMESTIC", "", (rd * pct(rng, 0, 6)).round()),
        ("TECH_RENOVATE", "", (rd * pct(rng, 5, 30)).round()),
        ("GOV_RD_FUNDS", "", gov),
        ("TAX_RD_DEDUCTION", "", (rd * pct(rng, 15, 25)).round()),
        ("TAX_HITECH", "", (f.revenue * pct(rng, 0, 2)).round()),
    ]
}

fn num_change(element: &str, disagg: &str, row: i64, v: f64) -> CellChange {
    CellChange {
        element: element.into(),
        disagg: disagg.into(),
        row,
        value: Some(innocity_core::stats::values::Stored::Num(v)),
    }
}

fn text_change(element: &str, row: i64, v: &str) -> CellChange {
    CellChange {
        element: element.into(),
        disagg: String::new(),
        row,
        value: Some(innocity_core::stats::values::Stored::Text(v.into())),
    }
}

/// Returns for the demo: 107-2 for 2023 and 107-2 and 107-1 for 2024 (approved up to the city
/// and locked) and 2025 (in every state, a few with unit mistakes and explained warnings), the
/// quarterly quick report from 2025Q1 to 2026Q3, and the innovation survey (CX-1) of 2024 and
/// 2025, approved. The 2025 and 2026Q3 windows are extended so the demo can be filled in now.
pub async fn seed_stats(db: &Db, csl_tsv: Option<&str>) -> Result<StatsSummary> {
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "demo", request_id: "demo" };
    let orgs_rows = db
        .read("SELECT id, kind, unit_path FROM organisations ORDER BY id", vec![], |r| {
            Ok((r.int(0)?, r.text(1)?, r.text(2)?))
        })
        .await?;
    let titles = project_titles(csl_tsv);
    let units = orgs::units(db).await?;
    let gx = units.iter().find(|u| u.code == "LZGX").cloned();
    let showcase = match &gx {
        Some(u) => first_org(db, "enterprise", Some(&u.path)).await?,
        None => None,
    };
    let mut rng = Lcg(107);
    let mut summary = StatsSummary::default();
    let enterprises: Vec<&(i64, String, String)> =
        orgs_rows.iter().filter(|o| o.1 == "enterprise").collect();
    let profile = enterprise_profiles(&mut rng, enterprises.len());
    let reporting = Reporting {
        orgs: &orgs_rows,
        enterprises: &enterprises,
        profile: &profile,
        titles: &titles,
        showcase,
    };
    // 2023's 107-2 too: the 高企 rules look at three accounting years.
    for year in [2023, 2024, 2025] {
        let (grid, roster) = annual_returns(&reporting, year);
        save_returns(db, "107-2", &year.to_string(), &grid, actor, &mut summary).await?;
        if year > 2023 {
            save_returns(db, "107-1", &year.to_string(), &roster, actor, &mut summary).await?;
        }
    }
    seed_quick_reports(db, &reporting, actor, &mut summary).await?;
    // The survey since 2024, so its report compares a year with the one before.
    for year in [2024, 2025] {
        let survey = survey_items(&reporting, year);
        save_returns(db, "CX-1", &year.to_string(), &survey, actor, &mut summary).await?;
    }
    set_demo_states(db, showcase).await?;
    Ok(summary)
}

/// Who reports and what their returns are made from.
struct Reporting<'a> {
    /// Every organisation: (id, kind, unit path).
    orgs: &'a [(i64, String, String)],
    enterprises: &'a [&'a (i64, String, String)],
    /// Per enterprise: revenue 2024, growth, R&D intensity.
    profile: &'a [(f64, f64, f64)],
    /// R&D project names for 107-1.
    titles: &'a [String],
    /// The enterprise the demo accounts fill in themselves (always started, left in draft).
    showcase: Option<i64>,
}

/// Per enterprise: revenue 2024, growth, R&D intensity.
fn enterprise_profiles(rng: &mut Lcg, n: usize) -> Vec<(f64, f64, f64)> {
    (0..n)
        .map(|_| {
            let revenue = (20_000.0
                * (1u64 << (rng.next() % 8)) as f64
                * (1.0 + (rng.next() % 100) as f64 / 100.0))
                .round();
            let growth = 0.92 + (rng.next() % 30) as f64 / 100.0;
            let intensity = (50 + rng.next() % 750) as f64 / 10_000.0;
            (revenue, growth, intensity)
        })
        .collect()
}

/// A year's 107-2 (the grid) and 107-1 (the R&D project roster) of every enterprise that has
/// started; in 2025 a tenth has not.
fn annual_returns(rep: &Reporting<'_>, year: i32) -> (Vec<BatchItem>, Vec<BatchItem>) {
    let mut grid = Vec::new();
    let mut roster = Vec::new();
    for (i, o) in rep.enterprises.iter().enumerate() {
        let not_started = year == 2025 && i % 10 == 9 && Some(o.0) != rep.showcase;
        if not_started {
            continue;
        }
        let (revenue, growth, intensity) = rep.profile[i];
        // A few jump by 80% (explained warnings); three type 元 for 千元 (outliers).
        let jump = year == 2025 && i % 17 == 5;
        let scale = if year == 2025 && i % 53 == 7 { 1000.0 } else { 1.0 };
        let rev = match year {
            2023 => (revenue / growth).round(),
            2024 => revenue,
            _ => (revenue * growth).round(),
        };
        let mut r2 = Lcg(o.0 as u64 * 31 + year as u64);
        let values =
            enterprise_107_2(&mut r2, rev, if jump { intensity * 1.8 } else { intensity }, scale);
        let proj_exp = values.iter().find(|v| v.0 == "RD_PROJ_EXP").map(|v| v.2).unwrap_or(0.0);
        grid.push(BatchItem {
            organisation_id: o.0,
            unit_path: o.2.clone(),
            changes: values.iter().map(|(e, d, v)| num_change(e, d, 0, *v)).collect(),
        });
        let changes = project_roster(&mut r2, year, proj_exp, rep.titles);
        roster.push(BatchItem { organisation_id: o.0, unit_path: o.2.clone(), changes });
    }
    (grid, roster)
}

/// One enterprise's 107-1: two to four R&D projects sharing its project expenditure, drawn
/// from its sequence after its 107-2.
fn project_roster(r2: &mut Lcg, year: i32, proj_exp: f64, titles: &[String]) -> Vec<CellChange> {
    let n = 2 + (r2.next() % 3) as i64;
    let mut changes = Vec::new();
    for row in 1..=n {
        let title = &titles[(r2.next() as usize) % titles.len()];
        let start = (year - (r2.next() % 2) as i32) * 100 + 1 + (r2.next() % 12) as i32;
        let end = (year + (r2.next() % 2) as i32) * 100 + 1 + (r2.next() % 12) as i32;
        let end = end.max(start);
        let staff = (3 + r2.next() % 15) as f64;
        let exp = (proj_exp / n as f64).floor();
        changes.push(text_change("P_NAME", row, title));
        changes.push(text_change(
            "P_SOURCE",
            row,
            ["1", "2", "3", "4", "4", "4"][(r2.next() % 6) as usize],
        ));
        changes.push(text_change(
            "P_COOP",
            row,
            ["2", "3", "4", "5", "5"][(r2.next() % 5) as usize],
        ));
        changes.push(num_change("P_START", "", row, start as f64));
        changes.push(num_change("P_END", "", row, end as f64));
        changes.push(num_change("P_STAFF", "", row, staff));
        changes.push(num_change(
            "P_PERSON_MONTHS",
            "",
            row,
            (staff * (4 + r2.next() % 8) as f64).round(),
        ));
        changes.push(num_change("P_EXP", "", row, exp));
        changes.push(num_change(
            "P_EXP_GOV",
            "",
            row,
            (exp * (r2.next() % 30) as f64 / 100.0).floor(),
        ));
    }
    changes
}

/// Saves one form's returns for a period as an import, counting them in the summary.
async fn save_returns(
    db: &Db,
    form: &str,
    period: &str,
    items: &[BatchItem],
    actor: innocity_store::orgs::Actor<'_>,
    summary: &mut StatsSummary,
) -> Result<()> {
    summary.values += innocity_store::stats::save_batch(
        db,
        form,
        period,
        items,
        innocity_store::stats::SaveHow { mode: Mode::Replace, source: "import" },
        actor,
        &|_| {},
    )
    .await?;
    summary.returns += items.len();
    Ok(())
}

/// The quick report (KB-Q) from 2025Q1 to 2026Q3, cumulative within each year; a tenth of
/// the reporters have not started 2026Q3.
async fn seed_quick_reports(
    db: &Db,
    rep: &Reporting<'_>,
    actor: innocity_store::orgs::Actor<'_>,
    summary: &mut StatsSummary,
) -> Result<()> {
    let reporters: Vec<&(i64, String, String)> = rep
        .orgs
        .iter()
        .filter(|o| ["enterprise", "institute", "university"].contains(&o.1.as_str()))
        .collect();
    let quarters: Vec<(i32, u8)> =
        vec![(2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3)];
    for (y, q) in &quarters {
        let items = quick_report_items(rep, &reporters, *y, *q);
        let period = format!("{y}Q{q}");
        save_returns(db, "KB-Q", &period, &items, actor, summary).await?;
    }
    Ok(())
}

/// One quarter's quick reports: revenue to date from the enterprise's profile (a default one
/// for institutes and universities), with noise from the reporter's own sequence.
fn quick_report_items(
    rep: &Reporting<'_>,
    reporters: &[&(i64, String, String)],
    y: i32,
    q: u8,
) -> Vec<BatchItem> {
    let mut items = Vec::new();
    for (i, o) in reporters.iter().enumerate() {
        if y == 2026 && q == 3 && i % 10 == 9 && Some(o.0) != rep.showcase {
            continue;
        }
        let base = rep
            .enterprises
            .iter()
            .position(|e| e.0 == o.0)
            .map(|k| rep.profile[k])
            .unwrap_or((8_000.0, 1.05, 0.2));
        let revenue_year = base.0 * if y == 2025 { base.1 } else { base.1 * base.1 };
        let share = q as f64 / 4.0;
        let mut r3 = Lcg(o.0 as u64 * 7 + y as u64 * 10 + q as u64);
        let noise = 0.95 + (r3.next() % 10) as f64 / 100.0;
        let rev = (revenue_year * share * noise).round();
        let rd = (rev * base.2).round();
        let staff = (rev / 4000.0 * base.2 * 40.0).round().clamp(3.0, 400.0);
        items.push(BatchItem {
            organisation_id: o.0,
            unit_path: o.2.clone(),
            changes: vec![
                num_change("Q_REVENUE", "", 0, rev),
                num_change("Q_RD_EXP", "", 0, rd),
                num_change("Q_RD_STAFF", "", 0, staff),
                num_change("Q_PATENT_APPS", "", 0, (q as u64 * (r3.next() % 4)) as f64),
                num_change(
                    "Q_TECH_CONTRACTS",
                    "",
                    0,
                    (rev * 0.02 * (r3.next() % 3) as f64).round(),
                ),
                num_change("Q_HITECH_OUTPUT", "", 0, (rev * 0.6).round()),
            ],
        });
    }
    items
}

/// Yes (1) with a chance of `percent` in a hundred.
fn yes(rng: &mut Lcg, percent: u64) -> f64 {
    if rng.next() % 100 < percent { 1.0 } else { 0.0 }
}

/// The innovation survey (CX-1) of a year for every enterprise: the more R&D-intensive innovate
/// more often (about half in all); innovators spend on it, sell new products, cooperate and use
/// the policies more; the parts of spending stay within its total.
fn survey_items(rep: &Reporting<'_>, year: i32) -> Vec<BatchItem> {
    let mut items = Vec::new();
    for (i, o) in rep.enterprises.iter().enumerate() {
        let (revenue, growth, intensity) = rep.profile[i];
        // The profile's revenue is 2024's; later years grow by the enterprise's rate.
        let rev = if year <= 2024 { revenue } else { revenue * growth }.round();
        let mut r = Lcg(o.0 as u64 * 13 + year as u64 * 7);
        // The first draw of neighbouring seeds runs together.
        r.next();
        let innovating = r.next() % 100 < 25 + (intensity * 600.0) as u64;
        let mut types = if innovating {
            [yes(&mut r, 75), yes(&mut r, 55), yes(&mut r, 40), yes(&mut r, 35)]
        } else {
            [0.0; 4]
        };
        if innovating && types.iter().all(|t| *t == 0.0) {
            types[0] = 1.0;
        }
        let exp = if innovating {
            (rev * intensity * (1.1 + (r.next() % 50) as f64 / 100.0)).round()
        } else if r.next() % 100 < 30 {
            (rev * intensity * 0.2).round()
        } else {
            0.0
        };
        let part = |share: f64| (exp * share).floor();
        let (internal, external) = (part(0.55 + (r.next() % 20) as f64 / 100.0), part(0.08));
        let (machine, tech) = (part(0.1), part((r.next() % 5) as f64 / 100.0));
        let new_sales =
            if types[0] == 1.0 { (rev * (10 + r.next() % 30) as f64 / 100.0).round() } else { 0.0 };
        let (coop, deduction, hitech) = if innovating { (45, 70, 35) } else { (10, 20, 5) };
        let mut values = vec![
            ("CX_EMPLOYEES", (rev / 800.0).round().clamp(10.0, 5000.0)),
            ("CX_REVENUE", rev),
            ("CX_INNOV_PRODUCT", types[0]),
            ("CX_INNOV_PROCESS", types[1]),
            ("CX_INNOV_ORG", types[2]),
            ("CX_INNOV_MARKET", types[3]),
            ("CX_EXP", exp),
            ("CX_EXP_INTERNAL", internal),
            ("CX_EXP_EXTERNAL", external),
            ("CX_EXP_MACHINE", machine),
            ("CX_EXP_TECH", tech),
            ("CX_NEWPROD_SALES", new_sales),
            ("CX_COOP_UNIV", yes(&mut r, coop)),
        ];
        for (obstacle, chance) in [
            ("CX_OBS_FUNDS", 55),
            ("CX_OBS_TALENT", 50),
            ("CX_OBS_INFO", 25),
            ("CX_OBS_RISK", 35),
            ("CX_OBS_MARKET", 30),
        ] {
            values.push((obstacle, yes(&mut r, chance)));
        }
        values.push(("CX_POL_RD_DEDUCTION", yes(&mut r, deduction)));
        values.push(("CX_POL_HITECH", yes(&mut r, hitech)));
        items.push(BatchItem {
            organisation_id: o.0,
            unit_path: o.2.clone(),
            changes: values.iter().map(|(e, v)| num_change(e, "", 0, *v)).collect(),
        });
    }
    items
}

/// Puts the demo returns into their states, as the people of the demo would have.
async fn set_demo_states(db: &Db, showcase: Option<i64>) -> Result<()> {
    let now = db.clock.now_ms();
    let day = 86_400_000i64;
    let returns = db
        .read(
            "SELECT id, form, period, organisation_id FROM stat_returns ORDER BY id",
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.int(3)?)),
        )
        .await?;
    let tx = db.begin_write().await?;
    for (k, (id, form, period, org)) in returns.iter().enumerate() {
        let current = (form.starts_with("107") && period == "2025") || period == "2026Q3";
        let (status, reason, explanations) = if !current {
            ("approved", "", "{}".to_string())
        } else if Some(*org) == showcase {
            ("draft", "", "{}".to_string())
        } else {
            match k % 10 {
                0..=3 => ("submitted", "", r#"{"R107-2-07":"新建研发中心投入使用，研发投入大幅增加。","R107-2-13":"数据已核实。"}"#.to_string()),
                4 | 5 => ("approved", "", "{}".to_string()),
                6 => ("returned", "研究开发人员数与上年差异较大，请核实后重新上报。", "{}".to_string()),
                _ => ("draft", "", "{}".to_string()),
            }
        };
        let submitted = if status == "draft" { 0 } else { now - (10 + (k as i64 % 20)) * day };
        let reviewer = if matches!(status, "approved" | "returned") { "zone" } else { "" };
        tx.exec(
            "UPDATE stat_returns SET status = ?, reason = ?, explanations = ?, submitted_at = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
            vec![status.into(), reason.into(), explanations.into(), submitted.into(), reviewer.into(), (if reviewer.is_empty() { 0 } else { submitted + 2 * day }).into(), (*id).into()],
        )
        .await?;
    }
    for (form, period, closes) in [
        ("107-2", "2025", "2026-12-31"),
        ("107-1", "2025", "2026-12-31"),
        ("KB-Q", "2026Q3", "2026-12-15"),
    ] {
        tx.exec(
            "INSERT INTO stat_windows (form, period, closes_on, set_by) VALUES (?, ?, ?, 'bureau')",
            vec![form.into(), period.into(), closes.into()],
        )
        .await?;
    }
    innocity_store::audit::append(
        &tx,
        innocity_store::audit::Change {
            actor: "demo",
            action: "demo.stat_states",
            entity: "stat_return",
            entity_id: "*".into(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "returns": returns.len() }),
            request_id: "demo",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Approves the demo's completed periods up the hierarchy, park by park, zone by zone, then
/// the cities (which locks them), through the same checks a reviewer's approval passes.
pub async fn approve_demo_periods(db: &Db) -> Result<usize> {
    let cat = innocity_store::stats::catalogue(db).await?;
    let units = orgs::units(db).await?;
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "bureau", request_id: "demo" };
    let mut n = 0;
    for (form, period) in [
        ("107-2", "2023"),
        ("107-2", "2024"),
        ("107-1", "2024"),
        ("CX-1", "2024"),
        ("KB-Q", "2025Q4"),
    ] {
        let Some(f) = cat.form(form) else { continue };
        for level in ["park", "zone", "city"] {
            for u in units.iter().filter(|u| u.level == level) {
                let children: Vec<OrgUnit> =
                    units.iter().filter(|c| c.parent_id == Some(u.id)).cloned().collect();
                innocity_store::stats::approve_unit(
                    db,
                    f,
                    period,
                    u,
                    &children,
                    level == "city",
                    actor,
                )
                .await?;
                n += 1;
            }
        }
    }
    Ok(n)
}
