//! regie's use cases: ingest, catalogue queries, name checks and garbage collection, over the
//! catalogue database, the blob store and the media prober. Front ends (the CLI now, HTTP next)
//! call these and only render what they return.

mod access;
mod accounts;
mod audit;
mod audit_checkpoint;
mod catalogue;
mod check;
mod content_keys;
pub mod delivery;
mod doctor;
mod error;
mod gc;
mod import;
pub mod ingest;
pub mod intelligence;
pub mod jobs;
pub mod keeping;
mod ladder;
mod moving;
mod named_toml;
mod names;
mod normalize;
mod output_file;
mod probe;
mod profiles;
mod read_cache;
mod redact;
mod regie;
mod s3_access;
mod search;
mod settings;
pub mod sidecar;
pub mod timeline;
mod uploads;
mod walk;
mod watch;
pub mod watermark;
pub mod workflow;

pub use accounts::{Caller, CreatedToken, OpenedSession, constant_time_eq};
pub use audit::{AuditVerification, audit_time};
pub use audit_checkpoint::{CheckedCheckpoint, CheckpointReport, CheckpointVerification};
pub use catalogue::StoredBlob;
pub use check::{BUILT_IN_POLICIES, CheckReport, check_file, load_policy};
pub use doctor::{DoctorCheck, DoctorReport, doctor};
pub use error::AppError;
pub use gc::GcReport;
pub use ladder::{LadderComparison, LadderFigures, RungFigures};
pub use moving::{MoveObserver, MoveReport, MoveTarget};
pub use named_toml::Lookup;
pub use names::{NameCheck, check_names};
pub use normalize::{NormalizeReport, normalize_file};
pub use output_file::write_new_file;
pub use probe::{ProberChoice, ensure_file as ensure_regular_file, probe_file, probe_file_with};
pub use profiles::{BUILT_IN_PROFILES, LoadedProfile, ProfileSummary, load_profile};
pub use regie::Regie;
pub use regie_db::SchemaState;
pub use regie_search::{
    DEFAULT_FACETS, FacetCount, FieldRule, Hit, IndexRules, Matched, SearchResults, SortOrder, ThesaurusEntry,
};
pub use regie_storage::{BlobStream, LocalBlob, is_disk_full};
pub use search::{ImportReport, ReindexReport, SearchOptions};
pub use settings::{
    AuditSettings, DEFAULT_SEMANTIC_THRESHOLD, FixitySchedule, IntelligenceSettings, JobSettings, KeepingSettings,
    Settings, TimelineSettings,
};
pub use uploads::{Completion, NewUpload, UploadInfo, UploadLimits};
pub use watch::{AfterIngest, WatchFolder, WatchObserver, WatchOutcome};

pub use regie_core::access::{Access, Permission};
pub use regie_core::audit::AuditEntry;
pub use regie_core::media::MediaDescription;
pub use regie_db::{AssetRecord, AssetSummary, CollectionRecord, Enqueued, JobRecord, JobState};
pub use regie_db::{AuditFilter, GrantRecord, GroupRecord, NewAuditEntry, TokenRecord, UserRecord};
pub use regie_db::{Backend, redact_url};
