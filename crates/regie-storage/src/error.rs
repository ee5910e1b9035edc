//! Errors of the blob store, each naming the step and the path that failed.

use std::io;
use std::path::PathBuf;

use regie_core::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot read {path}: {source}")]
    ReadSource {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{path} changed while it was being read (size or modification time moved); copy it again once it is complete"
    )]
    SourceChanged { path: PathBuf },
    #[error("{path} vanished while it was being read")]
    SourceVanished { path: PathBuf },
    #[error("the store at {path} is full: free some space and ingest again")]
    DiskFull { path: PathBuf },
    #[error("cannot write to the store at {path}: {source}")]
    WriteStore {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("a checksum thread stopped unexpectedly")]
    HasherFailed,
    #[error("the object store {url} failed while {step}: {message}")]
    Remote { url: String, step: &'static str, message: String },
    #[error("{url} is not a store address ({reason}): give s3://BUCKET[/PREFIX], or nothing for the data folder")]
    BadStoreUrl { url: String, reason: &'static str },
    #[error(
        "blob {blake3} is catalogued but not in the store (moved to a colder tier, or lost): `regie restore ASSET` brings an original back from a copy, `regie fixity repair` repairs a lost one"
    )]
    BlobMissing { blake3: String },
    #[error("the copy of {blake3} in {location} no longer matches its BLAKE3: it cannot be the source of a copy")]
    SourceCorrupt { blake3: String, location: String },
    #[error("the copy of {blake3} just written to {location} did not read back the same: check that storage")]
    CopyNotVerified { blake3: String, location: String },
    #[error(
        "{path} names a layout this regie does not know ({found:?}): the store was written by another version; run that version, or a newer regie"
    )]
    UnknownLayout { path: PathBuf, found: String },
}

impl StorageError {
    /// A stable, kebab-case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ReadSource { .. } => "source-unreadable",
            Self::SourceChanged { .. } => "source-changed",
            Self::SourceVanished { .. } => "source-vanished",
            Self::DiskFull { .. } => "disk-full",
            Self::WriteStore { .. } => "store-write-failed",
            Self::HasherFailed => "internal",
            Self::Remote { .. } => "store-unavailable",
            Self::BadStoreUrl { .. } => "invalid-store-url",
            Self::BlobMissing { .. } => "blob-missing",
            Self::SourceCorrupt { .. } => "source-corrupt",
            Self::CopyNotVerified { .. } => "copy-not-verified",
            Self::UnknownLayout { .. } => "unknown-store-layout",
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::ReadSource { .. } | Self::SourceChanged { .. } | Self::SourceVanished { .. } => ErrorKind::Invalid,
            Self::DiskFull { .. } => ErrorKind::StorageFull,
            Self::WriteStore { .. } | Self::HasherFailed | Self::BlobMissing { .. } => ErrorKind::Internal,
            Self::SourceCorrupt { .. } => ErrorKind::Conflict,
            Self::CopyNotVerified { .. } => ErrorKind::Failed,
            Self::Remote { .. } => ErrorKind::Unavailable,
            Self::BadStoreUrl { .. } => ErrorKind::Invalid,
            Self::UnknownLayout { .. } => ErrorKind::Conflict,
        }
    }

    pub(crate) fn write(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if is_disk_full(&source) { Self::DiskFull { path } } else { Self::WriteStore { path, source } }
    }

    pub(crate) fn read(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if source.kind() == io::ErrorKind::NotFound {
            Self::SourceVanished { path }
        } else {
            Self::ReadSource { path, source }
        }
    }
}

/// Whether a write failed because the disk (or the user's quota) is full.
pub fn is_disk_full(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded)
        || matches!(error.raw_os_error(), Some(code) if code == libc::ENOSPC || code == libc::EDQUOT)
}
