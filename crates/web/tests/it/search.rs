//! Site-wide search (issue 20 item 3) through the real router: a visitor finds calls, guides
//! and achievements by Chinese words, narrowed by kind, the words marked; a signed-in person
//! also finds their own applications and reviews, and nobody finds what their scope does not
//! reach; long queries, query syntax and wrong parameters get an answer, never a 5xx; what
//! changed is found at once.
use crate::common::*;
use axum::http::StatusCode;
use innocity_store::projects::{self as store, Reach};

fn uri(path: &str, pairs: &[(&str, &str)]) -> String {
    format!("{path}?{}", serde_urlencoded::to_string(pairs).unwrap())
}

async fn member_id(t: &TestApp) -> i64 {
    let r =
        t.db.query_one("SELECT id FROM users WHERE username = 'member'", vec![])
            .await
            .unwrap()
            .unwrap();
    r.try_get::<i64>("", "id").unwrap()
}

/// The kinds and urls the API finds for `q`, as this session.
async fn found(t: &TestApp, s: &Session, q: &str) -> Vec<(String, String)> {
    let r = t.get(s, &uri("/api/v1/search", &[("q", q), ("per_page", "100")])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["kind"].as_str().unwrap().to_string(), h["url"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn a_visitor_finds_public_things_by_chinese_words_narrowed_by_kind() {
    let t = Fixture::demo().projects().experts().market().build().await;
    let anon = Session::default();
    let call = store::calls(&t.db).await.unwrap().into_iter().next().unwrap();
    let page = t.get(&anon, &uri("/search", &[("q", &call.title)])).await;
    assert_eq!(page.status, StatusCode::OK);
    let href = format!("href=\"/public/calls/{}\"", call.id);
    assert!(page.body.contains(&href), "the call is found by its title");
    assert!(page.body.contains("<mark>"), "the words are marked");
    assert!(page.body.contains("id=\"facet-call\""), "counted by kind");
    assert!(page.body.contains("id=\"top-search\""), "the header's box is on every page");
    // The call's page opens for the visitor.
    assert_eq!(t.get(&anon, &format!("/public/calls/{}", call.id)).await.status, StatusCode::OK);

    // A service by its name, and an achievement by words of its title.
    let guides = found(&t, &anon, "创新券").await;
    assert!(guides.contains(&("guide".into(), "/public/guides/voucher".into())), "{guides:?}");
    let listed = innocity_store::market::listed(&t.db).await.unwrap();
    let a = &listed[7];
    let hits = found(&t, &anon, &a.title).await;
    assert_eq!(
        hits.first(),
        Some(&("achievement".into(), format!("/market/achievements/{}", a.id))),
        "{hits:?}"
    );

    // Narrowed to one kind: only that kind, the counts of all still shown.
    let r = t.get(&anon, &uri("/api/v1/search", &[("q", "技术"), ("kind", "achievement")])).await;
    let body = r.json();
    assert!(body["hits"].as_array().unwrap().iter().all(|h| h["kind"] == "achievement"));
    let kinds: Vec<&str> =
        body["by_kind"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert!(kinds.len() > 1 && kinds.contains(&"achievement"), "{kinds:?}");
    let total = body["total"].as_u64().unwrap();
    let counted = body["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "achievement")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    assert_eq!(total, counted);
    // The pages walk the results: the second page starts where the first ended.
    let p2 = t
        .get(
            &anon,
            &uri("/api/v1/search", &[("q", "技术"), ("kind", "achievement"), ("page", "2")]),
        )
        .await
        .json();
    assert_ne!(p2["hits"][0]["id"], body["hits"][0]["id"]);
    assert_eq!(p2["total"], body["total"]);
}

#[tokio::test]
async fn each_finds_their_own_and_nothing_beyond_their_scope() {
    let t = Fixture::demo().projects().experts().build().await;
    let member = member_id(&t).await;
    let own = store::applications(&t.db, Reach::Leader(member), None, None).await.unwrap();
    let mine = own.first().expect("the demo's member leads applications");
    let url = format!("/applications/{}", mine.id);
    let wanted = ("application".to_string(), url.clone());
    for (who, sees) in [
        ("member", true),
        ("orgadmin", true),
        ("bureau", true),
        ("zone", true),
        ("zone2", false),
        ("orgadmin2", false),
        ("expert", false),
        ("public", false),
    ] {
        let s = t.login(who).await;
        let hits = found(&t, &s, &mine.title).await;
        assert_eq!(hits.contains(&wanted), sees, "{who}: {hits:?}");
        if sees {
            assert_eq!(t.get(&s, &url).await.status, StatusCode::OK, "{who} opens what they found");
        }
    }
    let anon = Session::default();
    let hits = found(&t, &anon, &mine.title).await;
    assert!(hits.iter().all(|(k, _)| k != "application"), "{hits:?}");
    let page = t.get(&anon, &uri("/search", &[("q", &mine.title)])).await.body;
    assert!(!page.contains(&url) && !page.contains("id=\"facet-application\""));

    // An expert finds the items they were asked to review; another account does not.
    let expert = innocity_store::experts::by_user(&t.db, user_id(&t, "expert").await)
        .await
        .unwrap()
        .unwrap();
    let assigned = innocity_store::experts::assignments_of_expert(&t.db, expert.id).await.unwrap();
    let first = assigned
        .iter()
        .find(|a| a.status == "assigned" || a.status == "submitted")
        .expect("the demo's expert has reviews");
    let item = innocity_store::experts::item(&t.db, first.item_id).await.unwrap().unwrap();
    let review = ("review".to_string(), format!("/my/reviews/{}", first.id));
    let s = t.login("expert").await;
    assert!(found(&t, &s, &item.title).await.contains(&review));
    let s = t.login("member").await;
    assert!(!found(&t, &s, &item.title).await.contains(&review));
}

async fn user_id(t: &TestApp, username: &str) -> i64 {
    let r =
        t.db.query_one("SELECT id FROM users WHERE username = ?", vec![username.into()])
            .await
            .unwrap()
            .unwrap();
    r.try_get::<i64>("", "id").unwrap()
}

#[tokio::test]
async fn any_query_is_answered_and_a_wrong_parameter_named() {
    let t = Fixture::demo().projects().build().await;
    let anon = Session::default();
    let (long, chinese) = ("q".repeat(10_000), "申报".repeat(1_000));
    for q in [
        long.as_str(),
        chinese.as_str(),
        "\" OR 1=1 --",
        "title:(*) AND ~2 ^3",
        "<script>alert(1)</script>",
        "%%%",
        "",
    ] {
        let r = t.get(&anon, &uri("/search", &[("q", q)])).await;
        assert_eq!(r.status, StatusCode::OK, "{q}");
        assert!(!r.body.contains("<script>alert"), "never shown as markup");
        let r = t.get(&anon, &uri("/api/v1/search", &[("q", q)])).await;
        assert_eq!(r.status, StatusCode::OK, "{q}");
    }
    let r = t.get(&anon, &uri("/api/v1/search", &[("q", &chinese)])).await.json();
    assert_eq!(r["clipped"], true);
    assert!(r["total"].as_u64().unwrap() > 0, "its first 100 characters searched");
    let page = t.get(&anon, &uri("/search", &[("q", &chinese)])).await.body;
    assert!(page.contains("id=\"search-clipped\""));
    for (k, v) in [("kind", "users"), ("page", "0"), ("page", "x"), ("per_page", "1000")] {
        let r = t.get(&anon, &uri("/api/v1/search", &[("q", "申报"), (k, v)])).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{k}={v}");
        assert!(r.body.contains(k), "the parameter is named: {}", r.body);
    }
    let r = t.get(&anon, &uri("/search", &[("q", "申报"), ("kind", "users")])).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("id=\"search-bad\"") && r.body.contains("“kind”"), "{}", r.body);
    assert!(r.body.contains("id=\"search-hits\""), "searched all kinds all the same");
}

#[tokio::test]
async fn what_changed_is_found_at_once() {
    let t = Fixture::demo().build().await;
    let anon = Session::default();
    assert!(found(&t, &anon, "氢燃料电池检测服务").await.iter().all(|(k, _)| k != "guide"));
    // A sign-in is audited but changes nothing the index holds: the index is kept.
    use innocity_store::search::{changes, indexed_changes_between};
    let before = changes(&t.db).await.unwrap();
    let bureau = t.login("bureau").await;
    let signed_in = changes(&t.db).await.unwrap();
    assert!(signed_in > before, "the sign-in is audited");
    assert!(!indexed_changes_between(&t.db, before, signed_in).await.unwrap());
    // Staff rewrite a guide's title; the next search finds the new words.
    let guide = t.get(&bureau, "/api/v1/public/guides/voucher").await.json();
    let mut body =
        serde_json::json!({"version": guide["version"], "zh": guide["zh"], "en": guide["en"]});
    body["zh"]["title"] = "创新券与氢燃料电池检测服务".into();
    let mut req = axum::http::Request::put("/api/v1/guides/voucher")
        .header("content-type", "application/json")
        .header("cookie", bureau.cookie_header())
        .header("x-csrf-token", bureau.csrf.clone())
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    req.headers_mut().insert("accept", "application/json".parse().unwrap());
    assert_eq!(t.send(req).await.status, StatusCode::OK);
    let edited = changes(&t.db).await.unwrap();
    assert!(indexed_changes_between(&t.db, signed_in, edited).await.unwrap());
    let hits = found(&t, &anon, "氢燃料电池检测服务").await;
    assert_eq!(hits.first(), Some(&("guide".into(), "/public/guides/voucher".into())), "{hits:?}");
}

#[tokio::test]
async fn a_visitor_reads_the_policies_and_finds_them_by_search() {
    let t = Fixture::demo().build().await;
    let bureau = t.login("bureau").await;
    let body = serde_json::json!({
        "code": "RD-PLUS", "title": "企业研发投入后补助办法", "issuer": "兰州市科学技术局",
        "doc_number": "兰科发〔2026〕3号", "issued_on": "2026-02-01", "effective_from": "2026-01-01",
        "effective_to": "2028-12-31", "eligible": "#{RD_EXP} > 0", "amount": "#{RD_EXP} * 0.1",
        "firm_cap_fen": 5000000, "programme_cap_fen": null
    });
    let made = t.post_json(&bureau, "/api/v1/policies", &body).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = made.json()["id"].as_i64().unwrap();
    let anon = Session::default();
    let list = t.get(&anon, "/finance/policies").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("企业研发投入后补助办法") && !list.body.contains("id=\"new-policy\"")
    );
    let page = t.get(&anon, &format!("/finance/policies/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("兰科发〔2026〕3号"));
    assert!(
        !page.body.contains("id=\"run-form\"") && !page.body.contains("id=\"rule-form\""),
        "runs and rule changes stay with the bureau"
    );
    assert_eq!(t.get(&anon, "/finance/policies/999999").await.status, StatusCode::NOT_FOUND);
    let api = t.get(&anon, &format!("/api/v1/policies/{id}")).await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.json()["doc_number"], "兰科发〔2026〕3号");
    let hits = found(&t, &anon, "研发投入后补助").await;
    assert_eq!(
        hits.first(),
        Some(&("policy".into(), format!("/finance/policies/{id}"))),
        "{hits:?}"
    );
    // Writing stays with the bureau: a visitor's and a firm's attempts are refused.
    let firm = t.login("orgadmin").await;
    assert_eq!(t.post_json(&firm, "/api/v1/policies", &body).await.status, StatusCode::FORBIDDEN);
    let r = t.post_form(&anon, "/finance/policies", &[("code", "X")]).await;
    assert!(r.status == StatusCode::FORBIDDEN || r.status.is_redirection(), "{}", r.status);
}
