//! The demo's financing demands and products (融资需求与金融产品): a guarantor and a venture
//! investor beside the three banks, each with its manager's account; seven products; forty
//! enterprises' loan, IP-pledge and equity needs (the `orgadmin` account's enterprise among
//! them); and follow-ups at every stage — applied, contacted, under due diligence, approved with
//! the amount, declined with the reason.
use super::fund::{BankSpec, seed_accounts, seed_financial};
use chrono::Duration;
use innocity_core::finance::financing::{
    DemandDraft, NeedKind, ProductDraft, ProductKind, Requirement, Side, Stage, StepDraft,
};
use innocity_core::projects::money::Money;
use innocity_store::Db;
use innocity_store::db::{Result, StoreError};
use innocity_store::finance::financing::{demands, followups, products};
use innocity_store::orgs::Actor;

/// The guarantor and the investor.
pub const INSTITUTIONS: [BankSpec; 2] = [
    BankSpec {
        name: "兰州科技融资担保有限公司",
        city: "620100",
        address: "兰州市城关区雁南路18号",
        contact: "魏经理",
        phone: "0931-8553000",
        username: "guarantor",
        manager: "兰州科技融资担保 业务部 魏经理",
        prefix: "兰科担",
    },
    BankSpec {
        name: "兰白科技创新创业投资基金管理有限公司",
        city: "620100",
        address: "兰州市安宁区万新路1号",
        contact: "苏总",
        phone: "0931-7662000",
        username: "investor",
        manager: "兰白科创投资基金 投资部 苏总",
        prefix: "兰白创投",
    },
];

/// A product of the demo: which institution (0–2 the banks, 3 the guarantor, 4 the investor),
/// kind, name, description, rate range (basis points), amounts (万元), terms, conditions.
struct Offer {
    by: usize,
    kind: ProductKind,
    name: &'static str,
    description: &'static str,
    rate_bp: Option<(u32, u32)>,
    wan: (i64, i64),
    months: Option<(u32, u32)>,
    requires: &'static [Requirement],
}

const OFFERS: [Offer; 7] = [
    Offer {
        by: 0,
        kind: ProductKind::Loan,
        name: "兰银科技贷",
        description: "风险补偿资金池支持的信用贷款，科技型中小企业免抵押，随借随还。",
        rate_bp: Some((345, 435)),
        wan: (50, 1_000),
        months: Some((6, 36)),
        requires: &[Requirement::TechSme, Requirement::CleanCredit],
    },
    Offer {
        by: 0,
        kind: ProductKind::IpPledge,
        name: "兰银知识产权质押贷",
        description: "以发明专利、实用新型专利质押，评估值五折授信，知识产权质押风险补偿资金池分担损失。",
        rate_bp: Some((365, 475)),
        wan: (100, 1_000),
        months: Some((12, 36)),
        requires: &[Requirement::CleanCredit],
    },
    Offer {
        by: 1,
        kind: ProductKind::Loan,
        name: "甘银高企信用贷",
        description: "面向高新技术企业的纯信用贷款，审批时限不超过10个工作日。",
        rate_bp: Some((385, 520)),
        wan: (10, 300),
        months: Some((3, 24)),
        requires: &[Requirement::HighTech],
    },
    Offer {
        by: 2,
        kind: ProductKind::Loan,
        name: "白银农商普惠科创贷",
        description: "面向科技贷白名单企业的普惠贷款，可线上申请。",
        rate_bp: Some((400, 550)),
        wan: (10, 200),
        months: Some((6, 24)),
        requires: &[Requirement::WhiteList],
    },
    Offer {
        by: 3,
        kind: ProductKind::Guarantee,
        name: "科技担保通",
        description: "为科技型企业银行贷款提供连带责任保证，担保费率不高于1.5%，政府补贴后不高于1%。",
        rate_bp: Some((100, 150)),
        wan: (50, 1_000),
        months: Some((6, 36)),
        requires: &[Requirement::CleanCredit],
    },
    Offer {
        by: 4,
        kind: ProductKind::Equity,
        name: "兰白科创天使基金",
        description: "投资种子期、初创期科技企业，单笔投资不超过被投企业总股本的30%。",
        rate_bp: None,
        wan: (200, 3_000),
        months: None,
        requires: &[],
    },
    Offer {
        by: 4,
        kind: ProductKind::Equity,
        name: "兰白成长期投资",
        description: "投资成长期高新技术企业，重点支持新材料、生物医药、先进装备。",
        rate_bp: None,
        wan: (1_000, 5_000),
        months: None,
        requires: &[Requirement::HighTech],
    },
];

/// What enterprises need the money for.
const PURPOSES: [&str; 10] = [
    "购置中试生产线设备，扩大锂电池正极材料产能",
    "新建研发中心实验室，购置分析检测仪器",
    "补充流动资金，采购原材料以履行已签订的技术合同",
    "开展新产品临床前研究及注册检验",
    "数控机床智能化改造及工业软件升级",
    "建设稀土功能材料产业化示范线",
    "扩大中药配方颗粒生产规模",
    "研发高性能镍基合金并实现小批量生产",
    "建设光伏组件回收处理中试线",
    "引进研发团队，开展核心技术攻关",
];

/// What the seeding made.
#[derive(Debug, Default, Clone)]
pub struct FinancingSummary {
    pub institutions: usize,
    pub accounts: Vec<String>,
    pub products: usize,
    pub demands: usize,
    pub followups: usize,
    pub approved: usize,
}

fn actor(username: &'static str) -> Actor<'static> {
    Actor { user_id: 0, username, request_id: "demo" }
}

/// A need of the `i`-th enterprise: mostly loans, some IP pledges, some equity.
fn need(i: usize, today: chrono::NaiveDate) -> DemandDraft {
    let kind = match i % 5 {
        3 => NeedKind::IpPledge,
        4 => NeedKind::Equity,
        _ => NeedKind::Loan,
    };
    let wan = [300, 150, 800, 500, 1_200, 60, 2_000, 250][i % 8];
    DemandDraft {
        kind,
        amount: Money::from_wan(if kind == NeedKind::Equity { wan * 2 } else { wan }),
        term_months: kind.has_term().then_some([12, 24, 36, 18][i % 4]),
        purpose: PURPOSES[i % PURPOSES.len()].into(),
        collateral: match kind {
            NeedKind::IpPledge => "发明专利质押".into(),
            NeedKind::Equity => String::new(),
            NeedKind::Loan => ["信用", "房产抵押", "担保公司保证"][i % 3].into(),
        },
        valid_until: today + Duration::days(60 + (i as i64 * 7) % 120),
    }
}

/// The demo's institutions, products, demands and follow-ups (after the banks are seeded).
pub async fn seed_financing(db: &Db, banks: &[i64]) -> Result<FinancingSummary> {
    let today = db.clock.today();
    let others = seed_financial(db, &INSTITUTIONS, 9_000_100).await?;
    let accounts = seed_accounts(db, &INSTITUTIONS, &others).await?;
    let by: Vec<(i64, &'static str)> = banks
        .iter()
        .zip(super::fund::BANKS.iter().map(|b| b.username))
        .chain(others.iter().zip(INSTITUTIONS.iter().map(|b| b.username)))
        .map(|(id, user)| (*id, user))
        .collect();
    let mut offered = Vec::new();
    for o in &OFFERS {
        let (institution, user) = by.get(o.by).copied().ok_or(StoreError::NotFound)?;
        let draft = ProductDraft {
            kind: o.kind,
            name: o.name.into(),
            description: o.description.into(),
            rate_bp: o.rate_bp,
            amount_min: Money::from_wan(o.wan.0),
            amount_max: Money::from_wan(o.wan.1),
            term_months: o.months,
            requires: o.requires.to_vec(),
            valid_until: today + Duration::days(365),
        };
        let id = products::publish(db, institution, &draft, actor(user)).await?;
        offered.push((id, user));
    }
    let (enterprises, own) = askers(db).await?;
    let mut s = FinancingSummary {
        institutions: others.len(),
        accounts,
        products: offered.len(),
        ..FinancingSummary::default()
    };
    for (i, org) in enterprises.iter().enumerate() {
        // the `orgadmin` account acts for its own enterprise only; the others' by the demo
        let who = if i == 0 && own { "orgadmin" } else { "demo" };
        let id = demands::publish(db, *org, &need(i, today), actor(who)).await?;
        s.demands += 1;
        follow(db, id, i, &offered, actor(who), &mut s).await?;
    }
    Ok(s)
}

/// Forty enterprises, the `orgadmin` account's first (and whether it was found).
async fn askers(db: &Db) -> Result<(Vec<i64>, bool)> {
    let own = db
        .read(
            "SELECT organisation_id FROM users WHERE username = 'orgadmin' AND organisation_id IS NOT NULL",
            vec![],
            |r| r.int(0),
        )
        .await?;
    let mut out: Vec<i64> = own.clone();
    let rest = db
        .read(
            "SELECT id FROM organisations WHERE kind = 'enterprise' ORDER BY id LIMIT 40",
            vec![],
            |r| r.int(0),
        )
        .await?;
    out.extend(rest.into_iter().filter(|id| !own.contains(id)));
    out.truncate(40);
    Ok((out, !own.is_empty()))
}

/// The follow-up of the `i`-th demand: by the first product that serves its kind, taken to a
/// stage that varies with `i`.
async fn follow(
    db: &Db,
    demand_id: i64,
    i: usize,
    offered: &[(i64, &'static str)],
    firm: Actor<'static>,
    s: &mut FinancingSummary,
) -> Result<()> {
    let d = demands::get(db, demand_id).await?.ok_or(StoreError::NotFound)?;
    let mut chosen = None;
    for (id, user) in offered {
        let p = products::get(db, *id).await?.ok_or(StoreError::NotFound)?;
        if p.kind.serves(d.kind) {
            chosen = Some((p, *user));
            break;
        }
    }
    let Some((p, user)) = chosen else { return Ok(()) };
    let approved = d.amount.min(p.amount_max);
    let plan: &[(Stage, &str)] = match i % 6 {
        0 => &[
            (Stage::Applied, "希望尽快安排客户经理对接"),
            (Stage::Contacted, "客户经理已电话联系，约定下周上门"),
            (Stage::DueDiligence, "已调取近三年财务报表和纳税记录"),
            (Stage::Approved, "授信审批通过，待签订借款合同"),
        ],
        1 => &[
            (Stage::Contacted, "主动联系企业，了解融资用途"),
            (Stage::Declined, "近两年经营性现金流为负，暂不符合授信条件；建议先申请科技担保"),
        ],
        2 => &[(Stage::Applied, "企业在线申请对接")],
        3 => {
            &[(Stage::Contacted, "已上门走访"), (Stage::DueDiligence, "正在评估专利价值和技术团队")]
        }
        _ => return Ok(()),
    };
    for (stage, note) in plan {
        let side = stage.side();
        let who = if side == Side::Enterprise { firm } else { actor(user) };
        let step = StepDraft {
            stage: *stage,
            note: (*note).into(),
            approved: (*stage == Stage::Approved).then_some(approved),
        };
        followups::take(db, &d, &p, side, &step, who).await?;
        s.approved += usize::from(*stage == Stage::Approved);
    }
    s.followups += 1;
    Ok(())
}
