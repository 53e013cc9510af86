//! Demo data: the Lanzhou–Baiyin pilot zone (seed 004, 专栏5–8), organisations with valid credit
//! codes whose names come from real Chinese research keywords, and one account per role.
pub mod experts;
pub mod projects;

use innocity_core::access::Role;
use innocity_core::orgs::{CreditCode, OrgKind, UnitLevel};
use innocity_store::db::{Db, Result, StoreError};
use innocity_store::orgs::{self, OrgUnit};
use innocity_store::users::{self, NewUser};
use sea_orm::Value;

/// The demo password of every demo account.
pub const DEMO_PASSWORD: &str = "lanbai2026";

/// (code, zh, en, level, parent code)
const UNITS: &[(&str, &str, &str, UnitLevel, &str)] = &[
    ("620000", "甘肃省", "Gansu Province", UnitLevel::Province, ""),
    ("620100", "兰州市", "Lanzhou", UnitLevel::City, "620000"),
    ("620400", "白银市", "Baiyin", UnitLevel::City, "620000"),
    ("LZXQ", "兰州新区", "Lanzhou New Area", UnitLevel::Zone, "620100"),
    ("LZGX", "兰州高新区", "Lanzhou High-tech Zone", UnitLevel::Zone, "620100"),
    ("LZJJ", "兰州经济区", "Lanzhou Economic Zone", UnitLevel::Zone, "620100"),
    ("BYGX", "白银高新区", "Baiyin High-tech Zone", UnitLevel::Zone, "620400"),
    ("LZXQ-SH", "石化产业园区", "Petrochemical Park", UnitLevel::Park, "LZXQ"),
    ("LZXQ-ZB", "装备制造产业园区", "Equipment Manufacturing Park", UnitLevel::Park, "LZXQ"),
    ("LZGX-YT", "雁滩园区", "Yantan Park", UnitLevel::Park, "LZGX"),
    ("LZGX-YZ", "榆中园区", "Yuzhong Park", UnitLevel::Park, "LZGX"),
    ("LZGX-QLH", "七里河园区", "Qilihe Park", UnitLevel::Park, "LZGX"),
    ("LZGX-JZ", "九州园区", "Jiuzhou Park", UnitLevel::Park, "LZGX"),
    ("LZGX-HP", "和平园区", "Heping Park", UnitLevel::Park, "LZGX"),
    ("LZJJ-AN", "安宁园区", "Anning Park", UnitLevel::Park, "LZJJ"),
    ("LZJJ-JCB", "机场北高新园区", "Airport North High-tech Park", UnitLevel::Park, "LZJJ"),
    ("LZJJ-XG", "西固园区", "Xigu Park", UnitLevel::Park, "LZJJ"),
    ("LZJJ-HG", "红古园区", "Honggu Park", UnitLevel::Park, "LZJJ"),
    ("LZJJ-GL", "皋兰园区", "Gaolan Park", UnitLevel::Park, "LZJJ"),
    ("BYGX-BB", "白银高新区本部园区", "Baiyin High-tech Main Park", UnitLevel::Park, "BYGX"),
    ("BYGX-YD", "银东工业园区", "Yindong Industrial Park", UnitLevel::Park, "BYGX"),
    ("BYGX-YX", "银西工业园区", "Yinxi Industrial Park", UnitLevel::Park, "BYGX"),
    ("BYGX-LC", "刘川工业园区", "Liuchuan Industrial Park", UnitLevel::Park, "BYGX"),
    ("BYGX-PC", "平川工业园区", "Pingchuan Industrial Park", UnitLevel::Park, "BYGX"),
    ("BYGX-ZL", "正路工业园区", "Zhenglu Industrial Park", UnitLevel::Park, "BYGX"),
    ("BYGX-HN", "会宁工业园区", "Huining Industrial Park", UnitLevel::Park, "BYGX"),
];

const UNIVERSITIES: &[&str] = &[
    "兰州大学",
    "兰州理工大学",
    "兰州交通大学",
    "西北师范大学",
    "甘肃农业大学",
    "兰州城市学院",
    "兰州财经大学",
    "甘肃中医药大学",
];
const INSTITUTES: &[&str] = &[
    "中国科学院兰州化学物理研究所",
    "中国科学院近代物理研究所",
    "中国科学院西北生态环境资源研究院",
    "甘肃省科学院",
    "甘肃省农业科学院",
    "白银有色金属研究院",
    "兰州石化研究院",
];
const HOSPITALS: &[&str] =
    &["兰州大学第一医院", "兰州大学第二医院", "甘肃省人民医院", "白银市第一人民医院"];
const PROVIDERS: &[&str] = &[
    "兰白科技大市场服务中心",
    "甘肃省分析测试中心",
    "兰州技术转移中心",
    "白银科技金融服务中心",
    "兰州知识产权服务中心",
];
/// A company-name ending that fits the technology word (a battery maker is not a biotech firm).
fn suffix_for(keyword: &str, pick: u64) -> &'static str {
    let has = |xs: &[&str]| xs.iter().any(|x| keyword.contains(x));
    if has(&["生物", "药", "疫苗", "诊断", "医"]) {
        ["生物科技有限公司", "医药股份有限公司"][(pick % 2) as usize]
    } else if has(&["材料", "合金", "纤维", "涂层", "薄膜", "稀土", "钢", "复合", "冶金"])
    {
        ["新材料有限公司", "材料科技股份有限公司"][(pick % 2) as usize]
    } else if has(&["信息", "网络", "软件", "芯片", "电子", "光纤"]) {
        ["信息技术有限公司", "电子科技有限公司"][(pick % 2) as usize]
    } else if has(&["控制", "数控", "机器人", "焊接", "铸造", "电机", "激光"]) {
        ["智能装备有限公司", "精密机械有限公司"][(pick % 2) as usize]
    } else if has(&["能源", "电池", "储能", "光伏", "风电", "石油", "天然气"]) {
        ["新能源科技有限公司", "能源技术股份有限公司"][(pick % 2) as usize]
    } else {
        ["科技有限公司", "技术股份有限公司"][(pick % 2) as usize]
    }
}
const PLACES: &[&str] = &["兰州", "白银", "甘肃", "陇原", "金城", "兰白", "黄河", "祁连"];

/// Keywords from the CSL papers (real Chinese research terms), for enterprise names.
fn keywords(csl_tsv: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // Only technology words make plausible company names: keywords of engineering, science,
    // agriculture and medicine papers that name a material, device or technique.
    const TECH: &[&str] = &[
        "材料",
        "电池",
        "电子",
        "电机",
        "化工",
        "催化",
        "药",
        "能源",
        "光",
        "纳米",
        "合金",
        "传感",
        "控制",
        "芯片",
        "纤维",
        "涂层",
        "薄膜",
        "冶金",
        "石油",
        "天然气",
        "生物",
        "信息",
        "智能",
        "网络",
        "软件",
        "数控",
        "焊接",
        "铸造",
        "钢",
        "稀土",
        "环保",
        "检测",
        "机器人",
        "激光",
        "复合",
        "储能",
        "光伏",
        "风电",
        "疫苗",
        "诊断",
    ];
    if let Some(text) = csl_tsv {
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let (Some(kw), Some(category)) = (cols.get(3), cols.get(5)) else { continue };
            if !["工学", "理学", "农学", "医学"].contains(&category.trim()) {
                continue;
            }
            for k in kw.split(';') {
                let k = k.trim();
                let n = k.chars().count();
                if (2..=5).contains(&n)
                    && k.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                    && TECH.iter().any(|t| k.contains(t))
                    && !k.ends_with('学')
                    && !k.ends_with('性')
                    && !k.ends_with("技术")
                    && !out.iter().any(|x| x == k)
                {
                    out.push(k.to_string());
                }
            }
        }
    }
    if out.is_empty() {
        out = ["碳纤维", "稀土", "光伏", "锂电池", "中药", "节能", "石墨烯", "智能制造"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    out
}

/// A deterministic pseudo-random sequence (so demo data are the same on every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() as usize) % xs.len()]
    }
}

/// A valid credit code for the n-th demo organisation of a kind (division code of the unit's city).
pub fn demo_credit_code(kind: OrgKind, division: &str, n: u64) -> CreditCode {
    // Position 1–2: registration authority and type (91 enterprise, 12 public institution, 52 NGO).
    let head = match kind {
        OrgKind::Enterprise => "91",
        OrgKind::ServiceProvider => "52",
        _ => "12",
    };
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut body = String::new();
    let mut x = n.wrapping_mul(2654435761).wrapping_add(97);
    for _ in 0..9 {
        body.push(CHARS[(x % 31) as usize] as char);
        x /= 31;
        x = x.wrapping_add(n.wrapping_mul(7));
    }
    let first17 = format!("{head}{division}{body}");
    // Completing 17 allowed characters never fails.
    CreditCode::complete(&first17)
        .unwrap_or_else(|| CreditCode::parse("91350100M000100Y43").expect("valid literal"))
}

pub struct DemoSummary {
    pub units: usize,
    pub organisations: u64,
    pub accounts: Vec<(String, String, String)>,
}

/// Seeds the hierarchy, `n_orgs` organisations and the demo accounts into an empty database.
pub async fn seed(db: &Db, n_orgs: u64, csl_tsv: Option<&str>) -> Result<DemoSummary> {
    let existing: i64 = db
        .query_one("SELECT COUNT(*) AS n FROM org_units", vec![])
        .await?
        .map(|r| r.try_get("", "n"))
        .transpose()?
        .unwrap_or(0);
    if existing > 0 {
        return Err(StoreError::Invalid(
            "the database already has data; the demo needs an empty one".into(),
        ));
    }
    let mut by_code: Vec<OrgUnit> = Vec::new();
    for (code, zh, en, level, parent) in UNITS {
        let parent = by_code.iter().find(|u| u.code == *parent).cloned();
        let unit = orgs::create_unit(
            db,
            parent.as_ref(),
            orgs::NewUnit { code, name_zh: zh, name_en: en, level: *level },
            "system",
            "demo",
        )
        .await?;
        by_code.push(unit);
    }
    let parks: Vec<&OrgUnit> = by_code.iter().filter(|u| u.level == "park").collect();
    let division =
        |u: &OrgUnit| if u.path.starts_with(&by_code[2].path) { "620400" } else { "620100" };
    let kws = keywords(csl_tsv);
    let mut rng = Lcg(2026);
    let now = db.clock.now_ms();
    let mut names_used = std::collections::HashSet::new();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for n in 0..n_orgs {
        let park = *rng.pick(&parks);
        let (kind, name) = match n {
            _ if (n as usize) < UNIVERSITIES.len() => {
                (OrgKind::University, UNIVERSITIES[n as usize].to_string())
            }
            _ if (n as usize) < UNIVERSITIES.len() + INSTITUTES.len() => {
                (OrgKind::Institute, INSTITUTES[n as usize - UNIVERSITIES.len()].to_string())
            }
            _ if (n as usize) < UNIVERSITIES.len() + INSTITUTES.len() + HOSPITALS.len() => (
                OrgKind::Hospital,
                HOSPITALS[n as usize - UNIVERSITIES.len() - INSTITUTES.len()].to_string(),
            ),
            _ if (n as usize)
                < UNIVERSITIES.len() + INSTITUTES.len() + HOSPITALS.len() + PROVIDERS.len() =>
            {
                (
                    OrgKind::ServiceProvider,
                    PROVIDERS[n as usize - UNIVERSITIES.len() - INSTITUTES.len() - HOSPITALS.len()]
                        .to_string(),
                )
            }
            _ => {
                let mut name;
                let mut tries = 0;
                loop {
                    let kw = rng.pick(&kws).clone();
                    name = format!("{}{}{}", rng.pick(PLACES), kw, suffix_for(&kw, rng.next()));
                    tries += 1;
                    if names_used.insert(name.clone()) {
                        break;
                    }
                    if tries > 5 {
                        name = format!("{name}（{n}）");
                        names_used.insert(name.clone());
                        break;
                    }
                }
                (OrgKind::Enterprise, name)
            }
        };
        let code = demo_credit_code(kind, division(park), n);
        rows.push(vec![
            code.as_str().into(),
            name.into(),
            kind.code().into(),
            park.id.into(),
            park.path.clone().into(),
            format!("{}{}", park.name_zh, rng.next() % 300 + 1).into(),
            "".into(),
            format!("0931-{:07}", rng.next() % 10_000_000).into(),
            now.into(),
            now.into(),
        ]);
    }
    // Bulk insert in one audited transaction per batch.
    for chunk in rows.chunks(300) {
        let tx = db.begin_write().await?;
        let mut sql = String::from(
            "INSERT INTO organisations (credit_code, name, kind, org_unit_id, unit_path, address, contact, phone, created_at, updated_at, version) VALUES ",
        );
        let mut values = Vec::new();
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)");
            values.extend(r.iter().cloned());
        }
        tx.exec(&sql, values).await?;
        for sql in orgs::RECOUNT_SQL {
            tx.exec(sql, vec![]).await?;
        }
        innocity_store::audit::append(
            &tx,
            innocity_store::audit::Change {
                actor: "system",
                action: "organisation.import",
                entity: "organisation",
                entity_id: String::new(),
                before: serde_json::Value::Null,
                after: serde_json::json!({ "count": chunk.len(), "source": "demo" }),
                request_id: "demo",
            },
        )
        .await?;
        tx.commit().await?;
    }
    let accounts = seed_accounts(db, &by_code).await?;
    Ok(DemoSummary { units: by_code.len(), organisations: n_orgs, accounts })
}

async fn first_org(db: &Db, kind: &str, path: Option<&str>) -> Result<Option<i64>> {
    let (sql, values): (String, Vec<Value>) = match path {
        Some(p) => (
            "SELECT id FROM organisations WHERE kind = ? AND unit_path >= ? AND unit_path < ? ORDER BY id LIMIT 1".into(),
            {
                let (lo, hi) = orgs::subtree_bounds(p);
                vec![kind.into(), lo.into(), hi.into()]
            },
        ),
        None => ("SELECT id FROM organisations WHERE kind = ? ORDER BY id LIMIT 1".into(), vec![kind.into()]),
    };
    db.query_one(&sql, values).await?.map(|r| r.try_get("", "id")).transpose().map_err(Into::into)
}

/// One account per role (and a second zone admin and enterprise, to show scopes).
async fn seed_accounts(db: &Db, units: &[OrgUnit]) -> Result<Vec<(String, String, String)>> {
    let unit = |code: &str| units.iter().find(|u| u.code == code).cloned();
    let gx = unit("LZGX").ok_or(StoreError::NotFound)?;
    let by = unit("BYGX").ok_or(StoreError::NotFound)?;
    let ent_gx = first_org(db, "enterprise", Some(&gx.path)).await?;
    let ent_by = first_org(db, "enterprise", Some(&by.path)).await?;
    let provider = first_org(db, "service_provider", None).await?;
    // A demo account: who, in which role, scoped to which unit or organisation.
    struct Account {
        username: &'static str,
        display_name: &'static str,
        role: Role,
        org_unit_id: Option<i64>,
        organisation_id: Option<i64>,
    }
    let account = |username, display_name, role, org_unit_id, organisation_id| Account {
        username,
        display_name,
        role,
        org_unit_id,
        organisation_id,
    };
    let specs: Vec<Account> = vec![
        account("admin", "系统管理员", Role::SystemAdmin, None, None),
        account("bureau", "市科技局 王科长", Role::BureauStaff, None, None),
        account("zone", "兰州高新区管委会 李主任", Role::ZoneAdmin, Some(gx.id), None),
        account("zone2", "白银高新区管委会 赵主任", Role::ZoneAdmin, Some(by.id), None),
        account("orgadmin", "企业管理员 张经理", Role::OrgAdmin, None, ent_gx),
        account("member", "企业科研人员 陈工", Role::OrgMember, None, ent_gx),
        account("orgadmin2", "企业管理员 刘经理", Role::OrgAdmin, None, ent_by),
        account("expert", "评审专家 周教授", Role::Expert, None, None),
        account("provider", "服务机构 孙主管", Role::ServiceProvider, None, provider),
        account("public", "社会公众 访客", Role::Public, None, None),
    ];
    let mut out = Vec::new();
    for a in specs {
        if a.role.needs_organisation() && a.organisation_id.is_none() {
            continue; // too few organisations for this account (tiny test data sets)
        }
        users::add(
            db,
            &NewUser {
                username: a.username,
                display_name: a.display_name,
                password: DEMO_PASSWORD,
                role: a.role,
                org_unit_id: a.org_unit_id,
                organisation_id: a.organisation_id,
            },
            "system",
            "demo",
        )
        .await?;
        out.push((a.username.to_string(), DEMO_PASSWORD.to_string(), a.role.code().to_string()));
    }
    Ok(out)
}

// ---------- statistics ----------

/// What [`seed_stats`] made.
#[derive(Debug, Clone, Default)]
pub struct StatsSummary {
    pub returns: usize,
    pub values: usize,
}

/// Titles of engineering papers, as R&D project names in 107-1.
fn project_titles(csl_tsv: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = csl_tsv
        .map(|t| {
            t.lines()
                .skip(1)
                .filter_map(|l| {
                    let cols: Vec<&str> = l.split('\t').collect();
                    let (title, cat) = (cols.get(1)?.trim(), cols.get(5)?.trim());
                    (cat == "工学" && (8..=40).contains(&title.chars().count()))
                        .then(|| title.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    if out.is_empty() {
        out = [
            "高性能碳纤维复合材料制备关键技术研究",
            "稀土永磁电机智能控制系统开发",
            "光伏组件缺陷在线检测装备研制",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
    }
    out
}

/// One enterprise's 107-2 values for a year, consistent with every error rule: parts add up
/// to totals, "of which" never exceeds its total. `scale` multiplies R&D money (a unit mistake
/// when it is 1000: 元 typed for 千元).
fn enterprise_107_2(
    rng: &mut Lcg,
    revenue: f64,
    intensity: f64,
    scale: f64,
) -> Vec<(&'static str, &'static str, f64)> {
    let r = |rng: &mut Lcg, lo: u64, hi: u64| (lo + rng.next() % (hi - lo + 1)) as f64 / 100.0;
    let rd = (revenue * intensity).round().max(50.0);
    let mut parts: Vec<(&str, f64)> = Vec::new();
    let mut used = 0.0;
    for (code, lo, hi) in [
        ("RD_EXP_PERS", 40, 52),
        ("RD_EXP_DIRECT", 18, 26),
        ("RD_EXP_DEPR", 3, 6),
        ("RD_EXP_AMORT", 1, 3),
        ("RD_EXP_DESIGN", 1, 3),
        ("RD_EXP_EQUIP", 1, 3),
        ("RD_EXP_OUTSRC", 2, 6),
    ] {
        let v = (rd * r(rng, lo, hi)).floor();
        used += v;
        parts.push((code, v));
    }
    parts.push(("RD_EXP_OTHER", rd - used));
    let outsrc = parts[6].1;
    let univ = (outsrc * r(rng, 30, 50)).floor();
    let inst = (outsrc * r(rng, 10, 30)).floor();
    let abroad = (outsrc * r(rng, 0, 5)).floor();
    let gov = (rd * r(rng, 2, 15)).floor();
    let overseas = (rd * r(rng, 0, 2)).floor();
    let other_src = (rd * r(rng, 0, 3)).floor();
    let employees = (revenue / (600.0 + (rng.next() % 900) as f64)).round().max(20.0);
    let staff = (employees * r(rng, 8, 25)).round().max(3.0);
    let ft = (staff * r(rng, 60, 90)).round();
    let fte = ((ft + (staff - ft) * 0.4) * 10.0).round() / 10.0;
    let newprod_sales = (revenue * r(rng, 10, 40)).round();
    let apps = (rng.next() % 40) as f64;
    let proj_exp = (rd * r(rng, 55, 85)).floor();
    let mut v: Vec<(&'static str, &'static str, f64)> = vec![
        ("EMPLOYEES", "", employees),
        ("REVENUE", "", revenue),
        ("ASSETS", "", (revenue * r(rng, 120, 200)).round()),
        ("PROFIT", "", (revenue * (r(rng, 0, 20) - 0.05)).round()),
        ("EXPORT_VALUE", "", (revenue * r(rng, 0, 20)).round()),
        ("RD_STAFF", "", staff),
        ("RD_STAFF_FT", "", ft),
        ("RD_STAFF_FEMALE", "", (staff * r(rng, 20, 40)).round()),
        ("RD_STAFF_DOCTOR", "", (staff * r(rng, 1, 8)).round()),
        ("RD_STAFF_MASTER", "", (staff * r(rng, 15, 30)).round()),
        ("RD_FTE", "", fte),
        ("RD_PROJECTS", "", (2 + rng.next() % 10) as f64),
        ("RD_INSTITUTES", "", (rng.next() % 3) as f64),
        ("INST_STAFF", "", (staff * r(rng, 20, 60)).round()),
        ("NEWPROD_PROJECTS", "", (1 + rng.next() % 8) as f64),
        ("NEWPROD_SALES", "", newprod_sales),
        ("NEWPROD_EXPORT", "", (newprod_sales * r(rng, 0, 25)).round()),
        ("PATENT_APPS", "", apps),
        ("PATENT_INV_APPS", "", (apps * r(rng, 20, 60)).floor()),
        ("PATENT_VALID_INV", "", (rng.next() % 60) as f64),
        ("PATENT_LICENSED", "", (rng.next() % 4) as f64),
        ("PAPERS", "", (rng.next() % 12) as f64),
        ("STANDARDS", "", (rng.next() % 3) as f64),
        ("TRADEMARKS", "", (rng.next() % 20) as f64),
    ];
    let money: Vec<(&'static str, &'static str, f64)> = vec![
        ("RD_EXP", "", rd),
        ("RD_EXP", "GOV", gov),
        ("RD_EXP", "OVERSEAS", overseas),
        ("RD_EXP", "OTHER", other_src),
        ("RD_EXP", "ENT", rd - gov - overseas - other_src),
        ("RD_EXP_OUTSRC", "UNIV", univ),
        ("RD_EXP_OUTSRC", "INST", inst),
        ("RD_EXP_OUTSRC", "ABROAD", abroad),
        ("RD_EXP_OUTSRC", "ENT", outsrc - univ - inst - abroad),
        ("RD_PROJ_EXP", "", proj_exp),
        ("INST_EXP", "", (rd * r(rng, 20, 60)).round()),
        ("INST_EQUIP", "", (rd * r(rng, 50, 200)).round()),
        ("NEWPROD_EXP", "", (rd * r(rng, 40, 80)).round()),
        ("PATENT_LICENSE_INCOME", "", (rng.next() % 500) as f64),
        ("TECH_IMPORT", "", (rd * r(rng, 0, 5)).round()),
        ("TECH_ABSORB", "", (rd * r(rng, 0, 2)).round()),
        ("TECH_DOMESTIC", "", (rd * r(rng, 0, 6)).round()),
        ("TECH_RENOVATE", "", (rd * r(rng, 5, 30)).round()),
        ("GOV_RD_FUNDS", "", gov),
        ("TAX_RD_DEDUCTION", "", (rd * r(rng, 15, 25)).round()),
        ("TAX_HITECH", "", (revenue * r(rng, 0, 2)).round()),
    ];
    v.extend(parts.into_iter().map(|(c, x)| (c, "", x * scale)));
    v.extend(money.into_iter().map(|(c, d, x)| (c, d, x * scale)));
    v
}

fn num_change(element: &str, disagg: &str, row: i64, v: f64) -> innocity_store::stats::CellChange {
    innocity_store::stats::CellChange {
        element: element.into(),
        disagg: disagg.into(),
        row,
        value: Some(innocity_core::stats::values::Stored::Num(v)),
    }
}

fn text_change(element: &str, row: i64, v: &str) -> innocity_store::stats::CellChange {
    innocity_store::stats::CellChange {
        element: element.into(),
        disagg: String::new(),
        row,
        value: Some(innocity_core::stats::values::Stored::Text(v.into())),
    }
}

/// Two years of returns for the demo: 107-2 and 107-1 for 2024 (approved up to the city and
/// locked) and 2025 (in every state, a few with unit mistakes and explained warnings), and the
/// quarterly quick report from 2025Q1 to 2026Q3. The 2025 and 2026Q3 windows are extended so
/// the demo can be filled in now.
pub async fn seed_stats(db: &Db, csl_tsv: Option<&str>) -> Result<StatsSummary> {
    use innocity_store::stats::{BatchItem, Mode};
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "demo", request_id: "demo" };
    let orgs_rows = db
        .read("SELECT id, kind, unit_path FROM organisations ORDER BY id", vec![], |r| {
            Ok((r.int(0)?, r.text(1)?, r.text(2)?))
        })
        .await?;
    let titles = project_titles(csl_tsv);
    let units = orgs::units(db).await?;
    let gx = units.iter().find(|u| u.code == "LZGX").cloned();
    let showcase = match &gx {
        Some(u) => first_org(db, "enterprise", Some(&u.path)).await?,
        None => None,
    };
    let mut rng = Lcg(107);
    let mut summary = StatsSummary::default();
    let enterprises: Vec<&(i64, String, String)> =
        orgs_rows.iter().filter(|o| o.1 == "enterprise").collect();
    // Per enterprise: revenue 2024, growth, R&D intensity.
    let profile: Vec<(f64, f64, f64)> = enterprises
        .iter()
        .map(|_| {
            let revenue = (20_000.0
                * (1u64 << (rng.next() % 8)) as f64
                * (1.0 + (rng.next() % 100) as f64 / 100.0))
                .round();
            let growth = 0.92 + (rng.next() % 30) as f64 / 100.0;
            let intensity = (50 + rng.next() % 750) as f64 / 10_000.0;
            (revenue, growth, intensity)
        })
        .collect();
    for year in [2024, 2025] {
        let mut grid = Vec::new();
        let mut roster = Vec::new();
        for (i, o) in enterprises.iter().enumerate() {
            let not_started = year == 2025 && i % 10 == 9 && Some(o.0) != showcase;
            if not_started {
                continue;
            }
            let (revenue, growth, intensity) = profile[i];
            // A few jump by 80% (explained warnings); three type 元 for 千元 (outliers).
            let jump = year == 2025 && i % 17 == 5;
            let scale = if year == 2025 && i % 53 == 7 { 1000.0 } else { 1.0 };
            let rev = if year == 2024 { revenue } else { (revenue * growth).round() };
            let mut r2 = Lcg(o.0 as u64 * 31 + year as u64);
            let values = enterprise_107_2(
                &mut r2,
                rev,
                if jump { intensity * 1.8 } else { intensity },
                scale,
            );
            let proj_exp = values.iter().find(|v| v.0 == "RD_PROJ_EXP").map(|v| v.2).unwrap_or(0.0);
            grid.push(BatchItem {
                organisation_id: o.0,
                unit_path: o.2.clone(),
                changes: values.iter().map(|(e, d, v)| num_change(e, d, 0, *v)).collect(),
            });
            let n = 2 + (r2.next() % 3) as i64;
            let mut changes = Vec::new();
            for row in 1..=n {
                let title = &titles[(r2.next() as usize) % titles.len()];
                let start = (year - (r2.next() % 2) as i32) * 100 + 1 + (r2.next() % 12) as i32;
                let end = (year + (r2.next() % 2) as i32) * 100 + 1 + (r2.next() % 12) as i32;
                let end = end.max(start);
                let staff = (3 + r2.next() % 15) as f64;
                let exp = (proj_exp / n as f64).floor();
                changes.push(text_change("P_NAME", row, title));
                changes.push(text_change(
                    "P_SOURCE",
                    row,
                    ["1", "2", "3", "4", "4", "4"][(r2.next() % 6) as usize],
                ));
                changes.push(text_change(
                    "P_COOP",
                    row,
                    ["2", "3", "4", "5", "5"][(r2.next() % 5) as usize],
                ));
                changes.push(num_change("P_START", "", row, start as f64));
                changes.push(num_change("P_END", "", row, end as f64));
                changes.push(num_change("P_STAFF", "", row, staff));
                changes.push(num_change(
                    "P_PERSON_MONTHS",
                    "",
                    row,
                    (staff * (4 + r2.next() % 8) as f64).round(),
                ));
                changes.push(num_change("P_EXP", "", row, exp));
                changes.push(num_change(
                    "P_EXP_GOV",
                    "",
                    row,
                    (exp * (r2.next() % 30) as f64 / 100.0).floor(),
                ));
            }
            roster.push(BatchItem { organisation_id: o.0, unit_path: o.2.clone(), changes });
        }
        for (form, items) in [("107-2", &grid), ("107-1", &roster)] {
            summary.values += innocity_store::stats::save_batch(
                db,
                form,
                &year.to_string(),
                items,
                innocity_store::stats::SaveHow { mode: Mode::Replace, source: "import" },
                actor,
                &|_| {},
            )
            .await?;
            summary.returns += items.len();
        }
    }
    // The quick report: cumulative within each year.
    let reporters: Vec<&(i64, String, String)> = orgs_rows
        .iter()
        .filter(|o| ["enterprise", "institute", "university"].contains(&o.1.as_str()))
        .collect();
    let quarters: Vec<(i32, u8)> =
        vec![(2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3)];
    for (y, q) in &quarters {
        let mut items = Vec::new();
        for (i, o) in reporters.iter().enumerate() {
            if *y == 2026 && *q == 3 && i % 10 == 9 && Some(o.0) != showcase {
                continue;
            }
            let base = enterprises
                .iter()
                .position(|e| e.0 == o.0)
                .map(|k| profile[k])
                .unwrap_or((8_000.0, 1.05, 0.2));
            let revenue_year = base.0 * if *y == 2025 { base.1 } else { base.1 * base.1 };
            let share = *q as f64 / 4.0;
            let mut r3 = Lcg(o.0 as u64 * 7 + *y as u64 * 10 + *q as u64);
            let noise = 0.95 + (r3.next() % 10) as f64 / 100.0;
            let rev = (revenue_year * share * noise).round();
            let rd = (rev * base.2).round();
            let staff = (rev / 4000.0 * base.2 * 40.0).round().clamp(3.0, 400.0);
            items.push(BatchItem {
                organisation_id: o.0,
                unit_path: o.2.clone(),
                changes: vec![
                    num_change("Q_REVENUE", "", 0, rev),
                    num_change("Q_RD_EXP", "", 0, rd),
                    num_change("Q_RD_STAFF", "", 0, staff),
                    num_change("Q_PATENT_APPS", "", 0, (*q as u64 * (r3.next() % 4)) as f64),
                    num_change(
                        "Q_TECH_CONTRACTS",
                        "",
                        0,
                        (rev * 0.02 * (r3.next() % 3) as f64).round(),
                    ),
                    num_change("Q_HITECH_OUTPUT", "", 0, (rev * 0.6).round()),
                ],
            });
        }
        let period = format!("{y}Q{q}");
        summary.values += innocity_store::stats::save_batch(
            db,
            "KB-Q",
            &period,
            &items,
            innocity_store::stats::SaveHow { mode: Mode::Replace, source: "import" },
            actor,
            &|_| {},
        )
        .await?;
        summary.returns += items.len();
    }
    set_demo_states(db, showcase).await?;
    Ok(summary)
}

/// Puts the demo returns into their states, as the people of the demo would have.
async fn set_demo_states(db: &Db, showcase: Option<i64>) -> Result<()> {
    let now = db.clock.now_ms();
    let day = 86_400_000i64;
    let returns = db
        .read(
            "SELECT id, form, period, organisation_id FROM stat_returns ORDER BY id",
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.int(3)?)),
        )
        .await?;
    let tx = db.begin_write().await?;
    for (k, (id, form, period, org)) in returns.iter().enumerate() {
        let current = (form.starts_with("107") && period == "2025") || period == "2026Q3";
        let (status, reason, explanations) = if !current {
            ("approved", "", "{}".to_string())
        } else if Some(*org) == showcase {
            ("draft", "", "{}".to_string())
        } else {
            match k % 10 {
                0..=3 => ("submitted", "", r#"{"R107-2-07":"新建研发中心投入使用，研发投入大幅增加。","R107-2-13":"数据已核实。"}"#.to_string()),
                4 | 5 => ("approved", "", "{}".to_string()),
                6 => ("returned", "研究开发人员数与上年差异较大，请核实后重新上报。", "{}".to_string()),
                _ => ("draft", "", "{}".to_string()),
            }
        };
        let submitted = if status == "draft" { 0 } else { now - (10 + (k as i64 % 20)) * day };
        let reviewer = if matches!(status, "approved" | "returned") { "zone" } else { "" };
        tx.exec(
            "UPDATE stat_returns SET status = ?, reason = ?, explanations = ?, submitted_at = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
            vec![status.into(), reason.into(), explanations.into(), submitted.into(), reviewer.into(), (if reviewer.is_empty() { 0 } else { submitted + 2 * day }).into(), (*id).into()],
        )
        .await?;
    }
    for (form, period, closes) in [
        ("107-2", "2025", "2026-12-31"),
        ("107-1", "2025", "2026-12-31"),
        ("KB-Q", "2026Q3", "2026-12-15"),
    ] {
        tx.exec(
            "INSERT INTO stat_windows (form, period, closes_on, set_by) VALUES (?, ?, ?, 'bureau')",
            vec![form.into(), period.into(), closes.into()],
        )
        .await?;
    }
    innocity_store::audit::append(
        &tx,
        innocity_store::audit::Change {
            actor: "demo",
            action: "demo.stat_states",
            entity: "stat_return",
            entity_id: "*".into(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "returns": returns.len() }),
            request_id: "demo",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Approves the demo's completed periods up the hierarchy, park by park, zone by zone, then
/// the cities (which locks them), through the same checks a reviewer's approval passes.
pub async fn approve_demo_periods(db: &Db) -> Result<usize> {
    let cat = innocity_store::stats::catalogue(db).await?;
    let units = orgs::units(db).await?;
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "bureau", request_id: "demo" };
    let mut n = 0;
    for (form, period) in [("107-2", "2024"), ("107-1", "2024"), ("KB-Q", "2025Q4")] {
        let Some(f) = cat.form(form) else { continue };
        for level in ["park", "zone", "city"] {
            for u in units.iter().filter(|u| u.level == level) {
                let children: Vec<OrgUnit> =
                    units.iter().filter(|c| c.parent_id == Some(u.id)).cloned().collect();
                innocity_store::stats::approve_unit(
                    db,
                    f,
                    period,
                    u,
                    &children,
                    level == "city",
                    actor,
                )
                .await?;
                n += 1;
            }
        }
    }
    Ok(n)
}

// ---------- indicators ----------

/// 2014–2024 values of the 专栏1 indicators (seed 004) for the four zones and, at the top of the
/// hierarchy, the pilot zone as a whole: from the plan's 2014 baselines, each zone at its own
/// pace (some ahead, some behind the path), with yearly noise.
pub async fn seed_indicators(db: &Db) -> Result<usize> {
    use innocity_core::indicators::targets::{Framework, Kind};
    let Some(f) = Framework::built_in().into_iter().find(|f| f.code == "LANBAI-2020") else {
        return Ok(0);
    };
    let units = orgs::units(db).await?;
    let zones: Vec<&OrgUnit> = units.iter().filter(|u| u.level == "zone").collect();
    let Some(root) = units.iter().find(|u| u.parent_id.is_none()) else { return Ok(0) };
    // Shares of totals and ratio factors per zone (兰州新区, 兰州高新区, 兰州经济区, 白银高新区).
    let shares = [0.24, 0.38, 0.22, 0.16];
    let factors = [0.85, 1.35, 0.9, 0.8];
    let paces = [0.9, 1.15, 0.7, 0.55];
    let mut rng = Lcg(2014);
    let mut out = Vec::new();
    // The whole zone's pace on each indicator up to 2020, and how far it moves on each year
    // after: some reach their targets, some stay behind, one is at risk.
    let whole_paces = [0.9, 0.8, 0.9, 0.6, 0.85, 0.9, 0.75, 0.8, 0.95, 0.85];
    let after_growth = [0.06, 0.02, 0.06, 0.0, 0.03, 0.06, 0.01, 0.02, 0.06, 0.03];
    for (k, t) in f.targets.iter().enumerate() {
        for year in 2014..=2024 {
            let progress = t.planned(year) - t.baseline;
            let after = (year - t.target_year).max(0) as f64;
            let mut whole = t.baseline
                + progress * whole_paces[k % 10]
                + (t.target - t.baseline) * after_growth[k % 10] * after;
            whole *= 1.0 + ((rng.next() % 60) as f64 - 30.0) / 1000.0;
            out.push(innocity_store::indicators::IndicatorValue {
                indicator: t.code.clone(),
                org_unit_id: root.id,
                period: year.to_string(),
                value: round4(whole),
                source: "demo".into(),
            });
            for (i, z) in zones.iter().enumerate().take(4) {
                // Each zone is strong in some indicators and weak in others.
                let j = (i + k) % 4;
                let pace = paces[(i + 2 * k) % 4];
                let base = match t.kind {
                    Kind::Total => t.baseline * shares[j],
                    Kind::Ratio => {
                        t.baseline
                            * if t.direction == innocity_core::indicators::targets::Direction::Down
                            {
                                2.0 - factors[j]
                            } else {
                                factors[j]
                            }
                    }
                };
                let goal = match t.kind {
                    Kind::Total => t.target * shares[j],
                    Kind::Ratio => base * t.target / t.baseline,
                };
                let share_of_way = (t.planned(year) - t.baseline) / (t.target - t.baseline);
                let mut v = base + (goal - base) * (share_of_way * pace + 0.05 * after * pace);
                v *= 1.0 + ((rng.next() % 80) as f64 - 40.0) / 1000.0;
                out.push(innocity_store::indicators::IndicatorValue {
                    indicator: t.code.clone(),
                    org_unit_id: z.id,
                    period: year.to_string(),
                    value: round4(v),
                    source: "demo".into(),
                });
            }
        }
    }
    // 白银市: its 2014 results as seed 002 reports them, and a 2015 the demo makes up.
    if let Some(by) = units.iter().find(|u| u.code == "620400") {
        for (code, v2014, v2015) in [
            ("BY_PATENT_APPS", 615.0, 772.0),
            ("BY_PATENTS_10K", 1.03, 1.41),
            ("BY_TECH_CONTRACTS", 2.5, 2.61),
            ("BY_ST_CONTRIBUTION", 50.5, 51.2),
            ("BY_NEW_HITECH", 4.0, 6.0),
        ] {
            out.push(innocity_store::indicators::IndicatorValue {
                indicator: code.into(),
                org_unit_id: by.id,
                period: "2014".into(),
                value: v2014,
                source: "import".into(),
            });
            out.push(innocity_store::indicators::IndicatorValue {
                indicator: code.into(),
                org_unit_id: by.id,
                period: "2015".into(),
                value: v2015,
                source: "demo".into(),
            });
        }
    }
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "demo", request_id: "demo" };
    let mut n = innocity_store::indicators::import(db, &out, actor).await?;
    // The cities' totals, from their zones.
    n += innocity_store::indicators::aggregate(db, &f, actor).await?;
    // The city's goals that the statistics answer (enterprise R&D and new products as a share
    // of sales), from the demo's returns.
    if let Some(city) = Framework::built_in().into_iter().find(|f| f.code == "CITY-2015") {
        n += innocity_store::indicators::from_statistics(
            db,
            &city,
            &["2024".to_string(), "2025".to_string()],
            actor,
        )
        .await?;
    }
    Ok(n)
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}
