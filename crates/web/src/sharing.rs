//! Shared instruments (大型科研仪器共享): the public catalogue and each instrument's week
//! (`catalogue`), booking and one's own bookings (`booking`), the owner's workspace — records,
//! import, blackouts, requests to decide and uses to close (`owner`) — and the same in
//! `/api/v1` (`api`).
mod api;
mod booking;
mod catalogue;
mod editing;
mod evaluation;
mod evaluation_api;
mod exchange;
mod exchange_api;
mod orders;
mod owner;
mod provider_desk;
mod providers;
mod providers_api;
mod relations;
mod voucher_use;
mod vouchers;
mod vouchers_api;

pub use api::*;
pub use booking::CancelInput;
pub use editing::{__path_api_update, ApiInstrumentUpdate, api_update};
pub use evaluation::OutcomeInput;
pub use evaluation_api::*;
pub use exchange::{ClaimInput, PartnerInput};
pub use exchange_api::*;
pub use orders::StepInput;
pub use owner::{BlackoutInput, CloseInput, DecideInput, StatusInput};
pub use provider_desk::ActiveInput;
pub use providers::ProviderDecision;
pub use providers_api::*;
pub use relations::{
    __path_api_add_relation, __path_api_relations, __path_api_remove_relation, ApiRelation,
    RelationInput, api_add_relation, api_relations, api_remove_relation,
};
pub(crate) use voucher_use::new_key;
pub use voucher_use::{ApplyInput, RedeemInput};
pub use vouchers::{GrantInput, ReasonInput, SettleInput, VerifyInput};
pub use vouchers_api::*;

use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use innocity_core::access::{Capability, Principal, Scope, Target};
use innocity_core::projects::money::Money;
use innocity_core::sharing::booking::Span;
use innocity_store::sharing::{self as store, Booker, BookingRow, InstrumentRow};

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/sharing", get(catalogue::page))
        .route("/sharing/instruments/{id}", get(catalogue::view))
        .route("/sharing/instruments/{id}/calendar", get(catalogue::calendar))
        .route("/sharing/instruments/{id}/book", post(booking::book))
        .route("/sharing/bookings", get(booking::mine))
        .route("/sharing/bookings/{id}/cancel", post(booking::cancel))
        .route("/sharing/mine", get(owner::page).post(owner::add))
        .route("/sharing/mine/import", post(owner::import))
        .route("/sharing/mine/template.xlsx", get(owner::template))
        .route("/sharing/instruments/{id}/status", post(owner::status))
        .route("/sharing/instruments/{id}/edit", get(editing::edit_form).post(editing::edit))
        .route("/sharing/instruments/{id}/blackouts", post(owner::blackout))
        .route("/sharing/bookings/{id}/decide", post(owner::decide))
        .route("/sharing/bookings/{id}/close", post(owner::close))
        .route("/sharing/bookings/{id}/no-show", post(owner::no_show))
        .route("/api/v1/public/instruments", get(api::api_catalogue))
        .route("/api/v1/public/instruments/{id}", get(api::api_instrument))
        .route("/api/v1/instruments", get(api::api_mine).post(api::api_add))
        .route("/api/v1/instruments/{id}", axum::routing::put(editing::api_update))
        .route("/api/v1/instruments/{id}/status", post(api::api_status))
        .route("/api/v1/instruments/{id}/blackouts", post(api::api_blackout))
        .route("/api/v1/instruments/{id}/bookings", post(api::api_book))
        .route("/api/v1/bookings", get(api::api_bookings))
        .route("/api/v1/bookings/{id}/decide", post(api::api_decide))
        .route("/api/v1/bookings/{id}/cancel", post(api::api_cancel))
        .route("/api/v1/bookings/{id}/close", post(api::api_close))
        .route("/api/v1/bookings/{id}/no-show", post(api::api_no_show))
        .merge(voucher_routes())
        .merge(provider_routes())
}

fn provider_routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/providers", get(providers::directory))
        .route("/providers/registry", get(providers::registry))
        .route("/providers/mine", get(provider_desk::page))
        .route("/providers/mine/profile", post(provider_desk::save_profile))
        .route("/providers/mine/accreditations", post(provider_desk::add_accreditation))
        .route(
            "/providers/mine/accreditations/{id}/remove",
            post(provider_desk::remove_accreditation),
        )
        .route("/providers/mine/services", post(provider_desk::add_service))
        .route(
            "/providers/mine/services/{id}",
            get(provider_desk::edit_service_form).post(provider_desk::edit_service),
        )
        .route("/providers/mine/services/{id}/active", post(provider_desk::set_active))
        .route("/providers/{id}", get(providers::view))
        .route("/providers/{id}/decide", post(providers::decide))
        .route("/providers/services/{id}/order", post(orders::place))
        .route("/services/orders", get(orders::mine))
        .route("/services/orders/{id}/step", post(orders::step))
        .route("/services/orders/{id}/report-file", post(orders::attach))
        .route("/services/orders/{id}/report", get(orders::report))
        .route("/services/orders/{id}/rate", post(orders::rate_order))
        .route("/sharing/bookings/{id}/rate", post(orders::rate_booking))
        .merge(providers_api::routes())
        .route("/sharing/evaluation", get(evaluation::page))
        .route("/sharing/evaluation/{year}/publish", post(evaluation::publish))
        .route("/sharing/evaluation/{year}/report.xlsx", get(evaluation::xlsx))
        .route("/sharing/evaluation/{year}/report.pdf", get(evaluation::pdf))
        .route("/sharing/evaluation/results/{id}/outcome", post(evaluation::outcome))
        .route("/api/v1/sharing-evaluations/{year}", get(evaluation_api::api_sharing_evaluation))
        .route(
            "/api/v1/sharing-evaluations/{year}/publish",
            post(evaluation_api::api_publish_evaluation),
        )
        .route(
            "/api/v1/sharing-evaluation-results/{id}/outcome",
            post(evaluation_api::api_evaluation_outcome),
        )
}

fn voucher_routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/vouchers", get(vouchers::page).post(vouchers::create))
        .route("/vouchers/{id}", get(vouchers::view))
        .route("/vouchers/{id}/settle", post(vouchers::settle))
        .route("/vouchers/{id}/expire", post(vouchers::expire))
        .route("/vouchers/{id}/apply", post(voucher_use::apply))
        .route("/vouchers/applications/{id}/decide", post(vouchers::decide))
        .route("/vouchers/redemptions/{id}/verify", post(vouchers::verify))
        .route("/vouchers/redemptions/{id}/claw-back", post(vouchers::claw_back))
        .route("/vouchers/partners", get(exchange::partners).post(exchange::add))
        .route("/vouchers/partners/{id}", get(exchange::view))
        .route("/vouchers/partners/{id}/roster.json", get(exchange::roster))
        .route("/vouchers/partners/{id}/roster", post(exchange::import_roster))
        .route("/vouchers/partners/{id}/inbox", post(exchange::inbox))
        .route("/vouchers/partners/{id}/claims", post(exchange::claim))
        .route("/vouchers/partner-redemptions/{id}/verify", post(exchange::verify))
        .route("/vouchers/exchange/{id}", get(exchange::statement))
        .route("/vouchers/exchange/{id}/file.json", get(exchange::statement_file))
        .route("/vouchers/exchange/{id}/lines.xlsx", get(exchange::statement_xlsx))
        .route(
            "/api/v1/voucher-partners",
            get(exchange_api::api_partners).post(exchange_api::api_add_partner),
        )
        .route("/api/v1/voucher-partners/{id}", get(exchange_api::api_partner_detail))
        .route(
            "/api/v1/voucher-partners/{id}/roster",
            get(exchange_api::api_roster).put(exchange_api::api_import_roster),
        )
        .route("/api/v1/voucher-partners/{id}/claims", post(exchange_api::api_claim))
        .route("/api/v1/voucher-partners/{id}/inbox", post(exchange_api::api_inbox))
        .route("/api/v1/exchange-statements/{id}", get(exchange_api::api_statement_detail))
        .route("/api/v1/exchange-statements/{id}/file", get(exchange_api::api_statement_file))
        .route(
            "/api/v1/partner-redemptions",
            get(exchange_api::api_my_partner_redemptions).post(exchange_api::api_redeem_partner),
        )
        .route("/api/v1/partner-redemptions/{id}/verify", post(exchange_api::api_verify_partner))
        .route("/orgs/{id}/relations", get(relations::page).post(relations::add))
        .route("/orgs/{id}/relations/{person}/remove", post(relations::remove))
        .route(
            "/api/v1/organisations/{id}/relations",
            get(relations::api_relations).post(relations::api_add_relation),
        )
        .route(
            "/api/v1/organisations/{id}/relations/{person}",
            axum::routing::delete(relations::api_remove_relation),
        )
        .route("/vouchers/mine", get(voucher_use::mine))
        .route("/vouchers/redeem", get(voucher_use::redeem_form).post(voucher_use::redeem))
        .route(
            "/api/v1/voucher-programmes",
            get(vouchers_api::api_voucher_programmes).post(vouchers_api::api_open_programme),
        )
        .route("/api/v1/voucher-programmes/{id}", get(vouchers_api::api_voucher_programme))
        .route("/api/v1/voucher-programmes/{id}/settle", post(vouchers_api::api_settle))
        .route("/api/v1/voucher-programmes/{id}/expire", post(vouchers_api::api_expire))
        .route(
            "/api/v1/voucher-programmes/{id}/applications",
            post(vouchers_api::api_apply_vouchers),
        )
        .route("/api/v1/voucher-applications/{id}/decide", post(vouchers_api::api_grant))
        .route(
            "/api/v1/voucher-redemptions",
            get(vouchers_api::api_my_redemptions).post(vouchers_api::api_redeem),
        )
        .route("/api/v1/voucher-redemptions/{id}/verify", post(vouchers_api::api_verify_redemption))
        .route("/api/v1/voucher-redemptions/{id}/claw-back", post(vouchers_api::api_claw_back))
        .route("/api/v1/my/vouchers", get(vouchers_api::api_my_vouchers))
}

/// A stored time on the platform's clock as officials write it: 2026年12月08日 09:00.
pub fn when(ctx: &Ctx, ms: i64) -> String {
    ctx.clock.local_of_ms(ms).map(|t| local_text(ctx.lang, t)).unwrap_or_default()
}

pub fn local_text(lang: Lang, t: chrono::NaiveDateTime) -> String {
    match lang {
        Lang::Zh => t.format("%Y年%m月%d日 %H:%M").to_string(),
        Lang::En => t.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// A span as one line: 2026年12月08日 09:00–10:15.
pub fn span_text(lang: Lang, s: Span) -> String {
    format!("{}–{}", local_text(lang, s.start), s.end.format("%H:%M"))
}

/// A stored span (timestamps) on the platform's clock.
pub fn span_of(ctx: &Ctx, from: i64, to: i64) -> Option<Span> {
    Some(Span { start: ctx.clock.local_of_ms(from)?, end: ctx.clock.local_of_ms(to)? })
}

/// Money as the catalogue shows it: 1,234.50 元.
pub fn yuan(lang: Lang, m: Money) -> String {
    format!("{} {}", m.yuan_text(), t(lang, "sharing.yuan"))
}

/// The words of a category.
pub fn category_name(lang: Lang, code: &str) -> String {
    innocity_core::sharing::instruments::CATEGORIES
        .iter()
        .find(|c| c.0 == code)
        .map_or(code, |c| lang.pick(c.1, c.2))
        .to_string()
}

pub fn status_name(lang: Lang, code: &str) -> String {
    t(lang, &format!("sharing.status.{code}")).to_string()
}

/// The words of a sharing refusal in the user's language.
pub fn refusal_text(lang: Lang, r: &store::SharingRefusal) -> String {
    let (key, args) = crate::error::refusals::sharing(r);
    tf(lang, key, &args)
}

/// The organisation a principal books for or owns instruments as, when it has one.
pub fn own_organisation(p: &Principal) -> Option<i64> {
    match p.scope {
        Scope::Organisation(id) => Some(id),
        _ => None,
    }
}

pub fn booker(ctx: &Ctx, p: &Principal) -> AppResult<Booker> {
    let organisation_id = own_organisation(p).ok_or_else(|| ctx.err(AppError::forbidden()))?;
    Ok(Booker { user_id: p.user_id, organisation_id })
}

fn parse_id(ctx: &Ctx, id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| ctx.err(AppError::not_found()))
}

/// Any instrument of the catalogue (retired ones too: their pages stay), else not found.
pub async fn any_instrument(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<InstrumentRow> {
    let id = parse_id(ctx, id)?;
    store::instrument(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

/// Whether the principal may act as the owner of an instrument of `owner_id` under `path`.
pub fn owns(p: &Principal, owner_id: i64, path: &str) -> bool {
    let target = Target { unit_path: path, organisation_id: Some(owner_id) };
    p.authorize_on(Capability::ShareInstruments, target).is_ok()
}

/// An instrument the principal owns, else not found (never a leak of another's records).
pub async fn owned_instrument(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
) -> AppResult<InstrumentRow> {
    let ins = any_instrument(state, ctx, id).await?;
    if owns(p, ins.owner_id, &ins.unit_path) {
        Ok(ins)
    } else {
        Err(ctx.err(AppError::not_found()))
    }
}

/// A booking of an instrument the principal owns, else not found.
pub async fn owned_booking(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
) -> AppResult<BookingRow> {
    let id = parse_id(ctx, id)?;
    store::booking(&state.db, id)
        .await?
        .filter(|b| owns(p, b.owner_id, &b.owner_path))
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

/// Whether the principal made the booking, or administers the organisation it was made for.
pub fn booked_by(p: &Principal, b: &BookingRow) -> bool {
    let may = p.role.allows(Capability::BookInstruments);
    may && b.user_id == p.user_id
        || (may
            && p.role == innocity_core::access::Role::OrgAdmin
            && own_organisation(p) == Some(b.organisation_id))
}

/// A choice that is none of those offered (a decision, an action, a state), named by its field.
pub fn choose_one(ctx: &Ctx, field: &str) -> AppError {
    let msg = t(ctx.lang, "err.choose").to_string();
    crate::subjects::api::invalid(ctx, vec![(field.to_string(), msg)])
}

/// Runs a sharing change, turning a refusal into a 409 with its words (or a 422 on `field`).
pub fn refused_on(ctx: &Ctx, field: &str, e: innocity_store::StoreError) -> AppError {
    match e {
        innocity_store::StoreError::Sharing(r) => crate::subjects::api::invalid(
            ctx,
            vec![(field.to_string(), refusal_text(ctx.lang, &r))],
        ),
        other => other.into(),
    }
}
