//! Open challenges (揭榜挂帅): raised from a demand, answered, reviewed by the experts engine,
//! awarded and followed milestone by milestone — through the pages and through the API.
use super::{ANYONE, bearer, json};
use crate::common::*;
use axum::http::StatusCode;
use innocity_demo as demo;
use innocity_store::experts;
use innocity_store::orgs::Actor;

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "test", request_id: "test" };

/// An open demand of orgadmin2's enterprise (so orgadmin may solve it), published through the API.
async fn demand_of_orgadmin2(t: &TestApp) -> i64 {
    let token = bearer(t, "orgadmin2").await;
    let deadline = (t.db.clock.today() + chrono::Days::new(90)).to_string();
    let body = serde_json::json!({ "title": "高镍三元正极材料循环寿命提升", "description": "我公司高镍正极材料 1000 次循环后容量保持率不足 80%，需要表面包覆与掺杂改性技术。", "requirements": "1C 循环 1000 次容量保持率不低于 90%。", "discipline": "材料科学", "budget_wan": "300", "deadline": deadline });
    let r = json(t, "POST", "/api/v1/market/demands", Some(&token), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

/// Every assignment of the round scored, and the round closed (the experts' part).
async fn experts_review_and_close(t: &TestApp, round: i64) {
    let today = t.db.clock.today();
    experts::run_assignment(&t.db, round, today, ACTOR).await.unwrap();
    let assignments = experts::assignments(&t.db, round).await.unwrap();
    assert!(!assignments.is_empty());
    for a in assignments {
        let e = experts::get(&t.db, a.expert_id).await.unwrap().unwrap();
        let user = demo::experts::demo_user_for(&t.db, &e).await.unwrap();
        let input = demo::experts::scores_for(8.0, a.version);
        experts::save_review(&t.db, a.id, user, &input, today, ACTOR).await.unwrap();
    }
    experts::close_round(&t.db, round, ACTOR).await.unwrap();
}

async fn post(t: &TestApp, s: &Session, uri: &str, fields: &[(&str, String)]) -> Resp {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    t.post_form(s, uri, &refs).await
}

fn version(body: &str) -> String {
    body.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

/// The office raises a demand (a bad reward refused, the form kept; a second raise refused);
/// orgadmin's organisation applies once (an empty proposal named field by field); the review
/// waits for the closing day, the award for the closed round; milestones that do not add up are
/// refused; the winner reports, the office sends back, accepts, and the last acceptance
/// finishes the challenge. The public sees the winner, never the proposals' text.
#[tokio::test]
async fn an_open_challenge_is_raised_answered_reviewed_awarded_and_followed_to_the_end() {
    let t = Fixture::demo().experts().build().await;
    let url = raised(&t).await;
    let text = answered(&t, &url).await;
    reviewed_and_awarded(&t, &url, text).await;
    followed_to_the_end(&t, &url).await;
}

/// The office raises orgadmin2's demand; returns the challenge's page.
async fn raised(t: &TestApp) -> String {
    let demand = demand_of_orgadmin2(t).await;
    let (bureau, solver) = (t.login("bureau").await, t.login("orgadmin").await);
    let raise = format!("/market/demands/{demand}/challenge");
    assert_eq!(t.get(&solver, &raise).await.status, StatusCode::FORBIDDEN);
    let form = t.get(&bureau, &raise).await;
    assert!(form.body.contains("value=\"300\""), "the budget is the reward offered");
    let apply_by = (t.db.clock.today() + chrono::Days::new(20)).to_string();
    let terms = "省内企业、高校、科研院所均可揭榜。";
    let fields =
        |reward| vec![("reward_wan", reward), ("apply_by", apply_by.as_str()), ("terms", terms)];
    let r = t.post_form(&bureau, &raise, &fields("-5")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("榜额须大于零") && r.body.contains(terms), "{}", r.body);
    let r = t.post_form(&bureau, &raise, &fields("300")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let url = r.location().to_string();
    assert_eq!(t.post_form(&bureau, &raise, &fields("300")).await.status, StatusCode::CONFLICT);
    assert!(t.get(&ANYONE, &format!("/market/demands/{demand}")).await.body.contains(&url));
    url
}

/// orgadmin's organisation applies (once); returns its proposal's text.
async fn answered(t: &TestApp, url: &str) -> &'static str {
    let solver = t.login("orgadmin").await;
    // Applying: the solver sees the form; an empty proposal is refused by field; once only.
    let page = t.get(&solver, url).await.body;
    assert!(page.contains("id=\"proposal-form\"") && page.contains("300.00 万元"), "{page}");
    assert!(!t.get(&ANYONE, url).await.body.contains("id=\"proposal-form\""));
    let proposals = format!("{url}/proposals");
    let r = t.post_form(&solver, &proposals, &[("title", ""), ("leader", "王建华")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"err-title\"") && r.body.contains("id=\"err-proposal\""));
    assert!(r.body.contains("value=\"王建华\""), "what was typed is kept");
    let text = "采用原子层沉积氧化铝包覆与钨掺杂协同改性，抑制界面副反应。";
    let proposal = [
        ("title", "高镍正极包覆掺杂协同改性"),
        ("leader", "王建华"),
        ("members", "李娜、赵敏"),
        ("proposal", text),
    ];
    let r = t.post_form(&solver, &proposals, &proposal).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t.post_form(&solver, &proposals, &proposal).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("每个单位限交一份"), "{}", r.body);
    assert!(!t.get(&ANYONE, url).await.body.contains(text), "the public never reads proposals");
    assert!(t.get(&solver, url).await.body.contains(text), "the solver reads its own");
    text
}

/// After the closing day the proposals go to the experts; once the round is closed the office
/// picks the winner with milestones that pay the reward.
async fn reviewed_and_awarded(t: &TestApp, url: &str, text: &str) {
    let bureau = t.login("bureau").await;
    // The review waits for the closing day.
    let review = format!("{url}/review");
    let v = version(&t.get(&bureau, url).await.body);
    let deadline = (t.db.clock.today() + chrono::Days::new(40)).to_string();
    let plan = |v: &str, experts: &'static str| {
        vec![
            ("version", v.to_string()),
            ("name", "揭榜方案专家评审".into()),
            ("mode", "assign".into()),
            ("experts", experts.into()),
            ("deadline", deadline.clone()),
        ]
    };
    let r = post(t, &bureau, &review, &plan(&v, "3")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("截止后才能提交专家评审"), "{}", r.body);
    t.db.clock.advance(chrono::Duration::days(21));
    // Three weeks on, both sign in again.
    let (bureau, solver) = (t.login("bureau").await, t.login("orgadmin").await);
    let late = [("title", "迟到的方案"), ("leader", "王伟"), ("proposal", "技术路线。")];
    let r = t.post_form(&solver, &format!("{url}/proposals"), &late).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "past the closing day");
    let r = post(t, &bureau, &review, &plan(&v, "0")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("每项专家数应为 1–15"), "{}", r.body);
    let r = post(t, &bureau, &review, &plan(&v, "3")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let round: i64 = r.location().trim_start_matches("/reviews/").parse().unwrap();
    // The award waits for the closed round; milestones must pay the reward exactly.
    let award = format!("{url}/award");
    let app_id = t
        .get(&bureau, url)
        .await
        .body
        .split("id=\"proposal-")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let v = version(&t.get(&bureau, url).await.body);
    let today = t.db.clock.today();
    let due = |days| (today + chrono::Days::new(days)).to_string();
    let lines = |last: &str| format!("{} 完成包覆工艺 100\n{} 中试验证 {last}", due(60), due(180));
    let pick = |v: &str, milestones: String| {
        vec![
            ("version", v.to_string()),
            ("application_id", app_id.clone()),
            ("reason", String::new()),
            ("milestones", milestones),
        ]
    };
    let r = post(t, &bureau, &award, &pick(&v, lines("200"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("还没有关闭"), "{}", r.body);
    experts_review_and_close(t, round).await;
    let r = post(t, &bureau, &award, &pick(&v, lines("150"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("合计 250 万元，应等于榜额 300 万元"), "{}", r.body);
    let r = post(t, &bureau, &award, &pick(&v, lines("200"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let public = t.get(&ANYONE, url).await.body;
    assert!(public.contains("id=\"challenge-winner\"") && public.contains("已揭榜"), "{public}");
    assert!(public.contains("评审第 1 名") && !public.contains(text));
}

/// The winner reports, the office sends back and accepts, in order, to the end.
async fn followed_to_the_end(t: &TestApp, url: &str) {
    let (bureau, solver) = (t.login("bureau").await, t.login("orgadmin").await);
    // Milestones: only the winner reports, only the office decides, in order.
    let step = |seq: i64, step: &'static str, v: &str, note: &'static str| {
        (
            format!("{url}/milestones/{seq}"),
            vec![
                ("version", v.to_string()),
                ("step", step.to_string()),
                ("note", note.to_string()),
            ],
        )
    };
    let v = version(&t.get(&solver, url).await.body);
    let (u, f) = step(2, "report", &v, "提前完成中试。");
    assert_eq!(
        post(t, &solver, &u, &f).await.status,
        StatusCode::CONFLICT,
        "milestone 2 waits for 1"
    );
    let (u, f) = step(1, "report", &v, "包覆工艺完成，附测试报告。");
    assert_eq!(post(t, &bureau, &u, &f).await.status, StatusCode::FORBIDDEN);
    assert_eq!(post(t, &solver, &u, &f).await.status, StatusCode::SEE_OTHER);
    let v2 = version(&t.get(&bureau, url).await.body);
    let (u, f) = step(1, "accept", &v2, "同意。");
    assert_eq!(post(t, &solver, &u, &f).await.status, StatusCode::FORBIDDEN);
    let (u, f) = step(1, "return", &v, "过期的版本。");
    assert_eq!(post(t, &bureau, &u, &f).await.status, StatusCode::CONFLICT, "a stale version");
    let (u, f) = step(1, "return", &v2, "缺少第三方检测报告。");
    assert_eq!(post(t, &bureau, &u, &f).await.status, StatusCode::SEE_OTHER);
    assert!(t.get(&solver, url).await.body.contains("缺少第三方检测报告"));
    let report = ("report", "已完成，附第三方检测报告。");
    let accept = ("accept", "验收通过。");
    for (seq, who, (kind, note)) in
        [(1, &solver, report), (1, &bureau, accept), (2, &solver, report), (2, &bureau, accept)]
    {
        let v = version(&t.get(who, url).await.body);
        let (u, f) = step(seq, kind, &v, note);
        assert_eq!(post(t, who, &u, &f).await.status, StatusCode::SEE_OTHER, "{seq} {kind}");
    }
    let end = t.get(&ANYONE, url).await.body;
    assert!(end.contains("已完成") && end.contains("已验收兑付 300.00 万元"), "{end}");
    let audit: Vec<String> =
        t.db.read(
            "SELECT action FROM audit_log WHERE entity = 'market_challenge' ORDER BY seq",
            vec![],
            |r| r.text(0),
        )
        .await
        .unwrap();
    assert_eq!(
        audit.iter().filter(|a| a.as_str() == "market.challenge.milestone").count(),
        6,
        "report, return, report, accept, report, accept: {audit:?}"
    );
    for a in [
        "market.challenge.raise",
        "market.challenge.apply",
        "market.challenge.review",
        "market.challenge.award",
    ] {
        assert!(audit.iter().any(|x| x == a), "{a}: {audit:?}");
    }
}

/// Every write refuses the roles that must be refused, and nothing changes.
#[tokio::test]
async fn challenge_writes_refuse_the_roles_without_the_capability() {
    let t = Fixture::demo().build().await;
    let demand = demand_of_orgadmin2(&t).await;
    let raise = format!("/market/demands/{demand}/challenge");
    let apply_by = (t.db.clock.today() + chrono::Days::new(10)).to_string();
    let fields = [("reward_wan", "80"), ("apply_by", apply_by.as_str())];
    for role in ROLES {
        let s = t.login(role).await;
        let r = t.post_form(&s, &raise, &fields).await;
        let office = ["admin", "bureau"].contains(&role);
        if !office {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} raises");
        }
    }
    let list = t.get(&ANYONE, "/api/v1/market/challenges").await.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "one raise went through: {list}");
    let id = list[0]["id"].as_i64().unwrap();
    let url = format!("/market/challenges/{id}");
    let proposal = [("title", "方案"), ("leader", "王伟"), ("proposal", "技术路线。")];
    for role in ROLES {
        let s = t.login(role).await;
        let solver = ["orgadmin", "member", "orgadmin2"].contains(&role);
        if !solver {
            let r = t.post_form(&s, &format!("{url}/proposals"), &proposal).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} applies");
        }
        if !["admin", "bureau"].contains(&role) {
            for (path, f) in [
                ("review", vec![("version", "1")]),
                ("award", vec![("version", "1")]),
                ("close", vec![("version", "1"), ("reason", "撤")]),
            ] {
                let r = t.post_form(&s, &format!("{url}/{path}"), &f).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} {path}");
            }
        }
    }
    // The setter's own enterprise may not solve its own problem.
    let own =
        t.post_form(&t.login("orgadmin2").await, &format!("{url}/proposals"), &proposal).await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    assert!(own.body.contains("发榜企业不能揭自己的榜"), "{}", own.body);
    let c = t.get(&ANYONE, &format!("/api/v1/market/challenges/{id}")).await.json();
    assert_eq!((c["status"].as_str(), c["proposals"].as_i64()), (Some("open"), Some(0)), "{c}");
}

/// The API does what the pages do: the office raises and closes, a solver applies and sees its
/// own proposal, the public sees the count; bad requests are named.
#[tokio::test]
async fn the_challenge_api_raises_applies_and_closes_under_the_same_checks() {
    let t = Fixture::demo().build().await;
    let demand = demand_of_orgadmin2(&t).await;
    let (office, solver) = (bearer(&t, "bureau").await, bearer(&t, "orgadmin").await);
    let raise = format!("/api/v1/market/demands/{demand}/challenge");
    let apply_by = (t.db.clock.today() + chrono::Days::new(10)).to_string();
    let body = serde_json::json!({ "reward_wan": "0", "apply_by": apply_by });
    let r = json(&t, "POST", &raise, Some(&office), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["reward_wan"].as_str().unwrap().contains("大于零"));
    let body = serde_json::json!({ "reward_wan": "120", "apply_by": apply_by, "terms": "联合揭榜须签订合作协议。" });
    assert_eq!(
        json(&t, "POST", &raise, Some(&solver), body.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let r = json(&t, "POST", &raise, Some(&office), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c = r.json();
    assert_eq!((c["reward_fen"].as_i64(), c["status"].as_str()), (Some(120_000_000), Some("open")));
    let id = c["id"].as_i64().unwrap();
    let apply = format!("/api/v1/market/challenges/{id}/proposals");
    let p = serde_json::json!({ "title": "低成本包覆工艺", "leader": "王建华", "members": ["李娜"], "proposal": "溶胶凝胶法包覆。" });
    let r = json(&t, "POST", &apply, Some(&solver), p).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["visible_proposals"][0]["title"], "低成本包覆工艺");
    let public = t.get(&ANYONE, &format!("/api/v1/market/challenges/{id}")).await.json();
    assert_eq!(
        (public["proposals"].as_i64(), public["visible_proposals"].as_array().map(Vec::len)),
        (Some(1), Some(0))
    );
    assert_eq!(
        t.get(&ANYONE, "/api/v1/market/challenges?status=nonsense").await.status,
        StatusCode::BAD_REQUEST
    );
    let act = format!("/api/v1/market/challenges/{id}/actions");
    let r = json(
        &t,
        "POST",
        &act,
        Some(&office),
        serde_json::json!({ "version": 2, "action": "close" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = json(
        &t,
        "POST",
        &act,
        Some(&office),
        serde_json::json!({ "version": 2, "action": "explode" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let v = public["version"].as_i64().unwrap();
    let close =
        serde_json::json!({ "version": v, "action": "close", "reason": "需求方已自行解决。" });
    assert_eq!(
        json(&t, "POST", &act, Some(&solver), close.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let r = json(&t, "POST", &act, Some(&office), close.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.json()["status"].as_str(), r.json()["closed_reason"].as_str()),
        (Some("closed"), Some("需求方已自行解决。"))
    );
    assert_eq!(
        json(&t, "POST", &act, Some(&office), close).await.status,
        StatusCode::CONFLICT,
        "stale"
    );
}
