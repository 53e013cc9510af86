//! An achievement's life on the platform: its owner's drafts, the bureau's check, registration
//! and listing (挂牌), deals and withdrawal, and what the owner sees of interest in it (views
//! and inquiries).
use super::{Achievement, log_changes};
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::market::achievements::{AchievementDraft, Action, Status, next};

/// Why the market says no (the web chooses the words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketRefusal {
    /// The action is not possible in the achievement's state.
    NotNow { from: &'static str, action: &'static str },
    /// Sending back or withdrawing needs a reason.
    Reason,
    /// Only a listed achievement takes inquiries.
    NotListed,
    /// An inquiry needs a name, a way to reply and a message.
    Inquiry,
    /// Only the seller (for a technology import, the domestic buyer) registers a contract.
    NotRegistrant,
    /// The same contract (parties, day, amount) is already registered or waiting.
    AlreadyRegistered { id: i64 },
    /// A contract type the rules do not know.
    ContractType,
    /// A brokerage needs the buyer's name.
    Buyer,
    /// A signed or ended brokerage takes no more steps.
    BrokerageClosed,
    /// A signing names no registered contract of that number.
    UnknownContract { number: String },
    /// Only an open demand is raised to a challenge.
    DemandClosed,
    /// The demand is already a challenge.
    ChallengeExists,
    /// The challenge takes no proposals (closed, or past its closing day).
    NotTaking { apply_by: chrono::NaiveDate },
    /// The enterprise that set the problem does not solve it.
    OwnChallenge,
    /// One proposal per organisation.
    AppliedTwice,
    /// The review starts after the closing day.
    StillTaking { apply_by: chrono::NaiveDate },
    /// Nothing to review.
    NoProposals,
    /// The winner is picked once the review round is closed.
    RoundOpen,
    /// The winner must be one of the challenge's proposals.
    NotAProposal,
    /// A milestone is reported with what was done.
    Report,
    /// A large or disputed contract is registered after the experts' review round is closed.
    ExpertsFirst,
    /// Only a large or disputed contract goes to the experts, once.
    NoExpertsNeeded,
    /// The office registers a contract once its signed text is uploaded.
    NoSignedFile,
    /// A change keeps the parties (other parties make another contract).
    ChangedParties,
    /// Changes and objections concern a registered contract; one waits at a time.
    NotOpenForChange,
}

fn action_code(a: Action) -> &'static str {
    match a {
        Action::Submit => "submit",
        Action::Return => "return",
        Action::List => "list",
        Action::MarkDealt => "dealt",
        Action::Withdraw => "withdraw",
    }
}

/// The state and version of an achievement, read in the writing transaction.
struct State {
    status: String,
    version: i64,
    organisation_id: i64,
}

impl FromRow for State {
    const TABLE: &'static str = "market_achievements";
    columns!(status, version, organisation_id);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(State { status: f.text()?, version: f.int()?, organisation_id: f.int()? })
    }
}

async fn state(tx: &Tx, id: i64, version: i64) -> Result<(Status, i64)> {
    let s: State = tx
        .row(&select::<State>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if s.version != version {
        return Err(StoreError::Stale);
    }
    let status = Status::parse(&s.status).ok_or(StoreError::Corrupt {
        table: "market_achievements",
        row: crate::rows::RowKey::Id(id),
        column: "status",
        problem: format!("unknown code '{}'", s.status),
    })?;
    Ok((status, s.organisation_id))
}

fn draft_json(d: &AchievementDraft) -> serde_json::Value {
    serde_json::to_value(d).unwrap_or(serde_json::Value::Null)
}

fn ip_text(d: &AchievementDraft) -> String {
    serde_json::to_string(&d.ip).unwrap_or_else(|_| "[]".into())
}

/// A new draft of an organisation's achievement.
pub async fn create(
    db: &Db,
    organisation_id: i64,
    d: &AchievementDraft,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let now = tx.clock.now_ms();
    let id = tx
        .insert(
            "INSERT INTO market_achievements (external_id, organisation_id, title, description, keywords, discipline, category, maturity, modes, price_fen, ip, team, contact, status, listed_at, created_at, updated_at) VALUES (NULL, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            vec![organisation_id.into(), d.title.clone().into(), d.description.clone().into(), d.keywords.join(";").into(), d.discipline.clone().into(), i64::from(d.maturity).into(), d.modes.join(";").into(), d.price.map(|m| m.fen()).into(), ip_text(d).into(), d.team.clone().into(), d.contact.clone().into(), Status::Draft.code().into(), now.into(), now.into()],
        )
        .await?;
    log_changes(&tx, &[id]).await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "market.achievement.create",
            entity: "market_achievement",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: draft_json(d),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a draft (or one sent back) that the caller read at `version`.
pub async fn update(
    db: &Db,
    id: i64,
    version: i64,
    d: &AchievementDraft,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let (status, _) = state(&tx, id, version).await?;
    if !status.editable() {
        return Err(StoreError::Market(MarketRefusal::NotNow {
            from: status.code(),
            action: "edit",
        }));
    }
    let now = tx.clock.now_ms();
    tx.exec(
        "UPDATE market_achievements SET title = ?, description = ?, keywords = ?, discipline = ?, maturity = ?, modes = ?, price_fen = ?, ip = ?, team = ?, contact = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![d.title.clone().into(), d.description.clone().into(), d.keywords.join(";").into(), d.discipline.clone().into(), i64::from(d.maturity).into(), d.modes.join(";").into(), d.price.map(|m| m.fen()).into(), ip_text(d).into(), d.team.clone().into(), d.contact.clone().into(), now.into(), id.into()],
    )
    .await?;
    log_changes(&tx, &[id]).await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "market.achievement.edit",
            entity: "market_achievement",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: draft_json(d),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await
}

/// How many achievements were registered in `year` (the seeds' yearly count), and so the
/// next registration number.
struct Registered(i64);

impl FromRow for Registered {
    const TABLE: &'static str = "market_achievements";
    columns!("COUNT(*)");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Registered(f.int()?))
    }
}

/// Achievements registered in a year.
pub async fn registered_in(db: &Db, year: i32) -> Result<i64> {
    let r: Option<Registered> = db
        .row(
            &select::<Registered>("WHERE registration_no LIKE ?"),
            vec![format!("{year}-%").into()],
        )
        .await?;
    Ok(r.map_or(0, |r| r.0))
}

/// Moves an achievement on: submitted by its owner, sent back (with a reason), registered and
/// listed, marked dealt, withdrawn (with a reason). Listing gives it the year's next
/// registration number. Returns the new state.
pub async fn act(
    db: &Db,
    id: i64,
    version: i64,
    action: Action,
    reason: &str,
    actor: Actor<'_>,
) -> Result<Status> {
    let reason = reason.trim();
    if matches!(action, Action::Return | Action::Withdraw) && reason.is_empty() {
        return Err(StoreError::Market(MarketRefusal::Reason));
    }
    let tx = db.begin_write().await?;
    let (from, _) = state(&tx, id, version).await?;
    let to = next(from, action).map_err(|e| {
        StoreError::Market(MarketRefusal::NotNow {
            from: e.from.code(),
            action: action_code(action),
        })
    })?;
    let now = tx.clock.now_ms();
    let number = if to == Status::Listed {
        let year = tx.clock.today().format("%Y").to_string();
        let r: Option<Registered> = tx
            .row(
                &select::<Registered>("WHERE registration_no LIKE ?"),
                vec![format!("{year}-%").into()],
            )
            .await?;
        Some(format!("{year}-{:06}", r.map_or(0, |r| r.0) + 1))
    } else {
        None
    };
    tx.exec(
        "UPDATE market_achievements SET status = ?, status_reason = ?, registration_no = COALESCE(?, registration_no), listed_at = CASE WHEN ? THEN ? ELSE listed_at END, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![to.code().into(), reason.into(), number.clone().into(), (to == Status::Listed).into(), now.into(), now.into(), id.into()],
    )
    .await?;
    log_changes(&tx, &[id]).await?;
    audit::append(&tx, Change { actor: actor.username, action: &format!("market.achievement.{}", action_code(action)), entity: "market_achievement", entity_id: id.to_string(), before: serde_json::json!({ "status": from.code() }), after: serde_json::json!({ "status": to.code(), "reason": reason, "registration_no": number }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(to)
}

/// An organisation's achievements, newest first.
pub async fn of_organisation(db: &Db, organisation_id: i64) -> Result<Vec<Achievement>> {
    db.rows(
        &select::<Achievement>("WHERE m.organisation_id = ? ORDER BY m.id DESC"),
        vec![organisation_id.into()],
    )
    .await
}

/// Achievements in a state (the bureau's queue: submitted), in an area when given (its
/// subtrees' roots), oldest first.
pub async fn in_status(
    db: &Db,
    status: Status,
    area: Option<&[String]>,
) -> Result<Vec<Achievement>> {
    let (area, area_values) = match area {
        Some(roots) => crate::orgs::under_roots("o.unit_path", roots),
        None => ("1 = 1".to_string(), Vec::new()),
    };
    let mut values: Vec<sea_orm::Value> = vec![status.code().into()];
    values.extend(area_values);
    db.rows(
        &select::<Achievement>(&format!(
            "WHERE m.status = ? AND {area} ORDER BY m.updated_at, m.id LIMIT 500"
        )),
        values,
    )
    .await
}

/// Counts one opening of a listed achievement's public page (no audit entry: it changes no
/// state anyone decides on).
pub async fn viewed(db: &Db, id: i64) -> Result<()> {
    use sea_orm::ConnectionTrait;
    db.conn
        .execute_raw(
            db.stmt(
                "UPDATE market_achievements SET views = views + 1 WHERE id = ?",
                vec![id.into()],
            ),
        )
        .await?;
    Ok(())
}

/// An inquiry about a listed achievement, as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInquiry<'a> {
    pub user_id: Option<i64>,
    pub name: &'a str,
    pub organisation: &'a str,
    pub contact: &'a str,
    pub message: &'a str,
}

/// An inquiry as its owner reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inquiry {
    pub id: i64,
    pub name: String,
    pub organisation: String,
    pub contact: String,
    pub message: String,
    pub created_at: i64,
}

impl FromRow for Inquiry {
    const TABLE: &'static str = "market_inquiries";
    columns!(id, name, organisation, contact, message, created_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Inquiry {
            id: f.int()?,
            name: f.text()?,
            organisation: f.text()?,
            contact: f.text()?,
            message: f.text()?,
            created_at: f.int()?,
        })
    }
}

/// Characters an inquiry's message may hold.
pub const INQUIRY_CHARS: usize = 2_000;

/// Records an inquiry about a listed achievement.
pub async fn inquire(db: &Db, id: i64, q: &NewInquiry<'_>, actor: Actor<'_>) -> Result<i64> {
    let blank = |s: &str| s.trim().is_empty();
    if blank(q.name)
        || blank(q.contact)
        || blank(q.message)
        || q.message.chars().count() > INQUIRY_CHARS
    {
        return Err(StoreError::Market(MarketRefusal::Inquiry));
    }
    let tx = db.begin_write().await?;
    let s: State = tx
        .row(&select::<State>("WHERE id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if s.status != Status::Listed.code() {
        return Err(StoreError::Market(MarketRefusal::NotListed));
    }
    let now = tx.clock.now_ms();
    let inquiry = tx
        .insert(
            "INSERT INTO market_inquiries (achievement_id, user_id, name, organisation, contact, message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![id.into(), q.user_id.into(), q.name.trim().into(), q.organisation.trim().into(), q.contact.trim().into(), q.message.trim().into(), now.into()],
        )
        .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "market.inquiry",
            entity: "market_achievement",
            entity_id: id.to_string(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "inquiry": inquiry, "organisation_id": s.organisation_id }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(inquiry)
}

/// The inquiries about an achievement, newest first.
pub async fn inquiries(db: &Db, id: i64) -> Result<Vec<Inquiry>> {
    db.rows(&select::<Inquiry>("WHERE achievement_id = ? ORDER BY id DESC"), vec![id.into()]).await
}
