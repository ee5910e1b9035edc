//! Per-title bit rates (`regie transcode ID --profile P --per-title`): before the transcode,
//! each rung is encoded from a sample of the programme at several bit rates; every trial's real
//! bit rate and its SSIM against the source, at the rung's own size, make the rung's curve; the
//! fewest bits reaching the target on its convex hull are taken (`regie_core::profile::per_title`).
//! The job log shows every curve.

use std::ffi::OsString;
use std::path::Path;

use regie_core::MediaDescription;
use regie_core::profile::per_title::{RungChoice, TRIAL_FACTORS, TrialPoint, kbps_for, rungs_of, upper_hull};
use regie_core::profile::plan::OutputPlan;
use regie_core::profile::{Container, Profile, RungSpec};

use super::failure::JobFailure;
use super::worker::JobContext;

/// Seconds of programme each trial encodes.
const SAMPLE_SECONDS: f64 = 10.0;
/// The share of the job's progress the trials take.
const TRIALS_SPAN: (f64, f64) = (0.0, 40.0);

/// The profile with each rung's bit rate chosen for this source, and what was tried.
pub(super) async fn choose_bitrates(
    context: &JobContext,
    profile: &Profile,
    media: &MediaDescription,
    source: &Path,
    target_ssim: f64,
) -> Result<(Profile, Vec<RungChoice>), JobFailure> {
    if let Some(reason) = regie_core::profile::per_title::unsuitable(profile) {
        return Err(JobFailure::permanent(reason));
    }
    let rungs = rungs_of(profile);
    let duration = media.duration_s.unwrap_or(0.0);
    let length = if duration > 0.0 { SAMPLE_SECONDS.min(duration) } else { SAMPLE_SECONDS };
    // A stretch from the body of the programme, not its opening titles.
    let start = if duration > 2.5 * SAMPLE_SECONDS { (duration * 0.4).floor() } else { 0.0 };
    let folder = context.work_dir.join("per-title");
    tokio::fs::create_dir_all(&folder).await.map_err(|error| JobFailure::transient(error.to_string()))?;
    let trials_total = (rungs.len() * TRIAL_FACTORS.len()) as f64;
    let mut choices = Vec::with_capacity(rungs.len());
    for (rung_index, rung) in rungs.iter().enumerate() {
        let mut trials = Vec::with_capacity(TRIAL_FACTORS.len());
        for (factor_index, factor) in TRIAL_FACTORS.iter().enumerate() {
            let kbps = ((f64::from(rung.bitrate_kbps) * factor).round() as u32).max(50);
            let done = (rung_index * TRIAL_FACTORS.len() + factor_index) as f64;
            let span = TRIALS_SPAN.0 + (TRIALS_SPAN.1 - TRIALS_SPAN.0) * done / trials_total;
            let trial = trial_profile(profile, rung, kbps);
            let plan = OutputPlan::new(&trial, media).map_err(|error| JobFailure::permanent(error.to_string()))?;
            let arguments = sampled(regie_media::transcode_arguments(&plan, source, &folder), start, length);
            let step = format!("per-title trial {}p at {kbps} kbit/s", rung.height);
            context.ffmpeg(&step, arguments, length, (span, span)).await?;
            let encoded = folder.join(plan.container.main_file());
            let bytes =
                tokio::fs::metadata(&encoded).await.map_err(|error| JobFailure::transient(error.to_string()))?.len();
            let Some(video) = &plan.video else { continue };
            let Some(size) = video.rungs.first().map(|rung| (rung.width, rung.height)) else { continue };
            let arguments = regie_media::quality_arguments_from(&encoded, 0, source, start, video, size);
            let measured = context.ffmpeg(&format!("{step}: quality"), arguments, length, (span, span)).await?;
            let Some(quality) = regie_media::parse_quality(&measured.stderr) else {
                context.log("warn", &format!("{step}: quality not measured")).await;
                continue;
            };
            let real_kbps = (bytes as f64 * 8.0 / length / 1000.0).round() as u32;
            trials.push(TrialPoint { kbps: real_kbps.max(1), ssim: quality.ssim });
        }
        let hull = upper_hull(&trials);
        let Some((chosen_kbps, reached)) = kbps_for(&hull, target_ssim) else {
            return Err(JobFailure::permanent(format!(
                "no per-title trial of the {}p rung could be measured",
                rung.height
            )));
        };
        let curve: Vec<String> =
            trials.iter().map(|point| format!("{} kbit/s SSIM {:.4}", point.kbps, point.ssim)).collect();
        let verdict = if reached { "reaches" } else { "is not reached; the highest trial is taken for" };
        context
            .log(
                "info",
                &format!(
                    "per-title {}p: {}; SSIM {target_ssim} {verdict} {chosen_kbps} kbit/s (the profile says {})",
                    rung.height,
                    curve.join(", "),
                    rung.bitrate_kbps
                ),
            )
            .await;
        choices.push(RungChoice { height: rung.height, profile_kbps: rung.bitrate_kbps, trials, chosen_kbps, reached });
    }
    let _ = tokio::fs::remove_dir_all(&folder).await;
    Ok((regie_core::profile::per_title::with_chosen_bitrates(profile, &choices), choices))
}

/// One rung of the profile as a file of its own, video only, at `kbps`.
fn trial_profile(profile: &Profile, rung: &RungSpec, kbps: u32) -> Profile {
    let mut trial = profile.clone();
    trial.container = Container::Mp4;
    trial.audio = None;
    if let Some(video) = trial.video.as_mut() {
        let peak = rung
            .maxrate_kbps
            .map(|peak| (f64::from(peak) * f64::from(kbps) / f64::from(rung.bitrate_kbps.max(1))).round() as u32);
        video.rungs.clear();
        video.width = None;
        video.height = None;
        video.max_height = Some(rung.height);
        video.bitrate_kbps = Some(kbps);
        video.maxrate_kbps = peak;
        video.minrate_kbps = None;
        video.bufsize_kbits = peak.map(|peak| peak * 2);
        if let Some(codec_profile) = &rung.codec_profile {
            video.codec_profile = Some(codec_profile.clone());
        }
    }
    trial
}

/// The arguments reading `length` seconds of the source from `start` on.
fn sampled(mut arguments: Vec<OsString>, start: f64, length: f64) -> Vec<OsString> {
    let input = arguments.iter().position(|argument| argument == "-i").unwrap_or(0);
    let seek = [OsString::from("-ss"), format!("{start:.3}").into(), "-t".into(), format!("{length:.3}").into()];
    arguments.splice(input..input, seek);
    arguments
}
