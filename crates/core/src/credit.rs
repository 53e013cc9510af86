//! Research credit (科研信用): good and bad records of persons and organisations, a grade per
//! subject, and the eligibility checks that applications and expert drawing call — answering yes
//! or no with the record that decides it.
use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    Good,
    Bad,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 一般
    Minor,
    /// 较重
    Serious,
    /// 严重
    Grave,
}

/// How long a bad record bars its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sanction {
    None,
    /// A ban of so many years from the record's date (1–3 for serious, 3–5 for grave cases).
    Years(u8),
    Permanent,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    pub id: i64,
    pub nature: Nature,
    /// What happened: 抄袭剽窃, 数据造假, 获国家科技进步奖 ...
    pub kind: String,
    pub severity: Severity,
    /// The document that records it (文号).
    pub source: String,
    pub date: NaiveDate,
    pub sanction: Sanction,
    /// Points of a good record.
    #[serde(default)]
    pub points: i32,
}

/// Why a record cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RecordError {
    pub field: &'static str,
    pub message: String,
}

impl Record {
    /// Checks a record as the bureau enters it: sanctions only on bad records, and within the
    /// rules (1–3 years for serious, 3–5 for grave; permanent only for grave); points only on good.
    pub fn check(&self) -> Result<(), RecordError> {
        let err = |field, m: &str| Err(RecordError { field, message: m.into() });
        if self.source.trim().is_empty() {
            return err("source", "the source document is required");
        }
        match (self.nature, self.sanction) {
            (Nature::Good, Sanction::None) => {}
            (Nature::Good, _) => return err("sanction", "a good record carries no sanction"),
            (Nature::Bad, Sanction::Years(y)) => {
                let ok = match self.severity {
                    Severity::Minor => false,
                    Severity::Serious => (1..=3).contains(&y),
                    Severity::Grave => (3..=5).contains(&y),
                };
                if !ok {
                    return err(
                        "sanction",
                        "a ban is 1–3 years for a serious case, 3–5 for a grave one, none for a minor one",
                    );
                }
            }
            (Nature::Bad, Sanction::Permanent) if self.severity != Severity::Grave => {
                return err("sanction", "a permanent ban is only for grave cases");
            }
            (Nature::Bad, _) => {}
        }
        if self.nature == Nature::Bad && self.points != 0 {
            return err("points", "points are for good records");
        }
        Ok(())
    }

    /// The last day of the ban, `None` when there is none or it never ends.
    pub fn ban_until(&self) -> Option<NaiveDate> {
        match self.sanction {
            Sanction::Years(y) => self
                .date
                .with_year(self.date.year() + y as i32)
                .or_else(|| self.date.checked_add_days(chrono::Days::new(365 * y as u64))),
            _ => None,
        }
    }

    /// Whether the record bars its subject on `day`.
    pub fn bars_on(&self, day: NaiveDate) -> bool {
        self.nature == Nature::Bad
            && day >= self.date
            && match self.sanction {
                Sanction::None => false,
                Sanction::Permanent => true,
                Sanction::Years(_) => self.ban_until().is_some_and(|end| day < end),
            }
    }
}

/// A subject's grade: the score, and its letters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Grade {
    pub score: i32,
    pub letters: &'static str,
}

/// How long a bad record weighs on the grade after its date.
pub const BAD_RECORD_YEARS: i32 = 5;

/// The grade on `day`: 80 points to start (A), good records add their points up to 100; a bad
/// record of the last five years caps the score (minor 60, serious 40, grave 20) whatever the good
/// records — good and bad do not offset.
pub fn grade(records: &[Record], day: NaiveDate) -> Grade {
    let good: i32 = records
        .iter()
        .filter(|r| r.nature == Nature::Good && r.date <= day)
        .map(|r| r.points.max(0))
        .sum();
    let mut score = (80 + good).min(100);
    for r in records.iter().filter(|r| r.nature == Nature::Bad && r.date <= day) {
        let recent =
            r.date.with_year(r.date.year() + BAD_RECORD_YEARS).is_some_and(|end| day < end);
        if recent || r.bars_on(day) {
            let cap = match r.severity {
                Severity::Minor => 60,
                Severity::Serious => 40,
                Severity::Grave => 20,
            };
            score = score.min(cap);
        }
    }
    let letters = match score {
        100.. => "AAA",
        90..=99 => "AA",
        80..=89 => "A",
        60..=79 => "B",
        40..=59 => "C",
        _ => "D",
    };
    Grade { score, letters }
}

/// An answer with the record that decides it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Eligibility {
    pub allowed: bool,
    pub deciding: Option<Record>,
}

/// May the subject apply for a project or be drawn as a reviewer on `day`? No while a bad record
/// bars it; the deciding record is the one whose ban lasts longest.
pub fn eligibility(records: &[Record], day: NaiveDate) -> Eligibility {
    let barring = records.iter().filter(|r| r.bars_on(day)).max_by_key(|r| match r.sanction {
        Sanction::Permanent => NaiveDate::MAX,
        _ => r.ban_until().unwrap_or(r.date),
    });
    Eligibility { allowed: barring.is_none(), deciding: barring.cloned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rec(
        id: i64,
        nature: Nature,
        severity: Severity,
        date: &str,
        sanction: Sanction,
        points: i32,
    ) -> Record {
        Record {
            id,
            nature,
            kind: if nature == Nature::Good {
                "获省科技进步奖".into()
            } else {
                "抄袭剽窃".into()
            },
            severity,
            source: "甘科监〔2024〕3号".into(),
            date: d(date),
            sanction,
            points,
        }
    }

    #[test]
    fn records_follow_the_sanction_rules() {
        assert!(
            rec(1, Nature::Bad, Severity::Serious, "2024-01-01", Sanction::Years(2), 0)
                .check()
                .is_ok()
        );
        assert_eq!(
            rec(1, Nature::Bad, Severity::Serious, "2024-01-01", Sanction::Years(4), 0)
                .check()
                .unwrap_err()
                .field,
            "sanction"
        );
        assert!(
            rec(1, Nature::Bad, Severity::Minor, "2024-01-01", Sanction::Permanent, 0)
                .check()
                .is_err()
        );
        assert!(
            rec(1, Nature::Good, Severity::Minor, "2024-01-01", Sanction::Years(1), 5)
                .check()
                .is_err()
        );
        let mut r = rec(1, Nature::Good, Severity::Minor, "2024-01-01", Sanction::None, 5);
        r.source = " ".into();
        assert_eq!(r.check().unwrap_err().field, "source");
    }

    #[test]
    fn bans_decide_eligibility_and_say_which_record() {
        let rs = vec![
            rec(1, Nature::Bad, Severity::Serious, "2023-03-01", Sanction::Years(3), 0),
            rec(2, Nature::Bad, Severity::Grave, "2024-06-01", Sanction::Years(5), 0),
            rec(3, Nature::Good, Severity::Minor, "2025-01-01", Sanction::None, 10),
        ];
        let e = eligibility(&rs, d("2025-06-01"));
        assert!(!e.allowed);
        assert_eq!(e.deciding.unwrap().id, 2, "the longest ban decides");
        assert!(!eligibility(&rs, d("2029-05-31")).allowed);
        assert!(eligibility(&rs, d("2029-06-01")).allowed, "the ban ends after five years");
        assert!(eligibility(&rs, d("2023-02-28")).allowed, "not before the record");
        let forever =
            vec![rec(4, Nature::Bad, Severity::Grave, "2020-01-01", Sanction::Permanent, 0)];
        assert!(!eligibility(&forever, d("2099-01-01")).allowed);
    }

    #[test]
    fn grades_do_not_let_good_records_offset_bad_ones() {
        let good = vec![rec(1, Nature::Good, Severity::Minor, "2024-01-01", Sanction::None, 12)];
        assert_eq!(grade(&good, d("2025-01-01")), Grade { score: 92, letters: "AA" });
        assert_eq!(grade(&[], d("2025-01-01")).letters, "A");
        let mut mixed = good.clone();
        mixed.push(rec(2, Nature::Bad, Severity::Minor, "2024-05-01", Sanction::None, 0));
        mixed.push(rec(3, Nature::Good, Severity::Minor, "2024-06-01", Sanction::None, 50));
        assert_eq!(grade(&mixed, d("2025-01-01")), Grade { score: 60, letters: "B" });
        assert_eq!(
            grade(&mixed, d("2029-05-01")).letters,
            "AAA",
            "after five years the minor record no longer weighs"
        );
    }
}
