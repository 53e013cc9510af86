//! 通用通兑, the bureau's pages: the partner regions (register one with the agreed key and the
//! programme of ours it settles with), each partner's page — our roster to send, theirs to
//! import, their vouchers redeemed here to verify, the month's claim to make, their statement or
//! reply to import — and each statement line by line, as the signed file to send and as Excel.
use super::vouchers::{RedemptionLine, VerifyInput, services_text, wan};
use super::{choose_one, refused_on};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageVouchers, parse_form};
use crate::error::{AppError, AppResult};
use crate::http::{TableCell, download, read_upload, table};
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::sharing::exchange::{Kind, Mismatch, PartnerForm};
use innocity_store::sharing::exchange_statements::{self as st, Direction, LineRow, StatementRow};
use innocity_store::sharing::{self as store, PartnerRedemptionRow, PartnerRow};
use serde::Deserialize;

/// A partner region as the bureau registers it (the API's body too).
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct PartnerInput {
    /// The partner programme's code; its voucher numbers begin with it.
    pub code: String,
    pub name: String,
    pub region: String,
    /// The exchange key agreed between the bureaus (16–200 characters); never shown again.
    pub key: String,
    /// Our programme that settles with it.
    #[serde(default)]
    pub programme_id: i64,
}

/// Registers a partner: the form's rules, then the store's.
pub async fn add_as(state: &AppState, ctx: &Ctx, input: &PartnerInput) -> AppResult<i64> {
    let form = PartnerForm {
        code: input.code.clone(),
        name: input.name.clone(),
        region: input.region.clone(),
        key: input.key.clone(),
    };
    let partner = form.parse().map_err(|problems| {
        crate::subjects::api::invalid(ctx, crate::orgs::field_messages(ctx.lang, &problems))
    })?;
    if store::programme(&state.db, input.programme_id).await?.is_none() {
        return Err(choose_one(ctx, "programme_id"));
    }
    store::add_partner(&state.db, &partner, input.programme_id, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "code", e))
}

pub struct PartnerLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region: String,
    pub programme: String,
    pub vouchers: i64,
    pub roster_on: String,
}

fn partner_line(p: &PartnerRow) -> PartnerLine {
    PartnerLine {
        id: p.id,
        code: p.code.clone(),
        name: p.name.clone(),
        region: p.region.clone(),
        programme: p.programme_code.clone(),
        vouchers: p.vouchers,
        roster_on: p.roster_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "vouchers_partners.html")]
struct PartnersPage {
    s: Shell,
    lines: Vec<PartnerLine>,
    programmes: Vec<Choice>,
    form: PartnerInput,
    errors: Vec<(String, String)>,
}

impl PartnersPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

async fn partners_page(
    state: &AppState,
    ctx: &Ctx,
    form: PartnerInput,
    errors: Vec<(String, String)>,
) -> AppResult<PartnersPage> {
    let programmes = store::programmes(&state.db)
        .await?
        .iter()
        .map(|p| {
            let label = format!("{} {}", p.programme.code, p.programme.name);
            Choice::new(p.id, label, p.id == form.programme_id)
        })
        .collect();
    let lines = store::partners(&state.db).await?.iter().map(partner_line).collect();
    Ok(PartnersPage { s: ctx.shell(), lines, programmes, form, errors })
}

pub async fn partners(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
) -> AppResult<Response> {
    Ok(render(&partners_page(&state, &a.ctx, PartnerInput::default(), vec![]).await?))
}

pub async fn add(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let mut form: PartnerInput = parse_form(ctx, &body)?;
    match add_as(&state, ctx, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/vouchers/partners/{id}")).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            // the key is never sent back to the browser
            form.key.clear();
            let page = partners_page(&state, ctx, form, e.fields.clone()).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

pub struct PartnerVoucherLine {
    pub number: String,
    pub holder: String,
    pub value: String,
    pub balance: String,
    pub valid_to: String,
}

pub struct StatementListLine {
    pub id: i64,
    pub direction: &'static str,
    pub month: String,
    pub lines: i64,
    pub total: String,
    pub accepted: String,
    pub replied: bool,
}

pub fn statement_list_line(lang: Lang, s: &StatementRow) -> StatementListLine {
    StatementListLine {
        id: s.id,
        direction: t(lang, &format!("exchange.dir.{}", s.direction.code())),
        month: s.month.clone(),
        lines: s.lines,
        total: wan(s.total),
        accepted: wan(s.accepted),
        replied: s.direction == Direction::Owed || s.replied_at.is_some(),
    }
}

pub fn partner_redemption_line(lang: Lang, r: PartnerRedemptionRow) -> RedemptionLine {
    RedemptionLine {
        id: r.id,
        voucher: r.voucher,
        enterprise: r.holder,
        provider: r.provider,
        service: services_text(lang, std::slice::from_ref(&r.service)),
        order_total: r.order_total.yuan_text(),
        amount: r.amount.yuan_text(),
        evidence: r.evidence,
        status: t(lang, &format!("exchange.r.{}", r.status)).into(),
        status_code: r.status,
        reason: reason_text(lang, &r.reason),
    }
}

#[derive(Template)]
#[template(path = "vouchers_partner.html")]
struct PartnerPage {
    s: Shell,
    p: PartnerLine,
    rules: String,
    vouchers: Vec<PartnerVoucherLine>,
    redemptions: Vec<RedemptionLine>,
    statements: Vec<StatementListLine>,
    month: String,
    error: String,
}

pub async fn partner_of(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<PartnerRow> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::partner(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

async fn partner_page(
    state: &AppState,
    ctx: &Ctx,
    p: &PartnerRow,
    error: String,
) -> AppResult<PartnerPage> {
    let lang = ctx.lang;
    let rules = match p.roster_on {
        Some(on) => tf(
            lang,
            "exchange.rules",
            &[p.copay_percent.to_string(), services_text(lang, &p.services), on.to_string()],
        ),
        None => t(lang, "exchange.no_roster").to_string(),
    };
    let vouchers = store::partner_vouchers(&state.db, p.id)
        .await?
        .into_iter()
        .take(200)
        .map(|v| PartnerVoucherLine {
            number: v.number,
            holder: v.holder,
            value: wan(v.value),
            balance: wan(v.balance),
            valid_to: v.valid_to.to_string(),
        })
        .collect();
    let redemptions = store::partner_redemptions(&state.db, p.id, 0)
        .await?
        .into_iter()
        .map(|r| partner_redemption_line(lang, r))
        .collect();
    let statements = st::statements(&state.db, p.id)
        .await?
        .iter()
        .map(|s| statement_list_line(lang, s))
        .collect();
    Ok(PartnerPage {
        s: ctx.shell(),
        p: partner_line(p),
        rules,
        vouchers,
        redemptions,
        statements,
        month: ctx.today().format("%Y-%m").to_string(),
        error,
    })
}

pub async fn view(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = partner_of(&state, &a.ctx, &id).await?;
    Ok(render(&partner_page(&state, &a.ctx, &p, String::new()).await?))
}

/// Our roster for the partner, signed, as a file to send.
pub async fn roster(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = partner_of(&state, &a.ctx, &id).await?;
    let roster = store::roster(&state.db, p.id).await?;
    let name = format!("{}-roster-for-{}-{}.json", roster.programme, p.code, roster.made_on);
    Ok(json_file(&roster, &name))
}

pub fn json_file<T: serde::Serialize>(file: &T, name: &str) -> Response {
    let bytes = serde_json::to_vec_pretty(file).unwrap_or_default();
    download(bytes, name, "application/json")
}

/// What an imported exchange file did: the roster's voucher count, or the statement it made or
/// answered.
pub enum Imported {
    Roster(usize),
    Statement(StatementRow),
}

/// Imports a file from the partner: a roster, or (`inbox`) a statement or a reply by its kind.
pub async fn import_file(
    state: &AppState,
    ctx: &Ctx,
    p: &PartnerRow,
    expect_roster: bool,
    bytes: &[u8],
) -> AppResult<Imported> {
    let (db, actor) = (&state.db, ctx.actor());
    let done = if expect_roster {
        store::import_roster(db, p.id, bytes, actor).await.map(Imported::Roster)
    } else {
        match innocity_core::sharing::exchange::kind_of(bytes) {
            Ok(Kind::Reply) => st::import_reply(db, p.id, bytes, actor).await,
            Ok(_) => st::import_owed(db, p.id, bytes, actor).await,
            Err(e) => Err(e.into()),
        }
        .map(Imported::Statement)
    };
    done.map_err(|e| refused_on(ctx, "file", e))
}

async fn upload(
    state: AppState,
    a: Auth<ManageVouchers>,
    id: String,
    req: axum::extract::Request,
    expect_roster: bool,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let p = partner_of(&state, ctx, &id).await?;
    let (_, bytes) = read_upload(ctx, req).await?;
    match import_file(&state, ctx, &p, expect_roster, &bytes).await {
        Ok(Imported::Statement(s)) => {
            Ok(Redirect::to(&format!("/vouchers/exchange/{}", s.id)).into_response())
        }
        Ok(Imported::Roster(_)) => {
            Ok(Redirect::to(&format!("/vouchers/partners/{}#roster", p.id)).into_response())
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let words = e.fields.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join(" ");
            let page = partner_page(&state, ctx, &p, words).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

pub async fn import_roster(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    upload(state, a, id, req, true).await
}

pub async fn inbox(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    upload(state, a, id, req, false).await
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ClaimInput {
    /// `YYYY-MM`: the redemptions verified before it ended and not claimed yet.
    pub month: String,
}

pub async fn claim_as(
    state: &AppState,
    ctx: &Ctx,
    p: &PartnerRow,
    month: &str,
) -> AppResult<StatementRow> {
    st::make_claim(&state.db, p.id, month, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "month", e))
}

pub async fn claim(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: ClaimInput = parse_form(ctx, &body)?;
    let p = partner_of(&state, ctx, &id).await?;
    match claim_as(&state, ctx, &p, &input.month).await {
        Ok(s) => Ok(Redirect::to(&format!("/vouchers/exchange/{}", s.id)).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let words = e.fields.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join(" ");
            let page = partner_page(&state, ctx, &p, words).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

/// The bureau verifies or rejects a redemption of a partner's voucher.
pub async fn verify_as(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    v: &VerifyInput,
) -> AppResult<PartnerRedemptionRow> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let ok = v.verifies(ctx)?;
    let row = store::partner_redemption(&state.db, id)
        .await?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    store::verify_partner(&state.db, id, ok, &v.reason, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "reason", e))?;
    Ok(store::partner_redemption(&state.db, id).await?.unwrap_or(row))
}

pub async fn verify(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let v: VerifyInput = parse_form(&a.ctx, &body)?;
    let r = verify_as(&state, &a.ctx, &id, &v).await?;
    Ok(Redirect::to(&format!("/vouchers/partners/{}#redemptions", r.partner_id)).into_response())
}

pub struct LineView {
    pub line_no: i64,
    pub number: String,
    pub key: String,
    pub provider: String,
    pub service: String,
    pub used_on: String,
    pub order_total: String,
    pub amount: String,
    pub outcome: String,
    pub outcome_code: String,
    pub reason: String,
}

fn line_view(lang: Lang, l: &LineRow) -> LineView {
    LineView {
        line_no: l.line_no,
        number: l.voucher_number.clone(),
        key: l.request_key.clone(),
        provider: l.provider.clone(),
        service: services_text(lang, std::slice::from_ref(&l.service)),
        used_on: l.used_on.to_string(),
        order_total: l.order_total.yuan_text(),
        amount: l.amount.yuan_text(),
        outcome: t(lang, &format!("exchange.o.{}", l.outcome)).to_string(),
        outcome_code: l.outcome.clone(),
        reason: reason_text(lang, &l.reason),
    }
}

fn reason_text(lang: Lang, code: &str) -> String {
    Mismatch::parse(code)
        .map(|m| t(lang, &format!("exchange.m.{}", m.code())).to_string())
        .unwrap_or_else(|| code.to_string())
}

#[derive(Template)]
#[template(path = "vouchers_statement.html")]
struct StatementPage {
    s: Shell,
    partner_id: i64,
    title: String,
    head: StatementListLine,
    claim: bool,
    signature: String,
    lines: Vec<LineView>,
}

pub async fn statement_of(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<StatementRow> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    st::statement(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

pub async fn statement(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let s = statement_of(&state, ctx, &id).await?;
    let lines = st::lines(&state.db, s.id).await?.iter().map(|l| line_view(ctx.lang, l)).collect();
    Ok(render(&StatementPage {
        s: ctx.shell(),
        partner_id: s.partner_id,
        title: tf(ctx.lang, "exchange.statement_title", &[s.partner.clone(), s.month.clone()]),
        head: statement_list_line(ctx.lang, &s),
        claim: s.direction == Direction::Claim,
        signature: s.signature.clone(),
        lines,
    }))
}

/// The statement's file to send: our claim as it was signed, or our reply to the partner's.
pub async fn statement_file(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let s = statement_of(&state, &a.ctx, &id).await?;
    Ok(match s.direction {
        Direction::Claim => {
            let file = st::claim_file(&state.db, s.id).await?;
            json_file(&file, &format!("{}-statement-{}-to-{}.json", file.from, file.month, file.to))
        }
        Direction::Owed => {
            let file = st::reply_file(&state.db, s.id).await?;
            json_file(&file, &format!("{}-reply-{}-to-{}.json", file.from, file.month, file.to))
        }
    })
}

/// The statement's lines as a workbook (amounts in 元).
pub async fn statement_xlsx(
    State(state): State<AppState>,
    a: Auth<ManageVouchers>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let lang = a.ctx.lang;
    let s = statement_of(&state, &a.ctx, &id).await?;
    let head: Vec<&str> = [
        "exchange.col.line",
        "voucher.col.number",
        "exchange.col.key",
        "voucher.col.provider",
        "voucher.col.service",
        "exchange.col.used_on",
        "voucher.col.order",
        "voucher.col.amount",
        "exchange.col.outcome",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect();
    let rows: Vec<Vec<TableCell>> = st::lines(&state.db, s.id)
        .await?
        .iter()
        .map(|l| {
            let outcome = t(lang, &format!("exchange.o.{}", l.outcome));
            let reason = reason_text(lang, &l.reason);
            vec![
                TableCell::Int(l.line_no),
                TableCell::Text(l.voucher_number.clone()),
                TableCell::Text(l.request_key.clone()),
                TableCell::Text(format!("{}（{}）", l.provider, l.provider_code)),
                TableCell::Text(services_text(lang, std::slice::from_ref(&l.service))),
                TableCell::Text(l.used_on.to_string()),
                TableCell::Yuan(l.order_total.fen()),
                TableCell::Yuan(l.amount.fen()),
                TableCell::Text(if reason.is_empty() {
                    outcome.into()
                } else {
                    format!("{outcome}：{reason}")
                }),
            ]
        })
        .collect();
    table(&s.month, &head, &rows, &format!("statement-{}-{}.xlsx", s.partner_id, s.month))
}
