//! S&T finance and policy delivery on the web: the policy library (everyone reads it, visitors
//! included; the bureau writes policies and their rules), the runs that list who is entitled without
//! applying (免申即享) with their check, publication and payment, and an enterprise's own view of
//! what it is entitled to and why. Each page's work is also in `/api/v1`.
mod figures;
mod financing;
mod financing_api;
mod financing_desk;
mod financing_pages;
mod fund;
mod fund_api;
mod fund_bank;
mod fund_figures;
mod fund_pages;
mod fund_subsidies;
mod library;
mod library_api;
mod mine;
mod runs;
mod runs_api;

pub use figures::{
    __path_api_policy_figures, ApiPolicyFigure, ApiPolicyFigures, ApiZoneFigure, YearQuery,
    api_policy_figures,
};
pub use financing::FollowStepInput;
pub use financing_api::*;
pub use fund::{
    AgreementInput, ClaimDecisionInput, DepositInput, FundInput, LoanInput, LossClaimInput,
    PledgeInput, RecoveryInput, RepaymentInput,
};
pub use fund_api::*;
pub use fund_figures::{__path_api_fund_figures, ApiFundFigure, ApiFundFigures, api_fund_figures};
pub use fund_subsidies::{
    __path_api_approve_subsidy, __path_api_claim_subsidy, __path_api_fund_subsidies,
    __path_api_my_loans_as_borrower, __path_api_pay_subsidy, __path_api_reject_subsidy,
    __path_api_set_subsidy_rule, ApiMyLoans, ApiRuleSet, ApiSubsidy, SubsidyDecisionInput,
    SubsidyInput, SubsidyRuleInput, api_approve_subsidy, api_claim_subsidy, api_fund_subsidies,
    api_my_loans_as_borrower, api_pay_subsidy, api_reject_subsidy, api_set_subsidy_rule,
};
pub use library::PolicyForm;
pub use library_api::*;
pub use mine::*;
pub use runs::{AccountInput, AnswerInput, CheckInput, ObjectionInput};
pub use runs_api::*;

use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::i18n::{Lang, t, tf};
use axum::routing::{get, post};
use innocity_core::finance::policy::{FactUnit, RuleError, Trace, fact_named};
use innocity_core::projects::money::Money;
use innocity_store::StoreError;
use innocity_store::finance::FinanceRefusal;
use innocity_store::finance::payments::LineStatus;
use innocity_store::finance::runs::RunStatus;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/finance/policies", get(library::list).post(library::create))
        .route("/finance/policies/new", get(library::new_form))
        .route("/finance/policies/{id}", get(library::view))
        .route("/finance/policies/{id}/rule", post(library::save_rule))
        .route("/finance/policies/{id}/run", post(library::run))
        .route("/finance/policies/{id}/applications", post(library::application))
        .route("/finance/runs", get(runs::list))
        .route("/finance/runs/{id}", get(runs::view))
        .route("/finance/runs/{id}/list.xlsx", get(runs::xlsx))
        .route("/finance/runs/{id}/check", post(runs::check))
        .route("/finance/runs/{id}/publish", post(runs::publish))
        .route("/finance/runs/{id}/pay", post(runs::pay))
        .route("/finance/runs/{id}/lines/{org}/answer", post(runs::answer))
        .route("/finance/runs/{id}/objection", post(runs::object))
        .route("/finance/runs/{id}/account", post(runs::account))
        .route("/finance/mine", get(mine::page))
        .route("/finance/figures", get(figures::page))
        .route("/finance/figures.xlsx", get(figures::xlsx))
        .route("/api/v1/policy-figures", get(figures::api_policy_figures))
        .route(
            "/api/v1/policies",
            get(library_api::api_policies).post(library_api::api_create_policy),
        )
        .route("/api/v1/policies/{id}", get(library_api::api_policy_detail))
        .route("/api/v1/policies/{id}/rule", axum::routing::put(library_api::api_save_rule))
        .route("/api/v1/policies/{id}/runs", post(library_api::api_run_policy))
        .route(
            "/api/v1/policies/{id}/application-payments",
            post(library_api::api_record_application),
        )
        .route("/api/v1/policy-runs/{id}", get(runs_api::api_policy_run))
        .route("/api/v1/policy-runs/{id}/check", post(runs_api::api_check_run))
        .route("/api/v1/policy-runs/{id}/publish", post(runs_api::api_publish_run))
        .route("/api/v1/policy-runs/{id}/pay", post(runs_api::api_pay_run))
        .route("/api/v1/policy-runs/{id}/lines/{org}/answer", post(runs_api::api_answer_objection))
        .route("/api/v1/policy-runs/{id}/objection", post(runs_api::api_object))
        .route("/api/v1/policy-runs/{id}/account", post(runs_api::api_confirm_account))
        .route("/api/v1/my-entitlements", get(mine::api_my_entitlements))
        .merge(fund_routes())
}

/// The risk-compensation fund: the finance office's pages and a bank's, and their API.
fn fund_routes() -> axum::Router<AppState> {
    use fund_api as api;
    axum::Router::new()
        .route("/finance/funds", get(fund_pages::list).post(fund_pages::create))
        .route("/finance/funds/{id}", get(fund_pages::view))
        .route("/finance/fund-figures", get(fund_figures::page))
        .route("/finance/fund-figures.xlsx", get(fund_figures::xlsx))
        .route("/finance/fund-figures.pdf", get(fund_figures::pdf))
        .route("/api/v1/fund-figures", get(fund_figures::api_fund_figures))
        .route("/finance/funds/{id}/deposits", post(fund_pages::deposit))
        .route("/finance/funds/{id}/agreements", post(fund_pages::sign))
        .route("/finance/funds/{id}/white-list", post(fund_pages::white_list))
        .route("/finance/claims/{id}/recoveries", post(fund_bank::recover))
        .route("/finance/claims/{id}/{step}", post(fund_pages::decide))
        .route("/finance/loans", get(fund_bank::list).post(fund_bank::record))
        .route("/finance/loans/{id}", get(fund_bank::view))
        .route("/finance/loans/{id}/repayments", post(fund_bank::repay))
        .route("/finance/loans/{id}/claims", post(fund_bank::claim))
        .route("/finance/loans/{id}/pledges", post(fund_bank::pledge))
        .route("/finance/pledges/{id}/release", post(fund_bank::release))
        .route("/api/v1/fund-loans/{id}/pledges", post(api::api_pledge))
        .route("/api/v1/fund-pledges/{id}/release", post(api::api_release_pledge))
        .route("/api/v1/loan-funds", get(api::api_funds).post(api::api_create_fund))
        .route("/api/v1/loan-funds/{id}", get(api::api_fund))
        .route("/api/v1/loan-funds/{id}/deposits", post(api::api_deposit))
        .route("/api/v1/loan-funds/{id}/postings", get(api::api_postings))
        .route("/api/v1/loan-funds/{id}/agreements", post(api::api_sign))
        .route("/api/v1/loan-funds/{id}/white-list", post(api::api_white_list))
        .route("/api/v1/loan-funds/{id}/loans", get(api::api_fund_loans))
        .route("/api/v1/loan-funds/{id}/claims", get(api::api_fund_claims))
        .route("/api/v1/fund-claims", get(api::api_my_claims))
        .route("/api/v1/fund-claims/{id}/approve", post(api::api_approve_claim))
        .route("/api/v1/fund-claims/{id}/pay", post(api::api_pay_claim))
        .route("/api/v1/fund-claims/{id}/reject", post(api::api_reject_claim))
        .route("/api/v1/fund-claims/{id}/recoveries", post(api::api_recover))
        .route("/api/v1/fund-loans", get(api::api_my_loans).post(api::api_record_loan))
        .route("/api/v1/fund-loans/{id}", get(api::api_loan))
        .route("/api/v1/fund-loans/{id}/repayments", post(api::api_repay))
        .route("/api/v1/fund-loans/{id}/claims", post(api::api_claim))
        .merge(subsidy_routes())
        .merge(financing_routes())
}

/// Financing demands and products: an enterprise's pages, an institution's desk, the office's
/// figures, and their API.
fn financing_routes() -> axum::Router<AppState> {
    use financing_api as api;
    use financing_desk as desk;
    use financing_pages as pages;
    axum::Router::new()
        .route("/finance/financing", get(pages::mine).post(pages::publish))
        .route("/finance/financing/demands/{id}", get(pages::demand))
        .route("/finance/financing/demands/{id}/close", post(pages::close))
        .route("/finance/financing/steps", post(pages::step))
        .route("/finance/financing/followups/{id}", get(pages::followup))
        .route("/finance/financing/office", get(desk::office))
        .route("/finance/products", get(desk::desk).post(desk::publish))
        .route("/finance/products/{id}", get(desk::product))
        .route("/finance/products/{id}/withdraw", post(desk::withdraw))
        .route("/api/v1/financing-demands", get(api::api_my_demands).post(api::api_publish_demand))
        .route("/api/v1/financing-demands/{id}", get(api::api_demand))
        .route("/api/v1/financing-demands/{id}/close", post(api::api_close_demand))
        .route("/api/v1/financing-products", get(api::api_products).post(api::api_publish_product))
        .route("/api/v1/financing-products/{id}", get(api::api_product))
        .route("/api/v1/financing-products/{id}/withdraw", post(api::api_withdraw_product))
        .route("/api/v1/financing-followups", get(api::api_my_followups))
        .route("/api/v1/financing-followups/{id}", get(api::api_followup))
        .route("/api/v1/financing-steps", post(api::api_step))
        .route("/api/v1/financing-figures", get(api::api_financing_figures))
}

fn subsidy_routes() -> axum::Router<AppState> {
    use fund_subsidies as sub;
    axum::Router::new()
        .route("/finance/funds/{id}/subsidy-rule", post(sub::set_rule))
        .route("/finance/subsidies/{id}/{step}", post(sub::decide))
        .route("/finance/my-loans", get(sub::mine).post(sub::claim))
        .route(
            "/api/v1/loan-funds/{id}/subsidy-rule",
            axum::routing::put(sub::api_set_subsidy_rule),
        )
        .route("/api/v1/loan-funds/{id}/subsidies", get(sub::api_fund_subsidies))
        .route("/api/v1/loan-subsidies", post(sub::api_claim_subsidy))
        .route("/api/v1/loan-subsidies/{id}/approve", post(sub::api_approve_subsidy))
        .route("/api/v1/loan-subsidies/{id}/pay", post(sub::api_pay_subsidy))
        .route("/api/v1/loan-subsidies/{id}/reject", post(sub::api_reject_subsidy))
        .route("/api/v1/my-loans", get(sub::api_my_loans_as_borrower))
}

/// A refusal that concerns a field of the form as a 422 naming it; the others as 409 with their
/// words.
pub fn refused_on(ctx: &Ctx, e: StoreError) -> AppError {
    let field = match &e {
        StoreError::Finance(FinanceRefusal::Rule(r)) => match r {
            RuleError::Syntax { part, .. }
            | RuleError::UnknownFact { part, .. }
            | RuleError::NotAFact { part, .. }
            | RuleError::Offset { part, .. } => part.code(),
            RuleError::Cap => "firm_cap",
        },
        StoreError::Finance(FinanceRefusal::Required { field })
        | StoreError::Finance(FinanceRefusal::Date { field }) => field,
        StoreError::Finance(FinanceRefusal::Account) => "number",
        StoreError::Finance(FinanceRefusal::Reason) => "text",
        _ => return ctx.err(AppError::from(e)),
    };
    let words = match &e {
        StoreError::Finance(r) => refusal_words(ctx.lang, r),
        _ => String::new(),
    };
    crate::subjects::api::invalid(ctx, vec![(field.to_string(), words)])
}

fn refusal_words(lang: Lang, r: &FinanceRefusal) -> String {
    let (key, args) = crate::error::refusals::finance(r);
    tf(lang, key, &args)
}

/// A fact's value as people read it: 万元 to two places, counts whole, flags 是/否.
fn fact_value(lang: Lang, unit: FactUnit, value: Option<f64>) -> String {
    let Some(v) = value else { return t(lang, "policy.trace.none").to_string() };
    match unit {
        FactUnit::Wan => format!("{v:.2} {}", t(lang, "policy.wan")),
        FactUnit::Count => format!("{v:.0}"),
        FactUnit::Flag if v != 0.0 => t(lang, "policy.yes").to_string(),
        FactUnit::Flag => t(lang, "policy.no").to_string(),
    }
}

/// Why an enterprise is (or is not) entitled, one line per fact read, then the rule's verdict
/// and the caps that applied.
pub fn trace_lines(lang: Lang, trace: &Trace, year: i32) -> Vec<String> {
    let mut out: Vec<String> = trace
        .facts
        .iter()
        .map(|f| {
            let (name, unit) = fact_named(&f.code)
                .map_or((f.code.as_str(), FactUnit::Count), |x| {
                    (lang.pick(x.name_zh, x.name_en), x.unit)
                });
            let y = (year + f.offset).to_string();
            tf(lang, "policy.trace.fact", &[name.into(), y, fact_value(lang, unit, f.value)])
        })
        .collect();
    out.push(
        t(lang, if trace.eligible { "policy.trace.eligible" } else { "policy.trace.not_eligible" })
            .into(),
    );
    if let Some(fen) = trace.formula_fen {
        out.push(tf(lang, "policy.trace.formula", &[Money(fen).wan_text()]));
    }
    if trace.firm_capped {
        out.push(t(lang, "policy.trace.firm_capped").into());
    }
    if trace.programme_scaled {
        out.push(t(lang, "policy.trace.scaled").into());
    }
    out
}

pub fn run_status_label(lang: Lang, s: RunStatus) -> &'static str {
    t(lang, &format!("policy.run.{}", s.code()))
}

pub fn line_status_label(lang: Lang, s: LineStatus) -> &'static str {
    t(lang, &format!("policy.line.{}", s.code()))
}
