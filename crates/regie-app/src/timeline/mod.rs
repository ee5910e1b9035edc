//! Time-coded metadata of assets: segments (markers, chapters, shots, QC detections, subclips),
//! review comments and approvals, and their exchange with editing tools. Frames are counted on
//! the original from 0; timecodes are the source's own (its start timecode, drop-frame or not).

mod exchange;
mod qc;
mod review;
mod segments;
mod shots;
mod subclip;

use regie_core::timeline::{Segment, SegmentKind, SourceClock};
use regie_core::{AssetId, Rational};
use regie_db::{NewAuditEntry, SegmentRow};

pub use exchange::{ExchangeFormat, MAX_IMPORT_BYTES};
pub use regie_db::ApprovalRecord;
pub use review::{Review, ReviewComment};
pub use segments::{SegmentEdit, SegmentInput};
pub use shots::{SHOTS_RENDITION, ShotReport};
pub use subclip::{SubclipMethod, SubclipReport, SubclipRequest};

pub(crate) use qc::{DETECTION_KINDS, detection_segments};
pub(crate) use shots::{SHOTS, has_shots, shots_job};

use crate::{AppError, Regie};

/// Who does something, for the audit trail and the segment's author.
#[derive(Debug, Clone)]
pub struct Actor {
    /// A user's name, or `cli:LOGIN`.
    pub name: String,
    /// The client's address, over the API.
    pub address: Option<String>,
}

impl Actor {
    pub fn new(name: impl Into<String>, address: Option<String>) -> Self {
        Self { name: name.into(), address }
    }

    pub(crate) fn entry(&self, action: &str, asset_id: AssetId, detail: String) -> NewAuditEntry {
        NewAuditEntry {
            actor: self.name.clone(),
            action: action.to_owned(),
            asset_id: Some(asset_id.to_string()),
            address: self.address.clone(),
            outcome: "ok".to_owned(),
            detail,
        }
    }
}

/// The house frame rate for sound and stills when nothing else says: 25.
pub fn default_sound_rate() -> Rational {
    Rational::new(25, 1).expect("25 is a rate")
}

impl Regie {
    /// A work folder for a use case run outside a job (removed when dropped): beside the store's
    /// temporaries, so what is made there is renamed into the store on the same file system.
    pub(crate) fn scratch_folder(&self, prefix: &str) -> Result<tempfile::TempDir, AppError> {
        tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(self.settings.data_dir.join("store").join("tmp"))
            .or_else(|_| tempfile::tempdir())
            .map_err(|source| AppError::DataFolder { path: self.settings.data_dir.clone(), source })
    }

    /// Copies a file into the store's staging area with its checksums (dropped unless stored).
    async fn stage_file(&self, path: &std::path::Path) -> Result<regie_storage::StagedBlob, AppError> {
        let store = self.store.clone();
        let path = path.to_owned();
        let options = regie_storage::HashOptions { sha256: self.settings.sha256 };
        tokio::task::spawn_blocking(move || store.stage(&path, options, &|_| {}))
            .await
            .map_err(|error| AppError::Internal(error.to_string()))?
            .map_err(AppError::from)
    }

    /// Stores a file by content; its checksums.
    pub(crate) async fn store_file(&self, path: &std::path::Path) -> Result<regie_core::Checksums, AppError> {
        let staged = self.stage_file(path).await?;
        let checksums = staged.checksums.clone();
        self.store.store(staged).await?;
        Ok(checksums)
    }

    /// An asset's clock: its original's frame rate, start timecode and length.
    pub async fn clock_of(&self, asset_id: AssetId) -> Result<SourceClock, AppError> {
        Ok(self.clock_of_record(&self.db.get_asset(asset_id).await?))
    }

    /// The clock of an asset record already read.
    pub(crate) fn clock_of_record(&self, record: &regie_db::AssetRecord) -> SourceClock {
        let media = original_of(record).and_then(|file| file.media.as_ref());
        SourceClock::of_media(media, self.settings.timeline.sound_frame_rate)
    }

    /// The original's description and a local copy of its bytes, for work on the media itself;
    /// `unfit` says why a description without what the work needs (`fit`) is refused.
    pub(crate) async fn original_media(
        &self,
        reference: &str,
        record: &regie_db::AssetRecord,
        fit: impl Fn(&regie_core::MediaDescription) -> bool,
        unfit: &str,
    ) -> Result<(regie_core::MediaDescription, regie_storage::LocalBlob), AppError> {
        let original =
            original_of(record).ok_or_else(|| AppError::Invalid(format!("{reference} has no original file")))?;
        let media = original
            .media
            .clone()
            .filter(|media| fit(media))
            .ok_or_else(|| AppError::Invalid(format!("{reference} {unfit}")))?;
        let blob = self.store.local_copy(&regie_core::Blake3Hex::parse(&original.blake3)?).await?;
        Ok((media, blob))
    }
}

/// The asset's original file.
fn original_of(record: &regie_db::AssetRecord) -> Option<&regie_db::FileRecord> {
    record.files.iter().find(|file| file.role == "original")
}

/// A stored segment with its timecodes on `clock`.
pub(crate) fn segment_of(row: SegmentRow, clock: &SourceClock) -> Result<Segment, AppError> {
    let base = &clock.base;
    Ok(Segment {
        kind: SegmentKind::parse(&row.kind)?,
        start_tc: base.timecode_of(row.start_frame),
        end_tc: base.timecode_of(row.end_frame),
        start_s: base.seconds_of(row.start_frame),
        end_s: base.seconds_of(row.end_frame),
        id: row.id,
        asset_id: row.asset_id,
        start_frame: row.start_frame,
        end_frame: row.end_frame,
        text: row.text,
        author: row.author,
        origin: row.origin,
        created_at: row.created_at,
        updated_at: row.updated_at,
        parent_id: row.parent_id,
        resolved_at: row.resolved_at,
        resolved_by: row.resolved_by,
        keyframe: row.keyframe,
    })
}
