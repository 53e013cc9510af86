//! Evaluation campaigns through the real router: the bureau opens one (weights that do not sum
//! refused on the field, nothing stored), a county reports with evidence, an invited expert
//! scores blind (off-scale refused before anything is kept), results go out, the county
//! objects, the bureau answers and publishes; the bulletin opens as a PDF; the same through
//! `/api/v1`; and nobody else reaches any of it.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;
use innocity_store::evaluation as ev;

fn campaign_form<'a>(
    title: &'a str,
    until: &'a str,
    management: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("year", "2026"),
        ("level", "county"),
        ("method", "trimmed"),
        ("report_until", until),
        ("w_MANAGEMENT", management),
        ("w_ENVIRONMENT", "25"),
        ("w_CAPACITY", "25"),
        ("w_RESULTS", "25"),
    ]
}

async fn user_id(t: &TestApp, name: &str) -> i64 {
    t.db.read("SELECT id FROM users WHERE username = ?", vec![name.into()], |r| r.int(0))
        .await
        .unwrap()[0]
}

#[tokio::test]
async fn a_campaign_runs_from_reports_to_a_published_bulletin_on_the_pages() {
    let t = Fixture::demo().build().await;
    let bureau = t.login("bureau").await;
    let c = opens(&t, &bureau).await;
    let base = format!("/evaluation/{}", c.id);
    county_reports(&t, &c, &base).await;
    expert_scores(&t, &bureau, &c, &base).await;
    results_go_out(&t, &bureau, &c, &base).await;
}

const WORDS: &str = "本年度出台科技创新政策 3 项，设立科技创新专项资金 2000 万元。";

/// The bureau opens the campaign by form.
async fn opens(t: &TestApp, bureau: &Session) -> ev::Campaign {
    let bureau = bureau.clone();
    let today = t.db.clock.today();
    let until = (today + chrono::Days::new(10)).to_string();
    // Dimensions summing to 110: refused beside the weights, what was typed kept, nothing stored.
    let r = t
        .post_form(&bureau, "/evaluation", &campaign_form("2026年度创新型县区评价", &until, "35"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"err-weights\"") && r.body.contains("合计为 110"), "{}", r.body);
    assert!(r.body.contains("value=\"35\""), "what was typed is kept");
    assert!(ev::campaigns(&t.db).await.unwrap().is_empty());
    let r = t
        .post_form(
            &bureau,
            "/evaluation",
            &campaign_form("2026年度创新型县区评价", "2020-01-01", "25"),
        )
        .await;
    assert!(r.body.contains("id=\"err-report_until\""), "a day gone by");
    let r = t
        .post_form(&bureau, "/evaluation", &campaign_form("2026年度创新型县区评价", &until, "25"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    ev::campaigns(&t.db).await.unwrap()[0].clone()
}

async fn county_reports(t: &TestApp, c: &ev::Campaign, base: &str) {
    // The county reports its policies with a PDF as evidence.
    let county = t.login("county").await;
    let ours = t.get(&county, "/evaluation/ours").await;
    assert!(ours.body.contains("2026年度创新型县区评价"), "{}", ours.body);
    let page = t.get(&county, &format!("{base}/ours")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("榆中县") && page.body.contains("id=\"report-POLICIES\""));
    let r = t
        .upload(&county, &format!("{base}/ours/reports/POLICIES/evidence"), "a.pdf", b"%PDF-1.4")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "report first: {}", r.body);
    let words = WORDS;
    let r = t
        .post_form(
            &county,
            &format!("{base}/ours/reports"),
            &[("item", "POLICIES"), ("body", words)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .post_form(&county, &format!("{base}/ours/reports"), &[("item", "POLICIES"), ("body", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "empty: {}", r.body);
    let pdf = b"%PDF-1.4\n% evidence\n";
    let r = t
        .upload_htmx(
            &county,
            &format!("{base}/ours/reports/POLICIES/evidence"),
            "政策文件.pdf",
            pdf,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.headers.get("HX-Redirect").is_some(), "htmx goes on to the page");
    let bad =
        t.upload(&county, &format!("{base}/ours/reports/POLICIES/evidence"), "x.pdf", b"MZ").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "a disguised file: {}", bad.body);
    assert!(bad.body.contains("x.pdf"), "the file is named: {}", bad.body);
    let page = t.get(&county, &format!("{base}/ours")).await;
    assert!(page.body.contains("政策文件.pdf") && page.body.contains(words));
    let evidence = ev::evidence(&t.db, c.id).await.unwrap();
    assert_eq!(evidence.len(), 1);
    let href = format!("{base}/evidence/{}", evidence[0].id);
    assert_eq!(t.get_bytes(&county, &href).await.2, pdf.to_vec());
    let other = t.login("zone2").await;
    assert_eq!(t.get(&other, &href).await.status, StatusCode::NOT_FOUND, "another area");
}

async fn expert_scores(t: &TestApp, bureau: &Session, c: &ev::Campaign, base: &str) {
    let words = WORDS;
    let county = t.login("county").await;
    // The bureau invites the expert and closes reporting; the expert scores blind.
    let expert_id = user_id(t, "expert").await;
    let r = t
        .post_form(bureau, &format!("{base}/evaluators"), &[("user_id", &expert_id.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let county_id = user_id(t, "county").await;
    let r = t
        .post_form(bureau, &format!("{base}/evaluators"), &[("user_id", &county_id.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a county admin is no evaluator");
    assert_eq!(
        t.post_form(bureau, &format!("{base}/start-scoring"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let r = t
        .post_form(
            &county,
            &format!("{base}/ours/reports"),
            &[("item", "POLICIES"), ("body", words)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "reporting closed");
    let expert = t.login("expert").await;
    let sheet = t.get(&expert, &format!("{base}/scoring")).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert!(sheet.body.contains(words) && sheet.body.contains("被评单位 13 号"));
    assert!(!sheet.body.contains("榆中县") && !sheet.body.contains("城关区"), "blind");
    let number = sheet.body.split(words).next().unwrap().rsplit("被评单位 ").next().unwrap();
    let number = number.split(' ').next().unwrap().to_string();
    let r = t
        .post_form(
            &expert,
            &format!("{base}/scoring"),
            &[("number", &number), ("score_POLICIES", "8.5"), ("score_INSTITUTIONS", "10.5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("超出"), "{}", r.body);
    assert!(ev::scores(&t.db, c.id, None).await.unwrap().is_empty(), "nothing kept");
    let r = t
        .post_form(
            &expert,
            &format!("{base}/scoring"),
            &[("number", &number), ("score_POLICIES", "8.5"), ("score_INSTITUTIONS", "7")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(ev::scores(&t.db, c.id, None).await.unwrap().len(), 2);
    let stranger = t.login("bureau").await;
    assert_eq!(
        t.get(&stranger, &format!("{base}/scoring")).await.status,
        StatusCode::FORBIDDEN,
        "not invited"
    );
}

async fn results_go_out(t: &TestApp, bureau: &Session, c: &ev::Campaign, base: &str) {
    let today = t.db.clock.today();
    let county = t.login("county").await;
    // Results out with a window; the county objects; publishing waits for the window and the answer.
    let yesterday = (today - chrono::Days::new(1)).to_string();
    let r =
        t.post_form(bureau, &format!("{base}/release"), &[("objections_until", &yesterday)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let window = (today + chrono::Days::new(5)).to_string();
    let r = t.post_form(bureau, &format!("{base}/release"), &[("objections_until", &window)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(bureau, base).await;
    assert!(page.body.contains("id=\"ranking\"") && page.body.contains("榆中县"), "{}", page.body);
    let own = t.get(&county, &format!("{base}/ours")).await;
    assert!(own.body.contains("id=\"own-rank\"") && own.body.contains("id=\"objection-form\""));
    let r = t
        .post_form(
            &county,
            &format!("{base}/ours/objections"),
            &[("body", "专利授权数漏计 12 件。")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t.post_form(bureau, &format!("{base}/publish"), &[("public", "1")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the window is open");
    let (status, headers, bytes) = t.get_bytes(bureau, &format!("{base}/bulletin.pdf")).await;
    assert_eq!(
        (status, headers.get("content-type").unwrap().to_str().unwrap()),
        (StatusCode::OK, "application/pdf")
    );
    let text = pdf_text(&bytes);
    assert!(
        text.contains("结果通报") && text.contains("榆中县") && text.contains("公示稿"),
        "{text}"
    );
    t.db.clock.advance(chrono::Duration::days(6));
    let bureau = t.login("bureau").await;
    let r = t.post_form(&bureau, &format!("{base}/publish"), &[("public", "1")]).await;
    assert!(r.body.contains("1 件异议未答复"), "{}", r.body);
    let objection = ev::objections(&t.db, c.id).await.unwrap()[0].id;
    let r = t
        .post_form(
            &bureau,
            &format!("{base}/objections/{objection}/answer"),
            &[("answer", "已核对知识产权局数据，更正后名次不变。")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        t.post_form(&bureau, &format!("{base}/publish"), &[("public", "1")]).await.status,
        StatusCode::SEE_OTHER
    );
    let public = t.get(&Session::default(), "/public/evaluations").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("2026年度创新型县区评价") && public.body.contains("榆中县"));
    let (status, _, xlsx) = t.get_bytes(&bureau, &format!("{base}/results.xlsx")).await;
    assert_eq!((status, &xlsx[..2]), (StatusCode::OK, &b"PK"[..]));
}

/// The same through `/api/v1` with tokens: weights refused by field in JSON, the county's report,
/// the expert's blind sheet and scores, and each role refused where it must be.
#[tokio::test]
async fn the_api_runs_a_campaign_with_the_same_checks() {
    let t = Fixture::demo().build().await;
    let (bureau, county, enterprise) =
        (bearer(&t, "bureau").await, bearer(&t, "county").await, bearer(&t, "orgadmin").await);
    let until = (t.db.clock.today() + chrono::Days::new(3)).to_string();
    let mut body = serde_json::json!({ "title": "2026年度园区评价", "year": 2026, "level": "county", "report_until": until, "method": "mean", "weights": [{ "code": "POLICIES", "weight": 80 }] });
    let r = json(&t, "POST", "/api/v1/evaluation-campaigns", Some(&bureau), body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.json()["error"]["fields"]["weights"].as_str().unwrap().contains("应为 100"),
        "{}",
        r.body
    );
    assert_eq!(
        json(&t, "POST", "/api/v1/evaluation-campaigns", Some(&enterprise), body.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    body["weights"] = serde_json::json!([]);
    let r = json(&t, "POST", "/api/v1/evaluation-campaigns", Some(&bureau), body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let base = format!("/api/v1/evaluation-campaigns/{id}");
    let r = json(
        &t,
        "POST",
        &format!("{base}/ours/reports"),
        Some(&county),
        serde_json::json!({ "item": "HIGH_TECH", "body": "x" }),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a quantitative item is read, not reported"
    );
    let r = json(
        &t,
        "POST",
        &format!("{base}/ours/reports"),
        Some(&county),
        serde_json::json!({ "item": "INSTITUTIONS", "body": "成立县科技创新委员会。" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ours =
        json(&t, "GET", &format!("{base}/ours"), Some(&county), serde_json::Value::Null).await;
    assert_eq!(ours.json()["reports"][0]["item"], "INSTITUTIONS");
    api_scores_and_results(&t, &base, &until).await;
}

/// The expert scores blind through the API; the results go out.
async fn api_scores_and_results(t: &TestApp, base: &str, until: &str) {
    let (bureau, county, expert) =
        (bearer(t, "bureau").await, bearer(t, "county").await, bearer(t, "expert").await);
    let expert_id = user_id(t, "expert").await;
    let r = json(
        t,
        "POST",
        &format!("{base}/evaluators"),
        Some(&bureau),
        serde_json::json!({ "user_id": expert_id }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        json(t, "POST", &format!("{base}/start-scoring"), Some(&bureau), serde_json::Value::Null)
            .await
            .status,
        StatusCode::OK
    );
    let sheet =
        json(t, "GET", &format!("{base}/scoring-sheet"), Some(&expert), serde_json::Value::Null)
            .await;
    assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.body);
    let units = sheet.json().as_array().unwrap().clone();
    assert_eq!(units.len(), 13);
    let reported = units
        .iter()
        .find(|u| {
            u["items"].as_array().unwrap().iter().any(|i| i["body"] == "成立县科技创新委员会。")
        })
        .unwrap();
    let number = reported["number"].as_u64().unwrap();
    let r = json(t, "POST", &format!("{base}/scores"), Some(&expert), serde_json::json!({ "number": number, "scores": [{ "item": "INSTITUTIONS", "score": 7.25 }] })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = json(t, "POST", &format!("{base}/scores"), Some(&expert), serde_json::json!({ "number": number, "scores": [{ "item": "INSTITUTIONS", "score": 7.5 }] })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        json(t, "GET", &format!("{base}/scoring-sheet"), Some(&county), serde_json::Value::Null)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = json(
        t,
        "POST",
        &format!("{base}/release"),
        Some(&bureau),
        serde_json::json!({ "objections_until": until }),
    )
    .await;
    assert_eq!((r.status, r.json()["units"].as_u64()), (StatusCode::OK, Some(13)), "{}", r.body);
    let detail = json(t, "GET", base, Some(&bureau), serde_json::Value::Null).await;
    assert_eq!(detail.json()["results"].as_array().unwrap().len(), 13);
    assert_eq!(detail.json()["campaign"]["stage"], "results");
    let ours =
        json(t, "GET", &format!("{base}/ours"), Some(&county), serde_json::Value::Null).await;
    assert!(ours.json()["result"]["rank"].as_i64().is_some(), "{}", ours.body);
    assert_eq!(
        json(t, "GET", base, Some(&county), serde_json::Value::Null).await.status,
        StatusCode::FORBIDDEN
    );
    let public = json(t, "GET", "/api/v1/public/evaluations", None, serde_json::Value::Null).await;
    assert_eq!(public.json().as_array().unwrap().len(), 0, "not published");
}
