//! Annual tasks through the real router: the bureau sets a task (a deadline before its start
//! refused on the field, nothing stored) and breaks it down to 榆中县 (a part beyond the whole's
//! dates refused); the county reports a month (a month to come, a share over 100 refused) with a
//! PDF as evidence (a disguised file refused); the bureau reminds a task behind its line (not
//! one on track); the half-yearly check as a page and a PDF; the same through `/api/v1`; and
//! another zone, an enterprise and the public reach none of it.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;
use innocity_store::supervision as sv;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// A task's dates around today: begun 100 days ago, due in 100 days (its line at one half).
fn around_today(t: &TestApp) -> (String, String) {
    let today = t.db.clock.today();
    ((today - chrono::Days::new(100)).to_string(), (today + chrono::Days::new(100)).to_string())
}

fn task_form<'a>(
    title: &'a str,
    lead: &'a str,
    start: &'a str,
    deadline: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("lead_unit_id", lead),
        ("start", start),
        ("deadline", deadline),
        ("target", "12"),
        ("measure", "家"),
    ]
}

#[tokio::test]
async fn a_task_is_set_broken_down_reported_reminded_and_checked_on_the_pages() {
    let t = Fixture::demo().build().await;
    let bureau = t.login("bureau").await;
    let (start, deadline) = around_today(&t);
    let city = t.unit_id("620100").await.to_string();
    // A deadline before the start: refused beside the field, what was typed kept, nothing stored.
    let r = t
        .post_form(&bureau, "/tasks", &task_form("培育高新技术企业", &city, &deadline, &start))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"err-deadline\"") && r.body.contains("早于"), "{}", r.body);
    assert!(r.body.contains("value=\"培育高新技术企业\""), "what was typed is kept");
    let year = t.db.clock.today().format("%Y").to_string().parse().unwrap();
    let deadline_year: i32 = deadline[..4].parse().unwrap();
    assert!(sv::tasks(&t.db, year).await.unwrap().is_empty());
    assert!(sv::tasks(&t.db, deadline_year).await.unwrap().is_empty());
    let r = t
        .post_form(&bureau, "/tasks", &task_form("培育高新技术企业", &city, &start, &deadline))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let whole = r.location().trim_start_matches("/tasks/").to_string();
    // A part beyond the whole's dates is refused; within them it is kept.
    let county_unit = t.unit_id("620123").await.to_string();
    let late = (t.db.clock.today() + chrono::Days::new(200)).to_string();
    for (until, status) in [
        (late.as_str(), StatusCode::UNPROCESSABLE_ENTITY),
        (deadline.as_str(), StatusCode::SEE_OTHER),
    ] {
        let form = [
            ("lead_unit_id", county_unit.as_str()),
            ("start", start.as_str()),
            ("deadline", until),
            ("target", "3"),
        ];
        let r = t.post_form(&bureau, &format!("/tasks/{whole}/parts"), &form).await;
        assert_eq!(r.status, status, "{until}: {}", r.body);
        if status != StatusCode::SEE_OTHER {
            assert!(r.body.contains(&deadline), "the whole's dates are named: {}", r.body);
        }
    }
    let part = sv::tasks(&t.db, deadline_year)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.parent_id.is_some())
        .expect("the part is kept");
    assert_eq!((part.title.as_str(), part.measure.as_str()), ("培育高新技术企业", "家"));
    the_county_reports(&t, &part).await;
    the_bureau_reminds_and_checks(&t, &bureau, &part).await;
}

/// 榆中县's admin sees its part (not the city's whole) and reports a month with evidence.
async fn the_county_reports(t: &TestApp, part: &sv::Task) {
    let county = t.login("county").await;
    let list = t.get(&county, &format!("/tasks?year={}", part.year)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&format!("id=\"task-{}\"", part.id)), "{}", list.body);
    let whole = part.parent_id.unwrap();
    assert!(!list.body.contains(&format!("id=\"task-{whole}\"")), "the city's whole is not its");
    assert_eq!(t.get(&county, &format!("/tasks/{whole}")).await.status, StatusCode::NOT_FOUND);
    let base = format!("/tasks/{}", part.id);
    let page = t.get(&county, &base).await;
    assert!(page.body.contains("id=\"progress-form\""), "{}", page.body);
    let this_month = t.db.clock.today().format("%Y-%m").to_string();
    let next_month = (t.db.clock.today() + chrono::Days::new(40)).format("%Y-%m").to_string();
    let note = "新认定高新技术企业 1 家，另有 2 家已提交申报材料。";
    let progress = format!("{base}/progress");
    for (m, percent, what) in [
        (next_month.as_str(), "20", "一个尚未到来的月份"),
        (this_month.as_str(), "120", "超过 100"),
    ] {
        let form = [("month", m), ("percent", percent), ("achieved", "1"), ("note", note)];
        let r = t.post_form(&county, &progress, &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {}", r.body);
    }
    assert!(sv::progress_of(&t.db, part.id).await.unwrap().is_empty(), "nothing kept");
    // Far behind its line (10 % at the half-way day): kept, and the task is at risk.
    let form =
        [("month", this_month.as_str()), ("percent", "10"), ("achieved", "1"), ("note", note)];
    let r = t.post_form(&county, &progress, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let kept = sv::progress_of(&t.db, part.id).await.unwrap();
    assert_eq!((kept.len(), kept[0].percent), (1, 10));
    let upload = format!("{base}/progress/{}/evidence", kept[0].id);
    let r = t.upload_htmx(&county, &upload, "伪装.pdf", b"MZ\x90\x00 not a pdf").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a disguised file: {}", r.body);
    let r = t.upload_htmx(&county, &upload, "一季度进展情况.pdf", PDF).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A scan of 2 MB is an upload like any other (the limit for files, not for forms).
    let mut scan = PDF[..PDF.len() - 6].to_vec();
    scan.extend(std::iter::repeat_n(b' ', 2 << 20));
    scan.extend_from_slice(b"%%EOF\n");
    let r = t.upload_htmx(&county, &upload, "盖章扫描件.pdf", &scan).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let files = sv::evidence_of(&t.db, part.id).await.unwrap();
    assert_eq!(files.len(), 2);
    let file = format!("{base}/evidence/{}", files[0].id);
    let (status, _, bytes) = t.get_bytes(&county, &file).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PDF));
    // Another zone reaches neither the task nor its file.
    let zone = t.login("zone2").await;
    assert_eq!(t.get(&zone, &base).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get_bytes(&zone, &file).await.0, StatusCode::NOT_FOUND);
    let form = [("month", this_month.as_str()), ("percent", "30")];
    assert_eq!(t.post_form(&zone, &progress, &form).await.status, StatusCode::NOT_FOUND);
    // A county admin may not remind, nor break down.
    assert_eq!(
        t.post_form(&county, &format!("{base}/remind"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
}

/// The bureau reminds the part behind its line, sees it on its line after a better report (no
/// reminder then), and reads the half-yearly check and its PDF.
async fn the_bureau_reminds_and_checks(t: &TestApp, bureau: &Session, part: &sv::Task) {
    let base = format!("/tasks/{}", part.id);
    let page = t.get(bureau, &base).await;
    assert!(
        page.body.contains("standing-at_risk") && page.body.contains("id=\"remind-form\""),
        "{}",
        page.body
    );
    let r = t.post_form(bureau, &format!("{base}/remind"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        sv::reminders(&t.db, part.year).await.unwrap(),
        vec![sv::ReminderCount { task_id: part.id, sent: 1 }]
    );
    // On its line now: no reminder for a task on track.
    let this_month = t.db.clock.today().format("%Y-%m").to_string();
    let r = t
        .post_form(
            bureau,
            &format!("{base}/progress"),
            &[("month", &this_month), ("percent", "60")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t.post_form(bureau, &format!("{base}/remind"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("正常推进"), "the standing is named: {}", r.body);
    let check = t.get(bureau, "/tasks/check").await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(
        check.body.contains("id=\"completion\"") && check.body.contains("榆中县"),
        "{}",
        check.body
    );
    let (status, headers, bytes) = t.get_bytes(bureau, "/tasks/check.pdf").await;
    assert_eq!(
        (status, headers.get("content-type").unwrap().to_str().unwrap()),
        (StatusCode::OK, "application/pdf")
    );
    let text = pdf_text(&bytes);
    assert!(
        text.contains("检查通报") && text.contains("榆中县") && text.contains("时序进度"),
        "{text}"
    );
}

/// The same through `/api/v1`: field errors in JSON, a part, the county's month, the check; and
/// the roles without the right refused.
#[tokio::test]
async fn the_api_sets_reports_and_checks_tasks_with_the_same_rules() {
    let t = Fixture::demo().build().await;
    let (bureau, county, enterprise) =
        (bearer(&t, "bureau").await, bearer(&t, "county").await, bearer(&t, "orgadmin").await);
    let (start, deadline) = around_today(&t);
    let city = t.unit_id("620100").await;
    let mut body = serde_json::json!({ "title": "", "lead_unit_id": city, "start": deadline, "deadline": start, "target": "-3", "measure": "项" });
    let r = json(&t, "POST", "/api/v1/tasks", Some(&bureau), body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields = &r.json()["error"]["fields"];
    for f in ["title", "deadline", "target"] {
        assert!(fields[f].is_string(), "{f} named: {}", r.body);
    }
    assert_eq!(
        json(&t, "POST", "/api/v1/tasks", Some(&county), body.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        json(&t, "GET", "/api/v1/tasks", Some(&enterprise), serde_json::Value::Null).await.status,
        StatusCode::FORBIDDEN
    );
    body["title"] = "出台科技创新政策文件".into();
    body["start"] = start.clone().into();
    body["deadline"] = deadline.clone().into();
    body["target"] = "4".into();
    let r = json(&t, "POST", "/api/v1/tasks", Some(&bureau), body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let whole = r.json()["id"].as_i64().unwrap();
    body["lead_unit_id"] = t.unit_id("620123").await.into();
    body["target"] = "2".into();
    let r = json(&t, "POST", &format!("/api/v1/tasks/{whole}/parts"), Some(&bureau), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let part = r.json()["id"].as_i64().unwrap();
    the_county_reports_and_the_bureau_checks(&t, whole, part).await;
    a_partner_sees_the_task_and_leaves_the_report_to_the_lead(&t).await;
}

/// A partner unit (ticked on the page's form) sees the task; its lead reports; a partner that is
/// no unit is refused on its field.
async fn a_partner_sees_the_task_and_leaves_the_report_to_the_lead(t: &TestApp) {
    let bureau = t.login("bureau").await;
    let (start, deadline) = around_today(t);
    let (zone, county) =
        (t.unit_id("LZGX").await.to_string(), t.unit_id("620123").await.to_string());
    let mut form = task_form("共建兰州大学榆中科技园", &zone, &start, &deadline);
    form.push(("partners", "99999"));
    let r = t.post_form(&bureau, "/tasks", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"err-partners\""), "{}", r.body);
    form.pop();
    form.push(("partners", county.as_str()));
    let r = t.post_form(&bureau, "/tasks", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location().trim_start_matches("/tasks/").to_string();
    let county = bearer(t, "county").await;
    let seen =
        json(t, "GET", &format!("/api/v1/tasks/{id}"), Some(&county), serde_json::Value::Null)
            .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    let month = t.db.clock.today().format("%Y-%m").to_string();
    let body = serde_json::json!({ "month": month, "percent": "30" });
    let r =
        json(t, "POST", &format!("/api/v1/tasks/{id}/progress"), Some(&county), body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        r.json()["error"]["fields"]["task"].as_str().unwrap().contains("牵头单位"),
        "{}",
        r.body
    );
    let lead = bearer(t, "zone").await;
    let r = json(t, "POST", &format!("/api/v1/tasks/{id}/progress"), Some(&lead), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// The county's month through the API (refused in words, refused to another zone), its part
/// alone in its list; the bureau's reminder and the half-yearly check.
async fn the_county_reports_and_the_bureau_checks(t: &TestApp, whole: i64, part: i64) {
    let (bureau, county, zone2) =
        (bearer(t, "bureau").await, bearer(t, "county").await, bearer(t, "zone2").await);
    let deadline = around_today(t).1;
    let month = t.db.clock.today().format("%Y-%m").to_string();
    let report = |percent: &str| serde_json::json!({ "month": month, "percent": percent, "achieved": "1", "note": "县政府印发《榆中县促进科技成果转化实施办法》。" });
    let uri = format!("/api/v1/tasks/{part}/progress");
    let r = json(t, "POST", &uri, Some(&county), report("百分之五十")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["percent"].is_string(), "{}", r.body);
    assert_eq!(
        json(t, "POST", &uri, Some(&zone2), report("50")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(json(t, "POST", &uri, Some(&county), report("55")).await.status, StatusCode::OK);
    let detail =
        json(t, "GET", &format!("/api/v1/tasks/{part}"), Some(&county), serde_json::Value::Null)
            .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let d = detail.json();
    assert_eq!(
        (d["task"]["percent"].as_i64(), d["task"]["standing"].as_str()),
        (Some(55), Some("on_track"))
    );
    assert_eq!(d["months"][0]["month"], month.as_str());
    let listed = json(
        t,
        "GET",
        &format!("/api/v1/tasks?year={}", &deadline[..4]),
        Some(&county),
        serde_json::Value::Null,
    )
    .await;
    let ids: Vec<i64> =
        listed.json().as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![part], "the county sees its part only");
    // The whole's progress is its part's, rolled up: on its line, so neither is reminded; it
    // takes no report of its own.
    let whole_view =
        json(t, "GET", &format!("/api/v1/tasks/{whole}"), Some(&bureau), serde_json::Value::Null)
            .await;
    let w = whole_view.json();
    assert_eq!(
        (w["task"]["percent"].as_i64(), w["task"]["standing"].as_str()),
        (Some(55), Some("on_track")),
        "{}",
        whole_view.body
    );
    let r =
        json(t, "POST", &format!("/api/v1/tasks/{whole}/progress"), Some(&bureau), report("60"))
            .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["error"]["fields"]["task"].as_str().unwrap().contains("分解"), "{}", r.body);
    let remind = |id: i64| format!("/api/v1/tasks/{id}/remind");
    for (id, who, status) in [
        (part, &bureau, StatusCode::UNPROCESSABLE_ENTITY),
        (whole, &county, StatusCode::FORBIDDEN),
        (whole, &bureau, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = json(t, "POST", &remind(id), Some(who), serde_json::Value::Null).await;
        assert_eq!(r.status, status, "{id}: {}", r.body);
    }
    the_api_checks_the_half(t, &bureau).await;
}

/// The half-yearly check through the API, and halves that are not (or not yet) refused.
async fn the_api_checks_the_half(t: &TestApp, bureau: &str) {
    let today = t.db.clock.today();
    let half = format!(
        "{}H{}",
        today.format("%Y"),
        if chrono::Datelike::month(&today) <= 6 { 1 } else { 2 }
    );
    let check = json(
        t,
        "GET",
        &format!("/api/v1/task-checks/{half}"),
        Some(bureau),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    let units = check.json()["units"].as_array().unwrap().clone();
    assert!(units.iter().any(|u| u["unit"] == "榆中县"), "{}", check.body);
    for bad in ["2026H3", "1999H1", "9999H1"] {
        let r = json(
            t,
            "GET",
            &format!("/api/v1/task-checks/{bad}"),
            Some(bureau),
            serde_json::Value::Null,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", r.body);
    }
}
