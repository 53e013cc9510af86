//! The demo's risk-compensation loan funds (风险补偿资金池): three banks and their managers'
//! accounts; the 科技贷 fund with 5,000 万元 from the city's finance bureau and the high-tech
//! zone, under agreement with the three banks; the 知识产权质押 fund with one; the white list
//! (enough enterprises given a valid 科小 certificate first); a few hundred loans with their
//! instalments repaid as they fell due ([`super::fund_loans`]); two defaults compensated —
//! approved by one officer, paid by another — one with money recovered flowing back.
use super::demo_credit_code;
use super::fund_loans::{self, Recorded};
use chrono::{Datelike, Duration, NaiveDate};
use innocity_core::access::Role;
use innocity_core::finance::fund::Terms;
use innocity_core::orgs::{OrgDraft, OrgKind};
use innocity_core::projects::money::Money;
use innocity_core::subjects::certificates::{Certificate, expiry_after};
use innocity_store::Db;
use innocity_store::db::{Result, StoreError};
use innocity_store::finance::fund::agreements;
use innocity_store::finance::fund::ledger::{self, FundKind, NewFund};
use innocity_store::orgs::{self, Actor};
use innocity_store::users::{self, NewUser};

/// The officer who keeps the fund and approves claims.
pub(crate) const OFFICER: Actor<'static> =
    Actor { user_id: 0, username: "bureau", request_id: "demo" };
/// The second officer, who pays what the first approved.
pub(crate) const CHECKER: Actor<'static> =
    Actor { user_id: 0, username: "admin", request_id: "demo" };

/// A bank: who it is, where, and its manager's account.
pub struct BankSpec {
    pub name: &'static str,
    /// The city's unit code (also the division code of its credit code).
    pub city: &'static str,
    pub address: &'static str,
    pub contact: &'static str,
    pub phone: &'static str,
    /// The manager's account: username and display name.
    pub username: &'static str,
    pub manager: &'static str,
    /// The prefix of the bank's 科技贷 contract numbers: 兰银科贷〔2025〕0001号.
    pub prefix: &'static str,
}

pub const BANKS: [BankSpec; 3] = [
    BankSpec {
        name: "兰州银行股份有限公司",
        city: "620100",
        address: "兰州市城关区酒泉路211号",
        contact: "吴经理",
        phone: "0931-4600000",
        username: "bank",
        manager: "兰州银行 科技支行 吴经理",
        prefix: "兰银科贷",
    },
    BankSpec {
        name: "甘肃银行股份有限公司",
        city: "620100",
        address: "兰州市城关区东岗西路525-1号",
        contact: "郑经理",
        phone: "0931-8771000",
        username: "bank2",
        manager: "甘肃银行 科技金融部 郑经理",
        prefix: "甘银科贷",
    },
    BankSpec {
        name: "白银农村商业银行股份有限公司",
        city: "620400",
        address: "白银市白银区人民路346号",
        contact: "冯经理",
        phone: "0943-8226000",
        username: "bank3",
        manager: "白银农商银行 普惠金融部 冯经理",
        prefix: "白农商科贷",
    },
];

/// The actor of a bank's manager.
pub(crate) fn bank_actor(i: usize) -> Actor<'static> {
    Actor { user_id: 0, username: BANKS[i % BANKS.len()].username, request_id: "demo" }
}

/// The three banks, organisations of kind `financial` in their cities; their ids in [`BANKS`]'
/// order.
pub async fn seed_banks(db: &Db) -> Result<Vec<i64>> {
    seed_financial(db, &BANKS, 9_000_000).await
}

/// Financial institutions (organisations of kind `financial` in their cities), numbered from
/// `first` (far beyond the demo's organisations: no clash with their codes); their ids in order.
pub(crate) async fn seed_financial(db: &Db, specs: &[BankSpec], first: u64) -> Result<Vec<i64>> {
    let units = orgs::units(db).await?;
    let system = Actor { user_id: 0, username: "system", request_id: "demo" };
    let mut ids = Vec::new();
    for (i, b) in specs.iter().enumerate() {
        let unit = units.iter().find(|u| u.code == b.city).or(units.first());
        let unit = unit.ok_or(StoreError::NotFound)?;
        let draft = OrgDraft {
            credit_code: demo_credit_code(OrgKind::Financial, b.city, first + i as u64),
            name: b.name.into(),
            kind: OrgKind::Financial,
            org_unit_id: unit.id,
            address: b.address.into(),
            contact: b.contact.into(),
            phone: b.phone.into(),
        };
        ids.push(orgs::create(db, &draft, unit, system, "").await?.id);
    }
    Ok(ids)
}

/// The banks' managers (organisation admins of their bank), with the demo password; their
/// usernames.
pub async fn seed_bank_accounts(db: &Db, banks: &[i64]) -> Result<Vec<String>> {
    seed_accounts(db, &BANKS, banks).await
}

/// The managers of financial institutions `ids` (in `specs`' order), organisation admins with
/// the demo password; their usernames.
pub(crate) async fn seed_accounts(db: &Db, specs: &[BankSpec], ids: &[i64]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (b, id) in specs.iter().zip(ids) {
        let user = NewUser {
            username: b.username,
            display_name: b.manager,
            password: super::DEMO_PASSWORD,
            role: Role::OrgAdmin,
            org_unit_id: None,
            organisation_id: Some(*id),
        };
        users::add(db, &user, "system", "demo").await?;
        out.push(b.username.to_string());
    }
    Ok(out)
}

/// A fund with its capital: (万元, note, request key) for each deposit.
pub(crate) async fn create_fund(
    db: &Db,
    code: &str,
    name: &str,
    kind: FundKind,
    deposits: &[(i64, &str, &str)],
) -> Result<i64> {
    let fund = NewFund { code: code.into(), name: name.into(), kind, unit_path: "/".into() };
    let id = ledger::create(db, &fund, OFFICER).await?;
    for (wan, note, key) in deposits {
        ledger::deposit(db, id, Money::from_wan(*wan), note, key, OFFICER).await?;
    }
    Ok(id)
}

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The demo's agreement terms (万元): loans up to 1,000 万, 36 months, 6 %, 2025–2027.
fn terms(share: u8, loan_cap: i64, quota: i64, compensation_cap: i64) -> Terms {
    Terms {
        loss_share_pct: share,
        loan_cap: Money::from_wan(loan_cap),
        bank_quota: Money::from_wan(quota),
        compensation_cap: Money::from_wan(compensation_cap),
        max_term_months: 36,
        max_rate_bp: 600,
        valid_from: day(2025, 1, 1),
        valid_to: day(2027, 12, 31),
    }
}

/// The credit fund's agreements: loss share, quota and compensation cap of each bank.
const CREDIT_TERMS: [(u8, i64, i64); 3] =
    [(50, 30_000, 1_500), (40, 20_000, 1_000), (60, 15_000, 800)];

/// How many enterprises the demo wants on the white list.
const LISTED_AT_LEAST: usize = 150;

/// What the fund's seeding made.
#[derive(Debug, Default, Clone)]
pub struct FundSummary {
    pub banks: usize,
    /// The banks' organisations, in [`BANKS`]' order.
    pub bank_ids: Vec<i64>,
    /// The banks' managers' usernames.
    pub accounts: Vec<String>,
    pub funds: usize,
    pub agreements: usize,
    /// 科小 certificates given so the white list is long enough.
    pub certificates: usize,
    /// Enterprises on the credit fund's white list.
    pub listed: usize,
    pub loans: usize,
    pub lent: Money,
    pub instalments_repaid: usize,
    pub loans_repaid: usize,
    pub claims: usize,
    pub compensated: Money,
    /// What recoveries returned to the funds.
    pub returned: Money,
    /// Capital of both funds.
    pub capital: Money,
    /// What both funds have available.
    pub available: Money,
}

/// The demo's funds, banks, loans and defaults (on a fresh demo database).
pub async fn seed_fund(db: &Db) -> Result<FundSummary> {
    let today = db.clock.today();
    let banks = seed_banks(db).await?;
    let accounts = seed_bank_accounts(db, &banks).await?;
    let credit = create_fund(
        db,
        "KJD-LB",
        "兰白科技贷风险补偿资金池",
        FundKind::Credit,
        &[
            (3_000, "市财政局注入风险补偿资金（兰财建〔2025〕15号）", "demo-kjd-lb-capital-1"),
            (2_000, "兰州高新区管委会注入风险补偿资金", "demo-kjd-lb-capital-2"),
        ],
    )
    .await?;
    let ip = create_fund(
        db,
        "ZSCQ-LB",
        "兰白知识产权质押融资风险补偿资金池",
        FundKind::Ip,
        &[(1_000, "市财政局注入知识产权质押融资风险补偿资金", "demo-zscq-lb-capital-1")],
    )
    .await?;
    let mut signed = 0;
    for (bank, (share, quota, cap)) in banks.iter().zip(CREDIT_TERMS) {
        agreements::sign(db, credit, *bank, &terms(share, 1_000, quota, cap), OFFICER).await?;
        signed += 1;
    }
    agreements::sign(db, ip, banks[0], &terms(40, 500, 8_000, 300), OFFICER).await?;
    signed += 1;
    let certificates = qualify(db, today, LISTED_AT_LEAST + 30).await?;
    let listed = agreements::rebuild_white_list(db, credit, OFFICER).await?.listed;
    agreements::rebuild_white_list(db, ip, OFFICER).await?;
    let recorded = fund_loans::seed_loans(db, credit, ip, &banks, today).await?;
    let claims = fund_loans::seed_defaults(db, &recorded, today).await?;
    let mut s = FundSummary {
        banks: banks.len(),
        bank_ids: banks.clone(),
        accounts,
        funds: 2,
        agreements: signed,
        certificates,
        listed,
        claims,
        ..FundSummary::default()
    };
    totals(db, &recorded, &mut s).await?;
    Ok(s)
}

/// The summary's money and counts, read back from the funds and their loans.
async fn totals(db: &Db, recorded: &Recorded, s: &mut FundSummary) -> Result<()> {
    s.loans = recorded.loans;
    s.lent = recorded.lent;
    s.instalments_repaid = recorded.instalments_repaid;
    for f in ledger::list(db).await? {
        let b = f.balances;
        s.capital = s.capital.checked_add(b.capital).unwrap_or(Money::MAX);
        s.available = s.available.checked_add(b.available).unwrap_or(Money::MAX);
        s.compensated = s.compensated.checked_add(b.paid).unwrap_or(Money::MAX);
        s.returned = s.returned.checked_add(b.recovered).unwrap_or(Money::MAX);
    }
    let repaid =
        db.read("SELECT COUNT(*) FROM fund_loans WHERE status = 'repaid'", vec![], |r| r.int(0));
    s.loans_repaid = repaid.await?.first().copied().unwrap_or(0) as usize;
    Ok(())
}

/// Gives enterprises without a valid 高企 or 科小 certificate one valid 科小 certificate (issued
/// this past year), in order, until at least `want` enterprises hold one; how many it gave.
async fn qualify(db: &Db, today: NaiveDate, want: usize) -> Result<usize> {
    let day_text = today.to_string();
    let holding = db
        .read(
            "SELECT DISTINCT organisation_id FROM organisation_qualifications WHERE code IN ('high_tech', 'tech_sme') AND issued_on <> '' AND issued_on <= ? AND valid_until >= ?",
            vec![day_text.clone().into(), day_text.into()],
            |r| r.int(0),
        )
        .await?;
    let holding: std::collections::HashSet<i64> = holding.into_iter().collect();
    let enterprises = db
        .read(
            "SELECT id, credit_code FROM organisations WHERE kind = 'enterprise' ORDER BY id",
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?)),
        )
        .await?;
    let missing = want.saturating_sub(holding.len());
    let certificates: Vec<Certificate> = enterprises
        .into_iter()
        .filter(|(id, _)| !holding.contains(id))
        .take(missing)
        .map(|(id, credit_code)| {
            // issued 20 to 320 days ago, valid a year: every one still valid today
            let issued_on = today - Duration::days(20 + (id * 13) % 300);
            Certificate {
                credit_code,
                kind: "tech_sme".into(),
                number: format!("KX{}{:05}", issued_on.year(), id),
                issued_on,
                valid_until: expiry_after(issued_on, 1),
            }
        })
        .collect();
    if certificates.is_empty() {
        return Ok(0);
    }
    innocity_store::subjects::certificates::record(
        db,
        &certificates,
        &innocity_store::orgs::everywhere(),
        OFFICER,
    )
    .await
}
