//! A fresh database per test: a SQLite file in a temp folder, or — when
//! `INNOCITY_TEST_DATABASE_URL` names a PostgreSQL server — a new database on that server.
use crate::db::{Db, Result};

/// Keeps the test database alive; dropping it removes the SQLite folder (PostgreSQL test
/// databases live in the throwaway cluster the test command starts).
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<TempDir>,
}

/// A minimal temp dir (we avoid a dependency for this one use).
pub struct TempDir(pub std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique() -> String {
    format!("{}_{}", std::process::id(), crate::users::random_token().get(..12).unwrap_or("x"))
}

/// The URL of a new, empty database (not yet connected or migrated).
pub async fn fresh_url() -> Result<(String, Option<TempDir>)> {
    match std::env::var("INNOCITY_TEST_DATABASE_URL") {
        Ok(admin) if admin.starts_with("postgres") => {
            let name = format!("t_{}", unique());
            let admin_db = Db::connect(&admin).await?;
            use sea_orm::ConnectionTrait;
            admin_db.conn.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
            admin_db.conn.close_by_ref().await.ok();
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
            Ok((format!("{base}/{name}"), None))
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("innocity_test_{}", unique()));
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite://{}/test.db", dir.display());
            Ok((url, Some(TempDir(dir))))
        }
    }
}

/// A new, migrated, empty database.
pub async fn fresh() -> Result<TestDb> {
    let (url, dir) = fresh_url().await?;
    let db = Db::connect(&url).await?;
    crate::migrate::run(&db).await?;
    Ok(TestDb { db, url, _dir: dir })
}

/// Rewrites the audit log as anyone with write access to the database could: entry `seq` gets
/// another actor and every hash from there on is recomputed with plain SHA-256, the head too, so
/// the chain alone still verifies. What the HMAC checkpoints are there to catch (for tests).
pub async fn forge_audit_entry(db: &Db, seq: i64, actor: &str) -> Result<()> {
    let mut entries = crate::audit::list(db, &Default::default(), 1_000_000).await?;
    entries.reverse();
    let tx = db.begin_write().await?;
    let mut prev = innocity_core::audit::GENESIS.to_string();
    for mut e in entries {
        if e.seq == seq {
            e.actor = actor.to_string();
        }
        e.prev_hash = prev;
        e.hash = e.compute_hash();
        tx.exec(
            "UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            vec![e.actor.into(), e.prev_hash.into(), e.hash.clone().into(), e.seq.into()],
        )
        .await?;
        prev = e.hash;
    }
    tx.exec("UPDATE audit_head SET hash = ? WHERE id = 1", vec![prev.into()]).await?;
    tx.commit().await
}
