//! Shared instruments: the catalogue, the booking rules inside the write, the database's own
//! refusal of an overlap, and the booking's life to its fee.
use crate::common::*;
use chrono::{Duration, NaiveDateTime};
use innocity_core::projects::money::Money;
use innocity_core::sharing::booking::{BookingRefusal, Span};
use innocity_core::sharing::instruments::{InstrumentForm, InstrumentInput};
use innocity_store::orgs::Actor;
use innocity_store::sharing::{self, Booker, BookingRequest, BookingStatus, SharingRefusal, Usage};
use innocity_store::{Db, StoreError};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };

pub fn scope_instrument(code: &str, approval: &str) -> InstrumentInput {
    InstrumentForm {
        code: code.into(),
        name: "场发射扫描电子显微镜".into(),
        category: "analysis".into(),
        value_wan: "368.5".into(),
        opens: "08:00".into(),
        closes: "20:00".into(),
        days: "1234567".into(),
        price_own: "150".into(),
        price_academic: "300".into(),
        price_enterprise: "450".into(),
        price_voucher: "400".into(),
        min_minutes: "30".into(),
        max_minutes: "240".into(),
        notice_hours: "2".into(),
        buffer_minutes: "15".into(),
        approval: approval.into(),
        ..InstrumentForm::default()
    }
    .parse()
    .expect("valid instrument")
}

pub async fn user(db: &Db, username: &str) -> Booker {
    db.read(
        "SELECT id, organisation_id FROM users WHERE username = ?",
        vec![username.into()],
        |r| Ok(Booker { user_id: r.int(0)?, organisation_id: r.int(1)? }),
    )
    .await
    .unwrap()[0]
}

/// Tomorrow at `h:m` on the platform's clock.
pub fn tomorrow(db: &Db, h: u32, m: u32) -> NaiveDateTime {
    (db.clock.today() + Duration::days(1)).and_hms_opt(h, m, 0).unwrap()
}

pub fn span(a: NaiveDateTime, minutes: i64) -> Span {
    Span { start: a, end: a + Duration::minutes(minutes) }
}

pub fn request(id: i64, s: Span) -> BookingRequest {
    BookingRequest {
        instrument_id: id,
        span: s,
        purpose: "样品形貌表征".into(),
        samples: String::new(),
        voucher: None,
    }
}

async fn holding(db: &Db, instrument: i64) -> i64 {
    db.read(
        "SELECT COUNT(*) FROM bookings WHERE instrument_id = ? AND holds = 1",
        vec![instrument.into()],
        |r| r.int(0),
    )
    .await
    .unwrap()[0]
}

#[tokio::test]
async fn a_booking_breaking_a_rule_is_refused_by_name_and_nothing_is_stored() {
    let t = demo_db(60).await;
    let lab = user(&t.db, "lab").await;
    let ids = sharing::add_instruments(
        &t.db,
        lab.organisation_id,
        &[scope_instrument("SEM-1", "")],
        ACTOR,
    )
    .await
    .unwrap();
    let id = ids[0];
    let again = sharing::add_instruments(
        &t.db,
        lab.organisation_id,
        &[scope_instrument("SEM-1", "")],
        ACTOR,
    )
    .await;
    refused!(again, StoreError::Sharing(SharingRefusal::CodeTaken { .. }));
    let ent = user(&t.db, "orgadmin").await;
    let first = span(tomorrow(&t.db, 9, 0), 60);
    let b = sharing::book(&t.db, &request(id, first), ent, ACTOR).await.unwrap();
    let row = sharing::booking(&t.db, b).await.unwrap().unwrap();
    assert_eq!(row.status, BookingStatus::Approved, "no approval needed: it holds at once");
    assert_eq!(row.group.code(), "enterprise");
    let cases = [
        (span(tomorrow(&t.db, 9, 30), 60), "overlap"),
        (span(tomorrow(&t.db, 10, 5), 60), "overlap"), // inside the 15-minute buffer
        (span(t.db.clock.now_local() - Duration::hours(1), 60), "past"),
        (span(tomorrow(&t.db, 6, 0), 60), "closed"),
        (span(tomorrow(&t.db, 12, 0), 20), "short"),
    ];
    for (s, why) in cases {
        let r = sharing::book(&t.db, &request(id, s), ent, ACTOR).await;
        let refusal = refused!(r, StoreError::Sharing(SharingRefusal::Booking(b)) => b);
        let matched = match why {
            "overlap" => matches!(refusal, BookingRefusal::Overlap { .. }),
            "past" => matches!(refusal, BookingRefusal::Past),
            "closed" => matches!(refusal, BookingRefusal::Closed { .. }),
            _ => matches!(refusal, BookingRefusal::TooShort { minutes: 30 }),
        };
        assert!(matched, "{why}: {refusal:?}");
    }
    assert_eq!(holding(&t.db, id).await, 1, "nothing else stored");
    // right after the buffer it fits
    sharing::book(&t.db, &request(id, span(tomorrow(&t.db, 10, 15), 60)), ent, ACTOR)
        .await
        .unwrap();
    // a paused instrument takes no bookings
    sharing::set_status(&t.db, id, sharing::InstrumentStatus::Paused, ACTOR).await.unwrap();
    let r = sharing::book(&t.db, &request(id, span(tomorrow(&t.db, 15, 0), 60)), ent, ACTOR).await;
    refused!(r, StoreError::Sharing(SharingRefusal::Booking(BookingRefusal::NotOpen)));
}

#[tokio::test]
async fn bookings_arriving_at_the_same_moment_never_overlap() {
    let t = demo_db(60).await;
    let lab = user(&t.db, "lab").await;
    let id = sharing::add_instruments(
        &t.db,
        lab.organisation_id,
        &[scope_instrument("SEM-2", "是")],
        ACTOR,
    )
    .await
    .unwrap()[0];
    let bookers = [
        user(&t.db, "orgadmin").await,
        user(&t.db, "member").await,
        user(&t.db, "orgadmin2").await,
    ];
    // 24 requests, each meeting every other one, sent at once.
    let base = tomorrow(&t.db, 9, 0);
    let mut tasks = Vec::new();
    for k in 0..24 {
        let db = t.db.clone();
        let who = bookers[k % bookers.len()];
        let s = span(base + Duration::minutes(k as i64), 90);
        tasks.push(tokio::spawn(
            async move { sharing::book(&db, &request(id, s), who, ACTOR).await },
        ));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::Sharing(SharingRefusal::Booking(BookingRefusal::Overlap {
                ..
            }))) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(holding(&t.db, id).await, 1);
}

#[tokio::test]
async fn the_database_itself_refuses_an_overlapping_hold() {
    let t = demo_db(60).await;
    let lab = user(&t.db, "lab").await;
    let id = sharing::add_instruments(
        &t.db,
        lab.organisation_id,
        &[scope_instrument("SEM-3", "")],
        ACTOR,
    )
    .await
    .unwrap()[0];
    let ent = user(&t.db, "orgadmin").await;
    let insert = |start: i64, end: i64, holds: i64| {
        let db = t.db.clone();
        async move {
            let tx = db.begin_write().await.unwrap();
            let r = tx
                .exec(
                    "INSERT INTO bookings (instrument_id, user_id, organisation_id, user_group, starts_at, ends_at, held_until, holds, status, purpose, created_at) VALUES (?, ?, ?, 'enterprise', ?, ?, ?, ?, 'approved', 'x', 0)",
                    vec![id.into(), ent.user_id.into(), ent.organisation_id.into(), start.into(), end.into(), end.into(), holds.into()],
                )
                .await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r
        }
    };
    insert(1_000_000, 2_000_000, 1).await.unwrap();
    assert!(insert(1_999_999, 3_000_000, 1).await.is_err(), "overlap refused by the database");
    insert(2_000_000, 3_000_000, 1).await.unwrap(); // touching is fine
    insert(1_500_000, 2_500_000, 0).await.unwrap(); // a cancelled one holds nothing
    // nor may an update make a released booking hold again over another
    let tx = t.db.begin_write().await.unwrap();
    let r = tx
        .exec(
            "UPDATE bookings SET holds = 1 WHERE holds = 0 AND instrument_id = ?",
            vec![id.into()],
        )
        .await;
    assert!(r.is_err(), "re-holding over another refused");
}

#[tokio::test]
async fn a_booking_goes_from_request_to_its_fee() {
    let t = demo_db(60).await;
    // the afternoon before, whatever the hour the test runs: a day and eight hours later,
    // tomorrow afternoon's request has started
    let afternoon = t.db.clock.today().and_hms_opt(15, 0, 0).unwrap();
    t.db.clock.advance(afternoon - t.db.clock.now_local());
    let lab = user(&t.db, "lab").await;
    let id = sharing::add_instruments(
        &t.db,
        lab.organisation_id,
        &[scope_instrument("SEM-4", "是")],
        ACTOR,
    )
    .await
    .unwrap()[0];
    let ent = user(&t.db, "orgadmin").await;
    let booked = span(tomorrow(&t.db, 9, 0), 120);
    let b = sharing::book(&t.db, &request(id, booked), ent, ACTOR).await.unwrap();
    assert_eq!(sharing::booking(&t.db, b).await.unwrap().unwrap().status, BookingStatus::Requested);
    refused!(
        sharing::decide(&t.db, b, false, " ", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Reason)
    );
    sharing::decide(&t.db, b, true, "", ACTOR).await.unwrap();
    // a request left undecided past its start can no longer be approved
    let late = sharing::book(&t.db, &request(id, span(tomorrow(&t.db, 14, 0), 60)), ent, ACTOR)
        .await
        .unwrap();
    t.db.clock.advance(Duration::days(1) + Duration::hours(8));
    refused!(
        sharing::decide(&t.db, late, true, "", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Status { from: "started", .. })
    );
    t.db.clock.advance(-(Duration::days(1) + Duration::hours(8)));
    refused!(
        sharing::decide(&t.db, b, true, "", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Status { from: "approved", .. })
    );
    let usage = Usage {
        actual: span(booked.start + Duration::minutes(5), 130),
        operator: "马老师".into(),
        result: "SEM 图像 12 张".into(),
    };
    refused!(
        sharing::close(&t.db, b, &usage, ACTOR).await,
        StoreError::Sharing(SharingRefusal::NotStarted)
    );
    refused!(
        sharing::no_show(&t.db, b, ACTOR).await,
        StoreError::Sharing(SharingRefusal::NotStarted)
    );
    t.db.clock.advance(Duration::days(2));
    let wrong = Usage { actual: span(booked.start, -10), ..usage.clone() };
    refused!(
        sharing::close(&t.db, b, &wrong, ACTOR).await,
        StoreError::Sharing(SharingRefusal::Actual)
    );
    // 130 minutes used (more than the 120 booked) at 450 元 an hour: 975 元
    assert_eq!(sharing::close(&t.db, b, &usage, ACTOR).await.unwrap(), Money::from_yuan(975));
    let row = sharing::booking(&t.db, b).await.unwrap().unwrap();
    assert_eq!((row.status, row.fee), (BookingStatus::Used, Some(Money::from_yuan(975))));
    // the booking and each step are in the audit trail
    let actions =
        t.db.read(
            "SELECT action FROM audit_log WHERE entity = 'booking' AND entity_id = ? ORDER BY seq",
            vec![b.to_string().into()],
            |r| r.text(0),
        )
        .await
        .unwrap();
    assert_eq!(actions, ["booking.request", "booking.decide", "booking.close"]);
}

#[tokio::test]
async fn a_late_cancellation_is_recorded_and_frees_the_time() {
    let t = demo_db(60).await;
    let lab = user(&t.db, "lab").await;
    let mut all_day = scope_instrument("SEM-5", "");
    all_day.hours.opens = chrono::NaiveTime::MIN;
    all_day.hours.closes = chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap();
    let id =
        sharing::add_instruments(&t.db, lab.organisation_id, &[all_day], ACTOR).await.unwrap()[0];
    let ent = user(&t.db, "orgadmin").await;
    // 3 to 4 hours ahead, on the hour, half an hour: inside the default 24-hour cancel window
    let soon = t.db.clock.now_local() + Duration::hours(4);
    let start = soon.date().and_hms_opt(chrono::Timelike::hour(&soon), 0, 0).unwrap();
    let s = span(start, 30);
    let b = sharing::book(&t.db, &request(id, s), ent, ACTOR).await.unwrap();
    sharing::cancel(&t.db, b, false, "", ACTOR).await.unwrap();
    let row = sharing::booking(&t.db, b).await.unwrap().unwrap();
    assert_eq!((row.status, row.late_cancel), (BookingStatus::Cancelled, true));
    assert_eq!(holding(&t.db, id).await, 0);
    sharing::book(&t.db, &request(id, s), ent, ACTOR).await.unwrap();
    refused!(
        sharing::cancel(&t.db, b, false, "", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Status { from: "cancelled", .. })
    );
}

#[tokio::test]
async fn a_quota_counts_the_bookers_own_holds_on_the_instrument() {
    let t = demo_db(60).await;
    let lab = user(&t.db, "lab").await;
    let mut item = scope_instrument("SEM-Q", "");
    item.rules.quota_day = Some(90);
    let id = sharing::add_instruments(&t.db, lab.organisation_id, &[item], ACTOR).await.unwrap()[0];
    let (ent, member) = (user(&t.db, "orgadmin").await, user(&t.db, "member").await);
    sharing::book(&t.db, &request(id, span(tomorrow(&t.db, 9, 0), 60)), ent, ACTOR).await.unwrap();
    let r = sharing::book(&t.db, &request(id, span(tomorrow(&t.db, 13, 0), 60)), ent, ACTOR).await;
    refused!(
        r,
        StoreError::Sharing(SharingRefusal::Booking(BookingRefusal::Quota {
            limit: 90,
            used: 60,
            ..
        }))
    );
    // another person's day is their own
    sharing::book(&t.db, &request(id, span(tomorrow(&t.db, 13, 0), 60)), member, ACTOR)
        .await
        .unwrap();
}
