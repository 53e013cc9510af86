//! Pages after the decision: the public notice (anyone reads it and may object while it runs),
//! the bureau's notice and objections on a call, a project's life (reports, inspections, changes,
//! supervision and audits, outputs, acceptance) and the portfolios of leaders, organisations,
//! zones and the bureau. Who acts is still decided by [`super::level_on`].
use super::{date_zh, load, reach_of, stage_label, today};
use crate::app::AppState;
use crate::auth::{
    ApplyProjects, Auth, Ctx, ManageProjects, ViewApplications, field_error, parse_form,
};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_core::projects::execution::{
    self as rules, ChangeKind, Opinion, Outcome, ReportKind, Status, StatusAction,
};
use innocity_core::projects::funding::{CATEGORIES, Condition, Line};
use innocity_core::projects::money::{Money, Unit};
use innocity_core::projects::{Level, Stage};
use innocity_store::StoreError;
use innocity_store::projects::execution::{self as x, ChangeDetail};
use innocity_store::projects::{self as store, Application};
use std::collections::BTreeMap;

type Form = BTreeMap<String, String>;

fn get<'a>(f: &'a Form, k: &str) -> &'a str {
    f.get(k).map(|s| s.trim()).unwrap_or("")
}

fn date_field(ctx: &Ctx, f: &Form, field: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(get(f, field), "%Y-%m-%d")
        .map_err(|_| field_error(ctx, field, "experts.err.date", vec![]))
}

fn status_label(lang: Lang, s: Status) -> &'static str {
    t(lang, &format!("life.status.{}", s.code()))
}

fn report_label(lang: Lang, k: ReportKind, seq: u32) -> String {
    match k {
        ReportKind::Progress => tf(lang, "life.report.progress", &[seq.to_string()]),
        _ => t(lang, &format!("life.report.{}", k.code())).to_string(),
    }
}

/// Store refusals that concern one field of the form come back as 422 naming it.
fn refusal(ctx: &Ctx, e: StoreError) -> AppError {
    match e {
        StoreError::Refused { key: "projects.err.field", args } => {
            let field = args.first().cloned().unwrap_or_default();
            let label = t(ctx.lang, &format!("life.field.{field}")).to_string();
            field_error(ctx, &field, "life.err.field", vec![label])
        }
        StoreError::Refused { key: "projects.err.change", args } => {
            let field = args.first().cloned().unwrap_or_default();
            let rule = args.get(1).cloned().unwrap_or_default();
            let label = CATEGORIES
                .iter()
                .find(|c| c.0 == field)
                .map(|c| ctx.lang.pick(c.1, c.2).to_string())
                .unwrap_or_else(|| t(ctx.lang, &format!("life.field.{field}")).to_string());
            field_error(
                ctx,
                &field,
                "life.err.change",
                vec![label, t(ctx.lang, &format!("life.change_rule.{rule}")).to_string()],
            )
        }
        StoreError::Refused { key: "projects.err.deliverable", args } => {
            field_error(ctx, "deliverables", "projects.err.deliverable", args)
        }
        StoreError::Refused { key: "projects.err.report_body", args } => {
            field_error(ctx, "body", "projects.err.report_body", args)
        }
        StoreError::Refused { key: "projects.err.score", args } => {
            field_error(ctx, "score", "projects.err.score", args)
        }
        StoreError::Refused { key: "apps.err.id_number", .. } => {
            field_error(ctx, "id_number", "apps.err.id_number", vec![])
        }
        other => ctx.err(other.into()),
    }
}

// ---------------------------------------------------------------- a project's life on its page

/// What the project page shows after the task book (built for [`super::project_page`]).
pub struct Life {
    pub status: &'static str,
    pub status_code: &'static str,
    pub status_reason: String,
    pub running: bool,
    pub version: i64,
    pub years: Vec<i32>,
    pub budget: Vec<(String, String, Vec<String>)>,
    pub budget_lines: Vec<(&'static str, String, String)>,
    pub reports: Vec<ReportView>,
    pub deliverables: Vec<(usize, String)>,
    pub opinions: Vec<(String, String, u8, &'static str, String)>,
    pub mid_term_open: bool,
    pub acceptance_open: bool,
    pub suggestion: String,
    pub outcome: Option<(&'static str, String, &'static str, String, String)>,
    pub changes: Vec<ChangeView>,
    pub findings: Vec<FindingView>,
    pub outputs: Vec<(&'static str, String, String, String)>,
    pub output_kinds: Vec<(&'static str, &'static str)>,
    pub ends_on: String,
}

pub struct ReportView {
    pub kind: &'static str,
    pub seq: u32,
    pub label: String,
    pub due: String,
    pub submitted: bool,
    pub overdue: bool,
    pub reminded: bool,
    pub when: String,
    pub body: String,
    pub account: Vec<(String, &'static str)>,
    /// The report's files: id, name, size.
    pub files: Vec<(i64, String, String)>,
}

pub struct ChangeView {
    pub id: i64,
    pub kind: &'static str,
    pub detail: String,
    pub reason: String,
    pub status: &'static str,
    pub pending: bool,
    pub decision: String,
    pub by: String,
}

pub struct FindingView {
    pub id: i64,
    pub kind: &'static str,
    pub visited_on: String,
    pub findings: String,
    pub rectify_by: String,
    pub rectification: String,
    pub open: bool,
    pub overdue: bool,
}

/// `staff`: bureau staff see who gave each expert opinion; everyone else reads them unnamed
/// (专家 1, 专家 2 …), as with review rounds.
pub async fn life(
    state: &AppState,
    ctx: &Ctx,
    a: &Application,
    book: &store::TaskBook,
    shell: &Shell,
    staff: bool,
) -> AppResult<Life> {
    let lang = ctx.lang;
    let db = &state.db;
    let err = |e: StoreError| ctx.err(e.into());
    let day = today();
    let (starts, ends) = (book.starts(), book.ends());
    let years: Vec<i32> = rules::by_year(Money(1), starts, ends).iter().map(|y| y.0).collect();
    let cat = |c: &str| {
        CATEGORIES
            .iter()
            .find(|x| x.0 == c)
            .map(|x| lang.pick(x.1, x.2).to_string())
            .unwrap_or_else(|| c.to_string())
    };
    let budget = book
        .budget
        .iter()
        .map(|l| {
            (
                cat(&l.category),
                l.requested.wan_text(),
                rules::by_year(l.requested, starts, ends)
                    .into_iter()
                    .map(|y| y.1.wan_text())
                    .collect(),
            )
        })
        .collect();
    let budget_lines = book
        .budget
        .iter()
        .filter_map(|l| {
            CATEGORIES
                .iter()
                .find(|c| c.0 == l.category)
                .map(|c| (c.0, lang.pick(c.1, c.2).to_string(), l.requested.wan_exact()))
        })
        .collect();
    let files = store::attachments(db, a.id).await.map_err(err)?;
    let reports = x::reports(db, a.id, day)
        .await
        .map_err(err)?
        .into_iter()
        .map(|r| ReportView {
            files: files
                .iter()
                .filter(|f| f.kind == x::report_file_kind(r.due.kind, r.due.seq))
                .map(|f| (f.id, f.name.clone(), super::file_size(f.size)))
                .collect(),
            kind: r.due.kind.code(),
            seq: r.due.seq,
            label: report_label(lang, r.due.kind, r.due.seq),
            due: date_zh(r.due.due_on),
            submitted: r.status == "submitted",
            overdue: r.overdue,
            reminded: r.reminded_at > 0 && r.status != "submitted",
            when: if r.submitted_at > 0 { shell.time(&r.submitted_at) } else { String::new() },
            body: r.body,
            account: r
                .deliverables
                .into_iter()
                .map(|(d, s)| (d, t(lang, &format!("life.met.{s}"))))
                .collect(),
        })
        .collect::<Vec<_>>();
    let ops = x::opinions(db, a.id).await.map_err(err)?;
    let conditions = store::conditions(db, a.id).await.map_err(err)?;
    let opinions = ops
        .iter()
        .enumerate()
        .map(|(k, o)| {
            (
                t(lang, &format!("life.stage.{}", o.stage)).to_string(),
                if staff {
                    o.opinion.expert.clone()
                } else {
                    tf(
                        lang,
                        "life.expert_n",
                        &[(ops[..k].iter().filter(|p| p.stage == o.stage).count() + 1).to_string()],
                    )
                },
                o.opinion.score,
                t(lang, &format!("life.outcome.{}", o.opinion.conclusion.code())),
                o.opinion.text.clone(),
            )
        })
        .collect();
    let final_in = reports.iter().any(|r| r.kind == "final" && r.submitted);
    let outcome = x::outcome(db, a.id).await.map_err(err)?;
    let acceptance: Vec<Opinion> =
        ops.iter().filter(|o| o.stage == "acceptance").map(|o| o.opinion.clone()).collect();
    let suggestion = if final_in && outcome.is_none() {
        let all = x::reports(db, a.id, day).await.map_err(err)?;
        let report = all.iter().find(|r| r.due.kind == ReportKind::Final);
        let met = report
            .map(|r| {
                r.deliverables.iter().filter(|d| d.1 == "met").count()
                    + r.deliverables.iter().filter(|d| d.1 == "partly").count() / 2
            })
            .unwrap_or(0);
        rules::suggest_outcome(&acceptance, met, book.deliverables.len())
            .map(|o| t(lang, &format!("life.outcome.{}", o.code())).to_string())
            .unwrap_or_else(|| {
                tf(
                    lang,
                    "life.need_opinions",
                    &[rules::MIN_OPINIONS.to_string(), acceptance.len().to_string()],
                )
            })
    } else {
        String::new()
    };
    let changes = x::changes(db, a.id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|c| {
            let detail = match c.kind {
                ChangeKind::Leader => format!(
                    "{}（{}）",
                    c.detail["name"].as_str().unwrap_or_default(),
                    mask_id(c.detail["id_number"].as_str().unwrap_or_default())
                ),
                ChangeKind::Extension => date_zh(
                    NaiveDate::parse_from_str(
                        c.detail["ends_on"].as_str().unwrap_or_default(),
                        "%Y-%m-%d",
                    )
                    .unwrap_or_default(),
                ),
                ChangeKind::Budget => {
                    serde_json::from_value::<Vec<Line>>(c.detail["lines"].clone())
                        .unwrap_or_default()
                        .iter()
                        .map(|l| format!("{} {}", cat(&l.category), l.requested.wan_text()))
                        .collect::<Vec<_>>()
                        .join("，")
                }
            };
            ChangeView {
                id: c.id,
                kind: t(lang, &format!("life.change.{}", c.kind.code())),
                detail,
                reason: c.reason,
                status: t(lang, &format!("life.change_status.{}", c.status)),
                pending: c.status == "pending",
                decision: c.decision,
                by: c.decided_by,
            }
        })
        .collect();
    let findings = x::findings(db, a.id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|f| FindingView {
            id: f.id,
            kind: t(lang, &format!("life.finding.{}", f.kind)),
            overdue: f.overdue(day),
            open: !f.rectify_by.is_empty() && f.rectified_at == 0,
            visited_on: f.visited_on,
            findings: f.findings,
            rectify_by: f.rectify_by,
            rectification: f.rectification,
        })
        .collect();
    let outputs = x::outputs(db, a.id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|o| (t(lang, &format!("life.output.{}", o.kind)), o.title, o.reference, o.on_date))
        .collect();
    Ok(Life {
        status: status_label(lang, book.status),
        status_code: book.status.code(),
        status_reason: book.status_reason.clone(),
        running: book.status.running(),
        version: book.version,
        years,
        budget,
        budget_lines,
        mid_term_open: book.status == Status::Ongoing
            && !conditions.iter().any(|c| c.0 == Condition::MidTerm)
            && reports.iter().any(|r| r.kind == "mid_term" && r.submitted),
        acceptance_open: book.status == Status::Ongoing && final_in && outcome.is_none(),
        reports,
        deliverables: book.deliverables.iter().cloned().enumerate().collect(),
        opinions,
        suggestion,
        outcome: outcome.map(|o| {
            (
                t(lang, &format!("life.outcome.{}", o.outcome.code())),
                format!("{:.1}", o.score),
                t(lang, &format!("life.grade.{}", o.grade)),
                o.opinion,
                o.credit_records.iter().map(|r| format!("#{r}")).collect::<Vec<_>>().join("、"),
            )
        }),
        changes,
        findings,
        outputs,
        output_kinds: rules::OUTPUT_KINDS
            .iter()
            .map(|k| (*k, t(lang, &format!("life.output.{k}"))))
            .collect(),
        ends_on: book.ends_on.clone(),
    })
}

/// An ID number shown to others keeps its first six and last four characters.
fn mask_id(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    if c.len() < 10 {
        return "*".repeat(c.len());
    }
    format!(
        "{}{}{}",
        c[..6].iter().collect::<String>(),
        "*".repeat(c.len() - 10),
        c[c.len() - 4..].iter().collect::<String>()
    )
}

/// The bureau's actions on a project beyond signing and paying: status, expert opinions, the
/// mid-term and acceptance decisions, change decisions, supervision visits and audits.
pub async fn staff_act(state: &AppState, ctx: &Ctx, id: i64, body: &[u8]) -> AppResult<Response> {
    let f: Form = parse_form(ctx, body)?;
    let db = &state.db;
    let day = today();
    let actor = ctx.actor();
    let reason = get(&f, "reason");
    let notice = match get(&f, "action") {
        "status" => {
            let action = StatusAction::parse(get(&f, "status_action"))
                .ok_or_else(|| field_error(ctx, "status_action", "err.choose", vec![]))?;
            let version = get(&f, "version").parse().unwrap_or(0);
            x::set_status(db, id, action, reason, version, actor)
                .await
                .map_err(|e| refusal(ctx, e))?;
            "life.status_changed"
        }
        "opinion" => {
            let stage = Condition::parse(get(&f, "stage"))
                .ok_or_else(|| field_error(ctx, "stage", "err.choose", vec![]))?;
            let score: u8 = get(&f, "score")
                .parse()
                .map_err(|_| field_error(ctx, "score", "projects.err.score", vec![]))?;
            let conclusion = Outcome::parse(get(&f, "conclusion"))
                .ok_or_else(|| field_error(ctx, "conclusion", "err.choose", vec![]))?;
            x::add_opinion(
                db,
                id,
                stage,
                &Opinion {
                    expert: get(&f, "expert").into(),
                    score,
                    conclusion,
                    text: get(&f, "opinion").into(),
                },
                actor,
            )
            .await
            .map_err(|e| refusal(ctx, e))?;
            "life.opinion_added"
        }
        "mid_term" | "acceptance" => {
            let outcome = Outcome::parse(get(&f, "outcome"))
                .ok_or_else(|| field_error(ctx, "outcome", "err.choose", vec![]))?;
            if get(&f, "action") == "mid_term" {
                x::conclude_mid_term(db, id, outcome, get(&f, "opinion"), day, actor)
                    .await
                    .map_err(|e| refusal(ctx, e))?;
            } else {
                x::decide_acceptance(
                    db,
                    id,
                    outcome,
                    get(&f, "opinion"),
                    get(&f, "fraud") == "1",
                    day,
                    actor,
                )
                .await
                .map_err(|e| refusal(ctx, e))?;
            }
            "life.decided"
        }
        "decide_change" => {
            let change: i64 =
                get(&f, "change").parse().map_err(|_| ctx.err(AppError::not_found()))?;
            if !x::changes(db, id)
                .await
                .map_err(|e| ctx.err(e.into()))?
                .iter()
                .any(|c| c.id == change)
            {
                return Err(ctx.err(AppError::not_found()));
            }
            x::decide_change(
                db,
                change,
                get(&f, "approve") == "1",
                get(&f, "decision"),
                day,
                actor,
            )
            .await
            .map_err(|e| refusal(ctx, e))?;
            "life.decided"
        }
        "finding" => {
            let visited = date_field(ctx, &f, "visited_on")?;
            let by = if get(&f, "rectify_by").is_empty() {
                None
            } else {
                Some(date_field(ctx, &f, "rectify_by")?)
            };
            x::add_finding(db, id, get(&f, "kind"), visited, get(&f, "findings"), by, actor)
                .await
                .map_err(|e| refusal(ctx, e))?;
            "life.finding_added"
        }
        _ => return Err(field_error(ctx, "action", "err.choose", vec![])),
    };
    Ok(Redirect::to(&format!("/projects/{id}?notice={notice}")).into_response())
}

/// The leader attaches a file to a report not yet submitted (htmx, like an application's files).
pub async fn report_upload(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Path((id, kind, seq)): Path<(i64, String, u32)>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (app, level) = load(&state, ctx, &a.principal, id).await?;
    if level != Level::Applicant || app.stage != Stage::Established {
        return Err(ctx.err(AppError::forbidden()));
    }
    let kind = ReportKind::parse(&kind).ok_or_else(|| ctx.err(AppError::not_found()))?;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    x::add_report_file(
        &state.db,
        &state.config.files_dir,
        id,
        a.principal.user_id,
        kind,
        seq,
        &name,
        &bytes,
        ctx.actor(),
    )
    .await
    .map_err(|e| match e {
        StoreError::Refused { key, args } if key.starts_with("apps.err.file") => {
            field_error(ctx, "file", key, args)
        }
        other => refusal(ctx, other),
    })?;
    let to = format!("/projects/{id}?notice=apps.uploaded#reports");
    Ok(([("HX-Redirect", to.clone())], Redirect::to(&to)).into_response())
}

/// The leader's work on their project: reports, change requests, rectifications, outputs.
pub async fn work(
    State(state): State<AppState>,
    a: Auth<ApplyProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (app, level) = load(&state, ctx, &a.principal, id).await?;
    if level != Level::Applicant || app.stage != Stage::Established {
        return Err(ctx.err(AppError::forbidden()));
    }
    let f: Form = parse_form(ctx, &body)?;
    let db = &state.db;
    let actor = ctx.actor();
    let notice = match get(&f, "action") {
        "report" => {
            let kind = ReportKind::parse(get(&f, "kind"))
                .ok_or_else(|| field_error(ctx, "kind", "err.choose", vec![]))?;
            let seq: u32 = get(&f, "seq").parse().unwrap_or(1);
            let book = store::task_book(db, id)
                .await
                .map_err(|e| ctx.err(e.into()))?
                .ok_or_else(|| ctx.err(AppError::not_found()))?;
            let account: Vec<(String, String)> = if kind == ReportKind::Final {
                book.deliverables
                    .iter()
                    .enumerate()
                    .map(|(k, d)| (d.clone(), get(&f, &format!("d{k}")).to_string()))
                    .collect()
            } else {
                vec![]
            };
            x::submit_report(db, id, kind, seq, get(&f, "body"), &account, actor)
                .await
                .map_err(|e| refusal(ctx, e))?;
            "life.report_submitted"
        }
        "milestone" => {
            let index: usize =
                get(&f, "index").parse().map_err(|_| ctx.err(AppError::not_found()))?;
            x::reach_milestone(db, id, index, get(&f, "note"), today(), actor)
                .await
                .map_err(|e| refusal(ctx, e))?;
            "life.milestone_reached"
        }
        "change" => {
            let kind = ChangeKind::parse(get(&f, "kind"))
                .ok_or_else(|| field_error(ctx, "kind", "err.choose", vec![]))?;
            let detail = match kind {
                ChangeKind::Leader => ChangeDetail::Leader {
                    name: get(&f, "leader_name").into(),
                    id_number: get(&f, "id_number").into(),
                },
                ChangeKind::Extension => ChangeDetail::Extension(date_field(ctx, &f, "ends_on")?),
                ChangeKind::Budget => {
                    let book = store::task_book(db, id)
                        .await
                        .map_err(|e| ctx.err(e.into()))?
                        .ok_or_else(|| ctx.err(AppError::not_found()))?;
                    let mut lines = Vec::new();
                    for l in &book.budget {
                        let field = format!("budget_{}", l.category);
                        let typed = get(&f, &field);
                        let requested = Money::parse(typed, Unit::Wan).map_err(|_| {
                            field_error(
                                ctx,
                                &field,
                                "apps.err.money",
                                vec![l.category.clone(), typed.to_string()],
                            )
                        })?;
                        lines.push(Line {
                            category: l.category.clone(),
                            requested,
                            raised: l.raised,
                        });
                    }
                    ChangeDetail::Budget(lines)
                }
            };
            x::request_change(db, id, &detail, get(&f, "reason"), today(), actor)
                .await
                .map_err(|e| refusal(ctx, e))?;
            "life.change_requested"
        }
        "rectify" => {
            let finding: i64 =
                get(&f, "finding").parse().map_err(|_| ctx.err(AppError::not_found()))?;
            x::rectify(db, id, finding, get(&f, "rectification"), actor)
                .await
                .map_err(|e| refusal(ctx, e))?;
            "life.rectified"
        }
        "output" => {
            let on = date_field(ctx, &f, "on_date")?;
            x::add_output(
                db,
                id,
                get(&f, "kind"),
                get(&f, "title"),
                get(&f, "reference"),
                on,
                actor,
            )
            .await
            .map_err(|e| refusal(ctx, e))?;
            "life.output_added"
        }
        _ => return Err(field_error(ctx, "action", "err.choose", vec![])),
    };
    Ok(Redirect::to(&format!("/projects/{id}?notice={notice}")).into_response())
}

// ---------------------------------------------------------------- portfolios

#[derive(Template)]
#[template(path = "projects_list.html")]
struct PortfolioPage {
    s: Shell,
    rows: Vec<PortfolioRow>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    totals: (usize, String, String, usize),
    staff: bool,
    outputs: Vec<(String, String, i64)>,
}

struct PortfolioRow {
    id: i64,
    code: String,
    title: String,
    organisation: String,
    leader: String,
    status: &'static str,
    status_code: &'static str,
    granted: String,
    paid: String,
    next_due: String,
    overdue: String,
}

#[derive(serde::Deserialize, Default)]
pub struct PortfolioQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    format: String,
}

/// The projects the viewer's role reaches — a leader's own, an organisation's, a zone's, all —
/// with money, the next report and what is overdue; XLSX on request.
pub async fn portfolio(
    State(state): State<AppState>,
    a: Auth<ViewApplications>,
    Query(q): Query<PortfolioQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let reach = reach_of(&a.principal).ok_or_else(|| ctx.err(AppError::forbidden()))?;
    let day = today();
    let outputs =
        x::output_counts(&state.db, reach_of(&a.principal).unwrap_or(store::Reach::Leader(0)))
            .await
            .map_err(|e| ctx.err(e.into()))?
            .into_iter()
            .map(|(k, y, n)| (t(lang, &format!("life.output.{k}")).to_string(), y, n))
            .collect();
    let status = Status::parse(&q.status);
    let all = x::portfolio(&state.db, reach, day).await.map_err(|e| ctx.err(e.into()))?;
    let list: Vec<_> = all
        .into_iter()
        .filter(|p| {
            status.is_none_or(|s| p.status == s)
                && (q.overdue.is_empty() || p.overdue_reports + p.overdue_rectifications > 0)
        })
        .collect();
    let overdue_text = |p: &x::ProjectRow| {
        let mut v = vec![];
        if p.overdue_reports > 0 {
            v.push(tf(lang, "life.overdue_reports", &[p.overdue_reports.to_string()]));
        }
        if p.overdue_rectifications > 0 {
            v.push(tf(
                lang,
                "life.overdue_rectifications",
                &[p.overdue_rectifications.to_string()],
            ));
        }
        v.join("，")
    };
    let next_text = |p: &x::ProjectRow| {
        p.next_due
            .map(|d| format!("{} {}", report_label(lang, d.kind, d.seq), date_zh(d.due_on)))
            .unwrap_or_default()
    };
    if q.format == "xlsx" {
        let head: Vec<&str> = [
            "apps.code",
            "apps.title_col",
            "life.organisation",
            "apps.leader",
            "life.status",
            "apps.granted",
            "projects.paid",
            "life.next_due",
            "life.overdue",
        ]
        .iter()
        .map(|k| t(lang, k))
        .collect();
        use crate::http::TableCell as C;
        let rows: Vec<Vec<C>> = list
            .iter()
            .map(|p| {
                vec![
                    C::Text(p.code.clone()),
                    C::Text(p.title.clone()),
                    C::Text(p.organisation.clone()),
                    C::Text(p.leader_name.clone()),
                    C::Text(status_label(lang, p.status).into()),
                    C::Wan(p.granted.0),
                    C::Wan(p.paid.0),
                    C::Text(next_text(p)),
                    C::Text(overdue_text(p)),
                ]
            })
            .collect();
        return crate::http::table(ctx, t(lang, "life.portfolio"), &head, &rows, "projects.xlsx");
    }
    let granted: Money = list.iter().map(|p| p.granted).sum();
    let paid: Money = list.iter().map(|p| p.paid).sum();
    let overdue = list.iter().filter(|p| p.overdue_reports + p.overdue_rectifications > 0).count();
    let rows = list
        .iter()
        .map(|p| PortfolioRow {
            id: p.id,
            code: p.code.clone(),
            title: p.title.clone(),
            organisation: p.organisation.clone(),
            leader: p.leader_name.clone(),
            status: status_label(lang, p.status),
            status_code: p.status.code(),
            granted: p.granted.wan_text(),
            paid: p.paid.wan_text(),
            next_due: next_text(p),
            overdue: overdue_text(p),
        })
        .collect();
    let statuses = Status::ALL
        .iter()
        .map(|s| (s.code(), status_label(lang, *s), Some(*s) == status))
        .collect();
    let staff = matches!(
        a.principal.role,
        innocity_core::access::Role::SystemAdmin | innocity_core::access::Role::BureauStaff
    );
    Ok(render(&PortfolioPage {
        s: ctx.shell(),
        totals: (list.len(), granted.wan_text(), paid.wan_text(), overdue),
        rows,
        statuses,
        staff,
        outputs,
    }))
}

/// 催交: reminds the leaders of every overdue report.
pub async fn remind(State(state): State<AppState>, a: Auth<ManageProjects>) -> AppResult<Response> {
    let ctx = &a.ctx;
    x::remind_overdue(&state.db, today(), ctx.actor()).await.map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to("/projects?overdue=1&notice=life.reminded").into_response())
}

// ---------------------------------------------------------------- the public notice (立项公示)

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    s: Shell,
    list: Vec<(i64, String, String, String, bool)>,
}

/// Every notice, for anyone.
pub async fn notices(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let day = today();
    let mut list = Vec::new();
    for n in x::notices(&state.db).await.map_err(|e| ctx.err(e.into()))? {
        if let Some(c) = store::call(&state.db, n.call_id).await.map_err(|e| ctx.err(e.into()))? {
            list.push((
                c.id,
                c.title,
                date_zh(n.starts_on),
                date_zh(n.ends_on),
                day >= n.starts_on && day <= n.ends_on,
            ));
        }
    }
    Ok(render(&NoticesPage { s: ctx.shell(), list }))
}

#[derive(Template)]
#[template(path = "notice_view.html")]
struct NoticePage {
    s: Shell,
    id: i64,
    title: String,
    minutes: String,
    period: (String, String),
    running: bool,
    rows: Vec<(String, String, String, String, String, &'static str)>,
    total: String,
    sent: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct Sent {
    #[serde(default)]
    sent: String,
}

/// A call's notice: the decision's minutes and the funded applications with their amounts, and
/// while it runs a form to object.
pub async fn notice_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<Sent>,
) -> AppResult<Response> {
    let err = |e: StoreError| ctx.err(e.into());
    let n = x::notice(&state.db, id)
        .await
        .map_err(err)?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let c = store::call(&state.db, id)
        .await
        .map_err(err)?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let mut rows = Vec::new();
    let mut total = Money::ZERO;
    let decided = x::objections(&state.db, id).await.map_err(err)?;
    for a in store::applications(&state.db, store::Reach::All, Some(id), None).await.map_err(err)? {
        let upheld = decided.iter().any(|o| o.application_id == a.id && o.status == "upheld");
        if !matches!(a.stage, Stage::Approved | Stage::Established) && !upheld {
            continue;
        }
        let org = innocity_store::orgs::get(&state.db, a.organisation_id)
            .await
            .map_err(err)?
            .map(|o| o.name)
            .unwrap_or_default();
        if !upheld {
            total = Money(total.0 + a.granted.0);
        }
        rows.push((
            a.code,
            a.title,
            org,
            a.leader_name,
            if upheld { String::new() } else { a.granted.wan_text() },
            if upheld {
                t(ctx.lang, "life.withdrawn_after_objection")
            } else {
                stage_label(ctx.lang, a.stage)
            },
        ));
    }
    let day = today();
    Ok(render(&NoticePage {
        s: ctx.shell(),
        id,
        title: c.title,
        minutes: n.minutes,
        period: (date_zh(n.starts_on), date_zh(n.ends_on)),
        running: day >= n.starts_on && day <= n.ends_on,
        rows,
        total: total.wan_text(),
        sent: q.sent == "1",
    }))
}

/// An objection from anyone while the notice runs (the CSRF cookie guards the form).
pub async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let f: Form = parse_form(&ctx, &body)?;
    let who = x::Objector {
        name: get(&f, "name"),
        contact: get(&f, "contact"),
        address: ctx.client.as_deref(),
    };
    x::object(&state.db, id, get(&f, "code"), &who, get(&f, "body"), today()).await.map_err(
        |e| match e {
            StoreError::Refused { key: "announce.err.field", args } => {
                let field = args.first().cloned().unwrap_or_default();
                field_error(
                    &ctx,
                    &field,
                    "announce.err.field",
                    vec![
                        t(ctx.lang, &format!("life.field.{field}")).to_string(),
                        args.get(1).cloned().unwrap_or_default(),
                        args.get(2).cloned().unwrap_or_default(),
                    ],
                )
            }
            StoreError::Refused { key: "announce.err.application", args } => {
                field_error(&ctx, "code", "announce.err.application", args)
            }
            other => ctx.err(other.into()),
        },
    )?;
    Ok(Redirect::to(&format!("/notices/{id}?sent=1")).into_response())
}

// ---------------------------------------------------------------- the bureau's notice work on a call

/// An objection to a call's notice as staff read it.
pub struct ObjectionLine {
    pub id: i64,
    /// The code of the application objected to.
    pub application: String,
    /// Who objected: name (contact).
    pub by: String,
    pub body: String,
    pub resolution: String,
    pub status: &'static str,
    pub open: bool,
    pub resolved_by: String,
}

/// The notice part of a call's page for staff.
pub struct CallNotice {
    pub published: Option<(String, String, String, String)>,
    pub objections: Vec<ObjectionLine>,
    pub approved: usize,
    pub can_establish: bool,
    pub defaults: (String, String, String),
}

pub async fn call_notice(state: &AppState, ctx: &Ctx, call_id: i64) -> AppResult<CallNotice> {
    let err = |e: StoreError| ctx.err(e.into());
    let n = x::notice(&state.db, call_id).await.map_err(err)?;
    let approved =
        store::applications(&state.db, store::Reach::All, Some(call_id), Some(Stage::Approved))
            .await
            .map_err(err)?;
    let mut objections = Vec::new();
    for o in x::objections(&state.db, call_id).await.map_err(err)? {
        let code = approved.iter().find(|a| a.id == o.application_id).map(|a| a.code.clone());
        let code = match code {
            Some(c) => c,
            None => store::application(&state.db, o.application_id)
                .await
                .map_err(err)?
                .map(|a| a.code)
                .unwrap_or_default(),
        };
        objections.push(ObjectionLine {
            id: o.id,
            application: code,
            by: format!("{}（{}）", o.name, o.contact),
            body: o.body,
            resolution: o.resolution,
            status: t(ctx.lang, &format!("life.objection.{}", o.status)),
            open: o.status == "open",
            resolved_by: o.resolved_by,
        });
    }
    let day = today();
    let f = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    Ok(CallNotice {
        can_establish: n.as_ref().is_some_and(|n| day > n.ends_on) && !approved.is_empty(),
        published: n
            .map(|n| (date_zh(n.meeting_on), n.minutes, date_zh(n.starts_on), date_zh(n.ends_on))),
        objections,
        approved: approved.len(),
        defaults: (
            f(day),
            f(day + chrono::Days::new(1)),
            f(day + chrono::Days::new(rules::MIN_NOTICE_DAYS as u64)),
        ),
    })
}

/// Publishes the decision's minutes and the notice, answers objections, establishes the projects.
pub async fn call_notice_act(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: Form = parse_form(ctx, &body)?;
    store::call(&state.db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let notice = match get(&f, "action") {
        "publish" => {
            let (meeting, starts, ends) = (
                date_field(ctx, &f, "meeting_on")?,
                date_field(ctx, &f, "starts_on")?,
                date_field(ctx, &f, "ends_on")?,
            );
            x::publish_notice(
                &state.db,
                id,
                meeting,
                get(&f, "minutes"),
                starts,
                ends,
                ctx.actor(),
            )
            .await
            .map_err(|e| match e {
                StoreError::Refused { key: "announce.err.minutes", .. } => {
                    field_error(ctx, "minutes", "announce.err.minutes", vec![])
                }
                StoreError::Refused { key: "announce.err.period", args } => {
                    let field = args.first().cloned().unwrap_or_default();
                    field_error(ctx, &field, "announce.err.period", args)
                }
                other => ctx.err(other.into()),
            })?;
            "life.notice_published"
        }
        "resolve" => {
            let oid: i64 =
                get(&f, "objection").parse().map_err(|_| ctx.err(AppError::not_found()))?;
            if !x::objections(&state.db, id)
                .await
                .map_err(|e| ctx.err(e.into()))?
                .iter()
                .any(|o| o.id == oid)
            {
                return Err(ctx.err(AppError::not_found()));
            }
            x::resolve_objection(
                &state.db,
                oid,
                get(&f, "uphold") == "1",
                get(&f, "resolution"),
                ctx.actor(),
            )
            .await
            .map_err(|e| ctx.err(e.into()))?;
            "life.objection_resolved"
        }
        "establish" => {
            x::establish_call(&state.db, id, today(), ctx.actor())
                .await
                .map_err(|e| ctx.err(e.into()))?;
            "life.established"
        }
        _ => return Err(field_error(ctx, "action", "err.choose", vec![])),
    };
    Ok(Redirect::to(&format!("/calls/{id}?notice={notice}")).into_response())
}
