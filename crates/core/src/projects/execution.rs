//! Carrying out and closing a project (项目实施与验收): the public notice before approval, the
//! project's status, its reporting schedule and what is overdue, change requests, expert
//! opinions and the acceptance outcome with its performance grade.
use super::funding::Line;
use super::money::Money;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------- public notice (立项公示)

/// A notice runs at least this many days (decided: seven calendar days, the common practice).
pub const MIN_NOTICE_DAYS: i64 = 7;

/// A notice period must start on or after the decision meeting and run at least a week.
pub fn check_notice(
    meeting_on: NaiveDate,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> Result<(), &'static str> {
    if starts_on < meeting_on {
        return Err("starts_on");
    }
    if (ends_on - starts_on).num_days() + 1 < MIN_NOTICE_DAYS {
        return Err("ends_on");
    }
    Ok(())
}

/// An approved application becomes a project once its notice is over and no objection to it is
/// still open (an upheld objection has already rejected it).
pub fn may_establish(
    today: NaiveDate,
    notice_ends: Option<NaiveDate>,
    open_objections: usize,
) -> Result<(), &'static str> {
    match notice_ends {
        None => Err("no_notice"),
        Some(end) if today <= end => Err("notice_running"),
        Some(_) if open_objections > 0 => Err("objections_open"),
        Some(_) => Ok(()),
    }
}

// ---------------------------------------------------------------- status

/// Where a project stands after its task book is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ongoing,
    /// Paused by the bureau (no money is released meanwhile).
    Suspended,
    /// Ended early; unpaid money goes back to the programme.
    Terminated,
    /// Accepted (通过验收).
    Accepted,
    /// Accepted with conditions (结题, 限期整改).
    Conditional,
    /// Failed acceptance (不通过): unpaid money goes back, credit records are written.
    Failed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Self::Ongoing,
        Self::Suspended,
        Self::Terminated,
        Self::Accepted,
        Self::Conditional,
        Self::Failed,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Ongoing => "ongoing",
            Self::Suspended => "suspended",
            Self::Terminated => "terminated",
            Self::Accepted => "accepted",
            Self::Conditional => "conditional",
            Self::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    /// Money may still be paid (a suspended, terminated or failed project gets nothing more).
    pub fn pays(self) -> bool {
        matches!(self, Self::Ongoing | Self::Accepted | Self::Conditional)
    }
    /// Still being carried out: reports fall due, changes may be asked for.
    pub fn running(self) -> bool {
        matches!(self, Self::Ongoing | Self::Suspended)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusAction {
    Suspend,
    Resume,
    Terminate,
}

impl StatusAction {
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Suspend, Self::Resume, Self::Terminate].into_iter().find(|a| a.code() == s)
    }
    pub fn code(self) -> &'static str {
        match self {
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Terminate => "terminate",
        }
    }
}

/// The next status by the bureau's action; suspending and terminating need a reason.
pub fn next_status(
    from: Status,
    action: StatusAction,
    reason: &str,
) -> Result<Status, &'static str> {
    if action != StatusAction::Resume && reason.trim().chars().count() < 4 {
        return Err("reason");
    }
    match (from, action) {
        (Status::Ongoing, StatusAction::Suspend) => Ok(Status::Suspended),
        (Status::Suspended, StatusAction::Resume) => Ok(Status::Ongoing),
        (Status::Ongoing | Status::Suspended, StatusAction::Terminate) => Ok(Status::Terminated),
        _ => Err("status"),
    }
}

// ---------------------------------------------------------------- reports and what is overdue

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Half-yearly progress report (进展报告).
    Progress,
    /// The mid-term report the inspection reads (中期报告).
    MidTerm,
    /// The final report for acceptance (结题报告).
    Final,
}

impl ReportKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Progress => "progress",
            Self::MidTerm => "mid_term",
            Self::Final => "final",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Progress, Self::MidTerm, Self::Final].into_iter().find(|k| k.code() == s)
    }
}

/// A report falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Due {
    pub kind: ReportKind,
    /// 1, 2, … for progress reports; 1 for the others.
    pub seq: u32,
    pub due_on: NaiveDate,
}

/// Days after a period's end that a report may take.
pub const REPORT_GRACE_DAYS: u64 = 15;
/// The final report is due within three months of the end (结题验收申请).
pub const FINAL_GRACE_MONTHS: u32 = 3;

/// The reporting schedule of a project running `starts_on`–`ends_on`: a progress report 15 days
/// after every six months (except where the mid-term report or the end takes its place), the
/// mid-term report 15 days after the half-way day, the final report three months after the end.
pub fn report_schedule(starts_on: NaiveDate, ends_on: NaiveDate) -> Vec<Due> {
    let mut out = Vec::new();
    let grace = chrono::Days::new(REPORT_GRACE_DAYS);
    let half = starts_on + chrono::Days::new(((ends_on - starts_on).num_days().max(0) / 2) as u64);
    let mut seq = 0;
    let mut k = 1;
    while let Some(mark) = starts_on.checked_add_months(Months::new(6 * k)) {
        if mark >= ends_on {
            break;
        }
        // A half-year mark within a month of the mid-term report is covered by it.
        if (mark - half).num_days().abs() > 31 {
            seq += 1;
            out.push(Due { kind: ReportKind::Progress, seq, due_on: mark + grace });
        }
        k += 1;
    }
    out.push(Due { kind: ReportKind::MidTerm, seq: 1, due_on: half + grace });
    out.push(Due {
        kind: ReportKind::Final,
        seq: 1,
        due_on: ends_on.checked_add_months(Months::new(FINAL_GRACE_MONTHS)).unwrap_or(ends_on),
    });
    out.sort_by_key(|d| (d.due_on, d.kind));
    out
}

/// Overdue: the day has passed and it is not in.
pub fn overdue(due_on: NaiveDate, done: bool, today: NaiveDate) -> bool {
    !done && today > due_on
}

// ---------------------------------------------------------------- change requests (变更)

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new project leader (变更负责人).
    Leader,
    /// Money moved between budget categories (预算调剂).
    Budget,
    /// A later end date (延期).
    Extension,
}

impl ChangeKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Leader => "leader",
            Self::Budget => "budget",
            Self::Extension => "extension",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Leader, Self::Budget, Self::Extension].into_iter().find(|k| k.code() == s)
    }
}

/// Decided: a reallocation may move at most this share of the project's money out of (or into)
/// any one category; more needs a new decision.
pub const MAX_SHIFT_SHARE: f64 = 0.2;
/// Decided: one extension of at most a year.
pub const MAX_EXTENSION_MONTHS: u32 = 12;

/// Why a change cannot be asked for, with the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct ChangeError {
    pub field: String,
    /// total, indirect, shift, category, once, later, too_long
    pub rule: &'static str,
}

/// A budget reallocation keeps the total to the fen, adds no category, does not raise indirect
/// costs, and moves no more than a fifth of the total in any one category.
pub fn check_reallocation(before: &[Line], after: &[Line]) -> Result<(), ChangeError> {
    let err = |field: &str, rule| Err(ChangeError { field: field.to_string(), rule });
    let total = |ls: &[Line]| ls.iter().map(|l| l.requested).sum::<Money>();
    if total(before) != total(after) {
        return err("total", "total");
    }
    let amount = |ls: &[Line], c: &str| {
        ls.iter().filter(|l| l.category == c).map(|l| l.requested).sum::<Money>()
    };
    for l in after {
        if !before.iter().any(|b| b.category == l.category) {
            return err(&l.category, "category");
        }
    }
    let limit = (total(before).0 as f64 * MAX_SHIFT_SHARE).round() as i64;
    for b in before {
        let (was, now) = (amount(before, &b.category), amount(after, &b.category));
        if b.category == "indirect" && now > was {
            return err(&b.category, "indirect");
        }
        if now.0.abs_diff(was.0) > limit.unsigned_abs() {
            return err(&b.category, "shift");
        }
    }
    Ok(())
}

/// An extension: later than the current end, at most a year, once.
pub fn check_extension(
    ends_on: NaiveDate,
    new_end: NaiveDate,
    extended_before: bool,
) -> Result<(), ChangeError> {
    let err = |rule| Err(ChangeError { field: "ends_on".into(), rule });
    if extended_before {
        return err("once");
    }
    if new_end <= ends_on {
        return err("later");
    }
    if ends_on
        .checked_add_months(Months::new(MAX_EXTENSION_MONTHS))
        .is_some_and(|max| new_end > max)
    {
        return err("too_long");
    }
    Ok(())
}

/// The budget a task book starts with: the application's lines scaled to the grant, to the fen
/// (the largest line takes the rounding).
pub fn scale_budget(lines: &[Line], grant: Money) -> Vec<Line> {
    let requested: i128 = lines.iter().map(|l| i128::from(l.requested.0)).sum();
    if requested <= 0 {
        return vec![Line { category: "business".into(), requested: grant, raised: Money::ZERO }];
    }
    let mut out: Vec<Line> = lines
        .iter()
        .map(|l| Line {
            category: l.category.clone(),
            requested: Money((i128::from(l.requested.0) * i128::from(grant.0) / requested) as i64),
            raised: l.raised,
        })
        .collect();
    let rest = grant.0.saturating_sub(out.iter().map(|l| l.requested).sum::<Money>().0);
    if let Some(big) = out.iter_mut().max_by_key(|l| l.requested.0) {
        big.requested.0 = big.requested.0.saturating_add(rest);
    }
    out
}

/// A category's money split over the calendar years of the project, by days, to the fen (the
/// last year takes the rounding) — the task book's budget by year.
pub fn by_year(amount: Money, starts_on: NaiveDate, ends_on: NaiveDate) -> Vec<(i32, Money)> {
    let days = (ends_on - starts_on).num_days() + 1;
    if days <= 0 {
        return vec![(starts_on.year(), amount)];
    }
    let mut out = Vec::new();
    let mut given = 0;
    for y in starts_on.year()..=ends_on.year() {
        let from = starts_on.max(NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(starts_on));
        let to = ends_on.min(NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(ends_on));
        let share = if y == ends_on.year() {
            amount.0 - given
        } else {
            (amount.0 as i128 * ((to - from).num_days() + 1) as i128 / days as i128) as i64
        };
        given += share;
        out.push((y, Money(share)));
    }
    out
}

// ---------------------------------------------------------------- opinions, outcome, performance

/// An inspection or acceptance takes at least three experts' opinions (as in the review rules).
pub const MIN_OPINIONS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Conditional,
    Failed,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Conditional => "conditional",
            Self::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Passed, Self::Conditional, Self::Failed].into_iter().find(|o| o.code() == s)
    }
    pub fn status(self) -> Status {
        match self {
            Self::Passed => Status::Accepted,
            Self::Conditional => Status::Conditional,
            Self::Failed => Status::Failed,
        }
    }
}

/// One expert's opinion at a mid-term inspection or an acceptance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opinion {
    pub expert: String,
    /// 0–100.
    pub score: u8,
    pub conclusion: Outcome,
    pub text: String,
}

/// What the experts' opinions and the deliverables suggest: the experts' majority (a tie goes to
/// the stricter conclusion); failed whatever they say when fewer than half the deliverables are met.
pub fn suggest_outcome(opinions: &[Opinion], met: usize, deliverables: usize) -> Option<Outcome> {
    if opinions.len() < MIN_OPINIONS {
        return None;
    }
    if deliverables > 0 && met * 2 < deliverables {
        return Some(Outcome::Failed);
    }
    let n = |o| opinions.iter().filter(|x| x.conclusion == o).count();
    let (p, c, f) = (n(Outcome::Passed), n(Outcome::Conditional), n(Outcome::Failed));
    Some(if f * 2 >= opinions.len() {
        Outcome::Failed
    } else if p * 2 > opinions.len() {
        Outcome::Passed
    } else if p + c > f {
        Outcome::Conditional
    } else {
        Outcome::Failed
    })
}

/// A project's performance evaluation (绩效评价): 60 % the experts' mean score, 30 % the share of
/// deliverables met, 10 % reports in on time; graded 优秀 ≥ 90, 良好 ≥ 75, 合格 ≥ 60, else 不合格.
pub fn performance(
    opinions: &[Opinion],
    met: usize,
    deliverables: usize,
    reports_on_time: usize,
    reports_due: usize,
) -> (f64, &'static str) {
    let mean = if opinions.is_empty() {
        0.0
    } else {
        opinions.iter().map(|o| f64::from(o.score)).sum::<f64>() / opinions.len() as f64
    };
    let share = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let score =
        (0.6 * mean + 30.0 * share(met, deliverables) + 10.0 * share(reports_on_time, reports_due))
            * 10.0;
    let score = score.round() / 10.0;
    let grade = if score >= 90.0 {
        "excellent"
    } else if score >= 75.0 {
        "good"
    } else if score >= 60.0 {
        "pass"
    } else {
        "fail"
    };
    (score, grade)
}

/// Kinds of project outputs counted by the statistics.
pub const OUTPUT_KINDS: [&str; 6] =
    ["patent", "paper", "standard", "software", "achievement", "contract"];

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn notices_run_a_week_and_objections_hold_the_approval() {
        assert_eq!(
            check_notice(d("2026-05-10"), d("2026-05-09"), d("2026-05-20")),
            Err("starts_on")
        );
        assert_eq!(check_notice(d("2026-05-10"), d("2026-05-11"), d("2026-05-16")), Err("ends_on"));
        assert!(check_notice(d("2026-05-10"), d("2026-05-11"), d("2026-05-17")).is_ok());
        assert_eq!(may_establish(d("2026-05-17"), Some(d("2026-05-17")), 0), Err("notice_running"));
        assert_eq!(
            may_establish(d("2026-05-18"), Some(d("2026-05-17")), 1),
            Err("objections_open")
        );
        assert_eq!(may_establish(d("2026-05-18"), None, 0), Err("no_notice"));
        assert!(may_establish(d("2026-05-18"), Some(d("2026-05-17")), 0).is_ok());
    }

    #[test]
    fn status_changes_need_reasons_and_end_for_good() {
        assert_eq!(next_status(Status::Ongoing, StatusAction::Suspend, ""), Err("reason"));
        assert_eq!(
            next_status(Status::Ongoing, StatusAction::Suspend, "稽查发现问题"),
            Ok(Status::Suspended)
        );
        assert_eq!(next_status(Status::Suspended, StatusAction::Resume, ""), Ok(Status::Ongoing));
        assert_eq!(
            next_status(Status::Suspended, StatusAction::Terminate, "整改不到位终止"),
            Ok(Status::Terminated)
        );
        assert_eq!(next_status(Status::Terminated, StatusAction::Resume, ""), Err("status"));
        assert_eq!(
            next_status(Status::Accepted, StatusAction::Terminate, "无理由终止"),
            Err("status")
        );
        assert!(!Status::Suspended.pays() && Status::Accepted.pays());
    }

    #[test]
    fn a_two_year_project_reports_every_half_year() {
        let s = report_schedule(d("2025-01-01"), d("2026-12-31"));
        let kinds: Vec<_> = s.iter().map(|x| (x.kind, x.due_on.to_string())).collect();
        assert_eq!(
            kinds,
            vec![
                (ReportKind::Progress, "2025-07-16".into()),
                (ReportKind::MidTerm, "2026-01-15".into()),
                (ReportKind::Progress, "2026-07-16".into()),
                (ReportKind::Final, "2027-03-31".into()),
            ]
        );
        assert_eq!(
            s.iter().filter(|x| x.kind == ReportKind::Progress).map(|x| x.seq).collect::<Vec<_>>(),
            vec![1, 2]
        );
        // A one-year project: the mid-term report takes the half-year's place.
        let short = report_schedule(d("2026-01-01"), d("2026-12-31"));
        assert_eq!(
            short.iter().map(|x| x.kind).collect::<Vec<_>>(),
            vec![ReportKind::MidTerm, ReportKind::Final]
        );
        assert!(overdue(d("2026-07-16"), false, d("2026-07-17")));
        assert!(!overdue(d("2026-07-16"), true, d("2027-01-01")));
        assert!(!overdue(d("2026-07-16"), false, d("2026-07-16")));
    }

    fn line(c: &str, wan: i64) -> Line {
        Line { category: c.into(), requested: Money::from_wan(wan), raised: Money::ZERO }
    }

    #[test]
    fn reallocations_stay_within_limits() {
        let before = vec![line("equipment", 60), line("business", 30), line("indirect", 10)];
        assert!(
            check_reallocation(
                &before,
                &[line("equipment", 45), line("business", 45), line("indirect", 10)]
            )
            .is_ok()
        );
        assert_eq!(
            check_reallocation(
                &before,
                &[line("equipment", 60), line("business", 35), line("indirect", 10)]
            )
            .unwrap_err()
            .rule,
            "total"
        );
        assert_eq!(
            check_reallocation(
                &before,
                &[line("equipment", 55), line("business", 30), line("indirect", 15)]
            )
            .unwrap_err()
            .field,
            "indirect"
        );
        let e = check_reallocation(
            &before,
            &[line("equipment", 30), line("business", 60), line("indirect", 10)],
        )
        .unwrap_err();
        assert_eq!((e.field.as_str(), e.rule), ("equipment", "shift"));
        assert_eq!(
            check_reallocation(
                &before,
                &[
                    line("equipment", 50),
                    line("business", 30),
                    line("indirect", 10),
                    line("labour", 10)
                ]
            )
            .unwrap_err()
            .rule,
            "category"
        );
    }

    #[test]
    fn one_extension_of_at_most_a_year() {
        assert!(check_extension(d("2026-12-31"), d("2027-06-30"), false).is_ok());
        assert_eq!(
            check_extension(d("2026-12-31"), d("2027-06-30"), true).unwrap_err().rule,
            "once"
        );
        assert_eq!(
            check_extension(d("2026-12-31"), d("2026-12-01"), false).unwrap_err().rule,
            "later"
        );
        assert_eq!(
            check_extension(d("2026-12-31"), d("2028-01-31"), false).unwrap_err().rule,
            "too_long"
        );
    }

    #[test]
    fn budgets_scale_and_split_by_year_to_the_fen() {
        let lines = vec![line("equipment", 60), line("business", 31), line("indirect", 9)];
        let grant = Money(7_533_333);
        let scaled = scale_budget(&lines, grant);
        assert_eq!(scaled.iter().map(|l| l.requested).sum::<Money>(), grant);
        let years = by_year(Money(1_000_000), d("2025-07-01"), d("2027-06-30"));
        assert_eq!(years.iter().map(|y| y.0).collect::<Vec<_>>(), vec![2025, 2026, 2027]);
        assert_eq!(years.iter().map(|y| y.1).sum::<Money>(), Money(1_000_000));
        assert!(years[1].1.0 > years[0].1.0, "a whole year weighs more than half a year");
    }

    fn op(score: u8, c: Outcome) -> Opinion {
        Opinion { expert: "专家".into(), score, conclusion: c, text: String::new() }
    }

    #[test]
    fn the_outcome_follows_the_experts_and_the_deliverables() {
        use Outcome::*;
        assert_eq!(
            suggest_outcome(&[op(80, Passed), op(85, Passed)], 3, 3),
            None,
            "three experts at least"
        );
        assert_eq!(
            suggest_outcome(&[op(80, Passed), op(85, Passed), op(60, Failed)], 3, 3),
            Some(Passed)
        );
        assert_eq!(
            suggest_outcome(&[op(80, Passed), op(70, Conditional), op(65, Conditional)], 3, 3),
            Some(Conditional)
        );
        assert_eq!(
            suggest_outcome(&[op(50, Failed), op(55, Failed), op(80, Passed)], 3, 3),
            Some(Failed)
        );
        assert_eq!(
            suggest_outcome(&[op(90, Passed), op(90, Passed), op(90, Passed)], 1, 3),
            Some(Failed),
            "most deliverables missed"
        );
        let (score, grade) =
            performance(&[op(90, Passed), op(95, Passed), op(85, Passed)], 3, 3, 4, 4);
        assert_eq!((score, grade), (94.0, "excellent"));
        assert_eq!(
            performance(&[op(50, Failed), op(40, Failed), op(45, Failed)], 1, 3, 1, 4).1,
            "fail"
        );
    }
}
