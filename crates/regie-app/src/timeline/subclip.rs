//! Partial restore: a frame-accurate extract of an asset's original between two timecodes,
//! whose own timecode starts at the in-point's. Stream-copied when the range starts and ends on
//! keyframes, otherwise encoded again in the source's codecs (or a profile's); verified by
//! probing (length within one frame, timecode) before it is kept, as a new file or as a
//! rendition of the asset with a `subclip` segment naming it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regie_core::profile::plan::OutputPlan;
use regie_core::profile::{Container, verify::mismatches};
use regie_core::timeline::{Mark, SegmentKind, SourceClock};
use regie_core::{MediaDescription, StreamDescription, StreamKind};
use regie_db::{JobOutputs, NewRendition, NewSegment, RenditionFile};
use regie_media::{Cut, CutMode, ToolRunner, cut_arguments};
use serde::Serialize;

use super::Actor;
use crate::named_toml::Lookup;
use crate::{AppError, Regie};

/// How the extract is to be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubclipMethod {
    /// Copy when the cut allows it, otherwise encode in the source's codecs.
    Auto,
    /// Copy or refuse.
    Copy,
    /// Encode with this profile.
    Profile(String),
}

/// What `regie subclip` asks for.
#[derive(Debug, Clone)]
pub struct SubclipRequest {
    pub in_tc: String,
    pub out_tc: String,
    pub method: SubclipMethod,
    /// A new file; none keeps the extract as a rendition of the asset.
    pub output: Option<PathBuf>,
}

/// What was made.
#[derive(Debug, Clone, Serialize)]
pub struct SubclipReport {
    pub asset_id: String,
    pub start_frame: u64,
    pub end_frame: u64,
    pub start_tc: String,
    pub end_tc: String,
    pub frames: u64,
    /// `copy`, `encode` or `profile:NAME`.
    pub method: String,
    /// Why it was not copied, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_encoded: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The rendition it was kept as (`subclip-START-END`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendition: Option<String>,
    pub segment_id: Option<String>,
    pub size: u64,
    pub blake3: String,
    /// What probing the extract found.
    pub duration_s: f64,
    pub timecode: Option<String>,
}

/// Containers an extract may be written in as the source was (chosen by the file name's extension).
const EXTRACT_CONTAINERS: &[&str] = &[
    "mov", "mp4", "m4v", "mxf", "mkv", "webm", "ts", "mts", "m2ts", "mpg", "avi", "wav", "flac", "mp3", "aif", "aiff",
];

/// Containers whose muxer writes a timecode track.
fn carries_timecode(extension: &str) -> bool {
    matches!(extension, "mov" | "mp4" | "m4v" | "mxf")
}

/// Encoder options that make the same codec as `stream`; none for a codec regie does not
/// re-encode (then a profile must say how).
fn same_codec(stream: &StreamDescription) -> Option<Vec<String>> {
    let codec = stream.codec.as_deref()?;
    let pix_fmt = stream.pix_fmt.clone();
    let mut options: Vec<String> = match (stream.kind, codec) {
        (StreamKind::Video, "h264") => {
            ["-c:v", "libx264", "-preset", "medium", "-crf", "12"].map(String::from).to_vec()
        }
        (StreamKind::Video, "hevc") => {
            ["-c:v", "libx265", "-preset", "medium", "-crf", "14"].map(String::from).to_vec()
        }
        (StreamKind::Video, "prores") => {
            let profile = match stream.profile.as_deref().unwrap_or_default().to_ascii_lowercase().as_str() {
                "proxy" => "0",
                "lt" => "1",
                "standard" => "2",
                "4444" => "4",
                "4444 xq" | "4444xq" => "5",
                _ => "3",
            };
            ["-c:v", "prores_ks", "-profile:v", profile].map(String::from).to_vec()
        }
        (StreamKind::Video, "mpeg2video") => {
            let mut options =
                ["-c:v", "mpeg2video", "-q:v", "2", "-maxrate", "80M", "-bufsize", "36M"].map(String::from).to_vec();
            if matches!(stream.field_order.as_deref(), Some("tt" | "tb")) {
                options.extend(["-flags", "+ilme+ildct", "-top", "1"].map(String::from));
            } else if matches!(stream.field_order.as_deref(), Some("bb" | "bt")) {
                options.extend(["-flags", "+ilme+ildct", "-top", "0"].map(String::from));
            }
            options
        }
        (StreamKind::Audio, pcm) if pcm.starts_with("pcm_") => vec!["-c:a".to_owned(), pcm.to_owned()],
        (StreamKind::Audio, "aac") => ["-c:a", "aac", "-b:a", "320k"].map(String::from).to_vec(),
        (StreamKind::Audio, "mp2") => ["-c:a", "mp2", "-b:a", "384k"].map(String::from).to_vec(),
        (StreamKind::Audio, "flac") => ["-c:a", "flac"].map(String::from).to_vec(),
        _ => return None,
    };
    if stream.kind == StreamKind::Video
        && let Some(pix_fmt) = pix_fmt
    {
        options.extend(["-pix_fmt".to_owned(), pix_fmt]);
    }
    Some(options)
}

/// Options encoding every stream in the source's codecs, or why that cannot be done.
fn source_codecs(media: &MediaDescription) -> Result<Vec<String>, String> {
    let mut options = Vec::new();
    let video = media.main_video();
    if let Some(video) = video {
        options.extend(same_codec(video).ok_or_else(|| {
            format!("regie does not re-encode {} pictures itself", video.codec.as_deref().unwrap_or("unknown"))
        })?);
    }
    if let Some(audio) = media.streams_of(StreamKind::Audio).next() {
        options.extend(same_codec(audio).ok_or_else(|| {
            format!("regie does not re-encode {} sound itself", audio.codec.as_deref().unwrap_or("unknown"))
        })?);
    }
    Ok(options)
}

impl Regie {
    /// Extracts `request.in_tc..request.out_tc` of the asset's original.
    pub async fn subclip(
        &self,
        reference: &str,
        request: &SubclipRequest,
        actor: &Actor,
    ) -> Result<SubclipReport, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let record = self.db.get_asset(asset_id).await?;
        // The cut is checked before any byte is fetched (the original may be in a bucket).
        let clock = self.clock_of_record(&record);
        let (start, end) = (clock.frame_of(&request.in_tc)?, clock.frame_of(&request.out_tc)?);
        if end <= start {
            return Err(AppError::Invalid(format!(
                "the out-point {} must come after the in-point {} (it is the first frame not taken)",
                request.out_tc, request.in_tc
            )));
        }
        let fit = |media: &MediaDescription| {
            media.image.is_none()
                && (media.main_video().is_some() || media.streams_of(StreamKind::Audio).next().is_some())
        };
        let (media, blob) =
            self.original_media(reference, &record, fit, "is not audio or video: nothing to cut").await?;
        let base = clock.base;
        let (start_s, duration_s) = (base.seconds_of(start), base.seconds_of(end) - base.seconds_of(start));
        let has_video = media.main_video().is_some();
        // The asset's name picks the container: only one of those ffmpeg writes as media.
        let source_extension = Path::new(&record.name)
            .extension()
            .map(|extension| extension.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_else(|| media.container.clone());
        if !EXTRACT_CONTAINERS.contains(&source_extension.as_str())
            && !matches!(request.method, SubclipMethod::Profile(_))
        {
            return Err(AppError::Invalid(format!(
                "regie does not write extracts in the source's container ({}): give --profile",
                source_extension.chars().take(16).collect::<String>()
            )));
        }
        let source = blob.path();
        // An extract runs as long as an encode of its length may take, never without a bound.
        let runner = ToolRunner::new(1, Duration::from_secs_f64((duration_s * 20.0).max(300.0)));

        let work = self.scratch_folder("subclip-")?;

        let (method, why_encoded, made, extension, plan) = match &request.method {
            SubclipMethod::Profile(name) => {
                let loaded = crate::load_profile(name, &self.settings.data_dir, Lookup::ByName)?;
                let mut plan =
                    OutputPlan::new(&loaded.profile, &media).map_err(|error| AppError::Invalid(error.to_string()))?;
                if plan.container == Container::Cmaf {
                    return Err(AppError::Invalid(format!(
                        "{name} makes a package of many files; a subclip is one file: choose a file profile"
                    )));
                }
                plan.duration_s = duration_s;
                let timecode = carries_timecode(plan.container.main_file().rsplit('.').next().unwrap_or_default())
                    .then(|| base.timecode_of(start))
                    .filter(|_| media.timecode.is_some());
                let arguments = trimmed(
                    regie_media::transcode_arguments(&plan, source, work.path()),
                    start_s,
                    duration_s,
                    timecode.as_deref(),
                );
                runner.cut(source, arguments).await?;
                let made = work.path().join(plan.container.main_file());
                let extension = plan.container.main_file().rsplit('.').next().unwrap_or("mov").to_owned();
                (format!("profile:{name}"), None, made, extension, Some(plan))
            }
            SubclipMethod::Auto | SubclipMethod::Copy => {
                let copy_refusal = if has_video {
                    self.copy_refusal(&runner, source, &clock, start, end).await?
                } else {
                    Some("sound is cut to the sample by encoding".to_owned())
                };
                let mode = match (&request.method, &copy_refusal) {
                    (SubclipMethod::Copy, Some(why)) => {
                        return Err(AppError::Invalid(format!(
                            "cannot stream-copy this range: {why}; leave out --copy to re-encode, or cut at keyframes"
                        )));
                    }
                    (_, None) => CutMode::Copy,
                    (_, Some(_)) => CutMode::Encode(source_codecs(&media).map_err(|why| {
                        AppError::Invalid(format!("{why}: give --profile to say how to encode the extract"))
                    })?),
                };
                let made = work.path().join(format!("subclip.{source_extension}"));
                let timecode = carries_timecode(&source_extension)
                    .then(|| base.timecode_of(start))
                    .filter(|_| media.timecode.is_some());
                let cut = Cut { start_s, duration_s, frames: has_video.then_some(end - start), timecode };
                runner.cut(source, cut_arguments(source, &made, &cut, &mode, None)).await?;
                let method = if mode == CutMode::Copy { "copy" } else { "encode" };
                (method.to_owned(), copy_refusal, made, source_extension.clone(), None)
            }
        };

        let described = self.prober.describe(&made, None).await?;
        let mut wrong = plan.as_ref().map(|plan| mismatches(plan, &described)).unwrap_or_default();
        let probed = described.main_video().and_then(|video| video.duration_s).or(described.duration_s).unwrap_or(0.0);
        let frame_s = base.seconds_of(1);
        if (probed - duration_s).abs() > frame_s + 1e-6 {
            wrong.push(format!("it lasts {probed:.3} s where {duration_s:.3} s were asked for"));
        }
        let expected_timecode =
            (carries_timecode(&extension) && media.timecode.is_some()).then(|| base.timecode_of(start));
        if let Some(expected) = &expected_timecode
            && described.timecode.as_deref() != Some(expected.as_str())
        {
            wrong.push(format!("its timecode is {:?}, not {expected}", described.timecode));
        }
        if !wrong.is_empty() {
            return Err(AppError::Internal(format!("the extract failed verification: {}", wrong.join("; "))));
        }

        let mut report = SubclipReport {
            asset_id: asset_id.to_string(),
            start_frame: start,
            end_frame: end,
            start_tc: base.timecode_of(start),
            end_tc: base.timecode_of(end),
            frames: end - start,
            method,
            why_encoded,
            output: None,
            rendition: None,
            segment_id: None,
            size: 0,
            blake3: String::new(),
            duration_s: probed,
            timecode: described.timecode.clone(),
        };
        let detail;
        match &request.output {
            Some(output) => {
                let checksums = self.stage_file(&made).await?.checksums.clone();
                report.size = checksums.size;
                report.blake3 = checksums.blake3.to_string();
                let temporary = crate::output_file::temporary_beside(output, ".regie-subclip-")?;
                std::fs::copy(&made, temporary.path())
                    .map_err(|source| AppError::DataFolder { path: output.clone(), source })?;
                crate::output_file::persist_new(temporary, output)?;
                report.output = Some(output.display().to_string());
                detail = format!("{}-{} to {}", report.start_tc, report.end_tc, output.display());
            }
            None => {
                let profile = format!("subclip-{start}-{end}");
                let file_name = format!("subclip.{extension}");
                let checksums = self.store_file(&made).await?;
                report.size = checksums.size;
                report.blake3 = checksums.blake3.to_string();
                let rendition = NewRendition {
                    profile: profile.clone(),
                    main_file: file_name.clone(),
                    files: vec![RenditionFile {
                        path: file_name,
                        blake3: checksums.blake3.to_string(),
                        md5: checksums.md5.to_string(),
                        size: checksums.size,
                        media: Some(described.clone()),
                    }],
                    quality: Vec::new(),
                    encode_s: None,
                };
                let outputs = JobOutputs { asset_id: Some(asset_id), files: Vec::new(), rendition: Some(rendition) };
                let mark = Mark::new(SegmentKind::parse("subclip")?, start, end, &format!("rendition {profile}"))?;
                let segment = NewSegment {
                    mark,
                    author: Some(actor.name.clone()),
                    origin: "user".to_owned(),
                    parent_id: None,
                    keyframe: None,
                };
                report.segment_id = Some(self.db.record_subclip(asset_id, &outputs, &segment).await?);
                report.rendition = Some(profile.clone());
                detail = format!("{}-{} as rendition {profile}", report.start_tc, report.end_tc);
            }
        }
        self.audit(actor.entry(
            "asset.subclip",
            asset_id,
            format!("{detail} ({}, blake3 {})", report.method, report.blake3),
        ))
        .await?;
        self.follow_changes_quietly().await;
        Ok(report)
    }

    /// Why the range `start..end` cannot be copied packet for packet (none when it can): it must
    /// start on a keyframe and end on one or at the end of the file.
    async fn copy_refusal(
        &self,
        runner: &ToolRunner,
        source: &Path,
        clock: &SourceClock,
        start: u64,
        end: u64,
    ) -> Result<Option<String>, AppError> {
        let base = &clock.base;
        let rate = (base.rate.num, base.rate.den);
        let near_start = runner.keyframe_frames(source, base.seconds_of(start), base.seconds_of(start), rate).await?;
        if !near_start.contains(&start) {
            let before = near_start.iter().rev().find(|frame| **frame < start).map(|frame| base.timecode_of(*frame));
            let hint = before.map(|tc| format!(" (the keyframe before it is at {tc})")).unwrap_or_default();
            return Ok(Some(format!("the in-point {} is not on a keyframe{hint}", base.timecode_of(start))));
        }
        if clock.frames.is_some_and(|frames| end >= frames) {
            return Ok(None);
        }
        let near_end = runner.keyframe_frames(source, base.seconds_of(end), base.seconds_of(end), rate).await?;
        if !near_end.contains(&end) {
            return Ok(Some(format!("the out-point {} is not on a keyframe", base.timecode_of(end))));
        }
        Ok(None)
    }
}

/// A profile's transcode limited to the cut: `-ss`/`-t` before the input (so every filter sees
/// only the range) and the in-point's timecode before the output.
fn trimmed(arguments: Vec<OsString>, start_s: f64, duration_s: f64, timecode: Option<&str>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(arguments.len() + 6);
    let last = arguments.len().saturating_sub(1);
    for (index, argument) in arguments.into_iter().enumerate() {
        if argument == "-i" {
            out.extend([
                "-ss".into(),
                format!("{:.6}", (start_s - 0.001).max(0.0)).into(),
                "-t".into(),
                format!("{duration_s:.6}").into(),
            ]);
        }
        if index == last
            && let Some(timecode) = timecode
        {
            out.extend(["-timecode".into(), timecode.into()]);
        }
        out.push(argument);
    }
    out
}
