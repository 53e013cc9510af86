//! The statistical forms: the list, importing definitions, one form's elements and rules,
//! deadlines.
use super::overview::recent_periods;
use super::{
    AreaQuery, actor, bad_field, catalogue, element_name, find_form, form_name, parse_period,
};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageStatForms, ViewStats, parse_form};
use crate::error::AppResult;
use crate::i18n::t;
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal};
use innocity_core::stats::{Catalogue, Form, FormKind};
use innocity_store::stats as store;

pub struct FormSummary {
    pub form: Form,
    pub name: String,
    pub rules: usize,
    pub kind: &'static str,
    pub periodicity: String,
}

#[derive(Template)]
#[template(path = "stats_forms.html")]
struct FormsPage {
    s: Shell,
    forms: Vec<FormSummary>,
    files: Vec<DefinitionFile>,
    manager: bool,
    name: String,
    body: String,
    errors: Vec<String>,
    notice: String,
}

/// An imported definition file: its name, who imported it and when.
struct DefinitionFile {
    name: String,
    by: String,
    at: i64,
}

async fn forms_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    name: String,
    body: String,
    errors: Vec<String>,
    notice: &str,
) -> AppResult<FormsPage> {
    let cat = catalogue(state, ctx).await?;
    let files = store::definitions(&state.db)
        .await?
        .into_iter()
        .map(|(name, _, by, at)| DefinitionFile { name, by, at })
        .collect();
    let forms = cat
        .forms
        .iter()
        .map(|f| FormSummary {
            name: form_name(ctx.lang, f),
            rules: cat.rules.iter().filter(|r| r.form == f.code).count(),
            kind: if f.kind == FormKind::Grid { "stats.kind.grid" } else { "stats.kind.roster" },
            periodicity: t(ctx.lang, &format!("periodicity.{:?}", f.periodicity).to_lowercase())
                .into(),
            form: f.clone(),
        })
        .collect();
    Ok(FormsPage {
        s: ctx.shell(),
        forms,
        files,
        manager: p.role.allows(Capability::ManageStatForms),
        name,
        body,
        errors,
        notice: notice.into(),
    })
}

pub async fn forms(
    State(state): State<AppState>,
    a: Auth<ViewStats>,
    Query(q): Query<AreaQuery>,
) -> AppResult<Response> {
    let notice = if q.notice.as_deref() == Some("stats.imported") { "stats.imported" } else { "" };
    Ok(render(
        &forms_page(&state, &a.ctx, &a.principal, String::new(), String::new(), vec![], notice)
            .await?,
    ))
}

#[derive(serde::Deserialize)]
struct ImportForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    body: String,
}

/// Imports a definitions file typed or pasted by bureau staff: it must read together with the
/// built-in and earlier files, or nothing is stored and every problem is shown with its place.
pub async fn import_forms(
    State(state): State<AppState>,
    a: Auth<ManageStatForms>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ImportForm = parse_form(ctx, &body)?;
    let name = f.name.trim().to_string();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(t(ctx.lang, "err.stats.definition_name").to_string());
    }
    if f.body.trim().is_empty() {
        errors.push(t(ctx.lang, "err.stats.definition_empty").to_string());
    }
    if errors.is_empty() {
        let mut files: Vec<(String, String)> = innocity_core::stats::BUILT_IN
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        files.extend(store::definitions(&state.db).await?.into_iter().map(|(n, b, _, _)| (n, b)));
        files.push((name.clone(), f.body.clone()));
        if let Err(es) = Catalogue::from_files(files) {
            errors.extend(es.iter().map(|e| e.to_string()));
        }
    }
    if !errors.is_empty() {
        let mut r = render(&forms_page(&state, ctx, &a.principal, name, f.body, errors, "").await?);
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    store::add_definition(&state.db, &name, &f.body, actor(ctx)).await?;
    state.catalogue_changed();
    Ok(Redirect::to("/stats/forms?notice=stats.imported").into_response())
}

#[derive(Template)]
#[template(path = "stats_form.html")]
struct FormPage {
    s: Shell,
    form: Form,
    name: String,
    elements: Vec<ElementRow>,
    rules: Vec<innocity_core::stats::Rule>,
    manager: bool,
    periods: Vec<PeriodWindow>,
    notice: String,
}

/// A data element of the form: code, name, value type, unit, options.
struct ElementRow {
    code: String,
    name: String,
    value_type: String,
    unit: String,
    options: String,
}

/// A recent period of the form, its reporting window and the deadline set for it, if any.
struct PeriodWindow {
    period: String,
    window: String,
    deadline: String,
}

impl FormPage {
    fn op(&self, r: &innocity_core::stats::Rule) -> String {
        serde_json::to_value(r.operator)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    }
}

pub async fn form_view(
    State(state): State<AppState>,
    a: Auth<ViewStats>,
    Path(code): Path<String>,
    Query(q): Query<AreaQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let cat = catalogue(&state, ctx).await?;
    let form = find_form(ctx, &cat, &code)?;
    let elements = form
        .elements
        .iter()
        .filter_map(|c| cat.element(c))
        .map(|e| {
            let options = cat
                .options_of(e)
                .iter()
                .chain(e.options.iter())
                .map(|o| format!("{} {}", o.code, lang.pick(&o.name_zh, &o.name_en)))
                .collect::<Vec<_>>()
                .join("、");
            ElementRow {
                code: e.code.clone(),
                name: element_name(lang, e).to_string(),
                value_type: t(
                    lang,
                    &format!(
                        "vtype.{}",
                        serde_json::to_value(e.value_type)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default()
                    ),
                )
                .to_string(),
                unit: e.unit.clone(),
                options,
            }
        })
        .collect();
    let rules = cat.rules.iter().filter(|r| r.form == form.code).cloned().collect();
    let mut periods = Vec::new();
    for p in recent_periods(&form, ctx.today(), 4) {
        let (open, close) = form.window(p);
        let over = store::window_override(&state.db, &form.code, &p.to_string())
            .await?
            .unwrap_or_default();
        periods.push(PeriodWindow {
            period: p.to_string(),
            window: format!("{open} – {close}"),
            deadline: over,
        });
    }
    let notice =
        if q.notice.as_deref() == Some("stats.deadline_set") { "stats.deadline_set" } else { "" }
            .to_string();
    Ok(render(&FormPage {
        s: ctx.shell(),
        name: form_name(lang, &form),
        form,
        elements,
        rules,
        manager: a.principal.role.allows(Capability::ManageStatForms),
        periods,
        notice,
    }))
}

#[derive(serde::Deserialize)]
struct DeadlineForm {
    period: String,
    closes_on: String,
}

/// Extends (or shortens) the deadline of one period.
pub async fn set_deadline(
    State(state): State<AppState>,
    a: Auth<ManageStatForms>,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: DeadlineForm = parse_form(ctx, &body)?;
    let cat = catalogue(&state, ctx).await?;
    let form = find_form(ctx, &cat, &code)?;
    let p = parse_period(ctx, &form, &f.period)?;
    let day = chrono::NaiveDate::parse_from_str(f.closes_on.trim(), "%Y-%m-%d").map_err(|_| {
        bad_field(ctx, "closes_on", "err.value.not_date", vec![f.closes_on.clone()])
    })?;
    if day < form.window(p).0 {
        return Err(bad_field(
            ctx,
            "closes_on",
            "err.stats.deadline_before_open",
            vec![form.window(p).0.to_string()],
        ));
    }
    store::set_window(&state.db, &form.code, &p.to_string(), day, actor(ctx)).await?;
    Ok(Redirect::to(&format!("/stats/forms/{}?notice=stats.deadline_set", form.code))
        .into_response())
}
