//! The life of one return (form, organisation, period) and what may happen to it when.
use super::{Severity, Violation};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotStarted,
    Draft,
    Submitted,
    /// Sent back by a reviewer, with a reason; the organisation corrects and submits again.
    Returned,
    Approved,
    /// Approved at the top level: nobody changes it any more (unless approval is withdrawn).
    Locked,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Self::NotStarted,
        Self::Draft,
        Self::Submitted,
        Self::Returned,
        Self::Approved,
        Self::Locked,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Approved => "approved",
            Self::Locked => "locked",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    /// Whether the organisation may change values.
    pub fn editable(self) -> bool {
        matches!(self, Self::NotStarted | Self::Draft | Self::Returned)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Edit,
    Submit,
    /// A reviewer sends it back.
    Return,
    Approve,
    /// The top level approved the whole area.
    Lock,
    /// The top level withdrew its approval.
    Unlock,
}

/// Why an action is not allowed now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action:?} a return that is {from:?}")]
pub struct NotNow {
    pub action: Action,
    pub from: Status,
}

/// The state machine: the status after `action`, or why not.
pub fn next(from: Status, action: Action) -> Result<Status, NotNow> {
    use Action::*;
    use Status::*;
    let to = match (from, action) {
        (NotStarted | Draft | Returned, Edit) => {
            if from == Returned {
                Returned
            } else {
                Draft
            }
        }
        (Draft | Returned, Submit) => Submitted,
        (Submitted | Approved, Return) => Returned,
        (Submitted, Approve) => Approved,
        (Approved, Lock) => Locked,
        (Locked, Unlock) => Approved,
        _ => return Err(NotNow { action, from }),
    };
    Ok(to)
}

/// What stops a submission: errors, and warnings without a written explanation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Blockers {
    pub errors: Vec<Violation>,
    pub unexplained: Vec<Violation>,
}

impl Blockers {
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.unexplained.is_empty()
    }
}

/// Explanations are keyed by rule code (and row, for row rules: `R107-1-02#3`).
pub fn explanation_key(v: &Violation) -> String {
    match v.row {
        Some(r) => format!("{}#{r}", v.rule),
        None => v.rule.clone(),
    }
}

pub fn blockers(violations: &[Violation], explanations: &HashMap<String, String>) -> Blockers {
    let mut b = Blockers::default();
    for v in violations {
        match v.severity {
            Severity::Error => b.errors.push(v.clone()),
            Severity::Warning => {
                let explained = explanations
                    .get(&explanation_key(v))
                    .is_some_and(|t| t.trim().chars().count() >= 4);
                if !explained {
                    b.unexplained.push(v.clone());
                }
            }
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_machine_allows_only_the_documented_moves() {
        use Action::*;
        use Status::*;
        assert_eq!(next(NotStarted, Edit), Ok(Draft));
        assert_eq!(next(Returned, Edit), Ok(Returned));
        assert_eq!(next(Draft, Submit), Ok(Submitted));
        assert_eq!(next(Submitted, Return), Ok(Returned));
        assert_eq!(next(Submitted, Approve), Ok(Approved));
        assert_eq!(next(Approved, Lock), Ok(Locked));
        assert_eq!(next(Locked, Unlock), Ok(Approved));
        for (from, action) in [
            (Submitted, Edit),
            (Approved, Edit),
            (Locked, Edit),
            (NotStarted, Submit),
            (Draft, Approve),
            (Locked, Return),
            (Returned, Approve),
        ] {
            assert!(next(from, action).is_err(), "{from:?} {action:?}");
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn warnings_need_an_explanation_errors_block() {
        let v = |rule: &str, severity| Violation {
            rule: rule.into(),
            severity,
            left: None,
            right: None,
            cells: vec![],
            row: None,
        };
        let vs = vec![v("E", Severity::Error), v("W", Severity::Warning)];
        let b = blockers(&vs, &HashMap::new());
        assert_eq!((b.errors.len(), b.unexplained.len()), (1, 1));
        let ex: HashMap<String, String> =
            [("W".to_string(), "新建研发中心，投入增加".to_string())].into();
        let b = blockers(&vs[1..], &ex);
        assert!(b.is_empty());
        let short: HashMap<String, String> = [("W".to_string(), "ok".to_string())].into();
        assert!(!blockers(&vs[1..], &short).is_empty(), "a two-letter explanation is not one");
    }
}
