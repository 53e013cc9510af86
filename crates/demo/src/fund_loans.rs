//! The demo funds' loans: a few hundred loans of the three banks to white-listed enterprises
//! through 2025 and 2026, recorded in the order they were made, every instalment repaid when it
//! fell due (so a bank's quota frees up as its loans are repaid) except a few lately overdue;
//! and two loans that defaulted, claimed after the bank's recovery steps, approved, paid and —
//! one of them — partly recovered.
use super::Lcg;
use super::fund::{BANKS, CHECKER, OFFICER, bank_actor, day};
use chrono::{Datelike, Duration, Months, NaiveDate};
use innocity_core::finance::fund::{LoanTerms, Repayment};
use innocity_core::projects::money::Money;
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::finance::fund::agreements;
use innocity_store::finance::fund::claims::{self, NewClaim};
use innocity_store::finance::fund::loans::{self, NewLoan};
use std::collections::HashMap;

/// Loans of the credit fund and of the IP-pledge fund (besides the two that default).
const CREDIT_LOANS: usize = 270;
const IP_LOANS: usize = 28;

/// What recording the loans made.
#[derive(Debug, Default, Clone)]
pub(crate) struct Recorded {
    pub loans: usize,
    pub lent: Money,
    pub instalments_repaid: usize,
    /// The loans that defaulted: (index in [`DEFAULTS`], loan id, bank index, bank id).
    pub defaults: Vec<(usize, i64, usize, i64)>,
}

/// A loan to be recorded.
struct Plan {
    fund_id: i64,
    /// Index in [`BANKS`], and the bank's organisation id.
    bank: usize,
    bank_id: i64,
    prefix: &'static str,
    borrower: String,
    principal_wan: i64,
    rate_bp: u32,
    term_months: u16,
    start: NaiveDate,
    repayment: Repayment,
    guarantee: &'static str,
    /// Instalments due on or after this day are left unpaid (lately overdue, or the default).
    stop: Option<NaiveDate>,
    /// Which of [`DEFAULTS`] this loan is.
    default: Option<usize>,
}

/// A loan that defaults.
struct DefaultSpec {
    bank: usize,
    principal_wan: i64,
    rate_bp: u32,
    term_months: u16,
    start: (i32, u32, u32),
    repayment: Repayment,
    guarantee: &'static str,
    /// Months after the start when it fell overdue (the instalment then was never paid).
    months: u32,
    /// The share of the outstanding principal lost after the bank's recovery steps, in percent.
    lost_pct: i64,
    /// Money the bank recovered after the fund paid (万元), with its note.
    recovered: Option<(i64, &'static str)>,
}

const DEFAULTS: [DefaultSpec; 2] = [
    DefaultSpec {
        bank: 0,
        principal_wan: 800,
        rate_bp: 480,
        term_months: 36,
        start: (2025, 2, 18),
        repayment: Repayment::EqualPrincipal,
        guarantee: "抵押",
        months: 7,
        lost_pct: 72,
        recovered: Some((80, "抵押厂房二次拍卖成交，法院执行款划回80万元")),
    },
    DefaultSpec {
        bank: 1,
        principal_wan: 500,
        rate_bp: 520,
        term_months: 24,
        start: (2025, 3, 10),
        repayment: Repayment::Bullet,
        guarantee: "保证",
        months: 7,
        lost_pct: 80,
        recovered: None,
    },
];

/// "2025年9月", `months` after `d`.
fn month_text(d: NaiveDate, months: u32) -> String {
    let m = d.checked_add_months(Months::new(months)).unwrap_or(d);
    format!("{}年{}月", m.year(), m.month())
}

/// The recovery steps the bank took on the `i`-th default, overdue since `d`.
fn steps(i: usize, d: NaiveDate) -> String {
    let (a, b, c, e) = (month_text(d, 0), month_text(d, 2), month_text(d, 4), month_text(d, 6));
    if i == 0 {
        format!(
            "{a}起多次电话、上门催收并发出逾期催收函；{b}向兰州市城关区人民法院起诉；{c}判决胜诉；{e}申请强制执行，拍卖抵押厂房，执行回款不足以清偿本金"
        )
    } else {
        format!(
            "{a}起多次催收并书面通知保证人履行代偿责任；{b}向兰州市七里河区人民法院起诉借款人及保证人；{c}调解结案，保证人代偿部分款项；{e}申请强制执行，借款人无其他可供执行财产，执行回款不足"
        )
    }
}

/// The loans that default, as plans of the credit fund.
fn default_plans(fund_id: i64, banks: &[i64], borrowers: &[String]) -> Vec<Plan> {
    let mut out = Vec::new();
    for (i, d) in DEFAULTS.iter().enumerate() {
        let Some(&bank_id) = banks.get(d.bank) else { continue };
        let start = day(d.start.0, d.start.1, d.start.2);
        let defaulted_on = start.checked_add_months(Months::new(d.months)).unwrap_or(start);
        out.push(Plan {
            fund_id,
            bank: d.bank,
            bank_id,
            prefix: BANKS[d.bank].prefix,
            borrower: borrowers[(i * 97 + 13) % borrowers.len()].clone(),
            principal_wan: d.principal_wan,
            rate_bp: d.rate_bp,
            term_months: d.term_months,
            start,
            repayment: d.repayment,
            guarantee: d.guarantee,
            stop: Some(defaulted_on),
            default: Some(i),
        });
    }
    out
}

/// The lenders of one fund and what their loans look like.
struct Book<'a> {
    fund_id: i64,
    /// (index in [`BANKS`], bank id, contract prefix, weight).
    lenders: Vec<(usize, i64, &'static str, u64)>,
    principals: &'a [i64],
    guarantees: &'a [&'static str],
    borrowers: &'a [String],
}

/// `n` loans of a book, made between 2 January 2025 and today (at the latest the end of 2026).
fn random_plans(rng: &mut Lcg, book: &Book<'_>, n: usize, today: NaiveDate) -> Vec<Plan> {
    let first = day(2025, 1, 2);
    let last = today.min(day(2026, 12, 31));
    let total_weight: u64 = book.lenders.iter().map(|l| l.3).sum();
    if last < first || book.borrowers.is_empty() || total_weight == 0 {
        return Vec::new();
    }
    let span = (last - first).num_days() as u64 + 1;
    let mut out = Vec::new();
    for _ in 0..n {
        let Some(&(bank, bank_id, prefix, _)) = weighted(&book.lenders, rng.next() % total_weight)
        else {
            break;
        };
        let start = first + Duration::days((rng.next() % span) as i64);
        // one loan in twelve is lately overdue: its last 40 days' instalments unpaid
        let late = rng.next().is_multiple_of(12);
        out.push(Plan {
            fund_id: book.fund_id,
            bank,
            bank_id,
            prefix,
            borrower: rng.pick(book.borrowers).clone(),
            principal_wan: *rng.pick(book.principals),
            rate_bp: 350 + 10 * (rng.next() % 21) as u32,
            term_months: *rng.pick(&[6, 12, 12, 12, 18, 24, 24, 36, 36]),
            start,
            repayment: if rng.next().is_multiple_of(2) {
                Repayment::Bullet
            } else {
                Repayment::EqualPrincipal
            },
            guarantee: rng.pick::<&str>(book.guarantees),
            stop: late.then(|| today - Duration::days(40)),
            default: None,
        });
    }
    out
}

/// The lender whose share of the weights `w` falls in.
fn weighted<T>(lenders: &[(usize, i64, T, u64)], mut w: u64) -> Option<&(usize, i64, T, u64)> {
    for l in lenders {
        if w < l.3 {
            return Some(l);
        }
        w -= l.3;
    }
    lenders.last()
}

/// The demo's loans under both funds, recorded in the order they were made with the
/// instalments repaid as they fell due.
pub(crate) async fn seed_loans(
    db: &Db,
    credit: i64,
    ip: i64,
    banks: &[i64],
    today: NaiveDate,
) -> Result<Recorded> {
    let codes = |l: Vec<agreements::Listed>| l.into_iter().map(|x| x.credit_code).collect();
    let credit_list: Vec<String> = codes(agreements::white_list(db, credit).await?);
    let ip_list: Vec<String> = codes(agreements::white_list(db, ip).await?);
    if credit_list.is_empty() || banks.len() < BANKS.len() {
        return Ok(Recorded::default());
    }
    let mut rng = Lcg(2025_0101);
    let credit_book = Book {
        fund_id: credit,
        lenders: (0..BANKS.len()).map(|i| (i, banks[i], BANKS[i].prefix, [13, 9, 6][i])).collect(),
        principals: &[50, 80, 100, 100, 150, 200, 200, 300, 300, 400, 500, 600, 800, 1_000],
        guarantees: &["信用", "保证", "保证", "抵押", "抵押", "知识产权质押"],
        borrowers: &credit_list,
    };
    let ip_book = Book {
        fund_id: ip,
        lenders: vec![(0, banks[0], "兰银知贷", 1)],
        principals: &[100, 150, 200, 200, 300, 500],
        guarantees: &["知识产权质押"],
        borrowers: &ip_list,
    };
    let mut plans = default_plans(credit, banks, &credit_list);
    plans.extend(random_plans(&mut rng, &credit_book, CREDIT_LOANS, today));
    plans.extend(random_plans(&mut rng, &ip_book, IP_LOANS, today));
    plans.sort_by_key(|p| p.start);
    record_plans(db, &plans, today).await
}

/// An instalment to be repaid on the day it falls due.
struct Due {
    due_on: NaiveDate,
    bank: usize,
    bank_id: i64,
    loan_id: i64,
    seq: i64,
}

/// Repays the instalments due on or before `until`; how many.
async fn repay_due(db: &Db, pending: &mut Vec<Due>, until: NaiveDate) -> Result<usize> {
    pending.sort_by_key(|d| (d.due_on, d.loan_id, d.seq));
    let n = pending.iter().take_while(|d| d.due_on <= until).count();
    for d in pending.drain(..n) {
        loans::repay(db, d.bank_id, d.loan_id, d.seq, d.due_on, bank_actor(d.bank)).await?;
    }
    Ok(n)
}

/// The principal the bank may still lend under its quota (万元, whole tens), if at least 50 万.
async fn room(db: &Db, p: &Plan) -> Result<Option<i64>> {
    let agreements = agreements::list(db, p.fund_id).await?;
    let Some(a) = agreements.iter().find(|a| a.bank_id == p.bank_id) else { return Ok(None) };
    let room_wan = (a.terms.bank_quota.fen() - a.outstanding.fen()) / 1_000_000 / 10 * 10;
    let wan = p.principal_wan.min(room_wan);
    Ok((wan >= 50).then_some(wan))
}

async fn record_plans(db: &Db, plans: &[Plan], today: NaiveDate) -> Result<Recorded> {
    let mut r = Recorded::default();
    let mut pending: Vec<Due> = Vec::new();
    let mut numbers: HashMap<(&str, i32), u32> = HashMap::new();
    for (n, p) in plans.iter().enumerate() {
        r.instalments_repaid += repay_due(db, &mut pending, p.start).await?;
        let Some(wan) = room(db, p).await? else { continue };
        let year = p.start.year();
        let seq = numbers.entry((p.prefix, year)).or_insert(0);
        *seq += 1;
        let terms = LoanTerms {
            principal: Money::from_wan(wan),
            rate_bp: p.rate_bp,
            term_months: p.term_months,
            start: p.start,
            repayment: p.repayment,
        };
        let loan = NewLoan {
            fund_id: p.fund_id,
            borrower_code: p.borrower.clone(),
            contract_no: format!("{}〔{year}〕{:04}号", p.prefix, seq),
            terms,
            guarantee: p.guarantee.into(),
            request_key: format!("demo-fund-loan-{n:04}"),
        };
        let row = loans::record(db, p.bank_id, &loan, bank_actor(p.bank)).await?;
        r.loans += 1;
        r.lent = r.lent.checked_add(row.terms.principal).unwrap_or(Money::MAX);
        if let Some(i) = p.default {
            r.defaults.push((i, row.id, p.bank, p.bank_id));
        }
        for i in row.terms.schedule() {
            if i.due_on <= today && p.stop.is_none_or(|s| i.due_on < s) {
                let (bank, bank_id, loan_id, seq) = (p.bank, p.bank_id, row.id, i64::from(i.seq));
                pending.push(Due { due_on: i.due_on, bank, bank_id, loan_id, seq });
            }
        }
    }
    r.instalments_repaid += repay_due(db, &mut pending, today).await?;
    Ok(r)
}

/// The defaults claimed (once 90 days overdue and the recovery steps done), approved by the
/// bureau's officer, paid by a second one, and the recovery returned; how many were claimed.
pub(crate) async fn seed_defaults(db: &Db, recorded: &Recorded, today: NaiveDate) -> Result<usize> {
    let mut claimed = 0;
    for &(i, loan_id, bank, bank_id) in &recorded.defaults {
        let spec = &DEFAULTS[i];
        let Some(loan) = loans::get(db, loan_id).await? else { continue };
        let start = loan.terms.start;
        let defaulted_on = start.checked_add_months(Months::new(spec.months)).unwrap_or(start);
        let steps_done = defaulted_on.checked_add_months(Months::new(6)).unwrap_or(defaulted_on);
        if today < defaulted_on + Duration::days(90) || today < steps_done {
            continue;
        }
        // to the yuan
        let loss = Money(loan.outstanding.fen() * spec.lost_pct / 100 / 100 * 100);
        let new = NewClaim {
            loan_id,
            loss,
            defaulted_on,
            steps: steps(i, defaulted_on),
            request_key: format!("demo-fund-claim-{i}"),
        };
        let actor = bank_actor(bank);
        let claim = claims::claim(db, bank_id, &new, actor).await?;
        claims::approve(db, claim.id, OFFICER).await?;
        claims::pay(db, claim.id, CHECKER).await?;
        if let Some((wan, note)) = spec.recovered {
            let key = format!("demo-fund-recovery-{i}");
            claims::recover(db, bank_id, claim.id, Money::from_wan(wan), note, &key, actor).await?;
        }
        claimed += 1;
    }
    Ok(claimed)
}
