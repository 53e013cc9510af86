//! Owners are told of new matches in the platform, both ways, each pair once.
use super::{ANYONE, bearer, json, papers};
use crate::common::*;
use axum::http::StatusCode;
use innocity_store::market::notices;

/// A demand written from a listed paper tells the paper's owner; an achievement listed later
/// tells the demand's enterprise (its notices page and the API), never its own organisation;
/// reading marks them read; a pair is told once.
#[tokio::test]
async fn owners_are_told_of_new_matches_both_ways_and_once() {
    let t = Fixture::demo().market().build().await;
    let (enterprise, other, office) =
        (bearer(&t, "orgadmin").await, bearer(&t, "orgadmin2").await, bearer(&t, "bureau").await);
    let paper = &papers()[0];
    let deadline = (t.db.clock.today() + chrono::Days::new(60)).to_string();
    let demand = serde_json::json!({ "title": format!("寻求{}", paper.title), "description": format!("我公司需要：{}", paper.keywords.join("、")), "deadline": deadline });
    let r = json(&t, "POST", "/api/v1/market/demands", Some(&enterprise), demand).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let demand_id = r.json()["id"].as_i64().unwrap();
    let q = serde_urlencoded::to_string([("q", paper.title.as_str())]).unwrap();
    let hit = t.get(&ANYONE, &format!("/api/v1/market/achievements?{q}&limit=1")).await.json();
    let achievement = hit["items"][0]["id"].as_i64().unwrap();
    let owner = innocity_store::market::achievement(&t.db, achievement).await.unwrap().unwrap();
    let told = notices::of_organisation(&t.db, owner.organisation_id, 20).await.unwrap();
    let n = told.iter().find(|n| n.subject_id == demand_id).expect("the paper's owner is told");
    assert_eq!((n.kind.as_str(), n.about_id), (notices::DEMAND, achievement));
    assert!(!n.shared.is_empty());
    // orgadmin2 lists an achievement on salt-affected land; orgadmin has a demand about it.
    let salt = serde_json::json!({ "title": "寻求盐碱地改良微生物菌剂技术", "description": "土壤盐碱化严重，需要耐盐碱复合菌剂改良技术。", "deadline": deadline });
    let r = json(&t, "POST", "/api/v1/market/demands", Some(&enterprise), salt).await;
    let salt_demand = r.json()["id"].as_i64().unwrap();
    let body = serde_json::json!({ "title": "盐碱地改良用微生物菌剂", "description": "耐盐碱复合菌剂，白银示范 500 亩。", "keywords": "盐碱地；菌剂", "maturity": 7, "modes": ["transfer"], "price_wan": "35", "ip": [] });
    let r = json(&t, "POST", "/api/v1/market/my/achievements", Some(&other), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let mine = format!("/api/v1/market/my/achievements/{id}/actions");
    let submit = serde_json::json!({ "action": "submit", "version": 1 });
    assert_eq!(json(&t, "POST", &mine, Some(&other), submit).await.status, StatusCode::OK);
    let list = serde_json::json!({ "action": "list", "version": 2 });
    let r = json(&t, "POST", &format!("/api/v1/market/registry/{id}/actions"), Some(&office), list)
        .await;
    assert_eq!(r.json()["status"], "listed", "{}", r.body);
    // Listed today: in its public notice for fifteen days, today the first.
    let public = t.get(&ANYONE, &format!("/api/v1/market/achievements/{id}")).await.json();
    let last = (t.db.clock.today() + chrono::Days::new(14)).to_string();
    assert_eq!(public["notice_until"].as_str(), Some(last.as_str()), "{public}");
    let page = t.get(&ANYONE, &format!("/market/achievements/{id}")).await.body;
    assert!(page.contains("id=\"in-notice\"") && page.contains("公示中"), "{page}");
    let get = |token: &str| {
        axum::http::Request::get("/api/v1/market/notices")
            .header("authorization", token)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let mine = t.send(get(&enterprise)).await.json();
    let item = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["subject_id"] == id)
        .unwrap_or_else(|| panic!("orgadmin is told: {mine}"));
    assert_eq!(
        (item["kind"].as_str(), item["about_id"].as_i64()),
        (Some("achievement"), Some(salt_demand))
    );
    assert!(
        item["shared"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("盐碱"))
    );
    assert!(mine["unread"].as_i64().unwrap() >= 1);
    let theirs = t.send(get(&other)).await.json();
    assert!(
        theirs["items"].as_array().unwrap().iter().all(|i| i["subject_id"] != id),
        "not told of its own"
    );
    read_and_told_once(&t, &enterprise, id, salt_demand).await;
}

/// The page lists the notices; the button marks them read; a pair is told once.
async fn read_and_told_once(t: &TestApp, enterprise: &str, id: i64, salt_demand: i64) {
    let get = |token: &str| {
        axum::http::Request::get("/api/v1/market/notices")
            .header("authorization", token)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    // The page; marking read.
    let s = t.login("orgadmin").await;
    let page = t.get(&s, "/market/notices").await;
    assert!(
        page.body.contains("盐碱地改良用微生物菌剂") && page.body.contains("id=\"notices-read\"")
    );
    assert_eq!(t.post_form(&s, "/market/notices/read", &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.send(get(enterprise)).await.json()["unread"], 0);
    assert_eq!(
        t.get(&t.login("bureau").await, "/market/notices").await.status,
        StatusCode::FORBIDDEN
    );
    // A pair is told once.
    let again = notices::NewNotice {
        organisation_id: t.user_org("orgadmin").await,
        kind: notices::ACHIEVEMENT,
        subject_id: id,
        subject_title: "盐碱地改良用微生物菌剂".into(),
        about_id: salt_demand,
        about_title: String::new(),
        shared: vec![],
    };
    assert_eq!(notices::notify(&t.db, &[again]).await.unwrap(), 0);
}
