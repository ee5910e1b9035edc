//! Errors of a transfer, naming the destination and the step that failed.

use regie_core::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write at the destination {destination} ({path}): {source}")]
    Write {
        destination: String,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the destination {destination} failed while {step}: {message}")]
    Remote { destination: String, step: &'static str, message: String },
    #[error(
        "the host key of {destination} is not the one pinned for it (or none is pinned and learning it was not allowed): {message}; check the server, then give its key with `regie destinations add ... --host-key`"
    )]
    HostKey { destination: String, message: String },
    #[error("{path} at {destination} does not match what was sent: {reason}")]
    Mismatch { destination: String, path: String, reason: String },
    #[error("{0}")]
    Tool(#[from] regie_media::MediaError),
    #[error("the destination setting {what} is not usable: {reason}")]
    Settings { what: &'static str, reason: String },
}

impl TransferError {
    /// A stable, kebab-case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Read { .. } => "read-failed",
            Self::Write { source, .. } if source.raw_os_error() == Some(28) => "disk-full",
            Self::Write { .. } => "destination-write-failed",
            Self::Remote { .. } => "destination-unavailable",
            Self::HostKey { .. } => "host-key-mismatch",
            Self::Mismatch { .. } => "verification-failed",
            Self::Tool(error) => error.code(),
            Self::Settings { .. } => "invalid-destination",
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Read { .. } | Self::Mismatch { .. } => ErrorKind::Failed,
            Self::Write { source, .. } if source.raw_os_error() == Some(28) => ErrorKind::StorageFull,
            Self::Write { .. } | Self::Remote { .. } => ErrorKind::Unavailable,
            Self::HostKey { .. } => ErrorKind::Forbidden,
            Self::Tool(error) => error.kind(),
            Self::Settings { .. } => ErrorKind::Invalid,
        }
    }
}
