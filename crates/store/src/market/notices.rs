//! Notices of new matches (匹配通知): an organisation is told, in the platform, when a new
//! demand matches one of its listed achievements, or a newly listed achievement one of its open
//! demands. Each pair is told once; reading marks them read.
use crate::db::{Db, Result, Tx};
use crate::rows::{Count, Fields, FromRow, columns, select};

/// A new demand that one of the organisation's achievements may answer.
pub const DEMAND: &str = "demand";
/// A newly listed achievement that may answer one of the organisation's demands.
pub const ACHIEVEMENT: &str = "achievement";
/// The office decided a change of, or an objection to, one of the organisation's registered
/// contracts (the subject is the contract, `about` the record decided).
pub const CONTRACT: &str = "contract";

/// A notice to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub organisation_id: i64,
    /// [`DEMAND`] or [`ACHIEVEMENT`]: what is new.
    pub kind: &'static str,
    /// The new demand or achievement.
    pub subject_id: i64,
    pub subject_title: String,
    /// The organisation's own achievement or demand it matches.
    pub about_id: i64,
    pub about_title: String,
    /// The words both share (why).
    pub shared: Vec<String>,
}

/// A notice as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub kind: String,
    pub subject_id: i64,
    pub subject_title: String,
    pub about_id: i64,
    pub about_title: String,
    pub shared: Vec<String>,
    pub created_at: i64,
    /// 0 while unread.
    pub read_at: i64,
}

impl FromRow for Notice {
    const TABLE: &'static str = "market_notices";
    columns!(
        id,
        kind,
        subject_id,
        subject_title,
        about_id,
        about_title,
        shared,
        created_at,
        read_at
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Notice {
            id: f.int()?,
            kind: f.text()?,
            subject_id: f.int()?,
            subject_title: f.text()?,
            about_id: f.int()?,
            about_title: f.text()?,
            shared: f.json()?,
            created_at: f.int()?,
            read_at: f.int()?,
        })
    }
}

/// Writes the notices in one transaction; a pair already told is not told again. Returns how
/// many were new.
pub async fn notify(db: &Db, notices: &[NewNotice]) -> Result<u64> {
    if notices.is_empty() {
        return Ok(0);
    }
    let tx = db.begin_write().await?;
    let mut n = 0;
    for x in notices {
        n += notify_in(&tx, x).await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// Writes a notice in the caller's transaction (told with the change it tells of).
pub async fn notify_in(tx: &Tx, x: &NewNotice) -> Result<u64> {
    let shared = serde_json::to_string(&x.shared).unwrap_or_else(|_| "[]".into());
    tx.exec(
        "INSERT INTO market_notices (organisation_id, kind, subject_id, subject_title, about_id, about_title, shared, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organisation_id, kind, subject_id, about_id) DO NOTHING",
        vec![x.organisation_id.into(), x.kind.into(), x.subject_id.into(), x.subject_title.clone().into(), x.about_id.into(), x.about_title.clone().into(), shared.into(), tx.clock.now_ms().into()],
    )
    .await
}

/// The organisation's newest notices.
pub async fn of_organisation(db: &Db, organisation_id: i64, limit: i64) -> Result<Vec<Notice>> {
    db.rows(
        &select::<Notice>("WHERE organisation_id = ? ORDER BY id DESC LIMIT ?"),
        vec![organisation_id.into(), limit.into()],
    )
    .await
}

/// How many of the organisation's notices are unread.
pub async fn unread(db: &Db, organisation_id: i64) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM market_notices WHERE organisation_id = ? AND read_at = 0";
    Ok(Count::of(db.row(sql, vec![organisation_id.into()]).await?))
}

/// Marks every notice of the organisation read; returns how many were unread.
pub async fn mark_read(db: &Db, organisation_id: i64) -> Result<u64> {
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE market_notices SET read_at = ? WHERE organisation_id = ? AND read_at = 0",
            vec![tx.clock.now_ms().into(), organisation_id.into()],
        )
        .await?;
    tx.commit().await?;
    Ok(n)
}
