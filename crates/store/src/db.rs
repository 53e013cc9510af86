//! Connecting, the error type, and the helpers every repository uses.
use crate::rows::{Fields, FromRow};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, QueryResult, SqlErr, Statement, TransactionTrait, Value,
};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// A unique value is already taken: which one, from the violated constraint.
    #[error("duplicate: {0:?}")]
    Duplicate(Unique),
    #[error("not found")]
    NotFound,
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else")]
    Stale,
    #[error("{0}")]
    Invalid(String),
    /// A rule of the domain says no, by area: the reason and its data (the web chooses the
    /// words).
    #[error("refused: {0:?}")]
    Applications(crate::projects::ApplicationRefusal),
    #[error("refused: {0:?}")]
    Calls(crate::projects::CallRefusal),
    #[error("refused: {0:?}")]
    Projects(crate::projects::ProjectRefusal),
    #[error("refused: {0:?}")]
    Notices(crate::projects::NoticeRefusal),
    #[error("refused: {0:?}")]
    Experts(crate::experts::ExpertRefusal),
    #[error("refused: {0:?}")]
    Reviews(crate::experts::ReviewRefusal),
    #[error("refused: {0:?}")]
    Returns(crate::stats::ReturnRefusal),
    #[error("refused: {0:?}")]
    Credit(crate::credit::CreditRefusal),
    #[error("refused: {0:?}")]
    Market(crate::market::MarketRefusal),
    /// Certificates that cannot be recorded, each by its position (none was).
    #[error("refused: {0:?}")]
    Certificates(Vec<crate::subjects::CertificateRefusal>),
    #[error("refused: {0:?}")]
    Pools(crate::subjects::pools::PoolRefusal),
    #[error("refused: {0:?}")]
    Carriers(crate::subjects::carriers::CarrierRefusal),
    #[error("refused: {0:?}")]
    Talent(crate::subjects::talent::TalentRefusal),
    #[error("refused: {0:?}")]
    Sharing(crate::sharing::SharingRefusal),
    #[error("refused: {0:?}")]
    Finance(crate::finance::FinanceRefusal),
    #[error("refused: {0:?}")]
    Evaluation(crate::evaluation::EvaluationRefusal),
    #[error("refused: {0:?}")]
    Supervision(crate::supervision::SupervisionRefusal),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// A stored value does not read as what its column holds (a date that is no date, JSON
    /// that does not parse, an unknown code): the data is damaged, not the request.
    #[error("corrupt data in {table}, row {row}, column {column}: {problem}")]
    Corrupt { table: &'static str, row: crate::rows::RowKey, column: &'static str, problem: String },
}

/// The unique values a caller tells apart; the rest by the database's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unique {
    /// A form submitted twice (`form_tokens`' primary key).
    FormToken,
    /// An organisation's unified social credit code (`organisations_credit_code_key`).
    CreditCode,
    /// Another constraint: the database's message.
    Other(String),
}

impl Unique {
    /// The constraint named in a violation's message: PostgreSQL names the constraint
    /// (`duplicate key value violates unique constraint "organisations_credit_code_key"`),
    /// SQLite the table and columns (`UNIQUE constraint failed: organisations.credit_code`).
    pub fn from_message(msg: &str) -> Unique {
        let names = |pg: &str, sqlite: &str| {
            msg.contains(&format!("\"{pg}\"")) || msg.contains(&format!("failed: {sqlite}"))
        };
        if names("form_tokens_pkey", "form_tokens.token") {
            Unique::FormToken
        } else if names("organisations_credit_code_key", "organisations.credit_code") {
            Unique::CreditCode
        } else {
            Unique::Other(msg.to_string())
        }
    }
}

impl StoreError {
    /// Maps unique-constraint violations to [`StoreError::Duplicate`], everything else to `Db`.
    pub fn from_db(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(msg)) => {
                StoreError::Duplicate(Unique::from_message(&msg))
            }
            _ => StoreError::Db(e),
        }
    }
}

/// `From` each area's refusal, so store code writes `Err(Refusal::Reason)?`.
macro_rules! refusals {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for StoreError {
            fn from(r: $ty) -> Self {
                StoreError::$variant(r)
            }
        })*
    };
}
refusals!(
    Applications(crate::projects::ApplicationRefusal),
    Calls(crate::projects::CallRefusal),
    Projects(crate::projects::ProjectRefusal),
    Notices(crate::projects::NoticeRefusal),
    Experts(crate::experts::ExpertRefusal),
    Reviews(crate::experts::ReviewRefusal),
    Returns(crate::stats::ReturnRefusal),
    Credit(crate::credit::CreditRefusal),
);

pub type Result<T> = std::result::Result<T, StoreError>;

/// The database: a pool for SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    pub backend: DbBackend,
    /// The SQLite file, for the reads that go straight to SQLite (see [`Db::read`]).
    pub sqlite_path: Option<std::path::PathBuf>,
    readers: std::sync::Arc<std::sync::Mutex<Vec<rusqlite::Connection>>>,
    /// The platform's one clock (see [`crate::clock`]); set once at start-up.
    pub clock: crate::clock::Clock,
    /// SQLite's writers queue here, in order of arrival, before they ask for the file's write
    /// lock: SQLite itself makes a waiting writer sleep and retry, in growing steps, which under
    /// load leaves some writers waiting hundreds of milliseconds while the lock is free.
    write_gate: std::sync::Arc<tokio::sync::Semaphore>,
}

/// The URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Db {
    /// Connects; for SQLite, creates the file (and its folder), turns on WAL and foreign keys.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlite_globals();
        let url = normalise_sqlite_url(url)?;
        let is_sqlite = url.starts_with("sqlite:");
        let mut opts = ConnectOptions::new(url.clone());
        opts.sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(if is_sqlite { 8 } else { 16 })
            .min_connections(1);
        if is_sqlite {
            // Writers queue for SQLite's one write lock; under a burst of submissions a writer
            // waits (within the 30 s request timeout) instead of failing after sqlx's 5 s.
            opts.map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::from_secs(25)));
        }
        let conn = Database::connect(opts).await.map_err(StoreError::Db)?;
        let backend = conn.get_database_backend();
        // An in-memory database exists only inside its own connections: no direct reads then.
        let sqlite_path = is_sqlite
            .then(|| {
                let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
                rest.split('?').next().unwrap_or(rest).to_string()
            })
            .filter(|p| p != ":memory:" && !p.is_empty())
            .map(std::path::PathBuf::from);
        let db = Db {
            conn,
            backend,
            sqlite_path,
            readers: Default::default(),
            clock: Default::default(),
            write_gate: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        };
        if backend == DbBackend::Sqlite {
            // WAL is a property of the file; foreign keys and the busy timeout are set on every
            // connection by sqlx's defaults, which we check at start-up.
            db.conn.execute_unprepared("PRAGMA journal_mode=WAL").await?;
            let fk = db.query_one("PRAGMA foreign_keys", vec![]).await?;
            let on: i64 = fk.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0);
            if on != 1 {
                return Err(StoreError::Invalid("SQLite foreign keys are off".into()));
            }
        }
        Ok(db)
    }

    pub fn is_postgres(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    /// A statement from portable SQL with `?` placeholders.
    pub fn stmt(&self, sql: &str, values: Vec<Value>) -> Statement {
        stmt_for(self.backend, sql, values)
    }

    pub async fn query_all(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>> {
        Ok(self.conn.query_all_raw(self.stmt(sql, values)).await?)
    }

    pub async fn query_one(&self, sql: &str, values: Vec<Value>) -> Result<Option<QueryResult>> {
        Ok(self.conn.query_one_raw(self.stmt(sql, values)).await?)
    }

    /// Begins a transaction that will write. Its first statement takes the write lock (the
    /// audit head row), so writers queue instead of failing on SQLite, and audit appends are
    /// serialised on PostgreSQL.
    pub async fn begin_write(&self) -> Result<Tx> {
        let gate = match self.backend {
            DbBackend::Sqlite => Some(
                self.write_gate
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|e| StoreError::Invalid(e.to_string()))?,
            ),
            _ => None,
        };
        let txn = self.conn.begin().await?;
        // Takes the write lock and reads the audit chain's head in one statement.
        let head = txn
            .query_one_raw(stmt_for(
                self.backend,
                "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash",
                vec![],
            ))
            .await?
            .map(|r| -> Result<(i64, String)> {
                Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))
            })
            .transpose()?;
        Ok(Tx {
            txn,
            backend: self.backend,
            clock: self.clock.clone(),
            _gate: gate,
            audit_head: std::sync::Mutex::new(head),
        })
    }

    /// Reads rows with portable SQL, mapping each by column index. On SQLite this goes straight to
    /// the file through rusqlite on the calling thread (a read in WAL mode never waits for a
    /// writer): sqlx's SQLite driver hands every row across threads, which costs more than the
    /// query itself on the hot pages (session lookup, lists). On PostgreSQL it is SeaORM/sqlx.
    pub async fn read<T>(
        &self,
        sql: &str,
        values: Vec<Value>,
        map: impl Fn(&dyn ReadRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.for_each(sql, values, |r| {
            out.push(map(r)?);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Reads rows as `T` (see [`crate::rows`]); `sql` selects `T::LIST`.
    pub async fn rows<T: FromRow>(&self, sql: &str, values: Vec<Value>) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.for_each(sql, values, |r| {
            out.push(Fields::read(r, out.len())?);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// The first row as `T`, if any.
    pub async fn row<T: FromRow>(&self, sql: &str, values: Vec<Value>) -> Result<Option<T>> {
        Ok(self.rows(sql, values).await?.into_iter().next())
    }

    /// Like [`Db::read`], but hands each row to `f` without collecting them: for scans of many
    /// rows (totals), where rows are folded as they come and text is borrowed, not copied.
    pub async fn for_each(
        &self,
        sql: &str,
        values: Vec<Value>,
        mut f: impl FnMut(&dyn ReadRow) -> Result<()>,
    ) -> Result<()> {
        match &self.sqlite_path {
            Some(path) if self.backend == DbBackend::Sqlite => {
                let conn = self.readers.lock().ok().and_then(|mut v| v.pop());
                let conn = match conn {
                    Some(c) => c,
                    None => open_reader(path)?,
                };
                let result = each_sqlite(&conn, sql, values, &mut f);
                if let Ok(mut v) = self.readers.lock()
                    && v.len() < 16
                {
                    v.push(conn);
                }
                result
            }
            _ => {
                for r in self.query_all(sql, values).await? {
                    f(&r)?;
                }
                Ok(())
            }
        }
    }

    /// Runs `SELECT 1`, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        self.query_one("SELECT 1", vec![]).await?;
        Ok(())
    }
}

/// A write transaction with the same portable-SQL helpers as [`Db`].
pub struct Tx {
    pub txn: DatabaseTransaction,
    pub backend: DbBackend,
    pub clock: crate::clock::Clock,
    /// This writer's turn on SQLite, given back when the transaction ends (committed or dropped).
    _gate: Option<tokio::sync::OwnedSemaphorePermit>,
    /// The audit chain's head as this transaction last wrote or read it (`audit::append` keeps
    /// it current, so an entry needs no read of the head).
    pub(crate) audit_head: std::sync::Mutex<Option<(i64, String)>>,
}

impl Tx {
    pub async fn exec(&self, sql: &str, values: Vec<Value>) -> Result<u64> {
        let r = self
            .txn
            .execute_raw(stmt_for(self.backend, sql, values))
            .await
            .map_err(StoreError::from_db)?;
        Ok(r.rows_affected())
    }
    pub async fn query_one(&self, sql: &str, values: Vec<Value>) -> Result<Option<QueryResult>> {
        self.txn
            .query_one_raw(stmt_for(self.backend, sql, values))
            .await
            .map_err(StoreError::from_db)
    }
    pub async fn query_all(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>> {
        self.txn
            .query_all_raw(stmt_for(self.backend, sql, values))
            .await
            .map_err(StoreError::from_db)
    }
    /// Reads rows as `T` inside the transaction (see [`crate::rows`]).
    pub async fn rows<T: FromRow>(&self, sql: &str, values: Vec<Value>) -> Result<Vec<T>> {
        self.query_all(sql, values)
            .await?
            .iter()
            .enumerate()
            .map(|(i, r)| Fields::read(r, i))
            .collect()
    }

    /// The first row as `T` inside the transaction, if any.
    pub async fn row<T: FromRow>(&self, sql: &str, values: Vec<Value>) -> Result<Option<T>> {
        match self.query_one(sql, values).await? {
            Some(r) => Ok(Some(Fields::read(&r, 0)?)),
            None => Ok(None),
        }
    }

    /// Inserts and returns the new row's id (`RETURNING id` works on both backends).
    pub async fn insert(&self, sql: &str, values: Vec<Value>) -> Result<i64> {
        let sql = format!("{sql} RETURNING id");
        let row = self.query_one(&sql, values).await?.ok_or(StoreError::NotFound)?;
        Ok(row.try_get::<i64>("", "id")?)
    }
    pub async fn commit(self) -> Result<()> {
        Ok(self.txn.commit().await?)
    }
}

pub fn stmt_for(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql =
        if backend == DbBackend::Postgres { number_placeholders(sql) } else { sql.to_string() };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `a = ? AND b = ?` → `a = $1 AND b = $2`.
fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// `sqlite://./data/x.db` → an absolute-free URL sqlx accepts, creating the folder and file.
fn normalise_sqlite_url(url: &str) -> Result<String> {
    let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(url.to_string());
        }
        return Err(StoreError::Invalid(format!(
            "unsupported database URL '{}': use sqlite://FILE or postgres://...",
            redact_url(url)
        )));
    };
    let path = rest.split('?').next().unwrap_or(rest);
    if path != ":memory:"
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(if rest.contains('?') {
        format!("sqlite://{rest}")
    } else {
        format!("sqlite://{rest}?mode=rwc")
    })
}

/// Turns off SQLite's memory statistics, which take a global mutex on every allocation. It must
/// happen before SQLite initialises, so before the first connection; later calls are refused by
/// SQLite and change nothing.
fn sqlite_globals() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is called once, before any connection exists in this process.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::os::raw::c_int,
            )
        };
        if rc != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(rc, "sqlite3_config(MEMSTATUS) refused");
        }
    });
}

/// A result row read by column index, from either driver.
pub trait ReadRow {
    fn int(&self, i: usize) -> Result<i64>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>>;
    fn text(&self, i: usize) -> Result<String>;
    fn opt_text(&self, i: usize) -> Result<Option<String>>;
    fn opt_real(&self, i: usize) -> Result<Option<f64>>;
    /// Text without copying it where the driver allows (SQLite); NULL reads as "".
    fn text_ref(&self, i: usize) -> Result<std::borrow::Cow<'_, str>>;
}

impl ReadRow for QueryResult {
    fn int(&self, i: usize) -> Result<i64> {
        Ok(self.try_get_by_index(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.try_get_by_index(i)?)
    }
    fn text(&self, i: usize) -> Result<String> {
        Ok(self.try_get_by_index(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.try_get_by_index(i)?)
    }
    fn opt_real(&self, i: usize) -> Result<Option<f64>> {
        Ok(self.try_get_by_index(i)?)
    }
    fn text_ref(&self, i: usize) -> Result<std::borrow::Cow<'_, str>> {
        Ok(std::borrow::Cow::Owned(self.try_get_by_index::<Option<String>>(i)?.unwrap_or_default()))
    }
}

fn sqlite_err(e: rusqlite::Error) -> StoreError {
    StoreError::Invalid(format!("sqlite: {e}"))
}

impl ReadRow for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<i64> {
        self.get(i).map_err(sqlite_err)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        self.get(i).map_err(sqlite_err)
    }
    fn text(&self, i: usize) -> Result<String> {
        self.get(i).map_err(sqlite_err)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        self.get(i).map_err(sqlite_err)
    }
    fn opt_real(&self, i: usize) -> Result<Option<f64>> {
        self.get(i).map_err(sqlite_err)
    }
    fn text_ref(&self, i: usize) -> Result<std::borrow::Cow<'_, str>> {
        match self.get_ref(i).map_err(sqlite_err)? {
            rusqlite::types::ValueRef::Null => Ok(std::borrow::Cow::Borrowed("")),
            v => v
                .as_str()
                .map(std::borrow::Cow::Borrowed)
                .map_err(|e| StoreError::Invalid(format!("sqlite: {e}"))),
        }
    }
}

fn open_reader(path: &std::path::Path) -> Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_err)?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite_err)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn each_sqlite(
    conn: &rusqlite::Connection,
    sql: &str,
    values: Vec<Value>,
    f: &mut dyn FnMut(&dyn ReadRow) -> Result<()>,
) -> Result<()> {
    use rusqlite::types::Value as V;
    let params: Vec<V> = values
        .into_iter()
        .map(|v| match v {
            Value::BigInt(x) => Ok(x.map(V::Integer).unwrap_or(V::Null)),
            Value::Int(x) => Ok(x.map(|x| V::Integer(x.into())).unwrap_or(V::Null)),
            Value::String(x) => Ok(x.map(V::Text).unwrap_or(V::Null)),
            other => Err(StoreError::Invalid(format!("unsupported parameter {other:?}"))),
        })
        .collect::<Result<_>>()?;
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite_err)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params)).map_err(sqlite_err)?;
    while let Some(r) = rows.next().map_err(sqlite_err)? {
        f(r)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn placeholders_and_redaction() {
        assert_eq!(number_placeholders("a = ? AND b IN (?, ?)"), "a = $1 AND b IN ($2, $3)");
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }
}
