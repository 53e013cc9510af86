//! The established demo projects' lives: task books, instalments, reports, inspections,
//! changes, supervision and acceptance.
use super::*;
use innocity_core::projects::execution::{Opinion, Outcome, ReportKind, StatusAction};
use innocity_core::projects::funding::Condition;
use innocity_core::projects::milestones::Milestone;

/// The established projects' lives so far: task books signed 20 days after the decision (a third
/// run a year, the rest two; ten are post-subsidy), first instalments paid, half-yearly and
/// mid-term reports in (on time, late, or overdue and reminded), mid-term inspections with three
/// experts' opinions, second instalments prepared and released by two people, changes (an
/// extension, reallocations, a new leader waiting), supervision visits and fund audits with
/// rectifications, a suspended and a terminated project, outputs, four projects accepted and paid
/// in full and one failed acceptance with its credit records.
pub(super) async fn carry_out(
    db: &Db,
    today: NaiveDate,
    papers: &[(String, String, String)],
) -> Result<()> {
    let maker = Actor { user_id: 0, username: "bureau", request_id: "demo" };
    let checker = Actor { user_id: 0, username: "admin", request_id: "demo" };
    let established =
        p::applications(db, p::Reach::All, None, Some(innocity_core::projects::Stage::Established))
            .await?;
    let Some(first) = established.first() else { return Ok(()) };
    let started =
        x::notice(db, first.call_id).await?.map(|n| n.ends_on + Days::new(12)).unwrap_or(today);
    let bureau = Bureau { db, maker, checker, today, started, papers };
    for (i, a) in established.iter().enumerate() {
        live(&bureau, i, a).await?;
    }
    // The leaders of overdue reports were reminded.
    x::remind_overdue(db, today, maker).await?;
    Ok(())
}

/// The bureau's side of every project's life: who prepares and who checks, today, the day the
/// projects started, and the papers their outputs are.
struct Bureau<'a> {
    db: &'a Db,
    maker: Actor<'a>,
    checker: Actor<'a>,
    today: NaiveDate,
    started: NaiveDate,
    papers: &'a [(String, String, String)],
}

/// One established project: its place among them (`i` decides what happens to it), its
/// leader and period.
struct Project<'a> {
    i: usize,
    a: &'a p::Application,
    leader: Actor<'a>,
    /// Post-subsidy (paid at the end, no instalments on the way).
    post: bool,
    one_year: bool,
    ends: NaiveDate,
}

/// The experts whose opinions the inspections and acceptances record (the first three).
const EXPERTS: [(&str, &str); 4] = [
    ("张立新", "兰州大学"),
    ("李慧敏", "中国科学院近代物理研究所"),
    ("赵国栋", "兰州理工大学"),
    ("周文静", "甘肃省农业科学院"),
];

/// Three experts' opinions for an inspection or acceptance: all pass, or all fail.
fn opinions(good: bool, what: &str) -> Vec<Opinion> {
    EXPERTS.iter().take(3).enumerate().map(|(k, (name, org))| {
        let (score, conclusion, text) = if good {
            (82 + 4 * k as u8, Outcome::Passed, format!("{what}：{name}（{org}）认为项目完成了阶段任务，技术路线可行，经费使用基本规范，同意通过。"))
        } else {
            (48 + 3 * k as u8, Outcome::Failed, format!("{what}：{name}（{org}）认为项目主要考核指标未完成，经费支出与任务书不符，不同意通过。"))
        };
        Opinion { expert: name.to_string(), score, conclusion, text }
    }).collect()
}

/// The i-th established project's life, step by step in the order it happened.
async fn live(b: &Bureau<'_>, i: usize, a: &p::Application) -> Result<()> {
    let leader = Actor { user_id: a.leader_user_id, username: "leader", request_id: "demo" };
    let post = i % 12 == 11;
    let one_year = i.is_multiple_of(3);
    let ends = if one_year { b.started + Days::new(364) } else { b.started + Days::new(729) };
    let pj = Project { i, a, leader, post, one_year, ends };
    let deliverables = vec![
        "申请发明专利 2 件".to_string(),
        "发表核心期刊论文 3 篇".to_string(),
        "形成示范应用 1 项".to_string(),
    ];
    let milestones = sign_task_book(b, &pj, &deliverables).await?;
    reach_milestones(b, &pj, &milestones).await?;
    let rows = p::instalments(b.db, a.id).await?;
    if !post && i % 10 < 8 {
        p::pay(b.db, rows[0].id, false, b.maker).await?;
        p::pay(b.db, rows[0].id, true, b.checker).await?;
    }
    submit_reports(b, &pj).await?;
    inspect_mid_term(b, &pj, &rows).await?;
    record_outputs(b, &pj).await?;
    // Closing: the four accepted projects and the one that failed.
    if [3, 30, 60, 90, 45].contains(&i) {
        close(b, &pj, &deliverables).await?;
    }
    follow_up(b, &pj).await
}

/// The task book, signed: goals, deliverables and two milestones, at a third and two thirds
/// of the period. Returns the milestones.
async fn sign_task_book(
    b: &Bureau<'_>,
    pj: &Project<'_>,
    deliverables: &[String],
) -> Result<Vec<Milestone>> {
    let (started, ends) = (b.started, pj.ends);
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
    let goals = format!("完成“{}”关键技术攻关并实现示范应用。", pj.a.title);
    let book = p::NewTaskBook {
        goals: &goals,
        deliverables,
        milestones: &milestones,
        starts_on: started,
        ends_on: ends,
        post_subsidy: pj.post,
    };
    p::sign_task_book(b.db, pj.a.id, book, b.maker).await?;
    Ok(milestones)
}

/// The milestones passed are mostly reached; the `member` account's project (i == 1) has its
/// milestones still to report.
async fn reach_milestones(
    b: &Bureau<'_>,
    pj: &Project<'_>,
    milestones: &[Milestone],
) -> Result<()> {
    let i = pj.i;
    for (k, m) in milestones.iter().enumerate() {
        if m.due_on < b.today && i % 5 != 4 && i != 1 {
            x::reach_milestone(
                b.db,
                pj.a.id,
                k,
                "已按任务书完成，相关试验记录和测试报告已归档。",
                m.due_on,
                pj.leader,
            )
            .await?;
        }
    }
    Ok(())
}

/// Reports: what has fallen due is in on time, except for every seventh project (overdue)
/// and the `member` account's (its mid-term report is overdue and was reminded).
async fn submit_reports(b: &Bureau<'_>, pj: &Project<'_>) -> Result<()> {
    let (db, today, i, a) = (b.db, b.today, pj.i, pj.a);
    let reports = x::reports(db, a.id, today).await?;
    for r in reports.iter().filter(|r| r.due.due_on < today && r.due.kind != ReportKind::Final) {
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
        x::submit_report(db, a.id, r.due.kind, r.due.seq, &body, &[], pj.leader).await?;
        backdate(db, a.id, r.due.kind.code(), r.due.seq, r.due.due_on - Days::new(3)).await?;
    }
    Ok(())
}

/// Mid-term inspections: three experts each; most pass, releasing the second instalment
/// (prepared, and mostly released by the second person).
async fn inspect_mid_term(
    b: &Bureau<'_>,
    pj: &Project<'_>,
    rows: &[p::InstalmentRow],
) -> Result<()> {
    let (db, maker, i, a) = (b.db, b.maker, pj.i, pj.a);
    let mid_in = x::reports(db, a.id, b.today)
        .await?
        .iter()
        .any(|r| r.due.kind == ReportKind::MidTerm && r.status == "submitted");
    if mid_in && (pj.one_year || i % 9 < 5) {
        for o in opinions(true, "中期检查意见") {
            x::add_opinion(db, a.id, Condition::MidTerm, &o, maker).await?;
        }
        x::conclude_mid_term(
            db,
            a.id,
            Outcome::Passed,
            "中期检查专家组意见：项目按计划推进，同意拨付第二笔经费。",
            b.today,
            maker,
        )
        .await?;
        if !pj.post {
            p::pay(db, rows[1].id, false, maker).await?;
            if i % 4 != 3 {
                p::pay(db, rows[1].id, true, b.checker).await?;
            }
        }
    }
    Ok(())
}

/// Outputs: a paper for every second project, a patent for every fifth.
async fn record_outputs(b: &Bureau<'_>, pj: &Project<'_>) -> Result<()> {
    let (db, today, i, a) = (b.db, b.today, pj.i, pj.a);
    if i % 2 == 0 {
        let (t, _, _) = &b.papers[(i * 3) % b.papers.len()];
        x::add_output(
            db,
            a.id,
            "paper",
            t,
            &format!("甘肃科技学报 {}(3)", 2025 + (i % 2) as i32),
            today - Days::new(40 + i as u64),
            pj.leader,
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
            pj.leader,
        )
        .await?;
    }
    Ok(())
}

/// Acceptance: the final report with its account of the deliverables, three experts'
/// opinions and the decision; an accepted project is paid in full (i == 45 fails).
async fn close(b: &Bureau<'_>, pj: &Project<'_>, deliverables: &[String]) -> Result<()> {
    let (db, maker, a) = (b.db, b.maker, pj.a);
    let good = pj.i != 45;
    let met = if good { "met" } else { "not_met" };
    let account: Vec<(String, String)> = deliverables
        .iter()
        .enumerate()
        .map(|(k, d)| (d.clone(), if k == 2 && good { "partly".into() } else { met.into() }))
        .collect();
    x::submit_report(db, a.id, ReportKind::Final, 1, &format!("结题报告：项目“{}”完成任务书规定的研究内容，取得阶段性成果，经费决算已经会计师事务所审计。", a.title), &account, pj.leader).await?;
    for o in opinions(good, "验收意见") {
        x::add_opinion(db, a.id, Condition::Acceptance, &o, maker).await?;
    }
    let (outcome, opinion) = if good {
        (Outcome::Passed, "验收专家组意见：完成任务书考核指标，同意通过验收。")
    } else {
        (Outcome::Failed, "验收专家组意见：主要考核指标未完成，经费使用不规范，不予通过验收。")
    };
    x::decide_acceptance(db, a.id, outcome, opinion, false, b.today, maker).await?;
    if good {
        let rows = p::instalments(db, a.id).await?;
        for r in rows.iter().filter(|r| r.instalment.released_by.is_none() && !r.cancelled) {
            if r.instalment.prepared_by.is_none() {
                p::pay(db, r.id, false, maker).await?;
            }
            p::pay(db, r.id, true, b.checker).await?;
        }
    }
    Ok(())
}

/// Changes, supervision and audits on a few projects.
async fn follow_up(b: &Bureau<'_>, pj: &Project<'_>) -> Result<()> {
    match pj.i {
        1 => supervise(b, pj).await,
        2 => extend(b, pj).await,
        4 | 10 => reallocate(b, pj).await,
        7 => change_leader(b, pj).await,
        5 | 8 | 13 => audit_funds(b, pj).await,
        16 => terminate(b, pj).await,
        _ => Ok(()),
    }
}

/// A supervision visit to the `member` account's project: behind schedule, to put right.
async fn supervise(b: &Bureau<'_>, pj: &Project<'_>) -> Result<()> {
    let today = b.today;
    x::add_finding(
        b.db,
        pj.a.id,
        "supervision",
        today - Days::new(20),
        "项目监理：现场查看实验室与样机，研究进度较任务书滞后约两个月，部分设备尚未安装调试。",
        Some(today + Days::new(25)),
        b.maker,
    )
    .await?;
    Ok(())
}

/// A six-month extension, requested and granted.
async fn extend(b: &Bureau<'_>, pj: &Project<'_>) -> Result<()> {
    let (db, today) = (b.db, b.today);
    let id = x::request_change(
        db,
        pj.a.id,
        &x::ChangeDetail::Extension(pj.ends + Days::new(180)),
        "受关键设备进口交付延迟影响，申请项目执行期延长六个月。",
        today,
        pj.leader,
    )
    .await?;
    x::decide_change(db, id, true, "经审核，延期理由充分，同意延期六个月。", today, b.maker)
        .await?;
    Ok(())
}

/// Equipment money moved to business: 10 % granted (i == 4), 15 % refused (i == 10).
async fn reallocate(b: &Bureau<'_>, pj: &Project<'_>) -> Result<()> {
    let (db, today, maker, i) = (b.db, b.today, b.maker, pj.i);
    let book = p::task_book(db, pj.a.id).await?.ok_or(StoreError::NotFound)?;
    let mut lines = book.budget.clone();
    let total: i64 = lines.iter().map(|l| l.requested.0).sum();
    let shift = if i == 4 { total / 10 } else { total * 3 / 20 };
    lines[0].requested.0 -= shift;
    lines[1].requested.0 += shift;
    let id = x::request_change(
        db,
        pj.a.id,
        &x::ChangeDetail::Budget(lines),
        "根据研究方案调整，将部分设备费调剂至业务费用于测试化验加工。",
        today,
        pj.leader,
    )
    .await?;
    if i == 4 {
        x::decide_change(db, id, true, "调剂幅度在规定范围内，同意。", today, maker).await?;
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
    Ok(())
}

/// A new leader requested, waiting for the bureau.
async fn change_leader(b: &Bureau<'_>, pj: &Project<'_>) -> Result<()> {
    x::request_change(
        b.db,
        pj.a.id,
        &x::ChangeDetail::Leader {
            name: "马振宇".into(),
            id_number: crate::projects::demo_id_number(9001),
        },
        "原项目负责人调离本单位，申请变更项目负责人为课题骨干马振宇。",
        b.today,
        pj.leader,
    )
    .await?;
    Ok(())
}

/// A fund audit's findings: put right (i == 8), left open, or left open past the deadline and
/// the project suspended (i == 13).
async fn audit_funds(b: &Bureau<'_>, pj: &Project<'_>) -> Result<()> {
    let (db, today, maker, i, a) = (b.db, b.today, b.maker, pj.i, pj.a);
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
        x::rectify(
            db,
            a.id,
            f,
            "已将无关支出 3.2 万元调出项目账，补齐劳务费发放签收凭证，整改报告已报单位财务处备案。",
            pj.leader,
        )
        .await?;
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
    Ok(())
}

/// A project terminated at its organisation's request.
async fn terminate(b: &Bureau<'_>, pj: &Project<'_>) -> Result<()> {
    let v = p::task_book(b.db, pj.a.id).await?.map(|b| b.version).unwrap_or(1);
    x::set_status(
        b.db,
        pj.a.id,
        StatusAction::Terminate,
        "承担单位申请终止：核心技术路线经论证不可行，剩余经费退回。",
        v,
        b.maker,
    )
    .await?;
    Ok(())
}

/// The demo's reports came in before their due days (history, not typed today).
async fn backdate(db: &Db, application_id: i64, kind: &str, seq: u32, on: NaiveDate) -> Result<()> {
    let at = on.and_hms_opt(10, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0);
    let tx = db.begin_write().await?;
    tx.exec("UPDATE project_reports SET submitted_at = ? WHERE application_id = ? AND kind = ? AND seq = ?", vec![at.into(), application_id.into(), kind.into(), i64::from(seq).into()]).await?;
    tx.commit().await
}
