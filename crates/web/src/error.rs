//! One error type for pages and the API: a status, a stable code, a message in the user's language.
use crate::i18n::{Lang, tf};
use crate::page::Shell;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use innocity_store::StoreError;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    /// Stable machine code, e.g. `forbidden`, `validation`.
    pub code: &'static str,
    /// Message key and arguments.
    pub key: &'static str,
    pub args: Vec<String>,
    /// Field errors for validation failures (field, message).
    pub fields: Vec<(String, String)>,
    pub lang: Lang,
    pub api: bool,
    /// An htmx request: answer with a fragment, not a whole page.
    pub fragment: bool,
    pub shell: Option<Box<Shell>>,
    /// Rendered for a request: its language, page or JSON, and page frame are set (`in_ctx`).
    /// An error a handler returns with a bare `?` is not; the context layer places it.
    pub placed: bool,
}

/// What an error returned with a bare `?` says, carried on its response to the request-context
/// layer ([`crate::auth::context`]), which renders it again in the user's language and form.
#[derive(Clone, Debug)]
pub struct Unplaced {
    status: StatusCode,
    code: &'static str,
    key: &'static str,
    args: Vec<String>,
    fields: Vec<(String, String)>,
}

impl From<Unplaced> for AppError {
    fn from(u: Unplaced) -> Self {
        AppError { args: u.args, fields: u.fields, ..AppError::new(u.status, u.code, u.key) }
    }
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, key: &'static str) -> Self {
        AppError {
            status,
            code,
            key,
            args: vec![],
            fields: vec![],
            lang: Lang::Zh,
            api: false,
            fragment: false,
            shell: None,
            placed: false,
        }
    }
    pub fn args(mut self, args: Vec<String>) -> Self {
        self.args = args;
        self
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "err.not_found")
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "err.forbidden")
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "err.unauthorized")
    }
    pub fn csrf() -> Self {
        Self::new(StatusCode::FORBIDDEN, "csrf", "err.csrf")
    }
    pub fn bad_request(what: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", "err.bad_request").args(vec![what.into()])
    }
    pub fn malformed(what: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed", "err.malformed").args(vec![what.into()])
    }
    pub fn internal(request_id: &str) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "err.internal")
            .args(vec![request_id.into()])
    }
    /// Sets how the error is rendered: the language, page or JSON, and the page frame.
    pub fn in_ctx(mut self, lang: Lang, api: bool, shell: Option<Shell>) -> Self {
        self.lang = lang;
        self.api = api;
        self.shell = shell.map(Box::new);
        self.placed = true;
        self
    }
    pub fn message(&self) -> String {
        tf(self.lang, self.key, &self.args)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Stale => AppError::new(StatusCode::CONFLICT, "stale", "err.stale"),
            StoreError::Duplicate(what) if what.contains("form_tokens") => {
                AppError::new(StatusCode::CONFLICT, "duplicate_submit", "err.duplicate_submit")
            }
            StoreError::Duplicate(what) if what.contains("credit_code") => AppError::new(
                StatusCode::CONFLICT,
                "duplicate_credit_code",
                "err.credit_code.duplicate",
            ),
            StoreError::Duplicate(_) => {
                AppError::new(StatusCode::CONFLICT, "duplicate", "err.duplicate_submit")
            }
            StoreError::Refused { key, args } => {
                AppError::new(StatusCode::CONFLICT, "refused", key).args(args)
            }
            other => {
                // The cause goes to the log (no secrets in it), the user gets a request id.
                tracing::error!(error = %other, "store error");
                AppError::internal("")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.placed {
            return self.render();
        }
        let unplaced = Unplaced {
            status: self.status,
            code: self.code,
            key: self.key,
            args: self.args.clone(),
            fields: self.fields.clone(),
        };
        let mut resp = self.render();
        resp.extensions_mut().insert(unplaced);
        resp
    }
}

impl AppError {
    /// The response: a JSON error, an htmx fragment or a whole page.
    fn render(mut self) -> Response {
        let message = self.message();
        if self.api {
            let fields: serde_json::Map<String, serde_json::Value> = self
                .fields
                .iter()
                .map(|(f, m)| (f.clone(), serde_json::Value::String(m.clone())))
                .collect();
            let mut body =
                serde_json::json!({ "error": { "code": self.code, "message": message } });
            if !fields.is_empty() {
                body["error"]["fields"] = serde_json::Value::Object(fields);
            }
            return (self.status, axum::Json(body)).into_response();
        }
        // A message said once: the field's own message is not repeated below the same words.
        self.fields.retain(|(_, m)| *m != message);
        if self.fragment {
            let items: String = self
                .fields
                .iter()
                .map(|(_, m)| format!("<li>{}</li>", crate::page::escape(m)))
                .collect();
            let html = format!(
                "<div class=\"alert alert-error\" id=\"error-message\"><p>{}</p>{}</div>",
                crate::page::escape(&message),
                if items.is_empty() { String::new() } else { format!("<ul>{items}</ul>") }
            );
            return (self.status, axum::response::Html(html)).into_response();
        }
        let shell = self.shell.map(|s| *s).unwrap_or_else(|| Shell::anonymous(self.lang));
        let fields: Vec<String> = self.fields.into_iter().map(|(_, m)| m).collect();
        crate::page::error_page_with(shell, self.status, &message, &fields)
    }
}

pub type AppResult<T> = Result<T, AppError>;
