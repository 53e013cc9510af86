//! Statistics through the real router on a real database: who may do what, live validation,
//! submission with explanations, review and approval up the hierarchy, files in and out, the API.
mod files;
mod returns;
mod survey;
mod totals;

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use innocity_core::stats::status::Status;
use innocity_store::orgs;
use innocity_store::stats as store;

/// The demo with statistics, its 2025 window open for another month whatever today is.
async fn stats_app() -> TestApp {
    let t = Fixture::demo().stats().build().await;
    let actor = orgs::Actor { user_id: 0, username: "bureau", request_id: "t" };
    let later = t.db.clock.today() + chrono::Days::new(30);
    for form in ["107-2", "107-1"] {
        store::set_window(&t.db, form, "2025", later, actor).await.unwrap();
    }
    t
}

impl TestApp {
    /// An htmx request: the CSRF token in the header, as the page's `hx-headers` sends it.
    async fn post_htmx(&self, s: &Session, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send(
            Request::post(uri)
                .header(header::COOKIE, s.cookie_header())
                .header("x-csrf-token", &s.csrf)
                .header("hx-request", "true")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    async fn value(
        &self,
        org: i64,
        form: &str,
        period: &str,
        element: &str,
        disagg: &str,
    ) -> Option<f64> {
        let r = store::find_return(&self.db, form, period, org).await.unwrap()?;
        store::cells(&self.db, r.id)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.element == element && c.disagg == disagg && c.row == 0)
            .and_then(|c| c.value.num())
    }

    async fn status(&self, org: i64, form: &str, period: &str) -> Status {
        store::find_return(&self.db, form, period, org)
            .await
            .unwrap()
            .map(|r| r.status)
            .unwrap_or(Status::NotStarted)
    }
}
