//! After the decision: the public notice and its objections, then the project's life — status,
//! reports and reminders, expert opinions at the mid-term inspection and the acceptance, change
//! requests, supervision visits and fund audits, outputs, and the acceptance outcome with its
//! performance grade and, on failure, credit records. Every change with its audit entry in one
//! transaction; the rules are `core::projects::execution`'s.
use super::{
    Application, ApplicationRefusal, AttachmentFiling, Decision, Move, NewAttachment,
    NoticeRefusal, ProjectRefusal, Reach, StageChange, TaskBook, act, application, applications,
    apply, call, condition_in, conditions, id_number_ok, store_attachment, task_book,
};
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::credit::{Nature, Record, Sanction, Severity};
use innocity_core::projects::execution::{
    self as rules, ChangeKind, Due, Opinion, Outcome, ReportKind, Status, StatusAction,
};
use innocity_core::projects::funding::{Condition, Line};
use innocity_core::projects::money::Money;
use innocity_core::projects::{Action, Stage};
use serde::Serialize;
mod notices;
pub use notices::*;
mod status;
pub use status::*;
mod reports;
pub use reports::*;
mod acceptance;
pub use acceptance::*;
mod changes;
pub use changes::*;
mod supervision;
pub use supervision::*;
mod outputs;
pub use outputs::*;

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn log(
    tx: &Tx,
    actor: Actor<'_>,
    action: &str,
    entity: &str,
    id: i64,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<()> {
    audit::append(
        tx,
        Change {
            actor: actor.username,
            action,
            entity,
            entity_id: id.to_string(),
            before,
            after,
            request_id: actor.request_id,
        },
    )
    .await?;
    Ok(())
}
