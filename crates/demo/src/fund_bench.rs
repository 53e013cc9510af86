//! Data for the ledger half of bench/finance.sh: the three banks and their managers, every
//! enterprise of a large demo holding a valid 科小 certificate (written in bulk) and on the white
//! list of a fund sized for the benchmark: quotas and caps that never bind, capital for about
//! 70 % of the compensation its clients will claim (net of what recoveries bring back), so the
//! last approvals are refused for want of money available.
use super::fund::{OFFICER, create_fund, seed_bank_accounts, seed_banks};
use super::organisations::{HOSPITALS, INSTITUTES, PROVIDERS, UNIVERSITIES};
use chrono::Duration;
use innocity_core::finance::fund::Terms;
use innocity_core::projects::money::Money;
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::finance::fund::agreements;
use innocity_store::finance::fund::ledger::FundKind;

/// The demo's organisations that are not enterprises (universities, institutes, hospitals,
/// service providers): a demo of `n + NAMED_ORGANISATIONS` organisations has `n` enterprises.
pub const NAMED_ORGANISATIONS: u64 =
    (UNIVERSITIES.len() + INSTITUTES.len() + HOSPITALS.len() + PROVIDERS.len()) as u64;

/// The fund's share of a loss under each bank's agreement, in [`super::fund::BANKS`]' order.
pub const SHARES: [u8; 3] = [50, 40, 60];

/// The benchmark's fund.
#[derive(Debug, Clone)]
pub struct FundBench {
    pub fund_id: i64,
    /// The banks' organisation ids, in [`super::fund::BANKS`]' order.
    pub banks: Vec<i64>,
    /// The managers' usernames, in the same order.
    pub bank_users: Vec<String>,
    /// Credit codes of the enterprises on the white list.
    pub borrowers: Vec<String>,
    pub capital: Money,
}

/// 万元, never beyond the largest amount.
fn wan(n: i64) -> Money {
    Money::from_wan(n.min(Money::MAX.fen() / 1_000_000))
}

/// The fund for `loans` loan lifecycles: each loan 50–800 万 (425 on average), a loss of
/// 30–100 % (65 %), the fund's share 40–60 % (50 %): 138.125 万 compensated on average, of which
/// the recovery (10–60 % of the loss, 35 %) returns 35 %, so a lifecycle takes 65 % of its
/// compensation for good. The capital is 70 % of what all of them would take: about 70 % of the
/// approvals fit, the rest are refused once the fund runs dry.
pub async fn seed_fund_bench(db: &Db, loans: u64) -> Result<FundBench> {
    let banks = seed_banks(db).await?;
    let bank_users = seed_bank_accounts(db, &banks).await?;
    qualify_all(db).await?;
    let n = i64::try_from(loans).unwrap_or(i64::MAX / 1_000_000).max(1);
    // 万元: n × 138.125 × 65 % × 70 %
    let capital = wan(n.saturating_mul(138_125).saturating_mul(65 * 70) / 10_000_000);
    let fund =
        create_fund(db, "BENCH", "科技贷风险补偿资金池（基准测试）", FundKind::Credit, &[]).await?;
    innocity_store::finance::fund::ledger::deposit(
        db,
        fund,
        capital,
        "基准测试：财政注入风险补偿资金",
        "bench-capital",
        OFFICER,
    )
    .await?;
    let today = db.clock.today();
    for (bank, share) in banks.iter().zip(SHARES) {
        let terms = Terms {
            loss_share_pct: share,
            loan_cap: wan(1_000),
            bank_quota: wan(n.saturating_mul(800)),
            compensation_cap: wan(n.saturating_mul(500)),
            max_term_months: 36,
            max_rate_bp: 600,
            valid_from: today - Duration::days(3 * 365),
            valid_to: today + Duration::days(3 * 365),
        };
        agreements::sign(db, fund, *bank, &terms, OFFICER).await?;
    }
    agreements::rebuild_white_list(db, fund, OFFICER).await?;
    let listed = agreements::white_list(db, fund).await?;
    let borrowers = listed.into_iter().map(|l| l.credit_code).collect();
    Ok(FundBench { fund_id: fund, banks, bank_users, borrowers, capital })
}

/// Every enterprise without one gets a 科小 certificate, issued 100 days ago and valid a year.
async fn qualify_all(db: &Db) -> Result<u64> {
    let today = db.clock.today();
    let issued = today - Duration::days(100);
    let until = issued + Duration::days(364);
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "INSERT INTO organisation_qualifications (organisation_id, code, valid_until, number, issued_on, entered_by, entered_at) \
             SELECT o.id, 'tech_sme', ?, 'KXBENCH' || o.id, ?, 'bench', ? FROM organisations o WHERE o.kind = 'enterprise' \
             AND NOT EXISTS (SELECT 1 FROM organisation_qualifications q WHERE q.organisation_id = o.id AND q.code = 'tech_sme')",
            vec![until.to_string().into(), issued.to_string().into(), tx.clock.now_ms().into()],
        )
        .await?;
    tx.commit().await?;
    Ok(n)
}
