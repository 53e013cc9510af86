//! The demo's platforms and carriers: some three hundred of every kind spread over the zones'
//! organisations (the eight industry–university–research bases of seed 000 among them), their
//! hosts' ZT-1/ZT-2 returns for the last two years, and both years' evaluations — experts'
//! rounds assigned, scored and closed, every carrier graded (a first fail warned, a second
//! removed) — except the latest maker spaces' round, left open for the experts.
use super::Lcg;
use crate::experts::demo_user_for;
use chrono::{Datelike, Days, NaiveDate};
use innocity_core::stats::status::Action;
use innocity_core::stats::values::Stored;
use innocity_core::subjects::carriers::{Carrier, Grade, INCUBATION_FORM, KINDS, code_of, form_of};
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::experts::{self, ReviewInput};
use innocity_store::orgs::Actor;
use innocity_store::stats::{BatchItem, CellChange, Mode, SaveHow};
use innocity_store::subjects::carriers as store;
use std::collections::{BTreeMap, HashMap};

/// What the carriers' seeding made.
#[derive(Debug, Default, Clone, Copy)]
pub struct CarriersSummary {
    pub carriers: usize,
    pub returns: usize,
    pub grades: usize,
}

/// How many of each kind (in [`KINDS`]' order), and which organisations host them.
const PLAN: [(usize, &[&str]); 9] = [
    (40, &["university", "institute"]),
    (45, &["enterprise", "institute", "university"]),
    (60, &["enterprise"]),
    (20, &["institute", "enterprise"]),
    (15, &["enterprise", "university"]),
    (40, &["enterprise", "service_provider"]),
    (30, &["service_provider", "enterprise", "university"]),
    (20, &["enterprise"]),
    (8, &["university", "institute"]),
];

/// The pilot zone's fields (seed 004's industries).
const FIELDS: [&str; 10] = [
    "新材料",
    "生物医药",
    "先进装备制造",
    "新能源",
    "精细化工",
    "电子信息",
    "现代农业",
    "节能环保",
    "有色金属深加工",
    "稀土功能材料",
];

struct Org {
    id: i64,
    name: String,
    credit_code: String,
    kind: String,
    unit_path: String,
}

/// A carrier's name from its host, field and kind: 甘肃稀土功能材料重点实验室, 某公司企业技术中心.
fn name_for(kind: usize, host: &Org, field: &str, n: usize) -> String {
    let short = host.name.trim_end_matches("有限公司").trim_end_matches("有限责任公司");
    let kind_zh = KINDS[kind].1;
    match KINDS[kind].0 {
        "key_lab" | "engineering_centre" => format!("甘肃省{field}{kind_zh}（{short}）"),
        "enterprise_centre" | "academician" => format!("{short}{kind_zh}"),
        "incubator" => format!("{short}{field}科技企业孵化器"),
        "maker_space" => format!("{short}{field}众创空间"),
        "alliance" => {
            let region = ["兰白", "兰州", "白银", "甘肃"][(n / FIELDS.len()) % 4];
            format!("{region}{field}产业技术创新战略联盟")
        }
        "iur_base" => format!("兰白试验区{field}产学研合作基地"),
        _ => format!("{short}{field}研究院"),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Registers the carriers through the store, as bureau staff would.
async fn register(db: &Db, orgs: &[Org], rng: &mut Lcg, actor: Actor<'_>) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut used = 0usize;
    for (k, (count, hosts)) in PLAN.iter().enumerate() {
        let pool: Vec<&Org> = orgs.iter().filter(|o| hosts.contains(&o.kind.as_str())).collect();
        if pool.is_empty() {
            continue;
        }
        for n in 0..*count {
            used += 1;
            let host = pool[(n * 7 + k * 3 + used) % pool.len()];
            let field = FIELDS[(n + k) % FIELDS.len()];
            let level = match rng.next() % 10 {
                0 => "national",
                1..=4 => "provincial",
                _ => "city",
            };
            let partners: Vec<String> = match KINDS[k].0 {
                "alliance" | "iur_base" => (1..=3)
                    .map(|j| {
                        orgs[(host.id as usize * 13 + j * 17 + n) % orgs.len()].credit_code.clone()
                    })
                    .filter(|c| *c != host.credit_code)
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                _ => vec![],
            };
            if KINDS[k].0 == "alliance" && partners.len() < 2 {
                continue;
            }
            // A few of the newest are recognised this year and have no returns yet.
            let recognised_on = if n + 2 >= *count {
                day(2026, 3 + (n % 6) as u32, 10)
            } else {
                day(2012 + (rng.next() % 12) as i32, 1 + (rng.next() % 12) as u32, 15)
            };
            let c = Carrier {
                name: name_for(k, host, field, n + 1),
                kind: KINDS[k].0.to_string(),
                level: level.to_string(),
                host_credit_code: host.credit_code.clone(),
                partners,
                field: field.to_string(),
                recognised_on,
            };
            match store::register(db, &c, &innocity_store::orgs::everywhere(), actor).await {
                Ok(id) => ids.push(id),
                // Two hosts' names may give the same name: the second is left out.
                Err(innocity_store::StoreError::Carriers(_)) => continue,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(ids)
}

fn num(element: &str, row: i64, v: f64) -> CellChange {
    CellChange { element: element.into(), disagg: String::new(), row, value: Some(Stored::Num(v)) }
}

/// A carrier's roster line of a year: its code and figures that grow with its quality.
fn line(c: &store::Carrier, row: i64, year: i32, quality: f64) -> Vec<CellChange> {
    let code = CellChange {
        element: if form_of(&c.kind) == Some(INCUBATION_FORM) { "I_CODE" } else { "R_CODE" }.into(),
        disagg: String::new(),
        row,
        value: Some(Stored::Text(code_of(c.id))),
    };
    let grow = 1.0 + f64::from(year - 2024) * 0.08;
    let q = quality / 100.0 * grow;
    let mut out = vec![code];
    if form_of(&c.kind) == Some(INCUBATION_FORM) {
        out.push(num("I_AREA", row, (8000.0 * q).round()));
        out.push(num("I_TENANTS", row, (60.0 * q).round()));
        out.push(num("I_GRADUATES", row, (8.0 * q).round()));
        out.push(num("I_FUNDING", row, (25000.0 * q).round()));
        out.push(num("I_JOBS", row, (900.0 * q).round()));
    } else {
        out.push(num("R_STAFF", row, (80.0 * q).round()));
        out.push(num("R_RD_EXP", row, (18000.0 * q).round()));
        out.push(num("R_PROJECTS", row, (14.0 * q).round()));
        out.push(num("R_PATENTS", row, (9.0 * q).round()));
        out.push(num("R_SERVICE_INCOME", row, (6000.0 * q).round()));
    }
    out
}

/// A carrier's quality, 58–99 (a few fail), and in 2025 a little better or worse than in 2024.
fn quality(id: i64, year: i32) -> f64 {
    let base = 58.0 + ((id * 37) % 42) as f64;
    if year >= 2025 { (base + ((id % 7) - 3) as f64 * 2.0).clamp(40.0, 99.0) } else { base }
}

/// The hosts' returns for both years: 2024 approved, 2025 submitted (a few left in draft).
async fn returns(db: &Db, all: &[store::Carrier], orgs: &[Org], actor: Actor<'_>) -> Result<usize> {
    let paths: HashMap<i64, &str> = orgs.iter().map(|o| (o.id, o.unit_path.as_str())).collect();
    let mut made = 0;
    for year in [2024, 2025] {
        for form in [INCUBATION_FORM, innocity_core::subjects::carriers::RD_FORM] {
            let mut by_host: BTreeMap<i64, Vec<CellChange>> = BTreeMap::new();
            for c in all.iter().filter(|c| form_of(&c.kind) == Some(form)) {
                if c.recognised_on.year() > year {
                    continue;
                }
                let lines = by_host.entry(c.host_id).or_default();
                let row = lines.iter().filter(|l| l.element.ends_with("_CODE")).count() as i64 + 1;
                lines.extend(line(c, row, year, quality(c.id, year)));
            }
            let items: Vec<BatchItem> = by_host
                .into_iter()
                .map(|(host, changes)| BatchItem {
                    organisation_id: host,
                    unit_path: paths.get(&host).copied().unwrap_or_default().to_string(),
                    changes,
                })
                .collect();
            let how = SaveHow { mode: Mode::Replace, source: "import" };
            innocity_store::stats::save_batch(
                db,
                form,
                &year.to_string(),
                &items,
                how,
                actor,
                &|_| {},
            )
            .await?;
            for (i, item) in items.iter().enumerate() {
                let steps: &[Action] = match (year, i % 12) {
                    (2025, 0) => &[],
                    (2025, _) => &[Action::Submit],
                    _ => &[Action::Submit, Action::Approve],
                };
                for step in steps {
                    let found = innocity_store::stats::find_return(
                        db,
                        form,
                        &year.to_string(),
                        item.organisation_id,
                    )
                    .await?;
                    let Some(r) = found else { continue };
                    innocity_store::stats::transition(db, &r, *step, "", None, actor).await?;
                }
                made += 1;
            }
        }
    }
    Ok(made)
}

/// Scores of one expert for a carrier around its quality, on the evaluation's form.
fn review(quality: f64, spread: f64, version: i64) -> ReviewInput {
    let clamp = |x: f64| (x.clamp(0.0, 10.0) * 2.0).round() / 2.0;
    let level = (quality + spread) / 10.0;
    let scores = [("operation", 0.2), ("service", -0.3), ("results", 0.1), ("example", -0.1)]
        .iter()
        .map(|(c, d)| (c.to_string(), clamp(level + d)))
        .collect();
    ReviewInput {
        scores,
        recommendation: Grade::suggested(quality).code().into(),
        comment: "年度目标基本完成，运行管理规范，建议进一步加强开放共享和成果转化服务。".into(),
        submit: true,
        version,
    }
}

/// Both years' evaluations: each kind's round assigned, scored and closed, every carrier graded.
async fn evaluate(db: &Db, actor: Actor<'_>) -> Result<usize> {
    let today = db.clock.today();
    let mut graded = 0;
    for year in [2024, 2025] {
        for kind in KINDS.iter().map(|k| k.0) {
            let round = match store::start_evaluation(
                db,
                kind,
                year,
                2,
                today + Days::new(20),
                actor,
            )
            .await
            {
                Ok(r) => r,
                Err(innocity_store::StoreError::Carriers(_)) => continue,
                Err(e) => return Err(e),
            };
            experts::run_assignment(db, round, today, actor).await?;
            let items: HashMap<i64, String> =
                experts::items(db, round).await?.into_iter().map(|i| (i.id, i.code)).collect();
            for a in experts::assignments(db, round).await? {
                let Some(e) = experts::get(db, a.expert_id).await? else { continue };
                let user = demo_user_for(db, &e).await?;
                let id: i64 = items.get(&a.item_id).and_then(|c| c[2..].parse().ok()).unwrap_or(0);
                let spread = ((a.expert_id % 5) - 2) as f64;
                let input = review(quality(id, year), spread, a.version);
                experts::save_review(db, a.id, user, &input, today, actor).await?;
            }
            if year == 2025 && kind == "maker_space" {
                continue;
            }
            experts::close_round(db, round, actor).await?;
            let scores = store::scores(db, round).await?;
            for (code, mean) in scores {
                let id: i64 = code[2..].parse().unwrap_or(0);
                let suggested = Grade::suggested(mean);
                // Now and then the bureau weighs what the experts could not see.
                let (grade, note) = if id % 23 == 0 && suggested == Grade::Good {
                    (Grade::Excellent, "当年牵头承担国家重点研发计划项目，服务地方产业成效突出。")
                } else {
                    (suggested, "")
                };
                store::grade(db, id, year, grade.code(), note, actor).await?;
                graded += 1;
            }
        }
    }
    Ok(graded)
}

/// The demo's carriers, their returns and evaluations (after the expert library).
pub async fn seed_carriers(db: &Db) -> Result<CarriersSummary> {
    let actor = Actor { user_id: 0, username: "bureau", request_id: "demo" };
    let orgs = db
        .read(
            "SELECT id, name, credit_code, kind, unit_path FROM organisations ORDER BY id",
            vec![],
            |r| {
                Ok(Org {
                    id: r.int(0)?,
                    name: r.text(1)?,
                    credit_code: r.text(2)?,
                    kind: r.text(3)?,
                    unit_path: r.text(4)?,
                })
            },
        )
        .await?;
    let mut rng = Lcg(25);
    let ids = register(db, &orgs, &mut rng, actor).await?;
    let all = store::carriers(db, &store::CarrierQuery::default()).await?;
    let returns = returns(db, &all, &orgs, actor).await?;
    let grades = evaluate(db, actor).await?;
    Ok(CarriersSummary { carriers: ids.len(), returns, grades })
}
