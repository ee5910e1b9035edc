//! Text in the picture: captions, lower thirds and slates read by Tesseract on pictures sampled
//! every few seconds, each distinct line kept as an `ocr` segment over the time it is on screen
//! (replacing an earlier run's) and indexed, so a search for a name shown on screen finds the
//! moment.

use std::path::Path;
use std::time::{Duration, Instant};

use regie_core::timeline::{Mark, SegmentKind, SourceClock};
use regie_core::{AssetId, CollectionPath, MediaDescription};
use regie_db::NewSegment;
use regie_media::{ToolRunner, spans_of};
use serde::Serialize;

use crate::{AppError, Regie, Settings};

/// The job kind, the segment kind and the segments' origin.
pub(crate) const OCR: &str = "ocr";
/// At most this many segments per file: a long programme's text, not a frame-by-frame dump.
const MAX_SPANS: usize = 20_000;
/// A line longer than this is cut (Tesseract reading a page of credits as one line).
const MAX_LINE_CHARS: usize = 500;

/// What a reading found.
#[derive(Debug, Clone, Serialize)]
pub struct OcrReport {
    pub asset_id: String,
    /// Pictures read (after dropping those that did not change).
    pub samples: usize,
    /// Lines of text kept as segments.
    pub lines: usize,
    pub every_s: f64,
    pub elapsed_s: f64,
}

/// Whether a file has pictures to read text from.
pub(crate) fn has_pictures(media: &MediaDescription) -> bool {
    media.main_video().is_some()
}

/// Whether new media in `collection` is read for on-screen text at ingest.
pub(crate) fn ocr_at_ingest(settings: &Settings, collection: &CollectionPath) -> bool {
    let lineage = collection.lineage();
    settings.intelligence.ocr_collections.iter().any(|configured| lineage.contains(configured))
}

/// The reading job of an asset, queued once.
pub(crate) fn ocr_job(settings: &Settings, asset_id: AssetId) -> regie_db::NewJob {
    regie_db::NewJob {
        kind: OCR.to_owned(),
        asset_id: Some(asset_id),
        payload: serde_json::json!({"every_s": settings.intelligence.ocr_every_s}),
        idempotency_key: Some(format!("{OCR}:{asset_id}")),
        priority: 3,
        max_attempts: settings.jobs.max_attempts,
    }
}

impl Regie {
    /// Reads the text in the pictures of `source` (the asset's original) and records it.
    pub(crate) async fn read_on_screen_text(
        &self,
        asset_id: AssetId,
        source: &Path,
        media: &MediaDescription,
        work_dir: &Path,
        every_s: f64,
    ) -> Result<OcrReport, AppError> {
        let started = Instant::now();
        let duration = media.duration_s.unwrap_or(0.0);
        let sampler = ToolRunner::new(1, Duration::from_secs_f64((duration * 4.0).max(600.0)));
        let samples = sampler.sample_pictures(source, work_dir, every_s).await?;
        let reader = ToolRunner::new(1, Duration::from_secs(120));
        let mut readings = Vec::with_capacity(samples.len());
        for sample in &samples {
            let lines = reader.read_text(&sample.path).await?;
            let _ = std::fs::remove_file(&sample.path);
            readings.push((sample.seconds, lines));
        }
        let clock = SourceClock::of_media(Some(media), self.settings.timeline.sound_frame_rate);
        let kind = SegmentKind::parse(OCR)?;
        let mut segments = Vec::new();
        for span in spans_of(&readings, duration).into_iter().take(MAX_SPANS) {
            let start = clock.base.frame_at(span.start_s);
            let end = clock.base.frame_at(span.end_s).max(start + 1);
            let end = clock.frames.map_or(end, |frames| end.min(frames.max(start + 1)));
            let text: String = span.text.chars().take(MAX_LINE_CHARS).collect();
            segments.push(NewSegment {
                mark: Mark::new(kind.clone(), start, end, &text)?,
                author: Some("tesseract".to_owned()),
                origin: OCR.to_owned(),
                parent_id: None,
                keyframe: None,
            });
        }
        self.db.replace_measured_segments(asset_id, OCR, &[OCR], &segments).await?;
        self.follow_changes_quietly().await;
        Ok(OcrReport {
            asset_id: asset_id.to_string(),
            samples: samples.len(),
            lines: segments.len(),
            every_s,
            elapsed_s: started.elapsed().as_secs_f64(),
        })
    }

    /// Reads an asset's on-screen text now (what the `ocr` job does), sampling every `every_s`
    /// seconds (default: `[intelligence] ocr_every_s`).
    pub async fn find_text(&self, reference: &str, every_s: Option<f64>) -> Result<OcrReport, AppError> {
        let every_s = every_s.unwrap_or(self.settings.intelligence.ocr_every_s);
        if !(0.2..=3600.0).contains(&every_s) {
            return Err(AppError::Invalid("--every: between 0.2 and 3600 seconds".to_owned()));
        }
        let asset_id = self.db.resolve_asset(reference).await?;
        let record = self.db.get_asset(asset_id).await?;
        let (media, blob) = self
            .original_media(reference, &record, has_pictures, "has no pictures: text is read from video or stills")
            .await?;
        let work = self.scratch_folder("ocr-")?;
        self.read_on_screen_text(asset_id, blob.path(), &media, work.path(), every_s).await
    }
}
