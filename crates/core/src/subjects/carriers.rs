//! Platforms and carriers (创新平台与载体): key labs, engineering research centres, enterprise
//! technology centres, new-type R&D institutions, academician workstations, incubators, maker
//! spaces, industrial technology alliances and industry–university–research bases. What makes a
//! registration valid, and the yearly grade with what follows from it.
use crate::orgs::{FieldError, credit_code_field};
use chrono::NaiveDate;

/// The kinds of carrier, with their Chinese and English names and the statistics form their
/// annual return is filed on.
pub const KINDS: [(&str, &str, &str, &str); 9] = [
    ("key_lab", "重点实验室", "Key laboratory", RD_FORM),
    ("engineering_centre", "工程技术研究中心", "Engineering research centre", RD_FORM),
    ("enterprise_centre", "企业技术中心", "Enterprise technology centre", RD_FORM),
    ("new_rd", "新型研发机构", "New-type R&D institution", RD_FORM),
    ("academician", "院士工作站", "Academician workstation", RD_FORM),
    ("incubator", "科技企业孵化器", "Incubator", INCUBATION_FORM),
    ("maker_space", "众创空间", "Maker space", INCUBATION_FORM),
    ("alliance", "产业技术创新战略联盟", "Industrial technology alliance", RD_FORM),
    ("iur_base", "产学研合作基地", "Industry–university–research base", RD_FORM),
];

/// The annual return of incubators and maker spaces (area, tenants, graduates, funding, jobs).
pub const INCUBATION_FORM: &str = "ZT-1";
/// The annual return of R&D platforms, alliances and bases.
pub const RD_FORM: &str = "ZT-2";

/// Whether a kind's code is one.
pub fn is_kind(code: &str) -> bool {
    KINDS.iter().any(|k| k.0 == code)
}

/// The form a kind files its annual return on.
pub fn form_of(kind: &str) -> Option<&'static str> {
    KINDS.iter().find(|k| k.0 == kind).map(|k| k.3)
}

/// The kinds that file on a form.
pub fn kinds_filing(form: &str) -> Vec<&'static str> {
    KINDS.iter().filter(|k| k.3 == form).map(|k| k.0).collect()
}

/// The R&D platforms seed 004 counts toward its 500 (研发平台).
pub const RD_PLATFORMS: [&str; 4] =
    ["key_lab", "engineering_centre", "enterprise_centre", "new_rd"];

/// Levels of recognition, highest first.
pub const LEVELS: [&str; 3] = ["national", "provincial", "city"];

/// Where a carrier stands: in good standing, warned after a failing year, removed.
pub const STATUSES: [&str; 3] = ["active", "warned", "removed"];

/// The registration code a carrier's host writes on its annual return: `ZT` and the number.
pub fn code_of(id: i64) -> String {
    format!("ZT{id:05}")
}

/// A carrier's registration as typed: texts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct CarrierInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub level: String,
    /// The host organisation's credit code.
    #[serde(default)]
    pub host_credit_code: String,
    /// Partner (or, for an alliance, member) organisations' credit codes, separated by commas,
    /// spaces or new lines.
    #[serde(default)]
    pub partners: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub recognised_on: String,
}

/// A registration that may be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carrier {
    pub name: String,
    pub kind: String,
    pub level: String,
    pub host_credit_code: String,
    pub partners: Vec<String>,
    pub field: String,
    pub recognised_on: NaiveDate,
}

/// An alliance has at least this many members besides its host.
pub const ALLIANCE_MIN_MEMBERS: usize = 2;

fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

impl CarrierInput {
    /// The registration, or every field's problem. `today` bounds the recognition date.
    pub fn check(&self, today: NaiveDate) -> Result<Carrier, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(problem("name", "carrier.err.name", vec![]));
        }
        if !is_kind(self.kind.trim()) {
            errors.push(problem("kind", "carrier.err.kind", vec![]));
        }
        if !LEVELS.contains(&self.level.trim()) {
            errors.push(problem("level", "carrier.err.level", vec![]));
        }
        let host = credit_code_field("host_credit_code", &self.host_credit_code);
        if let Err(e) = &host {
            errors.push(e.clone());
        }
        let mut partners: Vec<String> = Vec::new();
        for text in self.partners.split([',', '，', ' ', '\n', '\r', '、', ';', '；']) {
            if text.trim().is_empty() {
                continue;
            }
            match credit_code_field("partners", text) {
                Ok(code) => {
                    let code = code.to_string();
                    let is_host = host.as_ref().is_ok_and(|h| h.to_string() == code);
                    if is_host || partners.contains(&code) {
                        errors.push(problem("partners", "carrier.err.partner_twice", vec![code]));
                    } else {
                        partners.push(code);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if self.kind.trim() == "alliance" && partners.len() < ALLIANCE_MIN_MEMBERS {
            errors.push(problem(
                "partners",
                "carrier.err.members",
                vec![ALLIANCE_MIN_MEMBERS.to_string()],
            ));
        }
        let field = self.field.trim();
        if field.chars().count() > 100 {
            errors.push(problem("field", "carrier.err.field", vec![]));
        }
        let recognised_on = NaiveDate::parse_from_str(self.recognised_on.trim(), "%Y-%m-%d");
        match recognised_on {
            Ok(d) if d > today => {
                errors.push(problem("recognised_on", "carrier.err.future", vec![]))
            }
            Ok(_) => {}
            Err(_) => errors.push(problem(
                "recognised_on",
                "subj.cert.err.date",
                vec![self.recognised_on.trim().to_string()],
            )),
        }
        match (host, recognised_on) {
            (Ok(host), Ok(recognised_on)) if errors.is_empty() => Ok(Carrier {
                name: name.to_string(),
                kind: self.kind.trim().to_string(),
                level: self.level.trim().to_string(),
                host_credit_code: host.to_string(),
                partners,
                field: field.to_string(),
                recognised_on,
            }),
            _ => Err(errors),
        }
    }
}

/// The yearly grade, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grade {
    /// 优秀
    Excellent,
    /// 良好
    Good,
    /// 合格
    Pass,
    /// 不合格
    Fail,
}

impl Grade {
    pub const ALL: [Grade; 4] = [Grade::Excellent, Grade::Good, Grade::Pass, Grade::Fail];

    pub fn code(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::Pass => "pass",
            Grade::Fail => "fail",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.code() == s)
    }

    /// The grade the experts' mean score (0–100) suggests: 90 and above 优秀, 80 良好, 60 合格,
    /// below 60 不合格. The bureau may grade otherwise, with a reason.
    pub fn suggested(mean: f64) -> Grade {
        if mean >= 90.0 {
            Grade::Excellent
        } else if mean >= 80.0 {
            Grade::Good
        } else if mean >= 60.0 {
            Grade::Pass
        } else {
            Grade::Fail
        }
    }
}

/// What follows from a year's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consequence {
    /// 优秀: first in line for the year's support (后补助).
    Support,
    /// 良好 or 合格: nothing changes (a warned carrier is back in good standing).
    None,
    /// A first 不合格: warned, to be put right within the year.
    Warning,
    /// 不合格 while warned: removed from the registry (its title withdrawn).
    Removal,
}

impl Consequence {
    pub fn code(self) -> &'static str {
        match self {
            Consequence::Support => "support",
            Consequence::None => "none",
            Consequence::Warning => "warning",
            Consequence::Removal => "removal",
        }
    }

    /// The status a carrier has after it.
    pub fn status_after(self) -> &'static str {
        match self {
            Consequence::Support | Consequence::None => "active",
            Consequence::Warning => "warned",
            Consequence::Removal => "removed",
        }
    }
}

/// What a grade means for a carrier whose status (before the grade) is `status`.
pub fn consequence(grade: Grade, status: &str) -> Consequence {
    match grade {
        Grade::Excellent => Consequence::Support,
        Grade::Good | Grade::Pass => Consequence::None,
        Grade::Fail if status == "warned" => Consequence::Removal,
        Grade::Fail => Consequence::Warning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    fn input() -> CarrierInput {
        CarrierInput {
            name: "兰州高新区科技企业孵化器".into(),
            kind: "incubator".into(),
            level: "provincial".into(),
            host_credit_code: "91620100MA71234560".into(),
            partners: String::new(),
            field: "新材料".into(),
            recognised_on: "2026-12-06".into(),
        }
    }

    fn valid_code(seed: &str) -> String {
        crate::orgs::CreditCode::complete(seed).unwrap().to_string()
    }

    #[test]
    fn a_valid_registration_is_read_and_bad_fields_are_each_named() {
        let mut i = input();
        i.host_credit_code = valid_code("91620100MA7123456");
        let c = i.check(today()).unwrap();
        assert_eq!(c.kind, "incubator");
        assert_eq!(c.recognised_on, today());
        let bad = CarrierInput {
            name: " ".into(),
            kind: "castle".into(),
            level: "galactic".into(),
            host_credit_code: "123".into(),
            partners: "nonsense".into(),
            field: "x".repeat(101),
            recognised_on: "2026-12-07".into(),
        };
        let fields: Vec<&str> = bad.check(today()).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["name", "kind", "level", "host_credit_code", "partners", "field", "recognised_on"]
        );
    }

    #[test]
    fn partners_are_distinct_from_each_other_and_the_host_and_alliances_need_two() {
        let host = valid_code("91620100MA7123456");
        let a = valid_code("91620100MA7000001");
        let b = valid_code("91620100MA7000002");
        let mut i = input();
        i.host_credit_code = host.clone();
        i.kind = "alliance".into();
        i.partners = a.clone();
        let e = i.check(today()).unwrap_err();
        assert_eq!((e[0].field, e[0].key), ("partners", "carrier.err.members"));
        i.partners = format!("{a}，{b}\n{a} {host}");
        let keys: Vec<&str> = i.check(today()).unwrap_err().iter().map(|e| e.key).collect();
        assert_eq!(keys, ["carrier.err.partner_twice", "carrier.err.partner_twice"]);
        i.partners = format!("{a}、{b}");
        assert_eq!(i.check(today()).unwrap().partners, vec![a, b]);
    }

    #[test]
    fn grades_follow_the_mean_at_their_bounds() {
        assert_eq!(Grade::suggested(90.0), Grade::Excellent);
        assert_eq!(Grade::suggested(89.99), Grade::Good);
        assert_eq!(Grade::suggested(80.0), Grade::Good);
        assert_eq!(Grade::suggested(79.9), Grade::Pass);
        assert_eq!(Grade::suggested(60.0), Grade::Pass);
        assert_eq!(Grade::suggested(59.9), Grade::Fail);
        assert_eq!(Grade::suggested(0.0), Grade::Fail);
    }

    #[test]
    fn a_second_failing_year_removes_and_a_passing_one_restores() {
        assert_eq!(consequence(Grade::Fail, "active"), Consequence::Warning);
        assert_eq!(consequence(Grade::Fail, "warned"), Consequence::Removal);
        assert_eq!(consequence(Grade::Pass, "warned").status_after(), "active");
        assert_eq!(consequence(Grade::Excellent, "active"), Consequence::Support);
        assert_eq!(Consequence::Removal.status_after(), "removed");
        for g in Grade::ALL {
            assert_eq!(Grade::parse(g.code()), Some(g));
        }
    }

    #[test]
    fn every_kind_files_on_one_of_the_two_forms() {
        assert_eq!(form_of("incubator"), Some(INCUBATION_FORM));
        assert_eq!(form_of("key_lab"), Some(RD_FORM));
        assert_eq!(form_of("castle"), None);
        assert_eq!(kinds_filing(INCUBATION_FORM), ["incubator", "maker_space"]);
        assert_eq!(kinds_filing(RD_FORM).len() + 2, KINDS.len());
        assert_eq!(code_of(42), "ZT00042");
    }
}
