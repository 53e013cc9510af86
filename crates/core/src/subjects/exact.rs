//! Exact amounts and ratios: a qualification must never depend on binary floating point
//! (`6` of `100` is exactly 6%, so is `0.3` of `5`).
use std::cmp::Ordering;

/// Millionths of a unit per unit: amounts are read exactly to six decimals.
const SCALE: i128 = 1_000_000;
/// The largest amount accepted (10¹² 万元, far above any enterprise): keeps every product of two
/// amounts inside `i128` (comparisons of such products with percentages are widened).
const MAX_UNITS: i128 = 1_000_000_000_000;

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
        // The common case — no exponent, at most six decimals — without an allocation.
        if exponent == 0 && fraction.len() <= 6 && whole.len() <= 18 {
            let w: i128 = whole.parse().map_err(|_| AmountError::NotANumber)?;
            let f: i128 = match fraction {
                "" => 0,
                f => {
                    f.parse::<i128>().map_err(|_| AmountError::NotANumber)?
                        * 10i128.pow(6 - f.len() as u32)
                }
            };
            let value = w * SCALE + f;
            if value > MAX_UNITS * SCALE {
                return Err(AmountError::TooLarge);
            }
            if negative && value != 0 {
                return Err(AmountError::Negative);
            }
            return Ok(Amount(value));
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

    /// `percent`% of this amount, to the hundredth below (a share people would write down).
    pub fn percent_hundredths(self, percent: u32) -> Amount {
        let step = SCALE / 100;
        Amount(self.0 * i128::from(percent) / 100 / step * step)
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

/// An exact fraction `num / den` (`den > 0`).
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

    /// The fraction compared with `percent`% (exact, whatever the sizes).
    pub fn cmp_percent(self, percent: i128) -> Ordering {
        cmp_products(self.num, 100, percent, self.den)
    }

    /// Whether the fraction is at least `percent`%.
    pub fn at_least_percent(self, percent: i128) -> bool {
        self.cmp_percent(percent).is_ge()
    }

    /// This fraction minus one (a growth rate from a ratio of years).
    pub fn minus_one(self) -> Frac {
        Frac { num: self.num - self.den, den: self.den }
    }

    /// The exact decimal rounded to `places` (half away from zero), trailing zeros dropped:
    /// `0.229167`, `0.06`, `-0.5`, `777777777777.666667`.
    pub fn decimal(self, places: u32) -> String {
        let negative = self.num < 0;
        let n = self.num.unsigned_abs();
        let den = self.den.unsigned_abs();
        let mut whole = n / den;
        let mut rest = n % den;
        let mut frac: u128 = 0;
        for _ in 0..places {
            rest *= 10;
            frac = frac * 10 + rest / den;
            rest %= den;
        }
        if 2 * rest >= den {
            frac += 1;
            if frac == 10u128.pow(places) {
                frac = 0;
                whole += 1;
            }
        }
        let sign = if negative && (whole != 0 || frac != 0) { "-" } else { "" };
        if frac == 0 {
            return format!("{sign}{whole}");
        }
        let digits = format!("{frac:0width$}", width = places as usize);
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }

    /// As a percentage with one decimal for people, e.g. `3.6`, `18.0`.
    pub fn percent_1dp(self) -> String {
        let g = gcd(self.den.unsigned_abs(), 100) as i128;
        // Saturates only beyond 10³⁶ %: display, never a panic.
        let text = Frac { num: self.num.saturating_mul(100 / g), den: self.den / g }.decimal(1);
        if text.contains('.') { text } else { format!("{text}.0") }
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `a·b` compared with `c·d`, exactly, for any `i128`s (products widened to 256 bits).
pub fn cmp_products(a: i128, b: i128, c: i128, d: i128) -> Ordering {
    let sign = |x: i128, y: i128| (x.signum() * y.signum()) as i8;
    let (left, right) = (sign(a, b), sign(c, d));
    if left != right {
        return left.cmp(&right);
    }
    let magnitude =
        wide(a.unsigned_abs(), b.unsigned_abs()).cmp(&wide(c.unsigned_abs(), d.unsigned_abs()));
    if left < 0 { magnitude.reverse() } else { magnitude }
}

/// `x·y` as (high, low) 128-bit halves.
fn wide(x: u128, y: u128) -> (u128, u128) {
    let mask = u128::from(u64::MAX);
    let (x1, x0) = (x >> 64, x & mask);
    let (y1, y0) = (y >> 64, y & mask);
    let p00 = x0 * y0;
    let p01 = x0 * y1;
    let p10 = x1 * y0;
    let p11 = x1 * y1;
    let middle = (p00 >> 64) + (p01 & mask) + (p10 & mask);
    let low = (p00 & mask) | (middle << 64);
    let high = p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64);
    (high, low)
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
        assert_eq!(Amount::parse("1e12"), Ok(Amount(MAX_UNITS * SCALE)));
        assert_eq!(Amount::parse("1e13"), Err(AmountError::TooLarge));
        assert_eq!(Amount::parse("1e400"), Err(AmountError::TooLarge));
        for bad in ["", "abc", "1.", ".5", "1e", "--1", "1,5", "0x10", "１"] {
            assert_eq!(Amount::parse(bad), Err(AmountError::NotANumber), "{bad}");
        }
    }

    #[test]
    fn huge_amounts_compare_exactly_and_never_overflow() {
        let big = Amount::parse("1e12").unwrap_or_default();
        let cent = Amount::parse("0.01").unwrap_or_default();
        // A growth of (Y2² + Y1·Y3) / (2·Y1·Y2) with Y1 a cent and Y2 = Y3 = 10¹² 万元.
        let (a, b) = (cent.millionths(), big.millionths());
        let f = Frac::of(b * b + a * b, 2 * a * b).unwrap_or(Frac { num: 0, den: 1 });
        assert!(f.at_least_percent(135));
        assert_eq!(f.minus_one().decimal(6), "49999999999999.5");
        assert_eq!(f.percent_1dp(), "5000000000000050.0");
        assert_eq!(cmp_products(i128::MAX, 2, i128::MAX, 3), Ordering::Less);
        assert_eq!(cmp_products(-i128::MAX, 2, i128::MAX, -2), Ordering::Equal);
        assert_eq!(cmp_products(-1, 2, 1, 2), Ordering::Less);
        assert_eq!(cmp_products(0, 5, -1, 1), Ordering::Greater);
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
        assert_eq!(
            r("4000", "3000").map(|f| f.minus_one().decimal(6)).as_deref(),
            Some("0.333333")
        );
        assert_eq!(r("2", "3").map(|f| f.decimal(6)).as_deref(), Some("0.666667"));
        assert_eq!(r("3", "50").map(|f| f.decimal(6)).as_deref(), Some("0.06"));
        assert_eq!(r("1", "1").map(|f| f.minus_one().decimal(6)).as_deref(), Some("0"));
        assert_eq!(r("1", "2").map(|f| f.minus_one().decimal(6)).as_deref(), Some("-0.5"));
        assert_eq!(
            Frac::of(-1_234_565, 10_000_000).map(|f| f.decimal(6)).as_deref(),
            Some("-0.123457")
        );
        assert_eq!(Frac::of(99_999_995, 100_000_000).map(|f| f.decimal(6)).as_deref(), Some("1"));
        assert_eq!(Frac::of(-1, 10_000_000).map(|f| f.decimal(6)).as_deref(), Some("0"));
        assert_eq!(r("36", "1000").map(Frac::percent_1dp).as_deref(), Some("3.6"));
        assert_eq!(r("18", "100").map(Frac::percent_1dp).as_deref(), Some("18.0"));
        assert_eq!(Amount::whole(1200).percent_ceil(4).to_decimal(), "48");
        let wan = |k: f64| Amount::wan_of_thousand_yuan(k).map(Amount::to_decimal);
        assert_eq!(wan(1234.5).as_deref(), Some("123.45"));
        assert_eq!(wan(45_000.0).as_deref(), Some("4500"));
        assert_eq!(wan(0.1).as_deref(), Some("0.01"));
        assert_eq!(wan(-1.0), None);
        assert_eq!(wan(f64::NAN), None);
    }
}
