//! Opening the database: WAL, foreign keys, a busy timeout, and migrations run on every open.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, Sqlite, Transaction};

use crate::DbError;
use crate::error::QueryContext;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A handle on the catalogue; cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    pub(crate) pool: SqlitePool,
    /// A connection that never writes, asked for `PRAGMA data_version` (see `data_version`).
    watcher: Arc<tokio::sync::Mutex<Option<SqliteConnection>>>,
    options: SqliteConnectOptions,
}

/// Takes the exclusive migration lock of the database at `path` (released when dropped).
async fn migration_lock(path: &Path) -> Result<std::fs::File, DbError> {
    let lock_path = path.with_extension("migrate.lock");
    let display = lock_path.display().to_string();
    let opened = std::fs::File::options().create(true).truncate(false).write(true).open(&lock_path);
    let file = opened.map_err(|error| DbError::Open { path: display.clone(), source: sqlx::Error::Io(error) })?;
    tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(|error| DbError::Open {
            path: display.clone(),
            source: sqlx::Error::Io(std::io::Error::other(error)),
        })?
        .map_err(|error| DbError::Open { path: display, source: sqlx::Error::Io(error) })
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
        let watcher_options = options.clone();
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            // A COMMIT that fails (a full disk) leaves sqlx believing the connection is still in a
            // transaction, and every later BEGIN on it fails: such a connection is replaced.
            .before_acquire(|connection, _| {
                Box::pin(async move {
                    use sqlx_core::transaction::TransactionManager;
                    Ok(sqlx::sqlite::SqliteTransactionManager::get_transaction_depth(connection) == 0)
                })
            })
            .connect_with(options)
            .await
            .map_err(|source| DbError::Open { path: display, source })?;
        // Two processes opening a new catalogue at once must not both create its tables: SQLite
        // migrations take no lock of their own, so a lock file beside the database serialises them.
        let lock = migration_lock(path).await?;
        let migrated = SQLITE_MIGRATIONS.run(&pool).await;
        drop(lock);
        migrated?;
        Ok(Self { pool, watcher: Arc::default(), options: watcher_options })
    }

    /// Starts a write transaction that takes the write lock at once, so two writers queue on the
    /// busy timeout instead of failing when a read transaction tries to upgrade.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, DbError> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.during("starting a write transaction")
    }

    /// A number that changes whenever any other connection, in this process or another, commits
    /// to the catalogue: read caches are valid while it stays the same.
    pub async fn data_version(&self) -> Result<i64, DbError> {
        let mut watcher = self.watcher.lock().await;
        if watcher.is_none() {
            *watcher = Some(self.options.connect().await.during("opening the change watcher")?);
        }
        let connection = watcher.as_mut().expect("connected above");
        let version = sqlx::query_scalar("PRAGMA data_version").fetch_one(&mut *connection).await;
        if version.is_err() {
            *watcher = None;
        }
        version.during("reading the catalogue's data version")
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        if let Some(watcher) = self.watcher.lock().await.take() {
            let _ = watcher.close().await;
        }
        self.pool.close().await;
    }
}
