//! The one place where the two backends differ in Rust: a pool, a transaction and a row of either
//! SQLite or PostgreSQL, and statements written once whose values are bound for both. The SQL text
//! is portable (`$n` placeholders, TEXT ids and timestamps, BIGINT numbers); where the dialects
//! really differ a caller picks the text with [`Backend`].

use std::borrow::Cow;
use std::marker::PhantomData;

use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArguments, PgPool, PgRow};
use sqlx::sqlite::{SqliteArguments, SqlitePool, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, ColumnIndex, Decode, Encode, Postgres, Sqlite, Transaction, Type};

/// Which database a catalogue lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The text for this backend where the two dialects say it differently.
    pub(crate) fn pick(self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Self::Sqlite => sqlite,
            Self::Postgres => postgres,
        }
    }

    /// A read that the rest of its write transaction depends on: on PostgreSQL the rows read are
    /// locked until the transaction ends (SQLite's write lock already covers them).
    pub(crate) fn locking(self, select: &'static str) -> Cow<'static, str> {
        match self {
            Self::Sqlite => Cow::Borrowed(select),
            Self::Postgres => Cow::Owned(format!("{select} FOR UPDATE")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// The connection pool of either backend.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// A transaction on either backend; rolled back when dropped without `commit`.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// What a write transaction must hold alone on PostgreSQL, where writers are not serialised as
/// they are on SQLite. Each names one transaction-scoped advisory lock.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Exclusive {
    /// The end of the audit chain: one linear chain whoever appends.
    AuditChain,
    /// The end of the change feed: numbers committed in the order they are taken.
    ChangeFeed,
}

impl Exclusive {
    fn key(self) -> i64 {
        // Arbitrary but fixed numbers, in a range no other tool is likely to use.
        match self {
            Self::AuditChain => 0x7265_6769_6500_0001,
            Self::ChangeFeed => 0x7265_6769_6500_0002,
        }
    }
}

impl Tx {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(transaction) => transaction.commit().await,
            Self::Postgres(transaction) => transaction.commit().await,
        }
    }

    /// Waits until this transaction alone holds `what` (until it ends). SQLite's write lock,
    /// taken at `BEGIN IMMEDIATE`, already covers everything.
    pub(crate) async fn hold(&mut self, what: Exclusive) -> Result<(), sqlx::Error> {
        if let Self::Postgres(transaction) = self {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(what.key()).execute(&mut **transaction).await?;
        }
        Ok(())
    }
}

/// Where a statement runs: on a pooled connection or inside a transaction.
pub(crate) enum On<'a> {
    Pool(&'a Pool),
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Pool> for On<'a> {
    fn from(pool: &'a Pool) -> Self {
        Self::Pool(pool)
    }
}

impl<'a> From<&'a mut Tx> for On<'a> {
    fn from(transaction: &'a mut Tx) -> Self {
        Self::Tx(transaction)
    }
}

/// A row of either backend.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

/// A Rust type both backends can read a column into.
pub(crate) trait Column<'r>: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres> {}
impl<'r, T> Column<'r> for T where T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres> {}

/// A Rust type both backends can bind as a parameter.
pub(crate) trait Param<'q>: Encode<'q, Sqlite> + Type<Sqlite> + Encode<'q, Postgres> + Type<Postgres> {}
impl<'q, T> Param<'q> for T where T: Encode<'q, Sqlite> + Type<Sqlite> + Encode<'q, Postgres> + Type<Postgres> {}

impl Row {
    /// The column's value; panics when the column is missing or of another type, which is a
    /// mistake in the SQL next to the call, as with sqlx's own `Row::get`.
    pub(crate) fn get<'r, T, I>(&'r self, index: I) -> T
    where
        T: Column<'r>,
        I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> + std::fmt::Debug,
    {
        self.try_get(index).unwrap_or_else(|error| panic!("reading a column: {error}"))
    }

    pub(crate) fn try_get<'r, T, I>(&'r self, index: I) -> Result<T, sqlx::Error>
    where
        T: Column<'r>,
        I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow>,
    {
        match self {
            Self::Sqlite(row) => sqlx::Row::try_get(row, index),
            Self::Postgres(row) => sqlx::Row::try_get(row, index),
        }
    }
}

/// What a write statement did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Done {
    rows_affected: u64,
}

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// A statement with its values, bound for both backends as they are given.
pub(crate) struct Statement {
    sql: Cow<'static, str>,
    sqlite: SqliteArguments,
    postgres: PgArguments,
    unbindable: Option<BoxDynError>,
}

/// A statement from its SQL text (static, or built from trusted parts: never from a value).
pub(crate) fn query(sql: impl Into<Cow<'static, str>>) -> Statement {
    Statement {
        sql: sql.into(),
        sqlite: SqliteArguments::default(),
        postgres: PgArguments::default(),
        unbindable: None,
    }
}

/// A statement whose answer is its first column.
pub(crate) fn query_scalar<T>(sql: impl Into<Cow<'static, str>>) -> Scalar<T> {
    Scalar { statement: query(sql), output: PhantomData }
}

impl Statement {
    /// Adds the next `$n` value.
    pub(crate) fn bind<'q, T: Param<'q>>(mut self, value: T) -> Self {
        if self.unbindable.is_none() {
            let bound = self.sqlite.add(&value).and_then(|()| self.postgres.add(&value));
            self.unbindable = bound.err();
        }
        self
    }

    pub(crate) async fn execute<'a>(self, on: impl Into<On<'a>>) -> Result<Done, sqlx::Error> {
        let Statement { sql, sqlite, postgres, unbindable } = self;
        if let Some(error) = unbindable {
            return Err(sqlx::Error::Encode(error));
        }
        let rows_affected = match on.into() {
            On::Pool(Pool::Sqlite(pool)) => {
                sqlx::query_with(AssertSqlSafe(sql), sqlite).execute(pool).await?.rows_affected()
            }
            On::Pool(Pool::Postgres(pool)) => {
                sqlx::query_with(AssertSqlSafe(sql), postgres).execute(pool).await?.rows_affected()
            }
            On::Tx(Tx::Sqlite(transaction)) => {
                sqlx::query_with(AssertSqlSafe(sql), sqlite).execute(&mut **transaction).await?.rows_affected()
            }
            On::Tx(Tx::Postgres(transaction)) => {
                sqlx::query_with(AssertSqlSafe(sql), postgres).execute(&mut **transaction).await?.rows_affected()
            }
        };
        Ok(Done { rows_affected })
    }

    pub(crate) async fn fetch_optional<'a>(self, on: impl Into<On<'a>>) -> Result<Option<Row>, sqlx::Error> {
        let Statement { sql, sqlite, postgres, unbindable } = self;
        if let Some(error) = unbindable {
            return Err(sqlx::Error::Encode(error));
        }
        Ok(match on.into() {
            On::Pool(Pool::Sqlite(pool)) => {
                sqlx::query_with(AssertSqlSafe(sql), sqlite).fetch_optional(pool).await?.map(Row::Sqlite)
            }
            On::Pool(Pool::Postgres(pool)) => {
                sqlx::query_with(AssertSqlSafe(sql), postgres).fetch_optional(pool).await?.map(Row::Postgres)
            }
            On::Tx(Tx::Sqlite(transaction)) => {
                sqlx::query_with(AssertSqlSafe(sql), sqlite).fetch_optional(&mut **transaction).await?.map(Row::Sqlite)
            }
            On::Tx(Tx::Postgres(transaction)) => sqlx::query_with(AssertSqlSafe(sql), postgres)
                .fetch_optional(&mut **transaction)
                .await?
                .map(Row::Postgres),
        })
    }

    pub(crate) async fn fetch_one<'a>(self, on: impl Into<On<'a>>) -> Result<Row, sqlx::Error> {
        self.fetch_optional(on).await?.ok_or(sqlx::Error::RowNotFound)
    }

    pub(crate) async fn fetch_all<'a>(self, on: impl Into<On<'a>>) -> Result<Vec<Row>, sqlx::Error> {
        let Statement { sql, sqlite, postgres, unbindable } = self;
        if let Some(error) = unbindable {
            return Err(sqlx::Error::Encode(error));
        }
        Ok(match on.into() {
            On::Pool(Pool::Sqlite(pool)) => {
                let rows = sqlx::query_with(AssertSqlSafe(sql), sqlite).fetch_all(pool).await?;
                rows.into_iter().map(Row::Sqlite).collect()
            }
            On::Pool(Pool::Postgres(pool)) => {
                let rows = sqlx::query_with(AssertSqlSafe(sql), postgres).fetch_all(pool).await?;
                rows.into_iter().map(Row::Postgres).collect()
            }
            On::Tx(Tx::Sqlite(transaction)) => {
                let rows = sqlx::query_with(AssertSqlSafe(sql), sqlite).fetch_all(&mut **transaction).await?;
                rows.into_iter().map(Row::Sqlite).collect()
            }
            On::Tx(Tx::Postgres(transaction)) => {
                let rows = sqlx::query_with(AssertSqlSafe(sql), postgres).fetch_all(&mut **transaction).await?;
                rows.into_iter().map(Row::Postgres).collect()
            }
        })
    }
}

/// A statement read as its first column.
pub(crate) struct Scalar<T> {
    statement: Statement,
    output: PhantomData<fn() -> T>,
}

impl<T> Scalar<T>
where
    T: for<'r> Column<'r>,
{
    pub(crate) fn bind<'q, V: Param<'q>>(self, value: V) -> Self {
        Self { statement: self.statement.bind(value), output: PhantomData }
    }

    pub(crate) async fn fetch_optional<'a>(self, on: impl Into<On<'a>>) -> Result<Option<T>, sqlx::Error> {
        self.statement.fetch_optional(on).await?.map(|row| row.try_get(0)).transpose()
    }

    pub(crate) async fn fetch_one<'a>(self, on: impl Into<On<'a>>) -> Result<T, sqlx::Error> {
        self.statement.fetch_one(on).await?.try_get(0)
    }

    pub(crate) async fn fetch_all<'a>(self, on: impl Into<On<'a>>) -> Result<Vec<T>, sqlx::Error> {
        self.statement.fetch_all(on).await?.iter().map(|row| row.try_get(0)).collect()
    }
}

/// The most values one statement binds: under SQLite's 32,766 and PostgreSQL's 65,535.
pub(crate) const MOST_VALUES_BOUND: usize = 30_000;

/// Numbered placeholders for a statement of many values: plain `?` on SQLite, whose parser
/// looks every `$n` up in a list (a statement of thousands of values then costs milliseconds to
/// prepare and bind), and `$1`, `$2`... on PostgreSQL. Values are bound in order either way.
pub(crate) struct Placeholders {
    backend: Backend,
    next: usize,
}

impl Placeholders {
    pub(crate) fn new(backend: Backend) -> Self {
        Self { backend, next: 0 }
    }

    /// The placeholder of the next value.
    pub(crate) fn next_one(&mut self) -> String {
        self.next += 1;
        match self.backend {
            Backend::Sqlite => "?".to_owned(),
            Backend::Postgres => format!("${}", self.next),
        }
    }

    /// A row of `columns` placeholders: `(?, ?)` or `($3, $4)`.
    pub(crate) fn row(&mut self, columns: usize) -> String {
        let values: Vec<String> = (0..columns).map(|_| self.next_one()).collect();
        format!("({})", values.join(", "))
    }
}

/// The `VALUES` list of a multi-row statement, `($1, $2), ($3, $4)` for two rows of two columns
/// on PostgreSQL: only placeholders, so every value is still bound.
pub(crate) fn value_rows(backend: Backend, columns: usize, rows: usize) -> String {
    let mut placeholders = Placeholders::new(backend);
    (0..rows).map(|_| placeholders.row(columns)).collect::<Vec<_>>().join(", ")
}

/// How many rows of `columns` values one statement may hold.
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (MOST_VALUES_BOUND / columns).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_values_are_placeholders_numbered_in_binding_order() {
        assert_eq!(value_rows(Backend::Postgres, 2, 3), "($1, $2), ($3, $4), ($5, $6)");
        assert_eq!(value_rows(Backend::Sqlite, 3, 2), "(?, ?, ?), (?, ?, ?)");
        assert_eq!(rows_per_statement(10), 3_000);
        assert_eq!(rows_per_statement(50_000), 1);
    }
}
