//! Shots of a video: one decode finds hard cuts, dissolves and fades (`regie-media`'s detector);
//! each shot becomes a `shot` segment (replacing what an earlier run found) whose keyframe, the
//! sampled frame nearest its middle, is stored as a JPEG and kept with the asset's `shots`
//! rendition.

use std::path::Path;
use std::time::Duration;

use regie_core::timeline::{Mark, SegmentKind};
use regie_core::{AssetId, MediaDescription};
use regie_db::{JobOutputs, NewRendition, NewSegment, RenditionFile};
use regie_media::{ShotSettings, ShotTransition, ToolRunner};
use serde::Serialize;

use crate::{AppError, Regie};

/// The job kind.
pub(crate) const SHOTS: &str = "shots";
/// The rendition that holds the keyframes.
pub const SHOTS_RENDITION: &str = "shots";

/// What a run found.
#[derive(Debug, Clone, Serialize)]
pub struct ShotReport {
    pub asset_id: String,
    pub frames: usize,
    pub shots: usize,
    pub cuts: usize,
    pub gradual: usize,
    /// Every boundary: `{"kind": "cut", "frame"}` or `{"kind": "gradual", "start", "end"}`.
    pub transitions: Vec<ShotTransition>,
    pub elapsed_s: f64,
}

/// The shots job of a new video, queued with it (after its previews).
pub(crate) fn shots_job(settings: &crate::Settings, asset_id: AssetId) -> regie_db::NewJob {
    regie_db::NewJob {
        kind: SHOTS.to_owned(),
        asset_id: Some(asset_id),
        payload: serde_json::json!({}),
        idempotency_key: Some(format!("{SHOTS}:{asset_id}")),
        priority: 5,
        max_attempts: settings.jobs.max_attempts,
    }
}

/// Whether a file is moving pictures worth cutting into shots.
pub(crate) fn has_shots(media: &MediaDescription) -> bool {
    media.image.is_none() && media.main_video().is_some() && media.duration_s.is_some_and(|seconds| seconds > 0.0)
}

impl Regie {
    /// Finds the shots of `source` (the asset's original), records them as segments and their
    /// keyframes; the rendition to record with them is returned for the caller to commit.
    pub(crate) async fn find_shots(
        &self,
        asset_id: AssetId,
        source: &Path,
        media: &MediaDescription,
        work_dir: &Path,
    ) -> Result<(ShotReport, JobOutputs), AppError> {
        let started = std::time::Instant::now();
        let duration = media.duration_s.unwrap_or(0.0);
        // A decode of the whole file: bounded by ten times its length, at least ten minutes.
        let runner = ToolRunner::new(1, Duration::from_secs_f64((duration * 10.0).max(600.0)));
        let analysis = runner.detect_shots(source, work_dir, &ShotSettings::default()).await?;
        let mut segments = Vec::new();
        let mut files = Vec::new();
        for (index, (start, end)) in analysis.shots().into_iter().enumerate() {
            let entry = analysis.transitions.iter().find(|transition| transition.boundary() == start);
            let how = match entry {
                None => "first shot".to_owned(),
                Some(ShotTransition::Cut { .. }) => "after a cut".to_owned(),
                Some(ShotTransition::Gradual { start, end }) => {
                    format!("after a {}-frame dissolve or fade", end - start)
                }
            };
            let mut keyframe = None;
            if let Some(sample) = analysis.keyframe_of(start, end) {
                let name = format!("shot-{:05}.jpg", index + 1);
                let checksums = self.store_file(sample).await?;
                keyframe = Some(checksums.blake3.to_string());
                files.push(RenditionFile {
                    path: name,
                    blake3: checksums.blake3.to_string(),
                    md5: checksums.md5.to_string(),
                    size: checksums.size,
                    media: None,
                });
            }
            let end = end.max(start + 1) as u64;
            let mark =
                Mark::new(SegmentKind::parse("shot")?, start as u64, end, &format!("shot {} ({how})", index + 1))?;
            segments.push(NewSegment {
                mark,
                author: Some("shots".to_owned()),
                origin: "shots".to_owned(),
                parent_id: None,
                keyframe,
            });
        }
        self.db.replace_measured_segments(asset_id, "shots", &["shot"], &segments).await?;
        self.follow_changes_quietly().await;
        let rendition = (!files.is_empty()).then(|| NewRendition {
            profile: SHOTS_RENDITION.to_owned(),
            main_file: files[0].path.clone(),
            files,
            quality: Vec::new(),
            encode_s: None,
        });
        let cuts =
            analysis.transitions.iter().filter(|transition| matches!(transition, ShotTransition::Cut { .. })).count();
        let report = ShotReport {
            asset_id: asset_id.to_string(),
            frames: analysis.frames,
            shots: segments.len(),
            cuts,
            gradual: analysis.transitions.len() - cuts,
            transitions: analysis.transitions,
            elapsed_s: started.elapsed().as_secs_f64(),
        };
        Ok((report, JobOutputs { asset_id: Some(asset_id), files: Vec::new(), rendition }))
    }

    /// Finds an asset's shots now (what the `shots` job does), recording segments and keyframes.
    pub async fn detect_shots(&self, reference: &str) -> Result<ShotReport, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let record = self.db.get_asset(asset_id).await?;
        let (media, blob) = self
            .original_media(reference, &record, has_shots, "is not a video: shots are found in moving pictures")
            .await?;
        let work = self.scratch_folder("shots-")?;
        let (report, outputs) = self.find_shots(asset_id, blob.path(), &media, work.path()).await?;
        if outputs.rendition.is_some() {
            self.db.record_rendition(&outputs).await?;
        }
        Ok(report)
    }
}
