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
        let year = |y: &str| y.parse::<i32>().ok().filter(|y| (1900..=2999).contains(y));
        if s.len() == 4 {
            return year(s).map(Period::Year).ok_or_else(err);
        }
        if s.len() == 6 {
            let (y, rest) = s.split_at(4);
            let y = year(y).ok_or_else(err)?;
            if let Some(h) = rest.strip_prefix('S') {
                return h.parse().ok().filter(|h| (1..=2).contains(h)).map(|h| Period::Half(y, h)).ok_or_else(err);
            }
            if let Some(q) = rest.strip_prefix('Q') {
                return q.parse().ok().filter(|q| (1..=4).contains(q)).map(|q| Period::Quarter(y, q)).ok_or_else(err);
            }
            if rest.bytes().all(|b| b.is_ascii_digit()) {
                return rest.parse().ok().filter(|m| (1..=12).contains(m)).map(|m| Period::Month(y, m)).ok_or_else(err);
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
    fn parses_and_steps_back() {
        assert_eq!(Period::parse("2024Q1").unwrap().previous(), Period::Quarter(2023, 4));
        assert_eq!(Period::parse("202401").unwrap().previous().to_string(), "202312");
        assert!(Period::parse("2024Q5").is_err());
        assert!(Period::parse("202413").is_err());
        assert!(Period::parse("24").is_err());
    }

    proptest! {
        #[test]
        fn display_round_trips(y in 1900i32..2999, k in 0u8..4, n in 1u8..13) {
            let p = match k { 0 => Period::Year(y), 1 => Period::Half(y, 1 + n % 2), 2 => Period::Quarter(y, 1 + n % 4), _ => Period::Month(y, n) };
            prop_assert_eq!(Period::parse(&p.to_string()).unwrap(), p);
        }
    }
}
