//! Data for bench/sharing.sh: instruments that take bookings at any hour without approval, and a
//! programme with many vouchers spread over the demo's enterprises — written through the store.
use innocity_core::projects::money::Money;
use innocity_core::sharing::instruments::{BookingRules, InstrumentInput, OpeningHours, Prices};
use innocity_core::sharing::vouchers::{Eligibility, Programme};
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::orgs::Actor;
use innocity_store::sharing as store;

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "bench", request_id: "bench" };

/// A voucher for the redeeming clients.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchVoucher {
    pub number: String,
    pub code: String,
    pub value_fen: i64,
}

/// What the bench seeding made.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SharingBench {
    pub instruments: Vec<i64>,
    pub vouchers: Vec<BenchVoucher>,
    pub programme_id: i64,
}

fn instrument(n: usize) -> InstrumentInput {
    InstrumentInput {
        code: format!("BENCH-{n:05}"),
        name: format!("基准测试仪器 {n}"),
        category: "analysis".into(),
        model: String::new(),
        maker: String::new(),
        value: Money::from_wan(80),
        location: String::new(),
        parameters: String::new(),
        contact: String::new(),
        hours: OpeningHours {
            opens: chrono::NaiveTime::MIN,
            closes: chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(chrono::NaiveTime::MIN),
            days: [true; 7],
        },
        prices: Prices {
            own: Money::from_yuan(100),
            academic: Money::from_yuan(200),
            enterprise: Money::from_yuan(300),
            voucher: Money::from_yuan(250),
        },
        rules: BookingRules {
            notice_hours: 0,
            approval: false,
            max_minutes: 240,
            ..BookingRules::default()
        },
    }
}

/// `instruments` instruments of the universities and institutes; `vouchers` vouchers of 2 万元
/// each over the enterprises.
pub async fn seed_sharing_bench(
    db: &Db,
    instruments: usize,
    vouchers: usize,
) -> Result<SharingBench> {
    // the redeeming clients act for the demo's service organisation, registered by the bureau
    let provider = db
        .read(
            "SELECT organisation_id FROM users WHERE username = 'provider' AND organisation_id IS NOT NULL",
            vec![],
            |r| r.int(0),
        )
        .await?;
    for org in provider {
        let profile = innocity_core::sharing::services::Profile {
            summary: "第三方检验检测机构".into(),
            kinds: vec!["testing".into()],
        };
        store::save_profile(db, org, &profile, ACTOR).await?;
        store::decide_provider(db, org, true, "", ACTOR).await?;
    }
    let owners = db
        .read(
            "SELECT id FROM organisations WHERE kind IN ('university', 'institute') ORDER BY id",
            vec![],
            |r| r.int(0),
        )
        .await?;
    let mut ids = Vec::new();
    for (k, owner) in owners.iter().enumerate() {
        let items: Vec<InstrumentInput> =
            (k..instruments).step_by(owners.len()).map(instrument).collect();
        ids.extend(store::add_instruments(db, *owner, &items, ACTOR).await?);
    }
    let today = db.clock.today();
    let programme = Programme {
        code: "BENCH".into(),
        name: "基准测试创新券".into(),
        year: chrono::Datelike::year(&today),
        budget: Money::from_wan(2 * vouchers as i64 + 1),
        per_application: Money::from_wan(2),
        per_enterprise: Money::from_wan(2 * vouchers as i64),
        copay_percent: 30,
        services: vec!["testing".into(), "instrument".into()],
        eligibility: Eligibility::Enterprise,
        valid_from: today - chrono::Duration::days(1),
        valid_to: today + chrono::Duration::days(365),
    };
    let p = store::create_programme(db, &programme, "", ACTOR).await?;
    let enterprises = db
        .read("SELECT id FROM organisations WHERE kind = 'enterprise' ORDER BY id", vec![], |r| {
            r.int(0)
        })
        .await?;
    let mut made = Vec::with_capacity(vouchers);
    for n in 0..vouchers {
        let Some(ent) = enterprises.get(n % enterprises.len().max(1)) else { break };
        let a = store::apply(db, p, *ent, Money::from_wan(2), "基准测试", ACTOR).await?;
        store::decide_application(db, a, Some(Money::from_wan(2)), "", ACTOR).await?;
    }
    for v in store::vouchers_in(db, p).await? {
        made.push(BenchVoucher { number: v.number, code: v.code, value_fen: v.value.fen() });
    }
    Ok(SharingBench { instruments: ids, vouchers: made, programme_id: p })
}
