//! Money: instalments and their conditions, portfolios, the board and exports.
use super::*;
use axum::http::StatusCode;
use innocity_core::projects::Stage;
use innocity_store::projects as store;

#[tokio::test]
async fn instalments_wait_for_their_condition_and_two_people() {
    let t = projects_app().await;
    let r = approve_one(&t).await;
    let bureau = t.login("bureau").await;
    let admin = t.login("admin").await;
    let a = establish_after_the_notice(&t, &bureau, &r).await;
    let url = format!("/projects/{}", a.id);
    sign_the_task_book(&t, &bureau, &a, &url).await;
    let ids = instalments_add_up_to_the_grant(&t, &a).await;
    the_first_instalment_takes_two_people(&t, &bureau, &admin, &url, &ids).await;
    the_mid_term_inspection(&t, &bureau, &a, &url).await;
    the_second_instalment_is_paid(&t, &bureau, &admin, &a, &url, &ids).await;
}

/// The demo signed every established project's task book: establish a fresh one here.
async fn approve_one(t: &TestApp) -> store::Application {
    let r = store::applications(&t.db, store::Reach::All, None, Some(Stage::Reviewed))
        .await
        .unwrap()
        .remove(0);
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    let today = t.db.clock.today();
    store::act(
        &t.db,
        r.id,
        store::Move {
            action: innocity_core::projects::Action::Approve,
            level: innocity_core::projects::Level::Bureau,
            reason: "",
        },
        r.version,
        store::Decision { grant: innocity_core::projects::money::Money::from_wan(20) },
        today,
        actor,
    )
    .await
    .unwrap();
    r
}

/// The decision's minutes and the notice (公示) on the call page, then the projects.
async fn establish_after_the_notice(
    t: &TestApp,
    bureau: &Session,
    r: &store::Application,
) -> store::Application {
    let today = t.db.clock.today();
    let call_url = format!("/calls/{}/notice", r.call_id);
    let day = |n: u64| (today - chrono::Days::new(n)).format("%Y-%m-%d").to_string();
    let minutes = "决策会议纪要：同意立项支持，资助 20 万元，按规定公示。";
    let short = t
        .post_form(
            bureau,
            &call_url,
            &[
                ("action", "publish"),
                ("meeting_on", &day(10)),
                ("starts_on", &day(9)),
                ("ends_on", &day(5)),
                ("minutes", minutes),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "a notice runs a week at least");
    assert!(short.body.contains("不少于 7 天"), "{}", short.body);
    for who in ["orgadmin", "zone", "member", "expert"] {
        assert_eq!(
            t.post_form(&t.login(who).await, &call_url, &[("action", "establish")]).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(
        t.post_form(
            bureau,
            &call_url,
            &[
                ("action", "publish"),
                ("meeting_on", &day(10)),
                ("starts_on", &day(9)),
                ("ends_on", &day(3)),
                ("minutes", minutes)
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(bureau, &call_url, &[("action", "establish")]).await.status,
        StatusCode::SEE_OTHER
    );
    let a = store::application(&t.db, r.id).await.unwrap().unwrap();
    assert_eq!(a.stage, Stage::Established);
    let url = format!("/projects/{}", a.id);
    assert_eq!(t.get(bureau, &url).await.status, StatusCode::OK);
    for role in ["expert", "public"] {
        assert_eq!(t.get(&t.login(role).await, &url).await.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(
        t.post_form(&t.login("orgadmin").await, &url, &[("action", "sign")]).await.status,
        StatusCode::FORBIDDEN,
        "only the bureau signs and pays"
    );
    a
}

/// The task book: a missing deliverable is named; then signed, with 50/30/20 of the grant.
async fn sign_the_task_book(t: &TestApp, bureau: &Session, a: &store::Application, url: &str) {
    let r = t
        .post_form(
            bureau,
            url,
            &[
                ("action", "sign"),
                ("goals", "形成稀土永磁材料示范生产线"),
                ("deliverables", " "),
                ("starts_on", "2026-01-01"),
                ("ends_on", "2027-12-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Milestones outside the period are named by line; nothing is signed.
    let r = t
        .post_form(
            bureau,
            url,
            &[
                ("action", "sign"),
                ("goals", "形成稀土永磁材料示范生产线"),
                ("deliverables", "申请发明专利 3 件"),
                ("milestones", "2026-06-30 完成中试\n2028-03-01 结题后"),
                ("starts_on", "2026-01-01"),
                ("ends_on", "2027-12-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("节点目标第 2 行") && r.body.contains("不在执行期内"), "{}", r.body);
    assert!(store::task_book(&t.db, a.id).await.unwrap().is_none());
    let r = t
        .post_form(
            bureau,
            url,
            &[
                ("action", "sign"),
                ("goals", "形成稀土永磁材料示范生产线"),
                ("deliverables", "申请发明专利 3 件\n建成示范线 1 条"),
                ("milestones", "2026-06-30 完成中试工艺验证\n2027-06-30 建成示范线"),
                ("starts_on", "2026-01-01"),
                ("ends_on", "2027-12-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(store::task_book(&t.db, a.id).await.unwrap().unwrap().milestones.len(), 2);
    assert!(t.get(bureau, url).await.body.contains("完成中试工艺验证"));
}

/// The instalments add up to the grant; their ids, in order.
async fn instalments_add_up_to_the_grant(t: &TestApp, a: &store::Application) -> Vec<i64> {
    let rows = store::instalments(&t.db, a.id).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.instalment.amount).sum::<innocity_core::projects::money::Money>(),
        a.granted
    );
    rows.iter().map(|r| r.id).collect()
}

/// First instalment: prepared by one, refused to the same person, released by another.
async fn the_first_instalment_takes_two_people(
    t: &TestApp,
    bureau: &Session,
    admin: &Session,
    url: &str,
    ids: &[i64],
) {
    let id = |k: usize| ids[k].to_string();
    assert_eq!(
        t.post_form(bureau, url, &[("action", "release"), ("instalment", &id(0))]).await.status,
        StatusCode::CONFLICT,
        "not prepared"
    );
    assert_eq!(
        t.post_form(bureau, url, &[("action", "prepare"), ("instalment", &id(0))]).await.status,
        StatusCode::SEE_OTHER
    );
    let r = t.post_form(bureau, url, &[("action", "release"), ("instalment", &id(0))]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("经办人与复核人不能是同一人"));
    assert_eq!(
        t.post_form(admin, url, &[("action", "release"), ("instalment", &id(0))]).await.status,
        StatusCode::SEE_OTHER
    );
    // Second: not before the mid-term inspection is approved.
    let r = t.post_form(bureau, url, &[("action", "prepare"), ("instalment", &id(1))]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("尚未通过"));
}

/// The mid-term inspection: the leader's report, three experts' opinions, the conclusion.
async fn the_mid_term_inspection(t: &TestApp, bureau: &Session, a: &store::Application, url: &str) {
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    let x = innocity_core::projects::execution::ReportKind::MidTerm;
    innocity_store::projects::execution::submit_report(
        &t.db,
        a.id,
        x,
        1,
        "中期报告：完成示范生产线设计与关键设备选型，阶段指标完成过半。",
        &[],
        actor,
    )
    .await
    .unwrap();
    let conclude = [
        ("action", "mid_term"),
        ("outcome", "passed"),
        ("opinion", "中期检查专家组意见：按计划推进"),
    ];
    let r = t.post_form(bureau, url, &conclude).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("至少需要 3 位专家"), "{}", r.body);
    let r = t
        .post_form(
            bureau,
            url,
            &[
                ("action", "opinion"),
                ("stage", "mid_term"),
                ("expert", "张立新"),
                ("score", "一百"),
                ("conclusion", "passed"),
                ("opinion", "阶段任务完成良好，同意通过。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for name in ["张立新", "李慧敏", "赵国栋"] {
        assert_eq!(
            t.post_form(
                bureau,
                url,
                &[
                    ("action", "opinion"),
                    ("stage", "mid_term"),
                    ("expert", name),
                    ("score", "86"),
                    ("conclusion", "passed"),
                    ("opinion", "阶段任务完成良好，同意通过。")
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(t.post_form(bureau, url, &conclude).await.status, StatusCode::SEE_OTHER);
}

/// The second instalment is paid once the inspection passed; both paid ones show and are audited.
async fn the_second_instalment_is_paid(
    t: &TestApp,
    bureau: &Session,
    admin: &Session,
    a: &store::Application,
    url: &str,
    ids: &[i64],
) {
    let id = |k: usize| ids[k].to_string();
    assert_eq!(
        t.post_form(admin, url, &[("action", "prepare"), ("instalment", &id(1))]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(bureau, url, &[("action", "release"), ("instalment", &id(1))]).await.status,
        StatusCode::SEE_OTHER
    );
    // Another project's instalment through this project's page: not found.
    assert_eq!(
        t.post_form(bureau, url, &[("action", "prepare"), ("instalment", "999999")]).await.status,
        StatusCode::NOT_FOUND
    );
    let paid: Vec<_> = store::instalments(&t.db, a.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.instalment.released_by.is_some())
        .collect();
    assert_eq!(paid.len(), 2);
    assert!(
        t.get(bureau, url).await.body.contains(
            &paid
                .iter()
                .map(|r| r.instalment.amount)
                .sum::<innocity_core::projects::money::Money>()
                .wan_text()
        )
    );
    let ids: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
    let audit: i64 =
        t.db.query_one(
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'instalment' AND entity_id IN ({})",
                ids.join(", ")
            ),
            vec![],
        )
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(audit, 4, "two prepared, two released");
}

#[tokio::test]
async fn portfolios_board_and_exports_add_up() {
    use innocity_store::projects::execution as x;
    let t = projects_app().await;
    let bureau = t.login("bureau").await;
    let today = t.db.clock.today();
    let all = x::portfolio(&t.db, store::Reach::All, today).await.unwrap();
    outputs_count_on_the_statistical_return(&t, &bureau, &all).await;
    the_portfolio_export_adds_up(&t, &bureau, &all).await;
    zones_and_the_overdue_filter_narrow_it(&t, &bureau, &all).await;
    the_board_agrees_with_the_portfolio(&t, &bureau, &all).await;
    the_board_exports_add_up(&t, &bureau).await;
    reminders_go_once_a_day(&t, &bureau).await;
    // The failed acceptance shows its outcome and credit records.
    let failed = all
        .iter()
        .find(|p| p.status == innocity_core::projects::execution::Status::Failed)
        .unwrap();
    let page = t.get(&bureau, &format!("/projects/{}", failed.id)).await;
    assert!(page.body.contains("验收不通过") && page.body.contains("已记入科研信用记录"));
}

type Portfolio = [innocity_store::projects::execution::ProjectRow];

/// Project outputs are counted on the organisation's statistical return of their year.
async fn outputs_count_on_the_statistical_return(t: &TestApp, bureau: &Session, all: &Portfolio) {
    use innocity_store::projects::execution as x;
    let p = &all[0];
    let org = store::application(&t.db, p.id).await.unwrap().unwrap().organisation_id;
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "t", request_id: "r" };
    for (k, no) in ["CN202510000001.1", "CN202510000002.X"].iter().enumerate() {
        x::add_output(
            &t.db,
            p.id,
            "patent",
            &format!("一种稀土永磁材料的制备方法（{k}）"),
            no,
            chrono::NaiveDate::from_ymd_opt(2025, 6, 1 + k as u32).unwrap(),
            actor,
        )
        .await
        .unwrap();
    }
    let counted = x::organisation_outputs(&t.db, org, 2025).await.unwrap();
    let patents = counted.iter().find(|c| c.kind == "patent").unwrap().count;
    assert!(patents >= 2);
    assert!(
        x::organisation_outputs(&t.db, org, 2024)
            .await
            .unwrap()
            .iter()
            .all(|c| c.kind != "patent" || c.count < patents),
        "by year"
    );
    let page = t.get(bureau, &format!("/stats/107-2/2025/orgs/{org}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"project-outputs\"")
            && page.body.contains(&format!("专利 {patents}"))
            && page.body.contains("当年专利申请数"),
        "{}",
        page.body
    );
}

/// The portfolio as XLSX: a row per project, the money in 万元.
async fn the_portfolio_export_adds_up(t: &TestApp, bureau: &Session, all: &Portfolio) {
    let (status, _, bytes) = t.get_bytes(bureau, "/projects?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.rows().count(), 1 + all.len());
    let granted: f64 = sheet
        .rows()
        .skip(1)
        .map(|r| match &r[5] {
            calamine::Data::Float(f) => *f,
            other => panic!("{other:?}"),
        })
        .sum();
    assert!(
        (granted - all.iter().map(|p| p.granted.0).sum::<i64>() as f64 / 1_000_000.0).abs() < 0.01,
        "money in 万元 adds up"
    );
}

/// A zone sees its own projects only; the overdue filter keeps only those with something overdue.
async fn zones_and_the_overdue_filter_narrow_it(t: &TestApp, bureau: &Session, all: &Portfolio) {
    let zone = t.login("zone").await;
    let page = t.get(&zone, "/projects").await;
    let zone_projects =
        all.iter().filter(|p| page.body.contains(&format!("/projects/{}\"", p.id))).count();
    assert!(zone_projects > 0 && zone_projects < all.len(), "{zone_projects}");
    let overdue = t.get(bureau, "/projects?overdue=1").await;
    let n = all.iter().filter(|p| p.overdue_reports + p.overdue_rectifications > 0).count();
    assert!(overdue.body.contains(&format!("id=\"overdue-count\">{n}<")), "overdue count {n}");
}

/// The board's follow-up counts agree with the portfolio; each call's projects with their money
/// paid, which adds up to the board's total.
async fn the_board_agrees_with_the_portfolio(t: &TestApp, bureau: &Session, all: &Portfolio) {
    let board = t.get(bureau, "/projects/board").await;
    let with_overdue = all.iter().filter(|p| p.overdue_reports > 0).count();
    assert!(
        board.body.contains(&format!("id=\"board-overdue\">{with_overdue}<")),
        "board overdue {with_overdue}"
    );
    // Each call's projects with their money paid, which adds up to the board's total.
    for c in store::calls(&t.db).await.unwrap() {
        let of_call: Vec<_> = all.iter().filter(|p| p.call_id == c.id).collect();
        if !of_call.is_empty() {
            let paid = of_call
                .iter()
                .map(|p| p.paid)
                .sum::<innocity_core::projects::money::Money>()
                .wan_text();
            assert!(
                board.body.contains(&format!(
                    "id=\"call-money-{}\">立项 {} 项",
                    c.id,
                    of_call.len()
                )) && board.body.contains(&format!("<strong>{paid}</strong>")),
                "call {}",
                c.code
            );
        }
    }
}

/// The calls as XLSX, one row each; the board's table as XLSX: every application counted once,
/// the money granted to the fen.
async fn the_board_exports_add_up(t: &TestApp, bureau: &Session) {
    use calamine::Reader;
    let (status, _, bytes) = t.get_bytes(bureau, "/calls?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut calls_book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let calls_sheet = calls_book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(calls_sheet.rows().count(), 1 + store::calls(&t.db).await.unwrap().len());
    // The board's table as XLSX: every application counted once, the money granted to the fen.
    let (status, _, bytes) = t.get_bytes(bureau, "/projects/board?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let count: f64 = sheet
        .rows()
        .skip(1)
        .map(|r| match &r[2] {
            calamine::Data::Float(f) => *f,
            other => panic!("{other:?}"),
        })
        .sum();
    let apps = store::applications(&t.db, store::Reach::All, None, None).await.unwrap();
    assert_eq!(count as usize, apps.len());
    let granted_all: f64 = sheet
        .rows()
        .skip(1)
        .map(|r| match &r[4] {
            calamine::Data::Float(f) => *f,
            other => panic!("{other:?}"),
        })
        .sum();
    let fen: i64 = apps.iter().map(|a| a.granted.0).sum();
    assert!((granted_all - fen as f64 / 1_000_000.0).abs() < 1e-6, "{granted_all} vs {fen}");
}

/// Reminders: every overdue report once.
async fn reminders_go_once_a_day(t: &TestApp, bureau: &Session) {
    let before: i64 =
        t.db.query_one("SELECT COUNT(*) FROM audit_log WHERE action = 'project.remind'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    assert_eq!(
        t.post_form(&t.login("zone").await, "/projects/remind", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.post_form(bureau, "/projects/remind", &[]).await.status, StatusCode::SEE_OTHER);
    let after: i64 =
        t.db.query_one("SELECT COUNT(*) FROM audit_log WHERE action = 'project.remind'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    assert_eq!(after, before, "the demo reminded today already: not twice in a day");
}
