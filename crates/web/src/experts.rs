//! The expert libraries, review rounds, experts' own reviews and research credit, as pages.
//! Staff (ManageExperts) see libraries, conflicts and results; an expert (ReviewAsExpert) sees
//! only their own profile and assigned items — never another expert's name or score before the
//! round closes, never a conflict's details about others; applicants see none of it.
pub mod credit;
pub mod library;
pub mod me;
pub mod my_reviews;
pub mod rounds;
pub mod rounds_api;

use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use innocity_core::credit::{Nature, Record};
use innocity_core::experts::conflicts::{Tie, TieKind};
use innocity_store::experts::{self as store, Expert, Mode};

fn status_label(lang: Lang, s: &str) -> &'static str {
    t(lang, &format!("experts.status.{s}"))
}

#[derive(serde::Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    notice: String,
    #[serde(default)]
    n: String,
}

fn notice_text(lang: Lang, q: &Notice) -> String {
    if q.notice.is_empty()
        || !q.notice.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return String::new();
    }
    tf(lang, &format!("notice.{}", q.notice), std::slice::from_ref(&q.n))
}

async fn my_expert(state: &AppState, ctx: &Ctx, user_id: i64) -> AppResult<Expert> {
    store::by_user(&state.db, user_id).await?.ok_or_else(|| {
        ctx.err(AppError::new(StatusCode::NOT_FOUND, "not_found", "experts.err.no_profile"))
    })
}

fn tie_label(lang: Lang, k: TieKind) -> &'static str {
    t(lang, &format!("experts.tie.{}", k.code()))
}

/// A tie of an expert's (employer, co-author, ...) as the pages list it.
struct TieRow {
    kind: &'static str,
    name: String,
    year: String,
}

fn tie_row(lang: Lang, t: Tie) -> TieRow {
    TieRow {
        kind: tie_label(lang, t.kind),
        name: if t.name.is_empty() { t.credit_code } else { t.name },
        year: t.year.map(|y| y.to_string()).unwrap_or_default(),
    }
}

/// A research credit record as the pages list it.
struct CreditRow {
    date: String,
    nature: String,
    kind: String,
    source: String,
    sanction: String,
}

fn credit_row(lang: Lang, r: &Record) -> CreditRow {
    let nature =
        t(lang, if r.nature == Nature::Good { "credit.good" } else { "credit.bad" }).to_string();
    let sanction = match r.sanction {
        innocity_core::credit::Sanction::None => "—".to_string(),
        innocity_core::credit::Sanction::Years(y) => tf(
            lang,
            "credit.ban_years",
            &[
                y.to_string(),
                r.ban_until().map(|d| d.format("%Y年%m月%d日").to_string()).unwrap_or_default(),
            ],
        ),
        innocity_core::credit::Sanction::Permanent => t(lang, "credit.permanent").to_string(),
    };
    CreditRow {
        date: r.date.format("%Y年%m月%d日").to_string(),
        nature,
        kind: r.kind.clone(),
        source: r.source.clone(),
        sanction,
    }
}

/// The expert pages: the library, an expert's own profile, review rounds, an expert's reviews and
/// bids, research credit.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/experts", get(library::list).post(library::create))
        .route("/experts/new", get(library::new_form))
        .route("/experts/me", get(me::me_page).post(me::me_save))
        .route("/experts/me/reconfirm", post(me::me_reconfirm))
        .route("/experts/me/ties", post(me::me_tie))
        .route("/experts/{id}", get(library::view))
        .route("/experts/{id}/status", post(library::set_status))
        .route("/reviews", get(rounds::rounds))
        .route("/reviews/{id}", get(rounds::round_page))
        .route("/reviews/{id}/results.xlsx", get(rounds::results_xlsx))
        .route("/reviews/{id}/{action}", post(rounds::round_action))
        .route("/my/reviews", get(my_reviews::my_reviews))
        .route("/my/bids/{id}", get(my_reviews::my_bids).post(my_reviews::my_bid))
        .route("/my/reviews/{id}", get(my_reviews::my_review).post(my_reviews::my_review_save))
        .route("/my/reviews/{id}/withdraw", post(my_reviews::my_review_withdraw))
        .route("/api/v1/reviews/{id}", get(rounds_api::api_round))
        .route("/api/v1/reviews/{id}/assign", post(rounds_api::api_assign))
        .route("/api/v1/my/reviews/{id}/withdraw", post(rounds_api::api_withdraw))
        .route("/credit", get(credit::credit_page).post(credit::credit_add))
}
