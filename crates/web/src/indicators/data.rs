//! The frameworks and their data: the list, yearbook imports, refreshing from the returns,
//! importing a framework.
use super::{NoticeQuery, find, name, notice_text};
use crate::app::AppState;
use crate::auth::{Auth, ManageIndicators, ViewIndicators};
use crate::error::{AppError, AppResult};
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use innocity_core::access::Capability;
use innocity_core::indicators::targets::{self, Framework};
use innocity_core::stats::long::PlaceError;

#[derive(Template)]
#[template(path = "indicators_list.html")]
struct ListPage {
    s: Shell,
    frameworks: Vec<FrameworkLine>,
    manager: bool,
    notice: String,
    /// A framework definition being imported, and what is wrong with it.
    body: String,
    errors: Vec<String>,
}

/// A framework in the list: code, name, source, how many indicators, whether its dashboard is
/// public.
struct FrameworkLine {
    code: String,
    name: String,
    source: String,
    indicators: usize,
    public: bool,
}

impl FrameworkLine {
    fn new(lang: crate::i18n::Lang, f: &Framework, public: bool) -> FrameworkLine {
        FrameworkLine {
            code: f.code.clone(),
            name: name(lang, &f.name_zh, &f.name_en),
            source: f.source.clone(),
            indicators: f.targets.len(),
            public,
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    a: Auth<ViewIndicators>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let lang = a.ctx.lang;
    let public = state.public_frameworks().await?;
    let all = innocity_store::indicators::frameworks(&state.db).await?;
    let frameworks =
        all.iter().map(|f| FrameworkLine::new(lang, f, public.contains(&f.code))).collect();
    Ok(render(&ListPage {
        s: a.ctx.shell(),
        frameworks,
        manager: a.principal.role.allows(Capability::ManageIndicators),
        notice: notice_text(lang, &q),
        body: String::new(),
        errors: vec![],
    }))
}

/// Yearbook values (CSV, or the first sheet of an XLSX: unit code, period, indicator, value)
/// for the indicators of every framework: all of the file or nothing, every problem named by
/// its row and column.
pub async fn import(
    State(state): State<AppState>,
    a: Auth<ManageIndicators>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    let lower = name.to_lowercase();
    if !lower.ends_with(".csv") && !lower.ends_with(".xlsx") {
        return Err(ctx.err(
            AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "file_type", "err.file.type")
                .args(vec![name]),
        ));
    }
    let read = crate::blocking::run(move || {
        if lower.ends_with(".csv") { yearbook_csv(&bytes) } else { yearbook_xlsx(&bytes) }
    })
    .await;
    let (rows, sheet) = match read {
        Some(Ok(read)) => read,
        Some(Err(places)) => return Err(crate::stats::file_errors(ctx, &name, &places)),
        None => return Err(ctx.err(AppError::internal(""))),
    };
    let frameworks = innocity_store::indicators::frameworks(&state.db).await?;
    let indicators: Vec<String> =
        frameworks.iter().flat_map(|f| f.targets.iter().map(|t| t.code.clone())).collect();
    let units = state.units().await?;
    let codes: Vec<String> = units.iter().map(|u| u.code.clone()).collect();
    let read = targets::read_yearbook(&rows, &sheet, &indicators, &codes)
        .map_err(|e| crate::stats::file_errors(ctx, &name, &e))?;
    let values: Vec<innocity_store::indicators::IndicatorValue> = read
        .into_iter()
        .filter_map(|r| {
            units.iter().find(|u| u.code == r.unit).map(|u| {
                innocity_store::indicators::IndicatorValue {
                    indicator: r.indicator,
                    org_unit_id: u.id,
                    period: r.period,
                    value: r.value,
                    source: "import".into(),
                }
            })
        })
        .collect();
    let n = innocity_store::indicators::import(&state.db, &values, ctx.actor()).await?;
    let to = format!("/indicators?notice=imported&n={n}");
    if ctx.htmx {
        return Ok(([("hx-redirect", to)], StatusCode::NO_CONTENT).into_response());
    }
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// A yearbook CSV's rows as texts; every record that cannot be read is named by its line.
fn yearbook_csv(bytes: &[u8]) -> Result<(Vec<Vec<String>>, String), Vec<PlaceError>> {
    let rows =
        innocity_core::stats::long::csv_rows(bytes, innocity_core::stats::long::UPLOAD_RECORDS)?;
    Ok((rows, String::new()))
}

/// The first sheet of a yearbook XLSX, within the upload limits.
fn yearbook_xlsx(bytes: &[u8]) -> Result<(Vec<Vec<String>>, String), Vec<PlaceError>> {
    let sheet = crate::sheet::read(bytes, crate::sheet::Which::First, crate::sheet::Limits::UPLOAD)
        .map_err(crate::stats::files::sheet_errors)?;
    let rows = sheet
        .dense_within(crate::sheet::Limits::UPLOAD)
        .map_err(crate::stats::files::sheet_errors)?;
    Ok((rows, sheet.name.clone()))
}

#[derive(serde::Deserialize)]
struct RefreshForm {
    #[serde(default)]
    _csrf: String,
}

/// Recomputes a framework's statistics-based indicators from the returns of its last years.
pub async fn refresh(
    State(state): State<AppState>,
    a: Auth<ManageIndicators>,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let _: RefreshForm = crate::auth::parse_form(ctx, &body)?;
    let f = find(&state, ctx, &code).await?;
    let last = (ctx.today().format("%Y").to_string().parse::<i32>().unwrap_or(2026)) - 1;
    let periods: Vec<String> = (last - 4..=last).map(|y| y.to_string()).collect();
    let mut n =
        innocity_store::indicators::from_statistics(&state.db, &f, &periods, ctx.actor()).await?;
    // The registers (contracts, certificates, carriers, talent) up to the running year.
    let years: Vec<i32> = (last - 4..=last + 1).collect();
    n += innocity_store::indicators::from_register(&state.db, &f, &years, ctx.actor()).await?;
    // And by quarter, last year's and this year's (本年累计): the quick reports and the registers.
    let quarters = innocity_store::indicators::quarters_to_date(ctx.today());
    let codes: Vec<String> = quarters.iter().map(|q| q.to_string()).collect();
    n += innocity_store::indicators::from_statistics(&state.db, &f, &codes, ctx.actor()).await?;
    n += innocity_store::indicators::from_register(&state.db, &f, &quarters, ctx.actor()).await?;
    n += innocity_store::indicators::aggregate(&state.db, &f, ctx.actor()).await?;
    Ok(axum::response::Redirect::to(&format!("/indicators/{}?notice=refreshed&n={n}", f.code))
        .into_response())
}

#[derive(serde::Deserialize)]
struct FrameworkForm {
    #[serde(default)]
    body: String,
}

/// Imports a framework (TOML, as the built-in ones): refused whole, naming the line or the
/// indicator at fault; a framework with an existing code replaces it.
pub async fn import_framework(
    State(state): State<AppState>,
    a: Auth<ManageIndicators>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let form: FrameworkForm = crate::auth::parse_form(ctx, &body)?;
    match Framework::from_toml("framework.toml", &form.body) {
        Ok(f) => {
            innocity_store::indicators::add_framework(&state.db, &f.code, &form.body, ctx.actor())
                .await?;
            Ok(axum::response::Redirect::to("/indicators?notice=framework").into_response())
        }
        Err(errors) => {
            let public = state.public_frameworks().await?;
            let all = innocity_store::indicators::frameworks(&state.db).await?;
            let frameworks =
                all.iter().map(|f| FrameworkLine::new(lang, f, public.contains(&f.code))).collect();
            let page = ListPage {
                s: ctx.shell(),
                frameworks,
                manager: true,
                notice: String::new(),
                body: form.body,
                errors: errors.iter().map(|e| e.to_string()).collect(),
            };
            let mut r = render(&page);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}
