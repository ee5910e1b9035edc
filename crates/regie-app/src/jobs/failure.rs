//! How a run of a job ends when it does not succeed: whether trying again can help.

use regie_media::MediaError;

use crate::AppError;

#[derive(Debug)]
pub(crate) enum JobFailure {
    /// The process was stopped because cancellation was asked or the lease was lost.
    Stopped,
    Error {
        message: String,
        retryable: bool,
    },
}

impl JobFailure {
    /// A failure that will not go away by itself (bad input, an output that does not match).
    pub(crate) fn permanent(message: impl Into<String>) -> Self {
        Self::Error { message: message.into(), retryable: false }
    }

    /// A failure of the machine (a file that could not be written) worth trying again.
    pub(crate) fn transient(message: impl Into<String>) -> Self {
        Self::Error { message: message.into(), retryable: true }
    }
}

impl From<AppError> for JobFailure {
    fn from(error: AppError) -> Self {
        if matches!(error, AppError::Media(MediaError::Cancelled)) {
            return Self::Stopped;
        }
        // Timeouts, a full disk, a busy database, a missing tool being installed: worth retrying.
        Self::Error { message: error.to_string(), retryable: error.kind().is_retryable() }
    }
}

impl From<MediaError> for JobFailure {
    fn from(error: MediaError) -> Self {
        AppError::from(error).into()
    }
}

impl From<regie_db::DbError> for JobFailure {
    fn from(error: regie_db::DbError) -> Self {
        AppError::from(error).into()
    }
}

impl From<regie_storage::StorageError> for JobFailure {
    fn from(error: regie_storage::StorageError) -> Self {
        AppError::from(error).into()
    }
}
