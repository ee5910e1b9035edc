//! What jobs share: running ffmpeg with progress and a log, storing outputs in the blob store,
//! probing them.

use std::ffi::OsString;
use std::path::Path;

use regie_core::{Checksums, FileFormat, MediaDescription};
use regie_db::AssetRecord;
use regie_media::{FfmpegReport, FfmpegRun, RunProgress};
use regie_storage::{HashOptions, LocalBlob};

use super::failure::JobFailure;
use super::worker::JobContext;
use crate::AppError;

/// A transcode may take this many times the programme's duration, and never less than the floor.
const TIMEOUT_FACTOR: f64 = 20.0;
const TIMEOUT_FLOOR_S: f64 = 600.0;

impl JobContext {
    /// The asset the job is about and its original file in the store, with its description.
    pub(crate) async fn source(&self) -> Result<(AssetRecord, LocalBlob, MediaDescription), JobFailure> {
        let asset_id = self.job.asset_id.ok_or_else(|| JobFailure::permanent("the job names no asset"))?;
        let asset = self.regie.queue.asset(&self.job.id, &self.worker, asset_id).await?;
        let original = asset
            .files
            .iter()
            .find(|file| file.role == "original")
            .ok_or_else(|| JobFailure::permanent(format!("asset {asset_id} has no original file")))?;
        let blake3 =
            regie_core::Blake3Hex::parse(&original.blake3).map_err(|error| JobFailure::permanent(error.to_string()))?;
        let path = self.regie.store.local_copy(&blake3).await.map_err(AppError::from)?;
        let media = original
            .media
            .clone()
            .ok_or_else(|| JobFailure::permanent(format!("asset {asset_id} has no technical description")))?;
        Ok((asset, path, media))
    }

    pub(crate) async fn log(&self, level: &str, message: &str) {
        if let Err(error) = self.regie.queue.log(&self.job.id, &self.worker, level, message).await {
            tracing::warn!(job = %self.job.id, %error, "cannot write the job log");
        }
    }

    /// Runs ffmpeg on `arguments`, reporting progress scaled into `span` (percent of the job),
    /// and keeps the command line and ffmpeg's warnings in the job log.
    pub(crate) async fn ffmpeg(
        &self,
        step: &str,
        arguments: Vec<OsString>,
        duration_s: f64,
        span: (f64, f64),
    ) -> Result<FfmpegReport, JobFailure> {
        self.log("info", &format!("{step}: {}", command_line(&arguments))).await;
        let progress = std::sync::Arc::clone(&self.progress);
        let (from, to) = span;
        let scaled = move |step: RunProgress| {
            progress(RunProgress { percent: from + (to - from) * step.percent / 100.0, ..step });
        };
        let timeout = std::time::Duration::from_secs_f64((duration_s * TIMEOUT_FACTOR).max(TIMEOUT_FLOOR_S));
        let source = self.work_dir.clone();
        let run = FfmpegRun {
            arguments,
            duration_s,
            timeout,
            subject: &source,
            on_progress: &scaled,
            cancel: self.cancel.clone(),
        };
        match self.runner.run_ffmpeg(run).await {
            Ok(report) => {
                let warnings = report.stderr.trim();
                if !warnings.is_empty() {
                    self.log("warn", &format!("{step}: ffmpeg says: {warnings}")).await;
                }
                self.log("info", &format!("{step}: done in {:.1} s", report.elapsed.as_secs_f64())).await;
                Ok(report)
            }
            Err(error) => {
                let failure = JobFailure::from(error);
                if let JobFailure::Error { message, .. } = &failure {
                    self.log("error", &format!("{step}: {message}")).await;
                }
                Err(failure)
            }
        }
    }

    /// Copies a finished output into the store (checksummed in the same pass) and commits it.
    pub(crate) async fn store(&self, path: &Path) -> Result<(Checksums, FileFormat), JobFailure> {
        let store = self.regie.store.clone();
        let path = path.to_owned();
        let options = HashOptions { sha256: self.regie.settings.sha256 };
        let staged = tokio::task::spawn_blocking(move || store.stage(&path, options, &|_| {}))
            .await
            .map_err(|error| AppError::Internal(error.to_string()))?
            .map_err(AppError::from)?;
        let stored = (staged.checksums.clone(), FileFormat::sniff(&staged.head));
        self.regie.store.store(staged).await.map_err(AppError::from)?;
        Ok(stored)
    }

    /// Describes an output; a file ffprobe cannot read fails the job.
    pub(crate) async fn probe(&self, path: &Path) -> Result<MediaDescription, JobFailure> {
        self.regie.prober.describe(path, None).await.map_err(|error| {
            JobFailure::permanent(format!(
                "the output {} is not readable media: {error}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ))
        })
    }
}

/// The command as a person would type it, for the log (the process itself gets the vector).
fn command_line(arguments: &[OsString]) -> String {
    let mut line = String::from("ffmpeg");
    for argument in arguments {
        let text = argument.to_string_lossy();
        line.push(' ');
        if text.chars().all(|character| character.is_ascii_alphanumeric() || "-_.:/=+,".contains(character)) {
            line.push_str(&text);
        } else {
            line.push('\'');
            line.push_str(&text.replace('\'', r"'\''"));
            line.push('\'');
        }
    }
    line
}
