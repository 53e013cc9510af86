//! Demo annual tasks for 2025 and 2026 (seed 004's work plan): each task of the city broken down
//! to the zones or counties, with monthly progress so that every standing shows — done, on
//! track, behind, overdue, not started — and the reminders sent for the ones behind.
use innocity_core::supervision::{self as rules, TaskDraft};
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::orgs::{self, Actor};
use innocity_store::supervision::{self as store, NewTask, ProgressDraft};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "demo", request_id: "demo" };

#[derive(Debug, Default, Clone)]
pub struct SupervisionSummary {
    pub tasks: usize,
    pub reports: usize,
    pub reminders: usize,
}

/// A task of the plan: its outcome, the units it is broken down to (codes) and how far each
/// part gets by the month (a share of the straight line: 1.1 ahead, 0.5 behind, 0 silent).
struct PlanTask {
    title: &'static str,
    target: f64,
    measure: &'static str,
    /// The deadline's month and day (a half-year task ends on 06-30).
    due: &'static str,
    parts: &'static [&'static str],
    paces: &'static [f64],
}

const PLAN: &[PlanTask] = &[
    PlanTask {
        title: "新增国家高新技术企业",
        target: 60.0,
        measure: "家",
        due: "12-31",
        parts: &["LZGX", "LZXQ", "LZJJ", "BYGX"],
        paces: &[1.1, 1.0, 0.5, 1.2],
    },
    PlanTask {
        title: "登记技术合同成交额",
        target: 50_000.0,
        measure: "万元",
        due: "12-31",
        parts: &["LZGX", "LZXQ", "BYGX"],
        paces: &[1.0, 0.9, 0.4],
    },
    PlanTask {
        title: "建设市级以上研发中心",
        target: 30.0,
        measure: "个",
        due: "12-31",
        parts: &["620102", "620103", "620123", "620402"],
        paces: &[1.0, 0.0, 1.3, 0.8],
    },
    PlanTask {
        title: "出台科技创新政策文件",
        target: 8.0,
        measure: "项",
        due: "12-31",
        parts: &["620102", "620123", "620421"],
        paces: &[1.5, 1.0, 0.6],
    },
    PlanTask {
        title: "完成科技型中小企业评价入库",
        target: 400.0,
        measure: "家",
        due: "06-30",
        parts: &["LZGX", "LZXQ", "620123", "620402"],
        paces: &[1.2, 1.0, 1.1, 0.7],
    },
];

pub async fn seed_supervision(db: &Db, files: &std::path::Path) -> Result<SupervisionSummary> {
    let units = orgs::units(db).await?;
    let id_of = |code: &str| units.iter().find(|u| u.code == code).map(|u| u.id);
    let Some(city) = id_of("620100") else { return Ok(SupervisionSummary::default()) };
    let today = db.clock.today();
    let this = today.format("%Y").to_string().parse::<i32>().unwrap_or(2026);
    let mut out = SupervisionSummary::default();
    for year in [this - 1, this] {
        for plan in PLAN {
            let draft = TaskDraft {
                title: plan.title.into(),
                start: format!("{year}-01-01"),
                deadline: format!("{year}-{}", plan.due),
                target: plan.target.to_string(),
                measure: plan.measure.into(),
            };
            let Ok(terms) = rules::check(&draft) else { continue };
            let whole =
                NewTask { terms: &terms, lead_unit_id: city, partners: &[], parent_id: None };
            let whole = store::create(db, &whole, ACTOR).await?;
            out.tasks += 1;
            let share = plan.target / plan.parts.len() as f64;
            for (code, pace) in plan.parts.iter().zip(plan.paces.iter()) {
                let Some(lead) = id_of(code) else { continue };
                let part_draft =
                    TaskDraft { target: share.round().max(1.0).to_string(), ..draft.clone() };
                let Ok(part_terms) = rules::check(&part_draft) else { continue };
                let new = NewTask {
                    terms: &part_terms,
                    lead_unit_id: lead,
                    partners: &[],
                    parent_id: Some(whole),
                };
                let id = store::create(db, &new, ACTOR).await?;
                out.tasks += 1;
                let task =
                    store::task(db, id).await?.ok_or(innocity_store::StoreError::NotFound)?;
                out.reports += months(db, files, &task, *pace, today).await?;
                let reports: Vec<_> =
                    store::progress_of(db, id).await?.iter().map(|r| r.progress()).collect();
                let standing = rules::standing(&task.terms(), &reports, today);
                if year == this && standing.needs_attention() {
                    store::remind(db, &task, standing.code(), ACTOR).await?;
                    out.reminders += 1;
                }
            }
        }
    }
    Ok(out)
}

/// A part's monthly reports at `pace` times the straight line, up to this month (none when the
/// pace is 0: a silent unit).
async fn months(
    db: &Db,
    files: &std::path::Path,
    task: &store::Task,
    pace: f64,
    today: chrono::NaiveDate,
) -> Result<usize> {
    if pace <= 0.0 {
        return Ok(0);
    }
    let mut n = 0;
    let mut month = task.start;
    while month <= today && month <= task.deadline {
        let line = rules::expected(task.start, task.deadline, month + chrono::Days::new(27));
        let share = (line * pace).min(1.0);
        let draft = ProgressDraft {
            month: month.format("%Y-%m").to_string(),
            percent: ((share * 100.0).round() as i64).to_string(),
            achieved: format!("{:.0}", (share * task.target).floor()),
            note: format!(
                "截至{}月底，已完成年度目标的 {:.0}%。",
                month.format("%-m"),
                share * 100.0
            ),
        };
        let id = store::report(db, task, &draft, ACTOR).await?;
        // Each quarter's last report carries its evidence (a progress statement).
        if chrono::Datelike::month(&month).is_multiple_of(3) {
            let pdf = super::providers::report_pdf(&format!("{} {}", task.title, draft.month));
            let name = format!("{}进展情况-{}.pdf", task.title, draft.month);
            store::add_evidence(db, files, id, &name, &pdf, ACTOR).await?;
        }
        n += 1;
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(task.deadline + chrono::Days::new(1));
    }
    Ok(n)
}
