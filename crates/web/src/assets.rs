//! Static files, embedded in the binary (no CDN: vendored htmx and Swagger UI).
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../static/app.css")),
    ("menu.js", "text/javascript; charset=utf-8", include_bytes!("../static/menu.js")),
    (
        "swagger-init.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/swagger-init.js"),
    ),
    (
        "vendor/htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/htmx.min.js"),
    ),
    (
        "vendor/swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/swagger-ui-bundle.js"),
    ),
    (
        "vendor/swagger-ui.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/vendor/swagger-ui.css"),
    ),
];

pub async fn file(Path(path): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == path) {
        Some((_, mime, body)) => (
            [(header::CONTENT_TYPE, *mime), (header::CACHE_CONTROL, "public, max-age=3600")],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Swagger UI for the OpenAPI document; the page's script is a file (CSP forbids inline).
pub async fn swagger() -> Response {
    let html = r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>innocity API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui-bundle.js"></script><script src="/static/swagger-init.js"></script></body></html>"#;
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}
