//! Opening the database, SQLite (WAL, foreign keys, a busy timeout) or PostgreSQL, with migrations
//! run on every open and serialised across processes on both.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

use crate::DbError;
use crate::error::QueryContext;
use crate::sql::{Backend, Pool, Tx};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A handle on the catalogue; cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    pub(crate) pool: Pool,
    /// SQLite only: a connection that never writes, asked for `PRAGMA data_version` (see
    /// `data_version`), and how to open it again.
    watcher: Arc<tokio::sync::Mutex<Option<SqliteConnection>>>,
    options: Option<Arc<SqliteConnectOptions>>,
}

/// How many connections a process keeps to PostgreSQL at most (its server allows 100 by default,
/// shared by every regie process: remote workers use the server's lease API instead).
const POSTGRES_CONNECTIONS: u32 = 8;

/// How long closing the catalogue may take before the process goes on without it.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(20);

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
        // Two processes opening a new catalogue at once must not both create its tables (SQLite
        // migrations take no lock of their own), nor both turn it to WAL: each holds a read lock
        // and wants the write lock, and SQLite answers one of them "locked" at once instead of
        // waiting. A lock file beside the database serialises the opening and the migrations.
        let lock = migration_lock(path).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            // No idle or lifetime reaping. sqlx 0.9's reaping task reads the idle count once per
            // round, and that count can read as `usize::MAX` for an instant (a connection taken
            // between another's return and the count's increment); the task then loops without
            // yielding, and the process spins at full CPU and never exits (seen in CI). A
            // catalogue's few connections need no reaping.
            .idle_timeout(None)
            .max_lifetime(None)
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
        let migrated = SQLITE_MIGRATIONS.run(&pool).await;
        drop(lock);
        migrated?;
        Ok(Self { pool: Pool::Sqlite(pool), watcher: Arc::default(), options: Some(Arc::new(watcher_options)) })
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host:port/name`)
    /// and migrates it; sqlx's migrator holds an advisory lock, so processes migrate one at a time.
    pub async fn open_postgres(url: &str) -> Result<Self, DbError> {
        let options =
            PgConnectOptions::from_str(url).map_err(|source| DbError::Open { path: redact_url(url), source })?;
        // One direct connection first: a pool retries until its timeout and then reports only
        // that it timed out, where this says what is wrong (refused, password, no database).
        let probe = tokio::time::timeout(Duration::from_secs(10), sqlx::PgConnection::connect_with(&options)).await;
        match probe {
            Err(_) => return Err(DbError::Open { path: redact_url(url), source: sqlx::Error::PoolTimedOut }),
            Ok(Err(source)) => return Err(DbError::Open { path: redact_url(url), source }),
            Ok(Ok(connection)) => {
                let _ = connection.close().await;
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            // No reaping, as for SQLite; a dead connection is still replaced, as sqlx pings each
            // one before handing it out.
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|source| DbError::Open { path: redact_url(url), source })?;
        POSTGRES_MIGRATIONS.run(&pool).await?;
        Ok(Self { pool: Pool::Postgres(pool), watcher: Arc::default(), options: None })
    }

    /// Opens a catalogue by URL: `postgres://...` or `sqlite://PATH`.
    pub async fn open_url(url: &str) -> Result<Self, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url).await
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Self::open_sqlite(Path::new(path)).await
        } else {
            Err(DbError::UnknownUrl(redact_url(url)))
        }
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once, so two writers queue
    /// on the busy timeout instead of failing when a read transaction tries to upgrade; on
    /// PostgreSQL writers run side by side, and each read-then-write says what it must hold
    /// (row locks, `Tx::hold`, conflict clauses).
    pub(crate) async fn begin_write(&self) -> Result<Tx, DbError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                Ok(Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await.during("starting a write transaction")?))
            }
            Pool::Postgres(pool) => Ok(Tx::Postgres(pool.begin().await.during("starting a write transaction")?)),
        }
    }

    /// A number that changes whenever any connection, in this process or another, commits to the
    /// catalogue: read caches are valid while it stays the same. SQLite's `PRAGMA data_version`;
    /// on PostgreSQL the position in the write-ahead log (which every commit moves).
    pub async fn data_version(&self) -> Result<i64, DbError> {
        let Some(options) = &self.options else {
            return crate::sql::query_scalar("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::BIGINT")
                .fetch_one(&self.pool)
                .await
                .during("reading the catalogue's data version");
        };
        let mut watcher = self.watcher.lock().await;
        if watcher.is_none() {
            *watcher = Some(options.connect().await.during("opening the change watcher")?);
        }
        let connection = watcher.as_mut().expect("connected above");
        let version = sqlx::query_scalar("PRAGMA data_version").fetch_one(&mut *connection).await;
        if version.is_err() {
            *watcher = None;
        }
        version.during("reading the catalogue's data version")
    }

    /// Closes every connection, checkpointing the WAL. Bounded: a connection still held by a
    /// task that will never give it back must not keep the process from exiting; the WAL it
    /// leaves is replayed by the next opening.
    pub async fn close(&self) {
        let closing = async {
            if let Some(watcher) = self.watcher.lock().await.take() {
                let _ = watcher.close().await;
            }
            self.pool.close().await;
        };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, closing).await;
    }
}

/// The URL with its password hidden, for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

/// What `regie migrate` and `regie doctor` report of a catalogue's schema.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SchemaState {
    /// The newest migration applied.
    pub version: i64,
    /// The newest migration this build knows.
    pub expected: i64,
    pub applied: Vec<String>,
}

impl Database {
    /// The migrations applied to this catalogue, against those this build carries.
    pub async fn schema_state(&self) -> Result<SchemaState, DbError> {
        let rows =
            crate::sql::query("SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version")
                .fetch_all(&self.pool)
                .await
                .during("reading the applied migrations")?;
        let migrator = match self.backend() {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let expected = migrator.iter().map(|migration| migration.version).max().unwrap_or(0);
        let applied: Vec<(i64, String)> = rows.iter().map(|row| (row.get("version"), row.get("description"))).collect();
        Ok(SchemaState {
            version: applied.last().map_or(0, |(version, _)| *version),
            expected,
            applied: applied.iter().map(|(version, description)| format!("{version:04} {description}")).collect(),
        })
    }

    /// The database server's clock (seconds since the epoch), to compare with this machine's;
    /// `None` for SQLite, which has no clock of its own.
    pub async fn server_clock(&self) -> Result<Option<f64>, DbError> {
        if self.backend() == Backend::Sqlite {
            return Ok(None);
        }
        let seconds: f64 =
            crate::sql::query_scalar("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)")
                .fetch_one(&self.pool)
                .await
                .during("reading the database server's clock")?;
        Ok(Some(seconds))
    }
}
