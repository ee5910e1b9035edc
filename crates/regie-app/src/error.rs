//! The errors a use case can end with: the adapters' errors, plus the app's own.

use std::path::PathBuf;

use regie_core::CoreError;
use regie_db::DbError;
use regie_media::MediaError;
use regie_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Search(#[from] regie_search::SearchError),
    #[error("cannot use the data folder {path}: {source}")]
    DataFolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("another regie process is ingesting or running jobs ({path} is locked); run gc again once it has finished")]
    Busy { path: PathBuf },
    #[error("{path} does not exist")]
    InputMissing { path: PathBuf },
    #[error("cannot import: {0}")]
    InvalidImport(String),
    #[error("cannot read {path}: {source}")]
    InputUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no policy named {name:?}: built-in packs are {known}; a house policy goes in DATA/policies/NAME.toml")]
    UnknownPolicy { name: String, known: String },
    #[error("invalid policy ({origin}): {reason}")]
    InvalidPolicy { origin: String, reason: String },
    #[error(
        "no profile named {name:?}: built-in profiles are {known}; a house profile goes in DATA/profiles/NAME.toml"
    )]
    UnknownProfile { name: String, known: String },
    #[error("invalid profile ({origin}): {reason}")]
    InvalidProfile { origin: String, reason: String },
    #[error("{0}")]
    JobFailed(String),
    #[error("{path} already exists: regie never overwrites a file; choose another output name")]
    OutputExists { path: PathBuf },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NoSuchFile(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A stable, kebab-case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Core(error) => error.code(),
            Self::Db(error) => error.code(),
            Self::Storage(error) => error.code(),
            Self::Media(error) => error.code(),
            Self::Search(error) => error.code(),
            Self::DataFolder { .. } => "data-folder-unusable",
            Self::Busy { .. } => "busy",
            Self::InputMissing { .. } => "not-found",
            Self::InvalidImport(_) => "invalid-import",
            Self::InputUnreadable { .. } => "source-unreadable",
            Self::UnknownPolicy { .. } => "not-found",
            Self::InvalidPolicy { .. } => "invalid-policy",
            Self::OutputExists { .. } => "output-exists",
            Self::UnknownProfile { .. } => "not-found",
            Self::InvalidProfile { .. } => "invalid-profile",
            Self::JobFailed(_) => "job-failed",
            Self::Forbidden(_) => "forbidden",
            Self::NoSuchFile(_) => "not-found",
            Self::Internal(_) => "internal",
        }
    }

    /// Whether the error is about something that does not exist (maps to exit code 3 / HTTP 404).
    pub fn is_not_found(&self) -> bool {
        self.code() == "not-found"
    }

    /// Whether the user can fix it by changing their input (as opposed to the system failing).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self.code(),
            "invalid-value"
                | "invalid-query"
                | "invalid-import"
                | "group-exists"
                | "forbidden"
                | "invalid-policy"
                | "invalid-profile"
                | "job-finished"
                | "job-not-retryable"
                | "ambiguous-job-id"
                | "user-exists"
                | "output-exists"
                | "not-found"
                | "not-media"
                | "empty-file"
                | "media-unreadable"
                | "source-unreadable"
                | "source-vanished"
                | "source-changed"
        )
    }
}
