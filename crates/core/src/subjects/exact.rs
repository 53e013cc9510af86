//! Exact amounts and ratios: a qualification must never depend on binary floating point
//! (`6` of `100` is exactly 6%, so is `0.3` of `5`).
use std::cmp::Ordering;

/// Millionths of a unit per unit: amounts are read exactly to six decimals.
const SCALE: i128 = 1_000_000;
/// The largest amount accepted (10¹⁰ 万元, far above any enterprise): keeps every product of
/// two amounts and a percentage inside `i128`.
const MAX_UNITS: i128 = 10_000_000_000;

/// A non-negative amount (万元 in the contract) held exactly, in millionths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Amount(i128);

/// Why a number is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("not a number")]
    NotANumber,
    #[error("negative")]
    Negative,
    #[error("more than six decimals")]
    TooPrecise,
    #[error("too large")]
    TooLarge,
}

impl Amount {
    pub const ZERO: Amount = Amount(0);

    /// A whole number of units.
    pub fn whole(units: u32) -> Amount {
        Amount(i128::from(units) * SCALE)
    }

    /// Parses a decimal as JSON or a person writes it: `4500`, `25.20`, `5e3`, `1.5E-1`.
    pub fn parse(text: &str) -> Result<Amount, AmountError> {
        let text = text.trim();
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(at) => {
                let exp: i32 = body[at + 1..].parse().map_err(|_| AmountError::NotANumber)?;
                (&body[..at], exp)
            }
            None => (body, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !digits_ok(whole)
            || !digits_ok(fraction)
            || (mantissa.ends_with('.'))
        {
            return Err(AmountError::NotANumber);
        }
        // value = digits × 10^(exponent − fraction length); kept in millionths.
        let digits = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('0');
        let shift = i64::from(exponent) - fraction.len() as i64 + 6;
        let value = Self::scaled(digits, shift)?;
        if negative && value != 0 {
            return Err(AmountError::Negative);
        }
        Ok(Amount(value))
    }

    /// `digits × 10^shift` as an integer, refusing anything below a millionth or too large.
    fn scaled(digits: &str, shift: i64) -> Result<i128, AmountError> {
        if digits.is_empty() {
            return Ok(0);
        }
        let (kept, dropped) = if shift >= 0 {
            (digits, "")
        } else {
            let cut = digits.len().saturating_sub(shift.unsigned_abs() as usize);
            digits.split_at(cut)
        };
        if dropped.bytes().any(|b| b != b'0') {
            return Err(AmountError::TooPrecise);
        }
        if kept.len() > 30 || shift > 30 {
            return Err(AmountError::TooLarge);
        }
        let mut value: i128 =
            if kept.is_empty() { 0 } else { kept.parse().map_err(|_| AmountError::TooLarge)? };
        for _ in 0..shift.max(0) {
            value = value.checked_mul(10).ok_or(AmountError::TooLarge)?;
        }
        if value > MAX_UNITS * SCALE {
            return Err(AmountError::TooLarge);
        }
        Ok(value)
    }

    /// 万元 from a statistical return's 千元 (stored as a float; read through its shortest
    /// decimal form, so `1234.5` is exactly 123.45). `None` for a negative or non-finite value.
    pub fn wan_of_thousand_yuan(thousands: f64) -> Option<Amount> {
        if !thousands.is_finite() || thousands < 0.0 {
            return None;
        }
        let text = ryu::Buffer::new().format_finite(thousands).to_string();
        let Amount(units) = Amount::parse(&text).ok()?;
        Some(Amount((units + 5) / 10))
    }

    /// The amount in millionths of a unit.
    pub fn millionths(self) -> i128 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Sum of amounts (at most a handful, each capped: cannot overflow).
    pub fn sum(amounts: &[Amount]) -> Amount {
        Amount(amounts.iter().map(|a| a.0).sum())
    }

    /// The amount rounded up to hundredths (分 of a 万元 in the self-evaluation's "needs … more").
    pub fn ceil_hundredths(self) -> Amount {
        let step = SCALE / 100;
        Amount((self.0 + step - 1) / step * step)
    }

    /// The difference, or zero when `other` is larger.
    pub fn saturating_sub(self, other: Amount) -> Amount {
        Amount((self.0 - other.0).max(0))
    }

    /// `percent`% of this amount, exactly (millionths), rounded up.
    pub fn percent_ceil(self, percent: u32) -> Amount {
        let n = self.0 * i128::from(percent);
        Amount((n + 99) / 100)
    }

    /// As a decimal with as many places as it needs (at most six), e.g. `25.2`.
    pub fn to_decimal(self) -> String {
        let whole = self.0 / SCALE;
        let frac = self.0 % SCALE;
        if frac == 0 {
            return whole.to_string();
        }
        let digits = format!("{frac:06}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// An exact non-negative fraction `num / den` (`den > 0`).
#[derive(Debug, Clone, Copy)]
pub struct Frac {
    num: i128,
    den: i128,
}

impl Frac {
    /// `num / den`, `None` when the denominator is zero.
    pub fn of(num: i128, den: i128) -> Option<Frac> {
        (den != 0).then(|| if den < 0 { Frac { num: -num, den: -den } } else { Frac { num, den } })
    }

    /// `a / b` of two amounts.
    pub fn amounts(a: Amount, b: Amount) -> Option<Frac> {
        Frac::of(a.0, b.0)
    }

    /// `a / b` of two counts.
    pub fn counts(a: u32, b: u32) -> Option<Frac> {
        Frac::of(i128::from(a), i128::from(b))
    }

    /// Whether the fraction is at least `percent`% (exact).
    pub fn at_least_percent(self, percent: i128) -> bool {
        self.num * 100 >= percent * self.den
    }

    /// The fraction compared with `percent`%.
    pub fn cmp_percent(self, percent: i128) -> Ordering {
        (self.num * 100).cmp(&(percent * self.den))
    }

    /// Rounded to six decimals (half away from zero), for display only.
    pub fn rounded6(self) -> f64 {
        let scaled = self.num * 2_000_000;
        let q = (scaled.abs() + self.den) / (2 * self.den);
        let q = if scaled < 0 { -q } else { q };
        q as f64 / 1e6
    }

    /// This fraction minus one (a growth rate from a ratio of years).
    pub fn minus_one(self) -> Frac {
        Frac { num: self.num - self.den, den: self.den }
    }

    /// Percent with one decimal for people, e.g. `3.6`.
    pub fn percent_1dp(self) -> String {
        let tenths = {
            let scaled = self.num * 2000;
            let q = (scaled.abs() + self.den) / (2 * self.den);
            if scaled < 0 { -q } else { q }
        };
        let sign = if tenths < 0 { "-" } else { "" };
        format!("{sign}{}.{}", tenths.abs() / 10, tenths.abs() % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly_and_refuse_what_is_not_one() {
        assert_eq!(Amount::parse("0.3").map(|a| a.millionths()), Ok(300_000));
        assert_eq!(Amount::parse("5e3"), Ok(Amount::whole(5000)));
        assert_eq!(Amount::parse("1.5E-1").map(|a| a.millionths()), Ok(150_000));
        assert_eq!(Amount::parse("25.20").map(Amount::to_decimal).as_deref(), Ok("25.2"));
        assert_eq!(Amount::parse("-0"), Ok(Amount::ZERO));
        assert_eq!(Amount::parse("-1"), Err(AmountError::Negative));
        assert_eq!(Amount::parse("0.0000001"), Err(AmountError::TooPrecise));
        assert_eq!(Amount::parse("0.00000010"), Err(AmountError::TooPrecise));
        assert_eq!(Amount::parse("1.000000000"), Ok(Amount::whole(1)));
        assert_eq!(Amount::parse("1e11"), Err(AmountError::TooLarge));
        assert_eq!(Amount::parse("1e400"), Err(AmountError::TooLarge));
        for bad in ["", "abc", "1.", ".5", "1e", "--1", "1,5", "0x10", "１"] {
            assert_eq!(Amount::parse(bad), Err(AmountError::NotANumber), "{bad}");
        }
    }

    #[test]
    fn ratios_compare_exactly() {
        let r = |a: &str, b: &str| {
            Frac::amounts(
                Amount::parse(a).unwrap_or_default(),
                Amount::parse(b).unwrap_or_default(),
            )
        };
        assert!(r("6", "100").is_some_and(|f| f.at_least_percent(6)));
        assert!(r("0.3", "5").is_some_and(|f| f.at_least_percent(6)));
        assert!(r("0.29", "5").is_some_and(|f| !f.at_least_percent(6)));
        assert!(r("1", "0").is_none());
        assert_eq!(r("4000", "3000").map(|f| f.minus_one().rounded6()), Some(0.333333));
        assert_eq!(r("2", "3").map(Frac::rounded6), Some(0.666667));
        assert_eq!(r("36", "1000").map(Frac::percent_1dp).as_deref(), Some("3.6"));
        assert_eq!(Amount::whole(1200).percent_ceil(4).to_decimal(), "48");
        let wan = |k: f64| Amount::wan_of_thousand_yuan(k).map(Amount::to_decimal);
        assert_eq!(wan(1234.5).as_deref(), Some("123.45"));
        assert_eq!(wan(45_000.0).as_deref(), Some("4500"));
        assert_eq!(wan(0.1).as_deref(), Some("0.01"));
        assert_eq!(wan(-1.0), None);
        assert_eq!(wan(f64::NAN), None);
    }
}
