//! The yearly open-sharing evaluation: each instrument owner's figures computed from the
//! platform's records (catalogue, blackouts, bookings, service orders, ratings), scored and
//! ranked; the bureau publishes a year's results (frozen from then on) and records its reward or
//! warning for an owner.
use super::{SharingRefusal, log};
use crate::db::{Db, Result, StoreError};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::{Datelike, NaiveDate};
use innocity_core::projects::money::Money;
use innocity_core::sharing::booking::Span;
use innocity_core::sharing::evaluation::{
    Best, Grade, Outcome, OwnerFigures, Scored, open_minutes, rank,
};
use innocity_core::sharing::instruments::OpeningHours;
use std::collections::BTreeMap;

/// An owner's year as the records show it now.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerYear {
    pub owner_id: i64,
    pub owner: String,
    pub unit_path: String,
    pub figures: OwnerFigures,
}

/// The first day of `year` and the day after the last one counted: the year's end, or today
/// while the year runs.
pub fn year_span(year: i32, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let end = NaiveDate::from_ymd_opt(year + 1, 1, 1)?;
    Some((from, end.min(today.max(from))))
}

struct Owned {
    owner_id: i64,
    owner: String,
    unit_path: String,
}

/// Each instrument owner's figures for `year`, up to today while it runs.
pub async fn owner_figures(db: &Db, year: i32) -> Result<Vec<OwnerYear>> {
    let today = db.clock.today();
    let Some((from, to)) = year_span(year, today) else { return Ok(vec![]) };
    let ms = |d: NaiveDate| db.clock.ms_of_local(d.and_time(chrono::NaiveTime::MIN));
    let (from_ms, to_ms) = (ms(from), ms(to));
    let mut owners: BTreeMap<i64, (Owned, OwnerFigures)> = BTreeMap::new();
    open_hours(db, (from, to), (from_ms, to_ms), &mut owners).await?;
    let year_values = vec![from_ms.into(), to_ms.into()];
    let used = db
        .read(
            "SELECT i.owner_id, b.organisation_id, b.actual_start, b.actual_end, COALESCE(b.fee_fen, 0) FROM bookings b JOIN instruments i ON i.id = b.instrument_id WHERE b.status = 'used' AND i.status <> 'retired' AND b.actual_start >= ? AND b.actual_start < ?",
            year_values.clone(),
            |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?, r.int(3)?, r.int(4)?)),
        )
        .await?;
    for (owner, booker, start, end, fee) in used {
        let Some((_, f)) = owners.get_mut(&owner) else { continue };
        let minutes = ((end - start) / 60_000).max(0);
        f.used_minutes += minutes;
        if booker != owner {
            f.external_minutes += minutes;
        }
        f.income_fen = add_fen(f.income_fen, fee)?;
    }
    let orders = db
        .read(
            "SELECT provider_id, COALESCE(fee_fen, 0) FROM service_orders WHERE status = 'completed' AND completed_at >= ? AND completed_at < ?",
            year_values.clone(),
            |r| Ok((r.int(0)?, r.int(1)?)),
        )
        .await?;
    for (owner, fee) in orders {
        if let Some((_, f)) = owners.get_mut(&owner) {
            f.income_fen = add_fen(f.income_fen, fee)?;
        }
    }
    let ratings = db
        .read(
            "SELECT provider_id, score FROM service_ratings WHERE rated_at >= ? AND rated_at < ?",
            year_values.clone(),
            |r| Ok((r.int(0)?, r.int(1)?)),
        )
        .await?;
    for (owner, score) in ratings {
        if let Some((_, f)) = owners.get_mut(&owner) {
            f.rating_sum += score;
            f.ratings += 1;
        }
    }
    answer_times(db, (from_ms, to_ms), &mut owners).await?;
    Ok(owners
        .into_values()
        .map(|(o, figures)| OwnerYear {
            owner_id: o.owner_id,
            owner: o.owner,
            unit_path: o.unit_path,
            figures,
        })
        .collect())
}

/// How long each request waited: answered ones to their answer, those still waiting to the
/// count's end (a booking request to its start, past which it can no longer be approved).
async fn answer_times(
    db: &Db,
    (from_ms, to_ms): (i64, i64),
    owners: &mut BTreeMap<i64, (Owned, OwnerFigures)>,
) -> Result<()> {
    let year_values: Vec<sea_orm::Value> = vec![from_ms.into(), to_ms.into()];
    let answers = db
        .read(
            "SELECT i.owner_id, b.created_at, b.decided_at FROM bookings b JOIN instruments i ON i.id = b.instrument_id WHERE b.decided_at IS NOT NULL AND b.created_at >= ? AND b.created_at < ? \
             UNION ALL SELECT i.owner_id, b.created_at, CASE WHEN b.starts_at < CAST(? AS BIGINT) THEN b.starts_at ELSE CAST(? AS BIGINT) END FROM bookings b JOIN instruments i ON i.id = b.instrument_id WHERE b.status = 'requested' AND b.created_at >= ? AND b.created_at < ? \
             UNION ALL SELECT provider_id, requested_at, answered_at FROM service_orders WHERE answered_at IS NOT NULL AND requested_at >= ? AND requested_at < ? \
             UNION ALL SELECT provider_id, requested_at, CAST(? AS BIGINT) FROM service_orders WHERE status = 'requested' AND requested_at >= ? AND requested_at < ?",
            [
                year_values.clone(),
                vec![to_ms.into(), to_ms.into()],
                year_values.clone(),
                year_values.clone(),
                vec![to_ms.into()],
                year_values.clone(),
            ]
            .concat(),
            |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?)),
        )
        .await?;
    for (owner, asked, answered) in answers {
        if let Some((_, f)) = owners.get_mut(&owner) {
            f.response_hours.push((answered - asked).max(0) as f64 / 3_600_000.0);
        }
    }
    Ok(())
}

fn add_fen(a: i64, b: i64) -> Result<i64> {
    Money(a)
        .checked_add(Money(b))
        .map(Money::fen)
        .ok_or_else(|| StoreError::Invalid("service income beyond any real amount".into()))
}

/// The instruments in the catalogue during the year (not retired), each open from the later of
/// the year's start and its recording, less its blackouts.
async fn open_hours(
    db: &Db,
    (from, to): (NaiveDate, NaiveDate),
    (from_ms, to_ms): (i64, i64),
    owners: &mut BTreeMap<i64, (Owned, OwnerFigures)>,
) -> Result<()> {
    let instruments = db
        .read(
            "SELECT i.id, i.owner_id, o.name, o.unit_path, i.opens, i.closes, i.open_days, i.created_at FROM instruments i JOIN organisations o ON o.id = i.owner_id WHERE i.status <> 'retired' AND i.created_at < ? ORDER BY i.id",
            vec![to_ms.into()],
            |r| {
                Ok((
                    r.int(0)?,
                    Owned { owner_id: r.int(1)?, owner: r.text(2)?, unit_path: r.text(3)? },
                    (r.text(4)?, r.text(5)?, r.text(6)?),
                    r.int(7)?,
                ))
            },
        )
        .await?;
    let mut blackouts: BTreeMap<i64, Vec<Span>> = BTreeMap::new();
    let rows = db
        .read(
            "SELECT instrument_id, starts_at, ends_at FROM instrument_blackouts WHERE starts_at < ? AND ends_at > ?",
            vec![to_ms.into(), from_ms.into()],
            |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?)),
        )
        .await?;
    for (id, s, e) in rows {
        if let (Some(start), Some(end)) = (db.clock.local_of_ms(s), db.clock.local_of_ms(e)) {
            blackouts.entry(id).or_default().push(Span { start, end });
        }
    }
    for (id, owned, (opens, closes, days), created) in instruments {
        let time = |t: &str| chrono::NaiveTime::parse_from_str(t, "%H:%M");
        let (Ok(opens), Ok(closes), Some(days)) =
            (time(&opens), time(&closes), OpeningHours::parse_days(&days))
        else {
            continue;
        };
        let hours = OpeningHours { opens, closes, days };
        let since = db.clock.local_of_ms(created).map_or(from, |t| t.date().max(from));
        let minutes =
            open_minutes(&hours, since, to, blackouts.get(&id).map_or(&[][..], Vec::as_slice));
        let entry =
            owners.entry(owned.owner_id).or_insert_with(|| (owned, OwnerFigures::default()));
        entry.1.instruments += 1;
        entry.1.open_minutes += minutes;
    }
    Ok(())
}

/// An owner's published result.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationRow {
    pub id: i64,
    pub year: i32,
    pub owner_id: i64,
    pub owner: String,
    pub as_of: NaiveDate,
    pub figures: OwnerFigures,
    pub parts: [f64; 5],
    pub total: f64,
    pub grade: Grade,
    pub place: i64,
    pub outcome: Option<Outcome>,
    pub reward: Option<Money>,
    pub note: String,
}

impl FromRow for EvaluationRow {
    const TABLE: &'static str = "sharing_evaluations";
    const FROM: &'static str = "sharing_evaluations e JOIN organisations o ON o.id = e.owner_id";
    columns!(
        "e.id",
        "e.year",
        "e.owner_id",
        "o.name",
        "e.as_of",
        "e.figures",
        "e.parts",
        "e.total_tenths",
        "e.grade",
        "e.place",
        "e.outcome",
        "e.reward_fen",
        "e.note"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(EvaluationRow {
            id: f.int()?,
            year: f.int_as()?,
            owner_id: f.int()?,
            owner: f.text()?,
            as_of: f.date()?,
            figures: f.json()?,
            parts: f.json()?,
            total: f.int()? as f64 / 10.0,
            grade: f.code(Grade::parse)?,
            place: f.int()?,
            outcome: f.opt_code(Outcome::parse)?,
            reward: f.opt_int()?.map(Money),
            note: f.text()?,
        })
    }
}

/// A year's published results, by place.
pub async fn published(db: &Db, year: i32) -> Result<Vec<EvaluationRow>> {
    let sql = select::<EvaluationRow>("WHERE e.year = ? ORDER BY e.place");
    db.rows(&sql, vec![i64::from(year).into()]).await
}

/// An owner's published results, the latest first.
pub async fn results_of(db: &Db, owner_id: i64) -> Result<Vec<EvaluationRow>> {
    let sql = select::<EvaluationRow>("WHERE e.owner_id = ? ORDER BY e.year DESC");
    db.rows(&sql, vec![owner_id.into()]).await
}

/// The year's figures scored and ranked, best first.
pub async fn ranked(db: &Db, year: i32) -> Result<Vec<(usize, OwnerYear, Scored)>> {
    let owners = owner_figures(db, year).await?;
    let best = Best::of(owners.iter().map(|o| &o.figures));
    let scored = owners.into_iter().map(|o| {
        let s = o.figures.score(&best);
        (o, s)
    });
    Ok(rank(scored.collect(), |o: &OwnerYear| o.owner.clone()))
}

/// Publishes a year's results as they stand (a running year's up to today): frozen from then
/// on, and published once.
pub async fn publish(db: &Db, year: i32, actor: Actor<'_>) -> Result<usize> {
    let today = db.clock.today();
    if year < 2000 || year > today.year() {
        return Err(SharingRefusal::EvaluationYear { year }.into());
    }
    let results = ranked(db, year).await?;
    let tx = db.begin_write().await?;
    let done = tx
        .query_one(
            "SELECT id FROM sharing_evaluations WHERE year = ?",
            vec![i64::from(year).into()],
        )
        .await?;
    if done.is_some() {
        return Err(SharingRefusal::Published { year }.into());
    }
    let as_of = year_span(year, today).map_or(today, |(_, to)| to.pred_opt().unwrap_or(to));
    let now = tx.clock.now_ms();
    for (place, o, s) in &results {
        let json = |v: serde_json::Result<String>| {
            v.map_err(|e| StoreError::Invalid(format!("evaluation figures: {e}")))
        };
        tx.insert(
            "INSERT INTO sharing_evaluations (year, owner_id, as_of, figures, parts, total_tenths, grade, place, published_by, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                i64::from(year).into(),
                o.owner_id.into(),
                as_of.format("%Y-%m-%d").to_string().into(),
                json(serde_json::to_string(&o.figures))?.into(),
                json(serde_json::to_string(&s.parts))?.into(),
                ((s.total * 10.0).round() as i64).into(),
                s.grade.code().into(),
                (*place as i64).into(),
                actor.username.into(),
                now.into(),
            ],
        )
        .await?;
    }
    let after =
        serde_json::json!({ "year": year, "owners": results.len(), "as_of": as_of.to_string() });
    log(&tx, actor, "sharing.evaluation_publish", "sharing_evaluation", i64::from(year), after)
        .await?;
    tx.commit().await?;
    Ok(results.len())
}

/// The bureau's response to a published result: a reward (not for a failed one, an amount
/// optional), a warning (not for an excellent one, with its reason), or none.
pub async fn decide_outcome(
    db: &Db,
    id: i64,
    outcome: Option<Outcome>,
    reward: Option<Money>,
    note: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let row: EvaluationRow = tx
        .row(&select::<EvaluationRow>("WHERE e.id = ?"), vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let note = note.trim();
    match outcome {
        Some(Outcome::Reward) if row.grade == Grade::Fail => {
            return Err(SharingRefusal::OutcomeGrade.into());
        }
        Some(Outcome::Warning) if row.grade == Grade::Excellent => {
            return Err(SharingRefusal::OutcomeGrade.into());
        }
        Some(Outcome::Warning) if note.is_empty() => return Err(SharingRefusal::Reason.into()),
        _ => {}
    }
    let reward = reward.filter(|_| outcome == Some(Outcome::Reward));
    tx.exec(
        "UPDATE sharing_evaluations SET outcome = ?, reward_fen = ?, note = ?, decided_by = ?, decided_at = ? WHERE id = ?",
        vec![
            outcome.map_or("", Outcome::code).into(),
            reward.map(Money::fen).into(),
            note.into(),
            actor.username.into(),
            tx.clock.now_ms().into(),
            id.into(),
        ],
    )
    .await?;
    let after = serde_json::json!({ "owner_id": row.owner_id, "year": row.year, "outcome": outcome.map(Outcome::code), "reward_fen": reward.map(Money::fen), "note": note });
    log(&tx, actor, "sharing.evaluation_outcome", "sharing_evaluation", id, after).await?;
    tx.commit().await
}
