//! Programmes with yearly budgets, calls, and applications on their way through the three levels
//! and the three reviews: every change of stage checked by `core::projects::next`, the call's
//! deadlines and eligibility rules, written with its event and audit entry in one transaction.
//! Public notices, carrying out and closing are in [`execution`].
pub mod execution;
use crate::audit::{self, Change};
use crate::db::{Db, ReadRow, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::projects::form::{AnswerError, ReviewPlan, Section, check_answers};
use innocity_core::projects::funding::{
    BudgetRules, Condition, Instalment, Ledger, Line, ReleaseError, check_budget, schedule,
    total_requested,
};
use innocity_core::projects::milestones::Milestone;
use innocity_core::projects::money::Money;
use innocity_core::projects::{
    self as rules, Action, Applicant, Deadlines, Eligibility, Failure, Level, Stage,
};
use sea_orm::Value;
use serde::Serialize;
use std::collections::BTreeMap;
mod programmes;
pub use programmes::*;
mod calls;
pub use calls::*;
mod applications;
pub use applications::*;
mod decisions;
pub use decisions::*;
mod funding;
pub use funding::*;
mod attachments;
pub use attachments::*;
mod reviews;
pub use reviews::*;
mod refusals;
pub use refusals::*;
