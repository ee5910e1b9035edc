//! The errors a use case can end with: the adapters' errors, plus the app's own.

use std::path::PathBuf;

use regie_core::{CoreError, ErrorKind};
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
    #[error(transparent)]
    Transfer(#[from] regie_transfer::TransferError),
    #[error(transparent)]
    Protect(#[from] regie_protect::ProtectError),
    #[error("delivery {delivery} refused: the rights do not allow {asset} on {destination}: {reasons}")]
    RightsDenied { delivery: String, asset: String, destination: String, reasons: String },
    #[error(
        "delivery {delivery} refused: {asset} does not pass the policy {policy} that {destination} requires: {failures}"
    )]
    DeliveryPolicyFailed { delivery: String, asset: String, destination: String, policy: String, failures: String },
    #[error("the rights do not allow this download: {reasons}")]
    DownloadRightsDenied { reasons: String },
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
    TooLarge(String),
    #[error("{path} is not a regular file (a folder, device, pipe or socket): give a file")]
    NotRegularFile { path: PathBuf },
    #[error("invalid {what} name {name:?}: a name is letters, digits, '-' and '_' (at most 64), not a path")]
    InvalidName { what: &'static str, name: String },
    #[error("{0}")]
    NoSuchFile(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the server {server} did not answer while {step}: {message}; the worker tries again")]
    Remote { server: String, step: &'static str, message: String },
    #[error("the server {server} refused this worker while {step}: {message}")]
    Refused { server: String, step: &'static str, message: String },
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
            Self::Transfer(error) => error.code(),
            Self::Protect(_) => "protection-failed",
            Self::RightsDenied { .. } | Self::DownloadRightsDenied { .. } => "rights-denied",
            Self::DeliveryPolicyFailed { .. } => "policy-failed",
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
            Self::TooLarge(_) => "too-large",
            Self::NotRegularFile { .. } => "not-regular-file",
            Self::InvalidName { .. } => "invalid-name",
            Self::NoSuchFile(_) => "not-found",
            Self::Invalid(_) => "invalid-input",
            Self::Remote { .. } => "server-unavailable",
            Self::Refused { .. } => "server-refused",
            Self::Internal(_) => "internal",
        }
    }

    /// What kind of failure this is: the CLI's exit code, the HTTP status and whether a job is
    /// retried all follow from it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Core(error) => error.kind(),
            Self::Db(error) => error.kind(),
            Self::Storage(error) => error.kind(),
            Self::Media(error) => error.kind(),
            Self::Search(error) => error.kind(),
            Self::Transfer(error) => error.kind(),
            Self::Protect(_) => ErrorKind::Internal,
            Self::RightsDenied { .. } | Self::DeliveryPolicyFailed { .. } => ErrorKind::Failed,
            Self::DownloadRightsDenied { .. } => ErrorKind::Forbidden,
            Self::DataFolder { .. } | Self::Internal(_) => ErrorKind::Internal,
            Self::Busy { .. } | Self::Remote { .. } => ErrorKind::Unavailable,
            Self::Refused { .. } => ErrorKind::Forbidden,
            Self::InputMissing { .. }
            | Self::UnknownPolicy { .. }
            | Self::UnknownProfile { .. }
            | Self::NoSuchFile(_) => ErrorKind::NotFound,
            Self::InvalidImport(_)
            | Self::InputUnreadable { .. }
            | Self::NotRegularFile { .. }
            | Self::InvalidPolicy { .. }
            | Self::InvalidProfile { .. }
            | Self::InvalidName { .. }
            | Self::Invalid(_) => ErrorKind::Invalid,
            Self::OutputExists { .. } => ErrorKind::Conflict,
            Self::JobFailed(_) => ErrorKind::Failed,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::TooLarge(_) => ErrorKind::TooLarge,
        }
    }
}
