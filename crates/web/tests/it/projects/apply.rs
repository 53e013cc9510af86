//! Applying: who reaches the pages, a researcher applies and the organisation endorses,
//! attachments, a formal rejection.
use super::*;
use axum::http::StatusCode;
use innocity_core::projects::Stage;
use innocity_store::projects as store;

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
    let s = t.login("member").await;
    bad_input_is_named_by_field(&t, &s, &call).await;
    let id = a_good_draft(&t, &s, &call).await;
    submit_once(&t, &s, id).await;
    nobody_else_endorses_or_sees_it(&t, &s, id).await;
    the_organisation_endorses_it(&t, id).await;
}

/// Bad input, each named by its field, nothing stored.
async fn bad_input_is_named_by_field(t: &TestApp, s: &Session, call: &store::Call) {
    let cid = call.id.to_string();
    let before =
        store::applications(&t.db, store::Reach::All, Some(call.id), None).await.unwrap().len();
    let r = t.post_form(s, "/applications", &form(&cid, "11010519491231002X", "十万")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("设备费") && r.body.contains("十万"), "{}", r.body);
    let r = t.post_form(s, "/applications", &form(&cid, "110105194912310021", "10")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("身份证号码不正确"));
    let r = t.post_form(s, "/applications", &form(&cid, "11010519491231002X", "40")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "over the call's 30 万元");
    assert!(r.body.contains("经费预算不符合要求"));
    assert_eq!(
        store::applications(&t.db, store::Reach::All, Some(call.id), None).await.unwrap().len(),
        before
    );
}

/// A good draft; the page shows it with its budget.
async fn a_good_draft(t: &TestApp, s: &Session, call: &store::Call) -> i64 {
    let cid = call.id.to_string();
    let r = t.post_form(s, "/applications", &form(&cid, "11010519491231002X", "10.5")).await;
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
    let page = t.get(s, &format!("/applications/{id}")).await.body;
    assert!(page.contains("12.50") && page.contains("act-submit"));
    id
}

/// Submit; a second click with the same page is refused and changes nothing.
async fn submit_once(t: &TestApp, s: &Session, id: i64) {
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    let v = a.version.to_string();
    assert_eq!(
        t.post_form(
            s,
            &format!("/applications/{id}/act"),
            &[("action", "submit"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(
            s,
            &format!("/applications/{id}/act"),
            &[("action", "submit"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    assert_eq!(a.stage, Stage::Submitted);
}

/// The applicant cannot endorse their own; another organisation and another zone cannot see it.
async fn nobody_else_endorses_or_sees_it(t: &TestApp, s: &Session, id: i64) {
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    let v = a.version.to_string();
    assert_eq!(
        t.post_form(
            s,
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
}

/// The organisation's admin: a return needs a reason; endorsing works.
async fn the_organisation_endorses_it(t: &TestApp, id: i64) {
    let v = store::application(&t.db, id).await.unwrap().unwrap().version.to_string();
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
    let r = t.upload_htmx(&s, &up, "申报书.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.headers.get("HX-Redirect").is_some(), "htmx goes on to the page it names");
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
async fn a_formal_rejection_gives_the_listed_grounds() {
    let t = projects_app().await;
    let e = recommend_an_endorsed_one(&t).await;
    a_formal_rejection_lists_its_grounds(&t, &e).await;
    a_return_reaches_the_applicant(&t).await;
}

/// An endorsed application, recommended by its zone.
async fn recommend_an_endorsed_one(t: &TestApp) -> store::Application {
    let e = store::applications(&t.db, store::Reach::All, None, Some(Stage::Endorsed))
        .await
        .unwrap()
        .remove(0);
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    let today = t.db.clock.today();
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
    e
}

/// The bureau's page lists the formal grounds; without any ground or words: refused; the
/// grounds chosen and the words typed make the reason.
async fn a_formal_rejection_lists_its_grounds(t: &TestApp, e: &store::Application) {
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
}

/// A return reaches the applicant's workspace with its reason.
async fn a_return_reaches_the_applicant(t: &TestApp) {
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
