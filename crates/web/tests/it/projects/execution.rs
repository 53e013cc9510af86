//! Running projects: reports, changes, rectifications and inspection opinions.
use super::*;
use axum::http::StatusCode;
use innocity_core::projects::Stage;
use innocity_store::projects as store;
use innocity_store::projects::execution as x;

#[tokio::test]
async fn a_leader_reports_asks_for_changes_and_puts_things_right_and_others_cannot() {
    let t = projects_app().await;
    let a = members_project(&t).await;
    let member = t.login("member").await;
    let bureau = t.login("bureau").await;
    let url = format!("/projects/{}", a.id);
    let work = format!("/projects/{}/work", a.id);
    let sc = Leader { t, a, member, bureau, url, work };
    who_reaches_the_portfolio_and_the_project(&sc).await;
    let other = another_organisations_project_is_not_found(&sc).await;
    the_overdue_report_shows(&sc).await;
    a_milestone_is_reached_once_by_the_leader(&sc, &other).await;
    let (up, pdf) = the_reports_files_are_checked_and_kept(&sc, &other).await;
    the_report_comes_in_once(&sc, &up, &pdf).await;
    let (new_end, change) = changes_are_named_and_an_extension_goes_to_the_bureau(&sc).await;
    the_bureau_answers_on_this_projects_page_only(&sc, &other, &new_end, &change).await;
    a_finding_is_rectified_once(&sc).await;
    outputs_are_checked_and_counted_once(&sc).await;
    the_bureau_suspends_and_money_is_held(&sc).await;
    every_change_is_in_the_audit_log(&sc).await;
}

/// The member's project and who acts on it.
struct Leader {
    t: TestApp,
    a: store::Application,
    member: Session,
    bureau: Session,
    url: String,
    work: String,
}

/// Who reaches the portfolio and the project; only the leader works on it.
async fn who_reaches_the_portfolio_and_the_project(sc: &Leader) {
    let Leader { t, url, work, .. } = sc;
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
        let post = t.post_form(&s, work, &[("action", "output")]).await.status;
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
                url,
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
}

/// A forged request to another organisation's project: not found.
async fn another_organisations_project_is_not_found(sc: &Leader) -> store::Application {
    let Leader { t, a, member, .. } = sc;
    // A forged request to another organisation's project: not found.
    let other = store::applications(&t.db, store::Reach::All, None, Some(Stage::Established))
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.organisation_id != a.organisation_id)
        .unwrap();
    assert_eq!(
        t.post_form(member, &format!("/projects/{}/work", other.id), &[("action", "output")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(member, &format!("/projects/{}", other.id)).await.status,
        StatusCode::NOT_FOUND
    );
    other
}

/// The workspace and the page show the overdue mid-term report; too short a report is refused.
async fn the_overdue_report_shows(sc: &Leader) {
    let Leader { t, a, member, url, work, .. } = sc;
    // The workspace and the page show the overdue mid-term report.
    let ws = t.get(member, "/workspace").await;
    assert!(ws.body.contains("ws-tasks") && ws.body.contains(&a.code), "the leader's tasks");
    let page = t.get(member, url).await;
    assert!(page.body.contains("中期报告") && page.body.contains("逾期"), "overdue shown");
    let r = t
        .post_form(
            member,
            work,
            &[("action", "report"), ("kind", "mid_term"), ("seq", "1"), ("body", "进展顺利")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("至少 20 个字"), "{}", r.body);
}

/// Milestones: the leader reports one reached (once, with a note); staff cannot.
async fn a_milestone_is_reached_once_by_the_leader(sc: &Leader, other: &store::Application) {
    let Leader { t, a, member, bureau, url, work, .. } = sc;
    // Milestones: the leader reports one reached (once, with a note); staff cannot, others do not see it.
    let book = store::task_book(&t.db, a.id).await.unwrap().unwrap();
    let open = book
        .milestones
        .iter()
        .position(|m| m.reached_on.is_none())
        .expect("the member's project has a milestone to reach");
    let k = open.to_string();
    assert_eq!(
        t.post_form(member, work, &[("action", "milestone"), ("index", &k), ("note", "")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        t.post_form(
            bureau,
            work,
            &[("action", "milestone"), ("index", &k), ("note", "示范线已建成并投产")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            member,
            &format!("/projects/{}/work", other.id),
            &[("action", "milestone"), ("index", "0"), ("note", "示范线已建成并投产")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.post_form(
            member,
            work,
            &[("action", "milestone"), ("index", &k), ("note", "示范线已建成并投产")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(
            member,
            work,
            &[("action", "milestone"), ("index", &k), ("note", "示范线已建成并投产")]
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "reported once"
    );
    assert_eq!(
        t.post_form(
            member,
            work,
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
    assert!(t.get(bureau, url).await.body.contains("示范线已建成并投产"));
}

/// The report's files: checked like an application's, kept with the project, shown on the report.
async fn the_reports_files_are_checked_and_kept(
    sc: &Leader,
    other: &store::Application,
) -> (String, Vec<u8>) {
    let Leader { t, a, member, bureau, url, .. } = sc;
    // The report's files: checked like an application's, kept with the project, shown on the report.
    let up = format!("/projects/{}/reports/mid_term/1/upload", a.id);
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    assert_eq!(
        t.upload(member, &up, "中期检查表.pdf", b"\x89PNG\r\n\x1a\n").await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "disguised"
    );
    assert!(t.upload(member, &up, "中期检查表.pdf", &pdf).await.status.is_redirection());
    assert_eq!(
        t.upload(member, &format!("/projects/{}/reports/mid_term/9/upload", a.id), "x.pdf", &pdf)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "no such report"
    );
    assert_eq!(
        t.upload(
            member,
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
        t.upload(bureau, &up, "x.pdf", &pdf).await.status,
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
        t.get(bureau, url).await.body.contains("中期检查表.pdf"),
        "staff read the report's files"
    );
    assert_eq!(
        t.get_bytes(bureau, &format!("/applications/{}/files/{}", a.id, kept[0].id)).await.2,
        pdf
    );
    (up, pdf)
}

/// The report comes in once and takes no more files; it is no longer overdue.
async fn the_report_comes_in_once(sc: &Leader, up: &str, pdf: &[u8]) {
    let Leader { t, a, member, work, .. } = sc;
    let text = "中期报告：完成关键工艺试验和中试样机研制，阶段考核指标完成 60%，经费执行率 55%。";
    assert_eq!(
        t.post_form(
            member,
            work,
            &[("action", "report"), ("kind", "mid_term"), ("seq", "1"), ("body", text)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.upload(member, up, "补充.pdf", pdf).await.status,
        StatusCode::CONFLICT,
        "a submitted report takes no more files"
    );
    assert_eq!(
        t.post_form(
            member,
            work,
            &[("action", "report"), ("kind", "mid_term"), ("seq", "1"), ("body", text)]
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "a double submit"
    );
    let today = t.db.clock.today();
    assert!(!x::reports(&t.db, a.id, today).await.unwrap().iter().any(
        |r| r.overdue && r.due.kind == innocity_core::projects::execution::ReportKind::MidTerm
    ));
}

/// Changes: bad amounts and over-limit reallocations are named; an extension goes to the bureau.
async fn changes_are_named_and_an_extension_goes_to_the_bureau(
    sc: &Leader,
) -> (String, x::ChangeRow) {
    let Leader { t, a, member, work, .. } = sc;
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
    let r = t.post_form(member, work, &form).await;
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
    let r = t.post_form(member, work, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("20%"), "{}", r.body);
    assert!(x::changes(&t.db, a.id).await.unwrap().is_empty(), "nothing stored");
    let new_end = (book.ends() + chrono::Days::new(90)).format("%Y-%m-%d").to_string();
    assert_eq!(
        t.post_form(
            member,
            work,
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
    (new_end, change)
}

/// The bureau answers through this project's page only.
async fn the_bureau_answers_on_this_projects_page_only(
    sc: &Leader,
    other: &store::Application,
    new_end: &str,
    change: &x::ChangeRow,
) {
    let Leader { t, a, bureau, url, .. } = sc;
    // The bureau answers through this project's page only.
    let other_url = format!("/projects/{}", other.id);
    assert_eq!(
        t.post_form(
            bureau,
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
            bureau,
            url,
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
}

/// The supervision finding: rectified once, with enough said.
async fn a_finding_is_rectified_once(sc: &Leader) {
    let Leader { t, a, member, work, .. } = sc;
    // The supervision finding: rectified once, with enough said.
    let f = x::findings(&t.db, a.id)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.rectified_at == 0 && !f.rectify_by.is_empty())
        .unwrap();
    assert_eq!(
        t.post_form(
            member,
            work,
            &[("action", "rectify"), ("finding", &f.id.to_string()), ("rectification", "已整改")]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        t.post_form(
            member,
            work,
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
            member,
            work,
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
}

/// Outputs: the kind is checked, the same number is one output.
async fn outputs_are_checked_and_counted_once(sc: &Leader) {
    let Leader { t, member, work, .. } = sc;
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
    assert_eq!(t.post_form(member, work, &bad).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.post_form(member, work, &out).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.post_form(member, work, &out).await.status, StatusCode::CONFLICT);
}

/// The bureau suspends (a reason is required); money is then held.
async fn the_bureau_suspends_and_money_is_held(sc: &Leader) {
    let Leader { t, a, bureau, url, .. } = sc;
    // The bureau suspends (a reason is required); money is then held.
    let v = store::task_book(&t.db, a.id).await.unwrap().unwrap().version.to_string();
    assert_eq!(
        t.post_form(
            bureau,
            url,
            &[("action", "status"), ("status_action", "suspend"), ("reason", ""), ("version", &v)]
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        t.post_form(
            bureau,
            url,
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
    let page = t.get(bureau, url).await;
    assert!(page.body.contains("暂停") && page.body.contains("监理发现进度严重滞后"));
    let unpaid = store::instalments(&t.db, a.id)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.instalment.released_by.is_none())
        .unwrap();
    let r = t
        .post_form(bureau, url, &[("action", "prepare"), ("instalment", &unpaid.id.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

/// Every change of state above is in the audit log, under who did it.
async fn every_change_is_in_the_audit_log(sc: &Leader) {
    let Leader { t, a, .. } = sc;
    // Every change of state above is in the audit log, under who did it.
    let audit: i64 = t.db.query_one("SELECT COUNT(*) FROM audit_log WHERE entity = 'application' AND entity_id = ? AND actor IN ('member', 'bureau') AND action IN ('project.report', 'project.change_request', 'project.change_approve', 'project.rectify', 'project.output', 'project.suspend')", vec![a.id.to_string().into()]).await.unwrap().unwrap().try_get_by_index(0).unwrap();
    assert_eq!(audit, 6);
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
