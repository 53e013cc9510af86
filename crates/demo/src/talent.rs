//! The demo's talent and teams: a talent pool, leading talents (some from the expert library),
//! twelve innovation teams (seed 004), S&T commissioners and three-regions talents sent to the
//! townships of Lanzhou and Baiyin, with their yearly reports (a few still missing).
use super::Lcg;
use chrono::NaiveDate;
use innocity_core::subjects::talent::{Person, Team, report_years};
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::orgs::Actor;
use innocity_store::subjects::talent::{self as store, Subject};

/// What the talent seeding made.
#[derive(Debug, Default, Clone, Copy)]
pub struct TalentSummary {
    pub people: usize,
    pub teams: usize,
    pub reports: usize,
}

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "罗", "郑",
];
const GIVEN: [&str; 24] = [
    "建国", "志强", "晓燕", "海涛", "丽娟", "永红", "文博", "雪梅", "国栋", "春霞", "立新", "婧",
    "磊", "敏", "宏伟", "玉兰", "子涵", "浩然", "静怡", "振华", "淑芬", "鹏", "晨曦", "嘉怡",
];
const TITLES: [&str; 5] = ["研究员", "教授", "高级工程师", "副研究员", "正高级工程师"];
const FIELDS: [&str; 8] = [
    "新材料",
    "生物医药",
    "先进装备制造",
    "新能源",
    "精细化工",
    "电子信息",
    "现代农业",
    "中药材种植",
];
/// Townships of Lanzhou and Baiyin that commissioners and three-regions talents serve.
const PLACES: [&str; 15] = [
    "榆中县和平镇",
    "榆中县夏官营镇",
    "皋兰县石洞镇",
    "皋兰县什川镇",
    "永登县中堡镇",
    "永登县苦水镇",
    "红古区平安镇",
    "七里河区西果园镇",
    "白银区四龙镇",
    "平川区水泉镇",
    "靖远县北湾镇",
    "靖远县东湾镇",
    "会宁县郭城驿镇",
    "景泰县草窝滩镇",
    "景泰县芦阳镇",
];
const TEAM_THEMES: [&str; 12] = [
    "稀土永磁功能材料",
    "石化催化剂",
    "中药现代化",
    "高端数控装备",
    "光伏储能系统",
    "有色金属精深加工",
    "生物育种",
    "工业互联网",
    "节水农业装备",
    "新型疫苗",
    "氢能与燃料电池",
    "智能传感器",
];

const SUMMARY: &str = "完成年度目标任务，牵头或参与科技项目 2 项，授权发明专利 1 件，开展技术培训与现场指导 6 次，带动合作企业新增产值约 300 万元。";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

struct Org {
    code: String,
    kind: String,
}

fn person(
    rng: &mut Lcg,
    n: usize,
    org: &Org,
    programme: &str,
    start: i32,
    expert: Option<String>,
) -> Person {
    let years = if programme == "leading_talent" { 5 } else { 3 };
    let name = format!(
        "{}{}",
        SURNAMES[(n * 7 + 3) % SURNAMES.len()],
        GIVEN[(n * 11 + rng.next() as usize % 5) % GIVEN.len()]
    );
    Person {
        name,
        title: TITLES[n % TITLES.len()].into(),
        organisation_credit_code: org.code.clone(),
        field: FIELDS[n % FIELDS.len()].into(),
        programme: programme.into(),
        support_from: day(start, 1 + (n % 12) as u32, 1),
        support_to: day(start + years as i32, 1 + (n % 12) as u32, 1)
            .pred_opt()
            .unwrap_or_default(),
        cycle_years: years,
        placement: if matches!(programme, "commissioner" | "three_regions") {
            PLACES[n % PLACES.len()].into()
        } else {
            String::new()
        },
        expert_code: expert,
    }
}

/// Records the people of every programme; returns their ids by programme.
async fn people(
    db: &Db,
    orgs: &[Org],
    experts: &[(String, String)],
    actor: Actor<'_>,
) -> Result<Vec<(i64, String)>> {
    let mut rng = Lcg(6);
    let research: Vec<&Org> = orgs.iter().filter(|o| o.kind != "enterprise").collect();
    let firms: Vec<&Org> = orgs.iter().filter(|o| o.kind == "enterprise").collect();
    let plan: [(&str, usize, &[&Org]); 5] = [
        ("talent_pool", 60, &firms),
        ("leading_talent", 12, &research),
        ("innovation_team", 48, &firms),
        ("commissioner", 30, &research),
        ("three_regions", 15, &research),
    ];
    let mut out = Vec::new();
    let mut n = 0;
    for (programme, count, pool) in plan {
        if pool.is_empty() {
            continue;
        }
        for k in 0..count {
            n += 1;
            // Leading talents are the expert library's first people, under their own names.
            let expert = experts.get(k).filter(|_| programme == "leading_talent");
            let start = 2022 + (k % 4) as i32;
            let code = expert.map(|e| e.0.clone());
            let mut p = person(&mut rng, n, pool[(k * 5 + n) % pool.len()], programme, start, code);
            if let Some((_, name)) = expert {
                p.name = name.clone();
            }
            match store::add_person(db, &p, &innocity_store::orgs::everywhere(), actor).await {
                Ok(id) => out.push((id, programme.to_string())),
                Err(innocity_store::StoreError::Talent(_)) => continue,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(out)
}

/// Twelve teams of four to five people from the innovation-team programme, each at its leader's
/// organisation.
async fn teams(db: &Db, people: &[(i64, String)], actor: Actor<'_>) -> Result<Vec<i64>> {
    let members: Vec<i64> =
        people.iter().filter(|(_, p)| p == "innovation_team").map(|(id, _)| *id).collect();
    let mut out = Vec::new();
    for (k, chunk) in members.chunks(4).enumerate().take(TEAM_THEMES.len()) {
        let Some((&leader, rest)) = chunk.split_first() else { continue };
        if rest.len() < 2 {
            continue;
        }
        let Some(l) = store::person(db, leader).await? else { continue };
        let code: String = db
            .read(
                "SELECT credit_code FROM organisations WHERE id = ?",
                vec![l.organisation_id.into()],
                |r| r.text(0),
            )
            .await?
            .into_iter()
            .next()
            .unwrap_or_default();
        let start = 2023 + (k % 3) as i32;
        let t = Team {
            name: format!("{}创新团队", TEAM_THEMES[k]),
            organisation_credit_code: code,
            field: TEAM_THEMES[k].into(),
            leader_id: leader,
            member_ids: rest.to_vec(),
            support_from: day(start, 1, 1),
            support_to: day(start + 2, 12, 31),
            cycle_years: 3,
        };
        out.push(store::add_team(db, &t, &innocity_store::orgs::everywhere(), actor).await?);
    }
    Ok(out)
}

/// The yearly reports due, filed for all but every seventh person or team.
async fn reports(
    db: &Db,
    people: &[(i64, String)],
    teams: &[i64],
    actor: Actor<'_>,
) -> Result<usize> {
    let today = db.clock.today();
    let mut filed = 0;
    let mut subjects: Vec<(Subject, i64, NaiveDate, NaiveDate)> = Vec::new();
    for (id, _) in people {
        if let Some(p) = store::person(db, *id).await? {
            subjects.push((Subject::Talent, p.id, p.support_from, p.support_to));
        }
    }
    for id in teams {
        if let Some(t) = store::team(db, *id).await? {
            subjects.push((Subject::Team, t.id, t.support_from, t.support_to));
        }
    }
    for (subject, id, from, to) in subjects {
        for year in report_years(from, to, today) {
            if id % 7 == 0 && year == chrono::Datelike::year(&today) - 1 {
                continue;
            }
            store::file_report(db, subject, id, (from, to), year, SUMMARY, actor).await?;
            filed += 1;
        }
    }
    Ok(filed)
}

/// The demo's people, teams and reports (the expert library first, for the leading talents).
pub async fn seed_talent(db: &Db) -> Result<TalentSummary> {
    let actor = Actor { user_id: 0, username: "bureau", request_id: "demo" };
    let orgs = db
        .read("SELECT credit_code, kind FROM organisations ORDER BY id", vec![], |r| {
            Ok(Org { code: r.text(0)?, kind: r.text(1)? })
        })
        .await?;
    let experts = db
        .read("SELECT code, name FROM experts ORDER BY id LIMIT 12", vec![], |r| {
            Ok((r.text(0)?, r.text(1)?))
        })
        .await?;
    let people = people(db, &orgs, &experts, actor).await?;
    let teams = teams(db, &people, actor).await?;
    let reports = reports(db, &people, &teams, actor).await?;
    Ok(TalentSummary { people: people.len(), teams: teams.len(), reports })
}
