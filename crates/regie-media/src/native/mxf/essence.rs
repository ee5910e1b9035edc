//! The picture codecs the MXF reader describes from their first frame, as FFmpeg's decoders
//! report them: MPEG-2 (sequence header and extensions) and DNxHD/DNxHR (frame header).

use regie_core::media::chroma_and_depth;
use regie_core::{Rational, StreamDescription, StreamKind};

use crate::native::isobmff::sample_entry::{primaries_name, transfer_name};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum PictureCoding {
    Mpeg2,
    Dnxhd,
}

/// The codec a picture essence coding label names (bytes 8 to 13; the version byte aside).
pub(super) fn picture_coding(label: &[u8]) -> Result<PictureCoding, String> {
    if label.len() != 16 || label[0..7] != [0x06, 0x0E, 0x2B, 0x34, 0x04, 0x01, 0x01] {
        return Err("a picture essence coding it does not know".to_owned());
    }
    // MPEG compression: MPEG-2 profiles and levels below 0x10, MPEG-4 and AVC above.
    match label[8..14] {
        [0x04, 0x01, 0x02, 0x02, 0x01, 0x01..=0x0F] => Ok(PictureCoding::Mpeg2),
        [0x04, 0x01, 0x02, 0x02, 0x71, _] => Ok(PictureCoding::Dnxhd),
        _ => Err(format!("picture essence coding {:02x?}", &label[8..16])),
    }
}

/// The stream a first frame describes, and whether its display aspect ratio is the codec's own
/// (used when the descriptor gives none).
pub(super) fn describe_picture(coding: PictureCoding, frame: &[u8]) -> Result<(StreamDescription, bool), String> {
    match coding {
        PictureCoding::Mpeg2 => mpeg2(frame),
        PictureCoding::Dnxhd => dnxhd(frame).map(|stream| (stream, false)),
    }
}

/// Reads bits most significant first.
struct Bits<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn read(&mut self, count: u32) -> Result<u32, String> {
        let mut value = 0u32;
        for _ in 0..count {
            let byte = *self.bytes.get(self.at / 8).ok_or("a picture header cut short")?;
            value = (value << 1) | u32::from((byte >> (7 - self.at % 8)) & 1);
            self.at += 1;
        }
        Ok(value)
    }
}

/// The bytes after each `00 00 01 code` start code.
fn start_codes(frame: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    frame
        .windows(4)
        .enumerate()
        .filter(|(_, window)| window[0..3] == [0, 0, 1])
        .map(move |(at, window)| (window[3], &frame[at + 4..]))
}

fn mpeg2(frame: &[u8]) -> Result<(StreamDescription, bool), String> {
    let mut codes = start_codes(frame);
    let (code, sequence) = codes.next().ok_or("no MPEG-2 start code")?;
    if code != 0xB3 {
        return Err("an MPEG-2 essence that does not start with a sequence header".to_owned());
    }
    let mut bits = Bits { bytes: sequence, at: 0 };
    let width = bits.read(12)?;
    let height = bits.read(12)?;
    let aspect_code = bits.read(4)?;
    let mut extension = None;
    let mut display = None;
    for (code, body) in start_codes(frame) {
        match (code, body.first().map(|byte| byte >> 4)) {
            (0xB5, Some(1)) if extension.is_none() => extension = Some(body),
            (0xB5, Some(2)) if display.is_none() => display = Some(body),
            (0x00, _) => break,
            _ => {}
        }
    }
    let extension = extension.ok_or("MPEG-1 video (no sequence extension)")?;
    let mut bits = Bits { bytes: extension, at: 4 };
    bits.read(1)?;
    let profile = match bits.read(3)? {
        0 => "4:2:2",
        1 => "High",
        2 => "Spatially Scalable",
        3 => "SNR Scalable",
        4 => "Main",
        5 => "Simple",
        other => return Err(format!("MPEG-2 profile {other}")),
    };
    let level = bits.read(4)?;
    bits.read(1)?;
    let pix_fmt = match bits.read(2)? {
        1 => "yuv420p",
        2 => "yuv422p",
        3 => "yuv444p",
        _ => return Err("an MPEG-2 chroma format of 0".to_owned()),
    };
    let width = width | (bits.read(2)? << 12);
    let height = height | (bits.read(2)? << 12);
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some("mpeg2video".to_owned());
    stream.profile = Some(profile.to_owned());
    stream.level = Some(level).filter(|level| *level > 0);
    stream.width = Some(width).filter(|width| *width > 0);
    stream.height = Some(height).filter(|height| *height > 0);
    let (chroma, bit_depth) = chroma_and_depth(pix_fmt);
    stream.pix_fmt = Some(pix_fmt.to_owned());
    stream.chroma = chroma;
    stream.bit_depth = bit_depth;
    if let Some(display) = display {
        let mut bits = Bits { bytes: display, at: 4 + 3 };
        if bits.read(1)? == 1 {
            stream.color_primaries = primaries_name(bits.read(8)? as u8)?;
            stream.color_transfer = transfer_name(bits.read(8)? as u8)?;
        }
    }
    // Without a display extension FFmpeg's pixel aspect makes the display aspect the code's.
    let aspect = match aspect_code {
        1 => Rational::new(u64::from(width), u64::from(height)),
        2 => Rational::new(4, 3),
        3 => Rational::new(16, 9),
        4 => Rational::new(221, 100),
        _ => None,
    };
    let known = aspect.is_some() && display.is_none();
    stream.display_aspect_ratio = aspect.filter(|_| known);
    Ok((stream, known))
}

fn dnxhd(frame: &[u8]) -> Result<StreamDescription, String> {
    let header = frame.get(..0x30).ok_or("a DNxHD header cut short")?;
    if header[0..4] != [0x00, 0x00, 0x02, 0x80] || !matches!(header[4], 0x01..=0x03) {
        return Err("no DNxHD header prefix".to_owned());
    }
    if header[5] & 2 != 0 {
        return Err("interlaced DNxHD".to_owned());
    }
    let height = u32::from(u16::from_be_bytes([header[0x18], header[0x19]]));
    let width = u32::from(u16::from_be_bytes([header[0x1A], header[0x1B]]));
    let depth = match header[0x21] >> 5 {
        1 => 8,
        2 => 10,
        3 => 12,
        other => return Err(format!("DNxHD bit depth code {other}")),
    };
    let four_four_four = (header[0x2C] >> 6) & 1 == 1;
    let colour_transform = header[0x2C] & 7 != 0;
    let pix_fmt = match (four_four_four, depth, colour_transform) {
        (false, 8, false) => "yuv422p",
        (false, 10, false) => "yuv422p10le",
        (false, 12, false) => "yuv422p12le",
        (true, 10, false) => "gbrp10le",
        (true, 12, false) => "gbrp12le",
        (true, 10, true) => "yuv444p10le",
        (true, 12, true) => "yuv444p12le",
        _ => return Err("a DNxHD sampling it does not follow".to_owned()),
    };
    let compression_id = u32::from_be_bytes(header[0x28..0x2C].try_into().expect("4 bytes"));
    let profile = match compression_id {
        1270 => "DNXHR 444",
        1271 => "DNXHR HQX",
        1272 => "DNXHR HQ",
        1273 => "DNXHR SQ",
        1274 => "DNXHR LB",
        1235..=1260 => "DNXHD",
        other => return Err(format!("DNxHD compression ID {other}")),
    };
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some("dnxhd".to_owned());
    stream.profile = Some(profile.to_owned());
    stream.width = Some(width).filter(|width| *width > 0);
    stream.height = Some(height).filter(|height| *height > 0);
    stream.pix_fmt = Some(pix_fmt.to_owned());
    stream.chroma = chroma_and_depth(pix_fmt).0;
    stream.bit_depth = Some(depth);
    Ok(stream)
}
