//! Open challenges (揭榜挂帅) as pages: the public list and a challenge's page (the problem,
//! the reward, the winner and the work's milestones once published); the bureau raises a demand
//! to a challenge, sends the proposals to the experts, picks the winner or closes it, and accepts
//! milestones; solvers apply with a proposal; the winner reports its milestones. Who may do
//! what is decided in [`Role::of`] alone; the JSON operations are in `challenges_api`.
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageMarket, ViewWorkspace};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::orgs::field_messages;
use crate::page::{FieldErrors, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal, Scope};
use innocity_core::market::challenges::{
    MilestoneStatus, MilestoneStep, ProposalInput, RaiseInput, ReviewInput, STATUSES, Status,
    parse_milestones, validate_proposal, validate_raise, validate_review,
};
use innocity_core::orgs::FieldError;
use innocity_store::experts::Mode;
use innocity_store::market::challenges::{
    self as store, Application, Award, Challenge, MilestoneRow, Ranked, ReviewPlan,
};
use innocity_store::market::demands as demand_store;
use serde::Deserialize;

/// What the viewer is to a challenge: decided here, for pages and API alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The registration office's market staff: review, award, close, accept milestones.
    Office,
    /// An organisation that may apply (or has applied) with a proposal.
    Solver(i64),
    /// Anyone else: what is published.
    Public,
}

impl Role {
    pub fn of(p: Option<&Principal>) -> Role {
        match p {
            Some(p) if p.role.allows(Capability::ManageMarket) => Role::Office,
            Some(p) if p.role.allows(Capability::OfferAchievements) => match p.scope {
                Scope::Organisation(o) => Role::Solver(o),
                _ => Role::Public,
            },
            _ => Role::Public,
        }
    }
    /// Whether this viewer takes `step` on the challenge's milestones (the winner reports,
    /// the office accepts or returns).
    pub fn may_step(self, c: &Challenge, winner_org: Option<i64>, step: MilestoneStep) -> bool {
        match self {
            Role::Office => !step.by_winner(),
            Role::Solver(o) => step.by_winner() && winner_org == Some(o) && c.winner_id.is_some(),
            Role::Public => false,
        }
    }
}

pub fn parse_id(ctx: &Ctx, id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| ctx.err(AppError::not_found()))
}

pub async fn load(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<Challenge> {
    let id = parse_id(ctx, id)?;
    store::challenge(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

/// The winner's proposal, once published.
pub fn winner<'a>(c: &Challenge, apps: &'a [Application]) -> Option<&'a Application> {
    c.winner_id.and_then(|w| apps.iter().find(|a| a.id == w))
}

/// The review plan in the store's words.
pub fn review_plan(
    i: &ReviewInput,
    today: chrono::NaiveDate,
) -> Result<ReviewPlan, Vec<FieldError>> {
    let r = validate_review(i, today)?;
    let mode = Mode::parse(r.mode).unwrap_or(Mode::Assign);
    Ok(ReviewPlan { name: r.name, mode, demand: r.experts, deadline: r.deadline })
}

fn status_label(lang: Lang, s: Status) -> String {
    t(lang, &format!("challenge.status.{}", s.code())).to_string()
}

fn wan(lang: Lang, m: innocity_core::projects::money::Money) -> String {
    format!("{} {}", m.wan_text(), t(lang, "market.wan_yuan"))
}

fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

/// A challenge in a list.
pub struct Line {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub organisation: String,
    pub reward: String,
    pub apply_by: String,
    pub status: String,
    pub status_code: &'static str,
}

fn line(lang: Lang, c: &Challenge) -> Line {
    Line {
        id: c.id,
        code: c.code.clone(),
        title: c.title.clone(),
        organisation: c.organisation.clone(),
        reward: wan(lang, c.reward),
        apply_by: day(c.apply_by),
        status: status_label(lang, c.status),
        status_code: c.status.code(),
    }
}

#[derive(Template)]
#[template(path = "market_challenges.html")]
struct ListPage {
    s: Shell,
    list: Vec<Line>,
    /// (code, label, chosen) of the state filter.
    states: Vec<(String, String, bool)>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: String,
}

/// The challenges, newest first, in one state or all (public).
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let chosen = Status::parse(q.status.trim());
    let list = store::list(&state.db, chosen).await?.iter().map(|c| line(ctx.lang, c)).collect();
    let states = STATUSES
        .iter()
        .map(|s| (s.code().to_string(), status_label(ctx.lang, *s), Some(*s) == chosen))
        .collect();
    Ok(render(&ListPage { s: ctx.shell(), list, states }))
}

/// A proposal as the office (all) or its solver (its own) sees it.
struct ProposalLine {
    id: i64,
    code: String,
    organisation: String,
    title: String,
    leader: String,
    members: String,
    proposal: String,
    /// `第 1 名 · 4 份评审 · 均分 86.5`, or empty before the review.
    result: String,
    first: bool,
}

fn proposal_lines(lang: Lang, apps: &[Application], ranked: &[Ranked]) -> Vec<ProposalLine> {
    apps.iter()
        .map(|a| {
            let r = ranked.iter().find(|r| r.code == a.code);
            ProposalLine {
                id: a.id,
                code: a.code.clone(),
                organisation: a.organisation.clone(),
                title: a.title.clone(),
                leader: a.leader.clone(),
                members: a.members.join("、"),
                proposal: a.proposal.clone(),
                result: r
                    .map(|r| {
                        let mut s = crate::i18n::tf(
                            lang,
                            "challenge.result",
                            &[r.rank.to_string(), r.reviews.to_string(), format!("{:.1}", r.mean)],
                        );
                        if r.disagreement {
                            s.push_str(" · ");
                            s.push_str(t(lang, "challenge.disagreement"));
                        }
                        s
                    })
                    .unwrap_or_default(),
                first: r.is_some_and(|r| r.rank == 1),
            }
        })
        .collect()
}

/// A milestone as the page shows it.
struct MilestoneLine {
    seq: i64,
    due: String,
    title: String,
    pay: String,
    status: String,
    status_code: &'static str,
    report: String,
    reason: String,
    done_on: String,
    /// The viewer may report (winner) or accept/return (office) it now.
    can_report: bool,
    can_decide: bool,
}

fn milestone_lines(
    lang: Lang,
    role: Role,
    c: &Challenge,
    winner_org: Option<i64>,
    rows: &[MilestoneRow],
) -> Vec<MilestoneLine> {
    let current = rows.iter().find(|m| m.status != MilestoneStatus::Accepted).map(|m| m.seq);
    rows.iter()
        .map(|m| {
            let now = c.status == Status::Awarded && current == Some(m.seq);
            MilestoneLine {
                seq: m.seq,
                due: day(m.due),
                title: m.title.clone(),
                pay: wan(lang, m.pay),
                status: t(lang, &format!("challenge.milestone.{}", m.status.code())).to_string(),
                status_code: m.status.code(),
                report: m.report.clone(),
                reason: m.reason.clone(),
                done_on: if m.accepted_on.is_empty() {
                    m.reported_on.clone()
                } else {
                    m.accepted_on.clone()
                },
                can_report: now
                    && m.status == MilestoneStatus::Pending
                    && role.may_step(c, winner_org, MilestoneStep::Report),
                can_decide: now
                    && m.status == MilestoneStatus::Reported
                    && role.may_step(c, winner_org, MilestoneStep::Accept),
            }
        })
        .collect()
}

/// What the forms on the page hold, with their problems.
#[derive(Default)]
pub struct Forms {
    pub proposal: ProposalInput,
    pub review: ReviewInput,
    pub award: AwardForm,
    pub close_reason: String,
    pub errors: FieldErrors,
    /// Which form the errors belong to.
    pub failed: &'static str,
}

#[derive(Template)]
#[template(path = "market_challenge.html")]
struct ChallengePage {
    s: Shell,
    c: Challenge,
    reward: String,
    apply_by: String,
    status: String,
    taking: bool,
    /// The office.
    office: bool,
    /// A solver who may apply now.
    may_apply: bool,
    /// The solver's own proposal, or every proposal for the office.
    proposals: Vec<ProposalLine>,
    count: usize,
    winner: Option<ProposalLine>,
    awarded_on: String,
    milestones: Vec<MilestoneLine>,
    paid: String,
    round_href: String,
    f: Forms,
}

async fn page(state: &AppState, ctx: &Ctx, c: Challenge, f: Forms) -> AppResult<ChallengePage> {
    let lang = ctx.lang;
    let role = Role::of(ctx.principal.as_ref());
    let apps = store::applications(&state.db, c.id).await?;
    let ranked = store::ranking(&state.db, &c).await?;
    let winner_app = winner(&c, &apps);
    let winner_org = winner_app.map(|w| w.organisation_id);
    let shown: Vec<Application> = apps
        .iter()
        .filter(|a| match role {
            Role::Office => true,
            Role::Solver(o) => a.organisation_id == o,
            Role::Public => false,
        })
        .cloned()
        .collect();
    let rows = store::milestones(&state.db, c.id).await?;
    let paid: innocity_core::projects::money::Money =
        rows.iter().filter(|m| m.status == MilestoneStatus::Accepted).map(|m| m.pay).sum();
    let taking = c.taking_on(ctx.today());
    let applied = matches!(role, Role::Solver(o) if apps.iter().any(|a| a.organisation_id == o));
    let own = matches!(role, Role::Solver(o) if o == c.organisation_id);
    Ok(ChallengePage {
        s: ctx.shell(),
        reward: wan(lang, c.reward),
        apply_by: day(c.apply_by),
        status: status_label(lang, c.status),
        taking,
        office: role == Role::Office,
        may_apply: taking && matches!(role, Role::Solver(_)) && !applied && !own,
        proposals: proposal_lines(lang, &shown, &ranked),
        count: apps.len(),
        winner: winner_app
            .map(|w| proposal_lines(lang, std::slice::from_ref(w), &ranked).remove(0)),
        awarded_on: c.awarded_on.clone(),
        milestones: milestone_lines(lang, role, &c, winner_org, &rows),
        paid: wan(lang, paid),
        round_href: c.round_id.map(|r| format!("/reviews/{r}")).unwrap_or_default(),
        c,
        f,
    })
}

/// A challenge's page (public; more for the office and the solvers).
pub async fn view(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let c = load(&state, &ctx, &id).await?;
    let f = Forms {
        review: ReviewInput {
            name: t(ctx.lang, "challenge.review_name").to_string(),
            mode: "assign".into(),
            experts: "5".into(),
            deadline: (ctx.today() + chrono::Days::new(14)).to_string(),
        },
        ..Forms::default()
    };
    Ok(render(&page(&state, &ctx, c, f).await?))
}

/// The page again with a form's problems (422), what was typed kept.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    c: Challenge,
    mut f: Forms,
    failed: &'static str,
    errors: &[FieldError],
) -> AppResult<Response> {
    f.errors = FieldErrors(field_messages(ctx.lang, errors));
    f.failed = failed;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(state, ctx, c, f).await?))
}

fn back(id: i64) -> Response {
    Redirect::to(&format!("/market/challenges/{id}")).into_response()
}

#[derive(Template)]
#[template(path = "market_challenge_raise.html")]
struct RaisePage {
    s: Shell,
    d: super::demands::DemandView,
    input: RaiseInput,
    errors: FieldErrors,
}

async fn demand_for_raise(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> AppResult<demand_store::Demand> {
    let id = parse_id(ctx, id)?;
    demand_store::demand(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))
}

/// The form raising a demand to a challenge (the office).
pub async fn raise_form(
    State(state): State<AppState>,
    a: Auth<ManageMarket>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let d = demand_for_raise(&state, ctx, &id).await?;
    let input = RaiseInput {
        reward_wan: d.budget.map(|m| m.wan_exact()).unwrap_or_default(),
        apply_by: (ctx.today() + chrono::Days::new(30)).to_string(),
        terms: String::new(),
    };
    let d = super::demands::view_of(ctx.lang, ctx.today(), &d);
    Ok(render(&RaisePage { s: ctx.shell(), d, input, errors: FieldErrors::default() }))
}

/// Raises a demand to a challenge.
pub async fn raise(
    State(state): State<AppState>,
    a: Auth<ManageMarket>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let d = demand_for_raise(&state, ctx, &id).await?;
    let input: RaiseInput = crate::auth::parse_form(ctx, &body)?;
    match validate_raise(&input, ctx.today()) {
        Ok(r) => {
            let id = store::raise(&state.db, d.id, &r, ctx.actor()).await?;
            Ok(back(id))
        }
        Err(e) => {
            let d = super::demands::view_of(ctx.lang, ctx.today(), &d);
            let errors = FieldErrors(field_messages(ctx.lang, &e));
            let page = RaisePage { s: ctx.shell(), d, input, errors };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// A solver's organisation applies with a proposal.
pub async fn apply(
    State(state): State<AppState>,
    a: Auth<crate::auth::OfferAchievements>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = super::offering::own_organisation(ctx, &a.principal)?;
    let c = load(&state, ctx, &id).await?;
    let input: ProposalInput = crate::auth::parse_form(ctx, &body)?;
    match validate_proposal(&input) {
        Ok(p) => {
            store::apply(&state.db, c.id, org, &p, ctx.actor()).await?;
            Ok(back(c.id))
        }
        Err(e) => {
            let f = Forms { proposal: input, ..Forms::default() };
            refused(&state, ctx, c, f, "proposal", &e).await
        }
    }
}

#[derive(Deserialize)]
struct Versioned<T> {
    version: i64,
    #[serde(flatten)]
    input: T,
}

/// Sends the proposals to a review round of the experts engine (the office).
pub async fn review(
    State(state): State<AppState>,
    a: Auth<ManageMarket>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = load(&state, ctx, &id).await?;
    let f: Versioned<ReviewInput> = crate::auth::parse_form(ctx, &body)?;
    match review_plan(&f.input, ctx.today()) {
        Ok(plan) => {
            let round = store::start_review(&state.db, c.id, f.version, &plan, ctx.actor()).await?;
            Ok(Redirect::to(&format!("/reviews/{round}")).into_response())
        }
        Err(e) => {
            let forms = Forms { review: f.input, ..Forms::default() };
            refused(&state, ctx, c, forms, "review", &e).await
        }
    }
}

/// The office's pick of the winner, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AwardForm {
    #[serde(default)]
    pub application_id: String,
    #[serde(default)]
    pub reason: String,
    /// One a line: `YYYY-MM-DD 标题 金额（万元）`.
    #[serde(default)]
    pub milestones: String,
}

/// Checks the pick: a proposal chosen, and milestones that pay the reward.
pub fn award_of(
    c: &Challenge,
    f: &AwardForm,
    today: chrono::NaiveDate,
) -> Result<Award, Vec<FieldError>> {
    let mut errors = Vec::new();
    let application_id = f.application_id.trim().parse::<i64>().ok();
    if application_id.is_none() {
        errors.push(FieldError { field: "application_id", key: "err.choose", args: vec![] });
    }
    let milestones = parse_milestones(&f.milestones, c.reward, today).map_err(|mut e| {
        errors.append(&mut e);
    });
    match (application_id, milestones, errors.is_empty()) {
        (Some(application_id), Ok(milestones), true) => {
            Ok(Award { application_id, reason: f.reason.clone(), milestones })
        }
        _ => Err(errors),
    }
}

/// Picks and publishes the winner with the work's milestones (the office).
pub async fn award(
    State(state): State<AppState>,
    a: Auth<ManageMarket>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = load(&state, ctx, &id).await?;
    let f: Versioned<AwardForm> = crate::auth::parse_form(ctx, &body)?;
    match award_of(&c, &f.input, ctx.today()) {
        Ok(w) => {
            store::award(&state.db, c.id, f.version, &w, ctx.actor()).await?;
            Ok(back(c.id))
        }
        Err(e) => {
            let forms = Forms { award: f.input, ..Forms::default() };
            refused(&state, ctx, c, forms, "award", &e).await
        }
    }
}

#[derive(Deserialize)]
struct ReasonForm {
    version: i64,
    #[serde(default)]
    reason: String,
}

/// Ends a challenge without a winner (the office).
pub async fn close(
    State(state): State<AppState>,
    a: Auth<ManageMarket>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = load(&state, ctx, &id).await?;
    let f: ReasonForm = crate::auth::parse_form(ctx, &body)?;
    if f.reason.trim().is_empty() {
        let e = [FieldError { field: "reason", key: "err.required", args: vec![] }];
        let forms = Forms { close_reason: f.reason, ..Forms::default() };
        return refused(&state, ctx, c, forms, "close", &e).await;
    }
    store::close(&state.db, c.id, f.version, &f.reason, ctx.actor()).await?;
    Ok(back(c.id))
}

#[derive(Deserialize)]
struct StepForm {
    version: i64,
    #[serde(default)]
    step: String,
    #[serde(default)]
    note: String,
}

/// A step on a milestone as asked for (page or API).
pub struct StepRequest<'a> {
    pub seq: i64,
    pub step: &'a str,
    pub version: i64,
    pub note: &'a str,
}

/// Checks that the viewer may take the step on the challenge, then takes it.
pub async fn take_step(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    c: &Challenge,
    r: StepRequest<'_>,
) -> AppResult<Status> {
    let step = MilestoneStep::parse(r.step.trim())
        .ok_or_else(|| crate::auth::field_error(ctx, "step", "err.choose", vec![]))?;
    let apps = store::applications(&state.db, c.id).await?;
    let winner_org = winner(c, &apps).map(|w| w.organisation_id);
    if !Role::of(Some(p)).may_step(c, winner_org, step) {
        return Err(ctx.err(AppError::forbidden()));
    }
    Ok(store::milestone_step(&state.db, c.id, r.version, r.seq, step, r.note, ctx.actor()).await?)
}

/// A step on a milestone: the winner reports, the office accepts or sends back.
pub async fn milestone(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path((id, seq)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = load(&state, ctx, &id).await?;
    let seq = parse_id(ctx, &seq)?;
    let f: StepForm = crate::auth::parse_form(ctx, &body)?;
    let r = StepRequest { seq, step: &f.step, version: f.version, note: &f.note };
    take_step(&state, ctx, &a.principal, &c, r).await?;
    Ok(back(c.id))
}
