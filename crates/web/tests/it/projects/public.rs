//! The calls for everyone (issue 20 item 1) through the real router: without signing in, the
//! list by standing, a call's page with its guidelines, rules, deadlines and files, the button
//! that starts an application (signing in first), the home page's open calls, the API; an unknown
//! call is a 404 that shows the list; a closed call offers no button.
use super::*;
use crate::market::json;
use axum::http::StatusCode;

/// The part of a page from an element's id to the end of its table.
fn table<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body.find(&format!("id=\"{id}\"")).unwrap_or(body.len());
    let rest = &body[start..];
    &rest[..rest.find("</table>").unwrap_or(rest.len())]
}

#[tokio::test]
async fn anyone_reads_the_calls_and_starts_an_application_from_one() {
    let t = projects_app().await;
    let call = open_call(&t).await;
    let anon = Session::default();
    let href = format!("href=\"/public/calls/{}\"", call.id);

    let list = t.get(&anon, "/public/calls").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(table(&list.body, "pcalls-open").contains(&href), "{}", list.body);
    let home = t.get(&anon, "/").await.body;
    assert!(home.contains(&href) && !home.contains("id=\"calls-empty\""), "the home page lists it");
    // The home page's narrow query finds exactly the calls open today, the nearest deadline first.
    let today = t.db.clock.today();
    let mut open: Vec<store::Call> = store::calls(&t.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.status == "open" && c.opens_on <= today && today <= c.deadlines.applicant)
        .collect();
    open.sort_by_key(|c| (c.deadlines.applicant, c.id));
    let found = store::open_on(&t.db, today, 100).await.unwrap();
    let ids = |v: &[store::Call]| v.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(&found), ids(&open));
    let left = match (call.deadlines.applicant - today).num_days() {
        0 => "今日截止".to_string(),
        1 => "明日截止".to_string(),
        n => format!("还剩 {n} 天"),
    };
    assert!(table(&list.body, "pcalls-open").contains(&left), "{left}");

    let page = t.get(&anon, &format!("/public/calls/{}", call.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        call.title.as_str(),
        "data-standing=\"open\"",
        &format!("href=\"/applications/new?call={}\" id=\"apply\"", call.id),
        "id=\"apply-hint\"",
        "<meta name=\"description\" content=\"",
        &format!("<meta property=\"og:title\" content=\"{}\">", call.title),
        "id=\"rules\"",
        "id=\"review-plan\"",
        "申报人提交截止",
    ] {
        assert!(page.body.contains(want), "{want}: {}", page.body);
    }
    // The button takes a visitor to sign in, and back to the application after.
    let r = t.get(&anon, &format!("/applications/new?call={}", call.id)).await;
    assert!(
        r.status.is_redirection() && r.location().starts_with("/login?next="),
        "{:?}",
        r.status
    );
    // An organisation's people apply straight away; bureau staff do not apply.
    let member = t.get(&t.login("member").await, &format!("/public/calls/{}", call.id)).await.body;
    assert!(member.contains("id=\"apply\"") && !member.contains("id=\"apply-hint\""));
    let staff = t.get(&t.login("bureau").await, &format!("/public/calls/{}", call.id)).await.body;
    assert!(!staff.contains("id=\"apply\""));

    the_guidelines_files_are_public(&t, call.id).await;
    the_api_gives_the_same(&t, &call).await;
    unknown_calls_are_a_404_that_leads_on(&t).await;
    an_area_limit_is_said(&t, call.id).await;
    a_closed_call_offers_no_button(&t, call.id).await;
    an_upcoming_call_waits(&t, call.id).await;
}

async fn the_guidelines_files_are_public(t: &TestApp, cid: i64) {
    let b = t.login("bureau").await;
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    let r = t.upload(&b, &format!("/calls/{cid}/upload"), "申报指南.pdf", &pdf).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let f = innocity_store::projects::call_files(&t.db, cid).await.unwrap().pop().unwrap();
    let anon = Session::default();
    let page = t.get(&anon, &format!("/public/calls/{cid}")).await.body;
    let link = format!("/public/calls/{cid}/files/{}", f.id);
    assert!(page.contains(&link) && page.contains("申报指南.pdf"));
    let (status, headers, bytes) = t.get_bytes(&anon, &link).await;
    assert_eq!((status, bytes), (StatusCode::OK, pdf));
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    for bad in [format!("/public/calls/{cid}/files/999999"), format!("/public/calls/{cid}/files/x")]
    {
        assert_eq!(t.get(&anon, &bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

async fn the_api_gives_the_same(t: &TestApp, call: &innocity_store::projects::Call) {
    let r = json(t, "GET", "/api/v1/public/calls", None, serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    let all = r.json();
    let first = &all.as_array().unwrap()[0];
    assert_eq!(first["standing"], "open", "open calls first: {all}");
    let mine = all.as_array().unwrap().iter().find(|c| c["id"] == call.id).unwrap();
    assert_eq!(mine["url"], format!("/public/calls/{}", call.id));
    assert_eq!(mine["applicant_deadline"], call.deadlines.applicant.to_string());
    let uri = format!("/api/v1/public/calls/{}", call.id);
    let d = json(t, "GET", &uri, None, serde_json::Value::Null).await.json();
    assert_eq!(d["title"], call.title.as_str());
    assert_eq!(d["guidelines"], call.guidelines.as_str());
    assert!(
        !d["eligibility"].as_array().unwrap().is_empty()
            && !d["review_plan"].as_array().unwrap().is_empty()
    );
    assert_eq!(d["files"][0]["name"], "申报指南.pdf");
    for bad in ["999999", "abc"] {
        let r =
            json(t, "GET", &format!("/api/v1/public/calls/{bad}"), None, serde_json::Value::Null)
                .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

async fn unknown_calls_are_a_404_that_leads_on(t: &TestApp) {
    let anon = Session::default();
    for (bad, said) in
        [("999999", "“999999”"), ("abc", "没有这个申报通知"), ("%E4%B8%AD", "没有这个申报通知")]
    {
        let page = t.get(&anon, &format!("/public/calls/{bad}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(
            page.body.contains("id=\"call-missing\"") && page.body.contains("id=\"pcalls-open\""),
            "{}",
            page.body
        );
        assert!(page.body.contains(said), "{bad}: {said}");
    }
    // Text in the address that is no id is not repeated on the page.
    let page = t.get(&anon, "/public/calls/%E5%B7%B2%E6%92%A4%E5%9B%9E").await.body;
    assert!(!page.contains("已撤回”"), "not echoed");
}

/// A call limited to an area says so among who may apply, on the page and in the API.
async fn an_area_limit_is_said(t: &TestApp, cid: i64) {
    let call = store::call(&t.db, cid).await.unwrap().unwrap();
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    let zone = units.iter().find(|u| u.code == "LZGX").unwrap();
    let mut e = call.eligibility.clone();
    e.unit_paths = vec![zone.path.clone()];
    let tx = t.db.begin_write().await.unwrap();
    let sql = "UPDATE calls SET eligibility = ? WHERE id = ?";
    tx.exec(sql, vec![serde_json::to_string(&e).unwrap().into(), cid.into()]).await.unwrap();
    tx.commit().await.unwrap();
    let page = t.get(&Session::default(), &format!("/public/calls/{cid}")).await.body;
    assert!(page.contains("申报单位须位于：兰州高新区"), "{page}");
    let uri = format!("/api/v1/public/calls/{cid}");
    let d = json(t, "GET", &uri, None, serde_json::Value::Null).await.json();
    assert!(d["eligibility"].to_string().contains("兰州高新区"), "{d}");
}

/// A call opening later is listed as opening soon, without the button.
async fn an_upcoming_call_waits(t: &TestApp, cid: i64) {
    let later = (t.db.clock.today() + chrono::Days::new(10)).to_string();
    let tx = t.db.begin_write().await.unwrap();
    let sql = "UPDATE calls SET status = 'open', opens_on = ? WHERE id = ?";
    tx.exec(sql, vec![later.into(), cid.into()]).await.unwrap();
    tx.commit().await.unwrap();
    let anon = Session::default();
    let page = t.get(&anon, &format!("/public/calls/{cid}")).await.body;
    assert!(page.contains("data-standing=\"upcoming\"") && !page.contains("id=\"apply\""));
    let list = t.get(&anon, "/public/calls").await.body;
    assert!(table(&list, "pcalls-upcoming").contains(&format!("href=\"/public/calls/{cid}\"")));
}

async fn a_closed_call_offers_no_button(t: &TestApp, cid: i64) {
    let tx = t.db.begin_write().await.unwrap();
    tx.exec("UPDATE calls SET status = 'closed' WHERE id = ?", vec![cid.into()]).await.unwrap();
    tx.commit().await.unwrap();
    let anon = Session::default();
    let page = t.get(&anon, &format!("/public/calls/{cid}")).await.body;
    assert!(page.contains("data-standing=\"closed\"") && !page.contains("id=\"apply\""));
    let list = t.get(&anon, "/public/calls").await.body;
    let href = format!("href=\"/public/calls/{cid}\"");
    assert!(
        table(&list, "pcalls-closed").contains(&href)
            && !table(&list, "pcalls-open").contains(&href)
    );
}
