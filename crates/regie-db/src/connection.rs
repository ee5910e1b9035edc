//! Opening the database: WAL, foreign keys, a busy timeout, and migrations run on every open.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, Transaction};

use crate::DbError;
use crate::error::QueryContext;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A handle on the catalogue; cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    pub(crate) pool: SqlitePool,
}

impl Database {
    /// Opens (creating when missing) the SQLite catalogue at `path` and migrates it.
    pub async fn open_sqlite(path: &Path) -> Result<Self, DbError> {
        let display = path.display().to_string();
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|source| DbError::Open { path: display.clone(), source })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| DbError::Open { path: display, source })?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Starts a write transaction that takes the write lock at once, so two writers queue on the
    /// busy timeout instead of failing when a read transaction tries to upgrade.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, DbError> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.during("starting a write transaction")
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
