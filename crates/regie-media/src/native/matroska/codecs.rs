//! Matroska tracks, and the streams FFmpeg makes of them codec by codec: H.264, HEVC and AAC from their
//! codec private data (as in MP4), VP9 from its first frame's header, Opus and Vorbis from their
//! identification headers, FLAC from its STREAMINFO, PCM from the track's own elements, and text
//! and picture subtitles by name. Any other codec is left to ffprobe.

use regie_core::media::chroma_and_depth;
use regie_core::{StreamDescription, StreamKind};

use super::ebml::{child, children, float, string, unsigned};
use crate::native::bits::Bits;
use crate::native::flac::stream_of_streaminfo;
use crate::native::isobmff::sample_entry::{aac_of_config, h264_of_avcc, hevc_of_hvcc, primaries_name, transfer_name};

const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const CODEC_PRIVATE: u32 = 0x63A2;
const DEFAULT_DURATION: u32 = 0x23_E383;
const LANGUAGE: u32 = 0x22_B59C;
const LANGUAGE_BCP47: u32 = 0x22_B59D;
const CONTENT_ENCODINGS: u32 = 0x6D80;
const VIDEO: u32 = 0xE0;
const AUDIO: u32 = 0xE1;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const DISPLAY_WIDTH: u32 = 0x54B0;
const DISPLAY_HEIGHT: u32 = 0x54BA;
const DISPLAY_UNIT: u32 = 0x54B2;
const CROPS: [u32; 4] = [0x54AA, 0x54BB, 0x54CC, 0x54DD];
const FLAG_INTERLACED: u32 = 0x9A;
const ALPHA_MODE: u32 = 0x53C0;
const COLOUR: u32 = 0x55B0;
const PRIMARIES: u32 = 0x55BB;
const TRANSFER: u32 = 0x55BA;
const RANGE: u32 = 0x55B9;
const SAMPLING_FREQUENCY: u32 = 0xB5;
const CHANNELS: u32 = 0x9F;
const BIT_DEPTH: u32 = 0x6264;

/// Track types as Matroska numbers them.
pub(super) const VIDEO_TRACK: u64 = 1;
const AUDIO_TRACK: u64 = 2;
const SUBTITLE_TRACK: u64 = 17;

/// One `TrackEntry`.
pub(super) struct Track {
    pub number: u64,
    pub kind: u64,
    pub codec_id: String,
    pub private: Vec<u8>,
    pub default_duration: Option<u64>,
    /// The language ffprobe reports: the element's (English when absent), none for `und`.
    pub language: Option<String>,
    pub picture: Picture,
    pub sound: Sound,
}

/// A video track's `Video` element.
#[derive(Default)]
pub(super) struct Picture {
    pub pixel_width: u64,
    pub pixel_height: u64,
    pub display_width: Option<u64>,
    pub display_height: Option<u64>,
    pub display_unit: u64,
    /// 0 undetermined, 1 interlaced, 2 progressive.
    pub interlaced: u64,
    /// Primaries and transfer from the `Colour` element (2, "unspecified", when absent).
    pub colour: Option<(u8, u8)>,
}

/// An audio track's `Audio` element.
#[derive(Default)]
pub(super) struct Sound {
    pub sample_rate: f64,
    pub channels: u64,
    pub bit_depth: Option<u64>,
}

pub(super) fn read_tracks(body: &[u8]) -> Result<Vec<Track>, String> {
    let mut tracks = Vec::new();
    for (id, entry) in children(body)? {
        if id != TRACK_ENTRY {
            continue;
        }
        let fields = children(entry)?;
        let number_of = |id: u32, default: u64| child(&fields, id).map_or(Ok(default), unsigned);
        if child(&fields, CONTENT_ENCODINGS).is_some() {
            return Err("a track with content encodings (compression or encryption)".to_owned());
        }
        if child(&fields, LANGUAGE_BCP47).is_some() {
            return Err("a BCP 47 language".to_owned());
        }
        let language = child(&fields, LANGUAGE).map_or_else(|| "eng".to_owned(), string);
        let mut track = Track {
            number: number_of(TRACK_NUMBER, 0)?,
            kind: number_of(TRACK_TYPE, 0)?,
            codec_id: codec_id(child(&fields, CODEC_ID).ok_or("a track without a codec ID")?)?,
            private: child(&fields, CODEC_PRIVATE).unwrap_or_default().to_vec(),
            default_duration: child(&fields, DEFAULT_DURATION)
                .map(unsigned)
                .transpose()?
                .filter(|duration| *duration > 0),
            language: Some(language).filter(|language| language != "und" && !language.is_empty()),
            picture: Picture::default(),
            sound: Sound::default(),
        };
        if track.number == 0 {
            return Err("a track numbered 0".to_owned());
        }
        if let Some(video) = child(&fields, VIDEO) {
            track.picture = read_picture(video)?;
        }
        if let Some(audio) = child(&fields, AUDIO) {
            let elements = children(audio)?;
            track.sound = Sound {
                sample_rate: child(&elements, SAMPLING_FREQUENCY).map_or(Ok(8000.0), float)?,
                channels: child(&elements, CHANNELS).map_or(Ok(1), unsigned)?,
                bit_depth: child(&elements, BIT_DEPTH).map(unsigned).transpose()?,
            };
        }
        tracks.push(track);
        if tracks.len() > 64 {
            return Err("more than 64 tracks".to_owned());
        }
    }
    Ok(tracks)
}

/// A codec ID, which reasons name: short printable ASCII only (a file's bytes never reach a
/// message otherwise).
fn codec_id(body: &[u8]) -> Result<String, String> {
    let id = string(body);
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err("a codec ID that is not short printable text".to_owned());
    }
    Ok(id)
}

fn read_picture(body: &[u8]) -> Result<Picture, String> {
    let elements = children(body)?;
    let number = |id: u32| child(&elements, id).map(unsigned).transpose();
    if CROPS.iter().any(|id| child(&elements, *id).is_some_and(|crop| unsigned(crop).unwrap_or(1) != 0)) {
        return Err("a cropped picture".to_owned());
    }
    if number(ALPHA_MODE)?.is_some_and(|mode| mode != 0) {
        return Err("a picture with alpha".to_owned());
    }
    let colour = match child(&elements, COLOUR) {
        Some(colour) => {
            let colour = children(colour)?;
            let code = |id: u32| child(&colour, id).map_or(Ok(2), unsigned);
            if code(RANGE)? == 2 {
                return Err("full-range colour".to_owned());
            }
            let (primaries, transfer) = (code(PRIMARIES)?, code(TRANSFER)?);
            Some((
                u8::try_from(primaries).map_err(|_| "colour primaries out of range")?,
                u8::try_from(transfer).map_err(|_| "a transfer out of range")?,
            ))
        }
        None => None,
    };
    Ok(Picture {
        pixel_width: number(PIXEL_WIDTH)?.ok_or("a picture without a width")?,
        pixel_height: number(PIXEL_HEIGHT)?.ok_or("a picture without a height")?,
        display_width: number(DISPLAY_WIDTH)?,
        display_height: number(DISPLAY_HEIGHT)?,
        display_unit: number(DISPLAY_UNIT)?.unwrap_or(0),
        interlaced: number(FLAG_INTERLACED)?.unwrap_or(0),
        colour,
    })
}

/// The stream ffprobe makes of `track` (its language, frame rate and aspect are the caller's).
pub(super) fn describe(track: &Track, first_frame: Option<&[u8]>) -> Result<StreamDescription, String> {
    match track.kind {
        VIDEO_TRACK => {
            if track.picture.interlaced == 1 {
                return Err("an interlaced picture".to_owned());
            }
            match track.codec_id.as_str() {
                "V_MPEG4/ISO/AVC" => Ok(h264_of_avcc(&track.private, track.picture.colour)?.0),
                "V_MPEGH/ISO/HEVC" if track.picture.interlaced == 2 => {
                    Ok(hevc_of_hvcc(&track.private, track.picture.colour)?.0)
                }
                "V_MPEGH/ISO/HEVC" => {
                    Err("HEVC without a progressive flag (its field order is not settled)".to_owned())
                }
                "V_VP9" => vp9(track, first_frame.ok_or("a VP9 track without a frame")?),
                other => Err(format!("video codec {other}")),
            }
        }
        AUDIO_TRACK => sound(track),
        SUBTITLE_TRACK => {
            let codec = match track.codec_id.as_str() {
                "S_TEXT/UTF8" => "subrip",
                "S_TEXT/ASS" | "S_TEXT/SSA" | "S_ASS" | "S_SSA" => "ass",
                "S_TEXT/WEBVTT" => "webvtt",
                "S_HDMV/PGS" => "hdmv_pgs_subtitle",
                "S_VOBSUB" => "dvd_subtitle",
                other => return Err(format!("subtitle codec {other}")),
            };
            let mut stream = StreamDescription::of_kind(StreamKind::Subtitle);
            stream.codec = Some(codec.to_owned());
            Ok(stream)
        }
        other => Err(format!("a track of type {other}")),
    }
}

fn sound(track: &Track) -> Result<StreamDescription, String> {
    let private = track.private.as_slice();
    let mut stream = match track.codec_id.as_str() {
        "A_AAC" => aac_of_config(private)?,
        "A_OPUS" => opus(private)?,
        "A_VORBIS" => vorbis(private)?,
        "A_FLAC" => {
            // "fLaC", a metadata block header, then STREAMINFO.
            if private.get(..4) != Some(b"fLaC") || private.get(4).map(|kind| kind & 0x7F) != Some(0) {
                return Err("FLAC private data without STREAMINFO first".to_owned());
            }
            stream_of_streaminfo(private.get(8..42).ok_or("a FLAC STREAMINFO cut short")?)?.0
        }
        id if id.starts_with("A_PCM/") => pcm(track)?,
        other => return Err(format!("audio codec {other}")),
    };
    if !matches!(track.codec_id.as_str(), "A_OPUS" | "A_VORBIS" | "A_FLAC" | "A_AAC") {
        return Ok(stream);
    }
    // The codec's own header settles the rate; the track's element must agree with it.
    if stream.sample_rate.map(f64::from) != Some(track.sound.sample_rate) && track.codec_id != "A_OPUS" {
        return Err("the track's sample rate differs from its codec's".to_owned());
    }
    if stream.channels.map(u64::from) != Some(track.sound.channels) {
        return Err("the track's channel count differs from its codec's".to_owned());
    }
    stream.duration_s = None;
    Ok(stream)
}

/// PCM: the codec from the track's bit depth and byte order; FFmpeg reports no channel layout.
fn pcm(track: &Track) -> Result<StreamDescription, String> {
    let bits = track.sound.bit_depth.ok_or("PCM without a bit depth")?;
    let (codec, sample_format) = match (track.codec_id.as_str(), bits) {
        ("A_PCM/INT/LIT", 8) => ("pcm_u8", "u8"),
        ("A_PCM/INT/LIT", 16) => ("pcm_s16le", "s16"),
        ("A_PCM/INT/LIT", 24) => ("pcm_s24le", "s32"),
        ("A_PCM/INT/LIT", 32) => ("pcm_s32le", "s32"),
        ("A_PCM/INT/BIG", 16) => ("pcm_s16be", "s16"),
        ("A_PCM/INT/BIG", 24) => ("pcm_s24be", "s32"),
        ("A_PCM/INT/BIG", 32) => ("pcm_s32be", "s32"),
        ("A_PCM/FLOAT/IEEE", 32) => ("pcm_f32le", "flt"),
        ("A_PCM/FLOAT/IEEE", 64) => ("pcm_f64le", "dbl"),
        (id, bits) => return Err(format!("{id} at {bits} bits")),
    };
    let rate = track.sound.sample_rate;
    if rate.fract() != 0.0 || !(1.0..=768_000.0).contains(&rate) || !(1..=64).contains(&track.sound.channels) {
        return Err("a PCM sample rate or channel count out of range".to_owned());
    }
    let mut stream = StreamDescription::of_kind(StreamKind::Audio);
    stream.codec = Some(codec.to_owned());
    stream.channels = Some(track.sound.channels as u32);
    stream.sample_rate = Some(rate as u32);
    stream.sample_format = Some(sample_format.to_owned());
    stream.bit_depth = Some(bits as u32);
    Ok(stream)
}

/// Vorbis' channel order, by FFmpeg's layout names (Opus mapping family 1 uses it too).
fn vorbis_layout(channels: u32) -> Option<&'static str> {
    ["mono", "stereo", "3.0", "quad", "5.0", "5.1", "6.1", "7.1"]
        .get(usize::try_from(channels).ok()?.checked_sub(1)?)
        .copied()
}

/// Opus: channels and mapping from the `OpusHead` identification header; always 48 kHz.
fn opus(private: &[u8]) -> Result<StreamDescription, String> {
    if private.get(..8) != Some(b"OpusHead") || private.len() < 19 {
        return Err("Opus private data without its OpusHead".to_owned());
    }
    let channels = u32::from(private[9]);
    let layout = match (private[18], channels) {
        (0, 1) => "mono",
        (0, 2) => "stereo",
        (1, 1..=8) => vorbis_layout(channels).expect("1 to 8 channels"),
        (family, channels) => return Err(format!("Opus mapping family {family} with {channels} channels")),
    };
    let mut stream = StreamDescription::of_kind(StreamKind::Audio);
    stream.codec = Some("opus".to_owned());
    stream.channels = Some(channels);
    stream.channel_layout = Some(layout.to_owned());
    stream.sample_rate = Some(48_000);
    stream.sample_format = Some("fltp".to_owned());
    Ok(stream)
}

/// Vorbis: channels and rate from the identification header, the first of the three headers
/// Matroska carries in Xiph lacing.
fn vorbis(private: &[u8]) -> Result<StreamDescription, String> {
    if private.first() != Some(&2) {
        return Err("Vorbis private data without its three headers".to_owned());
    }
    // Xiph lacing: the first two sizes as runs of 255 ending below 255.
    let mut at = 1usize;
    for _ in 0..2 {
        loop {
            let byte = *private.get(at).ok_or("Vorbis header sizes cut short")?;
            at += 1;
            if byte < 255 {
                break;
            }
        }
    }
    let header = private.get(at..at + 16).ok_or("a Vorbis identification header cut short")?;
    if &header[..7] != b"\x01vorbis" {
        return Err("no Vorbis identification header first".to_owned());
    }
    let channels = u32::from(header[11]);
    let sample_rate = u32::from_le_bytes(header[12..16].try_into().expect("4 bytes"));
    let layout = vorbis_layout(channels).ok_or(format!("Vorbis with {channels} channels"))?;
    if sample_rate == 0 {
        return Err("Vorbis at 0 Hz".to_owned());
    }
    let mut stream = StreamDescription::of_kind(StreamKind::Audio);
    stream.codec = Some("vorbis".to_owned());
    stream.channels = Some(channels);
    stream.channel_layout = Some(layout.to_owned());
    stream.sample_rate = Some(sample_rate);
    stream.sample_format = Some("fltp".to_owned());
    Ok(stream)
}

/// VP9: profile, bit depth, colour space and subsampling, and size from the first frame's
/// uncompressed header (a key frame); colours from the track's `Colour` element.
fn vp9(track: &Track, frame: &[u8]) -> Result<StreamDescription, String> {
    let mut bits = Bits { bytes: frame, at: 0 };
    let mut read = |count: u32| bits.read(count);
    if read(2)? != 2 {
        return Err("no VP9 frame marker".to_owned());
    }
    let low = read(1)?;
    let profile = (read(1)? << 1) | low;
    if profile == 3 {
        read(1)?;
    }
    if read(1)? == 1 {
        return Err("a VP9 stream that starts by showing an earlier frame".to_owned());
    }
    if read(1)? != 0 {
        return Err("a VP9 stream that does not start with a key frame".to_owned());
    }
    read(2)?; // show_frame, error_resilient_mode
    if read(24)? != 0x49_8342 {
        return Err("no VP9 sync code".to_owned());
    }
    let depth = if profile >= 2 { if read(1)? == 1 { 12 } else { 10 } } else { 8 };
    let colour_space = read(3)?;
    let (rgb, subsampling) = if colour_space != 7 {
        read(1)?; // colour range: FFmpeg keeps the plain formats, not the "j" ones
        let subsampling = if profile == 1 || profile == 3 {
            let both = (read(1)?, read(1)?);
            read(1)?;
            both
        } else {
            (1, 1)
        };
        (false, subsampling)
    } else {
        if profile == 0 || profile == 2 {
            return Err("RGB in a VP9 profile without it".to_owned());
        }
        read(1)?;
        (true, (0, 0))
    };
    let width = read(16)? + 1;
    let height = read(16)? + 1;
    let base = match (rgb, subsampling) {
        (true, _) => "gbrp",
        (false, (1, 1)) => "yuv420p",
        (false, (1, 0)) => "yuv422p",
        (false, (0, 1)) => "yuv440p",
        _ => "yuv444p",
    };
    let pix_fmt = if depth == 8 { base.to_owned() } else { format!("{base}{depth}le") };
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some("vp9".to_owned());
    stream.profile = Some(format!("Profile {profile}"));
    stream.width = Some(width);
    stream.height = Some(height);
    if track.picture.interlaced == 2 {
        stream.field_order = Some("progressive".to_owned());
    }
    let (chroma, bit_depth) = chroma_and_depth(&pix_fmt);
    stream.pix_fmt = Some(pix_fmt);
    stream.chroma = chroma;
    stream.bit_depth = bit_depth;
    if let Some((primaries, transfer)) = track.picture.colour {
        stream.color_primaries = primaries_name(primaries)?;
        stream.color_transfer = transfer_name(transfer)?;
    }
    Ok(stream)
}
