//! The rows the catalogue takes in and gives back, in domain types.

use regie_core::house_id::HouseIdTemplate;
use regie_core::sidecar::DescriptiveMetadata;
use regie_core::{AssetId, Checksums, CollectionPath, FileFormat, Finding, MediaDescription};
use serde::{Deserialize, Serialize};

/// An asset to record, with its first file.
#[derive(Debug)]
pub struct NewAsset<'a> {
    pub id: AssetId,
    pub name: String,
    pub collection: CollectionPath,
    pub source_path: String,
    pub metadata: DescriptiveMetadata,
    pub tags: Vec<String>,
    pub findings: Vec<Finding>,
    pub file: NewFile,
    /// The frames of an image sequence, each a stored file of role `frame:NUMBER` (none for a
    /// single file). They are kept, checked and copied like any file of the asset.
    pub frames: Vec<NewFile>,
    pub verdicts: Vec<Verdict>,
    /// Work to queue with the asset (its proxy, poster...), in the same transaction.
    pub jobs: Vec<crate::NewJob>,
    /// The user who brought the asset in (none for the command line).
    pub owner_id: Option<String>,
    /// Subtitle sidecars read with the media.
    pub subtitles: Vec<regie_core::subtitle::SubtitleTrack>,
    /// Segments known at ingest (QC detections of the collection's policies).
    pub segments: Vec<crate::NewSegment>,
    pub house_id_template: &'a HouseIdTemplate,
    /// Ingest date, `YYYYMMDD`, for the house id.
    pub ingest_date: String,
}

/// A stored file of an asset.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewFile {
    pub role: String,
    pub checksums: Checksums,
    pub format: FileFormat,
    pub media: Option<MediaDescription>,
}

/// One asset as `assets show` presents it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssetRecord {
    pub id: AssetId,
    pub house_id: String,
    pub name: String,
    pub collection: String,
    pub source_path: String,
    pub created_at: String,
    /// The user who brought the asset in; none when it came through the command line.
    pub owner: Option<String>,
    /// The owner's user id (for permission filters; not shown).
    #[serde(skip)]
    pub owner_id: Option<String>,
    pub tags: Vec<String>,
    pub metadata: DescriptiveMetadata,
    pub findings: Vec<Finding>,
    pub files: Vec<FileRecord>,
    /// How the asset fared against the policies of its collection.
    pub verdicts: Vec<Verdict>,
    /// The outputs of transcoding profiles.
    pub renditions: Vec<crate::RenditionRecord>,
    /// Other paths where the same content was offered.
    pub duplicates: Vec<String>,
    /// Subtitle files read with the media.
    pub subtitles: Vec<SubtitleSummary>,
}

/// One subtitle file of an asset, as `assets show` lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubtitleSummary {
    pub source: String,
    pub language: Option<String>,
    pub cues: u64,
    /// `sidecar` (a file read with the media) or `speech` (made by the speech engine).
    pub origin: String,
    /// Whether a machine made it (a transcript), rather than a person.
    pub machine: bool,
    /// The engine that made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// How sure the engine was of the language it detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_probability: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRecord {
    pub role: String,
    pub size: u64,
    pub md5: String,
    pub blake3: String,
    pub sha256: Option<String>,
    /// The format identified from the bytes.
    pub format: String,
    pub media: Option<MediaDescription>,
}

/// The outcome of checking an asset against one policy; `report` is the whole report as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub policy: String,
    pub passed: bool,
    pub errors: u64,
    pub warnings: u64,
    #[serde(skip)]
    pub report: String,
}

/// One line of `assets list`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssetSummary {
    pub id: AssetId,
    pub house_id: String,
    pub name: String,
    pub collection: String,
    pub created_at: String,
    pub size: u64,
    pub format: String,
    pub finding_count: u64,
    /// The original's duration, when it has one.
    pub duration_s: Option<f64>,
    /// Policies of its collection the asset fails.
    pub failed_verdicts: u64,
}

/// One node of the collection tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CollectionRecord {
    pub path: String,
    pub name: String,
    pub parent: Option<String>,
    /// Assets filed directly in this collection.
    pub asset_count: u64,
}
