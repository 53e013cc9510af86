//! Service providers in the store: the register, the catalogue, an order's steps in order and
//! nothing else, ratings once per completed order or used booking, and the vouchers a service
//! organisation may redeem only once registered.
use crate::common::*;
use crate::sharing::{request, scope_instrument, span, tomorrow, user};
use chrono::Duration;
use innocity_core::projects::money::Money;
use innocity_core::sharing::services::{
    Accreditation, OrderAction, OrderInput, Profile, Rating, ServiceInput,
};
use innocity_store::orgs::Actor;
use innocity_store::sharing::{
    self, OrderStep, ProviderStatus, Rated, RedemptionRefusal, SharingRefusal, Usage,
};
use innocity_store::{Db, StoreError};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };

fn profile() -> Profile {
    Profile { summary: "第三方检验检测".into(), kinds: vec!["testing".into()] }
}

fn testing() -> ServiceInput {
    ServiceInput {
        name: "金属材料化学成分分析".into(),
        kind: "testing".into(),
        description: String::new(),
        price: Some(Money::from_yuan(380)),
        unit: "每个样品".into(),
        price_rule: String::new(),
        turnaround_days: 5,
    }
}

fn order() -> OrderInput {
    OrderInput {
        samples: "钢样 3 块".into(), quantity: 3, requirements: "测 C、Si、Mn".into()
    }
}

fn step(action: OrderAction, fee: Option<i64>) -> OrderStep {
    OrderStep { action, fee: fee.map(Money::from_yuan), reason: String::new() }
}

async fn actions(db: &Db, entity: &str, id: i64) -> Vec<String> {
    db.read(
        "SELECT action FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY seq",
        vec![entity.into(), id.to_string().into()],
        |r| r.text(0),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn the_register_decides_who_takes_orders() {
    let t = demo_db(60).await;
    let db = &t.db;
    let provider = user(db, "provider").await.organisation_id;
    let ent = user(db, "orgadmin").await;
    sharing::save_profile(db, provider, &profile(), ACTOR).await.unwrap();
    let service = sharing::add_service(db, provider, &testing(), ACTOR).await.unwrap();
    // pending: not yet in the directory, no orders
    refused!(
        sharing::place_order(db, service, ent, &order(), ACTOR).await,
        StoreError::Sharing(SharingRefusal::NotOffered)
    );
    sharing::decide_provider(db, provider, true, "", ACTOR).await.unwrap();
    refused!(
        sharing::decide_provider(db, provider, true, "", ACTOR).await,
        StoreError::Sharing(SharingRefusal::ProviderState { from: "registered" })
    );
    refused!(
        sharing::decide_provider(db, provider, false, "  ", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Reason)
    );
    // a change of profile keeps the standing
    sharing::save_profile(db, provider, &profile(), ACTOR).await.unwrap();
    let row = sharing::provider(db, provider).await.unwrap().unwrap();
    assert_eq!((row.status, row.services), (ProviderStatus::Registered, 1));
    // the provider's own staff cannot order from it; a withdrawn service takes no order
    let own = user(db, "provider").await;
    refused!(
        sharing::place_order(db, service, own, &order(), ACTOR).await,
        StoreError::Sharing(SharingRefusal::OwnProvider)
    );
    sharing::set_service_active(db, service, false, ACTOR).await.unwrap();
    refused!(
        sharing::place_order(db, service, ent, &order(), ACTOR).await,
        StoreError::Sharing(SharingRefusal::NotOffered)
    );
    sharing::set_service_active(db, service, true, ACTOR).await.unwrap();
    let id = sharing::place_order(db, service, ent, &order(), ACTOR).await.unwrap();
    // the quote starts at the catalogue's price times the quantity
    let o = sharing::order(db, id).await.unwrap().unwrap();
    assert_eq!(o.quote, Some(Money::from_yuan(1140)));
    // an accreditation number is recorded once per kind
    let a = Accreditation {
        kind: "cma".into(),
        number: "231234567890".into(),
        scope: "金属材料".into(),
        valid_until: db.clock.today() + Duration::days(30),
    };
    sharing::add_accreditation(db, provider, &a, ACTOR).await.unwrap();
    refused!(
        sharing::add_accreditation(db, provider, &a, ACTOR).await,
        StoreError::Sharing(SharingRefusal::CodeTaken { .. })
    );
    assert_eq!(
        actions(db, "organisation", provider).await,
        ["provider.profile", "provider.decide", "provider.profile", "provider.accreditation"]
    );
    // a stale edit of a service is refused
    let v = sharing::service(db, service).await.unwrap().unwrap().version;
    sharing::update_service(db, service, v, &testing(), ACTOR).await.unwrap();
    refused!(sharing::update_service(db, service, v, &testing(), ACTOR).await, StoreError::Stale);
}

#[tokio::test]
async fn an_order_takes_its_steps_in_order_and_is_rated_once() {
    let t = demo_db(60).await;
    let db = &t.db;
    let provider = user(db, "provider").await.organisation_id;
    crate::vouchers::register_provider(db, provider).await;
    let service = sharing::add_service(db, provider, &testing(), ACTOR).await.unwrap();
    let ent = user(db, "orgadmin").await;
    let id = sharing::place_order(db, service, ent, &order(), ACTOR).await.unwrap();
    refused!(
        sharing::step_order(db, id, &step(OrderAction::Receive, None), ACTOR).await,
        StoreError::Sharing(SharingRefusal::OrderStep { from: "requested" })
    );
    refused!(
        sharing::step_order(db, id, &step(OrderAction::Refuse, None), ACTOR).await,
        StoreError::Sharing(SharingRefusal::Reason)
    );
    refused!(
        sharing::step_order(db, id, &step(OrderAction::Accept, None), ACTOR).await,
        StoreError::Sharing(SharingRefusal::Fee)
    );
    sharing::step_order(db, id, &step(OrderAction::Accept, Some(1140)), ACTOR).await.unwrap();
    sharing::step_order(db, id, &step(OrderAction::Receive, None), ACTOR).await.unwrap();
    refused!(
        sharing::step_order(db, id, &step(OrderAction::Report, Some(1200)), ACTOR).await,
        StoreError::Sharing(SharingRefusal::NoReport)
    );
    refused!(
        sharing::rate(db, Rated::Order(id), &Rating { score: 5, comment: String::new() }, ACTOR)
            .await,
        StoreError::Sharing(SharingRefusal::NotRateable)
    );
    let files = crate::backup::files_dir();
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    sharing::attach_report(db, &files.0, id, "检测报告.pdf", pdf, ACTOR).await.unwrap();
    sharing::step_order(db, id, &step(OrderAction::Report, Some(1200)), ACTOR).await.unwrap();
    let (name, _, bytes) = sharing::report_file(db, &files.0, id).await.unwrap();
    assert_eq!((name.as_str(), bytes.as_slice()), ("检测报告.pdf", pdf.as_slice()));
    sharing::step_order(db, id, &step(OrderAction::Complete, None), ACTOR).await.unwrap();
    let rating = Rating { score: 4, comment: "报告及时".into() };
    sharing::rate(db, Rated::Order(id), &rating, ACTOR).await.unwrap();
    refused!(
        sharing::rate(db, Rated::Order(id), &rating, ACTOR).await,
        StoreError::Sharing(SharingRefusal::Rated)
    );
    let o = sharing::order(db, id).await.unwrap().unwrap();
    assert_eq!((o.fee, o.rating), (Some(Money::from_yuan(1200)), Some(4)));
    assert_eq!(
        actions(db, "service_order", id).await,
        [
            "order.place",
            "order.step",
            "order.step",
            "order.report_file",
            "order.step",
            "order.step"
        ]
    );
    let row = sharing::provider(db, provider).await.unwrap().unwrap();
    assert_eq!((row.rating_sum, row.ratings), (4, 1));
}

#[tokio::test]
async fn a_used_booking_is_rated_once_and_counts_for_its_owner() {
    let t = demo_db(60).await;
    let db = &t.db;
    let lab = user(db, "lab").await;
    let ins =
        sharing::add_instruments(db, lab.organisation_id, &[scope_instrument("SEM-9", "")], ACTOR)
            .await
            .unwrap()[0];
    let ent = user(db, "orgadmin").await;
    let booked = span(tomorrow(db, 9, 0), 60);
    let b = sharing::book(db, &request(ins, booked), ent, ACTOR).await.unwrap();
    let rating = Rating { score: 5, comment: "操作老师很专业".into() };
    refused!(
        sharing::rate(db, Rated::Booking(b), &rating, ACTOR).await,
        StoreError::Sharing(SharingRefusal::NotRateable)
    );
    db.clock.advance(Duration::days(2));
    let usage =
        Usage { actual: booked, operator: "马老师".into(), result: "图像 6 张".into() };
    sharing::close(db, b, &usage, ACTOR).await.unwrap();
    sharing::rate(db, Rated::Booking(b), &rating, ACTOR).await.unwrap();
    refused!(
        sharing::rate(db, Rated::Booking(b), &rating, ACTOR).await,
        StoreError::Sharing(SharingRefusal::Rated)
    );
    let rows = sharing::ratings(db, lab.organisation_id, 10).await.unwrap();
    assert_eq!((rows.len(), rows[0].subject.as_str()), (1, "场发射扫描电子显微镜"));
    assert_eq!(sharing::rated_bookings(db, &[b, b + 1000]).await.unwrap(), [b]);
}

#[tokio::test]
async fn a_service_organisation_redeems_vouchers_only_once_registered() {
    let t = demo_db(60).await;
    let db = &t.db;
    let others = db
        .read(
            "SELECT o.id FROM organisations o WHERE o.kind = 'service_provider' AND o.id NOT IN (SELECT organisation_id FROM users WHERE organisation_id IS NOT NULL) ORDER BY o.id LIMIT 1",
            vec![],
            |r| r.int(0),
        )
        .await
        .unwrap();
    let (_, number, code, _, _) = crate::vouchers::granted(db).await;
    let unregistered = others[0];
    let claim = crate::vouchers::claim(&number, &code, unregistered, 1000, 700, "k-unreg");
    refused!(
        sharing::redeem(db, &claim, ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(RedemptionRefusal::NotRegistered))
    );
    crate::vouchers::register_provider(db, unregistered).await;
    let r = sharing::redeem(db, &claim, ACTOR).await.unwrap();
    // the indicators count verified redemptions only, in money, under the enterprise's unit
    use innocity_store::sharing::registers::{Measure, values};
    let year = chrono::Datelike::year(&db.clock.today());
    assert_eq!(values(db, "voucher_redemptions", year).await.unwrap().map(|v| v.len()), Some(0));
    sharing::verify(db, r.id, true, "", ACTOR).await.unwrap();
    let counted = values(db, "voucher_redemptions", year).await.unwrap().unwrap();
    assert_eq!(counted.iter().map(|(_, m)| *m).collect::<Vec<_>>(), [Measure::Fen(70_000)]);
    assert_eq!(values(db, "patents", year).await.unwrap(), None);
}

#[tokio::test]
async fn a_voucher_pays_a_completed_order_within_its_fee() {
    let t = demo_db(60).await;
    let db = &t.db;
    let (_, number, code, ent, provider) = crate::vouchers::granted(db).await;
    let service = sharing::add_service(db, provider, &testing(), ACTOR).await.unwrap();
    let customer = user(db, "orgadmin").await;
    assert_eq!(customer.organisation_id, ent);
    let id = sharing::place_order(db, service, customer, &order(), ACTOR).await.unwrap();
    let pay = |total: i64, amount: i64, key: &str| sharing::Redeem {
        order_id: Some(id),
        ..crate::vouchers::claim(&number, &code, provider, total, amount, key)
    };
    // not before it is completed
    refused!(
        sharing::redeem(db, &pay(1000, 700, "o1"), ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(RedemptionRefusal::NotTheOrder))
    );
    let files = crate::backup::files_dir();
    sharing::step_order(db, id, &step(OrderAction::Accept, Some(1000)), ACTOR).await.unwrap();
    sharing::step_order(db, id, &step(OrderAction::Receive, None), ACTOR).await.unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    sharing::attach_report(db, &files.0, id, "报告.pdf", pdf, ACTOR).await.unwrap();
    sharing::step_order(db, id, &step(OrderAction::Report, Some(1000)), ACTOR).await.unwrap();
    sharing::step_order(db, id, &step(OrderAction::Complete, None), ACTOR).await.unwrap();
    // the service is the order's own, the total its fee; another provider cannot claim it
    let rd = sharing::Redeem { service: "instrument".into(), ..pay(1000, 700, "o1b") };
    refused!(
        sharing::redeem(db, &rd, ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(RedemptionRefusal::OrderService { .. }))
    );
    refused!(
        sharing::redeem(db, &pay(1200, 700, "o2"), ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(RedemptionRefusal::OrderTotal { .. }))
    );
    let lab = user(db, "lab").await.organisation_id;
    let elsewhere = sharing::Redeem { provider_id: lab, ..pay(1000, 700, "o3") };
    refused!(
        sharing::redeem(db, &elsewhere, ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(RedemptionRefusal::NotTheOrder))
    );
    // 70% of 1,000 yuan, then nothing more of this order
    let r = sharing::redeem(db, &pay(1000, 700, "o4"), ACTOR).await.unwrap();
    let order_of = db
        .read("SELECT order_id FROM voucher_redemptions WHERE id = ?", vec![r.id.into()], |r| {
            r.opt_int(0)
        })
        .await
        .unwrap();
    assert_eq!(order_of, [Some(id)]);
    let more = refused!(
        sharing::redeem(db, &pay(1000, 1, "o5"), ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(RedemptionRefusal::OrderPaid { .. }))
    );
    assert!(matches!(
        more,
        StoreError::Sharing(SharingRefusal::Redemption(RedemptionRefusal::OrderPaid { most }))
            if most == Money::ZERO
    ));
}
