//! Per-title bit rates and sizes (`regie transcode ID --profile P --per-title`): before the
//! transcode, each rung is encoded from a sample of the programme at several bit rates, at its
//! own size and at a smaller one of the same shape; every trial's real bit rate and its SSIM
//! against the source, compared at the rung's own size, make a curve per size; the fewest bits
//! reaching the target on a curve's convex hull are taken, with their size
//! (`regie_core::profile::per_title`). The job log shows every curve.

use std::ffi::OsString;
use std::path::Path;

use regie_core::MediaDescription;
use regie_core::profile::per_title::{
    RungChoice, SMALLER_FACTORS, TRIAL_FACTORS, TrialPoint, choose, rungs_of, smaller_height,
};
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
    let trials_total = (rungs.len() * (TRIAL_FACTORS.len() + SMALLER_FACTORS.len())) as f64;
    let mut done = 0.0;
    let mut choices = Vec::with_capacity(rungs.len());
    for rung in &rungs {
        // The rung's own size: every trial is compared with the source at it.
        let own = OutputPlan::new(&trial_profile(profile, rung, rung.bitrate_kbps, rung.height), media)
            .map_err(|error| JobFailure::permanent(error.to_string()))?;
        let Some(size) = own.video.as_ref().and_then(|video| video.rungs.first()).map(|own| (own.width, own.height))
        else {
            continue;
        };
        let mut sizes = vec![(size.1, TRIAL_FACTORS.as_slice())];
        if let Some(smaller) = same_shape_smaller(profile, rung, media, size) {
            sizes.push((smaller, SMALLER_FACTORS.as_slice()));
        } else {
            done += SMALLER_FACTORS.len() as f64;
        }
        let mut trials = Vec::with_capacity(TRIAL_FACTORS.len() + SMALLER_FACTORS.len());
        for (height, factors) in sizes {
            for factor in factors {
                let kbps = ((f64::from(rung.bitrate_kbps) * factor).round() as u32).max(50);
                let span = TRIALS_SPAN.0 + (TRIALS_SPAN.1 - TRIALS_SPAN.0) * done / trials_total;
                done += 1.0;
                let trial = trial_profile(profile, rung, kbps, height);
                let plan = OutputPlan::new(&trial, media).map_err(|error| JobFailure::permanent(error.to_string()))?;
                let arguments = sampled(regie_media::transcode_arguments(&plan, source, &folder), start, length);
                let step = format!("per-title trial {}p at {kbps} kbit/s", height);
                context.ffmpeg(&step, arguments, length, (span, span)).await?;
                let encoded = folder.join(plan.container.main_file());
                let bytes = tokio::fs::metadata(&encoded)
                    .await
                    .map_err(|error| JobFailure::transient(error.to_string()))?
                    .len();
                let Some(video) = &plan.video else { continue };
                let arguments = regie_media::quality_arguments_from(&encoded, 0, source, start, video, size);
                let measured = context.ffmpeg(&format!("{step}: quality"), arguments, length, (span, span)).await?;
                let Some(quality) = regie_media::parse_quality(&measured.stderr) else {
                    context.log("warn", &format!("{step}: quality not measured")).await;
                    continue;
                };
                let real_kbps = (bytes as f64 * 8.0 / length / 1000.0).round() as u32;
                trials.push(TrialPoint { height, kbps: real_kbps.max(1), ssim: quality.ssim });
            }
        }
        let Some((chosen_height, chosen_kbps, reached)) = choose(&trials, size.1, target_ssim) else {
            return Err(JobFailure::permanent(format!(
                "no per-title trial of the {}p rung could be measured",
                rung.height
            )));
        };
        let curve: Vec<String> = trials
            .iter()
            .map(|point| format!("{}p {} kbit/s SSIM {:.4}", point.height, point.kbps, point.ssim))
            .collect();
        let verdict = if reached { "reaches" } else { "is not reached; the highest trial is taken for" };
        context
            .log(
                "info",
                &format!(
                    "per-title {}p: {}; SSIM {target_ssim} {verdict} {chosen_kbps} kbit/s at {chosen_height}p (the profile says {} kbit/s at {}p)",
                    rung.height,
                    curve.join(", "),
                    rung.bitrate_kbps,
                    rung.height
                ),
            )
            .await;
        choices.push(RungChoice {
            height: rung.height,
            profile_kbps: rung.bitrate_kbps,
            trials,
            chosen_height,
            chosen_kbps,
            reached,
        });
    }
    let _ = tokio::fs::remove_dir_all(&folder).await;
    Ok((regie_core::profile::per_title::with_chosen_bitrates(profile, &choices), choices))
}

/// The smaller height tried for `rung` (made `size` by the plan): about three quarters of it,
/// above the next rung down, lowered until the picture has exactly the rung's shape (a ladder's
/// rungs must share one aspect ratio); `None` when there is none, or the profile fixes a width.
fn same_shape_smaller(profile: &Profile, rung: &RungSpec, media: &MediaDescription, size: (u32, u32)) -> Option<u32> {
    if profile.video.as_ref().is_some_and(|video| video.width.is_some()) {
        return None;
    }
    let rungs = rungs_of(profile);
    let below = rungs.iter().map(|other| other.height).filter(|height| *height < rung.height).max();
    let mut height = smaller_height(size.1, below)?;
    for _ in 0..32 {
        let plan = OutputPlan::new(&trial_profile(profile, rung, rung.bitrate_kbps, height), media).ok()?;
        let (width, made) = plan.video.as_ref()?.rungs.first().map(|made| (made.width, made.height))?;
        if made == height && u64::from(width) * u64::from(size.1) == u64::from(size.0) * u64::from(made) {
            return Some(height);
        }
        height = height.checked_sub(2).filter(|next| below.is_none_or(|below| *next > below))?;
        if height < regie_core::profile::per_title::SMALLEST_HEIGHT {
            return None;
        }
    }
    None
}

/// One rung of the profile as a file of its own, video only, at `kbps` and `height` lines.
fn trial_profile(profile: &Profile, rung: &RungSpec, kbps: u32, height: u32) -> Profile {
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
        video.max_height = Some(height);
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
