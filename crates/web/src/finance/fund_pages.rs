//! The finance office's pages of the risk-compensation fund: the funds with their balances, and
//! a fund's page — the ledger's equation and its replay, each bank's agreement with its use and
//! leverage, capital put in, agreements signed, the white list rebuilt, claims approved, paid or
//! rejected (two officers), the latest postings and the loans under the fund.
use super::fund::{
    AgreementInput, BalancesView, BankLineView, ClaimDecisionInput, ClaimView, DepositInput,
    FundInput, LoanView, PostingView, balances_view, bank_line_view, claim_view, create_as,
    decide_as, deposit_as, fund_of, kind_label, leverage_text, loan_view, posting_view, sign_as,
};
use crate::app::AppState;
use crate::auth::{Auth, ManageLoanFund, parse_form};
use crate::error::AppResult;
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_store::finance::fund::claims;
use innocity_store::finance::fund::ledger::{self, FundKind};
use innocity_store::finance::fund::loans::{self, LoanFilter};
use innocity_store::finance::fund::{agreements, report, subsidies};

/// A fund as the list shows it.
pub struct FundView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub balances: BalancesView,
}

#[derive(Template)]
#[template(path = "finance_funds.html")]
struct ListPage {
    s: Shell,
    funds: Vec<FundView>,
    kinds: Vec<Choice>,
}

pub async fn list(State(state): State<AppState>, a: Auth<ManageLoanFund>) -> AppResult<Response> {
    let lang = a.ctx.lang;
    let funds = ledger::list(&state.db)
        .await?
        .iter()
        .map(|f| FundView {
            id: f.id,
            code: f.code.clone(),
            name: f.name.clone(),
            kind: kind_label(lang, f.kind),
            balances: balances_view(&f.balances),
        })
        .collect();
    let kinds =
        FundKind::ALL.iter().map(|k| Choice::new(k.code(), kind_label(lang, *k), false)).collect();
    Ok(render(&ListPage { s: a.ctx.shell(), funds, kinds }))
}

pub async fn create(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: FundInput = parse_form(&a.ctx, &body)?;
    let id = create_as(&state, &a.ctx, &i).await?;
    Ok(Redirect::to(&format!("/finance/funds/{id}")).into_response())
}

/// A financial institution a fund may sign with.
pub struct BankOption {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "finance_fund.html")]
struct FundPage {
    s: Shell,
    fund: FundView,
    banks: Vec<BankLineView>,
    lent: String,
    leverage: String,
    postings_replayed: usize,
    replay_agrees: bool,
    white_listed: usize,
    claims: Vec<ClaimView>,
    subsidies: Vec<super::fund_subsidies::SubsidyView>,
    rule: innocity_core::finance::fund::SubsidyRule,
    postings: Vec<PostingView>,
    loans: Vec<LoanView>,
    loans_total: i64,
    link_loans: bool,
    institutions: Vec<BankOption>,
    me: String,
    /// A fresh request key for the deposit form (a double click deposits once).
    deposit_key: String,
}

pub async fn view(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let f = fund_of(&state, ctx, &id).await?;
    let db = &state.db;
    let rep = report::report(db, f.id).await?;
    let filter = LoanFilter { fund_id: Some(f.id), ..LoanFilter::default() };
    let (loan_rows, loans_total) = loans::list(db, &filter, 50, 0).await?;
    let institutions = db
        .read(
            "SELECT id, name FROM organisations WHERE kind = 'financial' ORDER BY name",
            vec![],
            |r| Ok(BankOption { id: r.int(0)?, name: r.text(1)? }),
        )
        .await?;
    let page = FundPage {
        s: ctx.shell(),
        banks: rep.banks.iter().map(bank_line_view).collect(),
        lent: rep.lent.wan_text(),
        leverage: leverage_text(rep.leverage),
        postings_replayed: rep.replay.postings,
        replay_agrees: rep.replay.agrees && rep.replay.mismatched == 0,
        white_listed: agreements::white_list(db, f.id).await?.len(),
        claims: claims::list(db, Some(f.id), None)
            .await?
            .iter()
            .map(|c| claim_view(lang, c))
            .collect(),
        subsidies: subsidies::list(db, Some(f.id), None)
            .await?
            .iter()
            .map(|x| super::fund_subsidies::subsidy_view(lang, x))
            .collect(),
        rule: f.subsidy_rule,
        postings: ledger::postings(db, f.id, 30)
            .await?
            .iter()
            .map(|p| posting_view(lang, p))
            .collect(),
        loans: loan_rows.iter().map(|l| loan_view(lang, l)).collect(),
        loans_total,
        link_loans: false,
        institutions,
        me: a.principal.username.clone(),
        deposit_key: crate::sharing::new_key(),
        fund: FundView {
            id: f.id,
            code: f.code,
            name: f.name,
            kind: kind_label(lang, f.kind),
            balances: balances_view(&f.balances),
        },
    };
    Ok(render(&page))
}

fn back_to(id: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/finance/funds/{id}#{anchor}")).into_response()
}

pub async fn deposit(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: DepositInput = parse_form(&a.ctx, &body)?;
    deposit_as(&state, &a.ctx, &id, &i).await?;
    Ok(back_to(&id, "ledger"))
}

pub async fn sign(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let i: AgreementInput = parse_form(&a.ctx, &body)?;
    sign_as(&state, &a.ctx, &id, &i).await?;
    Ok(back_to(&id, "banks"))
}

pub async fn white_list(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let f = fund_of(&state, &a.ctx, &id).await?;
    agreements::rebuild_white_list(&state.db, f.id, a.ctx.actor()).await?;
    Ok(back_to(&id, "white-list"))
}

/// A claim approved, paid or rejected; back to its fund's page.
pub async fn decide(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Path((id, step)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    if !matches!(step.as_str(), "approve" | "pay" | "reject") {
        return Err(a.ctx.err(crate::error::AppError::not_found()));
    }
    let i: ClaimDecisionInput = parse_form(&a.ctx, &body)?;
    let c = decide_as(&state, &a.ctx, &id, &step, &i).await?;
    Ok(back_to(&c.fund_id.to_string(), &format!("claim-{}", c.id)))
}
