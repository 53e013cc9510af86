//! The technology market (技术市场): its public search over listed achievements, an
//! achievement's public page, and the same search as `/api/v1/market/achievements`
//! (`../shared/contracts/market-search.md`).
pub mod achievement_files;
pub mod api;
pub mod brokerage;
pub mod challenges;
pub mod challenges_api;
pub mod contract_records;
pub mod contracts;
pub mod contracts_api;
pub mod demands;
pub mod facets;
pub mod figures;
pub mod finding;
pub mod kinds;
pub mod matching;
pub mod notices;
pub mod offering;
pub mod search;

use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use innocity_core::market::search::Filter;
use innocity_core::market::{DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS};
use std::collections::HashMap;

pub use finding::{ApiAchievementHit, ApiAchievementPage, ApiFacetCount, search_achievements};

/// The deepest a page may go (a person pages through the first results, a crawler stops here).
const MAX_OFFSET: usize = 10_000;

/// A search as asked: the text, the narrowing, the page.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    pub q: String,
    pub filter: Filter,
    pub offset: usize,
    pub limit: usize,
}

/// Reads a search's parameters; a text over [`MAX_QUERY_CHARS`], a `limit` that is not 1–100,
/// an `offset` or `maturity` out of range are refused (400), naming the parameter.
pub fn asked(ctx: &Ctx, q: &HashMap<String, String>) -> AppResult<Asked> {
    let bad = |name: &str, v: &str| {
        let shown: String = v.chars().take(40).collect();
        ctx.err(AppError::bad_request(format!("{name}={shown}")))
    };
    let given = |name: &str| q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
    let text = q.get("q").map(|s| s.trim()).unwrap_or("");
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ctx.err(
            AppError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "bad_request",
                "err.market.long_query",
            )
            .args(vec![MAX_QUERY_CHARS.to_string()]),
        ));
    }
    let number = |name: &str, lo: usize, hi: usize, default: usize| -> AppResult<usize> {
        match given(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (lo..=hi).contains(n))
                .ok_or_else(|| bad(name, v)),
        }
    };
    let limit = number("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)?;
    let offset = number("offset", 0, MAX_OFFSET, 0)?;
    let maturity = match given("maturity") {
        None => None,
        Some(v) => Some(
            v.parse::<u8>()
                .ok()
                .filter(|m| (1..=9).contains(m))
                .ok_or_else(|| bad("maturity", v))?,
        ),
    };
    let mode = match given("mode") {
        None => None,
        Some(m) if innocity_core::market::MODES.contains(&m) => Some(m.to_string()),
        Some(m) => return Err(bad("mode", m)),
    };
    let price_band = match given("price") {
        None => None,
        Some(v) => Some(
            v.parse::<u8>()
                .ok()
                .filter(|b| *b <= innocity_core::market::search::NEGOTIABLE)
                .ok_or_else(|| bad("price", v))?,
        ),
    };
    Ok(Asked {
        q: text.to_string(),
        filter: Filter {
            discipline: given("discipline").map(String::from),
            zone: given("zone").map(String::from),
            maturity,
            mode,
            price_band,
        },
        offset,
        limit,
    })
}

/// The market's pages and API operations.
pub fn routes() -> axum::Router<crate::app::AppState> {
    achievement_routes().merge(matching_routes()).merge(contract_routes())
}

/// Finding, offering and registering achievements, their documents.
fn achievement_routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/market", get(finding::search_page))
        .route("/market/achievements/{id}", get(finding::achievement_page))
        .route("/market/achievements/{id}/inquiries", post(finding::inquire))
        .route("/market/mine", get(offering::mine).post(offering::create))
        .route("/market/mine/new", get(offering::new_form))
        .route("/market/mine/{id}", get(offering::view).post(offering::save))
        .route("/market/registry", get(offering::registry))
        .route("/market/registry/{id}", post(offering::decide))
        .route("/api/v1/market/achievements/{id}", get(api::listed_achievement))
        .route("/api/v1/market/achievements/{id}/inquiries", post(api::ask))
        .route(
            "/api/v1/market/my/achievements",
            get(api::my_achievements).post(api::create_achievement),
        )
        .route(
            "/api/v1/market/my/achievements/{id}",
            get(api::my_achievement).put(api::update_achievement),
        )
        .route("/api/v1/market/my/achievements/{id}/actions", post(api::act_as_owner))
        .route("/api/v1/market/registry", get(api::registry_queue))
        .route("/api/v1/market/registry/{id}/actions", post(api::act_as_office))
        .route("/api/v1/market/achievements", get(search_achievements))
        .route("/market/mine/{id}/files", post(achievement_files::upload))
        .route("/market/achievements/{id}/files/{file}", get(achievement_files::download))
        .route("/api/v1/market/achievements/{id}/files", get(achievement_files::api_list))
        .route("/api/v1/market/achievements/{id}/files/{file}", get(achievement_files::download))
        .route("/api/v1/market/my/achievements/{id}/files", post(achievement_files::api_upload))
}

/// Demands and challenges, notices of matches, brokers, the other kinds of the search box.
fn matching_routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/market/demands", get(demands::list).post(demands::publish))
        .route("/market/demands/mine", get(demands::mine))
        .route("/market/demands/new", get(demands::new_form))
        .route("/market/demands/{id}", get(demands::page))
        .route("/market/demands/{id}/close", post(demands::close))
        .route("/api/v1/market/demands", get(demands::api_list).post(demands::api_publish))
        .route("/api/v1/market/demands/{id}", get(demands::api_get))
        .route("/market/brokerages", get(brokerage::list))
        .route("/market/brokerages/{id}", get(brokerage::view))
        .route("/market/brokerages/{id}/steps", post(brokerage::add_step))
        .route("/market/achievements/{id}/brokerage", post(brokerage::open))
        .route("/api/v1/market/brokerages", get(brokerage::api_list).post(brokerage::api_open))
        .route("/api/v1/market/brokerages/{id}", get(brokerage::api_get))
        .route("/api/v1/market/brokerages/{id}/steps", post(brokerage::api_step))
        .route("/market/challenges", get(challenges::list))
        .route("/market/challenges/{id}", get(challenges::view))
        .route("/market/challenges/{id}/proposals", post(challenges::apply))
        .route("/market/challenges/{id}/review", post(challenges::review))
        .route("/market/challenges/{id}/award", post(challenges::award))
        .route("/market/challenges/{id}/close", post(challenges::close))
        .route("/market/challenges/{id}/milestones/{seq}", post(challenges::milestone))
        .route(
            "/market/demands/{id}/challenge",
            get(challenges::raise_form).post(challenges::raise),
        )
        .route("/api/v1/market/challenges", get(challenges_api::api_list))
        .route("/api/v1/market/challenges/{id}", get(challenges_api::api_get))
        .route("/api/v1/market/challenges/{id}/proposals", post(challenges_api::api_apply))
        .route("/api/v1/market/challenges/{id}/actions", post(challenges_api::api_act))
        .route(
            "/api/v1/market/challenges/{id}/milestones/{seq}",
            post(challenges_api::api_milestone),
        )
        .route("/api/v1/market/demands/{id}/challenge", post(challenges_api::api_raise))
        .route("/api/v1/market/search", get(kinds::api_search))
        .route("/market/notices", get(notices::page))
        .route("/market/notices/read", post(notices::mark_read))
        .route("/api/v1/market/notices", get(notices::api_list))
        .route("/api/v1/market/notices/read", post(notices::api_mark_read))
}

/// Technology contracts: registration, their records, the figures.
fn contract_routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/market/figures", get(figures::figures_page))
        .route("/api/v1/market/figures", get(figures::figures_api))
        .route("/market/contracts", get(contracts::mine).post(contracts::submit))
        .route("/market/contracts/new", get(contracts::new_form))
        .route("/market/contracts/office", get(contracts::office))
        .route("/market/contracts/{id}", get(contracts::view).post(contracts::act))
        .route("/market/contracts/{id}/certificate", get(contracts::certificate))
        .route(
            "/api/v1/market/contracts",
            get(contracts_api::my_contracts).post(contracts_api::submit_contract),
        )
        .route("/api/v1/market/contracts/waiting", get(contracts_api::waiting_contracts))
        .route("/api/v1/market/contracts/{id}", get(contracts_api::get_contract))
        .route("/api/v1/market/contracts/{id}/actions", post(contracts_api::contract_step))
        .route("/market/contracts/{id}/files", post(contract_records::upload))
        .route("/market/contracts/{id}/files/{file}", get(contract_records::download))
        .route("/market/contracts/{id}/experts", post(contract_records::send_to_experts))
        .route("/market/contracts/{id}/objections", post(contract_records::object))
        .route("/market/contracts/{id}/changes/{record}", post(contract_records::decide))
        .route(
            "/market/contracts/{id}/change",
            get(contracts::change_form).post(contracts::request_change),
        )
        .route("/api/v1/market/contracts/{id}/records", get(contract_records::api_records))
        .route("/api/v1/market/contracts/{id}/files", post(contract_records::api_upload))
        .route("/api/v1/market/contracts/{id}/files/{file}", get(contract_records::download))
        .route("/api/v1/market/contracts/{id}/experts", post(contract_records::api_send_to_experts))
        .route("/api/v1/market/contracts/{id}/changes", post(contract_records::api_request_change))
        .route("/api/v1/market/contracts/{id}/objections", post(contract_records::api_object))
        .route(
            "/api/v1/market/contracts/{id}/changes/{record}/decision",
            post(contract_records::api_decide),
        )
}
