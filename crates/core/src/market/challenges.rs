//! Open challenges (揭榜挂帅): the bureau raises an enterprise's demand to a challenge with a
//! reward and a closing day for proposals; solvers (organisations) apply with a proposal; the
//! experts engine reviews the proposals in a review round; the bureau picks and publishes the
//! winner (揭榜方) with the work's milestones, each paying a share of the reward; the winner
//! reports each milestone done and the bureau accepts it, until the challenge is finished.
use crate::orgs::FieldError;
use crate::projects::money::{Money, MoneyError, Unit};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Characters a proposal's text may hold.
pub const PROPOSAL_CHARS: usize = 20_000;
/// Characters of the terms (揭榜条件), a reason or a milestone report.
pub const NOTE_CHARS: usize = 2_000;
/// Milestones a challenge's work may have.
pub const MAX_MILESTONES: usize = 12;

/// Where a challenge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    /// Taking proposals (张榜).
    Open,
    /// The proposals are with the experts.
    Reviewing,
    /// The winner is published; the work follows its milestones.
    Awarded,
    /// Every milestone accepted.
    Finished,
    /// Ended without a winner (no fit proposal, or withdrawn).
    Closed,
}

pub const STATUSES: [Status; 5] =
    [Status::Open, Status::Reviewing, Status::Awarded, Status::Finished, Status::Closed];

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Reviewing => "reviewing",
            Status::Awarded => "awarded",
            Status::Finished => "finished",
            Status::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        STATUSES.into_iter().find(|x| x.code() == s)
    }
}

/// What the bureau does to a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Sends the proposals to a review round.
    Review,
    /// Picks and publishes the winner.
    Award,
    /// Ends it without a winner.
    Close,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Review => "review",
            Action::Award => "award",
            Action::Close => "close",
        }
    }
}

/// The state an action leads to, or `None` when it is not possible now.
pub fn next(from: Status, action: Action) -> Option<Status> {
    use Status::*;
    match (from, action) {
        (Open, Action::Review) => Some(Reviewing),
        (Reviewing, Action::Award) => Some(Awarded),
        (Open | Reviewing, Action::Close) => Some(Closed),
        _ => None,
    }
}

fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

fn date(field: &'static str, text: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(problem(field, "err.contract.date", vec![text.trim().into()]));
            None
        }
    }
}

fn bounded(field: &'static str, text: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let t = text.trim().to_string();
    if t.chars().count() > max {
        errors.push(problem(field, "err.too_long", vec![max.to_string()]));
    }
    t
}

/// A challenge as the bureau raises it from a demand.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RaiseInput {
    /// The reward (榜额), 万元.
    #[serde(default)]
    pub reward_wan: String,
    /// The last day proposals are taken, `YYYY-MM-DD`.
    #[serde(default)]
    pub apply_by: String,
    /// Who may apply and what they must bring (揭榜条件).
    #[serde(default)]
    pub terms: String,
}

/// A checked challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Raise {
    pub reward: Money,
    pub apply_by: NaiveDate,
    pub terms: String,
}

/// Checks a challenge raised on `today`: a reward above zero, a closing day not past.
pub fn validate_raise(i: &RaiseInput, today: NaiveDate) -> Result<Raise, Vec<FieldError>> {
    let mut errors = Vec::new();
    let reward = match Money::parse(&i.reward_wan, Unit::Wan) {
        Ok(m) if m > Money::ZERO => Some(m),
        Ok(_) | Err(MoneyError::Negative) => {
            errors.push(problem("reward_wan", "err.challenge.reward", vec![]));
            None
        }
        Err(MoneyError::Empty) => {
            errors.push(problem("reward_wan", "err.required", vec![]));
            None
        }
        Err(_) => {
            errors.push(problem(
                "reward_wan",
                "err.market.price",
                vec![i.reward_wan.trim().into()],
            ));
            None
        }
    };
    let apply_by = match date("apply_by", &i.apply_by, &mut errors) {
        Some(d) if d < today => {
            errors.push(problem("apply_by", "err.demand.past", vec![d.to_string()]));
            None
        }
        d => d,
    };
    let terms = bounded("terms", &i.terms, NOTE_CHARS, &mut errors);
    match (reward, apply_by, errors.is_empty()) {
        (Some(reward), Some(apply_by), true) => Ok(Raise { reward, apply_by, terms }),
        _ => Err(errors),
    }
}

/// How the bureau sends the proposals to the experts, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ReviewInput {
    /// The round's name (e.g. 揭榜方案专家评审).
    #[serde(default)]
    pub name: String,
    /// `assign` (optimal assignment) or `draw` (random drawing).
    #[serde(default)]
    pub mode: String,
    /// Experts per proposal, 1–15.
    #[serde(default)]
    pub experts: String,
    /// The experts' deadline, `YYYY-MM-DD`, today or later.
    #[serde(default)]
    pub deadline: String,
}

/// A checked review plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewChoice {
    pub name: String,
    /// `assign` or `draw`.
    pub mode: &'static str,
    pub experts: i64,
    pub deadline: NaiveDate,
}

/// Checks a review plan made on `today`.
pub fn validate_review(i: &ReviewInput, today: NaiveDate) -> Result<ReviewChoice, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = bounded("name", &i.name, 100, &mut errors);
    if name.is_empty() {
        errors.push(problem("name", "err.required", vec![]));
    }
    let mode = ["assign", "draw"].into_iter().find(|m| *m == i.mode.trim());
    if mode.is_none() {
        errors.push(problem("mode", "err.choose", vec![]));
    }
    let experts = i.experts.trim().parse::<i64>().ok().filter(|n| (1..=15).contains(n));
    if experts.is_none() {
        errors.push(problem("experts", "calls.err.demand", vec![]));
    }
    let deadline = match date("deadline", &i.deadline, &mut errors) {
        Some(d) if d < today => {
            errors.push(problem("deadline", "err.demand.past", vec![d.to_string()]));
            None
        }
        d => d,
    };
    match (mode, experts, deadline, errors.is_empty()) {
        (Some(mode), Some(experts), Some(deadline), true) => {
            Ok(ReviewChoice { name, mode, experts, deadline })
        }
        _ => Err(errors),
    }
}

/// A solver's proposal (揭榜方案) as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ProposalInput {
    #[serde(default)]
    pub title: String,
    /// The team's leader.
    #[serde(default)]
    pub leader: String,
    /// The team's other members, `、`- or comma-separated.
    #[serde(default)]
    pub members: String,
    /// The technical approach, what it will show, and the plan.
    #[serde(default)]
    pub proposal: String,
}

/// A checked proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub title: String,
    pub leader: String,
    pub members: Vec<String>,
    pub proposal: String,
}

/// Checks a proposal: a title, a leader and the text, each within bounds.
pub fn validate_proposal(i: &ProposalInput) -> Result<Proposal, Vec<FieldError>> {
    let mut errors = Vec::new();
    let title = bounded("title", &i.title, super::import::TITLE_CHARS, &mut errors);
    if title.is_empty() {
        errors.push(problem("title", "err.required", vec![]));
    }
    let leader = bounded("leader", &i.leader, 50, &mut errors);
    if leader.is_empty() {
        errors.push(problem("leader", "err.required", vec![]));
    }
    let members: Vec<String> = i
        .members
        .split(['、', ',', '，', ';', '；', '\n'])
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    if members.len() > 50 {
        errors.push(problem("members", "err.too_long", vec!["50".into()]));
    }
    let proposal = bounded("proposal", &i.proposal, PROPOSAL_CHARS, &mut errors);
    if proposal.is_empty() {
        errors.push(problem("proposal", "err.required", vec![]));
    }
    if errors.is_empty() { Ok(Proposal { title, leader, members, proposal }) } else { Err(errors) }
}

/// A milestone of the winner's work: due day, what is delivered, the share of the reward paid
/// on its acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Milestone {
    pub due: NaiveDate,
    pub title: String,
    pub pay: Money,
}

/// Reads the milestones the bureau types, one a line: `YYYY-MM-DD 标题 金额` (万元), the
/// parts separated by spaces, tabs or `|`. Each line's problem names the line; the days must
/// follow each other after `award_day`, and the amounts must add up to the reward exactly.
pub fn parse_milestones(
    text: &str,
    reward: Money,
    award_day: NaiveDate,
) -> Result<Vec<Milestone>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out: Vec<Milestone> = Vec::new();
    let lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    for (n, line) in lines {
        let line_no = (n + 1).to_string();
        let parts: Vec<&str> =
            line.split(['|', '\t', ' ', '　']).map(str::trim).filter(|p| !p.is_empty()).collect();
        let [due, title @ .., pay] = parts.as_slice() else {
            errors.push(problem("milestones", "err.challenge.line", vec![line_no]));
            continue;
        };
        if title.is_empty() {
            errors.push(problem("milestones", "err.challenge.line", vec![line_no]));
            continue;
        }
        let Ok(due) = NaiveDate::parse_from_str(due, "%Y-%m-%d") else {
            errors.push(problem(
                "milestones",
                "err.challenge.line_date",
                vec![line_no, due.to_string()],
            ));
            continue;
        };
        let pay = match Money::parse(pay, Unit::Wan) {
            Ok(m) if m > Money::ZERO => m,
            _ => {
                errors.push(problem(
                    "milestones",
                    "err.challenge.line_pay",
                    vec![line_no, pay.to_string()],
                ));
                continue;
            }
        };
        let after = out.last().map_or(award_day, |m| m.due);
        if due <= after {
            errors.push(problem(
                "milestones",
                "err.challenge.line_order",
                vec![line_no, due.to_string(), after.to_string()],
            ));
            continue;
        }
        out.push(Milestone { due, title: title.join(" "), pay });
    }
    if errors.is_empty() {
        if out.is_empty() {
            errors.push(problem("milestones", "err.required", vec![]));
        } else if out.len() > MAX_MILESTONES {
            errors.push(problem(
                "milestones",
                "err.challenge.many",
                vec![MAX_MILESTONES.to_string()],
            ));
        } else {
            let total = out.iter().try_fold(Money::ZERO, |a, m| a.checked_add(m.pay));
            if total != Some(reward) {
                let typed = total.unwrap_or(Money::MAX);
                errors.push(problem(
                    "milestones",
                    "err.challenge.sum",
                    vec![typed.wan_exact(), reward.wan_exact()],
                ));
            }
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Where a milestone stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MilestoneStatus {
    Pending,
    /// The winner reports it done; the bureau checks.
    Reported,
    Accepted,
}

impl MilestoneStatus {
    pub fn code(self) -> &'static str {
        match self {
            MilestoneStatus::Pending => "pending",
            MilestoneStatus::Reported => "reported",
            MilestoneStatus::Accepted => "accepted",
        }
    }
    pub fn parse(s: &str) -> Option<MilestoneStatus> {
        [MilestoneStatus::Pending, MilestoneStatus::Reported, MilestoneStatus::Accepted]
            .into_iter()
            .find(|x| x.code() == s)
    }
}

/// A step on a milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneStep {
    /// The winner reports it done (or again, after it was sent back).
    Report,
    /// The bureau accepts it: its share of the reward is due.
    Accept,
    /// The bureau sends it back with a reason.
    Return,
}

impl MilestoneStep {
    pub fn parse(s: &str) -> Option<MilestoneStep> {
        match s {
            "report" => Some(MilestoneStep::Report),
            "accept" => Some(MilestoneStep::Accept),
            "return" => Some(MilestoneStep::Return),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            MilestoneStep::Report => "report",
            MilestoneStep::Accept => "accept",
            MilestoneStep::Return => "return",
        }
    }
    /// Whether the winner takes this step (else the bureau).
    pub fn by_winner(self) -> bool {
        self == MilestoneStep::Report
    }
}

/// The milestone's state after `step`, or `None` when it is not possible now. Milestones are
/// worked in order: only the first milestone not yet accepted (`is_current`) moves.
pub fn milestone_next(
    from: MilestoneStatus,
    step: MilestoneStep,
    is_current: bool,
) -> Option<MilestoneStatus> {
    use MilestoneStatus::*;
    if !is_current {
        return None;
    }
    match (from, step) {
        (Pending, MilestoneStep::Report) => Some(Reported),
        (Reported, MilestoneStep::Accept) => Some(Accepted),
        (Reported, MilestoneStep::Return) => Some(Pending),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_challenge_is_reviewed_then_awarded_or_closed_and_never_reopened() {
        use Status::*;
        assert_eq!(next(Open, Action::Review), Some(Reviewing));
        assert_eq!(next(Open, Action::Award), None, "a winner comes from a review");
        assert_eq!(next(Reviewing, Action::Award), Some(Awarded));
        assert_eq!(next(Reviewing, Action::Close), Some(Closed));
        for s in [Awarded, Finished, Closed] {
            for a in [Action::Review, Action::Award, Action::Close] {
                assert_eq!(next(s, a), None, "{s:?} {a:?}");
            }
        }
        for s in STATUSES {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn a_reward_is_above_zero_and_proposals_close_today_or_later() {
        let today = day("2026-12-05");
        let ok = RaiseInput {
            reward_wan: "500".into(),
            apply_by: "2026-12-05".into(),
            terms: "省内注册的企业、高校、科研院所均可揭榜。".into(),
        };
        let r = validate_raise(&ok, today).unwrap();
        assert_eq!((r.reward, r.apply_by), (Money::from_wan(500), today));
        for (reward, key) in [
            ("0", "err.challenge.reward"),
            ("-3", "err.challenge.reward"),
            ("", "err.required"),
            ("五百", "err.market.price"),
        ] {
            let bad = RaiseInput { reward_wan: reward.into(), ..ok.clone() };
            let e = validate_raise(&bad, today).unwrap_err();
            assert_eq!((e[0].field, e[0].key), ("reward_wan", key), "{reward}");
        }
        let late = RaiseInput { apply_by: "2026-12-04".into(), ..ok.clone() };
        assert_eq!(validate_raise(&late, today).unwrap_err()[0].key, "err.demand.past");
        let long = RaiseInput { terms: "条".repeat(NOTE_CHARS + 1), ..ok };
        assert_eq!(validate_raise(&long, today).unwrap_err()[0].field, "terms");
    }

    #[test]
    fn a_review_names_its_round_a_mode_one_to_fifteen_experts_and_a_deadline() {
        let today = day("2026-12-05");
        let ok = ReviewInput {
            name: "揭榜方案专家评审".into(),
            mode: "assign".into(),
            experts: "5".into(),
            deadline: "2026-12-20".into(),
        };
        let r = validate_review(&ok, today).unwrap();
        assert_eq!((r.mode, r.experts), ("assign", 5));
        for (experts, fine) in
            [("0", false), ("1", true), ("15", true), ("16", false), ("x", false)]
        {
            let i = ReviewInput { experts: experts.into(), ..ok.clone() };
            assert_eq!(validate_review(&i, today).is_ok(), fine, "{experts}");
        }
        let e = validate_review(&ReviewInput::default(), today).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["name", "mode", "experts", "deadline"]);
    }

    #[test]
    fn a_proposal_needs_a_title_a_leader_and_its_text() {
        let p = validate_proposal(&ProposalInput {
            title: "基于深度学习的焊缝缺陷在线检测".into(),
            leader: "张伟".into(),
            members: "李娜、王强, 赵敏".into(),
            proposal: "采用多尺度卷积网络……".into(),
        })
        .unwrap();
        assert_eq!(p.members, vec!["李娜", "王强", "赵敏"]);
        let e = validate_proposal(&ProposalInput::default()).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["title", "leader", "proposal"]);
    }

    #[test]
    fn milestones_follow_each_other_and_pay_the_reward_exactly() {
        let award = day("2026-12-05");
        let reward = Money::from_wan(300);
        let text = "2027-03-31 | 完成方案设计与评审 | 60\n\n2027-09-30\t样机试制\t120\n2027-12-31 现场 验证 与 验收 120万元";
        let m = parse_milestones(text, reward, award).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(
            (m[1].due, m[1].title.as_str(), m[1].pay),
            (day("2027-09-30"), "样机试制", Money::from_wan(120))
        );
        assert_eq!(m[2].title, "现场 验证 与 验收");
        // Boundaries: a milestone on the award day, out of order, a sum off by one fen.
        let e = parse_milestones("2026-12-05 启动 300", reward, award).unwrap_err();
        assert_eq!((e[0].key, e[0].args[0].as_str()), ("err.challenge.line_order", "1"));
        let e =
            parse_milestones("2027-06-30 甲 150\n2027-03-31 乙 150", reward, award).unwrap_err();
        assert_eq!((e[0].key, e[0].args[0].as_str()), ("err.challenge.line_order", "2"));
        let e = parse_milestones("2027-06-30 甲 150\n2027-07-31 乙 149.999999", reward, award)
            .unwrap_err();
        assert_eq!(e[0].key, "err.challenge.sum");
        assert_eq!(e[0].args, vec!["299.999999".to_string(), "300".to_string()]);
        let e = parse_milestones("2027-06-30 甲 abc\n2027-13-01 乙 10\n样机", reward, award)
            .unwrap_err();
        let keys: Vec<(&str, &str)> = e.iter().map(|e| (e.key, e.args[0].as_str())).collect();
        assert_eq!(
            keys,
            vec![
                ("err.challenge.line_pay", "1"),
                ("err.challenge.line_date", "2"),
                ("err.challenge.line", "3")
            ]
        );
        assert_eq!(parse_milestones(" \n", reward, award).unwrap_err()[0].key, "err.required");
        let many: String = (1..=13).map(|i| format!("2027-01-{i:02} 第{i}阶段 1\n")).collect();
        assert_eq!(
            parse_milestones(&many, Money::from_wan(13), award).unwrap_err()[0].key,
            "err.challenge.many"
        );
    }

    #[test]
    fn milestones_move_in_order_reported_then_accepted_or_sent_back() {
        use MilestoneStatus::*;
        assert_eq!(milestone_next(Pending, MilestoneStep::Report, true), Some(Reported));
        assert_eq!(milestone_next(Pending, MilestoneStep::Report, false), None);
        assert_eq!(milestone_next(Pending, MilestoneStep::Accept, true), None);
        assert_eq!(milestone_next(Reported, MilestoneStep::Accept, true), Some(Accepted));
        assert_eq!(milestone_next(Reported, MilestoneStep::Return, true), Some(Pending));
        assert_eq!(milestone_next(Accepted, MilestoneStep::Return, true), None);
        assert!(MilestoneStep::Report.by_winner() && !MilestoneStep::Accept.by_winner());
    }
}
