//! An image sequence as ffmpeg's input: the asset's manifest (its original) lists every frame's
//! content address; each frame is linked into the job's work folder under a gapless number, a
//! missing or damaged frame replaced by the one before it, so that a proxy keeps the sequence's
//! timing. The input is then read by FFmpeg's image reader at the sequence's frame rate.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use regie_core::{Blake3Hex, MediaDescription, SequenceInfo};
use regie_storage::LocalBlob;
use serde::Deserialize;

use super::failure::JobFailure;
use super::worker::JobContext;
use crate::AppError;

#[derive(Deserialize)]
struct ManifestFrame {
    number: u64,
    blake3: String,
    #[serde(default)]
    damaged: bool,
}

#[derive(Deserialize)]
struct Manifest {
    frames: Vec<ManifestFrame>,
}

/// The frames linked for ffmpeg, kept alive while it reads them (a frame fetched from a bucket is
/// a temporary file).
pub(super) struct SequenceInput {
    pub pattern: PathBuf,
    _frames: Vec<LocalBlob>,
}

impl JobContext {
    pub(super) async fn sequence_input(
        &self,
        manifest: &Path,
        sequence: &SequenceInfo,
        extension: &str,
    ) -> Result<SequenceInput, JobFailure> {
        let bytes = tokio::fs::read(manifest)
            .await
            .map_err(|source| JobFailure::from(AppError::DataFolder { path: manifest.to_owned(), source }))?;
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|error| JobFailure::permanent(format!("the sequence's manifest does not read: {error}")))?;
        let folder = self.work_dir.join("frames");
        tokio::fs::create_dir_all(&folder)
            .await
            .map_err(|source| JobFailure::from(AppError::DataFolder { path: folder.clone(), source }))?;
        let mut usable = std::collections::BTreeMap::new();
        let mut kept = Vec::new();
        for frame in manifest.frames.iter().filter(|frame| !frame.damaged) {
            let blake3 = Blake3Hex::parse(&frame.blake3).map_err(|error| JobFailure::permanent(error.to_string()))?;
            let blob = self.regie.store.local_copy(&blake3).await.map_err(AppError::from)?;
            usable.insert(frame.number, blob.path().to_owned());
            kept.push(blob);
        }
        let Some(first_usable) = usable.values().next().cloned() else {
            return Err(JobFailure::permanent("no frame of the sequence can be read"));
        };
        let mut held = first_usable;
        for (index, number) in (sequence.first_frame..=sequence.last_frame).enumerate() {
            if let Some(path) = usable.get(&number) {
                held = path.clone();
            }
            let link = folder.join(format!("{index:08}.{extension}"));
            tokio::fs::symlink(&held, &link)
                .await
                .map_err(|source| JobFailure::from(AppError::DataFolder { path: link.clone(), source }))?;
        }
        Ok(SequenceInput { pattern: folder.join(format!("%08d.{extension}")), _frames: kept })
    }
}

/// Puts FFmpeg's image-sequence reader and the frame rate before the input of `arguments`.
pub(super) fn read_as_sequence(mut arguments: Vec<OsString>, media: &MediaDescription) -> Vec<OsString> {
    let rate =
        media.main_video().and_then(|video| video.frame_rate).map_or_else(|| "24".to_owned(), |rate| rate.to_string());
    if let Some(input) = arguments.iter().position(|argument| argument == "-i") {
        let options = ["-f", "image2", "-framerate", rate.as_str(), "-start_number", "0"].map(OsString::from);
        arguments.splice(input..input, options);
    }
    arguments
}
