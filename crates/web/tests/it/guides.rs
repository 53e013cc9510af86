//! The service guide (issue 20 item 2) through the real router: anyone finds a service by area
//! or by search and starts it; staff rewrite a guide, a stale edit being refused with the
//! editor's text kept; the API reads the same and edits with `If-Match` (412) or the body's
//! version (409), never losing or half-writing a guide.
use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use innocity_core::guides;

#[tokio::test]
async fn anyone_finds_a_service_by_area_or_search_and_starts_it() {
    // With the expert library, so the expert's own profile page exists.
    let t = Fixture::demo().experts().build().await;
    let anon = Session::default();
    let list = t.get(&anon, "/public/guides").await;
    assert_eq!(list.status, StatusCode::OK);
    for g in guides::builtin() {
        assert!(list.body.contains(&format!("id=\"guide-{}\"", g.code)), "{}", g.code);
    }
    for want in
        ["id=\"area-projects\"", "项目与评审", "<meta name=\"description\"", "id=\"guides-q\""]
    {
        assert!(list.body.contains(want), "{want}");
    }
    // Two clicks from the home page: its 办事指南 tile, then the service.
    let home = t.get(&anon, "/").await.body;
    assert!(home.contains("href=\"/public/guides\" id=\"home-guides\""));
    assert!(home.contains("id=\"guides-link\""), "in the header of every page");
    // Every service on the home page leads to a page a visitor may read.
    let tiles: Vec<&str> = home.split("<li class=\"tile\"><a href=\"").skip(1).collect();
    assert_eq!(tiles.len(), 9, "{home}");
    for tile in tiles {
        let href = &tile[..tile.find('"').unwrap()];
        assert_eq!(t.get(&anon, href).await.status, StatusCode::OK, "{href}");
    }

    let found = t.get(&anon, "/public/guides?q=%E5%88%9B%E6%96%B0%E5%88%B8").await.body; // 创新券
    assert!(found.contains("id=\"guide-voucher\""));
    assert!(!found.contains("id=\"guide-stats-report\""), "only what matches");
    assert!(found.contains("与“创新券”相关的服务共"), "{found}");
    // Words and query syntax of any length are answered, never an error.
    // (10,000 Latin letters, or 2,000 Chinese characters: 18 KB once encoded in the address.)
    let (long, chinese) = ("q".repeat(10_000), "合".repeat(2_000));
    for q in [long.as_str(), chinese.as_str(), "\" OR 1=1 --", "(*)[]{}", "%%%"] {
        let uri = format!("/public/guides?{}", serde_urlencoded::to_string([("q", q)]).unwrap());
        let r = t.get(&anon, &uri).await;
        assert_eq!(r.status, StatusCode::OK, "{q}");
        assert!(r.body.contains("id=\"guides-none\""), "nothing found for {q}");
    }
    assert_eq!(t.get(&anon, "/public/guides?q=%ZZ&q=1").await.status, StatusCode::OK);

    let page = t.get(&anon, "/public/guides/voucher").await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "<h1 id=\"guide-title\">创新券申领与使用</h1>",
        "href=\"/vouchers/mine\" id=\"guide-start\"",
        "id=\"guide-sign-in\"",
        "id=\"guide-steps\"",
        "不收取任何费用",
        "<meta property=\"og:title\" content=\"创新券申领与使用\">",
    ] {
        assert!(page.body.contains(want), "{want}");
    }
    assert!(!page.body.contains("id=\"guide-edit\""), "visitors do not edit");
    let en = t.get(&anon, "/public/guides/voucher?lang=en").await.body;
    assert!(en.contains("Applying for and using innovation vouchers"));

    every_button_starts_its_service(&t).await;

    let missing = t.get(&anon, "/public/guides/%3Cb%3Emarker%3C%2Fb%3E").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains("id=\"guide-missing\"")
            && missing.body.contains("id=\"guide-voucher\"")
    );
    // Only the language switch repeats the address, percent-encoded: no markup from it.
    assert!(!missing.body.contains("<b>marker"), "nothing from the address is shown as markup");
}

/// Every service's button leads somewhere real — the page, or sign-in and back to it — and
/// opens for the people the guide is written for.
async fn every_button_starts_its_service(t: &TestApp) {
    let anon = Session::default();
    for g in guides::builtin() {
        let r = t.get(&anon, &g.start).await;
        let to_sign_in =
            r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next=");
        assert!(r.status == StatusCode::OK || to_sign_in, "{}: {} {:?}", g.code, g.start, r.status);
    }
    // … and opens for the people the guide is written for.
    for (code, who) in [
        ("apply-call", "member"),
        ("stats-report", "member"),
        ("contract-registration", "member"),
        ("achievement", "member"),
        ("demand", "member"),
        ("tech-sme", "orgadmin"),
        ("high-tech", "orgadmin"),
        ("voucher", "orgadmin"),
        ("instrument-booking", "member"),
        ("expert-enrolment", "expert"),
        ("financing", "member"),
    ] {
        let start = &guides::find(code).unwrap().start;
        let s = t.login(who).await;
        assert_eq!(t.get(&s, start).await.status, StatusCode::OK, "{code}: {who} {start}");
    }
    assert_eq!(guides::builtin().len(), 11, "every guide is in the list above");
}

/// The edit form's fields for a text: what the page sends.
fn form_of(zh: &guides::GuideText, en: &guides::GuideText, version: &str) -> Vec<(String, String)> {
    let mut out = vec![("version".to_string(), version.to_string())];
    for (lang, g) in [("zh", zh), ("en", en)] {
        for (f, v) in [
            ("title", g.title.clone()),
            ("summary", g.summary.clone()),
            ("who", g.who.clone()),
            ("conditions", g.conditions.join("\n")),
            ("materials", g.materials.join("\n")),
            ("steps", g.steps.join("\r\n")),
            ("time_limit", g.time_limit.clone()),
            ("fees", g.fees.clone()),
            ("contact", g.contact.clone()),
        ] {
            out.push((format!("{lang}.{f}"), v));
        }
    }
    out
}

async fn post(t: &TestApp, s: &Session, uri: &str, fields: &[(String, String)]) -> Resp {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    t.post_form(s, uri, &refs).await
}

async fn audited(t: &TestApp, code: &str) -> i64 {
    let row =
        t.db.query_one(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'guides.update' AND entity_id = ?",
            vec![code.into()],
        )
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn staff_rewrite_a_guide_and_a_stale_edit_loses_nothing() {
    let t = app().await;
    let staff = t.login("bureau").await;
    let shipped = guides::find("voucher").unwrap();
    let page = t.get(&staff, "/public/guides/voucher").await.body;
    assert!(page.contains("href=\"/public/guides/voucher/edit\" id=\"guide-edit\""));
    let form = t.get(&staff, "/public/guides/voucher/edit").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"version\" value=\"0\""));
    assert!(form.body.contains("创新券申领与使用"));

    let mut zh = shipped.zh.clone();
    zh.title = "创新券申领（2027年度）".into();
    zh.steps.push("兑付完成后在线评价服务".into());
    let r = post(&t, &staff, "/public/guides/voucher/edit", &form_of(&zh, &shipped.en, "0")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/public/guides/voucher");
    let anon = t.get(&Session::default(), "/public/guides/voucher").await.body;
    assert!(anon.contains("创新券申领（2027年度）") && anon.contains("兑付完成后在线评价服务"));
    assert!(anon.contains("id=\"guide-updated\""));
    assert!(!anon.contains("bureau"), "when it was edited, not the editor's sign-in name");
    assert_eq!(audited(&t, "voucher").await, 1);

    // A second editor who read version 0: refused (409), their text kept on version 1.
    let mut theirs = shipped.zh.clone();
    theirs.title = "另一位编辑的标题".into();
    let r =
        post(&t, &staff, "/public/guides/voucher/edit", &form_of(&theirs, &shipped.en, "0")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("id=\"guide-stale\"") && r.body.contains("第 1 版"), "{}", r.body);
    assert!(r.body.contains("value=\"另一位编辑的标题\""), "the editor's text is kept");
    assert!(r.body.contains("name=\"version\" value=\"1\""));
    let now = t.get(&Session::default(), "/public/guides/voucher").await.body;
    assert!(now.contains("创新券申领（2027年度）"), "the first edit stands");
    assert_eq!(audited(&t, "voucher").await, 1);

    // Bad input: every field named, nothing stored.
    let mut bad = zh.clone();
    bad.title = String::new();
    bad.materials = vec!["材料".into(); guides::ITEMS_MAX + 1];
    let mut en = shipped.en.clone();
    en.summary = "x".repeat(guides::TEXT_MAX + 1);
    let r = post(&t, &staff, "/public/guides/voucher/edit", &form_of(&bad, &en, "1")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for want in ["此项必填", "最多 30 项", "不能超过 500 个字符", "id=\"form-errors\""]
    {
        assert!(r.body.contains(want), "{want}");
    }
    let r =
        post(&t, &staff, "/public/guides/voucher/edit", &[("version".into(), "一".into())]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(audited(&t, "voucher").await, 1);
    let r = post(&t, &staff, "/public/guides/nope/edit", &form_of(&zh, &en, "0")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Anyone else is refused, and the form needs its CSRF token.
    let member = t.login("member").await;
    let r = post(&t, &member, "/public/guides/voucher/edit", &form_of(&zh, &shipped.en, "1")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let forged = Session { csrf: "forged".into(), ..staff.clone() };
    let r = post(&t, &forged, "/public/guides/voucher/edit", &form_of(&zh, &shipped.en, "1")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(audited(&t, "voucher").await, 1);
}

fn put(s: &Session, uri: &str, if_match: Option<&str>, body: &serde_json::Value) -> Request<Body> {
    let mut r = Request::put(uri).header(header::CONTENT_TYPE, "application/json");
    r = if s.cookies.is_empty() {
        // A machine without a valid token.
        r.header(header::AUTHORIZATION, "Bearer nope")
    } else {
        r.header(header::COOKIE, s.cookie_header()).header("x-csrf-token", &s.csrf)
    };
    if let Some(v) = if_match {
        r = r.header(header::IF_MATCH, v);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn the_api_reads_the_guides_and_edits_them_by_version() {
    let t = app().await;
    let anon = Session::default();
    let list = t.get(&anon, "/api/v1/public/guides").await.json();
    let codes: Vec<&str> =
        list.as_array().unwrap().iter().map(|g| g["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), guides::builtin().len());
    assert_eq!(list[0]["area"], "stats", "the areas in the menu's order");
    let found = t.get(&anon, "/api/v1/public/guides?q=%E5%90%88%E5%90%8C").await.json(); // 合同
    let codes: Vec<&str> =
        found.as_array().unwrap().iter().map(|g| g["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"contract-registration") && !codes.contains(&"voucher"), "{codes:?}");
    let one = t.get(&anon, "/api/v1/public/guides/voucher").await;
    assert_eq!(one.headers.get(header::ETAG).unwrap(), "\"0\"");
    let g = one.json();
    assert_eq!((g["version"].as_i64(), g["start"].as_str()), (Some(0), Some("/vouchers/mine")));
    assert_eq!(t.get(&anon, "/api/v1/public/guides/nope").await.status, StatusCode::NOT_FOUND);

    let mut body = serde_json::json!({ "zh": g["zh"], "en": g["en"] });
    body["zh"]["title"] = "创新券（接口修改）".into();
    let uri = "/api/v1/guides/voucher";
    assert_eq!(
        t.send(put(&anon, uri, Some("\"0\""), &body)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let member = t.login("member").await;
    assert_eq!(t.send(put(&member, uri, Some("\"0\""), &body)).await.status, StatusCode::FORBIDDEN);

    let staff = t.login("bureau").await;
    assert_eq!(
        t.send(put(&staff, uri, None, &body)).await.status,
        StatusCode::PRECONDITION_REQUIRED
    );
    assert_eq!(t.send(put(&staff, uri, Some("soon"), &body)).await.status, StatusCode::BAD_REQUEST);
    let r = t.send(put(&staff, uri, Some("\"0\""), &body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers.get(header::ETAG).unwrap(), "\"1\"");
    assert_eq!(r.json()["zh"]["title"], "创新券（接口修改）");

    // `*` matches whatever is current; a line break in a one-line field is kept to one line,
    // a list item holding one becomes two (as the form would send them back).
    body["zh"]["title"] = "创新券\n（接口修改）".into();
    body["zh"]["steps"] = serde_json::json!(["登录\n申请", "使用"]);
    let r = t.send(put(&staff, uri, Some("*"), &body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers.get(header::ETAG).unwrap(), "\"2\"");
    assert_eq!(r.json()["zh"]["title"], "创新券 （接口修改）");
    assert_eq!(r.json()["zh"]["steps"], serde_json::json!(["登录", "申请", "使用"]));

    // Stale: If-Match 412, the body's version 409; nothing changed either way.
    body["zh"]["title"] = "过期的修改".into();
    let r = t.send(put(&staff, uri, Some("\"0\""), &body)).await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(r.json()["error"]["code"], "precondition_failed");
    body["version"] = 0.into();
    let r = t.send(put(&staff, uri, None, &body)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["code"], "stale");
    let now = t.get(&anon, "/api/v1/public/guides/voucher").await.json();
    assert_eq!(
        (now["version"].as_i64(), now["zh"]["title"].as_str()),
        (Some(2), Some("创新券 （接口修改）"))
    );

    // Invalid: each field named as in the body; unknown guide 404.
    body["version"] = 2.into();
    body["zh"]["title"] = "".into();
    body["en"]["steps"] = serde_json::json!([]);
    let r = t.send(put(&staff, uri, None, &body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &r.json()["error"]["fields"];
    assert!(fields["zh.title"].is_string() && fields["en.steps"].is_string(), "{fields}");
    let r = t.send(put(&staff, "/api/v1/guides/nope", Some("\"0\""), &body)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(audited(&t, "voucher").await, 2);
}
