//! The guide's pages: the list by area (or what a search finds), one guide with the button that
//! starts the service, and the staff's edit form.
use super::{Current, all, one, problems};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageGuides, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use innocity_core::access::Capability;
use innocity_core::guides::{self, GuideText};
use innocity_store::orgs::Actor;
use innocity_store::{StoreError, guides as store};

/// The longest search kept, in characters (a longer one is cut, not refused).
const QUERY_MAX: usize = 100;

/// A guide in the list.
pub struct GuideLine {
    pub code: String,
    pub title: String,
    pub summary: String,
}

/// An area's guides.
pub struct AreaGuides {
    pub area: &'static str,
    pub label: &'static str,
    pub guides: Vec<GuideLine>,
}

#[derive(Template)]
#[template(path = "guides.html")]
struct ListPage {
    s: Shell,
    q: String,
    areas: Vec<AreaGuides>,
    found: usize,
    /// The 404 page: the asked-for guide is none.
    missing: bool,
}

/// The search words from the address: `q`, cut to [`QUERY_MAX`] characters.
pub fn query(ctx: &Ctx) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&ctx.query).unwrap_or_default();
    let q = pairs.into_iter().find(|(k, _)| k == "q").map(|(_, v)| v).unwrap_or_default();
    q.trim().chars().take(QUERY_MAX).collect()
}

/// The guides in their areas, only those matching `q` (all for an empty `q`).
pub fn by_area(lang: Lang, current: &[Current], q: &str) -> Vec<AreaGuides> {
    guides::AREAS
        .iter()
        .map(|&area| AreaGuides {
            area,
            label: t(lang, &format!("nav.group.{area}")),
            guides: current
                .iter()
                .filter(|c| c.guide.area == area && guides::matches(c.text(lang), q))
                .map(|c| GuideLine {
                    code: c.guide.code.clone(),
                    title: c.text(lang).title.clone(),
                    summary: c.text(lang).summary.clone(),
                })
                .collect(),
        })
        .filter(|a| !a.guides.is_empty())
        .collect()
}

async fn list_page(state: &AppState, ctx: &Ctx, missing: bool) -> AppResult<Response> {
    let q = if missing { String::new() } else { query(ctx) };
    let areas = by_area(ctx.lang, &all(state).await?, &q);
    let found = areas.iter().map(|a| a.guides.len()).sum();
    let status = if missing { StatusCode::NOT_FOUND } else { StatusCode::OK };
    Ok(render_status(status, &ListPage { s: ctx.shell(), q, areas, found, missing }))
}

/// Every service by area, or those a search finds.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    list_page(&state, &ctx, false).await
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuidePage {
    s: Shell,
    code: String,
    area: &'static str,
    start: String,
    g: GuideText,
    may_edit: bool,
    /// `2026年12月07日 18:30` after an edit.
    updated: String,
}

/// One guide; an unknown one is the list with a 404 saying so.
pub async fn guide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let Some(c) = one(&state, &code).await? else {
        return list_page(&state, &ctx, true).await;
    };
    let may_edit =
        ctx.principal.as_ref().is_some_and(|p| p.authorize(Capability::ManageGuides).is_ok());
    // When, not who: the editors' sign-in names are not for the public.
    let updated = c
        .updated
        .as_ref()
        .map(|(_, at)| crate::auth::format_time(ctx.lang, *at))
        .unwrap_or_default();
    let page = GuidePage {
        s: ctx.shell(),
        code: c.guide.code.clone(),
        area: t(ctx.lang, &format!("nav.group.{}", c.guide.area)),
        start: c.guide.start.clone(),
        g: c.text(ctx.lang).clone(),
        may_edit,
        updated,
    };
    Ok(render_status(StatusCode::OK, &page))
}

/// A field of the edit form.
pub struct EditField {
    /// `zh.title`.
    pub name: &'static str,
    pub label: String,
    pub value: String,
    /// A list (one item per line) or a long text.
    pub multiline: bool,
    pub required: bool,
    pub error: String,
}

#[derive(Template)]
#[template(path = "guide_edit.html")]
struct EditPage {
    s: Shell,
    code: String,
    title: String,
    version: i64,
    fields: Vec<EditField>,
    /// Someone saved meanwhile: who and when, and that the form keeps this editor's text.
    stale: String,
    has_errors: bool,
}

/// The form's fields of one language, with the errors found.
fn fields_of(
    lang: Lang,
    which: Lang,
    g: &GuideText,
    errors: &[(String, String)],
) -> Vec<EditField> {
    let list = |v: &[String]| v.join("\n");
    let rows: [(&str, String, bool, bool); 9] = [
        ("title", g.title.clone(), false, true),
        ("summary", g.summary.clone(), true, true),
        ("who", g.who.clone(), true, true),
        ("conditions", list(&g.conditions), true, false),
        ("materials", list(&g.materials), true, false),
        ("steps", list(&g.steps), true, true),
        ("time_limit", g.time_limit.clone(), false, false),
        ("fees", g.fees.clone(), false, false),
        ("contact", g.contact.clone(), false, false),
    ];
    rows.into_iter()
        .map(|(field, value, multiline, required)| {
            let name = super::field_name(which, field);
            EditField {
                name,
                label: format!(
                    "{}（{}）",
                    t(lang, &format!("guides.field.{field}")),
                    t(lang, &format!("guides.lang.{}", which.code()))
                ),
                value,
                multiline,
                required,
                error: errors
                    .iter()
                    .find(|(f, _)| f == name)
                    .map(|(_, m)| m.clone())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

struct EditState<'a> {
    code: &'a str,
    /// The guide's title as it reads now (the form's may be empty).
    heading: &'a str,
    version: i64,
    zh: &'a GuideText,
    en: &'a GuideText,
    errors: &'a [(String, String)],
    stale: String,
}

fn edit_page(ctx: &Ctx, e: EditState<'_>, status: StatusCode) -> Response {
    let mut fields = fields_of(ctx.lang, Lang::Zh, e.zh, e.errors);
    fields.extend(fields_of(ctx.lang, Lang::En, e.en, e.errors));
    let title = e.heading.to_string();
    let page = EditPage {
        s: ctx.shell(),
        code: e.code.to_string(),
        title,
        version: e.version,
        fields,
        stale: e.stale,
        has_errors: !e.errors.is_empty(),
    };
    render_status(status, &page)
}

/// The staff's form for a guide's text in both languages.
pub async fn edit_form(
    State(state): State<AppState>,
    a: Auth<ManageGuides>,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = one(&state, &code).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let e = EditState {
        code: &c.guide.code,
        heading: &c.text(ctx.lang).title,
        version: c.version,
        zh: &c.zh,
        en: &c.en,
        errors: &[],
        stale: String::new(),
    };
    Ok(edit_page(ctx, e, StatusCode::OK))
}

/// The edit form as sent: each language's fields named `zh.title`, `en.steps` …
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct EditForm {
    version: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

impl EditForm {
    fn text(&self, lang: Lang) -> GuideText {
        let get = |f: &str| {
            self.fields
                .get(super::field_name(lang, f))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        GuideText {
            title: get("title"),
            summary: get("summary"),
            who: get("who"),
            conditions: guides::lines(&get("conditions")),
            materials: guides::lines(&get("materials")),
            steps: guides::lines(&get("steps")),
            time_limit: get("time_limit"),
            fees: get("fees"),
            contact: get("contact"),
        }
    }
}

/// Saves a guide's text: back to the guide; with errors, the form again (422) keeping what was
/// typed; after someone else's save, the form again (409) with this editor's text on the newer
/// version, so saving once more replaces it knowingly.
pub async fn save(
    State(state): State<AppState>,
    a: Auth<ManageGuides>,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = one(&state, &code).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let f: EditForm = parse_form(ctx, &body)?;
    let version =
        f.version.trim().parse::<i64>().map_err(|_| ctx.err(AppError::bad_request("version")))?;
    let (zh, en) = (guides::tidy(f.text(Lang::Zh)), guides::tidy(f.text(Lang::En)));
    let found = problems(&zh, &en);
    let code = c.guide.code.as_str();
    let heading = c.text(ctx.lang).title.as_str();
    if !found.is_empty() {
        let errors = crate::orgs::field_messages(ctx.lang, &found);
        let e = EditState {
            code,
            heading,
            version,
            zh: &zh,
            en: &en,
            errors: &errors,
            stale: String::new(),
        };
        return Ok(edit_page(ctx, e, StatusCode::UNPROCESSABLE_ENTITY));
    }
    let actor = Actor {
        user_id: a.principal.user_id,
        username: &a.principal.username,
        request_id: &ctx.request_id,
    };
    match store::save(&state.db, code, version, &zh, &en, actor).await {
        Ok(_) => Ok(crate::http::go_to(ctx, &format!("/public/guides/{code}"))),
        Err(StoreError::Stale) => {
            let now = one(&state, code).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
            // A version that was never saved (an altered form) has no one to name.
            let stale = match now.updated.clone() {
                Some((by, at)) => tf(
                    ctx.lang,
                    "guides.stale",
                    &[now.version.to_string(), by, crate::auth::format_time(ctx.lang, at)],
                ),
                None => t(ctx.lang, "err.stale").to_string(),
            };
            let heading = &now.text(ctx.lang).title;
            let e = EditState {
                code,
                heading,
                version: now.version,
                zh: &zh,
                en: &en,
                errors: &[],
                stale,
            };
            Ok(edit_page(ctx, e, StatusCode::CONFLICT))
        }
        Err(e) => Err(ctx.err(e.into())),
    }
}
