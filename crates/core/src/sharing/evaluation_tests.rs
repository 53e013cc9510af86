use super::booking::Span;
use super::evaluation::*;
use super::instruments::OpeningHours;
use chrono::{NaiveDate, NaiveTime};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn weekdays(opens: u32, closes: u32) -> OpeningHours {
    OpeningHours {
        opens: NaiveTime::from_hms_opt(opens, 0, 0).unwrap(),
        closes: NaiveTime::from_hms_opt(closes, 0, 0).unwrap(),
        days: [true, true, true, true, true, false, false],
    }
}

#[test]
fn open_minutes_count_open_days_less_blackouts_within_the_hours() {
    // 2026-12-07 is a Monday: one working week of 8 hours a day
    let h = weekdays(9, 17);
    assert_eq!(open_minutes(&h, day(12, 7), day(12, 14), &[]), 5 * 8 * 60);
    // a blackout from Tuesday 15:00 to Wednesday 10:00 closes 2 + 1 open hours
    let b = Span {
        start: day(12, 8).and_hms_opt(15, 0, 0).unwrap(),
        end: day(12, 9).and_hms_opt(10, 0, 0).unwrap(),
    };
    assert_eq!(open_minutes(&h, day(12, 7), day(12, 14), &[b]), (5 * 8 - 3) * 60);
    // a blackout on the weekend closes nothing; an empty range is empty
    let sunday = Span {
        start: day(12, 13).and_hms_opt(0, 0, 0).unwrap(),
        end: day(12, 14).and_hms_opt(0, 0, 0).unwrap(),
    };
    assert_eq!(open_minutes(&h, day(12, 7), day(12, 14), &[sunday]), 5 * 8 * 60);
    assert_eq!(open_minutes(&h, day(12, 14), day(12, 7), &[]), 0);
}

fn figures() -> OwnerFigures {
    OwnerFigures {
        instruments: 2,
        open_minutes: 100_000,
        used_minutes: 60_000,
        external_minutes: 30_000,
        income_fen: 4_000_000,
        rating_sum: 25,
        ratings: 5,
        response_hours: vec![2.0, 30.0, 10.0],
    }
}

#[test]
fn the_best_of_the_year_scores_full_marks_for_use_and_income() {
    let f = figures();
    let s = f.score(&Best::of([&f]));
    assert_eq!(s.parts, [100.0, 100.0, 100.0, 100.0, 100.0]);
    assert_eq!((s.total, s.grade), (100.0, Grade::Excellent));
    let weights: u32 = CRITERIA.iter().map(|c| c.weight).sum();
    assert_eq!(weights, 100);
}

#[test]
fn each_criterion_scores_in_proportion() {
    let half = OwnerFigures {
        used_minutes: 30_000,    // half the best's hours per instrument
        external_minutes: 7_500, // 25% of used: half of the 50% anchor
        income_fen: 2_000_000,   // half the best's income per instrument
        rating_sum: 15,          // average 3: 50
        ratings: 5,
        response_hours: vec![96.0], // halfway between 24 h and 7 days
        ..figures()
    };
    let best = Best::of([&figures(), &half]);
    assert_eq!(best, Best { minutes_each: 30_000.0, income_each: 2_000_000.0 });
    let s = half.score(&best);
    assert_eq!(s.parts, [50.0, 50.0, 50.0, 50.0, 50.0]);
    assert_eq!((s.total, s.grade), (50.0, Grade::Fail));
    // per instrument: twice the instruments for the same hours is half the use
    let bigger = OwnerFigures { instruments: 4, ..figures() };
    assert_eq!(bigger.score(&Best::of([&figures(), &bigger])).parts[0], 50.0);
}

#[test]
fn nothing_used_nothing_rated_nothing_asked() {
    let idle = OwnerFigures { instruments: 3, open_minutes: 50_000, ..OwnerFigures::default() };
    let s = idle.score(&Best::of([&idle]));
    // no use, no others, no income (and nobody better: still nothing); ratings neutral;
    // nothing waited for an answer
    assert_eq!(s.parts, [0.0, 0.0, 0.0, 50.0, 100.0]);
    assert_eq!(s.total, 20.0);
    // no instruments and no hours: no division by zero
    let none = OwnerFigures::default();
    assert_eq!(none.score(&Best::of([&none])).parts[0], 0.0);
    assert_eq!(median(&[]), None);
    assert_eq!(median(&[5.0, 1.0, 3.0, 100.0]), Some(4.0));
}

#[test]
fn grades_have_their_boundaries_and_ranking_breaks_ties_by_name() {
    assert_eq!(Grade::of(85.0), Grade::Excellent);
    assert_eq!(Grade::of(84.9), Grade::Good);
    assert_eq!(Grade::of(70.0), Grade::Good);
    assert_eq!(Grade::of(60.0), Grade::Pass);
    assert_eq!(Grade::of(59.9), Grade::Fail);
    let s = |total| Scored { parts: [0.0; 5], total, grade: Grade::of(total) };
    let ranked =
        rank(vec![("乙", s(70.0)), ("甲", s(70.0)), ("丙", s(90.0))], |n| n.to_string());
    let order: Vec<(usize, &str)> = ranked.iter().map(|(r, n, _)| (*r, *n)).collect();
    assert_eq!(order, [(1, "丙"), (2, "乙"), (3, "甲")]);
}

#[test]
fn published_figures_read_back_exactly_as_they_were_computed() {
    // a response time measured to the millisecond is stored as JSON; reading it back must give
    // the same number to the last bit, or a published year would differ from its own figures
    let mut f = figures();
    f.response_hours = vec![2.000_001_944_444_444_6, 7_200_007.0 / 3_600_000.0, 0.1 + 0.2];
    let text = serde_json::to_string(&f).unwrap();
    assert_eq!(serde_json::from_str::<OwnerFigures>(&text).unwrap(), f);
}
