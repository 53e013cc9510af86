//! Open challenges (揭榜挂帅) on the record: raised from a demand, the solvers' proposals, the
//! review round the experts engine runs over them, the published winner and the milestones of
//! the work. Every change of state is one transaction with its audit entry.
use super::MarketRefusal;
use super::demands::{Demand, OPEN as DEMAND_OPEN};
use crate::audit::{self, Change};
use crate::db::{Db, Result, StoreError, Tx};
pub use crate::experts::ReviewPlan;
use crate::experts::{self, Item};
use crate::orgs::Actor;
use crate::rows::{Count, Fields, FromRow, columns, select};
use chrono::{Datelike, NaiveDate};
use innocity_core::experts::scoring::Method;
use innocity_core::market::challenges::{
    Action, Milestone, MilestoneStatus, MilestoneStep, Proposal, Raise, Status, milestone_next,
    next,
};
use innocity_core::projects::money::Money;

/// A challenge with the demand it was raised from.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    pub id: i64,
    pub code: String,
    pub demand_id: i64,
    pub title: String,
    pub description: String,
    pub requirements: String,
    pub discipline: String,
    /// The demand's enterprise (张榜方).
    pub organisation_id: i64,
    pub organisation: String,
    pub unit_path: String,
    pub reward: Money,
    pub apply_by: NaiveDate,
    pub terms: String,
    pub status: Status,
    pub round_id: Option<i64>,
    pub winner_id: Option<i64>,
    pub winner_reason: String,
    pub closed_reason: String,
    /// Empty until awarded.
    pub awarded_on: String,
    pub version: i64,
}

impl FromRow for Challenge {
    const TABLE: &'static str = "market_challenges";
    const FROM: &'static str = "market_challenges c JOIN market_demands d ON d.id = c.demand_id JOIN organisations o ON o.id = d.organisation_id";
    columns!(
        "c.id",
        "c.code",
        "c.demand_id",
        "d.title",
        "d.description",
        "d.requirements",
        "d.discipline",
        "d.organisation_id",
        "o.name",
        "o.unit_path",
        "c.reward_fen",
        "c.apply_by",
        "c.terms",
        "c.status",
        "c.round_id",
        "c.winner_id",
        "c.winner_reason",
        "c.closed_reason",
        "c.awarded_on",
        "c.version"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Challenge {
            id: f.int()?,
            code: f.text()?,
            demand_id: f.int()?,
            title: f.text()?,
            description: f.text()?,
            requirements: f.text()?,
            discipline: f.text()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            unit_path: f.text()?,
            reward: Money(f.int()?),
            apply_by: f.date()?,
            terms: f.text()?,
            status: f.code(Status::parse)?,
            round_id: f.opt_int()?,
            winner_id: f.opt_int()?,
            winner_reason: f.text()?,
            closed_reason: f.text()?,
            awarded_on: f.text()?,
            version: f.int()?,
        })
    }
}

impl Challenge {
    /// Whether it takes proposals on `day`.
    pub fn taking_on(&self, day: NaiveDate) -> bool {
        self.status == Status::Open && day <= self.apply_by
    }
}

/// A solver's proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: i64,
    pub code: String,
    pub challenge_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub credit_code: String,
    pub unit_path: String,
    pub title: String,
    pub leader: String,
    pub members: Vec<String>,
    pub proposal: String,
    pub submitted_at: i64,
}

impl FromRow for Application {
    const TABLE: &'static str = "market_challenge_applications";
    const FROM: &'static str =
        "market_challenge_applications a JOIN organisations o ON o.id = a.organisation_id";
    columns!(
        "a.id",
        "a.code",
        "a.challenge_id",
        "a.organisation_id",
        "o.name",
        "o.credit_code",
        "o.unit_path",
        "a.title",
        "a.leader",
        "a.members",
        "a.proposal",
        "a.submitted_at"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Application {
            id: f.int()?,
            code: f.text()?,
            challenge_id: f.int()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            credit_code: f.text()?,
            unit_path: f.text()?,
            title: f.text()?,
            leader: f.text()?,
            members: f.json()?,
            proposal: f.text()?,
            submitted_at: f.int()?,
        })
    }
}

/// A milestone of the winner's work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneRow {
    pub seq: i64,
    pub due: NaiveDate,
    pub title: String,
    pub pay: Money,
    pub status: MilestoneStatus,
    pub report: String,
    /// Why the bureau sent the last report back.
    pub reason: String,
    pub reported_on: String,
    pub accepted_on: String,
}

impl FromRow for MilestoneRow {
    const TABLE: &'static str = "market_challenge_milestones";
    columns!(seq, due, title, pay_fen, status, report, reason, reported_on, accepted_on);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(MilestoneRow {
            seq: f.int()?,
            due: f.date()?,
            title: f.text()?,
            pay: Money(f.int()?),
            status: f.code(MilestoneStatus::parse)?,
            report: f.text()?,
            reason: f.text()?,
            reported_on: f.text()?,
            accepted_on: f.text()?,
        })
    }
}

fn change<'a>(
    actor: Actor<'a>,
    action: &'a str,
    id: i64,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Change<'a> {
    Change {
        actor: actor.username,
        action,
        entity: "market_challenge",
        entity_id: id.to_string(),
        before,
        after,
        request_id: actor.request_id,
    }
}

async fn locked(tx: &Tx, id: i64, version: i64) -> Result<Challenge> {
    let c: Challenge = tx
        .row(&select::<Challenge>("WHERE c.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if c.version != version {
        return Err(StoreError::Stale);
    }
    Ok(c)
}

fn moved(c: &Challenge, action: Action) -> Result<Status> {
    next(c.status, action).ok_or(StoreError::Market(MarketRefusal::NotNow {
        from: c.status.code(),
        action: action.code(),
    }))
}

/// Raises an open demand to a challenge; its code is `JB` + year + a number in the year.
pub async fn raise(db: &Db, demand_id: i64, r: &Raise, actor: Actor<'_>) -> Result<i64> {
    let tx = db.begin_write().await?;
    let d: Demand = tx
        .row(&select::<Demand>("WHERE d.id = ?"), vec![demand_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if d.status != DEMAND_OPEN {
        return Err(StoreError::Market(MarketRefusal::DemandClosed));
    }
    let twice = Count::of(
        tx.row(
            "SELECT COUNT(*) FROM market_challenges WHERE demand_id = ?",
            vec![demand_id.into()],
        )
        .await?,
    );
    if twice > 0 {
        return Err(StoreError::Market(MarketRefusal::ChallengeExists));
    }
    let year = tx.clock.today().year();
    let prefix = format!("JB{year}-");
    let n = Count::of(
        tx.row(
            "SELECT COUNT(*) FROM market_challenges WHERE code LIKE ?",
            vec![format!("{prefix}%").into()],
        )
        .await?,
    );
    let code = format!("{prefix}{:03}", n + 1);
    let now = tx.clock.now_ms();
    let id = tx
        .insert(
            "INSERT INTO market_challenges (demand_id, code, reward_fen, apply_by, terms, status, winner_reason, closed_reason, raised_by, raised_at, awarded_on, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', '', ?, ?, '', ?)",
            vec![demand_id.into(), code.clone().into(), r.reward.fen().into(), r.apply_by.to_string().into(), r.terms.clone().into(), Status::Open.code().into(), actor.username.into(), now.into(), now.into()],
        )
        .await?;
    let after = serde_json::json!({ "code": code, "demand": demand_id, "reward_fen": r.reward.fen(), "apply_by": r.apply_by.to_string() });
    audit::append(&tx, change(actor, "market.challenge.raise", id, serde_json::Value::Null, after))
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// A solver's organisation applies with a proposal while the challenge takes them: once per
/// organisation, and never the enterprise that set the problem.
pub async fn apply(
    db: &Db,
    challenge_id: i64,
    organisation_id: i64,
    p: &Proposal,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let c: Challenge = tx
        .row(&select::<Challenge>("WHERE c.id = ?"), vec![challenge_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    if !c.taking_on(tx.clock.today()) {
        return Err(StoreError::Market(MarketRefusal::NotTaking { apply_by: c.apply_by }));
    }
    if c.organisation_id == organisation_id {
        return Err(StoreError::Market(MarketRefusal::OwnChallenge));
    }
    let n = Count::of(
        tx.row(
            "SELECT COUNT(*) FROM market_challenge_applications WHERE challenge_id = ?",
            vec![challenge_id.into()],
        )
        .await?,
    );
    let already = Count::of(
        tx.row(
            "SELECT COUNT(*) FROM market_challenge_applications WHERE challenge_id = ? AND organisation_id = ?",
            vec![challenge_id.into(), organisation_id.into()],
        )
        .await?,
    );
    if already > 0 {
        return Err(StoreError::Market(MarketRefusal::AppliedTwice));
    }
    let code = format!("{}-{:02}", c.code, n + 1);
    let members = serde_json::to_string(&p.members).unwrap_or_else(|_| "[]".into());
    let id = tx
        .insert(
            "INSERT INTO market_challenge_applications (challenge_id, code, organisation_id, title, leader, members, proposal, submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![challenge_id.into(), code.clone().into(), organisation_id.into(), p.title.clone().into(), p.leader.clone().into(), members.into(), p.proposal.clone().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    let after = serde_json::json!({ "application": id, "code": code, "organisation": organisation_id, "title": p.title });
    audit::append(
        &tx,
        change(actor, "market.challenge.apply", challenge_id, serde_json::Value::Null, after),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Sends the proposals to a review round of the experts engine (conflicts, assignment or
/// drawing, scoring), once the closing day has passed.
pub async fn start_review(
    db: &Db,
    id: i64,
    version: i64,
    plan: &ReviewPlan,
    actor: Actor<'_>,
) -> Result<i64> {
    let tx = db.begin_write().await?;
    let c = locked(&tx, id, version).await?;
    let to = moved(&c, Action::Review)?;
    if tx.clock.today() <= c.apply_by {
        return Err(StoreError::Market(MarketRefusal::StillTaking { apply_by: c.apply_by }));
    }
    let apps: Vec<Application> = tx
        .rows(&select::<Application>("WHERE a.challenge_id = ? ORDER BY a.id"), vec![id.into()])
        .await?;
    if apps.is_empty() {
        return Err(StoreError::Market(MarketRefusal::NoProposals));
    }
    let items: Vec<Item> = apps.iter().map(|a| review_item(&c, a)).collect();
    let year = i64::from(tx.clock.today().year());
    let round = plan.round(format!("{}-R1", c.code), format!("揭榜挂帅 {}", c.title), year);
    let round_id = experts::create_round_in(&tx, db, &round, &items, actor).await?;
    tx.exec(
        "UPDATE market_challenges SET status = ?, round_id = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![to.code().into(), round_id.into(), tx.clock.now_ms().into(), id.into()],
    )
    .await?;
    let after =
        serde_json::json!({ "status": to.code(), "round": round.code, "proposals": apps.len() });
    audit::append(
        &tx,
        change(
            actor,
            "market.challenge.review",
            id,
            serde_json::json!({ "status": c.status.code() }),
            after,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(round_id)
}

/// A proposal as an item of the review round: its team and organisation (for conflicts) and
/// its text (for the experts' affinity).
fn review_item(c: &Challenge, a: &Application) -> Item {
    Item {
        id: 0,
        round_id: 0,
        code: a.code.clone(),
        title: a.title.clone(),
        body: a.proposal.clone(),
        discipline: c.discipline.clone(),
        applicant: a.leader.clone(),
        members: a.members.clone(),
        credit_code: a.credit_code.clone(),
        org_name: a.organisation.clone(),
        unit_path: a.unit_path.clone(),
        avoid: vec![],
    }
}

/// A proposal's result in the closed review round.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub code: String,
    pub rank: usize,
    pub reviews: usize,
    pub mean: f64,
    pub disagreement: bool,
}

/// The proposals' ranking in the challenge's review round (empty before the review).
pub async fn ranking(db: &Db, c: &Challenge) -> Result<Vec<Ranked>> {
    let Some(round) = c.round_id else { return Ok(vec![]) };
    let (items, _) = experts::results(db, round, Method::Mean).await?;
    Ok(items
        .into_iter()
        .map(|i| Ranked {
            code: i.item,
            rank: i.rank,
            reviews: i.n,
            mean: i.mean,
            disagreement: i.disagreement,
        })
        .collect())
}

/// The bureau's pick of the winner.
#[derive(Debug, Clone)]
pub struct Award {
    pub application_id: i64,
    /// Needed when the pick is not the review's first.
    pub reason: String,
    pub milestones: Vec<Milestone>,
}

/// Picks and publishes the winner once the review round is closed, with the milestones of the
/// work; a pick other than the review's first (or tied first) needs a reason.
pub async fn award(db: &Db, id: i64, version: i64, w: &Award, actor: Actor<'_>) -> Result<()> {
    let c = challenge(db, id).await?.ok_or(StoreError::NotFound)?;
    let round = match c.round_id {
        Some(r) => experts::round(db, r).await?,
        None => None,
    };
    if round.as_ref().is_some_and(|r| r.is_open()) {
        return Err(StoreError::Market(MarketRefusal::RoundOpen));
    }
    let ranked = ranking(db, &c).await?;
    let tx = db.begin_write().await?;
    let c = locked(&tx, id, version).await?;
    let to = moved(&c, Action::Award)?;
    let winner: Application = tx
        .row(
            &select::<Application>("WHERE a.id = ? AND a.challenge_id = ?"),
            vec![w.application_id.into(), id.into()],
        )
        .await?
        .ok_or(StoreError::Market(MarketRefusal::NotAProposal))?;
    let first = ranked.iter().any(|r| r.rank == 1 && r.code == winner.code);
    let reason = w.reason.trim();
    if !first && reason.is_empty() {
        return Err(StoreError::Market(MarketRefusal::Reason));
    }
    let today = tx.clock.today();
    for (n, m) in w.milestones.iter().enumerate() {
        tx.insert(
            "INSERT INTO market_challenge_milestones (challenge_id, seq, due, title, pay_fen, status, report, reason, reported_on, accepted_on) VALUES (?, ?, ?, ?, ?, ?, '', '', '', '')",
            vec![id.into(), (n as i64 + 1).into(), m.due.to_string().into(), m.title.clone().into(), m.pay.fen().into(), MilestoneStatus::Pending.code().into()],
        )
        .await?;
    }
    tx.exec(
        "UPDATE market_challenges SET status = ?, winner_id = ?, winner_reason = ?, awarded_on = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![to.code().into(), winner.id.into(), reason.into(), today.to_string().into(), tx.clock.now_ms().into(), id.into()],
    )
    .await?;
    let after = serde_json::json!({ "status": to.code(), "winner": winner.code, "organisation": winner.organisation, "first_in_review": first, "reason": reason, "milestones": w.milestones });
    audit::append(
        &tx,
        change(
            actor,
            "market.challenge.award",
            id,
            serde_json::json!({ "status": c.status.code() }),
            after,
        ),
    )
    .await?;
    tx.commit().await
}

/// Ends a challenge without a winner, with the reason published.
pub async fn close(db: &Db, id: i64, version: i64, reason: &str, actor: Actor<'_>) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::Market(MarketRefusal::Reason));
    }
    let tx = db.begin_write().await?;
    let c = locked(&tx, id, version).await?;
    let to = moved(&c, Action::Close)?;
    tx.exec(
        "UPDATE market_challenges SET status = ?, closed_reason = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![to.code().into(), reason.into(), tx.clock.now_ms().into(), id.into()],
    )
    .await?;
    let after = serde_json::json!({ "status": to.code(), "reason": reason });
    audit::append(
        &tx,
        change(
            actor,
            "market.challenge.close",
            id,
            serde_json::json!({ "status": c.status.code() }),
            after,
        ),
    )
    .await?;
    tx.commit().await
}

/// A step on the current milestone (the first not yet accepted): the winner reports, the
/// bureau accepts or sends back with a reason. The last acceptance finishes the challenge.
pub async fn milestone_step(
    db: &Db,
    id: i64,
    version: i64,
    seq: i64,
    step: MilestoneStep,
    note: &str,
    actor: Actor<'_>,
) -> Result<Status> {
    let note = note.trim();
    if note.is_empty() {
        return Err(StoreError::Market(if step == MilestoneStep::Return {
            MarketRefusal::Reason
        } else {
            MarketRefusal::Report
        }));
    }
    let tx = db.begin_write().await?;
    let c = locked(&tx, id, version).await?;
    if c.status != Status::Awarded {
        return Err(StoreError::Market(MarketRefusal::NotNow {
            from: c.status.code(),
            action: step.code(),
        }));
    }
    let all: Vec<MilestoneRow> = tx
        .rows(&select::<MilestoneRow>("WHERE challenge_id = ? ORDER BY seq"), vec![id.into()])
        .await?;
    let m = all.iter().find(|m| m.seq == seq).ok_or(StoreError::NotFound)?;
    let current = all.iter().find(|m| m.status != MilestoneStatus::Accepted).map(|m| m.seq);
    let to = milestone_next(m.status, step, current == Some(seq)).ok_or(StoreError::Market(
        MarketRefusal::NotNow { from: m.status.code(), action: step.code() },
    ))?;
    let today = tx.clock.today().to_string();
    let sql = match step {
        MilestoneStep::Report => {
            "UPDATE market_challenge_milestones SET status = ?, report = ?, reported_on = ? WHERE challenge_id = ? AND seq = ?"
        }
        MilestoneStep::Return => {
            "UPDATE market_challenge_milestones SET status = ?, reason = ?, reported_on = ? WHERE challenge_id = ? AND seq = ?"
        }
        MilestoneStep::Accept => {
            "UPDATE market_challenge_milestones SET status = ?, reason = ?, accepted_on = ? WHERE challenge_id = ? AND seq = ?"
        }
    };
    let day = if step == MilestoneStep::Return { String::new() } else { today };
    let text = if step == MilestoneStep::Accept { String::new() } else { note.to_string() };
    tx.exec(sql, vec![to.code().into(), text.into(), day.into(), id.into(), seq.into()]).await?;
    let last = all.last().is_some_and(|l| l.seq == seq);
    let status =
        if to == MilestoneStatus::Accepted && last { Status::Finished } else { Status::Awarded };
    tx.exec(
        "UPDATE market_challenges SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![status.code().into(), tx.clock.now_ms().into(), id.into()],
    )
    .await?;
    let after = serde_json::json!({ "milestone": seq, "step": step.code(), "milestone_status": to.code(), "status": status.code(), "note": note });
    audit::append(
        &tx,
        change(
            actor,
            "market.challenge.milestone",
            id,
            serde_json::json!({ "milestone_status": m.status.code() }),
            after,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(status)
}

pub async fn challenge(db: &Db, id: i64) -> Result<Option<Challenge>> {
    db.row(&select::<Challenge>("WHERE c.id = ?"), vec![id.into()]).await
}

/// The challenge raised from a demand, if any.
pub async fn of_demand(db: &Db, demand_id: i64) -> Result<Option<Challenge>> {
    db.row(&select::<Challenge>("WHERE c.demand_id = ?"), vec![demand_id.into()]).await
}

/// Challenges, newest first, in one state or all.
pub async fn list(db: &Db, status: Option<Status>) -> Result<Vec<Challenge>> {
    match status {
        Some(s) => {
            db.rows(
                &select::<Challenge>("WHERE c.status = ? ORDER BY c.id DESC LIMIT 500"),
                vec![s.code().into()],
            )
            .await
        }
        None => db.rows(&select::<Challenge>("ORDER BY c.id DESC LIMIT 500"), vec![]).await,
    }
}

/// A challenge's proposals, in the order they came.
pub async fn applications(db: &Db, challenge_id: i64) -> Result<Vec<Application>> {
    db.rows(
        &select::<Application>("WHERE a.challenge_id = ? ORDER BY a.id"),
        vec![challenge_id.into()],
    )
    .await
}

/// The challenge's milestones, in order.
pub async fn milestones(db: &Db, challenge_id: i64) -> Result<Vec<MilestoneRow>> {
    db.rows(
        &select::<MilestoneRow>("WHERE challenge_id = ? ORDER BY seq"),
        vec![challenge_id.into()],
    )
    .await
}
