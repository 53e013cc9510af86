//! An expert's own reviews and bids: what is assigned, scoring and withdrawing, bidding.
use super::{Notice, my_expert, notice_text};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ReviewAsExpert, field_error, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_store::experts::{self as store, Assignment, Expert, ReviewInput};
use std::collections::{BTreeMap, HashMap};

#[derive(Template)]
#[template(path = "my_reviews.html")]
struct MyReviewsPage {
    s: Shell,
    rows: Vec<MyReviewRow>,
    bidding: Vec<BiddingRound>,
}

/// One assignment in the expert's list.
struct MyReviewRow {
    id: i64,
    round: String,
    code: String,
    title: String,
    status: &'static str,
    deadline: String,
    /// Still to be scored: assigned, and the round is open.
    open: bool,
}

/// A round open for the expert's bids.
struct BiddingRound {
    id: i64,
    name: String,
    deadline: String,
}

pub async fn my_reviews(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let e = my_expert(&state, ctx, a.principal.user_id).await?;
    let mut rounds: HashMap<i64, store::Round> = HashMap::new();
    let mut rows = Vec::new();
    for x in store::assignments_of_expert(&state.db, e.id).await? {
        if !rounds.contains_key(&x.round_id)
            && let Some(r) = store::round(&state.db, x.round_id).await?
        {
            rounds.insert(x.round_id, r);
        }
        let Some(r) = rounds.get(&x.round_id) else { continue };
        let it = store::item(&state.db, x.item_id).await?.ok_or_else(AppError::not_found)?;
        rows.push(MyReviewRow {
            id: x.id,
            round: r.name.clone(),
            code: it.code,
            title: it.title,
            status: t(lang, &format!("reviews.a.{}", x.status)),
            deadline: r.deadline.clone(),
            open: x.status == "assigned" && r.is_open(),
        });
    }
    let bidding = store::biddable(&state.db, &e)
        .await?
        .into_iter()
        .map(|r| BiddingRound { id: r.id, name: r.name, deadline: r.deadline })
        .collect();
    Ok(render(&MyReviewsPage { s: ctx.shell(), rows, bidding }))
}

#[derive(Template)]
#[template(path = "my_review.html")]
struct MyReviewPage {
    s: Shell,
    a: Assignment,
    status_label: &'static str,
    item: store::Item,
    round: store::Round,
    notice: String,
    editable: bool,
    criteria: Vec<CriterionRow>,
    recommendations: Vec<Choice>,
    total: String,
    others: Vec<String>,
}

/// A scoring criterion with the expert's score so far.
struct CriterionRow {
    code: String,
    name: String,
    weight: String,
    max: String,
    step: String,
    score: String,
}

async fn my_assignment(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    id: i64,
) -> AppResult<(Expert, Assignment)> {
    let e = my_expert(state, ctx, user_id).await?;
    let x = store::assignment(&state.db, id)
        .await?
        .filter(|x| x.expert_id == e.id)
        .ok_or_else(AppError::not_found)?;
    Ok((e, x))
}

pub async fn my_review(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let (_, x) = my_assignment(&state, ctx, a.principal.user_id, id).await?;
    let round = store::round(&state.db, x.round_id).await?.ok_or_else(AppError::not_found)?;
    let item = store::item(&state.db, x.item_id).await?.ok_or_else(AppError::not_found)?;
    let editable = x.status == "assigned"
        && round.is_open()
        && round.deadline_date().is_none_or(|d| ctx.today() <= d);
    let criteria = round
        .form
        .criteria
        .iter()
        .map(|c| CriterionRow {
            code: c.code.clone(),
            name: lang.pick(&c.name_zh, &c.name_en).to_string(),
            weight: format!("{}", c.weight),
            max: format!("{}", c.max),
            step: format!("{}", c.step),
            score: x.scores.get(&c.code).map(|v| format!("{v}")).unwrap_or_default(),
        })
        .collect();
    let recommendations = round
        .form
        .recommendations
        .iter()
        .map(|r| Choice::new(r, t(lang, &format!("reviews.rec.{r}")), x.recommendation == *r))
        .collect();
    // Blind until the round closes; then the panel's totals, without names.
    let others = if round.is_open() {
        vec![]
    } else {
        store::assignments(&state.db, round.id)
            .await?
            .into_iter()
            .filter(|o| o.item_id == x.item_id && o.id != x.id)
            .filter_map(|o| o.total)
            .map(|v| format!("{v:.1}"))
            .collect()
    };
    Ok(render(&MyReviewPage {
        s: ctx.shell(),
        status_label: t(lang, &format!("reviews.a.{}", x.status)),
        total: x.total.map(|v| format!("{v:.2}")).unwrap_or_default(),
        notice: notice_text(lang, &q),
        editable,
        criteria,
        recommendations,
        others,
        a: x,
        item,
        round,
    }))
}

pub async fn my_review_save(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (_, x) = my_assignment(&state, ctx, a.principal.user_id, id).await?;
    let round = store::round(&state.db, x.round_id).await?.ok_or_else(AppError::not_found)?;
    let fields = Fields(
        serde_urlencoded::from_bytes(&body).map_err(|_| ctx.err(AppError::malformed("form")))?,
    );
    let get = |k: &str| fields.get(k);
    let scores = read_scores(ctx, &round.form, &fields)?;
    let comment = get("comment");
    if comment.chars().count() > 5000 {
        return Err(field_error(ctx, "comment", "err.too_long", vec!["5000".into()]));
    }
    let submit = get("submit") == "1";
    if submit {
        if let Some(c) = round.form.criteria.iter().find(|c| !scores.contains_key(&c.code)) {
            return Err(field_error(
                ctx,
                &format!("score_{}", c.code),
                "reviews.err.missing",
                vec![lang_name(ctx.lang, c)],
            ));
        }
        if !round.form.recommendations.contains(&get("recommendation")) {
            return Err(field_error(ctx, "recommendation", "err.choose", vec![]));
        }
        if comment.chars().count() < round.form.min_comment_chars {
            return Err(field_error(
                ctx,
                "comment",
                "reviews.err.comment",
                vec![round.form.min_comment_chars.to_string()],
            ));
        }
    }
    let input = ReviewInput {
        scores,
        recommendation: get("recommendation"),
        comment,
        submit,
        version: get("version").parse().unwrap_or(0),
    };
    store::save_review(&state.db, id, a.principal.user_id, &input, ctx.today(), ctx.actor())
        .await?;
    Ok(Redirect::to(&format!(
        "/my/reviews/{id}?notice={}",
        if submit { "reviews.submitted" } else { "reviews.draft_saved" }
    ))
    .into_response())
}

/// A review form's fields as posted, in order.
struct Fields(Vec<(String, String)>);

impl Fields {
    /// A field's value, trimmed; empty when missing.
    fn get(&self, k: &str) -> String {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }
}

/// The scores given, criterion by criterion: each a number on the criterion's scale.
fn read_scores(
    ctx: &Ctx,
    form: &innocity_core::experts::scoring::Form,
    fields: &Fields,
) -> AppResult<BTreeMap<String, f64>> {
    let mut scores = BTreeMap::new();
    for c in &form.criteria {
        let v = fields.get(&format!("score_{}", c.code));
        if v.is_empty() {
            continue;
        }
        let n: f64 = v.parse().map_err(|_| {
            field_error(
                ctx,
                &format!("score_{}", c.code),
                "reviews.err.not_number",
                vec![lang_name(ctx.lang, c), v.clone()],
            )
        })?;
        if !n.is_finite()
            || n < 0.0
            || n > c.max
            || ((n / c.step) - (n / c.step).round()).abs() > 1e-6
        {
            return Err(field_error(
                ctx,
                &format!("score_{}", c.code),
                "reviews.err.scale",
                vec![lang_name(ctx.lang, c), v, format!("{}", c.max), format!("{}", c.step)],
            ));
        }
        scores.insert(c.code.clone(), n);
    }
    Ok(scores)
}

fn lang_name(lang: Lang, c: &innocity_core::experts::scoring::Criterion) -> String {
    lang.pick(&c.name_zh, &c.name_en).to_string()
}

#[derive(serde::Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
}

/// The expert declines the item or declares a conflict; the item is reassigned.
pub async fn my_review_withdraw(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: WithdrawForm = parse_form(ctx, &body)?;
    withdraw(&state, ctx, a.principal.user_id, id, &f.kind, &f.reason).await?;
    Ok(Redirect::to("/my/reviews").into_response())
}

/// The expert's own review given up — declined (`decline`) or a conflict declared (`conflict`),
/// with a reason — for the page and the API alike; the replacement's code, if one was found.
pub(super) async fn withdraw(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    id: i64,
    kind: &str,
    reason: &str,
) -> AppResult<Option<String>> {
    my_assignment(state, ctx, user_id, id).await?;
    let conflict = match kind {
        "conflict" => true,
        "decline" => false,
        _ => return Err(field_error(ctx, "kind", "err.choose", vec![])),
    };
    if reason.trim().is_empty() {
        return Err(field_error(ctx, "reason", "err.required", vec![]));
    }
    if reason.chars().count() > 500 {
        return Err(field_error(ctx, "reason", "err.too_long", vec!["500".into()]));
    }
    Ok(store::withdraw(&state.db, id, user_id, conflict, reason, ctx.today(), ctx.actor()).await?)
}

#[derive(Template)]
#[template(path = "my_bids.html")]
struct BidsPage {
    s: Shell,
    round: store::Round,
    notice: String,
    items: Vec<BidItem>,
}

/// An item of the round with the expert's bid on it.
struct BidItem {
    id: i64,
    code: String,
    title: String,
    discipline: String,
    bid: String,
}

async fn bid_round(
    state: &AppState,
    ctx: &Ctx,
    e: &Expert,
    round_id: i64,
) -> AppResult<store::Round> {
    store::biddable(&state.db, e)
        .await?
        .into_iter()
        .find(|r| r.id == round_id)
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

/// Bidding (eager / willing / unwilling) on a round's items, where the call allows it.
pub async fn my_bids(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let e = my_expert(&state, ctx, a.principal.user_id).await?;
    let round = bid_round(&state, ctx, &e, id).await?;
    let bids = store::bids_of(&state.db, id, e.id).await?;
    let items = store::items(&state.db, id)
        .await?
        .into_iter()
        .map(|i| BidItem {
            bid: bids.get(&i.id).cloned().unwrap_or_default(),
            id: i.id,
            code: i.code,
            title: i.title,
            discipline: i.discipline,
        })
        .collect();
    Ok(render(&BidsPage { s: ctx.shell(), notice: notice_text(ctx.lang, &q), round, items }))
}

#[derive(serde::Deserialize)]
pub struct BidForm {
    #[serde(default)]
    item: i64,
    #[serde(default)]
    bid: String,
}

pub async fn my_bid(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: BidForm = parse_form(ctx, &body)?;
    let e = my_expert(&state, ctx, a.principal.user_id).await?;
    bid_round(&state, ctx, &e, id).await?;
    let item = store::item(&state.db, f.item)
        .await?
        .filter(|i| i.round_id == id)
        .ok_or_else(|| field_error(ctx, "item", "err.choose", vec![]))?;
    if !matches!(f.bid.as_str(), "eager" | "willing" | "unwilling") {
        return Err(field_error(ctx, "bid", "err.choose", vec![]));
    }
    store::set_bid(&state.db, item.id, e.id, &f.bid, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/my/bids/{id}?notice=reviews.bid_saved")).into_response())
}
