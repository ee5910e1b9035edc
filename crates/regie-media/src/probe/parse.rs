//! ffprobe's JSON turned into a [`MediaDescription`]: a pure function, tested on recorded output.

use std::collections::HashMap;

use regie_core::media::{chroma_and_depth, operational_pattern_name};
use regie_core::timecode::parse_timecode;
use regie_core::{FileFormat, ImageInfo, MediaDescription, Rational, StreamDescription, StreamKind};
use serde::Deserialize;

use super::container::{is_still_image, normalise_container};
use crate::MediaError;

#[derive(Deserialize)]
struct RawProbe {
    format: Option<RawFormat>,
    #[serde(default)]
    streams: Vec<RawStream>,
}

#[derive(Deserialize)]
struct RawFormat {
    format_name: String,
    duration: Option<String>,
    bit_rate: Option<String>,
    #[serde(default)]
    tags: HashMap<String, String>,
}

#[derive(Deserialize, Default)]
struct RawStream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    codec_tag_string: Option<String>,
    profile: Option<String>,
    level: Option<i64>,
    width: Option<u32>,
    height: Option<u32>,
    display_aspect_ratio: Option<String>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    field_order: Option<String>,
    pix_fmt: Option<String>,
    bits_per_raw_sample: Option<String>,
    color_primaries: Option<String>,
    color_transfer: Option<String>,
    channels: Option<u32>,
    channel_layout: Option<String>,
    sample_rate: Option<String>,
    sample_fmt: Option<String>,
    bits_per_sample: Option<u32>,
    duration: Option<String>,
    #[serde(default)]
    tags: HashMap<String, String>,
    #[serde(default)]
    disposition: HashMap<String, i64>,
}

/// Parses `ffprobe -print_format json -show_format -show_streams` output. `sniffed` is the
/// format identified from the file's bytes, used to settle ambiguous demuxer names.
pub fn parse_ffprobe_json(json: &str, sniffed: FileFormat) -> Result<MediaDescription, MediaError> {
    let raw: RawProbe = serde_json::from_str(json).map_err(|error| MediaError::Parse { reason: error.to_string() })?;
    let format = raw.format.ok_or_else(|| MediaError::Parse { reason: "no format section".to_owned() })?;
    if format.format_name == "tty" || raw.streams.is_empty() {
        return Err(MediaError::NotMedia { path: Default::default(), format: sniffed.as_str() });
    }
    let container = normalise_container(&format.format_name, tag(&format.tags, "major_brand"), sniffed);
    let still_image = is_still_image(&container);
    let streams: Vec<StreamDescription> = raw
        .streams
        .iter()
        .filter(|stream| stream.disposition.get("attached_pic").copied().unwrap_or(0) == 0)
        .filter_map(|stream| describe_stream(stream, still_image))
        .collect();
    let timecode = find_timecode(&format, &raw.streams);
    let image = still_image.then(|| {
        let picture = streams.iter().find(|stream| stream.kind == StreamKind::Video);
        ImageInfo {
            format: container.clone(),
            width: picture.and_then(|stream| stream.width),
            height: picture.and_then(|stream| stream.height),
            orientation: None,
            capture_date: None,
        }
    });
    Ok(MediaDescription {
        duration_s: if still_image { None } else { parse_number(format.duration.as_deref()) },
        bit_rate: if still_image { None } else { format.bit_rate.as_deref().and_then(|rate| rate.parse().ok()) },
        operational_pattern: tag(&format.tags, "operational_pattern_ul").and_then(operational_pattern_name),
        container,
        timecode,
        streams,
        image,
        prober: None,
        sequence: None,
    })
}

fn describe_stream(raw: &RawStream, still_image: bool) -> Option<StreamDescription> {
    let kind = match raw.codec_type.as_deref()? {
        "video" => StreamKind::Video,
        "audio" => StreamKind::Audio,
        "subtitle" => StreamKind::Subtitle,
        "data" => StreamKind::Data,
        _ => return None,
    };
    let mut stream = StreamDescription::of_kind(kind);
    // Timecode tracks have no codec name, only a tag such as `tmcd`.
    stream.codec = known(raw.codec_name.as_deref())
        .or_else(|| known(raw.codec_tag_string.as_deref()).filter(|tag| !tag.starts_with('[')));
    stream.language = known(tag(&raw.tags, "language")).filter(|language| language != "und");
    // A still picture has no duration, though FFmpeg's image reader gives it a frame's.
    stream.duration_s = if still_image { None } else { parse_number(raw.duration.as_deref()) };
    match kind {
        StreamKind::Video => describe_picture(raw, &mut stream, still_image),
        StreamKind::Audio => describe_sound(raw, &mut stream),
        StreamKind::Subtitle | StreamKind::Data => {}
    }
    Some(stream)
}

fn describe_picture(raw: &RawStream, stream: &mut StreamDescription, still_image: bool) {
    stream.profile = known(raw.profile.as_deref());
    stream.level = raw.level.and_then(|level| u32::try_from(level).ok()).filter(|level| *level > 0);
    stream.width = raw.width.filter(|width| *width > 0);
    stream.height = raw.height.filter(|height| *height > 0);
    stream.display_aspect_ratio = raw.display_aspect_ratio.as_deref().and_then(Rational::parse_lenient);
    if !still_image {
        stream.frame_rate = [raw.avg_frame_rate.as_deref(), raw.r_frame_rate.as_deref()]
            .into_iter()
            .flatten()
            .find_map(Rational::parse_lenient);
        stream.field_order = known(raw.field_order.as_deref());
    }
    stream.pix_fmt = known(raw.pix_fmt.as_deref());
    if let Some(pix_fmt) = &stream.pix_fmt {
        let (chroma, depth) = chroma_and_depth(pix_fmt);
        stream.chroma = chroma;
        stream.bit_depth = raw.bits_per_raw_sample.as_deref().and_then(|bits| bits.parse().ok()).or(depth);
    }
    stream.color_primaries = known(raw.color_primaries.as_deref());
    stream.color_transfer = known(raw.color_transfer.as_deref());
}

fn describe_sound(raw: &RawStream, stream: &mut StreamDescription) {
    stream.profile = known(raw.profile.as_deref());
    stream.channels = raw.channels.filter(|channels| *channels > 0);
    stream.channel_layout = known(raw.channel_layout.as_deref());
    stream.sample_rate = raw.sample_rate.as_deref().and_then(|rate| rate.parse().ok()).filter(|rate| *rate > 0);
    stream.sample_format = known(raw.sample_fmt.as_deref());
    stream.bit_depth = raw
        .bits_per_raw_sample
        .as_deref()
        .and_then(|bits| bits.parse().ok())
        .filter(|bits| *bits > 0)
        .or(raw.bits_per_sample.filter(|bits| *bits > 0));
}

/// The start timecode: container metadata first, then a video stream's, then a timecode track's.
fn find_timecode(format: &RawFormat, streams: &[RawStream]) -> Option<String> {
    let from_streams = |kind: &str| {
        streams
            .iter()
            .filter(|stream| stream.codec_type.as_deref() == Some(kind))
            .find_map(|stream| tag(&stream.tags, "timecode"))
    };
    tag(&format.tags, "timecode")
        .or_else(|| from_streams("video"))
        .or_else(|| from_streams("data"))
        .and_then(|text| parse_timecode(text).ok())
}

fn tag<'a>(tags: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    tags.iter().find(|(name, _)| name.eq_ignore_ascii_case(key)).map(|(_, value)| value.as_str())
}

/// Drops ffprobe's placeholders for "not known".
fn known(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|text| !text.is_empty() && *text != "unknown" && *text != "N/A" && !text.starts_with('-'))
        .map(str::to_owned)
}

fn parse_number(text: Option<&str>) -> Option<f64> {
    text.and_then(|text| text.parse::<f64>().ok()).filter(|value| value.is_finite() && *value >= 0.0)
}

#[cfg(test)]
mod tests;
