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
mod bench;
pub use bench::{BenchApplicant, seed_submit_bench};
mod execution;
use execution::carry_out;

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

/// The projects demo: two programmes, three calls and their applications, each moved to where
/// it stands; duplicates flagged; then the established projects' lives ([`carry_out`]).
pub async fn seed_projects(db: &Db, csl_tsv: &str) -> Result<ProjectsSummary> {
    let actor = Actor { user_id: 0, username: "system", request_id: "demo" };
    let today = db.clock.today();
    let year = i64::from(chrono::Datelike::year(&today));
    let papers = project_papers(csl_tsv)?;
    let orgs = db
        .read("SELECT id, unit_path, kind FROM organisations WHERE kind IN ('enterprise', 'university', 'institute') ORDER BY id", vec![], |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?)))
        .await?;
    let enterprises: Vec<&Org> = orgs.iter().filter(|o| o.2 == "enterprise").collect();
    if enterprises.len() < 20 {
        return Err(StoreError::Invalid("the project demo needs enterprises".into()));
    }
    let (jc, zd) = create_programmes(db, year, actor).await?;
    let topics: Vec<String> = TOPICS.iter().map(|s| s.to_string()).collect();
    let specs = call_specs(today, year, jc, zd);
    let member: Option<(i64, Org)> = db
        .read("SELECT u.id, o.id, o.unit_path, o.kind FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.username = 'member'", vec![], |r| Ok((r.int(0)?, (r.int(1)?, r.text(2)?, r.text(3)?))))
        .await?
        .into_iter()
        .next();
    let mut applicants = Applicants {
        db,
        actor,
        papers: &papers,
        orgs: &orgs,
        enterprises: &enterprises,
        member: member.as_ref(),
        topics: &topics,
        paper: 0,
        leader: 0,
    };
    let mut summary = ProjectsSummary::default();
    for (k, spec) in specs.into_iter().enumerate() {
        seed_call(&mut applicants, k, spec, &mut summary).await?;
    }
    for c in p::calls(db).await? {
        p::flag_duplicates(db, c.id, actor).await?;
    }
    carry_out(db, today, &papers).await?;
    Ok(summary)
}

/// An applicant organisation: (id, unit path, kind).
type Org = (i64, String, String);

/// The CSL papers used as applications: (title, abstract, discipline) of science, engineering,
/// medicine and agriculture papers with a title of 8–60 characters.
fn project_papers(csl_tsv: &str) -> Result<Vec<(String, String, String)>> {
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
    Ok(papers)
}

/// The two programmes with last year's, this year's and next year's budgets: (JC, ZD).
async fn create_programmes(db: &Db, year: i64, actor: Actor<'_>) -> Result<(i64, i64)> {
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
    Ok((jc, zd))
}

/// Every call's guidelines.
const GUIDELINES: &str = "一、支持方向：围绕兰白自创区主导产业和“强科技”行动，支持新材料、生物医药、先进制造、现代农业等领域的关键技术攻关。\n二、申报要求：申报单位应在本市注册或设立，具有独立法人资格；项目负责人应为申报单位在职人员，同期主持在研项目不超过两项。\n三、经费要求：企业牵头项目自筹经费与申请专项经费比例不低于 1:1；间接费用不超过直接费用的 20%。";

/// Every call's topics (applications take them in turn).
const TOPICS: [&str; 4] = ["新材料", "生物医药", "先进制造", "现代农业"];

/// One demo call, and how many applications it gets.
struct CallSpec {
    programme_id: i64,
    code: String,
    title: String,
    /// Opening day (from today: where the call stands).
    opens: NaiveDate,
    deadlines: Deadlines,
    eligibility: Eligibility,
    applications: usize,
    budget_year: i64,
}

/// The three calls: next year's basic research (open), this year's key R&D (in review) and
/// last year's transfer call (decided).
fn call_specs(today: NaiveDate, year: i64, jc: i64, zd: i64) -> [CallSpec; 3] {
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
    let (open_from, open_dl) = window(-20);
    let (review_from, review_dl) = window(-130);
    let (closed_from, closed_dl) = window(-600);
    [
        CallSpec {
            programme_id: jc,
            code: format!("JC{}", year + 1),
            title: format!("{}年度基础研究计划（自然科学基金）项目申报指南", year + 1),
            opens: open_from,
            deadlines: open_dl,
            eligibility: Eligibility {
                credit_check: true,
                max_ongoing_per_leader: 2,
                ..Default::default()
            },
            applications: 60,
            budget_year: year + 1,
        },
        CallSpec {
            programme_id: zd,
            code: format!("ZD{year}"),
            title: format!("{year}年度重点研发计划项目申报指南"),
            opens: review_from,
            deadlines: review_dl,
            eligibility: Eligibility {
                org_kinds: vec!["enterprise".into()],
                credit_check: true,
                max_ongoing_per_leader: 2,
                ..Default::default()
            },
            applications: 180,
            budget_year: year,
        },
        CallSpec {
            programme_id: zd,
            code: format!("ZH{}", year - 1),
            title: format!("{}年度科技成果转化项目申报指南", year - 1),
            opens: closed_from,
            deadlines: closed_dl,
            eligibility: Eligibility {
                org_kinds: vec!["enterprise".into()],
                credit_check: true,
                ..Default::default()
            },
            applications: 160,
            budget_year: year - 1,
        },
    ]
}

/// Who applies, and the running counters of papers and leaders across the calls.
struct Applicants<'a> {
    db: &'a Db,
    actor: Actor<'a>,
    papers: &'a [(String, String, String)],
    orgs: &'a [Org],
    enterprises: &'a [&'a Org],
    /// The demo's `member` account: (user id, organisation).
    member: Option<&'a (i64, Org)>,
    topics: &'a [String],
    paper: usize,
    leader: u64,
}

/// The k-th call and its applications, each moved to where it stands; the decided call's
/// decisions, public notice and establishment.
async fn seed_call(
    ap: &mut Applicants<'_>,
    k: usize,
    spec: CallSpec,
    summary: &mut ProjectsSummary,
) -> Result<()> {
    let (db, actor) = (ap.db, ap.actor);
    let call_id = create_call(ap, k, &spec).await?;
    let call = p::call(db, call_id).await?.ok_or(StoreError::NotFound)?;
    summary.calls += 1;
    let deadlines = spec.deadlines;
    for i in 0..spec.applications {
        let (id, req) = seed_application(ap, &call, &spec, (k, i)).await?;
        summary.applications += 1;
        advance(db, id, stage_path(k, i), deadlines, actor).await?;
        if k == 2 {
            decide(db, id, i, req, deadlines, actor).await?;
        }
    }
    if k == 2 {
        summary.established += publish_and_establish(db, call_id, deadlines, actor).await?;
    }
    Ok(())
}

/// Creates the k-th call: the open call (k = 0) has small grants, no co-funding, its own part
/// of the form and a panel after the remote review.
async fn create_call(ap: &Applicants<'_>, k: usize, spec: &CallSpec) -> Result<i64> {
    let rules = BudgetRules {
        max_request: Money::from_wan(if k == 0 { 30 } else { 100 }),
        co_funding: if k == 0 { 0.0 } else { 1.0 },
        indirect_share: 0.2,
    };
    // The open call has its own part of the form and a panel after the remote review.
    let form = if k == 0 {
        form::parse(DEMO_FORM)
            .map_err(|e| StoreError::Invalid(format!("demo form line {}: {}", e.line, e.code)))?
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
    p::create_call(
        ap.db,
        &NewCall {
            programme_id: spec.programme_id,
            code: spec.code.clone(),
            title: spec.title.clone(),
            year: spec.budget_year,
            guidelines: GUIDELINES.into(),
            topics: ap.topics.to_vec(),
            eligibility: spec.eligibility.clone(),
            budget_rules: rules,
            deadlines: spec.deadlines,
            opens_on: spec.opens,
            form,
            review_plan,
        },
        ap.actor,
    )
    .await
}

/// The i-th draft of the k-th call, from the next paper and a new leader (a shadow account;
/// the `member` account leads a few). Returns it and its request.
async fn seed_application(
    ap: &mut Applicants<'_>,
    call: &p::Call,
    spec: &CallSpec,
    (k, i): (usize, usize),
) -> Result<(i64, Money)> {
    let pool: &[&Org] = if spec.eligibility.org_kinds.is_empty() {
        &ap.orgs.iter().collect::<Vec<_>>()
    } else {
        ap.enterprises
    };
    // The demo's `member` account leads the open call's first two (a draft and one
    // waiting for `orgadmin`'s endorsement).
    // It also leads one of the decided call's projects (reports due, a finding to put right).
    let own = if (k == 0 && i < 2) || (k == 2 && i == 1) { ap.member } else { None };
    let fallback = pool[(i * 7 + k) % pool.len()];
    let org = own.map(|m| &m.1).unwrap_or(fallback);
    let (t, abs, _) = &ap.papers[ap.paper % ap.papers.len()];
    ap.paper += 1;
    ap.leader += 1;
    let leader = ap.leader;
    let name = format!(
        "{}{}",
        SURNAMES[(leader as usize) % SURNAMES.len()],
        GIVEN[(leader as usize / 3) % GIVEN.len()]
    );
    let user = match own {
        Some(m) => m.0,
        None => shadow_user(ap.db, leader, &name, org.0).await?,
    };
    let req =
        Money::from_wan(if k == 0 { 10 + (i as i64 * 7) % 20 } else { 30 + (i as i64 * 13) % 60 });
    let answers = if call.form.is_empty() { Default::default() } else { demo_answers(abs, i) };
    let draft = Draft {
        title: t.clone(),
        topic: ap.topics[i % ap.topics.len()].clone(),
        summary: abs.clone(),
        leader_name: name.clone(),
        leader_key: demo_id_number(leader),
        members: vec![format!(
            "{}{}",
            SURNAMES[(leader as usize + 3) % SURNAMES.len()],
            GIVEN[(leader as usize + 1) % GIVEN.len()]
        )],
        budget: demo_budget(req),
        answers,
    };
    let id = p::create_draft(
        ap.db,
        call,
        &draft,
        p::DraftLead { leader_user_id: user, organisation_id: org.0, unit_path: &org.1 },
        spec.opens + Days::new(3),
        ap.actor,
    )
    .await?;
    Ok((id, req))
}

/// A request's budget: 60 % equipment, 10 % indirect, the rest business; co-funding on the
/// equipment and business lines.
fn demo_budget(req: Money) -> Vec<Line> {
    let equipment = Money(req.0 * 6 / 10);
    let indirect = Money(req.0 / 10);
    vec![
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
    ]
}

/// How far the i-th application of the k-th call goes: open call — a mix of early stages; in
/// review — through the formal check to expert or department review; decided — to the decision.
fn stage_path(k: usize, i: usize) -> &'static [(Action, Level)] {
    match (k, i % 10) {
        (0, 0) => &[],
        (0, 1) => &[(Action::Submit, Level::Applicant)],
        (0, 2..=4) => &[],
        (0, 5..=7) => &[(Action::Submit, Level::Applicant)],
        (0, _) => &[(Action::Submit, Level::Applicant), (Action::Endorse, Level::Organisation)],
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
    }
}

/// Moves an application along its path, each step on a day before the deadline it answers.
async fn advance(
    db: &Db,
    id: i64,
    path: &[(Action, Level)],
    deadlines: Deadlines,
    actor: Actor<'_>,
) -> Result<()> {
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
        step(db, id, p::Move { action: *action, level: *level, reason }, Money::ZERO, day, actor)
            .await?;
    }
    Ok(())
}

/// The decision meeting on the decided call's i-th application: 121 funded (75 % of the
/// request), 24 kept in reserve, the rest rejected — each after the department's opinion.
async fn decide(
    db: &Db,
    id: i64,
    i: usize,
    req: Money,
    deadlines: Deadlines,
    actor: Actor<'_>,
) -> Result<()> {
    let decided = deadlines.zone + Days::new(60);
    let v = p::application(db, id).await?.ok_or(StoreError::NotFound)?.version;
    let (suggest, opinion) = match i {
        0..=120 => (Money(req.0 * 3 / 4), "专家评审综合得分较高，研究基础扎实，建议立项支持。"),
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
    Ok(())
}

/// The decided call's minutes and a week's public notice, the objections to it, then its
/// projects established. Returns how many.
async fn publish_and_establish(
    db: &Db,
    call_id: i64,
    deadlines: Deadlines,
    actor: Actor<'_>,
) -> Result<usize> {
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
    hear_objections(db, call_id, decided, actor).await?;
    Ok(x::establish_call(db, call_id, decided + Days::new(9), actor).await?.0)
}

/// Two objections during the notice: one dismissed (the first approved application), one
/// upheld (the last, which is rejected and its money returns) — so 120 projects remain.
async fn hear_objections(
    db: &Db,
    call_id: i64,
    decided: NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
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
                name: "匿名群众（已实名登记）", contact: "0931-8888001", address: None
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
    Ok(())
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
