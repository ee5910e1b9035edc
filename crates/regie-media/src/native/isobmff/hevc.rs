//! The HEVC sequence parameter set, as far as a description needs it: profile, level, chroma
//! format, bit depth, the picture size inside its conformance window, and from the VUI the sample
//! aspect ratio, the colour description and whether pictures are fields. Every read is bounded
//! by the NAL unit's bytes; an SPS with scaling lists or long-term pictures it does not follow is
//! `None`.

use super::avc::{read_aspect_ratio, unescape};
use crate::native::bits::Bits;

/// What an HEVC sequence parameter set says.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct HevcSps {
    pub profile_idc: u8,
    pub level_idc: u8,
    pub chroma_format_idc: u32,
    pub bit_depth_luma: u32,
    pub bit_depth_chroma: u32,
    pub width: u32,
    pub height: u32,
    pub sample_aspect_ratio: Option<(u32, u32)>,
    pub colour: Option<(u8, u8)>,
    /// Fields, or a picture structure signalled per picture: the field order comes from decoding.
    pub fields: bool,
}

/// The first SPS of an `hvcC` box body (Matroska's codec private data too).
pub(super) fn sps_of_hvcc(hvcc: &[u8]) -> Option<HevcSps> {
    let arrays = *hvcc.get(22)?;
    let mut at = 23usize;
    for _ in 0..arrays {
        let kind = hvcc.get(at)? & 0x3F;
        let count = u16::from_be_bytes([*hvcc.get(at + 1)?, *hvcc.get(at + 2)?]);
        at += 3;
        for _ in 0..count {
            let length = usize::from(u16::from_be_bytes([*hvcc.get(at)?, *hvcc.get(at + 1)?]));
            let nal = hvcc.get(at + 2..at + 2 + length)?;
            if kind == 33 {
                return sps_of_nal(nal);
            }
            at += 2 + length;
        }
    }
    None
}

/// The SPS of a NAL unit (its two header bytes first), when it is one.
pub(super) fn sps_of_nal(nal: &[u8]) -> Option<HevcSps> {
    if (nal.first()? >> 1) & 0x3F != 33 {
        return None;
    }
    parse_sps(&unescape(nal.get(2..)?))
}

fn parse_sps(bytes: &[u8]) -> Option<HevcSps> {
    let mut bits = Bits { bytes, at: 0 };
    bits.bits(4)?;
    let sub_layers = bits.bits(3)?;
    bits.bits(1)?;
    // profile_tier_level: space, tier, profile, 32 compatibility flags, 48 bits of constraints.
    bits.bits(3)?;
    let profile_idc = bits.bits(5)? as u8;
    bits.bits(32)?;
    bits.bits(32)?;
    bits.bits(16)?;
    let level_idc = bits.bits(8)? as u8;
    let mut profile_present = Vec::new();
    let mut level_present = Vec::new();
    for _ in 0..sub_layers {
        profile_present.push(bits.flag()?);
        level_present.push(bits.flag()?);
    }
    if sub_layers > 0 {
        for _ in sub_layers..8 {
            bits.bits(2)?;
        }
    }
    for (profile, level) in profile_present.into_iter().zip(level_present) {
        if profile {
            bits.bits(32)?;
            bits.bits(32)?;
            bits.bits(24)?;
        }
        if level {
            bits.bits(8)?;
        }
    }
    bits.ue()?;
    let chroma_format_idc = bits.ue()?;
    if chroma_format_idc == 3 && bits.flag()? {
        return None;
    }
    let coded_width = bits.ue()?;
    let coded_height = bits.ue()?;
    let (sub_width, sub_height) = match chroma_format_idc {
        1 => (2, 2),
        2 => (2, 1),
        _ => (1, 1),
    };
    let (mut width, mut height) = (coded_width, coded_height);
    if bits.flag()? {
        let (left, right, top, bottom) = (bits.ue()?, bits.ue()?, bits.ue()?, bits.ue()?);
        width = width.checked_sub(left.checked_add(right)?.checked_mul(sub_width)?)?;
        height = height.checked_sub(top.checked_add(bottom)?.checked_mul(sub_height)?)?;
    }
    let bit_depth_luma = bits.ue()? + 8;
    let bit_depth_chroma = bits.ue()? + 8;
    let poc_lsb_bits = bits.ue()? + 4;
    let ordering_all = bits.flag()?;
    let orderings = if ordering_all { sub_layers + 1 } else { 1 };
    for _ in 0..orderings {
        bits.ue()?;
        bits.ue()?;
        bits.ue()?;
    }
    for _ in 0..6 {
        bits.ue()?;
    }
    // Scaling lists present in the SPS: not followed.
    if bits.flag()? && bits.flag()? {
        return None;
    }
    bits.bits(2)?;
    if bits.flag()? {
        bits.bits(8)?;
        bits.ue()?;
        bits.ue()?;
        bits.bits(1)?;
    }
    let sets = bits.ue()?;
    if sets > 64 {
        return None;
    }
    let mut delta_pocs: Vec<u32> = Vec::new();
    for index in 0..sets {
        let predicted = index != 0 && bits.flag()?;
        if predicted {
            bits.bits(1)?;
            bits.ue()?;
            let reference = *delta_pocs.last()?;
            let mut count = 0;
            for _ in 0..=reference {
                let used = bits.flag()?;
                let kept = used || bits.flag()?;
                count += u32::from(kept);
            }
            delta_pocs.push(count);
        } else {
            let (negative, positive) = (bits.ue()?, bits.ue()?);
            if negative > 16 || positive > 16 {
                return None;
            }
            for _ in 0..negative + positive {
                bits.ue()?;
                bits.bits(1)?;
            }
            delta_pocs.push(negative + positive);
        }
    }
    if bits.flag()? {
        let long_term = bits.ue()?;
        if long_term > 32 || poc_lsb_bits > 16 {
            return None;
        }
        for _ in 0..long_term {
            bits.bits(poc_lsb_bits)?;
            bits.bits(1)?;
        }
    }
    bits.bits(2)?;
    let mut sps = HevcSps {
        profile_idc,
        level_idc,
        chroma_format_idc,
        bit_depth_luma,
        bit_depth_chroma,
        width,
        height,
        sample_aspect_ratio: None,
        colour: None,
        fields: false,
    };
    if bits.flag()? {
        read_vui(&mut bits, &mut sps)?;
    }
    Some(sps)
}

fn read_vui(bits: &mut Bits<'_>, sps: &mut HevcSps) -> Option<()> {
    sps.sample_aspect_ratio = read_aspect_ratio(bits)?;
    if bits.flag()? {
        bits.flag()?;
    }
    if bits.flag()? {
        bits.bits(3)?;
        bits.flag()?;
        if bits.flag()? {
            let primaries = bits.bits(8)? as u8;
            let transfer = bits.bits(8)? as u8;
            bits.bits(8)?;
            sps.colour = Some((primaries, transfer));
        }
    }
    if bits.flag()? {
        bits.ue()?;
        bits.ue()?;
    }
    bits.flag()?;
    let field_sequence = bits.flag()?;
    let frame_field_info = bits.flag()?;
    sps.fields = field_sequence || frame_field_info;
    Some(())
}

/// FFmpeg's name of the profile.
pub(super) fn profile_name(sps: &HevcSps) -> Option<&'static str> {
    Some(match sps.profile_idc {
        1 => "Main",
        2 => "Main 10",
        3 => "Main Still Picture",
        4 => "Rext",
        _ => return None,
    })
}

/// FFmpeg's pixel format for the chroma format and bit depth it decodes to.
pub(super) fn pixel_format(sps: &HevcSps) -> Option<String> {
    if sps.bit_depth_chroma != sps.bit_depth_luma {
        return None;
    }
    let base = match sps.chroma_format_idc {
        0 => "gray",
        1 => "yuv420p",
        2 => "yuv422p",
        3 => "yuv444p",
        _ => return None,
    };
    Some(match sps.bit_depth_luma {
        8 => base.to_owned(),
        10 | 12 => format!("{base}{}le", sps.bit_depth_luma),
        _ => return None,
    })
}
