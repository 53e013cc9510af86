//! Technical demands and matching both ways.
use super::{ANYONE, bearer, json};
use crate::common::*;
use axum::http::StatusCode;

/// The demo's demands are written from papers: each demand's page offers the paper it came
/// from among its first matches, with the shared words; that achievement's page offers the
/// demand back.
#[tokio::test]
async fn a_demand_and_the_achievement_it_was_written_from_find_each_other() {
    let t = Fixture::demo().market().build().await;
    let list = t.get(&ANYONE, "/api/v1/market/demands").await.json();
    let demands = list.as_array().unwrap();
    assert!(demands.len() >= 60, "{}", demands.len());
    let papers = super::papers();
    let mut source_in_top3 = 0;
    for d in demands.iter().take(20) {
        let id = d["id"].as_i64().unwrap();
        let one = t.get(&ANYONE, &format!("/api/v1/market/demands/{id}")).await.json();
        let matches = one["matches"].as_array().unwrap();
        assert!(!matches.is_empty(), "{one}");
        assert!(matches[0]["shared"].as_array().is_some_and(|s| !s.is_empty()), "why: {one}");
        // The paper the demand was written from: its opening clause is the demand's problem.
        let text = d["description"].as_str().unwrap();
        let source = papers.iter().find(|p| {
            let opening = p
                .description
                .split(['。', '；', '，', ','])
                .map(str::trim)
                .find(|c| c.chars().count() >= 6);
            opening.is_some_and(|c| text.contains(c))
        });
        let Some(source) = source else { continue };
        if matches.iter().take(3).any(|m| m["title"] == source.title.as_str()) {
            source_in_top3 += 1;
        }
    }
    assert!(
        source_in_top3 >= 15,
        "the paper a demand was written from is among its first three matches: {source_in_top3}/20"
    );
    let first = demands[0]["id"].as_i64().unwrap();
    let page = t.get(&ANYONE, &format!("/market/demands/{first}")).await;
    assert!(
        page.body.contains("共同关键词") && page.body.contains("推荐的科技成果"),
        "{}",
        page.body
    );
    let top = t.get(&ANYONE, &format!("/api/v1/market/demands/{first}")).await.json()["matches"][0]
        ["id"]
        .as_i64()
        .unwrap();
    let achievement = t.get(&ANYONE, &format!("/market/achievements/{top}")).await;
    assert!(achievement.body.contains("可能解决的技术需求"), "{}", achievement.body);
    assert!(
        achievement.body.contains(&format!("/market/demands/{first}")),
        "the demand is offered back"
    );
}

/// An enterprise publishes (a past deadline named under its field, a negative budget too);
/// the API takes the same; another account cannot close it.
#[tokio::test]
async fn an_enterprise_publishes_a_demand_and_bad_input_is_named() {
    let t = Fixture::demo().build().await;
    let s = t.login("orgadmin").await;
    let fields = [
        ("title", "寻求高镍正极材料循环寿命提升技术"),
        ("description", "现有材料 500 次循环后容量保持率不足 80%。"),
        ("requirements", "1000 次循环容量保持率不低于 90%"),
        ("budget_wan", "-5"),
        ("deadline", "2020-01-01"),
    ];
    let r = t.post_form(&s, "/market/demands", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("截止日期 2020-01-01 已过") && r.body.contains("价格不能小于零"),
        "{}",
        r.body
    );
    let deadline = (t.db.clock.today() + chrono::Duration::days(90)).to_string();
    let good =
        [fields[0], fields[1], fields[2], ("budget_wan", "300"), ("deadline", deadline.as_str())];
    let r = t.post_form(&s, "/market/demands", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location().to_string();
    assert!(
        t.get(&s, "/market/demands/mine").await.body.contains("寻求高镍正极材料循环寿命提升技术")
    );
    let other = t.login("orgadmin2").await;
    let close = format!("{page}/close");
    assert_eq!(
        t.post_form(&other, &close, &[("version", "1")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.post_form(&s, &close, &[("version", "1")]).await.status, StatusCode::SEE_OTHER);
    assert!(t.get(&ANYONE, &page).await.body.contains("已关闭"));
    let token = bearer(&t, "orgadmin").await;
    let body = serde_json::json!({ "title": "寻求尾矿综合利用技术", "description": "铅锌尾矿堆存量大。", "deadline": deadline, "budget_wan": "" });
    let r = json(&t, "POST", "/api/v1/market/demands", Some(&token), body).await;
    assert_eq!(
        (r.status, r.json()["budget_fen"].is_null()),
        (StatusCode::CREATED, true),
        "{}",
        r.body
    );
}

/// A demand's page and operation also offer the organisations whose achievements answer it
/// (ranked by their best three, never the demand's own enterprise) and the library's experts
/// whose fields and publications answer it — each with the words shared, and no expert's
/// contact.
#[tokio::test]
async fn a_demand_offers_organisations_and_experts_with_why() {
    let t = Fixture::demo().experts().market().build().await;
    let list = t.get(&ANYONE, "/api/v1/market/demands").await.json();
    let d = &list.as_array().unwrap()[0];
    let id = d["id"].as_i64().unwrap();
    let one = t.get(&ANYONE, &format!("/api/v1/market/demands/{id}")).await.json();
    let orgs = one["organisations"].as_array().unwrap();
    assert!(!orgs.is_empty() && orgs.len() <= 5, "{one}");
    assert!(orgs.iter().all(|o| o["organisation"] != d["organisation"]), "not its own: {one}");
    let scores: Vec<f64> = orgs.iter().map(|o| o["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
    assert!(orgs[0]["shared"].as_array().is_some_and(|s| !s.is_empty()), "{one}");
    let experts = one["experts"].as_array().unwrap();
    assert!(!experts.is_empty(), "{one}");
    assert!(experts[0]["shared"].as_array().is_some_and(|s| !s.is_empty()), "{one}");
    assert!(experts.iter().all(|e| e.get("contact").is_none()));
    let page = t.get(&ANYONE, &format!("/market/demands/{id}")).await.body;
    assert!(page.contains("id=\"demand-organisations\"") && page.contains("可咨询的专家"));
    assert!(page.contains(experts[0]["name"].as_str().unwrap()));
}
