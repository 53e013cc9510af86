//! The scenario's project: task book, reports, the mid-term inspection, changes, acceptance.
use super::application::Flow;
use super::*;

fn opinion(name: &str, score: u8, conclusion: Outcome) -> Opinion {
    Opinion {
        expert: name.into(),
        score,
        conclusion,
        text: format!("{name}：阶段任务完成情况良好，同意。"),
    }
}

/// The task book: milestones within the project's time, the milestone reached once.
pub(super) async fn the_task_book_and_its_milestone(f: &Flow) -> Vec<String> {
    let (t, id) = (&f.t, f.id);
    // The task book: the budget scaled to the grant, a one-year schedule of reports.
    let deliverables = vec!["申请发明专利 2 件".to_string(), "发表核心期刊论文 3 篇".to_string()];
    let outside = innocity_core::projects::milestones::parse(
        "2027-07-01 结题之后",
        d("2026-01-01"),
        d("2027-12-31"),
    )
    .unwrap();
    assert!(matches!(
        p::sign_task_book(
            &t.db,
            id,
            p::NewTaskBook {
                goals: "完成碳纤维复合材料低成本制备工艺攻关。",
                deliverables: &deliverables,
                milestones: &outside,
                starts_on: d("2026-07-01"),
                ends_on: d("2027-06-30"),
                post_subsidy: false,
            },
            ACTOR
        )
        .await,
        Err(StoreError::Projects(innocity_store::projects::ProjectRefusal::Milestones))
    ));
    let milestones = innocity_core::projects::milestones::parse(
        "2026-12-31 完成中试工艺验证",
        d("2026-07-01"),
        d("2027-06-30"),
    )
    .unwrap();
    p::sign_task_book(
        &t.db,
        id,
        p::NewTaskBook {
            goals: "完成碳纤维复合材料低成本制备工艺攻关。",
            deliverables: &deliverables,
            milestones: &milestones,
            starts_on: d("2026-07-01"),
            ends_on: d("2027-06-30"),
            post_subsidy: false,
        },
        ACTOR,
    )
    .await
    .unwrap();
    // The leader marks the milestone reached, once.
    assert!(matches!(
        x::reach_milestone(&t.db, id, 0, "好", d("2026-12-20"), ACTOR).await,
        Err(StoreError::Projects(innocity_store::projects::ProjectRefusal::Field { .. }))
    ));
    x::reach_milestone(&t.db, id, 0, "中试工艺验证完成，良品率 92%。", d("2026-12-20"), ACTOR)
        .await
        .unwrap();
    assert!(matches!(
        x::reach_milestone(&t.db, id, 0, "中试工艺验证完成，良品率 92%。", d("2026-12-21"), ACTOR)
            .await,
        Err(StoreError::Projects(
            innocity_store::projects::ProjectRefusal::MilestoneReached { .. }
        ))
    ));
    assert!(matches!(
        x::reach_milestone(&t.db, id, 3, "没有这个节点目标", d("2026-12-21"), ACTOR).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        p::task_book(&t.db, id).await.unwrap().unwrap().milestones[0].reached_on,
        Some(d("2026-12-20"))
    );
    deliverables
}

/// The book's budget is the grant; reports fall due, overdue ones are reminded of once.
pub(super) async fn reports_fall_due_and_come_in(f: &Flow) -> p::TaskBook {
    let (t, id) = (&f.t, f.id);
    let book = p::task_book(&t.db, id).await.unwrap().unwrap();
    assert_eq!(book.budget.iter().map(|l| l.requested).sum::<Money>(), Money::from_wan(30));
    assert_eq!(book.status, Status::Ongoing);
    let reps = x::reports(&t.db, id, d("2027-01-20")).await.unwrap();
    assert_eq!(
        reps.iter().map(|r| (r.due.kind, r.due.due_on, r.overdue)).collect::<Vec<_>>(),
        vec![
            (ReportKind::MidTerm, d("2027-01-14"), true),
            (ReportKind::Final, d("2027-09-30"), false)
        ]
    );
    assert_eq!(
        x::portfolio(&t.db, p::Reach::All, d("2027-01-20")).await.unwrap()[0].overdue_reports,
        1
    );
    assert_eq!(x::remind_overdue(&t.db, d("2027-01-20"), ACTOR).await.unwrap(), 1);
    assert_eq!(
        x::remind_overdue(&t.db, d("2027-01-20"), ACTOR).await.unwrap(),
        0,
        "not twice in a day"
    );
    refused!(
        x::submit_report(&t.db, id, ReportKind::MidTerm, 1, "太短", &[], ACTOR).await,
        StoreError::Projects(innocity_store::projects::ProjectRefusal::ReportBody { .. }),
    );
    let text = "中期报告：完成低成本碳纤维原丝制备工艺试验，样品拉伸强度达到 4.9 GPa。";
    x::submit_report(&t.db, id, ReportKind::MidTerm, 1, text, &[], ACTOR).await.unwrap();
    refused!(
        x::submit_report(&t.db, id, ReportKind::MidTerm, 1, text, &[], ACTOR).await,
        StoreError::Projects(innocity_store::projects::ProjectRefusal::ReportIn),
    );
    assert_eq!(
        x::portfolio(&t.db, p::Reach::All, d("2027-01-20")).await.unwrap()[0].overdue_reports,
        0
    );

    book
}

/// The mid-term inspection needs three experts' opinions; passing it opens the second instalment.
pub(super) async fn the_mid_term_needs_three_opinions(f: &Flow) {
    let (t, id) = (&f.t, f.id);
    // The mid-term inspection needs three experts' opinions; passing it opens the second instalment.
    assert_eq!(
        refused!(
            x::conclude_mid_term(
                &t.db,
                id,
                Outcome::Passed,
                "同意通过中期检查",
                d("2027-01-20"),
                ACTOR
            )
            .await,
            StoreError::Projects(innocity_store::projects::ProjectRefusal::Opinions { required, given }) => (required, given)
        ),
        (3, 0)
    );
    refused!(
        x::add_opinion(
            &t.db,
            id,
            Condition::MidTerm,
            &opinion("张立新", 101, Outcome::Passed),
            ACTOR,
        )
        .await,
        StoreError::Projects(innocity_store::projects::ProjectRefusal::Score),
    );
    for name in ["张立新", "李慧敏", "赵国栋"] {
        x::add_opinion(&t.db, id, Condition::MidTerm, &opinion(name, 85, Outcome::Passed), ACTOR)
            .await
            .unwrap();
    }
    x::conclude_mid_term(&t.db, id, Outcome::Passed, "同意通过中期检查", d("2027-01-20"), ACTOR)
        .await
        .unwrap();
    assert!(
        p::conditions(&t.db, id).await.unwrap().iter().any(|c| c.condition == Condition::MidTerm)
    );
    refused!(
        x::conclude_mid_term(
            &t.db,
            id,
            Outcome::Passed,
            "同意通过中期检查",
            d("2027-01-20"),
            ACTOR,
        )
        .await,
        StoreError::Projects(innocity_store::projects::ProjectRefusal::Concluded),
    );
}

/// Changes: a reallocation over the limit is refused naming the category; one extension.
pub(super) async fn changes_go_within_limits_and_extend_once(f: &Flow, book: &p::TaskBook) {
    let (t, id) = (&f.t, f.id);
    let mut lines = book.budget.clone();
    lines[0].requested.0 -= Money::from_wan(3).0;
    lines[1].requested.0 += Money::from_wan(3).0;
    let args = refused!(
        x::request_change(
            &t.db,
            id,
            &x::ChangeDetail::Budget(lines),
            "调整研究方案，设备费调剂至间接费用",
            d("2027-01-20"),
            ACTOR,
        )
        .await,
        StoreError::Projects(innocity_store::projects::ProjectRefusal::Change { rule, .. }) => rule,
    );
    assert_eq!(args, "indirect");
    let c = x::request_change(
        &t.db,
        id,
        &x::ChangeDetail::Extension(d("2027-12-31")),
        "进口设备交付延迟，申请延期半年完成。",
        d("2027-01-20"),
        ACTOR,
    )
    .await
    .unwrap();
    refused!(
        x::request_change(
            &t.db,
            id,
            &x::ChangeDetail::Extension(d("2027-10-31")),
            "进口设备交付延迟，申请延期四个月。",
            d("2027-01-20"),
            ACTOR,
        )
        .await,
        StoreError::Projects(innocity_store::projects::ProjectRefusal::ChangePending),
    );
    x::decide_change(&t.db, c, true, "理由充分，同意延期。", d("2027-01-21"), ACTOR).await.unwrap();
    assert_eq!(p::task_book(&t.db, id).await.unwrap().unwrap().ends_on, "2027-12-31");
    assert_eq!(
        refused!(
            x::request_change(
                &t.db,
                id,
                &x::ChangeDetail::Extension(d("2028-03-31")),
                "再次申请延期三个月完成。",
                d("2027-02-01"),
                ACTOR
            )
            .await,
            StoreError::Projects(innocity_store::projects::ProjectRefusal::Change { rule, .. }) => rule
        ),
        "once"
    );
}

/// The final report accounts for every deliverable.
pub(super) async fn the_final_report_accounts_for_every_deliverable(
    f: &Flow,
    deliverables: &[String],
) {
    let (t, id) = (&f.t, f.id);
    // The acceptance: every deliverable accounted for; fraud cannot pass; a failure returns
    // the unpaid money to the programme and writes credit records that bar the leader.
    let final_text = "结题报告：完成部分研究内容，专利尚未获得受理，论文尚在投稿中。";
    assert_eq!(
        refused!(
            x::submit_report(
                &t.db,
                id,
                ReportKind::Final,
                1,
                final_text,
                &[(deliverables[0].clone(), "met".into())],
                ACTOR
            )
            .await,
            StoreError::Projects(innocity_store::projects::ProjectRefusal::Deliverable { deliverable }) => deliverable
        ),
        deliverables[1]
    );
    let account: Vec<(String, String)> =
        deliverables.iter().map(|x| (x.clone(), "not_met".to_string())).collect();
    x::submit_report(&t.db, id, ReportKind::Final, 1, final_text, &account, ACTOR).await.unwrap();
}

/// Fraud cannot pass; a failure returns the unpaid money and writes records that bar the leader.
pub(super) async fn a_failed_acceptance_returns_the_money_and_bars_the_leader(f: &Flow) {
    let (t, prog, id) = (&f.t, f.prog, f.id);
    for name in ["钱学文", "孙海燕", "周文静"] {
        x::add_opinion(
            &t.db,
            id,
            Condition::Acceptance,
            &opinion(name, 45, Outcome::Failed),
            ACTOR,
        )
        .await
        .unwrap();
    }
    refused!(
        x::decide_acceptance(
            &t.db,
            id,
            Outcome::Passed,
            "同意通过验收",
            true,
            d("2028-01-15"),
            ACTOR,
        )
        .await,
        StoreError::Projects(innocity_store::projects::ProjectRefusal::FraudPass),
    );
    let before = p::ledger(&t.db, prog, 2026).await.unwrap().unwrap().committed;
    let out = x::decide_acceptance(
        &t.db,
        id,
        Outcome::Failed,
        "考核指标未完成且存在弄虚作假",
        true,
        d("2028-01-15"),
        ACTOR,
    )
    .await
    .unwrap();
    assert_eq!(
        (out.outcome, out.grade.as_str(), out.credit_records.len()),
        (Outcome::Failed, "fail", 2)
    );
    assert_eq!(p::task_book(&t.db, id).await.unwrap().unwrap().status, Status::Failed);
    assert_eq!(
        before.0 - p::ledger(&t.db, prog, 2026).await.unwrap().unwrap().committed.0,
        Money::from_wan(30).0,
        "nothing was paid: all of it goes back"
    );
    assert!(p::instalments(&t.db, id).await.unwrap().iter().all(|i| i.cancelled));
    let a = p::application(&t.db, id).await.unwrap().unwrap();
    assert!(
        credit::check(&t.db, &a.leader_key, d("2028-02-01")).await.unwrap().deciding.is_some(),
        "the leader is barred"
    );
    let first = p::instalments(&t.db, id).await.unwrap()[0].id;
    refused!(
        p::pay(&t.db, first, false, ACTOR).await,
        StoreError::Projects(innocity_store::projects::ProjectRefusal::Cancelled)
    );
}
