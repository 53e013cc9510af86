//! A campaign with its own framework (导入评价框架): the bureau writes the dimensions and items
//! as TOML on the form or in the API; the campaign follows them (its dimensions, weights, items,
//! what units report); a framework that does not read, whose weights do not sum as it says, or
//! whose item names an unknown dimension is refused on `framework`, with the rule and the line,
//! and no campaign is opened.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;

const OWN: &str = r#"code = "PARK-EVAL"
name_zh = "园区创新评价"
name_en = "Park innovation evaluation"

[[dimension]]
code = "POLICY"
name_zh = "政策落实"
name_en = "Policies"
weight = 40

[[dimension]]
code = "OUTPUT"
name_zh = "创新产出"
name_en = "Output"
weight = 60

[[item]]
code = "MEASURES"
dimension = "POLICY"
kind = "qualitative"
name_zh = "出台配套措施"
name_en = "Measures issued"
max_score = 10
weight = 100

[[item]]
code = "INCUBATORS"
dimension = "OUTPUT"
kind = "quantitative"
source = "register:carriers:incubator"
name_zh = "孵化器数量"
name_en = "Incubators"
weight = 100
"#;

#[tokio::test]
async fn a_campaign_follows_the_framework_the_bureau_imports() {
    let t = Fixture::demo().build().await;
    let bureau = bearer(&t, "bureau").await;
    let until = (t.db.clock.today() + chrono::Days::new(5)).to_string();
    let body = |title: &str, framework: &str| serde_json::json!({ "title": title, "year": 2026, "level": "county", "report_until": until, "method": "mean", "framework": framework });
    for (framework, words) in [
        (OWN.replace("weight = 60", "weight = 50"), "各维度权重合计为 90，应为 100"),
        (
            OWN.replace("dimension = \"OUTPUT\"", "dimension = \"RESULTS\""),
            "所属维度 RESULTS 不存在",
        ),
        (OWN.replace("max_score = 10\n", ""), "定性指标 MEASURES 须设定满分"),
        (OWN.replace("weight = 40", "weight = 四十"), "评价框架第 9 行无法读取"),
        (OWN.replace("\"MEASURES\"", "\"M,1\""), "代码“M,1”无效"),
    ] {
        let r = json(
            &t,
            "POST",
            "/api/v1/evaluation-campaigns",
            Some(&bureau),
            body("坏框架", &framework),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let m = r.json()["error"]["fields"]["framework"].as_str().unwrap_or_default().to_string();
        assert!(m.contains(words), "{words}: {m}");
    }
    // Weights for the imported framework's own dimensions: checked against it.
    let mut weighted = body("权重不对", OWN);
    weighted["weights"] = serde_json::json!([{ "code": "POLICY", "weight": 30 }]);
    let r = json(&t, "POST", "/api/v1/evaluation-campaigns", Some(&bureau), weighted).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("应为 100"), "30 + 60: {}", r.body);
    let all =
        json(&t, "GET", "/api/v1/evaluation-campaigns", Some(&bureau), serde_json::Value::Null)
            .await;
    assert!(!all.body.contains("坏框架") && !all.body.contains("权重不对"), "nothing opened");

    let r = json(
        &t,
        "POST",
        "/api/v1/evaluation-campaigns",
        Some(&bureau),
        body("2026年度园区创新评价", OWN),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let detail = json(
        &t,
        "GET",
        &format!("/api/v1/evaluation-campaigns/{id}"),
        Some(&bureau),
        serde_json::Value::Null,
    )
    .await
    .json();
    let dims: Vec<(String, f64)> = detail["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["weight"].as_f64().unwrap()))
        .collect();
    assert_eq!(dims, [("POLICY".to_string(), 40.0), ("OUTPUT".to_string(), 60.0)]);
    // A county reports the imported qualitative item, and none of the built-in's.
    let county = bearer(&t, "county").await;
    let report =
        |item: &str| serde_json::json!({ "item": item, "body": "出台园区科技创新配套措施三项。" });
    let base = format!("/api/v1/evaluation-campaigns/{id}/ours/reports");
    let r = json(&t, "POST", &base, Some(&county), report("MEASURES")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = json(&t, "POST", &base, Some(&county), report("POLICIES")).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a built-in item is not this campaign's"
    );

    the_form_keeps_what_was_typed(&t, &until).await;
}

/// The form: the framework typed is kept beside the refusal, then opens the campaign.
async fn the_form_keeps_what_was_typed(t: &TestApp, until: &str) {
    let s = t.login("bureau").await;
    let form = |framework: String| {
        vec![
            ("title".to_string(), "2027年度园区评价".to_string()),
            ("year".into(), "2026".into()),
            ("level".into(), "county".into()),
            ("method".into(), "mean".into()),
            ("report_until".into(), until.to_string()),
            ("framework".into(), framework),
        ]
    };
    let fields = form(OWN.replace("weight = 60", "weight = 50"));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = t.post_form(&s, "/evaluation", &pairs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"err-framework\"") && r.body.contains("PARK-EVAL"),
        "kept: {}",
        r.body
    );
    let fields = form(OWN.to_string());
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = t.post_form(&s, "/evaluation", &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(&s, r.location()).await.body;
    assert!(page.contains("政策落实") && page.contains("孵化器数量") && !page.contains("创新管理"));
}
