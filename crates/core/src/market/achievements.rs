//! An achievement's registration (科技成果登记) and listing (挂牌): what its owner enters, the
//! checks on it (a patent number's check digit, a price not below zero, TRL 1–9), and the
//! states it passes through.
//!
//! draft → submitted → listed (registered with a number, public, in its notice period first)
//!                   ↘ returned (with the reason) → submitted again
//! listed → dealt (a deal was made) | withdrawn (by its owner or the bureau)
use crate::orgs::FieldError;
use crate::projects::money::{Money, MoneyError, Unit};
use serde::{Deserialize, Serialize};

/// Where an achievement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Draft,
    Submitted,
    Returned,
    Listed,
    Dealt,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Listed,
        Status::Dealt,
        Status::Withdrawn,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Listed => "listed",
            Status::Dealt => "dealt",
            Status::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }
    /// Whether its owner may still change what it says.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }
}

/// What someone does to an achievement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The owner sends it to the bureau.
    Submit,
    /// The bureau sends it back, with a reason.
    Return,
    /// The bureau registers and lists it.
    List,
    /// A deal was made (owner or bureau).
    MarkDealt,
    /// Taken off the market (owner or bureau).
    Withdraw,
}

/// An action the state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotNow {
    pub from: Status,
    pub action: Action,
}

/// The state after `action`, or why not.
pub fn next(from: Status, action: Action) -> Result<Status, NotNow> {
    use Action::*;
    use Status::*;
    match (from, action) {
        (Draft | Returned, Submit) => Ok(Submitted),
        (Submitted, Return) => Ok(Returned),
        (Submitted, List) => Ok(Listed),
        (Listed, MarkDealt) => Ok(Dealt),
        (Draft | Submitted | Returned | Listed, Withdraw) => Ok(Withdrawn),
        _ => Err(NotNow { from, action }),
    }
}

/// Days a newly listed achievement is in its public notice (公示) before it is traded.
pub const NOTICE_DAYS: i64 = 15;

/// The last day of the public notice of an achievement listed on `listed` (the listing day
/// counts as the first).
pub fn notice_until(listed: chrono::NaiveDate) -> chrono::NaiveDate {
    listed + chrono::Duration::days(NOTICE_DAYS - 1)
}

/// Characters a description may hold.
pub const DESCRIPTION_CHARS: usize = 5_000;

/// A Chinese patent (application) number's check character, or None when the digits are not a
/// patent number's: 12 digits since 2003 (weights 2…9, 2…5), 8 before (weights 2…9), the sum
/// modulo 11, 10 written as X.
pub fn patent_check(digits: &str) -> Option<char> {
    if !(digits.len() == 12 || digits.len() == 8) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    const WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    let sum: u32 = digits.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    Some(match sum % 11 {
        10 => 'X',
        r => char::from_digit(r, 10).unwrap_or('0'),
    })
}

/// A patent number as people write it (`ZL 2020 1 0123456.7`, `202010123456.7`,
/// `CN202010123456.7`), checked, in its standard form `ZL202010123456.7`.
pub fn parse_patent(text: &str) -> Result<String, FieldError> {
    let compact: String =
        text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let body =
        compact.strip_prefix("ZL").or_else(|| compact.strip_prefix("CN")).unwrap_or(&compact);
    let bad = || FieldError {
        field: "ip",
        key: "err.market.patent_format",
        args: vec![text.trim().into()],
    };
    let (digits, check) = body.split_once('.').ok_or_else(bad)?;
    let expected = patent_check(digits).ok_or_else(bad)?;
    let given = check.chars().next().filter(|_| check.chars().count() == 1).ok_or_else(bad)?;
    if given != expected {
        return Err(FieldError {
            field: "ip",
            key: "err.market.patent_check",
            args: vec![text.trim().into(), expected.to_string()],
        });
    }
    Ok(format!("ZL{digits}.{given}"))
}

/// A software copyright registration number (`2021SR0123456`).
pub fn parse_software(text: &str) -> Option<String> {
    let t = text.trim().to_uppercase();
    let (year, rest) = t.split_once("SR")?;
    (year.len() == 4
        && year.chars().all(|c| c.is_ascii_digit())
        && (6..=8).contains(&rest.len())
        && rest.chars().all(|c| c.is_ascii_digit()))
    .then_some(t)
}

/// A plant variety right number (`CNA20201234.5`).
fn parse_variety(text: &str) -> Option<String> {
    let t = text.trim().to_uppercase();
    let rest = t.strip_prefix("CNA")?;
    let (digits, check) = rest.split_once('.')?;
    (digits.len() >= 8 && digits.chars().all(|c| c.is_ascii_digit()) && check.len() == 1)
        .then_some(t)
}

/// One intellectual property right behind an achievement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IpRight {
    Patent(String),
    Software(String),
    Variety(String),
}

impl IpRight {
    pub fn number(&self) -> &str {
        match self {
            IpRight::Patent(n) | IpRight::Software(n) | IpRight::Variety(n) => n,
        }
    }
}

/// Reads one line of the IP field: a patent number (checked), a software copyright or a plant
/// variety number.
pub fn parse_ip(line: &str) -> Result<IpRight, FieldError> {
    if let Some(n) = parse_software(line) {
        return Ok(IpRight::Software(n));
    }
    if let Some(n) = parse_variety(line) {
        return Ok(IpRight::Variety(n));
    }
    parse_patent(line).map(IpRight::Patent)
}

/// An achievement's form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AchievementInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Separated by `;`, `；`, `,`, `，` or `、`.
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub discipline: String,
    #[serde(default)]
    pub maturity: String,
    /// Codes of [`super::MODES`].
    #[serde(default)]
    pub modes: Vec<String>,
    /// 万元; empty when negotiable.
    #[serde(default)]
    pub price_wan: String,
    /// One right a line.
    #[serde(default)]
    pub ip: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub contact: String,
}

/// A checked achievement form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AchievementDraft {
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub discipline: String,
    pub maturity: u8,
    pub modes: Vec<String>,
    /// None: negotiable (面议).
    pub price: Option<Money>,
    pub ip: Vec<IpRight>,
    pub team: String,
    pub contact: String,
}

fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

fn price_of(text: &str) -> Result<Option<Money>, FieldError> {
    let t = text.trim();
    if t.is_empty() || t == "面议" {
        return Ok(None);
    }
    Money::parse(t, Unit::Wan).map(Some).map_err(|e| {
        let key = match e {
            MoneyError::Negative => "err.market.price_negative",
            _ => "err.market.price",
        };
        problem("price_wan", key, vec![t.into()])
    })
}

/// Checks a form: every problem, by field.
pub fn validate(i: &AchievementInput) -> Result<AchievementDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let title = i.title.trim().to_string();
    if title.is_empty() {
        errors.push(problem("title", "err.required", vec![]));
    } else if title.chars().count() > super::import::TITLE_CHARS {
        errors.push(problem(
            "title",
            "err.market.long_title",
            vec![super::import::TITLE_CHARS.to_string()],
        ));
    }
    let description = i.description.trim().to_string();
    if description.is_empty() {
        errors.push(problem("description", "err.required", vec![]));
    } else if description.chars().count() > DESCRIPTION_CHARS {
        errors.push(problem("description", "err.too_long", vec![DESCRIPTION_CHARS.to_string()]));
    }
    let keywords: Vec<String> = i
        .keywords
        .split([';', '；', ',', '，', '、'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(String::from)
        .collect();
    let maturity = match i.maturity.trim().parse::<u8>() {
        Ok(m) if (1..=9).contains(&m) => m,
        _ => {
            errors.push(problem("maturity", "err.market.maturity", vec![]));
            0
        }
    };
    let mut modes: Vec<String> = Vec::new();
    for m in &i.modes {
        if !super::MODES.contains(&m.as_str()) {
            errors.push(problem("modes", "err.choose", vec![]));
        } else if !modes.contains(m) {
            modes.push(m.clone());
        }
    }
    if modes.is_empty() && !errors.iter().any(|e| e.field == "modes") {
        errors.push(problem("modes", "err.choose", vec![]));
    }
    let price = price_of(&i.price_wan).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let mut ip = Vec::new();
    for line in i.ip.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match parse_ip(line) {
            Ok(r) => ip.push(r),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(AchievementDraft {
        title,
        description,
        keywords,
        discipline: i.discipline.trim().to_string(),
        maturity,
        modes,
        price,
        ip,
        team: i.team.trim().to_string(),
        contact: i.contact.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_notice_runs_fifteen_days_from_the_listing_day() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(notice_until(d("2026-12-05")), d("2026-12-19"));
        assert_eq!(notice_until(d("2026-12-31")), d("2027-01-14"));
    }

    #[test]
    fn patent_numbers_are_checked_by_their_check_digit() {
        // 2020 1 0123456: 2·2+0·3+2·4+0·5+1·6+0·7+1·8+2·9+3·2+4·3+5·4+6·5 = 112, 112 mod 11 = 2.
        assert_eq!(patent_check("202010123456"), Some('2'));
        assert_eq!(parse_patent("ZL 2020 1 0123456.2"), Ok("ZL202010123456.2".into()));
        assert_eq!(parse_patent("cn202010123456.2"), Ok("ZL202010123456.2".into()));
        let wrong = parse_patent("ZL202010123456.5").unwrap_err();
        assert_eq!((wrong.key, wrong.args[1].as_str()), ("err.market.patent_check", "2"));
        for bad in
            ["ZL20201012345.2", "ZL202010123456", "ZL2020101234567.2", "专利", "ZL202010123456.22"]
        {
            assert_eq!(parse_patent(bad).unwrap_err().key, "err.market.patent_format", "{bad}");
        }
        // A remainder of 10 is written X; the old 8-digit numbers still check.
        let x = (0..100_000_000u64)
            .step_by(7919)
            .map(|n| format!("{n:08}"))
            .find(|d| patent_check(d) == Some('X'))
            .unwrap();
        assert_eq!(parse_patent(&format!("ZL{x}.X")), Ok(format!("ZL{x}.X")));
    }

    #[test]
    fn a_form_is_checked_field_by_field() {
        let good = AchievementInput {
            title: "一种稀土永磁同步电机的控制方法".into(),
            description: "提出一种新的控制方法。".into(),
            keywords: "稀土；永磁、电机".into(),
            maturity: "6".into(),
            modes: vec!["licence".into(), "transfer".into(), "licence".into()],
            price_wan: "120.5".into(),
            ip: "ZL202010123456.2\n2021SR0123456\n".into(),
            ..AchievementInput::default()
        };
        let d = validate(&good).unwrap();
        assert_eq!(d.keywords, vec!["稀土", "永磁", "电机"]);
        assert_eq!(d.modes, vec!["licence", "transfer"]);
        assert_eq!(d.price, Some(Money(1_205_000 * 100)));
        assert_eq!(d.ip.len(), 2);
        assert_eq!(
            validate(&AchievementInput { price_wan: "面议".into(), ..good.clone() }).unwrap().price,
            None
        );
        let bad = AchievementInput {
            title: " ".into(),
            maturity: "10".into(),
            modes: vec!["barter".into()],
            price_wan: "-5".into(),
            ip: "ZL202010123456.5".into(),
            ..good
        };
        let fields: Vec<(&str, &str)> =
            validate(&bad).unwrap_err().iter().map(|e| (e.field, e.key)).collect();
        assert_eq!(
            fields,
            vec![
                ("title", "err.required"),
                ("maturity", "err.market.maturity"),
                ("modes", "err.choose"),
                ("price_wan", "err.market.price_negative"),
                ("ip", "err.market.patent_check"),
            ]
        );
    }

    #[test]
    fn the_states_allow_only_their_actions() {
        use Action::*;
        assert_eq!(next(Status::Draft, Submit), Ok(Status::Submitted));
        assert_eq!(next(Status::Submitted, List), Ok(Status::Listed));
        assert_eq!(next(Status::Returned, Submit), Ok(Status::Submitted));
        assert_eq!(next(Status::Listed, MarkDealt), Ok(Status::Dealt));
        assert!(next(Status::Draft, List).is_err());
        assert!(next(Status::Dealt, Withdraw).is_err());
        assert!(next(Status::Withdrawn, Submit).is_err());
        assert!(Status::ALL.iter().all(|s| Status::parse(s.code()) == Some(*s)));
    }
}
