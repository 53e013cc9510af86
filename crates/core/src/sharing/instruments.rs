//! An instrument of the catalogue as its owner records it: what it is, what it is worth, where
//! it stands, when it is open, what an hour costs each group of users, and its booking rules.
use crate::orgs::{FieldError, OrgKind};
use crate::projects::money::{Money, MoneyError, Unit};
use chrono::{NaiveTime, Weekday};

/// From this original value an instrument is "large" (大型科研仪器, 50 万元 under the national
/// rules for opening them to society).
pub const LARGE_FROM: Money = Money(50 * 1_000_000);

/// The categories of the national classification of research instruments (科研仪器分类).
pub const CATEGORIES: [(&str, &str, &str); 10] = [
    ("analysis", "分析仪器", "Analytical instruments"),
    ("physical", "物理性能测试仪器", "Physical property testing"),
    ("computing", "计算机及其配套设备", "Computing"),
    ("electronic", "电子测量仪器", "Electronic measurement"),
    ("earth", "地球探测仪器", "Earth exploration"),
    ("medical", "医学科研仪器", "Medical research"),
    ("process", "工艺试验仪器", "Process testing"),
    ("laser", "激光器", "Lasers"),
    ("nuclear", "核仪器", "Nuclear instruments"),
    ("special", "特种检测仪器", "Special inspection"),
];

pub fn is_category(code: &str) -> bool {
    CATEGORIES.iter().any(|c| c.0 == code)
}

/// Who is booking, for the price: the owner's own people, universities and institutes, or
/// enterprises (and everyone else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum UserGroup {
    Own,
    Academic,
    Enterprise,
}

impl UserGroup {
    pub const ALL: [UserGroup; 3] = [Self::Own, Self::Academic, Self::Enterprise];
    pub fn code(self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Academic => "academic",
            Self::Enterprise => "enterprise",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == s)
    }
    /// The group of a booker's organisation for an owner's instrument.
    pub fn of(booker: i64, booker_kind: OrgKind, owner: i64) -> Self {
        match booker_kind {
            _ if booker == owner => Self::Own,
            OrgKind::University | OrgKind::Institute | OrgKind::Hospital => Self::Academic,
            _ => Self::Enterprise,
        }
    }
}

/// Prices per hour by user group, and the price a voucher pays (the programme's agreed rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Prices {
    pub own: Money,
    pub academic: Money,
    pub enterprise: Money,
    pub voucher: Money,
}

impl Prices {
    pub fn per_hour(&self, group: UserGroup) -> Money {
        match group {
            UserGroup::Own => self.own,
            UserGroup::Academic => self.academic,
            UserGroup::Enterprise => self.enterprise,
        }
    }
}

/// When the instrument may be used: the same hours on each open weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct OpeningHours {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    /// Monday first.
    pub days: [bool; 7],
}

impl OpeningHours {
    pub fn is_open_on(&self, day: Weekday) -> bool {
        self.days[day.num_days_from_monday() as usize]
    }
    /// The days as stored and typed: the ISO numbers of the open weekdays, `12345` for Monday to
    /// Friday.
    pub fn days_text(&self) -> String {
        (1..=7).filter(|d| self.days[*d as usize - 1]).map(|d: u8| char::from(b'0' + d)).collect()
    }
    pub fn parse_days(text: &str) -> Option<[bool; 7]> {
        let mut days = [false; 7];
        for c in text.trim().chars().filter(|c| !matches!(c, ',' | '，' | ' ')) {
            let d = c.to_digit(10).filter(|d| (1..=7).contains(d))?;
            days[d as usize - 1] = true;
        }
        days.iter().any(|d| *d).then_some(days)
    }
}

/// The owner's booking rules. Quotas are minutes per user and instrument; `None` is no quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BookingRules {
    pub min_minutes: u32,
    pub max_minutes: u32,
    /// How long before its start a booking must be made.
    pub notice_hours: u32,
    /// Kept free after each booking (cleaning, warm-up).
    pub buffer_minutes: u32,
    /// Whether the owner approves each booking (otherwise it holds at once).
    pub approval: bool,
    pub quota_day: Option<u32>,
    pub quota_week: Option<u32>,
    pub quota_month: Option<u32>,
    /// A cancellation later than this before the start is recorded as late.
    pub cancel_hours: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        BookingRules {
            min_minutes: 30,
            max_minutes: 480,
            notice_hours: 24,
            buffer_minutes: 0,
            approval: true,
            quota_day: None,
            quota_week: None,
            quota_month: None,
            cancel_hours: 24,
        }
    }
}

/// An instrument as recorded (without its owner, which the caller's scope decides).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InstrumentInput {
    pub code: String,
    pub name: String,
    pub category: String,
    pub model: String,
    pub maker: String,
    pub value: Money,
    pub location: String,
    pub parameters: String,
    pub contact: String,
    pub hours: OpeningHours,
    pub prices: Prices,
    pub rules: BookingRules,
}

impl InstrumentInput {
    pub fn is_large(&self) -> bool {
        self.value >= LARGE_FROM
    }
}

/// The text of an instrument form, an API body or a row of the import sheet.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct InstrumentForm {
    pub code: String,
    pub name: String,
    pub category: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub maker: String,
    /// 原值, in 万元.
    pub value_wan: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub parameters: String,
    #[serde(default)]
    pub contact: String,
    pub opens: String,
    pub closes: String,
    /// `12345`: the ISO numbers of the open weekdays.
    pub days: String,
    /// 元 per hour.
    pub price_own: String,
    pub price_academic: String,
    pub price_enterprise: String,
    pub price_voucher: String,
    pub min_minutes: String,
    pub max_minutes: String,
    pub notice_hours: String,
    #[serde(default)]
    pub buffer_minutes: String,
    /// `1`/`true`/`是` when each booking needs the owner's approval.
    #[serde(default)]
    pub approval: String,
    #[serde(default)]
    pub quota_day: String,
    #[serde(default)]
    pub quota_week: String,
    #[serde(default)]
    pub quota_month: String,
    #[serde(default)]
    pub cancel_hours: String,
}

pub(super) fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

pub(super) fn text(
    field: &'static str,
    value: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.push(problem(field, "err.too_long", vec![max.to_string()]));
    }
    v.to_string()
}

pub(super) fn required(
    field: &'static str,
    value: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let v = text(field, value, max, errors);
    if v.is_empty() {
        errors.push(problem(field, "err.required", vec![]));
    }
    v
}

pub(super) fn money(
    field: &'static str,
    value: &str,
    unit: Unit,
    errors: &mut Vec<FieldError>,
) -> Money {
    Money::parse(value, unit).unwrap_or_else(|e| {
        let key = match e {
            MoneyError::Negative => "sharing.err.negative",
            MoneyError::Empty => "err.required",
            _ => "sharing.err.money",
        };
        errors.push(problem(field, key, vec![value.trim().to_string()]));
        Money::ZERO
    })
}

/// A whole number of minutes or hours in `range`; empty is `None` when `optional`.
pub(super) fn number(
    field: &'static str,
    value: &str,
    range: std::ops::RangeInclusive<u32>,
    errors: &mut Vec<FieldError>,
) -> Option<u32> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<u32>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            let args = vec![v.to_string(), range.start().to_string(), range.end().to_string()];
            errors.push(problem(field, "sharing.err.number", args));
            None
        }
    }
}

fn time(field: &'static str, value: &str, errors: &mut Vec<FieldError>) -> NaiveTime {
    NaiveTime::parse_from_str(value.trim(), "%H:%M").unwrap_or_else(|_| {
        errors.push(problem(field, "sharing.err.time", vec![value.trim().to_string()]));
        NaiveTime::MIN
    })
}

fn yes(value: &str) -> bool {
    matches!(value.trim(), "1" | "true" | "on" | "是" | "yes" | "需要")
}

const DAY_MINUTES: u32 = 24 * 60;

impl InstrumentForm {
    /// The form of a recorded instrument, to edit it.
    pub fn of(i: &InstrumentInput) -> InstrumentForm {
        let r = &i.rules;
        let n = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
        InstrumentForm {
            code: i.code.clone(),
            name: i.name.clone(),
            category: i.category.clone(),
            model: i.model.clone(),
            maker: i.maker.clone(),
            value_wan: i.value.wan_exact(),
            location: i.location.clone(),
            parameters: i.parameters.clone(),
            contact: i.contact.clone(),
            opens: i.hours.opens.format("%H:%M").to_string(),
            closes: i.hours.closes.format("%H:%M").to_string(),
            days: i.hours.days_text(),
            price_own: i.prices.own.yuan_text().replace(',', ""),
            price_academic: i.prices.academic.yuan_text().replace(',', ""),
            price_enterprise: i.prices.enterprise.yuan_text().replace(',', ""),
            price_voucher: i.prices.voucher.yuan_text().replace(',', ""),
            min_minutes: r.min_minutes.to_string(),
            max_minutes: r.max_minutes.to_string(),
            notice_hours: r.notice_hours.to_string(),
            buffer_minutes: r.buffer_minutes.to_string(),
            approval: if r.approval { "1".into() } else { String::new() },
            quota_day: n(r.quota_day),
            quota_week: n(r.quota_week),
            quota_month: n(r.quota_month),
            cancel_hours: r.cancel_hours.to_string(),
        }
    }

    /// Checks every field; all problems at once, each naming its field.
    pub fn parse(&self) -> Result<InstrumentInput, Vec<FieldError>> {
        let mut e = Vec::new();
        let code = required("code", &self.code, 40, &mut e);
        let name = required("name", &self.name, 100, &mut e);
        let category = self.category.trim().to_string();
        if !is_category(&category) {
            e.push(problem("category", "sharing.err.category", vec![category.clone()]));
        }
        let value = money("value_wan", &self.value_wan, Unit::Wan, &mut e);
        let opens = time("opens", &self.opens, &mut e);
        let closes = time("closes", &self.closes, &mut e);
        if closes <= opens && !e.iter().any(|p| matches!(p.field, "opens" | "closes")) {
            e.push(problem("closes", "sharing.err.hours", vec![]));
        }
        let days = OpeningHours::parse_days(&self.days).unwrap_or_else(|| {
            e.push(problem("days", "sharing.err.days", vec![self.days.trim().to_string()]));
            [false; 7]
        });
        let prices = Prices {
            own: money("price_own", &self.price_own, Unit::Yuan, &mut e),
            academic: money("price_academic", &self.price_academic, Unit::Yuan, &mut e),
            enterprise: money("price_enterprise", &self.price_enterprise, Unit::Yuan, &mut e),
            voucher: money("price_voucher", &self.price_voucher, Unit::Yuan, &mut e),
        };
        let min = number("min_minutes", &self.min_minutes, 5..=DAY_MINUTES, &mut e);
        let max = number("max_minutes", &self.max_minutes, 5..=DAY_MINUTES, &mut e);
        for (field, v) in [("min_minutes", &self.min_minutes), ("max_minutes", &self.max_minutes)] {
            if v.trim().is_empty() {
                e.push(problem(field, "err.required", vec![]));
            }
        }
        if let (Some(a), Some(b)) = (min, max)
            && a > b
        {
            e.push(problem("max_minutes", "sharing.err.min_max", vec![a.to_string()]));
        }
        let rules = BookingRules {
            min_minutes: min.unwrap_or(0),
            max_minutes: max.unwrap_or(0),
            notice_hours: number("notice_hours", &self.notice_hours, 0..=720, &mut e).unwrap_or(0),
            buffer_minutes: number("buffer_minutes", &self.buffer_minutes, 0..=240, &mut e)
                .unwrap_or(0),
            approval: yes(&self.approval),
            quota_day: number("quota_day", &self.quota_day, 5..=DAY_MINUTES, &mut e),
            quota_week: number("quota_week", &self.quota_week, 5..=7 * DAY_MINUTES, &mut e),
            quota_month: number("quota_month", &self.quota_month, 5..=31 * DAY_MINUTES, &mut e),
            cancel_hours: number("cancel_hours", &self.cancel_hours, 0..=720, &mut e).unwrap_or(24),
        };
        let input = InstrumentInput {
            code,
            name,
            category,
            model: text("model", &self.model, 100, &mut e),
            maker: text("maker", &self.maker, 100, &mut e),
            value,
            location: text("location", &self.location, 200, &mut e),
            parameters: text("parameters", &self.parameters, 2000, &mut e),
            contact: text("contact", &self.contact, 100, &mut e),
            hours: OpeningHours { opens, closes, days },
            prices,
            rules,
        };
        if e.is_empty() { Ok(input) } else { Err(e) }
    }
}
