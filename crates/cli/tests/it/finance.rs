//! 免申即享 in headless Chromium on the demo: the finance office writes a policy (a rule naming
//! an unknown fact refused at its position, nothing stored), runs it for 2025, a second officer
//! checks and publishes the list; an enterprise sees what it is entitled to and why, gives a
//! wrong account number (named) and then a right one — also at a phone's width.
use crate::common::*;

fn fill_policy(b: &Browser, eligible: &str) {
    for (field, value) in [
        ("#code", "PUHUI-2025"),
        ("#title", "科技型企业普惠性奖励"),
        ("#issuer", "兰州市科学技术局"),
        ("#doc_number", "兰科发〔2025〕30号"),
        ("#body", "对无科研失信记录的科技型企业给予普惠性奖励1.5万元。"),
        ("#amount", "1.5"),
        ("#firm_cap", "2"),
    ] {
        b.type_into(field, value);
    }
    // date inputs take the digits in the browser's order
    for (field, value) in [
        ("#issued_on", "2025-02-10"),
        ("#effective_from", "2025-01-01"),
        ("#effective_to", "2026-12-31"),
    ] {
        b.choose(field, value);
    }
    b.type_into("#eligible", eligible);
}

#[test]
fn browser_the_finance_office_runs_a_policy_and_an_enterprise_sees_why() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/finance/policies"));
    assert!(b.text("#policies").contains("高新技术企业首次认定奖励"), "the demo's library");
    b.click("#new-policy");
    b.wait_for(|| b.exists("#policy-form"));
    fill_policy(&b, "#{BAD_CREDIT} == 0 && #{RD_EXPENSE} > 0");
    b.click("#policy-save");
    b.wait_for(|| b.exists("#form-errors"));
    let why = b.text("#err-eligible");
    assert!(why.contains("第 23 个字符") && why.contains("RD_EXPENSE"), "{why}");
    b.scroll_to("#err-eligible");
    b.screenshot("finance-rule-refused");
    b.type_into("#eligible", "#{BAD_CREDIT} == 0");
    b.click("#policy-save");
    b.wait_for(|| b.exists("#run-form"));
    b.choose("#run-year", "2025");
    b.click("#run-policy");
    b.wait_for(|| b.exists("#lines"));
    assert!(b.exists("#maker-note"), "the maker may not check");
    assert!(b.text("#lines").contains("按公式计算 1.50 万元"));
    b.screenshot("finance-run-computed");
    let run = b.current_url();

    sign_in(&b, &base, "admin");
    b.go(&run);
    b.type_into("#check-note", "与统计、诚信数据核对无误");
    b.click("#check-save");
    b.wait_for(|| b.exists("#publish"));
    b.click("#publish");
    b.wait_for(|| b.exists("#pay-form"));
    assert!(b.text("#run-state").contains("公示中"));
    b.screenshot("finance-run-published");
    b.go(&format!("{base}/finance/figures?year=2025"));
    assert!(b.text("#policy-figures").contains("科技型企业普惠性奖励"));
    assert!(b.text("#zones").contains("兰州高新区"));
    b.screenshot("finance-figures");

    sign_in(&b, &base, "orgadmin");
    b.go(&format!("{base}/finance/mine"));
    assert!(b.text("#match-PUHUI-2025").contains("预计可享"));
    assert!(b.text("#match-PUHUI-2025").contains("年末因科研失信处于限制期"), "why, fact by fact");
    b.screenshot("finance-mine");
    let form = "#lists form[id^=account-]";
    b.type_into(&format!("{form} [name=holder]"), "兰州某科技有限公司");
    b.type_into(&format!("{form} [name=bank]"), "兰州银行高新区支行");
    b.type_into(&format!("{form} [name=number]"), "6217-0000");
    b.click(&format!("{form} button"));
    b.wait_for(|| b.exists("#form-errors"));
    assert!(b.text("#form-errors").contains("8–32 位数字"), "{}", b.text("#form-errors"));
    b.scroll_to("#form-errors");
    b.screenshot("finance-account-refused");
    b.type_into(&format!("{form} [name=holder]"), "兰州某科技有限公司");
    b.type_into(&format!("{form} [name=bank]"), "兰州银行高新区支行");
    b.type_into(&format!("{form} [name=number]"), "6217000012349876");
    b.click(&format!("{form} button"));
    b.wait_for(|| b.text("#lists").contains("****9876"));
    b.size(390, 844);
    b.screenshot("finance-mine-phone");
}

/// The risk-compensation fund in headless Chromium on the demo: a bank records a loan beyond its
/// agreement's cap (refused in Chinese, nothing stored) and then within it, and sees the loan's
/// schedule; the finance office sees the fund's balances with the ledger's equation checked, each
/// bank's leverage, and the year's figures.
#[test]
fn browser_a_bank_records_a_loan_and_the_finance_office_sees_the_fund_balance() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    sign_in(&b, &base, "bank");
    b.go(&format!("{base}/finance/loans"));
    assert!(b.text("#agreements").contains("兰白科技贷风险补偿资金池"), "the bank's agreement");
    b.screenshot("fund-bank-loans");
    let borrower = b.text("#loan-rows tbody tr td .mono");
    assert_eq!(borrower.trim().len(), 18, "a borrower's credit code: {borrower}");
    let fill = |principal: &str, contract: &str| {
        b.go(&format!("{base}/finance/loans"));
        b.click("#record summary");
        b.type_into("#loan-borrower", borrower.trim());
        b.type_into("#loan-contract", contract);
        b.type_into("#loan-principal", principal);
        b.click("#loan-save");
    };
    fill("20,000,000.00", "兰银科贷〔2026〕9001号");
    b.wait_for(|| b.text("body").contains("单笔上限"));
    b.screenshot("fund-loan-refused");
    fill("3,000,000.00", "兰银科贷〔2026〕9001号");
    b.wait_for(|| b.exists("#schedule"));
    assert!(b.text("#loan").contains("兰银科贷〔2026〕9001号"));
    assert!(b.text("#schedule").contains("3,000,000.00"), "the principal at the end of the term");
    b.screenshot("fund-loan");

    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/finance/funds"));
    b.click("#funds a");
    b.wait_for(|| b.exists("#balanced"));
    assert!(b.text("#balanced").contains("账目平衡"), "{}", b.text("#balanced"));
    assert!(b.text("#bank-lines").contains("兰州银行股份有限公司"));
    assert!(b.text("#claims").contains("已代偿"), "the demo's compensated defaults");
    b.screenshot("fund-office");
    b.go(&format!("{base}/finance/fund-figures"));
    assert!(b.text("#banks").contains("兰州银行股份有限公司"));
    b.screenshot("fund-figures");
}

/// Financing in headless Chromium on the demo: an enterprise's bad amount is named on its form;
/// its demand shows the products that answer it with each condition; it applies to one; the bank
/// sees the follow-up on its desk, contacts, and approves; the enterprise reads the timeline.
#[test]
fn browser_an_enterprise_asks_for_a_loan_and_a_bank_takes_it_to_approval() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    sign_in(&b, &base, "orgadmin");
    b.go(&format!("{base}/finance/financing"));
    assert!(b.text("#demands").contains("购置中试生产线设备"), "the demo's demands");
    b.choose("#demand-kind", "loan");
    b.type_into("#demand-amount", "三百万");
    b.type_into("#demand-term", "12");
    b.type_into("#demand-purpose", "建设钙钛矿光伏组件中试线");
    b.click("#demand-publish");
    b.wait_for(|| b.exists("#err-amount_wan"));
    assert!(b.text("#err-amount_wan").contains("三百万"), "{}", b.text("#err-amount_wan"));
    assert_eq!(b.value("#demand-purpose"), "建设钙钛矿光伏组件中试线", "what was typed is kept");
    b.screenshot("financing-refused");
    b.type_into("#demand-amount", "300");
    b.click("#demand-publish");
    b.wait_for(|| b.exists("#matches"));
    let matches = b.text("#matches");
    assert!(
        matches.contains("兰银科技贷") && matches.contains("需求金额 300.00 万元"),
        "{matches}"
    );
    assert!(!matches.contains("兰白科创天使基金"), "equity does not answer a loan");
    b.screenshot("financing-demand");
    // apply to the bank's 科技贷 (whichever place the matching gave it)
    let script = "for (const a of document.querySelectorAll('#matches article')) { if (a.textContent.includes('兰银科技贷')) { a.querySelector('form button').click(); return true; } } return false;";
    b.post("/execute/sync", serde_json::json!({ "script": script, "args": [] }));
    b.wait_for(|| b.exists("#followup-stage"));
    assert_eq!(b.text("#followup-stage"), "企业已申请");
    let followup = b.current_url();

    sign_in(&b, &base, "bank");
    b.go(&format!("{base}/finance/products"));
    assert!(b.menu_text().contains("金融产品与对接"), "the bank's menu");
    assert!(b.text("#products").contains("兰银科技贷"));
    b.go(&followup);
    b.wait_for(|| b.exists("#step-form"));
    b.choose("#step-stage", "contacted");
    b.type_into("#step-note", "客户经理已电话联系");
    b.click("#step-save");
    b.wait_for(|| b.text("#followup-stage") == "已联系");
    b.choose("#step-stage", "approved");
    b.type_into("#step-approved", "300.01");
    b.click("#step-save");
    b.wait_for(|| b.exists("#err-approved_wan"));
    b.screenshot("financing-over-asked");
    b.type_into("#step-approved", "280");
    b.click("#step-save");
    b.wait_for(|| b.text("#followup-stage") == "已审批");
    assert!(b.text("#followup").contains("280.00"), "{}", b.text("#followup"));
    b.screenshot("financing-approved");

    sign_in(&b, &base, "orgadmin");
    b.go(&followup);
    assert!(b.text("#timeline").contains("客户经理已电话联系"), "the enterprise sees the timeline");
}
