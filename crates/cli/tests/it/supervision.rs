//! Annual tasks in headless Chromium: 榆中县's admin opens its part of the policy task, is
//! refused a share that is no number (the rule named), reports the month done and attaches a
//! PDF; the bureau filters the plan to the tasks behind, reminds one, and reads the half-yearly
//! check with each unit's completion against 时序进度.
use crate::common::*;
use serde_json::json;

const TASK: &str = "出台科技创新政策文件";

/// The id of the row (`id="task-N"`) whose title is `title`, on the page.
fn task_row(b: &Browser, title: &str) -> String {
    let source = b.source();
    let at = source.find(&format!(">{title}</a>")).expect("the task is listed");
    let id = source[..at].rsplit("id=\"task-").next().unwrap().split('"').next().unwrap();
    assert!(id.chars().all(|c| c.is_ascii_digit()), "{id}");
    id.to_string()
}

#[test]
fn browser_a_county_reports_a_month_with_evidence_and_the_bureau_reminds_and_checks() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1100);
    the_county_reports(&b, &base);
    the_bureau_follows_up(&b, &base);
}

fn the_county_reports(b: &Browser, base: &str) {
    sign_in(b, base, "county");
    b.go(&format!("{base}/tasks"));
    assert!(b.text("main").contains(TASK), "{}", b.text("main"));
    let table = b.text("table.tasks");
    assert!(!table.contains("兰州市"), "only 榆中县's parts, not the city's wholes: {table}");
    b.screenshot("tasks-county-list");
    let id = task_row(b, TASK);
    b.go(&format!("{base}/tasks/{id}"));
    // A share that is no number: refused, the rule named.
    b.type_into("#percent", "大部分");
    b.click("#progress-save");
    b.wait_for(|| b.exists("#error-message"));
    assert!(b.text("main").contains("0 至 100"), "{}", b.text("main"));
    b.screenshot("tasks-report-refused");
    b.go(&format!("{base}/tasks/{id}?again=1"));
    b.type_into("#percent", "100");
    b.type_into("#achieved", "3");
    b.type_into("#note", "县政府印发《榆中县促进科技成果转化实施办法》等 3 项政策文件。");
    b.click("#progress-save");
    b.wait_for(|| !b.current_url().contains("again=1") && b.exists("#task-standing"));
    b.wait_for(|| b.text("#task-standing").contains("已完成"));
    let month = b.value("#month");
    let month_id = b
        .source()
        .split(&format!("id=\"month-{month}\""))
        .nth(1)
        .and_then(|rest| rest.split("id=\"file-").nth(1))
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .expect("this month's upload form");
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("榆中县促进科技成果转化实施办法.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
    )
    .unwrap();
    let input = b.find(&format!("#file-{month_id}"));
    b.post(&format!("/element/{input}/value"), json!({ "text": pdf.display().to_string() }));
    b.click(&format!("#upload-button-{month_id}"));
    b.wait_for(|| b.current_url().contains("file=") && b.exists(&format!("#files-{month_id}")));
    assert!(b.text(&format!("#files-{month_id}")).contains("榆中县促进科技成果转化实施办法.pdf"));
    b.scroll_to("#progress");
    b.screenshot("tasks-county-reported");
}

fn the_bureau_follows_up(b: &Browser, base: &str) {
    sign_in(b, base, "bureau");
    b.go(&format!("{base}/tasks?standing=at_risk"));
    b.screenshot("tasks-at-risk");
    let source = b.source();
    let at = source.find("standing-at_risk").expect("a task behind its line is listed");
    let id = source[..at].rsplit("id=\"task-").next().unwrap().split('"').next().unwrap();
    let id = id.to_string();
    b.go(&format!("{base}/tasks/{id}"));
    let before = b.text("#remind-form");
    b.click("#remind-form button");
    b.wait_for(|| b.exists("#remind-form") && b.text("#remind-form") != before);
    assert!(b.text("#remind-form").contains("已督办"), "{}", b.text("#remind-form"));
    b.screenshot("tasks-reminded");
    b.go(&format!("{base}/tasks/check"));
    assert!(b.exists("#completion") && b.text("#completion").contains("榆中县"));
    assert!(b.text("#completion").contains("时序进度") && b.exists("#check-pdf"));
    b.screenshot("tasks-check");
}
