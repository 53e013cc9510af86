//! Talent and teams (人才与团队): people in the bureau's programmes — the talent pool (人才池),
//! leading talents, members of innovation teams, S&T commissioners (科技特派员) and three-regions
//! talents (三区人才) sent to villages and firms — each supported for a period and evaluated every
//! three or five years; teams with a leader and members; yearly reports.
use crate::orgs::{FieldError, credit_code_field};
use chrono::{Datelike, NaiveDate};

/// The programmes: code, Chinese and English names, the usual evaluation cycle in years.
pub const PROGRAMMES: [(&str, &str, &str, u32); 5] = [
    ("talent_pool", "人才池", "Talent pool", 3),
    ("leading_talent", "科技领军人才", "Leading talent", 5),
    ("innovation_team", "创新团队成员", "Innovation team member", 3),
    ("commissioner", "科技特派员", "S&T commissioner", 3),
    ("three_regions", "三区人才", "Three-regions talent", 3),
];

/// The evaluation cycles a programme may use.
pub const CYCLES: [u32; 2] = [3, 5];

/// The longest support a programme gives, in years.
pub const MAX_SUPPORT_YEARS: i32 = 10;

pub fn is_programme(code: &str) -> bool {
    PROGRAMMES.iter().any(|p| p.0 == code)
}

/// Programmes that send people out to a village or a firm (the placement must be named).
pub fn sends_out(programme: &str) -> bool {
    matches!(programme, "commissioner" | "three_regions")
}

fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

fn date(field: &'static str, text: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.push(problem(field, "subj.cert.err.date", vec![text.trim().to_string()]));
    }
    d
}

/// A support period and cycle, checked: ends after it starts, at most ten years, a known cycle.
fn period(
    from: &str,
    to: &str,
    cycle: &str,
    errors: &mut Vec<FieldError>,
) -> Option<(NaiveDate, NaiveDate, u32)> {
    let from = date("support_from", from, errors);
    let to = date("support_to", to, errors);
    if let (Some(f), Some(t)) = (from, to)
        && (t <= f || t > years_after(f, MAX_SUPPORT_YEARS))
    {
        errors.push(problem(
            "support_to",
            "talent.err.period",
            vec![MAX_SUPPORT_YEARS.to_string()],
        ));
    }
    let cycle = cycle.trim().parse::<u32>().ok().filter(|c| CYCLES.contains(c));
    if cycle.is_none() {
        errors.push(problem("cycle_years", "talent.err.cycle", vec![]));
    }
    Some((from?, to?, cycle?))
}

fn name(field: &'static str, text: &str, most: usize, errors: &mut Vec<FieldError>) -> String {
    let n = text.trim().chars().count();
    if n == 0 || n > most {
        errors.push(problem(field, "talent.err.name", vec![most.to_string()]));
    }
    text.trim().to_string()
}

/// A person as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct PersonInput {
    #[serde(default)]
    pub name: String,
    /// 职称 (e.g. 研究员, 高级工程师).
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub organisation_credit_code: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub programme: String,
    #[serde(default)]
    pub support_from: String,
    #[serde(default)]
    pub support_to: String,
    #[serde(default)]
    pub cycle_years: String,
    /// Where a commissioner or three-regions talent serves (a village, a firm).
    #[serde(default)]
    pub placement: String,
    /// The person's code in the expert library, if they are in it.
    #[serde(default)]
    pub expert_code: String,
}

/// A person that may be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub title: String,
    pub organisation_credit_code: String,
    pub field: String,
    pub programme: String,
    pub support_from: NaiveDate,
    pub support_to: NaiveDate,
    pub cycle_years: u32,
    pub placement: String,
    pub expert_code: Option<String>,
}

impl PersonInput {
    /// The person, or every field's problem.
    pub fn check(&self) -> Result<Person, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = name("name", &self.name, 30, &mut errors);
        let org = credit_code_field("organisation_credit_code", &self.organisation_credit_code)
            .map_err(|e| errors.push(e))
            .ok();
        let programme = self.programme.trim();
        if !is_programme(programme) {
            errors.push(problem("programme", "talent.err.programme", vec![]));
        }
        let support = period(&self.support_from, &self.support_to, &self.cycle_years, &mut errors);
        let placement = self.placement.trim();
        if sends_out(programme) && placement.is_empty() {
            errors.push(problem("placement", "talent.err.placement", vec![]));
        }
        for (field, text) in
            [("title", &self.title), ("field", &self.field), ("placement", &self.placement)]
        {
            if text.trim().chars().count() > 100 {
                errors.push(problem(field, "talent.err.long", vec!["100".into()]));
            }
        }
        match (org, support) {
            (Some(org), Some((support_from, support_to, cycle_years))) if errors.is_empty() => {
                Ok(Person {
                    name,
                    title: self.title.trim().to_string(),
                    organisation_credit_code: org.to_string(),
                    field: self.field.trim().to_string(),
                    programme: programme.to_string(),
                    support_from,
                    support_to,
                    cycle_years,
                    placement: placement.to_string(),
                    expert_code: Some(self.expert_code.trim().to_string())
                        .filter(|c| !c.is_empty()),
                })
            }
            _ => Err(errors),
        }
    }
}

/// A team as typed: its leader and members are people already recorded, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct TeamInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub organisation_credit_code: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub leader_id: String,
    /// Members' ids, separated by commas or spaces (the leader is a member anyway).
    #[serde(default)]
    pub member_ids: String,
    #[serde(default)]
    pub support_from: String,
    #[serde(default)]
    pub support_to: String,
    #[serde(default)]
    pub cycle_years: String,
}

/// A team that may be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub name: String,
    pub organisation_credit_code: String,
    pub field: String,
    pub leader_id: i64,
    /// The other members, without the leader, each once.
    pub member_ids: Vec<i64>,
    pub support_from: NaiveDate,
    pub support_to: NaiveDate,
    pub cycle_years: u32,
}

/// A team has at least this many people, its leader included.
pub const TEAM_MIN: usize = 3;

impl TeamInput {
    /// The team, or every field's problem.
    pub fn check(&self) -> Result<Team, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = name("name", &self.name, 60, &mut errors);
        let org = credit_code_field("organisation_credit_code", &self.organisation_credit_code)
            .map_err(|e| errors.push(e))
            .ok();
        let leader = self.leader_id.trim().parse::<i64>().ok();
        if leader.is_none() {
            errors.push(problem("leader_id", "talent.err.leader", vec![]));
        }
        let mut members = Vec::new();
        for text in
            self.member_ids.split([',', '，', ' ', '\n', '、']).filter(|t| !t.trim().is_empty())
        {
            match text.trim().parse::<i64>() {
                Ok(id) if Some(id) != leader && !members.contains(&id) => members.push(id),
                Ok(_) => {}
                Err(_) => errors.push(problem(
                    "member_ids",
                    "talent.err.member",
                    vec![text.trim().into()],
                )),
            }
        }
        if members.len() + 1 < TEAM_MIN {
            errors.push(problem("member_ids", "talent.err.members", vec![TEAM_MIN.to_string()]));
        }
        if self.field.trim().chars().count() > 100 {
            errors.push(problem("field", "talent.err.long", vec!["100".into()]));
        }
        let support = period(&self.support_from, &self.support_to, &self.cycle_years, &mut errors);
        match (org, leader, support) {
            (Some(org), Some(leader_id), Some((support_from, support_to, cycle_years)))
                if errors.is_empty() =>
            {
                Ok(Team {
                    name,
                    organisation_credit_code: org.to_string(),
                    field: self.field.trim().to_string(),
                    leader_id,
                    member_ids: members,
                    support_from,
                    support_to,
                    cycle_years,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The same day `years` later (29 February becomes 28 February).
fn years_after(d: NaiveDate, years: i32) -> NaiveDate {
    let y = d.year() + years;
    NaiveDate::from_ymd_opt(y, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, d.month(), 28))
        .unwrap_or(d)
}

/// The evaluations of a support period: every `cycle` years from its start, and at its end.
pub fn evaluations(from: NaiveDate, to: NaiveDate, cycle: u32) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut k = 1;
    loop {
        let d = years_after(from, k * cycle as i32);
        if d >= to {
            break;
        }
        out.push(d);
        k += 1;
    }
    out.push(to);
    out
}

/// The next evaluation on or after `today`, if the support has not ended.
pub fn next_evaluation(
    from: NaiveDate,
    to: NaiveDate,
    cycle: u32,
    today: NaiveDate,
) -> Option<NaiveDate> {
    evaluations(from, to, cycle).into_iter().find(|d| *d >= today)
}

/// The years a yearly report is due for by `today`: each year of the support that has ended.
pub fn report_years(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Vec<i32> {
    (from.year()..=to.year().min(today.year() - 1)).collect()
}

/// Whether the support covers some day of `year`.
pub fn supported_in(from: NaiveDate, to: NaiveDate, year: i32) -> bool {
    from.year() <= year && to.year() >= year
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn person() -> PersonInput {
        PersonInput {
            name: "王建国".into(),
            title: "研究员".into(),
            organisation_credit_code: crate::orgs::CreditCode::complete("12620000MB0000001")
                .unwrap()
                .to_string(),
            field: "稀土功能材料".into(),
            programme: "commissioner".into(),
            support_from: "2024-03-01".into(),
            support_to: "2027-02-28".into(),
            cycle_years: "3".into(),
            placement: "榆中县和平镇".into(),
            expert_code: String::new(),
        }
    }

    #[test]
    fn a_person_is_read_and_every_bad_field_is_named() {
        let p = person().check().unwrap();
        assert_eq!((p.cycle_years, p.expert_code), (3, None));
        let bad = PersonInput {
            name: String::new(),
            organisation_credit_code: "x".into(),
            programme: "commissioner".into(),
            support_from: "2024-03-01".into(),
            support_to: "2024-03-01".into(),
            cycle_years: "4".into(),
            ..PersonInput::default()
        };
        let fields: Vec<&str> = bad.check().unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["name", "organisation_credit_code", "support_to", "cycle_years", "placement"]
        );
        let mut long = person();
        long.support_to = "2034-03-02".into();
        assert_eq!(long.check().unwrap_err()[0].key, "talent.err.period");
        long.support_to = "2034-03-01".into();
        assert!(long.check().is_ok(), "ten years is the most");
        let mut pool = person();
        pool.programme = "talent_pool".into();
        pool.placement = String::new();
        assert!(pool.check().is_ok(), "only those sent out name a placement");
    }

    #[test]
    fn a_team_has_three_people_its_leader_counted_once() {
        let mut t = TeamInput {
            name: "稀土永磁材料创新团队".into(),
            organisation_credit_code: person().organisation_credit_code,
            leader_id: "7".into(),
            member_ids: "7, 8，8".into(),
            support_from: "2025-01-01".into(),
            support_to: "2027-12-31".into(),
            cycle_years: "3".into(),
            ..TeamInput::default()
        };
        assert_eq!(t.check().unwrap_err()[0].key, "talent.err.members");
        t.member_ids = "7、8 9".into();
        assert_eq!(t.check().unwrap().member_ids, vec![8, 9]);
        t.member_ids = "8 nine".into();
        assert_eq!(t.check().unwrap_err()[0].key, "talent.err.member");
    }

    #[test]
    fn evaluations_fall_every_cycle_and_at_the_end() {
        assert_eq!(
            evaluations(d("2020-03-01"), d("2027-02-28"), 3),
            [d("2023-03-01"), d("2026-03-01"), d("2027-02-28")]
        );
        assert_eq!(
            evaluations(d("2024-01-01"), d("2027-01-01"), 3),
            [d("2027-01-01")],
            "the end is the third year"
        );
        assert_eq!(
            evaluations(d("2020-02-29"), d("2030-12-31"), 5),
            [d("2025-02-28"), d("2030-02-28"), d("2030-12-31")]
        );
        let today = d("2026-12-06");
        assert_eq!(
            next_evaluation(d("2020-03-01"), d("2027-02-28"), 3, today),
            Some(d("2027-02-28"))
        );
        assert_eq!(next_evaluation(d("2020-03-01"), d("2026-02-28"), 3, today), None);
        assert_eq!(report_years(d("2024-03-01"), d("2027-02-28"), today), [2024, 2025]);
        assert!(supported_in(d("2024-03-01"), d("2027-02-28"), 2027));
        assert!(!supported_in(d("2024-03-01"), d("2027-02-28"), 2023));
    }
}
