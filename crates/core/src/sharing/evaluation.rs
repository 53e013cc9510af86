//! The yearly open-sharing evaluation of instrument owners (大型科研仪器开放共享评价考核), in the
//! spirit of the national rules: each owner's year is measured from the platform's own records
//! — hours used per instrument, the share used by other organisations, service income, users'
//! ratings and how fast requests are answered — and scored by published weights into a grade.
//! Use and income are compared within the year's owners (the best scores full marks), as the
//! national evaluation compares units with each other. Pure: the store supplies the figures.
use super::booking::Span;
use super::instruments::OpeningHours;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

/// What one owner's instruments did in a year, as the records show.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OwnerFigures {
    /// Instruments in the catalogue (not retired) during the year.
    pub instruments: i64,
    /// Minutes open to booking: opening hours on open days, less blackouts.
    pub open_minutes: i64,
    /// Minutes actually used (closed bookings, by their actual start and end).
    pub used_minutes: i64,
    /// Of those, minutes used by other organisations than the owner.
    pub external_minutes: i64,
    /// Fees of used bookings and completed service orders, in fen.
    pub income_fen: i64,
    pub rating_sum: i64,
    pub ratings: i64,
    /// Hours from a request to its answer (bookings awaiting approval, service orders), each;
    /// a request still waiting counts to the end of the count (a booking's to its start).
    pub response_hours: Vec<f64>,
}

/// A criterion of the evaluation and its published weight (the weights add up to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Criterion {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub weight: u32,
    /// How the score is reached, as published with the results.
    pub rule_zh: &'static str,
    pub rule_en: &'static str,
}

/// The published criteria.
pub const CRITERIA: [Criterion; 5] = [
    Criterion {
        code: "use",
        name_zh: "运行使用",
        name_en: "Use",
        weight: 30,
        rule_zh: "每台仪器年均使用机时，参评单位中最高者得满分，其余按比例计分",
        rule_en: "hours used per instrument; the best owner of the year scores full marks, the others in proportion",
    },
    Criterion {
        code: "external",
        name_zh: "对外服务占比",
        name_en: "Share used by others",
        weight: 25,
        rule_zh: "外单位使用机时 ÷ 使用机时，达到 50% 得满分，按比例计分",
        rule_en: "hours used by other organisations ÷ hours used; full marks at 50%",
    },
    Criterion {
        code: "income",
        name_zh: "服务收入",
        name_en: "Service income",
        weight: 15,
        rule_zh: "每台仪器年均服务收入，参评单位中最高者得满分，其余按比例计分",
        rule_en: "income per instrument; the best owner of the year scores full marks, the others in proportion",
    },
    Criterion {
        code: "rating",
        name_zh: "用户评价",
        name_en: "Users' ratings",
        weight: 20,
        rule_zh: "平均评分 1—5 分折算为 0—100 分；无评价按 50 分计",
        rule_en: "average score 1–5 mapped to 0–100; 50 without ratings",
    },
    Criterion {
        code: "response",
        name_zh: "响应时效",
        name_en: "Response time",
        weight: 10,
        rule_zh: "申请到答复的中位时长（未答复的申请计至统计截止），24 小时内得满分，7 天及以上不得分，其间按比例计分；无待审申请得满分",
        rule_en: "median hours from request to answer (unanswered ones to the end of the count): full marks within 24 h, none from 7 days, linear between; full marks with nothing to answer",
    },
];

/// The best per-instrument figures among a year's owners: full marks for use and income.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Best {
    pub minutes_each: f64,
    pub income_each: f64,
}

impl Best {
    pub fn of<'a>(all: impl IntoIterator<Item = &'a OwnerFigures>) -> Best {
        all.into_iter().fold(Best::default(), |b, f| Best {
            minutes_each: b.minutes_each.max(f.minutes_each()),
            income_each: b.income_each.max(f.income_each()),
        })
    }
}

/// The grade of a total score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Grade {
    /// 优秀: 85 and above.
    Excellent,
    /// 良好: 70 and above.
    Good,
    /// 合格: 60 and above.
    Pass,
    /// 不合格: below 60.
    Fail,
}

impl Grade {
    pub const ALL: [Grade; 4] = [Self::Excellent, Self::Good, Self::Pass, Self::Fail];
    pub fn of(total: f64) -> Grade {
        match total {
            t if t >= 85.0 => Self::Excellent,
            t if t >= 70.0 => Self::Good,
            t if t >= 60.0 => Self::Pass,
            _ => Self::Fail,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Self::Excellent => "excellent",
            Self::Good => "good",
            Self::Pass => "pass",
            Self::Fail => "fail",
        }
    }
    pub fn parse(s: &str) -> Option<Grade> {
        Self::ALL.into_iter().find(|g| g.code() == s)
    }
}

/// An owner's scores: one per criterion (0–100, in the order of [`CRITERIA`]) and the weighted
/// total to one decimal.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scored {
    pub parts: [f64; 5],
    pub total: f64,
    pub grade: Grade,
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// Full marks at `full`, proportional below, 0–100 (nothing when nobody reached anything).
fn up_to(ratio: f64, full: f64) -> f64 {
    if full > 0.0 { (ratio / full).clamp(0.0, 1.0) * 100.0 } else { 0.0 }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The median of some hours (none for none).
pub fn median(hours: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = hours.iter().copied().filter(|h| h.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 { v[mid] } else { (v[mid - 1] + v[mid]) / 2.0 })
}

impl OwnerFigures {
    pub fn utilisation(&self) -> f64 {
        share(self.used_minutes as f64, self.open_minutes as f64)
    }
    pub fn external_share(&self) -> f64 {
        share(self.external_minutes as f64, self.used_minutes as f64)
    }
    pub fn minutes_each(&self) -> f64 {
        share(self.used_minutes as f64, self.instruments as f64)
    }
    pub fn income_each(&self) -> f64 {
        share(self.income_fen as f64, self.instruments as f64)
    }

    /// Scores the year by the published criteria against the year's best.
    pub fn score(&self, best: &Best) -> Scored {
        let rating = match self.ratings {
            0 => 50.0,
            n => ((self.rating_sum as f64 / n as f64 - 1.0) / 4.0 * 100.0).clamp(0.0, 100.0),
        };
        let response = match median(&self.response_hours) {
            None => 100.0,
            Some(h) if h <= 24.0 => 100.0,
            Some(h) if h >= 168.0 => 0.0,
            Some(h) => (168.0 - h) / 144.0 * 100.0,
        };
        let parts = [
            up_to(self.minutes_each(), best.minutes_each),
            up_to(self.external_share(), 0.5),
            up_to(self.income_each(), best.income_each),
            rating,
            response,
        ]
        .map(round1);
        let total: f64 =
            CRITERIA.iter().zip(parts).map(|(c, p)| p * f64::from(c.weight) / 100.0).sum();
        let total = round1(total);
        Scored { parts, total, grade: Grade::of(total) }
    }
}

/// Minutes an instrument is open in `[from, to)` (days), less the blackouts' overlap with its
/// opening hours.
pub fn open_minutes(
    hours: &OpeningHours,
    from: NaiveDate,
    to: NaiveDate,
    blackouts: &[Span],
) -> i64 {
    let mut total = 0;
    let mut day = from;
    while day < to {
        if hours.is_open_on(day.weekday()) {
            let (open, close) = (day.and_time(hours.opens), day.and_time(hours.closes));
            let closed: i64 = blackouts.iter().map(|b| overlap(b, open, close)).sum();
            total += ((close - open).num_minutes() - closed).max(0);
        }
        day += Duration::days(1);
    }
    total
}

fn overlap(b: &Span, from: NaiveDateTime, to: NaiveDateTime) -> i64 {
    (b.end.min(to) - b.start.max(from)).num_minutes().max(0)
}

/// Owners ranked by total, best first (ties by name); each with its place, 1-based.
pub fn rank<T>(
    mut owners: Vec<(T, Scored)>,
    name: impl Fn(&T) -> String,
) -> Vec<(usize, T, Scored)> {
    owners
        .sort_by(|a, b| b.1.total.total_cmp(&a.1.total).then_with(|| name(&a.0).cmp(&name(&b.0))));
    owners.into_iter().enumerate().map(|(i, (t, s))| (i + 1, t, s)).collect()
}

/// The bureau's response to an owner's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Outcome {
    /// 奖励 (e.g. 后补助 for excellent opening).
    Reward,
    /// 警示 (a warning: 通报, 限期整改).
    Warning,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Reward => "reward",
            Self::Warning => "warning",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        [Self::Reward, Self::Warning].into_iter().find(|o| o.code() == s)
    }
}
