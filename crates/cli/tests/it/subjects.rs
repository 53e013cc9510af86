//! Innovation subjects in headless Chromium: an enterprise self-evaluating from its own returns
//! (a mistake named beside its field, then the result rule by rule), and the bureau's pre-check
//! of every enterprise.
use crate::common::*;

#[test]
fn browser_an_enterprise_self_evaluates_and_the_bureau_sees_every_precheck() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    sign_in(&b, &base, "orgadmin");
    b.go(&format!("{base}/subjects/self-evaluation"));
    // The return's figures are in, with their source; the rest waits for the enterprise.
    assert!(!b.text("#sme-form").is_empty());
    assert!(b.source().contains("2025 年 107-2 报表"));
    b.screenshot("self-evaluation-prefilled");
    b.choose("#resident_mainland", "yes");
    b.choose("#prohibited_industry", "no");
    b.type_into("#cost_expense", "一千万");
    b.type_into("#ip_class2", "3");
    b.click("#sme-evaluate");
    b.wait_for(|| b.exists("#err-cost_expense"));
    assert!(b.text("#err-cost_expense").contains("请填写数字"));
    assert_eq!(b.value("#ip_class2"), "3", "what was typed is kept");
    b.screenshot("self-evaluation-error");
    b.type_into("#cost_expense", "1000");
    b.click("#sme-evaluate");
    b.wait_for(|| b.exists("#sme-result"));
    let verdict = b.text("#sme-result-verdict");
    assert!(verdict.contains("科技型中小企业条件"), "{verdict}");
    assert!(b.exists("#history tbody tr"), "the evaluation is in the record");
    b.screenshot("self-evaluation-sme-result");
    // The 高企 pre-check with the figures only the enterprise knows.
    b.choose("#registered_on", "2015-03-01");
    for (id, v) in [("#core_ip", "yes"), ("#key_field", "yes")] {
        b.choose(id, v);
    }
    for (i, v) in ["5000", "5600", "6200"].iter().enumerate() {
        b.type_into(&format!("#net_assets_{i}"), v);
    }
    b.type_into("#hitech_revenue", "1");
    for (id, v) in
        [("#ip_points", "24"), ("#conversion_points", "22"), ("#organisation_points", "16")]
    {
        b.type_into(id, v);
    }
    b.click("#hnte-evaluate");
    b.wait_for(|| b.exists("#hnte-result"));
    let rules = b.text("#hnte-result");
    assert!(rules.contains("高新技术产品（服务）收入需再增加"), "what it would take: {rules}");
    b.screenshot("self-evaluation-hnte-result");

    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/subjects/precheck"));
    let counts = b.text("#precheck-counts");
    assert!(counts.contains("家企业") && counts.contains("待定"), "{counts}");
    assert!(b.exists("#precheck tbody tr"));
    b.screenshot("precheck-bureau");
    an_officer_works_the_pool(&b, &base);
    the_bureau_keeps_carriers_and_talent(&b, &base);
}

/// The bureau's registry of carriers (counts, a carrier's figures and grades, a registration
/// with a mistake named), the evaluations, talent and a team, and the public directory.
fn the_bureau_keeps_carriers_and_talent(b: &Browser, base: &str) {
    sign_in(b, base, "bureau");
    b.go(&format!("{base}/subjects/carriers?kind=incubator"));
    assert!(b.exists("#carrier-counts") && b.exists("#carriers tbody tr"));
    b.screenshot("carriers-bureau");
    b.click("#carriers tbody tr:first-child a");
    b.wait_for(|| b.exists("#carrier-code"));
    assert!(b.text("#figures").contains("在孵企业"), "{}", b.text("#figures"));
    assert!(b.exists("#grades table"), "graded in the demo's years");
    b.screenshot("carrier-detail");
    b.go(&format!("{base}/subjects/carriers"));
    b.type_into("#name", "兰州新区生物医药众创空间");
    b.choose("#kind", "maker_space");
    b.type_into("#host_credit_code", "91620100MA71234560");
    b.choose("#recognised_on", "2025-06-30");
    b.click("#carrier-save");
    b.wait_for(|| b.exists("#err-host_credit_code"));
    assert!(
        b.text("#err-host_credit_code").contains("校验码"),
        "{}",
        b.text("#err-host_credit_code")
    );
    assert_eq!(b.value("#name"), "兰州新区生物医药众创空间", "what was typed is kept");
    b.screenshot("carrier-register-error");
    b.go(&format!("{base}/subjects/carriers/evaluations"));
    assert!(b.text("#evaluations").contains("评审中"));
    b.click("#evaluations a.grade-link");
    b.wait_for(|| b.exists("#grading"));
    b.screenshot("carrier-evaluations");
    b.go(&format!("{base}/subjects/talent?programme=commissioner"));
    assert!(b.text("#people").contains("镇"), "commissioners' townships");
    b.screenshot("talent-commissioners");
    b.go(&format!("{base}/subjects/teams"));
    b.click("#teams tbody tr:first-child a");
    b.wait_for(|| b.exists("#members"));
    assert!(b.text("#members").contains("带头人"));
    b.screenshot("team-detail");
    // The organisation's own page: its carriers' codes and its people's reports.
    sign_in(b, base, "orgadmin");
    b.go(&format!("{base}/subjects/ours"));
    assert!(b.exists("#carriers") && b.exists("#people"));
    b.screenshot("subjects-ours");
    b.clear_cookies();
    b.go(&format!("{base}/public/carriers"));
    assert!(b.exists("#directory tbody tr") && b.exists("#carrier-counts"));
    b.screenshot("carriers-public-directory");
}

/// A zone officer works the pool: a new candidate in, a visit recorded, the load kept.
fn an_officer_works_the_pool(b: &Browser, base: &str) {
    sign_in(b, base, "zone");
    b.go(&format!("{base}/subjects/pools"));
    let before = b.text("#pool-counts");
    b.click("#candidates input.candidate");
    b.click("#pool-add-button");
    b.wait_for(|| b.text("#pool-counts") != before);
    b.screenshot("pool-zone");
    b.click("#pool tbody tr:first-child a.entry-link");
    b.wait_for(|| b.exists("#visit-form"));
    b.type_into("#visit-note", "走访企业研发中心，核对研发费用辅助账。");
    b.click("#visit");
    // The entry may have visits already: wait for this one.
    b.wait_for(|| b.exists("#visits") && b.text("#visits").contains("核对研发费用辅助账"));
    b.screenshot("pool-entry-visited");
    // The demo's zone officer already follows five: a sixth is refused, named on the page.
    b.go(&format!("{base}/subjects/pools"));
    b.click("#pool tbody tr:last-child a.entry-link");
    b.wait_for(|| b.exists("#assign-form"));
    let zone_officer = b
        .source()
        .split("<option value=\"")
        .filter_map(|o| o.split_once("\">"))
        .find(|(_, label)| label.starts_with("兰州高新区"))
        .map(|(v, _)| v.to_string());
    b.choose("#officer_id", &zone_officer.expect("the zone's officer is offered"));
    b.click("#assign");
    b.wait_for(|| b.exists("#pool-error"));
    assert!(b.text("#pool-error").contains("每人不超过 5 家"), "{}", b.text("#pool-error"));
    b.screenshot("pool-entry-over-load");
}
