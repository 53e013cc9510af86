//! Service providers in headless Chromium: the demo's provider adds a service (a negative price
//! is named beside nothing lost), an enterprise finds it in the directory and orders a test, the
//! provider accepts, receives the samples and uploads the report, the enterprise confirms and
//! rates it, and the rating shows on the provider's page — also at a phone's width. Then the
//! bureau's open-sharing evaluation: published, and the best owner rewarded.
use crate::common::*;

const SERVICE: &str = "锂电池正极材料 ICP 元素分析";

/// The id in `id="{prefix}{id}"` of the first block of the page that mentions `text`.
fn block_id(b: &Browser, prefix: &str, text: &str) -> String {
    b.source()
        .split(&format!("id=\"{prefix}"))
        .skip(1)
        .find(|chunk| chunk.split("</div>").next().unwrap_or("").contains(text))
        .and_then(|chunk| chunk.split('"').next())
        .unwrap_or_else(|| panic!("no {prefix} block with {text}"))
        .to_string()
}

#[test]
fn browser_an_enterprise_orders_a_test_and_rates_the_report() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    let provider_page = provider_adds_a_service(&b, &base);

    sign_in(&b, &base, "orgadmin");
    b.go(&format!("{base}/providers?kind=testing"));
    assert!(b.text("#provider-count").contains("家"));
    b.screenshot("providers-directory");
    b.go(&provider_page);
    let service = block_id(&b, "service-", SERVICE);
    b.type_into(&format!("#order-{service} [name=quantity]"), "2");
    b.type_into(&format!("#order-{service} [name=samples]"), "正极粉末 2 袋，快递寄送");
    b.type_into(&format!("#order-{service} [name=requirements]"), "测 Li、Ni、Co、Mn 含量");
    b.scroll_to(&format!("#order-{service}"));
    b.screenshot("providers-order-form");
    b.click(&format!("#order-{service} button"));
    b.wait_for(|| b.current_url().ends_with("/services/orders"));
    let order = block_id(&b, "order-", SERVICE);
    assert!(b.text(&format!("#order-{order}")).contains("待受理"));

    sign_in(&b, &base, "provider");
    b.go(&format!("{base}/providers/mine#orders"));
    assert_eq!(b.value(&format!("#order-{order} [name=fee_yuan]")), "900.00", "the estimate");
    b.click(&format!("#order-{order} button[value=accept]"));
    b.wait_for(|| b.exists(&format!("#order-{order} button[value=receive]")));
    b.click(&format!("#order-{order} button[value=receive]"));
    b.wait_for(|| b.exists(&format!("#report-file-{order}")));
    let pdf = data_dir(&db).join("report.pdf");
    std::fs::write(&pdf, innocity_demo::providers::report_pdf("Test report")).unwrap();
    b.attach(&format!("#report-file-{order} [name=file]"), &pdf);
    b.click(&format!("#report-file-{order} button"));
    b.wait_for(|| b.exists(&format!("#order-{order} a[href$='/report']")));
    b.scroll_to(&format!("#order-{order}"));
    b.screenshot("providers-report-attached");
    b.click(&format!("#send-report-{order} button"));
    b.wait_for(|| b.text(&format!("#order-{order}")).contains("等待委托方确认"));

    sign_in(&b, &base, "orgadmin");
    b.go(&format!("{base}/services/orders"));
    b.click(&format!("#order-{order} button[value=complete]"));
    b.wait_for(|| b.exists(&format!("#rate-{order}")));
    b.choose(&format!("#rate-{order} [name=score]"), "5");
    b.type_into(&format!("#rate-{order} [name=comment]"), "报告两天就出，数据完整");
    b.click(&format!("#rate-{order} button"));
    b.wait_for(|| b.text(&format!("#order-{order}")).contains("★★★★★"));
    b.screenshot("providers-my-orders");
    b.go(&provider_page);
    assert!(b.text("#ratings").contains("报告两天就出"));
    b.size(390, 844);
    b.screenshot("providers-page-phone");

    the_bureau_publishes_and_rewards(&b, &base);
}

/// The bureau's open-sharing evaluation of the year: criteria, chart, ranking; published, then
/// the first owner rewarded.
fn the_bureau_publishes_and_rewards(b: &Browser, base: &str) {
    b.size(1400, 1100);
    sign_in(b, base, "bureau");
    b.go(&format!("{base}/sharing/evaluation"));
    assert!(b.text("#criteria").contains("运行使用"));
    assert!(b.text("#grade-counts").contains("良好"));
    b.screenshot("sharing-evaluation");
    b.click("#publish-form button");
    b.wait_for(|| b.text("#eval-state").contains("已发布"));
    b.scroll_to("#results");
    let form =
        b.source().split("id=\"outcome-").nth(1).unwrap().split('"').next().unwrap().to_string();
    b.choose(&format!("#outcome-{form} [name=outcome]"), "reward");
    b.type_into(&format!("#outcome-{form} [name=reward_wan]"), "5");
    b.type_into(&format!("#outcome-{form} [name=note]"), "开放共享成效突出，给予后补助");
    b.click(&format!("#outcome-{form} button"));
    b.wait_for(|| b.text("#result-1").contains("奖励 5.00 万元"));
    b.scroll_to("#results");
    b.screenshot("sharing-evaluation-published");
}

/// The provider adds a service (a negative price named, what was typed kept); its page's address.
fn provider_adds_a_service(b: &Browser, base: &str) -> String {
    sign_in(b, base, "provider");
    b.go(&format!("{base}/providers/mine"));
    assert!(b.text("#register-status").contains("已登记在册"));
    b.screenshot("providers-desk");
    b.type_into("#service-form [name=name]", SERVICE);
    b.choose("#service-form [name=kind]", "testing");
    b.type_into("#service-form [name=price]", "-50");
    b.type_into("#service-form [name=unit]", "每个样品");
    b.type_into("#service-form [name=turnaround_days]", "4");
    b.click("#service-form button");
    b.wait_for(|| b.exists("#form-errors"));
    assert!(b.text("#form-errors").contains("金额不能小于零"));
    assert_eq!(b.value("#service-form [name=name]"), SERVICE, "what was typed stays");
    b.screenshot("providers-service-error");
    b.type_into("#service-form [name=price]", "450");
    b.click("#service-form button");
    b.wait_for(|| b.source().contains("450.00 元/每个样品"));
    b.click("#register-status a");
    b.wait_for(|| b.exists("#services"));
    b.current_url()
}
