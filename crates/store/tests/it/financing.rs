//! Financing demands and products: only enterprises ask and only financial institutions offer;
//! a follow-up moves forward by the right side, a decline says why, an approval stays within the
//! demand; what the platform knows of a firm (certificates, white list) answers a product's
//! conditions; two first steps at once open one follow-up.
use crate::common::*;
use innocity_core::finance::financing::{
    DemandDraft, NeedKind, ProductDraft, ProductKind, Requirement, Side, Stage, StepDraft,
    StepError, fit,
};
use innocity_core::projects::money::Money;
use innocity_store::finance::FinanceRefusal;
use innocity_store::finance::financing::{
    FinancingRefusal, demands, followups, products, standings,
};
use innocity_store::orgs::Actor;
use innocity_store::{Db, StoreError};

const FIRM: Actor<'static> = Actor { user_id: 0, username: "firm", request_id: "r" };
const BANKER: Actor<'static> = Actor { user_id: 0, username: "banker", request_id: "r" };

macro_rules! refused_as {
    ($e:expr, $p:pat) => {
        match $e {
            Err(StoreError::Finance(FinanceRefusal::Financing($p))) => {}
            other => panic!("expected {}, got {other:?}", stringify!($p)),
        }
    };
}

async fn count(db: &Db, table: &str) -> i64 {
    db.read(&format!("SELECT COUNT(*) FROM {table}"), vec![], |r| r.int(0)).await.unwrap()[0]
}

async fn org(db: &Db, kind: &str) -> i64 {
    let sql = "SELECT id FROM organisations WHERE kind = ? ORDER BY id LIMIT 1";
    db.read(sql, vec![kind.into()], |r| r.int(0)).await.unwrap()[0]
}

async fn bank(db: &Db) -> i64 {
    let tx = db.begin_write().await.unwrap();
    let id = tx
        .insert(
            "INSERT INTO organisations (credit_code, name, kind, org_unit_id, unit_path, created_at, updated_at) SELECT '91620100BANKA0001X', '兰州银行股份有限公司', 'financial', id, path, 0, 0 FROM org_units ORDER BY id LIMIT 1",
            vec![],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn loan_demand(db: &Db) -> DemandDraft {
    DemandDraft {
        kind: NeedKind::Loan,
        amount: Money::from_wan(300),
        term_months: Some(12),
        purpose: "购置中试生产线设备".into(),
        collateral: "信用".into(),
        valid_until: db.clock.today() + chrono::Duration::days(90),
    }
}

fn product(db: &Db, kind: ProductKind) -> ProductDraft {
    ProductDraft {
        kind,
        name: "科技贷".into(),
        description: "面向科技型中小企业的信用贷款".into(),
        rate_bp: Some((345, 435)),
        amount_min: Money::from_wan(50),
        amount_max: Money::from_wan(500),
        term_months: Some((6, 36)),
        requires: vec![Requirement::TechSme],
        valid_until: db.clock.today() + chrono::Duration::days(365),
    }
}

fn step(stage: Stage, note: &str, approved: Option<Money>) -> StepDraft {
    StepDraft { stage, note: note.into(), approved }
}

#[tokio::test]
async fn only_enterprises_ask_only_institutions_offer_and_a_follow_up_moves_forward() {
    let t = demo_db(30).await;
    let db = &t.db;
    let firm = org(db, "enterprise").await;
    let university = org(db, "university").await;
    let bank = bank(db).await;

    refused_as!(
        demands::publish(db, university, &loan_demand(db), FIRM).await,
        FinancingRefusal::NotEnterprise
    );
    refused_as!(
        products::publish(db, firm, &product(db, ProductKind::Loan), BANKER).await,
        FinancingRefusal::NotInstitution
    );
    assert_eq!(
        (count(db, "financing_demands").await, count(db, "financing_products").await),
        (0, 0)
    );

    let d = demands::publish(db, firm, &loan_demand(db), FIRM).await.unwrap();
    let p = products::publish(db, bank, &product(db, ProductKind::Loan), BANKER).await.unwrap();
    let e = products::publish(db, bank, &product(db, ProductKind::Equity), BANKER).await.unwrap();
    let demand = demands::get(db, d).await.unwrap().unwrap();
    let loan = products::get(db, p).await.unwrap().unwrap();
    let equity = products::get(db, e).await.unwrap().unwrap();

    // The firm's standing answers the product's condition: no 科小 yet, then one.
    let s = standings(db, db.clock.today()).await.unwrap()[&firm];
    assert!(!s.tech_sme && s.clean_credit);
    assert!(!fit(&demand.need(), &s, &loan.offer()).unwrap().fits());
    let tx = db.begin_write().await.unwrap();
    tx.exec(
        "INSERT INTO organisation_qualifications (organisation_id, code, valid_until, issued_on) VALUES (?, 'tech_sme', '2099-12-31', '2020-01-01')",
        vec![firm.into()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let s = standings(db, db.clock.today()).await.unwrap()[&firm];
    assert!(fit(&demand.need(), &s, &loan.offer()).unwrap().fits());

    let f = refusals_store_nothing_and_steps_move_forward(db, &demand, &loan, &equity, bank).await;

    closing_withdraws_what_is_under_way(db, &demand, f, bank).await;

    let year = chrono::Datelike::year(&db.clock.today());
    let figures = followups::figures(db, year).await.unwrap();
    let loans = figures.iter().find(|k| k.need == NeedKind::Loan).unwrap();
    assert_eq!(
        (loans.demands, loans.asked, loans.followed, loans.approved, loans.approved_amount),
        (1, Money::from_wan(300), 1, 1, Money::from_wan(200))
    );
}

#[tokio::test]
async fn two_first_steps_at_once_open_one_follow_up() {
    let t = demo_db(30).await;
    let db = &t.db;
    let firm = org(db, "enterprise").await;
    let bank = bank(db).await;
    let d = demands::publish(db, firm, &loan_demand(db), FIRM).await.unwrap();
    let p = products::publish(db, bank, &product(db, ProductKind::Loan), BANKER).await.unwrap();
    let demand = demands::get(db, d).await.unwrap().unwrap();
    let loan = products::get(db, p).await.unwrap().unwrap();
    let contact = step(Stage::Contacted, "电话联系", None);
    let (a, b) = tokio::join!(
        followups::take(db, &demand, &loan, Side::Institution, &contact, BANKER),
        followups::take(db, &demand, &loan, Side::Institution, &contact, BANKER),
    );
    assert_eq!([&a, &b].iter().filter(|r| r.is_ok()).count(), 1, "{a:?} {b:?}");
    for r in [a, b].into_iter().filter(|r| r.is_err()) {
        match r {
            Err(StoreError::Finance(FinanceRefusal::Financing(
                FinancingRefusal::Step(_) | FinancingRefusal::Moved { .. },
            ))) => {}
            other => panic!("a refusal, not {other:?}"),
        }
    }
    assert_eq!(
        (count(db, "financing_followups").await, count(db, "financing_steps").await),
        (1, 1)
    );
}

/// Refusals store nothing; the firm applies, the bank contacts, examines and approves; nothing
/// follows the end.
async fn refusals_store_nothing_and_steps_move_forward(
    db: &Db,
    demand: &demands::DemandRow,
    loan: &products::ProductRow,
    equity: &products::ProductRow,
    bank: i64,
) -> i64 {
    let (demand, loan, equity) = (demand.clone(), loan.clone(), equity.clone());
    refused_as!(
        followups::take(
            db,
            &demand,
            &equity,
            Side::Institution,
            &step(Stage::Contacted, "", None),
            BANKER
        )
        .await,
        FinancingRefusal::KindMismatch { .. }
    );
    refused_as!(
        followups::take(
            db,
            &demand,
            &loan,
            Side::Enterprise,
            &step(Stage::Contacted, "", None),
            FIRM
        )
        .await,
        FinancingRefusal::Step(StepError::NotYours { side: Side::Institution })
    );
    refused_as!(
        followups::take(
            db,
            &demand,
            &loan,
            Side::Institution,
            &step(Stage::Approved, "", Some(Money::from_wan(301))),
            BANKER
        )
        .await,
        FinancingRefusal::OverAsked
    );
    assert_eq!(count(db, "financing_followups").await, 0);

    steps_move_forward(db, &demand, &loan, bank).await
}

/// The firm applies, the bank contacts, examines and approves; nothing follows the end.
async fn steps_move_forward(
    db: &Db,
    demand: &demands::DemandRow,
    loan: &products::ProductRow,
    bank: i64,
) -> i64 {
    let f = followups::take(
        db,
        demand,
        loan,
        Side::Enterprise,
        &step(Stage::Applied, "希望尽快对接", None),
        FIRM,
    )
    .await
    .unwrap();
    for s in [Stage::Contacted, Stage::DueDiligence] {
        followups::take(
            db,
            demand,
            loan,
            Side::Institution,
            &step(s, "客户经理已上门", None),
            BANKER,
        )
        .await
        .unwrap();
    }
    refused_as!(
        followups::take(
            db,
            demand,
            loan,
            Side::Institution,
            &step(Stage::Contacted, "", None),
            BANKER
        )
        .await,
        FinancingRefusal::Step(StepError::Order { from: Some(Stage::DueDiligence) })
    );
    let approved = step(Stage::Approved, "授信审批通过", Some(Money::from_wan(200)));
    assert_eq!(
        followups::take(db, demand, loan, Side::Institution, &approved, BANKER).await.unwrap(),
        f
    );
    refused_as!(
        followups::take(
            db,
            demand,
            loan,
            Side::Enterprise,
            &step(Stage::Withdrawn, "", None),
            FIRM
        )
        .await,
        FinancingRefusal::Step(StepError::Order { from: Some(Stage::Approved) })
    );
    let timeline = followups::steps(db, f).await.unwrap();
    let stages: Vec<Stage> = timeline.iter().map(|s| s.stage).collect();
    assert_eq!(
        stages,
        vec![Stage::Applied, Stage::Contacted, Stage::DueDiligence, Stage::Approved]
    );
    assert_eq!(timeline[0].side, "enterprise");
    let row = followups::get(db, f).await.unwrap().unwrap();
    assert_eq!((row.stage, row.approved), (Stage::Approved, Some(Money::from_wan(200))));
    assert_eq!(followups::of_institution(db, bank).await.unwrap().len(), 1);
    f
}

#[tokio::test]
async fn a_follow_up_begun_goes_on_after_the_demand_lapses_within_the_products_amounts() {
    let t = demo_db(30).await;
    let db = &t.db;
    let firm = org(db, "enterprise").await;
    let bank = bank(db).await;
    let ask = DemandDraft {
        amount: Money::from_wan(600),
        valid_until: db.clock.today() + chrono::Duration::days(10),
        ..loan_demand(db)
    };
    let d = demands::publish(db, firm, &ask, FIRM).await.unwrap();
    let p = products::publish(db, bank, &product(db, ProductKind::Loan), BANKER).await.unwrap();
    let q =
        products::publish(db, bank, &product(db, ProductKind::Guarantee), BANKER).await.unwrap();
    let demand = demands::get(db, d).await.unwrap().unwrap();
    let (loan, guarantee) = (
        products::get(db, p).await.unwrap().unwrap(),
        products::get(db, q).await.unwrap().unwrap(),
    );
    let contact = step(Stage::Contacted, "电话联系", None);
    followups::take(db, &demand, &loan, Side::Institution, &contact, BANKER).await.unwrap();
    db.clock.advance(chrono::Duration::days(11));
    let over = step(Stage::Approved, "", Some(Money::from_wan(600)));
    refused_as!(
        followups::take(db, &demand, &loan, Side::Institution, &over, BANKER).await,
        FinancingRefusal::OverProduct { .. }
    );
    let within = step(Stage::Approved, "按产品最高额度授信", Some(Money::from_wan(500)));
    followups::take(db, &demand, &loan, Side::Institution, &within, BANKER).await.unwrap();
    refused_as!(
        followups::take(db, &demand, &guarantee, Side::Institution, &contact, BANKER).await,
        FinancingRefusal::DemandClosed
    );
    assert_eq!(count(db, "financing_followups").await, 1);
}

/// A guarantor's follow-up under way is withdrawn when the firm closes the demand; an approval
/// stays; a closed demand begins no new follow-up.
async fn closing_withdraws_what_is_under_way(
    db: &Db,
    demand: &demands::DemandRow,
    f: i64,
    bank: i64,
) {
    let d = demand.id;
    let demand = demand.clone();
    let other =
        products::publish(db, bank, &product(db, ProductKind::Guarantee), BANKER).await.unwrap();
    let guarantee = products::get(db, other).await.unwrap().unwrap();
    let contact = step(Stage::Contacted, "担保公司已联系", None);
    let g = followups::take(db, &demand, &guarantee, Side::Institution, &contact, BANKER)
        .await
        .unwrap();
    let other = products::publish(db, bank, &product(db, ProductKind::Loan), BANKER).await.unwrap();
    let second = products::get(db, other).await.unwrap().unwrap();
    demands::close(db, d, demand.version, FIRM).await.unwrap();
    let withdrawn = followups::get(db, g).await.unwrap().unwrap();
    assert_eq!(withdrawn.stage, Stage::Withdrawn);
    let last = followups::steps(db, g).await.unwrap().pop().unwrap();
    assert_eq!((last.stage, last.note.as_str()), (Stage::Withdrawn, demands::WITHDRAWN_ON_CLOSE));
    assert_eq!(
        followups::get(db, f).await.unwrap().unwrap().stage,
        Stage::Approved,
        "an end stays"
    );
    let guarantee = second;
    refused_as!(
        followups::take(
            db,
            &demand,
            &guarantee,
            Side::Institution,
            &step(Stage::Contacted, "", None),
            BANKER
        )
        .await,
        FinancingRefusal::DemandClosed
    );
}
