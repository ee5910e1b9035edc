//! Speech to text: the first audio stream of an asset's original, transcribed by the speech
//! engine into timed subtitles, stored as the asset's `transcript` track (machine-made, with its
//! language and how sure the engine was of it) and indexed like any subtitle file.

use std::path::Path;
use std::time::{Duration, Instant};

use regie_core::{AssetId, CollectionPath, MediaDescription};
use regie_db::NewTranscript;
use regie_media::{SpeechLanguage, SpeechRequest, ToolRunner};
use serde::Serialize;

use crate::timeline::Actor;
use crate::{AppError, Regie, Settings};

/// The job kind.
pub(crate) const TRANSCRIBE: &str = "transcribe";
/// The engine and model recorded with each transcript.
pub const SPEECH_ENGINE_NAME: &str = "faster-whisper base";

/// What a transcription made.
#[derive(Debug, Clone, Serialize)]
pub struct TranscriptReport {
    pub asset_id: String,
    /// The track's source name (`transcript`).
    pub source: String,
    pub language: String,
    pub language_probability: f64,
    /// Whether the language was detected rather than asked for.
    pub language_detected: bool,
    pub cues: usize,
    pub words: usize,
    pub duration_s: f64,
    pub elapsed_s: f64,
    /// Seconds of audio per second of work.
    pub speed: f64,
    pub engine: String,
}

/// Whether a file has sound to transcribe.
pub(crate) fn has_speech(media: &MediaDescription) -> bool {
    media.audio_channel_count() > 0 && media.duration_s.is_some_and(|seconds| seconds > 0.0)
}

/// Whether new media in `collection` is transcribed at ingest.
pub(crate) fn transcribe_at_ingest(settings: &Settings, collection: &CollectionPath) -> bool {
    let lineage = collection.lineage();
    settings.intelligence.transcribe_collections.iter().any(|configured| lineage.contains(configured))
}

/// The transcription job of a new asset, in the configured language.
pub(crate) fn transcribe_job(settings: &Settings, asset_id: AssetId) -> regie_db::NewJob {
    job_in(settings, asset_id, settings.intelligence.speech_language)
}

/// The transcription job of an asset in `language`: queued once per asset and language (the
/// existing job is returned; `jobs retry` runs a failed one again).
fn job_in(settings: &Settings, asset_id: AssetId, language: SpeechLanguage) -> regie_db::NewJob {
    regie_db::NewJob {
        kind: TRANSCRIBE.to_owned(),
        asset_id: Some(asset_id),
        payload: serde_json::json!({"language": language.code()}),
        idempotency_key: Some(format!("{TRANSCRIBE}:{asset_id}:{}", language.code())),
        priority: 4,
        max_attempts: settings.jobs.max_attempts,
    }
}

impl Regie {
    /// Transcribes `source` (the asset's original) and records the transcript.
    pub(crate) async fn make_transcript(
        &self,
        asset_id: AssetId,
        source: &Path,
        media: &MediaDescription,
        work_dir: &Path,
        language: SpeechLanguage,
    ) -> Result<TranscriptReport, AppError> {
        let started = Instant::now();
        let duration = media.duration_s.unwrap_or(0.0);
        // Bounded by five times the programme's length, at least ten minutes.
        let runner = ToolRunner::new(1, Duration::from_secs_f64((duration * 5.0).max(600.0)));
        let intelligence = &self.settings.intelligence;
        let request =
            SpeechRequest { engine: &intelligence.speech_engine, language, threads: intelligence.speech_threads };
        let transcript = runner.transcribe(source, work_dir, &request).await?;
        let words = transcript.cues.iter().map(|cue| cue.text.split_whitespace().count()).sum();
        let report = TranscriptReport {
            asset_id: asset_id.to_string(),
            source: regie_db::TRANSCRIPT_SOURCE.to_owned(),
            language: transcript.language.clone(),
            language_probability: transcript.probability,
            language_detected: transcript.detected,
            cues: transcript.cues.len(),
            words,
            duration_s: transcript.duration_s,
            elapsed_s: started.elapsed().as_secs_f64(),
            speed: transcript.duration_s / started.elapsed().as_secs_f64().max(1e-3),
            engine: SPEECH_ENGINE_NAME.to_owned(),
        };
        let record = NewTranscript {
            language: transcript.language,
            language_probability: transcript.probability,
            engine: SPEECH_ENGINE_NAME.to_owned(),
            cues: transcript.cues,
        };
        self.db.record_transcript(asset_id, &record).await?;
        self.follow_changes_quietly().await;
        Ok(report)
    }

    /// Queues the transcription of an asset (the API's way: workers run it); audited.
    pub async fn queue_transcription(
        &self,
        asset_id: AssetId,
        language: Option<SpeechLanguage>,
        actor: &Actor,
    ) -> Result<regie_db::Enqueued, AppError> {
        let record = self.db.get_asset(asset_id).await?;
        let media = record.files.iter().find(|file| file.role == "original").and_then(|file| file.media.as_ref());
        if !media.is_some_and(has_speech) {
            return Err(AppError::Invalid(format!("asset {asset_id} has no sound: speech is transcribed from audio")));
        }
        let language = language.unwrap_or(self.settings.intelligence.speech_language);
        let enqueued = self.db.enqueue_job(&job_in(&self.settings, asset_id, language)).await?;
        self.audit(actor.entry("transcript.queue", asset_id, format!("language {}", language.code()))).await?;
        Ok(enqueued)
    }

    /// Transcribes an asset now (what the `transcribe` job does), in `language` or the
    /// configured default; audited.
    pub async fn transcribe(
        &self,
        reference: &str,
        language: Option<SpeechLanguage>,
        actor: &Actor,
    ) -> Result<TranscriptReport, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let record = self.db.get_asset(asset_id).await?;
        let (media, blob) = self
            .original_media(reference, &record, has_speech, "has no sound: speech is transcribed from audio")
            .await?;
        let work = self.scratch_folder("speech-")?;
        let language = language.unwrap_or(self.settings.intelligence.speech_language);
        let report = self.make_transcript(asset_id, blob.path(), &media, work.path(), language).await?;
        let detail = format!(
            "{} cues in {} ({:.0} % sure), {}",
            report.cues,
            report.language,
            report.language_probability * 100.0,
            SPEECH_ENGINE_NAME
        );
        self.audit(actor.entry("transcript.make", asset_id, detail)).await?;
        Ok(report)
    }
}
