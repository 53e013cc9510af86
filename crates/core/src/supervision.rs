//! Annual tasks and their supervision (任务分解与督办, seed 004 “年度工作计划分解落实，每半年进行一次
//! 检查通报”): the year's work plan as tasks with a lead unit, partners, a start, a deadline and a
//! measurable outcome, broken down to zones and counties; progress reported month by month; each
//! task's standing from its reports and the date; a unit's completion for the half-yearly check.
use crate::periods::Period;
use chrono::{Datelike, NaiveDate};

/// A task as a form or the API gives it: text, checked by [`check`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskDraft {
    pub title: String,
    pub start: String,
    pub deadline: String,
    /// The measurable outcome: how much (a number) …
    pub target: String,
    /// … of what (家, 项, 万元, %).
    pub measure: String,
}

/// A task's checked terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Terms {
    pub title: String,
    pub start: NaiveDate,
    pub deadline: NaiveDate,
    pub target: f64,
    pub measure: String,
}

/// Why a task's draft is refused, by field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TaskProblem {
    #[error("the task needs a title")]
    Title,
    #[error("“{text}” is not a date (YYYY-MM-DD)")]
    Date { text: String },
    #[error("the deadline {deadline} is before the start {start}")]
    DeadlineBeforeStart { start: NaiveDate, deadline: NaiveDate },
    #[error("the target “{text}” is not a number above 0")]
    Target { text: String },
    #[error("the outcome needs its measure (家, 项, 万元 …)")]
    Measure,
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Checks a draft: every problem named on its field (`title`, `start`, `deadline`, `target`,
/// `measure`).
pub fn check(d: &TaskDraft) -> Result<Terms, Vec<(&'static str, TaskProblem)>> {
    let mut problems = Vec::new();
    let title = d.title.trim();
    if title.is_empty() {
        problems.push(("title", TaskProblem::Title));
    }
    let start = date(&d.start);
    if start.is_none() {
        problems.push(("start", TaskProblem::Date { text: d.start.clone() }));
    }
    let deadline = date(&d.deadline);
    if deadline.is_none() {
        problems.push(("deadline", TaskProblem::Date { text: d.deadline.clone() }));
    }
    if let (Some(s), Some(e)) = (start, deadline)
        && e < s
    {
        problems.push(("deadline", TaskProblem::DeadlineBeforeStart { start: s, deadline: e }));
    }
    let target = d.target.trim().parse::<f64>().ok().filter(|t| t.is_finite() && *t > 0.0);
    if target.is_none() {
        problems.push(("target", TaskProblem::Target { text: d.target.clone() }));
    }
    let measure = d.measure.trim();
    if measure.is_empty() {
        problems.push(("measure", TaskProblem::Measure));
    }
    match (start, deadline, target, problems.is_empty()) {
        (Some(start), Some(deadline), Some(target), true) => Ok(Terms {
            title: title.to_string(),
            start,
            deadline,
            target,
            measure: measure.to_string(),
        }),
        _ => Err(problems),
    }
}

/// A month's progress report of a task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The first day of the month reported.
    pub month: NaiveDate,
    /// How far the work is, 0–100.
    pub percent: u8,
    /// How much of the outcome is achieved so far (in the task's measure).
    pub achieved: f64,
}

impl Progress {
    /// The share of the work this report stands for, 0–100: all of it once the outcome is
    /// reached, whatever share was typed.
    pub fn share(&self, t: &Terms) -> f64 {
        if self.achieved >= t.target { 100.0 } else { f64::from(self.percent) }
    }
}

/// A whole's progress from its parts' reports, month by month: each part as last reported by
/// then, the shares weighted by the parts' targets and the amounts achieved summed.
pub fn rolled_up(parts: &[(Terms, Vec<Progress>)]) -> Vec<Progress> {
    let mut months: Vec<NaiveDate> =
        parts.iter().flat_map(|(_, r)| r.iter().map(|p| p.month)).collect();
    months.sort_unstable();
    months.dedup();
    let total: f64 = parts.iter().map(|(t, _)| t.target).sum();
    months
        .into_iter()
        .map(|month| {
            let (mut weighted, mut achieved) = (0.0, 0.0);
            for (t, reports) in parts {
                if let Some(p) = reports.iter().filter(|p| p.month <= month).max_by_key(|p| p.month)
                {
                    weighted += t.target * p.share(t);
                    achieved += p.achieved;
                }
            }
            let percent = if total > 0.0 { weighted / total } else { 0.0 };
            Progress { month, percent: percent.round().clamp(0.0, 100.0) as u8, achieved }
        })
        .collect()
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standing {
    NotStarted,
    OnTrack,
    /// Behind the straight line from start to deadline by more than [`RISK_GAP`] points, or
    /// quiet for more than [`QUIET_DAYS`].
    AtRisk,
    /// Past its deadline and not done.
    Overdue,
    Done,
}

impl Standing {
    pub const ALL: [Standing; 5] =
        [Self::NotStarted, Self::OnTrack, Self::AtRisk, Self::Overdue, Self::Done];
    pub fn code(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::Overdue => "overdue",
            Self::Done => "done",
        }
    }
    /// Flagged and reminded.
    pub fn needs_attention(self) -> bool {
        matches!(self, Self::AtRisk | Self::Overdue)
    }
}

/// Percentage points a task may fall behind its straight line before it is at risk.
pub const RISK_GAP: f64 = 20.0;
/// Days without a report (since the start, or the end of the last month reported) after which a
/// task under way is at risk.
pub const QUIET_DAYS: i64 = 45;

/// The share of the work expected by `today` on the straight line from start to deadline, 0–1.
pub fn expected(start: NaiveDate, deadline: NaiveDate, today: NaiveDate) -> f64 {
    let span = (deadline - start).num_days().max(1) as f64;
    ((today - start).num_days() as f64 / span).clamp(0.0, 1.0)
}

/// The last day of a month given by its first.
fn month_end(month: NaiveDate) -> NaiveDate {
    Period::Month(month.year(), month.month() as u8).days().1
}

/// The latest report, by month.
pub fn latest(reports: &[Progress]) -> Option<&Progress> {
    reports.iter().max_by_key(|p| p.month)
}

/// Whether the task is done by its reports: all the work, or all the outcome.
pub fn done(t: &Terms, reports: &[Progress]) -> bool {
    latest(reports).is_some_and(|p| p.percent >= 100 || p.achieved >= t.target)
}

/// A task's standing on `today`.
pub fn standing(t: &Terms, reports: &[Progress], today: NaiveDate) -> Standing {
    if done(t, reports) {
        return Standing::Done;
    }
    if today > t.deadline {
        return Standing::Overdue;
    }
    if today < t.start {
        return Standing::NotStarted;
    }
    let last = latest(reports);
    let percent = last.map_or(0.0, |p| f64::from(p.percent));
    let behind = percent + RISK_GAP < 100.0 * expected(t.start, t.deadline, today);
    let heard = last.map_or(t.start, |p| month_end(p.month).max(t.start));
    let quiet = (today - heard).num_days() > QUIET_DAYS;
    if behind || quiet { Standing::AtRisk } else { Standing::OnTrack }
}

/// A half-year: 1 (January–June) or 2 (July–December).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Half {
    pub year: i32,
    pub half: u8,
}

impl Half {
    /// `2026H1`, `2026H2`.
    pub fn parse(s: &str) -> Option<Half> {
        let (y, h) = s.trim().split_once(['H', 'h'])?;
        let year: i32 = y.parse().ok().filter(|y| (2000..=2100).contains(y))?;
        let half: u8 = h.parse().ok().filter(|h| matches!(h, 1 | 2))?;
        Some(Half { year, half })
    }
    pub fn code(self) -> String {
        format!("{}H{}", self.year, self.half)
    }
    pub fn end(self) -> NaiveDate {
        self.period().days().1
    }
    pub fn start(self) -> NaiveDate {
        self.period().days().0
    }
    /// The same half as the statistics' period codes know it (`2026S1`).
    fn period(self) -> Period {
        Period::Half(self.year, self.half)
    }
}

/// A unit's completion for a half-yearly check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    /// Tasks whose deadline falls by the half's end.
    pub due: usize,
    /// Of those, done by their reports.
    pub done: usize,
    /// `done / due`, none when nothing was due.
    pub rate: Option<f64>,
    /// The mean reported progress of all its tasks under way (0–100).
    pub mean_progress: f64,
    /// Where the same tasks should be on the straight line by the half's end (时序进度, 0–100):
    /// what officials compare the mean progress with.
    pub schedule: f64,
    pub at_risk: usize,
    pub overdue: usize,
}

/// A unit's completion over its tasks as the records stand on `as_of` (a past half's end, or
/// today while the half runs).
pub fn completion(tasks: &[(Terms, Vec<Progress>)], as_of: NaiveDate) -> Completion {
    let mut c = Completion::default();
    let mut progress = Vec::new();
    let mut line = Vec::new();
    for (t, reports) in tasks {
        let upto: Vec<Progress> = reports.iter().filter(|p| p.month <= as_of).copied().collect();
        let finished = done(t, &upto);
        if t.deadline <= as_of {
            c.due += 1;
            if finished {
                c.done += 1;
            } else {
                // Due by the check and not done: overdue at the check, even on its last day.
                c.overdue += 1;
            }
        } else if standing(t, &upto, as_of) == Standing::AtRisk {
            c.at_risk += 1;
        }
        if t.start <= as_of {
            progress.push(latest(&upto).map_or(0.0, |p| p.share(t)));
            line.push(100.0 * expected(t.start, t.deadline, as_of));
        }
    }
    c.rate = (c.due > 0).then(|| c.done as f64 / c.due as f64);
    if !progress.is_empty() {
        c.mean_progress = progress.iter().sum::<f64>() / progress.len() as f64;
        c.schedule = line.iter().sum::<f64>() / line.len() as f64;
    }
    c
}

#[cfg(test)]
mod tests;
