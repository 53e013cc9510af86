//! A task book's milestones (节点目标): dated goals within the project's period, written one per
//! line as `2027-06-30 完成中试线建设`, marked reached by the leader, overdue when their day has
//! passed unreached while the project runs.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub due_on: NaiveDate,
    pub text: String,
    /// The day the leader said it was reached, with their note.
    #[serde(default)]
    pub reached_on: Option<NaiveDate>,
    #[serde(default)]
    pub note: String,
}

/// At most this many milestones in a task book.
pub const MAX_MILESTONES: usize = 20;

/// A mistake in the milestones' text: the line (from 1) and a code (date, text, outside, order,
/// too_many).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneError {
    pub line: usize,
    pub code: &'static str,
}

/// Reads milestones, one per line, each dated within `starts..=ends` and in order.
pub fn parse(
    text: &str,
    starts: NaiveDate,
    ends: NaiveDate,
) -> Result<Vec<Milestone>, MilestoneError> {
    let mut out: Vec<Milestone> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let err = |code| MilestoneError { line: i + 1, code };
        // The date, then a space or a colon, then the goal.
        let (date, rest) = line
            .split_once(|c: char| c.is_whitespace() || c == '：' || c == ':')
            .ok_or_else(|| err("text"))?;
        let due_on = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| err("date"))?;
        let text = rest.trim_start_matches(['：', ':']).trim();
        if text.chars().count() < 2 || text.chars().count() > 200 {
            return Err(err("text"));
        }
        if due_on < starts || due_on > ends {
            return Err(err("outside"));
        }
        if out.last().is_some_and(|m| m.due_on > due_on) {
            return Err(err("order"));
        }
        if out.len() == MAX_MILESTONES {
            return Err(err("too_many"));
        }
        out.push(Milestone {
            due_on,
            text: text.to_string(),
            reached_on: None,
            note: String::new(),
        });
    }
    Ok(out)
}

/// A milestone not reached by its day.
pub fn overdue(m: &Milestone, today: NaiveDate) -> bool {
    m.reached_on.is_none() && today > m.due_on
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn milestones_read_in_order_within_the_period() {
        let (a, b) = (d("2027-01-01"), d("2028-12-31"));
        let m = parse("2027-06-30 完成中试线建设\n\n2028-06-30：形成企业标准草案\n", a, b).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!((m[1].due_on, m[1].text.as_str()), (d("2028-06-30"), "形成企业标准草案"));
        assert_eq!(
            parse("2027-13-01 完成", a, b).unwrap_err(),
            MilestoneError { line: 1, code: "date" }
        );
        assert_eq!(parse("2027-06-30", a, b).unwrap_err().code, "text");
        assert_eq!(parse("2029-01-01 结题后", a, b).unwrap_err().code, "outside");
        assert_eq!(
            parse("2028-01-01 之后\n2027-01-02 之前", a, b).unwrap_err(),
            MilestoneError { line: 2, code: "order" }
        );
        let many: String = (1..=21).map(|k| format!("2027-02-{k:02} 第{k}项\n")).collect();
        assert_eq!(parse(&many, a, b).unwrap_err(), MilestoneError { line: 21, code: "too_many" });
        assert!(overdue(&m[0], d("2027-07-01")) && !overdue(&m[0], d("2027-06-30")));
        assert!(!overdue(
            &Milestone { reached_on: Some(d("2027-06-01")), ..m[0].clone() },
            d("2027-07-01")
        ));
    }
}
