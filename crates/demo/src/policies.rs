//! The demo's policy library: a dozen measures from the seeds (高企 first recognition, R&D
//! post-subsidy on growth, 科小 reward, technology-contract reward …) written as rules over the
//! platform's own records, each run for 2025 by one officer, checked by another and published;
//! a few enterprises paid the old way by application before the runs, a few accounts confirmed.
use chrono::NaiveDate;
use innocity_core::finance::policy::PolicyRule;
use innocity_core::projects::money::Money;
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::finance::payments::{self, Account};
use innocity_store::finance::policies::{self, PolicyInput};
use innocity_store::finance::runs;
use innocity_store::orgs::Actor;

const MAKER: Actor<'static> = Actor { user_id: 0, username: "bureau", request_id: "demo" };
const CHECKER: Actor<'static> = Actor { user_id: 0, username: "admin", request_id: "demo" };
const FIRM: Actor<'static> = Actor { user_id: 0, username: "orgadmin", request_id: "demo" };

/// The year the demo's lists are run for.
pub const YEAR: i32 = 2025;

/// code, title, document number, eligibility, amount (万元), per-firm cap, yearly cap (万元), text.
type Measure = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    Option<i64>,
    &'static str,
);

const MEASURES: [Measure; 12] = [
    (
        "HNTE-FIRST",
        "高新技术企业首次认定奖励",
        "兰科发〔2025〕8号",
        "#{HNTE_NEW} == 1 && #{HNTE}.periodOffset(-1) == 0 && #{BAD_CREDIT} == 0",
        "20",
        None,
        Some(600),
        "对当年首次通过认定的高新技术企业一次性奖励20万元。",
    ),
    (
        "HNTE-RD",
        "高新技术企业研发投入奖励",
        "兰科发〔2025〕9号",
        "#{HNTE} == 1 && #{RD_EXP} >= 1000 && #{BAD_CREDIT} == 0",
        "5",
        None,
        None,
        "年末持有效高新技术企业证书、当年研发费用达1000万元的企业奖励5万元。",
    ),
    (
        "RD-GROWTH",
        "企业研发投入后补助",
        "兰科发〔2025〕12号",
        "#{RD_EXP} > #{RD_EXP}.periodOffset(-1) && #{BAD_CREDIT} == 0",
        "(#{RD_EXP} - #{RD_EXP}.periodOffset(-1)) * 0.1",
        Some(50),
        Some(2000),
        "运用科研项目经费后补助引导企业加大研发投入：按研发费用较上年增量的10%给予后补助，单户最高50万元，年度总额2000万元。",
    ),
    (
        "TECH-SME-NEW",
        "科技型中小企业入库奖励",
        "兰科发〔2025〕15号",
        "#{TECH_SME} == 1 && #{TECH_SME}.periodOffset(-1) == 0 && #{BAD_CREDIT} == 0",
        "3",
        None,
        None,
        "对当年首次评价入库的科技型中小企业奖励3万元。",
    ),
    (
        "RD-INTENSITY",
        "高研发强度企业奖励",
        "兰科发〔2025〕16号",
        "#{REVENUE} > 0 && #{RD_EXP} / #{REVENUE} >= 0.05 && #{BAD_CREDIT} == 0",
        "#{RD_EXP} * 0.02",
        Some(30),
        None,
        "研发费用占营业收入比例达到5%的企业，按研发费用的2%给予奖励，单户最高30万元。",
    ),
    (
        "TECH-TRANSFER",
        "技术合同交易奖励",
        "兰科发〔2025〕18号",
        "#{CONTRACT_VALUE} >= 50 && #{BAD_CREDIT} == 0",
        "#{CONTRACT_VALUE} * 0.02",
        Some(20),
        None,
        "对登记技术合同成交额达50万元的技术卖方，按成交额的2%给予奖励，单户最高20万元。",
    ),
    (
        "RD-STAFF",
        "研发人才集聚奖励",
        "兰科发〔2025〕20号",
        "#{RD_STAFF} >= 20 && #{RD_STAFF} > #{RD_STAFF}.periodOffset(-1)",
        "(#{RD_STAFF} - #{RD_STAFF}.periodOffset(-1)) * 0.5",
        Some(10),
        None,
        "研发人员20人以上且较上年增加的企业，每新增1名研发人员奖励0.5万元，单户最高10万元。",
    ),
    (
        "HNTE-GROWTH",
        "高新技术企业营收增长奖励",
        "兰科发〔2025〕21号",
        "#{HNTE} == 1 && #{REVENUE} >= #{REVENUE}.periodOffset(-1) * 1.05 && #{BAD_CREDIT} == 0",
        "10",
        None,
        Some(300),
        "营业收入较上年增长5%以上的高新技术企业奖励10万元，年度总额300万元，超出按比例核减。",
    ),
    (
        "RD-MAJOR",
        "研发投入大户奖励",
        "兰科发〔2025〕22号",
        "#{RD_EXP} >= 10000 && #{BAD_CREDIT} == 0",
        "least(#{RD_EXP} * 0.001, 30)",
        None,
        None,
        "当年研发费用达1亿元的企业，按研发费用的千分之一给予奖励，最高30万元。",
    ),
    (
        "INTENSITY-UP",
        "研发强度提升奖励",
        "兰科发〔2025〕23号",
        "#{REVENUE} > 0 && #{REVENUE}.periodOffset(-1) > 0 && #{RD_EXP} / #{REVENUE} > #{RD_EXP}.periodOffset(-1) / #{REVENUE}.periodOffset(-1)",
        "2",
        None,
        None,
        "研发费用占营业收入比例较上年提高的企业奖励2万元。",
    ),
    (
        "CONTRACT-FIRST",
        "首次登记技术合同奖励",
        "兰科发〔2025〕25号",
        "#{CONTRACTS} >= 1 && #{CONTRACTS}.periodOffset(-1) == 0 && #{CONTRACTS}.periodOffset(-2) == 0",
        "2",
        None,
        None,
        "近两年未登记技术合同、当年首次登记的企业奖励2万元。",
    ),
    (
        "STABLE-JOBS",
        "科技企业稳岗奖励",
        "兰科发〔2025〕26号",
        "#{EMPLOYEES} >= 50 && #{EMPLOYEES} >= #{EMPLOYEES}.periodOffset(-1) && #{BAD_CREDIT} == 0",
        "1",
        None,
        Some(15),
        "从业人员50人以上且未减员的科技企业奖励1万元，年度总额15万元，超出按比例核减。",
    ),
];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// What the policy seeding made.
#[derive(Debug, Default, Clone, Copy)]
pub struct PolicySummary {
    pub policies: usize,
    pub runs: usize,
    pub entitled: usize,
    pub total: Money,
}

pub async fn seed_policies(db: &Db) -> Result<PolicySummary> {
    let mut summary = PolicySummary::default();
    let mut ids = Vec::new();
    for (code, title, doc, eligible, amount, firm_cap, yearly_cap, body) in MEASURES {
        let input = PolicyInput {
            code: code.into(),
            title: title.into(),
            issuer: "兰州市科学技术局".into(),
            doc_number: doc.into(),
            issued_on: day(YEAR, 2, 20),
            effective_from: day(YEAR, 1, 1),
            effective_to: day(YEAR + 2, 12, 31),
            body: body.into(),
            rule: PolicyRule {
                eligible: eligible.into(),
                amount: amount.into(),
                firm_cap: firm_cap.map(Money::from_wan),
                programme_cap: yearly_cap.map(Money::from_wan),
            },
        };
        ids.push(policies::create(db, &input, MAKER).await?);
    }
    summary.policies = ids.len();
    // the old way: the first two enterprises growing their R&D applied and were paid
    let growth = ids[2];
    let policy = policies::get(db, growth).await?;
    let early = runs::assess(db, &policy, policy.version, YEAR, None).await?;
    for (i, l) in early.iter().take(2).enumerate() {
        let reference = format!("兰科财〔{YEAR}〕{}号", 40 + i);
        payments::record_application(
            db,
            growth,
            YEAR,
            l.enterprise.id,
            l.assessment.amount,
            &reference,
            MAKER,
        )
        .await?;
    }
    for id in ids {
        let run = runs::run(db, id, YEAR, MAKER).await?;
        runs::check(db, run, true, "经核对，名单与统计报表、资质认定、合同登记数据一致。", CHECKER)
            .await?;
        runs::publish(db, run, CHECKER).await?;
        let r = runs::get_run(db, run).await?;
        summary.runs += 1;
        summary.entitled += r.entitled as usize;
        summary.total = summary.total.checked_add(r.total).unwrap_or(Money::MAX);
        confirm_some_accounts(db, run).await?;
    }
    Ok(summary)
}

/// Every third enterprise on a list confirms its account.
async fn confirm_some_accounts(db: &Db, run: i64) -> Result<()> {
    for (i, line) in payments::lines(db, run).await?.into_iter().enumerate() {
        if i % 3 != 0 || line.status != payments::LineStatus::Listed {
            continue;
        }
        let account = Account {
            holder: line.organisation.clone(),
            bank: "兰州银行股份有限公司高新区支行".into(),
            number: format!("10103{:011}", line.organisation_id),
        };
        payments::confirm_account(db, run, line.organisation_id, &account, FIRM).await?;
    }
    Ok(())
}
