//! Demo organisations: names of universities, institutes, hospitals, service providers and
//! enterprises (from real research keywords), and looking one up.
use super::*;

pub(crate) const UNIVERSITIES: &[&str] = &[
    "兰州大学",
    "兰州理工大学",
    "兰州交通大学",
    "西北师范大学",
    "甘肃农业大学",
    "兰州城市学院",
    "兰州财经大学",
    "甘肃中医药大学",
];
pub(crate) const INSTITUTES: &[&str] = &[
    "中国科学院兰州化学物理研究所",
    "中国科学院近代物理研究所",
    "中国科学院西北生态环境资源研究院",
    "甘肃省科学院",
    "甘肃省农业科学院",
    "白银有色金属研究院",
    "兰州石化研究院",
];
pub(crate) const HOSPITALS: &[&str] =
    &["兰州大学第一医院", "兰州大学第二医院", "甘肃省人民医院", "白银市第一人民医院"];
pub(crate) const PROVIDERS: &[&str] = &[
    "兰白科技大市场服务中心",
    "甘肃省分析测试中心",
    "兰州技术转移中心",
    "白银科技金融服务中心",
    "兰州知识产权服务中心",
];
/// A company-name ending that fits the technology word (a battery maker is not a biotech firm).
pub(crate) fn suffix_for(keyword: &str, pick: u64) -> &'static str {
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
pub(crate) const PLACES: &[&str] =
    &["兰州", "白银", "甘肃", "陇原", "金城", "兰白", "黄河", "祁连"];

/// Keywords from the CSL papers (real Chinese research terms), for enterprise names.
pub(crate) fn keywords(csl_tsv: Option<&str>) -> Vec<String> {
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

/// The first organisation of a kind (within a unit's subtree, when given).
pub(crate) async fn first_org(db: &Db, kind: &str, path: Option<&str>) -> Result<Option<i64>> {
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
