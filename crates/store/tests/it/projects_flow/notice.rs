//! The public notice (公示) of the scenario's approval: minutes, its period, objections.
use super::application::Flow;
use super::*;

const OBJECTION: &str = "该项目与负责人另一在研项目内容高度重复，请核查。";

/// The public notice (公示): nothing is established without one; it needs minutes and its full period.
pub(super) async fn a_notice_needs_its_minutes_and_its_full_period(f: &Flow) {
    let (t, cid) = (&f.t, f.cid);
    // The public notice (公示): nothing becomes a project before it ends or while an
    // objection is open.
    assert_eq!(
        refused!(f.establish("2026-06-20").await, StoreError::Notices(innocity_store::projects::NoticeRefusal::Establish { why, .. }) => why),
        "no_notice"
    );
    const MINUTES: &str = "2026年6月1日决策会议纪要：同意对JC2026-0001予以立项支持，资助30万元。";
    refused!(
        x::publish_notice(
            &t.db,
            cid,
            d("2026-06-01"),
            "同意",
            d("2026-06-02"),
            d("2026-06-08"),
            ACTOR,
        )
        .await,
        StoreError::Notices(innocity_store::projects::NoticeRefusal::Minutes),
    );
    assert_eq!(
        refused!(
            x::publish_notice(
                &t.db,
                cid,
                d("2026-06-01"),
                MINUTES,
                d("2026-06-02"),
                d("2026-06-07"),
                ACTOR
            )
            .await,
            StoreError::Notices(innocity_store::projects::NoticeRefusal::Period { field, .. }) => field
        ),
        "ends_on"
    );
    x::publish_notice(
        &t.db,
        cid,
        d("2026-06-01"),
        MINUTES,
        d("2026-06-02"),
        d("2026-06-08"),
        ACTOR,
    )
    .await
    .unwrap();
    refused!(
        x::publish_notice(
            &t.db,
            cid,
            d("2026-06-01"),
            MINUTES,
            d("2026-06-02"),
            d("2026-06-08"),
            ACTOR,
        )
        .await,
        StoreError::Notices(innocity_store::projects::NoticeRefusal::Published),
    );
}

/// Objections to the notice: refused once it has ended, for another application or a bad contact.
pub(super) async fn objections_name_what_is_wrong(f: &Flow) -> i64 {
    let (t, cid) = (&f.t, f.cid);
    let body = OBJECTION;
    refused!(
        x::object(
            &t.db,
            cid,
            "JC2026-0001",
            &x::Objector { name: "张三", contact: "13800000000", address: None },
            body,
            d("2026-06-09"),
        )
        .await,
        StoreError::Notices(innocity_store::projects::NoticeRefusal::Closed { .. }),
    );
    refused!(
        x::object(
            &t.db,
            cid,
            "JC2026-0002",
            &x::Objector { name: "张三", contact: "13800000000", address: None },
            body,
            d("2026-06-03"),
        )
        .await,
        StoreError::Notices(innocity_store::projects::NoticeRefusal::Application { .. }),
    );
    assert_eq!(
        refused!(
            x::object(
                &t.db,
                cid,
                "JC2026-0001",
                &x::Objector { name: "张三", contact: "138", address: None },
                body,
                d("2026-06-03")
            )
            .await,
            StoreError::Notices(innocity_store::projects::NoticeRefusal::Field { field, .. }) => field
        ),
        "contact"
    );

    x::object(
        &t.db,
        cid,
        "JC2026-0001",
        &x::Objector { name: "张三", contact: "13800000000", address: None },
        body,
        d("2026-06-03"),
    )
    .await
    .unwrap()
}

/// The same contact once while its objection is open; one address may not flood the notice.
pub(super) async fn one_contact_once_and_one_address_may_not_flood_it(f: &Flow) {
    let (t, cid) = (&f.t, f.cid);
    let body = OBJECTION;
    // The same contact again while it is open: refused; one address may not flood the notice.
    refused!(
        x::object(
            &t.db,
            cid,
            "JC2026-0001",
            &x::Objector { name: "张三", contact: "13800000000", address: None },
            body,
            d("2026-06-03"),
        )
        .await,
        StoreError::Notices(innocity_store::projects::NoticeRefusal::Duplicate),
    );
    let flood = |k: usize| format!("1390000000{k}");
    for k in 0..x::OBJECTIONS_PER_ADDRESS as usize {
        let (name, contact) = ("李四", flood(k));
        let who = x::Objector { name, contact: &contact, address: Some("203.0.113.9") };
        let extra =
            x::object(&t.db, cid, "JC2026-0001", &who, body, d("2026-06-03")).await.unwrap();
        x::resolve_objection(&t.db, extra, false, "经核查，与已处理的异议相同，不予支持。", ACTOR)
            .await
            .unwrap();
    }
    let contact = flood(9);
    refused!(
        x::object(
            &t.db,
            cid,
            "JC2026-0001",
            &x::Objector { name: "李四", contact: &contact, address: Some("203.0.113.9") },
            body,
            d("2026-06-03"),
        )
        .await,
        StoreError::Notices(innocity_store::projects::NoticeRefusal::TooMany { .. }),
    );
    let other = x::object(
        &t.db,
        cid,
        "JC2026-0001",
        &x::Objector { name: "王五", contact: &contact, address: Some("198.51.100.7") },
        body,
        d("2026-06-03"),
    )
    .await
    .unwrap();
    x::resolve_objection(&t.db, other, false, "经核查，与已处理的异议相同，不予支持。", ACTOR)
        .await
        .unwrap();
}

/// Established only once the notice is over and every objection resolved.
pub(super) async fn established_once_the_notice_is_over_and_objections_resolved(f: &Flow, o: i64) {
    let (t, cid) = (&f.t, f.cid);
    assert_eq!(
        refused!(f.establish("2026-06-08").await, StoreError::Notices(innocity_store::projects::NoticeRefusal::Establish { why, .. }) => why),
        "notice_running"
    );
    assert_eq!(
        refused!(f.establish("2026-06-09").await, StoreError::Notices(innocity_store::projects::NoticeRefusal::Establish { why, .. }) => why),
        "objections_open"
    );
    refused!(
        x::resolve_objection(&t.db, o, false, "否", ACTOR).await,
        StoreError::Applications(innocity_store::projects::ApplicationRefusal::ReasonRequired)
    );
    x::resolve_objection(&t.db, o, false, "经核查，两项目研究内容不同，不属于重复申报。", ACTOR)
        .await
        .unwrap();
    refused!(
        x::resolve_objection(&t.db, o, true, "再次处理同一异议", ACTOR).await,
        StoreError::Notices(innocity_store::projects::NoticeRefusal::Resolved),
    );
    assert_eq!(x::establish_call(&t.db, cid, d("2026-06-09"), ACTOR).await.unwrap(), (1, 0));
}
