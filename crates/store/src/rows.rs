//! Typed rows: one [`FromRow`] mapping per row type, next to its column list.
//!
//! A row type names its table and its columns once, with [`columns!`], which gives both the
//! list of names ([`FromRow::COLUMNS`]) and the text used in `SELECT`s ([`FromRow::LIST`]) from
//! the same tokens, so the two cannot drift. [`FromRow::from_row`] then reads the columns in
//! that order through [`Fields`], whose typed reads turn anything unreadable — a date that is
//! no date, JSON that does not parse, an unknown code — into [`StoreError::Corrupt`] naming the
//! table, the row and the column, instead of a silent default.
//!
//! Reading costs what reading by position cost: the names are `'static` and looked at only
//! when a read fails.
use crate::db::{ReadRow, Result, StoreError};
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use std::fmt;

/// The number a `SELECT COUNT(*) FROM … WHERE …` answers (read with `row`; none is 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub i64);

impl FromRow for Count {
    const TABLE: &'static str = "count";
    columns!("COUNT(*)");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Count(f.int()?))
    }
}

impl Count {
    /// The count of an answer that may be absent.
    pub fn of(row: Option<Count>) -> i64 {
        row.map_or(0, |c| c.0)
    }
}

/// A type read from one result row.
pub trait FromRow: Sized {
    /// The table the row comes from (named in errors; [`select`] reads from it).
    const TABLE: &'static str;
    /// What [`select`] reads from: the table, or the table with its joins (`x JOIN y ON ...`).
    const FROM: &'static str = Self::TABLE;
    /// The columns [`FromRow::from_row`] reads, in order.
    const COLUMNS: &'static [&'static str];
    /// `COLUMNS` joined with `", "`, for `SELECT`s (declared with [`columns!`]).
    const LIST: &'static str;
    fn from_row(f: &mut Fields<'_>) -> Result<Self>;
}

/// Declares [`FromRow::COLUMNS`] and [`FromRow::LIST`] from one list of column names (bare
/// names, or string literals for expressions such as `"COALESCE(x, 0)"`).
macro_rules! columns {
    ($first:ident $(, $rest:ident)* $(,)?) => {
        const COLUMNS: &'static [&'static str] = &[stringify!($first) $(, stringify!($rest))*];
        const LIST: &'static str = concat!(stringify!($first) $(, ", ", stringify!($rest))*);
    };
    ($first:literal $(, $rest:literal)* $(,)?) => {
        const COLUMNS: &'static [&'static str] = &[$first $(, $rest)*];
        const LIST: &'static str = concat!($first $(, ", ", $rest)*);
    };
}
pub(crate) use columns;

/// `SELECT <the columns> FROM <the table> <rest>`.
pub fn select<T: FromRow>(rest: &str) -> String {
    format!("SELECT {} FROM {} {rest}", T::LIST, T::FROM)
}

/// Which row was corrupt: its id when the row type's first column is `id` (or `x.id` in a
/// join), else its position
/// in the result (from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey {
    Id(i64),
    Position(usize),
}

impl fmt::Display for RowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowKey::Id(id) => write!(f, "id {id}"),
            RowKey::Position(p) => write!(f, "#{p}"),
        }
    }
}

/// The columns of one row, read in order with typed reads.
pub struct Fields<'r> {
    row: &'r dyn ReadRow,
    table: &'static str,
    columns: &'static [&'static str],
    at: usize,
    position: usize,
    id: Option<i64>,
}

impl<'r> Fields<'r> {
    pub fn new(
        row: &'r dyn ReadRow,
        table: &'static str,
        columns: &'static [&'static str],
        position: usize,
    ) -> Self {
        Fields { row, table, columns, at: 0, position, id: None }
    }

    /// Reads row `position` as a `T`, checking that the mapping read every column it lists.
    pub fn read<T: FromRow>(row: &'r dyn ReadRow, position: usize) -> Result<T> {
        let mut f = Fields::new(row, T::TABLE, T::COLUMNS, position);
        let v = T::from_row(&mut f)?;
        if f.at != T::COLUMNS.len() {
            return Err(StoreError::Invalid(format!(
                "{}: the mapping read {} of its {} columns",
                T::TABLE,
                f.at,
                T::COLUMNS.len()
            )));
        }
        Ok(v)
    }

    /// The error for column `i`.
    fn corrupt(&self, i: usize, problem: impl fmt::Display) -> StoreError {
        StoreError::Corrupt {
            table: self.table,
            row: match self.id {
                Some(id) => RowKey::Id(id),
                None => RowKey::Position(self.position),
            },
            column: self.columns.get(i).copied().unwrap_or("?"),
            problem: problem.to_string(),
        }
    }

    fn next(&mut self) -> usize {
        let i = self.at;
        self.at += 1;
        i
    }

    /// A value read by the driver, or `Corrupt` naming the column.
    fn get<T>(&mut self, read: impl FnOnce(&dyn ReadRow, usize) -> Result<T>) -> Result<T> {
        let i = self.next();
        read(self.row, i).map_err(|e| self.corrupt(i, e))
    }

    /// Skips a column.
    pub fn skip(&mut self) {
        self.at += 1;
    }

    pub fn int(&mut self) -> Result<i64> {
        let i = self.at;
        let v = self.get(|r, i| r.int(i))?;
        if i == 0 && self.columns.first().is_some_and(|c| *c == "id" || c.ends_with(".id")) {
            self.id = Some(v);
        }
        Ok(v)
    }

    pub fn opt_int(&mut self) -> Result<Option<i64>> {
        self.get(|r, i| r.opt_int(i))
    }

    /// An integer that must fit an `i32`.
    pub fn int32(&mut self) -> Result<i32> {
        let i = self.at;
        let v = self.int()?;
        i32::try_from(v).map_err(|_| self.corrupt(i, format_args!("{v} is out of range")))
    }

    /// An integer converted to a narrower type (a score as `u8`): out of range is corrupt.
    pub fn int_as<T: TryFrom<i64>>(&mut self) -> Result<T> {
        let i = self.at;
        let v = self.int()?;
        T::try_from(v).map_err(|_| self.corrupt(i, format_args!("{v} is out of range")))
    }

    /// An integer that may be absent and must fit an `i32`.
    pub fn opt_int32(&mut self) -> Result<Option<i32>> {
        let i = self.at;
        match self.opt_int()? {
            None => Ok(None),
            Some(v) => i32::try_from(v)
                .map(Some)
                .map_err(|_| self.corrupt(i, format_args!("{v} is out of range"))),
        }
    }

    /// A flag stored as 0 or 1; anything else is corrupt.
    pub fn flag(&mut self) -> Result<bool> {
        let i = self.at;
        match self.int()? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(self.corrupt(i, format_args!("{v} is not a flag (0 or 1)"))),
        }
    }

    pub fn text(&mut self) -> Result<String> {
        self.get(|r, i| r.text(i))
    }

    /// Text borrowed from the row where the driver allows (SQLite); NULL reads as "". For scans
    /// that fold many rows without copying them.
    pub fn text_ref(&mut self) -> Result<std::borrow::Cow<'r, str>> {
        let i = self.next();
        let row = self.row;
        row.text_ref(i).map_err(|e| self.corrupt(i, e))
    }

    pub fn opt_text(&mut self) -> Result<Option<String>> {
        self.get(|r, i| r.opt_text(i))
    }

    pub fn opt_real(&mut self) -> Result<Option<f64>> {
        self.get(|r, i| r.opt_real(i))
    }

    /// A number that must be there (NULL is corrupt).
    pub fn real(&mut self) -> Result<f64> {
        let i = self.at;
        match self.opt_real()? {
            Some(v) => Ok(v),
            None => Err(self.corrupt(i, "NULL where a number belongs")),
        }
    }

    /// A date written `%Y-%m-%d`.
    pub fn date(&mut self) -> Result<NaiveDate> {
        let i = self.at;
        let s = self.text()?;
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|e| self.corrupt(i, format_args!("'{s}' is not a date: {e}")))
    }

    /// A text column holding a `%Y-%m-%d` date, kept as text: checked, not converted.
    pub fn date_text(&mut self) -> Result<String> {
        let i = self.at;
        let s = self.text()?;
        match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            Ok(_) => Ok(s),
            Err(e) => Err(self.corrupt(i, format_args!("'{s}' is not a date: {e}"))),
        }
    }

    /// Like [`Fields::date_text`], but empty text (no date given) reads as "".
    pub fn opt_date_text(&mut self) -> Result<String> {
        let i = self.at;
        let s = self.text()?;
        match s.is_empty() || NaiveDate::parse_from_str(&s, "%Y-%m-%d").is_ok() {
            true => Ok(s),
            false => Err(self.corrupt(i, format_args!("'{s}' is not a date"))),
        }
    }

    /// A date that may be absent: NULL or empty text is `None`.
    pub fn opt_date(&mut self) -> Result<Option<NaiveDate>> {
        let i = self.at;
        match self.opt_text()? {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map(Some)
                .map_err(|e| self.corrupt(i, format_args!("'{s}' is not a date: {e}"))),
        }
    }

    /// JSON text.
    pub fn json<T: DeserializeOwned>(&mut self) -> Result<T> {
        let i = self.next();
        let row = self.row;
        let s = row.text_ref(i).map_err(|e| self.corrupt(i, e))?;
        serde_json::from_str(&s).map_err(|e| self.corrupt(i, format_args!("bad JSON: {e}")))
    }

    /// JSON text that may be absent: NULL or empty text is `None`.
    pub fn opt_json<T: DeserializeOwned>(&mut self) -> Result<Option<T>> {
        let i = self.at;
        match self.opt_text()? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|e| self.corrupt(i, format_args!("bad JSON: {e}"))),
        }
    }

    /// Text parsed with [`std::str::FromStr`].
    pub fn parse<T: std::str::FromStr>(&mut self) -> Result<T>
    where
        T::Err: fmt::Display,
    {
        let i = self.at;
        let s = self.text()?;
        s.parse().map_err(|e| self.corrupt(i, format_args!("'{s}' does not read: {e}")))
    }

    /// Text read with the type's own parser (`Period::parse`): an error is corrupt.
    pub fn parse_with<T, E: fmt::Display>(
        &mut self,
        parse: impl FnOnce(&str) -> std::result::Result<T, E>,
    ) -> Result<T> {
        let i = self.next();
        let row = self.row;
        let s = row.text_ref(i).map_err(|e| self.corrupt(i, e))?;
        parse(&s).map_err(|e| self.corrupt(i, format_args!("'{s}' does not read: {e}")))
    }

    /// A code read with the type's own parser (`Library::parse`): an unknown code is corrupt.
    pub fn code<T>(&mut self, parse: impl FnOnce(&str) -> Option<T>) -> Result<T> {
        let i = self.at;
        let s = self.text()?;
        match parse(&s) {
            Some(v) => Ok(v),
            None => Err(self.corrupt(i, format_args!("unknown code '{s}'"))),
        }
    }

    /// A code that may be absent: empty text is `None`, an unknown code is corrupt.
    pub fn opt_code<T>(&mut self, parse: impl FnOnce(&str) -> Option<T>) -> Result<Option<T>> {
        let i = self.at;
        let s = self.text()?;
        if s.is_empty() {
            return Ok(None);
        }
        match parse(&s) {
            Some(v) => Ok(Some(v)),
            None => Err(self.corrupt(i, format_args!("unknown code '{s}'"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use innocity_core::experts::{Library, Status};

    /// Runs `T`'s SELECT (from `T::COLUMNS`) and maps whatever comes back.
    async fn check<T: FromRow>(db: &Db) -> std::result::Result<(), String> {
        check_with::<T>(db, "", vec![]).await
    }

    /// [`check`] for a row type whose SELECT takes parameters (or needs a `GROUP BY`).
    async fn check_with<T: FromRow>(
        db: &Db,
        rest: &str,
        values: Vec<sea_orm::Value>,
    ) -> std::result::Result<(), String> {
        let name = std::any::type_name::<T>();
        if T::LIST != T::COLUMNS.join(", ") {
            return Err(format!("{name}: LIST and COLUMNS differ"));
        }
        db.rows::<T>(&select::<T>(rest), values)
            .await
            .map(|_| ())
            .map_err(|e| format!("{name}: {e}"))
    }

    #[tokio::test]
    async fn every_row_type_selects_its_columns() {
        use crate::experts::*;
        use crate::projects::execution::*;
        use crate::projects::*;
        let t = crate::testing::fresh().await.expect("fresh database");
        let db = &t.db;
        let mut results = vec![
            check::<Round>(db).await,
            check::<Item>(db).await,
            check::<Expert>(db).await,
            check::<Assignment>(db).await,
            check::<innocity_core::experts::conflicts::Tie>(db).await,
            check::<ConflictRow>(db).await,
            check::<DrawLogEntry>(db).await,
            check::<innocity_core::experts::scoring::Scored>(db).await,
            check::<Application>(db).await,
            check::<Call>(db).await,
            check::<Event>(db).await,
            check::<BoardRow>(db).await,
            check::<BudgetRow>(db).await,
            check::<MetCondition>(db).await,
            check::<InstalmentRow>(db).await,
            check::<DuplicateCandidate>(db).await,
            check::<ObjectionState>(db).await,
            check::<BidRow>(db).await,
            check::<RoundBid>(db).await,
            check::<ThrottleRow>(db).await,
            check::<CallFile>(db).await,
            check::<TaskBook>(db).await,
            check::<Attachment>(db).await,
            check::<Programme>(db).await,
            check::<Notice>(db).await,
            check::<Objection>(db).await,
            check::<ChangeRow>(db).await,
            check::<OpinionRow>(db).await,
            check::<OutcomeRow>(db).await,
            check::<Finding>(db).await,
            check::<Output>(db).await,
            check::<crate::stats::Return>(db).await,
            check::<crate::orgs::OrgUnit>(db).await,
            check::<crate::orgs::Organisation>(db).await,
            check::<crate::users::User>(db).await,
            check::<crate::users::UserRow>(db).await,
            check::<crate::users::Account>(db).await,
            check::<crate::users::SessionRow>(db).await,
            check::<crate::users::TokenRow>(db).await,
            check::<crate::users::TokenUserRow>(db).await,
            check::<crate::credit::Entry>(db).await,
            check::<innocity_core::audit::Entry>(db).await,
            check::<crate::indicators::IndicatorValue>(db).await,
            check::<crate::indicators::StoredFramework>(db).await,
            check::<StoredReport>(db).await,
            check::<PortfolioRow>(db).await,
            check::<SubmittedReport>(db).await,
            check::<OpenFinding>(db).await,
            check::<crate::market::Achievement>(db).await,
            check::<crate::market::ChangeEntry>(db).await,
            check::<crate::market::Inquiry>(db).await,
            check::<crate::market::contracts::Contract>(db).await,
            check::<crate::market::contracts::Registered>(db).await,
            check::<crate::market::demands::Demand>(db).await,
            check::<crate::market::brokerage::Brokerage>(db).await,
            check::<crate::market::brokerage::StepRow>(db).await,
            check_with::<OutputCount>(db, "GROUP BY o.kind, SUBSTR(o.on_date, 1, 4)", vec![]).await,
            check_with::<KindCount>(db, "GROUP BY o.kind", vec![]).await,
            check_with::<YearReviews>(db, "GROUP BY r.year", vec![]).await,
            check_with::<crate::experts::library::ExpertReviews>(
                db,
                "GROUP BY a.expert_id",
                vec![],
            )
            .await,
        ];
        results.extend(statistics_rows(db).await);
        results.extend(subjects_rows(db).await);
        let failures: Vec<String> = results.into_iter().filter_map(|r| r.err()).collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    /// The innovation subjects' row types.
    async fn subjects_rows(db: &Db) -> Vec<std::result::Result<(), String>> {
        vec![
            check::<crate::subjects::pools::PoolEntry>(db).await,
            check::<crate::subjects::pools::Visit>(db).await,
            check::<crate::subjects::carriers::Carrier>(db).await,
            check::<crate::subjects::carriers::Partner>(db).await,
            check::<crate::subjects::carriers::GradeRow>(db).await,
            check::<crate::subjects::carriers::Evaluation>(db).await,
            check::<crate::subjects::talent::TalentRow>(db).await,
            check::<crate::subjects::talent::TeamRow>(db).await,
            check::<crate::subjects::talent::Report>(db).await,
        ]
    }

    /// The statistics' row types (some need parameters or a GROUP BY).
    async fn statistics_rows(db: &Db) -> Vec<std::result::Result<(), String>> {
        vec![
            check::<crate::stats::Definition>(db).await,
            check::<crate::stats::Approval>(db).await,
            check_with::<crate::stats::Expected>(
                db,
                "",
                vec!["f".into(), "p".into(), "f".into(), "p".into()],
            )
            .await,
            check::<crate::stats::CellRow>(db).await,
            check::<crate::stats::EarlierValue>(db).await,
            check::<crate::stats::Registered>(db).await,
            check::<crate::stats::Exported>(db).await,
            check::<crate::stats::Reminder>(db).await,
            check::<crate::stats::ValueChange>(db).await,
            check_with::<crate::stats::OrgValue>(
                db,
                "GROUP BY o.id, o.name, o.org_unit_id, r.unit_path",
                vec![],
            )
            .await,
            {
                let sql = crate::stats::TotalsScan::select("");
                db.for_each(&sql, vec![], |_| Ok(())).await.map_err(|e| format!("TotalsScan: {e}"))
            },
        ]
    }

    /// An expert written with raw SQL, with `column` set to `bad`.
    async fn expert_with(db: &Db, column: &str, bad: &str) -> i64 {
        let tx = db.begin_write().await.expect("begin");
        let mut values: Vec<(&str, sea_orm::Value)> = vec![
            ("code", "E1".into()),
            ("name", "Ada".into()),
            ("organisation_name", "Lab".into()),
            ("credit_code", "".into()),
            ("unit_path", "/1/".into()),
            ("title", "".into()),
            ("fields", "[]".into()),
            ("keywords", "".into()),
            ("publications", "".into()),
            ("projects", "".into()),
            ("region", "".into()),
            ("contact", "".into()),
            ("groups", "[]".into()),
            ("available_from", "2024-01-01".into()),
            ("available_to", "".into()),
            ("library", Library::Review.code().into()),
            ("status", Status::Applied.code().into()),
            ("status_reason", "".into()),
            ("confirmed_year", 2024i64.into()),
            ("yearly_cap", 5i64.into()),
            ("created_at", 0i64.into()),
            ("updated_at", 0i64.into()),
        ];
        for (c, v) in values.iter_mut() {
            if *c == column {
                *v = bad.into();
            }
        }
        let names: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
        let marks = vec!["?"; names.len()].join(", ");
        let sql = format!("INSERT INTO experts ({}) VALUES ({marks})", names.join(", "));
        let id =
            tx.insert(&sql, values.into_iter().map(|(_, v)| v).collect()).await.expect("insert");
        tx.commit().await.expect("commit");
        id
    }

    async fn corrupt_in(column: &'static str, bad: &str) {
        let t = crate::testing::fresh().await.expect("fresh database");
        let id = expert_with(&t.db, column, bad).await;
        match crate::experts::get(&t.db, id).await {
            Err(StoreError::Corrupt { table, row, column: c, problem }) => {
                assert_eq!((table, row, c), ("experts", RowKey::Id(id), column), "{problem}");
                let shown = crate::experts::get(&t.db, id).await.err().map(|e| e.to_string());
                let shown = shown.unwrap_or_default();
                assert!(shown.contains("experts") && shown.contains(column), "{shown}");
            }
            other => panic!("{column} = {bad:?} read as {other:?}"),
        }
        // Lists fail the same way instead of dropping or defaulting the row.
        let list = crate::experts::list(&t.db, &Default::default()).await;
        assert!(matches!(list, Err(StoreError::Corrupt { .. })), "{list:?}");
    }

    #[tokio::test]
    async fn a_corrupt_date_is_corrupt() {
        corrupt_in("available_from", "soon").await;
    }

    #[tokio::test]
    async fn corrupt_json_is_corrupt() {
        corrupt_in("fields", "[\"unclosed").await;
    }

    #[tokio::test]
    async fn an_unknown_code_is_corrupt() {
        corrupt_in("library", "no-such-library").await;
    }

    #[tokio::test]
    async fn good_rows_still_read() {
        let t = crate::testing::fresh().await.expect("fresh database");
        let id = expert_with(&t.db, "", "").await;
        let e = crate::experts::get(&t.db, id).await.expect("reads").expect("there");
        assert_eq!((e.code.as_str(), e.available_from.as_str()), ("E1", "2024-01-01"));
    }

    #[tokio::test]
    async fn an_unknown_return_status_is_corrupt() {
        let t = crate::testing::fresh().await.expect("fresh database");
        let tx = t.db.begin_write().await.expect("begin");
        let unit = tx
            .insert(
                "INSERT INTO org_units (code, name_zh, name_en, level, path) VALUES (?, ?, ?, ?, ?)",
                vec!["U".into(), "区".into(), "District".into(), "district".into(), "/1/".into()],
            )
            .await
            .expect("unit");
        let org = tx
            .insert(
                "INSERT INTO organisations (credit_code, name, kind, org_unit_id, unit_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 0)",
                vec!["C1".into(), "Lab".into(), "enterprise".into(), unit.into(), "/1/".into()],
            )
            .await
            .expect("organisation");
        tx.insert(
            "INSERT INTO stat_returns (form, period, organisation_id, unit_path, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 0)",
            vec!["F".into(), "2024".into(), org.into(), "/1/".into(), "no-such-status".into()],
        )
        .await
        .expect("return");
        tx.commit().await.expect("commit");
        let params = vec!["F".into(), "2024".into(), "F".into(), "2024".into()];
        let read =
            t.db.rows::<crate::stats::Expected>(&select::<crate::stats::Expected>(""), params)
                .await;
        match read {
            Err(StoreError::Corrupt { table, row, column, problem }) => {
                assert_eq!(
                    (table, row, column),
                    ("organisations", RowKey::Id(org), "r.status"),
                    "{problem}"
                );
                assert!(problem.contains("no-such-status"), "{problem}");
            }
            other => panic!("an unknown status read as {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_sharing_row_types_select_their_columns() {
        let t = crate::testing::fresh().await.expect("fresh database");
        let db = &t.db;
        let results = [
            check::<crate::sharing::InstrumentRow>(db).await,
            check::<crate::sharing::BlackoutRow>(db).await,
            check::<crate::sharing::BookingRow>(db).await,
            check::<crate::sharing::ProgrammeRow>(db).await,
            check::<crate::sharing::ApplicationRow>(db).await,
            check::<crate::sharing::VoucherRow>(db).await,
            check::<crate::sharing::RedemptionRow>(db).await,
            check::<crate::sharing::SettlementRow>(db).await,
        ];
        let failures: Vec<String> = results.into_iter().filter_map(|r| r.err()).collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
