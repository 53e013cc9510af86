//! The risk-compensation fund: loans held to the agreement and the white list, a default claimed,
//! approved and paid by two people and a recovery flowing back, each refusal storing nothing;
//! the ledger replays to where the fund stands; approvals at once never overdraw it.
use crate::common::*;
use chrono::{Duration, NaiveDate};
use innocity_core::finance::fund::{LedgerError, LoanError, LoanTerms, Repayment, Terms};
use innocity_core::projects::money::Money;
use innocity_store::finance::FinanceRefusal;
use innocity_store::finance::fund::claims::{self, ClaimStatus, NewClaim};
use innocity_store::finance::fund::ledger::{self, FundKind, NewFund};
use innocity_store::finance::fund::loans::{self, LoanStatus, NewLoan};
use innocity_store::finance::fund::{FundRefusal, agreements, report};
use innocity_store::orgs::Actor;
use innocity_store::{Db, StoreError};

const OFFICER: Actor<'static> = Actor { user_id: 0, username: "officer", request_id: "r" };
const CHECKER: Actor<'static> = Actor { user_id: 0, username: "checker", request_id: "r" };
const BANKER: Actor<'static> = Actor { user_id: 0, username: "banker", request_id: "r" };

macro_rules! refused {
    ($e:expr, $p:pat) => {
        match $e {
            Err(StoreError::Finance(FinanceRefusal::Fund($p))) => {}
            other => panic!("expected {}, got {other:?}", stringify!($p)),
        }
    };
}

async fn count(db: &Db, table: &str) -> i64 {
    db.read(&format!("SELECT COUNT(*) FROM {table}"), vec![], |r| r.int(0)).await.unwrap()[0]
}

/// A bank (a financial institution) under the first unit.
async fn bank(db: &Db, code: &str, name: &str) -> i64 {
    let tx = db.begin_write().await.unwrap();
    let id = tx
        .insert(
            "INSERT INTO organisations (credit_code, name, kind, org_unit_id, unit_path, created_at, updated_at) SELECT ?, ?, 'financial', id, path, 0, 0 FROM org_units ORDER BY id LIMIT 1",
            vec![code.into(), name.into()],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// The first `n` enterprises, each given a valid 科小 certificate; their credit codes.
async fn qualified(db: &Db, n: i64) -> Vec<String> {
    let rows = db
        .read(
            &format!("SELECT id, credit_code FROM organisations WHERE kind = 'enterprise' ORDER BY id LIMIT {n}"),
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?)),
        )
        .await
        .unwrap();
    let tx = db.begin_write().await.unwrap();
    for (id, _) in &rows {
        tx.exec(
            "INSERT INTO organisation_qualifications (organisation_id, code, valid_until, issued_on) VALUES (?, 'tech_sme', '2099-12-31', '2020-01-01')",
            vec![(*id).into()],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    rows.into_iter().map(|(_, c)| c).collect()
}

fn terms(today: NaiveDate) -> Terms {
    Terms {
        loss_share_pct: 50,
        loan_cap: Money::from_wan(500),
        bank_quota: Money::from_wan(1_000),
        compensation_cap: Money::from_wan(300),
        max_term_months: 36,
        max_rate_bp: 600,
        valid_from: today - Duration::days(365),
        valid_to: today + Duration::days(365),
    }
}

fn new_loan(fund_id: i64, borrower: &str, no: &str, wan: i64, start: NaiveDate) -> NewLoan {
    NewLoan {
        fund_id,
        borrower_code: borrower.into(),
        contract_no: no.into(),
        terms: LoanTerms {
            principal: Money::from_wan(wan),
            rate_bp: 435,
            term_months: 12,
            start,
            repayment: Repayment::Bullet,
        },
        guarantee: "信用".into(),
        request_key: String::new(),
    }
}

async fn org_of(db: &Db, credit_code: &str) -> i64 {
    let sql = "SELECT id FROM organisations WHERE credit_code = ?";
    db.read(sql, vec![credit_code.into()], |r| r.int(0)).await.unwrap()[0]
}

/// A fund with `capital` 万元, two banks under agreement, `n` white-listed enterprises.
async fn fund_with_banks(db: &Db, capital_wan: i64, n: i64) -> (i64, i64, i64, Vec<String>) {
    let fund = NewFund {
        code: "KJD-2025".into(),
        name: "兰白科技贷风险补偿资金池".into(),
        kind: FundKind::Credit,
        unit_path: "/".into(),
    };
    let f = ledger::create(db, &fund, OFFICER).await.unwrap();
    ledger::deposit(db, f, Money::from_wan(capital_wan), "市财政注资", "cap-1", OFFICER)
        .await
        .unwrap();
    let a = bank(db, "91620100BANKA0001X", "兰州银行股份有限公司").await;
    let b = bank(db, "91620100BANKB0002X", "甘肃银行股份有限公司").await;
    let today = db.clock.today();
    agreements::sign(db, f, a, &terms(today), OFFICER).await.unwrap();
    agreements::sign(db, f, b, &terms(today), OFFICER).await.unwrap();
    let codes = qualified(db, n).await;
    let built = agreements::rebuild_white_list(db, f, OFFICER).await.unwrap();
    assert_eq!(built.added as i64, n);
    (f, a, b, codes)
}

#[tokio::test]
async fn loans_are_held_to_the_agreement_the_quota_and_the_white_list() {
    let t = demo_db(50).await;
    let db = &t.db;
    let today = db.clock.today();
    let (f, a, b, codes) = fund_with_banks(db, 200, 3).await;
    let start = today - Duration::days(200);

    // loans outside the agreement or to firms off the white list: refused, nothing stored
    let off_list = db
        .read("SELECT credit_code FROM organisations WHERE kind = 'enterprise' ORDER BY id DESC LIMIT 1", vec![], |r| r.text(0))
        .await
        .unwrap()[0]
        .clone();
    refused!(
        loans::record(db, a, &new_loan(f, &off_list, "L-0", 100, start), BANKER).await,
        FundRefusal::NotWhiteListed
    );
    refused!(
        loans::record(db, a, &new_loan(f, &codes[0], "L-0", 501, start), BANKER).await,
        FundRefusal::Loan(LoanError::OverLoanCap { .. })
    );
    let not_a_bank = db
        .read("SELECT id FROM organisations WHERE kind = 'enterprise' LIMIT 1", vec![], |r| {
            r.int(0)
        })
        .await
        .unwrap()[0];
    refused!(
        loans::record(db, not_a_bank, &new_loan(f, &codes[0], "L-0", 100, start), BANKER).await,
        FundRefusal::NoAgreement
    );
    refused!(
        agreements::sign(db, f, not_a_bank, &terms(today), OFFICER).await,
        FundRefusal::NotFinancial
    );
    assert_eq!(count(db, "fund_loans").await, 0);

    let first =
        loans::record(db, a, &new_loan(f, &codes[0], "L-1", 500, start), BANKER).await.unwrap();
    assert_eq!(loans::instalments(db, first.id).await.unwrap().len(), 12);
    loans::record(db, a, &new_loan(f, &codes[1], "L-2", 500, start), BANKER).await.unwrap();
    // the bank's quota (1,000 万) is used up: one fen more is refused
    let over = NewLoan {
        terms: LoanTerms { principal: Money(1), ..new_loan(f, "", "", 0, start).terms },
        ..new_loan(f, &codes[2], "L-3", 0, start)
    };
    refused!(
        loans::record(db, a, &over, BANKER).await,
        FundRefusal::Loan(LoanError::OverQuota { .. })
    );
    refused!(
        loans::record(db, a, &new_loan(f, &codes[2], "L-1", 1, start), BANKER).await,
        FundRefusal::ContractTaken { .. }
    );
    // another bank's quota is its own
    let other =
        loans::record(db, b, &new_loan(f, &codes[2], "L-1", 100, start), BANKER).await.unwrap();
    assert_eq!(other.bank_id, b);
}

/// Bank a's two loans of 500 万 (its quota used up) and bank b's of 100 万, 200 days old, under a
/// fund of 200 万.
struct Lent {
    f: i64,
    a: i64,
    b: i64,
    first: innocity_store::finance::fund::loans::LoanRow,
    other: innocity_store::finance::fund::loans::LoanRow,
    start: NaiveDate,
}

async fn lend(db: &Db) -> Lent {
    let start = db.clock.today() - Duration::days(200);
    let (f, a, b, codes) = fund_with_banks(db, 200, 3).await;
    let first =
        loans::record(db, a, &new_loan(f, &codes[0], "L-1", 500, start), BANKER).await.unwrap();
    loans::record(db, a, &new_loan(f, &codes[1], "L-2", 500, start), BANKER).await.unwrap();
    let other =
        loans::record(db, b, &new_loan(f, &codes[2], "L-1", 100, start), BANKER).await.unwrap();
    Lent { f, a, b, first, other, start }
}

#[tokio::test]
async fn a_default_is_claimed_approved_paid_and_recovered_and_the_ledger_balances_throughout() {
    let t = demo_db(50).await;
    let db = &t.db;
    let today = db.clock.today();
    let Lent { f, a, first, other, .. } = lend(db).await;
    // a claim too early, without steps, beyond what is outstanding, on another bank's loan
    let claim = |loan_id: i64, wan: i64, days: i64, steps: &str| NewClaim {
        loan_id,
        loss: Money::from_wan(wan),
        defaulted_on: today - Duration::days(days),
        steps: steps.into(),
        request_key: String::new(),
    };
    refused!(
        claims::claim(db, a, &claim(first.id, 400, 89, "催收、起诉"), BANKER).await,
        FundRefusal::NotOverdue { .. }
    );
    refused!(
        claims::claim(db, a, &claim(first.id, 400, 90, " "), BANKER).await,
        FundRefusal::Steps
    );
    refused!(
        claims::claim(db, a, &claim(first.id, 501, 90, "催收、起诉"), BANKER).await,
        FundRefusal::Loss { .. }
    );
    assert!(matches!(
        claims::claim(db, a, &claim(other.id, 50, 90, "催收"), BANKER).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(count(db, "fund_claims").await, 0);

    let c =
        claims::claim(db, a, &claim(first.id, 400, 90, "2025年6月催收；7月起诉；执行终结"), BANKER)
            .await
            .unwrap();
    assert_eq!(c.compensation, Money::from_wan(200));
    assert_eq!(loans::get(db, first.id).await.unwrap().unwrap().status, LoanStatus::Defaulted);
    refused!(
        claims::claim(db, a, &claim(first.id, 400, 90, "再次"), BANKER).await,
        FundRefusal::LoanStatus { .. }
    );

    // the same officer may not pay what they approved; approving twice is the same approval
    let approved = claims::approve(db, c.id, OFFICER).await.unwrap();
    assert_eq!(claims::approve(db, c.id, OFFICER).await.unwrap(), approved);
    match claims::pay(db, c.id, OFFICER).await {
        Err(StoreError::Finance(FinanceRefusal::SameChecker)) => {}
        other => panic!("expected SameChecker, got {other:?}"),
    }
    let fund = ledger::get(db, f).await.unwrap().unwrap();
    assert_eq!(
        (fund.balances.available, fund.balances.committed),
        (Money::ZERO, Money::from_wan(200))
    );
    let paid = claims::pay(db, c.id, CHECKER).await.unwrap();
    assert_eq!(paid.status, ClaimStatus::Paid);
    assert_eq!(loans::get(db, first.id).await.unwrap().unwrap().status, LoanStatus::Compensated);

    // a second default finds the fund empty: approval refused, nothing committed
    let second = loans::get(db, first.id + 1).await.unwrap().unwrap();
    let c2 = claims::claim(db, a, &claim(second.id, 100, 120, "催收"), BANKER).await.unwrap();
    refused!(
        claims::approve(db, c2.id, OFFICER).await,
        FundRefusal::Ledger(LedgerError::Available { .. })
    );
    assert_eq!(claims::get(db, c2.id).await.unwrap().unwrap().status, ClaimStatus::Claimed);
}

/// [`lend`], then bank a's first loan defaulted, claimed (400 万 lost, 200 万 the fund's), approved
/// and paid; its second claimed on (100 万) and waiting.
async fn compensated(db: &Db, l: &Lent) -> claims::ClaimRow {
    let today = db.clock.today();
    let claim = |loan_id: i64, wan: i64| NewClaim {
        loan_id,
        loss: Money::from_wan(wan),
        defaulted_on: today - Duration::days(100),
        steps: "催收；起诉；执行终结".into(),
        request_key: String::new(),
    };
    let c = claims::claim(db, l.a, &claim(l.first.id, 400), BANKER).await.unwrap();
    claims::approve(db, c.id, OFFICER).await.unwrap();
    claims::pay(db, c.id, CHECKER).await.unwrap();
    claims::claim(db, l.a, &claim(l.first.id + 1, 100), BANKER).await.unwrap();
    c
}

#[tokio::test]
async fn a_recovery_flows_back_and_the_report_and_the_registers_agree() {
    let t = demo_db(50).await;
    let db = &t.db;
    let today = db.clock.today();
    let lent = lend(db).await;
    let c = compensated(db, &lent).await;
    let Lent { f, a, b, start, .. } = lent;
    // the bank recovers 100 万: half comes back; a recovery once the share is back is refused
    let r = claims::recover(db, a, c.id, Money::from_wan(100), "拍卖抵押物", "rec-1", BANKER)
        .await
        .unwrap();
    assert_eq!(r.returned, Money::from_wan(50));
    let again = claims::recover(db, a, c.id, Money::from_wan(100), "拍卖抵押物", "rec-1", BANKER)
        .await
        .unwrap();
    assert_eq!(again, r, "the same request key is the same recovery");
    claims::recover(db, a, c.id, Money::from_wan(1_000), "执行回款", "rec-2", BANKER)
        .await
        .unwrap();
    refused!(
        claims::recover(db, a, c.id, Money::from_wan(1), "再回款", "rec-3", BANKER).await,
        FundRefusal::Recovery { .. }
    );
    let fund = ledger::get(db, f).await.unwrap().unwrap();
    assert_eq!(fund.balances.recovered, Money::from_wan(200));
    assert_eq!(fund.balances.available, Money::from_wan(200));
    assert!(fund.balances.balanced());

    let rep = report::report(db, f).await.unwrap();
    assert_eq!(rep.replay, ledger::Replay { postings: 5, mismatched: 0, agrees: true });
    assert_eq!(rep.lent, Money::from_wan(1_100));
    assert_eq!(rep.leverage, Some(5.5));
    let bank_a = rep.banks.iter().find(|l| l.bank_id == a).unwrap();
    assert_eq!((bank_a.loans, bank_a.claims, bank_a.leverage), (2, 2, Some(5.0)));
    // a compensated loan left the bank's quota
    assert_eq!(bank_a.outstanding, Money::from_wan(500));
    // the indicators read the fund as registers: compensation paid this year (200 万) less what
    // came back (50 万 and the 150 万 left of the fund's share); the loans by their year
    use innocity_store::finance::registers;
    use innocity_store::sharing::registers::Measure;
    let fen = |rows: Vec<(String, Measure)>| -> i64 {
        rows.iter().map(|(_, m)| if let Measure::Fen(f) = m { *f } else { 0 }).sum()
    };
    let this_year = chrono::Datelike::year(&today);
    let comp = registers::values(db, "fund_compensation", this_year).await.unwrap().unwrap();
    assert_eq!((comp.len(), fen(comp)), (3, 0));
    let lent_year = chrono::Datelike::year(&start);
    let lent = registers::values(db, "fund_loans", lent_year).await.unwrap().unwrap();
    assert_eq!(fen(lent), Money::from_wan(1_100).fen());
    let borrowers = registers::values(db, "fund_borrowers", lent_year).await.unwrap().unwrap();
    assert_eq!(borrowers.len(), 3);
    let (mine, total) =
        loans::list(db, &loans::LoanFilter { bank_id: Some(b), ..Default::default() }, 50, 0)
            .await
            .unwrap();
    assert_eq!((mine.len(), total), (1, 1));
    assert!(mine.iter().all(|l| l.bank_id == b));
}

#[tokio::test]
async fn repayments_close_a_loan_and_free_the_quota() {
    let t = demo_db(40).await;
    let db = &t.db;
    let today = db.clock.today();
    let (f, a, _, codes) = fund_with_banks(db, 100, 1).await;
    let mut n = new_loan(f, &codes[0], "R-1", 120, today - Duration::days(400));
    refused!(loans::record(db, a, &n, BANKER).await, FundRefusal::Loan(LoanError::Outside { .. }));
    n.terms.start = today - Duration::days(100);
    n.terms.term_months = 2;
    n.terms.repayment = Repayment::EqualPrincipal;
    let loan = loans::record(db, a, &n, BANKER).await.unwrap();
    let on = today - Duration::days(40);
    loans::repay(db, a, loan.id, 1, on, BANKER).await.unwrap();
    refused!(loans::repay(db, a, loan.id, 1, on, BANKER).await, FundRefusal::Instalment { seq: 1 });
    refused!(loans::repay(db, a, loan.id, 3, on, BANKER).await, FundRefusal::Instalment { seq: 3 });
    let done = loans::repay(db, a, loan.id, 2, today, BANKER).await.unwrap();
    assert_eq!((done.status, done.outstanding), (LoanStatus::Repaid, Money::ZERO));
    let list = agreements::list(db, f).await.unwrap();
    let ag = list.iter().find(|x| x.bank_id == a).unwrap();
    assert_eq!((ag.outstanding, ag.lent), (Money::ZERO, Money::from_wan(120)));
}

#[tokio::test]
async fn approvals_at_once_never_commit_more_than_the_fund_has() {
    let t = demo_db(60).await;
    let db = &t.db;
    let today = db.clock.today();
    // 500 万 of capital, 16 claims of 50 万 each (loss 100 万 at 50 %): ten fit (a bank's cap of
    // 300 万 may refuse some first, but eight claims a bank leave ten to approve whatever the order)
    let (f, a, b, codes) = fund_with_banks(db, 500, 16).await;
    let mut claim_ids = Vec::new();
    for (k, code) in codes.iter().enumerate() {
        let bank = if k % 2 == 0 { a } else { b };
        let loan = loans::record(
            db,
            bank,
            &new_loan(f, code, &format!("C-{k}"), 100, today - Duration::days(200)),
            BANKER,
        )
        .await
        .unwrap();
        let n = NewClaim {
            loan_id: loan.id,
            loss: Money::from_wan(100),
            defaulted_on: today - Duration::days(95),
            steps: "催收".into(),
            request_key: format!("claim-{k}"),
        };
        claim_ids.push(claims::claim(db, bank, &n, BANKER).await.unwrap().id);
    }
    let approvals: Vec<_> = claim_ids
        .iter()
        .map(|id| {
            let (db, id) = (db.clone(), *id);
            tokio::spawn(async move { claims::approve(&db, id, OFFICER).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in approvals {
        results.push(task.await);
    }
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    assert_eq!(ok, 10);
    for r in &results {
        match r {
            Ok(Ok(_))
            | Ok(Err(StoreError::Finance(FinanceRefusal::Fund(
                FundRefusal::Ledger(LedgerError::Available { .. })
                | FundRefusal::CompensationCap { .. },
            )))) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let fund = ledger::get(db, f).await.unwrap().unwrap();
    assert_eq!(
        (fund.balances.committed, fund.balances.available),
        (Money::from_wan(500), Money::ZERO)
    );
    assert_eq!(
        ledger::replay(db, f).await.unwrap(),
        ledger::Replay { postings: 11, mismatched: 0, agrees: true }
    );
}

#[tokio::test]
async fn an_interest_subsidy_is_read_from_the_repayments_and_paid_once_by_two_officers() {
    use innocity_core::finance::fund::{SubsidyKind, SubsidyRule};
    use innocity_store::finance::fund::subsidies::{self, NewSubsidy, Step, SubsidyStatus};
    let t = demo_db(40).await;
    let db = &t.db;
    let today = db.clock.today();
    let (f, a, _, codes) = fund_with_banks(db, 100, 1).await;
    let borrower = org_of(db, &codes[0]).await;
    let start = today - Duration::days(30);
    let year = chrono::Datelike::year(&start);
    let mut n = new_loan(f, &codes[0], "S-1", 120, start);
    n.terms.repayment = Repayment::EqualPrincipal;
    let loan = loans::record(db, a, &n, BANKER).await.unwrap();
    let claim = |kind, fee: Money| NewSubsidy {
        loan_id: loan.id,
        kind,
        year,
        fee,
        evidence: "借款合同 S-1；付息回单".into(),
        request_key: String::new(),
    };
    // the fund pays no subsidy until its rule says so
    refused!(
        subsidies::claim(db, borrower, &claim(SubsidyKind::Interest, Money::ZERO), OFFICER).await,
        FundRefusal::NoSubsidy
    );
    let rule = SubsidyRule {
        interest_pct: 50,
        interest_cap: Money::from_wan(2),
        guarantee_pct: 0,
        guarantee_cap: Money::ZERO,
    };
    ledger::set_subsidy_rule(db, f, &rule, OFFICER).await.unwrap();
    // nothing repaid yet: nothing to subsidise
    refused!(
        subsidies::claim(db, borrower, &claim(SubsidyKind::Interest, Money::ZERO), OFFICER).await,
        FundRefusal::NothingPaid { .. }
    );
    loans::repay(db, a, loan.id, 1, start, BANKER).await.unwrap();
    let interest = loans::instalments(db, loan.id).await.unwrap()[0].interest;
    let s = subsidies::claim(db, borrower, &claim(SubsidyKind::Interest, Money::ZERO), OFFICER)
        .await
        .unwrap();
    assert_eq!((s.base, s.amount), (interest, Money(interest.fen() / 2)));
    refused!(
        subsidies::claim(db, borrower, &claim(SubsidyKind::Interest, Money::ZERO), OFFICER).await,
        FundRefusal::SubsidyTwice { .. }
    );
    refused!(
        subsidies::claim(
            db,
            borrower,
            &claim(SubsidyKind::GuaranteeFee, Money::from_wan(1)),
            OFFICER
        )
        .await,
        FundRefusal::NoSubsidy
    );
    // another enterprise cannot claim on it
    assert!(matches!(
        subsidies::claim(db, borrower + 1, &claim(SubsidyKind::Interest, Money::ZERO), OFFICER)
            .await,
        Err(StoreError::NotFound)
    ));
    subsidies::decide(db, s.id, Step::Approve, "", OFFICER).await.unwrap();
    match subsidies::decide(db, s.id, Step::Pay, "", OFFICER).await {
        Err(StoreError::Finance(FinanceRefusal::SameChecker)) => {}
        other => panic!("expected SameChecker, got {other:?}"),
    }
    let paid = subsidies::decide(db, s.id, Step::Pay, "", CHECKER).await.unwrap();
    assert_eq!(paid.status, SubsidyStatus::Paid);
    let fund = ledger::get(db, f).await.unwrap().unwrap();
    assert_eq!(fund.balances.paid, s.amount);
    assert!(ledger::replay(db, f).await.unwrap().agrees);
}

#[tokio::test]
async fn a_patent_is_pledged_only_by_its_owner_once_and_released_when_the_loan_is_repaid() {
    use innocity_store::finance::fund::pledges::{self, NewPledge};
    let t = demo_db(40).await;
    let db = &t.db;
    let today = db.clock.today();
    let (f, a, b, codes) = fund_with_banks(db, 100, 2).await;
    let owner = db
        .read(
            "SELECT id FROM organisations WHERE credit_code = ?",
            vec![codes[0].clone().into()],
            |r| r.int(0),
        )
        .await
        .unwrap()[0];
    let tx = db.begin_write().await.unwrap();
    tx.exec(
        "INSERT INTO market_achievements (organisation_id, title, description, keywords, discipline, category, maturity, modes, ip, status, listed_at, created_at, updated_at) VALUES (?, '一种钛合金焊接方法', '说明', '钛合金', '材料', 'patent', 6, 'transfer', ?, 'listed', 0, 0, 0)",
        vec![owner.into(), r#"[{"Patent":"ZL202010123456.2"}]"#.into()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut n = new_loan(f, &codes[0], "P-1", 50, today - Duration::days(60));
    n.terms.term_months = 1;
    n.guarantee = "知识产权质押".into();
    let loan = loans::record(db, a, &n, BANKER).await.unwrap();
    let other = loans::record(
        db,
        b,
        &new_loan(f, &codes[1], "P-2", 50, today - Duration::days(60)),
        BANKER,
    )
    .await
    .unwrap();
    let pledge = |loan_id: i64, patent: &str| NewPledge {
        loan_id,
        patent_no: patent.into(),
        registration_no: "Y2025980012345".into(),
        registered_on: today - Duration::days(59),
    };
    // a patent the borrower does not own, and one owned by another firm: refused
    refused!(
        pledges::pledge(db, a, &pledge(loan.id, "ZL201910000001.X"), BANKER).await,
        FundRefusal::NotOwned { .. }
    );
    refused!(
        pledges::pledge(db, b, &pledge(other.id, "ZL202010123456.2"), BANKER).await,
        FundRefusal::NotOwned { .. }
    );
    let p = pledges::pledge(db, a, &pledge(loan.id, "ZL202010123456.2"), BANKER).await.unwrap();
    refused!(
        pledges::pledge(db, a, &pledge(loan.id, "ZL202010123456.2"), BANKER).await,
        FundRefusal::Pledged { .. }
    );
    refused!(pledges::release(db, a, p.id, BANKER).await, FundRefusal::NotReleasable);
    assert!(matches!(pledges::release(db, b, p.id, BANKER).await, Err(StoreError::NotFound)));
    loans::repay(db, a, loan.id, 1, today, BANKER).await.unwrap();
    let released = pledges::release(db, a, p.id, BANKER).await.unwrap();
    assert_eq!((released.status.as_str(), released.released_on), ("released", Some(today)));
    assert_eq!(pledges::of_loan(db, loan.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_claim_needs_an_unpaid_instalment_and_request_keys_belong_to_their_caller() {
    let t = demo_db(40).await;
    let db = &t.db;
    let today = db.clock.today();
    let (f, a, b, codes) = fund_with_banks(db, 100, 2).await;
    // a loan starting tomorrow is refused
    let tomorrow = new_loan(f, &codes[0], "K-0", 10, today + Duration::days(1));
    match loans::record(db, a, &tomorrow, BANKER).await {
        Err(StoreError::Finance(FinanceRefusal::Date { field: "start_date" })) => {}
        other => panic!("expected a date refusal, got {other:?}"),
    }
    // the same key from two banks: two loans, each bank's own
    let keyed = |bank_code: &str, no: &str| NewLoan {
        request_key: "k-1".into(),
        ..new_loan(f, bank_code, no, 10, today - Duration::days(200))
    };
    let la = loans::record(db, a, &keyed(&codes[0], "K-1"), BANKER).await.unwrap();
    let lb = loans::record(db, b, &keyed(&codes[1], "K-1"), BANKER).await.unwrap();
    assert_ne!(la.id, lb.id);
    assert_eq!(loans::record(db, a, &keyed(&codes[0], "K-1"), BANKER).await.unwrap().id, la.id);
    // every instalment due by the default's day repaid: no default to claim on
    let due = loans::instalments(db, la.id).await.unwrap();
    for i in due.iter().filter(|i| i.due_on <= today - Duration::days(100)) {
        loans::repay(db, a, la.id, i.seq, i.due_on, BANKER).await.unwrap();
    }
    let n = NewClaim {
        loan_id: la.id,
        loss: Money::from_wan(5),
        defaulted_on: today - Duration::days(100),
        steps: "催收".into(),
        request_key: "c".into(),
    };
    refused!(claims::claim(db, a, &n, BANKER).await, FundRefusal::NoDefault);
    // bank b's loan has its first instalment unpaid: its claim stands
    let nb = NewClaim { loan_id: lb.id, ..n };
    let c = claims::claim(db, b, &nb, BANKER).await.unwrap();
    claims::approve(db, c.id, OFFICER).await.unwrap();
    claims::pay(db, c.id, CHECKER).await.unwrap();
    // another bank reporting a recovery on it, even with the right key: not found
    claims::recover(db, b, c.id, Money::from_wan(1), "回款", "r", BANKER).await.unwrap();
    assert!(matches!(
        claims::recover(db, a, c.id, Money::from_wan(1), "回款", "r", BANKER).await,
        Err(StoreError::NotFound)
    ));
    let long = "k".repeat(65);
    match ledger::deposit(db, f, Money::from_wan(1), "注资", &long, OFFICER).await {
        Err(StoreError::Finance(FinanceRefusal::Required { field: "request_key" })) => {}
        other => panic!("expected a refused key, got {other:?}"),
    }
}
