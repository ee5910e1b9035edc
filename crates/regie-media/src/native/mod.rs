//! The native prober: reads the headers of the formats it knows (WAV, BWF, RF64, AIFF, FLAC, MP3,
//! PNG, JPEG, TIFF, MP4, QuickTime, Matroska, WebM, MXF, MPEG-TS, DPX, EXR) in this
//! process, in microseconds, and fills the same [`MediaDescription`] ffprobe's answer gives.
//! It answers only when it understands every field it fills; anything else (an unknown codec, a
//! damaged or truncated file, a header it cannot bound) is `Native::Unsure`, and the caller asks
//! ffprobe. Sizes read from a file are never trusted for an allocation: chunks are skipped by
//! seeking, and only the small header chunks it needs are read, each bounded.

mod aiff;
mod bits;
mod dpx;
mod exr;

pub use dpx::DpxHeader;
pub use exr::ExrTiming;
mod flac;
mod isobmff;
mod jpeg;
mod matroska;
mod mp3;
mod mpeg2video;
mod mpegts;
mod mxf;
mod png;
mod riff;
mod tiff;

use std::io::{Read, Seek, SeekFrom};

use regie_core::{ImageInfo, MediaDescription, StreamDescription};

/// What the native prober made of a file.
// Made once per probe and consumed at once, never held in bulk: boxing would only add a copy.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Native {
    /// Described as ffprobe would.
    Described(MediaDescription),
    /// Not a format it reads; ffprobe is asked.
    NotMine,
    /// One it reads, but something in it is not understood (named): ffprobe is asked.
    Unsure(String),
}

/// The largest header chunk read into memory (a `fmt ` chunk is 16 to 40 bytes; `COMM` 18 to a
/// few dozen).
const LARGEST_HEADER_CHUNK: u64 = 4096;
/// Chunks looked at before giving up on finding the ones needed.
const MOST_CHUNKS: usize = 256;

/// Describes `file` (of `size` bytes) when it is a format the native prober reads.
pub fn probe_native<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    let mut magic = [0u8; 12];
    if file.seek(SeekFrom::Start(0)).is_err() || read_exact_or_short(file, &mut magic) < 12 {
        return Native::NotMine;
    }
    match (&magic[0..4], &magic[8..12]) {
        (b"RIFF" | b"RF64" | b"BW64", b"WAVE") => riff::describe(file, size, &magic),
        (b"FORM", b"AIFF" | b"AIFC") => aiff::describe(file, size, &magic),
        _ if &magic[0..4] == b"fLaC" => flac::describe(file, size),
        _ if magic[0..4] == [0x1A, 0x45, 0xDF, 0xA3] => matroska::describe(file, size),
        _ if magic[0..4] == [0x06, 0x0E, 0x2B, 0x34] => mxf::describe(file, size),
        _ if magic[0..8] == *b"\x89PNG\r\n\x1a\n" => png::describe(file, size),
        _ if &magic[4..8] == b"ftyp" => isobmff::describe(file, size),
        _ if &magic[0..4] == b"SDPX" || &magic[0..4] == b"XPDS" => dpx::describe(file, size),
        _ if magic[0..3] == [0xFF, 0xD8, 0xFF] => jpeg::describe(file, size),
        _ if magic[0..4] == [0x76, 0x2F, 0x31, 0x01] => exr::describe(file, size),
        _ if &magic[0..4] == b"II*\0" || &magic[0..4] == b"MM\0*" => tiff::describe(file, size),
        _ if &magic[0..3] == b"ID3" || (magic[0] == 0xFF && magic[1] & 0xE0 == 0xE0) => mp3::describe(file, size),
        _ if magic[0] == 0x47 || magic[4] == 0x47 => mpegts::describe(file, size),
        _ => Native::NotMine,
    }
}

/// Reads as much of `buffer` as the file has; returns how much.
fn read_exact_or_short<F: Read>(file: &mut F, buffer: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(read) => filled += read,
        }
    }
    filled
}

/// Reads a header chunk of `length` bytes (bounded), or `None` when the file ends first.
fn read_chunk<F: Read>(file: &mut F, length: u64) -> Option<Vec<u8>> {
    if length > LARGEST_HEADER_CHUNK {
        return None;
    }
    let mut buffer = vec![0u8; length as usize];
    (read_exact_or_short(file, &mut buffer) == buffer.len()).then_some(buffer)
}

/// The overall bit rate ffprobe reports: the file's bits over its duration in whole microseconds.
fn overall_bit_rate(size: u64, duration_s: f64) -> Option<u64> {
    let microseconds = (duration_s * 1e6).round() as u128;
    (microseconds > 0).then(|| (u128::from(size) * 8 * 1_000_000 / microseconds).min(u128::from(u64::MAX)) as u64)
}

/// A file of one PCM-like audio stream, as ffprobe describes it: `stream` (its duration set here),
/// the duration over every frame, and the overall bit rate.
fn sound_file(container: &str, mut stream: StreamDescription, frames: u64, size: u64) -> Native {
    let duration = duration_of(frames, stream.sample_rate.unwrap_or(1).max(1));
    stream.duration_s = Some(duration);
    Native::Described(MediaDescription {
        container: container.to_owned(),
        duration_s: Some(duration),
        bit_rate: overall_bit_rate(size, duration),
        timecode: None,
        operational_pattern: None,
        streams: vec![stream],
        image: None,
        prober: None,
        sequence: None,
    })
}

/// A still image of one picture stream, as ffprobe describes it (EXIF is added by the caller).
fn still_picture(container: &str, stream: StreamDescription) -> Native {
    let (width, height) = (stream.width, stream.height);
    Native::Described(MediaDescription {
        container: container.to_owned(),
        duration_s: None,
        bit_rate: None,
        timecode: None,
        operational_pattern: None,
        streams: vec![stream],
        image: Some(ImageInfo { format: container.to_owned(), width, height, orientation: None, capture_date: None }),
        prober: None,
        sequence: None,
    })
}

/// `num / den` reduced to terms no larger than `max`, approximated as FFmpeg's `av_reduce` does
/// (by continued fractions) when the exact ratio does not fit.
fn reduce(num: u64, den: u64, max: u64) -> Option<(u64, u64)> {
    if num == 0 || den == 0 || max == 0 {
        return None;
    }
    let divisor = regie_core::Rational::new(num, den).map(|exact| num / exact.num)?;
    let (mut num, mut den, max) = (i128::from(num / divisor), i128::from(den / divisor), i128::from(max));
    let (mut before, mut last) = ((0i128, 1i128), (1i128, 0i128));
    if num <= max && den <= max {
        return Some((num as u64, den as u64));
    }
    while den != 0 {
        let mut whole = num / den;
        let next_den = num - den * whole;
        let next = (whole * last.0 + before.0, whole * last.1 + before.1);
        if next.0 > max || next.1 > max {
            if last.0 != 0 {
                whole = (max - before.0) / last.0;
            }
            if last.1 != 0 {
                whole = whole.min((max - before.1) / last.1);
            }
            if den * (2 * whole * last.1 + before.1) > num * last.1 {
                last = (whole * last.0 + before.0, whole * last.1 + before.1);
            }
            break;
        }
        before = last;
        last = next;
        num = den;
        den = next_den;
    }
    (last.0 > 0 && last.1 > 0).then_some((last.0 as u64, last.1 as u64))
}

/// The display aspect ffprobe prints for a picture of `width` × `height` with pixels of `aspect`
/// (reduced within 2^20; a ratio FFmpeg would have to approximate is an error).
fn display_aspect(width: u32, height: u32, (num, den): (u32, u32)) -> Result<regie_core::Rational, String> {
    let ratio = regie_core::Rational::new(u64::from(width) * u64::from(num), u64::from(height) * u64::from(den))
        .ok_or("a zero display aspect ratio")?;
    if ratio.num > 1 << 20 || ratio.den > 1 << 20 {
        return Err("a display aspect ratio FFmpeg would round".to_owned());
    }
    Ok(ratio)
}

/// `value × multiplier / divisor`, rounded to the nearest (FFmpeg's `av_rescale`).
fn rescale(value: u64, multiplier: u64, divisor: u64) -> u64 {
    let product = u128::from(value) * u128::from(multiplier);
    ((product + u128::from(divisor) / 2) / u128::from(divisor)).min(u128::from(u64::MAX)) as u64
}

/// A duration as ffprobe prints it: microseconds.
fn duration_of(frames: u64, sample_rate: u32) -> f64 {
    let seconds = frames as f64 / f64::from(sample_rate);
    (seconds * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests;
