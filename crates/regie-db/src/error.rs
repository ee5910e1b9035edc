//! Database errors, naming the step that failed.

use regie_core::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the catalogue database at {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("{0} is not a catalogue address: give postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite://PATH")]
    UnknownUrl(String),
    #[error("only a SQLite catalogue can be moved with regie (to move out of PostgreSQL, use pg_dump)")]
    MoveSource,
    #[error("cannot bring the catalogue schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("catalogue query failed while {step}: {source}")]
    Query {
        step: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("the catalogue holds a value it cannot read back ({what}): {reason}")]
    Corrupt { what: &'static str, reason: String },
    #[error("no asset {0}")]
    AssetNotFound(String),
    #[error(
        "house id already taken by another asset (among {0}); a generated id met an imported one, adjust the house id template or the records"
    )]
    HouseIdTaken(String),
    #[error("content {0} is already catalogued")]
    ContentAlreadyCatalogued(String),
    #[error("a user named {0} already exists")]
    UserExists(String),
    #[error("no user named {0}")]
    UserNotFound(String),
    #[error("a group named {0} already exists")]
    GroupExists(String),
    #[error("no group named {0}")]
    GroupNotFound(String),
    #[error("no grant {0}")]
    GrantNotFound(String),
    #[error("no token {0}")]
    TokenNotFound(String),
    #[error("no job {0}")]
    JobNotFound(String),
    #[error("{0} matches more than one job; give more of the id")]
    JobAmbiguous(String),
    #[error("a destination named {0} already exists: remove it first, or choose another name")]
    DestinationExists(String),
    #[error("no destination named {0}: see `regie destinations list`")]
    DestinationNotFound(String),
    #[error("a storage location named {0} already exists: remove it first, or choose another name")]
    LocationExists(String),
    #[error("no storage location named {0}: see `regie storage list`")]
    LocationNotFound(String),
    #[error("storage location {name} still holds {copies} copies: purge or move them before removing it")]
    LocationInUse { name: String, copies: u64 },
    #[error("{asset} is under a legal hold ({reason}): release the hold first (regie holds remove)")]
    Held { asset: String, reason: String },
    #[error("{0} is not in the trash (restorable only until it is purged)")]
    NotInTrash(String),
    #[error("no delivery {0}")]
    DeliveryNotFound(String),
    #[error("{0} matches more than one delivery; give more of the id")]
    DeliveryAmbiguous(String),
    #[error("no contract {0}")]
    ContractNotFound(String),
    #[error("no segment {0} on this asset: see `regie segments list`")]
    SegmentNotFound(String),
    #[error("job {id} is already {state}")]
    JobFinished { id: String, state: &'static str },
    #[error("job {id} is {state}; only failed or cancelled jobs can be retried")]
    JobNotRetryable { id: String, state: &'static str },
}

impl DbError {
    /// A stable, kebab-case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Open { .. } => "database-unavailable",
            Self::UnknownUrl(_) => "invalid-database-url",
            Self::MoveSource => "move-unsupported",
            Self::Migrate(_) => "database-migration-failed",
            Self::Query { source, .. } if is_full(source) => "disk-full",
            Self::Query { source, .. } if is_busy(source) => "database-busy",
            Self::Query { source, .. } if is_unreachable(source) => "database-unavailable",
            Self::Query { .. } => "database-error",
            Self::Corrupt { .. } => "database-corrupt",
            Self::AssetNotFound(_) => "not-found",
            Self::ContentAlreadyCatalogued(_) => "duplicate-content",
            Self::HouseIdTaken(_) => "house-id-taken",
            Self::JobNotFound(_) => "not-found",
            Self::UserExists(_) => "user-exists",
            Self::UserNotFound(_) => "not-found",
            Self::TokenNotFound(_) => "not-found",
            Self::GroupExists(_) => "group-exists",
            Self::GroupNotFound(_) => "not-found",
            Self::GrantNotFound(_) => "not-found",
            Self::JobAmbiguous(_) => "ambiguous-job-id",
            Self::DestinationExists(_) => "destination-exists",
            Self::DestinationNotFound(_) | Self::DeliveryNotFound(_) | Self::ContractNotFound(_) => "not-found",
            Self::DeliveryAmbiguous(_) => "ambiguous-delivery-id",
            Self::LocationExists(_) => "location-exists",
            Self::LocationNotFound(_) | Self::SegmentNotFound(_) => "not-found",
            Self::LocationInUse { .. } => "location-in-use",
            Self::Held { .. } => "held",
            Self::NotInTrash(_) => "not-in-trash",
            Self::JobFinished { .. } => "job-finished",
            Self::JobNotRetryable { .. } => "job-not-retryable",
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Open { .. } => ErrorKind::Unavailable,
            Self::Query { source, .. } if is_full(source) => ErrorKind::StorageFull,
            Self::Query { source, .. } if is_busy(source) || is_unreachable(source) => ErrorKind::Unavailable,
            Self::Migrate(_) | Self::Query { .. } | Self::Corrupt { .. } => ErrorKind::Internal,
            Self::AssetNotFound(_)
            | Self::JobNotFound(_)
            | Self::UserNotFound(_)
            | Self::TokenNotFound(_)
            | Self::GroupNotFound(_)
            | Self::GrantNotFound(_)
            | Self::DestinationNotFound(_)
            | Self::DeliveryNotFound(_)
            | Self::ContractNotFound(_)
            | Self::LocationNotFound(_)
            | Self::SegmentNotFound(_)
            | Self::NotInTrash(_) => ErrorKind::NotFound,
            Self::ContentAlreadyCatalogued(_)
            | Self::HouseIdTaken(_)
            | Self::UserExists(_)
            | Self::GroupExists(_)
            | Self::DestinationExists(_)
            | Self::LocationExists(_)
            | Self::LocationInUse { .. }
            | Self::Held { .. }
            | Self::JobFinished { .. }
            | Self::JobNotRetryable { .. } => ErrorKind::Conflict,
            Self::JobAmbiguous(_) | Self::DeliveryAmbiguous(_) | Self::UnknownUrl(_) | Self::MoveSource => {
                ErrorKind::Invalid
            }
        }
    }
}

/// SQLite's primary result code of a failed statement (extended codes carry it in the low byte).
fn sqlite_code(error: &sqlx::Error) -> Option<i64> {
    match error {
        sqlx::Error::Database(database) if database.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
            database.code()?.parse::<i64>().ok().map(|code| code & 0xff)
        }
        _ => None,
    }
}

/// PostgreSQL's SQLSTATE of a failed statement.
fn postgres_state(error: &sqlx::Error) -> Option<String> {
    match error {
        sqlx::Error::Database(database) => {
            database.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().map(|error| error.code().to_owned())
        }
        _ => None,
    }
}

/// SQLITE_FULL, PostgreSQL's disk_full: the disk (or the quota) under the catalogue is full.
fn is_full(error: &sqlx::Error) -> bool {
    sqlite_code(error) == Some(13)
        || postgres_state(error).as_deref() == Some("53100")
        || matches!(error, sqlx::Error::Io(io) if io.raw_os_error() == Some(28))
}

/// SQLITE_BUSY or SQLITE_LOCKED (another writer held the database longer than the busy
/// timeout); on PostgreSQL a serialisation failure, a deadlock or a lock not available.
fn is_busy(error: &sqlx::Error) -> bool {
    matches!(sqlite_code(error), Some(5 | 6))
        || matches!(postgres_state(error).as_deref(), Some("40001" | "40P01" | "55P03"))
        || matches!(error, sqlx::Error::PoolTimedOut)
}

/// The database server cannot be reached or is shutting down: worth retrying later.
fn is_unreachable(error: &sqlx::Error) -> bool {
    let state = postgres_state(error);
    matches!(error, sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_))
        || state.as_deref().is_some_and(|state| state.starts_with("08") || state.starts_with("57P"))
}

/// Attaches the step to a sqlx error.
pub(crate) trait QueryContext<T> {
    fn during(self, step: &'static str) -> Result<T, DbError>;
}

impl<T> QueryContext<T> for Result<T, sqlx::Error> {
    fn during(self, step: &'static str) -> Result<T, DbError> {
        self.map_err(|source| DbError::Query { step, source })
    }
}
