//! Qualification certificates (bureau and zones): recorded one by one or from an XLSX (all or
//! nothing, every problem named by row and column), listed in scope with what expires within
//! 90 days, exported to Excel; the same through the API. Calls' eligibility and the
//! self-evaluation read them.
use super::api::reach;
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageSubjects, parse_form};
use crate::error::{AppError, AppResult};
use crate::http::TableCell;
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render, render_status};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::subjects::certificates::{
    Certificate, CertificateInput, Kind, KindInput, REMIND_DAYS, read_rows,
};
use innocity_store::StoreError;
use innocity_store::subjects::CertificateRefusal;
use innocity_store::subjects::certificates::{self as store, CertificateQuery, CertificateRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
pub struct CertificatesQuery {
    /// An org unit's code (default: the caller's whole scope).
    pub unit: Option<String>,
    /// A qualification kind's code.
    pub kind: Option<String>,
    /// Only those expiring within 90 days (`1`).
    pub expiring: Option<String>,
    /// `xlsx`: the list as an Excel file (pages only).
    pub format: Option<String>,
    /// After a change (pages only): recorded or imported, and how many.
    pub notice: Option<String>,
    pub n: Option<usize>,
}

fn kind_name(lang: Lang, kinds: &[Kind], code: &str) -> String {
    kinds
        .iter()
        .find(|k| k.code == code)
        .map_or(code.to_string(), |k| lang.pick(&k.name_zh, &k.name_en).to_string())
}

async fn listed(
    state: &AppState,
    ctx: &Ctx,
    scope: &innocity_core::access::Scope,
    q: &CertificatesQuery,
) -> AppResult<Vec<CertificateRow>> {
    let path = reach(state, ctx, scope, q.unit.as_deref()).await?;
    let today = ctx.today();
    let expiring = (q.expiring.as_deref() == Some("1"))
        .then(|| (today, today + chrono::Duration::days(REMIND_DAYS)));
    let query = CertificateQuery {
        within: &path,
        kind: q.kind.as_deref().filter(|k| !k.is_empty()),
        expiring,
    };
    Ok(store::certificates(&state.db, &query).await?)
}

struct Line {
    organisation_id: i64,
    name: String,
    credit_code: String,
    kind: String,
    number: String,
    issued_on: String,
    valid_until: String,
    /// `expired`, `soon` or empty.
    state: &'static str,
}

#[derive(Template)]
#[template(path = "subjects_certificates.html")]
struct CertificatesPage {
    s: Shell,
    lines: Vec<Line>,
    kinds: Vec<Choice>,
    units: Vec<Choice>,
    expiring: bool,
    soon: usize,
    input: CertificateInput,
    errors: Vec<(String, String)>,
    export_href: String,
    notice: String,
    /// Every kind with its validity, and whether the caller may add one (the bureau).
    kind_lines: Vec<(String, String, u32)>,
    may_define: bool,
    kind_input: KindInput,
}

impl CertificatesPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

/// The certificates as the list shows them, each flagged when it ran out or runs out soon.
fn lines_of(
    lang: Lang,
    kinds: &[Kind],
    rows: &[CertificateRow],
    today: chrono::NaiveDate,
) -> Vec<Line> {
    let remind = today + chrono::Duration::days(REMIND_DAYS);
    rows.iter()
        .map(|r| Line {
            organisation_id: r.organisation_id,
            name: r.name.clone(),
            credit_code: r.credit_code.clone(),
            kind: kind_name(lang, kinds, &r.kind),
            number: r.number.clone(),
            issued_on: r.issued_on.clone(),
            valid_until: r.valid_until.to_string(),
            state: if r.valid_until < today {
                "expired"
            } else if r.valid_until <= remind {
                "soon"
            } else {
                ""
            },
        })
        .collect()
}

async fn page_with(
    state: &AppState,
    a: &Auth<ManageSubjects>,
    q: &CertificatesQuery,
    input: CertificateInput,
    errors: Vec<(String, String)>,
) -> AppResult<CertificatesPage> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let kinds = store::kinds(&state.db).await?;
    let rows = listed(state, ctx, &a.principal.scope, q).await?;
    let lines = lines_of(lang, &kinds, &rows, ctx.today());
    let soon = lines.iter().filter(|l| l.state == "soon").count();
    let chosen_kind = q.kind.clone().unwrap_or_default();
    let units =
        super::api::unit_choices(state, lang, &a.principal.scope, q.unit.as_deref()).await?;
    let query = serde_urlencoded::to_string([
        ("unit", q.unit.clone().unwrap_or_default()),
        ("kind", chosen_kind.clone()),
        ("expiring", q.expiring.clone().unwrap_or_default()),
        ("format", "xlsx".to_string()),
    ])
    .unwrap_or_default();
    Ok(CertificatesPage {
        s: ctx.shell(),
        lines,
        kinds: kinds
            .iter()
            .map(|k| {
                Choice::new(
                    &k.code,
                    lang.pick(&k.name_zh, &k.name_en),
                    k.code == chosen_kind || k.code == input.kind,
                )
            })
            .collect(),
        units,
        expiring: q.expiring.as_deref() == Some("1"),
        soon,
        input,
        errors,
        export_href: format!("/subjects/certificates?{query}"),
        kind_lines: kinds
            .iter()
            .map(|k| {
                (k.code.clone(), lang.pick(&k.name_zh, &k.name_en).to_string(), k.validity_years)
            })
            .collect(),
        may_define: a.principal.scope == innocity_core::access::Scope::All,
        kind_input: KindInput::default(),
        notice: match q.notice.as_deref() {
            Some("recorded") => t(lang, "subj.cert.recorded").to_string(),
            Some("imported") => tf(lang, "subj.cert.imported", &[q.n.unwrap_or(0).to_string()]),
            Some("kind") => t(lang, "subj.kind.added").to_string(),
            _ => String::new(),
        },
    })
}

/// The certificates in scope (or their XLSX), with the forms to record one or a file of them.
pub async fn page(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Query(q): Query<CertificatesQuery>,
) -> AppResult<Response> {
    if q.format.as_deref() == Some("xlsx") {
        return export(&state, &a, &q).await;
    }
    let page = page_with(&state, &a, &q, CertificateInput::default(), vec![]).await?;
    Ok(render(&page))
}

async fn export(
    state: &AppState,
    a: &Auth<ManageSubjects>,
    q: &CertificatesQuery,
) -> AppResult<Response> {
    let lang = a.ctx.lang;
    let kinds = store::kinds(&state.db).await?;
    let rows = listed(state, &a.ctx, &a.principal.scope, q).await?;
    let head = [
        "subj.cert.col.name",
        "subj.cert.col.credit_code",
        "subj.cert.col.kind",
        "subj.cert.col.number",
        "subj.cert.col.issued_on",
        "subj.cert.col.valid_until",
    ]
    .map(|k| t(lang, k));
    let cells: Vec<Vec<TableCell>> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.credit_code.clone(),
                kind_name(lang, &kinds, &r.kind),
                r.number.clone(),
                r.issued_on.clone(),
                r.valid_until.to_string(),
            ]
            .map(TableCell::Text)
            .to_vec()
        })
        .collect();
    crate::http::table(t(lang, "subj.cert.title"), &head, &cells, "certificates.xlsx")
}

/// An organisation's certificates as its page shows them: kind, number, valid until, and
/// whether it has run out or runs out within 90 days.
pub async fn of_organisation(
    state: &AppState,
    ctx: &Ctx,
    organisation_id: i64,
) -> AppResult<Vec<(String, String, String, &'static str)>> {
    let kinds = store::kinds(&state.db).await?;
    let today = ctx.today();
    let remind = today + chrono::Duration::days(REMIND_DAYS);
    Ok(store::of_organisation(&state.db, organisation_id)
        .await?
        .into_iter()
        .map(|r| {
            let state = if r.valid_until < today {
                "expired"
            } else if r.valid_until <= remind {
                "soon"
            } else {
                ""
            };
            (kind_name(ctx.lang, &kinds, &r.kind), r.number, r.valid_until.to_string(), state)
        })
        .collect())
}

/// The words of a refusal, by field.
fn refusal_messages(
    lang: Lang,
    refusals: &[CertificateRefusal],
    place: impl Fn(usize) -> String,
) -> Vec<(String, String)> {
    refusals
        .iter()
        .map(|r| match r {
            CertificateRefusal::Unregistered { at, credit_code } => (
                place(*at),
                tf(lang, "subj.cert.err.unregistered", std::slice::from_ref(credit_code)),
            ),
            CertificateRefusal::OutOfScope { at, credit_code } => (
                place(*at),
                tf(lang, "subj.cert.err.out_of_scope", std::slice::from_ref(credit_code)),
            ),
        })
        .collect()
}

/// Records certificates, or the messages of why not (the refusals by `place`).
async fn record(
    state: &AppState,
    a: &Auth<ManageSubjects>,
    certificates: &[Certificate],
    place: impl Fn(usize) -> String,
) -> AppResult<Result<usize, Vec<(String, String)>>> {
    let path = reach(state, &a.ctx, &a.principal.scope, None).await?;
    match store::record(&state.db, certificates, &path, a.ctx.actor()).await {
        Ok(n) => Ok(Ok(n)),
        Err(StoreError::Certificates(refusals)) => {
            Ok(Err(refusal_messages(a.ctx.lang, &refusals, place)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Records one certificate typed into the page's form.
pub async fn add(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: CertificateInput = parse_form(ctx, &body)?;
    let kinds = store::kinds(&state.db).await?;
    let errors = match input.check(&kinds) {
        Ok(c) => match record(&state, &a, &[c], |_| "credit_code".to_string()).await? {
            Ok(_) => {
                return Ok(Redirect::to("/subjects/certificates?notice=recorded").into_response());
            }
            Err(messages) => messages,
        },
        Err(problems) => crate::orgs::field_messages(ctx.lang, &problems),
    };
    let page = page_with(&state, &a, &CertificatesQuery::default(), input, errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// Records the certificates of an XLSX (its first sheet: 统一社会信用代码, 资质类别, 证书编号,
/// 发证日期, 有效期至): all of them, or none with every problem named by row and column.
pub async fn import(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    if !name.to_lowercase().ends_with(".xlsx") {
        return Err(ctx.err(
            AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "file_type", "err.file.type")
                .args(vec![name]),
        ));
    }
    let kinds = store::kinds(&state.db).await?;
    let read = crate::blocking::run(move || {
        let sheet =
            crate::sheet::read(&bytes, crate::sheet::Which::First, crate::sheet::Limits::UPLOAD)
                .map_err(crate::stats::files::sheet_errors)?;
        let rows = sheet
            .dense_within(crate::sheet::Limits::UPLOAD)
            .map_err(crate::stats::files::sheet_errors)?;
        read_rows(&rows, &sheet.name, &kinds)
    })
    .await;
    let certificates = match read {
        Some(Ok(c)) => c,
        Some(Err(places)) => return Err(crate::stats::file_errors(ctx, &name, &places)),
        None => return Err(ctx.err(AppError::internal(""))),
    };
    // The rows of the file are the data rows after the header: row = position + 2.
    let lang = ctx.lang;
    let place = |at: usize| tf(lang, "file.place.line", &[(at + 2).to_string()]);
    match record(&state, &a, &certificates, place).await? {
        Ok(n) => {
            let to = format!("/subjects/certificates?notice=imported&n={n}");
            if ctx.htmx {
                return Ok(([("hx-redirect", to)], StatusCode::NO_CONTENT).into_response());
            }
            Ok(Redirect::to(&to).into_response())
        }
        Err(messages) => {
            let mut e =
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_file", "err.file.invalid")
                    .args(vec![name, messages.len().to_string()]);
            e.fields = messages
                .into_iter()
                .map(|(place, m)| (place.clone(), format!("{place}：{m}")))
                .collect();
            Err(ctx.err(e))
        }
    }
}

/// A certificate as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct ApiCertificate {
    pub organisation_id: i64,
    pub organisation: String,
    pub credit_code: String,
    /// The qualification kind's code (tech_sme, high_tech, specialised, little_giant, gazelle,
    /// or one staff defined).
    pub kind: String,
    pub number: String,
    /// `YYYY-MM-DD`.
    pub issued_on: String,
    /// `YYYY-MM-DD`.
    pub valid_until: String,
}

#[utoipa::path(get, path = "/api/v1/subjects/certificates", params(CertificatesQuery), responses((status = 200, body = Vec<ApiCertificate>), (status = 403, body = ApiError)))]
/// The certificates of the organisations in the caller's scope, soonest expiry first.
pub async fn api_list(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    Query(q): Query<CertificatesQuery>,
) -> AppResult<Json<Vec<ApiCertificate>>> {
    let rows = listed(&state, &a.ctx, &a.principal.scope, &q).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| ApiCertificate {
                organisation_id: r.organisation_id,
                organisation: r.name,
                credit_code: r.credit_code,
                kind: r.kind,
                number: r.number,
                issued_on: r.issued_on,
                valid_until: r.valid_until.to_string(),
            })
            .collect(),
    ))
}

/// A certificate to record.
#[derive(Deserialize, ToSchema)]
pub struct ApiCertificateInput {
    pub credit_code: String,
    pub kind: String,
    pub number: String,
    /// `YYYY-MM-DD`.
    pub issued_on: String,
    /// `YYYY-MM-DD`; omitted: the kind's validity from the issue date.
    #[serde(default)]
    pub valid_until: String,
}

/// How many certificates were recorded.
#[derive(Serialize, ToSchema)]
pub struct ApiRecorded {
    pub recorded: usize,
}

#[utoipa::path(post, path = "/api/v1/subjects/certificates", request_body = ApiCertificateInput, responses((status = 201, body = ApiRecorded), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Records a certificate of an organisation in the caller's scope (it replaces the
/// organisation's earlier one of its kind); every problem named by its field (422).
pub async fn api_add(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let i: ApiCertificateInput = crate::api::json_body(ctx, &headers, &body)?;
    let input = CertificateInput {
        credit_code: i.credit_code,
        kind: i.kind,
        number: i.number,
        issued_on: i.issued_on,
        valid_until: i.valid_until,
    };
    let kinds = store::kinds(&state.db).await?;
    let refused = |fields| super::api::invalid(ctx, fields);
    let c = input.check(&kinds).map_err(|p| refused(crate::orgs::field_messages(ctx.lang, &p)))?;
    match record(&state, &a, &[c], |_| "credit_code".to_string()).await? {
        Ok(recorded) => Ok((StatusCode::CREATED, Json(ApiRecorded { recorded })).into_response()),
        Err(messages) => Err(refused(messages)),
    }
}

/// Adds a kind of qualification (bureau staff: the whole city's kinds).
pub async fn add_kind(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let input: KindInput = parse_form(ctx, &body)?;
    match define(&state, &a, &input).await? {
        Ok(()) => Ok(Redirect::to("/subjects/certificates?notice=kind#kinds").into_response()),
        Err(errors) => {
            let mut page = page_with(
                &state,
                &a,
                &CertificatesQuery::default(),
                CertificateInput::default(),
                errors,
            )
            .await?;
            page.kind_input = input;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// Checks and stores a kind; the field messages when it cannot be.
async fn define(
    state: &AppState,
    a: &Auth<ManageSubjects>,
    input: &KindInput,
) -> AppResult<Result<(), Vec<(String, String)>>> {
    if a.principal.scope != innocity_core::access::Scope::All {
        return Err(a.ctx.err(AppError::forbidden()));
    }
    let kinds = store::kinds(&state.db).await?;
    match input.check(&kinds) {
        Ok(kind) => {
            store::add_kind(&state.db, &kind, a.ctx.actor()).await?;
            Ok(Ok(()))
        }
        Err(problems) => Ok(Err(crate::orgs::field_messages(a.ctx.lang, &problems)
            .into_iter()
            .map(|(f, m)| (format!("kind_{f}"), m))
            .collect())),
    }
}

/// A kind of qualification.
#[derive(Serialize, ToSchema)]
pub struct ApiKind {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Years a certificate runs when its expiry is not given (0: it must be given).
    pub validity_years: u32,
}

#[utoipa::path(get, path = "/api/v1/subjects/kinds", responses((status = 200, body = Vec<ApiKind>), (status = 403, body = ApiError)))]
/// Every kind of qualification: the built-in ones, then those the bureau added.
pub async fn api_kinds(
    State(state): State<AppState>,
    _a: Auth<ManageSubjects>,
) -> AppResult<Json<Vec<ApiKind>>> {
    let kinds = store::kinds(&state.db).await?;
    Ok(Json(
        kinds
            .into_iter()
            .map(|k| ApiKind {
                code: k.code,
                name_zh: k.name_zh,
                name_en: k.name_en,
                validity_years: k.validity_years,
            })
            .collect(),
    ))
}

/// A kind to add.
#[derive(Deserialize, ToSchema)]
pub struct ApiKindInput {
    /// Lower-case letters, digits and `_`, 2–32, starting with a letter.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// 0–10.
    pub validity_years: u32,
}

#[utoipa::path(post, path = "/api/v1/subjects/kinds", request_body = ApiKindInput, responses((status = 201, body = ApiKind), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
/// Adds a kind of qualification (bureau staff).
pub async fn api_add_kind(
    State(state): State<AppState>,
    a: Auth<ManageSubjects>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let i: ApiKindInput = crate::api::json_body(ctx, &headers, &body)?;
    let input = KindInput {
        code: i.code.clone(),
        name_zh: i.name_zh.clone(),
        name_en: i.name_en.clone(),
        validity_years: i.validity_years.to_string(),
    };
    match define(&state, &a, &input).await? {
        Ok(()) => Ok((
            StatusCode::CREATED,
            Json(ApiKind {
                code: i.code,
                name_zh: i.name_zh,
                name_en: i.name_en,
                validity_years: i.validity_years,
            }),
        )
            .into_response()),
        Err(fields) => {
            let fields =
                fields.into_iter().map(|(f, m)| (f.trim_start_matches("kind_").to_string(), m));
            Err(super::api::invalid(ctx, fields.collect()))
        }
    }
}
