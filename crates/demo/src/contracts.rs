//! The demo's register of technology contracts, 2014–2026 (2026 to October): for each of the four zones, each
//! year's 合同成交额 follows the zone's path toward 专栏1's 60 亿元 (the indicator values the
//! demo would otherwise type in), split into contracts between the zone's organisations and
//! buyers in and out of the city; a few refused, a few with their type corrected, a few
//! cancelled. The indicator is then computed from this register.
use super::*;
use chrono::NaiveDate;
use innocity_core::market::achievements::patent_check;
use innocity_core::market::contracts::{ContractDraft, Cost, Payment, Status, TYPES};
use innocity_core::projects::money::Money;
use innocity_store::market::contracts::{self as register, Historic};

/// A zone's turnover in a year (亿元), which its contracts add up to.
pub struct ZoneYear {
    pub zone_path: String,
    pub year: i32,
    pub yi: f64,
}

/// An organisation that may register (sell) in a zone.
struct Seller {
    id: i64,
    name: String,
    credit_code: String,
    unit_path: String,
}

/// Buyers outside the demo's organisations, with where they are.
const OUTSIDE_BUYERS: &[(&str, &str)] = &[
    ("甘肃某能源集团有限公司", "province"),
    ("陕西某装备制造股份有限公司", "domestic"),
    ("四川某新材料科技有限公司", "domestic"),
    ("酒泉某新能源有限公司", "province"),
    ("Kazakh Mining Technology LLP", "abroad"),
    ("北京某生物医药研究院有限公司", "domestic"),
];

/// Subjects by kind of contract, written as sellers write them.
const SUBJECTS: &[(&str, &str)] = &[
    ("development", "委托开发{}关键工艺，形成中试样品与技术报告。"),
    ("transfer", "转让{}相关专利技术及配套工艺文件。"),
    ("licence", "许可使用{}专利技术，独占许可五年。"),
    ("consulting", "就{}项目开展可行性论证与技术咨询。"),
    ("service", "提供{}的技术服务、检测与人员培训。"),
];

const TOPICS: &[&str] = &[
    "稀土永磁材料",
    "石化装备防腐",
    "生物医药中间体",
    "智能电网调度",
    "盐碱地改良",
    "有色金属冶炼余热回收",
    "锂电池正极材料",
    "中药材标准化种植",
    "工业互联网平台",
    "氢能储运",
];

/// The zones' sellers: enterprises, universities and institutes under each zone.
async fn sellers(db: &Db) -> Result<Vec<Seller>> {
    db.read(
        "SELECT id, name, credit_code, unit_path FROM organisations WHERE kind IN ('enterprise', 'university', 'institute') ORDER BY id",
        vec![],
        |r| Ok(Seller { id: r.int(0)?, name: r.text(1)?, credit_code: r.text(2)?, unit_path: r.text(3)? }),
    )
    .await
}

/// A kind's name as contract titles write it.
fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "development" => "技术开发",
        "transfer" => "技术转让",
        "licence" => "技术许可",
        "consulting" => "技术咨询",
        _ => "技术服务",
    }
}

/// A valid patent number made from a draw.
fn patent(rng: &mut Lcg, year: i32) -> String {
    let digits = format!("{year}1{:07}", rng.next() % 10_000_000);
    let check = patent_check(&digits).unwrap_or('0');
    format!("ZL{digits}.{check}")
}

/// One contract of `amount` between `seller` and a buyer, of a type drawn by weight.
fn contract(
    rng: &mut Lcg,
    seller: &Seller,
    buyers: &[Seller],
    year: i32,
    amount: Money,
) -> ContractDraft {
    // Development and service contracts are most of a market; licences and transfers fewer.
    let weights = [6, 5, 2, 1, 1, 2, 2, 1, 1, 3, 5, 2, 1];
    let total: u64 = weights.iter().sum();
    let mut pick = rng.next() % total;
    let ty = TYPES.iter().zip(weights).find(|(_, w)| {
        let hit = pick < *w;
        pick = pick.saturating_sub(*w);
        hit
    });
    let ty = ty.map_or(TYPES[0], |(t, _)| *t);
    let topic = *rng.pick(TOPICS);
    let (buyer_name, buyer_code, region) = if rng.next().is_multiple_of(3) {
        let (name, region) = *rng.pick(OUTSIDE_BUYERS);
        let code = CreditCode::complete(&format!("91110000MA{:07}", rng.next() % 10_000_000));
        (name.to_string(), code.map(|c| c.as_str().to_string()).unwrap_or_default(), region)
    } else {
        let b = rng.pick(buyers);
        (b.name.clone(), b.credit_code.clone(), "local")
    };
    let ip = match ty.cites {
        innocity_core::market::contracts::Cites::Patent => patent(rng, year - 3),
        innocity_core::market::contracts::Cites::Software => {
            format!("{}SR{:07}", year - 1, rng.next() % 10_000_000)
        }
        _ => String::new(),
    };
    let subject = SUBJECTS
        .iter()
        .find(|(k, _)| *k == ty.kind.code())
        .map_or("", |(_, s)| s)
        .replace("{}", topic);
    let costs = if ty.kind.code() == "development" && rng.next().is_multiple_of(2) {
        vec![Cost { kind: "equipment".into(), amount: Money(amount.fen() / 10) }]
    } else {
        vec![]
    };
    let signed_on =
        NaiveDate::from_ymd_opt(year, 1 + (rng.next() % 10) as u32, 1 + (rng.next() % 28) as u32)
            .unwrap_or_default();
    let first = Money(amount.fen() / 2);
    let payments = vec![
        Payment { due_on: signed_on + chrono::Duration::days(30), amount: first },
        Payment {
            due_on: signed_on + chrono::Duration::days(180),
            amount: Money(amount.fen() - first.fen()),
        },
    ];
    ContractDraft {
        title: format!("{topic}{}合同", kind_zh(ty.kind.code())),
        contract_type: ty.code,
        import: false,
        seller_name: seller.name.clone(),
        seller_code: seller.credit_code.clone(),
        buyer_name,
        buyer_code,
        buyer_region: region.into(),
        ip,
        subject,
        signed_on,
        amount,
        costs,
        payments,
        electronic: rng.next().is_multiple_of(2),
    }
}

/// A zone-year's contracts: its turnover split into 12–19 contracts (to the 万元), each
/// registered some weeks after signing; every 30th refused, every 40th cancelled, every 25th
/// with its declared type corrected by the office.
fn zone_year(
    rng: &mut Lcg,
    zy: &ZoneYear,
    sellers: &[&Seller],
    buyers: &[Seller],
    out: &mut Vec<Historic>,
) {
    let n = 12 + (rng.next() % 8) as usize;
    let weights: Vec<u64> = (0..n).map(|_| 1 + rng.next() % 9).collect();
    let sum: u64 = weights.iter().sum();
    let total_wan = (zy.yi * 10_000.0).round() as i64;
    for w in weights {
        let wan = (total_wan * w as i64 / sum as i64).max(1);
        let seller = *rng.pick(sellers);
        let d = contract(rng, seller, buyers, zy.year, Money::from_wan(wan));
        let k = out.len();
        let status = if k % 30 == 29 {
            Status::Refused
        } else if k % 40 == 39 {
            Status::Cancelled
        } else {
            Status::Registered
        };
        let registered = d.signed_on + chrono::Duration::days(20 + (rng.next() % 20) as i64);
        let declared = if k % 25 == 24 && d.contract_type.starts_with("service") {
            "consulting"
        } else {
            d.contract_type
        };
        out.push(Historic {
            organisation_id: seller.id,
            unit_path: seller.unit_path.clone(),
            declared_type: declared,
            status,
            reason: match status {
                Status::Refused => "合同标的为设备买卖，不属于技术合同。".into(),
                Status::Cancelled => "双方协议解除合同。".into(),
                _ => String::new(),
            },
            submitted_on: registered - chrono::Duration::days(10),
            registered_on: (status != Status::Refused).then_some(registered),
            registration_no: None,
            draft: d,
        });
    }
}

/// Registers the zones' contracts for the given turnovers; returns how many.
pub async fn seed_contracts(db: &Db, turnovers: &[ZoneYear]) -> Result<usize> {
    let all = sellers(db).await?;
    let mut rng = Lcg(2026);
    let mut out = Vec::new();
    for zy in turnovers {
        let local: Vec<&Seller> =
            all.iter().filter(|s| s.unit_path.starts_with(&zy.zone_path)).collect();
        if local.is_empty() || zy.yi <= 0.0 {
            continue;
        }
        zone_year(&mut rng, zy, &local, &all, &mut out);
    }
    // Numbers in the order of registration, per year.
    out.sort_by_key(|h| h.registered_on);
    let mut per_year: std::collections::HashMap<i32, u32> = Default::default();
    for h in out.iter_mut() {
        if let Some(day) = h.registered_on {
            let n = per_year.entry(chrono::Datelike::year(&day)).or_default();
            *n += 1;
            h.registration_no = Some(format!("TC{}{:06}", chrono::Datelike::year(&day), n));
        }
    }
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "demo", request_id: "demo" };
    let n = register::import_history(db, &out, actor).await?;
    changes_and_objections(db, &out, actor).await?;
    Ok(n)
}

/// Three of the last year's registrations changed (their payments put off three months: the
/// totals stay) and an objection dismissed: the register's records of their own.
async fn changes_and_objections(
    db: &Db,
    out: &[Historic],
    actor: innocity_store::orgs::Actor<'_>,
) -> Result<()> {
    use innocity_store::market::contract_changes as records;
    let last_year =
        out.iter().filter_map(|h| h.registered_on).map(|d| chrono::Datelike::year(&d)).max();
    let chosen = out.iter().filter(|h| {
        h.status == Status::Registered
            && h.registered_on.map(|d| chrono::Datelike::year(&d)) == last_year
    });
    for (k, h) in chosen.take(4).enumerate() {
        let Some(no) = h.registration_no.clone() else { continue };
        let ids = db
            .read("SELECT id FROM tech_contracts WHERE registration_no = ?", vec![no.into()], |r| {
                r.int(0)
            })
            .await?;
        let Some(&id) = ids.first() else { continue };
        if k < 3 {
            let mut d = h.draft.clone();
            for p in &mut d.payments {
                p.due_on = p.due_on.checked_add_months(chrono::Months::new(3)).unwrap_or(p.due_on);
            }
            let why = "受原材料供应影响，双方协商将各期付款顺延三个月。";
            let r = records::request_change(db, id, &d, why, actor).await?;
            let ok = "付款安排调整不影响合同成交额和技术交易额，同意变更。";
            records::decide(db, id, r, true, ok, actor).await?;
        } else {
            let grounds = "认为合同标的使用了本院在先专利的技术方案。";
            let r = records::record_objection(db, id, "甘肃某化工研究院", grounds, actor).await?;
            let no = "经核查，合同标的与异议人专利的技术方案不同，异议不成立。";
            records::decide(db, id, r, false, no, actor).await?;
        }
    }
    Ok(())
}
