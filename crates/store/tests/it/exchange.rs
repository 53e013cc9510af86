//! 通用通兑 between two platforms, each its own database: city A's vouchers listed in a roster
//! that city B imports, redeemed by B's provider under A's rules, claimed in B's monthly
//! statement, imported and checked line by line by A (the money off the voucher, the ledger
//! balanced), answered by A's reply, which B imports. Files of another key, changed by a fen, for
//! another programme, or imported twice are refused whole.
use crate::common::*;
use crate::vouchers::{claim, granted, register_provider};
use innocity_core::projects::money::Money;
use innocity_core::sharing::exchange::{
    FORMAT, FileError, Kind, Partner, Statement, StatementLine, sign,
};
use innocity_core::sharing::vouchers::ProgrammeForm;
use innocity_store::orgs::Actor;
use innocity_store::sharing::exchange_statements as st;
use innocity_store::sharing::{self, ExchangeRefusal as X, RedemptionRefusal as R, SharingRefusal};
use innocity_store::{Db, StoreError};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };
const KEY: &str = "lanzhou-dingxi-2026-exchange";

fn partner(code: &str, name: &str, region: &str) -> Partner {
    Partner { code: code.into(), name: name.into(), region: region.into(), key: KEY.into() }
}

async fn org_of(db: &Db, username: &str) -> i64 {
    db.read("SELECT organisation_id FROM users WHERE username = ?", vec![username.into()], |r| {
        r.int(0)
    })
    .await
    .unwrap()[0]
}

/// City B: its own programme DX2026 (co-payment 50%) and a registered provider.
async fn city_b(db: &Db) -> (i64, i64) {
    let today = db.clock.today();
    let p = ProgrammeForm {
        code: "DX2026".into(),
        name: "定西市科技创新券".into(),
        year: "2026".into(),
        budget_wan: "5".into(),
        per_application_wan: "2".into(),
        per_enterprise_wan: "3".into(),
        copay_percent: "50".into(),
        services: "testing".into(),
        eligibility: "enterprise".into(),
        valid_from: (today - chrono::Duration::days(30)).to_string(),
        valid_to: (today + chrono::Duration::days(60)).to_string(),
    }
    .parse()
    .unwrap();
    let programme = sharing::create_programme(db, &p, "", ACTOR).await.unwrap();
    let provider = org_of(db, "provider").await;
    register_provider(db, provider).await;
    (programme, provider)
}

fn exchange_refusal(e: StoreError) -> X {
    match e {
        StoreError::Sharing(SharingRefusal::Exchange(x)) => x,
        other => panic!("expected an exchange refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_voucher_of_city_a_is_spent_in_city_b_claimed_checked_and_answered() {
    let (ta, tb) = (demo_db(40).await, demo_db(40).await);
    let (a, b) = (&ta.db, &tb.db);
    let (programme_a, number, code, _, _) = granted(a).await;
    let (programme_b, provider_b) = city_b(b).await;
    let in_a = sharing::add_partner(
        a,
        &partner("DX2026", "定西市科技创新券", "定西市"),
        programme_a,
        ACTOR,
    )
    .await
    .unwrap();
    let in_b = sharing::add_partner(
        b,
        &partner("LZ2026", "兰州市科技创新券", "兰州市"),
        programme_b,
        ACTOR,
    )
    .await
    .unwrap();
    // a partner code that is one of our own programmes' is refused
    let ours = sharing::add_partner(b, &partner("DX2026", "x", "x"), programme_b, ACTOR).await;
    assert_eq!(exchange_refusal(ours.unwrap_err()), X::CodeTaken { code: "DX2026".into() });

    // the roster: A's voucher with its code only as a MAC
    let roster = sharing::roster(a, in_a).await.unwrap();
    assert_eq!(roster.vouchers.len(), 1);
    let bytes = serde_json::to_vec_pretty(&roster).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(&format!("\"{code}\"")));
    let mut other_key = roster.clone();
    sign(&mut other_key, "not-the-agreed-key-at-all");
    let refused =
        sharing::import_roster(b, in_b, &serde_json::to_vec(&other_key).unwrap(), ACTOR).await;
    assert_eq!(exchange_refusal(refused.unwrap_err()), X::File(FileError::Signature));
    assert_eq!(sharing::import_roster(b, in_b, &bytes, ACTOR).await.unwrap(), 1);
    let listed = sharing::partner_vouchers(b, in_b).await.unwrap();
    assert_eq!(
        (listed[0].number.as_str(), listed[0].balance),
        (number.as_str(), Money::from_wan(2))
    );

    // B's provider redeems it under A's rules: co-payment 30%, the balance, the code
    let wrong =
        sharing::redeem_partner(b, &claim(&number, "000000", provider_b, 100, 70, "k0"), ACTOR)
            .await;
    refused!(wrong, StoreError::Sharing(SharingRefusal::Redemption(R::UnknownVoucher)));
    let copay =
        sharing::redeem_partner(b, &claim(&number, &code, provider_b, 10_000, 7_001, "k1"), ACTOR)
            .await;
    refused!(copay, StoreError::Sharing(SharingRefusal::Redemption(R::Copay { .. })));
    let r =
        sharing::redeem_partner(b, &claim(&number, &code, provider_b, 10_000, 7_000, "k1"), ACTOR)
            .await
            .unwrap();
    assert_eq!((r.amount, r.status.as_str()), (Money::from_yuan(7_000), "pending"));
    let again =
        sharing::redeem_partner(b, &claim(&number, &code, provider_b, 10_000, 7_000, "k1"), ACTOR)
            .await
            .unwrap();
    assert_eq!(again.id, r.id, "a retried request is answered with the first redemption");
    let beyond =
        sharing::redeem_partner(b, &claim(&number, &code, provider_b, 30_000, 13_001, "k2"), ACTOR)
            .await;
    refused!(beyond, StoreError::Sharing(SharingRefusal::Redemption(R::Balance { .. })));
    sharing::verify_partner(b, r.id, true, "", ACTOR).await.unwrap();
    b_claims_a_checks_and_replies((a, in_a, programme_a), (b, in_b)).await;
}

/// B claims the month's verified redemption; A imports the claim (a changed one refused, the
/// same one twice refused), its voucher and ledger take it; A's reply closes B's claim.
async fn b_claims_a_checks_and_replies(
    (a, in_a, programme_a): (&Db, i64, i64),
    (b, in_b): (&Db, i64),
) {
    // B claims the month; A imports the claim
    let month = b.clock.today().format("%Y-%m").to_string();
    let claim_row = st::make_claim(b, in_b, &month, ACTOR).await.unwrap();
    assert_eq!((claim_row.lines, claim_row.total), (1, Money::from_yuan(7_000)));
    let nothing = st::make_claim(b, in_b, &month, ACTOR).await;
    assert_eq!(exchange_refusal(nothing.unwrap_err()), X::MonthTaken { month: month.clone() });
    let file = st::claim_file(b, claim_row.id).await.unwrap();
    let mut changed = file.clone();
    changed.lines[0].amount_fen += 1;
    let refused = st::import_owed(a, in_a, &serde_json::to_vec(&changed).unwrap(), ACTOR).await;
    assert_eq!(exchange_refusal(refused.unwrap_err()), X::File(FileError::Signature));
    let owed = st::import_owed(a, in_a, &serde_json::to_vec(&file).unwrap(), ACTOR).await.unwrap();
    assert_eq!((owed.lines, owed.accepted), (1, Money::from_yuan(7_000)));
    let twice = st::import_owed(a, in_a, &serde_json::to_vec(&file).unwrap(), ACTOR).await;
    assert_eq!(exchange_refusal(twice.unwrap_err()), X::MonthTaken { month: month.clone() });
    let v = sharing::vouchers_in(a, programme_a).await.unwrap();
    assert_eq!(v[0].balance, Money::from_yuan(13_000), "the money left A's voucher");
    let l = sharing::ledger(a, programme_a).await.unwrap();
    assert!(l.holds(), "{l:?}");
    assert_eq!(l.exchanged, Money::from_yuan(7_000));

    // A's reply closes B's claim
    let reply = st::reply_file(a, owed.id).await.unwrap();
    assert!(reply.lines[0].accepted);
    let bytes = serde_json::to_vec(&reply).unwrap();
    let closed = st::import_reply(b, in_b, &bytes, ACTOR).await.unwrap();
    assert_eq!(closed.accepted, Money::from_yuan(7_000));
    assert!(closed.replied_at.is_some());
    let redemption = &sharing::partner_redemptions(b, in_b, 0).await.unwrap()[0];
    assert_eq!(redemption.status, "accepted");
    let replied = st::import_reply(b, in_b, &bytes, ACTOR).await;
    assert_eq!(exchange_refusal(replied.unwrap_err()), X::Replied);
}

fn line(
    n: u32,
    number: &str,
    key: &str,
    total: i64,
    amount: i64,
    today: chrono::NaiveDate,
) -> StatementLine {
    StatementLine {
        line: n,
        number: number.into(),
        request_key: key.into(),
        provider: "定西市检验检测中心".into(),
        provider_code: "91621100MA74000001".into(),
        service: "testing".into(),
        used_on: today,
        order_total_fen: total,
        amount_fen: amount,
    }
}

#[tokio::test]
async fn each_claimed_line_is_checked_and_refused_lines_cost_nothing() {
    let t = demo_db(40).await;
    let db = &t.db;
    let (programme, number, _, _, _) = granted(db).await;
    let id = sharing::add_partner(
        db,
        &partner("DX2026", "定西市科技创新券", "定西市"),
        programme,
        ACTOR,
    )
    .await
    .unwrap();
    let today = db.clock.today();
    let wan = 1_000_000;
    let lines = vec![
        line(1, &number, "a", wan, 7 * wan / 10, today),
        // the same request key again in the same file
        line(2, &number, "a", wan, 1, today),
        line(3, "LZ2026-999999", "b", wan, 1, today),
        // more than the 30% co-payment allows
        line(4, &number, "c", wan, 7 * wan / 10 + 1, today),
        // 2 万 − 0.7 万 = 1.3 万 left: 1.3 万 fits exactly, a fen more does not
        line(5, &number, "d", 2 * wan, 13 * wan / 10 + 1, today),
        line(6, &number, "e", 2 * wan, 13 * wan / 10, today),
        line(7, &number, "f", 2 * wan, 1, today),
    ];
    let mut file = Statement {
        format: FORMAT.into(),
        kind: Kind::Statement,
        from: "DX2026".into(),
        to: "LZ2026".into(),
        month: today.format("%Y-%m").to_string(),
        total_fen: lines.iter().map(|l| l.amount_fen).sum(),
        lines,
        signature: String::new(),
    };
    sign(&mut file, KEY);
    let owed = st::import_owed(db, id, &serde_json::to_vec(&file).unwrap(), ACTOR).await.unwrap();
    let outcomes: Vec<(String, String)> =
        st::lines(db, owed.id).await.unwrap().into_iter().map(|l| (l.outcome, l.reason)).collect();
    let expect = [
        ("accepted", ""),
        ("refused", "repeated"),
        ("refused", "unknown_voucher"),
        ("refused", "copay"),
        ("refused", "balance"),
        ("accepted", ""),
        ("refused", "not_active"),
    ];
    let expect: Vec<(String, String)> =
        expect.iter().map(|(o, r)| (o.to_string(), r.to_string())).collect();
    assert_eq!(outcomes, expect);
    assert_eq!(owed.accepted, Money::from_wan(2));
    let v = &sharing::vouchers_in(db, programme).await.unwrap()[0];
    assert_eq!((v.balance, v.status.as_str()), (Money::ZERO, "spent"));
    let l = sharing::ledger(db, programme).await.unwrap();
    assert!(l.holds() && l.exchanged == Money::from_wan(2), "{l:?}");

    // a file whose total is not its lines' is refused whole, nothing stored
    let mut bad = file.clone();
    bad.month = "2020-01".into();
    bad.total_fen += 1;
    sign(&mut bad, KEY);
    let refused = st::import_owed(db, id, &serde_json::to_vec(&bad).unwrap(), ACTOR).await;
    assert_eq!(exchange_refusal(refused.unwrap_err()), X::Lines);
    assert_eq!(st::statements(db, id).await.unwrap().len(), 1);
    // a claim meant for another programme
    let mut elsewhere = file.clone();
    elsewhere.to = "BY2026".into();
    sign(&mut elsewhere, KEY);
    let refused = st::import_owed(db, id, &serde_json::to_vec(&elsewhere).unwrap(), ACTOR).await;
    assert!(matches!(exchange_refusal(refused.unwrap_err()), X::Programme { .. }));
    // not JSON at all
    let refused = st::import_owed(db, id, b"\xff\xfe not json", ACTOR).await;
    assert!(matches!(exchange_refusal(refused.unwrap_err()), X::File(FileError::Syntax { .. })));
}

#[tokio::test]
async fn concurrent_redemptions_of_a_partner_voucher_never_overspend() {
    let (ta, tb) = (demo_db(40).await, demo_db(40).await);
    let (a, b) = (&ta.db, &tb.db);
    let (programme_a, number, code, _, _) = granted(a).await;
    let (programme_b, provider_b) = city_b(b).await;
    let in_a = sharing::add_partner(a, &partner("DX2026", "定西", "定西市"), programme_a, ACTOR)
        .await
        .unwrap();
    let in_b = sharing::add_partner(b, &partner("LZ2026", "兰州", "兰州市"), programme_b, ACTOR)
        .await
        .unwrap();
    let roster = serde_json::to_vec(&sharing::roster(a, in_a).await.unwrap()).unwrap();
    sharing::import_roster(b, in_b, &roster, ACTOR).await.unwrap();
    // 2 万 on the voucher; 12 claims of 0.21 万 at once: 9 fit (1.89 万), 3 do not
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (db, number, code) = (b.clone(), number.clone(), code.clone());
            tokio::spawn(async move {
                let c = claim(&number, &code, provider_b, 3_000, 2_100, &format!("c{i}"));
                sharing::redeem_partner(&db, &c, ACTOR).await
            })
        })
        .collect();
    let mut paid = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => paid += 1,
            Err(StoreError::Sharing(SharingRefusal::Redemption(R::Balance { .. }))) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(paid, 9);
    let left = &sharing::partner_vouchers(b, in_b).await.unwrap()[0];
    assert_eq!(left.balance, Money::from_yuan(20_000 - 9 * 2_100));
}
