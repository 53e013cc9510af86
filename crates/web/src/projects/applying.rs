//! Applying: a new application, its draft saved and autosaved, its attachments.
use super::applications::{
    BudgetRow, QuestionSection, budget_rows, failure_text, questions, typed_answers,
};
use super::calls::pages::call_open;
use super::{date_zh, load};
use crate::app::AppState;
use crate::auth::{ApplyProjects, Auth, Ctx, ViewApplications, field_error, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf};
use crate::page::{FieldMessage, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::Scope;
use innocity_core::projects::Level;
use innocity_core::projects::funding::{CATEGORIES, Line};
use innocity_core::projects::money::{Money, Unit};
use innocity_store::projects::{self as store, Call, Draft};
use std::collections::BTreeMap;

/// The form's fields, as typed.
#[derive(serde::Deserialize, Default)]
pub struct AppForm {
    #[serde(default)]
    call: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    leader_name: String,
    #[serde(default)]
    leader_key: String,
    #[serde(default)]
    members: String,
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

/// Reads the budget table (万元) from `requested_<cat>` and `raised_<cat>`, naming a bad cell.
fn read_budget(ctx: &Ctx, f: &AppForm) -> AppResult<Vec<Line>> {
    let mut lines = Vec::new();
    for (code, zh, en) in CATEGORIES {
        let cell = |k: &str| -> AppResult<Money> {
            let name = format!("{k}_{code}");
            let v = f.rest.get(&name).map(|s| s.trim()).unwrap_or("");
            if v.is_empty() {
                return Ok(Money::ZERO);
            }
            Money::parse(v, Unit::Wan).map_err(|_| {
                field_error(
                    ctx,
                    &name,
                    "apps.err.money",
                    vec![ctx.lang.pick(zh, en).to_string(), v.to_string()],
                )
            })
        };
        let (requested, raised) = (cell("requested")?, cell("raised")?);
        if requested.0 > 0 || raised.0 > 0 {
            lines.push(Line { category: code.to_string(), requested, raised });
        }
    }
    Ok(lines)
}

fn draft_of(ctx: &Ctx, f: &AppForm) -> AppResult<Draft> {
    Ok(Draft {
        title: f.title.trim().to_string(),
        topic: f.topic.clone(),
        summary: f.summary.clone(),
        leader_name: f.leader_name.trim().to_string(),
        leader_key: f.leader_key.trim().to_string(),
        members: f
            .members
            .split(['、', ',', '，', ';', '；'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect(),
        budget: read_budget(ctx, f)?,
        answers: typed_answers(&f.rest),
    })
}

/// Store refusals of a draft carry the field first: show them beside it.
pub(crate) fn draft_error(ctx: &Ctx, e: innocity_store::StoreError) -> AppError {
    match e {
        innocity_store::StoreError::Applications(r) => {
            let (key, args) = crate::error::refusals::application(&r);
            let field = args.first().cloned().unwrap_or_default();
            let mut rest: Vec<String> = args.into_iter().skip(1).collect();
            // An answer to the call's own form is named by its label.
            if let Some(label) = field.strip_prefix("q.") {
                rest.insert(0, label.to_string());
            }
            if matches!(r, store::ApplicationRefusal::CallClosed { .. }) {
                ctx.err(AppError::new(StatusCode::CONFLICT, "refused", key).args(rest.clone()))
            } else {
                field_error(ctx, &field, key, rest)
            }
        }
        other => ctx.err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "application_new.html")]
struct NewPage {
    s: Shell,
    c: Call,
    budget: Vec<BudgetRow>,
    f: AppForm,
    errors: Vec<FieldMessage>,
    questions: Vec<QuestionSection>,
}

#[derive(serde::Deserialize)]
pub struct NewQuery {
    call: i64,
}

pub async fn new_form(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = store::call(&state.db, q.call).await?.ok_or_else(AppError::not_found)?;
    if !call_open(&c, ctx.today()) {
        return Err(ctx.err(
            AppError::new(StatusCode::CONFLICT, "refused", "apps.err.call_closed")
                .args(vec![date_zh(c.deadlines.applicant)]),
        ));
    }
    let f = AppForm { leader_name: a.principal.display_name.clone(), ..Default::default() };
    let questions = questions(ctx.lang, &c.form, &BTreeMap::new());
    Ok(render(&NewPage {
        s: ctx.shell(),
        budget: budget_rows(ctx.lang, &[]),
        f,
        errors: vec![],
        questions,
        c,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: AppForm = parse_form(ctx, &body)?;
    let c = store::call(&state.db, f.call)
        .await?
        .ok_or_else(|| field_error(ctx, "call", "err.choose", vec![]))?;
    let Scope::Organisation(org_id) = a.principal.scope else {
        return Err(ctx.err(AppError::forbidden()));
    };
    let org =
        innocity_store::orgs::get(&state.db, org_id).await?.ok_or_else(AppError::forbidden)?;
    // Whatever is wrong, the form comes back with what was typed and the message by the field.
    let outcome = match draft_of(ctx, &f) {
        Ok(d) => store::create_draft(
            &state.db,
            &c,
            &d,
            store::DraftLead {
                leader_user_id: a.principal.user_id,
                organisation_id: org_id,
                unit_path: &org.unit_path,
            },
            ctx.today(),
            ctx.actor(),
        )
        .await
        .map_err(|e| draft_error(ctx, e)),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(id) => {
            Ok(Redirect::to(&format!("/applications/{id}?notice=apps.created")).into_response())
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = FieldMessage::list(&e.fields);
            let budget = CATEGORIES
                .iter()
                .map(|(code, zh, en)| BudgetRow {
                    code,
                    name: ctx.lang.pick(zh, en),
                    requested: f
                        .rest
                        .get(&format!("requested_{code}"))
                        .cloned()
                        .unwrap_or_default(),
                    raised: f.rest.get(&format!("raised_{code}")).cloned().unwrap_or_default(),
                })
                .collect();
            let questions = questions(ctx.lang, &c.form, &typed_answers(&f.rest));
            let mut resp = render(&NewPage { s: ctx.shell(), budget, f, errors, questions, c });
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

/// Saves the leader's draft from the edit form; the new version.
async fn save_draft(
    state: &AppState,
    a: &Auth<ApplyProjects>,
    id: i64,
    body: &[u8],
) -> AppResult<i64> {
    let ctx = &a.ctx;
    let f: AppForm = parse_form(ctx, body)?;
    let (app, level) = load(state, &a.principal, id).await?;
    if level != Level::Applicant || app.leader_user_id != a.principal.user_id {
        return Err(ctx.err(AppError::forbidden()));
    }
    let d = draft_of(ctx, &f)?;
    store::update_draft(&state.db, id, &d, f.version, a.principal.user_id, ctx.actor())
        .await
        .map_err(|e| draft_error(ctx, e))?;
    Ok(f.version + 1)
}

pub async fn save(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    save_draft(&state, &a, id, &body).await?;
    Ok(Redirect::to(&format!("/applications/{id}?notice=apps.saved")).into_response())
}

/// Autosave (htmx, a few seconds after typing stops): saves the draft as the save button would
/// and answers with the time and the new version (swapped into the form), or the message.
pub async fn autosave(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let version = match save_draft(&state, &a, id, &body).await {
        Ok(v) => v,
        // A field that cannot be taken: its message alone, beside the save button.
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY && !e.fields.is_empty() => {
            let msg =
                e.fields.iter().map(|f| crate::page::escape(&f.1)).collect::<Vec<_>>().join(" ");
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::response::Html(format!(r#"<span class="err">{msg}</span>"#)),
            )
                .into_response());
        }
        Err(e) => return Err(e),
    };
    let at = a.ctx.clock.now().format("%H:%M:%S").to_string();
    // The eligibility rules are checked again (a new leader may be barred, or have too many
    // projects) and the page's list is replaced.
    let ctx = &a.ctx;
    let app = store::application(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    let c = store::call(&state.db, app.call_id).await?.ok_or_else(AppError::not_found)?;
    let missed: Vec<String> = store::eligibility(&state.db, &app, &c, ctx.today())
        .await?
        .iter()
        .map(|f| {
            format!("<li>{}</li>", crate::page::escape(&failure_text(ctx.lang, f.rule, &f.detail)))
        })
        .collect();
    let missed = if missed.is_empty() {
        String::new()
    } else {
        format!(
            r#"<div class="alert alert-error"><p>{}</p><ul>{}</ul></div>"#,
            crate::page::escape(t(ctx.lang, "apps.missed")),
            missed.concat()
        )
    };
    let html = format!(
        r#"<span class="ok">{}</span><input type="hidden" name="version" value="{version}" id="app-version" hx-swap-oob="true"><input type="hidden" name="version" value="{version}" id="act-version" hx-swap-oob="true"><div id="app-missed" hx-swap-oob="true">{missed}</div>"#,
        crate::page::escape(&tf(ctx.lang, "apps.autosaved", &[at]))
    );
    Ok(axum::response::Html(html).into_response())
}

/// Uploads a file to a draft (the leader only): type and content checked, stored outside the web
/// root; htmx follows the redirect, errors come back as a fragment beside the form.
pub async fn upload(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (app, level) = load(&state, &a.principal, id).await?;
    if level != Level::Applicant {
        return Err(ctx.err(AppError::forbidden()));
    }
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    store::add_attachment(
        &state.db,
        &state.config.files_dir,
        app.id,
        a.principal.user_id,
        store::NewAttachment { name: &name, kind: "attachment", bytes: &bytes },
        ctx.actor(),
    )
    .await
    .map_err(|e| match e {
        innocity_store::StoreError::Applications(r @ store::ApplicationRefusal::File { .. }) => {
            let (key, args) = crate::error::refusals::application(&r);
            field_error(ctx, "file", key, args)
        }
        other => ctx.err(other.into()),
    })?;
    let to = format!("/applications/{id}?notice=apps.uploaded");
    Ok(crate::http::go_to(ctx, &to))
}

/// Serves an attachment to those who may see the application, always as a download.
pub async fn file(
    State(state): State<AppState>,
    a: Auth<ViewApplications>,
    Path((id, file)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (app, _) = load(&state, &a.principal, id).await?;
    let (att, bytes) = store::attachment_file(&state.db, &state.config.files_dir, file).await?;
    if att.application_id != app.id {
        return Err(ctx.err(AppError::not_found()));
    }
    let mut resp = crate::http::download(bytes, &att.name, "application/octet-stream");
    resp.headers_mut()
        .insert("X-Content-Type-Options", axum::http::HeaderValue::from_static("nosniff"));
    Ok(resp)
}
