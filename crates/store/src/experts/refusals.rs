//! Why the experts area says no: the library (profiles, their status, ties) and the review
//! rounds (assignment, drawing, reviews), each reason with its data. The words are the web's.

/// An expert's profile or status refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpertRefusal {
    /// A profile's code missing or too long.
    Code,
    Name,
    Organisation,
    CreditCode,
    Fields,
    /// An availability date that is not one.
    Date,
    /// A yearly cap out of 0–100.
    Cap,
    /// The change of status needs a reason.
    Reason,
    /// The change of status is not possible from this one.
    Transition {
        from: &'static str,
        action: &'static str,
    },
    /// A tie needs a name or a credit code.
    Tie,
}

impl ExpertRefusal {
    /// The profile field a refusal concerns (the name of the form's input).
    pub fn field(&self) -> Option<&'static str> {
        Some(match self {
            ExpertRefusal::Code => "code",
            ExpertRefusal::Name => "name",
            ExpertRefusal::Organisation => "organisation_name",
            ExpertRefusal::CreditCode => "credit_code",
            ExpertRefusal::Fields => "fields",
            ExpertRefusal::Date => "available",
            ExpertRefusal::Cap => "yearly_cap",
            ExpertRefusal::Reason | ExpertRefusal::Transition { .. } | ExpertRefusal::Tie => {
                return None;
            }
        })
    }
}

/// A review round, its assignment or drawing, or a review refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewRefusal {
    /// The round has its experts already.
    Already,
    Bid {
        bid: String,
    },
    Closed,
    ConflictAfterScoring,
    Deadline {
        deadline: String,
    },
    Demand,
    /// The scoring form does not pass (`core::experts::scoring::Form::check`).
    Form {
        field: String,
        message: String,
    },
    Infeasible {
        why: String,
    },
    /// An item without code or title, or with a code twice: its position (from 1) and code.
    Item {
        position: usize,
        code: String,
    },
    NotAssignable,
    NotAssigned,
    Reason,
    /// A score for a criterion the form does not have.
    UnknownCriterion {
        code: String,
    },
    /// A score out of the criterion's range or off its steps.
    ScoreRange {
        criterion: String,
        max: f64,
    },
    /// Scores the form does not total (`Form::total`).
    Score {
        field: String,
        message: String,
    },
    Seed,
    SeedFirst,
    Submission {
        field: String,
        message: String,
    },
    Submitted,
}
