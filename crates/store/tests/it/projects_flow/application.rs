//! One application from draft to approval, the public notice, the task book, reports, the
//! mid-term inspection, changes and a failed acceptance: one scenario, told in steps (the notice's
//! in `notice`, the project's after it in `execution`).
use super::execution::*;
use super::notice::*;
use super::*;

/// The scenario's call (of a small programme), its applicant and the application.
pub(super) struct Flow {
    pub(super) t: testing::TestDb,
    pub(super) prog: i64,
    pub(super) cid: i64,
    pub(super) call: p::Call,
    pub(super) org_id: i64,
    pub(super) path: String,
    pub(super) user: i64,
    pub(super) id: i64,
}

impl Flow {
    /// The application moved by `action` at `level` on `day`, at its current version.
    pub(super) async fn step(
        &self,
        action: Action,
        level: Level,
        reason: &'static str,
        day: &'static str,
        grant: Money,
    ) -> Result<Stage, StoreError> {
        let (db, id) = (&self.t.db, self.id);
        let v = p::application(db, id).await.unwrap().unwrap().version;
        p::act(db, id, p::Move { action, level, reason }, v, p::Decision { grant }, d(day), ACTOR)
            .await
    }

    /// The application established on `day`, at its current version.
    pub(super) async fn establish(&self, day: &'static str) -> Result<Stage, StoreError> {
        let (db, id) = (&self.t.db, self.id);
        let v = p::application(db, id).await.unwrap().unwrap().version;
        p::act(
            db,
            id,
            p::Move { action: Action::Establish, level: Level::Bureau, reason: "" },
            v,
            p::Decision::default(),
            d(day),
            ACTOR,
        )
        .await
    }
}

#[tokio::test]
async fn an_application_goes_from_draft_to_approval_and_the_budget_holds() {
    let (f, draft) = a_call_and_its_applicant().await;
    let (id, a) = a_draft_only_while_the_call_is_open_and_with_a_valid_id(&f, &draft).await;
    let f = Flow { id, ..f };
    let (answered, a) = the_calls_own_questions_are_answered(&f, &draft, &a).await;
    a_credit_ban_and_the_deadline_stop_the_submission(&f, &a).await;
    it_climbs_the_levels_within_the_budget(&f, &a).await;
    the_board_agrees_and_a_near_twin_is_flagged(&f, &answered).await;
    a_notice_needs_its_minutes_and_its_full_period(&f).await;
    let o = objections_name_what_is_wrong(&f).await;
    one_contact_once_and_one_address_may_not_flood_it(&f).await;
    established_once_the_notice_is_over_and_objections_resolved(&f, o).await;
    let deliverables = the_task_book_and_its_milestone(&f).await;
    let book = reports_fall_due_and_come_in(&f).await;
    the_mid_term_needs_three_opinions(&f).await;
    changes_go_within_limits_and_extend_once(&f, &book).await;
    the_final_report_accounts_for_every_deliverable(&f, &deliverables).await;
    a_failed_acceptance_returns_the_money_and_bars_the_leader(&f).await;
}

/// A small programme's call opening on 1 March 2026, the first enterprise and the member
/// account as the applicant, and the draft it will file.
async fn a_call_and_its_applicant() -> (Flow, p::Draft) {
    let t = demo_db(60).await;
    let prog =
        p::create_programme(&t.db, "JC", "基础研究计划", &[(2026, Money::from_wan(100))], ACTOR)
            .await
            .unwrap();
    let rules =
        BudgetRules { max_request: Money::from_wan(80), co_funding: 1.0, indirect_share: 0.2 };
    let call = p::NewCall {
        programme_id: prog,
        code: "JC2026".into(),
        title: "2026年度基础研究计划".into(),
        year: 2026,
        guidelines: "围绕新材料、生物医药等方向。".into(),
        topics: vec!["新材料".into()],
        eligibility: Eligibility {
            org_kinds: vec!["enterprise".into()],
            credit_check: true,
            ..Default::default()
        },
        budget_rules: rules,
        deadlines: Deadlines {
            applicant: d("2026-03-31"),
            organisation: d("2026-04-07"),
            zone: d("2026-04-14"),
        },
        opens_on: d("2026-03-01"),
        form: innocity_core::projects::form::parse("技术就绪度（TRL） | 数字 1-9 | 必填").unwrap(),
        review_plan: Default::default(),
    };
    let cid = p::create_call(&t.db, &call, ACTOR).await.unwrap();
    let call = p::call(&t.db, cid).await.unwrap().unwrap();
    let (org_id, path): (i64, String) = {
        let r = t.db.query_one("SELECT id, unit_path FROM organisations WHERE kind = 'enterprise' ORDER BY id LIMIT 1", vec![]).await.unwrap().unwrap();
        (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap())
    };
    let user: i64 =
        t.db.query_one("SELECT id FROM users WHERE username = 'member'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    let draft = p::Draft {
        title: "高性能碳纤维复合材料制备关键技术研究".into(),
        topic: "新材料".into(),
        summary: "研究碳纤维复合材料的低成本制备工艺。".into(),
        leader_name: "陈工".into(),
        leader_key: "11010519491231002X".into(),
        members: vec!["李华".into()],
        budget: vec![
            Line {
                category: "equipment".into(),
                requested: Money::from_wan(40),
                raised: Money::from_wan(50),
            },
            Line {
                category: "indirect".into(),
                requested: Money::from_wan(8),
                raised: Money::ZERO,
            },
        ],
        answers: Default::default(),
    };
    (Flow { t, prog, cid, call, org_id, path, user, id: 0 }, draft)
}

/// Refused before the call opens, after it closes and with a bad ID number; then filed.
pub(super) async fn a_draft_only_while_the_call_is_open_and_with_a_valid_id(
    f: &Flow,
    draft: &p::Draft,
) -> (i64, p::Application) {
    let (t, call, org_id, path, user) = (&f.t, &f.call, f.org_id, &f.path, f.user);
    // Before the call opens, after it closes: refused.
    assert!(matches!(
        p::create_draft(
            &t.db,
            call,
            draft,
            p::DraftLead { leader_user_id: user, organisation_id: org_id, unit_path: path },
            d("2026-04-01"),
            ACTOR
        )
        .await,
        Err(StoreError::Applications(
            innocity_store::projects::ApplicationRefusal::CallClosed { .. }
        ))
    ));
    let mut bad = draft.clone();
    bad.leader_key = "110105194912310021".into();
    assert!(matches!(
        p::create_draft(
            &t.db,
            call,
            &bad,
            p::DraftLead { leader_user_id: user, organisation_id: org_id, unit_path: path },
            d("2026-03-10"),
            ACTOR
        )
        .await,
        Err(StoreError::Applications(innocity_store::projects::ApplicationRefusal::Draft {
            problem: innocity_store::projects::DraftProblem::IdNumber,
            ..
        }))
    ));
    let id = p::create_draft(
        &t.db,
        call,
        draft,
        p::DraftLead { leader_user_id: user, organisation_id: org_id, unit_path: path },
        d("2026-03-10"),
        ACTOR,
    )
    .await
    .unwrap();
    let a = p::application(&t.db, id).await.unwrap().unwrap();
    assert_eq!(
        (a.stage, a.requested, a.code.as_str()),
        (Stage::Draft, Money::from_wan(48), "JC2026-0001")
    );
    (id, a)
}

/// The call's own questions: a required answer on submission, in its field's range.
pub(super) async fn the_calls_own_questions_are_answered(
    f: &Flow,
    draft: &p::Draft,
    a: &p::Application,
) -> (p::Draft, p::Application) {
    let (t, user, id) = (&f.t, f.user, f.id);
    // The call's own form: a required answer is wanted on submission, and must fit its field.
    match p::act(
        &t.db,
        id,
        p::Move { action: Action::Submit, level: Level::Applicant, reason: "" },
        a.version,
        p::Decision::default(),
        d("2026-03-15"),
        ACTOR,
    )
    .await
    {
        Err(StoreError::Applications(innocity_store::projects::ApplicationRefusal::Draft {
            field,
            problem: innocity_store::projects::DraftProblem::Answer { rule: "required", .. },
        })) => {
            assert_eq!(field, "q.技术就绪度（TRL）")
        }
        other => panic!("{other:?}"),
    }
    let mut answered = draft.clone();
    answered.answers.insert("技术就绪度（TRL）".into(), "12".into());
    assert!(matches!(
        p::update_draft(&t.db, id, &answered, a.version, user, ACTOR).await,
        Err(StoreError::Applications(innocity_store::projects::ApplicationRefusal::Draft {
            problem: innocity_store::projects::DraftProblem::Answer { rule: "range", .. },
            ..
        }))
    ));
    answered.answers.insert("技术就绪度（TRL）".into(), "6".into());
    p::update_draft(&t.db, id, &answered, a.version, user, ACTOR).await.unwrap();
    let a = p::application(&t.db, id).await.unwrap().unwrap();
    assert_eq!((a.answers["技术就绪度（TRL）"].as_str(), a.version), ("6", 2));
    (answered, a)
}

/// A credit ban on the leader, then the applicant's deadline, stop the submission.
pub(super) async fn a_credit_ban_and_the_deadline_stop_the_submission(
    f: &Flow,
    a: &p::Application,
) {
    let (t, id) = (&f.t, f.id);
    // A credit ban on the leader stops the submission, naming the rule and the record.
    let rec = Record {
        id: 0,
        nature: Nature::Bad,
        kind: "数据造假".into(),
        severity: Severity::Serious,
        source: "兰科监〔2025〕2号".into(),
        date: d("2025-03-20"),
        sanction: Sanction::Years(1),
        points: 0,
    };
    credit::add(
        &t.db,
        &credit::Subject {
            kind: "person".into(), key: a.leader_key.clone(), name: "陈工".into()
        },
        &rec,
        d("2026-03-15"),
        ACTOR,
    )
    .await
    .unwrap();
    match p::act(
        &t.db,
        id,
        p::Move { action: Action::Submit, level: Level::Applicant, reason: "" },
        a.version,
        p::Decision::default(),
        d("2026-03-15"),
        ACTOR,
    )
    .await
    {
        Err(StoreError::Applications(
            innocity_store::projects::ApplicationRefusal::Ineligible { rule, .. },
        )) => {
            assert_eq!(rule, "leader_credit")
        }
        other => panic!("{other:?}"),
    }
    // After the ban ends the submission goes through; late is late.
    assert!(matches!(
        p::act(
            &t.db,
            id,
            p::Move { action: Action::Submit, level: Level::Applicant, reason: "" },
            a.version,
            p::Decision::default(),
            d("2026-04-01"),
            ACTOR
        )
        .await,
        Err(StoreError::Applications(
            innocity_store::projects::ApplicationRefusal::Deadline { .. }
        ))
    ));
}

/// Submitted, endorsed, recommended, reviewed and approved within the programme's budget.
pub(super) async fn it_climbs_the_levels_within_the_budget(f: &Flow, a: &p::Application) {
    let (t, prog, id) = (&f.t, f.prog, f.id);
    assert_eq!(
        f.step(Action::Submit, Level::Applicant, "", "2026-03-31", Money::ZERO).await.unwrap(),
        Stage::Submitted
    );
    // A double click: the second carries the old version.
    let v_old = a.version;
    assert!(matches!(
        p::act(
            &t.db,
            id,
            p::Move { action: Action::Submit, level: Level::Applicant, reason: "" },
            v_old,
            p::Decision::default(),
            d("2026-03-31"),
            ACTOR
        )
        .await,
        Err(StoreError::Stale)
    ));
    assert!(matches!(
        f.step(Action::Return, Level::Organisation, "", "2026-04-02", Money::ZERO).await,
        Err(StoreError::Applications(innocity_store::projects::ApplicationRefusal::ReasonRequired))
    ));
    assert_eq!(
        f.step(Action::Endorse, Level::Organisation, "", "2026-04-07", Money::ZERO).await.unwrap(),
        Stage::Endorsed
    );
    assert!(matches!(
        f.step(Action::Recommend, Level::Zone, "", "2026-04-15", Money::ZERO).await,
        Err(StoreError::Applications(
            innocity_store::projects::ApplicationRefusal::Deadline { .. }
        ))
    ));
    assert_eq!(
        f.step(Action::Recommend, Level::Zone, "", "2026-04-14", Money::ZERO).await.unwrap(),
        Stage::Recommended
    );
    assert_eq!(
        f.step(Action::FormalPass, Level::Bureau, "", "2026-04-20", Money::ZERO).await.unwrap(),
        Stage::InReview
    );
    assert_eq!(
        f.step(Action::FinishReview, Level::Bureau, "", "2026-05-20", Money::ZERO).await.unwrap(),
        Stage::Reviewed
    );
    // More than requested, then more than the programme has left: refused, nothing committed.
    assert!(matches!(
        f.step(Action::Approve, Level::Bureau, "", "2026-06-01", Money::from_wan(49)).await,
        Err(StoreError::Applications(innocity_store::projects::ApplicationRefusal::Grant { .. }))
    ));
    t.db.query_one(
        "UPDATE programme_budgets SET committed_fen = ? WHERE programme_id = ?",
        vec![Money::from_wan(70).0.into(), prog.into()],
    )
    .await
    .unwrap();
    match f.step(Action::Approve, Level::Bureau, "", "2026-06-01", Money::from_wan(40)).await {
        Err(StoreError::Applications(
            innocity_store::projects::ApplicationRefusal::Overspent { over, available },
        )) => {
            assert_eq!([over.wan_text(), available.wan_text()], ["10.00", "30.00"])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p::ledger(&t.db, prog, 2026).await.unwrap().unwrap().committed, Money::from_wan(70));
    assert_eq!(
        f.step(Action::Approve, Level::Bureau, "", "2026-06-01", Money::from_wan(30))
            .await
            .unwrap(),
        Stage::Approved
    );
    assert_eq!(p::ledger(&t.db, prog, 2026).await.unwrap().unwrap().available(), Money::ZERO);
}

/// The board's kept counts agree with a recount; a near twin is flagged both ways.
pub(super) async fn the_board_agrees_and_a_near_twin_is_flagged(f: &Flow, answered: &p::Draft) {
    let (t, cid, call, org_id, path, user, id) =
        (&f.t, f.cid, &f.call, f.org_id, &f.path, f.user, f.id);
    // The board's counts kept in step agree with counting the applications.
    let board: Vec<(i64, String, i64, i64, i64)> = p::board(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.call_id, b.stage, b.n, b.requested.0, b.granted.0))
        .collect();
    p::recount(&t.db).await.unwrap();
    let again: Vec<(i64, String, i64, i64, i64)> = p::board(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.call_id, b.stage, b.n, b.requested.0, b.granted.0))
        .collect();
    assert_eq!(board, again);
    assert_eq!(
        board,
        vec![(cid, "approved".to_string(), 1, Money::from_wan(48).0, Money::from_wan(30).0)]
    );
    // 查重: a second application by the same leader with a near title is flagged, both ways.
    let mut twin = answered.clone();
    twin.title = "高性能碳纤维复合材料制备关键技术研究与示范".into();
    let id2 = p::create_draft(
        &t.db,
        call,
        &twin,
        p::DraftLead { leader_user_id: user, organisation_id: org_id, unit_path: path },
        d("2026-03-10"),
        ACTOR,
    )
    .await
    .unwrap();
    let v2 = p::application(&t.db, id2).await.unwrap().unwrap().version;
    p::act(
        &t.db,
        id2,
        p::Move { action: Action::Submit, level: Level::Applicant, reason: "" },
        v2,
        p::Decision::default(),
        d("2026-03-31"),
        ACTOR,
    )
    .await
    .unwrap();
    assert_eq!(p::flag_duplicates(&t.db, cid, ACTOR).await.unwrap(), 2);
    assert_eq!(p::application(&t.db, id2).await.unwrap().unwrap().duplicate_of, "JC2026-0001");
    let events = p::events(&t.db, id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["submit", "endorse", "recommend", "formal_pass", "finish_review", "approve"]
    );
}
