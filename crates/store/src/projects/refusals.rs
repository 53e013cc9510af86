//! Why the projects area says no: one enum per part (applications, calls and programmes,
//! projects being carried out, public notices), each reason with its data. The words are the
//! web's (`innocity_web::error`).
use chrono::NaiveDate;
use innocity_core::projects::FileError;
use innocity_core::projects::execution::{ReportKind, Status};
use innocity_core::projects::funding::Condition;
use innocity_core::projects::money::Money;

/// An application (its draft, its stage, its money, its files) refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplicationRefusal {
    /// The call does not take applications (closed, not open yet); its applicant deadline.
    CallClosed { closes: NaiveDate },
    /// A field of the draft does not pass: the field (`title`, `budget.<line>`, `q.<label>`).
    Draft { field: String, problem: DraftProblem },
    /// An identity number that is not one.
    IdNumber,
    /// The application is past its draft.
    NotEditable,
    /// The step needs a reason (or a longer one).
    ReasonRequired,
    /// The step is not possible from this stage.
    Stage { from: &'static str, action: &'static str },
    /// The step's deadline has passed.
    Deadline { deadline: NaiveDate },
    /// The first eligibility rule missed (`core::projects::Failure`), and how many were missed.
    Ineligible { rule: &'static str, detail: String, missed: usize },
    /// A grant above what was requested (or none).
    Grant { requested: Money },
    /// The programme has no budget for the call's year.
    NoBudget { year: i64 },
    /// The grant overspends the year's budget: by how much, and what is left.
    Overspent { over: Money, available: Money },
    /// An uploaded file refused.
    File { name: String, problem: FileError },
}

/// What is wrong with one field of a draft.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftProblem {
    Title,
    /// A topic the call does not offer.
    Topic,
    SummaryTooLong {
        max: usize,
    },
    LeaderName,
    IdNumber,
    /// A budget line against the call's rules: the rule (`core::projects::funding::BudgetError`'s
    /// code: unknown_category, twice, negative, nothing, over_limit, indirect, co_funding) and its
    /// amounts.
    Budget {
        rule: &'static str,
        args: Vec<String>,
    },
    /// An answer to the call's form (`core::projects::form::AnswerError`'s code: required,
    /// too_long, number, range, date, choice, unknown) and its argument.
    Answer {
        rule: &'static str,
        arg: String,
    },
}

/// A programme or a call (its set-up, its review rounds) refused.
#[derive(Debug, Clone, PartialEq)]
pub enum CallRefusal {
    /// The deadlines are out of order (or before the opening).
    Deadlines,
    /// The review plan does not pass (`ReviewPlan::check`'s code).
    Plan {
        problem: &'static str,
    },
    CodeTaken {
        code: String,
    },
    /// The call has applications already.
    Applied {
        count: i64,
    },
    NothingToReview,
    /// A review round is still open (or there is none).
    RoundsOpen,
    /// The last round has no scores.
    NoScores {
        round: String,
    },
    ProgrammeCodeTaken {
        code: String,
    },
    /// A budget below what is already committed.
    BelowCommitted {
        committed: Money,
    },
}

/// A project being carried out (task book, money, changes, reports, acceptance) refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectRefusal {
    NotEstablished,
    /// A task book without goals or deliverables.
    TaskBook,
    Period,
    Milestones,
    Cancelled,
    NotPaying {
        status: Status,
    },
    Condition {
        condition: Condition,
    },
    SamePerson,
    NotPrepared,
    Released,
    NoTaskBook,
    /// A change against its rule (`core::projects::execution::ChangeError`).
    Change {
        field: String,
        rule: &'static str,
    },
    /// A field missing or out of bounds.
    Field {
        field: &'static str,
    },
    /// The new leader is barred by a credit record.
    LeaderBarred {
        kind: String,
        source: String,
    },
    /// Not possible in the project's status: the status and what was tried.
    Status {
        status: Status,
        action: &'static str,
    },
    ChangePending,
    ChangeDecided,
    ReportBody {
        min: usize,
    },
    Deliverable {
        deliverable: String,
    },
    ReportIn,
    MilestoneReached {
        milestone: String,
    },
    Stage,
    Score,
    Concluded,
    NoReport {
        kind: ReportKind,
    },
    Opinions {
        required: usize,
        given: usize,
    },
    FraudPass,
    Rectified,
    OutputTwice {
        reference: String,
    },
}

/// A public notice or an objection refused.
#[derive(Debug, Clone, PartialEq)]
pub enum NoticeRefusal {
    Minutes,
    /// The notice period against its rule: the field (`starts_on`, `ends_on`) and the days.
    Period {
        field: &'static str,
        min_days: i64,
    },
    Nothing,
    Published,
    Closed {
        ended: NaiveDate,
    },
    Application {
        code: String,
    },
    Field {
        field: &'static str,
        min: usize,
        max: usize,
    },
    Duplicate,
    TooMany {
        limit: i64,
    },
    Resolved,
    /// Not to be established yet (`core::projects::execution::may_establish`'s reason).
    Establish {
        why: &'static str,
        notice_ends: Option<NaiveDate>,
    },
}
