use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn terms(start: &str, deadline: &str, target: f64) -> Terms {
    Terms {
        title: "新增高新技术企业".into(),
        start: d(start),
        deadline: d(deadline),
        target,
        measure: "家".into(),
    }
}

fn report(month: &str, percent: u8, achieved: f64) -> Progress {
    Progress { month: d(month), percent, achieved }
}

#[test]
fn a_deadline_before_the_start_and_every_other_problem_is_named_on_its_field() {
    let draft = TaskDraft {
        title: " ".into(),
        start: "2026-03-01".into(),
        deadline: "2026-02-28".into(),
        target: "-3".into(),
        measure: "".into(),
    };
    let problems = check(&draft).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, ["title", "deadline", "target", "measure"]);
    assert_eq!(
        problems[1].1,
        TaskProblem::DeadlineBeforeStart { start: d("2026-03-01"), deadline: d("2026-02-28") }
    );
    let same_day = TaskDraft {
        title: "出台政策".into(),
        start: "2026-03-01".into(),
        deadline: "2026-03-01".into(),
        target: "1".into(),
        measure: "项".into(),
    };
    assert_eq!(check(&same_day).unwrap().deadline, d("2026-03-01"), "a one-day task is fine");
    let bad_date = TaskDraft { start: "2026-13-01".into(), ..same_day };
    assert_eq!(check(&bad_date).unwrap_err()[0].0, "start");
}

#[test]
fn a_task_is_on_track_on_its_line_at_risk_behind_it_or_quiet_and_overdue_after_its_day() {
    let t = terms("2026-01-01", "2026-12-31", 10.0);
    assert_eq!(standing(&t, &[], d("2025-12-31")), Standing::NotStarted);
    assert_eq!(standing(&t, &[], d("2026-01-20")), Standing::OnTrack, "just begun");
    // Mid-year the line is at 50 %: 31 % is 19 points behind (on track), 29 % 21 (at risk).
    let mid = d("2026-07-02");
    assert_eq!(standing(&t, &[report("2026-06-01", 31, 3.0)], mid), Standing::OnTrack);
    assert_eq!(standing(&t, &[report("2026-06-01", 29, 3.0)], mid), Standing::AtRisk);
    // Quiet: the last report was for March, more than 45 days before mid-year.
    assert_eq!(standing(&t, &[report("2026-03-01", 60, 6.0)], mid), Standing::AtRisk);
    // Done by the work or by the outcome, whenever.
    assert_eq!(standing(&t, &[report("2026-06-01", 80, 10.0)], mid), Standing::Done);
    assert_eq!(standing(&t, &[report("2026-06-01", 100, 7.0)], mid), Standing::Done);
    // The day after the deadline, not done: overdue.
    let late = [report("2026-12-01", 95, 9.0)];
    assert_eq!(standing(&t, &late, d("2026-12-31")), Standing::OnTrack);
    assert_eq!(standing(&t, &late, d("2027-01-01")), Standing::Overdue);
    assert!(Standing::Overdue.needs_attention() && !Standing::Done.needs_attention());
}

#[test]
fn a_units_completion_counts_the_tasks_due_by_the_half_and_its_reports_until_then() {
    let h1 = Half::parse("2026H1").unwrap();
    assert_eq!((h1.start(), h1.end()), (d("2026-01-01"), d("2026-06-30")));
    assert_eq!(Half::parse("2026H3"), None);
    assert_eq!(Half::parse("2026h2").unwrap().code(), "2026H2");
    let tasks = vec![
        // Due in H1 and done in May.
        (terms("2026-01-01", "2026-06-30", 5.0), vec![report("2026-05-01", 100, 5.0)]),
        // Due in H1, done only in July: not done at the check.
        (terms("2026-01-01", "2026-06-15", 2.0), vec![report("2026-07-01", 100, 2.0)]),
        // Due at the year's end, half-way in June.
        (terms("2026-01-01", "2026-12-31", 10.0), vec![report("2026-06-01", 50, 5.0)]),
        // Starts in H2: not counted in progress.
        (terms("2026-08-01", "2026-12-31", 1.0), vec![]),
    ];
    let c = completion(&tasks, h1.end());
    assert_eq!((c.due, c.done, c.rate), (2, 1, Some(0.5)));
    assert_eq!(c.overdue, 1, "the one done only after the check");
    assert!((c.mean_progress - 50.0).abs() < 1e-9, "(100 + 0 + 50) / 3: {}", c.mean_progress);
    // The straight line at the half's end: both H1 tasks at 100, the year's at 180 / 364 days.
    let line = (100.0 + 100.0 + 100.0 * 180.0 / 364.0) / 3.0;
    assert!((c.schedule - line).abs() < 1e-9, "时序进度 {} vs {line}", c.schedule);
    let none = completion(&[], h1.end());
    assert_eq!(none.rate, None, "nothing due, no rate");
}

#[test]
fn a_whole_rolls_up_its_parts_weighted_by_their_targets() {
    let parts = vec![
        // 30 of 40 planned: 50 % in March, the outcome reached in May (done, whatever was typed).
        (
            terms("2026-01-01", "2026-12-31", 30.0),
            vec![report("2026-03-01", 50, 10.0), report("2026-05-01", 80, 30.0)],
        ),
        // 10 of 40: 20 % in April, silent since.
        (terms("2026-01-01", "2026-12-31", 10.0), vec![report("2026-04-01", 20, 2.0)]),
    ];
    let whole = rolled_up(&parts);
    let months: Vec<_> = whole.iter().map(|p| p.month).collect();
    assert_eq!(months, vec![d("2026-03-01"), d("2026-04-01"), d("2026-05-01")]);
    // March: only the first part, (30 × 50) / 40.
    assert_eq!((whole[0].percent, whole[0].achieved), (38, 10.0));
    // April: (30 × 50 + 10 × 20) / 40 = 42.5.
    assert_eq!((whole[1].percent, whole[1].achieved), (43, 12.0));
    // May: the first part done counts at 100: (30 × 100 + 10 × 20) / 40 = 80.
    assert_eq!((whole[2].percent, whole[2].achieved), (80, 32.0));
    assert!(rolled_up(&[]).is_empty());
}
