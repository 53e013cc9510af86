//! The service guide (办事指南, issue 20 item 2): a page for every service the bureau offers —
//! who may use it, conditions, materials, steps, time limit, fees, contact — with the button
//! that starts it online. Anyone reads them (`/public/guides`, by area or by search); bureau
//! staff rewrite them (`/public/guides/{code}/edit`, `PUT /api/v1/guides/{code}`), an edit
//! made on an older version being refused, not lost.
pub mod api;
pub mod pages;

use crate::app::AppState;
use crate::error::AppResult;
use crate::i18n::Lang;
use axum::Router;
use axum::routing::get;
use innocity_core::guides::{self, Guide, GuideText, Problem, ProblemKind};
use innocity_core::orgs::FieldError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public/guides", get(pages::list))
        .route("/public/guides/{code}", get(pages::guide))
        .route("/public/guides/{code}/edit", get(pages::edit_form).post(pages::save))
        .route("/api/v1/public/guides", get(api::list))
        .route("/api/v1/public/guides/{code}", get(api::detail))
        .route("/api/v1/guides/{code}", axum::routing::put(api::update))
}

/// A guide as it reads now: as shipped, or the bureau's text of it.
pub struct Current {
    pub guide: &'static Guide,
    pub zh: GuideText,
    pub en: GuideText,
    /// 0 as shipped, then one more per edit.
    pub version: i64,
    /// The last edit: who and when (ms).
    pub updated: Option<(String, i64)>,
}

impl Current {
    pub fn text(&self, lang: Lang) -> &GuideText {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

pub(crate) fn current(
    guide: &'static Guide,
    edit: Option<innocity_store::guides::GuideEdit>,
) -> Current {
    match edit {
        Some(e) => Current {
            guide,
            zh: e.zh,
            en: e.en,
            version: e.version,
            updated: Some((e.updated_by, e.updated_at_ms)),
        },
        None => {
            Current { guide, zh: guide.zh.clone(), en: guide.en.clone(), version: 0, updated: None }
        }
    }
}

/// Every guide as it reads now, in the shipped order.
pub async fn all(state: &AppState) -> AppResult<Vec<Current>> {
    let mut edits = innocity_store::guides::edits(&state.db).await?;
    Ok(guides::builtin()
        .iter()
        .map(|g| {
            let edit = edits.iter().position(|e| e.code == g.code).map(|i| edits.swap_remove(i));
            current(g, edit)
        })
        .collect())
}

/// The guide with this code as it reads now; none for an unknown code.
pub async fn one(state: &AppState, code: &str) -> AppResult<Option<Current>> {
    let Some(g) = guides::find(code) else { return Ok(None) };
    Ok(Some(current(g, innocity_store::guides::edit(&state.db, code).await?)))
}

/// A field's name in the form and the API: `zh.title`, `en.steps`.
fn field_name(lang: Lang, field: &str) -> &'static str {
    const FIELDS: [(&str, &str, &str); 9] = [
        ("title", "zh.title", "en.title"),
        ("summary", "zh.summary", "en.summary"),
        ("who", "zh.who", "en.who"),
        ("conditions", "zh.conditions", "en.conditions"),
        ("materials", "zh.materials", "en.materials"),
        ("steps", "zh.steps", "en.steps"),
        ("time_limit", "zh.time_limit", "en.time_limit"),
        ("fees", "zh.fees", "en.fees"),
        ("contact", "zh.contact", "en.contact"),
    ];
    let row = FIELDS.iter().find(|f| f.0 == field).unwrap_or(&FIELDS[0]);
    lang.pick(row.1, row.2)
}

/// What is wrong with both languages' texts, each field named as in the form.
pub fn problems(zh: &GuideText, en: &GuideText) -> Vec<FieldError> {
    let of = |lang: Lang, p: Problem| {
        let (key, args) = match p.kind {
            ProblemKind::Missing => ("err.required", vec![]),
            ProblemKind::TooLong(n) => ("err.too_long", vec![n.to_string()]),
            ProblemKind::TooMany(n) => ("guides.err.too_many", vec![n.to_string()]),
        };
        FieldError { field: field_name(lang, p.field), key, args }
    };
    let mut out: Vec<FieldError> = guides::check(zh).into_iter().map(|p| of(Lang::Zh, p)).collect();
    out.extend(guides::check(en).into_iter().map(|p| of(Lang::En, p)));
    out
}
