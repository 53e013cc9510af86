//! Optimal review rounds after the first assignment: panel rules proven optimal, and a decline
//! re-assigned from the current panels, moving an accepted review only when nothing else can
//! fill the place.
use crate::common::*;
use crate::experts::{my_open, review_app, round_id};
use crate::market::{bearer, json};
use axum::http::StatusCode;
use innocity_store::experts as store;
use std::collections::HashMap;

/// A new optimal round over the first `n` proposals of the demo's panel review.
async fn new_round(
    t: &TestApp,
    code: &str,
    n: usize,
    rules: store::Rules,
    demand: i64,
    max_load: i64,
) -> i64 {
    let (me, _) = my_open(t).await;
    let hy = store::items(&t.db, round_id(t, "LB2026-HY").await).await.unwrap();
    let items: Vec<store::Item> = hy
        .iter()
        .take(n)
        .map(|i| store::Item { code: format!("{code}-{}", i.code), ..i.clone() })
        .collect();
    let new = store::NewRound {
        code: code.into(),
        name: "测试批次".into(),
        call_name: "测试".into(),
        library: me.library,
        mode: store::Mode::Assign,
        demand,
        max_load,
        rules,
        form: innocity_core::experts::scoring::Form::standard(),
        deadline: t.db.clock.today() + chrono::Days::new(10),
        year: 2099,
    };
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    store::create_round(&t.db, &new, &items, actor).await.unwrap()
}

#[tokio::test]
async fn panel_rules_together_are_proven_optimal_and_the_round_page_says_so() {
    let t = review_app().await;
    let (me, _) = my_open(&t).await;
    // The library's most common region: its experts are "inside", the rest "outside".
    let library =
        store::list(&t.db, &store::ExpertQuery { library: Some(me.library), ..Default::default() })
            .await
            .unwrap();
    let mut regions: HashMap<String, usize> = HashMap::new();
    for e in &library {
        *regions.entry(e.region.clone()).or_default() += 1;
    }
    let region = regions.into_iter().max_by_key(|(r, n)| (*n, r.clone())).unwrap().0;
    let composition = innocity_core::experts::panel::Composition {
        max_per_org: 1,
        min_groups: vec![],
        min_outside_share: 0.3,
    };
    let rules = store::Rules {
        coauthor_years: 3,
        region: region.clone(),
        composition,
        ..Default::default()
    };
    let rid = new_round(&t, "PANEL", 6, rules, 3, 2).await;
    let staff = t.login("bureau").await;
    let page = t.get(&staff, &format!("/reviews/{rid}")).await.body;
    assert!(!page.contains("id=\"assign-proof\""), "nothing to prove before the assignment");
    let r = t.post_form(&staff, &format!("/reviews/{rid}/assign"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let round = store::round(&t.db, rid).await.unwrap().unwrap();
    assert_eq!(round.assign_gap, Some(0.0));
    assert!(round.assign_nodes.unwrap_or(0) >= 1, "{:?}", round.assign_nodes);
    let page = t.get(&staff, &format!("/reviews/{rid}")).await.body;
    assert!(page.contains("id=\"assign-proof\"") && page.contains("已证明最优"), "{page}");
    assert_panels_obey(&t, rid, &library, &region).await;
}

/// Every panel of the round: one from outside the region at least, one per organisation at most.
async fn assert_panels_obey(t: &TestApp, rid: i64, library: &[store::Expert], region: &str) {
    let by_id: HashMap<i64, &store::Expert> = library.iter().map(|e| (e.id, e)).collect();
    let mut panels: HashMap<i64, Vec<&store::Expert>> = HashMap::new();
    for a in store::assignments(&t.db, rid).await.unwrap() {
        panels.entry(a.item_id).or_default().push(by_id[&a.expert_id]);
    }
    assert_eq!(panels.len(), 6);
    for panel in panels.values() {
        assert_eq!(panel.len(), 3);
        assert!(panel.iter().any(|e| e.region != region), "an outsider on every panel");
        let mut orgs: Vec<String> = panel
            .iter()
            .map(|e| {
                if e.credit_code.is_empty() {
                    e.organisation_name.clone()
                } else {
                    e.credit_code.clone()
                }
            })
            .collect();
        orgs.sort();
        orgs.dedup();
        assert_eq!(orgs.len(), 3, "one per organisation");
    }
}

/// A round over the demo expert's rarest field (a small pool) with one proposal per pool expert
/// and one review each, assigned: every place full. The expert, the round, the pool's size.
async fn full_round(t: &TestApp) -> (store::Expert, i64, usize) {
    let (me, _) = my_open(t).await;
    let library =
        store::list(&t.db, &store::ExpertQuery { library: Some(me.library), ..Default::default() })
            .await
            .unwrap();
    let in_field = |f: &String| library.iter().filter(|e| e.fields.contains(f)).count();
    let field = me.fields.iter().min_by_key(|f| (in_field(f), f.to_string())).unwrap().clone();
    let rules =
        || store::Rules { coauthor_years: 3, fields: vec![field.clone()], ..Default::default() };
    let probe = new_round(t, "PROBE", 1, rules(), 1, 1).await;
    let probe = store::round(&t.db, probe).await.unwrap().unwrap();
    let pool: Vec<i64> = store::pool(&t.db, &probe, t.db.clock.today())
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.excluded.is_none())
        .map(|p| p.expert.id)
        .collect();
    assert!(pool.len() >= 3 && pool.contains(&me.id), "pool {pool:?}");
    let rid = new_round(t, "FULL", pool.len(), rules(), 1, 1).await;
    let staff = t.login("bureau").await;
    let r = t.post_form(&staff, &format!("/reviews/{rid}/assign"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let before = store::assignments(&t.db, rid).await.unwrap();
    assert_eq!(before.len(), pool.len(), "every expert has the one review they have room for");
    (me, rid, pool.len())
}

#[tokio::test]
async fn a_conflict_in_a_full_round_moves_one_accepted_review_and_the_log_says_why() {
    let t = review_app().await;
    let (me, rid, _) = full_round(&t).await;
    let staff = t.login("bureau").await;
    let before = store::assignments(&t.db, rid).await.unwrap();
    let mine = before.iter().find(|a| a.expert_id == me.id).unwrap().clone();
    let s = t.login("expert").await;
    let r = t
        .post_form(
            &s,
            &format!("/my/reviews/{}/withdraw", mine.id),
            &[("kind", "conflict"), ("reason", "申请人系本人指导的博士毕业生")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = store::assignments(&t.db, rid).await.unwrap();
    let status_of: HashMap<i64, &str> = after.iter().map(|a| (a.id, a.status.as_str())).collect();
    assert_eq!(status_of[&mine.id], "conflict");
    // Nobody else had room: exactly one accepted review moved, onto the proposal in conflict,
    // and the demo expert (free of conflict elsewhere) took the place it left.
    let moved: Vec<&store::Assignment> = after.iter().filter(|a| a.status == "moved").collect();
    assert_eq!(moved.len(), 1, "{after:?}");
    let item_code = store::items(&t.db, rid)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.id == mine.item_id)
        .unwrap()
        .code;
    assert_eq!(moved[0].reason, item_code);
    let live = |item: i64| {
        after
            .iter()
            .filter(|a| a.item_id == item && a.status == "assigned")
            .map(|a| a.expert_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(live(mine.item_id), vec![moved[0].expert_id]);
    assert_eq!(live(moved[0].item_id), vec![me.id]);
    // The round page's log shows the move, and for which proposal.
    let page = t.get(&staff, &format!("/reviews/{rid}")).await.body;
    assert!(page.contains("调出（为所示项目补位让出）") && page.contains(&item_code), "{page}");
}

#[tokio::test]
async fn an_expert_who_declines_takes_no_new_work_and_the_place_waits_when_nobody_has_room() {
    let t = review_app().await;
    let (me, rid, n) = full_round(&t).await;
    let mine = store::assignments(&t.db, rid)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.expert_id == me.id)
        .unwrap();
    let s = t.login("expert").await;
    let r = t
        .post_form(
            &s,
            &format!("/my/reviews/{}/withdraw", mine.id),
            &[("kind", "decline"), ("reason", "出差在外，无法按期评审")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = store::assignments(&t.db, rid).await.unwrap();
    // Every other expert is full and the decliner takes nothing new: nothing moves, the place
    // waits for the staff.
    assert!(after.iter().all(|a| a.status != "moved"), "{after:?}");
    assert_eq!(after.iter().filter(|a| a.status == "assigned").count(), n - 1);
    assert!(after.iter().all(|a| a.expert_id != me.id || a.id == mine.id));
}

#[tokio::test]
async fn the_round_api_assigns_proves_and_takes_a_decline_as_the_pages_do() {
    let t = review_app().await;
    let composition =
        innocity_core::experts::panel::Composition { max_per_org: 1, ..Default::default() };
    let rules = store::Rules { coauthor_years: 3, composition, ..Default::default() };
    let rid = new_round(&t, "API", 4, rules, 2, 2).await;
    let staff = bearer(&t, "bureau").await;
    let none = serde_json::Value::Null;
    // Refused before anything happens: anonymous (no session: 401 to read, the write refused as
    // a cross-site request), and roles without the capability.
    let assign = format!("/api/v1/reviews/{rid}/assign");
    let read = format!("/api/v1/reviews/{rid}");
    assert_eq!(json(&t, "GET", &read, None, none.clone()).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(json(&t, "POST", &assign, None, none.clone()).await.status, StatusCode::FORBIDDEN);
    for role in ["zone", "orgadmin", "expert", "provider"] {
        let who = bearer(&t, role).await;
        assert_eq!(
            json(&t, "POST", &assign, Some(&who), none.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        let got =
            json(&t, "GET", &format!("/api/v1/reviews/{rid}"), Some(&who), none.clone()).await;
        assert_eq!(got.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert!(store::assignments(&t.db, rid).await.unwrap().is_empty());
    let r = json(&t, "POST", &assign, Some(&staff), none.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!((v["pairs"].as_u64(), v["gap"].as_f64()), (Some(8), Some(0.0)), "{v}");
    assert_eq!(
        json(&t, "POST", &assign, Some(&staff), none.clone()).await.status,
        StatusCode::CONFLICT
    );
    let r = json(&t, "GET", &format!("/api/v1/reviews/{rid}"), Some(&staff), none.clone()).await;
    let v = r.json();
    assert_eq!((v["mode"].as_str(), v["assign_gap"].as_f64()), (Some("assign"), Some(0.0)), "{v}");
    let panels = v["panels"].as_array().unwrap();
    assert_eq!(panels.len(), 4);
    assert!(panels.iter().all(|p| p["reviews"].as_array().unwrap().len() == 2));
    assert_eq!(
        json(&t, "GET", "/api/v1/reviews/abc", Some(&staff), none.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    the_expert_gives_up_a_review_through_the_api(&t, rid, &staff).await;
}

/// The expert's own review, given up through the API: bad input named, then done; someone
/// else's review is not the caller's to give up.
async fn the_expert_gives_up_a_review_through_the_api(t: &TestApp, rid: i64, staff: &str) {
    let (_, open) = my_open(t).await;
    let a = &open[0];
    let me = bearer(t, "expert").await;
    let url = format!("/api/v1/my/reviews/{}/withdraw", a.id);
    let r =
        json(t, "POST", &url, Some(&me), serde_json::json!({"kind": "maybe", "reason": "x"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["kind"].is_string(), "{}", r.body);
    let r = json(t, "POST", &url, Some(&me), serde_json::json!({"kind": "decline", "reason": " "}))
        .await;
    assert!(r.json()["error"]["fields"]["reason"].is_string(), "{}", r.body);
    assert_eq!(
        json(t, "POST", &url, Some(staff), serde_json::json!({"kind": "decline", "reason": "x"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(store::assignment(&t.db, a.id).await.unwrap().unwrap().status, "assigned");
    let r = json(
        t,
        "POST",
        &url,
        Some(&me),
        serde_json::json!({"kind": "decline", "reason": "出差在外，无法按期评审"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["id"].as_i64(), Some(a.id));
    assert_eq!(store::assignment(&t.db, a.id).await.unwrap().unwrap().status, "declined");
    // Someone else's review is not the caller's to give up.
    let other = store::assignments(&t.db, rid).await.unwrap()[0].id;
    let r = json(
        t,
        "POST",
        &format!("/api/v1/my/reviews/{other}/withdraw"),
        Some(&me),
        serde_json::json!({"kind": "decline", "reason": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
