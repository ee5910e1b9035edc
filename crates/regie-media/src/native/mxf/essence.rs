//! The picture codecs the MXF reader describes from their first frame, as FFmpeg's decoders
//! report them: MPEG-2 (sequence header and extensions), H.264 (AVC-Intra and XAVC: the first
//! sequence parameter set) and DNxHD/DNxHR (frame header).

use regie_core::media::chroma_and_depth;
use regie_core::{StreamDescription, StreamKind};

use crate::native::isobmff::sample_entry::h264_of_annex_b;
use crate::native::mpeg2video;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum PictureCoding {
    Mpeg2,
    H264,
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
        [0x04, 0x01, 0x02, 0x02, 0x01, 0x31..=0x3F] => Ok(PictureCoding::H264),
        [0x04, 0x01, 0x02, 0x02, 0x71, _] => Ok(PictureCoding::Dnxhd),
        _ => Err(format!("picture essence coding {:02x?}", &label[8..16])),
    }
}

/// The stream a first frame describes, and whether its display aspect ratio is the codec's own
/// (used when the descriptor gives none).
pub(super) fn describe_picture(coding: PictureCoding, frame: &[u8]) -> Result<(StreamDescription, bool), String> {
    match coding {
        PictureCoding::Mpeg2 => mpeg2video::describe(frame),
        PictureCoding::Dnxhd => dnxhd(frame).map(|stream| (stream, false)),
        PictureCoding::H264 => h264_of_annex_b(frame).map(|(stream, _)| (stream, false)),
    }
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
