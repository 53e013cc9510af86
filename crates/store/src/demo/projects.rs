//! Demo programmes, calls and applications: two programmes with yearly budgets, three calls — one
//! open, one in review, one decided — and about 400 applications from the demo organisations with
//! CSL papers as their texts, each moved through the real stage checks (deadlines, eligibility,
//! the programme budget) to where it stands.
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::projects::{self as p, Decision, Draft, NewCall};
use chrono::{Days, NaiveDate};
use innocity_core::projects::funding::{BudgetRules, Line};
use innocity_core::projects::money::Money;
use innocity_core::projects::{Action, Deadlines, Eligibility, Level};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct ProjectsSummary {
    pub calls: usize,
    pub applications: usize,
    pub established: usize,
}

/// A valid resident ID number for the n-th demo leader (check digit per GB 11643).
pub fn demo_id_number(n: u64) -> String {
    let body = format!("620102{:04}{:02}{:02}{:03}", 1960 + n % 35, 1 + n % 12, 1 + n % 28, n % 1000);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(W).map(|(c, w)| u32::from(c - b'0') * w).sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"];
const GIVEN: &[&str] = &["建华", "志刚", "海燕", "晓明", "丽娟", "国强", "文博", "雪梅", "振宇", "春生", "静怡", "浩然", "思远", "红霞", "永福"];

pub async fn seed_projects(db: &Db, csl_tsv: &str) -> Result<ProjectsSummary> {
    let actor = Actor { user_id: 0, username: "system", request_id: "demo" };
    let today = chrono::Local::now().date_naive();
    let year = i64::from(chrono::Datelike::year(&today));
    let papers: Vec<(String, String, String)> = csl_tsv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let (title, abs, field, cat) = (c.get(1)?.trim(), c.get(2)?.trim(), c.get(4)?.trim(), c.get(5)?.trim());
            (["工学", "理学", "医学", "农学"].contains(&cat) && (8..=60).contains(&title.chars().count())).then(|| (title.to_string(), abs.to_string(), field.to_string()))
        })
        // The expert demo used the first papers of each field; take these from the end.
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if papers.len() < 400 {
        return Err(StoreError::Invalid("the CSL sample has too few papers for the project demo".into()));
    }
    let orgs = db
        .read("SELECT id, unit_path, kind FROM organisations WHERE kind IN ('enterprise', 'university', 'institute') ORDER BY id", vec![], |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?)))
        .await?;
    let enterprises: Vec<&(i64, String, String)> = orgs.iter().filter(|o| o.2 == "enterprise").collect();
    if enterprises.len() < 20 {
        return Err(StoreError::Invalid("the project demo needs enterprises".into()));
    }
    let jc = p::create_programme(db, "JC", "基础研究计划（自然科学基金）", &[(year - 1, Money::from_wan(3000)), (year, Money::from_wan(3000)), (year + 1, Money::from_wan(3500))], actor).await?;
    let zd = p::create_programme(db, "ZD", "重点研发计划", &[(year - 1, Money::from_wan(6000)), (year, Money::from_wan(6000)), (year + 1, Money::from_wan(6500))], actor).await?;
    let d = |days: i64| if days >= 0 { today + Days::new(days as u64) } else { today - Days::new((-days) as u64) };
    let window = |opens: i64| (d(opens), Deadlines { applicant: d(opens + 60), organisation: d(opens + 67), zone: d(opens + 74) });
    let guidelines = "一、支持方向：围绕兰白自创区主导产业和“强科技”行动，支持新材料、生物医药、先进制造、现代农业等领域的关键技术攻关。\n二、申报要求：申报单位应在本市注册或设立，具有独立法人资格；项目负责人应为申报单位在职人员，同期主持在研项目不超过两项。\n三、经费要求：企业牵头项目自筹经费与申请专项经费比例不低于 1:1；间接费用不超过直接费用的 20%。";
    let topics: Vec<String> = ["新材料", "生物医药", "先进制造", "现代农业"].iter().map(|s| s.to_string()).collect();
    // (programme, code, title, opens in days from today, eligibility, applications, budget year)
    let (open_from, open_dl) = window(-20);
    let (review_from, review_dl) = window(-130);
    let (closed_from, closed_dl) = window(-260);
    let specs = [
        (jc, format!("JC{}", year + 1), format!("{}年度基础研究计划（自然科学基金）项目申报指南", year + 1), open_from, open_dl, Eligibility { credit_check: true, max_ongoing_per_leader: 2, ..Default::default() }, 60usize, year + 1),
        (zd, format!("ZD{year}"), format!("{year}年度重点研发计划项目申报指南"), review_from, review_dl, Eligibility { org_kinds: vec!["enterprise".into()], credit_check: true, max_ongoing_per_leader: 2, ..Default::default() }, 180, year),
        (zd, format!("ZH{}", year - 1), format!("{}年度科技成果转化项目申报指南", year - 1), closed_from, closed_dl, Eligibility { org_kinds: vec!["enterprise".into()], credit_check: true, ..Default::default() }, 160, year - 1),
    ];
    let member: Option<(i64, (i64, String, String))> = db
        .read("SELECT u.id, o.id, o.unit_path, o.kind FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.username = 'member'", vec![], |r| Ok((r.int(0)?, (r.int(1)?, r.text(2)?, r.text(3)?))))
        .await?
        .into_iter()
        .next();
    let mut summary = ProjectsSummary::default();
    let mut paper = 0usize;
    let mut leader = 0u64;
    for (k, (programme_id, code, title, opens, deadlines, eligibility, n, budget_year)) in specs.into_iter().enumerate() {
        let rules = BudgetRules { max_request: Money::from_wan(if k == 0 { 30 } else { 100 }), co_funding: if k == 0 { 0.0 } else { 1.0 }, indirect_share: 0.2 };
        let call_id = p::create_call(db, &NewCall { programme_id, code, title, year: budget_year, guidelines: guidelines.into(), topics: topics.clone(), eligibility: eligibility.clone(), budget_rules: rules, deadlines, opens_on: opens }, actor).await?;
        let call = p::call(db, call_id).await?.ok_or(StoreError::NotFound)?;
        summary.calls += 1;
        for i in 0..n {
            let pool: &[&(i64, String, String)] = if eligibility.org_kinds.is_empty() { &orgs.iter().collect::<Vec<_>>() } else { &enterprises };
            // The demo's `member` account leads the open call's first two (a draft and one
            // waiting for `orgadmin`'s endorsement).
            let own = if k == 0 && i < 2 { member.as_ref() } else { None };
            let fallback = pool[(i * 7 + k) % pool.len()];
            let org = own.map(|m| &m.1).unwrap_or(fallback);
            let (t, abs, _) = &papers[paper % papers.len()];
            paper += 1;
            leader += 1;
            let name = format!("{}{}", SURNAMES[(leader as usize) % SURNAMES.len()], GIVEN[(leader as usize / 3) % GIVEN.len()]);
            let user = match own {
                Some(m) => m.0,
                None => shadow_user(db, leader, &name, org.0).await?,
            };
            let req = Money::from_wan(if k == 0 { 10 + (i as i64 * 7) % 20 } else { 30 + (i as i64 * 13) % 60 });
            let equipment = Money(req.0 * 6 / 10);
            let indirect = Money(req.0 / 10);
            let budget = vec![
                Line { category: "equipment".into(), requested: equipment, raised: Money(equipment.0 + req.0 / 10) },
                Line { category: "business".into(), requested: Money(req.0 - equipment.0 - indirect.0), raised: Money(req.0 - equipment.0) },
                Line { category: "indirect".into(), requested: indirect, raised: Money::ZERO },
            ];
            let draft = Draft { title: t.clone(), topic: topics[i % topics.len()].clone(), summary: abs.clone(), leader_name: name.clone(), leader_key: demo_id_number(leader), members: vec![format!("{}{}", SURNAMES[(leader as usize + 3) % SURNAMES.len()], GIVEN[(leader as usize + 1) % GIVEN.len()])], budget };
            let id = p::create_draft(db, &call, &draft, user, org.0, &org.1, opens + Days::new(3), actor).await?;
            summary.applications += 1;
            // How far this one goes: open call — a mix of early stages; in review — through the
            // formal check to expert or department review; decided — to the decision.
            let path: &[(Action, Level)] = match (k, i % 10) {
                (0, 0) => &[],
                (0, 1) => &[(Action::Submit, Level::Applicant)],
                (0, 2..=4) => &[],
                (0, 5..=7) => &[(Action::Submit, Level::Applicant)],
                (0, _) => &[(Action::Submit, Level::Applicant), (Action::Endorse, Level::Organisation)],
                (1, 0) => &[(Action::Submit, Level::Applicant), (Action::Endorse, Level::Organisation), (Action::Recommend, Level::Zone), (Action::FormalReject, Level::Bureau)],
                (1, 1..=5) => &[(Action::Submit, Level::Applicant), (Action::Endorse, Level::Organisation), (Action::Recommend, Level::Zone), (Action::FormalPass, Level::Bureau)],
                (1, _) => &[(Action::Submit, Level::Applicant), (Action::Endorse, Level::Organisation), (Action::Recommend, Level::Zone), (Action::FormalPass, Level::Bureau), (Action::FinishReview, Level::Bureau)],
                (_, _) => &[(Action::Submit, Level::Applicant), (Action::Endorse, Level::Organisation), (Action::Recommend, Level::Zone), (Action::FormalPass, Level::Bureau), (Action::FinishReview, Level::Bureau)],
            };
            for (action, level) in path {
                let day = match action {
                    Action::Submit => deadlines.applicant - Days::new(2),
                    Action::Endorse => deadlines.organisation - Days::new(1),
                    Action::Recommend => deadlines.zone,
                    _ => deadlines.zone + Days::new(20),
                };
                let reason = if action.needs_reason() { "申报材料缺少单位承诺书，不符合形式审查要求。" } else { "" };
                step(db, id, *action, *level, reason, Money::ZERO, day, actor).await?;
            }
            if k == 2 {
                // The decision meeting: 120 funded (75 % of the request), 25 kept in reserve, the rest rejected.
                let decided = deadlines.zone + Days::new(60);
                match i {
                    0..=119 => {
                        step(db, id, Action::Approve, Level::Bureau, "", Money(req.0 * 3 / 4), decided, actor).await?;
                        step(db, id, Action::Establish, Level::Bureau, "", Money::ZERO, decided + Days::new(7), actor).await?;
                        summary.established += 1;
                    }
                    120..=144 => step(db, id, Action::Reserve, Level::Bureau, "", Money::ZERO, decided, actor).await?,
                    _ => step(db, id, Action::Reject, Level::Bureau, "专家评审综合得分未达立项线。", Money::ZERO, decided, actor).await?,
                }
            }
        }
    }
    for c in p::calls(db).await? {
        p::flag_duplicates(db, c.id, actor).await?;
    }
    // Task books and money of the established projects: every one signed (ten as post-subsidy),
    // most first instalments paid, some second ones prepared and waiting for the checker, a few
    // projects accepted and paid in full.
    let maker = Actor { user_id: 0, username: "bureau", request_id: "demo" };
    let checker = Actor { user_id: 0, username: "admin", request_id: "demo" };
    let established = p::applications(db, p::Reach::All, None, Some(innocity_core::projects::Stage::Established)).await?;
    for (i, a) in established.iter().enumerate() {
        let post = i % 12 == 11;
        let deliverables = vec!["申请发明专利 2 件".to_string(), "发表核心期刊论文 3 篇".to_string(), "形成示范应用 1 项".to_string()];
        p::sign_task_book(db, a.id, &format!("完成“{}”关键技术攻关并实现示范应用。", a.title), &deliverables, d(-200), d(530), post, maker).await?;
        if post {
            continue;
        }
        let rows = p::instalments(db, a.id).await?;
        if i % 10 < 8 {
            p::pay(db, rows[0].id, false, maker).await?;
            p::pay(db, rows[0].id, true, checker).await?;
        }
        if i % 10 < 3 {
            p::approve_condition(db, a.id, innocity_core::projects::funding::Condition::MidTerm, "中期检查专家组意见：项目按计划推进，同意拨付第二笔经费。", maker).await?;
            p::pay(db, rows[1].id, false, maker).await?;
            if i % 10 < 2 {
                p::pay(db, rows[1].id, true, checker).await?;
            }
        }
        if i % 30 == 0 {
            p::approve_condition(db, a.id, innocity_core::projects::funding::Condition::Acceptance, "验收专家组意见：完成任务书考核指标，同意通过验收。", maker).await?;
            p::pay(db, rows[2].id, false, maker).await?;
            p::pay(db, rows[2].id, true, checker).await?;
        }
    }
    Ok(summary)
}

async fn step(db: &Db, id: i64, action: Action, level: Level, reason: &str, grant: Money, day: NaiveDate, actor: Actor<'_>) -> Result<()> {
    let v = p::application(db, id).await?.ok_or(StoreError::NotFound)?.version;
    p::act(db, id, action, level, reason, v, Decision { grant }, day, actor).await?;
    Ok(())
}

/// Demo leaders have inactive accounts (no password) in their organisation.
async fn shadow_user(db: &Db, n: u64, name: &str, organisation_id: i64) -> Result<i64> {
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO users (username, display_name, password_hash, role, organisation_id, active, created_at) VALUES (?, ?, '!', 'org_member', ?, 0, ?)",
            vec![format!("r{n:04}").into(), name.into(), organisation_id.into(), crate::now_ms().into()],
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// One applicant of the submission benchmark: an API token and a draft to submit.
#[derive(Debug, Clone, Serialize)]
pub struct BenchApplicant {
    pub token: String,
    pub application: i64,
    pub version: i64,
}

/// Data for `bench/submit.sh` in a database with the demo organisations: an open call,
/// `applicants` researchers (active accounts reached by API token only) each with a draft, and
/// `board_rows` more applications spread over stages for the board.
pub async fn seed_submit_bench(db: &Db, applicants: usize, board_rows: usize) -> Result<Vec<BenchApplicant>> {
    let actor = Actor { user_id: 0, username: "bench", request_id: "bench" };
    let today = chrono::Local::now().date_naive();
    let year = i64::from(chrono::Datelike::year(&today));
    let prog = p::create_programme(db, "BENCH", "基准测试计划", &[(year, Money::from_wan(1_000_000))], actor).await?;
    let deadlines = Deadlines { applicant: today + Days::new(30), organisation: today + Days::new(37), zone: today + Days::new(44) };
    let rules = BudgetRules { max_request: Money::from_wan(100), co_funding: 0.0, indirect_share: 0.2 };
    let call_id = p::create_call(db, &NewCall { programme_id: prog, code: "BENCH".into(), title: "基准测试申报指南".into(), year, guidelines: "基准测试".into(), topics: vec![], eligibility: Eligibility::default(), budget_rules: rules, deadlines, opens_on: today - Days::new(1) }, actor).await?;
    let call = p::call(db, call_id).await?.ok_or(StoreError::NotFound)?;
    let orgs = db.read("SELECT id, unit_path FROM organisations WHERE kind = 'enterprise' ORDER BY id", vec![], |r| Ok((r.int(0)?, r.text(1)?))).await?;
    let mut out = Vec::with_capacity(applicants);
    for n in 0..applicants {
        let org = &orgs[n % orgs.len()];
        let tx = db.begin_write().await?;
        let uid = tx.insert("INSERT INTO users (username, display_name, password_hash, role, organisation_id, active, created_at) VALUES (?, ?, '!', 'org_member', ?, 1, ?)", vec![format!("bench{n:05}").into(), format!("申报人{n}").into(), org.0.into(), crate::now_ms().into()]).await?;
        tx.commit().await?;
        let token = crate::users::create_token(db, uid, "bench", "bench", "bench").await?;
        let draft = Draft { title: format!("基准测试项目{n:05}：稀土功能材料制备技术研究"), topic: String::new(), summary: "基准测试".into(), leader_name: format!("申报人{n}"), leader_key: demo_id_number(50_000 + n as u64), members: vec![], budget: vec![Line { category: "equipment".into(), requested: Money::from_wan(10), raised: Money::ZERO }] };
        let application = p::create_draft(db, &call, &draft, uid, org.0, &org.1, today, actor).await?;
        out.push(BenchApplicant { token, application, version: 1 });
    }
    // The board's load: many applications in one statement per thousand rows.
    let stages = ["draft", "submitted", "endorsed", "recommended", "in_review", "reviewed", "approved", "rejected", "established"];
    let now = crate::now_ms();
    let tx = db.begin_write().await?;
    for chunk in (0..board_rows).collect::<Vec<_>>().chunks(1000) {
        let mut sql = String::from("INSERT INTO applications (call_id, code, title, topic, summary, leader_user_id, leader_name, leader_key, members, organisation_id, unit_path, budget, requested_fen, stage, reason, duplicate_of, created_at, updated_at, submitted_at) VALUES ");
        let mut vals: Vec<sea_orm::Value> = Vec::new();
        for (k, n) in chunk.iter().enumerate() {
            if k > 0 {
                sql.push_str(", ");
            }
            sql.push_str("(?, ?, ?, '', '', 1, '某某', '', '[]', ?, ?, '[]', ?, ?, '', '', ?, ?, 0)");
            let org = &orgs[n % orgs.len()];
            vals.extend([call_id.into(), format!("BOARD-{n:06}").into(), format!("看板项目{n}").into(), org.0.into(), org.1.clone().into(), (((n % 50) as i64 + 10) * 1_000_000).into(), stages[n % stages.len()].into(), now.into(), now.into()]);
        }
        tx.exec(&sql, vals).await?;
    }
    tx.commit().await?;
    p::recount(db).await?;
    Ok(out)
}
