//! Period codes (DHIS2's): year `2024`, half `2024S1`, quarter `2024Q3`, month `202409`.
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Period {
    Year(i32),
    Half(i32, u8),
    Quarter(i32, u8),
    Month(i32, u8),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a period code (2024, 2024S1, 2024Q3, 202409)")]
pub struct PeriodError(pub String);

impl Period {
    pub fn parse(s: &str) -> Result<Self, PeriodError> {
        let err = || PeriodError(s.to_string());
        let s = s.trim();
        // Codes are ASCII; anything else is no code (and would not split at a byte).
        if !s.is_ascii() {
            return Err(err());
        }
        let year = |y: &str| y.parse::<i32>().ok().filter(|y| (1900..=2999).contains(y));
        if s.len() == 4 {
            return year(s).map(Period::Year).ok_or_else(err);
        }
        if s.len() == 6 {
            let (y, rest) = s.split_at(4);
            let y = year(y).ok_or_else(err)?;
            if let Some(h) = rest.strip_prefix('S') {
                return h
                    .parse()
                    .ok()
                    .filter(|h| (1..=2).contains(h))
                    .map(|h| Period::Half(y, h))
                    .ok_or_else(err);
            }
            if let Some(q) = rest.strip_prefix('Q') {
                return q
                    .parse()
                    .ok()
                    .filter(|q| (1..=4).contains(q))
                    .map(|q| Period::Quarter(y, q))
                    .ok_or_else(err);
            }
            if rest.bytes().all(|b| b.is_ascii_digit()) {
                return rest
                    .parse()
                    .ok()
                    .filter(|m| (1..=12).contains(m))
                    .map(|m| Period::Month(y, m))
                    .ok_or_else(err);
            }
        }
        Err(err())
    }

    pub fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Half(y, _) | Period::Quarter(y, _) | Period::Month(y, _) => y,
        }
    }

    /// The period before this one, of the same kind.
    pub fn previous(self) -> Self {
        match self {
            Period::Year(y) => Period::Year(y - 1),
            Period::Half(y, 1) => Period::Half(y - 1, 2),
            Period::Half(y, h) => Period::Half(y, h - 1),
            Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::Quarter(y, q - 1),
            Period::Month(y, 1) => Period::Month(y - 1, 12),
            Period::Month(y, m) => Period::Month(y, m - 1),
        }
    }
}

impl Period {
    /// How many periods of this kind a year has.
    fn per_year(self) -> i32 {
        match self {
            Period::Year(_) => 1,
            Period::Half(..) => 2,
            Period::Quarter(..) => 4,
            Period::Month(..) => 12,
        }
    }

    /// 1-based index within the year (1 for a year).
    fn index(self) -> i32 {
        match self {
            Period::Year(_) => 1,
            Period::Half(_, n) | Period::Quarter(_, n) | Period::Month(_, n) => n as i32,
        }
    }

    fn with(self, year: i32, index: i32) -> Period {
        match self {
            Period::Year(_) => Period::Year(year),
            Period::Half(..) => Period::Half(year, index as u8),
            Period::Quarter(..) => Period::Quarter(year, index as u8),
            Period::Month(..) => Period::Month(year, index as u8),
        }
    }

    /// The period `n` steps away, of the same kind (`periodOffset(n)` in formulas).
    pub fn offset(self, n: i32) -> Period {
        let per = self.per_year();
        let linear = self.year() * per + (self.index() - 1) + n;
        self.with(linear.div_euclid(per), linear.rem_euclid(per) + 1)
    }

    /// The periods of this kind from the start of its year up to and including it.
    pub fn year_to_date(self) -> Vec<Period> {
        (1..=self.index()).map(|i| self.with(self.year(), i)).collect()
    }

    /// First and last month (1–12) the period covers.
    pub fn months(self) -> (u8, u8) {
        match self {
            Period::Year(_) => (1, 12),
            Period::Half(_, h) => (h * 6 - 5, h * 6),
            Period::Quarter(_, q) => (q * 3 - 2, q * 3),
            Period::Month(_, m) => (m, m),
        }
    }

    /// The first and last day the period covers.
    pub fn days(self) -> (chrono::NaiveDate, chrono::NaiveDate) {
        let (first, last) = self.months();
        let year = self.year();
        let start = chrono::NaiveDate::from_ymd_opt(year, u32::from(first), 1);
        let next = if last == 12 {
            chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            chrono::NaiveDate::from_ymd_opt(year, u32::from(last) + 1, 1)
        };
        let end = next.and_then(|d| d.pred_opt());
        // Years are 1900–2999 (`parse`), so both days exist.
        (start.unwrap_or_default(), end.unwrap_or_default())
    }

    /// The days from the first of its year to its last (本年累计: a quarter's year to date).
    pub fn year_to_date_days(self) -> (chrono::NaiveDate, chrono::NaiveDate) {
        (Period::Year(self.year()).days().0, self.days().1)
    }

    /// The share of its year run by the period's end: 0.25 for Q1, 0.5 for S1, 1 for a year.
    pub fn year_share(self) -> f64 {
        f64::from(self.months().1) / 12.0
    }

    /// The quarters and halves of a year up to `last` month (1–12), in order: 2026Q1, 2026S1 …
    pub fn within_year(year: i32, last_month: u8) -> Vec<Period> {
        let mut out = Vec::new();
        for q in 1..=4u8 {
            if q * 3 <= last_month {
                out.push(Period::Quarter(year, q));
                if q % 2 == 0 {
                    out.push(Period::Half(year, q / 2));
                }
            }
        }
        out
    }

    /// Whether `other` lies within this period (a quarter within its year, a month within its quarter).
    pub fn contains(self, other: Period) -> bool {
        let (a, b) = self.months();
        let (c, d) = other.months();
        self.year() == other.year() && a <= c && d <= b
    }
}

/// A bare year is that year.
impl From<i32> for Period {
    fn from(year: i32) -> Self {
        Period::Year(year)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Half(y, h) => write!(f, "{y}S{h}"),
            Period::Quarter(y, q) => write!(f, "{y}Q{q}"),
            Period::Month(y, m) => write!(f, "{y}{m:02}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn days_year_to_date_and_the_periods_of_a_year_so_far() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(Period::Quarter(2026, 1).days(), (d("2026-01-01"), d("2026-03-31")));
        assert_eq!(Period::Half(2026, 2).days(), (d("2026-07-01"), d("2026-12-31")));
        assert_eq!(Period::Month(2024, 2).days(), (d("2024-02-01"), d("2024-02-29")));
        assert_eq!(
            Period::Quarter(2026, 3).year_to_date_days(),
            (d("2026-01-01"), d("2026-09-30"))
        );
        assert_eq!(Period::Half(2026, 1).year_share(), 0.5);
        assert_eq!(Period::Year(2026).year_share(), 1.0);
        let codes: Vec<String> =
            Period::within_year(2026, 9).iter().map(|p| p.to_string()).collect();
        assert_eq!(codes, ["2026Q1", "2026Q2", "2026S1", "2026Q3"]);
        assert_eq!(Period::within_year(2026, 2), Vec::<Period>::new());
        assert_eq!(Period::within_year(2025, 12).len(), 6);
    }

    #[test]
    fn parses_and_steps_back() {
        assert_eq!(Period::parse("2024Q1").unwrap().previous(), Period::Quarter(2023, 4));
        assert_eq!(Period::parse("202401").unwrap().previous().to_string(), "202312");
        assert!(Period::parse("2024Q5").is_err());
        assert!(Period::parse("202413").is_err());
        assert!(Period::parse("24").is_err());
        assert!(Period::parse("20€1").is_err(), "six bytes, not a code");
        assert!(Period::parse("２０２６Q1").is_err());
    }

    #[test]
    fn offsets_year_to_date_and_containment() {
        assert_eq!(Period::Quarter(2024, 1).offset(-1), Period::Quarter(2023, 4));
        assert_eq!(Period::Month(2024, 11).offset(3), Period::Month(2025, 2));
        assert_eq!(Period::Year(2024).offset(-4), Period::Year(2020));
        assert_eq!(Period::Half(2024, 2).offset(1), Period::Half(2025, 1));
        assert_eq!(
            Period::Quarter(2024, 3).year_to_date(),
            vec![Period::Quarter(2024, 1), Period::Quarter(2024, 2), Period::Quarter(2024, 3)]
        );
        assert!(Period::Year(2024).contains(Period::Month(2024, 7)));
        assert!(Period::Half(2024, 2).contains(Period::Quarter(2024, 3)));
        assert!(!Period::Quarter(2024, 2).contains(Period::Month(2024, 7)));
        assert!(!Period::Year(2024).contains(Period::Quarter(2025, 1)));
    }

    proptest! {
        #[test]
        fn offset_and_back_is_identity(y in 1950i32..2100, n in 1u8..13, k in -50i32..50) {
            let p = Period::Month(y, n);
            prop_assert_eq!(p.offset(k).offset(-k), p);
            prop_assert_eq!(p.offset(-1), p.previous());
            let q = Period::Quarter(y, 1 + n % 4);
            prop_assert_eq!(q.offset(k).offset(-k), q);
        }

        #[test]
        fn display_round_trips(y in 1900i32..2999, k in 0u8..4, n in 1u8..13) {
            let p = match k { 0 => Period::Year(y), 1 => Period::Half(y, 1 + n % 2), 2 => Period::Quarter(y, 1 + n % 4), _ => Period::Month(y, n) };
            prop_assert_eq!(Period::parse(&p.to_string()).unwrap(), p);
        }
    }
}
