//! The demo's innovation vouchers: 2025's programme, over (vouchers used, settled month by month,
//! the rest expired back to the budget) and 2026's, running (applications in every state,
//! redemptions pending, verified, settled and rejected, one clawed back for a false invoice), and
//! people of a few organisations for the relatedness check — written through the store with the
//! clock set to when each step happened.
use super::Lcg;
use chrono::{Duration, NaiveDate};
use innocity_core::projects::money::Money;
use innocity_core::sharing::vouchers::{Eligibility, Programme, Standing};
use innocity_store::Db;
use innocity_store::StoreError;
use innocity_store::db::Result;
use innocity_store::orgs::Actor;
use innocity_store::sharing::{self as store, Redeem, RedemptionRefusal as R, SharingRefusal};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "demo", request_id: "demo" };

/// What the voucher seeding made.
#[derive(Debug, Default, Clone, Copy)]
pub struct VoucherSummary {
    pub programmes: usize,
    pub vouchers: usize,
    pub redemptions: usize,
}

const PURPOSES: [&str; 6] = [
    "委托第三方检测新产品性能",
    "使用高校大型仪器开展材料表征",
    "委托研发设计中试工艺",
    "专利导航与布局分析",
    "产品认证检测",
    "技术成果评价与转移服务",
];

fn programme(year: i32, budget_wan: i64) -> Programme {
    let day = |m, d| NaiveDate::from_ymd_opt(year, m, d).unwrap_or(NaiveDate::MIN);
    Programme {
        code: format!("LZ{year}"),
        name: format!("兰白科技创新改革试验区{year}年度科技创新券"),
        year,
        budget: Money::from_wan(budget_wan),
        per_application: Money::from_wan(2),
        per_enterprise: Money::from_wan(10),
        copay_percent: 30,
        services: ["testing", "instrument", "rd", "ip", "certification", "transfer"]
            .map(String::from)
            .to_vec(),
        eligibility: Eligibility::Enterprise,
        valid_from: day(1, 1),
        valid_to: day(12, 31),
    }
}

/// Sets the clock to a day at 10:00 (the seeding moves it and puts it back).
fn at(db: &Db, day: NaiveDate, shifted: &mut Duration) {
    let to = day.and_hms_opt(10, 0, 0).unwrap_or_default();
    let by = to - db.clock.now_local();
    db.clock.advance(by);
    *shifted += by;
}

async fn ids(db: &Db, sql: &str) -> Result<Vec<i64>> {
    db.read(sql, vec![], |r| r.int(0)).await
}

pub async fn seed_vouchers(db: &Db) -> Result<VoucherSummary> {
    let mut rng = Lcg(0x00c0_ffee);
    let mut sum = VoucherSummary::default();
    let today = db.clock.today();
    let year = chrono::Datelike::year(&today);
    let mut shifted = Duration::zero();
    let enterprises =
        ids(db, "SELECT id FROM organisations WHERE kind = 'enterprise' ORDER BY id").await?;
    let providers = ids(db, "SELECT id FROM organisations WHERE kind IN ('service_provider', 'university', 'institute') ORDER BY id").await?;
    let owner = ids(db, "SELECT organisation_id FROM users WHERE username = 'orgadmin' AND organisation_id IS NOT NULL").await?;
    if enterprises.is_empty() || providers.is_empty() {
        return Ok(sum);
    }
    for (k, y) in [year - 1, year].into_iter().enumerate() {
        let p =
            store::create_programme(db, &programme(y, if k == 0 { 300 } else { 500 }), "", ACTOR)
                .await?;
        sum.programmes += 1;
        let start = NaiveDate::from_ymd_opt(y, 3, 1).unwrap_or(today);
        let last = if k == 0 {
            NaiveDate::from_ymd_opt(y, 12, 20).unwrap_or(today)
        } else {
            today - Duration::days(2)
        };
        at(db, start.min(last), &mut shifted);
        // orgadmin's firm first, so the demo's enterprise account holds a voucher of this year
        let applicants: Vec<i64> =
            owner.iter().chain(enterprises.iter().step_by(3)).copied().take(40).collect();
        let mut vouchers = Vec::new();
        for (n, ent) in applicants.iter().enumerate() {
            let asked = Money::from_wan(1 + (rng.next() % 2) as i64);
            let Ok(a) = store::apply(db, p, *ent, asked, PURPOSES[n % PURPOSES.len()], ACTOR).await
            else {
                continue;
            };
            match n % 10 {
                9 => {
                    store::decide_application(
                        db,
                        a,
                        None,
                        "申请材料中检测需求与企业主营业务无关，不予支持。",
                        ACTOR,
                    )
                    .await?;
                }
                8 if k == 1 => {} // still to be decided
                _ => {
                    if let Some(v) =
                        store::decide_application(db, a, Some(asked), "", ACTOR).await?
                    {
                        vouchers.push((v, *ent));
                    }
                }
            }
        }
        sum.vouchers += vouchers.len();
        sum.redemptions +=
            redeem_some(db, &mut rng, &vouchers, &providers, (start, last), &mut shifted).await?;
        settle_months(db, p, (start, last), &mut shifted).await?;
    }
    at(db, db.clock.today(), &mut Duration::zero());
    db.clock.advance(-shifted);
    for p in store::programmes(db).await? {
        store::expire(db, p.id, ACTOR).await?;
    }
    people(db, &enterprises, &providers).await?;
    Ok(sum)
}

/// Redemptions over the year, most verified, some rejected, one clawed back; returns how many.
async fn redeem_some(
    db: &Db,
    rng: &mut Lcg,
    vouchers: &[(i64, i64)],
    providers: &[i64],
    (start, last): (NaiveDate, NaiveDate),
    shifted: &mut Duration,
) -> Result<usize> {
    let mut made = 0;
    let span = (last - start).num_days().max(1);
    for (k, (voucher, _)) in vouchers.iter().enumerate() {
        let (number, code, balance) = db
            .read(
                "SELECT number, code, balance_fen FROM vouchers WHERE id = ?",
                vec![(*voucher).into()],
                |r| Ok((r.text(0)?, r.text(1)?, r.int(2)?)),
            )
            .await?[0]
            .clone();
        let times = k % 3;
        let mut left = balance;
        for n in 0..times {
            let day = start + Duration::days((rng.next() as i64) % span);
            at(db, day, shifted);
            let amount = (left / 2).max(100);
            let total = amount * 10 / 7 + 100;
            let r = Redeem {
                number: number.clone(),
                code: code.clone(),
                provider_id: providers[(k + n) % providers.len()],
                service: ["testing", "instrument", "rd"][(k + n) % 3].into(),
                order_total: Money(total),
                amount: Money(amount),
                evidence: format!(
                    "合同 JS-{}-{k:03}；发票 {:08}；报告 BG-{k:03}-{n}",
                    day.format("%Y"),
                    rng.next() % 100_000_000
                ),
                request_key: format!("demo:{number}:{n}"),
                booking_id: None,
                order_id: None,
                used_on: None,
            };
            let Ok(row) = store::redeem(db, &r, ACTOR).await else { continue };
            left -= amount;
            made += 1;
            match (k + n) % 12 {
                0 => {
                    store::verify(
                        db,
                        row.id,
                        false,
                        "发票抬头与企业名称不一致，请重新提交。",
                        ACTOR,
                    )
                    .await?
                }
                1 => {} // pending
                _ => store::verify(db, row.id, true, "", ACTOR).await?,
            }
            if k == 4 && n == 0 {
                store::claw_back(
                    db,
                    row.id,
                    "经核查，服务合同与发票为虚构，追回已兑付资金。",
                    ACTOR,
                )
                .await?;
            }
        }
    }
    Ok(made)
}

/// A settlement batch for every month that has verified redemptions, up to `last`.
async fn settle_months(
    db: &Db,
    p: i64,
    (start, last): (NaiveDate, NaiveDate),
    shifted: &mut Duration,
) -> Result<()> {
    let mut month = start;
    while month <= last {
        let next = month.checked_add_months(chrono::Months::new(1)).unwrap_or(last);
        at(db, next.min(last), shifted);
        let code = month.format("%Y%m").to_string();
        match store::settle(db, p, &code, None, ACTOR).await {
            Ok(_)
            | Err(StoreError::Sharing(SharingRefusal::Redemption(R::NothingToSettle { .. }))) => {}
            Err(e) => return Err(e),
        }
        month = next;
    }
    Ok(())
}

/// The people of a few organisations: one person stands in an enterprise and in a provider, so
/// that provider cannot redeem that enterprise's vouchers.
async fn people(db: &Db, enterprises: &[i64], providers: &[i64]) -> Result<()> {
    let people = [
        ("张伟", "11010519491231002X", Standing::LegalRepresentative),
        ("李娜", "110101199003071233", Standing::Staff),
        ("王强", "620102198507153517", Standing::Shareholder),
    ];
    for (k, (name, id, standing)) in people.iter().enumerate() {
        if let Some(ent) = enterprises.get(k) {
            store::add_person(db, *ent, name, id, *standing, ACTOR).await?;
        }
    }
    if let Some(provider) = providers.last() {
        store::add_person(db, *provider, "张伟", people[0].1, Standing::Shareholder, ACTOR).await?;
    }
    Ok(())
}
