//! The demo's cross-region vouchers (通用通兑) with 定西市: the partner registered with the demo's
//! exchange key, its roster of vouchers (written as 定西's platform would send it), its vouchers
//! redeemed by providers here — verified, claimed in this month's statement and answered by
//! 定西's reply (one line refused), a few more waiting — and 定西's claim on our vouchers used
//! there, imported line by line (one line of a number we never issued refused). Every file goes
//! through the same import as a real one.
use super::Lcg;
use chrono::Duration;
use innocity_core::projects::money::Money;
use innocity_core::sharing::exchange::{
    FORMAT, Kind, Partner, Reply, ReplyLine, Roster, RosterVoucher, Statement, StatementLine,
    code_mac, sign,
};
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::orgs::Actor;
use innocity_store::sharing::exchange_statements as st;
use innocity_store::sharing::{self as store, Redeem};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "demo", request_id: "demo" };
/// The key the demo's bureau agreed with 定西 (shown in the README so files can be tried).
pub const DEMO_KEY: &str = "lanzhou-dingxi-demo-exchange-key";

const HOLDERS: [&str; 8] = [
    "定西市安定区马铃薯精深加工有限公司",
    "甘肃定西中药材科技开发有限公司",
    "陇西县黄芪产业发展有限公司",
    "定西高强度紧固件制造有限公司",
    "临洮县现代农业装备有限公司",
    "渭源县中药饮片加工有限公司",
    "通渭县新型建材科技有限公司",
    "岷县当归生物制品有限公司",
];

/// What the exchange seeding made.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExchangeSummary {
    pub partner_vouchers: usize,
    pub redemptions: usize,
    pub statements: usize,
}

fn code_of(n: usize) -> String {
    format!("{:06}", (n * 7919 + 104_729) % 1_000_000)
}

pub async fn seed_exchange(db: &Db) -> Result<ExchangeSummary> {
    let mut sum = ExchangeSummary::default();
    let today = db.clock.today();
    let year = chrono::Datelike::year(&today);
    let Some(ours) =
        store::programmes(db).await?.into_iter().find(|p| p.programme.code == format!("LZ{year}"))
    else {
        return Ok(sum);
    };
    let code = format!("DX{year}");
    let partner = Partner {
        code: code.clone(),
        name: format!("定西市{year}年度科技创新券"),
        region: "定西市".into(),
        key: DEMO_KEY.into(),
    };
    let id = store::add_partner(db, &partner, ours.id, ACTOR).await?;
    let mut rng = Lcg(0x0d15_2026);
    let vouchers: Vec<RosterVoucher> = HOLDERS
        .iter()
        .enumerate()
        .map(|(n, holder)| {
            let number = format!("{code}-{:06}", n + 1);
            let value = Money::from_wan(1 + (rng.next() % 2) as i64);
            RosterVoucher {
                code_mac: code_mac(DEMO_KEY, &number, &code_of(n)),
                number,
                holder: (*holder).into(),
                holder_code: format!("91621100MA7{:07}", 1_000 + n * 37),
                value_fen: value.fen(),
                balance_fen: value.fen(),
                valid_to: today + Duration::days(120),
            }
        })
        .collect();
    let mut roster = Roster {
        format: FORMAT.into(),
        kind: Kind::Roster,
        programme: code.clone(),
        name: partner.name.clone(),
        region: "定西市".into(),
        copay_percent: 40,
        services: ["testing", "instrument", "rd"].map(String::from).to_vec(),
        made_on: today,
        vouchers,
        signature: String::new(),
    };
    sign(&mut roster, DEMO_KEY);
    sum.partner_vouchers = store::import_roster(db, id, &to_json(&roster), ACTOR).await?;
    let redeemed = redeem_partner_vouchers(db, &roster).await?;
    sum.redemptions = redeemed.len();
    for r in redeemed.iter().take(4) {
        store::verify_partner(db, *r, true, "", ACTOR).await?;
    }
    sum.statements = claim_and_reply(db, id, &roster.programme, &ours.programme.code).await?;
    // verified after this month's claim: waits for the next one; the last still pending
    if let Some(r) = redeemed.get(4) {
        store::verify_partner(db, *r, true, "", ACTOR).await?;
    }
    sum.statements += partner_claims_ours(db, id, ours.id, &code, &ours.programme.code).await?;
    Ok(sum)
}

fn to_json<T: serde::Serialize>(file: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(file).unwrap_or_default()
}

/// Registered providers here redeem six of 定西's vouchers (their ids).
async fn redeem_partner_vouchers(db: &Db, roster: &Roster) -> Result<Vec<i64>> {
    let providers = db
        .read(
            "SELECT o.id FROM organisations o JOIN provider_profiles p ON p.organisation_id = o.id WHERE p.status = 'registered' AND o.kind = 'service_provider' ORDER BY o.id",
            vec![],
            |r| r.int(0),
        )
        .await?;
    let mut made = Vec::new();
    for (n, v) in roster.vouchers.iter().enumerate().take(6) {
        let Some(provider) = providers.get(n % providers.len().max(1)) else { break };
        let total = Money::from_yuan(4_000 + 1_500 * n as i64);
        let r = Redeem {
            number: v.number.clone(),
            code: code_of(n),
            provider_id: *provider,
            service: "testing".into(),
            order_total: total,
            amount: Money(total.fen() * 60 / 100),
            evidence: format!(
                "检测合同 JC-DX-{:03}；发票 62{:06}；报告 BG-DX-{:03}",
                n + 1,
                310 + n,
                n + 1
            ),
            request_key: format!("demo-dx-{n}"),
            booking_id: None,
            order_id: None,
            used_on: None,
        };
        made.push(store::redeem_partner(db, &r, ACTOR).await?.id);
    }
    Ok(made)
}

/// This month's claim on 定西 (the verified redemptions), and 定西's reply accepting all but the
/// second line.
async fn claim_and_reply(db: &Db, id: i64, theirs: &str, ours: &str) -> Result<usize> {
    let month = db.clock.today().format("%Y-%m").to_string();
    let claim = st::make_claim(db, id, &month, ACTOR).await?;
    let file = st::claim_file(db, claim.id).await?;
    let mut reply = Reply {
        format: FORMAT.into(),
        kind: Kind::Reply,
        from: theirs.into(),
        to: ours.into(),
        month,
        statement: file.signature.clone(),
        accepted_fen: 0,
        lines: file
            .lines
            .iter()
            .map(|l| ReplyLine {
                line: l.line,
                request_key: l.request_key.clone(),
                accepted: l.line != 2,
                reason: if l.line == 2 { "copay".into() } else { String::new() },
            })
            .collect(),
        signature: String::new(),
    };
    reply.accepted_fen = file.lines.iter().filter(|l| l.line != 2).map(|l| l.amount_fen).sum();
    sign(&mut reply, DEMO_KEY);
    st::import_reply(db, id, &to_json(&reply), ACTOR).await?;
    Ok(1)
}

/// 定西's claim on three of our vouchers used there, and a line of a number we never issued.
async fn partner_claims_ours(
    db: &Db,
    id: i64,
    programme_id: i64,
    theirs: &str,
    ours: &str,
) -> Result<usize> {
    let today = db.clock.today();
    let usable: Vec<_> = store::vouchers_in(db, programme_id)
        .await?
        .into_iter()
        .filter(|v| v.status == "active" && v.balance >= Money::from_yuan(3_000))
        .take(3)
        .collect();
    let mut lines: Vec<StatementLine> = usable
        .iter()
        .enumerate()
        .map(|(n, v)| StatementLine {
            line: n as u32 + 1,
            number: v.number.clone(),
            request_key: format!("dx-claim-{n}"),
            provider: "定西市产品质量监督检验中心".into(),
            provider_code: "12621100MB1935027X".into(),
            service: "testing".into(),
            used_on: today - Duration::days(3 + n as i64),
            order_total_fen: Money::from_yuan(4_000).fen(),
            amount_fen: Money::from_yuan(2_800).fen(),
        })
        .collect();
    lines.push(StatementLine {
        line: lines.len() as u32 + 1,
        number: format!("{ours}-999999"),
        request_key: "dx-claim-unknown".into(),
        provider: "定西市产品质量监督检验中心".into(),
        provider_code: "12621100MB1935027X".into(),
        service: "testing".into(),
        used_on: today - Duration::days(2),
        order_total_fen: Money::from_yuan(2_000).fen(),
        amount_fen: Money::from_yuan(1_400).fen(),
    });
    let mut file = Statement {
        format: FORMAT.into(),
        kind: Kind::Statement,
        from: theirs.into(),
        to: ours.into(),
        month: today.format("%Y-%m").to_string(),
        total_fen: lines.iter().map(|l| l.amount_fen).sum(),
        lines,
        signature: String::new(),
    };
    sign(&mut file, DEMO_KEY);
    st::import_owed(db, id, &to_json(&file), ACTOR).await?;
    Ok(1)
}
