//! Qualifications and their certificates (科技型中小企业 registration numbers, 高企 certificates,
//! 专精特新, 小巨人, 瞪羚 and the kinds bureau staff define): what makes one valid to record, and
//! reading a file of them with every problem named by its row and column.
use crate::orgs::{FieldError, credit_code_field};
use crate::stats::long::{Place, PlaceError};
use chrono::{Datelike, NaiveDate};

/// A kind of qualification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Years a certificate runs when its expiry is not given (0: it must be given).
    pub validity_years: u32,
}

/// The qualifications every platform knows (staff add their own): code, names, validity.
const BUILT_IN: [(&str, &str, &str, u32); 5] = [
    ("tech_sme", "科技型中小企业", "Tech-based SME", 1),
    ("high_tech", "高新技术企业", "High-tech enterprise", 3),
    ("specialised", "专精特新中小企业", "Specialised and innovative SME", 3),
    ("little_giant", "专精特新“小巨人”企业", "Little giant", 3),
    ("gazelle", "瞪羚企业", "Gazelle enterprise", 1),
];

/// The built-in kinds.
pub fn built_in_kinds() -> Vec<Kind> {
    BUILT_IN
        .iter()
        .map(|(code, zh, en, years)| Kind {
            code: code.to_string(),
            name_zh: zh.to_string(),
            name_en: en.to_string(),
            validity_years: *years,
        })
        .collect()
}

/// A kind staff define, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct KindInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub validity_years: String,
}

impl KindInput {
    /// The kind, or every field's problem (a code taken by another kind among them).
    pub fn check(&self, existing: &[Kind]) -> Result<Kind, Vec<FieldError>> {
        let mut errors = Vec::new();
        let code = self.code.trim();
        let code_ok = (2..=32).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && code.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        if !code_ok {
            errors.push(problem("code", "subj.kind.err.code", vec![]));
        } else if existing.iter().any(|k| k.code == code) {
            errors.push(problem("code", "subj.kind.err.taken", vec![code.to_string()]));
        }
        for (field, text) in [("name_zh", &self.name_zh), ("name_en", &self.name_en)] {
            let n = text.trim().chars().count();
            if n == 0 || n > 50 {
                errors.push(problem(field, "subj.kind.err.name", vec![]));
            }
        }
        let years = self.validity_years.trim().parse::<u32>().ok().filter(|y| *y <= 10);
        if years.is_none() {
            errors.push(problem("validity_years", "subj.kind.err.years", vec![]));
        }
        match years {
            Some(validity_years) if errors.is_empty() => Ok(Kind {
                code: code.to_string(),
                name_zh: self.name_zh.trim().to_string(),
                name_en: self.name_en.trim().to_string(),
                validity_years,
            }),
            _ => Err(errors),
        }
    }
}

/// How long before expiry holders and officers are reminded.
pub const REMIND_DAYS: i64 = 90;

/// A certificate as a person or a file gives it: texts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct CertificateInput {
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub issued_on: String,
    /// Empty: the kind's validity from the issue date.
    #[serde(default)]
    pub valid_until: String,
}

/// A certificate that may be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub credit_code: String,
    pub kind: String,
    pub number: String,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
}

fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

fn date(field: &'static str, text: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| problem(field, "subj.cert.err.date", vec![text.trim().to_string()]))
}

/// The day before the same date `years` later (a three-year certificate issued 2025-11-20 runs
/// to 2028-11-19).
pub fn expiry_after(issued_on: NaiveDate, years: u32) -> NaiveDate {
    let year = issued_on.year() + years as i32;
    let same = NaiveDate::from_ymd_opt(year, issued_on.month(), issued_on.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, issued_on.month(), 28))
        .unwrap_or(issued_on);
    same.pred_opt().unwrap_or(same)
}

impl CertificateInput {
    /// The certificate, or every field's problem.
    pub fn check(&self, kinds: &[Kind]) -> Result<Certificate, Vec<FieldError>> {
        let mut errors = Vec::new();
        let credit_code =
            credit_code_field("credit_code", &self.credit_code).map_err(|e| errors.push(e)).ok();
        let kind = kinds.iter().find(|k| k.code == self.kind.trim());
        if kind.is_none() {
            errors.push(problem("kind", "subj.cert.err.kind", vec![self.kind.trim().to_string()]));
        }
        let number = self.number.trim();
        if number.is_empty() || number.chars().count() > 64 {
            errors.push(problem("number", "subj.cert.err.number", vec![]));
        }
        let issued_on = date("issued_on", &self.issued_on).map_err(|e| errors.push(e)).ok();
        let valid_until = match (self.valid_until.trim(), kind, issued_on) {
            ("", Some(k), Some(issued)) if k.validity_years > 0 => {
                Some(expiry_after(issued, k.validity_years))
            }
            // An unknown kind or a bad issue date is named already.
            ("", None, _) | ("", _, None) => None,
            ("", Some(_), Some(_)) => {
                errors.push(problem("valid_until", "subj.cert.err.expiry_needed", vec![]));
                None
            }
            (text, _, _) => date("valid_until", text).map_err(|e| errors.push(e)).ok(),
        };
        if let (Some(issued), Some(until)) = (issued_on, valid_until)
            && until < issued
        {
            errors.push(problem(
                "valid_until",
                "subj.cert.err.before_issue",
                vec![until.to_string(), issued.to_string()],
            ));
        }
        match (credit_code, kind, issued_on, valid_until) {
            (Some(code), Some(kind), Some(issued_on), Some(valid_until)) if errors.is_empty() => {
                Ok(Certificate {
                    credit_code: code.as_str().to_string(),
                    kind: kind.code.clone(),
                    number: number.to_string(),
                    issued_on,
                    valid_until,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The columns of a certificates file, by their header (Chinese or the field's name).
const COLUMNS: [(&str, &str, &str); 5] = [
    ("credit_code", "统一社会信用代码", "credit_code"),
    ("kind", "资质类别", "kind"),
    ("number", "证书编号", "number"),
    ("issued_on", "发证日期", "issued_on"),
    ("valid_until", "有效期至", "valid_until"),
];

/// A file's rows (the first a header) as certificates: all, or every problem named by its row
/// and column. A kind may be given by its code or its Chinese name.
pub fn read_rows(
    rows: &[Vec<String>],
    sheet: &str,
    kinds: &[Kind],
) -> Result<Vec<Certificate>, Vec<PlaceError>> {
    let place = |line: usize, column: &str| Place {
        sheet: sheet.to_string(),
        line,
        column: column.to_string(),
    };
    let Some(header) = rows.first() else {
        return Err(vec![PlaceError {
            place: place(1, ""),
            key: "subj.cert.err.empty",
            args: vec![],
        }]);
    };
    let at = |field: &str| {
        COLUMNS
            .iter()
            .find(|c| c.0 == field)
            .and_then(|(_, zh, en)| header.iter().position(|h| h.trim() == *zh || h.trim() == *en))
    };
    let mut errors = Vec::new();
    for (field, zh, _) in COLUMNS.iter().filter(|c| c.0 != "valid_until") {
        if at(field).is_none() {
            errors.push(PlaceError {
                place: place(1, ""),
                key: "subj.cert.err.column",
                args: vec![zh.to_string()],
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let cell = |row: &[String], field: &str| {
        at(field).and_then(|i| row.get(i)).map(|s| s.trim().to_string()).unwrap_or_default()
    };
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let named = cell(row, "kind");
        let kind = kinds
            .iter()
            .find(|k| k.code == named || k.name_zh == named)
            .map_or(named, |k| k.code.clone());
        let input = CertificateInput {
            credit_code: cell(row, "credit_code"),
            kind,
            number: cell(row, "number"),
            issued_on: cell(row, "issued_on"),
            valid_until: cell(row, "valid_until"),
        };
        match input.check(kinds) {
            Ok(c) => out.push(c),
            Err(problems) => errors.extend(problems.into_iter().map(|p| {
                let column = COLUMNS.iter().find(|c| c.0 == p.field).map_or("", |c| c.1);
                PlaceError { place: place(i + 1, column), key: p.key, args: p.args }
            })),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

#[cfg(test)]
#[path = "certificates_tests.rs"]
mod tests;
