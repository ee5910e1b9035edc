//! The catalogue database: schema, versioned migrations and one module per aggregate.
//! SQLite (WAL) is the embedded default; the SQL is kept portable (`$n` binds, TEXT ids and
//! timestamps) so PostgreSQL arrives as a second backend beside it, not as a rewrite.

mod accounts;
mod asset_batch;
mod assets;
mod audit;
mod changes;
mod collections;
mod connection;
mod content_keys;
mod delivery;
mod error;
mod fingerprints;
mod grants;
mod imports;
mod index_sources;
mod jobs;
mod keeping;
mod lifecycle;
mod moving;
mod outputs;
mod passages;
mod records;
mod screener_marks;
mod sessions;
mod sql;
mod timeline;
mod transcripts;
mod viewing;

pub use assets::ExistingContent;
pub use audit::{AuditFilter, NewAuditEntry};
pub use changes::AssetChange;
pub use grants::{GrantRecord, GroupRecord, Principal};
pub use imports::{ImportBatch, ImportOutcome, ImportedRecord};
pub use index_sources::{IndexSource, IndexedSegment};

pub use accounts::{LOGIN_LABEL, NewToken, TokenRecord, UserCredentials, UserRecord};
pub use connection::{Database, SchemaState, redact_url};
pub use content_keys::ContentKeyRow;
pub use delivery::{ContractRow, DeliveryRecord, DestinationRow, NewDelivery, ReceiptFile};
pub use error::DbError;
pub use jobs::{ClaimedJob, Enqueued, FailureOutcome, Heartbeat, JobLogLine, JobRecord, JobState, NewJob};
pub use keeping::{AssetBlob, CopyFilter, CopyOfAsset, CopyRow, CopyTotals, LocationRow};
pub use lifecycle::{HoldRecord, RetentionCandidate, TrashedAsset};
pub use moving::TABLES_IN_ORDER;
pub use outputs::{JobOutputs, NewRendition, Protection, RenditionFile, RenditionRecord};
pub use passages::PassageRecord;
pub use records::{
    AssetRecord, AssetSummary, CollectionRecord, FileRecord, NewAsset, NewFile, SubtitleSummary, Verdict,
};
pub use screener_marks::ScreenerMark;
pub use sql::Backend;
pub use timeline::{ApprovalRecord, NewSegment, SegmentChange, SegmentRow};
pub use transcripts::{NewTranscript, StoredTrack, TRANSCRIPT_SOURCE};
pub use viewing::{Interest, TrendRow, ViewingKind, trend_seconds};
