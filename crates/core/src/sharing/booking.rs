//! The checks a booking must pass, and what it costs. A booking holds its instrument from its
//! start to its end plus the rules' buffer; two holds of one instrument never meet.
use super::instruments::{BookingRules, OpeningHours};
use crate::projects::money::Money;
use chrono::{Datelike, Duration, NaiveDateTime};

/// A stretch of time on the platform's clock (local time), end excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

impl Span {
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }
    pub fn meets(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
    /// The time the instrument is held: the span and the buffer after it.
    pub fn held(&self, rules: &BookingRules) -> Span {
        Span { start: self.start, end: self.end + Duration::minutes(rules.buffer_minutes.into()) }
    }
}

/// Time the instrument cannot be booked: maintenance or another blackout, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blackout {
    pub span: Span,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum QuotaPeriod {
    Day,
    Week,
    Month,
}

impl QuotaPeriod {
    pub fn code(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
    fn contains(self, a: NaiveDateTime, b: NaiveDateTime) -> bool {
        let (a, b) = (a.date(), b.date());
        match self {
            Self::Day => a == b,
            Self::Week => a.iso_week() == b.iso_week(),
            Self::Month => a.year() == b.year() && a.month() == b.month(),
        }
    }
}

/// Why a booking is refused, with what the user needs to choose another time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingRefusal {
    /// The end is not after the start.
    Order,
    /// The start has passed.
    Past,
    /// Less notice than the owner asks.
    Notice {
        hours: u32,
    },
    TooShort {
        minutes: u32,
    },
    TooLong {
        minutes: u32,
    },
    /// Outside the opening hours or on a closed day (a booking lies within one day's hours).
    Closed {
        hours: OpeningHours,
    },
    Blackout {
        span: Span,
        reason: String,
    },
    /// Another booking holds the instrument (its span, buffer included).
    Overlap {
        span: Span,
    },
    /// Over the user's quota on this instrument.
    Quota {
        period: QuotaPeriod,
        limit: u32,
        used: u32,
    },
    /// The instrument takes no bookings now (paused or retired by its owner).
    NotOpen,
}

/// What a request is checked against: the time, the instrument's hours and rules, what holds it,
/// and the requester's own holds on it (for the quotas).
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    pub now: NaiveDateTime,
    pub hours: &'a OpeningHours,
    pub rules: &'a BookingRules,
    /// Held spans of the instrument's current bookings (buffer included).
    pub held: &'a [Span],
    pub blackouts: &'a [Blackout],
    /// The requester's own current bookings of the instrument.
    pub mine: &'a [Span],
}

/// Checks a requested span; the first rule it breaks, in the order a person would fix them.
pub fn check(req: Span, s: &Situation<'_>) -> Result<(), BookingRefusal> {
    if req.end <= req.start {
        return Err(BookingRefusal::Order);
    }
    if req.start < s.now {
        return Err(BookingRefusal::Past);
    }
    if req.start < s.now + Duration::hours(s.rules.notice_hours.into()) {
        return Err(BookingRefusal::Notice { hours: s.rules.notice_hours });
    }
    let minutes = req.minutes();
    if minutes < i64::from(s.rules.min_minutes) {
        return Err(BookingRefusal::TooShort { minutes: s.rules.min_minutes });
    }
    if minutes > i64::from(s.rules.max_minutes) {
        return Err(BookingRefusal::TooLong { minutes: s.rules.max_minutes });
    }
    let within = req.start.date() == req.end.date()
        && s.hours.is_open_on(req.start.weekday())
        && req.start.time() >= s.hours.opens
        && req.end.time() <= s.hours.closes;
    if !within {
        return Err(BookingRefusal::Closed { hours: *s.hours });
    }
    if let Some(b) = s.blackouts.iter().find(|b| b.span.meets(&req)) {
        return Err(BookingRefusal::Blackout { span: b.span, reason: b.reason.clone() });
    }
    let held = req.held(s.rules);
    if let Some(other) = s.held.iter().find(|h| h.meets(&held)) {
        return Err(BookingRefusal::Overlap { span: *other });
    }
    let quotas = [
        (QuotaPeriod::Day, s.rules.quota_day),
        (QuotaPeriod::Week, s.rules.quota_week),
        (QuotaPeriod::Month, s.rules.quota_month),
    ];
    for (period, limit) in quotas {
        let Some(limit) = limit else { continue };
        let used: i64 =
            s.mine.iter().filter(|m| period.contains(m.start, req.start)).map(Span::minutes).sum();
        if used + minutes > i64::from(limit) {
            let used = u32::try_from(used).unwrap_or(u32::MAX);
            return Err(BookingRefusal::Quota { period, limit, used });
        }
    }
    Ok(())
}

/// The fee for `minutes` at `per_hour`, to the fen (half up); `None` past any real amount.
pub fn fee(per_hour: Money, minutes: i64) -> Option<Money> {
    let fen = per_hour.fen().checked_mul(minutes.max(0))?.checked_add(30)? / 60;
    (fen <= Money::MAX.fen()).then_some(Money(fen))
}

/// The minutes a closed booking is charged: what was booked, or more when it ran over.
pub fn charged_minutes(booked: Span, actual: Span) -> i64 {
    booked.minutes().max(actual.minutes())
}

/// Whether cancelling at `now` is late under the rules (recorded against the booker).
pub fn is_late_cancel(now: NaiveDateTime, start: NaiveDateTime, rules: &BookingRules) -> bool {
    now + Duration::hours(rules.cancel_hours.into()) > start
}

/// Whether a typed day is one the platform books or settles: years 2000 to 2100 (outside them
/// date arithmetic could overflow, and no booking is meant).
pub fn usable_date(d: chrono::NaiveDate) -> bool {
    (2000..=2100).contains(&d.year())
}

/// A booking as typed: a day, a start and an end time on it, what for, and which samples.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct BookingForm {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub from: String,
    /// `HH:MM`, after `from` on the same day.
    pub to: String,
    pub purpose: String,
    #[serde(default)]
    pub samples: String,
    /// The number of one of the booker's vouchers to pay with; empty for none.
    #[serde(default)]
    pub voucher: String,
}

/// A booking request read from its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    pub span: Span,
    pub purpose: String,
    pub samples: String,
    pub voucher: Option<String>,
}

impl BookingForm {
    pub fn parse(&self) -> Result<Requested, Vec<crate::orgs::FieldError>> {
        use crate::orgs::FieldError;
        let mut e = Vec::new();
        let mut problem = |field, key, arg: &str| {
            e.push(FieldError { field, key, args: vec![arg.trim().to_string()] });
        };
        let date = chrono::NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| usable_date(*d))
            .ok_or(());
        if date.is_err() {
            problem("date", "sharing.err.date", &self.date);
        }
        let time = |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M");
        let (from, to) = (time(&self.from), time(&self.to));
        if from.is_err() {
            problem("from", "sharing.err.time", &self.from);
        }
        if to.is_err() {
            problem("to", "sharing.err.time", &self.to);
        }
        let purpose = self.purpose.trim();
        if purpose.is_empty() {
            problem("purpose", "err.required", "");
        } else if purpose.chars().count() > 500 {
            problem("purpose", "err.too_long", "500");
        }
        if self.samples.trim().chars().count() > 500 {
            problem("samples", "err.too_long", "500");
        }
        match (date, from, to) {
            (Ok(d), Ok(f), Ok(t)) if e.is_empty() => Ok(Requested {
                span: Span { start: d.and_time(f), end: d.and_time(t) },
                purpose: purpose.to_string(),
                samples: self.samples.trim().to_string(),
                voucher: Some(self.voucher.trim().to_string()).filter(|v| !v.is_empty()),
            }),
            _ => Err(e),
        }
    }
}
