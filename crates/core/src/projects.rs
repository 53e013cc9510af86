//! S&T plan projects (科技计划项目): an application's path through the three levels and the
//! three reviews to the decision (三审一决策) and approval, the call's eligibility rules, deadlines
//! per level, duplicate detection; money and instalments are in [`funding`], amounts in [`money`].
pub mod execution;
pub mod form;
pub mod funding;
pub mod milestones;
pub mod money;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The researcher is writing it (also after a return).
    Draft,
    /// With the organisation's admin for endorsement (单位审核).
    Submitted,
    /// Endorsed, with the zone/county for recommendation (推荐).
    Endorsed,
    /// Recommended, with the bureau for the formal check (形式审查).
    Recommended,
    /// Passed the formal check; in expert review (专家评审).
    InReview,
    /// Expert review done; department review (部门审核) and then the decision.
    Reviewed,
    /// Decided for funding; in public notice (公示).
    Approved,
    /// Kept in the reserve pool (储备项目库).
    Reserved,
    /// Rejected (formal check or decision), with the reason.
    Rejected,
    /// Notice period over without an upheld objection: a project (立项).
    Established,
    /// Withdrawn by the applicant.
    Withdrawn,
}

impl Stage {
    pub const ALL: [Stage; 11] = [
        Self::Draft,
        Self::Submitted,
        Self::Endorsed,
        Self::Recommended,
        Self::InReview,
        Self::Reviewed,
        Self::Approved,
        Self::Reserved,
        Self::Rejected,
        Self::Established,
        Self::Withdrawn,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Endorsed => "endorsed",
            Self::Recommended => "recommended",
            Self::InReview => "in_review",
            Self::Reviewed => "reviewed",
            Self::Approved => "approved",
            Self::Reserved => "reserved",
            Self::Rejected => "rejected",
            Self::Established => "established",
            Self::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    /// The applicant may change the text.
    pub fn editable(self) -> bool {
        self == Self::Draft
    }
}

/// Who acts on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Applicant,
    Organisation,
    Zone,
    Bureau,
}

/// Who an application belongs to: what decides who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder<'a> {
    pub organisation_id: i64,
    pub leader_user_id: i64,
    pub unit_path: &'a str,
}

/// The one place that says whether `p` may see an application, and at which level they act:
/// the bureau everything, a zone its area, an organisation's admin its organisation, a member
/// the applications they lead.
pub fn level_on(p: &crate::access::Principal, a: Holder<'_>) -> Option<Level> {
    use crate::access::{Role, Scope};
    match (&p.role, &p.scope) {
        (Role::SystemAdmin | Role::BureauStaff, _) => Some(Level::Bureau),
        (Role::ZoneAdmin, Scope::Subtrees(roots)) if crate::orgs::in_area(roots, a.unit_path) => {
            Some(Level::Zone)
        }
        (Role::OrgAdmin, Scope::Organisation(o)) if *o == a.organisation_id => {
            Some(if a.leader_user_id == p.user_id { Level::Applicant } else { Level::Organisation })
        }
        (Role::OrgMember, Scope::Organisation(o))
            if *o == a.organisation_id && a.leader_user_id == p.user_id =>
        {
            Some(Level::Applicant)
        }
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Withdraw,
    Endorse,
    /// Sent back to the applicant by the organisation or the zone, with the reason.
    Return,
    Recommend,
    FormalPass,
    FormalReject,
    /// Expert review finished (the round closed).
    FinishReview,
    Approve,
    Reserve,
    Reject,
    /// The notice period ended without an upheld objection.
    Establish,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Withdraw => "withdraw",
            Self::Endorse => "endorse",
            Self::Return => "return",
            Self::Recommend => "recommend",
            Self::FormalPass => "formal_pass",
            Self::FormalReject => "formal_reject",
            Self::FinishReview => "finish_review",
            Self::Approve => "approve",
            Self::Reserve => "reserve",
            Self::Reject => "reject",
            Self::Establish => "establish",
        }
    }
    pub fn parse(s: &str) -> Option<Action> {
        [
            Self::Submit,
            Self::Withdraw,
            Self::Endorse,
            Self::Return,
            Self::Recommend,
            Self::FormalPass,
            Self::FormalReject,
            Self::FinishReview,
            Self::Approve,
            Self::Reserve,
            Self::Reject,
            Self::Establish,
        ]
        .into_iter()
        .find(|a| a.code() == s)
    }
    /// Actions that must say why (the applicant reads it).
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Return | Self::FormalReject | Self::Reject)
    }
}

/// The listed grounds for failing the formal check (形式审查不通过的理由), as codes; the
/// applicant reads them (with any further words) as the reason.
pub const FORMAL_GROUNDS: [&str; 7] = [
    "org_ineligible",
    "leader_ineligible",
    "missing_documents",
    "no_seal",
    "budget_rules",
    "off_topic",
    "duplicate",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    #[error("{action} is not possible when the application is {from}")]
    NotAllowed { from: &'static str, action: &'static str },
    #[error("{action} is for the {expected:?} level")]
    WrongLevel { action: &'static str, expected: Level },
    #[error("a reason is required")]
    ReasonRequired,
}

/// The level that may take `action` (checked besides the role and scope).
pub fn level_of(from: Stage, action: Action) -> Level {
    use Action as A;
    match action {
        A::Submit | A::Withdraw => Level::Applicant,
        A::Endorse => Level::Organisation,
        A::Recommend => Level::Zone,
        A::Return if from == Stage::Submitted => Level::Organisation,
        A::Return if from == Stage::Endorsed => Level::Zone,
        _ => Level::Bureau,
    }
}

/// The next stage, or why not.
pub fn next(from: Stage, action: Action, by: Level, reason: &str) -> Result<Stage, StageError> {
    use Action as A;
    use Stage as S;
    if action.needs_reason() && reason.trim().is_empty() {
        return Err(StageError::ReasonRequired);
    }
    let to = match (from, action) {
        (S::Draft, A::Submit) => S::Submitted,
        (S::Draft | S::Submitted, A::Withdraw) => S::Withdrawn,
        (S::Submitted, A::Endorse) => S::Endorsed,
        (S::Submitted | S::Endorsed, A::Return) => S::Draft,
        (S::Endorsed, A::Recommend) => S::Recommended,
        (S::Recommended, A::FormalPass) => S::InReview,
        (S::Recommended, A::FormalReject) => S::Rejected,
        (S::InReview, A::FinishReview) => S::Reviewed,
        (S::Reviewed | S::Reserved, A::Approve) => S::Approved,
        (S::Reviewed, A::Reserve) => S::Reserved,
        // An objection upheld during the notice rejects an approved application.
        (S::Reviewed | S::Reserved | S::Approved, A::Reject) => S::Rejected,
        (S::Approved, A::Establish) => S::Established,
        _ => return Err(StageError::NotAllowed { from: from.code(), action: action.code() }),
    };
    let expected = level_of(from, action);
    if by != expected {
        return Err(StageError::WrongLevel { action: action.code(), expected });
    }
    Ok(to)
}

/// The three deadlines of a call (applicant, organisation, recommending zone): each level acts
/// on or before its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub applicant: NaiveDate,
    pub organisation: NaiveDate,
    pub zone: NaiveDate,
}

impl Deadlines {
    /// Deadlines must follow one another.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.organisation < self.applicant || self.zone < self.organisation {
            return Err("deadlines");
        }
        Ok(())
    }
    /// The deadline that applies to `action` at `level`, if any.
    pub fn for_action(&self, action: Action, level: Level) -> Option<NaiveDate> {
        match (action, level) {
            (Action::Submit, _) => Some(self.applicant),
            (Action::Endorse, _) | (Action::Return, Level::Organisation) => Some(self.organisation),
            (Action::Recommend, _) | (Action::Return, Level::Zone) => Some(self.zone),
            _ => None,
        }
    }
}

/// A call's eligibility rules (申报条件).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Eligibility {
    /// Organisation kinds that may apply (codes: enterprise, university, …); empty = any.
    #[serde(default)]
    pub org_kinds: Vec<String>,
    /// Org units (materialised paths) the applicant's organisation must lie in; empty = any.
    #[serde(default)]
    pub unit_paths: Vec<String>,
    /// A qualification the organisation must hold (e.g. "tech_sme", "high_tech").
    #[serde(default)]
    pub qualification: String,
    /// At most this many ongoing projects per leader (0 = no limit).
    #[serde(default)]
    pub max_ongoing_per_leader: u32,
    /// Applicants and organisations barred by a credit record may not apply.
    #[serde(default = "yes")]
    pub credit_check: bool,
}

fn yes() -> bool {
    true
}

/// What the rules look at.
#[derive(Debug, Clone, Default)]
pub struct Applicant {
    pub org_kind: String,
    pub unit_path: String,
    pub qualifications: Vec<String>,
    pub ongoing_projects: u32,
    /// The record barring the leader, if any (kind and source document).
    pub leader_barred: Option<String>,
    /// The record barring the organisation, if any.
    pub organisation_barred: Option<String>,
}

/// A rule the applicant does not meet, with the fact (for a message in the user's language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// org_kind, unit, qualification, ongoing, leader_credit, organisation_credit
    pub rule: &'static str,
    pub detail: String,
}

impl Eligibility {
    pub fn check(&self, a: &Applicant) -> Vec<Failure> {
        let mut out = Vec::new();
        if !self.org_kinds.is_empty() && !self.org_kinds.contains(&a.org_kind) {
            out.push(Failure { rule: "org_kind", detail: a.org_kind.clone() });
        }
        if !self.unit_paths.is_empty()
            && !self.unit_paths.iter().any(|p| crate::orgs::in_subtree(p, &a.unit_path))
        {
            out.push(Failure { rule: "unit", detail: a.unit_path.clone() });
        }
        if !self.qualification.is_empty() && !a.qualifications.contains(&self.qualification) {
            out.push(Failure { rule: "qualification", detail: self.qualification.clone() });
        }
        if self.max_ongoing_per_leader > 0 && a.ongoing_projects >= self.max_ongoing_per_leader {
            out.push(Failure {
                rule: "ongoing",
                detail: format!("{}/{}", a.ongoing_projects, self.max_ongoing_per_leader),
            });
        }
        if self.credit_check {
            if let Some(r) = &a.leader_barred {
                out.push(Failure { rule: "leader_credit", detail: r.clone() });
            }
            if let Some(r) = &a.organisation_barred {
                out.push(Failure { rule: "organisation_credit", detail: r.clone() });
            }
        }
        out
    }
}

/// An attachment's kind by its name and its first bytes; the two must agree (a `.pdf` that is
/// not a PDF is refused as disguised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("empty file")]
    Empty,
    #[error("file too large")]
    TooLarge,
    #[error("file type not allowed")]
    Type,
    #[error("the content does not match the file name")]
    Disguised,
}

/// The most an attachment may weigh.
pub const MAX_ATTACHMENT: usize = 10 << 20;

/// The content type of an allowed attachment (PDF, Word/Excel 2007+, JPEG, PNG).
pub fn sniff(name: &str, bytes: &[u8]) -> Result<&'static str, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.len() > MAX_ATTACHMENT {
        return Err(FileError::TooLarge);
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let (mime, magic): (&str, &[u8]) = match ext.as_str() {
        "pdf" => ("application/pdf", b"%PDF-"),
        "docx" => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK\x03\x04",
        ),
        "xlsx" => {
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04")
        }
        "jpg" | "jpeg" => ("image/jpeg", b"\xFF\xD8\xFF"),
        "png" => ("image/png", b"\x89PNG\r\n\x1a\n"),
        _ => return Err(FileError::Type),
    };
    if bytes.starts_with(magic) { Ok(mime) } else { Err(FileError::Disguised) }
}

/// Character bigrams of a text, without spaces and punctuation.
fn bigrams(text: &str) -> std::collections::HashSet<(char, char)> {
    let cs: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
    cs.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Jaccard similarity of two texts' character bigrams (0–1): what duplicate detection compares.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() && y.is_empty() {
        return 0.0;
    }
    x.intersection(&y).count() as f64 / x.union(&y).count() as f64
}

/// Titles this similar (or the same leader with titles half as similar) are flagged for staff.
pub const DUPLICATE_TITLE: f64 = 0.6;

/// Whether two applications look like duplicates: very similar titles, or the same leader with
/// similar titles or texts.
pub fn looks_duplicate(
    same_leader: bool,
    title_a: &str,
    title_b: &str,
    text_a: &str,
    text_b: &str,
) -> Option<f64> {
    let t = similarity(title_a, title_b);
    let body = similarity(text_a, text_b);
    let s = t.max(body);
    if t >= DUPLICATE_TITLE || (same_leader && s >= DUPLICATE_TITLE / 2.0) {
        Some((s * 100.0).round() / 100.0)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_application_climbs_the_three_levels_and_the_three_reviews() {
        let mut s = Stage::Draft;
        for (action, by) in [
            (Action::Submit, Level::Applicant),
            (Action::Endorse, Level::Organisation),
            (Action::Recommend, Level::Zone),
            (Action::FormalPass, Level::Bureau),
            (Action::FinishReview, Level::Bureau),
            (Action::Approve, Level::Bureau),
            (Action::Establish, Level::Bureau),
        ] {
            s = next(s, action, by, "").unwrap();
        }
        assert_eq!(s, Stage::Established);
    }

    #[test]
    fn returns_need_a_reason_and_the_right_level() {
        assert_eq!(
            next(Stage::Submitted, Action::Return, Level::Organisation, ""),
            Err(StageError::ReasonRequired)
        );
        assert_eq!(
            next(Stage::Submitted, Action::Return, Level::Organisation, "预算表不完整"),
            Ok(Stage::Draft)
        );
        assert_eq!(
            next(Stage::Submitted, Action::Return, Level::Zone, "x"),
            Err(StageError::WrongLevel { action: "return", expected: Level::Organisation })
        );
        assert_eq!(
            next(Stage::Endorsed, Action::Return, Level::Zone, "不符合本区重点方向"),
            Ok(Stage::Draft)
        );
        assert_eq!(
            next(Stage::Submitted, Action::Recommend, Level::Zone, ""),
            Err(StageError::NotAllowed { from: "submitted", action: "recommend" })
        );
        assert_eq!(
            next(Stage::Draft, Action::Endorse, Level::Organisation, ""),
            Err(StageError::NotAllowed { from: "draft", action: "endorse" })
        );
        assert_eq!(
            next(Stage::Endorsed, Action::Recommend, Level::Organisation, ""),
            Err(StageError::WrongLevel { action: "recommend", expected: Level::Zone })
        );
        assert!(
            next(Stage::Recommended, Action::FormalReject, Level::Bureau, "缺少单位承诺书").is_ok()
        );
        assert!(
            next(Stage::Approved, Action::Submit, Level::Applicant, "").is_err(),
            "no resubmission of a decided application"
        );
    }

    #[test]
    fn deadlines_per_level() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let dl = Deadlines {
            applicant: d("2026-03-31"),
            organisation: d("2026-04-07"),
            zone: d("2026-04-14"),
        };
        dl.check().unwrap();
        assert_eq!(dl.for_action(Action::Submit, Level::Applicant), Some(d("2026-03-31")));
        assert_eq!(dl.for_action(Action::Return, Level::Zone), Some(d("2026-04-14")));
        assert_eq!(dl.for_action(Action::FormalPass, Level::Bureau), None);
        assert!(Deadlines { zone: d("2026-04-01"), ..dl }.check().is_err());
    }

    #[test]
    fn eligibility_names_every_rule_missed() {
        let rules = Eligibility {
            org_kinds: vec!["enterprise".into()],
            unit_paths: vec!["/1/2/".into()],
            qualification: "tech_sme".into(),
            max_ongoing_per_leader: 2,
            credit_check: true,
        };
        let ok = Applicant {
            org_kind: "enterprise".into(),
            unit_path: "/1/2/7/".into(),
            qualifications: vec!["tech_sme".into()],
            ongoing_projects: 1,
            ..Default::default()
        };
        assert!(rules.check(&ok).is_empty());
        let bad = Applicant {
            org_kind: "university".into(),
            unit_path: "/1/3/".into(),
            qualifications: vec![],
            ongoing_projects: 2,
            leader_barred: Some("抄袭剽窃 国科监〔2024〕3号".into()),
            organisation_barred: None,
        };
        let rules_missed: Vec<&str> = rules.check(&bad).iter().map(|f| f.rule).collect();
        assert_eq!(rules_missed, ["org_kind", "unit", "qualification", "ongoing", "leader_credit"]);
    }

    #[test]
    fn attachments_are_what_their_names_say() {
        assert_eq!(sniff("申报书.pdf", b"%PDF-1.7 ..."), Ok("application/pdf"));
        assert_eq!(
            sniff("申报书.PDF", b"MZ\x90\x00"),
            Err(FileError::Disguised),
            "an executable named .pdf"
        );
        assert_eq!(sniff("run.exe", b"MZ"), Err(FileError::Type));
        assert_eq!(
            sniff("预算.xlsx", b"PK\x03\x04rest"),
            Ok("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        assert_eq!(sniff("a.png", b""), Err(FileError::Empty));
        assert_eq!(sniff("a.pdf", &vec![b'%'; MAX_ATTACHMENT + 1]), Err(FileError::TooLarge));
    }

    #[test]
    fn duplicates_by_title_or_by_leader_and_text() {
        assert!(
            looks_duplicate(
                false,
                "高性能碳纤维复合材料制备关键技术研究",
                "高性能碳纤维复合材料制备关键技术研究与应用",
                "",
                ""
            )
            .is_some()
        );
        assert!(
            looks_duplicate(
                false,
                "高性能碳纤维复合材料制备关键技术研究",
                "稀土永磁电机智能控制系统开发",
                "",
                ""
            )
            .is_none()
        );
        let text = "本项目针对兰白地区稀土资源综合利用中的关键问题，开展高效分离提纯工艺研究。";
        assert!(
            looks_duplicate(true, "稀土分离提纯新工艺", "稀土资源高效利用技术", text, text)
                .is_some(),
            "same leader, same text"
        );
        assert!(
            looks_duplicate(
                false,
                "稀土分离提纯新工艺",
                "稀土资源高效利用技术",
                text,
                "完全不同的内容，关于中药材种植。"
            )
            .is_none()
        );
    }
}
