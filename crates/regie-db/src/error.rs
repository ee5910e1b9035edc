//! Database errors, naming the step that failed.

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the catalogue database at {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: sqlx::Error,
    },
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
            Self::Migrate(_) => "database-migration-failed",
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
            Self::JobFinished { .. } => "job-finished",
            Self::JobNotRetryable { .. } => "job-not-retryable",
        }
    }
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
