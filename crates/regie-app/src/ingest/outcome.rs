//! What ingest reports per input file: the `--json` line contract
//! `{"path", "status": "ingested"|"duplicate"|"failed", "asset_id", "error"}` and a few extra keys.

use std::path::Path;

use regie_core::{AssetId, Finding};
use serde::Serialize;

use crate::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IngestStatus {
    Ingested,
    Duplicate,
    /// Already catalogued where the uploader may not read it: kept out of sight of both sides.
    Held,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    pub path: String,
    pub status: IngestStatus,
    pub asset_id: Option<AssetId>,
    pub error: Option<String>,
    /// The stable error code when the file failed.
    pub code: Option<String>,
    pub house_id: Option<String>,
    pub size: u64,
    /// Findings recorded on the new asset.
    pub findings: Vec<Finding>,
}

impl FileOutcome {
    pub(crate) fn ingested(
        path: &Path,
        asset_id: AssetId,
        house_id: String,
        size: u64,
        findings: Vec<Finding>,
    ) -> Self {
        Self {
            path: path.display().to_string(),
            status: IngestStatus::Ingested,
            asset_id: Some(asset_id),
            error: None,
            code: None,
            house_id: Some(house_id),
            size,
            findings,
        }
    }

    pub(crate) fn duplicate(path: &Path, asset_id: AssetId, size: u64) -> Self {
        Self {
            path: path.display().to_string(),
            status: IngestStatus::Duplicate,
            asset_id: Some(asset_id),
            error: None,
            code: None,
            house_id: None,
            size,
            findings: Vec::new(),
        }
    }

    pub(crate) fn held(path: &Path, size: u64) -> Self {
        Self {
            path: path.display().to_string(),
            status: IngestStatus::Held,
            asset_id: None,
            error: None,
            code: None,
            house_id: None,
            size,
            findings: Vec::new(),
        }
    }

    pub(crate) fn failed(path: &Path, code: &str, message: String) -> Self {
        Self {
            path: path.display().to_string(),
            status: IngestStatus::Failed,
            asset_id: None,
            error: Some(message),
            code: Some(code.to_owned()),
            house_id: None,
            size: 0,
            findings: Vec::new(),
        }
    }

    pub(crate) fn from_error(path: &Path, error: &AppError) -> Self {
        Self::failed(path, error.code(), error.to_string())
    }
}

/// Totals of one ingest run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub ingested: u64,
    pub duplicates: u64,
    pub failed: u64,
    pub bytes: u64,
}

impl IngestSummary {
    pub(crate) fn count(&mut self, outcome: &FileOutcome) {
        match outcome.status {
            IngestStatus::Ingested => {
                self.ingested += 1;
                self.bytes += outcome.size;
            }
            IngestStatus::Duplicate | IngestStatus::Held => self.duplicates += 1,
            IngestStatus::Failed => self.failed += 1,
        }
    }
}

/// Receives ingest progress; the CLI draws a progress bar and prints lines from it.
pub trait IngestObserver: Send + Sync {
    /// Called once the inputs are walked.
    fn planned(&self, files: u64, bytes: u64);
    /// Called as bytes are copied, many times per file.
    fn bytes_copied(&self, bytes: u64);
    /// Called when a file is done, whatever the outcome.
    fn file_done(&self, outcome: &FileOutcome);
    /// Called for paths deliberately not followed.
    fn skipped(&self, path: &Path, reason: &str);
}
