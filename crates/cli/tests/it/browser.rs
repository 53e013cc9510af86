//! Headless Chromium through chromedriver against a real server process: each role's menu and
//! refusals, and the platform's main journeys, with screenshots.
use crate::common::*;
use serde_json::json;

#[test]
fn browser_each_role_signs_in_sees_its_menu_and_is_refused_others() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();

    // Chinese is the default; the browser's own language is English, so say it once.
    b.go(&format!("{base}/?lang=zh"));
    assert!(b.text("h1").contains("创新型城市科技管理与服务平台"));
    // the demo's 300 organisations and the risk-compensation fund's three banks
    assert_eq!(b.text("#org-count"), "305");
    b.screenshot("home-zh");
    each_role_sees_its_menu_and_is_refused_others(&b, &base);
    a_zone_admin_lists_and_a_bad_code_is_named(&b, &base);
    the_language_is_switched_and_kept(&b, &base);
    staff_pages_render(&b, &base);
    on_a_phone(&b, &base);
}

/// Each role: the menu entries that must show, those that must not, a page it is refused; the public account has no workspace.
fn each_role_sees_its_menu_and_is_refused_others(b: &Browser, base: &str) {
    struct RoleCase {
        user: &'static str,
        shown: &'static [&'static str],
        hidden: &'static [&'static str],
        refused: Option<&'static str>,
    }
    let cases: &[RoleCase] = &[
        RoleCase {
            user: "admin",
            shown: &["工作台", "创新主体", "行政区划与园区", "审计日志"],
            hidden: &[],
            refused: None,
        },
        RoleCase {
            user: "bureau", shown: &["创新主体", "审计日志"], hidden: &[], refused: None
        },
        RoleCase {
            user: "zone",
            shown: &["创新主体", "行政区划与园区"],
            hidden: &["审计日志"],
            refused: Some("/audit"),
        },
        RoleCase {
            user: "orgadmin",
            shown: &["创新主体"],
            hidden: &["审计日志", "行政区划与园区"],
            refused: Some("/units"),
        },
        RoleCase {
            user: "member",
            shown: &["创新主体"],
            hidden: &["审计日志"],
            refused: Some("/orgs/new"),
        },
        RoleCase {
            user: "expert",
            shown: &["工作台", "修改密码"],
            hidden: &["创新主体"],
            refused: Some("/orgs"),
        },
        RoleCase {
            user: "provider",
            shown: &["创新主体"],
            hidden: &["审计日志"],
            refused: Some("/audit"),
        },
    ];
    for RoleCase { user, shown, hidden, refused } in cases {
        sign_in(b, base, user);
        assert!(
            b.current_url().ends_with("/workspace"),
            "{user} lands on the workspace: {} {}",
            b.current_url(),
            b.source().split("<main").nth(1).unwrap_or("")
        );
        let menu = b.menu_text();
        for m in *shown {
            assert!(menu.contains(m), "{user} menu shows {m}: {menu}");
        }
        for m in *hidden {
            assert!(!menu.contains(m), "{user} menu hides {m}: {menu}");
        }
        b.screenshot(&format!("workspace-{user}"));
        if *user == "bureau" {
            an_area_of_the_menu_opens(b);
        }
        if let Some(path) = refused {
            b.go(&format!("{base}{path}"));
            assert!(
                b.text("#error-message").contains("您没有权限访问此内容"),
                "{user} refused {path}"
            );
            b.screenshot(&format!("refused-{user}"));
        }
    }
    // The public account has no workspace.
    sign_in(b, base, "public");
    assert!(b.text("#error-message").contains("您没有权限"));
}

/// The areas fit on one line; one opens below its label.
fn an_area_of_the_menu_opens(b: &Browser) {
    b.click("#menu details.menu-group:nth-of-type(4) summary");
    b.wait_for(|| b.text("#menu").contains("行政区划与园区"));
    b.screenshot("menu-open");
}

/// Organisation list as a zone admin, then a bad credit code on the create form.
fn a_zone_admin_lists_and_a_bad_code_is_named(b: &Browser, base: &str) {
    // Organisation list as a zone admin, then a bad credit code on the create form.
    sign_in(b, base, "zone");
    b.go(&format!("{base}/orgs"));
    assert!(b.text("#org-total").contains("共"));
    b.screenshot("orgs-zone");
    b.go(&format!("{base}/orgs/new"));
    b.type_into("#credit_code", "91350100M000100Y44");
    b.type_into("#name", "兰州示例光电科技有限公司");
    b.click("#org-save");
    b.wait_for(|| b.exists("#err-credit_code"));
    assert!(b.text("#err-credit_code").contains("应为“3”"));
    assert!(b.source().contains("兰州示例光电科技有限公司"), "input kept");
    b.screenshot("org-form-error");
}

/// Language switch, kept by cookie across pages.
fn the_language_is_switched_and_kept(b: &Browser, base: &str) {
    // Language switch, kept by cookie across pages.
    b.go(&format!("{base}/workspace"));
    b.click("#lang-switch");
    b.wait_for(|| b.current_url().contains("lang=en"));
    assert!(b.menu_text().contains("Organisations"));
    b.go(&format!("{base}/orgs"));
    assert!(b.text("h1").contains("Organisations"));
    b.screenshot("orgs-en");
}

/// Swagger UI under the CSP; the audit log, areas and accounts as staff.
fn staff_pages_render(b: &Browser, base: &str) {
    // Swagger UI, vendored, runs under the CSP.
    b.go(&format!("{base}/api/docs"));
    b.wait_for(|| b.exists(".swagger-ui .info"));
    b.screenshot("api-docs");
    // The audit log as bureau staff.
    sign_in(b, base, "bureau");
    b.go(&format!("{base}/audit?lang=zh"));
    assert!(b.text("#audit-table").contains("auth.login"));
    b.screenshot("audit");
    b.go(&format!("{base}/units"));
    assert!(b.text("#units-table").contains("白银高新区"));
    b.screenshot("units");
    // Staff rewrite a service's guide: a required field left empty is named, the text kept.
    b.go(&format!("{base}/public/guides/voucher/edit"));
    b.wait_for(|| b.exists("#guide-form"));
    b.type_into("input[name='zh.title']", "");
    b.click("#guide-save");
    b.wait_for(|| b.exists("#form-errors"));
    assert!(b.text("#guide-form").contains("此项必填"));
    b.screenshot("guide-edit-error");
    sign_in(b, base, "admin");
    b.go(&format!("{base}/users"));
    assert!(b.text("#users-table").contains("orgadmin2"));
    b.screenshot("users");
}

/// A phone.
fn on_a_phone(b: &Browser, base: &str) {
    // A phone.
    sign_in(b, base, "zone");
    b.size(390, 844);
    b.go(&format!("{base}/orgs?lang=zh"));
    assert!(b.exists("#org-table"));
    b.screenshot("orgs-phone");
    // the menu's areas open across the phone's width, the current entry marked
    b.click("#menu details.menu-group.active summary");
    b.wait_for(|| b.text("#menu").contains("行政区划与园区"));
    b.screenshot("menu-phone");
    b.click("#menu details.menu-group.active summary");
    b.go(&format!("{base}/"));
    b.screenshot("home-phone");
}

#[test]
fn browser_an_enterprise_reports_and_the_zone_reviews() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1000);
    // Bureau staff keep the 2025 survey open for another month, whatever today's date.
    sign_in(&b, &base, "bureau");
    let later = (innocity_store::clock::Clock::default().now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    b.go(&format!("{base}/stats/forms/107-2"));
    b.type_into("#deadline-period", "2025");
    let date = b.find("#deadline-date");
    // A date input takes the date through script, as a user's date picker would set it.
    b.post(
        "/execute/sync",
        json!({"script": "arguments[0].value = arguments[1];", "args": [{ELEMENT: date}, later]}),
    );
    b.click("#deadline-set");
    b.wait_for(|| b.exists("#notice"));
    b.screenshot("stats-form-definition");
    let return_url = the_enterprise_fills_in_and_submits(&b, &base);
    the_zone_approves_and_it_reads_in_english(&b, &base, &return_url);
}

/// The enterprise opens its 2025 return, sees the rules live, imports a CSV and submits.
fn the_enterprise_fills_in_and_submits(b: &Browser, base: &str) -> String {
    // The enterprise opens its 2025 return from the statistics page.
    sign_in(b, base, "orgadmin");
    b.go(&format!("{base}/stats"));
    b.screenshot("stats-overview-enterprise");
    b.click("#periods-107-2 a.open-return");
    b.wait_for(|| b.exists("#grid"));
    let return_url = b.current_url();
    assert!(b.text("#validation").contains("全部审核规则通过"));
    // A part that no longer adds up: saved as typed, the error shows at once.
    let cell = "#c-RD_EXP_PERS-T-0";
    let before: f64 = b.get(&format!("/element/{}/property/value", b.find(cell)))["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    b.type_into(cell, &format!("{}", before + 100.0));
    b.click("#return-title");
    b.wait_for(|| b.text("#m-c-RD_EXP_PERS-T-0").contains("已保存"));
    b.wait_for(|| b.exists("#violations tr[data-rule='R107-2-01']"));
    b.screenshot("stats-entry-error");
    // Not a number: refused beside the cell.
    b.type_into(cell, "一百");
    b.click("#return-title");
    b.wait_for(|| b.text("#m-c-RD_EXP_PERS-T-0").contains("不是数字"));
    b.screenshot("stats-entry-not-a-number");
    // Put it right; the panel clears.
    b.type_into(cell, &format!("{before}"));
    b.click("#return-title");
    b.wait_for(|| b.exists("#validation-ok"));
    // A CSV with a bad value: every problem named by line and column, nothing imported.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("values.csv");
    let code = b
        .source()
        .split("class=\"mono muted\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    std::fs::write(
        &csv,
        format!("element,disaggregation,period,org,value\nRD_STAFF,,2025,{code},很多\n"),
    )
    .unwrap();
    let input = b.find("#upload-file");
    b.post(&format!("/element/{input}/value"), json!({ "text": csv.display().to_string() }));
    b.click("#upload-button");
    b.wait_for(|| b.exists("#upload-result .alert-error"));
    assert!(
        b.text("#upload-result").contains("第 2 行，value 列：“很多”不是数字"),
        "{}",
        b.text("#upload-result")
    );
    b.screenshot("stats-upload-error");
    // Submit.
    b.click("#submit-return");
    b.wait_for(|| b.exists("#notice"));
    assert!(b.text("#return-status").contains("待审核"));
    b.screenshot("stats-submitted");
    return_url
}

/// The zone admin sees progress, opens the return and approves it; totals and the chart; English.
fn the_zone_approves_and_it_reads_in_english(b: &Browser, base: &str, return_url: &str) {
    // The zone admin sees progress, opens the return and approves it; totals and the chart.
    sign_in(b, base, "zone");
    b.go(&format!("{base}/stats/107-2/2025"));
    assert!(b.exists("#area-orgs"));
    b.screenshot("stats-area-zone");
    b.go(return_url);
    b.click("#approve-button");
    b.wait_for(|| b.exists("#notice"));
    assert!(b.text("#return-status").contains("已审核"));
    b.go(&format!("{base}/stats/107-2/2024/analysis"));
    assert!(b.exists("#chart rect") && b.exists("#totals"));
    b.screenshot("stats-analysis-zone");
    // The same return in English.
    b.go(&format!("{return_url}?lang=en"));
    assert!(
        b.text("#validation").contains("Validation")
            && b.text("#return-status").contains("Approved")
    );
    b.screenshot("stats-return-en");
}

#[test]
fn browser_monitoring_dashboards_show_paths_warnings_and_rankings() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/indicators"));
    b.click("#frameworks a");
    b.wait_for(|| b.exists("#cards"));
    assert!(b.text("#dash-title").contains("兰白试验区主要发展指标"));
    // Ten indicators, each with its chart; the demo's pilot zone is behind on some.
    let cards = b.source().matches("class=\"card ind-card").count();
    assert_eq!(cards, 10);
    assert!(b.exists("#cards svg.line-chart polyline.actual") && b.exists("#cards circle.target"));
    b.screenshot("indicators-dashboard");
    assert!(b.exists("#warnings li"), "warnings are listed");
    b.go(&format!("{base}/indicators/LANBAI-2020/compare"));
    b.wait_for(|| b.exists("#ranking"));
    assert_eq!(b.source().matches("<tr><td class=\"num\">").count(), 4, "four zones ranked");
    assert!(
        b.exists("#sobol") && b.source().matches("<rect x=").count() >= 4,
        "the map-like grid has a tile per zone"
    );
    b.screenshot("indicators-compare");
    b.post(
        "/execute/sync",
        json!({"script": "document.getElementById('map-grid').scrollIntoView();", "args": []}),
    );
    b.screenshot("indicators-map");
    // By county: the thirteen counties and districts, chosen on the form.
    b.choose("#by-select", "county");
    b.click("form.filters button");
    b.wait_for(|| b.current_url().contains("by=county"));
    assert_eq!(b.source().matches("<tr><td class=\"num\">").count(), 13, "13 counties ranked");
    assert!(b.text("#ranking").contains("榆中县"));
    b.screenshot("indicators-compare-counties");
    // A county for a unit that is no park is refused on the field, what was typed kept.
    b.go(&format!("{base}/units/new"));
    let lanzhou = b.value("#unit-form select[name=parent_id] option:nth-child(3)");
    let county = b.value("#unit-form select[name=county_id] option:nth-child(2)");
    b.choose("#unit-form select[name=parent_id]", &lanzhou);
    b.choose("#unit-form select[name=county_id]", &county);
    b.type_into("#unit-form input[name=code]", "LZ-NEW");
    b.type_into("#unit-form input[name=name_zh]", "新功能区");
    b.type_into("#unit-form input[name=name_en]", "New zone");
    b.click("#unit-form button.btn-primary");
    b.wait_for(|| b.exists("#err-county_id"));
    assert!(b.text("#err-county_id").contains("只有园区可以归属县（区）"));
    assert_eq!(b.value("#unit-form input[name=code]"), "LZ-NEW");
    b.screenshot("units-county-refused");
    moves_a_park_to_another_county_and_back(&b, &base);
    b.go(&format!("{base}/indicators/LANBAI-2020/index"));
    b.wait_for(|| b.exists("#index-chart"));
    assert!(b.exists("#index-tree") && b.exists("#rank-intervals line"));
    b.screenshot("indicators-index");
    // By quarter and half year: the quarterly framework's first half of this year, chosen on the
    // form — each line year to date against the plan by then, with its source.
    b.go(&format!("{base}/indicators/LANBAI-Q2026/periods"));
    b.wait_for(|| b.exists("#period-table"));
    let h1 = format!("{}S1", &b.value("#period-select")[..4]);
    b.choose("#period-select", &h1);
    b.click("#period-filters button");
    b.wait_for(|| b.current_url().contains(&format!("period={h1}")) && b.exists("#period-table"));
    assert!(b.text("#period-title").contains("上半年"), "{}", b.text("#period-title"));
    let table = b.text("#period-table");
    assert!(table.contains("统计报表汇总") && table.contains("平台记录自动计算"), "{table}");
    assert!(b.exists("#line-Q_RD_SPENDING .bar-fill") && b.exists("#period-pdf"));
    b.screenshot("indicators-half-year");
    releases_the_last_quarter(&b, &base);
    the_innovation_survey(&b, &base);
    // A zone admin sees its own zone only.
    sign_in(&b, &base, "zone");
    b.go(&format!("{base}/indicators/LANBAI-2020"));
    assert!(b.text("#dash-title").contains("兰州高新区"));
    b.screenshot("indicators-zone");
}

/// On its row of /units, 和平园区 (in 榆中县) is moved to another county of Lanzhou, chosen from
/// the counties its city offers, and back; the list says where it lies after each move.
fn moves_a_park_to_another_county_and_back(b: &Browser, base: &str) {
    let form = "#county-LZGX-HP";
    b.go(&format!("{base}/units"));
    b.wait_for(|| b.exists(form));
    let home = b.value(&format!("{form} select"));
    assert_eq!(b.text(&format!("{form} select option:checked")), "榆中县");
    let src = b.source();
    let start = src.find("id=\"county-LZGX-HP\"").unwrap();
    let row = &src[start..start + src[start..].find("</form>").unwrap()];
    assert!(row.contains("城关区") && !row.contains("白银区"), "its city's counties only: {row}");
    let other = b.value(&format!("{form} select option:nth-child(2)"));
    assert_ne!(other, home);
    let other_name = b.text(&format!("{form} select option:nth-child(2)"));
    b.choose(&format!("{form} select"), &other);
    b.click(&format!("{form} button"));
    b.wait_for(|| b.exists(form) && b.value(&format!("{form} select")) == other);
    assert_eq!(b.text(&format!("{form} select option:checked")), other_name);
    b.screenshot("units-county-moved");
    b.choose(&format!("{form} select"), &home);
    b.click(&format!("{form} button"));
    b.wait_for(|| b.exists(form) && b.value(&format!("{form} select")) == home);
    assert_eq!(b.text(&format!("{form} select option:checked")), "榆中县");
}

/// The innovation survey's yearly report (CX-1, 2025): the shares, the charts, the PDF link.
fn the_innovation_survey(b: &Browser, base: &str) {
    b.go(&format!("{base}/stats/CX-1/2025/survey"));
    b.wait_for(|| b.exists("#survey-figures"));
    assert!(b.text("#survey-title").contains("2025"), "{}", b.text("#survey-title"));
    assert!(b.exists("#types-chart") && b.exists("#obstacles-chart") && b.exists("#survey-pdf"));
    assert!(b.text("#survey-responses").chars().any(|c| c.is_ascii_digit() && c != '0'));
    b.screenshot("stats-survey");
}

/// The last quarter ended, still unreleased in the demo: the bureau releases it, and everyone
/// reads it on the public page, as released, with the areas' values.
fn releases_the_last_quarter(b: &Browser, base: &str) {
    // The framework follows 2025–2026: its last quarter ended, which the demo left unreleased.
    let today = innocity_store::clock::Clock::default().today();
    let last = (2025..=2026)
        .flat_map(|y| (1..=4).map(move |q| innocity_core::periods::Period::Quarter(y, q)))
        .rev()
        .find(|q| q.days().1 < today)
        .unwrap();
    b.go(&format!("{base}/indicators/LANBAI-Q2026/periods?period={last}"));
    b.wait_for(|| b.exists("#release-form"));
    // The demo's last quarter ended is still being reported (or, once 2026 is over, its last
    // quarter was never reported): the page says how many are in, and releasing regardless takes
    // the box ticked.
    assert!(b.exists("#accept-incomplete"), "the box is offered");
    let said = b.text("#period-coverage");
    assert!(said.contains("应报") && said.contains("尚未报齐"), "{said}");
    b.screenshot("release-coverage");
    b.click("#accept-incomplete");
    b.click("#release-form button");
    b.wait_for(|| b.current_url().contains("/public/releases/LANBAI-Q2026/"));
    assert!(b.text("#release-coverage").contains("报送情况"));
    assert!(b.text("#release-meta").contains("第 1 版"), "{}", b.text("#release-meta"));
    let released = b.text("#release-table");
    assert!(released.contains("同比") && released.contains("企业研究开发费用"), "{released}");
    assert!(b.text("#release-areas").contains("城关区"));
    b.screenshot("release-public");
    b.go(&format!("{base}/public/releases"));
    assert!(b.source().matches("href=\"/public/releases/LANBAI-Q2026/").count() >= 2);
}

#[test]
fn browser_an_expert_scores_blind_and_staff_rank_the_round() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1000);
    // The expert sees only their own items and scores one.
    sign_in(&b, &base, "expert");
    b.go(&format!("{base}/my/reviews"));
    assert!(b.exists("#my-reviews tr.todo"));
    b.screenshot("reviews-my-list");
    b.click("#my-reviews tr.todo a");
    b.wait_for(|| b.exists("#score-form"));
    assert!(!b.exists("#panel-scores"), "blind while the round is open");
    for (id, v) in [
        ("#score-innovation", "8.5"),
        ("#score-feasibility", "7"),
        ("#score-team", "9"),
        ("#score-impact", "6.5"),
    ] {
        b.type_into(id, v);
    }
    let rec = b.find("#recommendation");
    b.post(
        "/execute/sync",
        json!({"script": "arguments[0].value = 'fund';", "args": [{ELEMENT: rec}]}),
    );
    b.type_into(
        "#comment",
        "研究目标明确，技术路线可行，团队基础较好，建议支持并加强成果转化考核。",
    );
    b.screenshot("reviews-scoring");
    b.click("#submit-review");
    b.wait_for(|| b.exists("#notice"));
    assert!(b.text("#review-status").contains("已提交"));
    assert_eq!(
        b.text("#total"),
        format!("{:.2}", 30.0 * 0.85 + 25.0 * 0.7 + 20.0 * 0.9 + 25.0 * 0.65)
    );
    b.screenshot("reviews-submitted");
    // Staff: the libraries, the open panel review with its committed seed, the finished round's
    // ranking, the credit records.
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/experts"));
    assert!(b.exists("#experts tr[data-status='suspended']"));
    b.screenshot("experts-list");
    b.click("#experts tbody tr:first-child a");
    b.wait_for(|| b.exists("#expert-title"));
    b.screenshot("expert-view");
    b.go(&format!("{base}/reviews"));
    b.screenshot("reviews-rounds");
    b.click("#rounds tr[data-code='LB2026-HY'] a");
    b.wait_for(|| b.exists("#round-title"));
    assert_eq!(b.text("#seed-hash").len(), 64);
    assert!(b.exists("#draw-log"));
    b.screenshot("reviews-panel-round");
    b.go(&format!("{base}/reviews"));
    b.click("#rounds tr[data-code='LB2026-TX'] a");
    b.wait_for(|| b.exists("#results"));
    assert!(b.text("#outliers").contains("E0"), "a harsh reviewer is flagged");
    assert!(b.text("#assign-proof").contains("已证明最优"), "the assignment says it is proven");
    b.screenshot("reviews-results");
    b.go(&format!("{base}/credit"));
    b.screenshot("credit");
}

#[test]
fn browser_a_researcher_applies_and_it_climbs_the_levels() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1000);
    the_member_fills_in_the_form(&b, &base);
    let url = a_required_answer_is_wanted_and_autosaved(&b);
    the_organisation_endorses_and_the_zone_recommends(&b, &base, &url);
    the_bureau_publishes_a_call(&b, &base);
}

/// From the home page to the service guide, a search, the guide to applying and its button: the
/// calls open now.
fn a_visitor_finds_the_service_in_the_guide(b: &Browser, base: &str) {
    b.go(&format!("{base}/?lang=zh"));
    b.wait_for(|| b.exists("#home-guides"));
    b.click("#home-guides");
    b.wait_for(|| b.exists("#guides-q"));
    b.screenshot("guides");
    b.type_into("#guides-q", "申报 项目");
    b.click("#guides-search button");
    b.wait_for(|| b.exists("#guides-found"));
    assert!(b.exists("#guide-apply-call"), "the search finds applying to a call");
    assert!(!b.exists("#guide-voucher"), "and not what does not match");
    b.screenshot("guides-search");
    b.click("#guide-apply-call");
    b.wait_for(|| b.exists("#guide-steps"));
    assert!(b.text("#guide-title").contains("科技计划项目申报"));
    assert!(b.exists("#guide-sign-in"));
    b.screenshot("guide");
    b.size(390, 844);
    b.screenshot("guide-phone");
    b.size(1400, 1000);
    b.click("#guide-start");
    b.wait_for(|| b.exists("#pcalls-open a"));
}

/// From the header's search box on the home page: calls and the guide found for 申报指南, the
/// words marked; narrowed to calls, and a call opened from its result.
fn a_visitor_searches_the_site(b: &Browser, base: &str) {
    b.go(&format!("{base}/?lang=zh"));
    b.wait_for(|| b.exists("#top-search input"));
    b.type_into("#top-search input", "项目申报指南\u{E007}");
    b.wait_for(|| b.exists("#search-hits"));
    assert!(b.exists("#facet-call") && b.exists("#facet-guide"), "{}", b.text("#search-facets"));
    assert!(b.exists("#search-hits mark"), "the words are marked");
    b.screenshot("search");
    b.click("#facet-call");
    b.wait_for(|| b.exists("#facet-call.active"));
    assert!(!b.exists("#search-hits li[data-kind=guide]"), "calls only");
    b.size(390, 844);
    b.screenshot("search-phone");
    b.size(1400, 1000);
    b.click("#search-hits li[data-kind=call] a.hit-title");
    b.wait_for(|| b.exists("#call-title"));
    assert!(b.text("#call-title").contains("申报指南"));
}

/// A visitor finds an open call from the home page, reads it (also on a phone) and is asked to
/// sign in when starting an application; the list shows the calls by standing.
fn a_visitor_finds_a_call_and_is_asked_to_sign_in(b: &Browser, base: &str) {
    b.clear_cookies();
    a_visitor_finds_the_service_in_the_guide(b, base);
    a_visitor_searches_the_site(b, base);
    b.go(&format!("{base}/?lang=zh"));
    b.wait_for(|| b.exists("#home-calls a"));
    b.click("#home-calls a");
    b.wait_for(|| b.exists("#call-title"));
    assert!(b.exists("#apply") && b.exists("#apply-hint") && b.exists("#rules"));
    b.screenshot("public-call");
    b.size(390, 844);
    b.screenshot("public-call-phone");
    b.size(1400, 1000);
    b.click("#apply");
    b.wait_for(|| b.exists("#username"));
    assert!(b.current_url().contains("next="), "{}", b.current_url());
    b.go(&format!("{base}/public/calls"));
    b.wait_for(|| b.exists("#pcalls-open"));
    b.screenshot("public-calls");
}

/// The member fills in the form: a bad amount named, input kept, the call's own questions.
fn the_member_fills_in_the_form(b: &Browser, base: &str) {
    a_visitor_finds_a_call_and_is_asked_to_sign_in(b, base);
    sign_in(b, base, "member");
    b.go(&format!("{base}/calls"));
    b.screenshot("projects-calls");
    b.click("#calls a.btn-primary");
    b.wait_for(|| b.exists("#app-form"));
    b.type_into("#app-title", "兰白地区稀土永磁材料低成本制备技术研究");
    b.type_into("input[name=leader_key]", "11010519491231002X");
    b.type_into("#app-summary", "研究稀土永磁材料的低成本制备工艺与性能调控，形成示范生产线。");
    // A bad amount is named beside its category, and nothing is stored.
    b.type_into("#req-equipment", "十万");
    b.click("#app-create");
    b.wait_for(|| b.exists("#form-errors") && b.text("#form-errors").contains("十万"));
    b.screenshot("projects-form-error");
    // The form came back with what was typed: correct the amount only.
    assert!(b.exists("#form-errors"));
    assert_eq!(
        b.get(&format!("/element/{}/property/value", b.find("#app-title")))["value"],
        "兰白地区稀土永磁材料低成本制备技术研究"
    );
    b.type_into("#req-equipment", "12");
    b.type_into("#req-indirect", "2");
    // The call's own questions: a draft may leave a required one empty.
    b.type_into(
        "textarea[name='q.研究基础与现有条件']",
        "已建成省级稀土功能材料工程技术研究中心，具备中试条件。",
    );
    b.click("select[name='q.预期成果形式'] option[value='专利']");
    b.screenshot("projects-own-questions");
    b.click("#app-create");
    b.wait_for(|| b.exists("#notice"));
    assert_eq!(b.text("#app-requested"), "14.00");
}

/// Submitting without the required answer is refused; the draft saves by itself; submitted.
fn a_required_answer_is_wanted_and_autosaved(b: &Browser) -> String {
    // Submitting without it is refused, naming it.
    let draft = b.current_url().split('?').next().unwrap().to_string();
    b.click("#act-submit");
    b.wait_for(|| b.source().contains("为必填项"));
    assert!(b.source().contains("技术就绪度（TRL）"));
    b.screenshot("projects-required-answer");
    // The refusal leads back to the draft; typing there saves it by itself (and keeps the page's
    // version current for the next click).
    b.click("#error-back");
    b.wait_for(|| b.exists("#autosave-status"));
    assert_eq!(b.current_url().split('?').next().unwrap(), draft);
    b.type_into("input[name='q.技术就绪度（TRL）']", "12");
    b.wait_for(|| b.text("#autosave-status").contains("1–9"));
    b.screenshot("projects-autosave-error");
    b.type_into("input[name='q.技术就绪度（TRL）']", "6");
    b.wait_for(|| b.text("#autosave-status").contains("已自动保存"));
    b.screenshot("projects-autosaved");
    b.click("#act-submit");
    b.wait_for(|| b.exists("#app-stage") && b.text("#app-stage").contains("待单位审核"));
    b.screenshot("projects-submitted");
    let url = b.current_url();

    url.split('?').next().unwrap().to_string()
}

/// The organisation endorses, the zone recommends; the bureau's board and list.
fn the_organisation_endorses_and_the_zone_recommends(b: &Browser, base: &str, url: &str) {
    // The organisation endorses, the zone recommends.
    sign_in(b, base, "orgadmin");
    b.go(url);
    b.click("#act-endorse");
    b.wait_for(|| b.exists("#app-stage") && b.text("#app-stage").contains("待区县推荐"));
    sign_in(b, base, "zone");
    b.go(url);
    b.click("#act-recommend");
    b.wait_for(|| b.exists("#app-stage") && b.text("#app-stage").contains("待形式审查"));
    b.screenshot("projects-recommended");
    // The bureau's board and list.
    sign_in(b, base, "bureau");
    b.go(&format!("{base}/projects/board"));
    assert!(b.exists("#ledgers"));
    b.screenshot("projects-board");
    b.go(&format!("{base}/applications?stage=recommended"));
    assert!(b.source().contains("兰白地区稀土永磁材料低成本制备技术研究"));
    b.screenshot("projects-list");
}

/// The bureau publishes a call: a mistake in the form's sections is named by line, then published.
fn the_bureau_publishes_a_call(b: &Browser, base: &str) {
    // The bureau publishes a call: a mistake in the form's sections is named by line; then it is
    // published with its guidelines, plan and questions.
    b.go(&format!("{base}/calls"));
    b.click("#new-call");
    b.wait_for(|| b.exists("#call-form"));
    b.screenshot("call-new");
    b.click("#call-programme option:nth-child(2)");
    b.type_into("#call-code", "JS2027");
    b.type_into("#call-title-input", "2027年度兰白自创区关键技术攻关专项申报指南");
    b.type_into("#call-topics", "稀土功能材料\n有色金属新材料");
    b.type_into(
        "#call-form-spec",
        "# 一、技术路线\n技术路线与创新点 | 长文本 | 必填\n知识产权情况 | 表格",
    );
    b.click("#call-save");
    b.wait_for(|| b.exists("#form-errors"));
    assert!(b.text("#form-errors").contains("第 3 行"), "{}", b.text("#form-errors"));
    b.screenshot("call-form-error");
    b.type_into("#call-form-spec", "# 一、技术路线\n技术路线与创新点 | 长文本 | 必填\n知识产权情况 | 选项 已授权/已受理/无 | 必填");
    b.click("#call-save");
    b.wait_for(|| b.exists("#review-plan"));
    assert!(b.text("#call-own-form").contains("知识产权情况"));
    b.screenshot("call-published");
    b.go(&format!("{base}/programmes"));
    b.screenshot("programmes");
}

#[test]
fn browser_a_leader_reports_and_the_bureau_follows_up() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1000);
    // The leader's workspace lists the overdue mid-term report; the project page takes it.
    sign_in(&b, &base, "member");
    b.go(&format!("{base}/workspace"));
    b.wait_for(|| b.exists("#ws-tasks"));
    assert!(b.text("#ws-tasks").contains("逾期"), "{}", b.text("#ws-tasks"));
    b.screenshot("projects-workspace-tasks");
    b.click("#ws-tasks a");
    b.wait_for(|| b.exists("#reports"));
    assert!(b.text("#project-status").contains("执行中"));
    b.screenshot("project-life");
    b.type_into(
        "#report-mid_term-1 textarea[name=body]",
        "中期报告：完成关键工艺试验和中试样机研制，阶段考核指标完成 60%，经费执行率 55%。",
    );
    b.click("#report-mid_term-1 button");
    b.wait_for(|| b.exists("#notice"));
    assert!(b.text("#reports").contains("已提交"), "{}", b.text("#reports"));
    let page = b.current_url().split('?').next().unwrap().to_string();
    b.go(&format!("{page}#life"));
    b.screenshot("project-report-submitted");
    b.go(&format!("{page}#changes"));
    b.screenshot("project-changes");
    // The public notice of the decided call, with the objection that withdrew an approval.
    b.go(&format!("{base}/notices"));
    b.click("#notices a");
    b.wait_for(|| b.exists("#notice-list"));
    assert!(b.text("#notice-list").contains("异议成立"));
    b.screenshot("notices-public");
    // The bureau: the portfolio's overdue items, the board's follow-up, the failed acceptance.
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/projects?overdue=1"));
    b.wait_for(|| b.exists("#projects"));
    assert_ne!(b.text("#overdue-count"), "0");
    b.screenshot("projects-portfolio");
    b.go(&format!("{base}/projects/board"));
    assert!(b.exists("#follow-up"));
    b.screenshot("projects-board-follow-up");
    b.go(&format!("{base}/projects?status=failed"));
    b.click("#projects tbody a");
    b.wait_for(|| b.exists("#outcome"));
    assert!(b.text("#outcome").contains("不通过"));
    let page = b.current_url().split('?').next().unwrap().to_string();
    b.go(&format!("{page}#opinions"));
    b.screenshot("project-failed");
}
