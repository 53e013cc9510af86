//! The demo's innovation subjects: qualification certificates (高企 with some expiring within 90
//! days, 科小, 专精特新, 小巨人) and self-evaluations of a third of the enterprises, made from
//! their own 107-2 returns with the figures only an enterprise knows added, so the pre-check
//! shows a spread of passing, failing and undecided enterprises.
use super::Lcg;
use chrono::{Datelike, Duration, NaiveDate};
use innocity_core::subjects::Amount;
use innocity_core::subjects::certificates::{Certificate, expiry_after};
use innocity_core::subjects::draft::{Figure, Source, hnte_draft, sme_draft};
use innocity_core::subjects::{hnte, sme};
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::orgs::Actor;
use innocity_store::subjects::{self as store, Kind, NewEvaluation};

/// What the subjects' seeding made.
#[derive(Debug, Default, Clone, Copy)]
pub struct SubjectsSummary {
    pub certificates: usize,
    pub evaluations: usize,
    pub pool_entries: usize,
}

/// Notes officers write after a visit.
const VISIT_NOTES: [&str; 4] = [
    "核实近三年研发费用归集情况，建议设立研发辅助账，按项目归集人员人工和直接投入。",
    "企业拟申请两项发明专利，已对接知识产权服务机构，预计年内受理。",
    "高新技术产品收入占比偏低，建议梳理产品目录，单独核算高新技术产品（服务）收入。",
    "科技人员占比接近 10%，建议将研发中心新招聘人员纳入科技人员统计。",
];

/// A pool per zone this year: candidates from the pre-check, officers, visits, one outcome.
async fn seed_pools(db: &Db, today: NaiveDate) -> Result<usize> {
    use innocity_core::subjects::hnte::Verdict;
    use store::pools;
    let year = today.year();
    let units = innocity_store::orgs::units(db).await?;
    let bureau =
        db.read("SELECT id FROM users WHERE username = 'bureau'", vec![], |r| r.int(0)).await?;
    let mut added = 0;
    for (zone, officer) in [("LZGX", "zone"), ("BYGX", "zone2")] {
        let Some(unit) = units.iter().find(|u| u.code == zone) else { continue };
        let ids = db
            .read("SELECT id FROM users WHERE username = ?", vec![officer.into()], |r| r.int(0))
            .await?;
        let area = [unit.path.clone()];
        let checks = store::precheck_all(db, today, &area).await?;
        let picked: Vec<i64> = checks
            .iter()
            .filter(|p| !p.certified)
            .filter(|p| {
                p.verdict == Verdict::Undecided
                    || p.checks.iter().filter(|c| c.pass == Some(false)).count() == 1
            })
            .take(8)
            .map(|p| p.organisation_id)
            .collect();
        let actor = Actor { user_id: 0, username: officer, request_id: "demo" };
        added += pools::add(db, "high_tech", year, &picked, &area, actor).await?;
        let entries = pools::pool(db, "high_tech", year, &area).await?;
        for (i, e) in entries.iter().enumerate() {
            // Five for the zone's officer; the bureau's officer takes Lanzhou's rest (at most
            // five a year too); Baiyin's rest wait for one.
            let who = match i {
                0..5 => ids.first(),
                _ if zone == "LZGX" => bureau.first(),
                _ => None,
            };
            if let Some(&officer_id) = who {
                pools::assign(db, e.id, officer_id, actor).await?;
            }
            if i < 3 {
                let day = today - Duration::days(10 + 7 * i as i64);
                pools::visit(db, e.id, day, VISIT_NOTES[i % VISIT_NOTES.len()], actor).await?;
            }
        }
        if let Some(e) = entries.first() {
            pools::decide(db, e.id, "recognised", "本年度第一批认定", actor).await?;
        }
    }
    Ok(added)
}

struct Enterprise {
    id: i64,
    credit_code: String,
}

async fn enterprises(db: &Db) -> Result<Vec<Enterprise>> {
    db.read(
        "SELECT id, credit_code FROM organisations WHERE kind = 'enterprise' ORDER BY id",
        vec![],
        |r| Ok(Enterprise { id: r.int(0)?, credit_code: r.text(1)? }),
    )
    .await
}

/// Certificates of a spread of enterprises, by their position.
fn certificates_of(list: &[Enterprise], today: NaiveDate) -> Vec<Certificate> {
    let mut out = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let mut add = |kind: &str, issued_on: NaiveDate, years: u32, prefix: &str| {
            out.push(Certificate {
                credit_code: e.credit_code.clone(),
                kind: kind.into(),
                number: format!("{prefix}{}{:05}", issued_on.year(), e.id),
                issued_on,
                valid_until: expiry_after(issued_on, years),
            })
        };
        if i % 6 == 1 {
            // Issued over the last three years; every third of them runs out within 90 days.
            let back = if i % 18 == 1 { 3 * 365 - 40 } else { 200 + (i as i64 * 37) % 700 };
            add("high_tech", today - Duration::days(back), 3, "GR");
        }
        if i % 4 == 2 {
            add("tech_sme", NaiveDate::from_ymd_opt(today.year(), 3, 15).unwrap_or(today), 1, "KX");
        }
        if i % 15 == 3 {
            add("specialised", today - Duration::days(400), 3, "ZJTX");
        }
        if i % 40 == 5 {
            add("little_giant", today - Duration::days(500), 3, "XJR");
        }
    }
    out
}

/// A figure the enterprise gave.
fn entered<T>(v: T) -> Figure<T> {
    Figure { value: Some(v), source: Source::Entered }
}

/// A share between two percentages of an amount (to the hundredth).
fn wan(rng: &mut Lcg, base: Amount, from_percent: u64, to_percent: u64) -> Amount {
    let percent = from_percent + rng.next() % (to_percent - from_percent + 1);
    base.percent_hundredths(percent as u32)
}

/// The figures only the enterprise knows, added to its 高企 draft from its returns.
fn complete_hnte(
    rng: &mut Lcg,
    d: &mut innocity_core::subjects::draft::HnteDraft,
    today: NaiveDate,
) {
    let year = 2005 + (rng.next() % 20) as i32;
    d.registered_on =
        entered(NaiveDate::from_ymd_opt(year, 1 + (rng.next() % 12) as u32, 1).unwrap_or(today));
    d.core_ip = entered(rng.next() % 10 < 8);
    d.key_field = entered(rng.next() % 10 < 9);
    for i in 0..3 {
        let sales = d.sales[i].value.unwrap_or(Amount::ZERO);
        d.net_assets[i] = entered(wan(rng, sales, 30 + 10 * i as u64, 60 + 10 * i as u64));
    }
    let total = d.total_revenue.value.unwrap_or(Amount::ZERO);
    d.hitech_revenue = entered(wan(rng, total, 40, 95));
    d.ip_points = entered(Amount::whole(12 + (rng.next() % 19) as u32));
    d.conversion_points = entered(Amount::whole(10 + (rng.next() % 21) as u32));
    d.organisation_points = entered(Amount::whole(8 + (rng.next() % 13) as u32));
    for f in d.sales.iter_mut().chain(d.rd.iter_mut()).chain(d.rd_domestic.iter_mut()) {
        if f.value.is_none() {
            *f = entered(Amount::ZERO);
        }
    }
}

/// Certificates and self-evaluations for the demo.
pub async fn seed_subjects(db: &Db) -> Result<SubjectsSummary> {
    let actor = Actor { user_id: 0, username: "bureau", request_id: "demo" };
    let today = db.clock.today();
    let list = enterprises(db).await?;
    let certificates = certificates_of(&list, today);
    store::certificates::record(db, &certificates, &innocity_store::orgs::everywhere(), actor)
        .await?;
    let years = store::accounting_years(today);
    let mut returns = store::return_years(db, None, years).await?;
    let mut rng = Lcg(16);
    let mut evaluations = 0;
    for e in list.iter().filter(|e| e.id % 3 == 0) {
        let Some(three) = returns.remove(&e.id) else { continue };
        let holdings = store::holdings(db, e.id, &e.credit_code, today).await?;
        let owner = Actor { user_id: 0, username: "demo-enterprise", request_id: "demo" };
        let mut h = hnte_draft(&three, &holdings);
        complete_hnte(&mut rng, &mut h, today);
        if let Some(input) = h.complete().filter(|i| i.tech_staff <= i.employees) {
            let r = hnte::evaluate(&input);
            let new = NewEvaluation {
                organisation_id: e.id,
                kind: Kind::Hnte,
                accounting_year: years[2],
                inputs: &store::hnte_inputs_json(&e.credit_code, &input),
                verdict: r.verdict.code(),
                outcome: &store::hnte_outcome(&r),
                score: r.score.map(|s| s.to_decimal()),
            };
            store::save(db, &new, owner).await?;
            evaluations += 1;
        }
        let mut s = sme_draft(&three[2], &holdings);
        s.resident_mainland = entered(true);
        s.prohibited_industry = entered(false);
        s.cost_expense = entered(wan(&mut rng, s.sales.value.unwrap_or(Amount::ZERO), 60, 95));
        s.ip_class2 = entered((rng.next() % 6) as u32);
        if let Ok(input) = s.complete()
            && input.tech_staff <= input.employees
        {
            let r = sme::evaluate(&input);
            let new = NewEvaluation {
                organisation_id: e.id,
                kind: Kind::Sme,
                accounting_year: years[2],
                inputs: &store::sme_inputs_json(&e.credit_code, &input),
                verdict: if r.eligible { "eligible" } else { "not_eligible" },
                outcome: &store::sme_outcome(&r),
                score: [r.score.to_string(), r.score.to_string()],
            };
            store::save(db, &new, owner).await?;
            evaluations += 1;
        }
    }
    let pool_entries = seed_pools(db, today).await?;
    Ok(SubjectsSummary { certificates: certificates.len(), evaluations, pool_entries })
}
