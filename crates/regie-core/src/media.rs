//! The technical description of a media file: what `regie probe --json` prints and what
//! `assets show --json` nests under `files[].media`. The JSON keys are a contract with scripts.

use serde::{Deserialize, Serialize};

use crate::Rational;

/// Container-level facts and every stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaDescription {
    /// Normalised short container name (`mp4`, `mov`, `mxf`, `matroska`, `wav`, `jpeg`...).
    pub container: String,
    pub duration_s: Option<f64>,
    /// Overall bit rate in bits per second.
    pub bit_rate: Option<u64>,
    /// Start timecode (`HH:MM:SS:FF`), from a timecode track or container metadata.
    pub timecode: Option<String>,
    /// The MXF operational pattern (`OP1a`, `OPAtom`...), for MXF files.
    pub operational_pattern: Option<String>,
    pub streams: Vec<StreamDescription>,
    /// Present for still images.
    pub image: Option<ImageInfo>,
    /// Which prober answered: `native` (regie's own header readers) or `ffprobe`; absent in
    /// descriptions made before regie had a native prober.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prober: Option<String>,
    /// Present for a numbered image sequence (a film scan) catalogued as one asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<Box<SequenceInfo>>,
}

/// A numbered image sequence: its frames' name pattern, first and last frame numbers, how many
/// frames it holds, the runs of numbers missing between first and last (`[first, last]`), and the
/// bytes of every frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceInfo {
    pub pattern: String,
    pub first_frame: u64,
    pub last_frame: u64,
    pub frames: u64,
    pub gaps: Vec<[u64; 2]>,
    pub total_size: u64,
}

impl MediaDescription {
    pub fn streams_of(&self, kind: StreamKind) -> impl Iterator<Item = &StreamDescription> {
        self.streams.iter().filter(move |stream| stream.kind == kind)
    }

    /// The first video stream that is a moving picture (not cover art).
    pub fn main_video(&self) -> Option<&StreamDescription> {
        self.streams_of(StreamKind::Video).next()
    }

    /// Total audio channels over all audio streams: a track of 8 mono streams counts 8.
    pub fn audio_channel_count(&self) -> u32 {
        self.streams_of(StreamKind::Audio).map(|stream| stream.channels.unwrap_or(1)).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    Video,
    Audio,
    Subtitle,
    Data,
}

/// One elementary stream. Keys are always present in JSON, `null` when they do not apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamDescription {
    #[serde(rename = "type")]
    pub kind: StreamKind,
    pub codec: Option<String>,
    pub profile: Option<String>,
    /// The codec level as ffprobe gives it (H.264 `42` is level 4.2).
    pub level: Option<u32>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub display_aspect_ratio: Option<Rational>,
    pub frame_rate: Option<Rational>,
    /// `progressive`, `tt` (top field first), `bb`, `tb` or `bt`, as ffprobe names them.
    pub field_order: Option<String>,
    pub pix_fmt: Option<String>,
    /// Chroma subsampling (`4:2:0`, `4:2:2`, `4:4:4`), derived from the pixel format.
    pub chroma: Option<String>,
    pub bit_depth: Option<u32>,
    pub color_primaries: Option<String>,
    pub color_transfer: Option<String>,
    pub channels: Option<u32>,
    pub channel_layout: Option<String>,
    pub sample_rate: Option<u32>,
    pub sample_format: Option<String>,
    pub language: Option<String>,
    pub duration_s: Option<f64>,
}

impl StreamDescription {
    /// An empty stream of the given kind, to be filled in by a parser.
    pub fn of_kind(kind: StreamKind) -> Self {
        Self {
            kind,
            codec: None,
            profile: None,
            level: None,
            width: None,
            height: None,
            display_aspect_ratio: None,
            frame_rate: None,
            field_order: None,
            pix_fmt: None,
            chroma: None,
            bit_depth: None,
            color_primaries: None,
            color_transfer: None,
            channels: None,
            channel_layout: None,
            sample_rate: None,
            sample_format: None,
            language: None,
            duration_s: None,
        }
    }
}

/// Still-image facts, EXIF included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub format: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// EXIF orientation, 1 to 8 (1 is upright).
    pub orientation: Option<u16>,
    /// EXIF DateTimeOriginal as `YYYY-MM-DDTHH:MM:SS`.
    pub capture_date: Option<String>,
}

/// Names an MXF operational pattern from its SMPTE label (`060e2b34.04010101.0d010201.01010900`
/// is OP1a): byte 13 is the item complexity (1-3), byte 14 the package complexity (a-c);
/// `0d010201.10` is OP-Atom.
pub fn operational_pattern_name(label: &str) -> Option<String> {
    let digits: String = label.chars().filter(char::is_ascii_hexdigit).collect();
    if digits.len() != 32 || !digits[16..].starts_with("0d010201") {
        return None;
    }
    let item = &digits[24..26];
    let package = &digits[26..28];
    if item == "10" {
        return Some("OPAtom".to_owned());
    }
    let item = match item {
        "01" => '1',
        "02" => '2',
        "03" => '3',
        _ => return None,
    };
    let package = match package {
        "01" => 'a',
        "02" => 'b',
        "03" => 'c',
        _ => return None,
    };
    Some(format!("OP{item}{package}"))
}

/// Chroma subsampling and bit depth read off an FFmpeg pixel format name.
pub fn chroma_and_depth(pix_fmt: &str) -> (Option<String>, Option<u32>) {
    let chroma = if pix_fmt.contains("420") || pix_fmt.starts_with("nv12") || pix_fmt == "p010le" {
        Some("4:2:0")
    } else if pix_fmt.contains("422") || pix_fmt.starts_with("uyvy") || pix_fmt.starts_with("yuyv") {
        Some("4:2:2")
    } else if pix_fmt.contains("444")
        || pix_fmt.starts_with("rgb")
        || pix_fmt.starts_with("bgr")
        || pix_fmt.starts_with("gbr")
    {
        Some("4:4:4")
    } else if pix_fmt.contains("411") {
        Some("4:1:1")
    } else if pix_fmt.starts_with("gray") {
        Some("4:0:0")
    } else {
        None
    };
    let depth = ["16", "14", "12", "10", "9"]
        .iter()
        .find(|digits| {
            pix_fmt.ends_with(&format!("p{digits}le"))
                || pix_fmt.ends_with(&format!("p{digits}be"))
                || pix_fmt.ends_with(&format!("{digits}le"))
                || pix_fmt.ends_with(&format!("{digits}be"))
        })
        .map(|digits| digits.parse().unwrap_or(8))
        .or(match pix_fmt {
            "p010le" | "p010be" | "v210" => Some(10),
            "rgb48le" | "rgb48be" => Some(16),
            _ => None,
        })
        .or(chroma.map(|_| 8));
    (chroma.map(str::to_owned), depth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_formats_give_chroma_and_depth() {
        let cases = [
            ("yuv420p", "4:2:0", 8),
            ("yuv422p10le", "4:2:2", 10),
            ("yuv444p12le", "4:4:4", 12),
            ("p010le", "4:2:0", 10),
            ("yuvj420p", "4:2:0", 8),
            ("rgb24", "4:4:4", 8),
        ];
        for (pix_fmt, chroma, depth) in cases {
            let (found_chroma, found_depth) = chroma_and_depth(pix_fmt);
            assert_eq!(found_chroma.as_deref(), Some(chroma), "{pix_fmt}");
            assert_eq!(found_depth, Some(depth), "{pix_fmt}");
        }
    }

    #[test]
    fn operational_patterns_are_named_from_their_labels() {
        assert_eq!(operational_pattern_name("060e2b34.04010101.0d010201.01010900").as_deref(), Some("OP1a"));
        assert_eq!(operational_pattern_name("060e2b34.04010102.0d010201.02030000").as_deref(), Some("OP2c"));
        assert_eq!(operational_pattern_name("060e2b34.04010102.0d010201.10000000").as_deref(), Some("OPAtom"));
        assert_eq!(operational_pattern_name("nonsense"), None);
    }

    #[test]
    fn audio_channel_count_adds_mono_tracks() {
        let mono = StreamDescription { channels: Some(1), ..StreamDescription::of_kind(StreamKind::Audio) };
        let media = MediaDescription {
            container: "mxf".into(),
            duration_s: Some(1.0),
            bit_rate: None,
            timecode: None,
            operational_pattern: None,
            streams: vec![mono; 8],
            image: None,
            prober: None,
            sequence: None,
        };
        assert_eq!(media.audio_channel_count(), 8);
    }
}
