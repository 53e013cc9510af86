//! The public catalogue of shared instruments, and one instrument's page: what it is, what an
//! hour costs each group, its rules, and its week — free, booked, closed or blacked out — with
//! the booking form for those who may book. No sign-in is needed to look.
use super::{any_instrument, category_name, status_name, yuan};
use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::AppResult;
use crate::i18n::{Lang, t};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use innocity_core::access::Capability;
use innocity_core::sharing::booking::{BookingForm, Span};
use innocity_core::sharing::instruments::{CATEGORIES, UserGroup};
use innocity_store::sharing::{self as store, InstrumentQuery, InstrumentRow};
use serde::Deserialize;
use utoipa::IntoParams;

/// Instruments a page of the catalogue shows.
pub const PAGE_SIZE: i64 = 20;

#[derive(Deserialize, IntoParams, Default)]
pub struct CatalogueQuery {
    /// Part of the name, model, maker, owner or parameters.
    pub q: Option<String>,
    /// A category's code (analysis, physical, computing, electronic, earth, medical, process,
    /// laser, nuclear, special).
    pub category: Option<String>,
    /// `1`: only instruments of 50 万元 and more.
    pub large: Option<String>,
    /// 1-based.
    pub page: Option<i64>,
}

impl CatalogueQuery {
    pub fn to_store(&self, page_size: i64) -> InstrumentQuery {
        let page = self.page.unwrap_or(1).clamp(1, 10_000);
        InstrumentQuery {
            text: self.q.clone(),
            category: self.category.clone(),
            large: self.large.as_deref() == Some("1"),
            limit: page_size,
            offset: (page - 1) * page_size,
            ..InstrumentQuery::default()
        }
    }
}

pub fn category_choices(lang: Lang, chosen: &str) -> Vec<Choice> {
    CATEGORIES.iter().map(|c| Choice::new(c.0, lang.pick(c.1, c.2), c.0 == chosen)).collect()
}

struct InstrumentLine {
    id: i64,
    name: String,
    model: String,
    category: String,
    owner: String,
    value_wan: String,
    large: bool,
    location: String,
    price_enterprise: String,
    price_voucher: String,
}

fn line(lang: Lang, i: InstrumentRow) -> InstrumentLine {
    InstrumentLine {
        id: i.id,
        large: i.item.is_large(),
        name: i.item.name,
        model: [i.item.model, i.item.maker]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" · "),
        category: category_name(lang, &i.item.category),
        owner: i.owner,
        value_wan: i.item.value.wan_text(),
        location: i.item.location,
        price_enterprise: yuan(lang, i.item.prices.enterprise),
        price_voucher: yuan(lang, i.item.prices.voucher),
    }
}

#[derive(Template)]
#[template(path = "sharing_catalogue.html")]
struct CataloguePage {
    s: Shell,
    q: String,
    categories: Vec<Choice>,
    large: bool,
    total: i64,
    lines: Vec<InstrumentLine>,
    page: i64,
    pages: i64,
    prev: String,
    next: String,
    can_share: bool,
    can_book: bool,
}

/// The catalogue: search, category, large ones only; twenty to a page.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CatalogueQuery>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let (rows, total) = store::instruments(&state.db, &q.to_store(PAGE_SIZE)).await?;
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |p: i64| {
        let pairs = [
            ("q", q.q.clone().unwrap_or_default()),
            ("category", q.category.clone().unwrap_or_default()),
            ("large", q.large.clone().unwrap_or_default()),
            ("page", p.to_string()),
        ];
        format!("/sharing?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
    };
    let may = |c: Capability| ctx.principal.as_ref().is_some_and(|p| p.role.allows(c));
    Ok(render(&CataloguePage {
        q: q.q.clone().unwrap_or_default(),
        categories: category_choices(lang, q.category.as_deref().unwrap_or_default()),
        large: q.large.as_deref() == Some("1"),
        total,
        lines: rows.into_iter().map(|i| line(lang, i)).collect(),
        page,
        pages,
        prev: if page > 1 { link(page - 1) } else { String::new() },
        next: if page < pages { link(page + 1) } else { String::new() },
        can_share: may(Capability::ShareInstruments),
        can_book: may(Capability::BookInstruments),
        s: ctx.shell(),
    }))
}

#[derive(Deserialize, IntoParams, Default)]
pub struct WeekQuery {
    /// Any day of the week to show (`YYYY-MM-DD`); this week by default.
    pub week: Option<String>,
    /// A free slot chosen on the calendar, to fill in the booking form.
    pub date: Option<String>,
    pub from: Option<String>,
}

/// The Monday of the week asked for, or of this week.
pub fn monday(ctx: &Ctx, week: Option<&str>) -> NaiveDate {
    let day = week
        .and_then(|w| NaiveDate::parse_from_str(w.trim(), "%Y-%m-%d").ok())
        .filter(|d| innocity_core::sharing::booking::usable_date(*d))
        .unwrap_or_else(|| ctx.today());
    day - Duration::days(day.weekday().num_days_from_monday().into())
}

/// One half hour of one day on the calendar.
pub struct Cell {
    /// free, held, mine, blackout, past or closed.
    pub state: &'static str,
    pub href: String,
    pub title: String,
}

pub struct CalendarRow {
    pub time: String,
    pub cells: Vec<Cell>,
}

/// A week of an instrument, half an hour a row.
pub struct Calendar {
    pub id: i64,
    pub title: String,
    pub prev: String,
    pub next: String,
    /// The Mondays of the weeks before and after.
    pub prev_week: String,
    pub next_week: String,
    pub days: Vec<String>,
    pub rows: Vec<CalendarRow>,
}

const SLOT_MINUTES: i64 = 30;

pub async fn week(
    state: &AppState,
    ctx: &Ctx,
    ins: &InstrumentRow,
    monday: NaiveDate,
) -> AppResult<Calendar> {
    let lang = ctx.lang;
    let start = monday.and_time(NaiveTime::MIN);
    let end = start + Duration::days(7);
    let (from, to) = (ctx.clock.ms_of_local(start), ctx.clock.ms_of_local(end));
    let q = store::BookingQuery {
        instrument_id: Some(ins.id),
        from: Some(from),
        to: Some(to),
        limit: 2000,
        ..Default::default()
    };
    let me = ctx.principal.as_ref().map(|p| p.user_id);
    let held: Vec<(Span, bool)> = store::bookings(&state.db, &q)
        .await?
        .into_iter()
        .filter(|b| {
            !matches!(b.status, store::BookingStatus::Refused | store::BookingStatus::Cancelled)
        })
        .filter_map(|b| Some((super::span_of(ctx, b.starts_at, b.ends_at)?, Some(b.user_id) == me)))
        .collect();
    let blackouts: Vec<(Span, String)> = store::blackouts(&state.db, ins.id, from, to)
        .await?
        .into_iter()
        .filter_map(|b| Some((super::span_of(ctx, b.starts_at, b.ends_at)?, b.reason)))
        .collect();
    let hours = ins.item.hours;
    let now = ctx.clock.now_local();
    let first = hours.opens.format("%H").to_string().parse::<u32>().unwrap_or(8);
    let mut rows = Vec::new();
    let mut at = NaiveTime::from_hms_opt(first, 0, 0).unwrap_or(NaiveTime::MIN);
    while at < hours.closes {
        let cells = (0..7)
            .map(|d| {
                let day = monday + Duration::days(d);
                let slot = Span {
                    start: day.and_time(at),
                    end: day.and_time(at) + Duration::minutes(SLOT_MINUTES),
                };
                cell(ctx, ins, slot, &held, &blackouts, now)
            })
            .collect();
        rows.push(CalendarRow { time: at.format("%H:%M").to_string(), cells });
        match at.overflowing_add_signed(Duration::minutes(SLOT_MINUTES)) {
            (next, 0) => at = next,
            _ => break,
        }
    }
    let url = |d: NaiveDate| format!("/sharing/instruments/{}?week={d}", ins.id);
    Ok(Calendar {
        id: ins.id,
        title: format!(
            "{} — {}",
            day_text(lang, monday),
            day_text(lang, monday + Duration::days(6))
        ),
        prev: url(monday - Duration::days(7)),
        next: url(monday + Duration::days(7)),
        prev_week: (monday - Duration::days(7)).to_string(),
        next_week: (monday + Duration::days(7)).to_string(),
        days: (0..7).map(|d| weekday_text(lang, monday + Duration::days(d))).collect(),
        rows,
    })
}

fn cell(
    ctx: &Ctx,
    ins: &InstrumentRow,
    slot: Span,
    held: &[(Span, bool)],
    blackouts: &[(Span, String)],
    now: NaiveDateTime,
) -> Cell {
    let hours = &ins.item.hours;
    let lang = ctx.lang;
    let open = hours.is_open_on(slot.start.weekday())
        && slot.start.time() >= hours.opens
        && slot.end.time() <= hours.closes
        && slot.end.date() == slot.start.date();
    let plain = |state, title: String| Cell { state, href: String::new(), title };
    if !open {
        return plain("closed", t(lang, "sharing.cal.closed").into());
    }
    if let Some((_, reason)) = blackouts.iter().find(|(b, _)| b.meets(&slot)) {
        return plain("blackout", reason.clone());
    }
    if let Some((_, mine)) = held.iter().find(|(h, _)| h.meets(&slot)) {
        let (state, key) =
            if *mine { ("mine", "sharing.cal.mine") } else { ("held", "sharing.cal.held") };
        return plain(state, t(lang, key).into());
    }
    if slot.start < now {
        return plain("past", String::new());
    }
    Cell {
        state: "free",
        href: format!(
            "/sharing/instruments/{}?week={}&date={}&from={}#book",
            ins.id,
            slot.start.date(),
            slot.start.date(),
            slot.start.format("%H:%M")
        ),
        title: t(lang, "sharing.cal.free").into(),
    }
}

pub fn day_text(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Zh => d.format("%Y年%m月%d日").to_string(),
        Lang::En => d.to_string(),
    }
}

fn weekday_text(lang: Lang, d: NaiveDate) -> String {
    let n = d.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Zh => format!(
            "{} {}",
            ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][n],
            d.format("%m-%d")
        ),
        Lang::En => format!(
            "{} {}",
            ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][n],
            d.format("%m-%d")
        ),
    }
}

#[derive(Template)]
#[template(path = "sharing_calendar.html")]
struct CalendarPart {
    s: Shell,
    cal: Calendar,
}

/// The week alone, for the calendar's previous and next buttons (htmx).
pub async fn calendar(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<WeekQuery>,
) -> AppResult<Response> {
    let ins = any_instrument(&state, &ctx, &id).await?;
    let cal = week(&state, &ctx, &ins, monday(&ctx, q.week.as_deref())).await?;
    Ok(render(&CalendarPart { s: ctx.shell(), cal }))
}

/// A price line: the group and its price an hour.
pub struct PriceLine {
    pub group: String,
    pub price: String,
}

#[derive(Template)]
#[template(path = "sharing_instrument.html")]
pub struct InstrumentPage {
    pub s: Shell,
    pub i: InstrumentRow,
    pub category: String,
    pub status: String,
    pub value_wan: String,
    pub days: String,
    pub prices: Vec<PriceLine>,
    pub voucher_price: String,
    pub quotas: String,
    pub cal: Calendar,
    pub can_book: bool,
    pub owner_view: bool,
    pub form: BookingForm,
    pub errors: Vec<(String, String)>,
    /// The booker's vouchers that can pay: number and what is left.
    pub vouchers: Vec<Choice>,
}

impl InstrumentPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

/// The page of an instrument for the week asked, with the booking form filled as given.
pub async fn instrument_page(
    state: &AppState,
    ctx: &Ctx,
    ins: InstrumentRow,
    week_of: NaiveDate,
    form: BookingForm,
    errors: Vec<(String, String)>,
) -> AppResult<InstrumentPage> {
    let lang = ctx.lang;
    let cal = week(state, ctx, &ins, week_of).await?;
    let principal = ctx.principal.as_ref();
    let prices = UserGroup::ALL
        .iter()
        .map(|g| PriceLine {
            group: t(lang, &format!("sharing.group.{}", g.code())).into(),
            price: yuan(lang, ins.item.prices.per_hour(*g)),
        })
        .collect();
    let r = &ins.item.rules;
    let quota = |key: &str, q: Option<u32>| q.map(|m| format!("{} {m}", t(lang, key)));
    let quotas = [
        quota("sharing.quota.day", r.quota_day),
        quota("sharing.quota.week", r.quota_week),
        quota("sharing.quota.month", r.quota_month),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("；");
    let days: Vec<&str> = ins
        .item
        .hours
        .days_text()
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| {
            let n = d as usize - 1;
            lang.pick(
                ["一", "二", "三", "四", "五", "六", "日"][n],
                ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][n],
            )
        })
        .collect();
    let may = |c: Capability| principal.is_some_and(|p| p.role.allows(c));
    let vouchers = match principal.and_then(super::own_organisation) {
        Some(org) if may(Capability::BookInstruments) => store::vouchers_of(&state.db, org)
            .await?
            .into_iter()
            .filter(|v| v.status == "active" && v.expires_on >= ctx.today())
            .map(|v| {
                let label = crate::i18n::tf(
                    lang,
                    "sharing.voucher_left",
                    &[v.number.clone(), v.balance.wan_text()],
                );
                Choice::new(&v.number, label, v.number == form.voucher)
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(InstrumentPage {
        vouchers,
        category: category_name(lang, &ins.item.category),
        status: status_name(lang, ins.status.code()),
        value_wan: ins.item.value.wan_text(),
        days: days.join(lang.pick("、", ", ")),
        prices,
        voucher_price: yuan(lang, ins.item.prices.voucher),
        quotas,
        cal,
        can_book: may(Capability::BookInstruments) && ins.status == store::InstrumentStatus::Open,
        owner_view: principal.is_some_and(|p| super::owns(p, ins.owner_id, &ins.unit_path)),
        form,
        errors,
        s: ctx.shell(),
        i: ins,
    })
}

/// One instrument: its record, prices and rules, its week, and the booking form.
pub async fn view(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<WeekQuery>,
) -> AppResult<Response> {
    let ins = any_instrument(&state, &ctx, &id).await?;
    let from = q.from.clone().unwrap_or_default();
    let to = NaiveTime::parse_from_str(&from, "%H:%M")
        .map(|f| {
            let minutes =
                i64::from(ins.item.rules.min_minutes.max(60).min(ins.item.rules.max_minutes));
            (f + Duration::minutes(minutes)).format("%H:%M").to_string()
        })
        .unwrap_or_default();
    let form = BookingForm {
        date: q.date.clone().unwrap_or_default(),
        from,
        to,
        ..BookingForm::default()
    };
    let monday = monday(&ctx, q.week.as_deref().or(q.date.as_deref()));
    Ok(render(&instrument_page(&state, &ctx, ins, monday, form, vec![]).await?))
}
