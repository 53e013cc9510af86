//! Evaluation campaigns: weights checked before anything is stored; a county reports its
//! qualitative items until the campaign's day, each refusal naming its rule.
use crate::common::*;
use innocity_core::evaluation::{BUILT_IN, Problem};
use innocity_store::StoreError;
use innocity_store::evaluation::{self as ev, EvaluationRefusal, NewCampaign};
use innocity_store::orgs::{self, Actor};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "bureau", request_id: "r" };

#[tokio::test]
async fn a_campaign_opens_with_weights_that_sum_and_counties_report_until_its_day() {
    let t = demo_db(20).await;
    let today = t.db.clock.today();
    let until = today + chrono::Days::new(10);
    let new = |weights: &[(&str, f64)]| -> Vec<(String, f64)> {
        weights.iter().map(|(c, w)| (c.to_string(), *w)).collect()
    };
    // One dimension ten points heavier: the dimensions sum to 110.
    let bad = new(&[("MANAGEMENT", 30.0)]);
    let c = NewCampaign {
        year: 2026,
        title: "2026年度创新型县区评价",
        level: "county",
        framework: BUILT_IN,
        weights: &bad,
        report_until: until,
        method: "trimmed",
    };
    match ev::create(&t.db, &c, ACTOR).await {
        Err(StoreError::Evaluation(EvaluationRefusal::Framework(p))) => {
            assert_eq!(p, vec![Problem::DimensionWeights { sum: 110.0 }])
        }
        other => panic!("{other:?}"),
    }
    assert!(ev::campaigns(&t.db).await.unwrap().is_empty(), "nothing stored");
    let good = new(&[("MANAGEMENT", 30.0), ("CAPACITY", 20.0)]);
    let c = NewCampaign { weights: &good, ..c };
    let id = ev::create(&t.db, &c, ACTOR).await.unwrap();
    let stored = ev::campaign(&t.db, id).await.unwrap().unwrap();
    assert_eq!(stored.framework().unwrap().dimensions[0].weight, 30.0, "the campaign's weights");

    let units = orgs::units(&t.db).await.unwrap();
    let unit = |code: &str| units.iter().find(|u| u.code == code).unwrap().clone();
    let refusal = |r: innocity_store::db::Result<i64>| match r {
        Err(StoreError::Evaluation(e)) => e,
        other => panic!("{other:?}"),
    };
    let county = unit("620123");
    let words = "2026年出台《榆中县科技创新若干措施》（榆政发〔2026〕12号）。";
    assert!(ev::report(&t.db, &stored, &county, "POLICIES", words, ACTOR).await.is_ok());
    let r = ev::report(&t.db, &stored, &unit("LZGX"), "POLICIES", words, ACTOR).await;
    assert_eq!(refusal(r), EvaluationRefusal::NotEvaluated, "a zone in a county campaign");
    let r = ev::report(&t.db, &stored, &county, "HIGH_TECH", words, ACTOR).await;
    assert_eq!(
        refusal(r),
        EvaluationRefusal::Item { item: "HIGH_TECH".into() },
        "read, not reported"
    );
    let r = ev::report(&t.db, &stored, &county, "POLICIES", "  ", ACTOR).await;
    assert_eq!(refusal(r), EvaluationRefusal::EmptyReport);
    // The campaign's day is the last: the day after, refused.
    t.db.clock.advance(chrono::Duration::days(10));
    assert!(ev::report(&t.db, &stored, &county, "POLICIES", words, ACTOR).await.is_ok(), "its day");
    t.db.clock.advance(chrono::Duration::days(1));
    let r = ev::report(&t.db, &stored, &county, "POLICIES", words, ACTOR).await;
    assert_eq!(refusal(r), EvaluationRefusal::AfterDeadline { until });
}

/// Scoring: only invited evaluators, only while the campaign scores, on the item's scale, never
/// for a unit the evaluator belongs to.
#[tokio::test]
async fn invited_evaluators_score_on_the_scale_and_never_their_own_unit() {
    let t = demo_db(20).await;
    let weights: Vec<(String, f64)> = Vec::new();
    let c = NewCampaign {
        year: 2026,
        title: "2026年度创新型县区评价",
        level: "county",
        framework: BUILT_IN,
        weights: &weights,
        report_until: t.db.clock.today(),
        method: "mean",
    };
    let id = ev::create(&t.db, &c, ACTOR).await.unwrap();
    let units = orgs::units(&t.db).await.unwrap();
    let unit = |code: &str| units.iter().find(|u| u.code == code).unwrap().clone();
    let user = |name: &str| {
        let db = t.db.clone();
        let name = name.to_string();
        async move {
            db.read("SELECT id FROM users WHERE username = ?", vec![name.into()], |r| r.int(0))
                .await
                .unwrap()[0]
        }
    };
    let (bureau, county_admin) = (user("bureau").await, user("county").await);
    let refusal = |r: innocity_store::db::Result<()>| match r {
        Err(StoreError::Evaluation(e)) => e,
        other => panic!("{other:?}"),
    };
    let campaign = ev::campaign(&t.db, id).await.unwrap().unwrap();
    let yuzhong = unit("620123");
    let r = ev::score(&t.db, &campaign, &yuzhong, "POLICIES", bureau, 8.0, ACTOR).await;
    assert_eq!(refusal(r), EvaluationRefusal::Stage { stage: "scoring" }, "still reporting");
    ev::start_scoring(&t.db, &campaign, ACTOR).await.unwrap();
    let campaign = ev::campaign(&t.db, id).await.unwrap().unwrap();
    let r = ev::score(&t.db, &campaign, &yuzhong, "POLICIES", bureau, 8.0, ACTOR).await;
    assert_eq!(refusal(r), EvaluationRefusal::NotInvited);
    ev::invite(&t.db, &campaign, bureau, ACTOR).await.unwrap();
    assert!(ev::score(&t.db, &campaign, &yuzhong, "POLICIES", bureau, 8.0, ACTOR).await.is_ok());
    let r = ev::score(&t.db, &campaign, &yuzhong, "POLICIES", bureau, 10.5, ACTOR).await;
    assert!(matches!(refusal(r), EvaluationRefusal::Score(_)), "off the scale");
    // A county admin is no evaluator; were it one, its own county would be a conflict.
    let r = ev::invite(&t.db, &campaign, county_admin, ACTOR).await;
    assert!(matches!(r, Err(StoreError::Evaluation(EvaluationRefusal::NotInvited))));
    let tx = t.db.begin_write().await.unwrap();
    tx.exec(
        "INSERT INTO evaluation_evaluators (campaign_id, user_id, invited_by, invited_at) VALUES (?, ?, 't', 0)",
        vec![id.into(), county_admin.into()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let r = ev::score(&t.db, &campaign, &yuzhong, "POLICIES", county_admin, 9.0, ACTOR).await;
    assert_eq!(refusal(r), EvaluationRefusal::Conflict);
    let other = unit("620102");
    assert!(
        ev::score(&t.db, &campaign, &other, "POLICIES", county_admin, 6.0, ACTOR).await.is_ok()
    );
    // The results: all thirteen counties ranked from the registers and the scores.
    assert_eq!(ev::compute_results(&t.db, &campaign, 20, ACTOR).await.unwrap(), 13);
    let results = ev::results(&t.db, id).await.unwrap();
    assert_eq!(results.len(), 13);
    let first = &results[0];
    assert_eq!(first.rank, Some(1));
    assert!(first.rank_low.is_some() && first.profile.contains("strengths"), "{first:?}");
}

/// Evidence is checked like every upload and kept once; results go out with a window for
/// objections; the bulletin waits for the window to close and every objection to be answered.
#[tokio::test]
async fn evidence_objections_and_the_bulletin_follow_their_rules() {
    let t = demo_db(20).await;
    let files = tempfile::tempdir().unwrap();
    let weights: Vec<(String, f64)> = Vec::new();
    let today = t.db.clock.today();
    let c = NewCampaign {
        year: 2026,
        title: "2026年度创新型县区评价",
        level: "county",
        framework: BUILT_IN,
        weights: &weights,
        report_until: today,
        method: "mean",
    };
    let id = ev::create(&t.db, &c, ACTOR).await.unwrap();
    let campaign = ev::campaign(&t.db, id).await.unwrap().unwrap();
    let units = orgs::units(&t.db).await.unwrap();
    let county = units.iter().find(|u| u.code == "620123").unwrap().clone();
    let report =
        ev::report(&t.db, &campaign, &county, "POLICIES", "出台政策三项。", ACTOR).await.unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
    let dir = files.path();
    let e = ev::add_evidence(&t.db, dir, &campaign, report, "文件.pdf", pdf, ACTOR).await.unwrap();
    let again = ev::add_evidence(&t.db, dir, &campaign, report, "副本.pdf", pdf, ACTOR).await;
    assert_eq!(again.unwrap(), e, "the same file is kept once");
    let disguised = ev::add_evidence(&t.db, dir, &campaign, report, "x.pdf", b"MZ..", ACTOR).await;
    assert!(disguised.is_err(), "not a PDF inside");
    assert_eq!(ev::evidence(&t.db, id).await.unwrap().len(), 1);
    let (file, of) = ev::evidence_row(&t.db, id, e).await.unwrap();
    let bytes = ev::evidence_bytes(dir, &file).await.unwrap();
    assert_eq!((file.name.as_str(), of.id, bytes.as_slice()), ("文件.pdf", report, &pdf[..]));

    ev::start_scoring(&t.db, &campaign, ACTOR).await.unwrap();
    let late = ev::add_evidence(&t.db, dir, &campaign, report, "b.pdf", b"%PDF-1.5", ACTOR).await;
    assert!(matches!(late, Err(StoreError::Evaluation(EvaluationRefusal::Stage { .. }))));
    let stale = ev::start_scoring(&t.db, &campaign, ACTOR).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "a page a stage behind");
    let campaign = ev::campaign(&t.db, id).await.unwrap().unwrap();
    let yesterday = today.pred_opt().unwrap();
    let r = ev::release_results(&t.db, &campaign, yesterday, 10, ACTOR).await;
    assert!(matches!(r, Err(StoreError::Evaluation(EvaluationRefusal::ObjectionsDay))));
    let until = today + chrono::Days::new(5);
    assert_eq!(ev::release_results(&t.db, &campaign, until, 10, ACTOR).await.unwrap(), 13);
    let campaign = ev::campaign(&t.db, id).await.unwrap().unwrap();
    assert_eq!(campaign.objections_until, Some(until));
    let bureau = t.db.read("SELECT id FROM users WHERE username = 'bureau'", vec![], |r| r.int(0));
    let late = ev::invite(&t.db, &campaign, bureau.await.unwrap()[0], ACTOR).await;
    assert!(
        matches!(late, Err(StoreError::Evaluation(EvaluationRefusal::Stage { .. }))),
        "no evaluator joins once the results are out"
    );

    let objection = ev::object(&t.db, &campaign, &county, "专利数据漏计。", ACTOR).await.unwrap();
    let r = ev::publish(&t.db, &campaign, true, ACTOR).await;
    assert!(matches!(r, Err(StoreError::Evaluation(EvaluationRefusal::ObjectionsOpen { .. }))));
    t.db.clock.advance(chrono::Duration::days(6));
    let late = ev::object(&t.db, &campaign, &county, "再议。", ACTOR).await;
    assert!(matches!(late, Err(StoreError::Evaluation(EvaluationRefusal::AfterDeadline { .. }))));
    let r = ev::publish(&t.db, &campaign, true, ACTOR).await;
    assert!(matches!(r, Err(StoreError::Evaluation(EvaluationRefusal::Unanswered { count: 1 }))));
    ev::answer(&t.db, &campaign, objection, "已核对，专利数据来自知识产权局登记。", ACTOR)
        .await
        .unwrap();
    let twice = ev::answer(&t.db, &campaign, objection, "再答。", ACTOR).await;
    assert!(matches!(twice, Err(StoreError::Evaluation(EvaluationRefusal::Answered))));
    ev::publish(&t.db, &campaign, true, ACTOR).await.unwrap();
    let published = ev::campaign(&t.db, id).await.unwrap().unwrap();
    assert_eq!((published.stage, published.public), (ev::Stage::Published, true));
}
