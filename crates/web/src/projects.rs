//! Calls and applications as pages: researchers apply, organisation admins endorse, zones
//! recommend, the bureau checks, reviews, decides. Who may see an application, and at which level
//! they act on it, is decided in one place ([`level_on`]). After the decision: [`execution`].
pub mod calls;
pub mod execution;
use crate::app::AppState;
use crate::auth::{
    ApplyProjects, Auth, Ctx, ManageProjects, ViewApplications, field_error, parse_form,
};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_core::access::{Principal, Role, Scope};
use innocity_core::projects::funding::{CATEGORIES, Line};
use innocity_core::projects::money::{Money, Unit};
use innocity_core::projects::{Action, Level, Stage};
use innocity_store::projects::execution as execution_store;
use innocity_store::projects::{self as store, Application, Call, Draft, Reach};
use std::collections::BTreeMap;

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn stage_label(lang: Lang, s: Stage) -> &'static str {
    t(lang, &format!("apps.stage.{}", s.code()))
}

fn date_zh(d: NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

/// The one place that says whether `p` may see application `a`, and at which level they act.
pub fn level_on(p: &Principal, a: &Application) -> Option<Level> {
    match (&p.role, &p.scope) {
        (Role::SystemAdmin | Role::BureauStaff, _) => Some(Level::Bureau),
        (Role::ZoneAdmin, Scope::Subtree(root))
            if innocity_core::orgs::in_subtree(root, &a.unit_path) =>
        {
            Some(Level::Zone)
        }
        (Role::OrgAdmin, Scope::Organisation(o)) if *o == a.organisation_id => {
            Some(if a.leader_user_id == p.user_id { Level::Applicant } else { Level::Organisation })
        }
        (Role::OrgMember, Scope::Organisation(o))
            if *o == a.organisation_id && a.leader_user_id == p.user_id =>
        {
            Some(Level::Applicant)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------- calls

#[derive(Template)]
#[template(path = "calls_list.html")]
struct CallsPage {
    s: Shell,
    calls: Vec<(i64, String, String, String, String, String, bool)>,
    can_apply: bool,
    staff: bool,
}

fn call_open(c: &Call, day: NaiveDate) -> bool {
    c.status == "open" && day >= c.opens_on && day <= c.deadlines.applicant
}

pub async fn calls(
    State(state): State<AppState>,
    a: Auth<ViewApplications>,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let list = store::calls(&state.db).await.map_err(|e| ctx.err(e.into()))?;
    let day = today();
    if q.format == "xlsx" {
        use crate::http::TableCell as C;
        let lang = ctx.lang;
        let head: Vec<&str> = [
            "calls.code",
            "calls.name",
            "calls.field.year",
            "calls.opens",
            "calls.dl.applicant",
            "calls.dl.organisation",
            "calls.dl.zone",
            "calls.max_request",
            "calls.status",
        ]
        .iter()
        .map(|k| t(lang, k))
        .collect();
        let rows: Vec<Vec<C>> = list
            .iter()
            .map(|c| {
                vec![
                    C::Text(c.code.clone()),
                    C::Text(c.title.clone()),
                    C::Int(c.year),
                    C::Text(date_zh(c.opens_on)),
                    C::Text(date_zh(c.deadlines.applicant)),
                    C::Text(date_zh(c.deadlines.organisation)),
                    C::Text(date_zh(c.deadlines.zone)),
                    C::Wan(c.budget_rules.max_request.0),
                    C::Text(
                        t(lang, if call_open(c, day) { "calls.open" } else { "calls.closed" })
                            .into(),
                    ),
                ]
            })
            .collect();
        return crate::http::table(ctx, t(lang, "calls.title"), &head, &rows, "calls.xlsx");
    }
    let rows = list
        .iter()
        .map(|c| {
            (
                c.id,
                c.code.clone(),
                c.title.clone(),
                date_zh(c.opens_on),
                date_zh(c.deadlines.applicant),
                t(ctx.lang, if call_open(c, day) { "calls.open" } else { "calls.closed" })
                    .to_string(),
                call_open(c, day),
            )
        })
        .collect();
    Ok(render(&CallsPage {
        s: ctx.shell(),
        calls: rows,
        can_apply: matches!(a.principal.role, Role::OrgAdmin | Role::OrgMember),
        staff: matches!(a.principal.role, Role::SystemAdmin | Role::BureauStaff),
    }))
}

#[derive(Template)]
#[template(path = "call_view.html")]
struct CallPage {
    s: Shell,
    c: Call,
    open: bool,
    can_apply: bool,
    staff: bool,
    rules: Vec<String>,
    deadlines: Vec<(&'static str, String)>,
    budget: Vec<(&'static str, String)>,
    stages: Vec<(&'static str, i64, String, String)>,
    rounds: Vec<(i64, String, String, &'static str)>,
    default_deadline: String,
    announce: Option<execution::CallNotice>,
    notice: String,
    guidelines: Vec<calls::Block>,
    files: Vec<(i64, String, String)>,
    /// The call's own form.
    form: Vec<FormSectionLine>,
    plan: Vec<String>,
    /// The next expert round's defaults from the plan: mode, experts per application.
    next_round: (&'static str, u32),
}

/// A section of a call's own form as shown on the call's page.
struct FormSectionLine {
    title: String,
    fields: Vec<FormFieldLine>,
}

/// A field of a call's own form: its label, its kind as the applicant reads it, whether required.
struct FormFieldLine {
    label: String,
    kind: String,
    required: bool,
}

/// A form field's kind as the applicant reads it.
fn kind_text(lang: Lang, k: &innocity_core::projects::form::Kind) -> String {
    use innocity_core::projects::form::Kind;
    match k {
        Kind::Text => t(lang, "callform.kind.text").to_string(),
        Kind::LongText => t(lang, "callform.kind.longtext").to_string(),
        Kind::Date => t(lang, "callform.kind.date").to_string(),
        Kind::Number { min: None, max: None } => t(lang, "callform.kind.number").to_string(),
        Kind::Number { min, max } => format!(
            "{} {}–{}",
            t(lang, "callform.kind.number"),
            min.map(|v| v.to_string()).unwrap_or_default(),
            max.map(|v| v.to_string()).unwrap_or_default()
        ),
        Kind::Choice { options } => {
            format!("{}：{}", t(lang, "callform.kind.choice"), options.join("、"))
        }
    }
}

fn plan_text(lang: Lang, p: &innocity_core::projects::form::ReviewPlan) -> Vec<String> {
    let mut out = vec![t(lang, "calls.plan.formal").to_string()];
    if p.remote_experts > 0 {
        out.push(tf(lang, "calls.plan.remote", &[p.remote_experts.to_string()]));
    }
    if p.panel_experts > 0 {
        let how = t(lang, if p.panel_drawn { "reviews.mode.draw" } else { "reviews.mode.assign" });
        let shortlist = if p.panel_shortlist > 0 {
            tf(lang, "calls.plan.shortlist", &[p.panel_shortlist.to_string()])
        } else {
            String::new()
        };
        out.push(tf(
            lang,
            "calls.plan.panel",
            &[p.panel_experts.to_string(), how.to_string(), shortlist],
        ));
    }
    if p.department_review {
        out.push(t(lang, "calls.plan.department").to_string());
    }
    out.push(t(lang, "calls.plan.decision").to_string());
    out
}

fn rules_text(lang: Lang, c: &Call) -> Vec<String> {
    let e = &c.eligibility;
    let mut out = Vec::new();
    if !e.org_kinds.is_empty() {
        out.push(tf(
            lang,
            "calls.rule.kinds",
            &[e.org_kinds
                .iter()
                .map(|k| t(lang, &format!("kind.{k}")))
                .collect::<Vec<_>>()
                .join("、")],
        ));
    }
    if !e.qualification.is_empty() {
        out.push(tf(
            lang,
            "calls.rule.qualification",
            &[t(lang, &format!("qualification.{}", e.qualification)).to_string()],
        ));
    }
    if e.max_ongoing_per_leader > 0 {
        out.push(tf(lang, "calls.rule.ongoing", &[e.max_ongoing_per_leader.to_string()]));
    }
    if e.credit_check {
        out.push(t(lang, "calls.rule.credit").to_string());
    }
    out
}

pub async fn call_page(
    State(state): State<AppState>,
    a: Auth<ViewApplications>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let c = store::call(&state.db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let staff = matches!(a.principal.role, Role::SystemAdmin | Role::BureauStaff);
    let mut stages = Vec::new();
    if staff {
        for r in store::board(&state.db)
            .await
            .map_err(|e| ctx.err(e.into()))?
            .into_iter()
            .filter(|r| r.call_id == id)
        {
            let s = Stage::parse(&r.stage).unwrap_or(Stage::Draft);
            stages.push((stage_label(lang, s), r.n, r.requested.wan_text(), r.granted.wan_text()));
        }
    }
    let r = &c.budget_rules;
    let budget = vec![
        ("calls.max_request", format!("{} 万元", r.max_request.wan_text())),
        (
            "calls.co_funding",
            if r.co_funding > 0.0 { format!("1 : {}", r.co_funding) } else { "—".into() },
        ),
        ("calls.indirect", format!("≤ {:.0}%", r.indirect_share * 100.0)),
    ];
    let deadlines = vec![
        ("calls.dl.applicant", date_zh(c.deadlines.applicant)),
        ("calls.dl.organisation", date_zh(c.deadlines.organisation)),
        ("calls.dl.zone", date_zh(c.deadlines.zone)),
    ];
    let rounds = if staff {
        store::call_rounds(&state.db, id)
            .await
            .map_err(|e| ctx.err(e.into()))?
            .into_iter()
            .map(|r| (r.id, r.code, r.name, t(lang, &format!("reviews.status.{}", r.status))))
            .collect()
    } else {
        vec![]
    };
    let default_deadline = (today() + chrono::Days::new(21)).format("%Y-%m-%d").to_string();
    let announce = if staff { Some(execution::call_notice(&state, ctx, id).await?) } else { None };
    let files = store::call_files(&state.db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .map(|f| (f.id, f.name, file_size(f.size)))
        .collect();
    let form = c
        .form
        .iter()
        .map(|s| FormSectionLine {
            title: s.title.clone(),
            fields: s
                .fields
                .iter()
                .map(|f| FormFieldLine {
                    label: f.label.clone(),
                    kind: kind_text(lang, &f.kind),
                    required: f.required,
                })
                .collect(),
        })
        .collect();
    let p = &c.review_plan;
    // The first round is the remote review when there is one, then the panel.
    let next_round = if rounds.is_empty() && p.remote_experts > 0 {
        ("assign", p.remote_experts)
    } else if p.panel_experts > 0 {
        (if p.panel_drawn { "draw" } else { "assign" }, p.panel_experts)
    } else {
        ("assign", p.remote_experts.max(1))
    };
    Ok(render(&CallPage {
        s: ctx.shell(),
        notice: notice_text(lang, &q.notice),
        guidelines: calls::blocks(&c.guidelines),
        files,
        form,
        plan: plan_text(lang, p),
        next_round,
        announce,
        rounds,
        default_deadline,
        open: call_open(&c, today()),
        can_apply: matches!(a.principal.role, Role::OrgAdmin | Role::OrgMember),
        staff,
        rules: rules_text(lang, &c),
        deadlines,
        budget,
        stages,
        c,
    }))
}

// ---------------------------------------------------------------- applications

#[derive(Template)]
#[template(path = "applications_list.html")]
struct ListPage {
    s: Shell,
    rows: Vec<Row>,
    stages: Vec<(&'static str, &'static str, bool)>,
    calls: Vec<(i64, String, bool)>,
    totals: (usize, String, String),
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

fn reach_of(p: &Principal) -> Option<Reach<'_>> {
    match (&p.role, &p.scope) {
        (Role::SystemAdmin | Role::BureauStaff, _) => Some(Reach::All),
        (Role::ZoneAdmin, Scope::Subtree(root)) => Some(Reach::Subtree(root)),
        (Role::OrgAdmin, Scope::Organisation(o)) => Some(Reach::Organisation(*o)),
        (Role::OrgMember, _) => Some(Reach::Leader(p.user_id)),
        _ => None,
    }
}

pub async fn list(
    State(state): State<AppState>,
    a: Auth<ViewApplications>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let reach = reach_of(&a.principal).ok_or_else(|| ctx.err(AppError::forbidden()))?;
    let stage = Stage::parse(&q.stage);
    let apps = store::applications(&state.db, reach, q.call, stage)
        .await
        .map_err(|e| ctx.err(e.into()))?;
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
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .map(|c| (c.id, c.title, Some(c.id) == q.call))
        .collect();
    let stages =
        Stage::ALL.iter().map(|s| (s.code(), stage_label(lang, *s), Some(*s) == stage)).collect();
    Ok(render(&ListPage {
        s: ctx.shell(),
        rows,
        stages,
        calls,
        totals: (apps.len(), requested.wan_text(), granted.wan_text()),
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
    crate::http::table(ctx, t(lang, "apps.title"), &head, &rows, "applications.xlsx")
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
    budget: Vec<(&'static str, &'static str, String, String)>,
    total: (String, String),
    missed: Vec<String>,
    actions: Vec<(&'static str, &'static str, bool)>,
    grant_field: bool,
    events: Vec<(String, &'static str, String, String)>,
    duplicates: Vec<String>,
    files: Vec<(i64, String, String, String)>,
    topics: Vec<(String, bool)>,
    members: String,
    /// Staff may record the department review (部门审核).
    department: bool,
    /// The formal check's listed grounds for rejection, when it is the bureau's turn.
    grounds: Vec<(&'static str, &'static str)>,
    /// The expert review's results: round, rank, reviews, mean, disagreement.
    scores: Vec<(String, usize, usize, String, bool)>,
    /// The call's own form with the answers.
    questions: Vec<(String, Vec<Question>)>,
}

#[derive(serde::Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    notice: String,
}

/// A file's size as the file lists show it.
pub fn file_size(bytes: i64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// The message of a `?notice=` key, or nothing for a key without one.
pub fn notice_text(lang: Lang, key: &str) -> String {
    crate::i18n::lookup(lang, &format!("notice.{key}")).unwrap_or_default().to_string()
}

fn budget_rows(lang: Lang, lines: &[Line]) -> Vec<(&'static str, &'static str, String, String)> {
    CATEGORIES
        .iter()
        .map(|(code, zh, en)| {
            let l = lines.iter().find(|l| l.category == *code);
            (
                *code,
                lang.pick(zh, en),
                l.map(|l| l.requested.wan_text()).unwrap_or_default(),
                l.map(|l| l.raised.wan_text()).unwrap_or_default(),
            )
        })
        .collect()
}

fn failure_text(lang: Lang, rule: &str, detail: &str) -> String {
    let detail = match rule {
        "org_kind" => t(lang, &format!("kind.{detail}")).to_string(),
        "qualification" => t(lang, &format!("qualification.{detail}")).to_string(),
        _ => detail.to_string(),
    };
    tf(lang, &format!("apps.missed.{rule}"), &[detail])
}

async fn load(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: i64,
) -> AppResult<(Application, Level)> {
    let a = store::application(&state.db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    // Someone else's application does not exist for this person.
    let level = level_on(p, &a).ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((a, level))
}

pub async fn view(
    State(state): State<AppState>,
    auth: Auth<ViewApplications>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &auth.ctx;
    let lang = ctx.lang;
    let (a, level) = load(&state, ctx, &auth.principal, id).await?;
    let c = store::call(&state.db, a.call_id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let missed = if a.stage == Stage::Draft {
        store::eligibility(&state.db, &a, &c, today())
            .await
            .map_err(|e| ctx.err(e.into()))?
            .iter()
            .map(|f| failure_text(lang, f.rule, &f.detail))
            .collect()
    } else {
        vec![]
    };
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
    let actions: Vec<(&'static str, &'static str, bool)> = candidates
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
        .map(|x| (x.code(), t(lang, &format!("apps.action.{}", x.code())), x.needs_reason()))
        .collect();
    let grant_field = actions.iter().any(|x| x.0 == "approve");
    let grounds: Vec<(&'static str, &'static str)> =
        if actions.iter().any(|x| x.0 == "formal_reject") {
            innocity_core::projects::FORMAL_GROUNDS
                .iter()
                .map(|g| (*g, t(lang, &format!("apps.ground.{g}"))))
                .collect()
        } else {
            vec![]
        };
    let events = store::events(&state.db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .map(|e| {
            (
                auth.ctx.shell().time(&e.at_ms),
                t(lang, &format!("apps.action.{}", e.action)),
                e.actor,
                e.reason,
            )
        })
        .collect();
    let staff = level == Level::Bureau;
    let duplicates = if staff && !a.duplicate_of.is_empty() {
        a.duplicate_of.split(',').map(String::from).collect()
    } else {
        vec![]
    };
    let total =
        (a.requested.wan_text(), a.budget.iter().map(|l| l.raised).sum::<Money>().wan_text());
    let notice = notice_text(lang, &q.notice);
    Ok(render(&ViewPage {
        s: ctx.shell(),
        notice,
        stage: stage_label(lang, a.stage),
        editable: level == Level::Applicant && a.stage.editable(),
        budget: budget_rows(lang, &a.budget),
        total,
        missed,
        actions,
        grant_field,
        events,
        duplicates,
        files: store::attachments(&state.db, id)
            .await
            .map_err(|e| ctx.err(e.into()))?
            .into_iter()
            .filter(|f| f.kind == "attachment")
            .map(|f| (f.id, f.name, file_size(f.size), f.sha256[..12].to_string()))
            .collect(),
        topics: c.topics.iter().map(|x| (x.clone(), *x == a.topic)).collect(),
        members: a.members.join("、"),
        department: staff && matches!(a.stage, Stage::Reviewed | Stage::Reserved),
        grounds,
        questions: questions(lang, &c.form, &a.answers),
        scores: if staff {
            store::review_scores(&state.db, &a)
                .await
                .map_err(|e| ctx.err(e.into()))?
                .into_iter()
                .map(|(r, rank, n, mean, d)| (r, rank, n, format!("{mean:.2}"), d))
                .collect()
        } else {
            vec![]
        },
        a,
        c,
    }))
}

/// A question of the call's own form, ready for the page.
pub struct Question {
    /// The form field's name: `q.<label>`.
    name: String,
    label: String,
    /// text, longtext, number, date, choice
    kind: &'static str,
    options: Vec<(String, bool)>,
    value: String,
    required: bool,
    hint: String,
}

/// The call's sections with the answers so far.
fn questions(
    lang: Lang,
    form: &[innocity_core::projects::form::Section],
    answers: &BTreeMap<String, String>,
) -> Vec<(String, Vec<Question>)> {
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
                            ("choice", options.iter().map(|o| (o.clone(), *o == value)).collect())
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
            (s.title.clone(), qs)
        })
        .collect()
}

/// The answers typed into the form (`q.<label>` fields), empty ones left out.
fn typed_answers(rest: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    rest.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("q.")
                .filter(|_| !v.trim().is_empty())
                .map(|label| (label.to_string(), v.trim().to_string()))
        })
        .collect()
}

/// The form's fields, as typed.
#[derive(serde::Deserialize, Default)]
pub struct AppForm {
    #[serde(default)]
    call: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    leader_name: String,
    #[serde(default)]
    leader_key: String,
    #[serde(default)]
    members: String,
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

/// Reads the budget table (万元) from `requested_<cat>` and `raised_<cat>`, naming a bad cell.
fn read_budget(ctx: &Ctx, f: &AppForm) -> AppResult<Vec<Line>> {
    let mut lines = Vec::new();
    for (code, zh, en) in CATEGORIES {
        let cell = |k: &str| -> AppResult<Money> {
            let name = format!("{k}_{code}");
            let v = f.rest.get(&name).map(|s| s.trim()).unwrap_or("");
            if v.is_empty() {
                return Ok(Money::ZERO);
            }
            Money::parse(v, Unit::Wan).map_err(|_| {
                field_error(
                    ctx,
                    &name,
                    "apps.err.money",
                    vec![ctx.lang.pick(zh, en).to_string(), v.to_string()],
                )
            })
        };
        let (requested, raised) = (cell("requested")?, cell("raised")?);
        if requested.0 > 0 || raised.0 > 0 {
            lines.push(Line { category: code.to_string(), requested, raised });
        }
    }
    Ok(lines)
}

fn draft_of(ctx: &Ctx, f: &AppForm) -> AppResult<Draft> {
    Ok(Draft {
        title: f.title.trim().to_string(),
        topic: f.topic.clone(),
        summary: f.summary.clone(),
        leader_name: f.leader_name.trim().to_string(),
        leader_key: f.leader_key.trim().to_string(),
        members: f
            .members
            .split(['、', ',', '，', ';', '；'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect(),
        budget: read_budget(ctx, f)?,
        answers: typed_answers(&f.rest),
    })
}

/// Store refusals of a draft carry the field first: show them beside it.
fn draft_error(ctx: &Ctx, e: innocity_store::StoreError) -> AppError {
    match e {
        innocity_store::StoreError::Refused { key, args }
            if key.starts_with("apps.err.") || key.starts_with("err.") =>
        {
            let field = args.first().cloned().unwrap_or_default();
            let mut rest: Vec<String> = args.into_iter().skip(1).collect();
            // An answer to the call's own form is named by its label.
            if let Some(label) = field.strip_prefix("q.") {
                rest.insert(0, label.to_string());
            }
            if key == "apps.err.call_closed" {
                ctx.err(AppError::new(StatusCode::CONFLICT, "refused", key).args(rest.clone()))
            } else {
                field_error(ctx, &field, key, rest)
            }
        }
        other => ctx.err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "application_new.html")]
struct NewPage {
    s: Shell,
    c: Call,
    budget: Vec<(&'static str, &'static str, String, String)>,
    f: AppForm,
    errors: Vec<(String, String)>,
    questions: Vec<(String, Vec<Question>)>,
}

#[derive(serde::Deserialize)]
pub struct NewQuery {
    call: i64,
}

pub async fn new_form(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = store::call(&state.db, q.call)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    if !call_open(&c, today()) {
        return Err(ctx.err(
            AppError::new(StatusCode::CONFLICT, "refused", "apps.err.call_closed")
                .args(vec![date_zh(c.deadlines.applicant)]),
        ));
    }
    let f = AppForm { leader_name: a.principal.display_name.clone(), ..Default::default() };
    let questions = questions(ctx.lang, &c.form, &BTreeMap::new());
    Ok(render(&NewPage {
        s: ctx.shell(),
        budget: budget_rows(ctx.lang, &[]),
        f,
        errors: vec![],
        questions,
        c,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: AppForm = parse_form(ctx, &body)?;
    let c = store::call(&state.db, f.call)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| field_error(ctx, "call", "err.choose", vec![]))?;
    let Scope::Organisation(org_id) = a.principal.scope else {
        return Err(ctx.err(AppError::forbidden()));
    };
    let org = innocity_store::orgs::get(&state.db, org_id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::forbidden()))?;
    // Whatever is wrong, the form comes back with what was typed and the message by the field.
    let outcome = match draft_of(ctx, &f) {
        Ok(d) => store::create_draft(
            &state.db,
            &c,
            &d,
            store::DraftLead {
                leader_user_id: a.principal.user_id,
                organisation_id: org_id,
                unit_path: &org.unit_path,
            },
            today(),
            ctx.actor(),
        )
        .await
        .map_err(|e| draft_error(ctx, e)),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(id) => {
            Ok(Redirect::to(&format!("/applications/{id}?notice=apps.created")).into_response())
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = e.fields.clone();
            let budget = CATEGORIES
                .iter()
                .map(|(code, zh, en)| {
                    (
                        *code,
                        ctx.lang.pick(zh, en),
                        f.rest.get(&format!("requested_{code}")).cloned().unwrap_or_default(),
                        f.rest.get(&format!("raised_{code}")).cloned().unwrap_or_default(),
                    )
                })
                .collect();
            let questions = questions(ctx.lang, &c.form, &typed_answers(&f.rest));
            let mut resp = render(&NewPage { s: ctx.shell(), budget, f, errors, questions, c });
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

/// Saves the leader's draft from the edit form; the new version.
async fn save_draft(
    state: &AppState,
    a: &Auth<ApplyProjects>,
    id: i64,
    body: &[u8],
) -> AppResult<i64> {
    let ctx = &a.ctx;
    let f: AppForm = parse_form(ctx, body)?;
    let (app, level) = load(state, ctx, &a.principal, id).await?;
    if level != Level::Applicant || app.leader_user_id != a.principal.user_id {
        return Err(ctx.err(AppError::forbidden()));
    }
    let d = draft_of(ctx, &f)?;
    store::update_draft(&state.db, id, &d, f.version, a.principal.user_id, ctx.actor())
        .await
        .map_err(|e| draft_error(ctx, e))?;
    Ok(f.version + 1)
}

pub async fn save(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    save_draft(&state, &a, id, &body).await?;
    Ok(Redirect::to(&format!("/applications/{id}?notice=apps.saved")).into_response())
}

/// Autosave (htmx, a few seconds after typing stops): saves the draft as the save button would
/// and answers with the time and the new version (swapped into the form), or the message.
pub async fn autosave(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let version = match save_draft(&state, &a, id, &body).await {
        Ok(v) => v,
        // A field that cannot be taken: its message alone, beside the save button.
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY && !e.fields.is_empty() => {
            let msg =
                e.fields.iter().map(|f| crate::page::escape(&f.1)).collect::<Vec<_>>().join(" ");
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::response::Html(format!(r#"<span class="err">{msg}</span>"#)),
            )
                .into_response());
        }
        Err(e) => return Err(e),
    };
    let at = chrono::Local::now().format("%H:%M:%S").to_string();
    // The eligibility rules are checked again (a new leader may be barred, or have too many
    // projects) and the page's list is replaced.
    let ctx = &a.ctx;
    let app = store::application(&state.db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let c = store::call(&state.db, app.call_id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let missed: Vec<String> = store::eligibility(&state.db, &app, &c, today())
        .await
        .map_err(|e| ctx.err(e.into()))?
        .iter()
        .map(|f| {
            format!("<li>{}</li>", crate::page::escape(&failure_text(ctx.lang, f.rule, &f.detail)))
        })
        .collect();
    let missed = if missed.is_empty() {
        String::new()
    } else {
        format!(
            r#"<div class="alert alert-error"><p>{}</p><ul>{}</ul></div>"#,
            crate::page::escape(t(ctx.lang, "apps.missed")),
            missed.concat()
        )
    };
    let html = format!(
        r#"<span class="ok">{}</span><input type="hidden" name="version" value="{version}" id="app-version" hx-swap-oob="true"><input type="hidden" name="version" value="{version}" id="act-version" hx-swap-oob="true"><div id="app-missed" hx-swap-oob="true">{missed}</div>"#,
        crate::page::escape(&tf(ctx.lang, "apps.autosaved", &[at]))
    );
    Ok(axum::response::Html(html).into_response())
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
    let (app, level) = load(&state, ctx, &a.principal, id).await?;
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
        today(),
        ctx.actor(),
    )
    .await
    .map_err(|e| match e {
        innocity_store::StoreError::Refused { key: "apps.err.eligibility", args } => {
            let text = failure_text(ctx.lang, &args[0], &args[1]);
            ctx.err(
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "ineligible",
                    "apps.err.eligibility",
                )
                .args(vec![text, args[2].clone()]),
            )
        }
        e @ innocity_store::StoreError::Refused { key, .. }
            if key.starts_with("apps.err.answer") =>
        {
            draft_error(ctx, e)
        }
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
    store::department_review(&state.db, id, &f.opinion, suggested, f.version, ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!("/applications/{id}?notice=apps.done")).into_response())
}

/// A call's projects on the board: how many, the money granted and paid, how many are overdue.
struct CallMoney {
    projects: usize,
    granted: String,
    paid: String,
    overdue: usize,
}

/// The bureau's board: every call by stage, with money requested and granted.
#[derive(Template)]
#[template(path = "projects_board.html")]
struct BoardPage {
    s: Shell,
    calls: Vec<BoardCall>,
    ledgers: Vec<(String, i64, String, String, String)>,
    /// Projects with overdue reports, overdue reports, overdue rectifications, payments waiting
    /// for the checker, changes waiting, money granted and paid to projects.
    follow_up: (usize, usize, usize, usize, usize, String, String),
}

/// A call on the board: its applications by stage, how many in all, and its projects' money.
struct BoardCall {
    id: i64,
    title: String,
    stages: Vec<BoardStage>,
    total: i64,
    money: CallMoney,
}

/// A call's applications at one stage: how many, money requested and granted (万元).
struct BoardStage {
    code: &'static str,
    label: &'static str,
    count: i64,
    requested: String,
    granted: String,
}

#[derive(serde::Deserialize, Default)]
pub struct BoardQuery {
    #[serde(default)]
    format: String,
}

pub async fn board(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let err = |e: innocity_store::StoreError| ctx.err(e.into());
    let rows = store::board(&state.db).await.map_err(err)?;
    if q.format == "xlsx" {
        // Every call by stage: count, money requested and granted (万元).
        use crate::http::TableCell as C;
        let head: Vec<&str> =
            ["calls.name", "apps.stage", "apps.count", "apps.requested", "apps.granted"]
                .iter()
                .map(|k| t(lang, k))
                .collect();
        let mut table = Vec::new();
        for c in store::calls(&state.db).await.map_err(err)? {
            for r in rows.iter().filter(|r| r.call_id == c.id) {
                let stage = stage_label(lang, Stage::parse(&r.stage).unwrap_or(Stage::Draft));
                table.push(vec![
                    C::Text(c.title.clone()),
                    C::Text(stage.into()),
                    C::Int(r.n),
                    C::Wan(r.requested.0),
                    C::Wan(r.granted.0),
                ]);
            }
        }
        return crate::http::table(ctx, t(lang, "board.title"), &head, &table, "board.xlsx");
    }
    let projects = execution_store::portfolio(&state.db, Reach::All, today()).await.map_err(err)?;
    let mut calls = Vec::new();
    for c in store::calls(&state.db).await.map_err(err)? {
        let of_call: Vec<_> = projects.iter().filter(|p| p.call_id == c.id).collect();
        let money = CallMoney {
            projects: of_call.len(),
            granted: of_call.iter().map(|p| p.granted).sum::<Money>().wan_text(),
            paid: of_call.iter().map(|p| p.paid).sum::<Money>().wan_text(),
            overdue: of_call
                .iter()
                .filter(|p| p.overdue_reports + p.overdue_rectifications > 0)
                .count(),
        };
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| r.call_id == c.id)
            .map(|r| {
                let s = Stage::parse(&r.stage).unwrap_or(Stage::Draft);
                BoardStage {
                    code: s.code(),
                    label: stage_label(lang, s),
                    count: r.n,
                    requested: r.requested.wan_text(),
                    granted: r.granted.wan_text(),
                }
            })
            .collect();
        let total = mine.iter().map(|x| x.count).sum();
        calls.push(BoardCall { id: c.id, title: c.title, stages: mine, total, money });
    }
    let mut ledgers = Vec::new();
    for p in store::programmes(&state.db).await.map_err(err)? {
        for y in
            [chrono::Datelike::year(&today()) as i64 - 1, chrono::Datelike::year(&today()) as i64]
        {
            if let Some(l) = store::ledger(&state.db, p.id, y).await.map_err(err)? {
                ledgers.push((
                    p.name.clone(),
                    y,
                    l.budget.wan_text(),
                    l.committed.wan_text(),
                    l.available().wan_text(),
                ));
            }
        }
    }
    let follow_up = (
        projects.iter().filter(|p| p.overdue_reports > 0).count(),
        projects.iter().map(|p| p.overdue_reports).sum(),
        projects.iter().map(|p| p.overdue_rectifications).sum(),
        projects.iter().map(|p| p.pending_payments).sum(),
        projects.iter().map(|p| p.pending_changes).sum(),
        projects.iter().map(|p| p.granted).sum::<Money>().wan_text(),
        projects.iter().map(|p| p.paid).sum::<Money>().wan_text(),
    );
    Ok(render(&BoardPage { s: ctx.shell(), calls, ledgers, follow_up }))
}

// ---------------------------------------------------------------- a project's task book and money

#[derive(Template)]
#[template(path = "project_view.html")]
struct ProjectPage {
    s: Shell,
    a: Application,
    notice: String,
    staff: bool,
    book: Option<store::TaskBook>,
    conditions: Vec<(&'static str, String, String, String)>,
    instalments: Vec<InstalmentLine>,
    paid: String,
    life: Option<execution::Life>,
    leader: bool,
    /// index, due, text, state code (reached, overdue, upcoming), state text, note, may be marked reached
    milestones: Vec<(usize, String, String, &'static str, String, String, bool)>,
}

/// An instalment on a project's page: its condition and amount, its state as shown, and whether
/// it may be prepared or released next.
struct InstalmentLine {
    id: i64,
    seq: i64,
    condition: &'static str,
    amount: String,
    state: String,
    may_prepare: bool,
    may_release: bool,
}

pub async fn project_page(
    State(state): State<AppState>,
    auth: Auth<ViewApplications>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &auth.ctx;
    let lang = ctx.lang;
    let err = |e: innocity_store::StoreError| ctx.err(e.into());
    let (a, level) = load(&state, ctx, &auth.principal, id).await?;
    if a.stage != Stage::Established {
        return Err(ctx.err(AppError::not_found()));
    }
    let book = store::task_book(&state.db, id).await.map_err(err)?;
    let shell = ctx.shell();
    let done = store::conditions(&state.db, id).await.map_err(err)?;
    let conditions = done
        .iter()
        .map(|(c, o, by, at)| {
            (
                t(lang, &format!("projects.condition.{}", c.code())),
                o.clone(),
                by.clone(),
                shell.time(at),
            )
        })
        .collect();
    let rows = store::instalments(&state.db, id).await.map_err(err)?;
    let paid: Money = rows
        .iter()
        .filter(|r| r.instalment.released_by.is_some())
        .map(|r| r.instalment.amount)
        .sum();
    let instalments = rows
        .iter()
        .map(|r| {
            let i = &r.instalment;
            let state = match (&i.prepared_by, &i.released_by) {
                (_, Some(by)) => {
                    tf(lang, "projects.released_by", &[by.clone(), shell.time(&r.released_at)])
                }
                (Some(by), None) => tf(lang, "projects.prepared_by", std::slice::from_ref(by)),
                _ => t(lang, "projects.planned").to_string(),
            };
            InstalmentLine {
                id: r.id,
                seq: r.seq,
                condition: t(lang, &format!("projects.condition.{}", i.condition.code())),
                amount: i.amount.wan_text(),
                state,
                may_prepare: i.prepared_by.is_none() && i.released_by.is_none(),
                may_release: i.prepared_by.is_some() && i.released_by.is_none(),
            }
        })
        .collect();
    let notice = notice_text(lang, &q.notice);
    let life = match &book {
        Some(b) => Some(execution::life(&state, ctx, &a, b, &shell, level == Level::Bureau).await?),
        None => None,
    };
    let day = today();
    let leader = level == Level::Applicant;
    let milestones = book
        .iter()
        .flat_map(|b| b.milestones.iter().enumerate().map(move |(k, m)| (k, m, b.status.running())))
        .map(|(k, m, running)| {
            let (code, text) = match m.reached_on {
                Some(d) => ("reached", tf(lang, "projects.milestone.reached", &[date_zh(d)])),
                None if running && innocity_core::projects::milestones::overdue(m, day) => {
                    ("overdue", t(lang, "projects.milestone.overdue").to_string())
                }
                None if running => ("upcoming", t(lang, "projects.milestone.upcoming").to_string()),
                None => ("closed", t(lang, "projects.milestone.not_reached").to_string()),
            };
            (
                k,
                date_zh(m.due_on),
                m.text.clone(),
                code,
                text,
                m.note.clone(),
                leader && running && m.reached_on.is_none(),
            )
        })
        .collect();
    Ok(render(&ProjectPage {
        s: shell.clone(),
        notice,
        staff: level == Level::Bureau,
        leader,
        book,
        conditions,
        instalments,
        paid: paid.wan_text(),
        life,
        milestones,
        a,
    }))
}

#[derive(serde::Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    goals: String,
    #[serde(default)]
    deliverables: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    post_subsidy: String,
    #[serde(default)]
    milestones: String,
    #[serde(default)]
    instalment: i64,
}

/// The bureau signs the task book, approves conditions, prepares and releases instalments.
pub async fn project_act(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ProjectForm = parse_form(ctx, &body)?;
    let db = &state.db;
    let err = |e: innocity_store::StoreError| ctx.err(e.into());
    let app = store::application(db, id)
        .await
        .map_err(err)?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let notice = match f.action.as_str() {
        "sign" => {
            let date = |field: &str, v: &str| {
                NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                    .map_err(|_| field_error(ctx, field, "experts.err.date", vec![]))
            };
            let (from, to) = (date("starts_on", &f.starts_on)?, date("ends_on", &f.ends_on)?);
            let deliverables: Vec<String> = f
                .deliverables
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
            if f.goals.trim().is_empty() {
                return Err(field_error(ctx, "goals", "err.required", vec![]));
            }
            if deliverables.is_empty() {
                return Err(field_error(ctx, "deliverables", "err.required", vec![]));
            }
            let milestones = innocity_core::projects::milestones::parse(&f.milestones, from, to)
                .map_err(|e| {
                    field_error(
                        ctx,
                        "milestones",
                        "projects.err.milestone_line",
                        vec![
                            e.line.to_string(),
                            t(ctx.lang, &format!("projects.err.milestone.{}", e.code)).to_string(),
                        ],
                    )
                })?;
            store::sign_task_book(
                db,
                app.id,
                &f.goals,
                &deliverables,
                &milestones,
                from,
                to,
                f.post_subsidy == "1",
                ctx.actor(),
            )
            .await
            .map_err(err)?;
            "projects.signed"
        }
        "prepare" | "release" => {
            if !store::instalments(db, app.id)
                .await
                .map_err(err)?
                .iter()
                .any(|r| r.id == f.instalment)
            {
                return Err(ctx.err(AppError::not_found()));
            }
            store::pay(db, f.instalment, f.action == "release", ctx.actor()).await.map_err(err)?;
            if f.action == "release" { "projects.released" } else { "projects.prepared" }
        }
        _ => return execution::staff_act(&state, ctx, app.id, &body).await,
    };
    Ok(Redirect::to(&format!("/projects/{id}?notice={notice}")).into_response())
}

// ---------------------------------------------------------------- attachments

/// Uploads a file to a draft (the leader only): type and content checked, stored outside the web
/// root; htmx follows the redirect, errors come back as a fragment beside the form.
pub async fn upload(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (app, level) = load(&state, ctx, &a.principal, id).await?;
    if level != Level::Applicant {
        return Err(ctx.err(AppError::forbidden()));
    }
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    store::add_attachment(
        &state.db,
        &state.config.files_dir,
        app.id,
        a.principal.user_id,
        store::NewAttachment { name: &name, kind: "attachment", bytes: &bytes },
        ctx.actor(),
    )
    .await
    .map_err(|e| match e {
        innocity_store::StoreError::Refused { key, args } if key.starts_with("apps.err.file") => {
            field_error(ctx, "file", key, args)
        }
        other => ctx.err(other.into()),
    })?;
    let to = format!("/applications/{id}?notice=apps.uploaded");
    Ok(([("HX-Redirect", to.clone())], Redirect::to(&to)).into_response())
}

/// Serves an attachment to those who may see the application, always as a download.
pub async fn file(
    State(state): State<AppState>,
    a: Auth<ViewApplications>,
    Path((id, file)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (app, _) = load(&state, ctx, &a.principal, id).await?;
    let (att, bytes) = store::attachment_file(&state.db, &state.config.files_dir, file)
        .await
        .map_err(|e| ctx.err(e.into()))?;
    if att.application_id != app.id {
        return Err(ctx.err(AppError::not_found()));
    }
    let mut resp = crate::http::download(bytes, &att.name, "application/octet-stream");
    resp.headers_mut()
        .insert("X-Content-Type-Options", axum::http::HeaderValue::from_static("nosniff"));
    Ok(resp)
}

/// 查重: staff flag possible duplicates across a call's submitted applications.
pub async fn call_duplicates(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    store::call(&state.db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let n =
        store::flag_duplicates(&state.db, id, ctx.actor()).await.map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!("/applications?call={id}&flagged={n}")).into_response())
}

#[derive(serde::Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    demand: String,
    #[serde(default)]
    deadline: String,
}

/// Opens an expert review round over the call's applications in review.
pub async fn call_review(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ReviewForm = parse_form(ctx, &body)?;
    if f.name.trim().is_empty() || f.name.chars().count() > 100 {
        return Err(field_error(ctx, "name", "err.required", vec![]));
    }
    let mode = innocity_store::experts::Mode::parse(&f.mode)
        .ok_or_else(|| field_error(ctx, "mode", "err.choose", vec![]))?;
    let demand: i64 = f
        .demand
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=15).contains(d))
        .ok_or_else(|| field_error(ctx, "demand", "calls.err.demand", vec![]))?;
    let deadline = NaiveDate::parse_from_str(f.deadline.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d >= today())
        .ok_or_else(|| field_error(ctx, "deadline", "experts.err.date", vec![]))?;
    let round = store::start_review(&state.db, id, &f.name, mode, demand, deadline, ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!("/reviews/{round}")).into_response())
}

/// Moves the reviewed applications on once every round of the call is closed.
pub async fn call_finish_review(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let n = store::finish_review(&state.db, id, today(), ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!("/applications?call={id}&stage=reviewed&moved={n}")).into_response())
}
