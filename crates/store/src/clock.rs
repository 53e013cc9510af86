//! The platform's one clock. Every date and deadline (a call's window, a review's due date, a
//! statistics period, a token's expiry) and every stored timestamp is read from it, in the
//! platform's configured time zone — so the bureau's "today" is the same on every page whatever
//! zone the server runs in. Tests move it (a deadline passing) instead of waiting.
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// China Standard Time, UTC+08:00 (Asia/Shanghai has kept it all year since 1991).
const BEIJING_SECS: i32 = 8 * 3600;

#[derive(Clone, Debug)]
pub struct Clock {
    zone: FixedOffset,
    /// How far tests have moved the clock, in milliseconds; shared by every copy of the clock.
    shift_ms: Arc<AtomicI64>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new(beijing())
    }
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(BEIJING_SECS).unwrap_or(Utc.fix())
}

impl Clock {
    pub fn new(zone: FixedOffset) -> Self {
        Clock { zone, shift_ms: Arc::default() }
    }

    /// The platform's time zone.
    pub fn zone(&self) -> FixedOffset {
        self.zone
    }

    /// Now, in the platform's time zone.
    pub fn now(&self) -> DateTime<FixedOffset> {
        #[allow(clippy::disallowed_methods)] // the one place the system time is read
        let system = Utc::now();
        let shifted =
            system + chrono::Duration::milliseconds(self.shift_ms.load(Ordering::Relaxed));
        shifted.with_timezone(&self.zone)
    }

    /// Milliseconds since the Unix epoch; every timestamp we store is one of these.
    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    /// Today's date in the platform's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    pub fn year(&self) -> i32 {
        self.today().year()
    }

    /// The date of a stored timestamp, in the platform's time zone.
    pub fn date_of_ms(&self, ms: i64) -> Option<NaiveDate> {
        DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&self.zone).date_naive())
    }

    /// A stored timestamp as the platform's local time (a booking's start on the calendar).
    pub fn local_of_ms(&self, ms: i64) -> Option<chrono::NaiveDateTime> {
        DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&self.zone).naive_local())
    }

    /// A local time of the platform as a stored timestamp.
    pub fn ms_of_local(&self, local: chrono::NaiveDateTime) -> i64 {
        (local - chrono::Duration::seconds(self.zone.local_minus_utc().into()))
            .and_utc()
            .timestamp_millis()
    }

    /// Now, as the platform's local time.
    pub fn now_local(&self) -> chrono::NaiveDateTime {
        self.now().naive_local()
    }

    /// Moves the clock (for every copy of it) forward, or back with a negative duration. For tests
    /// and demonstrations: a deadline passing, a token expiring.
    pub fn advance(&self, by: chrono::Duration) {
        self.shift_ms.fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

/// Reads a time zone setting: `Asia/Shanghai` (the default) or the other zones used in China, `UTC`,
/// or an offset such as `+08:00`.
pub fn parse_zone(s: &str) -> Result<FixedOffset, String> {
    let s = s.trim();
    let hours = match s {
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "Asia/Hong_Kong" | "Asia/Macau"
        | "Asia/Taipei" | "PRC" => Some(8),
        "Asia/Urumqi" | "Asia/Kashgar" => Some(6),
        "UTC" | "Etc/UTC" | "Z" => Some(0),
        _ => None,
    };
    if let Some(h) = hours {
        return FixedOffset::east_opt(h * 3600).ok_or_else(|| s.to_string());
    }
    let bad = || format!("time zone {s:?}: expected Asia/Shanghai, UTC or an offset like +08:00");
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_read_by_name_or_offset_and_bad_ones_named() {
        assert_eq!(parse_zone("Asia/Shanghai").unwrap().local_minus_utc(), 8 * 3600);
        assert_eq!(parse_zone("+05:30").unwrap().local_minus_utc(), 5 * 3600 + 1800);
        assert_eq!(parse_zone("-03").unwrap().local_minus_utc(), -3 * 3600);
        assert_eq!(parse_zone("UTC").unwrap().local_minus_utc(), 0);
        for bad in ["", "Beijing", "+25:00", "+08:61", "8", "+x"] {
            assert!(parse_zone(bad).unwrap_err().contains("time zone"), "{bad}");
        }
    }

    #[test]
    fn beijing_dates_turn_at_beijing_midnight_and_every_copy_moves_together() {
        let clock = Clock::default();
        let copy = clock.clone();
        let before = copy.today();
        clock.advance(chrono::Duration::days(3));
        assert_eq!(copy.today(), before + chrono::Days::new(3));
        // 2026-12-04 23:30 UTC is already 5 December in Beijing.
        let ms = DateTime::parse_from_rfc3339("2026-12-04T23:30:00Z").unwrap().timestamp_millis();
        assert_eq!(clock.date_of_ms(ms), NaiveDate::from_ymd_opt(2026, 12, 5));
        let utc = Clock::new(parse_zone("UTC").unwrap());
        assert_eq!(utc.date_of_ms(ms), NaiveDate::from_ymd_opt(2026, 12, 4));
    }
}
