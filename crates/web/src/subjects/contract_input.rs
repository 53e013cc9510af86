//! Reading the contract's input exactly: each field from its JSON text, the first malformed
//! one named by the enterprise's index and the field (`enterprises[3].sales[1]`).
use chrono::NaiveDate;
use innocity_core::subjects::hnte::{self, HnteInput};
use innocity_core::subjects::sme::SmeInput;
use innocity_core::subjects::{Amount, AmountError};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Where the file is malformed and why (words in Chinese and English).
#[derive(Debug)]
pub struct Malformed {
    place: String,
    why: String,
}

impl Malformed {
    pub fn whole(why: String) -> Malformed {
        Malformed { place: String::new(), why }
    }

    /// The field refused (`sales`, `sales[1]`), without the enterprise's index.
    pub fn field(&self) -> &str {
        self.place.split_once("].").map_or(self.place.as_str(), |(_, f)| f)
    }

    /// Why, in words.
    pub fn reason(&self) -> &str {
        &self.why
    }

    fn at(index: usize, field: &str, why: impl Into<String>) -> Malformed {
        Malformed { place: format!("enterprises[{index}].{field}"), why: why.into() }
    }
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.place.is_empty() {
            write!(f, "{}", self.why)
        } else {
            write!(f, "{}: {}", self.place, self.why)
        }
    }
}

#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    enterprises: Vec<&'a RawValue>,
}

/// The file's enterprises, each still as its JSON text.
pub fn enterprises(text: &str) -> Result<Vec<&RawValue>, Malformed> {
    serde_json::from_str::<File>(text).map(|f| f.enterprises).map_err(|e| {
        Malformed::whole(format!(
            "不是 {{\"enterprises\": [ … ]}} 形式的 JSON / not {{\"enterprises\": [ … ]}}: line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })
}

/// One enterprise's fields as JSON texts (absent: `None`); unknown fields are ignored.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Raw<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    resident_mainland: Option<&'a RawValue>,
    #[serde(borrow)]
    employees: Option<&'a RawValue>,
    #[serde(borrow)]
    tech_staff: Option<&'a RawValue>,
    #[serde(borrow)]
    sales: Option<&'a RawValue>,
    #[serde(borrow)]
    total_assets: Option<&'a RawValue>,
    #[serde(borrow)]
    rd_expense: Option<&'a RawValue>,
    #[serde(borrow)]
    cost_expense: Option<&'a RawValue>,
    #[serde(borrow)]
    ip_class1: Option<&'a RawValue>,
    #[serde(borrow)]
    ip_class2: Option<&'a RawValue>,
    #[serde(borrow)]
    prohibited_industry: Option<&'a RawValue>,
    #[serde(borrow)]
    bad_record: Option<&'a RawValue>,
    #[serde(borrow)]
    hnte_valid: Option<&'a RawValue>,
    #[serde(borrow)]
    national_award_top3_5y: Option<&'a RawValue>,
    #[serde(borrow)]
    provincial_rd_institution: Option<&'a RawValue>,
    #[serde(borrow)]
    led_standard_5y: Option<&'a RawValue>,
    #[serde(borrow)]
    registered_on: Option<&'a RawValue>,
    #[serde(borrow)]
    apply_on: Option<&'a RawValue>,
    #[serde(borrow)]
    core_ip: Option<&'a RawValue>,
    #[serde(borrow)]
    key_field: Option<&'a RawValue>,
    #[serde(borrow)]
    net_assets: Option<&'a RawValue>,
    #[serde(borrow)]
    rd: Option<&'a RawValue>,
    #[serde(borrow)]
    rd_domestic: Option<&'a RawValue>,
    #[serde(borrow)]
    hitech_revenue: Option<&'a RawValue>,
    #[serde(borrow)]
    total_revenue: Option<&'a RawValue>,
    #[serde(borrow)]
    serious_violation: Option<&'a RawValue>,
    #[serde(borrow)]
    ip_points: Option<&'a RawValue>,
    #[serde(borrow)]
    conversion_points: Option<&'a RawValue>,
    #[serde(borrow)]
    organisation_points: Option<&'a RawValue>,
}

/// Reads one enterprise's fields by name, naming the first that is missing or mistyped.
struct Fields<'a> {
    index: usize,
    raw: Raw<'a>,
}

impl<'a> Fields<'a> {
    fn of(index: usize, raw: &'a RawValue) -> Result<Fields<'a>, Malformed> {
        let raw = serde_json::from_str::<Raw>(raw.get()).map_err(|e| Malformed {
            place: format!("enterprises[{index}]"),
            why: format!("不是对象 / not an object with the contract's fields: {e}"),
        })?;
        Ok(Fields { index, raw })
    }

    fn need(&self, name: &str, value: Option<&'a RawValue>) -> Result<&'a RawValue, Malformed> {
        match value {
            Some(v) if v.get() != "null" => Ok(v),
            _ => Err(Malformed::at(self.index, name, "缺少此字段 / missing")),
        }
    }

    fn id(&self) -> Result<&'a RawValue, Malformed> {
        let id = self.need("id", self.raw.id)?;
        match id.get().as_bytes().first() {
            Some(b'"') | Some(b'0'..=b'9') | Some(b'-') => Ok(id),
            _ => Err(Malformed::at(self.index, "id", "应为字符串或数字 / not a string or number")),
        }
    }

    fn flag(&self, name: &str, value: Option<&'a RawValue>) -> Result<bool, Malformed> {
        match self.need(name, value)?.get() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(Malformed::at(self.index, name, "应为 true 或 false / not a boolean")),
        }
    }

    fn amount(&self, name: &str, value: Option<&'a RawValue>) -> Result<Amount, Malformed> {
        amount_text(self.need(name, value)?.get())
            .map_err(|why| Malformed::at(self.index, name, why))
    }

    fn count(&self, name: &str, value: Option<&'a RawValue>) -> Result<u32, Malformed> {
        let amount = self.amount(name, value)?;
        let units = amount.millionths();
        let whole = units / 1_000_000;
        if units % 1_000_000 != 0 {
            return Err(Malformed::at(self.index, name, "应为整数 / not an integer"));
        }
        u32::try_from(whole).map_err(|_| Malformed::at(self.index, name, "数值过大 / too large"))
    }

    /// Experts' points: exact, possibly fractional (an average), within their maximum.
    fn points(
        &self,
        name: &str,
        value: Option<&'a RawValue>,
        max: u32,
    ) -> Result<Amount, Malformed> {
        let points = self.amount(name, value)?;
        if points > Amount::whole(max) {
            return Err(Malformed::at(
                self.index,
                name,
                format!("超过满分 {max} / above its maximum {max}"),
            ));
        }
        Ok(points)
    }

    fn date(&self, name: &str, value: Option<&'a RawValue>) -> Result<NaiveDate, Malformed> {
        let raw = self.need(name, value)?;
        let text: &str = serde_json::from_str(raw.get()).map_err(|_| {
            Malformed::at(
                self.index,
                name,
                "应为 \"YYYY-MM-DD\" 字符串 / not a \"YYYY-MM-DD\" string",
            )
        })?;
        let shaped = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().filter(|_| shaped).ok_or_else(|| {
            Malformed::at(self.index, name, format!("不是有效日期 / not a date: {text}"))
        })
    }

    fn years(&self, name: &str, value: Option<&'a RawValue>) -> Result<[Amount; 3], Malformed> {
        let raw = self.need(name, value)?;
        let list: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(|_| {
            Malformed::at(self.index, name, "应为三个年度金额的数组 / not an array of three years")
        })?;
        let [a, b, c] = list[..] else {
            return Err(Malformed::at(
                self.index,
                name,
                format!(
                    "应为三个年度，实为 {} 个 / needs three years, has {}",
                    list.len(),
                    list.len()
                ),
            ));
        };
        let year = |at: usize, v: &RawValue| {
            amount_text(v.get())
                .map_err(|why| Malformed::at(self.index, &format!("{name}[{at}]"), why))
        };
        Ok([year(0, a)?, year(1, b)?, year(2, c)?])
    }

    fn staff(&self) -> Result<(u32, u32), Malformed> {
        let employees = self.count("employees", self.raw.employees)?;
        let tech_staff = self.count("tech_staff", self.raw.tech_staff)?;
        if tech_staff > employees {
            return Err(Malformed::at(
                self.index,
                "tech_staff",
                format!(
                    "科技人员 {tech_staff} 多于职工 {employees} / more tech staff than employees"
                ),
            ));
        }
        Ok((employees, tech_staff))
    }
}

/// An amount from its JSON text: a number, not negative, at most six decimals.
fn amount_text(text: &str) -> Result<Amount, String> {
    if !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return Err("应为数字 / not a number".into());
    }
    Amount::parse(text).map_err(|e| match e {
        AmountError::Negative => "金额为负 / negative amount".into(),
        AmountError::TooPrecise => "小数超过六位 / more than six decimals".into(),
        AmountError::TooLarge => "数值过大 / too large".into(),
        AmountError::NotANumber => "应为数字 / not a number".into(),
    })
}

/// One enterprise of `innocity qualify sme`, with its id as given.
pub fn sme(index: usize, raw: &RawValue) -> Result<(&RawValue, SmeInput), Malformed> {
    let f = Fields::of(index, raw)?;
    let r = &f.raw;
    let id = f.id()?;
    let (employees, tech_staff) = f.staff()?;
    let e = SmeInput {
        resident_mainland: f.flag("resident_mainland", r.resident_mainland)?,
        employees,
        tech_staff,
        sales: f.amount("sales", r.sales)?,
        total_assets: f.amount("total_assets", r.total_assets)?,
        rd_expense: f.amount("rd_expense", r.rd_expense)?,
        cost_expense: f.amount("cost_expense", r.cost_expense)?,
        ip_class1: f.count("ip_class1", r.ip_class1)?,
        ip_class2: f.count("ip_class2", r.ip_class2)?,
        prohibited_industry: f.flag("prohibited_industry", r.prohibited_industry)?,
        bad_record: f.flag("bad_record", r.bad_record)?,
        hnte_valid: f.flag("hnte_valid", r.hnte_valid)?,
        national_award_top3_5y: f.flag("national_award_top3_5y", r.national_award_top3_5y)?,
        provincial_rd_institution: f
            .flag("provincial_rd_institution", r.provincial_rd_institution)?,
        led_standard_5y: f.flag("led_standard_5y", r.led_standard_5y)?,
    };
    Ok((id, e))
}

/// One enterprise of `innocity qualify hnte`, with its id as given.
pub fn hnte(index: usize, raw: &RawValue) -> Result<(&RawValue, HnteInput), Malformed> {
    let f = Fields::of(index, raw)?;
    let r = &f.raw;
    let id = f.id()?;
    let (employees, tech_staff) = f.staff()?;
    let e = HnteInput {
        registered_on: f.date("registered_on", r.registered_on)?,
        apply_on: f.date("apply_on", r.apply_on)?,
        core_ip: f.flag("core_ip", r.core_ip)?,
        key_field: f.flag("key_field", r.key_field)?,
        employees,
        tech_staff,
        sales: f.years("sales", r.sales)?,
        net_assets: f.years("net_assets", r.net_assets)?,
        rd: f.years("rd", r.rd)?,
        rd_domestic: f.years("rd_domestic", r.rd_domestic)?,
        hitech_revenue: f.amount("hitech_revenue", r.hitech_revenue)?,
        total_revenue: f.amount("total_revenue", r.total_revenue)?,
        serious_violation: f.flag("serious_violation", r.serious_violation)?,
        ip_points: f.points("ip_points", r.ip_points, hnte::MAX_IP_POINTS)?,
        conversion_points: f.points(
            "conversion_points",
            r.conversion_points,
            hnte::MAX_CONVERSION_POINTS,
        )?,
        organisation_points: f.points(
            "organisation_points",
            r.organisation_points,
            hnte::MAX_ORGANISATION_POINTS,
        )?,
    };
    Ok((id, e))
}
