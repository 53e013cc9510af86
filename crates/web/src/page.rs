//! The page frame shared by every HTML page: language, the signed-in person, the menu their
//! role may use, the CSRF token for forms.
use crate::auth::Ctx;
use crate::i18n::{Lang, t, tf};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use innocity_core::access::{Principal, Role, Scope};

#[derive(Debug, Clone)]
pub struct Shell {
    pub lang: Lang,
    pub user: Option<Principal>,
    /// The menu by area, each with the entries this person may use.
    pub menu: Vec<crate::menu::MenuGroup>,
    pub csrf: String,
    /// The current page in the other language.
    pub switch_href: String,
    pub request_id: String,
    /// Where an error page sends the user back to.
    pub back: String,
}

impl Shell {
    pub fn new(ctx: &Ctx) -> Shell {
        let menu = ctx.principal.as_ref().map_or(Vec::new(), |p| crate::menu::menu_for(ctx, p));
        let other = ctx.lang.other().code();
        let rest: Vec<&str> =
            ctx.query.split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("lang=")).collect();
        let switch_href = if rest.is_empty() {
            format!("{}?lang={other}", ctx.path)
        } else {
            format!("{}?{}&lang={other}", ctx.path, rest.join("&"))
        };
        Shell {
            lang: ctx.lang,
            user: ctx.principal.clone(),
            menu,
            csrf: ctx.csrf.clone(),
            switch_href,
            request_id: ctx.request_id.clone(),
            back: ctx.back.clone(),
        }
    }

    pub fn anonymous(lang: Lang) -> Shell {
        Shell {
            lang,
            user: None,
            menu: Vec::new(),
            csrf: String::new(),
            switch_href: format!("/?lang={}", lang.other().code()),
            request_id: String::new(),
            back: "/".into(),
        }
    }

    /// A message in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }
    pub fn tf(&self, key: &str, arg: &str) -> String {
        tf(self.lang, key, &[arg.to_string()])
    }
    pub fn tf2(&self, key: &str, a: &str, b: &str) -> String {
        tf(self.lang, key, &[a.to_string(), b.to_string()])
    }
    pub fn html_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn role_label(&self) -> &'static str {
        self.user.as_ref().map(|u| self.t(&format!("role.{}", u.role.code()))).unwrap_or("")
    }
    pub fn is_role(&self, role: &str) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::parse(role).unwrap_or(Role::Public))
    }
    pub fn scope_is_all(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.scope == Scope::All)
    }
    /// A fresh one-time token that makes a second submit of the same form fail.
    pub fn form_token(&self) -> String {
        innocity_store::users::random_token()
    }
    /// An audit before/after value: a dash when there is none.
    pub fn change(&self, json: &str) -> String {
        if json == "null" || json.is_empty() { "—".into() } else { json.to_string() }
    }
    pub fn time(&self, ms: &i64) -> String {
        crate::auth::format_time(self.lang, *ms)
    }
}

/// Field errors of a form: (field, message in the user's language).
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    /// The message for `field`, or empty.
    pub fn get(&self, field: &str) -> String {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One option of a select, radio or checkbox list: the value sent, what it says, whether it is
/// chosen.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl ToString, selected: bool) -> Choice {
        Choice { value: value.to_string(), label: label.to_string(), selected }
    }
}

/// A form field's error message, in the user's language.
#[derive(Debug, Clone)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

impl FieldMessage {
    /// The messages of an error's `(field, message)` pairs.
    pub fn list(fields: &[(String, String)]) -> Vec<FieldMessage> {
        fields
            .iter()
            .map(|(field, message)| FieldMessage { field: field.clone(), message: message.clone() })
            .collect()
    }
}

/// Renders a template to a response; a template error is logged and shown as a 500 page.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template error");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>500</h1>")).into_response()
        }
    }
}

/// Renders a template with another status than 200 (a form with errors is 422).
pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    s: Shell,
    status: u16,
    message: &'a str,
    details: &'a [String],
}

pub fn error_page(s: Shell, status: StatusCode, message: &str) -> Response {
    error_page_with(s, status, message, &[])
}

/// An error page with details (each problem of an uploaded file, say).
pub fn error_page_with(
    s: Shell,
    status: StatusCode,
    message: &str,
    details: &[String],
) -> Response {
    let mut r = render(&ErrorPage { s, status: status.as_u16(), message, details });
    *r.status_mut() = status;
    r
}

/// HTML-escapes text for the few fragments built without a template.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
