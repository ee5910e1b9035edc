//! The previews of an asset: for video, the proxy, storyboard sprite and poster from one decode;
//! for audio, a proxy; for anything with
//! sound, waveform peaks; for still images, a thumbnail. Each is verified before it is stored.

use std::path::Path;

use regie_core::derivative::poster::choose_poster;
use regie_core::derivative::storyboard::StoryboardLayout;
use regie_core::profile::plan::OutputPlan;
use regie_core::profile::verify::mismatches;
use regie_core::{FileFormat, MediaDescription, StreamKind};
use regie_db::{JobOutputs, NewFile};
use regie_media::{
    LUMA_FILE, LUMA_SAMPLE_BYTES, POSTER_CANDIDATES, STORYBOARD_FILE, THUMBNAIL_FILE, preview_arguments,
    thumbnail_arguments,
};

use super::failure::JobFailure;
use super::worker::{Completed, JobContext};
use crate::profiles::{BUILT_IN_PROFILES, parse_profile};

/// The storyboard index points at the sprite relative to itself: both are files of the asset,
/// served side by side (`.../files/storyboard-index` and `.../files/storyboard`).
const SPRITE_URL: &str = "storyboard";

pub(super) async fn run(context: &JobContext) -> Result<Completed, JobFailure> {
    let (asset, source, media) = context.source().await?;
    let mut made = Vec::new();
    let is_still = media.image.is_some() || (media.main_video().is_some() && media.duration_s.is_none());
    if is_still {
        context.ffmpeg("thumbnail", thumbnail_arguments(&source, &context.work_dir), 0.0, (0.0, 100.0)).await?;
        made.push(context.keep(&context.work_dir.join(THUMBNAIL_FILE), "thumbnail", FileFormat::Jpeg, None).await?);
        return Ok(completed(asset.id, made));
    }
    let has_audio = media.streams_of(StreamKind::Audio).next().is_some();
    let has_video = media.main_video().is_some();
    if !has_audio && !has_video {
        context.log("info", "no picture and no sound: nothing to preview").await;
        return Ok(completed(asset.id, made));
    }
    let (_, proxy_text) =
        BUILT_IN_PROFILES.iter().find(|(name, _)| *name == "proxy").expect("the proxy profile is built in");
    let mut proxy = parse_profile(proxy_text, "built-in profile proxy").map_err(JobFailure::from)?;
    if !has_video {
        proxy.video = None;
    }
    let plan = OutputPlan::new(&proxy, &media).map_err(|error| JobFailure::permanent(error.to_string()))?;
    let duration = plan.duration_s;
    let layout = has_video.then(|| StoryboardLayout::new(duration, display_aspect(&media)));
    // An image sequence is read frame by frame from links to its frames.
    let sequence = match media.sequence.as_deref() {
        Some(sequence) => Some(context.sequence_input(&source, sequence, &media.container).await?),
        None => None,
    };
    let input: &Path = sequence.as_ref().map_or(&source, |linked| linked.pattern.as_path());
    let mut arguments = preview_arguments(&plan, layout.as_ref(), input, &context.work_dir);
    if sequence.is_some() {
        arguments = super::sequence_input::read_as_sequence(arguments, &media);
    }
    let step = if has_video { "proxy, storyboard and poster" } else { "proxy" };
    context.ffmpeg(step, arguments, duration, (0.0, 85.0)).await?;

    let proxy_path = context.work_dir.join(plan.container.main_file());
    let described = context.probe(&proxy_path).await?;
    let wrong = mismatches(&plan, &described);
    if !wrong.is_empty() {
        return Err(JobFailure::permanent(format!("the proxy does not match its profile: {}", wrong.join("; "))));
    }
    made.push(context.keep(&proxy_path, "proxy", FileFormat::Mp4, Some(described)).await?);

    if let Some(layout) = layout {
        made.push(context.keep(&context.work_dir.join(STORYBOARD_FILE), "storyboard", FileFormat::Jpeg, None).await?);
        let index_path = context.work_dir.join("storyboard.vtt");
        write(&index_path, layout.webvtt(SPRITE_URL).as_bytes()).await?;
        made.push(context.keep(&index_path, "storyboard-index", FileFormat::WebVtt, None).await?);

        let samples = read_samples(&context.work_dir.join(LUMA_FILE)).await?;
        let chosen = choose_poster(&samples).unwrap_or(0);
        let at = chosen as u64 * u64::from(layout.interval_s);
        context
            .log("info", &format!("poster: the frame near {at} s (sample {} of {})", chosen + 1, samples.len()))
            .await;
        let poster = context.work_dir.join(POSTER_CANDIDATES.replace("%04d", &format!("{:04}", chosen + 1)));
        made.push(context.keep(&poster, "poster", FileFormat::Jpeg, None).await?);
    }
    if has_audio {
        let waveform = context.runner.waveform(&source, duration).await?;
        let path = context.work_dir.join("waveform.json");
        let json = serde_json::to_vec(&waveform).map_err(|error| JobFailure::permanent(error.to_string()))?;
        write(&path, &json).await?;
        made.push(context.keep(&path, "waveform", FileFormat::Json, None).await?);
    }
    (context.progress)(regie_media::RunProgress { percent: 100.0, eta_seconds: Some(0.0), speed: None });
    Ok(completed(asset.id, made))
}

fn completed(asset_id: regie_core::AssetId, files: Vec<NewFile>) -> Completed {
    let roles: Vec<&str> = files.iter().map(|file| file.role.as_str()).collect();
    let result = serde_json::json!({ "made": roles });
    Completed { outputs: JobOutputs { asset_id: Some(asset_id), files, rendition: None }, result }
}

impl JobContext {
    /// Stores an output as a file of the asset, refusing one that is empty or not what it should be.
    async fn keep(
        &self,
        path: &Path,
        role: &str,
        expected: FileFormat,
        media: Option<MediaDescription>,
    ) -> Result<NewFile, JobFailure> {
        let size = tokio::fs::metadata(path).await.map(|metadata| metadata.len()).unwrap_or(0);
        if size == 0 {
            return Err(JobFailure::permanent(format!("ffmpeg made no {role} (the file is missing or empty)")));
        }
        let (checksums, format) = self.store(path).await?;
        if format != expected {
            return Err(JobFailure::permanent(format!("the {role} is {}, not {}", format.as_str(), expected.as_str())));
        }
        Ok(NewFile { role: role.to_owned(), checksums, format, media })
    }
}

fn display_aspect(media: &MediaDescription) -> f64 {
    let Some(video) = media.main_video() else { return 16.0 / 9.0 };
    if let Some(aspect) = video.display_aspect_ratio {
        return aspect.as_f64();
    }
    match (video.width, video.height) {
        (Some(width), Some(height)) if height > 0 => f64::from(width) / f64::from(height),
        _ => 16.0 / 9.0,
    }
}

async fn write(path: &Path, bytes: &[u8]) -> Result<(), JobFailure> {
    tokio::fs::write(path, bytes)
        .await
        .map_err(|source| crate::AppError::DataFolder { path: path.to_owned(), source }.into())
}

async fn read_samples(path: &Path) -> Result<Vec<Vec<u8>>, JobFailure> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|source| JobFailure::from(crate::AppError::DataFolder { path: path.to_owned(), source }))?;
    Ok(bytes.chunks_exact(LUMA_SAMPLE_BYTES).map(<[u8]>::to_vec).collect())
}
