//! The expert libraries and review rounds: profiles and their status, ties, yearly loads;
//! rounds with their items, conflicts (recomputed when a profile changes), optimal assignment or
//! drawing with a committed seed, declines and redraws, reviews, results.
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::{Datelike, NaiveDate};
use innocity_core::affinity::{self, Doc, Tokenizer};
use innocity_core::assign::{self, Instance, Outcome};
use innocity_core::experts::conflicts::{
    self as conflict_rules, ExpertSide, ItemSide, Policy, Tie, TieKind,
};
use innocity_core::experts::draw::{self as draw_rules, Candidate};
use innocity_core::experts::panel::{self, Composition, Member, OUTSIDE_REGION};
use innocity_core::experts::scoring::{
    self, Deviation, Form, ItemResult, Method, Performance, Scored,
};
use innocity_core::experts::{self as rules, Action, Library, Reconfirmation, Status};
use sea_orm::Value;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
pub(crate) mod library;
pub use library::*;
mod rounds;
pub use rounds::*;
mod conflicts;
pub use conflicts::*;
mod bids;
pub use bids::*;
mod assignment;
pub use assignment::*;
mod draw;
pub use draw::*;
mod reassign;
mod reviews;
pub use reviews::*;
mod refusals;
pub use refusals::*;
