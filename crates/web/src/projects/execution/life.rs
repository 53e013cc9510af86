//! A project's life: reports, inspections, changes, findings, outputs, acceptance.
use super::{mask_id, report_label, status_label};
use crate::app::AppState;
use crate::auth::Ctx;
use crate::error::AppResult;
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell};
use crate::projects::{date_zh, file_size};
use chrono::NaiveDate;
use innocity_core::projects::execution::{self as rules, ChangeKind, Opinion, ReportKind, Status};
use innocity_core::projects::funding::{CATEGORIES, Condition, Line};
use innocity_core::projects::money::Money;
use innocity_store::projects::execution as x;
use innocity_store::projects::{self as store, Application};

/// What the project page shows after the task book (built for [`super::project_page`]).
pub struct Life {
    pub status: &'static str,
    pub status_code: &'static str,
    pub status_reason: String,
    pub running: bool,
    pub version: i64,
    pub years: Vec<i32>,
    pub budget: Vec<BudgetYears>,
    pub budget_lines: Vec<BudgetLine>,
    pub reports: Vec<ReportView>,
    pub deliverables: Vec<Deliverable>,
    pub opinions: Vec<OpinionRow>,
    pub mid_term_open: bool,
    pub acceptance_open: bool,
    pub suggestion: String,
    pub outcome: Option<OutcomeView>,
    pub changes: Vec<ChangeView>,
    pub findings: Vec<FindingView>,
    pub outputs: Vec<OutputRow>,
    pub output_kinds: Vec<Choice>,
    pub ends_on: String,
}

/// A budget category of the task book, its total and its share in each year (万元).
pub struct BudgetYears {
    pub category: String,
    pub total: String,
    pub years: Vec<String>,
}

/// A budget category as the budget change form fills it in (万元, exact).
pub struct BudgetLine {
    pub code: &'static str,
    pub name: String,
    pub amount: String,
}

/// A deliverable of the task book, numbered from 0.
pub struct Deliverable {
    pub index: usize,
    pub text: String,
}

/// An expert opinion on the project at the mid-term or the acceptance.
pub struct OpinionRow {
    pub stage: String,
    pub expert: String,
    pub score: u8,
    pub conclusion: &'static str,
    pub text: String,
}

/// The acceptance's outcome.
pub struct OutcomeView {
    pub outcome: &'static str,
    pub score: String,
    pub grade: &'static str,
    pub opinion: String,
    /// The credit records it wrote (#1、#2), or empty.
    pub credit: String,
}

/// An output of the project (paper, patent ...).
pub struct OutputRow {
    pub kind: &'static str,
    pub title: String,
    pub reference: String,
    pub on_date: String,
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
    pub account: Vec<DeliverableAccount>,
    pub files: Vec<ReportFile>,
}

/// How the final report says a deliverable was met.
pub struct DeliverableAccount {
    pub deliverable: String,
    pub met: &'static str,
}

/// A file of a report.
pub struct ReportFile {
    pub id: i64,
    pub name: String,
    pub size: String,
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
    let (starts, ends) = (book.starts(), book.ends());
    let years: Vec<i32> = rules::by_year(Money(1), starts, ends).iter().map(|y| y.0).collect();
    let reports = report_views(state, ctx, a, shell).await?;
    let ops = x::opinions(db, a.id).await?;
    let conditions = store::conditions(db, a.id).await?;
    let final_in = reports.iter().any(|r| r.kind == "final" && r.submitted);
    let outcome = x::outcome(db, a.id).await?;
    let suggestion = if final_in && outcome.is_none() {
        suggestion(state, ctx, a, book, &ops).await?
    } else {
        String::new()
    };
    let changes = x::changes(db, a.id).await?.into_iter().map(|c| change_view(lang, c)).collect();
    let findings = findings(state, ctx, a.id).await?;
    let outputs = outputs(state, lang, a.id).await?;
    Ok(Life {
        status: status_label(lang, book.status),
        status_code: book.status.code(),
        status_reason: book.status_reason.clone(),
        running: book.status.running(),
        version: book.version,
        years,
        budget: budget_years(lang, book),
        budget_lines: budget_lines(lang, book),
        mid_term_open: book.status == Status::Ongoing
            && !conditions.iter().any(|c| c.condition == Condition::MidTerm)
            && reports.iter().any(|r| r.kind == "mid_term" && r.submitted),
        acceptance_open: book.status == Status::Ongoing && final_in && outcome.is_none(),
        reports,
        deliverables: book
            .deliverables
            .iter()
            .enumerate()
            .map(|(index, text)| Deliverable { index, text: text.clone() })
            .collect(),
        opinions: opinion_rows(lang, &ops, staff),
        suggestion,
        outcome: outcome.map(|o| OutcomeView {
            outcome: t(lang, &format!("life.outcome.{}", o.outcome.code())),
            score: format!("{:.1}", o.score),
            grade: t(lang, &format!("life.grade.{}", o.grade)),
            opinion: o.opinion,
            credit: o.credit_records.iter().map(|r| format!("#{r}")).collect::<Vec<_>>().join("、"),
        }),
        changes,
        findings,
        outputs,
        output_kinds: rules::OUTPUT_KINDS
            .iter()
            .map(|k| Choice::new(k, t(lang, &format!("life.output.{k}")), false))
            .collect(),
        ends_on: book.ends_on.clone(),
    })
}

/// The supervision visits' findings and their rectification.
async fn findings(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Vec<FindingView>> {
    let (lang, day) = (ctx.lang, ctx.today());
    Ok(x::findings(&state.db, id)
        .await?
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
        .collect())
}

/// The project's outputs: papers, patents, standards …
async fn outputs(state: &AppState, lang: Lang, id: i64) -> AppResult<Vec<OutputRow>> {
    Ok(x::outputs(&state.db, id)
        .await?
        .into_iter()
        .map(|o| OutputRow {
            kind: t(lang, &format!("life.output.{}", o.kind)),
            title: o.title,
            reference: o.reference,
            on_date: o.on_date,
        })
        .collect())
}

/// A budget category's name in the user's language (the code when unknown).
fn category_name(lang: Lang, code: &str) -> String {
    CATEGORIES
        .iter()
        .find(|x| x.0 == code)
        .map(|x| lang.pick(x.1, x.2).to_string())
        .unwrap_or_else(|| code.to_string())
}

fn budget_years(lang: Lang, book: &store::TaskBook) -> Vec<BudgetYears> {
    let (starts, ends) = (book.starts(), book.ends());
    book.budget
        .iter()
        .map(|l| BudgetYears {
            category: category_name(lang, &l.category),
            total: l.requested.wan_text(),
            years: rules::by_year(l.requested, starts, ends)
                .into_iter()
                .map(|y| y.1.wan_text())
                .collect(),
        })
        .collect()
}

fn budget_lines(lang: Lang, book: &store::TaskBook) -> Vec<BudgetLine> {
    book.budget
        .iter()
        .filter_map(|l| {
            CATEGORIES.iter().find(|c| c.0 == l.category).map(|c| BudgetLine {
                code: c.0,
                name: lang.pick(c.1, c.2).to_string(),
                amount: l.requested.wan_exact(),
            })
        })
        .collect()
}

async fn report_views(
    state: &AppState,
    ctx: &Ctx,
    a: &Application,
    shell: &Shell,
) -> AppResult<Vec<ReportView>> {
    let lang = ctx.lang;
    let files = store::attachments(&state.db, a.id).await?;
    Ok(x::reports(&state.db, a.id, ctx.today())
        .await?
        .into_iter()
        .map(|r| ReportView {
            files: files
                .iter()
                .filter(|f| f.kind == x::report_file_kind(r.due.kind, r.due.seq))
                .map(|f| ReportFile { id: f.id, name: f.name.clone(), size: file_size(f.size) })
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
                .map(|(d, s)| DeliverableAccount {
                    deliverable: d,
                    met: t(lang, &format!("life.met.{s}")),
                })
                .collect(),
        })
        .collect())
}

fn opinion_rows(lang: Lang, ops: &[x::OpinionRow], staff: bool) -> Vec<OpinionRow> {
    ops.iter()
        .enumerate()
        .map(|(k, o)| OpinionRow {
            stage: t(lang, &format!("life.stage.{}", o.stage)).to_string(),
            expert: if staff {
                o.opinion.expert.clone()
            } else {
                tf(
                    lang,
                    "life.expert_n",
                    &[(ops[..k].iter().filter(|p| p.stage == o.stage).count() + 1).to_string()],
                )
            },
            score: o.opinion.score,
            conclusion: t(lang, &format!("life.outcome.{}", o.opinion.conclusion.code())),
            text: o.opinion.text.clone(),
        })
        .collect()
}

/// The outcome the acceptance opinions and the final report suggest, or what is still missing.
async fn suggestion(
    state: &AppState,
    ctx: &Ctx,
    a: &Application,
    book: &store::TaskBook,
    ops: &[x::OpinionRow],
) -> AppResult<String> {
    let lang = ctx.lang;
    let acceptance: Vec<Opinion> =
        ops.iter().filter(|o| o.stage == "acceptance").map(|o| o.opinion.clone()).collect();
    let all = x::reports(&state.db, a.id, ctx.today()).await?;
    let report = all.iter().find(|r| r.due.kind == ReportKind::Final);
    let met = report
        .map(|r| {
            r.deliverables.iter().filter(|d| d.1 == "met").count()
                + r.deliverables.iter().filter(|d| d.1 == "partly").count() / 2
        })
        .unwrap_or(0);
    Ok(rules::suggest_outcome(&acceptance, met, book.deliverables.len())
        .map(|o| t(lang, &format!("life.outcome.{}", o.code())).to_string())
        .unwrap_or_else(|| {
            tf(
                lang,
                "life.need_opinions",
                &[rules::MIN_OPINIONS.to_string(), acceptance.len().to_string()],
            )
        }))
}

fn change_view(lang: Lang, c: x::ChangeRow) -> ChangeView {
    let detail = match c.kind {
        ChangeKind::Leader => format!(
            "{}（{}）",
            c.detail["name"].as_str().unwrap_or_default(),
            mask_id(c.detail["id_number"].as_str().unwrap_or_default())
        ),
        ChangeKind::Extension => date_zh(
            NaiveDate::parse_from_str(c.detail["ends_on"].as_str().unwrap_or_default(), "%Y-%m-%d")
                .unwrap_or_default(),
        ),
        ChangeKind::Budget => serde_json::from_value::<Vec<Line>>(c.detail["lines"].clone())
            .unwrap_or_default()
            .iter()
            .map(|l| format!("{} {}", category_name(lang, &l.category), l.requested.wan_text()))
            .collect::<Vec<_>>()
            .join("，"),
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
}
