//! Demo programmes, calls and applications: two programmes with yearly budgets, three calls — one
//! open, one in review, one decided — and about 400 applications from the demo organisations with
//! CSL papers as their texts, each moved through the real stage checks (deadlines, eligibility,
//! the programme budget) to where it stands.
use chrono::{Days, NaiveDate};
use innocity_core::projects::form::{self, ReviewPlan};
use innocity_core::projects::funding::{BudgetRules, Line};
use innocity_core::projects::milestones;
use innocity_core::projects::money::Money;
use innocity_core::projects::{Action, Deadlines, Eligibility, Level};
use innocity_store::db::{Db, Result, StoreError};
use innocity_store::orgs::Actor;
use innocity_store::projects::{self as p, Decision, Draft, NewCall, execution as x};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct ProjectsSummary {
    pub calls: usize,
    pub applications: usize,
    pub established: usize,
}

/// A valid resident ID number for the n-th demo leader (check digit per GB 11643).
pub fn demo_id_number(n: u64) -> String {
    let body =
        format!("620102{:04}{:02}{:02}{:03}", 1960 + n % 35, 1 + n % 12, 1 + n % 28, n % 1000);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(W).map(|(c, w)| u32::from(c - b'0') * w).sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// The open call's own part of the application form.
const DEMO_FORM: &str = "# 一、研究基础\n研究基础与现有条件 | 长文本 | 必填\n技术就绪度（TRL） | 数字 1-9 | 必填\n# 二、预期成果与合作\n预期成果形式 | 选项 论文/专利/标准/新产品/新工艺 | 必填\n合作单位 | 文本\n计划开始日期 | 日期\n";

fn demo_answers(abstract_text: &str, i: usize) -> std::collections::BTreeMap<String, String> {
    let basis: String = abstract_text.chars().take(300).collect();
    [
        ("研究基础与现有条件", format!("团队前期已开展相关研究：{basis}")),
        ("技术就绪度（TRL）", (3 + i % 5).to_string()),
        ("预期成果形式", ["论文", "专利", "标准", "新产品", "新工艺"][i % 5].to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: &[&str] = &[
    "建华", "志刚", "海燕", "晓明", "丽娟", "国强", "文博", "雪梅", "振宇", "春生", "静怡", "浩然",
    "思远", "红霞", "永福",
];

pub async fn seed_projects(db: &Db, csl_tsv: &str) -> Result<ProjectsSummary> {
    let actor = Actor { user_id: 0, username: "system", request_id: "demo" };
    let today = db.clock.today();
    let year = i64::from(chrono::Datelike::year(&today));
    let papers: Vec<(String, String, String)> = csl_tsv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let (title, abs, field, cat) =
                (c.get(1)?.trim(), c.get(2)?.trim(), c.get(4)?.trim(), c.get(5)?.trim());
            (["工学", "理学", "医学", "农学"].contains(&cat)
                && (8..=60).contains(&title.chars().count()))
            .then(|| (title.to_string(), abs.to_string(), field.to_string()))
        })
        // The expert demo used the first papers of each field; take these from the end.
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if papers.len() < 400 {
        return Err(StoreError::Invalid(
            "the CSL sample has too few papers for the project demo".into(),
        ));
    }
    let orgs = db
        .read("SELECT id, unit_path, kind FROM organisations WHERE kind IN ('enterprise', 'university', 'institute') ORDER BY id", vec![], |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?)))
        .await?;
    let enterprises: Vec<&(i64, String, String)> =
        orgs.iter().filter(|o| o.2 == "enterprise").collect();
    if enterprises.len() < 20 {
        return Err(StoreError::Invalid("the project demo needs enterprises".into()));
    }
    let jc = p::create_programme(
        db,
        "JC",
        "基础研究计划（自然科学基金）",
        &[
            (year - 1, Money::from_wan(3000)),
            (year, Money::from_wan(3000)),
            (year + 1, Money::from_wan(3500)),
        ],
        actor,
    )
    .await?;
    let zd = p::create_programme(
        db,
        "ZD",
        "重点研发计划",
        &[
            (year - 1, Money::from_wan(6000)),
            (year, Money::from_wan(6000)),
            (year + 1, Money::from_wan(6500)),
        ],
        actor,
    )
    .await?;
    let d = |days: i64| {
        if days >= 0 { today + Days::new(days as u64) } else { today - Days::new((-days) as u64) }
    };
    let window = |opens: i64| {
        (
            d(opens),
            Deadlines {
                applicant: d(opens + 60),
                organisation: d(opens + 67),
                zone: d(opens + 74),
            },
        )
    };
    let guidelines = "一、支持方向：围绕兰白自创区主导产业和“强科技”行动，支持新材料、生物医药、先进制造、现代农业等领域的关键技术攻关。\n二、申报要求：申报单位应在本市注册或设立，具有独立法人资格；项目负责人应为申报单位在职人员，同期主持在研项目不超过两项。\n三、经费要求：企业牵头项目自筹经费与申请专项经费比例不低于 1:1；间接费用不超过直接费用的 20%。";
    let topics: Vec<String> =
        ["新材料", "生物医药", "先进制造", "现代农业"].iter().map(|s| s.to_string()).collect();
    // (programme, code, title, opens in days from today, eligibility, applications, budget year)
    let (open_from, open_dl) = window(-20);
    let (review_from, review_dl) = window(-130);
    let (closed_from, closed_dl) = window(-600);
    let specs = [
        (
            jc,
            format!("JC{}", year + 1),
            format!("{}年度基础研究计划（自然科学基金）项目申报指南", year + 1),
            open_from,
            open_dl,
            Eligibility { credit_check: true, max_ongoing_per_leader: 2, ..Default::default() },
            60usize,
            year + 1,
        ),
        (
            zd,
            format!("ZD{year}"),
            format!("{year}年度重点研发计划项目申报指南"),
            review_from,
            review_dl,
            Eligibility {
                org_kinds: vec!["enterprise".into()],
                credit_check: true,
                max_ongoing_per_leader: 2,
                ..Default::default()
            },
            180,
            year,
        ),
        (
            zd,
            format!("ZH{}", year - 1),
            format!("{}年度科技成果转化项目申报指南", year - 1),
            closed_from,
            closed_dl,
            Eligibility {
                org_kinds: vec!["enterprise".into()],
                credit_check: true,
                ..Default::default()
            },
            160,
            year - 1,
        ),
    ];
    let member: Option<(i64, (i64, String, String))> = db
        .read("SELECT u.id, o.id, o.unit_path, o.kind FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.username = 'member'", vec![], |r| Ok((r.int(0)?, (r.int(1)?, r.text(2)?, r.text(3)?))))
        .await?
        .into_iter()
        .next();
    let mut summary = ProjectsSummary::default();
    let mut paper = 0usize;
    let mut leader = 0u64;
    for (k, (programme_id, code, title, opens, deadlines, eligibility, n, budget_year)) in
        specs.into_iter().enumerate()
    {
        let rules = BudgetRules {
            max_request: Money::from_wan(if k == 0 { 30 } else { 100 }),
            co_funding: if k == 0 { 0.0 } else { 1.0 },
            indirect_share: 0.2,
        };
        // The open call has its own part of the form and a panel after the remote review.
        let form = if k == 0 {
            form::parse(DEMO_FORM).map_err(|e| {
                StoreError::Invalid(format!("demo form line {}: {}", e.line, e.code))
            })?
        } else {
            vec![]
        };
        let review_plan = if k == 0 {
            ReviewPlan {
                remote_experts: 5,
                panel_experts: 7,
                panel_drawn: true,
                panel_shortlist: 30,
                department_review: true,
            }
        } else {
            ReviewPlan::default()
        };
        let call_id = p::create_call(
            db,
            &NewCall {
                programme_id,
                code,
                title,
                year: budget_year,
                guidelines: guidelines.into(),
                topics: topics.clone(),
                eligibility: eligibility.clone(),
                budget_rules: rules,
                deadlines,
                opens_on: opens,
                form,
                review_plan,
            },
            actor,
        )
        .await?;
        let call = p::call(db, call_id).await?.ok_or(StoreError::NotFound)?;
        summary.calls += 1;
        for i in 0..n {
            let pool: &[&(i64, String, String)] = if eligibility.org_kinds.is_empty() {
                &orgs.iter().collect::<Vec<_>>()
            } else {
                &enterprises
            };
            // The demo's `member` account leads the open call's first two (a draft and one
            // waiting for `orgadmin`'s endorsement).
            // It also leads one of the decided call's projects (reports due, a finding to put right).
            let own = if (k == 0 && i < 2) || (k == 2 && i == 1) { member.as_ref() } else { None };
            let fallback = pool[(i * 7 + k) % pool.len()];
            let org = own.map(|m| &m.1).unwrap_or(fallback);
            let (t, abs, _) = &papers[paper % papers.len()];
            paper += 1;
            leader += 1;
            let name = format!(
                "{}{}",
                SURNAMES[(leader as usize) % SURNAMES.len()],
                GIVEN[(leader as usize / 3) % GIVEN.len()]
            );
            let user = match own {
                Some(m) => m.0,
                None => shadow_user(db, leader, &name, org.0).await?,
            };
            let req = Money::from_wan(if k == 0 {
                10 + (i as i64 * 7) % 20
            } else {
                30 + (i as i64 * 13) % 60
            });
            let equipment = Money(req.0 * 6 / 10);
            let indirect = Money(req.0 / 10);
            let budget = vec![
                Line {
                    category: "equipment".into(),
                    requested: equipment,
                    raised: Money(equipment.0 + req.0 / 10),
                },
                Line {
                    category: "business".into(),
                    requested: Money(req.0 - equipment.0 - indirect.0),
                    raised: Money(req.0 - equipment.0),
                },
                Line { category: "indirect".into(), requested: indirect, raised: Money::ZERO },
            ];
            let answers =
                if call.form.is_empty() { Default::default() } else { demo_answers(abs, i) };
            let draft = Draft {
                title: t.clone(),
                topic: topics[i % topics.len()].clone(),
                summary: abs.clone(),
                leader_name: name.clone(),
                leader_key: demo_id_number(leader),
                members: vec![format!(
                    "{}{}",
                    SURNAMES[(leader as usize + 3) % SURNAMES.len()],
                    GIVEN[(leader as usize + 1) % GIVEN.len()]
                )],
                budget,
                answers,
            };
            let id = p::create_draft(
                db,
                &call,
                &draft,
                p::DraftLead { leader_user_id: user, organisation_id: org.0, unit_path: &org.1 },
                opens + Days::new(3),
                actor,
            )
            .await?;
            summary.applications += 1;
            // How far this one goes: open call — a mix of early stages; in review — through the
            // formal check to expert or department review; decided — to the decision.
            let path: &[(Action, Level)] = match (k, i % 10) {
                (0, 0) => &[],
                (0, 1) => &[(Action::Submit, Level::Applicant)],
                (0, 2..=4) => &[],
                (0, 5..=7) => &[(Action::Submit, Level::Applicant)],
                (0, _) => {
                    &[(Action::Submit, Level::Applicant), (Action::Endorse, Level::Organisation)]
                }
                (1, 0) => &[
                    (Action::Submit, Level::Applicant),
                    (Action::Endorse, Level::Organisation),
                    (Action::Recommend, Level::Zone),
                    (Action::FormalReject, Level::Bureau),
                ],
                (1, 1..=5) => &[
                    (Action::Submit, Level::Applicant),
                    (Action::Endorse, Level::Organisation),
                    (Action::Recommend, Level::Zone),
                    (Action::FormalPass, Level::Bureau),
                ],
                (1, _) => &[
                    (Action::Submit, Level::Applicant),
                    (Action::Endorse, Level::Organisation),
                    (Action::Recommend, Level::Zone),
                    (Action::FormalPass, Level::Bureau),
                    (Action::FinishReview, Level::Bureau),
                ],
                (_, _) => &[
                    (Action::Submit, Level::Applicant),
                    (Action::Endorse, Level::Organisation),
                    (Action::Recommend, Level::Zone),
                    (Action::FormalPass, Level::Bureau),
                    (Action::FinishReview, Level::Bureau),
                ],
            };
            for (action, level) in path {
                let day = match action {
                    Action::Submit => deadlines.applicant - Days::new(2),
                    Action::Endorse => deadlines.organisation - Days::new(1),
                    Action::Recommend => deadlines.zone,
                    _ => deadlines.zone + Days::new(20),
                };
                let reason = if action.needs_reason() {
                    "申报材料缺少单位承诺书，不符合形式审查要求。"
                } else {
                    ""
                };
                step(
                    db,
                    id,
                    p::Move { action: *action, level: *level, reason },
                    Money::ZERO,
                    day,
                    actor,
                )
                .await?;
            }
            if k == 2 {
                // The decision meeting: 121 funded (75 % of the request), 24 kept in reserve, the rest rejected.
                let decided = deadlines.zone + Days::new(60);
                let v = p::application(db, id).await?.ok_or(StoreError::NotFound)?.version;
                let (suggest, opinion) = match i {
                    0..=120 => {
                        (Money(req.0 * 3 / 4), "专家评审综合得分较高，研究基础扎实，建议立项支持。")
                    }
                    121..=144 => (Money(req.0 / 2), "评审得分接近立项线，建议列入储备项目库。"),
                    _ => (Money::ZERO, "专家评审综合得分未达立项线，建议不予立项。"),
                };
                p::department_review(db, id, opinion, suggest, v, actor).await?;
                match i {
                    0..=120 => {
                        step(
                            db,
                            id,
                            p::Move { action: Action::Approve, level: Level::Bureau, reason: "" },
                            Money(req.0 * 3 / 4),
                            decided,
                            actor,
                        )
                        .await?
                    }
                    121..=144 => {
                        step(
                            db,
                            id,
                            p::Move { action: Action::Reserve, level: Level::Bureau, reason: "" },
                            Money::ZERO,
                            decided,
                            actor,
                        )
                        .await?
                    }
                    _ => {
                        step(
                            db,
                            id,
                            p::Move {
                                action: Action::Reject,
                                level: Level::Bureau,
                                reason: "专家评审综合得分未达立项线。",
                            },
                            Money::ZERO,
                            decided,
                            actor,
                        )
                        .await?
                    }
                }
            }
        }
        if k == 2 {
            // The minutes and a week's public notice; two objections — one dismissed, one upheld
            // (that application is rejected and its money returns) —; then 120 projects.
            let decided = deadlines.zone + Days::new(60);
            let minutes = format!(
                "{}决策会议纪要：会议听取了专家评审和部门审核情况汇报，经集体研究，同意对 121 个项目予以立项支持，24 个项目列入储备项目库。",
                decided.format("%Y年%m月%d日")
            );
            x::publish_notice(
                db,
                call_id,
                decided,
                &minutes,
                decided + Days::new(1),
                decided + Days::new(7),
                actor,
            )
            .await?;
            let approved = p::applications(
                db,
                p::Reach::All,
                Some(call_id),
                Some(innocity_core::projects::Stage::Approved),
            )
            .await?;
            if let (Some(first), Some(last)) = (approved.first(), approved.last()) {
                let a = x::object(
                    db,
                    call_id,
                    &first.code,
                    &x::Objector {
                        name: "匿名群众（已实名登记）",
                        contact: "0931-8888001",
                        address: None,
                    },
                    "反映该项目申报材料中的专利归属存在争议，请予核查。",
                    decided + Days::new(3),
                )
                .await?;
                x::resolve_objection(
                    db,
                    a,
                    false,
                    "经核查，所涉专利权属清楚，为申报单位职务发明，异议不成立。",
                    actor,
                )
                .await?;
                let b = x::object(
                    db,
                    call_id,
                    &last.code,
                    &x::Objector { name: "王某某", contact: "wang@example.cn", address: None },
                    "反映项目负责人同期主持的在研项目已超过申报指南规定的数量。",
                    decided + Days::new(4),
                )
                .await?;
                x::resolve_objection(
                    db,
                    b,
                    true,
                    "经核查，项目负责人同期主持在研项目三项，超过指南规定，异议成立，取消立项。",
                    actor,
                )
                .await?;
            }
            summary.established +=
                x::establish_call(db, call_id, decided + Days::new(9), actor).await?.0;
        }
    }
    for c in p::calls(db).await? {
        p::flag_duplicates(db, c.id, actor).await?;
    }
    carry_out(db, today, &papers).await?;
    Ok(summary)
}

/// The established projects' lives so far: task books signed 20 days after the decision (a third
/// run a year, the rest two; ten are post-subsidy), first instalments paid, half-yearly and
/// mid-term reports in (on time, late, or overdue and reminded), mid-term inspections with three
/// experts' opinions, second instalments prepared and released by two people, changes (an
/// extension, reallocations, a new leader waiting), supervision visits and fund audits with
/// rectifications, a suspended and a terminated project, outputs, four projects accepted and paid
/// in full and one failed acceptance with its credit records.
async fn carry_out(db: &Db, today: NaiveDate, papers: &[(String, String, String)]) -> Result<()> {
    use innocity_core::projects::execution::{Opinion, Outcome, ReportKind, StatusAction};
    use innocity_core::projects::funding::Condition;
    let maker = Actor { user_id: 0, username: "bureau", request_id: "demo" };
    let checker = Actor { user_id: 0, username: "admin", request_id: "demo" };
    let established =
        p::applications(db, p::Reach::All, None, Some(innocity_core::projects::Stage::Established))
            .await?;
    let Some(first) = established.first() else { return Ok(()) };
    let started =
        x::notice(db, first.call_id).await?.map(|n| n.ends_on + Days::new(12)).unwrap_or(today);
    let experts = [
        ("张立新", "兰州大学"),
        ("李慧敏", "中国科学院近代物理研究所"),
        ("赵国栋", "兰州理工大学"),
        ("周文静", "甘肃省农业科学院"),
    ];
    let opinions = |good: bool, what: &str| -> Vec<Opinion> {
        experts.iter().take(3).enumerate().map(|(k, (name, org))| {
            let (score, conclusion, text) = if good {
                (82 + 4 * k as u8, Outcome::Passed, format!("{what}：{name}（{org}）认为项目完成了阶段任务，技术路线可行，经费使用基本规范，同意通过。"))
            } else {
                (48 + 3 * k as u8, Outcome::Failed, format!("{what}：{name}（{org}）认为项目主要考核指标未完成，经费支出与任务书不符，不同意通过。"))
            };
            Opinion { expert: name.to_string(), score, conclusion, text }
        }).collect()
    };
    for (i, a) in established.iter().enumerate() {
        let leader = Actor { user_id: a.leader_user_id, username: "leader", request_id: "demo" };
        let post = i % 12 == 11;
        let one_year = i % 3 == 0;
        let ends = if one_year { started + Days::new(364) } else { started + Days::new(729) };
        let deliverables = vec![
            "申请发明专利 2 件".to_string(),
            "发表核心期刊论文 3 篇".to_string(),
            "形成示范应用 1 项".to_string(),
        ];
        // Two milestones, at a third and two thirds of the period; those passed are mostly reached.
        let third = (ends - started).num_days() as u64 / 3;
        let milestones = milestones::parse(
            &format!(
                "{} 完成关键工艺试验与中试方案\n{} 建成示范线并完成性能测试",
                started + Days::new(third),
                started + Days::new(2 * third)
            ),
            started,
            ends,
        )
        .map_err(|e| StoreError::Invalid(format!("demo milestones: {}", e.code)))?;
        let goals = format!("完成“{}”关键技术攻关并实现示范应用。", a.title);
        let book = p::NewTaskBook {
            goals: &goals,
            deliverables: &deliverables,
            milestones: &milestones,
            starts_on: started,
            ends_on: ends,
            post_subsidy: post,
        };
        p::sign_task_book(db, a.id, book, maker).await?;
        for (k, m) in milestones.iter().enumerate() {
            // The `member` account's project (i == 1) has its milestones still to report.
            if m.due_on < today && i % 5 != 4 && i != 1 {
                x::reach_milestone(
                    db,
                    a.id,
                    k,
                    "已按任务书完成，相关试验记录和测试报告已归档。",
                    m.due_on,
                    leader,
                )
                .await?;
            }
        }
        let rows = p::instalments(db, a.id).await?;
        if !post && i % 10 < 8 {
            p::pay(db, rows[0].id, false, maker).await?;
            p::pay(db, rows[0].id, true, checker).await?;
        }
        // Reports: what has fallen due is in on time, except for every seventh project (overdue)
        // and the `member` account's (its mid-term report is overdue and was reminded).
        let reports = x::reports(db, a.id, today).await?;
        for r in reports.iter().filter(|r| r.due.due_on < today && r.due.kind != ReportKind::Final)
        {
            let late = i % 7 == 0
                || (i == 1 && r.due.kind == ReportKind::MidTerm)
                || (r.due.kind == ReportKind::MidTerm && i % 3 == 2);
            if late {
                continue;
            }
            let body = match r.due.kind {
                ReportKind::MidTerm => format!(
                    "中期报告：项目已完成“{}”的实验方案设计与样机研制，阶段性考核指标完成约 60%，经费执行率 52%。",
                    a.title
                ),
                _ => format!(
                    "第{}次进展报告：项目按任务书计划推进，完成文献调研、技术方案论证和关键设备采购，研究团队 6 人到位。",
                    r.due.seq
                ),
            };
            x::submit_report(db, a.id, r.due.kind, r.due.seq, &body, &[], leader).await?;
            backdate(db, a.id, r.due.kind.code(), r.due.seq, r.due.due_on - Days::new(3)).await?;
        }
        // Mid-term inspections: three experts each; most pass, releasing the second instalment.
        let mid_in = x::reports(db, a.id, today)
            .await?
            .iter()
            .any(|r| r.due.kind == ReportKind::MidTerm && r.status == "submitted");
        if mid_in && (one_year || i % 9 < 5) {
            for o in opinions(true, "中期检查意见") {
                x::add_opinion(db, a.id, Condition::MidTerm, &o, maker).await?;
            }
            x::conclude_mid_term(
                db,
                a.id,
                Outcome::Passed,
                "中期检查专家组意见：项目按计划推进，同意拨付第二笔经费。",
                today,
                maker,
            )
            .await?;
            if !post {
                p::pay(db, rows[1].id, false, maker).await?;
                if i % 4 != 3 {
                    p::pay(db, rows[1].id, true, checker).await?;
                }
            }
        }
        // Outputs.
        if i % 2 == 0 {
            let (t, _, _) = &papers[(i * 3) % papers.len()];
            x::add_output(
                db,
                a.id,
                "paper",
                t,
                &format!("甘肃科技学报 {}(3)", 2025 + (i % 2) as i32),
                today - Days::new(40 + i as u64),
                leader,
            )
            .await?;
        }
        if i % 5 == 0 {
            x::add_output(
                db,
                a.id,
                "patent",
                &format!("一种{}的方法", a.title.chars().take(12).collect::<String>()),
                &format!("CN2025{:07}.{}", 1_000_000 + i * 7919 % 9_000_000, i % 10),
                today - Days::new(90 + i as u64),
                leader,
            )
            .await?;
        }
        // Closing: the four accepted projects and the one that failed.
        if [3, 30, 60, 90, 45].contains(&i) {
            let good = i != 45;
            let met = if good { "met" } else { "not_met" };
            let account: Vec<(String, String)> = deliverables
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    (d.clone(), if k == 2 && good { "partly".into() } else { met.into() })
                })
                .collect();
            x::submit_report(db, a.id, ReportKind::Final, 1, &format!("结题报告：项目“{}”完成任务书规定的研究内容，取得阶段性成果，经费决算已经会计师事务所审计。", a.title), &account, leader).await?;
            for o in opinions(good, "验收意见") {
                x::add_opinion(db, a.id, Condition::Acceptance, &o, maker).await?;
            }
            let (outcome, opinion) = if good {
                (Outcome::Passed, "验收专家组意见：完成任务书考核指标，同意通过验收。")
            } else {
                (
                    Outcome::Failed,
                    "验收专家组意见：主要考核指标未完成，经费使用不规范，不予通过验收。",
                )
            };
            x::decide_acceptance(db, a.id, outcome, opinion, false, today, maker).await?;
            if good {
                let rows = p::instalments(db, a.id).await?;
                for r in rows.iter().filter(|r| r.instalment.released_by.is_none() && !r.cancelled)
                {
                    if r.instalment.prepared_by.is_none() {
                        p::pay(db, r.id, false, maker).await?;
                    }
                    p::pay(db, r.id, true, checker).await?;
                }
            }
        }
        // Changes, supervision and audits on a few.
        match i {
            1 => {
                x::add_finding(db, a.id, "supervision", today - Days::new(20), "项目监理：现场查看实验室与样机，研究进度较任务书滞后约两个月，部分设备尚未安装调试。", Some(today + Days::new(25)), maker).await?;
            }
            2 => {
                let id = x::request_change(
                    db,
                    a.id,
                    &x::ChangeDetail::Extension(ends + Days::new(180)),
                    "受关键设备进口交付延迟影响，申请项目执行期延长六个月。",
                    today,
                    leader,
                )
                .await?;
                x::decide_change(
                    db,
                    id,
                    true,
                    "经审核，延期理由充分，同意延期六个月。",
                    today,
                    maker,
                )
                .await?;
            }
            4 | 10 => {
                let book = p::task_book(db, a.id).await?.ok_or(StoreError::NotFound)?;
                let mut lines = book.budget.clone();
                let total: i64 = lines.iter().map(|l| l.requested.0).sum();
                let shift = if i == 4 { total / 10 } else { total * 3 / 20 };
                lines[0].requested.0 -= shift;
                lines[1].requested.0 += shift;
                let id = x::request_change(
                    db,
                    a.id,
                    &x::ChangeDetail::Budget(lines),
                    "根据研究方案调整，将部分设备费调剂至业务费用于测试化验加工。",
                    today,
                    leader,
                )
                .await?;
                if i == 4 {
                    x::decide_change(db, id, true, "调剂幅度在规定范围内，同意。", today, maker)
                        .await?;
                } else {
                    x::decide_change(
                        db,
                        id,
                        false,
                        "未说明调剂的必要性，设备购置是任务书的考核内容，不同意。",
                        today,
                        maker,
                    )
                    .await?;
                }
            }
            7 => {
                x::request_change(
                    db,
                    a.id,
                    &x::ChangeDetail::Leader {
                        name: "马振宇".into(),
                        id_number: crate::projects::demo_id_number(9001),
                    },
                    "原项目负责人调离本单位，申请变更项目负责人为课题骨干马振宇。",
                    today,
                    leader,
                )
                .await?;
            }
            5 | 8 | 13 => {
                let f = x::add_finding(
                    db,
                    a.id,
                    "audit",
                    today - Days::new(60),
                    "经费稽查：发现设备费中列支与项目无关的办公设备 3.2 万元，劳务费发放凭证不全。",
                    Some(today - Days::new(10)),
                    maker,
                )
                .await?;
                if i == 8 {
                    x::rectify(db, a.id, f, "已将无关支出 3.2 万元调出项目账，补齐劳务费发放签收凭证，整改报告已报单位财务处备案。", leader).await?;
                }
                if i == 13 {
                    let v = p::task_book(db, a.id).await?.map(|b| b.version).unwrap_or(1);
                    x::set_status(
                        db,
                        a.id,
                        StatusAction::Suspend,
                        "经费稽查发现问题逾期未整改，暂停项目执行和拨款。",
                        v,
                        maker,
                    )
                    .await?;
                }
            }
            16 => {
                let v = p::task_book(db, a.id).await?.map(|b| b.version).unwrap_or(1);
                x::set_status(
                    db,
                    a.id,
                    StatusAction::Terminate,
                    "承担单位申请终止：核心技术路线经论证不可行，剩余经费退回。",
                    v,
                    maker,
                )
                .await?;
            }
            _ => {}
        }
    }
    // The leaders of overdue reports were reminded.
    x::remind_overdue(db, today, maker).await?;
    Ok(())
}

/// The demo's reports came in before their due days (history, not typed today).
async fn backdate(db: &Db, application_id: i64, kind: &str, seq: u32, on: NaiveDate) -> Result<()> {
    let at = on.and_hms_opt(10, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0);
    let tx = db.begin_write().await?;
    tx.exec("UPDATE project_reports SET submitted_at = ? WHERE application_id = ? AND kind = ? AND seq = ?", vec![at.into(), application_id.into(), kind.into(), i64::from(seq).into()]).await?;
    tx.commit().await
}

async fn step(
    db: &Db,
    id: i64,
    to: p::Move<'_>,
    grant: Money,
    day: NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    let v = p::application(db, id).await?.ok_or(StoreError::NotFound)?.version;
    p::act(db, id, to, v, Decision { grant }, day, actor).await?;
    Ok(())
}

/// Demo leaders have inactive accounts (no password) in their organisation.
async fn shadow_user(db: &Db, n: u64, name: &str, organisation_id: i64) -> Result<i64> {
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO users (username, display_name, password_hash, role, organisation_id, active, created_at) VALUES (?, ?, '!', 'org_member', ?, 0, ?)",
            vec![format!("r{n:04}").into(), name.into(), organisation_id.into(), tx.clock.now_ms().into()],
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
pub async fn seed_submit_bench(
    db: &Db,
    applicants: usize,
    board_rows: usize,
) -> Result<Vec<BenchApplicant>> {
    let actor = Actor { user_id: 0, username: "bench", request_id: "bench" };
    let today = db.clock.today();
    let year = i64::from(chrono::Datelike::year(&today));
    let prog = p::create_programme(
        db,
        "BENCH",
        "基准测试计划",
        &[(year, Money::from_wan(1_000_000))],
        actor,
    )
    .await?;
    let deadlines = Deadlines {
        applicant: today + Days::new(30),
        organisation: today + Days::new(37),
        zone: today + Days::new(44),
    };
    let rules =
        BudgetRules { max_request: Money::from_wan(100), co_funding: 0.0, indirect_share: 0.2 };
    let call_id = p::create_call(
        db,
        &NewCall {
            programme_id: prog,
            code: "BENCH".into(),
            title: "基准测试申报指南".into(),
            year,
            guidelines: "基准测试".into(),
            topics: vec![],
            eligibility: Eligibility::default(),
            budget_rules: rules,
            deadlines,
            opens_on: today - Days::new(1),
            form: vec![],
            review_plan: ReviewPlan::default(),
        },
        actor,
    )
    .await?;
    let call = p::call(db, call_id).await?.ok_or(StoreError::NotFound)?;
    let orgs = db
        .read(
            "SELECT id, unit_path FROM organisations WHERE kind = 'enterprise' ORDER BY id",
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?)),
        )
        .await?;
    let mut out = Vec::with_capacity(applicants);
    for n in 0..applicants {
        let org = &orgs[n % orgs.len()];
        let tx = db.begin_write().await?;
        let uid = tx.insert("INSERT INTO users (username, display_name, password_hash, role, organisation_id, active, created_at) VALUES (?, ?, '!', 'org_member', ?, 1, ?)", vec![format!("bench{n:05}").into(), format!("申报人{n}").into(), org.0.into(), tx.clock.now_ms().into()]).await?;
        tx.commit().await?;
        let token = innocity_store::users::create_token(
            db,
            &innocity_store::users::NewToken {
                user_id: uid,
                name: "bench",
                days: innocity_store::users::DEFAULT_TOKEN_DAYS,
                read_only: false,
                actor: "bench",
                request_id: "bench",
            },
        )
        .await?;
        let draft = Draft {
            title: format!("基准测试项目{n:05}：稀土功能材料制备技术研究"),
            topic: String::new(),
            summary: "基准测试".into(),
            leader_name: format!("申报人{n}"),
            leader_key: demo_id_number(50_000 + n as u64),
            members: vec![],
            budget: vec![Line {
                category: "equipment".into(),
                requested: Money::from_wan(10),
                raised: Money::ZERO,
            }],
            answers: Default::default(),
        };
        let application = p::create_draft(
            db,
            &call,
            &draft,
            p::DraftLead { leader_user_id: uid, organisation_id: org.0, unit_path: &org.1 },
            today,
            actor,
        )
        .await?;
        out.push(BenchApplicant { token, application, version: 1 });
    }
    // The board's load: many applications in one statement per thousand rows.
    let stages = [
        "draft",
        "submitted",
        "endorsed",
        "recommended",
        "in_review",
        "reviewed",
        "approved",
        "rejected",
        "established",
    ];
    let now = db.clock.now_ms();
    let tx = db.begin_write().await?;
    for chunk in (0..board_rows).collect::<Vec<_>>().chunks(1000) {
        let mut sql = String::from(
            "INSERT INTO applications (call_id, code, title, topic, summary, leader_user_id, leader_name, leader_key, members, organisation_id, unit_path, budget, requested_fen, stage, reason, duplicate_of, created_at, updated_at, submitted_at) VALUES ",
        );
        let mut vals: Vec<sea_orm::Value> = Vec::new();
        for (k, n) in chunk.iter().enumerate() {
            if k > 0 {
                sql.push_str(", ");
            }
            sql.push_str(
                "(?, ?, ?, '', '', 1, '某某', '', '[]', ?, ?, '[]', ?, ?, '', '', ?, ?, 0)",
            );
            let org = &orgs[n % orgs.len()];
            vals.extend([
                call_id.into(),
                format!("BOARD-{n:06}").into(),
                format!("看板项目{n}").into(),
                org.0.into(),
                org.1.clone().into(),
                (((n % 50) as i64 + 10) * 1_000_000).into(),
                stages[n % stages.len()].into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.exec(&sql, vals).await?;
    }
    tx.commit().await?;
    p::recount(db).await?;
    Ok(out)
}
