//! Loudness normalisation in two passes: measure, then correct the audio to the policy's target
//! (a gain, and a limiter when the gain would pass the true-peak ceiling), then measure the result
//! again and check it against the same policy. The input is never written; the output appears
//! whole or not at all (temporary file beside it, fsync, rename).

use std::path::Path;

use regie_core::StreamKind;
use regie_core::policy::Policy;
use regie_media::{GainPlan, Loudness, Prober, ToolRunner, encoder_for};
use serde::Serialize;

use crate::check::{CheckReport, check_described};
use crate::probe::ensure_file;
use crate::regie::MEASURE_TIMEOUT_FACTOR;
use crate::{AppError, Settings};

/// Headroom kept below the true-peak ceiling when limiting: the limiter works on sample peaks.
const LIMITER_MARGIN_DB: f64 = 0.5;

#[derive(Debug, Clone, Serialize)]
pub struct NormalizeReport {
    pub input: String,
    pub output: String,
    pub target_lufs: f64,
    pub true_peak_ceiling_dbtp: Option<f64>,
    pub before: Loudness,
    pub gain_db: f64,
    pub limited: bool,
    /// The output measured again and checked against the policy.
    pub after: CheckReport,
}

pub async fn normalize_file(
    settings: &Settings,
    input: &Path,
    output: &Path,
    policy: &Policy,
) -> Result<NormalizeReport, AppError> {
    ensure_file(input)?;
    if output.exists() {
        return Err(AppError::OutputExists { path: output.to_owned() });
    }
    let (target_lufs, ceiling) = policy.loudness_target().ok_or_else(|| AppError::InvalidPolicy {
        origin: policy.name.clone(),
        reason: "it has no `loudness.integrated in X ± T` rule to aim at".to_owned(),
    })?;
    let runner = ToolRunner::new(2, settings.probe_timeout * MEASURE_TIMEOUT_FACTOR);
    let media = Prober::new(runner.clone()).describe(input, None).await?;
    let audio = media.streams_of(StreamKind::Audio).next().ok_or_else(|| AppError::InvalidPolicy {
        origin: policy.name.clone(),
        reason: format!("{} has no audio to normalise", input.display()),
    })?;
    let before = runner.measure_loudness(input, audio.channels.unwrap_or(2)).await?;
    let measured = before
        .integrated
        .ok_or_else(|| AppError::Internal("the programme is silent: no loudness to correct".to_owned()))?;
    let gain_db = target_lufs - measured;
    let predicted_peak = before.true_peak.map(|peak| peak + gain_db);
    let limit_dbfs = match (ceiling, predicted_peak) {
        (Some(ceiling), Some(peak)) if peak > ceiling - 0.1 => Some(ceiling - LIMITER_MARGIN_DB),
        _ => None,
    };
    let encoder = encoder_for(audio.codec.as_deref().unwrap_or("pcm_s24le")).to_owned();
    let plan = GainPlan { gain_db, limit_dbfs, audio_encoder: encoder, muxer: None };

    let folder = output.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let extension = output.extension().map(|extension| format!(".{}", extension.to_string_lossy())).unwrap_or_default();
    let temporary = tempfile::Builder::new()
        .prefix(".regie-normalize-")
        .suffix(&extension)
        .tempfile_in(folder)
        .map_err(|source| AppError::DataFolder { path: folder.to_owned(), source })?;
    runner.apply_gain(input, temporary.path(), &plan).await?;
    let output_media = Prober::new(runner.clone()).describe(temporary.path(), None).await?;
    let after = check_described(&runner, temporary.path(), output, output_media, policy).await?;
    temporary
        .as_file()
        .sync_all()
        .map_err(|source| AppError::DataFolder { path: temporary.path().to_owned(), source })?;
    temporary.persist_noclobber(output).map_err(|error| match error.error.kind() {
        std::io::ErrorKind::AlreadyExists => AppError::OutputExists { path: output.to_owned() },
        _ => AppError::DataFolder { path: output.to_owned(), source: error.error },
    })?;
    Ok(NormalizeReport {
        input: input.display().to_string(),
        output: output.display().to_string(),
        target_lufs,
        true_peak_ceiling_dbtp: ceiling,
        before,
        gain_db,
        limited: limit_dbfs.is_some(),
        after,
    })
}
