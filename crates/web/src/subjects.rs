//! Innovation subjects: enterprises' self-evaluation against the qualification rules
//! (科技型中小企业, 高新技术企业), on pages and in the API, and the contract's JSON that
//! `innocity qualify` reads and writes.
pub mod api;
pub mod carrier_evaluations;
pub mod carriers;
pub mod carriers_api;
pub mod certificates;
pub mod contract;
mod contract_input;
mod detail;
mod fields;
pub mod ours;
pub mod pools;
mod precheck;
mod results;
mod self_evaluation;
pub mod talent;
pub mod talent_api;
pub mod teams;

/// The self-evaluation pages and API, the pre-check of enterprises.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/subjects/self-evaluation", get(self_evaluation::page))
        .route("/subjects/self-evaluation/{kind}", post(self_evaluation::evaluate))
        .route("/api/v1/subjects/self-evaluation", get(api::api_drafts))
        .route("/api/v1/subjects/self-evaluation/{kind}", post(api::api_evaluate))
        .route("/subjects/precheck", get(precheck::page))
        .route("/subjects/certificates", get(certificates::page).post(certificates::add))
        .route("/subjects/certificates/import", post(certificates::import))
        .route("/subjects/certificates/kinds", post(certificates::add_kind))
        .route(
            "/api/v1/subjects/kinds",
            get(certificates::api_kinds).post(certificates::api_add_kind),
        )
        .route("/subjects/pools", get(pools::page).post(pools::add))
        .route("/subjects/pools/{id}", get(pools::view).post(pools::act))
        .route("/api/v1/subjects/pools", get(pools::api_pool).post(pools::api_add))
        .route("/api/v1/subjects/pools/{id}/actions", post(pools::api_act))
        .route(
            "/api/v1/subjects/certificates",
            get(certificates::api_list).post(certificates::api_add),
        )
        .route("/api/v1/subjects/precheck", get(api::api_precheck))
        .route("/subjects/carriers", get(carriers::page).post(carriers::register))
        .route("/subjects/carriers/{id}", get(carriers::view))
        .route("/subjects/carriers/{id}/grade", post(carrier_evaluations::grade_page))
        .route(
            "/subjects/carriers/evaluations",
            get(carrier_evaluations::page).post(carrier_evaluations::start_page),
        )
        .route(
            "/api/v1/subjects/carriers",
            get(carriers_api::api_list).post(carriers_api::api_register),
        )
        .route("/api/v1/subjects/carriers/{id}", get(carriers_api::api_carrier_detail))
        .route("/api/v1/subjects/carriers/{id}/grade", post(carrier_evaluations::api_grade))
        .route(
            "/api/v1/subjects/carrier-evaluations",
            get(carrier_evaluations::api_list).post(carrier_evaluations::api_start),
        )
        .route("/public/carriers", get(carriers_api::directory_page))
        .route("/api/v1/public/carriers", get(carriers_api::api_directory))
        .route("/subjects/ours", get(ours::page))
        .route("/subjects/ours/reports", post(ours::file_report))
        .route("/api/v1/subjects/ours", get(ours::api_ours))
        .route("/api/v1/subjects/ours/reports", post(ours::api_file_report))
        .route("/subjects/talent", get(talent::page).post(talent::add))
        .route("/subjects/talent/{id}", get(talent::view))
        .route("/subjects/talent/{id}/reports", post(talent::file_report))
        .route("/subjects/teams", get(teams::page).post(teams::add))
        .route("/subjects/teams/{id}", get(teams::view))
        .route("/subjects/teams/{id}/reports", post(teams::file_report))
        .route(
            "/api/v1/subjects/talent",
            get(talent_api::api_people).post(talent_api::api_add_person),
        )
        .route("/api/v1/subjects/talent/{id}", get(talent_api::api_person_detail))
        .route("/api/v1/subjects/talent/{id}/reports", post(talent_api::api_person_report))
        .route("/api/v1/subjects/teams", get(talent_api::api_teams).post(talent_api::api_add_team))
        .route("/api/v1/subjects/teams/{id}", get(talent_api::api_team_detail))
        .route("/api/v1/subjects/teams/{id}/reports", post(talent_api::api_team_report))
}
