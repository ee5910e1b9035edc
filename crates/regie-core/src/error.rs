//! Errors raised when a value from outside (a flag, a config key, a sidecar field)
//! does not parse into a domain type, and `ErrorKind`: the one classification of every
//! regie error that the front ends map once (exit codes, HTTP statuses, job retries).

/// What kind of failure an error is. Every error of every crate answers one kind; the CLI maps a
/// kind to an exit code, the server to an HTTP status and the worker to "retry or give up", each
/// in one place, so the three never disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// What was named does not exist (or the caller may not know that it does).
    NotFound,
    /// The caller's input is wrong: fixing it and trying again helps.
    Invalid,
    /// The request contradicts the current state (a name taken, a job already finished).
    Conflict,
    /// The caller may not do this.
    Forbidden,
    /// More than the limits allow (a body, an upload, open uploads).
    TooLarge,
    /// Temporarily impossible (busy, database or tool unreachable, a timeout): try again later.
    Unavailable,
    /// No space left where regie writes.
    StorageFull,
    /// The work itself failed for good (an output that does not match its plan): retrying the
    /// same input gives the same result.
    Failed,
    /// A fault of the system or a bug.
    Internal,
}

impl ErrorKind {
    /// Whether a job that ended with this kind of error is worth running again later.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Unavailable | Self::StorageFull | Self::Internal)
    }
}

/// A value that could not be turned into a domain type.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CoreError {
    #[error("invalid {what} {value:?}: {reason}")]
    Invalid { what: &'static str, value: String, reason: String },
}

impl CoreError {
    pub fn invalid(what: &'static str, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid { what, value: value.into(), reason: reason.into() }
    }

    /// A stable, kebab-case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid-value",
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid { .. } => ErrorKind::Invalid,
        }
    }
}
