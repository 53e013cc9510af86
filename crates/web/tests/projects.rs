//! Calls and applications through the real router: who may see and do what, the three levels,
//! bad input named by field, double clicks, other organisations' applications, the budget.
mod common;
use axum::http::StatusCode;
use common::*;
use innocity_core::projects::Stage;
use innocity_demo as demo;
use innocity_store::projects as store;

async fn projects_app() -> TestApp {
    let t = app().await;
    demo::projects::seed_projects(&t.db, demo::experts::CSL).await.unwrap();
    t
}

async fn open_call(t: &TestApp) -> store::Call {
    let today = chrono::Local::now().date_naive();
    store::calls(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.opens_on <= today && today <= c.deadlines.applicant)
        .unwrap()
}

fn form<'a>(call: &'a str, key: &'a str, equipment: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("call", call),
        ("title", "兰白地区稀土永磁材料低成本制备技术研究"),
        ("topic", "新材料"),
        ("leader_name", "陈工"),
        ("leader_key", key),
        ("members", "李华、王芳"),
        ("summary", "研究稀土永磁材料的低成本制备工艺与性能调控。"),
        ("requested_equipment", equipment),
        ("requested_indirect", "2"),
        ("q.研究基础与现有条件", "已建成省级稀土功能材料工程技术研究中心。"),
        ("q.技术就绪度（TRL）", "5"),
        ("q.预期成果形式", "专利"),
    ]
}

#[tokio::test]
async fn only_the_right_roles_reach_the_pages() {
    let t = projects_app().await;
    let call = open_call(&t).await;
    let new = format!("/applications/new?call={}", call.id);
    for role in ROLES {
        let s = t.login(role).await;
        let viewer = !["expert", "provider", "public"].contains(&role);
        for p in ["/calls".to_string(), format!("/calls/{}", call.id), "/applications".into()] {
            assert_eq!(
                t.get(&s, &p).await.status,
                if viewer { StatusCode::OK } else { StatusCode::FORBIDDEN },
                "{role} {p}"
            );
        }
        assert_eq!(
            t.get(&s, "/projects/board").await.status,
            if ["admin", "bureau"].contains(&role) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            "{role} board"
        );
        assert_eq!(
            t.get(&s, &new).await.status,
            if ["orgadmin", "member", "orgadmin2"].contains(&role) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            "{role} new"
        );
        let post = t.post_form(&s, "/applications", &[("call", &call.id.to_string())]).await.status;
        assert!(
            if ["orgadmin", "member", "orgadmin2"].contains(&role) {
                post == StatusCode::UNPROCESSABLE_ENTITY
            } else {
                post == StatusCode::FORBIDDEN
            },
            "{role} create: {post}"
        );
    }
}

#[tokio::test]
async fn a_researcher_applies_the_organisation_endorses_and_others_cannot_touch_it() {
    let t = projects_app().await;
    let call = open_call(&t).await;
    let cid = call.id.to_string();
    let s = t.login("member").await;
    // Bad input, each named by its field, nothing stored.
    let before =
        store::applications(&t.db, store::Reach::All, Some(call.id), None).await.unwrap().len();
    let r = t.post_form(&s, "/applications", &form(&cid, "11010519491231002X", "十万")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("设备费") && r.body.contains("十万"), "{}", r.body);
    let r = t.post_form(&s, "/applications", &form(&cid, "110105194912310021", "10")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("身份证号码不正确"));
    let r = t.post_form(&s, "/applications", &form(&cid, "11010519491231002X", "40")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "over the call's 30 万元");
    assert!(r.body.contains("经费预算不符合要求"));
    assert_eq!(
        store::applications(&t.db, store::Reach::All, Some(call.id), None).await.unwrap().len(),
        before
    );
    // A good draft; the page shows it with its budget.
    let r = t.post_form(&s, "/applications", &form(&cid, "11010519491231002X", "10.5")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let id: i64 = r
        .location()
        .trim_start_matches("/applications/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    assert_eq!(a.requested.wan_text(), "12.50");
    let page = t.get(&s, &format!("/applications/{id}")).await.body;
    assert!(page.contains("12.50") && page.contains("act-submit"));
    // Submit; a second click with the same page is refused and changes nothing.
    let v = a.version.to_string();
    assert_eq!(
        t.post_form(
            &s,
            &format!("/applications/{id}/act"),
            &[("action", "submit"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(
            &s,
            &format!("/applications/{id}/act"),
            &[("action", "submit"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    assert_eq!(a.stage, Stage::Submitted);
    // The applicant cannot endorse their own; another organisation and another zone cannot see it.
    let v = a.version.to_string();
    assert_eq!(
        t.post_form(
            &s,
            &format!("/applications/{id}/act"),
            &[("action", "endorse"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    for other in ["orgadmin2", "zone2"] {
        let o = t.login(other).await;
        assert_eq!(
            t.get(&o, &format!("/applications/{id}")).await.status,
            StatusCode::NOT_FOUND,
            "{other}"
        );
        assert_eq!(
            t.post_form(
                &o,
                &format!("/applications/{id}/act"),
                &[("action", "endorse"), ("version", &v)]
            )
            .await
            .status,
            StatusCode::NOT_FOUND,
            "{other}"
        );
    }
    // The organisation's admin: a return needs a reason; endorsing works.
    let admin = t.login("orgadmin").await;
    let r = t
        .post_form(
            &admin,
            &format!("/applications/{id}/act"),
            &[("action", "return"), ("version", &v), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("请填写意见"));
    assert_eq!(
        t.post_form(
            &admin,
            &format!("/applications/{id}/act"),
            &[("action", "endorse"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(store::application(&t.db, id).await.unwrap().unwrap().stage, Stage::Endorsed);
    let audit: i64 =
        t.db.query_one(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'application' AND entity_id = ?",
            vec![id.to_string().into()],
        )
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(audit, 3, "create, submit, endorse");
}

#[tokio::test]
async fn the_bureau_decides_within_the_budget_and_exports_the_list() {
    let t = projects_app().await;
    let s = t.login("bureau").await;
    let board = t.get(&s, "/projects/board").await.body;
    assert!(board.contains("id=\"ledgers\"") && board.contains("重点研发计划"));
    let reviewed =
        store::applications(&t.db, store::Reach::All, None, Some(Stage::Reviewed)).await.unwrap();
    let a = reviewed.first().unwrap();
    let v = a.version.to_string();
    let r = t
        .post_form(
            &s,
            &format!("/applications/{}/act", a.id),
            &[("action", "approve"), ("version", &v), ("grant", "很多")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Spend the programme's year, then try one more.
    let call = store::call(&t.db, a.call_id).await.unwrap().unwrap();
    t.db.query_one("UPDATE programme_budgets SET committed_fen = budget_fen WHERE programme_id = ? AND year = ?", vec![call.programme_id.into(), call.year.into()]).await.unwrap();
    let r = t
        .post_form(
            &s,
            &format!("/applications/{}/act", a.id),
            &[("action", "approve"), ("version", &v), ("grant", "10")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("超出计划年度预算"), "{}", r.body);
    assert_eq!(store::application(&t.db, a.id).await.unwrap().unwrap().stage, Stage::Reviewed);
    let (status, _, bytes) = t.get_bytes(&s, "/applications?format=xlsx&stage=established").await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.rows().count(), 1 + 120, "the 120 established projects");
}

#[tokio::test]
async fn instalments_wait_for_their_condition_and_two_people() {
    let t = projects_app().await;
    // The demo signed every established project's task book: establish a fresh one here.
    let r = store::applications(&t.db, store::Reach::All, None, Some(Stage::Reviewed))
        .await
        .unwrap()
        .remove(0);
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    let today = chrono::Local::now().date_naive();
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
    let bureau = t.login("bureau").await;
    let admin = t.login("admin").await;
    // The decision's minutes and the notice (公示) on the call page, then the projects.
    let call_url = format!("/calls/{}/notice", r.call_id);
    let day = |n: u64| (today - chrono::Days::new(n)).format("%Y-%m-%d").to_string();
    let minutes = "决策会议纪要：同意立项支持，资助 20 万元，按规定公示。";
    let short = t
        .post_form(
            &bureau,
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
            &bureau,
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
        t.post_form(&bureau, &call_url, &[("action", "establish")]).await.status,
        StatusCode::SEE_OTHER
    );
    let a = store::application(&t.db, r.id).await.unwrap().unwrap();
    assert_eq!(a.stage, Stage::Established);
    let url = format!("/projects/{}", a.id);
    assert_eq!(t.get(&bureau, &url).await.status, StatusCode::OK);
    for role in ["expert", "public"] {
        assert_eq!(t.get(&t.login(role).await, &url).await.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(
        t.post_form(&t.login("orgadmin").await, &url, &[("action", "sign")]).await.status,
        StatusCode::FORBIDDEN,
        "only the bureau signs and pays"
    );
    // The task book: a missing deliverable is named; then signed, with 50/30/20 of the grant.
    let r = t
        .post_form(
            &bureau,
            &url,
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
            &bureau,
            &url,
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
            &bureau,
            &url,
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
    assert!(t.get(&bureau, &url).await.body.contains("完成中试工艺验证"));
    let rows = store::instalments(&t.db, a.id).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.instalment.amount).sum::<innocity_core::projects::money::Money>(),
        a.granted
    );
    let id = |k: usize| rows[k].id.to_string();
    // First instalment: prepared by one, refused to the same person, released by another.
    assert_eq!(
        t.post_form(&bureau, &url, &[("action", "release"), ("instalment", &id(0))]).await.status,
        StatusCode::CONFLICT,
        "not prepared"
    );
    assert_eq!(
        t.post_form(&bureau, &url, &[("action", "prepare"), ("instalment", &id(0))]).await.status,
        StatusCode::SEE_OTHER
    );
    let r = t.post_form(&bureau, &url, &[("action", "release"), ("instalment", &id(0))]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("经办人与复核人不能是同一人"));
    assert_eq!(
        t.post_form(&admin, &url, &[("action", "release"), ("instalment", &id(0))]).await.status,
        StatusCode::SEE_OTHER
    );
    // Second: not before the mid-term inspection is approved.
    let r = t.post_form(&bureau, &url, &[("action", "prepare"), ("instalment", &id(1))]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("尚未通过"));
    // The mid-term inspection: the leader's report, three experts' opinions, the conclusion.
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
    let r = t.post_form(&bureau, &url, &conclude).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("至少需要 3 位专家"), "{}", r.body);
    let r = t
        .post_form(
            &bureau,
            &url,
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
                &bureau,
                &url,
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
    assert_eq!(t.post_form(&bureau, &url, &conclude).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.post_form(&admin, &url, &[("action", "prepare"), ("instalment", &id(1))]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(&bureau, &url, &[("action", "release"), ("instalment", &id(1))]).await.status,
        StatusCode::SEE_OTHER
    );
    // Another project's instalment through this project's page: not found.
    assert_eq!(
        t.post_form(&bureau, &url, &[("action", "prepare"), ("instalment", "999999")]).await.status,
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
        t.get(&bureau, &url).await.body.contains(
            &paid
                .iter()
                .map(|r| r.instalment.amount)
                .sum::<innocity_core::projects::money::Money>()
                .wan_text()
        )
    );
    let ids: Vec<String> = rows.iter().map(|r| format!("'{}'", r.id)).collect();
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
async fn attachments_are_checked_kept_outside_and_served_as_downloads() {
    let t = projects_app().await;
    let call = open_call(&t).await;
    let s = t.login("member").await;
    let r = t
        .post_form(&s, "/applications", &form(&call.id.to_string(), "11010519491231002X", "10"))
        .await;
    let id: i64 = r
        .location()
        .trim_start_matches("/applications/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let up = format!("/applications/{id}/upload");
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    let r = t.upload(&s, &up, "申报书.pdf", &pdf).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{} {}", r.status, r.body);
    assert!(r.headers.get("HX-Redirect").is_some());
    // A disguised executable and a forbidden type: refused, named, nothing stored.
    let r = t.upload(&s, &up, "预算说明.pdf", b"MZ\x90\x00\x03\x00\x00\x00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("预算说明.pdf") && r.body.contains("不符"));
    assert_eq!(t.upload(&s, &up, "run.exe", b"MZ").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Real sizes: a 3 MB scan goes in (twice is still once), an 11 MB one is refused by size.
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(3 << 20, b'x');
    assert!(t.upload(&s, &up, "扫描件.pdf", &big).await.status.is_redirection());
    assert!(t.upload(&s, &up, "扫描件.pdf", &big).await.status.is_redirection());
    big.resize(11 << 20, b'x');
    assert_eq!(t.upload(&s, &up, "太大.pdf", &big).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    let files = store::attachments(&t.db, id).await.unwrap();
    assert_eq!(files.len(), 2, "the PDF and the scan, once each");
    // Stored by digest in the files folder, not under any served path.
    let on_disk = t.files.path().join(&files[0].sha256[..2]).join(&files[0].sha256);
    assert_eq!(std::fs::read(&on_disk).unwrap(), pdf);
    let (status, headers, bytes) =
        t.get_bytes(&s, &format!("/applications/{id}/files/{}", files[0].id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, pdf);
    assert!(
        headers.get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment;")
    );
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    for other in ["orgadmin2", "zone2"] {
        let o = t.login(other).await;
        assert_eq!(
            t.get_bytes(&o, &format!("/applications/{id}/files/{}", files[0].id)).await.0,
            StatusCode::NOT_FOUND,
            "{other}"
        );
    }
    // After submission the draft is closed to uploads.
    let v = store::application(&t.db, id).await.unwrap().unwrap().version.to_string();
    assert_eq!(
        t.post_form(
            &s,
            &format!("/applications/{id}/act"),
            &[("action", "submit"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(t.upload(&s, &up, "补充.pdf", &pdf).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_call_goes_to_expert_review_through_the_experts_engine() {
    let t = projects_app().await;
    demo::experts::seed_experts(&t.db, demo::experts::CSL).await.unwrap();
    let mut call = None;
    for c in store::calls(&t.db).await.unwrap() {
        if !store::applications(&t.db, store::Reach::All, Some(c.id), Some(Stage::InReview))
            .await
            .unwrap()
            .is_empty()
        {
            call = Some(c);
        }
    }
    let call = call.unwrap();
    let waiting =
        store::applications(&t.db, store::Reach::All, Some(call.id), Some(Stage::InReview))
            .await
            .unwrap()
            .len();
    let s = t.login("bureau").await;
    let deadline =
        (chrono::Local::now().date_naive() + chrono::Days::new(20)).format("%Y-%m-%d").to_string();
    let url = format!("/calls/{}/review", call.id);
    assert_eq!(
        t.post_form(
            &t.login("orgadmin").await,
            &url,
            &[("name", "x"), ("mode", "assign"), ("demand", "3"), ("deadline", &deadline)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            &s,
            &url,
            &[("name", "通讯评审"), ("mode", "assign"), ("demand", "99"), ("deadline", &deadline)]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Nothing to move before a round exists and is closed.
    assert_eq!(
        t.post_form(&s, &format!("/calls/{}/finish-review", call.id), &[]).await.status,
        StatusCode::CONFLICT
    );
    let r = t
        .post_form(
            &s,
            &url,
            &[("name", "通讯评审"), ("mode", "assign"), ("demand", "3"), ("deadline", &deadline)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let round: i64 = r.location().trim_start_matches("/reviews/").parse().unwrap();
    assert_eq!(innocity_store::experts::items(&t.db, round).await.unwrap().len(), waiting);
    assert_eq!(
        t.post_form(&s, &format!("/calls/{}/finish-review", call.id), &[]).await.status,
        StatusCode::CONFLICT,
        "the round is open"
    );
    assert_eq!(
        t.post_form(&s, &format!("/reviews/{round}/assign"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        innocity_store::experts::assignments(&t.db, round).await.unwrap().len(),
        waiting * 3
    );
    // The experts' totals (written straight in: scoring itself is tested with the experts).
    let tx = t.db.begin_write().await.unwrap();
    tx.exec("UPDATE review_assignments SET status = 'submitted', total = 50 + (item_id * 7) % 45 WHERE round_id = ?", vec![round.into()]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        t.post_form(&s, &format!("/reviews/{round}/close"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    // The plan sends the best five to a panel drawn at random.
    let mut plan_call = store::call(&t.db, call.id).await.unwrap().unwrap();
    plan_call.review_plan.panel_experts = 7;
    plan_call.review_plan.panel_shortlist = 5;
    let edit = store::NewCall {
        programme_id: plan_call.programme_id,
        code: plan_call.code.clone(),
        title: plan_call.title.clone(),
        year: plan_call.year,
        guidelines: plan_call.guidelines.clone(),
        topics: plan_call.topics.clone(),
        eligibility: plan_call.eligibility.clone(),
        budget_rules: plan_call.budget_rules,
        deadlines: plan_call.deadlines,
        opens_on: plan_call.opens_on,
        form: plan_call.form.clone(),
        review_plan: plan_call.review_plan.clone(),
    };
    store::update_call(
        &t.db,
        call.id,
        &edit,
        innocity_store::orgs::Actor { user_id: 0, username: "t", request_id: "r" },
    )
    .await
    .unwrap();
    let page = t.get(&s, &format!("/calls/{}", call.id)).await.body;
    assert!(
        page.contains(r#"<option value="draw" selected>"#)
            && page.contains(r#"name="demand" value="7""#),
        "the next round follows the plan"
    );
    let r = t
        .post_form(
            &s,
            &url,
            &[("name", "会议评审"), ("mode", "draw"), ("demand", "5"), ("deadline", &deadline)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let panel: i64 = r.location().trim_start_matches("/reviews/").parse().unwrap();
    let (ranked, _) = innocity_store::experts::results(
        &t.db,
        round,
        innocity_core::experts::scoring::Method::Mean,
    )
    .await
    .unwrap();
    let mut best: Vec<String> =
        ranked.iter().filter(|i| i.rank <= 5).map(|i| i.item.clone()).collect();
    let mut shortlisted: Vec<String> = innocity_store::experts::items(&t.db, panel)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.code)
        .collect();
    best.sort();
    shortlisted.sort();
    assert!(
        shortlisted.len() >= 5 && shortlisted.len() < waiting,
        "{} of {waiting}",
        shortlisted.len()
    );
    assert_eq!(shortlisted, best);
    assert_eq!(
        t.post_form(&s, &format!("/calls/{}/finish-review", call.id), &[]).await.status,
        StatusCode::CONFLICT,
        "the panel is open"
    );
    assert_eq!(
        t.post_form(&s, &format!("/reviews/{panel}/close"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let before =
        store::applications(&t.db, store::Reach::All, Some(call.id), Some(Stage::Reviewed))
            .await
            .unwrap()
            .len();
    assert_eq!(
        t.post_form(&s, &format!("/calls/{}/finish-review", call.id), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        store::applications(&t.db, store::Reach::All, Some(call.id), Some(Stage::Reviewed))
            .await
            .unwrap()
            .len(),
        before + waiting
    );
    assert!(
        t.get(&s, &format!("/calls/{}", call.id)).await.body.contains(&format!("/reviews/{round}"))
    );
}

/// The demo project the `member` account leads (its mid-term report is overdue, a supervision
/// finding waits for rectification).
async fn members_project(t: &TestApp) -> store::Application {
    let user: i64 =
        t.db.query_one("SELECT id FROM users WHERE username = 'member'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    store::applications(&t.db, store::Reach::Leader(user), None, Some(Stage::Established))
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn a_leader_reports_asks_for_changes_and_puts_things_right_and_others_cannot() {
    use innocity_store::projects::execution as x;
    let t = projects_app().await;
    let a = members_project(&t).await;
    let member = t.login("member").await;
    let bureau = t.login("bureau").await;
    let url = format!("/projects/{}", a.id);
    let work = format!("/projects/{}/work", a.id);
    // Who reaches the portfolio and the project.
    for role in ROLES {
        let s = t.login(role).await;
        let viewer = !["expert", "provider", "public"].contains(&role);
        assert_eq!(
            t.get(&s, "/projects").await.status,
            if viewer { StatusCode::OK } else { StatusCode::FORBIDDEN },
            "{role} /projects"
        );
        // Only the leader works on the project; staff and the organisation's admin are refused, others do not see it.
        let post = t.post_form(&s, &work, &[("action", "output")]).await.status;
        let expected = match role {
            "member" => StatusCode::UNPROCESSABLE_ENTITY,
            // Another organisation's admin may apply, but this project does not exist for them.
            "orgadmin2" => StatusCode::NOT_FOUND,
            _ => StatusCode::FORBIDDEN,
        };
        assert_eq!(post, expected, "{role} work");
        let staff = t
            .post_form(
                &s,
                &url,
                &[
                    ("action", "status"),
                    ("status_action", "suspend"),
                    ("reason", "测试暂停项目执行"),
                ],
            )
            .await
            .status;
        assert_eq!(
            staff,
            if ["admin", "bureau"].contains(&role) {
                StatusCode::CONFLICT
            } else {
                StatusCode::FORBIDDEN
            },
            "{role} staff action (stale version for staff)"
        );
    }
    assert_eq!(t.get(&Session::default(), "/projects").await.status, StatusCode::SEE_OTHER);
    // A forged request to another organisation's project: not found.
    let other = store::applications(&t.db, store::Reach::All, None, Some(Stage::Established))
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.organisation_id != a.organisation_id)
        .unwrap();
    assert_eq!(
        t.post_form(&member, &format!("/projects/{}/work", other.id), &[("action", "output")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&member, &format!("/projects/{}", other.id)).await.status,
        StatusCode::NOT_FOUND
    );

    // The workspace and the page show the overdue mid-term report.
    let ws = t.get(&member, "/workspace").await;
    assert!(ws.body.contains("ws-tasks") && ws.body.contains(&a.code), "the leader's tasks");
    let page = t.get(&member, &url).await;
    assert!(page.body.contains("中期报告") && page.body.contains("逾期"), "overdue shown");
    let r = t
        .post_form(
            &member,
            &work,
            &[("action", "report"), ("kind", "mid_term"), ("seq", "1"), ("body", "进展顺利")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("至少 20 个字"), "{}", r.body);
    // Milestones: the leader reports one reached (once, with a note); staff cannot, others do not see it.
    let book = store::task_book(&t.db, a.id).await.unwrap().unwrap();
    let open = book
        .milestones
        .iter()
        .position(|m| m.reached_on.is_none())
        .expect("the member's project has a milestone to reach");
    let k = open.to_string();
    assert_eq!(
        t.post_form(&member, &work, &[("action", "milestone"), ("index", &k), ("note", "")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        t.post_form(
            &bureau,
            &work,
            &[("action", "milestone"), ("index", &k), ("note", "示范线已建成并投产")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            &member,
            &format!("/projects/{}/work", other.id),
            &[("action", "milestone"), ("index", "0"), ("note", "示范线已建成并投产")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.post_form(
            &member,
            &work,
            &[("action", "milestone"), ("index", &k), ("note", "示范线已建成并投产")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(
            &member,
            &work,
            &[("action", "milestone"), ("index", &k), ("note", "示范线已建成并投产")]
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "reported once"
    );
    assert_eq!(
        t.post_form(
            &member,
            &work,
            &[("action", "milestone"), ("index", "99"), ("note", "示范线已建成并投产")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        store::task_book(&t.db, a.id).await.unwrap().unwrap().milestones[open]
            .note
            .contains("示范线已建成")
    );
    assert!(t.get(&bureau, &url).await.body.contains("示范线已建成并投产"));
    // The report's files: checked like an application's, kept with the project, shown on the report.
    let up = format!("/projects/{}/reports/mid_term/1/upload", a.id);
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    assert_eq!(
        t.upload(&member, &up, "中期检查表.pdf", b"\x89PNG\r\n\x1a\n").await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "disguised"
    );
    assert!(t.upload(&member, &up, "中期检查表.pdf", &pdf).await.status.is_redirection());
    assert_eq!(
        t.upload(&member, &format!("/projects/{}/reports/mid_term/9/upload", a.id), "x.pdf", &pdf)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "no such report"
    );
    assert_eq!(
        t.upload(
            &member,
            &format!("/projects/{}/reports/mid_term/1/upload", other.id),
            "x.pdf",
            &pdf
        )
        .await
        .status,
        StatusCode::NOT_FOUND,
        "another organisation's project"
    );
    assert_eq!(
        t.upload(&bureau, &up, "x.pdf", &pdf).await.status,
        StatusCode::FORBIDDEN,
        "staff do not write the leader's report"
    );
    let kept: Vec<_> = store::attachments(&t.db, a.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.kind == "report:mid_term:1")
        .collect();
    assert_eq!(kept.len(), 1);
    assert!(
        t.get(&bureau, &url).await.body.contains("中期检查表.pdf"),
        "staff read the report's files"
    );
    assert_eq!(
        t.get_bytes(&bureau, &format!("/applications/{}/files/{}", a.id, kept[0].id)).await.2,
        pdf
    );
    let text = "中期报告：完成关键工艺试验和中试样机研制，阶段考核指标完成 60%，经费执行率 55%。";
    assert_eq!(
        t.post_form(
            &member,
            &work,
            &[("action", "report"), ("kind", "mid_term"), ("seq", "1"), ("body", text)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.upload(&member, &up, "补充.pdf", &pdf).await.status,
        StatusCode::CONFLICT,
        "a submitted report takes no more files"
    );
    assert_eq!(
        t.post_form(
            &member,
            &work,
            &[("action", "report"), ("kind", "mid_term"), ("seq", "1"), ("body", text)]
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "a double submit"
    );
    let today = chrono::Local::now().date_naive();
    assert!(!x::reports(&t.db, a.id, today).await.unwrap().iter().any(
        |r| r.overdue && r.due.kind == innocity_core::projects::execution::ReportKind::MidTerm
    ));

    // Changes: a bad amount and an over-limit reallocation are named, nothing stored; an extension goes to the bureau.
    let book = store::task_book(&t.db, a.id).await.unwrap().unwrap();
    let mut fields: Vec<(String, String)> = book
        .budget
        .iter()
        .map(|l| (format!("budget_{}", l.category), l.requested.wan_exact()))
        .collect();
    fields[0].1 = "十万".into();
    let mut form: Vec<(&str, &str)> = vec![
        ("action", "change"),
        ("kind", "budget"),
        ("reason", "根据研究方案调整预算科目安排。"),
    ];
    form.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let r = t.post_form(&member, &work, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("十万"), "{}", r.body);
    let total: i64 = book.budget.iter().map(|l| l.requested.0).sum();
    let moved = innocity_core::projects::money::Money(total / 2);
    let shifted: Vec<(String, String)> = book
        .budget
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let v = match k {
                0 => l.requested.0 - moved.0,
                1 => l.requested.0 + moved.0,
                _ => l.requested.0,
            };
            (format!("budget_{}", l.category), innocity_core::projects::money::Money(v).wan_exact())
        })
        .collect();
    let mut form: Vec<(&str, &str)> = vec![
        ("action", "change"),
        ("kind", "budget"),
        ("reason", "根据研究方案调整预算科目安排。"),
    ];
    form.extend(shifted.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let r = t.post_form(&member, &work, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("20%"), "{}", r.body);
    assert!(x::changes(&t.db, a.id).await.unwrap().is_empty(), "nothing stored");
    let new_end = (book.ends() + chrono::Days::new(90)).format("%Y-%m-%d").to_string();
    assert_eq!(
        t.post_form(
            &member,
            &work,
            &[
                ("action", "change"),
                ("kind", "extension"),
                ("ends_on", &new_end),
                ("reason", "关键设备交付延迟，申请延期三个月。")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let change = x::changes(&t.db, a.id).await.unwrap().remove(0);
    // The bureau answers through this project's page only.
    let other_url = format!("/projects/{}", other.id);
    assert_eq!(
        t.post_form(
            &bureau,
            &other_url,
            &[
                ("action", "decide_change"),
                ("change", &change.id.to_string()),
                ("approve", "1"),
                ("decision", "同意延期")
            ]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.post_form(
            &bureau,
            &url,
            &[
                ("action", "decide_change"),
                ("change", &change.id.to_string()),
                ("approve", "1"),
                ("decision", "同意延期三个月")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(store::task_book(&t.db, a.id).await.unwrap().unwrap().ends_on, new_end);

    // The supervision finding: rectified once, with enough said.
    let f = x::findings(&t.db, a.id)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.rectified_at == 0 && !f.rectify_by.is_empty())
        .unwrap();
    assert_eq!(
        t.post_form(
            &member,
            &work,
            &[("action", "rectify"), ("finding", &f.id.to_string()), ("rectification", "已整改")]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        t.post_form(
            &member,
            &work,
            &[
                ("action", "rectify"),
                ("finding", &f.id.to_string()),
                ("rectification", "已完成设备安装调试，补充实验人员两名，进度已追回。")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(
            &member,
            &work,
            &[
                ("action", "rectify"),
                ("finding", &f.id.to_string()),
                ("rectification", "已完成设备安装调试，补充实验人员两名，进度已追回。")
            ]
        )
        .await
        .status,
        StatusCode::CONFLICT
    );

    // Outputs: the kind is checked, the same number is one output.
    let out = [
        ("action", "output"),
        ("kind", "patent"),
        ("title", "一种稀土永磁材料的低成本制备方法"),
        ("reference", "CN202610000001.X"),
        ("on_date", "2026-09-01"),
    ];
    let mut bad = out;
    bad[1] = ("kind", "yacht");
    assert_eq!(t.post_form(&member, &work, &bad).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.post_form(&member, &work, &out).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.post_form(&member, &work, &out).await.status, StatusCode::CONFLICT);

    // The bureau suspends (a reason is required); money is then held.
    let v = store::task_book(&t.db, a.id).await.unwrap().unwrap().version.to_string();
    assert_eq!(
        t.post_form(
            &bureau,
            &url,
            &[("action", "status"), ("status_action", "suspend"), ("reason", ""), ("version", &v)]
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        t.post_form(
            &bureau,
            &url,
            &[
                ("action", "status"),
                ("status_action", "suspend"),
                ("reason", "监理发现进度严重滞后"),
                ("version", &v)
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let page = t.get(&bureau, &url).await;
    assert!(page.body.contains("暂停") && page.body.contains("监理发现进度严重滞后"));
    let unpaid = store::instalments(&t.db, a.id)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.instalment.released_by.is_none())
        .unwrap();
    let r = t
        .post_form(&bureau, &url, &[("action", "prepare"), ("instalment", &unpaid.id.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Every change of state above is in the audit log, under who did it.
    let audit: i64 = t.db.query_one("SELECT COUNT(*) FROM audit_log WHERE entity = 'application' AND entity_id = ? AND actor IN ('member', 'bureau') AND action IN ('project.report', 'project.change_request', 'project.change_approve', 'project.rectify', 'project.output', 'project.suspend')", vec![a.id.to_string().into()]).await.unwrap().unwrap().try_get_by_index(0).unwrap();
    assert_eq!(audit, 6);
}

#[tokio::test]
async fn portfolios_board_and_exports_add_up() {
    use innocity_store::projects::execution as x;
    let t = projects_app().await;
    let bureau = t.login("bureau").await;
    let today = chrono::Local::now().date_naive();
    let all = x::portfolio(&t.db, store::Reach::All, today).await.unwrap();
    // Project outputs are counted on the organisation's statistical return of their year.
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
    let patents = counted.iter().find(|c| c.0 == "patent").unwrap().1;
    assert!(patents >= 2);
    assert!(
        x::organisation_outputs(&t.db, org, 2024)
            .await
            .unwrap()
            .iter()
            .all(|c| c.0 != "patent" || c.1 < patents),
        "by year"
    );
    let page = t.get(&bureau, &format!("/stats/107-2/2025/orgs/{org}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"project-outputs\"")
            && page.body.contains(&format!("专利 {patents}"))
            && page.body.contains("当年专利申请数"),
        "{}",
        page.body
    );
    let (status, _, bytes) = t.get_bytes(&bureau, "/projects?format=xlsx").await;
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
    // A zone sees its own projects only; the overdue filter keeps only those with something overdue.
    let zone = t.login("zone").await;
    let page = t.get(&zone, "/projects").await;
    let zone_projects =
        all.iter().filter(|p| page.body.contains(&format!("/projects/{}\"", p.id))).count();
    assert!(zone_projects > 0 && zone_projects < all.len(), "{zone_projects}");
    let overdue = t.get(&bureau, "/projects?overdue=1").await;
    let n = all.iter().filter(|p| p.overdue_reports + p.overdue_rectifications > 0).count();
    assert!(overdue.body.contains(&format!("id=\"overdue-count\">{n}<")), "overdue count {n}");
    // The board's follow-up counts agree with the portfolio.
    let board = t.get(&bureau, "/projects/board").await;
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
    // The calls as XLSX, one row each.
    let (status, _, bytes) = t.get_bytes(&bureau, "/calls?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut calls_book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let calls_sheet = calls_book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(calls_sheet.rows().count(), 1 + store::calls(&t.db).await.unwrap().len());
    // The board's table as XLSX: every application counted once, the money granted to the fen.
    let (status, _, bytes) = t.get_bytes(&bureau, "/projects/board?format=xlsx").await;
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
    // Reminders: every overdue report once.
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
    assert_eq!(t.post_form(&bureau, "/projects/remind", &[]).await.status, StatusCode::SEE_OTHER);
    let after: i64 =
        t.db.query_one("SELECT COUNT(*) FROM audit_log WHERE action = 'project.remind'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    assert_eq!(after, before, "the demo reminded today already: not twice in a day");
    // The failed acceptance shows its outcome and credit records.
    let failed = all
        .iter()
        .find(|p| p.status == innocity_core::projects::execution::Status::Failed)
        .unwrap();
    let page = t.get(&bureau, &format!("/projects/{}", failed.id)).await;
    assert!(page.body.contains("验收不通过") && page.body.contains("已记入科研信用记录"));
}

#[tokio::test]
async fn the_public_reads_notices_and_objects_while_they_run() {
    let t = projects_app().await;
    let bureau = t.login("bureau").await;
    let today = chrono::Local::now().date_naive();
    // The decided call's notice is over: anyone reads it, nobody can object any more.
    let anon = Session::default();
    let list = t.get(&anon, "/notices").await;
    assert_eq!(list.status, StatusCode::OK);
    let closed = store::calls(&t.db).await.unwrap().into_iter().min_by_key(|c| c.year).unwrap();
    let page = t.get(&anon, &format!("/notices/{}", closed.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("决策会议纪要") && page.body.contains("异议成立，取消立项"));
    assert!(!page.body.contains("objection-form"), "closed");
    assert!(t.get(&anon, "/").await.body.contains("home-notices"));
    // A running notice on the call in review: the form, an objection, the bureau's answer.
    let r = store::applications(&t.db, store::Reach::All, None, Some(Stage::Reviewed))
        .await
        .unwrap()
        .remove(0);
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    store::act(
        &t.db,
        r.id,
        store::Move {
            action: innocity_core::projects::Action::Approve,
            level: innocity_core::projects::Level::Bureau,
            reason: "",
        },
        r.version,
        store::Decision { grant: innocity_core::projects::money::Money::from_wan(15) },
        today,
        actor,
    )
    .await
    .unwrap();
    let day = |n: i64| (today + chrono::Duration::days(n)).format("%Y-%m-%d").to_string();
    assert_eq!(
        t.post_form(
            &bureau,
            &format!("/calls/{}/notice", r.call_id),
            &[
                ("action", "publish"),
                ("meeting_on", &day(-1)),
                ("starts_on", &day(0)),
                ("ends_on", &day(6)),
                ("minutes", "决策会议纪要：同意立项支持，资助 15 万元，按规定公示七天。")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let mut anon = Session::default();
    let page = t.get(&anon, &format!("/notices/{}", r.call_id)).await;
    assert!(page.body.contains("objection-form") && page.body.contains(&r.code));
    anon.absorb(&page);
    let url = format!("/notices/{}", r.call_id);
    let body = "反映该项目研究内容与已结题项目高度重复，请核查。";
    let bad = t
        .post_form(
            &anon,
            &url,
            &[("code", &r.code), ("name", "李"), ("contact", "13800000000"), ("body", body)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("姓名"), "{}", bad.body);
    assert_eq!(
        t.post_form(
            &anon,
            &url,
            &[("code", "XX-0001"), ("name", "李明"), ("contact", "13800000000"), ("body", body)]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        t.post_form(
            &Session::default(),
            &url,
            &[("code", &r.code), ("name", "李明"), ("contact", "13800000000"), ("body", body)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "no CSRF token"
    );
    assert_eq!(
        t.post_form(
            &anon,
            &url,
            &[("code", &r.code), ("name", "李明"), ("contact", "13800000000"), ("body", body)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let o =
        innocity_store::projects::execution::objections(&t.db, r.call_id).await.unwrap().remove(0);
    assert_eq!((o.status.as_str(), o.name.as_str()), ("open", "李明"));
    // Not a project while the notice runs; the bureau upholds it and the money goes back.
    let call = store::call(&t.db, r.call_id).await.unwrap().unwrap();
    let before =
        store::ledger(&t.db, call.programme_id, call.year).await.unwrap().unwrap().committed;
    let resolve = format!("/calls/{}/notice", r.call_id);
    assert_eq!(
        t.post_form(
            &t.login("zone").await,
            &resolve,
            &[
                ("action", "resolve"),
                ("objection", &o.id.to_string()),
                ("uphold", "1"),
                ("resolution", "经核查异议成立")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            &bureau,
            &resolve,
            &[
                ("action", "resolve"),
                ("objection", &o.id.to_string()),
                ("uphold", "1"),
                ("resolution", "经核查，与已结题项目内容重复，异议成立。")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(store::application(&t.db, r.id).await.unwrap().unwrap().stage, Stage::Rejected);
    let after =
        store::ledger(&t.db, call.programme_id, call.year).await.unwrap().unwrap().committed;
    assert_eq!(before.0 - after.0, innocity_core::projects::money::Money::from_wan(15).0);
}

#[tokio::test]
async fn the_department_review_suggests_funding_for_the_decision() {
    let t = projects_app().await;
    let r = store::applications(&t.db, store::Reach::All, None, Some(Stage::Reviewed))
        .await
        .unwrap()
        .remove(0);
    let url = format!("/applications/{}/department", r.id);
    let v = r.version.to_string();
    for who in ["orgadmin", "zone", "member", "expert"] {
        assert_eq!(
            t.post_form(
                &t.login(who).await,
                &url,
                &[("opinion", "建议支持"), ("suggested", "10"), ("version", &v)]
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    let bureau = t.login("bureau").await;
    let bad = t
        .post_form(
            &bureau,
            &url,
            &[("opinion", "研究基础扎实，建议支持"), ("suggested", "十万"), ("version", &v)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("十万"));
    let over = (r.requested.0 / 1_000_000 + 1).to_string();
    assert_eq!(
        t.post_form(
            &bureau,
            &url,
            &[("opinion", "研究基础扎实，建议支持"), ("suggested", &over), ("version", &v)]
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "more than requested"
    );
    assert_eq!(
        t.post_form(
            &bureau,
            &url,
            &[("opinion", "研究基础扎实，建议支持"), ("suggested", "10.5"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(
            &bureau,
            &url,
            &[("opinion", "研究基础扎实，建议支持"), ("suggested", "10.5"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "a stale page"
    );
    let a = store::application(&t.db, r.id).await.unwrap().unwrap();
    assert_eq!(
        (a.department_opinion.as_str(), a.suggested),
        (
            "研究基础扎实，建议支持",
            innocity_core::projects::money::Money::from_wan(10)
                .checked_add(innocity_core::projects::money::Money(500_000))
                .unwrap()
        )
    );
    // The decision form starts from the suggested amount; the event is in the history.
    let page = t.get(&bureau, &format!("/applications/{}", r.id)).await;
    assert!(page.body.contains("id=\"act-grant\" size=\"10\" value=\"10.5\""), "prefilled");
    assert!(page.body.contains("建议资助 10.50 万元"));
}

#[tokio::test]
async fn a_formal_rejection_gives_the_listed_grounds() {
    let t = projects_app().await;
    let e = store::applications(&t.db, store::Reach::All, None, Some(Stage::Endorsed))
        .await
        .unwrap()
        .remove(0);
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    let today = chrono::Local::now().date_naive();
    store::act(
        &t.db,
        e.id,
        store::Move {
            action: innocity_core::projects::Action::Recommend,
            level: innocity_core::projects::Level::Zone,
            reason: "",
        },
        e.version,
        store::Decision::default(),
        today,
        actor,
    )
    .await
    .unwrap();
    let bureau = t.login("bureau").await;
    let page = t.get(&bureau, &format!("/applications/{}", e.id)).await;
    assert!(page.body.contains("formal-grounds") && page.body.contains("ground_no_seal"));
    let url = format!("/applications/{}/act", e.id);
    let v = (e.version + 1).to_string();
    // Without any ground or words: refused.
    assert_eq!(
        t.post_form(&bureau, &url, &[("action", "formal_reject"), ("reason", ""), ("version", &v)])
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        t.post_form(
            &bureau,
            &url,
            &[
                ("action", "formal_reject"),
                ("reason", "承诺书未加盖公章"),
                ("ground_no_seal", "1"),
                ("ground_budget_rules", "1"),
                ("version", &v)
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let a = store::application(&t.db, e.id).await.unwrap().unwrap();
    assert_eq!(a.stage, Stage::Rejected);
    assert_eq!(a.reason, "缺少单位承诺书或单位盖章；预算编制不符合规定；承诺书未加盖公章");
    // A return reaches the applicant's workspace with its reason.
    let user: i64 =
        t.db.query_one("SELECT id FROM users WHERE username = 'member'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    let sub = store::applications(&t.db, store::Reach::Leader(user), None, Some(Stage::Submitted))
        .await
        .unwrap()
        .remove(0);
    let r = t
        .post_form(
            &t.login("orgadmin").await,
            &format!("/applications/{}/act", sub.id),
            &[
                ("action", "return"),
                ("reason", "请补充单位承诺书"),
                ("version", &sub.version.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        t.get(&t.login("member").await, "/workspace")
            .await
            .body
            .contains("申报被退回修改：请补充单位承诺书")
    );
}

/// The fields of a call as staff fill them in.
fn call_fields<'a>(
    programme: &'a str,
    code: &'a str,
    form_spec: &'a str,
    applicant_deadline: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("programme", programme),
        ("code", code),
        ("title", "2027年度兰白自创区技术攻关专项申报指南"),
        ("year", "2027"),
        ("opens_on", "2026-01-01"),
        ("applicant_deadline", applicant_deadline),
        ("organisation_deadline", "2030-12-07"),
        ("zone_deadline", "2030-12-14"),
        ("guidelines", "# 一、支持方向\n围绕稀土功能材料开展攻关。\n\n- 企业牵头\n- 产学研合作"),
        ("topics", "新材料\n先进制造"),
        ("kind_enterprise", "1"),
        ("max_ongoing", "2"),
        ("credit_check", "1"),
        ("max_request", "50"),
        ("co_funding", "0"),
        ("indirect_percent", "20"),
        ("form_spec", form_spec),
        ("remote_experts", "5"),
        ("panel_experts", "7"),
        ("panel_drawn", "1"),
        ("panel_shortlist", "20"),
        ("department_review", "1"),
    ]
}

#[tokio::test]
async fn staff_publish_a_call_with_its_own_form_and_applicants_answer_it() {
    let t = projects_app().await;
    // Only bureau staff set up programmes and calls.
    for role in ROLES {
        let s = t.login(role).await;
        let staff = ["admin", "bureau"].contains(&role);
        for p in ["/calls/new", "/programmes"] {
            assert_eq!(
                t.get(&s, p).await.status,
                if staff { StatusCode::OK } else { StatusCode::FORBIDDEN },
                "{role} {p}"
            );
        }
        if !staff {
            assert_eq!(
                t.post_form(&s, "/calls", &[("code", "X1")]).await.status,
                StatusCode::FORBIDDEN,
                "{role}"
            );
            assert_eq!(
                t.post_form(&s, "/programmes", &[("code", "X1")]).await.status,
                StatusCode::FORBIDDEN,
                "{role}"
            );
        }
    }
    for p in ["/calls/new", "/programmes", "/calls/1/edit"] {
        assert!(
            t.get(&Session::default(), p).await.location().starts_with("/login"),
            "anonymous {p}"
        );
    }
    let b = t.login("bureau").await;
    // A programme: a bad budget line is named; a good one is stored; the code is taken then.
    let r = t
        .post_form(
            &b,
            "/programmes",
            &[("code", "GG"), ("name", "技术攻关专项"), ("budgets", "2027 5000\n二〇二八 6000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("第 2 行") && r.body.contains("二〇二八"), "{}", r.body);
    assert!(r.body.contains("技术攻关专项"), "the form comes back as typed");
    assert_eq!(
        t.post_form(
            &b,
            "/programmes",
            &[("code", "GG"), ("name", "技术攻关专项"), ("budgets", "2027 5000\n2028：6000")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let prog =
        store::programmes(&t.db).await.unwrap().into_iter().find(|p| p.code == "GG").unwrap();
    assert_eq!(
        store::ledger(&t.db, prog.id, 2028).await.unwrap().unwrap().budget.wan_text(),
        "6,000.00"
    );
    assert!(
        t.post_form(
            &b,
            "/programmes",
            &[("code", "GG"), ("name", "又一个"), ("budgets", "2027 1")]
        )
        .await
        .body
        .contains("已被使用")
    );
    // A year's budget never falls below what decisions committed (the demo's decided call).
    let year = chrono::Datelike::year(&chrono::Local::now().date_naive()) as i64;
    let zd = store::programmes(&t.db).await.unwrap().into_iter().find(|p| p.code == "ZD").unwrap();
    let committed = store::ledger(&t.db, zd.id, year - 1).await.unwrap().unwrap().committed;
    assert!(committed.0 > 0);
    let r = t
        .post_form(
            &b,
            &format!("/programmes/{}/budget", zd.id),
            &[("year", &(year - 1).to_string()), ("budget", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不能低于已承诺"), "{}", r.body);
    assert_eq!(store::ledger(&t.db, zd.id, year - 1).await.unwrap().unwrap().committed, committed);
    // A call: a mistake in its form is named by line, deadlines out of order are refused, nothing stored.
    let pid = prog.id.to_string();
    let calls_before = store::calls(&t.db).await.unwrap().len();
    let r = t
        .post_form(
            &b,
            "/calls",
            &call_fields(&pid, "GG2027", "# 一、基础\n技术路线 | 表格 | 必填", "2030-11-30"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("第 2 行") && r.body.contains("表格"), "{}", r.body);
    assert!(r.body.contains("稀土功能材料"), "the guidelines come back as typed");
    let r = t
        .post_form(
            &b,
            "/calls",
            &call_fields(&pid, "GG2027", "技术路线 | 长文本 | 必填", "2031-01-01"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("截止日期须依次为"));
    let mut no_budget = call_fields(&pid, "GG2027", "", "2030-11-30");
    no_budget[3] = ("year", "2031");
    assert!(t.post_form(&b, "/calls", &no_budget).await.body.contains("2031 年度没有预算"));
    assert_eq!(store::calls(&t.db).await.unwrap().len(), calls_before);
    let spec = "# 一、研究基础\n技术路线 | 长文本 | 必填\n技术就绪度 | 数字 1-9 | 必填\n成果形式 | 选项 专利/标准 | 选填";
    let r = t.post_form(&b, "/calls", &call_fields(&pid, "GG2027", spec, "2030-11-30")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cid: i64 =
        r.location().trim_start_matches("/calls/").split('?').next().unwrap().parse().unwrap();
    let call = store::call(&t.db, cid).await.unwrap().unwrap();
    assert_eq!(
        (
            call.form.len(),
            call.form[0].fields.len(),
            call.review_plan.panel_experts,
            call.eligibility.org_kinds.clone()
        ),
        (1, 3, 7, vec!["enterprise".to_string()])
    );
    let page = t.get(&b, &format!("/calls/{cid}")).await.body;
    assert!(
        page.contains("<h3>一、支持方向</h3>") && page.contains("<li>企业牵头</li>"),
        "guidelines as headings and lists"
    );
    assert!(
        page.contains("通讯评审：每项 5 名专家")
            && page.contains("排名前 20 项进入")
            && page.contains("技术就绪度")
    );
    // Guideline files: checked, listed, downloaded by applicants as attachments.
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    assert!(
        t.upload(&b, &format!("/calls/{cid}/upload"), "申报指南.pdf", &pdf)
            .await
            .status
            .is_redirection()
    );
    let r = t.upload(&b, &format!("/calls/{cid}/upload"), "附件.pdf", b"\x89PNG\r\n\x1a\n").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let member = t.login("member").await;
    assert_eq!(
        t.upload(&member, &format!("/calls/{cid}/upload"), "x.pdf", &pdf).await.status,
        StatusCode::FORBIDDEN
    );
    let files = store::call_files(&t.db, cid).await.unwrap();
    assert_eq!(files.len(), 1);
    let (status, headers, bytes) =
        t.get_bytes(&member, &format!("/calls/{cid}/files/{}", files[0].id)).await;
    assert_eq!((status, bytes), (StatusCode::OK, pdf.clone()));
    assert!(
        headers.get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment;")
    );
    assert_eq!(
        t.get_bytes(&member, &format!("/calls/{}/files/{}", call.id + 100, files[0].id)).await.0,
        StatusCode::NOT_FOUND
    );
    // The applicant's form carries the call's own questions; a draft may leave them empty.
    let r = t.get(&member, &format!("/applications/new?call={cid}")).await;
    assert!(r.body.contains("name=\"q.技术路线\"") && r.body.contains("name=\"q.技术就绪度\""));
    let cs = cid.to_string();
    let fields: Vec<(&str, &str)> = form(&cs, "11010519491231002X", "10")
        .into_iter()
        .filter(|(k, _)| !k.starts_with("q."))
        .collect();
    let r = t.post_form(&member, "/applications", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .trim_start_matches("/applications/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    // Submitting without the required answers: refused, naming the first, nothing changes.
    let v = a.version.to_string();
    let r = t
        .post_form(
            &member,
            &format!("/applications/{id}/act"),
            &[("action", "submit"), ("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("“技术路线”为必填项"), "{}", r.body);
    assert_eq!(store::application(&t.db, id).await.unwrap().unwrap().stage, Stage::Draft);
    // Autosave: a wrong answer is named in the fragment and not saved; a right one saves and
    // hands back the new version.
    let mut typed = fields.clone();
    typed.extend([
        ("version", v.as_str()),
        ("q.技术路线", "采用熔盐电解与快淬工艺。"),
        ("q.技术就绪度", "12"),
    ]);
    let r = t.post_form(&member, &format!("/applications/{id}/autosave"), &typed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("“技术就绪度”应在 1–9 之间"), "{}", r.body);
    assert!(store::application(&t.db, id).await.unwrap().unwrap().answers.is_empty());
    typed.pop();
    typed.push(("q.技术就绪度", "6"));
    let r = t.post_form(&member, &format!("/applications/{id}/autosave"), &typed).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    assert!(
        r.body.contains(&format!("name=\"version\" value=\"{}\"", a.version))
            && r.body.contains("已自动保存")
    );
    assert_eq!(a.answers.get("技术就绪度").map(String::as_str), Some("6"));
    // Eligibility is checked again as the draft saves: a leader barred by a credit record shows at once.
    use innocity_core::credit::{Nature, Record, Sanction, Severity};
    let today = chrono::Local::now().date_naive();
    let rec = Record {
        id: 0,
        nature: Nature::Bad,
        kind: "数据造假".into(),
        severity: Severity::Serious,
        source: "兰科监〔2026〕9号".into(),
        date: today,
        sanction: Sanction::Years(2),
        points: 0,
    };
    innocity_store::credit::add(
        &t.db,
        &innocity_store::credit::Subject {
            kind: "person".into(),
            key: "110105194912310038".into(),
            name: "赵工".into(),
        },
        &rec,
        today,
        innocity_store::orgs::Actor { user_id: 0, username: "t", request_id: "r" },
    )
    .await
    .unwrap();
    let mut barred: Vec<(&str, &str)> = typed
        .iter()
        .map(|(k, v)| if *k == "leader_key" { (*k, "110105194912310038") } else { (*k, *v) })
        .collect();
    let v2 = a.version.to_string();
    barred.retain(|(k, _)| *k != "version");
    barred.push(("version", &v2));
    let r = t.post_form(&member, &format!("/applications/{id}/autosave"), &barred).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("id=\"app-missed\" hx-swap-oob=\"true\"")
            && r.body.contains("项目负责人受科研失信限制")
            && r.body.contains("兰科监〔2026〕9号"),
        "{}",
        r.body
    );
    let r = t
        .post_form(
            &member,
            &format!("/applications/{id}/autosave"),
            &typed
                .iter()
                .map(|(k, v)| if *k == "version" { (*k, "0") } else { (*k, *v) })
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a stale page");
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    let v3 = a.version.to_string();
    let mut back: Vec<(&str, &str)> =
        typed.iter().filter(|(k, _)| *k != "version").copied().collect();
    back.push(("version", &v3));
    assert_eq!(
        t.post_form(&member, &format!("/applications/{id}/autosave"), &back).await.status,
        StatusCode::OK
    );
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    // The same save again with the old version is stale.
    assert_eq!(
        t.post_form(&member, &format!("/applications/{id}/autosave"), &typed).await.status,
        StatusCode::CONFLICT
    );
    let v = a.version.to_string();
    assert_eq!(
        t.post_form(
            &member,
            &format!("/applications/{id}/act"),
            &[("action", "submit"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        t.get(&member, &format!("/applications/{id}"))
            .await
            .body
            .contains("采用熔盐电解与快淬工艺。")
    );
    // Once someone has applied, the form and eligibility stay; the dates may move.
    let r = t
        .post_form(
            &b,
            &format!("/calls/{cid}/edit"),
            &call_fields(&pid, "GG2027", "技术路线 | 文本", "2030-11-30"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("已有 1 份申报书"), "{}", r.body);
    let mut later = call_fields(&pid, "GG2027", spec, "2030-12-05");
    later[6] = ("organisation_deadline", "2030-12-10");
    assert_eq!(
        t.post_form(&b, &format!("/calls/{cid}/edit"), &later).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        store::call(&t.db, cid).await.unwrap().unwrap().deadlines.applicant.to_string(),
        "2030-12-05"
    );
    let audit: Vec<String> =
        t.db.read(
            "SELECT action FROM audit_log WHERE entity = 'call' AND entity_id = ? ORDER BY seq",
            vec![cid.to_string().into()],
            |r| r.text(0),
        )
        .await
        .unwrap();
    assert_eq!(audit, ["call.create", "call.attach", "call.edit"]);
    // The edit's entry keeps what could change: dates, money rules, plan, the guidelines' digest.
    let after: Vec<String> =
        t.db.read(
            "SELECT after_json FROM audit_log WHERE action = 'call.edit' AND entity_id = ?",
            vec![cid.to_string().into()],
            |r| r.text(0),
        )
        .await
        .unwrap();
    assert!(
        after[0].contains("2030-12-05")
            && after[0].contains("budget_rules")
            && after[0].contains("review_plan")
            && after[0].contains("guidelines_sha256"),
        "{}",
        after[0]
    );
}

#[tokio::test]
async fn leaders_read_inspection_opinions_without_the_experts_names() {
    let t = projects_app().await;
    let a = members_project(&t).await;
    let url = format!("/projects/{}", a.id);
    let bureau = t.login("bureau").await;
    let opinion = [
        ("action", "opinion"),
        ("stage", "mid_term"),
        ("expert", "王评审专家"),
        ("score", "75"),
        ("conclusion", "passed"),
        ("opinion", "进度基本符合任务书要求。"),
    ];
    assert_eq!(t.post_form(&bureau, &url, &opinion).await.status, StatusCode::SEE_OTHER);
    assert!(t.get(&bureau, &url).await.body.contains("王评审专家"), "staff see who said it");
    let leader = t.get(&t.login("member").await, &url).await;
    assert_eq!(leader.status, StatusCode::OK);
    assert!(
        leader.body.contains("进度基本符合任务书要求。") && leader.body.contains("专家 1"),
        "{}",
        leader.body
    );
    assert!(!leader.body.contains("王评审专家"), "the leader must not learn the expert's name");
    for other in ["orgadmin", "zone"] {
        let r = t.get(&t.login(other).await, &url).await;
        assert!(!r.body.contains("王评审专家"), "{other}");
    }
}
