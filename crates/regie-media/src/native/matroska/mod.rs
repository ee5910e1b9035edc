//! Matroska and WebM: the EBML header (which of the two), the segment's `Info` (time scale,
//! duration) and `Tracks` (codec, codec private data, default duration, picture and sound
//! elements), the first block of each video track (VP9 describes itself only in its frames), and
//! the tags the seek head points to (a timecode there is left to ffprobe). It reads only the
//! elements before the first cluster, and the clusters up to each video track's first block.

mod codecs;
mod ebml;

use std::io::{Read, Seek};

use regie_core::{MediaDescription, Rational, StreamDescription, StreamKind};

use self::ebml::{Element, body_of, child, children, element_at, float, string, unsigned};
use super::{Native, overall_bit_rate, reduce};

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const SEEK_HEAD: u32 = 0x114D_9B74;
const SEEK: u32 = 0x4DBB;
const SEEK_ID: u32 = 0x53AB;
const SEEK_POSITION: u32 = 0x53AC;
const INFO: u32 = 0x1549_A966;
const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TAGS: u32 = 0x1254_C367;
const CLUSTER: u32 = 0x1F43_B675;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const TAG: u32 = 0x7373;
const SIMPLE_TAG: u32 = 0x67C8;
const TAG_NAME: u32 = 0x45A3;

/// The largest `Info`, `Tracks`, `SeekHead` or `Tags` element read into memory.
const LARGEST_MASTER: u64 = 1 << 20;
/// Top-level elements looked at before the first cluster, and clusters searched for first blocks.
const MOST_ELEMENTS: usize = 256;
const MOST_CLUSTERS: usize = 16;
/// Bytes of a first video frame read (a VP9 frame header needs a dozen).
const FIRST_FRAME_BYTES: usize = 64;

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    match describe_file(file, size) {
        Ok(Some(description)) => Native::Described(description),
        Ok(None) => Native::NotMine,
        Err(reason) => Native::Unsure(format!("Matroska: {reason}")),
    }
}

/// What the segment's header elements say.
#[derive(Default)]
struct Segment {
    time_scale: Option<u64>,
    duration: Option<f64>,
    tracks: Option<Vec<codecs::Track>>,
    /// Where the seek head says the tags are.
    tags_at: Option<u64>,
    has_tags: bool,
}

fn describe_file<F: Read + Seek>(file: &mut F, size: u64) -> Result<Option<MediaDescription>, String> {
    let Some(header) = element_at(file, 0, size).filter(|element| element.id == EBML) else { return Ok(None) };
    let header_body = body_of(file, &header, 4096, size).ok_or("its EBML header is cut or too large")?;
    let container = match child(&children(&header_body)?, DOC_TYPE).map(string).as_deref() {
        Some("webm") => "webm",
        Some("matroska") | None => "matroska",
        Some(_) => return Ok(None),
    };
    let segment_element = element_at(file, header.end().ok_or("an EBML header of unknown size")?, size)
        .filter(|element| element.id == SEGMENT)
        .ok_or("no segment after the EBML header")?;
    // A file that ends before its segment does is cut: ffprobe then reads it to its end and
    // gives streams durations of their own.
    let segment_end = segment_element.end().unwrap_or(size);
    if segment_end > size {
        return Err("the file ends before its segment does".to_owned());
    }
    let mut segment = Segment::default();
    let mut position = segment_element.body;
    let mut first_cluster = None;
    for _ in 0..MOST_ELEMENTS {
        if position >= segment_end {
            break;
        }
        let element = element_at(file, position, size).ok_or("a top-level element cut short")?;
        match element.id {
            CLUSTER => {
                first_cluster = Some(element);
                break;
            }
            INFO => read_info(&body_of(file, &element, LARGEST_MASTER, size).ok_or("its Info is cut")?, &mut segment)?,
            TRACKS => {
                if segment.tracks.is_some() {
                    return Err("two Tracks elements".to_owned());
                }
                let body = body_of(file, &element, LARGEST_MASTER, size).ok_or("its Tracks are cut or too large")?;
                segment.tracks = Some(codecs::read_tracks(&body)?);
            }
            SEEK_HEAD if segment.tags_at.is_none() => {
                if let Some(body) = body_of(file, &element, LARGEST_MASTER, size) {
                    segment.tags_at = tags_position(&body, segment_element.body)?;
                }
            }
            TAGS => {
                segment.has_tags = true;
                check_tags(&body_of(file, &element, LARGEST_MASTER, size).ok_or("its Tags are cut or too large")?)?;
            }
            _ => {}
        }
        position = element.end().ok_or("a top-level element of unknown size before the clusters")?;
    }
    let tracks = segment.tracks.take().ok_or("no Tracks before the first cluster")?;
    if tracks.is_empty() {
        return Err("no track".to_owned());
    }
    if let (Some(at), false) = (segment.tags_at, segment.has_tags) {
        let element = element_at(file, at, size).filter(|element| element.id == TAGS).ok_or("its Tags are missing")?;
        check_tags(&body_of(file, &element, LARGEST_MASTER, size).ok_or("its Tags are cut or too large")?)?;
    }
    let first_cluster = first_cluster.ok_or("no cluster")?;
    let first_frames = first_video_frames(file, size, segment_end, first_cluster, &tracks)?;
    // FFmpeg: the duration in time-scale units, as a double, to whole microseconds (truncated).
    let time_scale = segment.time_scale.unwrap_or(1_000_000);
    let duration = segment.duration.filter(|duration| duration.is_finite() && *duration > 0.0).ok_or("no duration")?;
    let microseconds = (duration * time_scale as f64 * 1000.0 / 1e6) as i64;
    if microseconds <= 0 {
        return Err("no duration".to_owned());
    }
    let seconds = microseconds as f64 / 1e6;
    let streams = tracks
        .iter()
        .map(|track| {
            stream_of(
                track,
                first_frames.iter().find(|(number, _)| *number == track.number).map(|(_, frame)| frame.as_slice()),
            )
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Some(MediaDescription {
        container: container.to_owned(),
        duration_s: Some(seconds),
        bit_rate: overall_bit_rate(size, seconds),
        timecode: None,
        operational_pattern: None,
        streams,
        image: None,
        prober: None,
        sequence: None,
    }))
}

fn read_info(body: &[u8], segment: &mut Segment) -> Result<(), String> {
    let elements = children(body)?;
    if let Some(scale) = child(&elements, TIMESTAMP_SCALE) {
        segment.time_scale = Some(unsigned(scale)?).filter(|scale| *scale > 0);
        if segment.time_scale.is_none() {
            return Err("a time scale of 0".to_owned());
        }
    }
    if let Some(duration) = child(&elements, DURATION) {
        segment.duration = Some(float(duration)?);
    }
    Ok(())
}

/// Where the seek head says the `Tags` element is (positions count from the segment's body).
fn tags_position(body: &[u8], segment_body: u64) -> Result<Option<u64>, String> {
    for (id, seek) in children(body)? {
        if id != SEEK {
            continue;
        }
        let fields = children(seek)?;
        let (Some(target), Some(position)) = (child(&fields, SEEK_ID), child(&fields, SEEK_POSITION)) else {
            continue;
        };
        if unsigned(target)? == u64::from(TAGS) {
            return Ok(Some(segment_body.checked_add(unsigned(position)?).ok_or("a seek position past the end")?));
        }
    }
    Ok(None)
}

/// A timecode in the tags (which ffprobe reports) is left to it.
fn check_tags(body: &[u8]) -> Result<(), String> {
    for (id, tag) in children(body)? {
        if id != TAG {
            continue;
        }
        for (id, simple) in children(tag)? {
            if id == SIMPLE_TAG
                && child(&children(simple)?, TAG_NAME).is_some_and(|name| string(name).eq_ignore_ascii_case("timecode"))
            {
                return Err("a timecode tag".to_owned());
            }
        }
    }
    Ok(())
}

/// The first bytes of each video track's first frame, from the clusters that hold them.
fn first_video_frames<F: Read + Seek>(
    file: &mut F,
    size: u64,
    segment_end: u64,
    first_cluster: Element,
    tracks: &[codecs::Track],
) -> Result<Vec<(u64, Vec<u8>)>, String> {
    let wanted: Vec<u64> =
        tracks.iter().filter(|track| track.kind == codecs::VIDEO_TRACK).map(|track| track.number).collect();
    let mut found: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut cluster = first_cluster;
    for _ in 0..MOST_CLUSTERS {
        let end = cluster.end().ok_or("a cluster of unknown size")?.min(segment_end);
        let mut position = cluster.body;
        for _ in 0..4096 {
            if found.len() == wanted.len() || position >= end {
                break;
            }
            let element = element_at(file, position, size).ok_or("a cluster's element cut short")?;
            let element_end = element.end().ok_or("an element of unknown size in a cluster")?;
            if element_end > size {
                return Err("a cluster cut short".to_owned());
            }
            let block = matches!(element.id, SIMPLE_BLOCK | BLOCK_GROUP).then_some(element);
            if let Some(block) = block {
                let bytes = block_bytes(file, &block, size)?;
                if let Some((track, header_length, flags)) = ebml::block_track(&bytes)
                    && wanted.contains(&track)
                    && !found.iter().any(|(number, _)| *number == track)
                {
                    if flags & 0x06 != 0 {
                        return Err("a laced video block".to_owned());
                    }
                    found.push((track, bytes[header_length.min(bytes.len())..].to_vec()));
                }
            }
            position = element_end;
        }
        if found.len() == wanted.len() {
            return Ok(found);
        }
        match element_at(file, end, size) {
            Some(next) if next.id == CLUSTER => cluster = next,
            _ => break,
        }
    }
    Err("a video track without a frame in the first clusters".to_owned())
}

/// The first bytes of a block (a `SimpleBlock`, or the `Block` inside a `BlockGroup`).
fn block_bytes<F: Read + Seek>(file: &mut F, element: &Element, size: u64) -> Result<Vec<u8>, String> {
    if element.id == BLOCK_GROUP {
        let group = body_of(file, element, LARGEST_MASTER, size).ok_or("a block group too large")?;
        let block = child(&children(&group)?, BLOCK).ok_or("a block group without a block")?;
        return Ok(block[..block.len().min(FIRST_FRAME_BYTES)].to_vec());
    }
    let block = *element;
    let length = block.size.unwrap_or(0).min(FIRST_FRAME_BYTES as u64);
    let clipped = Element { size: Some(length), ..block };
    body_of(file, &clipped, FIRST_FRAME_BYTES as u64, size).ok_or_else(|| "a block cut short".to_owned())
}

/// One stream, as ffprobe describes the track.
fn stream_of(track: &codecs::Track, first_frame: Option<&[u8]>) -> Result<StreamDescription, String> {
    let mut stream = codecs::describe(track, first_frame)?;
    stream.language = track.language.clone();
    if stream.kind == StreamKind::Video {
        if let Some(default_duration) = track.default_duration {
            let (num, den) = reduce(1_000_000_000, default_duration, 30_000).ok_or("a default duration of 0")?;
            stream.frame_rate = Rational::new(num, den);
        } else {
            return Err("a video track without a default duration (its frame rate comes from timestamps)".to_owned());
        }
        stream.display_aspect_ratio = display_aspect(track, &stream)?;
    }
    Ok(stream)
}

/// FFmpeg's pixel aspect from the display size (reduced within 255), and the display aspect it
/// makes of the decoded size (reduced within 2^20).
fn display_aspect(track: &codecs::Track, stream: &StreamDescription) -> Result<Option<Rational>, String> {
    let picture = &track.picture;
    // Pixels, centimetres, inches and "aspect ratio" all give the ratio the same way; an unknown
    // unit gives none, and FFmpeg falls back to the codec's.
    if picture.display_unit > 3 {
        return Err(format!("display unit {}", picture.display_unit));
    }
    let (pixel_width, pixel_height) = (picture.pixel_width, picture.pixel_height);
    let display_width = picture.display_width.unwrap_or(pixel_width);
    let display_height = picture.display_height.unwrap_or(pixel_height);
    let Some((aspect_num, aspect_den)) =
        reduce(display_width.saturating_mul(pixel_height), display_height.saturating_mul(pixel_width), 255)
    else {
        return Ok(None);
    };
    let (Some(width), Some(height)) = (stream.width, stream.height) else { return Ok(None) };
    let exact =
        Rational::new(u64::from(width) * aspect_num, u64::from(height) * aspect_den).ok_or("no display aspect")?;
    if exact.num > 1 << 20 || exact.den > 1 << 20 {
        return Err("a display aspect ratio FFmpeg would round".to_owned());
    }
    Ok(Some(exact))
}
