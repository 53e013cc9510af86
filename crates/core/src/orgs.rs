//! Org units, organisations and their unified social credit codes (GB 32100-2015).
use serde::{Deserialize, Serialize};
use std::fmt;

/// The 31 characters a unified social credit code may use (no I, O, S, V, Z).
const CODE_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1..=17 (3^(i-1) mod 31).
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Why a string is not a unified social credit code. Positions are 1-based, as a person counts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("length {0}, expected 18")]
    Length(usize),
    #[error("character '{ch}' at position {position} is not allowed")]
    Character { position: usize, ch: char },
    #[error("check character is '{found}', expected '{expected}'")]
    Check { found: char, expected: char },
}

/// A unified social credit code (统一社会信用代码) whose check character is right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CreditCode(String);

fn char_value(c: char) -> Option<u32> {
    CODE_CHARS.find(c).map(|i| i as u32)
}

/// The check character for the first 17 characters of a code.
pub fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    let mut n = 0;
    for (i, c) in first17.chars().enumerate() {
        sum += char_value(c)? * WEIGHTS.get(i)?;
        n += 1;
    }
    if n != 17 {
        return None;
    }
    let v = (31 - sum % 31) % 31;
    CODE_CHARS.chars().nth(v as usize)
}

impl CreditCode {
    /// Parses a code; spaces around it are trimmed and lower-case letters accepted.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code: String = input.trim().to_uppercase();
        let len = code.chars().count();
        if len != 18 {
            return Err(CreditCodeError::Length(len));
        }
        for (i, ch) in code.chars().enumerate() {
            if char_value(ch).is_none() {
                return Err(CreditCodeError::Character { position: i + 1, ch });
            }
        }
        let expected = check_char(&code[..17]).ok_or(CreditCodeError::Length(len))?;
        let found = code.chars().nth(17).unwrap_or(' ');
        if found != expected {
            return Err(CreditCodeError::Check { found, expected });
        }
        Ok(CreditCode(code))
    }

    /// Completes 17 valid characters into a full code (used by demo data and tests).
    pub fn complete(first17: &str) -> Option<Self> {
        let c = check_char(first17)?;
        Some(CreditCode(format!("{first17}{c}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Levels of the org hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    Province,
    City,
    Zone,
    Park,
    /// An administrative county or district (县、区) of a city. A park lies in a zone (its place
    /// in the tree) and may lie in a county as well (its county membership).
    County,
}

impl UnitLevel {
    pub const ALL: [UnitLevel; 5] =
        [Self::Province, Self::City, Self::Zone, Self::Park, Self::County];
    pub fn code(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::City => "city",
            Self::Zone => "zone",
            Self::Park => "park",
            Self::County => "county",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == s)
    }
    /// A unit of this level may only sit under a unit of the level above.
    pub fn parent(self) -> Option<Self> {
        match self {
            Self::Province => None,
            Self::City => Some(Self::Province),
            Self::Zone => Some(Self::City),
            Self::Park => Some(Self::Zone),
            Self::County => Some(Self::City),
        }
    }
}

/// Kinds of organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Enterprise,
    University,
    Institute,
    Hospital,
    ServiceProvider,
    /// A bank, guarantor or investor (金融机构): lends under the fund's agreements.
    Financial,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        Self::Enterprise,
        Self::University,
        Self::Institute,
        Self::Hospital,
        Self::ServiceProvider,
        Self::Financial,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::University => "university",
            Self::Institute => "institute",
            Self::Hospital => "hospital",
            Self::ServiceProvider => "service_provider",
            Self::Financial => "financial",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Materialised path of an org unit: `/1/4/9/`. A unit's subtree is every path with this prefix.
pub fn unit_path(parent_path: Option<&str>, id: i64) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// Whether `path` lies in the subtree rooted at `root` (a unit is in its own subtree).
pub fn in_subtree(root: &str, path: &str) -> bool {
    path.starts_with(root)
}

/// Whether `path` lies in one of the subtrees rooted at `roots` (an area).
pub fn in_area(roots: &[String], path: &str) -> bool {
    roots.iter().any(|root| in_subtree(root, path))
}

/// Validated fields of an organisation, as entered by a person.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgDraft {
    pub credit_code: CreditCode,
    pub name: String,
    pub kind: OrgKind,
    pub org_unit_id: i64,
    pub address: String,
    pub contact: String,
    pub phone: String,
}

/// A field that failed validation, with a message key for the user's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    /// Message key in the message files (e.g. `err.credit_code.check`).
    pub key: &'static str,
    /// Values to put into the message, e.g. the expected check character.
    pub args: Vec<String>,
}

/// Raw text of an organisation form or API body.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct OrgInput {
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub org_unit_id: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub phone: String,
}

fn field(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

/// A credit code typed into `name`, or the field's error (length, a character, the check).
pub fn credit_code_field(name: &'static str, text: &str) -> Result<CreditCode, FieldError> {
    CreditCode::parse(text).map_err(|e| match e {
        CreditCodeError::Length(n) => field(name, "err.credit_code.length", vec![n.to_string()]),
        CreditCodeError::Character { position, ch } => {
            field(name, "err.credit_code.char", vec![position.to_string(), ch.to_string()])
        }
        CreditCodeError::Check { found, expected } => {
            field(name, "err.credit_code.check", vec![found.to_string(), expected.to_string()])
        }
    })
}

impl OrgInput {
    /// Parse, don't validate: either a draft that can only hold valid values, or every field error.
    pub fn parse(&self) -> Result<OrgDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let credit_code = match credit_code_field("credit_code", &self.credit_code) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let name = self.name.trim().to_string();
        let name_len = name.chars().count();
        if name_len == 0 {
            errors.push(field("name", "err.required", vec![]));
        } else if name_len > 100 {
            errors.push(field("name", "err.too_long", vec!["100".into()]));
        } else if name.chars().any(char::is_control) {
            errors.push(field("name", "err.control", vec![]));
        }
        let kind = OrgKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(field("kind", "err.choose", vec![]));
        }
        let org_unit_id = self.org_unit_id.trim().parse::<i64>().ok().filter(|v| *v > 0);
        if org_unit_id.is_none() {
            errors.push(field("org_unit_id", "err.choose", vec![]));
        }
        let limit = |f: &'static str, v: &str, max: usize, errors: &mut Vec<FieldError>| {
            let v = v.trim().to_string();
            if v.chars().count() > max {
                errors.push(field(f, "err.too_long", vec![max.to_string()]));
            } else if v.chars().any(char::is_control) {
                // One-line fields: no NUL (which PostgreSQL cannot store), tabs or line breaks.
                errors.push(field(f, "err.control", vec![]));
            }
            v
        };
        let address = limit("address", &self.address, 200, &mut errors);
        let contact = limit("contact", &self.contact, 50, &mut errors);
        let phone = limit("phone", &self.phone, 30, &mut errors);
        if !phone.is_empty() && !phone.chars().all(|c| c.is_ascii_digit() || "-+ ()".contains(c)) {
            errors.push(field("phone", "err.phone", vec![]));
        }
        match (credit_code, kind, org_unit_id) {
            (Some(credit_code), Some(kind), Some(org_unit_id)) if errors.is_empty() => {
                Ok(OrgDraft { credit_code, name, kind, org_unit_id, address, contact, phone })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_characters_are_refused_in_one_line_fields() {
        // SQLite keeps a NUL, PostgreSQL refuses it: a backup of one could not move to the other.
        let base = OrgInput {
            credit_code: "91350100M000100Y43".into(),
            name: "测试单位".into(),
            kind: "enterprise".into(),
            org_unit_id: "1".into(),
            ..Default::default()
        };
        assert!(base.parse().is_ok());
        let cases = [
            ("name", OrgInput { name: "测试\0单位".into(), ..base.clone() }),
            ("address", OrgInput { address: "兰州市\0城关区".into(), ..base.clone() }),
            ("contact", OrgInput { contact: "张\u{1b}三".into(), ..base.clone() }),
        ];
        for (f, input) in cases {
            let errors = input.parse().unwrap_err();
            assert!(
                errors.iter().any(|e| e.field == f && e.key == "err.control"),
                "{f}: {errors:?}"
            );
        }
    }

    #[test]
    fn accepts_real_codes() {
        // Published codes of real organisations.
        for code in ["91350100M000100Y43", "91110000802100433B", "12100000400000624D"] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn rejects_with_reason() {
        assert_eq!(CreditCode::parse("9135010"), Err(CreditCodeError::Length(7)));
        assert_eq!(
            CreditCode::parse("91350100M000100YI3"),
            Err(CreditCodeError::Character { position: 17, ch: 'I' })
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::Check { found: '4', expected: '3' })
        );
    }

    #[test]
    fn lower_case_and_spaces_are_accepted() {
        assert_eq!(
            CreditCode::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    proptest! {
        #[test]
        fn completed_codes_parse_and_one_changed_char_fails(idx in proptest::collection::vec(0usize..31, 17), pos in 0usize..18, delta in 1usize..31) {
            let first17: String = idx.iter().map(|i| CODE_CHARS.chars().nth(*i).unwrap()).collect();
            let code = CreditCode::complete(&first17).unwrap();
            prop_assert!(CreditCode::parse(code.as_str()).is_ok());
            // Changing any single character is always caught (31 is prime, weights non-zero).
            let mut chars: Vec<char> = code.as_str().chars().collect();
            let v = char_value(chars[pos]).unwrap() as usize;
            chars[pos] = CODE_CHARS.chars().nth((v + delta) % 31).unwrap();
            let changed: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&changed).is_err());
        }
    }

    #[test]
    fn org_input_reports_every_field() {
        let input =
            OrgInput { credit_code: "123".into(), kind: "bank".into(), ..Default::default() };
        let errs = input.parse().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["credit_code", "name", "kind", "org_unit_id"]);
    }

    #[test]
    fn subtree() {
        assert!(in_subtree("/1/2/", "/1/2/7/"));
        assert!(in_subtree("/1/2/", "/1/2/"));
        assert!(!in_subtree("/1/2/", "/1/22/"));
        assert_eq!(unit_path(Some("/1/"), 5), "/1/5/");
    }
}
