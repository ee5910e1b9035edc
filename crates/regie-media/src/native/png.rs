//! PNG: the `IHDR` chunk (size, bit depth, colour type) gives the picture's size and FFmpeg's
//! pixel format (a transparent colour, `tRNS`, adds alpha); the pixel aspect is known only from a
//! `pHYs` chunk; non-square pixels or an animation (`acTL`) are left to ffprobe.

use std::io::{Read, Seek, SeekFrom};

use regie_core::media::chroma_and_depth;
use regie_core::{Rational, StreamDescription, StreamKind};

use super::{MOST_CHUNKS, Native, read_chunk, read_exact_or_short, still_picture};

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    let mut header = None;
    let mut picture_data = false;
    let mut square_pixels = false;
    let mut transparency = false;
    let mut position = 8u64;
    for _ in 0..MOST_CHUNKS {
        if position + 8 > size {
            break;
        }
        let mut head = [0u8; 8];
        if file.seek(SeekFrom::Start(position)).is_err() || read_exact_or_short(file, &mut head) < 8 {
            break;
        }
        let length = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        match &head[4..8] {
            b"IHDR" => match read_chunk(file, length) {
                Some(body) if body.len() == 13 => header = Some(body),
                _ => return unsure("its IHDR chunk is not 13 bytes"),
            },
            b"pHYs" => match read_chunk(file, length) {
                Some(body) if body.len() == 9 => {
                    if body[0..4] != body[4..8] {
                        return unsure("non-square pixels");
                    }
                    square_pixels = body[0..4] != [0, 0, 0, 0];
                }
                _ => return unsure("its pHYs chunk is not 9 bytes"),
            },
            b"acTL" => return unsure("an animation"),
            b"tRNS" => transparency = true,
            b"IDAT" => {
                // ffprobe decodes the picture to describe it: a file cut inside its first
                // data chunk is left to it.
                picture_data = position.saturating_add(12).saturating_add(length) <= size;
                break;
            }
            b"IEND" => break,
            _ => {}
        }
        // Length, type, data, CRC.
        position = position.saturating_add(12).saturating_add(length);
    }
    let Some(header) = header else { return unsure("no IHDR chunk") };
    if !picture_data {
        return unsure("no whole picture data chunk");
    }
    let width = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    let height = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
    let (depth, colour) = (header[8], header[9]);
    // FFmpeg's decoder gives a grey or RGB picture with a transparent colour an alpha channel.
    let pix_fmt = match (colour, depth, transparency) {
        (0, 8, true) => "ya8",
        (0, 16, true) => "ya16be",
        (2, 8, true) => "rgba",
        (2, 16, true) => "rgba64be",
        (0 | 2, _, true) => return unsure("a transparent colour at a depth FFmpeg expands otherwise"),
        _ => match (colour, depth) {
            (0, 1) => "monob",
            (0, 2 | 4 | 8) => "gray",
            (0, 16) => "gray16be",
            (2, 8) => "rgb24",
            (2, 16) => "rgb48be",
            (3, 1 | 2 | 4 | 8) => "pal8",
            (4, 8) => "ya8",
            (4, 16) => "ya16be",
            (6, 8) => "rgba",
            (6, 16) => "rgba64be",
            _ => return unsure(&format!("colour type {colour} at {depth} bits")),
        },
    };
    if width == 0 || height == 0 || width > 1 << 24 || height > 1 << 24 {
        return unsure("a size of nothing or of more than 16 million pixels a side");
    }
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some("png".to_owned());
    stream.width = Some(width);
    stream.height = Some(height);
    // Without a physical size the pixel aspect is unknown, and so is the display's.
    if square_pixels {
        stream.display_aspect_ratio = Rational::new(u64::from(width), u64::from(height));
    }
    stream.pix_fmt = Some(pix_fmt.to_owned());
    let (chroma, bit_depth) = chroma_and_depth(pix_fmt);
    stream.chroma = chroma;
    stream.bit_depth = bit_depth;
    still_picture("png", stream)
}

fn unsure(reason: &str) -> Native {
    Native::Unsure(format!("PNG: {reason}"))
}
