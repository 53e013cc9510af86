//! The demo's shared instruments: some three hundred instruments of the universities, institutes,
//! hospitals and the provincial testing centre, with a year of bookings written through the
//! same store functions users call (the clock set to the time each was made), their use and
//! fees, refusals, cancellations and no-shows, the coming fortnight's requests, and maintenance.
use super::{DEMO_PASSWORD, Lcg};
use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime};
use innocity_core::access::Role;
use innocity_core::projects::money::Money;
use innocity_core::sharing::booking::Span;
use innocity_core::sharing::instruments::{BookingRules, InstrumentInput, OpeningHours, Prices};
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::orgs::Actor;
use innocity_store::sharing::{self as store, Booker, BookingRequest, Usage};
use innocity_store::users::{self, NewUser};

/// What the sharing seeding made.
#[derive(Debug, Default, Clone, Copy)]
pub struct SharingSummary {
    pub instruments: usize,
    pub bookings: usize,
    pub used: usize,
}

/// Instrument types: name, category, value range in 万元, enterprise price in 元 an hour,
/// model and maker, main parameters.
type Kind = (&'static str, &'static str, (i64, i64), i64, &'static str, &'static str);
const KINDS: [Kind; 24] = [
    (
        "场发射扫描电子显微镜",
        "analysis",
        (280, 520),
        450,
        "Apreo 2S · 赛默飞世尔",
        "分辨率 0.9 nm@15 kV，配能谱仪",
    ),
    (
        "透射电子显微镜",
        "analysis",
        (800, 1500),
        900,
        "Talos F200X · 赛默飞世尔",
        "点分辨率 0.25 nm，加速电压 200 kV",
    ),
    (
        "X射线衍射仪",
        "analysis",
        (80, 220),
        250,
        "SmartLab 9kW · 理学",
        "测角仪半径 300 mm，2θ 范围 -3°~160°",
    ),
    (
        "核磁共振波谱仪",
        "analysis",
        (300, 800),
        500,
        "AVANCE NEO 600 · 布鲁克",
        "600 MHz，配超低温探头",
    ),
    (
        "液相色谱-质谱联用仪",
        "analysis",
        (150, 400),
        380,
        "Q Exactive · 赛默飞世尔",
        "分辨率 140,000，质量精度 <1 ppm",
    ),
    (
        "气相色谱-质谱联用仪",
        "analysis",
        (60, 150),
        260,
        "7890B-5977B · 安捷伦",
        "质量范围 1.6~1050 u",
    ),
    (
        "电感耦合等离子体质谱仪",
        "analysis",
        (100, 250),
        320,
        "iCAP RQ · 赛默飞世尔",
        "检出限 ppt 级，70 余种元素",
    ),
    (
        "X射线光电子能谱仪",
        "analysis",
        (400, 900),
        600,
        "ESCALAB Xi+ · 赛默飞世尔",
        "能量分辨率 0.45 eV",
    ),
    (
        "激光共聚焦显微镜",
        "medical",
        (150, 400),
        300,
        "LSM 980 · 蔡司",
        "四激光器，光谱检测 32 通道",
    ),
    ("流式细胞仪", "medical", (80, 300), 260, "CytoFLEX S · 贝克曼", "四激光 13 色"),
    ("高通量测序仪", "medical", (200, 600), 650, "NovaSeq 6000 · Illumina", "单次通量 6 Tb"),
    (
        "万能材料试验机",
        "physical",
        (30, 120),
        160,
        "5985 · 英斯特朗",
        "最大载荷 250 kN，高低温箱 -70~350 ℃",
    ),
    (
        "同步热分析仪",
        "physical",
        (50, 100),
        150,
        "STA 449 F3 · 耐驰",
        "室温~1550 ℃，TG 分辨率 0.1 μg",
    ),
    (
        "比表面积及孔隙度分析仪",
        "physical",
        (40, 90),
        150,
        "ASAP 2460 · 麦克默瑞提克",
        "比表面 0.0005 m²/g 起",
    ),
    ("原子力显微镜", "physical", (100, 300), 320, "Dimension Icon · 布鲁克", "噪声水平 <30 pm"),
    (
        "高性能计算集群",
        "computing",
        (500, 2000),
        80,
        "国产 x86 计算节点 128 个",
        "峰值 1.2 PFlops，按节点小时计费",
    ),
    ("矢量网络分析仪", "electronic", (80, 200), 220, "ZNA67 · 罗德与施瓦茨", "10 MHz~67 GHz"),
    ("三维激光扫描仪", "earth", (60, 150), 200, "RTC360 · 徕卡", "测距 130 m，精度 1.9 mm@10 m"),
    ("探地雷达", "earth", (50, 120), 200, "SIR-4000 · GSSI", "天线 100 MHz~2.6 GHz"),
    ("飞秒激光器", "laser", (200, 500), 420, "Astrella · 相干", "脉宽 <35 fs，单脉冲 7 mJ"),
    (
        "高纯锗γ谱仪",
        "nuclear",
        (80, 200),
        300,
        "GEM-C5060 · ORTEC",
        "相对效率 50%，能量分辨率 1.9 keV",
    ),
    (
        "工业CT",
        "special",
        (300, 800),
        520,
        "phoenix v|tome|x · 贝克休斯",
        "微焦点 300 kV，分辨率 2 μm",
    ),
    ("超声相控阵检测仪", "special", (20, 60), 120, "OmniScan X3 · 奥林巴斯", "64 阵元，TFM 全聚焦"),
    ("中试反应釜系统", "process", (60, 200), 220, "50 L 多功能反应釜", "-80~250 ℃，压力 0~10 MPa"),
];

/// Researchers who book (people of the demo's universities, institutes and firms).
const BOOKERS: [&str; 8] = [
    "兰州理工大学 材料学院 赵博士",
    "西北师范大学 化学化工学院 孙老师",
    "中国科学院近代物理研究所 何研究员",
    "甘肃农业大学 食品学院 郭老师",
    "兰州城市学院 培黎学院 罗老师",
    "甘肃省农业科学院 植保所 高研究员",
    "兰州交通大学 土木学院 周博士",
    "甘肃中医药大学 药学院 吴老师",
];

const PURPOSES: [&str; 8] = [
    "锂电池正极材料形貌与元素分布表征",
    "稀土永磁材料物相分析",
    "中药材有效成分定量检测",
    "镍基合金焊接接头力学性能测试",
    "催化剂比表面积与孔径分布测定",
    "马铃薯淀粉结构表征",
    "黄河兰州段沉积物重金属检测",
    "光伏组件封装材料热稳定性分析",
];

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "demo", request_id: "demo" };

fn wan(w: i64) -> Money {
    Money::from_wan(w)
}

/// An instrument of kind `k` for its owner, its value drawn in the kind's range.
fn instrument(rng: &mut Lcg, owner_code: &str, n: usize, k: &Kind) -> InstrumentInput {
    let (lo, hi) = k.2;
    let value = lo + (rng.next() as i64) % (hi - lo + 1);
    let price = Money::from_yuan(k.3);
    let (model, maker) = k.4.split_once(" · ").unwrap_or((k.4, ""));
    let approval = !rng.next().is_multiple_of(3);
    InstrumentInput {
        code: format!("{owner_code}-{:04}", n + 1),
        name: k.0.to_string(),
        category: k.1.to_string(),
        model: model.to_string(),
        maker: maker.to_string(),
        value: wan(value),
        location: format!("{}号楼 {}室", 1 + rng.next() % 9, 100 + rng.next() % 420),
        parameters: k.5.to_string(),
        contact: format!(
            "{}老师 0931-{:07}",
            ["王", "李", "马", "杨", "陈"][n % 5],
            rng.next() % 10_000_000
        ),
        hours: OpeningHours {
            opens: NaiveTime::from_hms_opt(8, 30, 0).unwrap_or(NaiveTime::MIN),
            closes: NaiveTime::from_hms_opt(if n.is_multiple_of(4) { 21 } else { 17 }, 30, 0)
                .unwrap_or(NaiveTime::MIN),
            days: if n.is_multiple_of(5) {
                [true; 7]
            } else {
                [true, true, true, true, true, false, false]
            },
        },
        prices: Prices {
            own: Money(price.fen() / 3),
            academic: Money(price.fen() * 2 / 3),
            enterprise: price,
            voucher: Money(price.fen() * 9 / 10),
        },
        rules: BookingRules {
            min_minutes: 30,
            max_minutes: 480,
            notice_hours: if approval { 24 } else { 4 },
            buffer_minutes: [0, 15, 30][n % 3],
            approval,
            quota_day: None,
            quota_week: n.is_multiple_of(6).then_some(960),
            quota_month: None,
            cancel_hours: 24,
        },
    }
}

/// The owners (universities, institutes, hospitals, the testing centre) and their codes.
async fn owners(db: &Db) -> Result<Vec<(i64, String)>> {
    db.read(
        "SELECT id, name FROM organisations WHERE kind IN ('university', 'institute', 'hospital') OR name = '甘肃省分析测试中心' ORDER BY id",
        vec![],
        |r| Ok((r.int(0)?, format!("SB{:03}", r.int(0)?))),
    )
    .await
}

/// Accounts of researchers who book, each at an organisation of the demo.
async fn bookers(db: &Db) -> Result<Vec<Booker>> {
    let mut out = Vec::new();
    for (n, name) in BOOKERS.iter().enumerate() {
        // the organisation is the name's first word
        let org_name = name.split(' ').next().unwrap_or_default();
        let found = db
            .read("SELECT id FROM organisations WHERE name = ?", vec![org_name.into()], |r| {
                r.int(0)
            })
            .await?;
        let Some(org) = found.first().copied() else { continue };
        let username = format!("researcher{}", n + 1);
        let user = users::add(
            db,
            &NewUser {
                username: &username,
                display_name: name,
                password: DEMO_PASSWORD,
                role: Role::OrgMember,
                org_unit_id: None,
                organisation_id: Some(org),
            },
            "system",
            "demo",
        )
        .await?;
        out.push(Booker { user_id: user.id, organisation_id: org });
    }
    for username in ["orgadmin", "member", "orgadmin2"] {
        let found = db
            .read(
                "SELECT id, organisation_id FROM users WHERE username = ? AND organisation_id IS NOT NULL",
                vec![username.into()],
                |r| Ok(Booker { user_id: r.int(0)?, organisation_id: r.int(1)? }),
            )
            .await?;
        out.extend(found);
    }
    Ok(out)
}

/// Sets the clock to a local time (the seeding moves it, and puts it back at the end).
pub(crate) fn set_clock(db: &Db, to: NaiveDateTime, shifted: &mut Duration) {
    let by = to - db.clock.now_local();
    db.clock.advance(by);
    *shifted += by;
}

/// A booking of instrument `ins` drawn on `day` within its hours; `None` on a closed day.
fn slot(rng: &mut Lcg, ins: &InstrumentInput, day: chrono::NaiveDate) -> Option<Span> {
    if !ins.hours.is_open_on(day.weekday()) {
        return None;
    }
    let open = (ins.hours.closes - ins.hours.opens).num_minutes();
    let length = 30 * (2 + (rng.next() % 5) as i64);
    let room = (open - length) / 30;
    if room < 0 {
        return None;
    }
    let start =
        day.and_time(ins.hours.opens) + Duration::minutes(30 * (rng.next() as i64 % (room + 1)));
    Some(Span { start, end: start + Duration::minutes(length) })
}

/// The owners' instruments, recorded before the year of bookings began.
async fn catalogue(db: &Db, rng: &mut Lcg) -> Result<Vec<(i64, InstrumentInput)>> {
    let mut all = Vec::new();
    let mut recorded = Duration::zero();
    set_clock(db, db.clock.now_local() - Duration::days(400), &mut recorded);
    for (owner, code) in owners(db).await? {
        let n = 10 + (rng.next() % 12) as usize;
        let items: Vec<InstrumentInput> = (0..n)
            .map(|i| {
                let kind = rng_kind(rng);
                instrument(rng, &code, i, kind)
            })
            .collect();
        let ids = store::add_instruments(db, owner, &items, ACTOR).await?;
        all.extend(ids.into_iter().zip(items));
    }
    set_clock(db, db.clock.now_local() - recorded, &mut Duration::zero());
    Ok(all)
}

/// A year of bookings of each instrument: requested, answered hours later, some refused or
/// cancelled; the rest (with the campaigns) to be used, as `(booking, span, fate)`.
async fn year_of_bookings(
    db: &Db,
    rng: &mut Lcg,
    all: &[(i64, InstrumentInput)],
    bookers: &[Booker],
    shifted: &mut Duration,
    summary: &mut SharingSummary,
) -> Result<Vec<(i64, Span, u64)>> {
    let today = db.clock.today();
    let mut past = Vec::new();
    for (k, (id, ins)) in all.iter().enumerate() {
        let times = if k % 7 == 0 { 24 } else { 2 + k % 3 };
        for _ in 0..times {
            let day = today - Duration::days(1 + (rng.next() % 360) as i64);
            let Some(span) = slot(rng, ins, day) else { continue };
            let who = *rng.pick(bookers);
            let asked = span.start - Duration::hours(i64::from(ins.rules.notice_hours) + 3);
            set_clock(db, asked, shifted);
            let req = BookingRequest {
                instrument_id: *id,
                span,
                purpose: rng.pick(&PURPOSES).to_string(),
                samples: String::new(),
                voucher: None,
            };
            let Ok(b) = store::book(db, &req, who, ACTOR).await else { continue };
            summary.bookings += 1;
            let fate = rng.next() % 100;
            if ins.rules.approval {
                // the owner answers within a few hours, or the next day
                let later = Duration::minutes((20 + rng.next() % (26 * 60)) as i64);
                set_clock(db, db.clock.now_local() + later, shifted);
                if fate < 6 {
                    let why = "该时段已安排校内教学实验，请改约其他时间。";
                    store::decide(db, b, false, why, ACTOR).await?;
                    continue;
                }
                store::decide(db, b, true, "", ACTOR).await?;
            }
            if fate < 10 {
                store::cancel(db, b, false, "样品未按期制备完成。", ACTOR).await?;
                continue;
            }
            past.push((b, span, fate));
        }
    }
    let before = past.len();
    campaigns(db, rng, all, bookers, shifted, &mut past).await?;
    summary.bookings += past.len() - before;
    Ok(past)
}

pub async fn seed_sharing(db: &Db) -> Result<SharingSummary> {
    let mut rng = Lcg(0x5eed_0017);
    let mut summary = SharingSummary::default();
    let all = catalogue(db, &mut rng).await?;
    summary.instruments = all.len();
    let bookers = bookers(db).await?;
    if bookers.is_empty() {
        return Ok(summary);
    }
    let mut shifted = Duration::zero();
    let past = year_of_bookings(db, &mut rng, &all, &bookers, &mut shifted, &mut summary).await?;
    set_clock(db, db.clock.now_local() - shifted, &mut Duration::zero());
    for (b, span, fate) in past {
        if fate >= 96 {
            store::no_show(db, b, ACTOR).await?;
            continue;
        }
        let late = Duration::minutes([0, 0, 5, 10, -5][(fate % 5) as usize]);
        let over = Duration::minutes(if fate % 9 == 0 { 30 } else { 0 });
        let usage = Usage {
            actual: Span { start: span.start + late, end: span.end + over },
            operator: "仪器管理员".into(),
            result: format!("测试数据及报告 BG{}-{b:05}", span.start.year()),
        };
        store::close(db, b, &usage, ACTOR).await?;
        summary.used += 1;
    }
    upcoming(db, &mut rng, &all, &bookers, &mut summary).await?;
    Ok(summary)
}

/// Heavy use of some owners' instruments: firms' measurement campaigns booking whole working
/// days through the year (so the open-sharing evaluation sees owners of every grade).
async fn campaigns(
    db: &Db,
    rng: &mut Lcg,
    all: &[(i64, InstrumentInput)],
    bookers: &[Booker],
    shifted: &mut Duration,
    past: &mut Vec<(i64, Span, u64)>,
) -> Result<()> {
    let today = db.clock.today();
    let mut owners: Vec<String> = Vec::new();
    // the first instrument without a weekly quota of every third owner, with the share of days
    // its campaign books
    let mut heavy = Vec::new();
    for (id, ins) in all.iter().filter(|(_, ins)| ins.rules.quota_week.is_none()) {
        let owner = ins.code.split('-').next().unwrap_or_default().to_string();
        let first = !owners.contains(&owner);
        if first {
            owners.push(owner);
        }
        let o = owners.len() - 1;
        if !o.is_multiple_of(3) || !first {
            continue;
        }
        let share = [70, 40, 20][(o / 3) % 3];
        heavy.push((id, ins, share));
    }
    for (n, (id, ins, share)) in heavy.into_iter().enumerate() {
        let who = bookers[n % bookers.len()];
        for back in (2..=360).rev() {
            let day = today - Duration::days(back);
            if !ins.hours.is_open_on(day.weekday()) || rng.next() % 100 >= share {
                continue;
            }
            let start = day.and_time(ins.hours.opens);
            let end = (start + Duration::minutes(i64::from(ins.rules.max_minutes)))
                .min(day.and_time(ins.hours.closes));
            let span = Span { start, end };
            set_clock(db, start - Duration::days(3), shifted);
            let req = BookingRequest {
                instrument_id: *id,
                span,
                purpose: "企业新产品批量检测（长期测试任务）".into(),
                samples: String::new(),
                voucher: None,
            };
            let Ok(b) = store::book(db, &req, who, ACTOR).await else { continue };
            if ins.rules.approval {
                let later = Duration::minutes((30 + rng.next() % (30 * 60)) as i64);
                set_clock(db, db.clock.now_local() + later, shifted);
                store::decide(db, b, true, "", ACTOR).await?;
            }
            past.push((b, span, 50));
        }
    }
    Ok(())
}

fn rng_kind(rng: &mut Lcg) -> &'static Kind {
    &KINDS[(rng.next() as usize) % KINDS.len()]
}

/// The coming fortnight: requests for the owners to decide, approved bookings, and next
/// month's maintenance on a few instruments.
async fn upcoming(
    db: &Db,
    rng: &mut Lcg,
    all: &[(i64, InstrumentInput)],
    bookers: &[Booker],
    summary: &mut SharingSummary,
) -> Result<()> {
    let today = db.clock.today();
    for (k, (id, ins)) in all.iter().enumerate().filter(|(k, _)| k % 3 == 0) {
        let day = today + Duration::days(2 + (rng.next() % 12) as i64);
        let Some(span) = slot(rng, ins, day) else { continue };
        let who = *rng.pick(bookers);
        let req = BookingRequest {
            instrument_id: *id,
            span,
            purpose: rng.pick(&PURPOSES).to_string(),
            samples: "送样 3 件".into(),
            voucher: None,
        };
        let Ok(b) = store::book(db, &req, who, ACTOR).await else { continue };
        summary.bookings += 1;
        if ins.rules.approval && k % 2 == 0 {
            store::decide(db, b, true, "", ACTOR).await?;
        }
    }
    for (id, _) in all.iter().step_by(29) {
        let day = today + Duration::days(30);
        let span = Span {
            start: day.and_time(NaiveTime::MIN),
            end: (day + Duration::days(2)).and_time(NaiveTime::MIN),
        };
        store::add_blackout(db, *id, span, "年度保养与计量校准", ACTOR).await?;
    }
    Ok(())
}
