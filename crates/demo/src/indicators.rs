//! Demo indicators: the 专栏1 indicators' yearly values for the zones and the pilot zone.
use super::*;
use innocity_core::indicators::targets::{Direction, Framework, Kind, Target};
use innocity_store::indicators::IndicatorValue;

/// Shares of totals per zone (兰州新区, 兰州高新区, 兰州经济区, 白银高新区).
const SHARES: [f64; 4] = [0.24, 0.38, 0.22, 0.16];
/// Ratio factors per zone (same order).
const FACTORS: [f64; 4] = [0.85, 1.35, 0.9, 0.8];
/// Paces per zone (same order).
const PACES: [f64; 4] = [0.9, 1.15, 0.7, 0.55];
/// The whole zone's pace on each indicator up to 2020.
const WHOLE_PACES: [f64; 10] = [0.9, 0.8, 0.9, 0.6, 0.85, 0.9, 0.75, 0.8, 0.95, 0.85];
/// How far the whole zone moves on each indicator each year after 2020: some reach their
/// targets, some stay behind, one is at risk.
const AFTER_GROWTH: [f64; 10] = [0.06, 0.02, 0.06, 0.0, 0.03, 0.06, 0.01, 0.02, 0.06, 0.03];

/// 2014–2024 values of the 专栏1 indicators (seed 004) for the four zones and, at the top of the
/// hierarchy, the pilot zone as a whole: from the plan's 2014 baselines, each zone at its own
/// pace (some ahead, some behind the path), with yearly noise.
pub async fn seed_indicators(db: &Db) -> Result<usize> {
    let Some(f) = Framework::built_in().into_iter().find(|f| f.code == "LANBAI-2020") else {
        return Ok(0);
    };
    let units = orgs::units(db).await?;
    let zones: Vec<&OrgUnit> = units.iter().filter(|u| u.level == "zone").collect();
    let Some(root) = units.iter().find(|u| u.parent_id.is_none()) else { return Ok(0) };
    let mut out = zone_values(&f, root, &zones);
    baiyin_values(&units, &mut out);
    // Indicators a register answers are not typed in: the zones' paths become the demo's
    // registered contracts, and the values are computed from them.
    let registered: Vec<String> =
        f.targets.iter().filter(|t| t.register.is_some()).map(|t| t.code.clone()).collect();
    let (paths, out): (Vec<IndicatorValue>, Vec<IndicatorValue>) = out
        .into_iter()
        .filter(|v| v.indicator != "BY_TECH_CONTRACTS")
        .partition(|v| registered.contains(&v.indicator));
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "demo", request_id: "demo" };
    let mut n = innocity_store::indicators::import(db, &out, actor).await?;
    n += register_contracts(db, &zones, &paths, actor).await?;
    // The cities' totals, from their zones.
    n += innocity_store::indicators::aggregate(db, &f, actor).await?;
    // The city's goals that the statistics answer (enterprise R&D and new products as a share
    // of sales), from the demo's returns.
    if let Some(city) = Framework::built_in().into_iter().find(|f| f.code == "CITY-2015") {
        n += innocity_store::indicators::from_statistics(
            db,
            &city,
            &["2024".to_string(), "2025".to_string()],
            actor,
        )
        .await?;
    }
    Ok(n)
}

/// The zones' technology contracts 2014–2026 following their paths (2025: a year's growth on
/// 2024; 2026: January to October), then 技术合同成交额 computed from them for every framework
/// that reads the register, for the years ended (the quarters of 2026 are counted with the
/// other quarters).
async fn register_contracts(
    db: &Db,
    zones: &[&OrgUnit],
    paths: &[IndicatorValue],
    actor: innocity_store::orgs::Actor<'_>,
) -> Result<usize> {
    let mut turnovers = Vec::new();
    // 2026's after all the rest, so the earlier years' contracts stay as they were.
    let mut this_year = Vec::new();
    for v in paths.iter().filter(|v| zones.iter().any(|z| z.id == v.org_unit_id)) {
        let Some(i) = zones.iter().position(|z| z.id == v.org_unit_id) else { continue };
        let z = zones[i];
        let year: i32 = v.period.parse().unwrap_or(0);
        turnovers.push(crate::contracts::ZoneYear { zone_path: z.path.clone(), year, yi: v.value });
        if year == 2024 {
            let growth = 1.04 + 0.02 * (turnovers.len() % 4) as f64;
            turnovers.push(crate::contracts::ZoneYear {
                zone_path: z.path.clone(),
                year: 2025,
                yi: v.value * growth,
            });
            // This year's contracts so far (signed January to October), so the quarterly
            // monitoring and its releases count 2026 from the register too.
            this_year.push(crate::contracts::ZoneYear {
                zone_path: z.path.clone(),
                year: 2026,
                yi: v.value * growth * (0.82 + 0.03 * (i % 3) as f64),
            });
        }
    }
    turnovers.extend(this_year);
    crate::contracts::seed_contracts(db, &turnovers).await?;
    let years: Vec<i32> = (2014..=2025).collect();
    let mut n = 0;
    for f in Framework::built_in() {
        n += innocity_store::indicators::from_register(db, &f, &years, actor).await?;
    }
    Ok(n)
}

/// The framework the demo's bureau imports to follow the sharing platform (its targets are the
/// demo's own; its values come from the platform's records).
pub const SHARING_FRAMEWORK: &str = include_str!("../data/sharing-framework.toml");

/// The indicators counted from the innovation subjects' registers (certificates, carriers,
/// talent), for every year the registers hold, once the demo's subjects are seeded; and the
/// sharing platform's, through the framework the bureau imports for them.
pub async fn count_subjects(db: &Db) -> Result<usize> {
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "demo", request_id: "demo" };
    let this_year = chrono::Datelike::year(&db.clock.today());
    let years: Vec<i32> = (2010..=this_year).collect();
    let mut n = 0;
    for f in Framework::built_in() {
        if f.targets.iter().any(|t| t.register.as_deref().is_some_and(|r| r != "tech_contracts")) {
            n += innocity_store::indicators::from_register(db, &f, &years, actor).await?;
        }
    }
    let sharing =
        Framework::from_toml("sharing-framework.toml", SHARING_FRAMEWORK).map_err(|e| {
            innocity_store::StoreError::Invalid(format!("the demo's sharing framework: {e:?}"))
        })?;
    innocity_store::indicators::add_framework(db, &sharing.code, SHARING_FRAMEWORK, actor).await?;
    n +=
        innocity_store::indicators::from_register(db, &sharing, &[this_year - 1, this_year], actor)
            .await?;
    n += seed_quarters(db, actor).await?;
    Ok(n)
}

/// Every built-in framework's values by quarter, last year's and this year's begun (本年累计 from
/// the quick reports and the registers), as the bureau's refresh computes them.
async fn seed_quarters(db: &Db, actor: innocity_store::orgs::Actor<'_>) -> Result<usize> {
    refresh_quarters_as(db, actor).await
}

/// The quarters computed again from the quick reports and every register as they now stand (the
/// demo's vouchers, loans and carriers are seeded after its indicators).
pub async fn refresh_quarters(db: &Db) -> Result<usize> {
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "demo", request_id: "demo" };
    refresh_quarters_as(db, actor).await
}

async fn refresh_quarters_as(db: &Db, actor: innocity_store::orgs::Actor<'_>) -> Result<usize> {
    let quarters = innocity_store::indicators::quarters_to_date(db.clock.today());
    let codes: Vec<String> = quarters.iter().map(|q| q.to_string()).collect();
    let mut n = 0;
    for f in Framework::built_in() {
        n += innocity_store::indicators::from_statistics(db, &f, &codes, actor).await?;
        n += innocity_store::indicators::from_register(db, &f, &quarters, actor).await?;
    }
    Ok(n)
}

/// Each indicator's yearly values for the pilot zone as a whole and for each zone, the noise
/// drawn from one sequence in that order.
fn zone_values(f: &Framework, root: &OrgUnit, zones: &[&OrgUnit]) -> Vec<IndicatorValue> {
    let mut rng = Lcg(2014);
    let mut out = Vec::new();
    for (k, t) in f.targets.iter().enumerate() {
        for year in 2014..=2024 {
            let progress = t.planned(year) - t.baseline;
            let after = (year - t.target_year).max(0) as f64;
            let mut whole = t.baseline
                + progress * WHOLE_PACES[k % 10]
                + (t.target - t.baseline) * AFTER_GROWTH[k % 10] * after;
            whole *= 1.0 + ((rng.next() % 60) as f64 - 30.0) / 1000.0;
            out.push(IndicatorValue {
                indicator: t.code.clone(),
                org_unit_id: root.id,
                period: year.to_string(),
                value: round4(whole),
                source: "demo".into(),
            });
            for (i, z) in zones.iter().enumerate().take(4) {
                let v = zone_value(t, (i, k), year, after, &mut rng);
                out.push(IndicatorValue {
                    indicator: t.code.clone(),
                    org_unit_id: z.id,
                    period: year.to_string(),
                    value: round4(v),
                    source: "demo".into(),
                });
            }
        }
    }
    out
}

/// The i-th zone's value of the k-th indicator in a year: each zone is strong in some
/// indicators and weak in others.
fn zone_value(t: &Target, (i, k): (usize, usize), year: i32, after: f64, rng: &mut Lcg) -> f64 {
    let j = (i + k) % 4;
    let pace = PACES[(i + 2 * k) % 4];
    let base = match t.kind {
        Kind::Total => t.baseline * SHARES[j],
        Kind::Ratio => {
            t.baseline * if t.direction == Direction::Down { 2.0 - FACTORS[j] } else { FACTORS[j] }
        }
    };
    let goal = match t.kind {
        Kind::Total => t.target * SHARES[j],
        Kind::Ratio => base * t.target / t.baseline,
    };
    let share_of_way = (t.planned(year) - t.baseline) / (t.target - t.baseline);
    let mut v = base + (goal - base) * (share_of_way * pace + 0.05 * after * pace);
    v *= 1.0 + ((rng.next() % 80) as f64 - 40.0) / 1000.0;
    v
}

/// 白银市: its 2014 results as seed 002 reports them, and a 2015 the demo makes up.
fn baiyin_values(units: &[OrgUnit], out: &mut Vec<IndicatorValue>) {
    if let Some(by) = units.iter().find(|u| u.code == "620400") {
        for (code, v2014, v2015) in [
            ("BY_PATENT_APPS", 615.0, 772.0),
            ("BY_PATENTS_10K", 1.03, 1.41),
            ("BY_TECH_CONTRACTS", 2.5, 2.61),
            ("BY_ST_CONTRIBUTION", 50.5, 51.2),
            ("BY_NEW_HITECH", 4.0, 6.0),
        ] {
            out.push(IndicatorValue {
                indicator: code.into(),
                org_unit_id: by.id,
                period: "2014".into(),
                value: v2014,
                source: "import".into(),
            });
            out.push(IndicatorValue {
                indicator: code.into(),
                org_unit_id: by.id,
                period: "2015".into(),
                value: v2015,
                source: "demo".into(),
            });
        }
    }
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}
