//! Instrument sharing in headless Chromium: an enterprise finds a 兰州大学 instrument, pages its
//! calendar (htmx), picks a free half hour, is told what is missing beside the form, books paying
//! with its innovation voucher; the university's lab approves the request; the page also works
//! at a phone's width.
use crate::common::*;

/// The instruments linked from the page now shown.
fn instrument_links(b: &Browser) -> Vec<String> {
    let source = b.source();
    let mut out: Vec<String> = source
        .split("href=\"/sharing/instruments/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
        .map(String::from)
        .collect();
    out.dedup();
    out
}

#[test]
fn browser_an_enterprise_books_with_a_voucher_and_the_lab_approves() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    sign_in(&b, &base, "orgadmin");
    b.go(&format!("{base}/sharing?q=兰州大学&large=1"));
    assert!(b.text("#catalogue-count").contains("台"));
    b.screenshot("sharing-catalogue");
    // an instrument whose owner approves each booking
    let id = instrument_links(&b)
        .into_iter()
        .find(|id| {
            b.go(&format!("{base}/sharing/instruments/{id}"));
            b.text("#instrument-owner") == "兰州大学"
                && b.text("#booking-rules").contains("需管理员审核")
        })
        .expect("a 兰州大学 instrument that needs approval");
    let first_week = b.text("#cal-title");
    b.click("#cal-next");
    b.wait_for(|| b.text("#cal-title") != first_week);
    b.click("#cal-next");
    b.wait_for(|| b.exists(".slot-free a"));
    b.scroll_to("#calendar");
    b.screenshot("sharing-calendar");
    b.click(".slot-free a");
    b.wait_for(|| b.current_url().contains("date="));
    assert!(
        !b.value("#date").is_empty() && !b.value("#from").is_empty(),
        "the slot fills the form"
    );
    b.click("#book-submit");
    b.wait_for(|| b.exists("#err-purpose"));
    assert!(b.text("#err-purpose").contains("此项必填"));
    b.scroll_to("#book");
    b.screenshot("sharing-book-error");
    b.type_into("#purpose", "锂电池正极材料形貌与元素分布表征");
    // the firm pays with its 2026 voucher: the rest is its own share
    let option = b.text("#voucher option:nth-child(2)");
    let voucher = option.split('（').next().unwrap().trim().to_string();
    assert!(voucher.starts_with("LZ"), "the firm's voucher is offered: {option}");
    b.choose("#voucher", &voucher);
    b.scroll_to("#book");
    b.screenshot("sharing-book-with-voucher");
    b.click("#book-submit");
    b.wait_for(|| b.exists("#booked"));
    assert!(b.text("#booked").contains("待审核"));
    let url = b.current_url();
    let booking: String =
        url.split("booked=").nth(1).unwrap().chars().take_while(char::is_ascii_digit).collect();
    b.screenshot("sharing-booked");

    sign_in(&b, &base, "lab");
    b.go(&format!("{base}/sharing/mine"));
    assert!(b.exists(&format!("#request-{booking}")));
    b.screenshot("sharing-owner-requests");
    b.click(&format!("#approve-{booking}"));
    b.wait_for(|| !b.exists(&format!("#request-{booking}")));

    sign_in(&b, &base, "orgadmin");
    b.go(&format!("{base}/sharing/bookings"));
    assert!(b.text(&format!("#booking-{booking}")).contains("已确认"));
    assert!(b.text(&format!("#voucher-{booking}")).contains(&voucher), "paid with the voucher");
    b.screenshot("sharing-my-bookings");
    b.size(390, 844);
    b.go(&format!("{base}/sharing/instruments/{id}"));
    assert!(b.exists("#calendar") && b.exists("#booking-form"));
    b.screenshot("sharing-instrument-phone");
}
