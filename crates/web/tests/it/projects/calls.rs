//! Calls: staff publish one with its own form; the public reads notices and objects.
use super::*;
use axum::http::StatusCode;
use innocity_core::projects::Stage;
use innocity_store::projects as store;

/// The call's own form: a section, a long text, a number on a scale, a choice.
const SPEC: &str = "# 一、研究基础\n技术路线 | 长文本 | 必填\n技术就绪度 | 数字 1-9 | 必填\n成果形式 | 选项 专利/标准 | 选填";

#[tokio::test]
async fn staff_publish_a_call_with_its_own_form_and_applicants_answer_it() {
    let t = projects_app().await;
    only_staff_set_up_programmes_and_calls(&t).await;
    let b = t.login("bureau").await;
    let pid = add_programme(&t, &b).await.to_string();
    budget_never_falls_below_commitments(&t, &b).await;
    a_bad_call_is_refused(&t, &b, &pid).await;
    let cid = publish_call(&t, &b, &pid).await;
    let member = t.login("member").await;
    attach_guidelines(&t, &b, &member, cid).await;
    let cs = cid.to_string();
    let fields: Vec<(&str, &str)> = form(&cs, "11010519491231002X", "10")
        .into_iter()
        .filter(|(k, _)| !k.starts_with("q."))
        .collect();
    let id = start_draft(&t, &member, cid, &fields).await;
    submitting_needs_the_answers(&t, &member, id).await;
    let v = store::application(&t.db, id).await.unwrap().unwrap().version.to_string();
    let typed = autosave_checks_the_answers(&t, &member, id, &fields, &v).await;
    a_barred_leader_shows_at_once(&t, &member, id, &typed).await;
    stale_saves_conflict_then_submit(&t, &member, id, &typed).await;
    once_applied_only_dates_move(&t, &b, &pid, cid).await;
    the_call_is_audited(&t, cid).await;
}

/// Only bureau staff set up programmes and calls.
async fn only_staff_set_up_programmes_and_calls(t: &TestApp) {
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
}

/// A programme: a bad budget line is named; a good one is stored; the code is taken then.
async fn add_programme(t: &TestApp, b: &Session) -> i64 {
    let r = t
        .post_form(
            b,
            "/programmes",
            &[("code", "GG"), ("name", "技术攻关专项"), ("budgets", "2027 5000\n二〇二八 6000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("第 2 行") && r.body.contains("二〇二八"), "{}", r.body);
    assert!(r.body.contains("技术攻关专项"), "the form comes back as typed");
    assert_eq!(
        t.post_form(
            b,
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
        t.post_form(b, "/programmes", &[("code", "GG"), ("name", "又一个"), ("budgets", "2027 1")])
            .await
            .body
            .contains("已被使用")
    );
    prog.id
}

/// A year's budget never falls below what decisions committed (the demo's decided call).
async fn budget_never_falls_below_commitments(t: &TestApp, b: &Session) {
    let year = chrono::Datelike::year(&t.db.clock.today()) as i64;
    let zd = store::programmes(&t.db).await.unwrap().into_iter().find(|p| p.code == "ZD").unwrap();
    let committed = store::ledger(&t.db, zd.id, year - 1).await.unwrap().unwrap().committed;
    assert!(committed.0 > 0);
    let r = t
        .post_form(
            b,
            &format!("/programmes/{}/budget", zd.id),
            &[("year", &(year - 1).to_string()), ("budget", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不能低于已承诺"), "{}", r.body);
    assert_eq!(store::ledger(&t.db, zd.id, year - 1).await.unwrap().unwrap().committed, committed);
}

/// A call: a mistake in its form is named by line, deadlines out of order are refused, nothing stored.
async fn a_bad_call_is_refused(t: &TestApp, b: &Session, pid: &str) {
    let calls_before = store::calls(&t.db).await.unwrap().len();
    let r = t
        .post_form(
            b,
            "/calls",
            &call_fields(pid, "GG2027", "# 一、基础\n技术路线 | 表格 | 必填", "2030-11-30"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("第 2 行") && r.body.contains("表格"), "{}", r.body);
    assert!(r.body.contains("稀土功能材料"), "the guidelines come back as typed");
    let r = t
        .post_form(
            b,
            "/calls",
            &call_fields(pid, "GG2027", "技术路线 | 长文本 | 必填", "2031-01-01"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("截止日期须依次为"));
    let mut no_budget = call_fields(pid, "GG2027", "", "2030-11-30");
    no_budget[3] = ("year", "2031");
    assert!(t.post_form(b, "/calls", &no_budget).await.body.contains("2031 年度没有预算"));
    assert_eq!(store::calls(&t.db).await.unwrap().len(), calls_before);
}

/// A good call is stored with its form, eligibility and review plan, and shown as published.
async fn publish_call(t: &TestApp, b: &Session, pid: &str) -> i64 {
    let r = t.post_form(b, "/calls", &call_fields(pid, "GG2027", SPEC, "2030-11-30")).await;
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
    let page = t.get(b, &format!("/calls/{cid}")).await.body;
    assert!(
        page.contains("<h3>一、支持方向</h3>") && page.contains("<li>企业牵头</li>"),
        "guidelines as headings and lists"
    );
    assert!(
        page.contains("通讯评审：每项 5 名专家")
            && page.contains("排名前 20 项进入")
            && page.contains("技术就绪度")
    );
    cid
}

/// Guideline files: checked, listed, downloaded by applicants as attachments.
async fn attach_guidelines(t: &TestApp, b: &Session, member: &Session, cid: i64) {
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    assert!(
        t.upload(b, &format!("/calls/{cid}/upload"), "申报指南.pdf", &pdf)
            .await
            .status
            .is_redirection()
    );
    let r = t.upload(b, &format!("/calls/{cid}/upload"), "附件.pdf", b"\x89PNG\r\n\x1a\n").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        t.upload(member, &format!("/calls/{cid}/upload"), "x.pdf", &pdf).await.status,
        StatusCode::FORBIDDEN
    );
    let files = store::call_files(&t.db, cid).await.unwrap();
    assert_eq!(files.len(), 1);
    let (status, headers, bytes) =
        t.get_bytes(member, &format!("/calls/{cid}/files/{}", files[0].id)).await;
    assert_eq!((status, bytes), (StatusCode::OK, pdf.clone()));
    assert!(
        headers.get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment;")
    );
    assert_eq!(
        t.get_bytes(member, &format!("/calls/{}/files/{}", cid + 100, files[0].id)).await.0,
        StatusCode::NOT_FOUND
    );
}

/// The applicant's form carries the call's own questions; a draft may leave them empty.
async fn start_draft(t: &TestApp, member: &Session, cid: i64, fields: &[(&str, &str)]) -> i64 {
    let r = t.get(member, &format!("/applications/new?call={cid}")).await;
    assert!(r.body.contains("name=\"q.技术路线\"") && r.body.contains("name=\"q.技术就绪度\""));
    let r = t.post_form(member, "/applications", fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .trim_start_matches("/applications/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    id
}

/// Submitting without the required answers: refused, naming the first, nothing changes.
async fn submitting_needs_the_answers(t: &TestApp, member: &Session, id: i64) {
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    let v = a.version.to_string();
    let r = t
        .post_form(
            member,
            &format!("/applications/{id}/act"),
            &[("action", "submit"), ("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("“技术路线”为必填项"), "{}", r.body);
    assert_eq!(store::application(&t.db, id).await.unwrap().unwrap().stage, Stage::Draft);
}

/// Autosave: a wrong answer is named in the fragment and not saved; a right one saves and
/// hands back the new version. Returns the fields as saved, with the version they were saved on.
async fn autosave_checks_the_answers<'a>(
    t: &TestApp,
    member: &Session,
    id: i64,
    fields: &[(&'a str, &'a str)],
    v: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut typed = fields.to_vec();
    typed.extend([
        ("version", v),
        ("q.技术路线", "采用熔盐电解与快淬工艺。"),
        ("q.技术就绪度", "12"),
    ]);
    let r = t.post_form(member, &format!("/applications/{id}/autosave"), &typed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("“技术就绪度”应在 1–9 之间"), "{}", r.body);
    assert!(store::application(&t.db, id).await.unwrap().unwrap().answers.is_empty());
    typed.pop();
    typed.push(("q.技术就绪度", "6"));
    let r = t.post_form(member, &format!("/applications/{id}/autosave"), &typed).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    assert!(
        r.body.contains(&format!("name=\"version\" value=\"{}\"", a.version))
            && r.body.contains("已自动保存")
    );
    assert_eq!(a.answers.get("技术就绪度").map(String::as_str), Some("6"));
    typed
}

/// Eligibility is checked again as the draft saves: a leader barred by a credit record shows at once.
async fn a_barred_leader_shows_at_once(
    t: &TestApp,
    member: &Session,
    id: i64,
    typed: &[(&str, &str)],
) {
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    use innocity_core::credit::{Nature, Record, Sanction, Severity};
    let today = t.db.clock.today();
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
    let r = t.post_form(member, &format!("/applications/{id}/autosave"), &barred).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("id=\"app-missed\" hx-swap-oob=\"true\"")
            && r.body.contains("项目负责人受科研失信限制")
            && r.body.contains("兰科监〔2026〕9号"),
        "{}",
        r.body
    );
}

/// A stale page's save conflicts; the current one saves; then the draft is submitted.
async fn stale_saves_conflict_then_submit(
    t: &TestApp,
    member: &Session,
    id: i64,
    typed: &[(&str, &str)],
) {
    let r = t
        .post_form(
            member,
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
        t.post_form(member, &format!("/applications/{id}/autosave"), &back).await.status,
        StatusCode::OK
    );
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    // The same save again with the old version is stale.
    assert_eq!(
        t.post_form(member, &format!("/applications/{id}/autosave"), typed).await.status,
        StatusCode::CONFLICT
    );
    let v = a.version.to_string();
    assert_eq!(
        t.post_form(
            member,
            &format!("/applications/{id}/act"),
            &[("action", "submit"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        t.get(member, &format!("/applications/{id}"))
            .await
            .body
            .contains("采用熔盐电解与快淬工艺。")
    );
}

/// Once someone has applied, the form and eligibility stay; the dates may move.
async fn once_applied_only_dates_move(t: &TestApp, b: &Session, pid: &str, cid: i64) {
    let r = t
        .post_form(
            b,
            &format!("/calls/{cid}/edit"),
            &call_fields(pid, "GG2027", "技术路线 | 文本", "2030-11-30"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("已有 1 份申报书"), "{}", r.body);
    let mut later = call_fields(pid, "GG2027", SPEC, "2030-12-05");
    later[6] = ("organisation_deadline", "2030-12-10");
    assert_eq!(
        t.post_form(b, &format!("/calls/{cid}/edit"), &later).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        store::call(&t.db, cid).await.unwrap().unwrap().deadlines.applicant.to_string(),
        "2030-12-05"
    );
}

/// The call's audit trail; the edit's entry keeps what could change: dates, money rules, plan,
/// the guidelines' digest.
async fn the_call_is_audited(t: &TestApp, cid: i64) {
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
async fn the_public_reads_notices_and_objects_while_they_run() {
    let t = projects_app().await;
    a_closed_notice_is_only_read(&t).await;
    let bureau = t.login("bureau").await;
    let r = approve_and_publish_a_notice(&t, &bureau).await;
    let objection = the_public_objects(&t, &r).await;
    the_bureau_upholds_it(&t, &bureau, &r, objection).await;
}

/// The decided call's notice is over: anyone reads it, nobody can object any more.
async fn a_closed_notice_is_only_read(t: &TestApp) {
    let anon = Session::default();
    let list = t.get(&anon, "/notices").await;
    assert_eq!(list.status, StatusCode::OK);
    let closed = store::calls(&t.db).await.unwrap().into_iter().min_by_key(|c| c.year).unwrap();
    let page = t.get(&anon, &format!("/notices/{}", closed.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("决策会议纪要") && page.body.contains("异议成立，取消立项"));
    assert!(!page.body.contains("objection-form"), "closed");
    assert!(t.get(&anon, "/").await.body.contains("home-notices"));
}

/// A running notice on the call in review: approved, then published for the public.
async fn approve_and_publish_a_notice(t: &TestApp, bureau: &Session) -> store::Application {
    let today = t.db.clock.today();
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
            bureau,
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
    r
}

/// The public objects through the notice's form: named fields checked, the code must match, a
/// CSRF token needed. Returns the objection's id.
async fn the_public_objects(t: &TestApp, r: &store::Application) -> i64 {
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
    o.id
}

/// Not a project while the notice runs; the bureau upholds it and the money goes back.
async fn the_bureau_upholds_it(
    t: &TestApp,
    bureau: &Session,
    r: &store::Application,
    objection: i64,
) {
    let objection = objection.to_string();
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
                ("objection", &objection),
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
            bureau,
            &resolve,
            &[
                ("action", "resolve"),
                ("objection", &objection),
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
