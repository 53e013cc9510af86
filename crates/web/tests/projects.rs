//! Calls and applications through the real router: who may see and do what, the three levels,
//! bad input named by field, double clicks, other organisations' applications, the budget.
mod common;
use axum::http::StatusCode;
use common::*;
use innocity_core::projects::Stage;
use innocity_store::demo;
use innocity_store::projects as store;

async fn projects_app() -> TestApp {
    let t = app().await;
    demo::projects::seed_projects(&t.db, demo::experts::CSL).await.unwrap();
    t
}

async fn open_call(t: &TestApp) -> store::Call {
    let today = chrono::Local::now().date_naive();
    store::calls(&t.db).await.unwrap().into_iter().find(|c| c.opens_on <= today && today <= c.deadlines.applicant).unwrap()
}

fn form<'a>(call: &'a str, key: &'a str, equipment: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("call", call), ("title", "兰白地区稀土永磁材料低成本制备技术研究"), ("topic", "新材料"), ("leader_name", "陈工"), ("leader_key", key), ("members", "李华、王芳"), ("summary", "研究稀土永磁材料的低成本制备工艺与性能调控。"), ("requested_equipment", equipment), ("requested_indirect", "2")]
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
            assert_eq!(t.get(&s, &p).await.status, if viewer { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{role} {p}");
        }
        assert_eq!(t.get(&s, "/projects/board").await.status, if ["admin", "bureau"].contains(&role) { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{role} board");
        assert_eq!(t.get(&s, &new).await.status, if ["orgadmin", "member", "orgadmin2"].contains(&role) { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{role} new");
        let post = t.post_form(&s, "/applications", &[("call", &call.id.to_string())]).await.status;
        assert!(if ["orgadmin", "member", "orgadmin2"].contains(&role) { post == StatusCode::UNPROCESSABLE_ENTITY } else { post == StatusCode::FORBIDDEN }, "{role} create: {post}");
    }
}

#[tokio::test]
async fn a_researcher_applies_the_organisation_endorses_and_others_cannot_touch_it() {
    let t = projects_app().await;
    let call = open_call(&t).await;
    let cid = call.id.to_string();
    let s = t.login("member").await;
    // Bad input, each named by its field, nothing stored.
    let before = store::applications(&t.db, store::Reach::All, Some(call.id), None).await.unwrap().len();
    let r = t.post_form(&s, "/applications", &form(&cid, "11010519491231002X", "十万")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("设备费") && r.body.contains("十万"), "{}", r.body);
    let r = t.post_form(&s, "/applications", &form(&cid, "110105194912310021", "10")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("身份证号码不正确"));
    let r = t.post_form(&s, "/applications", &form(&cid, "11010519491231002X", "40")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "over the call's 30 万元");
    assert!(r.body.contains("经费预算不符合要求"));
    assert_eq!(store::applications(&t.db, store::Reach::All, Some(call.id), None).await.unwrap().len(), before);
    // A good draft; the page shows it with its budget.
    let r = t.post_form(&s, "/applications", &form(&cid, "11010519491231002X", "10.5")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let id: i64 = r.location().trim_start_matches("/applications/").split('?').next().unwrap().parse().unwrap();
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    assert_eq!(a.requested.wan_text(), "12.50");
    let page = t.get(&s, &format!("/applications/{id}")).await.body;
    assert!(page.contains("12.50") && page.contains("act-submit"));
    // Submit; a second click with the same page is refused and changes nothing.
    let v = a.version.to_string();
    assert_eq!(t.post_form(&s, &format!("/applications/{id}/act"), &[("action", "submit"), ("version", &v)]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.post_form(&s, &format!("/applications/{id}/act"), &[("action", "submit"), ("version", &v)]).await.status, StatusCode::CONFLICT);
    let a = store::application(&t.db, id).await.unwrap().unwrap();
    assert_eq!(a.stage, Stage::Submitted);
    // The applicant cannot endorse their own; another organisation and another zone cannot see it.
    let v = a.version.to_string();
    assert_eq!(t.post_form(&s, &format!("/applications/{id}/act"), &[("action", "endorse"), ("version", &v)]).await.status, StatusCode::FORBIDDEN);
    for other in ["orgadmin2", "zone2"] {
        let o = t.login(other).await;
        assert_eq!(t.get(&o, &format!("/applications/{id}")).await.status, StatusCode::NOT_FOUND, "{other}");
        assert_eq!(t.post_form(&o, &format!("/applications/{id}/act"), &[("action", "endorse"), ("version", &v)]).await.status, StatusCode::NOT_FOUND, "{other}");
    }
    // The organisation's admin: a return needs a reason; endorsing works.
    let admin = t.login("orgadmin").await;
    let r = t.post_form(&admin, &format!("/applications/{id}/act"), &[("action", "return"), ("version", &v), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("请填写意见"));
    assert_eq!(t.post_form(&admin, &format!("/applications/{id}/act"), &[("action", "endorse"), ("version", &v)]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(store::application(&t.db, id).await.unwrap().unwrap().stage, Stage::Endorsed);
    let audit: i64 = t.db.query_one("SELECT COUNT(*) FROM audit_log WHERE entity = 'application' AND entity_id = ?", vec![id.to_string().into()]).await.unwrap().unwrap().try_get_by_index(0).unwrap();
    assert_eq!(audit, 3, "create, submit, endorse");
}

#[tokio::test]
async fn the_bureau_decides_within_the_budget_and_exports_the_list() {
    let t = projects_app().await;
    let s = t.login("bureau").await;
    let board = t.get(&s, "/projects/board").await.body;
    assert!(board.contains("id=\"ledgers\"") && board.contains("重点研发计划"));
    let reviewed = store::applications(&t.db, store::Reach::All, None, Some(Stage::Reviewed)).await.unwrap();
    let a = reviewed.first().unwrap();
    let v = a.version.to_string();
    let r = t.post_form(&s, &format!("/applications/{}/act", a.id), &[("action", "approve"), ("version", &v), ("grant", "很多")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Spend the programme's year, then try one more.
    let call = store::call(&t.db, a.call_id).await.unwrap().unwrap();
    t.db.query_one("UPDATE programme_budgets SET committed_fen = budget_fen WHERE programme_id = ? AND year = ?", vec![call.programme_id.into(), call.year.into()]).await.unwrap();
    let r = t.post_form(&s, &format!("/applications/{}/act", a.id), &[("action", "approve"), ("version", &v), ("grant", "10")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("超出计划年度预算"), "{}", r.body);
    assert_eq!(store::application(&t.db, a.id).await.unwrap().unwrap().stage, Stage::Reviewed);
    let (status, _, bytes) = t.get_bytes(&s, "/applications?format=xlsx&stage=established").await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.rows().count(), 1 + 120, "the 120 established projects");
}

#[tokio::test]
async fn instalments_wait_for_their_condition_and_two_people() {
    let t = projects_app().await;
    // The demo signed every established project's task book: establish a fresh one here.
    let r = store::applications(&t.db, store::Reach::All, None, Some(Stage::Reviewed)).await.unwrap().remove(0);
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    let today = chrono::Local::now().date_naive();
    store::act(&t.db, r.id, innocity_core::projects::Action::Approve, innocity_core::projects::Level::Bureau, "", r.version, store::Decision { grant: innocity_core::projects::money::Money::from_wan(20) }, today, actor).await.unwrap();
    store::act(&t.db, r.id, innocity_core::projects::Action::Establish, innocity_core::projects::Level::Bureau, "", r.version + 1, store::Decision::default(), today, actor).await.unwrap();
    let a = store::application(&t.db, r.id).await.unwrap().unwrap();
    let bureau = t.login("bureau").await;
    let admin = t.login("admin").await;
    let url = format!("/projects/{}", a.id);
    assert_eq!(t.get(&bureau, &url).await.status, StatusCode::OK);
    for role in ["expert", "public"] {
        assert_eq!(t.get(&t.login(role).await, &url).await.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(t.post_form(&t.login("orgadmin").await, &url, &[("action", "sign")]).await.status, StatusCode::FORBIDDEN, "only the bureau signs and pays");
    // The task book: a missing deliverable is named; then signed, with 50/30/20 of the grant.
    let r = t.post_form(&bureau, &url, &[("action", "sign"), ("goals", "形成稀土永磁材料示范生产线"), ("deliverables", " "), ("starts_on", "2026-01-01"), ("ends_on", "2027-12-31")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t.post_form(&bureau, &url, &[("action", "sign"), ("goals", "形成稀土永磁材料示范生产线"), ("deliverables", "申请发明专利 3 件\n建成示范线 1 条"), ("starts_on", "2026-01-01"), ("ends_on", "2027-12-31")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let rows = store::instalments(&t.db, a.id).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.instalment.amount).sum::<innocity_core::projects::money::Money>(), a.granted);
    let id = |k: usize| rows[k].id.to_string();
    // First instalment: prepared by one, refused to the same person, released by another.
    assert_eq!(t.post_form(&bureau, &url, &[("action", "release"), ("instalment", &id(0))]).await.status, StatusCode::CONFLICT, "not prepared");
    assert_eq!(t.post_form(&bureau, &url, &[("action", "prepare"), ("instalment", &id(0))]).await.status, StatusCode::SEE_OTHER);
    let r = t.post_form(&bureau, &url, &[("action", "release"), ("instalment", &id(0))]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("经办人与复核人不能是同一人"));
    assert_eq!(t.post_form(&admin, &url, &[("action", "release"), ("instalment", &id(0))]).await.status, StatusCode::SEE_OTHER);
    // Second: not before the mid-term inspection is approved.
    let r = t.post_form(&bureau, &url, &[("action", "prepare"), ("instalment", &id(1))]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("尚未通过"));
    assert_eq!(t.post_form(&bureau, &url, &[("action", "condition"), ("condition", "mid_term"), ("opinion", "中期检查专家组意见：按计划推进")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.post_form(&admin, &url, &[("action", "prepare"), ("instalment", &id(1))]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.post_form(&bureau, &url, &[("action", "release"), ("instalment", &id(1))]).await.status, StatusCode::SEE_OTHER);
    // Another project's instalment through this project's page: not found.
    assert_eq!(t.post_form(&bureau, &url, &[("action", "prepare"), ("instalment", "999999")]).await.status, StatusCode::NOT_FOUND);
    let paid: Vec<_> = store::instalments(&t.db, a.id).await.unwrap().into_iter().filter(|r| r.instalment.released_by.is_some()).collect();
    assert_eq!(paid.len(), 2);
    assert!(t.get(&bureau, &url).await.body.contains(&paid.iter().map(|r| r.instalment.amount).sum::<innocity_core::projects::money::Money>().wan_text()));
    let ids: Vec<String> = rows.iter().map(|r| format!("'{}'", r.id)).collect();
    let audit: i64 = t.db.query_one(&format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'instalment' AND entity_id IN ({})", ids.join(", ")), vec![]).await.unwrap().unwrap().try_get_by_index(0).unwrap();
    assert_eq!(audit, 4, "two prepared, two released");
}

#[tokio::test]
async fn attachments_are_checked_kept_outside_and_served_as_downloads() {
    let t = projects_app().await;
    let call = open_call(&t).await;
    let s = t.login("member").await;
    let r = t.post_form(&s, "/applications", &form(&call.id.to_string(), "11010519491231002X", "10")).await;
    let id: i64 = r.location().trim_start_matches("/applications/").split('?').next().unwrap().parse().unwrap();
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
    let (status, headers, bytes) = t.get_bytes(&s, &format!("/applications/{id}/files/{}", files[0].id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, pdf);
    assert!(headers.get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment;"));
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    for other in ["orgadmin2", "zone2"] {
        let o = t.login(other).await;
        assert_eq!(t.get_bytes(&o, &format!("/applications/{id}/files/{}", files[0].id)).await.0, StatusCode::NOT_FOUND, "{other}");
    }
    // After submission the draft is closed to uploads.
    let v = store::application(&t.db, id).await.unwrap().unwrap().version.to_string();
    assert_eq!(t.post_form(&s, &format!("/applications/{id}/act"), &[("action", "submit"), ("version", &v)]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.upload(&s, &up, "补充.pdf", &pdf).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_call_goes_to_expert_review_through_the_experts_engine() {
    let t = projects_app().await;
    demo::experts::seed_experts(&t.db, demo::experts::CSL).await.unwrap();
    let mut call = None;
    for c in store::calls(&t.db).await.unwrap() {
        if !store::applications(&t.db, store::Reach::All, Some(c.id), Some(Stage::InReview)).await.unwrap().is_empty() {
            call = Some(c);
        }
    }
    let call = call.unwrap();
    let waiting = store::applications(&t.db, store::Reach::All, Some(call.id), Some(Stage::InReview)).await.unwrap().len();
    let s = t.login("bureau").await;
    let deadline = (chrono::Local::now().date_naive() + chrono::Days::new(20)).format("%Y-%m-%d").to_string();
    let url = format!("/calls/{}/review", call.id);
    assert_eq!(t.post_form(&t.login("orgadmin").await, &url, &[("name", "x"), ("mode", "assign"), ("demand", "3"), ("deadline", &deadline)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.post_form(&s, &url, &[("name", "通讯评审"), ("mode", "assign"), ("demand", "99"), ("deadline", &deadline)]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing to move before a round exists and is closed.
    assert_eq!(t.post_form(&s, &format!("/calls/{}/finish-review", call.id), &[]).await.status, StatusCode::CONFLICT);
    let r = t.post_form(&s, &url, &[("name", "通讯评审"), ("mode", "assign"), ("demand", "3"), ("deadline", &deadline)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let round: i64 = r.location().trim_start_matches("/reviews/").parse().unwrap();
    assert_eq!(innocity_store::experts::items(&t.db, round).await.unwrap().len(), waiting);
    assert_eq!(t.post_form(&s, &format!("/calls/{}/finish-review", call.id), &[]).await.status, StatusCode::CONFLICT, "the round is open");
    assert_eq!(t.post_form(&s, &format!("/reviews/{round}/assign"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(innocity_store::experts::assignments(&t.db, round).await.unwrap().len(), waiting * 3);
    assert_eq!(t.post_form(&s, &format!("/reviews/{round}/close"), &[]).await.status, StatusCode::SEE_OTHER);
    let before = store::applications(&t.db, store::Reach::All, Some(call.id), Some(Stage::Reviewed)).await.unwrap().len();
    assert_eq!(t.post_form(&s, &format!("/calls/{}/finish-review", call.id), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(store::applications(&t.db, store::Reach::All, Some(call.id), Some(Stage::Reviewed)).await.unwrap().len(), before + waiting);
    assert!(t.get(&s, &format!("/calls/{}", call.id)).await.body.contains(&format!("/reviews/{round}")));
}
