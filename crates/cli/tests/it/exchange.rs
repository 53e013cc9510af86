//! 通用通兑 in headless Chromium on the demo: the bureau finds its partner 定西 from the voucher
//! programmes, sends a changed roster (refused whole, the reason shown, nothing imported),
//! verifies the waiting redemption of a 定西 voucher, asks for a month that is no month (named),
//! and reads 定西's claim on our vouchers line by line (the refused line with its reason) — also
//! at a phone's width.
use crate::common::*;

#[test]
fn browser_the_bureau_works_through_a_partner_region_s_files() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    sign_in(&b, &base, "bureau");
    b.go(&format!("{base}/vouchers"));
    b.click("#partners-link");
    b.wait_for(|| b.current_url().ends_with("/vouchers/partners"));
    assert!(b.text("#partners").contains("定西市"));
    b.screenshot("exchange-partners");
    b.click("#partners a");
    b.wait_for(|| b.exists("#roster-form"));
    assert!(b.text("#rules").contains("企业自付 40%"), "{}", b.text("#rules"));
    let partner_page = b.current_url();

    // a roster changed after signing: refused whole
    let changed = data_dir(&db).join("roster.json");
    let roster = r#"{"format":"innocity-voucher-exchange/1","kind":"roster","programme":"DX2026","name":"x","region":"定西市","copay_percent":0,"services":["testing"],"made_on":"2026-12-01","vouchers":[],"signature":"00"}"#;
    std::fs::write(&changed, roster).unwrap();
    b.attach("#roster-form [name=file]", &changed);
    b.click("#roster-import");
    b.wait_for(|| b.exists("#form-errors"));
    assert!(b.text("#form-errors").contains("文件签名不符"), "{}", b.text("#form-errors"));
    assert!(b.text("#rules").contains("企业自付 40%"), "nothing imported");
    b.scroll_to("#form-errors");
    b.screenshot("exchange-roster-refused");

    // the waiting redemption, verified
    b.go(&partner_page);
    assert!(b.exists("#redemptions button[id^=verify-partner-]"), "one waits");
    b.click("#redemptions button[id^=verify-partner-]");
    b.wait_for(|| b.current_url().contains("#redemptions"));
    assert!(!b.exists("#redemptions button[id^=verify-partner-]"), "nothing left to verify");
    b.type_into("#month", "2026-13");
    b.click("#claim");
    b.wait_for(|| b.exists("#form-errors"));
    assert!(b.text("#form-errors").contains("不是有效的月份"));

    // 定西's claim on our vouchers, line by line
    b.go(&partner_page);
    b.click("#statement-list tbody tr:first-child a");
    b.wait_for(|| b.exists("#statement-lines"));
    let lines = b.text("#statement-lines");
    assert!(lines.contains("本方无此券号") && lines.contains("确认"), "{lines}");
    b.screenshot("exchange-statement");
    b.size(390, 844);
    b.screenshot("exchange-statement-phone");
}
