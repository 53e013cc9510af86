//! Reading a value typed into a cell, an XLSX file or a CSV line, by the element's value type.
use super::{DataElement, ValueType};

/// A value as stored: numbers (and months, as `YYYYMM`) in `num`, everything else in `text`.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Num(f64),
    Text(String),
}

impl Stored {
    pub fn num(&self) -> Option<f64> {
        match self {
            Stored::Num(v) => Some(*v),
            Stored::Text(_) => None,
        }
    }
    /// The value as the entry form shows it (no thousands separators, so it reads back).
    pub fn to_input(&self) -> String {
        match self {
            Stored::Num(v) => format_plain(*v),
            Stored::Text(t) => t.clone(),
        }
    }
}

/// `1234.5` → "1234.5", `12.0` → "12": the shortest text that reads back as the same number.
pub fn format_plain(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// Why a value was refused: a message key and its arguments (the web layer translates).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key} {args:?}")]
pub struct ValueError {
    pub key: &'static str,
    pub args: Vec<String>,
}

fn err(key: &'static str, args: Vec<String>) -> ValueError {
    ValueError { key, args }
}

/// The longest text a text cell takes.
pub const MAX_TEXT: usize = 500;

impl DataElement {
    /// Reads a value; an empty cell is `None` (a value cleared). Accepts what people type in
    /// Excel: thousands separators, full-width digits, a trailing `%` for percentages.
    pub fn parse_value(&self, raw: &str) -> Result<Option<Stored>, ValueError> {
        let text: String = raw.trim().chars().map(half_width).collect();
        if text.is_empty() {
            return Ok(None);
        }
        let stored = match self.value_type {
            ValueType::Integer => {
                let v = self.non_negative(raw, number(raw, &text)?)?;
                if v.fract() != 0.0 {
                    return Err(err("err.value.not_integer", vec![raw.trim().to_string()]));
                }
                Stored::Num(v)
            }
            ValueType::Number | ValueType::MoneyThousand => {
                Stored::Num(self.non_negative(raw, number(raw, &text)?)?)
            }
            ValueType::Percentage => {
                Stored::Num(self.non_negative(raw, number(raw, text.trim_end_matches('%'))?)?)
            }
            ValueType::YearMonth => year_month(raw, &text)?,
            ValueType::Date => {
                match chrono::NaiveDate::parse_from_str(&text.replace('/', "-"), "%Y-%m-%d") {
                    Ok(d) => Stored::Text(d.format("%Y-%m-%d").to_string()),
                    Err(_) => return Err(err("err.value.not_date", vec![raw.trim().to_string()])),
                }
            }
            ValueType::Option => self.option(raw, &text)?,
            ValueType::Text => {
                if text.chars().count() > MAX_TEXT {
                    return Err(err("err.value.too_long", vec![MAX_TEXT.to_string()]));
                }
                if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
                    return Err(err("err.control", vec![]));
                }
                Stored::Text(raw.trim().to_string())
            }
        };
        Ok(Some(stored))
    }

    fn non_negative(&self, raw: &str, v: f64) -> Result<f64, ValueError> {
        if v < 0.0 && !self.allow_negative {
            Err(err("err.value.negative", vec![raw.trim().to_string()]))
        } else {
            Ok(v)
        }
    }

    /// The code or the Chinese/English name of a choice.
    fn option(&self, raw: &str, text: &str) -> Result<Stored, ValueError> {
        match self
            .options
            .iter()
            .find(|o| o.code == text || o.name_zh == text || o.name_en.eq_ignore_ascii_case(text))
        {
            Some(o) => Ok(Stored::Text(o.code.clone())),
            None => {
                let allowed = self
                    .options
                    .iter()
                    .map(|o| format!("{} {}", o.code, o.name_zh))
                    .collect::<Vec<_>>()
                    .join("、");
                Err(err("err.value.not_option", vec![raw.trim().to_string(), allowed]))
            }
        }
    }
}

/// A number, thousands separators and spaces ignored; errors quote the `raw` cell.
fn number(raw: &str, s: &str) -> Result<f64, ValueError> {
    let cleaned: String = s.chars().filter(|c| *c != ',' && !c.is_whitespace()).collect();
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(err("err.value.not_number", vec![raw.trim().to_string()])),
    }
}

/// A month as yyyymm (six digits, separators `-`, `.` or `/` allowed), stored as a number.
fn year_month(raw: &str, text: &str) -> Result<Stored, ValueError> {
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    let ok = digits.len() == 6
        && text.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '.' || c == '/');
    let (y, m) = if ok {
        (digits[..4].parse::<i32>().unwrap_or(0), digits[4..].parse::<u32>().unwrap_or(0))
    } else {
        (0, 0)
    };
    if !ok || !(1900..=2999).contains(&y) || !(1..=12).contains(&m) {
        return Err(err("err.value.not_month", vec![raw.trim().to_string()]));
    }
    Ok(Stored::Num((y * 100 + m as i32) as f64))
}

/// Full-width digits and signs (as typed with a Chinese input method) to ASCII.
fn half_width(c: char) -> char {
    match c {
        '０'..='９' | '．' | '，' | '－' | '％' | '／' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        '\u{3000}' => ' ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Catalogue;

    fn el(code: &str) -> DataElement {
        Catalogue::built_in().unwrap().element(code).unwrap().clone()
    }

    #[test]
    fn values_are_read_as_people_type_them() {
        assert_eq!(el("RD_EXP").parse_value(" 1,234.5 ").unwrap(), Some(Stored::Num(1234.5)));
        assert_eq!(el("RD_STAFF").parse_value("１２").unwrap(), Some(Stored::Num(12.0)));
        assert_eq!(el("PROFIT").parse_value("-30").unwrap(), Some(Stored::Num(-30.0)));
        assert_eq!(el("P_START").parse_value("2024-03").unwrap(), Some(Stored::Num(202403.0)));
        assert_eq!(
            el("P_SOURCE").parse_value("本企业自选").unwrap(),
            Some(Stored::Text("4".into()))
        );
        assert_eq!(el("P_SOURCE").parse_value("4").unwrap(), Some(Stored::Text("4".into())));
        assert_eq!(el("RD_EXP").parse_value("  ").unwrap(), None);
        assert_eq!(format_plain(12.0), "12");
        assert_eq!(format_plain(35.5), "35.5");
    }

    #[test]
    fn values_outside_the_type_are_refused_with_a_reason() {
        assert_eq!(el("RD_EXP").parse_value("一百").unwrap_err().key, "err.value.not_number");
        assert_eq!(el("RD_STAFF").parse_value("3.5").unwrap_err().key, "err.value.not_integer");
        assert_eq!(el("RD_EXP").parse_value("-1").unwrap_err().key, "err.value.negative");
        assert_eq!(el("P_START").parse_value("202413").unwrap_err().key, "err.value.not_month");
        let e = el("P_COOP").parse_value("9").unwrap_err();
        assert_eq!(e.key, "err.value.not_option");
        assert!(e.args[1].contains("5 独立完成"), "{:?}", e.args);
        assert_eq!(
            el("P_NAME").parse_value(&"长".repeat(501)).unwrap_err().key,
            "err.value.too_long"
        );
        assert_eq!(el("RD_EXP").parse_value("NaN").unwrap_err().key, "err.value.not_number");
        assert_eq!(el("RD_EXP").parse_value("inf").unwrap_err().key, "err.value.not_number");
    }
}
