//! The calls as pages: the list (with its XLSX export) and one call's page.
use super::notice::{CallNotice, call_notice};
use super::{Block, blocks};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ViewApplications};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render};
use crate::projects::calls;
use crate::projects::{BoardQuery, Notice, date_zh, file_size, notice_text, stage_label};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use innocity_core::access::Role;
use innocity_core::projects::Stage;
use innocity_store::projects::{self as store, Call};

#[derive(Template)]
#[template(path = "calls_list.html")]
struct CallsPage {
    s: Shell,
    calls: Vec<CallLine>,
    can_apply: bool,
    staff: bool,
}

/// A call in the list.
struct CallLine {
    id: i64,
    code: String,
    title: String,
    opens: String,
    deadline: String,
    status: String,
    open: bool,
}

pub(crate) fn call_open(c: &Call, day: NaiveDate) -> bool {
    c.status == "open" && day >= c.opens_on && day <= c.deadlines.applicant
}

pub async fn list(
    State(state): State<AppState>,
    a: Auth<ViewApplications>,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let list = store::calls(&state.db).await?;
    let day = ctx.today();
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
        return crate::http::table(t(lang, "calls.title"), &head, &rows, "calls.xlsx");
    }
    let rows = list
        .iter()
        .map(|c| CallLine {
            id: c.id,
            code: c.code.clone(),
            title: c.title.clone(),
            opens: date_zh(c.opens_on),
            deadline: date_zh(c.deadlines.applicant),
            status: t(ctx.lang, if call_open(c, day) { "calls.open" } else { "calls.closed" })
                .to_string(),
            open: call_open(c, day),
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
    deadlines: Vec<KeyedLine>,
    budget: Vec<KeyedLine>,
    stages: Vec<StageRow>,
    rounds: Vec<CallRound>,
    default_deadline: String,
    announce: Option<CallNotice>,
    notice: String,
    guidelines: Vec<Block>,
    files: Vec<CallFile>,
    /// The call's own form.
    form: Vec<FormSectionLine>,
    plan: Vec<String>,
    /// The next expert round's defaults from the plan.
    next_round: NextRound,
}

/// A line whose label is a message key.
pub(super) struct KeyedLine {
    pub(super) key: &'static str,
    pub(super) value: String,
}

impl KeyedLine {
    fn new(key: &'static str, value: String) -> KeyedLine {
        KeyedLine { key, value }
    }
}

/// How many of the call's applications are at a stage, and for how much.
struct StageRow {
    stage: &'static str,
    n: i64,
    requested: String,
    granted: String,
}

/// An expert round of the call.
struct CallRound {
    id: i64,
    code: String,
    name: String,
    status: &'static str,
}

/// A file attached to the call.
struct CallFile {
    id: i64,
    name: String,
    size: String,
}

/// The next expert round's defaults: mode, experts per application.
struct NextRound {
    mode: &'static str,
    demand: u32,
}

/// A section of a call's own form as shown on the call's page.
pub(super) struct FormSectionLine {
    pub(super) title: String,
    pub(super) fields: Vec<FormFieldLine>,
}

/// A field of a call's own form: its label, its kind as the applicant reads it, whether required.
pub(super) struct FormFieldLine {
    pub(super) label: String,
    pub(super) kind: String,
    pub(super) required: bool,
}

/// A form field's kind as the applicant reads it.
pub(crate) fn kind_text(lang: Lang, k: &innocity_core::projects::form::Kind) -> String {
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

pub(super) fn plan_text(lang: Lang, p: &innocity_core::projects::form::ReviewPlan) -> Vec<String> {
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

pub(super) fn rules_text(lang: Lang, c: &Call) -> Vec<String> {
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
    let c = store::call(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    let staff = matches!(a.principal.role, Role::SystemAdmin | Role::BureauStaff);
    let stages = if staff { stage_rows(&state, ctx, id).await? } else { vec![] };
    let rounds = if staff {
        store::call_rounds(&state.db, id)
            .await?
            .into_iter()
            .map(|r| CallRound {
                id: r.id,
                code: r.code,
                name: r.name,
                status: t(lang, &format!("reviews.status.{}", r.status)),
            })
            .collect()
    } else {
        vec![]
    };
    let default_deadline = (ctx.today() + chrono::Days::new(21)).format("%Y-%m-%d").to_string();
    let announce = if staff { Some(call_notice(&state, ctx, id).await?) } else { None };
    let files = store::call_files(&state.db, id)
        .await?
        .into_iter()
        .map(|f| CallFile { id: f.id, name: f.name, size: file_size(f.size) })
        .collect();
    let p = &c.review_plan;
    Ok(render(&CallPage {
        s: ctx.shell(),
        notice: notice_text(lang, &q.notice),
        guidelines: blocks(&c.guidelines),
        files,
        form: form_lines(lang, &c),
        plan: plan_text(lang, p),
        next_round: next_round(p, rounds.is_empty()),
        announce,
        rounds,
        default_deadline,
        open: call_open(&c, ctx.today()),
        can_apply: matches!(a.principal.role, Role::OrgAdmin | Role::OrgMember),
        staff,
        rules: rules_text(lang, &c),
        deadlines: deadline_lines(&c),
        budget: budget_lines(&c),
        stages,
        c,
    }))
}

/// The call's applications by stage, for staff.
async fn stage_rows(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Vec<StageRow>> {
    Ok(store::board(&state.db)
        .await?
        .into_iter()
        .filter(|r| r.call_id == id)
        .map(|r| StageRow {
            stage: stage_label(ctx.lang, Stage::parse(&r.stage).unwrap_or(Stage::Draft)),
            n: r.n,
            requested: r.requested.wan_text(),
            granted: r.granted.wan_text(),
        })
        .collect())
}

pub(super) fn budget_lines(c: &Call) -> Vec<KeyedLine> {
    let r = &c.budget_rules;
    vec![
        KeyedLine::new("calls.max_request", format!("{} 万元", r.max_request.wan_text())),
        KeyedLine::new(
            "calls.co_funding",
            if r.co_funding > 0.0 { format!("1 : {}", r.co_funding) } else { "—".into() },
        ),
        KeyedLine::new("calls.indirect", format!("≤ {:.0}%", r.indirect_share * 100.0)),
    ]
}

pub(super) fn deadline_lines(c: &Call) -> Vec<KeyedLine> {
    vec![
        KeyedLine::new("calls.dl.applicant", date_zh(c.deadlines.applicant)),
        KeyedLine::new("calls.dl.organisation", date_zh(c.deadlines.organisation)),
        KeyedLine::new("calls.dl.zone", date_zh(c.deadlines.zone)),
    ]
}

pub(super) fn form_lines(lang: Lang, c: &Call) -> Vec<FormSectionLine> {
    c.form
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
        .collect()
}

/// The next expert round's defaults from the plan. The first round is the remote review when
/// there is one, then the panel.
fn next_round(p: &innocity_core::projects::form::ReviewPlan, first: bool) -> NextRound {
    let (mode, demand) = if first && p.remote_experts > 0 {
        ("assign", p.remote_experts)
    } else if p.panel_experts > 0 {
        (if p.panel_drawn { "draw" } else { "assign" }, p.panel_experts)
    } else {
        ("assign", p.remote_experts.max(1))
    };
    NextRound { mode, demand }
}

// ---------------------------------------------------------------- applications
