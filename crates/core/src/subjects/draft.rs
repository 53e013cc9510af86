//! A self-evaluation's figures before they are complete: what the platform already holds (each
//! with where it came from) and what the enterprise adds or corrects. Complete drafts become
//! the contract's inputs; an incomplete 高企 draft is pre-checked with its unknowns undecided.
use super::exact::Amount;
use super::hnte::{self, HnteInput, HnteResult, HnteRule};
use super::sme::SmeInput;
use chrono::NaiveDate;

/// Where a figure came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A cell of a statistical return: form, period, element.
    Return { form: String, period: String, element: &'static str },
    /// The organisation's qualification certificate.
    Certificate { code: String },
    /// The research-credit records.
    Credit,
    /// The platform's clock (today).
    Today,
    /// Entered or corrected by the enterprise.
    Entered,
}

/// One figure and its source (`None`: not known yet).
#[derive(Debug, Clone, PartialEq)]
pub struct Figure<T> {
    pub value: Option<T>,
    pub source: Source,
}

impl<T: Copy> Figure<T> {
    pub fn known(value: T, source: Source) -> Figure<T> {
        Figure { value: Some(value), source }
    }

    pub fn missing() -> Figure<T> {
        Figure { value: None, source: Source::Entered }
    }

    /// The enterprise's own value replaces the platform's when it differs.
    pub fn entered(self, value: Option<T>) -> Figure<T>
    where
        T: PartialEq,
    {
        match value {
            Some(v) if self.value != Some(v) => Figure { value: Some(v), source: Source::Entered },
            Some(_) => self,
            None => Figure { value: None, source: Source::Entered },
        }
    }
}

/// One year of a 107-2 return, as the rules need it (amounts already in 万元).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReturnYear {
    pub period: String,
    pub employees: Option<u32>,
    pub rd_staff: Option<u32>,
    pub revenue: Option<Amount>,
    pub assets: Option<Amount>,
    pub rd: Option<Amount>,
    pub rd_abroad: Option<Amount>,
    pub valid_inventions: Option<u32>,
}

impl ReturnYear {
    fn figure<T: Copy>(&self, value: Option<T>, element: &'static str) -> Figure<T> {
        let source = Source::Return { form: "107-2".into(), period: self.period.clone(), element };
        Figure { value, source }
    }

    /// R&D spent in China: the total less what was contracted abroad.
    fn rd_domestic(&self) -> Option<Amount> {
        self.rd.map(|rd| rd.saturating_sub(self.rd_abroad.unwrap_or(Amount::ZERO)))
    }
}

/// The 科技型中小企业 figures.
#[derive(Debug, Clone, PartialEq)]
pub struct SmeDraft {
    pub resident_mainland: Figure<bool>,
    pub employees: Figure<u32>,
    pub tech_staff: Figure<u32>,
    pub sales: Figure<Amount>,
    pub total_assets: Figure<Amount>,
    pub rd_expense: Figure<Amount>,
    pub cost_expense: Figure<Amount>,
    pub ip_class1: Figure<u32>,
    pub ip_class2: Figure<u32>,
    pub prohibited_industry: Figure<bool>,
    pub bad_record: Figure<bool>,
    pub hnte_valid: Figure<bool>,
    pub national_award_top3_5y: Figure<bool>,
    pub provincial_rd_institution: Figure<bool>,
    pub led_standard_5y: Figure<bool>,
}

/// The 高企 figures (three years, oldest first).
#[derive(Debug, Clone, PartialEq)]
pub struct HnteDraft {
    pub registered_on: Figure<NaiveDate>,
    pub apply_on: Figure<NaiveDate>,
    pub core_ip: Figure<bool>,
    pub key_field: Figure<bool>,
    pub employees: Figure<u32>,
    pub tech_staff: Figure<u32>,
    pub sales: [Figure<Amount>; 3],
    pub net_assets: [Figure<Amount>; 3],
    pub rd: [Figure<Amount>; 3],
    pub rd_domestic: [Figure<Amount>; 3],
    pub hitech_revenue: Figure<Amount>,
    pub total_revenue: Figure<Amount>,
    pub serious_violation: Figure<bool>,
    pub ip_points: Figure<Amount>,
    pub conversion_points: Figure<Amount>,
    pub organisation_points: Figure<Amount>,
}

/// What the platform holds of an enterprise besides its returns.
#[derive(Debug, Clone, Default)]
pub struct Holdings {
    /// The valid 高企 certificate's code, if any.
    pub hnte_certificate: Option<String>,
    /// A credit record bars the organisation today.
    pub barred: bool,
    pub today: NaiveDate,
}

/// The 科技型中小企业 draft from the latest year's return and the platform's holdings.
pub fn sme_draft(latest: &ReturnYear, h: &Holdings) -> SmeDraft {
    let hnte_valid = match &h.hnte_certificate {
        Some(code) => Figure::known(true, Source::Certificate { code: code.clone() }),
        None => Figure::missing(),
    };
    SmeDraft {
        resident_mainland: Figure::missing(),
        employees: latest.figure(latest.employees, "EMPLOYEES"),
        tech_staff: latest.figure(latest.rd_staff, "RD_STAFF"),
        sales: latest.figure(latest.revenue, "REVENUE"),
        total_assets: latest.figure(latest.assets, "ASSETS"),
        rd_expense: latest.figure(latest.rd, "RD_EXP"),
        cost_expense: Figure::missing(),
        ip_class1: latest.figure(latest.valid_inventions, "PATENT_VALID_INV"),
        ip_class2: Figure::missing(),
        prohibited_industry: Figure::missing(),
        bad_record: Figure::known(h.barred, Source::Credit),
        hnte_valid,
        national_award_top3_5y: Figure::missing(),
        provincial_rd_institution: Figure::missing(),
        led_standard_5y: Figure::missing(),
    }
}

/// The 高企 draft from three years of returns (oldest first) and the platform's holdings.
pub fn hnte_draft(years: &[ReturnYear; 3], h: &Holdings) -> HnteDraft {
    let latest = &years[2];
    let each =
        |f: &dyn Fn(&ReturnYear) -> Figure<Amount>| [f(&years[0]), f(&years[1]), f(&years[2])];
    HnteDraft {
        registered_on: Figure::missing(),
        apply_on: Figure::known(h.today, Source::Today),
        core_ip: Figure::missing(),
        key_field: Figure::missing(),
        employees: latest.figure(latest.employees, "EMPLOYEES"),
        tech_staff: latest.figure(latest.rd_staff, "RD_STAFF"),
        sales: each(&|y| y.figure(y.revenue, "REVENUE")),
        net_assets: [Figure::missing(), Figure::missing(), Figure::missing()],
        rd: each(&|y| y.figure(y.rd, "RD_EXP")),
        rd_domestic: each(&|y| y.figure(y.rd_domestic(), "RD_EXP")),
        hitech_revenue: Figure::missing(),
        total_revenue: latest.figure(latest.revenue, "REVENUE"),
        serious_violation: Figure::known(h.barred, Source::Credit),
        ip_points: Figure::missing(),
        conversion_points: Figure::missing(),
        organisation_points: Figure::missing(),
    }
}

impl SmeDraft {
    /// The contract's input, or the names of the figures still missing.
    pub fn complete(&self) -> Result<SmeInput, Vec<&'static str>> {
        let mut missing = Vec::new();
        let mut need = |name: &'static str, present: bool| {
            if !present {
                missing.push(name);
            }
        };
        need("resident_mainland", self.resident_mainland.value.is_some());
        need("employees", self.employees.value.is_some());
        need("tech_staff", self.tech_staff.value.is_some());
        need("sales", self.sales.value.is_some());
        need("total_assets", self.total_assets.value.is_some());
        need("rd_expense", self.rd_expense.value.is_some());
        need("cost_expense", self.cost_expense.value.is_some());
        need("ip_class1", self.ip_class1.value.is_some());
        need("ip_class2", self.ip_class2.value.is_some());
        need("prohibited_industry", self.prohibited_industry.value.is_some());
        if !missing.is_empty() {
            return Err(missing);
        }
        let no = |f: &Figure<bool>| f.value.unwrap_or(false);
        Ok(SmeInput {
            resident_mainland: no(&self.resident_mainland),
            employees: self.employees.value.unwrap_or(0),
            tech_staff: self.tech_staff.value.unwrap_or(0),
            sales: self.sales.value.unwrap_or_default(),
            total_assets: self.total_assets.value.unwrap_or_default(),
            rd_expense: self.rd_expense.value.unwrap_or_default(),
            cost_expense: self.cost_expense.value.unwrap_or_default(),
            ip_class1: self.ip_class1.value.unwrap_or(0),
            ip_class2: self.ip_class2.value.unwrap_or(0),
            prohibited_industry: no(&self.prohibited_industry),
            bad_record: no(&self.bad_record),
            hnte_valid: no(&self.hnte_valid),
            national_award_top3_5y: no(&self.national_award_top3_5y),
            provincial_rd_institution: no(&self.provincial_rd_institution),
            led_standard_5y: no(&self.led_standard_5y),
        })
    }
}

impl HnteDraft {
    /// The input with every unknown at its most favourable value (for the pre-check's bounds).
    fn favourable(&self) -> HnteInput {
        let yes = |f: &Figure<bool>| f.value.unwrap_or(true);
        let amounts = |fs: &[Figure<Amount>; 3]| fs.each_ref().map(|f| f.value.unwrap_or_default());
        let sales = amounts(&self.sales);
        HnteInput {
            registered_on: self.registered_on.value.unwrap_or(NaiveDate::MIN),
            apply_on: self.apply_on.value.unwrap_or(NaiveDate::MAX),
            core_ip: yes(&self.core_ip),
            key_field: yes(&self.key_field),
            employees: self.employees.value.unwrap_or(0),
            tech_staff: self.tech_staff.value.unwrap_or(0),
            sales,
            net_assets: amounts(&self.net_assets),
            rd: amounts(&self.rd),
            rd_domestic: amounts(&self.rd_domestic),
            hitech_revenue: self.hitech_revenue.value.unwrap_or_default(),
            total_revenue: self.total_revenue.value.unwrap_or_default(),
            serious_violation: self.serious_violation.value.unwrap_or(false),
            ip_points: self.ip_points.value.unwrap_or(Amount::whole(hnte::MAX_IP_POINTS)),
            conversion_points: self
                .conversion_points
                .value
                .unwrap_or(Amount::whole(hnte::MAX_CONVERSION_POINTS)),
            organisation_points: self
                .organisation_points
                .value
                .unwrap_or(Amount::whole(hnte::MAX_ORGANISATION_POINTS)),
        }
    }

    /// Whether each rule's figures are all known.
    fn known(&self, rule: HnteRule) -> bool {
        let all = |fs: &[Figure<Amount>; 3]| fs.iter().all(|f| f.value.is_some());
        match rule {
            HnteRule::RegisteredOneYear => {
                self.registered_on.value.is_some() && self.apply_on.value.is_some()
            }
            HnteRule::CoreIp => self.core_ip.value.is_some(),
            HnteRule::KeyField => self.key_field.value.is_some(),
            HnteRule::TechStaffShare => {
                self.employees.value.is_some() && self.tech_staff.value.is_some()
            }
            HnteRule::RdIntensity => all(&self.rd) && all(&self.sales),
            HnteRule::RdDomesticShare => all(&self.rd) && all(&self.rd_domestic),
            HnteRule::HitechRevenueShare => {
                self.hitech_revenue.value.is_some() && self.total_revenue.value.is_some()
            }
            HnteRule::InnovationScore => {
                all(&self.sales)
                    && all(&self.net_assets)
                    && self.ip_points.value.is_some()
                    && self.conversion_points.value.is_some()
                    && self.organisation_points.value.is_some()
            }
            HnteRule::NoSeriousViolation => self.serious_violation.value.is_some(),
        }
    }

    /// The contract's input when every figure is known.
    pub fn complete(&self) -> Option<HnteInput> {
        HnteRule::ALL.iter().all(|&r| self.known(r)).then(|| self.favourable())
    }

    /// The pre-check so far: a check whose figures are not all known is undecided, except the
    /// innovation score when it stays below 71 even with unknown points at their maxima and
    /// unknown growth at 10 each.
    pub fn precheck(&self) -> HnteResult {
        let mut r = hnte::evaluate(&self.favourable());
        let growth_max = |years: &[Figure<Amount>; 3]| match years.each_ref().map(|f| f.value) {
            [Some(a), Some(b), Some(c)] => hnte::growth_points(hnte::growth_rate([a, b, c]))[1],
            _ => 10,
        };
        let f = self.favourable();
        let growth = growth_max(&self.net_assets) + growth_max(&self.sales);
        let best = Amount::sum(&[
            f.ip_points,
            f.conversion_points,
            f.organisation_points,
            Amount::whole(growth),
        ]);
        for check in &mut r.checks {
            if !self.known(check.rule) {
                let hopeless = check.rule == HnteRule::InnovationScore
                    && best < Amount::whole(hnte::PASS_SCORE);
                check.pass = if hopeless { Some(false) } else { None };
            }
        }
        r.verdict = hnte::verdict(&r.checks);
        r
    }
}

#[cfg(test)]
#[path = "draft_tests.rs"]
mod tests;
