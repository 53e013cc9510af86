//! Demo data: the Lanzhou–Baiyin pilot zone (seed 004, 专栏5–8), organisations with valid credit
//! codes whose names come from real Chinese research keywords, and one account per role.
use crate::db::{Db, Result, StoreError, now_ms};
use crate::orgs::{self, OrgUnit};
use crate::users::{self, NewUser};
use innocity_core::access::Role;
use innocity_core::orgs::{CreditCode, OrgKind, UnitLevel};
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

const UNIVERSITIES: &[&str] = &["兰州大学", "兰州理工大学", "兰州交通大学", "西北师范大学", "甘肃农业大学", "兰州城市学院", "兰州财经大学", "甘肃中医药大学"];
const INSTITUTES: &[&str] = &[
    "中国科学院兰州化学物理研究所",
    "中国科学院近代物理研究所",
    "中国科学院西北生态环境资源研究院",
    "甘肃省科学院",
    "甘肃省农业科学院",
    "白银有色金属研究院",
    "兰州石化研究院",
];
const HOSPITALS: &[&str] = &["兰州大学第一医院", "兰州大学第二医院", "甘肃省人民医院", "白银市第一人民医院"];
const PROVIDERS: &[&str] = &["兰白科技大市场服务中心", "甘肃省分析测试中心", "兰州技术转移中心", "白银科技金融服务中心", "兰州知识产权服务中心"];
/// A company-name ending that fits the technology word (a battery maker is not a biotech firm).
fn suffix_for(keyword: &str, pick: u64) -> &'static str {
    let has = |xs: &[&str]| xs.iter().any(|x| keyword.contains(x));
    if has(&["生物", "药", "疫苗", "诊断", "医"]) {
        ["生物科技有限公司", "医药股份有限公司"][(pick % 2) as usize]
    } else if has(&["材料", "合金", "纤维", "涂层", "薄膜", "稀土", "钢", "复合", "冶金"]) {
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
        "材料", "电池", "电子", "电机", "化工", "催化", "药", "能源", "光", "纳米", "合金", "传感", "控制", "芯片", "纤维",
        "涂层", "薄膜", "冶金", "石油", "天然气", "生物", "信息", "智能", "网络", "软件", "数控", "焊接", "铸造", "钢",
        "稀土", "环保", "检测", "机器人", "激光", "复合", "储能", "光伏", "风电", "疫苗", "诊断",
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
        out = ["碳纤维", "稀土", "光伏", "锂电池", "中药", "节能", "石墨烯", "智能制造"].iter().map(|s| s.to_string()).collect();
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
    CreditCode::complete(&first17).unwrap_or_else(|| CreditCode::parse("91350100M000100Y43").expect("valid literal"))
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
        return Err(StoreError::Invalid("the database already has data; the demo needs an empty one".into()));
    }
    let mut by_code: Vec<OrgUnit> = Vec::new();
    for (code, zh, en, level, parent) in UNITS {
        let parent = by_code.iter().find(|u| u.code == *parent).cloned();
        let unit = orgs::create_unit(db, parent.as_ref(), code, zh, en, *level, "system", "demo").await?;
        by_code.push(unit);
    }
    let parks: Vec<&OrgUnit> = by_code.iter().filter(|u| u.level == "park").collect();
    let division = |u: &OrgUnit| if u.path.starts_with(&by_code[2].path) { "620400" } else { "620100" };
    let kws = keywords(csl_tsv);
    let mut rng = Lcg(2026);
    let now = now_ms();
    let mut names_used = std::collections::HashSet::new();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for n in 0..n_orgs {
        let park = *rng.pick(&parks);
        let (kind, name) = match n {
            _ if (n as usize) < UNIVERSITIES.len() => (OrgKind::University, UNIVERSITIES[n as usize].to_string()),
            _ if (n as usize) < UNIVERSITIES.len() + INSTITUTES.len() => (OrgKind::Institute, INSTITUTES[n as usize - UNIVERSITIES.len()].to_string()),
            _ if (n as usize) < UNIVERSITIES.len() + INSTITUTES.len() + HOSPITALS.len() => {
                (OrgKind::Hospital, HOSPITALS[n as usize - UNIVERSITIES.len() - INSTITUTES.len()].to_string())
            }
            _ if (n as usize) < UNIVERSITIES.len() + INSTITUTES.len() + HOSPITALS.len() + PROVIDERS.len() => (
                OrgKind::ServiceProvider,
                PROVIDERS[n as usize - UNIVERSITIES.len() - INSTITUTES.len() - HOSPITALS.len()].to_string(),
            ),
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
        crate::audit::append(
            &tx,
            crate::audit::Change {
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
    let specs: Vec<(&str, &str, Role, Option<i64>, Option<i64>)> = vec![
        ("admin", "系统管理员", Role::SystemAdmin, None, None),
        ("bureau", "市科技局 王科长", Role::BureauStaff, None, None),
        ("zone", "兰州高新区管委会 李主任", Role::ZoneAdmin, Some(gx.id), None),
        ("zone2", "白银高新区管委会 赵主任", Role::ZoneAdmin, Some(by.id), None),
        ("orgadmin", "企业管理员 张经理", Role::OrgAdmin, None, ent_gx),
        ("member", "企业科研人员 陈工", Role::OrgMember, None, ent_gx),
        ("orgadmin2", "企业管理员 刘经理", Role::OrgAdmin, None, ent_by),
        ("expert", "评审专家 周教授", Role::Expert, None, None),
        ("provider", "服务机构 孙主管", Role::ServiceProvider, None, provider),
        ("public", "社会公众 访客", Role::Public, None, None),
    ];
    let mut out = Vec::new();
    for (username, name, role, unit_id, org_id) in specs {
        if role.needs_organisation() && org_id.is_none() {
            continue; // too few organisations for this account (tiny test data sets)
        }
        users::add(
            db,
            &NewUser { username, display_name: name, password: DEMO_PASSWORD, role, org_unit_id: unit_id, organisation_id: org_id },
            "system",
            "demo",
        )
        .await?;
        out.push((username.to_string(), DEMO_PASSWORD.to_string(), role.code().to_string()));
    }
    Ok(out)
}
