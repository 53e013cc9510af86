//! Conflicts of interest (回避) that explain themselves: typed rules, each conflict found with the
//! rule, where the fact came from and the fact itself. Persons are matched by name after trimming
//! (names are what application forms and publication lists carry); organisations by their unified
//! social credit code, never by name.
use serde::Serialize;

/// The rules, in the order staff read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The expert works for the applying organisation (same credit code).
    SameOrganisation,
    /// The expert's organisation and the applicant are in the same org unit, or one unit holds the
    /// other (only where the call says so).
    SameUnit,
    /// Co-authors or members of the same project within the call's window of years.
    Coauthor,
    AdvisorStudent,
    Relative,
    /// On the applicant's own list of experts to avoid.
    AvoidList,
    /// The expert declared it (in the profile or on the item).
    Declared,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Self::SameOrganisation,
        Self::SameUnit,
        Self::Coauthor,
        Self::AdvisorStudent,
        Self::Relative,
        Self::AvoidList,
        Self::Declared,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::SameOrganisation => "same_organisation",
            Self::SameUnit => "same_unit",
            Self::Coauthor => "coauthor",
            Self::AdvisorStudent => "advisor_student",
            Self::Relative => "relative",
            Self::AvoidList => "avoid_list",
            Self::Declared => "declared",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// A tie the expert's profile records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TieKind {
    Coauthor,
    CoProject,
    Advisor,
    Student,
    Relative,
    /// A conflict the expert declares in advance (a person or an organisation).
    Declared,
}

impl TieKind {
    pub const ALL: [TieKind; 6] = [
        Self::Coauthor,
        Self::CoProject,
        Self::Advisor,
        Self::Student,
        Self::Relative,
        Self::Declared,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Coauthor => "coauthor",
            Self::CoProject => "co_project",
            Self::Advisor => "advisor",
            Self::Student => "student",
            Self::Relative => "relative",
            Self::Declared => "declared",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tie {
    pub kind: TieKind,
    /// The other person's name ("" when the tie is to an organisation).
    pub name: String,
    /// The other organisation's credit code ("" when the tie is to a person).
    pub credit_code: String,
    /// The year of the joint paper or project (co-authors, co-project members).
    pub year: Option<i32>,
}

/// The expert's side: who they are, where they work, whom they are tied to.
#[derive(Debug, Clone, Default)]
pub struct ExpertSide {
    pub code: String,
    pub name: String,
    pub credit_code: String,
    /// The org unit path of the expert's organisation ("" if unknown).
    pub unit_path: String,
    pub ties: Vec<Tie>,
}

/// The item's side: the applicant, the team, the applying organisation, the list to avoid.
#[derive(Debug, Clone, Default)]
pub struct ItemSide {
    pub applicant: String,
    pub members: Vec<String>,
    pub credit_code: String,
    pub unit_path: String,
    /// Experts the applicant asks to avoid, by expert code or name.
    pub avoid: Vec<String>,
}

/// What the call decides.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Experts from the applicant's org unit (zone, county) are in conflict too.
    pub same_unit: bool,
    /// Co-authors and co-project members within this many years of `year` are in conflict.
    pub coauthor_years: i32,
    pub year: i32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { same_unit: false, coauthor_years: 3, year: 2026 }
    }
}

/// Where the fact behind a conflict comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The expert's profile (organisation, publications, ties).
    Profile,
    /// The application (applicant, team, organisation, list to avoid).
    Application,
    /// The expert's own declaration on the item.
    Declaration,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::Application => "application",
            Self::Declaration => "declaration",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Profile, Self::Application, Self::Declaration].into_iter().find(|x| x.code() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub kind: Kind,
    pub source: Source,
    /// The fact, in the data's own words: a name, a credit code, "张伟 (2024)".
    pub detail: String,
}

fn same_person(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a == b
}

/// Every conflict between an expert and an item under the call's policy; empty when none.
pub fn find(expert: &ExpertSide, item: &ItemSide, policy: Policy) -> Vec<Conflict> {
    let mut out = Vec::new();
    let mut push = |kind, source, detail: String| {
        let c = Conflict { kind, source, detail };
        if !out.contains(&c) {
            out.push(c);
        }
    };
    if !expert.credit_code.is_empty() && expert.credit_code == item.credit_code {
        push(Kind::SameOrganisation, Source::Profile, item.credit_code.clone());
    }
    if policy.same_unit
        && !expert.unit_path.is_empty()
        && !item.unit_path.is_empty()
        && (crate::orgs::in_subtree(&item.unit_path, &expert.unit_path)
            || crate::orgs::in_subtree(&expert.unit_path, &item.unit_path))
    {
        push(Kind::SameUnit, Source::Profile, item.unit_path.clone());
    }
    let people: Vec<&str> = std::iter::once(item.applicant.as_str())
        .chain(item.members.iter().map(String::as_str))
        .collect();
    for tie in &expert.ties {
        let person = people.iter().find(|p| same_person(p, &tie.name));
        let org = !tie.credit_code.is_empty() && tie.credit_code == item.credit_code;
        match tie.kind {
            TieKind::Coauthor | TieKind::CoProject => {
                let recent = tie.year.is_none_or(|y| y >= policy.year - policy.coauthor_years);
                if let (Some(p), true) = (person, recent) {
                    let year = tie.year.map(|y| format!(" ({y})")).unwrap_or_default();
                    push(Kind::Coauthor, Source::Profile, format!("{p}{year}"));
                }
            }
            TieKind::Advisor | TieKind::Student => {
                if let Some(p) = person {
                    push(Kind::AdvisorStudent, Source::Profile, p.to_string());
                }
            }
            TieKind::Relative => {
                if let Some(p) = person {
                    push(Kind::Relative, Source::Profile, p.to_string());
                }
            }
            TieKind::Declared => {
                if let Some(p) = person {
                    push(Kind::Declared, Source::Profile, p.to_string());
                } else if org {
                    push(Kind::Declared, Source::Profile, tie.credit_code.clone());
                }
            }
        }
    }
    for a in &item.avoid {
        if same_person(a, &expert.code) || same_person(a, &expert.name) {
            push(Kind::AvoidList, Source::Application, a.trim().to_string());
        }
    }
    // An applicant reviewing their own item is the plainest conflict of all.
    if people.iter().any(|p| same_person(p, &expert.name))
        && expert.credit_code == item.credit_code
        && !expert.credit_code.is_empty()
    {
        push(Kind::SameOrganisation, Source::Application, expert.name.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expert() -> ExpertSide {
        ExpertSide {
            code: "E001".into(),
            name: "王明".into(),
            credit_code: "12620000438000001A".into(),
            unit_path: "/1/2/5/".into(),
            ties: vec![
                Tie {
                    kind: TieKind::Coauthor,
                    name: "李华".into(),
                    credit_code: String::new(),
                    year: Some(2024),
                },
                Tie {
                    kind: TieKind::Coauthor,
                    name: "赵刚".into(),
                    credit_code: String::new(),
                    year: Some(2019),
                },
                Tie {
                    kind: TieKind::Student,
                    name: "陈静".into(),
                    credit_code: String::new(),
                    year: None,
                },
                Tie {
                    kind: TieKind::Relative,
                    name: "王芳".into(),
                    credit_code: String::new(),
                    year: None,
                },
                Tie {
                    kind: TieKind::Declared,
                    name: String::new(),
                    credit_code: "91620100MA7X00009K".into(),
                    year: None,
                },
            ],
        }
    }

    fn item(applicant: &str, credit: &str) -> ItemSide {
        ItemSide {
            applicant: applicant.into(),
            members: vec![],
            credit_code: credit.into(),
            unit_path: "/1/2/6/".into(),
            avoid: vec![],
        }
    }

    #[test]
    fn organisations_match_by_credit_code_not_name() {
        let e = expert();
        let c = find(&e, &item("张三", "12620000438000001A"), Policy::default());
        assert_eq!(
            c,
            vec![Conflict {
                kind: Kind::SameOrganisation,
                source: Source::Profile,
                detail: "12620000438000001A".into()
            }]
        );
        assert!(find(&e, &item("张三", "12620000438000002B"), Policy::default()).is_empty());
    }

    #[test]
    fn coauthors_count_only_within_the_window() {
        let e = expert();
        let policy = Policy { coauthor_years: 3, year: 2026, same_unit: false };
        let mut it = item("张三", "X");
        it.members = vec!["李华".into(), "赵刚".into()];
        let c = find(&e, &it, policy);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, Kind::Coauthor);
        assert_eq!(c[0].detail, "李华 (2024)");
        let wider = find(&e, &it, Policy { coauthor_years: 10, ..policy });
        assert_eq!(wider.len(), 2, "a wider window reaches the 2019 paper");
    }

    #[test]
    fn every_rule_names_its_fact() {
        let e = expert();
        let kinds = |it: &ItemSide, p: Policy| {
            find(&e, it, p).into_iter().map(|c| c.kind).collect::<Vec<_>>()
        };
        assert_eq!(kinds(&item("陈静", "X"), Policy::default()), vec![Kind::AdvisorStudent]);
        assert_eq!(kinds(&item("王芳", "X"), Policy::default()), vec![Kind::Relative]);
        assert_eq!(
            kinds(&item("某人", "91620100MA7X00009K"), Policy::default()),
            vec![Kind::Declared]
        );
        let mut avoid = item("某人", "X");
        avoid.avoid = vec!["E001".into()];
        assert_eq!(
            find(&e, &avoid, Policy::default())[0],
            Conflict { kind: Kind::AvoidList, source: Source::Application, detail: "E001".into() }
        );
        assert!(kinds(&item("某人", "X"), Policy::default()).is_empty());
        let same_unit = Policy { same_unit: true, ..Policy::default() };
        let mut inside = item("某人", "X");
        inside.unit_path = "/1/2/".into();
        assert_eq!(
            kinds(&inside, same_unit),
            vec![Kind::SameUnit],
            "the expert's unit lies in the applicant's"
        );
        assert!(
            kinds(&item("某人", "X"), same_unit).is_empty(),
            "a sibling zone is not the same unit"
        );
    }
}
