//! Applications as staff and applicants see them: the list and its export, one application's
//! page with its questions, the decisions taken on it.
use super::applying::draft_error;
use super::calls::pages::kind_text;
use super::{Notice, Question, file_size, load, notice_text, reach_of, stage_label};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageProjects, ViewApplications, field_error, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::projects::funding::{CATEGORIES, Line};
use innocity_core::projects::money::{Money, Unit};
use innocity_core::projects::{Action, Level, Stage};
use innocity_store::projects::{self as store, Application, Call};
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "applications_list.html")]
struct ListPage {
    s: Shell,
    rows: Vec<Row>,
    stages: Vec<Choice>,
    calls: Vec<Choice>,
    totals: ListTotals,
}

/// The listed applications' count and sums.
struct ListTotals {
    n: usize,
    requested: String,
    granted: String,
}

struct Row {
    id: i64,
    code: String,
    title: String,
    leader: String,
    stage: &'static str,
    stage_code: &'static str,
    requested: String,
    granted: String,
    duplicate: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    call: Option<i64>,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    format: String,
}

pub async fn list(
    State(state): State<AppState>,
    a: Auth<ViewApplications>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let reach = reach_of(&a.principal).ok_or_else(AppError::forbidden)?;
    let stage = Stage::parse(&q.stage);
    let apps = store::applications(&state.db, reach, q.call, stage).await?;
    if q.format == "xlsx" {
        return xlsx(ctx, &apps);
    }
    let requested: Money = apps.iter().map(|x| x.requested).sum();
    let granted: Money = apps.iter().map(|x| x.granted).sum();
    let rows = apps
        .iter()
        .map(|x| Row {
            id: x.id,
            code: x.code.clone(),
            title: x.title.clone(),
            leader: x.leader_name.clone(),
            stage: stage_label(lang, x.stage),
            stage_code: x.stage.code(),
            requested: x.requested.wan_text(),
            granted: if x.granted.0 > 0 { x.granted.wan_text() } else { String::new() },
            duplicate: !x.duplicate_of.is_empty(),
        })
        .collect();
    let calls = store::calls(&state.db)
        .await?
        .into_iter()
        .map(|c| Choice::new(c.id, c.title, Some(c.id) == q.call))
        .collect();
    let stages = Stage::ALL
        .iter()
        .map(|s| Choice::new(s.code(), stage_label(lang, *s), Some(*s) == stage))
        .collect();
    Ok(render(&ListPage {
        s: ctx.shell(),
        rows,
        stages,
        calls,
        totals: ListTotals {
            n: apps.len(),
            requested: requested.wan_text(),
            granted: granted.wan_text(),
        },
    }))
}

fn xlsx(ctx: &Ctx, apps: &[Application]) -> AppResult<Response> {
    use crate::http::TableCell as C;
    let lang = ctx.lang;
    let head: Vec<&str> = [
        "apps.code",
        "apps.title_col",
        "apps.leader",
        "apps.stage",
        "apps.requested",
        "apps.granted",
        "apps.duplicate",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect();
    let rows: Vec<Vec<C>> = apps
        .iter()
        .map(|x| {
            vec![
                C::Text(x.code.clone()),
                C::Text(x.title.clone()),
                C::Text(x.leader_name.clone()),
                C::Text(stage_label(lang, x.stage).into()),
                C::Wan(x.requested.0),
                C::Wan(x.granted.0),
                C::Text(x.duplicate_of.clone()),
            ]
        })
        .collect();
    crate::http::table(t(lang, "apps.title"), &head, &rows, "applications.xlsx")
}

#[derive(Template)]
#[template(path = "application_view.html")]
struct ViewPage {
    s: Shell,
    a: Application,
    c: Call,
    notice: String,
    stage: &'static str,
    editable: bool,
    budget: Vec<BudgetRow>,
    total: BudgetTotal,
    missed: Vec<String>,
    actions: Vec<ActionButton>,
    grant_field: bool,
    events: Vec<EventRow>,
    duplicates: Vec<String>,
    files: Vec<AttachmentRow>,
    topics: Vec<Choice>,
    members: String,
    /// Staff may record the department review (部门审核).
    department: bool,
    /// The formal check's listed grounds for rejection, when it is the bureau's turn.
    grounds: Vec<Choice>,
    /// The expert review's results.
    scores: Vec<ScoreRow>,
    /// The call's own form with the answers.
    questions: Vec<QuestionSection>,
}

/// A budget category with the amounts requested and raised (万元).
pub(crate) struct BudgetRow {
    pub code: &'static str,
    pub name: &'static str,
    pub requested: String,
    pub raised: String,
}

/// The application's requested and raised totals (万元).
struct BudgetTotal {
    requested: String,
    raised: String,
}

/// A decision button: the action, its label, whether it is a refusal needing a reason.
struct ActionButton {
    code: &'static str,
    label: &'static str,
    needs_reason: bool,
}

/// A step in the application's history.
struct EventRow {
    at: String,
    action: &'static str,
    actor: String,
    reason: String,
}

/// A file attached to the application.
struct AttachmentRow {
    id: i64,
    name: String,
    size: String,
    /// The start of its SHA-256.
    sha: String,
}

/// An expert round's result for the application.
struct ScoreRow {
    round: String,
    rank: usize,
    n: usize,
    mean: String,
    disagreement: bool,
}

/// A section of the call's own form, with its questions.
pub(crate) struct QuestionSection {
    pub title: String,
    pub questions: Vec<Question>,
}

pub(crate) fn budget_rows(lang: Lang, lines: &[Line]) -> Vec<BudgetRow> {
    CATEGORIES
        .iter()
        .map(|(code, zh, en)| {
            let l = lines.iter().find(|l| l.category == *code);
            BudgetRow {
                code,
                name: lang.pick(zh, en),
                requested: l.map(|l| l.requested.wan_text()).unwrap_or_default(),
                raised: l.map(|l| l.raised.wan_text()).unwrap_or_default(),
            }
        })
        .collect()
}

pub(crate) fn failure_text(lang: Lang, rule: &str, detail: &str) -> String {
    let detail = match rule {
        "org_kind" => t(lang, &format!("kind.{detail}")).to_string(),
        "qualification" => t(lang, &format!("qualification.{detail}")).to_string(),
        _ => detail.to_string(),
    };
    tf(lang, &format!("apps.missed.{rule}"), &[detail])
}

pub async fn view(
    State(state): State<AppState>,
    auth: Auth<ViewApplications>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &auth.ctx;
    let lang = ctx.lang;
    let (a, level) = load(&state, &auth.principal, id).await?;
    let c = store::call(&state.db, a.call_id).await?.ok_or_else(AppError::not_found)?;
    let missed = if a.stage == Stage::Draft {
        store::eligibility(&state.db, &a, &c, ctx.today())
            .await?
            .iter()
            .map(|f| failure_text(lang, f.rule, &f.detail))
            .collect()
    } else {
        vec![]
    };
    let actions = action_buttons(lang, &a, level);
    let grant_field = actions.iter().any(|x| x.code == "approve");
    let grounds = if actions.iter().any(|x| x.code == "formal_reject") {
        innocity_core::projects::FORMAL_GROUNDS
            .iter()
            .map(|g| Choice::new(g, t(lang, &format!("apps.ground.{g}")), false))
            .collect()
    } else {
        vec![]
    };
    let shell = ctx.shell();
    let events = event_rows(&state, &shell, lang, id).await?;
    let staff = level == Level::Bureau;
    let duplicates = if staff && !a.duplicate_of.is_empty() {
        a.duplicate_of.split(',').map(String::from).collect()
    } else {
        vec![]
    };
    let total = BudgetTotal {
        requested: a.requested.wan_text(),
        raised: a.budget.iter().map(|l| l.raised).sum::<Money>().wan_text(),
    };
    let files = attachment_rows(&state, id).await?;
    let scores = if staff { score_rows(&state, &a).await? } else { vec![] };
    Ok(render(&ViewPage {
        s: shell,
        notice: notice_text(lang, &q.notice),
        stage: stage_label(lang, a.stage),
        editable: level == Level::Applicant && a.stage.editable(),
        budget: budget_rows(lang, &a.budget),
        total,
        missed,
        actions,
        grant_field,
        events,
        duplicates,
        files,
        topics: c.topics.iter().map(|x| Choice::new(x, x, *x == a.topic)).collect(),
        members: a.members.join("、"),
        department: staff && matches!(a.stage, Stage::Reviewed | Stage::Reserved),
        grounds,
        questions: questions(lang, &c.form, &a.answers),
        scores,
        a,
        c,
    }))
}

/// The application's history, oldest first.
async fn event_rows(
    state: &AppState,
    shell: &Shell,
    lang: Lang,
    id: i64,
) -> AppResult<Vec<EventRow>> {
    Ok(store::events(&state.db, id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            at: shell.time(&e.at_ms),
            action: t(lang, &format!("apps.action.{}", e.action)),
            actor: e.actor,
            reason: e.reason,
        })
        .collect())
}

/// The files attached to the application (not a report's).
async fn attachment_rows(state: &AppState, id: i64) -> AppResult<Vec<AttachmentRow>> {
    Ok(store::attachments(&state.db, id)
        .await?
        .into_iter()
        .filter(|f| f.kind == "attachment")
        .map(|f| AttachmentRow {
            id: f.id,
            name: f.name,
            size: file_size(f.size),
            sha: f.sha256[..12].to_string(),
        })
        .collect())
}

/// The decisions the viewer's level may take on the application at its stage.
fn action_buttons(lang: Lang, a: &Application, level: Level) -> Vec<ActionButton> {
    let candidates: &[Action] = match level {
        Level::Applicant => &[Action::Submit, Action::Withdraw],
        Level::Organisation => &[Action::Endorse, Action::Return],
        Level::Zone => &[Action::Recommend, Action::Return],
        Level::Bureau => &[
            Action::FormalPass,
            Action::FormalReject,
            Action::FinishReview,
            Action::Approve,
            Action::Reserve,
            Action::Reject,
            Action::Establish,
        ],
    };
    candidates
        .iter()
        .filter(|x| {
            innocity_core::projects::next(
                a.stage,
                **x,
                innocity_core::projects::level_of(a.stage, **x),
                "r",
            )
            .is_ok()
                && innocity_core::projects::level_of(a.stage, **x) == level
        })
        .map(|x| ActionButton {
            code: x.code(),
            label: t(lang, &format!("apps.action.{}", x.code())),
            needs_reason: x.needs_reason(),
        })
        .collect()
}

/// The expert review's results for the application.
async fn score_rows(state: &AppState, a: &Application) -> AppResult<Vec<ScoreRow>> {
    Ok(store::review_scores(&state.db, a)
        .await?
        .into_iter()
        .map(|(round, rank, n, mean, disagreement)| ScoreRow {
            round,
            rank,
            n,
            mean: format!("{mean:.2}"),
            disagreement,
        })
        .collect())
}

/// The call's sections with the answers so far.
pub(crate) fn questions(
    lang: Lang,
    form: &[innocity_core::projects::form::Section],
    answers: &BTreeMap<String, String>,
) -> Vec<QuestionSection> {
    use innocity_core::projects::form::Kind;
    form.iter()
        .map(|s| {
            let qs = s
                .fields
                .iter()
                .map(|f| {
                    let value = answers.get(&f.label).cloned().unwrap_or_default();
                    let (kind, options) = match &f.kind {
                        Kind::Text => ("text", vec![]),
                        Kind::LongText => ("longtext", vec![]),
                        Kind::Number { .. } => ("number", vec![]),
                        Kind::Date => ("date", vec![]),
                        Kind::Choice { options } => {
                            let options =
                                options.iter().map(|o| Choice::new(o, o, *o == value)).collect();
                            ("choice", options)
                        }
                    };
                    let hint = match &f.kind {
                        Kind::Text | Kind::LongText => {
                            kind_text(lang, &f.kind)
                                + &format!(" · ≤ {} {}", f.max_chars(), t(lang, "callform.chars"))
                        }
                        _ => kind_text(lang, &f.kind),
                    };
                    Question {
                        name: format!("q.{}", f.label),
                        label: f.label.clone(),
                        kind,
                        options,
                        value,
                        required: f.required,
                        hint,
                    }
                })
                .collect();
            QuestionSection { title: s.title.clone(), questions: qs }
        })
        .collect()
}

/// The answers typed into the form (`q.<label>` fields), empty ones left out.
pub(crate) fn typed_answers(rest: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    rest.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("q.")
                .filter(|_| !v.trim().is_empty())
                .map(|label| (label.to_string(), v.trim().to_string()))
        })
        .collect()
}

#[derive(serde::Deserialize)]
pub struct ActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    grant: String,
    /// Formal-check grounds ticked (`ground_<code>=1`).
    #[serde(flatten)]
    grounds: BTreeMap<String, String>,
}

/// Takes an action at the viewer's level (refused for another level, another organisation's or
/// zone's application, a stale page or a double click).
pub async fn act(
    State(state): State<AppState>,
    a: Auth<ViewApplications>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ActForm = parse_form(ctx, &body)?;
    let (app, level) = load(&state, &a.principal, id).await?;
    let action =
        Action::parse(&f.action).ok_or_else(|| field_error(ctx, "action", "err.choose", vec![]))?;
    if innocity_core::projects::level_of(app.stage, action) != level {
        return Err(ctx.err(AppError::forbidden()));
    }
    // A formal rejection states the listed grounds ticked, then any further words.
    let ticked: Vec<&str> = innocity_core::projects::FORMAL_GROUNDS
        .iter()
        .filter(|g| f.grounds.get(&format!("ground_{g}")).is_some_and(|v| v == "1"))
        .map(|g| t(ctx.lang, &format!("apps.ground.{g}")))
        .collect();
    let mut f = f;
    if action == Action::FormalReject && !ticked.is_empty() {
        let more = f.reason.trim();
        f.reason = if more.is_empty() {
            ticked.join("；")
        } else {
            format!("{}；{more}", ticked.join("；"))
        };
    }
    if f.reason.chars().count() > 2000 {
        return Err(field_error(ctx, "reason", "err.too_long", vec!["2000".into()]));
    }
    let grant = if action == Action::Approve {
        Money::parse(&f.grant, Unit::Wan).map_err(|_| {
            field_error(
                ctx,
                "grant",
                "apps.err.money",
                vec![t(ctx.lang, "apps.grant").into(), f.grant.clone()],
            )
        })?
    } else {
        Money::ZERO
    };
    store::act(
        &state.db,
        id,
        store::Move { action, level, reason: &f.reason },
        f.version,
        store::Decision { grant },
        ctx.today(),
        ctx.actor(),
    )
    .await
    .map_err(|e| match e {
        innocity_store::StoreError::Applications(store::ApplicationRefusal::Ineligible {
            rule,
            detail,
            missed,
        }) => {
            let text = failure_text(ctx.lang, rule, &detail);
            ctx.err(
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "ineligible",
                    "apps.err.eligibility",
                )
                .args(vec![text, missed.to_string()]),
            )
        }
        e @ innocity_store::StoreError::Applications(store::ApplicationRefusal::Draft {
            problem: store::DraftProblem::Answer { .. },
            ..
        }) => draft_error(ctx, e),
        other => ctx.err(other.into()),
    })?;
    Ok(Redirect::to(&format!("/applications/{id}?notice=apps.done")).into_response())
}

#[derive(serde::Deserialize)]
pub struct DepartmentForm {
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    suggested: String,
    #[serde(default)]
    version: i64,
}

/// The department review: the bureau's opinion and suggested funding for the decision meeting.
pub async fn department(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: DepartmentForm = parse_form(ctx, &body)?;
    let suggested = Money::parse(&f.suggested, Unit::Wan).map_err(|_| {
        field_error(
            ctx,
            "suggested",
            "apps.err.money",
            vec![t(ctx.lang, "apps.suggested").into(), f.suggested.clone()],
        )
    })?;
    store::department_review(&state.db, id, &f.opinion, suggested, f.version, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/applications/{id}?notice=apps.done")).into_response())
}
