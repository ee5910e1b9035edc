//! JPEG: the markers up to the start of scan (JFIF density for the pixel aspect, the baseline frame
//! header for size and chroma subsampling), and the end-of-image marker that says the file is
//! whole. Progressive, lossless, 12-bit, CMYK and Adobe-transformed files are left to ffprobe.

use std::io::{Read, Seek, SeekFrom};

use regie_core::media::chroma_and_depth;
use regie_core::{Rational, StreamDescription, StreamKind};

use super::{LARGEST_HEADER_CHUNK, MOST_CHUNKS, Native, read_chunk, read_exact_or_short, still_picture};

struct Frame {
    width: u32,
    height: u32,
    /// Each component's horizontal and vertical sampling factors.
    sampling: Vec<(u8, u8)>,
}

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    let mut tail = [0u8; 2];
    if size < 4 || file.seek(SeekFrom::Start(size - 2)).is_err() || read_exact_or_short(file, &mut tail) < 2 {
        return unsure("it is cut short");
    }
    if tail != [0xFF, 0xD9] {
        return unsure("it does not end with an end-of-image marker (cut short, or data after it)");
    }
    let mut position = 2u64;
    let mut density: Option<(u16, u16)> = None;
    let mut frame: Option<Frame> = None;
    for _ in 0..MOST_CHUNKS {
        let mut marker = [0u8; 4];
        if file.seek(SeekFrom::Start(position)).is_err() || read_exact_or_short(file, &mut marker) < 4 {
            return unsure("its markers run past the end of the file");
        }
        if marker[0] != 0xFF {
            return unsure("a marker it does not find where one should be");
        }
        let kind = marker[1];
        let length = u64::from(u16::from_be_bytes([marker[2], marker[3]]));
        if length < 2 || position + 2 + length > size {
            return unsure("a segment longer than the file");
        }
        match kind {
            0xDA => break,
            0xE0 => {
                let Some(body) = read_chunk(file, (length - 2).min(LARGEST_HEADER_CHUNK)) else {
                    return unsure("a JFIF segment cut short");
                };
                if body.len() >= 12 && body.starts_with(b"JFIF\0") {
                    density = Some((u16::from_be_bytes([body[8], body[9]]), u16::from_be_bytes([body[10], body[11]])));
                }
            }
            0xEE => return unsure("an Adobe segment (its colour transform)"),
            0xC0 => {
                let Some(body) = read_chunk(file, length - 2) else { return unsure("a frame header cut short") };
                match parse_frame(&body) {
                    Some(parsed) => frame = Some(parsed),
                    None => return unsure("a frame header it does not read"),
                }
            }
            0xC1..=0xCF if ![0xC4, 0xC8, 0xCC].contains(&kind) => {
                return unsure(&format!("a frame of type {kind:#04x} (not baseline)"));
            }
            _ => {}
        }
        position += 2 + length;
    }
    let Some(frame) = frame else { return unsure("no baseline frame header before the scan") };
    if frame.width == 0 || frame.height == 0 {
        return unsure("a size of nothing");
    }
    // The sampling factors of luma and of both chroma components, as cameras and FFmpeg write
    // them (FFmpeg writes 4:2:2 as 2x2 luma over 1x2 chroma).
    let pix_fmt = match frame.sampling.as_slice() {
        [(2, 2), (1, 1), (1, 1)] => "yuvj420p",
        [(2, 1), (1, 1), (1, 1)] | [(2, 2), (1, 2), (1, 2)] => "yuvj422p",
        [(1, 1), (1, 1), (1, 1)] | [(1, 2), (1, 2), (1, 2)] => "yuvj444p",
        sampling => return unsure(&format!("components sampled {sampling:?}")),
    };
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some("mjpeg".to_owned());
    stream.profile = Some("Baseline".to_owned());
    stream.width = Some(frame.width);
    stream.height = Some(frame.height);
    // FFmpeg takes the JFIF densities as the pixel aspect ratio, whatever their unit.
    stream.display_aspect_ratio = density.filter(|(x, y)| *x > 0 && *y > 0).and_then(|(x, y)| {
        Rational::new(u64::from(frame.width) * u64::from(x), u64::from(frame.height) * u64::from(y))
    });
    stream.pix_fmt = Some(pix_fmt.to_owned());
    stream.chroma = chroma_and_depth(pix_fmt).0;
    stream.bit_depth = Some(8);
    still_picture("jpeg", stream)
}

fn parse_frame(body: &[u8]) -> Option<Frame> {
    let precision = *body.first()?;
    if precision != 8 {
        return None;
    }
    let height = u32::from(u16::from_be_bytes([*body.get(1)?, *body.get(2)?]));
    let width = u32::from(u16::from_be_bytes([*body.get(3)?, *body.get(4)?]));
    let count = usize::from(*body.get(5)?);
    let sampling = (0..count)
        .map(|index| body.get(6 + index * 3 + 1).map(|factors| (factors >> 4, factors & 0x0F)))
        .collect::<Option<Vec<_>>>()?;
    Some(Frame { width, height, sampling })
}

fn unsure(reason: &str) -> Native {
    Native::Unsure(format!("JPEG: {reason}"))
}
