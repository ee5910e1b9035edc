//! MPEG-2 video, as FFmpeg's decoder reports it from a sequence header and its extensions:
//! profile, level, size, chroma format, colours and aspect ratio.

use regie_core::media::chroma_and_depth;
use regie_core::{Rational, StreamDescription, StreamKind};

use super::bits::Bits;
use super::isobmff::sample_entry::{primaries_name, transfer_name};

/// The bytes after each `00 00 01 code` start code.
fn start_codes(frame: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    frame
        .windows(4)
        .enumerate()
        .filter(|(_, window)| window[0..3] == [0, 0, 1])
        .map(move |(at, window)| (window[3], &frame[at + 4..]))
}

/// Whether the sequence extension says every picture is a frame (`progressive_sequence`).
pub(super) fn is_progressive(frame: &[u8]) -> bool {
    start_codes(frame).find(|(code, body)| *code == 0xB5 && body.first().map(|byte| byte >> 4) == Some(1)).is_some_and(
        |(_, body)| {
            let mut bits = Bits { bytes: body, at: 4 + 8 };
            bits.read(1) == Ok(1)
        },
    )
}

/// The stream an MPEG-2 picture describes (it must start with a sequence header), and whether
/// its display aspect ratio is the code's own (FFmpeg then reports 4:3, 16:9 or 2.21:1, or the
/// picture's size for square pixels); with a display extension it is not settled here.
pub(super) fn describe(frame: &[u8]) -> Result<(StreamDescription, bool), String> {
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
