//! The demo's service providers: the service organisations registered by the bureau (one still
//! waiting, one suspended) and the university's testing centre, each with accreditations and a
//! catalogue of real services; a year of orders from enterprises in every state, the finished
//! ones with their report (a real PDF) and most of them rated; ratings of used instrument
//! bookings — written through the store with the clock set to when each step happened.
use super::Lcg;
use super::sharing::set_clock;
use chrono::{Duration, NaiveDateTime};
use innocity_core::projects::money::Money;
use innocity_core::sharing::services::{
    Accreditation, OrderAction, OrderInput, Profile, Rating, ServiceInput,
};
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::orgs::Actor;
use innocity_store::rows::Count;
use innocity_store::sharing::{self as store, Booker, OrderStep, Rated};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "demo", request_id: "demo" };

/// What the provider seeding made.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProviderSummary {
    pub providers: usize,
    pub services: usize,
    pub orders: usize,
    pub ratings: usize,
}

/// A service of the demo catalogues: name, kind, price in 元 (none: by the rule), unit, rule,
/// turnaround in working days.
type Offer = (&'static str, &'static str, Option<i64>, &'static str, &'static str, u32);

const OFFERS: [Offer; 14] = [
    ("金属材料化学成分分析", "testing", Some(380), "每个样品", "", 5),
    ("水质全分析（GB 5749 全项）", "testing", Some(2800), "每个样品", "", 10),
    ("食品中农药残留检测", "testing", Some(650), "每个样品", "多残留筛查另计", 7),
    ("电磁兼容（EMC）预测试", "testing", Some(1500), "每小时", "", 3),
    ("有色金属矿石多元素分析", "testing", Some(420), "每个样品", "", 5),
    ("X射线衍射物相分析", "instrument", Some(300), "每个样品", "", 4),
    ("扫描电镜形貌观察（含制样）", "instrument", Some(600), "每小时", "", 3),
    ("中试工艺设计", "rd", None, "", "按工作量面议，签订技术服务合同", 30),
    ("产品结构设计与有限元仿真", "rd", None, "", "按设计工时计价", 20),
    ("科技成果评价", "transfer", None, "", "按评价标的额分档收费", 15),
    ("专利检索与查新", "ip", Some(1200), "每项", "", 7),
    ("专利导航分析", "ip", None, "", "按产业领域与报告深度报价", 30),
    ("高新技术企业认定辅导", "certification", None, "", "按企业规模分档收费", 60),
    ("ISO 9001 质量管理体系认证咨询", "certification", Some(18000), "每项", "", 45),
];

const SUMMARIES: [&str; 4] = [
    "面向兰白科技创新改革试验区企业，提供检验检测、分析测试与技术咨询服务，出具具有 CMA 标志的检测报告。",
    "科技服务综合机构，服务涵盖研发设计、成果评价与知识产权，长期服务有色冶金、精细化工与新材料企业。",
    "第三方检测实验室，拥有原子吸收、ICP-OES、气相色谱-质谱联用等设备，承接政府抽检与企业委托检测。",
    "技术转移与知识产权服务机构，提供专利检索、专利导航、技术合同登记咨询与高企认定辅导。",
];

const REQUIREMENTS: [&str; 6] = [
    "按国家标准检测，出具正式报告",
    "测定样品中铜、锌、铅、镉含量",
    "新产品上市前的型式检验",
    "对比两批原料的成分差异",
    "申报高新技术企业所需的第三方报告",
    "配合项目验收提供测试数据",
];

const COMMENTS: [&str; 6] = [
    "报告及时，数据清楚，沟通顺畅。",
    "价格合理，技术人员很专业。",
    "周期比约定晚了两天，其他满意。",
    "送样指导细致，结果复核及时。",
    "服务规范，报告格式符合验收要求。",
    "整体满意，希望增加加急服务。",
];

async fn ids(db: &Db, sql: &str) -> Result<Vec<i64>> {
    db.read(sql, vec![], |r| r.int(0)).await
}

/// A small real PDF: the order's report (ASCII text: the built-in fonts have no Chinese).
pub fn report_pdf(title: &str) -> Vec<u8> {
    let text = format!("BT /F1 14 Tf 72 760 Td ({title}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// Registers the providers with their profiles, accreditations and catalogues; the services
/// offered, by provider.
async fn register(
    db: &Db,
    rng: &mut Lcg,
    sum: &mut ProviderSummary,
) -> Result<Vec<(i64, Vec<i64>)>> {
    let mut orgs =
        ids(db, "SELECT id FROM organisations WHERE kind = 'service_provider' ORDER BY id").await?;
    let lab = ids(
        db,
        "SELECT organisation_id FROM users WHERE username = 'lab' AND organisation_id IS NOT NULL",
    )
    .await?;
    orgs.extend(lab);
    let today = db.clock.today();
    let n = orgs.len();
    let mut offered = Vec::new();
    for (k, org) in orgs.into_iter().enumerate() {
        let mut picks: Vec<&Offer> = (0..3 + rng.next() % 4).map(|_| rng.pick(&OFFERS)).collect();
        picks.sort_by_key(|o| o.0);
        picks.dedup_by_key(|o| o.0);
        let mut kinds: Vec<String> = picks.iter().map(|o| o.1.to_string()).collect();
        kinds.sort();
        kinds.dedup();
        let profile = Profile { summary: rng.pick(&SUMMARIES).to_string(), kinds };
        store::save_profile(db, org, &profile, ACTOR).await?;
        let mut services = Vec::new();
        for o in &picks {
            let s = ServiceInput {
                name: o.0.into(),
                kind: o.1.into(),
                description: String::new(),
                price: o.2.map(Money::from_yuan),
                unit: o.3.into(),
                price_rule: o.4.into(),
                turnaround_days: o.5,
            };
            services.push(store::add_service(db, org, &s, ACTOR).await?);
        }
        sum.services += services.len();
        for (kind, days) in
            [("cma", 400 + (k as i64 * 37) % 700), ("cnas", -30)].iter().take(1 + k % 2)
        {
            let a = Accreditation {
                kind: (*kind).into(),
                number: format!(
                    "{}{:08}",
                    if *kind == "cma" { "2362" } else { "CNAS L" },
                    1000 + k
                ),
                scope: "化学分析、材料检测".into(),
                valid_until: today + Duration::days(*days),
            };
            store::add_accreditation(db, org, &a, ACTOR).await?;
        }
        // the last service organisation still waits; the one before it is suspended
        if k + 2 == n {
            continue;
        }
        store::decide_provider(db, org, true, "", ACTOR).await?;
        if k + 3 == n && n > 3 {
            let why = "CMA 资质证书已过期，未按期提交换证材料。";
            store::decide_provider(db, org, false, why, ACTOR).await?;
            continue;
        }
        sum.providers += 1;
        offered.push((org, services));
    }
    Ok(offered)
}

/// Moves the platform's clock to `to` (the seeding puts it back at the end).
fn at(db: &Db, to: NaiveDateTime, shifted: &mut Duration) {
    set_clock(db, to, shifted);
}

fn step(action: OrderAction, fee: Option<Money>, reason: &str) -> OrderStep {
    OrderStep { action, fee, reason: reason.into() }
}

/// One order, taken as far as `fate` says, each step a day or two after the last.
async fn one_order(
    db: &Db,
    files: &std::path::Path,
    rng: &mut Lcg,
    (service, customer): (i64, Booker),
    (placed, age_days): (NaiveDateTime, i64),
    shifted: &mut Duration,
) -> Result<()> {
    at(db, placed, shifted);
    let input = OrderInput {
        samples: format!("样品 {} 件，快递寄送", 1 + rng.next() % 6),
        quantity: (1 + rng.next() % 6) as u32,
        requirements: rng.pick(&REQUIREMENTS).to_string(),
    };
    let id = store::place_order(db, service, customer, &input, ACTOR).await?;
    let fate = rng.next() % 100;
    // recent orders are still under way (a step takes up to two days, none lies ahead of
    // today); older ones ran their course
    let stop = if age_days < 12 { ((age_days / 3) as u64).min(fate % 5) } else { 4 };
    let quote = store::order(db, id).await?.and_then(|o| o.quote).unwrap_or(Money::from_yuan(5000));
    let mut t = placed;
    let mut next = |db: &Db, shifted: &mut Duration| {
        t += Duration::hours(20 + (fate as i64 % 30));
        at(db, t, shifted);
    };
    if fate < 8 && stop >= 1 {
        next(db, shifted);
        let why = "该项目超出本机构资质认定范围，建议委托具备相应资质的机构。";
        store::step_order(db, id, &step(OrderAction::Refuse, None, why), ACTOR).await?;
        return Ok(());
    }
    if stop == 0 {
        return Ok(());
    }
    next(db, shifted);
    store::step_order(db, id, &step(OrderAction::Accept, Some(quote), ""), ACTOR).await?;
    if fate < 14 && stop >= 2 {
        next(db, shifted);
        store::step_order(db, id, &step(OrderAction::Cancel, None, "项目计划调整"), ACTOR).await?;
        return Ok(());
    }
    if stop == 1 {
        return Ok(());
    }
    next(db, shifted);
    store::step_order(db, id, &step(OrderAction::Receive, None, ""), ACTOR).await?;
    if stop == 2 {
        return Ok(());
    }
    next(db, shifted);
    let pdf = report_pdf(&format!("Test report No. BG-{id:06}"));
    store::attach_report(db, files, id, &format!("检测报告-BG{id:06}.pdf"), &pdf, ACTOR).await?;
    store::step_order(db, id, &step(OrderAction::Report, Some(quote), ""), ACTOR).await?;
    if stop == 3 {
        return Ok(());
    }
    next(db, shifted);
    store::step_order(db, id, &step(OrderAction::Complete, None, ""), ACTOR).await?;
    // most customers rate the work a day or two later
    if !fate.is_multiple_of(5) {
        next(db, shifted);
        store::rate(db, Rated::Order(id), &rating(rng), ACTOR).await?;
    }
    Ok(())
}

fn rating(rng: &mut Lcg) -> Rating {
    let score = [5, 5, 4, 4, 4, 3, 5, 2][(rng.next() % 8) as usize];
    Rating { score, comment: rng.pick(&COMMENTS).to_string() }
}

pub async fn seed_providers(db: &Db, files: &std::path::Path) -> Result<ProviderSummary> {
    let mut rng = Lcg(0x5e27_1ce5);
    let mut sum = ProviderSummary::default();
    let offered = register(db, &mut rng, &mut sum).await?;
    let customers: Vec<Booker> = db
        .read(
            "SELECT u.id, u.organisation_id FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE o.kind = 'enterprise' AND u.role IN ('org_admin', 'org_member') ORDER BY u.id",
            vec![],
            |r| Ok(Booker { user_id: r.int(0)?, organisation_id: r.int(1)? }),
        )
        .await?;
    let services: Vec<i64> = offered.iter().flat_map(|(_, s)| s.iter().copied()).collect();
    if customers.is_empty() || services.is_empty() {
        return Ok(sum);
    }
    let now = db.clock.now_local();
    let mut shifted = Duration::zero();
    for k in 0..80 {
        // a year of orders, the last fortnight's still under way
        let age = if k < 66 { 300 - k * 4 } else { 80 - k };
        let placed = now - Duration::days(age) - Duration::hours(k % 7);
        let who = (*rng.pick(&services), *rng.pick(&customers));
        let when = (placed, age);
        one_order(db, files, &mut rng, who, when, &mut shifted).await?;
        sum.orders += 1;
    }
    // a tenth of the used instrument bookings are rated the day after
    let used = db
        .read("SELECT id, ends_at FROM bookings WHERE status = 'used' ORDER BY id", vec![], |r| {
            Ok((r.int(0)?, r.int(1)?))
        })
        .await?;
    for (b, ends) in used.into_iter().filter(|(b, _)| b % 10 == 0) {
        let Some(end) = db.clock.local_of_ms(ends) else { continue };
        at(db, end + Duration::days(1), &mut shifted);
        store::rate(db, Rated::Booking(b), &rating(&mut rng), ACTOR).await?;
    }
    sum.ratings = Count::of(db.row("SELECT COUNT(*) FROM service_ratings", vec![]).await?) as usize;
    at(db, db.clock.now_local() - shifted, &mut Duration::zero());
    Ok(sum)
}
