//! The policy library and 免申即享: a rule refused by position, a run listing the entitled from
//! approved returns (and reproducing), the maker–checker check, objections, accounts and one
//! payment per enterprise whichever the route.
use crate::common::*;
use chrono::{Duration, NaiveDate};
use innocity_core::credit::{Nature, Record, Sanction, Severity};
use innocity_core::finance::policy::{PolicyRule, RuleError, RulePart};
use innocity_core::projects::money::Money;
use innocity_demo as demo;
use innocity_store::finance::FinanceRefusal;
use innocity_store::finance::payments::{self, Account, LineStatus};
use innocity_store::finance::policies::{self, PolicyInput};
use innocity_store::finance::runs::{self, RunStatus};
use innocity_store::orgs::Actor;
use innocity_store::{Db, StoreError, credit};
use std::collections::BTreeMap;

const MAKER: Actor<'static> = Actor { user_id: 0, username: "maker", request_id: "r" };
const CHECKER: Actor<'static> = Actor { user_id: 0, username: "checker", request_id: "r" };
const FIRM: Actor<'static> = Actor { user_id: 0, username: "firm", request_id: "r" };

const GROWTH: &str = "(#{RD_EXP} - #{RD_EXP}.periodOffset(-1)) * 0.1";

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn growth_policy(code: &str, firm_cap: Option<Money>, programme_cap: Option<Money>) -> PolicyInput {
    PolicyInput {
        code: code.into(),
        title: "研发投入后补助".into(),
        issuer: "兰州市科学技术局".into(),
        doc_number: "兰科发〔2025〕12号".into(),
        issued_on: day("2025-03-01"),
        effective_from: day("2025-01-01"),
        effective_to: day("2027-12-31"),
        body: "对研发费用较上年增长的企业，按增量的10%给予后补助，单户最高50万元。".into(),
        rule: PolicyRule {
            eligible: "#{RD_EXP} > #{RD_EXP}.periodOffset(-1) && #{BAD_CREDIT} == 0".into(),
            amount: GROWTH.into(),
            firm_cap,
            programme_cap,
        },
    }
}

macro_rules! refused {
    ($e:expr, $p:pat) => {
        match $e {
            Err($p) => {}
            other => panic!("expected {}, got {other:?}", stringify!($p)),
        }
    };
}

async fn count(db: &Db, table: &str) -> i64 {
    db.read(&format!("SELECT COUNT(*) FROM {table}"), vec![], |r| r.int(0)).await.unwrap()[0]
}

#[tokio::test]
async fn a_rule_that_does_not_compile_is_refused_by_position_and_a_changed_rule_is_a_new_version() {
    let t = demo_db(10).await;
    let db = &t.db;
    let mut bad = growth_policy("RD-GROWTH", None, None);
    bad.rule.amount = "#{RD_EXP} - #{RD_SPEND}.periodOffset(-1)".into();
    refused!(
        policies::create(db, &bad, MAKER).await,
        StoreError::Finance(FinanceRefusal::Rule(RuleError::UnknownFact {
            part: RulePart::Amount,
            position: 13,
            ..
        }))
    );
    let mut backwards = growth_policy("RD-GROWTH", None, None);
    backwards.effective_to = day("2024-12-31");
    refused!(
        policies::create(db, &backwards, MAKER).await,
        StoreError::Finance(FinanceRefusal::Date { field: "effective_to" })
    );
    let blank = PolicyInput { doc_number: " ".into(), ..growth_policy("X", None, None) };
    refused!(
        policies::create(db, &blank, MAKER).await,
        StoreError::Finance(FinanceRefusal::Required { field: "doc_number" })
    );
    assert_eq!(count(db, "policies").await, 0, "nothing stored");

    let id = policies::create(db, &growth_policy("RD-GROWTH", None, None), MAKER).await.unwrap();
    refused!(
        policies::create(db, &growth_policy("RD-GROWTH", None, None), MAKER).await,
        StoreError::Finance(FinanceRefusal::CodeTaken { .. })
    );
    let p = policies::get(db, id).await.unwrap();
    assert_eq!(p.version, 1);
    // the same rule (blanks aside) keeps its version; a new cap makes version 2
    let same = PolicyRule { amount: format!("  {GROWTH} "), ..p.rule.clone() };
    assert_eq!(policies::save_rule(db, id, &same, MAKER).await.unwrap(), 1);
    let capped = PolicyRule { firm_cap: Some(Money::from_wan(50)), ..p.rule.clone() };
    assert_eq!(policies::save_rule(db, id, &capped, MAKER).await.unwrap(), 2);
    assert_eq!(policies::rule_of(db, id, 1).await.unwrap(), p.rule);
    assert_eq!(policies::get(db, id).await.unwrap().rule, capped);
}

/// Each enterprise's approved 107-2 R&D expenditure (千元) in 2024 and 2025, read straight
/// from the returns.
async fn approved_rd(db: &Db) -> BTreeMap<i64, (Option<f64>, Option<f64>)> {
    let rows = db
        .read(
            "SELECT r.organisation_id, r.period, v.num FROM stat_values v JOIN stat_returns r ON r.id = v.return_id WHERE r.form = '107-2' AND r.period IN ('2024', '2025') AND r.status IN ('approved', 'locked') AND v.element = 'RD_EXP' AND v.disagg = '' AND v.row_no = 0",
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?, r.opt_real(2)?)),
        )
        .await
        .unwrap();
    let mut out: BTreeMap<i64, (Option<f64>, Option<f64>)> = BTreeMap::new();
    for (org, period, num) in rows {
        let e = out.entry(org).or_default();
        if period == "2024" { e.0 = num } else { e.1 = num }
    }
    out
}

#[tokio::test]
async fn a_run_lists_the_entitled_from_approved_returns_and_the_same_data_give_the_same_list() {
    let t = demo_db(60).await;
    let db = &t.db;
    demo::seed_stats(db, None).await.unwrap();
    let cap = Money::from_wan(5);
    let id =
        policies::create(db, &growth_policy("RD-GROWTH", Some(cap), None), MAKER).await.unwrap();
    let run_id = runs::run(db, id, 2025, MAKER).await.unwrap();
    let run = runs::get_run(db, run_id).await.unwrap();
    assert_eq!(run.status, RunStatus::Computed);
    let lines = payments::lines(db, run_id).await.unwrap();
    // expected from the returns directly: grown from 2024 to 2025 (both approved), a tenth of
    // the growth (千元 → 万元: / 10), capped at 5 万元
    let expected: BTreeMap<i64, Money> = approved_rd(db)
        .await
        .into_iter()
        .filter_map(|(org, (before, now))| {
            let (before, now) = (before?, now?);
            (now > before).then(|| {
                let fen = ((now - before) / 10.0 * 0.1 * 1_000_000.0).round() as i64;
                (org, Money(fen.min(cap.fen())))
            })
        })
        .filter(|(_, m)| m.fen() > 0)
        .collect();
    let got: BTreeMap<i64, Money> = lines.iter().map(|l| (l.organisation_id, l.amount)).collect();
    assert!(expected.len() >= 3, "the demo has growing enterprises: {expected:?}");
    assert_eq!(got, expected);
    assert_eq!(run.entitled, lines.len() as i64);
    assert_eq!(run.total, lines.iter().map(|l| l.amount).sum());
    assert!(lines.iter().any(|l| l.trace.firm_capped), "some growth exceeds the cap");
    let first = &lines[0];
    assert!(first.trace.eligible && first.status == LineStatus::Listed);
    assert_eq!(first.trace.facts.len(), 3, "RD_EXP this year and last, BAD_CREDIT");
    // the same data and version give the same list; one live run per year; only over years
    assert!(runs::reproduces(db, run_id).await.unwrap());
    refused!(
        runs::run(db, id, 2025, MAKER).await,
        StoreError::Finance(FinanceRefusal::RunExists { .. })
    );
    let this_year = chrono::Datelike::year(&db.clock.today());
    refused!(
        runs::run(db, id, this_year, MAKER).await,
        StoreError::Finance(FinanceRefusal::Year { .. })
    );
    refused!(
        runs::run(db, id, 2024, MAKER).await,
        StoreError::Finance(FinanceRefusal::Year { year: 2024 })
    );
    // a barring credit record takes an enterprise off the next list, and the old list no longer
    // reproduces
    let barred = lines[0].organisation_id;
    let code = lines[0].credit_code.clone();
    let subject =
        credit::Subject { kind: "organisation".into(), key: code, name: "某企业".into() };
    let record = Record {
        id: 0,
        nature: Nature::Bad,
        kind: "数据造假".into(),
        severity: Severity::Serious,
        source: "兰科信〔2025〕1号".into(),
        date: day("2025-06-01"),
        sanction: Sanction::Years(3),
        points: 0,
    };
    credit::add(db, &subject, &record, db.clock.today(), MAKER).await.unwrap();
    assert!(!runs::reproduces(db, run_id).await.unwrap());
    let policy = policies::get(db, id).await.unwrap();
    let again = runs::assess(db, &policy, 1, 2025, None).await.unwrap();
    assert!(!again.iter().any(|l| l.enterprise.id == barred));
}

async fn published_run(db: &Db, programme_cap: Option<Money>) -> (i64, i64, Vec<i64>) {
    let id = policies::create(db, &growth_policy("RD-GROWTH", None, programme_cap), MAKER)
        .await
        .unwrap();
    let run_id = runs::run(db, id, 2025, MAKER).await.unwrap();
    refused!(
        runs::check(db, run_id, true, "", MAKER).await,
        StoreError::Finance(FinanceRefusal::SameChecker)
    );
    refused!(
        runs::publish(db, run_id, CHECKER).await,
        StoreError::Finance(FinanceRefusal::RunStatus { .. })
    );
    runs::check(db, run_id, true, "核对无误", CHECKER).await.unwrap();
    let until = runs::publish(db, run_id, CHECKER).await.unwrap();
    assert_eq!(until, db.clock.today() + Duration::days(6));
    let orgs =
        payments::lines(db, run_id).await.unwrap().iter().map(|l| l.organisation_id).collect();
    (id, run_id, orgs)
}

fn account() -> Account {
    Account {
        holder: "某科技有限公司".into(),
        bank: "中国银行兰州分行".into(),
        number: "6217000012345678".into(),
    }
}

#[tokio::test]
async fn a_checked_list_is_published_objected_to_and_each_enterprise_paid_once() {
    let t = demo_db(60).await;
    let db = &t.db;
    demo::seed_stats(db, None).await.unwrap();
    let (policy, run_id, orgs) = published_run(db, None).await;
    let [a, b, c] = [orgs[0], orgs[1], orgs[2]];
    // objections: only with a reason, only from the listed; the bureau answers
    refused!(
        payments::object(db, run_id, a, " ", FIRM).await,
        StoreError::Finance(FinanceRefusal::Reason)
    );
    refused!(
        payments::object(db, run_id, 999_999, "金额有误", FIRM).await,
        StoreError::Finance(FinanceRefusal::NotListed)
    );
    payments::object(db, run_id, a, "研发费用应含委托研发部分，金额偏低", FIRM).await.unwrap();
    payments::object(db, run_id, b, "我单位不应列入", FIRM).await.unwrap();
    payments::answer(db, run_id, b, false, "经核实，企业自愿放弃", CHECKER).await.unwrap();
    // accounts: checked; the audit keeps only the last four digits
    let bad = Account { number: "62170000-1234".into(), ..account() };
    refused!(
        payments::confirm_account(db, run_id, c, &bad, FIRM).await,
        StoreError::Finance(FinanceRefusal::Account)
    );
    for org in [a, c] {
        payments::confirm_account(db, run_id, org, &account(), FIRM).await.unwrap();
    }
    let audit = db
        .read(
            "SELECT after_json FROM audit_log WHERE action = 'finance.line_account'",
            vec![],
            |r| r.text(0),
        )
        .await
        .unwrap();
    assert!(audit.iter().all(|a| a.contains("****5678") && !a.contains("6217000012345678")));
    // no payment before the objection period is over
    refused!(
        payments::pay(db, run_id, CHECKER).await,
        StoreError::Finance(FinanceRefusal::ObjectionPeriod { .. })
    );
    db.clock.advance(Duration::days(7));
    refused!(
        payments::object(db, run_id, c, "晚了", FIRM).await,
        StoreError::Finance(FinanceRefusal::ObjectionPeriod { .. })
    );
    let paid = payments::pay(db, run_id, CHECKER).await.unwrap();
    // c paid; a waits for its answer; b withdrawn; the rest wait for their accounts
    assert_eq!(paid.lines, 1);
    assert_eq!(paid.waiting, orgs.len() - 2);
    let lines = payments::lines(db, run_id).await.unwrap();
    let status = |o: i64| lines.iter().find(|l| l.organisation_id == o).unwrap().status;
    assert_eq!(
        (status(a), status(b), status(c)),
        (LineStatus::Objected, LineStatus::Withdrawn, LineStatus::Paid)
    );
    assert_eq!(paid.amount, lines.iter().find(|l| l.organisation_id == c).unwrap().amount);
    paid_once_whichever_the_route(db, policy, run_id, &orgs).await;
}

/// After the first payment round (`orgs[2]` paid, `orgs[0]` objected): nobody paid twice.
async fn paid_once_whichever_the_route(db: &Db, policy: i64, run_id: i64, orgs: &[i64]) {
    let (a, c) = (orgs[0], orgs[2]);
    // paid once: not again by application, not again by a second round
    refused!(
        payments::record_application(
            db,
            policy,
            2025,
            c,
            Money::from_wan(1),
            "兰科财〔2025〕3号",
            CHECKER
        )
        .await,
        StoreError::Finance(FinanceRefusal::PaidAlready { .. })
    );
    let again = payments::pay(db, run_id, CHECKER).await.unwrap();
    assert_eq!((again.lines, again.amount), (0, Money::ZERO));
    // an application paid meanwhile takes its line off the payment
    payments::answer(db, run_id, a, true, "按报表口径计算，维持原金额", CHECKER).await.unwrap();
    payments::record_application(db, policy, 2025, a, Money::from_wan(2), "申请兑现第7号", CHECKER)
        .await
        .unwrap();
    payments::pay(db, run_id, CHECKER).await.unwrap();
    let line_a = payments::lines(db, run_id)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.organisation_id == a)
        .unwrap();
    assert_eq!(
        (line_a.status, line_a.applied_reference.as_str()),
        (LineStatus::Applied, "申请兑现第7号")
    );
    let payments_of_a = db
        .read("SELECT route FROM policy_payments WHERE organisation_id = ?", vec![a.into()], |r| {
            r.text(0)
        })
        .await
        .unwrap();
    assert_eq!(payments_of_a, ["application"]);
    // every other line waits for its account; once confirmed and paid the run is paid
    for &o in &orgs[3..] {
        payments::confirm_account(db, run_id, o, &account(), FIRM).await.unwrap();
    }
    payments::pay(db, run_id, CHECKER).await.unwrap();
    assert_eq!(runs::get_run(db, run_id).await.unwrap().status, RunStatus::Paid);
    let total: i64 = db
        .read(
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM policy_payments WHERE route = 'entitlement'",
            vec![],
            |r| r.int(0),
        )
        .await
        .unwrap()[0];
    let listed: Money = payments::lines(db, run_id)
        .await
        .unwrap()
        .iter()
        .filter(|l| l.status == LineStatus::Paid)
        .map(|l| l.amount)
        .sum();
    assert_eq!(Money(total), listed);
    the_figures_and_the_indicators_read_the_payments(db, policy, run_id).await;
}

/// The year's figures by policy and by zone, and the registers the indicators read, agree with
/// the payments made.
async fn the_figures_and_the_indicators_read_the_payments(db: &Db, policy: i64, run_id: i64) {
    use innocity_store::finance::{figures, registers};
    use innocity_store::sharing::registers::Measure;
    let lines = payments::lines(db, run_id).await.unwrap();
    let paid: Money = lines.iter().filter(|l| l.status == LineStatus::Paid).map(|l| l.amount).sum();
    let by_policy = figures::by_policy(db, 2025).await.unwrap();
    let f = by_policy.iter().find(|f| f.policy_id == policy).unwrap();
    assert_eq!((f.paid, f.applied_lines), (paid, 1));
    assert_eq!(f.paid_lines, lines.iter().filter(|l| l.status == LineStatus::Paid).count() as i64);
    let zones = figures::by_zone(db, 2025).await.unwrap();
    assert_eq!(zones.iter().map(|z| z.paid).sum::<Money>(), paid);
    assert_eq!(zones.iter().map(|z| z.entitled).sum::<i64>(), f.entitled);
    // paid this year: by entitlement and by application (2 万元), each enterprise once
    let year = chrono::Datelike::year(&db.clock.today());
    let money = registers::values(db, "policy_payments", year).await.unwrap().unwrap();
    let fen: i64 = money.iter().map(|(_, m)| if let Measure::Fen(x) = m { *x } else { 0 }).sum();
    assert_eq!(Money(fen), paid.checked_add(Money::from_wan(2)).unwrap());
    let firms = registers::values(db, "policy_entitled", year).await.unwrap().unwrap();
    assert_eq!(firms.len() as i64, f.paid_lines + 1);
    assert!(registers::values(db, "policy_payments", year - 1).await.unwrap().unwrap().is_empty());
    assert!(registers::values(db, "shared_hours", year).await.unwrap().is_none());
}

#[tokio::test]
async fn a_programme_cap_is_shared_after_what_applications_were_paid_and_a_returned_list_may_run_again()
 {
    let t = demo_db(60).await;
    let db = &t.db;
    demo::seed_stats(db, None).await.unwrap();
    let cap = Money::from_wan(10);
    let id =
        policies::create(db, &growth_policy("RD-GROWTH", None, Some(cap)), MAKER).await.unwrap();
    let first = runs::run(db, id, 2025, MAKER).await.unwrap();
    let lines = payments::lines(db, first).await.unwrap();
    let org = lines[0].organisation_id;
    refused!(
        runs::check(db, first, false, "", CHECKER).await,
        StoreError::Finance(FinanceRefusal::Reason)
    );
    runs::check(db, first, false, "先登记已按申请兑现的企业", CHECKER).await.unwrap();
    refused!(
        payments::record_application(db, id, 2025, org, Money(0), "x", CHECKER).await,
        StoreError::Finance(FinanceRefusal::Amount { .. })
    );
    payments::record_application(db, id, 2025, org, Money::from_wan(3), "申请第1号", CHECKER)
        .await
        .unwrap();
    let second = runs::run(db, id, 2025, MAKER).await.unwrap();
    let run = runs::get_run(db, second).await.unwrap();
    let lines = payments::lines(db, second).await.unwrap();
    let applied = lines.iter().find(|l| l.organisation_id == org).unwrap();
    assert_eq!(
        (applied.status, applied.applied_reference.as_str()),
        (LineStatus::Applied, "申请第1号")
    );
    // the rest share the 7 万元 left, to the fen
    assert!(run.scaled);
    assert_eq!(run.total, Money::from_wan(7));
    let others: Money =
        lines.iter().filter(|l| l.status == LineStatus::Listed).map(|l| l.amount).sum();
    assert_eq!(others, Money::from_wan(7));
    a_cap_used_up_by_applications_lists_nobody_else(db, id, second, org).await;
}

/// Applications that use up the yearly cap leave nobody else on the list (no lines of 0.00);
/// an application for a year the policy does not cover, or for an organisation that is no
/// enterprise, is refused.
async fn a_cap_used_up_by_applications_lists_nobody_else(db: &Db, id: i64, run: i64, first: i64) {
    refused!(
        payments::record_application(db, id, 2031, first, Money::from_wan(1), "x", CHECKER).await,
        StoreError::Finance(FinanceRefusal::Year { year: 2031 })
    );
    let university: i64 = db
        .read(
            "SELECT id FROM organisations WHERE kind <> 'enterprise' ORDER BY id LIMIT 1",
            vec![],
            |r| r.int(0),
        )
        .await
        .unwrap()[0];
    refused!(
        payments::record_application(db, id, 2025, university, Money::from_wan(1), "x", CHECKER)
            .await,
        StoreError::Finance(FinanceRefusal::NotEnterprise)
    );
    let other = payments::lines(db, run)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.organisation_id != first)
        .unwrap();
    runs::check(db, run, false, "再登记一笔按申请兑现", CHECKER).await.unwrap();
    payments::record_application(
        db,
        id,
        2025,
        other.organisation_id,
        Money::from_wan(7),
        "申请第2号",
        CHECKER,
    )
    .await
    .unwrap();
    let third = runs::run(db, id, 2025, MAKER).await.unwrap();
    let lines = payments::lines(db, third).await.unwrap();
    assert_eq!(lines.len(), 2, "only the two paid by application: {lines:?}");
    assert!(lines.iter().all(|l| l.status == LineStatus::Applied));
    assert_eq!(runs::get_run(db, third).await.unwrap().total, Money::ZERO);
}

#[tokio::test]
async fn requests_at_the_same_moment_make_one_live_list_and_one_payment() {
    let t = demo_db(60).await;
    let db = &t.db;
    demo::seed_stats(db, None).await.unwrap();
    let id = policies::create(db, &growth_policy("RD-GROWTH", None, None), MAKER).await.unwrap();
    // eight officers run the policy for 2025 at once: one list, the others told it exists
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { runs::run(&db, id, 2025, MAKER).await })
        })
        .collect();
    let mut made = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(run) => made.push(run),
            Err(StoreError::Finance(FinanceRefusal::RunExists { .. })) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(made.len(), 1);
    // the same payment by application recorded three times at once: once
    let org = payments::lines(db, made[0]).await.unwrap()[0].organisation_id;
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let amount = Money::from_wan(1);
                payments::record_application(&db, id, 2025, org, amount, "申请第9号", CHECKER).await
            })
        })
        .collect();
    let mut recorded = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => recorded += 1,
            Err(StoreError::Finance(FinanceRefusal::PaidAlready { .. })) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(recorded, 1);
    let rows: i64 = db
        .read(
            "SELECT COUNT(*) FROM policy_payments WHERE organisation_id = ?",
            vec![org.into()],
            |r| r.int(0),
        )
        .await
        .unwrap()[0];
    assert_eq!(rows, 1);
}
