//! DPX (SMPTE 268): the generic file and image headers (size, descriptor, bit depth, packing,
//! pixel aspect ratio, transfer) and, when the file carries them, the film and television headers
//! (frame rate, SMPTE timecode) that an image sequence is described by. Big- and little-endian.

use std::io::{Read, Seek, SeekFrom};

use regie_core::media::chroma_and_depth;
use regie_core::{Rational, StreamDescription, StreamKind};

use super::{Native, read_exact_or_short, still_picture};

/// The generic headers end here; the film header starts at 1664 and the television header ends
/// at 2048.
const GENERIC_HEADER: usize = 1664;
const INDUSTRY_HEADERS: usize = 2048;
const UNDEFINED: u32 = 0xFFFF_FFFF;

/// What a DPX header says of its frame.
#[derive(Debug, Clone, PartialEq)]
pub struct DpxHeader {
    pub width: u32,
    pub height: u32,
    /// 50 RGB, 51 RGBA, 6 luma.
    pub descriptor: u8,
    pub bits: u8,
    pub packing: u16,
    pub transfer: u8,
    pub colorimetry: u8,
    pub big_endian: bool,
    /// The file size the header declares.
    pub file_size: u32,
    pub data_offset: u32,
    pub pixel_aspect: Option<(u32, u32)>,
    /// From the film header, else the television header.
    pub frame_rate: Option<f32>,
    /// From the television header (BCD `HHMMSSFF`), when set.
    pub timecode: Option<String>,
}

impl DpxHeader {
    /// Reads the headers from the first bytes of a file (at least 1,664; 2,048 for the film and
    /// television headers).
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let big_endian = match bytes.get(0..4)? {
            b"SDPX" => true,
            b"XPDS" => false,
            _ => return None,
        };
        if bytes.len() < GENERIC_HEADER {
            return None;
        }
        let u32_at = |at: usize| {
            let field: [u8; 4] = bytes[at..at + 4].try_into().expect("4 bytes");
            if big_endian { u32::from_be_bytes(field) } else { u32::from_le_bytes(field) }
        };
        let u16_at = |at: usize| {
            let field = [bytes[at], bytes[at + 1]];
            if big_endian { u16::from_be_bytes(field) } else { u16::from_le_bytes(field) }
        };
        let data_offset = u32_at(4);
        let pixel_aspect = Some((u32_at(1628), u32_at(1632))).filter(|(horizontal, vertical)| {
            ![0, UNDEFINED].contains(horizontal) && ![0, UNDEFINED].contains(vertical)
        });
        let industry = bytes.len() >= INDUSTRY_HEADERS && data_offset as usize >= INDUSTRY_HEADERS;
        let rate = |at: usize| {
            Some(f32::from_bits(u32_at(at))).filter(|rate| rate.is_finite() && *rate > 0.0 && *rate < 1000.0)
        };
        let frame_rate = if industry { rate(1724).or_else(|| rate(1940)) } else { None };
        let timecode = if industry { bcd_timecode(u32_at(1920)) } else { None };
        Some(Self {
            width: u32_at(772),
            height: u32_at(776),
            descriptor: bytes[800],
            bits: bytes[803],
            packing: u16_at(804),
            transfer: bytes[801],
            colorimetry: bytes[802],
            big_endian,
            file_size: u32_at(16),
            data_offset,
            pixel_aspect,
            frame_rate,
            timecode,
        })
    }

    /// FFmpeg's pixel format for this frame, when it is one FFmpeg decodes as such.
    pub fn pixel_format(&self) -> Option<&'static str> {
        let endian = |big: &'static str, little: &'static str| if self.big_endian { big } else { little };
        Some(match (self.descriptor, self.bits, self.packing) {
            (50, 8, _) => "rgb24",
            (51, 8, _) => "rgba",
            (6, 8, _) => "gray",
            (50, 10, 1) => "gbrp10le",
            (51, 10, 1) => "gbrap10le",
            (50, 12, 1) => "gbrp12le",
            (51, 12, 1) => "gbrap12le",
            (50, 16, 0) => endian("rgb48be", "rgb48le"),
            (51, 16, 0) => endian("rgba64be", "rgba64le"),
            (6, 16, 0) => endian("gray16be", "gray16le"),
            _ => return None,
        })
    }
}

/// A television-header timecode: BCD digits `HHMMSSFF`, undefined when all ones or invalid.
fn bcd_timecode(value: u32) -> Option<String> {
    if value == UNDEFINED {
        return None;
    }
    let digits: Vec<u32> = (0..8).rev().map(|nibble| (value >> (nibble * 4)) & 0xF).collect();
    if digits.iter().any(|digit| *digit > 9) {
        return None;
    }
    let pair = |at: usize| digits[at] * 10 + digits[at + 1];
    let (hours, minutes, seconds, frames) = (pair(0), pair(2), pair(4), pair(6));
    (hours < 24 && minutes < 60 && seconds < 60).then(|| format!("{hours:02}:{minutes:02}:{seconds:02}:{frames:02}"))
}

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    let mut bytes = vec![0u8; INDUSTRY_HEADERS];
    if file.seek(SeekFrom::Start(0)).is_err() {
        return unsure("it cannot be read");
    }
    let read = read_exact_or_short(file, &mut bytes);
    bytes.truncate(read);
    let Some(header) = DpxHeader::parse(&bytes) else { return unsure("a header cut short") };
    if u64::from(header.file_size) != size || u64::from(header.data_offset) >= size {
        return unsure("a declared size that is not the file's (a cut or padded file)");
    }
    let Some(pix_fmt) = header.pixel_format() else {
        return unsure(&format!("descriptor {} at {} bits", header.descriptor, header.bits));
    };
    // Linear transfer with unspecified colorimetry is what FFmpeg names for sure.
    if (header.transfer, header.colorimetry) != (2, 2) {
        return unsure(&format!("transfer {} and colorimetry {}", header.transfer, header.colorimetry));
    }
    let (width, height) = (header.width, header.height);
    if width == 0 || height == 0 || width > 1 << 16 || height > 1 << 16 {
        return unsure("a size of nothing or of more than 65,536 pixels a side");
    }
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some("dpx".to_owned());
    stream.width = Some(width);
    stream.height = Some(height);
    stream.display_aspect_ratio = header.pixel_aspect.and_then(|(horizontal, vertical)| {
        Rational::new(u64::from(width) * u64::from(horizontal), u64::from(height) * u64::from(vertical))
    });
    stream.pix_fmt = Some(pix_fmt.to_owned());
    stream.chroma = chroma_and_depth(pix_fmt).0;
    stream.bit_depth = Some(u32::from(header.bits));
    stream.color_transfer = Some("linear".to_owned());
    still_picture("dpx", stream)
}

fn unsure(reason: &str) -> Native {
    Native::Unsure(format!("DPX: {reason}"))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn television_timecodes_are_binary_coded_decimal() {
        assert_eq!(bcd_timecode(0x1000_0000).as_deref(), Some("10:00:00:00"));
        assert_eq!(bcd_timecode(0x0123_5924).as_deref(), Some("01:23:59:24"));
        assert_eq!(bcd_timecode(UNDEFINED), None);
        assert_eq!(bcd_timecode(0x0A00_0000), None);
        assert_eq!(bcd_timecode(0x2500_0000), None);
    }

    /// A scanner's header: big-endian, image data after the industry headers.
    fn scanner_header(film_rate: f32, television_rate: f32, timecode: u32) -> Vec<u8> {
        let mut bytes = vec![0u8; 2048];
        bytes[0..4].copy_from_slice(b"SDPX");
        bytes[4..8].copy_from_slice(&2048u32.to_be_bytes());
        bytes[772..776].copy_from_slice(&4096u32.to_be_bytes());
        bytes[776..780].copy_from_slice(&3112u32.to_be_bytes());
        bytes[800] = 50;
        bytes[801] = 3;
        bytes[803] = 10;
        bytes[804..806].copy_from_slice(&1u16.to_be_bytes());
        bytes[1724..1728].copy_from_slice(&film_rate.to_bits().to_be_bytes());
        bytes[1920..1924].copy_from_slice(&timecode.to_be_bytes());
        bytes[1940..1944].copy_from_slice(&television_rate.to_bits().to_be_bytes());
        bytes
    }

    #[test]
    fn a_scanners_header_gives_its_frame_rate_and_timecode() {
        let header = DpxHeader::parse(&scanner_header(24.0, 25.0, 0x0100_0000)).unwrap();
        assert_eq!((header.width, header.height, header.bits, header.big_endian), (4096, 3112, 10, true));
        assert_eq!(header.frame_rate, Some(24.0), "the film header comes first");
        assert_eq!(header.timecode.as_deref(), Some("01:00:00:00"));
        assert_eq!(header.pixel_format(), Some("gbrp10le"));
        let television = DpxHeader::parse(&scanner_header(f32::NAN, 25.0, UNDEFINED)).unwrap();
        assert_eq!((television.frame_rate, television.timecode), (Some(25.0), None));
        let neither = DpxHeader::parse(&scanner_header(0.0, -1.0, 0x9999_9999)).unwrap();
        assert_eq!((neither.frame_rate, neither.timecode), (None, None));
        assert_eq!(DpxHeader::parse(&scanner_header(24.0, 25.0, 0)[..1000]), None, "cut short");
    }
}
