//! Operations: health, readiness, Prometheus metrics.
use crate::app::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;

/// Latency buckets in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Requests per (method, route, status) and a latency histogram per route.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<HashMap<(String, String, u16), u64>>,
    latency: Mutex<HashMap<String, Series>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status)).or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let s = m.entry(route.to_string()).or_default();
            s.count += 1;
            s.sum += seconds;
            for (i, b) in BUCKETS.iter().enumerate() {
                if seconds <= *b {
                    s.buckets[i] += 1;
                }
            }
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP innocity_http_requests_total HTTP requests by method, route and status.\n# TYPE innocity_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            let mut rows: Vec<_> = m.iter().collect();
            rows.sort();
            for ((method, route, status), n) in rows {
                out.push_str(&format!("innocity_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}\n"));
            }
        }
        out.push_str("# HELP innocity_http_request_duration_seconds Request latency by route.\n# TYPE innocity_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            let mut rows: Vec<_> = m.iter().collect();
            rows.sort_by(|a, b| a.0.cmp(b.0));
            for (route, s) in rows {
                for (i, b) in BUCKETS.iter().enumerate() {
                    out.push_str(&format!("innocity_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}\n", s.buckets[i]));
                }
                out.push_str(&format!("innocity_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n", s.count));
                out.push_str(&format!(
                    "innocity_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n",
                    s.sum
                ));
                out.push_str(&format!(
                    "innocity_http_request_duration_seconds_count{{route=\"{route}\"}} {}\n",
                    s.count
                ));
            }
        }
        out
    }
}

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    if !metrics_allowed(&state, &req) {
        return (axum::http::StatusCode::FORBIDDEN, "forbidden").into_response();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

/// A bearer of the configured token, or (with none configured, no proxy in front) a client on
/// this machine.
fn metrics_allowed(state: &AppState, req: &axum::extract::Request) -> bool {
    use axum::extract::ConnectInfo;
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match &state.config.metrics_token {
        Some(token) => {
            bearer.is_some_and(|b| constant_time_eq(b.trim().as_bytes(), token.as_bytes()))
        }
        None => {
            !state.config.behind_proxy
                && req
                    .extensions()
                    .get::<ConnectInfo<std::net::SocketAddr>>()
                    .is_some_and(|c| c.0.ip().is_loopback())
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A bare route for the benchmark's baseline: no database, no template.
pub async fn ping() -> &'static str {
    "pong"
}

/// Health, readiness, metrics, and the static files and API docs: outside the signed-in
/// context.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/ping", get(ping))
        .route("/static/{*path}", get(crate::assets::file))
        .route("/api/docs", get(crate::assets::swagger))
}
