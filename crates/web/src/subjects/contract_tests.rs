use super::*;
use serde_json::{Value, json};

const SME: &str = r#"{"id": "e1", "resident_mainland": true, "employees": 120, "tech_staff": 30,
 "sales": 5000, "total_assets": 8000, "rd_expense": 400, "cost_expense": 4500,
 "ip_class1": 0, "ip_class2": 3, "prohibited_industry": false, "bad_record": false,
 "hnte_valid": false, "national_award_top3_5y": false, "provincial_rd_institution": false,
 "led_standard_5y": false}"#;

const HNTE: &str = r#"{"id": "h1", "registered_on": "2023-05-01", "apply_on": "2026-06-30", "core_ip": true,
 "key_field": true, "employees": 200, "tech_staff": 25,
 "sales": [3000, 4000, 4500], "net_assets": [2000, 2500, 3100],
 "rd": [200, 230, 260], "rd_domestic": [190, 220, 250],
 "hitech_revenue": 3000, "total_revenue": 4600, "serious_violation": false,
 "ip_points": 24, "conversion_points": 22, "organisation_points": 16}"#;

fn run(rules: Rules, enterprises: &[Value]) -> Result<Value, String> {
    let text = json!({ "enterprises": enterprises }).to_string();
    let out = results(rules, &text).map_err(|e| e.to_string())?;
    serde_json::from_str(&out).map_err(|e| e.to_string())
}

fn with(base: &str, field: &str, value: Value) -> Value {
    let mut v: Value = serde_json::from_str(base).unwrap_or_default();
    if value.is_null() {
        v.as_object_mut().map(|o| o.remove(field));
    } else {
        v[field] = value;
    }
    v
}

fn base(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_default()
}

#[test]
fn the_contracts_sme_examples_in_order_with_their_ids() {
    let mut second = base(SME);
    for (k, v) in [("id", json!(7)), ("employees", json!(80)), ("tech_staff", json!(7))] {
        second[k] = v;
    }
    for (k, v) in [("sales", 1200), ("rd_expense", 36), ("cost_expense", 1000), ("ip_class2", 2)] {
        second[k] = json!(v);
    }
    let out = run(Rules::Sme, &[base(SME), second]).unwrap_or_default();
    assert_eq!(
        out["results"][0],
        json!({"id": "e1", "eligible": true, "direct": false, "score": 84, "staff_points": 16,
               "rd_points": 50, "ip_points": 18, "failed": []})
    );
    assert_eq!(
        out["results"][1],
        json!({"id": 7, "eligible": false, "direct": false, "score": 32, "staff_points": 0,
               "rd_points": 20, "ip_points": 12, "failed": ["score_below_60", "no_tech_staff_points"]})
    );
}

#[test]
fn the_contracts_hnte_example() {
    let out = run(Rules::Hnte, &[base(HNTE)]).unwrap_or_default();
    let r = &out["results"][0];
    assert_eq!(r["id"], "h1");
    assert_eq!(r["verdict"], "pass");
    assert_eq!(r["rd_ratio"], 0.06);
    assert_eq!(r["rd_threshold"], 0.05);
    assert_eq!(r["net_assets_growth"], 0.245);
    assert_eq!(r["sales_growth"], 0.229167);
    assert_eq!(r["growth_points"], json!([10, 12]));
    assert_eq!(r["score"], json!([72, 74]));
    let rules: Vec<&str> = r["checks"]
        .as_array()
        .map_or(vec![], |c| c.iter().filter_map(|c| c["rule"].as_str()).collect());
    assert_eq!(rules.len(), 9);
    assert_eq!(rules[4], "rd_intensity");
    assert!(r["checks"][4]["detail"].as_str().is_some_and(|d| d.contains("690 万元")));
    // Undecided: null pass and verdict; a zero second year: null growth.
    let mut undecided = base(HNTE);
    undecided["ip_points"] = json!(22);
    undecided["net_assets"] = json!([2000, 0, 3100]);
    let out = run(Rules::Hnte, &[undecided]).unwrap_or_default();
    let r = &out["results"][0];
    assert_eq!(r["net_assets_growth"], Value::Null);
    assert_eq!(r["growth_points"], json!([5, 6]));
    assert_eq!(r["score"], json!([65, 66]));
    assert_eq!(r["verdict"], "fail");
    assert_eq!(r["checks"][7]["pass"], false);
}

#[test]
fn amounts_are_read_from_their_text_not_through_a_float() {
    // 0.3 of 5 is exactly 6%; written as 3e-1 too.
    let mut e = base(SME);
    let mut text = |rd: &str| {
        e["sales"] = json!(5);
        e["cost_expense"] = json!(0);
        let t = json!({ "enterprises": [e] })
            .to_string()
            .replace("\"rd_expense\":400", &format!("\"rd_expense\":{rd}"));
        let out = results(Rules::Sme, &t).map_err(|e| e.to_string()).unwrap_or_default();
        serde_json::from_str::<Value>(&out).unwrap_or_default()["results"][0]["rd_points"].clone()
    };
    assert_eq!(text("0.3"), 50);
    assert_eq!(text("3e-1"), 50);
    assert_eq!(text("0.29999"), 40);
}

#[test]
fn huge_figures_and_fractional_points_are_exact_and_never_panic() {
    let mut e = base(HNTE);
    e["net_assets"] = json!([0.01, 9223372037u64, 9223372037u64]);
    e["ip_points"] = json!(24.5);
    let out = run(Rules::Hnte, &[e]).unwrap_or_default();
    let r = &out["results"][0];
    assert_eq!(r["growth_points"], json!([14, 16]));
    assert_eq!(r["score"], json!([76.5, 78.5]));
    let text = results(
        Rules::Hnte,
        &json!({ "enterprises": [{
        "id": "big", "registered_on": "2020-01-01", "apply_on": "2026-06-30", "core_ip": true,
        "key_field": true, "employees": 10, "tech_staff": 1,
        "sales": [0.03, 0, 0], "net_assets": [1, 1, 1],
        "rd": [1e10, 1e10, 3333333333.33], "rd_domestic": [1, 1, 1],
        "hitech_revenue": 1, "total_revenue": 1, "serious_violation": false,
        "ip_points": 1, "conversion_points": 1, "organisation_points": 1 }] })
        .to_string(),
    );
    assert!(text.is_ok_and(|t| t.contains("\"rd_ratio\":777777777777.666667")));
}

#[test]
fn a_malformed_file_names_the_enterprise_and_the_field() {
    let cases = [
        (Rules::Sme, with(SME, "sales", json!(-1)), "enterprises[1].sales: 金额为负"),
        (Rules::Sme, with(SME, "employees", Value::Null), "enterprises[1].employees: 缺少"),
        (Rules::Sme, with(SME, "employees", json!("120")), "enterprises[1].employees: 应为数字"),
        (Rules::Sme, with(SME, "ip_class1", json!(1.5)), "enterprises[1].ip_class1: 应为整数"),
        (Rules::Sme, with(SME, "bad_record", json!(0)), "enterprises[1].bad_record: 应为 true"),
        (
            Rules::Sme,
            with(SME, "tech_staff", json!(121)),
            "enterprises[1].tech_staff: 科技人员 121 多于职工 120",
        ),
        (Rules::Sme, with(SME, "id", Value::Null), "enterprises[1].id: 缺少"),
        (Rules::Hnte, with(HNTE, "sales", json!([1, 2])), "enterprises[1].sales: 应为三个年度"),
        (Rules::Hnte, with(HNTE, "rd", json!([1, -2, 3])), "enterprises[1].rd[1]: 金额为负"),
        (
            Rules::Hnte,
            with(HNTE, "apply_on", json!("2026-6-30")),
            "enterprises[1].apply_on: 不是有效日期",
        ),
        (
            Rules::Hnte,
            with(HNTE, "apply_on", json!("2026-02-30")),
            "enterprises[1].apply_on: 不是有效日期",
        ),
        (
            Rules::Hnte,
            with(HNTE, "registered_on", json!(20230501)),
            "enterprises[1].registered_on: 应为",
        ),
        (
            Rules::Hnte,
            with(HNTE, "organisation_points", json!(21)),
            "enterprises[1].organisation_points: 超过满分 20",
        ),
        (Rules::Hnte, with(HNTE, "ip_points", json!(-1)), "enterprises[1].ip_points: 金额为负"),
        (
            Rules::Hnte,
            with(HNTE, "ip_points", json!(30.01)),
            "enterprises[1].ip_points: 超过满分 30",
        ),
        (
            Rules::Hnte,
            with(HNTE, "total_revenue", json!(0.0000001)),
            "enterprises[1].total_revenue: 小数超过六位",
        ),
    ];
    for (rules, bad, expected) in cases {
        let good = base(if matches!(rules, Rules::Sme) { SME } else { HNTE });
        let err = run(rules, &[good, bad]).err().unwrap_or_default();
        assert!(err.starts_with(expected), "{expected} ⟵ {err}");
    }
    for bad in
        ["", "{}", "[]", "{\"enterprises\": 5}", "{\"enterprises\": [5]}", "{\"enterprises\": [{}"]
    {
        assert!(results(Rules::Sme, bad).is_err(), "{bad}");
    }
    assert!(results(Rules::Sme, "{\"enterprises\": []}").is_ok_and(|t| t == "{\"results\":[]}"));
}

#[test]
fn a_large_file_is_read_on_every_core_and_still_names_its_first_bad_enterprise() {
    let good = base(SME);
    let mut list = vec![good.clone(); 5000];
    list[3100] = with(SME, "sales", json!(-5));
    list[1500] = with(SME, "employees", json!("many"));
    let err = run(Rules::Sme, &list).err().unwrap_or_default();
    assert!(err.starts_with("enterprises[1500].employees"), "{err}");
    list[1500] = good.clone();
    list[3100] = good;
    let out = run(Rules::Sme, &list).unwrap_or_default();
    let results = out["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 5000);
    assert!(results.iter().all(|r| r["score"] == 84 && r["id"] == "e1"), "in order, each computed");
}
