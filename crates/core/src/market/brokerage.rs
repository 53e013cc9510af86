//! Technology brokerage (技术经纪): a broker of a service organisation carries a match between an
//! achievement and a buyer, step by dated step — contacts, meetings, negotiation — to a signed
//! contract (its registration number on the platform) or to an end without one.
use crate::orgs::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The kinds of step a broker records.
pub const STEP_KINDS: &[&str] = &["contact", "meeting", "negotiation", "signed", "failed"];

/// Characters a step's note may hold.
pub const NOTE_CHARS: usize = 2_000;

/// Where a brokerage stands: open until a step signs or ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Stage {
    Open,
    Signed,
    Failed,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::Open => "open",
            Stage::Signed => "signed",
            Stage::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        [Stage::Open, Stage::Signed, Stage::Failed].into_iter().find(|x| x.code() == s)
    }
}

/// A step as the broker types it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct StepInput {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub note: String,
    /// A signed step: the contract's registration number on the platform.
    #[serde(default)]
    pub registration_no: String,
}

/// A checked step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub on: NaiveDate,
    pub kind: &'static str,
    pub note: String,
    pub registration_no: Option<String>,
}

impl Step {
    /// The stage the brokerage reaches with this step.
    pub fn stage(&self) -> Stage {
        match self.kind {
            "signed" => Stage::Signed,
            "failed" => Stage::Failed,
            _ => Stage::Open,
        }
    }
}

fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

/// Checks a step against `today` (a step is not dated in the future).
pub fn validate_step(i: &StepInput, today: NaiveDate) -> Result<Step, Vec<FieldError>> {
    let mut errors = Vec::new();
    let on = match NaiveDate::parse_from_str(i.on.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => {
            errors.push(problem("on", "err.broker.future", vec![d.to_string()]));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(problem("on", "err.contract.date", vec![i.on.trim().into()]));
            None
        }
    };
    let kind = STEP_KINDS.iter().copied().find(|k| *k == i.kind.trim());
    if kind.is_none() {
        errors.push(problem("kind", "err.choose", vec![]));
    }
    let note = i.note.trim().to_string();
    if note.is_empty() {
        errors.push(problem("note", "err.required", vec![]));
    } else if note.chars().count() > NOTE_CHARS {
        errors.push(problem("note", "err.too_long", vec![NOTE_CHARS.to_string()]));
    }
    let number = i.registration_no.trim().to_string();
    if kind == Some("signed") && number.is_empty() {
        errors.push(problem("registration_no", "err.broker.number", vec![]));
    }
    match (on, kind, errors.is_empty()) {
        (Some(on), Some(kind), true) => {
            Ok(Step { on, kind, note, registration_no: (kind == "signed").then_some(number) })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_dated_kinded_and_a_signing_names_its_contract() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let meeting = StepInput {
            on: "2026-12-05".into(),
            kind: "meeting".into(),
            note: "双方现场洽谈。".into(),
            ..StepInput::default()
        };
        let s = validate_step(&meeting, today).unwrap();
        assert_eq!((s.kind, s.stage()), ("meeting", Stage::Open));
        let future = StepInput { on: "2026-12-06".into(), ..meeting.clone() };
        assert_eq!(validate_step(&future, today).unwrap_err()[0].key, "err.broker.future");
        let signed = StepInput { kind: "signed".into(), ..meeting.clone() };
        assert_eq!(validate_step(&signed, today).unwrap_err()[0].field, "registration_no");
        let signed = StepInput { registration_no: "TC2026000001".into(), ..signed };
        let s = validate_step(&signed, today).unwrap();
        assert_eq!(
            (s.stage(), s.registration_no.as_deref()),
            (Stage::Signed, Some("TC2026000001"))
        );
        let bad = StepInput {
            kind: "gift".into(),
            note: " ".into(),
            on: "2026-13-01".into(),
            ..StepInput::default()
        };
        let fields: Vec<&str> =
            validate_step(&bad, today).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["on", "kind", "note"]);
    }
}
