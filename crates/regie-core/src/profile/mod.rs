//! Transcoding profiles: what a rendition must be (codecs, sizes, rates, audio tracks, package),
//! read from TOML (parsed by the caller, checked by `validate`). `plan` turns a profile and a source into the exact output to make, and
//! `verify` compares what was made with that plan. Building the ffmpeg command is regie-media's.

pub mod mark;
pub mod per_title;
pub mod plan;
mod validate;
pub mod verify;
pub mod watermark;

use serde::{Deserialize, Serialize};

/// A profile as written in TOML.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Where the numbers come from (a delivery specification).
    #[serde(default)]
    pub source: String,
    pub container: Container,
    /// The trade between time to air and quality; `preset` in `[video]` overrides it.
    #[serde(default)]
    pub speed: Speed,
    /// The presets a delivery with a deadline may use instead of `speed`, best quality first
    /// (`["quality", "balanced", "fast"]`): the one whose measured speed on the worker meets the
    /// deadline is taken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presets: Vec<Speed>,
    pub video: Option<VideoSpec>,
    pub audio: Option<AudioSpec>,
    /// Segment length of a packaged ladder, in seconds.
    #[serde(default = "default_segment_seconds")]
    pub segment_seconds: u32,
    /// A screener: each copy is made for one recipient, whose notice is burnt into the pictures.
    #[serde(default)]
    pub watermark: Option<watermark::WatermarkSpec>,
    /// A packaged ladder encrypted with a key of its own, served only by the key endpoint.
    #[serde(default)]
    pub encryption: Option<Encryption>,
}

/// How a packaged ladder is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Encryption {
    /// Common Encryption (`cenc`, AES-CTR per sample): DASH with ClearKey, HLS `SAMPLE-AES-CTR`.
    #[serde(rename = "cenc")]
    Cenc,
    /// HLS whole segments, AES-128-CBC (the DASH manifest is left out: DASH players cannot read it).
    #[serde(rename = "aes-128")]
    Aes128,
}

impl Encryption {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cenc => "cenc",
            Self::Aes128 => "aes-128",
        }
    }
}

fn default_segment_seconds() -> u32 {
    2
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    Mp4,
    Mov,
    Mxf,
    Wav,
    /// CMAF fMP4 segments with an HLS master playlist and a DASH manifest.
    Cmaf,
}

impl Container {
    /// The file name of the main output.
    pub fn main_file(self) -> &'static str {
        match self {
            Self::Mp4 => "output.mp4",
            Self::Mov => "output.mov",
            Self::Mxf => "output.mxf",
            Self::Wav => "output.wav",
            Self::Cmaf => "master.m3u8",
        }
    }

    /// The container name the probe reports for a good output.
    pub fn probed_name(self) -> &'static str {
        match self {
            Self::Mp4 => "mp4",
            Self::Mov => "mov",
            Self::Mxf => "mxf",
            Self::Wav => "wav",
            Self::Cmaf => "hls",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speed {
    Fast,
    #[default]
    Balanced,
    Quality,
}

impl Speed {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fast => "fast",
            Self::Balanced => "balanced",
            Self::Quality => "quality",
        }
    }

    /// Times real time assumed for a preset never measured on a worker (an H.264 HD encode on
    /// two cores); replaced by measurements as soon as one is made.
    pub fn assumed_factor(self) -> f64 {
        match self {
            Self::Quality => 0.5,
            Self::Balanced => 1.5,
            Self::Fast => 4.0,
        }
    }
}

/// The preset picked for a deadline, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PresetChoice {
    pub speed: Speed,
    /// Seconds the encode is expected to take.
    pub expected_s: f64,
    /// Whether the speed was measured on this worker (or assumed).
    pub measured: bool,
    /// Whether it fits before the deadline (when none does, the fastest is taken).
    pub fits: bool,
}

/// The best-quality preset of `presets` (best first) whose speed (`speed_of`: times real time and
/// whether it was measured) encodes `duration_s` within `seconds_left`; else the fastest one.
pub fn choose_preset(
    presets: &[Speed],
    duration_s: f64,
    seconds_left: f64,
    speed_of: impl Fn(Speed) -> (f64, bool),
) -> Option<PresetChoice> {
    let choices: Vec<PresetChoice> = presets
        .iter()
        .map(|&speed| {
            let (factor, measured) = speed_of(speed);
            let expected_s = duration_s / factor.max(0.01);
            PresetChoice { speed, expected_s, measured, fits: expected_s <= seconds_left }
        })
        .collect();
    choices
        .iter()
        .find(|choice| choice.fits)
        .copied()
        .or_else(|| choices.iter().copied().min_by(|left, right| left.expected_s.total_cmp(&right.expected_s)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoCodec {
    H264,
    /// HEVC by libx265, tagged `hvc1` (what Apple's players ask for).
    Hevc,
    /// AV1 by SVT-AV1.
    Av1,
    Mpeg2,
    Prores,
}

impl VideoCodec {
    /// The codec name the probe reports.
    pub fn probed_name(self) -> &'static str {
        match self {
            Self::H264 => "h264",
            Self::Hevc => "hevc",
            Self::Av1 => "av1",
            Self::Mpeg2 => "mpeg2video",
            Self::Prores => "prores",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scan {
    /// Progressive; an interlaced source is deinterlaced.
    #[default]
    Progressive,
    /// Interlaced, top field first.
    InterlacedTff,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoSpec {
    pub codec: VideoCodec,
    /// The codec profile: `high`, `main` for H.264; `hq` for ProRes; `422` for MPEG-2.
    pub codec_profile: Option<String>,
    pub pixel_format: Option<String>,
    /// Fixed frame size (letter- or pillar-boxed to fit); absent: the source's, or the rungs'.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Lines at most, keeping the aspect ratio (a proxy); never upscaled.
    pub max_height: Option<u32>,
    /// Frames per second, `25` or `30000/1001`; absent: the source's.
    pub frame_rate: Option<String>,
    #[serde(default)]
    pub scan: Scan,
    pub bitrate_kbps: Option<u32>,
    pub maxrate_kbps: Option<u32>,
    pub minrate_kbps: Option<u32>,
    pub bufsize_kbits: Option<u32>,
    /// Constant quality instead of a bit rate (H.264).
    pub crf: Option<u32>,
    /// Encoder preset, overriding `speed`.
    pub preset: Option<String>,
    /// Keyframe interval in seconds, aligned across rungs.
    pub gop_seconds: Option<f64>,
    /// Keyframe interval in frames (long-GOP broadcast formats).
    pub gop_frames: Option<u32>,
    pub b_frames: Option<u32>,
    /// The rungs of an adaptive ladder, largest first.
    #[serde(default, rename = "rung")]
    pub rungs: Vec<RungSpec>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RungSpec {
    pub height: u32,
    pub bitrate_kbps: u32,
    pub maxrate_kbps: Option<u32>,
    pub codec_profile: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioCodec {
    Aac,
    PcmS16le,
    PcmS24le,
}

impl AudioCodec {
    pub fn probed_name(self) -> &'static str {
        match self {
            Self::Aac => "aac",
            Self::PcmS16le => "pcm_s16le",
            Self::PcmS24le => "pcm_s24le",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioSpec {
    pub codec: AudioCodec,
    /// Channels per track; absent: the source's (at most 8).
    pub channels: Option<u32>,
    /// Separate tracks of `channels` each (8 mono tracks for broadcast MXF).
    #[serde(default = "one")]
    pub tracks: u32,
    #[serde(default = "default_sample_rate")]
    pub sample_rate: u32,
    pub bitrate_kbps: Option<u32>,
    /// Write silent tracks when the source has no audio (playout expects its tracks).
    #[serde(default)]
    pub silence_when_missing: bool,
}

fn one() -> u32 {
    1
}

fn default_sample_rate() -> u32 {
    48_000
}

impl Profile {
    /// A ladder of renditions packaged for adaptive streaming.
    pub fn is_ladder(&self) -> bool {
        self.video.as_ref().is_some_and(|video| !video.rungs.is_empty())
    }
}

#[cfg(test)]
mod preset_tests {
    use super::*;

    #[test]
    fn the_best_preset_that_meets_the_deadline_is_chosen() {
        let presets = [Speed::Quality, Speed::Balanced, Speed::Fast];
        let measured = |speed: Speed| match speed {
            Speed::Quality => (0.5, true),
            Speed::Balanced => (2.0, true),
            Speed::Fast => (5.0, false),
        };
        let relaxed = choose_preset(&presets, 600.0, 3600.0, measured).unwrap();
        assert_eq!((relaxed.speed, relaxed.fits), (Speed::Quality, true));
        let tight = choose_preset(&presets, 600.0, 400.0, measured).unwrap();
        assert_eq!(tight.speed, Speed::Balanced);
        assert_eq!(tight.expected_s, 300.0);
        let hopeless = choose_preset(&presets, 600.0, 60.0, measured).unwrap();
        assert_eq!((hopeless.speed, hopeless.fits, hopeless.measured), (Speed::Fast, false, false));
        assert!(choose_preset(&[], 600.0, 60.0, measured).is_none());
    }
}
