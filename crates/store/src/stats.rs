//! Statistical returns: values with their change history, the state of each return, approvals up
//! the hierarchy, reminders, imported form definitions, and the reads for aggregation.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::{Actor, OrgUnit, subtree_bounds};
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::periods::Period;
use innocity_core::stats::analysis::{Acc, Rollup, path_ids};
use innocity_core::stats::status::{Action, Status, next};
use innocity_core::stats::values::{Stored, format_plain};
use innocity_core::stats::{Catalogue, Form, Snapshot};
use sea_orm::Value;
use std::collections::HashMap;
mod returns;
pub use returns::*;
mod values;
pub use values::*;
mod status;
pub use status::*;
mod reminders;
pub use reminders::*;
mod analysis;
pub use analysis::*;
mod long;
pub use long::*;
mod survey;
pub use survey::*;

/// A definition file as imported: name, body, by whom, when.
pub(crate) struct Definition(String, String, String, i64);

impl FromRow for Definition {
    const TABLE: &'static str = "stat_definitions";
    columns!(name, body, imported_by, imported_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Definition(f.text()?, f.text()?, f.text()?, f.int()?))
    }
}

/// Definition files imported by bureau staff, oldest first (later ones override earlier ones).
pub async fn definitions(db: &Db) -> Result<Vec<(String, String, String, i64)>> {
    let rows: Vec<Definition> = db.rows(&select::<Definition>("ORDER BY id"), vec![]).await?;
    Ok(rows.into_iter().map(|Definition(name, body, by, at)| (name, body, by, at)).collect())
}

/// The catalogue in force: the built-in files, then every imported file.
pub async fn catalogue(db: &Db) -> Result<Catalogue> {
    let mut files: Vec<(String, String)> = innocity_core::stats::BUILT_IN
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    files.extend(definitions(db).await?.into_iter().map(|(n, b, _, _)| (n, b)));
    Catalogue::from_files(files).map_err(|e| {
        StoreError::Invalid(e.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; "))
    })
}

/// Stores a definition file; the caller has checked it reads with everything else.
pub async fn add_definition(db: &Db, name: &str, body: &str, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let id = tx
        .insert("INSERT INTO stat_definitions (name, body, imported_by, imported_at) VALUES (?, ?, ?, ?)", vec![name.into(), body.into(), actor.username.into(), tx.clock.now_ms().into()])
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "stat_definition.import",
            entity: "stat_definition",
            entity_id: id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "name": name, "bytes": body.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Why a statistical return (or a unit's approval of returns) is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ReturnRefusal {
    /// The return cannot be edited in its status.
    NotEditable {
        status: Status,
    },
    /// The same file was uploaded to this return before: its name, by whom, when (ms).
    SameFile {
        file_name: String,
        by: String,
        at: i64,
    },
    /// The step is not possible in the return's status.
    NotNow {
        status: Status,
    },
    /// The unit above has approved already (no return sent back).
    UnitApproved,
    AlreadyApproved,
    /// Returns below still not approved.
    ApprovePending {
        count: i64,
    },
    /// Organisations below without a return.
    ApproveMissing {
        count: i64,
    },
    /// A child unit has not approved its returns.
    ApproveChildren {
        unit: String,
    },
    /// The level above has approved (no withdrawing).
    ParentApproved,
}
