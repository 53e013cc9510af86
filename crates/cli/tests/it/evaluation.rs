//! The county evaluation in headless Chromium: 榆中县's admin reports a qualitative item of the
//! 2026 campaign (an empty one refused with the rule named) and attaches a PDF as evidence; the
//! bureau closes reporting; the invited expert finds the report on the blind sheet, is refused a
//! score off the scale and scores it; the bureau's 2025 campaign shows its ranking and chart.
use crate::common::*;
use serde_json::json;

const WORDS: &str = "2026年出台《促进科技成果转化若干措施》，设立科技成果转化引导资金 500 万元。";

/// The campaign's id from the first link to `/evaluation/{id}/{tail}` on the page.
fn campaign_link(b: &Browser, tail: &str) -> String {
    let source = b.source();
    let at = source.find("2026年度创新型县区评价").expect("the 2026 campaign is listed");
    let before = &source[..at];
    let id = before.rsplit("href=\"/evaluation/").next().unwrap().split('/').next().unwrap();
    let id = id.split('"').next().unwrap().to_string();
    assert!(id.chars().all(|c| c.is_ascii_digit()), "{id} ({tail})");
    id
}

#[test]
fn browser_a_county_reports_with_evidence_and_an_expert_scores_it_blind() {
    let (db, _guard) = fresh_db();
    seed(&db);
    expert_works_outside_the_county(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    let id = the_county_reports(&b, &base);
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/evaluation/{id}"));
    b.screenshot("evaluation-campaign-reporting");
    b.click("#start-scoring-form button");
    b.wait_for(|| b.text("#campaign-stage").contains("评分中"));
    the_expert_scores(&b, &base, &id);
    // The finished 2025 campaign: ranking with intervals, chart, bulletin and workbook links.
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/evaluation"));
    b.screenshot("evaluation-list");
    let source = b.source();
    let at = source.find("2025年度创新型县区评价").unwrap();
    let id25 = source[..at]
        .rsplit("href=\"/evaluation/")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    b.go(&format!("{base}/evaluation/{id25}"));
    assert!(
        b.text("#campaign-stage").contains("已通报")
            && b.exists("#ranking")
            && b.exists("#bulletin-pdf")
    );
    b.scroll_to("#results");
    b.screenshot("evaluation-results");
    b.go(&format!("{base}/public/evaluations"));
    assert!(b.text("main").contains("2025年度创新型县区评价"));
    b.screenshot("evaluation-public");
    a_framework_that_does_not_sum_is_refused_beside_it(&b, &base);
}

/// The bureau imports its own framework for a campaign: one whose dimensions weigh 90 together
/// is refused beside the text, which is kept, and no campaign opens.
fn a_framework_that_does_not_sum_is_refused_beside_it(b: &Browser, base: &str) {
    b.go(&format!("{base}/evaluation"));
    b.click("#framework-import summary");
    let framework = "code = \"PARK\"\nname_zh = \"园区评价\"\nname_en = \"Parks\"\n\n[[dimension]]\ncode = \"POLICY\"\nname_zh = \"政策落实\"\nname_en = \"Policies\"\nweight = 90\n\n[[item]]\ncode = \"MEASURES\"\ndimension = \"POLICY\"\nkind = \"qualitative\"\nname_zh = \"出台配套措施\"\nname_en = \"Measures\"\nmax_score = 10\nweight = 100\n";
    b.type_into("#framework-text", framework);
    b.click("#campaign-save");
    b.wait_for(|| b.exists("#err-framework"));
    assert!(
        b.text("#err-framework").contains("各维度权重合计为 90，应为 100"),
        "{}",
        b.text("#err-framework")
    );
    assert!(b.value("#framework-text").contains("出台配套措施"), "what was typed is kept");
    b.scroll_to("#framework-import");
    b.screenshot("evaluation-framework-refused");
}

/// The demo draws its expert at random from the library, and the draw may pick one whose
/// organisation lies in 榆中县 (its report would rightly be withheld from them). This scenario's
/// expert works at a city-level unit, outside every county.
fn expert_works_outside_the_county(db: &str) {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let d = innocity_store::Db::connect(db).await.unwrap();
        let tx = d.begin_write().await.unwrap();
        let moved = tx
            .exec(
                "UPDATE experts SET unit_path = (SELECT MIN(path) FROM org_units WHERE level = 'city') WHERE user_id = (SELECT id FROM users WHERE username = 'expert')",
                vec![],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(moved, 1, "the demo expert has a library record");
    })
}

/// 榆中县's admin saves the policies item (an empty one refused) and uploads its evidence.
fn the_county_reports(b: &Browser, base: &str) -> String {
    sign_in(b, base, "county");
    b.go(&format!("{base}/evaluation/ours"));
    let id = campaign_link(b, "ours");
    b.go(&format!("{base}/evaluation/{id}/ours"));
    assert!(b.text("main").contains("榆中县") && b.exists("#report-POLICIES"));
    b.screenshot("evaluation-ours");
    // Nothing written: refused, the rule named.
    b.click("#save-POLICIES");
    b.wait_for(|| b.exists("#error-message"));
    assert!(b.text("main").contains("请填写内容"), "{}", b.text("main"));
    b.screenshot("evaluation-report-refused");
    b.go(&format!("{base}/evaluation/{id}/ours"));
    b.type_into("#body-POLICIES", WORDS);
    b.click("#save-POLICIES");
    b.wait_for(|| b.exists("#upload-POLICIES"));
    assert!(b.value("#body-POLICIES").contains("引导资金 500 万元"));
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("科技成果转化若干措施.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
    )
    .unwrap();
    let input = b.find("#file-POLICIES");
    b.post(&format!("/element/{input}/value"), json!({ "text": pdf.display().to_string() }));
    b.click("#upload-button-POLICIES");
    b.wait_for(|| b.exists("#evidence-POLICIES"));
    assert!(b.text("#evidence-POLICIES").contains("科技成果转化若干措施.pdf"));
    b.scroll_to("#item-POLICIES");
    b.screenshot("evaluation-report-evidence");
    id
}

/// The expert finds the report by its words on the blind sheet and scores it.
fn the_expert_scores(b: &Browser, base: &str, id: &str) {
    sign_in(b, base, "expert");
    b.go(&format!("{base}/evaluation/invited"));
    assert_eq!(campaign_link(b, "scoring"), id);
    b.go(&format!("{base}/evaluation/{id}/scoring"));
    let source = b.source();
    assert!(!source.contains("榆中县") && !source.contains("城关区"), "no unit is named");
    let at = source.find("引导资金 500 万元").expect("the report on the sheet");
    let number =
        source[..at].rsplit("id=\"unit-").next().unwrap().split('"').next().unwrap().to_string();
    let field = format!("#score-{number}-POLICIES");
    b.scroll_to(&format!("#unit-{number}"));
    b.type_into(&field, "12");
    b.click(&format!("#score-save-{number}"));
    b.wait_for(|| b.exists("#error-message"));
    assert!(b.text("main").contains("超出"), "{}", b.text("main"));
    b.screenshot("evaluation-score-refused");
    b.go(&format!("{base}/evaluation/{id}/scoring"));
    b.type_into(&field, "8.5");
    b.click(&format!("#score-save-{number}"));
    // Saved: the sheet comes back at the unit's anchor, the score kept.
    b.wait_for(|| b.current_url().contains(&format!("#unit-{number}")) && b.exists(&field));
    assert_eq!(b.value(&field), "8.5");
    b.scroll_to(&format!("#unit-{number}"));
    b.screenshot("evaluation-scored");
}
