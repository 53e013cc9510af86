//! Store tests, run on SQLite and (with INNOCITY_TEST_DATABASE_URL) on PostgreSQL.
use innocity_core::access::Scope;
use innocity_core::audit::Break;
use innocity_demo as demo;
use innocity_store::orgs::{self, OrgQuery};
use innocity_store::{Db, audit, backup, migrate, stats, testing, users};
use sea_orm::ConnectionTrait;

/// The refusal `$p` (a pattern on `StoreError`), or a panic naming what came instead.
macro_rules! refused {
    ($r:expr, $p:pat $(,)?) => {
        match $r {
            Err(e @ $p) => e,
            other => panic!("expected {}, got {other:?}", stringify!($p)),
        }
    };
    ($r:expr, $p:pat => $out:expr $(,)?) => {
        match $r {
            Err($p) => $out,
            other => panic!("expected {}, got {other:?}", stringify!($p)),
        }
    };
}

#[tokio::test]
async fn migrations_are_idempotent_and_foreign_keys_hold() {
    let t = testing::fresh().await.unwrap();
    assert!(migrate::run(&t.db).await.unwrap().is_empty(), "second run applies nothing");
    // An organisation pointing at a missing org unit is refused by the database itself.
    let tx = t.db.begin_write().await.unwrap();
    let r = tx
        .exec(
            "INSERT INTO organisations (credit_code, name, kind, org_unit_id, unit_path, created_at, updated_at) VALUES ('X', 'x', 'enterprise', 999, '/9/', 0, 0)",
            vec![],
        )
        .await;
    assert!(r.is_err(), "foreign key must be enforced");
}

#[tokio::test]
async fn demo_seed_scopes_and_search() {
    let t = testing::fresh().await.unwrap();
    let s = demo::seed(&t.db, 120, None).await.unwrap();
    assert_eq!(s.units, 26);
    assert!(s.accounts.iter().any(|a| a.0 == "zone"));
    let units = orgs::units(&t.db).await.unwrap();
    let gx = units.iter().find(|u| u.code == "LZGX").unwrap();
    let all = orgs::list(&t.db, &Scope::All, &OrgQuery { per_page: 20, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(all.total, 120);
    let zone = orgs::list(
        &t.db,
        &Scope::Subtree(gx.path.clone()),
        &OrgQuery { per_page: 200, ..Default::default() },
    )
    .await
    .unwrap();
    assert!(zone.total > 0 && zone.total < 120);
    assert!(zone.items.iter().all(|o| o.unit_path.starts_with(&gx.path)));
    // Every demo credit code is valid.
    for o in &all.items {
        innocity_core::orgs::CreditCode::parse(&o.credit_code).unwrap();
    }
    let found = orgs::list(
        &t.db,
        &Scope::All,
        &OrgQuery { text: "兰州大学".into(), per_page: 20, ..Default::default() },
    )
    .await
    .unwrap();
    assert!(found.items.iter().any(|o| o.name == "兰州大学"));
    // LIKE wildcards typed by a user are literal.
    let pct = orgs::list(
        &t.db,
        &Scope::All,
        &OrgQuery { text: "%".into(), per_page: 20, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(pct.total, 0);
}

async fn sign_in(db: &Db, username: &str, password: &str) -> users::LoginOutcome {
    let attempt = users::SignIn { username, password, client: None, request_id: "r" };
    users::login(db, &users::OnBlockingPool, &attempt).await.unwrap()
}

#[tokio::test]
async fn waits_after_five_failures_for_known_and_unknown_names_alike() {
    let t = testing::fresh().await.unwrap();
    demo::seed(&t.db, 30, None).await.unwrap();
    for _ in 0..4 {
        assert_eq!(sign_in(&t.db, "bureau", "wrong-password1").await, users::LoginOutcome::Invalid);
        assert_eq!(
            sign_in(&t.db, "no-such-name", "wrong-password1").await,
            users::LoginOutcome::Invalid
        );
    }
    for name in ["bureau", "No-Such-Name "] {
        let users::LoginOutcome::Throttled { retry_after_ms } =
            sign_in(&t.db, name, "wrong-password1").await
        else {
            panic!("{name} goes on")
        };
        assert!((14_000..=15_000).contains(&retry_after_ms), "{retry_after_ms}");
    }
    // Even the right password waits.
    assert!(matches!(
        sign_in(&t.db, "bureau", demo::DEMO_PASSWORD).await,
        users::LoginOutcome::Throttled { .. }
    ));
    assert!(matches!(
        sign_in(&t.db, "admin", demo::DEMO_PASSWORD).await,
        users::LoginOutcome::Ok { .. }
    ));
    // Once the wait is over, the owner gets in and the count starts again.
    t.db.conn.execute_unprepared("UPDATE login_throttle SET blocked_until = 0").await.unwrap();
    assert!(matches!(
        sign_in(&t.db, "bureau", demo::DEMO_PASSWORD).await,
        users::LoginOutcome::Ok { .. }
    ));
    assert_eq!(sign_in(&t.db, "bureau", "wrong-password1").await, users::LoginOutcome::Invalid);
}

async fn bearer(db: &Db, token: &str) -> Option<users::TokenUser> {
    users::token_user(db, token).await.unwrap()
}

#[tokio::test]
async fn api_tokens_expire_can_be_revoked_and_end_with_the_password() {
    let t = testing::fresh().await.unwrap();
    demo::seed(&t.db, 30, None).await.unwrap();
    let uid =
        t.db.query_one("SELECT id FROM users WHERE username = 'bureau'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "id")
            .unwrap();
    let new = |name: &'static str, days: i64, read_only: bool| users::NewToken {
        user_id: uid,
        name,
        days,
        read_only,
        actor: "bureau",
        request_id: "r",
    };
    assert!(
        users::create_token(&t.db, &new("odd", 5, false)).await.is_err(),
        "lifetimes are the offered ones"
    );
    let week = users::create_token(&t.db, &new("week", 7, true)).await.unwrap();
    let year = users::create_token(&t.db, &new("year", 365, false)).await.unwrap();
    let listed = users::tokens(&t.db, uid).await.unwrap();
    assert_eq!(listed.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["year", "week"]);
    let days = |r: &users::TokenRow| (r.expires_at - r.created_at) / 86_400_000;
    assert_eq!((days(&listed[0]), days(&listed[1])), (365, 7));
    assert_eq!(listed[0].last_used_at, 0);
    // Use is noted, but not on every request.
    assert!(bearer(&t.db, &week).await.unwrap().read_only);
    let used = users::tokens(&t.db, uid).await.unwrap()[1].last_used_at;
    assert!(used > 0);
    t.db.conn
        .execute_unprepared(&format!(
            "UPDATE api_tokens SET last_used_at = {} WHERE name = 'week'",
            used - 1000
        ))
        .await
        .unwrap();
    assert!(bearer(&t.db, &week).await.is_some());
    assert_eq!(
        users::tokens(&t.db, uid).await.unwrap()[1].last_used_at,
        used - 1000,
        "touched at most once a minute"
    );
    // Expired tokens stop working.
    t.db.conn
        .execute_unprepared("UPDATE api_tokens SET expires_at = 1 WHERE name = 'week'")
        .await
        .unwrap();
    assert!(bearer(&t.db, &week).await.is_none());
    // Revoked by its owner only.
    let year_id = listed[0].id;
    assert!(matches!(
        users::revoke_token(&t.db, uid + 1, year_id, "x", "r").await,
        Err(innocity_store::StoreError::NotFound)
    ));
    assert!(bearer(&t.db, &year).await.is_some());
    users::revoke_token(&t.db, uid, year_id, "bureau", "r").await.unwrap();
    assert!(bearer(&t.db, &year).await.is_none());
    // A password change and a deactivation end them all.
    let again = users::create_token(&t.db, &new("again", 30, false)).await.unwrap();
    let change = users::NewPassword {
        user_id: uid,
        current: demo::DEMO_PASSWORD,
        new: "newpass2026x",
        keep_session_token: "",
        username: "bureau",
        request_id: "r",
    };
    assert_eq!(
        users::change_password(&t.db, &users::OnBlockingPool, &change).await.unwrap(),
        users::PasswordChange::Changed
    );
    assert!(bearer(&t.db, &again).await.is_none());
    let last = users::create_token(&t.db, &new("last", 90, false)).await.unwrap();
    users::set_active(&t.db, uid, false, "admin", "r").await.unwrap();
    users::set_active(&t.db, uid, true, "admin", "r").await.unwrap();
    assert!(
        bearer(&t.db, &last).await.is_none(),
        "turning the account back on does not bring its tokens back"
    );
    let actions = t
        .db
        .query_all("SELECT action FROM audit_log WHERE entity = 'api_token' ORDER BY seq", vec![])
        .await
        .unwrap();
    let actions: Vec<String> = actions.iter().map(|r| r.try_get("", "action").unwrap()).collect();
    assert_eq!(
        actions,
        [
            "api_token.create",
            "api_token.create",
            "api_token.revoke",
            "api_token.create",
            "api_token.create"
        ]
    );
}

#[tokio::test]
async fn audit_chain_detects_edit_and_delete() {
    let t = testing::fresh().await.unwrap();
    demo::seed(&t.db, 30, None).await.unwrap();
    let n = audit::verify(&t.db).await.unwrap().unwrap();
    assert!(n > 30, "units, imports and accounts are audited: {n}");
    let tx = t.db.begin_write().await.unwrap();
    tx.exec("UPDATE audit_log SET after_json = '{}' WHERE seq = 5", vec![]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audit::verify(&t.db).await.unwrap(), Err(Break::Edited { seq: 5 }));

    let t = testing::fresh().await.unwrap();
    demo::seed(&t.db, 30, None).await.unwrap();
    let tx = t.db.begin_write().await.unwrap();
    tx.exec("DELETE FROM audit_log WHERE seq = 7", vec![]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audit::verify(&t.db).await.unwrap(), Err(Break::Gap { from: 7, to: 7 }));
}

#[tokio::test]
async fn backup_restore_round_trip() {
    let t = testing::fresh().await.unwrap();
    demo::seed(&t.db, 50, None).await.unwrap();
    demo::seed_stats(&t.db, None).await.unwrap();
    demo::approve_demo_periods(&t.db).await.unwrap();
    let files = std::env::temp_dir().join("innocity_no_files");
    let mut buf = Vec::new();
    let counts =
        backup::backup(&t.db, backup::Files { dir: &files, allow_missing: false }, &mut buf)
            .await
            .unwrap()
            .tables;
    assert!(counts.iter().any(|(t, n)| t == "organisations" && *n == 50));
    assert!(counts.iter().any(|(t, n)| t == "stat_values" && *n > 1000));
    let target = testing::fresh().await.unwrap();
    let restored = backup::restore(&target.db, &files, &mut buf.as_slice()).await.unwrap().tables;
    assert_eq!(counts, restored);
    // Same data, chain intact, and the accounts work.
    assert!(audit::verify(&target.db).await.unwrap().is_ok());
    let a = orgs::list(&t.db, &Scope::All, &OrgQuery { per_page: 200, ..Default::default() })
        .await
        .unwrap();
    let b = orgs::list(&target.db, &Scope::All, &OrgQuery { per_page: 200, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(a.items, b.items);
    // Statistics come back whole: the same totals up the hierarchy.
    let states = [innocity_core::stats::status::Status::Locked];
    let (ta, tb) = (
        stats::totals(&t.db, "107-2", "2024", &states).await.unwrap(),
        stats::totals(&target.db, "107-2", "2024", &states).await.unwrap(),
    );
    assert_eq!(
        (ta.returns, ta.series.len(), ta.rollup.len()),
        (tb.returns, tb.series.len(), tb.rollup.len())
    );
    let i = ta.find("RD_EXP", "").unwrap();
    let j = tb.find("RD_EXP", "").unwrap();
    let root =
        orgs::units(&t.db).await.unwrap().into_iter().find(|u| u.parent_id.is_none()).unwrap();
    assert_eq!(ta.rollup.get(root.id, &i), tb.rollup.get(root.id, &j));
    assert!(matches!(
        sign_in(&target.db, "admin", demo::DEMO_PASSWORD).await,
        users::LoginOutcome::Ok { .. }
    ));
    // New rows get new ids after a restore (sequences moved on).
    let created = users::add(
        &target.db,
        &users::NewUser {
            username: "new",
            display_name: "新用户",
            password: "abcdefgh12",
            role: innocity_core::access::Role::Expert,
            org_unit_id: None,
            organisation_id: None,
        },
        "t",
        "r",
    )
    .await
    .unwrap();
    assert!(created.id > 10);
    // A second restore into a non-empty database is refused and changes nothing.
    assert!(backup::restore(&target.db, &files, &mut buf.as_slice()).await.is_err());
    // A damaged file is refused with its line number and nothing is half-written.
    let fresh = testing::fresh().await.unwrap();
    let mut damaged = buf.clone();
    damaged.extend_from_slice(b"{not json\n");
    let err =
        backup::restore(&fresh.db, &files, &mut damaged.as_slice()).await.unwrap_err().to_string();
    assert!(err.contains("line"), "{err}");
    assert_eq!(orgs::units(&fresh.db).await.unwrap().len(), 0);
}

#[tokio::test]
async fn per_area_counts_stay_exact_through_creates_moves_and_filters() {
    use innocity_core::orgs::OrgInput;
    let t = testing::fresh().await.unwrap();
    demo::seed(&t.db, 60, None).await.unwrap();
    let units = orgs::units(&t.db).await.unwrap();
    let unit = |c: &str| units.iter().find(|u| u.code == c).unwrap().clone();
    let exact = |scope: Scope, unit_path: Option<String>| {
        let db = t.db.clone();
        async move {
            let fast = orgs::list(
                &db,
                &scope,
                &OrgQuery { unit_path: unit_path.clone(), per_page: 5, ..Default::default() },
            )
            .await
            .unwrap()
            .total;
            // A kind filter forces a real COUNT(*); summed over kinds it must agree.
            let mut counted = 0;
            for k in innocity_core::orgs::OrgKind::ALL {
                counted += orgs::list(
                    &db,
                    &scope,
                    &OrgQuery {
                        unit_path: unit_path.clone(),
                        kind: Some(k.code().into()),
                        per_page: 5,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .total;
            }
            assert_eq!(fast, counted, "{scope:?} {unit_path:?}");
            fast
        }
    };
    let gx = unit("LZGX");
    let before = exact(Scope::Subtree(gx.path.clone()), None).await;
    let actor = orgs::Actor { user_id: 1, username: "t", request_id: "r" };
    let input = OrgInput {
        credit_code: "91350100M000100Y43".into(),
        name: "计数测试".into(),
        kind: "enterprise".into(),
        org_unit_id: unit("LZGX-YT").id.to_string(),
        ..Default::default()
    };
    let created =
        orgs::create(&t.db, &input.parse().unwrap(), &unit("LZGX-YT"), actor, "").await.unwrap();
    assert_eq!(exact(Scope::Subtree(gx.path.clone()), None).await, before + 1);
    // Moving it to 白银 moves the count.
    let moved = OrgInput { org_unit_id: unit("BYGX-YD").id.to_string(), ..input.clone() };
    orgs::update(&t.db, &created, &moved.parse().unwrap(), &unit("BYGX-YD"), actor, "")
        .await
        .unwrap();
    assert_eq!(exact(Scope::Subtree(gx.path.clone()), None).await, before);
    assert_eq!(exact(Scope::All, None).await, 61);
    assert_eq!(
        exact(Scope::All, Some(unit("BYGX").path.clone())).await,
        exact(Scope::Subtree(unit("BYGX").path.clone()), None).await
    );
    // A page past the end still reports the total.
    let far =
        orgs::list(&t.db, &Scope::All, &OrgQuery { page: 999, per_page: 20, ..Default::default() })
            .await
            .unwrap();
    assert!(far.items.is_empty());
    assert_eq!(far.total, 61);
}

#[tokio::test]
async fn demo_returns_are_realistic_and_pass_their_error_rules() {
    use innocity_core::periods::Period;
    use innocity_core::stats::{Severity, validate};
    let t = testing::fresh().await.unwrap();
    demo::seed(&t.db, 120, None).await.unwrap();
    let s = demo::seed_stats(&t.db, None).await.unwrap();
    assert!(s.returns > 300 && s.values > 10_000, "{s:?}");
    // Approval up the hierarchy passes its own checks and locks 2024.
    assert!(demo::approve_demo_periods(&t.db).await.unwrap() > 0);
    let cat = stats::catalogue(&t.db).await.unwrap();
    let returns = t
        .db
        .read("SELECT id, form, period, organisation_id, status FROM stat_returns", vec![], |r| {
            Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.int(3)?, r.text(4)?))
        })
        .await
        .unwrap();
    let statuses: std::collections::BTreeSet<&str> = returns.iter().map(|r| r.4.as_str()).collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        vec!["approved", "draft", "locked", "returned", "submitted"]
    );
    assert!(
        returns.iter().filter(|r| r.2 == "2024").all(|r| r.4 == "locked"),
        "2024 is approved up to the cities and locked"
    );
    let mut warnings = 0;
    for (id, form, period, org, _) in &returns {
        // Every stored value reads back under its element's type.
        for c in stats::cells(&t.db, *id).await.unwrap() {
            let e = cat.element(&c.element).unwrap();
            assert_eq!(
                e.parse_value(&c.value.to_input()).unwrap(),
                Some(c.value.clone()),
                "{} in return {id}",
                c.element
            );
        }
        let snap =
            stats::snapshot(&t.db, &cat, form, Period::parse(period).unwrap(), *org).await.unwrap();
        let v = validate(&cat.rules_for(form), &snap);
        assert!(
            v.iter().all(|x| x.severity == Severity::Warning),
            "{form} {period} org {org}: {v:?}"
        );
        warnings += v.len();
    }
    assert!(warnings > 0, "the demo has deliberate warnings to explain");
    // The R&D intensity of 2024 stays within 0.5–8 % of revenue.
    let totals =
        stats::totals(&t.db, "107-2", "2024", &[innocity_core::stats::status::Status::Locked])
            .await
            .unwrap();
    let root =
        orgs::units(&t.db).await.unwrap().into_iter().find(|u| u.parent_id.is_none()).unwrap();
    let rd = totals.rollup.get(root.id, &totals.find("RD_EXP", "").unwrap()).unwrap().sum;
    let rev = totals.rollup.get(root.id, &totals.find("REVENUE", "").unwrap()).unwrap().sum;
    assert!((0.005..0.08).contains(&(rd / rev)), "intensity {}", rd / rev);
}

mod projects_flow {
    use chrono::NaiveDate;
    use innocity_core::credit::{Nature, Record, Sanction, Severity};
    use innocity_core::projects::execution::{Opinion, Outcome, ReportKind, Status};
    use innocity_core::projects::funding::Condition;
    use innocity_core::projects::funding::{BudgetRules, Line};
    use innocity_core::projects::money::Money;
    use innocity_core::projects::{Action, Deadlines, Eligibility, Level, Stage};
    use innocity_demo as demo;
    use innocity_store::projects::execution as x;
    use innocity_store::{StoreError, credit, orgs::Actor, projects as p, testing};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const ACTOR: Actor<'static> = Actor { user_id: 0, username: "t", request_id: "r" };

    #[tokio::test]
    async fn an_application_goes_from_draft_to_approval_and_the_budget_holds() {
        let t = testing::fresh().await.unwrap();
        demo::seed(&t.db, 60, None).await.unwrap();
        let prog = p::create_programme(
            &t.db,
            "JC",
            "基础研究计划",
            &[(2026, Money::from_wan(100))],
            ACTOR,
        )
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
            form: innocity_core::projects::form::parse("技术就绪度（TRL） | 数字 1-9 | 必填")
                .unwrap(),
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
        // Before the call opens, after it closes: refused.
        assert!(matches!(
            p::create_draft(
                &t.db,
                &call,
                &draft,
                p::DraftLead { leader_user_id: user, organisation_id: org_id, unit_path: &path },
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
                &call,
                &bad,
                p::DraftLead { leader_user_id: user, organisation_id: org_id, unit_path: &path },
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
            &call,
            &draft,
            p::DraftLead { leader_user_id: user, organisation_id: org_id, unit_path: &path },
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
            Err(StoreError::Applications(
                innocity_store::projects::ApplicationRefusal::Draft {
                    field,
                    problem: innocity_store::projects::DraftProblem::Answer { rule: "required", .. },
                },
            )) => {
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
                kind: "person".into(),
                key: a.leader_key.clone(),
                name: "陈工".into(),
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
        let step = |action, level, reason: &'static str, day: &'static str, grant: Money| {
            let db = t.db.clone();
            async move {
                let v = p::application(&db, id).await.unwrap().unwrap().version;
                p::act(
                    &db,
                    id,
                    p::Move { action, level, reason },
                    v,
                    p::Decision { grant },
                    d(day),
                    ACTOR,
                )
                .await
            }
        };
        assert_eq!(
            step(Action::Submit, Level::Applicant, "", "2026-03-31", Money::ZERO).await.unwrap(),
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
            step(Action::Return, Level::Organisation, "", "2026-04-02", Money::ZERO).await,
            Err(StoreError::Applications(
                innocity_store::projects::ApplicationRefusal::ReasonRequired
            ))
        ));
        assert_eq!(
            step(Action::Endorse, Level::Organisation, "", "2026-04-07", Money::ZERO)
                .await
                .unwrap(),
            Stage::Endorsed
        );
        assert!(matches!(
            step(Action::Recommend, Level::Zone, "", "2026-04-15", Money::ZERO).await,
            Err(StoreError::Applications(
                innocity_store::projects::ApplicationRefusal::Deadline { .. }
            ))
        ));
        assert_eq!(
            step(Action::Recommend, Level::Zone, "", "2026-04-14", Money::ZERO).await.unwrap(),
            Stage::Recommended
        );
        assert_eq!(
            step(Action::FormalPass, Level::Bureau, "", "2026-04-20", Money::ZERO).await.unwrap(),
            Stage::InReview
        );
        assert_eq!(
            step(Action::FinishReview, Level::Bureau, "", "2026-05-20", Money::ZERO).await.unwrap(),
            Stage::Reviewed
        );
        // More than requested, then more than the programme has left: refused, nothing committed.
        assert!(matches!(
            step(Action::Approve, Level::Bureau, "", "2026-06-01", Money::from_wan(49)).await,
            Err(StoreError::Applications(
                innocity_store::projects::ApplicationRefusal::Grant { .. }
            ))
        ));
        t.db.query_one(
            "UPDATE programme_budgets SET committed_fen = ? WHERE programme_id = ?",
            vec![Money::from_wan(70).0.into(), prog.into()],
        )
        .await
        .unwrap();
        match step(Action::Approve, Level::Bureau, "", "2026-06-01", Money::from_wan(40)).await {
            Err(StoreError::Applications(
                innocity_store::projects::ApplicationRefusal::Overspent { over, available },
            )) => {
                assert_eq!([over.wan_text(), available.wan_text()], ["10.00", "30.00"])
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            p::ledger(&t.db, prog, 2026).await.unwrap().unwrap().committed,
            Money::from_wan(70)
        );
        assert_eq!(
            step(Action::Approve, Level::Bureau, "", "2026-06-01", Money::from_wan(30))
                .await
                .unwrap(),
            Stage::Approved
        );
        assert_eq!(p::ledger(&t.db, prog, 2026).await.unwrap().unwrap().available(), Money::ZERO);
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
            &call,
            &twin,
            p::DraftLead { leader_user_id: user, organisation_id: org_id, unit_path: &path },
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

        // The public notice (公示): nothing becomes a project before it ends or while an
        // objection is open.
        let establish = |day: &'static str| {
            let db = t.db.clone();
            async move {
                let v = p::application(&db, id).await.unwrap().unwrap().version;
                p::act(
                    &db,
                    id,
                    p::Move { action: Action::Establish, level: Level::Bureau, reason: "" },
                    v,
                    p::Decision::default(),
                    d(day),
                    ACTOR,
                )
                .await
            }
        };
        assert_eq!(
            refused!(establish("2026-06-20").await, StoreError::Notices(innocity_store::projects::NoticeRefusal::Establish { why, .. }) => why),
            "no_notice"
        );
        const MINUTES: &str =
            "2026年6月1日决策会议纪要：同意对JC2026-0001予以立项支持，资助30万元。";
        refused!(
            x::publish_notice(
                &t.db,
                cid,
                d("2026-06-01"),
                "同意",
                d("2026-06-02"),
                d("2026-06-08"),
                ACTOR,
            )
            .await,
            StoreError::Notices(innocity_store::projects::NoticeRefusal::Minutes),
        );
        assert_eq!(
            refused!(
                x::publish_notice(
                    &t.db,
                    cid,
                    d("2026-06-01"),
                    MINUTES,
                    d("2026-06-02"),
                    d("2026-06-07"),
                    ACTOR
                )
                .await,
                StoreError::Notices(innocity_store::projects::NoticeRefusal::Period { field, .. }) => field
            ),
            "ends_on"
        );
        x::publish_notice(
            &t.db,
            cid,
            d("2026-06-01"),
            MINUTES,
            d("2026-06-02"),
            d("2026-06-08"),
            ACTOR,
        )
        .await
        .unwrap();
        refused!(
            x::publish_notice(
                &t.db,
                cid,
                d("2026-06-01"),
                MINUTES,
                d("2026-06-02"),
                d("2026-06-08"),
                ACTOR,
            )
            .await,
            StoreError::Notices(innocity_store::projects::NoticeRefusal::Published),
        );
        let body = "该项目与负责人另一在研项目内容高度重复，请核查。";
        refused!(
            x::object(
                &t.db,
                cid,
                "JC2026-0001",
                &x::Objector { name: "张三", contact: "13800000000", address: None },
                body,
                d("2026-06-09"),
            )
            .await,
            StoreError::Notices(innocity_store::projects::NoticeRefusal::Closed { .. }),
        );
        refused!(
            x::object(
                &t.db,
                cid,
                "JC2026-0002",
                &x::Objector { name: "张三", contact: "13800000000", address: None },
                body,
                d("2026-06-03"),
            )
            .await,
            StoreError::Notices(innocity_store::projects::NoticeRefusal::Application { .. }),
        );
        assert_eq!(
            refused!(
                x::object(
                    &t.db,
                    cid,
                    "JC2026-0001",
                    &x::Objector { name: "张三", contact: "138", address: None },
                    body,
                    d("2026-06-03")
                )
                .await,
                StoreError::Notices(innocity_store::projects::NoticeRefusal::Field { field, .. }) => field
            ),
            "contact"
        );
        let o = x::object(
            &t.db,
            cid,
            "JC2026-0001",
            &x::Objector { name: "张三", contact: "13800000000", address: None },
            body,
            d("2026-06-03"),
        )
        .await
        .unwrap();
        // The same contact again while it is open: refused; one address may not flood the notice.
        refused!(
            x::object(
                &t.db,
                cid,
                "JC2026-0001",
                &x::Objector { name: "张三", contact: "13800000000", address: None },
                body,
                d("2026-06-03"),
            )
            .await,
            StoreError::Notices(innocity_store::projects::NoticeRefusal::Duplicate),
        );
        let flood = |k: usize| format!("1390000000{k}");
        for k in 0..x::OBJECTIONS_PER_ADDRESS as usize {
            let (name, contact) = ("李四", flood(k));
            let who = x::Objector { name, contact: &contact, address: Some("203.0.113.9") };
            let extra =
                x::object(&t.db, cid, "JC2026-0001", &who, body, d("2026-06-03")).await.unwrap();
            x::resolve_objection(
                &t.db,
                extra,
                false,
                "经核查，与已处理的异议相同，不予支持。",
                ACTOR,
            )
            .await
            .unwrap();
        }
        let contact = flood(9);
        refused!(
            x::object(
                &t.db,
                cid,
                "JC2026-0001",
                &x::Objector { name: "李四", contact: &contact, address: Some("203.0.113.9") },
                body,
                d("2026-06-03"),
            )
            .await,
            StoreError::Notices(innocity_store::projects::NoticeRefusal::TooMany { .. }),
        );
        let other = x::object(
            &t.db,
            cid,
            "JC2026-0001",
            &x::Objector { name: "王五", contact: &contact, address: Some("198.51.100.7") },
            body,
            d("2026-06-03"),
        )
        .await
        .unwrap();
        x::resolve_objection(&t.db, other, false, "经核查，与已处理的异议相同，不予支持。", ACTOR)
            .await
            .unwrap();
        assert_eq!(
            refused!(establish("2026-06-08").await, StoreError::Notices(innocity_store::projects::NoticeRefusal::Establish { why, .. }) => why),
            "notice_running"
        );
        assert_eq!(
            refused!(establish("2026-06-09").await, StoreError::Notices(innocity_store::projects::NoticeRefusal::Establish { why, .. }) => why),
            "objections_open"
        );
        refused!(
            x::resolve_objection(&t.db, o, false, "否", ACTOR).await,
            StoreError::Applications(innocity_store::projects::ApplicationRefusal::ReasonRequired)
        );
        x::resolve_objection(
            &t.db,
            o,
            false,
            "经核查，两项目研究内容不同，不属于重复申报。",
            ACTOR,
        )
        .await
        .unwrap();
        refused!(
            x::resolve_objection(&t.db, o, true, "再次处理同一异议", ACTOR).await,
            StoreError::Notices(innocity_store::projects::NoticeRefusal::Resolved),
        );
        assert_eq!(x::establish_call(&t.db, cid, d("2026-06-09"), ACTOR).await.unwrap(), (1, 0));

        // The task book: the budget scaled to the grant, a one-year schedule of reports.
        let deliverables =
            vec!["申请发明专利 2 件".to_string(), "发表核心期刊论文 3 篇".to_string()];
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
                "完成碳纤维复合材料低成本制备工艺攻关。",
                &deliverables,
                &outside,
                d("2026-07-01"),
                d("2027-06-30"),
                false,
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
            "完成碳纤维复合材料低成本制备工艺攻关。",
            &deliverables,
            &milestones,
            d("2026-07-01"),
            d("2027-06-30"),
            false,
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
            x::reach_milestone(
                &t.db,
                id,
                0,
                "中试工艺验证完成，良品率 92%。",
                d("2026-12-21"),
                ACTOR
            )
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

        // The mid-term inspection needs three experts' opinions; passing it opens the second instalment.
        let opinion = |name: &str, score, conclusion| Opinion {
            expert: name.into(),
            score,
            conclusion,
            text: format!("{name}：阶段任务完成情况良好，同意。"),
        };
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
            x::add_opinion(
                &t.db,
                id,
                Condition::MidTerm,
                &opinion(name, 85, Outcome::Passed),
                ACTOR,
            )
            .await
            .unwrap();
        }
        x::conclude_mid_term(
            &t.db,
            id,
            Outcome::Passed,
            "同意通过中期检查",
            d("2027-01-20"),
            ACTOR,
        )
        .await
        .unwrap();
        assert!(p::conditions(&t.db, id).await.unwrap().iter().any(|c| c.0 == Condition::MidTerm));
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

        // Changes: a reallocation over the limit is refused naming the category; one extension.
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
            StoreError::Projects(innocity_store::projects::ProjectRefusal::Change { rule, .. }) => rule
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
        x::decide_change(&t.db, c, true, "理由充分，同意延期。", d("2027-01-21"), ACTOR)
            .await
            .unwrap();
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
        x::submit_report(&t.db, id, ReportKind::Final, 1, final_text, &account, ACTOR)
            .await
            .unwrap();
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

    #[tokio::test]
    async fn the_demo_projects_reconcile() {
        let t = testing::fresh().await.unwrap();
        demo::seed(&t.db, 120, None).await.unwrap();
        let s = demo::projects::seed_projects(&t.db, demo::experts::CSL).await.unwrap();
        assert_eq!(s.established, 120);
        let today = chrono::Local::now().date_naive();
        let calls = p::calls(&t.db).await.unwrap();
        let closed = calls.iter().min_by_key(|c| c.year).unwrap();
        // One objection upheld (that application rejected), one dismissed.
        let objections = x::objections(&t.db, closed.id).await.unwrap();
        assert_eq!(
            objections.iter().map(|o| o.status.as_str()).collect::<Vec<_>>(),
            ["dismissed", "upheld"]
        );
        assert_eq!(
            p::application(&t.db, objections[1].application_id).await.unwrap().unwrap().stage,
            Stage::Rejected
        );
        // The programme's ledger: what is committed is what was granted less what went back.
        let projects = x::portfolio(&t.db, p::Reach::All, today).await.unwrap();
        assert_eq!(projects.len(), 120);
        let granted: i64 = projects.iter().map(|p| p.granted.0).sum();
        let mut cancelled = 0;
        for pr in &projects {
            cancelled += p::instalments(&t.db, pr.id)
                .await
                .unwrap()
                .iter()
                .filter(|i| i.cancelled)
                .map(|i| i.instalment.amount.0)
                .sum::<i64>();
            let paid: i64 = p::instalments(&t.db, pr.id)
                .await
                .unwrap()
                .iter()
                .filter(|i| i.instalment.released_by.is_some())
                .map(|i| i.instalment.amount.0)
                .sum();
            assert_eq!(pr.paid.0, paid);
            assert!(pr.paid <= pr.granted);
        }
        assert!(cancelled > 0, "a terminated and a failed project returned money");
        assert_eq!(
            p::ledger(&t.db, closed.programme_id, closed.year).await.unwrap().unwrap().committed.0,
            granted - cancelled
        );
        // Every status, overdue reports and rectifications, changes, a failed acceptance with its records.
        for st in [
            Status::Ongoing,
            Status::Suspended,
            Status::Terminated,
            Status::Accepted,
            Status::Failed,
        ] {
            assert!(projects.iter().any(|p| p.status == st), "{st:?}");
        }
        assert!(projects.iter().filter(|p| p.overdue_reports > 0).count() >= 10);
        assert!(projects.iter().any(|p| p.overdue_rectifications > 0));
        assert!(projects.iter().any(|p| p.pending_changes > 0));
        let failed = projects.iter().find(|p| p.status == Status::Failed).unwrap();
        assert_eq!(x::outcome(&t.db, failed.id).await.unwrap().unwrap().credit_records.len(), 2);
        assert!(!x::output_counts(&t.db, p::Reach::All).await.unwrap().is_empty());
    }
}

mod backup_whole {
    use innocity_demo as demo;
    use innocity_store::{Db, audit, backup, migrate, orgs, projects, testing};
    use serde_json::{Value, json};

    /// A new empty folder for stored files, removed at the end of the test.
    fn files_dir() -> testing::TempDir {
        let dir = std::env::temp_dir().join(format!(
            "innocity_files_{}",
            innocity_store::users::random_token().get(..12).unwrap_or("x")
        ));
        std::fs::create_dir_all(&dir).unwrap();
        testing::TempDir(dir)
    }

    /// The call a guideline file belongs to, and the file.
    struct CallFile {
        call_id: i64,
        file_id: i64,
        bytes: Vec<u8>,
    }

    /// A programme and a call written directly, with one guideline file uploaded into `files`.
    async fn call_with_file(db: &Db, files: &std::path::Path) -> CallFile {
        let tx = db.begin_write().await.unwrap();
        tx.exec(
            "INSERT INTO programmes (code, name, created_at) VALUES ('P1', '重点研发计划', 0)",
            vec![],
        )
        .await
        .unwrap();
        tx.exec(
            "INSERT INTO calls (programme_id, code, title, year, guidelines, topics, eligibility, budget_rules, applicant_deadline, organisation_deadline, zone_deadline, opens_on, status, created_by, created_at) \
             SELECT id, 'C1', '2026 年申报通知', 2026, '', '[]', '{}', ?, '2026-06-01', '2026-06-10', '2026-06-20', '2026-05-01', 'open', 't', 0 FROM programmes WHERE code = 'P1'",
            vec![json!({ "max_request": 1_000_000, "co_funding": 0.0, "indirect_share": 0.2 }).to_string().into()],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let call_id: i64 = db
            .query_one("SELECT id FROM calls WHERE code = 'C1'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get("", "id")
            .unwrap();
        let bytes = b"%PDF-1.4\n% guidelines\n".to_vec();
        let actor = orgs::Actor { user_id: 1, username: "t", request_id: "r" };
        let file_id = projects::add_call_file(db, files, call_id, "申报指南.pdf", &bytes, actor)
            .await
            .unwrap();
        CallFile { call_id, file_id, bytes }
    }

    /// The backup with one row of `table` (0-based among its rows) changed, and that row's line
    /// number in the file (1-based).
    fn edit_row(
        backup: &[u8],
        table: &str,
        index: usize,
        edit: impl Fn(&mut Vec<Value>),
    ) -> (Vec<u8>, usize) {
        let text = String::from_utf8(backup.to_vec()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let start = lines
            .iter()
            .position(|l| {
                l.starts_with("{\"columns\"") && l.contains(&format!("\"table\":\"{table}\""))
            })
            .unwrap();
        let at = start + 1 + index;
        let mut row: Vec<Value> = serde_json::from_str(&lines[at]).unwrap();
        edit(&mut row);
        lines[at] = Value::Array(row).to_string();
        ((lines.join("\n") + "\n").into_bytes(), at + 1)
    }

    /// A backup of `db` with its files in `files` (refused when one is missing).
    async fn backup_of(db: &Db, files: &std::path::Path) -> Vec<u8> {
        let mut buf = Vec::new();
        backup::backup(db, backup::Files { dir: files, allow_missing: false }, &mut buf)
            .await
            .unwrap();
        buf
    }

    async fn f_sha(db: &Db, call_id: i64) -> String {
        projects::call_files(db, call_id).await.unwrap()[0].sha256.clone()
    }

    async fn is_empty(db: &Db) -> bool {
        orgs::units(db).await.unwrap().is_empty()
    }

    #[tokio::test]
    async fn uploaded_files_come_back_with_a_restore() {
        let t = testing::fresh().await.unwrap();
        let files = files_dir();
        let f = call_with_file(&t.db, &files.0).await;
        let mut buf = Vec::new();
        let s =
            backup::backup(&t.db, backup::Files { dir: &files.0, allow_missing: false }, &mut buf)
                .await
                .unwrap();
        assert_eq!((s.files, s.missing.len()), (1, 0));
        // Restored elsewhere, with an empty files folder: the file is there, checked by its digest.
        let target = testing::fresh().await.unwrap();
        let files_b = files_dir();
        let r = backup::restore(&target.db, &files_b.0, &mut buf.as_slice()).await.unwrap();
        assert_eq!((r.files, r.missing.len()), (1, 0));
        let (_, got) =
            projects::call_file(&target.db, &files_b.0, f.call_id, f.file_id).await.unwrap();
        assert_eq!(got, f.bytes);

        // A file whose content no longer matches its digest is refused, naming its line.
        let text = String::from_utf8(buf.clone()).unwrap();
        let line = text.lines().position(|l| l.contains("\"file\"")).unwrap() + 1;
        let damaged = text.replace("JVBERi0xLjQK", "JVBERi0xLjUK");
        let target = testing::fresh().await.unwrap();
        let err = backup::restore(&target.db, &files_dir().0, &mut damaged.as_bytes())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("备份第 {line} 行")) && err.contains("digest"), "{err}");
        assert!(is_empty(&target.db).await);
        // A backup cut short (no end record) is refused.
        let cut: String = text
            .lines()
            .take_while(|l| !l.starts_with("{\"end\""))
            .map(|l| format!("{l}\n"))
            .collect();
        let target = testing::fresh().await.unwrap();
        let err = backup::restore(&target.db, &files_dir().0, &mut cut.as_bytes())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("cut short"), "{err}");
        assert!(is_empty(&target.db).await);

        // A stored file damaged on disk is named at backup time.
        let sha = f_sha(&t.db, f.call_id).await;
        let stored = files.0.join(&sha[..2]).join(&sha);
        std::fs::write(&stored, b"%PDF-1.4\n% changed\n").unwrap();
        let err = backup::backup(
            &t.db,
            backup::Files { dir: &files.0, allow_missing: false },
            &mut Vec::new(),
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("damaged") && err.contains(&format!("call_files {}", f.file_id)),
            "{err}"
        );
        // A file missing on disk is named at backup time, and no backup is written.
        std::fs::remove_file(&stored).unwrap();
        let mut out = Vec::new();
        let err =
            backup::backup(&t.db, backup::Files { dir: &files.0, allow_missing: false }, &mut out)
                .await
                .unwrap_err()
                .to_string();
        assert!(err.contains(&format!("call_files {}: {sha}", f.file_id)), "{err}");
        assert!(out.is_empty());
        // Allowed, the backup names it, and so does the restore.
        let s =
            backup::backup(&t.db, backup::Files { dir: &files.0, allow_missing: true }, &mut out)
                .await
                .unwrap();
        let named =
            vec![backup::FileRef { table: "call_files".into(), id: f.file_id, sha256: sha }];
        assert_eq!((s.files, &s.missing), (0, &named));
        let target = testing::fresh().await.unwrap();
        let r = backup::restore(&target.db, &files_dir().0, &mut out.as_slice()).await.unwrap();
        assert_eq!(r.missing, named);
    }

    /// SQLite → PostgreSQL → SQLite, files and all (when INNOCITY_TEST_DATABASE_URL names PostgreSQL).
    #[tokio::test]
    async fn a_backup_moves_between_sqlite_and_postgresql() {
        let pg = testing::fresh().await.unwrap();
        if !pg.db.is_postgres() {
            return;
        }
        let dir = files_dir();
        let sqlite = |name: &str| format!("sqlite://{}/{name}", dir.0.display());
        let lite = Db::connect(&sqlite("a.db")).await.unwrap();
        migrate::run(&lite).await.unwrap();
        demo::seed(&lite, 30, None).await.unwrap();
        let f = call_with_file(&lite, &dir.0.join("files_a")).await;
        let buf = backup_of(&lite, &dir.0.join("files_a")).await;
        let r =
            backup::restore(&pg.db, &dir.0.join("files_pg"), &mut buf.as_slice()).await.unwrap();
        assert_eq!(r.files, 1);
        assert_eq!(
            projects::call_file(&pg.db, &dir.0.join("files_pg"), f.call_id, f.file_id)
                .await
                .unwrap()
                .1,
            f.bytes
        );
        assert!(audit::verify(&pg.db).await.unwrap().is_ok());
        // And back.
        let back = backup_of(&pg.db, &dir.0.join("files_pg")).await;
        let lite2 = Db::connect(&sqlite("b.db")).await.unwrap();
        migrate::run(&lite2).await.unwrap();
        let r2 =
            backup::restore(&lite2, &dir.0.join("files_b"), &mut back.as_slice()).await.unwrap();
        assert_eq!((r2.tables, r2.files), (r.tables, 1));
        assert_eq!(
            projects::call_file(&lite2, &dir.0.join("files_b"), f.call_id, f.file_id)
                .await
                .unwrap()
                .1,
            f.bytes
        );
        assert!(audit::verify(&lite2).await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn restore_refuses_a_broken_audit_chain_and_writes_nothing() {
        let t = testing::fresh().await.unwrap();
        demo::seed(&t.db, 30, None).await.unwrap();
        let files = files_dir();
        let buf = backup_of(&t.db, &files.0).await;
        let (edited, _) = edit_row(&buf, "audit_log", 4, |r| r[2] = json!("mallory"));
        let target = testing::fresh().await.unwrap();
        let err = backup::restore(&target.db, &files.0, &mut edited.as_slice())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("audit") && err.contains("entry 5"), "{err}");
        assert!(is_empty(&target.db).await, "nothing restored");
    }

    #[tokio::test]
    async fn restore_names_the_backup_line_table_and_column_it_cannot_take() {
        let t = testing::fresh().await.unwrap();
        demo::seed(&t.db, 30, None).await.unwrap();
        let files = files_dir();
        let buf = backup_of(&t.db, &files.0).await;
        // A NUL in an address: SQLite keeps it, PostgreSQL cannot, and the message is ours.
        let (nul, line) = edit_row(&buf, "organisations", 3, |r| r[6] = json!("兰州市\u{0}城关区"));
        let target = testing::fresh().await.unwrap();
        let restored = backup::restore(&target.db, &files.0, &mut nul.as_slice()).await;
        if target.db.is_postgres() {
            let err = restored.unwrap_err().to_string();
            assert!(
                err.contains(&format!("备份第 {line} 行（表 organisations，列 address）"))
                    && err.contains("NUL"),
                "{err}"
            );
            assert!(is_empty(&target.db).await, "nothing half-written");
        } else {
            restored.unwrap();
            let n = target
                .db
                .query_all(
                    "SELECT id FROM organisations WHERE address = ?",
                    vec!["兰州市\u{0}城关区".into()],
                )
                .await
                .unwrap();
            assert_eq!(n.len(), 1, "SQLite keeps the NUL");
        }
        // A value of the wrong type names its column.
        let (wrong, line) = edit_row(&buf, "organisations", 5, |r| r[6] = json!(12));
        let target = testing::fresh().await.unwrap();
        let err = backup::restore(&target.db, &files.0, &mut wrong.as_slice())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("备份第 {line} 行（表 organisations，列 address）")),
            "{err}"
        );
        assert!(is_empty(&target.db).await);
        // A row the database refuses (a second organisation with the same id) names its line.
        let (dup, line) = edit_row(&buf, "organisations", 7, |r| r[0] = json!(1));
        let target = testing::fresh().await.unwrap();
        let err = backup::restore(&target.db, &files.0, &mut dup.as_slice())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("备份第 {line} 行（表 organisations）")), "{err}");
        assert!(is_empty(&target.db).await);
    }
}

mod audit_anchor {
    use innocity_demo as demo;
    use innocity_store::anchor::{self, Break};
    use innocity_store::{audit, testing, users};

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        let hmac = |key: &[u8], msg: &[u8]| hex::encode(anchor::hmac_sha256(key, msg));
        // Test cases 1, 2 and 6 (a key longer than the block is hashed first).
        assert_eq!(
            hmac(&[0x0b; 20], b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hmac(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hmac(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[tokio::test]
    async fn a_recomputed_chain_fails_its_checkpoint_which_is_named() {
        let t = testing::fresh().await.unwrap();
        demo::seed(&t.db, 30, None).await.unwrap();
        let dir = std::env::temp_dir()
            .join(format!("innocity_anchor_{}", users::random_token().get(..12).unwrap_or("x")));
        let _dir = testing::TempDir(dir.clone());
        let cfg = anchor::Config {
            key: None,
            key_file: dir.join("audit.key"),
            checkpoints: dir.join("audit-checkpoints.log"),
        };
        let written = |a: anchor::Anchored| match a {
            anchor::Anchored::Written(c) => c,
            other => panic!("{other:?}"),
        };
        let first = written(anchor::checkpoint(&t.db, &cfg).await.unwrap());
        assert_eq!(
            anchor::checkpoint(&t.db, &cfg).await.unwrap(),
            anchor::Anchored::Unchanged { seq: first.seq },
            "nothing new, no new line"
        );
        use std::os::unix::fs::PermissionsExt;
        for f in [&cfg.key_file, &cfg.checkpoints] {
            assert_eq!(
                std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
                0o600,
                "{}",
                f.display()
            );
        }
        let new = users::NewUser {
            username: "later",
            display_name: "后来者",
            password: "abcdefgh12",
            role: innocity_core::access::Role::Expert,
            org_unit_id: None,
            organisation_id: None,
        };
        users::add(&t.db, &new, "t", "r").await.unwrap();
        let second = written(anchor::checkpoint(&t.db, &cfg).await.unwrap());
        assert!(second.seq > first.seq);
        assert_eq!(anchor::check(&t.db, &cfg).await.unwrap(), Ok(2));

        // Entry 5 edited and the whole chain recomputed with plain SHA-256, straight in the database.
        testing::forge_audit_entry(&t.db, 5, "mallory").await.unwrap();
        assert!(audit::verify(&t.db).await.unwrap().is_ok(), "the plain chain alone is fooled");
        let b = anchor::check(&t.db, &cfg).await.unwrap().unwrap_err();
        assert!(matches!(b, Break::Rewritten { line: 1, seq, .. } if seq == first.seq), "{b:?}");
        assert!(b.to_string().starts_with("checkpoint 1 "), "{b}");

        // Another key cannot vouch for these checkpoints (nor write ones that pass).
        let other = anchor::Config {
            key: Some("another key, at least thirty-two characters".into()),
            ..cfg.clone()
        };
        assert!(matches!(
            anchor::check(&t.db, &other).await.unwrap(),
            Err(Break::Forged { line: 1, .. })
        ));
        // An edited checkpoint line is named too.
        let text = std::fs::read_to_string(&cfg.checkpoints).unwrap();
        let (l1, rest) = text.split_once('\n').unwrap();
        let forged: Vec<&str> = l1.split('\t').collect();
        let line =
            format!("{}\t{}\t{}\t{}\n{rest}", forged[0], "0".repeat(64), forged[2], forged[3]);
        std::fs::write(&cfg.checkpoints, line).unwrap();
        assert!(matches!(
            anchor::check(&t.db, &cfg).await.unwrap(),
            Err(Break::Forged { line: 1, .. })
        ));
    }
}

/// Checks made inside the write: a request's check reads the state its own write transaction
/// sees, so a change committed between the caller's reads and the write is never overlooked.
mod checks_in_the_write {
    use innocity_core::projects::Stage;
    use innocity_core::projects::execution::Status;
    use innocity_demo as demo;
    use innocity_store::{Db, StoreError, audit, experts, orgs::Actor, projects as p, testing};
    use std::time::Duration;

    const ACTOR: Actor<'static> = Actor { user_id: 0, username: "t", request_id: "r" };

    /// Runs `write` while another transaction holds the write lock and, in it, makes `change`
    /// (what a concurrent request would do after the caller's reads and before its write).
    async fn meanwhile<T>(
        db: &Db,
        change: &str,
        values: Vec<sea_orm::Value>,
        write: impl std::future::Future<Output = T>,
    ) -> T {
        let held = db.begin_write().await.unwrap();
        let (out, ()) = tokio::join!(write, async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            held.exec(change, values).await.unwrap();
            held.commit().await.unwrap();
        });
        out
    }

    async fn count(db: &Db, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
        db.query_one(sql, values).await.unwrap().unwrap().try_get_by_index(0).unwrap()
    }

    async fn projects_db() -> testing::TestDb {
        let t = testing::fresh().await.unwrap();
        demo::seed(&t.db, 60, None).await.unwrap();
        demo::projects::seed_projects(&t.db, demo::experts::CSL).await.unwrap();
        t
    }

    #[tokio::test]
    async fn a_project_suspended_meanwhile_is_not_paid() {
        let t = projects_db().await;
        // An ongoing project's instalment that may be prepared now (its condition approved).
        let mut found = None;
        for a in
            p::applications(&t.db, p::Reach::All, None, Some(Stage::Established)).await.unwrap()
        {
            if p::task_book(&t.db, a.id).await.unwrap().is_none_or(|b| b.status != Status::Ongoing)
            {
                continue;
            }
            let met = p::conditions(&t.db, a.id).await.unwrap();
            if let Some(i) = p::instalments(&t.db, a.id).await.unwrap().into_iter().find(|i| {
                !i.cancelled
                    && i.instalment.prepared_by.is_none()
                    && i.instalment.released_by.is_none()
                    && met.iter().any(|c| c.0 == i.instalment.condition)
            }) {
                found = Some((a.id, i.id));
                break;
            }
        }
        let (app, inst) = found.expect("an instalment ready to prepare");
        let before = audit::verify(&t.db).await.unwrap().unwrap();
        let r = meanwhile(&t.db, "UPDATE task_books SET status = 'suspended', status_reason = 'x', version = version + 1 WHERE application_id = ?", vec![app.into()], p::pay(&t.db, inst, false, ACTOR)).await;
        assert_eq!(
            refused!(r, StoreError::Projects(innocity_store::projects::ProjectRefusal::NotPaying { status }) => status.code()),
            "suspended"
        );
        let it =
            p::instalments(&t.db, app).await.unwrap().into_iter().find(|i| i.id == inst).unwrap();
        assert_eq!(it.instalment.prepared_by, None, "nothing prepared");
        assert_eq!(audit::verify(&t.db).await.unwrap().unwrap(), before, "no audit entry");
        // Resumed, it may be prepared again.
        t.db.query_one(
            "UPDATE task_books SET status = 'ongoing' WHERE application_id = ?",
            vec![app.into()],
        )
        .await
        .unwrap();
        p::pay(&t.db, inst, false, ACTOR).await.unwrap();
    }

    #[tokio::test]
    async fn a_draft_submitted_meanwhile_takes_no_file() {
        let t = projects_db().await;
        let dir = testing::TempDir(
            std::env::temp_dir().join(format!("innocity_files_{}", std::process::id())),
        );
        let a = p::applications(&t.db, p::Reach::All, None, Some(Stage::Draft))
            .await
            .unwrap()
            .into_iter()
            .next()
            .expect("a draft");
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
        let r = meanwhile(
            &t.db,
            "UPDATE applications SET stage = 'submitted', version = version + 1 WHERE id = ?",
            vec![a.id.into()],
            p::add_attachment(
                &t.db,
                &dir.0,
                a.id,
                a.leader_user_id,
                p::NewAttachment { name: "plan.pdf", kind: "attachment", bytes: pdf },
                ACTOR,
            ),
        )
        .await;
        refused!(
            r,
            StoreError::Applications(innocity_store::projects::ApplicationRefusal::NotEditable)
        );
        assert!(p::attachments(&t.db, a.id).await.unwrap().is_empty());
        // Back to a draft, the same file goes in.
        t.db.query_one("UPDATE applications SET stage = 'draft' WHERE id = ?", vec![a.id.into()])
            .await
            .unwrap();
        p::add_attachment(
            &t.db,
            &dir.0,
            a.id,
            a.leader_user_id,
            p::NewAttachment { name: "plan.pdf", kind: "attachment", bytes: pdf },
            ACTOR,
        )
        .await
        .unwrap();
        assert_eq!(p::attachments(&t.db, a.id).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_round_closed_meanwhile_takes_no_scores() {
        let t = testing::fresh().await.unwrap();
        demo::seed(&t.db, 60, None).await.unwrap();
        demo::experts::seed_experts(&t.db, demo::experts::CSL).await.unwrap();
        // The demo expert's assignment in the open panel round.
        let user: i64 =
            count(&t.db, "SELECT id FROM users WHERE username = 'expert'", vec![]).await;
        let me = experts::by_user(&t.db, user).await.unwrap().unwrap();
        let round = experts::rounds(&t.db)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.is_open())
            .expect("an open round");
        let a = experts::assignments(&t.db, round.id)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.expert_id == me.id && a.status == "assigned")
            .expect("an assignment");
        let form = round.form.clone();
        let scores = form.criteria.iter().map(|c| (c.code.clone(), c.max)).collect();
        let input = experts::ReviewInput {
            scores,
            recommendation: String::new(),
            comment: String::new(),
            submit: false,
            version: a.version,
        };
        let today = round.deadline_date().unwrap();
        let r = meanwhile(
            &t.db,
            "UPDATE review_rounds SET status = 'closed', closed_at = 1 WHERE id = ?",
            vec![round.id.into()],
            experts::save_review(&t.db, a.id, user, &input, today, ACTOR),
        )
        .await;
        refused!(r, StoreError::Reviews(innocity_store::experts::ReviewRefusal::Closed));
        let after = experts::assignment(&t.db, a.id).await.unwrap().unwrap();
        assert_eq!((after.version, after.saved_at), (a.version, a.saved_at), "nothing saved");
        // Open again, the same draft is saved.
        t.db.query_one(
            "UPDATE review_rounds SET status = 'open' WHERE id = ?",
            vec![round.id.into()],
        )
        .await
        .unwrap();
        experts::save_review(&t.db, a.id, user, &input, today, ACTOR).await.unwrap();
    }

    #[tokio::test]
    async fn a_call_review_is_one_transaction_with_its_audit_entry() {
        let t = projects_db().await;
        let apps =
            p::applications(&t.db, p::Reach::All, None, Some(Stage::InReview)).await.unwrap();
        let call_id = apps.first().expect("applications in review").call_id;
        let mine = apps.iter().filter(|a| a.call_id == call_id).count();
        let deadline = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let links = |db: &Db| {
            let db = db.clone();
            async move { count(&db, "SELECT COUNT(*) FROM call_rounds", vec![]).await }
        };
        let rounds_before = count(&t.db, "SELECT COUNT(*) FROM review_rounds", vec![]).await;
        let items_before = count(&t.db, "SELECT COUNT(*) FROM review_items", vec![]).await;
        // A failure at the last step (linking the round to the call; a trigger refuses it here)
        // leaves nothing behind: no round, no items, no audit entry.
        use sea_orm::ConnectionTrait;
        let (add, drop) = if t.db.is_postgres() {
            (
                "CREATE FUNCTION refuse_link() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no link'; END $$ LANGUAGE plpgsql; CREATE TRIGGER refuse_link BEFORE INSERT ON call_rounds FOR EACH ROW EXECUTE FUNCTION refuse_link()",
                "DROP TRIGGER refuse_link ON call_rounds",
            )
        } else {
            (
                "CREATE TRIGGER refuse_link BEFORE INSERT ON call_rounds BEGIN SELECT RAISE(ABORT, 'no link'); END",
                "DROP TRIGGER refuse_link",
            )
        };
        t.db.conn.execute_unprepared(add).await.unwrap();
        let entries = audit::verify(&t.db).await.unwrap().unwrap();
        let r =
            p::start_review(&t.db, call_id, "通讯评审", experts::Mode::Assign, 3, deadline, ACTOR)
                .await;
        assert!(matches!(r, Err(StoreError::Db(_))), "{r:?}");
        assert_eq!(
            count(&t.db, "SELECT COUNT(*) FROM review_rounds", vec![]).await,
            rounds_before,
            "no round"
        );
        assert_eq!(
            count(&t.db, "SELECT COUNT(*) FROM review_items", vec![]).await,
            items_before,
            "no items"
        );
        assert_eq!(links(&t.db).await, 0, "no link");
        assert_eq!(audit::verify(&t.db).await.unwrap().unwrap(), entries, "no audit entry");
        // Linked, the round, its items and the link come with one audit entry each.
        t.db.conn.execute_unprepared(drop).await.unwrap();
        let round_id =
            p::start_review(&t.db, call_id, "通讯评审", experts::Mode::Assign, 3, deadline, ACTOR)
                .await
                .unwrap();
        assert_eq!(
            p::call_rounds(&t.db, call_id).await.unwrap().iter().map(|r| r.id).collect::<Vec<_>>(),
            [round_id]
        );
        assert_eq!(experts::items(&t.db, round_id).await.unwrap().len(), mine);
        let entries_after = audit::verify(&t.db).await.unwrap().unwrap();
        assert_eq!(entries_after, entries + 2, "the round's entry and the link's");
        let link = audit::list(
            &t.db,
            &audit::Filter {
                action: "call.review".into(),
                entity: "call".into(),
                entity_id: call_id.to_string(),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
        assert_eq!(link.len(), 1);
        let after: serde_json::Value = serde_json::from_str(&link[0].after).unwrap();
        assert_eq!(after["round_id"], serde_json::json!(round_id));
    }

    #[tokio::test]
    async fn a_project_terminated_meanwhile_takes_no_report_opinion_or_rectification() {
        use innocity_core::projects::execution::{Opinion, Outcome};
        use innocity_store::projects::execution as x;
        let t = projects_db().await;
        let today = chrono::Local::now().date_naive();
        // An ongoing project with a report still due that is not the final one.
        let mut found = None;
        for a in
            p::applications(&t.db, p::Reach::All, None, Some(Stage::Established)).await.unwrap()
        {
            if p::task_book(&t.db, a.id).await.unwrap().is_some_and(|b| b.status == Status::Ongoing)
                && let Some(r) =
                    x::reports(&t.db, a.id, today).await.unwrap().into_iter().find(|r| {
                        r.status == "due"
                            && r.due.kind != innocity_core::projects::execution::ReportKind::Final
                    })
            {
                found = Some((a.id, r.due));
                break;
            }
        }
        let (app, due) = found.expect("a report due");
        let terminate = "UPDATE task_books SET status = 'terminated', version = version + 1 WHERE application_id = ?";
        let resume = |db: &Db| {
            let db = db.clone();
            async move {
                db.query_one(
                    "UPDATE task_books SET status = 'ongoing' WHERE application_id = ?",
                    vec![app.into()],
                )
                .await
                .unwrap()
            }
        };
        let text = "阶段报告：完成原定研究任务，样品性能指标达到任务书要求。";
        let r = meanwhile(
            &t.db,
            terminate,
            vec![app.into()],
            x::submit_report(&t.db, app, due.kind, due.seq, text, &[], ACTOR),
        )
        .await;
        assert_eq!(
            refused!(r, StoreError::Projects(innocity_store::projects::ProjectRefusal::Status { status, action }) => (status.code(), action)),
            ("terminated", "report")
        );
        assert!(
            x::reports(&t.db, app, today)
                .await
                .unwrap()
                .iter()
                .any(|r| r.due == due && r.status == "due"),
            "not submitted"
        );
        resume(&t.db).await;
        let opinion = Opinion {
            expert: "张立新".into(),
            score: 80,
            conclusion: Outcome::Passed,
            text: "阶段任务完成情况良好，同意。".into(),
        };
        let before = x::opinions(&t.db, app).await.unwrap().len();
        let r = meanwhile(
            &t.db,
            terminate,
            vec![app.into()],
            x::add_opinion(
                &t.db,
                app,
                innocity_core::projects::funding::Condition::MidTerm,
                &opinion,
                ACTOR,
            ),
        )
        .await;
        assert_eq!(
            refused!(r, StoreError::Projects(innocity_store::projects::ProjectRefusal::Status { status, action }) => (status.code(), action)),
            ("terminated", "opinion")
        );
        assert_eq!(x::opinions(&t.db, app).await.unwrap().len(), before);
        resume(&t.db).await;
        x::submit_report(&t.db, app, due.kind, due.seq, text, &[], ACTOR).await.unwrap();
        // A rectification reported meanwhile (by another tab) is not reported twice.
        let (owner, f) = {
            let row = t.db.query_one("SELECT application_id, id FROM project_findings WHERE rectify_by <> '' AND rectified_at = 0 ORDER BY id LIMIT 1", vec![]).await.unwrap().expect("a finding to put right");
            (row.try_get_by_index::<i64>(0).unwrap(), row.try_get_by_index::<i64>(1).unwrap())
        };
        let entries = audit::verify(&t.db).await.unwrap().unwrap();
        let r = meanwhile(
            &t.db,
            "UPDATE project_findings SET rectification = 'first', rectified_at = 1 WHERE id = ?",
            vec![f.into()],
            x::rectify(&t.db, owner, f, "已按要求完成整改，补充了经费使用台账。", ACTOR),
        )
        .await;
        refused!(r, StoreError::Projects(innocity_store::projects::ProjectRefusal::Rectified));
        assert_eq!(
            audit::verify(&t.db).await.unwrap().unwrap(),
            entries,
            "no audit entry for a change not made"
        );
    }

    #[tokio::test]
    async fn a_seed_committed_or_a_round_closed_meanwhile_is_not_overwritten() {
        let t = testing::fresh().await.unwrap();
        demo::seed(&t.db, 60, None).await.unwrap();
        demo::experts::seed_experts(&t.db, demo::experts::CSL).await.unwrap();
        let deadline = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let items =
            experts::items(&t.db, experts::rounds(&t.db).await.unwrap()[0].id).await.unwrap();
        let new = experts::NewRound {
            code: "DRAW-T".into(),
            name: "抽取".into(),
            call_name: "x".into(),
            library: innocity_core::experts::Library::Review,
            mode: experts::Mode::Draw,
            demand: 3,
            max_load: 5,
            rules: Default::default(),
            form: innocity_core::experts::scoring::Form::standard(),
            deadline,
            year: 2030,
        };
        let id = experts::create_round(&t.db, &new, &items, ACTOR).await.unwrap();
        let r = meanwhile(
            &t.db,
            "UPDATE review_rounds SET seed = 'other', seed_hash = 'published' WHERE id = ?",
            vec![id.into()],
            experts::commit_seed(&t.db, id, ACTOR),
        )
        .await;
        refused!(r, StoreError::Reviews(innocity_store::experts::ReviewRefusal::Seed));
        assert_eq!(
            experts::round(&t.db, id).await.unwrap().unwrap().seed_hash,
            "published",
            "the published hash stays"
        );
        // A withdrawal from a round closed meanwhile is refused too.
        let user: i64 =
            count(&t.db, "SELECT id FROM users WHERE username = 'expert'", vec![]).await;
        let me = experts::by_user(&t.db, user).await.unwrap().unwrap();
        let round = experts::rounds(&t.db)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.is_open() && r.id != id)
            .expect("an open round");
        let a = experts::assignments(&t.db, round.id)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.expert_id == me.id && a.status == "assigned")
            .expect("an assignment");
        let r = meanwhile(
            &t.db,
            "UPDATE review_rounds SET status = 'closed', closed_at = 1 WHERE id = ?",
            vec![round.id.into()],
            experts::withdraw(
                &t.db,
                a.id,
                user,
                false,
                "评审期间出差在外",
                round.deadline_date().unwrap(),
                ACTOR,
            ),
        )
        .await;
        refused!(r, StoreError::Reviews(innocity_store::experts::ReviewRefusal::Closed));
        assert_eq!(experts::assignment(&t.db, a.id).await.unwrap().unwrap().status, "assigned");
    }
}
