use super::booking::*;
use super::instruments::{BookingRules, OpeningHours};
use crate::projects::money::Money;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
    // December 2026: the 7th is a Monday.
    NaiveDate::from_ymd_opt(2026, 12, day).and_then(|d| d.and_hms_opt(h, m, 0)).expect("date")
}

fn span(day: u32, from: (u32, u32), to: (u32, u32)) -> Span {
    Span { start: at(day, from.0, from.1), end: at(day, to.0, to.1) }
}

fn hours() -> OpeningHours {
    OpeningHours {
        opens: NaiveTime::from_hms_opt(8, 30, 0).expect("time"),
        closes: NaiveTime::from_hms_opt(17, 30, 0).expect("time"),
        days: [true, true, true, true, true, false, false],
    }
}

fn rules() -> BookingRules {
    BookingRules { buffer_minutes: 15, notice_hours: 24, ..BookingRules::default() }
}

fn check_with(
    req: Span,
    held: &[Span],
    mine: &[Span],
    r: &BookingRules,
) -> Result<(), BookingRefusal> {
    let h = hours();
    let blackouts = [Blackout { span: span(10, (8, 30), (12, 0)), reason: "年度保养".into() }];
    let s = Situation { now: at(7, 9, 0), hours: &h, rules: r, held, blackouts: &blackouts, mine };
    check(req, &s)
}

#[test]
fn a_booking_inside_the_hours_with_notice_passes() {
    assert_eq!(check_with(span(8, (9, 0), (11, 0)), &[], &[], &rules()), Ok(()));
    // exactly the opening and closing times
    assert_eq!(
        check_with(
            span(9, (8, 30), (17, 30)),
            &[],
            &[],
            &BookingRules { max_minutes: 540, ..rules() }
        ),
        Ok(())
    );
}

#[test]
fn order_past_and_notice_are_refused_first() {
    assert_eq!(
        check_with(span(8, (11, 0), (11, 0)), &[], &[], &rules()),
        Err(BookingRefusal::Order)
    );
    assert_eq!(
        check_with(span(7, (8, 30), (9, 30)), &[], &[], &rules()),
        Err(BookingRefusal::Past)
    );
    // 23 h 59 min ahead: too little notice; exactly 24 h: fine
    let early = Span { start: at(8, 8, 59), end: at(8, 10, 0) };
    assert_eq!(check_with(early, &[], &[], &rules()), Err(BookingRefusal::Notice { hours: 24 }));
    assert_eq!(check_with(span(8, (9, 0), (10, 0)), &[], &[], &rules()), Ok(()));
}

#[test]
fn length_limits_hold_at_their_boundaries() {
    let r = BookingRules { min_minutes: 30, max_minutes: 120, ..rules() };
    assert_eq!(
        check_with(span(8, (9, 0), (9, 29)), &[], &[], &r),
        Err(BookingRefusal::TooShort { minutes: 30 })
    );
    assert_eq!(check_with(span(8, (9, 0), (9, 30)), &[], &[], &r), Ok(()));
    assert_eq!(check_with(span(8, (9, 0), (11, 0)), &[], &[], &r), Ok(()));
    assert_eq!(
        check_with(span(8, (9, 0), (11, 1)), &[], &[], &r),
        Err(BookingRefusal::TooLong { minutes: 120 })
    );
}

#[test]
fn closed_days_and_hours_are_refused() {
    let closed = Err(BookingRefusal::Closed { hours: hours() });
    assert_eq!(check_with(span(12, (9, 0), (10, 0)), &[], &[], &rules()), closed); // Saturday
    assert_eq!(check_with(span(9, (8, 0), (9, 0)), &[], &[], &rules()), closed);
    assert_eq!(check_with(span(8, (17, 0), (17, 31)), &[], &[], &rules()), closed);
    let overnight = Span { start: at(8, 16, 0), end: at(9, 9, 0) };
    let r = BookingRules { max_minutes: 1440, ..rules() };
    assert_eq!(check_with(overnight, &[], &[], &r), closed);
}

#[test]
fn blackouts_refuse_with_their_reason() {
    let refused = check_with(span(10, (11, 30), (13, 0)), &[], &[], &rules());
    assert!(
        matches!(refused, Err(BookingRefusal::Blackout { reason, .. }) if reason == "年度保养")
    );
    assert_eq!(check_with(span(10, (12, 0), (13, 0)), &[], &[], &rules()), Ok(()));
}

#[test]
fn the_buffer_keeps_bookings_apart_on_both_sides() {
    let r = rules(); // 15 minutes
    let other = span(8, (10, 0), (11, 0)).held(&r); // held until 11:15
    let held = [other];
    // right after the other's buffer: fine; a minute into it: refused
    assert_eq!(check_with(span(8, (11, 15), (12, 0)), &held, &[], &r), Ok(()));
    assert_eq!(
        check_with(span(8, (11, 14), (12, 0)), &held, &[], &r),
        Err(BookingRefusal::Overlap { span: other })
    );
    // before the other: our own buffer must end by its start
    assert_eq!(check_with(span(8, (9, 0), (9, 45)), &held, &[], &r), Ok(()));
    assert_eq!(
        check_with(span(8, (9, 0), (9, 46)), &held, &[], &r),
        Err(BookingRefusal::Overlap { span: other })
    );
}

#[test]
fn quotas_count_the_users_own_bookings_in_the_day_week_and_month() {
    let r = BookingRules {
        quota_day: Some(120),
        quota_week: Some(240),
        quota_month: Some(300),
        ..rules()
    };
    let mine = [span(8, (9, 0), (10, 0))];
    assert_eq!(check_with(span(8, (13, 0), (14, 0)), &[], &mine, &r), Ok(()));
    assert_eq!(
        check_with(span(8, (13, 0), (14, 1)), &[], &mine, &r),
        Err(BookingRefusal::Quota { period: QuotaPeriod::Day, limit: 120, used: 60 })
    );
    let week = [span(8, (9, 0), (11, 0)), span(9, (9, 0), (10, 0))];
    assert_eq!(
        check_with(span(11, (9, 0), (10, 1)), &[], &week, &r),
        Err(BookingRefusal::Quota { period: QuotaPeriod::Week, limit: 240, used: 180 })
    );
    // the next week is a new week but the same month
    let month = [span(8, (9, 0), (11, 0)), span(9, (9, 0), (11, 0))];
    assert_eq!(
        check_with(span(14, (9, 0), (10, 1)), &[], &month, &r),
        Err(BookingRefusal::Quota { period: QuotaPeriod::Month, limit: 300, used: 240 })
    );
    assert_eq!(check_with(span(14, (9, 0), (10, 0)), &[], &month, &r), Ok(()));
}

#[test]
fn fees_are_to_the_fen_half_up_and_charge_overruns() {
    assert_eq!(fee(Money::from_yuan(300), 90), Some(Money::from_yuan(450)));
    // 100.01 元 an hour for 1 minute is 1.66683 元: 167 fen
    assert_eq!(fee(Money(10_001), 1), Some(Money(167)));
    assert_eq!(fee(Money(10_002), 1), Some(Money(167)));
    assert_eq!(fee(Money(9_999), 1), Some(Money(167)));
    assert_eq!(fee(Money(9_000), 1), Some(Money(150)));
    assert_eq!(fee(Money::MAX, 60 * 24), None);
    let booked = span(8, (9, 0), (11, 0));
    assert_eq!(charged_minutes(booked, span(8, (9, 10), (10, 0))), 120);
    assert_eq!(charged_minutes(booked, span(8, (9, 0), (11, 30))), 150);
}

#[test]
fn late_cancellation_is_inside_the_cancel_window() {
    let r = rules(); // 24 h
    assert!(!is_late_cancel(at(7, 9, 0), at(8, 9, 0), &r));
    assert!(is_late_cancel(at(7, 9, 1), at(8, 9, 0), &r));
}
