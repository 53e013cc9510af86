//! The expert libraries (专家库): who is in which library and in what state, the load each may
//! carry in a year, and the rules of review built on them — conflicts of interest
//! ([`conflicts`]), random drawing with a committed seed ([`draw`]), panel composition and optimal
//! assignment under it ([`panel`]), scoring forms, aggregation and expert performance ([`scoring`]).
pub mod conflicts;
pub mod draw;
pub mod panel;
pub mod scoring;

use serde::Serialize;

/// Seed 002's two libraries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Library {
    /// 顾问专家库: strategy and planning.
    Advisory,
    /// 咨询评审专家库: reviews of projects, awards and assessments.
    Review,
}

impl Library {
    pub const ALL: [Library; 2] = [Self::Advisory, Self::Review];
    pub fn code(self) -> &'static str {
        match self {
            Self::Advisory => "advisory",
            Self::Review => "review",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Applied (or nominated), not yet checked.
    Applied,
    /// Qualifications checked by the bureau.
    Vetted,
    /// In the library: may be drawn and assigned.
    Active,
    /// Out of use for a time (a credit record, a missed re-confirmation, a request).
    Suspended,
    /// Left the library (resigned, retired, removed); the record is kept.
    Exited,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Self::Applied, Self::Vetted, Self::Active, Self::Suspended, Self::Exited];
    pub fn code(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Vetted => "vetted",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Exited => "exited",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Vet,
    Activate,
    Suspend,
    Reinstate,
    Exit,
}

impl Action {
    pub const ALL: [Action; 5] =
        [Self::Vet, Self::Activate, Self::Suspend, Self::Reinstate, Self::Exit];
    pub fn code(self) -> &'static str {
        match self {
            Self::Vet => "vet",
            Self::Activate => "activate",
            Self::Suspend => "suspend",
            Self::Reinstate => "reinstate",
            Self::Exit => "exit",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    /// Suspending and exiting must say why (the expert and a supervisor will read it).
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Suspend | Self::Exit)
    }
}

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("cannot {action} an expert who is {from}")]
    NotAllowed { from: &'static str, action: &'static str },
    #[error("a reason is required to {0}")]
    ReasonRequired(&'static str),
}

/// The life of an expert in a library: applied → vetted → active ⇄ suspended, and exit from
/// anywhere but exited.
pub fn next(from: Status, action: Action, reason: &str) -> Result<Status, StatusError> {
    use Action as A;
    use Status as S;
    if action.needs_reason() && reason.trim().is_empty() {
        return Err(StatusError::ReasonRequired(action.code()));
    }
    let to = match (from, action) {
        (S::Applied, A::Vet) => S::Vetted,
        (S::Vetted, A::Activate) => S::Active,
        (S::Active, A::Suspend) => S::Suspended,
        (S::Suspended, A::Reinstate) => S::Active,
        (S::Applied | S::Vetted | S::Active | S::Suspended, A::Exit) => S::Exited,
        _ => return Err(StatusError::NotAllowed { from: from.code(), action: action.code() }),
    };
    Ok(to)
}

/// What the annual re-confirmation (年度确认) says of an active expert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reconfirmation {
    /// Confirmed for the year.
    Current,
    /// Not confirmed this year yet: a reminder goes out; drawing still allowed until the grace
    /// date.
    Due,
    /// Not confirmed by the grace date (31 March of the year): not drawn until confirmed.
    Lapsed,
}

/// Re-confirmation state on `today` for an expert last confirmed in `confirmed_year`.
pub fn reconfirmation(confirmed_year: i32, today: chrono::NaiveDate) -> Reconfirmation {
    use chrono::Datelike;
    if confirmed_year >= today.year() {
        Reconfirmation::Current
    } else if confirmed_year == today.year() - 1
        && today.ordinal()
            <= chrono::NaiveDate::from_ymd_opt(today.year(), 3, 31)
                .map(|d| d.ordinal())
                .unwrap_or(90)
    {
        Reconfirmation::Due
    } else {
        Reconfirmation::Lapsed
    }
}

/// The default yearly cap on reviews per expert (seed 002: "at most 10 a year").
pub const DEFAULT_YEARLY_CAP: i64 = 10;

/// How many more reviews an expert may take this year, given the cap and the reviews already
/// counted in the ledger (done and assigned).
pub fn remaining_load(cap: i64, counted: i64) -> i64 {
    (cap - counted).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn the_life_of_an_expert() {
        let s = next(Status::Applied, Action::Vet, "").unwrap();
        let s = next(s, Action::Activate, "").unwrap();
        assert_eq!(s, Status::Active);
        assert_eq!(next(s, Action::Suspend, " "), Err(StatusError::ReasonRequired("suspend")));
        let s = next(s, Action::Suspend, "科研失信记录").unwrap();
        assert_eq!(
            next(s, Action::Activate, ""),
            Err(StatusError::NotAllowed { from: "suspended", action: "activate" })
        );
        let s = next(s, Action::Reinstate, "").unwrap();
        let s = next(s, Action::Exit, "退休").unwrap();
        assert!(next(s, Action::Reinstate, "").is_err(), "an exited expert stays out");
        assert!(
            next(Status::Applied, Action::Activate, "").is_err(),
            "no activation without vetting"
        );
    }

    #[test]
    fn reconfirmation_has_a_grace_quarter() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(reconfirmation(2026, d("2026-11-22")), Reconfirmation::Current);
        assert_eq!(reconfirmation(2025, d("2026-03-31")), Reconfirmation::Due);
        assert_eq!(reconfirmation(2025, d("2026-04-01")), Reconfirmation::Lapsed);
        assert_eq!(reconfirmation(2024, d("2026-01-05")), Reconfirmation::Lapsed);
        assert_eq!(remaining_load(10, 12), 0);
    }
}
