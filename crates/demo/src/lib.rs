//! Demo data: the Lanzhou–Baiyin pilot zone (seed 004, 专栏5–8), organisations with valid credit
//! codes whose names come from real Chinese research keywords, and one account per role.
mod accounts;
pub mod carriers;
pub mod challenges;
pub mod contracts;
pub mod evaluation;
pub mod exchange;
pub mod experts;
pub mod finance_bench;
pub mod financing;
pub mod fund;
pub mod fund_bench;
mod fund_loans;
mod indicators;
pub mod market;
mod organisations;
pub mod policies;
pub mod projects;
pub mod providers;
pub mod sharing;
pub mod sharing_bench;
mod stats;
pub mod subjects;
pub mod supervision;
pub mod talent;
mod units;
pub mod vouchers;

use innocity_core::access::Role;
use innocity_core::orgs::{CreditCode, OrgKind, UnitLevel};
use innocity_store::db::{Db, Result, StoreError};
use innocity_store::orgs::{self, OrgUnit};
use innocity_store::users::{self, NewUser};
use sea_orm::Value;

use accounts::seed_accounts;
pub use indicators::{count_subjects, refresh_quarters, seed_indicators};
use organisations::{
    HOSPITALS, INSTITUTES, PLACES, PROVIDERS, UNIVERSITIES, first_org, keywords, suffix_for,
};
pub use stats::{StatsSummary, approve_demo_periods, seed_stats};
use units::{PARK_COUNTIES, UNITS};

/// The demo password of every demo account.
pub const DEMO_PASSWORD: &str = "lanbai2026";

/// A deterministic pseudo-random sequence (so demo data are the same on every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() as usize) % xs.len()]
    }
}

/// A valid credit code for the n-th demo organisation of a kind (division code of the unit's city).
pub fn demo_credit_code(kind: OrgKind, division: &str, n: u64) -> CreditCode {
    // Position 1–2: registration authority and type (91 enterprise or bank, 12 public institution,
    // 52 NGO).
    let head = match kind {
        OrgKind::Enterprise | OrgKind::Financial => "91",
        OrgKind::ServiceProvider => "52",
        _ => "12",
    };
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut body = String::new();
    let mut x = n.wrapping_mul(2654435761).wrapping_add(97);
    for _ in 0..9 {
        body.push(CHARS[(x % 31) as usize] as char);
        x /= 31;
        x = x.wrapping_add(n.wrapping_mul(7));
    }
    let first17 = format!("{head}{division}{body}");
    // Completing 17 allowed characters never fails.
    CreditCode::complete(&first17)
        .unwrap_or_else(|| CreditCode::parse("91350100M000100Y43").expect("valid literal"))
}

pub struct DemoSummary {
    pub units: usize,
    pub organisations: u64,
    pub accounts: Vec<(String, String, String)>,
}

/// Seeds the hierarchy, `n_orgs` organisations and the demo accounts into an empty database.
pub async fn seed(db: &Db, n_orgs: u64, csl_tsv: Option<&str>) -> Result<DemoSummary> {
    refuse_non_empty(db).await?;
    let by_code = seed_units(db).await?;
    let rows = organisation_rows(db, &by_code, n_orgs, csl_tsv);
    insert_organisations(db, &rows).await?;
    let accounts = seed_accounts(db, &by_code).await?;
    Ok(DemoSummary { units: by_code.len(), organisations: n_orgs, accounts })
}

/// The demo needs an empty database: refuses one that already has units.
async fn refuse_non_empty(db: &Db) -> Result<()> {
    let existing: i64 = db
        .query_one("SELECT COUNT(*) AS n FROM org_units", vec![])
        .await?
        .map(|r| r.try_get("", "n"))
        .transpose()?
        .unwrap_or(0);
    if existing > 0 {
        return Err(StoreError::Invalid(
            "the database already has data; the demo needs an empty one".into(),
        ));
    }
    Ok(())
}

/// The pilot zone's hierarchy ([`UNITS`]: province, cities, zones, parks), parents first.
async fn seed_units(db: &Db) -> Result<Vec<OrgUnit>> {
    let mut by_code: Vec<OrgUnit> = Vec::new();
    for (code, zh, en, level, parent) in UNITS {
        let parent = by_code.iter().find(|u| u.code == *parent).cloned();
        let unit = orgs::create_unit(
            db,
            parent.as_ref(),
            orgs::NewUnit { code, name_zh: zh, name_en: en, level: *level, county: None },
            "system",
            "demo",
        )
        .await?;
        by_code.push(unit);
    }
    let actor = orgs::Actor { user_id: 0, username: "system", request_id: "demo" };
    for (park, county) in PARK_COUNTIES {
        let find = |code: &str| by_code.iter().position(|u| u.code == code);
        let (Some(p), Some(c)) = (find(park), find(county)) else { continue };
        let county = by_code[c].clone();
        by_code[p] = orgs::set_county(db, &by_code[p], Some(&county), actor).await?;
    }
    Ok(by_code)
}

/// The organisations' rows: each in a park drawn from the seeded sequence, with a credit code of
/// its city, an address and a phone number (the draws in the same order on every run).
fn organisation_rows(
    db: &Db,
    by_code: &[OrgUnit],
    n_orgs: u64,
    csl_tsv: Option<&str>,
) -> Vec<Vec<Value>> {
    let parks: Vec<&OrgUnit> = by_code.iter().filter(|u| u.level == "park").collect();
    let division =
        |u: &OrgUnit| if u.path.starts_with(&by_code[2].path) { "620400" } else { "620100" };
    let kws = keywords(csl_tsv);
    let mut rng = Lcg(2026);
    let now = db.clock.now_ms();
    let mut names_used = std::collections::HashSet::new();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for n in 0..n_orgs {
        let park = *rng.pick(&parks);
        let (kind, name) = organisation_name(n, &mut rng, &kws, &mut names_used);
        let code = demo_credit_code(kind, division(park), n);
        rows.push(vec![
            code.as_str().into(),
            name.into(),
            kind.code().into(),
            park.id.into(),
            park.path.clone().into(),
            format!("{}{}", park.name_zh, rng.next() % 300 + 1).into(),
            "".into(),
            format!("0931-{:07}", rng.next() % 10_000_000).into(),
            now.into(),
            now.into(),
        ]);
    }
    rows
}

/// The n-th organisation's kind and name: the named universities, institutes, hospitals and
/// service providers first, then enterprises.
fn organisation_name(
    n: u64,
    rng: &mut Lcg,
    kws: &[String],
    names_used: &mut std::collections::HashSet<String>,
) -> (OrgKind, String) {
    match n {
        _ if (n as usize) < UNIVERSITIES.len() => {
            (OrgKind::University, UNIVERSITIES[n as usize].to_string())
        }
        _ if (n as usize) < UNIVERSITIES.len() + INSTITUTES.len() => {
            (OrgKind::Institute, INSTITUTES[n as usize - UNIVERSITIES.len()].to_string())
        }
        _ if (n as usize) < UNIVERSITIES.len() + INSTITUTES.len() + HOSPITALS.len() => (
            OrgKind::Hospital,
            HOSPITALS[n as usize - UNIVERSITIES.len() - INSTITUTES.len()].to_string(),
        ),
        _ if (n as usize)
            < UNIVERSITIES.len() + INSTITUTES.len() + HOSPITALS.len() + PROVIDERS.len() =>
        {
            (
                OrgKind::ServiceProvider,
                PROVIDERS[n as usize - UNIVERSITIES.len() - INSTITUTES.len() - HOSPITALS.len()]
                    .to_string(),
            )
        }
        _ => (OrgKind::Enterprise, enterprise_name(n, rng, kws, names_used)),
    }
}

/// A made-up enterprise name (place, research keyword, a fitting ending), unique: after five
/// clashes the organisation's number is added.
fn enterprise_name(
    n: u64,
    rng: &mut Lcg,
    kws: &[String],
    names_used: &mut std::collections::HashSet<String>,
) -> String {
    let mut name;
    let mut tries = 0;
    loop {
        let kw = rng.pick(kws).clone();
        name = format!("{}{}{}", rng.pick(PLACES), kw, suffix_for(&kw, rng.next()));
        tries += 1;
        if names_used.insert(name.clone()) {
            break;
        }
        if tries > 5 {
            name = format!("{name}（{n}）");
            names_used.insert(name.clone());
            break;
        }
    }
    name
}

/// Bulk insert of the organisations, in one audited transaction per 300 rows.
async fn insert_organisations(db: &Db, rows: &[Vec<Value>]) -> Result<()> {
    for chunk in rows.chunks(300) {
        let tx = db.begin_write().await?;
        let mut sql = String::from(
            "INSERT INTO organisations (credit_code, name, kind, org_unit_id, unit_path, address, contact, phone, created_at, updated_at, version) VALUES ",
        );
        let mut values = Vec::new();
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)");
            values.extend(r.iter().cloned());
        }
        tx.exec(&sql, values).await?;
        for sql in orgs::RECOUNT_SQL {
            tx.exec(sql, vec![]).await?;
        }
        innocity_store::audit::append(
            &tx,
            innocity_store::audit::Change {
                actor: "system",
                action: "organisation.import",
                entity: "organisation",
                entity_id: String::new(),
                before: serde_json::Value::Null,
                after: serde_json::json!({ "count": chunk.len(), "source": "demo" }),
                request_id: "demo",
            },
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
