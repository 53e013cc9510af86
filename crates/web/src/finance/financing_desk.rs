//! A financial institution's desk (bank, guarantor, investor): its products (published here,
//! each problem named on the form), the open demands a product answers with each condition met
//! or not, and its follow-ups. The finance office's view: demands, follow-ups and approvals by
//! kind of need for a year, and every product offered.
use super::figures::YearQuery;
use super::financing::{
    FollowUpView, MatchView, ProductView, demands_for, followup_view, institution_of, match_view,
    need_label, product_label, product_of, product_view,
};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, LendUnderFund, ManageLoanFund, parse_form};
use crate::error::{AppError, AppResult};
use crate::orgs::field_messages;
use crate::page::{Choice, FieldErrors, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::finance::financing::{ProductInput, ProductKind, Requirement, validate_product};
use innocity_store::finance::financing::{followups, products};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "finance_products.html")]
struct DeskPage {
    s: Shell,
    products: Vec<ProductView>,
    followups: Vec<FollowUpView>,
    input: ProductInput,
    errors: FieldErrors,
    kinds: Vec<Choice>,
    requirements: Vec<Choice>,
    link: bool,
}

async fn desk_page(
    state: &AppState,
    ctx: &Ctx,
    org: i64,
    input: ProductInput,
    errors: FieldErrors,
) -> AppResult<DeskPage> {
    let rows = products::of_institution(&state.db, org).await?;
    let fs = followups::of_institution(&state.db, org).await?;
    Ok(DeskPage {
        s: ctx.shell(),
        products: rows.iter().map(|p| product_view(ctx, p)).collect(),
        followups: fs.iter().map(|f| followup_view(ctx, f)).collect(),
        kinds: ProductKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.code().into(),
                label: product_label(ctx.lang, *k),
                selected: input.kind == k.code(),
            })
            .collect(),
        requirements: Requirement::ALL
            .iter()
            .map(|r| Choice {
                value: r.code().into(),
                label: crate::i18n::t(ctx.lang, &format!("financing.requires.{}", r.code())).into(),
                selected: input.requires.iter().any(|x| x == r.code()),
            })
            .collect(),
        link: true,
        input,
        errors,
    })
}

pub async fn desk(State(state): State<AppState>, a: Auth<LendUnderFund>) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = institution_of(&state, ctx, &a.principal).await?;
    let input = ProductInput {
        valid_until: (ctx.today() + chrono::Duration::days(365)).to_string(),
        ..ProductInput::default()
    };
    Ok(render(&desk_page(&state, ctx, org, input, FieldErrors::default()).await?))
}

/// Publishes a product; a problem is named on the form, which keeps what was typed.
pub async fn publish(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = institution_of(&state, ctx, &a.principal).await?;
    let input = parse_form::<ProductForm>(ctx, &body)?.input();
    match validate_product(&input, ctx.today()) {
        Ok(draft) => {
            let id = products::publish(&state.db, org, &draft, ctx.actor()).await?;
            Ok(Redirect::to(&format!("/finance/products/{id}")).into_response())
        }
        Err(e) => {
            let errors = FieldErrors(field_messages(ctx.lang, &e));
            let page = desk_page(&state, ctx, org, input, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// The product form: the conditions are checkboxes, one name each.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ProductForm {
    kind: String,
    name: String,
    description: String,
    rate_min_pct: String,
    rate_max_pct: String,
    amount_min_wan: String,
    amount_max_wan: String,
    term_min_months: String,
    term_max_months: String,
    valid_until: String,
    requires_high_tech: Option<String>,
    requires_tech_sme: Option<String>,
    requires_white_list: Option<String>,
    requires_clean_credit: Option<String>,
}

impl ProductForm {
    fn input(self) -> ProductInput {
        let ticked = [
            (self.requires_high_tech, Requirement::HighTech),
            (self.requires_tech_sme, Requirement::TechSme),
            (self.requires_white_list, Requirement::WhiteList),
            (self.requires_clean_credit, Requirement::CleanCredit),
        ];
        ProductInput {
            kind: self.kind,
            name: self.name,
            description: self.description,
            rate_min_pct: self.rate_min_pct,
            rate_max_pct: self.rate_max_pct,
            amount_min_wan: self.amount_min_wan,
            amount_max_wan: self.amount_max_wan,
            term_min_months: self.term_min_months,
            term_max_months: self.term_max_months,
            requires: ticked
                .into_iter()
                .filter(|(on, _)| on.is_some())
                .map(|(_, r)| r.code().to_string())
                .collect(),
            valid_until: self.valid_until,
        }
    }
}

#[derive(Template)]
#[template(path = "finance_product.html")]
struct ProductPage {
    s: Shell,
    p: ProductView,
    matches: Vec<MatchView>,
}

/// One of the institution's products with the open demands it answers (those one condition short
/// too, with what they miss).
pub async fn product(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = institution_of(&state, ctx, &a.principal).await?;
    let p = product_of(&state, ctx, &id).await?;
    if p.institution_id != org {
        return Err(ctx.err(AppError::not_found()));
    }
    let matches = demands_for(&state, ctx, &p).await?;
    Ok(render(&ProductPage {
        s: ctx.shell(),
        p: product_view(ctx, &p),
        matches: matches.iter().map(|m| match_view(ctx, m)).collect(),
    }))
}

#[derive(Deserialize)]
struct VersionForm {
    version: i64,
}

pub async fn withdraw(
    State(state): State<AppState>,
    a: Auth<LendUnderFund>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = institution_of(&state, ctx, &a.principal).await?;
    let p = product_of(&state, ctx, &id).await?;
    if p.institution_id != org {
        return Err(ctx.err(AppError::not_found()));
    }
    let f: VersionForm = parse_form(ctx, &body)?;
    products::withdraw(&state.db, p.id, f.version, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/finance/products/{}", p.id)).into_response())
}

/// A kind of need in a year's figures.
pub struct KindLine {
    pub need: String,
    pub demands: i64,
    pub asked: String,
    pub followed: i64,
    pub approved: i64,
    pub approved_amount: String,
    pub declined: i64,
}

#[derive(Template)]
#[template(path = "finance_financing_office.html")]
struct OfficePage {
    s: Shell,
    year: i32,
    lines: Vec<KindLine>,
    products: Vec<ProductView>,
    followups: Vec<FollowUpView>,
    link: bool,
}

/// How many follow-ups the office's page lists (the latest moved).
pub const OFFICE_FOLLOWUPS: u32 = 100;

/// The year asked (2000 to this year), or this year: demands are live.
pub fn year_of(ctx: &Ctx, q: &YearQuery) -> i32 {
    let this = chrono::Datelike::year(&ctx.today());
    q.year
        .as_deref()
        .and_then(|y| y.trim().parse().ok())
        .filter(|y| (2000..=this).contains(y))
        .unwrap_or(this)
}

pub async fn office(
    State(state): State<AppState>,
    a: Auth<ManageLoanFund>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let year = year_of(ctx, &q);
    let lines = followups::figures(&state.db, year)
        .await?
        .into_iter()
        .map(|k| KindLine {
            need: need_label(ctx.lang, k.need),
            demands: k.demands,
            asked: k.asked.wan_text(),
            followed: k.followed,
            approved: k.approved,
            approved_amount: k.approved_amount.wan_text(),
            declined: k.declined,
        })
        .collect();
    let offered = products::open(&state.db, ctx.today()).await?;
    let fs = followups::recent(&state.db, OFFICE_FOLLOWUPS).await?;
    Ok(render(&OfficePage {
        s: ctx.shell(),
        year,
        lines,
        products: offered.iter().map(|p| product_view(ctx, p)).collect(),
        followups: fs.iter().map(|f| followup_view(ctx, f)).collect(),
        link: false,
    }))
}
