//! The domain of regie: the nouns every other crate speaks (assets, checksums,
//! media descriptions, formats, findings, naming rules) and the pure rules over them.
//! This crate does no I/O and starts no processes, so everything here is tested with plain values.

pub mod access;
pub mod audit;
pub mod checkpoint;
pub mod checksum;
pub mod collection;
pub mod cron;
pub mod derivative;
pub mod destination;
pub mod error;
pub mod finding;
pub mod fingerprint;
pub mod format;
pub mod house_id;
pub mod id;
pub mod keeping;
pub mod media;
pub mod metadata_change;
pub mod naming;
pub mod plain_name;
pub mod policy;
pub mod profile;
pub mod quality;
mod random;
pub mod rational;
pub mod recommend;
pub mod rights;
pub mod rules;
pub mod semantic;
pub mod sequence;
pub mod sidecar;
pub mod subtitle;
pub mod timecode;
pub mod timeline;
pub mod trending;

pub use checksum::{Blake3Hex, Checksums, Md5Hex, Sha256Hex};
pub use collection::CollectionPath;
pub use error::{CoreError, ErrorKind};
pub use finding::{Finding, Severity};
pub use format::FileFormat;
pub use id::AssetId;
pub use media::{ImageInfo, MediaDescription, SequenceInfo, StreamDescription, StreamKind};
pub use rational::Rational;
