//! Deciding: the experts' review, the department's suggestion, the bureau within the budget.
use super::*;
use axum::http::StatusCode;
use innocity_core::projects::Stage;
use innocity_store::projects as store;

#[tokio::test]
async fn a_call_goes_to_expert_review_through_the_experts_engine() {
    let t = Fixture::demo().projects().experts().build().await;
    let rv = a_call_in_review(&t).await;
    let s = t.login("bureau").await;
    let round = open_and_assign_a_round(&t, &s, &rv).await;
    close_with_the_experts_totals(&t, &s, round).await;
    plan_a_panel_of_the_best_five(&t, &s, &rv).await;
    let panel = draw_the_panel(&t, &s, &rv, round).await;
    finish_the_review(&t, &s, &rv, round, panel).await;
}

/// A call with applications waiting for review, how many, and its review page.
struct Review {
    call: store::Call,
    waiting: usize,
    url: String,
    deadline: String,
}

async fn a_call_in_review(t: &TestApp) -> Review {
    let mut call = None;
    for c in store::calls(&t.db).await.unwrap() {
        if !store::applications(&t.db, store::Reach::All, Some(c.id), Some(Stage::InReview))
            .await
            .unwrap()
            .is_empty()
        {
            call = Some(c);
        }
    }
    let call = call.unwrap();
    let waiting =
        store::applications(&t.db, store::Reach::All, Some(call.id), Some(Stage::InReview))
            .await
            .unwrap()
            .len();
    let deadline = (t.db.clock.today() + chrono::Days::new(20)).format("%Y-%m-%d").to_string();
    let url = format!("/calls/{}/review", call.id);
    Review { call, waiting, url, deadline }
}

/// Only the bureau opens a round, with a sensible demand; it takes every waiting application
/// and assigns three experts to each.
async fn open_and_assign_a_round(t: &TestApp, s: &Session, rv: &Review) -> i64 {
    let (call, waiting, url, deadline) =
        (&rv.call, rv.waiting, rv.url.as_str(), rv.deadline.as_str());
    assert_eq!(
        t.post_form(
            &t.login("orgadmin").await,
            url,
            &[("name", "x"), ("mode", "assign"), ("demand", "3"), ("deadline", deadline)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            s,
            url,
            &[("name", "通讯评审"), ("mode", "assign"), ("demand", "99"), ("deadline", deadline)]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Nothing to move before a round exists and is closed.
    assert_eq!(
        t.post_form(s, &format!("/calls/{}/finish-review", call.id), &[]).await.status,
        StatusCode::CONFLICT
    );
    let r = t
        .post_form(
            s,
            url,
            &[("name", "通讯评审"), ("mode", "assign"), ("demand", "3"), ("deadline", deadline)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let round: i64 = r.location().trim_start_matches("/reviews/").parse().unwrap();
    assert_eq!(innocity_store::experts::items(&t.db, round).await.unwrap().len(), waiting);
    assert_eq!(
        t.post_form(s, &format!("/calls/{}/finish-review", call.id), &[]).await.status,
        StatusCode::CONFLICT,
        "the round is open"
    );
    assert_eq!(
        t.post_form(s, &format!("/reviews/{round}/assign"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        innocity_store::experts::assignments(&t.db, round).await.unwrap().len(),
        waiting * 3
    );
    round
}

/// The experts' totals (written straight in: scoring itself is tested with the experts).
async fn close_with_the_experts_totals(t: &TestApp, s: &Session, round: i64) {
    let tx = t.db.begin_write().await.unwrap();
    tx.exec("UPDATE review_assignments SET status = 'submitted', total = 50 + (item_id * 7) % 45 WHERE round_id = ?", vec![round.into()]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        t.post_form(s, &format!("/reviews/{round}/close"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
}

/// The plan sends the best five to a panel drawn at random.
async fn plan_a_panel_of_the_best_five(t: &TestApp, s: &Session, rv: &Review) {
    let call = &rv.call;
    let mut plan_call = store::call(&t.db, call.id).await.unwrap().unwrap();
    plan_call.review_plan.panel_experts = 7;
    plan_call.review_plan.panel_shortlist = 5;
    let edit = store::NewCall {
        programme_id: plan_call.programme_id,
        code: plan_call.code.clone(),
        title: plan_call.title.clone(),
        year: plan_call.year,
        guidelines: plan_call.guidelines.clone(),
        topics: plan_call.topics.clone(),
        eligibility: plan_call.eligibility.clone(),
        budget_rules: plan_call.budget_rules,
        deadlines: plan_call.deadlines,
        opens_on: plan_call.opens_on,
        form: plan_call.form.clone(),
        review_plan: plan_call.review_plan.clone(),
    };
    store::update_call(
        &t.db,
        call.id,
        &edit,
        innocity_store::orgs::Actor { user_id: 0, username: "t", request_id: "r" },
    )
    .await
    .unwrap();
    let page = t.get(s, &format!("/calls/{}", call.id)).await.body;
    assert!(
        page.contains(r#"<option value="draw" selected>"#)
            && page.contains(r#"name="demand" value="7""#),
        "the next round follows the plan"
    );
}

/// The panel is drawn and takes exactly the first round's best five.
async fn draw_the_panel(t: &TestApp, s: &Session, rv: &Review, round: i64) -> i64 {
    let (waiting, url, deadline) = (rv.waiting, rv.url.as_str(), rv.deadline.as_str());
    let r = t
        .post_form(
            s,
            url,
            &[("name", "会议评审"), ("mode", "draw"), ("demand", "5"), ("deadline", deadline)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let panel: i64 = r.location().trim_start_matches("/reviews/").parse().unwrap();
    let (ranked, _) = innocity_store::experts::results(
        &t.db,
        round,
        innocity_core::experts::scoring::Method::Mean,
    )
    .await
    .unwrap();
    let mut best: Vec<String> =
        ranked.iter().filter(|i| i.rank <= 5).map(|i| i.item.clone()).collect();
    let mut shortlisted: Vec<String> = innocity_store::experts::items(&t.db, panel)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.code)
        .collect();
    best.sort();
    shortlisted.sort();
    assert!(
        shortlisted.len() >= 5 && shortlisted.len() < waiting,
        "{} of {waiting}",
        shortlisted.len()
    );
    assert_eq!(shortlisted, best);
    panel
}

/// The review finishes once the panel is closed: every waiting application is reviewed.
async fn finish_the_review(t: &TestApp, s: &Session, rv: &Review, round: i64, panel: i64) {
    let (call, waiting) = (&rv.call, rv.waiting);
    assert_eq!(
        t.post_form(s, &format!("/calls/{}/finish-review", call.id), &[]).await.status,
        StatusCode::CONFLICT,
        "the panel is open"
    );
    assert_eq!(
        t.post_form(s, &format!("/reviews/{panel}/close"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let before =
        store::applications(&t.db, store::Reach::All, Some(call.id), Some(Stage::Reviewed))
            .await
            .unwrap()
            .len();
    assert_eq!(
        t.post_form(s, &format!("/calls/{}/finish-review", call.id), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        store::applications(&t.db, store::Reach::All, Some(call.id), Some(Stage::Reviewed))
            .await
            .unwrap()
            .len(),
        before + waiting
    );
    assert!(
        t.get(s, &format!("/calls/{}", call.id)).await.body.contains(&format!("/reviews/{round}"))
    );
}

#[tokio::test]
async fn the_department_review_suggests_funding_for_the_decision() {
    let t = projects_app().await;
    let r = store::applications(&t.db, store::Reach::All, None, Some(Stage::Reviewed))
        .await
        .unwrap()
        .remove(0);
    let url = format!("/applications/{}/department", r.id);
    let v = r.version.to_string();
    for who in ["orgadmin", "zone", "member", "expert"] {
        assert_eq!(
            t.post_form(
                &t.login(who).await,
                &url,
                &[("opinion", "建议支持"), ("suggested", "10"), ("version", &v)]
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    let bureau = t.login("bureau").await;
    let bad = t
        .post_form(
            &bureau,
            &url,
            &[("opinion", "研究基础扎实，建议支持"), ("suggested", "十万"), ("version", &v)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("十万"));
    let over = (r.requested.0 / 1_000_000 + 1).to_string();
    assert_eq!(
        t.post_form(
            &bureau,
            &url,
            &[("opinion", "研究基础扎实，建议支持"), ("suggested", &over), ("version", &v)]
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "more than requested"
    );
    assert_eq!(
        t.post_form(
            &bureau,
            &url,
            &[("opinion", "研究基础扎实，建议支持"), ("suggested", "10.5"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(
            &bureau,
            &url,
            &[("opinion", "研究基础扎实，建议支持"), ("suggested", "10.5"), ("version", &v)]
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "a stale page"
    );
    let a = store::application(&t.db, r.id).await.unwrap().unwrap();
    assert_eq!(
        (a.department_opinion.as_str(), a.suggested),
        (
            "研究基础扎实，建议支持",
            innocity_core::projects::money::Money::from_wan(10)
                .checked_add(innocity_core::projects::money::Money(500_000))
                .unwrap()
        )
    );
    // The decision form starts from the suggested amount; the event is in the history.
    let page = t.get(&bureau, &format!("/applications/{}", r.id)).await;
    assert!(page.body.contains("id=\"act-grant\" size=\"10\" value=\"10.5\""), "prefilled");
    assert!(page.body.contains("建议资助 10.50 万元"));
}

#[tokio::test]
async fn the_bureau_decides_within_the_budget_and_exports_the_list() {
    let t = projects_app().await;
    let s = t.login("bureau").await;
    let board = t.get(&s, "/projects/board").await.body;
    assert!(board.contains("id=\"ledgers\"") && board.contains("重点研发计划"));
    let reviewed =
        store::applications(&t.db, store::Reach::All, None, Some(Stage::Reviewed)).await.unwrap();
    let a = reviewed.first().unwrap();
    let v = a.version.to_string();
    let r = t
        .post_form(
            &s,
            &format!("/applications/{}/act", a.id),
            &[("action", "approve"), ("version", &v), ("grant", "很多")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Spend the programme's year, then try one more.
    let call = store::call(&t.db, a.call_id).await.unwrap().unwrap();
    t.db.query_one("UPDATE programme_budgets SET committed_fen = budget_fen WHERE programme_id = ? AND year = ?", vec![call.programme_id.into(), call.year.into()]).await.unwrap();
    let r = t
        .post_form(
            &s,
            &format!("/applications/{}/act", a.id),
            &[("action", "approve"), ("version", &v), ("grant", "10")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("超出计划年度预算"), "{}", r.body);
    assert_eq!(store::application(&t.db, a.id).await.unwrap().unwrap().stage, Stage::Reviewed);
    let (status, _, bytes) = t.get_bytes(&s, "/applications?format=xlsx&stage=established").await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.rows().count(), 1 + 120, "the 120 established projects");
}
