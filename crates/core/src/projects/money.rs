//! Money in integer fen (分): parsed from what officials type (元 or 万元, with thousands
//! separators), shown as they expect (12,345.60 元; 1,234.56 万元). Never f64.
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Money(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    Yuan,
    /// 万元 = 10,000 元.
    Wan,
}

impl Unit {
    fn fen(self) -> i64 {
        match self {
            Unit::Yuan => 100,
            Unit::Wan => 1_000_000,
        }
    }
    /// Decimal places the unit allows (to the fen).
    fn places(self) -> usize {
        match self {
            Unit::Yuan => 2,
            Unit::Wan => 6,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("empty")]
    Empty,
    #[error("not a number")]
    NotANumber,
    #[error("negative")]
    Negative,
    #[error("finer than one fen")]
    TooFine,
    #[error("too large")]
    TooLarge,
}

impl Money {
    pub const ZERO: Money = Money(0);
    /// The largest amount the platform takes: 1 万亿元 (10^12 元), far above any budget and far
    /// below where sums of amounts could overflow (92,233 such amounts still fit in an i64).
    pub const MAX: Money = Money(100_000_000_000_000);

    pub fn from_yuan(yuan: i64) -> Money {
        Money(yuan.saturating_mul(100))
    }
    pub fn from_wan(wan: i64) -> Money {
        Money(wan.saturating_mul(1_000_000))
    }
    pub fn fen(self) -> i64 {
        self.0
    }

    /// Parses an amount in `unit`: digits, an optional decimal point, thousands separators
    /// (`,` `，`), surrounding spaces, an optional trailing unit word matching `unit`.
    pub fn parse(text: &str, unit: Unit) -> Result<Money, MoneyError> {
        let mut t = text.trim().replace([',', '，', ' '], "");
        for suffix in ["万元", "元"] {
            if let Some(rest) = t.strip_suffix(suffix) {
                t = rest.to_string();
                break;
            }
        }
        if t.is_empty() {
            return Err(MoneyError::Empty);
        }
        if t.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
        if int.is_empty() && frac.is_empty()
            || !int.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(MoneyError::NotANumber);
        }
        let places = unit.places();
        if frac.len() > places && frac[places..].chars().any(|c| c != '0') {
            return Err(MoneyError::TooFine);
        }
        let frac_digits: String = frac.chars().chain(std::iter::repeat('0')).take(places).collect();
        let int_v: i64 =
            if int.is_empty() { 0 } else { int.parse().map_err(|_| MoneyError::TooLarge)? };
        let frac_v: i64 = frac_digits.parse().map_err(|_| MoneyError::NotANumber)?;
        let scale = 10i64.pow(places as u32);
        let per = unit.fen();
        int_v
            .checked_mul(per)
            .and_then(|a| a.checked_add(frac_v * per / scale))
            .map(Money)
            .filter(|m| *m <= Money::MAX)
            .ok_or(MoneyError::TooLarge)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// `12,345.60` (元, with thousands separators).
    pub fn yuan_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", group(a / 100), a % 100)
    }

    /// `1,234.56` (万元, rounded half up to two places, as budget tables show them).
    pub fn wan_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let hundredths = (a + 5_000) / 10_000; // 0.01 万元 = 10,000 fen
        format!("{sign}{}.{:02}", group(hundredths / 100), hundredths % 100)
    }
}

impl Money {
    /// The exact amount in 万元 for a form field (`12.345678`, no grouping, no rounding), so
    /// a value shown for editing comes back to the fen.
    pub fn wan_exact(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let frac = format!("{:06}", a % 1_000_000);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            format!("{sign}{}", a / 1_000_000)
        } else {
            format!("{sign}{}.{frac}", a / 1_000_000)
        }
    }
}

/// A total never wraps: past the range it sticks at the end, where every limit refuses it
/// (release builds also trap overflow, `overflow-checks = true`, but a total must not panic).
impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.fold(0i64, |total, m| total.saturating_add(m.0)))
    }
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_past_one_trillion_yuan_are_refused_and_totals_never_wrap() {
        // Three lines that once summed (wrapping) to 20 万元.
        assert_eq!(Money::parse("6,148,914,691,243.19", Unit::Wan), Err(MoneyError::TooLarge));
        assert_eq!(Money::parse("100000000", Unit::Wan), Ok(Money::MAX));
        assert_eq!(Money::parse("100000000.000001", Unit::Wan), Err(MoneyError::TooLarge));
        let wrapping = [Money(6_148_914_691_243_190_000); 3];
        assert_eq!(wrapping.iter().copied().sum::<Money>(), Money(i64::MAX));
    }

    proptest::proptest! {
        /// No sequence of amounts the parser accepts makes a total overflow or fall below a line.
        #[test]
        fn no_valid_lines_overflow_a_total(lines in proptest::collection::vec((0u64..=100_000_000u64, 0u32..1_000_000u32), 0..200)) {
            let parsed: Vec<Money> = lines.iter().map(|(wan, frac)| Money::parse(&format!("{wan}.{frac:06}"), Unit::Wan)).filter_map(Result::ok).collect();
            let total: Money = parsed.iter().copied().sum();
            let exact: i128 = parsed.iter().map(|m| i128::from(m.0)).sum();
            proptest::prop_assert_eq!(i128::from(total.0), exact);
            proptest::prop_assert!(parsed.iter().all(|m| *m <= total && *m <= Money::MAX));
        }
    }

    #[test]
    fn parses_what_officials_type() {
        assert_eq!(Money::parse("1,234.5", Unit::Yuan), Ok(Money(123_450)));
        assert_eq!(Money::parse(" 50 万元", Unit::Wan), Ok(Money(50 * 1_000_000)));
        assert_eq!(Money::parse("12.345678", Unit::Wan), Ok(Money(12_345_678)));
        assert_eq!(Money::parse("0.001", Unit::Yuan), Err(MoneyError::TooFine));
        assert_eq!(Money::parse("1.230", Unit::Yuan), Ok(Money(123)));
        assert_eq!(Money::parse("-5", Unit::Yuan), Err(MoneyError::Negative));
        assert_eq!(Money::parse("五十", Unit::Wan), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse("", Unit::Wan), Err(MoneyError::Empty));
        assert_eq!(Money::parse("99999999999999999999", Unit::Wan), Err(MoneyError::TooLarge));
    }

    #[test]
    fn shows_yuan_and_wan() {
        assert_eq!(Money(123_456_789).yuan_text(), "1,234,567.89");
        assert_eq!(Money(123_456_789).wan_text(), "123.46");
        assert_eq!(Money::from_wan(1200).wan_text(), "1,200.00");
        assert_eq!(Money(0).yuan_text(), "0.00");
    }

    proptest::proptest! {
        #[test]
        fn yuan_text_parses_back(fen in 0i64..1_000_000_000_000) {
            proptest::prop_assert_eq!(Money::parse(&Money(fen).yuan_text(), Unit::Yuan), Ok(Money(fen)));
        }
    }

    #[test]
    fn exact_wan_text_round_trips_to_the_fen() {
        for fen in [0, 1, 99, 1_000_000, 7_533_333, 12_345_678] {
            let m = Money(fen);
            assert_eq!(Money::parse(&m.wan_exact(), Unit::Wan).unwrap(), m, "{}", m.wan_exact());
        }
        assert_eq!(Money(7_533_333).wan_exact(), "7.533333");
        assert_eq!(Money(30_000_000).wan_exact(), "30");
    }
}
