//! The content-addressed blob store: every file regie keeps lives at a path derived from its
//! BLAKE3, written through a temporary file, fsync and rename, so a blob is either whole or absent.
//! Copying and checksumming happen in one read pass of the source.

mod error;
mod fixity;
mod hashing;
mod layout;
mod local;
mod s3;
mod writeback;

pub use error::{StorageError, is_disk_full};
pub use fixity::{CopyDigest, CopyMade, CopyReading, Throttle};
pub use hashing::HashOptions;
pub use local::{BlobStore, LocalBlob, StagedBlob};
pub use s3::{BlobStream, S3Blobs};
