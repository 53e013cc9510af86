//! Loans a bank records under its agreement, to a borrower on the fund's white list and inside
//! the agreement's limits, with their repayment schedule; repayments lower what is outstanding
//! (and the bank's use of its quota).
use super::FundRefusal;
use super::agreements::{AgreementRow, is_listed, of_bank};
use crate::db::{Db, Result, StoreError, Tx};
use crate::finance::{FinanceRefusal, log};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::finance::fund::{LoanTerms, Repayment};
use innocity_core::projects::money::Money;

/// A loan's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanStatus {
    Active,
    Repaid,
    /// The bank claimed compensation on a default.
    Defaulted,
    /// The fund paid its share of the loss.
    Compensated,
}

impl LoanStatus {
    pub const ALL: [LoanStatus; 4] =
        [Self::Active, Self::Repaid, Self::Defaulted, Self::Compensated];
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Repaid => "repaid",
            Self::Defaulted => "defaulted",
            Self::Compensated => "compensated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A loan with its bank and borrower.
#[derive(Debug, Clone, PartialEq)]
pub struct LoanRow {
    pub id: i64,
    pub fund_id: i64,
    pub agreement_id: i64,
    pub bank_id: i64,
    pub bank: String,
    pub borrower_id: i64,
    pub borrower: String,
    pub borrower_code: String,
    pub contract_no: String,
    pub terms: LoanTerms,
    pub guarantee: String,
    pub outstanding: Money,
    pub status: LoanStatus,
    pub request_key: String,
    pub recorded_at: i64,
}

impl FromRow for LoanRow {
    const TABLE: &'static str = "fund_loans";
    const FROM: &'static str = "fund_loans l JOIN organisations b ON b.id = l.bank_id JOIN organisations o ON o.id = l.borrower_id";
    columns!(
        "l.id",
        "l.fund_id",
        "l.agreement_id",
        "l.bank_id",
        "b.name",
        "l.borrower_id",
        "o.name",
        "o.credit_code",
        "l.contract_no",
        "l.principal_fen",
        "l.rate_bp",
        "l.term_months",
        "l.start_date",
        "l.repayment",
        "l.guarantee",
        "l.outstanding_fen",
        "l.status",
        "l.request_key",
        "l.recorded_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let ids = (f.int()?, f.int()?, f.int()?, f.int()?, f.text()?);
        let borrower = (f.int()?, f.text()?, f.text()?, f.text()?);
        let terms = LoanTerms {
            principal: Money(f.int()?),
            rate_bp: f.int_as()?,
            term_months: f.int_as()?,
            start: f.date()?,
            repayment: f.code(Repayment::parse)?,
        };
        Ok(LoanRow {
            id: ids.0,
            fund_id: ids.1,
            agreement_id: ids.2,
            bank_id: ids.3,
            bank: ids.4,
            borrower_id: borrower.0,
            borrower: borrower.1,
            borrower_code: borrower.2,
            contract_no: borrower.3,
            terms,
            guarantee: f.text()?,
            outstanding: Money(f.int()?),
            status: f.code(LoanStatus::parse)?,
            request_key: f.text()?,
            recorded_at: f.int()?,
        })
    }
}

/// A loan as the bank reports it.
#[derive(Debug, Clone)]
pub struct NewLoan {
    pub fund_id: i64,
    /// The borrower's unified social credit code.
    pub borrower_code: String,
    /// The bank's loan contract number.
    pub contract_no: String,
    pub terms: LoanTerms,
    /// 信用, 保证, 抵押, 知识产权质押 … as the bank words it.
    pub guarantee: String,
    /// The same key again answers with the loan it recorded.
    pub request_key: String,
}

/// The bank `bank_id` records a loan under its agreement with the fund.
pub async fn record(db: &Db, bank_id: i64, n: &NewLoan, actor: Actor<'_>) -> Result<LoanRow> {
    let contract_no = n.contract_no.trim();
    if contract_no.is_empty() || contract_no.chars().count() > 60 {
        return Err(FinanceRefusal::Required { field: "contract_no" }.into());
    }
    let guarantee = n.guarantee.trim();
    if guarantee.is_empty() || guarantee.chars().count() > 100 {
        return Err(FinanceRefusal::Required { field: "guarantee" }.into());
    }
    let key = super::scoped_key(bank_id, &n.request_key)?;
    if n.terms.start > db.clock.today() {
        return Err(FinanceRefusal::Date { field: "start_date" }.into());
    }
    let tx = db.begin_write().await?;
    if !key.is_empty() {
        let sql = select::<LoanRow>("WHERE l.request_key = ?");
        if let Some(done) = tx.row(&sql, vec![key.clone().into()]).await? {
            return Ok(done);
        }
    }
    let agreement = of_bank(&tx, n.fund_id, bank_id).await?.ok_or(FundRefusal::NoAgreement)?;
    let borrower = tx
        .query_one(
            "SELECT id FROM organisations WHERE credit_code = ? AND kind = 'enterprise'",
            vec![n.borrower_code.trim().into()],
        )
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?;
    let Some(borrower_id) = borrower else { return Err(FundRefusal::NotWhiteListed.into()) };
    if !is_listed(&tx, n.fund_id, borrower_id).await? {
        return Err(FundRefusal::NotWhiteListed.into());
    }
    let taken = tx
        .query_one(
            "SELECT id FROM fund_loans WHERE bank_id = ? AND contract_no = ?",
            vec![bank_id.into(), contract_no.into()],
        )
        .await?;
    if taken.is_some() {
        return Err(FundRefusal::ContractTaken { contract_no: contract_no.to_string() }.into());
    }
    n.terms.check(&agreement.terms, agreement.outstanding).map_err(FundRefusal::Loan)?;
    let id = insert(&tx, &agreement, borrower_id, n, (contract_no, guarantee, &key), actor).await?;
    let after = serde_json::json!({ "bank_id": bank_id, "borrower_id": borrower_id, "contract_no": contract_no, "principal_fen": n.terms.principal.fen() });
    log(&tx, actor, "fund.loan_record", "fund_loan", id, after).await?;
    let row = get_in(&tx, id).await?;
    tx.commit().await?;
    Ok(row)
}

async fn insert(
    tx: &Tx,
    a: &AgreementRow,
    borrower_id: i64,
    n: &NewLoan,
    (contract_no, guarantee, key): (&str, &str, &str),
    actor: Actor<'_>,
) -> Result<i64> {
    let t = &n.terms;
    let id = tx
        .insert(
            "INSERT INTO fund_loans (fund_id, agreement_id, bank_id, borrower_id, contract_no, principal_fen, rate_bp, term_months, start_date, repayment, guarantee, outstanding_fen, status, request_key, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
            vec![
                a.fund_id.into(),
                a.id.into(),
                a.bank_id.into(),
                borrower_id.into(),
                contract_no.into(),
                t.principal.fen().into(),
                i64::from(t.rate_bp).into(),
                i64::from(t.term_months).into(),
                t.start.to_string().into(),
                t.repayment.code().into(),
                guarantee.into(),
                t.principal.fen().into(),
                key.into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    for i in t.schedule() {
        tx.exec(
            "INSERT INTO fund_loan_instalments (loan_id, seq, due_on, principal_fen, interest_fen) VALUES (?, ?, ?, ?, ?)",
            vec![id.into(), i64::from(i.seq).into(), i.due_on.to_string().into(), i.principal.fen().into(), i.interest.fen().into()],
        )
        .await?;
    }
    tx.exec(
        "UPDATE loan_agreements SET outstanding_fen = outstanding_fen + ?, lent_fen = lent_fen + ? WHERE id = ?",
        vec![t.principal.fen().into(), t.principal.fen().into(), a.id.into()],
    )
    .await?;
    Ok(id)
}

pub(crate) async fn get_in(tx: &Tx, id: i64) -> Result<LoanRow> {
    tx.row(&select::<LoanRow>("WHERE l.id = ?"), vec![id.into()]).await?.ok_or(StoreError::NotFound)
}

/// A loan of the bank `bank_id` (not found when it is another bank's).
pub(crate) async fn of_bank_in(tx: &Tx, bank_id: i64, id: i64) -> Result<LoanRow> {
    let loan = get_in(tx, id).await?;
    if loan.bank_id != bank_id {
        return Err(StoreError::NotFound);
    }
    Ok(loan)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<LoanRow>> {
    db.row(&select::<LoanRow>("WHERE l.id = ?"), vec![id.into()]).await
}

/// Which loans to list: a bank only ever sees its own.
#[derive(Debug, Clone, Default)]
pub struct LoanFilter {
    pub fund_id: Option<i64>,
    pub bank_id: Option<i64>,
    pub borrower_id: Option<i64>,
    pub status: Option<LoanStatus>,
}

/// Loans matching `filter`, the newest first, a page at a time; and how many match.
pub async fn list(
    db: &Db,
    filter: &LoanFilter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<LoanRow>, i64)> {
    let mut clauses = vec!["1 = 1".to_string()];
    let mut values: Vec<sea_orm::Value> = Vec::new();
    if let Some(f) = filter.fund_id {
        clauses.push("l.fund_id = ?".into());
        values.push(f.into());
    }
    if let Some(b) = filter.bank_id {
        clauses.push("l.bank_id = ?".into());
        values.push(b.into());
    }
    if let Some(b) = filter.borrower_id {
        clauses.push("l.borrower_id = ?".into());
        values.push(b.into());
    }
    if let Some(s) = filter.status {
        clauses.push("l.status = ?".into());
        values.push(s.code().into());
    }
    let cond = clauses.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM fund_loans l WHERE {cond}");
    let total = db
        .query_one(&count_sql, values.clone())
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    let sql = select::<LoanRow>(&format!(
        "WHERE {cond} ORDER BY l.id DESC LIMIT {limit} OFFSET {offset}"
    ));
    Ok((db.rows(&sql, values).await?, total))
}

/// One line of a loan's schedule and whether it was repaid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalmentRow {
    pub seq: i64,
    pub due_on: NaiveDate,
    pub principal: Money,
    pub interest: Money,
    pub repaid_on: Option<NaiveDate>,
}

impl FromRow for InstalmentRow {
    const TABLE: &'static str = "fund_loan_instalments";
    columns!(seq, due_on, principal_fen, interest_fen, repaid_on);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(InstalmentRow {
            seq: f.int()?,
            due_on: f.date()?,
            principal: Money(f.int()?),
            interest: Money(f.int()?),
            repaid_on: f.opt_date()?,
        })
    }
}

pub async fn instalments(db: &Db, loan_id: i64) -> Result<Vec<InstalmentRow>> {
    let sql = select::<InstalmentRow>("WHERE loan_id = ? ORDER BY seq");
    db.rows(&sql, vec![loan_id.into()]).await
}

/// The bank records an instalment repaid on `on`; the last one repaid closes the loan.
pub async fn repay(
    db: &Db,
    bank_id: i64,
    loan_id: i64,
    seq: i64,
    on: NaiveDate,
    actor: Actor<'_>,
) -> Result<LoanRow> {
    let tx = db.begin_write().await?;
    let loan = of_bank_in(&tx, bank_id, loan_id).await?;
    if loan.status != LoanStatus::Active {
        return Err(FundRefusal::LoanStatus { status: loan.status.code().into() }.into());
    }
    let sql = select::<InstalmentRow>("WHERE loan_id = ? AND seq = ?");
    let line: Option<InstalmentRow> = tx.row(&sql, vec![loan_id.into(), seq.into()]).await?;
    let Some(line) = line.filter(|l| l.repaid_on.is_none()) else {
        return Err(FundRefusal::Instalment { seq }.into());
    };
    if on < loan.terms.start || on > tx.clock.today() {
        return Err(FinanceRefusal::Date { field: "repaid_on" }.into());
    }
    tx.exec(
        "UPDATE fund_loan_instalments SET repaid_on = ? WHERE loan_id = ? AND seq = ?",
        vec![on.to_string().into(), loan_id.into(), seq.into()],
    )
    .await?;
    let left = loan.outstanding.fen() - line.principal.fen();
    let open = tx
        .query_one(
            "SELECT COUNT(*) FROM fund_loan_instalments WHERE loan_id = ? AND repaid_on = ''",
            vec![loan_id.into()],
        )
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    let status = if open == 0 { LoanStatus::Repaid } else { LoanStatus::Active };
    tx.exec(
        "UPDATE fund_loans SET outstanding_fen = ?, status = ? WHERE id = ?",
        vec![left.into(), status.code().into(), loan_id.into()],
    )
    .await?;
    tx.exec(
        "UPDATE loan_agreements SET outstanding_fen = outstanding_fen - ? WHERE id = ?",
        vec![line.principal.fen().into(), loan.agreement_id.into()],
    )
    .await?;
    let after =
        serde_json::json!({ "seq": seq, "repaid_on": on.to_string(), "outstanding_fen": left });
    log(&tx, actor, "fund.loan_repay", "fund_loan", loan_id, after).await?;
    let row = get_in(&tx, loan_id).await?;
    tx.commit().await?;
    Ok(row)
}
