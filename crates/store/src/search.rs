//! What the site-wide search indexes, read from the tables that hold it: one query per kind,
//! each with the condition its public page uses (a listed achievement, an open demand, a
//! registered provider …) and, for what only some may see, the facts that decide who
//! ([`Audience`]). The web layer gives each entry its address.
use crate::db::{Db, Result};
use crate::rows::{Count, Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::search::{Audience, Entry, Kind};

/// A thing's id, its title, the text searched with it and its date.
struct TextRow {
    id: i64,
    title: String,
    body: String,
    date_ms: i64,
}

impl FromRow for TextRow {
    const TABLE: &'static str = "search";
    columns!(id, title, body, date_ms);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(TextRow { id: f.int()?, title: f.text()?, body: f.text()?, date_ms: f.int()? })
    }
}

/// An application with the facts that decide who may find it.
struct ApplicationRow {
    id: i64,
    title: String,
    body: String,
    date_ms: i64,
    organisation_id: i64,
    leader_user_id: i64,
    unit_path: String,
}

impl FromRow for ApplicationRow {
    const TABLE: &'static str = "applications";
    columns!(id, title, body, date_ms, organisation_id, leader_user_id, unit_path);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ApplicationRow {
            id: f.int()?,
            title: f.text()?,
            body: f.text()?,
            date_ms: f.int()?,
            organisation_id: f.int()?,
            leader_user_id: f.int()?,
            unit_path: f.text()?,
        })
    }
}

/// A review assignment with its expert's account.
struct ReviewRow {
    id: i64,
    title: String,
    body: String,
    date_ms: i64,
    user_id: i64,
}

impl FromRow for ReviewRow {
    const TABLE: &'static str = "review_assignments";
    columns!(id, title, body, date_ms, user_id);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(ReviewRow {
            id: f.int()?,
            title: f.text()?,
            body: f.text()?,
            date_ms: f.int()?,
            user_id: f.int()?,
        })
    }
}

/// Each public kind's query: every row of it the public may see, as (id, title, body, date).
const PUBLIC: [(Kind, &str); 7] = [
    (
        Kind::Call,
        "SELECT c.id AS id, c.title AS title, p.name || ' ' || c.code || ' ' || c.guidelines AS body, c.created_at AS date_ms FROM calls c JOIN programmes p ON p.id = c.programme_id",
    ),
    (
        Kind::Notice,
        "SELECT n.call_id AS id, c.title AS title, n.minutes AS body, n.published_at AS date_ms FROM call_notices n JOIN calls c ON c.id = n.call_id",
    ),
    (
        Kind::Achievement,
        "SELECT m.id AS id, m.title AS title, m.keywords || ' ' || o.name || ' ' || m.description AS body, m.listed_at AS date_ms FROM market_achievements m JOIN organisations o ON o.id = m.organisation_id WHERE m.status = 'listed'",
    ),
    (
        Kind::Carrier,
        "SELECT c.id AS id, c.name AS title, c.field || ' ' || o.name AS body, c.created_at AS date_ms FROM carriers c JOIN organisations o ON o.id = c.host_id WHERE c.status <> 'removed'",
    ),
    (
        Kind::Provider,
        "SELECT p.organisation_id AS id, o.name AS title, p.summary || ' ' || o.address AS body, p.submitted_at AS date_ms FROM provider_profiles p JOIN organisations o ON o.id = p.organisation_id WHERE p.status = 'registered'",
    ),
    (
        Kind::Instrument,
        "SELECT i.id AS id, i.name AS title, i.category || ' ' || i.model || ' ' || i.maker || ' ' || o.name || ' ' || i.location || ' ' || i.parameters AS body, i.created_at AS date_ms FROM instruments i JOIN organisations o ON o.id = i.owner_id WHERE i.status = 'open'",
    ),
    (
        Kind::Policy,
        "SELECT id, title, issuer || ' ' || doc_number || ' ' || body AS body, created_at AS date_ms FROM policies",
    ),
];

fn entry(kind: Kind, audience: Audience, r: TextRow) -> Entry {
    Entry {
        kind,
        audience,
        id: r.id,
        title: r.title,
        body: r.body,
        url: String::new(),
        date_ms: r.date_ms,
    }
}

/// Everything the server's index holds on `today` (an open demand is one whose deadline has
/// not passed): the public kinds (policies among them), every project application and every
/// review assignment (each for those who may see it).
pub async fn entries(db: &Db, today: NaiveDate) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for (kind, sql) in PUBLIC {
        let rows: Vec<TextRow> = db.rows(sql, vec![]).await?;
        out.extend(rows.into_iter().map(|r| entry(kind, Audience::Everyone, r)));
    }
    let demands: Vec<TextRow> = db
        .rows(
            "SELECT d.id AS id, d.title AS title, d.description || ' ' || d.requirements || ' ' || o.name AS body, d.updated_at AS date_ms FROM market_demands d JOIN organisations o ON o.id = d.organisation_id WHERE d.status = 'open' AND d.deadline >= ?",
            vec![today.format("%Y-%m-%d").to_string().into()],
        )
        .await?;
    out.extend(demands.into_iter().map(|r| entry(Kind::Demand, Audience::Everyone, r)));
    let applications: Vec<ApplicationRow> = db
        .rows(
            "SELECT id, title, code || ' ' || topic || ' ' || summary AS body, updated_at AS date_ms, organisation_id, leader_user_id, unit_path FROM applications",
            vec![],
        )
        .await?;
    out.extend(applications.into_iter().map(|a| {
        let audience = Audience::Application {
            organisation_id: a.organisation_id,
            leader_user_id: a.leader_user_id,
            unit_path: a.unit_path,
        };
        let text = TextRow { id: a.id, title: a.title, body: a.body, date_ms: a.date_ms };
        entry(Kind::Application, audience, text)
    }));
    let reviews: Vec<ReviewRow> = db
        .rows(
            "SELECT a.id AS id, i.title AS title, r.name || ' ' || i.code || ' ' || i.body AS body, a.saved_at AS date_ms, e.user_id AS user_id FROM review_assignments a JOIN review_items i ON i.id = a.item_id JOIN review_rounds r ON r.id = a.round_id JOIN experts e ON e.id = a.expert_id WHERE e.user_id IS NOT NULL AND a.status IN ('assigned', 'submitted')",
            vec![],
        )
        .await?;
    out.extend(reviews.into_iter().map(|r| {
        let text = TextRow { id: r.id, title: r.title, body: r.body, date_ms: r.date_ms };
        entry(Kind::Review, Audience::Expert { user_id: r.user_id }, text)
    }));
    Ok(out)
}

/// The audit chain's length.
struct Seq(i64);

impl FromRow for Seq {
    const TABLE: &'static str = "audit_head";
    columns!(seq);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Seq(f.int()?))
    }
}

/// Where the change log stands: the audit chain's length, which grows with every change of
/// state, so an index built at one length is current while the length has not moved.
pub async fn changes(db: &Db) -> Result<i64> {
    let row: Option<Seq> = db.row(&select::<Seq>("WHERE id = 1"), vec![]).await?;
    Ok(row.map_or(0, |s| s.0))
}

/// Whether anything the index holds may have changed between two points of the audit chain:
/// an entry of another kind than sign-ins, accounts, tokens and statistics returns (which the
/// server's index does not hold) lies between them.
pub async fn indexed_changes_between(db: &Db, after: i64, upto: i64) -> Result<bool> {
    let row: Option<Count> = db
        .row(
            "SELECT COUNT(*) FROM (SELECT 1 AS one FROM audit_log WHERE seq > ? AND seq <= ? AND entity NOT IN ('session', 'user', 'api_token', 'stat_return') LIMIT 1) x",
            vec![after.into(), upto.into()],
        )
        .await?;
    Ok(Count::of(row) > 0)
}
