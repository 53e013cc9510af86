//! The owner's workspace (an institution's or a provider's): requests to approve or refuse,
//! uses to close with their fee or mark as no-shows, the instruments with their state and
//! blackouts, the form to record one and the sheet to import many.
use super::booking::{BookingLine, booking_line};
use super::{
    category_name, own_organisation, owned_booking, owned_instrument, refused_on, status_name, yuan,
};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ShareInstruments, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::tf;
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveTime};
use innocity_core::access::Principal;
use innocity_core::sharing::booking::Span;
use innocity_core::sharing::import::COLUMNS;
use innocity_core::sharing::instruments::InstrumentForm;
use innocity_store::sharing::{
    self as store, BookingQuery, BookingStatus, InstrumentQuery, InstrumentStatus, Usage,
};
use serde::Deserialize;

/// The organisation whose instruments the principal manages.
pub fn owner_of(ctx: &Ctx, p: &Principal) -> AppResult<i64> {
    own_organisation(p).ok_or_else(|| ctx.err(AppError::forbidden()))
}

/// A field of the instrument form: its name, label key, value and input type.
pub(super) struct FormField {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub kind: &'static str,
    pub select: bool,
    pub wide: bool,
}

struct OwnedLine {
    id: i64,
    code: String,
    name: String,
    category: String,
    value_wan: String,
    price_enterprise: String,
    status_code: &'static str,
}

#[derive(Template)]
#[template(path = "sharing_mine.html")]
struct OwnerPage {
    s: Shell,
    requests: Vec<BookingLine>,
    to_close: Vec<BookingLine>,
    upcoming: Vec<BookingLine>,
    instruments: Vec<OwnedLine>,
    statuses: Vec<Choice>,
    categories: Vec<Choice>,
    form: InstrumentForm,
    errors: Vec<(String, String)>,
    notice: String,
    evaluations: Vec<super::evaluation::OwnResult>,
}

impl OwnerPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }

    fn fields(&self) -> Vec<FormField> {
        form_fields(&self.form)
    }
}

/// A blank instrument form with the usual rules filled in.
fn blank_form() -> InstrumentForm {
    InstrumentForm {
        opens: "08:30".into(),
        closes: "17:30".into(),
        days: "12345".into(),
        min_minutes: "30".into(),
        max_minutes: "480".into(),
        notice_hours: "24".into(),
        buffer_minutes: "0".into(),
        approval: "1".into(),
        cancel_hours: "24".into(),
        ..InstrumentForm::default()
    }
}

async fn owner_page(
    state: &AppState,
    a: &Auth<ShareInstruments>,
    form: InstrumentForm,
    errors: Vec<(String, String)>,
    notice: String,
) -> AppResult<OwnerPage> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let owner = owner_of(ctx, &a.principal)?;
    let q = BookingQuery { owner_id: Some(owner), limit: 1000, ..BookingQuery::default() };
    let now = ctx.clock.now_ms();
    let (mut requests, mut to_close, mut upcoming) = (Vec::new(), Vec::new(), Vec::new());
    for b in store::bookings(&state.db, &q).await? {
        match b.status {
            BookingStatus::Requested if b.starts_at > now => requests.push(booking_line(ctx, b)),
            BookingStatus::Approved if b.starts_at <= now => to_close.push(booking_line(ctx, b)),
            BookingStatus::Approved => upcoming.push(booking_line(ctx, b)),
            _ => {}
        }
    }
    requests.reverse();
    upcoming.reverse();
    let iq = InstrumentQuery {
        owner_id: Some(owner),
        all_states: true,
        limit: 500,
        ..InstrumentQuery::default()
    };
    let instruments = store::instruments(&state.db, &iq)
        .await?
        .0
        .into_iter()
        .map(|i| OwnedLine {
            id: i.id,
            code: i.item.code,
            name: i.item.name,
            category: category_name(lang, &i.item.category),
            value_wan: i.item.value.wan_text(),
            price_enterprise: yuan(lang, i.item.prices.enterprise),
            status_code: i.status.code(),
        })
        .collect();
    Ok(OwnerPage {
        s: ctx.shell(),
        requests,
        to_close,
        upcoming,
        instruments,
        statuses: InstrumentStatus::ALL
            .iter()
            .map(|x| Choice::new(x.code(), status_name(lang, x.code()), false))
            .collect(),
        categories: super::catalogue::category_choices(lang, &form.category),
        form,
        errors,
        notice,
        evaluations: super::evaluation::own_results(state, ctx, owner).await?,
    })
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    pub imported: Option<usize>,
}

/// The owner's workspace.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
) -> AppResult<Response> {
    let notice = q
        .imported
        .map(|n| tf(a.ctx.lang, "sharing.imported", &[n.to_string()]))
        .unwrap_or_default();
    Ok(render(&owner_page(&state, &a, blank_form(), vec![], notice).await?))
}

/// Records an instrument typed into the form.
pub async fn add(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let form: InstrumentForm = parse_form(ctx, &body)?;
    let owner = owner_of(ctx, &a.principal)?;
    let errors = match form.parse() {
        Ok(item) => match store::add_instruments(&state.db, owner, &[item], ctx.actor()).await {
            Ok(ids) => {
                let id = ids.first().copied().unwrap_or_default();
                return Ok(Redirect::to(&format!("/sharing/instruments/{id}")).into_response());
            }
            Err(innocity_store::StoreError::Sharing(r)) => {
                vec![("code".to_string(), super::refusal_text(ctx.lang, &r))]
            }
            Err(e) => return Err(e.into()),
        },
        Err(problems) => crate::orgs::field_messages(ctx.lang, &problems),
    };
    let page = owner_page(&state, &a, form, errors, String::new()).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// Imports an instrument sheet: every row or none, each problem by its line and column.
pub async fn import(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let owner = owner_of(ctx, &a.principal)?;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    if !name.to_lowercase().ends_with(".xlsx") {
        return Err(ctx.err(
            AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "file_type", "err.file.type")
                .args(vec![name]),
        ));
    }
    let read = crate::blocking::run(move || {
        use crate::sheet::{Limits, Which, read};
        let sheet = read(&bytes, Which::First, Limits::UPLOAD)
            .map_err(crate::stats::files::sheet_errors)?;
        let rows = sheet.dense_within(Limits::UPLOAD).map_err(crate::stats::files::sheet_errors)?;
        innocity_core::sharing::import::read_rows(&rows, &sheet.name)
    })
    .await;
    let items = match read {
        Some(Ok(items)) => items,
        Some(Err(places)) => return Err(crate::stats::file_errors(ctx, &name, &places)),
        None => return Err(ctx.err(AppError::internal(""))),
    };
    let n = items.len();
    store::add_instruments(&state.db, owner, &items, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "file", e))?;
    let to = format!("/sharing/mine?imported={n}");
    if ctx.htmx {
        return Ok(([("hx-redirect", to)], StatusCode::NO_CONTENT).into_response());
    }
    Ok(Redirect::to(&to).into_response())
}

/// The import sheet: the headers in the user's language and one example row.
pub async fn template(a: Auth<ShareInstruments>) -> AppResult<Response> {
    let lang = a.ctx.lang;
    let head: Vec<&str> = COLUMNS.iter().map(|c| lang.pick(c.1, c.2)).collect();
    let example = [
        "LZU-AT-0031",
        "场发射扫描电子显微镜",
        "分析仪器",
        "Apreo 2S",
        "赛默飞世尔",
        "368.5",
        "榆中校区分析测试中心105室",
        "分辨率 0.9 nm@15 kV",
        "马老师 0931-8912345",
        "08:30",
        "17:30",
        "12345",
        "150",
        "300",
        "450",
        "400",
        "30",
        "240",
        "24",
        "15",
        "是",
        "",
        "600",
        "",
        "24",
    ];
    let row: Vec<crate::http::TableCell> =
        example.iter().map(|s| crate::http::TableCell::Text((*s).to_string())).collect();
    crate::http::table(
        lang.pick("仪器", "Instruments"),
        &head,
        &[row],
        lang.pick("仪器导入模板.xlsx", "instruments-template.xlsx"),
    )
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct StatusInput {
    /// open, paused or retired.
    pub status: String,
}

pub async fn set_status(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    status: &str,
) -> AppResult<()> {
    let ins = owned_instrument(state, ctx, p, id).await?;
    let status = InstrumentStatus::parse(status).ok_or_else(|| {
        crate::subjects::api::invalid(
            ctx,
            vec![("status".into(), crate::i18n::t(ctx.lang, "err.choose").into())],
        )
    })?;
    store::set_status(&state.db, ins.id, status, ctx.actor()).await.map_err(|e| ctx.err(e.into()))
}

pub async fn status(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let input: StatusInput = parse_form(&a.ctx, &body)?;
    set_status(&state, &a.ctx, &a.principal, &id, &input.status).await?;
    Ok(Redirect::to("/sharing/mine#instruments").into_response())
}

/// A blackout as typed: a day from and to, times, a reason.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct BlackoutInput {
    /// `YYYY-MM-DD`.
    pub from_date: String,
    /// `HH:MM`.
    pub from_time: String,
    pub to_date: String,
    pub to_time: String,
    pub reason: String,
}

fn local(date: &str, time: &str) -> Option<chrono::NaiveDateTime> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| innocity_core::sharing::booking::usable_date(*d))?;
    let t = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    Some(d.and_time(t))
}

pub async fn add_blackout(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    b: &BlackoutInput,
) -> AppResult<i64> {
    let ins = owned_instrument(state, ctx, p, id).await?;
    let bad = |field: &str, v: &str| {
        let msg = tf(ctx.lang, "sharing.err.date_time", &[v.trim().to_string()]);
        crate::subjects::api::invalid(ctx, vec![(field.to_string(), msg)])
    };
    let start = local(&b.from_date, &b.from_time).ok_or_else(|| bad("from_date", &b.from_date))?;
    let end = local(&b.to_date, &b.to_time).ok_or_else(|| bad("to_date", &b.to_date))?;
    store::add_blackout(&state.db, ins.id, Span { start, end }, &b.reason, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "reason", e))
}

pub async fn blackout(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let input: BlackoutInput = parse_form(&a.ctx, &body)?;
    add_blackout(&state, &a.ctx, &a.principal, &id, &input).await?;
    Ok(Redirect::to(&format!("/sharing/instruments/{id}?week={}", input.from_date.trim()))
        .into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct DecideInput {
    /// approve or refuse.
    pub decision: String,
    /// Required to refuse.
    #[serde(default)]
    pub reason: String,
}

pub async fn decide_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    d: &DecideInput,
) -> AppResult<()> {
    let b = owned_booking(state, ctx, p, id).await?;
    let approve = match d.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => {
            let msg = crate::i18n::t(ctx.lang, "err.choose").to_string();
            return Err(crate::subjects::api::invalid(ctx, vec![("decision".into(), msg)]));
        }
    };
    store::decide(&state.db, b.id, approve, &d.reason, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "reason", e))
}

pub async fn decide(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let input: DecideInput = parse_form(&a.ctx, &body)?;
    decide_as(&state, &a.ctx, &a.principal, &id, &input).await?;
    Ok(Redirect::to("/sharing/mine#requests").into_response())
}

/// The actual use as typed: times on the booking's day, the operator and the result.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct CloseInput {
    /// `HH:MM`.
    pub actual_from: String,
    /// `HH:MM`.
    pub actual_to: String,
    #[serde(default)]
    pub operator: String,
    /// What was delivered (data, report number).
    #[serde(default)]
    pub result: String,
}

pub async fn close_as(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
    c: &CloseInput,
) -> AppResult<innocity_core::projects::money::Money> {
    let b = owned_booking(state, ctx, p, id).await?;
    let day = ctx.clock.local_of_ms(b.starts_at).map(|t| t.date()).unwrap_or_default();
    let at = |field: &str, v: &str| {
        NaiveTime::parse_from_str(v.trim(), "%H:%M").map(|t| day.and_time(t)).map_err(|_| {
            let msg = tf(ctx.lang, "sharing.err.time", &[v.trim().to_string()]);
            crate::subjects::api::invalid(ctx, vec![(field.to_string(), msg)])
        })
    };
    let actual =
        Span { start: at("actual_from", &c.actual_from)?, end: at("actual_to", &c.actual_to)? };
    let usage = Usage { actual, operator: c.operator.clone(), result: c.result.clone() };
    store::close(&state.db, b.id, &usage, ctx.actor())
        .await
        .map_err(|e| refused_on(ctx, "actual_to", e))
}

pub async fn close(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let input: CloseInput = parse_form(&a.ctx, &body)?;
    close_as(&state, &a.ctx, &a.principal, &id, &input).await?;
    Ok(Redirect::to("/sharing/mine#to-close").into_response())
}

pub async fn no_show_as(state: &AppState, ctx: &Ctx, p: &Principal, id: &str) -> AppResult<()> {
    let b = owned_booking(state, ctx, p, id).await?;
    store::no_show(&state.db, b.id, ctx.actor()).await.map_err(|e| ctx.err(e.into()))
}

pub async fn no_show(
    State(state): State<AppState>,
    a: Auth<ShareInstruments>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    no_show_as(&state, &a.ctx, &a.principal, &id).await?;
    Ok(Redirect::to("/sharing/mine#to-close").into_response())
}

/// The instrument form's fields in order, for the page that records one and the page that edits.
pub(super) fn form_fields(f: &InstrumentForm) -> Vec<FormField> {
    let label = |name: &str| format!("sharing.f.{name}");
    [
        ("code", &f.code, ""),
        ("name", &f.name, ""),
        ("category", &f.category, ""),
        ("model", &f.model, ""),
        ("maker", &f.maker, ""),
        ("value_wan", &f.value_wan, ""),
        ("location", &f.location, ""),
        ("contact", &f.contact, ""),
        ("opens", &f.opens, "time"),
        ("closes", &f.closes, "time"),
        ("days", &f.days, ""),
        ("price_own", &f.price_own, ""),
        ("price_academic", &f.price_academic, ""),
        ("price_enterprise", &f.price_enterprise, ""),
        ("price_voucher", &f.price_voucher, ""),
        ("min_minutes", &f.min_minutes, "number"),
        ("max_minutes", &f.max_minutes, "number"),
        ("notice_hours", &f.notice_hours, "number"),
        ("buffer_minutes", &f.buffer_minutes, "number"),
        ("approval", &f.approval, ""),
        ("quota_day", &f.quota_day, "number"),
        ("quota_week", &f.quota_week, "number"),
        ("quota_month", &f.quota_month, "number"),
        ("cancel_hours", &f.cancel_hours, "number"),
        ("parameters", &f.parameters, ""),
    ]
    .into_iter()
    .map(|(name, v, kind)| FormField {
        name,
        label: label(name),
        value: v.clone(),
        kind,
        select: name == "category",
        wide: name == "parameters",
    })
    .collect()
}
