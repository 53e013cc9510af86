//! Innovation vouchers: a programme's applications within its caps and eligibility, vouchers
//! spent by unrelated providers within the co-payment and the balance, concurrent redemptions
//! that never overspend, retries that never pay twice, and the ledger balancing after every
//! step — verification, rejection, monthly settlement, expiry and clawback.
use crate::common::*;
use chrono::Duration;
use innocity_core::projects::money::Money;
use innocity_core::sharing::vouchers::{Ledger, ProgrammeForm, Standing};
use innocity_store::orgs::Actor;
use innocity_store::sharing::{
    self, Redeem, RedemptionRefusal as R, SharingRefusal, VoucherRefusal as V,
};
use innocity_store::{Db, StoreError};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };

async fn org_of(db: &Db, username: &str) -> i64 {
    db.read("SELECT organisation_id FROM users WHERE username = ?", vec![username.into()], |r| {
        r.int(0)
    })
    .await
    .unwrap()[0]
}

fn programme(
    code: &str,
    eligibility: &str,
    today: chrono::NaiveDate,
) -> innocity_core::sharing::vouchers::Programme {
    ProgrammeForm {
        code: code.into(),
        name: "兰州市科技创新券".into(),
        year: "2026".into(),
        budget_wan: "5".into(),
        per_application_wan: "2".into(),
        per_enterprise_wan: "3".into(),
        copay_percent: "30".into(),
        services: "testing,instrument".into(),
        eligibility: eligibility.into(),
        valid_from: (today - Duration::days(30)).to_string(),
        valid_to: (today + Duration::days(60)).to_string(),
    }
    .parse()
    .unwrap()
}

/// A programme of 5 万元 and a granted 2 万元 voucher of orgadmin's firm: (programme, voucher
/// number, code, enterprise, provider).
pub async fn granted(db: &Db) -> (i64, String, String, i64, i64) {
    let today = db.clock.today();
    let p = sharing::create_programme(db, &programme("LZ2026", "enterprise", today), "", ACTOR)
        .await
        .unwrap();
    let ent = org_of(db, "orgadmin").await;
    let a = sharing::apply(db, p, ent, Money::from_wan(2), "检测费用", ACTOR).await.unwrap();
    let v = sharing::decide_application(db, a, Some(Money::from_wan(2)), "", ACTOR)
        .await
        .unwrap()
        .unwrap();
    let (number, code) = db
        .read("SELECT number, code FROM vouchers WHERE id = ?", vec![v.into()], |r| {
            Ok((r.text(0)?, r.text(1)?))
        })
        .await
        .unwrap()[0]
        .clone();
    let provider = org_of(db, "provider").await;
    register_provider(db, provider).await;
    (p, number, code, ent, provider)
}

/// Puts a service organisation in the directory of providers (the bureau's step).
pub async fn register_provider(db: &Db, org: i64) {
    let profile = innocity_core::sharing::services::Profile {
        summary: "第三方检验检测".into(),
        kinds: vec!["testing".into()],
    };
    sharing::save_profile(db, org, &profile, ACTOR).await.unwrap();
    sharing::decide_provider(db, org, true, "", ACTOR).await.unwrap();
}

pub fn claim(
    number: &str,
    code: &str,
    provider: i64,
    total_yuan: i64,
    amount_yuan: i64,
    key: &str,
) -> Redeem {
    Redeem {
        number: number.into(),
        code: code.into(),
        provider_id: provider,
        service: "testing".into(),
        order_total: Money::from_yuan(total_yuan),
        amount: Money::from_yuan(amount_yuan),
        evidence: "合同 JS-2026-031；发票 No.01234567；报告 BG2026-118".into(),
        request_key: key.into(),
        booking_id: None,
        order_id: None,
        used_on: None,
    }
}

async fn balanced(db: &Db, p: i64) -> Ledger {
    let l = sharing::ledger(db, p).await.unwrap();
    assert!(l.holds(), "the ledger does not balance: {l:?}");
    let prog = sharing::programme(db, p).await.unwrap().unwrap();
    assert_eq!(prog.unissued(), l.unissued(), "the running totals agree with the sums");
    l
}

#[tokio::test]
async fn applications_keep_to_the_caps_and_the_eligibility() {
    let t = demo_db(60).await;
    let db = &t.db;
    let today = db.clock.today();
    let p = sharing::create_programme(db, &programme("LZ-SME", "tech_sme", today), "", ACTOR)
        .await
        .unwrap();
    let again =
        sharing::create_programme(db, &programme("LZ-SME", "tech_sme", today), "", ACTOR).await;
    refused!(again, StoreError::Sharing(SharingRefusal::Voucher(V::CodeTaken { .. })));
    let ent = org_of(db, "orgadmin").await;
    let lab = org_of(db, "lab").await;
    refused!(
        sharing::apply(db, p, lab, Money::from_wan(1), "x", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Voucher(V::NotEnterprise))
    );
    refused!(
        sharing::apply(db, p, ent, Money::from_wan(1), "x", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Voucher(V::NotTechSme))
    );
    let tx = db.begin_write().await.unwrap();
    tx.exec("INSERT INTO organisation_qualifications (organisation_id, code, valid_until) VALUES (?, 'tech_sme', '2099-12-31')", vec![ent.into()]).await.unwrap();
    tx.commit().await.unwrap();
    let over = sharing::apply(db, p, ent, Money(2_000_001), "检测", ACTOR).await;
    refused!(over, StoreError::Sharing(SharingRefusal::Voucher(V::OverApplicationCap { .. })));
    let first = sharing::apply(db, p, ent, Money::from_wan(2), "检测", ACTOR).await.unwrap();
    // 2 万 asked, the cap per enterprise is 3 万: another 1.5 万 is too much, 1 万 fits
    let r = sharing::apply(db, p, ent, Money(1_500_000), "研发", ACTOR).await;
    let used = refused!(r, StoreError::Sharing(SharingRefusal::Voucher(V::OverEnterpriseCap { used, .. })) => used);
    assert_eq!(used, Money::from_wan(2));
    let second = sharing::apply(db, p, ent, Money::from_wan(1), "研发", ACTOR).await.unwrap();
    refused!(
        sharing::decide_application(db, first, Some(Money::from_wan(3)), "", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Voucher(V::Grant))
    );
    sharing::decide_application(db, first, Some(Money(1_500_000)), "核减", ACTOR).await.unwrap();
    refused!(
        sharing::decide_application(db, first, Some(Money(1)), "", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Voucher(V::Decided))
    );
    refused!(
        sharing::decide_application(db, second, None, " ", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Voucher(V::Reason))
    );
    sharing::decide_application(db, second, None, "预算已用完", ACTOR).await.unwrap();
    let l = balanced(db, p).await;
    assert_eq!(
        (l.issued, l.balance, l.unissued()),
        (Money(1_500_000), Money(1_500_000), Money(3_500_000))
    );
}

#[tokio::test]
async fn wrong_codes_in_a_row_lock_the_voucher_for_the_provider_for_half_an_hour() {
    let t = demo_db(60).await;
    let db = &t.db;
    let (_, number, code, _, provider) = granted(db).await;
    let wrong = |k: &str| claim(&number, "000000", provider, 1000, 700, k);
    // four wrong, then the right one: it pays, and the count starts again
    for k in 0..4 {
        refused!(
            sharing::redeem(db, &wrong(&format!("w{k}")), ACTOR).await,
            StoreError::Sharing(SharingRefusal::Redemption(R::UnknownVoucher))
        );
    }
    sharing::redeem(db, &claim(&number, &code, provider, 200, 100, "ok-1"), ACTOR).await.unwrap();
    for k in 4..8 {
        refused!(
            sharing::redeem(db, &wrong(&format!("w{k}")), ACTOR).await,
            StoreError::Sharing(SharingRefusal::Redemption(R::UnknownVoucher))
        );
    }
    // the fifth in a row locks it: even the right code waits half an hour
    refused!(
        sharing::redeem(db, &wrong("w8"), ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::Locked { .. }))
    );
    refused!(
        sharing::redeem(db, &claim(&number, &code, provider, 200, 100, "ok-2"), ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::Locked { .. }))
    );
    // the lock is this provider's: the university's lab (not related) redeems meanwhile
    let lab = org_of(db, "lab").await;
    sharing::redeem(db, &claim(&number, &code, lab, 200, 100, "lab-1"), ACTOR).await.unwrap();
    // an unknown number locks nothing and is not told apart from a wrong code
    refused!(
        sharing::redeem(db, &claim("LZ2026-999999", &code, provider, 200, 100, "x"), ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::UnknownVoucher))
    );
    db.clock.advance(Duration::minutes(31));
    sharing::redeem(db, &claim(&number, &code, provider, 200, 100, "ok-3"), ACTOR).await.unwrap();
    let counted = db
        .read("SELECT COUNT(*) FROM audit_log WHERE action = 'voucher.wrong_code'", vec![], |r| {
            r.int(0)
        })
        .await
        .unwrap();
    assert_eq!(counted, [9], "each wrong code is in the audit trail");
    assert_eq!(count_redemptions(db).await, 3, "nothing written by the refused ones");
}

async fn count_redemptions(db: &Db) -> i64 {
    db.read("SELECT COUNT(*) FROM voucher_redemptions", vec![], |r| r.int(0)).await.unwrap()[0]
}

#[tokio::test]
async fn a_voucher_is_spent_only_within_its_rules() {
    let t = demo_db(60).await;
    let db = &t.db;
    let (p, number, code, ent, provider) = granted(db).await;
    let bad = |r: Redeem| async move { sharing::redeem(db, &r, ACTOR).await };
    refused!(
        bad(claim(&number, "000000x", provider, 1000, 700, "k1")).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::UnknownVoucher))
    );
    refused!(
        bad(claim(&number, &code, ent, 1000, 700, "k2")).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::NotProvider))
    );
    refused!(
        bad(Redeem { service: "rd".into(), ..claim(&number, &code, provider, 1000, 700, "k3") })
            .await,
        StoreError::Sharing(SharingRefusal::Redemption(R::Service { .. }))
    );
    // 30% is the firm's own: the voucher pays at most 700 of 1,000
    refused!(
        bad(claim(&number, &code, provider, 1000, 701, "k4")).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::Copay { .. }))
    );
    refused!(
        bad(claim(&number, &code, provider, 40_000, 20_001, "k5")).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::Balance { .. }))
    );
    // the same person is the firm's legal representative and a shareholder of the provider
    sharing::add_person(
        db,
        ent,
        "张伟",
        "11010519491231002X",
        Standing::LegalRepresentative,
        ACTOR,
    )
    .await
    .unwrap();
    sharing::add_person(db, provider, "张伟", "11010519491231002x", Standing::Shareholder, ACTOR)
        .await
        .unwrap();
    let r = bad(claim(&number, &code, provider, 1000, 700, "k6")).await;
    let relation = refused!(r, StoreError::Sharing(SharingRefusal::Redemption(R::Related { relation: Some(rel) })) => rel);
    assert_eq!((relation.name.as_str(), relation.in_provider), ("张伟", Standing::Shareholder));
    refused!(
        sharing::add_person(db, ent, "李娜", "110105194912310021", Standing::Staff, ACTOR).await,
        StoreError::Sharing(SharingRefusal::Voucher(V::IdNumber))
    );
    // an unrelated provider (the university's lab) redeems; a retry with the same key pays once
    let lab = org_of(db, "lab").await;
    let first = sharing::redeem(db, &claim(&number, &code, lab, 1000, 700, "order-1"), ACTOR)
        .await
        .unwrap();
    let retry = sharing::redeem(db, &claim(&number, &code, lab, 1000, 700, "order-1"), ACTOR)
        .await
        .unwrap();
    assert_eq!(first.id, retry.id);
    refused!(
        bad(claim(&number, &code, provider, 1000, 700, "order-1")).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::KeyReused))
    );
    let l = balanced(db, p).await;
    assert_eq!((l.pending, l.balance), (Money::from_yuan(700), Money::from_yuan(19_300)));
    t.db.clock.advance(Duration::days(61));
    refused!(
        bad(claim(&number, &code, lab, 1000, 700, "late")).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::Expired { .. }))
    );
}

#[tokio::test]
async fn concurrent_redemptions_never_overspend_and_a_repeated_request_pays_once() {
    let t = demo_db(60).await;
    let (p, number, code, _, _) = granted(&t.db).await;
    let lab = org_of(&t.db, "lab").await;
    // 32 orders of 1,000 元 of voucher money against 20,000 元, all at once; then 8 copies of one
    // request, all at once.
    let mut tasks = Vec::new();
    for k in 0..40 {
        let db = t.db.clone();
        let key = if k < 32 { format!("order-{k}") } else { "the-same-order".to_string() };
        let c = claim(&number, &code, lab, 2000, 1000, &key);
        tasks.push(tokio::spawn(async move { sharing::redeem(&db, &c, ACTOR).await }));
    }
    let mut ids = std::collections::HashSet::new();
    let mut refused_balance = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(r) => {
                ids.insert(r.id);
            }
            Err(StoreError::Sharing(SharingRefusal::Redemption(
                R::Balance { .. } | R::NotActive,
            ))) => refused_balance += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ids.len(), 20, "exactly the balance is spent");
    assert!(refused_balance <= 20, "the rest were refused for want of balance");
    let same =
        t.db.read(
            "SELECT COUNT(*) FROM voucher_redemptions WHERE request_key = 'the-same-order'",
            vec![],
            |r| r.int(0),
        )
        .await
        .unwrap()[0];
    assert!(same <= 1, "one request, at most one redemption");
    let l = balanced(&t.db, p).await;
    assert_eq!((l.balance, l.pending), (Money::ZERO, Money::from_wan(2)));
}

#[tokio::test]
async fn verification_settlement_expiry_and_clawback_keep_the_ledger() {
    let t = demo_db(60).await;
    let db = &t.db;
    let (p, number, code, _, provider) = granted(db).await;
    let mut ids = Vec::new();
    for k in 0..4 {
        let r = sharing::redeem(
            db,
            &claim(&number, &code, provider, 2000, 1000, &format!("o{k}")),
            ACTOR,
        )
        .await
        .unwrap();
        ids.push(r.id);
    }
    refused!(
        sharing::verify(db, ids[0], false, "", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::Reason))
    );
    sharing::verify(db, ids[0], false, "发票与合同金额不符", ACTOR).await.unwrap();
    for id in &ids[1..] {
        sharing::verify(db, *id, true, "", ACTOR).await.unwrap();
    }
    refused!(
        sharing::verify(db, ids[1], true, "", ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::State { .. }))
    );
    let l = balanced(db, p).await;
    assert_eq!(
        (l.redeemed, l.balance),
        (Money::from_yuan(3000), Money::from_yuan(17_000)),
        "the rejected 1,000 is back"
    );
    let month = db.clock.today().format("%Y%m").to_string();
    let batch = sharing::settle(db, p, &month, Some(&ids[1..3]), ACTOR).await.unwrap();
    assert_eq!((batch.total, batch.redemptions), (Money::from_yuan(2000), 2));
    refused!(
        sharing::settle(db, p, &month, None, ACTOR).await,
        StoreError::Sharing(SharingRefusal::Redemption(R::MonthSettled { .. }))
    );
    let next = "209901";
    let id = refused!(sharing::settle(db, p, next, Some(&[ids[1], ids[3]]), ACTOR).await, StoreError::Sharing(SharingRefusal::Redemption(R::AlreadySettled { id })) => id);
    assert_eq!(id, ids[1]);
    assert_eq!(
        sharing::redemption(db, ids[3]).await.unwrap().unwrap().status,
        "verified",
        "nothing of a refused batch is stored"
    );
    sharing::claw_back(db, ids[1], "虚开发票", ACTOR).await.unwrap();
    let credit = db
        .read("SELECT credit_code FROM organisations WHERE id = ?", vec![provider.into()], |r| {
            r.text(0)
        })
        .await
        .unwrap()[0]
        .clone();
    assert!(
        !innocity_store::credit::check(db, &credit, db.clock.today()).await.unwrap().allowed,
        "the provider is barred"
    );
    db.clock.advance(Duration::days(61));
    assert_eq!(sharing::expire(db, p, ACTOR).await.unwrap(), 1);
    let l = balanced(db, p).await;
    assert_eq!(
        (l.balance, l.expired, l.recovered),
        (Money::ZERO, Money::from_yuan(17_000), Money::from_yuan(1000))
    );
    assert_eq!(l.unissued(), Money(Money::from_wan(3).fen() + Money::from_yuan(18_000).fen()));
}

#[tokio::test]
async fn a_booking_paid_with_a_voucher_redeems_its_share_when_closed() {
    use innocity_core::sharing::booking::Span;
    let t = demo_db(60).await;
    let db = &t.db;
    let (p, number, _, ent, _) = granted(db).await;
    let lab = org_of(db, "lab").await;
    let item = crate::sharing::scope_instrument("SEM-V", "");
    let id = sharing::add_instruments(db, lab, &[item], ACTOR).await.unwrap()[0];
    let user = db
        .read("SELECT id FROM users WHERE username = 'orgadmin'", vec![], |r| r.int(0))
        .await
        .unwrap()[0];
    let who = sharing::Booker { user_id: user, organisation_id: ent };
    let start = (db.clock.today() + Duration::days(1)).and_hms_opt(9, 0, 0).unwrap();
    let span = Span { start, end: start + Duration::minutes(120) };
    let req = |voucher: &str| sharing::BookingRequest {
        instrument_id: id,
        span,
        purpose: "电镜测试".into(),
        samples: String::new(),
        voucher: Some(voucher.into()),
    };
    let r = sharing::book(db, &req("LZ2026-999999"), who, ACTOR).await;
    refused!(r, StoreError::Sharing(SharingRefusal::Redemption(R::UnknownVoucher)));
    let b = sharing::book(db, &req(&number), who, ACTOR).await.unwrap();
    db.clock.advance(Duration::days(2));
    let usage =
        sharing::Usage {
            actual: span, operator: "马老师".into(), result: "图像 20 张".into()
        };
    // two hours at the voucher rate of 400 元: 800 元, of which the voucher pays 70%
    assert_eq!(sharing::close(db, b, &usage, ACTOR).await.unwrap(), Money::from_yuan(800));
    let row = sharing::booking(db, b).await.unwrap().unwrap();
    assert_eq!(
        (row.voucher.as_deref(), row.voucher_paid),
        (Some(number.as_str()), Some(Money::from_yuan(560)))
    );
    let l = balanced(db, p).await;
    assert_eq!((l.pending, l.balance), (Money::from_yuan(560), Money::from_yuan(19_440)));
    // a second booking on the same voucher after it is spent: charged at the firm's own price
    let start2 = start + Duration::days(3);
    let span2 = Span { start: start2, end: start2 + Duration::minutes(60) };
    let b2 =
        sharing::book(db, &sharing::BookingRequest { span: span2, ..req(&number) }, who, ACTOR)
            .await
            .unwrap();
    let tx = db.begin_write().await.unwrap();
    tx.exec(
        "UPDATE vouchers SET balance_fen = 0, status = 'spent' WHERE number = ?",
        vec![number.clone().into()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    db.clock.advance(Duration::days(5));
    let usage =
        sharing::Usage { actual: span2, operator: "马老师".into(), result: "图像".into() };
    assert_eq!(
        sharing::close(db, b2, &usage, ACTOR).await.unwrap(),
        Money::from_yuan(450),
        "the enterprise price (450 an hour), no voucher"
    );
    assert_eq!(sharing::booking(db, b2).await.unwrap().unwrap().voucher_paid, None);
}
